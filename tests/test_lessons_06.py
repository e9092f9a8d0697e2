"""Lesson 06 (evaluation): every sentence the lesson writes is true for every sample country.

The sentences of ``campaign_me.lessons.evaluation`` are written from one country's numbers; these
tests read the numbers back out of the sentences and recompute them independently (weighted means
with numpy, the simulated surveys row by row, the truth file), so a sentence that would be false in
Aroland, Belmora or Corvia fails here, whichever country the lesson was written on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from campaign_me import Codebook, SurveyDesign
from campaign_me.diagnose import simulate_survey
from campaign_me.evaluation import combine_rounds, did, evidence_strength
from campaign_me.indicators import compare_rounds
from campaign_me.lessons import evaluation as lesson
from campaign_me.workbook import SAMPLE_COUNTRIES, check_parameters

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r"([+-]?\d+(?:\.\d+)?)"
OUTCOMES = ("risk_aware", "intend_irregular")


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(NUMBER, text)]


def after(text: str, prefix: str, count: int = 1) -> list[float]:
    """The ``count`` numbers that follow ``prefix`` in ``text``."""
    i = text.index(prefix) + len(prefix)
    found = numbers(text[i:])[:count]
    assert len(found) == count, (prefix, text)
    return found


def estimate_ci(text: str, prefix: str) -> tuple[float, float, float]:
    """The estimate after ``prefix`` and the two ends of the interval (after the next "CI")."""
    est = after(text, prefix)[0]
    lo, hi = after(text[text.index(prefix):], "CI", 2)
    return est, lo, hi


def direction(change: float) -> str:
    """The lesson's rule: less than one point either way (after rounding) barely moves."""
    return "rose" if round(change, 1) >= 1 else "fell" if round(change, 1) <= -1 else "barely moved"


def near(shown: float, value: float, decimals: int = 1) -> bool:
    """``shown`` is ``value`` rounded to ``decimals`` (with a hair of tolerance for ties)."""
    return abs(shown - value) <= 0.5 * 10 ** -decimals + 1e-9


def wmean(frame: pd.DataFrame, column: str) -> float:
    y = pd.to_numeric(frame[column].astype("object"), errors="coerce").astype(float)
    ok = y.notna()
    return float(np.average(y[ok], weights=frame.loc[ok, "weight"]))


def cell_means(base: pd.DataFrame, end: pd.DataFrame, outcome: str) -> dict:
    """Weighted means in percent by arm and round, recomputed with numpy."""
    out = {}
    for arm, flag in (("comp", False), ("camp", True)):
        out[f"{arm}_base"] = 100 * wmean(base[base["campaign"] == flag], outcome)
        out[f"{arm}_end"] = 100 * wmean(end[end["campaign"] == flag], outcome)
        out[f"{arm}_change"] = out[f"{arm}_end"] - out[f"{arm}_base"]
    out["did"] = out["camp_change"] - out["comp_change"]
    return out


@pytest.fixture(scope="module", params=[(c, o) for c in SAMPLE_COUNTRIES for o in OUTCOMES],
                ids=[f"{c}-{o}" for c in SAMPLE_COUNTRIES for o in OUTCOMES])
def run(request):
    country, outcome = request.param
    wb = check_parameters(country=country)
    base, end = wb.survey("baseline"), wb.survey("endline")
    truth = lesson.read_truth(wb)
    both = combine_rounds(base, end, weights="weight", strata="stratum", psu="psu")
    in_campaign = wb.design(end).subset(end["campaign"] == 1)
    ways = lesson.three_ways(both, in_campaign, outcome, truth=truth, level=wb.level)
    change = compare_rounds(wb.design(base), wb.design(end), codebook=Codebook.from_yaml(wb.codebook),
                            by="campaign", indicators=["risk_aware", "intend_irregular", "hotline_known",
                                                       "knowledge_score"], level=wb.level, min_n=wb.min_n)
    sim = lesson.simulate_like_this_survey(base, end, ways, sims=1000, seed=wb.seed)
    return SimpleNamespace(wb=wb, base=base, end=end, truth=truth, outcome=outcome, ways=ways, change=change,
                           sim=sim, means=cell_means(base, end, outcome), name=wb.country_name)


