"""Weighting against R survey (reference numbers: tests/reference/survey.R, 1e-6 relative)."""

import numpy as np
import pandas as pd
import pytest

from campaign_me import ConvergenceError, SurveyDesign, WeightingError
from campaign_me import design as design_module
from campaign_me.design import DomainMatrix
from campaign_me.weighting import (
    adjust_nonresponse,
    calibrate,
    design_weights,
    effective_sample_size,
    poststratify,
    rake,
    trim_weights,
    weight_summary,
)

from .reference.survey_reference import R_SURVEY

RTOL = 1e-6
# pop.types <- data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018))
POP_TYPES = {"E": 4421, "H": 755, "M": 1018}
# pop.schwide <- data.frame(sch.wide=c("No","Yes"), Freq=c(1072,5122))
POP_SCHWIDE = {"No": 1072, "Yes": 5122}


@pytest.fixture
def dclus1(api):
    # dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    return SurveyDesign(api["apiclus1"].copy(), psu="dnum", weights="pw", fpc="fpc")


def weighted_designs(dclus1, api):
    return {
        "post": poststratify(dclus1, "stype", POP_TYPES),
        "rake": rake(dclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE}, tol=1e-12),
        # calibrate(dclus1, ~stype+api99, c(`(Intercept)`=6194, stypeH=755, stypeM=1018, api99=3914069))
        "cal": calibrate(dclus1, {"stype": POP_TYPES, "api99": 3914069}),
        "trim": trim_weights(dclus1, upper=40, lower=20),
        # postStratify(dclus1n, ~stype, pop.types), dclus1n without fpc
        "post_nofpc": poststratify(
            SurveyDesign(api["apiclus1"], psu="dnum", weights="pw"), "stype", POP_TYPES
        ),
    }


@pytest.mark.parametrize("kind", ["post", "rake", "cal", "trim", "post_nofpc"])
def test_weighting_against_r(dclus1, api, kind):
    d = weighted_designs(dclus1, api)[kind]
    w = d.weights.to_numpy()
    np.testing.assert_allclose(
        [w.sum(), w.min(), w.max(), w[0]], R_SURVEY[f"w_{kind}:weights:summary"], rtol=RTOL
    )
    for got, key in [
        (d.mean("api00").iloc[0], f"w_{kind}:mean:api00"),
        (d.total("enroll", na_rm=True).iloc[0], f"w_{kind}:total:enroll"),
    ]:
        np.testing.assert_allclose([got.estimate, got.se, got.deff], R_SURVEY[key], rtol=RTOL)
    for _, row in d.mean("api00", by="stype").iterrows():
        np.testing.assert_allclose(
            [row.estimate, row.se, row.deff],
            R_SURVEY[f"w_{kind}:by_stype:mean:api00:{row['stype']}"],
            rtol=RTOL,
        )
    d.data["awards_yes"] = d.data["awards"] == "Yes"
    row = d.proportion("awards_yes", method="korn-graubard").iloc[0]
    np.testing.assert_allclose(
        [row.estimate, row.ci_low, row.ci_high], R_SURVEY[f"w_{kind}:ciprop:beta"], rtol=RTOL
    )


def test_poststratified_totals_have_zero_se(dclus1):
    # closed form: post-stratified estimates of the post-strata counts equal the population exactly
    ps = poststratify(dclus1, "stype", POP_TYPES)
    ps.data["one"] = 1.0
    tab = ps.total("one", by="stype").set_index("stype")
    np.testing.assert_allclose(tab["estimate"], [4421, 755, 1018])
    np.testing.assert_allclose(tab["se"], 0, atol=1e-8)


def test_raking_meets_margins_and_uses_base_weights(dclus1, api):
    """balance #431: raking must start from the base weights, not from 1."""
    raked = rake(dclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE})
    w = raked.weights
    for var, pop in [("stype", POP_TYPES), ("sch.wide", POP_SCHWIDE)]:
        got = w.groupby(api["apiclus1"][var]).sum()
        np.testing.assert_allclose(got.loc[list(pop)].to_numpy(), list(pop.values()), rtol=1e-6)
    # with unequal base weights (apistrat), raking from the base weights keeps their ratios
    # within each margin cell; raking from unit weights would make them equal there
    strat = SurveyDesign(api["apistrat"], strata="stype", weights="pw")
    rk = rake(strat, {"sch.wide": POP_SCHWIDE}).weights
    ratio = rk / api["apistrat"]["pw"]
    assert ratio.groupby(api["apistrat"]["sch.wide"]).nunique().max() == 1 or np.allclose(
        ratio.groupby(api["apistrat"]["sch.wide"]).std(), 0
    )
    assert rk.nunique() > 2


