"""The sentences of lessons 00-02 (campaign_me.lessons.start, getting_started, objectives) hold in every sample country.

Each test runs a lesson's function for Aroland, Belmora and Corvia and checks what its sentence
says against numbers recomputed another way: from the raw files with pandas, from
SurveyDesign estimators called directly, from differently specified regressions, from the
logframe file and from the closed forms of campaign_me.power. The last part checks the three
notebooks themselves: answers folded in words, no solution code, short cells for participants.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from campaign_me import Codebook, SurveyDesign
from campaign_me import power as pw
from campaign_me.conventions import Reporting
from campaign_me.indicators import compute_indicators
from campaign_me.lessons import getting_started as gs
from campaign_me.lessons import objectives as ob
from campaign_me.lessons import start
from campaign_me.logframe import load_logframe, tracking_table
from campaign_me.regression import regress
from campaign_me.scales import knowledge_score
from campaign_me.workbook import SAMPLE_COUNTRIES, check_parameters, design_comparison, sample_overview

ROOT = Path(__file__).resolve().parents[1]
LEVEL = 0.95


@functools.cache
def country(key: str):
    """Everything a test needs for one country, loaded once."""
    wb = check_parameters(country=key)
    book = Codebook.from_yaml(wb.codebook)
    baseline = wb.survey("baseline")
    endline = wb.survey("endline")
    raw = pd.read_csv(wb.survey_file("baseline"))
    frame = load_logframe(wb.path("logframe.yaml"), codebook=book)
    return wb, book, baseline, endline, raw, frame


def design(data: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign(data, weights="weight", strata="stratum", psu="psu")


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d[\d,]*\.?\d*", text.replace(",", ""))]


def f1(x: float) -> str:
    return start.number(x)


def prop(d: SurveyDesign, var: str, level: float = LEVEL):
    return d.proportion(var, na_rm=True, method="logit", level=level).iloc[-1]


COUNTRIES = list(SAMPLE_COUNTRIES)
country_param = pytest.mark.parametrize("key", COUNTRIES)


# ---------------------------------------------------------------------------
# shared formatting
# ---------------------------------------------------------------------------


def test_formatting_is_for_reading():
    assert start.number(52.067035) == "52.1" and start.count(81903.837) == "81,904"
    assert start.p_value(0.0) == "< 0.001" and start.p_value(0.0004) == "< 0.001" and start.p_value(0.05) == "0.050"
    assert start.number(-0.04) == "0.0" and start.number(np.nan) == "–"
    assert start.group_label("urban", np.True_) == "Urban" and start.group_label("sex", "female") == "Women"


@country_param
def test_readable_rows_show_labels_not_codes(key):
    wb, book, baseline, *_ = country(key)
    cols = ["urban", "sex", "age_group", "migration_status", "risk_aware", "intend_irregular", "weight"]
    rows = start.readable_rows(baseline.head(50), cols, book)
    text = " ".join(rows.astype(str).to_numpy().ravel())
    for code in ("female", "male", "True", "False", "irregular_or_undecided", "returnee", "<NA>"):
        assert not re.search(rf"\b{code}\b", text), code
    weights = rows["People represented (weight)"]
    assert (weights == baseline["weight"].head(50).round().astype("Int64")).all()


# ---------------------------------------------------------------------------
# lesson 00
# ---------------------------------------------------------------------------


@country_param
def test_design_sentences_compare_the_real_widths(key):
    wb, book, baseline, *_ = country(key)
    three = design_comparison(baseline, "intend_irregular", level=LEVEL, scale=100)
    text = start.design_sentences(three, wb.country_name, LEVEL)
    db = prop(design(baseline), "intend_irregular")
    srs = prop(SurveyDesign(baseline.assign(one=1.0), weights="one"), "intend_irregular")
    w_db, w_srs = 100 * (db["ci_high"] - db["ci_low"]), 100 * (srs["ci_high"] - srs["ci_low"])
    assert f"runs from {f1(100 * db['ci_low'])} to {f1(100 * db['ci_high'])}%" in text
    assert f"({f1(w_db)} points wide)" in text and f"({f1(w_srs)} points)" in text
    ratio = w_db / w_srs
    if ratio >= 1.05:
        assert f"is {f1(ratio)} times as wide as the naive one" in text
    elif ratio <= 0.95:
        assert "narrower than the naive one" in text
    else:
        assert "about as wide as the naive one" in text
    deff, n = float(db["deff"]), int(db["n"])
    assert f"The design effect is {f1(deff)}" in text
    assert f"as much information as about {start.count(n / deff)} people picked completely at random" in text
    if deff > 1.05:  # the lesson's claim: the honest interval is the wider one
        assert n / deff < n and "times as wide" in text
    assert start.headline(three, wb.country_name, LEVEL) == (
        f"{wb.country_name} baseline: {100 * db['estimate']:.1f}% intend to migrate irregularly "
        f"(95% CI {100 * db['ci_low']:.1f} to {100 * db['ci_high']:.1f}); design effect {deff:.1f}")
    alt = start.three_ways_alt(three, wb.country_name)
    widest = max(three.index, key=lambda k: three.loc[k, "ci_high"] - three.loc[k, "ci_low"])
    assert ("the widest is the design-based interval" in alt) == (widest == "design-based")


@country_param
@pytest.mark.parametrize("try_level", [0.9, 0.99])
def test_level_sentence_says_which_way_the_interval_moves(key, try_level):
    wb, _, baseline, *_ = country(key)
    text = start.level_sentence(wb, try_level)
    new, ref = prop(design(baseline), "intend_irregular", try_level), prop(design(baseline), "intend_irregular")
    assert f"{f1(100 * new['ci_low'])} to {f1(100 * new['ci_high'])}%" in text
    narrower = (new["ci_high"] - new["ci_low"]) < (ref["ci_high"] - ref["ci_low"])
    assert narrower == (try_level < LEVEL)
    assert ("It is narrower than" in text) == narrower and ("It is wider than" in text) == (not narrower)
    assert f"stays {f1(100 * new['estimate'])}%" in text


@pytest.mark.parametrize("bad", [95, 0, 1, -0.5, "0.95", True])
def test_level_sentence_explains_a_wrong_level_without_stopping(bad):
    wb = country("corvia")[0]
    text = start.level_sentence(wb, bad)
    assert text.startswith(f"level = {bad!r} is not allowed") and "between 0 and 1" in text
    if bad == 95:
        assert "write 0.95 for 95%" in text


def test_compare_countries_and_the_static_answer_about_corvia():
    """00's folded answer says Corvia has the fewest interviews, the largest design effect and by far the widest interval."""
    rows = {}
    for key in COUNTRIES:
        wb, _, baseline, *_ = country(key)
        est = prop(design(baseline), "intend_irregular")
        rows[key] = {"n": int(est["n"]), "deff": float(est["deff"]), "width": 100 * (est["ci_high"] - est["ci_low"])}
        table = start.compare_countries(wb, check_parameters(country="corvia", rounds=["baseline"])).data
        assert table["Country"].tolist() == ([wb.country_name] if key == "corvia" else [wb.country_name, "Corvia"])
        assert table["Width (points)"].iloc[0] == f1(rows[key]["width"])
    others = [rows[k] for k in COUNTRIES if k != "corvia"]
    corvia = rows["corvia"]
    assert all(corvia["n"] < o["n"] and corvia["deff"] > o["deff"] for o in others)
    assert all(corvia["width"] > 1.5 * o["width"] for o in others)


