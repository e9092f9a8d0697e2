r"""Sample selection from a frame: SRS, systematic, stratified, PPS, two-stage; random assignment.

Every selector takes the frame (a :class:`pandas.DataFrame`) as its only positional argument and the rest as
keywords, draws with ``seed`` (an ``int``, a :class:`numpy.random.Generator` or ``None``; the same integer
seed gives the same sample), never modifies the frame, and returns a copy of the selected rows, in frame order
and with the frame's index, plus two columns:

``inclusion_prob``
    the unit's first-order inclusion probability :math:`\pi_i` under the design;
``design_weight``
    the base (design) weight :math:`w_i = 1/\pi_i`.

:func:`pps_systematic` and :func:`two_stage` also add ``certainty`` (bool: taken with probability 1), and
:func:`two_stage` adds ``prob_stage1`` and ``prob_stage2``. :func:`assign` returns the whole frame with the
arm column and ``assignment_prob``. :func:`allocate` splits a total sample size between strata.

The module follows docs/methodology.md §5.7: stratify, select clusters with probability proportional to size
(PPS) systematically from a cumulated size list, take a fixed number of households per cluster, and weight by
the inverse of the product of the stage probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from campaign_me.conventions import check_whole
from campaign_me.errors import SamplingError, describe_rows, describe_values, require_columns

__all__ = [
    "allocate",
    "assign",
    "pps_systematic",
    "srs",
    "stratified",
    "systematic",
    "two_stage",
]

Seed: TypeAlias = int | np.random.Generator | None
Columns: TypeAlias = str | Sequence[str]
SizeSpec: TypeAlias = int | Mapping[Hashable, int] | pd.Series

_METHODS = ("proportional", "equal", "neyman", "optimal")
# Relative tolerance when deciding that n * M_i / M >= 1 (a certainty unit) in floating point.
_CERTAINTY_TOL = 1e-9


# ------------------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------------------


def _generator(seed: Seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise SamplingError(f"seed must be a non-negative integer, got {seed}")
        return np.random.default_rng(seed)
    raise SamplingError(
        f"seed must be an int, a numpy.random.Generator or None, got {type(seed).__name__} {seed!r}"
    )


def _check_frame(frame: object) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise SamplingError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if len(frame) == 0:
        raise SamplingError("frame has no rows; there is nothing to sample from")
    return frame


def _check_new_columns(frame: pd.DataFrame, names: Sequence[str], *, what: str = "the sample") -> None:
    clash = [c for c in names if c in frame.columns]
    if clash:
        listed = ", ".join(repr(c) for c in clash)
        raise SamplingError(
            f"frame already has column(s) {listed}, which {what} would overwrite; rename or drop them first "
            f"(e.g. frame.rename(columns={{{clash[0]!r}: {clash[0] + '_old'!r}}}))"
        )


def _label(key: object) -> str:
    if isinstance(key, np.generic):
        key = key.item()
    return repr(key)


def _rows(frame: pd.DataFrame, mask: np.ndarray) -> str:
    """Name the rows flagged by ``mask`` by their index labels."""
    labels = frame.index[np.asarray(mask, dtype=bool)]
    if pd.api.types.is_integer_dtype(labels.dtype):
        return describe_rows(labels.tolist())
    word = "row" if len(labels) == 1 else "rows"
    return f"{word} {describe_values(labels.tolist(), limit=10)}"


def _whole(value: object, *, argument: str, minimum: int = 0) -> int:
    """Validate a whole number (ints, or floats such as 385.0) and return it as ``int``.

    :func:`campaign_me.conventions.check_whole`, with the sampling hint for a fractional size.
    """
    try:
        return check_whole(value, argument=argument, minimum=minimum, error=SamplingError)
    except SamplingError as exc:
        fractional = (isinstance(value, (int, float, np.integer, np.floating))
                      and not isinstance(value, (bool, np.bool_)) and math.isfinite(value)
                      and value != math.floor(value))
        if not fractional:
            raise
        raise SamplingError(f"{exc}; round sample sizes up with math.ceil (docs/methodology.md §5 rounding "
                            "convention)") from None


class _Strata:
    """Stratum codes (0..H-1, order of first appearance), stratum keys and stratum sizes of a frame."""

    def __init__(self, frame: pd.DataFrame, strata: Columns | None, *, argument: str = "strata") -> None:
        if strata is None:
            self.columns: list[str] = []
            self.codes = np.zeros(len(frame), dtype=np.intp)
            self.keys: list[Hashable] = [None]
            self.sizes = np.array([len(frame)], dtype=np.int64)
            return
        cols = require_columns(frame, strata, argument=argument)
        if not cols:
            raise SamplingError(f"{argument} names no columns")
        if len(cols) == 1:
            missing = frame[cols[0]].isna().to_numpy()
        else:
            missing = frame[cols].isna().any(axis=1).to_numpy()
        if missing.any():
            raise SamplingError(
                f"{argument}: column(s) {', '.join(repr(c) for c in cols)} have missing values in "
                f"{_rows(frame, missing)}; every row needs a {'block' if argument == 'blocks' else 'stratum'}"
            )
        self.columns = cols
        if len(cols) == 1:  # fast path; same numbering (order of first appearance) as the groupby below
            codes, uniques = pd.factorize(frame[cols[0]], sort=False)
            self.codes = np.asarray(codes, dtype=np.intp)
            self.keys = list(uniques.tolist())
            self.sizes = np.bincount(self.codes, minlength=len(self.keys)).astype(np.int64)
        else:
            grouped = frame.groupby(cols, sort=False, observed=True)
            self.codes = grouped.ngroup().to_numpy(dtype=np.intp)
            size = grouped.size()
            self.keys = size.index.tolist()
            self.sizes = size.to_numpy(dtype=np.int64)

    @property
    def stratified(self) -> bool:
        return bool(self.columns)

    def where(self, h: int) -> str:
        return f"stratum {_label(self.keys[h])}" if self.stratified else "frame"


def _per_stratum(
    n: object, strata: _Strata, *, argument: str, noun: str = "units", minimum: int = 0
) -> np.ndarray:
    """Turn ``n`` (a whole number, or a mapping stratum -> number) into one size per stratum, checked."""
    if isinstance(n, (Mapping, pd.Series)):
        if not strata.stratified:
            raise SamplingError(f"{argument} is a mapping but no strata were given; pass a whole number")
        given = dict(n.items())
        known = set(strata.keys)
        extra = [k for k in given if k not in known]
        absent = [k for k in strata.keys if k not in given]
        if extra:
            raise SamplingError(
                f"{argument} names strata that are not in the frame: {describe_values(extra)} "
                f"(the strata are {describe_values(strata.keys)})"
            )
        if absent:
            raise SamplingError(
                f"{argument} has no entry for {len(absent)} stratum/strata: {describe_values(absent)}; "
                "give a size for every stratum (0 to skip one)"
            )
        sizes = np.array(
            [_whole(given[k], argument=f"{argument}[{_label(k)}]", minimum=0) for k in strata.keys],
            dtype=np.int64,
        )
    else:
        value = _whole(n, argument=argument, minimum=minimum)
        sizes = np.full(len(strata.keys), value, dtype=np.int64)
    too_big = np.flatnonzero(sizes > strata.sizes)
    if too_big.size:
        h = int(too_big[0])
        where = strata.where(h)
        more = f" (and {too_big.size - 1} more strata)" if too_big.size > 1 else ""
        have = f"{strata.sizes[h]} {noun if strata.sizes[h] != 1 else noun.rstrip('s')}"
        asked = f"{sizes[h]} {'were' if sizes[h] != 1 else 'was'} requested"
        raise SamplingError(
            f"{where} has {have} but {asked}{more}; "
            "a sample without replacement cannot be larger than its frame"
        )
    return sizes


def _rank_within(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random rank (0, 1, ...) of every element within its group: a random permutation per group."""
    keys = rng.random(codes.size)
    order = np.lexsort((keys, codes))
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, codes.size]))
    ranks = np.empty(codes.size, dtype=np.int64)
    ranks[order] = np.arange(codes.size) - group_start
    return ranks


