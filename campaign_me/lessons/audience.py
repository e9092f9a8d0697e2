"""Step 3 (audience and sampling): the sentences and readable tables of ``notebooks/03_audience_and_sampling``.

Every function takes the numbers the notebook computed for the country it runs on (segments
ranked by :func:`campaign_me.workbook.rank_segments`, design effects from
:meth:`campaign_me.SurveyDesign.mean`, the weights of the survey) and returns plain text (one
Markdown paragraph) or a table with labels instead of codes and rounded numbers. Nothing here
estimates anything new: the sentences say what the numbers say, in words, for this country.

The small formatting helpers at the top (:func:`people`, :func:`percent`, :func:`p_value`, ...)
are shared by the lessons of steps 3 to 5 (:mod:`campaign_me.lessons.messages`,
:mod:`campaign_me.lessons.dissemination`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from .. import power as _power
from ..conventions import Reporting
from ..deferred import Deferred
from ..indicators import load_catalogue
from ..weighting import effective_sample_size, weight_summary
from .start import absent, given_or_settings, level_of

stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; only the sample-size lesson needs a quantile

__all__ = [
    "segmentations",
    "choose_segmentation",
    "planning_indicators",
    "weights_headline",
    "SEGMENTATIONS",
    "DEFAULT_SEGMENTATION",
    "PLANNING_INDICATORS",
    "people",
    "number",
    "percent",
    "p_value",
    "effect_size_word",
    "segment_label",
    "join_words",
    "segment_table",
    "segment_note",
    "segments_lesson",
    "design_effect_table",
    "design_effect_lesson",
    "sample_size_lesson",
    "mde_lesson",
    "design_sizes",
    "design_sizes_lesson",
    "draw_table",
    "draw_lesson",
    "weight_table",
    "raking_table",
    "weights_lesson",
]

# ---------------------------------------------------------------------------
# formatting shared by the lessons of steps 3-5
# ---------------------------------------------------------------------------


def number(x: float, digits: int = 0) -> str:
    """A number with thousands separators and ``digits`` decimals.

    >>> number(81903.837), number(0.7231, 2), number(-3.25, 1)
    ('81,904', '0.72', '-3.2')
    """
    return f"{float(x):,.{digits}f}"


def people(x: float) -> str:
    """An estimated number of people, rounded to three significant figures (never to a fake unit).

    >>> people(81903.837), people(6746.77), people(388.2), people(1234567)
    ('81,900', '6,750', '388', '1,230,000')
    """
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return number(x)
    digits = max(0, int(math.floor(math.log10(abs(x)))) - 2)
    return number(round(x, -digits))


def percent(share: float, digits: int = 0) -> str:
    """A share (0-1) as a percentage.

    >>> percent(0.4831), percent(0.4831, 1), percent(0.004)
    ('48%', '48.3%', '0%')
    """
    return f"{100 * float(share):.{digits}f}%"


def p_value(p: float) -> str:
    """A p-value as a reader wants it: "< 0.001" rather than 0.000, else three decimals (as lessons 00-02 write it).

    >>> p_value(0.00001), p_value(0.0143), p_value(0.047), p_value(0.7912), p_value(1.0)
    ('< 0.001', '0.014', '0.047', '0.791', '1.000')
    """
    p = float(p)
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def effect_size_word(es: float) -> str:
    """Cohen's rule of thumb for a standardised effect size (d or h): 0.2 small, 0.5 medium, 0.8 large.

    >>> [effect_size_word(x) for x in (0.05, -0.3, 0.52, 0.9)]
    ['negligible', 'small', 'medium', 'large']
    """
    a = abs(float(es))
    if a < 0.2:
        return "negligible"
    if a < 0.5:
        return "small"
    if a < 0.8:
        return "medium"
    return "large"


def join_words(items: Sequence[str]) -> str:
    """``"a, b and c"``: a list of words in a sentence.

    >>> join_words(["radio", "posters", "theatre"])
    'radio, posters and theatre'
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _ci(low: float, high: float, level: float, digits: int = 0, scale: float = 1.0) -> str:
    return f"{level:.0%} CI {number(low * scale, digits)} to {number(high * scale, digits)}"


