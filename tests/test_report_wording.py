"""The country report's wording (campaign_me.narrative, docs/reports.md): findings worded by the design that
produced them, the smallest detectable change beside every null finding, a plain-language summary, one named
population per table, no level below zero, and the caution about many indicators, for every sample country.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from campaign_me import Codebook, SurveyDesign, load_survey, narrative, power
from campaign_me.logframe import STATUS_WORDS, load_logframe, tracking_table
from campaign_me.report import sample_data_dir
from campaign_me.report.content import (
    country_results,
    effects_table,
    indicator_table,
    key_findings,
    report_findings,
    table_html,
    tracking_display,
    tracking_notes,
)

SAMPLES = sample_data_dir()
COUNTRIES = ("aroland", "belmora", "corvia")
DID_CONDITION = "if the comparison districts would otherwise have changed like the campaign districts"
OVERCLAIMS = ("attributable", "attributed", "caused", "due to the campaign", "because of the campaign", "proves")


@pytest.fixture(scope="module", params=COUNTRIES)
def report(request):
    """One sample country's report numbers, computed as the report notebook computes them."""
    country = request.param
    book = Codebook.from_yaml(SAMPLES / "codebook.yaml")
    b, e = (SurveyDesign(load_survey(SAMPLES / country / f"survey_{r}.csv", book), weights="weight",
                         strata="stratum", psu="psu") for r in ("baseline", "endline"))
    results = country_results(b, e, country=country.capitalize(), codebook=book)
    logframe = load_logframe(SAMPLES / country / "logframe.yaml", codebook=book)
    tracking = tracking_table(logframe, e, codebook=book)
    found = report_findings(results, logframe)
    return {"country": country, "results": results, "logframe": logframe, "tracking": tracking, "found": found}


# -- the rules, design by design and interval by interval -------------------------------------------

_CLAIMS = {  # words a finding whose interval excludes zero must carry, and words it must never carry
    "randomised": (["caused by the campaign"], ["consistent with", "association"]),
    "did": (["consistent with a campaign effect", DID_CONDITION], ["caused", "attributable"]),
    "pre_post": (["changed since baseline", "cannot separate the campaign from other changes"],
                 ["campaign effect", "caused", "attributable"]),
    "exposed_vs_unexposed": (["association, not an effect", "cannot separate the campaign from who saw it"],
                             ["campaign effect", "caused", "attributable"]),
    "post_only": (["cannot show a change or its cause"], ["campaign effect", "caused", "attributable"]),
}
_INTERVALS = {"above": (8.3, 2.6, 14.0), "below": (-6.1, -11.0, -1.2), "spans": (2.0, -2.8, 6.9)}


@pytest.mark.parametrize("design", list(_CLAIMS))
@pytest.mark.parametrize("interval", list(_INTERVALS))
@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_each_design_words_each_interval(design, interval, direction):
    est, lo, hi = _INTERVALS[interval]
    text = narrative.finding_sentence("Knowledge score", est, lo, hi, design=design, unit="points",
                                      direction=direction, detectable=6.9)
    must, never = _CLAIMS[design]
    assert narrative.interval_outcome(lo, hi) == interval
    assert text.startswith("**Knowledge score**")
    assert f"95% CI {narrative.signed(lo)} to {narrative.signed(hi)}" in text
    if interval == "spans":
        assert "the interval includes zero" in text
        assert "could only have detected a change of about 6.9 points" in text  # what the data could not see
        for word in (*must, *never):  # no claim at all: neither the design's nor a stronger one
            if word not in ("consistent with", "association"):
                assert word not in text
        assert "campaign effect" not in text and "caused" not in text
    else:
        for word in must:
            assert word in text
        for word in never:
            assert word not in text
        assert "could only have detected" not in text
        against = (est > 0) != (direction == "higher")
        assert ("against" in text) == against  # a change the wrong way is said to be the wrong way


