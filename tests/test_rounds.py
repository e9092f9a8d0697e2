"""Comparisons of survey rounds under each round structure, against R's survey package.

tests/data/rounds/ holds a researcher's own two-round survey (written by tests/reference/rounds_data.py,
not by campaign_me.synth): its own column names (``aware_risk``, ``kn1``-``kn5``, ``risk_chance``,
``channels_seen``, ``program_arm``, ``district``, ``village``), the same 20 villages visited at baseline
and endline (``rounds: same_clusters``), and a panel of the baseline respondents re-interviewed
(``panel_endline.csv``). Every reference number comes from R (tests/reference/rounds.R, survey 4.1-1;
stored in tests/reference/rounds_reference.py) or from a closed form of R's numbers.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from campaign_me import Codebook, SurveyDesign, contrasts, design, evaluation, load_survey, regression, rounds
from campaign_me.contrasts import change_of_means, difference
from campaign_me.errors import DataError, DesignError
from campaign_me.evaluation import combine_rounds, did, itt, pre_post
from campaign_me.indicators import (
    COMPARE_COLUMNS,
    DID_COLUMNS,
    applicable,
    compare_rounds,
    compute_indicators,
    did_indicators,
)
from campaign_me.regression import regress
from tests.reference.rounds_reference import R_ROUNDS

HERE = Path(__file__).parent / "data" / "rounds"
CODEBOOK = HERE / "codebook.yaml"
# catalogue indicator -> (the outcome computed by hand in tests/reference/rounds.R, scale campaign_me reports in)
OUTCOMES = {
    "risk_aware": ("risk_aware", 100),
    "hotline_known": ("hotline", 100),
    "knowledge_score": ("K", 1),
    "knowledge_pass": ("K_pass", 100),
    "attitude_index": ("A", 1),
    "risk_perception": ("rp", 1),
    "channels_mean": ("channels", 1),
    "exposed_any": ("exposed_any", 100),
}
IDS = list(OUTCOMES)


@functools.cache
def _codebook() -> Codebook:
    return Codebook.from_yaml(CODEBOOK)


@functools.cache
def _data(name: str) -> pd.DataFrame:
    return load_survey(HERE / f"{name}.csv", _codebook())


def _design(name: str, cb: Codebook | None = None) -> SurveyDesign:
    return SurveyDesign.from_codebook(_data(name), cb or _codebook())


def _close(row, ref, scale, *, df=True):
    """estimate, se (and df) of a campaign_me row equal R's to 1e-6 (shares x 100 in campaign_me)."""
    est, se = (row["change"], row["se"]) if "change" in row else (row["estimate"], row["se"])
    assert est == pytest.approx(scale * ref[0], abs=1e-6, rel=1e-9)
    assert se == pytest.approx(scale * ref[1], abs=1e-6, rel=1e-9)
    if df:
        assert row["df"] == ref[2]


# ---------------------------------------------------------------- the survey and its codebook
def test_the_survey_loads_with_its_own_names():
    cb = _codebook()
    assert cb.rounds == "same_clusters" and cb.arm.column == "program_arm" and cb.arm.campaign == (1,)
    assert cb.concepts == {"risk_aware": "aware_risk", "hotline_known": "knows_hotline",
                           "risk_perception": "risk_chance", "exposed": "channels_seen"}
    b = _data("baseline")
    assert "resp_name" not in b.columns and "phone" not in b.columns  # identifiers dropped on load
    assert len(b) == 300 and b["village"].nunique() == 20
    # the same villages at both rounds, new respondents
    assert set(_data("endline")["village"]) == set(b["village"])
    assert not set(_data("endline")["resp_id"]) & set(b["resp_id"])
    assert set(_data("panel_endline")["resp_id"]) <= set(b["resp_id"])


def test_catalogue_reads_the_survey_through_its_concepts():
    cb = _codebook()
    table = compute_indicators(_design("baseline"), codebook=cb, indicators=IDS).set_index("indicator")
    for ind, (y, scale) in OUTCOMES.items():
        # R: svymean(~y, subset(svydesign(id=~village, strata=~district, weights=~weight), !is.na(y)))
        est, se = R_ROUNDS[f"independent:baseline:{y}"]
        assert table.loc[ind, "estimate"] == pytest.approx(scale * est, abs=1e-6, rel=1e-9), ind
        assert table.loc[ind, "se"] == pytest.approx(scale * se, abs=1e-6, rel=1e-9), ind


