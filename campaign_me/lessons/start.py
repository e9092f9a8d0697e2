"""Lesson 00, *Start here*: the sentences and tables of ``notebooks/00_start_here.ipynb``.

Every sentence that interprets a number is written here from that number, for the country the
notebook runs on, so the lesson holds for Aroland, Belmora, Corvia or a survey of one's own. The
notebook shows the sentences as Markdown and the tables as they are.

The first part of the module holds the small formatting helpers the workbook's lessons share:
rounded numbers (:func:`number`), intervals (:func:`interval`), p-values (:func:`p_value`), and
labels in words for the codes of the sample codebook (:func:`group_label`, :func:`column_label`,
:func:`readable_rows`). A table for participants has few columns, headers in words, labels
instead of codes and rounded numbers (:func:`table`).

A section whose data a survey lacks gets a :class:`~campaign_me.workbook.Missing` (falsy, shown as
its one line) instead of its input: the lesson function that opens the section shows that line, the
ones after it show nothing (they return None, and :class:`Shown` and :class:`Text` show nothing for
None), so the notebook says once what is missing and moves on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..conventions import Reporting, check_level, reporting
from ..deferred import Deferred
from ..errors import CampaignMeError
from ..widgets import interval_figure
from ..workbook import (
    Missing,
    ParameterError,
    check_parameters,
    design_comparison,
    missing_line,
    sample_overview,
)

ipython_display = Deferred("IPython.display")  # deferred: only notebooks show outputs

__all__ = [
    "given_or_settings",
    "level_of",
    "Text",
    "Missing",
    "absent",
    "missing_line",
    "FIRST_COLUMNS",
    "first_rows",
    "data_table",
    "three_designs",
    "three_ways_figure",
    "number",
    "count",
    "interval",
    "p_value",
    "group_label",
    "column_label",
    "readable_rows",
    "table",
    "Shown",
    "DESIGN_NAMES",
    "countries_table",
    "design_table",
    "design_sentences",
    "three_ways_alt",
    "headline",
    "compare_countries",
    "level_sentence",
]

# ---------------------------------------------------------------------------
# formatting shared by the lessons
# ---------------------------------------------------------------------------

#: Shown for a number that does not exist (a suppressed estimate, a missing value).
NOTHING = "–"


def given_or_settings(settings: Reporting | None, **given):
    """The reporting values given, each ``None`` replaced by the settings' (or the conventions' default).

    How a lesson function that takes ``settings=`` and the older ``level=``/``min_n=``/``flag_n=``
    merges them: a keyword given explicitly wins.

    Examples
    --------
    >>> given_or_settings(Reporting(level=0.9, min_n=30), level=None, min_n=40)
    [0.9, 40]
    >>> level_of(None, None)
    0.95
    """
    s = reporting(settings)
    return [getattr(s, k) if v is None else v for k, v in given.items()]


def level_of(level: float | None, settings: Reporting | None) -> float:
    """``level`` when given, else the settings' confidence level (0.95 by default)."""
    return reporting(settings).level if level is None else level


