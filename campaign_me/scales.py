"""KAP scales: knowledge, Likert attitude and practice scores, a composite index and reliability.

Every score reads its item metadata from a :class:`campaign_me.Codebook` (the ``scale``, ``correct``,
``reverse``, ``points``, ``codes`` and ``missing`` fields), returns one value per respondent on a
0-100 scale (missing where the respondent cannot be scored) and never modifies the data. Add the
scores to a survey design with :func:`score_design` so they get design-based intervals like any
other variable.

Scoring rules (each a named parameter where it is a convention):

* **Knowledge** ``K = 100 x correct / answered``: an answer is correct when it is one of the item's
  ``correct`` codes; "don't know" and wrong answers are both incorrect; a declared missing code (read
  as missing by :func:`campaign_me.load_survey`) is not answered. Respondents who answered fewer
  than ``min_share`` of the items are not scored.
* **Likert** (``points`` = k): negatively worded items (``reverse: true``) are reversed,
  ``x' = k + 1 - x``, rescaled ``s = 100 (x' - 1)/(k - 1)`` and averaged over the answered items;
  respondents who answered fewer than ``min_share`` (default 80 %) of the items are not scored.
* **Practice** ``P = 100 x done / applicable``, where a practice applies to a respondent when the
  item was asked (not missing); missing when none applies.
* **Threshold** ("named at least X of the N warning signs", Winrock International's Indikit
  pattern): the number of options of a ``select_multiple`` question selected, never counting its
  "none" options, compared with ``at_least``.
* **KAP composite** ``w_K K + w_A A + w_P P`` with weights summing to 1 (equal by default), and an
  optional labelled band (the "below 60: needs intervention" reading of the UN-REDD KAP
  handbook, ch. 4, offered only on request).

References: Vandamme (2009), *Concepts and challenges in the use of knowledge-attitude-practice
surveys*, for the KAP framework (the scoring rules above are campaign_me's conventions); Winrock International, Indikit, *Knowledge of human trafficking risks*; Cronbach (1951),
Psychometrika 16(3):297-334.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .codebook import Codebook
from .conventions import Reporting, check_level, check_number, check_whole, did_you_mean, reporting
from .deferred import Deferred
from .errors import ColumnError, DataError, describe_rows, describe_values

pg = Deferred("pingouin")  # deferred: pingouin imports statsmodels and more (seconds); only reliability needs it

__all__ = [
    "ScaleError",
    "knowledge_score",
    "likert_score",
    "practice_score",
    "count_selected",
    "at_least",
    "kap_index",
    "kap_band",
    "reliability",
    "score_design",
    "RELIABILITY_COLUMNS",
]

#: Columns of :func:`reliability`.
RELIABILITY_COLUMNS = (
    "scale",
    "item",
    "n",
    "difficulty",
    "item_total_r",
    "alpha_if_deleted",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "flag",
)


class ScaleError(DataError):
    """A scale cannot be scored: no items, an item outside its codes or points, missing metadata."""


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def _codebook(codebook) -> Codebook:
    """A codebook or its path (:meth:`Codebook.coerce`); anything else is a :class:`ScaleError`."""
    return Codebook.coerce(codebook, error=ScaleError)


def _items(codebook: Codebook, scale: str, items: Sequence[str] | None) -> list[str]:
    if items is not None:
        names = [items] if isinstance(items, str) else list(items)
        if not names:
            raise ScaleError(f"scale {scale!r}: items=[] gives nothing to score")
        for n in names:
            codebook[n]  # raises CodebookError with a suggestion
        return names
    names = codebook.items(scale)  # raises CodebookError for an unknown scale
    if not names:
        raise ScaleError(f"scale {scale!r} has no items in the codebook")
    return names


def _column(data: pd.DataFrame, name: str, scale: str) -> pd.Series:
    if name not in data.columns:
        hint = did_you_mean(name, data.columns)
        raise ColumnError(f"scale {scale!r}: item {name!r} is not a column of the data{hint}")
    return data[name]


def _rows(index: pd.Index, positions) -> str:
    """Rows for a message: by the index when it is named (``load_survey`` numbers rows by file
    line), else by 0-based position."""
    positions = list(positions)
    if index.name is not None:
        labels = [index[p] for p in positions]
        shown = ", ".join(str(x) for x in labels[:10])
        more = f" (and {len(labels) - 10} more)" if len(labels) > 10 else ""
        return f"{index.name} {shown}{more}"
    return describe_rows(positions)


def _as_float(col: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(col):
        return (
            col.astype("float64").to_numpy(na_value=np.nan) if hasattr(col, "to_numpy") else col.astype(float)
        )
    conv = pd.to_numeric(col, errors="coerce")
    bad = conv.isna() & col.notna()
    if bad.any():
        pos = np.flatnonzero(bad.to_numpy())
        raise ScaleError(
            f"item {name!r} is not numeric: {_rows(col.index, pos)} hold {describe_values(col.iloc[pos].tolist())}"
        )
    return conv.astype("float64").to_numpy(na_value=np.nan)


def _matches(col: pd.Series, codes: Sequence[object]) -> np.ndarray:
    """True where the value is one of ``codes`` (numbers compared numerically), NaN where missing."""
    miss = col.isna().to_numpy()
    if pd.api.types.is_bool_dtype(col) or all(isinstance(c, bool) for c in codes):
        vals = col.astype("boolean").astype("float64").to_numpy(na_value=np.nan)
        hit = np.isin(vals, [float(bool(c)) for c in codes])
    elif pd.api.types.is_numeric_dtype(col) and all(isinstance(c, (int, float)) for c in codes):
        vals = col.astype("float64").to_numpy(na_value=np.nan)
        hit = np.isin(vals, np.array(codes, dtype=float))
    else:
        hit = col.astype("string").isin([str(c) for c in codes]).fillna(False).to_numpy(dtype=bool)
    out = hit.astype(float)
    out[miss] = np.nan
    return out


def _check_share(min_share: float) -> None:
    try:
        share = check_number(min_share, argument="min_share", error=ScaleError)
    except ScaleError:
        share = None
    if share is None or not 0 < share <= 1:
        raise ScaleError(
            f"min_share={min_share!r}: give the share of items a respondent must answer, in (0, 1]"
        )


def _average(matrix: np.ndarray, min_share: float, index: pd.Index, name: str) -> pd.Series:
    answered = (~np.isnan(matrix)).sum(axis=1)
    k = matrix.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(matrix, axis=1) / answered
    ok = (answered >= np.ceil(min_share * k - 1e-9)) & (answered > 0)
    return pd.Series(np.where(ok, mean, np.nan), index=index, name=name, dtype="float64")


# --------------------------------------------------------------------------------------------------
# item scoring
# --------------------------------------------------------------------------------------------------
def _knowledge_matrix(data, cb, names, scale) -> np.ndarray:
    cols = []
    for n in names:
        var = cb[n]
        if not var.correct:
            raise ScaleError(
                f"scale {scale!r}: item {n!r} has no 'correct' code in the codebook, so it cannot be scored"
            )
        if var.type == "select_multiple":
            raise ScaleError(
                f"scale {scale!r}: item {n!r} is select_multiple; score it with count_selected()/at_least()"
            )
        col = _column(data, n, scale)
        if var.codes and var.type == "categorical":
            _check_codes(col, var, scale)
        cols.append(_matches(col, var.correct))
    return np.column_stack(cols)


def _check_codes(col: pd.Series, var, scale: str) -> None:
    valid = list(var.codes)
    present = col.dropna()
    if not len(present):
        return
    if all(isinstance(c, int) for c in valid) and pd.api.types.is_numeric_dtype(present):
        bad = ~present.astype("float64").isin([float(c) for c in valid])
    else:
        bad = ~present.astype("string").isin([str(c) for c in valid])
    if bad.any():
        pos = np.flatnonzero(col.index.isin(present.index[bad.to_numpy()]))
        raise ScaleError(
            f"scale {scale!r}: item {var.name!r} has values outside its codes {describe_values(valid)} in "
            f"{_rows(col.index, pos)}: {describe_values(present[bad.to_numpy()].tolist())}"
        )


def knowledge_score(
    data: pd.DataFrame,
    codebook,
    scale: str = "knowledge",
    *,
    items: Sequence[str] | None = None,
    min_share: float = 0.8,
) -> pd.Series:
    """Knowledge score 0-100: share of the scale's items answered correctly.

    Parameters
    ----------
    data : pandas.DataFrame
        Survey data as returned by :func:`campaign_me.load_survey` (missing codes already missing).
    codebook : Codebook or path
        Supplies the items of ``scale`` and their ``correct`` codes.
    scale : str, default "knowledge"
        Codebook scale whose items are scored.
    items : list of str, optional
        Score these items instead of every item of the scale.
    min_share : float, default 0.8
        Share of the items a respondent must have answered ("don't know" counts as an answer,
        scored incorrect; a declared missing code does not) to get a score.

    Returns
    -------
    pandas.Series
        ``100 x correct / answered`` per respondent (float, missing when not scored).

    Examples
    --------
    >>> import pandas as pd
    >>> cb = Codebook.from_dict({"dataset": "x", "variables": {
    ...     "k1": {"type": "categorical", "codes": {1: "True", 2: "False", 8: "DK"}, "scale": "knowledge", "correct": 1},
    ...     "k2": {"type": "categorical", "codes": {1: "True", 2: "False", 8: "DK"}, "scale": "knowledge", "correct": 2}}})
    >>> knowledge_score(pd.DataFrame({"k1": [1, 1, 8], "k2": [2, 1, 8]}), cb).tolist()
    [100.0, 50.0, 0.0]
    """
    cb = _codebook(codebook)
    _check_share(min_share)
    names = _items(cb, scale, items)
    return (
        _average(_knowledge_matrix(data, cb, names, scale), min_share, data.index, f"{scale}_score") * 100.0
    )


def likert_score(
    data: pd.DataFrame,
    codebook,
    scale: str = "attitude",
    *,
    items: Sequence[str] | None = None,
    min_share: float = 0.8,
) -> pd.Series:
    """Likert scale score 0-100: reversed where ``reverse``, rescaled with ``points``, averaged.

    Parameters
    ----------
    data : pandas.DataFrame
        Survey data (codes 1..k).
    codebook : Codebook or path
        Supplies the items of ``scale``, their ``points`` (k) and ``reverse`` flags.
    scale : str, default "attitude"
    items : list of str, optional
        Score these items instead of every item of the scale.
    min_share : float, default 0.8
        Minimum share of the items answered for a score (the 80 % rule is a convention; e.g. 4 of 5
        items); respondents below it are missing.

    Returns
    -------
    pandas.Series
        Mean of ``100 (x' - 1)/(k - 1)`` over the answered items, ``x' = k + 1 - x`` for reversed
        items.

    Raises
    ------
    ScaleError
        If an item has no ``points`` or holds a value outside 1..k (naming item, rows and values).

    Examples
    --------
    >>> import pandas as pd
    >>> cb = Codebook.from_dict({"dataset": "x", "variables": {
    ...     "a1": {"type": "categorical", "points": 5, "scale": "attitude"},
    ...     "a2": {"type": "categorical", "points": 5, "scale": "attitude", "reverse": True}}})
    >>> likert_score(pd.DataFrame({"a1": [5, 3], "a2": [1, 3]}), cb).tolist()
    [100.0, 50.0]
    """
    cb = _codebook(codebook)
    _check_share(min_share)
    names = _items(cb, scale, items)
    cols = []
    for n in names:
        var = cb[n]
        if not var.points or var.points < 2:
            raise ScaleError(
                f"scale {scale!r}: item {n!r} has no 'points' (number of Likert points) in the codebook"
            )
        k = int(var.points)
        x = _as_float(_column(data, n, scale), n)
        bad = ~np.isnan(x) & ~np.isin(x, np.arange(1, k + 1, dtype=float))
        if bad.any():
            pos = np.flatnonzero(bad)
            raise ScaleError(
                f"scale {scale!r}: item {n!r} has values outside its {k} points (1..{k}) in {_rows(data.index, pos)}: "
                f"{describe_values([int(v) if float(v).is_integer() else v for v in x[pos]])}; declare other codes as 'missing' in the codebook"
            )
        if var.reverse:
            x = (k + 1) - x
        cols.append(100.0 * (x - 1) / (k - 1))
    return _average(np.column_stack(cols), min_share, data.index, f"{scale}_score")


def practice_score(
    data: pd.DataFrame,
    codebook,
    scale: str = "practice",
    *,
    items: Sequence[str] | None = None,
) -> pd.Series:
    """Practice score 0-100: share of the applicable practices the respondent did.

    A practice applies to a respondent when its item was asked (is not missing); the item is
    "done" when its value is one of the item's ``correct`` codes (``true`` for yes/no items).
    Respondents to whom no practice applies are missing.

    Examples
    --------
    >>> import pandas as pd
    >>> cb = Codebook.from_dict({"dataset": "x", "variables": {
    ...     "p1": {"type": "boolean", "scale": "practice", "correct": True},
    ...     "p2": {"type": "boolean", "scale": "practice", "correct": True}}})
    >>> d = pd.DataFrame({"p1": [True, True, None], "p2": [False, None, None]}, dtype="boolean")
    >>> practice_score(d, cb).tolist()
    [50.0, 100.0, nan]
    """
    cb = _codebook(codebook)
    names = _items(cb, scale, items)
    cols = []
    for n in names:
        var = cb[n]
        codes = var.correct or ((True,) if var.type == "boolean" else ())
        if not codes:
            raise ScaleError(f"scale {scale!r}: item {n!r} has no 'correct' code saying what counts as done")
        cols.append(_matches(_column(data, n, scale), codes))
    return _average(np.column_stack(cols), 1e-12, data.index, f"{scale}_score") * 100.0


def _options(codebook: Codebook, variable: str, none_options: Sequence[str]) -> tuple[list[str], list[str]]:
    var = codebook[variable]
    if var.type != "select_multiple":
        raise ScaleError(
            f"{variable!r} is {var.type}, not select_multiple: only the options of a select_multiple count"
        )
    nones = {str(o).lower() for o in none_options}
    opts = [str(c) for c in var.codes if str(c).lower() not in nones]
    every = [str(c) for c in var.codes]
    if not opts:
        raise ScaleError(f"select_multiple {variable!r} has no options besides {sorted(nones)}")
    return opts, every


def count_selected(
    data: pd.DataFrame,
    codebook,
    variable: str,
    *,
    none_options: Sequence[str] = ("none",),
    sep: str = "/",
) -> pd.Series:
    """Number of options of a select_multiple question selected, never counting "none" options.

    Reads the 0/1 columns ``variable/option``. Missing when every option column is missing (the
    question was not asked).

    Examples
    --------
    >>> import pandas as pd
    >>> cb = Codebook.from_dict({"dataset": "x", "variables": {
    ...     "signs": {"type": "select_multiple", "codes": {"a": "A", "b": "B", "none": "None"}}}})
    >>> d = pd.DataFrame({"signs/a": [1, 0], "signs/b": [1, 0], "signs/none": [0, 1]})
    >>> count_selected(d, cb, "signs").tolist()
    [2.0, 0.0]
    """
    cb = _codebook(codebook)
    opts, every = _options(cb, variable, none_options)
    mat = np.column_stack(
        [_as_float(_column(data, f"{variable}{sep}{o}", variable), f"{variable}{sep}{o}") for o in opts]
    )
    present = [f"{variable}{sep}{o}" for o in every if f"{variable}{sep}{o}" in data.columns]
    asked = data[present].notna().any(axis=1).to_numpy()
    bad = ~np.isnan(mat) & ~np.isin(mat, [0.0, 1.0])
    if bad.any():
        r, c = np.nonzero(bad)
        raise ScaleError(
            f"select_multiple {variable!r}: option column {variable}{sep}{opts[c[0]]!s} must be 0/1; "
            f"{_rows(data.index, r)} hold {describe_values(mat[r, c].tolist())}"
        )
    n = np.nansum(mat, axis=1)
    return pd.Series(np.where(asked, n, np.nan), index=data.index, name=f"{variable}_count", dtype="float64")


def at_least(
    data: pd.DataFrame,
    codebook,
    variable: str,
    threshold: int,
    *,
    none_options: Sequence[str] = ("none",),
    sep: str = "/",
) -> pd.Series:
    """1.0 where at least ``threshold`` options of a select_multiple were selected, else 0.0.

    The Indikit threshold pattern ("named at least X of the N warning signs"); X is the
    project's choice and should be pre-registered. Missing where the question was not asked.

    Examples
    --------
    >>> import pandas as pd
    >>> cb = Codebook.from_dict({"dataset": "x", "variables": {
    ...     "signs": {"type": "select_multiple", "codes": {"a": "A", "b": "B", "none": "None"}}}})
    >>> d = pd.DataFrame({"signs/a": [1, 1], "signs/b": [1, 0], "signs/none": [0, 0]})
    >>> at_least(d, cb, "signs", 2).tolist()
    [1.0, 0.0]
    """
    try:
        check_whole(threshold, argument="threshold", minimum=1, error=ScaleError)
    except ScaleError as exc:
        raise ScaleError(f"{exc}: give a whole number of options >= 1") from None
    n = count_selected(data, codebook, variable, none_options=none_options, sep=sep)
    return pd.Series(
        np.where(n.isna(), np.nan, (n >= threshold).astype(float)),
        index=data.index,
        name=f"{variable}_{threshold}plus",
        dtype="float64",
    )


# --------------------------------------------------------------------------------------------------
# composite
# --------------------------------------------------------------------------------------------------
def kap_index(
    components: Mapping[str, pd.Series],
    weights: Mapping[str, float] | None = None,
    *,
    missing: str = "drop",
) -> pd.Series:
    """KAP composite ``sum_j w_j S_j`` of 0-100 component scores (equal weights by default).

    Parameters
    ----------
    components : mapping of name to Series
        E.g. ``{"knowledge": K, "attitude": A, "practice": P}``, aligned on the same index.
    weights : mapping of name to float, optional
        Non-negative weights, one per component, summing to 1. Default: equal weights (no
        published source gives item or component weights; set them explicitly when you have them).
    missing : {"drop", "reweight"}, default "drop"
        ``"drop"``: the index is missing when any component is; ``"reweight"``: use the available
        components with their weights rescaled to sum to 1 (e.g. no practice applies).

    Examples
    --------
    >>> import pandas as pd
    >>> k, a, p = pd.Series([62.5]), pd.Series([75.0]), pd.Series([50.0])
    >>> float(kap_index({"K": k, "A": a, "P": p}).iloc[0])
    62.5
    >>> float(kap_index({"K": k, "A": a, "P": p}, {"K": 0.3, "A": 0.3, "P": 0.4}).iloc[0])
    61.25
    """
    if not components:
        raise ScaleError("kap_index: give at least one component score")
    names = list(components)
    if weights is None:
        weights = {n: 1.0 / len(names) for n in names}
    unknown = sorted(set(weights) ^ set(names))
    if unknown:
        raise ScaleError(
            f"kap_index: weights and components must name the same scores; mismatched: {unknown}"
        )
    w = np.array([float(weights[n]) for n in names])
    if (w < 0).any() or not np.isclose(w.sum(), 1.0, atol=1e-9):
        raise ScaleError(
            f"kap_index: weights must be >= 0 and sum to 1; got {dict(zip(names, w.tolist()))} (sum {w.sum():g})"
        )
    if missing not in ("drop", "reweight"):
        raise ScaleError(f"missing={missing!r}: choose 'drop' or 'reweight'")
    index = components[names[0]].index
    for n in names[1:]:
        if not components[n].index.equals(index):
            raise ScaleError(f"kap_index: component {n!r} is not aligned with {names[0]!r} (different index)")
    mat = np.column_stack(
        [pd.to_numeric(components[n]).astype("float64").to_numpy(na_value=np.nan) for n in names]
    )
    avail = ~np.isnan(mat)
    if missing == "drop":
        out = np.where(avail.all(axis=1), np.nan_to_num(mat) @ w, np.nan)
    else:
        wsum = avail @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(wsum > 0, (np.nan_to_num(mat) @ w) / wsum, np.nan)
    return pd.Series(out, index=index, name="kap_index", dtype="float64")


def kap_band(
    score: pd.Series,
    *,
    cutoff: float = 60.0,
    labels: tuple[str, str] = ("needs intervention (below 60)", "60 or above"),
) -> pd.Series:
    """Optional labelled band of a 0-100 KAP index: below ``cutoff`` vs at or above it.

    The "below 60: some intervention is needed" reading comes from UN-REDD's KAP handbook on its
    2022 forest-crime survey (ch. 4); it is a convention, offered only on request. Change
    ``labels`` with ``cutoff``.

    Examples
    --------
    >>> import pandas as pd
    >>> kap_band(pd.Series([45.0, 60.0, None])).tolist()
    ['needs intervention (below 60)', '60 or above', nan]
    """
    s = pd.to_numeric(score).astype("float64")
    out = pd.Series(np.where(s < cutoff, labels[0], labels[1]), index=s.index, dtype=object)
    out[s.isna()] = np.nan
    return out.rename("kap_band")


# --------------------------------------------------------------------------------------------------
# reliability
# --------------------------------------------------------------------------------------------------
def _item_matrix(data: pd.DataFrame, cb: Codebook, scale: str, names: list[str]) -> pd.DataFrame:
    kinds = {cb[n].points is not None for n in names}
    if len(kinds) > 1:
        raise ScaleError(f"scale {scale!r} mixes Likert items (points) with right/wrong items")
    if kinds == {True}:
        cols = {n: likert_score(data, cb, scale, items=[n], min_share=1.0) for n in names}
    else:
        mat = _knowledge_matrix(data, cb, names, scale)
        cols = {n: mat[:, j] for j, n in enumerate(names)}
    return pd.DataFrame(cols, index=data.index).astype("float64")


def reliability(
    data: pd.DataFrame,
    codebook,
    scale: str,
    *,
    items: Sequence[str] | None = None,
    level: float | None = None,
    min_item_total: float = 0.3,
    difficulty_range: tuple[float, float] = (0.05, 0.95),
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """Reliability table of a scale: Cronbach's alpha with its interval and per-item statistics.

    Parameters
    ----------
    data : pandas.DataFrame
    codebook : Codebook or path
    scale : str
        A Likert scale (items with ``points``; reversed items reversed first) or a right/wrong
        scale (items with ``correct``; scored 0/1).
    items : list of str, optional
    level : float, default 0.95
        Confidence level of alpha's interval (pingouin's F-distribution interval); default
        ``settings.level``.
    min_item_total : float, default 0.3
        Items with a corrected item-total correlation below it are flagged.
    difficulty_range : (float, float), default (0.05, 0.95)
        Right/wrong items answered correctly by a share outside it are flagged (too hard or too
        easy to tell respondents apart).
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (its ``level``); ``level=`` given explicitly wins.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``scale, item, n, difficulty, item_total_r, alpha_if_deleted, alpha,
        alpha_ci_low, alpha_ci_high, flag``. ``difficulty`` is the share correct (right/wrong items)
        or the mean 0-1 rescaled answer (Likert); ``item_total_r`` the correlation of the item with
        the sum of the other items; ``alpha`` and its interval are the scale's (repeated on each
        row). Unweighted, on respondents who answered every item (listwise), as reliability is a
        property of the instrument in the sample.

    Notes
    -----
    ``alpha = k/(k-1) (1 - sum var_i / var_total)`` (Cronbach 1951), computed by
    :func:`pingouin.cronbach_alpha`. Alpha rises with the number of items and does not show that a
    scale measures one thing; knowledge scales are formative, so read item difficulty instead.
    """
    level = check_level(reporting(settings).level if level is None else level, error=ScaleError)
    cb = _codebook(codebook)
    names = _items(cb, scale, items)
    if len(names) < 2:
        raise ScaleError(f"scale {scale!r}: reliability needs at least 2 items, it has {names}")
    mat = _item_matrix(data, cb, scale, names).dropna()
    if len(mat) < 3:
        raise ScaleError(f"scale {scale!r}: fewer than 3 respondents answered every item ({len(mat)})")
    likert = cb[names[0]].points is not None
    if likert:
        mat = mat / 100.0
    alpha, ci = pg.cronbach_alpha(data=mat, ci=level)
    total = mat.sum(axis=1)
    rows = []
    for n in names:
        rest = total - mat[n]
        sd = mat[n].std()
        r = float(np.corrcoef(mat[n], rest)[0, 1]) if sd > 0 and rest.std() > 0 else np.nan
        if len(names) > 2:
            a_del = float(pg.cronbach_alpha(data=mat.drop(columns=n), ci=level)[0])
        else:
            a_del = np.nan
        diff = float(mat[n].mean())
        flags = []
        if not np.isnan(r) and r < min_item_total:
            flags.append(f"item-total r < {min_item_total:g}")
        if np.isnan(r):
            flags.append("no variation")
        if not likert and not difficulty_range[0] <= diff <= difficulty_range[1]:
            flags.append("too easy" if diff > difficulty_range[1] else "too hard")
        if not np.isnan(a_del) and a_del > alpha:
            flags.append("alpha rises without it")
        rows.append(
            {
                "scale": scale,
                "item": n,
                "n": int(len(mat)),
                "difficulty": diff,
                "item_total_r": r,
                "alpha_if_deleted": a_del,
                "alpha": float(alpha),
                "alpha_ci_low": float(ci[0]),
                "alpha_ci_high": float(ci[1]),
                "flag": "; ".join(flags),
            }
        )
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


# --------------------------------------------------------------------------------------------------
# scores into a design
# --------------------------------------------------------------------------------------------------
def with_columns(design, columns: Mapping[str, pd.Series]):
    """A design on the same respondents with extra (derived) columns.

    Uses ``SurveyDesign.with_columns`` when the core provides it; otherwise builds the same
    design (weights, strata, PSUs, domain and calibration kept) on ``data.assign(**columns)``.
    """
    if hasattr(design, "with_columns"):
        return design.with_columns(**columns)
    data = design.data
    for name, col in columns.items():
        if isinstance(col, pd.Series) and not col.index.equals(data.index):
            raise DataError(f"column {name!r}: its index does not match the design's data")
    return design._derive(_data=data.assign(**columns))


def score_design(
    design,
    codebook,
    *,
    knowledge: str | None = "knowledge",
    attitude: str | None = "attitude",
    practice: str | None = "practice",
    min_share: float = 0.8,
    kap_weights: Mapping[str, float] | None = None,
    kap_missing: str = "reweight",
    prefix: str = "",
):
    """Add KAP scores to a survey design as columns, so each gets a design-based interval.

    Adds ``knowledge_score``, ``attitude_score``, ``practice_score`` (for each scale given and
    present in the codebook) and ``kap_index`` (their composite, see :func:`kap_index`;
    ``kap_missing="reweight"`` by default because practices apply to few respondents).

    Examples
    --------
    >>> import campaign_me as cm
    >>> cb = cm.Codebook.from_yaml("data/samples/codebook.yaml")
    >>> data = cm.load_survey("data/samples/belmora/survey_baseline.csv", cb)
    >>> d = score_design(cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu"), cb)
    >>> d.mean(["knowledge_score", "kap_index"], na_rm=True)[["variable", "estimate", "ci_low", "ci_high"]].round(1)
              variable  estimate  ci_low  ci_high
    0  knowledge_score      44.0    41.6     46.4
    1        kap_index      48.4    46.7     50.0
    """
    cb = _codebook(codebook)
    data = design.data
    cols: dict[str, pd.Series] = {}
    known = set(cb.scales())
    if knowledge and knowledge in known:
        cols[f"{prefix}knowledge_score"] = knowledge_score(data, cb, knowledge, min_share=min_share)
    if attitude and attitude in known:
        cols[f"{prefix}attitude_score"] = likert_score(data, cb, attitude, min_share=min_share)
    if practice and practice in known:
        cols[f"{prefix}practice_score"] = practice_score(data, cb, practice)
    if not cols:
        raise ScaleError(
            f"score_design: none of the scales {knowledge!r}, {attitude!r}, {practice!r} is in the codebook"
        )
    weights = None
    if kap_weights is not None:
        weights = {
            f"{prefix}{k}_score" if not k.endswith("_score") else f"{prefix}{k}": v
            for k, v in kap_weights.items()
        }
    cols[f"{prefix}kap_index"] = kap_index(cols, weights, missing=kap_missing)
    return with_columns(design, cols)
