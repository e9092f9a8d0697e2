"""SurveyDesign against R's survey package (reference numbers: tests/reference/survey.R).

Every number compared here comes from tests/reference/survey_reference.py, which the R
script writes with the R call commented above each value. Tolerance: 1e-6 relative.
"""

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from campaign_me import (
    Codebook,
    DataError,
    DesignError,
    EstimationWarning,
    LonelyPSUError,
    SurveyDesign,
    load_survey,
)
from campaign_me.conventions import Reporting
from campaign_me.design import LOW_DF_NOTE, low_df_note
from campaign_me.errors import ColumnError

from .reference.survey_reference import R_SURVEY

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
RTOL = 1e-6

DESIGNS = {
    # dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
    "strat": ("apistrat", dict(strata="stype", weights="pw", fpc="fpc")),
    # dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    "clus1": ("apiclus1", dict(psu="dnum", weights="pw", fpc="fpc")),
    # dclus1n <- svydesign(id=~dnum, weights=~pw, data=apiclus1)
    "clus1n": ("apiclus1", dict(psu="dnum", weights="pw")),
    # dclus2 <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)  (weights from the fpcs)
    "clus2": ("apiclus2", dict(psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])),
    # dclus2w <- svydesign(id=~dnum+snum, weights=~pw, data=apiclus2)
    "clus2w": ("apiclus2", dict(psu=["dnum", "snum"], weights="pw")),
    # dstratf <- svydesign(id=~1, strata=~stype, data=apistrat, fpc=~frac)  (fpc as a fraction)
    "stratf": ("apistrat", dict(strata="stype", fpc="frac")),
}


def design(api, key, **extra):
    name, kw = DESIGNS[key]
    return SurveyDesign(api[name].copy(), **kw, **extra)  # a copy: tests add columns to design.data


