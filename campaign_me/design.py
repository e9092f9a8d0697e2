"""Design-based estimation for complex surveys: :class:`SurveyDesign`.

Declare the design once (weights, strata, clusters, finite-population corrections),
then ask it for means, totals, ratios and proportions, overall or by domain. Point
estimates are Horvitz-Thompson/Hajek; variances use Taylor linearisation with the
with-replacement approximation at the first stage when no fpc is given, finite
population corrections when it is, and the second stage of a two-stage design when
two fpc columns are given. The computation follows R's ``survey`` package
(Lumley 2004, 2010) step for step, and the test suite checks it against R's output
to 1e-6 on the ``api`` data that ships with that package.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .errors import (
    DataError,
    DesignError,
    LonelyPSUError,
    describe_rows,
    describe_values,
    require_columns,
)

__all__ = ["SurveyDesign", "LONELY_PSU_OPTIONS", "RESULT_COLUMNS"]

LONELY_PSU_OPTIONS = ("fail", "remove", "adjust", "average", "certainty")

#: Columns of every estimate table, in order (``by`` columns and ``category`` are
#: inserted after ``variable`` when present).
RESULT_COLUMNS = ("variable", "estimate", "se", "ci_low", "ci_high", "deff", "n", "df")

# A stratum whose sampling fraction is complete (f = 0 after correction) adds no variance;
# R's survey uses the same cut-off.
_F_ZERO = 1e-7


# --------------------------------------------------------------------------------------
# Calibration steps: how a weighting adjustment changes the linearised scores.
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _PostStratStep:
    """Post-stratification: residuals from post-stratum means (R's ``postStratify``)."""

    codes: np.ndarray  # post-stratum code per row
    new_weights: np.ndarray
    old_weights: np.ndarray

    def residualize(self, x: np.ndarray) -> np.ndarray:
        psw = np.where((self.new_weights == 0) & (self.old_weights == 0), 1.0, self.new_weights)
        ng = int(self.codes.max()) + 1
        num = _group_sums(self.codes, x * (self.old_weights / psw)[:, None], ng)
        den = np.bincount(self.codes, weights=self.old_weights, minlength=ng)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = num / den[:, None]
        means = np.nan_to_num(means)
        return x - means[self.codes] * psw[:, None]


@dataclass(frozen=True)
class _RakeStep:
    """Raking: R's approximation, ten sweeps of post-stratum centring over the margins."""

    margins: tuple[tuple[np.ndarray, np.ndarray], ...]  # (codes, weights after that margin's step)
    sweeps: int = 10

    def residualize(self, x: np.ndarray) -> np.ndarray:
        x = x.copy()
        for _ in range(self.sweeps):
            for codes, psw in self.margins:
                ng = int(codes.max()) + 1
                counts = np.bincount(codes, minlength=ng)
                means = _group_sums(codes, x / psw[:, None], ng) / counts[:, None]
                x -= psw[:, None] * means[codes]
        return x


@dataclass(frozen=True)
class _GregStep:
    """Linear (GREG) calibration: weighted least-squares residuals on the auxiliaries."""

    q: np.ndarray  # orthonormal basis of sqrt(w0) * X
    cw: np.ndarray  # g * sqrt(w0)

    def residualize(self, x: np.ndarray) -> np.ndarray:
        z = x / self.cw[:, None]
        z = z - self.q @ (self.q.T @ z)
        return z * self.cw[:, None]


def _group_sums(codes: np.ndarray, x: np.ndarray, ngroups: int) -> np.ndarray:
    """Column sums of ``x`` (n x k) within groups ``codes`` (0..ngroups-1)."""
    out = np.empty((ngroups, x.shape[1]))
    for j in range(x.shape[1]):
        out[:, j] = np.bincount(codes, weights=x[:, j], minlength=ngroups)
    return out


# --------------------------------------------------------------------------------------
# Internal representation of the design structure (shared by subsets and reweighted copies)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Structure:
    strata: np.ndarray  # stratum code per row (0..H-1)
    strata_labels: np.ndarray
    psu: np.ndarray  # PSU code per row (0..P-1), unique across strata
    psu_labels: np.ndarray
    psu_stratum: np.ndarray  # stratum code of each PSU
    n_psu: np.ndarray  # PSUs sampled per stratum (H,)
    f1: np.ndarray  # (N_h - n_h)/N_h per stratum, 1 without fpc (H,)
    frac1: np.ndarray | None  # n_h/N_h per stratum, None without fpc
    ssu: np.ndarray | None = None  # SSU code per row (0..S-1), unique across PSUs
    ssu_psu: np.ndarray | None = None  # PSU code of each SSU
    n_ssu: np.ndarray | None = None  # SSUs sampled per PSU (P,)
    f2: np.ndarray | None = None  # (M_i - m_i)/M_i per PSU (P,)
    has_strata: bool = False
    has_psu: bool = False


@dataclass(frozen=True)
class _Estimand:
    """What to linearise for one estimate row."""

    variable: str
    category: object
    estimate: float
    scores: np.ndarray  # scores of the rows the estimate uses (zero elsewhere), aligned with ``rows``
    srs_var: float  # variance under SRS with replacement (for deff)
    n: int
    is_proportion: bool = False


class SurveyDesign:
    """A complex survey design, declared once and handed to every estimator.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent. It is not modified (no copy is taken either: do not
        mutate it while the design is in use).
    weights : str, optional
        Column of sampling weights (> 0). Without it, weights follow from the fpc
        columns (product over stages of population size / sample size); without both,
        every row has weight 1 and a warning says so.
    strata : str, optional
        Column of first-stage strata.
    psu : str or list of two str, optional
        Column of primary sampling units, or ``[psu, ssu]`` for a two-stage design.
        Without it every row is its own unit.
    fpc : str or list of str, optional
        Finite population correction per stage: a population count (number of PSUs in
        the stratum; number of SSUs in the PSU) or a sampling fraction (all values <= 1),
        as R's ``svydesign`` accepts both. Two columns make the second stage enter the
        variance, as in R.
    nest : bool, default False
        Make PSU ids unique within strata (ids that are reused across strata).
    lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}, default "fail"
        What to do with a stratum that has a single PSU, with the meaning of R's
        ``options(survey.lonely.psu=)``: ``"fail"`` raises :class:`LonelyPSUError`
        naming the stratum; ``"remove"`` and ``"certainty"`` let it add no variance;
        ``"adjust"`` centres it at the overall mean instead of its own; ``"average"``
        replaces its contribution by the average of the other strata.

    Notes
    -----
    Variance of a linearised statistic with scores :math:`x_i` (one-stage):

    .. math:: \\hat V = \\sum_h (1-f_h) \\frac{n_h}{n_h-1} \\sum_j (z_{hj} - \\bar z_h)^2,

    with :math:`z_{hj}` the PSU totals of the scores, :math:`n_h` the number of PSUs in
    stratum :math:`h` and :math:`f_h = n_h/N_h` (0 without fpc). Two-stage designs with
    two fpc columns add :math:`\\sum_i f_{h(i)} \\hat V_{2i}`, the within-PSU variance of
    the SSU totals, as R's ``svyrecvar`` does. Domains keep every PSU of the design
    (their scores are zero outside the domain), so domain variances are correct.
    Degrees of freedom are the number of PSUs minus the number of strata among the
    rows with nonzero weight, as R's ``degf``.

    Examples
    --------
    >>> from campaign_me.datasets import load_api
    >>> d = SurveyDesign(load_api("apistrat"), weights="pw", strata="stype", fpc="fpc")
    >>> d.mean("api00").round(4)[["variable", "estimate", "se"]]
      variable  estimate      se
    0    api00  662.2874  9.4089
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        weights: str | None = None,
        strata: str | None = None,
        psu: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
        if len(data) == 0:
            raise DataError("data: the DataFrame has no rows")
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise DesignError(
                f"lonely_psu={lonely_psu!r} is not one of {', '.join(map(repr, LONELY_PSU_OPTIONS))}"
            )
        self._data = data
        self._columns = {
            "weights": weights,
            "strata": strata,
            "psu": psu if psu is None or isinstance(psu, str) else list(psu),
            "fpc": fpc if fpc is None or isinstance(fpc, str) else list(fpc),
        }
        self.nest = bool(nest)
        self.lonely_psu = lonely_psu
        self._structure, base_weights = _build_structure(data, weights, strata, psu, fpc, nest)
        self._weights = base_weights
        self._domain: np.ndarray | None = None
        self._calibration: tuple = ()

    # ------------------------------------------------------------------ basic accessors
    @property
    def data(self) -> pd.DataFrame:
        """The respondent data the design was declared on (all rows, domain or not)."""
        return self._data

    @property
    def weights(self) -> pd.Series:
        """Current analysis weights (after any weighting step), zero outside a domain."""
        w = self._weights if self._domain is None else np.where(self._domain, self._weights, 0.0)
        return pd.Series(w, index=self._data.index, name="weight")

    @property
    def strata(self) -> str | None:
        """Name of the stratum column (None for an unstratified design)."""
        return self._columns["strata"]

    @property
    def psu(self) -> str | list[str] | None:
        """Name of the PSU column, ``[psu, ssu]`` for a two-stage design, or None."""
        return self._columns["psu"]

    @property
    def fpc(self) -> str | list[str] | None:
        """Name of the fpc column (one per stage), or None."""
        return self._columns["fpc"]

    @property
    def weights_column(self) -> str | None:
        """Name of the weight column the design was declared with (None if weights came from fpc)."""
        return self._columns["weights"]

    def structure(self) -> pd.DataFrame:
        """The design's structure per row, as integer codes: what a model-based or replicate method needs.

        Returns
        -------
        pandas.DataFrame
            Indexed like :attr:`data`, with columns ``stratum`` (0..H-1, in sorted order of
            the stratum labels; all 0 without strata), ``psu`` (0..P-1, unique across strata,
            so ``nest=True`` ids are already combined; each row its own PSU without a PSU
            column), ``ssu`` (two-stage designs only, unique across PSUs), ``psu_in_stratum``
            (number of PSUs sampled in the row's stratum), ``stage1_fpc`` (the finite population
            factor :math:`(N_h - n_h)/N_h` of the row's stratum, 1.0 without fpc) and ``weight``
            (:attr:`weights`, zero outside a domain).

        Examples
        --------
        >>> from campaign_me.datasets import load_api
        >>> d = SurveyDesign(load_api("apiclus1"), psu="dnum", weights="pw", fpc="fpc")
        >>> st = d.structure()
        >>> int(st["psu"].nunique()), int(st["stratum"].nunique()), round(float(st["stage1_fpc"].iloc[0]), 4)
        (15, 1, 0.9802)

        15 of 757 districts sampled: :math:`(757 - 15)/757 = 0.9802`.
        """
        s = self._structure
        out = {"stratum": s.strata, "psu": s.psu}
        if s.ssu is not None:
            out["ssu"] = s.ssu
        out["psu_in_stratum"] = s.n_psu[s.strata].astype(np.int64)
        out["stage1_fpc"] = s.f1[s.strata] if s.frac1 is not None else np.ones(len(s.strata))
        out["weight"] = self.weights.to_numpy()
        return pd.DataFrame(out, index=self._data.index)

    @property
    def n(self) -> int:
        """Number of respondents in the design (or in the domain, for a subset)."""
        return int(len(self._data) if self._domain is None else self._domain.sum())

    @property
    def calibrated(self) -> bool:
        """True once a post-stratification, raking or calibration step has been applied."""
        return bool(self._calibration)

    @property
    def degf(self) -> int:
        """Design degrees of freedom: PSUs minus strata (among rows in the domain)."""
        return self._degf(self._domain_mask())

    def __repr__(self) -> str:
        s = self._structure
        kind = "two-stage" if s.ssu is not None else ("cluster" if s.has_psu else "element")
        parts = [
            f"SurveyDesign({kind}, n={self.n}",
            f"strata={len(s.strata_labels) if s.has_strata else 'none'}",
            f"PSUs={len(s.psu_labels)}",
            f"fpc={'yes' if s.frac1 is not None else 'no'}",
            f"lonely_psu={self.lonely_psu!r}",
        ]
        if self._domain is not None:
            parts.append("domain subset")
        if self._calibration:
            parts.append(f"calibrated x{len(self._calibration)}")
        return ", ".join(parts) + ")"

    # ------------------------------------------------------------------ derived designs
    def _derive(self, **changes) -> SurveyDesign:
        new = object.__new__(SurveyDesign)
        new.__dict__.update(self.__dict__)
        for k, v in changes.items():
            setattr(new, k, v)
        return new

    def with_columns(self, **columns) -> SurveyDesign:
        """A design with extra (or replaced) columns in its data and the same structure and weights.

        Use it for derived variables (a score, an indicator, a recode) that should be
        estimated on the same design, subset and calibration.

        Parameters
        ----------
        **columns : pandas.Series or array-like
            ``name=values``: a Series aligned on the data's index (its index must hold every
            row of the data), or an array with one value per row. Design columns (weights,
            strata, PSU, fpc) cannot be replaced.

        Returns
        -------
        SurveyDesign
            A new design; the original design and its data are unchanged.

        Examples
        --------
        >>> from campaign_me.datasets import load_api
        >>> d = SurveyDesign(load_api("apistrat"), weights="pw", strata="stype", fpc="fpc")
        >>> d2 = d.with_columns(gain=d.data["api00"] - d.data["api99"])
        >>> round(float(d2.mean("gain")["estimate"].iloc[0]), 3)
        32.893
        """
        design_cols = set()
        for v in self._columns.values():
            design_cols.update([v] if isinstance(v, str) else (v or []))
        extra = {}
        for name, values in columns.items():
            if name in design_cols:
                raise DataError(f"with_columns: {name!r} is a design column and cannot be replaced")
            if isinstance(values, pd.Series):
                if not values.index.equals(self._data.index):
                    if not values.index.is_unique or not self._data.index.isin(values.index).all():
                        raise DataError(
                            f"with_columns: the index of {name!r} does not match the data's index; "
                            "build it from design.data"
                        )
                    values = values.reindex(self._data.index)
                extra[name] = values.to_numpy() if values.dtype == object else values.array
            else:
                arr = np.asarray(values)
                if arr.ndim == 0:
                    arr = np.full(len(self._data), arr.item())
                if arr.shape != (len(self._data),):
                    raise DataError(
                        f"with_columns: {name!r} has shape {arr.shape}; expected {len(self._data)} values, "
                        "one per row"
                    )
                extra[name] = arr
        data = self._data.copy(deep=False)
        for name, values in extra.items():
            data[name] = pd.Series(values, index=data.index) if not isinstance(values, pd.Series) else values
        return self._derive(_data=data)

    def subset(self, mask) -> SurveyDesign:
        """Restrict estimation to a domain while keeping the full design.

        Parameters
        ----------
        mask : array-like of bool or str
            One value per row (a boolean Series aligned on the data index, or an
            array), or the name of a boolean column. Missing values count as False.

        Returns
        -------
        SurveyDesign
            A design whose estimates refer to the domain and whose variances still use
            every PSU of the full design, as R's ``subset.survey.design``.
        """
        m = self._as_mask(mask, argument="mask")
        if self._domain is not None:
            m = m & self._domain
        if not m.any():
            raise DataError("subset: the mask selects no rows")
        return self._derive(_domain=m)

    def _with_weights(self, new_weights: np.ndarray, step=None) -> SurveyDesign:
        """A copy with other weights (and, optionally, one more calibration step)."""
        cal = self._calibration + ((step,) if step is not None else ())
        return self._derive(_weights=np.asarray(new_weights, dtype=float), _calibration=cal)

    def _as_mask(self, mask, *, argument: str) -> np.ndarray:
        what = "mask"
        if isinstance(mask, str):
            require_columns(self._data, mask, argument=argument)
            what = f"column {mask!r}"
            mask = self._data[mask]
        if isinstance(mask, pd.Series):
            if not mask.index.equals(self._data.index):
                missing = ~self._data.index.isin(mask.index)
                if not mask.index.is_unique or missing.any() or len(mask) != len(self._data):
                    raise DataError(
                        f"{argument}: the Series' index does not match the data's index "
                        f"({int(missing.sum())} data rows have no value); build the mask from design.data"
                    )
                mask = mask.reindex(self._data.index)
            series = mask
        else:
            arr = np.asarray(mask)
            if arr.shape != (len(self._data),):
                raise DataError(
                    f"{argument}: expected {len(self._data)} values (one per row), got shape {arr.shape}"
                )
            series = pd.Series(arr)
        if not pd.api.types.is_bool_dtype(series):
            present = series.dropna()
            non_bool = [v for v in present.tolist() if not isinstance(v, (bool, np.bool_))]
            if non_bool or not pd.api.types.is_object_dtype(series):
                shown = non_bool or present.unique().tolist()
                raise DataError(
                    f"{argument}: {what} must be True/False per row (dtype {series.dtype}); found "
                    f"{describe_values(shown)}. Compare a column to make one, e.g. data['sex'] == 'female'"
                )
        return series.astype("boolean").fillna(False).to_numpy(dtype=bool)

    def _domain_mask(self) -> np.ndarray:
        if self._domain is None:
            return np.ones(len(self._data), dtype=bool)
        return self._domain

    # ------------------------------------------------------------------ variance engine
    def _degf(self, rows: np.ndarray) -> int:
        s = self._structure
        inset = rows & (self._weights != 0)
        npsu = np.count_nonzero(np.bincount(s.psu[inset], minlength=len(s.psu_labels)))
        nstrata = np.count_nonzero(np.bincount(s.strata[inset], minlength=len(s.strata_labels)))
        return int(npsu - nstrata)

    def _variance(self, scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Taylor variance of the totals of ``scores``, as R's ``svyrecvar``.

        ``scores`` (m x k) belong to the rows ``rows`` (positions, m of them) that the
        estimate uses (domain and non-missing); every other row scores zero. Without a
        calibration step, strata with no such row drop out, as in R where those rows are
        removed; after calibration every row stays, as R keeps them with weight 0.
        """
        x = np.asarray(scores, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        s = self._structure
        if self._calibration:
            full = np.zeros((len(self._weights), x.shape[1]), order="F")
            full[rows] = x
            x = full
            for step in self._calibration:
                x = step.residualize(x)
            rows = slice(None)
        strata, psu = s.strata[rows], s.psu[rows]
        present = np.ones(len(x), dtype=bool)
        v = _onestage(
            x,
            strata=strata,
            cluster=psu,
            cluster_group=s.psu_stratum,
            n_units=s.n_psu,
            f=s.f1,
            present_rows=present,
            lonely=self.lonely_psu,
            group_labels=s.strata_labels,
            stage=1,
        )
        if s.ssu is not None and s.frac1 is not None:
            v2 = _onestage(
                x,
                strata=psu,
                cluster=s.ssu[rows],
                cluster_group=s.ssu_psu,
                n_units=s.n_ssu,
                f=s.f2,
                present_rows=present,
                lonely=self.lonely_psu,
                group_labels=s.psu_labels,
                stage=2,
                group_multiplier=s.frac1[s.psu_stratum],
                average_within_group=True,
            )
            v = v + v2
        return v

    # ------------------------------------------------------------------ estimation core
    def _prepare(self, variables, by, *, argument: str):
        variables = _names(variables, argument)
        if not variables:
            raise DataError(f"{argument}: give at least one variable")
        require_columns(self._data, variables, argument=argument)
        by_cols: list[str] = []
        if by is not None:
            by_cols = _names(by, "by")
            require_columns(self._data, by_cols, argument="by")
        return variables, by_cols

    def _numeric_column(self, name: str) -> np.ndarray:
        col = self._data[name]
        if pd.api.types.is_bool_dtype(col):
            return col.astype("float64").to_numpy()
        if not pd.api.types.is_numeric_dtype(col):
            converted = pd.to_numeric(col, errors="coerce")
            bad = converted.isna() & col.notna()
            if bad.any():
                pos = np.flatnonzero(bad.to_numpy())
                raise DataError(
                    f"column {name!r} is not numeric: {describe_rows(pos)} hold "
                    f"{describe_values(col.iloc[pos].tolist())}; recode it or use proportion()"
                )
            col = converted
        return col.astype("float64").to_numpy(na_value=np.nan)

    def _domains(self, by_cols: list[str]) -> list[tuple[dict, np.ndarray, np.ndarray | slice]]:
        """(labels, row mask, row positions) of each domain (observed combinations, sorted)."""
        return [(labels, m, _positions(m)) for labels, m in self._domain_masks(by_cols)]

    def _domain_masks(self, by_cols: list[str]):
        base = self._domain_mask()
        if not by_cols:
            yield {}, base
            return
        frame = self._data[by_cols]
        keys = frame[base].dropna().drop_duplicates()
        try:
            keys = keys.sort_values(by_cols)
        except TypeError:
            pass
        for key in keys.itertuples(index=False, name=None):
            m = base.copy()
            for c, value in zip(by_cols, key):  # rows with a missing by value belong to no domain
                m &= frame[c].eq(value).fillna(False).to_numpy(dtype=bool)
            yield dict(zip(by_cols, key)), m

    def _check_missing(self, name: str, values: np.ndarray, dom: np.ndarray, positions, na_rm: bool):
        """Positions of the rows an estimate uses: in the domain and not missing."""
        nan = np.isnan(values)
        inf = np.isinf(values) & dom
        if inf.any():
            raise DataError(
                f"variable {name!r} has infinite values in {describe_rows(np.flatnonzero(inf))}; "
                "recode them (as missing, or to a real value)"
            )
        miss = nan & dom
        if not miss.any():
            return positions
        if not na_rm:
            raise DataError(
                f"variable {name!r} has {int(miss.sum())} missing value(s) in the estimation rows "
                f"({describe_rows(np.flatnonzero(miss))}); pass na_rm=True to leave them out "
                "(the design is kept, as a domain)"
            )
        return np.flatnonzero(dom & ~nan)

    def _table(self, estimands: list[tuple[dict, _Estimand, np.ndarray, np.ndarray]], level, df, ci):
        """Variance, CI and deff for a list of (by labels, estimand, domain rows, active rows)."""
        if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
            raise DataError(f"level={level!r}: must be a number between 0 and 1 (e.g. 0.95)")
        if df is not None and (
            isinstance(df, bool) or not isinstance(df, (int, float, np.integer, np.floating)) or not df > 0
        ):
            raise DataError(f"df={df!r}: give a positive number of degrees of freedom, numpy.inf, or None")
        records = []
        # group estimands that use the same rows, to run the variance engine once per group
        groups: dict[int, list[int]] = {}
        for i, (_, _, _, rows) in enumerate(estimands):  # the row arrays stay alive in estimands
            groups.setdefault(id(rows), []).append(i)
        variances = np.empty(len(estimands))
        for idx in groups.values():
            rows = estimands[idx[0]][3]
            scores = np.empty((len(estimands[idx[0]][1].scores), len(idx)), order="F")
            for j, i in enumerate(idx):
                scores[:, j] = estimands[i][1].scores
            variances[idx] = self._variance(scores, rows)
        degf_cache: dict[bytes, int] = {}
        for i, (labels, est, domain_rows, _active) in enumerate(estimands):
            var = max(variances[i], 0.0)
            se = float(np.sqrt(var))
            if df is None:
                key = np.packbits(domain_rows).tobytes()
                if key not in degf_cache:
                    degf_cache[key] = self._degf(domain_rows)
                ddf = degf_cache[key]
            else:
                ddf = df
            lo, hi = ci(est, se, ddf, level, domain_rows)
            deff = var / est.srs_var if est.srs_var > 0 else np.nan
            row = {"variable": est.variable, **labels}
            if est.is_proportion:
                row["category"] = est.category
            row.update(
                estimate=est.estimate,
                se=se,
                ci_low=lo,
                ci_high=hi,
                deff=deff,
                n=est.n,
                df=float(ddf),
            )
            records.append(row)
        out = pd.DataFrame.from_records(records)
        out["n"] = out["n"].astype("int64")
        lead = [c for c in out.columns if c not in RESULT_COLUMNS]  # by columns and category
        return out[["variable", *lead, *RESULT_COLUMNS[1:]]]

    def _wald(self, est: _Estimand, se: float, ddf: float, level: float, _rows) -> tuple[float, float]:
        q = _quantile(level, ddf)
        return est.estimate - q * se, est.estimate + q * se

    # ------------------------------------------------------------------ public estimators
    def mean(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        level: float = 0.95,
        na_rm: bool = False,
        df: float | None = None,
    ) -> pd.DataFrame:
        """Design-based mean of one or more numeric variables, overall or by domain.

        Parameters
        ----------
        variables : str or list of str
            Numeric (or boolean) columns.
        by : str or list of str, optional
            Domain columns: one row per observed combination, each estimated on the full
            design (as R's ``svyby``).
        level : float, default 0.95
            Confidence level of the interval.
        na_rm : bool, default False
            Leave out rows where the variable is missing (they become a domain
            complement, so the variance stays design-correct). Without it, a missing
            value is an error naming the rows.
        df : float, optional
            Degrees of freedom of the t quantile for the interval. Default: the design
            degrees of freedom of the domain (PSUs minus strata, as ``degf()`` in R and
            Stata's default); ``numpy.inf`` gives normal intervals, the default of
            ``confint()`` on an R ``svymean``.

        Returns
        -------
        pandas.DataFrame
            ``variable, [by...], estimate, se, ci_low, ci_high, deff, n, df``; ``deff``
            is the design effect against simple random sampling with replacement (R's
            ``deff="replace"``), ``n`` the unweighted count of rows used.

        Notes
        -----
        Scores :math:`w_i (y_i - \\bar y_w)/\\sum w` within the domain, zero outside.
        Validated against R ``survey`` 4.1 ``svymean``/``svyby`` (tests/reference/survey.R).
        """
        variables, by_cols = self._prepare(variables, by, argument="variables")
        w = self._weights
        domains = self._domains(by_cols)
        items = []
        for name in variables:
            y = self._numeric_column(name)
            for labels, dom, pos in domains:
                rows = self._check_missing(name, y, dom, pos, na_rm)
                items.append((labels, self._mean_estimand(name, None, y, rows, w), dom, rows))
        return self._table(items, level, df, self._wald)

    def _mean_estimand(self, name, category, y, rows, w, proportion=False) -> _Estimand:
        wa = w[rows]
        total_w = wa.sum()
        if total_w <= 0:
            raise DataError(f"variable {name!r}: the domain has no rows with positive weight")
        est = float(np.dot(wa, y[rows]) / total_w)
        yz = y[rows] - est  # a new array: y may be a read-only view of the data
        scores = wa * yz
        srs = _srs_variance(wa, yz, centred=True)
        scores /= total_w
        return _Estimand(name, category, est, scores, srs, len(scores), proportion)

    def total(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        level: float = 0.95,
        na_rm: bool = False,
        df: float | None = None,
    ) -> pd.DataFrame:
        """Design-based (Horvitz-Thompson) total of numeric variables, overall or by domain.

        Parameters and return value as :meth:`mean`. Scores are :math:`w_i y_i` within
        the domain; ``deff`` compares with SRS with replacement of the same size
        (R's ``svytotal(deff="replace")``).
        """
        variables, by_cols = self._prepare(variables, by, argument="variables")
        w = self._weights
        domains = self._domains(by_cols)
        items = []
        for name in variables:
            y = self._numeric_column(name)
            for labels, dom, pos in domains:
                rows = self._check_missing(name, y, dom, pos, na_rm)
                wa = w[rows]
                if not len(wa):
                    raise DataError(f"variable {name!r} has no non-missing values in the domain {labels or ''}")
                yz = y[rows]
                srs = _srs_variance(wa, yz) * wa.sum() ** 2
                e = _Estimand(name, None, float(np.dot(wa, yz)), wa * yz, srs, len(wa))
                items.append((labels, e, dom, rows))
        return self._table(items, level, df, self._wald)

    def ratio(
        self,
        numerator: str | Sequence[str],
        denominator: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        level: float = 0.95,
        na_rm: bool = False,
        df: float | None = None,
    ) -> pd.DataFrame:
        """Ratio of two totals, :math:`\\hat Y/\\hat X`, overall or by domain.

        ``numerator`` and ``denominator`` are single columns or equally long lists
        (paired element by element; a single denominator serves every numerator). The
        ``variable`` column reads ``"numerator/denominator"``.

        Notes
        -----
        Scores :math:`w_i (y_i - \\hat R x_i)/\\hat X`, as R's ``svyratio``; rows with a
        missing numerator or denominator are dropped together under ``na_rm=True``.
        """
        nums = _names(numerator, "numerator")
        dens = _names(denominator, "denominator")
        if len(dens) == 1:
            dens = dens * len(nums)
        if len(dens) != len(nums):
            raise DataError(
                f"ratio: {len(nums)} numerators but {len(dens)} denominators; give one denominator "
                "or one per numerator"
            )
        _, by_cols = self._prepare(nums + dens, by, argument="ratio")
        w = self._weights
        domains = self._domains(by_cols)
        items = []
        for num, den in zip(nums, dens):
            y = self._numeric_column(num)
            x = self._numeric_column(den)
            name = f"{num}/{den}"
            both = np.where(np.isnan(x), np.nan, y)
            for labels, dom, pos in domains:
                rows = self._check_missing(name, both, dom, pos, na_rm)
                wa = w[rows]
                yz = y[rows]
                xz = x[rows]
                x_tot = float((wa * xz).sum())
                if x_tot == 0:
                    raise DataError(f"ratio {name!r}: the denominator total is zero in this domain {labels}")
                r = float((wa * yz).sum()) / x_tot
                resid = (yz - r * xz) / x_tot
                srs = _srs_variance(wa, resid) * wa.sum() ** 2  # as R: deff(svytotal(resid, design))
                e = _Estimand(name, None, r, wa * resid, srs, len(wa))
                items.append((labels, e, dom, rows))
        return self._table(items, level, df, self._wald)

    def proportion(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        level: float = 0.95,
        na_rm: bool = False,
        method: str = "logit",
        df: float | None = None,
    ) -> pd.DataFrame:
        """Proportions with confidence intervals that behave near 0 and 1.

        Parameters
        ----------
        variables : str or list of str
            Categorical columns (one row per level, in the column's category order or
            sorted), or 0/1 / boolean columns (one row, ``category`` 1 or True).
        method : {"logit", "wald", "korn-graubard"}, default "logit"
            ``"logit"``: interval on the logit scale, back-transformed (R's
            ``svyciprop(method="logit")``); ``"wald"``: estimate +/- t * se
            (``method="mean"``); ``"korn-graubard"``: Clopper-Pearson on the effective
            sample size with Korn & Graubard's (1998) degrees-of-freedom adjustment
            (``method="beta"``).
        df : float, optional
            Degrees of freedom; default the design's, as ``svyciprop``.

        Returns
        -------
        pandas.DataFrame
            ``variable, [by...], category, estimate, se, ci_low, ci_high, deff, n, df``.
        """
        methods = {"logit": self._ci_logit, "wald": self._wald, "korn-graubard": self._ci_beta}
        if method not in methods:
            raise DataError(f"method={method!r}: choose one of {', '.join(map(repr, methods))}")
        variables, by_cols = self._prepare(variables, by, argument="variables")
        w = self._weights
        domains = self._domains(by_cols)
        items = []
        for name in variables:
            col = self._data[name]
            missing = col.isna().to_numpy()
            categories = _categories(col, name)
            for labels, dom, pos in domains:
                miss = missing & dom
                if miss.any() and not na_rm:
                    raise DataError(
                        f"variable {name!r} has {int(miss.sum())} missing value(s) in the estimation rows "
                        f"({describe_rows(np.flatnonzero(miss))}); pass na_rm=True to leave them out"
                    )
                rows = pos if not (missing & dom).any() else np.flatnonzero(dom & ~missing)
                for cat, indicator in categories:
                    e = self._mean_estimand(name, cat, indicator, rows, w, proportion=True)
                    items.append((labels, e, dom, rows))
        return self._table(items, level, df, methods[method])

    def _ci_logit(self, est: _Estimand, se: float, ddf: float, level: float, _rows):
        p = est.estimate
        if p <= 0 or p >= 1 or se == 0:
            return _clopper_pearson(p, est.n, level)
        q = _quantile(level, ddf)
        half = q * se / (p * (1 - p))
        lp = np.log(p / (1 - p))
        return float(_expit(lp - half)), float(_expit(lp + half))

    def _ci_beta(self, est: _Estimand, se: float, ddf: float, level: float, rows):
        p = est.estimate
        alpha = 1 - level
        var = se**2
        if var == 0 or p <= 0 or p >= 1:
            return _clopper_pearson(p, est.n, level)
        n_eff = p * (1 - p) / var
        # R: nrow(design) - 1 against degf(design); after calibration R keeps all rows
        nrow = len(self._data) if self._calibration else int(rows.sum())
        if np.isfinite(ddf):
            n_eff = n_eff * (stats.t.ppf(alpha / 2, nrow - 1) / stats.t.ppf(alpha / 2, ddf)) ** 2
        lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1) if p > 0 else 0.0
        hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)) if p < 1 else 1.0
        return float(lo), float(hi)

    # ------------------------------------------------------------------ summaries
    def summary(self) -> pd.DataFrame:
        """One row per stratum: PSUs, respondents, sum of weights, sampling fraction."""
        s = self._structure
        rows = self._domain_mask()
        w = np.where(rows, self._weights, 0.0)
        h = len(s.strata_labels)
        psus_in = np.bincount(s.psu_stratum[np.unique(s.psu[rows])], minlength=h)
        out = pd.DataFrame(
            {
                "stratum": s.strata_labels,
                "psu_sampled": s.n_psu,
                "psu_in_domain": psus_in,
                "n": np.bincount(s.strata[rows], minlength=h),
                "sum_weights": np.bincount(s.strata, weights=w, minlength=h),
                "sampling_fraction": s.frac1 if s.frac1 is not None else np.full(h, np.nan),
            }
        )
        return out


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _srs_variance(wa: np.ndarray, z: np.ndarray, *, centred: bool = False) -> float:
    """Variance of the weighted mean of ``z`` under SRS with replacement of the same size.

    R's ``svyvar(z, design) / nobs``: the weighted variance with the ``n/(n-1)`` factor, over
    the number of rows with nonzero weight. The denominator of every ``deff``.
    """
    nobs = int(np.count_nonzero(wa))
    total = wa.sum()
    if nobs < 2 or total <= 0:
        return np.nan
    dev = z if centred else z - np.dot(wa, z) / total
    return float(np.dot(wa * dev, dev) / total / (nobs - 1))