def test_only_a_randomised_design_says_caused():
    for design in narrative.DESIGNS:
        said = narrative.finding_sentence("A", 10.0, 4.0, 16.0, design=design)
        assert ("caused by the campaign" in said) == (design == "randomised")
    with pytest.raises(ValueError, match="design='rct'"):
        narrative.finding_sentence("A", 1.0, 0.5, 1.5, design="rct")


def test_design_strength_agrees_with_evidence_strength():
    from campaign_me.evaluation import evidence_strength

    assert narrative.DESIGNS["did"].sms == evidence_strength(comparison_group=True, baseline=True).level
    assert narrative.DESIGNS["randomised"].sms == evidence_strength(randomised=True, baseline=True).level
    assert narrative.DESIGNS["pre_post"].sms == evidence_strength(baseline=True).level


def test_detectable_change_is_powers_mde_with_the_survey_numbers():
    """Bloom's MDE from a standard error equals campaign_me.power's closed forms with the same n and design effect."""
    for n, p, deff in [(400, 0.5, 1.7), (250, 0.3, 1.4), (60, 0.45, 2.0)]:
        se = math.sqrt(p * (1 - p) * (2 / n) * deff)
        assert narrative.detectable_change(se) == pytest.approx(power.mde_proportion(n, p=p, deff=deff), rel=1e-12)
    assert narrative.detectable_change(4.0, df=np.inf) == pytest.approx(
        power.mde_mean(100, 4.0 / math.sqrt(2 / 100), method="normal"), rel=1e-12)
    assert narrative.detectable_change(5.0, df=10) > narrative.detectable_change(5.0)  # few clusters: larger
    assert np.isnan(narrative.detectable_change(float("nan")))


def test_net_levels_are_never_negative():
    assert narrative.level_text(-1.0, -9.1, 7.0, net=True) == ("0 (0 to 7.0)", True)
    assert narrative.level_text(-12.0, -20.0, -4.0, net=True) == ("0 (0 to 0.0)", True)
    assert narrative.level_text(3.0, -2.0, 8.0, net=True) == ("3.0 (0 to 8.0)", True)
    assert narrative.level_text(3.0, 1.0, 8.0, net=True) == ("3.0 (1.0 to 8.0)", False)
    assert narrative.level_text(-3.0, -8.0, 2.0) == ("\u22123.0 (\u22128.0 to 2.0)", False)  # not net: as it is


# -- every sample country --------------------------------------------------------------------------

def test_findings_are_worded_by_design_and_interval(report):
    found = report["found"]
    did = report["results"][report["results"]["measure"].eq("did")]
    assert len(found) == len(did) and set(found["design"]) == {"did"}
    for rec in found.to_dict("records"):
        text = rec["sentence"]
        for word in OVERCLAIMS:
            assert word not in text.lower(), (report["country"], rec["indicator"], word)
        if not np.isfinite(rec["estimate"]):
            assert rec["outcome"] == "unknown" and "too few respondents" in text
            continue
        outcome = "above" if rec["ci_low"] > 0 else "below" if rec["ci_high"] < 0 else "spans"
        assert rec["outcome"] == outcome
        assert f"{narrative.signed(rec['ci_low'])} to {narrative.signed(rec['ci_high'])}" in text
        if outcome == "spans":
            assert "no clear difference between the campaign and comparison districts" in text
            assert "consistent with a campaign effect" not in text
        else:
            assert "consistent with a campaign effect" in text and DID_CONDITION in text
            good = (rec["estimate"] > 0) == (rec["direction"] == "higher")
            assert ("wrong direction" in text) == (not good)


def test_null_findings_state_what_the_survey_could_not_see(report):
    found = report["found"]
    nulls = found[found["outcome"].eq("spans")]
    assert len(nulls)  # every sample country has some
    for rec in nulls.to_dict("records"):
        assert rec["detectable"] > 0
        # the MDE of the achieved standard error, on the estimate's own degrees of freedom
        assert rec["detectable"] == pytest.approx(narrative.detectable_change(rec["se"], df=rec["df"]))
        about = f"{rec['detectable']:.0f}" if rec["detectable"] >= 10 else f"{rec['detectable']:.1f}"
        unit = "percentage points" if rec["unit"] == "pp" else "points"
        assert f"The survey could only have detected a change of about {about} {unit}" in rec["sentence"]
        assert rec["verdict"].startswith(f"no clear difference (could detect about {about}")