# ---------------------------------------------------------------------------
# segments
# ---------------------------------------------------------------------------

#: The segmentations offered in the notebook's menu: label -> segmenting columns of the sample survey.
SEGMENTATIONS: dict[str, list[str]] = {
    "sex": ["sex"],
    "age group": ["age_group"],
    "urban or rural": ["urban"],
    "migration plans": ["migration_status"],
    "sex and age group": ["sex", "age_group"],
    "sex and urban or rural": ["sex", "urban"],
    "sex, age group and urban or rural": ["sex", "age_group", "urban"],
    "all four: sex, age group, urban or rural, migration plans": ["sex", "age_group", "urban", "migration_status"],
}
#: The segmentation shown first: every sample country has enough interviews for each of its segments.
DEFAULT_SEGMENTATION = "sex and urban or rural"

_VALUE_WORDS: dict[str, dict] = {
    "sex": {"female": "women", "male": "men"},
    "urban": {True: "urban", False: "rural", "True": "urban", "False": "rural"},
    "migration_status": {
        "none": "no plan to migrate",
        "regular": "plans regular migration",
        "irregular_or_undecided": "plans irregular or undecided",
        "returnee": "returnees",
    },
}


def _concept_of(codebook, column: str) -> str:
    """The catalogue name a survey column answers (its ``concept``), else the column's own name."""
    if codebook is None:
        return column
    for name, col in codebook.concepts.items():
        if col == column:
            return name
    return column


def segmentations(codebook) -> dict[str, list[str]]:
    """The entries of :data:`SEGMENTATIONS` this survey can offer, with its own columns.

    Each catalogue name (``sex``, ``age_group``, ...) is read from the survey's question that answers
    it (``concept: sex`` on ``gender``); an entry needing a question the survey does not have is left
    out.

    >>> from campaign_me import Codebook
    >>> cb = Codebook.from_dict({"dataset": "d", "variables": {
    ...     "gender": {"type": "categorical", "codes": {1: "Male", 2: "Female"}, "concept": "sex"}}})
    >>> segmentations(cb)
    {'sex': ['gender']}
    """
    out = {}
    for label, names in SEGMENTATIONS.items():
        cols = [codebook.concepts.get(n, n if n in codebook else None) for n in names]
        if all(c is not None for c in cols):
            out[label] = cols
    return out


def choose_segmentation(offered: Mapping[str, Sequence[str]], choice: str) -> str:
    """``choice`` when this survey offers it, else the richest entry of two characteristics at most.

    A choice the survey cannot offer is replaced after one printed line saying so.

    >>> choose_segmentation({"sex": ["gender"], "sex and age group": ["gender", "age_band"]}, "urban or rural")
    This survey cannot segment by urban or rural: segmented by sex and age group instead.
    'sex and age group'
    """
    if choice in offered:
        return choice
    if not offered:
        return choice
    pick = max(offered, key=lambda k: (min(len(offered[k]), 2), -list(offered).index(k)))
    print(f"This survey cannot segment by {choice}: segmented by {pick} instead.")
    return pick


def segment_label(row: Mapping, by: Sequence[str], codebook=None) -> str:
    """A segment in words: ``{"sex": "female", "urban": False}`` -> "Women, rural".

    With a codebook, columns answering a catalogue name (``concept: sex``) read as that name and
    codes without words of their own take the codebook's labels.

    >>> segment_label({"sex": "male", "age_group": "15-24", "urban": True}, ["sex", "age_group", "urban"])
    'Men aged 15-24, urban'
    >>> segment_label({"migration_status": "returnee"}, ["migration_status"])
    'Returnees'
    """
    parts: list[str] = []
    for col in by:
        value = row[col]
        name = _concept_of(codebook, col)
        words = _VALUE_WORDS.get(name, {})
        if codebook is not None and value not in words and col in codebook and codebook[col].codes:
            label = next((str(lab) for code, lab in codebook[col].codes.items() if str(code) == str(value)), None)
            if label is not None:
                value = label.lower() if name == "sex" else label
                value = {"men": "male", "women": "female"}.get(value, value)
        if name == "age_group":
            word = f"aged {value}"
            if parts and parts[-1] in ("women", "men"):
                parts[-1] = f"{parts[-1]} {word}"
                continue
        else:
            word = words.get(value, str(value).replace("_", " "))
        parts.append(word)
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def _shown(segments: pd.DataFrame) -> pd.DataFrame:
    return segments[segments["estimate"].notna()]


