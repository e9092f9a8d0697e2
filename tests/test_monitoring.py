"""Dissemination monitoring: delivery, platform metrics, people reached and cost, with closed-form checks."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_me import Codebook, SurveyDesign, monitoring, scales, synth
from campaign_me.conventions import Reporting
from campaign_me.errors import CampaignMeError, ColumnError, DataError
from campaign_me.intake import load_survey
from campaign_me.monitoring import (
    ReachSumError,
    cost_per_outcome_change,
    cost_per_person_reached,
    delivery,
    format_effect,
    funnel,
    people_reached,
    platform_summary,
    spillover,
    total_reach,
)

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture
def log():
    return pd.DataFrame({
        "channel": ["event", "event", "event", "radio", "radio"],
        "district": ["D1", "D1", "D2", "D1", "D2"],
        "date": ["2025-03-02", "2025-04-10", "2025-03-20", "2025-03-05", "2025-04-01"],
        "planned": [1, 1, 1, 1, 1],
        "delivered": [1, 0, 1, 1, 1],
        "attendance": [40, 0, 60, 0, 0],
        "cost": [900.0, 0.0, 1100.0, 35.0, 40.0],
    })


@pytest.fixture
def daily():
    # two platforms x two districts x two days; district B is outside the targeting
    return pd.DataFrame({
        "date": ["d1", "d1", "d2", "d2"] * 2,
        "platform": ["fb"] * 4 + ["tt"] * 4,
        "district": ["A", "B", "A", "B"] * 2,
        "targeted": [1, 0, 1, 0] * 2,
        "impressions": [1000, 100, 3000, 100, 500, 0, 500, 0],
        "reach": [800, 90, 2000, 80, 400, 0, 300, 0],
        "clicks": [10, 1, 29, 0, 4, 0, 6, 0],
        "engagements": [20, 2, 58, 0, 9, 0, 11, 0],
        "spend": [5.0, 0.5, 14.5, 0.5, 2.0, 0.0, 2.5, 0.0],
    })


# ---- delivery -------------------------------------------------------------------------------------------------
def test_delivery_by_channel_by_hand(log):
    t = delivery(log).set_index("channel")
    assert t.loc["event", "planned"] == 3 and t.loc["event", "delivered"] == 2
    assert t.loc["event", "delivery_rate"] == pytest.approx(2 / 3)
    assert t.loc["event", "attendance"] == 100
    assert t.loc["event", "attendance_per_activity"] == pytest.approx(50.0)
    assert t.loc["event", "cost_per_contact"] == pytest.approx(2000 / 100)
    assert t.loc["event", "cost_per_activity"] == pytest.approx(1000.0)
    assert t.loc["radio", "delivery_rate"] == 1.0
    assert np.isnan(t.loc["radio", "cost_per_contact"])  # nobody counted: not applicable
    assert np.isnan(t.loc["radio", "attendance_per_activity"])


def test_delivery_by_channel_district_month(log):
    t = delivery(log, by=["channel", "district", "month"])
    assert list(t.columns[:3]) == ["channel", "district", "month"]
    row = t[(t["channel"] == "event") & (t["district"] == "D1") & (t["month"] == "2025-04")].iloc[0]
    assert row["planned"] == 1 and row["delivered"] == 0 and row["delivery_rate"] == 0
    assert t["planned"].sum() == 5


def test_delivery_on_the_sample_matches_the_plan():
    acts = pd.read_csv(SAMPLES / "aroland" / "activities.csv")
    frame = pd.read_csv(SAMPLES / "aroland" / "frame.csv")
    n_campaign = frame.loc[frame["campaign"] == 1, "district"].nunique()
    t = delivery(acts, by="channel").set_index("channel")
    # synth plans 4 events, 40 radio spots, 60 posters, 30 social posts per campaign district
    for channel, per_district in {"community_event": 4, "radio_spot": 40, "poster": 60, "social_post": 30}.items():
        assert t.loc[channel, "planned"] == per_district * n_campaign
    # delivery rates were drawn between 55 % and 100 % per district and channel
    assert ((t["delivery_rate"] > 0.55) & (t["delivery_rate"] < 1.0)).all()
    # events have 10-100 attendees each
    assert 10 <= t.loc["community_event", "attendance_per_activity"] <= 100
    by_month = delivery(acts, by=["channel", "month"])
    assert by_month.groupby("channel")["delivered"].sum().to_dict() == t["delivered"].to_dict()


def test_delivery_bad_input(log):
    bad = log.assign(delivered=[1, -1, 1, 1, 1])
    with pytest.raises(DataError, match=r"'delivered' has negative values \(-1; row 1\)"):
        delivery(bad)
    with pytest.raises(DataError, match="missing values.*enter 0"):
        delivery(log.assign(cost=[900.0, np.nan, 1100.0, 35.0, 40.0]))
    with pytest.raises(DataError, match="not numbers.*'lots'"):
        delivery(log.assign(attendance=[40, "lots", 60, 0, 0]))
    with pytest.raises(ColumnError, match="did you mean 'channel'"):
        delivery(log, by="chanel")
    with pytest.raises(DataError, match="not YYYY-MM-DD"):
        delivery(log.assign(date=["2025-03-02", "March", "2025-03-20", "2025-03-05", "2025-04-01"]),
                 by="month")
    with pytest.raises(DataError, match=r"not YYYY-MM-DD \(nan; rows 0, 1, 2, 3, 4\)"):
        delivery(log.assign(date=np.nan), by="month")
    with pytest.raises(CampaignMeError):
        delivery(log.to_dict())


# ---- platform metrics --------------------------------------------------------------------------------------------
def test_platform_summary_rates_by_hand(daily):
    s = platform_summary(daily).set_index("platform")
    assert s.loc["fb", "days"] == 2
    assert s.loc["fb", "impressions"] == 4200
    assert s.loc["fb", "ctr"] == pytest.approx(40 / 4200)
    assert s.loc["fb", "engagement_rate"] == pytest.approx(80 / 4200)
    assert s.loc["fb", "cpm"] == pytest.approx(1000 * 20.5 / 4200)
    assert s.loc["fb", "cost_per_click"] == pytest.approx(20.5 / 40)
    assert "reach" not in s.columns  # daily reach is never summed into a period figure


def test_platform_summary_with_period_reach_and_grp(daily):
    period = pd.DataFrame({
        "platform": ["fb", "fb", "tt", "tt"], "district": ["A", "B", "A", "B"], "period": "campaign",
        "impressions": [4000, 200, 1000, 0], "reach": [2500, 150, 500, 0],
    })
    s = platform_summary(daily, period_reach=period, population={"fb": 10_000, "tt": 10_000}).set_index("platform")
    assert s.loc["fb", "reach"] == 2650  # districts hold different people: their unique reach adds up
    assert s.loc["fb", "frequency"] == pytest.approx(4200 / 2650)
    assert s.loc["fb", "cost_per_reached"] == pytest.approx(20.5 / 2650)
    # GRP = reach % x frequency (docs/methodology.md §1 step 5: 40 % x 3 = 120)
    assert s.loc["fb", "grp"] == pytest.approx(100 * 0.265 * 4200 / 2650)
    by_targeting = platform_summary(daily, by=["platform", "targeted"], period_reach=period.assign(
        targeted=[1, 0, 1, 0]))
    assert by_targeting.loc[(by_targeting["platform"] == "fb") & (by_targeting["targeted"] == 0), "reach"].item() == 150
    with pytest.raises(ReachSumError, match="across platforms"):
        platform_summary(daily, by="district", period_reach=period)
    with pytest.raises(DataError, match="no rows with period == 'whole'"):
        platform_summary(daily, period_reach=period, period="whole")
    with pytest.raises(DataError, match="need unique reach"):
        platform_summary(daily, population=10_000)


def test_grp_closed_form():
    # 40 % of 1,000 people reached 3 times on average: 120 GRP
    daily = pd.DataFrame({"date": ["d1"], "platform": ["fb"], "impressions": [1200], "clicks": [0],
                          "engagements": [0], "spend": [1.0]})
    period = pd.DataFrame({"platform": ["fb"], "period": ["campaign"], "impressions": [1200], "reach": [400]})
    s = platform_summary(daily, period_reach=period, population=1000)
    assert s.loc[0, "grp"] == pytest.approx(120.0)


def test_total_reach_refuses_to_add_days_and_platforms(daily):
    by_day = total_reach(daily, by=["platform", "date"]).set_index(["platform", "date"])
    assert by_day.loc[("fb", "d1"), "reach"] == 890  # one day, one platform: districts add up
    with pytest.raises(ReachSumError, match="cannot be added across days.*adds up to 3,670 over 2 days"):
        total_reach(daily, by="platform")
    with pytest.raises(ReachSumError, match="across platforms"):
        total_reach(daily, by="date")
    with pytest.raises(ReachSumError):
        total_reach(daily)
    assert issubclass(ReachSumError, CampaignMeError)


def test_sample_daily_reach_cannot_be_summed_and_unique_reach_is_plausible():
    daily = pd.read_csv(SAMPLES / "aroland" / "digital_metrics.csv")
    period = pd.read_csv(SAMPLES / "aroland" / "digital_reach.csv")
    population = pd.read_csv(SAMPLES / "aroland" / "frame.csv")["population"].sum()
    with pytest.raises(ReachSumError, match="counting people many times"):
        total_reach(daily, by="platform")
    s = platform_summary(daily, period_reach=period, population=population).set_index("platform")
    assert (s["reach"] < population).all()
    assert daily["reach"].sum() > population  # what a naive sum would have claimed
    # click-through and CPM recover the generator's parameters (closed form: binomial clicks, spend at CPM)
    for platform, (_, ctr, cpm, _) in synth.PLATFORMS.items():
        assert s.loc[platform, "ctr"] == pytest.approx(ctr, rel=0.05)
        assert s.loc[platform, "cpm"] == pytest.approx(cpm, rel=0.02)


def test_spillover_by_hand_and_on_the_sample(daily):
    t = spillover(daily).set_index("platform")
    assert t.loc["fb", "share_outside"] == pytest.approx(200 / 4200)
    assert t.loc["fb", "spend_outside"] == pytest.approx(1.0)
    assert t.loc["tt", "share_outside"] == 0
    sample = spillover(pd.read_csv(SAMPLES / "belmora" / "digital_metrics.csv"))
    np.testing.assert_allclose(sample["share_outside"], synth.AD_SPILLOVER, atol=0.01)  # the planted 6 %
    with pytest.raises(DataError, match="must be 0/1"):
        spillover(daily.assign(targeted=["yes"] * 8))


# ---- people reached and cost -------------------------------------------------------------------------------------
def test_people_reached_closed_form():
    # net share (r - f) / (1 - f) and its delta-method SE, by hand
    r, sr, f, sf, pop = 0.52, 0.02, 0.08, 0.01, 150_000
    out = people_reached({"estimate": r, "se": sr}, pop, false_report={"estimate": f, "se": sf})
    share = (r - f) / (1 - f)
    se = np.sqrt(sr**2 / (1 - f) ** 2 + sf**2 * (1 - r) ** 2 / (1 - f) ** 4)
    assert out.loc[0, "share"] == pytest.approx(share)
    assert out.loc[0, "estimate"] == pytest.approx(pop * share)
    assert out.loc[0, "se"] == pytest.approx(pop * se)
    assert out.loc[0, "ci_low"] == pytest.approx(pop * (share - 1.959964 * se), rel=1e-6)
    simple = people_reached({"estimate": r, "se": sr}, pop, false_report={"estimate": f, "se": sf},
                            correction="subtract")
    assert simple.loc[0, "estimate"] == pytest.approx(pop * 0.44)
    assert simple.loc[0, "se"] == pytest.approx(pop * np.hypot(sr, sf))  # independent samples: variances add
    gross = people_reached({"estimate": r, "se": sr, "ci_low": 0.48, "ci_high": 0.56}, pop)
    assert gross.loc[0, "ci_low"] == pytest.approx(0.48 * pop)
    assert gross.loc[0, "note"] == "not net of false reports"
    # the reporting settings' level: 1.644854 is the normal quantile of a 90% interval
    at90 = people_reached({"estimate": r, "se": sr}, pop, false_report={"estimate": f, "se": sf},
                          settings=Reporting(level=0.9))
    assert at90.loc[0, "ci_low"] == pytest.approx(pop * (share - 1.644854 * se), rel=1e-6)
    with pytest.raises(DataError, match="did you mean 0.9"):
        people_reached({"estimate": r, "se": sr}, pop, level=90)


def test_people_reached_recovers_a_planted_exposure_rate():
    # simulated SRS: 40 % truly exposed; 8 % of everyone (exposed or not) report exposure falsely
    rng = np.random.default_rng(5)
    n, e, f = 40_000, 0.40, 0.08
    base = rng.random(n) < f
    end = (rng.random(n) < e) | (rng.random(n) < f)

    def srs(x):
        p = x.mean()
        return {"estimate": p, "se": np.sqrt(p * (1 - p) / (n - 1)), "df": n - 1}

    out = people_reached(srs(end), 1.0, false_report=srs(base))
    assert abs(out.loc[0, "share"] - e) < 4 * out.loc[0, "share_se"]
    assert out.loc[0, "share_se"] < 0.005  # the check has teeth
    biased = people_reached(srs(end), 1.0, false_report=srs(base), correction="subtract")
    assert abs(biased.loc[0, "share"] - e) > 4 * biased.loc[0, "share_se"]  # r - f understates by (1 - f)


def test_people_reached_by_channel_keyed_rows_and_clipping():
    exposure = pd.DataFrame({"variable": ["exposed/radio", "exposed/tv"], "estimate": [0.30, 0.09],
                             "se": [0.02, 0.02]})
    false = pd.DataFrame({"variable": ["exposed/tv", "exposed/radio"], "estimate": [0.08, 0.05],
                          "se": [0.01, 0.01]})
    out = people_reached(exposure, {"exposed/radio": 1000, "exposed/tv": 2000}, false_report=false).set_index(
        "variable")
    assert out.loc["exposed/radio", "false_report"] == 0.05  # matched on the key, not by position
    assert out.loc["exposed/radio", "estimate"] == pytest.approx(1000 * 0.25 / 0.95)
    assert out.loc["exposed/tv", "ci_low"] == 0.0  # interval crosses zero: clipped, and said so
    assert "set to 0" in out.loc["exposed/tv", "note"]
    with pytest.raises(DataError, match=r"no population for \[\{'variable': 'exposed/tv'\}\]"):
        people_reached(exposure, {"exposed/radio": 1000}, false_report=false)
    with pytest.raises(DataError, match="a percentage"):
        people_reached({"estimate": 52.0, "se": 2.0}, 1000)
    with pytest.raises(DataError, match="correction="):
        people_reached(exposure, 1000, correction="naive")


def test_people_reached_leaves_suppressed_cells_blank():
    exposure = pd.DataFrame({"sex": ["female", "male"], "estimate": [0.5, 0.4], "se": [0.03, 0.2],
                             "suppressed": [False, True]})
    out = people_reached(exposure, 1000).set_index("sex")
    assert np.isnan(out.loc["male", "estimate"]) and np.isnan(out.loc["male", "ci_high"])
    assert out.loc["female", "estimate"] == 500


def test_cost_per_person_reached_closed_form():
    reached = pd.DataFrame({"channel": ["radio", "events"], "estimate": [20_000.0, 500.0], "se": [2000.0, 300.0],
                            "ci_low": [16_000.0, 0.0], "ci_high": [24_000.0, 1100.0]})
    out = cost_per_person_reached(reached, {"radio": 15_000.0, "events": 40_000.0}).set_index("channel")
    assert out.loc["radio", "estimate"] == pytest.approx(0.75)
    assert out.loc["radio", "ci_low"] == pytest.approx(15_000 / 24_000)
    assert out.loc["radio", "ci_high"] == pytest.approx(15_000 / 16_000)
    assert out.loc["radio", "se"] == pytest.approx(15_000 * 2000 / 20_000**2)  # delta method
    assert np.isinf(out.loc["events", "ci_high"])  # reach may be zero: no upper bound
    assert "lower bound" in out.loc["radio", "note"]
    with pytest.raises(DataError, match="no cost for"):
        cost_per_person_reached(reached, {"radio": 1.0})


def test_cost_per_outcome_change_closed_form_and_units():
    out = cost_per_outcome_change(33_000, {"estimate": 0.08, "se": 0.02}, people=150_000,
                                  effect_type="proportion", outcome="risk_aware")
    assert out.loc[0, "changed"] == pytest.approx(12_000)
    assert out.loc[0, "estimate"] == pytest.approx(2.75)
    assert out.loc[0, "ci_low"] == pytest.approx(33_000 / (12_000 + 1.959964 * 3000), rel=1e-6)
    assert out.loc[0, "effect_unit"] == "percentage points"
    assert out.loc[0, "effect_label"] == "+8.0 percentage points"
    assert out.loc[0, "per"] == "person whose outcome changed"
    # a decrease is the desired change for irregular intention
    down = cost_per_outcome_change(10_000, {"estimate": -0.05, "se": 0.01}, people=100_000,
                                   effect_type="proportion", direction="decrease")
    assert down.loc[0, "estimate"] == pytest.approx(2.0)
    assert down.loc[0, "effect_label"] == "-5.0 percentage points"
    wrong_way = cost_per_outcome_change(10_000, {"estimate": -0.05, "se": 0.01}, people=100_000,
                                        effect_type="proportion")
    assert np.isnan(wrong_way.loc[0, "estimate"]) and "undefined" in wrong_way.loc[0, "note"]
    # a relative change of -12 % on a 40 % baseline is -4.8 percentage points
    rel = cost_per_outcome_change(4_800, {"estimate": -0.12, "se": 0.03}, people=10_000, effect_type="relative",
                                  baseline=0.40, direction="decrease")
    assert rel.loc[0, "changed"] == pytest.approx(480)
    assert rel.loc[0, "effect_unit"] == "relative change"
    # an effect whose interval includes zero leaves the cost unbounded
    weak = cost_per_outcome_change(1_000, {"estimate": 0.02, "se": 0.015}, people=1_000, effect_type="proportion")
    assert np.isinf(weak.loc[0, "ci_high"]) and "no upper bound" in weak.loc[0, "note"]
    score = cost_per_outcome_change(6_000, {"estimate": 6.0, "se": 1.0}, people=1_000, effect_type="mean")
    assert score.loc[0, "estimate"] == pytest.approx(1.0) and score.loc[0, "effect_unit"] == "points"


def test_cost_per_outcome_change_carries_the_uncertainty_of_people_reached():
    reached = people_reached({"estimate": 0.5, "se": 0.05}, 10_000)
    out = cost_per_outcome_change(1_000, {"estimate": 0.1, "se": 0.02}, people=reached, effect_type="proportion")
    # delta method for a product of independent estimates: (P s_e)^2 + (e s_P)^2
    assert out.loc[0, "changed_se"] == pytest.approx(np.sqrt((5000 * 0.02) ** 2 + (0.1 * 500) ** 2))


def test_cost_per_outcome_change_bad_input():
    with pytest.raises(DataError, match="percentage points or a relative change"):
        cost_per_outcome_change(1, {"estimate": 0.1, "se": 0.01}, people=10, effect_type="pp")
    with pytest.raises(DataError, match="give 0.08 for 8 percentage points"):
        cost_per_outcome_change(1, {"estimate": 8.0, "se": 1.0}, people=10, effect_type="proportion")
    with pytest.raises(DataError, match="baseline"):
        cost_per_outcome_change(1, {"estimate": -0.1, "se": 0.01}, people=10, effect_type="relative")
    with pytest.raises(DataError, match="people="):
        cost_per_outcome_change(1, {"estimate": 0.1, "se": 0.01}, people=-5, effect_type="proportion")


def test_format_effect():
    assert format_effect(0.0525, effect_type="proportion") == "+5.2 percentage points"
    assert format_effect(-0.55, effect_type="relative", digits=0) == "-55 % (relative change)"
    assert format_effect(np.nan, effect_type="mean") == "not estimated"
    with pytest.raises(DataError):
        format_effect(1.0, effect_type="percent")


# ---- the survey joined with the monitoring data: the sample world end to end --------------------------------------
def test_people_reached_from_the_sample_survey():
    cb = SAMPLES / "codebook.yaml"
    designs = {}
    for r in ("baseline", "endline"):
        data = load_survey(SAMPLES / "aroland" / f"survey_{r}.csv", cb)
        d = SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
        designs[r] = d.subset(data["campaign"] == 1)
    exposure = designs["endline"].mean("exposed_any")
    false = designs["baseline"].mean("exposed_any")
    frame = pd.read_csv(SAMPLES / "aroland" / "frame.csv")
    population = int(frame.loc[frame["campaign"] == 1, "population"].sum())
    reached = people_reached(exposure, population, false_report=false)
    truth = json.loads((SAMPLES / "aroland" / "truth.json").read_text())
    row = reached.iloc[0]
    assert row["ci_low"] < row["estimate"] < row["ci_high"] < population
    # reported exposure needs an accessible channel, so the survey finds fewer than the truly exposed
    assert 0.2 < row["share"] < truth["exposure_rate_campaign_districts"]
    # baseline "exposure" is all false report: 8 % report falsely, each ticking each of 4 channels with
    # probability 0.4 (synth), so a false "any channel" report has probability 0.08 x (1 - 0.6^4)
    assert row["false_report"] == pytest.approx(0.08 * (1 - 0.6**4), abs=3 * false.loc[0, "se"])
    acts = pd.read_csv(SAMPLES / "aroland" / "activities.csv")
    cost = float(acts["cost"].sum())
    per_person = cost_per_person_reached(reached, cost)
    assert per_person.loc[0, "ci_low"] < per_person.loc[0, "estimate"] < per_person.loc[0, "ci_high"]
    assert set(monitoring.__all__) >= {"people_reached", "delivery", "platform_summary"}


# ---- funnel and indicator-table inputs ---------------------------------------------------------------------------
def test_funnel_closed_form_on_a_simple_random_sample():
    data = pd.DataFrame({
        "exposed": [1, 1, 1, 1, 0, 0, 1, 0],
        "recalled": [1, 1, 0, 1, 1, 0, 1, 0],  # one "recall" without exposure: dropped when cumulative
        "understood": [1, np.nan, np.nan, 1, np.nan, np.nan, 0, np.nan],  # asked only of those who recalled
        "w": 1.0,
    })
    d = SurveyDesign(data, weights="w")
    f = funnel(d, {"exposed": "exposed", "recalled": "recalled", "understood": "understood"})
    np.testing.assert_allclose(f["estimate"], [5 / 8, 4 / 8, 2 / 8])
    np.testing.assert_allclose(f["conversion"].iloc[1:], [4 / 5, 2 / 4])
    # one-stage design with equal weights: R svymean's SE is sqrt(n/(n-1) sum (y - p)^2) / n = sqrt(p(1-p)/(n-1))
    p = 5 / 8
    assert f.loc[0, "se"] == pytest.approx(np.sqrt(p * (1 - p) / 7))
    separate = funnel(d, {"exposed": "exposed", "recalled": "recalled"}, cumulative=False)
    assert separate.loc[1, "estimate"] == pytest.approx(5 / 8)
    with pytest.raises(DataError, match="missing values.*missing='zero'"):
        funnel(d, {"understood": "understood"}, missing="error")
    with pytest.raises(DataError, match=r"must hold 0/1; it has 2 \(row 2\)"):
        funnel(d.with_columns(bad=[0, 1, 2, 0, 0, 0, 0, 0]), {"bad": "bad"})
    with pytest.raises(ColumnError):
        funnel(d, {"exposed": "exposd"})


def test_funnel_on_the_sample_narrows():
    data = load_survey(SAMPLES / "aroland" / "survey_endline.csv", SAMPLES / "codebook.yaml")
    d = SurveyDesign(data, weights="weight", strata="stratum", psu="psu").subset(data["campaign"] == 1)
    f = funnel(d, {"exposed": "exposed_any", "recognised": "aided_recall", "understood": "comprehension",
                   "risk aware": "risk_aware", "knows the hotline": "hotline_known"})
    assert (np.diff(f["estimate"]) <= 0).all()
    assert ((f["ci_low"] <= f["estimate"]) & (f["estimate"] <= f["ci_high"])).all()
    assert f["n"].nunique() == 1  # every step on the whole target population


def test_indicator_and_round_comparison_rows_on_the_percent_scale():
    # compute_indicators gives "%" indicators on 0-100; compare_rounds gives changes in "pp"
    row = pd.DataFrame({"indicator": ["exposed_any"], "estimate": [52.0], "se": [2.0], "unit": ["%"]})
    out = people_reached(row, 1000)
    assert out.loc[0, "share"] == pytest.approx(0.52) and out.loc[0, "estimate"] == pytest.approx(520)
    change = pd.DataFrame({"indicator": ["risk_aware"], "estimate": [8.0], "se": [2.0], "change_unit": ["pp"]})
    c = cost_per_outcome_change(33_000, change, people=150_000, effect_type="proportion")
    assert c.loc[0, "estimate"] == pytest.approx(2.75) and c.loc[0, "effect_label"] == "+8.0 percentage points"
    assert c.loc[0, "indicator"] == "risk_aware"


def test_seven_step_funnel_of_the_theory_of_change():
    """exposed -> recognised -> understood -> knows -> safe attitude -> safe intention -> safe practice."""
    cb = Codebook.from_yaml(SAMPLES / "codebook.yaml")
    data = load_survey(SAMPLES / "belmora" / "survey_endline.csv", cb)
    attitude, practice = scales.likert_score(data, cb), scales.practice_score(data, cb)
    d = SurveyDesign(data, weights="weight", strata="stratum", psu="psu").with_columns(
        knows_3_signs=scales.at_least(data, cb, "signs", 3),
        safe_attitude=(attitude >= 60).astype(float).where(attitude.notna()),
        safe_intention=1 - data["intend_irregular"].astype(float),
        safe_practice=(practice > 0).astype(float).where(practice.notna()),
    )
    steps = {"exposed": "exposed_any", "recognised": "aided_recall", "understood": "comprehension",
             "knows 3+ signs": "knows_3_signs", "safe attitude": "safe_attitude",
             "no irregular intention": "safe_intention", "1+ safe practice": "safe_practice"}
    f = funnel(d.subset(data["campaign"] == 1), steps)
    assert len(f) == 7 and (np.diff(f["estimate"]) <= 0).all()
    assert (f["ci_low"] >= 0).all() and (f["ci_high"] <= 1).all()  # logit intervals stay inside 0-1
    np.testing.assert_allclose(f["conversion"].iloc[1:], f["estimate"].iloc[1:].to_numpy() / f["estimate"].iloc[:-1])


def test_cost_mapping_finds_its_key_column():
    reached = pd.DataFrame({"variable": ["exposed/radio", "exposed/tv"], "channel": ["radio", "tv"],
                            "estimate": [1000.0, 2000.0], "se": [100.0, 100.0]})
    out = cost_per_person_reached(reached, {"radio": 500.0, "tv": 500.0})
    np.testing.assert_allclose(out["estimate"], [0.5, 0.25])


def test_the_guide_runs(monkeypatch):
    """docs/monitoring.md: every Python block runs, in order, on the sample data."""
    root = SAMPLES.parents[1]
    monkeypatch.chdir(root)
    blocks = re.findall(r"```python\n(.*?)```", (root / "docs" / "monitoring.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/monitoring.md block {i + 1}", "exec"), namespace)
    assert "f" in namespace and len(namespace["f"]) == 7