def _result(frame: pd.DataFrame, selected: np.ndarray, prob: np.ndarray, **extra: np.ndarray) -> pd.DataFrame:
    """Copy of the selected rows (frame order) with inclusion_prob, design_weight and extra columns."""
    positions = np.flatnonzero(selected)
    p = np.asarray(prob, dtype=float)[positions]
    new = {name: np.asarray(values)[positions] for name, values in extra.items()}
    new["inclusion_prob"] = p
    new["design_weight"] = 1.0 / p
    rows = frame.iloc[positions]
    if isinstance(frame.columns, pd.MultiIndex):
        out = rows.copy()
        for name, values in new.items():
            out[name] = values
        return out
    return pd.concat([rows, pd.DataFrame(new, index=rows.index)], axis=1)


def _measure_of_size(frame: pd.DataFrame, size: str, *, argument: str = "size") -> np.ndarray:
    """The measure-of-size column as floats, checked to be numeric, present, finite and positive."""
    require_columns(frame, size, argument=argument)
    col = frame[size]
    if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        raise SamplingError(
            f"{argument}: column {size!r} must be numeric (it has dtype {col.dtype}); it holds the measure "
            "of size, e.g. the number of households in each cluster"
        )
    values = col.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise SamplingError(
            f"{argument}: column {size!r} has {int(bad.sum())} missing or infinite measure(s) of size "
            f"({_rows(frame, bad)}); every unit needs a measure of size > 0"
        )
    bad = values <= 0
    if bad.any():
        raise SamplingError(
            f"{argument}: column {size!r} has {int(bad.sum())} non-positive measure(s) of size "
            f"({_rows(frame, bad)}: {describe_values(col.iloc[np.flatnonzero(bad)].tolist())}); "
            "measures of size must be > 0 "
            "(drop empty units from the frame or give them a small positive size)"
        )
    return values


# ------------------------------------------------------------------------------------------------------------
# Simple random and systematic sampling
# ------------------------------------------------------------------------------------------------------------


def srs(
    frame: pd.DataFrame,
    *,
    n: SizeSpec | None = None,
    fraction: float | None = None,
    seed: Seed = None,
    strata: Columns | None = None,
) -> pd.DataFrame:
    r"""Simple random sample without replacement, optionally within strata.

    Parameters
    ----------
    frame : DataFrame
        The sampling frame, one row per unit. It is not modified.
    n : int or mapping, optional
        Sample size. Without ``strata`` the total; with ``strata`` an ``int`` is the size **in every
        stratum**, and a mapping (or Series) gives the size per stratum (keys are stratum values, tuples
        when ``strata`` names several columns). To split a total between strata, use :func:`stratified`.
    fraction : float, optional
        Sampling fraction in (0, 1], applied to the frame or to every stratum; the size is
        ``ceil(fraction * N_h)`` (docs/methodology.md §5: round up once at the end). Give exactly one of ``n`` and
        ``fraction``.
    seed : int, numpy.random.Generator or None
        Source of randomness. The same integer gives the same sample; a Generator is advanced.
    strata : str or list of str, optional
        Column(s) defining strata; samples are drawn independently in each.

    Returns
    -------
    DataFrame
        The selected rows (a copy, frame order, original index) with ``inclusion_prob`` (``n_h / N_h``) and
        ``design_weight`` (``N_h / n_h``).

    Raises
    ------
    SamplingError
        If both or neither of ``n`` and ``fraction`` are given, a size exceeds its stratum, or a stratum
        value is missing.
    ColumnError
        If a ``strata`` column is not in the frame.

    Notes
    -----
    Every subset of size :math:`n_h` of stratum :math:`h` is equally likely, so
    :math:`\pi_i = n_h / N_h` and the weights of each stratum sum to :math:`N_h` exactly (Cochran 1977,
    ch. 2 and 5; Lohr 2019, ch. 2 and 3). Units are ordered by independent uniform keys and the
    :math:`n_h` smallest are taken.

    Examples
    --------
    >>> import pandas as pd
    >>> from campaign_me.sampling import srs
    >>> frame = pd.DataFrame({"hh": range(100), "region": ["North"] * 60 + ["South"] * 40})
    >>> sample = srs(frame, n=10, seed=1)
    >>> len(sample), float(sample["design_weight"].sum())
    (10, 100.0)
    >>> by_region = srs(frame, n={"North": 6, "South": 2}, strata="region", seed=1)
    >>> by_region.groupby("region")["design_weight"].sum().to_dict()
    {'North': 60.0, 'South': 40.0}
    """
    frame = _check_frame(frame)
    rng = _generator(seed)
    _check_new_columns(frame, ["inclusion_prob", "design_weight"])
    st = _Strata(frame, strata)
    if (n is None) == (fraction is None):
        raise SamplingError("give exactly one of n (a sample size) and fraction (a sampling fraction)")
    if fraction is not None:
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.integer, np.floating)):
            raise SamplingError(f"fraction must be a number in (0, 1], got {fraction!r}")
        if not 0 < fraction <= 1:
            raise SamplingError(f"fraction must be in (0, 1], got {fraction!r}")
        # The small tolerance keeps float noise (0.1 * 30 = 3.0000000000000004) from rounding up a whole unit.
        sizes = np.minimum(np.ceil(fraction * st.sizes - 1e-9), st.sizes).astype(np.int64)
    else:
        sizes = _per_stratum(n, st, argument="n")
    ranks = _rank_within(st.codes, rng)
    selected = ranks < sizes[st.codes]
    prob = sizes[st.codes] / st.sizes[st.codes]
    return _result(frame, selected, prob)


