"""Reading XLSForms (KoboToolbox, ODK, SurveyCTO questionnaires in ``.xlsx``).

:func:`read_xlsform` reads the ``survey``, ``choices`` and ``settings`` sheets (read-only) into an
:class:`XLSForm`; :meth:`campaign_me.codebook.Codebook.from_xlsform` drafts a codebook from it and
:meth:`~campaign_me.codebook.Codebook.with_form` fills a codebook's choice lists from it.
:data:`XLSFORM_TYPES` maps each XLSForm question type to a codebook type and role.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign_me.errors import CodebookError

__all__ = ["XLSFORM_TYPES", "XLSForm", "choice_codes", "read_xlsform"]

#: Largest XLSForm read (bytes of the .xlsx file).
MAX_FORM_BYTES = 20_000_000




@dataclass(frozen=True)
class XLSForm:
    """The parts of an XLSForm that intake needs.

    Attributes
    ----------
    questions : dict
        ``name -> (type, list_name or None, label)`` for every named row of the ``survey`` sheet,
        with ``type`` the XLSForm type (``select_one``, ``select_multiple``, ``integer``, ...).
    choices : dict
        ``list_name -> {choice name: label}`` from the ``choices`` sheet (names as text).
    settings : dict
        The ``settings`` sheet (``form_id``, ``version``, ``default_language``, ...).
    path : Path
        Where the form was read from.
    """

    questions: dict[str, tuple[str, str | None, str]]
    choices: dict[str, dict[str, str]]
    settings: dict[str, str]
    path: Path


def _sheet_records(ws: Any) -> list[dict[str, str]]:
    if hasattr(ws, "reset_dimensions"):  # read-only: do not trust the sheet's stored dimension record
        ws.reset_dimensions()
    rows = ws.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        return []
    records = []
    for row in rows:
        rec = {h: ("" if v is None else str(v).strip()) for h, v in zip(header, row) if h}
        if any(rec.values()):
            records.append(rec)
    return records


def _label_key(records: list[dict[str, str]], language: str | None) -> str | None:
    keys = list(records[0]) if records else []
    if language and f"label::{language}" in keys:
        return f"label::{language}"
    if "label" in keys:
        return "label"
    for k in keys:
        if k.startswith("label::"):
            return k
    return None


def read_xlsform(path: str | os.PathLike[str]) -> XLSForm:
    """Read the ``survey``, ``choices`` and ``settings`` sheets of an XLSForm ``.xlsx`` (read-only).

    Parameters
    ----------
    path : str or path-like
        The XLSForm workbook (KoboToolbox / ODK / SurveyCTO).

    Returns
    -------
    XLSForm

    Raises
    ------
    CodebookError
        If the file is not an ``.xlsx`` workbook or has no ``survey`` sheet.
    """
    import openpyxl

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"XLSForm {str(p)!r} {'is a folder, not a file' if p.is_dir() else 'does not exist'}.")
    if p.stat().st_size > MAX_FORM_BYTES:
        raise CodebookError(f"form {p.name!r} is {p.stat().st_size:,} bytes; at most {MAX_FORM_BYTES:,} are read.")
    with p.open("rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            raise CodebookError(f"form {p.name!r} is not an .xlsx workbook (an XLSForm is needed).")
        fh.seek(0)
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several unrelated types on corrupt files
            raise CodebookError(f"form {p.name!r} cannot be read as an .xlsx workbook: {exc}") from None
        try:
            sheets = {name.lower(): wb[name] for name in wb.sheetnames}
            if "survey" not in sheets:
                raise CodebookError(
                    f"form {p.name!r} has no 'survey' sheet (sheets: {', '.join(wb.sheetnames)}); "
                    "is it an XLSForm?"
                )
            survey = _sheet_records(sheets["survey"])
            choice_rows = _sheet_records(sheets["choices"]) if "choices" in sheets else []
            settings_rows = _sheet_records(sheets["settings"]) if "settings" in sheets else []
        finally:
            wb.close()
    settings = settings_rows[0] if settings_rows else {}
    language = settings.get("default_language") or None
    questions: dict[str, tuple[str, str | None, str]] = {}
    qlabel = _label_key(survey, language)
    for rec in survey:
        name, qtype = rec.get("name", ""), rec.get("type", "")
        if not name or not qtype:
            continue
        parts = qtype.split()
        base = parts[0]
        list_name = parts[1] if base in ("select_one", "select_multiple") and len(parts) > 1 else None
        questions[name] = (base, list_name, rec.get(qlabel, "") if qlabel else "")
    choices: dict[str, dict[str, str]] = {}
    clabel = _label_key(choice_rows, language)
    for rec in choice_rows:
        list_name = rec.get("list_name") or rec.get("list name") or ""
        if list_name and rec.get("name", "") != "":
            choices.setdefault(list_name, {})[rec["name"]] = rec.get(clabel, "") if clabel else ""
    return XLSForm(questions=questions, choices=choices, settings=settings, path=p)


#: XLSForm question type -> (codebook type, role).
XLSFORM_TYPES: dict[str, tuple[str, str]] = {
    "integer": ("integer", "other"),
    "decimal": ("number", "other"),
    "range": ("number", "other"),
    "text": ("text", "other"),
    "barcode": ("text", "other"),
    "acknowledge": ("text", "other"),
    "date": ("date", "other"),
    "datetime": ("datetime", "other"),
    "time": ("text", "other"),
    "select_one": ("categorical", "other"),
    "select_multiple": ("select_multiple", "other"),
    "rank": ("text", "other"),
    "calculate": ("text", "derived"),
    "hidden": ("text", "other"),
    "start": ("datetime", "metadata"),
    "end": ("datetime", "metadata"),
    "today": ("date", "metadata"),
    # personal or device data: identifiers, dropped on load (IOM treats device data as personal data)
    "geopoint": ("text", "identifier"),
    "geotrace": ("text", "identifier"),
    "geoshape": ("text", "identifier"),
    "deviceid": ("text", "identifier"),
    "phonenumber": ("text", "identifier"),
    "simserial": ("text", "identifier"),
    "subscriberid": ("text", "identifier"),
    "username": ("text", "identifier"),
    "email": ("text", "identifier"),
    "image": ("text", "identifier"),
    "audio": ("text", "identifier"),
    "video": ("text", "identifier"),
    "file": ("text", "identifier"),
}


def choice_codes(options: Mapping[str, str], as_text: bool) -> dict[int | str, str]:
    """Codes of a choice list: whole numbers when every choice name is one (unless ``as_text``)."""
    if not as_text and options and all(re.fullmatch(r"-?\d+", k) for k in options):
        return {int(k): v for k, v in options.items()}
    return dict(options)
