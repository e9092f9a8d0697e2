"""Text patterns of numbers shared by the structure checks and the conversion."""

from __future__ import annotations

# Whole numbers, optionally with one trailing ".0" (pandas' to_csv writes 1 as "1.0"). "2.000" is refused:
# in a file with decimal commas it is two thousand.
_INT_RE = r"[+-]?\d+(?:\.0)?"

_NUM_RE = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
