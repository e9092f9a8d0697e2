"""Charts for campaign M&E reports, drawn from tidy tables (never from respondent rows).

Every function takes a tidy table that the Measures layer returns
(:func:`campaign_me.indicators.compute_indicators`, :func:`campaign_me.indicators.compare_rounds`,
the logframe tracking table, :func:`campaign_me.monitoring.delivery`,
:func:`campaign_me.monitoring.funnel`, :func:`campaign_me.monitoring.people_reached` and
:func:`campaign_me.monitoring.cost_per_person_reached`) and returns a
:class:`matplotlib.figure.Figure`. Figures are built without :mod:`matplotlib.pyplot`, so they
are not registered with a GUI backend, need no closing, and render the same under papermill
(seaborn, which draws the weighted histograms into them, imports pyplot, but never registers them).

Conventions shared by every chart:

* **Alt text and caption.** Each figure carries a description of what it shows, for screen
  readers and text-only reports (:func:`alt_text`), and a caption that says what the marks mean
  and what was left out (:func:`caption`). They are stored on the figure as the attributes
  ``campaign_me_alt`` and ``campaign_me_caption``. In a notebook, show a figure with its alt
  text through ``campaign_me.widgets.Figure(fig, alt=plots.alt_text(fig))``; in a report, put
  ``plots.caption(fig)`` under it.
* **Colour.** The Okabe-Ito palette (:data:`PALETTE`), distinguishable with the common forms of
  colour blindness; colour is never the only carrier of meaning (statuses are written out in
  words, lines are labelled directly, planned and delivered differ in fill as well as colour).
* **Honest axes.** A chart of shares or 0-100 scores over time starts its axis at 0 and ends it at
  100, so that a change of one point looks like one point, not a cliff.
* **Print size.** Report charts are at most 6.8 inches wide with text of 9 points or more, so they
  print on A4 at their own size.
* **Small cells.** A row marked ``suppressed`` (or without an estimate) is never drawn: its
  label says "suppressed"; a ``flagged`` row (few cases) is drawn with a hollow marker.
* **Intervals.** Every estimate is drawn with its confidence interval, computed from the survey
  design (:class:`campaign_me.design.SurveyDesign`), never seaborn's own error bars or bootstrap
  intervals, which ignore strata, clusters and weights.
* **One theme.** Every chart is drawn inside :func:`theme` (seaborn's "ticks" style and "paper"
  context, no text under 9 points, the Okabe-Ito palette). It is applied with ``with`` blocks
  around each figure, so a chart never changes the matplotlib settings of the session that
  draws it (no ``seaborn.set_theme()``).
* **Reporting settings.** The functions that say what an interval's level or the small-cell rules
  were take ``settings=`` (:class:`campaign_me.conventions.Reporting`); the separate ``level=``,
  ``min_n=`` and ``flag_n=`` keywords still work and win when given.

:func:`score_chart` is the one chart drawn from respondents rather than from a tidy table: the
weighted distribution of a score (a KAP score 0-100), with the design-based mean and interval.
"""

from __future__ import annotations

import contextlib
import functools
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .conventions import Reporting, check_level, check_whole, reporting
from .deferred import Deferred
from .design import SurveyDesign
from .errors import DataError, require_columns
from .logframe import RAG_COLOURS as _LOGFRAME_RAG
from .logframe import STATUS_WORDS

mpl_figure = Deferred("matplotlib.figure")  # deferred: about 0.4 s; only drawing a chart needs it
sns = Deferred("seaborn")  # deferred: imports matplotlib.pyplot (about 1 s); only drawing a chart needs it

__all__ = [
    "PALETTE",
    "RAG_COLOURS",
    "THEME_STYLE",
    "THEME_CONTEXT",
    "theme",
    "alt_text",
    "caption",
    "indicator_chart",
    "slope_chart",
    "funnel_chart",
    "tracking_chart",
    "delivery_chart",
    "channel_chart",
    "score_chart",
]

#: Okabe & Ito (2008) colour-blind-safe palette, in the order charts use it.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

#: Fill colours of RAG statuses: the logframe tracking table's (light, colour-blind-safe fills), so
#: the HTML table and the chart agree. The status is always written in the cell too.
RAG_COLOURS = dict(_LOGFRAME_RAG)

#: seaborn style of every chart (:func:`theme`): "ticks" without the top and right frame lines.
THEME_STYLE = {"axes.spines.top": False, "axes.spines.right": False}
#: seaborn context of every chart (:func:`theme`): "paper", with no text under 9 points so that
#: charts print on A4 at their own size.
THEME_CONTEXT = {"font.size": 9, "axes.labelsize": 9, "axes.titlesize": 10, "xtick.labelsize": 9,
                 "ytick.labelsize": 9, "legend.fontsize": 9, "legend.title_fontsize": 9}

_LIGHT = "#DDDDDD"
_MAX_ALT_ITEMS = 12
# columns of the tidy tables that are not domain (by) columns
_NOT_DOMAIN = {
    "indicator", "variable", "category", "estimate", "se", "ci_low", "ci_high", "deff", "n", "suppressed", "flagged",
    "df", "unit", "denominator", "name", "level", "stage", "type", "direction", "note", "reason",
}


# --------------------------------------------------------------------------------------------------
# alt text, caption, helpers
# --------------------------------------------------------------------------------------------------
def alt_text(fig) -> str:
    """The alt text of a figure made by this module: what it shows, in words.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"channel": ["radio", "events"], "planned": [40, 4], "delivered": [30, 4]})
    >>> alt_text(delivery_chart(t))[:60]
    'Horizontal bar chart of activities planned and delivered by '
    """
    text = getattr(fig, "campaign_me_alt", None)
    if not text:
        raise DataError("this figure has no alt text: it was not made by campaign_me.plots (set fig.campaign_me_alt)")
    return text


def caption(fig) -> str:
    """The caption of a figure made by this module: what the marks mean and what was left out.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"channel": ["radio"], "planned": [40], "delivered": [30]})
    >>> caption(delivery_chart(t))
    'Planned (light bars) and delivered (dark bars) activities by channel; the label gives delivered / planned.'
    """
    text = getattr(fig, "campaign_me_caption", None)
    if not text:
        raise DataError("this figure has no caption: it was not made by campaign_me.plots")
    return text