def test_countries_table_counts_the_files():
    t = start.countries_table(sample_overview()).data
    for key, rec in zip(COUNTRIES, t.to_dict("records")):
        frame = pd.read_csv(check_parameters(country=key).path("frame.csv"))
        assert rec["Villages"] == start.count(len(frame))
        assert rec["People aged 15-45"] == start.count(frame["population"].sum())
        n_base = len(pd.read_csv(check_parameters(country=key).survey_file("baseline")))
        assert rec["Interviews (baseline / endline)"].startswith(start.count(n_base))


# ---------------------------------------------------------------------------
# lesson 01
# ---------------------------------------------------------------------------


@country_param
def test_trap_sentence_counts_the_999s(key):
    wb, book, baseline, _, raw, _ = country(key)
    wrong = design(raw).mean("risk_perception").iloc[0]
    right = design(baseline).mean("risk_perception", na_rm=True).iloc[0]
    text = gs.trap_sentence(raw, wrong, right)
    k, total = int((raw["risk_perception"] == 999).sum()), int(raw["risk_perception"].notna().sum())
    assert text.startswith(f"{k} of {start.count(total)} answers ({f1(100 * k / total)}%) are 999")
    assert f"from {f1(right['estimate'])} to {f1(wrong['estimate'])}" in text
    assert wrong["estimate"] > right["estimate"]  # the trap raises the mean
    ratio = wrong["estimate"] / right["estimate"]
    assert (f"{f1(ratio)} times the mean" in text) == (ratio >= 1.2)
    assert f"rests on the {start.count(total - k)} people who gave a number" in text
    assert gs.trap_headline(wrong, right) == (f"Mean perceived risk, raw file: {wrong['estimate']:.1f}; through the "
                                              f"codebook: {right['estimate']:.1f} (n = {total - k})")