def check(row, ref, cols=("estimate", "se", "deff")):
    got = [float(row[c]) for c in cols]
    np.testing.assert_allclose(got, ref[: len(cols)], rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("key", list(DESIGNS))
class TestAgainstR:
    def test_mean(self, api, key):
        d = design(api, key)
        # df="degf": R's degf (PSUs minus strata), what confint() on svymean uses; the default
        # Satterthwaite-capped df is tested in test_design_df.py
        row = d.mean("api00", df="degf").iloc[0]
        check(row, R_SURVEY[f"{key}:mean:api00"])
        assert row["df"] == R_SURVEY[f"{key}:degf"][0]
        assert d.mean("api00").iloc[0]["df"] <= row["df"]
        np.testing.assert_allclose([row.ci_low, row.ci_high], R_SURVEY[f"{key}:mean:api00:ci"], rtol=RTOL)
        inf = d.mean("api00", df=np.inf).iloc[0]
        np.testing.assert_allclose([inf.ci_low, inf.ci_high], R_SURVEY[f"{key}:mean:api00:ci_inf"], rtol=RTOL)

    def test_total(self, api, key):
        check(design(api, key).total("enroll", na_rm=True).iloc[0], R_SURVEY[f"{key}:total:enroll"])

    def test_ratio(self, api, key):
        row = design(api, key).ratio("api.stu", "enroll", na_rm=True).iloc[0]
        assert row["variable"] == "api.stu/enroll"
        check(row, R_SURVEY[f"{key}:ratio:api.stu/enroll"])

    def test_by_domain(self, api, key):
        d = design(api, key)
        means = d.mean("api00", by="stype")
        totals = d.total("enroll", by="stype", na_rm=True)
        assert list(means["stype"]) == ["E", "H", "M"]
        for _, row in means.iterrows():
            check(row, R_SURVEY[f"{key}:by_stype:mean:api00:{row['stype']}"])
        for _, row in totals.iterrows():
            check(row, R_SURVEY[f"{key}:by_stype:total:enroll:{row['stype']}"])

    def test_subset(self, api, key):
        d = design(api, key)
        sub = d.subset(d.data["sch.wide"] == "Yes")
        check(sub.mean("api00").iloc[0], R_SURVEY[f"{key}:subset_schwide:mean:api00"])
        assert sub.degf == R_SURVEY[f"{key}:subset_schwide:degf"][0]

    def test_proportion_categorical(self, api, key):
        tab = design(api, key).proportion("stype")
        assert list(tab["category"]) == ["E", "H", "M"]
        for _, row in tab.iterrows():
            ref = R_SURVEY[f"{key}:prop:stype:stype{row['category']}"]
            # deff of a stratification variable is ~0 in dstrat: compare with an absolute tolerance
            np.testing.assert_allclose([row.estimate, row.se], ref[:2], rtol=RTOL, atol=1e-12)
            np.testing.assert_allclose(row.deff, ref[2], rtol=RTOL, atol=1e-9)

    @pytest.mark.parametrize(("method", "r_method"), [("wald", "mean"), ("logit", "logit"), ("korn-graubard", "beta")])
    def test_proportion_ci(self, api, key, method, r_method):
        d = design(api, key)
        d.data["schwide_yes"] = (d.data["sch.wide"] == "Yes").astype(int)
        row = d.proportion("schwide_yes", method=method, df="degf").iloc[0]
        assert row["category"] == 1
        np.testing.assert_allclose(
            [row.estimate, row.ci_low, row.ci_high], R_SURVEY[f"{key}:ciprop:{r_method}"], rtol=RTOL
        )
        row90 = d.proportion("schwide_yes", method=method, level=0.9, df="degf").iloc[0]
        np.testing.assert_allclose(
            [row90.estimate, row90.ci_low, row90.ci_high], R_SURVEY[f"{key}:ciprop90:{r_method}"], rtol=RTOL
        )
        # domain: awards among elementary schools, via subset (domain df, as svyciprop on a subset)
        d.data["awards_yes"] = d.data["awards"] == "Yes"
        sub = d.subset(d.data["stype"] == "E")
        row_e = sub.proportion("awards_yes", method=method, df="degf").iloc[0]
        assert row_e["category"] is True or row_e["category"] == True  # noqa: E712
        np.testing.assert_allclose(
            [row_e.estimate, row_e.ci_low, row_e.ci_high], R_SURVEY[f"{key}:ciprop_awards_E:{r_method}"], rtol=RTOL
        )
        # the same domain through by= gives the same numbers
        by_row = d.proportion("awards_yes", method=method, by="stype", df="degf").set_index("stype").loc["E"]
        np.testing.assert_allclose([by_row.ci_low, by_row.ci_high], [row_e.ci_low, row_e.ci_high], rtol=1e-12)


@pytest.mark.parametrize("key", ["strat", "clus1", "clus2"])
def test_na_rm_against_r(api, key):
    d = design(api, key)
    with pytest.raises(DataError, match=r"variable 'acs.k3' has \d+ missing value\(s\).*na_rm=True"):
        d.mean("acs.k3")
    check(d.mean("acs.k3", na_rm=True).iloc[0], R_SURVEY[f"{key}:mean_narm:acs.k3"])


@pytest.mark.parametrize("option", ["remove", "adjust", "average", "certainty"])
def test_lonely_psu_options_against_r(api, option):
    # dlonely <- svydesign(id=~dnum, strata=~lstr, weights=~pw, data=apiclus1); district 637 alone in "A"
    d = SurveyDesign(api["apiclus1"].copy(), psu="dnum", strata="lstr", weights="pw", lonely_psu=option)
    check(d.mean("api00").iloc[0], R_SURVEY[f"lonely:{option}:mean:api00"])
    check(d.total("enroll").iloc[0], R_SURVEY[f"lonely:{option}:total:enroll"])
    for _, row in d.mean("api00", by="stype").iterrows():
        check(row, R_SURVEY[f"lonely:{option}:by_stype:mean:api00:{row['stype']}"])
    d.data["schwide_yes"] = d.data["sch.wide"] == "Yes"
    row = d.proportion("schwide_yes", method="korn-graubard", df="degf").iloc[0]
    np.testing.assert_allclose(
        [row.estimate, row.ci_low, row.ci_high], R_SURVEY[f"lonely:{option}:ciprop:beta"], rtol=RTOL
    )
    # dlonely_fpc: the same with fpc=~fpc
    df = SurveyDesign(api["apiclus1"], psu="dnum", strata="lstr", weights="pw", fpc="fpc", lonely_psu=option)
    check(df.mean("api00").iloc[0], R_SURVEY[f"lonely_fpc:{option}:mean:api00"])


def test_lonely_psu_fail_names_stratum(api):
    # R: "Stratum (A) has only one PSU at stage 1" (see the comment in survey_reference.py)
    d = SurveyDesign(api["apiclus1"], psu="dnum", strata="lstr", weights="pw")
    with pytest.raises(LonelyPSUError, match=r"stratum 'A' has only one PSU at stage 1.*lonely_psu="):
        d.mean("api00")
    # a domain that does not touch stratum A estimates fine, as in R where A's rows are dropped
    sub = d.subset(d.data["lstr"] != "A")
    assert np.isfinite(sub.mean("api00")["se"].iloc[0])


# ---------------------------------------------------------------- regression tests for peers' traps
def test_domain_is_not_a_filtered_frame(api):
    """Domain SEs use the whole design (Stata subpop(), svy #95): filtering first is wrong."""
    d = design(api, "clus1")
    domain = d.subset(d.data["stype"] == "H").mean("api00").iloc[0]
    filtered = SurveyDesign(api["apiclus1"][api["apiclus1"]["stype"] == "H"], psu="dnum", weights="pw", fpc="fpc")
    naive = filtered.mean("api00").iloc[0]
    np.testing.assert_allclose(domain.estimate, naive.estimate)
    assert domain.se != pytest.approx(naive.se, rel=1e-3)
    check(domain, R_SURVEY["clus1:by_stype:mean:api00:H"])


def test_domain_df_counts_domain_psus(api):
    """Degrees of freedom of a domain come from its own PSUs (svy #95), as R's degf(subset)."""
    d = design(api, "clus1")
    by = d.mean("api00", by="stype").set_index("stype")
    for s in "EHM":
        assert by.loc[s, "df"] == d.subset(d.data["stype"] == s).degf
    assert by.loc["H", "df"] < d.degf


def test_singleton_stratum_never_silently_shrinks_se(api):
    """svy #32 / samplics #33: a single-PSU stratum is an error by default, not a smaller SE."""
    with pytest.raises(LonelyPSUError):
        SurveyDesign(api["apiclus1"], psu="dnum", strata="lstr", weights="pw").total("enroll")


def test_result_columns_and_types(api):
    out = design(api, "strat").mean(["api00", "api99"], by=["stype", "sch.wide"])
    assert list(out.columns) == ["variable", "stype", "sch.wide", "estimate", "se", "ci_low", "ci_high", "deff", "n", "df", "note"]
    assert (out["note"] == "").all()
    assert out["n"].dtype == "int64"
    assert (out["ci_low"] < out["estimate"]).all() and (out["estimate"] < out["ci_high"]).all()
    # n adds up over domains to the sample size
    assert out.groupby("variable")["n"].sum().tolist() == [200, 200]


def test_by_equals_subset(api):
    d = design(api, "clus2")
    by = d.mean("api00", by="stype").set_index("stype")
    for s in "EHM":
        row = d.subset(d.data["stype"] == s).mean("api00").iloc[0]
        np.testing.assert_allclose([row.estimate, row.se], [by.loc[s, "estimate"], by.loc[s, "se"]], rtol=1e-12)


def test_element_design_matches_closed_form():
    # SRS with replacement approximation: se = sd / sqrt(n) for equal weights (closed form)
    rng = np.random.default_rng(1)
    y = rng.normal(10, 2, size=50)
    d = SurveyDesign(pd.DataFrame({"y": y, "w": 3.0}), weights="w")
    row = d.mean("y").iloc[0]
    np.testing.assert_allclose(row.estimate, y.mean())
    np.testing.assert_allclose(row.se, y.std(ddof=1) / np.sqrt(50))
    np.testing.assert_allclose(row.deff, 1.0)
    assert row.df == 49


# ---------------------------------------------------------------- errors
def test_missing_column_names_it(api):
    with pytest.raises(ColumnError, match=r"'wieght'.*did you mean 'weight'"):
        SurveyDesign(pd.DataFrame({"weight": [1.0, 2.0]}), weights="wieght")
    with pytest.raises(ColumnError, match="'nope'"):
        design(api, "strat").mean("nope")


def test_bad_weights_named(api):
    df = api["apistrat"].copy()
    df.loc[[3, 7], "pw"] = [0.0, -1.0]
    with pytest.raises(DesignError, match=r"'pw'.*2 missing or non-positive.*rows 3, 7.*0.0, -1.0"):
        SurveyDesign(df, weights="pw", strata="stype")


def test_psu_not_nested_suggests_nest(api):
    df = pd.DataFrame({"s": [1, 1, 2, 2], "p": [1, 2, 1, 2], "y": [1.0, 2, 3, 4]})
    with pytest.raises(DesignError, match=r"not nested in strata.*pass nest=True"):
        SurveyDesign(df, strata="s", psu="p", weights=None)
    d = SurveyDesign(df.assign(w=1.0), strata="s", psu="p", weights="w", nest=True)
    assert d.degf == 2


def test_fpc_smaller_than_sample(api):
    df = api["apistrat"].copy()
    df["fpc"] = 10
    with pytest.raises(DesignError, match=r"'fpc'.*smaller than the sample.*stratum 'E' has 100 sampled units"):
        SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")


def test_fpc_columns_must_match_stages(api):
    # R: svydesign(id=~dnum+snum, fpc=~fpc1, data=apiclus2) fails too
    with pytest.raises(DesignError, match="one column per sampling stage"):
        SurveyDesign(api["apiclus2"], psu=["dnum", "snum"], fpc="fpc1")


def test_text_in_numeric_variable(api):
    df = pd.DataFrame({"y": ["1", "2", "x", "4"], "w": 1.0})
    with pytest.raises(DataError, match=r"'y' is not numeric: row 2 hold 'x'"):
        SurveyDesign(df, weights="w").mean("y")


def test_bad_options():
    df = pd.DataFrame({"y": [1.0, 2.0], "w": 1.0})
    with pytest.raises(DesignError, match="lonely_psu='skip'"):
        SurveyDesign(df, weights="w", lonely_psu="skip")
    with pytest.raises(DataError, match="method='wilson'"):
        SurveyDesign(df, weights="w").proportion("y", method="wilson")
    with pytest.raises(DataError, match="level=95"):
        SurveyDesign(df, weights="w").mean("y", level=95)
    with pytest.raises(ValueError):  # every campaign_me error is a ValueError
        SurveyDesign(df, weights="w").subset([False, False])


def test_no_weights_warns():
    with pytest.warns(UserWarning, match="assuming equal probability"):
        SurveyDesign(pd.DataFrame({"y": [1.0, 2.0, 3.0]}))


# ---------------------------------------------------------------- more designs pinned against R
@pytest.mark.parametrize("key", ["clus1", "clus2"])
def test_two_by_columns_against_r(api, key):
    out = design(api, key).mean("api00", by=["stype", "sch.wide"])
    assert len(out) == 6
    for _, row in out.iterrows():
        check(row, R_SURVEY[f"{key}:by2:mean:api00:{row['stype']}.{row['sch.wide']}"])


@pytest.mark.parametrize("key", ["clus1", "clus2"])
def test_ratio_by_domain_against_r(api, key):
    for _, row in design(api, key).ratio("api.stu", "enroll", by="stype", na_rm=True).iterrows():
        check(row, R_SURVEY[f"{key}:by:ratio:{row['stype']}"], cols=("estimate", "se"))


def test_ratio_with_missing_numerator_and_denominator_against_r(api):
    df = api["apiclus1"].copy()
    df.loc[[0, 4, 8], "api.stu"] = np.nan  # R rows 1, 5, 9
    df.loc[19, "enroll"] = np.nan  # R row 20
    d = SurveyDesign(df, psu="dnum", weights="pw", fpc="fpc")
    with pytest.raises(DataError, match=r"'api.stu/enroll' has 4 missing"):
        d.ratio("api.stu", "enroll")
    check(d.ratio("api.stu", "enroll", na_rm=True).iloc[0], R_SURVEY["na_ratio:ratio"], cols=("estimate", "se"))


def test_nest_against_r(api):
    d = SurveyDesign(api["apistrat"], psu="dnum", strata="stype", weights="pw", nest=True)
    check(d.mean("api00").iloc[0], R_SURVEY["nest:mean:api00"])
    assert d.degf == R_SURVEY["nest:degf"][0]
    with pytest.raises(DesignError, match="pass nest=True"):
        SurveyDesign(api["apistrat"], psu="dnum", strata="stype", weights="pw")


def test_two_stage_fpc_as_fractions_against_r(api):
    df = api["apiclus2"].copy()
    df["f1"] = 40 / df["fpc1"]
    df["f2"] = df.groupby("dnum")["dnum"].transform("size") / df["fpc2"]
    d = SurveyDesign(df, psu=["dnum", "snum"], fpc=["f1", "f2"])
    check(d.mean("api00").iloc[0], R_SURVEY["frac2:mean:api00"])
    w = d.weights.to_numpy()
    np.testing.assert_allclose([w.sum(), *w[:3]], R_SURVEY["frac2:weights"], rtol=RTOL)


@pytest.mark.parametrize("option", ["remove", "adjust", "certainty"])
def test_lonely_second_stage_and_stratified_two_stage_against_r(api, option):
    df = api["apiclus2"].copy()
    n2 = df.groupby("dnum")["dnum"].transform("size")
    df["fpc2"] = np.where(n2 == 1, df["fpc2"] + 3, df["fpc2"])  # single sampled schools are now lonely SSUs
    d3 = SurveyDesign(df, psu=["dnum", "snum"], fpc=["fpc1", "fpc2"], lonely_psu=option)
    check(d3.mean("api00").iloc[0], R_SURVEY[f"ssu_lonely:{option}"], cols=("estimate", "se"))
    df4 = api["apiclus2"].copy()
    df4["st"] = np.where(df4["dnum"] == 15, "A", np.where(df4["dnum"] < 400, "B", "C"))
    d4 = SurveyDesign(df4, psu=["dnum", "snum"], strata="st", fpc=["fpc1", "fpc2"], lonely_psu=option)
    check(d4.mean("api00").iloc[0], R_SURVEY[f"strat2_lonely:{option}"], cols=("estimate", "se"))
    if option == "remove":
        with pytest.raises(LonelyPSUError, match="has only one SSU"):
            SurveyDesign(df, psu=["dnum", "snum"], fpc=["fpc1", "fpc2"]).mean("api00")
        # R returns the estimate with a NaN SE here; so does campaign_me, with a note and one warning
        avg = SurveyDesign(df, psu=["dnum", "snum"], fpc=["fpc1", "fpc2"], lonely_psu="average")
        with pytest.warns(EstimationWarning, match=r"1 of 1 row.*'average' has no other unit"):
            row = avg.mean("api00").iloc[0]
        np.testing.assert_allclose(row.estimate, R_SURVEY[f"ssu_lonely:{option}"][0], rtol=RTOL)
        assert np.isnan(row.se) and np.isnan(row.ci_low) and "single sampled SSU" in row.note


# ---------------------------------------------------------------- nullable dtypes, as load_survey returns
def test_nullable_columns_with_missing_values(api):
    df = api["apiclus1"].copy()
    df["s"] = df["stype"].astype("string")
    df.loc[3, "s"] = pd.NA
    df["b"] = (df["api00"] > 600).astype("boolean")
    df.loc[5, "b"] = pd.NA
    df["y"] = df["api00"].astype("Int64")
    df.loc[7, "y"] = pd.NA
    d = SurveyDesign(df, psu="dnum", weights="pw", fpc="fpc")
    by = d.mean("api00", by="s")
    assert by["n"].sum() == len(df) - 1  # the row with a missing domain belongs to no domain
    # a string column with NA: proportions among those who answered equal those of the subset
    prop = d.proportion("s", na_rm=True).set_index("category")
    ref = d.subset(df["s"].notna()).proportion("stype").set_index("category")
    np.testing.assert_allclose(prop["estimate"], ref["estimate"])
    np.testing.assert_allclose(prop["se"], ref["se"])
    assert d.proportion("b", na_rm=True, by="stype")["n"].sum() == len(df) - 1
    full = SurveyDesign(api["apiclus1"], psu="dnum", weights="pw", fpc="fpc").subset(df["y"].notna()).mean("api00")
    np.testing.assert_allclose(d.mean("y", na_rm=True)["se"], full["se"])


def test_interval_at_zero_is_exact_binomial_not_degenerate(api):
    # no school with sch.wide == "No" won an award: p = 0 and the linearised variance is 0. R gives NaN
    # (beta) here; campaign_me falls back to Clopper-Pearson on the n respondents: the upper bound of
    # 0 of n is 1 - (alpha/2)^(1/n) (closed form)
    d = design(api, "clus1")
    d.data["aw"] = d.data["awards"] == "Yes"
    sub = d.subset(d.data["sch.wide"] == "No")
    for method in ("logit", "korn-graubard"):
        row = sub.proportion("aw", method=method).iloc[0]
        assert row.estimate == 0 and row.ci_low == 0
        np.testing.assert_allclose(row.ci_high, 1 - 0.025 ** (1 / row.n))


# ---------------------------------------------------------------- argument errors are campaign_me errors
@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda d: d.subset(d.data["api00"]), r"must be True/False per row \(dtype int64\)"),
        (lambda d: d.subset("stype"), r"column 'stype' must be True/False"),
        (lambda d: d.subset(d.data["stype"].eq("E").iloc[:10]), "index does not match"),
        (lambda d: d.mean("api00", level="0.9"), "level='0.9'"),
        (lambda d: d.mean(3), "give a column name or a list of column names, got 3"),
        (lambda d: d.mean("api00", df="a"), "df='a'"),
        (lambda d: d.mean("api00", by=5), "by: give a column name"),
    ],
)
def test_bad_arguments(api, call, match):
    with pytest.raises(DataError, match=match):
        call(design(api, "clus1"))


