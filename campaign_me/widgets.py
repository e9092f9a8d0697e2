"""Interactive calculators for the workbook, each with a static fallback.

Four calculators, each computing through :mod:`campaign_me.power` or
:class:`campaign_me.SurveyDesign` (nothing is computed here that those do not compute), and a menu:

* :class:`SampleSize`: interviews needed to estimate a proportion to a margin of error;
* :class:`MDE`: the minimum detectable difference for a given sample;
* :class:`ClusterPower`: power of a cluster-randomised comparison against the number of
  clusters, for several intra-cluster correlations (ICC) and cluster sizes;
* :class:`IndicatorExplorer`: indicator x disaggregation x round from a tidy table of estimates
  (see :func:`indicator_estimates`);
* :class:`Menu`: one of several prepared tables (and figures), picked from a menu.

What a calculator displays is its table written for a reader (:meth:`shown_table`: labelled
columns, thousands separators); ``.table`` keeps the numbers, for code.

Displaying a calculator (the last expression of a cell) always shows a **table and a figure**
(a menu: its entry's table, with its figure and line of text when given) as ordinary outputs, so an executed notebook (papermill, nbval) and its HTML rendering keep
them: widget state does not survive those (papermill #400). In a live JupyterLab session the
calculator also shows sliders above them, and moving a slider redraws the same table and figure
in place. "Live" means the kernel was started by a Jupyter server (``JPY_SESSION_NAME`` is set);
force either mode with ``interactive=True/False`` or the environment variable
``CAMPAIGN_ME_WIDGETS=static`` (or ``live``).

Figures are shown through :class:`Figure`, which carries alt text into the notebook and its
HTML rendering.
"""

from __future__ import annotations

import base64
import html
import io
import os
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import power as _power
from .catalogue import as_catalogue
from .conventions import Reporting, reporting
from .deferred import Deferred
from .errors import CampaignMeError, DataError
from .indicators import compute_indicators
from .workbook import shipped_catalogue

IPython = Deferred("IPython")  # deferred: only a notebook's kernel has a shell to display in
ipython_display = Deferred("IPython.display")  # deferred: only notebooks display widgets
ipywidgets = Deferred("ipywidgets")  # deferred: only live calculators build controls
mpl_figure = Deferred("matplotlib.figure")  # deferred: matplotlib only when a figure is drawn
plt = Deferred("matplotlib.pyplot")  # deferred: pyplot (and its backend) only to close a pyplot figure

__all__ = [
    "Figure",
    "SampleSize",
    "MDE",
    "ClusterPower",
    "IndicatorExplorer",
    "Menu",
    "indicator_estimates",
    "fit_text",
    "interval_figure",
    "is_live",
    "new_figure",
    "results_chain_figure",
]

_ENV = "CAMPAIGN_ME_WIDGETS"


def is_live() -> bool:
    """Whether calculators should show live widgets (see the module docstring)."""
    mode = os.environ.get(_ENV, "").strip().lower()
    if mode in ("static", "live"):
        return mode == "live"
    try:
        shell = IPython.get_ipython()
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return False
    return shell is not None and hasattr(shell, "kernel") and "JPY_SESSION_NAME" in os.environ


# ---------------------------------------------------------------------------
# figures with alt text
# ---------------------------------------------------------------------------


def new_figure(width: float = 6.4, height: float = 3.6):
    """A matplotlib Figure and Axes not registered with pyplot (so it is shown only once)."""
    fig = mpl_figure.Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def fit_text(text: str, width_inches: float, *, fontsize: float = 10.0) -> str:
    """Wrap ``text`` at word boundaries so that it fits ``width_inches`` at ``fontsize`` points.

    Titles and labels are never cut off at the figure's edge, nor broken inside a word.

    >>> print(fit_text("Aroland endline, campaign districts: the campaign funnel", 3.0))
    Aroland endline, campaign
    districts: the campaign funnel
    """
    chars = max(12, int(width_inches * 72 / (0.6 * fontsize)))
    return "\n".join(textwrap.fill(line, chars, break_long_words=False, break_on_hyphens=False)
                     for line in str(text).splitlines() or [""])


def _title(fig, ax, title: str, *, fontsize: float = 11.0) -> None:
    """A title centred over the whole figure, wrapped to its width (an axes title may be cut off)."""
    if title:
        fig.suptitle(fit_text(title, fig.get_figwidth() * 0.95, fontsize=fontsize), fontsize=fontsize)


