"""Block-wise reading of large CSV files with pyarrow's streaming CSV reader.

A large file is read in blocks of rows; each block's columns become integer codes into the column's
distinct values straight away (:class:`~campaign_me.intake.table._Column`), so the file's text is never
held as one Python string per cell. This path gives the same records, line numbers and messages as
the pure-Python reader in :mod:`~campaign_me.intake.readers`, and is taken only when that is certain:
UTF-8 text whose quotes open values only at field starts (so that counting them tells which line
feeds lie inside quoted values), no NUL bytes, no old-Mac line ends, and records over several lines
that the csv module reads alike and would not take for a stray quote. Anything else, and any file
smaller than :data:`MIN_BYTES`, is read by the pure-Python reader, which reports stray quotes,
encodings and malformed rows in detail.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
from pathlib import Path
from typing import Any

import numpy as np

from campaign_me.intake.readers import _DELIMITERS, _Raw, _sniff, _swallowed_field
from campaign_me.intake.table import _Column, _compact_codes

#: Files at least this large (bytes) are read block-wise when they qualify; smaller ones by the
#: pure-Python reader, which is as fast for them.
MIN_BYTES = 8 * 2**20

#: More rows than this of another width than the header hand the file to the pure-Python reader.
MAX_BAD_ROWS = 10_000

#: More line feeds than this inside quoted values hand the file to the pure-Python reader.
MAX_MULTILINE = 100_000

_SCAN_BLOCK = 2**24  # bytes per block of the pre-scan
_ARROW_BLOCK = 2**22  # bytes per block of rows handed to pyarrow (larger blocks cost memory, not time)
_HEAD_BYTES = 2**20  # bytes searched for the header row


class _NotEligible(Exception):
    """The file needs the pure-Python reader (a stray quote, an odd encoding, ...)."""


@dataclasses.dataclass
class _Scan:
    newlines: int  # line feeds in the file
    ends_with_newline: bool
    inside: np.ndarray  # ordinals (0-based, among all line feeds) of line feeds inside quoted values
    positions: np.ndarray  # byte offset of every line feed (kept only when some are inside values)


def _scan(path: Path, delimiter: str, start: int) -> _Scan:
    """Check the whole file block by block and find the line feeds inside quoted values.

    A line feed is inside a quoted value when an odd number of quote characters precede it. That
    holds when every quote character that opens a value (an even number before it) stands at the
    start of a field (after the delimiter, a line feed or another quote, or at ``start``): a quote
    inside an unquoted value (``5"``) is text to the csv module, so such a file is left to it. Raises
    _NotEligible then, and on a NUL byte, a carriage return not followed by a line feed, a quote left
    open at the end of the file, more than :data:`MAX_MULTILINE` line feeds inside values, or a line
    longer than the csv module's field size limit (which the pure-Python reader reports).
    """
    boundary = np.array([ord(delimiter), 10, 34], dtype=np.uint8)
    previous = 10  # the byte before the block (the file's start counts as a line start)
    parity = 0  # quote characters seen so far, mod 2
    newlines = 0
    last = b""
    pending_cr = False
    pending_close = False  # the block ended on a closing quote: the next byte must end the value
    after_close = np.array([ord(delimiter), 10, 13, 34], dtype=np.uint8)
    limit = csv.field_size_limit()  # the csv module refuses longer fields: leave such files to it
    line_start = 0  # file offset of the current line
    offset = 0
    inside: list[np.ndarray] = []
    n_inside = 0
    positions: list[np.ndarray] = []
    with path.open("rb") as fh:
        while block := fh.read(_SCAN_BLOCK):
            if pending_cr and not block.startswith(b"\n"):
                raise _NotEligible("carriage return without line feed")
            if pending_close and block[0] not in after_close:
                raise _NotEligible("text after the closing quote of a quoted value")
            if b"\0" in block:
                raise _NotEligible("NUL byte")
            cr = block.count(b"\r")
            pending_cr = block.endswith(b"\r")
            if cr and cr - pending_cr != block.count(b"\r\n"):
                raise _NotEligible("carriage return without line feed")
            arr = np.frombuffer(block, dtype=np.uint8)
            nl = np.flatnonzero(arr == 10)
            quotes = arr == 34
            if quotes.any():
                # parity of the quotes before each position (uint8 wraps at 256: parity is kept)
                seen = np.cumsum(quotes, dtype=np.uint8)
                at = np.flatnonzero(quotes)
                opening = at[((seen[at] - 1 + parity) & 1) == 0]  # an even number of quotes before it
                before = np.where(opening > 0, arr[np.maximum(opening - 1, 0)], previous)
                if not np.isin(before, boundary).all() and not (
                    offset + opening[~np.isin(before, boundary)] == start
                ).all():
                    raise _NotEligible("a quote inside an unquoted value")
                # A closing quote (or the first of a doubled quote) is followed by the delimiter, a line
                # end or a quote: text after it (``"ab"cd``) is joined to the value without the quotes,
                # which the pure-Python reader reports.
                closing = at[((seen[at] - 1 + parity) & 1) == 1]
                inner = closing[closing + 1 < len(arr)]
                if not np.isin(arr[inner + 1], after_close).all():
                    raise _NotEligible("text after the closing quote of a quoted value")
                pending_close = len(closing) > 0 and int(closing[-1]) == len(arr) - 1
                odd = ((seen[nl] + parity) & 1).astype(bool)
                parity = (parity + int(np.count_nonzero(quotes))) & 1
            else:
                odd = np.full(len(nl), bool(parity))
                pending_close = False
            if odd.any():
                inside.append(newlines + np.flatnonzero(odd))
                n_inside += len(inside[-1])
                if n_inside > MAX_MULTILINE:
                    raise _NotEligible("many quoted values span lines")
            positions.append(nl.astype(np.int64) + offset)
            newlines += len(nl)
            ends = np.concatenate(([line_start - offset - 1], nl, [len(block)]))
            if len(ends) > 1 and int(np.diff(ends).max()) > limit:
                raise _NotEligible("a line longer than the csv module's field limit")
            if len(nl):
                line_start = offset + int(nl[-1]) + 1
            offset += len(block)
            last = block[-1:]
            previous = block[-1]
    if parity or pending_cr:
        raise _NotEligible("unterminated quote at the end of the file")
    if not n_inside:
        positions = []
    return _Scan(
        newlines,
        last == b"\n",
        np.concatenate(inside) if inside else np.zeros(0, dtype=np.int64),
        np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64),
    )


def _head(path: Path) -> tuple[str, list[str], int, int, int]:
    """(delimiter, header fields, header line number, byte offset of the first data line, width to
    read: the header's, or the first data line's when it only adds empty fields, as some tools write)."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _NotEligible("UTF-16")
    cut = head.rfind(b"\n") + 1
    if cut == 0:
        raise _NotEligible("no complete line in the head of the file")
    try:
        text = head[bom:cut].decode("utf-8")
        # the same sample as the pure-Python reader sniffs: the first characters, complete lines or not
        delimiter = _sniff(codecs.getincrementaldecoder("utf-8")().decode(head[bom:]))
    except UnicodeDecodeError:
        raise _NotEligible("not UTF-8") from None
    offset = bom
    lines = text.split("\n")[:-1]  # (only \n ends a line here, as in the csv module)
    for number, line in enumerate(lines, start=1):
        offset += len(line.encode("utf-8")) + 1
        fields = next(csv.reader([line.removesuffix("\r")], delimiter=delimiter), [])
        if fields and any(f.strip() for f in fields):
            width = len(fields)
            if number < len(lines):
                first = next(csv.reader([lines[number].removesuffix("\r")], delimiter=delimiter), [])
                if len(first) > width and not any(f.strip() for f in first[width:]):
                    width = len(first)
            if head.startswith(codecs.BOM_UTF8, offset):  # pyarrow would drop it; the csv module keeps it
                raise _NotEligible("byte-order mark at the start of the first data line")
            return delimiter, fields, number, offset, width
    raise _NotEligible("no header row in the head of the file")


def read_csv_blocks(path: Path, size: int) -> _Raw | None:
    """Read a large CSV file block-wise into columns, or None when it needs the pure-Python reader."""
    if size < MIN_BYTES:
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    try:
        delimiter, header, header_line, offset, width = _head(path)
        if len(header) < 2 or delimiter not in _DELIMITERS:
            return None
        with path.open("rb") as fh:
            start = len(codecs.BOM_UTF8) if fh.read(3) == codecs.BOM_UTF8 else 0
        scan = _scan(path, delimiter, start)
    except (_NotEligible, csv.Error):
        return None
    n = len(header)
    extra = width - n  # empty fields after the last column on every row
    if len(scan.inside) and scan.inside[0] < header_line:
        return None  # a quoted value spanning lines in or above the header
    # Records: every line, except that a record whose quoted value holds line feeds spans several.
    # ``spans[j]`` is the record (0-based, from the first data record) holding inside line feed j.
    spans = scan.inside - header_line - np.arange(len(scan.inside))
    n_records = scan.newlines + (0 if scan.ends_with_newline else 1) - header_line - len(scan.inside)

    def first_line(record: np.ndarray | int) -> np.ndarray:
        """The file line on which a record starts."""
        return header_line + 1 + record + np.searchsorted(spans, record, side="left")

    bad: list[tuple[int, str]] = []  # (record, text) of rows of another width

    def invalid(row: pacsv.InvalidRow) -> str:
        """Note a row of another width; "error" (pyarrow then stops reading) hands the file to the
        pure-Python reader. (An exception raised here would not reach read_csv_blocks.)"""
        if row.number is None:  # only known when reading on one thread, as here
            return "error"
        if len(bad) >= MAX_BAD_ROWS:  # many ragged rows: the pure-Python reader is as fast for them
            return "error"
        if "\n" in row.text or "\r" in row.text:  # a ragged record over several lines
            return "error"
        if row.actual_columns > n:
            try:
                fields = next(csv.reader([row.text], delimiter=delimiter), [])
            except csv.Error:
                return "error"
            if not any(f.strip() for f in fields[n:]):  # the pure-Python reader keeps such a row
                return "error"
        bad.append((row.number - 1, row.text))
        return "skip"

    names = [f"f{i}" for i in range(width)]
    text_type = pa.dictionary(pa.int32(), pa.string())
    # Columns with few distinct values map each block's values to codes through a dict; columns with
    # many (ids, free text) keep their blocks dictionary-encoded and unify them at the end in pyarrow.
    maps: list[dict[str, int]] = [{} for _ in range(width)]
    parts: list[list[np.ndarray]] = [[] for _ in range(width)]
    chunks: list[list[pa.DictionaryArray] | None] = [None] * width
    rows = 0
    pool = pa.default_memory_pool()
    try:
        with pa.OSFile(str(path)) as stream:
            stream.seek(offset)
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(column_names=names, block_size=_ARROW_BLOCK, use_threads=False),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter,
                    ignore_empty_lines=False,
                    invalid_row_handler=invalid,
                    newlines_in_values=bool(len(spans)),
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, text_type),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in reader:
                if not batch.num_rows:
                    continue
                first = rows == 0
                rows += batch.num_rows
                for i in range(width):
                    array = batch.column(i)
                    if first and len(array.dictionary) > max(1000, batch.num_rows // 20):
                        chunks[i] = []  # many distinct values: kept dictionary-encoded
                    if chunks[i] is not None:
                        chunks[i].append(array)
                        continue
                    seen = maps[i]
                    values = array.dictionary.to_pylist()
                    lut = np.fromiter((seen.setdefault(v, len(seen)) for v in values), np.int64, len(values))
                    codes = lut[array.indices.to_numpy(zero_copy_only=False)]
                    parts[i].append(_compact_codes(codes, len(seen)))
                pool.release_unused()  # hand the block's parsing buffers back: keeps the peak low
    except (pa.ArrowException, _NotEligible, OSError, UnicodeDecodeError):
        return None  # e.g. invalid UTF-8: the pure-Python reader names the lines
    if rows + len(bad) != n_records:
        return None  # records and lines do not pair up: let the pure-Python reader number them
    if len(spans) and not _multiline_records_read_alike(path, scan, spans, first_line, delimiter, header):
        return None
    is_bad = np.zeros(n_records, dtype=bool)
    for record, _ in bad:
        is_bad[record] = True
    lines = first_line(np.arange(n_records, dtype=np.int64))[~is_bad]
    columns = []
    for i in range(width):
        encoded = chunks[i]
        if encoded is not None:  # unify the blocks' dictionaries
            try:
                unified = pa.chunked_array(encoded, type=text_type).unify_dictionaries()
            except pa.ArrowException:  # e.g. more than 2 GiB of distinct text in one column
                return None
            chunks[i] = None
            del encoded
            codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in unified.chunks])
            values = unified.chunk(0).dictionary if unified.num_chunks else []
            del unified
        else:
            codes = np.concatenate(parts[i]) if parts[i] else np.zeros(0, dtype=np.int8)
            values = list(maps[i])
        parts[i], maps[i] = [], {}
        columns.append(_Column.from_codes(codes, values))
        del codes, values
    if extra:
        if any(col.present().any() for col in columns[n:]):
            return None  # values after the last column: rows the pure-Python reader reports as ragged
        columns = columns[:n]
    bad_rows: list[tuple[int, list[str], str | None]] = []
    for record, text in bad:
        line = int(first_line(record))
        try:
            fields = next(csv.reader([text], delimiter=delimiter), [])
        except csv.Error:
            return None
        if not fields or all(not f.strip() for f in fields):
            continue  # a blank line, skipped as the pure-Python reader skips it
        if len(fields) >= n and not any(f.strip() for f in fields[n:]):
            return None  # only empty fields after the last column: the pure-Python reader keeps the row
        bad_rows.append((line, fields, text))
    raw = _Raw(header, header_line, [], "csv", delimiter=delimiter)
    raw.set_columns(columns, lines, bad_rows)
    return raw