def test_applicable_lists_the_questions_never_asked_once():
    cb = _codebook()
    ok, other = applicable(None, cb, _data("baseline"))
    assert ok.ids == ["exposed_any", "exposed_radio", "exposed_tv", "exposed_facebook", "channels_mean",
                      "knowledge_score", "knowledge_pass", "hotline_known", "risk_aware", "risk_perception",
                      "attitude_index", "attitude_safe"]
    assert list(other.columns) == ["id", "name", "missing", "reason"]
    assert not set(ok.ids) & set(other["id"]) and len(ok) + len(other) == 26
    missing = other.set_index("id")["missing"]
    assert missing["exposed_events"] == "exposed/events"  # the question was asked, without that option
    assert missing["safe_practices"] == "practice items, migration_status"
    assert missing["aided_recall_net"] == "aided_recall, aided_recall_decoy"
    assert (other["reason"] == "not asked in this survey").all()
    # labels from this survey's items: 5 knowledge items, 4 attitude items with att3 reversed, 3 channels
    assert ok["knowledge_pass"].definition == (
        "Share of the target population answering at least 4 of the 5 knowledge items correctly "
        "(score of 80 or more)")
    assert "of the 4 attitude items (att1-att4), att3 reversed, among respondents who answered at least 4 of " \
           "the 4 items" in ok["attitude_index"].definition
    assert "(Radio, Television, Facebook)" in ok["channels_mean"].definition
    # the whole kept catalogue computes without a validation error
    t = compute_indicators(_design("endline"), ok, codebook=cb)
    assert t["indicator"].tolist() == ok.ids and t["estimate"].notna().all()


# ---------------------------------------------------------------- changes between rounds
def test_independent_rounds_keep_the_sum_of_variances():
    cb = dataclasses.replace(_codebook(), rounds="independent")
    b, e = _design("baseline", cb), _design("endline", cb)
    ch = compare_rounds(b, e, codebook=cb, indicators=IDS).set_index("indicator")
    assert list(ch.reset_index().columns) == list(COMPARE_COLUMNS)
    for ind, (y, scale) in OUTCOMES.items():
        (eb, sb), (ee, se) = R_ROUNDS[f"independent:baseline:{y}"], R_ROUNDS[f"independent:endline:{y}"]
        # closed form of R's two svymean results: change ee - eb, SE sqrt(sb^2 + se^2)
        assert ch.loc[ind, "change"] == pytest.approx(scale * (ee - eb), abs=1e-6, rel=1e-9), ind
        assert ch.loc[ind, "se"] == pytest.approx(scale * np.hypot(sb, se), abs=1e-6, rel=1e-9), ind
    # the same numbers as without a round structure (no codebook rounds, no argument): today's
    plain = compare_rounds(b, e, codebook=Codebook.from_dict({**cb.to_dict(), "rounds": None}), indicators=IDS)
    pd.testing.assert_frame_equal(plain, ch.reset_index())


def test_same_clusters_change_equals_svyglm_on_the_stacked_rounds():
    cb = _codebook()  # rounds: same_clusters
    ch = compare_rounds(_design("baseline"), _design("endline"), codebook=cb, indicators=IDS).set_index("indicator")
    for ind, (y, scale) in OUTCOMES.items():
        # R: svyglm(y ~ round, subset(svydesign(id=~village, strata=~district, weights=~weight, stacked), !is.na(y)))
        _close(ch.loc[ind], R_ROUNDS[f"same_clusters:change:{y}"], scale)
        assert ch.loc[ind, "ci_low"] < ch.loc[ind, "change"] < ch.loc[ind, "ci_high"]
    # the independent-rounds formula overstates this SE: 1.57 times for the knowledge score (R's numbers)
    (_, sb), (_, se) = R_ROUNDS["independent:baseline:K"], R_ROUNDS["independent:endline:K"]
    ratio = np.hypot(sb, se) / R_ROUNDS["same_clusters:change:K"][1]
    assert ratio == pytest.approx(1.5688, abs=1e-4)
    assert ch.loc["knowledge_score", "se"] * ratio == pytest.approx(np.hypot(sb, se), rel=1e-9)


