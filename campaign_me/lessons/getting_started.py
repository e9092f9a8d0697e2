"""Lesson 01, *Getting started*: the sentences and tables of ``notebooks/01_getting_started.ipynb``.

The situation analysis of a baseline survey: the codebook and the 999 trap, who intends to
migrate irregularly, which channels reach people, weighted against unweighted estimates, and the
premise check (do people who intend to migrate irregularly know less?). Each sentence is written
from this country's numbers; differences between groups of the same survey come from a
design-based regression on a 0/1 group indicator (:func:`group_difference`), so their intervals
respect the clusters the groups share.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..conventions import Reporting
from ..errors import CampaignMeError
from ..indicators import applicable, compute_indicators
from ..regression import regress
from ..scales import knowledge_score
from ..workbook import BREAKDOWNS, shipped_catalogue
from .start import (
    Missing,
    Shown,
    Text,
    absent,
    column_label,
    count,
    given_or_settings,
    group_label,
    interval,
    level_of,
    missing_line,
    number,
    p_value,
    table,
)

__all__ = [
    "codebook_excerpt",
    "Trap",
    "trap",
    "trap_line",
    "trap_text",
    "trap_sentence",
    "trap_headline",
    "headline",
    "situation_table",
    "situation_sentence",
    "by_groups",
    "groups_table",
    "groups_sentence",
    "groups_alt",
    "group_difference",
    "channels_table",
    "channels_sentence",
    "weights_sentence",
    "weighting_sentence",
    "premise",
    "premise_table",
    "premise_sentence",
    "group_answer",
    "by_group_exercise",
    "small_groups",
    "small_groups_table",
    "small_groups_answer",
    "small_groups_exercise",
    "channels_section",
    "CHANNELS",
    "GROUPS",
]

#: The channel-access columns of the sample survey and their names in words (a survey of one's own:
#: the options of its question with ``concept: access``, named by its codebook).
CHANNELS = {"access/radio": "Radio", "access/tv": "Television", "access/facebook": "Facebook",
            "access/events": "Community events"}
#: The characteristics the lesson breaks its indicator down by, in the catalogue's names.
GROUPS = ("sex", "age_group", "urban")


def _column(codebook, name: str) -> str | None:
    """The survey column answering ``name``: the variable with ``concept: name``, else ``name`` itself."""
    if codebook is None:
        return name
    codebook = Codebook.coerce(codebook)
    concepts = codebook.concepts
    if name in concepts:
        return concepts[name]
    return name if name in codebook else None


#: The questions the lesson may miss, in words (for the line that says so).
QUESTION_WORDS = {
    "risk_perception": "question on perceived risk",
    "access": "question on the channels people can use",
    "migration_status": "question on migration plans",
    "intend_irregular": "question on the intention to migrate irregularly",
}


def _not_in_survey(name: str, needs: str = "this section needs one") -> Missing:
    what = QUESTION_WORDS.get(name, f"question for \"{column_label(name).lower()}\"")
    return Missing(missing_line(what, name, needs))


def _fold(summary: str, body: str) -> str:
    """A Markdown fold: closed until the reader opens it."""
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


# ---------------------------------------------------------------------------
# the codebook and the 999 trap
# ---------------------------------------------------------------------------


def codebook_excerpt(codebook, names: Sequence[str], items: str | None = None):
    """What the codebook says about some questions, in words (question, answers, missing codes, range).

    ``names`` are codebook variables or catalogue names (a question with ``concept: name`` answers
    one); ``items`` adds the first item of that scale (``"knowledge"``). Names the survey does not
    have are left out and named in one line below the table.
    """
    found, absent_names = [], []
    for name in names:
        column = _column(codebook, name)
        (found if column is not None else absent_names).append(column or name)
    if items is not None and items in codebook.scales():
        found.append(codebook.items(items)[0])
    rows = []
    for name in found:
        var = codebook[name]
        if var.codes:
            answers = "; ".join(f"{k} = {v}" for k, v in var.codes.items())
        elif var.type == "boolean":
            answers = "yes / no"
        else:
            answers = f"a number from {var.min:g} to {var.max:g}" if var.min is not None and var.max is not None \
                else var.type
        missing = "; ".join(f"{k} = {v}" for k, v in var.missing.items()) or "none"
        rows.append({"Column": name, "Question": var.label, "Answers": answers, "Codes meaning missing": missing})
    shown = table(pd.DataFrame(rows))
    if not absent_names:
        return shown
    return Shown(shown, f"Not in this survey: {', '.join(absent_names)}.")


class Trap:
    """The 999 trap of one number question: the raw file, its mean read as plain numbers and through the codebook."""

    def __init__(self, raw: pd.DataFrame, wrong, right, column: str, code) -> None:
        self.raw, self.wrong, self.right, self.column, self.code = raw, wrong, right, column, code


def trap(wb, design, column: str = "risk_perception"):
    """The mean of ``column`` in the first round's raw file (codes as numbers) and through the codebook.

    ``design`` is the first round read through the codebook (``wb.design(wb.survey(...))``). A
    :class:`~campaign_me.workbook.Missing` when the survey has no such number question or its codebook
    gives it no numeric missing-value code (the trap needs one).
    """
    name = _column(wb.book, column)
    if name is None:
        return _not_in_survey(column, "the 999 trap needs a number question with a \"don't know\" code")
    codes = [c for c in wb.book[name].missing if isinstance(c, (int, float)) and not isinstance(c, bool)]
    if not codes:
        return Missing(f"The codebook gives {name} no numeric missing-value code: there is no 999 trap here.")
    raw = wb.raw(wb.rounds[0])  # the file read as plain numbers, NOT through the codebook
    wrong = wb.design(raw).mean(name).iloc[0]
    right = design.mean(name, na_rm=True).iloc[0]
    return Trap(raw, wrong, right, name, max(codes))


def trap_line(result) -> str:
    """:func:`trap_headline` of a :func:`trap`, or the line saying why there is none."""
    if absent(result):
        return str(result)
    return trap_headline(result.wrong, result.right)


def trap_text(result):
    """:func:`trap_sentence` of a :func:`trap` as Markdown text; None without one."""
    if absent(result):
        return None
    return Text(trap_sentence(result.raw, result.wrong, result.right, column=result.column, code=result.code))


def trap_sentence(raw: pd.DataFrame, wrong, right, *, column: str = "risk_perception", code: int = 999) -> str:
    """How many answers are the missing-value code, and what counting them as numbers does to the mean.

    ``wrong`` and ``right`` are one-row estimates (the design-based mean of the raw file and of the
    file read through the codebook).
    """
    answered = raw[column].notna()
    k = int((raw.loc[answered, column] == code).sum())
    share = 100 * k / int(answered.sum())
    w, r = float(wrong["estimate"]), float(right["estimate"])
    if k == 0:
        return f"No answer of {column} is {code}: here the raw file and the codebook give the same mean ({number(r)})."
    ratio = w / r if r else np.inf
    size = (f"{number(ratio)} times the mean of the real answers" if ratio >= 1.2
            else f"{number(w - r, sign=True)} points off the mean of the real answers")
    return (f"{k} of {count(answered.sum())} answers ({number(share)}%) are {code}, \"don't know\". Counted as the "
            f"number {code}, they move the mean perceived risk from {number(r)} to {number(w)}, {size}: a few "
            f"codes ruin the mean. Through the codebook, the {k} \"don't know\" answers are missing and the mean "
            f"rests on the {count(right['n'])} people who gave a number.")


def trap_headline(wrong, right) -> str:
    """The 999 trap's headline: the mean of the raw file against the mean through the codebook."""
    return (f"Mean perceived risk, raw file: {wrong['estimate']:.1f}; "
            f"through the codebook: {right['estimate']:.1f} (n = {int(right['n'])})")


