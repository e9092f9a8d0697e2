"""What a country report shows: tidy indicator results, key findings, figures with alt text.

The tables here are aggregates only (one row per indicator, round and domain); nothing in this
module returns respondent-level rows.
"""

from __future__ import annotations

import base64
import functools
import html
import io

import numpy as np
import pandas as pd

__all__ = [
    "RESULT_COLUMNS",
    "REPORT_INDICATORS",
    "country_results",
    "key_findings",
    "tracking_summary",
    "indicator_table",
    "effects_figure",
    "figure_html",
    "forest_figure",
    "effects_by_country",
    "levels_by_country",
]

#: Columns of the tidy results a report writes (and the results store holds), in order.
RESULT_COLUMNS = (
    "country", "round", "indicator", "domain", "measure",
    "estimate", "se", "ci_low", "ci_high", "n", "suppressed", "unit",
)


#: Catalogue indicators a country report shows by default (ids of :mod:`campaign_me.indicators`).
REPORT_INDICATORS: tuple[str, ...] = (
    "exposed_any", "aided_recall_net", "risk_aware", "hotline_known", "warning_signs_3plus", "knowledge_score",
    "attitude_index", "intend_irregular", "info_seeking", "safe_practices",
)


@functools.lru_cache(maxsize=1)
def _catalogue():
    from ..indicators import load_catalogue

    return load_catalogue()


def _welch_df(se1: float, df1: float, se2: float, df2: float) -> float:
    """Satterthwaite degrees of freedom of a difference of two independent estimates."""
    v1, v2 = se1**2, se2**2
    denom = (v1**2 / df1 if df1 else 0.0) + (v2**2 / df2 if df2 else 0.0)
    return float((v1 + v2) ** 2 / denom) if denom > 0 else float("inf")