def test_infinite_values_are_an_error(api):
    d = design(api, "clus1")
    d.data["y"] = d.data["api00"].astype(float)
    d.data.loc[2, "y"] = np.inf
    with pytest.raises(DataError, match=r"'y' has infinite values in row 2"):
        d.mean("y")


def test_summary_and_repr(api):
    d = design(api, "strat")
    summ = d.summary().set_index("stratum")
    # apistrat: 100 elementary, 50 high, 50 middle schools; N_h = 4421, 755, 1018 (the fpc column)
    assert summ["n"].tolist() == [100, 50, 50]
    np.testing.assert_allclose(summ["sampling_fraction"], [100 / 4421, 50 / 755, 50 / 1018])
    np.testing.assert_allclose(summ["sum_weights"], [4421, 755, 1018], rtol=1e-6)
    sub = d.subset(d.data["stype"] != "H")
    assert sub.summary().set_index("stratum").loc["H", "n"] == 0
    assert "strata=3" in repr(d) and "domain subset" in repr(sub)


def test_skip_pattern_domain_gets_a_note_not_an_error(api):
    """A variable entirely missing in one domain (a skip pattern): that row is NaN with a note."""
    d = design(api, "clus1")
    d.data["y"] = np.where(d.data["stype"] == "H", np.nan, d.data["enroll"])
    full = d.total("enroll", by="stype", na_rm=True).set_index("stype")
    for method in ("total", "mean"):
        with pytest.warns(EstimationWarning, match=r"1 of 3 row.*stype='H'.*no non-missing values of 'y'"):
            out = getattr(d, method)("y", by="stype", na_rm=True).set_index("stype")
        assert np.isnan(out.loc["H", ["estimate", "se", "ci_low", "ci_high"]].astype(float)).all()
        assert out.loc["H", "n"] == 0 and out.loc["E", "note"] == ""
    # the other rows are unaffected: the same as the totals of enroll (identical values there)
    with pytest.warns(EstimationWarning):
        tot = d.total("y", by="stype", na_rm=True).set_index("stype")
    np.testing.assert_allclose(tot.loc[["E", "M"], ["estimate", "se"]], full.loc[["E", "M"], ["estimate", "se"]])