# ------------------------------------------------------------------------------ the trend
def test_trend_sentences_are_true(run):
    m = run.means
    text = lesson.trend_sentences(run.ways.did, truth=run.truth, change=run.change)
    comp = text["comparison"]
    b, e = after(comp, "went from", 2)
    assert near(b, m["comp_base"]) and near(e, m["comp_end"])
    shown = after(comp, f"it {direction(m['comp_change'])} (")[0]
    assert near(shown, m["comp_change"])
    # the direction word matches the comparison districts' change
    if " rose " in comp:
        assert m["comp_change"] > 0
    elif " fell " in comp:
        assert m["comp_change"] < 0
    else:
        assert "barely moved" in comp and abs(m["comp_change"]) < 1.05
    row = run.change[(run.change["indicator"] == run.outcome) & ~run.change["campaign"].astype(bool)].iloc[0]
    lo, hi = after(comp, "CI", 2)
    assert near(lo, row["ci_low"]) and near(hi, row["ci_high"])

    camp = text["campaign"]
    b, e, c = after(camp, "went from", 3)
    assert near(b, m["camp_base"]) and near(e, m["camp_end"]) and near(c, m["camp_change"])
    assert abs((e - b) - c) <= 0.1 + 1e-9  # endline minus baseline, within rounding

    share = text["share"]
    a, c, d = m["camp_change"], m["comp_change"], m["did"]
    if "accounts for all of" in share:
        assert np.sign(a) == np.sign(c) and abs(c) > abs(a)
        assert near(after(share, "difference-in-differences of")[0], d)
    elif "% of the before-after change" in share:
        assert np.sign(a) == np.sign(c) and 0 < c / a <= 1
        assert after(share, "accounts for")[0] == round(100 * c / a)
        assert near(after(share, "the rest,")[0], d)
    elif "barely moved" in share:
        assert abs(c) < 1.05 and np.sign(a) != np.sign(c)
    elif "moved the other way" in share:
        assert np.sign(a) != np.sign(c) and abs(c) >= 0.95
        assert near(after(share, "difference-in-differences of")[0], d)
    else:
        assert "did not change" in share and abs(a) < 0.05 + 1e-9
    # the DiD the sentence names is the library's
    assert d == pytest.approx(100 * run.ways.did.effect, abs=1e-6)

    trend = 100 * run.truth["secular_trend"][run.outcome]
    planted = text["planted"]
    assert near(after(planted, "secular trend is")[0], trend)
    shown, away = after(planted, "comparison districts show", 2)
    assert near(shown, c) and abs(away - abs(c - trend)) <= 0.1 + 1e-9
    covers = row["ci_low"] <= trend <= row["ci_high"]
    assert ("the interval of their change covers the planted trend" in planted) == covers
    assert ("does not cover the planted trend" in planted) == (not covers)
    word, planted_word = direction(c), direction(trend)
    assert ("hides the trend" in planted) == (word == "barely moved" and planted_word != "barely moved")
    assert ("turns the trend around" in planted) == (
        "barely moved" not in (word, planted_word) and word != planted_word)


def test_comparison_changes_and_change_table(run):
    text = lesson.comparison_changes(run.change)["comparison"]
    comp = run.change[~run.change["campaign"].astype(bool)]
    for r in comp.itertuples(index=False):
        assert near(after(text, f"*{r.name}*")[0], r.change)
    table = lesson.change_table(run.change, level=run.wb.level)
    assert list(table.columns) == ["Baseline", "Endline", "Change (95% CI)"]
    for r in run.change.itertuples(index=False):
        unit = "%" if r.unit == "%" else r.unit
        cell = table.loc[(f"{r.name} ({unit})", "Campaign" if r.campaign else "Comparison")]
        assert near(numbers(cell["Baseline"])[0], r.baseline) and near(numbers(cell["Endline"])[0], r.endline)
        ch, lo, hi = numbers(cell["Change (95% CI)"])
        assert near(ch, r.change) and near(lo, r.ci_low) and near(hi, r.ci_high)
    assert not re.search(r"True|False|_", table.to_string())