def country_results(
    baseline,
    endline,
    *,
    country: str,
    codebook,
    catalogue=None,
    indicators: tuple[str, ...] = REPORT_INDICATORS,
    treated: str = "campaign",
    level: float = 0.95,
    min_n: int = 25,
    flag_n: int = 50,
) -> pd.DataFrame:
    """Tidy results of a two-round campaign survey: levels, changes and the difference-in-differences.

    Parameters
    ----------
    baseline, endline : SurveyDesign
        The two survey rounds (independent samples), each with a 0/1 column ``treated``
        (campaign vs comparison districts) that is constant within strata.
    country : str
        Label written in the ``country`` column.
    codebook : Codebook or path
        The surveys' codebook (item keys and scales of the indicators).
    catalogue : Catalogue, optional
        Indicator catalogue; default the shipped one (:func:`campaign_me.indicators.load_catalogue`).
    indicators : tuple of str
        Catalogue ids to report.
    treated : str, default "campaign"
        The 0/1 column of campaign districts.
    level : float, default 0.95
        Confidence level of every interval.
    min_n, flag_n : int, default 25 and 50
        Estimates on fewer than ``min_n`` unweighted cases are blanked and flagged ``suppressed``
        (the DHS convention); see :func:`campaign_me.indicators.compute_indicators`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULT_COLUMNS`. ``measure`` is ``"level"`` (a round's estimate, from
        :func:`~campaign_me.indicators.compute_indicators`), ``"change"`` (endline minus baseline,
        :func:`~campaign_me.indicators.compare_rounds`) or ``"did"``: the change in campaign areas
        minus the change in comparison areas. The rounds are independent samples and campaign and
        comparison areas disjoint strata, so the two changes are independent: the DiD's variance is
        the sum of theirs, its interval a t interval on their Satterthwaite degrees of freedom.
        Shares are in percent, changes in percentage points (``unit`` says which).

    Examples
    --------
    >>> from campaign_me import SurveyDesign, load_survey
    >>> from campaign_me.report import sample_data_dir
    >>> s = sample_data_dir()
    >>> b, e = (SurveyDesign(load_survey(s / "corvia" / f"survey_{r}.csv", s / "codebook.yaml"),
    ...                      weights="weight", strata="stratum", psu="psu") for r in ("baseline", "endline"))
    >>> r = country_results(b, e, country="Corvia", codebook=s / "codebook.yaml", indicators=("risk_aware",))
    >>> r.loc[r["measure"].eq("did"), ["indicator", "estimate", "se"]].round(2)
         indicator  estimate     se
    8   risk_aware     20.27  12.31
    """
    from scipy import stats

    from ..indicators import compare_rounds, compute_indicators

    catalogue = catalogue if catalogue is not None else _catalogue()
    ids = list(indicators)
    kw = {"codebook": codebook, "indicators": ids, "level": level, "min_n": min_n, "flag_n": flag_n}
    areas = {1: "campaign areas", 0: "comparison areas"}
    rows: list[dict] = []
    for round_, design in (("baseline", baseline), ("endline", endline)):
        for by in (None, treated):
            t = compute_indicators(design, catalogue, by=by, **kw)
            for rec in t.to_dict("records"):
                domain = "all" if by is None else areas[int(rec[treated])]
                rows.append({"round": round_, "indicator": rec["indicator"], "domain": domain, "measure": "level",
                             "estimate": rec["estimate"], "se": rec["se"], "ci_low": rec["ci_low"],
                             "ci_high": rec["ci_high"], "n": rec["n"], "suppressed": bool(rec["suppressed"]),
                             "unit": rec["unit"]})
    change = compare_rounds(baseline, endline, catalogue, by=treated, **kw)
    by_arm: dict[tuple[str, int], dict] = {}
    for rec in change.to_dict("records"):
        arm = int(rec[treated])
        by_arm[rec["indicator"], arm] = rec
        rows.append({"round": "endline-baseline", "indicator": rec["indicator"], "domain": areas[arm],
                     "measure": "change", "estimate": rec["change"], "se": rec["se"], "ci_low": rec["ci_low"],
                     "ci_high": rec["ci_high"], "n": int(min(rec["n_baseline"], rec["n_endline"])),
                     "suppressed": bool(rec["suppressed"]), "unit": rec["change_unit"]})
    for ind in ids:
        t, c = by_arm.get((ind, 1)), by_arm.get((ind, 0))
        if t is None or c is None:
            continue
        est = t["change"] - c["change"]
        se = float(np.hypot(t["se"], c["se"]))
        df = _welch_df(t["se"], t["df"], c["se"], c["df"]) if np.isfinite(se) else np.nan
        q = float(stats.t.ppf(0.5 + level / 2, df)) if np.isfinite(df) and df > 0 else np.nan
        rows.append({"round": "endline-baseline", "indicator": ind, "domain": "campaign vs comparison areas",
                     "measure": "did", "estimate": est, "se": se, "ci_low": est - q * se, "ci_high": est + q * se,
                     "n": int(min(t["n_baseline"], t["n_endline"], c["n_baseline"], c["n_endline"])),
                     "suppressed": bool(t["suppressed"] or c["suppressed"]), "unit": t["change_unit"]})
    out = pd.DataFrame(rows)
    out["country"] = country
    out["n"] = pd.to_numeric(out["n"]).fillna(0).astype("int64")
    out.loc[out["suppressed"], ["estimate", "se", "ci_low", "ci_high"]] = np.nan
    return out[list(RESULT_COLUMNS)].reset_index(drop=True)


def _label(variable: str) -> str:
    try:
        cat = _catalogue()
        return cat[variable].name if variable in cat else variable
    except Exception:  # a user's indicator outside the shipped catalogue
        return variable


def _direction(variable: str) -> bool:
    try:
        cat = _catalogue()
        return cat[variable].direction != "lower" if variable in cat else True
    except Exception:
        return True


def tracking_summary(tracking: pd.DataFrame | None) -> str:
    """One sentence counting the logframe indicators by RAG status ("" without a tracking table)."""
    if tracking is None or not len(tracking):
        return ""
    counts = tracking["status"].value_counts()
    words = {"green": "on track (green)", "amber": "part of the way (amber)", "red": "off track (red)",
             "grey": "cannot be judged yet: the interval spans a cut-off (grey)"}
    parts = [f"{int(counts[k])} {v}" for k, v in words.items() if k in counts]
    other = int(counts.drop([k for k in words if k in counts]).sum())
    if other:
        parts.append(f"{other} without a status")
    return f"Results framework: of {len(tracking)} indicators, " + "; ".join(parts) + "."