class Text(str):
    """A lesson's sentence or paragraph: a ``str``, shown as Markdown when it ends a notebook cell.

    Examples
    --------
    >>> Text("**Done.**")._repr_markdown_()
    '**Done.**'
    >>> Text("x") == "x"
    True
    """

    __slots__ = ()

    def _repr_markdown_(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:  # plain text without quotes
        p.text(str(self))


def absent(x) -> bool:
    """True for what a section lacks: None or a :class:`~campaign_me.workbook.Missing`.

    Examples
    --------
    >>> absent(None), absent(Missing("This survey has no logframe.")), absent(pd.DataFrame())
    (True, True, False)
    """
    return x is None or isinstance(x, Missing)


def _text(x):
    """A sentence as :class:`Text`; None and a Missing pass through."""
    return x if absent(x) else Text(x)


def _missing(x) -> bool:
    try:
        return x is None or x is pd.NA or (isinstance(x, (float, np.floating)) and math.isnan(x))
    except TypeError:  # pragma: no cover - exotic objects
        return False


def number(x, digits: int = 1, *, sign: bool = False) -> str:
    """A number rounded for reading: ``number(52.067035)`` is ``'52.1'``; missing is a dash.

    Examples
    --------
    >>> number(52.067035), number(3.14159, 2), number(8.27, sign=True), number(float("nan"))
    ('52.1', '3.14', '+8.3', '–')
    >>> number(-0.04)
    '0.0'
    """
    if _missing(x):
        return NOTHING
    x = float(x)
    if round(x, digits) == 0:
        x = 0.0  # never "-0.0"
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def count(n) -> str:
    """A whole number with thousands separators: ``count(81903.837)`` is ``'81,904'``.

    Examples
    --------
    >>> count(81903.837), count(921)
    ('81,904', '921')
    """
    if _missing(n):
        return NOTHING
    return f"{round(float(n)):,}"


def interval(low, high, digits: int = 1, *, sign: bool = False, unit: str = "") -> str:
    """An interval in words: ``'27.4 to 34.5'`` (``unit`` is appended to both ends).

    Examples
    --------
    >>> interval(27.43, 34.51), interval(-3.0, 1.26, sign=True, unit="%")
    ('27.4 to 34.5', '-3.0% to +1.3%')
    """
    if _missing(low) or _missing(high):
        return NOTHING
    return f"{number(low, digits, sign=sign)}{unit} to {number(high, digits, sign=sign)}{unit}"


def p_value(p) -> str:
    """A p-value as people read it: ``'< 0.001'`` rather than ``0.000``.

    Examples
    --------
    >>> p_value(0.0000312), p_value(0.0841), p_value(0.5)
    ('< 0.001', '0.084', '0.500')
    """
    if _missing(p):
        return NOTHING
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


#: Words for the codes of the sample codebook's grouping columns.
GROUP_LABELS: dict[str, dict] = {
    "sex": {"female": "Women", "male": "Men"},
    "urban": {True: "Urban", False: "Rural"},
    "migration_status": {
        "none": "No plan to migrate",
        "regular": "Plans to migrate regularly",
        "irregular_or_undecided": "Plans irregular migration or undecided",
        "returnee": "Returned migrants",
    },
    "intend_irregular": {True: "Intend to migrate irregularly", False: "Do not intend to"},
    "campaign": {1: "Campaign districts", 0: "Comparison districts"},
}

#: Short headers in words for the sample codebook's columns.
COLUMN_LABELS: dict[str, str] = {
    "region": "Region",
    "district": "District",
    "urban": "Urban or rural",
    "sex": "Sex",
    "age_group": "Age group",
    "education": "Education",
    "migration_status": "Migration plans",
    "risk_aware": "Aware of the risks",
    "risk_perception": "Perceived risk (0-100)",
    "intend_irregular": "Intends to migrate irregularly",
    "hotline_known": "Knows the hotline",
    "info_seeking": "Sought official information",
    "campaign": "Campaign or comparison district",
    "weight": "People represented (weight)",
}


def column_label(column: str) -> str:
    """A short header in words for a survey column (``"age_group"`` is ``"Age group"``).

    Examples
    --------
    >>> column_label("migration_status"), column_label("access/radio")
    ('Migration plans', 'Access radio')
    """
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    text = column.replace("_", " ").replace("/", " ").strip()
    return text[:1].upper() + text[1:]


def group_label(column: str, value, codebook=None) -> str:
    """The label in words of one value of a grouping column (``("sex", "female")`` is ``"Women"``).

    Known columns of the sample codebook have short labels (:data:`GROUP_LABELS`); age groups
    read "Aged 15-24"; other columns take the codebook's label of the code when a codebook is
    given; yes/no columns read "Yes"/"No"; anything else is shown as it is.

    Examples
    --------
    >>> group_label("sex", "male"), group_label("urban", False), group_label("age_group", "15-24")
    ('Men', 'Rural', 'Aged 15-24')
    >>> group_label("region", "North"), group_label("exposed_any", True)
    ('North', 'Yes')
    """
    if _missing(value):
        return "Missing"
    known = GROUP_LABELS.get(column, {})
    key = bool(value) if isinstance(value, (bool, np.bool_)) else value
    if key in known:
        return known[key]
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool) and int(key) in known:
        return known[int(key)]
    if column == "age_group":
        return f"Aged {value}"
    if codebook is not None:
        try:
            var = codebook[column]
        except (KeyError, CampaignMeError):
            var = None
        codes = getattr(var, "codes", None) or {}
        for code, label in codes.items():
            if str(code) == str(value):
                return str(label)
    if isinstance(key, bool):
        return "Yes" if key else "No"
    return str(value)