def test_did_table_in_words(run):
    t = lesson.did_table(run.ways.did)
    m = run.means
    assert list(t.index) == ["Comparison districts", "Campaign districts", "Campaign minus comparison"]
    assert near(numbers(t.loc["Comparison districts", "Baseline"])[0], m["comp_base"])
    assert near(numbers(t.loc["Campaign districts", "Endline"])[0], m["camp_end"])
    assert near(numbers(t.loc["Campaign minus comparison", "Change"])[0], m["did"])


# ------------------------------------------------------------------------------ three designs
def _exposed_gap(run) -> float:
    camp = run.end[run.end["campaign"] == True]  # noqa: E712 (a nullable boolean column)
    y = pd.to_numeric(camp[run.outcome].astype("object"), errors="coerce")
    x = camp["exposed_any"].astype("object")
    ok = y.notna() & x.notna()
    camp = camp[ok].assign(_y=y[ok].astype(float))
    exp = camp[camp["exposed_any"] == True]  # noqa: E712
    une = camp[camp["exposed_any"] == False]  # noqa: E712
    return 100 * (np.average(exp["_y"], weights=exp["weight"]) - np.average(une["_y"], weights=une["weight"]))


def test_three_ways_sentences_are_true(run):
    ways, m = run.ways, run.means
    planted = 100 * run.truth["itt"][run.outcome]
    trend = 100 * run.truth["secular_trend"][run.outcome]
    independent = {"pre_post": m["camp_change"], "exposed": _exposed_gap(run), "did": m["did"]}
    text = lesson.three_ways_sentences(ways)
    for key, result in ways.results.items():
        sentence = text[key]
        est, lo, hi = estimate_ci(sentence, "**:")
        assert near(est, independent[key]), (key, est, independent[key])
        assert near(lo, 100 * result.ci_low) and near(hi, 100 * result.ci_high)
        covers = result.ci_low <= planted / 100 <= result.ci_high
        said_covers = "Its interval covers the planted effect" in sentence or "yet its interval covers it" in sentence
        said_misses = "does not cover the planted effect" in sentence or "its interval does not cover it" in sentence
        assert said_covers == covers and said_misses == (not covers), (key, sentence)
        assert near(after(sentence, "the planted effect of")[0], planted)
        opposite = round(est, 1) != 0 and np.sign(est) != np.sign(planted)
        assert ("opposite sign" in sentence) == opposite
        if "cannot tell the direction" in sentence:  # both signs inside the interval
            assert result.ci_low < 0 < result.ci_high
    assert near(after(text["pre_post"], "plus the planted trend,")[0], planted + trend)
    on_exposed = 100 * run.truth["effect_on_exposed"][run.outcome]
    assert near(after(text["exposed"], "(planted:")[0], on_exposed)
    # the design named closest is the one nearest the planted effect
    off = {k: abs(v - planted) for k, v in independent.items()}
    best = min(off, key=off.get)
    names = {"pre_post": "before-after", "exposed": "exposed vs unexposed", "did": "difference-in-differences"}
    assert f"survey, {names[best]} lands closest" in text["closest"]
    assert near(after(text["closest"], "planted effect (")[0], off[best])


def test_three_ways_table_and_headline(run):
    table = lesson.three_ways_table(run.ways)
    assert "0.000" not in table.to_string()
    for result, p in zip(run.ways.results.values(), table["p-value"]):
        assert p == ("< 0.001" if result.p_value < 0.001 else f"{result.p_value:.3f}")
    head = lesson.headline(run.ways, run.name)
    assert head.startswith(run.name)
    pre = after(head, "before-after")[0]
    exp = after(head, "exposed vs unexposed")[0]
    d, lo, hi = estimate_ci(head, "difference-in-differences")
    assert near(pre, run.means["camp_change"]) and near(exp, _exposed_gap(run)) and near(d, run.means["did"])
    assert near(lo, 100 * run.ways.did.ci_low) and near(hi, 100 * run.ways.did.ci_high)
    assert near(after(head, "planted effect")[0], 100 * run.truth["itt"][run.outcome])


