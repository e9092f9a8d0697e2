"""Campaign-effect estimators: R svyglm equality, recovery of the sample world's planted truth, errors."""

import copy
import dataclasses
import functools
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from campaign_me import SurveyDesign, evaluation, evidence, load_survey, pretest, synth, trial
from campaign_me.contrasts import difference
from campaign_me.conventions import Reporting
from campaign_me.errors import CampaignMeError, DataError, DesignError
from campaign_me.evaluation import (
    EFFECT_COLUMNS,
    PretestResult,
    adjust_pvalues,
    ancova,
    attrition,
    combine_rounds,
    complier_effect,
    did,
    dose_response,
    evidence_strength,
    exposed_vs_unexposed,
    itt,
    lee_bounds,
    message_pretest,
    pre_post,
)
from campaign_me.pretest import PRETEST_COLUMNS
from tests.reference.regression_reference import R_SVYGLM

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CODEBOOK = SAMPLES / "codebook.yaml"


@functools.cache
def _loaded(country):
    return tuple(load_survey(SAMPLES / country / f"survey_{r}.csv", CODEBOOK) for r in ("baseline", "endline"))


def _rounds(country):
    return [x.copy() for x in _loaded(country)]


@pytest.fixture(scope="module")
def aroland():
    return combine_rounds(*_rounds("aroland"), weights="weight", strata="stratum", psu="psu")


# ---------------------------------------------------------------- did equals R svyglm
@pytest.mark.parametrize("country", ["aroland", "belmora", "corvia"])
@pytest.mark.parametrize("outcome", ["risk_aware", "intend_irregular", "risk_perception"])
def test_did_equals_svyglm_interaction(country, outcome):
    d = combine_rounds(*_rounds(country), weights="weight", strata="stratum", psu="psu")
    r = did(d, outcome, treated="campaign", post="post")
    # svyglm(outcome ~ treated * post, stacked design): tests/reference/regression.R
    ref = R_SVYGLM[f"{country}:did:{outcome}"]
    assert r.effect == pytest.approx(ref["estimate"][3], abs=1e-6, rel=1e-6)
    assert r.se == pytest.approx(ref["se"][3], abs=1e-6, rel=1e-6)
    assert r.df == ref["df"]
    assert r.p_value == pytest.approx(ref["p_value"][3], rel=1e-5)


def test_did_with_covariates_equals_svyglm(aroland):
    r = did(aroland, "risk_aware", treated="campaign", post="post", covariates=["urban", "sex", "age_group"])
    ref = R_SVYGLM["aroland:did_cov:risk_aware"]  # treated:post is the last coefficient in R
    assert r.effect == pytest.approx(ref["estimate"][-1], abs=1e-6)
    assert r.se == pytest.approx(ref["se"][-1], abs=1e-6)
    assert r.df == ref["df"]


def test_did_table_is_the_cell_means(aroland):
    r = did(aroland, "risk_aware", treated="campaign", post="post")
    t = r.table
    # independent check: each cell is the weighted mean of one round's design, as svymean/svyby would give
    base, end = _rounds("aroland")
    for rnd, data in (("baseline", base), ("endline", end)):
        est = SurveyDesign(data, weights="weight", strata="stratum", psu="psu").mean("risk_aware", by="campaign")
        est = est.set_index("campaign")
        assert t.loc["comparison", rnd] == pytest.approx(est.loc[False, "estimate"], abs=1e-12)
        assert t.loc["campaign", rnd] == pytest.approx(est.loc[True, "estimate"], abs=1e-12)
        # strata are campaign/comparison-specific, so each cell's SE is that of the round's domain mean
        assert t.loc["campaign", f"se_{rnd}"] == pytest.approx(est.loc[True, "se"], rel=1e-9)
    assert t.loc["difference", "difference"] == pytest.approx(r.effect, abs=1e-12)  # unadjusted DiD
    assert t.loc["campaign", "difference"] - t.loc["comparison", "difference"] == pytest.approx(r.effect)
    assert list(t.index) == ["comparison", "campaign", "difference"]
    assert int(t.loc["campaign", "n_endline"]) == int(end["campaign"].sum())