def readable_rows(data: pd.DataFrame, columns: Sequence[str], codebook=None) -> pd.DataFrame:
    """Some columns of a survey with labels in words instead of codes, for a labelled head.

    Categories and yes/no answers become words (:func:`group_label`), weights whole numbers,
    headers words (:func:`column_label`). Only for showing a few rows: never for computing.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["female", "male"], "urban": [True, False], "weight": [255.69, 490.67]})
    >>> readable_rows(df, ["sex", "urban", "weight"])
         Sex Urban or rural People represented (weight)
    0  Women          Urban                         256
    1    Men          Rural                         491
    """
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise CampaignMeError(f"columns {missing} are not in the survey; it has {', '.join(map(str, data.columns[:12]))}, ...")
    out = {}
    for col in columns:
        values = data[col]
        if col == "weight" or col.endswith("_weight"):
            out[column_label(col)] = values.round().astype("Int64")
        elif pd.api.types.is_bool_dtype(values) or col in GROUP_LABELS or values.dtype == object \
                or pd.api.types.is_string_dtype(values) or (codebook is not None and _has_codes(codebook, col)):
            out[column_label(col)] = values.map(lambda v, c=col: group_label(c, v, codebook))
        else:
            out[column_label(col)] = values.astype(object).where(values.notna(), "missing")
    return pd.DataFrame(out, index=data.index)


def _has_codes(codebook, column: str) -> bool:
    try:
        return bool(getattr(codebook[column], "codes", None))
    except (KeyError, CampaignMeError):
        return False


def table(frame: pd.DataFrame, caption: str = ""):
    """A table for participants: no row numbers, an optional caption (a pandas Styler).

    Examples
    --------
    >>> t = table(pd.DataFrame({"Country": ["Aroland"], "Interviews": ["921"]}), "Sample")
    >>> t.data.columns.tolist(), t.caption
    (['Country', 'Interviews'], 'Sample')
    """
    styler = frame.style.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler


class Shown:
    """Several outputs shown one after the other, as the last line of a notebook cell.

    Text (Markdown) is shown as formatted text, anything else (a table, a figure) as it is.

    Examples
    --------
    >>> Shown("**Done.**", "Two lines.")
    **Done.**
    <BLANKLINE>
    Two lines.
    """

    def __init__(self, *parts) -> None:
        self.parts = tuple(p for p in parts if p is not None)  # None: a part the survey cannot show

    def _ipython_display_(self) -> None:
        for part in self.parts:
            ipython_display.display(ipython_display.Markdown(part) if isinstance(part, str) else part)

    def __repr__(self) -> str:
        return "\n\n".join(part if isinstance(part, str) else repr(part) for part in self.parts)


# ---------------------------------------------------------------------------
# lesson 00
# ---------------------------------------------------------------------------


#: The columns of the first rows shown in lessons 00 and 01, in the catalogue's names (the survey's own
#: columns answer them through the codebook: :meth:`campaign_me.workbook.Workbook.column`).
FIRST_COLUMNS = ("region", "district", "urban", "sex", "age_group", "migration_status", "risk_aware",
                 "intend_irregular", "weight")


def first_rows(wb, data: pd.DataFrame, names: Sequence[str] = FIRST_COLUMNS) -> pd.DataFrame:
    """Some columns of a survey round in words (:func:`readable_rows`), chosen by the catalogue's names.

    Each name is read from the survey's column that answers it (``sex`` from ``gender`` when the
    codebook says ``concept: sex``; ``weight`` from the codebook's weight column); the headers are the
    names in words, the codes the codebook's labels. Names the survey does not answer are left out.
    """
    found = wb.columns(names)
    shown = readable_rows(data, list(found.values()), wb.book)
    shown.columns = [column_label(n) for n in found]
    return shown