# ---------------------------------------------------------------- API other modules build on
def test_with_columns_keeps_structure_and_subset(api):
    d = design(api, "clus1")
    sub = d.subset(d.data["stype"] == "E")
    gain = sub.data["api00"] - sub.data["api99"]
    sub2 = sub.with_columns(gain=gain, gain_arr=gain.to_numpy())
    assert "gain" not in d.data.columns  # the original design and data are unchanged
    a = sub2.mean("gain").iloc[0]
    b = sub2.mean("gain_arr").iloc[0]
    ref = d.subset(d.data["stype"] == "E").with_columns(gain=gain).mean("gain").iloc[0]
    np.testing.assert_allclose([a.estimate, a.se], [b.estimate, b.se], rtol=1e-12)
    np.testing.assert_allclose([a.estimate, a.se], [ref.estimate, ref.se], rtol=1e-12)
    # a shuffled Series is aligned on the index
    shuffled = gain.sample(frac=1.0, random_state=1)
    c = sub.with_columns(gain=shuffled).mean("gain").iloc[0]
    np.testing.assert_allclose([c.estimate, c.se], [a.estimate, a.se], rtol=1e-12)
    with pytest.raises(DataError, match="design column"):
        d.with_columns(pw=1.0)
    with pytest.raises(DataError, match="expected 183 values"):
        d.with_columns(x=[1, 2])
    with pytest.raises(DataError, match="does not match the data's index"):
        d.with_columns(x=gain.iloc[:5])