def test_pre_post_se_is_the_difference_of_independent_rounds(aroland):
    camp = aroland.subset(aroland.data["campaign"])
    r = pre_post(camp, "risk_aware", post="post")
    base, end = _rounds("aroland")
    means = [
        SurveyDesign(x, weights="weight", strata="stratum", psu="psu").subset(x["campaign"]).mean("risk_aware")
        for x in (end, base)
    ]
    ref = difference(means[0].iloc[0], means[1].iloc[0])  # campaign_me.contrasts: sum of variances
    assert r.effect == pytest.approx(ref["estimate"].iloc[0], abs=1e-12)
    assert r.se == pytest.approx(ref["se"].iloc[0], rel=1e-9)


def test_results_are_frozen_and_tidy(aroland):
    r = did(aroland, "risk_aware", treated="campaign", post="post")
    assert tuple(r.to_frame().columns) == EFFECT_COLUMNS
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.effect = 0.0
    text = r.summary()
    assert "percentage points" in text and "parallel trends" in text and "Relative to" in text
    rp = did(aroland, "risk_perception", treated="campaign", post="post")
    assert "percentage points" not in rp.summary() and "outcome's units" in rp.summary()


# ---------------------------------------------------------------- the planted truth (large sample world)
@pytest.fixture(scope="module")
def big_aroland():
    # Aroland with 30 villages per stratum and 40 households each: ~7,500 interviews per round
    spec = dataclasses.replace(synth.COUNTRIES["aroland"], clusters_per_stratum=30, take=40)
    data = synth.generate_country("aroland", seed=11, spec=spec, hidden=True)
    rounds = [
        data[f"survey_{r}"].assign(risk_perception=lambda f: f["risk_perception"].replace(synth.RISK_DK_CODE, np.nan))
        for r in ("baseline", "endline")
    ]
    return rounds, spec


@pytest.mark.parametrize(
    ("outcome", "itt_attr", "trend_attr"),
    [
        ("risk_aware", "itt_risk_aware", "trend_risk_aware"),
        ("intend_irregular", "itt_irregular_intention", "trend_irregular_intention"),
        ("risk_perception", "itt_risk_perception", "trend_risk_perception"),
    ],
)
def test_did_recovers_the_planted_effect_and_pre_post_adds_the_trend(big_aroland, outcome, itt_attr, trend_attr):
    rounds, spec = big_aroland
    itt_true, trend = getattr(spec, itt_attr), getattr(spec, trend_attr)
    d = combine_rounds(*rounds, weights="weight", strata="stratum", psu="psu")
    r = did(d, outcome, treated="campaign", post="post")
    assert r.ci_low < itt_true < r.ci_high, (r.effect, itt_true, r.se)
    scale = 100 if outcome == "risk_perception" else 1
    assert r.se < 0.025 * scale  # teeth: the planted effects are 5-8 points, 3 SEs or more
    pp = pre_post(d.subset(d.data["campaign"] == 1), outcome, post="post")
    # pre-post is off by the planted secular trend: it estimates effect + trend ...
    assert abs(pp.effect - (itt_true + trend)) < 3 * pp.se, (pp.effect, itt_true + trend, pp.se)
    # ... and its excess over the DiD is the comparison areas' change, i.e. the trend
    comparison_change = r.table.loc["comparison", "difference"]
    assert pp.effect - r.effect == pytest.approx(comparison_change, abs=1e-9)
    assert abs(comparison_change - trend) < 3 * r.table.loc["comparison", "se_difference"]


def _selection(spec, coef):
    """Planted selection bias of exposed-vs-unexposed: coef * (E[tanh Z | exposed] - E[tanh Z | unexposed]).

    Z ~ N(0,1) is the latent interest; P(exposed | Z) = expit(a + b Z) in campaign districts and the outcome
    rises by coef * tanh(Z) (campaign_me.synth.draw_round). Gauss-Hermite quadrature, 80 nodes.
    """
    x, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    p = special.expit(spec.exposure_intercept + spec.exposure_slope * x)
    t = np.tanh(x)
    return coef * ((w * t * p).sum() / (w * p).sum() - (w * t * (1 - p)).sum() / (w * (1 - p)).sum())