def test_same_clusters_change_by_arm_is_a_domain_of_the_stacked_design():
    cb = _codebook()
    ch = compare_rounds(_design("baseline"), _design("endline"), codebook=cb, by="program_arm",
                        indicators=["risk_aware", "knowledge_score"])
    for rec in ch.to_dict("records"):
        y, scale = OUTCOMES[rec["indicator"]]
        # R: svyglm(y ~ round, subset(stacked design, arm == a & !is.na(y)))
        _close(rec, R_ROUNDS[f"same_clusters:change:{y}:arm{rec['program_arm']}"], scale)


def test_panel_change_links_the_respondents_through_their_village():
    cb = _codebook()
    ch = compare_rounds(_design("baseline"), _design("panel_endline"), codebook=cb, rounds="panel",
                        indicators=IDS).set_index("indicator")
    for ind, (y, scale) in OUTCOMES.items():
        # R: svyglm(y ~ round, subset(svydesign(id=~village, strata=~district, weights=~weight, stacked panel), !is.na(y)))
        _close(ch.loc[ind], R_ROUNDS[f"panel:change:{y}"], scale)


def test_panel_without_clusters_links_each_person():
    cb = Codebook.from_dict({**_codebook().to_dict(), "psu": None, "rounds": "panel"}, source=CODEBOOK)
    b, p = _design("baseline", cb), _design("panel_endline", cb)
    assert b.psu is None
    ch = compare_rounds(b, p, codebook=cb, indicators=IDS).set_index("indicator")
    for ind, (y, scale) in OUTCOMES.items():
        # R: svyglm(y ~ round, subset(svydesign(id=~resp_id, strata=~district, weights=~weight, stacked panel), ...))
        _close(ch.loc[ind], R_ROUNDS[f"panel_id:change:{y}"], scale)


def test_rounds_that_share_clusters_need_the_designs_not_tables():
    cb = _codebook()
    tb = compute_indicators(_design("baseline"), codebook=cb, indicators=["risk_aware"])
    te = compute_indicators(_design("endline"), codebook=cb, indicators=["risk_aware"])
    with pytest.raises(DataError, match="needs the rounds' designs, not tables"):
        compare_rounds(tb, te, codebook=cb)
    assert compare_rounds(tb, te, codebook=cb, rounds="independent")["se"].notna().all()
    with pytest.raises(DataError, match="does not hold their covariance"):
        difference(te, tb, on="indicator", rounds="same_clusters")
    with pytest.raises(DataError, match="'same_clusters', 'panel'"):
        compare_rounds(_design("baseline"), _design("endline"), codebook=cb, rounds="same_cluster")


def test_difference_with_a_covariance():
    # closed form: var(a - b) = se_a^2 + se_b^2 - 2 cov; df the smaller of the two without Satterthwaite
    r = difference({"estimate": 0.5, "se": 0.04, "df": 20}, {"estimate": 0.3, "se": 0.03, "df": 12},
                   rounds="same_clusters", covariance=0.0006)
    assert r["se"].iloc[0] == pytest.approx(np.sqrt(0.04**2 + 0.03**2 - 2 * 0.0006), rel=1e-12)
    assert r["df"].iloc[0] == 12


# ---------------------------------------------------------------- differences-in-differences
@pytest.mark.parametrize("rounds,endline", [("same_clusters", "endline"), ("panel", "panel_endline"),
                                            ("independent", "endline")])
def test_did_indicators_equal_svyglm_interaction(rounds, endline):
    cb = _codebook()
    out = did_indicators(_design("baseline"), _design(endline), codebook=cb, rounds=rounds, indicators=IDS)
    assert list(out.columns) == list(DID_COLUMNS)
    out = out.set_index("indicator")
    assert not out["suppressed"].any()
    for ind, (y, scale) in OUTCOMES.items():
        # R: svyglm(y ~ arm * round, subset(stacked design of that round structure, !is.na(y))): arm:round
        _close(out.loc[ind], R_ROUNDS[f"{rounds}:did:{y}"], scale)
    assert out.loc["risk_aware", "unit"] == "pp" and out.loc["knowledge_score", "unit"] == "points"


