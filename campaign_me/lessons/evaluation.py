"""Step 6 (monitoring and evaluation): what ``notebooks/06_evaluation.ipynb`` says, from this country's numbers.

The lesson compares three ways of estimating a campaign's effect (before-after, exposed vs
unexposed, difference-in-differences) with the effect planted in the sample world, and sets this
one survey beside many simulated surveys like it (:mod:`campaign_me.diagnose`). Every sentence
that interprets a number is written here from that number, so the lesson says what *this*
country's survey shows: whether the comparison districts moved, how much of the before-after
change their trend explains, whether each interval covers the planted effect, and whether the
survey was large enough for difference-in-differences to find it at all.

Sentences come as an :class:`Interpretation` (shown as Markdown in a notebook; its entries are
plain strings for the tests); tables come with labels in words and rounded numbers. Changes of a
share are in percentage points, written "points".

A survey of one's own has no planted truth (``truth.json``): every sentence about it is left out.
Its campaign areas are the codebook's ``arm`` (``arm=`` names the 0/1 column,
:attr:`campaign_me.workbook.Workbook.arm_column`), and the characteristics the exposed-vs-unexposed
comparison adjusts for are the questions that answer :data:`COVARIATES` (``concept:``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .. import evaluation
from ..conventions import Reporting, check_whole
from ..deferred import Deferred
from ..design import SurveyDesign
from ..diagnose import (
    CampaignDesign,
    Diagnosis,
    design_like_survey,
    diagnose,
    estimate_icc,
    redesign,
    simulate_survey,
)
from ..errors import DataError
from ..evaluation import EffectResult, EvidenceStrength, ExposureComparison
from ..widgets import Figure, new_figure
from ..workbook import shipped_catalogue
from .start import Missing, absent, level_of, missing_line

stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; only the minimum detectable effect needs quantiles
mpl_figure = Deferred("matplotlib.figure")  # deferred: matplotlib only when a figure is drawn

__all__ = [
    "COVARIATES",
    "Interpretation",
    "ThreeWays",
    "Simulation",
    "read_truth",
    "outcome_label",
    "format_p",
    "change_table",
    "comparison_changes",
    "readable_estimates",
    "did_table",
    "trend_sentences",
    "three_ways",
    "three_ways_table",
    "three_ways_figure",
    "three_ways_sentences",
    "headline",
    "simulate_like_this_survey",
    "simulation_table",
    "simulation_figure",
    "simulation_sentences",
    "simulation_headline",
    "another_survey",
    "more_villages",
    "exposure_table",
    "balance_table",
    "evidence_list",
    "trial_planted",
    "trial_sentences",
]

#: Characteristics the exposed-vs-unexposed comparison adjusts for (none of them can be changed by a campaign).
COVARIATES = ("sex", "age_group", "urban", "education")

_DESIGN_NAMES = {
    "pre_post": "Before-after",
    "exposed": "Exposed vs unexposed",
    "did": "Difference-in-differences",
}
_DESIGN_WHERE = {
    "pre_post": "Before-after (campaign districts)",
    "exposed": "Exposed vs unexposed (endline, campaign districts)",
    "did": "Difference-in-differences",
}


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------
class Interpretation:
    """Sentences generated from a lesson's numbers, shown as Markdown (one paragraph per entry).

    ``interpretation["trend"]`` gives one entry (a plain string); ``str()`` the whole text.

    Examples
    --------
    >>> text = Interpretation({"a": "One sentence.", "b": "Another."})
    >>> text["b"]
    'Another.'
    >>> print(text)
    One sentence.
    <BLANKLINE>
    Another.
    """

    def __init__(self, sentences: Mapping[str, str]) -> None:
        self.sentences = {k: v for k, v in sentences.items() if v}

    def __getitem__(self, key: str) -> str:
        return self.sentences[key]

    def __contains__(self, key: object) -> bool:
        return key in self.sentences

    def __iter__(self):
        return iter(self.sentences)

    def __str__(self) -> str:
        return "\n\n".join(self.sentences.values())

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return str(self)


def read_truth(wb) -> dict | None:
    """The planted effects (``truth.json``) of a sample country, or None for a survey of one's own."""
    path = wb.country_dir / "truth.json"
    return wb.truth() if path.is_file() else None


@cache
def _catalogue_names() -> dict[str, str]:
    return {key: ind.name for key, ind in shipped_catalogue().indicators.items()}


def outcome_label(outcome: str) -> str:
    """The outcome's name in words (the indicator catalogue's name when there is one).

    Examples
    --------
    >>> outcome_label("risk_aware")
    'Aware of the risks of irregular routes'
    >>> outcome_label("risk_aware_endline")
    'Aware of the risks of irregular routes'
    >>> outcome_label("my_own_outcome")
    'My own outcome'
    """
    names = _catalogue_names()
    base = re.sub(r"_(baseline|endline)$", "", outcome)
    if base in names:
        return names[base]
    return base.replace("_", " ").strip().capitalize()


def format_p(p: float) -> str:
    """A p-value as people read it: ``< 0.001`` rather than ``0.000``.

    Examples
    --------
    >>> format_p(0.0004), format_p(0.04182), format_p(0.9)
    ('< 0.001', '0.042', '0.900')
    """
    if p is None or np.isnan(p):
        return "not available"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _p_phrase(p: float) -> str:
    text = format_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _pp(x: float) -> str:
    """A change in points, signed, one decimal (``+10.2``; never ``-0.0``)."""
    x = round(float(x), 1)
    return f"{x + 0.0:+.1f}"


def _ci(lo: float, hi: float) -> str:
    return f"{_pp(lo)} to {_pp(hi)}"


def _level_text(x: float, binary: bool) -> str:
    return f"{x:.1f}%" if binary else f"{x:.1f}"


def _covers(lo: float, hi: float, truth: float) -> bool:
    return bool(lo <= truth <= hi)


def _cover_words(lo: float, hi: float, truth: float) -> str:
    return "covers" if _covers(lo, hi, truth) else "does not cover"


def _direction(change: float) -> str:
    """``rose``, ``fell`` or ``barely moved`` (less than one point either way, after rounding)."""
    r = round(float(change), 1)
    if r >= 1.0:
        return "rose"
    if r <= -1.0:
        return "fell"
    return "barely moved"