def systematic(
    frame: pd.DataFrame,
    *,
    n: int,
    seed: Seed = None,
    sort_by: Columns | None = None,
) -> pd.DataFrame:
    r"""Systematic sample of exactly ``n`` units with a random start and a (possibly fractional) interval.

    Parameters
    ----------
    frame : DataFrame
        The sampling frame, one row per unit, listed in the order to walk. It is not modified.
    n : int
        Sample size, 1 <= n <= N.
    seed : int, numpy.random.Generator or None
        Source of randomness (the random start).
    sort_by : str or list of str, optional
        Column(s) to sort the frame by (stable sort, missing values last) before walking it; sorting by a
        variable related to the outcome gives implicit stratification. By default the frame's own order.

    Returns
    -------
    DataFrame
        The selected rows (a copy, frame order, original index) with ``inclusion_prob`` = ``n / N`` and
        ``design_weight`` = ``N / n``.

    Notes
    -----
    With interval :math:`k = N/n` (not rounded) and a random start :math:`r \sim U[0, k)`, the units at
    list positions :math:`\lfloor r + jk \rfloor`, :math:`j = 0, \dots, n-1`, are taken. Since
    :math:`k \ge 1` every unit is hit at most once, exactly ``n`` units are taken and each has
    :math:`\pi_i = 1/k = n/N` (the fractional-interval method; Cochran 1977, ch. 8; Lohr 2019, ch. 2).
    Systematic samples have no unbiased design-based variance estimator; treating them as SRS is the usual,
    conservative approximation when the list order is unrelated to the outcome.

    Examples
    --------
    >>> import pandas as pd
    >>> from campaign_me.sampling import systematic
    >>> frame = pd.DataFrame({"dwelling": range(1, 48)})
    >>> sample = systematic(frame, n=5, seed=3)
    >>> len(sample), float(sample["inclusion_prob"].iloc[0])
    (5, 0.10638297872340426)
    """
    frame = _check_frame(frame)
    rng = _generator(seed)
    _check_new_columns(frame, ["inclusion_prob", "design_weight"])
    big_n = len(frame)
    size = _whole(n, argument="n", minimum=1)
    if size > big_n:
        raise SamplingError(f"frame has {big_n} units but n={size} were requested")
    if sort_by is not None:
        cols = require_columns(frame, sort_by, argument="sort_by")
        order = frame.reset_index(drop=True).sort_values(cols, kind="stable").index.to_numpy()
    else:
        order = np.arange(big_n)
    start = rng.random()
    hits = np.floor((start + np.arange(size)) * big_n / size).astype(np.int64)
    hits = np.minimum(hits, big_n - 1)  # guard against float rounding at the very end of the list
    selected = np.zeros(big_n, dtype=bool)
    selected[order[hits]] = True
    return _result(frame, selected, np.full(big_n, size / big_n))


# ------------------------------------------------------------------------------------------------------------
# Allocation and stratified sampling
# ------------------------------------------------------------------------------------------------------------


def _by_stratum(
    value: object, keys: list[Hashable], *, argument: str, positive: bool = False, allow_scalar: bool = True
) -> np.ndarray:
    """Align a per-stratum input (mapping, Series or scalar) to ``keys`` as floats, checked."""
    if isinstance(value, (Mapping, pd.Series)):
        given = dict(value.items())
        extra = [k for k in given if k not in set(keys)]
        absent = [k for k in keys if k not in given]
        if extra:
            raise SamplingError(
                f"{argument} names strata that are not in the population: {describe_values(extra)} "
                f"(the strata are {describe_values(keys)})"
            )
        if absent:
            raise SamplingError(f"{argument} has no value for stratum/strata {describe_values(absent)}")
        raw = [given[k] for k in keys]
    elif (
        allow_scalar
        and isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, (bool, np.bool_))
    ):
        raw = [value] * len(keys)
    else:
        raise SamplingError(
            f"{argument} must be a mapping (or Series) from stratum to value, got {type(value).__name__}"
        )
    try:
        out = np.array(raw, dtype=float)
    except (TypeError, ValueError):
        raise SamplingError(f"{argument} must hold numbers, got {describe_values(raw)}") from None
    bad = ~np.isfinite(out) | (out <= 0 if positive else out < 0)
    if bad.any():
        need = "> 0" if positive else ">= 0"
        where = describe_values([keys[i] for i in np.flatnonzero(bad)])
        raise SamplingError(
            f"{argument} must be finite and {need}; strata {where} have {describe_values(out[bad].tolist())}"
        )
    return out