def test_figures_have_alt_text(run):
    fig = lesson.three_ways_figure(run.ways, run.name)
    assert run.name in fig.alt and fig.png[:4] == b"\x89PNG"
    fig = lesson.simulation_figure(run.sim, run.name)
    assert "this survey" in fig.alt and fig.png[:4] == b"\x89PNG"


# ------------------------------------------------------------------------------ one survey among many
def _icc_by_hand(frames, outcome) -> float:
    """One-way ANOVA ICC within arm x round, written out longhand (unweighted)."""
    ssb = ssw = 0.0
    k = n = g = 0
    sizes_sq = 0.0
    for frame in frames:
        for _, cell in frame.groupby("campaign"):
            y = pd.to_numeric(cell[outcome].astype("object"), errors="coerce").astype(float)
            cell = cell.assign(_y=y)[y.notna()]
            grand = cell["_y"].mean()
            g += 1
            n_cell = 0
            sq = 0.0
            for _, v in cell.groupby("village"):
                ssb += len(v) * (v["_y"].mean() - grand) ** 2
                ssw += ((v["_y"] - v["_y"].mean()) ** 2).sum()
                k += 1
                n_cell += len(v)
                sq += len(v) ** 2
            n += n_cell
            sizes_sq += sq / n_cell
    msb, msw = ssb / (k - g), ssw / (n - k)
    n0 = (n - sizes_sq) / (k - g)
    return (msb - msw) / (msb + (n0 - 1) * msw)


def test_the_simulation_copies_this_survey(run):
    d = run.sim.design
    counts = [frame[frame["campaign"] == flag]["village"].nunique()
              for frame in (run.base, run.end) for flag in (True, False)]
    assert d.clusters_per_arm == round(np.mean(counts))
    answered = sum(pd.to_numeric(f[run.outcome].astype("object"), errors="coerce").notna().sum()
                   for f in (run.base, run.end))
    assert d.cluster_size == round(answered / sum(counts))
    assert d.icc == pytest.approx(max(0.0, _icc_by_hand([run.base, run.end], run.outcome)), abs=1e-9)
    assert d.baseline == pytest.approx(wmean(run.base, run.outcome))
    assert d.effect == run.truth["itt"][run.outcome] and d.trend == run.truth["secular_trend"][run.outcome]
    text = lesson.simulation_sentences(run.sim, run.name)["design"]
    assert f" {d.clusters_per_arm} villages per kind of district" in text
    assert f" {d.cluster_size} interviews per village" in text
    raw = _icc_by_hand([run.base, run.end], run.outcome)
    if raw < 0:
        assert d.icc == 0 and near(after(text, "this survey's estimate,")[0], raw, 2) and "below zero" in text
    else:
        assert near(after(text, "correlation of")[0], d.icc, 2)
    assert near(after(text, "baseline of")[0], 100 * d.baseline, 0)
    # the simulated surveys are analysed with the library's estimators (spot check of one survey)
    s = simulate_survey(d, seed=run.wb.seed, sim=7, sims=1000)
    one = did(SurveyDesign(s, weights="weight", strata="round_stratum", psu="cluster"), "y", treated="arm",
              post="post")
    sims = run.sim.diagnosis.simulations
    got = sims[(sims["sim"] == 7) & (sims["estimator"] == "did")].iloc[0]
    assert got["estimate"] == pytest.approx(one.effect, abs=1e-12) and got["se"] == pytest.approx(one.se, rel=1e-9)


def _sims(run, estimator) -> pd.DataFrame:
    s = run.sim.diagnosis.simulations
    return s[s["estimator"] == estimator]