def _scale(result: EffectResult) -> float:
    return 100.0 if result.binary else 1.0


def _planted(truth: dict | None, key: str, outcome: str) -> float | None:
    if not truth:
        return None
    value = truth.get(key, {}).get(outcome)
    return None if value is None else float(value)


# --------------------------------------------------------------------------------------
# change since baseline
# --------------------------------------------------------------------------------------
_GROUPS = {
    "campaign": {"True": "Campaign districts", "False": "Comparison districts", "1": "Campaign districts",
                 "0": "Comparison districts"},
    "urban": {"True": "Urban", "False": "Rural", "1": "Urban", "0": "Rural"},
    "sex": {"female": "Women", "male": "Men"},
    "all": {"all": "Everyone"},
}
_BY_NAMES = {"campaign": "district type", "urban": "residence", "sex": "sex", "age_group": "age group",
             "all": "everyone", "migration_status": "migration plans", "education": "education"}


def _unit_is_share(unit: str) -> bool:
    return str(unit).strip() == "%"


def change_table(change: pd.DataFrame, *, level: float | None = None, arm: str = "campaign", settings: Reporting | None = None) -> pd.DataFrame:
    """:func:`campaign_me.indicators.compare_rounds` ``by=arm`` as a table to read.

    One row per indicator and kind of district, campaign districts first: the indicator's name,
    baseline, endline and the change with its interval, rounded to one decimal. Shares are in
    %, their changes in percentage points; scores in points. ``arm`` is the 0/1 column of the
    campaign areas the changes were computed by.
    """
    level = level_of(level, settings)
    names = list(dict.fromkeys(change["indicator"]))
    order = change.assign(order_=change["indicator"].map(names.index), is_campaign=change[arm].astype(bool))
    order = order.sort_values(["order_", "is_campaign"], ascending=[True, False], kind="stable")
    head = f"Change ({level:.0%} CI)"
    rows = []
    for r in order.itertuples(index=False):
        share = _unit_is_share(r.unit)
        row = {"Indicator": f"{r.name} (%)" if share else f"{r.name} ({r.unit})",
               "Districts": "Campaign" if r.is_campaign else "Comparison"}
        if bool(r.suppressed) or pd.isna(r.change):
            row.update({"Baseline": "not shown", "Endline": "not shown", head: "too few respondents"})
        else:
            row.update({"Baseline": _level_text(r.baseline, share), "Endline": _level_text(r.endline, share),
                        head: f"{_pp(r.change)} ({_ci(r.ci_low, r.ci_high)})"})
        rows.append(row)
    return pd.DataFrame(rows).set_index(["Indicator", "Districts"])


def comparison_changes(change: pd.DataFrame, *, arm: str = "campaign") -> Interpretation:
    """One sentence: how each indicator changed in the comparison districts, where there was no campaign."""
    comp = change[~change[arm].astype(bool)]
    parts = []
    for r in comp.itertuples(index=False):
        if pd.isna(r.change):
            parts.append(f"*{r.name}* not shown (too few respondents)")
        else:
            parts.append(f"*{r.name}* {_pp(r.change)} points")
    if not parts:
        return Interpretation({})
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return Interpretation({
        "comparison": (
            f"In the comparison districts, where there was no campaign, the indicators changed as follows: {listed}. "
            "None of these changes is the campaign's doing: they are the secular trend, plus chance (each round "
            "interviewed different people)."
        )
    })


def readable_estimates(estimates: pd.DataFrame, *, arm: str = "campaign", codebook=None) -> pd.DataFrame:
    """:func:`campaign_me.widgets.indicator_estimates` with groups and disaggregations named in words.

    ``True``/``False`` (or 1/0) of the arm column become *Campaign districts* / *Comparison
    districts*, ``female``/``male`` become *Women* / *Men*, and the arm (the disaggregation) becomes
    *district type*; with a codebook, a question answering a catalogue name (``concept: sex``) is
    named as that, and its codes by their labels; other values are kept.
    """
    concepts = {col: name for name, col in (codebook.concepts if codebook is not None else {}).items()}
    out = estimates.copy()

    def group(b, g):
        key = "campaign" if b == arm else concepts.get(b, b)
        known = _GROUPS.get(key, {})
        if str(g) in known:
            return known[str(g)]
        if codebook is not None and b in codebook and codebook[b].codes:
            return next((str(lab) for code, lab in codebook[b].codes.items() if str(code) == str(g)), str(g))
        return str(g)

    out["group"] = [group(b, g) for b, g in zip(out["by"], out["group"])]
    out["by"] = [_BY_NAMES.get("campaign" if b == arm else concepts.get(b, b), str(b).replace("_", " "))
                 for b in out["by"]]
    return out


# --------------------------------------------------------------------------------------
# difference-in-differences and the trend
# --------------------------------------------------------------------------------------
def did_table(did: EffectResult) -> pd.DataFrame:
    """The 2x2 table of a difference-in-differences in words: levels in %, changes in points.

    The bottom-right cell is the difference-in-differences.
    """
    t = did.table
    s = _scale(did)
    lvl = (lambda x: f"{s * x:.1f}%") if did.binary else (lambda x: f"{s * x:.1f}")
    rows = {
        "Comparison districts": [lvl(t.loc["comparison", "baseline"]), lvl(t.loc["comparison", "endline"]),
                                 _pp(s * t.loc["comparison", "difference"])],
        "Campaign districts": [lvl(t.loc["campaign", "baseline"]), lvl(t.loc["campaign", "endline"]),
                               _pp(s * t.loc["campaign", "difference"])],
        "Campaign minus comparison": [_pp(s * t.loc["difference", "baseline"]), _pp(s * t.loc["difference", "endline"]),
                                      f"{_pp(s * t.loc['difference', 'difference'])} (the DiD)"],
    }
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["Baseline", "Endline", "Change"])
    out.index.name = outcome_label(did.outcome)
    return out


def _arm_numbers(did: EffectResult) -> dict[str, float]:
    t, s = did.table, _scale(did)
    return {
        "comp_base": s * t.loc["comparison", "baseline"], "comp_end": s * t.loc["comparison", "endline"],
        "comp_change": s * t.loc["comparison", "difference"],
        "comp_low": s * t.loc["comparison", "ci_low_difference"],
        "comp_high": s * t.loc["comparison", "ci_high_difference"],
        "camp_base": s * t.loc["campaign", "baseline"], "camp_end": s * t.loc["campaign", "endline"],
        "camp_change": s * t.loc["campaign", "difference"],
        "did": s * t.loc["difference", "difference"],
    }