def segment_table(segments: pd.DataFrame, by: Sequence[str], *, level: float | None = None, flag_n: int | None = None,
                  codebook=None, settings: Reporting | None = None) -> pd.DataFrame:
    """The ranked segments of :func:`~campaign_me.workbook.rank_segments` as a table to read.

    One row per segment in rank order: the segment in words, the people it stands for (the sum of
    the weights, rounded), the mean knowledge score with its interval, the interviews behind it and
    whether they are enough to act on (``"yes"``; ``"uncertain (< 50)"`` below ``flag_n`` interviews;
    ``"no: not shown"`` below the notebook's ``min_n``, where the estimate is suppressed).
    """
    level, flag_n = given_or_settings(settings, level=level, flag_n=flag_n)
    rows = []
    rank = 0
    for _, r in segments.iterrows():
        shown = pd.notna(r["estimate"])
        if shown:
            rank += 1
        n = int(r["n"])
        if not shown:
            verdict = "no: not shown"
        elif bool(r["small"]):
            verdict = f"uncertain (< {flag_n})"
        else:
            verdict = "yes"
        rows.append({
            "rank": str(rank) if shown else "-",
            "segment": segment_label(r, by, codebook),
            "people": people(r["population"]),
            "knowledge (0-100)": number(r["estimate"]) if shown else "",
            f"{level:.0%} interval": f"{number(r['ci_low'])} to {number(r['ci_high'])}" if shown else "",
            "interviews": n,
            "enough?": verdict,
        })
    return pd.DataFrame(rows).set_index("rank")


def segment_note(segments: pd.DataFrame, *, country: str, min_n: int | None = None, flag_n: int | None = None, settings: Reporting | None = None) -> str:
    """One line above a segment table: how many segments can be shown and acted on, or why none can.

    >>> seg = pd.DataFrame({"estimate": [float("nan")] * 3, "n": [6, 3, 11], "small": [True] * 3})
    >>> print(segment_note(seg, country="Corvia"))  # doctest: +NORMALIZE_WHITESPACE
    **None of the 3 segments has 25 interviews**, so none can be shown: Corvia's 20 interviews spread over 3
    segments leave about 7 per segment, too few to estimate anything. Choose fewer variables.
    """
    min_n, flag_n = given_or_settings(settings, min_n=min_n, flag_n=flag_n)
    total, n_shown = len(segments), int(segments["estimate"].notna().sum())
    n_enough = int((~segments["small"].astype(bool)).sum())
    interviews = int(segments["n"].sum())
    if n_shown == 0:
        return (f"**None of the {total} segments has {min_n} interviews**, so none can be shown: {country}'s "
                f"{number(interviews)} interviews spread over {total} segments leave about "
                f"{number(interviews / total)} per segment, too few to estimate anything. Choose fewer variables.")
    if n_shown == total and n_enough == total:
        return f"All {total} segments have {flag_n} interviews or more: enough to act on."
    text = (f"{n_shown} of the {total} segments have {min_n} interviews or more and are shown" if n_shown < total
            else f"All {total} segments have {min_n} interviews or more and are shown")
    if n_enough == 0:
        return text + f"; none has the {flag_n} or more needed to act on."
    return text + f"; {n_enough} {'has' if n_enough == 1 else 'have'} the {flag_n} or more needed to act on."