def data_table(wb):
    """The data of this workbook in a table: the three sample countries, or the survey of one's own.

    With the sample data, :func:`countries_table` of :func:`campaign_me.workbook.sample_overview`.
    For a folder of one's own: one row per survey round with its interviews, strata, clusters and
    campaign-area clusters (from the codebook's design and ``arm``).
    """
    overview = sample_overview(wb.data_dir)
    if len(overview):
        return countries_table(overview)
    book = wb.book
    rows = []
    for round_ in wb.rounds:
        data = wb.survey(round_)
        row = {"Round": round_.capitalize(), "Interviews": count(len(data))}
        if book.strata:
            row[f"Strata ({book.strata})"] = count(data[book.strata].nunique())
        if book.psu:
            row[f"Clusters ({book.psu})"] = count(data[book.psu].nunique())
            if wb.arm is not None:
                row["Clusters in campaign areas"] = count(data.loc[wb.in_campaign(data), book.psu].nunique())
        if book.weight:
            row["People represented (sum of weights)"] = count(data[book.weight].sum())
        rows.append(row)
    return table(pd.DataFrame(rows), f"{wb.country_name}: the survey rounds")


#: The question lessons 00 and 01 estimate three ways (a catalogue name).
THREE_WAYS_VARIABLE = "intend_irregular"


def three_designs(wb, data: pd.DataFrame, variable: str = THREE_WAYS_VARIABLE):
    """:func:`campaign_me.workbook.design_comparison` of a yes/no question with the codebook's design, in %.

    A :class:`~campaign_me.workbook.Missing` when the survey does not have the question.
    """
    if variable not in data.columns:
        return Missing(missing_line(f"question for \"{column_label(variable).lower()}\"", variable))
    return design_comparison(data, variable, codebook=wb.book, settings=wb.settings, scale=100)


def three_ways_figure(three, wb):
    """The three intervals of :func:`three_designs` in one figure, with its alt text; None without them."""
    if absent(three):
        return None
    return interval_figure(three.rename(index=DESIGN_NAMES),
                           xlabel=f"intends to migrate irregularly (%), {wb.level:.0%} interval",
                           title=f"{wb.country_name} baseline: one question, three answers",
                           alt=three_ways_alt(three, wb.country_name))


def countries_table(overview: pd.DataFrame):
    """The sample countries in words (from :func:`campaign_me.workbook.sample_overview`).

    Columns: country, regions, districts (of which in the campaign), villages, people aged 15-45,
    interviews per round (baseline / endline).
    """
    rows = []
    for rec in overview.to_dict("records"):
        rounds = [count(rec[k]) for k in ("respondents_baseline", "respondents_endline") if k in rec]
        rows.append({
            "Country": rec["country"],
            "Regions": count(rec["regions"]),
            "Districts (in the campaign)": f"{count(rec['districts'])} ({count(rec['campaign_districts'])})",
            "Villages": count(rec["villages"]),
            "People aged 15-45": count(rec["population_15_45"]),
            "Interviews (baseline / endline)": " / ".join(rounds),
        })
    return table(pd.DataFrame(rows), "The three sample countries")


#: The rows of :func:`campaign_me.workbook.design_comparison` in words.
DESIGN_NAMES = {
    "unweighted (as if SRS)": "As if a simple random sample (no weights)",
    "weighted, clusters ignored": "Weighted, clusters ignored",
    "design-based": "Design-based: weights, strata and clusters",
}


def design_table(three: pd.DataFrame, level: float | None = None, *, settings: Reporting | None = None):
    """The three estimates of :func:`campaign_me.workbook.design_comparison` in words.

    Columns: how the survey is treated, estimate, interval, its width, design effect. Shows the one
    line of a :class:`~campaign_me.workbook.Missing` instead.
    """
    level = level_of(level, settings)
    if absent(three):
        return three
    rows = []
    for name, rec in three.iterrows():
        rows.append({
            "How the survey is treated": DESIGN_NAMES.get(str(name), str(name)),
            "Estimate (%)": number(rec["estimate"]),
            f"{level:.0%} interval (%)": interval(rec["ci_low"], rec["ci_high"]),
            "Width (points)": number(rec["ci_high"] - rec["ci_low"]),
            "Design effect": number(rec["deff"]),
        })
    return table(pd.DataFrame(rows))


