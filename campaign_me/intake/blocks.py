"""Block-wise reading of large CSV files with pyarrow's streaming CSV reader.

A large file is read in blocks of rows; each block's columns become integer codes into the column's
distinct values straight away (:class:`~campaign_me.intake.table._Column`), so the file's text is never
held as one Python string per cell. This path gives the same records, line numbers and messages as
the pure-Python reader in :mod:`~campaign_me.intake.readers`, and is taken only when that is certain:
UTF-8 text in which no quoted value spans lines (every line is one record), no NUL bytes and no
old-Mac line ends. Anything else, and any file smaller than :data:`MIN_BYTES`, is read by the
pure-Python reader, which reports stray quotes, encodings and malformed rows in detail.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import numpy as np

from campaign_me.intake.readers import _DELIMITERS, _Raw, _sniff
from campaign_me.intake.table import _Column, _compact_codes

#: Files at least this large (bytes) are read block-wise when they qualify; smaller ones by the
#: pure-Python reader, which is as fast for them.
MIN_BYTES = 8 * 2**20

#: More rows than this of another width than the header hand the file to the pure-Python reader.
MAX_BAD_ROWS = 10_000

_SCAN_BLOCK = 2**24  # bytes per block of the pre-scan
_ARROW_BLOCK = 2**22  # bytes per block of rows handed to pyarrow (larger blocks cost memory, not time)
_HEAD_BYTES = 2**20  # bytes searched for the header row


class _NotEligible(Exception):
    """The file needs the pure-Python reader (a quoted value across lines, an odd encoding, ...)."""


def _scan(path: Path) -> tuple[int, bool]:
    """Check the whole file block by block: (number of line feeds, whether the file ends with one).

    Raises _NotEligible on a NUL byte, a carriage return not followed by a line feed, an odd
    number of quote characters before a line feed (a quoted value spanning lines, or a stray quote),
    or a line longer than the csv module's field size limit (which the pure-Python reader reports).
    """
    parity = 0  # quote characters seen so far, mod 2
    newlines = 0
    last = b""
    pending_cr = False
    limit = csv.field_size_limit()  # the csv module refuses longer fields: leave such files to it
    line_start = 0  # file offset of the current line
    offset = 0
    with path.open("rb") as fh:
        while block := fh.read(_SCAN_BLOCK):
            if pending_cr and not block.startswith(b"\n"):
                raise _NotEligible("carriage return without line feed")
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
                # parity of the quotes before each line feed (uint8 wraps at 256: parity is kept)
                before = np.cumsum(quotes, dtype=np.uint8)[nl]
                if ((before + parity) & 1).any():
                    raise _NotEligible("a quoted value spans lines")
                parity = (parity + int(np.count_nonzero(quotes))) & 1
            elif parity and len(nl):
                raise _NotEligible("a quoted value spans lines")
            newlines += len(nl)
            ends = np.concatenate(([line_start - offset - 1], nl, [len(block)]))
            if len(ends) > 1 and int(np.diff(ends).max()) > limit:
                raise _NotEligible("a line longer than the csv module's field limit")
            if len(nl):
                line_start = offset + int(nl[-1]) + 1
            offset += len(block)
            last = block[-1:]
    if parity or pending_cr:
        raise _NotEligible("unterminated quote at the end of the file")
    return newlines, last == b"\n"


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
        newlines, ends_with_newline = _scan(path)
    except (_NotEligible, csv.Error):
        return None
    n = len(header)
    extra = width - n  # empty fields after the last column on every row
    bad: list[tuple[int, str]] = []

    def invalid(row: pacsv.InvalidRow) -> str:
        """Note a row of another width; "error" (pyarrow then stops reading) hands the file to the
        pure-Python reader. (An exception raised here would not reach read_csv_blocks.)"""
        if row.number is None:  # only known when reading on one thread, as here
            return "error"
        if len(bad) >= MAX_BAD_ROWS:  # many ragged rows: the pure-Python reader is as fast for them
            return "error"
        if row.actual_columns > n:
            try:
                fields = next(csv.reader([row.text], delimiter=delimiter), [])
            except csv.Error:
                return "error"
            if not any(f.strip() for f in fields[n:]):  # the pure-Python reader keeps such a row
                return "error"
        bad.append((header_line + row.number, row.text))
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
                    delimiter=delimiter, ignore_empty_lines=False, invalid_row_handler=invalid
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
    lines_after_header = newlines + (0 if ends_with_newline else 1) - header_line
    if rows + len(bad) != lines_after_header:
        return None  # records and lines do not pair up: let the pure-Python reader number them
    is_bad = np.zeros(lines_after_header, dtype=bool)
    for line, _ in bad:
        is_bad[line - header_line - 1] = True
    lines = np.arange(header_line + 1, header_line + 1 + lines_after_header, dtype=np.int64)[~is_bad]
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
    for line, text in bad:
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