# ---------------------------------------------------------------------------
# situation analysis
# ---------------------------------------------------------------------------


def headline(situation: pd.DataFrame, country_name: str, level: float | None = None, *, settings: Reporting | None = None) -> str:
    """The lesson's headline: the share who intend to migrate irregularly, with its interval."""
    level = level_of(level, settings)
    if "intend_irregular" not in set(situation["indicator"]):
        return missing_line("question for \"intends to migrate irregularly\"", "intend_irregular",
                            "the headline needs one")
    row = situation.set_index("indicator").loc["intend_irregular"]
    return (f"{country_name} baseline: {row['estimate']:.1f}% intend to migrate irregularly "
            f"({level:.0%} CI {row['ci_low']:.1f} to {row['ci_high']:.1f})")


def situation_table(situation: pd.DataFrame, level: float | None = None, asked=None, *, settings: Reporting | None = None):
    """The indicator table in words: indicator, estimate, interval, unit, interviews.

    ``asked`` (:meth:`campaign_me.workbook.Workbook.asked`) adds its one line naming the indicators
    the survey did not ask.
    """
    level = level_of(level, settings)
    rows = []
    for rec in situation.to_dict("records"):
        rows.append({
            "Indicator": rec["name"],
            "Estimate": number(rec["estimate"]) if not rec["suppressed"] else f"not shown (n = {int(rec['n'])})",
            f"{level:.0%} interval": interval(rec["ci_low"], rec["ci_high"]),
            "Unit": "% of people aged 15-45" if rec["unit"] == "%" else rec["unit"],
            "Interviews": count(rec["n"]),
        })
    shown = table(pd.DataFrame(rows))
    line = getattr(asked, "line", "")
    return Shown(shown, line) if line else shown


def _half(rec) -> str:
    if rec["ci_high"] < 50:
        return "fewer than half"
    if rec["ci_low"] > 50:
        return "more than half"
    return "about half (the interval includes 50%)"