def key_findings(results: pd.DataFrame, tracking: pd.DataFrame | None = None, *, level: float = 0.95) -> list[str]:
    """Plain-language key findings, each with a number and a confidence statement.

    Reach at endline, every campaign effect (DiD) whose interval excludes zero (with its direction:
    improvement or the wrong way), one line naming the indicators without a clear effect, and the
    results-framework status counts when a tracking table is given.
    """
    pct = f"{level:.0%}"
    out = []
    reach = results[results["indicator"].eq("exposed_any") & results["measure"].eq("level")
                    & results["round"].eq("endline") & results["domain"].eq("campaign areas")]
    if len(reach) and not reach["suppressed"].iloc[0]:
        r = reach.iloc[0]
        out.append(f"**Reach.** {r['estimate']:.0f}% of the target population in campaign districts reported "
                   f"exposure to the campaign at endline ({pct} CI {r['ci_low']:.0f} to {r['ci_high']:.0f}%).")
    did = results[results["measure"].eq("did")]
    unclear, suppressed = [], []
    for rec in did.to_dict("records"):
        label = _label(rec["indicator"])
        if rec["suppressed"] or pd.isna(rec["estimate"]):
            suppressed.append(label)
            continue
        unit = " pp" if rec["unit"] == "pp" else " points"
        est, lo, hi = rec["estimate"], rec["ci_low"], rec["ci_high"]
        if lo > 0 or hi < 0:
            good = (est > 0) == _direction(rec["indicator"])
            verdict = "an improvement attributable to the campaign" if good else "a change in the wrong direction"
            out.append(f"**{label}**: {est:+.1f}{unit} in campaign relative to comparison districts "
                       f"({pct} CI {lo:+.1f} to {hi:+.1f}), {verdict}; the interval excludes no change.")
        else:
            unclear.append(f"{label} ({est:+.1f}{unit}, {lo:+.1f} to {hi:+.1f})")
    if unclear:
        out.append("**No clear campaign effect** (the interval includes zero) on: " + "; ".join(unclear) + ".")
    if suppressed:
        out.append("Too few respondents to estimate the effect on: " + ", ".join(suppressed) + " (suppressed).")
    summary = tracking_summary(tracking)
    if summary:
        out.append(summary)
    return out


def indicator_table(results: pd.DataFrame, *, domain: str = "campaign areas") -> pd.DataFrame:
    """Decision-maker table: baseline, endline, change and campaign effect per indicator (formatted text)."""

    def fmt(rec: dict | None, signed: bool = False) -> str:
        if rec is None:
            return ""
        if rec["suppressed"] or pd.isna(rec["estimate"]):
            return "* (n < threshold)"
        s = "+" if signed else ""
        return f"{rec['estimate']:{s}.1f} [{rec['ci_low']:{s}.1f}, {rec['ci_high']:{s}.1f}]"

    lines = []
    for ind in results["indicator"].drop_duplicates():
        part = results[results["indicator"].eq(ind)]

        def pick(measure: str, round_: str, dom: str, part: pd.DataFrame = part) -> dict | None:
            m = part[part["measure"].eq(measure) & part["round"].eq(round_) & part["domain"].eq(dom)]
            return m.iloc[0].to_dict() if len(m) else None

        base = pick("level", "baseline", domain)
        end = pick("level", "endline", domain)
        did = pick("did", "endline-baseline", "campaign vs comparison areas")
        lines.append({
            "Indicator": _label(ind),
            "Unit": base["unit"] if base else "",
            "Baseline [95% CI]": fmt(base),
            "n (baseline)": base["n"] if base else "",
            "Endline [95% CI]": fmt(end),
            "n (endline)": end["n"] if end else "",
            "Change": fmt(pick("change", "endline-baseline", domain), signed=True),
            "Campaign effect (DiD)": fmt(did, signed=True),
        })
    return pd.DataFrame(lines)


def effects_figure(results: pd.DataFrame, *, level: float = 0.95, title: str = ""):
    """Coefficient plot of the campaign effects (DiD) with their intervals; returns (figure, alt text)."""
    import matplotlib.pyplot as plt

    did = results[results["measure"].eq("did") & ~results["suppressed"]].copy()
    did["label"] = [f"{_label(v)} ({'pp' if u == 'pp' else 'points'})" for v, u in zip(did["indicator"], did["unit"])]
    fig, ax = plt.subplots(figsize=(7, 0.6 * max(len(did), 1) + 1.2))
    y = np.arange(len(did))[::-1]
    est, lo, hi = (did[c].to_numpy(dtype=float) for c in ("estimate", "ci_low", "ci_high"))  # arrays, not Series
    ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", color="#1b6ca8", ecolor="#1b6ca8", capsize=3)
    ax.axvline(0, color="grey", linewidth=1, linestyle="--")
    ax.set_yticks(y)
    ax.set_yticklabels(did["label"])
    ax.set_xlabel("campaign effect: change in campaign areas minus change in comparison areas")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    parts = [f"{lab}: {e:+.1f} ({lo:+.1f} to {hi:+.1f})"
             for lab, e, lo, hi in zip(did["label"], did["estimate"], did["ci_low"], did["ci_high"])]
    alt = (f"Dot-and-interval chart of campaign effects with {level:.0%} confidence intervals. "
           + "; ".join(parts) + ".")
    return fig, alt