def test_exposed_vs_unexposed_is_off_by_the_planted_selection(big_aroland):
    rounds, spec = big_aroland
    end = rounds[1]
    end = end[end["campaign"] == 1].assign(true_exposed=lambda f: f["_exposed"].astype(int))
    d = SurveyDesign(end, weights="weight", strata="stratum", psu="psu")
    att = synth.truth(spec)["effect_on_exposed"]["risk_perception"]
    bias = _selection(spec, 8.0)  # risk perception = (38 + 8 tanh Z + ...) on 0-100
    assert bias > 3  # the planted selection: 4.14 points on the 0-100 scale
    comp = exposed_vs_unexposed(d, "risk_perception", exposed="true_exposed",
                                covariates=["urban", "sex", "age_group", "education", "migration_status"])
    naive = comp.results["naive"]
    assert abs(naive.effect - (att + bias)) < 3 * naive.se, (naive.effect, att, bias, naive.se)
    assert not naive.ci_low < att < naive.ci_high  # the naive interval misses the true effect
    # observed covariates do not capture interest: weighting and matching stay biased
    for m in ("regression", "ipw", "matching"):
        assert comp.results[m].effect - att > bias / 2, m
    assert comp.balance["smd_ipw"].abs().max() < 0.1
    assert 0 <= comp.trimmed_share < 0.05
    assert "selection on observables" in comp.summary()


def test_dose_response_is_labelled_descriptive(aroland):
    data = aroland.data.assign(channels=aroland.data[[f"exposed/{c}" for c in synth.CHANNELS]].sum(axis=1))
    out = dose_response(aroland.with_columns(channels=data["channels"]), "risk_aware", dose="channels")
    assert (out["note"].str.contains("descriptive")).all() and len(out) >= 3


# ---------------------------------------------------------------- the randomised trial
@pytest.fixture(scope="module")
def committed_trial():
    s = load_survey(SAMPLES / "trial" / "trial_survey.csv", CODEBOOK)
    truth = json.loads((SAMPLES / "trial" / "truth.json").read_text())
    w = trial.wide(s)
    return SurveyDesign(w, weights="weight", strata="stratum", psu="psu"), truth


@pytest.mark.parametrize("outcome", trial.TRIAL_OUTCOMES)
def test_ancova_itt_and_complier_effect_cover_the_planted_truth(committed_trial, outcome):
    d, truth = committed_trial
    done = d.subset(d.data["followed_up"])
    a = ancova(done, f"{outcome}_endline", treated="campaign", baseline=f"{outcome}_baseline")
    assert a.ci_low < truth["itt"][outcome] < a.ci_high
    i = itt(done, f"{outcome}_endline", treated="campaign")
    assert a.se < i.se  # the baseline soaks up variance (McKenzie 2012)
    c = complier_effect(done, f"{outcome}_endline", treated="campaign", took_up="took_up")
    assert c.ci_low < truth["effect_on_takers"][outcome] < c.ci_high
    assert c.effect == pytest.approx(c.details["itt"] / c.details["first_stage"])


def test_large_trial_recovers_the_planted_effects_tightly():
    spec = dataclasses.replace(trial.TRIAL, communities_per_stratum=120)
    t = trial.generate_trial(5, spec=spec)
    w = trial.wide(t["survey"])
    d = SurveyDesign(w, weights="weight", strata="stratum", psu="psu")
    done = d.subset(w["followed_up"] == 1)
    a = ancova(done, "risk_aware_endline", treated="campaign", baseline="risk_aware_baseline")
    assert a.se < 0.015
    assert abs(a.effect - t["truth"]["itt"]["risk_aware"]) < 3 * a.se
    c = complier_effect(done, "risk_aware_endline", treated="campaign", took_up="took_up")
    assert c.details["first_stage"] == pytest.approx(t["truth"]["takeup_campaign"] - spec.control_takeup, abs=0.03)
    assert abs(c.effect - spec.effect_risk_aware) < 3 * c.se


def test_attrition_by_arm_and_lee_bounds(committed_trial):
    d, truth = committed_trial
    att = attrition(d, treated="campaign", responded="followed_up")
    rates = d.data.groupby("campaign")["followed_up"].apply(
        lambda s: np.average(s.astype(float), weights=d.data.loc[s.index, "weight"])
    )
    assert att.effect == pytest.approx(rates[True] - rates[False], abs=1e-12)
    assert att.ci_low > 0  # the planted differential attrition is detected
    lb = lee_bounds(d, "risk_aware_endline", treated="campaign", responded="followed_up", cluster="psu", n_boot=200)
    assert lb.details["lower"] < lb.details["upper"]
    assert lb.details["trimmed_share"] == pytest.approx(1 - rates[False] / rates[True], abs=1e-12)
    assert lb.details["ci_lower"] < truth["itt"]["risk_aware"] < lb.details["ci_upper"]
    assert (lb.ci_low, lb.ci_high) == (lb.details["ci_lower"], lb.details["ci_upper"]) and np.isnan(lb.p_value)
    assert "lies between" in lb.summary()


