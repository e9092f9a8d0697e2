"""Design diagnosis: the vectorised estimators equal the library's, and intervals cover as they claim."""

import numpy as np
import pandas as pd
import pytest

from campaign_me import SurveyDesign
from campaign_me.conventions import Reporting
from campaign_me.diagnose import (
    CampaignDesign,
    design_like_survey,
    diagnose,
    estimate_icc,
    redesign,
    simulate_survey,
)
from campaign_me.errors import DataError, DesignError
from campaign_me.evaluation import ancova, did, itt, pre_post
from campaign_me.power import power_two_proportions

SMALL = {"clusters_per_arm": 6, "cluster_size": 10}


@pytest.mark.parametrize(
    "variant",
    [
        CampaignDesign(**SMALL),
        CampaignDesign(**SMALL, same_clusters=False),
        CampaignDesign(**SMALL, panel=True),
    ],
    ids=["same-clusters", "new-clusters", "panel"],
)
def test_vectorised_estimates_equal_the_evaluation_functions(variant):
    dx = diagnose(variant, sims=100, seed=4)
    for sim in (0, 57):
        s = simulate_survey(variant, seed=4, sim=sim, sims=100)
        d = SurveyDesign(s, weights="weight", strata="round_stratum", psu="cluster")
        ref = {
            "did": did(d, "y", treated="arm", post="post"),
            "pre_post": pre_post(d.subset(s["arm"] == 1), "y", post="post"),
            "endline": itt(d.subset(s["post"] == 1), "y", treated="arm"),
        }
        if variant.panel:
            ref["ancova"] = ancova(d.subset(s["post"] == 1), "y", treated="arm", baseline="y_baseline")
        got = dx.simulations[dx.simulations["sim"] == sim].set_index("estimator")
        assert set(got.index) == set(ref)
        for name, r in ref.items():
            assert got.loc[name, "estimate"] == pytest.approx(r.effect, abs=1e-12), name
            assert got.loc[name, "se"] == pytest.approx(r.se, rel=1e-9), name
            assert got.loc[name, "df"] == r.df, name
            assert got.loc[name, "ci_low"] == pytest.approx(r.ci_low, rel=1e-9), name


def test_coverage_bias_and_power():
    # 1,000 seeded simulations of a 2,000-respondent two-round panel (40 clusters of 25 per arm and round)
    design = CampaignDesign(clusters_per_arm=40, cluster_size=25, icc=0.03, panel=True)
    dx = diagnose(design, sims=1000, seed=2018)
    t = dx.diagnosands.set_index("estimator")
    for name in ("did", "ancova", "endline"):
        assert 0.93 <= t.loc[name, "coverage"] <= 0.97, (name, t.loc[name, "coverage"])
        # unbiased: within 3 Monte Carlo standard errors of the planted effect
        assert abs(t.loc[name, "bias"]) < 3 * t.loc[name, "sd_estimate"] / np.sqrt(1000), name
        # the design-based SE is calibrated: its mean is the spread of the estimates (within 10%)
        assert t.loc[name, "mean_se"] == pytest.approx(t.loc[name, "sd_estimate"], rel=0.1), name
    # pre-post estimates effect + trend: off by the planted trend, and its intervals under-cover
    assert abs(t.loc["pre_post", "bias"] - design.trend) < 3 * t.loc["pre_post", "sd_estimate"] / np.sqrt(1000)
    assert t.loc["pre_post", "coverage"] < 0.8
    # ANCOVA beats the endline-only comparison in a panel (McKenzie 2012)
    assert t.loc["ancova", "power"] > t.loc["endline", "power"]
    assert (dx.simulations.groupby("estimator").size() == 1000).all()
    # cross-check with the closed form (campaign_me.power, itself checked against R's power.prop.test):
    # the endline comparison of 1,000 per arm in clusters of 25, deff = 1 + 24 x ICC
    p0 = design.baseline + design.trend
    closed = power_two_proportions(p0, p0 + design.effect, 40 * 25, deff=1 + 24 * design.icc)
    assert abs(t.loc["endline", "power"] - closed) < 0.05, (t.loc["endline", "power"], closed)
    assert "power" in dx.summary()


def test_same_seed_same_diagnosis_and_user_diagnosands():
    design = CampaignDesign(**SMALL)
    a = diagnose(design, sims=100, seed=9, diagnosands={"share_positive": lambda s, truth: (s["estimate"] > 0).mean()})
    b = diagnose(design, sims=100, seed=9)
    np.testing.assert_array_equal(a.simulations["estimate"], b.simulations["estimate"])
    assert a.diagnosands["share_positive"].between(0, 1).all()


def test_redesign_more_clusters_more_power():
    out = redesign(CampaignDesign(), sims=200, estimators=["did"], clusters_per_arm=[8, 40])
    assert out["power"].iloc[1] > out["power"].iloc[0]
    assert list(out["clusters_per_arm"]) == [8, 40]


