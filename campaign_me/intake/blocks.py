"""Block-wise reading of large CSV files with pyarrow's streaming CSV reader.

A large file is read in blocks of rows; each block's columns become integer codes into the column's
distinct values straight away (:class:`~campaign_me.intake.table.CodedColumn`), so the file's text is never
held as one Python string per cell. This path gives the same records, line numbers and messages as
the pure-Python reader in :mod:`~campaign_me.intake.readers`, and is taken only when that is certain:
UTF-8 text whose quotes open values only at field starts (so that counting them tells which line
feeds lie inside quoted values), no NUL bytes, no old-Mac line ends, and records over several lines
that the csv module reads alike and would not take for a stray quote. Anything else, and any file
smaller than :data:`MIN_BYTES`, is read by the pure-Python reader, which reports stray quotes,
encodings and malformed rows in detail.

A file of at least twice :data:`PART_BYTES` is read in parts, one thread per core (at most
:data:`MAX_PARTS`): the pre-scan notes where records begin near the cut points, each thread parses
its part and dictionary-encodes its blocks in pyarrow (which runs without the GIL), and the calling
thread maps the codes, so that the parts' codes merge into one set of distinct values in file order.
"""

from __future__ import annotations

import codecs
import concurrent.futures
import contextlib
import csv
import dataclasses
import io
import itertools
import os
import queue
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from campaign_me.intake.readers import DELIMITERS, RawTable, sniff_delimiter, swallowed_field
from campaign_me.intake.table import CodedColumn, compact_codes

#: Files at least this large (bytes) are read block-wise when they qualify; smaller ones by the
#: pure-Python reader, which is as fast for them.
MIN_BYTES = 8 * 2**20

#: More rows than this of another width than the header hand the file to the pure-Python reader.
MAX_BAD_ROWS = 10_000

#: More line feeds than this inside quoted values hand the file to the pure-Python reader.
MAX_MULTILINE = 100_000

#: A file is read in parts of at least this many bytes, one thread each, at most MAX_PARTS of them and
#: no more than the cores the process may use.
PART_BYTES = 32 * 2**20
MAX_PARTS = 4

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
    # For each byte offset asked for (``targets``): the first line feed at or after it that ends a
    # record (not inside a quoted value), as (the offset of the byte after it, its ordinal).
    splits: list[tuple[int, int]] = dataclasses.field(default_factory=list)