def test_structure_and_column_properties(api):
    d = design(api, "clus2")
    assert (d.psu, d.fpc, d.strata, d.weights_column) == (["dnum", "snum"], ["fpc1", "fpc2"], None, None)
    st = d.structure()
    assert list(st.columns) == ["stratum", "psu", "ssu", "psu_in_stratum", "stage1_fpc", "weight"]
    assert st["psu"].nunique() == 40 and st["ssu"].nunique() == len(api["apiclus2"][["dnum", "snum"]].drop_duplicates())
    # apiclus2: 40 of 757 districts, (757 - 40) / 757
    np.testing.assert_allclose(st["stage1_fpc"], (757 - 40) / 757)
    nested = SurveyDesign(api["apistrat"], psu="dnum", strata="stype", weights="pw", nest=True).structure()
    # psu codes are unique across strata: as many as distinct (stype, dnum) pairs
    assert nested["psu"].nunique() == len(api["apistrat"][["stype", "dnum"]].drop_duplicates())


# ---------------------------------------------------------------- domain tables never sink (issue 6)
from .reference.survey_domains_reference import R_DOMAINS  # noqa: E402

SINGLE_PSU_COUNTIES = [k.rsplit(":", 1)[1] for k, v in R_DOMAINS.items() if k.startswith("clus1:cname_npsu:") and v[0] == 1]


