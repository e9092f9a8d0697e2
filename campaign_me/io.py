"""Safe intake of survey files: read, check against a codebook, protect respondents.

:func:`load_survey` reads a CSV, an Excel ``.xlsx`` sheet or a KoboToolbox/ODK export, every cell as
text first, then converts each column as its :class:`~campaign_me.codebook.Codebook` says, so numbers
are never silently mangled (ids keep their leading zeros, ``"n/a"`` in an age column is reported,
not turned into NaN). It collects *every* problem it finds and either raises one
:class:`~campaign_me.errors.IntakeError` listing them all (``errors="raise"``, the default) or returns
the data with a problem table (``errors="report"``). Input files are opened read-only and never
written.

Problem table
-------------
One row per problem, with these columns:

========  =========================================================================================
column    meaning
========  =========================================================================================
file      file name (no folders)
column    the column concerned, as named in the codebook ("" for file-level problems)
rows      list of row numbers *as in the file*: line numbers of a CSV file and row numbers of an
          Excel sheet, where the header is row 1 and the first data row is row 2
values    list of distinct offending values as text (personal data is masked)
problem   what is wrong
expected  what was expected, and how to fix it
severity  ``error`` (raises with ``errors="raise"``), ``warning`` (issued as
          :class:`IntakeWarning`), ``note`` (logged: what intake did, e.g. dropped PII)
check     short name of the check: ``empty_file``, ``encoding``, ``not_excel``, ``zip_archive``,
          ``sheet``, ``header_row``, ``blank_header``, ``duplicate_column``, ``repeated_header``,
          ``second_header``, ``unterminated_quote``, ``ragged_row``, ``no_data``, ``metadata``,
          ``group_prefix``,
          ``form_needed``, ``unknown_column``, ``missing_column``, ``ambiguous_column``,
          ``wrong_type``, ``invalid_code``, ``out_of_range``, ``select_multiple_mismatch``,
          ``all_missing``, ``duplicate_id``, ``missing_id``, ``bad_weight``, ``missing_design``,
          ``pii_dropped``, ``pii_suspected``
========  =========================================================================================

Column types after loading
--------------------------
``id`` and ``text``: ``string``; ``integer`` and categorical variables with whole-number codes:
``Int64``; categorical variables with text codes: ``string`` (or ``category`` of labels with
``labels=True``); ``number``: ``float64``; ``boolean``: ``boolean``; ``date``/``datetime``:
``datetime64``; ``select_multiple`` ``q``: one ``Int64`` 0/1 column ``q/option`` per option, NA where
the question was not answered. Missing codes become NA. The nullable columns hold ``pd.NA``: convert
with ``.to_numpy(dtype=float, na_value=np.nan)`` where NumPy arrays are needed.

Respondent protection
---------------------
Columns with role ``identifier`` are dropped unless ``keep_pii=True`` (a ``note`` says so).
:func:`find_pii` flags columns whose values look like phone numbers, e-mail addresses or GPS
coordinates, or whose names suggest personal data. Undeclared columns that look like personal data are
errors and are dropped; declared columns that look like it raise a warning (set ``check_pii: false``
in the codebook when that is intended). Problem tables and messages never show such values unmasked:
values of identifier columns, of columns that look like personal data (by name or values) and single
values that look like a phone number, an e-mail address or a GPS position are masked (``'07******78'``)
wherever they appear, including encoding errors and stray-quote reports.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import dataclasses
import difflib
import io as _io
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from campaign_me.codebook import Code, Codebook, Variable
from campaign_me.errors import CampaignMeError, CodebookError, IntakeError, IntakeWarning, describe_values
from campaign_me.privacy import PII_KINDS as _PII_KINDS
from campaign_me.privacy import find_pii
from campaign_me.privacy import looks_like_pii as _looks_like_pii
from campaign_me.privacy import mask as _mask
from campaign_me.privacy import mask_text as _mask_text
from campaign_me.privacy import name_kind as _name_kind
from campaign_me.privacy import printable as _printable

__all__ = [
    "PROBLEM_COLUMNS",
    "IntakeWarning",
    "find_pii",
    "format_problems",
    "load_survey",
    "validate_command",
]

logger = logging.getLogger(__name__)

#: Columns of the problem table returned by ``load_survey(..., errors="report")``.
PROBLEM_COLUMNS: tuple[str, ...] = (
    "file",
    "column",
    "rows",
    "values",
    "problem",
    "expected",
    "severity",
    "check",
)

_DELIMITERS = (",", ";", "\t", "|")
_DELIM_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Whole numbers, optionally with one trailing ".0" (pandas' to_csv writes 1 as "1.0"). "2.000" is refused:
# in a file with decimal commas it is two thousand.
_INT_RE = r"[+-]?\d+(?:\.0)?"
_NUM_RE = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
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
# Problem collection
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Problem:
    check: str
    problem: str
    column: str = ""
    rows: list[int] = dataclasses.field(default_factory=list)
    values: list[str] = dataclasses.field(default_factory=list)
    expected: str = ""
    severity: str = "error"
    # The column of each value when the values come from several columns (encoding, second header).
    value_columns: list[str] | None = None


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[_Problem] = []
        self.row_unit = "rows are line numbers in the file (the header is line 1)"
        self.reported: dict[str, set[int]] = {}  # column -> rows already reported
        # Personal data is masked in the problem table: set by load_survey and _process.
        self.resolver: _Resolver | None = None
        self.pii_columns: set[str] = set()  # columns whose values look like personal data

    def add(
        self,
        check: str,
        problem: str,
        *,
        column: str = "",
        rows: Iterable[int] = (),
        values: Iterable[Any] = (),
        expected: str = "",
        severity: str = "error",
        value_columns: Iterable[str] | None = None,
    ) -> None:
        if value_columns is not None:
            pairs = list(dict.fromkeys(zip((str(v) for v in values), value_columns)))
            vals, cols = [v for v, _ in pairs], [c for _, c in pairs]
        else:
            vals, cols = list(dict.fromkeys(str(v) for v in values)), None
        rows = list(rows)
        if column:
            self.reported.setdefault(column, set()).update(int(r) for r in rows)
        self.items.append(
            _Problem(check, problem, column, sorted(int(r) for r in rows), vals, expected, severity, cols)
        )

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.items)

    def _sensitive(self, column: str) -> bool | None:
        """True: mask every value of this column; False: never (check_pii: false); None: by value."""
        if not column:
            return None
        var = self.resolver.variable(column) if self.resolver is not None else None
        if var is not None:
            if var.is_pii:
                return True
            if not var.check_pii:
                return False
            return True if (column in self.pii_columns or var.name in self.pii_columns) else None
        return True if (column in self.pii_columns or _name_kind(column) is not None) else None

    def _masked(self, p: _Problem) -> list[str]:
        if p.check == "pii_suspected":  # already masked examples
            return p.values
        cols = p.value_columns or [p.column] * len(p.values)
        out = []
        for value, col in zip(p.values, cols):
            sensitive = self._sensitive(col)
            if sensitive or (sensitive is None and _looks_like_pii(value)):
                value = _mask(value)
            elif sensitive is None:
                value = _mask_text(value)  # a raw line or snippet holding a phone number, e-mail, GPS
            out.append(value)
        return list(dict.fromkeys(out))

    def frame(self) -> pd.DataFrame:
        order = {"error": 0, "warning": 1, "note": 2}
        items = sorted(self.items, key=lambda p: order.get(p.severity, 3))
        records = [
            {
                "file": self.file,
                "column": _mask_text(p.column),  # a data row read as the header has values as names
                "rows": p.rows,
                "values": self._masked(p),
                "problem": _mask_text(p.problem),
                "expected": _mask_text(p.expected),
                "severity": p.severity,
                "check": p.check,
            }
            for p in items
        ]
        frame = pd.DataFrame(records, columns=list(PROBLEM_COLUMNS))
        frame.attrs["row_unit"] = self.row_unit
        return frame


class _Fatal(Exception):
    """The file cannot be read any further; the reason is in the problem list."""


# --------------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------------


def _fmt_rows(rows: Sequence[int], limit: int = 10) -> str:
    if not rows:
        return ""
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" (and {len(rows) - limit} more)" if len(rows) > limit else ""
    return f"{'row' if len(rows) == 1 else 'rows'} {shown}{more}"


def _fmt_values(values: Sequence[str], limit: int = 5) -> str:
    text = describe_values(values[:limit])
    return text + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")


def _problem_line(p: dict[str, Any]) -> str:
    tag = "" if p["severity"] == "error" else f"[{p['severity']}] "
    where = f"column {p['column']!r}: " if p["column"] else ""
    rows = f" at {_fmt_rows(p['rows'])}" if len(p["rows"]) else ""
    vals = f": {_fmt_values(p['values'])}" if len(p["values"]) else ""
    exp = f"; expected {p['expected']}" if p["expected"] else ""
    return _printable(f"{tag}{where}{p['problem']}{rows}{vals}{exp}")


def format_problems(problems: pd.DataFrame, *, table: bool = False) -> str:
    """Render a problem table as readable plain text.

    Parameters
    ----------
    problems : DataFrame
        As returned by ``load_survey(..., errors="report")``.
    table : bool, default False
        False: one sentence per problem (as in the :class:`IntakeError` message). True: aligned
        columns ``severity, check, column, rows, problem`` (used by ``campaign-me validate``).

    Returns
    -------
    str
    """
    if problems.empty:
        return "no problems"
    records = problems.to_dict("records")
    if not table:
        return "\n".join(f"  - {_problem_line(p)}" for p in records)
    heads = ("severity", "check", "column", "rows")
    cells = [
        (
            str(p["severity"]),
            str(p["check"]),
            str(p["column"]),
            _fmt_rows(p["rows"], limit=5).removeprefix("rows ").removeprefix("row "),
        )
        for p in records
    ]
    widths = [min(max([len(h)] + [len(c[i]) for c in cells]), 32) for i, h in enumerate(heads)]
    lines = ["  " + "  ".join(h.ljust(w) for h, w in zip(heads, widths)) + "  problem"]
    for p, c in zip(records, cells):
        vals = f": {_fmt_values(p['values'])}" if len(p["values"]) else ""
        exp = f"; expected {p['expected']}" if p["expected"] else ""
        lines.append("  " + "  ".join(x.ljust(w) for x, w in zip(c, widths)) + f"  {p['problem']}{vals}{exp}")
    return _printable("\n".join(lines))


def _summary(problems: pd.DataFrame) -> str:
    counts = problems["severity"].value_counts() if not problems.empty else pd.Series(dtype=int)
    parts = []
    for sev in ("error", "warning", "note"):
        n = int(counts.get(sev, 0))
        if n:
            parts.append(f"{n} {sev}{'s' * (n != 1)}")
    return ", ".join(parts) if parts else "no problems"


def _error_message(file: str, codebook: Codebook | None, problems: pd.DataFrame, unit: str) -> str:
    errs = problems[problems["severity"] == "error"]
    rest = problems[problems["severity"] != "error"]
    cb = f" with codebook {codebook.source.name!r}" if codebook is not None and codebook.source else ""
    n = len(errs)
    lines = [f"cannot load {file!r}{cb}: {n} error{'s' * (n != 1)}; {unit}.", format_problems(errs)]
    if not rest.empty:
        lines += [f"Also {_summary(rest)}:", format_problems(rest)]
    lines.append('Pass errors="report" to get the data and the problem table.')
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Reading raw text tables
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Raw:
    header: list[str]
    header_line: int
    records: list[tuple[int, list[str]]]  # (row number in the file, fields)
    kind: str  # "csv" or "xlsx"
    sheet: str | None = None
    delimiter: str | None = None
    line_text: list[str] | None = None


def _col_ref(raw: _Raw, position: int) -> str:
    """'column C' in Excel, 'field 3' in CSV (position is 0-based)."""
    if raw.kind == "xlsx":
        from openpyxl.utils import get_column_letter

        return f"column {get_column_letter(position + 1)}"
    return f"field {position + 1}"


def _split_lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def _decode(data: bytes, encoding: str | None, problems: _Problems) -> str:
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise CampaignMeError(f"encoding: {encoding!r} is not an encoding Python knows.") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            problems.add(
                "encoding",
                f"not valid {encoding} text: byte 0x{data[exc.start]:02X} at byte position {exc.start}",
                rows=[line],
                expected=f"text in the encoding {encoding!r}; check the file's encoding",
            )
            raise _Fatal from None
        return text.removeprefix("\ufeff")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError:
            problems.add(
                "encoding", "the file starts with a UTF-16 mark but is not valid UTF-16", expected="UTF-8"
            )
            raise _Fatal from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _report_bad_utf8(data, exc, problems)
        raise _Fatal from None


def _report_bad_utf8(data: bytes, exc: UnicodeDecodeError, problems: _Problems) -> None:
    first_line = data[: exc.start].count(b"\n") + 1
    line_start = data.rfind(b"\n", 0, exc.start) + 1
    bad_lines, fragments = [], []
    for i, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad_lines.append(i)
    # Show the offending fields as they read in Windows-1252 (the usual culprit), and name their columns.
    text = data.decode("cp1252", errors="replace")
    columns: list[str] = []
    try:
        parsed = _parse_csv(text)
        header = parsed.header
        for line, fields in parsed.records:
            if line in bad_lines:
                for name, value in zip(header, fields):
                    if any(ord(ch) > 127 for ch in value):
                        fragments.append(value)
                        columns.append(name)
        if not columns:
            columns = [h for h in header if any(ord(ch) > 127 for ch in h)]
    except _CsvError:
        pass
    problems.add(
        "encoding",
        f"text is not valid UTF-8 (first bad byte 0x{data[exc.start]:02X} at byte position {exc.start}: "
        f"line {first_line}, column {exc.start - line_start + 1})",
        column=", ".join(dict.fromkeys(columns)),
        rows=bad_lines,
        values=fragments,
        value_columns=columns if len(columns) == len(fragments) else None,
        expected="UTF-8 text (the values shown are read as Windows-1252): re-save the file as UTF-8 "
        "('CSV UTF-8' in Excel), or pass encoding='cp1252' (or 'latin-1') if you know that is its encoding",
    )


@dataclasses.dataclass
class _Parsed:
    delimiter: str
    header: list[str]
    header_line: int
    records: list[tuple[int, list[str]]]  # data records: (first line, fields)
    # Records that swallowed several lines after a stray quote: (first line, last line, field, text).
    quotes: list[tuple[int, int, int, str]]


def _parse_csv(text: str, delimiter: str | None = None) -> _Parsed:
    """Split CSV text into records numbered by their first line (1-based).

    A quoted value may span several lines. When one does because of a stray or unterminated quote,
    it swallows the lines that follow. Such a record is not returned: it is listed in ``quotes`` and
    reading resumes on the line after the one where the quote opened.
    """
    if delimiter is None:
        delimiter = _sniff(text)
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]  # offset of each line
    records: list[tuple[int, list[str]]] = []
    quotes: list[tuple[int, int, int, str]] = []
    skipped = 0  # lines before the text the current reader reads
    while True:
        reader = csv.reader(_io.StringIO(text[starts[skipped] :], newline=""), delimiter=delimiter)
        last = skipped
        resume = None
        try:
            for fields in reader:
                start = last + 1
                last = skipped + reader.line_num
                if not fields or all(not f.strip() for f in fields):
                    continue
                if last > start:
                    head = records[0][1] if records else []
                    field = _swallowed_field(text, starts, start, last, fields, delimiter, head)
                    if field is not None:
                        first = fields[field].splitlines()[0] if fields[field].strip() else ""
                        quotes.append((start, last, field, f'"{first}'))
                        resume = start  # the line after the quote's line
                        break
                records.append((start, fields))
        except csv.Error as exc:
            raise _CsvError(last + 1, str(exc)) from None
        if resume is None or resume >= len(starts):
            break
        skipped = resume
    if not records:
        return _Parsed(delimiter, [], 0, [], quotes)
    (hline, header), data = records[0], records[1:]
    return _Parsed(delimiter, header, hline, data, quotes)


def _swallowed_field(
    text: str, starts: list[int], first: int, last: int, fields: list[str], delimiter: str, header: list[str]
) -> int | None:
    """Position of the field of a multi-line record that a stray quote ran on, or None if it is fine.

    A quoted value may hold line breaks. The record is suspect when its quote is never closed (the
    reader hit the end of the file), when it does not have the header's number of fields, or when two
    or more of the lines it swallowed read, on their own, as complete records.
    """
    field = next((i for i, f in enumerate(fields) if "\n" in f or "\r" in f), len(fields) - 1)
    end = starts[last] if last < len(starts) else len(text)
    chunk = text[starts[first - 1] : end]
    try:
        next(csv.reader(_io.StringIO(chunk, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return field
    except StopIteration:
        pass
    if not header:  # the record is the header itself
        return None
    n = len(header)
    named = n
    while named > 1 and not header[named - 1].strip():  # trailing delimiters after the last name
        named -= 1
    width = len(fields)
    while width > named and not fields[width - 1].strip():
        width -= 1
    if not named <= width <= n:
        return field
    complete = 0
    for k in range(first + 1, last):  # the lines strictly inside the record
        line = text[starts[k - 1] : starts[k]].rstrip("\r\n")
        if '"' not in line and named <= len(line.split(delimiter)) <= n:
            complete += 1
    if complete >= 2:
        return field
    # A stray quote that closes on a later line: the first and the last line of the record each read,
    # quotes aside, as a whole row of their own (two respondents merged into one row).
    # The last line must also start like a row: its first value shaped like the record's first (an id).
    whole = 0
    last_first = ""
    for k in (first, last):
        end_k = starts[k] if k < len(starts) else len(text)
        parts = text[starts[k - 1] : end_k].rstrip("\r\n").replace('"', "").split(delimiter)
        if named <= len(parts) <= n:
            whole += 1
        last_first = parts[0].strip()
    return field if whole == 2 and field > 0 and _shape(last_first) == _shape(fields[0].strip()) else None


def _shape(value: str) -> str:
    """``"AR-0012"`` -> ``"AA-9999"``: the pattern of letters and digits of a value."""
    return re.sub(r"[A-Za-z]", "A", re.sub(r"\d", "9", value))


class _CsvError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _sniff(text: str) -> str:
    sample = text[:65536]
    best, best_score = ",", (0.0, 1)
    for d in _DELIMITERS:
        rows = []
        try:
            for fields in csv.reader(_io.StringIO(sample, newline=""), delimiter=d):
                if fields and any(f.strip() for f in fields):
                    rows.append(len(fields))
                if len(rows) >= 50:
                    break
        except csv.Error:
            continue
        if not rows or rows[0] < 2:
            continue
        score = (sum(n == rows[0] for n in rows) / len(rows), rows[0])
        if score > best_score:
            best, best_score = d, score
    return best


def _read_csv(data: bytes, encoding: str | None, problems: _Problems) -> _Raw:
    text = _decode(data, encoding, problems)
    if not text.strip():
        problems.add(
            "empty_file", "the file has no header row (only blank lines)", expected="a header row and data"
        )
        raise _Fatal
    try:
        parsed = _parse_csv(text)
    except _CsvError as exc:
        problems.add("ragged_row", f"malformed CSV: {exc}", rows=[exc.line], expected="well-formed CSV")
        raise _Fatal from None
    delim, header, hline, records = parsed.delimiter, parsed.header, parsed.header_line, parsed.records
    for first, last, field, value in parsed.quotes:
        column = header[field].strip() if field < len(header) and first > hline else ""
        problems.add(
            "unterminated_quote",
            f"unterminated quote at line {first}: lines {first}-{last} read as one field",
            column=column,
            rows=[first],
            values=[value[:60] + ("..." if len(value) > 60 else "")],
            expected=f"a closing quote for the quote opened on line {first}, or no quote at the start of "
            f"that value (line {first} was skipped; reading resumed at line {first + 1})",
        )
    problems.row_unit = (
        f"rows are line numbers in the file (the header is line {hline})"
        if hline == 1
        else f"rows are line numbers in the file (the header is line {hline}; lines above it are blank)"
    )
    return _Raw(header, hline, records, "csv", delimiter=delim, line_text=_split_lines(text))


def _cell_text(cell: Any) -> str:
    import datetime as dt

    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            return repr(value)
        if isinstance(value, float) and abs(value) >= 1e15:
            return repr(value)
        text = str(int(value))
        fmt = getattr(cell, "number_format", None) or ""
        if int(value) >= 0 and fmt not in ("", "General", "0"):  # e.g. ids shown as "000123" or "AR-0012"
            shown = _apply_number_format(int(value), fmt)
            if shown is not None:
                return shown
        return text
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _apply_number_format(value: int, fmt: str) -> str | None:
    """A whole number >= 0 as Excel shows it with a custom format made of digit placeholders (``0``,
    ``#``) and literal text (``"AR-"0000``, ``000-000``, ``\\A0000``); None for other formats (dates,
    decimals, thousands separators, percentages, conditions)."""
    fmt = fmt.split(";", 1)[0]
    tokens: list[tuple[str, str]] = []  # ("digit", "0"|"#") or ("text", literal)
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == '"':
            end = fmt.find('"', i + 1)
            if end < 0:
                return None
            tokens.append(("text", fmt[i + 1 : end]))
            i = end + 1
        elif ch == "\\" and i + 1 < len(fmt):
            tokens.append(("text", fmt[i + 1]))
            i += 2
        elif ch in "0#":
            tokens.append(("digit", ch))
            i += 1
        elif ch in "-/ ()_:":
            tokens.append(("text", ch if ch != "_" else " "))
            i += 2 if ch == "_" else 1
        else:  # '.', ',', '%', 'E', '@', '[', date codes...: not a plain whole-number format
            return None
    places = [t for t in tokens if t[0] == "digit"]
    if not places:
        return None
    digits = str(value).zfill(sum(t[1] == "0" for t in places))
    if digits == "0" and not any(t[1] == "0" for t in places):
        digits = ""
    out: list[str] = []
    pos = len(digits)
    first_place = next(k for k, t in enumerate(tokens) if t[0] == "digit")
    for k in range(len(tokens) - 1, -1, -1):
        kind, text = tokens[k]
        if kind == "text":
            out.append(text)
            continue
        if k == first_place:  # the leftmost placeholder takes every remaining digit
            out.append(digits[:pos])
            pos = 0
        elif pos > 0:
            out.append(digits[pos - 1])
            pos -= 1
    return "".join(reversed(out))


#: Excel's own limit on the characters of a cell; longer cells are refused.
MAX_CELL_CHARS = 32_767
#: Largest uncompressed size of a workbook part (a sheet's XML, the shared strings) read.
MAX_XLSX_PART_BYTES = 500_000_000
#: Reading a sheet stops after this many consecutive empty rows.
MAX_EMPTY_ROWS = 10_000


def _check_zip_parts(data: bytes, problems: _Problems) -> None:
    """Refuse workbooks whose parts expand beyond MAX_XLSX_PART_BYTES (zip bombs, 1 GB cells)."""
    import zipfile

    try:
        with zipfile.ZipFile(_io.BytesIO(data)) as zf:
            big = [(i.filename, i.file_size) for i in zf.infolist() if i.file_size > MAX_XLSX_PART_BYTES]
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # reported by openpyxl below
    if big:
        problems.add(
            "too_large",
            f"workbook part {big[0][0]!r} expands to {big[0][1]:,} bytes (at most {MAX_XLSX_PART_BYTES:,} are read)",
            expected="a smaller workbook: save the data sheet alone as CSV",
        )
        raise _Fatal


def _read_xlsx(data: bytes, name: str, sheet: str | int | None, problems: _Problems) -> _Raw:
    import datetime as dt

    import openpyxl

    _check_zip_parts(data, problems)
    try:
        # data_only=False: formula cells are seen as formulas (their stored results are not trusted:
        # openpyxl and pandas write none, other programs may store a stale or placeholder 0).
        wb = openpyxl.load_workbook(_io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many unrelated types on corrupt files
        problems.add("not_excel", f"cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc})")
        raise _Fatal from None
    try:
        # Chart sheets hold no cells: positions count worksheets only (as in pandas.read_excel).
        worksheets = {ws.title: ws for ws in wb.worksheets}
        names = list(worksheets)
        charts = [n for n in wb.sheetnames if n not in worksheets]
        skipped = f" (chart sheets skipped: {', '.join(repr(c) for c in charts)})" if charts else ""
        if sheet is not None:
            if isinstance(sheet, int) and not isinstance(sheet, bool):
                if not 0 <= sheet < len(names):
                    problems.add(
                        "sheet",
                        f"sheet={sheet} is out of range: the workbook has {len(names)} worksheet(s){skipped}",
                        values=names,
                        expected="a sheet position from 0 or one of the sheet names listed",
                    )
                    raise _Fatal
                chosen = names[sheet]
            elif sheet in charts:
                problems.add(
                    "sheet",
                    f"sheet {sheet!r} is a chart sheet, which holds no data; the worksheets are",
                    values=names,
                    expected="sheet= one of the worksheets listed",
                )
                raise _Fatal
            elif sheet not in worksheets:
                close = difflib.get_close_matches(str(sheet), names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.add(
                    "sheet",
                    f"there is no sheet {sheet!r}{hint}; the {'work' if charts else ''}sheets are",
                    values=names,
                    expected="sheet= one of the sheet names listed",
                )
                raise _Fatal
            else:
                chosen = sheet
        else:
            with_data = [n for n, ws in worksheets.items() if _sheet_has_data(ws)]
            if not with_data:
                problems.add(
                    "empty_file", "the workbook has no data on any sheet; its sheets are", values=names
                )
                raise _Fatal
            if len(with_data) > 1:
                problems.add(
                    "sheet",
                    f"the workbook has data on {len(with_data)} sheets and sheet= was not given; "
                    "sheets with data",
                    values=with_data,
                    expected="sheet= naming the sheet to read (sheet= in load_survey, --sheet in "
                    "campaign-me validate)",
                )
                raise _Fatal
            chosen = with_data[0]
        ws = worksheets[chosen]
        _reset_dimensions(ws)
        records: list[tuple[int, list[str]]] = []
        formulas: list[tuple[int, int, str]] = []  # (row, column position, formula)
        long_cells: list[tuple[int, int, int]] = []  # (row, column position, length)
        dates: list[tuple[int, int, Any]] = []  # (record index, column position, date value)
        empty_run = 0
        stopped_at = None
        for rownum, row in enumerate(ws.iter_rows(), start=1):
            fields = []
            for j, c in enumerate(row):
                value = getattr(c, "value", None)
                if getattr(c, "data_type", None) == "f" or (value is not None and type(value).__name__ == "ArrayFormula"):
                    formulas.append((rownum, j, str(getattr(value, "text", value))))
                    fields.append("")
                    continue
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    long_cells.append((rownum, j, len(value)))
                    fields.append("")
                    continue
                if isinstance(value, (dt.date, dt.datetime)):
                    dates.append((len(records), j, value))
                fields.append(_cell_text(c))
            while fields and not fields[-1].strip():
                fields.pop()
            if fields and any(f.strip() for f in fields):
                records.append((rownum, fields))
                empty_run = 0
            else:
                empty_run += 1
                if empty_run >= MAX_EMPTY_ROWS:
                    stopped_at = rownum
                    break
    finally:
        wb.close()
    head = records[0][1] if records else []
    if stopped_at is not None:
        problems.add(
            "empty_rows",
            f"reading stopped at row {stopped_at:,} after {MAX_EMPTY_ROWS:,} empty rows in a row "
            "(formatted but empty rows?)",
            rows=[stopped_at],
            expected="no data below long runs of empty rows: delete the empty rows, or save the sheet as CSV",
            severity="warning",
        )
    by_column: dict[int, list[tuple[int, str]]] = {}
    for rownum, j, formula in formulas:
        by_column.setdefault(j, []).append((rownum, formula))
    for j, cells in by_column.items():
        column = head[j].strip() if j < len(head) and records and cells[0][0] > records[0][0] else ""
        problems.add(
            "formula",
            f"formula; stored value missing or not trusted ({_col_ref_xlsx(j)})",
            column=column,
            rows=[r for r, _ in cells],
            values=[f for _, f in cells],
            expected="values, not formulas: in Excel copy the cells and paste them as values "
            "(the cells were read as blank)",
        )
    for rownum, j, length in long_cells:
        column = head[j].strip() if j < len(head) else ""
        problems.add(
            "too_large",
            f"cell {_col_ref_xlsx(j)[7:]}{rownum} holds {length:,} characters (Excel's limit is {MAX_CELL_CHARS:,})",
            column=column,
            rows=[rownum],
            expected="cells of at most 32,767 characters (the cell was read as blank)",
        )
    _reformat_dates(records, dates, problems)
    problems.row_unit = f"rows are row numbers in sheet {chosen!r}"
    if not records:
        problems.add("empty_file", f"sheet {chosen!r} is empty", expected="a header row and data")
        raise _Fatal
    (hline, header), data_records = records[0], records[1:]
    problems.row_unit += f" (the header is row {hline})"
    return _Raw(header, hline, data_records, "xlsx", sheet=chosen)


def _col_ref_xlsx(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"column {get_column_letter(position + 1)}"


def _reformat_dates(records: list[tuple[int, list[str]]], dates: list[tuple[int, int, Any]], problems: _Problems) -> None:
    """Write real Excel date cells in the codebook ``format`` of their column (they read as ISO text)."""
    resolver = problems.resolver
    if not dates or not records or resolver is None:
        return
    head = records[0][1]
    formats: dict[int, str | None] = {}
    for k, j, value in dates:
        if k == 0 or j >= len(head):
            continue
        if j not in formats:
            var = resolver.variable(head[j].strip())
            formats[j] = var.format if var is not None and var.type in ("date", "datetime") else None
        fmt = formats[j]
        if fmt:
            try:
                records[k][1][j] = value.strftime(fmt)
            except ValueError:
                pass


def _reset_dimensions(ws: Any) -> None:
    """Read every row: in read-only mode openpyxl trusts the sheet's stored dimension record, which
    other programs often write too small (rows below it would be silently dropped)."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()