def segments_lesson(segments: pd.DataFrame, by: Sequence[str], *, choice: str = "", min_n: int | None = None,
                    level: float | None = None, codebook=None, settings: Reporting | None = None) -> str:
    """What the ranked segments say: the first segment, and whether the segments clearly differ in knowledge.

    Parameters
    ----------
    segments : DataFrame
        :func:`~campaign_me.workbook.rank_segments` for the segmenting columns ``by``.
    choice : str
        The segmentation in words (a label of :data:`SEGMENTATIONS`), for the first sentence.
    """
    level, min_n = given_or_settings(settings, level=level, min_n=min_n)
    shown = _shown(segments)
    how = f"Segmented by {choice}, the" if choice else "The"
    if not len(shown):
        return f"{how.replace(', the', ',')} no segment has {min_n} interviews: none can be ranked."
    top = shown.iloc[0]
    out = [
        f"{how} segment with the most knowledge missing in total is **{segment_label(top, by, codebook).lower()}**: about "
        f"{people(top['population'])} people with a mean knowledge score of {number(top['estimate'])} out of 100 "
        f"({_ci(top['ci_low'], top['ci_high'], level)}), {number(top['gap'])} points short of full knowledge."
    ]
    if len(shown) > 1:
        spread = shown["estimate"].max() - shown["estimate"].min()
        if shown["ci_low"].max() <= shown["ci_high"].min():
            out.append(
                f"The {len(shown)} segments shown differ by at most {number(spread)} points and all their intervals "
                f"overlap: the ranking rests on how many people each segment holds more than on clear differences "
                f"in knowledge."
            )
        else:
            lo = shown.loc[shown["ci_high"].idxmin()]
            hi = shown.loc[shown["ci_low"].idxmax()]
            out.append(
                f"The scores differ by up to {number(spread)} points, and {segment_label(lo, by, codebook).lower()} "
                f"know clearly less than {segment_label(hi, by, codebook).lower()} (their intervals do not overlap)."
            )
    return " ".join(out)


# ---------------------------------------------------------------------------
# design effects and sample size
# ---------------------------------------------------------------------------

#: The baseline indicators whose design effects the notebook plans with.
PLANNING_INDICATORS = ("risk_aware", "intend_irregular", "hotline_known")


def planning_indicators(data: pd.DataFrame) -> list[str]:
    """The :data:`PLANNING_INDICATORS` the survey has (as columns: :meth:`campaign_me.workbook.Workbook.survey`)."""
    return [v for v in PLANNING_INDICATORS if v in data.columns]


def _indicator_names(variables: Sequence[str]) -> dict[str, str]:
    catalogue = load_catalogue()
    names = {}
    for v in variables:
        try:
            names[v] = catalogue[v].name
        except (KeyError, LookupError):
            names[v] = str(v).replace("_", " ")
    return names


def design_effect_table(observed: pd.DataFrame) -> pd.DataFrame:
    """Baseline estimates and design effects (``SurveyDesign.mean(...)`` rows) with indicator names.

    >>> t = pd.DataFrame({"variable": ["risk_aware"], "estimate": [0.4712], "deff": [0.9449]})
    >>> design_effect_table(t)
                                           baseline estimate design effect
    indicator
    Aware of the risks of irregular routes               47%           0.9
    """
    names = _indicator_names(list(observed["variable"]))
    return pd.DataFrame({
        "indicator": [names[v] for v in observed["variable"]],
        "baseline estimate": [percent(e) for e in observed["estimate"]],
        "design effect": [number(d, 1) for d in observed["deff"]],
    }).set_index("indicator")


def design_effect_lesson(observed: pd.DataFrame, *, country: str) -> tuple[str, float]:
    """The design effects of the baseline in words, and the one to plan with (the largest, rounded to 0.1).

    Returns ``(text, planning_deff)``.
    """
    names = _indicator_names(list(observed["variable"]))
    deff = observed.set_index("variable")["deff"].astype(float)
    planning = round(float(deff.max()), 1)
    lo, hi = deff.idxmin(), deff.idxmax()
    text = (
        f"In {country}'s baseline the design effects of these indicators range from {number(deff[lo], 1)} "
        f"({names[lo].lower()}) to {number(deff[hi], 1)} ({names[hi].lower()}). "
        f"A design effect of {number(planning, 1)} means the clustered, weighted sample estimates that share as "
        f"precisely as a simple random sample {number(planning, 1)} times smaller; we plan with this largest value, "
        f"so that every indicator gets at least the precision planned."
    )
    below = [v for v in deff.index if deff[v] < 1]
    if below:
        text += (
            f" A design effect below 1 ({join_words([names[v].lower() for v in below])}) means stratification made "
            f"that estimate more precise than a simple random sample of the same size would."
        )
    return text, planning


