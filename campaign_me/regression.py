"""Design-based linear and logistic regression on a :class:`~campaign_me.SurveyDesign`.

Coefficients are those of the weighted fit (statsmodels ``WLS`` or a binomial ``GLM`` with the
analysis weights); standard errors are Taylor-linearised over the survey design, as R's
``svyglm`` computes them: the sandwich :math:`A^{-1} B A^{-1}` whose middle is the design
variance of the totals of the estimating-function scores (Binder 1983; Lumley 2010, ch. 5).
Intervals and p-values use Student's t on the design's residual degrees of freedom
(PSUs minus strata, plus one, minus the number of coefficients), as ``summary.svyglm`` does.
A domain fit (a design from :meth:`SurveyDesign.subset`) keeps every PSU of the full design.

This module belongs to the Effects layer; it knows nothing of campaigns.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, stats

from .design import SurveyDesign
from .errors import DataError, DesignError, describe_rows, describe_values, require_columns

__all__ = ["RegressionResult", "Model", "regress", "fit_model", "total_covariance", "REGRESSION_COLUMNS"]

#: Columns of :meth:`RegressionResult.to_frame` (logistic fits add ``odds_ratio, or_ci_low, or_ci_high``).
REGRESSION_COLUMNS = ("term", "estimate", "se", "ci_low", "ci_high", "p_value", "df")

FAMILIES = ("linear", "logistic")
_CHUNK = 30  # score columns added to the design's data per call of total()


@dataclass(frozen=True, eq=False)
class RegressionResult:
    """A design-based regression fit.

    Attributes
    ----------
    formula : str
        The model formula (patsy syntax) that was fitted.
    family : {"linear", "logistic"}
    terms : tuple of str
        Coefficient names, in order.
    params : numpy.ndarray
        Coefficients.
    cov : numpy.ndarray
        Design-based (Taylor-linearised) covariance matrix of the coefficients.
    df : float
        Residual degrees of freedom of the t quantiles (design df + 1 - number of coefficients).
    n : int
        Respondents in the fit (domain rows without a missing value in the model's variables).
    level : float
        Confidence level of the intervals.
    outcome : str
        The outcome's name (the formula's left-hand side).
    """

    formula: str
    family: str
    terms: tuple[str, ...]
    params: np.ndarray
    cov: np.ndarray
    df: float
    n: int
    level: float
    outcome: str
    rows: np.ndarray = field(repr=False)  # positions of the fitted rows in design.data

    @property
    def se(self) -> np.ndarray:
        """Standard errors of the coefficients."""
        return np.sqrt(np.clip(np.diag(self.cov), 0, None))

    def coef(self, term: str) -> tuple[float, float]:
        """Estimate and standard error of one coefficient, by name."""
        i = self._index(term)
        return float(self.params[i]), float(self.se[i])

    def _index(self, term: str) -> int:
        if term not in self.terms:
            raise DataError(f"term {term!r} is not in the model; its terms are {describe_values(self.terms, limit=20)}")
        return self.terms.index(term)

    def contrast(self, weights: dict[str, float] | Sequence[float]) -> tuple[float, float]:
        """Estimate and standard error of a linear combination of the coefficients.

        Parameters
        ----------
        weights : dict or sequence of float
            ``{term: weight}`` (other terms weigh 0) or one weight per coefficient.
        """
        if isinstance(weights, dict):
            c = np.zeros(len(self.terms))
            for term, value in weights.items():
                c[self._index(term)] = value
        else:
            c = np.asarray(weights, dtype=float)
            if c.shape != (len(self.terms),):
                raise DataError(f"contrast: give {len(self.terms)} weights (one per term), got {c.shape}")
        return float(c @ self.params), float(np.sqrt(max(c @ self.cov @ c, 0.0)))

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: ``term, estimate, se, ci_low, ci_high, p_value, df`` (plus odds ratios for logistic)."""
        se = self.se
        q = stats.t.ppf(0.5 + self.level / 2, self.df)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = self.params / se
        out = pd.DataFrame(
            {
                "term": list(self.terms),
                "estimate": self.params,
                "se": se,
                "ci_low": self.params - q * se,
                "ci_high": self.params + q * se,
                "p_value": 2 * stats.t.sf(np.abs(t), self.df),
                "df": float(self.df),
            }
        )
        if self.family == "logistic":
            out["odds_ratio"] = np.exp(out["estimate"])
            out["or_ci_low"] = np.exp(out["ci_low"])
            out["or_ci_high"] = np.exp(out["ci_high"])
        return out

    def summary(self) -> str:
        """A plain-language paragraph describing the fit."""
        kind = "Linear" if self.family == "linear" else "Logistic"
        scale = "on the outcome's scale" if self.family == "linear" else "as log-odds (odds ratios in to_frame)"
        frame = self.to_frame()
        slopes = frame[frame["term"] != "Intercept"]
        parts = [
            f"{kind} regression of {self.outcome} ({self.formula}) on {self.n} respondents, with "
            f"design-based (Taylor-linearised) standard errors and {self.level:.0%} intervals on "
            f"{self.df:g} residual degrees of freedom; coefficients are {scale}."
        ]
        for row in slopes.itertuples(index=False):
            clear = "excludes" if row.ci_low > 0 or row.ci_high < 0 else "includes"
            parts.append(
                f"{row.term}: {row.estimate:.4g} [{row.ci_low:.4g}, {row.ci_high:.4g}], the interval {clear} zero."
            )
        return " ".join(parts)


