"""The report's wording: what a finding may claim, given the evaluation design that produced it.

A number in a report is read as a claim. The same "+8.3 points, 95% CI +2.6 to +14.0" means
"caused by the campaign" after a randomised trial, "consistent with a campaign effect, if the
comparison districts would otherwise have changed like the campaign districts" after a
difference-in-differences, and only "changed since baseline" after a before-after comparison.
This module holds those rules in one place and writes the sentences of a country report from the
numbers, so a report never claims more than its design supports:

- :data:`DESIGNS` and :func:`finding_sentence`: the wording of one finding by design
  (randomised trial, difference-in-differences, before-after, exposed vs unexposed, after only)
  and by what its interval shows (:func:`interval_outcome`: above zero, below zero, spans zero).
- :func:`detectable_change` and :func:`detectable_sentence`: beside a null finding, the smallest
  change the survey could have detected, in words ("the survey could only have detected a change
  of about 14 percentage points").
- :func:`findings`: the campaign effects of a country report as a table, each with its role
  (*confirmatory* for the logframe's primary outcomes, with the familywise error controlled by
  :func:`campaign_me.evaluation.adjust_pvalues`, *exploratory* for the rest), its sentence and its
  minimum detectable change; :func:`multiplicity_sentences` says plainly that with many indicators
  some intervals exclude zero by chance.
- :func:`summary`: the plain-language summary at the top of a report (what we can say, how sure we
  are, what we cannot say); :func:`reach_sentence` reconciles the reach of the campaign districts
  with the whole survey's.
- :func:`level_text` and :data:`POPULATIONS`: a level never shown as a negative percentage, and the
  population every table is about, named.

Show layer: it reads tidy result tables (:func:`campaign_me.report.content.country_results`) and
writes text; it computes no estimate. Wording rules and their tests: ``docs/reports.md``,
``tests/test_report_wording.py``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .conventions import Reporting, check_choice, check_level, check_whole, reporting
from .deferred import Deferred
from .errors import DataError
from .evaluation import adjust_pvalues
from .indicators import load_catalogue

stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; only intervals and p-values need it
optimize = Deferred("scipy.optimize")  # deferred: only the degrees of freedom of an interval need it

__all__ = [
    "DESIGNS",
    "DesignWording",
    "FINDING_COLUMNS",
    "POPULATIONS",
    "REACH_INDICATOR",
    "detectable_change",
    "detectable_sentence",
    "familywise_chance",
    "finding_sentence",
    "findings",
    "interval_outcome",
    "level_text",
    "methods_sentences",
    "multiplicity_sentences",
    "population_note",
    "reach_sentence",
    "signed",
    "summary",
    "summary_markdown",
    "unit_words",
]

#: The indicator whose level at endline is the campaign's reach (a catalogue id).
REACH_INDICATOR = "exposed_any"

#: The populations of a two-arm campaign survey, in words (keys: the ``domain`` of the tidy results).
POPULATIONS = {
    "campaign areas": "people in the campaign districts",
    "comparison areas": "people in the comparison districts (where the campaign did not run)",
    "all": "people in all surveyed districts, campaign and comparison districts together",
    "campaign vs comparison areas": "the campaign districts compared with the comparison districts",
}


@dataclass(frozen=True)
class DesignWording:
    """What a finding from one evaluation design may claim, in words.

    Attributes
    ----------
    key : str
        ``"randomised"``, ``"did"``, ``"pre_post"``, ``"exposed_vs_unexposed"`` or ``"post_only"``.
    name : str
        The design in plain words.
    sms : int
        Level on the Maryland Scientific Methods Scale (1-5), as
        :func:`campaign_me.evaluation.evidence_strength` scores the design.
    contrast : str
        What the number compares (follows the number and its unit).
    claim : str
        The claim an interval that excludes zero supports.
    claim_against : str
        The same when the change goes against the campaign's aim.
    null : str
        The words for an interval that includes zero.
    measured_by : str
        Who could or could not detect a change ("the survey", "the trial").
    """

    key: str
    name: str
    sms: int
    contrast: str
    claim: str
    claim_against: str
    null: str
    measured_by: str = "the survey"


_DID_CONDITION = "if the comparison districts would otherwise have changed like the campaign districts"

#: Wording by design. Only a randomised design supports "caused by"; a difference-in-differences
#: supports "consistent with a campaign effect" under its parallel-trends condition; a
#: before-after comparison only "changed since baseline"; a comparison of exposed and unexposed
#: people only an association; a single survey after the campaign describes.
DESIGNS: dict[str, DesignWording] = {
    "randomised": DesignWording(
        key="randomised",
        name="a randomised trial: the campaign was assigned to clusters at random",
        sms=5,
        contrast="in the campaign clusters compared with the control clusters",
        claim="Because the clusters were assigned at random, this difference was caused by the campaign.",
        claim_against=("Because the clusters were assigned at random, this difference was caused by the "
                       "campaign, against its aim."),
        null="no clear effect of the campaign",
        measured_by="the trial",
    ),
    "did": DesignWording(
        key="did",
        name=("a difference-in-differences: the change from baseline to endline in the campaign districts "
              "minus the change in the comparison districts"),
        sms=3,
        contrast="in the campaign districts compared with the comparison districts, from baseline to endline",
        claim=f"This is consistent with a campaign effect, {_DID_CONDITION}.",
        claim_against=(f"This goes against the campaign's aim: it is consistent with a campaign effect in the "
                       f"wrong direction, {_DID_CONDITION}."),
        null="no clear difference between the campaign and comparison districts",
    ),
    "pre_post": DesignWording(
        key="pre_post",
        name="a before-after comparison in the campaign districts, without a comparison group",
        sms=1,
        contrast="in the campaign districts since baseline",
        claim=("It changed since baseline (cannot separate the campaign from other changes over the same "
               "period)."),
        claim_against=("It changed since baseline, against the campaign's aim (cannot separate the campaign from "
                       "other changes over the same period)."),
        null="no clear change since baseline",
    ),
    "exposed_vs_unexposed": DesignWording(
        key="exposed_vs_unexposed",
        name="a comparison of people who reported exposure with people who did not, in one survey",
        sms=1,
        contrast="among people who reported seeing the campaign compared with those who did not",
        claim=("This is an association, not an effect: people who chose to see the campaign may differ in "
               "other ways (cannot separate the campaign from who saw it)."),
        claim_against=("This is an association, not an effect, and it goes against the campaign's aim: people who "
                       "chose to see the campaign may differ in other ways (cannot separate the campaign from who saw "
                       "it)."),
        null="no clear difference between people who reported exposure and those who did not",
    ),
    "post_only": DesignWording(
        key="post_only",
        name="a single survey after the campaign, without a baseline or a comparison group",
        sms=1,
        contrast="at endline",
        claim="This describes the situation after the campaign; it cannot show a change or its cause.",
        claim_against=("This describes the situation after the campaign, against its aim; it cannot show a change "
                       "or its cause."),
        null="an estimate whose interval includes zero",
    ),
}

#: Columns of :func:`findings`.
FINDING_COLUMNS = (
    "indicator", "label", "unit", "design", "estimate", "se", "ci_low", "ci_high", "df", "p_value",
    "role", "p_adjusted", "confirmed", "outcome", "direction", "improvement", "detectable", "planned",
    "change_campaign", "change_comparison", "n", "verdict", "sentence",
)

_MINUS = "\u2212"


def signed(x: float, digits: int = 1) -> str:
    """A number with its sign, the minus a true minus sign (read aloud as "minus").

    Examples
    --------
    >>> signed(8.33), signed(-0.94), signed(0.0)
    ('+8.3', '\u22120.9', '0.0')
    """
    if x is None or not np.isfinite(x):
        return "n/a"
    text = f"{x:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", _MINUS)


def _num(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}".replace("-", _MINUS) if np.isfinite(x) else "n/a"


def unit_words(unit: str, *, change: bool = True) -> str:
    """A unit in words: "pp" is "percentage points", "points" (of a 0-100 score) "points".

    Examples
    --------
    >>> unit_words("pp"), unit_words("points"), unit_words("%", change=False)
    ('percentage points', 'points', '%')
    """
    unit = str(unit)
    if unit in ("pp", "%") and change:
        return "percentage points"
    if unit in ("points", "score 0-100"):
        return "points"
    return unit


def interval_outcome(ci_low: float, ci_high: float) -> str:
    """What an interval says about zero: ``"above"``, ``"below"``, ``"spans"`` or ``"unknown"``.

    An interval that touches zero spans it.

    Examples
    --------
    >>> interval_outcome(2.6, 14.0), interval_outcome(-9.0, -1.0), interval_outcome(-2.2, 18.4)
    ('above', 'below', 'spans')
    >>> interval_outcome(float("nan"), 3.0)
    'unknown'
    """
    if ci_low is None or ci_high is None or not (np.isfinite(ci_low) and np.isfinite(ci_high)):
        return "unknown"
    if ci_low > 0:
        return "above"
    if ci_high < 0:
        return "below"
    return "spans"


def _design(design: str) -> DesignWording:
    return DESIGNS[check_choice(design, DESIGNS, argument="design", error=DataError)]


def _level(level: float | None, settings: Reporting | None) -> float:
    """The confidence level: ``level`` when given, else the settings' (default 0.95), checked."""
    return check_level(reporting(settings).level if level is None else level, error=DataError)


