"""Design-based linear and logistic regression on a :class:`~campaign_me.SurveyDesign`.

Coefficients are those of the weighted fit (weighted least squares, or a binomial GLM fitted by
iteratively reweighted least squares, with the analysis weights); standard errors are
Taylor-linearised over the survey design, as R's ``svyglm`` computes them: the sandwich :math:`A^{-1} B A^{-1}` whose middle is the design
variance of the totals of the estimating-function scores (Binder 1983; Lumley 2010, ch. 5).
Intervals and p-values use Student's t on the design's residual degrees of freedom
(PSUs minus strata, plus one, minus the number of coefficients), as ``summary.svyglm`` does.
A domain fit (a design from :meth:`SurveyDesign.subset`) keeps every PSU of the full design.

The fit is numpy's: the model matrix is built from integer codes (patsy only names the columns
and learns the levels), held transposed (one contiguous row per coefficient), and every product
over the rows (Fisher scoring's information matrix and score, the fitted means) runs over blocks
of rows that stay in cache. The sandwich's middle is the design covariance of the score totals,
taken from one table of PSU totals, and the k x k inverse information multiplies that small
matrix instead of every row (``benchmarks/bench_regression.py``: a million rows, 3,000 PSUs).

This module belongs to the Effects layer; it knows nothing of campaigns.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .conventions import Reporting, check_choice, check_level, reporting
from .deferred import Deferred
from .design import SurveyDesign, residual_df, total_covariance  # re-exported: they were defined here
from .errors import DataError, describe_rows, describe_values, require_columns

linalg = Deferred("scipy.linalg")  # deferred: about 0.2 s at import; only fits need it
special = Deferred("scipy.special")  # deferred: Student's t quantiles and tails (scipy.stats' own, without its 0.7 s import)
patsy = Deferred("patsy")  # deferred: about 0.1 s at import; only formulas need it
patsy_build = Deferred("patsy.build")  # deferred: as patsy; the model-matrix builders

__all__ = [
    "RegressionResult",
    "Model",
    "regress",
    "fit_model",
    "total_covariance",
    "residual_df",
    "quote_name",
    "REGRESSION_COLUMNS",
]

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
        q = special.stdtrit(self.df, 0.5 + self.level / 2)  # scipy.stats.t.ppf(0.5 + level / 2, df)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = self.params / se
        out = pd.DataFrame(
            {
                "term": list(self.terms),
                "estimate": self.params,
                "se": se,
                "ci_low": self.params - q * se,
                "ci_high": self.params + q * se,
                "p_value": 2 * special.stdtr(self.df, -np.abs(t)),  # 2 * scipy.stats.t.sf(|t|, df)
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


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote_name(name: str) -> str:
    """A column name as a formula term: itself if it is a Python identifier, else ``Q('name')``.

    >>> quote_name("age"), quote_name("access/radio")
    ('age', "Q('access/radio')")
    """
    return name if _IDENT.match(name) else f"Q({name!r})"


_quote = quote_name  # the module's own short name


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
    return _converted_frame(data, formula, text=_as_object)


def _as_categorical(col: pd.Series) -> pd.Categorical:
    """A text column as a categorical whose categories are its distinct values sorted (patsy's levels
    of the same values as text), missing values missing: integer codes without a Python object per row."""
    codes, uniques = pd.factorize(col, sort=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(np.asarray(uniques, dtype=object), dtype=object))


def _converted_frame(data: pd.DataFrame, formula: str, *, text) -> pd.DataFrame:
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
            changes[c] = text(col)
    return frame.assign(**changes) if changes else frame


class _UsePatsy(Exception):
    """The fast model-matrix builder does not cover this formula: patsy builds it row by row."""


def _model_matrices(frame: pd.DataFrame, formula: str, eval_env):
    """``patsy.dmatrices(formula, frame, NA_action="drop")`` as arrays: y, X, kept row positions, term names.

    ``frame`` as :func:`_formula_frame` returns it (or the data itself: its nullable columns are
    converted here). ``X`` is column-major (``X.T`` is contiguous, one row per coefficient), the
    layout the fit's products over the rows want.

    patsy evaluates categorical factors one row at a time in Python (seconds on a million rows).
    Here patsy only learns the levels and contrasts, from one row of each distinct combination of
    the columns that its categorical factors use (a handful of rows); every factor is then
    evaluated once on the whole data (vectorised; text columns as categoricals whose categories
    are their sorted distinct values, patsy's levels of the same text), categorical ones turned
    into integer codes, and each term's columns are the products of the factors' contrast
    columns, in patsy's order and with patsy's names. Formulas with stateful transforms
    (``center``, ``standardize``, splines), which learn from every row, and anything unexpected
    are left to patsy itself, on the data with text as objects.
    """
    try:
        return _model_matrices_by_codes(_converted_frame(frame, formula, text=_as_categorical), formula, eval_env)
    except (_UsePatsy, patsy.PatsyError):  # patsy's own run raises patsy's own message
        frame = _formula_frame(frame, formula)
        y_df, x_df = patsy.dmatrices(formula, frame, return_type="dataframe", NA_action="drop", eval_env=eval_env)
        kept = y_df.index.to_numpy()
        return y_df.to_numpy(), np.asfortranarray(x_df.to_numpy(dtype=float)), kept, tuple(x_df.columns)


def _builders(termlists, sample: pd.DataFrame, eval_env, na_action):
    infos = patsy_build.design_matrix_builders(termlists, lambda: iter([sample]), eval_env, na_action)
    factor_infos = {}
    for info in infos:
        factor_infos.update(info.factor_infos)
    return infos, factor_infos


def _level_codes(value, levels, n: int) -> np.ndarray:
    """Codes (positions in patsy's ``levels``; -1 missing) of a categorical factor's values."""
    if hasattr(value, "contrast") and hasattr(value, "data"):  # C(...): patsy's box around the values
        value = value.data
    if isinstance(value, (pd.Series, pd.Index)) and isinstance(value.dtype, pd.CategoricalDtype):
        value = value.array
    if isinstance(value, pd.Categorical):
        codes, uniques = value.codes.astype(np.int64), value.categories
    elif isinstance(value, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        codes, uniques = pd.factorize(value)  # missing values get -1
    else:
        raw = np.asarray(value)
        if raw.dtype.kind not in "biuf":
            raw = np.asarray(value, dtype=object)
        codes, uniques = pd.factorize(raw.reshape(-1))
    if len(codes) != n:
        raise _UsePatsy
    level = {v: i for i, v in enumerate(levels)}  # patsy's own lookup of a level
    try:
        index = np.array([level[v] for v in uniques], dtype=np.int64)
    except (KeyError, TypeError):
        raise _UsePatsy from None  # a value outside the levels: patsy raises its own error
    if not len(index):
        return np.full(n, -1, dtype=np.int64)
    return np.where(codes >= 0, index[np.maximum(codes, 0)], -1)


def _sample_rows(frame: pd.DataFrame, used: list[str]) -> np.ndarray:
    """One row of each distinct combination of the columns ``used`` (missing values included)."""
    n = len(frame)
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for c in used:
        col = frame[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes, k = col.cat.codes.to_numpy().astype(np.int64) + 1, len(col.cat.categories) + 1
        else:
            codes, uniques = pd.factorize(col, use_na_sentinel=False)
            k = max(len(uniques), 1)
        if size * k > max(n, 1) or k > 10_000:
            raise _UsePatsy  # as many combinations as rows: nothing to gain
        size *= k
        key = key * k + codes
    where = np.empty(size, dtype=np.int64)
    where[key] = np.arange(n)  # some row of each combination (which one does not matter)
    return np.sort(where[np.bincount(key, minlength=size) > 0])


def _model_matrices_by_codes(frame: pd.DataFrame, formula: str, eval_env):
    na_action = patsy.NAAction("drop")
    desc = patsy.ModelDesc.from_formula(formula)
    termlists = [desc.lhs_termlist, desc.rhs_termlist]
    n = len(frame)
    infos, factor_infos = _builders(termlists, frame.iloc[: min(n, 64)], eval_env, na_action)
    if any(fi.state.get("transforms") for fi in factor_infos.values()):
        raise _UsePatsy  # a stateful transform learns from every row
    categorical = [f for f, fi in factor_infos.items() if fi.type == "categorical"]
    if categorical:
        codes_text = " ".join(f.code for f in categorical)
        used = [c for c in frame.columns if isinstance(c, str) and c in codes_text]
        if not used:
            raise _UsePatsy
        infos, factor_infos = _builders(termlists, frame.iloc[_sample_rows(frame, used)], eval_env, na_action)
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
            arr = _level_codes(value, fi.categories, n)
            missing |= arr < 0
        values[factor] = arr
    if missing.any():
        kept = np.flatnonzero(~missing)
        values = {f: v[kept] for f, v in values.items()}
    else:
        kept = np.arange(n)
    mats = []
    for info in infos:
        out = np.empty((len(info.column_names), len(kept)))  # one row per column of the model matrix
        start = 0
        for subterms in info.term_codings.values():
            for sub in subterms:
                widths = [
                    sub.contrast_matrices[f].matrix.shape[1] if f in sub.contrast_matrices else factor_infos[f].num_columns
                    for f in sub.factors
                ]
                # patsy's column order: the left-most factor iterates fastest
                for i, combo in enumerate(itertools.product(*[range(k) for k in reversed(widths)])):
                    col = None
                    for f, j in zip(sub.factors, combo[::-1]):
                        v = values[f]
                        if factor_infos[f].type == "categorical":
                            part = np.take(np.ascontiguousarray(sub.contrast_matrices[f].matrix[:, j], dtype=float), v)
                        else:
                            part = v[:, j]
                        col = part if col is None else col * part
                    out[start + i] = 1.0 if col is None else col
                start += sub.num_columns
        if start != out.shape[0]:
            raise _UsePatsy
        mats.append(out.T)
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
    level: float | None = None,
    df: float | None = None,
    settings: Reporting | None = None,
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
    level : float, optional
        Confidence level of the intervals (default ``settings.level``, 0.95).
    df : float, optional
        Degrees of freedom of the t quantiles and p-values. Default: the design's residual
        degrees of freedom, ``degf + 1 - k`` as ``svyglm``; ``numpy.inf`` for normal ones.
    settings : Reporting, optional
        Reporting settings (:class:`campaign_me.conventions.Reporting`); ``level`` and ``df``
        given here win. Of its ``df``, a number is used as given, ``None`` and ``"degf"`` mean
        the residual degrees of freedom above and ``"design"`` the whole design's ``degf``.

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
    if level is not None:
        level = check_level(level, error=DataError)
    chosen = reporting(settings, level=level)
    level = chosen.level
    m = fit_model(design, formula, outcome=outcome, covariates=covariates, family=family)
    if df is None and chosen.df is not None:
        df = float(design.degf) if chosen.df == "design" else None if chosen.df == "degf" else chosen.df
    formula, rows, used, terms, params, out_name = m.formula, m.rows, m.used, m.terms, m.params, m.outcome
    # the design variance of the influence totals, A^-1 V(totals of the scores x_i w_i (y_i - mu_i)) A^-1:
    # the totals are linear in the scores, so the k x k bread multiplies the small covariance, not the rows
    cov = total_covariance(design, m._scores.T, rows)
    cov = m._bread.T @ cov @ m._bread
    cov = (cov + cov.T) / 2
    ddf = residual_df(design, used, len(terms), df, what=f"formula {formula!r}")
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


@dataclass(frozen=True, eq=False)
class Model:
    """A weighted fit with each row's influence on the coefficients (for combining estimators).

    ``x`` is the model matrix (rows x terms, column-major); ``influence`` (rows x terms) is
    computed on first use from the scores and the inverse information matrix.
    """

    formula: str
    family: str
    outcome: str
    terms: tuple[str, ...]
    params: np.ndarray
    rows: np.ndarray  # positions in design.data of the fitted rows
    used: np.ndarray  # boolean mask over design.data
    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    _scores: np.ndarray = field(repr=False)  # terms x rows: x_i w_i (y_i - mu_i), the estimating functions
    _bread: np.ndarray = field(repr=False)  # inverse of A, the weighted information matrix

    @functools.cached_property
    def influence(self) -> np.ndarray:
        """Rows x terms: the coefficients' linearised scores :math:`A^{-1} x_i w_i (y_i - \\mu_i)`."""
        return (self._bread.T @ self._scores).T

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
    if not isinstance(design, SurveyDesign):
        raise DataError(f"design: expected a SurveyDesign, got {type(design).__name__}")
    check_choice(family, FAMILIES, argument="family", error=DataError)
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
    try:
        y_mat, x_mat, kept, terms = _model_matrices(data, formula, patsy.EvalEnvironment.capture(0))
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
    positive = w_all > 0
    xt = np.ascontiguousarray(x_mat.T)  # terms x rows: every product below runs along contiguous rows
    y = np.ascontiguousarray(y_mat[:, 0], dtype=float)
    if len(kept) == len(data) and positive.all():  # every row fitted: no copies
        used, rows, w = positive, kept, w_all
    else:
        used = np.zeros(len(data), dtype=bool)
        used[kept] = True
        used &= positive
        rows = np.flatnonzero(used)
        if len(rows) == 0:
            raise DataError(f"formula {formula!r}: no row of the design (domain) has all the model's variables")
        keep = used[kept]
        if not keep.all():
            y, xt = y[keep], xt[:, keep]
        w = w_all[rows]
    _check_columns(xt, terms, formula)
    if family == "logistic":
        bad = (y != 0) & (y != 1)
        if bad.any():
            raise DataError(
                f"family='logistic': outcome {out_name!r} must be 0/1; found {describe_values(y[bad].tolist())} "
                f"in {describe_rows(rows[bad])}"
            )
    params, score_w, bread = _fit(y, xt, w, family, out_name)
    return Model(formula, family, out_name, terms, params, rows, used, xt.T, y, w, xt * score_w, bread)


def _check_columns(xt: np.ndarray, terms: tuple[str, ...], formula: str) -> None:
    """Name constant and collinear columns of the model matrix (given transposed: terms x rows)."""
    k, n = xt.shape
    if n <= k:
        raise DataError(f"formula {formula!r}: {k} coefficients but only {n} rows to fit them")
    for j, term in enumerate(terms):
        if term != "Intercept" and np.ptp(xt[j]) == 0:
            raise DataError(
                f"formula {formula!r}: covariate {term!r} is constant ({xt[j, 0]:g}) in every fitted row; "
                "drop it (it does not vary in this data or domain)"
            )
    # the pivoted QR of x chooses its columns from x'x alone, which R'R equals for any R with
    # x = QR: pivoting the small R gives the same rank and order without a pivoted QR of n rows.
    # R from the Cholesky factor of x'x (a k x k product) when the rank tolerance (1e-9 n) is far
    # above the ~1e-8 relative noise that squaring adds; from a QR of x otherwise.
    r0 = None
    if n >= 10_000:
        try:
            r0 = linalg.cholesky(_gram(xt))
        except linalg.LinAlgError:
            r0 = None
    if r0 is None:
        r0 = linalg.qr(xt.T, mode="r")[0]
    _, r, piv = linalg.qr(r0, mode="economic", pivoting=True)
    d = np.abs(np.diag(r))
    rank = int((d > d[0] * 1e-9 * max(n, k)).sum())
    if rank < k:
        dropped = [terms[p] for p in piv[rank:]]
        raise DataError(
            f"formula {formula!r}: covariate(s) {describe_values(dropped)} are collinear with the others "
            "(a linear combination of other terms); drop or merge them"
        )


#: Logistic fits on at least this many rows start from a fit on an evenly spaced subsample of
#: about ``_WARM_ROWS`` rows (a start close enough that two or three Newton steps on every row converge).
_WARM_FROM = 200_000
_WARM_ROWS = 50_000
#: Rows per block of the products over the rows: a block of the model matrix (terms x 16,384
#: doubles) and its temporaries stay in the processor's cache, and BLAS multiplies such small
#: blocks on one thread (a single product over a million rows spends most of its time in
#: memory traffic and thread start-up: four times the CPU on the benchmark of issue 20).
_BLOCK = 16_384


def _fit(y, xt, w, family, name):
    """Weighted fit of ``y`` on the model matrix ``xt`` (terms x rows); returns coefficients, per-row
    score multipliers :math:`w_i (y_i - \\mu_i)` and the inverse of A.

    Linear: weighted least squares (normal equations, refined twice on the exact residual).
    Logistic: Fisher scoring (IRLS) from statsmodels' start (:math:`\\mu = (y + 1/2)/2`), each step
    solving :math:`A\\delta = X^\\top w (y - \\mu)` on the exact score, so the fixed point is the
    maximum-likelihood estimate whatever the start and the conditioning of A; converged when a
    step moves no coefficient by more than 1e-7 of its size (the next would move it by about its
    square). On many rows the start is the same fit on an evenly spaced subsample (within about
    ``1/sqrt(50,000)`` of the estimate), so the full data need two or three steps instead of
    five to seven. Each step is one pass over the rows in blocks (:data:`_BLOCK`): fitted means,
    ``A`` and the score of a block are computed while the block is in cache.
    """
    if family == "linear":
        a = _gram(xt, w)
        params = _solve(a, _tmatvec(xt, w * y))
        for _ in range(2):  # iterative refinement on the exact normal-equation residual
            params = params + _solve(a, _tmatvec(xt, w * (y - _matvec(xt, params))))
        mu = _matvec(xt, params)
    else:
        start = None
        n = len(y)
        if n >= _WARM_FROM:
            every = max(n // _WARM_ROWS, 1)
            try:
                start = _irls(y[::every], np.ascontiguousarray(xt[:, ::every]), w[::every], name, None)
            except (DataError, np.linalg.LinAlgError):
                start = None  # separation or a singular subsample: the full data start as usual
        try:
            params = _irls(y, xt, w, name, start)
        except DataError:
            if start is None:
                raise
            params = _irls(y, xt, w, name, None)  # a poor start (a category separated in the subsample)
        mu = np.empty(n)
        a, _, _ = _logistic_pass(xt, y, w, params, mu)
    bread = np.linalg.inv(a)  # LAPACK's LU inverse, as scipy.linalg.inv (which spends ~40 ms on 5 x 5 in scipy 1.17)
    return params, w * (y - mu), bread


def _gram(xt: np.ndarray, v: np.ndarray | None = None) -> np.ndarray:
    """:math:`X^\\top \\mathrm{diag}(v) X` (``v`` None: ones) from ``xt`` (terms x rows), by blocks."""
    k, n = xt.shape
    a = np.zeros((k, k))
    for s in range(0, n, _BLOCK):
        xs = xt[:, s : s + _BLOCK]
        a += (xs.copy() if v is None else xs * v[s : s + _BLOCK]) @ xs.T
    return a


def _matvec(xt: np.ndarray, params: np.ndarray) -> np.ndarray:
    """:math:`X \\beta` (one value per row) from ``xt``, by blocks."""
    k, n = xt.shape
    out = np.empty(n)
    for s in range(0, n, _BLOCK):
        out[s : s + _BLOCK] = params @ xt[:, s : s + _BLOCK]
    return out


def _tmatvec(xt: np.ndarray, r: np.ndarray) -> np.ndarray:
    """:math:`X^\\top r` (one value per term) from ``xt``, by blocks."""
    k, n = xt.shape
    out = np.zeros(k)
    for s in range(0, n, _BLOCK):
        out += xt[:, s : s + _BLOCK] @ r[s : s + _BLOCK]
    return out


def _logistic_pass(xt, y, w, params, mu_out=None):
    """At ``params``: ``A``, the score :math:`X^\\top w (y - \\mu)` and :math:`\\max |y - \\mu|`, in one
    pass over the rows by blocks (the fitted means are written to ``mu_out`` if given)."""
    k, n = xt.shape
    a, g, worst = np.zeros((k, k)), np.zeros(k), 0.0
    for s in range(0, n, _BLOCK):
        e = s + _BLOCK
        xs, ws = xt[:, s:e], w[s:e]
        mu = _expit(params @ xs)
        if mu_out is not None:
            mu_out[s:e] = mu
        r = y[s:e] - mu
        worst = max(worst, float(np.max(np.abs(r))))
        a += (xs * (ws * mu * (1 - mu))) @ xs.T
        g += xs @ (ws * r)
    return a, g, worst


def _irls(y, xt, w, name, start):
    """Fisher scoring for the weighted logistic likelihood from ``start`` (None: statsmodels')."""
    if start is None:
        mu = (y + 0.5) / 2
        eta = np.log(mu / (1 - mu))
        wv = w * mu * (1 - mu)
        params = _solve(_gram(xt, wv), _tmatvec(xt, wv * (eta + (y - mu) / (mu * (1 - mu)))))
    else:
        params = start
    for _ in range(100):
        a, score, worst = _logistic_pass(xt, y, w, params)
        if not worst > 1e-8:  # statsmodels' np.allclose(mu - y, 0)
            raise DataError(
                f"logistic regression of {name!r}: the outcome is perfectly predicted by the covariates "
                "(separation), so the odds ratios are infinite; merge sparse categories"
            )
        try:
            step = _solve(a, score)
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
            return params
    raise DataError(f"logistic regression of {name!r} did not converge in 100 iterations")


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
