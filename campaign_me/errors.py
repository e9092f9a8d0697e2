"""Exception hierarchy and input-checking helpers.

Every error campaign_me raises on bad input derives from :class:`CampaignMeError`,
which subclasses :class:`ValueError`, so ``except ValueError`` keeps working for
callers that do not know the library. Messages name the argument, the column,
the offending rows and values, and, where there is one, the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from campaign_me.deferred import Deferred

np = Deferred("numpy")  # deferred: every module imports errors; `campaign-me --help` needs no numpy
pd = Deferred("pandas")  # deferred: about 0.5 s at import; only the message helpers need it

__all__ = [
    "CampaignMeError",
    "ColumnError",
    "DataError",
    "DesignError",
    "LonelyPSUError",
    "WeightingError",
    "ConvergenceError",
    "SamplingError",
    "PowerError",
    "IntakeError",
    "CodebookError",
    "IntakeWarning",
    "EstimationWarning",
    "describe_rows",
    "describe_labels",
    "describe_values",
    "require_columns",
]


class CampaignMeError(ValueError):
    """Base class of every error campaign_me raises on bad input."""


class ColumnError(CampaignMeError, KeyError):
    """A column named in an argument is not in the data."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


class DataError(CampaignMeError):
    """Values in the data are not what the computation needs."""


class DesignError(CampaignMeError):
    """The survey design is inconsistent (nesting, fpc, strata, PSUs)."""


class LonelyPSUError(DesignError):
    """A stratum has a single PSU and ``lonely_psu="fail"``."""


class WeightingError(CampaignMeError):
    """Weighting inputs (population counts, margins, classes) do not fit the data."""


class ConvergenceError(WeightingError):
    """An iterative weighting procedure did not converge."""


class SamplingError(CampaignMeError):
    """A sample cannot be drawn as asked (sizes, frame, measures of size)."""


class PowerError(CampaignMeError):
    """A sample-size or power calculation was asked something impossible."""


class IntakeError(CampaignMeError):
    """A data file does not fit its codebook or cannot be read."""


class CodebookError(IntakeError):
    """A codebook (YAML or XLSForm) or another YAML definition file is malformed; the message lists
    every problem."""


class IntakeWarning(UserWarning):
    """A survey file loaded, but something in it needs a look (see the problem table)."""


class EstimationWarning(UserWarning):
    """Some rows of an estimate table have no standard error or interval (see its ``note`` column).

    Raised once per table, naming the rows; every other row of the table is computed as usual.
    """


def describe_labels(index: pd.Index, positions: Iterable[int], *, limit: int = 10) -> str:
    """Format rows of a DataFrame for a message by their index *labels*, not their positions.

    A frame indexed by file line number (index name ``"line"``, as :func:`campaign_me.load_survey`
    returns) is described in lines: ``"lines 6, 16"``; any other index in rows: ``"rows 4, 14"``.

    Examples
    --------
    >>> describe_labels(pd.RangeIndex(5), [1, 3])
    'rows 1, 3'
    >>> describe_labels(pd.Index([2, 3, 4], name="line"), [0])
    'line 2'
    """
    labels = [index[int(p)] for p in positions]
    if not labels:
        return "no rows"
    word = "line" if index.name == "line" else "row"
    shown = ", ".join(str(v.item() if isinstance(v, np.generic) else v) for v in labels[:limit])
    more = f" (and {len(labels) - limit} more)" if len(labels) > limit else ""
    return f"{word}{'' if len(labels) == 1 else 's'} {shown}{more}"


def describe_rows(positions: Iterable[int], *, limit: int = 10, offset: int = 0) -> str:
    """Format row positions for an error message: ``"rows 3, 8, 12 (and 4 more)"``.

    ``offset`` is added to every position (e.g. to report 1-based or file line numbers).
    """
    pos = [int(p) + offset for p in positions]
    if not pos:
        return "no rows"
    shown = ", ".join(str(p) for p in pos[:limit])
    more = f" (and {len(pos) - limit} more)" if len(pos) > limit else ""
    word = "row" if len(pos) == 1 else "rows"
    return f"{word} {shown}{more}"


def describe_values(values: Iterable[object], *, limit: int = 5) -> str:
    """Format distinct offending values for an error message."""
    seen: list[object] = []
    for v in values:
        if v not in seen:
            seen.append(v)
    shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v) for v in seen[:limit])
    more = f", ... ({len(seen) - limit} more)" if len(seen) > limit else ""
    return shown + more


def require_columns(data: pd.DataFrame, columns: Sequence[str] | str, *, argument: str) -> list[str]:
    """Check that ``columns`` exist in ``data``; return them as a list.

    Raises :class:`ColumnError` naming the argument, the missing columns and the
    closest available names.
    """
    if isinstance(columns, str):
        cols = [columns]
    else:
        cols = list(columns)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        hints = []
        for m in missing:
            close = difflib.get_close_matches(str(m), [str(c) for c in data.columns], n=3)
            if close:
                hints.append(f"for {m!r} did you mean {', '.join(repr(c) for c in close)}?")
        hint = (" " + " ".join(hints)) if hints else ""
        raise ColumnError(
            f"{argument}: column(s) {', '.join(repr(m) for m in missing)} not in the data "
            f"(it has {len(data.columns)} columns).{hint}"
        )
    return cols