def trend_sentences(did: EffectResult, *, truth: dict | None = None, change: pd.DataFrame | None = None
                    ) -> Interpretation:
    """What the comparison districts did, and how much of the before-after change that explains.

    Entries: ``comparison`` (their change and its direction: *rose*, *fell* or *barely moved*,
    i.e. less than one point), ``campaign`` (the before-after change), ``share`` (how much of it
    the comparison districts' trend accounts for; the rest is the difference-in-differences) and,
    with the sample world's ``truth``, ``planted`` (the planted trend, and whether this survey's
    comparison districts show it). With ``change`` (:func:`campaign_me.indicators.compare_rounds`
    by campaign), the interval of the comparison districts' change is the one its table shows.
    """
    n = _arm_numbers(did)
    if change is not None and {"indicator", "campaign", "ci_low", "ci_high"} <= set(change.columns):
        row = change[(change["indicator"] == did.outcome) & ~change["campaign"].astype(bool)]
        if len(row) == 1 and pd.notna(row["ci_low"].iloc[0]):
            n["comp_low"], n["comp_high"] = float(row["ci_low"].iloc[0]), float(row["ci_high"].iloc[0])
    label = outcome_label(did.outcome)
    binary = did.binary
    c, a, d = n["comp_change"], n["camp_change"], n["did"]
    verb = _direction(c)
    out = {
        "comparison": (
            f"In the comparison districts, where there was no campaign, *{label}* went from "
            f"{_level_text(n['comp_base'], binary)} to {_level_text(n['comp_end'], binary)}: it {verb} "
            f"({_pp(c)} points, {did.level:.0%} CI {_ci(n['comp_low'], n['comp_high'])})."
        ),
        "campaign": (
            f"In the campaign districts it went from {_level_text(n['camp_base'], binary)} to "
            f"{_level_text(n['camp_end'], binary)} ({_pp(a)} points): that is the before-after change."
        ),
    }
    ra, rc = round(a, 1), round(c, 1)
    if ra == 0:
        share = (f"The campaign districts did not change on balance; measured against the comparison districts "
                 f"({_pp(c)} points), the difference-in-differences is {_pp(d)} points.")
    elif rc != 0 and np.sign(ra) == np.sign(rc):
        part = c / a
        if part <= 1:
            share = (f"Had the campaign districts followed the comparison districts, they would have changed by "
                     f"{_pp(c)} points without the campaign: that trend accounts for {part:.0%} of the before-after "
                     f"change, and the rest, {_pp(d)} points, is the difference-in-differences.")
        else:
            share = (f"The comparison districts changed even more than the campaign districts: their trend "
                     f"({_pp(c)} points) accounts for all of the before-after change ({_pp(a)}), which leaves a "
                     f"difference-in-differences of {_pp(d)} points.")
    elif verb == "barely moved":
        share = (f"The comparison districts barely moved, so their trend accounts for almost none of the before-after "
                 f"change: the difference-in-differences ({_pp(d)} points) is close to the before-after change "
                 f"({_pp(a)}).")
    else:
        share = (f"The comparison districts moved the other way ({_pp(c)} points), so their trend accounts for none "
                 f"of the before-after change: measured against them, the campaign districts' {_pp(a)} becomes a "
                 f"difference-in-differences of {_pp(d)} points.")
    out["share"] = share
    trend = _planted(truth, "secular_trend", did.outcome)
    if trend is not None:
        pt = _scale(did) * trend
        text = (
            f"The planted secular trend is {_pp(pt)} points, in campaign and comparison districts alike. This "
            f"survey's comparison districts show {_pp(c)}, {abs(c - pt):.1f} points away, because each round "
            f"interviewed different villages and people (sampling error); the interval of their change "
            f"{_cover_words(n['comp_low'], n['comp_high'], pt)} the planted trend."
        )
        planted_verb = _direction(pt)
        if verb != planted_verb:
            if verb == "barely moved":
                text += " In this one survey, sampling error hides the trend; the simulation below shows it."
            elif planted_verb == "barely moved":
                text += (" In this one survey, sampling error makes a trend appear where the planted one is small; "
                         "the simulation below shows it.")
            else:
                text += (" In this one survey, sampling error even turns the trend around; the simulation below "
                         "shows it.")
        out["planted"] = text
    return Interpretation(out)


# --------------------------------------------------------------------------------------
# one outcome, three designs
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ThreeWays:
    """One outcome estimated three ways in one survey, with the sample world's truth (if any).

    Attributes
    ----------
    pre_post : EffectResult
        Before-after in the campaign districts (:func:`campaign_me.evaluation.pre_post`).
    exposed : ExposureComparison
        Exposed vs unexposed at endline in the campaign districts.
    did : EffectResult
        Difference-in-differences against the comparison districts.
    truth : dict or None
        ``truth.json`` of a sample country; None for a survey of one's own.
    """

    pre_post: EffectResult
    exposed: ExposureComparison
    did: EffectResult
    truth: dict | None = field(default=None, repr=False)

    @property
    def outcome(self) -> str:
        return self.did.outcome

    @property
    def label(self) -> str:
        return outcome_label(self.outcome)

    @property
    def binary(self) -> bool:
        return self.did.binary

    @property
    def level(self) -> float:
        return self.did.level

    @property
    def scale(self) -> float:
        return _scale(self.did)

    @property
    def results(self) -> dict[str, EffectResult]:
        """``pre_post``, ``exposed`` (the unadjusted comparison) and ``did``."""
        return {"pre_post": self.pre_post, "exposed": self.exposed.results["naive"], "did": self.did}

    def planted(self, key: str = "itt") -> float | None:
        """A planted number of ``truth.json`` (``itt``, ``secular_trend``, ``effect_on_exposed``), in points."""
        value = _planted(self.truth, key, self.outcome)
        return None if value is None else self.scale * value