def total_covariance(design: SurveyDesign, scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Design covariance matrix of the totals of several score columns.

    Parameters
    ----------
    design : SurveyDesign
    scores : numpy.ndarray
        ``m x k`` scores of the rows ``rows`` (every other row scores zero).
    rows : numpy.ndarray
        Positions (in ``design.data``) of the rows the scores belong to; the variance is that
        of a domain fit on these rows (``design.subset``), so the full design is kept.

    Notes
    -----
    Uses only the design's public estimator: the variances of the weighted totals
    (:meth:`SurveyDesign.total`, R's ``svytotal``) of each score column divided by the weight,
    and of each pairwise
    sum; covariances follow by polarisation, :math:`\\mathrm{cov}(a, b) = (V(a+b) - V(a) - V(b))/2`,
    exact because every variance policy (strata, fpc, lonely PSUs, calibration) is a quadratic
    form in the scores.
    """
    x = np.asarray(scores, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    n, k = len(design.data), x.shape[1]
    used = np.zeros(n, dtype=bool)
    used[rows] = True
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    columns = {}
    w = design.weights.to_numpy()[rows]
    if (w <= 0).any():
        raise DataError("total_covariance: every scored row needs a positive weight")
    for i in range(k):
        full = np.zeros(n)
        full[rows] = x[:, i] / w  # total() weights its column: w * (score / w) = score
        columns[f"__score{i}"] = full
    for i, j in pairs:
        columns[f"__score{i}_{j}"] = columns[f"__score{i}"] + columns[f"__score{j}"]
    taken = [c for c in columns if c in design.data.columns]
    if taken:
        raise DataError(f"the data has reserved column names {describe_values(taken)}; rename them")
    sub = design.subset(pd.Series(used, index=design.data.index))
    names = list(columns)
    v = np.empty(len(names))
    for c0 in range(0, len(names), _CHUNK):  # a few columns at a time: no fragmented frames
        chunk = names[c0 : c0 + _CHUNK]
        est = sub.with_columns(**{c: columns[c] for c in chunk}).total(chunk, df=np.inf)
        v[c0 : c0 + len(chunk)] = est["se"].to_numpy() ** 2
    cov = np.diag(v[:k]).astype(float)
    for (i, j), vij in zip(pairs, v[k:]):
        cov[i, j] = cov[j, i] = (vij - v[i] - v[j]) / 2
    return cov


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _quote(name: str) -> str:
    return name if _IDENT.match(name) else f"Q({name!r})"


def _patsy_frame(data: pd.DataFrame, formula: str) -> pd.DataFrame:
    """The data with a positional index and the formula's nullable columns in numpy dtypes.

    patsy does not understand pandas' extension dtypes (nullable booleans, integers, strings):
    numeric and boolean ones become float64 with NaN, text ones object with NaN.
    """
    frame = data.reset_index(drop=True)
    changes = {}
    for c in frame.columns:
        col = frame[c]
        if not isinstance(c, str) or c not in formula:
            continue
        if isinstance(col.dtype, pd.CategoricalDtype) or not pd.api.types.is_extension_array_dtype(col.dtype):
            continue
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            changes[c] = col.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        else:
            changes[c] = col.astype(object).where(col.notna(), np.nan).to_numpy(dtype=object)
    return frame.assign(**changes) if changes else frame


def _formula_from_columns(data: pd.DataFrame, outcome: str, covariates: Sequence[str]) -> str:
    rhs = []
    for c in covariates:
        col = data[c]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            rhs.append(_quote(c))
        else:
            rhs.append(f"C({_quote(c)})")
    return f"{_quote(outcome)} ~ " + (" + ".join(rhs) if rhs else "1")


def regress(
    design: SurveyDesign,
    formula: str | None = None,
    *,
    outcome: str | None = None,
    covariates: Sequence[str] | None = None,
    family: str = "linear",
    level: float = 0.95,
    df: float | None = None,
) -> RegressionResult:
    """Design-based linear or logistic regression (R's ``svyglm``).

    Parameters
    ----------
    design : SurveyDesign
        The survey design; a subset design fits the domain and keeps the full design.
    formula : str, optional
        A patsy formula, e.g. ``"risk_aware ~ treated * post + C(sex)"``. Column names that are
        not Python identifiers go in ``Q("access/radio")``.
    outcome, covariates : str and list of str, optional
        Instead of a formula: the outcome column and covariate columns (text or categorical
        columns enter as dummies, the first level the reference).
    family : {"linear", "logistic"}, default "linear"
        ``"logistic"`` needs a 0/1 outcome; its coefficients are log-odds (R's
        ``family=quasibinomial()``).
    level : float, default 0.95
        Confidence level of the intervals.
    df : float, optional
        Degrees of freedom of the t quantiles and p-values. Default: the design's residual
        degrees of freedom, ``degf + 1 - k`` as ``svyglm``; ``numpy.inf`` for normal ones.

    Returns
    -------
    RegressionResult
        ``.to_frame()`` gives ``term, estimate, se, ci_low, ci_high, p_value, df``.

    Raises
    ------
    DataError
        Missing columns, a non-binary outcome for a logistic fit, a constant or collinear
        covariate (named), separation in a logistic fit.
    DesignError
        Fewer PSUs than the model needs for residual degrees of freedom.

    Notes
    -----
    With analysis weights :math:`w_i`, fitted means :math:`\\mu_i` and
    :math:`A = \\sum_i w_i v_i x_i x_i^\\top` (:math:`v_i = 1` linear, :math:`\\mu_i(1-\\mu_i)`
    logistic), each row's influence is :math:`A^{-1} x_i w_i (y_i - \\mu_i)` and the covariance
    of the coefficients is the design variance of the influence totals. Validated against R
    ``survey`` 4.x ``svyglm`` to 1e-6 (``tests/reference/regression.R``).

    Examples
    --------
    >>> from campaign_me.datasets import load_api
    >>> d = SurveyDesign(load_api("apiclus1"), psu="dnum", weights="pw", fpc="fpc")
    >>> fit = regress(d, "api00 ~ ell + meals")
    >>> fit.to_frame().round(4)[["term", "estimate", "se", "df"]]
            term  estimate       se    df
    0  Intercept  817.1823  18.6709  12.0
    1        ell   -0.5088   0.3259  12.0
    2      meals   -3.1456   0.3018  12.0
    """
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise DataError(f"level={level!r}: must be a number between 0 and 1 (e.g. 0.95)")
    m = fit_model(design, formula, outcome=outcome, covariates=covariates, family=family)
    formula, x, rows, used, terms, params, out_name = m.formula, m.x, m.rows, m.used, m.terms, m.params, m.outcome
    cov = total_covariance(design, m.influence, rows)
    ddf = residual_df(design, used, x.shape[1], df, what=f"formula {formula!r}")
    return RegressionResult(
        formula=formula,
        family=family,
        terms=terms,
        params=params,
        cov=cov,
        df=float(ddf),
        n=len(rows),
        level=float(level),
        outcome=out_name,
        rows=rows,
    )


def residual_df(design: SurveyDesign, used: np.ndarray, k: int, df: float | None, *, what: str) -> float:
    """Residual degrees of freedom ``degf + 1 - k`` of a fit on the rows ``used`` (or ``df`` if given)."""
    if df is not None:
        if isinstance(df, bool) or not isinstance(df, (int, float, np.integer, np.floating)) or not df > 0:
            raise DataError(f"df={df!r}: give a positive number of degrees of freedom, numpy.inf, or None")
        return float(df)
    degf = design.subset(used).degf
    ddf = degf + 1 - k
    if ddf <= 0:
        raise DesignError(
            f"{what}: {k} coefficients but the design has only {degf} degrees of freedom (PSUs minus "
            "strata); use fewer covariates or pass df=numpy.inf"
        )
    return float(ddf)


@dataclass(frozen=True, eq=False)
class Model:
    """A weighted fit with each row's influence on the coefficients (for combining estimators)."""

    formula: str
    family: str
    outcome: str
    terms: tuple[str, ...]
    params: np.ndarray
    influence: np.ndarray  # rows x terms: the coefficients' linearised scores
    rows: np.ndarray  # positions in design.data of the fitted rows
    used: np.ndarray  # boolean mask over design.data
    x: np.ndarray
    y: np.ndarray
    w: np.ndarray

    def index(self, term: str) -> int:
        if term not in self.terms:
            raise DataError(f"term {term!r} is not in the model; its terms are {describe_values(self.terms, limit=20)}")
        return self.terms.index(term)


def fit_model(
    design: SurveyDesign,
    formula: str | None = None,
    *,
    outcome: str | None = None,
    covariates: Sequence[str] | None = None,
    family: str = "linear",
) -> Model:
    """Fit the weighted model and return coefficients with each row's influence (no variance yet).

    The building block of :func:`regress` and of estimators that combine several fits
    (:func:`campaign_me.evaluation.complier_effect`); arguments as :func:`regress`.
    """
    import patsy

    if not isinstance(design, SurveyDesign):
        raise DataError(f"design: expected a SurveyDesign, got {type(design).__name__}")
    if family not in FAMILIES:
        raise DataError(f"family={family!r}: choose 'linear' or 'logistic'")
    data = design.data
    if formula is None:
        if outcome is None:
            raise DataError("regress: give a formula, or an outcome (and covariates)")
        covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
        require_columns(data, [outcome, *covariates], argument="regress")
        formula = _formula_from_columns(data, outcome, covariates)
    elif outcome is not None or covariates is not None:
        raise DataError("regress: give either a formula or outcome/covariates, not both")
    if not isinstance(formula, str) or "~" not in formula:
        raise DataError(f"formula={formula!r}: expected 'outcome ~ terms', e.g. 'risk_aware ~ treated * post'")

    w_all = design.weights.to_numpy()
    frame = _patsy_frame(data, formula)
    try:
        y_df, x_df = patsy.dmatrices(formula, frame, return_type="dataframe", NA_action="drop", eval_env=0)
    except patsy.PatsyError as exc:
        names = [c for c in re.findall(r"[A-Za-z_][A-Za-z0-9_./]*", formula.split("~")[0]) if c not in data.columns]
        hint = f" (columns not found: {describe_values(names)})" if names else ""
        raise DataError(f"formula {formula!r} could not be evaluated on the data{hint}: {exc}") from None
    if y_df.shape[1] != 1:
        raise DataError(
            f"formula {formula!r}: the outcome must be one numeric column (a text outcome becomes one column "
            "per level); recode it as 0/1"
        )
    out_name = formula.split("~")[0].strip()
    used = np.zeros(len(frame), dtype=bool)
    used[y_df.index.to_numpy()] = True
    used &= w_all > 0
    rows = np.flatnonzero(used)
    if len(rows) == 0:
        raise DataError(f"formula {formula!r}: no row of the design (domain) has all the model's variables")
    y = y_df.to_numpy()[:, 0][used[y_df.index.to_numpy()]]
    x = x_df.to_numpy()[used[x_df.index.to_numpy()]]
    terms = tuple(x_df.columns)
    w = w_all[rows]
    _check_columns(x, terms, formula)
    if family == "logistic":
        bad = ~np.isin(y, (0.0, 1.0))
        if bad.any():
            raise DataError(
                f"family='logistic': outcome {out_name!r} must be 0/1; found {describe_values(y[bad].tolist())} "
                f"in {describe_rows(rows[bad])}"
            )
    params, score_w, bread = _fit(y, x, w, family, out_name)
    influence = (x * score_w[:, None]) @ bread
    return Model(formula, family, out_name, terms, params, influence, rows, used, x, y, w)


def _check_columns(x: np.ndarray, terms: tuple[str, ...], formula: str) -> None:
    """Name constant and collinear columns of the model matrix."""
    n, k = x.shape
    if n <= k:
        raise DataError(f"formula {formula!r}: {k} coefficients but only {n} rows to fit them")
    for j, term in enumerate(terms):
        if term != "Intercept" and np.ptp(x[:, j]) == 0:
            raise DataError(
                f"formula {formula!r}: covariate {term!r} is constant ({x[0, j]:g}) in every fitted row; "
                "drop it (it does not vary in this data or domain)"
            )
    _, r, piv = linalg.qr(x, mode="economic", pivoting=True)
    d = np.abs(np.diag(r))
    rank = int((d > d[0] * 1e-9 * max(n, k)).sum())
    if rank < k:
        dropped = [terms[p] for p in piv[rank:]]
        raise DataError(
            f"formula {formula!r}: covariate(s) {describe_values(dropped)} are collinear with the others "
            "(a linear combination of other terms); drop or merge them"
        )


def _fit(y, x, w, family, name):
    """Weighted fit; returns coefficients, per-row score multipliers and the inverse of A."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    if family == "linear":
        res = sm.WLS(y, x, weights=w).fit()
        params = np.asarray(res.params)
        mu = x @ params
        a = (x * w[:, None]).T @ x
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            try:
                res = sm.GLM(y, x, family=sm.families.Binomial(), var_weights=w).fit(tol=1e-10, maxiter=100)
            except (PerfectSeparationWarning, np.linalg.LinAlgError) as exc:
                raise DataError(
                    f"logistic regression of {name!r}: the outcome is perfectly predicted by the covariates "
                    f"(separation), so the odds ratios are infinite ({exc}); merge sparse categories"
                ) from None
        if not res.converged:
            raise DataError(f"logistic regression of {name!r} did not converge in 100 iterations")
        params = np.asarray(res.params)
        mu = 1 / (1 + np.exp(-(x @ params)))
        a = (x * (w * mu * (1 - mu))[:, None]).T @ x
    bread = linalg.inv(a)
    return params, w * (y - mu), bread
