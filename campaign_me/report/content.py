"""What a country report shows: tidy indicator results, key findings, tables and figures with alt text.

The tables here are aggregates only (one row per indicator, round and domain); nothing in this
module returns respondent-level rows. What the findings may claim, and how, is
:mod:`campaign_me.narrative`'s: this module sets its sentences and the numbers into the report's
tables (one population per table, named in the caption, headers in words) and figures.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import struct
import textwrap
import warnings

import numpy as np
import pandas as pd

from .. import narrative
from ..codebook import Arm, Codebook
from ..conventions import Reporting, reporting
from ..deferred import Deferred
from ..evaluation import indicator_values
from ..indicators import applicable, compare_rounds, compute_indicators, did_indicators, load_catalogue
from ..logframe import RAG_COLOURS, STATUS_WORDS

plt = Deferred("matplotlib.pyplot")  # deferred: about 0.5 s at import; only the figures need it

__all__ = [
    "REPORT_COLUMNS",
    "REPORT_INDICATORS",
    "country_results",
    "methods_lines",
    "not_asked_sentence",
    "indicator_definitions",
    "report_findings",
    "key_findings",
    "findings_markdown",
    "tracking_summary",
    "indicator_table",
    "effects_table",
    "tracking_display",
    "tracking_notes",
    "table_html",
    "effects_figure",
    "figure_html",
    "forest_figure",
    "effects_by_country",
    "levels_by_country",
]

#: Columns of the tidy results a report writes (and the results store holds), in order. (Not
#: :data:`campaign_me.design.RESULT_COLUMNS`, the columns of one design's estimates; this was
#: ``RESULT_COLUMNS`` here too until the name clash was resolved.)
REPORT_COLUMNS = (
    "country", "round", "indicator", "domain", "measure",
    "estimate", "se", "ci_low", "ci_high", "n", "suppressed", "unit",
)


_RENAMED = {"RESULT_COLUMNS": "REPORT_COLUMNS"}


def __getattr__(name: str):
    """``RESULT_COLUMNS``, the old name of :data:`REPORT_COLUMNS`, with a DeprecationWarning."""
    if name in _RENAMED:
        warnings.warn(f"campaign_me.report.content.{name} is renamed {_RENAMED[name]} (it clashed with "
                      f"campaign_me.design.RESULT_COLUMNS); the old name goes in the next release",
                      DeprecationWarning, stacklevel=2)
        return globals()[_RENAMED[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Catalogue indicators a country report shows by default (ids of :mod:`campaign_me.indicators`).
REPORT_INDICATORS: tuple[str, ...] = (
    "exposed_any", "aided_recall_net", "risk_aware", "hotline_known", "warning_signs_3plus", "knowledge_score",
    "attitude_index", "intend_irregular", "info_seeking", "safe_practices",
)


@functools.lru_cache(maxsize=1)
def _catalogue():
    return load_catalogue()


def _settings(settings: Reporting | None, level=None, min_n=None, flag_n=None) -> tuple[float, int, int]:
    """``(level, min_n, flag_n)``: each keyword given explicitly, else ``settings``' (else the defaults)."""
    s = reporting(settings)
    return (s.level if level is None else level, s.min_n if min_n is None else min_n,
            s.flag_n if flag_n is None else flag_n)


def _resolve_arm(book, data, arm=None, treated=None):
    """The campaign areas: an :class:`~campaign_me.codebook.Arm`, a 0/1 column name, or None (no arm).

    ``arm`` (a column or an Arm) wins; else ``treated`` (a 0/1 column, the former argument); else the
    codebook's ``arm``; else, for surveys whose codebook declares none, a 0/1 ``campaign`` column if
    the data have one (the bundled sample world); else None.
    """
    if isinstance(arm, Arm):
        return arm
    if arm not in (None, ""):
        if book.arm is not None and book.arm.column == arm:
            return book.arm
        return str(arm)
    if treated not in (None, ""):
        return str(treated)
    if book.arm is not None:
        return book.arm
    return "campaign" if "campaign" in data.columns else None


def _arm_mask(arm, design) -> np.ndarray:
    """1 in campaign areas, 0 in comparison areas, for each row of the design's data."""
    if isinstance(arm, Arm):
        return arm.mask(design.data).to_numpy(dtype=float)
    return np.asarray(indicator_values(design, arm, "arm"), dtype=float)


_ARM_COLUMN = "__campaign_area"