def test_lee_bounds_closed_form():
    # 10 treated respond (y = 1..10), 8 of 10 controls respond with mean 0: trim 20% of the treated
    y = np.r_[np.arange(1, 11), np.zeros(8), np.zeros(2)].astype(float)
    t = np.r_[np.ones(10), np.zeros(10)]
    s = np.r_[np.ones(18), np.zeros(2)]
    data = pd.DataFrame({"y": y, "t": t.astype(int), "s": s.astype(int), "c": np.arange(20) % 4 + 4 * (t == 1),
                         "w": 1.0})
    d = SurveyDesign(data, weights="w")
    lb = lee_bounds(d, "y", treated="t", responded="s", cluster="c", n_boot=20)
    assert lb.details["lower"] == pytest.approx(np.mean(np.arange(1, 9)))  # drop 9, 10: mean 4.5
    assert lb.details["upper"] == pytest.approx(np.mean(np.arange(3, 11)))  # drop 1, 2: mean 6.5


# ---------------------------------------------------------------- pretest, evidence, several outcomes
def test_message_pretest_vote_disagrees_with_intention():
    p = pd.read_csv(SAMPLES / "aroland" / "pretest.csv")
    r = message_pretest(p, variant="variant", outcomes=["comprehension", "credibility", "intention_safe"],
                        preference="preferred_variant")
    assert isinstance(r, PretestResult) and r.primary == "intention_safe"
    assert r.vote_ranking[0] == "C_drama" and r.ranking[0] == "A_testimony"
    assert r.vote_agrees is False
    assert "vote picks C_drama instead" in r.summary()
    pd.testing.assert_frame_equal(r.to_frame(), r.table)
    t = r.table
    assert list(t.columns) == list(PRETEST_COLUMNS)
    # the intention ranking is the order of the variants' raw means (closed form)
    means = p.groupby("variant")["intention_safe"].mean().sort_values(ascending=False)
    assert r.ranking == tuple(means.index)
    row = t[(t["outcome"] == "intention_safe") & (t["variant_a"] == "A_testimony") & (t["variant_b"] == "C_drama")]
    pa, pc = row["mean_a"].iloc[0], row["mean_b"].iloc[0]
    # Cohen's h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)) (Cohen 1988, ch. 6)
    assert row["effect_size"].iloc[0] == pytest.approx(2 * np.arcsin(np.sqrt(pa)) - 2 * np.arcsin(np.sqrt(pc)))
    # Holm across the three pairs of one outcome: the smallest p-value times 3
    sub = t[t["outcome"] == "intention_safe"]
    assert sub["p_adjusted"].min() == pytest.approx(min(1.0, 3 * sub["p_value"].min()))
    cred = t[t["outcome"] == "credibility"]
    assert (cred["effect_size_type"] == "cohen_d").all()
    assert cred.set_index(["variant_a", "variant_b"]).loc[("A_testimony", "C_drama"), "effect_size"] > 0.5


def test_message_pretest_old_dataframe_use_warns_for_one_release():
    p = pd.read_csv(SAMPLES / "aroland" / "pretest.csv")
    r = message_pretest(p, variant="variant", outcomes=["intention_safe"], preference="preferred_variant")
    assert r.table.attrs == {"ranking": list(r.ranking), "vote_ranking": list(r.vote_ranking), "vote_agrees": False}
    with pytest.warns(DeprecationWarning, match=r"\.ranking"):
        assert r.attrs["ranking"] == list(r.ranking)
    with pytest.warns(DeprecationWarning, match="table"):
        assert r["outcome"].tolist() == r.table["outcome"].tolist()
    with pytest.warns(DeprecationWarning, match=r"\.table\.iterrows"):
        assert len(list(r.iterrows())) == 3
    with pytest.warns(DeprecationWarning, match="len"):
        assert len(r) == 3
    with pytest.raises(AttributeError):
        r.no_such_thing  # noqa: B018
    # a result copies and pickles as itself, without warnings
    again = pickle.loads(pickle.dumps(r))
    assert again.ranking == r.ranking and copy.deepcopy(r).vote_agrees is False and bool(r)