def _sheet_has_data(ws: Any) -> bool:
    _reset_dimensions(ws)
    for row in ws.iter_rows(values_only=True):
        if any(v is not None and str(v).strip() for v in row):
            return True
    return False


def _zip_members(data: bytes) -> list[str]:
    import zipfile

    try:
        with zipfile.ZipFile(_io.BytesIO(data)) as zf:
            return [n for n in zf.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def _read_raw(
    path: Path, data: bytes, sheet: str | int | None, encoding: str | None, problems: _Problems
) -> _Raw:
    suffix = path.suffix.lower()
    if not data:
        problems.add("empty_file", "the file is empty (0 bytes)", expected="a header row and data")
        raise _Fatal
    is_zip = data[:4] == b"PK\x03\x04"
    is_ole = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if suffix == ".xls" or (is_ole and suffix not in _XLSX_SUFFIXES):
        problems.add(
            "not_excel",
            "legacy Excel 97-2003 (.xls) workbooks are not read",
            expected="an .xlsx workbook or a CSV file: open it in Excel or LibreOffice and save as .xlsx",
        )
        raise _Fatal
    members = _zip_members(data) if is_zip else []
    is_workbook = any(m.startswith("xl/") for m in members)
    if members and not is_workbook:
        csvs = [m for m in members if m.lower().endswith((".csv", ".tsv", ".txt"))]
        if csvs:
            problems.add(
                "zip_archive",
                f"the file is a zip archive of {len(csvs)} CSV file(s) (an ODK Central export?), not one "
                "survey file",
                values=csvs,
                expected="a CSV file: unzip the archive first and load the form's main CSV file (ODK Central "
                "puts each repeat group in its own file, named form-group.csv)",
            )
        else:
            problems.add(
                "zip_archive",
                f"the file is a zip archive ({len(members)} file(s)), not a CSV file or an .xlsx workbook",
                values=members[:10],
                expected="a CSV file or an .xlsx workbook: unzip the archive first and load the survey file in it",
            )
        raise _Fatal
    if suffix in _XLSX_SUFFIXES:
        if is_zip:
            problems.row_unit = "rows are row numbers in the sheet (the header is row 1)"
            return _read_xlsx(data, path.name, sheet, problems)
        if is_ole:
            what = "a legacy Excel 97-2003 (.xls) workbook with an .xlsx name"
            fix = "open it in Excel or LibreOffice and save as .xlsx"
        else:
            first = data.split(b"\n", 1)[0][:60].decode("utf-8", errors="replace").strip()
            what = f"not an Excel workbook: it is plain text (first line {first!r})"
            fix = "rename it to .csv if it is CSV, or re-export it as .xlsx"
        problems.add(
            "not_excel", f"the file has an {suffix} name but is {what}", expected=f"an .xlsx workbook; {fix}"
        )
        raise _Fatal
    if is_zip and is_workbook:
        problems.add(
            "not_excel",
            f"the file is an Excel workbook (zip) with a {suffix or 'missing'} extension",
            expected="rename it to .xlsx",
        )
        raise _Fatal
    if is_zip:
        problems.add(
            "zip_archive",
            "the file starts like a zip archive but cannot be opened (damaged or incomplete download?)",
            expected="a CSV file or an .xlsx workbook",
        )
        raise _Fatal
    if sheet is not None:
        problems.add("sheet", f"sheet={sheet!r} was given but the file is CSV, not Excel", severity="warning")
    return _read_csv(data, encoding, problems)


# --------------------------------------------------------------------------------------------------
# Column name resolution (Kobo group prefixes, select_multiple options)
# --------------------------------------------------------------------------------------------------


class _Resolver:
    """Map file column names to codebook columns, stripping XLSForm group prefixes.

    Codebook columns are the variable names and, for select_multiple variables, ``q/option`` whatever
    the file's separator: ``q{sep}option`` (and ``q/option``) in the file both resolve to ``q/option``.
    """

    def __init__(self, codebook: Codebook | None, sep: str) -> None:
        self.sep = sep
        self.known: dict[str, tuple[Variable, str | None]] = {}  # codebook column -> (variable, option)
        self.aliases: dict[str, str] = {}  # name as it may appear in the file -> codebook column
        self.labels: dict[str, str] = {}
        if codebook is None:
            return
        for var in codebook:
            self.known[var.name] = (var, None)
            self.aliases[var.name] = var.name
            if var.label:
                self.labels[var.label.strip().lower()] = var.name
            if var.type == "select_multiple":
                for code in var.codes:
                    column = f"{var.name}/{code}"
                    self.known[column] = (var, str(code))
                    self.aliases.setdefault(column, column)
                    self.aliases.setdefault(f"{var.name}{sep}{code}", column)

    def resolve(self, column: str) -> str | None:
        """The codebook column of a file column, or None."""
        if column in self.aliases:
            return self.aliases[column]
        parts = column.split(self.sep)
        for i in range(1, len(parts)):
            cand = self.sep.join(parts[i:])
            if cand in self.aliases:
                return self.aliases[cand]
        return None

    def variable(self, column: str) -> Variable | None:
        """The codebook variable of a file or codebook column, or None."""
        target = self.resolve(column)
        return self.known[target][0] if target is not None else None

    def entry(self, column: str) -> tuple[Variable, str | None] | None:
        target = self.resolve(column)
        return self.known[target] if target is not None else None

    def option_of(self, column: str, variables: Iterable[Variable]) -> tuple[Variable, str] | None:
        """An undeclared option column ``[group/]q/option`` of a select_multiple variable ``q``."""
        names = {v.name: v for v in variables if v.type == "select_multiple"}
        for s in dict.fromkeys((self.sep, "/")):
            if s not in column:
                continue
            head, option = column.rsplit(s, 1)
            var = names.get(head) or names.get(head.split(self.sep)[-1])
            if var is not None and option:
                return var, option
        return None


# --------------------------------------------------------------------------------------------------
# Structure checks on the raw table
# --------------------------------------------------------------------------------------------------


def _is_numeric_text(value: str) -> bool:
    return bool(re.fullmatch(_NUM_RE, value.strip()))


def _check_structure(raw: _Raw, resolver: _Resolver, codebook: Codebook | None, problems: _Problems) -> None:
    """Header position, blank/duplicate names, repeated and second header rows, ragged rows (in place)."""
    unit = "line" if raw.kind == "csv" else "row"
    header = [h.strip() for h in raw.header]

    # 1. Column names on the second row (a merged group header above them)?
    if codebook is not None and raw.records:
        line2, row2 = raw.records[0]
        row2 = [v.strip() for v in row2]
        known_header = sum(resolver.resolve(h) is not None for h in header if h)
        known_row2 = sum(resolver.resolve(v) is not None for v in row2 if v)
        if known_row2 >= 2 and known_row2 > known_header and known_row2 >= 0.5 * sum(bool(v) for v in row2):
            above = [h for h in header if h]
            problems.add(
                "header_row",
                "group headings instead of column names (merged header cells?)",
                rows=[raw.header_line],
                values=above,
                expected=f"the column names on {unit} {raw.header_line}: delete it (the names were found on "
                f"{unit} {line2}, which was used as the header for the other checks)",
            )
            raw.header_line, header = line2, row2
            raw.records = raw.records[1:]
            problems.row_unit = re.sub(
                r"header is (line|row) \d+", rf"header is \1 {line2}", problems.row_unit
            )

    # 2. Blank and duplicate column names.
    n = len(header)
    keep = list(range(n))
    blank = [i for i, h in enumerate(header) if not h]
    if blank:
        with_data = [i for i in blank if any(i < len(f) and f[i].strip() for _, f in raw.records)]
        if with_data:
            problems.add(
                "blank_header",
                "columns without a name hold data: " + ", ".join(_col_ref(raw, i) for i in with_data),
                rows=[raw.header_line],
                expected="a name in every header cell; merged header cells leave blanks (these columns were skipped)",
            )
        keep = [i for i in keep if i not in blank]
    first_pos: dict[str, int] = {}
    for i in list(keep):
        h = header[i]
        if h in first_pos:
            keep.remove(i)
            problems.add(
                "duplicate_column",
                f"column name used twice ({_col_ref(raw, first_pos[h])} and {_col_ref(raw, i)})",
                column=h,
                expected="unique column names (only the first was read)",
            )
        else:
            first_pos[h] = i

    # 3. Ragged rows (wrong or mixed delimiters).
    good: list[tuple[int, list[str]]] = []
    wrong_delim: dict[str, list[int]] = {}
    too_many: list[int] = []
    too_few: list[int] = []
    counts: list[int] = []
    for line, fields in raw.records:
        if len(fields) > n and not any(f.strip() for f in fields[n:]):
            fields = fields[:n]
        if raw.kind == "xlsx" and len(fields) < n:
            fields = fields + [""] * (n - len(fields))
        if len(fields) == n:
            good.append((line, fields))
            continue
        counts.append(len(fields))
        other = _other_delimiter(raw, line, n)
        if other is not None:
            wrong_delim.setdefault(other, []).append(line)
        elif len(fields) > n:
            too_many.append(line)
        else:
            too_few.append(line)
    for d, lines in wrong_delim.items():
        problems.add(
            "ragged_row",
            f"{unit}s delimited by {_DELIM_NAMES[d]} while the header uses "
            f"{_DELIM_NAMES.get(raw.delimiter or ',', raw.delimiter)} (mixed delimiters)",
            rows=lines,
            expected=f"one delimiter throughout, {n} fields per {unit} like the header (these {unit}s were skipped)",
        )
    if too_many:
        problems.add(
            "ragged_row",
            f"{unit}s with more fields than the header ({n})",
            rows=too_many,
            values=sorted({c for c in counts if c > n}),
            expected=f"{n} fields per {unit}; an unquoted delimiter inside a value? (these {unit}s were skipped)",
        )
    if too_few:
        problems.add(
            "ragged_row",
            f"{unit}s with fewer fields than the header ({n})",
            rows=too_few,
            values=sorted({c for c in counts if c < n}),
            expected=f"{n} fields per {unit} (these {unit}s were skipped)",
        )

    # 4. Header repeated inside the data (files pasted together) and a labels row under the header.
    repeated: list[int] = []
    rest: list[tuple[int, list[str]]] = []
    for line, fields in good:
        vals = [(fields[i].strip(), header[i]) for i in keep if fields[i].strip()]
        if len(vals) >= 2 and sum(v == h for v, h in vals) >= 0.8 * len(vals):
            repeated.append(line)
        else:
            rest.append((line, fields))
    if repeated:
        problems.add(
            "repeated_header",
            "header row repeated inside the data (files pasted together?)",
            rows=repeated,
            expected="one header row at the top (the repeated rows were skipped)",
        )
    if rest:
        line2, row2 = rest[0]
        if _looks_like_second_header(row2, rest[1:], keep, header, resolver):
            problems.add(
                "second_header",
                "second header row (labels or merged header cells) under the column names",
                rows=[line2],
                values=[row2[i].strip() for i in keep if row2[i].strip()][:5],
                value_columns=[header[i] for i in keep if row2[i].strip()][:5],
                expected=f"data from {unit} {raw.header_line + 1} on: delete the extra header row, or for a "
                "Kobo export choose 'XML values and headers' (the row was skipped)",
            )
            rest = rest[1:]
    raw.header = [header[i] for i in keep]
    raw.records = [(line, [fields[i] for i in keep]) for line, fields in rest]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T][\d:.]+)?")


