"""Reading a survey file into raw text records: decoding and sniffing CSV (stray quotes, encodings),
reading an .xlsx sheet (formulas, number formats, caps on part size, cell length and empty rows),
recognising other containers (legacy .xls, zip archives)."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io as _io
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from campaign_me.conventions import did_you_mean
from campaign_me.deferred import Deferred
from campaign_me.errors import CampaignMeError
from campaign_me.intake.problems import FatalProblem, ProblemLog
from campaign_me.intake.table import CodedColumn

openpyxl = Deferred("openpyxl")  # deferred: about 0.3 s at import; only Excel files need it
openpyxl_utils = Deferred("openpyxl.utils")  # deferred: part of openpyxl (above)

DELIMITERS = (",", ";", "\t", "|")

DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}

_XLSX_SUFFIXES = (".xlsx", ".xlsm")


# --------------------------------------------------------------------------------------------------
# Reading raw text tables
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class RawTable:
    header: list[str]
    header_line: int
    records: list[tuple[int, list[str]]]  # (row number in the file, fields)
    kind: str  # "csv" or "xlsx"
    sheet: str | None = None
    delimiter: str | None = None
    text: str | None = None  # the decoded CSV text (for a look at single lines), released after the checks
    # After the records are split by width (or when read block-wise): the rows as the header's width
    # as columns, their line numbers, and the rows of another width: (line, fields, text or None).
    columns: list[CodedColumn] | None = None
    lines: np.ndarray | None = None
    bad_rows: list[tuple[int, list[str], str | None]] = dataclasses.field(default_factory=list)

    def set_columns(
        self, columns: list[CodedColumn], lines: np.ndarray, bad_rows: list[tuple[int, list[str], str | None]]
    ) -> None:
        """Hold the rows as columns (the records are released); rows with no value at all are dropped."""
        if len(lines):
            present = np.zeros(len(lines), dtype=bool)
            for col in columns:
                present |= col.present()
            if not present.all():
                columns = [col.take(present) for col in columns]
                lines = lines[present]
        self.columns, self.lines, self.bad_rows, self.records = columns, lines, bad_rows, []

    def line(self, number: int) -> str | None:
        """The text of line ``number`` (1-based) of a CSV file, without its line break."""
        if self.text is None:
            return None
        starts = getattr(self, "_starts", None)
        if starts is None:
            starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", self.text)]
            self._starts = starts
        if not 0 < number <= len(starts):
            return None
        end = starts[number] if number < len(starts) else len(self.text)
        return self.text[starts[number - 1] : end].rstrip("\r\n")


def column_ref(raw: RawTable, position: int) -> str:
    """'column C' in Excel, 'field 3' in CSV (position is 0-based)."""
    if raw.kind == "xlsx":
        return f"column {openpyxl_utils.get_column_letter(position + 1)}"
    return f"field {position + 1}"


def _decode(data: bytes, encoding: str | None, problems: ProblemLog) -> str:
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
            raise FatalProblem from None
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
            raise FatalProblem from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _report_bad_utf8(data, exc, problems)
        raise FatalProblem from None


def _report_bad_utf8(data: bytes, exc: UnicodeDecodeError, problems: ProblemLog) -> None:
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
    # Quoted values with text after their closing quote, read with the quotes dropped (``"ab"cd`` as
    # ``abcd``): (first line of the record, field position, the field as in the file). The header's too.
    strays: list[tuple[int, int, str]] = dataclasses.field(default_factory=list)


def _parse_csv(text: str, delimiter: str | None = None) -> _Parsed:
    """Split CSV text into records numbered by their first line (1-based).

    A quoted value may span several lines. When one does because of a stray or unterminated quote,
    it swallows the lines that follow. Such a record is not returned: it is listed in ``quotes`` and
    reading resumes on the line after the one where the quote opened.
    """
    if delimiter is None:
        delimiter = sniff_delimiter(text)
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]  # offset of each line
    records: list[tuple[int, list[str]]] = []
    quotes: list[tuple[int, int, int, str]] = []
    strays: list[tuple[int, int, str]] = []
    # Text after a closing quote (``"ab"cd``): the csv module joins it to the value without the quotes.
    # Its strict mode refuses it; a file it reads whole needs no look at each record.
    check_strays = '"' in text and not _reads_strictly(text, delimiter)
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
                    field = swallowed_field(text, starts, start, last, fields, delimiter, head)
                    if field is not None:
                        first = fields[field].splitlines()[0] if fields[field].strip() else ""
                        quotes.append((start, last, field, f'"{first}'))
                        resume = start  # the line after the quote's line
                        break
                records.append((start, list(map(sys.intern, fields))))  # equal values share memory
                if check_strays:
                    record = text[starts[start - 1] : starts[last] if last < len(starts) else len(text)]
                    if '"' in record and not _reads_strictly(record, delimiter):
                        strays += [(start, field, raw) for field, raw in _stray_quotes(record, delimiter)]
        except csv.Error as exc:
            raise _CsvError(last + 1, str(exc)) from None
        if resume is None or resume >= len(starts):
            break
        skipped = resume
    if not records:
        return _Parsed(delimiter, [], 0, [], quotes, strays)
    (hline, header), data = records[0], records[1:]
    return _Parsed(delimiter, header, hline, data, quotes, strays)


def _reads_strictly(text: str, delimiter: str) -> bool:
    """Whether the csv module reads ``text`` in strict mode (every closing quote followed by the
    delimiter or a line end, every quote closed)."""
    try:
        for _ in csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return False
    return True


def _stray_quotes(record: str, delimiter: str) -> list[tuple[int, str]]:
    """``(field position, the field as in the file)`` of each quoted value of ``record`` (the text of
    one record) with text after its closing quote, which the csv module reads with the quotes dropped
    and the rest joined on: ``"ab"cd`` as ``abcd``, ``"ab" x`` as ``ab x``. Only called on the rare
    record the csv module refuses in strict mode."""
    record = record.rstrip("\r\n")
    out: list[tuple[int, str]] = []
    n = len(record)
    i = field = 0
    while True:
        start = i
        if i < n and record[i] == '"':
            j = i + 1
            while j < n and not (record[j] == '"' and record[j + 1 : j + 2] != '"'):
                j += 2 if record[j] == '"' else 1  # (a doubled quote is one quote character)
            if j + 1 < n and record[j + 1] != delimiter:  # text after the closing quote
                end = record.find(delimiter, j + 1)
                end = n if end < 0 else end
                out.append((field, record[start:end]))
                i = end
            else:
                i = j + 1
        else:
            end = record.find(delimiter, i)
            i = n if end < 0 else end
        if i >= n:
            return out
        i += 1
        field += 1


def swallowed_field(
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


def sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    best, best_score = ",", (0.0, 1)
    for d in DELIMITERS:
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


def _read_csv(data: bytes, encoding: str | None, problems: ProblemLog) -> RawTable:
    text = _decode(data, encoding, problems)
    if not text.strip():
        problems.add(
            "empty_file", "the file has no header row (only blank lines)", expected="a header row and data"
        )
        raise FatalProblem
    try:
        parsed = _parse_csv(text)
    except _CsvError as exc:
        problems.add("ragged_row", f"malformed CSV: {exc}", rows=[exc.line], expected="well-formed CSV")
        raise FatalProblem from None
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
    _report_strays(parsed, problems)
    if "\0" in text:
        _report_nul_bytes(parsed, problems)
    problems.row_unit = csv_row_unit(hline)
    return RawTable(header, hline, records, "csv", delimiter=delim, text=text)


def _field_column(parsed: _Parsed, line: int, field: int) -> str:
    """The column of a field of the record on ``line`` ("" in the header or beyond its width)."""
    if line <= parsed.header_line or field >= len(parsed.header):
        return ""
    return parsed.header[field].strip()


def _report_strays(parsed: _Parsed, problems: ProblemLog) -> None:
    """Quoted values with text after the closing quote: the csv module drops the quotes and joins the
    rest on (``"ab"cd`` reads ``abcd``), so the value read is not the one in the file."""
    by_column: dict[str, list[tuple[int, str]]] = {}
    for line, field, raw in parsed.strays:
        by_column.setdefault(_field_column(parsed, line, field), []).append((line, raw))
    for column, hits in by_column.items():
        raw = hits[0][1]
        read = next(csv.reader([raw], delimiter=parsed.delimiter), [""])[0]
        problems.add(
            "stray_quote",
            f"text after the closing quote of a quoted value, read without its quotes ({raw[:40]!r} read as "
            f"{read[:40]!r})",
            column=column,
            rows=[line for line, _ in hits],
            values=[raw[:60] + ("..." if len(raw) > 60 else "") for _, raw in hits],
            expected='the whole value in quotes with its own quotes doubled ("""ab""cd" for "ab"cd), or no '
            "quote at its start (the values were read as shown)",
        )


