"""Structure checks on the raw table: a header that holds data, group headings, blank and
duplicate column names, ragged rows, repeated and second header rows."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from campaign_me.codebook import Code, Codebook, Variable
from campaign_me.intake.columns import ColumnResolver
from campaign_me.intake.problems import FatalProblem, ProblemLog
from campaign_me.intake.readers import DELIMITER_NAMES, DELIMITERS, RawTable, column_ref
from campaign_me.intake.table import CodedColumn
from campaign_me.privacy import looks_like_pii as _looks_like_pii
from campaign_me.privacy import mask as _mask
from campaign_me.textvalues import INT_RE, NUM_RE, MissingCodes

# --------------------------------------------------------------------------------------------------
# Structure checks on the raw table
# --------------------------------------------------------------------------------------------------


def _is_numeric_text(value: str) -> bool:
    return bool(re.fullmatch(NUM_RE, value.strip()))


class StructureFallback(Exception):
    """A block-wise read file needs the pure-Python reader after all (column names on its second row)."""


def _names_on_second_row(header: list[str], row2: list[str], resolver: ColumnResolver) -> bool:
    """The second row holds the column names and the first group headings (merged header cells)."""
    row2 = [v.strip() for v in row2]
    known_header = sum(resolver.resolve(h) is not None for h in header if h)
    known_row2 = sum(resolver.resolve(v) is not None for v in row2 if v)
    return known_row2 >= 2 and known_row2 > known_header and known_row2 >= 0.5 * sum(bool(v) for v in row2)


def _split_records(raw: RawTable, n: int) -> None:
    """Rows of the header's width become columns; the others are kept aside as ``bad_rows``."""
    lines: list[int] = []
    good: list[list[str]] = []
    bad: list[tuple[int, list[str], str | None]] = []
    for line, fields in raw.records:
        if len(fields) > n and not any(f.strip() for f in fields[n:]):
            fields = fields[:n]
        if raw.kind == "xlsx" and len(fields) < n:
            fields = fields + [""] * (n - len(fields))
        if len(fields) == n:
            lines.append(line)
            good.append(fields)
        else:
            bad.append((line, fields, None))
    raw.records = []
    by_column = list(zip(*good)) if good else [() for _ in range(n)]
    del good
    columns = []
    for i in range(n):
        columns.append(CodedColumn.from_cells(by_column[i]))
        by_column[i] = ()  # release the cells as soon as the column holds them
    raw.set_columns(columns, np.array(lines, dtype=np.int64), bad)