def _check_header_is_names(raw: _Raw, resolver: _Resolver, problems: _Problems) -> None:
    """Refuse a first row that holds data rather than column names (a file saved without its header).

    Its values would become column names and be printed: personal data (phone numbers, e-mail
    addresses, GPS positions) among them, or mostly numbers and dates, mean a data row.
    """
    cells = [h.strip() for h in raw.header if h.strip()]
    if not cells:
        return
    pii = [c for c in cells if _looks_like_pii(c)]
    data_like = [c for c in cells if _is_numeric_text(c) or _ISO_DATE.fullmatch(c)]
    known = sum(resolver.resolve(c) is not None for c in cells)
    if pii or (len(data_like) >= 2 and len(data_like) >= 0.5 * len(cells) and known == 0):
        unit = "line" if raw.kind == "csv" else "row"
        why = "personal data" if pii else "numbers and dates"
        problems.add(
            "header_row",
            f"the header ({unit} {raw.header_line}) holds {why}, not column names: the file has no header row?",
            rows=[raw.header_line],
            values=[_mask(c) for c in cells[:6]],
            expected=f"the column names on {unit} {raw.header_line} (insert a header row with the codebook's "
            "variable names, in file order)",
        )
        raise _Fatal


def _other_delimiter(raw: _Raw, line: int, n: int) -> str | None:
    if raw.kind != "csv" or raw.line_text is None or not 0 < line <= len(raw.line_text):
        return None
    text = raw.line_text[line - 1]
    for d in _DELIMITERS:
        if d == raw.delimiter:
            continue
        try:
            fields = next(csv.reader([text], delimiter=d))
        except (csv.Error, StopIteration):
            continue
        if len(fields) == n:
            return d
    return None