def figure_html(fig, *, alt: str, caption: str = "", dpi: int = 100) -> str:
    """A matplotlib figure as self-contained HTML: an embedded PNG with alt text and a caption.

    Display it with ``IPython.display.HTML``; the rendered report then needs no external file and
    screen readers read the alt text. The figure is closed.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> html_ = figure_html(fig, alt="An empty chart", caption="Figure 1")
    >>> html_.startswith("<figure") and 'alt="An empty chart"' in html_
    True
    """
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (f'<figure style="margin:1em 0"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}" style="max-width:100%"/>{cap}</figure>')


def forest_figure(results: pd.DataFrame, *, level: float = 0.95):
    """Forest plot of the campaign effects (DiD) by country, one panel per indicator; returns (figure, alt).

    ``results`` is the results store's tidy table (:meth:`ResultsStore.results`) for several countries.
    """
    import matplotlib.pyplot as plt

    did = results[results["measure"].eq("did") & ~results["suppressed"]]
    indicators = list(dict.fromkeys(did["indicator"]))
    countries = sorted(did["country"].unique())
    ncol = 2
    nrow = max(1, -(-len(indicators) // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(9, 1.0 + nrow * (0.45 * len(countries) + 1.0)), squeeze=False)
    alt_parts = []
    for ax, ind in zip(axes.flat, indicators):
        part = did[did["indicator"].eq(ind)].set_index("country").reindex(countries)
        y = np.arange(len(countries))[::-1]
        est, lo, hi = (part[c].to_numpy(dtype=float) for c in ("estimate", "ci_low", "ci_high"))
        ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="s", color="#1b6ca8", capsize=3)
        ax.axvline(0, color="grey", linestyle="--", linewidth=1)
        ax.set_yticks(y)
        ax.set_yticklabels(countries)
        unit = ", ".join(part["unit"].dropna().unique())
        ax.set_title(f"{_label(ind)} ({unit})", fontsize=10)
        alt_parts.append(f"{_label(ind)}: " + ", ".join(
            f"{c} {e:+.1f} ({lo:+.1f} to {hi:+.1f})"
            for c, e, lo, hi in zip(countries, part["estimate"], part["ci_low"], part["ci_high"]) if pd.notna(e)))
    for ax in list(axes.flat)[len(indicators):]:
        ax.set_visible(False)
    fig.suptitle(f"Campaign effects by country (difference-in-differences, {level:.0%} CI)", fontsize=11)
    fig.tight_layout()
    alt = "Forest plot of campaign effects by country and indicator. " + "; ".join(alt_parts) + "."
    return fig, alt


def effects_by_country(results: pd.DataFrame) -> pd.DataFrame:
    """Campaign effects (DiD) by indicator and country, with whether the interval excludes zero."""
    did = results[results["measure"].eq("did")].copy()
    did["Indicator"] = did["indicator"].map(_label)
    did["excludes zero"] = np.where(did["suppressed"], "suppressed",
                                    np.where((did["ci_low"] > 0) | (did["ci_high"] < 0), "yes", "no"))
    did["effect [CI]"] = [
        "*" if s else f"{e:+.1f} [{lo:+.1f}, {hi:+.1f}]"
        for s, e, lo, hi in zip(did["suppressed"], did["estimate"], did["ci_low"], did["ci_high"])]
    return did[["Indicator", "country", "effect [CI]", "excludes zero", "unit"]].rename(
        columns={"country": "Country", "unit": "Unit"}).reset_index(drop=True)


def levels_by_country(results: pd.DataFrame, *, round_: str = "endline", domain: str = "all") -> pd.DataFrame:
    """One row per indicator, one column per country: the round's level with its interval (text)."""
    lv = results[results["measure"].eq("level") & results["round"].eq(round_) & results["domain"].eq(domain)].copy()
    lv["value"] = ["*" if s else f"{e:.1f} [{lo:.1f}, {hi:.1f}]"
                   for s, e, lo, hi in zip(lv["suppressed"], lv["estimate"], lv["ci_low"], lv["ci_high"])]
    lv["Indicator"] = lv["indicator"].map(_label)
    table = lv.pivot(index="Indicator", columns="country", values="value")
    table.columns.name = None
    return table.reset_index()