def _situation(key):
    wb, book, baseline, *_ = country(key)
    return compute_indicators(design(baseline), codebook=book, indicators=[
        "intend_irregular", "risk_aware", "risk_perception", "knowledge_score", "warning_signs_3plus",
        "hotline_known", "info_seeking"])


@country_param
def test_situation_sentence_half_words_follow_the_interval(key):
    wb = country(key)[0]
    sit = _situation(key)
    text = gs.situation_sentence(sit, wb.country_name)
    t = sit.set_index("indicator")
    shares = t[(t["unit"] == "%") & (t.index != "intend_irregular")]
    hi = shares.loc[shares["estimate"].idxmax()]
    lo = shares.loc[shares["estimate"].idxmin()]
    assert f"the highest is \"{hi['name']}\" at {f1(hi['estimate'])}%" in text
    assert f"the lowest is \"{lo['name']}\" at {f1(lo['estimate'])}%" in text
    if hi["ci_high"] < 50:
        assert "fewer than half" in text
    elif hi["ci_low"] > 50:
        assert "more than half" in text
    else:
        assert "about half (the interval includes 50%)" in text
    r = t.loc["intend_irregular"]
    assert f"{f1(r['estimate'])}% of people aged 15-45 intend" in text
    est = prop(design(country(key)[2]), "intend_irregular")
    assert gs.headline(sit, wb.country_name) == (
        f"{wb.country_name} baseline: {100 * est['estimate']:.1f}% intend to migrate irregularly "
        f"(95% CI {100 * est['ci_low']:.1f} to {100 * est['ci_high']:.1f})")


def _values(data, book, indicator):
    if indicator == "knowledge_score":
        return knowledge_score(data, book).astype(float)
    return 100 * data[indicator].astype("Float64").astype(float)


def _full_model_difference(key, indicator, column, a, b):
    """The difference a - b from one regression on all respondents with a dummy per group (another specification)."""
    wb, book, baseline, *_ = country(key)
    data = baseline.assign(y_=_values(baseline, book, indicator).to_numpy(), g_=baseline[column].astype(str))
    fit = regress(design(data), f"y_ ~ C(g_, Treatment(reference={str(b)!r}))")
    frame = fit.to_frame().set_index("term")
    row = frame.loc[[t for t in frame.index if t.endswith(f"[T.{a}]")][0]]
    return row