def _report_nul_bytes(parsed: _Parsed, problems: ProblemLog) -> None:
    """NUL bytes in values: a damaged file (zeros written over part of it) or binary data."""
    by_column: dict[str, list[tuple[int, str]]] = {}
    for line, fields in [(parsed.header_line, parsed.header), *parsed.records]:
        for field, value in enumerate(fields):
            if "\0" in value:
                by_column.setdefault(_field_column(parsed, line, field), []).append((line, value))
    for column, hits in by_column.items():
        problems.add(
            "nul_byte",
            "NUL bytes (\\x00) in values: a damaged file, or binary data saved as text",
            column=column,
            rows=[line for line, _ in hits],
            values=[v[:60] + ("..." if len(v) > 60 else "") for _, v in hits],
            expected="text without NUL bytes: export the file again from its source (the values were read "
            "with the NUL bytes)",
        )


def csv_row_unit(header_line: int) -> str:
    """How rows of a CSV file are numbered in the problem table."""
    if header_line == 1:
        return "rows are line numbers in the file (the header is line 1)"
    return f"rows are line numbers in the file (the header is line {header_line}; lines above it are blank)"


def _cell_text(cell: Any) -> str:
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


def _check_zip_parts(data: bytes, problems: ProblemLog) -> None:
    """Refuse workbooks whose parts expand beyond MAX_XLSX_PART_BYTES (zip bombs, 1 GB cells)."""
    try:
        with zipfile.ZipFile(_io.BytesIO(data)) as zf:
            big = [(i.filename, i.file_size) for i in zf.infolist() if i.file_size > MAX_XLSX_PART_BYTES]
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # reported by openpyxl below
    if big:
        problems.add(
            "too_large",
            f"workbook part {big[0][0]!r} expands to {big[0][1]:,} bytes (at most {MAX_XLSX_PART_BYTES:,} "
            "are read)",
            expected="a smaller workbook: save the data sheet alone as CSV",
        )
        raise FatalProblem