def test_evaluation_did_takes_the_round_structure_from_the_codebook():
    cb = _codebook()
    b, e = _data("baseline"), _data("endline")
    both = combine_rounds(b, e, codebook=cb)  # weights, strata, psu, rounds from the codebook
    r = did(both, "aware_risk", codebook=cb)  # the arm from the codebook too
    ref = R_ROUNDS["same_clusters:did:risk_aware"]  # R: svyglm(risk_aware ~ arm * round, stacked, village PSUs)
    assert (r.effect, r.se, r.df) == (pytest.approx(ref[0], abs=1e-9), pytest.approx(ref[1], abs=1e-9), ref[2])
    # a design stacked as independent rounds (today's default) keeps today's numbers ...
    ind = combine_rounds(b, e, weights="weight", strata="district", psu="village")
    ind = ind.with_columns(arm=(ind.data["program_arm"] == 1).astype(int).to_numpy())
    r0 = did(ind, "aware_risk", treated="arm", post="post")
    ref0 = R_ROUNDS["independent:did:risk_aware"]  # R: round-specific strata and PSUs
    assert (r0.effect, r0.se, r0.df) == (pytest.approx(ref0[0], abs=1e-9), pytest.approx(ref0[1], abs=1e-9), ref0[2])
    # ... and is declared anew when told the rounds share clusters
    r1 = did(ind, "aware_risk", treated="arm", post="post", rounds="same_clusters")
    assert (r1.se, r1.df) == (pytest.approx(ref[1], abs=1e-9), ref[2])
    # pre_post likewise: svyglm(risk_aware ~ round) on the stacked rounds
    pp = pre_post(ind, "aware_risk", post="post", rounds="same_clusters")
    ref_pp = R_ROUNDS["same_clusters:change:risk_aware"]
    assert (pp.effect, pp.se, pp.df) == (pytest.approx(ref_pp[0], abs=1e-9), pytest.approx(ref_pp[1], abs=1e-9),
                                         ref_pp[2])
    # the stacked designs as designs: their domains are kept
    dd = combine_rounds(_design("baseline").subset(b["sex"] == 2), _design("endline").subset(e["sex"] == 2),
                        codebook=cb)
    assert dd.n == int((b["sex"] == 2).sum() + (e["sex"] == 2).sum())


def test_round_structures_that_do_not_fit_the_data_are_refused():
    cb = _codebook()
    b, e, p = _data("baseline"), _data("endline"), _data("panel_endline")
    moved = e.assign(village=e["village"] + 1000)
    with pytest.raises(DesignError, match="no cluster .'village'. of the baseline is in the endline"):
        combine_rounds(b, moved, codebook=cb)
    swapped = e.assign(district=e["district"].map({"north": "south", "south": "north", "east": "east",
                                                   "west": "west"}))
    with pytest.raises(DesignError, match="are in different strata .'district'."):
        combine_rounds(b, swapped, codebook=cb)
    twice = pd.concat([p, p.iloc[:1]])
    with pytest.raises(DataError, match=r"id\(s\) 'B0001' appear more than once in one round"):
        combine_rounds(b, twice, codebook=cb, rounds="panel")
    with pytest.raises(DataError, match="no id of the baseline is in the endline"):
        combine_rounds(b, e, codebook=cb, rounds="panel")
    with pytest.raises(DesignError, match="needs its cluster"):
        combine_rounds(b, e, weights="weight", strata="district", rounds="same_clusters")
    with pytest.raises(DataError, match="contradicts"):
        combine_rounds(b, e, codebook=cb, rounds="panel", independent=True)


def test_independent_rounds_label_strata_and_psus_as_text_joins():
    # the round's name and the value as text, e.g. "endline:7": what R's paste(round, psu, sep = ":") gives
    b = pd.DataFrame({"s": ["B", "B", "A", "C"], "p": [7, 7, 2, 1], "w": 1.0, "y": [1, 0, 1, 0]})
    e = pd.DataFrame({"s": ["A", "C", "A", "B"], "p": [7, 3, 5, 2], "w": 1.0, "y": [0, 0, 1, 1]})
    d = combine_rounds(b, e, weights="w", strata="s", psu="p")
    tag = np.repeat(["baseline", "endline"], 4)
    assert d.data["round_stratum"].astype(str).tolist() == [f"{t}:{s}" for t, s in zip(tag, [*b["s"], *e["s"]])]
    assert d.data["round_psu"].astype(str).tolist() == [f"{t}:{p}" for t, p in zip(tag, [*b["p"], *e["p"]])]
    # the labels that occur, in sorted order (as a sorted factorisation of the text would number them)
    cats = list(d.data["round_psu"].cat.categories)
    assert cats == sorted(set(cats)) and len(cats) == 7
    # without strata the round is the stratum
    d2 = combine_rounds(b, e, weights="w", psu="p")
    assert d2.data["round_stratum"].astype(str).tolist() == list(tag)
    # a blank PSU stays blank, and the design names it
    with pytest.raises(DesignError, match="'round_psu' .* missing values in row 1"):
        combine_rounds(b.assign(p=[1.0, np.nan, 2.0, 2.0]), e, weights="w", psu="p")


