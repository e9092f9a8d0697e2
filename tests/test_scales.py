"""campaign_me.scales: KAP scoring, composite, reliability, scores in a design."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import campaign_me as cm
from campaign_me import scales
from campaign_me.codebook import CodebookError
from campaign_me.conventions import Reporting
from campaign_me.errors import CampaignMeError
from campaign_me.scales import ScaleError
from tests.reference.indicators_reference import R_INDICATORS

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"

TF = {1: "True", 2: "False", 8: "Don't know"}


def _cb(variables):
    return cm.Codebook.from_dict({"dataset": "t", "variables": variables})


@pytest.fixture(scope="module")
def sample_cb():
    return cm.Codebook.from_yaml(SAMPLES / "codebook.yaml")


@pytest.fixture(scope="module")
def aroland(sample_cb):
    return cm.load_survey(SAMPLES / "aroland" / "survey_baseline.csv", sample_cb)


# ------------------------------------------------------------------ worked example
# The KAP scoring example of campaign_me's 0-100 scoring conventions, numbers by hand (closed form):
# 5 of 8 knowledge items correct -> K = 62.5; Likert answers (4, 5, 2*, 4, 3) on 5 points with the
# third item negatively worded: 2* reverses to 6 - 2 = 4, rescaled 100 (x - 1)/4 -> (75, 100, 75, 75,
# 50), A = 75; 2 of 4 practices -> P = 50; equal weights -> 62.5; weights (0.3, 0.3, 0.4) -> 61.25.
def test_worked_example():
    kv = {
        f"k{i}": {"type": "categorical", "codes": TF, "scale": "knowledge", "correct": 1} for i in range(1, 9)
    }
    av = {
        f"a{i}": {"type": "categorical", "points": 5, "scale": "attitude", "reverse": i == 3}
        for i in range(1, 6)
    }
    pv = {f"p{i}": {"type": "boolean", "scale": "practice", "correct": True} for i in range(1, 5)}
    cb = _cb({**kv, **av, **pv})
    row = {f"k{i}": (1 if i <= 5 else (2 if i < 8 else 8)) for i in range(1, 9)}
    row.update(a1=4, a2=5, a3=2, a4=4, a5=3, p1=True, p2=False, p3=True, p4=False)
    data = pd.DataFrame([row])
    k = scales.knowledge_score(data, cb)
    a = scales.likert_score(data, cb)
    p = scales.practice_score(data, cb)
    assert k.iloc[0] == 62.5 and a.iloc[0] == 75.0 and p.iloc[0] == 50.0
    comp = {"K": k, "A": a, "P": p}
    assert scales.kap_index(comp).iloc[0] == pytest.approx(62.5)
    assert scales.kap_index(comp, {"K": 0.3, "A": 0.3, "P": 0.4}).iloc[0] == pytest.approx(61.25)


def test_knowledge_dont_know_incorrect_missing_code_missing():
    cb = _cb(
        {
            f"k{i}": {"type": "categorical", "codes": TF, "scale": "knowledge", "correct": 2}
            for i in range(1, 6)
        }
    )
    data = pd.DataFrame(
        {
            "k1": [2, 8, 2, None],
            "k2": [2, 8, 2, None],
            "k3": [2, 1, 2, None],
            "k4": [2, 8, None, 2],
            "k5": [8, 8, None, 2],
        },
        dtype="Int64",
    )
    out = scales.knowledge_score(data, cb)
    # row 1: 4 of 5 correct; row 2: all don't know/wrong = 0; row 3: 3 of 3 answered is below 80 % of 5
    # items -> missing; row 4: 2 of 5 answered -> missing
    assert out.iloc[0] == 80.0 and out.iloc[1] == 0.0
    assert out.iloc[2:].isna().all()
    # a lower min_share scores row 3 on its answered items
    assert scales.knowledge_score(data, cb, min_share=0.6).iloc[2] == 100.0


def test_knowledge_declared_missing_code_through_load_survey(tmp_path):
    cbfile = tmp_path / "cb.yaml"
    cbfile.write_text(
        "dataset: t\nvariables:\n"
        "  k1: {type: categorical, codes: {1: 'True', 2: 'False', 8: DK}, missing: {99: refused}, scale: knowledge, correct: 1}\n"
        "  k2: {type: categorical, codes: {1: 'True', 2: 'False', 8: DK}, missing: {99: refused}, scale: knowledge, correct: 1}\n"
    )
    (tmp_path / "s.csv").write_text("k1,k2\n1,99\n8,1\n99,99\n")
    data = cm.load_survey(tmp_path / "s.csv", cbfile)
    out = scales.knowledge_score(data, cm.Codebook.from_yaml(cbfile), min_share=0.5)
    assert out.tolist()[:2] == [100.0, 50.0] and np.isnan(out.iloc[2])


def test_likert_min_share_and_reverse():
    cb = _cb(
        {
            f"a{i}": {"type": "categorical", "points": 5, "scale": "attitude", "reverse": i in (2, 4)}
            for i in range(1, 6)
        }
    )
    data = pd.DataFrame(
        {"a1": [5, 5, 5], "a2": [1, 1, None], "a3": [5, None, None], "a4": [1, 1, None], "a5": [5, 5, 5]},
        dtype="Int64",
    )
    out = scales.likert_score(data, cb)
    assert out.iloc[0] == 100.0 and out.iloc[1] == 100.0  # 4 of 5 answered is 80 %
    assert np.isnan(out.iloc[2])  # 2 of 5
    assert scales.likert_score(data, cb, min_share=0.4).iloc[2] == 100.0


def test_likert_value_outside_points_is_an_error():
    cb = _cb(
        {
            "a1": {"type": "categorical", "points": 5, "scale": "attitude"},
            "a2": {"type": "integer", "points": 5, "scale": "attitude"},
        }
    )
    data = pd.DataFrame({"a1": [1, 2, 3], "a2": [4, 7, 0]})
    with pytest.raises(ScaleError, match=r"'a2' has values outside its 5 points.*rows 1, 2.*7, 0"):
        scales.likert_score(data, cb)


def test_scale_with_no_items_and_bad_arguments():
    cb = _cb({"a1": {"type": "categorical", "points": 5, "scale": "attitude"}})
    data = pd.DataFrame({"a1": [1]})
    with pytest.raises(CodebookError, match="no items with scale 'atitude'.*did you mean 'attitude'"):
        scales.likert_score(data, cb, "atitude")
    with pytest.raises(ScaleError, match="items=\\[\\]"):
        scales.likert_score(data, cb, items=[])
    with pytest.raises(ScaleError, match="min_share"):
        scales.likert_score(data, cb, min_share=80)
    with pytest.raises(CampaignMeError, match="'a1' is not a column.*"):
        scales.likert_score(pd.DataFrame({"a_1": [1]}), cb)
    with pytest.raises(ScaleError, match="no 'correct'"):
        scales.knowledge_score(
            data, _cb({"a1": {"type": "categorical", "codes": TF, "scale": "quiz"}}), "quiz"
        )


def test_practice_missing_when_none_applies():
    cb = _cb({f"p{i}": {"type": "boolean", "scale": "practice", "correct": True} for i in range(1, 4)})
    data = pd.DataFrame(
        {"p1": [True, None, False], "p2": [True, None, None], "p3": [False, None, None]}, dtype="boolean"
    )
    out = scales.practice_score(data, cb)
    assert out.iloc[0] == pytest.approx(200 / 3) and np.isnan(out.iloc[1]) and out.iloc[2] == 0.0


def test_threshold_never_counts_none(sample_cb, aroland):
    cb = _cb({"signs": {"type": "select_multiple", "codes": {"a": "A", "b": "B", "c": "C", "none": "None"}}})
    data = pd.DataFrame(
        {
            "signs/a": [1, 1, 0, None],
            "signs/b": [1, 0, 0, None],
            "signs/c": [1, 0, 0, None],
            "signs/none": [1, 0, 1, None],
        }
    )
    assert scales.count_selected(data, cb, "signs").tolist()[:3] == [3.0, 1.0, 0.0]
    t = scales.at_least(data, cb, "signs", 3)
    assert t.tolist()[:3] == [1.0, 0.0, 0.0] and np.isnan(t.iloc[3])
    with pytest.raises(ScaleError, match="not select_multiple"):
        scales.count_selected(aroland, sample_cb, "k1")
    with pytest.raises(ScaleError, match="threshold"):
        scales.at_least(data, cb, "signs", 0)
    # on the sample: counts agree with a direct row sum of the five sign columns
    direct = aroland[[c for c in aroland.columns if c.startswith("signs/") and c != "signs/none"]].sum(axis=1)
    assert (scales.count_selected(aroland, sample_cb, "signs").to_numpy() == direct.to_numpy()).all()


def test_kap_index_options():
    k, a, p = pd.Series([60.0, 80.0]), pd.Series([40.0, 20.0]), pd.Series([np.nan, 50.0])
    drop = scales.kap_index({"K": k, "A": a, "P": p})
    assert np.isnan(drop.iloc[0]) and drop.iloc[1] == pytest.approx(50.0)
    rew = scales.kap_index({"K": k, "A": a, "P": p}, missing="reweight")
    assert rew.iloc[0] == pytest.approx(50.0)
    with pytest.raises(ScaleError, match="sum to 1"):
        scales.kap_index({"K": k, "A": a}, {"K": 0.5, "A": 0.6})
    with pytest.raises(ScaleError, match="mismatched"):
        scales.kap_index({"K": k, "A": a}, {"K": 0.5, "X": 0.5})
    band = scales.kap_band(pd.Series([59.9, 60.0]), cutoff=60)
    assert band.tolist() == ["needs intervention (below 60)", "60 or above"]


def test_reliability_matches_closed_form(sample_cb, aroland):
    table = scales.reliability(aroland, sample_cb, "attitude")
    assert list(table.columns) == list(scales.RELIABILITY_COLUMNS)
    # closed form: alpha = k/(k-1) (1 - sum var_i / var_total) (Cronbach 1951) on the reversed items
    items = aroland[["a1", "a2", "a3", "a4", "a5"]].astype("float64").dropna()
    items["a2"], items["a4"] = 6 - items["a2"], 6 - items["a4"]

    def alpha(m):
        k = m.shape[1]
        return k / (k - 1) * (1 - m.var(ddof=1).sum() / m.sum(axis=1).var(ddof=1))

    assert table["alpha"].iloc[0] == pytest.approx(alpha(items), rel=1e-9)
    assert table["alpha_ci_low"].iloc[0] < table["alpha"].iloc[0] < table["alpha_ci_high"].iloc[0]
    for _, row in table.iterrows():
        assert row["alpha_if_deleted"] == pytest.approx(alpha(items.drop(columns=row["item"])), rel=1e-9)
        rest = items.drop(columns=row["item"]).sum(axis=1)
        assert row["item_total_r"] == pytest.approx(np.corrcoef(items[row["item"]], rest)[0, 1], rel=1e-9)
    # knowledge: difficulty is the share correct (k1 keyed 1)
    kt = scales.reliability(aroland, sample_cb, "knowledge").set_index("item")
    assert kt.loc["k1", "difficulty"] == pytest.approx((aroland["k1"] == 1).mean())


def test_reliability_flags():
    cb = _cb(
        {
            f"k{i}": {"type": "categorical", "codes": TF, "scale": "knowledge", "correct": 1}
            for i in range(1, 4)
        }
    )
    rng = np.random.default_rng(3)
    data = pd.DataFrame(
        {"k1": np.ones(200, int), "k2": rng.choice([1, 2], 200), "k3": rng.choice([1, 2], 200)}
    )
    data.loc[0, "k1"] = 2
    flags = scales.reliability(data, cb, "knowledge").set_index("item")["flag"]
    assert "too easy" in flags["k1"]
    with pytest.raises(ScaleError, match="at least 2 items"):
        scales.reliability(data, cb, "knowledge", items=["k1"])


def test_score_design_matches_r(sample_cb, aroland):
    design = cm.SurveyDesign(aroland, weights="weight", strata="stratum", psu="psu")
    scored = scales.score_design(design, sample_cb)
    assert {"knowledge_score", "attitude_score", "practice_score", "kap_index"} <= set(scored.data.columns)
    assert "knowledge_score" not in design.data.columns  # the original design is unchanged
    out = scored.mean(["knowledge_score", "attitude_score"], na_rm=True).set_index("variable")
    # R survey svymean on the same scores (tests/reference/indicators.R)
    for var, key in (("knowledge_score", "knowledge_score"), ("attitude_score", "attitude_index")):
        est, se = R_INDICATORS[f"baseline:{key}"]
        assert out.loc[var, "estimate"] == pytest.approx(est, rel=1e-9)
        assert out.loc[var, "se"] == pytest.approx(se, rel=1e-7)


def test_reliability_takes_the_reporting_settings(sample_cb, aroland):
    by_settings = scales.reliability(aroland, sample_cb, "attitude", settings=Reporting(level=0.9))
    pd.testing.assert_frame_equal(by_settings, scales.reliability(aroland, sample_cb, "attitude", level=0.9))
    wide = scales.reliability(aroland, sample_cb, "attitude")
    assert (by_settings["alpha_ci_high"] - by_settings["alpha_ci_low"]).iloc[0] < (
        wide["alpha_ci_high"] - wide["alpha_ci_low"]).iloc[0]
    with pytest.raises(ScaleError, match="level=95"):
        scales.reliability(aroland, sample_cb, "attitude", level=95)