def _read_xlsx(data: bytes, name: str, sheet: str | int | None, problems: ProblemLog) -> RawTable:
    _check_zip_parts(data, problems)
    try:
        # data_only=False: formula cells are seen as formulas (their stored results are not trusted:
        # openpyxl and pandas write none, other programs may store a stale or placeholder 0).
        wb = openpyxl.load_workbook(_io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many unrelated types on corrupt files
        problems.add("not_excel", f"cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc})")
        raise FatalProblem from None
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
                    raise FatalProblem
                chosen = names[sheet]
            elif sheet in charts:
                problems.add(
                    "sheet",
                    f"sheet {sheet!r} is a chart sheet, which holds no data; the worksheets are",
                    values=names,
                    expected="sheet= one of the worksheets listed",
                )
                raise FatalProblem
            elif sheet not in worksheets:
                hint = did_you_mean(sheet, names)
                problems.add(
                    "sheet",
                    f"there is no sheet {sheet!r}{hint}; the {'work' if charts else ''}sheets are",
                    values=names,
                    expected="sheet= one of the sheet names listed",
                )
                raise FatalProblem
            else:
                chosen = sheet
        else:
            with_data = [n for n, ws in worksheets.items() if _sheet_has_data(ws)]
            if not with_data:
                problems.add(
                    "empty_file", "the workbook has no data on any sheet; its sheets are", values=names
                )
                raise FatalProblem
            if len(with_data) > 1:
                problems.add(
                    "sheet",
                    f"the workbook has data on {len(with_data)} sheets and sheet= was not given; "
                    "sheets with data",
                    values=with_data,
                    expected="sheet= naming the sheet to read (sheet= in load_survey, --sheet in "
                    "campaign-me validate)",
                )
                raise FatalProblem
            chosen = with_data[0]
        ws = worksheets[chosen]
        _reset_dimensions(ws)
        records: list[tuple[int, list[str]]] = []
        formulas: list[tuple[int, int, str]] = []  # (row, column position, formula)
        long_cells: list[tuple[int, int, int]] = []  # (row, column position, length)
        dates: list[tuple[int, int, Any]] = []  # (record index, column position, date value)
        long_numbers: list[tuple[int, int, str]] = []  # (row, column position, text): 16 digits or more
        empty_run = 0
        stopped_at = None
        for rownum, row in enumerate(ws.iter_rows(), start=1):
            fields = []
            for j, c in enumerate(row):
                value = getattr(c, "value", None)
                if getattr(c, "data_type", None) == "f" or (
                    value is not None and type(value).__name__ == "ArrayFormula"
                ):
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
                if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 1e15:
                    long_numbers.append((rownum, j, fields[-1]))
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
            f"cell {_col_ref_xlsx(j)[7:]}{rownum} holds {length:,} characters (Excel's limit is "
            f"{MAX_CELL_CHARS:,})",
            column=column,
            rows=[rownum],
            expected=f"cells of at most {MAX_CELL_CHARS:,} characters (the cell was read as blank)",
        )
    _report_long_numbers(records, long_numbers, problems)
    _reformat_dates(records, dates, problems)
    problems.row_unit = f"rows are row numbers in sheet {chosen!r}"
    if not records:
        problems.add("empty_file", f"sheet {chosen!r} is empty", expected="a header row and data")
        raise FatalProblem
    (hline, header), data_records = records[0], records[1:]
    problems.row_unit += f" (the header is row {hline})"
    return RawTable(header, hline, data_records, "xlsx", sheet=chosen)


