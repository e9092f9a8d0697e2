"""Step 5 (dissemination): the sentences and readable tables of ``notebooks/05_dissemination``.

Functions here take what :mod:`campaign_me.monitoring` computed for the country the notebook
runs on (delivery against plan, platform metrics and spill-over, people reached from the survey,
cost, the funnel) and return tables with labels and rounded numbers, or plain-text sentences
that say what those numbers show. A survey without the monitoring files (``activities.csv``,
``digital_metrics.csv``, ``digital_reach.csv``, ``frame.csv``) or the funnel's questions passes a
:class:`~campaign_me.workbook.Missing` instead: the table that opens a section shows its one line,
the rest nothing. :func:`people_reached` and :func:`channel_costs` are thin
wrappers that feed survey estimates (:meth:`campaign_me.SurveyDesign.mean`) to
:func:`campaign_me.monitoring.people_reached` and :func:`~campaign_me.monitoring.cost_per_person_reached`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .. import monitoring as _monitoring
from ..conventions import Reporting
from .audience import join_words, number, people, percent
from .start import Missing, absent, level_of, missing_line

__all__ = [
    "delivery",
    "campaign_population",
    "summed_reach_line",
    "platform_summary",
    "spillover_text",
    "cost_text",
    "funnel",
    "CHANNEL_NAMES",
    "SURVEY_CHANNELS",
    "FUNNEL_STEPS",
    "channel_name",
    "delivery_table",
    "district_table",
    "delivery_lesson",
    "platform_table",
    "reach_lesson",
    "spillover_lesson",
    "people_reached",
    "reached_table",
    "reached_lesson",
    "cost_lesson",
    "channel_costs",
    "channel_cost_table",
    "funnel_table",
    "funnel_lesson",
]

#: The activity log's channels in words.
CHANNEL_NAMES = {"community_event": "community events", "poster": "posters", "radio_spot": "radio spots",
                 "social_post": "social media posts"}
#: Activity-log channels and the survey question (a 0/1 column) that measures exposure through them.
SURVEY_CHANNELS = {"radio_spot": "exposed/radio", "community_event": "exposed/events"}
_PLATFORMS = {"facebook": "Facebook", "tiktok": "TikTok"}
#: The campaign funnel of the notebook: step (a past-tense phrase) -> survey 0/1 column.
FUNNEL_STEPS = {"exposed": "exposed_any", "recognised the poster": "aided_recall",
                "understood its message": "comprehension", "knew the hotline": "hotline_known"}


def channel_name(code: str) -> str:
    """A channel in words: ``"radio_spot"`` -> ``"radio spots"``.

    >>> channel_name("community_event"), channel_name("tv_spot")
    ('community events', 'tv spot')
    """
    return CHANNEL_NAMES.get(str(code), str(code).replace("_", " "))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------
# delivery
# ---------------------------------------------------------------------------


def delivery(activities, by: str):
    """:func:`campaign_me.monitoring.delivery` of the activity log, or the log's Missing."""
    if absent(activities):
        return activities
    return _monitoring.delivery(activities, by=by)


def campaign_population(frame) -> int | Missing:
    """People in the campaign areas: the sampling frame's ``population`` where ``campaign`` is 1.

    The frame's layout is the sample data's (``docs/sample_data.md``). A Missing without a frame.
    """
    if absent(frame):
        return frame
    return int(frame.loc[frame["campaign"] == 1, "population"].sum())


def summed_reach_line(daily, population, *, country: str) -> str:
    """The pinned line of the summed-daily-reach trap, or the line saying what the survey lacks.

    >>> print(summed_reach_line(pd.DataFrame({"reach": [600, 700]}), 1000, country="Corvia"))
    Corvia: summed daily reach 1,300 against 1,000 people aged 15-45 in the campaign districts (1.3
    times the population)
    """
    if absent(daily) or absent(population):
        return str(daily if absent(daily) else population)
    summed = int(daily["reach"].sum())  # WRONG on purpose: the same people counted every day
    return textwrap.fill(f"{country}: summed daily reach {summed:,} against {population:,} people aged 15-45 "
                         f"in the campaign districts ({summed / population:.1f} times the population)", 88)


