"""Campaign indicators computed on a survey design, with design-based intervals.

:func:`compute_indicators` computes the entries of an indicator catalogue (the shipped
``campaign_me/indicators.yaml`` or a researcher's; see :mod:`campaign_me.catalogue`) on a
:class:`~campaign_me.design.SurveyDesign`, overall or by domain, with small cells suppressed or
flagged; :func:`compare_rounds` the change of each indicator between two rounds and
:func:`did_indicators` a difference-in-differences of it. The catalogue's formulas are written in
the expression language of :mod:`campaign_me.expressions`.

The catalogue's names are importable from here as well (:class:`Indicator`, :class:`Catalogue`,
:func:`load_catalogue`, :func:`applicable`, :data:`STAGES`, ...). An indicator's stage of the
results chain (``reach``, ``knowledge``, ...) is the ``stage`` column of every table; it was
called ``level`` until this release (``LEVELS`` is the deprecated name of :data:`STAGES`).

Reporting settings
------------------
``level``, ``min_n``, ``flag_n`` and ``df`` follow :mod:`campaign_me.conventions`; pass them one by
one or as one ``settings=Reporting(...)`` value (a keyword given explicitly wins over
``settings``).

Missing values
--------------
Yes/no values are 1/0; a missing input gives a missing value, and a respondent with a missing value
is left out of that indicator (a domain complement, so the variance stays design-correct).

Rounds
------
:func:`compare_rounds` and :func:`did_indicators` take the round structure (``rounds=``, default
the codebook's): independent samples, the same clusters revisited, or a panel; see
:func:`campaign_me.rounds.combine_rounds`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import scales as _scales
from .catalogue import (
    DIRECTIONS,
    NOT_APPLICABLE_COLUMNS,
    STAGES,
    TYPES,
    Catalogue,
    CatalogueError,
    Indicator,
    applicable,
    as_catalogue,
    load_catalogue,
)
from .codebook import Arm, Codebook
from .contrasts import change_of_means, difference
from .conventions import Reporting, check_level, check_whole, did_you_mean, reporting
from .deferred import Deferred
from .design import LOW_DF, LOW_DF_NOTE, indicator_values, low_df_note, residual_df, total_covariance
from .errors import CampaignMeError, DataError
from .expressions import Checker, Evaluator, NeedsCodebook
from .placeholders import PLACEHOLDERS
from .rounds import check_rounds, combine_rounds

stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; only the intervals and p-values need it

__all__ = [
    "Indicator",
    "Catalogue",
    "CatalogueError",
    "load_catalogue",
    "compute_indicators",
    "compare_rounds",
    "did_indicators",
    "applicable",
    "respondent_values",
    "PLACEHOLDERS",
    "INDICATOR_COLUMNS",
    "DID_COLUMNS",
    "NOT_APPLICABLE_COLUMNS",
    "COMPARE_COLUMNS",
    "STAGES",
    "TYPES",
    "DIRECTIONS",
]

_RENAMED = {"LEVELS": "STAGES"}


def __getattr__(name: str):
    if name in _RENAMED:
        new = _RENAMED[name]
        warnings.warn(
            f"campaign_me.indicators.{name} is deprecated and will be removed in the next release; use {new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return globals()[new]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Columns of :func:`compute_indicators` (``by`` columns go after ``indicator``).
#: Columns of :func:`compute_indicators` (``by`` columns go after ``indicator``).
INDICATOR_COLUMNS = (
    "indicator",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "deff",
    "n",
    "suppressed",
    "flagged",
    "unit",
    "denominator",
    "df",
    "name",
    "stage",
    "type",
    "direction",
    "note",
)

#: Columns of :func:`compare_rounds` (``by`` columns go after ``indicator``).
COMPARE_COLUMNS = (
    "indicator",
    "baseline",
    "endline",
    "change",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "p_value",
    "n_baseline",
    "n_endline",
    "suppressed",
    "unit",
    "change_unit",
    "name",
    "stage",
    "direction",
    "note",
)


def _evaluate(
    data: pd.DataFrame, cat: Catalogue, cb: Codebook | None, *, compact: bool = False
) -> list[tuple]:
    """Each indicator's value per respondent: ``(indicator, y, kind, mask, den, problem)``.

    ``y`` is the per-respondent value (1/0 for proportions; the numerator of a ratio), ``kind``
    ``"proportion"``, ``"mean"`` or ``"ratio"``, ``mask`` the rows in its denominator with a value,
    ``den`` a ratio's denominator. An indicator that cannot be evaluated has ``y`` None and the
    reason in ``problem``. With ``compact``, ``y`` and ``den`` hold values on the ``mask`` rows only
    (0 elsewhere), in the smallest type that holds them exactly (:func:`_compact`).
    """
    ev = Evaluator(data, cb)
    masks: dict[bytes, np.ndarray] = {}  # indicators on the same rows share one mask
    n = len(data)
    out: list[tuple] = []
    for ind in cat:
        try:
            exprs = {k: Checker(cb, data.columns).parse(v) for k, v in ind.expressions().items()}
            vals = {k: _Values(*ev.evaluate_distinct(p.tree)) for k, p in exprs.items() if p is not None}
        except NeedsCodebook as err:
            raise NeedsCodebook(f"indicator {ind.id!r}: {err}") from None
        except CampaignMeError as err:
            out.append((ind, None, None, None, None, f"cannot evaluate: {err}"))
            continue
        mask = np.ones(n, dtype=bool)
        if "population" in vals:
            mask &= vals["population"].rows(lambda v: v == 1)
        den = None
        if ind.type == "proportion":
            y = vals["numerator"]
            if "denominator" in vals:
                mask &= vals["denominator"].rows(lambda v: v == 1)
            kind = "proportion"
            if ((y.values != 0) & (y.values != 1) & ~np.isnan(y.values)).any():
                out.append((ind, None, None, None, None, "numerator is not yes/no (values other than 0/1)"))
                continue
        elif ind.type == "ratio":
            y = vals["numerator"]
            den = vals["denominator"]
            kind = "ratio"
        else:
            y = vals["formula"]
            kind = "mean"
        mask &= y.rows(lambda v: ~np.isnan(v))
        if den is not None:
            mask &= den.rows(lambda v: ~np.isnan(v))
        y = y.compact(mask) if compact else y.rows()
        if den is not None:
            den = den.compact(mask) if compact else den.rows()
        mask = masks.setdefault(np.packbits(mask).tobytes(), mask)
        out.append((ind, y, kind, mask, den, ""))
    return out


def respondent_values(data: pd.DataFrame, catalogue=None, codebook=None) -> list[tuple]:
    """Each indicator's value for every respondent, as :func:`compute_indicators` estimates it.

    Returns one ``(indicator, y, kind, mask, den, problem)`` per catalogue entry: ``y`` the value
    per row (1/0 for a proportion, NaN where missing; a ratio's numerator), ``kind``
    ``"proportion"``, ``"mean"`` or ``"ratio"``, ``mask`` the rows in the indicator's denominator
    with a value, ``den`` a ratio's denominator (else None); an entry that cannot be evaluated on
    these data has ``y`` None and the reason in ``problem``.

    >>> import pandas as pd
    >>> ind, y, kind, mask, den, problem = respondent_values(
    ...     pd.DataFrame({"risk_aware": [True, False, None]}), load_catalogue().select(["risk_aware"]))[0]
    >>> y.tolist(), kind, mask.tolist()
    ([1.0, 0.0, nan], 'proportion', [True, True, False])
    """
    cb = _scales._codebook(codebook) if codebook is not None else None
    return _evaluate(data, as_catalogue(catalogue), cb)


@dataclasses.dataclass(frozen=True)
class _Values:
    """An expression's values as :meth:`Evaluator.evaluate_distinct` gives them: the values of the
    distinct combinations of what it reads and each row's combination (or None: one value a row)."""

    values: np.ndarray
    inverse: np.ndarray | None

    def rows(self, fn=None) -> np.ndarray:
        """``fn`` of every row's value (the values themselves without ``fn``), computed on the
        distinct values."""
        small = self.values if fn is None else fn(self.values)
        return small[self.inverse] if self.inverse is not None else np.asarray(small)

    def compact(self, rows: np.ndarray) -> np.ndarray:
        """The values on ``rows`` in the smallest type that holds them exactly, 0 on the other rows.

        An indicator is estimated on its rows only (a domain of the design), so the other rows'
        values are never read; yes/no values and counts then take 1 byte per respondent, not 8.
        """
        if self.inverse is None:
            return _compact(self.values, rows)
        present = self.values[np.isfinite(self.values)]
        kind = _int_type(present)
        if kind is None:
            return self.values[self.inverse]
        small = np.where(np.isfinite(self.values), self.values, 0).astype(kind)
        out = small[self.inverse]
        out *= rows  # 0 on the other rows
        return out


def _int_type(values: np.ndarray):
    """The smallest integer type that holds these (finite) values exactly, or None."""
    if len(values) and (values != np.round(values)).any():
        return None
    low, high = (values.min(), values.max()) if len(values) else (0, 0)
    for kind in (np.int8, np.int16, np.int32):
        info = np.iinfo(kind)
        if info.min <= low and high <= info.max:
            return kind
    return None


def _compact(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values`` on ``rows`` in the smallest type that holds them exactly (0 on the other rows)."""
    inside = values[rows]
    if not np.isfinite(inside).all():
        return values
    kind = _int_type(inside)
    if kind is None:
        return values
    out = np.zeros(len(values), dtype=kind)
    out[rows] = inside
    return out


def _settings(settings: Reporting | None, **given) -> Reporting:
    """The reporting settings of a call: ``settings`` with the keywords given explicitly over it.

    Errors name the argument and are :class:`~campaign_me.errors.DataError` (as before the
    settings existed).
    """
    if given.get("level") is not None:
        check_level(given["level"], error=DataError)
    for name in ("min_n", "flag_n"):
        if given.get(name) is not None:
            check_whole(given[name], argument=name, minimum=0, error=DataError)
    try:
        return reporting(settings, **given)
    except DataError:
        raise
    except CampaignMeError as err:
        raise DataError(str(err)) from None


def _by_list(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _all_domains(data: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    keys = data[by].dropna().drop_duplicates()
    try:
        keys = keys.sort_values(by)
    except TypeError:
        pass
    return keys.reset_index(drop=True)


def _estimate_one(design, columns: list[str], kind: str, by: list[str], level: float, ratio_den: str | None,
                  df=None):
    """Estimate derived columns on a (subset) design; returns the design's tidy table."""
    if kind == "ratio":
        return design.ratio(columns[0], ratio_den, by=by or None, level=level, na_rm=True, df=df)
    return design.mean(columns, by=by or None, level=level, na_rm=True, df=df)


_STATS = ["estimate", "se", "ci_low", "ci_high", "deff", "n", "df"]


def _safe_table(design, mask, columns, kind, by, level, ratio_den, domains, df=None):
    """Estimates of ``columns`` on the rows ``mask``, overall or by domain, as one table with a
    ``variable`` column; a domain that cannot be estimated gets a row with its reason (``note``)."""
    try:
        sub = design.subset(mask)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = _estimate_one(sub, columns, kind, by, level, ratio_den, df)
        table = table.copy()
        if "note" not in table.columns:
            table["note"] = ""
        table["note"] = table["note"].fillna("").astype(object)
        notes = [str(w.message) for w in caught]
        if notes and not by:
            table["note"] = "; ".join(notes)
        if kind == "ratio":
            table["variable"] = columns[0]
        return table
    except CampaignMeError as err:
        rows = []
        for col in columns:
            if not by:
                rows.append(
                    {
                        "variable": col,
                        **dict.fromkeys(_STATS, np.nan),
                        "n": int(np.count_nonzero(mask)),
                        "note": str(err),
                    }
                )
                continue
            for dom in domains[by].itertuples(index=False, name=None):
                m = mask.copy()
                for c, v in zip(by, dom):
                    m &= design.data[c].eq(v).fillna(False).to_numpy(dtype=bool)
                labels = {"variable": col, **dict(zip(by, dom))}
                if not m.any():
                    rows.append({**labels, **dict.fromkeys(_STATS, np.nan), "n": 0, "note": ""})
                    continue
                try:
                    t = _estimate_one(design.subset(m), [col], kind, [], level, ratio_den, df)
                    rows.append({**labels, **t.iloc[0][_STATS].to_dict(), "note": ""})
                except CampaignMeError as e:
                    rows.append(
                        {**labels, **dict.fromkeys(_STATS, np.nan), "n": int(m.sum()), "note": str(e)}
                    )
        return pd.DataFrame(rows)


def _logit_ci(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """Logit interval of a proportion estimated as a mean of 0/1 (R's ``svyciprop(method="logit")``).

    Estimates of exactly 0 or 1 (or without variance) get the Clopper-Pearson interval on the
    unweighted n, as :meth:`SurveyDesign.proportion` does.
    """
    p = table["estimate"].to_numpy(dtype=float)
    se = table["se"].to_numpy(dtype=float)
    df = table["df"].to_numpy(dtype=float)
    n = table["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(np.isfinite(df), stats.t.ppf(0.5 + level / 2, df), stats.norm.ppf(0.5 + level / 2))
        interior = (p > 0) & (p < 1) & (se > 0)
        half = q * se / (p * (1 - p))
        lp = np.log(p / (1 - p))
        lo = 1 / (1 + np.exp(-(lp - half)))
        hi = 1 / (1 + np.exp(-(lp + half)))
        alpha = 1 - level
        x = np.round(p * n)
        cp_lo = np.where(x == 0, 0.0, stats.beta.ppf(alpha / 2, x, n - x + 1))
        cp_hi = np.where(x == n, 1.0, stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    out = table.copy()
    out["ci_low"] = np.where(interior, lo, np.where(np.isnan(p), np.nan, cp_lo))
    out["ci_high"] = np.where(interior, hi, np.where(np.isnan(p), np.nan, cp_hi))
    return out


def compute_indicators(
    design,
    catalogue=None,
    *,
    codebook=None,
    by: str | Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    level: float | None = None,
    min_n: int | None = None,
    flag_n: int | None = None,
    df: float | str | None = None,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """Compute catalogue indicators on a survey design: one row per indicator and domain.

    Parameters
    ----------
    design : SurveyDesign
        The survey (e.g. ``SurveyDesign(data, weights="weight", strata="stratum", psu="psu")``).
    catalogue : Catalogue, path or None
        Default: the shipped catalogue.
    codebook : Codebook or path, optional
        Supplies scale items and codes; needed by ``knowledge()``, ``likert()``, ``practice()``,
        ``count()``, ``any()`` and ``correct()``, and used to validate the catalogue first.
    by : str or list of str, optional
        Domain columns (e.g. ``["sex", "age_group"]``): every observed combination gets a row for
        every indicator, even when the indicator's population is empty there.
    indicators : list of str, optional
        Compute only these ids.
    level : float, default 0.95 (:data:`campaign_me.conventions.LEVEL`)
        Confidence level of the intervals.
    min_n : int, default 25 (:data:`campaign_me.conventions.MIN_N`)
        Cells with fewer unweighted cases have estimate, se, interval and deff blanked and
        ``suppressed`` True (the DHS rule: estimates on fewer than 25 cases are not shown).
    flag_n : int, default 50 (:data:`campaign_me.conventions.FLAG_N`)
        Cells with ``min_n <= n < flag_n`` are ``flagged`` (DHS shows them in parentheses).
    df : None, "degf", "design" or float, default None
        Degrees of freedom of the intervals, as :meth:`SurveyDesign.mean`: by default the domain's
        PSUs minus strata, lowered to the Satterthwaite degrees of freedom where one stratum carries
        most of the variance; ``"degf"`` R's ``degf`` of the domain; ``"design"`` the whole design's.
    settings : Reporting, optional
        ``level``, ``min_n``, ``flag_n`` and ``df`` as one value
        (:class:`campaign_me.conventions.Reporting`); the separate keywords, when given, win.

    Returns
    -------
    pandas.DataFrame
        ``indicator, [by...], estimate, se, ci_low, ci_high, deff, n, suppressed, flagged, unit,
        denominator, df, name, stage, type, direction, note``. Proportions are in percent (0-100);
        ``n`` is the unweighted number of respondents in the indicator's denominator with a
        non-missing value; ``df`` the design degrees of freedom of the interval; ``note`` the reason
        a row is blank or a warning raised while estimating it.

    Notes
    -----
    Every indicator is a design-based estimate on the full design restricted to its population (a
    domain, so variances use every PSU): proportions with logit intervals
    (:meth:`SurveyDesign.proportion`), means, scores and within-respondent differences with t
    intervals on the linearised scores (:meth:`SurveyDesign.mean`), ratios of totals with
    :meth:`SurveyDesign.ratio`.
    """
    cat = as_catalogue(catalogue)
    if indicators is not None:
        cat = cat.select(indicators)
    s = _settings(settings, level=level, min_n=min_n, flag_n=flag_n, df=df)
    level, min_n, flag_n, df = s.level, s.min_n, s.flag_n, s.df
    cb = _scales._codebook(codebook) if codebook is not None else None
    data = design.data
    by_cols = _by_list(by)
    missing_by = [c for c in by_cols if c not in data.columns]
    if missing_by:
        raise DataError(f"by: column(s) {missing_by} not in the data{did_you_mean(missing_by[0], data.columns)}")
    if cb is not None:
        cat = cat.describe(cb)
        cat.validate(cb, columns=[c for c in data.columns if c not in cb])
    derived: dict[str, np.ndarray] = {}
    plans = []
    for i, (ind, y, kind, mask, den, problem) in enumerate(_evaluate(data, cat, cb, compact=True)):
        if y is None:
            plans.append((ind, None, None, None, problem))
            continue
        prefix = f"__ind{i}"
        ratio_den = None
        if den is not None:
            ratio_den = f"{prefix}d"
            derived[ratio_den] = den
        derived[prefix] = y
        plans.append((ind, prefix, kind, (mask, ratio_den), ""))
    domains = None
    dom_by: list[str] = []
    if by_cols:
        # one integer code per domain, so the design factorises a number column, not the labels
        codes = data[by_cols].groupby(by_cols, sort=True, dropna=True, observed=True).ngroup()
        codes = codes.astype("float64").to_numpy(na_value=np.nan, copy=True)
        codes[codes < 0] = np.nan
        dom_mask = design._domain_mask() if hasattr(design, "_domain_mask") else np.ones(len(data), bool)
        frame = data[by_cols].assign(__dom=codes)[dom_mask]
        domains = (
            frame.dropna(subset=["__dom"])
            .drop_duplicates("__dom")
            .sort_values("__dom")
            .reset_index(drop=True)
        )
        derived["__dom"] = codes
        dom_by = ["__dom"]
    work = (
        design.with_columns(**derived)
        if hasattr(design, "with_columns")
        else _scales.with_columns(design, derived)
    )
    # one design call per group of indicators estimated on the same rows
    groups: dict[tuple, list[str]] = {}
    masks: dict[tuple, np.ndarray] = {}
    for _ind, column, kind, extra, _problem in plans:
        if column is None or kind == "ratio" or not extra[0].any():
            continue
        key = (np.packbits(extra[0]).tobytes(),)
        groups.setdefault(key, []).append(column)
        masks[key] = extra[0]
    batched: dict[str, pd.DataFrame] = {}
    for key, cols in groups.items():
        t = _safe_table(work, masks[key], cols, "mean", dom_by, level, None, domains, df)
        for col, part in t.groupby("variable", sort=False):
            batched[col] = part.drop(columns="variable")
    pieces = []
    for ind, column, kind, extra, problem in plans:
        if column is None:
            base = domains.copy() if by_cols else pd.DataFrame(index=[0])
            base["n"] = 0
            base["note"] = problem
            table = base
        else:
            mask, ratio_den = extra
            if not mask.any():
                table = domains.copy() if by_cols else pd.DataFrame(index=[0])
                table["n"] = 0
                table["note"] = "no respondents in the denominator"
            else:
                if kind == "ratio":
                    table = _safe_table(work, mask, [column], kind, dom_by, level, ratio_den, domains, df)
                    table = table.drop(columns="variable")
                else:
                    table = batched[column]
                if kind == "proportion":
                    table = _logit_ci(table, level)
                if dom_by:
                    table = (
                        table.set_index("__dom").reindex(domains["__dom"].to_numpy()).reset_index(drop=True)
                    )
                    table = pd.concat([domains.drop(columns="__dom"), table], axis=1)
                table = table.reset_index(drop=True)
        table = table.drop(columns=["__dom"], errors="ignore")
        table["note"] = table.get("note", pd.Series("", index=table.index)).fillna("").astype(object)
        if column is not None:  # name internal columns by what they hold
            names = {
                f"{column}/{column}d": f"{ind.numerator} / {ind.denominator}",
                f"{column}d": str(ind.denominator),
            }
            names[column] = str(ind.numerator if ind.type in ("proportion", "ratio") else ind.formula)

            def readable(text, names=names):
                for k, v in names.items():
                    text = text.replace(k, v)
                return text

            table["note"] = table["note"].map(readable)
        table.insert(0, "indicator", ind.id)
        pieces.append(table)
    out = pd.concat(pieces, ignore_index=True)
    # what every row of an indicator shares, once for the whole table
    for c in ("estimate", "se", "ci_low", "ci_high", "deff", "df"):
        if c not in out.columns:
            out[c] = np.nan
    out["n"] = out["n"].fillna(0).astype("int64")
    meta = {ind.id: ind for ind in cat}
    which = out["indicator"]
    labels = which.map({k: ind.population_label for k, ind in meta.items()})
    empty = ((out["n"] == 0) & (out["note"] == "")).to_numpy()
    out.loc[empty, "note"] = [f"no respondents in the denominator ({x}) in this domain" for x in labels[empty]]
    percent = (which.map({k: ind.type for k, ind in meta.items()}) == "proportion").to_numpy()
    for c in ("estimate", "se", "ci_low", "ci_high"):
        out[c] = np.where(percent, out[c].to_numpy(dtype=float) * 100.0, out[c].to_numpy(dtype=float))
    out["unit"] = which.map({k: ind.unit for k, ind in meta.items()})
    out["denominator"] = labels
    for c in ("name", "stage", "type", "direction"):
        out[c] = which.map({k: getattr(ind, c) for k, ind in meta.items()})
    small = out["n"] < min_n
    out["suppressed"] = small | out["estimate"].isna()
    out.loc[small, ["estimate", "se", "ci_low", "ci_high", "deff"]] = np.nan
    smalltxt = f"suppressed: fewer than {min_n} unweighted cases"
    quiet = (out["note"] == "") | out["note"].astype(str).str.startswith(LOW_DF_NOTE)
    out.loc[small & (out["n"] > 0) & quiet, "note"] = smalltxt
    out["flagged"] = (out["n"] >= min_n) & (out["n"] < flag_n) & ~out["suppressed"]
    cols = ["indicator", *by_cols, *INDICATOR_COLUMNS[1:]]
    out = out[cols]
    out["suppressed"] = out["suppressed"].astype(bool)
    out["flagged"] = out["flagged"].astype(bool)
    return out


def _change_unit(unit: str) -> str:
    """Unit of a change: percentage points for percentages, points for 0-100 scales."""
    if unit == "%":
        return "pp"
    if isinstance(unit, str) and (unit.startswith("score") or unit == "per 100"):
        return "points"
    return unit


def _rounds_arg(rounds, cb: Codebook | None) -> str:
    if rounds is None:
        return cb.rounds if cb is not None else "independent"
    return check_rounds(rounds)


def _df_arg(df, stacked) -> float | None:
    """``df`` of compare_rounds/did_indicators as the regression's: None/"degf" -> its residual df."""
    if df is None or (isinstance(df, str) and df == "degf"):
        return None
    if isinstance(df, str) and df == "design":
        return float(stacked.degf - 1)
    return df


def _stack_values(baseline, endline, cat: Catalogue, cb: Codebook | None, rounds: str, post: str):
    """Both rounds' designs stacked with the round structure, and each indicator's values on the rows.

    Returns the stacked design (with columns ``__y{i}`` and, for ratios, ``__d{i}``) and, per
    indicator, ``(indicator, column, kind, rows, den column, problem)`` with ``rows`` the stacked
    rows in its denominator with a value (and in the designs' domains).
    """
    for name, x in (("baseline", baseline), ("endline", endline)):
        if not hasattr(x, "subset") or isinstance(x, pd.DataFrame):
            raise DataError(
                f"{name}: rounds={rounds!r} needs the rounds' designs (the covariance between the rounds is not "
                "in a table of estimates); pass SurveyDesigns, or rounds='independent'"
            )
    stacked = combine_rounds(baseline, endline, rounds=rounds, codebook=cb, post=post)
    plans_b = _evaluate(baseline.data, cat, cb)
    plans_e = _evaluate(endline.data, cat, cb)
    dom = np.concatenate([baseline.in_domain.to_numpy(), endline.in_domain.to_numpy()])
    columns: dict[str, np.ndarray] = {}
    out = []
    for i, (pb, pe) in enumerate(zip(plans_b, plans_e)):
        ind = pb[0]
        if pb[1] is None or pe[1] is None:
            out.append((ind, None, None, None, None, pb[5] or pe[5]))
            continue
        columns[f"__y{i}"] = np.concatenate([pb[1], pe[1]])
        den = None
        if pb[4] is not None:
            den = f"__d{i}"
            columns[den] = np.concatenate([pb[4], pe[4]])
        rows = np.concatenate([pb[3], pe[3]]) & dom
        out.append((ind, f"__y{i}", pb[2], rows, den, ""))
    return stacked.with_columns(**columns), out


def _ratio_change(stacked, y: str, den: str, rows: np.ndarray, post: str, level: float, df) -> dict:
    """Change of a ratio of weighted totals between the rounds of a stacked design (linearised)."""
    p = stacked.data[post].to_numpy()
    w = stacked.weights.to_numpy()
    num = stacked.data[y].to_numpy(dtype=float)
    d = stacked.data[den].to_numpy(dtype=float)
    ratio, total = {}, {}
    for r in (0, 1):
        sel = rows & (p == r)
        if not sel.any():
            raise DataError(f"no respondent in the {'endline' if r else 'baseline'} round")
        total[r] = float(np.sum(w[sel] * d[sel]))
        ratio[r] = float(np.sum(w[sel] * num[sel])) / total[r]
    score = np.where(p == 1, (num - ratio[1] * d) / total[1], -(num - ratio[0] * d) / total[0])
    pos = np.flatnonzero(rows)
    var = float(total_covariance(stacked, score[pos][:, None], pos)[0, 0])
    ddf = residual_df(stacked, rows, 2, df, what="change of a ratio")
    return _row(ratio[1] - ratio[0], np.sqrt(max(var, 0.0)), ddf, level)


def _row(est: float, se: float, ddf: float, level: float) -> dict:
    q = float(stats.t.ppf(0.5 + level / 2, ddf)) if ddf > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        p = float(2 * stats.t.sf(abs(est / se), ddf)) if se > 0 else np.nan
    return {"estimate": est, "se": se, "ci_low": est - q * se, "ci_high": est + q * se, "df": ddf, "p_value": p}


def _stacked_changes(baseline, endline, cat, cb, by_cols, rounds, level, df) -> pd.DataFrame:
    """Each indicator's change (endline - baseline) with its SE from the stacked rounds.

    The SE is that of the coefficient of the round in ``y ~ round`` fitted on the stacked rounds
    declared with the round structure (:func:`campaign_me.contrasts.change_of_means`, the engine of
    :func:`campaign_me.evaluation.pre_post`, equal to R's ``svyglm``), on the indicator's
    denominator (a domain, so every PSU stays in the variance).
    """
    post = "__round_post"
    stacked, plans = _stack_values(baseline, endline, cat, cb, rounds, post)
    data = stacked.data
    if by_cols:
        missing = [c for c in by_cols if c not in data.columns]
        if missing:
            raise DataError(f"by: column(s) {missing} not in both rounds' data")
        codes = data[by_cols].groupby(by_cols, sort=True, dropna=True, observed=True).ngroup().to_numpy()
        keys = data[by_cols].assign(__dom=codes)
        keys = keys[codes >= 0].drop_duplicates("__dom").sort_values("__dom")
        domains = [(r["__dom"], {c: r[c] for c in by_cols}) for r in keys.to_dict("records")]
    else:
        codes = np.zeros(len(data), dtype=np.int64)
        domains = [(0, {})]
    ddf = _df_arg(df, stacked)
    rows_out = []
    for ind, column, kind, rows, den, problem in plans:
        scale = 100.0 if ind.type == "proportion" else 1.0
        for code, labels in domains:
            rec = {"indicator": ind.id, **labels}
            if column is None:
                rows_out.append({**rec, "stacked_note": problem})
                continue
            sel = rows & (codes == code)
            try:
                if not sel.any():
                    raise DataError("no respondents in the denominator")
                if kind == "ratio":
                    res = _ratio_change(stacked, column, den, sel, post, level, ddf)
                else:
                    res = change_of_means(stacked.subset(sel), column, post, level=level, df=ddf)
            except CampaignMeError as err:
                rows_out.append({**rec, "stacked_note": f"no standard error across the rounds: {err}"})
                continue
            for k in ("estimate", "se", "ci_low", "ci_high"):
                res[k] = res[k] * scale
            rows_out.append({**rec, **res, "stacked_note": ""})
    out = pd.DataFrame(rows_out)
    for c in ("estimate", "se", "ci_low", "ci_high", "df", "p_value"):
        if c not in out.columns:
            out[c] = np.nan
    return out


def compare_rounds(
    baseline,
    endline,
    catalogue=None,
    *,
    codebook=None,
    by: str | Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    level: float | None = None,
    min_n: int | None = None,
    flag_n: int | None = None,
    df_method: str = "satterthwaite",
    df: float | str | None = None,
    rounds: str | None = None,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """Change of each indicator between two survey rounds, with SE, interval and p-value.

    Parameters
    ----------
    baseline, endline : SurveyDesign or DataFrame
        The two rounds as designs, or tables already returned by :func:`compute_indicators` (with
        the same ``by``; independent rounds only).
    catalogue, codebook, by, indicators, level, min_n, flag_n, df
        As :func:`compute_indicators` (``df`` is each round's; with rounds that share clusters, the
        change's: None or ``"degf"`` the regression's residual degrees of freedom, ``"design"`` the
        stacked design's PSUs minus strata minus 1, or a number).
    df_method : {"satterthwaite", "min", "normal"}, default "satterthwaite"
        Degrees of freedom of the change's interval for independent rounds (see
        :func:`campaign_me.contrasts.difference`).
    rounds : {"independent", "same_clusters", "panel"}, optional
        How the rounds relate; default: the codebook's ``rounds`` when a codebook is given, else
        ``"independent"``.
    settings : Reporting, optional
        ``level``, ``min_n``, ``flag_n`` and ``df`` as one value, as :func:`compute_indicators`.

    Returns
    -------
    pandas.DataFrame
        ``indicator, [by...], baseline, endline, change, se, ci_low, ci_high, df, p_value,
        n_baseline, n_endline, suppressed, unit, change_unit, name, stage, direction, note``.
        ``change = endline - baseline`` in the indicator's unit; for proportions (unit ``%``) in
        percentage points (``change_unit`` "pp"), for 0-100 scores in "points", otherwise in the
        indicator's unit. A cell suppressed in either round is suppressed.

    Notes
    -----
    Independent rounds are independent samples, so ``se = sqrt(se_b^2 + se_e^2)``. Rounds that
    revisit the same clusters (``"same_clusters"``) or re-interview the same people (``"panel"``)
    are correlated: the rounds are stacked in one design in which a cluster's two rounds form one
    PSU (each person's, for a panel without clusters), and the SE is that of the round's
    coefficient in ``y ~ round`` on the indicator's denominator, as R's
    ``svyglm(y ~ round, svydesign(id = ~cluster, strata = ~stratum, weights = ~w, data = stacked))``
    (:func:`campaign_me.rounds.combine_rounds`, :func:`campaign_me.evaluation.pre_post`). For a
    panel this links the respondents through their cluster, as R does with the stacked panel: it
    is not the within-person difference, which would drop the people interviewed only once.
    This is a pre-post comparison without a comparison group (Maryland SMS level 1): it cannot
    separate the campaign from anything else that changed; use a difference-in-differences
    (:func:`did_indicators`) for attribution.
    """
    s = _settings(settings, level=level, min_n=min_n, flag_n=flag_n, df=df)
    level, df = s.level, s.df
    by_cols = _by_list(by)
    cb = _scales._codebook(codebook) if codebook is not None else None
    structure = _rounds_arg(rounds, cb)
    cat = as_catalogue(catalogue)
    if indicators is not None:
        cat = cat.select(indicators)

    def table(x):
        if isinstance(x, pd.DataFrame):
            return x
        return compute_indicators(
            x,
            cat,
            codebook=cb,
            by=by_cols or None,
            settings=s,
        )

    if structure != "independent":
        for name, x in (("baseline", baseline), ("endline", endline)):
            if isinstance(x, pd.DataFrame):
                raise DataError(
                    f"{name}: rounds={structure!r} needs the rounds' designs, not tables of estimates: the "
                    "covariance between rounds that share clusters or people is not in the tables"
                )
    tb, te = table(baseline), table(endline)
    keys = ["indicator", *by_cols]
    diff = difference(te, tb, on=keys, level=level, df_method=df_method)
    if structure != "independent":
        if cb is not None:
            cat = cat.describe(cb)
        stacked = _stacked_changes(baseline, endline, cat, cb, by_cols, structure, level, df)
        cols = ["se", "ci_low", "ci_high", "df", "p_value"]
        merged = diff[keys].merge(stacked[keys + cols + ["stacked_note"]], on=keys, how="left")
        for c in cols:
            diff[c] = merged[c].to_numpy()
        stacked_note = merged["stacked_note"].fillna("").to_numpy()
    else:
        stacked_note = np.full(len(diff), "", dtype=object)
    meta = pd.concat([te, tb], ignore_index=True).drop_duplicates(keys)[
        keys + ["unit", "name", "stage", "direction"]
    ]
    out = diff.merge(meta, on=keys, how="left")
    n_b = tb[keys + ["n", "suppressed", "note"]].rename(
        columns={"n": "n_baseline", "suppressed": "sb", "note": "nb"}
    )
    n_e = te[keys + ["n", "suppressed", "note"]].rename(
        columns={"n": "n_endline", "suppressed": "se_", "note": "ne"}
    )
    out = out.merge(n_b, on=keys, how="left").merge(n_e, on=keys, how="left")
    out = out.rename(columns={"estimate_a": "endline", "estimate_b": "baseline", "estimate": "change"})
    sb = out["sb"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    se_ = out["se_"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    out["suppressed"] = sb | se_
    notes = []
    for b, e, nb, ne, sn in zip(sb, se_, out["nb"].fillna(""), out["ne"].fillna(""), stacked_note):
        parts = []
        if b:
            parts.append(f"baseline: {nb or 'not estimated'}")
        if e:
            parts.append(f"endline: {ne or 'not estimated'}")
        if sn and not (b or e):
            parts.append(sn)
        notes.append("; ".join(parts))
    out["note"] = notes
    out.loc[out["suppressed"], ["change", "se", "ci_low", "ci_high", "df", "p_value"]] = np.nan
    few = ~out["suppressed"] & (out["df"] > 0) & (out["df"] < LOW_DF) & (out["note"] == "")
    out.loc[few, "note"] = [low_df_note(x) for x in out.loc[few, "df"]]
    for c in ("n_baseline", "n_endline"):
        out[c] = out[c].fillna(0).astype("int64")
    out["change_unit"] = out["unit"].map(_change_unit)
    # keep the catalogue order
    order = {k: i for i, k in enumerate(dict.fromkeys(te["indicator"].tolist() + tb["indicator"].tolist()))}
    out = out.sort_values("indicator", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return out[["indicator", *by_cols, *COMPARE_COLUMNS[1:]]]


#: Columns of :func:`did_indicators`.
DID_COLUMNS = (
    "indicator",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "p_value",
    "n",
    "suppressed",
    "unit",
    "name",
    "stage",
    "direction",
    "note",
)


def did_indicators(
    baseline,
    endline,
    catalogue=None,
    *,
    codebook=None,
    arm=None,
    rounds: str | None = None,
    indicators: Sequence[str] | None = None,
    level: float | None = None,
    min_n: int | None = None,
    df: float | str | None = None,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """The campaign effect on each indicator: a difference-in-differences of the stacked rounds.

    Parameters
    ----------
    baseline, endline : SurveyDesign
        The two rounds (e.g. ``SurveyDesign.from_codebook(data, codebook)``).
    catalogue, codebook, indicators, level
        As :func:`compute_indicators`.
    arm : str or Arm, optional
        The campaign areas: a 0/1 (or yes/no) column, or a :class:`campaign_me.codebook.Arm`.
        Default: the codebook's ``arm``.
    rounds : {"independent", "same_clusters", "panel"}, optional
        How the rounds relate; default: the codebook's ``rounds``, else ``"independent"``.
    min_n : int, default 25
        An effect is blanked and ``suppressed`` when one of the four round x arm cells has fewer
        unweighted cases in the indicator's denominator.
    df : None, "degf", "design" or float
        Degrees of freedom: by default the regression's residual degrees of freedom (as ``svyglm``).
    settings : Reporting, optional
        ``level``, ``min_n`` and ``df`` as one value (:class:`campaign_me.conventions.Reporting`;
        its ``flag_n`` is not used here); the separate keywords, when given, win.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DID_COLUMNS`: ``estimate`` is (change in campaign areas) - (change in
        comparison areas) in the change's unit (percentage points for a share), ``n`` the smallest
        of the four cells, ``note`` why a row is blank.

    Notes
    -----
    Each indicator's values are stacked with :func:`campaign_me.rounds.combine_rounds` (the
    round structure decides the PSUs, as there) and the effect is the ``arm:round`` coefficient of
    :func:`campaign_me.evaluation.did` on the indicator's denominator: R's
    ``svyglm(y ~ arm * round, design = subset(stacked, denominator))``. Ratio indicators are left
    out (note). The effect is attributable to the campaign only under parallel trends. (The
    effect is computed by :func:`campaign_me.contrasts.change_of_means`, the engine of ``did``.)
    """
    cb = _scales._codebook(codebook) if codebook is not None else None
    structure = _rounds_arg(rounds, cb)
    cat = as_catalogue(catalogue)
    if indicators is not None:
        cat = cat.select(indicators)
    s = _settings(settings, level=level, min_n=min_n, df=df)
    level, min_n, df = s.level, s.min_n, s.df
    if arm is None:
        if cb is None or cb.arm is None:
            raise DataError("arm: name the column of campaign areas, or pass a codebook= that declares arm:")
        arm = cb.arm
    if cb is not None:
        cat = cat.describe(cb)
        for x in (baseline, endline):
            cat.validate(cb, columns=[c for c in x.data.columns if c not in cb])
    post = "__round_post"
    stacked, plans = _stack_values(baseline, endline, cat, cb, structure, post)
    if isinstance(arm, Arm):
        t = arm.mask(stacked.data).to_numpy(dtype=float)
    else:
        t = indicator_values(stacked, arm, "arm")
    stacked = stacked.with_columns(__campaign=t)
    p = stacked.data[post].to_numpy()
    ddf = _df_arg(df, stacked)
    rows = []
    for ind, column, kind, sel, _den, problem in plans:
        rec = {"indicator": ind.id, "unit": _change_unit(ind.unit), "name": ind.name, "stage": ind.stage,
               "direction": ind.direction}
        if column is None:
            rows.append({**rec, "n": 0, "note": problem})
            continue
        if kind == "ratio":
            rows.append({**rec, "n": int(sel.sum()), "note": "a difference-in-differences of a ratio is not computed"})
            continue
        cells = [int(np.count_nonzero(sel & (t == a) & (p == r))) for a in (0, 1) for r in (0, 1)]
        n = min(cells)
        if n < min_n:
            rows.append({**rec, "n": n, "note": f"suppressed: fewer than {min_n} unweighted cases in a round x arm cell"
                         if n > 0 else "no respondents in a round x arm cell"})
            continue
        try:
            r = change_of_means(stacked.subset(sel), column, post, treated="__campaign", level=level, df=ddf)
        except CampaignMeError as err:
            rows.append({**rec, "n": n, "note": f"not estimated: {err}"})
            continue
        scale = 100.0 if ind.type == "proportion" else 1.0
        rows.append({**rec, "estimate": scale * r["estimate"], "se": scale * r["se"], "ci_low": scale * r["ci_low"],
                     "ci_high": scale * r["ci_high"], "df": r["df"], "p_value": r["p_value"], "n": n,
                     "note": low_df_note(r["df"]) if 0 < r["df"] < LOW_DF else ""})
    out = pd.DataFrame(rows)
    for c in DID_COLUMNS:
        if c not in out.columns:
            out[c] = np.nan
    out["suppressed"] = out["estimate"].isna()
    out["n"] = out["n"].fillna(0).astype("int64")
    out["note"] = out["note"].fillna("").astype(object)
    return out[list(DID_COLUMNS)]
