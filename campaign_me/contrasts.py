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

For those correlated comparisons on one design, :func:`change_of_means` gives the change of a mean
between two rounds (``y ~ round``) and the difference-in-differences (``y ~ arm * round``) of 0/1
groups from the weighted cell means and their linearised scores (equal to R's ``svyglm`` on the
same design), and :func:`cell_fit` the saturated model behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .conventions import Reporting, check_choice, check_level, reporting
from .deferred import Deferred
from .design import SurveyDesign, indicator_values, numeric_values, residual_df, total_covariance
from .errors import ColumnError, DataError, describe_values
from .rounds import ROUNDS

stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; only the t quantiles and p-values need it

__all__ = [
    "difference",
    "change_of_means",
    "cell_fit",
    "CellFit",
    "require_groups",
    "require_variation",
    "DF_METHODS",
    "DIFFERENCE_COLUMNS",
]

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
    level: float | None = None,
    df: float | None = None,
    df_method: str = "satterthwaite",
    rounds: str = "independent",
    covariance: float | str | None = None,
    settings: Reporting | None = None,
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
    level : float, optional
        Confidence level of the interval (a Python or numpy number); default ``settings.level``,
        else 0.95 (:data:`campaign_me.conventions.LEVEL`).
    df : float, optional
        Degrees of freedom of the t quantile and the test, for every row (``numpy.inf`` for normal
        intervals). Default: ``settings.df`` if it is a number, else from ``df_method``.
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
    settings : campaign_me.conventions.Reporting, optional
        Reporting settings (level and df) in one value; ``level=`` and ``df=`` given explicitly win.

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
    chosen = reporting(settings, level=None if level is None else check_level(level, error=DataError))
    level = chosen.level
    if df is None and not isinstance(chosen.df, str):
        df = chosen.df
    check_choice(df_method, DF_METHODS, argument="df_method", error=DataError)
    if df is not None and (
        isinstance(df, bool) or not isinstance(df, (int, float, np.integer, np.floating)) or not df > 0
    ):
        raise DataError(f"df={df!r}: give a positive number of degrees of freedom, numpy.inf, or None")
    check_choice(rounds, ROUNDS, argument="rounds", error=DataError)
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


# ------------------------------------------------------------------------------------------------
# Differences of means on one design: the saturated 0/1 models from their cell means
# ------------------------------------------------------------------------------------------------
#: Coefficients of the saturated models as contrasts of their cell means: ``y ~ x`` (Intercept, x; cells
#: x = 0, 1) and ``y ~ t * p`` (Intercept, t, p, t:p; cells numbered 2 t + p).
_CONTRASTS = {
    1: np.array([[1.0, 0], [-1, 1]]),
    2: np.array([[1.0, 0, 0, 0], [-1, 0, 1, 0], [-1, 1, 0, 0], [1, -1, -1, 1]]),
}


@dataclass(frozen=True, eq=False)
class CellFit:
    """A saturated 0/1 model fitted from its cell means (what the estimators use of a regression fit)."""

    outcome: str
    terms: tuple[str, ...]
    params: np.ndarray
    influence: np.ndarray  # rows x terms: the coefficients' linearised scores
    rows: np.ndarray  # positions in design.data of the fitted rows
    used: np.ndarray  # boolean mask over design.data

    def index(self, term: str) -> int:
        if term not in self.terms:
            raise DataError(f"term {term!r} is not in the model; its terms are {describe_values(self.terms)}")
        return self.terms.index(term)


def cell_fit(
    design: SurveyDesign,
    outcome: str,
    *groups: tuple[str, np.ndarray],
    quote: Callable[[str], str] | None = None,
    strict: bool = True,
) -> CellFit | None:
    """``outcome ~ x`` or ``outcome ~ t * p`` (0/1 columns) fitted from the weighted cell means.

    ``groups`` are one or two ``(column, values)`` pairs of 0/1 columns (values as floats, NaN where
    missing, as :func:`campaign_me.design.indicator_values` gives them). A saturated model's
    least-squares coefficients are contrasts of the weighted cell means, and its linearised scores
    (``(X'WX)^-1 x_i w_i e_i``) are the same contrasts of the cell means' scores
    ``w_i (y_i - m_c) / W_c``: a few grouped sums instead of a model matrix and a fit, with the rows
    a regression would use (every variable observed, positive weight). ``quote`` turns a column
    name into its term name (default: the name itself).

    Returns None when a cell has no row, a column is named twice, and (``strict``, for callers that
    fall back to :func:`campaign_me.regression.fit_model` to name the problem) unless every variable
    is a number as a formula reads it (a numpy bool column, for one, is a factor there) and there
    are more rows than coefficients.
    """
    quote = quote or str
    data = design.data
    names = [c for c, _ in groups]
    if len(set(names) | {outcome}) != len(names) + 1:  # a column twice: fit_model names the problem
        return None
    if strict:
        for c in (outcome, *names):
            dtype = data[c].dtype
            if not pd.api.types.is_numeric_dtype(dtype) or (
                dtype.kind == "b" and not pd.api.types.is_extension_array_dtype(dtype)
            ):
                return None
    contrasts = _CONTRASTS[len(groups)]
    k = len(contrasts)
    y_all = numeric_values(data[outcome])
    w_all = design.weights.to_numpy()
    used = ~np.isnan(y_all) & (w_all > 0)
    for _, values in groups:
        used &= ~np.isnan(values)
    rows = np.flatnonzero(used)
    if len(rows) <= k and (strict or not len(rows)):
        return None
    every = len(rows) == len(used)  # every row: no copies
    y, w = (y_all, w_all) if every else (y_all[rows], w_all[rows])
    cell = np.zeros(len(rows), dtype=np.intp)
    for _, values in groups:
        cell = 2 * cell + (values if every else values[rows]).astype(np.intp)
    total = np.bincount(cell, weights=w, minlength=k)
    if not (total > 0).all():
        return None
    means = np.bincount(cell, weights=w * y, minlength=k) / total
    z = w * (y - means[cell]) / total[cell]
    influence = np.empty((k, len(rows)))  # filled by term, used as rows x terms (column-major)
    for j in range(k):
        np.multiply(contrasts[j][cell], z, out=influence[j])
    quoted = [quote(c) for c in names]
    terms = ("Intercept", *quoted) + ((":".join(quoted),) if len(quoted) == 2 else ())
    return CellFit(outcome=quote(outcome), terms=terms, params=contrasts @ means, influence=influence.T,
                   rows=rows, used=used)