def detectable_change(se: float, *, level: float | None = None, power: float = 0.8, df: float = np.inf,
                      settings: Reporting | None = None) -> float:
    """The minimum detectable change of an estimate with standard error ``se``.

    ``(t(1 - alpha/2, df) + t(power, df)) * se`` with ``alpha = 1 - level``, two-sided (Bloom 1995,
    "Minimum detectable effects", *Evaluation Review* 19(5)). It is the formula of
    :func:`campaign_me.power.mde_proportion` and :func:`~campaign_me.power.mde_mean` applied to
    the standard error the survey actually achieved: a design-based standard error already holds
    the survey's sample sizes in each group and round, its weights and its design effect (the
    intra-cluster correlation times the cluster size), so nothing is assumed. With finite degrees of
    freedom (few clusters) the t quantiles make it larger than the normal formula, as it should be.

    Examples
    --------
    With the standard error of a difference of two proportions at p = 0.5, n = 400 per group and a
    design effect of 1.7, it is :func:`campaign_me.power.mde_proportion`'s 12.9 points:

    >>> import math
    >>> from campaign_me.power import mde_proportion
    >>> se = math.sqrt(0.5 * 0.5 * (1 / 400 + 1 / 400) * 1.7)
    >>> round(detectable_change(se), 4), round(mde_proportion(400, deff=1.7), 4)
    (0.1291, 0.1291)
    >>> round(detectable_change(4.88, df=27), 1)  # a DiD with 27 degrees of freedom, in points
    14.2
    """
    if se is None or not np.isfinite(se) or se <= 0:
        return float("nan")
    level = _level(level, settings)
    check_level(power, argument="power", error=DataError)
    alpha = 1 - level
    if df is None or not np.isfinite(df) or df <= 0:
        q = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    else:
        q = stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)
    return float(q * se)