def sample_size_lesson(planning_deff: float, interviews: int, *, country: str, margin: float = 0.05,
                       response_rate: float = 0.9, level: float | None = None, settings: Reporting | None = None) -> str:
    """How many interviews the chosen margin takes, against the interviews the baseline has."""
    level = level_of(level, settings)
    need = _power.sample_size_proportion(0.5, margin, level=level, deff=planning_deff, response_rate=response_rate)
    srs = _power.sample_size_proportion(0.5, margin, level=level)
    z = stats.norm.ppf(0.5 + level / 2)
    achieved = 100 * z * math.sqrt(0.25 * planning_deff / interviews)
    pts = f"{100 * margin:g}"
    text = (
        f"To estimate a share to within ±{pts} points ({level:.0%} confidence) with design effect "
        f"{number(planning_deff, 1)} and a {response_rate:.0%} response rate, the survey must try "
        f"**{number(need)} interviews** ({number(srs)} completed interviews would do in a simple random sample). "
        f"{country}'s baseline completed {number(interviews)}: "
    )
    if achieved <= 100 * margin:
        text += f"enough, with a margin of about ±{number(achieved, 1)} points for a share near 50%."
    else:
        text += (f"not enough for ±{pts} points: its margin for a share near 50% is about "
                 f"±{number(achieved, 1)} points.")
    return text


def mde_lesson(n_per_group: int, planning_deff: float, *, country: str, power: float = 0.8,
               alpha: float = 0.05, p: float = 0.5) -> str:
    """The minimum detectable difference of this country's baseline, against the 5-10 points campaigns typically achieve."""
    mde = round(100 * _power.mde_proportion(n_per_group, p=p, deff=planning_deff, power=power, alpha=alpha), 1)
    text = (
        f"With about {number(n_per_group)} interviews per group and design effect {number(planning_deff, 1)}, "
        f"{country}'s survey detects a difference between two groups of **{number(mde, 1)} percentage points** "
        f"or more with {power:.0%} power. "
    )
    if mde <= 5:
        text += "That is smaller than the 5 to 10 points campaigns typically achieve: a typical effect would be detected."
    elif mde <= 10:
        text += ("That lies within the 5 to 10 points campaigns typically achieve: a large effect would be detected, "
                 "a small one could be missed.")
    else:
        text += ("That is more than the 5 to 10 points campaigns typically achieve: a realistic effect could well "
                 "be missed, and \"no significant difference\" would not mean \"no effect\".")
    return text


def design_sizes(planning_deff: float, *, p1: float = 0.30, p2: float = 0.40, cluster_size: int = 20,
                 icc: float = 0.05, power: float = 0.8, alpha: float = 0.05) -> pd.DataFrame:
    """What three evaluation designs need to detect the same effect (``p1`` against ``p2``), as a table to read.

    Completed interviews (no nonresponse) for the two survey designs; villages per arm for the trial.

    >>> design_sizes(1.3)
                                                                what it needs
    design
    two groups, compared once                        463 interviews per group
    difference-in-differences, fresh samples  926 interviews per arm and round
    cluster-randomised trial                              35 villages per arm
    """
    two = _power.sample_size_two_proportions(p1, p2, deff=planning_deff, power=power, alpha=alpha)
    did = _power.sample_size_did(p1, p2, deff=planning_deff, power=power, alpha=alpha)
    rct = _power.clusters_per_arm(p1, p2, cluster_size, icc=icc, power=power, alpha=alpha)
    return pd.DataFrame({
        "design": ["two groups, compared once", "difference-in-differences, fresh samples", "cluster-randomised trial"],
        "what it needs": [f"{number(two)} interviews per group", f"{number(did)} interviews per arm and round",
                          f"{number(rct)} villages per arm"],
    }).set_index("design")