def _covariates(design: SurveyDesign, covariates: Sequence[str], codebook) -> tuple[SurveyDesign, list[str]]:
    """The covariates the survey has: a question answering one under another name (``concept: sex`` on
    ``gender``) enters under the catalogue's name, its codes as their labels (categories) unless they
    are ordered (an ordered question such as an age group or a level of education enters as a number,
    one degree of freedom instead of one per category)."""
    if codebook is None:
        return design, [c for c in covariates if c in design.data.columns]
    names, added = [], {}
    for name in covariates:
        column = codebook.concepts.get(name, name if name in codebook else None)
        if column is None or column not in design.data.columns:
            continue
        if column != name and name not in design.data.columns and codebook[column].codes \
                and not codebook[column].ordered:
            labels = {str(k): str(v) for k, v in codebook[column].codes.items()}
            added[name] = design.data[column].map(lambda v, t=labels: t.get(str(v)) if pd.notna(v) else None)
            added[name] = added[name].astype(object).to_numpy()
        elif column != name and name not in design.data.columns:
            added[name] = design.data[column].to_numpy()
        names.append(name if column != name else column)
    return (design.with_columns(**added) if added else design), names


def three_ways(both: SurveyDesign, in_campaign: SurveyDesign, outcome: str, *, truth: dict | None = None,
               level: float | None = None, treated: str = "campaign", post: str = "post", exposed: str = "exposed_any",
               covariates: Sequence[str] = COVARIATES, codebook=None, settings: Reporting | None = None) -> ThreeWays | Missing:
    """Estimate one outcome by before-after, exposed vs unexposed and difference-in-differences.

    ``both`` holds both rounds (:func:`campaign_me.evaluation.combine_rounds`); ``in_campaign`` is
    the endline design restricted to the campaign districts; ``treated`` the 0/1 column of the
    campaign areas. With a codebook, ``covariates`` are catalogue names read from the questions that
    answer them (those the survey lacks are left out). A
    :class:`~campaign_me.workbook.Missing` when the survey has no ``outcome`` or no ``exposed`` column.
    """
    level = level_of(level, settings)
    for column, what in ((outcome, f"question for \"{outcome_label(outcome).lower()}\""),
                         (exposed, "question on exposure to the campaign")):
        if column not in both.data.columns or column not in in_campaign.data.columns:
            return Missing(missing_line(what, column))
    if codebook is not None:
        in_campaign, covariates = _covariates(in_campaign, covariates, codebook)
    campaign_rows = both.data[treated].astype(bool).to_numpy()
    pre = evaluation.pre_post(both.subset(pd.Series(campaign_rows, index=both.data.index)), outcome, post=post,
                              level=level)
    exp = evaluation.exposed_vs_unexposed(in_campaign, outcome, exposed=exposed, covariates=list(covariates),
                                          level=level)
    d = evaluation.did(both, outcome, treated=treated, post=post, level=level)
    return ThreeWays(pre_post=pre, exposed=exp, did=d, truth=truth)