def test_did_from_cell_means_equals_the_regression_with_missing_outcomes_and_a_domain():
    # the 2x2 DiD from the four weighted cell means equals the coefficient of treated:post of the
    # weighted least-squares fit (campaign_me.regression.regress, the svyglm path), estimate and SE
    rng = np.random.default_rng(5)
    n = 2000
    data = pd.DataFrame({
        "stratum": rng.integers(0, 4, n), "psu": rng.integers(0, 60, n), "w": rng.uniform(0.5, 2, n),
        "t": rng.integers(0, 2, n), "post": rng.integers(0, 2, n), "y": rng.normal(size=n),
        "region": rng.integers(0, 3, n),
    })
    data.loc[rng.random(n) < 0.1, "y"] = np.nan
    d = SurveyDesign(data, weights="w", strata="stratum", psu="psu", nest=True).subset(data["region"] > 0)
    r = did(d, "y", treated="t", post="post")
    fit = regress(d, "y ~ t * post").to_frame().set_index("term")
    assert r.effect == pytest.approx(fit.loc["t:post", "estimate"], rel=1e-10, abs=1e-12)
    assert r.se == pytest.approx(fit.loc["t:post", "se"], rel=1e-10)
    assert r.df == fit.loc["t:post", "df"]
    assert r.n == int((data["region"] > 0).sum() - (data["y"].isna() & (data["region"] > 0)).sum())
    # the same for the one-group models: pre_post (y ~ post) and itt (y ~ t)
    for got, term in ((pre_post(d, "y", post="post"), "post"), (itt(d, "y", treated="t"), "t")):
        fit = regress(d, f"y ~ {term}").to_frame().set_index("term")
        assert got.effect == pytest.approx(fit.loc[term, "estimate"], rel=1e-10, abs=1e-12)
        assert got.se == pytest.approx(fit.loc[term, "se"], rel=1e-10)
        assert got.reference == pytest.approx(fit.loc["Intercept", "estimate"], rel=1e-10)


# ---------------------------------------------------------------- the Core engine (campaign_me.rounds, contrasts)
def test_core_stacking_and_change_of_means_equal_svyglm():
    # the Core layer alone (no evaluation, no regression) gives R's numbers: rbind the rounds, declare
    # svydesign(id = ~village, strata = ~district) on the stacked rows (same_clusters), and take the
    # round (and arm x round) coefficient of svyglm; references from tests/reference/rounds.R
    cb = _codebook()
    both = rounds.combine_rounds(_data("baseline"), _data("endline"), codebook=cb)
    both = both.with_columns(arm=(both.data["program_arm"] == 1).astype(int).to_numpy())
    ch = change_of_means(both, "aware_risk", "post")
    ref = R_ROUNDS["same_clusters:change:risk_aware"]  # R: svyglm(risk_aware ~ round, stacked)
    assert (ch["estimate"], ch["se"], ch["df"]) == (pytest.approx(ref[0], abs=1e-9), pytest.approx(ref[1], abs=1e-9),
                                                    ref[2])
    dd = change_of_means(both, "aware_risk", "post", treated="arm")
    ref = R_ROUNDS["same_clusters:did:risk_aware"]  # R: svyglm(risk_aware ~ arm * round, stacked): arm:round
    assert (dd["estimate"], dd["se"], dd["df"]) == (pytest.approx(ref[0], abs=1e-9), pytest.approx(ref[1], abs=1e-9),
                                                    ref[2])
    # the interval is the t interval on those df (closed form)
    q = stats.t.ppf(0.975, ref[2])
    assert dd["ci_high"] - dd["ci_low"] == pytest.approx(2 * q * dd["se"], rel=1e-12)
    # the same as evaluation.did, which falls back to a regression for what the cell means do not cover
    r = did(both, "aware_risk", treated="arm", post="post")
    assert (r.effect, r.se, r.df) == (dd["estimate"], dd["se"], dd["df"])