def design_sizes_lesson(planning_deff: float, *, p1: float = 0.30, p2: float = 0.40, power: float = 0.8,
                        alpha: float = 0.05) -> str:
    """The table of :func:`design_sizes` in words: what a difference-in-differences costs against one comparison.

    >>> print(design_sizes_lesson(1.3))  # doctest: +NORMALIZE_WHITESPACE
    To detect a rise from 30% to 40% with 80% power (5% significance) and design effect 1.3, comparing two
    groups once takes 463 completed interviews per group, 926 in all. A difference-in-differences with
    fresh samples takes 926 per arm in each of two rounds, 3,704 in all: 4.0 times as many, because the
    change in each arm rests on two samples instead of one.
    """
    two = _power.sample_size_two_proportions(p1, p2, deff=planning_deff, power=power, alpha=alpha)
    did = _power.sample_size_did(p1, p2, deff=planning_deff, power=power, alpha=alpha)
    return (
        f"To detect a rise from {percent(p1)} to {percent(p2)} with {power:.0%} power ({alpha:.0%} significance) "
        f"and design effect {number(planning_deff, 1)}, comparing two groups once takes {number(two)} completed "
        f"interviews per group, {number(2 * two)} in all. A difference-in-differences with fresh samples takes "
        f"{number(did)} per arm in each of two rounds, {number(4 * did)} in all: {number(4 * did / (2 * two), 1)} "
        f"times as many, because the change in each arm rests on two samples instead of one."
    )


# ---------------------------------------------------------------------------
# drawing the sample and weights (optional sections)
# ---------------------------------------------------------------------------


def draw_table(villages: pd.DataFrame, rows: int = 8) -> pd.DataFrame:
    """The first villages drawn, readable: stratum, district, village, population, chance of selection."""
    if absent(villages):
        return villages
    t = villages.head(rows)
    return pd.DataFrame({
        "stratum": t["stratum"].to_numpy(),
        "district": t["district"].to_numpy(),
        "village": t["village"].to_numpy(),
        "population": [number(x) for x in t["population"]],
        "chance of selection": [percent(x, 1) for x in t["inclusion_prob"]],
        "taken for sure?": ["yes" if c else "no" for c in t["certainty"]],
    })


def draw_lesson(villages: pd.DataFrame, frame: pd.DataFrame, households: pd.DataFrame) -> str:
    """The PPS draw and the two-stage sample in words: villages, certainty units, equal weights within strata."""
    if absent(villages):
        return None
    certain = int(villages["certainty"].sum())
    per_stratum = villages.groupby("stratum").size()
    each = (f"{per_stratum.iloc[0]} in each of {len(per_stratum)} strata" if per_stratum.nunique() == 1
            else f"{per_stratum.min()} to {per_stratum.max()} in each of {len(per_stratum)} strata")
    big = villages.loc[villages["population"].idxmax()]
    small = villages.loc[villages["population"].idxmin()]
    text = (
        f"{len(villages)} villages were drawn from {len(frame)} ({each}); "
        + ("none was large enough to be taken for sure. " if certain == 0 else
           f"{certain} {'was' if certain == 1 else 'were'} large enough to be taken for sure. ")
        + f"The largest village drawn ({number(big['population'])} people) had a {percent(big['inclusion_prob'], 1)} "
        f"chance of selection, the smallest ({number(small['population'])} people) {percent(small['inclusion_prob'], 1)}: "
        f"chances proportional to size. "
    )
    per = households.groupby("stratum")["design_weight"].agg(["min", "max"])
    spread = float((per["max"] / per["min"]).max())
    lo, hi = float(per["min"].min()), float(per["max"].max())
    take = int(households.groupby("village").size().mode().iloc[0])
    if spread - 1 <= 1e-9:
        text += (f"With {take} households taken in each village, every household of a stratum gets the same design "
                 f"weight (from {number(lo)} to {number(hi)} across strata): the sample is self-weighting within strata.")
    else:
        text += (f"Design weights vary by up to {number(spread, 2)} times within a stratum (from {number(lo)} to "
                 f"{number(hi)} overall): the sample is only nearly self-weighting.")
    return text