def _names(value, argument: str) -> list[str]:
    """A column name or a list of column names, checked."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, pd.Index)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise DataError(f"{argument}: give a column name or a list of column names, got {value!r}")


def _clopper_pearson(p: float, n: int, level: float) -> tuple[float, float]:
    """Exact binomial interval on the unweighted n, for an estimate of 0 or 1 (no variance to use).

    R's ``svyciprop`` returns NaN (beta) or a degenerate interval here; a zero-width interval
    would claim certainty from a sample, so campaign_me falls back to Clopper & Pearson (1934)
    on the number of respondents, e.g. 0 of 30 gives [0, 0.116] at 95%.
    """
    alpha = 1 - level
    x = round(p * n)
    lo = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2, x, n - x + 1))
    hi = 1.0 if x == n else float(stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lo, hi


def _positions(mask: np.ndarray) -> np.ndarray | slice:
    """Row positions of a mask; ``slice(None)`` for all rows (no copy needed)."""
    return slice(None) if mask.all() else np.flatnonzero(mask)


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _quantile(level: float, ddf: float) -> float:
    if not np.isfinite(ddf):
        return float(stats.norm.ppf(1 - (1 - level) / 2))
    if ddf <= 0:
        raise DesignError(
            f"the design has {ddf:g} degrees of freedom (PSUs minus strata) for this estimate, so no "
            "t interval exists; pass df=numpy.inf for a normal interval, or collapse strata"
        )
    return float(stats.t.ppf(1 - (1 - level) / 2, ddf))


def _categories(col: pd.Series, name: str) -> list[tuple[object, np.ndarray]]:
    """Indicator columns for proportion(): one per level, or the 1-level of a 0/1 column."""
    if pd.api.types.is_bool_dtype(col):
        return [(True, col.fillna(False).astype(bool).to_numpy(dtype=float))]
    if isinstance(col.dtype, pd.CategoricalDtype):
        levels = list(col.cat.categories)
    else:
        values = col.dropna().unique()
        if pd.api.types.is_numeric_dtype(col) and set(np.unique(values)).issubset({0, 1}):
            return [(1, (col == 1).fillna(False).to_numpy(dtype=float))]
        try:
            levels = sorted(values.tolist())
        except TypeError:
            levels = list(values)
    if not levels:
        raise DataError(f"variable {name!r} has no non-missing values")
    return [(lvl, col.eq(lvl).fillna(False).to_numpy(dtype=float)) for lvl in levels]


def _onestage(
    x: np.ndarray,
    *,
    strata: np.ndarray,
    cluster: np.ndarray,
    cluster_group: np.ndarray,
    n_units: np.ndarray,
    f: np.ndarray,
    present_rows: np.ndarray,
    lonely: str,
    group_labels: np.ndarray,
    stage: int,
    group_multiplier: np.ndarray | None = None,
    average_within_group: bool = False,
) -> np.ndarray:
    """Between-unit variance at one stage (R's ``onestage``/``onestrat``), diagonal only.

    ``strata`` is the per-row group (stratum at stage 1, PSU at stage 2), ``cluster``
    the per-row unit code, ``cluster_group`` the group of each unit, ``n_units`` the
    number of units sampled per group, ``f`` the finite population factor per group.
    """
    ngroups = len(n_units)
    nclus = len(cluster_group)
    tot = _group_sums(cluster, x, nclus)  # unit totals
    unit_present = np.bincount(cluster, weights=present_rows.astype(float), minlength=nclus) > 0
    group_present = np.bincount(strata, weights=present_rows.astype(float), minlength=ngroups) > 0
    nsub = np.bincount(cluster_group, weights=unit_present.astype(float), minlength=ngroups)
    sums = _group_sums(cluster_group, tot * unit_present[:, None], ngroups)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / n_units[:, None]
    dev = (tot - means[cluster_group]) * unit_present[:, None]
    ss = _group_sums(cluster_group, dev**2, ngroups)
    # padded (absent) units deviate by -mean each
    ss += (n_units - nsub)[:, None] * means**2
    lonely_g = (n_units == 1) & (f >= _F_ZERO) & group_present
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(n_units > 1, f * n_units / (n_units - 1), f)
    scale = np.where(f < _F_ZERO, 0.0, scale)
    if lonely_g.any():
        bad = np.flatnonzero(lonely_g)
        if lonely == "fail":
            what = "stratum" if stage == 1 else "PSU"
            unit = "PSU" if stage == 1 else "SSU (second-stage unit)"
            raise LonelyPSUError(
                f"{what} {describe_values(group_labels[bad].tolist())} has only one {unit} at stage "
                f"{stage}, so its variance cannot be estimated; choose lonely_psu='adjust', 'average', "
                "'certainty' or 'remove', or collapse it with a neighbouring stratum"
            )
        if lonely == "adjust":
            ss[bad] = sums[bad] ** 2  # not centred: deviation from the overall mean of zero
        elif lonely in ("remove", "certainty", "average"):
            ss[bad] = 0.0
    contrib = scale[:, None] * ss
    if group_multiplier is not None:
        contrib = contrib * group_multiplier[:, None]
    contrib = np.where(group_present[:, None], contrib, 0.0)
    v = contrib.sum(axis=0)
    if lonely == "average" and lonely_g.any():
        if average_within_group:
            raise LonelyPSUError(
                f"PSU {describe_values(group_labels[np.flatnonzero(lonely_g)].tolist())} has only one "
                "sampled SSU at stage 2 and lonely_psu='average' has no other unit to average over "
                "(R returns NaN here); choose 'adjust', 'certainty' or 'remove'"
            )
        nstrat = int(group_present.sum())
        nok = nstrat - int(lonely_g.sum())
        if nok == 0:
            raise LonelyPSUError("every stratum has a single PSU: lonely_psu='average' has nothing to average")
        v = v * nstrat / nok
    return v


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _build_structure(data, weights, strata, psu, fpc, nest):
    n = len(data)
    for arg, col in (("weights", weights), ("strata", strata)):
        if col is not None and not isinstance(col, str):
            raise DesignError(f"{arg}: give a column name, got {type(col).__name__}")
    psu_cols = [] if psu is None else ([psu] if isinstance(psu, str) else list(psu))
    fpc_cols = [] if fpc is None else ([fpc] if isinstance(fpc, str) else list(fpc))
    if len(psu_cols) > 2:
        raise DesignError(f"psu: at most two stages are supported, got {len(psu_cols)} columns")
    if fpc_cols and len(fpc_cols) != max(len(psu_cols), 1):
        raise DesignError(
            f"fpc: give one column per sampling stage; psu has {max(len(psu_cols), 1)} stage(s) but fpc "
            f"has {len(fpc_cols)} column(s) (R's svydesign requires the same)"
        )
    used = [c for c in [weights, strata, *psu_cols, *fpc_cols] if c is not None]
    require_columns(data, used, argument="SurveyDesign")
    for col in [strata, *psu_cols]:
        if col is not None and data[col].isna().any():
            pos = np.flatnonzero(data[col].isna().to_numpy())
            raise DesignError(f"column {col!r} (design) has missing values in {describe_rows(pos)}")

    # strata
    if strata is not None:
        s_codes, s_labels = _codes(data[strata])
    else:
        s_codes, s_labels = np.zeros(n, dtype=np.int64), np.array([1], dtype=object)
    nstrata = len(s_labels)

    # PSUs
    if psu_cols:
        psu_key = data[psu_cols[0]]
        if nest and strata is not None:
            key = pd.MultiIndex.from_arrays([data[strata], psu_key])
            p_codes, p_uniques = pd.factorize(key, sort=True)
            p_labels = np.array([f"{a}.{b}" for a, b in p_uniques], dtype=object)
            p_codes = p_codes.astype(np.int64)
        else:
            p_codes, p_labels = _codes(psu_key)
    else:
        p_codes, p_labels = np.arange(n, dtype=np.int64), np.asarray(data.index, dtype=object)
    npsu = len(p_labels)
    # nesting: each PSU in exactly one stratum
    psu_stratum = np.full(npsu, -1, dtype=np.int64)
    psu_stratum[p_codes] = s_codes
    mismatch = psu_stratum[p_codes] != s_codes
    if mismatch.any():
        bad_psu = np.unique(p_codes[mismatch])
        raise DesignError(
            f"PSUs are not nested in strata: PSU id(s) {describe_values(p_labels[bad_psu].tolist())} of column "
            f"{psu_cols[0]!r} occur in more than one stratum of {strata!r}; if ids are reused across strata, "
            "pass nest=True"
        )
    if npsu == 1 and not (nest and strata is not None):
        raise DesignError("the design has only one primary sampling unit, so no variance can be estimated")
    n_psu = np.bincount(psu_stratum, minlength=nstrata).astype(float)

    # second stage
    ssu = ssu_psu = n_ssu = None
    if len(psu_cols) == 2:
        if data[psu_cols[1]].isna().any():
            pos = np.flatnonzero(data[psu_cols[1]].isna().to_numpy())
            raise DesignError(f"column {psu_cols[1]!r} (design) has missing values in {describe_rows(pos)}")
        key = pd.MultiIndex.from_arrays([p_codes, data[psu_cols[1]]])
        ssu, _ = pd.factorize(key, sort=True)
        ssu = ssu.astype(np.int64)
        ssu_psu = np.empty(ssu.max() + 1, dtype=np.int64)
        ssu_psu[ssu] = p_codes
        n_ssu = np.bincount(ssu_psu, minlength=npsu).astype(float)

    # fpc
    frac1 = None
    f1 = np.ones(nstrata)
    f2 = None
    fpc_weights = None
    if fpc_cols:
        pop1 = _fpc_popsize(data, fpc_cols[0], s_codes, s_labels, n_psu, "stratum", strata, stage=1)
        frac1 = n_psu / pop1
        f1 = np.where(np.isinf(pop1), 1.0, (pop1 - n_psu) / pop1)
        fpc_weights = (pop1 / n_psu)[s_codes]
        if len(fpc_cols) == 2:
            pop2 = _fpc_popsize(data, fpc_cols[1], p_codes, p_labels, n_ssu, "PSU", psu_cols[0], stage=2)
            f2 = np.where(np.isinf(pop2), 1.0, (pop2 - n_ssu) / pop2)
            fpc_weights = fpc_weights * (pop2 / n_ssu)[p_codes]

    # weights
    if weights is not None:
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            pos = np.flatnonzero(bad)
            raise DesignError(
                f"column {weights!r} (weights) has {len(pos)} missing or non-positive weight(s) "
                f"({describe_rows(pos)}: {describe_values(data[weights].iloc[pos].tolist())}); "
                "weights must be > 0"
            )
    elif fpc_weights is not None:
        w = fpc_weights
    else:
        warnings.warn(
            "SurveyDesign: no weights or fpc given, assuming equal probability (every weight 1)",
            UserWarning,
            stacklevel=3,
        )
        w = np.ones(n)

    structure = _Structure(
        strata=s_codes,
        strata_labels=s_labels,
        psu=p_codes,
        psu_labels=p_labels,
        psu_stratum=psu_stratum,
        n_psu=n_psu,
        f1=f1,
        frac1=frac1,
        ssu=ssu,
        ssu_psu=ssu_psu,
        n_ssu=n_ssu,
        f2=f2,
        has_strata=strata is not None,
        has_psu=bool(psu_cols),
    )
    return structure, w


def _fpc_popsize(data, col, group_codes, group_labels, sampled, what, group_col, *, stage):
    """Population size per group from an fpc column (counts, or fractions if all <= 1)."""
    vals = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(vals) | (vals <= 0)
    if bad.any():
        pos = np.flatnonzero(bad)
        raise DesignError(
            f"column {col!r} (fpc, stage {stage}) has missing or non-positive values in {describe_rows(pos)}: "
            f"{describe_values(data[col].iloc[pos].tolist())}"
        )
    ngroups = len(sampled)
    first = np.full(ngroups, np.nan)
    first[group_codes[::-1]] = vals[::-1]
    varies = first[group_codes] != vals
    if varies.any():
        g = np.unique(group_codes[varies])
        raise DesignError(
            f"column {col!r} (fpc, stage {stage}) varies within {what} "
            f"{describe_values(group_labels[g].tolist())} of {group_col!r}; it must be constant there"
        )
    as_fraction = bool((vals <= 1).all())
    pop = sampled / first if as_fraction else first
    too_small = pop < sampled - 1e-9
    if too_small.any():
        g = np.flatnonzero(too_small)
        others = f" (also {describe_values(group_labels[g[1:]].tolist())})" if len(g) > 1 else ""
        raise DesignError(
            f"column {col!r} (fpc, stage {stage}) is smaller than the sample: {what} "
            f"{group_labels[g[0]]!r} has {int(sampled[g[0]])} sampled units but a population of "
            f"{pop[g[0]]:g}{others}"
        )
    return pop