@country_param
def test_groups_sentence_tests_the_largest_gap(key):
    wb, book, baseline, *_ = country(key)
    d = design(baseline)
    who = gs.by_groups(d, book)
    text = gs.groups_sentence(d, book, who, wb.country_name)
    gaps = {}
    for col in ("sex", "age_group", "urban"):
        est = compute_indicators(d, codebook=book, indicators=["intend_irregular"], by=col).set_index(col)["estimate"]
        gaps[col] = (est.idxmax(), est.idxmin(), est.max() - est.min())
        assert sorted(who.loc[who["characteristic"] == col, "estimate"].round(6)) == sorted(est.round(6))
    first = max(gaps, key=lambda c: gaps[c][2])
    hi, lo, gap = gaps[first]
    assert f"is by {start.column_label(first).lower()}: \"{start.group_label(first, hi)}\" against " \
           f"\"{start.group_label(first, lo)}\", {start.number(gap, sign=True)} points" in text
    check = _full_model_difference(key, "intend_irregular", first, hi, lo)
    assert check["estimate"] == pytest.approx(gap, abs=1e-6)
    clear = check["ci_low"] > 0 or check["ci_high"] < 0
    assert ("excludes zero: a clear difference" in text) == clear
    assert ("includes zero: the survey cannot tell these groups apart" in text) == (not clear)
    shown = who[~who["suppressed"]]
    assert f"ranges from {f1(shown['estimate'].min())}%" in text and f"to {f1(shown['estimate'].max())}%" in text


@country_param
def test_channels_sentence_names_the_top_and_bottom(key):
    wb, book, baseline, *_ = country(key)
    d = design(baseline)
    text = gs.channels_sentence(d, wb.country_name)
    share = {c: float((baseline[c] * baseline["weight"]).sum() / baseline.loc[baseline[c].notna(), "weight"].sum())
             for c in gs.CHANNELS}
    order = sorted(share, key=share.get, reverse=True)
    assert f"most people can use is {gs.CHANNELS[order[0]].lower()} ({f1(100 * share[order[0]])}%)" in text
    assert f"fewest can use is {gs.CHANNELS[order[-1]].lower()} ({f1(100 * share[order[-1]])}%)" in text
    diff = regress(d.with_columns(y_=(baseline[order[0]] - baseline[order[1]]).astype(float).to_numpy() * 100),
                   "y_ ~ 1").to_frame().iloc[0]
    clear = diff["ci_low"] > 0 or diff["ci_high"] < 0
    assert ("clearly ahead" in text) == clear and ("cannot be told apart" in text) == (not clear)


@country_param
def test_weights_sentence_reads_the_weights(key):
    wb, _, _, _, raw, _ = country(key)
    text = gs.weights_sentence(country(key)[2], wb.country_name)
    by_sex = raw.groupby("sex")["weight"].mean()
    by_urban = raw.groupby("urban")["weight"].mean()
    first = "a woman" if by_sex["female"] > by_sex["male"] else "a man"
    assert f"an interview with {first} stands for {start.count(by_sex.max())} people on average" in text
    assert f"one with {'a man' if first == 'a woman' else 'a woman'} for {start.count(by_sex.min())}" in text
    up = {True: "an urban", False: "a rural"}[bool(by_urban.idxmax())]
    assert f"an interview in {up} village stands for {start.count(by_urban.max())}" in text


@country_param
def test_weighting_sentence_classifies_the_shift(key):
    wb, _, baseline, *_ = country(key)
    comp = design_comparison(baseline, "hotline_known", scale=100)
    text = gs.weighting_sentence(comp, wb.country_name)
    u = prop(SurveyDesign(baseline.assign(one=1.0), weights="one"), "hotline_known")
    d = prop(design(baseline), "hotline_known")
    shift, half = 100 * (d["estimate"] - u["estimate"]), 50 * (d["ci_high"] - d["ci_low"])
    assert f"moves it by {start.number(shift, sign=True)} points" in text
    assert ("Here weighting changes little" in text) == (abs(shift) < half / 4)
    assert ("the unweighted estimate is biased" in text) == (abs(shift) >= half)


