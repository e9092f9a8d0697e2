""":func:`load_survey`: read a survey file, check it against its codebook, return typed data without
personal data, indexed by file line."""

from __future__ import annotations

import difflib
import logging
import os
import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from campaign_me.codebook import Codebook, Variable
from campaign_me.conventions import did_you_mean
from campaign_me.errors import CampaignMeError, IntakeError, IntakeWarning
from campaign_me.intake.blocks import read_csv_blocks
from campaign_me.intake.columns import ColumnResolver
from campaign_me.intake.convert import Converter, bool_array, codes_text, convert_select_multiple
from campaign_me.intake.problems import (
    FatalProblem,
    ProblemLog,
    error_message,
    format_problems,
    problem_line,
    problem_summary,
)
from campaign_me.intake.readers import RawTable, csv_row_unit, read_raw
from campaign_me.intake.structure import StructureFallback, check_header_is_names, check_structure
from campaign_me.intake.table import CodedColumn, CodedColumns
from campaign_me.privacy import PII_KINDS as _PII_KINDS
from campaign_me.privacy import find_pii_in_counts

logger = logging.getLogger("campaign_me.intake")

_KOBO_MARKERS = {"_uuid", "_submission_time", "_index", "_id", "meta/instanceID", "KEY", "SubmissionDate"}

# XLSForm metadata fields and ODK Central / SurveyCTO export columns (set aside in Kobo/ODK exports).
_META_NAMES = {
    "start",
    "end",
    "today",
    "deviceid",
    "phonenumber",
    "simserial",
    "subscriberid",
    "username",
    "email",
    "audit",
    "instanceID",
    "instanceName",
    "SubmissionDate",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
    "formdef_version",
}


# --------------------------------------------------------------------------------------------------
# load_survey
# --------------------------------------------------------------------------------------------------


def _resolve_codebook(codebook: Codebook | str | os.PathLike[str] | None) -> Codebook | None:
    """A codebook, its path, or None (:meth:`Codebook.coerce`)."""
    return Codebook.coerce(codebook, optional=True)


