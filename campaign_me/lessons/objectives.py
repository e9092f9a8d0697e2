"""Lesson 02, *Objectives and the logframe*: the sentences and tables of ``notebooks/02_objectives_and_logframe.ipynb``.

The logframe's levels (goal, outcomes, outputs, activities), its indicator rows with their means of
verification, the baselines checked against the survey, the targets checked against the minimum
detectable change of the planned survey, and the endline tracking table. Every count comes from
:mod:`campaign_me.logframe`, the computation the country report uses (``notebooks/07_country_report``
calls :func:`~campaign_me.logframe.tracking_table` with the same arguments), and the statuses are
named in words, never by colour alone (:data:`STATUS_WORDS`: "on track", "part of the way",
"off track", "cannot judge").
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .. import power as _power
from ..conventions import Reporting
from ..errors import CampaignMeError
from ..indicators import compute_indicators
from ..logframe import STATUS_WORDS, load_logframe, tracking_table
from .start import (
    Missing,
    Shown,
    absent,
    count,
    given_or_settings,
    interval,
    level_of,
    missing_line,
    number,
    table,
)

__all__ = [
    "logframe",
    "STATUS_WORDS",
    "STATUS_MEANING",
    "CHAIN",
    "ASSUMPTIONS",
    "smart_example",
    "results_chain",
    "levels_table",
    "indicators_table",
    "dates_sentence",
    "baselines",
    "baselines_table",
    "baselines_sentence",
    "detectability",
    "detectability_table",
    "detectability_sentence",
    "countries_detectability",
    "countries_table",
    "countries_sentence",
    "headline_lines",
    "tracking",
    "endline_tracking",
    "tracking_readable",
    "tracking_sentence",
    "status_line",
    "target_check",
    "target_answer",
    "target_exercise",
    "did_sentence",
    "did_answer",
    "did_exercise",
]

# STATUS_WORDS (the words of the traffic-light statuses) is :data:`campaign_me.logframe.STATUS_WORDS`,
# the one definition the country report also uses; imported above and kept in __all__.

#: What each status means (the cut-offs of :func:`campaign_me.logframe.tracking_table`).
STATUS_MEANING = {
    "green": "at least the planned change",
    "amber": "at least half of the planned change",
    "red": "less than half of the planned change",
    "grey": "the interval spans a cut-off: the survey cannot tell which band the change is in",
}

#: The campaign's results chain, from what it does to what it is for.
CHAIN = ("activities delivered", "exposure", "recall", "comprehension", "knowledge and risk perception",
         "intention", "safe practice", "less harm")
#: The assumption behind each arrow of :data:`CHAIN`.
ASSUMPTIONS = ("people use the channels", "the message stands out", "it is understood", "it is believed",
               "knowing changes plans", "safe routes are open", "safe routes are safer")


def _month(date: str) -> str:
    """``"2026-06"`` as ``"June 2026"``."""
    try:
        year, month = date.split("-")[:2]
        return f"{calendar.month_name[int(month)]} {year}"
    except (ValueError, IndexError):
        return date


def _unit(frame, indicator: str) -> str:
    return frame.catalogue[indicator].unit


def _value(x, unit: str) -> str:
    return f"{number(x)}%" if unit == "%" else f"{number(x)}"


def _who(domain: dict) -> str:
    if not domain:
        return "Everyone aged 15-45"
    text = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in domain.items()) + " only"
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _close_pair(a: float, b: float) -> tuple[str, str]:
    """Two numbers with one decimal, or more when one decimal would show them equal."""
    digits = next((d for d in range(1, 4) if number(a, d) != number(b, d)), 4)
    return number(a, digits), number(b, digits)


# ---------------------------------------------------------------------------
# objectives and the results chain
# ---------------------------------------------------------------------------


def logframe(wb, codebook):
    """The country's ``logframe.yaml`` (:func:`campaign_me.logframe.load_logframe`), or a
    :class:`~campaign_me.workbook.Missing` when its folder holds none.

    The lesson functions given the Missing show its line once per section (the table that opens
    the section) and nothing else: a survey without a results framework moves on.
    """
    if not wb.has("logframe.yaml"):
        return Missing(missing_line("logframe", "logframe.yaml"))
    return load_logframe(wb.path("logframe.yaml"), codebook=codebook)


def smart_example(frame, country_name: str, indicator: str = "risk_aware") -> str:
    """A SMART objective written from this country's logframe row (baseline, target, date)."""
    if absent(frame):
        return frame
    rows = [r for r in frame.rows if r.indicator == indicator and not r.domain] or [r for r in frame.rows if not r.domain]
    if not rows:
        raise CampaignMeError("the logframe has no indicator row for the whole population")
    r = rows[0]
    unit = _unit(frame, r.indicator)
    verb = "raise" if r.target > r.baseline else "lower"
    if r.indicator == "risk_aware":
        what = (f"the share of 15-45-year-olds in {country_name} who think irregular routes carry a high risk of "
                "exploitation")
    else:
        what = f"\"{frame.catalogue[r.indicator].name}\" among 15-45-year-olds in {country_name}"
    return (f"*\"By {_month(r.target_date)}, {verb} {what} from {_value(r.baseline, unit)} to "
            f"{_value(r.target, unit)}.\"* SMART: a specific change, in a defined audience, measured by a catalogue "
            "indicator with a baseline from the survey, by a date.")