@country_param
def test_premise_sentence_says_who_knows_less(key):
    wb, book, baseline, *_ = country(key)
    d = design(baseline)
    check = gs.premise(d, book)
    text = gs.premise_sentence(check, wb.country_name)
    by = compute_indicators(d, codebook=book, by="intend_irregular",
                            indicators=list(gs.PREMISE_INDICATORS)).set_index(["indicator", "intend_irregular"])
    less = []
    for ind in gs.PREMISE_INDICATORS:
        point = by.loc[(ind, True), "estimate"] - by.loc[(ind, False), "estimate"]
        other = _full_model_difference(key, ind, "intend_irregular", "True", "False")
        assert other["estimate"] == pytest.approx(point, abs=1e-6)
        assert check.loc[ind, "estimate"] == pytest.approx(point, abs=1e-6)
        name = f"\"{check.loc[ind, 'name']}\" ({start.number(point, sign=True)})"
        if other["ci_high"] < 0:
            less.append(ind)
            assert name in text.split("clearly know less on")[1].split(";")[0]
        elif other["ci_low"] > 0:
            assert name in text.split("clearly know more on")[1].split(";")[0]
        else:
            assert name in text.split("cannot tell from zero on")[1]
    assert ("On none of these measures do they clearly know less" in text) == (not less)
    table = gs.premise_table(check).data
    assert all(re.fullmatch(r"< 0\.001|0\.\d{3}|1\.000", p) for p in table["p-value"])


@country_param
@pytest.mark.parametrize("group", ["sex", "age_group", "urban", "migration_status"])
def test_group_answer_checks_the_exercise(key, group):
    wb, book, baseline, *_ = country(key)
    d = design(baseline)
    fold = gs.group_answer(d, book, "hotline_known", group, wb.country_name)
    assert fold.startswith(f"<details><summary>Check your answer for {wb.country_name}</summary>")
    est = compute_indicators(d, codebook=book, indicators=["hotline_known"], by=group)
    est = est[~est["suppressed"]].set_index(group)["estimate"]
    hi, lo = est.idxmax(), est.idxmin()
    assert f"highest for \"{start.group_label(group, hi, book)}\" ({f1(est.max())}%)" in fold
    assert f"lowest for \"{start.group_label(group, lo, book)}\" ({f1(est.min())}%)" in fold
    other = _full_model_difference(key, "hotline_known", group, hi, lo)
    clear = other["ci_low"] > 0 or other["ci_high"] < 0
    assert ("a clear difference" in fold) == clear


@country_param
@pytest.mark.parametrize("split", ["sex", "urban", "age_group", "region"])
def test_small_groups_answer_lists_what_is_hidden(key, split):
    wb, book, baseline, *_ = country(key)
    groups = gs.small_groups(design(baseline), book, split)
    fold = gs.small_groups_answer(groups, wb.country_name)
    sizes = baseline.groupby(["migration_status", split], observed=True).size()
    hidden, flagged = int((sizes < wb.min_n).sum()), int(((sizes >= wb.min_n) & (sizes < 50)).sum())
    if hidden:
        assert f"{hidden} of {len(sizes)} groups {'is' if hidden == 1 else 'are'} not shown" in fold
    else:
        assert "no group of this table is hidden" in fold and f"({start.count(sizes.min())} interviews), reaches" in fold
    if flagged:
        assert f"{flagged} {'more ' if hidden else ''}" in fold and "with a caution" in fold
    table = gs.small_groups_table(groups).data
    assert (table.iloc[:, -1].str.startswith("not shown")).sum() == hidden


@country_param
def test_the_small_groups_exercise_shows_something_in_every_country(key):
    """With its default split, the exercise finds a hidden or a flagged group in each sample country."""
    wb, _, baseline, *_ = country(key)
    sizes = baseline.groupby(["migration_status", "sex"], observed=True).size()
    assert (sizes < 50).any()


# ---------------------------------------------------------------------------
# lesson 02
# ---------------------------------------------------------------------------


def _yaml(key):
    return yaml.safe_load((check_parameters(country=key).path("logframe.yaml")).read_text(encoding="utf-8"))


def _rows(raw):
    for level in ("outcomes", "outputs"):
        for res in raw.get(level) or []:
            for row in res.get("indicators") or []:
                yield res["id"], row