def load_survey(
    path: str | os.PathLike[str],
    codebook: Codebook | str | os.PathLike[str] | None = None,
    *,
    sheet: str | int | None = None,
    form: str | os.PathLike[str] | None = None,
    errors: Literal["raise", "report"] = "raise",
    keep_pii: bool = False,
    labels: bool = False,
    encoding: str | None = None,
    group_sep: str = "/",
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Read a survey file, check it against its codebook and return typed, PII-free data.

    Parameters
    ----------
    path : str or path-like
        A CSV file (delimiter sniffed among ``,`` ``;`` tab ``|``; UTF-8 with or without BOM, or
        UTF-16 with BOM), an ``.xlsx`` workbook, or a KoboToolbox/ODK export of either kind in
        "XML values and headers" form. Opened read-only; never written.
    codebook : Codebook, str or path-like, optional
        The codebook or its YAML file. Without one (and without ``form``) columns stay text and only
        file-level and PII checks run.
    sheet : str or int, optional
        Excel sheet name or 0-based position among the worksheets (chart sheets are not counted, as in
        :func:`pandas.read_excel`); required when several sheets hold data.
    form : str or path-like, optional
        The XLSForm (``.xlsx``) of a Kobo/ODK export: supplies choice lists (codes and labels), e.g.
        the options of ``select_multiple`` questions. Defaults to the codebook's ``form``. With no
        codebook, a codebook is drafted from the form (:meth:`Codebook.from_xlsform`).
    errors : {"raise", "report"}, default "raise"
        "raise": raise one :class:`IntakeError` listing every problem if there is any error
        (its ``.problems`` attribute holds the problem table); warnings are issued as
        :class:`IntakeWarning` and notes logged. "report": return ``(data, problems)``.
    keep_pii : bool, default False
        Keep columns declared as ``identifier`` and undeclared columns that look like personal data.
    labels : bool, default False
        Return coded categorical variables as ordered/unordered ``category`` columns of labels.
    encoding : str, optional
        Text encoding of a CSV file, e.g. ``"cp1252"`` or ``"latin-1"``; by default the file must be
        UTF-8 (or carry a UTF-16 BOM) and anything else is an error naming the lines.
    group_sep : str, default "/"
        Separator of XLSForm group prefixes (``group/q1``) and select_multiple options (``q/option``)
        in the file: Kobo exports may use ``"."``, ODK Central uses ``"-"`` for groups (option columns
        ``q/option`` are recognised with either). The returned option columns are always ``q/option``.
        When the columns use another separator, the error says which ``group_sep`` to pass.

    Returns
    -------
    DataFrame or (DataFrame, DataFrame)
        The data (columns in codebook order, undeclared columns last as text; Kobo ``_`` metadata
        and identifiers removed) and, with ``errors="report"``, the problem table with columns
        ``file, column, rows, values, problem, expected, severity, check`` (see the module
        docstring). Row numbers are those of the file (header = row 1). If the file cannot be read
        at all the data frame is empty.

    Raises
    ------
    IntakeError
        With ``errors="raise"``, if any problem has severity "error".
    CodebookError
        If the codebook or form is malformed.
    FileNotFoundError
        If ``path`` does not exist (``IsADirectoryError`` if it is a folder).

    Examples
    --------
    The sample data in the repository (run from its root):

    >>> data = load_survey("data/samples/corvia/survey_endline.csv", "data/samples/codebook.yaml")
    >>> bool(data["risk_perception"].max() <= 100)  # 999, "don't know", is a missing-value code
    True
    >>> int(data["risk_perception"].isna().sum()) > 0
    True
    >>> kobo = "data/samples/aroland/kobo/"
    >>> data, problems = load_survey(kobo + "survey_endline_kobo.csv", "data/samples/codebook.yaml",
    ...                              form=kobo + "kap_form.xlsx", errors="report")
    >>> sorted(problems.loc[problems["check"] == "pii_dropped", "column"])
    ['phone', 'respondent_name']
    """
    if errors not in ("raise", "report"):
        raise CampaignMeError(f"errors: must be 'raise' or 'report', got {errors!r}.")
    p, cb = _open_args(path, codebook, form, group_sep)
    data, problems = _read_file(
        p, cb, sheet=sheet, encoding=encoding, keep_pii=keep_pii, labels=labels, sep=group_sep, keep_data=True
    )
    table = problems.frame()
    if errors == "report":
        return data, table
    if problems.has_errors:
        err = IntakeError(error_message(p.name, cb, table, problems.row_unit))
        err.problems = table  # type: ignore[attr-defined]
        raise err
    warn = table[table["severity"] == "warning"]
    if not warn.empty:
        warnings.warn(
            f"{p.name}: {problem_summary(warn)}; {problems.row_unit}:\n{format_problems(warn)}",
            IntakeWarning,
            stacklevel=2,
        )
    for rec in table[table["severity"] == "note"].to_dict("records"):
        logger.info("%s: %s", p.name, problem_line(rec))
    return data


def validate_survey(
    path: str | os.PathLike[str],
    codebook: Codebook | str | os.PathLike[str] | None = None,
    *,
    sheet: str | int | None = None,
    form: str | os.PathLike[str] | None = None,
    encoding: str | None = None,
    group_sep: str = "/",
) -> pd.DataFrame:
    """Check a survey file against its codebook without keeping its data: the problem table.

    Runs every check of :func:`load_survey` (with ``errors="report"``), but each column is dropped as
    soon as it has been checked, so a large file needs far less memory (what ``campaign-me validate``
    runs). The table's ``attrs`` hold ``rows`` and ``columns``, the size of the data
    :func:`load_survey` would return, and ``row_unit``, how rows are numbered.

    Examples
    --------
    >>> problems = validate_survey("data/samples/corvia/survey_endline.csv", "data/samples/codebook.yaml")
    >>> problems.empty, problems.attrs["rows"] > 0
    (True, True)
    """
    p, cb = _open_args(path, codebook, form, group_sep)
    data, problems = _read_file(
        p, cb, sheet=sheet, encoding=encoding, keep_pii=False, labels=False, sep=group_sep, keep_data=False
    )
    table = problems.frame()
    table.attrs["rows"], table.attrs["columns"] = problems.shape
    return table


def _open_args(
    path: str | os.PathLike[str],
    codebook: Codebook | str | os.PathLike[str] | None,
    form: str | os.PathLike[str] | None,
    group_sep: str,
) -> tuple[Path, Codebook | None]:
    """The survey file's path (checked to be a readable file) and the codebook, with the form applied."""
    p = Path(path)
    if not p.is_file():
        if p.is_dir():
            raise IsADirectoryError(f"survey file {str(p)!r} is a folder, not a file: name a file in it.")
        if p.exists():
            raise CampaignMeError(
                f"survey file {str(p)!r} is not a regular file (a pipe or a device?): save the data to a "
                "file first."
            )
        raise FileNotFoundError(f"survey file {str(p)!r} does not exist.")
    if not isinstance(group_sep, str) or not group_sep:
        raise CampaignMeError(f"group_sep: must be a non-empty text such as '/' or '.', got {group_sep!r}.")
    cb = _resolve_codebook(codebook)
    form_path = form if form is not None else (cb.form if cb is not None else None)
    if form_path is not None:
        cb = cb.with_form(form_path) if cb is not None else Codebook.from_xlsform(form_path)
    return p, cb


def _read_file(
    p: Path,
    cb: Codebook | None,
    *,
    sheet: str | int | None,
    encoding: str | None,
    keep_pii: bool,
    labels: bool,
    sep: str,
    keep_data: bool,
) -> tuple[pd.DataFrame, ProblemLog]:
    """Read and check one file: the data (empty if it cannot be read) and the problems found."""
    options = {"keep_pii": keep_pii, "labels": labels, "sep": sep, "keep_data": keep_data}
    # A large UTF-8 CSV file is read block-wise straight into columns when that gives the same result.
    if sheet is None and (encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8"):
        if p.suffix.lower() not in (".xls", ".xlsx", ".xlsm"):
            raw = read_csv_blocks(p, p.stat().st_size)
            if raw is not None:
                problems = _new_problems(p, cb, sep)
                problems.row_unit = csv_row_unit(raw.header_line)
                try:
                    return _process(raw, cb, problems, **options), problems
                except FatalProblem:
                    return pd.DataFrame(), problems
                except StructureFallback:  # column names on the second row: the pure-Python reader handles it
                    pass
    problems = _new_problems(p, cb, sep)
    with p.open("rb") as fh:  # read-only; the file is never written
        data_bytes = fh.read()
    try:
        raw = read_raw(p, data_bytes, sheet, encoding, problems)
        del data_bytes  # release the file's bytes before the columns are built
        return _process(raw, cb, problems, **options), problems
    except FatalProblem:
        return pd.DataFrame(), problems


def _new_problems(p: Path, cb: Codebook | None, sep: str) -> ProblemLog:
    problems = ProblemLog(p.name)
    problems.resolver = ColumnResolver(cb, sep)
    return problems


def _process(
    raw: RawTable,
    cb: Codebook | None,
    problems: ProblemLog,
    *,
    keep_pii: bool,
    labels: bool,
    sep: str,
    keep_data: bool = True,
) -> pd.DataFrame:
    """Check the raw table and convert its columns. With ``keep_data=False`` each column is checked
    and dropped (the design columns are kept for the row checks) and the frame returned is empty;
    ``problems.shape`` holds the size of the data either way."""
    resolver = problems.resolver if problems.resolver is not None else ColumnResolver(cb, sep)
    check_header_is_names(raw, resolver, problems)
    check_structure(raw, resolver, cb, problems)
    raw.text = None  # release the decoded text
    unit = "line" if raw.kind == "csv" else "row"
    assert raw.columns is not None and raw.lines is not None
    lines = raw.lines
    n = len(lines)
    if n == 0:
        problems.add(
            "no_data",
            f"header but no data {unit}s",
            expected=f"data {unit}s under the header ({unit} {raw.header_line})",
        )
    columns = CodedColumns(raw.header, raw.columns)
    raw.columns = None  # the columns now live in ``columns``

    # Kobo/ODK metadata columns are set aside (not returned) unless the codebook declares them.
    is_kobo = any(c in _KOBO_MARKERS or c == f"meta{sep}instanceID" for c in columns)
    meta = [
        c
        for c in columns
        if resolver.resolve(c) is None
        and (
            c.startswith("_")
            or (
                is_kobo
                and (c in _META_NAMES or c.startswith(("meta/", "formhub/", f"meta{sep}", f"formhub{sep}")))
            )
        )
    ]
    if meta:
        problems.add(
            "metadata",
            f"{len(meta)} {'Kobo/ODK ' if is_kobo else ''}metadata column(s) set aside, not returned "
            "(declare one in the codebook with role: metadata to keep it)",
            values=meta,
            severity="note",
        )
        for c in meta:
            del columns[c]

    if cb is None:
        frame = _process_without_codebook(columns, problems, lines, keep_pii, sep, is_kobo)
        problems.shape = frame.shape
        return frame if keep_data else frame.iloc[:0]

    # Map file names to codebook columns.
    mapped: dict[str, str] = {}  # codebook column -> file column
    unknown: list[str] = []
    stripped: list[str] = []
    for c in columns:
        target = resolver.resolve(c)
        if target is None:
            unknown.append(c)
        elif target in mapped:
            problems.add(
                "ambiguous_column",
                f"two file columns map to it ({mapped[target]!r} and {c!r}); only the first was read",
                column=target,
                expected="one column per variable (same question in two groups?)",
            )
        else:
            mapped[target] = c
            if c not in resolver.aliases:  # a group prefix was removed
                stripped.append(c)
    if stripped:
        problems.add(
            "group_prefix",
            f"group prefixes removed from {len(stripped)} column name(s)",
            values=stripped,
            severity="note",
        )
    # Names with another group separator (a Kobo export with '.', ODK Central with '-')?
    other_sep = _other_group_sep(cb, unknown, sep)
    hinted: set[str] = set()
    if other_sep is not None:
        alt, hits, alt_vars = other_sep
        hinted = set(hits)
        problems.add(
            "group_prefix",
            f"{len(hits)} column name(s) use {alt!r} between group and question names, but group_sep is "
            f"{sep!r}; pass group_sep={alt!r} to read them",
            values=hits,
            expected=f"group_sep={alt!r} in load_survey (--group-sep {alt} in campaign-me validate); these "
            "columns were not read as codebook variables",
        )

    conv = Converter(problems, lines)
    out: dict[str, pd.Series] = {}
    design = {cb.id, cb.weight, cb.strata, cb.psu, cb.fpc}  # used by the row checks

    # Undeclared option columns of select_multiple questions.
    for c in list(unknown):
        hit = resolver.option_of(c, cb)
        if hit is not None:
            var, option = hit
            unknown.remove(c)
            if not var.codes:  # reported below as form_needed
                continue
            problems.add(
                "invalid_code",
                f"column {c!r} is an option not in the codebook",
                column=var.name,
                values=[option],
                expected=f"options {codes_text(var.codes)}",
            )

    for var in cb:
        candidates = [var.name, *var.columns()] if var.type == "select_multiple" else [var.name]
        if not any(c in mapped for c in candidates):
            if var.required and (other_sep is None or var.name not in other_sep[2]):
                close = difflib.get_close_matches(var.name, unknown, n=1)
                hint = f" (the file has {close[0]!r})" if close else ""
                label = f" ({var.label})" if var.label else ""
                problems.add(
                    "missing_column",
                    "required column not in the file",
                    column=var.name,
                    expected=f"a column {var.name!r}{label}{hint}",
                )
            continue
        if var.is_pii and not keep_pii:
            problems.add(
                "pii_dropped",
                "dropped: declared as an identifier (personal data; keep_pii=True keeps it)",
                column=var.name,
                severity="note",
            )
            continue
        if var.type == "select_multiple" or (var.type == "categorical" and var.choices and not var.codes):
            if not var.codes:
                problems.add(
                    "form_needed",
                    f"{var.type} question without codes: its options are not known",
                    column=var.name,
                    expected=(
                        f"form= the XLSForm with choice list {var.choices!r}"
                        if var.choices
                        else f"form= the XLSForm whose survey sheet has the question {var.name!r}"
                    )
                    + ", or 'codes' in the codebook",
                )
                continue
        if var.type == "select_multiple":
            text = columns.column(mapped[var.name]) if var.name in mapped else None
            opts = {
                str(code): columns.column(mapped[col])
                for code, col in zip(var.codes, var.columns())
                if col in mapped
            }
            for name, column in convert_select_multiple(var, text, opts, conv, mapped).items():
                out[name] = column if keep_data else _stub(column)
            continue
        out[var.name] = conv.convert(var, columns.column(mapped[var.name]))
        if not keep_data and var.name not in design:
            out[var.name] = _stub(out[var.name])

    # Personal data: undeclared columns are errors, declared ones warnings.
    checkable = [v for v in cb if v.name in out and v.check_pii and not v.is_pii]
    declared = find_pii_in_counts(
        columns.distinct({v.name: mapped[v.name] for v in checkable}),
        min_share=0.5,
        use_names=False,
        clean=True,
    )
    problems.pii_columns.update(declared["column"])
    for rec in declared.to_dict("records"):
        var = cb[rec["column"]]
        problems.add(
            "pii_suspected",
            f"declared with role {var.role!r} but looks like personal data ({_pii_reason(rec)})",
            column=var.name,
            values=rec["examples"],
            expected="role: identifier if it is personal data (dropped on load), or check_pii: false",
            severity="warning",
        )
    # (the label header of a declared identifier is reported as such below, not as an undeclared column)
    label_of_col = {c: resolver.labels.get(c.strip().lower()) for c in unknown}
    checked = {c: c for c in unknown if label_of_col[c] is None or not cb[label_of_col[c]].is_pii}
    flagged = find_pii_in_counts(columns.distinct(checked), min_share=0.5, use_names=True, clean=True)
    flagged_cols = set(flagged["column"])
    problems.pii_columns.update(flagged_cols)
    for rec in flagged.to_dict("records"):
        problems.add(
            "pii_suspected",
            f"undeclared column that looks like personal data ({_pii_reason(rec)}; masked examples)",
            column=rec["column"],
            values=rec["examples"],
            expected="declare it in the codebook: role: identifier if it is personal data "
            "(dropped on load), or check_pii: false ("
            + ("kept: keep_pii=True" if keep_pii else "the column was dropped")
            + ")",
        )
    for c in unknown:
        if c in flagged_cols:
            if keep_pii:
                out[c] = columns[c]
            continue
        label_of = resolver.labels.get(c.strip().lower())
        pii_label = label_of is not None and cb[label_of].is_pii and not keep_pii
        if label_of is not None:
            expected = (
                f"the variable names as headers: this is the label of {label_of!r} "
                "(for Kobo exports choose 'XML values and headers')"
                + ("; it is personal data: the column was dropped" if pii_label else "")
            )
        else:
            hint = did_you_mean(c, [v.name for v in cb if v.name not in mapped])
            expected = f"only codebook variables: declare it in the codebook or remove it{hint}"
        if c not in hinted:  # reported above, with the group_sep to pass
            problems.add("unknown_column", "column not in the codebook", column=c, expected=expected)
        if pii_label:  # an identifier recognised by its label is dropped like the others
            problems.pii_columns.add(c)
            continue
        out[c] = columns[c] if keep_data else _stub(columns[c])

    if n:
        _check_rows(cb, out, conv, problems, {v: columns.column(c) for v, c in mapped.items() if v in design})
    problems.shape = (n, len(out))
    if not keep_data:
        return pd.DataFrame()
    if labels:
        for var in cb:
            if var.type == "categorical" and var.codes and var.name in out:
                out[var.name] = _as_labels(var, out[var.name])
    frame = pd.DataFrame(out, index=pd.RangeIndex(n), copy=False)  # (a copy would double the peak)
    frame.index = _line_index(lines)
    return frame


def _stub(column: pd.Series) -> pd.Series:
    """What the row checks need of a column that is not kept: its first value, if any."""
    present = np.flatnonzero(column.notna().to_numpy(dtype=bool, na_value=False))[:1]
    return column.iloc[present].copy()  # a copy: a slice would keep the whole column alive


def _line_index(lines: np.ndarray) -> pd.Index:
    """The index of the returned data: the file line (CSV) or sheet row (Excel) of each respondent."""
    return pd.Index(np.asarray(lines, dtype="int64"), name="line")


def _other_group_sep(cb: Codebook, unknown: list[str], sep: str) -> tuple[str, list[str], set[str]] | None:
    """The group separator the unknown columns use, if not ``sep``: (separator, columns, variables)."""
    if not unknown:
        return None
    for alt in (".", "-", "/", ":"):
        if alt == sep:
            continue
        res = ColumnResolver(cb, alt)
        hits = [c for c in unknown if alt in c and res.resolve(c) is not None]
        if len(hits) >= 2 and len(hits) >= 0.5 * len(unknown):
            return alt, hits, {res.known[res.resolve(c)][0].name for c in hits}  # type: ignore[index]
    return None


def _pii_reason(rec: dict[str, Any]) -> str:
    what = _PII_KINDS.get(rec["kind"], rec["kind"])
    if rec["reason"] == "values":
        return f"{rec['n_matching']} of {rec['n_values']} values look like {what}"
    return f"its name suggests {what}"


def _process_without_codebook(
    columns: CodedColumns,
    problems: ProblemLog,
    lines: np.ndarray,
    keep_pii: bool,
    sep: str,
    is_kobo: bool,
) -> pd.DataFrame:
    multi = sorted({c.rsplit(sep, 1)[0] for c in columns if sep in c and c.rsplit(sep, 1)[0] in columns})
    if multi:
        problems.add(
            "form_needed",
            f"{'Kobo/ODK export' if is_kobo else 'the file'} has select_multiple questions "
            f"({', '.join(repr(m) for m in multi)}) but no form or codebook to read them",
            values=[c for c in columns if sep in c and c.rsplit(sep, 1)[0] in multi],
            expected="form= the XLSForm (its choices sheet lists the options), or a codebook",
        )
    flagged = find_pii_in_counts(
        columns.distinct({c: c for c in columns}), min_share=0.5, use_names=True, clean=True
    )
    problems.pii_columns.update(flagged["column"])
    for rec in flagged.to_dict("records"):
        # Values that look like personal data are dropped; a suggestive name alone only warns.
        drop = rec["reason"] == "values" and not keep_pii
        problems.add(
            "pii_suspected",
            f"column that looks like personal data ({_pii_reason(rec)}"
            + ("; masked examples)" if rec["examples"] else ")"),
            column=rec["column"],
            values=rec["examples"],
            expected="a codebook declaring it (role: identifier), or keep_pii=True ("
            + ("the column was dropped" if drop else "kept")
            + ")",
            severity="warning",
        )
        if drop:
            del columns[rec["column"]]
    n = len(lines)
    for name in columns:
        if n and not columns.column(name).present().any():
            problems.add("all_missing", "all values are blank", column=name, severity="warning")
    frame = pd.DataFrame({name: columns[name] for name in columns}, index=pd.RangeIndex(n), copy=False)
    frame.index = _line_index(lines)
    return frame


def _check_rows(
    cb: Codebook,
    out: dict[str, pd.Series],
    conv: Converter,
    problems: ProblemLog,
    raw: dict[str, CodedColumn],
) -> None:
    """Row-level checks across the typed columns: all-missing, ids, weights, design columns."""
    for var in cb:
        cols = [c for c in var.columns() if c in out]
        rejected = any(problems.reported.get(c) for c in [var.name, *cols])
        if cols and not rejected and not any(bool(out[c].notna().any()) for c in cols):
            problems.add(
                "all_missing",
                "all values are blank or missing codes",
                column=var.name,
                expected="at least one answer" + (" (required variable)" if var.required else ""),
                severity="error" if var.required else "warning",
            )
    # Respondent ids: present and unique.
    if cb.id is not None and cb.id in out:
        ids = out[cb.id]
        missing = bool_array(ids.isna())
        if missing.any() and not missing.all():
            problems.add(
                "missing_id",
                "respondent id is blank",
                column=cb.id,
                rows=conv._rows(missing),
                expected="an id on every row",
            )
        if cb.id in raw and cb[cb.id].type in ("id", "text"):  # ids kept as text: the file's codes count
            # them cheaply (a missing code is NA in ``ids``); numeric ids compare as numbers ("01" == "1")
            codes = np.where(missing, -1, raw[cb.id].codes.astype(np.intp))
        else:
            codes = np.asarray(pd.factorize(ids.array)[0], dtype=np.intp)
        dup = np.bincount(codes[codes >= 0], minlength=1)[np.maximum(codes, 0)] > 1
        dup &= ~missing
        if dup.any():
            problems.add(
                "duplicate_id",
                "duplicate respondent ids",
                column=cb.id,
                rows=conv._rows(dup),
                values=ids[dup].astype(str).tolist(),
                expected="each id once",
            )
    # Weights: present and > 0 (values that are not numbers are already reported as wrong_type).
    if cb.weight is not None and cb.weight in out:
        w = out[cb.weight].astype("float64").to_numpy()
        text = raw[cb.weight]
        coded = conv._missing_mask(cb[cb.weight], text)
        blank = ~text.present()
        if blank.any() and not (blank | coded).all():
            problems.add(
                "bad_weight",
                "missing weights",
                column=cb.weight,
                rows=conv._rows(blank),
                expected="a weight > 0 on every row",
            )
        if coded.any():
            problems.add(
                "bad_weight",
                "weights read as missing: they are missing codes of the variable "
                f"({codes_text(cb[cb.weight].missing)})",
                column=cb.weight,
                rows=conv._rows(coded),
                values=text.values_at(coded),
                expected="a weight > 0 on every row: remove the missing codes from the weight variable "
                "(missing: {} on it) if these are real weights",
            )
        with np.errstate(invalid="ignore"):
            nonpos = w <= 0
        nonpos &= ~np.isin(conv.lines, list(problems.reported.get(cb.weight, ())))
        if nonpos.any():
            problems.add(
                "bad_weight",
                "non-positive weights",
                column=cb.weight,
                rows=conv._rows(nonpos),
                values=text.values_at(nonpos),
                expected="weights > 0",
            )
    for key in ("strata", "psu", "fpc"):
        name = getattr(cb, key, None)
        if name is not None and name in out:
            missing = bool_array(out[name].isna()) & ~np.isin(
                conv.lines, list(problems.reported.get(name, ()))
            )
            coded = conv._missing_mask(cb[name], raw[name]) & missing
            if missing.any() and not missing.all():
                problems.add(
                    "missing_design",
                    f"missing {key} values"
                    + (f" (some are missing codes: {codes_text(cb[name].missing)})" if coded.any() else ""),
                    column=name,
                    rows=conv._rows(missing),
                    values=raw[name].values_at(coded),
                    expected=f"a {key} value on every row",
                )


def _as_labels(var: Variable, s: pd.Series) -> pd.Series:
    labels = {code: (label or str(code)) for code, label in var.codes.items()}
    categories = list(dict.fromkeys(labels.values()))
    values = [None if pd.isna(v) else labels.get(v) for v in s.tolist()]
    return pd.Series(pd.Categorical(values, categories=categories, ordered=var.ordered))
