"""Degrees of freedom that say how much an interval rests on (the default ``df=None``).

Reference values are closed forms of the Satterthwaite (1946) approximation over strata,
nu = (sum_h c_h)^2 / sum_h (c_h^2 / (n_h - 1)), with c_h each stratum's contribution to the
variance (Korn & Graubard 1999, Analysis of Health Surveys, section 5.2), computed here by hand
from the textbook stratified-sampling variance (Cochran 1977, eq. 5.6 with the with-replacement
factor n_h/(n_h - 1)); coverage is measured in benchmarks/sim_domain_df.py.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from campaign_me import EstimationWarning, SurveyDesign
from campaign_me.design import LOW_DF, LOW_DF_NOTE


def stratified(values_a, values_b, weights_a=None, weights_b=None):
    a, b = np.asarray(values_a, float), np.asarray(values_b, float)
    wa = np.ones(len(a)) if weights_a is None else np.asarray(weights_a, float)
    wb = np.ones(len(b)) if weights_b is None else np.asarray(weights_b, float)
    return pd.DataFrame({"h": ["A"] * len(a) + ["B"] * len(b), "y": np.r_[a, b], "w": np.r_[wa, wb]})


def hand_satterthwaite(df: pd.DataFrame) -> float:
    """Satterthwaite df of the weighted mean's linearisation variance, element sampling in strata."""
    w, y = df["w"].to_numpy(), df["y"].to_numpy()
    ybar = (w * y).sum() / w.sum()
    z = w * (y - ybar) / w.sum()
    contrib, dfs = [], []
    for h in df["h"].unique():
        zh = z[df["h"].to_numpy() == h]
        n = len(zh)
        contrib.append(n / (n - 1) * ((zh - zh.mean()) ** 2).sum())
        dfs.append(n - 1)
    c, d = np.array(contrib), np.array(dfs)
    return c.sum() ** 2 / (c**2 / d).sum()


def test_constant_stratum_leaves_the_other_strata_df():
    # stratum B contributes nothing: the variance rests on stratum A alone, n_A - 1 = 4
    df = stratified([3.0, 5.0, 4.0, 9.0, 1.0], [2.0] * 30)
    row = SurveyDesign(df, weights="w", strata="h").mean("y").iloc[0]
    assert row["df"] == pytest.approx(4.0, rel=1e-12)
    assert SurveyDesign(df, weights="w", strata="h").mean("y", df="degf").iloc[0]["df"] == 33


def test_equal_contributions_keep_every_df():
    # stratum B is stratum A again: equal contributions, so the Satterthwaite df is sum(n_h - 1)
    a = [3.0, 5.0, 4.0, 9.0, 1.0, 7.0]
    row = SurveyDesign(stratified(a, a), weights="w", strata="h").mean("y").iloc[0]
    assert row["df"] == pytest.approx(10.0, rel=1e-12)


def test_unequal_contributions_match_the_hand_formula():
    rng = np.random.default_rng(11)
    df = stratified(rng.normal(0, 5, 6), rng.normal(1, 1, 40), rng.uniform(1, 3, 6), rng.uniform(1, 3, 40))
    row = SurveyDesign(df, weights="w", strata="h").mean("y").iloc[0]
    expected = hand_satterthwaite(df)
    assert 5 <= expected < 44
    assert row["df"] == pytest.approx(expected, rel=1e-10)
    # the interval uses it: estimate +/- t(0.975, df) * se
    half = stats.t.ppf(0.975, expected) * row["se"]
    assert row["ci_high"] - row["estimate"] == pytest.approx(half, rel=1e-10)


def certainty_district():
    """A district holding a certainty village (15 households as PSUs) and 2 sampled villages."""
    rng = np.random.default_rng(5)
    rows = []
    for i in range(15):
        rows.append(("cert", f"hh{i}", 20.0, float(rng.random() < 0.45)))
    for v, share in (("V1", 0.1), ("V2", 0.8)):
        for _ in range(12):
            rows.append(("villages", v, 40.0, float(rng.random() < share)))
    return pd.DataFrame(rows, columns=["stratum", "psu", "w", "y"]).assign(district="D1")


def test_certainty_village_district_gets_about_one_df_and_says_so():
    d = SurveyDesign(certainty_district(), weights="w", strata="stratum", psu="psu")
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimationWarning)  # a low df is said in note, not warned
        row = d.mean("y", by="district").iloc[0]
    degf = d.mean("y", by="district", df="degf").iloc[0]
    assert degf["df"] == 15  # 17 PSUs minus 2 strata: R's degf
    assert 1 <= row["df"] < 1.5  # the two villages carry the variance
    assert row["note"].startswith(LOW_DF_NOTE) and f"({row['df']:.1f})" in row["note"]
    assert row["ci_high"] - row["ci_low"] > 3 * (degf["ci_high"] - degf["ci_low"])
    # proportions and the indicator tables carry the same df
    p = d.proportion("y", by="district").iloc[0]
    assert p["df"] == pytest.approx(row["df"], rel=1e-12)


def test_low_df_note_threshold_and_ordinary_rows():
    a = [3.0, 5.0, 4.0, 9.0, 1.0, 7.0]
    row = SurveyDesign(stratified(a, a), weights="w", strata="h").mean("y").iloc[0]
    assert row["df"] >= LOW_DF and row["note"] == ""
    small = SurveyDesign(stratified([1.0, 4.0, 2.0], [2.0] * 5), weights="w", strata="h").mean("y").iloc[0]
    assert small["df"] == pytest.approx(2.0) and small["note"].startswith(LOW_DF_NOTE)


def test_df_options_are_checked():
    d = SurveyDesign(certainty_district(), weights="w", strata="stratum", psu="psu")
    with pytest.raises(Exception, match="'degf', 'design'"):
        d.mean("y", df="domain")
    assert d.mean("y", df="design").iloc[0]["df"] == 15
    assert d.mean("y", df=7).iloc[0]["df"] == 7