def delivery_table(by_channel: pd.DataFrame) -> pd.DataFrame:
    """:func:`campaign_me.monitoring.delivery` by channel, readable.

    A channel whose activities count nobody (radio spots, posters, posts: attendance 0) says
    "not counted" where the log has no contacts, instead of a missing number.
    """
    if absent(by_channel):
        return by_channel
    counted = by_channel["attendance"] > 0
    return pd.DataFrame({
        "planned": [number(x) for x in by_channel["planned"]],
        "delivered": [number(x) for x in by_channel["delivered"]],
        "delivered (%)": [percent(x) for x in by_channel["delivery_rate"]],
        "cost": [number(x) for x in by_channel["cost"]],
        "people counted": [number(a) if c else "not counted" for a, c in zip(by_channel["attendance"], counted)],
        "cost per person counted": [number(x, 2) if c else "-" for x, c in
                                    zip(by_channel["cost_per_contact"], counted)],
    }, index=pd.Index([_cap(channel_name(c)) for c in by_channel["channel"]], name="channel"))


def district_table(by_district: pd.DataFrame, rows: int = 5) -> pd.DataFrame:
    """The districts with the lowest delivery rate first (``rows`` of them), readable."""
    if absent(by_district):
        return None
    t = by_district.sort_values("delivery_rate", kind="stable").head(rows)
    return pd.DataFrame({
        "planned": [number(x) for x in t["planned"]],
        "delivered": [number(x) for x in t["delivered"]],
        "delivered (%)": [percent(x) for x in t["delivery_rate"]],
    }, index=pd.Index(t["district"].astype(str), name="district"))


def delivery_lesson(by_channel: pd.DataFrame, by_district: pd.DataFrame, *, country: str) -> str:
    """Delivery against plan in words: overall, by channel, by district, and which channels count people."""
    if absent(by_channel):
        return None
    planned, delivered = float(by_channel["planned"].sum()), float(by_channel["delivered"].sum())
    rate = by_channel.set_index("channel")["delivery_rate"]
    hi, lo = rate.idxmax(), rate.idxmin()
    d = by_district.set_index("district")["delivery_rate"]
    text = (f"{country}'s campaign delivered {number(delivered)} of its {number(planned)} planned activities "
            f"({percent(delivered / planned)}). By channel, {channel_name(hi)} came closest to plan "
            f"({percent(rate[hi])}) and {channel_name(lo)} fell furthest short ({percent(rate[lo])}). ")
    if len(d) > 1:
        text += (f"By district, delivery ranged from {percent(d.min())} ({d.idxmin()}) to {percent(d.max())} "
                 f"({d.idxmax()}). ")
    counted = by_channel.loc[by_channel["attendance"] > 0, "channel"].tolist()
    uncounted = by_channel.loc[by_channel["attendance"] <= 0, "channel"].tolist()
    if counted and uncounted:
        text += (f"Only {join_words([channel_name(c) for c in counted])} count the people they reach (attendance); the "
                 f"log counts nobody for {join_words([channel_name(c) for c in uncounted])}, so it has no cost per person "
                 f"for them: their reach has to come from the survey.")
    return text.strip()


# ---------------------------------------------------------------------------
# platforms
# ---------------------------------------------------------------------------