@country_param
def test_smart_example_and_dates_come_from_the_logframe(key):
    wb, *_, frame = country(key)
    raw = _yaml(key)
    row = next(r for _, r in _rows(raw) if r["indicator"] == "risk_aware" and not r.get("domain"))
    text = ob.smart_example(frame, wb.country_name)
    assert f"from {f1(row['baseline'])}% to {f1(row['target'])}%" in text and wb.country_name in text
    dates = ob.dates_sentence(frame)
    target_dates = {str(r["target_date"]) for _, r in _rows(raw)}
    if len(target_dates) == 1:
        year, month = next(iter(target_dates)).split("-")
        assert f"All {sum(1 for _ in _rows(raw))} targets are due by" in dates and year in dates


@country_param
def test_levels_and_indicator_tables_show_every_level_and_means_of_verification(key):
    wb, *_, frame = country(key)
    raw = _yaml(key)
    levels = ob.levels_table(frame).data
    assert set(levels["Level"]) >= {"Goal", "Outcome", "Output", "Activity"}
    assert len(levels) == 1 + len(raw["outcomes"]) + len(raw["outputs"]) + len(raw["activities"])
    rows = ob.indicators_table(frame).data
    assert rows["Means of verification"].tolist() == [r.get("means_of_verification", "–") for _, r in _rows(raw)]


@country_param
def test_baselines_sentence_agrees_with_the_survey(key):
    wb, book, baseline, *_, frame = country(key)
    check = ob.baselines(frame, design(baseline), book)
    text = ob.baselines_sentence(check, wb.country_name)
    inside = 0
    for _rid, row in _rows(_yaml(key)):
        dom = row.get("domain") or {}
        est = compute_indicators(design(baseline), codebook=book, indicators=[row["indicator"]], by=list(dom) or None)
        for k, v in dom.items():
            est = est[est[k].astype(str) == str(v)]
        e = est.iloc[0]
        inside += bool(not e["suppressed"] and e["ci_low"] <= row["baseline"] <= e["ci_high"])
    if inside == len(check):
        assert f"all {inside} of the logframe's baselines" in text
    else:
        assert f"{inside} of the" in text


@country_param
def test_detectability_agrees_with_the_logframe_warnings_and_the_closed_form(key):
    wb, *_, frame = country(key)
    check = ob.detectability(frame)
    warned = [w for w in frame.warnings if "minimum detectable change" in w and "smaller than" in w]
    assert int((check["detectable"] == False).sum()) == len(warned)  # noqa: E712
    plan = _yaml(key)["planned_sample"]
    for (_, row), rec in zip(_rows(_yaml(key)), check.to_dict("records")):
        if "sd" in row or row["indicator"] in ("knowledge_score", "attitude_index", "safe_practices", "aided_recall_net"):
            continue
        n = row.get("planned_n", plan["n"])
        p = min(max(row["baseline"] / 100, 0.01), 0.99)
        z = 1.959963984540054 + 0.8416212335729143  # alpha 0.05 two-sided, power 0.8
        mde = 100 * z * np.sqrt(2 * p * (1 - p) / n) * np.sqrt(plan["deff"])
        assert rec["mde"] == pytest.approx(mde, rel=1e-6)
    text = ob.detectability_sentence(check, frame, wb.country_name)
    yes = int((check["detectable"] == True).sum())  # noqa: E712
    assert text.startswith(f"In {wb.country_name}, {yes} of {len(check)} planned changes are at least as large")


def test_three_countries_headline_and_sentence():
    book = country("aroland")[1]
    summary = ob.countries_detectability(check_parameters(country="aroland").data_dir, book)
    for rec in summary.to_dict("records"):
        frame = country(rec["country"].lower())[-1]
        warned = [w for w in frame.warnings if "smaller than the minimum detectable change" in w]
        assert rec["below_mde"] == len(warned) and rec["targets"] == len(frame.rows)
        assert rec["planned_n"] == _yaml(rec["country"].lower())["planned_sample"]["n"]
    text = ob.countries_sentence(summary)
    share = summary["below_mde"] / summary["targets"]
    worst = summary.loc[share.idxmax()]
    assert text.startswith(f"{worst['country']} planned {start.count(worst['planned_n'])} interviews per round")
    monotone = share[summary["planned_n"].sort_values().index].is_monotonic_decreasing
    assert ("the smaller the planned survey, the larger the share" in text) == bool(monotone)
    lines = ob.headline_lines(summary).splitlines()
    assert len(lines) == len(summary) and all("targets below the minimum detectable change" in x for x in lines)


