"""The raw table as text columns: each column held once as integer codes into its distinct values.

A survey column holds few distinct values (a five-point item has six or seven), so a 2-million-row
file costs one or two bytes per cell here instead of a Python string reference per cell. Values are
stripped of surrounding spaces; blank cells have the code -1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def compact_codes(codes: np.ndarray, n_uniques: int) -> np.ndarray:
    """``codes`` in the smallest signed integer type that holds ``n_uniques`` values and -1."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_uniques < np.iinfo(dtype).max:
            return codes.astype(dtype, copy=False)
    return codes.astype(np.int64, copy=False)


def _stripped_codes(raw: Any) -> tuple[np.ndarray | None, pd.api.extensions.ExtensionArray]:
    """Distinct values as read (no value twice) -> (old code -> new code, the distinct stripped
    non-blank values); None for the first when no value changes (each keeps its code).

    Values equal once stripped of surrounding whitespace merge; blank values get the code -1. The
    work is done by pyarrow; only values that may have whitespace at an end are stripped in Python
    (``str.strip``, whose idea of whitespace intake has always used).
    """
    arr = raw if isinstance(raw, pa.Array) else pa.array(list(raw), type=pa.string())
    # A letter or digit at both ends: nothing to strip (no letter or digit is whitespace); blank values
    # have no first character.
    edge = pc.or_(
        pc.invert(pc.utf8_is_alnum(pc.utf8_slice_codeunits(arr, 0, 1))),
        pc.invert(pc.utf8_is_alnum(pc.utf8_slice_codeunits(arr, -1))),
    )
    at = np.flatnonzero(edge.to_numpy(zero_copy_only=False))
    if not len(at):  # nothing to strip, no blank: the values are distinct already
        return None, pd.array(arr, dtype="string")
    stripped = [v.strip() or None for v in arr.take(pa.array(at)).to_pylist()]
    arr = pc.replace_with_mask(arr, edge, pa.array(stripped, type=pa.string()))
    encoded = pc.dictionary_encode(arr)
    lut = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return lut, pd.array(encoded.dictionary, dtype="string")


@dataclasses.dataclass
class CodedColumn:
    codes: np.ndarray  # one code per row: index into ``uniques``, -1 for a blank cell
    uniques: Any  # a ``string`` array of the distinct stripped, non-blank values (each used by some row)

    @classmethod
    def from_cells(cls, cells: Sequence[str]) -> CodedColumn:
        """A column from its cells as read (unstripped text)."""
        codes, uniques = pd.factorize(np.asarray(cells, dtype=object))
        return cls.from_codes(codes, uniques)

    @classmethod
    def from_codes(cls, codes: np.ndarray, raw: Any) -> CodedColumn:
        """A column from codes into ``raw``, the distinct values as read (a sequence of text or a
        pyarrow string array): strips them, merges values equal once stripped, and gives blanks the
        code -1."""
        if len(raw) == 0:
            return cls(np.full(len(codes), -1, dtype=np.int8), pd.array([], dtype="string"))
        lut, uniques = _stripped_codes(raw)
        if lut is None:  # the values as they are
            return cls(compact_codes(np.asarray(codes), len(uniques)), uniques)
        lut = compact_codes(lut, len(uniques))
        return cls(lut[codes], uniques)

    def __len__(self) -> int:
        return len(self.codes)

    def present(self) -> np.ndarray:
        """Whether each row has a (non-blank) value."""
        return self.codes >= 0

    def value(self, row: int) -> str:
        """The stripped text of one row ("" when blank)."""
        code = self.codes[row]
        return "" if code < 0 else self.uniques[code]

    def isin(self, values: Iterable[str]) -> np.ndarray:
        """Per row: whether the value is one of ``values`` (blank cells never are)."""
        hit = np.append(np.asarray(self.uniques.isin(list(values)), dtype=bool), False)  # code -1 -> False
        return hit[self.codes]

    def take(self, rows: np.ndarray) -> CodedColumn:
        """The rows selected by a boolean mask or positions, with values no row uses dropped."""
        codes = self.codes[rows]
        used = np.bincount(codes[codes >= 0].astype(np.intp), minlength=len(self.uniques)) > 0
        if used.all():
            return CodedColumn(codes, self.uniques)
        lut = np.append(np.cumsum(used) - 1, -1)  # old code -> new code; -1 stays -1
        return CodedColumn(compact_codes(lut[codes], int(used.sum())), self.uniques[used])

    def values_at(self, rows: np.ndarray) -> list[Any]:
        """The text of the rows selected by a boolean mask (NA for blanks), as a list."""
        return self.uniques.take(self.codes[rows].astype(np.intp), allow_fill=True).tolist()

    def series(self) -> pd.Series:
        """A ``string`` Series of the stripped text, NA for blanks."""
        return pd.Series(self.uniques.take(self.codes.astype(np.intp), allow_fill=True))


class CodedColumns(MutableMapping[str, pd.Series]):
    """Named :class:`CodedColumn` s; ``columns[name]`` builds the ``string`` Series of one column on demand,
    so only the columns in use are ever held as text."""

    def __init__(self, names: Sequence[str], columns: Sequence[CodedColumn]) -> None:
        self._cols = dict(zip(names, columns))

    def column(self, name: str) -> CodedColumn:
        return self._cols[name]

    def __getitem__(self, name: str) -> pd.Series:
        return self._cols[name].series()

    def __setitem__(self, name: str, value: pd.Series) -> None:
        raise TypeError("the raw columns are read-only")

    def __delitem__(self, name: str) -> None:
        del self._cols[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cols)

    def __len__(self) -> int:
        return len(self._cols)

    def distinct(self, names: Mapping[str, str]) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """``(label, distinct values, their counts)`` of each column in ``{label: column name}``."""
        for label, name in names.items():
            col = self._cols[name]
            codes = col.codes[col.codes >= 0].astype(np.intp)
            yield label, col.uniques, np.bincount(codes, minlength=len(col.uniques))