def _multiline_records_read_alike(
    path: Path, scan: _Scan, spans: np.ndarray, first_line: Any, delimiter: str, header: list[str]
) -> bool:
    """Whether each record over several lines is what the pure-Python reader reads there: one
    record over exactly those lines, and not one it takes for a stray quote (which it reports)."""
    records, counts = np.unique(spans, return_counts=True)
    limit = csv.field_size_limit()
    with path.open("rb") as fh:
        for record, count in zip(records.tolist(), counts.tolist()):
            first = int(first_line(record))  # lines first .. first + count
            start = int(scan.positions[first - 2]) + 1
            end = int(scan.positions[first + count - 1]) + 1 if first + count - 1 < len(scan.positions) else None
            fh.seek(start)
            chunk = fh.read() if end is None else fh.read(end - start)
            if len(chunk) > limit:
                return False
            try:
                text = chunk.decode("utf-8")
                reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                fields = next(reader, [])
                if reader.line_num != count + 1 or next(reader, None) is not None:
                    return False
            except (UnicodeDecodeError, csv.Error):
                return False
            if not fields or all(not f.strip() for f in fields):
                continue  # blank: skipped by both readers
            starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
            if _swallowed_field(text, starts, 1, count + 1, fields, delimiter, header) is not None:
                return False
    return True