@contextlib.contextmanager
def theme() -> Iterator[None]:
    """The look of the report charts, for the figures made inside the ``with`` block.

    seaborn's "ticks" style (:data:`THEME_STYLE`), its "paper" context with no text under 9
    points (:data:`THEME_CONTEXT`) and the Okabe-Ito palette (:data:`PALETTE`). matplotlib's
    settings are restored when the block ends, so nothing changes for the rest of the session
    (unlike ``seaborn.set_theme()``). Every chart of this module is drawn inside it; a chart of
    your own drawn inside it matches them.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> before = mpl.rcParams["axes.spines.top"], mpl.rcParams["ytick.labelsize"]
    >>> with theme():
    ...     mpl.rcParams["axes.spines.top"], mpl.rcParams["ytick.labelsize"]
    (False, 9.0)
    >>> (mpl.rcParams["axes.spines.top"], mpl.rcParams["ytick.labelsize"]) == before
    True
    """
    with (sns.axes_style("ticks", rc=THEME_STYLE), sns.plotting_context("paper", rc=THEME_CONTEXT),
          sns.color_palette(PALETTE)):
        yield


def _themed(chart: Callable[..., Any]) -> Callable[..., Any]:
    """Draw ``chart`` inside :func:`theme`."""

    @functools.wraps(chart)
    def draw(*args: Any, **kwargs: Any) -> Any:
        with theme():
            return chart(*args, **kwargs)

    return draw


def _settings(settings: Reporting | None, level=None, min_n=None, flag_n=None) -> Reporting:
    """``settings`` with the keywords given explicitly; a wrong one is a DataError naming it."""
    if level is not None:
        check_level(level, error=DataError)
    for name, value in (("min_n", min_n), ("flag_n", flag_n)):
        if value is not None:
            check_whole(value, argument=name, minimum=0, error=DataError)
    return reporting(settings, level=level, min_n=min_n, flag_n=flag_n)