def weight_table(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`campaign_me.weighting.weight_summary` as a table to read (one row per group).

    Also takes the weights themselves (a Series: their summary is computed), or a
    :class:`~campaign_me.workbook.Missing` (returned: one line).
    """
    if absent(summary):
        return summary
    if isinstance(summary, pd.Series):

        summary = weight_summary(summary)
    s = summary
    return pd.DataFrame({
        "interviews": [number(x) for x in s["n"]],
        "people they stand for": [number(x) for x in s["sum"]],
        "smallest weight": [number(x) for x in s["min"]],
        "median weight": [number(x) for x in s["median"]],
        "largest weight": [number(x) for x in s["max"]],
        "largest / smallest": [number(x, 1) for x in s["max_min_ratio"]],
        "effective sample size": [number(x) for x in s["n_eff"]],
    }, index=pd.Index([str(g) for g in s["group"]], name="group"))


def raking_table(check: pd.DataFrame) -> pd.DataFrame:
    """Weighted counts by sex before and after raking beside the census, rounded, labelled."""
    if absent(check):
        return check
    words = _VALUE_WORDS["sex"]
    out = pd.DataFrame({
        "design weights only": [number(x) for x in check["design_weight"]],
        "after raking": [number(x) for x in check["raked"]],
        "census": [number(x) for x in check["census"]],
    }, index=pd.Index([words.get(i, str(i)).capitalize() for i in check.index], name="people aged 15-45"))
    return out


def weights_lesson(weights: pd.Series, *, country: str, design_weights: pd.Series | None = None,
                   census_total: float | None = None, raked: pd.DataFrame | None = None) -> str | None:
    """The survey weights in words: their spread, the effective sample size, and what raking restored.

    ``raked`` (the table of :func:`raking_table`'s input: ``design_weight`` and ``census`` by group)
    gives ``design_weights`` and ``census_total``. None without weights.
    """

    if absent(weights):
        return None
    if raked is not None and not absent(raked):
        design_weights, census_total = raked["design_weight"], float(raked["census"].sum())

    w = pd.to_numeric(weights, errors="coerce").dropna().to_numpy(dtype=float)
    n = len(w)
    n_eff = effective_sample_size(w)
    text = (
        f"{country}'s {number(n)} baseline weights range from {number(w.min())} to {number(w.max())} people per "
        f"interview (the largest is {number(w.max() / w.min(), 1)} times the smallest). Unequal weights cost "
        f"precision: the {number(n)} interviews are worth {number(n_eff)} interviews of a self-weighting sample "
        f"({percent(n_eff / n)}), a design effect of the weights of {number(n / n_eff, 2)}."
    )
    if design_weights is not None and census_total:
        dw = float(pd.to_numeric(design_weights, errors="coerce").sum())
        share = dw / float(census_total)
        if share < 0.995:
            text += (f" The design weights alone add up to {number(dw)} people, {percent(share)} of the census: "
                     f"they leave out the people who were selected but not interviewed. Raking the weights to the "
                     f"census restores its totals.")
        else:
            text += f" The design weights alone add up to {number(dw)} people, {percent(share)} of the census."
    return text


def weights_headline(weights, *, country: str, interviews: int) -> str:
    """The lesson's pinned line: interviews and the effective sample size of the weights (Kish).

    >>> weights_headline(pd.Series([1.0, 1.0, 2.0, 4.0]), country="Corvia", interviews=4)
    'Corvia baseline: 4 interviews, effective sample size of the weights 3'
    >>> from campaign_me.workbook import Missing
    >>> weights_headline(Missing("no weights"), country="Corvia", interviews=4)
    'Corvia baseline: 4 interviews, no survey weights (every interview counts the same)'
    """

    if absent(weights):
        return f"{country} baseline: {interviews} interviews, no survey weights (every interview counts the same)"
    return (f"{country} baseline: {interviews} interviews, effective sample size of the weights "
            f"{effective_sample_size(weights):.0f}")


