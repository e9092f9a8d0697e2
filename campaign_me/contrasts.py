"""Differences between independent estimates: one function, used by every module that compares.

Two estimates from *independent* samples (two survey rounds drawn separately, two arms of a
trial analysed as separate designs, two countries) have a difference whose variance is the sum of
their variances. :func:`difference` takes two tidy estimate tables (as returned by
:class:`campaign_me.SurveyDesign` estimators or :func:`campaign_me.indicators.compute_indicators`)
and returns the difference of each pair of rows with its standard error, a t interval and a
two-sided p-value.

Do **not** use it for two estimates from the *same* respondents (aided recall minus decoy
recognition, a panel's two waves) or the same clusters (rounds that revisit the same villages with
new respondents): they are correlated, and the right standard error comes from the linearised
scores of the difference on one design. For rounds, :func:`campaign_me.indicators.compare_rounds`
and :func:`campaign_me.evaluation.pre_post` / :func:`~campaign_me.evaluation.did` with ``rounds=``
stack the rounds and do that; :func:`difference` refuses ``rounds="same_clusters"`` or ``"panel"``
unless it is given the covariance of the two estimates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .errors import ColumnError, DataError

__all__ = ["difference", "DF_METHODS", "DIFFERENCE_COLUMNS"]

#: Ways to choose the degrees of freedom of the difference when ``df`` is not given.
DF_METHODS = ("satterthwaite", "min", "normal")

#: Result columns of :func:`difference` (after any ``on`` key columns).
DIFFERENCE_COLUMNS = (
    "estimate_a",
    "estimate_b",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "statistic",
    "p_value",
)


def _as_frame(x, name: str) -> pd.DataFrame:
    if isinstance(x, pd.DataFrame):
        return x
    if isinstance(x, pd.Series):
        return x.to_frame().T.reset_index(drop=True)
    if isinstance(x, Mapping):
        return pd.DataFrame([dict(x)])
    raise DataError(
        f"{name}: expected a DataFrame, a Series or a mapping with 'estimate' and 'se', got {type(x).__name__}"
    )


def _numbers(frame: pd.DataFrame, col: str, name: str) -> np.ndarray:
    if col not in frame.columns:
        raise ColumnError(f"{name}: column {col!r} is missing (it has {', '.join(map(repr, frame.columns))})")
    values = pd.to_numeric(frame[col], errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    bad = np.isnan(values) & frame[col].notna().to_numpy()
    if bad.any():
        raise DataError(
            f"{name}: column {col!r} holds non-numbers in rows {np.flatnonzero(bad)[:10].tolist()}"
        )
    if col in ("se", "df") and (values[~np.isnan(values)] < 0).any():
        raise DataError(f"{name}: column {col!r} has negative values")
    return values


def difference(
    a,
    b,
    *,
    on: str | Sequence[str] | None = None,
    level: float = 0.95,
    df: float | None = None,
    df_method: str = "satterthwaite",
    rounds: str = "independent",
    covariance: float | str | None = None,
) -> pd.DataFrame:
    """Difference ``a - b`` of independent estimates, with SE, t interval and p-value.

    Parameters
    ----------
    a, b : pandas.DataFrame, pandas.Series or mapping
        Estimates with columns (keys) ``estimate`` and ``se`` and, optionally, ``df`` (the design
        degrees of freedom of each estimate). A Series or mapping is one row.
    on : str or list of str, optional
        Key columns to pair rows on (e.g. ``["indicator", "sex"]``); rows of either side without a
        partner are kept with a missing difference. Without ``on``, rows are paired by position and
        ``a`` and ``b`` must have the same length.
    level : float, default 0.95
        Confidence level of the interval.
    df : float, optional
        Degrees of freedom of the t quantile and the test, for every row (``numpy.inf`` for normal
        intervals). Default: from ``df_method``.
    df_method : {"satterthwaite", "min", "normal"}, default "satterthwaite"
        Used when ``df`` is None. ``"satterthwaite"``: Welch-Satterthwaite,
        :math:`(s_a^2+s_b^2)^2 / (s_a^4/d_a + s_b^4/d_b)`; ``"min"``: the smaller of the two
        degrees of freedom (conservative); ``"normal"``: infinite (z interval). Rows without ``df``
        columns on both sides fall back to the normal interval.
    rounds : {"independent", "same_clusters", "panel"}, default "independent"
        How the samples of ``a`` and ``b`` relate. Estimates from rounds that share clusters or
        people are correlated: with ``"same_clusters"`` or ``"panel"`` the ``covariance`` must be
        given (else a :class:`~campaign_me.errors.DataError` says how to get the right SE).
    covariance : float or str, optional
        The covariance of the two estimates (a number, or the name of a column of ``a`` holding one
        per row): the variance of the difference is then ``se_a^2 + se_b^2 - 2 cov``, and its degrees
        of freedom ``df``, or the smaller of the two sides' (``df_method="normal"``: infinite).

    Returns
    -------
    pandas.DataFrame
        ``[on...], estimate_a, estimate_b, estimate, se, ci_low, ci_high, df, statistic, p_value``:
        ``estimate = estimate_a - estimate_b``, ``se = sqrt(se_a^2 + se_b^2)``, the interval
        ``estimate +/- t(1-(1-level)/2, df) * se``, ``statistic = estimate/se`` and the two-sided
        p-value from the t distribution with ``df`` degrees of freedom. Any missing input (e.g. a
        suppressed cell) gives a missing result on that row.

    Notes
    -----
    The variance of a difference of independent estimates is the sum of their variances. With
    ``se_a = s_a/sqrt(n_a)``, ``df_a = n_a - 1`` (simple random samples) the Satterthwaite choice
    reproduces Welch's unequal-variance t test.

    Examples
    --------
    >>> import pandas as pd
    >>> endline = {"estimate": 0.40, "se": 0.02}
    >>> baseline = {"estimate": 0.35, "se": 0.015}
    >>> difference(endline, baseline)[["estimate", "se", "statistic"]].round(4)
       estimate     se  statistic
    0      0.05  0.025        2.0
    """
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
        raise DataError(f"level={level!r}: must be a number between 0 and 1 (e.g. 0.95)")
    if df_method not in DF_METHODS:
        raise DataError(f"df_method={df_method!r}: choose one of {', '.join(map(repr, DF_METHODS))}")
    if df is not None and (
        isinstance(df, bool) or not isinstance(df, (int, float, np.integer, np.floating)) or not df > 0
    ):
        raise DataError(f"df={df!r}: give a positive number of degrees of freedom, numpy.inf, or None")
    if rounds not in ("independent", "same_clusters", "panel"):
        raise DataError(f"rounds={rounds!r}: choose 'independent', 'same_clusters' or 'panel'")
    if rounds != "independent" and covariance is None:
        raise DataError(
            f"rounds={rounds!r}: estimates from rounds that share clusters or people are correlated, and a table "
            "of estimates does not hold their covariance; use campaign_me.indicators.compare_rounds(..., "
            f"rounds={rounds!r}) or campaign_me.evaluation.pre_post on combine_rounds(..., rounds={rounds!r}), "
            "or pass covariance="
        )
    fa, fb = _as_frame(a, "a"), _as_frame(b, "b")
    cov_col = None
    if isinstance(covariance, str):
        if covariance not in fa.columns:
            raise ColumnError(f"covariance={covariance!r}: a has no such column")
        cov_col = covariance
    elif covariance is not None and (
        isinstance(covariance, bool) or not isinstance(covariance, (int, float, np.integer, np.floating))
    ):
        raise DataError(f"covariance={covariance!r}: give a number or the name of a column of a")
    keys: list[str] = []
    if on is not None:
        keys = [on] if isinstance(on, str) else list(on)
        for name, f in (("a", fa), ("b", fb)):
            missing = [k for k in keys if k not in f.columns]
            if missing:
                raise ColumnError(f"{name}: key column(s) {', '.join(map(repr, missing))} are missing")
            if f.duplicated(keys).any():
                dup = f.loc[f.duplicated(keys, keep=False), keys].drop_duplicates().head(3)
                raise DataError(
                    f"{name}: the keys {keys} do not identify rows uniquely, e.g. {dup.to_dict('records')}"
                )
        for name, f in (("a", fa), ("b", fb)):
            for c in ("estimate", "se"):
                _numbers(f, c, name)
        cols = ["estimate", "se"] + (["df"] if "df" in fa.columns and "df" in fb.columns else [])
        extra = [cov_col] if cov_col is not None else []
        merged = fa[keys + cols + extra].merge(
            fb[keys + cols], on=keys, how="outer", suffixes=("_a", "_b"), sort=False
        )
        cov_values = merged[cov_col].to_numpy() if cov_col is not None else None
        fa = pd.DataFrame({c: merged[f"{c}_a"].to_numpy() for c in cols})
        fb = pd.DataFrame({c: merged[f"{c}_b"].to_numpy() for c in cols})
        if cov_values is not None:
            fa[cov_col] = cov_values
        head = merged[keys].reset_index(drop=True)
    else:
        if len(fa) != len(fb):
            raise DataError(f"a has {len(fa)} rows but b has {len(fb)}: pass on=[key columns] to pair them")
        head = pd.DataFrame(index=range(len(fa)))
    ea, sa = _numbers(fa, "estimate", "a"), _numbers(fa, "se", "a")
    eb, sb = _numbers(fb, "estimate", "b"), _numbers(fb, "se", "b")
    est = ea - eb
    var = sa**2 + sb**2
    if covariance is not None:
        cov = _numbers(fa, cov_col, "a") if cov_col is not None else np.full(len(est), float(covariance))
        var = var - 2 * cov
        if (var < -1e-12 * (sa**2 + sb**2)).any():
            raise DataError("covariance: larger than the two variances allow (the variance of the difference < 0)")
        var = np.maximum(var, 0.0)
    se = np.sqrt(var)
    if df is not None:
        ddf = np.full(len(est), float(df))
    elif df_method == "normal" or "df" not in fa.columns or "df" not in fb.columns:
        ddf = np.full(len(est), np.inf)
    elif covariance is not None:  # Satterthwaite's formula is for independent estimates
        da, db = _numbers(fa, "df", "a"), _numbers(fb, "df", "b")
        ddf = np.where(np.isnan(da) | np.isnan(db), np.nan, np.fmin(da, db))
    else:
        da, db = _numbers(fa, "df", "a"), _numbers(fb, "df", "b")
        if df_method == "min":
            ddf = np.fmin(da, db) if len(da) else da
            ddf = np.where(np.isnan(da) | np.isnan(db), np.nan, ddf)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                denom = np.where(sa > 0, sa**4 / da, 0.0) + np.where(sb > 0, sb**4 / db, 0.0)
                ddf = np.where(denom > 0, var**2 / denom, np.fmin(da, db))
    with np.errstate(divide="ignore", invalid="ignore"):
        ddf = np.where(ddf > 0, ddf, np.nan)
        q = stats.t.ppf(0.5 + level / 2, ddf)
        stat = np.where(se > 0, est / se, np.nan)
        p = 2 * stats.t.sf(np.abs(stat), ddf)
    out = head.copy()
    out["estimate_a"] = ea
    out["estimate_b"] = eb
    out["estimate"] = est
    out["se"] = se
    out["ci_low"] = est - q * se
    out["ci_high"] = est + q * se
    out["df"] = ddf
    out["statistic"] = stat
    out["p_value"] = p
    return out