def results_chain(title: str = "The campaign's results chain") -> dict:
    """Arguments of :func:`campaign_me.widgets.results_chain_figure` for the campaign's chain, with its alt text."""
    return {"steps": list(CHAIN), "assumptions": list(ASSUMPTIONS), "title": title,
            "alt": ("Results chain: " + ", then ".join(CHAIN) + ". Under each arrow its assumption: "
                    + "; ".join(f"from {a} to {b}, {x}" for a, b, x in zip(CHAIN, CHAIN[1:], ASSUMPTIONS)) + ".")}


# ---------------------------------------------------------------------------
# the logframe
# ---------------------------------------------------------------------------


def levels_table(frame):
    """Every level of the logframe: goal, outcomes, outputs and activities, with their assumptions."""
    if absent(frame):
        return frame
    rows = []
    for res in frame.results:
        rows.append({"Level": res["level"].capitalize(), "ID": res["id"], "What should change": res["narrative"],
                     "Assumptions": "; ".join(res["assumptions"]) or "–"})
    for act in frame.activities:
        rows.append({"Level": "Activity", "ID": str(act.get("id", "")),
                     "What should change": str(act.get("narrative", ""))
                     + (f" (leads to {act['output']})" if act.get("output") else ""),
                     "Assumptions": "; ".join(act.get("assumptions") or []) or "–"})
    return table(pd.DataFrame(rows))


def indicators_table(frame):
    """The logframe's indicator rows: result, indicator, who, baseline to target, means of verification."""
    if absent(frame):
        return None
    rows = []
    for r in frame.rows:
        unit = _unit(frame, r.indicator)
        rows.append({"Result": r.result, "Indicator": frame.catalogue[r.indicator].name, "Who": _who(r.domain),
                     "Baseline → target": f"{_value(r.baseline, unit)} → {_value(r.target, unit)}"
                                          + ("" if unit == "%" else f" ({unit})"),
                     "Means of verification": r.means_of_verification or "–"})
    return table(pd.DataFrame(rows))