class Figure:
    """A matplotlib figure rendered once to PNG, displayed with alt text.

    In JupyterLab and in nbconvert HTML the figure is an ``<img>`` with an ``alt`` attribute;
    the plain-text form (what a screen reader or a text diff sees) is the alt text itself.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        What the figure shows, in one or two sentences (required, non-empty).

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> f = Figure(fig, alt="A rising line.")
    >>> repr(f)
    '[figure: A rising line.]'
    >>> f.png[:4]
    b'\\x89PNG'
    """

    def __init__(self, fig, alt: str) -> None:
        if not isinstance(alt, str) or not alt.strip():
            raise CampaignMeError("alt: every figure needs alt text describing what it shows")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        self.png = buf.getvalue()
        self.alt = alt.strip()
        self.figure = fig
        try:  # a pyplot figure would otherwise be shown a second time by the inline backend
            # only pyplot's figures have a manager: new_figure's need no pyplot (nor its import)
            if getattr(fig.canvas, "manager", None) is not None and fig in map(plt.figure, plt.get_fignums()):
                plt.close(fig)
        except Exception:  # pragma: no cover - pyplot unavailable
            pass

    def __repr__(self) -> str:
        return f"[figure: {self.alt}]"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        b64 = base64.b64encode(self.png).decode("ascii")
        alt = html.escape(self.alt, quote=True)
        return {
            "text/html": f'<img src="data:image/png;base64,{b64}" alt="{alt}" title="{alt}"/>',
            "image/png": b64,
            "text/plain": repr(self),
        }


def interval_figure(
    table: pd.DataFrame,
    *,
    xlabel: str,
    alt: str,
    title: str = "",
    reference: float | None = None,
    reference_label: str = "",
    xlim: tuple[float | None, float | None] | None = None,
) -> Figure:
    """Estimates with confidence intervals as a dot-and-whisker chart, one row per table row.

    Parameters
    ----------
    table : DataFrame
        Index = row labels; columns ``estimate``, ``ci_low``, ``ci_high`` (a tidy estimate table
        after ``set_index``). Rows with a missing estimate (suppressed) are labelled, not drawn.
    xlabel, alt, title : str
        Axis label, alt text (required) and title.
    reference : float, optional
        A vertical reference line (e.g. the planted truth, or zero).
    xlim : (low, high), optional
        Axis limits, e.g. ``(0, None)`` so that shares are drawn from zero.

    Long titles and labels are wrapped at word boundaries to fit the figure (:func:`fit_text`).

    Examples
    --------
    >>> t = pd.DataFrame({"estimate": [10.0, 12.0], "ci_low": [8.0, 7.0], "ci_high": [12.0, 17.0]},
    ...                  index=["weighted", "design-based"])
    >>> interval_figure(t, xlabel="%", alt="Two intervals around 10 and 12.")
    [figure: Two intervals around 10 and 12.]
    """
    missing = [c for c in ("estimate", "ci_low", "ci_high") if c not in table.columns]
    if missing:
        raise DataError(f"table: columns {missing} missing (need estimate, ci_low, ci_high)")
    wrapped = [fit_text(str(label), 2.2, fontsize=10) for label in table.index]
    lines = sum(w.count("\n") + 1 for w in wrapped)
    fig, ax = new_figure(6.4, 0.9 + 0.3 * max(lines, len(table)) + 0.2 * len(table) + (0.3 if title else 0))
    y = np.arange(len(table))[::-1]
    labels = []
    for yi, label, (_, row) in zip(y, wrapped, table.iterrows()):
        if pd.isna(row["estimate"]):
            labels.append(f"{label} (suppressed)")
            continue
        labels.append(label)
        ax.plot([row["ci_low"], row["ci_high"]], [yi, yi], color="#0072B2", lw=2)
        ax.plot([row["estimate"]], [yi], "o", color="#0072B2")
    if reference is not None:
        ax.axvline(reference, color="#D55E00", ls="--", lw=1.5, label=reference_label or None)
        if reference_label:
            ax.legend(frameon=False, loc="best")
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.6, len(table) - 0.4)
    ax.set_xlabel(fit_text(xlabel, 4.2))
    if xlim is not None:
        ax.set_xlim(*xlim)
    _title(fig, ax, title)
    ax.grid(axis="x", alpha=0.3)
    return Figure(fig, alt)