#: Values that mean "no answer" in many exports; never taken for header text.
_NA_TOKENS = frozenset(
    {"na", "n/a", "n.a.", "nan", "null", "none", "nil", "#n/a", "#null!", "<na>", "-", "--", ".", "?",
     "missing", "refused"}
)  # fmt: skip


def _strip_point_zero(value: str) -> str:
    """``"1.0"`` -> ``"1"`` (whole numbers as pandas' to_csv writes them); other text unchanged."""
    m = re.fullmatch(r"([+-]?\d+)\.0", value)
    return m.group(1) if m else value


def _is_missing_code(value: str, codes: Iterable[Code]) -> bool:
    """``value`` is one of ``codes``: text case-insensitively, whole numbers also numerically."""
    low = value.strip().lower()
    num = float(low) if re.fullmatch(_NUM_RE, low) else None
    for code in codes:
        text = str(code).strip().lower()
        if low == text:
            return True
        if num is not None and re.fullmatch(_NUM_RE, text) and float(text) == num:
            return True
    return False


def _converts(var: Variable, option: str | None, value: str) -> bool:
    """Whether ``value`` is valid data for ``var`` (or its select_multiple option column)."""
    v = value.strip()
    if option is not None:
        return bool(re.fullmatch(_INT_RE, v)) and float(v) in (0.0, 1.0)
    if var.type == "integer":
        return bool(re.fullmatch(_INT_RE, v))
    if var.type == "number":
        return bool(re.fullmatch(_NUM_RE, v))
    if var.type == "boolean":
        low = _strip_point_zero(v.lower())
        return low in var.true or low in var.false
    if var.type in ("categorical", "select_multiple") and var.codes:
        texts = {str(c) for c in var.codes}
        tokens = v.split() if var.type == "select_multiple" else [v]
        if var.integer_codes and re.fullmatch(_INT_RE, v):
            return float(v) in {float(c) for c in var.codes}
        return bool(tokens) and all(t in texts for t in tokens)
    if var.type in ("date", "datetime"):
        parsed = pd.to_datetime(pd.Series([v], dtype=object), format=var.format or "ISO8601", errors="coerce")
        return not bool(parsed.isna().iloc[0])
    return True  # id, text, codes not known: anything goes


