"""campaign_me.contrasts.difference: differences of independent estimates."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from campaign_me.contrasts import DIFFERENCE_COLUMNS, difference
from campaign_me.conventions import Reporting
from campaign_me.errors import CampaignMeError, ColumnError, DataError


def test_closed_form_normal():
    # by hand: 0.40 - 0.35 = 0.05, sqrt(0.02^2 + 0.015^2) = 0.025, z = 2, p = 2(1 - Phi(2)) = 0.0455003
    out = difference({"estimate": 0.40, "se": 0.02}, {"estimate": 0.35, "se": 0.015})
    row = out.iloc[0]
    assert row["estimate"] == pytest.approx(0.05)
    assert row["se"] == pytest.approx(0.025)
    assert row["statistic"] == pytest.approx(2.0)
    assert row["p_value"] == pytest.approx(0.0455002638963584, rel=1e-9)
    assert row["ci_low"] == pytest.approx(0.05 - 1.959963984540054 * 0.025)
    assert np.isinf(row["df"])
    assert list(out.columns) == list(DIFFERENCE_COLUMNS)


def test_satterthwaite_reproduces_welch():
    # Independent reference: scipy's Welch t test on two simple random samples; with se = s/sqrt(n)
    # and df = n - 1 the Satterthwaite difference is Welch's test.
    rng = np.random.default_rng(7)
    x, y = rng.normal(52, 10, 40), rng.normal(47, 16, 25)
    a = {"estimate": x.mean(), "se": x.std(ddof=1) / np.sqrt(40), "df": 39}
    b = {"estimate": y.mean(), "se": y.std(ddof=1) / np.sqrt(25), "df": 24}
    out = difference(a, b, level=0.9).iloc[0]
    welch = stats.ttest_ind(x, y, equal_var=False)
    ci = welch.confidence_interval(0.9)
    assert out["statistic"] == pytest.approx(welch.statistic, rel=1e-10)
    assert out["p_value"] == pytest.approx(welch.pvalue, rel=1e-10)
    assert out["df"] == pytest.approx(welch.df, rel=1e-10)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)


def test_min_df_and_fixed_df():
    a = pd.DataFrame({"estimate": [10.0], "se": [2.0], "df": [30]})
    b = pd.DataFrame({"estimate": [4.0], "se": [1.0], "df": [12]})
    assert difference(a, b, df_method="min")["df"].iloc[0] == 12
    out = difference(a, b, df=20).iloc[0]
    assert out["df"] == 20
    # t(0.975, 20) = 2.085963447
    assert out["ci_high"] == pytest.approx(6 + 2.0859634472658644 * np.sqrt(5))


def test_pairs_on_keys_and_keeps_unmatched():
    a = pd.DataFrame(
        {
            "indicator": ["x", "y", "z"],
            "sex": ["f", "f", "m"],
            "estimate": [3.0, 5.0, 1.0],
            "se": [1.0, 1.0, 1.0],
        }
    )
    b = pd.DataFrame({"indicator": ["y", "x"], "sex": ["f", "f"], "estimate": [1.0, 1.0], "se": [0.0, 1.0]})
    out = difference(a, b, on=["indicator", "sex"]).set_index("indicator")
    assert out.loc["x", "estimate"] == 2.0 and out.loc["x", "se"] == pytest.approx(np.sqrt(2))
    assert out.loc["y", "estimate"] == 4.0 and out.loc["y", "se"] == 1.0
    assert np.isnan(out.loc["z", "estimate"])  # no baseline: missing, not dropped


def test_missing_input_gives_missing_result():
    out = difference(
        pd.DataFrame({"estimate": [np.nan], "se": [np.nan]}), pd.DataFrame({"estimate": [1.0], "se": [0.1]})
    )
    assert out[["estimate", "se", "ci_low", "p_value"]].isna().all(axis=None)


@pytest.mark.parametrize(
    "kwargs, a, b, error, text",
    [
        (
            {},
            pd.DataFrame({"estimate": [1.0, 2.0], "se": [1.0, 1.0]}),
            pd.DataFrame({"estimate": [1.0], "se": [1.0]}),
            DataError,
            "pass on=",
        ),
        (
            {},
            pd.DataFrame({"estimate": [1.0]}),
            pd.DataFrame({"estimate": [1.0], "se": [1.0]}),
            ColumnError,
            "'se'",
        ),
        ({"level": 95}, {"estimate": 1.0, "se": 1.0}, {"estimate": 1.0, "se": 1.0}, DataError, "level"),
        (
            {"df_method": "welch"},
            {"estimate": 1.0, "se": 1.0},
            {"estimate": 1.0, "se": 1.0},
            DataError,
            "satterthwaite",
        ),
        (
            {"on": "k"},
            pd.DataFrame({"k": [1, 1], "estimate": [1.0, 2.0], "se": [1.0, 1.0]}),
            pd.DataFrame({"k": [1], "estimate": [1.0], "se": [1.0]}),
            DataError,
            "uniquely",
        ),
        ({}, {"estimate": "high", "se": 1.0}, {"estimate": 1.0, "se": 1.0}, DataError, "non-numbers"),
        ({}, [1, 2], {"estimate": 1.0, "se": 1.0}, DataError, "expected a DataFrame"),
    ],
)
def test_bad_input(kwargs, a, b, error, text):
    with pytest.raises(error, match=text) as info:
        difference(a, b, **kwargs)
    assert isinstance(info.value, CampaignMeError)


def test_level_as_numpy_number_or_settings():
    a, b = {"estimate": 0.40, "se": 0.02}, {"estimate": 0.35, "se": 0.015}
    # no df columns: a normal interval; z(0.95) = 1.6448536 (any normal table), se = sqrt(0.02^2 + 0.015^2)
    for kwargs in ({"level": np.float32(0.9)}, {"settings": Reporting(level=0.9)}):
        out = difference(a, b, **kwargs)
        assert out["ci_low"].iloc[0] == pytest.approx(0.05 - 1.6448536 * 0.025, rel=1e-6)
    # settings.df as a number sets the df; an explicit df wins over it
    assert difference(a, b, settings=Reporting(df=12))["df"].iloc[0] == 12
    assert difference(a, b, df=30, settings=Reporting(df=12))["df"].iloc[0] == 30
    with pytest.raises(DataError, match="did you mean 'satterthwaite'"):
        difference(a, b, df_method="satterthwait")
    with pytest.raises(DataError, match="did you mean 'panel'"):
        difference(a, b, rounds="panels")