def dates_sentence(frame) -> str:
    """When the baselines were measured and the targets are due, from the logframe's dates."""
    if absent(frame):
        return None
    targets = sorted({r.target_date for r in frame.rows if r.target_date})
    bases = sorted({r.baseline_date for r in frame.rows if r.baseline_date})
    n = len(frame.rows)
    if len(targets) == 1:
        text = f"All {n} targets are due by {_month(targets[0])}"
    elif targets:
        text = f"The {n} targets are due between {_month(targets[0])} and {_month(targets[-1])}"
    else:
        text = f"None of the {n} targets has a date"
    if len(bases) == 1:
        text += f"; the baselines were measured in {_month(bases[0])}"
    elif bases:
        text += f"; the baselines were measured between {_month(bases[0])} and {_month(bases[-1])}"
    levels = [lv for lv in ("goal", "outcome", "output") if any(r.level == lv for r in frame.rows)]
    text += ". The indicator rows belong to the " + " and ".join(levels) + " level" + ("s" if len(levels) > 1 else "")
    without = (["the goal"] if "goal" not in levels else []) + (["the activities"] if frame.activities else [])
    if without:
        text += (". " + " and ".join(without).capitalize() + " have no survey indicator here: a campaign survey rarely "
                 "measures the goal (less exploitation), and activities are followed by delivery monitoring "
                 "(notebook 05)")
    return text + "."


def _measured(frame, design, codebook, level: float, min_n: int, flag_n: int) -> list[dict]:
    """Each logframe row with the survey's estimate for its indicator and domain."""
    tables: dict[tuple, pd.DataFrame] = {}
    out = []
    for r in frame.rows:
        keys = tuple(r.domain)
        if keys not in tables:
            ids = sorted({x.indicator for x in frame.rows if tuple(x.domain) == keys})
            tables[keys] = compute_indicators(design, frame.catalogue, codebook=codebook, by=list(keys) or None,
                                              indicators=ids, level=level, min_n=min_n, flag_n=flag_n)
        t = tables[keys]
        sel = t["indicator"] == r.indicator
        for k, v in r.domain.items():
            sel &= t[k].astype(str) == str(v)
        hit = t[sel]
        rec = hit.iloc[0].to_dict() if len(hit) == 1 else {}
        out.append({"row": r, "estimate": rec.get("estimate", math.nan), "ci_low": rec.get("ci_low", math.nan),
                    "ci_high": rec.get("ci_high", math.nan), "n": int(rec.get("n", 0) or 0),
                    "suppressed": bool(rec.get("suppressed", True))})
    return out