def country_results(
    baseline,
    endline,
    *,
    country: str,
    codebook,
    catalogue=None,
    indicators: tuple[str, ...] = REPORT_INDICATORS,
    treated: str | None = None,
    arm=None,
    rounds: str | None = None,
    level: float | None = None,
    min_n: int | None = None,
    flag_n: int | None = None,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """Tidy results of a two-round campaign survey: levels, changes and the difference-in-differences.

    Parameters
    ----------
    baseline, endline : SurveyDesign
        The two survey rounds (e.g. ``SurveyDesign.from_codebook(data, codebook)``).
    country : str
        Label written in the ``country`` column.
    codebook : Codebook or path
        The surveys' codebook: item keys and scales of the indicators, ``concept`` names, the arm
        (campaign areas) and the round structure.
    catalogue : Catalogue, optional
        Indicator catalogue; default the shipped one (:func:`campaign_me.indicators.load_catalogue`).
    indicators : tuple of str
        Catalogue ids asked for. Those the survey did not ask (:func:`campaign_me.indicators.applicable`)
        get no rows: they are listed once in ``result.attrs["not_asked"]`` (records with ``id``,
        ``name``, ``missing``, ``reason``).
    treated : str, optional
        A 0/1 column of campaign areas (kept for older calls; ``arm`` is the general form).
    arm : str or Arm, optional
        The campaign areas; default the codebook's ``arm`` (for a codebook without one, a 0/1
        ``campaign`` column if the data have it). Without any: levels and changes only, no effects.
    rounds : {"independent", "same_clusters", "panel"}, optional
        How the rounds relate; default the codebook's ``rounds``.
    level : float, optional
        Confidence level of every interval; default ``settings.level`` (0.95).
    min_n, flag_n : int, optional
        Estimates on fewer than ``min_n`` unweighted cases are blanked and flagged ``suppressed``
        (the DHS convention); see :func:`campaign_me.indicators.compute_indicators`. Default
        ``settings``' (25 and 50).
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (level, min_n, flag_n) as one value; a keyword given explicitly wins.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REPORT_COLUMNS`. ``measure`` is ``"level"`` (a round's estimate, from
        :func:`~campaign_me.indicators.compute_indicators`), ``"change"`` (endline minus baseline,
        :func:`~campaign_me.indicators.compare_rounds` with the round structure) or ``"did"``: the
        change in campaign areas minus the change in comparison areas, from
        :func:`~campaign_me.indicators.did_indicators` (R's ``svyglm(y ~ arm * round)`` on the
        stacked rounds, so rounds that share clusters or respondents are handled as such).
        Shares are in percent, changes in percentage points (``unit`` says which).
        ``attrs``: ``not_asked`` (see ``indicators``), ``rounds``, ``arm`` (column, or ``""``).

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
    level, min_n, flag_n = _settings(settings, level, min_n, flag_n)
    book = Codebook.coerce(codebook)
    catalogue = catalogue if catalogue is not None else _catalogue()
    structure = rounds or book.rounds or "independent"
    columns = list(dict.fromkeys([*baseline.data.columns, *endline.data.columns]))
    asked = list(dict.fromkeys(indicators))
    usable, not_asked = applicable(catalogue.select(asked), book, columns)
    ids = [i for i in asked if i in usable.ids]
    area = _resolve_arm(book, baseline.data, arm=arm, treated=treated)
    if area is not None:
        baseline = baseline.with_columns(**{_ARM_COLUMN: _arm_mask(area, baseline)})
        endline = endline.with_columns(**{_ARM_COLUMN: _arm_mask(area, endline)})
    kw = {"codebook": book, "indicators": ids, "level": level, "min_n": min_n, "flag_n": flag_n}
    areas = {1: "campaign areas", 0: "comparison areas"}
    rows: list[dict] = []
    if ids:
        for round_, design in (("baseline", baseline), ("endline", endline)):
            for by in (None, _ARM_COLUMN) if area is not None else (None,):
                t = compute_indicators(design, catalogue, by=by, **kw)
                for rec in t.to_dict("records"):
                    domain = "all" if by is None else areas[int(rec[by])]
                    rows.append({"round": round_, "indicator": rec["indicator"], "domain": domain, "measure": "level",
                                 "estimate": rec["estimate"], "se": rec["se"], "ci_low": rec["ci_low"],
                                 "ci_high": rec["ci_high"], "n": rec["n"], "suppressed": bool(rec["suppressed"]),
                                 "unit": rec["unit"]})
        by = _ARM_COLUMN if area is not None else None
        change = compare_rounds(baseline, endline, catalogue, by=by, rounds=structure, **kw)
        for rec in change.to_dict("records"):
            domain = "all" if by is None else areas[int(rec[by])]
            rows.append({"round": "endline-baseline", "indicator": rec["indicator"], "domain": domain,
                         "measure": "change", "estimate": rec["change"], "se": rec["se"], "ci_low": rec["ci_low"],
                         "ci_high": rec["ci_high"], "n": int(min(rec["n_baseline"], rec["n_endline"])),
                         "suppressed": bool(rec["suppressed"]), "unit": rec["change_unit"]})
        if area is not None:
            effects = did_indicators(baseline, endline, catalogue, codebook=book, arm=_ARM_COLUMN, rounds=structure,
                                     indicators=ids, settings=Reporting(level=level, min_n=min_n, flag_n=flag_n))
            for rec in effects.to_dict("records"):
                rows.append({"round": "endline-baseline", "indicator": rec["indicator"],
                             "domain": "campaign vs comparison areas", "measure": "did", "estimate": rec["estimate"],
                             "se": rec["se"], "ci_low": rec["ci_low"], "ci_high": rec["ci_high"], "n": rec["n"],
                             "suppressed": bool(rec["suppressed"]), "unit": rec["unit"]})
    out = pd.DataFrame(rows, columns=[c for c in REPORT_COLUMNS if c != "country"])
    out["country"] = country
    out["n"] = pd.to_numeric(out["n"]).fillna(0).astype("int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    out.loc[out["suppressed"], ["estimate", "se", "ci_low", "ci_high"]] = np.nan
    out = out[list(REPORT_COLUMNS)].reset_index(drop=True)
    out.attrs["not_asked"] = not_asked.to_dict("records")
    out.attrs["rounds"] = structure
    out.attrs["arm"] = (area.column if hasattr(area, "column") else str(area)) if area is not None else ""
    return out


def _cluster_word(book) -> str:
    """What the clusters are, in a plural word from the codebook ("villages" for ``village: {label: Village (cluster)}``)."""
    col = book.psu
    if not col:
        return "clusters"
    label = ""
    try:
        label = str(book[col].label or "")
    except Exception:
        label = ""
    word = (label.split("(")[0].strip() or col).lower()
    if not word.replace(" ", "").isalpha() or word in ("psu", "cluster", "primary sampling unit"):
        return "clusters"
    return word if word.endswith("s") else word + "s"


def _count(design, column) -> int | None:
    return int(design.data[column].nunique()) if column and column in design.data.columns else None


def methods_lines(book, baseline, endline, results: pd.DataFrame, *, level: float | None = None,
                  min_n: int | None = None, settings: Reporting | None = None) -> list[str]:
    """The methods section's design, estimation and sample bullets, written from the actual survey.

    From the codebook (weights, strata, clusters, the arm, the round structure) and the two rounds'
    data: which round structure (new samples, the same clusters with new respondents, the same
    respondents), how many strata and clusters each round has, whether the estimates are weighted,
    which areas are campaign areas. ``results`` is :func:`country_results`' table (its ``attrs``).
    The confidence level and the suppression threshold said are ``level`` and ``min_n``, default
    ``settings``' (a :class:`campaign_me.conventions.Reporting`; 0.95 and 25).

    Examples
    --------
    >>> from campaign_me import Codebook, SurveyDesign, load_survey
    >>> cb = Codebook.from_yaml("tests/data/rounds/codebook.yaml")
    >>> b, e = (SurveyDesign.from_codebook(load_survey(f"tests/data/rounds/{r}.csv", cb), cb)
    ...         for r in ("baseline", "endline"))
    >>> r = pd.DataFrame(columns=REPORT_COLUMNS)
    >>> r.attrs.update(rounds="same_clusters", arm="program_arm")
    >>> print(methods_lines(cb, b, e, r)[0])  # doctest: +ELLIPSIS
    **Design.** The same 20 villages were visited at baseline and endline, with new respondents...
    """
    level, min_n, _ = _settings(settings, level, min_n)
    structure = results.attrs.get("rounds") or book.rounds or "independent"
    arm = results.attrs.get("arm", "")
    words = _cluster_word(book)
    cb_, ce = _count(baseline, book.psu), _count(endline, book.psu)
    sb, se_ = _count(baseline, book.strata), _count(endline, book.strata)
    if structure == "same_clusters":
        shared = (len(set(baseline.data[book.psu]) & set(endline.data[book.psu]))
                  if book.psu and book.psu in baseline.data and book.psu in endline.data else None)
        n = shared if shared is not None else ce
        design = (f"The same {n} {words} were visited at baseline and endline, with new respondents "
                  "(repeated cross-sections in the same clusters).")
    elif structure == "panel":
        design = ("The same respondents were interviewed at baseline and endline (a panel)"
                  + (f", in {ce} {words}." if ce else "."))
    else:
        design = ("Two independent cross-sectional surveys (baseline and endline): a new sample at each round"
                  + (f" ({cb_} {words} at baseline, {ce} at endline)." if cb_ and ce else "."))
    if arm:
        design += (" The campaign effect is a difference-in-differences of campaign and comparison areas "
                   f"(campaign areas: column {arm}; level 3 of 5 on the Maryland Scientific Methods Scale): it "
                   "assumes that campaign and comparison areas would have followed parallel trends without the "
                   "campaign. Only a randomised design could say that the campaign *caused* a change; a "
                   "before-after change alone cannot separate the campaign from other changes.")
    else:
        design += (" The codebook names no campaign and comparison areas, so the report shows before-after "
                   "changes only, which cannot separate the campaign from other changes.")
    lines = [f"**Design.** {design}"]
    weighted = (f"Weighted estimates (weights: column {book.weight})" if book.weight else
                "Unweighted estimates (the codebook declares no survey weights: every respondent counts the same)")
    parts = [x for x in ("strata" if book.strata else "", "clusters" if book.psu else "") if x]
    est = f"{weighted} with Taylor-linearised standard errors" + (
        f" that account for {' and '.join(parts)}" if parts else "") + "; intervals use the design's degrees of freedom."
    if structure == "independent":
        est += (" The rounds are independent samples, so the variances of before-after changes add; the campaign "
                "effect is estimated on the two rounds stacked, each round with its own strata and clusters "
                "(as R's svyglm(y ~ arm * round)).")
    else:
        est += (" The rounds are correlated (" + ("the same clusters" if structure == "same_clusters"
                                                   else "the same respondents") +
                "), so changes and campaign effects are estimated on the two rounds stacked in one design in which "
                "a cluster's two rounds form one cluster (as R's svyglm(y ~ round) and svyglm(y ~ arm * round)): "
                "the correlation between rounds is taken into account, not ignored.")
    lines.append(f"**Estimation.** {est}")
    sizes = [f"Baseline respondents: {baseline.n:,}", f"endline respondents: {endline.n:,}"]
    if book.strata:
        sizes.append(f"strata: {sb} at baseline, {se_} at endline" if sb != se_ else f"strata: {sb} in each round")
    if book.psu:
        sizes.append(f"{words}: {cb_} at baseline, {ce} at endline")
    sizes.append("weights: " + (f"column {book.weight}" if book.weight else "none (unweighted)"))
    lines.append("**Sample.** " + "; ".join(sizes) + f". Confidence level {level:.0%}; suppression below {min_n} "
                 "respondents.")
    return lines


def not_asked_sentence(results: pd.DataFrame) -> str:
    """The indicators asked for that the survey did not ask, in one sentence ("" when none).

    Examples
    --------
    >>> r = pd.DataFrame(columns=REPORT_COLUMNS)
    >>> r.attrs["not_asked"] = [{"id": "info_seeking", "name": "Sought official information",
    ...                          "missing": "info_seeking", "reason": "not asked in this survey"}]
    >>> not_asked_sentence(r)
    'Not asked in this survey (not reported): Sought official information.'
    """
    recs = results.attrs.get("not_asked") or []
    asked = [r["name"] for r in recs if r.get("reason") == "not asked in this survey"]
    other = [f"{r['name']} ({r['reason']})" for r in recs if r.get("reason") != "not asked in this survey"]
    out = []
    if asked:
        out.append("Not asked in this survey (not reported): " + ", ".join(asked) + ".")
    if other:
        out.append("Cannot be computed from this survey: " + "; ".join(other) + ".")
    return " ".join(out)


def indicator_definitions(results: pd.DataFrame, codebook, catalogue=None) -> list[str]:
    """One line per reported indicator: its name and definition written from the codebook's items.

    The definitions are the catalogue's, with the placeholders filled from the survey's own scale
    items (:meth:`campaign_me.indicators.Catalogue.describe`: "at least 4 of the 5 knowledge items").
    """
    cat = (catalogue if catalogue is not None else _catalogue())
    ids = [i for i in results["indicator"].drop_duplicates() if i in cat]
    described = cat.select(ids).describe(Codebook.coerce(codebook))
    return [f"{described[i].name}: {described[i].definition}" for i in ids]


def _label(variable: str) -> str:
    try:
        cat = _catalogue()
        return cat[variable].name if variable in cat else variable
    except Exception:  # a user's indicator outside the shipped catalogue
        return variable


def tracking_summary(tracking: pd.DataFrame | None) -> str:
    """One sentence counting the logframe indicators by status, in words ("" without a tracking table).

    Examples
    --------
    >>> t = pd.DataFrame({"status": ["green", "grey", "grey", "red"]})
    >>> tracking_summary(t)
    'Results framework: of 4 indicators, 1 on track; 2 cannot be judged yet (the interval spans a cut-off); 1 off track.'
    """
    if tracking is None or not len(tracking):
        return ""
    counts = tracking["status"].value_counts()
    words = {"green": STATUS_WORDS["green"], "amber": STATUS_WORDS["amber"],
             "grey": "cannot be judged yet (the interval spans a cut-off)", "red": STATUS_WORDS["red"]}
    parts = [f"{int(counts[k])} {v}" for k, v in words.items() if k in counts]
    other = int(counts.drop([k for k in words if k in counts]).sum())
    if other:
        parts.append(f"{other} without a status")
    return f"Results framework: of {len(tracking)} indicators, " + "; ".join(parts) + "."


def _planned(logframe) -> dict[str, float]:
    """Planned change (target minus baseline) of the logframe's whole-population rows, by indicator."""
    if logframe is None:
        return {}
    out: dict[str, float] = {}
    for r in logframe.rows:
        if not r.domain and r.target is not None and r.baseline is not None and r.indicator not in out:
            out[r.indicator] = float(r.target - r.baseline)
    return out


def report_findings(results: pd.DataFrame, logframe=None, *, level: float | None = None, power: float = 0.8,
                    settings: Reporting | None = None) -> pd.DataFrame:
    """The report's campaign effects worded by design, with their roles (:func:`campaign_me.narrative.findings`).

    The logframe (optional) names the primary outcomes (``primary: true``) and the planned changes
    said beside null findings. ``level`` defaults to ``settings.level`` (0.95).
    """
    level, _, _ = _settings(settings, level)
    primary = logframe.primary if logframe is not None else ()
    return narrative.findings(results, design="did", primary=primary, level=level, power=power,
                              planned=_planned(logframe))


def key_findings(results: pd.DataFrame, tracking: pd.DataFrame | None = None, *, level: float | None = None,
                 logframe=None, settings: Reporting | None = None) -> list[str]:
    """Plain-language key findings, each with a number and a statement of how sure we are.

    Reach at endline (reconciled with the whole survey's figure), then every campaign effect worded
    by its design (a difference-in-differences: "consistent with a campaign effect, if the
    comparison districts would otherwise have changed like the campaign districts"), the primary
    outcome(s) first, a null finding with the smallest change the survey could have detected, the
    caution about many indicators, and the results-framework status counts. ``level`` defaults to
    ``settings.level`` (0.95).
    """
    level, _, _ = _settings(settings, level)
    found = report_findings(results, logframe, level=level)
    out = []
    reach = narrative.reach_sentence(results, level=level)
    if reach:
        out.append(reach)
    for role in ("primary", "exploratory"):
        out.extend(found.loc[found["role"].eq(role), "sentence"])
    out.extend(narrative.multiplicity_sentences(found, level=level))
    summary = tracking_summary(tracking)
    if summary:
        out.append(summary)
    return out


def findings_markdown(found: pd.DataFrame, results: pd.DataFrame, *, level: float | None = None,
                      settings: Reporting | None = None) -> str:
    """The key findings as Markdown: reach, the primary outcome(s), the exploratory findings, the caution.

    ``level`` defaults to ``settings.level`` (0.95).
    """
    level, _, _ = _settings(settings, level)
    parts = []
    reach = narrative.reach_sentence(results, level=level)
    if reach:
        parts.append(reach)
    prim = found[found["role"].eq("primary")]
    if len(prim):
        head = "Primary outcome" + ("s" if len(prim) > 1 else "") + " (confirmatory: named before the survey)"
        parts.append(f"### {head}\n\n" + "\n".join(f"- {x}" for x in prim["sentence"]))
    expl = found[found["role"].eq("exploratory")]
    if len(expl):
        head = "Other indicators (exploratory)" if len(prim) else "All indicators (exploratory: no primary outcome named)"
        parts.append(f"### {head}\n\n" + "\n".join(f"- {x}" for x in expl["sentence"]))
    caution = narrative.multiplicity_sentences(found, level=level)
    if caution:
        parts.append("### Many indicators, some chance findings\n\n" + " ".join(caution))
    return "\n\n".join(parts)


def _unit_label(unit: str) -> str:
    return {"%": "%", "pp": "% net", "score 0-100": "score 0-100"}.get(str(unit), str(unit))


def indicator_table(results: pd.DataFrame, *, domain: str = "campaign areas", level: float | None = None,
                    settings: Reporting | None = None) -> pd.DataFrame:
    """Levels and change in one population (default the campaign districts), headers in words.

    One row per indicator: baseline and endline with their intervals and respondents, and the
    change since baseline (a before-after comparison in that population: it cannot separate the
    campaign from other changes; the campaign effect is :func:`effects_table`'s). A net measure
    (aided recall net of a decoy) is never shown below zero (:func:`campaign_me.narrative.level_text`);
    ``table.attrs["notes"]`` then says what was bounded. ``table.attrs["population"]`` names the
    population. ``level`` (of the intervals' headers) defaults to ``settings.level`` (0.95).
    """
    level, _, _ = _settings(settings, level)
    pct = f"{level:.0%}"
    notes: list[str] = []
    lines = []
    for ind in results["indicator"].drop_duplicates():
        part = results[results["indicator"].eq(ind)]

        def pick(measure: str, round_: str, dom: str, part: pd.DataFrame = part) -> dict | None:
            m = part[part["measure"].eq(measure) & part["round"].eq(round_) & part["domain"].eq(dom)]
            return m.iloc[0].to_dict() if len(m) else None

        base = pick("level", "baseline", domain)
        end = pick("level", "endline", domain)
        chg = pick("change", "endline-baseline", domain)
        unit = base["unit"] if base else (end["unit"] if end else "")
        net = unit == "pp"
        cells = {}
        for key, rec in (("base", base), ("end", end)):
            if rec is None:
                cells[key] = ""
            elif rec["suppressed"] or pd.isna(rec["estimate"]):
                cells[key] = "* (too few respondents)"
            else:
                text, bounded = narrative.level_text(rec["estimate"], rec["ci_low"], rec["ci_high"], net=net)
                if bounded:
                    text += " \u2020"
                    what = ("no more people recognised the real material than the decoy, so the share is shown as 0"
                            if rec["estimate"] < 0 else "the interval's lower limit is shown as 0")
                    notes.append(
                        f"\u2020 {_label(ind)}: the share who recognised the real campaign material minus the share who "
                        f"said they recognised a decoy that was never used. The survey's estimate is "
                        f"{narrative.signed(rec['estimate'])} ({pct} CI {narrative.signed(rec['ci_low'])} to "
                        f"{narrative.signed(rec['ci_high'])}): {what}; a share of people cannot be below zero.")
                cells[key] = text
        if chg is None:
            change = ""
        elif chg["suppressed"] or pd.isna(chg["estimate"]):
            change = "* (too few respondents)"
        else:
            change = (f"{narrative.signed(chg['estimate'])} ({narrative.signed(chg['ci_low'])} to "
                      f"{narrative.signed(chg['ci_high'])})")
        n_base = f"{int(base['n']):,}" if base else ""
        n_end = f"{int(end['n']):,}" if end else ""
        lines.append({
            "Indicator": f"{_label(ind)} ({_unit_label(unit)})" if unit else _label(ind),
            f"Baseline ({pct} CI)": cells["base"],
            f"Endline ({pct} CI)": cells["end"],
            "Change since baseline": change,
            "Respondents (baseline / endline)": f"{n_base} / {n_end}",
        })
    table = pd.DataFrame(lines)
    table.attrs["notes"] = list(dict.fromkeys(notes))
    table.attrs["population"] = narrative.POPULATIONS.get(domain, domain)
    return table


def effects_table(found: pd.DataFrame, *, level: float | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """The campaign effects (difference-in-differences) as a table in words, one row per indicator.

    ``found`` is :func:`report_findings`' table. Columns: the indicator (the primary outcome
    marked), the change in the campaign and in the comparison districts, their difference with its
    interval, and what the survey can say (the design's words, or the smallest detectable change
    beside a null finding). ``level`` defaults to ``settings.level`` (0.95).
    """
    level, _, _ = _settings(settings, level)
    pct = f"{level:.0%}"
    rows = []
    for rec in found.to_dict("records"):
        unit = "pp" if rec["unit"] == "pp" else "points"
        label = rec["label"] + f" ({unit})"
        if rec["role"] == "primary":
            label += ", primary outcome"
        if rec["outcome"] == "unknown":
            diff = "* (too few respondents)"
        else:
            diff = (f"{narrative.signed(rec['estimate'])} ({narrative.signed(rec['ci_low'])} to "
                    f"{narrative.signed(rec['ci_high'])})")
        def change(v: float) -> str:
            return narrative.signed(v) if np.isfinite(v) else "* (too few respondents)"

        rows.append({
            "Indicator": label,
            "Change, campaign districts": change(rec["change_campaign"]),
            "Change, comparison districts": change(rec["change_comparison"]),
            f"Difference: campaign effect estimate ({pct} CI)": diff,
            "What the survey can say": rec["verdict"][0].upper() + rec["verdict"][1:],
        })
    table = pd.DataFrame(rows)
    table.attrs["population"] = narrative.POPULATIONS["campaign vs comparison areas"]
    return table


def tracking_display(tracking: pd.DataFrame, *, level: float | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """The logframe tracking table for a reader: headers and statuses in words, no statistical notes.

    The latest value carries its interval, the progress its range (why a status "cannot judge"),
    a net measure is never shown below zero, and the notes go to :func:`tracking_notes` (for a
    methods section). ``table.attrs["status"]`` keeps the status codes (for the fills),
    ``table.attrs["notes"]`` the notes on bounded values. ``level`` defaults to ``settings.level`` (0.95).
    """
    level, _, _ = _settings(settings, level)
    pct = f"{level:.0%}"
    rows, notes = [], []
    for rec in tracking.to_dict("records"):
        net = rec["unit"] == "pp"
        mark = ""

        def level_(v, lo=np.nan, hi=np.nan, net: bool = net):
            nonlocal mark
            text, bounded = narrative.level_text(v, lo, hi, net=net)
            if bounded:
                mark = " \u2020"
            return text

        base = level_(rec["baseline"])
        target = level_(rec["target"])
        latest = "* (too few respondents)" if pd.isna(rec["latest"]) else level_(rec["latest"], rec["ci_low"],
                                                                                 rec["ci_high"])
        if mark:
            notes.append(f"\u2020 {rec['name']}: a net share (recognition of the real material minus recognition of a "
                         "decoy that was never used); values and limits below zero (here baseline "
                         f"{narrative.signed(rec['baseline'])}, endline {narrative.signed(rec['latest'])} from "
                         f"{narrative.signed(rec['ci_low'])} to {narrative.signed(rec['ci_high'])}) are shown as 0: a "
                         "share of people cannot be below zero.")
        prog = rec["progress"]
        if pd.isna(prog) or pd.isna(rec["latest"]):
            progress = "-"
        else:
            progress = f"{prog:.0%}".replace("-", "\u2212")
            if pd.notna(rec.get("progress_low")) and pd.notna(rec.get("progress_high")):
                progress += (f" ({rec['progress_low']:.0%} to {rec['progress_high']:.0%})").replace("-", "\u2212")
        where = "whole survey" if rec["domain"] in ("all", "", None) else rec["domain"].replace("=", " ") + " only"
        rows.append({
            "Indicator": f"{rec['name']} ({_unit_label(rec['unit'])})" + mark,
            "Where": where,
            "Baseline": base,
            "Target": target,
            f"Endline ({pct} CI)": latest,
            "Share of the planned change achieved": progress,
            "Status": STATUS_WORDS.get(rec["status"], str(rec["status"])),
        })
    table = pd.DataFrame(rows)
    table.attrs["status"] = list(tracking["status"])
    table.attrs["notes"] = list(dict.fromkeys(notes))
    table.attrs["population"] = narrative.POPULATIONS["all"]
    return table


def tracking_notes(tracking: pd.DataFrame, logframe=None) -> list[str]:
    """The results framework's statistical notes, for the methods section (not the table).

    One sentence lists the targets the *planned* sample could not detect (from the logframe's
    minimum-detectable-change check: planned change, detectable change, planned interviews per
    round), and one line per indicator keeps any other note of the tracking table (a missing or
    suppressed estimate). The progress ranges behind "cannot judge" are in the table itself.
    """
    out = []
    if logframe is not None:
        plan = logframe.planned_sample
        groups: dict[float, list[str]] = {}
        for r in logframe.rows:
            if r.mde is not None and r.target is not None and abs(r.target - r.baseline) < r.mde:
                unit = "pp" if logframe.catalogue[r.indicator].unit == "%" else "points"
                where = f", {', '.join(f'{k} {v}' for k, v in r.domain.items())}" if r.domain else ""
                groups.setdefault(r.planned_n, []).append(
                    f"{logframe.catalogue[r.indicator].name}{where} ({abs(r.target - r.baseline):.1f} {unit} planned, "
                    f"{r.mde:.1f} detectable)")
        if groups:
            parts = [f"with {n:g} interviews per round, " + "; ".join(items) for n, items in groups.items()]
            out.append(
                "Targets smaller than the minimum detectable change of the planned sample (design effect "
                f"{plan.get('deff', 1):g}, {plan.get('power', 0.8):.0%} power, {plan.get('alpha', 0.05):.0%} level; "
                "checked when the results framework was loaded): " + "; ".join(parts) + ".")
    for rec in tracking.to_dict("records"):
        note = str(rec.get("note") or "")
        keep = [x for x in note.split("; ") if x and "spans a cut-off" not in x and "minimum detectable" not in x
                and "not computed" not in x and "was not checked" not in x]
        if keep:
            where = "" if rec["domain"] in ("all", "", None) else f", {rec['domain'].replace('=', ' ')}"
            out.append(f"{rec['name']}{where}: " + "; ".join(keep) + ".")
    return out


def table_html(table: pd.DataFrame, *, caption: str = "", notes=(), status=None, css_class: str = "") -> str:
    """A report table as HTML: a caption, headers in words, the first column as row headers.

    Every cell carries its column's header as ``data-label`` (the report's style sheet shows each
    row as a card on a narrow screen), ``notes`` go below the table, and ``status`` (codes of
    :data:`campaign_me.logframe.RAG_COLOURS`, one per row) fills the "Status" column, whose words
    are written in the cell: the colour is never the only carrier of the meaning.

    Examples
    --------
    >>> t = pd.DataFrame({"Indicator": ["Knows the hotline (%)"], "Status": ["cannot judge"]})
    >>> html_ = table_html(t, caption="Table 1. All surveyed districts", status=["grey"])
    >>> '<th scope="row" data-label="Indicator">Knows the hotline (%)</th>' in html_
    True
    >>> 'data-label="Status"' in html_ and "cannot judge</td>" in html_
    True
    """
    cols = list(table.columns)
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in cols)
    body = []
    for i, rec in enumerate(table.itertuples(index=False, name=None)):
        cells = []
        for j, (col, v) in enumerate(zip(cols, rec)):
            label = html.escape(str(col), quote=True)
            text = html.escape("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
            if j == 0:
                cells.append(f'<th scope="row" data-label="{label}">{text}</th>')
            elif col == "Status" and status is not None and i < len(status):
                code = str(status[i])
                fill = RAG_COLOURS.get(code, "")
                style = f' style="background-color: {fill}"' if fill else ""
                cells.append(f'<td class="cm-status cm-status-{html.escape(code, quote=True)}" '
                             f'data-label="{label}"{style}>{text}</td>')
            else:
                cells.append(f'<td data-label="{label}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    foot = "".join(f'<p class="cm-note">{html.escape(n)}</p>' for n in notes)
    cls = "cm-table" + (f" {css_class}" if css_class else "")
    return (f'<div class="cm-table-wrap"><table class="{cls}">{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{foot}</div>')


def _wrap(text: str, width: int = 30) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def effects_figure(results: pd.DataFrame, *, level: float | None = None, title: str = "", primary=(), settings: Reporting | None = None):
    """Dot-and-interval chart of the campaign effects (DiD); returns (figure, alt text).

    6.8 inches wide with 10-point text, so that on A4 it prints at its own size (no smaller than
    9 points); long names wrap; the primary outcome(s) are marked in the label and drawn filled,
    the exploratory ones hollow. A suppressed effect is not drawn. ``level`` (said in the alt text)
    defaults to ``settings.level`` (0.95).
    """
    level, _, _ = _settings(settings, level)
    did = results[results["measure"].eq("did") & ~results["suppressed"]].copy()
    primary = set(primary)
    did["label"] = [f"{_label(v)} ({'pp' if u == 'pp' else 'points'})" + (", primary" if v in primary else "")
                    for v, u in zip(did["indicator"], did["unit"])]
    fig, ax = plt.subplots(figsize=(6.8, 0.45 * max(len(did), 1) + 1.3))
    y = np.arange(len(did))[::-1]
    est, lo, hi = (did[c].to_numpy(dtype=float) for c in ("estimate", "ci_low", "ci_high"))  # arrays, not Series
    is_primary = did["indicator"].isin(primary).to_numpy()
    for yi, e, a, b, prim in zip(y, est, lo, hi, is_primary):
        ax.plot([a, b], [yi, yi], color="#0072B2", lw=2, solid_capstyle="butt")
        ax.plot([e], [yi], "o", ms=8 if prim else 7, color="#0072B2", mfc="#0072B2" if prim else "white", mew=2)
    ax.axvline(0, color="#555555", linewidth=1, linestyle="--")
    ax.set_yticks(y)
    ax.set_yticklabels([_wrap(t, 32) for t in did["label"]], fontsize=10)
    ax.tick_params(axis="x", labelsize=10)
    ax.set_xlabel("campaign effect: change in campaign districts minus change in comparison districts\n"
                  "(percentage points, or points of a 0-100 score)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=11)
    fig.tight_layout()
    parts = [f"{lab}: {e:+.1f} ({lo:+.1f} to {hi:+.1f})"
             for lab, e, lo, hi in zip(did["label"], did["estimate"], did["ci_low"], did["ci_high"])]
    alt = (f"Dot-and-interval chart of campaign effects with {level:.0%} confidence intervals. "
           + "; ".join(parts) + ".")
    return fig, alt


def figure_html(fig, *, alt: str, caption: str = "", dpi: int = 150) -> str:
    """A matplotlib figure as self-contained HTML: an embedded PNG with alt text and a caption.

    Display it with ``IPython.display.HTML``; the rendered report then needs no external file and
    screen readers read the alt text. The figure is closed. The image is drawn at ``dpi`` (sharp
    on paper) and shown at its size in inches (96 CSS pixels per inch, never wider than the page):
    a figure no wider than the printed text area prints with its text at the point size it was
    drawn with.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> html_ = figure_html(fig, alt="An empty chart", caption="Figure 1")
    >>> html_.startswith("<figure") and 'alt="An empty chart"' in html_
    True
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    png = buf.getvalue()
    width_px = struct.unpack(">I", png[16:20])[0]  # the PNG header's width
    css_width = round(width_px / dpi * 96)
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (f'<figure class="cm-figure" style="margin:1em 0"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}" width="{css_width}" style="max-width:100%;height:auto"/>'
            f'{cap}</figure>')


def forest_figure(results: pd.DataFrame, *, level: float | None = None, settings: Reporting | None = None):
    """Forest plot of the campaign effects (DiD) by country, one panel per indicator; returns (figure, alt).

    ``results`` is the results store's tidy table (:meth:`ResultsStore.results`) for several countries.
    ``level`` (said in the title) defaults to ``settings.level`` (0.95).
    """
    level, _, _ = _settings(settings, level)
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
    """Campaign effects (DiD) by indicator and country, with whether the interval excludes zero (headers in words)."""
    did = results[results["measure"].eq("did")].copy()
    did["Indicator"] = did["indicator"].map(_label)
    did["Interval excludes zero"] = np.where(did["suppressed"], "suppressed",
                                             np.where((did["ci_low"] > 0) | (did["ci_high"] < 0), "yes", "no"))
    did["Campaign effect (95% CI)"] = [
        "* (too few respondents)" if s else
        f"{narrative.signed(e)} ({narrative.signed(lo)} to {narrative.signed(hi)})"
        for s, e, lo, hi in zip(did["suppressed"], did["estimate"], did["ci_low"], did["ci_high"])]
    did["Unit"] = did["unit"].map(narrative.unit_words)
    return did[["Indicator", "country", "Campaign effect (95% CI)", "Interval excludes zero", "Unit"]].rename(
        columns={"country": "Country"}).reset_index(drop=True)


def levels_by_country(results: pd.DataFrame, *, round_: str = "endline", domain: str = "all") -> pd.DataFrame:
    """One row per indicator, one column per country: the round's level with its interval (text).

    A net measure is never shown below zero (:func:`campaign_me.narrative.level_text`).
    """
    lv = results[results["measure"].eq("level") & results["round"].eq(round_) & results["domain"].eq(domain)].copy()
    lv["value"] = ["*" if s else narrative.level_text(e, lo, hi, net=u == "pp")[0]
                   for s, e, lo, hi, u in zip(lv["suppressed"], lv["estimate"], lv["ci_low"], lv["ci_high"], lv["unit"])]
    lv["Indicator"] = lv["indicator"].map(_label)
    table = lv.pivot(index="Indicator", columns="country", values="value")
    table.columns.name = None
    return table.reset_index()