def _report_long_numbers(
    records: list[tuple[int, list[str]]], long_numbers: list[tuple[int, int, str]], problems: ProblemLog
) -> None:
    """Number cells of 16 digits or more: Excel keeps 15 significant digits, so an id or a phone number
    typed or pasted as a number has lost its last digits (123456789012345678 is stored as
    123456789012345000) before the file reaches intake."""
    if not records:
        return
    hline, head = records[0]
    by_column: dict[int, list[tuple[int, str]]] = {}
    for rownum, j, text in long_numbers:
        if rownum > hline:
            by_column.setdefault(j, []).append((rownum, text))
    for j, cells in by_column.items():
        problems.add(
            "lost_digits",
            f"numbers of 16 digits or more stored as numbers ({_col_ref_xlsx(j)}): Excel keeps only 15 "
            "significant digits, so their last digits may be lost",
            column=head[j].strip() if j < len(head) else "",
            rows=[r for r, _ in cells],
            values=[t for _, t in cells],
            expected="long ids and phone numbers stored as text: format the column as Text in Excel before "
            "typing or pasting them, or take them from the original source (the values were read as stored)",
            severity="warning",
        )


def _col_ref_xlsx(position: int) -> str:
    return f"column {openpyxl_utils.get_column_letter(position + 1)}"


def _reformat_dates(
    records: list[tuple[int, list[str]]], dates: list[tuple[int, int, Any]], problems: ProblemLog
) -> None:
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
    try:
        with zipfile.ZipFile(_io.BytesIO(data)) as zf:
            return [n for n in zf.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def read_raw(
    path: Path, data: bytes, sheet: str | int | None, encoding: str | None, problems: ProblemLog
) -> RawTable:
    suffix = path.suffix.lower()
    if not data:
        problems.add("empty_file", "the file is empty (0 bytes)", expected="a header row and data")
        raise FatalProblem
    is_zip = data[:4] == b"PK\x03\x04"
    is_ole = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if data[:2] == b"\x1f\x8b":
        problems.add(
            "compressed",
            "the file is gzip-compressed",
            expected="the decompressed file: unpack it first (e.g. with 7-Zip, or 'gunzip FILE')",
        )
        raise FatalProblem
    if (
        encoding is None
        and not is_zip
        and not is_ole
        and data[:2] not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        head = data[:4096]
        even, odd = head[0::2], head[1::2]
        if len(head) >= 8 and (odd.count(0) >= 0.8 * len(odd) or even.count(0) >= 0.8 * len(even)):
            order = "utf-16-le" if odd.count(0) >= even.count(0) else "utf-16-be"
            problems.add(
                "encoding",
                "the file looks like UTF-16 text without a byte-order mark (every other byte is zero)",
                expected=f"encoding={order!r} (--encoding {order} in campaign-me validate), or re-save it as "
                "UTF-8",
            )
            raise FatalProblem
    if suffix == ".xls" or (is_ole and suffix not in _XLSX_SUFFIXES):
        problems.add(
            "not_excel",
            "legacy Excel 97-2003 (.xls) workbooks are not read",
            expected="an .xlsx workbook or a CSV file: open it in Excel or LibreOffice and save as .xlsx",
        )
        raise FatalProblem
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
                expected="a CSV file or an .xlsx workbook: unzip the archive first and load the survey file "
                "in it",
            )
        raise FatalProblem
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
        raise FatalProblem
    if is_zip and is_workbook:
        problems.add(
            "not_excel",
            f"the file is an Excel workbook (zip) with a {suffix or 'missing'} extension",
            expected="rename it to .xlsx",
        )
        raise FatalProblem
    if is_zip:
        problems.add(
            "zip_archive",
            "the file starts like a zip archive but cannot be opened (damaged or incomplete download?)",
            expected="a CSV file or an .xlsx workbook",
        )
        raise FatalProblem
    if sheet is not None:
        problems.add("sheet", f"sheet={sheet!r} was given but the file is CSV, not Excel", severity="warning")
    return _read_csv(data, encoding, problems)