def check_structure(
    raw: RawTable, resolver: ColumnResolver, codebook: Codebook | None, problems: ProblemLog
) -> None:
    """Header position, blank/duplicate names, repeated and second header rows, ragged rows (in place).

    Leaves the rows in ``raw.columns`` (the header's columns kept) and their numbers in ``raw.lines``.
    """
    unit = "line" if raw.kind == "csv" else "row"
    header = [h.strip() for h in raw.header]

    # 1. Column names on the second row (a merged group header above them)?
    if raw.columns is None:
        if codebook is not None and raw.records:
            line2, row2 = raw.records[0]
            if _names_on_second_row(header, row2, resolver):
                problems.add(
                    "header_row",
                    "group headings instead of column names (merged header cells?)",
                    rows=[raw.header_line],
                    values=[h for h in header if h],
                    expected=f"the column names on {unit} {raw.header_line}: delete it (the names were found "
                    f"on {unit} {line2}, which was used as the header for the other checks)",
                )
                raw.header_line, header = line2, [v.strip() for v in row2]
                raw.records = raw.records[1:]
                problems.row_unit = re.sub(
                    r"header is (line|row) \d+", rf"header is \1 {line2}", problems.row_unit
                )
        _split_records(raw, len(header))
    elif codebook is not None:
        first = _first_row(raw)
        if first is not None and _names_on_second_row(header, first, resolver):
            raise StructureFallback
    columns = raw.columns
    lines = raw.lines
    assert columns is not None and lines is not None

    # 2. Blank and duplicate column names.
    n = len(header)
    keep = list(range(n))
    blank = [i for i, h in enumerate(header) if not h]
    if blank:
        with_data = [
            i
            for i in blank
            if columns[i].present().any() or any(i < len(f) and f[i].strip() for _, f, _ in raw.bad_rows)
        ]
        if with_data:
            problems.add(
                "blank_header",
                "columns without a name hold data: " + ", ".join(column_ref(raw, i) for i in with_data),
                rows=[raw.header_line],
                expected="a name in every header cell; merged header cells leave blanks (these columns were "
                "skipped)",
            )
        keep = [i for i in keep if i not in blank]
    first_pos: dict[str, int] = {}
    for i in list(keep):
        h = header[i]
        if h in first_pos:
            keep.remove(i)
            problems.add(
                "duplicate_column",
                f"column name used twice ({column_ref(raw, first_pos[h])} and {column_ref(raw, i)})",
                column=h,
                expected="unique column names (only the first was read)",
            )
        else:
            first_pos[h] = i

    # 3. Ragged rows (wrong or mixed delimiters).
    wrong_delim: dict[str, list[int]] = {}
    too_many: list[int] = []
    too_few: list[int] = []
    counts: list[int] = []
    for line, fields, text in raw.bad_rows:
        counts.append(len(fields))
        other = _other_delimiter(raw, line, n, text)
        if other is not None:
            wrong_delim.setdefault(other, []).append(line)
        elif len(fields) > n:
            too_many.append(line)
        else:
            too_few.append(line)
    raw.bad_rows = []
    for d, bad_lines in wrong_delim.items():
        problems.add(
            "ragged_row",
            f"{unit}s delimited by {DELIMITER_NAMES[d]} while the header uses "
            f"{DELIMITER_NAMES.get(raw.delimiter or ',', raw.delimiter)} (mixed delimiters)",
            rows=bad_lines,
            expected=f"one delimiter throughout, {n} fields per {unit} like the header (these {unit}s were "
            "skipped)",
        )
    if too_many:
        problems.add(
            "ragged_row",
            f"{unit}s with more fields than the header ({n})",
            rows=too_many,
            values=sorted({c for c in counts if c > n}),
            expected=f"{n} fields per {unit}; an unquoted delimiter inside a value? (these {unit}s were "
            "skipped)",
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
    drop = np.zeros(len(lines), dtype=bool)
    names = set(header)
    named = np.zeros(len(lines), dtype=np.int16)  # per row: values that are column names
    for col in columns:
        hit = np.asarray(col.uniques.isin(list(names)), dtype=bool)
        if hit.any():  # (most columns hold no column name at all: their rows are not looked at)
            named += np.append(hit, False)[col.codes]
    repeated: list[int] = []
    for r in np.flatnonzero(named >= 2):
        fields = [columns[i].value(r) for i in range(n)]
        vals = [(fields[i], header[i]) for i in keep if fields[i]]
        if len(vals) >= 2 and sum(v == h for v, h in vals) >= 0.8 * len(vals):
            repeated.append(int(lines[r]))
            drop[r] = True
    if repeated:
        problems.add(
            "repeated_header",
            "header row repeated inside the data (files pasted together?)",
            rows=repeated,
            expected="one header row at the top (the repeated rows were skipped)",
        )
    rest = np.flatnonzero(~drop)[:201]
    if len(rest):
        row2, *later = ([col.value(r) for col in columns] for r in rest)
        if _looks_like_second_header(row2, [(0, f) for f in later], keep, header, resolver):
            problems.add(
                "second_header",
                "second header row (labels or merged header cells) under the column names",
                rows=[int(lines[rest[0]])],
                values=[row2[i] for i in keep if row2[i]][:5],
                value_columns=[header[i] for i in keep if row2[i]][:5],
                expected=f"data from {unit} {raw.header_line + 1} on: delete the extra header row, or for a "
                "Kobo export choose 'XML values and headers' (the row was skipped)",
            )
            drop[rest[0]] = True
    raw.header = [header[i] for i in keep]
    columns = [columns[i] for i in keep]
    if drop.any():
        columns = [col.take(~drop) for col in columns]
        lines = lines[~drop]
    raw.columns, raw.lines = columns, lines


def _first_row(raw: RawTable) -> list[str] | None:
    """The fields of the first record under the header, whatever its width."""
    assert raw.columns is not None and raw.lines is not None
    first_bad = raw.bad_rows[0] if raw.bad_rows else None
    if len(raw.lines) and (first_bad is None or raw.lines[0] < first_bad[0]):
        return [col.value(0) for col in raw.columns]
    return first_bad[1] if first_bad is not None else None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T][\d:.]+)?")


def check_header_is_names(raw: RawTable, resolver: ColumnResolver, problems: ProblemLog) -> None:
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
            f"the header ({unit} {raw.header_line}) holds {why}, not column names: the file has no header "
            "row?",
            rows=[raw.header_line],
            values=[_mask(c) for c in cells[:6]],
            expected=f"the column names on {unit} {raw.header_line} (insert a header row with the codebook's "
            "variable names, in file order)",
        )
        raise FatalProblem


def _other_delimiter(raw: RawTable, line: int, n: int, text: str | None = None) -> str | None:
    if text is None:
        text = raw.line(line) if raw.kind == "csv" else None
    if text is None:
        return None
    for d in DELIMITERS:
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


def _is_missing_code(value: str, codes: Iterable[Code] | MissingCodes) -> bool:
    """``value`` is one of ``codes``, matched as intake matches missing codes (:class:`MissingCodes`)."""
    return (codes if isinstance(codes, MissingCodes) else MissingCodes(codes)).matches(value)


def _converts(var: Variable, option: str | None, value: str) -> bool:
    """Whether ``value`` is valid data for ``var`` (or its select_multiple option column)."""
    v = value.strip()
    if option is not None:
        return bool(re.fullmatch(INT_RE, v)) and float(v) in (0.0, 1.0)
    if var.type == "integer":
        return bool(re.fullmatch(INT_RE, v))
    if var.type == "number":
        return bool(re.fullmatch(NUM_RE, v))
    if var.type == "boolean":
        low = _strip_point_zero(v.lower())
        return low in var.true or low in var.false
    if var.type in ("categorical", "select_multiple") and var.codes:
        texts = {str(c) for c in var.codes}
        tokens = v.split() if var.type == "select_multiple" else [v]
        if var.integer_codes and re.fullmatch(INT_RE, v):
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
    resolver: ColumnResolver,
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
    all_missing = MissingCodes(
        c for var, _ in resolver.known.values() for c in var.missing
    )  # incl. codebook-level
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