def require_groups(design: SurveyDesign, cells: dict[str, np.ndarray], outcome: str) -> None:
    """Each named group (a boolean mask over the rows) must hold a respondent with the outcome observed."""
    ok = ~np.isnan(numeric_values(design.data[outcome])) & (design.weights.to_numpy() > 0)
    empty = [name for name, mask in cells.items() if not (mask & ok).any()]
    if empty:
        raise DataError(
            f"outcome {outcome!r}: no respondent with an observed outcome in {describe_values(empty)}; "
            "the comparison needs every group in every round"
        )


def require_variation(design: SurveyDesign, values: np.ndarray, name: str, argument: str) -> None:
    """The 0/1 ``values`` of column ``name`` (keyword ``argument``) must take both values (weight > 0)."""
    w = design.weights.to_numpy() > 0
    present = values[w & ~np.isnan(values)]
    if not len(present) or present.min() == present.max():
        raise DataError(
            f"{argument}={name!r} does not vary (every respondent in the design has "
            f"{describe_values(np.unique(present).tolist())}); a comparison needs both groups"
        )


def change_of_means(
    design: SurveyDesign,
    outcome: str,
    post: str,
    *,
    treated: str | None = None,
    level: float | None = None,
    df: float | None = None,
    settings: Reporting | None = None,
) -> dict[str, float]:
    """The change of a mean between two rounds, or its difference-in-differences, on one design.

    Parameters
    ----------
    design : SurveyDesign
        Both rounds in one design (:func:`campaign_me.rounds.combine_rounds`); a subset design
        (:meth:`SurveyDesign.subset`) restricts the comparison to a domain, keeping every PSU in the
        variance.
    outcome : str
        Numeric column.
    post : str
        0/1 column, 1 in the endline round.
    treated : str, optional
        0/1 column, 1 in campaign areas: the estimate is then the difference-in-differences.
    level : float, optional
        Confidence level (default: ``settings.level``, else 0.95,
        :data:`campaign_me.conventions.LEVEL`).
    df : float, optional
        Degrees of freedom (default: ``settings.df`` if it is a number, else the residual degrees of
        freedom, as R's ``svyglm``).
    settings : campaign_me.conventions.Reporting, optional
        ``level`` and ``df`` in one value; ``level=`` and ``df=`` given explicitly win.

    Returns
    -------
    dict
        ``estimate, se, ci_low, ci_high, df, p_value``: the coefficient of ``post`` in
        ``outcome ~ post``, or of ``treated:post`` in ``outcome ~ treated * post``, with its
        linearised design-based SE (:func:`cell_fit`, :func:`campaign_me.design.total_covariance`),
        equal to R's ``svyglm`` on the same design (the engine of
        :func:`campaign_me.evaluation.pre_post` and :func:`campaign_me.evaluation.did` without
        covariates).

    Raises
    ------
    DataError
        A group column that is not 0/1 or does not vary, or a round (x arm) cell with no respondent
        with the outcome observed.
    """
    chosen = reporting(settings, level=None if level is None else check_level(level, error=DataError))
    level = chosen.level
    if df is None and not isinstance(chosen.df, str):
        df = chosen.df
    if treated is not None:
        t = indicator_values(design, treated, "treated")
    p = indicator_values(design, post, "post")
    if treated is None:
        require_variation(design, p, post, "post")
        require_groups(design, {"baseline": p == 0, "endline": p == 1}, outcome)
        fit = cell_fit(design, outcome, (post, p), strict=False)
    else:
        require_variation(design, t, treated, "treated")
        require_variation(design, p, post, "post")
        cells = {f"{'campaign' if a else 'comparison'} x {'endline' if r else 'baseline'}": (t == a) & (p == r)
                 for a in (0, 1) for r in (0, 1)}
        require_groups(design, cells, outcome)
        fit = cell_fit(design, outcome, (treated, t), (post, p), strict=False)
    if fit is None:
        raise DataError(f"outcome {outcome!r}, post {post!r}: a column is named twice; name each once")
    if treated is None:  # as evaluation.pre_post: the variance of the one coefficient
        j = 1
        var = float(total_covariance(design, fit.influence[:, [j]], fit.rows)[0, 0])
        ddf = residual_df(design, fit.used, 2, df, what=f"pre_post of {fit.outcome!r}")
    else:  # as evaluation.did: from the covariance of the four coefficients
        j = 3
        var = float(total_covariance(design, fit.influence, fit.rows)[j, j])
        ddf = residual_df(design, fit.used, 4, df, what="did table")
    est = float(fit.params[j])
    se = float(np.sqrt(max(var, 0.0)))
    q = float(stats.t.ppf(0.5 + level / 2, ddf))
    pval = float(2 * stats.t.sf(abs(est / se), ddf)) if se > 0 else float("nan")
    return {"estimate": est, "se": se, "ci_low": est - q * se, "ci_high": est + q * se, "df": ddf, "p_value": pval}