def results_chain_figure(steps: Sequence[str], *, alt: str, title: str = "",
                         assumptions: Sequence[str] | None = None, per_row: int | None = None) -> Figure:
    """A results chain (theory of change) drawn as boxes joined by arrows, left to right.

    A long chain is laid out in rows (of at most four boxes by default) read left to right, top
    to bottom, so that the figure keeps a readable size on a laptop screen and on paper.

    Parameters
    ----------
    steps : sequence of str
        The links of the chain, e.g. ``["exposure", "recall", "knowledge", "intention"]``.
    alt : str
        Alt text (required).
    assumptions : sequence of str, optional
        One assumption per arrow (``len(steps) - 1``), written under it.
    per_row : int, optional
        Boxes per row (default: all of them up to five, else four).

    Examples
    --------
    >>> results_chain_figure(["exposed", "understood", "intends"], alt="A three-step chain.")
    [figure: A three-step chain.]
    """
    steps = [str(s) for s in steps]
    if len(steps) < 2:
        raise DataError("steps: a results chain needs at least two steps")
    if assumptions is not None and len(assumptions) != len(steps) - 1:
        raise DataError(f"assumptions: give one per arrow ({len(steps) - 1}), got {len(assumptions)}")
    n = len(steps)
    per_row = int(per_row) if per_row else (n if n <= 5 else 4)
    rows = -(-n // per_row)
    row_h = 1.9 if assumptions else 1.3
    bottom, top = -row_h * (rows - 1) - (0.85 if assumptions else 0.5), 0.6
    fig, ax = new_figure(2.0 * per_row + 0.2, 0.9 * (top - bottom) + (0.4 if title else 0.1))
    ax.set_axis_off()
    ax.set_xlim(0, per_row)
    ax.set_ylim(bottom, top)
    box = {"boxstyle": "round,pad=0.4", "fc": "#E8F1FA", "ec": "#0072B2"}

    def place(i):
        return i % per_row + 0.5, -row_h * (i // per_row)

    for i, step in enumerate(steps):
        x, y = place(i)
        ax.text(x, y, textwrap.fill(step, 14), ha="center", va="center", fontsize=11, bbox=box)
        if not i:
            continue
        (x0, y0), note = place(i - 1), (textwrap.fill(str(assumptions[i - 1]), 18) if assumptions else "")
        if y0 == y:  # same row: a straight arrow between the boxes, the assumption under it
            ax.annotate("", xy=(x - 0.42, y), xytext=(x0 + 0.42, y),
                        arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 1.5})
            nx, ny = (x + x0) / 2, y - 0.55
        else:  # next row: down from the row's last box, back left, down into the next row's first box
            mid = (y + y0) / 2 + (0.15 if assumptions else 0.0)
            ax.plot([x0, x0, x], [y0 - 0.32, mid, mid], color="#333333", lw=1.5)
            ax.annotate("", xy=(x, y + 0.32), xytext=(x, mid),
                        arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 1.5, "shrinkA": 0})
            nx, ny = (x + x0) / 2, mid - 0.22
        if note:
            ax.text(nx, ny, note, ha="center", va="center", fontsize=9, style="italic", color="#444444")
    _title(fig, ax, title, fontsize=12)
    return Figure(fig, alt)


# ---------------------------------------------------------------------------
# the calculator machinery
# ---------------------------------------------------------------------------