def test_single_psu_domains_against_r(api):
    """svyby(~api00, ~cname, dclus1) returns all 11 rows; 8 counties lie in one district (PSU).

    R prints se = 0 or 1e-15 there (float noise); campaign_me gives the estimate, NaN where no
    between-PSU variation exists (detected from the design, not from the float), and a note.
    """
    d = design(api, "clus1")
    assert len(SINGLE_PSU_COUNTIES) == 8
    with pytest.warns(EstimationWarning, match=r"mean: 8 of 11 row\(s\).*cname='Alameda'.*single PSU") as rec:
        out = d.mean("api00", by="cname").set_index("cname")
    assert len(rec) == 1  # one warning for the table
    assert len(out) == 11
    for county, row in out.iterrows():
        ref = R_DOMAINS[f"clus1:by_cname:mean:api00:{county}"]
        np.testing.assert_allclose(row.estimate, ref[0], rtol=RTOL)
        if county in SINGLE_PSU_COUNTIES:
            assert np.isnan([row.se, row.ci_low, row.ci_high, row.deff]).all() and "single PSU" in row.note
        else:
            np.testing.assert_allclose([row.se, row.deff], ref[1:], rtol=RTOL)
            assert row.note in ("", low_df_note(row.df)) and row.ci_low < row.estimate < row.ci_high
            assert row.df == R_DOMAINS[f"clus1:cname_npsu:{county}"][0] - 1
    # subset() of such a county says the same
    with pytest.warns(EstimationWarning, match="single PSU"):
        sub = d.subset(d.data["cname"] == "Kern").mean("api00").iloc[0]
    assert np.isnan(sub.se) and sub.estimate == pytest.approx(452.5)


def test_single_psu_totals_keep_their_se_against_r(api):
    """A total is not centred within its domain: its between-PSU variance exists (R's SE), only df = 0."""
    d = design(api, "clus1")
    with pytest.warns(EstimationWarning, match=r"total: 8 of 11 row\(s\).*0 degrees of freedom"):
        out = d.total("enroll", by="cname").set_index("cname")
    for county, row in out.iterrows():
        np.testing.assert_allclose(
            [row.estimate, row.se, row.deff], R_DOMAINS[f"clus1:by_cname:total:enroll:{county}"], rtol=RTOL
        )
        if county in SINGLE_PSU_COUNTIES:
            assert row.df == 0 and np.isnan(row.ci_low) and "df='design'" in row.note
    # with the design's degrees of freedom every row has an interval, and nothing to warn about
    design_df = d.total("enroll", by="cname", df="design")
    assert (design_df["df"] == 14).all() and design_df["ci_low"].notna().all() and (design_df["note"] == "").all()


def test_single_psu_ratio_and_proportion_tables_do_not_sink(api):
    d = design(api, "clus1")
    with pytest.warns(EstimationWarning, match=r"ratio: 8 of 11"):
        rat = d.ratio("api.stu", "enroll", by="cname").set_index("cname")
    for county, row in rat.iterrows():
        ref = R_DOMAINS[f"clus1:by_cname:ratio:{county}"]
        np.testing.assert_allclose(row.estimate, ref[0], rtol=RTOL)
        if county not in SINGLE_PSU_COUNTIES:
            np.testing.assert_allclose(row.se, ref[1], rtol=RTOL)
    d.data["aw"] = d.data["awards"] == "Yes"
    with pytest.warns(EstimationWarning, match="proportion: 8 of 11"):
        prop = d.proportion("aw", by="cname", method="korn-graubard")
    interval = (prop["note"] == "") | prop["note"].str.startswith(LOW_DF_NOTE)
    assert prop["estimate"].notna().all() and (prop["ci_low"].notna() == interval).all()


