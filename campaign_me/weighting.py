"""Survey weighting: base weights, nonresponse, post-stratification, raking, calibration.

Each function that adjusts a :class:`~campaign_me.SurveyDesign` returns a *new* design
whose weights are adjusted and whose variance estimator accounts for the adjustment,
as R's ``postStratify``, ``rake``, ``calibrate`` and ``trimWeights`` do (the test suite
checks the weights, estimates and standard errors against R ``survey`` to 1e-6).

Population counts are given as a mapping ``{level: count}`` (or a pandas Series);
raking margins as ``{variable: {level: count}}``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .conventions import check_number, check_whole
from .design import DomainMatrix, LinearScores, SurveyDesign, positive_weights
from .errors import (
    ConvergenceError,
    DataError,
    WeightingError,
    describe_labels,
    describe_rows,
    describe_values,
    require_columns,
)

__all__ = [
    "design_weights",
    "adjust_nonresponse",
    "poststratify",
    "rake",
    "calibrate",
    "trim_weights",
    "effective_sample_size",
    "weight_summary",
]


def design_weights(inclusion_prob) -> pd.Series | np.ndarray:
    """Base (design) weights, the inverse of the inclusion probabilities.

    Parameters
    ----------
    inclusion_prob : array-like or pandas.Series
        Probabilities in (0, 1].

    Returns
    -------
    Same type as the input (Series keep their index and get the name ``design_weight``).

    Examples
    --------
    >>> design_weights([0.5, 0.25, 1.0])
    array([2., 4., 1.])
    """
    is_series = isinstance(inclusion_prob, pd.Series)
    p = pd.to_numeric(pd.Series(inclusion_prob), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(p) | (p <= 0) | (p > 1)
    if bad.any():
        pos = np.flatnonzero(bad)
        shown = pd.Series(inclusion_prob).iloc[pos].tolist()
        raise WeightingError(
            f"inclusion_prob: {len(pos)} value(s) outside (0, 1] ({describe_rows(pos)}: "
            f"{describe_values(shown)}); probabilities must be > 0 and <= 1"
        )
    w = 1.0 / p
    if is_series:
        return pd.Series(w, index=inclusion_prob.index, name="design_weight")
    return w


def adjust_nonresponse(
    data: pd.DataFrame,
    *,
    weights: str,
    responded: str,
    classes: str | Sequence[str] | None = None,
    column: str = "nr_weight",
) -> pd.DataFrame:
    """Weighting-class nonresponse adjustment.

    Within each class, respondents' weights are multiplied by
    ``sum(weights of all eligible sampled units) / sum(weights of respondents)``, so
    respondents carry the weight of the nonrespondents of their class.

    Parameters
    ----------
    data : pandas.DataFrame
        The sampled units, respondents and nonrespondents.
    weights : str
        Column of base weights.
    responded : str
        Boolean (or 0/1) column: True for respondents.
    classes : str or list of str, optional
        Weighting-class columns; without it the whole sample is one class.
    column : str, default "nr_weight"
        Name of the adjusted-weight column added to the result.

    Returns
    -------
    pandas.DataFrame
        The respondents' rows (a copy) with ``column`` added.

    Notes
    -----
    Kalton & Flores-Cervantes (2003), *Weighting methods*, J. Off. Stat. 19(2). The
    adjusted weights of respondents sum to the base weights of the whole sample in
    every class.
    """
    cls = [] if classes is None else ([classes] if isinstance(classes, str) else list(classes))
    require_columns(data, [weights, responded, *cls], argument="adjust_nonresponse")
    w = positive_weights(data, weights, error=WeightingError)
    r = data[responded]
    if r.isna().any():
        pos = np.flatnonzero(r.isna().to_numpy())
        raise WeightingError(f"column {responded!r} has missing values in {describe_labels(data.index, pos)}")
    r_values = set(pd.unique(r.to_numpy()).tolist())
    if not r_values <= {True, False}:
        raise WeightingError(
            f"column {responded!r} must be boolean or 0/1, found {describe_values(sorted(map(str, r_values)))}"
        )
    resp = r.astype(bool).to_numpy()
    if cls:
        for c in cls:
            if data[c].isna().any():
                pos = np.flatnonzero(data[c].isna().to_numpy())
                raise WeightingError(
                    f"weighting class column {c!r} has missing values in {describe_labels(data.index, pos)}"
                )
        key = pd.MultiIndex.from_frame(data[cls]) if len(cls) > 1 else data[cls[0]]
        codes, labels = pd.factorize(key, sort=True)
    else:
        codes, labels = np.zeros(len(data), dtype=np.int64), np.array(["all"], dtype=object)
    ng = len(labels)
    all_w = np.bincount(codes, weights=w, minlength=ng)
    resp_w = np.bincount(codes, weights=np.where(resp, w, 0.0), minlength=ng)
    empty = resp_w == 0
    if empty.any():
        raise WeightingError(
            f"weighting class(es) {describe_values([labels[i] for i in np.flatnonzero(empty)])} of "
            f"{', '.join(map(repr, cls)) or 'the sample'} have no respondents, so their nonrespondents "
            "cannot be represented; collapse them with a neighbouring class"
        )
    factor = all_w / resp_w
    out = data.loc[resp].copy()
    out[column] = w[resp] * factor[codes[resp]]
    return out


# --------------------------------------------------------------------------------------
# Calibration steps: how each adjustment changes the linearised scores (the design's
# SurveyDesign.with_calibration hook calls step.residualize on every estimate's scores)
# --------------------------------------------------------------------------------------
class _PostStratStep:
    """Post-stratification: residuals from post-stratum means (R's ``postStratify``)."""

    def __init__(self, codes: np.ndarray, new_weights: np.ndarray, old_weights: np.ndarray) -> None:
        psw = np.where((new_weights == 0) & (old_weights == 0), 1.0, new_weights)
        ng = int(codes.max()) + 1
        den = np.bincount(codes, weights=old_weights, minlength=ng)
        with np.errstate(divide="ignore"):
            inv = np.where(den > 0, 1.0 / den, 0.0)
        self.collect_by = DomainMatrix(codes, old_weights / psw * inv[codes], ng)
        self.spread = DomainMatrix(codes, psw, ng)

    def residualize(self, scores: LinearScores) -> LinearScores:
        return scores.subtract(self.spread, scores.collect(self.collect_by))


class _RakeStep:
    """Raking: R's approximation, ten sweeps of post-stratum centring over the margins.

    The sweeps run on the margin tables (levels x estimates), not on the rows: the scores
    after them are the original scores minus, for each margin, its levels' accumulated means
    spread back over the rows. Every row of a cell (a combination of the margins' levels) has
    the same raking factors, so the margins' cross tables are built from the cells, not the rows.

    Parameters
    ----------
    codes : list of arrays
        Each margin's level of every row.
    w0 : array
        The weights before raking.
    cell, cell_codes : array, list of arrays
        The cell of every row, and each cell's level in every margin.
    factors : list of arrays
        Per margin, the cell factors in force right after that margin was adjusted in the last pass
        (the post-stratification weights of that margin are ``w0 * factors[k][cell]``).
    sweeps : int, default 10
    """

    def __init__(self, codes, w0, cell, cell_codes, factors, sweeps: int = 10) -> None:
        self.sweeps = sweeps
        ncells = len(cell_codes[0]) if cell_codes else 0
        cell_n = np.bincount(cell, minlength=ncells).astype(float)  # rows per cell
        parts = []
        for c, cc, a in zip(codes, cell_codes, factors):
            ng = int(cc.max()) + 1
            counts = np.bincount(cc, weights=cell_n, minlength=ng)  # rows per level
            parts.append((c, cc, ng, a, counts))
        # collector of margin k: 1 / (post-stratification weight x rows in the level); spread: the weight
        self.collect_by = [
            DomainMatrix(c, 1.0 / (w0 * (a * counts[cc])[cell]), ng) for c, cc, ng, a, counts in parts
        ]
        self.spread = [DomainMatrix(c, w0 * a[cell], ng) for c, _, ng, a, _ in parts]
        # cross[k][j]: margin k's collector applied to margin j's spread (levels_k x levels_j); per
        # row a_j / (a_k * rows in its level of k), the same for every row of a cell
        self.cross = [
            [
                np.bincount(
                    cck * nj + ccj, weights=cell_n * aj / (ak * ck[cck]), minlength=nk * nj
                ).reshape(nk, nj)
                for _, ccj, nj, aj, _ in parts
            ]
            for _, cck, nk, ak, ck in parts
        ]

    def residualize(self, scores: LinearScores) -> LinearScores:
        base = [scores.collect(v) for v in self.collect_by]
        acc = [np.zeros_like(b) for b in base]
        for _ in range(self.sweeps):
            for k in range(len(base)):
                means = base[k] - sum(self.cross[k][j] @ acc[j] for j in range(len(base)))
                acc[k] += means
        for spread, a in zip(self.spread, acc):
            scores = scores.subtract(spread, a)
        return scores


class _GregStep:
    """Linear (GREG) calibration: weighted least-squares residuals on the auxiliaries."""

    def __init__(self, q: np.ndarray, cw: np.ndarray) -> None:
        # residual = x - cw * Q Q' (x / cw), with Q an orthonormal basis of sqrt(w0) * X
        self.collect_by = q / cw[:, None]
        self.spread = q * cw[:, None]

    def residualize(self, scores: LinearScores) -> LinearScores:
        return scores.subtract(self.spread, scores.collect(self.collect_by))


def _check_full(design: SurveyDesign, fn: str) -> None:
    if not isinstance(design, SurveyDesign):
        raise WeightingError(f"{fn}: expected a SurveyDesign, got {type(design).__name__}")
    if design.is_subset:
        raise WeightingError(f"{fn}: weight the full design first, then take subset() of the weighted design")


def _population_series(population, variable: str) -> pd.Series:
    if isinstance(population, pd.Series):
        pop = population.copy()
    elif isinstance(population, Mapping):
        pop = pd.Series(dict(population))
    else:
        raise WeightingError(
            f"population for {variable!r}: give a mapping {{level: count}} or a Series, "
            f"got {type(population).__name__}"
        )
    vals = pd.to_numeric(pop, errors="coerce")
    bad = vals.isna() | (vals < 0)
    if bad.any():
        raise WeightingError(
            f"population for {variable!r}: counts must be numbers >= 0; levels "
            f"{describe_values(pop.index[bad].tolist())} have {describe_values(pop[bad].tolist())}"
        )
    return vals.astype(float)


def _match_levels(design: SurveyDesign, variable: str, pop: pd.Series, *, partial: bool = False):
    """Codes of each row in ``pop``'s levels; errors for levels present on one side only."""
    require_columns(design.data, variable, argument="variable")
    col = design.data[variable]
    row_codes, uniques = pd.factorize(col)  # one pass over the rows; levels are matched on the uniques
    if (row_codes < 0).any():
        pos = np.flatnonzero(row_codes < 0)
        raise WeightingError(
            f"column {variable!r} has missing values in {describe_labels(design.data.index, pos)}; "
            "weighting needs every "
            "respondent in a level (impute or add a level)"
        )
    levels = list(pop.index)
    index = pd.Index(levels)
    if not index.is_unique:
        raise WeightingError(
            f"population for {variable!r} lists level(s) {describe_values(index[index.duplicated()].tolist())} "
            "more than once"
        )
    uvalues = np.asarray(uniques, dtype=object)
    ucodes = np.asarray(index.get_indexer(uvalues), dtype=np.int64)
    unmatched = ucodes < 0
    if unmatched.any():  # compare as text too (codes read as text vs integer keys, or the reverse)
        as_text: dict = {}
        for i, lvl in enumerate(levels):
            as_text.setdefault(str(lvl), i)
        ucodes[unmatched] = [as_text.get(str(v), -1) for v in uvalues[unmatched]]
    codes = ucodes[row_codes]
    if (codes < 0).any():
        pos = np.flatnonzero(codes < 0)
        raise WeightingError(
            f"column {variable!r} has level(s) {describe_values(col.iloc[pos].tolist())} "
            f"({describe_labels(design.data.index, pos)}) "
            f"that the population counts do not list (they list {describe_values(levels, limit=10)})"
        )
    counts = np.bincount(codes, minlength=len(levels))
    present = counts > 0
    zero = present & (pop.to_numpy() == 0)
    if zero.any():
        raise WeightingError(
            f"population count 0 for level(s) {describe_values([levels[i] for i in np.flatnonzero(zero)])} of "
            f"{variable!r}, which has respondents ({int(counts[zero].sum())}); a respondent cannot represent "
            "nobody. Correct the count or recode those respondents"
        )
    absent = ~present & (pop.to_numpy() > 0)
    if absent.any() and not partial:
        raise WeightingError(
            f"population level(s) {describe_values([levels[i] for i in np.flatnonzero(absent)])} of "
            f"{variable!r} have no respondents in the sample; collapse them with a neighbouring level "
            "(or pass partial=True to ignore them)"
        )
    return codes, pop.to_numpy()


def poststratify(design: SurveyDesign, variable: str, population, *, partial: bool = False) -> SurveyDesign:
    """Post-stratify the weights to known population counts of one variable.

    Parameters
    ----------
    design : SurveyDesign
    variable : str
        Column defining the post-strata (combine several variables into one column first).
    population : mapping or pandas.Series
        ``{level: population count}`` for every level in the sample.
    partial : bool, default False
        Allow population levels with no respondents (they are ignored, as R's
        ``partial=TRUE``); by default that is an error.

    Returns
    -------
    SurveyDesign
        Weights multiplied by ``N_g / N̂_g`` in each post-stratum; variances use
        residuals from the post-stratum means, as R's ``postStratify``.

    Examples
    --------
    >>> from campaign_me.datasets import load_api
    >>> d = SurveyDesign(load_api("apiclus1"), psu="dnum", weights="pw", fpc="fpc")
    >>> ps = poststratify(d, "stype", {"E": 4421, "H": 755, "M": 1018})
    >>> round(float(ps.weights.sum()))
    6194
    """
    _check_full(design, "poststratify")
    pop = _population_series(population, variable)
    codes, targets = _match_levels(design, variable, pop, partial=partial)
    old = design.weights.to_numpy()
    est = np.bincount(codes, weights=old, minlength=len(targets))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(est > 0, targets / est, 0.0)
    new = old * factor[codes]
    step = _PostStratStep(codes=codes, new_weights=new, old_weights=old)
    return design.with_calibration(new, step)


def rake(
    design: SurveyDesign,
    margins: Mapping[str, Mapping | pd.Series],
    *,
    max_iter: int = 50,
    tol: float = 1e-7,
) -> SurveyDesign:
    """Rake (iterative proportional fitting) the weights to several population margins.

    Parameters
    ----------
    design : SurveyDesign
        Raking starts from its current weights (the base weights, for a fresh design).
    margins : mapping
        ``{variable: {level: population count}}``; every margin must add up to the same
        population total.
    max_iter : int, default 50
        Maximum number of full passes over the margins.
    tol : float, default 1e-7
        Convergence: the largest gap between a weighted margin count and its target,
        relative to the population total.

    Returns
    -------
    SurveyDesign
        Raked weights; variances use R's linearisation for raking (ten sweeps of
        post-stratum centring over the margins, ``svyrecvar``).

    Raises
    ------
    ConvergenceError
        When the margins are not met within ``max_iter`` passes; the message names the
        margin that is furthest from its target.
    """
    _check_full(design, "rake")
    if not isinstance(margins, Mapping) or not margins:
        raise WeightingError("rake: margins must be a non-empty mapping {variable: {level: count}}")
    max_iter = check_whole(max_iter, argument="rake: max_iter", minimum=1, error=WeightingError)
    if not check_number(tol, argument="rake: tol", error=WeightingError) > 0:
        raise WeightingError(f"rake: tol={tol!r} must be a positive number (e.g. 1e-7)")
    prepared = []
    totals = {}
    for var, pop in margins.items():
        p = _population_series(pop, var)
        codes, targets = _match_levels(design, var, p)
        prepared.append((var, codes, targets, list(p.index)))
        totals[var] = targets.sum()
    grand = next(iter(totals.values()))
    differing = {v: t for v, t in totals.items() if abs(t - grand) > 1e-6 * max(grand, 1.0)}
    if differing:
        raise WeightingError(
            "rake: the margins add up to different population totals ("
            + ", ".join(f"{v}: {t:g}" for v, t in totals.items())
            + "); raking cannot meet them all. Use counts of the same population"
        )
    w0 = design.weights.to_numpy()
    # Iterative proportional fitting on the table of weight sums by cell (the observed
    # combinations of the margins' levels): every row of a cell gets the same factors, so the
    # fit needs the rows only to build the table and, at the end, to apply one factor per cell.
    key = np.zeros(len(w0), dtype=np.int64)
    size = 1
    for _, codes, targets, _ in prepared:
        key = key * len(targets) + codes
        size *= len(targets)
    if size <= 20_000_000:
        seen = np.bincount(key, minlength=size) > 0
        cell_keys = np.flatnonzero(seen)
        cell = (np.cumsum(seen) - 1)[key]
    else:
        cell_keys, cell = np.unique(key, return_inverse=True)
    cell_w0 = np.bincount(cell, weights=w0, minlength=len(cell_keys))
    cell_codes = []  # each cell's level in every margin
    rest = cell_keys.copy()
    for _, _, targets, _ in reversed(prepared):
        cell_codes.append(rest % len(targets))
        rest //= len(targets)
    cell_codes.reverse()
    f = np.ones(len(cell_keys))
    after_f: list[np.ndarray] = [f] * len(prepared)
    worst = (np.inf, None, None)
    for _ in range(max_iter):
        for i, (_, _, targets, _) in enumerate(prepared):
            est = np.bincount(cell_codes[i], weights=cell_w0 * f, minlength=len(targets))
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(est > 0, targets / est, 0.0)
            f = f * factor[cell_codes[i]]
            after_f[i] = f
        worst = (0.0, None, None)
        for i, (var, _, targets, levels) in enumerate(prepared):
            est = np.bincount(cell_codes[i], weights=cell_w0 * f, minlength=len(targets))
            gap = np.abs(est - targets) / grand
            j = int(np.argmax(gap))
            if gap[j] > worst[0]:
                worst = (float(gap[j]), var, levels[j])
        if worst[0] < tol:
            break
    else:
        raise ConvergenceError(
            f"rake: did not converge in {max_iter} iterations; margin {worst[1]!r} (level {worst[2]!r}) is "
            f"still off by {worst[0]:.3g} of the population total (tol={tol:g}). Check that the margins "
            "describe the same population, collapse sparse levels, or raise max_iter"
        )
    w = w0 * f[cell]
    step = _RakeStep([codes for _, codes, _, _ in prepared], w0, cell, cell_codes, after_f)
    return design.with_calibration(w, step)


def calibrate(
    design: SurveyDesign,
    totals: Mapping[str, float | Mapping | pd.Series],
    *,
    population_size: float | None = None,
) -> SurveyDesign:
    """Linear (GREG) calibration of the weights to known population totals.

    Parameters
    ----------
    design : SurveyDesign
    totals : mapping
        ``{numeric variable: population total}`` and/or ``{categorical variable:
        {level: population count}}`` (a categorical margin brings one auxiliary per level).
    population_size : float, optional
        Population size, an intercept auxiliary (implied already by any categorical
        margin).

    Returns
    -------
    SurveyDesign
        Weights ``w_i g_i`` with ``g_i = 1 + x_i' lambda`` such that the weighted totals of
        the auxiliaries equal ``totals``; variances use the weighted least-squares
        residuals on the auxiliaries, as R's ``calibrate(calfun="linear")``. Linear
        calibration can produce negative weights; a warning says how many.

    Notes
    -----
    Deville & Särndal (1992), *Calibration estimators in survey sampling*, JASA 87.
    """
    _check_full(design, "calibrate")
    if not isinstance(totals, Mapping) or not (totals or population_size):
        raise WeightingError("calibrate: totals must be a non-empty mapping {variable: total}")
    data = design.data
    columns = []
    targets = []
    names = []
    if population_size is not None:
        columns.append(np.ones(len(data)))
        targets.append(float(population_size))
        names.append("(population size)")
    for var, tot in totals.items():
        require_columns(data, var, argument="calibrate totals")
        if isinstance(tot, (Mapping, pd.Series)):
            pop = _population_series(tot, var)
            codes, t = _match_levels(design, var, pop)
            for j, lvl in enumerate(pop.index):
                columns.append((codes == j).astype(float))
                targets.append(float(t[j]))
                names.append(f"{var}={lvl}")
        else:
            if (
                isinstance(tot, bool)
                or not isinstance(tot, (int, float, np.integer, np.floating))
                or not np.isfinite(tot)
            ):
                raise WeightingError(
                    f"calibrate: the total for {var!r} must be a number (or a mapping of level counts), got {tot!r}"
                )
            x = pd.to_numeric(data[var], errors="coerce")
            if x.isna().any():
                pos = np.flatnonzero(x.isna().to_numpy())
                raise WeightingError(
                    f"calibrate: auxiliary {var!r} is missing or not numeric in {describe_labels(data.index, pos)}"
                )
            columns.append(x.to_numpy(dtype=float))
            targets.append(float(tot))
            names.append(var)
    X = np.column_stack(columns)
    T = np.asarray(targets)
    w0 = design.weights.to_numpy()
    sample_totals = X.T @ w0
    M = X.T @ (X * w0[:, None])
    lam = np.linalg.pinv(M, rcond=1e-12) @ (T - sample_totals)
    g = 1.0 + X @ lam
    w = w0 * g
    achieved = X.T @ w
    off = np.abs(achieved - T) > 1e-6 * (1 + np.abs(T))
    if off.any():
        raise WeightingError(
            "calibrate: the totals cannot all be met (inconsistent or collinear auxiliaries): "
            + ", ".join(f"{names[i]} target {T[i]:g}, reached {achieved[i]:g}" for i in np.flatnonzero(off))
        )
    neg = int((w <= 0).sum())
    if neg:
        warnings.warn(
            f"calibrate: {neg} calibrated weight(s) are zero or negative (linear calibration is unbounded)",
            UserWarning,
            stacklevel=2,
        )
    A = X * np.sqrt(w0)[:, None]
    u, sv, _ = np.linalg.svd(A, full_matrices=False)
    rank = int((sv > sv[0] * 1e-10).sum())
    step = _GregStep(q=u[:, :rank], cw=g * np.sqrt(w0))
    return design.with_calibration(w, step)


def trim_weights(
    design: SurveyDesign,
    *,
    upper: float | None = None,
    lower: float | None = None,
    strict: bool = False,
) -> SurveyDesign:
    """Trim weights to ``[lower, upper]`` and share the trimmed amount among the others.

    As R's ``trimWeights``: weights outside the bounds are set to the bound, and the
    total trimmed is added *in equal parts* to the weights that were inside, so the sum
    of weights is unchanged. With ``strict=True`` this repeats until no weight is
    outside (the redistribution can push weights over ``upper``).
    Calibration information of the design is kept for the variance, as in R.
    """
    _check_full(design, "trim_weights")
    up = np.inf if upper is None else check_number(upper, argument="trim_weights: upper", error=WeightingError)
    lo = -np.inf if lower is None else check_number(lower, argument="trim_weights: lower", error=WeightingError)
    if up <= lo:
        raise WeightingError(f"trim_weights: upper={upper!r} must be greater than lower={lower!r}")
    w = design.weights.to_numpy().copy()
    for _ in range(1000):
        outside = (w < lo) | (w > up)
        if not outside.any():
            break
        if outside.all():
            raise WeightingError("trim_weights: every weight is outside the bounds; widen them")
        new = np.clip(w, lo, up)
        trimmed = (w - new).sum()
        new[~outside] += trimmed / (~outside).sum()
        w = new
        if not strict:
            break
    return design.with_calibration(w)


def _weights_array(weights) -> np.ndarray:
    if isinstance(weights, SurveyDesign):
        w = weights.weights.to_numpy()
        return w[weights.in_domain.to_numpy()]
    w = pd.to_numeric(pd.Series(weights), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(w).any() or (w < 0).any():
        pos = np.flatnonzero(np.isnan(w) | (w < 0))
        raise DataError(f"weights: missing or negative values in {describe_rows(pos)}")
    return w


def effective_sample_size(weights) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` of a design or weight vector.

    Examples
    --------
    >>> effective_sample_size([1, 1, 1, 1])
    4.0
    >>> round(effective_sample_size([1, 1, 1, 5]), 3)
    2.286
    """
    w = _weights_array(weights)
    if w.sum() <= 0:
        raise DataError("weights: they sum to zero")
    return float(w.sum() ** 2 / (w**2).sum())


def weight_summary(weights, *, by: str | None = None) -> pd.DataFrame:
    """A weight diagnostics table: n, sum, min, quartiles, max, max/min, CV, Kish deff, n_eff.

    Parameters
    ----------
    weights : SurveyDesign or array-like
    by : str, optional
        With a design, one row per level of this column as well as the overall row.

    Notes
    -----
    ``deff_w = 1 + CV^2`` with the CV computed with divisor n (Kish 1965), which equals
    ``n / n_eff``.
    """

    def row(w: np.ndarray, label) -> dict:
        n = len(w)
        if n == 0:
            raise DataError("weight_summary: no weights to summarise")
        cv = float(w.std(ddof=0) / w.mean()) if n and w.mean() > 0 else np.nan
        return {
            "group": label,
            "n": n,
            "sum": float(w.sum()),
            "min": float(w.min()),
            "p25": float(np.quantile(w, 0.25)),
            "median": float(np.median(w)),
            "p75": float(np.quantile(w, 0.75)),
            "max": float(w.max()),
            "max_min_ratio": float(w.max() / w.min()) if w.min() > 0 else np.inf,
            "cv": cv,
            "deff_w": 1 + cv**2,
            "n_eff": float(w.sum() ** 2 / (w**2).sum()),
        }

    w = _weights_array(weights)
    rows = [row(w, "all")]
    if by is not None:
        if not isinstance(weights, SurveyDesign):
            raise DataError("weight_summary: by= needs a SurveyDesign")
        require_columns(weights.data, by, argument="by")
        mask = weights.in_domain.to_numpy()
        col = weights.data[by][mask]
        wd = weights.weights.to_numpy()[mask]
        for level in col.dropna().unique():
            rows.append(row(wd[col.eq(level).to_numpy(dtype=bool, na_value=False)], level))
        if col.isna().any():
            rows.append(row(wd[col.isna().to_numpy()], "(missing)"))
    return pd.DataFrame(rows)