def _scan(path: Path, delimiter: str, start: int, targets: Sequence[int] = ()) -> _Scan:
    """Check the whole file block by block and find the line feeds inside quoted values.

    A line feed is inside a quoted value when an odd number of quote characters precede it. That
    holds when every quote character that opens a value (an even number before it) stands at the
    start of a field (after the delimiter, a line feed or another quote, or at ``start``): a quote
    inside an unquoted value (``5"``) is text to the csv module, so such a file is left to it. Raises
    _NotEligible then, and on a NUL byte, a carriage return not followed by a line feed, a quote left
    open at the end of the file, more than :data:`MAX_MULTILINE` line feeds inside values, or a line
    longer than the csv module's field size limit (which the pure-Python reader reports).

    The first line feed that ends a record at or after each offset of ``targets`` (sorted) is noted in
    ``splits``: the file can be read in parts from there.
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
    splits: list[tuple[int, int]] = []
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
            at = np.flatnonzero(arr == 34)  # the quote characters
            if len(at):
                # the quotes up to and including each quote (1, 2, ...) and before each line feed: their
                # parity tells which quotes open a value and which line feeds lie inside one
                seen = np.arange(1, len(at) + 1)
                opening = at[((seen - 1 + parity) & 1) == 0]  # an even number of quotes before it
                before = np.where(opening > 0, arr[np.maximum(opening - 1, 0)], previous)
                if (
                    not np.isin(before, boundary).all()
                    and not (offset + opening[~np.isin(before, boundary)] == start).all()
                ):
                    raise _NotEligible("a quote inside an unquoted value")
                # A closing quote (or the first of a doubled quote) is followed by the delimiter, a line
                # end or a quote: text after it (``"ab"cd``) is joined to the value without the quotes,
                # which the pure-Python reader reports.
                closing = at[((seen - 1 + parity) & 1) == 1]
                inner = closing[closing + 1 < len(arr)]
                if not np.isin(arr[inner + 1], after_close).all():
                    raise _NotEligible("text after the closing quote of a quoted value")
                pending_close = len(closing) > 0 and int(closing[-1]) == len(arr) - 1
                odd = ((np.searchsorted(at, nl) + parity) & 1).astype(bool)
                parity = (parity + len(at)) & 1
            else:
                odd = np.full(len(nl), bool(parity))
                pending_close = False
            while len(splits) < len(targets) and len(nl):
                after = np.flatnonzero((nl >= targets[len(splits)] - offset) & ~odd)
                if not len(after):
                    break  # (in a later block)
                splits.append((offset + int(nl[after[0]]) + 1, newlines + int(after[0])))
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
        splits,
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
        delimiter = sniff_delimiter(codecs.getincrementaldecoder("utf-8")().decode(head[bom:]))
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


def _threads() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _parts(size: int) -> int:
    """In how many parts a file of ``size`` bytes is read (on as many threads)."""
    return max(1, min(_threads(), MAX_PARTS, size // PART_BYTES))


class _Slice(io.RawIOBase):
    """Bytes ``start`` to ``end`` of a file, as a stream (the part of the file one thread reads).

    pyarrow reads it through ``read_buffer``: blocks of the file in pyarrow's memory, never Python
    bytes objects (which, allocated on several threads, would leave the process holding memory).
    """

    def __init__(self, path: Path, start: int, end: int) -> None:
        self._file = pa.OSFile(str(path))
        self._file.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def read_buffer(self, size: int = -1) -> Any:
        size = self._left if size is None or size < 0 else min(size, self._left)
        buffer = self._file.read_buffer(max(size, 0))
        self._left -= buffer.size
        return buffer

    def readinto(self, buffer: Any) -> int:
        data = self.read_buffer(len(buffer))
        memoryview(buffer).cast("B")[: data.size] = memoryview(data).cast("B")
        return data.size

    def close(self) -> None:
        self._file.close()
        super().close()


class _Part:
    """What one part of a file read block-wise holds: per column, the codes of its blocks and the dict
    of the values they index (or the blocks' text, for columns with many distinct values), and the rows
    of another width."""

    def __init__(self, width: int) -> None:
        self.maps: list[dict[str, int]] = [{} for _ in range(width)]
        self.codes: list[list[np.ndarray]] = [[] for _ in range(width)]
        self.text: list[list[Any]] = [[] for _ in range(width)]
        self.bad: list[tuple[int, str]] = []  # (record, text)
        self.rows = 0
        self.error: BaseException | None = None

    def add(self, rows: int, arrays: list[Any]) -> None:
        """One block of rows: per column its text (a column kept as text) or its dictionary encoding."""
        self.rows += rows
        for i, array in enumerate(arrays):
            if not hasattr(array, "indices"):
                self.text[i].append(array)
                continue
            seen = self.maps[i]
            values = array.dictionary.to_pylist()
            lut = np.fromiter((seen.setdefault(v, len(seen)) for v in values), np.int64, len(values))
            lut = compact_codes(lut, len(seen))  # (the block's codes are made in that type)
            self.codes[i].append(lut[array.indices.to_numpy(zero_copy_only=False)])


def _merge(
    state: list[_Part], width: int
) -> tuple[list[dict[str, int]], list[list[np.ndarray]], list[list[Any]]]:
    """The parts' codes as codes into one dict per column (the values in the order they first occur in
    the file), and the text blocks in file order."""
    first = state[0]
    for part in state[1:]:
        for i in range(width):
            seen = first.maps[i]
            if part.maps[i]:
                lut = np.fromiter(
                    (seen.setdefault(v, len(seen)) for v in part.maps[i]), np.int64, len(part.maps[i])
                )
                lut = compact_codes(lut, len(seen))
                first.codes[i].extend(lut[c] for c in part.codes[i])
            first.text[i].extend(part.text[i])
            part.maps[i], part.codes[i], part.text[i] = {}, [], []
    return first.maps, first.codes, first.text


def read_csv_blocks(path: Path, size: int) -> RawTable | None:
    """Read a large CSV file block-wise into columns, or None when it needs the pure-Python reader."""
    if size < MIN_BYTES:
        return None
    try:
        delimiter, header, header_line, offset, width = _head(path)
        if len(header) < 2 or delimiter not in DELIMITERS:
            return None
        with path.open("rb") as fh:
            start = len(codecs.BOM_UTF8) if fh.read(3) == codecs.BOM_UTF8 else 0
        end = path.stat().st_size
        n_parts = _parts(end - offset)
        scan = _scan(
            path, delimiter, start, [offset + (end - offset) * k // n_parts for k in range(1, n_parts)]
        )
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

    names = [f"f{i}" for i in range(width)]
    # A large file is read in parts on as many threads as there are cores (pyarrow parses without the
    # GIL); each part starts on a line that begins a record, and the parts' codes are merged in order.
    starts, bases = [offset], [0]  # the byte each part starts at, and the records before it
    for at, ordinal in scan.splits:
        if starts[-1] < at < end:
            starts.append(at)
            bases.append(ordinal + 1 - header_line - int(np.searchsorted(scan.inside, ordinal)))
    ends = starts[1:] + [end]
    state = [_Part(width) for _ in starts]
    pool = pa.default_memory_pool()

    def invalid_rows(part: _Part, base: int) -> Any:
        def invalid(row: pacsv.InvalidRow) -> str:
            """Note a row of another width; "error" (pyarrow then stops reading) hands the file to the
            pure-Python reader. (An exception raised here would not reach read_csv_blocks.)"""
            if row.number is None:  # only known when reading on one thread, as each part is
                return "error"
            if sum(len(p.bad) for p in state) >= MAX_BAD_ROWS:  # the pure-Python reader is as fast
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
            part.bad.append((base + row.number - 1, row.text))
            return "skip"

        return invalid

    streams: list[Any] = []
    stop = threading.Event()  # a part failed: the others stop too

    def open_part(k: int) -> Any:
        streams.append(pa.PythonFile(_Slice(path, starts[k], ends[k]), mode="r"))
        return pacsv.open_csv(
            streams[-1],
            read_options=pacsv.ReadOptions(column_names=names, block_size=_ARROW_BLOCK, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                ignore_empty_lines=False,
                invalid_row_handler=invalid_rows(state[k], bases[k]),
                newlines_in_values=bool(len(spans)),
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    def encoded(batches: Any, text_columns: list[bool]) -> Any:
        """Per block of rows: (rows, per column its text or its dictionary encoding). Only pyarrow work,
        which runs without the GIL: the parts' threads do it, the calling thread maps the codes."""
        for batch in batches:
            if stop.is_set():
                return
            if batch.num_rows:
                arrays = [
                    batch.column(i) if text else pc.dictionary_encode(batch.column(i))
                    for i, text in enumerate(text_columns)
                ]
                yield batch.num_rows, arrays
            pool.release_unused()  # hand the block's parsing buffers back: keeps the peak low

    def produce(k: int, batches: Any, text_columns: list[bool]) -> None:
        try:
            for item in encoded(batches, text_columns):
                queue_.put((k, item))
        except BaseException as exc:  # (raised again below, on the calling thread)
            state[k].error = exc
            stop.set()
        finally:
            queue_.put((k, None))

    # Columns with few distinct values map each block's distinct values to codes through a dict; columns
    # with many (ids, free text), as the first block of rows shows, keep their blocks as text and are
    # dictionary-encoded at the end in pyarrow (one pass; the dictionary lists the values in the order
    # they first occur, as the dicts do). (Text encoded here is faster than pyarrow's dictionary
    # conversion while parsing.)
    text_columns = [False] * width
    queue_: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=2 * len(starts))  # (few blocks in memory)
    threads: list[threading.Thread] = []
    try:
        first_part = open_part(0)
        head_batches: list[Any] = []
        for batch in first_part:
            head_batches.append(batch)
            if batch.num_rows:
                limit = max(1000, batch.num_rows // 20)
                text_columns = [
                    len(pc.dictionary_encode(batch.column(i)).dictionary) > limit for i in range(width)
                ]
                break
        batches = itertools.chain(head_batches, first_part)
        if len(starts) == 1:
            for rows_, arrays in encoded(batches, text_columns):
                state[0].add(rows_, arrays)
        else:
            for k in range(len(starts)):
                args = (k, batches if k == 0 else open_part(k), text_columns)
                threads.append(threading.Thread(target=produce, args=args, daemon=True))
                threads[-1].start()
            running = len(threads)
            while running:
                k, item = queue_.get()
                if item is None:
                    running -= 1
                elif not stop.is_set():
                    state[k].add(*item)
    except BaseException as exc:
        state[0].error = exc
        stop.set()
    finally:
        while any(thread.is_alive() for thread in threads):  # (a thread may wait to hand over a block)
            with contextlib.suppress(queue.Empty):
                queue_.get(timeout=0.05)
        for thread in threads:
            thread.join()
        for stream in streams:
            stream.close()
    for part in state:
        if part.error is not None:
            if isinstance(part.error, (pa.ArrowException, OSError, UnicodeDecodeError)):
                return None  # e.g. invalid UTF-8: the pure-Python reader names the lines
            raise part.error
    rows = sum(part.rows for part in state)
    bad = [b for part in state for b in part.bad]
    maps, parts, chunks = _merge(state, width)
    if rows + len(bad) != n_records:
        return None  # records and lines do not pair up: let the pure-Python reader number them
    if len(spans) and not _multiline_records_read_alike(path, scan, spans, first_line, delimiter, header):
        return None
    is_bad = np.zeros(n_records, dtype=bool)
    for record, _ in bad:
        is_bad[record] = True
    lines = first_line(np.arange(n_records, dtype=np.int64))[~is_bad]

    def encode(i: int) -> Any:
        """The text of column ``i`` dictionary-encoded, one dictionary for all its blocks (pyarrow only:
        the columns are encoded on as many threads as the file was read on)."""
        encoded = pc.dictionary_encode(pa.chunked_array(chunks[i], type=pa.string()))
        chunks[i] = []
        if len({tuple(b.address for b in c.dictionary.buffers() if b) for c in encoded.chunks}) > 1:
            encoded = encoded.unify_dictionaries()  # (pyarrow gives every block the same one)
        return encoded

    def build(i: int, encoded: Any) -> CodedColumn:
        """Column ``i``: codes into its distinct values."""
        if encoded is not None:
            codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks])
            values = encoded.chunk(0).dictionary if encoded.num_chunks else []
        else:
            codes = np.concatenate(parts[i]) if parts[i] else np.zeros(0, dtype=np.int8)
            values = list(maps[i])
        parts[i], maps[i] = [], {}
        return CodedColumn.from_codes(codes, values)

    text = [i for i in range(width) if text_columns[i]]
    built: dict[int, CodedColumn] = {}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(starts)) as workers:
            pending = {i: workers.submit(encode, i) for i in text}
            for i in range(width):
                built[i] = build(i, pending.pop(i).result() if i in pending else None)
                pool.release_unused()  # (encoding a column takes memory for a moment)
    except pa.ArrowException:  # e.g. more than 2 GiB of distinct text in one column
        return None
    columns = [built.pop(i) for i in range(width)]
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
    raw = RawTable(header, header_line, [], "csv", delimiter=delimiter)
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
            end = (
                int(scan.positions[first + count - 1]) + 1
                if first + count - 1 < len(scan.positions)
                else None
            )
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
            if swallowed_field(text, starts, 1, count + 1, fields, delimiter, header) is not None:
                return False
    return True