def _rounded(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 10 else f"{x:.1f}"


def detectable_sentence(detectable: float, unit: str = "pp", *, design: str = "did", planned: float | None = None,
                        power: float = 0.8) -> str:
    """Beside a null finding: the smallest change the survey could have detected, in words.

    ``planned`` (the results framework's planned change, target minus baseline) is compared with it
    when given. ``power`` is what "could have detected" means (the chance of finding a change that
    large); the methods section says it, the sentence does not.

    Examples
    --------
    >>> detectable_sentence(14.2, "pp")
    'The survey could only have detected a change of about 14 percentage points; a smaller effect may have gone unseen.'
    >>> detectable_sentence(20.3, "pp", planned=10)
    'The survey could only have detected a change of about 20 percentage points: the change of 10.0 percentage points the results framework aimed for was too small for the survey to show, even if it happened.'
    """
    if detectable is None or not np.isfinite(detectable):
        return ""
    who = _design(design).measured_by
    words = unit_words(unit)
    head = f"{who[0].upper()}{who[1:]} could only have detected a change of about {_rounded(detectable)} {words}"
    if planned is not None and np.isfinite(planned) and abs(planned) < detectable:
        return (f"{head}: the change of {abs(planned):.1f} {words} the results framework aimed for was too small for "
                f"{who} to show, even if it happened.")
    return f"{head}; a smaller effect may have gone unseen."


def finding_sentence(
    label: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    *,
    design: str = "did",
    unit: str = "pp",
    direction: str = "higher",
    level: float | None = None,
    detectable: float | None = None,
    planned: float | None = None,
    power: float = 0.8,
    settings: Reporting | None = None,
) -> str:
    """One finding in words, worded by the design that produced it and by what its interval shows.

    Parameters
    ----------
    label : str
        The indicator's name.
    estimate, ci_low, ci_high : float
        The effect or change and its confidence interval, in ``unit``.
    design : str, default "did"
        A key of :data:`DESIGNS`.
    unit : str, default "pp"
        ``"pp"`` (percentage points) or ``"points"`` (of a 0-100 score).
    direction : {"higher", "lower"}
        Which way is better for the indicator (a fall in irregular-migration intentions is the aim).
    level : float, optional
        Confidence level of the interval; default ``settings.level`` (0.95).
    detectable, planned : float, optional
        Minimum detectable change (:func:`detectable_change`) and the planned change; said beside a
        null finding (:func:`detectable_sentence`).
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (its ``level``); ``level=`` given explicitly wins.

    Examples
    --------
    >>> finding_sentence("Knowledge score", 8.33, 2.59, 14.06, design="did", unit="points")
    '**Knowledge score**: +8.3 points in the campaign districts compared with the comparison districts, from baseline to endline (95% CI +2.6 to +14.1). This is consistent with a campaign effect, if the comparison districts would otherwise have changed like the campaign districts.'
    >>> finding_sentence("Knows the hotline", 9.2, 0.5, 18.9, design="pre_post")
    '**Knows the hotline**: +9.2 percentage points in the campaign districts since baseline (95% CI +0.5 to +18.9). It changed since baseline (cannot separate the campaign from other changes over the same period).'
    >>> finding_sentence("Aware of the risks", -0.8, -14.8, 13.2, detectable=20.3)
    '**Aware of the risks**: no clear difference between the campaign and comparison districts (\u22120.8 percentage points, 95% CI \u221214.8 to +13.2: the interval includes zero). The survey could only have detected a change of about 20 percentage points; a smaller effect may have gone unseen.'
    """
    wording = _design(design)
    if direction not in ("higher", "lower"):
        raise DataError(f"direction={direction!r}: choose 'higher' or 'lower'")
    pct = f"{_level(level, settings):.0%}"
    words = unit_words(unit)
    outcome = interval_outcome(ci_low, ci_high)
    if outcome == "unknown" or estimate is None or not np.isfinite(estimate):
        return f"**{label}**: too few respondents to estimate (suppressed)."
    interval = f"{pct} CI {signed(ci_low)} to {signed(ci_high)}"
    if outcome == "spans":
        text = (f"**{label}**: {wording.null} ({signed(estimate)} {words}, {interval}: the interval includes zero).")
        more = detectable_sentence(detectable, unit, design=design, planned=planned, power=power) if detectable else ""
        return f"{text} {more}".strip()
    good = (estimate > 0) == (direction == "higher")
    claim = wording.claim if good else wording.claim_against
    return f"**{label}**: {signed(estimate)} {words} {wording.contrast} ({interval}). {claim}"


def _verdict(outcome: str, good: bool | None, design: str, detectable: float, unit: str) -> str:
    """A few words for a table cell."""
    if outcome == "unknown":
        return "too few respondents"
    if outcome == "spans":
        if np.isfinite(detectable):
            return f"no clear difference (could detect about {_rounded(detectable)} {unit_words(unit)})"
        return "no clear difference"
    short = {"did": "consistent with a campaign effect", "randomised": "caused by the campaign",
             "pre_post": "changed since baseline", "exposed_vs_unexposed": "association only",
             "post_only": "describes only"}[design]
    return short if good else f"{short}, against the aim"


def familywise_chance(k: int, alpha: float = 0.05) -> float:
    """Chance that at least one of ``k`` tests at level ``alpha`` finds something when nothing is there.

    ``1 - (1 - alpha)^k``: exact for independent tests and an upper bound for correlated two-sided
    tests of estimates that are jointly normal (Sidak's inequality), as a report's indicators are.

    Examples
    --------
    >>> round(familywise_chance(9), 2), round(familywise_chance(1), 2)
    (0.37, 0.05)
    """
    return 1 - (1 - alpha) ** max(int(k), 0)


@functools.lru_cache(maxsize=1)
def _catalogue():
    return load_catalogue()


def _meta(indicator: str, catalogue=None) -> tuple[str, str, str]:
    """Name, direction and catalogue level (reach, knowledge, ...) of an indicator."""
    try:
        cat = catalogue if catalogue is not None else _catalogue()
        if indicator in cat:
            ind = cat[indicator]
            return ind.name, ind.direction, str(getattr(ind, "stage", ""))
    except Exception:  # an indicator outside the shipped catalogue
        pass
    return indicator, "higher", ""


def _df_from_interval(estimate: float, se: float, ci_low: float, ci_high: float, level: float) -> float:
    """The t interval's degrees of freedom, recovered from its half-width (inf for a normal interval)."""
    if not all(np.isfinite(v) for v in (estimate, se, ci_low, ci_high)) or se <= 0:
        return float("nan")
    q = (ci_high - ci_low) / (2 * se)
    z = stats.norm.ppf(0.5 + level / 2)
    if q <= z * (1 + 1e-9):
        return float("inf")

    def f(df: float) -> float:
        return stats.t.ppf(0.5 + level / 2, df) - q

    lo, hi = 1e-3, 1e7
    if f(hi) > 0:
        return float("inf")
    if f(lo) < 0:
        return lo
    return float(optimize.brentq(f, lo, hi, xtol=1e-10))


def _p_value(estimate: float, se: float, df: float) -> float:
    if not (np.isfinite(estimate) and np.isfinite(se)) or se <= 0 or not df > 0:
        return float("nan")
    t = abs(estimate / se)
    return float(2 * (stats.norm.sf(t) if np.isinf(df) else stats.t.sf(t, df)))


_MEASURES = {"did": ("did", "campaign vs comparison areas"), "pre_post": ("change", "campaign areas")}


def findings(
    results: pd.DataFrame,
    *,
    design: str = "did",
    primary: Sequence[str] = (),
    level: float | None = None,
    power: float = 0.8,
    planned: Mapping[str, float] | None = None,
    catalogue=None,
    method: str = "holm",
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """The findings of a country report: one row per indicator, worded by design and role.

    Parameters
    ----------
    results : pandas.DataFrame
        The tidy results of :func:`campaign_me.report.content.country_results` (``indicator,
        domain, measure, round, estimate, se, ci_low, ci_high, n, suppressed, unit``).
    design : {"did", "pre_post"}, default "did"
        Which of its comparisons: the difference-in-differences (``measure == "did"``) or the
        before-after change in the campaign districts (``measure == "change"``).
    primary : sequence of str
        The primary outcomes named before the endline (:attr:`campaign_me.logframe.Logframe.primary`):
        *confirmatory*; every other indicator is *exploratory*.
    level, power : float
        Confidence level of the intervals (the tests are at ``1 - level``; default ``settings.level``,
        0.95) and the power of the minimum detectable change.
    planned : mapping, optional
        Planned change (target minus baseline) per indicator id, said beside a primary outcome's
        null finding (and in :func:`summary`).
    catalogue : Catalogue, optional
        For the indicators' names and directions; default the shipped catalogue.
    method : {"holm", "fdr_bh"}, default "holm"
        Adjustment across the exploratory indicators (and across the primary outcomes when there
        are several), by :func:`campaign_me.evaluation.adjust_pvalues`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FINDING_COLUMNS`. ``p_value`` is the test of no effect (recovered from the
        t interval); ``p_adjusted`` is familywise-adjusted: one primary outcome keeps its p-value and
        the exploratory ones are Holm-adjusted among themselves (``adjust_pvalues(...,
        primary=...)``); with several primary outcomes, they are Holm-adjusted among themselves
        too. ``confirmed`` is true for a primary outcome whose adjusted p-value is below ``1 -
        level``. ``outcome`` is :func:`interval_outcome`'s; ``improvement`` whether the change goes the
        indicator's better way; ``detectable`` the minimum detectable change
        (:func:`detectable_change`); ``verdict`` a few words for a table; ``sentence`` the finding in
        words (:func:`finding_sentence`).

    Examples
    --------
    >>> r = pd.DataFrame({"indicator": ["risk_aware", "hotline_known"], "domain": "campaign vs comparison areas",
    ...                   "measure": "did", "round": "endline-baseline", "estimate": [10.0, 8.1], "se": [4.9, 5.2],
    ...                   "ci_low": [0.4, -2.2], "ci_high": [19.7, 18.4], "n": 449, "suppressed": False, "unit": "pp"})
    >>> f = findings(r, primary=["risk_aware"])
    >>> f[["indicator", "role", "outcome", "verdict"]].values.tolist()
    [['risk_aware', 'primary', 'above', 'consistent with a campaign effect'], ['hotline_known', 'exploratory', 'spans', 'no clear difference (could detect about 15 percentage points)']]
    """
    level = _level(level, settings)
    wording = _design(design)
    if design not in _MEASURES:
        raise DataError(f"design={design!r}: a country report's results hold 'did' and 'pre_post' comparisons")
    measure, domain = _MEASURES[design]
    need = ["indicator", "domain", "measure", "estimate", "se", "ci_low", "ci_high", "suppressed", "unit"]
    missing = [c for c in need if c not in results.columns]
    if missing:
        raise DataError(f"results: missing column(s) {missing}; pass country_results' table")
    rows = results[results["measure"].eq(measure) & results["domain"].eq(domain)]
    changes = results[results["measure"].eq("change")]
    primary = [str(p) for p in primary]
    planned = dict(planned or {})
    out = []
    for rec in rows.to_dict("records"):
        ind = rec["indicator"]
        label, direction, _ = _meta(ind, catalogue)
        suppressed = bool(rec["suppressed"]) or pd.isna(rec["estimate"])
        est, se, lo, hi = (float(rec[c]) if pd.notna(rec[c]) else np.nan for c in ("estimate", "se", "ci_low", "ci_high"))
        df = _df_from_interval(est, se, lo, hi, level) if not suppressed else np.nan
        outcome = "unknown" if suppressed else interval_outcome(lo, hi)
        good = None if outcome == "unknown" else bool((est > 0) == (direction == "higher"))
        mde = detectable_change(se, level=level, power=power, df=df) if not suppressed else np.nan
        unit = str(rec["unit"])

        def change(dom: str, ind: str = ind) -> float:
            m = changes[changes["indicator"].eq(ind) & changes["domain"].eq(dom)]
            return float(m["estimate"].iloc[0]) if len(m) and pd.notna(m["estimate"].iloc[0]) else np.nan

        out.append({
            "indicator": ind, "label": label, "unit": unit, "design": wording.key,
            "estimate": est, "se": se, "ci_low": lo, "ci_high": hi, "df": df,
            "p_value": _p_value(est, se, df) if not suppressed else np.nan,
            "role": "primary" if ind in primary else "exploratory",
            "outcome": outcome, "improvement": good, "detectable": mde,
            "planned": float(planned[ind]) if ind in planned and planned[ind] is not None else np.nan,
            "change_campaign": change("campaign areas"), "change_comparison": change("comparison areas"),
            "n": int(rec["n"]) if "n" in rec and pd.notna(rec["n"]) else 0,
            "direction": direction,
        })
    frame = pd.DataFrame(out)
    if frame.empty:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    frame["p_adjusted"] = np.nan
    tested = frame["p_value"].notna()
    prim = frame["role"].eq("primary") & tested
    expl = frame["role"].eq("exploratory") & tested
    pv = frame.loc[tested, ["indicator", "p_value"]].rename(columns={"indicator": "outcome"})
    if prim.sum() == 1:
        # the familywise rule of adjust_pvalues: the one primary outcome keeps its p-value, the others
        # are adjusted among themselves
        adj = adjust_pvalues(pv, primary=frame.loc[prim, "indicator"].iloc[0], method=method)
        frame.loc[tested, "p_adjusted"] = adj["p_adjusted"].to_numpy()
    else:
        for part in (prim, expl):
            if part.any():
                sub = frame.loc[part, ["indicator", "p_value"]].rename(columns={"indicator": "outcome"})
                frame.loc[part, "p_adjusted"] = adjust_pvalues(sub, method=method)["p_adjusted"].to_numpy()
    alpha = 1 - level
    frame["confirmed"] = frame["role"].eq("primary") & (frame["p_adjusted"] < alpha) & frame["outcome"].isin(
        ["above", "below"])
    frame["verdict"] = [_verdict(o, g, wording.key, d, u) for o, g, d, u in
                        zip(frame["outcome"], frame["improvement"], frame["detectable"], frame["unit"])]
    sentences = []
    for rec in frame.to_dict("records"):
        # the planned change is set beside the primary outcome's null finding only (the summary says it
        # too); beside every other null finding the detectable change alone keeps the list short
        plan = rec["planned"] if rec["role"] == "primary" and np.isfinite(rec["planned"]) else None
        s = finding_sentence(rec["label"], rec["estimate"], rec["ci_low"], rec["ci_high"], design=wording.key,
                             unit=rec["unit"], direction=rec["direction"], level=level,
                             detectable=rec["detectable"] if rec["outcome"] == "spans" else None,
                             planned=plan, power=power)
        s += _comparison_caution(rec) if wording.key == "did" else ""
        if rec["role"] == "primary" and rec["outcome"] in ("above", "below"):
            n_prim = int(prim.sum())
            family = "" if n_prim == 1 else f", after allowing for the {n_prim} primary outcomes"
            if rec["confirmed"]:
                s += (f" As the primary outcome named before the survey, this is the report's main test: passed at "
                      f"the {alpha:.0%} level{family} (p = {_p_text(rec['p_adjusted'])}).")
            else:
                s += (f" As a primary outcome it is not conclusive{family} (adjusted p = "
                      f"{_p_text(rec['p_adjusted'])}, above {alpha:.0%}).")
        sentences.append(s)
    frame["sentence"] = sentences
    return frame[list(FINDING_COLUMNS)].reset_index(drop=True)


def _comparison_caution(rec: Mapping) -> str:
    """When a clear difference-in-differences comes mostly from the comparison districts, say so.

    The comparison districts stand for what would have happened without the campaign. If they moved
    against the effect by at least half its size (knowledge fell in the comparison districts while it
    barely rose in the campaign districts), the estimate leans on that movement: the reader should ask
    why before crediting the campaign.
    """
    est, comp, camp = rec["estimate"], rec["change_comparison"], rec["change_campaign"]
    if rec["outcome"] not in ("above", "below") or not (np.isfinite(comp) and np.isfinite(camp)):
        return ""
    if np.sign(comp) == -np.sign(est) and abs(comp) >= 0.5 * abs(est):
        words = unit_words(rec["unit"])
        return (f" Much of this difference comes from the comparison districts, which changed by {signed(comp)} "
                f"{words} while the campaign districts changed by {signed(camp)}: ask why the comparison districts "
                "moved before crediting the campaign.")
    return ""


def _p_text(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def multiplicity_sentences(found: pd.DataFrame, *, level: float | None = None,
                           settings: Reporting | None = None) -> list[str]:
    """The caution about many indicators tested at once, with this report's numbers.

    Examples
    --------
    >>> f = pd.DataFrame({"label": ["A", "B", "C"], "role": ["primary", "exploratory", "exploratory"],
    ...                   "outcome": ["above", "above", "spans"], "p_adjusted": [0.01, 0.02, 0.6]})
    >>> print(multiplicity_sentences(f)[0])
    This report tests 3 indicators, each at the 5% level. Even if the campaign had changed none of them, each interval would have a 5% chance of excluding zero, so the more indicators, the more such chance findings: with 2 exploratory indicators the chance that at least one excludes zero by chance alone is up to 10%.
    """
    alpha = 1 - _level(level, settings)
    tested = found[found["outcome"].isin(["above", "below", "spans"])]
    k_all = len(tested)
    expl = tested[tested["role"].eq("exploratory")]
    k = len(expl)
    if k_all == 0:
        return []
    out = [f"This report tests {k_all} indicator{'s' if k_all != 1 else ''}, each at the {alpha:.0%} level. Even if "
           f"the campaign had changed none of them, each interval would have a {alpha:.0%} chance of excluding zero, "
           "so the more indicators, the more such chance findings: with "
           f"{k} exploratory indicator{'s' if k != 1 else ''} the chance that at least one excludes zero by chance "
           f"alone is up to {familywise_chance(k, alpha):.0%}."]
    prim = tested[tested["role"].eq("primary")]
    if len(prim):
        names = _join([str(x) for x in prim["label"]])
        out.append(f"The primary outcome{'s' if len(prim) > 1 else ''} ({names}) {'were' if len(prim) > 1 else 'was'} "
                   "named in the results framework before the endline survey: the report's confirmatory test, with "
                   f"the chance of a false finding held at {alpha:.0%}. Every other finding is exploratory: a lead to "
                   "check in the next survey, not a conclusion.")
    else:
        out.append("No primary outcome was named in the results framework (an indicator marked `primary: true`), so "
                   "every finding here is exploratory: a lead to check, not a conclusion.")
    clear = expl[expl["outcome"].isin(["above", "below"])]
    if len(clear) and "p_adjusted" in expl.columns:
        kept = clear[clear["p_adjusted"] < alpha]
        out.append(f"Of the {len(clear)} exploratory interval{'s' if len(clear) != 1 else ''} that exclude zero, "
                   f"{len(kept)} {'remain' if len(kept) != 1 else 'remains'} clear after a Holm adjustment for the {k} "
                   "exploratory tests" + (f" ({_join([str(x) for x in kept['label']])})." if len(kept) else "."))
    return out


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def level_text(estimate: float, ci_low: float = np.nan, ci_high: float = np.nan, *, net: bool = False,
               digits: int = 1) -> tuple[str, bool]:
    """A level (a round's estimate) as text; a net measure is never shown below zero.

    A *net* share (aided recall minus recognition of a decoy that was never shown) estimates a share
    of people and cannot truly be negative; a negative estimate means no more people recognised the
    real material than the decoy. The estimate and its interval are shown bounded at 0 and the
    second value returned is True when anything was bounded, so the table can carry a note that
    gives the unbounded numbers.

    Examples
    --------
    >>> level_text(47.52, 40.8, 54.3)
    ('47.5 (40.8 to 54.3)', False)
    >>> level_text(-1.0, -9.1, 7.0, net=True)
    ('0 (0 to 7.0)', True)
    >>> level_text(0.5, -3.7, 4.6, net=True)
    ('0.5 (0 to 4.6)', True)
    """
    if estimate is None or not np.isfinite(estimate):
        return "*", False
    est, lo, hi = estimate, ci_low, ci_high
    bounded = False
    if net:
        bounded = bool(est < 0 or (np.isfinite(lo) and lo < 0))
        est, lo, hi = max(est, 0.0), (max(lo, 0.0) if np.isfinite(lo) else lo), (max(hi, 0.0) if np.isfinite(hi)
                                                                                     else hi)
    text = "0" if net and est == 0 else _num(est, digits)
    if np.isfinite(lo) and np.isfinite(hi):
        lo_text = "0" if net and lo == 0 else _num(lo, digits)
        text += f" ({lo_text} to {_num(hi, digits)})"
    return text, bounded


def _pick(results: pd.DataFrame, indicator: str, measure: str, round_: str, domain: str) -> dict | None:
    m = results[results["indicator"].eq(indicator) & results["measure"].eq(measure) & results["round"].eq(round_)
                & results["domain"].eq(domain)]
    if not len(m) or bool(m["suppressed"].iloc[0]) or pd.isna(m["estimate"].iloc[0]):
        return None
    return m.iloc[0].to_dict()


def reach_sentence(results: pd.DataFrame, *, level: float | None = None, indicator: str = REACH_INDICATOR,
                   settings: Reporting | None = None) -> str:
    """Reach at endline in the campaign districts, reconciled with the whole survey's figure.

    The indicator table is about the campaign districts, the results framework about all surveyed
    districts: the same indicator has two values, and this sentence says why.
    """
    pct = f"{_level(level, settings):.0%}"
    camp = _pick(results, indicator, "level", "endline", "campaign areas")
    if camp is None:
        return ""
    label = _meta(indicator)[0]
    text = (f"**Reach.** At endline, {camp['estimate']:.0f}% of people in the campaign districts reported exposure to "
            f"the campaign (indicator \u201c{label}\u201d; {pct} CI {camp['ci_low']:.0f} to {camp['ci_high']:.0f}%).")
    whole = _pick(results, indicator, "level", "endline", "all")
    comp = _pick(results, indicator, "level", "endline", "comparison areas")
    if whole is not None:
        text += (f" Across all surveyed districts, campaign and comparison districts together, the share is "
                 f"{whole['estimate']:.0f}% ({whole['ci_low']:.0f} to {whole['ci_high']:.0f}%): that is the figure the "
                 "results framework tracks")
        if comp is not None:
            text += (f", lower because in the comparison districts, where the campaign did not run, only "
                     f"{comp['estimate']:.0f}% reported exposure")
        text += "."
    return text


def population_note(results: pd.DataFrame, *, indicator: str = REACH_INDICATOR, here: str = "all",
                    there: str = "campaign areas") -> str:
    """One sentence reconciling an indicator's value in two tables about different populations.

    Examples
    --------
    >>> r = pd.DataFrame({"indicator": "exposed_any", "measure": "level", "round": "endline",
    ...                   "domain": ["all", "campaign areas", "comparison areas"], "estimate": [26.4, 48.3, 5.1],
    ...                   "ci_low": [23.0, 42.0, 3.0], "ci_high": [30.2, 54.8, 8.0], "suppressed": False})
    >>> print(population_note(r))
    Exposed to any campaign channel is 26% at endline in this table, which covers all surveyed districts, campaign and comparison districts together, and 48% among people in the campaign districts alone: the comparison districts, where the campaign did not run (5%), pull the whole-survey figure down.
    """
    a = _pick(results, indicator, "level", "endline", here)
    b = _pick(results, indicator, "level", "endline", there)
    if a is None or b is None:
        return ""
    where = {"all": "all surveyed districts, campaign and comparison districts together",
             "campaign areas": "the campaign districts"}.get(here, here)
    text = (f"{_meta(indicator)[0]} is {a['estimate']:.0f}% at endline in this table, which covers {where}, and "
            f"{b['estimate']:.0f}% among {POPULATIONS.get(there, there).replace('the campaign districts', 'the campaign districts alone')}")
    comp = _pick(results, indicator, "level", "endline", "comparison areas")
    if here == "all" and comp is not None:
        text += (f": the comparison districts, where the campaign did not run ({comp['estimate']:.0f}%), pull the "
                 "whole-survey figure down")
    return text + "."


def _range_text(values: Sequence[float], unit: str) -> str:
    vals = sorted(v for v in values if np.isfinite(v))
    if not vals:
        return ""
    lo, hi = _rounded(vals[0]), _rounded(vals[-1])
    return f"about {lo} {unit}" if lo == hi else f"about {lo} to {hi} {unit}"


def summary(
    found: pd.DataFrame,
    results: pd.DataFrame | None = None,
    *,
    level: float | None = None,
    power: float = 0.8,
    design: str = "did",
    settings: Reporting | None = None,
) -> list[tuple[str, list[str]]]:
    """The plain-language summary at the top of a report: what we can say, how sure, what we cannot say.

    Parameters
    ----------
    found : pandas.DataFrame
        :func:`findings`' table.
    results : pandas.DataFrame, optional
        The tidy results (for the reach sentence).
    level : float, optional
        Confidence level; default ``settings.level`` (0.95).
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings; ``level=`` given explicitly wins.

    Returns
    -------
    list of (heading, sentences)
        Three sections, in order: "What we can say", "How sure we are", "What we cannot say".
    """
    wording = _design(design)
    level = _level(level, settings)
    alpha = 1 - level
    pct = f"{level:.0%}"
    can, sure, cannot = [], [], []
    if results is not None:
        reach = reach_sentence(results, level=level)
        if reach:
            can.append(reach.replace("**Reach.** ", ""))
    prim = found[found["role"].eq("primary")]
    for rec in prim.to_dict("records"):
        if rec["outcome"] in ("above", "below"):
            claim = DESIGNS[design].claim if rec["improvement"] else DESIGNS[design].claim_against
            can.append(f"{rec['label']}, the primary outcome named before the survey: {signed(rec['estimate'])} "
                       f"{unit_words(rec['unit'])} {wording.contrast} ({pct} CI {signed(rec['ci_low'])} to "
                       f"{signed(rec['ci_high'])}). {claim}")
    expl = found[found["role"].eq("exploratory") & found["outcome"].isin(["above", "below"])]
    expl = expl[~expl["indicator"].eq(REACH_INDICATOR)] if results is not None else expl
    if len(expl):
        items = [f"{r['label']} ({signed(r['estimate'])} {unit_words(r['unit'])})" for r in expl.to_dict("records")]
        one = len(items) == 1
        head = (f"Exploratory finding: the interval of {items[0]} excludes zero." if one else
                f"Exploratory findings: the intervals of {_join(items)} exclude zero.")
        if design == "did":
            tail = ("It is consistent with a campaign effect under the same condition, but it is a lead to check, not "
                    "a conclusion (see below)." if one else "Each is consistent with a campaign effect under the same "
                    "condition, but each is a lead to check, not a conclusion (see below).")
        else:
            tail = "It is a lead to check, not a conclusion." if one else "Each is a lead to check, not a conclusion."
        can.append(f"{head} {tail}")
    if not can:
        can.append("No indicator shows a clear change: every interval includes zero or was suppressed.")

    sure.append(f"The effects come from {wording.name}. That is level {wording.sms} of 5 on the Maryland Scientific "
                "Methods Scale" + (": stronger than a before-after comparison, weaker than a randomised trial. It holds "
                                   f"only {_DID_CONDITION}; the survey cannot check that fully."
                                   if design == "did" else "."))
    for rec in prim.to_dict("records"):
        if rec["outcome"] in ("above", "below"):
            width = f"{signed(rec['ci_low'])} to {signed(rec['ci_high'])} {unit_words(rec['unit'])}"
            verdict = ("passes the report's main test" if rec["confirmed"] else "does not pass the report's main test "
                       "once the several primary outcomes are allowed for")
            sure.append(f"The primary outcome {verdict} (p = {_p_text(rec['p_adjusted'])}, at the {alpha:.0%} level), "
                        f"but its interval is wide: the effect could be anywhere from {width}.")
        elif rec["outcome"] == "spans":
            sure.append(f"The report's main test, on the primary outcome, is not passed: its interval includes zero "
                        f"(p = {_p_text(rec['p_adjusted'])}).")
    tested = found[found["outcome"].isin(["above", "below", "spans"])]
    k = int(tested["role"].eq("exploratory").sum())
    if k:
        sure.append(f"With {k} exploratory indicator{'s' if k != 1 else ''} each tested at the {alpha:.0%} level, "
                    f"up to {familywise_chance(k, alpha):.0%} of the time at least one interval would exclude zero by "
                    "chance alone, even if the campaign had changed nothing: some of the exploratory findings may be "
                    "such chance findings.")

    for rec in prim.to_dict("records"):
        if rec["outcome"] == "spans":
            cannot.append(f"Whether the campaign changed the primary outcome, {rec['label']}: "
                          f"{signed(rec['estimate'])} {unit_words(rec['unit'])} ({pct} CI {signed(rec['ci_low'])} to "
                          f"{signed(rec['ci_high'])}), an interval that includes zero. "
                          + detectable_sentence(rec["detectable"], rec["unit"], design=design,
                                                planned=rec["planned"] if np.isfinite(rec["planned"]) else None,
                                                power=power))
    nulls = found[found["role"].eq("exploratory") & found["outcome"].eq("spans")]
    if len(nulls):
        parts = []
        for unit in dict.fromkeys(nulls["unit"]):
            sub = nulls[nulls["unit"].eq(unit)]
            parts.append(_range_text(sub["detectable"], unit_words(unit)))
        cannot.append(f"Whether the campaign changed {_join(list(nulls['label']))}: their intervals include zero, and "
                      f"this survey could only have detected changes of {' or '.join(parts)}; smaller effects may "
                      "have gone unseen. No clear difference is not the same as no effect.")
    gone = found[found["outcome"].eq("unknown")]
    if len(gone):
        cannot.append(f"Anything about {_join(list(gone['label']))}: too few respondents were asked (the estimate is "
                      "suppressed).")
    cannot.append("Whether the changes last or change what people do when they migrate: the survey measured what "
                  "people reported knowing, thinking and intending at endline, not their journeys.")
    return [("What we can say", can), ("How sure we are", sure), ("What we cannot say", cannot)]


def summary_markdown(sections: list[tuple[str, list[str]]], *, heading_level: int = 3, **old: int) -> str:
    """The summary's sections as Markdown: a heading (of ``heading_level``, 1 to 6) and a bullet list each.

    ``level=`` (the heading level's former name) still works for one release, with a
    DeprecationWarning: ``level`` elsewhere is always the confidence level.

    Examples
    --------
    >>> print(summary_markdown([("What we can say", ["Reach rose."])], heading_level=2))
    ## What we can say
    <BLANKLINE>
    - Reach rose.
    """
    if old:
        unknown = sorted(set(old) - {"level"})
        if unknown:
            raise TypeError(f"summary_markdown() got an unexpected keyword argument {unknown[0]!r}")
        warnings.warn("summary_markdown(level=...) is deprecated: use heading_level=", DeprecationWarning,
                      stacklevel=2)
        heading_level = old["level"]
    hashes = "#" * check_whole(heading_level, argument="heading_level", minimum=1, maximum=6, error=DataError)
    return "\n\n".join(f"{hashes} {head}\n\n" + "\n".join(f"- {s}" for s in lines) for head, lines in sections if lines)


def _design_effect(results: pd.DataFrame) -> float:
    """Median design effect of the survey's share estimates by arm and round (observed, not planned)."""
    lv = results[results["measure"].eq("level") & results["unit"].eq("%")
                 & results["domain"].isin(["campaign areas", "comparison areas"]) & ~results["suppressed"].astype(bool)]
    p, se, n = (pd.to_numeric(lv[c], errors="coerce").to_numpy(dtype=float) for c in ("estimate", "se", "n"))
    ok = np.isfinite(p) & np.isfinite(se) & (n > 0) & (p > 0) & (p < 100)
    if not ok.any():
        return float("nan")
    return float(np.median(se[ok] ** 2 / (p[ok] * (100 - p[ok]) / n[ok])))


def methods_sentences(found: pd.DataFrame, results: pd.DataFrame, *, level: float | None = None, power: float = 0.8,
                      planned_deff: float | None = None, settings: Reporting | None = None) -> list[str]:
    """How the report tests and what its minimum detectable changes rest on (for a methods section).

    ``level`` is the confidence level (default ``settings.level``, 0.95).
    """
    alpha = 1 - _level(level, settings)
    out = []
    lv = results[results["measure"].eq("level") & results["domain"].isin(["campaign areas", "comparison areas"])
                 & ~results["suppressed"].astype(bool)]
    deff = _design_effect(results)
    if len(lv):
        n_lo, n_hi = int(lv["n"].min()), int(lv["n"].max())
        deff_text = ""
        if np.isfinite(deff):
            deff_text = (f", and a design effect of {deff:.1f} (the median of this survey's shares"
                         + (f"; the results framework planned {planned_deff:g}" if planned_deff else "") + ")")
        out.append(
            f"**Smallest detectable change.** Beside each finding whose interval includes zero, the report states the "
            f"smallest campaign effect the survey could have detected with {power:.0%} power in a two-sided test at the "
            f"{alpha:.0%} level: the estimate's standard error times about 2.8 (the t quantiles for the test and for "
            "the power, on the estimate's degrees of freedom), the formula of `campaign_me.power.mde_proportion` and "
            "`mde_mean` applied to the standard error the survey achieved. That standard error already holds the survey's actual numbers: "
            f"{n_lo:,} to {n_hi:,} respondents per district group and round{deff_text}. The design effect is what "
            "interviewing people in clusters (through the intra-cluster correlation) and weighting them unequally "
            "cost in precision.")
    tested = found[found["outcome"].isin(["above", "below", "spans"])]
    if len(tested):
        out.append(
            f"**Many indicators.** {len(tested)} campaign effects are tested, each at the {alpha:.0%} level. The "
            "primary outcome(s) named in the results framework (`primary: true`) form the confirmatory family: one "
            "primary outcome is tested at the full level, several are Holm-adjusted among themselves, so the chance "
            f"of any false confirmatory finding stays at {alpha:.0%} (`campaign_me.evaluation.adjust_pvalues`). The "
            "other indicators are exploratory: their intervals are not adjusted, and their Holm-adjusted p-values "
            "are: " + "; ".join(f"{r['label']} {_p_text(r['p_adjusted'])}"
                                for r in tested[tested["role"].eq("exploratory")].to_dict("records")) + ".")
    return out