def test_simulation_sentences_are_true(run):
    sim, text = run.sim, lesson.simulation_sentences(run.sim, run.name)
    effect, trend = sim.design.effect, sim.design.trend

    cc = _sims(run, "comparison_change")
    mean, lo, hi = after(text["trend"], "averages", 1) + after(text["trend"], "anywhere from", 2)
    assert near(mean, 100 * cc["estimate"].mean())
    q05, q95 = np.quantile(cc["estimate"], [0.05, 0.95])
    assert near(lo, 100 * q05) and near(hi, 100 * q95)
    observed = run.means["comp_change"]
    assert near(after(text["trend"], "This survey's")[0], observed)
    assert ("is inside that range" in text["trend"]) == (100 * q05 <= observed <= 100 * q95)

    pp = _sims(run, "pre_post")
    assert near(after(text["pre_post"], "averages")[0], 100 * pp["estimate"].mean())
    cover = np.mean((pp["ci_low"] <= effect) & (effect <= pp["ci_high"]))
    assert after(text["pre_post"], "effect in")[0] == round(100 * cover)

    dd = _sims(run, "did")
    assert near(after(text["did"], "averages")[0], 100 * dd["estimate"].mean())
    cover = np.mean((dd["ci_low"] <= effect) & (effect <= dd["ci_high"]))
    assert after(text["did"], "cover it in")[0] == round(100 * cover)
    assert near(after(text["did"], "This survey's DiD (")[0], run.means["did"])
    below = np.mean(dd["estimate"] < run.ways.did.effect)
    if below >= 0.5:
        assert after(text["did"], "larger than")[0] == round(100 * below)
    else:
        assert after(text["did"], "smaller than")[0] == round(100 * np.mean(dd["estimate"] > run.ways.did.effect))

    power = float(np.mean(dd["p_value"] < 1 - run.wb.level))
    assert after(text["power"], "p < 0.05) in")[0] == round(100 * power)

    # too small <=> DiD finds the effect in fewer than 80% of the surveys, and the MDE agrees
    se, df = run.ways.did.se, run.ways.did.df
    mde = 100 * (stats.t.ppf(0.975, df) + stats.t.ppf(0.8, df)) * se
    verdict = text["verdict"]
    assert near(after(verdict, "is about")[0], mde)
    too_small = "too small" in verdict
    assert too_small == (power < 0.8)
    assert too_small == (mde > 100 * abs(effect)), (mde, effect, power)
    if too_small:
        assert after(verdict, "miss it")[0] == round(100 * (1 - power))
        excludes = not (run.ways.did.ci_low <= 0 <= run.ways.did.ci_high)
        assert ("does exclude zero" in verdict) == excludes
        assert ("which includes zero" in verdict) == (not excludes)
    assert trend == run.truth["secular_trend"][run.outcome]


def test_simulation_table_headline_and_exercises(run):
    table = lesson.simulation_table(run.sim)
    dd = _sims(run, "did")
    power = np.mean(dd["p_value"] < 0.05)
    assert table.loc["Difference-in-differences", "Finds it"] == f"{power:.0%}"
    assert near(numbers(table.loc["Difference-in-differences", "This survey"])[0], run.means["did"])
    assert near(numbers(table.loc["Comparison districts' change", "Truth"])[0],
                100 * run.truth["secular_trend"][run.outcome])
    head = lesson.simulation_headline(run.sim, run.name)
    assert after(head, "finds the effect in")[0] == round(100 * power)
    # "your choice" of villages: the row of this survey repeats the simulation's power; more villages, more power
    more = lesson.more_villages(run.sim, 4 * run.sim.design.clusters_per_arm)
    assert more.loc["this survey", "DiD finds the effect"] == f"{power:.0%}"
    assert numbers(more.loc["your choice", "DiD finds the effect"])[0] > 100 * power
    # another draw: the sentence reports that draw's DiD and reads its interval right
    draw = lesson.another_survey(run.sim, 3)["draw"]
    row = dd[dd["sim"] == 3].iloc[0]
    est, lo, hi = estimate_ci(draw, "difference-in-differences")
    assert near(est, 100 * row["estimate"]) and near(lo, 100 * row["ci_low"]) and near(hi, 100 * row["ci_high"])
    assert ("includes zero" in draw) == (row["ci_low"] <= 0 <= row["ci_high"])
    covers = row["ci_low"] <= run.sim.design.effect <= row["ci_high"]
    assert (" and covers the effect" in draw) == covers


