"""Sample size, power and minimum detectable effects for surveys and evaluations.

Every function in this module answers one planning question from docs/methodology.md §5:

* how many interviews to estimate a proportion to a given margin of error
  (:func:`sample_size_proportion`, :func:`sample_size_table`), with a finite population
  correction, a design effect and non-response;
* how many per arm to compare two proportions or two means
  (:func:`sample_size_two_proportions`, :func:`sample_size_two_means`), and the power or the
  minimum detectable effect for a given sample (:func:`power_two_proportions`,
  :func:`power_two_means`, :func:`mde_proportion`, :func:`mde_mean`);
* how many per arm and round for a difference-in-differences or ANCOVA design
  (:func:`sample_size_did`), and how many clusters per arm for a cluster RCT
  (:func:`clusters_per_arm`, :func:`design_effect`).

Conventions, shared by every function:

* Sample sizes are computed unrounded and rounded **up** (ceiling) once, at the end;
  ``exact=True`` returns the unrounded float. To absorb floating-point noise, a value within
  1e-9 (relative) of an integer is rounded to that integer.
* Group 1 is the first argument (``p1``, ``n``); ``alternative`` describes group 1 relative to
  group 2, as in scipy and pwr: ``"greater"`` means ``p1 > p2`` (or ``delta = mean1 - mean2 > 0``).
* A design effect ``deff`` turns a sample of ``n`` into an effective sample of ``n / deff``:
  sample sizes are multiplied by it, power functions divide ``n`` by it.
* The intra-cluster correlation of :func:`design_effect` and :func:`clusters_per_arm`
  defaults to ``icc=0.05``, campaign_me's planning convention for individual knowledge and
  attitude items (docs/methodology.md §5.3); it is an assumption to replace with an estimate
  from the baseline, not a measured value.
* Two-proportion and two-mean calculations reproduce R: ``stats::power.prop.test``,
  ``pwr::pwr.2p.test`` / ``pwr::pwr.2p2n.test``, ``stats::power.t.test`` and
  ``pwr::pwr.t2n.test``. The R script that produced the reference values is
  ``tests/reference/power.R``.
* Bad input raises :class:`~campaign_me.errors.PowerError` (a ``ValueError``) naming the
  argument, its value and the fix.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from campaign_me.conventions import Reporting, check_level, check_number, reporting
from campaign_me.deferred import Deferred
from campaign_me.errors import PowerError, require_columns

stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; the logframe and lessons import this module
optimize = Deferred("scipy.optimize")  # deferred: only the solvers of sample sizes need it

__all__ = [
    "clusters_per_arm",
    "design_effect",
    "mde_mean",
    "mde_proportion",
    "power_two_means",
    "power_two_proportions",
    "sample_size_did",
    "sample_size_proportion",
    "sample_size_table",
    "sample_size_two_means",
    "sample_size_two_proportions",
]

Alternative = Literal["two-sided", "greater", "less"]
ProportionMethod = Literal["pooled", "arcsine"]
MeanMethod = Literal["t", "normal"]

_ALTERNATIVES = ("two-sided", "greater", "less")
# Below ~0.5 degrees of freedom scipy's noncentral t is unreliable (checked against R's pt()).
_MIN_DF = 0.5
_MAX_N = 1e15


# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------


def _number(name: str, value: object) -> float:
    if isinstance(value, np.generic):
        value = value.item()
    return check_number(value, argument=name, error=PowerError)


def _proportion(name: str, value: object) -> float:
    out = _number(name, value)
    if not 0 < out < 1:
        hint = f" (did you mean {out / 100:g}?)" if 1 < out < 100 else ""
        raise PowerError(
            f"{name}={out!r} must be a proportion strictly between 0 and 1, e.g. 0.3 for 30%{hint}"
        )
    return out


def _power_arg(value: object, alpha: float) -> float:
    out = _number("power", value)
    if not 0 < out < 1:
        hint = f" (did you mean {out / 100:g}?)" if 1 < out < 100 else ""
        raise PowerError(f"power={out!r} must be strictly between 0 and 1, e.g. 0.8 for 80%{hint}")
    if out <= alpha:
        raise PowerError(
            f"power={out!r} must be greater than alpha={alpha!r}: a test rejects with probability "
            f"alpha even with no effect, so this target needs no data; ask for the power you want "
            f"(usually 0.8 or 0.9)"
        )
    return out


def _alpha_arg(value: object) -> float:
    out = _number("alpha", value)
    if not 0 < out < 1:
        raise PowerError(f"alpha={out!r} must be strictly between 0 and 1, e.g. 0.05")
    return out


def _positive(name: str, value: object, fix: str = "") -> float:
    out = _number(name, value)
    if out <= 0:
        raise PowerError(f"{name}={out!r} must be > 0{fix}")
    return out


def _deff_arg(value: object) -> float:
    return _positive(
        "deff",
        value,
        " (1 for simple random sampling, 1 + (m - 1) * icc for clusters of m: see design_effect())",
    )


def _rate(name: str, value: object) -> float:
    out = _number(name, value)
    if not 0 < out <= 1:
        hint = f" (did you mean {out / 100:g}?)" if 1 < out <= 100 else ""
        raise PowerError(f"{name}={out!r} must be in (0, 1], e.g. 0.9 for 90%{hint}")
    return out


def _choice(name: str, value: object, options: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in options:
        shown = ", ".join(repr(o) for o in options)
        hint = " (R's 'two.sided' is spelled 'two-sided' here)" if value == "two.sided" else ""
        raise PowerError(f"{name}={value!r} must be one of {shown}{hint}")
    return value


def _sample_n(name: str, value: object) -> float:
    return _positive(name, value, " (a number of observations per group)")


def _distinct(name1: str, v1: float, name2: str, v2: float, example: str) -> None:
    if v1 == v2:
        raise PowerError(
            f"{name1} and {name2} are both {v1!r}: there is no difference to detect; set {name2} to the "
            f"smallest difference worth detecting (e.g. {example})"
        )


def _direction(alternative: str, effect: float, what: str, fix: str) -> None:
    """Refuse one-sided targets that point against the effect: no n reaches them."""
    if (alternative == "greater" and effect < 0) or (alternative == "less" and effect > 0):
        want = ">" if alternative == "greater" else "<"
        raise PowerError(
            f"alternative={alternative!r} tests {what.replace('?', want)}, but the effect goes the other "
            f"way, so no sample size reaches the power asked; {fix}"
        )


def _ceil(x: float) -> int:
    """Round up once; values within 1e-9 (relative) of an integer count as that integer."""
    nearest = round(x)
    if abs(x - nearest) <= 1e-9 * max(1.0, abs(x)):
        return int(nearest)
    return math.ceil(x)


def _finish(x: float, exact: bool) -> int | float:
    if not math.isfinite(x) or x > _MAX_N:
        raise PowerError(
            f"the required sample size is not finite or exceeds {_MAX_N:g}; the difference asked for is "
            f"too small to detect: enlarge the difference or lower the power"
        )
    return float(x) if exact else _ceil(x)


# ---------------------------------------------------------------------------
# power kernels (effective, i.e. SRS-equivalent, sample sizes)
# ---------------------------------------------------------------------------


def _crit(alpha: float, alternative: str) -> float:
    return float(stats.norm.isf(alpha / 2 if alternative == "two-sided" else alpha))


def _normal_power(
    effect: float, se0: float, se1: float, crit: float, alternative: str, strict: bool
) -> float:
    """Power of a z-test whose statistic has sd ``se0`` under H0 and ``se1`` under H1."""
    if alternative == "two-sided":
        d = abs(effect)
        out = stats.norm.cdf((d - crit * se0) / se1)
        if strict:
            out += stats.norm.cdf((-d - crit * se0) / se1)
    elif alternative == "greater":
        out = stats.norm.cdf((effect - crit * se0) / se1)
    else:
        out = stats.norm.cdf((-effect - crit * se0) / se1)
    return float(min(max(out, 0.0), 1.0))


def _pooled_ses(p1: float, p2: float, n1: float, n2: float) -> tuple[float, float]:
    pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
    se0 = math.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    se1 = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return se0, se1


def _cohen_h(p1: float, p2: float) -> float:
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def _prop_power(
    p1: float, p2: float, n1: float, n2: float, alpha: float, alternative: str, method: str, strict: bool
) -> float:
    crit = _crit(alpha, alternative)
    if method == "pooled":
        se0, se1 = _pooled_ses(p1, p2, n1, n2)
        return _normal_power(p1 - p2, se0, se1, crit, alternative, strict)
    se = math.sqrt(1 / n1 + 1 / n2)
    return _normal_power(_cohen_h(p1, p2), se, se, crit, alternative, strict)


def _t_power(d: float, n1: float, n2: float, alpha: float, alternative: str, strict: bool) -> float:
    """Power of the two-sample t-test for a standardised difference ``d = delta / sd``."""
    df = n1 + n2 - 2
    ncp = d / math.sqrt(1 / n1 + 1 / n2)
    # lower tails are computed as P(T'(-ncp) > q): scipy's nct.cdf returns NaN far in the left
    # tail for large ncp, while the equivalent upper tail is finite
    if alternative == "two-sided":
        q = stats.t.isf(alpha / 2, df)
        out = stats.nct.sf(q, df, abs(ncp))
        if strict:
            out += stats.nct.sf(q, df, -abs(ncp))
    elif alternative == "greater":
        out = stats.nct.sf(stats.t.isf(alpha, df), df, ncp)
    else:
        out = stats.nct.sf(stats.t.isf(alpha, df), df, -ncp)
    if not math.isfinite(out):
        raise PowerError(
            f"the noncentral t distribution could not be evaluated (df={df:.3g}, noncentrality "
            f"{ncp:.3g}); use method='normal' for this extreme design"
        )
    return float(min(max(out, 0.0), 1.0))


def _mean_power(
    d: float, n1: float, n2: float, alpha: float, alternative: str, method: str, strict: bool
) -> float:
    if method == "t":
        return _t_power(d, n1, n2, alpha, alternative, strict)
    se = math.sqrt(1 / n1 + 1 / n2)
    return _normal_power(d, se, se, _crit(alpha, alternative), alternative, strict)


def _solve_increasing(f: Callable[[float], float], lo: float, hi: float, what: str) -> float:
    """Root of an increasing ``f`` with ``f(lo) < 0``; ``hi`` is doubled until ``f(hi) >= 0``."""
    while f(hi) < 0:
        if hi > _MAX_N:
            raise PowerError(
                f"no {what} up to {_MAX_N:g} reaches the power asked; the difference is too small to "
                f"detect: enlarge the difference or lower the power"
            )
        lo, hi = hi, hi * 2
    if f(hi) == 0:
        return hi
    try:
        return float(optimize.brentq(f, lo, hi, xtol=1e-10, rtol=1e-13, maxiter=500))
    except (ValueError, RuntimeError) as exc:  # pragma: no cover - defensive
        raise PowerError(f"could not solve for the {what}: {exc}") from None


def _effective(n: float, n2: float, deff: float, min_total: float) -> tuple[float, float]:
    e1, e2 = n / deff, n2 / deff
    if min(e1, e2) < 1 or e1 + e2 < min_total:
        raise PowerError(
            f"n={n:g}, n2={n2:g} with deff={deff:g} leave an effective sample of {e1:.3g} and {e2:.3g} "
            f"(n / deff), too small for this test; increase n or check deff"
        )
    return e1, e2


# ---------------------------------------------------------------------------
# one proportion
# ---------------------------------------------------------------------------


def sample_size_proportion(
    p: float,
    margin: float,
    *,
    level: float | None = None,
    population: float | None = None,
    deff: float = 1,
    response_rate: float = 1,
    exact: bool = False,
    settings: Reporting | None = None,
) -> int | float:
    """Sample size to estimate a proportion to a margin of error.

    Parameters
    ----------
    p : float
        Expected proportion, in (0, 1). Use 0.5 when unknown (the largest variance).
    margin : float
        Half-width of the confidence interval, on the proportion scale (0.05 = 5 points).
    level : float, default 0.95
        Confidence level of the interval; default ``settings.level``.
    population : float, optional
        Population size N; when given, the finite population correction is applied to the
        design-effect-inflated size (see Notes), so the result never exceeds N before
        nonresponse.
    deff : float, default 1
        Design effect (> 0). May be below 1 for stratified designs.
    response_rate : float, default 1
        Expected response rate, in (0, 1]; the sample is divided by it.
    exact : bool, default False
        Return the unrounded size instead of rounding up.
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (its ``level``); ``level=`` given explicitly wins.

    Returns
    -------
    int or float
        Number of interviews to attempt.

    Raises
    ------
    PowerError
        If an argument is out of range.

    Warns
    -----
    UserWarning
        If the sample to attempt exceeds ``population``.

    Notes
    -----
    ``n0 = z^2 p (1 - p) / margin^2`` with ``z`` the ``(1 + level) / 2`` normal quantile;
    ``m = n0 * deff``; with a population, ``m / (1 + (m - 1) / N)``; then divided by
    ``response_rate`` and rounded up once at the end (docs/methodology.md §5.1-5.3).

    The design effect multiplies the variance *including* the finite population factor,
    ``deff (1 - n/N) p q / n = margin^2 / z^2``, so the correction applies to ``n0 * deff``
    (Lohr 2019, §7.5; Kish 1965). Applying it to ``n0`` first and multiplying by ``deff``
    afterwards (as OpenEpi does) overstates ``n`` when ``n/N`` is not small and can ask for
    more interviews than the population has. The two agree when ``deff = 1`` or without a
    population. Validated against the worked numbers of docs/methodology.md §5.1-5.3 (385;
    N = 2000, 5000, 1000 -> 323, 357, 278; DEFF 1.7 and 90% response -> 726) and the closed
    forms in ``tests/reference/power.R``.

    Examples
    --------
    >>> sample_size_proportion(0.5, 0.05)
    385
    >>> sample_size_proportion(0.5, 0.05, population=2000)
    323
    >>> sample_size_proportion(0.5, 0.05, deff=1.7, response_rate=0.9)
    726
    >>> round(sample_size_proportion(0.5, 0.05, exact=True), 2)
    384.15
    """
    p = _proportion("p", p)
    margin = _number("margin", margin)
    if not 0 < margin < 1:
        raise PowerError(
            f"margin={margin!r} must be strictly between 0 and 1 on the proportion scale, "
            f"e.g. 0.05 for +/- 5 percentage points"
        )
    level = check_level(reporting(settings).level if level is None else level, error=PowerError)
    deff = _deff_arg(deff)
    response_rate = _rate("response_rate", response_rate)
    z = stats.norm.isf((1 - level) / 2)
    n = z**2 * p * (1 - p) / margin**2 * deff
    if population is not None:
        big_n = _number("population", population)
        if big_n < 1:
            raise PowerError(f"population={big_n:g} must be at least 1 (the number of units in the frame)")
        n = n / (1 + (n - 1) / big_n)
    n = n / response_rate
    if population is not None and n > big_n:
        warnings.warn(
            f"the sample to attempt ({n:.1f}) exceeds population={big_n:g}: with response_rate="
            f"{response_rate:g} you would have to interview everyone and still expect too few answers",
            UserWarning,
            stacklevel=2,
        )
    return _finish(n, exact)


def sample_size_table(
    data: pd.DataFrame,
    *,
    by: str | Sequence[str],
    p: float | str = 0.5,
    margin: float | str = 0.05,
    level: float | None = None,
    population: float | str | None = None,
    deff: float | str = 1,
    response_rate: float | str = 1,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """Sample size for a proportion in each stratum, as a tidy table.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per stratum.
    by : str or sequence of str
        Column(s) identifying the stratum; copied to the result.
    p, margin, population, deff, response_rate : float or str
        As in :func:`sample_size_proportion`; each is either one number for every stratum or
        the name of a column of ``data`` holding a value per stratum. ``population=None``
        applies no finite population correction.
    level : float, default 0.95
        Confidence level, the same for every stratum; default ``settings.level``.
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (its ``level``); ``level=`` given explicitly wins.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``data``, with columns ``[by...], p, margin, population, deff,
        response_rate, n_exact, n``: the inputs used (``population`` is NaN when not given),
        the unrounded size and the size rounded up (int). The total is ``result["n"].sum()``.

    Raises
    ------
    ColumnError
        If a column named in ``by`` or in another argument is not in ``data``.
    PowerError
        If a value is out of range (the message names the stratum).

    Notes
    -----
    Each row is :func:`sample_size_proportion` applied to that stratum's values, so each is
    rounded up separately (the total is therefore at least the unrounded sum).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"region": ["North", "South"], "N": [2000, 5000]})
    >>> sample_size_table(frame, by="region", population="N")[["region", "n"]]
      region    n
    0  North  323
    1  South  357
    """
    if not isinstance(data, pd.DataFrame):
        raise PowerError(
            f"data must be a pandas DataFrame with one row per stratum, got {type(data).__name__}"
        )
    by_cols = require_columns(data, by, argument="by")
    level = check_level(reporting(settings).level if level is None else level, error=PowerError)
    columns = {
        "p": p,
        "margin": margin,
        "population": population,
        "deff": deff,
        "response_rate": response_rate,
    }
    values: dict[str, pd.Series] = {}
    for arg, spec in columns.items():
        if isinstance(spec, str):
            require_columns(data, spec, argument=arg)
            values[arg] = data[spec]
        else:
            values[arg] = pd.Series([np.nan if spec is None else spec] * len(data), index=data.index)
    rows = []
    for i, idx in enumerate(data.index):
        kwargs = {arg: values[arg].loc[idx] for arg in columns}
        pop = kwargs.pop("population")
        pop = None if population is None else pop
        try:
            n_exact = sample_size_proportion(
                kwargs["p"],
                kwargs["margin"],
                level=level,
                population=pop,
                deff=kwargs["deff"],
                response_rate=kwargs["response_rate"],
                exact=True,
            )
        except PowerError as exc:
            key = ", ".join(f"{c}={data.loc[idx, c]!r}" for c in by_cols)
            raise PowerError(f"stratum {key} (row {i}): {exc}") from None
        rows.append(
            {
                **{c: data.loc[idx, c] for c in by_cols},
                "p": float(kwargs["p"]),
                "margin": float(kwargs["margin"]),
                "population": np.nan if pop is None else float(pop),
                "deff": float(kwargs["deff"]),
                "response_rate": float(kwargs["response_rate"]),
                "n_exact": n_exact,
                "n": _ceil(n_exact),
            }
        )
    cols = [*by_cols, "p", "margin", "population", "deff", "response_rate", "n_exact", "n"]
    out = pd.DataFrame(rows, columns=cols)
    out["n"] = out["n"].astype("int64")
    return out


# ---------------------------------------------------------------------------
# two proportions
# ---------------------------------------------------------------------------


def _check_two_props(p1: object, p2: object, alpha: object, alternative: object, method: object):
    p1 = _proportion("p1", p1)
    p2 = _proportion("p2", p2)
    alpha = _alpha_arg(alpha)
    alternative = _choice("alternative", alternative, _ALTERNATIVES)
    method = _choice("method", method, ("pooled", "arcsine"))
    return p1, p2, alpha, alternative, method


def _n_two_props_srs(
    p1: float,
    p2: float,
    power: float,
    alpha: float,
    alternative: str,
    method: str,
    ratio: float,
    strict: bool,
) -> float:
    """Unrounded n1 under simple random sampling (n2 = ratio * n1)."""
    _distinct("p1", p1, "p2", p2, f"p2={min(p1 + 0.1, 0.99):g}")
    _direction(
        alternative,
        p1 - p2,
        "p1 ? p2",
        "swap p1 and p2, or use the other one-sided alternative, or 'two-sided'",
    )
    crit = _crit(alpha, alternative)
    zb = stats.norm.ppf(power)
    r = ratio
    if method == "pooled":
        pbar = (p1 + r * p2) / (1 + r)
        a = crit * math.sqrt(pbar * (1 - pbar) * (1 + 1 / r)) + zb * math.sqrt(
            p1 * (1 - p1) + p2 * (1 - p2) / r
        )
        if a <= 0:
            raise PowerError(
                f"power={power!r} is too low for this design to have a sample size (the power curve "
                f"starts above it); ask for a higher power"
            )
        n_open = a**2 / (p1 - p2) ** 2
    else:
        n_open = (crit + zb) ** 2 * (1 + 1 / r) / _cohen_h(p1, p2) ** 2
    if not (strict and alternative == "two-sided"):
        return n_open

    def f(n1: float) -> float:
        return _prop_power(p1, p2, n1, r * n1, alpha, alternative, method, True) - power

    # the opposite tail only adds power, so the root lies below the one-tail solution
    lo = 1e-6
    if f(lo) >= 0:  # pragma: no cover - power > alpha makes this impossible
        return lo
    return _solve_increasing(f, lo, n_open, "n1")


def sample_size_two_proportions(
    p1: float,
    p2: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    method: ProportionMethod = "pooled",
    ratio: float = 1,
    deff: float = 1,
    strict: bool | None = None,
    exact: bool = False,
) -> int | float:
    """Sample size per group to detect a difference between two proportions.

    Parameters
    ----------
    p1, p2 : float
        Proportions expected in group 1 and group 2, in (0, 1), not equal.
    power : float, default 0.8
        Target power, in (alpha, 1).
    alpha : float, default 0.05
        Significance level.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        ``"greater"`` tests ``p1 > p2``, ``"less"`` tests ``p1 < p2``.
    method : {"pooled", "arcsine"}, default "pooled"
        ``"pooled"``: the z-test with the pooled variance under H0, as R's
        ``power.prop.test``. ``"arcsine"``: Cohen's ``h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2))``,
        as ``pwr::pwr.2p.test`` and ``pwr::pwr.2p2n.test``.
    ratio : float, default 1
        ``n2 / n1``. Group 2 needs ``ceil(ratio * n1)`` where ``n1`` is the value returned
        (use ``exact=True`` to get the unrounded ``n1``).
    deff : float, default 1
        Design effect (> 0), applied to both groups.
    strict : bool, optional
        Two-sided only: also count rejections in the tail opposite to the effect. The default
        ``None`` follows the R function reproduced: ``False`` for ``"pooled"``
        (``power.prop.test``'s default) and ``True`` for ``"arcsine"`` (pwr always counts it).
        The difference is negligible at any useful power.
    exact : bool, default False
        Return the unrounded size instead of rounding up.

    Returns
    -------
    int or float
        ``n1``, the sample size of group 1 (each group when ``ratio=1``). It is never below
        ``deff * max(1, 1/ratio)``, so that both groups have an effective size of at least 1
        and :func:`power_two_proportions` accepts the pair (``n1``, ``ratio * n1``).

    Raises
    ------
    PowerError
        If an argument is out of range, ``p1 == p2``, ``power <= alpha``, or a one-sided
        ``alternative`` points against the difference (no n reaches the power).

    Notes
    -----
    Pooled (Fleiss, Levin & Paik 2003, eq. 4.19 without continuity correction), with
    ``n2 = r n1`` and ``pbar = (p1 + r p2) / (1 + r)``::

        n1 = [z_a sqrt(pbar (1 - pbar) (1 + 1/r)) + z_b sqrt(p1 q1 + p2 q2 / r)]^2 / (p1 - p2)^2

    where ``z_a`` is the ``1 - alpha/2`` (two-sided) or ``1 - alpha`` quantile and ``z_b`` the
    ``power`` quantile. With ``r = 1`` this is docs/methodology.md §5.4's formula and the equation
    ``power.prop.test`` solves (R solves it numerically; here it is closed form). Arcsine:
    ``n1 = (z_a + z_b)^2 (1 + 1/r) / h^2``. When the opposite tail is counted (``strict``) the
    power equation is solved with :func:`scipy.optimize.brentq`. The result is multiplied by
    ``deff`` and rounded up once.

    Validated (1e-4 relative) against ``power.prop.test`` (``strict`` both ways),
    ``pwr.2p.test``, ``pwr.2p2n.test`` (unequal n) and the Fleiss closed form in R
    (``tests/reference/power.R``), and against docs/methodology.md §5.4 (30% vs 40%: 356 per group).

    Examples
    --------
    >>> sample_size_two_proportions(0.3, 0.4)
    356
    >>> round(sample_size_two_proportions(0.3, 0.4, exact=True), 2)
    355.94
    >>> sample_size_two_proportions(0.3, 0.4, method="arcsine")
    356
    >>> sample_size_two_proportions(0.3, 0.4, ratio=2)
    270
    """
    p1, p2, alpha, alternative, method = _check_two_props(p1, p2, alpha, alternative, method)
    power = _power_arg(power, alpha)
    ratio = _positive("ratio", ratio, " (n2 / n1; 1 for equal groups)")
    deff = _deff_arg(deff)
    strict = (method == "arcsine") if strict is None else bool(strict)
    n1 = _n_two_props_srs(p1, p2, power, alpha, alternative, method, ratio, strict)
    # never smaller than the pair power_two_proportions accepts: both groups need an
    # effective size (n / deff) of at least 1, so n1 >= deff and ratio * n1 >= deff
    return _finish(max(n1 * deff, deff * max(1.0, 1.0 / ratio)), exact)


def power_two_proportions(
    p1: float,
    p2: float,
    n: float,
    *,
    n2: float | None = None,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    method: ProportionMethod = "pooled",
    deff: float = 1,
    strict: bool | None = None,
) -> float:
    """Power of a comparison of two proportions.

    Parameters
    ----------
    p1, p2 : float
        Proportions in group 1 and group 2, in (0, 1). ``p1 == p2`` gives the rejection rate with no
        difference: alpha/2 for a two-sided test without ``strict`` (as R's ``power.prop.test``), alpha with it.
    n : float
        Sample size of group 1 (of each group when ``n2`` is not given).
    n2 : float, optional
        Sample size of group 2; defaults to ``n``.
    alpha, alternative, method, deff, strict
        As in :func:`sample_size_two_proportions`. The effective sizes are ``n / deff`` and
        ``n2 / deff`` and must be at least 1.

    Returns
    -------
    float
        Power, in [0, 1].

    Notes
    -----
    Pooled: with ``pbar = (n1 p1 + n2 p2) / (n1 + n2)``, ``s0 = sqrt(pbar qbar (1/n1 + 1/n2))``
    and ``s1 = sqrt(p1 q1 / n1 + p2 q2 / n2)``, the two-sided power is
    ``Phi((|p1 - p2| - z s0) / s1)`` plus, if ``strict``, ``Phi((-|p1 - p2| - z s0) / s1)``; this
    is ``power.prop.test`` when ``n1 = n2``. Arcsine: ``Phi(|h| sqrt(n_h) - z)`` (+ the opposite
    tail) with ``n_h = n1 n2 / (n1 + n2)``, as ``pwr.2p.test`` / ``pwr.2p2n.test``. Validated
    against both in ``tests/reference/power.R``.

    Examples
    --------
    >>> round(power_two_proportions(0.3, 0.4, 200), 4)
    0.5546
    >>> round(power_two_proportions(0.3, 0.4, 200, method="arcsine"), 4)
    0.5563
    >>> round(power_two_proportions(0.3, 0.4, 340, deff=1.7), 4)
    0.5546
    """
    p1, p2, alpha, alternative, method = _check_two_props(p1, p2, alpha, alternative, method)
    n = _sample_n("n", n)
    n2 = n if n2 is None else _sample_n("n2", n2)
    deff = _deff_arg(deff)
    strict = (method == "arcsine") if strict is None else bool(strict)
    e1, e2 = _effective(n, n2, deff, 2)
    return _prop_power(p1, p2, e1, e2, alpha, alternative, method, strict)


# ---------------------------------------------------------------------------
# two means
# ---------------------------------------------------------------------------


def _n_two_means_srs(
    d: float, power: float, alpha: float, alternative: str, method: str, ratio: float, strict: bool
) -> float:
    crit = _crit(alpha, alternative)
    zb = stats.norm.ppf(power)
    n_open = (crit + zb) ** 2 * (1 + 1 / ratio) / d**2
    if (method == "normal" and not (strict and alternative == "two-sided")) or n_open > _MAX_N:
        return n_open  # (beyond _MAX_N, _finish() raises)

    def f(n1: float) -> float:
        return _mean_power(d, n1, ratio * n1, alpha, alternative, method, strict) - power

    if method == "normal":
        lo = 1e-6
        return _solve_increasing(f, lo, n_open, "n1") if f(lo) < 0 else lo
    lo = (2 + _MIN_DF) / (1 + ratio)
    if f(lo) >= 0:
        raise PowerError(
            f"the standardised difference delta/sd={d:g} is so large that fewer than {lo:.2f} "
            f"observations per group reach the power asked, below what the t-test can use; "
            f"plan at least 2 per group, or check delta and sd"
        )
    return _solve_increasing(f, lo, max(2 * n_open, 2 * lo), "n1")


def _check_means(delta: object, sd: object, alpha: object, alternative: object, method: object):
    delta = _number("delta", delta)
    sd = _positive("sd", sd, " (the standard deviation of the outcome in each group)")
    alpha = _alpha_arg(alpha)
    alternative = _choice("alternative", alternative, _ALTERNATIVES)
    method = _choice("method", method, ("t", "normal"))
    return delta, sd, alpha, alternative, method


def sample_size_two_means(
    delta: float,
    sd: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    ratio: float = 1,
    deff: float = 1,
    method: MeanMethod = "t",
    strict: bool = False,
    exact: bool = False,
) -> int | float:
    """Sample size per group to detect a difference between two means.

    Parameters
    ----------
    delta : float
        Difference to detect, ``mean1 - mean2`` (non-zero).
    sd : float
        Common standard deviation of the outcome (> 0).
    power, alpha : float
        Target power (in (alpha, 1)) and significance level.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        ``"greater"`` tests ``mean1 > mean2`` (``delta > 0``).
    ratio : float, default 1
        ``n2 / n1``; group 2 needs ``ceil(ratio * n1)``.
    deff : float, default 1
        Design effect (> 0); the t-test is planned on the effective sizes ``n / deff``
        (degrees of freedom included) and ``n1`` is multiplied by ``deff``.
    method : {"t", "normal"}, default "t"
        ``"t"``: the two-sample t-test with the noncentral t distribution, as R's
        ``power.t.test(type = "two.sample")``. ``"normal"``: the large-sample formula of
        docs/methodology.md §5.4, ``n = 2 sd^2 (z_a + z_b)^2 / delta^2``.
    strict : bool, default False
        Two-sided only: also count rejections in the opposite tail (R's ``strict = TRUE``).
        The default matches ``power.t.test``'s default.
    exact : bool, default False
        Return the unrounded size instead of rounding up.

    Returns
    -------
    int or float
        ``n1``, the sample size of group 1 (each group when ``ratio=1``).

    Raises
    ------
    PowerError
        If an argument is out of range, ``delta == 0``, ``power <= alpha``, or a one-sided
        ``alternative`` points against ``delta``.

    Notes
    -----
    ``"t"`` solves ``power(n1) = power`` with :func:`scipy.optimize.brentq`, where power is
    computed with :data:`scipy.stats.nct` on ``df = n1 + n2 - 2`` and noncentrality
    ``delta / (sd sqrt(1/n1 + 1/n2))``; ``"normal"`` uses
    ``n1 = (1 + 1/r) sd^2 (z_a + z_b)^2 / delta^2``. Validated against ``power.t.test``
    (``strict`` both ways, one- and two-sided) and, for unequal groups, ``pwr.t2n.test``
    (``tests/reference/power.R``). docs/methodology.md §5.4's 142 per group (sd 15, delta 5) is the
    normal formula; the t-test needs 143.

    Examples
    --------
    >>> sample_size_two_means(5, 15)
    143
    >>> sample_size_two_means(5, 15, method="normal")
    142
    >>> round(sample_size_two_means(5, 15, exact=True), 3)
    142.247
    """
    delta, sd, alpha, alternative, method = _check_means(delta, sd, alpha, alternative, method)
    power = _power_arg(power, alpha)
    ratio = _positive("ratio", ratio, " (n2 / n1; 1 for equal groups)")
    deff = _deff_arg(deff)
    if delta == 0:
        raise PowerError(
            "delta=0: there is no difference to detect; give the smallest difference worth detecting "
            "(mean1 - mean2, in the outcome's units)"
        )
    _direction(
        alternative,
        delta,
        "mean1 ? mean2",
        "change the sign of delta, or use the other one-sided alternative, or 'two-sided'",
    )
    n1 = _n_two_means_srs(delta / sd, power, alpha, alternative, method, ratio, bool(strict))
    return _finish(n1 * deff, exact)


def power_two_means(
    delta: float,
    sd: float,
    n: float,
    *,
    n2: float | None = None,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    deff: float = 1,
    method: MeanMethod = "t",
    strict: bool = False,
) -> float:
    """Power of a comparison of two means.

    Parameters
    ----------
    delta : float
        True difference ``mean1 - mean2``.
    sd : float
        Common standard deviation (> 0).
    n : float
        Sample size of group 1 (of each group when ``n2`` is not given).
    n2 : float, optional
        Sample size of group 2; defaults to ``n``.
    alpha, alternative, deff, method, strict
        As in :func:`sample_size_two_means`. For ``"t"`` the effective sizes ``n / deff`` must
        leave positive degrees of freedom.

    Returns
    -------
    float
        Power, in [0, 1].

    Notes
    -----
    ``"t"``: ``P(T' > t_{1-a/2, df})`` (+ ``P(T' < -t_{1-a/2, df})`` if ``strict``) with ``T'``
    noncentral t on ``df = n1 + n2 - 2`` and ncp ``delta / (sd sqrt(1/n1 + 1/n2))``, as
    ``power.t.test`` (equal n) and ``pwr.t2n.test`` (unequal n). ``"normal"``: the same with the
    normal distribution. Validated in ``tests/reference/power.R``.

    Examples
    --------
    >>> round(power_two_means(5, 15, 100), 4)
    0.6501
    >>> round(power_two_means(5, 15, 100, method="normal"), 4)
    0.6543
    """
    delta, sd, alpha, alternative, method = _check_means(delta, sd, alpha, alternative, method)
    n = _sample_n("n", n)
    n2 = n if n2 is None else _sample_n("n2", n2)
    deff = _deff_arg(deff)
    e1, e2 = _effective(n, n2, deff, 2 + _MIN_DF if method == "t" else 2)
    return _mean_power(delta / sd, e1, e2, alpha, alternative, method, bool(strict))


# ---------------------------------------------------------------------------
# minimum detectable effects
# ---------------------------------------------------------------------------


def mde_proportion(
    n: float,
    *,
    p: float = 0.5,
    power: float = 0.8,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    deff: float = 1,
    n2: float | None = None,
) -> float:
    """Minimum detectable difference between two proportions.

    Parameters
    ----------
    n : float
        Sample size of group 1 (of each group when ``n2`` is not given).
    p : float, default 0.5
        Proportion assumed in both groups for the variance (0.5 is the most conservative).
    power, alpha, alternative
        As in :func:`sample_size_two_proportions`.
    deff : float, default 1
        Design effect (> 0).
    n2 : float, optional
        Sample size of group 2; defaults to ``n``.

    Returns
    -------
    float
        The MDE on the proportion scale (0.099 = 9.9 percentage points), as a positive number
        whatever the ``alternative``.

    Notes
    -----
    ``MDE = (z_a + z_b) sqrt(p (1 - p) (1/n1 + 1/n2)) sqrt(deff)`` (docs/methodology.md §5.4), with
    ``z_a`` the ``1 - alpha/2`` (two-sided) or ``1 - alpha`` normal quantile. It assumes the
    same variance ``p (1 - p)`` under H0 and H1, so it is close to, but not exactly, the
    inverse of :func:`sample_size_two_proportions`. Validated against docs/methodology.md §5.4
    (n = 400 per arm, p = 0.5: 9.9 points; 12.9 at DEFF 1.7).

    Examples
    --------
    >>> round(mde_proportion(400), 4)
    0.0991
    >>> round(mde_proportion(400, deff=1.7), 4)
    0.1291
    """
    n = _sample_n("n", n)
    n2 = n if n2 is None else _sample_n("n2", n2)
    p = _proportion("p", p)
    alpha = _alpha_arg(alpha)
    power = _power_arg(power, alpha)
    alternative = _choice("alternative", alternative, _ALTERNATIVES)
    deff = _deff_arg(deff)
    z = _crit(alpha, alternative) + stats.norm.ppf(power)
    mde = float(z * math.sqrt(p * (1 - p) * (1 / n + 1 / n2)) * math.sqrt(deff))
    if mde >= 1:
        raise PowerError(
            f"with n={n:g}, n2={n2:g} and deff={deff:g} no difference in proportions is detectable "
            f"(MDE {mde:.2f} >= 1); increase n"
        )
    return mde


def mde_mean(
    n: float,
    sd: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    deff: float = 1,
    n2: float | None = None,
    method: MeanMethod = "t",
    strict: bool = False,
) -> float:
    """Minimum detectable difference between two means.

    Parameters
    ----------
    n : float
        Sample size of group 1 (of each group when ``n2`` is not given).
    sd : float
        Common standard deviation (> 0).
    power, alpha, alternative, deff, method, strict
        As in :func:`sample_size_two_means`.
    n2 : float, optional
        Sample size of group 2; defaults to ``n``.

    Returns
    -------
    float
        The MDE in the outcome's units, as a positive number (for ``alternative="less"`` the
        detectable difference is ``-mde``).

    Notes
    -----
    ``"normal"``: ``(z_a + z_b) sd sqrt(1/n1 + 1/n2) sqrt(deff)``. ``"t"``: the ``delta`` at
    which :func:`power_two_means` equals ``power``, solved with :func:`scipy.optimize.brentq`,
    as ``power.t.test(n = , sd = , power = )$delta``; validated against it and against
    ``pwr.t2n.test`` for unequal groups (``tests/reference/power.R``).

    Examples
    --------
    >>> round(mde_mean(100, 15), 3)
    5.972
    >>> round(mde_mean(100, 15, method="normal"), 3)
    5.943
    """
    n = _sample_n("n", n)
    n2 = n if n2 is None else _sample_n("n2", n2)
    sd = _positive("sd", sd, " (the standard deviation of the outcome in each group)")
    alpha = _alpha_arg(alpha)
    power = _power_arg(power, alpha)
    alternative = _choice("alternative", alternative, _ALTERNATIVES)
    method = _choice("method", method, ("t", "normal"))
    deff = _deff_arg(deff)
    strict = bool(strict)
    e1, e2 = _effective(n, n2, deff, 2 + _MIN_DF if method == "t" else 2)
    sign = -1.0 if alternative == "less" else 1.0
    d_open = (_crit(alpha, alternative) + stats.norm.ppf(power)) * math.sqrt(1 / e1 + 1 / e2)
    if method == "normal" and not (strict and alternative == "two-sided"):
        return float(d_open * sd)

    def f(d: float) -> float:
        return _mean_power(sign * d, e1, e2, alpha, alternative, method, strict) - power

    d = _solve_increasing(f, 0.0, max(d_open, 1e-8), "standardised difference")
    return float(d * sd)


# ---------------------------------------------------------------------------
# designs: DiD / ANCOVA, clusters
# ---------------------------------------------------------------------------


def design_effect(icc: float = 0.05, cluster_size: float | None = None, *, cv: float = 0) -> float:
    """Design effect of cluster sampling.

    Parameters
    ----------
    icc : float, default 0.05
        Intra-cluster correlation, in [0, 1]. The default is campaign_me's planning convention
        for individual knowledge and attitude items (docs/methodology.md §5.3), not a measured
        value: replace it with an estimate from your baseline or a comparable survey.
    cluster_size : float
        Mean number of interviews per cluster, ``m`` (>= 1). Required (it has no default; the
        ``None`` in the signature only lets ``icc`` come first with a default).
    cv : float, default 0
        Coefficient of variation of the cluster sizes (sd / mean), >= 0.

    Returns
    -------
    float
        ``1 + ((cv^2 + 1) m - 1) icc``.

    Notes
    -----
    With equal clusters (``cv=0``) this is Kish's (1965) ``1 + (m - 1) icc`` (docs/methodology.md §5.3);
    with unequal clusters, Eldridge, Ashby & Kerry (2006, IJE 35:1292), who show that using the
    mean size understates the design effect.

    Examples
    --------
    >>> round(design_effect(0.05, 15), 6)
    1.7
    >>> round(design_effect(cluster_size=15), 6)  # the planning default icc=0.05
    1.7
    >>> round(design_effect(0.05, 20, cv=0.5), 6)
    2.2
    """
    if cluster_size is None:
        raise PowerError(
            "design_effect needs cluster_size, the mean number of interviews per cluster "
            "(e.g. design_effect(cluster_size=15) with the planning default icc=0.05)"
        )
    icc = _number("icc", icc)
    if not 0 <= icc <= 1:
        raise PowerError(f"icc={icc!r} must be in [0, 1] (typical values 0.01-0.2; docs/methodology.md §5.3)")
    m = _number("cluster_size", cluster_size)
    if m < 1:
        raise PowerError(f"cluster_size={m:g} must be at least 1 (interviews per cluster)")
    cv = _number("cv", cv)
    if cv < 0:
        raise PowerError(f"cv={cv!r} must be >= 0 (the coefficient of variation of cluster sizes)")
    return 1 + ((cv**2 + 1) * m - 1) * icc


_DID_FACTOR = {"repeated": "2", "panel": "2 (1 - rho)", "ancova": "1 - rho^2"}


def sample_size_did(
    p1: float | None = None,
    p2: float | None = None,
    *,
    n_post: float | None = None,
    design: Literal["repeated", "panel", "ancova"] = "repeated",
    rho: float | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    method: ProportionMethod = "pooled",
    deff: float = 1,
    retention: float = 1,
    exact: bool = False,
) -> int | float:
    """Sample size per arm and per round for a baseline-endline comparison.

    Parameters
    ----------
    p1, p2 : float, optional
        Endline proportions in the two arms, as for a post-only comparison (the effect is
        ``p1 - p2``; baselines are assumed equal). Give these or ``n_post``.
    n_post : float, optional
        Per-arm size of the post-only comparison, unrounded (e.g.
        ``sample_size_two_means(..., exact=True)`` for a mean outcome). When given, ``p1``,
        ``p2``, ``power``, ``alpha``, ``alternative`` and ``method`` are not used.
    design : {"repeated", "panel", "ancova"}, default "repeated"
        ``"repeated"``: fresh cross-sections at baseline and endline, DiD estimator.
        ``"panel"``: the same people twice, DiD estimator. ``"ancova"``: the same people
        twice, endline regressed on baseline (McKenzie 2012).
    rho : float, optional
        Baseline-endline autocorrelation of the outcome, in (-1, 1); required for
        ``"panel"`` and ``"ancova"`` (there is no safe default: estimate it from earlier
        rounds or plan for several values).
    power, alpha, alternative, method
        As in :func:`sample_size_two_proportions` (used to compute ``n_post``).
    deff : float, default 1
        Design effect (> 0).
    retention : float, default 1
        Fraction of the sample drawn that ends up analysed, in (0, 1]: panel retention
        from baseline to endline, or the response rate for repeated cross-sections.
    exact : bool, default False
        Return the unrounded size instead of rounding up.

    Returns
    -------
    int or float
        Interviews per arm in each round (total = 2 arms x 2 rounds x this).

    Notes
    -----
    ``n = n_post * factor * deff / retention``, rounded up once, with ``factor`` 2 for repeated
    cross-sections (Var(DiD) = 4 sigma^2 / n), ``2 (1 - rho)`` for a panel with DiD and
    ``1 - rho^2`` for a panel with ANCOVA (docs/methodology.md §5.5; McKenzie 2012, J. Dev. Econ.
    99:210). ``n_post`` is the unrounded result of :func:`sample_size_two_proportions`. The
    factors assume the outcome's variance is the same at both rounds. With one baseline and one
    follow-up, ANCOVA's factor is ``(1 + rho) / 2`` times the panel DiD's, never more than it
    for any ``rho < 1``: its saving over DiD is largest when ``rho`` is low (half the sample
    at ``rho = 0``), and its saving over the endline-only comparison (``1 - rho^2``) is largest
    when ``rho`` is high. Validated against
    docs/methodology.md §5.5 (30% vs 40%: 712 per arm per round for repeated cross-sections, 356 for a
    panel DiD and 267 for ANCOVA at rho = 0.5); these hold whether or not ``n_post`` (355.94)
    is rounded first.

    Examples
    --------
    >>> sample_size_did(0.3, 0.4)
    712
    >>> sample_size_did(0.3, 0.4, design="panel", rho=0.5)
    356
    >>> sample_size_did(0.3, 0.4, design="ancova", rho=0.5)
    267
    """
    design = _choice("design", design, tuple(_DID_FACTOR))
    deff = _deff_arg(deff)
    retention = _rate("retention", retention)
    if n_post is not None:
        if p1 is not None or p2 is not None:
            raise PowerError("give either p1 and p2, or n_post, not both")
        base = _sample_n("n_post", n_post)
    else:
        if p1 is None or p2 is None:
            raise PowerError(
                "give p1 and p2 (the endline proportions of the two arms), or n_post (the per-arm size "
                "of a post-only comparison, e.g. from sample_size_two_means(..., exact=True))"
            )
        base = float(
            sample_size_two_proportions(
                p1, p2, power=power, alpha=alpha, alternative=alternative, method=method, exact=True
            )
        )
    if design == "repeated":
        if rho is not None:
            raise PowerError(
                "rho is not used by design='repeated' (fresh samples each round); drop it, or use "
                "design='panel' or 'ancova'"
            )
        factor = 2.0
    else:
        if rho is None:
            raise PowerError(
                f"design={design!r} needs rho, the baseline-endline autocorrelation of the outcome "
                f"(e.g. rho=0.5); estimate it from earlier rounds or try several values"
            )
        rho = _number("rho", rho)
        if not -1 < rho < 1:
            raise PowerError(f"rho={rho!r} must be strictly between -1 and 1 (an autocorrelation)")
        factor = 2 * (1 - rho) if design == "panel" else 1 - rho**2
    return _finish(base * factor * deff / retention, exact)


def clusters_per_arm(
    p1: float,
    p2: float,
    cluster_size: float,
    *,
    icc: float = 0.05,
    k: float | None = None,
    method: Literal["deff", "hayes-bennett"] = "deff",
    cv: float = 0,
    power: float = 0.8,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    response_rate: float = 1,
    exact: bool = False,
) -> int | float:
    """Number of clusters per arm for a cluster-randomised comparison of two proportions.

    Parameters
    ----------
    p1, p2 : float
        Proportions expected in the two arms, in (0, 1), not equal.
    cluster_size : float
        Interviews per cluster, ``m`` (>= 1).
    icc : float, default 0.05
        Intra-cluster correlation, used by ``method="deff"``. The default is campaign_me's
        planning convention for individual knowledge and attitude items (docs/methodology.md
        §5.3), not a measured value: replace it with an estimate from your baseline. Not used by
        ``method="hayes-bennett"`` (give ``k`` instead); a value other than the default is then
        an error.
    k : float, optional
        Between-cluster coefficient of variation of the proportion (>= 0); required by
        ``method="hayes-bennett"``.
    method : {"deff", "hayes-bennett"}, default "deff"
        ``"deff"``: individually randomised size times the design effect, divided by ``m``.
        ``"hayes-bennett"``: Hayes & Bennett (1999).
    cv : float, default 0
        Coefficient of variation of cluster sizes, for the design effect (``method="deff"``
        only; see :func:`design_effect`).
    power, alpha, alternative
        As in :func:`sample_size_two_proportions`.
    response_rate : float, default 1
        Expected response rate, in (0, 1]; the number of clusters is divided by it.
    exact : bool, default False
        Return the unrounded number instead of rounding up.

    Returns
    -------
    int or float
        Clusters per arm (interviews per arm = clusters x ``cluster_size``).

    Notes
    -----
    ``"deff"``: ``c = n_ind * (1 + ((cv^2 + 1) m - 1) icc) / m / response_rate``, where
    ``n_ind`` is the **unrounded** :func:`sample_size_two_proportions` (pooled) per-arm size;
    docs/methodology.md §5.6's 694.1 = 355.94 x 1.95 is the unrounded value (356 x 1.95 would be
    694.2), giving 34.70 -> 35 clusters per arm, 38.56 -> 39 at 90% response.
    ``"hayes-bennett"`` (Hayes & Bennett 1999, IJE 28:319, eq. 3)::

        c = 1 + (z_a + z_b)^2 [p1 q1 / m + p2 q2 / m + k^2 (p1^2 + p2^2)] / (p1 - p2)^2

    then divided by ``response_rate``. Either way ``response_rate`` inflates the number of
    clusters at the planned ``m``, as docs/methodology.md §5.6 does; this is conservative (fewer
    respondents per cluster would also lower the design effect). Validated against
    docs/methodology.md §5.6 (35, 39; 30.9 -> 31) and the closed forms in ``tests/reference/power.R``.

    Examples
    --------
    >>> clusters_per_arm(0.3, 0.4, 20, icc=0.05)
    35
    >>> clusters_per_arm(0.3, 0.4, 20)  # the planning default icc=0.05
    35
    >>> clusters_per_arm(0.3, 0.4, 20, icc=0.05, response_rate=0.9)
    39
    >>> clusters_per_arm(0.3, 0.4, 20, k=0.25, method="hayes-bennett")
    31
    """
    p1 = _proportion("p1", p1)
    p2 = _proportion("p2", p2)
    method = _choice("method", method, ("deff", "hayes-bennett"))
    m = _number("cluster_size", cluster_size)
    if m < 1:
        raise PowerError(f"cluster_size={m:g} must be at least 1 (interviews per cluster)")
    alpha = _alpha_arg(alpha)
    power = _power_arg(power, alpha)
    alternative = _choice("alternative", alternative, _ALTERNATIVES)
    response_rate = _rate("response_rate", response_rate)
    if method == "deff":
        if k is not None:
            raise PowerError(
                "k is used by method='hayes-bennett' only; with method='deff' give icc, or set "
                "method='hayes-bennett'"
            )
        deff = design_effect(icc, m, cv=cv)
        n_ind = float(
            sample_size_two_proportions(p1, p2, power=power, alpha=alpha, alternative=alternative, exact=True)
        )
        c = n_ind * deff / m
    else:
        if k is None:
            raise PowerError(
                "method='hayes-bennett' needs k, the between-cluster coefficient of variation of the "
                "proportion (e.g. k=0.25)"
            )
        if _number("icc", icc) != 0.05:
            raise PowerError(
                f"icc={icc!r} is used by method='deff' only; with method='hayes-bennett' give k (and leave icc "
                "at its default), or set method='deff'"
            )
        if _number("cv", cv) != 0:
            raise PowerError("cv is used by method='deff' only; drop it with method='hayes-bennett'")
        k = _number("k", k)
        if k < 0:
            raise PowerError(f"k={k!r} must be >= 0 (a coefficient of variation)")
        _distinct("p1", p1, "p2", p2, f"p2={min(p1 + 0.1, 0.99):g}")
        _direction(
            alternative,
            p1 - p2,
            "p1 ? p2",
            "swap p1 and p2, or use the other one-sided alternative, or 'two-sided'",
        )
        z = _crit(alpha, alternative) + stats.norm.ppf(power)
        var = p1 * (1 - p1) / m + p2 * (1 - p2) / m + k**2 * (p1**2 + p2**2)
        c = 1 + z**2 * var / (p1 - p2) ** 2
    return _finish(c / response_rate, exact)