def _width(rec) -> float:
    return float(rec["ci_high"] - rec["ci_low"])


def design_sentences(three: pd.DataFrame, country_name: str, level: float | None = None, *, settings: Reporting | None = None) -> str:
    """What the three-way comparison shows for this country: widths, design effect, information.

    ``three`` is :func:`campaign_me.workbook.design_comparison` of a 0/1 variable with
    ``scale=100``. The sentences compare the design-based interval with the one that treats the
    interviews as a simple random sample, and turn the design effect into an equivalent number of
    interviews picked completely at random (``n / deff``). None without the three estimates.
    """
    level = level_of(level, settings)
    if absent(three):
        return None
    srs, db = three.loc["unweighted (as if SRS)"], three.loc["design-based"]
    w_srs, w_db = _width(srs), _width(db)
    ratio = w_db / w_srs
    if ratio >= 1.05:
        compare = f"{number(ratio)} times as wide as the naive one"
    elif ratio <= 0.95:
        compare = f"narrower than the naive one ({number(ratio * 100, 0)}% of its width)"
    else:
        compare = "about as wide as the naive one"
    deff, n = float(db["deff"]), int(db["n"])
    equivalent = n / deff
    if deff > 1.05:
        info = (f"the {count(n)} interviews carry as much information as about {count(equivalent)} people picked "
                f"completely at random")
    elif deff < 0.95:
        info = (f"here the design is more precise than a simple random sample (its strata gain more than its "
                f"clusters and weights cost): the {count(n)} interviews carry as much information as about "
                f"{count(equivalent)} people picked completely at random")
    else:
        info = f"the {count(n)} interviews carry about as much information as a simple random sample of the same size"
    return Text(
        f"In {country_name}, the design-based {level:.0%} interval runs from {interval(db['ci_low'], db['ci_high'])}% "
        f"({number(w_db)} points wide). Treating the same interviews as a simple random sample gives "
        f"{interval(srs['ci_low'], srs['ci_high'])}% ({number(w_srs)} points): the honest interval is {compare}. "
        f"The design effect is {number(deff)}: {info}."
    )


def three_ways_alt(three: pd.DataFrame, country_name: str) -> str:
    """Alt text of the three-intervals figure, from the numbers it shows."""
    est = [number(three.loc[k, "estimate"]) for k in DESIGN_NAMES]
    widths = {k: _width(three.loc[k]) for k in DESIGN_NAMES}
    widest = max(widths, key=widths.get)
    return (f"Three intervals for the share intending to migrate irregularly in {country_name}: "
            f"unweighted {est[0]}%, weighted {est[1]}%, design-based {est[2]}%; the widest is the "
            f"{'design-based' if widest == 'design-based' else widest} interval.")


def headline(three: pd.DataFrame, country_name: str, level: float | None = None, *, settings: Reporting | None = None) -> str:
    """The lesson's headline number: the design-based estimate, its interval and design effect."""
    level = level_of(level, settings)
    if absent(three):
        return str(three) if three is not None else ""
    db = three.loc["design-based"]
    return (f"{country_name} baseline: {db['estimate']:.1f}% intend to migrate irregularly "
            f"({level:.0%} CI {db['ci_low']:.1f} to {db['ci_high']:.1f}); design effect {db['deff']:.1f}")


def _design_based(wb, variable: str, level: float) -> dict:
    data = wb.survey(wb.rounds[0])
    if variable not in data.columns:
        raise CampaignMeError(missing_line(f"question for \"{column_label(variable).lower()}\"", variable))
    est = wb.design(data).proportion(variable, level=level, na_rm=True, method="logit").iloc[-1]
    return {"estimate": 100 * est["estimate"], "ci_low": 100 * est["ci_low"], "ci_high": 100 * est["ci_high"],
            "deff": float(est["deff"]), "n": int(est["n"])}