def baselines(frame, design, codebook, *, level: float | None = None, min_n: int | None = None,
              flag_n: int | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """The logframe's baselines beside the baseline survey's estimates (same indicator and domain).

    One row per logframe row: ``indicator, name, who, unit, baseline, estimate, ci_low, ci_high, n,
    suppressed, inside`` (``inside``: the logframe's baseline lies within the survey's interval;
    missing when the estimate is suppressed). ``level``, ``min_n`` and ``flag_n`` default to the
    ``settings``' (a workbook's ``wb.settings``; 0.95, 25 and 50 without).
    """
    if absent(frame):
        return frame
    rows = []
    level, min_n, flag_n = given_or_settings(settings, level=level, min_n=min_n, flag_n=flag_n)
    for m in _measured(frame, design, codebook, level, min_n, flag_n):
        r = m["row"]
        inside = (m["ci_low"] <= r.baseline <= m["ci_high"]) if not m["suppressed"] else None
        rows.append({"indicator": r.indicator, "name": frame.catalogue[r.indicator].name, "who": _who(r.domain),
                     "unit": _unit(frame, r.indicator), "baseline": r.baseline, "estimate": m["estimate"],
                     "ci_low": m["ci_low"], "ci_high": m["ci_high"], "n": m["n"], "suppressed": m["suppressed"],
                     "inside": inside})
    return pd.DataFrame(rows)


def baselines_table(check: pd.DataFrame, level: float | None = None, *, settings: Reporting | None = None):
    """:func:`baselines` in words (``level``: default the ``settings``' confidence level)."""
    if absent(check):
        return check
    level = level_of(level, settings)
    rows = []
    for r in check.to_dict("records"):
        survey = (f"not shown (n = {r['n']})" if r["suppressed"]
                  else f"{number(r['estimate'])} ({interval(r['ci_low'], r['ci_high'])})")
        rows.append({"Indicator": r["name"] + (" (%)" if r["unit"] == "%" else f" ({r['unit']})"), "Who": r["who"],
                     "Logframe baseline": number(r["baseline"]), f"Survey estimate ({level:.0%} interval)": survey,
                     "Inside the interval?": "–" if r["inside"] is None else ("yes" if r["inside"] else "no")})
    return table(pd.DataFrame(rows))


def baselines_sentence(check: pd.DataFrame, country_name: str, level: float | None = None, *,
                       settings: Reporting | None = None) -> str:
    """How many of the logframe's baselines the baseline survey confirms."""
    if absent(check):
        return None
    level = level_of(level, settings)
    judged = check[check["inside"].notna()]
    inside = judged[judged["inside"].astype(bool)]
    outside = judged[~judged["inside"].astype(bool)]
    hidden = check[check["inside"].isna()]
    if len(inside) == len(judged) and len(judged):
        text = (f"In {country_name}, {'all ' if len(judged) > 1 else ''}{len(judged)} of the logframe's baselines that the "
                f"survey can estimate lie inside its {level:.0%} interval: they are the baseline survey's estimates.")
    else:
        text = (f"In {country_name}, {len(inside)} of the {len(judged)} baselines the survey can estimate lie inside its "
                f"{level:.0%} interval; {len(outside)} {'does' if len(outside) == 1 else 'do'} not: "
                + "; ".join(f"\"{r['name']}\" ({r['who'].lower()}: logframe {number(r['baseline'])}, survey "
                            f"{interval(r['ci_low'], r['ci_high'])})" for r in outside.to_dict("records"))
                + ". A baseline outside the interval was not taken from this survey: ask where it came from.")
    if len(hidden):
        text += (f" {len(hidden)} {'rests' if len(hidden) == 1 else 'rest'} on too few interviews to check: "
                 + "; ".join(f"\"{r['name']}\" ({r['who'].lower()}, n = {r['n']})" for r in hidden.to_dict("records"))
                 + ".")
    return text


# ---------------------------------------------------------------------------
# targets against the minimum detectable change
# ---------------------------------------------------------------------------


def detectability(frame) -> pd.DataFrame:
    """Each logframe row's planned change beside the minimum detectable change :func:`~campaign_me.logframe.load_logframe` computed.

    Columns ``indicator, name, who, unit, planned_change, mde, planned_n, detectable`` (``detectable``
    missing where no MDE could be computed). A row is below the MDE exactly when the logframe
    warns about it.
    """
    if absent(frame):
        return frame
    rows = []
    for r in frame.rows:
        change = abs(r.target - r.baseline)
        rows.append({"indicator": r.indicator, "name": frame.catalogue[r.indicator].name, "who": _who(r.domain),
                     "unit": _unit(frame, r.indicator), "planned_change": change,
                     "mde": r.mde if r.mde is not None else math.nan, "planned_n": r.planned_n,
                     "detectable": (change >= r.mde) if r.mde is not None else None})
    return pd.DataFrame(rows)


def detectability_table(check: pd.DataFrame):
    """:func:`detectability` in words."""
    if absent(check):
        return None
    rows = []
    for r in check.to_dict("records"):
        unit = "points" if r["unit"] == "%" else f"points ({r['unit']})"
        can = "–" if r["detectable"] is None else ("yes" if r["detectable"] else "no: smaller than the MDE")
        rows.append({"Indicator": r["name"], "Who": r["who"], f"Planned change ({unit.split(' (')[0]})":
                     number(r["planned_change"]), "Minimum detectable change": number(r["mde"]),
                     "Interviews per round": count(r["planned_n"]), "Can the survey show it?": can})
    return table(pd.DataFrame(rows))


def _plan_text(frame) -> str:
    p = frame.planned_sample
    return (f"{count(p['n'])} interviews per round, design effect {p['deff']:g}, {p['power']:.0%} power, "
            f"{p['alpha']:.0%} significance")


def detectability_sentence(check: pd.DataFrame, frame, country_name: str) -> str:
    """How many targets the planned survey can detect, and which it cannot."""
    if absent(check):
        return None
    judged = check[check["detectable"].notna()]
    yes = judged[judged["detectable"].astype(bool)]
    no = judged[~judged["detectable"].astype(bool)]
    text = (f"In {country_name}, {len(yes)} of {len(check)} planned changes are at least as large as the minimum detectable "
            f"change of the planned survey ({_plan_text(frame)}): if they happen, the endline survey will probably show them.")
    if len(no):
        plan_n = frame.planned_sample.get("n")

        def item(r):
            where = "" if r["who"] == _who({}) else f", {_lower_first(r['who'])}"
            planned, mde = _close_pair(r["planned_change"], r["mde"])
            n = "" if r["planned_n"] == plan_n else f" with {count(r['planned_n'])} interviews per round"
            return f"\"{r['name']}\"{where} (planned {planned}, detectable from {mde}{n})"

        if len(no) <= 3:
            text += f" {len(no)} {'is' if len(no) == 1 else 'are'} not: " + "; ".join(map(item, no.to_dict("records"))) + "."
        else:
            names = [f"\"{r['name']}\"" + ("" if r["who"] == _who({}) else f" ({_lower_first(r['who'])})")
                     for r in no.to_dict("records")]
            text += (f" {len(no)} are not: " + ", ".join(names[:-1]) + " and " + names[-1]
                     + " (the table gives each planned and detectable change).")
    missing = check[check["detectable"].isna()]
    if len(missing):
        text += f" {len(missing)} {'row has' if len(missing) == 1 else 'rows have'} no minimum detectable change (no standard deviation given)."
    return text


def countries_detectability(data_dir, codebook, countries: Sequence[str] | None = None) -> pd.DataFrame:
    """For each country with a ``logframe.yaml`` under ``data_dir``: planned interviews, targets, targets below the MDE."""
    root = Path(data_dir)
    folders = [root / c for c in countries] if countries is not None else sorted(
        p for p in root.iterdir() if p.is_dir() and (p / "logframe.yaml").is_file())
    rows = []
    columns = ["country", "planned_n", "targets", "below_mde"]
    for folder in folders:
        lf = load_logframe(folder / "logframe.yaml", codebook=codebook)
        check = detectability(lf)
        rows.append({"country": lf.country or folder.name.title(), "planned_n": lf.planned_sample.get("n"),
                     "targets": len(check), "below_mde": int((check["detectable"] == False).sum())})  # noqa: E712
    return pd.DataFrame(rows, columns=columns)


def countries_table(summary: pd.DataFrame):
    """:func:`countries_detectability` in words; None when no country has a logframe."""
    if not len(summary):
        return None
    rows = [{"Country": r["country"], "Planned interviews per round": count(r["planned_n"]), "Targets": r["targets"],
             "Below the minimum detectable change": f"{r['below_mde']} of {r['targets']}"}
            for r in summary.to_dict("records")]
    return table(pd.DataFrame(rows))


def headline_lines(summary: pd.DataFrame) -> str:
    """The lesson's headline: one line per country, targets below the MDE and the planned sample."""
    if not len(summary):
        return "No country in this data folder has a logframe (logframe.yaml): this section needs one."
    return "\n".join(f"{r['country']}: {r['below_mde']} of {r['targets']} targets below the minimum detectable change "
                     f"(n = {r['planned_n']} per round)" for r in summary.to_dict("records"))


def countries_sentence(summary: pd.DataFrame) -> str:
    """Which country planned the survey least able to see its targets, and whether smaller surveys see less."""
    if not len(summary):
        return None
    s = summary.assign(share=summary["below_mde"] / summary["targets"])
    worst = s.loc[s["share"].idxmax()]
    smallest = s.loc[s["planned_n"].idxmin()]
    text = (f"{worst['country']} planned {count(worst['planned_n'])} interviews per round: {worst['below_mde']} of its "
            f"{worst['targets']} targets are below the minimum detectable change, so its endline survey will probably "
            "not be able to show them even if they happen.")
    ordered = s.sort_values("planned_n")
    if len(s) > 1 and ordered["share"].is_monotonic_decreasing and worst["country"] == smallest["country"]:
        text += " Across the countries, the smaller the planned survey, the larger the share of targets it cannot see."
    return text


# ---------------------------------------------------------------------------
# the endline tracking table (the country report's)
# ---------------------------------------------------------------------------


def tracking(frame, design, codebook, *, level: float | None = None, min_n: int | None = None,
             flag_n: int | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """The tracking table exactly as the country report computes it (:func:`campaign_me.logframe.tracking_table`)."""
    return tracking_table(frame, design, codebook=codebook, level=level, min_n=min_n, flag_n=flag_n,
                          settings=settings)


def endline_tracking(frame, wb, codebook) -> pd.DataFrame | None:
    """The tracking table on the last survey round of ``wb.rounds``; None when there is only one round.

    ``wb`` is :func:`campaign_me.workbook.check_parameters`' result (rounds, and ``wb.settings``).
    """
    if isinstance(frame, Missing):
        return frame
    if len(wb.rounds) < 2:
        return None
    return tracking(frame, wb.design(wb.survey(wb.rounds[-1])), codebook, settings=wb.settings)


def tracking_readable(track: pd.DataFrame | None, level: float | None = None, *, settings: Reporting | None = None):
    """The tracking table in words: indicator, who, baseline to target, endline with interval, status."""
    level = level_of(level, settings)
    if isinstance(track, Missing):
        return None
    if track is None:
        return table(pd.DataFrame({"Status": ["no endline round"]}))
    rows = []
    for r in track.to_dict("records"):
        unit = r["unit"]
        latest = ("not shown" if pd.isna(r["latest"])
                  else f"{_value(r['latest'], unit)} ({interval(r['ci_low'], r['ci_high'])})")
        rows.append({"Indicator": r["name"], "Who": _who_text(r["domain"]),
                     "Baseline → target": f"{_value(r['baseline'], unit)} → {_value(r['target'], unit)}",
                     f"Endline ({level:.0%} interval)": latest,
                     "Status": STATUS_WORDS.get(r["status"], r["status"])})
    return table(pd.DataFrame(rows))


def _who_text(domain: str) -> str:
    if domain in ("", "all"):
        return "Everyone aged 15-45"
    text = ", ".join(part.replace("=", " ").replace("_", " ").strip() for part in domain.split(", ")) + " only"
    return text[:1].upper() + text[1:]


def _counts(track: pd.DataFrame) -> dict[str, int]:
    c = track["status"].value_counts()
    return {k: int(c.get(k, 0)) for k in STATUS_WORDS}


def status_line(track: pd.DataFrame | None, country_name: str) -> str:
    """One line: the endline statuses of the logframe's targets, in the report's words."""
    if isinstance(track, Missing):
        return f"{country_name}: no logframe (logframe.yaml), so no targets to rate at endline"
    if track is None:
        return f"{country_name}: no endline round (rounds has one round), so no status yet"
    c = _counts(track)
    return (f"{country_name} endline, {len(track)} targets: "
            + ", ".join(f"{c[k]} {STATUS_WORDS[k]}" for k in STATUS_WORDS))


def tracking_sentence(frame, track: pd.DataFrame | None, country_name: str) -> str:
    """The endline statuses, and how they square with the targets' detectability at planning."""
    if isinstance(frame, Missing) or isinstance(track, Missing):
        return None
    if track is None:
        return ("The statuses need an endline: add a second round to `rounds` in the Parameters cell "
                "(for example `[\"baseline\", \"endline\"]`).")
    c = _counts(track)
    parts = [f"{c[k]} {STATUS_WORDS[k]} ({k})" for k in STATUS_WORDS if c[k]]
    text = (f"At endline, the tracking table of the {country_name} country report rates its {len(track)} targets: "
            + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + ".")
    check = detectability(frame)
    grey = track["status"].to_numpy() == "grey"
    det = check["detectable"].to_numpy() == True  # noqa: E712
    both = int((grey & det).sum())
    n_det = int(det.sum())
    text += f" At planning, {n_det} of the {len(track)} planned changes were detectable"
    if c["grey"]:
        text += (f"; of the {c['grey']} {'target' if c['grey'] == 1 else 'targets'} the endline cannot judge, "
                 f"{both} {'was' if both == 1 else 'were'} among them.")
        if both:
            text += (" The two checks ask different questions: a detectable change is one the survey can probably tell "
                     "from no change; a status needs more, the whole interval of the progress inside one band (less "
                     "than half the planned change, half to all of it, all of it or more).")
    else:
        text += "."
    return text


# ---------------------------------------------------------------------------
# exercises
# ---------------------------------------------------------------------------


def _row(frame, indicator: str):
    rows = [r for r in frame.rows if r.indicator == indicator and not r.domain]
    if not rows:
        ids = sorted({r.indicator for r in frame.rows if not r.domain})
        raise CampaignMeError(f"indicator {indicator!r} has no row for the whole population in this logframe; "
                              f"it has {', '.join(ids)}")
    return rows[0]


def target_check(frame, target, indicator: str = "hotline_known") -> str:
    """Whether a target for an indicator of the logframe is one the planned survey can detect."""
    r = _row(frame, indicator)
    ind = frame.catalogue[indicator]
    unit = ind.unit
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not math.isfinite(target):
        return f"target = {target!r}: write a number, for example {number(r.baseline + 10, 0)}."
    if unit == "%" and not 0 <= target <= 100:
        return f"target = {target:g}: \"{ind.name}\" is a percentage, so the target must be between 0 and 100."
    change = target - r.baseline
    better = (change > 0) == (ind.direction == "higher")
    if change == 0 or not better:
        side = "above" if ind.direction == "higher" else "below"
        return (f"A target of {_value(target, unit)} is not {side} the baseline of {_value(r.baseline, unit)}: "
                f"for \"{ind.name}\", {'higher' if ind.direction == 'higher' else 'lower'} is better.")
    if r.mde is None:
        return (f"Baseline {_value(r.baseline, unit)}, target {_value(target, unit)}: a planned change of "
                f"{number(abs(change))} points. The logframe gives no minimum detectable change for this indicator.")
    shown, mde = _close_pair(abs(change), r.mde)
    head = (f"Baseline {_value(r.baseline, unit)}, target {_value(target, unit)}: a planned change of "
            f"{shown} points.")
    if abs(change) >= r.mde:
        return head + (f" That is at least the minimum detectable change of {mde} points "
                       f"({count(r.planned_n)} interviews per round): the survey can probably show it.")
    return head + (f" That is smaller than the minimum detectable change of {mde} points "
                   f"({count(r.planned_n)} interviews per round): the survey would probably not show it, even if it happened.")


def target_answer(frame, country_name: str, indicator: str = "hotline_known") -> str:
    """The folded check of the target exercise: the smallest detectable target and whether it is realistic."""
    r = _row(frame, indicator)
    ind = frame.catalogue[indicator]
    if r.mde is None:
        body = f"In {country_name}, the logframe gives no minimum detectable change for \"{ind.name}\"."
    else:
        sign = 1 if ind.direction == "higher" else -1
        exact = r.baseline + sign * r.mde
        smallest = math.ceil(exact * 10) / 10 if sign > 0 else math.floor(exact * 10) / 10
        body = (f"In {country_name}, the smallest target the planned survey can detect is "
                f"{_value(smallest, ind.unit)}: the baseline {_value(r.baseline, ind.unit)} "
                f"{'plus' if sign > 0 else 'minus'} the minimum detectable change of {number(r.mde, 2)} points, "
                "rounded to the next tenth.")
        if r.mde <= 10:
            body += (" A change of that size is within the 5 to 10 points evaluated campaigns achieved: ambitious but "
                     "possible.")
        else:
            body += (" That is more than the 5 to 10 points evaluated campaigns achieved: enlarge the survey, or report "
                     "this indicator as monitored, not tested.")
        body += (f" A SMART objective: *\"By {_month(r.target_date)}, raise the share of 15-45-year-olds in {country_name} "
                 f"who know the national hotline number from {_value(r.baseline, ind.unit)} to "
                 f"{_value(smallest, ind.unit)}.\"*"
                 if indicator == "hotline_known" else "")
    return f"<details><summary>Check your answer for {country_name}</summary>\n\n{body}\n\n</details>"


def _did_n(baseline: float, rise: float, deff: float, power: float, alpha: float) -> int:
    return int(_power.sample_size_did((baseline + rise) / 100, baseline / 100, deff=deff, power=power, alpha=alpha))


def did_sentence(frame, country_name: str, rise, baseline: float = 25) -> str:
    """Interviews a difference-in-differences needs for a rise of ``rise`` points from ``baseline`` percent."""
    if isinstance(rise, bool) or not isinstance(rise, (int, float)) or not 0 < rise < 100 - baseline:
        return (f"rise = {rise!r}: write the rise you expect in percentage points, a number above 0 and below "
                f"{number(100 - baseline, 0)}, for example 8.")
    p = frame.planned_sample
    n = _did_n(baseline, rise, p["deff"], p["power"], p["alpha"])
    return (f"To detect a rise of {number(rise)} points from {number(baseline, 0)}% (campaign against comparison districts, "
            f"{p['power']:.0%} power, {p['alpha']:.0%} significance, design effect {p['deff']:g} as planned for "
            f"{country_name}), a difference-in-differences needs {count(n)} interviews per group and round: "
            f"{count(4 * n)} in all (2 groups × 2 rounds).")


def did_answer(frame, country_name: str, rise=8, baseline: float = 25) -> str:
    """The folded check of the interviews exercise: halving the rise, and what the planned survey can detect."""
    p = frame.planned_sample
    n8 = _did_n(baseline, rise, p["deff"], p["power"], p["alpha"])
    n4 = _did_n(baseline, rise / 2, p["deff"], p["power"], p["alpha"])
    per_group = p["n"] / 2 if p.get("n") else None
    body = (f"Halving the rise from {number(rise, 0)} to {number(rise / 2, 0)} points takes the interviews per group and round "
            f"from {count(n8)} to {count(n4)}, {number(n4 / n8)} times as many: the number grows with one over the square "
            "of the rise.")
    if per_group:
        smallest = next((r for r in range(1, int(100 - baseline))
                         if _did_n(baseline, r, p["deff"], p["power"], p["alpha"]) <= per_group), None)
        body += (f" {country_name} planned {count(p['n'])} interviews per round, about {count(per_group)} per group: "
                 + (f"enough for a rise of {number(rise, 0)} points." if n8 <= per_group else
                    f"{number(n8 / per_group)} times too few for a rise of {number(rise, 0)} points")
                 + (f"; it can detect a rise of about {smallest} points or more." if smallest and n8 > per_group else ""))
    return f"<details><summary>Check your answer for {country_name}</summary>\n\n{body}\n\n</details>"


def target_exercise(frame, target, country_name: str, indicator: str = "hotline_known") -> Shown:
    """The "target of your own" exercise: the check of ``target`` and the folded answer."""
    if absent(frame):
        return frame
    return Shown(target_check(frame, target, indicator), target_answer(frame, country_name, indicator))


def did_exercise(frame, rise, country_name: str) -> Shown:
    """The "how many interviews?" exercise: the interviews for ``rise`` and the folded answer."""
    if absent(frame):
        return frame
    return Shown(did_sentence(frame, country_name, rise), did_answer(frame, country_name))