def test_change_of_means_names_bad_input():
    d = SurveyDesign(pd.DataFrame({"y": [1.0, 2, 3, 4], "post": [0, 1, 2, 1], "w": 1.0}), weights="w")
    with pytest.raises(DataError, match=r"post='post' must be 0/1 .*2"):
        change_of_means(d, "y", "post")
    d = SurveyDesign(pd.DataFrame({"y": [1.0, 2, 3, 4], "post": [1, 1, 1, 1], "w": 1.0}), weights="w")
    with pytest.raises(DataError, match=r"post='post' does not vary"):
        change_of_means(d, "y", "post")
    d = SurveyDesign(pd.DataFrame({"y": [1.0, np.nan, 3, 4], "post": [1, 0, 1, 1], "w": 1.0}), weights="w")
    with pytest.raises(DataError, match=r"outcome 'y': no respondent with an observed outcome in 'baseline'"):
        change_of_means(d, "y", "post")


def test_moved_names_stay_importable_from_their_old_modules():
    assert evaluation.ROUNDS is rounds.ROUNDS and contrasts.ROUNDS is rounds.ROUNDS
    assert evaluation.check_rounds is rounds.check_rounds
    assert evaluation.indicator_values is design.indicator_values
    assert regression.residual_df is design.residual_df and regression.total_covariance is design.total_covariance
    assert evaluation.combine_rounds is rounds.combine_rounds
    # a codebook's path is read (by campaign_me.codebook's reader, which the Core loads on demand)
    assert rounds.combine_rounds(_data("baseline"), _data("endline"), codebook=str(CODEBOOK)).n == (
        len(_data("baseline")) + len(_data("endline"))
    )
    with pytest.raises(DataError, match=r"codebook must be a Codebook \(with weight"):
        rounds.combine_rounds(_data("baseline"), _data("endline"), codebook=3)


def _random_rounds(rng, rep: int) -> pd.DataFrame:
    rows = []
    for h in range(int(rng.integers(2, 6))):
        for p in range(int(rng.integers(1, 5))):  # one-PSU strata happen
            m = int(rng.integers(1, 12))
            rows.append(pd.DataFrame({"s": h, "psu": f"{h}-{p}", "w": rng.uniform(0.5, 3, m), "t": h % 2,
                                      "post": rng.integers(0, 2, m), "y": rng.normal(size=m)}))
    df = pd.concat(rows, ignore_index=True)
    df.loc[rng.random(len(df)) < 0.15, "y"] = np.nan  # scattered missing outcomes
    if rep % 3 == 0:
        df.loc[df["s"] == 0, "y"] = 1.0  # a constant stratum
    if rep % 4 == 0:
        df.loc[df["s"] == 1, "y"] = np.nan  # an all-missing stratum (an empty cell, often)
    return df


def test_cell_mean_did_equals_the_regression_on_random_designs():
    # The shortcut (contrasts.change_of_means: weighted cell means) against the general path
    # (regression.regress, svyglm's estimator) on 60 random stratified cluster designs with one-PSU,
    # constant and all-missing strata: the same DiD and SE where both run, a refusal from both where
    # a cell is empty or the design has too few degrees of freedom.
    rng = np.random.default_rng(7)
    compared = refused = 0
    for rep in range(60):
        d = SurveyDesign(_random_rounds(rng, rep), weights="w", strata="s", psu="psu", lonely_psu="adjust")
        outcomes = []
        for fit in (lambda d: change_of_means(d, "y", "post", treated="t"),
                    lambda d: regress(d, "y ~ t * post").to_frame().set_index("term").loc["t:post"]):
            try:
                outcomes.append(fit(d))
            except (DataError, DesignError):
                outcomes.append(None)
        fast, slow = outcomes
        assert (fast is None) == (slow is None), rep
        if fast is None:
            refused += 1
            continue
        compared += 1
        assert fast["estimate"] == pytest.approx(slow["estimate"], abs=1e-12)
        assert fast["se"] == pytest.approx(slow["se"], abs=1e-12)
    assert compared >= 30 and refused >= 10
