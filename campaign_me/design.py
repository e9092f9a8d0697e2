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

import importlib
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .conventions import Reporting, check_choice, check_level, did_you_mean, reporting
from .deferred import Deferred
from .errors import (
    DataError,
    DesignError,
    EstimationWarning,
    LonelyPSUError,
    describe_labels,
    describe_values,
    require_columns,
)

stats = Deferred("scipy.stats")  # deferred: about 0.7 s at import; only the intervals need it
sparse = Deferred("scipy.sparse")  # deferred: only the dense variance engine (calibrated designs) needs it

__all__ = [
    "SurveyDesign",
    "EstimateTable",
    "DomainMatrix",
    "LinearScores",
    "DF_ICC",
    "LONELY_PSU_OPTIONS",
    "LOW_DF",
    "LOW_DF_NOTE",
    "RESULT_COLUMNS",
    "low_df_note",
    "total_covariance",
    "codebook_object",
    "read_codebooks_with",
    "residual_df",
    "indicator_values",
    "numeric_values",
]

LONELY_PSU_OPTIONS = ("fail", "remove", "adjust", "average", "certainty")

#: Columns of every estimate table, in order (``by`` columns and ``category`` are
#: inserted after ``variable`` when present).
RESULT_COLUMNS = ("variable", "estimate", "se", "ci_low", "ci_high", "deff", "n", "df", "note")

#: Degrees of freedom below which a row's ``note`` says that its interval rests on few of them.
LOW_DF = 3
#: How that note begins (tables built on estimate tables recognise it by this).
LOW_DF_NOTE = "few degrees of freedom"