def test_df_design_against_r(api):
    """df='design': the whole design's df (Stata subpop()/SUDAAN); R confint(svyby(...), df=degf(dclus1))."""
    d = design(api, "clus1")
    own = d.mean("api00", by="stype").set_index("stype")
    full = d.mean("api00", by="stype", df="design").set_index("stype")
    for s in "EHM":
        assert own.loc[s, "df"] == R_DOMAINS[f"clus1:degf_domain:{s}"][0]
        assert full.loc[s, "df"] == 14
        np.testing.assert_allclose(
            full.loc[s, ["ci_low", "ci_high"]].astype(float), R_DOMAINS[f"clus1:by_stype:ci_design_df:{s}"], rtol=RTOL
        )
    # fewer df, wider interval: H has 7 own df against the design's 14
    assert own.loc["H", "ci_high"] - own.loc["H", "ci_low"] > full.loc["H", "ci_high"] - full.loc["H", "ci_low"]
    # on a subset the design's df ignore the subset
    sub = d.subset(d.data["stype"] == "H")
    assert sub.mean("api00", df="design")["df"].iloc[0] == 14 and sub.mean("api00")["df"].iloc[0] == 7
    with pytest.raises(DataError, match="df='full'"):
        d.mean("api00", df="full")


@pytest.mark.parametrize("option", ["average", "remove", "adjust", "certainty"])
def test_every_stratum_lonely_against_r(api, option):
    """svydesign(id=~dnum, strata=~dnum, ...): each stratum one PSU, degf 0. R gives the estimate always."""
    d = SurveyDesign(api["apiclus1"], psu="dnum", strata="dnum", weights="pw", lonely_psu=option)
    ref = R_DOMAINS[f"all_lonely:{option}:mean:api00"]
    with pytest.warns(EstimationWarning) as rec:
        row = d.mean("api00").iloc[0]
    assert len(rec) == 1
    np.testing.assert_allclose(row.estimate, ref[0], rtol=RTOL)
    if option == "average":  # R: NaN
        assert np.isnan(row.se) and "nothing to average" in row.note
    else:
        np.testing.assert_allclose(row.se, ref[1], rtol=RTOL, atol=1e-12)
        assert row.df == 0 and np.isnan(row.ci_low) and "0 degrees of freedom" in row.note
    if option == "adjust":  # a normal interval on request
        inf = d.mean("api00", df=np.inf).iloc[0]
        np.testing.assert_allclose(inf.ci_high - inf.estimate, 1.959963984540054 * ref[1], rtol=RTOL)


def test_constant_and_one_row_deff_against_r(api):
    d = design(api, "clus1").with_columns(one=1.0)
    row = d.mean("one").iloc[0]
    ref = R_DOMAINS["clus1:mean:one"]  # (1, 0, NaN)
    assert row.estimate == ref[0] and row.se == 0 and np.isnan(row.deff) and row.note == ""
    first = d.data["snum"] == d.data["snum"].iloc[0]
    with pytest.warns(EstimationWarning, match="0 degrees of freedom"):
        tot = d.subset(first).total("enroll").iloc[0]
    np.testing.assert_allclose([tot.estimate, tot.se], R_DOMAINS["clus1:one_row:total:enroll"][:2], rtol=RTOL)
    assert np.isnan(tot.deff)  # R: NaN with deff="replace"


def test_korn_graubard_tiny_variance_and_nchs_cap(api):
    # dstrat: stype is the stratifier, so its proportions have a variance of ~1e-33 (float noise).
    d = design(api, "strat")
    out = d.proportion("stype", method="korn-graubard")
    assert out[["ci_low", "ci_high"]].notna().all().all()
    assert ((out["ci_low"] <= out["estimate"] + 1e-9) & (out["estimate"] <= out["ci_high"] + 1e-9)).all()
    # NCHS cap (Parker et al. 2017): n_eff = min(p(1-p)/var, n), then Korn-Graubard's df adjustment;
    # closed form with scipy's beta quantiles
    d.data["yes"] = d.data["sch.wide"] == "Yes"
    row = d.proportion("yes", method="korn-graubard", neff_cap=True).iloc[0]
    p, n, df = row.estimate, row.n, row.df
    neff = min(p * (1 - p) / row.se**2, n) * (stats.t.ppf(0.025, 199) / stats.t.ppf(0.025, df)) ** 2
    np.testing.assert_allclose(
        [row.ci_low, row.ci_high],
        [stats.beta.ppf(0.025, neff * p, neff * (1 - p) + 1), stats.beta.ppf(0.975, neff * p + 1, neff * (1 - p))],
        rtol=1e-12,
    )
    uncapped = d.proportion("yes", method="korn-graubard").iloc[0]
    assert p * (1 - p) / row.se**2 > n  # deff < 1 here, so the cap binds and the interval widens
    assert row.ci_high - row.ci_low > uncapped.ci_high - uncapped.ci_low


# ---------------------------------------------------------------- from_codebook and messages in file lines (issue 12)
def test_from_codebook_takes_the_declared_design(tmp_path):
    root = Path(__file__).resolve().parents[1] / "data" / "samples"
    cb_path = root / "codebook.yaml"
    data = load_survey(root / "aroland" / "survey_endline.csv", cb_path)
    cb = Codebook.from_yaml(cb_path)
    explicit = SurveyDesign(data, weights=cb.weight, strata=cb.strata, psu=cb.psu)
    for source in (cb, cb_path, str(cb_path)):
        d = SurveyDesign.from_codebook(data, source)
        assert (d.weights_column, d.strata, d.psu) == ("weight", "stratum", "psu")
        pd.testing.assert_frame_equal(d.structure(), explicit.structure())
    # overrides win; None removes an entry
    d = SurveyDesign.from_codebook(data, cb, strata=None, lonely_psu="adjust")
    assert d.strata is None and d.lonely_psu == "adjust" and d.psu == "psu"
    with pytest.raises(DesignError, match=r"declares weight: 'weight', but the data has no column 'weight'"):
        SurveyDesign.from_codebook(data.drop(columns="weight"), cb)
    with pytest.raises(DesignError, match="unknown argument"):
        SurveyDesign.from_codebook(data, cb, weight="weight")
    with pytest.raises(DesignError, match="must be a Codebook"):
        SurveyDesign.from_codebook(data, 3)


