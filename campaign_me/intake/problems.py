"""The problem table: collecting problems while reading a file, masking personal data in it, and
formatting it for people (:func:`format_problems`, :func:`summarize_problems`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from campaign_me.codebook import Codebook
from campaign_me.errors import describe_values
from campaign_me.privacy import looks_like_pii as _looks_like_pii
from campaign_me.privacy import mask as _mask
from campaign_me.privacy import mask_text as _mask_text
from campaign_me.privacy import name_kind as _name_kind
from campaign_me.privacy import printable as _printable

if TYPE_CHECKING:
    from campaign_me.intake.columns import ColumnResolver

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


class ProblemLog:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[_Problem] = []
        self.row_unit = "rows are line numbers in the file (the header is line 1)"
        self.shape: tuple[int, int] = (0, 0)  # rows and columns of the data returned
        self.reported: dict[str, set[int]] = {}  # column -> rows already reported
        # Personal data is masked in the problem table: set by load_survey and _process.
        self.resolver: ColumnResolver | None = None
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


class FatalProblem(Exception):
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


def problem_line(p: dict[str, Any]) -> str:
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
        return "\n".join(f"  - {problem_line(p)}" for p in records)
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


def problem_summary(problems: pd.DataFrame) -> str:
    counts = problems["severity"].value_counts() if not problems.empty else pd.Series(dtype=int)
    parts = []
    for sev in ("error", "warning", "note"):
        n = int(counts.get(sev, 0))
        if n:
            parts.append(f"{n} {sev}{'s' * (n != 1)}")
    return ", ".join(parts) if parts else "no problems"


def error_message(file: str, codebook: Codebook | None, problems: pd.DataFrame, unit: str) -> str:
    errs = problems[problems["severity"] == "error"]
    rest = problems[problems["severity"] != "error"]
    cb = f" with codebook {codebook.source.name!r}" if codebook is not None and codebook.source else ""
    n = len(errs)
    lines = [f"cannot load {file!r}{cb}: {n} error{'s' * (n != 1)}; {unit}.", format_problems(errs)]
    if not rest.empty:
        lines += [f"Also {problem_summary(rest)}:", format_problems(rest)]
    lines.append('Pass errors="report" to get the data and the problem table.')
    return "\n".join(lines)


def summarize_problems(problems: pd.DataFrame) -> str:
    """Counts by severity: ``"2 errors, 1 warning, 2 notes"`` (``"no problems"`` for an empty table)."""
    return problem_summary(problems)