def test_primary_outcome_is_confirmatory_and_the_rest_exploratory(report):
    found = report["found"]
    assert found.loc[found["role"].eq("primary"), "indicator"].tolist() == ["risk_aware"]
    prim = found[found["role"].eq("primary")].iloc[0]
    # one primary outcome keeps its p-value (adjust_pvalues' primary rule); the others are Holm-adjusted
    assert prim["p_adjusted"] == pytest.approx(prim["p_value"])
    expl = found[found["role"].eq("exploratory") & found["p_value"].notna()]
    assert (expl["p_adjusted"] >= expl["p_value"] - 1e-12).all()
    assert bool(prim["confirmed"]) == (prim["outcome"] in ("above", "below"))
    expected = {"aroland": "above", "belmora": "spans", "corvia": "spans"}[report["country"]]
    assert prim["outcome"] == expected
    if expected == "spans":  # the planned change is set beside the primary outcome's null finding
        assert "the change of 10.0 percentage points the results framework aimed for was too small" in prim["sentence"]
    else:
        assert "this is the report's main test: passed at the 5% level" in prim["sentence"]


def test_many_indicators_are_cautioned(report):
    found = report["found"]
    tested = found[found["outcome"].ne("unknown")]
    k = int(tested["role"].eq("exploratory").sum())
    caution = " ".join(narrative.multiplicity_sentences(found))
    assert f"This report tests {len(tested)} indicators" in caution
    assert f"with {k} exploratory indicators the chance that at least one excludes zero by chance alone is up to " \
           f"{1 - 0.95 ** k:.0%}" in caution
    assert "Every other finding is exploratory" in caution
    lines = key_findings(report["results"], report["tracking"], logframe=report["logframe"])
    assert any("by chance alone" in line for line in lines)


def test_aroland_information_seeking_is_an_exploratory_finding_not_a_claim():
    """+15.1 against a planted +3: the expected miss among many intervals, worded as a lead, never as a cause."""
    book = Codebook.from_yaml(SAMPLES / "codebook.yaml")
    b, e = (SurveyDesign(load_survey(SAMPLES / "aroland" / f"survey_{r}.csv", book), weights="weight",
                         strata="stratum", psu="psu") for r in ("baseline", "endline"))
    results = country_results(b, e, country="Aroland", codebook=book, indicators=("risk_aware", "info_seeking",
                                                                                   "knowledge_score"))
    found = report_findings(results, load_logframe(SAMPLES / "aroland" / "logframe.yaml")).set_index("indicator")
    info = found.loc["info_seeking"]
    assert info["role"] == "exploratory" and info["outcome"] == "above" and round(info["estimate"], 1) == 15.1
    know = found.loc["knowledge_score"]  # +8.3 against a planted 0
    for rec in (info, know):
        assert "consistent with a campaign effect" in rec["sentence"] and DID_CONDITION in rec["sentence"]
        assert "attributable" not in rec["sentence"]
    summary = dict(narrative.summary(found.reset_index(), results))
    assert any("Exploratory findings" in s and "lead to check" in s for s in summary["What we can say"])


