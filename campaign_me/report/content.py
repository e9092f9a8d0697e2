"""What a country report shows: tidy indicator results, key findings, figures with alt text.

The tables here are aggregates only (one row per indicator, round and domain); nothing in this
module returns respondent-level rows.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "RESULT_COLUMNS",
    "ReportIndicator",
    "REPORT_INDICATORS",
    "country_results",
    "key_findings",
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


@dataclass(frozen=True)
class ReportIndicator:
    """An outcome the country report tracks: a survey variable, its label, unit and direction."""

    variable: str
    label: str
    unit: str  # "%" (a share, shown x 100) or "score" (shown as is)
    higher_is_better: bool


REPORT_INDICATORS: tuple[ReportIndicator, ...] = (
    ReportIndicator("risk_aware", "Thinks irregular routes are high-risk", "%", True),
    ReportIndicator("hotline_known", "Knows the migrant hotline", "%", True),
    ReportIndicator("info_seeking", "Sought information from an official source", "%", True),
    ReportIndicator("intend_irregular", "Intends to migrate irregularly", "%", False),
    ReportIndicator("risk_perception", "Risk perception (0-100)", "score", True),
)


def _cells(data: pd.DataFrame, variable: str, scale: float, level: float, design_kw: dict) -> pd.DataFrame:
    from ..design import SurveyDesign

    d = SurveyDesign(data, **design_kw)
    overall = d.mean(variable, na_rm=True, level=level, df=np.inf).assign(domain="all")
    by = d.mean(variable, by="campaign", na_rm=True, level=level, df=np.inf)
    by["domain"] = np.where(by["campaign"].astype(bool), "campaign areas", "comparison areas")
    out = pd.concat([overall, by.drop(columns="campaign")], ignore_index=True)
    for col in ("estimate", "se", "ci_low", "ci_high"):
        out[col] = out[col] * scale
    return out[["domain", "estimate", "se", "ci_low", "ci_high", "n"]]


def country_results(
    baseline: pd.DataFrame,
    endline: pd.DataFrame,
    *,
    country: str,
    indicators: tuple[ReportIndicator, ...] = REPORT_INDICATORS,
    level: float = 0.95,
    min_n: int = 25,
    weights: str = "weight",
    strata: str = "stratum",
    psu: str = "psu",
) -> pd.DataFrame:
    """Tidy results of a two-round campaign survey: levels, changes and the difference-in-differences.

    Parameters
    ----------
    baseline, endline : pandas.DataFrame
        The two survey rounds (independent samples), as :func:`campaign_me.load_survey` returns
        them, each with a boolean ``campaign`` column (campaign vs comparison districts) that is
        constant within strata.
    country : str
        Label written in the ``country`` column.
    indicators : tuple of ReportIndicator
        The outcomes to report.
    level : float, default 0.95
        Confidence level of every interval (normal quantile: the rounds are large samples).
    min_n : int, default 25
        Estimates on fewer unweighted cases are blanked and flagged ``suppressed`` (the DHS
        convention of suppressing estimates on fewer than 25 cases).
    weights, strata, psu : str
        Design columns of both rounds.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULT_COLUMNS`. ``measure`` is ``"level"`` (a round's estimate),
        ``"change"`` (endline minus baseline, independent rounds: variances add) or ``"did"``
        (the change in campaign areas minus the change in comparison areas; disjoint strata:
        variances add). Shares are in percent, changes in percentage points.

    Examples
    --------
    >>> from campaign_me.report.runner import sample_data_dir
    >>> from campaign_me import load_survey
    >>> s = sample_data_dir()
    >>> b = load_survey(s / "corvia" / "survey_baseline.csv", s / "codebook.yaml")
    >>> e = load_survey(s / "corvia" / "survey_endline.csv", s / "codebook.yaml")
    >>> r = country_results(b, e, country="Corvia")
    >>> r.loc[r["measure"].eq("did"), ["indicator", "estimate"]].shape
    (5, 2)
    """
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    design_kw = {"weights": weights, "strata": strata, "psu": psu}
    rows = []
    for ind in indicators:
        scale = 100.0 if ind.unit == "%" else 1.0
        unit = "percent" if ind.unit == "%" else "score"
        cells = {}
        for round_, data in (("baseline", baseline), ("endline", endline)):
            t = _cells(data, ind.variable, scale, level, design_kw)
            cells[round_] = t.set_index("domain")
            for rec in t.to_dict("records"):
                rows.append({"round": round_, "indicator": ind.variable, "measure": "level", "unit": unit, **rec})
        for domain in cells["baseline"].index:
            b, e = cells["baseline"].loc[domain], cells["endline"].loc[domain]
            est = e["estimate"] - b["estimate"]
            se = float(np.hypot(b["se"], e["se"]))
            rows.append({
                "round": "endline-baseline", "indicator": ind.variable, "measure": "change",
                "unit": "percentage points" if unit == "percent" else "points", "domain": domain,
                "estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se,
                "n": int(min(b["n"], e["n"])),
            })
        ch = {r["domain"]: r for r in rows if r["indicator"] == ind.variable and r["measure"] == "change"}
        t, c = ch["campaign areas"], ch["comparison areas"]
        est = t["estimate"] - c["estimate"]
        se = float(np.hypot(t["se"], c["se"]))
        rows.append({
            "round": "endline-baseline", "indicator": ind.variable, "measure": "did",
            "unit": t["unit"], "domain": "campaign vs comparison areas",
            "estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se,
            "n": int(min(t["n"], c["n"])),
        })
    out = pd.DataFrame(rows)
    out["country"] = country
    out["n"] = out["n"].astype("int64")
    out["suppressed"] = out["n"] < min_n
    out.loc[out["suppressed"], ["estimate", "se", "ci_low", "ci_high"]] = np.nan
    return out[list(RESULT_COLUMNS)].reset_index(drop=True)


def _label(variable: str) -> str:
    for ind in REPORT_INDICATORS:
        if ind.variable == variable:
            return ind.label
    return variable


def _direction(variable: str) -> bool:
    for ind in REPORT_INDICATORS:
        if ind.variable == variable:
            return ind.higher_is_better
    return True


def key_findings(results: pd.DataFrame, *, level: float = 0.95) -> list[str]:
    """One plain-language sentence per indicator: the campaign effect (DiD) with its interval.

    Each sentence gives the number, its unit, the interval and whether the interval excludes no
    change; effects whose interval includes zero are said to be not distinguishable from no change.
    """
    pct = f"{level:.0%}"
    did = results[results["measure"].eq("did")]
    out = []
    for rec in did.to_dict("records"):
        label = _label(rec["indicator"])
        if rec["suppressed"] or pd.isna(rec["estimate"]):
            out.append(f"**{label}**: too few respondents to estimate the campaign effect (suppressed).")
            continue
        unit = " pp" if rec["unit"] == "percentage points" else " points"
        est, lo, hi = rec["estimate"], rec["ci_low"], rec["ci_high"]
        if lo > 0 or hi < 0:
            good = (est > 0) == _direction(rec["indicator"])
            verdict = "an improvement" if good else "a change in the wrong direction"
            sure = f"the {pct} interval excludes no change: {verdict}"
        else:
            sure = f"the {pct} interval includes zero: not distinguishable from no change"
        out.append(
            f"**{label}**: {est:+.1f}{unit} in campaign areas relative to comparison areas "
            f"({pct} CI {lo:+.1f} to {hi:+.1f}); {sure}."
        )
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


def effects_figure(results: pd.DataFrame, *, title: str = ""):
    """Coefficient plot of the campaign effects (DiD) with their intervals; returns (figure, alt text)."""
    import matplotlib.pyplot as plt

    did = results[results["measure"].eq("did") & ~results["suppressed"]].copy()
    did["label"] = [_label(v) + (" (pp)" if u == "percentage points" else " (points)")
                    for v, u in zip(did["indicator"], did["unit"])]
    fig, ax = plt.subplots(figsize=(7, 0.6 * max(len(did), 1) + 1.2))
    y = np.arange(len(did))[::-1]
    ax.errorbar(did["estimate"], y, xerr=[did["estimate"] - did["ci_low"], did["ci_high"] - did["estimate"]],
                fmt="o", color="#1b6ca8", ecolor="#1b6ca8", capsize=3)
    ax.axvline(0, color="grey", linewidth=1, linestyle="--")
    ax.set_yticks(y)
    ax.set_yticklabels(did["label"])
    ax.set_xlabel("campaign effect: change in campaign areas minus change in comparison areas")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    parts = [f"{lab}: {e:+.1f} ({lo:+.1f} to {hi:+.1f})"
             for lab, e, lo, hi in zip(did["label"], did["estimate"], did["ci_low"], did["ci_high"])]
    alt = "Dot-and-interval chart of campaign effects with 95% confidence intervals. " + "; ".join(parts) + "."
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
        ax.errorbar(part["estimate"], y, xerr=[part["estimate"] - part["ci_low"], part["ci_high"] - part["estimate"]],
                    fmt="s", color="#1b6ca8", capsize=3)
        ax.axvline(0, color="grey", linestyle="--", linewidth=1)
        ax.set_yticks(y)
        ax.set_yticklabels(countries)
        unit = "pp" if part["unit"].dropna().eq("percentage points").all() else "points"
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