def situation_sentence(situation: pd.DataFrame, country_name: str, level: float | None = None, *, settings: Reporting | None = None) -> str:
    """The situation in two sentences: who intends to go, and the shares known least and most.

    Only percentages (``unit == "%"``) other than the intention are compared; "fewer than half"
    and "more than half" are said only when the interval is entirely below or above 50%.
    """
    level = level_of(level, settings)
    t = situation[~situation["suppressed"].astype(bool)].set_index("indicator")
    parts = []
    if "intend_irregular" in t.index:
        r = t.loc["intend_irregular"]
        parts.append(f"In {country_name}, {number(r['estimate'])}% of people aged 15-45 intend to migrate irregularly "
                     f"({level:.0%} CI {interval(r['ci_low'], r['ci_high'])}).")
    shares = t[(t["unit"] == "%") & (t.index != "intend_irregular")]
    if len(shares) >= 2:
        low, high = shares["estimate"].idxmin(), shares["estimate"].idxmax()
        lo, hi = shares.loc[low], shares.loc[high]
        parts.append(f"Of the other shares, the highest is \"{hi['name']}\" at {number(hi['estimate'])}%, {_half(hi)}; "
                     f"the lowest is \"{lo['name']}\" at {number(lo['estimate'])}% "
                     f"({interval(lo['ci_low'], lo['ci_high'])}).")
    return " ".join(parts)