def three_ways_table(ways: ThreeWays) -> pd.DataFrame:
    """The three estimates in points with their intervals and p-values (and the planted effect)."""
    if absent(ways):
        return ways
    s, level = ways.scale, ways.level
    rows = {}
    for key, r in ways.results.items():
        rows[_DESIGN_WHERE[key]] = {
            "Estimate (points)": _pp(s * r.effect),
            f"{level:.0%} CI": _ci(s * r.ci_low, s * r.ci_high),
            "p-value": format_p(r.p_value),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    planted = ways.planted()
    if planted is not None:
        out["Planted effect"] = _pp(planted)
    out.index.name = ways.label
    return out


def three_ways_figure(ways: ThreeWays, country_name: str):
    """Dot-and-whisker chart of the three estimates, with the planted effect as a dashed line."""
    if absent(ways):
        return None
    s = ways.scale
    results = list(ways.results.items())
    fig, ax = new_figure(6.8, 2.7)
    y = np.arange(len(results))[::-1]
    for yi, (_, r) in zip(y, results):
        ax.plot([s * r.ci_low, s * r.ci_high], [yi, yi], color="#0072B2", lw=2)
        ax.plot([s * r.effect], [yi], "o", color="#0072B2")
    ax.axvline(0, color="#999999", lw=1)
    planted = ways.planted()
    if planted is not None:
        ax.axvline(planted, color="#D55E00", ls="--", lw=1.5, label=f"planted effect {_pp(planted)}")
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=1)
    ax.set_yticks(y, [_DESIGN_NAMES[k] for k, _ in results])
    ax.set_ylim(-0.6, len(results) - 0.4)
    ax.set_xlabel(f"effect (points), {ways.level:.0%} interval")
    ax.set_title(f"{country_name}, three designs: {ways.label.lower()}", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    parts = ", ".join(f"{_DESIGN_NAMES[k].lower()} {_pp(s * r.effect)} ({_ci(s * r.ci_low, s * r.ci_high)})"
                      for k, r in results)
    alt = f"Effect on {ways.label.lower()} in {country_name} by three designs, in points with intervals: {parts}"
    alt += f"; the planted effect is {_pp(planted)}." if planted is not None else "."
    return Figure(fig, alt)


def three_ways_sentences(ways: ThreeWays) -> Interpretation:
    """Each design's estimate, whether its interval covers the planted effect, and what it measures.

    Entries ``pre_post``, ``exposed``, ``did`` and, with the sample world's truth, ``closest``
    (which design lands nearest the planted effect in this one survey).
    """
    s, level = ways.scale, ways.level
    planted = ways.planted()
    trend = ways.planted("secular_trend")
    out = {}
    for key, r in ways.results.items():
        est, lo, hi = s * r.effect, s * r.ci_low, s * r.ci_high
        text = f"**{_DESIGN_WHERE[key]}**: {_pp(est)} points ({level:.0%} CI {_ci(lo, hi)})."
        if planted is not None:
            if round(est, 1) != 0 and round(planted, 1) != 0 and np.sign(round(est, 1)) != np.sign(planted):
                text += f" Its estimate has the opposite sign to the planted effect of {_pp(planted)} points"
                text += (", yet its interval covers it: the interval holds both signs, so this survey cannot tell "
                         "the direction of the effect." if _covers(lo, hi, planted)
                         else ", and its interval does not cover it.")
            else:
                text += f" Its interval {_cover_words(lo, hi, planted)} the planted effect of {_pp(planted)} points."
        if key == "pre_post":
            if planted is not None and trend is not None:
                text += (f" Before-after counts the secular trend as effect: over many surveys it averages the "
                         f"planted effect plus the planted trend, {_pp(planted + trend)} points.")
            else:
                text += " Before-after counts any secular trend as effect."
        elif key == "exposed":
            text += (" It compares people who say they noticed the campaign with people who say they did not, and "
                     "measures the campaign's effect only if both would otherwise have been alike.")
            on_exposed = ways.planted("effect_on_exposed")
            if on_exposed is not None:
                text += (f" In the sample world they are not: interest in migration raises both the chance of "
                         f"noticing the campaign and the outcome (*{ways.label}*), and some people report exposure "
                         f"they never had. Even a fair comparison would measure the effect on those exposed (planted: "
                         f"{_pp(on_exposed)} points), not on the districts' whole population.")
        else:
            text += (" It subtracts the comparison districts' change, which removes the trend if both kinds of "
                     "district would otherwise have changed alike (parallel trends"
                     + (", true by construction in the sample world)." if planted is not None else ")."))
        out[key] = text
    if planted is not None:
        off = {k: abs(s * r.effect - planted) for k, r in ways.results.items()}
        best = min(off, key=off.get)
        out["closest"] = (
            f"In this one survey, {_DESIGN_NAMES[best].lower()} lands closest to the planted effect "
            f"({off[best]:.1f} points away). Whether that is the design or luck, one survey cannot tell: the "
            "simulation below repeats the survey many times."
        )
    return Interpretation(out)


def headline(ways: ThreeWays, country_name: str) -> str:
    """The lesson's headline numbers in one line (printed by the notebook's pinned cell)."""
    s = ways.scale
    r = ways.results
    text = (
        f"{country_name}, {ways.label.lower()} (points): before-after {_pp(s * r['pre_post'].effect)}, "
        f"exposed vs unexposed {_pp(s * r['exposed'].effect)}, difference-in-differences {_pp(s * r['did'].effect)} "
        f"({ways.level:.0%} CI {_ci(s * r['did'].ci_low, s * r['did'].ci_high)})"
    )
    planted, trend = ways.planted(), ways.planted("secular_trend")
    if planted is not None:
        text += f"; planted effect {_pp(planted)}"
        if trend is not None:
            text += f", planted trend {_pp(trend)}"
    return text


# --------------------------------------------------------------------------------------
# one survey among many
# --------------------------------------------------------------------------------------
_SIM_ESTIMATORS = ("comparison_change", "pre_post", "did")
_SIM_NAMES = {
    "comparison_change": "Comparison districts' change (the trend)",
    "pre_post": "Before-after (campaign districts)",
    "did": "Difference-in-differences",
}
_SIM_ROWS = {"comparison_change": "Comparison districts' change", "pre_post": "Before-after",
             "did": "Difference-in-differences"}


@dataclass(frozen=True, eq=False)
class Simulation:
    """A country's survey copied and simulated many times, beside the estimates of the real survey.

    Attributes
    ----------
    design : CampaignDesign
        The copy (:func:`campaign_me.diagnose.design_like_survey`).
    diagnosis : Diagnosis
        The simulated surveys (estimators ``comparison_change``, ``pre_post``, ``did``).
    observed : dict
        This survey's estimates for the same estimators (proportions for a 0/1 outcome).
    did : EffectResult
        This survey's difference-in-differences (for its interval and its minimum detectable effect).
    effect_source, trend_source : str
        ``"planted"`` (sample data), ``"hoped for"`` (effect of a survey of one's own) or
        ``"measured"`` (trend: the comparison districts' change of one's own survey).
    seed, sims : int
    icc_measured : float
        The survey's own ICC estimate (the copy uses it, or 0 when it is below zero).
    """

    design: CampaignDesign
    diagnosis: Diagnosis
    observed: dict
    did: EffectResult
    effect_source: str
    trend_source: str
    seed: int
    sims: int
    icc_measured: float = float("nan")

    @property
    def label(self) -> str:
        return outcome_label(self.did.outcome)

    @property
    def level(self) -> float:
        return self.diagnosis.level

    @property
    def alpha(self) -> float:
        return self.diagnosis.alpha

    def row(self, estimator: str) -> pd.Series:
        return self.diagnosis.diagnosands.set_index("estimator").loc[estimator]

    def estimates(self, estimator: str) -> np.ndarray:
        sims = self.diagnosis.simulations
        return sims.loc[sims["estimator"] == estimator, "estimate"].to_numpy()

    def share_below(self, estimator: str) -> float:
        """Share of the simulated surveys whose estimate is below this survey's."""
        return float(np.mean(self.estimates(estimator) < self.observed[estimator]))

    def middle(self, estimator: str, share: float = 0.9) -> tuple[float, float]:
        """The range holding the middle ``share`` of the simulated estimates."""
        q = np.quantile(self.estimates(estimator), [(1 - share) / 2, (1 + share) / 2])
        return float(q[0]), float(q[1])

    def mde(self, power: float = 0.8) -> float:
        """Minimum detectable effect of this survey's DiD: (t for alpha/2 + t for power) x its SE (Bloom 1995)."""
        df = self.did.df
        return float((stats.t.ppf(1 - self.alpha / 2, df) + stats.t.ppf(power, df)) * self.did.se)


def simulate_like_this_survey(baseline: pd.DataFrame, endline: pd.DataFrame, ways: ThreeWays, *, sims: int = 1000,
                              seed: int = 2018, treated: str = "campaign", cluster: str = "village",
                              weights: str | None = "weight", hoped_for: float = 0.08) -> Simulation:
    """Simulate ``sims`` surveys like this one (:func:`campaign_me.diagnose.design_like_survey`).

    The simulation plants the sample world's effect and trend (``truth.json``); for a survey of
    one's own it plants ``hoped_for`` (a proportion: 0.08 = 8 points) and the trend its comparison
    districts show. Intervals are at the lesson's level, power is the share of simulated surveys
    whose DiD is significant at 1 - level.
    """
    if not ways.binary:
        raise DataError(f"{ways.outcome!r}: the simulation copies surveys of a 0/1 outcome; pick a share")
    effect, trend = _planted(ways.truth, "itt", ways.outcome), _planted(ways.truth, "secular_trend", ways.outcome)
    effect_source = "planted" if effect is not None else "hoped for"
    trend_source = "planted" if trend is not None else "measured"
    if effect is None:
        effect = float(hoped_for)
    if trend is None:
        trend = float(ways.did.table.loc["comparison", "difference"])
    like = design_like_survey(baseline, endline, ways.outcome, treated=treated, cluster=cluster, effect=effect,
                              trend=trend, weights=weights if weights in baseline.columns else None)
    rounds = pd.concat([baseline.assign(round_=0), endline.assign(round_=1)], ignore_index=True)
    icc = estimate_icc(rounds, ways.outcome, cluster, groups=["round_", treated])
    dx = diagnose(like, sims=sims, estimators=list(_SIM_ESTIMATORS), level=ways.level, alpha=1 - ways.level,
                  seed=seed)
    observed = {
        "comparison_change": float(ways.did.table.loc["comparison", "difference"]),
        "pre_post": float(ways.pre_post.effect),
        "did": float(ways.did.effect),
    }
    return Simulation(design=like, diagnosis=dx, observed=observed, did=ways.did, effect_source=effect_source,
                      trend_source=trend_source, seed=seed, sims=sims, icc_measured=icc)


def _sim_truth(sim: Simulation, estimator: str) -> float:
    d = sim.design
    return d.trend if estimator == "comparison_change" else d.effect


def simulation_table(sim: Simulation) -> pd.DataFrame:
    """Per estimator: what it should find, what it finds on average, its spread, power and coverage, and this survey.

    Columns: *Truth* (the planted trend or effect), *Average* (over the simulated surveys),
    *Middle 90%* (the range of the middle 90% of their estimates), *Finds it* (share whose
    interval excludes zero, p < 1 - level), *Covers the truth* (share whose interval covers the
    truth) and *This survey* (the real survey's estimate). All in points.
    """
    rows = {}
    for e in _SIM_ESTIMATORS:
        r = sim.row(e)
        lo, hi = sim.middle(e)
        rows[_SIM_ROWS[e]] = {
            "Truth": _pp(100 * _sim_truth(sim, e)),
            "Average": _pp(100 * r["mean_estimate"]),
            "Middle 90%": _ci(100 * lo, 100 * hi),
            "Finds it": f"{r['power']:.0%}",
            "Covers the truth": f"{r['coverage']:.0%}",
            "This survey": _pp(100 * sim.observed[e]),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = f"{sim.sims:,} surveys, points"
    return out


def simulation_figure(sim: Simulation, country_name: str):
    """Histograms of the simulated estimates, with the truth (dashed) and this survey (solid black) marked."""
    fig = mpl_figure.Figure(figsize=(6.4, 5.8), dpi=100, layout="constrained")
    axes = fig.subplots(len(_SIM_ESTIMATORS), 1, sharex=True)
    marks = [100 * v for v in sim.observed.values()] + [100 * sim.design.effect, 100 * sim.design.trend]
    values = np.concatenate([100 * sim.estimates(e) for e in _SIM_ESTIMATORS])
    lo = min(float(np.quantile(values, 0.002)), *marks) - 2
    hi = max(float(np.quantile(values, 0.998)), *marks) + 2
    # estimates move in steps of one respondent in a round's arm: bins a whole number of steps wide
    step = 100 / (sim.design.clusters_per_arm * sim.design.cluster_size)
    width = step * max(1, round((hi - lo) / 28 / step))
    bins = np.arange(np.floor(lo / step) * step - step / 2, hi + width, width)
    word = {"planted": "planted", "hoped for": "hoped-for", "measured": "measured"}
    alt_parts = []
    for ax, e in zip(axes, _SIM_ESTIMATORS):
        est, truth, obs = 100 * sim.estimates(e), 100 * _sim_truth(sim, e), 100 * sim.observed[e]
        source = sim.trend_source if e == "comparison_change" else sim.effect_source
        what = "trend" if e == "comparison_change" else "effect"
        ax.hist(est, bins=bins, color="#56B4E9", alpha=0.85)
        ax.axvline(truth, color="#D55E00", ls="--", lw=2)
        ax.axvline(obs, color="black", lw=2)
        ax.set_title(f"{_SIM_NAMES[e]}: this survey {_pp(obs)}, {word[source]} {what} {_pp(truth)}",
                     fontsize=9.5, loc="left")
        ax.set_yticks([])
        alt_parts.append(f"{_SIM_NAMES[e].lower()}: the simulated estimates centre on {_pp(est.mean())} "
                         f"({word[source]} {what} {_pp(truth)}), this survey {_pp(obs)}")
    axes[-1].set_xlabel("estimate (points)")
    fig.suptitle(f"{country_name}: this survey (black line) among {sim.sims:,} simulated surveys like it;\n"
                 f"dashed: the truth each estimate should find", fontsize=10.5)
    alt = (f"Three histograms of the estimates of {sim.sims:,} simulated surveys like {country_name}'s: "
           + "; ".join(alt_parts) + ".")
    return Figure(fig, alt)


def simulation_sentences(sim: Simulation, country_name: str) -> Interpretation:
    """What the simulated surveys show, where this survey lies among them, and whether DiD can find the effect.

    Entries: ``design`` (what was copied), ``trend``, ``pre_post``, ``did`` (its average, coverage
    and where this survey's DiD falls), ``power`` and ``verdict`` (*too small* when DiD finds the
    effect in fewer than 80% of the simulated surveys, with this survey's minimum detectable effect).
    """
    d = sim.design
    effect, trend = 100 * d.effect, 100 * d.trend
    effect_words = (f"the planted effect ({_pp(effect)} points)" if sim.effect_source == "planted"
                    else f"an effect of {_pp(effect)} points (the effect hoped for)")
    trend_words = (f"the planted trend ({_pp(trend)} points)" if sim.trend_source == "planted"
                   else f"the trend its comparison districts show ({_pp(trend)} points)")
    if sim.icc_measured < 0:
        icc_words = (f"no intra-cluster correlation (this survey's estimate, {sim.icc_measured:.2f}, is below zero: "
                     "its villages resemble each other no more than chance would make them)")
    else:
        icc_words = f"an intra-cluster correlation of {d.icc:.2f} (measured in this survey)"
    out = {
        "design": (
            f"The simulation repeats {country_name}'s survey {sim.sims:,} times: {d.clusters_per_arm} villages per "
            f"kind of district in each round, {d.cluster_size} interviews per village, {icc_words}, a baseline of "
            f"{100 * d.baseline:.0f}%, {effect_words} and "
            f"{trend_words}. Each simulated survey interviews other villages and people; only chance differs."
        )
    }
    cc = sim.row("comparison_change")
    lo, hi = sim.middle("comparison_change")
    obs_c = 100 * sim.observed["comparison_change"]
    inside = lo * 100 <= obs_c <= hi * 100
    out["trend"] = (
        f"Over the simulated surveys, the comparison districts' change averages {_pp(100 * cc['mean_estimate'])} "
        f"points, the trend; but one survey's lands anywhere from {_pp(100 * lo)} to {_pp(100 * hi)} (the middle "
        f"90%). This survey's {_pp(obs_c)} is {'inside' if inside else 'outside'} that range."
    )
    pp_row = sim.row("pre_post")
    out["pre_post"] = (
        f"Before-after averages {_pp(100 * pp_row['mean_estimate'])} points: the effect plus the trend. Its "
        f"{sim.level:.0%} intervals cover the {'planted' if sim.effect_source == 'planted' else 'simulated'} effect in "
        f"{pp_row['coverage']:.0%} of the surveys, where {sim.level:.0%} was promised."
    )
    did_row = sim.row("did")
    below = sim.share_below("did")
    if below >= 0.5:
        rank = f"larger than {below:.0%} of the simulated ones"
    else:
        rank = f"smaller than {np.mean(sim.estimates('did') > sim.observed['did']):.0%} of the simulated ones"
    out["did"] = (
        f"Difference-in-differences averages {_pp(100 * did_row['mean_estimate'])} points, against {_pp(effect)} "
        f"{'planted' if sim.effect_source == 'planted' else 'simulated'}, and its intervals cover it in "
        f"{did_row['coverage']:.0%} of the surveys. This survey's DiD ({_pp(100 * sim.observed['did'])}) is {rank}."
    )
    power = float(did_row["power"])
    out["power"] = (
        f"Difference-in-differences finds the effect (an interval that excludes zero, p < {sim.alpha:.2g}) in "
        f"{power:.0%} of the simulated surveys."
    )
    mde = 100 * sim.mde()
    excludes_zero = not (sim.did.ci_low <= 0 <= sim.did.ci_high)
    if power < 0.8:
        verdict = (
            f"{country_name}'s survey is too small for difference-in-differences to find an effect of {_pp(effect)} "
            f"points reliably: surveys like it miss it {1 - power:.0%} of the time. The smallest effect it would find "
            f"in 80% of surveys like it (its minimum detectable effect, from this survey's standard error) is about "
            f"{mde:.1f} points."
        )
        if excludes_zero:
            verdict += f" This survey's interval does exclude zero: it is one of the {power:.0%} that do."
        else:
            verdict += (" So this survey's interval, which includes zero, does not show that the campaign failed: a "
                        "survey this size could not be expected to see an effect this small.")
    else:
        verdict = (
            f"{country_name}'s survey is large enough: difference-in-differences finds an effect of {_pp(effect)} "
            f"points in {power:.0%} of surveys like it (its minimum detectable effect, from this survey's standard "
            f"error, is about {mde:.1f} points)."
        )
    out["verdict"] = verdict
    return Interpretation(out)


def simulation_headline(sim: Simulation, country_name: str) -> str:
    """The simulation's headline numbers in one line (printed by the notebook's second pinned cell)."""
    did_row, pp_row = sim.row("did"), sim.row("pre_post")
    return (
        f"{country_name}, {sim.sims:,} simulated surveys like this one: difference-in-differences finds the effect in "
        f"{did_row['power']:.0%} and its intervals cover it in {did_row['coverage']:.0%}; before-after averages "
        f"{_pp(100 * pp_row['mean_estimate'])} for an effect of {_pp(100 * sim.design.effect)} and a trend of "
        f"{_pp(100 * sim.design.trend)}; minimum detectable effect of this survey's DiD {100 * sim.mde():.1f} points"
    )


def another_survey(sim: Simulation, draw: int) -> Interpretation:
    """One of the simulated surveys (number ``draw``), analysed as the real one was."""
    try:
        draw = check_whole(draw, argument="draw", minimum=0, maximum=sim.sims - 1, error=DataError)
    except DataError:
        raise DataError(f"draw={draw!r}: pick a whole number from 0 to {sim.sims - 1}") from None
    s = simulate_survey(sim.design, seed=sim.seed, sim=int(draw), sims=sim.sims)
    design = SurveyDesign(s, weights="weight", strata="round_stratum", psu="cluster")
    level = sim.level
    d = evaluation.did(design, "y", treated="arm", post="post", level=level)
    pre = evaluation.pre_post(design.subset(s["arm"] == 1), "y", post="post", level=level)
    comp = evaluation.pre_post(design.subset(s["arm"] == 0), "y", post="post", level=level)
    effect = 100 * sim.design.effect
    zero = "includes zero" if d.ci_low <= 0 <= d.ci_high else "excludes zero"
    return Interpretation({
        "draw": (
            f"Simulated survey no. {draw}: comparison districts {_pp(100 * comp.effect)} points, before-after "
            f"{_pp(100 * pre.effect)}, difference-in-differences {_pp(100 * d.effect)} ({level:.0%} CI "
            f"{_ci(100 * d.ci_low, 100 * d.ci_high)}): the interval {zero} and "
            f"{_cover_words(100 * d.ci_low, 100 * d.ci_high, effect)} the effect of {_pp(effect)} points."
        )
    })


def more_villages(sim: Simulation, villages_per_arm: int) -> pd.DataFrame:
    """Power and coverage of DiD with this survey's number of villages per arm and with ``villages_per_arm``.

    The same simulation (seed, number of surveys) as :func:`simulate_like_this_survey`, so the row
    of this survey repeats its numbers.
    """
    try:
        villages_per_arm = check_whole(villages_per_arm, argument="villages_per_arm", minimum=2, error=DataError)
    except DataError:
        raise DataError(f"villages_per_arm={villages_per_arm!r}: a whole number of at least 2") from None
    d = sim.design

    def row(villages: int, r) -> dict:
        return {"Villages per kind of district": int(villages),
                "Interviews per round": int(2 * villages * d.cluster_size),
                "DiD finds the effect": f"{r['power']:.0%}",
                "Intervals cover it": f"{r['coverage']:.0%}"}

    rows = {"this survey": row(d.clusters_per_arm, sim.row("did"))}
    if villages_per_arm != d.clusters_per_arm:
        other = redesign(d, sims=sim.sims, seed=sim.seed, estimators=["did"], clusters_per_arm=[int(villages_per_arm)])
        rows["your choice"] = row(villages_per_arm, other.iloc[0])
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = f"effect {_pp(100 * d.effect)}"
    return out


# --------------------------------------------------------------------------------------
# exposed vs unexposed in detail
# --------------------------------------------------------------------------------------
_METHODS = {
    "naive": "No adjustment",
    "regression": "Regression on sex, age, residence, education",
    "ipw": "Weighting by the chance of exposure",
    "matching": "Matching on the chance of exposure",
}


def exposure_table(exposed: ExposureComparison) -> pd.DataFrame:
    """The exposed-vs-unexposed estimates by method, in points, with intervals and respondents.

    The regression's row names the characteristics it adjusted for (those of the balance table).
    """
    rows = {}
    adjusted = list(dict.fromkeys(_covariate_word(str(c)) for c in exposed.balance["covariate"]))
    methods = dict(_METHODS)
    if adjusted:
        methods["regression"] = "Regression on " + ", ".join(adjusted)
    for key, r in exposed.results.items():
        s = _scale(r)
        rows[methods.get(key, key)] = {
            "Estimate (points)": _pp(s * r.effect),
            f"{r.level:.0%} CI": _ci(s * r.ci_low, s * r.ci_high),
            "Respondents": int(r.n),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "Exposed minus unexposed"
    return out


_TERM_LABELS = {
    ("sex", "male"): "Men (vs women)",
    ("sex", "female"): "Women (vs men)",
    ("sex", "Male"): "Men (vs women)",
    ("sex", "Female"): "Women (vs men)",
    ("urban", None): "Urban (vs rural)",
    ("urban", "True"): "Urban (vs rural)",
    ("education", None): "Education level (0 none to 3 tertiary)",
    ("campaign", None): "Campaign district (vs comparison)",
}
_TERM = re.compile(r"^C\((?:Q\(['\"])?(?P<var>[^)'\"]+)(?:['\"]\))?\)\[T\.(?P<level>.+)\]$|^(?P<plain>.+?)(?:\[T\.(?P<lv>.+)\])?$")


_COVARIATE_WORDS = {"sex": "sex", "age_group": "age", "urban": "residence", "education": "education"}


def _covariate_word(term: str) -> str:
    """The characteristic of a model-matrix column in a word: ``C(sex)[T.male]`` -> ``sex``."""
    m = _TERM.match(term)
    var = m.group("var") or m.group("plain")
    return _COVARIATE_WORDS.get(var, var.replace("_", " "))


def _term_label(term: str) -> tuple[str, bool]:
    """(label, is a 0/1 dummy) of a model-matrix column such as ``C(sex)[T.male]``."""
    m = _TERM.match(term)
    var = m.group("var") or m.group("plain")
    level = m.group("level") or m.group("lv")
    dummy = level is not None or var in ("urban", "campaign")
    if (var, level) in _TERM_LABELS:
        return _TERM_LABELS[(var, level)], dummy
    if var == "age_group" and level:
        return f"Aged {level} (vs 15-24)", True
    name = var.replace("_", " ").replace("/", " ").capitalize()
    return (f"{name}: {level}" if level else name), dummy


def balance_table(exposed: ExposureComparison) -> pd.DataFrame:
    """Who is exposed: each characteristic among exposed and unexposed people, before and after weighting.

    Shares in %, the education level as a mean; the standardised difference is the gap in standard
    deviations (|0.1| or more is usually called a notable imbalance).
    """
    rows = {}
    for r in exposed.balance.itertuples(index=False):
        label, dummy = _term_label(str(r.covariate))
        show = (lambda x: f"{100 * x:.0f}%") if dummy else (lambda x: f"{x:.2f}")
        rows[label] = {
            "Exposed": show(r.mean_exposed),
            "Unexposed": show(r.mean_unexposed),
            "Standardised difference": f"{r.smd_before:+.2f}",
            "After weighting": f"{r.smd_ipw:+.2f}",
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "Characteristic"
    return out


# --------------------------------------------------------------------------------------
# strength of evidence and the randomised study
# --------------------------------------------------------------------------------------
def evidence_list(designs: Mapping[str, EvidenceStrength]) -> Interpretation:
    """Each design's Maryland Scientific Methods Scale level and key assumption, one line each."""
    return Interpretation({
        name: f"- **{name}**: level {s.level} of 5. It assumes {s.assumption}"
        for name, s in designs.items()
    })


def trial_planted(trial_dir, outcome: str) -> float | None:
    """The randomised study's planted intention-to-treat effect on ``outcome`` (its ``truth.json``), if any."""
    path = Path(trial_dir) / "truth.json"
    if not path.is_file():
        return None
    return _planted(json.loads(path.read_text(encoding="utf-8")), "itt", re.sub(r"_(baseline|endline)$", "", outcome))


def trial_sentences(rct: EffectResult, planted: float | None, *, country_did: EffectResult | None = None,
                    country_name: str = "") -> Interpretation:
    """The randomised study's estimate, whether its interval covers the planted effect, and its precision."""
    s = _scale(rct)
    est, lo, hi = s * rct.effect, s * rct.ci_low, s * rct.ci_high
    out = {
        "estimate": (
            f"In the randomised study, ANCOVA estimates the campaign's effect on *{outcome_label(rct.outcome)}* "
            f"at {_pp(est)} points ({rct.level:.0%} CI {_ci(lo, hi)}; {_p_phrase(rct.p_value)}), from {rct.n:,} "
            "people interviewed twice."
        )
    }
    if planted is not None:
        p = s * planted
        out["planted"] = f"The planted effect is {_pp(p)} points: the interval {_cover_words(lo, hi, p)} it."
    if country_did is not None:
        c = _scale(country_did)
        w_rct, w_did = hi - lo, c * (country_did.ci_high - country_did.ci_low)
        out["width"] = (
            f"The study's interval is {w_rct:.1f} points wide, {'narrower' if w_rct < w_did else 'wider'} than the "
            f"{w_did:.1f} points of {country_name or 'this country'}'s difference-in-differences interval."
        )
    return Interpretation(out)