# ------------------------------------------------------------------------------ the rest of the lesson
def test_tables_use_words_not_codes(run):
    balance = lesson.balance_table(run.ways.exposed)
    assert "Men (vs women)" in balance.index and "Urban (vs rural)" in balance.index
    shown = balance.to_string() + lesson.exposure_table(run.ways.exposed).to_string()
    assert not re.search(r"C\(|\[T\.|= (True|False)|urban|_", shown)
    estimates = pd.DataFrame({"indicator": ["x"] * 4, "by": ["campaign", "campaign", "sex", "all"],
                              "group": ["True", "False", "male", "all"]})
    readable = lesson.readable_estimates(estimates)
    assert list(readable["group"]) == ["Campaign districts", "Comparison districts", "Men", "Everyone"]
    assert list(readable["by"]) == ["district type", "district type", "sex", "everyone"]


def test_evidence_list_and_trial():
    levels = lesson.evidence_list({"Before-after": evidence_strength(baseline=True),
                                   "Adjusted": evidence_strength(comparison_group=True, adjusted=True),
                                   "DiD": evidence_strength(comparison_group=True, baseline=True)})
    assert "level 1 of 5" in levels["Before-after"] and "level 2 of 5" in levels["Adjusted"]
    assert "level 3 of 5" in levels["DiD"]

    from campaign_me import load_survey
    from campaign_me.evaluation import ancova
    from campaign_me.trial import wide

    trial_dir = ROOT / "data" / "samples" / "trial"
    people = wide(load_survey(trial_dir / "trial_survey.csv", ROOT / "data" / "samples" / "codebook.yaml"))
    followed = SurveyDesign(people, weights="weight", strata="stratum", psu="psu").subset(people["followed_up"])
    rct = ancova(followed, "risk_aware_endline", treated="campaign", baseline="risk_aware_baseline")
    planted = json.loads((trial_dir / "truth.json").read_text(encoding="utf-8"))["itt"]["risk_aware"]
    assert lesson.trial_planted(trial_dir, "risk_aware_endline") == planted
    text = lesson.trial_sentences(rct, planted)
    est, lo, hi = estimate_ci(text["estimate"], "* at")
    assert near(est, 100 * rct.effect) and near(lo, 100 * rct.ci_low) and near(hi, 100 * rct.ci_high)
    assert ("p < 0.001" in text["estimate"]) == (rct.p_value < 0.001)
    assert ("covers it" in text["planted"]) == (rct.ci_low <= planted <= rct.ci_high)


def test_without_a_truth_file_the_lesson_says_nothing_about_a_planted_effect(run):
    if run.outcome != "risk_aware":
        pytest.skip("one outcome is enough")
    ways = lesson.ThreeWays(pre_post=run.ways.pre_post, exposed=run.ways.exposed, did=run.ways.did, truth=None)
    everything = (str(lesson.trend_sentences(ways.did)) + str(lesson.three_ways_sentences(ways))
                  + lesson.headline(ways, run.name))
    assert "planted" not in everything and "sample world" not in everything
    assert "Planted effect" not in lesson.three_ways_table(ways).columns
    sim = lesson.simulate_like_this_survey(run.base, run.end, ways, sims=200, seed=1, hoped_for=0.05)
    assert sim.design.effect == 0.05 and sim.design.trend == pytest.approx(run.ways.did.table.loc["comparison",
                                                                                                 "difference"])
    text = str(lesson.simulation_sentences(sim, run.name))
    assert "the effect hoped for" in text and "planted" not in text


def test_format_p():
    assert lesson.format_p(0.0) == "< 0.001" and lesson.format_p(0.00099) == "< 0.001"
    assert lesson.format_p(0.001) == "0.001" and lesson.format_p(float("nan")) == "not available"


# ------------------------------------------------------------------------------ the notebook's source
NOTEBOOK = ROOT / "notebooks" / "06_evaluation.ipynb"