def _figure(width: float, height: float, nrows: int = 1, ncols: int = 1, **kw):
    fig = mpl_figure.Figure(figsize=(width, height), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _finish(fig, alt: str, cap: str):
    # the tick labels drawn later (when the figure is shown or saved, after the theme's ``with``
    # block) copy the first tick of each axis: make it now, inside the theme
    for ax in fig.axes:
        ax.xaxis.get_major_ticks()
        ax.yaxis.get_major_ticks()
    fig.campaign_me_alt = alt
    fig.campaign_me_caption = cap
    return fig


def _table(table, required: Sequence[str], argument: str = "table") -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise DataError(f"{argument}: expected a tidy table (pandas DataFrame), got {type(table).__name__}")
    require_columns(table, list(required), argument=argument)
    if table.empty:
        raise DataError(f"{argument}: the table has no rows to draw")
    return table.reset_index(drop=True)


def _hidden(table: pd.DataFrame, value: str = "estimate") -> np.ndarray:
    """Rows not to draw: suppressed, or without an estimate."""
    hide = table[value].isna().to_numpy(dtype=bool, copy=True)
    if "suppressed" in table.columns:
        hide = hide | _bools(table["suppressed"])
    return hide


def _bools(col: pd.Series) -> np.ndarray:
    """A flag column as booleans, missing = False (no fillna downcasting on object columns)."""
    return np.array([bool(v) if pd.notna(v) else False for v in col], dtype=bool)


def _flagged(table: pd.DataFrame) -> np.ndarray:
    if "flagged" not in table.columns:
        return np.zeros(len(table), dtype=bool)
    return _bools(table["flagged"])


def _num(x: float, digits: int = 1) -> str:
    if x is None or not np.isfinite(x):
        return "unbounded" if x is not None and np.isinf(x) else "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def _domain_columns(table: pd.DataFrame, by) -> list[str]:
    if by is None:
        cols = list(table.columns)
        if "indicator" in cols and "estimate" in cols and cols.index("indicator") < cols.index("estimate"):
            # the indicator tables' contract: the by columns sit between indicator and estimate
            return cols[cols.index("indicator") + 1 : cols.index("estimate")]
        return [c for c in cols if c not in _NOT_DOMAIN]
    cols = [by] if isinstance(by, str) else list(by)
    require_columns(table, cols, argument="by")
    return cols


def _labels(table: pd.DataFrame, cols: list[str]) -> list[str]:
    if not cols:
        return ["all"] * len(table)
    return [" · ".join(str(v) for v in row) for row in table[cols].itertuples(index=False, name=None)]


def _unit(table: pd.DataFrame) -> str:
    if "unit" in table.columns:
        units = table["unit"].dropna().astype(str).unique()
        if len(units) == 1:
            return units[0]
    return ""


def _level_text(level: float) -> str:
    return f"{100 * level:g} % confidence intervals"


def _listing(items: list[str]) -> str:
    if len(items) > _MAX_ALT_ITEMS:
        return "; ".join(items[:_MAX_ALT_ITEMS]) + f"; and {len(items) - _MAX_ALT_ITEMS} more"
    return "; ".join(items)


# --------------------------------------------------------------------------------------------------
# indicator estimates with intervals by group
# --------------------------------------------------------------------------------------------------
@_themed
def indicator_chart(
    table: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    level: float | None = None,
    min_n: int | None = None,
    flag_n: int | None = None,
    title: str | None = None,
    ncols: int = 2,
    settings: Reporting | None = None,
):
    """Indicator estimates with their intervals, one panel per indicator, one row per group.

    Parameters
    ----------
    table : pandas.DataFrame
        An indicator table (:func:`campaign_me.indicators.compute_indicators`): ``indicator``,
        the ``by`` columns, ``estimate``, ``ci_low``, ``ci_high`` and optionally ``suppressed``,
        ``flagged``, ``unit``, ``name``.
    by : str or list of str, optional
        The group columns; default every column that is not a statistic.
    indicators : list of str, optional
        Indicator ids to draw, in this order (default: all, in table order).
    level, min_n, flag_n : float, int, int, optional
        What the intervals and the small-cell rules were (said in the caption); default those of
        ``settings``.
    title : str, optional
    ncols : int, default 2
        Panels per row.
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings the table was computed with (default 95 %, 25 and 50);
        ``level=``, ``min_n=`` or ``flag_n=`` given explicitly wins.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"indicator": "risk_aware", "sex": ["female", "male"], "estimate": [52.0, 47.5],
    ...                   "ci_low": [47.0, 42.0], "ci_high": [57.0, 53.0], "suppressed": False, "unit": "%"})
    >>> fig = indicator_chart(t)
    >>> alt_text(fig)
    'Dot-and-interval chart of 1 indicator by sex. risk_aware (%): female 52.0 (47.0 to 57.0); male 47.5 (42.0 to 53.0).'
    """
    s = _settings(settings, level, min_n, flag_n)
    t = _table(table, ["indicator", "estimate", "ci_low", "ci_high"])
    cols = _domain_columns(t, by)
    order = list(dict.fromkeys(t["indicator"])) if indicators is None else list(indicators)
    unknown = [i for i in order if i not in set(t["indicator"])]
    if unknown:
        raise DataError(f"indicators: {unknown} not in the table (it has {sorted(set(t['indicator']))})")
    n_panels = len(order)
    ncols = max(1, min(ncols, n_panels))
    nrows = int(np.ceil(n_panels / ncols))
    groups = max(t.groupby("indicator").size().max(), 1)
    fig, axes = _figure(4.2 * ncols, nrows * (0.9 + 0.32 * groups), nrows, ncols)
    alt_parts, any_hidden, any_flag = [], False, False
    for k, ind in enumerate(order):
        ax = axes[k // ncols][k % ncols]
        sub = t[t["indicator"] == ind].reset_index(drop=True)
        hide, flag = _hidden(sub), _flagged(sub)
        labels = _labels(sub, cols)
        y = np.arange(len(sub))[::-1]
        ticks, words = [], []
        for yi, lab, (_, row), h, f in zip(y, labels, sub.iterrows(), hide, flag):
            if h:
                ticks.append(f"{lab} (suppressed)")
                words.append(f"{lab} suppressed")
                any_hidden = True
                continue
            ticks.append(lab)
            ax.plot([row["ci_low"], row["ci_high"]], [yi, yi], color=PALETTE[0], lw=2, solid_capstyle="butt")
            ax.plot([row["estimate"]], [yi], "o", ms=7, color=PALETTE[0], mfc="white" if f else PALETTE[0])
            any_flag |= bool(f)
            words.append(f"{lab} {_num(row['estimate'])} ({_num(row['ci_low'])} to {_num(row['ci_high'])})"
                         + (" (few cases)" if f else ""))
        ax.set_yticks(y, ticks)
        ax.set_ylim(-0.6, len(sub) - 0.4)
        unit = _unit(sub)
        name = str(sub["name"].iloc[0]) if "name" in sub.columns and pd.notna(sub["name"].iloc[0]) else ind
        ax.set_title(name, fontsize=10, loc="left")
        ax.set_xlabel(unit)
        lows = sub.loc[~hide, "ci_low"].to_numpy(dtype=float)
        if unit == "%" and np.isfinite(lows).any():
            ax.set_xlim(left=min(0.0, float(np.nanmin(lows))))
        ax.grid(axis="x", alpha=0.3)
        alt_parts.append(f"{ind}{f' ({unit})' if unit else ''}: " + "; ".join(words))
    for k in range(n_panels, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    if title:
        fig.suptitle(title)
    by_text = f" by {', '.join(cols)}" if cols else ""
    alt = (f"Dot-and-interval chart of {n_panels} indicator{'s' if n_panels > 1 else ''}{by_text}. "
           + _listing(alt_parts) + ".")
    cap = f"Dots: design-based estimates; lines: {_level_text(s.level)}."
    if any_flag:
        cap += f" Hollow dots: {s.min_n}-{s.flag_n - 1} cases, read with caution."
    if any_hidden:
        cap += f" Suppressed: fewer than {s.min_n} cases, not shown."
    return _finish(fig, alt, cap)


# --------------------------------------------------------------------------------------------------
# baseline-to-endline slopes by arm
# --------------------------------------------------------------------------------------------------
@_themed
def slope_chart(
    table: pd.DataFrame,
    *,
    arm: str = "campaign",
    arm_labels: Mapping | None = None,
    indicators: Sequence[str] | None = None,
    level: float | None = None,
    title: str | None = None,
    ncols: int = 2,
    ylim: tuple[float, float] | None = None,
    settings: Reporting | None = None,
):
    """Baseline-to-endline slopes by arm, each labelled with its change and interval.

    Parameters
    ----------
    table : pandas.DataFrame
        A round comparison (:func:`campaign_me.indicators.compare_rounds` with ``by=arm``):
        ``indicator``, ``arm``, ``baseline``, ``endline``, ``change``, ``ci_low``, ``ci_high``
        (of the change) and optionally ``change_unit`` ("pp" or "points"), ``unit``,
        ``suppressed``, ``name``.
    arm : str, default "campaign"
        The column that tells the arms apart (campaign / comparison districts, treatment /
        control).
    arm_labels : mapping, optional
        Labels of the arm values; default 1/True "campaign", 0/False "comparison".
    ncols : int, default 2
        Panels per row (the figure is 3.4 inches wide and 2.6 tall per panel: two side by side print on
        A4 at full size).
    ylim : (float, float), optional
        The vertical axis of every panel. Default: 0 to 100 for shares (%) and 0-100 scores, so a
        small change is drawn small; otherwise the data's range, widened to at least a fifth of the
        largest value (a change of 0.9 on a value of 44 never fills the panel).
    level : float, optional
        The level of the changes' intervals (said in the caption); default that of ``settings``.
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings the table was computed with; ``level=`` given explicitly wins.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"indicator": "risk_aware", "campaign": [0, 1], "baseline": [40.0, 41.0],
    ...                   "endline": [44.0, 53.0], "change": [4.0, 12.0], "ci_low": [0.5, 8.0],
    ...                   "ci_high": [7.5, 16.0], "change_unit": "pp", "unit": "%"})
    >>> alt_text(slope_chart(t))
    'Slope chart of 1 indicator from baseline to endline by campaign. risk_aware: comparison 40.0 to 44.0, change +4.0 pp (0.5 to 7.5); campaign 41.0 to 53.0, change +12.0 pp (8.0 to 16.0).'
    """
    s = _settings(settings, level)
    t = _table(table, ["indicator", arm, "baseline", "endline", "change", "ci_low", "ci_high"])
    dup = t.duplicated(["indicator", arm], keep=False)
    if dup.any():
        extra = [c for c in _domain_columns(t, None) if c != arm]
        raise DataError(f"table: several rows per indicator and {arm!r} (other domain columns: {extra or 'none'}); "
                        "the slope chart takes one row per indicator and arm: filter the table first")
    labels = {1: "campaign", 0: "comparison"}  # True and False look up as 1 and 0
    if arm_labels is not None:
        labels = dict(arm_labels)
    order = list(dict.fromkeys(t["indicator"])) if indicators is None else list(indicators)
    arms = list(dict.fromkeys(t[arm]))
    arm_palette = (PALETTE[0], PALETTE[3], PALETTE[2], PALETTE[4], PALETTE[7])  # dark enough for text labels
    colours = {a: arm_palette[i % len(arm_palette)] for i, a in enumerate(sorted(arms, key=str))}
    markers = {a: m for a, m in zip(sorted(arms, key=str), "osD^v<>")}
    ncols = max(1, min(int(ncols), len(order)))
    nrows = int(np.ceil(len(order) / ncols))
    fig, axes = _figure(3.4 * ncols, 2.6 * nrows, nrows, ncols)
    alt_parts, any_hidden = [], False
    for k, ind in enumerate(order):
        ax = axes[k // ncols][k % ncols]
        sub = t[t["indicator"] == ind].reset_index(drop=True)
        hide = _hidden(sub, "change") | sub["baseline"].isna().to_numpy() | sub["endline"].isna().to_numpy()
        unit = str(sub["change_unit"].iloc[0]) if "change_unit" in sub.columns else ""
        level_unit = _unit(sub)
        values = sub.loc[~hide, ["baseline", "endline"]].to_numpy(dtype=float).ravel()
        low, high = _slope_limits(values, level_unit, ylim)
        ax.set_ylim(low, high)
        words, pending = [], []
        for (_, row), h in zip(sub.iterrows(), hide):
            name = str(labels.get(row[arm], row[arm]))
            if h:
                words.append(f"{name} suppressed")
                any_hidden = True
                continue
            c, m = colours[row[arm]], markers[row[arm]]
            ax.plot([0, 1], [row["baseline"], row["endline"]], color=c, marker=m, lw=2, ms=7)
            change = f"{row['change']:+.1f} {unit}".strip() + f" ({_num(row['ci_low'])} to {_num(row['ci_high'])})"
            signed_change = _minus(f"{row['change']:+.1f}")
            shown = (f"{name} {signed_change} {unit}".strip()
                     + f"\n({_minus(_num(row['ci_low']))} to {_minus(_num(row['ci_high']))})")
            pending.append((float(row["endline"]), shown, c))
            words.append(f"{name} {_num(row['baseline'])} to {_num(row['endline'])}, change {change}")
        # labels beside the endline points, pushed apart so that they never overlap
        gap = 0.2 * (high - low)  # two 9-point lines on a 2.6-inch panel, with room between them
        ys = _spread([y for y, _, _ in pending], gap, low + gap / 2, high - gap / 2)
        for (y, text, c), y_text in zip(pending, ys):
            ax.annotate(text, (1, y), xytext=(1.1, y_text), textcoords="data", va="center", ha="left", fontsize=9,
                        color=c, arrowprops={"arrowstyle": "-", "color": c, "lw": 0.8} if abs(y_text - y) > 1e-9
                        else None)
        ax.set_xticks([0, 1], ["Baseline", "Endline"])
        ax.set_xlim(-0.15, 2.45)
        ax.tick_params(labelsize=9)
        title_ind = str(sub["name"].iloc[0]) if "name" in sub.columns and pd.notna(sub["name"].iloc[0]) else ind
        ax.set_title(_wrap_title(title_ind), fontsize=10, loc="left")
        ax.set_ylabel(level_unit, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        if hide.any():
            ax.text(0.02, 0.02, "suppressed: " + ", ".join(str(labels.get(a, a)) for a in sub.loc[hide, arm]),
                    transform=ax.transAxes, fontsize=9, color="#555555")
        alt_parts.append(f"{ind}: " + "; ".join(words))
    for k in range(len(order), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    if title:
        fig.suptitle(title)
    alt = (f"Slope chart of {len(order)} indicator{'s' if len(order) > 1 else ''} from baseline to endline by "
           f"{arm}. " + _listing(alt_parts) + ".")
    cap = (f"Lines join each arm's baseline and endline estimates; labels give the change with its "
           f"{_level_text(s.level)[:-1]}, in the indicator's units (pp: percentage points). The difference "
           "between the arms' changes is the difference-in-differences estimate.")
    if any_hidden:
        cap += " Suppressed cells are not shown."
    return _finish(fig, alt, cap)


def _slope_limits(values: np.ndarray, unit: str, ylim) -> tuple[float, float]:
    """Vertical limits of a slope panel: fixed, 0-100 for shares and scores, else a sensible span."""
    if ylim is not None:
        return float(ylim[0]), float(ylim[1])
    values = values[np.isfinite(values)]
    bounded = unit == "%" or unit.startswith("score 0-100")
    if bounded and (not len(values) or (values.min() >= 0 and values.max() <= 100)):
        return 0.0, 100.0
    if not len(values):
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    span = max(hi - lo, 0.2 * max(abs(lo), abs(hi)), 1e-9)
    mid = (lo + hi) / 2
    return mid - 0.6 * span, mid + 0.6 * span


def _spread(ys: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Label positions near ``ys``, at least ``gap`` apart and inside [low, high], in the input order.

    Examples
    --------
    >>> [round(y, 1) for y in _spread([52.0, 53.0], 16.0, 8.0, 92.0)]
    [44.5, 60.5]
    """
    if not ys:
        return []
    order = np.argsort(ys)
    pos = np.clip(np.asarray(ys, dtype=float)[order], low, high)
    for i in range(1, len(pos)):  # push up
        pos[i] = max(pos[i], pos[i - 1] + gap)
    shift = pos[-1] - high  # pull the whole stack back inside, then spread evenly around the data
    if shift > 0:
        pos -= shift
    for i in range(len(pos) - 2, -1, -1):
        pos[i] = min(pos[i], pos[i + 1] - gap)
    centre = float(np.mean(np.asarray(ys, dtype=float)[order])) - float(np.mean(pos))
    pos = pos + np.clip(centre, low - pos.min(), high - pos.max())
    out = np.empty(len(pos))
    out[order] = pos
    return out.tolist()


def _minus(text: str) -> str:
    """A true minus sign in a label (as matplotlib's tick labels have it)."""
    return text.replace("-", "\u2212")


def _wrap_title(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


# --------------------------------------------------------------------------------------------------
# funnel
# --------------------------------------------------------------------------------------------------
@_themed
def funnel_chart(table: pd.DataFrame, *, step: str = "step", level: float | None = None, title: str | None = None,
                 settings: Reporting | None = None):
    """The campaign funnel: each step as a share of the target population, with step conversions.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per step, in funnel order (:func:`campaign_me.monitoring.funnel`): ``step``,
        ``estimate``, ``ci_low``, ``ci_high`` as shares (0-1) of the target population, or as
        percentages when a ``unit`` column reads "%"; optionally ``conversion`` and
        ``suppressed``.
    level : float, optional
        The level of the intervals (said in the caption); default that of ``settings``.
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings the table was computed with; ``level=`` given explicitly wins.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"step": ["exposed", "recalled"], "estimate": [0.5, 0.3], "ci_low": [0.45, 0.26],
    ...                   "ci_high": [0.55, 0.34]})
    >>> alt_text(funnel_chart(t))
    'Funnel of 2 steps as percentages of the target population: exposed 50.0 % (45.0 to 55.0); recalled 30.0 % (26.0 to 34.0), 60 % of the previous step.'
    """
    s = _settings(settings, level)
    t = _table(table, [step, "estimate", "ci_low", "ci_high"])
    scale = 1.0 if _unit(t) == "%" else 100.0
    est, lo, hi = (t[c].to_numpy(dtype=float) * scale for c in ("estimate", "ci_low", "ci_high"))
    hide = _hidden(t)
    if "conversion" in t.columns:
        conv = t["conversion"].to_numpy(dtype=float)
    else:
        prev = est[:-1]
        conv = np.r_[np.nan, np.divide(est[1:], prev, out=np.full(len(prev), np.nan), where=prev > 0)]
    fig, axes = _figure(6.4, 0.8 + 0.5 * len(t))
    ax = axes[0][0]
    y = np.arange(len(t))[::-1]
    words = []
    for i in range(len(t)):
        name = str(t[step].iloc[i])
        if hide[i]:
            words.append(f"{name} suppressed")
            continue
        ax.barh(y[i], est[i], color=PALETTE[0], height=0.6)
        ax.plot([lo[i], hi[i]], [y[i], y[i]], color="black", lw=1.5)
        label = f"{est[i]:.1f} %"
        if i > 0 and np.isfinite(conv[i]):
            label += f"  ({100 * conv[i]:.0f} % of previous)"
        ax.text(max(hi[i], 0) + 1.5, y[i], label, va="center", fontsize=8)
        words.append(f"{name} {est[i]:.1f} % ({lo[i]:.1f} to {hi[i]:.1f})"
                     + (f", {100 * conv[i]:.0f} % of the previous step" if i > 0 and np.isfinite(conv[i]) else ""))
    ax.set_yticks(y, [f"{s} (suppressed)" if h else str(s) for s, h in zip(t[step], hide)])
    ax.set_xlim(0, 118)
    ax.set_xlabel("% of the target population")
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title, loc="left")
    alt = f"Funnel of {len(t)} steps as percentages of the target population: " + _listing(words) + "."
    cap = (f"Bars: share of the whole target population at each step; black lines: {_level_text(s.level)}; "
           "in brackets: the share of the previous step that reached this one.")
    if hide.any():
        cap += " Suppressed steps are not shown."
    return _finish(fig, alt, cap)


# --------------------------------------------------------------------------------------------------
# RAG tracking table
# --------------------------------------------------------------------------------------------------
@_themed
def tracking_chart(
    table: pd.DataFrame,
    *,
    label: str = "indicator",
    baseline: str = "baseline",
    target: str = "target",
    latest: str = "latest",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    progress: str = "progress",
    status: str = "status",
    title: str | None = None,
):
    """The indicator tracking table with RAG status, as a figure (for static reports).

    Parameters
    ----------
    table : pandas.DataFrame
        The logframe tracking table: one row per indicator with baseline, target, latest value
        and its interval, progress toward the target (a share: 0.6 = 60 % of the planned
        change) and a status code ("green", "amber", "red" or "grey"; any case), written in the
        chart in words (:data:`campaign_me.logframe.STATUS_WORDS`: "on track", "part of the way",
        "off track", "cannot judge") on a colour-blind-safe fill.
    label, baseline, target, latest, ci_low, ci_high, progress, status : str
        Column names; the defaults are those of :func:`campaign_me.logframe.tracking_table`, whose
        ``domain`` column (when not "all") is added to the label.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"indicator": ["risk_aware"], "baseline": [40.0], "target": [50.0], "latest": [48.0],
    ...                   "ci_low": [45.0], "ci_high": [51.0], "progress": [0.8], "status": ["amber"]})
    >>> alt_text(tracking_chart(t))
    'Tracking table of 1 indicator: risk_aware: baseline 40.0, target 50.0, latest 48.0 (45.0 to 51.0), 80 % of the planned change, status part of the way.'
    """
    t = _table(table, [label, baseline, target, latest, ci_low, ci_high, status])
    st = t[status].astype("string").str.strip().str.lower().fillna("grey")
    unknown = sorted(set(st) - set(RAG_COLOURS))
    if unknown:
        raise DataError(f"table: column {status!r} has statuses {unknown}; expected {sorted(RAG_COLOURS)}")
    has_progress = progress in t.columns
    header = ["Indicator", "Baseline", "Target", "Latest (interval)"] + (["Progress"] if has_progress else []) + ["Status"]
    words_status = STATUS_WORDS
    cells, words = [], []
    for i, row in t.iterrows():
        hidden = pd.isna(row[latest]) or ("suppressed" in t.columns and bool(row.get("suppressed", False)))
        latest_txt = "suppressed" if hidden else f"{_num(row[latest])} ({_num(row[ci_low])} to {_num(row[ci_high])})"
        prog = row[progress] if has_progress else np.nan
        prog_txt = "n/a" if not np.isfinite(prog) or hidden else f"{100 * prog:.0f} %"
        s = st.iloc[i]
        name = str(row[label])
        if "domain" in t.columns and pd.notna(row["domain"]) and str(row["domain"]) not in ("", "all"):
            name += f" ({row['domain']})"
        cells.append([name, _num(row[baseline]), _num(row[target]), latest_txt]
                     + ([prog_txt] if has_progress else []) + [words_status[s]])
        words.append(f"{name}: baseline {_num(row[baseline])}, target {_num(row[target])}, latest "
                     + ("suppressed" if hidden else f"{_num(row[latest])} ({_num(row[ci_low])} to {_num(row[ci_high])})")
                     + (f", {prog_txt} of the planned change" if has_progress and prog_txt != "n/a" else "")
                     + f", status {words_status[s]}")
    fig, axes = _figure(8.0, 0.25 + 0.3 * (len(t) + 1))
    ax = axes[0][0]
    ax.axis("off")
    tab = ax.table(cellText=cells, colLabels=header, bbox=[0, 0, 1, 1], cellLoc="left", colLoc="left")
    tab.auto_set_font_size(False)
    tab.set_fontsize(9)
    tab.auto_set_column_width(list(range(len(header))))
    for i, s in enumerate(st):
        cell = tab[i + 1, len(header) - 1]
        cell.set_facecolor(RAG_COLOURS[s])
        cell.get_text().set_fontweight("bold")
    for j in range(len(header)):
        tab[0, j].get_text().set_fontweight("bold")
        tab[0, j].set_facecolor(_LIGHT)
    if title:
        ax.set_title(title, loc="left")
    alt = f"Tracking table of {len(t)} indicator{'s' if len(t) > 1 else ''}: " + _listing(words) + "."
    cap = ("Status: on track (at least the planned change), part of the way (at least half of it), off track (less "
           "than half), cannot judge (the interval spans a cut-off); the cut-offs are those of the logframe tracking "
           "table. Latest values with their confidence intervals.")
    return _finish(fig, alt, cap)


# --------------------------------------------------------------------------------------------------
# delivered vs planned, reach and cost by channel
# --------------------------------------------------------------------------------------------------
@_themed
def delivery_chart(table: pd.DataFrame, *, by: str = "channel", title: str | None = None):
    """Activities delivered against plan, one pair of bars per channel (or district, month).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`campaign_me.monitoring.delivery` output: ``by``, ``planned``, ``delivered``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"channel": ["radio", "events"], "planned": [40, 4], "delivered": [30, 4]})
    >>> alt_text(delivery_chart(t))
    'Horizontal bar chart of activities planned and delivered by channel: radio 30 of 40 (75 %); events 4 of 4 (100 %).'
    """
    t = _table(table, [by, "planned", "delivered"])
    planned = t["planned"].to_numpy(dtype=float)
    delivered = t["delivered"].to_numpy(dtype=float)
    fig, axes = _figure(6.4, 0.9 + 0.55 * len(t))
    ax = axes[0][0]
    y = np.arange(len(t))[::-1]
    ax.barh(y + 0.18, planned, height=0.36, color=_LIGHT, edgecolor=PALETTE[0], hatch="//", label="planned")
    ax.barh(y - 0.18, delivered, height=0.36, color=PALETTE[0], label="delivered")
    words = []
    for yi, name, p, d in zip(y, t[by], planned, delivered):
        rate = f"{100 * d / p:.0f} %" if p > 0 else "no plan"
        ax.annotate(rate, (max(p, d), yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        words.append(f"{name} {d:.0f} of {p:.0f} ({rate})")
    ax.set_yticks(y, [str(v) for v in t[by]])
    ax.set_xlim(0, max(planned.max(), delivered.max(), 1.0) * 1.18)
    ax.set_xlabel("activities")
    ax.legend(frameon=False, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title, loc="left")
    alt = f"Horizontal bar chart of activities planned and delivered by {by}: " + _listing(words) + "."
    cap = (f"Planned (light bars) and delivered (dark bars) activities by {by}; the label gives delivered / "
           "planned.")
    return _finish(fig, alt, cap)


@_themed
def channel_chart(
    reached: pd.DataFrame,
    cost: pd.DataFrame | None = None,
    *,
    key: str = "channel",
    level: float | None = None,
    title: str | None = None,
    settings: Reporting | None = None,
):
    """People reached and cost per person reached by channel, each with its interval.

    Parameters
    ----------
    reached : pandas.DataFrame
        :func:`campaign_me.monitoring.people_reached` output keyed by ``key``: ``estimate``,
        ``ci_low``, ``ci_high`` (people reached).
    cost : pandas.DataFrame, optional
        :func:`campaign_me.monitoring.cost_per_person_reached` output keyed the same way; adds a
        second panel. An unbounded upper limit is drawn to the panel's edge and said so.
    key : str, default "channel"
    level : float, optional
        The level of the intervals (said in the caption); default that of ``settings``.
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings the tables were computed with; ``level=`` given explicitly wins.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"channel": ["radio", "events"], "estimate": [20000.0, 900.0],
    ...                   "ci_low": [16000.0, 300.0], "ci_high": [24000.0, 1500.0]})
    >>> alt_text(channel_chart(r))
    'People reached by channel: radio 20,000 (16,000 to 24,000); events 900.0 (300.0 to 1,500).'
    """
    s = _settings(settings, level)
    r = _table(reached, [key, "estimate", "ci_low", "ci_high"], "reached")
    if _hidden(r).all():
        raise DataError("reached: every row is suppressed or missing: there is nothing to draw")
    c = None
    if cost is not None:
        c = _table(cost, [key, "estimate", "ci_low", "ci_high"], "cost")
        missing = sorted(set(r[key]) - set(c[key]), key=str)
        if missing:
            raise DataError(f"cost: no row for {key} {missing} of the reach table")
        c = r[[key]].merge(c, on=key, how="left")
    fig, axes = _figure(9.6 if c is not None else 5.6, 1.0 + 0.5 * len(r), 1, 2 if c is not None else 1,
                        sharey=True)
    y = np.arange(len(r))[::-1]
    words_r, words_c, unbounded = [], [], False

    def panel(ax, t, colour, words, fmt):
        nonlocal unbounded
        hide = _hidden(t)
        values = np.r_[t["ci_high"].to_numpy(dtype=float), t["estimate"].to_numpy(dtype=float)]
        values = values[np.isfinite(values)]
        edge = float(values.max()) * 1.15 if len(values) and values.max() > 0 else 1.0
        for yi, (_, row), h in zip(y, t.iterrows(), hide):
            if h:
                words.append(f"{row[key]} suppressed")
                continue
            hi = row["ci_high"]
            if np.isinf(hi):
                unbounded = True
                ax.annotate("", xy=(edge, yi), xytext=(row["ci_low"], yi),
                            arrowprops={"arrowstyle": "->", "color": colour, "lw": 2})
            else:
                ax.plot([row["ci_low"], hi], [yi, yi], color=colour, lw=2)
            ax.plot([row["estimate"]], [yi], "o", ms=7, color=colour)
            words.append(f"{row[key]} {fmt(row['estimate'])} ({fmt(row['ci_low'])} to "
                         f"{'no upper bound' if np.isinf(hi) else fmt(hi)})")
        ax.set_xlim(0, edge)
        ax.grid(axis="x", alpha=0.3)

    ax = axes[0][0]
    panel(ax, r, PALETTE[0], words_r, _num)
    ax.set_yticks(y, [f"{k} (suppressed)" if h else str(k) for k, h in zip(r[key], _hidden(r))])
    ax.set_xlabel("people reached")
    ax.set_title("People reached", fontsize=10, loc="left")
    if c is not None:
        ax2 = axes[0][1]
        panel(ax2, c, PALETTE[1], words_c, lambda v: _num(v, 2))
        ax2.set_xlabel("cost per person reached")
        ax2.set_title("Cost per person reached", fontsize=10, loc="left")
    if title:
        fig.suptitle(title)
    alt = f"People reached by {key}: " + _listing(words_r) + "."
    if c is not None:
        alt += f" Cost per person reached by {key}: " + _listing(words_c) + "."
    cap = f"Dots: estimates; lines: {_level_text(s.level)} (from the survey's exposure estimate)."
    if unbounded:
        cap += " An arrow: the interval has no upper bound (reach may be zero)."
    if c is not None and "note" in c.columns and c["note"].notna().any():
        cap += " Cost: " + str(c["note"].dropna().iloc[0]) + "."
    return _finish(fig, alt, cap)


# --------------------------------------------------------------------------------------------------
# weighted distribution of a score (KAP scores)
# --------------------------------------------------------------------------------------------------
@_themed
def score_chart(
    design: SurveyDesign,
    score: str,
    *,
    by: str | Sequence[str] | None = None,
    bins: int | Sequence[float] = 10,
    binrange: tuple[float, float] | None = None,
    label: str | None = None,
    level: float | None = None,
    min_n: int | None = None,
    flag_n: int | None = None,
    settings: Reporting | None = None,
    title: str | None = None,
    ncols: int = 2,
):
    """The weighted distribution of a score (a KAP score 0-100), with its design-based mean.

    One panel per group: bars give the weighted percentage of respondents in each score range
    (:func:`seaborn.histplot` with the survey weights, so each respondent counts for the people
    they represent); a dot and a line above them give the design-based mean and its confidence
    interval (:meth:`campaign_me.design.SurveyDesign.mean`: strata, clusters and weights; never
    seaborn's own intervals). Respondents without a score are left out; a group with fewer than
    ``min_n`` respondents with a score is not drawn, one with fewer than ``flag_n`` has a hollow
    dot.

    Parameters
    ----------
    design : campaign_me.design.SurveyDesign
        The survey design; its data hold ``score`` (and the ``by`` columns), its weights weight
        the bars. A subset design draws its domain only.
    score : str
        The numeric score column, e.g. from :func:`campaign_me.scales.knowledge_score`.
    by : str or list of str, optional
        Group columns: one panel per group, in the order of the design's estimates.
    bins : int or list of float, default 10
        The number of equal score ranges, or their edges (increasing).
    binrange : (float, float), optional
        The range the bins span; default 0 to 100 when every score lies there (a 0-100 score),
        otherwise the scores' range. Every score must lie inside it.
    label : str, optional
        The score's name on the axis (default ``score``).
    level, min_n, flag_n : float, int, int, optional
        Confidence level of the mean's interval and the small-cell rules; default those of
        ``settings`` (95 %, 25, 50).
    settings : campaign_me.conventions.Reporting, optional
        Reporting settings (``level``, ``min_n``, ``flag_n``, ``df``); keywords given explicitly win.
    title : str, optional
    ncols : int, default 2
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        If ``design`` is not a SurveyDesign, ``score`` is not numeric, a score lies outside the
        bins, or no respondent has a score.

    Examples
    --------
    >>> import pandas as pd
    >>> from campaign_me.design import SurveyDesign
    >>> d = SurveyDesign(pd.DataFrame({"k": [20.0, 40.0, 60.0, 80.0] * 15, "w": [1.0, 1.0, 2.0, 4.0] * 15}), weights="w")
    >>> fig = score_chart(d, "k", bins=4)
    >>> alt_text(fig)
    'Histogram of k (weighted percentage of respondents in each range). all: mean 62.5 (57.0 to 68.0), 60 respondents; 0 to 25: 12.5 %; 25 to 50: 12.5 %; 50 to 75: 25.0 %; 75 to 100: 50.0 %.'
    """
    if not isinstance(design, SurveyDesign):
        raise DataError(f"design: expected a campaign_me.SurveyDesign (its weights weight the bars), got "
                        f"{type(design).__name__}")
    s = _settings(settings, level, min_n, flag_n)
    data = design.data
    require_columns(data, [score], argument="score")
    cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    require_columns(data, cols, argument="by")
    if not (pd.api.types.is_numeric_dtype(data[score]) and not pd.api.types.is_bool_dtype(data[score])):
        raise DataError(f"score: column {score!r} is not numeric (dtype {data[score].dtype}); give a score column")
    values = data[score].to_numpy(dtype=float, na_value=np.nan)
    weights = design.weights.to_numpy(dtype=float)
    used = np.isfinite(values) & (weights > 0)
    if not used.any():
        raise DataError(f"score: no respondent (of the design's domain) has a value of {score!r}")
    edges = _bin_edges(values[used], bins, binrange)
    outside = used & ((values < edges[0]) | (values > edges[-1]))
    if outside.any():
        raise DataError(f"binrange: {int(outside.sum())} values of {score!r} lie outside {edges[0]:g} to "
                        f"{edges[-1]:g} (from {np.nanmin(values[used]):g} to {np.nanmax(values[used]):g}): widen it")
    means = design.mean(score, by=cols or None, na_rm=True, level=s.level, df=s.df).reset_index(drop=True)
    panels = len(means)
    ncols = max(1, min(int(ncols), panels))
    nrows = int(np.ceil(panels / ncols))
    fig, axes = _figure(3.4 * ncols, 2.4 * nrows, nrows, ncols, sharex=True, sharey=True)
    name = label or score
    words, any_hidden, any_flag, top = [], False, False, 0.0
    drawn = []
    for k, row in means.iterrows():
        ax = axes[k // ncols][k % ncols]
        mask = used.copy()
        for c in cols:
            mask &= (data[c] == row[c]).to_numpy(dtype=bool, na_value=False)
        group = " · ".join(str(row[c]) for c in cols) if cols else "all"
        n = int(row["n"])
        ax.set_title(group, fontsize=10, loc="left")
        if n < s.min_n or not np.isfinite(row["estimate"]):
            ax.text(0.5, 0.5, f"suppressed: fewer than {s.min_n}\nrespondents with a score", ha="center", va="center",
                    transform=ax.transAxes, fontsize=9, color="#555555")
            words.append(f"{group}: suppressed ({n} respondents)")
            any_hidden = True
            continue
        flag = n < s.flag_n
        any_flag |= flag
        rows = pd.DataFrame({"score": values[mask], "weight": weights[mask]})
        # bins as a list: seaborn 0.13 compares `bins == "auto"` when weights are given
        sns.histplot(data=rows, x="score", weights="weight", bins=[float(e) for e in edges], stat="percent",
                     ax=ax, color=PALETTE[0], alpha=0.75, edgecolor="white", linewidth=0.8)
        shares = np.array([p.get_height() for p in ax.patches], dtype=float)
        top = max(top, float(shares.max()) if len(shares) else 0.0)
        drawn.append((ax, row, flag))
        peak = int(np.argmax(shares))
        listing = "; ".join(f"{edges[i]:g} to {edges[i + 1]:g}: {shares[i]:.1f} %" for i in range(len(shares)))
        words.append(f"{group}: mean {_num(row['estimate'])} ({_num(row['ci_low'])} to {_num(row['ci_high'])}), "
                     f"{n} respondents" + (" (few cases)" if flag else "")
                     + (f"; {listing}" if len(shares) <= _MAX_ALT_ITEMS else
                        f"; most common {edges[peak]:g} to {edges[peak + 1]:g} ({shares[peak]:.1f} %)"))
    # the mean and its interval above the bars, on every drawn panel at the same height
    y = top * 1.12 if top > 0 else 1.0
    for ax, row, flag in drawn:
        ax.plot([row["ci_low"], row["ci_high"]], [y, y], color=PALETTE[3], lw=2, solid_capstyle="butt")
        ax.plot([row["estimate"]], [y], "o", ms=7, color=PALETTE[3], mfc="white" if flag else PALETTE[3])
    for k in range(panels):
        ax = axes[k // ncols][k % ncols]
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylim(0, y * 1.1)
        ax.set_xlabel(name)
        ax.set_ylabel("% of respondents" if k % ncols == 0 else "")
        ax.grid(axis="y", alpha=0.3)
    for k in range(panels, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    if title:
        fig.suptitle(title)
    by_text = f" by {', '.join(cols)}" if cols else ""
    alt = (f"Histogram of {name}{by_text} (weighted percentage of respondents in each range). "
           + _listing(words) + ".")
    cap = (f"Bars: percentage of respondents in each range of {name}, weighted by the survey weights; dot and "
           f"line: the design-based mean with its {_level_text(s.level)[:-1]}.")
    if any_flag:
        cap += f" Hollow dot: {s.min_n}-{s.flag_n - 1} respondents, read with caution."
    if any_hidden:
        cap += f" Suppressed: fewer than {s.min_n} respondents with a score, not shown."
    return _finish(fig, alt, cap)


def _bin_edges(values: np.ndarray, bins, binrange) -> np.ndarray:
    """Edges of the histogram's bins: ``bins`` equal ranges over ``binrange`` (0-100 for a 0-100 score)."""
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        count = check_whole(bins, argument="bins", minimum=1, error=DataError)
        if binrange is None:
            low, high = float(values.min()), float(values.max())
            if low >= 0 and high <= 100:
                low, high = 0.0, 100.0
            elif low == high:
                low, high = low - 0.5, high + 0.5
        else:
            try:
                low, high = (float(v) for v in binrange)
            except (TypeError, ValueError):
                raise DataError(f"binrange={binrange!r} must be two numbers (low, high)") from None
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                raise DataError(f"binrange={binrange!r} must be two finite numbers, low before high")
        return np.linspace(low, high, count + 1)
    try:
        edges = np.asarray(bins, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"bins={bins!r} must be a number of bins or a list of increasing edges") from None
    if edges.ndim != 1 or len(edges) < 2 or not np.isfinite(edges).all() or (np.diff(edges) <= 0).any():
        raise DataError(f"bins={bins!r} must be a number of bins or a list of at least two increasing edges")
    if binrange is not None:
        raise DataError("give bins as edges or binrange, not both")
    return edges
