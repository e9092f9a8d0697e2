"""Text patterns of numbers and dates, and the matching of missing codes, shared by the codebook
check and intake's structure checks and conversion (one definition each).

This module imports nothing from campaign_me, so that both :mod:`campaign_me.codebook` and
:mod:`campaign_me.intake` (which imports the codebook) can use it. (It was
``campaign_me.intake._text``, a private module.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

# Whole numbers, optionally with one trailing ".0" (pandas' to_csv writes 1 as "1.0"). "2.000" is refused:
# in a file with decimal commas it is two thousand.
INT_RE = r"[+-]?\d+(?:\.0)?"

NUM_RE = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"

# A number written with a decimal comma: "1,5", "-0,25", "12,125" (but not "1,250" or "12,500,000",
# which may be thousands separators).
DECIMAL_COMMA_RE = r"[+-]?\d+,\d+"
THOUSANDS_COMMA_RE = r"[+-]?[1-9]\d{0,2}(?:,\d{3})+"

# A number whose "." may be a thousands separator: one to three digits (not a lone 0), a dot, three
# digits ("1.250", "12.500", "-999.000"). Read as a decimal unless the column writes decimals with ','.
DOT_THOUSANDS_RE = r"[+-]?[1-9]\d{0,2}\.\d{3}"

# The date part of an ISO 8601 value that has a day: "2025-03-31", "2025-3-31", "20250331", with or
# without a time after it. "2025" and "2025-03" parse as dates too (the 1st of January, of March):
# they have no day.
ISO_FULL_DATE_RE = r"[+-]?\d{4}(?:-\d{1,2}-\d{1,2}|\d{4})(?:[T ].*)?"

__all__ = [
    "INT_RE",
    "NUM_RE",
    "DECIMAL_COMMA_RE",
    "THOUSANDS_COMMA_RE",
    "DOT_THOUSANDS_RE",
    "ISO_FULL_DATE_RE",
    "missing_number",
    "missing_text",
    "data_number",
    "MissingCodes",
]

_INT_FULL = re.compile(INT_RE)
_NUM_FULL = re.compile(NUM_RE)


def missing_number(code: Any) -> float | None:
    """The number a missing code also matches in the data, or None.

    Whole-number codes match numerically, whether written as numbers or as text: ``-99``, ``"-99"``,
    ``"-99.0"``, ``"+5"`` and ``"01"`` all match the data values ``-99``/``-99.0``, ``5`` and ``1``.

    >>> [missing_number(c) for c in (-99, "01", "+5", "1.5", "N/A")]
    [-99.0, 1.0, 5.0, None, None]
    """
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        try:
            return float(code)
        except OverflowError:
            return None
    if isinstance(code, str) and _INT_FULL.fullmatch(code.strip()):
        return float(code.strip())
    return None


def missing_text(value: Any) -> str:
    """The text a missing code (or a data value) is matched by: stripped, lower case."""
    return str(value).strip().lower()


def data_number(value: str) -> float | None:
    """The number a data value (text as in the file) is when it is matched against missing codes."""
    text = value.strip()
    return float(text) if _NUM_FULL.fullmatch(text) else None


class MissingCodes:
    """The missing codes of a variable as intake matches them in the data.

    A data value is missing when its text, ignoring case and surrounding spaces, is a code's text, or
    when it is a number equal to a whole-number code (:func:`missing_number`). The codebook check
    (a missing code must not match a valid code) and the conversion both use this class.

    >>> codes = MissingCodes({-99: "Refused", "N/A": "Not applicable"})
    >>> [codes.code_of(v) for v in ("-99", "-99.0", "n/a", "99", "N/A ")]
    [-99, -99, 'N/A', None, 'N/A']
    """

    def __init__(self, codes: Iterable[Any]) -> None:
        self.by_text: dict[str, Any] = {}
        self.by_number: dict[float, Any] = {}
        for code in codes:
            self.by_text.setdefault(missing_text(code), code)
            number = missing_number(code)
            if number is not None:
                self.by_number.setdefault(number, code)

    def __bool__(self) -> bool:
        return bool(self.by_text)

    def matches(self, value: str) -> bool:
        """Whether the data value ``value`` (text as in the file) is one of the missing codes."""
        if missing_text(value) in self.by_text:
            return True
        if self.by_number:
            number = data_number(value)
            return number is not None and number in self.by_number
        return False

    def code_of(self, value: str) -> Any:
        """The missing code the data value ``value`` matches, or None."""
        text = missing_text(value)
        if text in self.by_text:
            return self.by_text[text]
        if self.by_number:
            number = data_number(value)
            if number is not None and number in self.by_number:
                return self.by_number[number]
        return None

    def mask(self, values: Any) -> Any:
        """Per value of a pandas ``string`` Series of stripped text: whether it is a missing code (the
        vectorised :meth:`matches`; NA is never missing). A boolean NumPy array."""
        mask = values.str.lower().isin(list(self.by_text)).fillna(False).to_numpy(dtype=bool, copy=True)
        if self.by_number:
            is_num = values.str.fullmatch(NUM_RE).fillna(False).to_numpy(dtype=bool)
            if is_num.any():
                numbers = np.full(len(values), np.nan)
                numbers[is_num] = np.array(values[is_num].tolist(), dtype=float)
                mask |= np.isin(numbers, list(self.by_number))
        return mask