def test_rake_inconsistent_margins(dclus1):
    with pytest.raises(WeightingError, match=r"different population totals \(stype: 6194, sch.wide: 7000\)"):
        rake(dclus1, {"stype": POP_TYPES, "sch.wide": {"No": 1000, "Yes": 6000}})


def test_rake_nonconvergence_names_margin(dclus1):
    with pytest.raises(ConvergenceError, match=r"did not converge in 1 iterations; margin 'stype'"):
        rake(dclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE}, max_iter=1, tol=1e-12)


def test_poststratify_level_errors(dclus1):
    with pytest.raises(WeightingError, match=r"'stype' has level\(s\) 'M'.*do not list"):
        poststratify(dclus1, "stype", {"E": 4421, "H": 755})
    with pytest.raises(WeightingError, match=r"level\(s\) 'X' of 'stype' have no respondents"):
        poststratify(dclus1, "stype", {**POP_TYPES, "X": 10})
    with pytest.raises(WeightingError, match="subset"):
        poststratify(dclus1.subset(dclus1.data["stype"] == "E"), "stype", POP_TYPES)


def test_calibration_hits_totals(dclus1):
    cal = calibrate(dclus1, {"stype": POP_TYPES, "api99": 3914069})
    w = cal.weights.to_numpy()
    np.testing.assert_allclose((w * dclus1.data["api99"]).sum(), 3914069, rtol=1e-10)
    np.testing.assert_allclose(w.sum(), 6194, rtol=1e-10)


def test_calibration_with_only_size_equals_ratio_adjustment(dclus1):
    # closed form: calibrating to N alone multiplies every weight by N / sum(w)
    cal = calibrate(dclus1, {}, population_size=6194)
    np.testing.assert_allclose(cal.weights, dclus1.weights * 6194 / dclus1.weights.sum())


def test_trim_keeps_total(dclus1):
    raked = rake(dclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE})
    t = trim_weights(raked, upper=50)
    np.testing.assert_allclose(t.weights.sum(), raked.weights.sum())
    assert t.weights.max() < raked.weights.max()
    strict = trim_weights(raked, upper=50, strict=True)
    assert strict.weights.max() <= 50 + 1e-9
    with pytest.raises(WeightingError, match="every weight is outside"):
        trim_weights(dclus1, upper=30)  # dclus1 weights are all 33.85
    with pytest.raises(WeightingError, match="upper"):
        trim_weights(dclus1, upper=1, lower=2)


def test_design_weights():
    np.testing.assert_allclose(design_weights([0.5, 0.25, 1.0]), [2, 4, 1])
    s = design_weights(pd.Series([0.1, 0.2], index=[10, 11]))
    assert list(s.index) == [10, 11] and s.name == "design_weight"
    with pytest.raises(WeightingError, match=r"2 value\(s\) outside \(0, 1\] \(rows 1, 2: 0.0, 1.5\)"):
        design_weights([0.5, 0.0, 1.5])


def test_nonresponse_adjustment():
    # closed form: class a has weights 10,10,10 with one nonrespondent -> respondents get 15 each
    df = pd.DataFrame(
        {
            "w": [10.0, 10, 10, 20, 20],
            "resp": [True, True, False, True, False],
            "cls": ["a", "a", "a", "b", "b"],
        }
    )
    out = adjust_nonresponse(df, weights="w", responded="resp", classes="cls")
    assert list(out.index) == [0, 1, 3]
    np.testing.assert_allclose(out["nr_weight"], [15, 15, 40])
    np.testing.assert_allclose(out["nr_weight"].sum(), df["w"].sum())
    df2 = df.assign(resp=[True, True, True, False, False])
    with pytest.raises(WeightingError, match=r"class\(es\) 'b' of 'cls' have no respondents"):
        adjust_nonresponse(df2, weights="w", responded="resp", classes="cls")


