"""The conventions every layer shares: reporting settings and argument checks, defined once.

This module is the floor just above :mod:`campaign_me.errors`: it imports nothing else from the
package, so every layer (Core to Run) may use it.

Reporting settings
------------------
Four conventions decide how an estimate is reported, wherever it is computed (an indicator
table, a logframe tracking table, a chart, a country report, a lesson):

============  =========  ===============================================================
setting       default    meaning
============  =========  ===============================================================
``level``     ``0.95``   confidence level of every interval
``min_n``     ``25``     estimates from fewer unweighted respondents are suppressed
                         (shown as blank with a note), to protect respondents and
                         because such estimates are too unstable to report
``flag_n``    ``50``     estimates from fewer than this (but at least ``min_n``)
                         respondents are flagged "interpret with caution"
``df``        ``None``   degrees of freedom of the intervals: ``None`` is the design's
                         default (see :meth:`campaign_me.design.SurveyDesign.mean`),
                         ``"degf"`` R's ``degf(design)``, ``"design"``, or a number
============  =========  ===============================================================

The defaults follow common survey-reporting practice: 95% intervals, suppression below 25
unweighted cases and a caution flag below 50 (as in the DHS Program's Guide to DHS Statistics
and many national statistical offices); see ``docs/methodology.md`` for the reasoning.

:class:`Reporting` holds the four as one value, so a workbook or a report passes
``settings=`` once instead of threading four arguments through every call:

>>> s = Reporting(min_n=30)
>>> s
Reporting(level=0.95, min_n=30, flag_n=50, df=None)
>>> reporting(s, level=0.9)
Reporting(level=0.9, min_n=30, flag_n=50, df=None)

Argument checks
---------------
:func:`check_level`, :func:`check_whole`, :func:`check_choice` and :func:`did_you_mean` are the
one place where a confidence level, a whole number or a choice among names is checked, so the
same value is accepted (or refused, with the same message) everywhere:

>>> check_level(95)
Traceback (most recent call last):
...
campaign_me.errors.CampaignMeError: level=95 must be a number strictly between 0 and 1 (did you mean 0.95?)
>>> check_whole(385.0, argument="n")
385
>>> check_choice("bonferoni", ("holm", "bonferroni", "none"), argument="adjust")
Traceback (most recent call last):
...
campaign_me.errors.CampaignMeError: adjust='bonferoni' is not one of 'holm', 'bonferroni', 'none' (did you mean 'bonferroni'?)
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from campaign_me.errors import CampaignMeError

__all__ = [
    "LEVEL",
    "MIN_N",
    "FLAG_N",
    "DF",
    "Reporting",
    "reporting",
    "check_level",
    "check_whole",
    "check_number",
    "check_choice",
    "did_you_mean",
]

#: Default confidence level of every interval.
LEVEL: float = 0.95
#: Default minimum number of unweighted respondents behind a reported estimate.
MIN_N: int = 25
#: Default number of unweighted respondents below which an estimate is flagged.
FLAG_N: int = 50
#: Default degrees of freedom (``None``: the design's own default).
DF: Any = None

_DF_WORDS = ("degf", "design")


def did_you_mean(word: object, options: Iterable[object], *, cutoff: float = 0.6) -> str:
    """``" (did you mean 'x'?)"`` for the option closest to ``word``, or ``""`` if none is close.

    >>> did_you_mean("distrct", ["district", "sex"])
    " (did you mean 'district'?)"
    >>> did_you_mean("zzz", ["district", "sex"])
    ''
    """
    close = difflib.get_close_matches(str(word)[:200], [str(o) for o in options], n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_number(
    value: object,
    *,
    argument: str,
    minimum: float | None = None,
    maximum: float | None = None,
    error: type[Exception] = CampaignMeError,
) -> float:
    """A finite real number (Python or numpy; never a bool) within ``[minimum, maximum]``, as ``float``.

    >>> check_number(np.float32(1.5), argument="deff", minimum=1)
    1.5
    """
    if not _is_real(value) or not math.isfinite(float(value)):
        raise error(f"{argument}={value!r} must be a number")
    out = float(value)
    if minimum is not None and out < minimum:
        raise error(f"{argument}={value!r} must be at least {minimum:g}")
    if maximum is not None and out > maximum:
        raise error(f"{argument}={value!r} must be at most {maximum:g}")
    return out


def check_level(level: object, *, argument: str = "level", error: type[Exception] = CampaignMeError) -> float:
    """A confidence level strictly between 0 and 1 (Python or numpy number), as ``float``.

    A percentage such as ``95`` is refused with the proportion it probably meant.

    >>> check_level(np.float32(0.9))
    0.8999999761581421
    """
    if _is_real(level) and math.isfinite(float(level)) and 0 < float(level) < 1:
        return float(level)
    hint = ""
    if _is_real(level) and 1 < float(level) < 100:
        hint = f" (did you mean {float(level) / 100:g}?)"
    raise error(f"{argument}={level!r} must be a number strictly between 0 and 1{hint}")


def check_whole(
    value: object,
    *,
    argument: str,
    minimum: int | None = 0,
    maximum: int | None = None,
    error: type[Exception] = CampaignMeError,
) -> int:
    """A whole number (an int, a numpy integer or a whole float such as ``385.0``), as ``int``.

    >>> check_whole(np.int64(3), argument="clusters", minimum=1)
    3
    >>> check_whole(2.5, argument="clusters")
    Traceback (most recent call last):
    ...
    campaign_me.errors.CampaignMeError: clusters=2.5 must be a whole number
    """
    if not _is_real(value) or not math.isfinite(float(value)) or float(value) != math.floor(float(value)):
        raise error(f"{argument}={value!r} must be a whole number")
    out = int(value)
    if minimum is not None and out < minimum:
        raise error(f"{argument}={value!r} must be at least {minimum}")
    if maximum is not None and out > maximum:
        raise error(f"{argument}={value!r} must be at most {maximum}")
    return out


def check_choice(
    value: object,
    choices: Iterable[object],
    *,
    argument: str,
    error: type[Exception] = CampaignMeError,
) -> Any:
    """``value`` if it is one of ``choices``; otherwise an error listing them, with a "did you mean"."""
    options = list(choices)
    try:
        if value in options:
            return value
    except TypeError:  # unhashable or incomparable values are simply not among the choices
        pass
    listed = ", ".join(repr(o) for o in options)
    raise error(f"{argument}={value!r} is not one of {listed}{did_you_mean(value, options)}")


def _check_df(df: object, error: type[Exception]) -> object:
    if df is None or (isinstance(df, str) and df in _DF_WORDS):
        return df
    if isinstance(df, str):
        check_choice(df, (None, *_DF_WORDS), argument="df", error=error)
    return check_number(df, argument="df", minimum=0, error=error) if df != np.inf else math.inf


@dataclasses.dataclass(frozen=True)
class Reporting:
    """How estimates are reported: confidence level, suppression, caution flag, degrees of freedom.

    Every field is checked when the value is made, so a wrong setting fails where it is written
    (a notebook's Parameters cell, a report's command line), not deep inside a computation.

    >>> Reporting(level=95)
    Traceback (most recent call last):
    ...
    campaign_me.errors.CampaignMeError: level=95 must be a number strictly between 0 and 1 (did you mean 0.95?)
    >>> Reporting(min_n=60, flag_n=50)
    Traceback (most recent call last):
    ...
    campaign_me.errors.CampaignMeError: flag_n=50 must be at least min_n=60 (estimates below min_n are suppressed, those below flag_n flagged)
    """

    level: float = LEVEL
    min_n: int = MIN_N
    flag_n: int = FLAG_N
    df: Any = DF

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", check_level(self.level))
        object.__setattr__(self, "min_n", check_whole(self.min_n, argument="min_n", minimum=0))
        object.__setattr__(self, "flag_n", check_whole(self.flag_n, argument="flag_n", minimum=0))
        if self.flag_n < self.min_n:
            raise CampaignMeError(
                f"flag_n={self.flag_n} must be at least min_n={self.min_n} (estimates below min_n are "
                "suppressed, those below flag_n flagged)"
            )
        object.__setattr__(self, "df", _check_df(self.df, CampaignMeError))

    def replace(self, **changes: Any) -> Reporting:
        """A copy with some settings changed; ``None`` leaves a setting as it is (``df`` too: for the
        design's default df again, make a new ``Reporting``)."""
        return reporting(self, **changes)

    def as_kwargs(self) -> dict[str, Any]:
        """The settings as keyword arguments (``level``, ``min_n``, ``flag_n``, ``df``)."""
        return dataclasses.asdict(self)


def reporting(settings: Reporting | None = None, **overrides: Any) -> Reporting:
    """``settings`` (or the defaults) with the given overrides; ``None`` overrides are ignored.

    This is how a function that accepts both ``settings=`` and the older separate keywords
    (``level=``, ``min_n=``, ``flag_n=``) merges them: a keyword given explicitly wins.

    >>> reporting(level=None, min_n=30).min_n
    30
    """
    if settings is not None and not isinstance(settings, Reporting):
        raise CampaignMeError(
            f"settings={settings!r} must be a campaign_me.conventions.Reporting, e.g. Reporting(level=0.9)"
        )
    base = settings if settings is not None else Reporting()
    unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(Reporting)})
    if unknown:
        raise CampaignMeError(
            f"unknown reporting setting {unknown[0]!r}{did_you_mean(unknown[0], ['level', 'min_n', 'flag_n', 'df'])}"
        )
    changes = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(base, **changes) if changes else base