def test_moved_names_are_the_same_objects():
    assert evaluation.message_pretest is pretest.message_pretest
    assert evaluation.evidence_strength is evidence.evidence_strength
    assert evaluation.adjust_pvalues is evidence.adjust_pvalues
    assert evaluation.EvidenceStrength is evidence.EvidenceStrength


def test_pretest_and_pvalue_choices_suggest_the_name():
    p = pd.read_csv(SAMPLES / "aroland" / "pretest.csv")
    with pytest.raises(DataError, match="did you mean 'holm'"):
        message_pretest(p, variant="variant", outcomes=["intention_safe"], padjust="hlm")
    with pytest.raises(DataError, match="did you mean 'fdr_bh'"):
        adjust_pvalues(pd.DataFrame({"outcome": ["a"], "p_value": [0.1]}), method="fdr_bhh")
    with pytest.raises(DataError, match="did you mean 'same_clusters'"):
        combine_rounds(*_rounds("aroland"), weights="weight", strata="stratum", psu="psu", rounds="same_cluster")


def test_level_accepts_numpy_numbers_and_settings(aroland):
    base = did(aroland, "risk_aware", treated="campaign", post="post", level=0.9)
    r32 = did(aroland, "risk_aware", treated="campaign", post="post", level=np.float32(0.9))
    assert r32.ci_low == pytest.approx(base.ci_low, rel=1e-6)
    via = did(aroland, "risk_aware", treated="campaign", post="post", settings=Reporting(level=0.9, df=40))
    # t interval on 40 df: effect -/+ t(0.95, 40) * se, t(0.95, 40) = 1.683851 (any t table)
    assert via.df == 40 and via.ci_low == pytest.approx(via.effect - 1.683851 * via.se, rel=1e-6)
    assert via.effect == base.effect and via.se == base.se
    # an explicit keyword wins over the settings
    assert did(aroland, "risk_aware", treated="campaign", post="post", level=0.95,
               settings=Reporting(level=0.9)).level == 0.95
    with pytest.raises(DataError, match="did you mean 0.95"):
        did(aroland, "risk_aware", treated="campaign", post="post", level=95)
    with pytest.raises(CampaignMeError, match="must be a campaign_me.conventions.Reporting"):
        pre_post(aroland, "risk_aware", post="post", settings={"level": 0.9})


def test_evidence_strength_levels():
    assert evidence_strength(randomised=True, baseline=True).level == 5
    assert evidence_strength(comparison_group=True, baseline=True).level == 3
    assert evidence_strength(comparison_group=True, adjusted=True).level == 2
    assert evidence_strength(baseline=True).level == 1
    e = evidence_strength(comparison_group=True, self_reported_exposure=True)
    assert e.level == 1 and any("self-selection" in t for t in e.threats)
    assert "attrition" in evidence_strength(randomised=True).summary()


def test_adjust_pvalues_holm_and_bh():
    t = pd.DataFrame({"outcome": ["a", "b", "c", "d"], "p_value": [0.001, 0.01, 0.02, 0.04]})
    holm = adjust_pvalues(t, primary="a")
    # Holm over b, c, d: 3 x 0.01, max(2 x 0.02, 0.03), max(0.04, 0.04)
    assert holm["p_adjusted"].tolist() == pytest.approx([0.001, 0.03, 0.04, 0.04])
    assert holm["primary"].tolist() == [True, False, False, False]
    bh = adjust_pvalues(t, method="fdr_bh")
    # BH over all four: p_(i) * 4 / i, made monotone: 0.004, 0.02, 0.02667, 0.04
    assert bh["p_adjusted"].tolist() == pytest.approx([0.004, 0.02, 0.08 / 3, 0.04])