def test_effective_sample_size_and_summary(dclus1):
    # Kish: (sum w)^2 / sum w^2; equal weights give n
    assert effective_sample_size(np.ones(7)) == 7
    assert effective_sample_size([1, 1, 1, 5]) == pytest.approx(64 / 28)
    summ = weight_summary(poststratify(dclus1, "stype", POP_TYPES), by="stype")
    allrow = summ.iloc[0]
    assert allrow["n"] == 183
    np.testing.assert_allclose(allrow["deff_w"], allrow["n"] / allrow["n_eff"])
    assert set(summ["group"]) == {"all", "E", "H", "M"}


def test_zero_population_count_for_respondents_is_refused(dclus1):
    # R: "Strata in sample absent from population"; a silent weight of 0 would drop 14 schools
    with pytest.raises(
        WeightingError,
        match=r"population count 0 for level\(s\) 'H' of 'stype', which has respondents \(14\)",
    ):
        poststratify(dclus1, "stype", {"E": 4421, "H": 0, "M": 1018})
    with pytest.raises(WeightingError, match="population count 0"):
        rake(dclus1, {"stype": {"E": 4421, "H": 0, "M": 1773}})


def test_integer_keys_match_text_codes(api):
    df = api["apiclus1"].copy()
    df["c"] = df["stype"].map({"E": "1", "H": "2", "M": "3"})
    ps = poststratify(SurveyDesign(df, psu="dnum", weights="pw"), "c", {1: 4421, 2: 755, 3: 1018})
    ref = poststratify(SurveyDesign(df, psu="dnum", weights="pw"), "stype", POP_TYPES)
    np.testing.assert_allclose(ps.weights, ref.weights)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda d: rake(d, {"stype": POP_TYPES}, max_iter=2.5), "max_iter=2.5"),
        (lambda d: rake(d, {"stype": POP_TYPES}, tol=-1), "tol=-1"),
        (lambda d: calibrate(d, {"api99": "abc"}), "total for 'api99' must be a number"),
        (lambda d: weight_summary([]), "no weights"),
    ],
)
def test_bad_weighting_arguments(dclus1, call, match):
    with pytest.raises(ValueError, match=match):
        call(dclus1)


def test_weight_summary_missing_group(api):
    df = api["apiclus1"].copy()
    df.loc[2, "stype"] = None
    summ = weight_summary(SurveyDesign(df, psu="dnum", weights="pw"), by="stype").set_index("group")
    assert summ.loc["(missing)", "n"] == 1
    assert summ.drop(index="all")["n"].sum() == len(df)


def test_calibration_hook_with_a_custom_step(dclus1):
    """SurveyDesign.with_calibration + LinearScores: a post-stratification step written outside
    campaign_me.weighting gives poststratify's numbers (R postStratify, checked above)."""

    class PostStrat:
        def __init__(self, codes, new, old):
            ng = codes.max() + 1
            den = np.bincount(codes, weights=old, minlength=ng)
            self.collect_by = DomainMatrix(codes, old / new / den[codes], ng)
            self.spread = DomainMatrix(codes, new, ng)

        def residualize(self, scores):
            return scores.subtract(self.spread, scores.collect(self.collect_by))

    codes = dclus1.data["stype"].map({"E": 0, "H": 1, "M": 2}).to_numpy()
    old = dclus1.weights.to_numpy()
    factor = np.array([4421, 755, 1018]) / np.bincount(codes, weights=old)
    new = old * factor[codes]
    mine = dclus1.with_calibration(new, PostStrat(codes, new, old))
    ref = poststratify(dclus1, "stype", POP_TYPES)
    for a, b in [
        (mine.mean("api00"), ref.mean("api00")),
        (mine.total("enroll", by="sch.wide", na_rm=True), ref.total("enroll", by="sch.wide", na_rm=True)),
    ]:
        np.testing.assert_allclose(
            a[["estimate", "se"]].to_numpy(float), b[["estimate", "se"]].to_numpy(float), rtol=1e-12
        )
    assert mine.calibrated and not dclus1.calibrated
    with pytest.raises(ValueError, match="residualize"):
        dclus1.with_calibration(new, object())


def test_old_name_of_the_domain_matrix_still_works_with_a_warning():
    """design.Indicator was renamed DomainMatrix (it clashed with indicators.Indicator)."""
    with pytest.warns(DeprecationWarning, match="DomainMatrix"):
        old = design_module.Indicator
    assert old is DomainMatrix