def test_notebook_needs_no_programming_and_shows_no_answer():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    # no solution cell runs on Run All; answers are folded, in words
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
    exercises = [c for c in markdown if c.source.startswith("### Your turn")]
    assert len(exercises) >= 3
    for cell in exercises:
        fold = re.search(r"<details><summary>[^<]+</summary>(.*?)</details>", cell.source, re.S)
        assert fold and "```" not in fold.group(1) and len(fold.group(1).split()) > 30
    # no empty "write your code here" cells; an exercise's code cell runs as it is
    assert not any("write your code" in c.source.lower() for c in code)
    # nothing for maintainers in sight; the pinned cells are tagged, the headline cell among them
    assert not any(re.search(r"PINNED|papermill|keep them literals", c.source) for c in code)
    pinned = [c for c in code if "pinned" in c.metadata.get("tags", [])]
    assert [c.source for c in pinned] == ["print(lesson.headline(ways, wb.country_name))",
                                          "print(lesson.simulation_headline(simulation, wb.country_name))"]
    # long code cells are collapsed, the ones left open are short
    for c in code:
        if len(c.source.splitlines()) > 5 and "parameters" not in c.metadata.get("tags", []):
            assert c.metadata.get("jupyter", {}).get("source_hidden") is True, c.source[:80]
    # the introduction links the glossary
    intro = " ".join(c.source for c in markdown[:2])
    assert "](../docs/glossary.md" in intro


@pytest.mark.kernel
@pytest.mark.parametrize("country", SAMPLE_COUNTRIES)
def test_executed_notebook_says_what_the_functions_say(tmp_path, country):
    """Run the lesson (papermill, another process): no error, nothing on stderr, no codes in sight."""
    import subprocess
    import sys

    out = tmp_path / f"06_{country}.ipynb"
    done = subprocess.run([sys.executable, "-m", "papermill", str(NOTEBOOK), str(out), "-p", "country", country,
                           "--kernel", "python3", "--no-progress-bar"], capture_output=True, text=True, cwd=ROOT,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    shown = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.output_type != "error"
            assert not (o.output_type == "stream" and o.name == "stderr"), o.text
            data = o.get("data", {})
            shown.append(o.get("text", "") + str(data.get("text/markdown", "")) + str(data.get("text/plain", "")))
    text = "\n".join(shown)
    assert not re.search(r"C\(sex\)|\[T\.|urban = |risk_aware|0\.000\b", text)
    assert "too small" in text or "large enough" in text


def test_the_sentences_follow_the_numbers_not_the_country(run):
    """Other planted numbers, other sentences: the branches that no sample country reaches."""
    if run.outcome != "risk_aware":
        pytest.skip("one outcome is enough")
    far = json.loads(json.dumps(run.truth))
    far["itt"][run.outcome] = -0.60  # far below every interval, and of the opposite sign
    far["secular_trend"][run.outcome] = 0.50
    ways = lesson.ThreeWays(pre_post=run.ways.pre_post, exposed=run.ways.exposed, did=run.ways.did, truth=far)
    text = lesson.three_ways_sentences(ways)
    for key, result in ways.results.items():
        assert "does not cover" in text[key] and "planted effect of -60.0 points" in text[key]
        assert ("opposite sign" in text[key]) == (round(100 * result.effect, 1) > 0)
    trend = lesson.trend_sentences(run.ways.did, truth=far, change=run.change)["planted"]
    assert "does not cover the planted trend" in trend
    # a survey large enough for the effect it hopes for
    mine = lesson.ThreeWays(pre_post=run.ways.pre_post, exposed=run.ways.exposed, did=run.ways.did, truth=None)
    big = lesson.simulate_like_this_survey(run.base, run.end, mine, sims=200, seed=1, hoped_for=0.25)
    verdict = lesson.simulation_sentences(big, run.name)["verdict"]
    power = float(np.mean(_sims(SimpleNamespace(sim=big), "did")["p_value"] < 0.05))
    assert ("large enough" in verdict) == (power >= 0.8)
    if power >= 0.8:
        assert after(verdict, "is about")[0] < 25