def _looks_like_second_header(
    row: list[str],
    later: list[tuple[int, list[str]]],
    keep: list[int],
    header: list[str],
    resolver: _Resolver,
) -> bool:
    """A labels row under the column names: labels of the codebook, or text in numeric columns.

    Values that are missing codes (of the column's variable or of any variable of the codebook) or
    common "no answer" tokens (NA, N/A, null, -, ...) are not text, and a value that is valid data for
    its codebook variable does not count: a first data row full of missing codes is data.
    """
    values = [row[i].strip() for i in keep if row[i].strip()]
    if len(values) < 2:
        return False
    # Labels of the codebook variables?
    if resolver.labels:
        as_labels = sum(v.lower() in resolver.labels for v in values)
        if as_labels >= 2 and as_labels >= 0.5 * len(values):
            return True
    all_missing = {c for var, _ in resolver.known.values() for c in var.missing}  # incl. codebook-level
    # Text in columns that are otherwise numeric?
    numeric_cols = 0
    text_here = 0
    for i in keep:
        below = [f[i].strip() for _, f in later[:200] if f[i].strip()]
        if not (len(below) >= 2 and sum(_is_numeric_text(v) for v in below) >= 0.9 * len(below)):
            continue
        numeric_cols += 1
        v = row[i].strip()
        if not v or _is_numeric_text(v) or v.lower() in _NA_TOKENS:
            continue
        if _is_missing_code(v, all_missing):
            continue
        entry = resolver.entry(header[i])
        if entry is not None and _converts(entry[0], entry[1], v):
            continue
        text_here += 1
    return text_here >= 2 and text_here >= 0.5 * numeric_cols