def test_summary_says_what_we_can_and_cannot_say(report):
    found, results = report["found"], report["results"]
    sections = narrative.summary(found, results)
    assert [head for head, _ in sections] == ["What we can say", "How sure we are", "What we cannot say"]
    parts = dict(sections)
    assert all(parts[h] for h in parts)
    reach = results[results["indicator"].eq("exposed_any") & results["measure"].eq("level")
                    & results["round"].eq("endline")].set_index("domain")["estimate"]
    assert f"{reach['campaign areas']:.0f}% of people in the campaign districts" in parts["What we can say"][0]
    assert f"the share is {reach['all']:.0f}%" in parts["What we can say"][0]  # the two populations reconciled
    assert any("level 3 of 5" in s and DID_CONDITION in s for s in parts["How sure we are"])
    assert any("by chance alone" in s for s in parts["How sure we are"])
    assert any("No clear difference is not the same as no effect" in s for s in parts["What we cannot say"])
    prim = found[found["role"].eq("primary")].iloc[0]
    where = "What we can say" if prim["outcome"] != "spans" else "What we cannot say"
    assert any("primary outcome" in s and prim["label"] in s for s in parts[where])
    text = narrative.summary_markdown(sections)
    assert text.startswith("### What we can say") and "### What we cannot say" in text
    for word in OVERCLAIMS:
        assert word not in text.lower()
    if report["country"] == "corvia":  # safe practices: too few respondents
        assert any("Safe migration practices" in s and "suppressed" in s for s in parts["What we cannot say"])


def test_one_named_population_per_table_headers_in_words(report):
    results, tracking, found = report["results"], report["tracking"], report["found"]
    levels = indicator_table(results)
    effects = effects_table(found)
    shown = tracking_display(tracking)
    assert levels.attrs["population"] == "people in the campaign districts"
    assert shown.attrs["population"].startswith("people in all surveyed districts")
    assert effects.attrs["population"] == "the campaign districts compared with the comparison districts"
    for table in (levels, effects, shown):
        for col in table.columns:
            assert "_" not in col and col[0].isupper(), col  # words, not ci_low, domain, name
        keys = [table.columns[0]] + (["Where"] if "Where" in table.columns else [])
        assert not table.duplicated(keys).any()  # one row per indicator (and place): aggregates, no respondents
    assert set(shown["Status"]) <= set(STATUS_WORDS.values())
    assert not ({"grey", "amber", "green", "red"} & set(shown["Status"]))
    # exposure: one value per table, the two reconciled in words
    exp = results[results["indicator"].eq("exposed_any") & results["measure"].eq("level")
                  & results["round"].eq("endline")].set_index("domain")["estimate"]
    assert levels.loc[levels["Indicator"].str.startswith("Exposed"), "Endline (95% CI)"].iloc[0].startswith(
        f"{exp['campaign areas']:.1f}")
    assert shown.loc[shown["Indicator"].str.startswith("Exposed"), "Endline (95% CI)"].iloc[0].startswith(
        f"{exp['all']:.1f}")
    note = narrative.population_note(results)
    assert f"{exp['all']:.0f}% at endline in this table" in note and f"{exp['campaign areas']:.0f}%" in note
    html = table_html(shown, caption="Table 3. Population: " + shown.attrs["population"], status=shown.attrs["status"])
    assert html.count('data-label="Status"') == len(shown) and "Population: people in all surveyed" in html


def test_no_level_is_shown_below_zero(report):
    levels = indicator_table(report["results"])
    shown = tracking_display(report["tracking"])
    for table, cols in ((levels, ["Baseline (95% CI)", "Endline (95% CI)"]),
                        (shown, ["Baseline", "Target", "Endline (95% CI)"])):
        for col in cols:
            for cell in table[col]:
                assert not re.search(r"(^|\()\s*[-\u2212]", str(cell)), (report["country"], col, cell)
    recall = report["results"][report["results"]["indicator"].eq("aided_recall_net")
                               & report["results"]["measure"].eq("level")
                               & report["results"]["domain"].eq("campaign areas")]
    if (recall["estimate"] < 0).any():  # Aroland and Belmora: a net baseline below zero, explained in a note
        assert any("cannot be below zero" in n for n in levels.attrs["notes"])