def __getattr__(name: str):
    # renamed public names: the old name works for one more release, with a DeprecationWarning
    if name == "Indicator":
        warnings.warn(
            "campaign_me.design.Indicator is now campaign_me.design.DomainMatrix (the old name clashed with "
            "campaign_me.indicators.Indicator); the old name will be removed in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return DomainMatrix
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def low_df_note(df: float) -> str:
    """The ``note`` of a row whose interval rests on fewer than :data:`LOW_DF` degrees of freedom."""
    return (
        f"{LOW_DF_NOTE} ({df:.1f}): the variance rests on very few sampled clusters, so the interval is "
        "wide and itself uncertain"
    )


#: Intra-cluster correlation that the default degrees of freedom assume when they weigh each
#: stratum's share of the variance from the design alone (the planned Satterthwaite df, see
#: :class:`SurveyDesign`): campaign_me's planning ICC (``power.design_effect``'s default).
#: ``None`` uses the observed Satterthwaite df alone (``benchmarks/sim_domain_df.py`` compares them).
DF_ICC: float | None = 0.05
# A stratum whose sampling fraction is complete (f = 0 after correction) adds no variance;
# R's survey uses the same cut-off.
_F_ZERO = 1e-7
# Largest dense table (cells) built at once; wider score tables are processed in column chunks.
_CELLS = 20_000_000
# Variance engine: True computes the stage variances from the (PSU, column) pairs that hold rows
# (sums per pair, never a dense PSU x column table); False uses the dense tables (kept for the
# tests, which check that both give the same numbers, and used after calibration, whose
# residual scores are dense).
_SPARSE = True
# Unit x column tables up to this many cells go to the dense engine (a 200-level proportion on 3,000
# PSUs: one grouped sum per term beats finding the pairs), unless the scores were already reduced
_DENSE_CELLS = 1 << 20


# --------------------------------------------------------------------------------------
# Linear scores: how estimators, calibration steps and the variance engine talk
# --------------------------------------------------------------------------------------
class DomainMatrix:
    """An n x ``ngroups`` matrix with at most one nonzero per row: ``values[i]`` in column ``codes[i]``.

    A sparse group-membership (domain) matrix, optionally scaled per row (code -1 leaves a row
    empty). Calibration steps use it to collect scores by group and to spread group coefficients
    back over rows (see :meth:`SurveyDesign.with_calibration`) without building a rows x groups
    matrix. It was called ``Indicator`` in earlier versions; that name still works for one release,
    with a DeprecationWarning (it clashed with the catalogue's :class:`campaign_me.indicators.Indicator`).

    Parameters
    ----------
    codes : array-like of int
        Group of each row, 0..ngroups-1, or -1 for none.
    values : array-like of float, optional
        Value of each row's entry (default 1).
    ngroups : int, optional
        Number of groups (default ``max(codes) + 1``).
    """

    __slots__ = ("n", "rows", "codes", "values", "ngroups", "base", "totals")

    def __init__(self, codes, values=None, ngroups: int | None = None) -> None:
        codes = np.asarray(codes, dtype=np.int64)
        n = len(codes)
        rows = None
        if n and codes.min() < 0:
            rows = np.flatnonzero(codes >= 0)
            codes = codes[rows]
            if values is not None:
                values = np.asarray(values, dtype=float)[rows]
        self._set(n, rows, codes, None if values is None else np.asarray(values, dtype=float), ngroups)

    def _set(self, n, rows, codes, values, ngroups):
        self.n = n
        self.rows = rows  # positions of the nonempty rows (None: every row, in order)
        self.codes = codes
        self.values = values
        self.ngroups = int(codes.max()) + 1 if ngroups is None and len(codes) else int(ngroups or 0)
        # (domain codes, first column, domains) when codes = first column + domain codes: the sparse
        # variance engine then shares the (PSU, domain) pairs of the domain codes across variables
        self.base = None
        self.totals = None  # {stage: totals per (unit, domain) pair of base}, when values were dropped
        return self

    @classmethod
    def _at(cls, n: int, rows, codes, values, ngroups: int) -> DomainMatrix:
        return object.__new__(cls)._set(n, rows, codes, values, ngroups)

    def _row_positions(self) -> np.ndarray:
        return np.arange(self.n) if self.rows is None else self.rows

    def _take(self, keep: np.ndarray, shift: int, ngroups: int) -> DomainMatrix:
        rows = self._row_positions()[keep]
        vals = None if self.values is None else self.values[keep]
        return DomainMatrix._at(self.n, rows, self.codes[keep] - shift, vals, ngroups)


@dataclass(frozen=True)
class _Expand:
    """A K x C matrix with entry ``factor[c]`` at row ``index[c]`` of each column c."""

    index: np.ndarray
    factor: np.ndarray


def _aligned(r: DomainMatrix, s: DomainMatrix):
    """Codes and values of two domain matrices on the rows both fill."""
    if r.rows is None and s.rows is None:
        return r.codes, r.values, s.codes, s.values
    if r.rows is None:
        return r.codes[s.rows], None if r.values is None else r.values[s.rows], s.codes, s.values
    if s.rows is None:
        return r.codes, r.values, s.codes[r.rows], None if s.values is None else s.values[r.rows]
    _, ir, is_ = np.intersect1d(r.rows, s.rows, assume_unique=True, return_indices=True)
    rv = None if r.values is None else r.values[ir]
    sv = None if s.values is None else s.values[is_]
    return r.codes[ir], rv, s.codes[is_], sv


def _cross(r, s) -> np.ndarray:
    """``r.T @ s`` for domain matrices or dense (n x k) arrays, as a dense array."""
    if isinstance(r, DomainMatrix) and isinstance(s, DomainMatrix):
        rc, rv, sc, sv = _aligned(r, s)
        w = rv if sv is None else (sv if rv is None else rv * sv)
        key = rc * s.ngroups + sc
        return np.bincount(key, weights=w, minlength=r.ngroups * s.ngroups).reshape(r.ngroups, s.ngroups)
    if isinstance(r, DomainMatrix):
        dense = s if r.rows is None else s[r.rows]
        if r.values is not None:
            dense = dense * r.values[:, None]
        out = np.empty((r.ngroups, dense.shape[1]))
        for j in range(dense.shape[1]):
            out[:, j] = np.bincount(r.codes, weights=dense[:, j], minlength=r.ngroups)
        return out
    if isinstance(s, DomainMatrix):
        return _cross(s, r).T
    return r.T @ s


def _scatter(s, n: int) -> np.ndarray:
    """A domain matrix (or dense array) as a dense n x k array."""
    if not isinstance(s, DomainMatrix):
        return np.asarray(s, dtype=float)
    out = np.zeros((n, s.ngroups))
    out[s._row_positions(), s.codes] = 1.0 if s.values is None else s.values
    return out


class LinearScores:
    """Linearised scores of C estimates on the n rows of a design, kept in factored form.

    The scores matrix (n x C) is the sum of products ``S @ M`` of an n x K part (an
    :class:`DomainMatrix` or a dense array) and a K x C coefficient matrix; it is never formed
    in full. Calibration steps work on it with two operations (R's ``grake``/``postStratify``
    residuals are of this form):

    - :meth:`collect` ``(by)``: ``by.T @ scores``, the scores summed within groups (G x C);
    - :meth:`subtract` ``(spread, coef)``: the scores minus ``spread @ coef``.
    """

    def __init__(self, n: int, ncols: int, terms: list | None = None) -> None:
        self.n = n
        self.ncols = ncols
        self.terms: list[tuple[object, object]] = list(terms or [])

    def collect(self, by) -> np.ndarray:
        """``by.T @ scores``: a dense (groups x C) array; ``by`` is a DomainMatrix or an n x G array."""
        return self._collect(by, 0, self.ncols)

    def subtract(self, spread, coef: np.ndarray) -> LinearScores:
        """The scores minus ``spread @ coef`` (``spread``: a DomainMatrix or an n x G array; ``coef``: G x C)."""
        return LinearScores(self.n, self.ncols, [*self.terms, (spread, -np.asarray(coef, dtype=float))])

    def _collect(self, by, c0: int, c1: int) -> np.ndarray:
        """``by.T @ scores[:, c0:c1]``; ``by=None`` returns the scores themselves (n x (c1-c0))."""
        g = self.n if by is None else (by.ngroups if isinstance(by, DomainMatrix) else by.shape[1])
        out = np.zeros((g, c1 - c0))
        for s, m in self.terms:
            if m is None:  # s is an indicator of the C columns
                sub = (
                    s
                    if (c0 == 0 and c1 == self.ncols)
                    else s._take((s.codes >= c0) & (s.codes < c1), c0, c1 - c0)
                )
                out += _scatter(sub, self.n) if by is None else _cross(by, sub)
            elif isinstance(m, _Expand):
                idx, fac = m.index[c0:c1], m.factor[c0:c1]
                if by is None:  # one column at a time: never an n x K array
                    pos = s._row_positions()
                    vals = np.ones(len(pos)) if s.values is None else s.values
                    for j in np.flatnonzero(fac):
                        hit = s.codes == idx[j]
                        out[pos[hit], j] += vals[hit] * fac[j]
                else:
                    out += _cross(by, s)[:, idx] * fac
            else:
                coef = m[:, c0:c1]
                if by is None:
                    if isinstance(s, DomainMatrix):
                        vals = 1.0 if s.values is None else s.values[:, None]
                        out[s._row_positions()] += coef[s.codes] * vals
                    else:
                        out += s @ coef
                else:
                    out += _cross(by, s) @ coef
        return out


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


class EstimateTable(pd.DataFrame):
    """The table every estimator returns: a plain :class:`pandas.DataFrame` that prints every column.

    Columns ``variable, [by...], [category], estimate, se, ci_low, ci_high, deff, n, df, note``
    (:data:`RESULT_COLUMNS`). Printed in a terminal, pandas would hide the middle columns behind
    "..." (the interval among them); this table wraps its columns instead. Anything computed from
    it (``round``, ``set_index``, a selection) is an ordinary DataFrame.
    """

    @property
    def _constructor(self):
        return pd.DataFrame

    def __repr__(self) -> str:
        with pd.option_context("display.max_columns", None, "display.expand_frame_repr", True):
            return pd.DataFrame.__repr__(self)

    def to_string(self, *args, **kwargs) -> str:
        return pd.DataFrame(self).to_string(*args, **kwargs)


# Reading a codebook file is the Data layer's business (campaign_me.codebook); the design only reads
# the design fields of the object it is given. campaign_me.codebook registers its reader on import;
# given a path before anything has imported it, the design loads that module by name (a plug-in
# hook resolved at run time, not an import of the Data layer: Core code never names Codebook).
_codebook_reader = None
_CODEBOOK_MODULE = "campaign_me.codebook"


def read_codebooks_with(reader) -> None:
    """Let :meth:`SurveyDesign.from_codebook` take the path of a codebook file.

    ``reader(path, error=..., what=...)`` returns an object with the design fields ``weight``,
    ``strata`` and ``psu`` (and optionally ``fpc`` and ``source``). :mod:`campaign_me.codebook`
    registers :meth:`campaign_me.Codebook.coerce` when it is imported (as :func:`campaign_me.load_survey`
    and :class:`campaign_me.Codebook` do), so that the design, in the Core layer, imports nothing
    that knows codebook files.
    """
    global _codebook_reader
    if not callable(reader):
        raise DesignError(f"read_codebooks_with: reader must be callable, got {type(reader).__name__}")
    _codebook_reader = reader


def codebook_object(
    codebook,
    *,
    fields: Sequence[str] = ("weight", "strata", "psu"),
    error: type[Exception] = DesignError,
    what: str = "from_codebook: codebook",
):
    """The codebook-like object whose ``fields`` name the design columns; a path is read first.

    An object that has every one of ``fields`` is returned as it is. The path of a codebook file
    is read by the reader :mod:`campaign_me.codebook` registers (:func:`read_codebooks_with`),
    loaded on demand, so the Core never names the Data layer's ``Codebook``.
    """
    if all(hasattr(codebook, f) for f in fields):
        return codebook
    if isinstance(codebook, (str, os.PathLike)):
        if _codebook_reader is None:
            importlib.import_module(_CODEBOOK_MODULE)  # registers its reader (read_codebooks_with)
        if _codebook_reader is None:  # pragma: no cover - the codebook module always registers
            raise error(f"{what}: reading the codebook file {str(codebook)!r} needs {_CODEBOOK_MODULE}")
        return _codebook_reader(codebook, error=error, what=what)
    raise error(
        f"{what} must be a Codebook (with {', '.join(fields)}) or the path of its YAML file, got "
        f"{type(codebook).__name__}"
    )


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

    Degrees of freedom of an estimate (overall, ``by=`` or :meth:`subset`) are, by default,
    what its variance rests on:

    1. the domain's own PSUs minus strata among its rows (R's ``degf(subset(design, ...))``,
       what ``svyciprop`` uses on a subset; the NCHS data presentation standards for
       proportions, Parker et al. 2017, Vital Health Stat 2(175)); and
    2. lowered to the Satterthwaite degrees of freedom of the per-stratum variance
       contributions (each on :math:`n_h - 1`) where that is smaller: one stratum that
       carries most of the variance brings the degrees of freedom down to its own (Korn &
       Graubard 1999, *Analysis of Health Surveys*, section 5.2; Valliant & Rust 2010,
       J Official Statistics 26(4)). The smaller of two such counts is used: from the
       observed contributions, and from those the design implies at the planning intra-cluster
       correlation :data:`DF_ICC` (0.05), which do not shrink when the few PSUs that carry the
       variance happen to agree. A district holding a certainty village (households as PSUs)
       beside two sampled villages has about one degree of freedom, not the ~15 of rule 1;
       ``benchmarks/sim_domain_df.py`` measures the coverage of the rules.

    ``df="degf"`` keeps rule 1 alone (R's numbers); ``df="design"`` uses the whole design's
    PSUs minus strata for every domain (R's ``confint(svyby(...), df = degf(design))``);
    a number (or ``numpy.inf``) is used as given. A row whose degrees of freedom are below
    :data:`LOW_DF` (3) says so in its ``note``.

    A domain table never fails as a whole: a row that cannot get a standard error or an
    interval (a domain lying in a single PSU, no non-missing value, 0 degrees of freedom,
    ``lonely_psu="average"`` with nothing to average) keeps its estimate, gets NaN where
    nothing honest can be said and a ``note`` saying why, and one
    :class:`~campaign_me.EstimationWarning` names those rows.

    Other modules read the design through :attr:`data`, :attr:`weights`, :attr:`strata`,
    :attr:`psu`, :attr:`fpc`, :meth:`structure` (per-row stratum, PSU and fpc codes) and
    :attr:`in_domain`; :meth:`with_columns` adds derived variables and
    :meth:`with_calibration` is the hook :mod:`campaign_me.weighting` builds on.

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
        check_choice(lonely_psu, LONELY_PSU_OPTIONS, argument="lonely_psu", error=DesignError)
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

    @classmethod
    def from_codebook(cls, data: pd.DataFrame, codebook, **overrides) -> SurveyDesign:
        """Declare the design that a codebook describes: weights, strata and PSUs from its top level.

        Parameters
        ----------
        data : pandas.DataFrame
            The survey data, e.g. from :func:`campaign_me.load_survey` with the same codebook.
        codebook : Codebook, str or path-like
            A :class:`~campaign_me.Codebook` or the path of its YAML file. Its top-level keys
            ``weight``, ``strata``, ``psu`` (and ``fpc``, when the codebook has one) name the
            design columns (``docs/codebook.md``). Any object with the attributes ``weight``,
            ``strata`` and ``psu`` will do: the design reads those fields and knows nothing else of
            codebooks (a path is read by :mod:`campaign_me.codebook`, see :func:`read_codebooks_with`).
        **overrides
            Any :class:`SurveyDesign` argument (``weights``, ``strata``, ``psu``, ``fpc``,
            ``nest``, ``lonely_psu``); an override wins over the codebook, and ``None``
            removes a codebook entry (e.g. ``strata=None``).

        Returns
        -------
        SurveyDesign

        Examples
        --------
        >>> from campaign_me import Codebook
        >>> import pandas as pd
        >>> cb = Codebook.from_dict({"dataset": "demo", "weight": "w", "psu": "village", "variables": {
        ...     "w": {"type": "number"}, "village": {"type": "text"}, "y": {"type": "number"}}})
        >>> df = pd.DataFrame({"w": [1.0, 2.0, 1.0, 2.0], "village": ["a", "a", "b", "b"], "y": [1, 2, 3, 5]})
        >>> d = SurveyDesign.from_codebook(df, cb)
        >>> d.weights_column, d.psu
        ('w', 'village')
        """
        codebook = codebook_object(codebook)
        allowed = {"weights", "strata", "psu", "fpc", "nest", "lonely_psu"}
        unknown = sorted(set(overrides) - allowed)
        if unknown:
            raise DesignError(
                f"from_codebook: unknown argument(s) {', '.join(map(repr, unknown))}; "
                f"choose from {', '.join(sorted(allowed))}"
            )
        declared = {
            "weights": codebook.weight,
            "strata": codebook.strata,
            "psu": codebook.psu,
            "fpc": getattr(codebook, "fpc", None),
        }
        source = f" ({codebook.source})" if getattr(codebook, "source", None) else ""
        key = {"weights": "weight", "strata": "strata", "psu": "psu", "fpc": "fpc"}
        for arg, col in declared.items():
            if arg in overrides or col is None:
                continue
            cols = [col] if isinstance(col, str) else list(col)
            missing = [c for c in cols if c not in data.columns]
            if missing:
                raise DesignError(
                    f"from_codebook: the codebook{source} declares {key[arg]}: {col!r}, but the data has no "
                    f"column {missing[0]!r}; load the data with the same codebook, or pass {arg}=... to override"
                )
        return cls(data, **{**declared, **overrides})

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
            # no copy: the arrays are the caller's (pandas 3 copies an array into a Series by default)
            data[name] = pd.Series(values, index=data.index, copy=False) if not isinstance(values, pd.Series) else values
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

    def with_calibration(self, weights, step=None) -> SurveyDesign:
        """A copy with new weights and, optionally, one more calibration step: the weighting hook.

        :mod:`campaign_me.weighting` builds its adjustments (post-stratification, raking,
        linear calibration, trimming) on this one method; the design knows nothing of them.

        Parameters
        ----------
        weights : array-like of float
            One weight per row of :attr:`data`.
        step : object, optional
            How the adjustment changes the variance: an object with a method
            ``residualize(scores: LinearScores) -> LinearScores`` that returns the scores
            after the adjustment (for a calibration estimator, the residuals of the scores
            on the auxiliaries, Deville & Särndal 1992). It is called with the scores of every
            estimate, in the order the steps were applied. ``None`` (e.g. trimming) keeps
            the steps applied so far, as R's ``trimWeights``.

        Returns
        -------
        SurveyDesign
        """
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(self._data),):
            raise DesignError(f"with_calibration: expected {len(self._data)} weights, got shape {w.shape}")
        if step is not None and not callable(getattr(step, "residualize", None)):
            raise DesignError("with_calibration: step must have a residualize(scores) method")
        cal = self._calibration + ((step,) if step is not None else ())
        return self._derive(_weights=w, _calibration=cal)

    @property
    def in_domain(self) -> pd.Series:
        """Boolean Series, aligned on :attr:`data`: the rows of the domain (all True for a full design)."""
        return pd.Series(self._domain_mask(), index=self._data.index, name="in_domain")

    @property
    def is_subset(self) -> bool:
        """True for a design restricted to a domain by :meth:`subset`."""
        return self._domain is not None

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

    def _variance(self, scores: LinearScores, present1: np.ndarray, present2: np.ndarray | None):
        """Taylor variance of the column totals of ``scores``, as R's ``svyrecvar``.

        ``present1`` (strata x C) and ``present2`` (PSUs x C) say which strata and PSUs hold a
        row the estimate uses; strata without such a row drop out, as in R where those rows
        are removed. After calibration every row stays (R keeps them with weight 0).

        Returns the variances (C,), a reason (C,) for columns whose variance cannot be had
        under ``lonely_psu="average"`` (empty string elsewhere), and the Satterthwaite degrees
        of freedom of each column's first-stage variance (:func:`_satterthwaite_df`).
        """
        s = self._structure
        for step in self._calibration:
            scores = step.residualize(scores)
        ncols = scores.ncols
        if self._calibration:
            present1 = np.ones((len(s.n_psu), ncols), dtype=bool)
            present2 = None if present2 is None else np.ones_like(present2)
        v = np.zeros(ncols)
        satt = np.full(ncols, np.nan)
        reason = np.full(ncols, "", dtype=object)
        by_psu = DomainMatrix._at(len(s.psu), None, s.psu, None, len(s.psu_labels)) if s.has_psu else None
        npsu = len(s.psu_labels)
        stage2 = s.ssu is not None and s.frac1 is not None
        by_ssu = DomainMatrix._at(len(s.ssu), None, s.ssu, None, len(s.ssu_psu)) if stage2 else None
        biggest = max(npsu, len(s.ssu_psu) if stage2 else 0)
        step_cols = max(1, int(_CELLS // max(biggest, 1)))
        for c0 in range(0, ncols, step_cols):
            c1 = min(ncols, c0 + step_cols)
            z = scores._collect(by_psu, c0, c1)
            v1, bad1, contrib1 = _stage_variance(
                z, s.psu_stratum, s.n_psu, s.f1, present1[:, c0:c1], self.lonely_psu, s.strata_labels, stage=1
            )
            v[c0:c1] = v1
            satt[c0:c1] = _satterthwaite_df(contrib1, s.n_psu)
            reason[c0:c1][bad1] = (
                "every stratum holding the domain has a single PSU: lonely_psu='average' has nothing to average"
            )
            if stage2:
                z2 = scores._collect(by_ssu, c0, c1)
                v2, bad2, _ = _stage_variance(
                    z2,
                    s.ssu_psu,
                    s.n_ssu,
                    s.f2,
                    present2[:, c0:c1],
                    self.lonely_psu,
                    s.psu_labels,
                    stage=2,
                    multiplier=s.frac1[s.psu_stratum],
                )
                v[c0:c1] += v2
                r = reason[c0:c1]
                r[bad2 & (r == "")] = (
                    "a PSU holding the domain has a single sampled SSU: lonely_psu='average' has no other "
                    "unit to average over"
                )
        v[reason != ""] = np.nan
        return v, reason, satt

    def _variance_pairs(self, blocks: list[_Block], ncols: int, ctx: _Context):
        """:meth:`_variance` from the (unit, column) pairs that hold rows, never a dense unit x column table.

        PSUs nest in domains (districts, and PSUs within them), so most of a PSU x (domain x
        variable) table is zero: here each variable's PSU totals are one grouped sum over the
        (PSU, domain) pairs of its rows, shared by every variable on the same rows, and each
        stratum's sum of squared deviations adds the PSUs a column does not reach as deviations of
        minus the stratum mean. Blocks (variables) are done one at a time. Returns None when the
        scores are not of that form (calibrated designs: their residual scores are dense) or would
        expand to many more pairs than rows, for :meth:`_variance` to take over.
        """
        s = self._structure
        stage2 = s.ssu is not None and s.frac1 is not None
        budget = [max(8 * len(self._data), 1 << 22)]  # pairs a proportion's expansion may make
        totals = []
        for b in blocks:
            z1 = self._block_totals(b, ctx, 1, budget)
            z2 = self._block_totals(b, ctx, 2, budget) if stage2 and z1 is not None else None
            if z1 is None or (stage2 and z2 is None):
                return None
            totals.append((z1, z2))
        nstrata = len(s.strata_labels)
        v = np.zeros(ncols)
        satt = np.full(ncols, np.nan)
        reason = np.full(ncols, "", dtype=object)
        lonely: dict = {1: [], 2: []}  # lonely_psu="fail": every lonely group, named once at the end
        for b, (z1, z2) in zip(blocks, totals):
            width = len(b.cols)
            p = ctx.pairs(b.rows, b.codes, b.ndom)
            t1 = np.zeros((nstrata, b.ndom), dtype=bool)
            t1[s.psu_stratum[p.unit], p.group] = True
            unit, col, z = z1
            vb, bad, (pg, pc, cb) = _stage_variance_pairs(
                unit, col - b.offset, z, np.flatnonzero(t1[:, b.col_domain].ravel()), s.psu_stratum,
                s.n_psu, s.f1, self.lonely_psu, s.strata_labels, width, stage=1, fail=lonely[1],
            )
            contrib = np.zeros((nstrata, width))
            contrib[pg, pc] = cb
            satt[b.cols] = _satterthwaite_df(contrib, s.n_psu)
            reason[b.cols[bad]] = (
                "every stratum holding the domain has a single PSU: lonely_psu='average' has nothing to average"
            )
            if stage2:
                per = width // b.ndom
                first = (p.group * per)[:, None] + np.arange(per)
                keys = np.repeat(p.unit.astype(np.int64), per) * width + first.ravel()
                unit, col, z = z2
                v2, bad2, _ = _stage_variance_pairs(
                    unit, col - b.offset, z, np.sort(keys), s.ssu_psu, s.n_ssu, s.f2, self.lonely_psu,
                    s.psu_labels, width, stage=2, multiplier=s.frac1[s.psu_stratum], fail=lonely[2],
                )
                vb = vb + v2
                r = reason[b.cols]
                r[bad2 & (r == "")] = (
                    "a PSU holding the domain has a single sampled SSU: lonely_psu='average' has no other "
                    "unit to average over"
                )
                reason[b.cols] = r
            v[b.cols] = vb
        for stage, labels in ((1, s.strata_labels), (2, s.psu_labels)):
            if lonely[stage]:
                groups = np.unique(np.concatenate(lonely[stage]))
                raise LonelyPSUError(_lonely_message(labels[groups].tolist(), stage))
        v[reason != ""] = np.nan
        return v, reason, satt

    def _block_totals(self, b: _Block, ctx: _Context, stage: int, budget: list):
        """Unit (PSU or SSU) totals of a block's score columns as (unit, column, total), for the pairs
        its rows reach; None when a proportion's expansion would exceed ``budget`` pairs."""
        s = self._structure
        if stage == 1 and not s.has_psu:
            units, nunits = None, len(self._data)
        else:
            units, nunits = (s.psu, len(s.psu_labels)) if stage == 1 else (s.ssu, len(s.ssu_psu))
        parts = []
        for ind, m in b.terms:
            if not isinstance(ind, DomainMatrix) or not (m is None or isinstance(m, _Expand)):
                return None
            if m is None and ind.base is not None:
                codes, first, ndom = ind.base
                p = ctx.pairs(ind.rows, codes, ndom, stage)
                val = ind.totals[stage] if ind.totals is not None else p.sums(ind.values)
                unit, col = p.unit, first + p.group
            elif m is None:
                if not len(ind.codes):
                    continue
                lo, hi = int(ind.codes.min()), int(ind.codes.max())
                if units is None:
                    unit = ind._row_positions()
                    p = _Pairs(unit, ind.codes - lo, np.arange(len(unit)))
                else:
                    at = units if ind.rows is None else units[ind.rows]
                    p = _pairs(at, nunits, ind.codes - lo, hi - lo + 1)
                unit, col, val = p.unit, lo + p.group, p.sums(ind.values)
            else:
                p = ctx.pairs(ind.rows, ind.codes, ind.ngroups, stage)
                elem, col = _expand(p.group, m.index, m.factor)
                budget[0] -= len(elem)
                if budget[0] < 0:
                    return None
                unit, val = p.unit[elem], p.sums(ind.values)[elem] * m.factor[col]
            if len(unit):
                parts.append((unit, col, val))
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        # terms that share columns (a proportion's two terms) are summed pair by pair, in term order
        unit = np.concatenate([t[0] for t in parts])
        col = np.concatenate([t[1] for t in parts])
        p = _pairs(unit, nunits, col - b.offset, len(b.cols))
        return p.unit, b.offset + p.group, p.sums(np.concatenate([t[2] for t in parts]))

    def _total_covariance(self, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Design covariance matrix of the totals of the columns of ``x`` (scores of ``rows``, zero on
        every other row), on the domain of ``rows``: what :meth:`total` gives on its diagonal (and by
        polarisation off it), from one cross-product of the unit totals per stage."""
        s = self._structure
        n = len(self._data)
        k = x.shape[1]
        full = np.zeros((n, k))
        full[rows] = x
        scores = LinearScores(n, k, [(full, np.eye(k))])
        for step in self._calibration:
            scores = step.residualize(scores)

        def unit_totals(units, nunits):
            if self._calibration:
                return scores._collect(DomainMatrix._at(n, None, units, None, nunits), 0, k)
            at = units[rows]  # the scored rows only
            return np.column_stack([np.bincount(at, weights=x[:, j], minlength=nunits) for j in range(k)])

        stage2 = s.ssu is not None and s.frac1 is not None
        if self._calibration:  # every row stays in the variance after calibration
            present1 = np.ones(len(s.n_psu), dtype=bool)
            present2 = np.ones(len(s.psu_labels), dtype=bool) if stage2 else None
        else:
            present1 = np.bincount(s.strata[rows], minlength=len(s.n_psu)) > 0
            present2 = np.bincount(s.psu[rows], minlength=len(s.psu_labels)) > 0 if stage2 else None
        z = unit_totals(s.psu, len(s.psu_labels)) if s.has_psu else scores._collect(None, 0, k)
        cov, bad = _stage_covariance(
            z, s.psu_stratum, s.n_psu, s.f1, present1, self.lonely_psu, s.strata_labels, stage=1
        )
        if stage2:
            z2 = unit_totals(s.ssu, len(s.ssu_psu))
            cov2, bad2 = _stage_covariance(
                z2, s.ssu_psu, s.n_ssu, s.f2, present2, self.lonely_psu, s.psu_labels, stage=2,
                multiplier=s.frac1[s.psu_stratum],
            )
            cov, bad = cov + cov2, bad or bad2
        if bad:
            return np.full((k, k), np.nan)
        return (cov + cov.T) / 2

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

    def _rows_text(self, positions) -> str:
        return describe_labels(self._data.index, positions)

    def _numeric_column(self, name: str) -> np.ndarray:
        col = self._data[name]
        if col.dtype == np.float64:  # numpy floats: the column itself (read, never written)
            return col.to_numpy()
        if pd.api.types.is_bool_dtype(col):
            return col.astype("float64").to_numpy(na_value=np.nan)
        if not pd.api.types.is_numeric_dtype(col):
            converted = pd.to_numeric(col, errors="coerce")
            bad = converted.isna() & col.notna()
            if bad.any():
                pos = np.flatnonzero(bad.to_numpy())
                raise DataError(
                    f"column {name!r} is not numeric: {self._rows_text(pos)} hold "
                    f"{describe_values(col.iloc[pos].tolist())}; recode it or use proportion()"
                )
            col = converted
        return col.astype("float64").to_numpy(na_value=np.nan)

    def _domains(self, by_cols: list[str]) -> _Domains:
        """Domain code of every row (-1: in no domain), factorized once per ``by`` column."""
        base = self._domain_mask()
        n = len(self._data)
        if not by_cols:
            return _Domains(np.where(base, 0, -1).astype(np.int64), 1, None, by_cols)
        combined = np.zeros(n, dtype=np.int64)
        ncells = 1
        valid = base.copy()
        for c in by_cols:
            col = self._data[c]
            try:
                codes, uniques = pd.factorize(col, sort=True)
            except TypeError:  # values that do not sort together: first-seen order
                codes, uniques = pd.factorize(col, sort=False)
            if len(by_cols) == 1 and self._domain is None and len(uniques) and codes.min() >= 0:
                # one column, every row in a domain: the sorted codes are the domain codes already
                codes = codes.astype(np.int64, copy=False)
                first = np.empty(len(uniques), dtype=np.int64)
                first[codes[::-1]] = np.arange(n - 1, -1, -1)
                labels = self._data[by_cols].iloc[first].reset_index(drop=True)
                return _Domains(codes, len(uniques), labels, by_cols)
            valid &= codes >= 0  # rows with a missing by value belong to no domain
            combined = combined * max(len(uniques), 1) + np.maximum(codes, 0)
            ncells *= max(len(uniques), 1)
        dcode = np.full(n, -1, dtype=np.int64)
        keys = combined[valid]
        if ncells <= _CELLS:  # observed combinations by counting, in sorted order, without a sort
            seen = np.bincount(keys, minlength=ncells) > 0
            rank = np.cumsum(seen) - 1
            inverse = rank[keys]
            nuniq = int(seen.sum())
        else:
            uniq, inverse = np.unique(keys, return_inverse=True)
            nuniq = len(uniq)
        dcode[valid] = inverse
        first = np.empty(nuniq, dtype=np.int64)
        first[inverse[::-1]] = np.flatnonzero(valid)[::-1]
        labels = self._data[by_cols].iloc[first].reset_index(drop=True)
        return _Domains(dcode, nuniq, labels, by_cols)

    def _active(self, name: str, missing: np.ndarray, dom: _Domains, na_rm: bool) -> np.ndarray:
        """Domain code of each row the estimate of ``name`` uses (-1 elsewhere); errors on missing values."""
        indom = dom.codes >= 0
        miss = missing & indom
        if miss.any():
            if not na_rm:
                raise DataError(
                    f"variable {name!r} has {int(miss.sum())} missing value(s) in the estimation rows "
                    f"({self._rows_text(np.flatnonzero(miss))}); pass na_rm=True to leave them out "
                    "(the design is kept, as a domain)"
                )
            return np.where(missing, -1, dom.codes)
        return dom.codes

    def _check_finite(self, name: str, values: np.ndarray, dom: _Domains) -> None:
        inf = np.isinf(values) & (dom.codes >= 0)
        if inf.any():
            raise DataError(
                f"variable {name!r} has infinite values in {self._rows_text(np.flatnonzero(inf))}; "
                "recode them (as missing, or to a real value)"
            )

    def _usable(self, name: str, values: np.ndarray, dom: _Domains, na_rm: bool) -> np.ndarray:
        """:meth:`_check_finite` then :meth:`_active` for a numeric column, in one pass when every value is finite."""
        if np.isfinite(np.add.reduce(values)):  # a sum is finite only if every value is (one fast pass)
            return dom.codes
        finite = np.isfinite(values)
        if finite.all():
            return dom.codes
        odd = np.flatnonzero(~finite)
        inf = odd[np.isinf(values[odd])]
        inf = inf[dom.codes[inf] >= 0]
        if len(inf):
            raise DataError(
                f"variable {name!r} has infinite values in {self._rows_text(inf)}; "
                "recode them (as missing, or to a real value)"
            )
        missing = odd  # the rest are NaN
        miss = missing[dom.codes[missing] >= 0]
        if not len(miss):
            return dom.codes
        if not na_rm:
            raise DataError(
                f"variable {name!r} has {len(miss)} missing value(s) in the estimation rows "
                f"({self._rows_text(miss)}); pass na_rm=True to leave them out "
                "(the design is kept, as a domain)"
            )
        act = dom.codes.copy()
        act[missing] = -1
        return act

    def _units_per_domain(
        self, pos: np.ndarray, codes: np.ndarray, ndom: int, *, stage: int = 1
    ) -> np.ndarray:
        """Number of distinct PSUs (stage 1) or SSUs (stage 2) among the rows ``pos`` of each domain."""
        s = self._structure
        if stage == 1 and not s.has_psu:
            return np.bincount(codes, minlength=ndom)
        units, nunits = (s.psu, len(s.psu_labels)) if stage == 1 else (s.ssu, len(s.ssu_psu))
        return _distinct_per_group(units[pos], nunits, codes, ndom)

    def _presence(self, blocks: list[_Block], ncols: int):
        """Strata (and, two-stage, PSUs) x columns: which hold a row the estimate uses."""
        s = self._structure
        nstrata = len(s.strata_labels)
        present1 = np.zeros((nstrata, ncols), dtype=bool)
        stage2 = s.ssu is not None and s.frac1 is not None
        present2 = np.zeros((len(s.psu_labels), ncols), dtype=bool) if stage2 else None
        if self._calibration:  # every row stays in the variance after calibration (set by _variance)
            return present1, present2
        cache: dict = {}
        for b in blocks:
            d = b.ndom
            if id(b.codes) not in cache:  # blocks without missing values share the domain codes
                t1 = np.bincount(s.strata[b.pos] * d + b.codes, minlength=nstrata * d).reshape(nstrata, d) > 0
                t2 = None
                if stage2:
                    npsu = len(s.psu_labels)
                    t2 = np.bincount(s.psu[b.pos] * d + b.codes, minlength=npsu * d).reshape(npsu, d) > 0
                cache[id(b.codes)] = (t1, t2)
            t1, t2 = cache[id(b.codes)]
            present1[:, b.cols] = t1[:, b.col_domain]
            if stage2:
                present2[:, b.cols] = t2[:, b.col_domain]
        return present1, present2

    def _planned_satterthwaite(self, blocks: list[_Block], ncols: int, ctx: _Context | None = None) -> np.ndarray:
        r"""Satterthwaite df of each column from the design alone (PSU weight totals), not the answers.

        Each stratum's contribution is taken as its expected share of the variance under a common
        intra-cluster correlation :math:`\rho` (:data:`DF_ICC`) and a common unit variance:
        :math:`\sum_j [\rho\, w_{hj}^2 + (1-\rho) \sum_{i \in j} w_i^2]`, with :math:`w_{hj}` the
        weight total of the domain's rows in PSU j (for one respondent per PSU, :math:`w_i^2`
        whatever :math:`\rho`). Unlike the observed contributions, it does not shrink when two
        sampled villages happen to answer alike, which is when the observed Satterthwaite df is
        too generous.
        """
        s = self._structure
        nstrata = len(s.strata_labels)
        out = np.full(ncols, np.nan)
        w = self._weights
        ctx = ctx or _Context(self)
        cache: dict = {}
        for b in blocks:
            d = b.ndom
            if id(b.codes) not in cache:
                p = ctx.pairs(b.rows, b.codes, d)
                wb = w[b.pos]
                tot, sq = ctx.pair_weights(w, b, 1), p.sums(wb * wb)
                g = s.psu_stratum[p.unit].astype(np.int64) * d + p.group
                e = DF_ICC * tot * tot + (1 - DF_ICC) * sq
                contrib = np.bincount(g, weights=e, minlength=nstrata * d).reshape(nstrata, d)
                cache[id(b.codes)] = _satterthwaite_df(contrib, s.n_psu)
            out[b.cols] = cache[id(b.codes)][b.col_domain]
        return out

    def _domain_df(self, dom: _Domains, df, ctx: _Context | None = None) -> np.ndarray:
        """Degrees of freedom per domain: its own (PSUs minus strata), the design's, or a number."""
        if (df is None or df == "degf") and ctx is not None and not (self._weights == 0).any():
            # the domain's (PSU, domain) pairs, shared with the estimates on the same rows
            s = self._structure
            _, rows, codes, _ = ctx.start(dom.codes, dom.ndom)
            p = ctx.pairs(rows, codes, dom.ndom)
            npsu = np.bincount(p.group, minlength=dom.ndom)
            strata = np.zeros((len(s.strata_labels), dom.ndom), dtype=bool)
            strata[s.psu_stratum[p.unit], p.group] = True
            return (npsu - strata.sum(axis=0)).astype(float)
        if df is None or df == "degf":
            inset = (dom.codes >= 0) & (self._weights != 0)
            pos = np.flatnonzero(inset)
            codes = dom.codes[pos]
            s = self._structure
            npsu = self._units_per_domain(pos, codes, dom.ndom)
            nstrata = _distinct_per_group(s.strata[pos], len(s.strata_labels), codes, dom.ndom)
            return (npsu - nstrata).astype(float)
        if isinstance(df, str):
            return np.full(dom.ndom, float(self._design_degf()))
        return np.full(dom.ndom, float(df))

    def _design_degf(self) -> int:
        """Degrees of freedom of the whole design, ignoring any subset (Stata's subpop(), SUDAAN)."""
        return self._degf(np.ones(len(self._data), dtype=bool))

    def _reporting(self, settings, level, df) -> tuple[float, object]:
        """The confidence level and degrees of freedom of a call: ``settings`` merged with the
        explicit ``level=``/``df=`` (which win), each checked (:mod:`campaign_me.conventions`)."""
        if level is not None:
            level = check_level(level, error=DataError)
        merged = reporting(settings, level=level)  # df is merged below: None keeps the settings' df
        if df is None:
            df = merged.df
        bad = (
            f"df={df!r}: give None (the default), 'degf', 'design', a positive number of degrees "
            "of freedom, or numpy.inf"
        )
        if isinstance(df, str):
            if df not in ("degf", "design"):
                raise DataError(bad + did_you_mean(df, ("degf", "design")))
        elif df is not None and (
            isinstance(df, (bool, np.bool_)) or not isinstance(df, (int, float, np.integer, np.floating)) or not df > 0
        ):
            raise DataError(bad)
        return merged.level, df

    def _table(
        self,
        what: str,
        blocks: list[_Block],
        dom: _Domains,
        level,
        df,
        method="wald",
        neff_cap=False,
        ctx: _Context | None = None,
    ):
        """Variance, interval, deff and notes for the columns of ``blocks``; the tidy result."""
        ncols = sum(len(b.cols) for b in blocks)
        _pad_terms(blocks, ncols)
        scores = LinearScores(len(self._data), ncols, [t for b in blocks for t in b.terms])
        ctx = ctx or _Context(self)
        s = self._structure
        units = (len(s.psu_labels) if s.has_psu else len(self._data)) + (len(s.ssu_psu) if s.ssu is not None else 0)
        reduced = any(isinstance(ind, DomainMatrix) and ind.totals is not None for ind, _ in scores.terms)
        sparse = _SPARSE and not self._calibration and (reduced or units * ncols > _DENSE_CELLS)
        result = self._variance_pairs(blocks, ncols, ctx) if sparse else None
        if result is None:
            for ind, _ in scores.terms:  # the dense engine reads each score's column codes
                if isinstance(ind, DomainMatrix) and ind.codes is None:
                    if ind.values is None:
                        raise RuntimeError("scores reduced to PSU totals cannot go to the dense engine")
                    ind.codes = ind.base[1] + ind.base[0]
            present1, present2 = self._presence(blocks, ncols)
            result = self._variance(scores, present1, present2)
        var, reason, satt = result
        s = self._structure
        est = np.concatenate([b.estimate for b in blocks])
        srs = np.concatenate([b.srs for b in blocks])
        n = np.concatenate([b.n for b in blocks])
        domain = np.concatenate([b.col_domain for b in blocks])
        note = np.concatenate([b.note for b in blocks]).astype(object)
        zero_var = np.concatenate([b.zero_var for b in blocks])
        exact01 = np.concatenate([b.exact01 for b in blocks])
        # the design's structure decides what can be said, never a float compared with zero
        if not self._calibration:
            cache: dict = {}
            for b in blocks:
                if not b.centred:
                    continue
                if id(b.codes) not in cache:  # blocks on the same rows share the domain codes
                    one = np.bincount(ctx.pairs(b.rows, b.codes, b.ndom).group, minlength=b.ndom) == 1
                    if s.ssu is not None and s.frac1 is not None:
                        ssus = ctx.pairs(b.rows, b.codes, b.ndom, stage=2).group
                        one &= np.bincount(ssus, minlength=b.ndom) == 1
                    cache[id(b.codes)] = one
                one = cache[id(b.codes)]
                hit = one[b.col_domain] & (b.n > 0)
                idx = np.asarray(b.cols)[hit]
                note[idx] = np.where(
                    note[idx] == "",
                    "the domain lies in a single PSU: no between-PSU variation to estimate a standard error from",
                    note[idx],
                )
        noest = ~np.isfinite(est)
        lonely = (reason != "") & (note == "")
        note[lonely] = reason[lonely]
        no_se = note != ""
        var = np.where(zero_var, 0.0, np.maximum(var, 0.0))
        se = np.where(no_se, np.nan, np.sqrt(var))
        with np.errstate(invalid="ignore", divide="ignore"):
            deff = np.where(zero_var | no_se, np.nan, var / srs)
        ddf_dom = self._domain_df(dom, df, ctx)
        ddf = ddf_dom[domain]
        if df is None:  # never more than the domain's own; less where one stratum carries the variance
            low = satt if DF_ICC is None else np.fmin(satt, self._planned_satterthwaite(blocks, ncols, ctx))
            # lower only by more than rounding: one stratum's Satterthwaite df is its n_h - 1 exactly
            ddf = np.where(np.isfinite(low) & (low < ddf * (1 - 1e-9)) & (var > 0), low, ddf)
        no_df = ~no_se & ~(ddf > 0)
        note[no_df] = (
            "0 degrees of freedom (the domain's PSUs minus its strata): no t interval; df='design' or "
            "df=numpy.inf gives one"
        )
        nrow = np.full(ncols, len(self._data)) if self._calibration else ctx.start(dom.codes, dom.ndom)[3][domain]
        lo, hi = _intervals(method, est, se, ddf, level, n, nrow, exact01, neff_cap)
        lo[no_se | no_df] = np.nan
        hi[no_se | no_df] = np.nan
        se[noest] = np.nan
        # an interval that rests on few degrees of freedom says so (not a warning: it is estimated)
        few = (note == "") & np.isfinite(se) & (ddf > 0) & (ddf < LOW_DF)
        note[few] = [low_df_note(x) for x in ddf[few]]
        flagged = np.flatnonzero((note != "") & ~few)
        # assemble the tidy table
        cols: dict = {
            "variable": np.concatenate([np.full(len(b.cols), b.variable, dtype=object) for b in blocks])
        }
        if dom.labels is not None:
            lab = dom.labels.iloc[domain].reset_index(drop=True)
            for c in dom.by_cols:
                cols[c] = lab[c]
        if any(b.categories is not None for b in blocks):
            cats = np.concatenate(
                [b.categories if b.categories is not None else np.full(len(b.cols), None) for b in blocks]
            )
            cols["category"] = pd.Series(cats, dtype=object)
        cols.update(
            estimate=est,
            se=se,
            ci_low=lo,
            ci_high=hi,
            deff=deff,
            n=n.astype("int64"),
            df=ddf.astype(float),
            note=pd.Series(note, dtype=object),
        )
        frame = pd.DataFrame(cols)
        if len(flagged):
            warnings.warn(_flag_message(what, frame, flagged, dom.by_cols), EstimationWarning, stacklevel=3)
        return EstimateTable(frame)

    # ------------------------------------------------------------------ public estimators
    # Each estimator is a reader (the rows a variable uses, and its values) and a score function
    # (estimate, SRS variance and linearised scores per domain, see _Score); _estimate is the one
    # loop that hands every variable to them and does domains, the single-PSU and constant-domain
    # screens, variance, degrees of freedom and intervals (the shape of R's svyby).
    def mean(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        level: float | None = None,
        na_rm: bool = False,
        df: float | str | None = None,
        settings: Reporting | None = None,
    ) -> pd.DataFrame:
        """Design-based mean of one or more numeric variables, overall or by domain.

        Parameters
        ----------
        variables : str or list of str
            Numeric (or boolean) columns.
        by : str or list of str, optional
            Domain columns: one row per observed combination, each estimated on the full
            design (as R's ``svyby``).
        level : float, optional
            Confidence level of the interval (default :data:`campaign_me.conventions.LEVEL`, 0.95).
        na_rm : bool, default False
            Leave out rows where the variable is missing (they become a domain
            complement, so the variance stays design-correct). Without it, a missing
            value is an error naming the rows.
        df : None, "degf", "design", float, default None
            Degrees of freedom of the t quantile for the interval.

            - ``None`` (default): what the variance rests on. The number of PSUs holding
              the domain minus the number of strata holding it, lowered to the Satterthwaite
              degrees of freedom of the strata's variance contributions where one stratum
              carries most of the variance (Korn & Graubard 1999, section 5.2). With two
              villages of one stratum the variance has one degree of freedom, and a wide
              interval is the honest answer; rows below 3 say so in ``note``.
            - ``"degf"``: the PSUs minus strata of the domain alone, R's
              ``degf(subset(design, ...))`` and ``svyciprop`` on a subset (R's numbers).
            - ``"design"``: the whole design's degrees of freedom (PSUs minus strata, any
              subset ignored); R's ``confint(svyby(...), df = degf(design))``.
            - a number, or ``numpy.inf`` for normal intervals (the default of
              ``confint()`` on an R ``svymean``).

            ``docs/methodology.md`` (section 6.1) explains the convention.

        settings : campaign_me.conventions.Reporting, optional
            Reporting settings (``level`` and ``df`` are read from it); ``level=`` or ``df=``
            given explicitly wins.

        Returns
        -------
        pandas.DataFrame
            ``variable, [by...], estimate, se, ci_low, ci_high, deff, n, df, note``;
            ``deff`` is the design effect against simple random sampling with replacement
            (R's ``deff="replace"``), ``n`` the unweighted count of rows used, ``note``
            empty unless the row lacks a standard error or interval, saying why.

        Warns
        -----
        EstimationWarning
            Once per table, naming the rows that have no standard error or interval: a
            domain that lies in a single PSU, has no non-missing value, has 0 degrees of
            freedom, or (``lonely_psu="average"``) has nothing to average. The estimate is
            given when it exists; every other row is computed as usual.

        Notes
        -----
        Scores :math:`w_i (y_i - \\bar y_w)/\\sum w` within the domain, zero outside.
        Validated against R ``survey`` 4.1 ``svymean``/``svyby`` (tests/reference/survey.R).

        Examples
        --------
        >>> from campaign_me.datasets import load_api
        >>> d = SurveyDesign(load_api("apiclus1"), psu="dnum", weights="pw", fpc="fpc")
        >>> d.mean("api00", by="stype").round(2)[["stype", "estimate", "se", "ci_low", "ci_high", "df"]]
          stype  estimate     se  ci_low  ci_high    df
        0     E    648.87  22.36  600.91   696.83  14.0
        1     H    618.57  38.02  528.67   708.48   7.0
        2     M    631.44  31.61  561.87   701.01  11.0
        """
        variables, by_cols = self._prepare(variables, by, argument="variables")
        return self._estimate("mean", variables, by_cols, self._read_numeric, _mean_score,
                              level=level, df=df, settings=settings, na_rm=na_rm)

    def total(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        level: float | None = None,
        na_rm: bool = False,
        df: float | str | None = None,
        settings: Reporting | None = None,
    ) -> pd.DataFrame:
        """Design-based (Horvitz-Thompson) total of numeric variables, overall or by domain.

        Parameters and return value as :meth:`mean`. Scores are :math:`w_i y_i` within
        the domain; ``deff`` compares with SRS with replacement of the same size
        (R's ``svytotal(deff="replace")``; NaN for a one-row domain, as in R).
        """
        variables, by_cols = self._prepare(variables, by, argument="variables")
        return self._estimate("total", variables, by_cols, self._read_numeric, _total_score,
                              level=level, df=df, settings=settings, na_rm=na_rm)

    def ratio(
        self,
        numerator: str | Sequence[str],
        denominator: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        level: float | None = None,
        na_rm: bool = False,
        df: float | str | None = None,
        settings: Reporting | None = None,
    ) -> pd.DataFrame:
        """Ratio of two totals, :math:`\\hat Y/\\hat X`, overall or by domain.

        ``numerator`` and ``denominator`` are single columns or equally long lists
        (paired element by element; a single denominator serves every numerator). The
        ``variable`` column reads ``"numerator/denominator"``. Other parameters and the
        result as :meth:`mean`; a domain whose denominator total is 0 gets a note.

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
        return self._estimate("ratio", list(zip(nums, dens)), by_cols, self._read_ratio, _ratio_score,
                              level=level, df=df, settings=settings, na_rm=na_rm)

    def proportion(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        level: float | None = None,
        na_rm: bool = False,
        method: str = "logit",
        df: float | str | None = None,
        neff_cap: bool = False,
        settings: Reporting | None = None,
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
            (``method="beta"``). An estimate of exactly 0 or 1 (no respondent, or every
            respondent, in the category) gets the exact binomial (Clopper-Pearson)
            interval on the ``n`` respondents.
        df : None, "degf", "design", float, default None
            Degrees of freedom, as in :meth:`mean` (``"degf"``: as ``svyciprop`` on a subset).
        neff_cap : bool, default False
            Korn-Graubard only: cap the effective sample size at the number of respondents
            ``n`` (a design effect below 1 counts as 1), as the NCHS data presentation
            standards for proportions do (Parker et al. 2017, Vital Health Stat 2(175));
            R's ``svyciprop`` does not cap, hence the default.
        settings : campaign_me.conventions.Reporting, optional
            Reporting settings (``level`` and ``df`` are read from it); ``level=`` or ``df=``
            given explicitly wins.

        Returns
        -------
        pandas.DataFrame
            ``variable, [by...], category, estimate, se, ci_low, ci_high, deff, n, df, note``.
        """
        check_choice(method, ("logit", "wald", "korn-graubard"), argument="method", error=DataError)
        variables, by_cols = self._prepare(variables, by, argument="variables")
        return self._estimate("proportion", variables, by_cols, self._read_categorical, _proportion_score,
                              level=level, df=df, settings=settings, na_rm=na_rm, method=method,
                              neff_cap=neff_cap)

    # ------------------------------------------------------------------ the one estimation loop
    def _estimate(self, what, items, by_cols, read, score, *, level, df, settings, na_rm, method="wald",
                  neff_cap=False):
        """Every estimator's table: ``read`` each item, score it per domain, then :meth:`_table`.

        ``read(item, dom, na_rm)`` returns the variable's label, the domain code of every row it
        uses (-1 elsewhere), its values and its number of levels (None for one column per
        domain); ``score(block, values, weights, cache, ctx)`` returns a :class:`_Score`.
        """
        level, df = self._reporting(settings, level, df)
        dom = self._domains(by_cols)
        w = self._weights
        wcache: dict = {}
        ctx = _Context(self)
        blocks = []
        offset = 0
        for item in items:
            label, act, values, nlevels = read(item, dom, na_rm)
            b = _Block.start(label, act, dom.ndom, offset, nlevels=nlevels, ctx=ctx)
            with np.errstate(invalid="ignore", divide="ignore"):
                b.finish(score(b, values, w, wcache, ctx))
            blocks.append(b)
            offset += len(b.cols)
        return self._table(what, blocks, dom, level, df, method=method, neff_cap=neff_cap, ctx=ctx)

    def _read_numeric(self, name, dom, na_rm):
        y = self._numeric_column(name)
        return name, self._usable(name, y, dom, na_rm), y, None

    def _read_ratio(self, pair, dom, na_rm):
        num, den = pair
        y = self._numeric_column(num)
        x = self._numeric_column(den)
        name = f"{num}/{den}"
        if np.isfinite(y).all() and np.isfinite(x).all():
            act = dom.codes
        else:
            both = np.where(np.isnan(x), np.nan, y)
            self._check_finite(name, both + x, dom)
            act = self._active(name, np.isnan(both), dom, na_rm)
        return name, act, (y, x, den), None

    def _read_categorical(self, name, dom, na_rm):
        col = self._data[name]
        missing = col.isna().to_numpy()
        levels, lc = _categories(col, name)
        act = self._active(name, missing, dom, na_rm)
        return name, act, (levels, lc), len(levels)


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
@dataclass
class _Domains:
    """Domains of a ``by=`` table: a code per row (-1: none), their number and labels."""

    codes: np.ndarray
    ndom: int
    labels: pd.DataFrame | None
    by_cols: list


class _Block:
    """The columns of one variable in an estimate table: one per domain (or per domain x level)."""

    @classmethod
    def start(
        cls,
        variable: str,
        act: np.ndarray,
        ndom: int,
        offset: int,
        nlevels: int | None = None,
        ctx: _Context | None = None,
    ) -> _Block:
        b = cls()
        b.variable = variable
        b.nrows = len(act)
        # variables used on the same rows share their positions, codes and counts (ctx)
        b.ctx = ctx or _Context(None)
        b.pos, b.rows, b.codes, b.count = b.ctx.start(act, ndom)
        b.ndom = ndom
        b.offset = offset
        per = 1 if nlevels is None else nlevels
        b.cols = np.arange(offset, offset + ndom * per)
        b.col_domain = np.repeat(np.arange(ndom), per)
        b.n = b.count[b.col_domain]
        b.note = np.full(len(b.cols), "", dtype=object)
        b.zero_var = np.zeros(len(b.cols), dtype=bool)
        b.exact01 = np.zeros(len(b.cols), dtype=bool)
        b.categories = None
        b.centred = False
        return b

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per-domain sums of ``values`` (aligned with the block's rows)."""
        if self.ndom == 1:
            return np.array([values.sum()])
        return np.bincount(self.codes, weights=values, minlength=self.ndom)

    def dot(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Per-domain sums of ``a * b``."""
        if self.ndom == 1:
            # einsum, not ``a @ b`` or np.dot: those call the threaded BLAS, whose threads wait for
            # a core on a busy machine (10-100x slower than this single pass)
            return np.array([np.einsum("i,i->", a, b)])
        return np.bincount(self.codes, weights=a * b, minlength=self.ndom)

    def at_rows(self, per_domain: np.ndarray):
        """A per-domain array spread over the block's rows (a scalar for a single domain)."""
        return per_domain[0] if self.ndom == 1 else per_domain[self.codes]

    def weight_sums(self, w: np.ndarray, cache: dict) -> tuple[np.ndarray, np.ndarray]:
        """Per-domain sum of weights and number of nonzero weights (shared by blocks with the same rows)."""
        key = id(self.codes)
        if key not in cache:
            wv = w[self.pos]
            if self.ndom == 1:
                nz = np.array([np.count_nonzero(wv)], dtype=float)
            elif np.count_nonzero(wv) == len(wv):  # no zero weight (an uncalibrated design): the row counts
                nz = self.count.astype(float)
            else:
                nz = np.bincount(self.codes[wv != 0], minlength=self.ndom).astype(float)
            cache[key] = (self.sums(wv), nz, self.codes)
        return cache[key][0], cache[key][1]

    def finish(self, sc: _Score) -> None:
        """Take a score function's result: estimates, notes, the constant-domain screen, score terms."""
        self.estimate = np.asarray(sc.estimate, dtype=float)
        self.srs = np.asarray(sc.srs, dtype=float)
        self.centred = sc.centred
        if sc.constant is not None:
            # the constant-domain screen: a domain whose values are all equal has variance exactly 0
            # (its centred scores are rounding noise); the design decides, never a float against 0
            values, spread, scale = sc.constant
            self.zero_var = _constant_per_group(values, self.codes, self.ndom, spread, scale)[self.col_domain] & (
                self.n > 0
            )
        elif sc.zero_var is not None:
            self.zero_var = sc.zero_var
        if sc.exact01 is not None:
            self.exact01 = sc.exact01
        self.categories = sc.categories
        for mask, text in sc.notes:  # in order: a later note replaces an earlier one
            self.note[mask[self.col_domain]] = text
        if sc.terms is not None:
            self.terms = sc.terms
            return
        if sc.totals is not None:  # the score function summed its scores per (unit, domain) pair itself
            term = DomainMatrix._at(self.nrows, self.rows, None, None, 0)
            term.base = (self.codes, self.offset, self.ndom)
            term.totals = {k: np.where(np.isfinite(t), t, 0.0) for k, t in sc.totals.items()}
            self.terms = [(term, None)]
            return
        scores = sc.scores
        if not sc.finite and not np.isfinite(np.sum(scores)):  # a NaN or inf anywhere makes the sum so
            scores = np.where(np.isfinite(scores), scores, 0.0)
        # the column codes (offset + domain) are built only if the dense engine needs them
        term = DomainMatrix._at(self.nrows, self.rows, None, scores, 0)
        term.base = (self.codes, self.offset, self.ndom)
        if self.ctx.eager:  # the sparse engine will take it: keep PSU (and SSU) totals, not row scores
            term.totals = {
                stage: self.ctx.pairs(self.rows, self.codes, self.ndom, stage).sums(scores) for stage in self.ctx.stages
            }
            term.values = None
        self.terms = [(term, None)]


@dataclass
class _Score:
    """What an estimator's score function returns for one variable: its part of the estimate table.

    Per column (domain, or domain x level): ``estimate`` and ``srs`` (the variance under simple
    random sampling, for ``deff``). The linearised ``scores`` of the block's rows (one value per
    row, its domain's column), or ``terms`` already in factored form (:class:`LinearScores`).
    ``centred``: the scores sum to zero within a domain, so a domain lying in one PSU has no
    standard error. ``constant = (values, spread, scale)`` asks for the constant-domain screen
    (variance exactly 0 where ``values`` are all equal in a domain; ``spread`` and ``scale`` per
    domain let it skip domains that clearly vary); ``zero_var`` gives that answer directly.
    ``notes``: (per-domain mask, note), applied in order. ``finite``: every score is known to
    be finite (otherwise the loop checks, and sets non-finite scores to 0). ``totals`` replaces
    ``scores`` when the function has summed them per (PSU, domain) pair itself (and per (SSU,
    domain) pair for a two-stage design), for the sparse variance engine.
    """

    estimate: np.ndarray
    srs: np.ndarray
    scores: np.ndarray | None = None
    terms: list | None = None
    centred: bool = False
    constant: tuple | None = None
    zero_var: np.ndarray | None = None
    exact01: np.ndarray | None = None
    categories: np.ndarray | None = None
    notes: list = field(default_factory=list)
    finite: bool = False  # the score function knows that every score is finite (no check needed)
    totals: dict | None = None  # {stage: scores summed per (unit, domain) pair}, instead of ``scores``


# Score functions: (block, values, weights, cache, ctx) -> _Score, called inside np.errstate(ignore)
def _mean_score(b: _Block, y: np.ndarray, w: np.ndarray, wcache: dict, ctx: _Context) -> _Score:
    """Scores :math:`w_i (y_i - \\bar y_w)/\\sum w` within the domain (R's ``svymean``)."""
    if b.ndom > 1 and ctx.eager:
        return _mean_score_by_pairs(b, y, w, wcache, ctx)
    yv = y[b.pos]
    wn = ctx.normalised_weights(w, b, wcache)  # w / (the domain's sum of w), per row
    wsum, nobs = b.weight_sums(w, wcache)
    # sum(w y) / sum(w), both summed alike: a constant variable's mean is that constant, exactly
    est = np.where(wsum > 0, b.sums(w[b.pos] * yv) / wsum, np.nan)
    dev = yv - b.at_rows(est)
    scores = wn * dev
    ssn = b.dot(scores, dev)  # sum of w (y - mean)^2 / W per domain
    ss = ssn * wsum
    # sum of w * y^2 per domain, for the constant-domain screen: ss + W * mean^2 (no pass)
    scale = ss + wsum * est * est
    return _Score(
        estimate=est,
        srs=np.where(nobs > 1, ssn / (nobs - 1), np.nan),
        scores=scores,
        finite=bool(np.isfinite(ssn).all()),  # a NaN or inf score would make its domain's sum so
        centred=True,
        constant=(yv, ss, scale),
        notes=[(wsum <= 0, f"no non-missing values of {b.variable!r} with positive weight in this domain")],
    )


def _mean_score_by_pairs(b: _Block, y: np.ndarray, w: np.ndarray, wcache: dict, ctx: _Context) -> _Score:
    """:func:`_mean_score` for domain tables, from sums per (PSU, domain) pair: two grouped sums over
    the rows (of :math:`w y` and :math:`w y^2`) instead of scores row by row.

    The scores of a pair total :math:`(\\sum w y - \\bar y_d \\sum w)/W_d`. The spread
    :math:`\\sum w (y - \\bar y_d)^2 = \\sum w y^2 - W_d \\bar y_d^2` is exact enough for ``deff``
    unless the domain's values barely vary (relative variance below 1e-8); those domains get it
    from the deviations, row by row, as the constant-domain screen needs.
    """
    yv = y[b.pos]
    wv = w[b.pos]
    wsum, nobs = b.weight_sums(w, wcache)
    p = ctx.pairs(b.rows, b.codes, b.ndom)
    pw = ctx.pair_weights(w, b, 1)
    wy = wv * yv
    pwy = p.sums(wy)
    g, nd = p.group, b.ndom
    wdom = np.bincount(g, weights=pw, minlength=nd)  # summed like wy: a constant's mean is exact
    est = np.where(wdom > 0, np.bincount(g, weights=pwy, minlength=nd) / wdom, np.nan)
    scale = np.bincount(b.codes, weights=wy * yv, minlength=nd)  # sum of w y^2
    ss = scale - wdom * est * est
    unsafe = ~(ss > 1e-8 * scale)  # little spread (or none): from the deviations, on those rows only
    if unsafe.any():
        keep = unsafe[b.codes]
        c = b.codes[keep]
        dev = yv[keep] - est[c]
        ss[unsafe] = np.bincount(c, weights=wv[keep] * dev * dev, minlength=nd)[unsafe]
    totals = {1: (pwy - est[g] * pw) / wdom[g]}
    if 2 in ctx.stages:
        p2 = ctx.pairs(b.rows, b.codes, nd, 2)
        totals[2] = (p2.sums(wy) - est[p2.group] * ctx.pair_weights(w, b, 2)) / wdom[p2.group]
    return _Score(
        estimate=est,
        srs=np.where(nobs > 1, ss / wsum / (nobs - 1), np.nan),
        totals=totals,
        centred=True,
        constant=(yv, ss, scale),
        notes=[(wsum <= 0, f"no non-missing values of {b.variable!r} with positive weight in this domain")],
    )


def _total_score(b: _Block, y: np.ndarray, w: np.ndarray, wcache: dict, ctx: _Context) -> _Score:
    """Scores :math:`w_i y_i` within the domain (R's ``svytotal``)."""
    wv, yv = w[b.pos], y[b.pos]
    wsum, nobs = b.weight_sums(w, wcache)
    wy = wv * yv
    est = b.sums(wy)
    finite = bool(np.isfinite(est).all())  # a NaN or inf score would make its domain's sum so
    dev = yv - b.at_rows(est / wsum)
    srs = np.where(nobs > 1, b.dot(wv * dev, dev) / wsum / (nobs - 1) * wsum**2, np.nan)
    est[b.count == 0] = np.nan
    return _Score(
        estimate=est,
        srs=srs,
        scores=wy,
        finite=finite,
        notes=[(b.count == 0, f"no non-missing values of {b.variable!r} in this domain")],
    )


def _ratio_score(b: _Block, yx, w: np.ndarray, wcache: dict, ctx: _Context) -> _Score:
    """Scores :math:`w_i (y_i - \\hat R x_i)/\\hat X` within the domain (R's ``svyratio``)."""
    y, x, den = yx
    wv, yv, xv = w[b.pos], y[b.pos], x[b.pos]
    wsum, nobs = b.weight_sums(w, wcache)
    xtot = b.dot(wv, xv)
    r = np.where(xtot != 0, b.dot(wv, yv) / xtot, np.nan)
    resid = (yv - b.at_rows(r) * xv) / b.at_rows(xtot)
    scores = wv * resid
    rbar = b.sums(scores) / wsum
    dev = resid - b.at_rows(rbar)
    srs = np.where(nobs > 1, b.dot(wv * dev, dev) / wsum / (nobs - 1) * wsum**2, np.nan)
    return _Score(
        estimate=r,
        srs=srs,
        scores=scores,
        centred=True,
        notes=[
            (xtot == 0, f"the total of {den!r} is 0 in this domain: no ratio"),
            (b.count == 0, f"no non-missing values of {b.variable!r} in this domain"),
        ],
    )


def _proportion01_score(b: _Block, levels, lc: np.ndarray, w: np.ndarray, wcache: dict, ctx: _Context) -> _Score:
    """:func:`_proportion_score` of a single level (a 0/1 or boolean variable) for the sparse engine:
    the scores :math:`(w_i/W_d)(1_i - \\hat p_d)` summed per (PSU, domain) pair as
    :math:`(\\sum w 1 - \\hat p_d \\sum w)/W_d`, without score terms row by row."""
    nd = b.ndom
    wv = w[b.pos]
    hit = lc[b.pos] == 0  # the row is in the level
    wsum, nobs = b.weight_sums(w, wcache)
    wi = np.where(hit, wv, 0.0)
    p1 = ctx.pairs(b.rows, b.codes, nd)
    pwi = p1.sums(wi)
    wcell = np.bincount(p1.group, weights=pwi, minlength=nd)
    kcell = np.array([np.count_nonzero(hit)]) if nd == 1 else np.bincount(b.codes[hit], minlength=nd)
    p = np.where(wsum > 0, wcell / wsum, np.nan)
    exact0, exact1 = (kcell == 0) & (b.count > 0), (kcell == b.count) & (b.count > 0)
    p[exact0] = 0.0
    p[exact1] = 1.0
    srs = np.where(nobs > 1, p * (1 - p) / (nobs - 1), np.nan)
    zero_var = exact0 | exact1  # the indicator is constant in the domain: variance exactly 0
    pc = np.nan_to_num(p)
    totals = {1: (pwi - pc[p1.group] * ctx.pair_weights(w, b, 1)) / wsum[p1.group]}
    if 2 in ctx.stages:
        p2 = ctx.pairs(b.rows, b.codes, nd, 2)
        totals[2] = (p2.sums(wi) - pc[p2.group] * ctx.pair_weights(w, b, 2)) / wsum[p2.group]
    return _Score(
        estimate=p,
        srs=srs,
        totals=totals,
        centred=True,
        zero_var=zero_var,
        exact01=zero_var.copy(),
        categories=np.array([_scalar(v) for v in levels] * nd, dtype=object),
        notes=[(wsum <= 0, f"no non-missing values of {b.variable!r} with positive weight in this domain")],
    )


def _proportion_score(b: _Block, cat, w: np.ndarray, wcache: dict, ctx: _Context) -> _Score:
    """Scores of each level's indicator, as :func:`_mean_score`, in factored form: the level's
    indicator scaled by :math:`w_i/\\sum w`, minus the domain's proportion (R's ``svymean`` of a factor)."""
    levels, lc = cat
    nlev, ndom, offset = len(levels), b.ndom, b.offset
    if nlev == 1 and ctx.eager:  # a 0/1 (or boolean) variable: a mean, from sums per (PSU, domain) pair
        return _proportion01_score(b, levels, lc, w, wcache, ctx)
    c, wv, lv = b.codes, w[b.pos], lc[b.pos]
    wsum, nobs = b.weight_sums(w, wcache)
    has = lv >= 0
    cell = c[has] * nlev + lv[has]
    wcell = np.bincount(cell, weights=wv[has], minlength=ndom * nlev)
    kcell = np.bincount(cell, minlength=ndom * nlev)
    wdom = wsum[b.col_domain]
    p = np.where(wdom > 0, wcell / wdom, np.nan)
    scale = wv / wsum[c]
    ndom_rows = b.count[b.col_domain]
    exact0, exact1 = (kcell == 0) & (ndom_rows > 0), (kcell == ndom_rows) & (ndom_rows > 0)
    p[exact0] = 0.0
    p[exact1] = 1.0
    srs = np.where(nobs[b.col_domain] > 1, p * (1 - p) / (nobs[b.col_domain] - 1), np.nan)
    zero_var = exact0 | exact1  # a level's indicator is constant in the domain: variance exactly 0
    terms = [
        (DomainMatrix._at(b.nrows, np.flatnonzero(has) if b.rows is None else b.rows[has], offset + cell, scale[has], 0), None),
        (
            DomainMatrix._at(b.nrows, b.rows, c, scale, ndom),
            _Expand(
                np.concatenate([np.zeros(offset, dtype=np.int64), b.col_domain]),
                np.concatenate([np.zeros(offset), -np.nan_to_num(p)]),
            ),
        ),
    ]
    return _Score(
        estimate=p,
        srs=srs,
        terms=terms,
        centred=True,
        zero_var=zero_var,
        exact01=zero_var.copy(),
        categories=np.array([_scalar(v) for v in levels] * ndom, dtype=object),
        notes=[(wsum <= 0, f"no non-missing values of {b.variable!r} with positive weight in this domain")],
    )


def _pad_terms(blocks: list[_Block], ncols: int) -> None:
    """Give every block's score terms the table's full column count."""
    for b in blocks:
        padded = []
        for s, m in b.terms:
            if m is None:
                s.ngroups = ncols
            elif isinstance(m, _Expand) and len(m.index) < ncols:
                extra = ncols - len(m.index)
                m = _Expand(
                    np.concatenate([m.index, np.zeros(extra, dtype=np.int64)]),
                    np.concatenate([m.factor, np.zeros(extra)]),
                )
            padded.append((s, m))
        b.terms = padded


def _distinct_per_group(units: np.ndarray, nunits: int, codes: np.ndarray, ngroups: int) -> np.ndarray:
    """Number of distinct ``units`` among the rows of each group ``codes``."""
    if nunits * ngroups <= _CELLS:
        table = np.bincount(units * ngroups + codes, minlength=nunits * ngroups)
        return np.count_nonzero(table.reshape(nunits, ngroups), axis=0)
    keys = np.unique(units.astype(np.int64) * ngroups + codes)
    return np.bincount(keys % ngroups, minlength=ngroups)


def _constant_per_group(
    values: np.ndarray, codes: np.ndarray, ngroups: int, spread=None, scale=None
) -> np.ndarray:
    """True for groups whose values are all equal (exactly, not within a tolerance).

    With ``spread`` (per-group sum of squared deviations) and ``scale`` (per-group sum of
    squares), only groups whose spread is at rounding level are checked value by value.
    """
    candidate = np.ones(ngroups, dtype=bool)
    if spread is not None:
        candidate = ~(spread > 1e-20 * scale)
        if not candidate.any():
            return candidate
        if not candidate.all():
            keep = candidate[codes]
            values, codes = values[keep], codes[keep]
    first = np.zeros(ngroups)
    first[codes[::-1]] = values[::-1]
    differs = np.bincount(codes, weights=(values != first[codes]).astype(float), minlength=ngroups)
    # a group that was screened out is not constant, though none of its rows were compared
    return (differs == 0) & candidate


def _satterthwaite_df(contrib: np.ndarray, n_units: np.ndarray) -> np.ndarray:
    r"""Satterthwaite degrees of freedom of a sum of per-stratum variance contributions (per column).

    ``contrib`` (strata x k) holds each stratum's contribution :math:`c_h` to the first-stage
    variance, ``n_units`` the PSUs sampled per stratum. Each contribution is taken to rest on
    :math:`n_h - 1` degrees of freedom (1 for a single-PSU stratum that contributes, under
    ``lonely_psu="adjust"``), and the sum on

    .. math:: \nu = \frac{(\sum_h c_h)^2}{\sum_h c_h^2 / (n_h - 1)}

    (Satterthwaite 1946; for survey strata, Korn & Graubard 1999, *Analysis of Health Surveys*,
    section 5.2, and Valliant & Rust 2010, J Official Statistics 26(4)). It equals
    :math:`\sum_h (n_h - 1)` when every PSU contributes alike and falls towards
    :math:`n_h - 1` of one stratum when that stratum carries the variance. NaN where the variance
    is 0.
    """
    d = np.maximum(n_units.astype(float) - 1.0, 1.0)[:, None]
    total = contrib.sum(axis=0)
    den = (contrib * contrib / d).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, total * total / den, np.nan)


def _stage_variance(z, unit_group, n_units, f, present, lonely, group_labels, *, stage, multiplier=None):
    """Between-unit variance at one stage (R's ``onestage``/``onestrat``) of each column of ``z``.

    ``z`` holds unit totals (units x k), ``unit_group`` the group (stratum at stage 1, PSU at
    stage 2) of each unit, ``n_units`` the units sampled per group, ``f`` the finite population
    factor per group, ``present`` (groups x k) the groups that hold a row of the estimate.
    Returns the variances (k,) and, for ``lonely="average"``, the columns it cannot average.
    """
    ngroups = len(n_units)
    nunits = len(unit_group)
    gmat = sparse.csr_matrix((np.ones(nunits), (unit_group, np.arange(nunits))), shape=(ngroups, nunits))
    sums = gmat @ z
    means = sums / n_units[:, None]
    dev = z - means[unit_group]
    ss = gmat @ (dev * dev)
    lonely_g = (n_units == 1) & (f >= _F_ZERO)
    lonely_gc = lonely_g[:, None] & present
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(n_units > 1, f * n_units / (n_units - 1), f)
    scale = np.where(f < _F_ZERO, 0.0, scale)
    k = z.shape[1]
    bad = np.zeros(k, dtype=bool)
    if lonely_gc.any():
        if lonely == "fail":
            groups = np.flatnonzero(lonely_gc.any(axis=1))
            what = "stratum" if stage == 1 else "PSU"
            unit = "PSU" if stage == 1 else "SSU (second-stage unit)"
            raise LonelyPSUError(
                f"{what} {describe_values(group_labels[groups].tolist())} has only one {unit} at stage "
                f"{stage}, so its variance cannot be estimated; choose lonely_psu='adjust', 'average', "
                "'certainty' or 'remove', or collapse it with a neighbouring stratum"
            )
        if lonely == "adjust":
            ss[lonely_g] = sums[lonely_g] ** 2  # not centred: deviation from the overall mean of zero
        else:
            ss[lonely_g] = 0.0
    contrib = scale[:, None] * ss
    if multiplier is not None:
        contrib = contrib * multiplier[:, None]
    contrib = np.where(present, contrib, 0.0)
    v = contrib.sum(axis=0)
    if lonely == "average" and lonely_gc.any():
        touched = lonely_gc.any(axis=0)
        if stage == 2:  # R returns NaN: no other SSU to average over
            bad = touched
        else:
            nstrat = present.sum(axis=0)
            nok = nstrat - lonely_gc.sum(axis=0)
            bad = touched & (nok == 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                v = np.where(touched & (nok > 0), v * nstrat / nok, v)
    return v, bad, contrib


class _Pairs:
    """The distinct (unit, group) pairs among some rows: ``unit`` and ``group`` of each pair (sorted
    by unit, then group) and ``row_pair``, the pair of each row."""

    __slots__ = ("unit", "group", "row_pair", "npairs")

    def __init__(self, unit, group, row_pair):
        self.unit, self.group, self.row_pair = unit, group, row_pair
        self.npairs = len(unit)

    def sums(self, values) -> np.ndarray:
        """Per-pair sums of ``values`` (aligned with the rows; ``None``: counts)."""
        return np.bincount(self.row_pair, weights=values, minlength=self.npairs).astype(float, copy=False)


def _pairs(units: np.ndarray, nunits: int, codes: np.ndarray, ngroups: int) -> _Pairs:
    """Distinct (unit, group) pairs of rows with unit ``units[i]`` and group ``codes[i]``."""
    key = units if ngroups == 1 else units.astype(np.int64, copy=False) * ngroups + codes
    ncells = nunits * ngroups
    if ncells <= max(16 * len(key), 1 << 23):  # mark the cells that occur: O(rows + cells), no sort
        seen = np.zeros(ncells, dtype=bool)
        seen[key] = True
        cells = np.flatnonzero(seen)
        if len(cells) == ncells:
            row_pair = key
        else:
            # int64 codes (numpy's index type): every grouped sum over them then skips a conversion;
            # int32 only keeps a huge table of cells small
            rank = np.cumsum(seen, dtype=np.int64 if ncells <= 1 << 26 or ncells >= 2**31 else np.int32) - 1
            row_pair = rank[key]
    else:
        cells, row_pair = np.unique(key, return_inverse=True)
    if ngroups == 1:
        return _Pairs(cells, np.zeros(len(cells), dtype=np.int64), row_pair)
    return _Pairs(cells // ngroups, cells % ngroups, row_pair)


def _expand(groups: np.ndarray, index: np.ndarray, factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The entries of an :class:`_Expand` matrix that elements with codes ``groups`` meet.

    Returns (element, column) for every element and every column c with ``index[c]`` equal to the
    element's group and a nonzero ``factor[c]``.
    """
    nz = np.flatnonzero(factor)
    if not len(nz) or not len(groups):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    k = index[nz]
    order = np.argsort(k, kind="stable")
    cols, ks = nz[order], k[order]
    ng = max(int(groups.max()), int(ks.max())) + 1
    cnt = np.bincount(ks, minlength=ng)
    first = np.cumsum(cnt) - cnt
    rep = cnt[groups]
    elem = np.repeat(np.arange(len(groups)), rep)
    within = np.arange(len(elem)) - np.repeat(np.cumsum(rep) - rep, rep)
    return elem, cols[first[groups[elem]] + within]


def _stage_variance_pairs(
    unit, col, z, present, unit_group, n_units, f, lonely, group_labels, ncols, *, stage, multiplier=None, fail=None
):
    """:func:`_stage_variance` on sparse unit totals, with the same numbers.

    ``(unit, col, z)`` lists the unit totals that rows contribute to (a unit not listed for a
    column totals 0 there); ``present`` holds the (group, column) pairs that hold a row of the
    estimate, as sorted keys ``group * ncols + column``. Every listed unit lies in a present
    pair. Returns the variances (ncols,), the columns ``lonely="average"`` cannot average, and
    each present pair's contribution as (group, column, contribution). Under ``lonely="fail"`` a
    lonely group raises :class:`LonelyPSUError`, or is appended to the list ``fail`` (named with
    the others by the caller).
    """
    pg, pc = present // ncols, present % ncols
    npairs = len(present)
    gkey = unit_group[unit].astype(np.int64) * ncols + col
    if len(n_units) * ncols <= max(4 * len(gkey), 1 << 20):
        where = np.full(len(n_units) * ncols, -1, dtype=np.int64)
        where[present] = np.arange(npairs)
        gp = where[gkey]
    else:
        gp = np.searchsorted(present, gkey)
    sums = np.bincount(gp, weights=z, minlength=npairs)
    listed = np.bincount(gp, minlength=npairs)
    nu = n_units[pg]
    means = sums / nu
    dev = z - means[gp]
    # units of the group that no row of the column reaches total 0: each deviates by -mean
    ss = np.bincount(gp, weights=dev * dev, minlength=npairs) + (nu - listed) * (means * means)
    fg = f[pg]
    lonely_p = (nu == 1) & (fg >= _F_ZERO)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(nu > 1, fg * nu / (nu - 1), fg)
    scale = np.where(fg < _F_ZERO, 0.0, scale)
    bad = np.zeros(ncols, dtype=bool)
    if lonely_p.any():
        if lonely == "fail":
            if fail is None:
                raise LonelyPSUError(_lonely_message(group_labels[np.unique(pg[lonely_p])], stage))
            fail.append(pg[lonely_p])
        if lonely == "adjust":
            ss[lonely_p] = sums[lonely_p] ** 2  # not centred: deviation from the overall mean of zero
        else:
            ss[lonely_p] = 0.0
    contrib = scale * ss
    if multiplier is not None:
        contrib = contrib * multiplier[pg]
    v = np.bincount(pc, weights=contrib, minlength=ncols)
    if lonely == "average" and lonely_p.any():
        nlonely = np.bincount(pc[lonely_p], minlength=ncols)
        touched = nlonely > 0
        if stage == 2:  # R returns NaN: no other SSU to average over
            bad = touched
        else:
            nstrat = np.bincount(pc, minlength=ncols)
            nok = nstrat - nlonely
            bad = touched & (nok == 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                v = np.where(touched & (nok > 0), v * nstrat / nok, v)
    return v, bad, (pg, pc, contrib)


def _lonely_message(groups, stage: int) -> str:
    what = "stratum" if stage == 1 else "PSU"
    unit = "PSU" if stage == 1 else "SSU (second-stage unit)"
    return (
        f"{what} {describe_values(list(groups))} has only one {unit} at stage "
        f"{stage}, so its variance cannot be estimated; choose lonely_psu='adjust', 'average', "
        "'certainty' or 'remove', or collapse it with a neighbouring stratum"
    )


def _stage_covariance(z, unit_group, n_units, f, present, lonely, group_labels, *, stage, multiplier=None):
    """The covariance matrix of the column totals at one stage: :func:`_stage_variance` for every pair of
    columns at once (its diagonal), for columns that share their rows (``present``: groups,)."""
    ngroups = len(n_units)
    k = z.shape[1]
    sums = np.column_stack([np.bincount(unit_group, weights=z[:, j], minlength=ngroups) for j in range(k)])
    dev = z - (sums / n_units[:, None])[unit_group]
    lonely_g = (n_units == 1) & (f >= _F_ZERO)
    lonely_p = lonely_g & present
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(n_units > 1, f * n_units / (n_units - 1), f)
    scale = np.where(f < _F_ZERO, 0.0, scale)
    if multiplier is not None:
        scale = scale * multiplier
    scale = np.where(present, scale, 0.0)
    if lonely_p.any():
        if lonely == "fail":
            raise LonelyPSUError(_lonely_message(group_labels[np.flatnonzero(lonely_p)].tolist(), stage))
        alone = lonely_g[unit_group]
        # "adjust": the lone unit deviates from the overall mean of zero; otherwise it adds nothing
        dev[alone] = z[alone] if lonely == "adjust" else 0.0
    cov = (dev * scale[unit_group][:, None]).T @ dev
    bad = False
    if lonely == "average" and lonely_p.any():
        if stage == 2:
            bad = True
        else:
            nstrat = int(present.sum())
            nok = nstrat - int(lonely_p.sum())
            bad = nok == 0
            if not bad:
                cov = cov * nstrat / nok
    return cov, bad


class _Context:
    """What one estimator call shares across its variables: the rows and domain codes of each
    distinct set of used rows, and their (PSU, domain) and (SSU, domain) pairs."""

    def __init__(self, design: SurveyDesign | None) -> None:
        self.s = None if design is None else design._structure
        # score columns are reduced to unit totals as soon as they are made (uncalibrated designs,
        # whose scores the sparse engine always takes); the stages whose units need them
        self.eager = design is not None and _SPARSE and not design._calibration
        self.stages = (1,) if design is None or self.s.ssu is None or self.s.frac1 is None else (1, 2)
        self.starts: dict = {}
        self._pairs: dict = {}

    def weights(self, w: np.ndarray, b: _Block, cache: dict):
        """The weights of the block's rows and each row's domain weight total (shared by blocks on the same rows)."""
        key = ("rows", id(b.codes))
        if key not in cache:
            wv = w[b.pos]
            wsum, _ = b.weight_sums(w, cache)
            cache[key] = (wv, b.at_rows(wsum), b.codes)
        return cache[key][:2]

    def pair_weights(self, w: np.ndarray, b: _Block, stage: int) -> np.ndarray:
        """The design weights of the block's rows summed per (unit, domain) pair of the stage (shared by
        blocks on the same rows)."""
        key = ("weights", stage, id(b.codes))
        if key not in self._pairs:
            self._pairs[key] = (self.pairs(b.rows, b.codes, b.ndom, stage).sums(w[b.pos]), b.codes)
        return self._pairs[key][0]

    def normalised_weights(self, w: np.ndarray, b: _Block, cache: dict) -> np.ndarray:
        """The weights of the block's rows divided by their domain's weight total (shared by blocks on
        the same rows); NaN in a domain whose weights sum to 0."""
        key = ("normalised", id(b.codes))
        if key not in cache:
            wv, wsum_rows = self.weights(w, b, cache)
            with np.errstate(invalid="ignore", divide="ignore"):
                cache[key] = (wv / wsum_rows, b.codes)
        return cache[key][0]

    def start(self, act: np.ndarray, ndom: int):
        """Positions, rows (None: all), domain codes and rows per domain of the rows with ``act >= 0``."""
        hit = self.starts.get(id(act))
        if hit is None:
            if act.min(initial=0) >= 0:  # every row is used: views, no copies
                pos, rows, codes = slice(None), None, act
            else:
                pos = np.flatnonzero(act >= 0)
                rows, codes = pos, act[pos]
            count = np.array([len(codes)]) if ndom == 1 else np.bincount(codes, minlength=ndom)
            hit = self.starts[id(act)] = (pos, rows, codes, count, act)
        return hit[:4]

    def pairs(self, rows, codes: np.ndarray, ngroups: int, stage: int = 1) -> _Pairs:
        """The (unit, group) pairs of ``rows`` (None: all rows) with groups ``codes``; units are PSUs
        (stage 1) or SSUs (stage 2)."""
        key = (stage, None if rows is None else id(rows), id(codes), ngroups)
        hit = self._pairs.get(key)
        if hit is None:
            s = self.s
            if stage == 1 and not s.has_psu:  # each row is its own PSU: every row its own pair
                unit = np.arange(len(codes)) if rows is None else np.asarray(rows)
                p = _Pairs(unit, np.asarray(codes), np.arange(len(codes)))
            else:
                units, nunits = (s.psu, len(s.psu_labels)) if stage == 1 else (s.ssu, len(s.ssu_psu))
                p = _pairs(units if rows is None else units[rows], nunits, codes, ngroups)
            hit = self._pairs[key] = (p, rows, codes)  # the arrays stay alive, so their ids stay theirs
        return hit[0]


def _intervals(method, est, se, ddf, level, n, nrow, exact01, neff_cap):
    """Confidence limits of every row (vectorised); NaN where no interval exists."""
    alpha = 1 - level
    q = np.full(len(est), np.nan)
    ok = ddf > 0
    q[ok & ~np.isfinite(ddf)] = stats.norm.ppf(1 - alpha / 2)
    fin = ok & np.isfinite(ddf)
    q[fin] = stats.t.ppf(1 - alpha / 2, ddf[fin])
    lo, hi = est - q * se, est + q * se
    if method == "wald":
        return lo, hi
    p = est
    inner = (p > 0) & (p < 1) & (se > 0) & ~exact01
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "logit":
            half = q * se / (p * (1 - p))
            lp = np.log(p / (1 - p))
            lo = np.where(inner, _expit(lp - half), lo)
            hi = np.where(inner, _expit(lp + half), hi)
        else:  # korn-graubard, as R's svyciprop(method="beta")
            n_eff = p * (1 - p) / se**2
            if neff_cap:
                n_eff = np.minimum(n_eff, n)
            tn = stats.t.ppf(alpha / 2, np.where(nrow > 1, nrow - 1, np.nan))
            td = stats.t.ppf(alpha / 2, np.where(ok, ddf, np.nan))
            n_eff = np.where(ok, n_eff * (tn / td) ** 2, n_eff)
            blo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
            bhi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
            # a variance so small (n_eff beyond 1e12) that the beta quantiles lose their accuracy:
            # the interval is as narrow as Wald's, which is exact in that limit
            good = np.isfinite(blo) & np.isfinite(bhi) & (n_eff < 1e12) & (blo <= p) & (bhi >= p)
            lo = np.where(inner, np.where(good, blo, np.clip(lo, 0, 1)), lo)
            hi = np.where(inner, np.where(good, bhi, np.clip(hi, 0, 1)), hi)
    exact = exact01 | ((p > 0) & (p < 1) & (se == 0))
    if exact.any():
        cl, ch = _clopper_pearson(p[exact], n[exact], level)
        lo[exact], hi[exact] = cl, ch
    return lo, hi


def _flag_message(what: str, frame: pd.DataFrame, flagged: np.ndarray, by_cols: list) -> str:
    shown = []
    for i in flagged[:5]:
        row = frame.iloc[i]
        keys = [f"{row['variable']}"] + [f"{c}={_scalar(row[c])!r}" for c in by_cols]
        if "category" in frame.columns:
            keys.append(f"category={_scalar(row['category'])!r}")
        shown.append(f"{', '.join(keys)} ({row['note']})")
    more = f"; and {len(flagged) - 5} more" if len(flagged) > 5 else ""
    return (
        f"{what}: {len(flagged)} of {len(frame)} row(s) have no standard error or interval: "
        + "; ".join(shown)
        + more
        + ". The other rows are unaffected; see the 'note' column"
    )


def _scalar(v):
    return v.item() if isinstance(v, np.generic) else v


def _names(value, argument: str) -> list[str]:
    """A column name or a list of column names, checked."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, pd.Index)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise DataError(f"{argument}: give a column name or a list of column names, got {value!r}")


def _clopper_pearson(p: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial interval on the unweighted n, for an estimate of 0 or 1 (no variance to use).

    R's ``svyciprop`` returns NaN (beta) or a degenerate interval here; a zero-width interval
    would claim certainty from a sample, so campaign_me falls back to Clopper & Pearson (1934)
    on the number of respondents, e.g. 0 of 30 gives [0, 0.116] at 95%.
    """
    alpha = 1 - level
    n = np.asarray(n, dtype=float)
    x = np.round(np.asarray(p) * n)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(x == 0, 0.0, stats.beta.ppf(alpha / 2, x, n - x + 1))
        hi = np.where(x == n, 1.0, stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lo, hi


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _categories(col: pd.Series, name: str) -> tuple[list, np.ndarray]:
    """Levels that proportion() reports and the level code of each row (-1: missing or not reported).

    A 0/1 or boolean column reports its 1 (True) level only.
    """
    if pd.api.types.is_bool_dtype(col):
        return [True], np.where(col.to_numpy(dtype=bool, na_value=False), 0, -1).astype(np.int64)
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [_scalar(v) for v in col.cat.categories], col.cat.codes.to_numpy().astype(np.int64)
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iuf":  # numpy numbers: no pandas passes
        arr = col.to_numpy()
        if ((arr == 0) | (arr == 1) | (np.isnan(arr) if arr.dtype.kind == "f" else False)).all():
            return [1], np.where(arr == 1, 0, -1).astype(np.int64)
    elif pd.api.types.is_numeric_dtype(col):
        present = col.dropna()
        if present.isin([0, 1]).all():
            return [1], np.where(col.eq(1).to_numpy(dtype=bool, na_value=False), 0, -1).astype(np.int64)
    try:
        codes, uniques = pd.factorize(col, sort=True)
    except TypeError:
        codes, uniques = pd.factorize(col, sort=False)
    if not len(uniques):
        raise DataError(f"variable {name!r} has no non-missing values")
    return [_scalar(v) for v in uniques], codes.astype(np.int64)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Sorted factorization: the code of each value (0..k-1) and the k distinct values."""
    if values.dtype.kind in "iu" and len(values):  # integers in a modest range: count, no hashing
        arr = values.to_numpy()
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo <= _CELLS:
            shifted = arr.astype(np.int64) - lo
            seen = np.bincount(shifted, minlength=hi - lo + 1) > 0
            rank = np.cumsum(seen) - 1
            return rank[shifted], (np.flatnonzero(seen) + lo).astype(object)
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:
        codes, uniques = pd.factorize(values, sort=False)
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
            raise DesignError(
                f"column {col!r} (design) has missing values in {describe_labels(data.index, pos)}"
            )

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
            # PSU ids numbered within strata: an integer combination of the two codes, factorized once
            raw, raw_labels = _codes(psu_key)
            p_codes, pairs = _codes(pd.Series(s_codes * len(raw_labels) + raw, copy=False))
            pairs = pairs.astype(np.int64)
            p_labels = np.array(
                [f"{s_labels[k // len(raw_labels)]}.{raw_labels[k % len(raw_labels)]}" for k in pairs],
                dtype=object,
            )
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
            raise DesignError(
                f"column {psu_cols[1]!r} (design) has missing values in {describe_labels(data.index, pos)}"
            )
        raw, raw_labels = _codes(data[psu_cols[1]])
        ssu, _ = _codes(pd.Series(p_codes * len(raw_labels) + raw, copy=False))
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
        w = positive_weights(data, weights, error=DesignError)
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


def positive_weights(data: pd.DataFrame, column: str, *, error: type[Exception] = DesignError) -> np.ndarray:
    """The weights in ``column`` as floats, checked to be present and > 0 on every row.

    One check for every place that takes a weight column (:class:`SurveyDesign`,
    :func:`campaign_me.weighting.adjust_nonresponse`); the message names the rows by index
    label (file lines for data from :func:`campaign_me.load_survey`) and the values found.

    Examples
    --------
    >>> positive_weights(pd.DataFrame({"w": [1.5, 2]}), "w")
    array([1.5, 2. ])
    """
    w = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        pos = np.flatnonzero(bad)
        raise error(
            f"column {column!r} (weights) has {len(pos)} missing or non-positive weight(s) "
            f"({describe_labels(data.index, pos)}: {describe_values(data[column].iloc[pos].tolist())}); "
            "weights must be > 0"
        )
    return w


def _fpc_popsize(data, col, group_codes, group_labels, sampled, what, group_col, *, stage):
    """Population size per group from an fpc column (counts, or fractions if all <= 1)."""
    vals = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(vals) | (vals <= 0)
    if bad.any():
        pos = np.flatnonzero(bad)
        raise DesignError(
            f"column {col!r} (fpc, stage {stage}) has missing or non-positive values in "
            f"{describe_labels(data.index, pos)}: "
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


# ------------------------------------------------------------------------------------------------
# Helpers of the estimators built on a design (regression, contrasts of cell means, stacked rounds)
# ------------------------------------------------------------------------------------------------
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
    (Also importable from :mod:`campaign_me.regression`, where it was first.)
    """
    x = np.asarray(scores, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    rows = np.asarray(rows)
    w = design.weights.to_numpy()[rows]
    if (w <= 0).any():
        raise DataError("total_covariance: every scored row needs a positive weight")
    return design._total_covariance(x, rows)


def residual_df(design: SurveyDesign, used: np.ndarray, k: int, df: float | None, *, what: str) -> float:
    """Residual degrees of freedom ``degf + 1 - k`` of a fit on the rows ``used`` (or ``df`` if given).

    As R's ``svyglm`` (``degf(design) + 1 - k``, on the domain of the fitted rows); ``what`` names
    the fit in the error raised when there are no degrees of freedom left. (Also importable from
    :mod:`campaign_me.regression`, where it was first.)
    """
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


def _plain_numeric(col: pd.Series) -> bool:
    """A numpy integer, float or bool column: its values are numbers as they are, without conversion."""
    return not pd.api.types.is_extension_array_dtype(col.dtype) and col.dtype.kind in "biuf"


def numeric_values(col: pd.Series) -> np.ndarray:
    """A column as float64 with NaN for missing or non-numeric values (``pandas.to_numeric``, coerced)."""
    if _plain_numeric(col):
        return col.to_numpy(dtype="float64")
    v = pd.to_numeric(col.astype("object") if pd.api.types.is_bool_dtype(col) else col, errors="coerce")
    return v.astype("float64").to_numpy(na_value=np.nan)


def indicator_values(design: SurveyDesign, column: str, argument: str = "column") -> np.ndarray:
    """A 0/1 (or True/False) column of the design as floats, NaN where blank.

    Anything else in the column raises a :class:`~campaign_me.errors.DataError` naming
    ``argument=column`` and the values found. The estimators read their arm, round and response
    columns with it. (Also importable from :mod:`campaign_me.evaluation`, where it was first.)

    >>> d = SurveyDesign(pd.DataFrame({"arm": pd.array([True, False, None]), "w": 1.0}), weights="w")
    >>> indicator_values(d, "arm", "treated")
    array([ 1.,  0., nan])
    """
    require_columns(design.data, column, argument=argument)
    col = design.data[column]
    v = numeric_values(col)
    bad = ~np.isnan(v) & (v != 0) & (v != 1)
    if not _plain_numeric(col):  # a value that is there but is no number
        bad |= np.isnan(v) & col.notna().to_numpy()
    if bad.any():
        shown = col[bad].tolist()
        raise DataError(f"{argument}={column!r} must be 0/1 (or True/False); found {describe_values(shown)}")
    return v