@country_param
def test_tracking_sentence_counts_what_the_report_computes(key):
    """The statuses come from tracking_table called as notebooks/07_country_report.ipynb calls it."""
    wb, book, _, endline, *_, frame = country(key)
    report = tracking_table(frame, design(endline), codebook=book, level=wb.level, min_n=wb.min_n)
    track = ob.endline_tracking(frame, wb, book)
    assert track["status"].tolist() == report["status"].tolist()
    counts = report["status"].value_counts()
    text = ob.tracking_sentence(frame, track, wb.country_name)
    for colour, words in ob.STATUS_WORDS.items():
        if counts.get(colour, 0):
            assert f"{counts[colour]} {words} ({colour})" in text
        else:
            assert f"{words} ({colour})" not in text
    line = ob.status_line(track, wb.country_name)
    assert line == (f"{wb.country_name} endline, {len(report)} targets: "
                    + ", ".join(f"{counts.get(k, 0)} {w}" for k, w in ob.STATUS_WORDS.items()))
    detectable = np.array([r.mde is not None and abs(r.target - r.baseline) >= r.mde for r in frame.rows])
    grey = report["status"].to_numpy() == "grey"
    assert f"At planning, {int(detectable.sum())} of the {len(report)} planned changes were detectable" in text
    if grey.any():
        assert f"of the {int(grey.sum())} targets the endline cannot judge, {int((grey & detectable).sum())}" in text
    words = ob.tracking_readable(track).data["Status"]
    assert set(words) <= set(ob.STATUS_WORDS.values())  # words, never colour names


def test_no_endline_round_says_so():
    wb = check_parameters(country="corvia", rounds=["baseline"])
    frame = country("corvia")[-1]
    assert ob.endline_tracking(frame, wb, country("corvia")[1]) is None
    assert "no endline round" in ob.status_line(None, "Corvia")
    assert "need an endline" in ob.tracking_sentence(frame, None, "Corvia")


@country_param
@pytest.mark.parametrize("target", [30, 35, 40, 45])
def test_target_check_against_the_closed_form(key, target):
    wb, *_, frame = country(key)
    row = next(r for _, r in _rows(_yaml(key)) if r["indicator"] == "hotline_known")
    plan = _yaml(key)["planned_sample"]
    mde = 100 * pw.mde_proportion(plan["n"], p=row["baseline"] / 100, deff=plan["deff"])
    text = ob.target_check(frame, target)
    if target <= row["baseline"]:
        assert "is not above the baseline" in text
    elif target - row["baseline"] >= mde:
        assert "the survey can probably show it" in text
    else:
        assert "would probably not show it" in text
    fold = ob.target_answer(frame, wb.country_name)
    smallest = np.ceil((row["baseline"] + mde) * 10) / 10
    assert f"can detect is {f1(smallest)}%" in fold
    assert ("within the 5 to 10 points" in fold) == (mde <= 10)
    assert "can probably show it" in ob.target_check(frame, smallest)


@country_param
def test_did_sentence_and_answer(key):
    wb, *_, frame = country(key)
    plan = _yaml(key)["planned_sample"]
    n8 = pw.sample_size_did(0.33, 0.25, deff=plan["deff"])
    n4 = pw.sample_size_did(0.29, 0.25, deff=plan["deff"])
    text = ob.did_sentence(frame, wb.country_name, 8)
    assert f"needs {start.count(n8)} interviews per group and round: {start.count(4 * n8)} in all" in text
    fold = ob.did_answer(frame, wb.country_name)
    assert f"from {start.count(n8)} to {start.count(n4)}, {f1(n4 / n8)} times as many" in fold
    assert 3.5 < n4 / n8 < 4.5  # "roughly quadruples", as the static answer says
    per_group = plan["n"] / 2
    assert ("times too few" in fold) == (n8 > per_group)
    if n8 > per_group:
        smallest = int(re.search(r"detect a rise of about (\d+) points", fold).group(1))
        assert pw.sample_size_did((25 + smallest) / 100, 0.25, deff=plan["deff"]) <= per_group
        assert pw.sample_size_did((24 + smallest) / 100, 0.25, deff=plan["deff"]) > per_group
    assert ob.did_sentence(frame, wb.country_name, 0).startswith("rise = 0: write")