def test_statistical_notes_leave_the_table_for_the_methods(report):
    shown = tracking_display(report["tracking"])
    text = " ".join(shown.astype(str).to_numpy().ravel())
    assert "deff" not in text and "power" not in text and "alpha" not in text and "n=" not in text
    notes = " ".join(tracking_notes(report["tracking"], report["logframe"]))
    assert "minimum detectable change of the planned sample" in notes  # the planned-sample check, in the methods
    found = report["found"]
    methods = " ".join(narrative.methods_sentences(found, report["results"], planned_deff=1.5))
    assert "Smallest detectable change" in methods and "design effect" in methods


def test_findings_need_the_results_columns():
    with pytest.raises(ValueError, match="missing column"):
        narrative.findings(pd.DataFrame({"indicator": ["a"]}))
    empty = narrative.findings(pd.DataFrame(columns=["indicator", "domain", "measure", "estimate", "se", "ci_low",
                                                     "ci_high", "suppressed", "unit"]))
    assert list(empty.columns) == list(narrative.FINDING_COLUMNS) and empty.empty


def test_a_difference_carried_by_the_comparison_districts_is_flagged(report):
    """Aroland's knowledge score (+8.3 against a planted 0) comes mostly from a fall in the comparison districts."""
    found = report["found"].set_index("indicator")
    flagged = {i for i, s in found["sentence"].items() if "Much of this difference comes from the comparison" in s}
    for ind in flagged:
        rec = found.loc[ind]
        assert rec["outcome"] in ("above", "below")
        assert np.sign(rec["change_comparison"]) == -np.sign(rec["estimate"])
        assert abs(rec["change_comparison"]) >= 0.5 * abs(rec["estimate"])
    assert flagged == ({"knowledge_score"} if report["country"] == "aroland" else set())


def test_one_settings_value_is_the_same_as_the_keywords():
    """settings=Reporting(...) gives what level=, min_n=, flag_n= give; a keyword given explicitly wins."""
    from campaign_me.conventions import Reporting
    from campaign_me.report.content import effects_figure, findings_markdown, methods_lines

    book = Codebook.from_yaml(SAMPLES / "codebook.yaml")
    b, e = (SurveyDesign(load_survey(SAMPLES / "corvia" / f"survey_{r}.csv", book), weights="weight",
                         strata="stratum", psu="psu") for r in ("baseline", "endline"))
    ids = ("risk_aware", "hotline_known")
    s = Reporting(level=0.9, min_n=400, flag_n=500)
    by_settings = country_results(b, e, country="Corvia", codebook=book, indicators=ids, settings=s)
    by_keywords = country_results(b, e, country="Corvia", codebook=book, indicators=ids, level=0.9, min_n=400,
                                  flag_n=500)
    pd.testing.assert_frame_equal(by_settings, by_keywords)
    assert by_settings["suppressed"].any()  # min_n=400 reached the estimates: some rounds/areas have fewer
    wins = country_results(b, e, country="Corvia", codebook=book, indicators=ids, settings=s, level=0.95, min_n=25)
    plain = country_results(b, e, country="Corvia", codebook=book, indicators=ids, flag_n=500)
    pd.testing.assert_frame_equal(wins, plain)
    found = report_findings(by_settings, settings=s)
    pd.testing.assert_frame_equal(found, report_findings(by_settings, level=0.9))
    assert "Difference: campaign effect estimate (90% CI)" in effects_table(found, settings=s).columns
    assert "Endline (90% CI)" in indicator_table(by_settings, settings=s).columns
    assert findings_markdown(found, by_settings, settings=s) == findings_markdown(found, by_settings, level=0.9)
    assert key_findings(by_settings, settings=s) == key_findings(by_settings, level=0.9)
    assert methods_lines(book, b, e, by_settings, settings=s)[-1].endswith(
        "Confidence level 90%; suppression below 400 respondents.")
    fig, alt = effects_figure(by_settings, settings=s)
    assert alt.startswith("Dot-and-interval chart of campaign effects with 90% confidence intervals")
    import matplotlib.pyplot as plt

    plt.close(fig)
