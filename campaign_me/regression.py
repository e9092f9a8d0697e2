"""Design-based linear and logistic regression on a :class:`~campaign_me.SurveyDesign`.

Coefficients are those of the weighted fit (weighted least squares, or a binomial GLM fitted by
iteratively reweighted least squares, with the analysis weights); standard errors are
Taylor-linearised over the survey design, as R's ``svyglm`` computes them: the sandwich :math:`A^{-1} B A^{-1}` whose middle is the design
variance of the totals of the estimating-function scores (Binder 1983; Lumley 2010, ch. 5).
Intervals and p-values use Student's t on the design's residual degrees of freedom
(PSUs minus strata, plus one, minus the number of coefficients), as ``summary.svyglm`` does.
A domain fit (a design from :meth:`SurveyDesign.subset`) keeps every PSU of the full design.

This module belongs to the Effects layer; it knows nothing of campaigns.
"""

from __future__ import annotations

import itertools
import re
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
    The covariance of the weighted totals (R's ``svytotal``, :meth:`SurveyDesign.total`) of the
    score columns on the domain of ``rows``, from one table of PSU totals of the scores (one
    cross-product per stage, as R's ``svyrecvar`` computes the whole matrix): strata, fpc, two
    stages, lonely PSUs and calibration are treated as :meth:`SurveyDesign.total` treats them.
    """
    x = np.asarray(scores, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    rows = np.asarray(rows)
    w = design.weights.to_numpy()[rows]
    if (w <= 0).any():
        raise DataError("total_covariance: every scored row needs a positive weight")
    return design._total_covariance(x, rows)


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _quote(name: str) -> str:
    return name if _IDENT.match(name) else f"Q({name!r})"


def _as_object(col: pd.Series) -> np.ndarray:
    """A text column as an object array with NaN for missing values (what patsy understands), by codes."""
    codes, uniques = pd.factorize(col)
    out = np.asarray(uniques, dtype=object)
    if (codes < 0).any():
        out = np.append(out, np.nan)
    return out[codes]


def _formula_frame(data: pd.DataFrame, formula: str) -> pd.DataFrame:
    """The data with a positional index and the formula's nullable columns in numpy dtypes.

    patsy does not understand pandas' extension dtypes (nullable booleans, integers, strings):
    numeric and boolean ones become float64 with NaN, text ones object with NaN (converted through
    their distinct values).
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
            changes[c] = _as_object(col)
    return frame.assign(**changes) if changes else frame


class _UsePatsy(Exception):
    """The fast model-matrix builder does not cover this formula: patsy builds it row by row."""


def _model_matrices(frame: pd.DataFrame, formula: str, eval_env):
    """``patsy.dmatrices(formula, frame, NA_action="drop")`` as arrays: y, X, kept row positions, term names.

    patsy evaluates categorical factors one row at a time in Python (seconds on a million rows).
    Here patsy only learns the levels and contrasts, from the distinct rows of the columns that its
    categorical factors use (a handful of rows); every factor is then evaluated once on the whole
    data (vectorised), categorical ones turned into integer codes, and each term's columns are the
    products of the factors' contrast columns, in patsy's order and with patsy's names. Formulas
    with stateful transforms (``center``, ``standardize``, splines), which learn from every row,
    and anything unexpected are left to patsy itself.
    """
    import patsy

    try:
        return _model_matrices_by_codes(frame, formula, eval_env)
    except (_UsePatsy, patsy.PatsyError):  # patsy's own run raises patsy's own message
        y_df, x_df = patsy.dmatrices(formula, frame, return_type="dataframe", NA_action="drop", eval_env=eval_env)
        kept = y_df.index.to_numpy()
        return y_df.to_numpy(), x_df.to_numpy(), kept, tuple(x_df.columns)


def _model_matrices_by_codes(frame: pd.DataFrame, formula: str, eval_env):
    import patsy
    from patsy.build import design_matrix_builders

    na_action = patsy.NAAction("drop")
    desc = patsy.ModelDesc.from_formula(formula)
    termlists = [desc.lhs_termlist, desc.rhs_termlist]
    n = len(frame)
    head = frame.iloc[: min(n, 64)]
    infos = design_matrix_builders(termlists, lambda: iter([head]), eval_env, na_action)
    factor_infos = {}
    for info in infos:
        factor_infos.update(info.factor_infos)
    if any(fi.state.get("transforms") for fi in factor_infos.values()):
        raise _UsePatsy  # a stateful transform learns from every row
    categorical = [f for f, fi in factor_infos.items() if fi.type == "categorical"]
    if categorical:
        codes_text = " ".join(f.code for f in categorical)
        used = [c for c in frame.columns if isinstance(c, str) and c in codes_text]
        if not used:
            raise _UsePatsy
        key = np.zeros(n, dtype=np.int64)
        size = 1
        for c in used:
            codes, uniques = pd.factorize(frame[c], use_na_sentinel=False)
            size *= max(len(uniques), 1)
            if size > max(n, 1) or len(uniques) > 10_000:
                raise _UsePatsy  # as many combinations as rows: nothing to gain
            key = key * max(len(uniques), 1) + codes
        _, first = np.unique(key, return_index=True)
        sample = frame.iloc[np.sort(first)]
        infos = design_matrix_builders(termlists, lambda: iter([sample]), eval_env, na_action)
        factor_infos = {}
        for info in infos:
            factor_infos.update(info.factor_infos)
    values, missing = {}, np.zeros(n, dtype=bool)
    for factor, fi in factor_infos.items():
        value = factor.eval(fi.state, frame)
        if fi.type == "numerical":
            arr = np.asarray(value)
            arr = arr.reshape(n, -1) if arr.ndim <= 1 else arr
            if arr.ndim != 2 or arr.shape != (n, fi.num_columns) or arr.dtype.kind not in "biuf":
                raise _UsePatsy  # patsy raises its own error for this
            arr = arr.astype(float, copy=False)
            missing |= na_action.is_numerical_NA(arr)
        else:
            if hasattr(value, "contrast") and hasattr(value, "data"):  # C(...): patsy's box around the values
                value = value.data
            raw = np.asarray(value, dtype=object).reshape(-1)
            if len(raw) != n:
                raise _UsePatsy
            codes, uniques = pd.factorize(raw)  # missing values (None, NaN) get -1
            level = {v: i for i, v in enumerate(fi.categories)}  # patsy's own lookup of a level
            try:
                index = np.array([level[v] for v in uniques], dtype=np.int64)
            except (KeyError, TypeError):
                raise _UsePatsy from None
            arr = np.where(codes >= 0, index[np.maximum(codes, 0)] if len(index) else 0, -1)
            missing |= arr < 0
        values[factor] = arr
    kept = np.flatnonzero(~missing)
    mats = []
    for info in infos:
        out = np.ones((len(kept), len(info.column_names)))
        start = 0
        for subterms in info.term_codings.values():
            for sub in subterms:
                widths = [
                    sub.contrast_matrices[f].matrix.shape[1] if f in sub.contrast_matrices else factor_infos[f].num_columns
                    for f in sub.factors
                ]
                # patsy's column order: the left-most factor iterates fastest
                for i, combo in enumerate(itertools.product(*[range(k) for k in reversed(widths)])):
                    col = out[:, start + i]
                    for f, j in zip(sub.factors, combo[::-1]):
                        v = values[f]
                        if factor_infos[f].type == "categorical":
                            col *= sub.contrast_matrices[f].matrix[v[kept], j]
                        else:
                            col *= v[kept, j]
                start += sub.num_columns
        if start != out.shape[1]:
            raise _UsePatsy
        mats.append(out)
    return mats[0], mats[1], kept, tuple(infos[1].column_names)


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
    frame = _formula_frame(data, formula)
    try:
        y_mat, x_mat, kept, terms = _model_matrices(frame, formula, patsy.EvalEnvironment.capture(0))
    except patsy.PatsyError as exc:
        names = [c for c in re.findall(r"[A-Za-z_][A-Za-z0-9_./]*", formula.split("~")[0]) if c not in data.columns]
        hint = f" (columns not found: {describe_values(names)})" if names else ""
        raise DataError(f"formula {formula!r} could not be evaluated on the data{hint}: {exc}") from None
    if y_mat.shape[1] != 1:
        raise DataError(
            f"formula {formula!r}: the outcome must be one numeric column (a text outcome becomes one column "
            "per level); recode it as 0/1"
        )
    out_name = formula.split("~")[0].strip()
    used = np.zeros(len(frame), dtype=bool)
    used[kept] = True
    used &= w_all > 0
    rows = np.flatnonzero(used)
    if len(rows) == 0:
        raise DataError(f"formula {formula!r}: no row of the design (domain) has all the model's variables")
    positive = used[kept]
    if positive.all():
        y, x = y_mat[:, 0], x_mat
    else:
        y, x = y_mat[:, 0][positive], x_mat[positive]
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
    # the pivoted QR of x chooses its columns from x'x alone, which R'R equals for any R with
    # x = QR: pivoting the small R gives the same rank and order without a pivoted QR of n rows.
    # R from the Cholesky factor of x'x (a k x k product) when the rank tolerance (1e-9 n) is far
    # above the ~1e-8 relative noise that squaring adds; from a QR of x otherwise.
    r0 = None
    if n >= 10_000:
        try:
            r0 = linalg.cholesky(x.T @ x)
        except linalg.LinAlgError:
            r0 = None
    if r0 is None:
        r0 = linalg.qr(x, mode="r")[0]
    _, r, piv = linalg.qr(r0, mode="economic", pivoting=True)
    d = np.abs(np.diag(r))
    rank = int((d > d[0] * 1e-9 * max(n, k)).sum())
    if rank < k:
        dropped = [terms[p] for p in piv[rank:]]
        raise DataError(
            f"formula {formula!r}: covariate(s) {describe_values(dropped)} are collinear with the others "
            "(a linear combination of other terms); drop or merge them"
        )


def _fit(y, x, w, family, name):
    """Weighted fit; returns coefficients, per-row score multipliers and the inverse of A.

    Linear: weighted least squares (normal equations, refined twice on the exact residual).
    Logistic: Fisher scoring (IRLS) from statsmodels' start (:math:`\\mu = (y + 1/2)/2`), each step
    solving :math:`A\\delta = X^\\top w (y - \\mu)` on the exact score, so the fixed point is the
    maximum-likelihood estimate whatever the conditioning of A; converged when a step moves no
    coefficient by more than 1e-7 of its size (the next would move it by about its square).
    """
    xw = x * w[:, None]
    if family == "linear":
        a = xw.T @ x
        params = _solve(a, xw.T @ y)
        for _ in range(2):  # iterative refinement on the exact normal-equation residual
            params = params + _solve(a, xw.T @ (y - x @ params))
        mu = x @ params
    else:
        mu = (y + 0.5) / 2
        eta = np.log(mu / (1 - mu))
        wv = w * mu * (1 - mu)
        params = _solve((x * wv[:, None]).T @ x, (x * wv[:, None]).T @ (eta + (y - mu) / (mu * (1 - mu))))
        for _ in range(100):
            mu = _expit(x @ params)
            if not np.max(np.abs(mu - y)) > 1e-8:  # statsmodels' np.allclose(mu - y, 0)
                raise DataError(
                    f"logistic regression of {name!r}: the outcome is perfectly predicted by the covariates "
                    "(separation), so the odds ratios are infinite; merge sparse categories"
                )
            a = (x * (w * mu * (1 - mu))[:, None]).T @ x
            try:
                step = _solve(a, xw.T @ (y - mu))
            except np.linalg.LinAlgError as exc:
                raise DataError(
                    f"logistic regression of {name!r}: the outcome is perfectly predicted by the covariates "
                    f"(separation), so the odds ratios are infinite ({exc}); merge sparse categories"
                ) from None
            params = params + step
            if not np.isfinite(params).all():
                raise DataError(
                    f"logistic regression of {name!r}: the outcome is perfectly predicted by the covariates "
                    "(separation), so the odds ratios are infinite; merge sparse categories"
                )
            # Newton's method converges quadratically: after a step this small the error is about its
            # square (1e-14 of the coefficients)
            if np.all(np.abs(step) <= 1e-7 * (np.abs(params) + 1e-3)):
                break
        else:
            raise DataError(f"logistic regression of {name!r} did not converge in 100 iterations")
        mu = _expit(x @ params)
        a = (x * (w * mu * (1 - mu))[:, None]).T @ x
    bread = linalg.inv(a)
    return params, w * (y - mu), bread


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve the symmetric positive definite system ``a @ x = b`` (columns scaled to unit diagonal)."""
    d = np.sqrt(np.diag(a))
    if not (np.isfinite(d).all() and (d > 0).all()):
        raise np.linalg.LinAlgError("singular information matrix")
    scaled = a / np.outer(d, d)
    try:
        c = linalg.cho_factor(scaled)
    except linalg.LinAlgError as exc:
        raise np.linalg.LinAlgError(str(exc)) from None
    return linalg.cho_solve(c, b / d) / d


def _expit(eta: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-eta))