class _Calculator:
    """Base class: ``controls`` maps a parameter to a slider/dropdown spec; ``compute`` does the work.

    Spec: ``("float", min, max, step)``, ``("int", min, max, step)`` or ``("choice", options)``.
    """

    controls: dict[str, tuple] = {}
    title = ""

    def __init__(self, *, interactive: bool | None = None, **values: Any) -> None:
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise CampaignMeError(
                f"{type(self).__name__}: unknown parameter(s) {', '.join(unknown)}; "
                f"it takes {', '.join(self.controls)}"
            )
        self.values = {**self.defaults(), **values}
        self.interactive = interactive
        self.table, self.figure = self.compute(**self.values)
        self._handles: tuple = ()
        self.widgets: dict[str, Any] = {}

    def defaults(self) -> dict[str, Any]:  # pragma: no cover - overridden
        return {}

    def compute(self, **values: Any) -> tuple[pd.DataFrame, Figure | None]:  # pragma: no cover - overridden
        raise NotImplementedError

    # -- live update -------------------------------------------------------------
    def update(self, **values: Any) -> None:
        """Recompute with new values and redraw the displayed table and figure in place."""
        new = {**self.values, **values}
        try:
            table, figure = self.compute(**new)
        except CampaignMeError as exc:  # an impossible combination: say so where the table was
            message = _Message(str(exc))
            for handle in self._handles:
                handle.update(message)
            return
        self.values, self.table, self.figure = new, table, figure
        for handle, shown in zip(self._handles, self.outputs()):
            handle.update(shown)

    def outputs(self) -> list:
        """What is displayed, in order: the table as shown, then the figure (when there is one)."""
        return [self.shown_table()] + ([self.figure] if self.figure is not None else [])

    def shown_table(self) -> pd.DataFrame:
        """The table as displayed: written for a reader (overridden by calculators; ``.table`` keeps the numbers)."""
        return self.table

    def build_widgets(self) -> Any:
        """The control panel (an ``ipywidgets.VBox``), wired to :meth:`update`."""
        w = ipywidgets
        style = {"description_width": "initial"}
        layout = w.Layout(width="420px")
        for name, spec in self.controls.items():
            value = self.values[name]
            label = self.labels.get(name, name)
            if spec[0] == "float":
                widget = w.FloatSlider(value=float(value), min=spec[1], max=spec[2], step=spec[3],
                                       description=label, style=style, layout=layout, continuous_update=False,
                                       readout_format=".3g")
            elif spec[0] == "int":
                widget = w.IntSlider(value=int(value), min=spec[1], max=spec[2], step=spec[3],
                                     description=label, style=style, layout=layout, continuous_update=False)
            else:
                widget = w.Dropdown(options=list(spec[1]), value=value, description=label, style=style)

            def changed(change, name=name):
                self.update(**{name: change["new"]})

            widget.observe(changed, names="value")
            self.widgets[name] = widget
        return w.VBox([w.HTML(f"<b>{html.escape(self.title)}</b>"), *self.widgets.values()])

    labels: dict[str, str] = {}

    def _ipython_display_(self) -> None:
        display = ipython_display.display
        live = is_live() if self.interactive is None else bool(self.interactive)
        if live:
            display(self.build_widgets())
        self._handles = tuple(display(shown, display_id=True) for shown in self.outputs())