def test_messages_name_index_labels_and_file_lines():
    df = pd.DataFrame({"y": [1.0, 2.0, np.nan, 4.0, np.nan], "w": [1.0, 1.0, 1.0, -1.0, 1.0]})
    with pytest.raises(DesignError, match=r"'w'.*line 5:"):
        SurveyDesign(df.set_index(pd.RangeIndex(2, 7, name="line")), weights="w")
    ok = df.assign(w=1.0).set_index(pd.Index([10, 11, 12, 13, 14], name="line"))
    with pytest.raises(DataError, match=r"2 missing value\(s\) in the estimation rows \(lines 12, 14\)"):
        SurveyDesign(ok, weights="w").mean("y")
    labelled = df.assign(w=1.0).set_index(pd.Index(list("abcde")))
    with pytest.raises(DataError, match=r"\(rows c, e\)"):
        SurveyDesign(labelled, weights="w").mean("y")


def test_result_prints_every_column_in_a_narrow_terminal(api):
    out = design(api, "clus1").mean("api00", by="stype")
    with pd.option_context("display.width", 80, "display.max_columns", 0):
        text = repr(out)
    assert "ci_low" in text and "ci_high" in text and "..." not in text
    # anything derived is an ordinary DataFrame; the tidy columns are unchanged
    assert type(out.round(2)) is pd.DataFrame and type(out[["estimate"]]) is pd.DataFrame
    assert isinstance(out, pd.DataFrame)


# ---------------------------------------------------------------- issue 19: one estimation loop
def test_constant_domain_screen_by_domain(api):
    """The constant-domain screen of the estimation loop: a domain whose values are all equal has
    variance exactly 0 (closed form: every centred score is 0), whatever rounding leaves in its
    scores; the other domains are estimated as usual (their numbers are R's, checked above)."""
    d = design(api, "clus1")
    y = np.where(d.data["stype"] == "H", 700.25, d.data["api00"].to_numpy(float))
    tab = d.with_columns(y=y).mean("y", by="stype").set_index("stype")
    assert tab.loc["H", "estimate"] == 700.25 and tab.loc["H", "se"] == 0 and np.isnan(tab.loc["H", "deff"])
    assert tab.loc["H", "note"] == ""
    assert (tab.loc[["E", "M"], "se"] > 0).all()
    # E and M are untouched: the same numbers as api00 by stype
    ref = d.mean("api00", by="stype").set_index("stype")
    np.testing.assert_allclose(tab.loc[["E", "M"], ["estimate", "se"]], ref.loc[["E", "M"], ["estimate", "se"]])


def test_settings_give_level_and_df_and_explicit_keywords_win(api):
    d = design(api, "clus1")
    for fn in (lambda **k: d.mean("api00", by="stype", **k), lambda **k: d.total("enroll", **k),
               lambda **k: d.ratio("api00", "api99", **k), lambda **k: d.proportion("sch.wide", **k)):
        via = fn(settings=Reporting(level=0.9, df="design"))
        pd.testing.assert_frame_equal(via, fn(level=0.9, df="design"))
        pd.testing.assert_frame_equal(fn(settings=Reporting(level=0.9), level=0.8), fn(level=0.8))
        pd.testing.assert_frame_equal(fn(), fn(level=0.95))  # the default is conventions.LEVEL
    with pytest.raises(ValueError, match="settings="):
        d.mean("api00", settings={"level": 0.9})


def test_from_codebook_reads_any_object_with_the_design_fields(api):
    """The design (Core) does not import the codebook (Data): it reads weight, strata and psu."""
    data = api["apiclus1"]
    d = SurveyDesign.from_codebook(data, SimpleNamespace(weight="pw", strata=None, psu="dnum"))
    assert (d.weights_column, d.strata, d.psu) == ("pw", None, "dnum")
    with pytest.raises(DesignError, match="from_codebook: codebook must be a Codebook"):
        SurveyDesign.from_codebook(data, {"weight": "pw"})


def test_from_codebook_reads_a_path_before_anything_imported_the_codebook_module():
    # A fresh interpreter where only the design is imported (data from pandas.read_csv): the
    # codebook path must still be read (the design loads the Data layer's reader on demand).
    code = (
        "import sys, pandas as pd\n"
        "from campaign_me.design import SurveyDesign\n"
        "assert 'campaign_me.codebook' not in sys.modules\n"
        f"df = pd.read_csv({str(SAMPLES / 'aroland' / 'survey_baseline.csv')!r})\n"
        f"d = SurveyDesign.from_codebook(df, {str(SAMPLES / 'codebook.yaml')!r})\n"
        "print(d.psu, d.strata)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