# --------------------------------------------------------------------------------------------------
# Conversion per variable
# --------------------------------------------------------------------------------------------------


def _fmt_code(code: Code, label: str) -> str:
    return f"{code!r} = {label}" if label else repr(code)


def _codes_text(codes: dict[Code, str], limit: int = 12) -> str:
    items = [_fmt_code(c, lab) for c, lab in codes.items()]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f", ... ({len(items)} codes)"
    return ", ".join(items)


def _missing_text(var: Variable) -> str:
    if not var.missing:
        return ""
    return f", or a missing code: {_codes_text(var.missing)}"


def _range_text(var: Variable) -> str:
    if var.min is not None and var.max is not None:
        return f" from {var.min} to {var.max}"
    if var.min is not None:
        return f" >= {var.min}"
    if var.max is not None:
        return f" <= {var.max}"
    return ""


def _bool_array(series: pd.Series) -> np.ndarray:
    return series.fillna(False).to_numpy(dtype=bool, copy=True)


class _Converter:
    def __init__(self, problems: _Problems, lines: np.ndarray) -> None:
        self.problems = problems
        self.lines = lines

    def _rows(self, mask: np.ndarray) -> list[int]:
        return self.lines[mask].tolist()

    def _missing_mask(self, var: Variable, s: pd.Series) -> np.ndarray:
        """Missing codes: text matched case-insensitively, whole numbers (int or text) numerically."""
        if not var.missing:
            return np.zeros(len(s), dtype=bool)
        text_codes = {str(c).strip().lower() for c in var.missing}
        mask = _bool_array(s.str.lower().isin(text_codes))
        num_codes = [
            float(c)
            for c in var.missing
            if isinstance(c, int) or (isinstance(c, str) and re.fullmatch(_INT_RE, c.strip()))
        ]
        if num_codes:
            is_num = _bool_array(s.str.fullmatch(_NUM_RE))
            if is_num.any():
                nums = np.full(len(s), np.nan)
                nums[is_num] = np.array(s[is_num].tolist(), dtype=float)
                mask |= np.isin(nums, num_codes)
        return mask

    def convert(self, var: Variable, s: pd.Series) -> pd.Series:
        """``s`` holds stripped text with NA for blanks; returns the typed column."""
        miss = self._missing_mask(var, s)
        s = s.mask(miss)
        present = _bool_array(s.notna())
        method = getattr(self, f"_to_{var.type}")
        return method(var, s, present)

    # -- numbers ------------------------------------------------------------------------------

    def _numbers(
        self, var: Variable, s: pd.Series, present: np.ndarray, pattern: str
    ) -> tuple[np.ndarray, np.ndarray]:
        ok = _bool_array(s.str.fullmatch(pattern)) & present
        values = np.full(len(s), np.nan)
        if ok.any():
            values[ok] = np.array(s[ok].tolist(), dtype=float)
        bad = present & ~ok
        return values, bad

    def _report_type(self, var: Variable, s: pd.Series, bad: np.ndarray, problem: str, what: str) -> None:
        if not bad.any():
            return
        vals = s[bad].tolist()
        hint = ""
        if any(re.fullmatch(r"[+-]?\d+(,\d+)+", v) for v in vals):
            hint = " (use '.' as the decimal mark and no thousands separators)"
        elif any(re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", v) for v in vals):
            hint = " (a '.' followed by three digits reads as a thousands separator: write 2000, not 2.000)"
        self.problems.add(
            "wrong_type",
            problem,
            column=var.name,
            rows=self._rows(bad),
            values=vals,
            expected=f"{what}{_range_text(var)}{_missing_text(var)}{hint}",
        )

    def _check_range(self, var: Variable, s: pd.Series, values: np.ndarray) -> None:
        """Report values outside [min, max] and set them to missing (NaN) in ``values``."""
        if var.min is None and var.max is None:
            return
        with np.errstate(invalid="ignore"):
            out = np.zeros(len(values), dtype=bool)
            if var.min is not None:
                out |= values < float(var.min)
            if var.max is not None:
                out |= values > float(var.max)
        if out.any():
            self.problems.add(
                "out_of_range",
                "values out of range",
                column=var.name,
                rows=self._rows(out),
                values=s[out].tolist(),
                expected=f"values{_range_text(var)}{_missing_text(var)} (set to missing)",
            )
            values[out] = np.nan

    def _to_integer(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        values, bad = self._numbers(var, s, present, _INT_RE)
        self._report_type(var, s, bad, "not a whole number", "a whole number")
        with np.errstate(invalid="ignore"):
            huge = np.abs(values) >= 2.0**53
        if huge.any():
            self._report_type(
                var,
                s,
                huge,
                "number too large for an integer column",
                "a whole number (long ids belong in type: id)",
            )
            values[huge] = np.nan
        self._check_range(var, s, values)
        return pd.Series(pd.array([None if np.isnan(v) else int(v) for v in values], dtype="Int64"))

    def _to_number(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        values, bad = self._numbers(var, s, present, _NUM_RE)
        self._report_type(var, s, bad, "not a number", "a number")
        infinite = np.isinf(values)
        if infinite.any():  # e.g. 1e400: beyond the largest float (about 1.8e308)
            self.problems.add(
                "out_of_range",
                "number too large to represent (not finite; it would read as infinity)",
                column=var.name,
                rows=self._rows(infinite),
                values=s[infinite].tolist(),
                expected=f"a finite number{_range_text(var)}{_missing_text(var)}",
            )
            values[infinite] = np.nan
        self._check_range(var, s, values)
        return pd.Series(values, dtype="float64")

    # -- codes --------------------------------------------------------------------------------

    def _to_categorical(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        if not var.codes:
            return s.astype("string")
        if var.integer_codes:
            values, not_int = self._numbers(var, s, present, _INT_RE)
            valid = np.isin(values, [float(c) for c in var.codes])
            bad = present & ~valid
            result = pd.Series(
                pd.array([int(v) if ok else None for v, ok in zip(values, valid)], dtype="Int64")
            )
        else:
            valid = _bool_array(s.isin([str(c) for c in var.codes]))
            bad = present & ~valid
            result = s.where(pd.Series(valid)).astype("string")
        if bad.any():
            self.problems.add(
                "invalid_code",
                "codes not in the codebook",
                column=var.name,
                rows=self._rows(bad),
                values=s[bad].tolist(),
                expected=f"one of {_codes_text(var.codes)}{_missing_text(var)}",
            )
        return result

    def _to_boolean(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        low = s.str.lower().str.replace(r"^([+-]?\d+)\.0$", r"\1", regex=True)  # "1.0" after a to_csv
        is_true = _bool_array(low.isin(list(var.true)))
        is_false = _bool_array(low.isin(list(var.false)))
        bad = present & ~is_true & ~is_false
        if bad.any():
            self.problems.add(
                "invalid_code",
                "not a yes/no value",
                column=var.name,
                rows=self._rows(bad),
                values=s[bad].tolist(),
                expected=f"one of {', '.join(var.true)} (true) or {', '.join(var.false)} (false)"
                f"{_missing_text(var)}",
            )
        return pd.Series(
            pd.array(
                [True if t else (False if f else None) for t, f in zip(is_true, is_false)], dtype="boolean"
            )
        )

    # -- dates --------------------------------------------------------------------------------

    def _parse_dates(self, var: Variable, s: pd.Series) -> pd.Series:
        fmt = var.format or "ISO8601"
        text = s.astype(object).where(s.notna(), None)
        try:
            return pd.to_datetime(text, format=fmt, errors="coerce")
        except (ValueError, TypeError):  # mixed time-zone offsets
            return pd.to_datetime(text, format=fmt, errors="coerce", utc=True)

    def _to_date(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        parsed = self._parse_dates(var, s)
        bad = present & _bool_array(parsed.isna())
        what = f"a date in the format {var.format!r}" if var.format else "an ISO date such as '2025-03-31'"
        self._report_type(var, s, bad, "not a date", what)
        if (var.min is not None or var.max is not None) and len(parsed):
            tz = getattr(parsed.dt, "tz", None)
            out = np.zeros(len(parsed), dtype=bool)
            for bound, cmp in ((var.min, np.less), (var.max, np.greater)):
                if bound is None:
                    continue
                ts = pd.Timestamp(str(bound))
                if tz is not None and ts.tzinfo is None:
                    ts = ts.tz_localize(tz)
                out |= _bool_array(pd.Series(cmp(parsed, ts)))
            if out.any():
                self.problems.add(
                    "out_of_range",
                    "dates out of range",
                    column=var.name,
                    rows=self._rows(out),
                    values=s[out].tolist(),
                    expected=f"dates{_range_text(var)} (set to missing)",
                )
                parsed = parsed.mask(pd.Series(out, index=parsed.index))
        return parsed.reset_index(drop=True)

    _to_datetime = _to_date

    # -- text ---------------------------------------------------------------------------------

    def _to_text(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        return s.astype("string")

    _to_id = _to_text


# --------------------------------------------------------------------------------------------------
# select_multiple
# --------------------------------------------------------------------------------------------------


def _select_multiple(
    var: Variable,
    text: pd.Series | None,
    options: dict[str, pd.Series],
    conv: _Converter,
    file_names: dict[str, str],
) -> dict[str, pd.Series]:
    """Expand one select_multiple variable to 0/1 ``Int64`` columns ``q/option``.

    A row is answered when the space-separated column or any 0/1 option column holds data. Where both
    hold data the 0/1 columns are used; where only one does, that one is used. Disagreements, and rows
    where one form is blank while the other has data, are reported as ``select_multiple_mismatch``.
    """
    n = len(conv.lines)
    codes = [str(c) for c in var.codes]
    text_has = np.zeros(n, dtype=bool)  # the text column holds options
    text_missing = np.zeros(n, dtype=bool)  # the text column holds a missing code
    from_text: dict[str, np.ndarray] = {}
    if text is not None:
        text_missing = conv._missing_mask(var, text)
        t = text.mask(text_missing)
        text_has = _bool_array(t.notna())
        tokens = [str(v).split() if ok else [] for v, ok in zip(t.tolist(), text_has)]
        bad_rows = np.array([any(tok not in codes for tok in toks) for toks in tokens], dtype=bool)
        if bad_rows.any():
            bad_tokens = [tok for toks in tokens for tok in toks if tok not in codes]
            conv.problems.add(
                "invalid_code",
                "options not in the codebook",
                column=var.name,
                rows=conv._rows(bad_rows),
                values=bad_tokens,
                expected=f"space-separated options from {_codes_text(var.codes)}",
            )
        from_text = {c: np.array([c in toks for toks in tokens], dtype=bool) for c in codes}
    from_cols: dict[str, np.ndarray] = {}
    col_has = np.zeros(n, dtype=bool)  # some option column holds 0 or 1
    ticked = np.zeros(n, dtype=bool)  # some option column holds 1
    for code, s in options.items():
        s = s.mask(conv._missing_mask(var, s))
        present = _bool_array(s.notna())
        values, _ = conv._numbers(var, s, present, _INT_RE)
        bad = present & ~np.isin(values, [0.0, 1.0])
        if bad.any():
            conv.problems.add(
                "wrong_type",
                "not 0 or 1",
                column=f"{var.name}/{code}",
                rows=conv._rows(bad),
                values=s[bad].tolist(),
                expected="1 (option chosen) or 0 (not chosen)",
            )
        col_has |= present & ~bad
        from_cols[code] = values == 1.0
        ticked |= from_cols[code]
    if options and text is None:
        absent = [c for c in codes if c not in options]
        if absent:
            conv.problems.add(
                "missing_column",
                f"option columns of select_multiple {var.name!r} are missing and there is no "
                f"{var.name!r} column to read them from",
                column=var.name,
                values=[f"{var.name}/{c}" for c in absent],
                expected="one 0/1 column per option, or the space-separated column",
            )
    # Unanswered: neither form has data, or the text holds a missing code and no option is ticked.
    answered = text_has | (col_has & ~(text_missing & ~ticked))
    if options and text is not None:
        name = repr(file_names.get(var.name, var.name))
        disagree = np.zeros(n, dtype=bool)
        for code, chosen in from_cols.items():
            disagree |= text_has & col_has & (chosen != from_text[code])
        if disagree.any():
            conv.problems.add(
                "select_multiple_mismatch",
                f"the 0/1 option columns disagree with the space-separated column {name}",
                column=var.name,
                rows=conv._rows(disagree),
                expected="the same options in both (the 0/1 columns were used)",
            )
        blank_text = ticked & ~text_has
        if blank_text.any():
            conv.problems.add(
                "select_multiple_mismatch",
                f"options ticked in the 0/1 option columns but the space-separated column {name} is "
                + {0: "blank", 1: "blank or a missing code", 2: "a missing code"}[
                    int((blank_text & text_missing).any()) + int(not (blank_text & ~text_missing).any())
                ],
                column=var.name,
                rows=conv._rows(blank_text),
                values=[text.iloc[i] for i in np.flatnonzero(blank_text & text_missing)],
                expected="the same options in both (the 0/1 columns were used)",
            )
        blank_cols = text_has & ~col_has
        if blank_cols.any():
            conv.problems.add(
                "select_multiple_mismatch",
                f"options in the space-separated column {name} but the 0/1 option columns are blank",
                column=var.name,
                rows=conv._rows(blank_cols),
                expected="the same options in both (the space-separated column was used)",
            )
    result: dict[str, pd.Series] = {}
    for code in codes:
        chosen = from_text.get(code, np.zeros(n, dtype=bool))
        if code in from_cols:
            chosen = np.where(col_has, from_cols[code], chosen)
        result[f"{var.name}/{code}"] = pd.Series(
            pd.array([int(c) if a else None for c, a in zip(chosen, answered)], dtype="Int64")
        )
    return result


# --------------------------------------------------------------------------------------------------
# load_survey
# --------------------------------------------------------------------------------------------------


def _resolve_codebook(codebook: Codebook | str | os.PathLike[str] | None) -> Codebook | None:
    if codebook is None or isinstance(codebook, Codebook):
        return codebook
    return Codebook.from_yaml(codebook)


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
        If ``path`` does not exist.

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
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"survey file {str(p)!r} does not exist.")
    if not isinstance(group_sep, str) or not group_sep:
        raise CampaignMeError(f"group_sep: must be a non-empty text such as '/' or '.', got {group_sep!r}.")
    cb = _resolve_codebook(codebook)
    form_path = form if form is not None else (cb.form if cb is not None else None)
    if form_path is not None:
        cb = cb.with_form(form_path) if cb is not None else Codebook.from_xlsform(form_path)

    problems = _Problems(p.name)
    problems.resolver = _Resolver(cb, group_sep)
    with p.open("rb") as fh:  # read-only; the file is never written
        data_bytes = fh.read()
    try:
        raw = _read_raw(p, data_bytes, sheet, encoding, problems)
        data = _process(raw, cb, problems, keep_pii=keep_pii, labels=labels, sep=group_sep)
    except _Fatal:
        data = pd.DataFrame()
    table = problems.frame()
    if errors == "report":
        return data, table
    if problems.has_errors:
        err = IntakeError(_error_message(p.name, cb, table, problems.row_unit))
        err.problems = table  # type: ignore[attr-defined]
        raise err
    warn = table[table["severity"] == "warning"]
    if not warn.empty:
        warnings.warn(
            f"{p.name}: {_summary(warn)}; {problems.row_unit}:\n{format_problems(warn)}",
            IntakeWarning,
            stacklevel=2,
        )
    for rec in table[table["severity"] == "note"].to_dict("records"):
        logger.info("%s: %s", p.name, _problem_line(rec))
    return data


def _process(
    raw: _Raw, cb: Codebook | None, problems: _Problems, *, keep_pii: bool, labels: bool, sep: str
) -> pd.DataFrame:
    resolver = problems.resolver if problems.resolver is not None else _Resolver(cb, sep)
    _check_header_is_names(raw, resolver, problems)
    _check_structure(raw, resolver, cb, problems)
    unit = "line" if raw.kind == "csv" else "row"
    n = len(raw.records)
    lines = np.array([line for line, _ in raw.records], dtype=int)
    if n == 0:
        problems.add(
            "no_data",
            f"header but no data {unit}s",
            expected=f"data {unit}s under the header ({unit} {raw.header_line})",
        )
    columns: dict[str, pd.Series] = {}
    for j, name in enumerate(raw.header):
        vals = [fields[j].strip() for _, fields in raw.records]
        columns[name] = pd.Series([v if v else None for v in vals], dtype="string")

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
        return _process_without_codebook(columns, problems, lines, keep_pii, sep, is_kobo)

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

    conv = _Converter(problems, lines)
    out: dict[str, pd.Series] = {}

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
                expected=f"options {_codes_text(var.codes)}",
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
            text = columns[mapped[var.name]] if var.name in mapped else None
            opts = {
                str(code): columns[mapped[col]]
                for code, col in zip(var.codes, var.columns())
                if col in mapped
            }
            out.update(_select_multiple(var, text, opts, conv, mapped))
            continue
        out[var.name] = conv.convert(var, columns[mapped[var.name]])

    # Personal data: undeclared columns are errors, declared ones warnings.
    checkable = [v for v in cb if v.name in out and v.check_pii and not v.is_pii]
    declared = find_pii(pd.DataFrame({v.name: columns[mapped[v.name]] for v in checkable}), use_names=False)
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
    flagged = find_pii(pd.DataFrame({c: columns[c] for c in unknown}))
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
            close = difflib.get_close_matches(c, [v.name for v in cb if v.name not in mapped], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            expected = f"only codebook variables: declare it in the codebook or remove it{hint}"
        if c not in hinted:  # reported above, with the group_sep to pass
            problems.add("unknown_column", "column not in the codebook", column=c, expected=expected)
        if pii_label:  # an identifier recognised by its label is dropped like the others
            problems.pii_columns.add(c)
            continue
        out[c] = columns[c]

    if n:
        _check_rows(cb, out, conv, problems, {v: columns[c] for v, c in mapped.items()})
    if labels:
        for var in cb:
            if var.type == "categorical" and var.codes and var.name in out:
                out[var.name] = _as_labels(var, out[var.name])
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    frame.index = _line_index(lines)
    return frame


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
        res = _Resolver(cb, alt)
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
    columns: dict[str, pd.Series],
    problems: _Problems,
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
    flagged = find_pii(pd.DataFrame(columns))
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
    for name, s in columns.items():
        if n and not s.notna().any():
            problems.add("all_missing", "all values are blank", column=name, severity="warning")
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    frame.index = _line_index(lines)
    return frame


def _check_rows(
    cb: Codebook,
    out: dict[str, pd.Series],
    conv: _Converter,
    problems: _Problems,
    raw: dict[str, pd.Series],
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
        missing = _bool_array(ids.isna())
        if missing.any() and not missing.all():
            problems.add(
                "missing_id",
                "respondent id is blank",
                column=cb.id,
                rows=conv._rows(missing),
                expected="an id on every row",
            )
        dup = _bool_array(ids.duplicated(keep=False)) & ~missing
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
        blank = _bool_array(text.isna())
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
                f"({_codes_text(cb[cb.weight].missing)})",
                column=cb.weight,
                rows=conv._rows(coded),
                values=text[coded].tolist(),
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
                values=text[nonpos].tolist(),
                expected="weights > 0",
            )
    for key in ("strata", "psu", "fpc"):
        name = getattr(cb, key, None)
        if name is not None and name in out:
            missing = _bool_array(out[name].isna()) & ~np.isin(conv.lines, list(problems.reported.get(name, ())))
            coded = conv._missing_mask(cb[name], raw[name]) & missing
            if missing.any() and not missing.all():
                problems.add(
                    "missing_design",
                    f"missing {key} values"
                    + (f" (some are missing codes: {_codes_text(cb[name].missing)})" if coded.any() else ""),
                    column=name,
                    rows=conv._rows(missing),
                    values=raw[name][coded].tolist(),
                    expected=f"a {key} value on every row",
                )


def _as_labels(var: Variable, s: pd.Series) -> pd.Series:
    labels = {code: (label or str(code)) for code, label in var.codes.items()}
    categories = list(dict.fromkeys(labels.values()))
    values = [None if pd.isna(v) else labels.get(v) for v in s.tolist()]
    return pd.Series(pd.Categorical(values, categories=categories, ordered=var.ordered))


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------


def validate_command(argv: list[str]) -> int:
    """``campaign-me validate FILE... [--codebook CODEBOOK] [--sheet S] [--form XLSFORM] [--group-sep SEP]``.

    Checks each file with :func:`load_survey` (``errors="report"``) and prints its problem table.

    Parameters
    ----------
    argv : list of str
        Arguments after ``validate``.

    Returns
    -------
    int
        0 when every file is clean (notes only), 1 when any file has errors or warnings, 2 when the
        command cannot run (bad arguments, missing file, invalid codebook or form).
    """
    parser = argparse.ArgumentParser(
        prog="campaign-me validate",
        description="Check survey files against a codebook and list every problem "
        "(rows are numbered as in the file; the header is row 1).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="CSV, .xlsx or Kobo/ODK export")
    parser.add_argument("--codebook", "-c", help="codebook.yaml")
    parser.add_argument("--sheet", help="Excel sheet name (needed when several sheets hold data)")
    parser.add_argument("--form", help="XLSForm (.xlsx) of a Kobo/ODK export")
    parser.add_argument("--encoding", help="text encoding of CSV files if not UTF-8, e.g. cp1252")
    parser.add_argument(
        "--group-sep",
        default="/",
        help="separator of group prefixes in Kobo/ODK column names (default '/'; '.' or '-' in some exports)",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else 2
    try:
        cb = Codebook.from_yaml(args.codebook) if args.codebook else None
    except (FileNotFoundError, CodebookError) as exc:
        print(f"campaign-me validate: {exc}", file=sys.stderr)
        return 2
    status = 0
    for file in args.files:
        try:
            data, problems = load_survey(
                file,
                cb,
                sheet=args.sheet,
                form=args.form,
                errors="report",
                encoding=args.encoding,
                group_sep=args.group_sep,
            )
        except (FileNotFoundError, CampaignMeError) as exc:
            print(f"campaign-me validate: {exc}", file=sys.stderr)
            status = 2
            continue
        name = Path(file).name
        serious = problems[problems["severity"].isin(["error", "warning"])]
        shape = f"{len(data)} rows, {data.shape[1]} columns"
        if serious.empty:
            print(f"{name}: OK ({shape}){'; ' + _summary(problems) if not problems.empty else ''}")
        else:
            status = max(status, 1)
            print(f"{name}: {_summary(problems)} ({shape} read); {problems.attrs.get('row_unit', '')}")
        if not problems.empty:
            print(format_problems(problems, table=True))
    return status