class _Note:
    """A line of Markdown shown above a table (text/markdown in a notebook, the text itself as plain text)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


class _Message:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f'<p style="color:#a00">{html.escape(self.text)}</p>'


def _thousands(table: pd.DataFrame, digits: int = 0) -> pd.DataFrame:
    """Every cell as text with thousands separators (1542 -> "1,542")."""
    return table.map(lambda v: f"{v:,.{digits}f}")


def _grid(values: Sequence[float], extra: float) -> list[float]:
    return sorted({round(float(v), 6) for v in (*values, extra)})


# ---------------------------------------------------------------------------
# calculators
# ---------------------------------------------------------------------------


class SampleSize(_Calculator):
    """Interviews needed to estimate a proportion to a margin of error (:func:`~campaign_me.power.sample_size_proportion`).

    The table crosses margins of error with design effects (the chosen values included); the
    figure draws the same numbers as lines, the chosen combination marked.

    Examples
    --------
    >>> calc = SampleSize(p=0.5, margin=0.05, deff=1.5, response_rate=0.9, interactive=False)
    >>> calc.answer
    641
    >>> int(calc.table.loc[0.05, "deff 1.5"])
    641
    """

    title = "Sample size for a proportion"
    controls = {
        "p": ("float", 0.05, 0.95, 0.05),
        "margin": ("float", 0.01, 0.15, 0.01),
        "deff": ("float", 1.0, 4.0, 0.1),
        "response_rate": ("float", 0.5, 1.0, 0.05),
        "level": ("choice", (0.9, 0.95, 0.99)),
    }
    labels = {"p": "expected proportion", "margin": "margin of error (±)", "deff": "design effect",
              "response_rate": "response rate", "level": "confidence level"}

    def defaults(self) -> dict[str, Any]:
        return {"p": 0.5, "margin": 0.05, "deff": 1.5, "response_rate": 0.9, "level": 0.95}

    def compute(self, *, p, margin, deff, response_rate, level):
        margins = _grid((0.03, 0.04, 0.05, 0.06, 0.08, 0.10), margin)
        deffs = _grid((1.0, 1.5, 2.0, 3.0), deff)
        cells = {
            f"deff {d:g}": [
                _power.sample_size_proportion(p, m, level=level, deff=d, response_rate=response_rate) for m in margins
            ]
            for d in deffs
        }
        table = pd.DataFrame(cells, index=pd.Index(margins, name="margin"))
        self.answer = int(table.loc[round(float(margin), 6), f"deff {deff:g}"])
        fig, ax = new_figure()
        for d in deffs:
            ax.plot(np.array(margins) * 100, table[f"deff {d:g}"], marker="o", ms=3, label=f"design effect {d:g}")
        ax.plot([margin * 100], [self.answer], "k*", ms=12, label=f"chosen: {self.answer:,} interviews")
        ax.set(xlabel="margin of error (± percentage points)", ylabel="interviews needed",
               title=f"p = {p:g}, {level:.0%} confidence, response rate {response_rate:.0%}")
        ax.legend(frameon=False)
        alt = (f"Interviews needed against the margin of error, one line per design effect; "
               f"{self.answer:,} interviews give ±{margin * 100:g} points at design effect {deff:g}.")
        return table, Figure(fig, alt)

    def shown_table(self) -> pd.DataFrame:
        """Interviews to try, rows "±5 points", columns "design effect 1.5", thousands separated.

        >>> SampleSize(deff=1.5, interactive=False).shown_table().loc["±5 points", "design effect 1.5"]
        '641'
        """
        t = _thousands(self.table)
        t.index = pd.Index([f"±{100 * m:g} points" for m in self.table.index], name="margin of error")
        t.columns = pd.Index([c.replace("deff", "design effect") for c in self.table.columns],
                             name="interviews to try")
        return t


class MDE(_Calculator):
    """Minimum detectable difference between two groups (:func:`~campaign_me.power.mde_proportion`).

    Rows are sample sizes per group, columns design effects; values in percentage points.

    Examples
    --------
    >>> calc = MDE(n=400, p=0.5, deff=1.0, power=0.8, interactive=False)
    >>> calc.answer  # docs/methodology.md §5.4: 9.9 points with 400 per arm
    9.9
    """

    title = "Minimum detectable effect"
    controls = {
        "n": ("int", 50, 3000, 50),
        "p": ("float", 0.05, 0.95, 0.05),
        "deff": ("float", 1.0, 4.0, 0.1),
        "power": ("choice", (0.7, 0.8, 0.9)),
        "alpha": ("choice", (0.01, 0.05, 0.1)),
    }
    labels = {"n": "interviews per group", "p": "proportion", "deff": "design effect", "power": "power",
              "alpha": "significance level"}

    def defaults(self) -> dict[str, Any]:
        return {"n": 400, "p": 0.5, "deff": 1.5, "power": 0.8, "alpha": 0.05}

    def compute(self, *, n, p, deff, power, alpha):
        ns = sorted({100, 200, 400, 800, 1600, int(n)})
        deffs = _grid((1.0, 1.5, 2.0, 3.0), deff)
        cells = {
            f"deff {d:g}": [round(100 * _power.mde_proportion(k, p=p, deff=d, power=power, alpha=alpha), 1)
                            for k in ns]
            for d in deffs
        }
        table = pd.DataFrame(cells, index=pd.Index(ns, name="n per group"))
        self.answer = float(table.loc[int(n), f"deff {deff:g}"])
        fig, ax = new_figure()
        grid = np.linspace(50, max(3000, n), 60)
        for d in deffs:
            ax.plot(grid, [100 * _power.mde_proportion(k, p=p, deff=d, power=power, alpha=alpha) for k in grid],
                    label=f"design effect {d:g}")
        ax.plot([n], [self.answer], "k*", ms=12, label=f"chosen: {self.answer:g} points")
        ax.set(xlabel="interviews per group", ylabel="minimum detectable difference (points)",
               title=f"p = {p:g}, power {power:.0%}, alpha {alpha:g}", ylim=(0, None))
        ax.legend(frameon=False)
        alt = (f"Minimum detectable difference falling with the sample size, one line per design effect; "
               f"with {n} per group and design effect {deff:g} it is {self.answer:g} percentage points.")
        return table, Figure(fig, alt)

    def shown_table(self) -> pd.DataFrame:
        """Minimum detectable differences in points, rows "400 per group", columns "design effect 1.5".

        >>> MDE(n=400, deff=1.0, interactive=False).shown_table().loc["400 per group", "design effect 1"]
        '9.9'
        """
        t = _thousands(self.table, 1)
        t.index = pd.Index([f"{n:,} per group" for n in self.table.index], name="interviews")
        t.columns = pd.Index([c.replace("deff", "design effect") for c in self.table.columns],
                             name="smallest difference detected (points)")
        return t


class ClusterPower(_Calculator):
    """Power of a cluster-randomised comparison of two proportions against clusters per arm.

    Power at ``c`` clusters of ``m`` interviews per arm is
    :func:`~campaign_me.power.power_two_proportions` with ``n = c m`` and the design effect
    ``1 + (m - 1) ICC`` (:func:`~campaign_me.power.design_effect`). The table gives the clusters per
    arm needed for the chosen power (:func:`~campaign_me.power.clusters_per_arm`) for several ICCs
    and cluster sizes.

    Examples
    --------
    >>> calc = ClusterPower(p1=0.3, p2=0.4, cluster_size=20, icc=0.05, interactive=False)
    >>> calc.answer  # docs/methodology.md §5.6: 35 clusters per arm
    35
    >>> int(calc.table.loc[0.05, "m = 20"])
    35
    """

    title = "Power of a cluster-randomised trial"
    controls = {
        "p1": ("float", 0.05, 0.95, 0.01),
        "p2": ("float", 0.05, 0.95, 0.01),
        "cluster_size": ("int", 2, 60, 1),
        "icc": ("float", 0.0, 0.3, 0.01),
        "power": ("choice", (0.7, 0.8, 0.9)),
        "alpha": ("choice", (0.01, 0.05, 0.1)),
    }
    labels = {"p1": "control proportion", "p2": "treatment proportion", "cluster_size": "interviews per cluster",
              "icc": "intra-cluster correlation", "power": "target power", "alpha": "significance level"}

    def defaults(self) -> dict[str, Any]:
        return {"p1": 0.3, "p2": 0.4, "cluster_size": 20, "icc": 0.05, "power": 0.8, "alpha": 0.05}

    def compute(self, *, p1, p2, cluster_size, icc, power, alpha):
        if abs(p1 - p2) < 1e-9:
            raise CampaignMeError("p1 and p2 are equal: there is no difference to detect; move one slider")
        iccs = _grid((0.0, 0.02, 0.05, 0.1, 0.2), icc)
        sizes = sorted({5, 10, 20, 40, int(cluster_size)})
        table = pd.DataFrame(
            {f"m = {m}": [_power.clusters_per_arm(p1, p2, m, icc=r, power=power, alpha=alpha) for r in iccs]
             for m in sizes},
            index=pd.Index(iccs, name="ICC"),
        )
        self.answer = int(table.loc[round(float(icc), 6), f"m = {int(cluster_size)}"])
        upper = int(max(20, min(400, 1.5 * table[f"m = {int(cluster_size)}"].max())))
        clusters = np.arange(2, upper + 1)
        fig, ax = new_figure()
        m = int(cluster_size)
        for r in iccs:
            deff = _power.design_effect(r, m)
            ax.plot(clusters, [_power.power_two_proportions(p1, p2, c * m, deff=deff, alpha=alpha) for c in clusters],
                    label=f"ICC {r:g}")
        ax.axhline(power, color="grey", ls=":", lw=1)
        ax.plot([self.answer], [power], "k*", ms=12, label=f"chosen ICC: {self.answer} clusters")
        ax.set(xlabel="clusters per arm", ylabel="power", ylim=(0, 1),
               title=f"{p1:g} vs {p2:g}, {m} interviews per cluster, alpha {alpha:g}")
        ax.legend(frameon=False, fontsize="small")
        alt = (f"Power rising with the number of clusters per arm, one line per ICC; at ICC {icc:g} and {m} "
               f"interviews per cluster, {self.answer} clusters per arm reach {power:.0%} power.")
        return table, Figure(fig, alt)

    def shown_table(self) -> pd.DataFrame:
        """Clusters per arm, rows "ICC 0.05", columns "20 per cluster".

        >>> ClusterPower(interactive=False).shown_table().loc["ICC 0.05", "20 per cluster"]
        '35'
        """
        t = _thousands(self.table)
        t.index = pd.Index([f"ICC {r:g}" for r in self.table.index], name="intra-cluster correlation")
        t.columns = pd.Index([c.replace("m = ", "") + " per cluster" for c in self.table.columns],
                             name="clusters per arm, by interviews per cluster")
        return t


# ---------------------------------------------------------------------------
# indicator explorer
# ---------------------------------------------------------------------------

_EST_COLUMNS = ("indicator", "round", "by", "group", "estimate", "ci_low", "ci_high", "n")


def indicator_estimates(
    designs: Mapping[str, Any],
    *,
    indicators: Sequence[str],
    by: Sequence[str] = (),
    codebook=None,
    catalogue=None,
    level: float | None = None,
    min_n: int | None = None,
    flag_n: int | None = None,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """Catalogue indicators per round, overall and by each disaggregation, as one long table.

    A thin loop over :func:`campaign_me.indicators.compute_indicators` (which does the
    estimation, the suppression of small cells and the units), reshaped for
    :class:`IndicatorExplorer`.

    Parameters
    ----------
    designs : mapping
        ``{round: SurveyDesign}``.
    indicators : sequence of str
        Catalogue ids, e.g. ``["risk_aware", "knowledge_score"]``.
    by : sequence of str
        Disaggregation columns, each estimated separately (``"all"`` is always added).
    codebook, catalogue, level, min_n, flag_n
        Passed to :func:`~campaign_me.indicators.compute_indicators`; ``level``, ``min_n`` and
        ``flag_n`` default to the ``settings``' (0.95, 25, 50).
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (``wb.settings``); ``level=``, ``min_n=``, ``flag_n=`` given explicitly win.

    Returns
    -------
    DataFrame
        ``compute_indicators``' columns plus ``round``, ``by`` (the disaggregation, ``"all"`` for
        the whole population) and ``group`` (its level, as text).
    """
    s = reporting(settings)
    level = s.level if level is None else level
    min_n = s.min_n if min_n is None else min_n
    flag_n = s.flag_n if flag_n is None else flag_n
    if not designs:
        raise DataError("designs: give at least one {round: SurveyDesign}")
    # read once for every round and breakdown (the shipped one once per file version)
    catalogue = shipped_catalogue() if catalogue is None else as_catalogue(catalogue)
    parts = []
    for round_, design in designs.items():
        for b in ("all", *by):
            t = compute_indicators(design, catalogue, codebook=codebook, indicators=list(indicators),
                                   by=None if b == "all" else b, level=level, min_n=min_n, flag_n=flag_n)
            group = ["all"] * len(t) if b == "all" else t[b].astype(str).tolist()
            t = t.drop(columns=[b] if b != "all" else []).assign(round=round_, by=b, group=group)
            parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    if "label" not in out.columns:
        out["label"] = [f"{nm} ({u})" for nm, u in zip(out["name"], out["unit"])]
    return out


class IndicatorExplorer(_Calculator):
    """Browse a table of estimates (:func:`indicator_estimates`): indicator x disaggregation x round.

    Parameters
    ----------
    estimates : DataFrame
        As returned by :func:`indicator_estimates`.
    indicator, by : str, optional
        Initial selection (default: the first indicator, ``"all"``).
    interactive : bool, optional
        See the module docstring.

    The table shows the chosen indicator by the chosen disaggregation with one column per round;
    the figure draws the estimates with their confidence intervals. Suppressed cells (fewer than
    ``min_n`` respondents) show as missing and are not drawn.
    """

    title = "Indicator explorer"

    def __init__(self, estimates: pd.DataFrame, *, indicator: str | None = None, by: str = "all",
                 interactive: bool | None = None) -> None:
        missing = [c for c in _EST_COLUMNS if c not in estimates.columns]
        if missing:
            raise DataError(f"estimates: columns {missing} missing; build the table with indicator_estimates()")
        self.estimates = estimates
        inds = list(dict.fromkeys(estimates["indicator"]))
        bys = list(dict.fromkeys(estimates["by"]))
        self.controls = {"indicator": ("choice", inds), "by": ("choice", bys)}
        self.labels = {"indicator": "indicator", "by": "disaggregation"}
        super().__init__(interactive=interactive, indicator=indicator or inds[0], by=by)

    def defaults(self) -> dict[str, Any]:
        return {}

    def compute(self, *, indicator, by):
        e = self.estimates
        if indicator not in set(e["indicator"]):
            raise DataError(f"indicator {indicator!r} not in the table; choose one of {sorted(set(e['indicator']))}")
        if by not in set(e["by"]):
            raise DataError(f"by {by!r} not in the table; choose one of {sorted(set(e['by']))}")
        sel = e[(e["indicator"] == indicator) & (e["by"] == by)]
        label = str(sel["label"].iloc[0]) if "label" in sel else indicator
        cell = sel.assign(value=[
            f"not shown (n = {n})" if pd.isna(v) else f"{v:.1f} [{lo:.1f}, {hi:.1f}]"
            for v, lo, hi, n in zip(sel["estimate"], sel["ci_low"], sel["ci_high"], sel["n"])
        ])
        table = cell.pivot(index="group", columns="round", values="value")
        table = table.reindex(columns=list(dict.fromkeys(sel["round"])))
        table.index.name, table.columns.name = by, label
        fig, ax = new_figure()
        rounds = list(dict.fromkeys(sel["round"]))
        groups = list(dict.fromkeys(sel["group"]))
        width = 0.8 / max(len(rounds), 1)
        for i, r in enumerate(rounds):
            part = sel[sel["round"] == r].set_index("group").reindex(groups)
            x = np.arange(len(groups)) + (i - (len(rounds) - 1) / 2) * width
            # plain arrays: matplotlib calls float() on a one-element Series, which pandas 2.2 deprecates
            est, lo, hi = (part[c].to_numpy(dtype=float) for c in ("estimate", "ci_low", "ci_high"))
            ok = ~np.isnan(est)
            ax.bar(x[ok], est[ok], width=width * 0.9, label=r)
            ax.errorbar(x[ok], est[ok], yerr=[(est - lo)[ok], (hi - est)[ok]],
                        fmt="none", ecolor="black", capsize=3, lw=1)
        ax.set_xticks(np.arange(len(groups)), groups, rotation=20 if len(groups) > 4 else 0)
        ax.set(ylabel=label, title=f"{label} by {by}")
        ax.legend(frameon=False)
        parts = []
        for r in rounds:
            vals = sel[sel["round"] == r]
            parts.append(f"{r}: " + ", ".join(
                f"{g} {v:.1f}" if pd.notna(v) else f"{g} suppressed" for g, v in zip(vals["group"], vals["estimate"])))
        alt = f"Bar chart of {label} by {by} with confidence intervals; " + "; ".join(parts) + "."
        self.answer = None
        return table, Figure(fig, alt)


# ---------------------------------------------------------------------------
# a menu of prepared views
# ---------------------------------------------------------------------------


class Menu(_Calculator):
    """Pick one of several prepared tables (each with an optional figure) from a menu.

    For choices a participant makes by name ("segment the audience by sex and age group"): the
    views are computed beforehand, so the menu only switches between them. Headless runs and HTML
    show the view of ``choice``.

    Parameters
    ----------
    views : mapping
        ``{menu entry: table}`` or ``{menu entry: (table, figure)}`` (a :class:`Figure`, or None);
        tables are displayed as given.
    choice : str, optional
        The entry shown first (default: the first).
    notes : mapping, optional
        ``{menu entry: text}``: one line (Markdown) shown above the entry's table, e.g. what the
        table cannot show and why.
    label : str, default "show"
        The menu's label.
    title : str, optional
        Shown above the menu in JupyterLab.
    interactive : bool, optional
        See the module docstring.

    Examples
    --------
    >>> m = Menu({"two": pd.DataFrame({"x": [1, 2]}), "one": pd.DataFrame({"x": [1]})}, choice="one",
    ...          interactive=False)
    >>> len(m.table), m.figure is None
    (1, True)
    >>> m.update(choice="two"); len(m.table)
    2
    >>> Menu({"a": pd.DataFrame()}, notes={"a": "Nothing to show: no interviews."}).outputs()[0]
    Nothing to show: no interviews.
    """

    def __init__(self, views: Mapping[str, Any], *, choice: str | None = None,
                 notes: Mapping[str, str] | None = None, label: str = "show", title: str = "",
                 interactive: bool | None = None) -> None:
        if not views:
            raise DataError("views: give at least one {menu entry: table}")
        self.views = {str(k): (v if isinstance(v, tuple) else (v, None)) for k, v in views.items()}
        for key, (table, figure) in self.views.items():
            if not isinstance(table, pd.DataFrame):
                raise DataError(f"views[{key!r}]: expected a table (DataFrame), got {type(table).__name__}")
            if figure is not None and not isinstance(figure, Figure):
                raise DataError(f"views[{key!r}]: the figure must be a campaign_me.widgets.Figure (it carries alt text)")
        entries = list(self.views)
        self.notes = None if notes is None else {k: str(notes.get(k, "")) for k in entries}
        self.controls = {"choice": ("choice", entries)}
        self.labels = {"choice": label}
        self.title = title
        super().__init__(interactive=interactive, choice=entries[0] if choice is None else choice)

    def defaults(self) -> dict[str, Any]:
        return {}

    def compute(self, *, choice):
        if choice not in self.views:
            raise DataError(f"choice {choice!r} is not in the menu; choose one of {', '.join(map(repr, self.views))}")
        self.answer = choice
        return self.views[choice]

    def outputs(self) -> list:
        """The entry's note (when notes were given), its table and its figure."""
        if self.notes is None:
            return super().outputs()
        return [_Note(self.notes[self.values["choice"]]), *super().outputs()]