def platform_table(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`campaign_me.monitoring.platform_summary` (with period reach), readable."""
    if absent(summary):
        return None
    return pd.DataFrame({
        "impressions": [number(x) for x in summary["impressions"]],
        "accounts reached": [number(x) for x in summary["reach"]],
        "times each": [number(x, 1) for x in summary["frequency"]],
        "click-through": [percent(x, 1) for x in summary["ctr"]],
        "spend": [number(x) for x in summary["spend"]],
        "per 1,000 impressions": [number(x, 2) for x in summary["cpm"]],
        "per account reached": [number(x, 3) for x in summary["cost_per_reached"]],
    }, index=pd.Index([_PLATFORMS.get(p, str(p)) for p in summary["platform"]], name="platform"))


def reach_lesson(daily: pd.DataFrame, summary: pd.DataFrame, *, population: int, country: str) -> str:
    """The summed-daily-reach trap for this country: the impossible sum beside the platforms' unique reach."""
    if absent(daily) or absent(summary) or absent(population):
        return None
    summed = float(daily["reach"].sum())
    days = int(daily["date"].nunique()) if "date" in daily.columns else None
    per = daily.groupby("platform")["reach"].sum()
    uniq = summary.set_index("platform")["reach"]
    text = (f"Added up over {number(days) + ' days' if days else 'the campaign'}, daily reach comes to "
            f"{number(summed)}: {number(summed / population, 1)} times the {number(population)} people aged 15-45 "
            f"who live in {country}'s campaign districts, which cannot be. ")
    parts = [f"{_PLATFORMS.get(p, p)} {number(uniq[p])} accounts (its daily reach summed is "
             f"{number(per[p] / uniq[p], 1)} times more)" for p in uniq.index if p in per.index]
    text += (f"The platforms' own count of the accounts reached at least once over the whole campaign is "
             f"{join_words(parts)}, in campaign and comparison districts together. Even these count accounts, not "
             f"people, and cannot be added across platforms: one person may use both.")
    return text


def platform_summary(daily, period_reach):
    """:func:`campaign_me.monitoring.platform_summary` with the platforms' period reach, or what is missing."""
    if absent(daily) or absent(period_reach):
        return daily if absent(daily) else period_reach
    return _monitoring.platform_summary(daily, period_reach=period_reach)


def spillover_text(daily) -> str | None:
    """:func:`spillover_lesson` of :func:`campaign_me.monitoring.spillover` of the daily metrics; None without them."""
    if absent(daily):
        return None
    return spillover_lesson(_monitoring.spillover(daily))


def spillover_lesson(spill: pd.DataFrame) -> str:
    """The share of ad impressions shown outside the campaign districts, and why it matters."""
    imp, out = float(spill["impressions"].sum()), float(spill["impressions_outside"].sum())
    per = join_words([f"{percent(s, 1)} on {_PLATFORMS.get(p, p)}" for p, s in zip(spill["platform"], spill["share_outside"])])
    return (f"{percent(out / imp, 1)} of the ads' impressions ({number(out)} of {number(imp)}; {per}) were shown "
            f"outside the campaign districts, for {number(spill['spend_outside'].sum())} of the spend. People in the "
            f"comparison districts saw some of the campaign, which would pull a comparison of campaign and "
            f"comparison districts towards zero.")


# ---------------------------------------------------------------------------
# people reached and cost
# ---------------------------------------------------------------------------


def people_reached(endline, baseline, population: float, *, variable: str = "exposed_any",
                   correction: str = "independent", level: float | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """People reached = population x share exposed at endline, net of the false reports measured at baseline.

    ``endline`` and ``baseline`` are survey designs of the same target population (e.g. the
    campaign districts, ``design.subset(...)``); the result is
    :func:`campaign_me.monitoring.people_reached`'s table.
    """
    level = level_of(level, settings)
    if absent(population):
        return population
    return _monitoring.people_reached(
        endline.mean(variable, level=level, na_rm=True), population,
        false_report=baseline.mean(variable, level=level, na_rm=True), correction=correction, level=level)


def reached_table(reached: pd.DataFrame, *, level: float | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """The first row of :func:`people_reached` as a short table: the shares and the people, with intervals."""
    level = level_of(level, settings)
    if absent(reached):
        return reached
    r = reached.iloc[0]
    iv = f"{level:.0%} interval"
    return pd.DataFrame(
        {"estimate": [percent(r["exposure"], 1), percent(r["false_report"], 1), percent(r["share"], 1),
                      people(r["estimate"])],
         iv: ["", "", f"{100 * max(r['share_low'], 0):.1f}% to {100 * r['share_high']:.1f}%",
              f"{people(r['ci_low'])} to {people(r['ci_high'])}"]},
        index=pd.Index(["say they saw or heard something (endline)", "said so before the campaign (baseline)",
                        "truly reached: net share", f"people reached, of {number(r['population'])}"], name=""),
    )


def reached_lesson(reached: pd.DataFrame, *, country: str, level: float | None = None, settings: Reporting | None = None) -> str:
    """People reached in words: reported exposure, false reports, the net share and the people it means."""
    level = level_of(level, settings)
    if absent(reached):
        return None
    r = reached.iloc[0]
    return (f"At endline {percent(r['exposure'])} of people aged 15-45 in {country}'s campaign districts said they "
            f"had seen or heard something about working abroad; at baseline, before the campaign, "
            f"{percent(r['false_report'])} already said so. Net of these false reports, about "
            f"{percent(r['share'])} were truly reached ({level:.0%} CI {100 * max(r['share_low'], 0):.0f}% to "
            f"{100 * r['share_high']:.0f}%): about **{people(r['estimate'])} people** ({people(r['ci_low'])} to "
            f"{people(r['ci_high'])}) of {number(r['population'])}.")


def cost_lesson(cost: pd.DataFrame, *, activities_cost: float, ads_cost: float, level: float | None = None, settings: Reporting | None = None) -> str:
    """Cost per person reached (:func:`campaign_me.monitoring.cost_per_person_reached`) in words, as a lower bound."""
    level = level_of(level, settings)
    c = cost.iloc[0]
    upper = f"{number(c['ci_high'], 2)}" if np.isfinite(c["ci_high"]) else "no upper limit"
    return (f"The logged cost, {number(c['cost'])} ({number(activities_cost)} for activities and {number(ads_cost)} "
            f"for online ads), over about {people(c['reached'])} people reached comes to **{number(c['estimate'], 2)} "
            f"per person** ({level:.0%} CI {number(c['ci_low'], 2)} to {upper}). Staff, production and evaluation "
            f"costs are not in the log, so the true cost per person is higher: this is a lower bound.")


def cost_text(reached, activities, daily, *, level: float | None = None, settings: Reporting | None = None) -> str | None:
    """:func:`cost_lesson` for the logged cost (activities and online ads) over the people reached.

    None when the survey lacks the activity log, the platform metrics or the people reached.
    """
    level = level_of(level, settings)
    if absent(reached) or absent(activities) or absent(daily):
        return None
    costs = _monitoring.cost_per_person_reached(reached, float(activities["cost"].sum()) + float(daily["spend"].sum()))
    return cost_lesson(costs, activities_cost=activities["cost"].sum(), ads_cost=daily["spend"].sum(), level=level)


def channel_costs(by_channel: pd.DataFrame, endline, baseline, population: float, *,
                  channels: Mapping[str, str] | None = None, level: float | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """Cost per person reached by channel, people reached taken from the survey's question per channel.

    Parameters
    ----------
    by_channel : DataFrame
        :func:`campaign_me.monitoring.delivery` by channel (its ``cost`` and ``attendance``).
    endline, baseline : SurveyDesign
        The target population at endline and baseline (false reports per channel).
    channels : mapping, optional
        Activity-log channel -> survey 0/1 column (default :data:`SURVEY_CHANNELS`).

    Returns
    -------
    DataFrame
        One row per channel: ``channel, cost, attendance, reached, reached_low, reached_high,
        estimate, ci_low, ci_high`` (the last three: cost per person reached).
    """
    level = level_of(level, settings)
    if absent(by_channel) or absent(population):
        return by_channel if absent(by_channel) else population
    channels = dict(SURVEY_CHANNELS if channels is None else channels)
    log = by_channel.set_index("channel")
    rows = []
    for channel, column in channels.items():
        if channel not in log.index:
            continue
        reached = people_reached(endline, baseline, population, variable=column, level=level)
        cost = _monitoring.cost_per_person_reached(reached, float(log.loc[channel, "cost"])).iloc[0]
        rows.append({"channel": channel, "cost": float(log.loc[channel, "cost"]),
                     "attendance": float(log.loc[channel, "attendance"]), "reached": float(reached["estimate"].iloc[0]),
                     "reached_low": float(reached["ci_low"].iloc[0]), "reached_high": float(reached["ci_high"].iloc[0]),
                     "estimate": float(cost["estimate"]), "ci_low": float(cost["ci_low"]),
                     "ci_high": float(cost["ci_high"])})
    return pd.DataFrame(rows)


def channel_cost_table(costs: pd.DataFrame, *, level: float | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """:func:`channel_costs` readable: cost, people reached (survey) and cost per person reached, with intervals."""
    level = level_of(level, settings)
    if absent(costs):
        return costs
    def upper(x):
        return number(x, 2) if np.isfinite(x) else "no limit"

    return pd.DataFrame({
        "cost": [number(x) for x in costs["cost"]],
        "people reached (survey)": [people(x) for x in costs["reached"]],
        "cost per person reached": [number(x, 2) for x in costs["estimate"]],
        f"{level:.0%} interval": [f"{number(lo, 2)} to {upper(hi)}" for lo, hi in zip(costs["ci_low"], costs["ci_high"])],
    }, index=pd.Index([_cap(channel_name(c)) for c in costs["channel"]], name="channel"))


# ---------------------------------------------------------------------------
# funnel
# ---------------------------------------------------------------------------


def funnel(design, codebook=None, *, steps: Mapping[str, str] | None = None, level: float | None = None, settings: Reporting | None = None):
    """:func:`campaign_me.monitoring.funnel` over :data:`FUNNEL_STEPS`, with the survey's own columns.

    A step's 0/1 column is the survey's column of that name or the question that answers it
    (``concept:`` in the codebook). A Missing naming the questions the survey does not have.
    """
    level = level_of(level, settings)
    steps = dict(FUNNEL_STEPS if steps is None else steps)
    columns = design.data.columns
    concepts = codebook.concepts if codebook is not None else {}
    resolved, lacking = {}, []
    for step, column in steps.items():
        if column in columns:
            resolved[step] = column
        elif concepts.get(column) in columns:
            resolved[step] = concepts[column]
        else:
            lacking.append(column)
    if lacking:
        return Missing(missing_line("question" + ("s" if len(lacking) > 1 else "") + " for "
                                    + join_words([f"\"{s}\"" for s, c in steps.items() if c in lacking]),
                                    ", ".join(lacking), "the funnel needs every step"))
    return _monitoring.funnel(design, resolved, level=level)


def funnel_table(chain: pd.DataFrame, *, level: float | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """:func:`campaign_me.monitoring.funnel` readable: shares of the population and of the step before."""
    level = level_of(level, settings)
    if absent(chain):
        return chain
    return pd.DataFrame({
        "of everyone": [percent(x) for x in chain["estimate"]],
        f"{level:.0%} interval": [f"{100 * lo:.0f}% to {100 * hi:.0f}%" for lo, hi in zip(chain["ci_low"], chain["ci_high"])],
        "of those at the step before": ["" if pd.isna(c) else percent(c) for c in chain["conversion"]],
    }, index=pd.Index(list(chain["step"]), name="step"))


def _did(step: str) -> str:
    """A funnel step as a verb phrase: "exposed" -> "were exposed"; "knew the hotline" stays."""
    return f"were {step}" if step in ("exposed", "reached") else step


def funnel_lesson(chain: pd.DataFrame, *, country: str) -> str:
    """The funnel in words, step by step per 100 people, and where most people drop out.

    Step labels are read as past-tense verb phrases (:data:`FUNNEL_STEPS`: "exposed", "recognised
    the poster", "understood its message", "knew the hotline").
    """
    if absent(chain):
        return None
    steps = list(chain["step"])
    est = chain["estimate"].to_numpy(dtype=float)
    rest = [f"{100 * e:.0f} also {s}" for s, e in zip(steps[1:], est[1:])]
    text = (f"Of every 100 people aged 15-45 in {country}'s campaign districts at endline, "
            f"{100 * est[0]:.0f} {_did(steps[0])}" + ("; " + "; ".join(rest) if rest else "") + ".")
    conv = chain["conversion"].to_numpy(dtype=float)
    if len(conv) > 1 and np.isfinite(conv[1:]).any():
        k = int(np.nanargmin(conv[1:])) + 1
        text += (f" The largest loss is at the step \"{steps[k]}\": only {percent(conv[k])} of those who "
                 f"{_did(steps[k - 1])} also {steps[k]}.")
    return text