# ---------------------------------------------------------------- bad input: a clear error, not a number
def test_errors(aroland, committed_trial):
    data = aroland.data
    no_endline_campaign = aroland.subset(~(data["campaign"] & (data["post"] == 1)))
    with pytest.raises(DataError, match="no respondent with an observed outcome in 'campaign x endline'"):
        did(no_endline_campaign, "risk_aware", treated="campaign", post="post")
    with pytest.raises(DataError, match="does not vary"):
        did(aroland.subset(data["campaign"]), "risk_aware", treated="campaign", post="post")
    with pytest.raises(DataError, match="must be 0/1"):
        did(aroland, "risk_aware", treated="region", post="post")
    d, _ = committed_trial
    tiny = d.subset(d.data["psu"].isin(["BT1-001", "BT1-002", "BT1-003", "BT1-004", "BT1-005", "BT1-006"])
                    & ~((d.data["campaign"]) & (d.data["psu"] != d.data.loc[d.data["campaign"], "psu"].iloc[0])))
    with pytest.raises(DesignError, match="at least 2 per arm"):
        itt(tiny, "risk_aware_baseline", treated="campaign")
    end = aroland.subset(data["post"] == 1)
    noise = np.random.default_rng(0).random(len(data))
    sep = end.with_columns(x=10 * data["exposed_any"].astype(float) + noise)  # x separates the groups
    with pytest.raises(DataError, match="do not overlap"):
        exposed_vs_unexposed(sep, "risk_aware", exposed="exposed_any", covariates=["x"])
    with pytest.raises(DataError, match="not identified"):
        complier_effect(d.subset(d.data["followed_up"]).with_columns(none=np.zeros(len(d.data))),
                        "risk_aware_endline", treated="campaign", took_up="none")


def test_did_on_the_trial_panel_covers_the_planted_itt():
    # a panel: both interviews of a person sit in the same PSU (community), so their covariance enters
    s = load_survey(SAMPLES / "trial" / "trial_survey.csv", CODEBOOK)
    truth = json.loads((SAMPLES / "trial" / "truth.json").read_text())
    s = s[s["person_id"].isin(s.loc[s["round"] == "endline", "person_id"])]  # the balanced panel
    s = s.assign(post=(s["round"] == "endline").astype(int))
    d = SurveyDesign(s, weights="weight", strata="stratum", psu="psu")
    for outcome in trial.TRIAL_OUTCOMES:
        r = did(d, outcome, treated="campaign", post="post")
        # unbiased but noisy: with a person-level autocorrelation near 0.3 the DiD over-corrects chance
        # baseline imbalance (hotline_known is 2.4 SEs off in this sample; ANCOVA, above, is not)
        assert abs(r.effect - truth["itt"][outcome]) < 3 * r.se, outcome
        # with the same people at both rounds the DiD equals the difference of mean individual changes
        w = trial.wide(s.drop(columns="post"))
        change = w[f"{outcome}_endline"].astype(float) - w[f"{outcome}_baseline"].astype(float)
        by_arm = [np.average(change[w["campaign"] == a], weights=w.loc[w["campaign"] == a, "weight"]) for a in (1, 0)]
        assert r.effect == pytest.approx(by_arm[0] - by_arm[1], abs=1e-12)


def test_trial_is_seeded_validated_and_as_documented():
    a, b = trial.generate_trial(3), trial.generate_trial(3)
    pd.testing.assert_frame_equal(a["survey"], b["survey"])
    assert not a["survey"].equals(trial.generate_trial(4)["survey"])
    data, problems = load_survey(SAMPLES / "trial" / "trial_survey.csv", CODEBOOK, errors="report")
    assert len(problems) == 0, problems.to_string()
    rand = pd.read_csv(SAMPLES / "trial" / "randomisation.csv")
    # 14 of 28 communities per stratum in each arm, every community's assignment probability 1/2
    assert (rand.groupby("stratum")["campaign"].agg(["sum", "size"]).to_numpy() == [14, 28]).all()
    assert (rand["assignment_prob"] == 0.5).all()
    truth = json.loads((SAMPLES / "trial" / "truth.json").read_text())
    for y in trial.TRIAL_OUTCOMES:
        assert 0.01 <= truth["icc"][y] <= 0.05  # the field's range
        itt_ = truth["effect_on_takers"][y] * (truth["takeup_campaign"] - truth["takeup_control"])
        assert truth["itt"][y] == pytest.approx(itt_)
        assert truth["relative_change"][y] == pytest.approx(itt_ / truth["control_endline_mean"][y])
    # take-up by quadrature equals a Monte Carlo average of expit(a + b Z) (closed-form check)
    z = np.random.default_rng(0).normal(size=1_000_000)
    assert truth["takeup_campaign"] == pytest.approx(special.expit(0.3 + 0.8 * z).mean(), abs=2e-3)
    # attrition differs by arm and by outcome, as planted
    w = trial.wide(data)
    assert w.loc[w["campaign"], "followed_up"].mean() > w.loc[~w["campaign"], "followed_up"].mean() + 0.05
    endline = data[data["round"] == "endline"]
    assert endline["took_up"].notna().all() and data.loc[data["round"] == "baseline", "took_up"].isna().all()