def compare_countries(wb, other, variable: str = "intend_irregular"):
    """The design-based share in this country and another, side by side (first round of each).

    ``wb`` is the notebook's checked parameters (:func:`campaign_me.workbook.check_parameters`);
    ``other`` another country's, or the name of another country folder of the same data folder
    (checked with the same codebook). Columns: country, interviews, estimate, interval, width,
    design effect. A country the data folder does not hold, or a survey without the question,
    gives one line saying so.
    """
    if isinstance(other, str):
        try:
            other = check_parameters(country=other, data_dir=str(wb.data_dir), codebook=str(wb.codebook),
                                     rounds=[wb.rounds[0]])
        except ParameterError:
            known = sorted(p.name for p in wb.data_dir.iterdir() if p.is_dir() and any(p.glob("survey_*.*")))
            return Text(f"There is no country {other!r} in this data folder; it holds "
                        f"{', '.join(map(repr, known))}: write one of these.")
    rows = []
    for w in ([wb] if other.country == wb.country else [wb, other]):
        try:
            est = _design_based(w, variable, wb.level)
        except CampaignMeError as error:
            return Text(str(error))
        rows.append({
            "Country": w.country_name,
            "Interviews": count(est["n"]),
            "Estimate (%)": number(est["estimate"]),
            f"{wb.level:.0%} interval (%)": interval(est["ci_low"], est["ci_high"]),
            "Width (points)": number(est["ci_high"] - est["ci_low"]),
            "Design effect": number(est["deff"]),
        })
    caption = f"{column_label(variable)}, design-based, {wb.rounds[0]}"
    if other.country == wb.country:
        caption += ": the same country twice, choose another to compare"
    return table(pd.DataFrame(rows), caption)


def level_sentence(wb, try_level, variable: str = "intend_irregular") -> str:
    """What a confidence level of ``try_level`` gives, compared with the notebook's ``level``.

    A valid level (strictly between 0 and 1) gives the design-based interval at that level and
    says whether it is narrower or wider than the one at ``wb.level``; anything else gives the
    message the Parameters cell would give, without stopping the notebook.

    Examples
    --------
    >>> class Wb:  # a stand-in for check_parameters' result; the message needs only level
    ...     level = 0.95
    >>> level_sentence(Wb(), 95)
    'level = 95 is not allowed: a confidence level is a number strictly between 0 and 1 (write 0.95 for 95%). In the Parameters cell, the notebook would stop at the next cell with this message.'
    """
    try:
        check_level(try_level)
        ok = True
    except CampaignMeError:
        ok = False
    if not ok:
        hint = f"write {try_level / 100:g} for {try_level:g}%" if (
            isinstance(try_level, (int, float)) and not isinstance(try_level, bool) and 1 < try_level < 100
        ) else "for example 0.95 for 95%"
        return Text(f"level = {try_level!r} is not allowed: a confidence level is a number strictly between 0 and 1 "
                    f"({hint}). In the Parameters cell, the notebook would stop at the next cell with this message.")
    try_level = float(try_level)
    try:
        new = _design_based(wb, variable, try_level)
    except CampaignMeError as error:
        return Text(str(error))
    ref = _design_based(wb, variable, wb.level)
    w_new, w_ref = new["ci_high"] - new["ci_low"], ref["ci_high"] - ref["ci_low"]
    head = (f"With level = {try_level:g}, the design-based interval for {wb.country_name} is a {try_level:.0%} interval: "
            f"{interval(new['ci_low'], new['ci_high'])}% ({number(w_new)} points wide).")
    if math.isclose(try_level, wb.level):
        return Text(head + " That is the level set in the Parameters cell.")
    if try_level < wb.level:
        why = "asking for less confidence gives a narrower range"
        word = "narrower"
    else:
        why = "more confidence needs a wider range"
        word = "wider"
    return Text(head + f" It is {word} than the {wb.level:.0%} interval, {interval(ref['ci_low'], ref['ci_high'])}% "
                f"({number(w_ref)} points): {why}. The estimate itself stays {number(new['estimate'])}%.")