# ---------------------------------------------------------------------------
# the notebooks: no answers on Run All, nothing for maintainers in sight
# ---------------------------------------------------------------------------

NOTEBOOKS = [ROOT / "notebooks" / f"{n}.ipynb" for n in
             ("00_start_here", "01_getting_started", "02_objectives_and_logframe")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_need_no_code_and_answers_stay_folded(path):
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    assert not any("solution" in c.metadata.get("tags", []) for c in cells), "a solution cell runs on Run All"
    assert not any("write your code here" in c.source for c in cells)
    turns = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("### Your turn")]
    assert turns
    for i in turns:
        fold = re.search(r"<details><summary>Answer</summary>(.*?)</details>", cells[i].source, re.S)
        assert fold and "```" not in fold.group(1) and len(fold.group(1).split()) > 20, "answer in words"
        after = cells[i + 1]
        assert after.cell_type == "code"
        first = after.source.splitlines()[0]
        assert re.fullmatch(r'\w+ = ("[^"]*"|[\d.]+)  # try .*|\w+ = [\d.]+  # .*try .*', first), first
        assert len(after.source.splitlines()) <= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nothing_for_maintainers_in_sight(path):
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata
    assert "../docs/glossary.md" in nb.cells[1].source  # linked from the introduction
    for c in nb.cells:
        assert "PINNED" not in c.source and "../shared" not in c.source
        if c.cell_type != "code":
            continue
        assert c.outputs == [] and c.execution_count is None
        tags = c.metadata.get("tags", [])
        if "parameters" in tags:
            continue
        hidden = c.metadata.get("jupyter", {}).get("source_hidden", False)
        statements = [x for x in c.source.splitlines() if x.strip() and not x.startswith(("from ", "import "))]
        assert hidden or len(statements) <= 4, c.source
        if "interval_figure(" in c.source or "results_chain_figure(" in c.source:
            assert hidden
    assert sum("pinned" in c.metadata.get("tags", []) for c in nb.cells) >= 1
    for c in nb.cells:
        if "pinned" in c.metadata.get("tags", []):
            assert c.source.lstrip().startswith("print(")
    assert not any(re.search(r"^\s*country\s*=", c.source, re.M) for c in nb.cells if c.cell_type == "code"
                   and "parameters" not in c.metadata.get("tags", [])), "a cell reassigns the country parameter"


def test_lessons_take_the_workbook_settings_once():
    """settings=wb.settings gives what level=, min_n= by hand give; a keyword given explicitly wins."""
    wb = check_parameters(country="corvia", settings=Reporting(level=0.9, min_n=40))
    _, book, baseline, *_, frame = country("corvia")
    d = design(baseline)
    by_settings = ob.baselines(frame, d, book, settings=wb.settings)
    pd.testing.assert_frame_equal(by_settings, ob.baselines(frame, d, book, level=0.9, min_n=40))
    ref = compute_indicators(d, codebook=book, indicators=["risk_aware"], level=0.9, min_n=40).iloc[0]
    row = by_settings[(by_settings["indicator"] == "risk_aware") & (by_settings["who"] == "Everyone aged 15-45")]
    assert (row["ci_low"].iloc[0], row["ci_high"].iloc[0]) == pytest.approx((ref["ci_low"], ref["ci_high"]))
    assert "90% interval" in ob.baselines_sentence(by_settings, "Corvia", settings=wb.settings)
    assert "80% interval" in ob.baselines_sentence(by_settings, "Corvia", 0.8, settings=wb.settings)
    groups = gs.by_groups(d, book, settings=wb.settings)
    pd.testing.assert_frame_equal(groups, gs.by_groups(d, book, level=0.9, min_n=40))
    three = start.three_designs(wb, baseline)
    assert three.equals(design_comparison(baseline, "intend_irregular", codebook=book, level=0.9, scale=100))