def by_groups(design, codebook, *, indicator: str = "intend_irregular",
              groups: Sequence[str] = ("sex", "age_group", "urban"), level: float | None = None,
              min_n: int | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """One indicator by several characteristics, one row per group, labelled in words.

    Returns a table indexed by the group's label ("Women", "Aged 15-24", "Rural") with
    ``characteristic, value, estimate, ci_low, ci_high, n, suppressed`` (numbers, for the table,
    the figure and the sentences). Each group is a domain of the full design. ``groups`` are
    survey columns or catalogue names (a question with ``concept: sex`` answers ``"sex"``); those
    the survey does not have are left out and listed in ``attrs["not_in_survey"]``.
    """
    level, min_n = given_or_settings(settings, level=level, min_n=min_n)
    parts = []
    columns = [(g, _column(codebook, g)) for g in groups]
    not_in_survey = [g for g, c in columns if c is None or c not in design.data.columns]
    for col in [c for g, c in columns if g not in not_in_survey]:
        t = compute_indicators(design, shipped_catalogue(), codebook=codebook, indicators=[indicator], by=col, level=level, min_n=min_n)
        for rec in t.to_dict("records"):
            parts.append({"group": group_label(col, rec[col], codebook), "characteristic": col, "value": rec[col],
                          "estimate": rec["estimate"], "ci_low": rec["ci_low"], "ci_high": rec["ci_high"],
                          "n": int(rec["n"]), "suppressed": bool(rec["suppressed"]), "name": rec["name"],
                          "unit": rec["unit"]})
    out = pd.DataFrame(parts, columns=["group", "characteristic", "value", "estimate", "ci_low", "ci_high", "n",
                                       "suppressed", "name", "unit"]).set_index("group")
    out.attrs["not_in_survey"] = not_in_survey
    return out


def groups_table(groups: pd.DataFrame, level: float | None = None, *, settings: Reporting | None = None):
    """:func:`by_groups` in words: group, estimate, interval, interviews (and one line naming the
    characteristics the survey does not have)."""
    level = level_of(level, settings)
    left_out = groups.attrs.get("not_in_survey") or []
    line = ("Not in this survey: " + ", ".join(f"{column_label(g).lower()} ({g})" for g in left_out) + "."
            if left_out else "")
    if not len(groups):
        return Text(line or "No group to show.")
    rows = []
    for label, rec in groups.iterrows():
        rows.append({
            "Group": label,
            "Estimate (%)" if rec["unit"] == "%" else f"Estimate ({rec['unit']})":
                number(rec["estimate"]) if not rec["suppressed"] else f"not shown (n = {int(rec['n'])})",
            f"{level:.0%} interval": interval(rec["ci_low"], rec["ci_high"]),
            "Interviews": count(rec["n"]),
        })
    shown = table(pd.DataFrame(rows))
    return Shown(shown, line) if line else shown


def _values(data: pd.DataFrame, codebook, indicator: str) -> pd.Series:
    """Each respondent's value of an indicator on its reporting scale (0/100 for a share)."""
    if indicator == "knowledge_score":
        return knowledge_score(data, codebook).astype(float)
    if indicator in data.columns:
        values = pd.to_numeric(data[indicator].astype("Float64"), errors="coerce").astype(float)
        if values.dropna().isin([0.0, 1.0]).all():
            return 100 * values
        return values
    raise CampaignMeError(f"indicator {indicator!r}: not a survey column or the knowledge score")


def group_difference(design, codebook, indicator: str, column: str, a, b, *, level: float | None = None, settings: Reporting | None = None) -> dict:
    """Design-based difference of an indicator between two groups of the same survey (a minus b).

    A linear regression of the indicator (0/100 for a share) on a 0/1 indicator of group ``a``,
    fitted on the respondents of groups ``a`` and ``b`` as a domain of the full design
    (:func:`campaign_me.regression.regress`): its coefficient is the difference of the two
    weighted means, and its interval and p-value allow for the clusters the groups share.

    Returns
    -------
    dict
        ``estimate, ci_low, ci_high, p_value`` (points), ``a``, ``b``.
    """
    level = level_of(level, settings)
    data = design.data
    if column not in data.columns:
        raise CampaignMeError(f"column {column!r} is not in the survey")
    y = _values(data, codebook, indicator)
    g = data[column]
    in_a = (g == a).fillna(False).astype(bool).to_numpy()
    in_b = (g == b).fillna(False).astype(bool).to_numpy()
    d = design.with_columns(lesson_y=y.to_numpy(), lesson_a=in_a.astype(float))
    fit = regress(d.subset(in_a | in_b), "lesson_y ~ lesson_a", level=level).to_frame().set_index("term")
    row = fit.loc["lesson_a"]
    return {"estimate": float(row["estimate"]), "ci_low": float(row["ci_low"]), "ci_high": float(row["ci_high"]),
            "p_value": float(row["p_value"]), "a": a, "b": b}


def _clear(diff: dict) -> bool:
    return diff["ci_low"] > 0 or diff["ci_high"] < 0


def _verdict(diff: dict, level: float) -> str:
    if _clear(diff):
        return f"the {level:.0%} interval ({interval(diff['ci_low'], diff['ci_high'], sign=True)}) excludes zero: a clear difference"
    return (f"the {level:.0%} interval ({interval(diff['ci_low'], diff['ci_high'], sign=True)}) includes zero: the survey "
            "cannot tell these groups apart")


def _gaps(design, codebook, groups: pd.DataFrame, indicator: str, level: float) -> list[dict]:
    """For each characteristic: its highest and lowest shown groups and their difference."""
    out = []
    shown = groups[~groups["suppressed"]]
    for col, part in shown.groupby("characteristic", sort=False):
        if len(part) < 2:
            continue
        hi, lo = part["estimate"].idxmax(), part["estimate"].idxmin()
        diff = group_difference(design, codebook, indicator, col, part.loc[hi, "value"], part.loc[lo, "value"],
                                level=level)
        out.append({"characteristic": col, "high": hi, "low": lo, "high_est": part.loc[hi, "estimate"],
                    "low_est": part.loc[lo, "estimate"], **diff})
    return out


def groups_sentence(design, codebook, groups: pd.DataFrame, country_name: str, *,
                    indicator: str = "intend_irregular", level: float | None = None, settings: Reporting | None = None) -> str:
    """Where the groups differ: the range of the estimates, and each characteristic's largest gap tested."""
    level = level_of(level, settings)
    shown = groups[~groups["suppressed"]]
    if shown.empty:
        return f"In {country_name} every group rests on too few interviews to be shown."
    gaps = sorted(_gaps(design, codebook, groups, indicator, level), key=lambda g: -abs(g["estimate"]))
    hi, lo = shown["estimate"].idxmax(), shown["estimate"].idxmin()
    text = (f"In {country_name}, \"{shown['name'].iloc[0]}\" ranges from {number(shown.loc[lo, 'estimate'])}% "
            f"(\"{lo}\") to {number(shown.loc[hi, 'estimate'])}% (\"{hi}\").")
    if not gaps:
        return text
    first = gaps[0]
    text += (f" The largest gap within one characteristic is by {column_label(first['characteristic']).lower()}: "
             f"\"{first['high']}\" against \"{first['low']}\", {number(first['estimate'], sign=True)} points; "
             f"{_verdict(first, level)}.")
    rest = gaps[1:]
    if rest:
        clear = [g for g in rest if _clear(g)]
        listed = " and ".join(f"{column_label(g['characteristic']).lower()} ({number(abs(g['estimate']))} points)"
                              for g in rest)
        if clear:
            text += (f" The gaps by {listed} are smaller; the survey can tell apart "
                     + " and ".join(f"\"{g['high']}\" and \"{g['low']}\"" for g in clear) + ".")
        else:
            text += f" The gaps by {listed} are smaller, and their intervals include zero."
    return text


def groups_alt(groups: pd.DataFrame, country_name: str) -> str:
    """Alt text of the by-group figure, from the numbers it shows."""
    shown = groups[~groups["suppressed"]]
    chars = ", ".join(dict.fromkeys(column_label(c).lower() for c in groups["characteristic"]))
    if shown.empty:
        return f"No group of {country_name} has enough interviews to be shown ({chars})."
    return (f"Share intending to migrate irregularly by {chars} in {country_name}, with intervals; estimates from "
            f"{number(shown['estimate'].min(), 0)}% ({shown['estimate'].idxmin()}) to "
            f"{number(shown['estimate'].max(), 0)}% ({shown['estimate'].idxmax()}).")


# ---------------------------------------------------------------------------
# channels and weights
# ---------------------------------------------------------------------------


def _channel_names(design, codebook=None, question: str = "access") -> dict[str, str]:
    """The option columns of the channel-access question and their names in words.

    Without a codebook, :data:`CHANNELS`; with one, the options (but "none") of the question that
    answers ``question`` (``concept: access``), named by the codebook's labels; empty when the survey
    has no such question.
    """
    if codebook is None:
        return {c: n for c, n in CHANNELS.items() if c in design.data.columns}
    name = _column(codebook, question)
    if name is None or codebook[name].type != "select_multiple":
        return {}
    return {f"{name}/{code}": str(label) for code, label in codebook[name].codes.items()
            if str(code).lower() != "none" and f"{name}/{code}" in design.data.columns}


def _channels(design, level: float, names: dict[str, str] | None = None) -> pd.DataFrame:
    cols = list(names) if names is not None else [c for c in CHANNELS if c in design.data.columns]
    t = design.mean(cols, na_rm=True, level=level).set_index("variable")
    return t[["estimate", "ci_low", "ci_high", "n"]] * [100, 100, 100, 1]


def channels_table(design, level: float | None = None, codebook=None, *, settings: Reporting | None = None):
    """Access to each channel in words: channel, share who can use it, interval."""
    level = level_of(level, settings)
    names = _channel_names(design, codebook)
    t = _channels(design, level, names).sort_values("estimate", ascending=False)
    rows = [{"Channel": names[k], "Can use it (%)": number(r["estimate"]),
             f"{level:.0%} interval": interval(r["ci_low"], r["ci_high"])} for k, r in t.iterrows()]
    return table(pd.DataFrame(rows))


def channels_section(design, codebook, wb) -> Shown | Missing:
    """The channels section: :func:`channels_table` and :func:`channels_sentence`, or one line without
    a channel-access question (``concept: access``, a select_multiple with two options or more)."""
    if len(_channel_names(design, codebook)) < 2:
        return _not_in_survey("access")
    return Shown(channels_table(design, codebook=codebook, settings=wb.settings),
                 channels_sentence(design, wb.country_name, codebook=codebook, settings=wb.settings))


def channels_sentence(design, country_name: str, level: float | None = None, codebook=None, *, settings: Reporting | None = None) -> str:
    """The channel most and least people can use, and whether the top two can be told apart.

    The difference between the top two channels is the design-based mean of each respondent's
    difference (the same people answered both), so its interval is right for paired answers.
    """
    level = level_of(level, settings)
    names = _channel_names(design, codebook)
    t = _channels(design, level, names).sort_values("estimate", ascending=False)
    first, second, last = t.index[0], t.index[1], t.index[-1]
    data = design.data
    paired = (pd.to_numeric(data[first], errors="coerce").astype(float)
              - pd.to_numeric(data[second], errors="coerce").astype(float)) * 100
    d = design.with_columns(lesson_diff=paired.to_numpy()).mean("lesson_diff", na_rm=True, level=level).iloc[0]
    text = (f"In {country_name}, the channel most people can use is {names[first].lower()} "
            f"({number(t.loc[first, 'estimate'])}%), and the one fewest can use is {names[last].lower()} "
            f"({number(t.loc[last, 'estimate'])}%).")
    gap = {"ci_low": d["ci_low"], "ci_high": d["ci_high"]}
    if _clear(gap):
        text += (f" {names[first]} is clearly ahead of {names[second].lower()}: "
                 f"{number(d['estimate'], sign=True)} points ({level:.0%} CI {interval(d['ci_low'], d['ci_high'], sign=True)}).")
    else:
        text += (f" {names[first]} and {names[second].lower()} cannot be told apart: "
                 f"{number(d['estimate'], sign=True)} points ({level:.0%} CI {interval(d['ci_low'], d['ci_high'], sign=True)}).")
    return text


def weights_sentence(data: pd.DataFrame, country_name: str, *, weight: str = "weight", codebook=None) -> str:
    """How many people an interview stands for, on average, by sex and by urban or rural residence.

    With a codebook, the weight is its ``weight`` column and sex and residence are the questions
    that answer ``sex`` and ``urban`` (``concept:``).
    """
    parts = []
    sex, urban = "sex", "urban"
    if codebook is not None:
        weight = codebook.weight or weight
        sex, urban = _column(codebook, "sex") or "sex", _column(codebook, "urban") or "urban"
    if weight not in data.columns:
        return Text("")
    if sex in data.columns:
        m = data.groupby(sex, observed=True)[weight].mean().sort_values(ascending=False)
        who = {"female": "a woman", "male": "a man", "women": "a woman", "men": "a man"}
        items = [(who.get(str(k), who.get(group_label(sex, k, codebook).lower(),
                                          f"a respondent of group \"{group_label(sex, k, codebook)}\"")), v)
                 for k, v in m.items()]
        parts.append(f"an interview with {items[0][0]} stands for {count(items[0][1])} people on average, "
                     + ", ".join(f"one with {w} for {count(v)}" for w, v in items[1:]))
    if urban in data.columns:
        m = data.groupby(urban, observed=True)[weight].mean().sort_values(ascending=False)
        items = [("an urban" if bool(k) else "a rural", v) for k, v in m.items()]
        parts.append(f"an interview in {items[0][0]} village stands for {count(items[0][1])}, "
                     + ", ".join(f"one in {w} village for {count(v)}" for w, v in items[1:]))
    if not parts:
        return Text("")
    return Text(f"In {country_name}, " + "; ".join(parts) + ".")


_DESIGN_ROWS = ("unweighted (as if SRS)", "design-based")


def weighting_sentence(comparison: pd.DataFrame, country_name: str, what: str = "who know the hotline") -> str:
    """Whether weighting moves the estimate: the unweighted and design-based estimates compared.

    ``comparison`` is :func:`campaign_me.workbook.design_comparison` (``scale=100``). The shift is
    called small when it is under a quarter of the design-based interval's half-width, and larger
    than the half-width when it would move the estimate out of its own interval. None without it.
    """
    if absent(comparison):
        return None
    u, d = comparison.loc["unweighted (as if SRS)"], comparison.loc["design-based"]
    shift = float(d["estimate"] - u["estimate"])
    half = float(d["ci_high"] - d["ci_low"]) / 2
    text = (f"In {country_name}, the unweighted share {what} is {number(u['estimate'])}% and the design-based one "
            f"{number(d['estimate'])}%: weighting moves it by {number(shift, sign=True)} points, ")
    if abs(shift) < half / 4:
        text += f"small beside the interval's half-width of {number(half)} points. Here weighting changes little."
    elif abs(shift) < half:
        text += (f"less than the interval's half-width of {number(half)} points but not negligible: the over- and "
                 "under-sampled groups differ somewhat in the outcome.")
    else:
        text += (f"more than the interval's half-width of {number(half)} points: the unweighted estimate is biased "
                 "by the groups that were over- or under-sampled.")
    return text


# ---------------------------------------------------------------------------
# the premise check
# ---------------------------------------------------------------------------

PREMISE_INDICATORS = ("risk_aware", "knowledge_score", "hotline_known")


def premise(design, codebook, *, indicators: Sequence[str] = PREMISE_INDICATORS, level: float | None = None,
            min_n: int | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """Those who intend to migrate irregularly against the others, indicator by indicator.

    One row per indicator: ``name, unit, intenders, others`` (domain estimates of
    :func:`campaign_me.indicators.compute_indicators`) and the design-based difference
    ``estimate, ci_low, ci_high, p_value`` (intenders minus others, :func:`group_difference`).
    Indicators the survey did not ask are left out; a survey without the intention (a column
    ``intend_irregular``, :meth:`campaign_me.workbook.Workbook.survey`) gives a
    :class:`~campaign_me.workbook.Missing`.
    """
    level, min_n = given_or_settings(settings, level=level, min_n=min_n)
    if "intend_irregular" not in design.data.columns:
        return _not_in_survey("intend_irregular")
    if codebook is not None:
        usable, _ = applicable(shipped_catalogue().select(list(indicators)), codebook)
        indicators = [i for i in indicators if i in usable.ids]
    if not len(indicators):
        return Missing("None of the indicators compared here was asked in this survey: this section needs one.")
    t = compute_indicators(design, shipped_catalogue(), codebook=codebook, by="intend_irregular", level=level, min_n=min_n,
                           indicators=list(indicators))
    rows = []
    for ind in indicators:
        part = t[t["indicator"] == ind]
        yes = part[part["intend_irregular"].astype(bool)].iloc[0]
        no = part[~part["intend_irregular"].astype(bool)].iloc[0]
        diff = group_difference(design, codebook, ind, "intend_irregular", True, False, level=level)
        rows.append({"indicator": ind, "name": yes["name"], "unit": yes["unit"], "intenders": yes["estimate"],
                     "others": no["estimate"], "estimate": diff["estimate"], "ci_low": diff["ci_low"],
                     "ci_high": diff["ci_high"], "p_value": diff["p_value"]})
    return pd.DataFrame(rows).set_index("indicator")


def premise_table(check: pd.DataFrame, level: float | None = None, *, settings: Reporting | None = None):
    """:func:`premise` in words: indicator, intenders, others, difference with interval, p-value."""
    level = level_of(level, settings)
    if absent(check):
        return check
    rows = [{
        "Indicator": r["name"] + (" (%)" if r["unit"] == "%" else f" ({r['unit']})"),
        "Intend to migrate irregularly": number(r["intenders"]),
        "Do not": number(r["others"]),
        f"Difference ({level:.0%} interval)": f"{number(r['estimate'], sign=True)} "
                                              f"({interval(r['ci_low'], r['ci_high'], sign=True)})",
        "p-value": p_value(r["p_value"]),
    } for _, r in check.iterrows()]
    return table(pd.DataFrame(rows))


def premise_sentence(check: pd.DataFrame, country_name: str, level: float | None = None, *, settings: Reporting | None = None) -> str:
    """Do those who intend to migrate irregularly know less? Indicator by indicator, then the conclusion."""
    level = level_of(level, settings)
    if absent(check):
        return None
    less = [r for _, r in check.iterrows() if r["ci_high"] < 0]
    more = [r for _, r in check.iterrows() if r["ci_low"] > 0]
    unclear = [r for _, r in check.iterrows() if r["ci_low"] <= 0 <= r["ci_high"]]

    def names(rows):
        return ", ".join(f"\"{r['name']}\" ({number(r['estimate'], sign=True)})" for r in rows)

    parts = [f"In {country_name}, compared with the others, people who intend to migrate irregularly"]
    clauses = []
    if less:
        clauses.append(f"clearly know less on {names(less)}")
    if more:
        clauses.append(f"clearly know more on {names(more)}")
    if unclear:
        clauses.append(f"differ by amounts the survey cannot tell from zero on {names(unclear)}")
    text = parts[0] + " " + "; they ".join(clauses) + f" (differences in points, {level:.0%} intervals in the table)."
    if less:
        text += (" Missing information may be part of the problem for "
                 + ", ".join(f"\"{r['name']}\"" for r in less)
                 + ": information could help there, though it may not be enough to change plans.")
    else:
        text += (" On none of these measures do they clearly know less than the others: the survey gives no sign that "
                 "missing information explains their plans, so information alone is unlikely to change them.")
    return Text(text)


# ---------------------------------------------------------------------------
# exercises
# ---------------------------------------------------------------------------


def group_answer(design, codebook, indicator: str, group: str, country_name: str, *, level: float | None = None,
                 min_n: int | None = None, settings: Reporting | None = None) -> str:
    """The folded check of the "by group" exercise: the largest gap between the shown groups, tested."""
    level, min_n = given_or_settings(settings, level=level, min_n=min_n)
    groups = by_groups(design, codebook, indicator=indicator, groups=[group], level=level, min_n=min_n)
    shown = groups[~groups["suppressed"]]
    name = groups["name"].iloc[0] if len(groups) else indicator
    if len(shown) < 2:
        body = (f"In {country_name}, fewer than two groups of {column_label(group).lower()} have enough interviews to be "
                "compared.")
    else:
        gap = _gaps(design, codebook, groups, indicator, level)[0]
        pct = "%" if groups["unit"].iloc[0] == "%" else ""
        body = (f"In {country_name}, \"{name}\" is highest for \"{gap['high']}\" ({number(gap['high_est'])}{pct}) and "
                f"lowest for \"{gap['low']}\" ({number(gap['low_est'])}{pct}): a difference of "
                f"{number(gap['estimate'], sign=True)} points; {_verdict(gap, level)}.")
        if len(shown) > 2:
            body += " (With more than two groups, this compares the highest with the lowest.)"
    return _fold(f"Check your answer for {country_name}", body)


def by_group_exercise(design, codebook, group: str, wb, *, indicator: str = "hotline_known") -> Shown:
    """The "who knows the hotline?" exercise: the table by ``group`` and the folded check.

    ``wb`` gives the country's name, the confidence level and ``min_n``
    (:func:`campaign_me.workbook.check_parameters`). ``group`` is a survey column or a catalogue
    name (``"sex"`` reads the question with ``concept: sex``); one the survey does not have gives one
    line naming those it has.
    """
    column = _column(codebook, group)
    if column is None or column not in design.data.columns:
        return Text(_breakdowns_line(design, codebook, group))
    if _column(codebook, indicator) is None and indicator not in design.data.columns:
        return _not_in_survey(indicator, "this exercise needs one")
    group = column
    groups = by_groups(design, codebook, indicator=indicator, groups=[group], settings=wb.settings)
    return Shown(groups_table(groups, settings=wb.settings),
                 group_answer(design, codebook, indicator, group, wb.country_name, settings=wb.settings))


def _breakdowns_line(design, codebook, group: str) -> str:
    here = [name for name in BREAKDOWNS if (c := _column(codebook, name)) is not None and c in design.data.columns]
    return (f"This survey has no question for {group!r}; write one of the characteristics it has: "
            f"{', '.join(map(repr, here)) or 'none'}.")


def small_groups(design, codebook, split: str, *, by: str = "migration_status", indicator: str = "risk_aware",
                 level: float | None = None, min_n: int | None = None, flag_n: int | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """An indicator for every combination of ``by`` and ``split``, with the suppression rules applied.

    One row per observed combination: the two labels, ``n``, ``estimate``, ``suppressed`` (fewer
    than ``min_n`` interviews: not shown) and ``flagged`` (fewer than ``flag_n``: shown with a caution).
    ``by`` and ``split`` are survey columns or catalogue names (``concept:``).
    """
    level, min_n, flag_n = given_or_settings(settings, level=level, min_n=min_n, flag_n=flag_n)
    by, split = _column(codebook, by) or by, _column(codebook, split) or split
    cols = [by] if split == by else [by, split]
    t = compute_indicators(design, shipped_catalogue(), codebook=codebook, indicators=[indicator], by=cols, level=level, min_n=min_n,
                           flag_n=flag_n)
    out = pd.DataFrame({c: [group_label(c, v, codebook) for v in t[c]] for c in cols})
    for k in ("n", "estimate", "ci_low", "ci_high", "suppressed", "flagged", "name"):
        out[k] = t[k].to_numpy()
    out["n"] = out["n"].astype(int)
    out.attrs.update(by=cols, min_n=min_n, flag_n=flag_n)
    return out


def small_groups_table(groups: pd.DataFrame):
    """:func:`small_groups` in words: the groups, interviews, and the estimate or why it is hidden."""
    cols, min_n, flag_n = groups.attrs["by"], groups.attrs["min_n"], groups.attrs["flag_n"]
    name = groups["name"].iloc[0] if len(groups) else ""
    rows = []
    for r in groups.to_dict("records"):
        if r["suppressed"]:
            shown = f"not shown: fewer than {min_n} interviews"
        elif r["flagged"]:
            shown = f"{number(r['estimate'])} (fewer than {flag_n} interviews: read with care)"
        else:
            shown = number(r["estimate"])
        rows.append({**{column_label(c): r[c] for c in cols}, "Interviews": count(r["n"]), f"{name} (%)": shown})
    return table(pd.DataFrame(rows))


def small_groups_answer(groups: pd.DataFrame, country_name: str) -> str:
    """The folded check of the small-groups exercise: which groups are hidden or flagged here, and the smallest."""
    cols, min_n, flag_n = groups.attrs["by"], groups.attrs["min_n"], groups.attrs["flag_n"]

    def label(r):
        return ", ".join(str(r[c]) for c in cols) + f" ({count(r['n'])} interviews)"

    hidden = [label(r) for r in groups.to_dict("records") if r["suppressed"]]
    flagged = [label(r) for r in groups.to_dict("records") if r["flagged"] and not r["suppressed"]]
    total = len(groups)
    if hidden:
        verb = "is" if len(hidden) == 1 else "are"
        body = (f"In {country_name}, {len(hidden)} of {total} groups {verb} not shown because fewer than {min_n} people "
                f"were interviewed in {'it' if len(hidden) == 1 else 'them'}: {'; '.join(hidden)}.")
        if flagged:
            body += (f" {len(flagged)} more {'is' if len(flagged) == 1 else 'are'} shown with a caution (fewer than "
                     f"{flag_n} interviews): {'; '.join(flagged)}.")
    else:
        smallest = groups.loc[groups["n"].idxmin()]
        body = (f"In {country_name}, no group of this table is hidden: even the smallest, {label(smallest)}, reaches "
                f"{min_n}.")
        if flagged:
            body += (f" But {len(flagged)} {'group rests' if len(flagged) == 1 else 'groups rest'} on fewer than "
                     f"{flag_n} interviews and {'is' if len(flagged) == 1 else 'are'} shown with a caution: "
                     f"{'; '.join(flagged)}.")
        else:
            body += f" None rests on fewer than {flag_n} interviews."
    return _fold(f"Check your answer for {country_name}", body)


def small_groups_exercise(design, codebook, split: str, wb, *, by: str = "migration_status",
                          indicator: str = "risk_aware") -> Shown:
    """The small-groups exercise: the table by ``by`` and ``split`` and the folded check (one line
    instead when the survey lacks ``by``, or does not have ``split``)."""
    if _column(codebook, by) is None:
        return _not_in_survey(by, "this exercise needs one")
    if _column(codebook, split) is None or _column(codebook, split) not in design.data.columns:
        return Text(_breakdowns_line(design, codebook, split))
    if _column(codebook, indicator) is None and indicator not in design.data.columns:
        return _not_in_survey(indicator, "this exercise needs one")
    groups = small_groups(design, codebook, split, by=by, indicator=indicator, settings=wb.settings)
    return Shown(small_groups_table(groups), small_groups_answer(groups, wb.country_name))