def _water_fill(weight: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """Real allocation x_h = clip(lam * w_h, lo_h, hi_h) with sum x_h = n (assumes sum lo <= n <= sum hi)."""
    if n <= lo.sum():
        return lo.astype(float)
    if n >= hi.sum():
        return hi.astype(float)
    pos = weight > 0
    breaks = np.unique(np.r_[lo[pos] / weight[pos], hi[pos] / weight[pos]])

    def total(lam: float) -> float:
        return float(np.clip(lam * weight, lo, hi).sum())

    totals = np.array([total(b) for b in breaks])
    k = int(np.searchsorted(totals, n, side="left"))  # first breakpoint whose total reaches n
    if k >= breaks.size:  # pragma: no cover - excluded by the capacity check in allocate()
        raise SamplingError("internal error: allocation could not be solved")
    lower = breaks[k - 1] if k > 0 else 0.0
    mid = (lower + breaks[k]) / 2
    free = pos & (lo < mid * weight) & (mid * weight < hi)
    if not free.any():
        return np.clip(breaks[k] * weight, lo, hi)
    fixed = np.clip(mid * weight, lo, hi)[~free].sum()
    lam = (n - fixed) / weight[free].sum()
    return np.clip(lam * weight, lo, hi)


def _largest_remainder(x: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """Round ``x`` (sum n) to integers summing to n: floors, +1 for the largest remainders (ties: order)."""
    base = np.floor(x + 1e-9).astype(np.int64)
    base = np.minimum(base, hi.astype(np.int64))
    short = n - int(base.sum())
    if short > 0:
        frac = np.where(base < hi, x - base, -np.inf)
        order = np.argsort(-frac, kind="stable")
        base[order[:short]] += 1
    return base


def allocate(
    population_sizes: Mapping[Hashable, float] | pd.Series,
    n: int,
    *,
    method: Literal["proportional", "equal", "neyman", "optimal"] = "proportional",
    sd: Mapping[Hashable, float] | pd.Series | float | None = None,
    cost: Mapping[Hashable, float] | pd.Series | float | None = None,
    minimum: int | Mapping[Hashable, int] = 0,
    maximum: int | Mapping[Hashable, int] | None = None,
) -> pd.Series:
    r"""Allocate a total sample size between strata, as whole numbers that sum exactly to ``n``.

    Parameters
    ----------
    population_sizes : mapping or Series
        Stratum -> population size :math:`N_h` (units, or for cluster samples the clusters). Order is kept.
    n : int
        Total sample size.
    method : {"proportional", "equal", "neyman", "optimal"}
        Allocation rule: :math:`n_h \propto N_h` (proportional), equal, :math:`N_h S_h` (Neyman) or
        :math:`N_h S_h / \sqrt{c_h}` (optimal for a linear cost :math:`C = c_0 + \sum c_h n_h`).
    sd : mapping, Series or float, optional
        Stratum standard deviations :math:`S_h` of the key outcome (from a previous survey or a pilot);
        required by ``"neyman"`` and ``"optimal"``.
    cost : mapping, Series or float, optional
        Cost per interview :math:`c_h` (> 0); required by ``"optimal"``.
    minimum : int or mapping
        Smallest sample per stratum (e.g. 2 so that every stratum allows a variance estimate). A stratum with
        fewer units than the minimum is taken whole.
    maximum : int or mapping, optional
        Largest sample per stratum, on top of the stratum's population size.

    Returns
    -------
    Series
        Integer sample size per stratum (index as in ``population_sizes``, name ``"n"``), summing to ``n``.

    Raises
    ------
    SamplingError
        If ``n`` is below the minimums or above the population (or the maximums), if ``sd`` or ``cost`` is
        missing for the method (or given for a method that does not use it), or if inputs are negative.

    Notes
    -----
    With weights :math:`a_h` (:math:`N_h`, 1, :math:`N_h S_h` or :math:`N_h S_h/\sqrt{c_h}`), lower bounds
    :math:`l_h = \min(\text{minimum}, u_h)` and upper bounds :math:`u_h = \min(\lfloor N_h \rfloor,
    \text{maximum})`, the real-valued allocation is

    .. math:: x_h = \min\{u_h, \max(l_h, \lambda a_h)\}, \quad \lambda \text{ such that } \sum_h x_h = n,

    which is Cochran's rule of giving an over-allocated stratum all its units and re-allocating the rest
    among the others (Cochran 1977, ch. 5; Lohr 2019, ch. 3). It is rounded by the largest-remainder
    (Hamilton) method: every :math:`x_h` is rounded down and the units left over go to the strata with the
    largest fractional parts; ties go to the stratum listed first. The result never leaves
    :math:`[l_h, u_h]`.

    Examples
    --------
    Neyman allocation of 60 interviews, with :math:`N_h S_h` = 3000, 4000, 3000:

    >>> from campaign_me.sampling import allocate
    >>> sizes = {"North": 100, "Centre": 200, "South": 300}
    >>> allocate(sizes, 60, method="neyman", sd={"North": 30, "Centre": 20, "South": 10}).to_dict()
    {'North': 18, 'Centre': 24, 'South': 18}
    >>> allocate(sizes, 7).tolist()
    [1, 2, 4]
    """
    if isinstance(population_sizes, pd.Series):
        if population_sizes.index.has_duplicates:
            dup = population_sizes.index[population_sizes.index.duplicated()].tolist()
            raise SamplingError(f"population_sizes has duplicate strata: {describe_values(dup)}")
        index = population_sizes.index
    elif isinstance(population_sizes, Mapping):
        index = pd.Index(list(population_sizes.keys()))
    else:
        raise SamplingError(
            "population_sizes must be a mapping or Series from stratum to population size, "
            f"got {type(population_sizes).__name__}"
        )
    keys = index.tolist()
    if not keys:
        raise SamplingError("population_sizes is empty; give at least one stratum")
    pop = _by_stratum(population_sizes, keys, argument="population_sizes")
    total = _whole(n, argument="n", minimum=0)
    if method not in _METHODS:
        raise SamplingError(f"method must be one of {', '.join(repr(m) for m in _METHODS)}, got {method!r}")
    if sd is not None and method not in ("neyman", "optimal"):
        raise SamplingError(f"sd is used only by method='neyman' or 'optimal', not {method!r}")
    if cost is not None and method != "optimal":
        raise SamplingError(f"cost is used only by method='optimal', not {method!r}")
    if method in ("neyman", "optimal") and sd is None:
        raise SamplingError(
            f"method={method!r} needs sd, the standard deviation of the key outcome in each stratum "
            "(from a previous survey or pilot)"
        )
    if method == "optimal" and cost is None:
        raise SamplingError(
            "method='optimal' needs cost, the cost per interview in each stratum "
            "(with equal costs it is method='neyman')"
        )

    hi = np.floor(pop)
    if maximum is not None:
        hi = np.minimum(hi, _int_by_stratum(maximum, keys, argument="maximum"))
    low = _int_by_stratum(minimum, keys, argument="minimum")
    if maximum is not None:
        clash = [keys[i] for i in np.flatnonzero(_int_by_stratum(maximum, keys, argument="maximum") < low)]
        if clash:
            raise SamplingError(f"maximum is below minimum in stratum/strata {describe_values(clash)}")
    lo = np.minimum(low, hi)
    if total < lo.sum():
        per = f"minimum={minimum}" if not isinstance(minimum, Mapping) else "the minimums"
        raise SamplingError(
            f"n={total} is too small for {per} in each of {len(keys)} strata (needs at least {int(lo.sum())})"
        )
    if total > hi.sum():
        what = "the population" if maximum is None else "the population and maximum allow"
        raise SamplingError(
            f"n={total} exceeds {what}: at most {int(hi.sum())} units can be taken from "
            f"{len(keys)} strata without replacement"
        )

    if method == "proportional":
        weight = pop.copy()
    elif method == "equal":
        weight = np.ones(len(keys))
    else:
        sds = _by_stratum(sd, keys, argument="sd")
        weight = pop * sds
        if method == "optimal":
            weight = weight / np.sqrt(_by_stratum(cost, keys, argument="cost", positive=True))
    capacity = np.where(weight > 0, hi, lo).sum()
    if total > capacity:
        zero = [keys[i] for i in np.flatnonzero((weight == 0) & (hi > lo))]
        raise SamplingError(
            f"n={total} exceeds the {int(capacity)} units that the strata with a positive allocation weight "
            f"can hold; strata {describe_values(zero)} have weight 0 (sd = 0 or no population) and get only "
            "their minimum; raise minimum for them or lower n"
        )
    real = _water_fill(weight, lo, hi, total)
    out = _largest_remainder(real, hi, total)
    return pd.Series(out, index=index, name="n", dtype=np.int64)


def _int_by_stratum(value: object, keys: list[Hashable], *, argument: str) -> np.ndarray:
    if isinstance(value, (Mapping, pd.Series)):
        arr = _by_stratum(value, keys, argument=argument)
        for k, v in zip(keys, arr):
            _whole(v, argument=f"{argument}[{_label(k)}]")
        return arr
    return np.full(len(keys), float(_whole(value, argument=argument)))


def stratified(
    frame: pd.DataFrame,
    *,
    strata: Columns,
    n: SizeSpec,
    method: Literal["proportional", "equal", "neyman", "optimal"] = "proportional",
    sd: Mapping[Hashable, float] | pd.Series | float | None = None,
    cost: Mapping[Hashable, float] | pd.Series | float | None = None,
    minimum: int = 0,
    seed: Seed = None,
) -> pd.DataFrame:
    """Stratified simple random sample: allocate ``n`` between strata, then draw an SRS in each.

    Parameters
    ----------
    frame : DataFrame
        The sampling frame, one row per unit. It is not modified.
    strata : str or list of str
        Column(s) defining strata. Keys of mappings are stratum values (tuples for several columns).
    n : int or mapping
        Total sample size, allocated by :func:`allocate` with ``method``, ``sd``, ``cost`` and ``minimum``;
        or a mapping stratum -> size used as given (then ``sd``, ``cost`` and ``minimum`` must be left out).
    method, sd, cost, minimum
        As in :func:`allocate`; stratum sizes :math:`N_h` are counted in the frame.
    seed : int, numpy.random.Generator or None
        Source of randomness.

    Returns
    -------
    DataFrame
        The selected rows (a copy, frame order, original index) with ``inclusion_prob`` = :math:`n_h/N_h` and
        ``design_weight`` = :math:`N_h/n_h`.

    Notes
    -----
    See :func:`allocate` for the allocation (Cochran 1977, ch. 5; Lohr 2019, ch. 3). The weights of each
    stratum sum to :math:`N_h`, so the weights sum to the frame size :math:`N`.

    Examples
    --------
    >>> import pandas as pd
    >>> from campaign_me.sampling import stratified
    >>> frame = pd.DataFrame({"region": ["North"] * 100 + ["Centre"] * 200 + ["South"] * 300})
    >>> sample = stratified(frame, strata="region", n=60, method="neyman",
    ...                     sd={"North": 30, "Centre": 20, "South": 10}, seed=7)
    >>> sample["region"].value_counts(sort=False).to_dict()
    {'North': 18, 'Centre': 24, 'South': 18}
    >>> float(sample["design_weight"].sum())
    600.0
    """
    frame = _check_frame(frame)
    rng = _generator(seed)
    _check_new_columns(frame, ["inclusion_prob", "design_weight"])
    st = _Strata(frame, strata)
    if isinstance(n, (Mapping, pd.Series)):
        if sd is not None or cost is not None or minimum != 0:
            raise SamplingError(
                "n is a mapping of stratum sizes, so sd, cost and minimum would be ignored; "
                "pass a total n to have it allocated, or drop sd/cost/minimum"
            )
        sizes = _per_stratum(n, st, argument="n")
    else:
        pop = pd.Series(st.sizes, index=pd.Index(st.keys, tupleize_cols=False), dtype=np.int64)
        alloc = allocate(pop, _whole(n, argument="n"), method=method, sd=sd, cost=cost, minimum=minimum)
        sizes = alloc.to_numpy(dtype=np.int64)
        # an allocation that leaves a stratum out is undercoverage; a mapping with 0 is deliberate
        empty = np.flatnonzero((sizes == 0) & (st.sizes > 0))
        if len(empty):
            names = ", ".join(f"{_label(st.keys[h])} ({int(st.sizes[h])} units)" for h in empty[:5])
            raise SamplingError(
                f"stratum {names} would get no sampled units, so the sample could not represent "
                f"{'it' if len(empty) == 1 else 'them'} (the weights would not add up to the frame); pass "
                "minimum=1 or more, give n per stratum, or remove such strata from the frame on purpose"
            )
    ranks = _rank_within(st.codes, rng)
    selected = ranks < sizes[st.codes]
    prob = sizes[st.codes] / st.sizes[st.codes]
    return _result(frame, selected, prob)


# ------------------------------------------------------------------------------------------------------------
# PPS systematic sampling and two-stage samples
# ------------------------------------------------------------------------------------------------------------


def _pps_probabilities(
    sizes: np.ndarray, n: int, *, certainty: bool, where: str, offenders: Callable[[np.ndarray], str]
) -> tuple[np.ndarray, np.ndarray]:
    """Inclusion probabilities of PPS sampling with iterative certainty selection; returns (pi, certain)."""
    certain = np.zeros(sizes.size, dtype=bool)
    if n == 0:
        return np.zeros(sizes.size), certain
    while True:
        rest = ~certain
        n_rest = n - int(certain.sum())
        if n_rest == 0:
            break
        ratio = n_rest * sizes / sizes[rest].sum()
        big = rest & (ratio >= 1 - _CERTAINTY_TOL)
        if not certainty:
            over = rest & (ratio > 1 + _CERTAINTY_TOL)
            if over.any():
                raise SamplingError(
                    f"{where}: {int(over.sum())} unit(s) have n*M_i/M > 1 ({offenders(over)}), so their "
                    "inclusion probability would exceed 1; use certainty=True to take them with "
                    "probability 1, split them into segments, or lower n"
                )
            break
        if not big.any():
            break
        certain |= big
    rest = ~certain
    n_rest = n - int(certain.sum())
    pi = np.ones(sizes.size)
    if n_rest > 0:
        pi[rest] = np.minimum(n_rest * sizes[rest] / sizes[rest].sum(), 1.0)
    else:
        pi[rest] = 0.0
    return pi, certain


def _pps_draw(sizes: np.ndarray, n: int, certain: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Systematic PPS draw of the non-certainty units in list order; returns a boolean selection."""
    selected = certain.copy()
    rest = np.flatnonzero(~certain)
    n_rest = n - int(certain.sum())
    if n_rest == 0 or rest.size == 0:
        return selected
    cum = np.cumsum(sizes[rest])
    interval = cum[-1] / n_rest
    points = (rng.random() + np.arange(n_rest)) * interval
    hit = np.minimum(np.searchsorted(cum, points, side="right"), rest.size - 1)
    selected[rest[hit]] = True
    return selected


def _pps_stratified(
    sizes: np.ndarray,
    st: _Strata,
    n_h: np.ndarray,
    order: np.ndarray,
    rng: np.random.Generator,
    *,
    certainty: bool,
    offenders: Callable[[np.ndarray], str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PPS systematic selection in every stratum, walking ``order``; returns (selected, pi, certainty)."""
    selected = np.zeros(sizes.size, dtype=bool)
    pi = np.zeros(sizes.size)
    cert = np.zeros(sizes.size, dtype=bool)
    by_stratum = order[np.argsort(st.codes[order], kind="stable")]  # stratum by stratum, list order within
    bounds = np.r_[0, np.cumsum(np.bincount(st.codes, minlength=len(st.keys)))]
    for h in range(len(st.keys)):
        members = by_stratum[bounds[h] : bounds[h + 1]]
        mos = sizes[members]

        def name(mask: np.ndarray, members: np.ndarray = members) -> str:
            full = np.zeros(sizes.size, dtype=bool)
            full[members[mask]] = True
            return offenders(full)

        p, c = _pps_probabilities(mos, int(n_h[h]), certainty=certainty, where=st.where(h), offenders=name)
        pi[members] = p
        cert[members] = c
        selected[members] = _pps_draw(mos, int(n_h[h]), c, rng)
    return selected, pi, cert


def _check_unique(frame: pd.DataFrame, column: str, *, argument: str) -> None:
    require_columns(frame, column, argument=argument)
    ids = frame[column]
    missing = ids.isna().to_numpy()
    if missing.any():
        raise SamplingError(
            f"{argument}: column {column!r} has missing cluster ids in {_rows(frame, missing)}"
        )
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise SamplingError(
            f"{argument}: column {column!r} has duplicate cluster ids {describe_values(ids[dup].tolist())} "
            f"({_rows(frame, dup)}); a cluster frame needs one row per cluster (aggregate it first, or use "
            "two_stage() for a unit-level frame)"
        )


def pps_systematic(
    frame: pd.DataFrame,
    *,
    size: str,
    n: SizeSpec,
    strata: Columns | None = None,
    seed: Seed = None,
    certainty: bool = True,
    sort_by: Columns | None = None,
    cluster: str | None = None,
) -> pd.DataFrame:
    r"""Systematic sample with probability proportional to size (PPS) from a cumulated size list.

    Parameters
    ----------
    frame : DataFrame
        Cluster frame, one row per cluster (e.g. villages with their census household counts). The list is
        walked in the frame's order (within each stratum) unless ``sort_by`` is given. It is not modified.
    size : str
        Column with the measure of size :math:`M_i` (> 0, no missing values).
    n : int or mapping
        Number of clusters: the total without ``strata``; with ``strata`` an int is the number **per
        stratum**, or a mapping stratum -> number.
    strata : str or list of str, optional
        Column(s) defining strata; selection is independent in each stratum.
    seed : int, numpy.random.Generator or None
        Source of randomness (one random start per stratum).
    certainty : bool
        Take units with :math:`n M_i / M \ge 1` with probability 1 (see Notes). With ``False`` such units
        raise :class:`SamplingError` (those with exactly 1 are allowed).
    sort_by : str or list of str, optional
        Column(s) to sort by (stable) before cumulating, e.g. a geographic code for implicit stratification.
    cluster : str, optional
        Column of cluster ids; if given it is checked to be unique and non-missing.

    Returns
    -------
    DataFrame
        The selected clusters (a copy, frame order, original index) with ``inclusion_prob``,
        ``design_weight`` and ``certainty`` (bool).

    Raises
    ------
    SamplingError
        For missing, infinite or non-positive measures of size (rows named), ``n`` larger than a stratum,
        duplicate cluster ids, or units with :math:`\pi_i > 1` when ``certainty=False``.

    Notes
    -----
    In stratum :math:`h`, with total size :math:`M_h = \sum_i M_i`, cluster :math:`i` is selected with
    :math:`\pi_i = n_h M_i / M_h` (docs/methodology.md §5.7, :math:`P_i = a M_i/M_h`). The sizes are cumulated in
    list order, the interval is :math:`I = M_h / n_h`, and with a random start :math:`r \sim U[0, I)` the
    clusters whose cumulated range :math:`[C_{i-1}, C_i)` contains :math:`r + jI`, :math:`j = 0..n_h-1`,
    are taken (Cochran 1977, ch. 9A; Lohr 2019, ch. 6).

    A cluster with :math:`M_i \ge I` would be hit more than once. With ``certainty=True`` such clusters
    are taken with :math:`\pi_i = 1` and removed, :math:`n_h` is reduced by their number, and the
    probabilities of the others are recomputed, repeatedly until no cluster exceeds the new interval
    (certainty or self-representing PSUs). Certainty clusters should be treated as strata of their own in
    variance estimation. The probabilities sum to :math:`n_h` in every stratum. Joint inclusion probabilities
    depend on the list order; the usual variance approximation treats the clusters as drawn with
    replacement.

    Examples
    --------
    >>> import pandas as pd
    >>> from campaign_me.sampling import pps_systematic
    >>> villages = pd.DataFrame({"village": list("ABCDEF"), "households": [40, 60, 100, 200, 50, 550]})
    >>> sample = pps_systematic(villages, size="households", n=3, seed=2)
    >>> len(sample), sample.loc[sample["certainty"], "village"].tolist()
    (3, ['F'])
    >>> float(sample["inclusion_prob"].max())
    1.0
    """
    frame = _check_frame(frame)
    rng = _generator(seed)
    _check_new_columns(frame, ["inclusion_prob", "design_weight", "certainty"])
    if not isinstance(size, str):
        raise SamplingError(f"size must be the name of the measure-of-size column, got {size!r}")
    if cluster is not None:
        _check_unique(frame, cluster, argument="cluster")
    mos = _measure_of_size(frame, size)
    st = _Strata(frame, strata)
    n_h = _per_stratum(n, st, argument="n", noun="units", minimum=0 if st.stratified else 1)
    if sort_by is not None:
        cols = require_columns(frame, sort_by, argument="sort_by")
        order = frame.reset_index(drop=True).sort_values(cols, kind="stable").index.to_numpy()
    else:
        order = np.arange(len(frame))
    selected, pi, cert = _pps_stratified(
        mos, st, n_h, order, rng, certainty=certainty, offenders=lambda m: _rows(frame, m)
    )
    return _result(frame, selected, pi, certainty=cert)


def _cluster_ids(frame: pd.DataFrame, cluster: str) -> pd.Series:
    """The cluster id column, checked: present and never missing."""
    require_columns(frame, cluster, argument="cluster")
    ids = frame[cluster]
    missing = ids.isna().to_numpy()
    if missing.any():
        raise SamplingError(
            f"cluster: column {cluster!r} has missing cluster ids in {_rows(frame, missing)}; "
            "every unit must belong to a cluster"
        )
    return ids


def two_stage(
    frame: pd.DataFrame,
    *,
    cluster: str,
    size: str | None = None,
    n_clusters: SizeSpec,
    take: int,
    strata: Columns | None = None,
    seed: Seed = None,
) -> pd.DataFrame:
    r"""Two-stage sample: PPS systematic selection of clusters, then a fixed take of units per cluster by SRS.

    Parameters
    ----------
    frame : DataFrame
        Unit-level frame (e.g. the household listing), one row per unit, with a cluster id column. Clusters
        are listed in order of first appearance for the systematic walk. It is not modified.
    cluster : str
        Column of cluster ids (no missing values).
    size : str, optional
        Column with the measure of size :math:`M_i` used at stage 1 (e.g. the census count), constant within a
        cluster. By default the number of listed units :math:`M_i'`.
    n_clusters : int or mapping
        Number of clusters: the total without ``strata``, per stratum with ``strata`` (int), or a mapping.
    take : int
        Units per selected cluster, :math:`m \ge 1`; all units are taken where fewer are listed.
    strata : str or list of str, optional
        Column(s) defining strata, constant within each cluster.
    seed : int, numpy.random.Generator or None
        Source of randomness.

    Returns
    -------
    DataFrame
        The selected units (a copy, frame order, original index) with ``prob_stage1`` (:math:`\pi_{1i}`),
        ``prob_stage2`` (:math:`\pi_{2|i}`), ``certainty`` (the cluster was a certainty unit),
        ``inclusion_prob`` (:math:`\pi_{1i}\pi_{2|i}`) and ``design_weight``.

    Raises
    ------
    SamplingError
        For missing cluster ids, measures of size that are missing, non-positive or vary within a cluster,
        strata that vary within a cluster, or more clusters requested than a stratum has.

    Notes
    -----
    Stage 1 is :func:`pps_systematic` on the clusters (certainty clusters included):
    :math:`\pi_{1i} = n_h M_i / M_h`. Stage 2 is an SRS of :math:`m_i = \min(m, M_i')` of the
    :math:`M_i'` listed units: :math:`\pi_{2|i} = m_i / M_i'`. The design weight is (docs/methodology.md §5.7)

    .. math:: w = 1 / [(n_h M_i / M_h)(m / M_i')].

    When :math:`M_i' = M_i` (the default ``size=None``), no cluster is a certainty unit and every cluster has
    at least :math:`m` units, :math:`w = M_h / (n_h m)` is the same for every unit of the stratum: the sample
    is **self-weighting** (Kish 1965, ch. 7; Lohr 2019, ch. 6). The weights sum to the number of units only in
    expectation unless the sample is self-weighting. Multiply by the number of eligible members when one
    respondent is then chosen per household.

    Examples
    --------
    >>> import pandas as pd
    >>> from campaign_me.sampling import two_stage
    >>> listing = pd.DataFrame({"village": ["A"] * 30 + ["B"] * 50 + ["C"] * 40 + ["D"] * 80})
    >>> sample = two_stage(listing, cluster="village", n_clusters=2, take=10, seed=4)
    >>> len(sample), sorted(set(sample["design_weight"].round(6)))
    (20, [10.0])
    """
    frame = _check_frame(frame)
    rng = _generator(seed)
    _check_new_columns(frame, ["prob_stage1", "prob_stage2", "certainty", "inclusion_prob", "design_weight"])
    ids = _cluster_ids(frame, cluster)
    codes, uniques = pd.factorize(ids, sort=False)
    n_cl = len(uniques)
    listed = np.bincount(codes, minlength=n_cl).astype(float)
    per = _whole(take, argument="take", minimum=1)

    def name_clusters(mask: np.ndarray) -> str:
        return f"cluster(s) {describe_values(np.asarray(uniques)[mask].tolist())}"

    first = np.zeros(n_cl, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # first row of every cluster
    if size is None:
        mos = listed
    else:
        unit_mos = _measure_of_size(frame, size)
        mos = unit_mos[first]
        varies = np.zeros(n_cl, dtype=bool)
        np.logical_or.at(varies, codes, unit_mos != mos[codes])
        if varies.any():
            raise SamplingError(
                f"size: column {size!r} varies within {name_clusters(varies)}; the measure of size belongs "
                "to the cluster and must be the same on all its rows"
            )
    unit_st = _Strata(frame, strata)
    cl_frame = frame.iloc[first]
    st = _Strata(cl_frame, strata)
    if unit_st.stratified:
        varies = np.zeros(n_cl, dtype=bool)
        cl_code_of_unit = st.codes[codes]
        # map unit stratum codes to the cluster-frame numbering through the keys
        key_pos = {k: i for i, k in enumerate(st.keys)}
        unit_codes = np.array([key_pos.get(k, -1) for k in unit_st.keys])[unit_st.codes]
        np.logical_or.at(varies, codes, unit_codes != cl_code_of_unit)
        if varies.any():
            raise SamplingError(
                f"strata: the stratum varies within {name_clusters(varies)}; "
                "clusters must be nested in strata"
            )
    n_h = _per_stratum(
        n_clusters, st, argument="n_clusters", noun="clusters", minimum=0 if st.stratified else 1
    )
    cl_selected, pi1, cert = _pps_stratified(
        mos, st, n_h, np.arange(n_cl), rng, certainty=True, offenders=name_clusters
    )
    m_i = np.minimum(per, listed)
    pi2 = m_i / listed
    in_selected = cl_selected[codes]
    ranks = np.full(len(frame), np.iinfo(np.int64).max)
    sub = np.flatnonzero(in_selected)
    ranks[sub] = _rank_within(codes[sub], rng)
    selected = ranks < per
    prob = pi1[codes] * pi2[codes]
    return _result(
        frame, selected, prob, prob_stage1=pi1[codes], prob_stage2=pi2[codes], certainty=cert[codes]
    )


# ------------------------------------------------------------------------------------------------------------
# Random assignment
# ------------------------------------------------------------------------------------------------------------


def assign(
    frame: pd.DataFrame,
    *,
    arms: Sequence[Hashable] = ("control", "treatment"),
    probs: Sequence[float] | None = None,
    blocks: Columns | None = None,
    cluster: str | None = None,
    seed: Seed = None,
    column: str = "arm",
) -> pd.DataFrame:
    r"""Randomly assign units, or whole clusters, to arms; complete randomisation within blocks.

    Parameters
    ----------
    frame : DataFrame
        One row per unit (with ``cluster``: per unit, several rows per cluster). It is not modified.
    arms : sequence
        Distinct arm labels, at least two.
    probs : sequence of float, optional
        Assignment probability of each arm (>= 0, summing to 1). Default: equal.
    blocks : str or list of str, optional
        Column(s) defining blocks (strata); randomisation is done separately in each. With ``cluster`` they
        must be constant within a cluster.
    cluster : str, optional
        Column of cluster ids; whole clusters are assigned (a cluster-randomised trial).
    seed : int, numpy.random.Generator or None
        Source of randomness.
    column : str
        Name of the new arm column.

    Returns
    -------
    DataFrame
        A copy of the whole frame (same order and index) with ``column`` (the arm) and ``assignment_prob``
        (the probability of the arm received, for inverse-probability weighting). No ``inclusion_prob`` is
        added: assignment is not sampling.

    Raises
    ------
    SamplingError
        If ``probs`` does not match ``arms`` or does not sum to 1, ``column`` already exists, block values are
        missing, or blocks vary within a cluster.

    Notes
    -----
    In a block of :math:`N_b` units (or clusters) arm :math:`a` gets :math:`\lfloor N_b p_a \rfloor` units
    plus, for the :math:`R = N_b - \sum_a \lfloor N_b p_a \rfloor` left over, one more with probability equal
    to the fractional part of :math:`N_b p_a` (a systematic draw over the arms in random order). The units
    are then shuffled and dealt out. Counts are thus as balanced as possible (:math:`\lfloor N_b p_a \rfloor`
    or one more) and every unit receives arm :math:`a` with probability exactly :math:`p_a`, which is
    ``assignment_prob`` (Imbens & Rubin 2015, ch. 4 and 9 on completely randomised and stratified
    experiments).

    Examples
    --------
    >>> import pandas as pd
    >>> from campaign_me.sampling import assign
    >>> villages = pd.DataFrame({"village": range(10), "district": ["X"] * 6 + ["Y"] * 4})
    >>> out = assign(villages, blocks="district", seed=5)
    >>> out.groupby("district")["arm"].value_counts().sort_index().tolist()
    [3, 3, 2, 2]
    >>> float(out["assignment_prob"].iloc[0])
    0.5
    """
    frame = _check_frame(frame)
    rng = _generator(seed)
    if not isinstance(column, str):
        raise SamplingError(f"column must be a string, got {column!r}")
    _check_new_columns(frame, [column, "assignment_prob"], what="the assignment (choose another column=)")
    if isinstance(arms, (str, bytes)) or not isinstance(arms, Sequence):
        raise SamplingError(
            f"arms must be a sequence of arm labels such as ('control', 'treatment'), got {arms!r}"
        )
    arm_list = list(arms)
    if len(arm_list) < 2:
        raise SamplingError(f"arms needs at least two labels, got {arm_list!r}")
    if len(set(arm_list)) != len(arm_list):
        raise SamplingError(f"arms must be distinct, got {arm_list!r}")
    k = len(arm_list)
    if probs is None:
        p = np.full(k, 1.0 / k)
    else:
        if isinstance(probs, (str, bytes, Mapping)) or not isinstance(
            probs, (Sequence, np.ndarray, pd.Series)
        ):
            raise SamplingError(f"probs must be a sequence of {k} probabilities, one per arm, got {probs!r}")
        try:
            p = np.asarray(list(probs), dtype=float)
        except (TypeError, ValueError):
            raise SamplingError(f"probs must hold numbers, got {list(probs)!r}") from None
        if p.size != k:
            raise SamplingError(
                f"probs has {p.size} values but there are {k} arms ({describe_values(arm_list)})"
            )
        if not np.all(np.isfinite(p)) or np.any(p < 0):
            raise SamplingError(f"probs must be finite and >= 0, got {p.tolist()}")
        if abs(p.sum() - 1) > 1e-8:
            raise SamplingError(f"probs must sum to 1, but {p.tolist()} sum to {p.sum():.10g}")
        p = p / p.sum()

    if cluster is not None:
        ids = _cluster_ids(frame, cluster)
        unit_of_row, uniques = pd.factorize(ids, sort=False)
        n_units = len(uniques)
        first = np.zeros(n_units, dtype=np.intp)
        first[unit_of_row[::-1]] = np.arange(len(unit_of_row))[::-1]
        units = frame.iloc[first]
    else:
        unit_of_row = np.arange(len(frame))
        n_units = len(frame)
        units = frame
    bl = _Strata(units, blocks, argument="blocks")
    if cluster is not None and bl.stratified:
        row_bl = _Strata(frame, blocks, argument="blocks")
        key_pos = {key: i for i, key in enumerate(bl.keys)}
        row_codes = np.array([key_pos.get(key, -1) for key in row_bl.keys])[row_bl.codes]
        varies = np.zeros(n_units, dtype=bool)
        np.logical_or.at(varies, unit_of_row, row_codes != bl.codes[unit_of_row])
        if varies.any():
            raise SamplingError(
                "blocks: the block varies within cluster(s) "
                f"{describe_values(np.asarray(uniques)[varies].tolist())}; "
                "clusters must be nested in blocks"
            )

    # counts per block and arm: floor(N_b p_a) plus a systematic pi-ps draw of the remainders over the arms
    dealt = []
    for size_b in bl.sizes:
        expected = size_b * p
        base = np.floor(expected + 1e-9).astype(np.int64)
        left = int(size_b - base.sum())
        if left > 0:
            frac = np.clip(expected - base, 0.0, None)
            frac = np.minimum(frac * (left / frac.sum()), 1.0)
            perm = rng.permutation(k)
            cum = np.cumsum(frac[perm])
            points = rng.random() + np.arange(left)
            hit = np.minimum(np.searchsorted(cum, points, side="right"), k - 1)
            np.add.at(base, perm[hit], 1)
        dealt.append(np.repeat(np.arange(k), base))
    ranks = _rank_within(bl.codes, rng)
    offsets = np.r_[0, np.cumsum(bl.sizes)[:-1]]
    unit_arm = np.concatenate(dealt)[offsets[bl.codes] + ranks]
    row_arm = unit_arm[unit_of_row]
    out = frame.copy()
    out[column] = pd.Series(arm_list).take(row_arm).set_axis(out.index)
    out["assignment_prob"] = p[row_arm]
    return out