def test_bad_declarations_are_refused():
    with pytest.raises(DesignError, match="at least 2 clusters"):
        CampaignDesign(clusters_per_arm=1)
    with pytest.raises(DataError, match="leave"):
        CampaignDesign(baseline=0.95, effect=0.1)
    with pytest.raises(DataError, match="panel"):
        diagnose(CampaignDesign(), sims=100, estimators=["ancova"])
    with pytest.raises(DataError, match="at least 100"):
        diagnose(CampaignDesign(), sims=10)
    with pytest.raises(DataError, match="not a CampaignDesign parameter"):
        redesign(CampaignDesign(), sims=100, clusters=[1, 2])


@pytest.mark.parametrize("same_clusters", [True, False], ids=["same-clusters", "new-clusters"])
def test_comparison_change_is_the_comparison_arms_pre_post_and_estimates_the_trend(same_clusters):
    variant = CampaignDesign(**SMALL, same_clusters=same_clusters, trend=0.05)
    dx = diagnose(variant, sims=100, seed=3, estimators=["comparison_change", "did"])
    for sim in (0, 41):
        s = simulate_survey(variant, seed=3, sim=sim, sims=100)
        d = SurveyDesign(s, weights="weight", strata="round_stratum", psu="cluster")
        ref = pre_post(d.subset(s["arm"] == 0), "y", post="post")
        got = dx.simulations[(dx.simulations["sim"] == sim) & (dx.simulations["estimator"] == "comparison_change")]
        assert got["estimate"].iloc[0] == pytest.approx(ref.effect, abs=1e-12)
        assert got["se"].iloc[0] == pytest.approx(ref.se, rel=1e-9)
        assert got["df"].iloc[0] == ref.df
    t = dx.diagnosands.set_index("estimator")
    assert t.loc["comparison_change", "estimand"] == 0.05 and t.loc["did", "estimand"] == variant.effect
    # not simulated unless asked for: the default diagnosis is unchanged
    assert "comparison_change" not in set(diagnose(variant, sims=100).diagnosands["estimator"])


def test_estimate_icc_recovers_the_planted_icc():
    design = CampaignDesign(clusters_per_arm=150, cluster_size=20, icc=0.10, effect=0.0, trend=0.0)
    s = simulate_survey(design, seed=5, sims=100)
    # the simulated cluster effects have variance icc * p(1 - p); the ANOVA estimate recovers it
    assert estimate_icc(s, "y", "cluster", groups=["post", "arm"]) == pytest.approx(0.10, abs=0.03)
    flat = s.assign(y=np.tile([0.0, 1.0], len(s) // 2))
    assert estimate_icc(flat, "y", "cluster") < 0.01
    with pytest.raises(DataError, match="not in the data"):
        estimate_icc(s, "y", "village")


def test_design_like_survey_copies_a_fielded_survey():
    original = CampaignDesign(clusters_per_arm=12, cluster_size=15, icc=0.08, baseline=0.3, effect=0.1, trend=0.02,
                              same_clusters=False)
    s = simulate_survey(original, seed=11, sims=100)
    base, end = s[s["post"] == 0], s[s["post"] == 1]
    like = design_like_survey(base, end, "y", treated="arm", cluster="cluster", effect=0.1, trend=0.02)
    assert (like.clusters_per_arm, like.cluster_size, like.same_clusters) == (12, 15, False)
    assert like.baseline == pytest.approx(base["y"].mean())
    assert like.icc == pytest.approx(max(0.0, estimate_icc(s, "y", "cluster", groups=["post", "arm"])))
    same = simulate_survey(CampaignDesign(**SMALL), seed=1, sims=100)
    assert design_like_survey(same[same["post"] == 0], same[same["post"] == 1], "y", treated="arm",
                              cluster="cluster", effect=0.08, icc=0.05).same_clusters is True
    with pytest.raises(DataError, match="0/1"):
        design_like_survey(base.assign(y=base["y"] * 3), end, "y", treated="arm", cluster="cluster", effect=0.1)


def test_level_as_numpy_number_or_settings_and_choices_with_suggestions():
    base = diagnose(CampaignDesign(**SMALL), sims=100, seed=2, estimators=["did"], level=0.9).diagnosands
    for kwargs in ({"level": np.float32(0.9)}, {"settings": Reporting(level=0.9)}):
        got = diagnose(CampaignDesign(**SMALL), sims=100, seed=2, estimators=["did"], **kwargs).diagnosands
        pd.testing.assert_frame_equal(got, base)
    with pytest.raises(DataError, match="did you mean 0.05"):
        diagnose(CampaignDesign(**SMALL), sims=100, alpha=5)
    with pytest.raises(DataError, match="did you mean 'pre_post'"):
        diagnose(CampaignDesign(**SMALL), sims=100, estimators=["prepost"])
