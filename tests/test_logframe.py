"""campaign_me.logframe: results framework checks, tracking table and RAG status."""

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import campaign_me as cm
from campaign_me import narrative, power
from campaign_me.conventions import Reporting
from campaign_me.indicators import compute_indicators
from campaign_me.lessons import objectives
from campaign_me.logframe import (
    RAG_COLOURS,
    STATUS_WORDS,
    TRACKING_COLUMNS,
    LogframeError,
    load_logframe,
    tracking_html,
    tracking_table,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture(scope="module")
def cb():
    return cm.Codebook.from_yaml(SAMPLES / "codebook.yaml")


def _lf(rows, **top):
    return {"outcomes": [{"id": "O1", "narrative": "Know the risks", "indicators": rows}], **top}


def _row(**kw):
    row = {"indicator": "risk_aware", "baseline": 40, "target": 50, "target_date": "2026-06"}
    row.update(kw)
    return row


@pytest.mark.parametrize("country", ["aroland", "belmora", "corvia"])
def test_sample_logframes_validate_and_match_the_baseline(country, cb):
    lf = load_logframe(SAMPLES / country / "logframe.yaml", codebook=cb)
    assert lf.country.lower() == country and len(lf.rows) >= 10
    assert {r.level for r in lf.rows} == {"outcome", "output"}
    assert len(lf.activities) >= 3
    # the baselines are the baseline survey's estimates, rounded to 0.1
    data = cm.load_survey(SAMPLES / country / "survey_baseline.csv", cb)
    design = cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
    est = compute_indicators(
        design, codebook=cb, indicators=sorted({r.indicator for r in lf.rows})
    ).set_index("indicator")
    for r in lf.rows:
        if not r.domain:
            assert r.baseline == pytest.approx(est.loc[r.indicator, "estimate"], abs=0.051)
    # the teaching trap: a district target below the minimum detectable change
    trap = [r for r in lf.rows if r.domain]
    assert len(trap) == 1 and trap[0].warnings and "minimum detectable change" in trap[0].warnings[0]


def test_every_error_is_collected():
    raw = {
        "title": "x",
        "budget": 10,
        "outcomes": [
            {
                "id": "O1",
                "narrative": "n",
                "indicators": [
                    _row(indicator="risk_awre"),
                    _row(indicator="intend_irregular", baseline=30, target=35),
                    _row(baseline=None),
                    _row(target_date="June 2026"),
                    _row(baseline=40, target=140),
                    {
                        "indicator": "hotline_known",
                        "baseline": 20,
                        "target": 30,
                        "target_date": "2026-06",
                        "targt": 3,
                    },
                ],
            },
            {"id": "O1", "narrative": "", "indicators": []},
        ],
        "activities": [{"id": "A1", "narrative": "x", "output": "OP9"}],
    }
    with pytest.raises(LogframeError) as info:
        load_logframe(raw)
    text = str(info.value)
    for part in (
        "unknown key 'budget'",
        "unknown indicator id 'risk_awre' (did you mean 'risk_aware'?)",
        "target 35 is on the wrong side of the baseline 30: lower is better for 'intend_irregular'",
        "missing baseline",
        "target_date 'June 2026' is not a date",
        "target 140 is outside 0-100",
        "unknown key 'targt' (did you mean 'target'?)",
        "duplicate id",
        "missing 'narrative'",
        "has no indicators",
        "output 'OP9' is not an output",
    ):
        assert part in text, part
    problems = info.value.problems
    assert (problems["severity"] == "error").sum() == 11
    assert isinstance(info.value, cm.CampaignMeError)


def test_mde_warning_uses_power():
    lf = load_logframe(_lf([_row(baseline=40, target=44)], planned_sample={"n": 400, "deff": 1.7}))
    # MDE of two independent rounds of 400 (p = 0.40, deff 1.7, power 0.8, two-sided 5 %)
    expected = 100 * power.mde_proportion(400, p=0.40, deff=1.7)
    # closed form (z_0.975 + z_0.8) sqrt(2 p (1-p) / n) sqrt(deff)
    assert expected == pytest.approx(
        100 * (1.959963985 + 0.841621234) * np.sqrt(2 * 0.24 / 400) * np.sqrt(1.7), rel=1e-6
    )
    assert lf.rows[0].mde == pytest.approx(expected)
    assert len(lf.warnings) == 1 and f"{expected:.1f} pp" in lf.warnings[0]
    # a change above the MDE gives no warning; a mean without sd says the check was skipped
    ok = load_logframe(_lf([_row(baseline=40, target=60)], planned_sample={"n": 400, "deff": 1.7}))
    assert ok.warnings == []
    means = load_logframe(
        _lf([_row(indicator="knowledge_score", baseline=40, target=45)], planned_sample={"n": 400})
    )
    assert "no 'sd'" in means.warnings[0]
    sd = load_logframe(
        _lf([_row(indicator="knowledge_score", baseline=40, target=45, sd=20)], planned_sample={"n": 400})
    )
    assert sd.rows[0].mde == pytest.approx(power.mde_mean(400, 20, method="normal"))


def _latest(est, lo, hi, n=500, suppressed=False):
    return pd.DataFrame(
        {
            "indicator": ["risk_aware"],
            "estimate": [est],
            "ci_low": [lo],
            "ci_high": [hi],
            "n": [n],
            "suppressed": [suppressed],
        }
    )


@pytest.mark.parametrize(
    "latest, status",
    [
        ((51.0, 50.5, 51.5), "green"),  # progress 1.1, interval 1.05-1.15
        ((47.0, 46.0, 48.0), "amber"),  # 0.7 (0.6-0.8)
        ((42.0, 41.0, 43.0), "red"),  # 0.2 (0.1-0.3)
        ((48.0, 44.0, 52.0), "grey"),  # 0.8 but 0.4-1.2 spans both cut-offs
        ((np.nan, np.nan, np.nan), "grey"),
    ],
)
def test_rag_status(latest, status):
    lf = load_logframe(_lf([_row()]))
    t = tracking_table(lf, _latest(*latest))
    assert list(t.columns) == list(TRACKING_COLUMNS)
    assert t["status"].iloc[0] == status
    if not np.isnan(latest[0]):
        assert t["progress"].iloc[0] == pytest.approx((latest[0] - 40) / 10)


def test_rag_lower_is_better_and_cutoffs():
    lf = load_logframe(_lf([_row(indicator="intend_irregular", baseline=30, target=20)]))
    latest = pd.DataFrame(
        {
            "indicator": ["intend_irregular"],
            "estimate": [24.0],
            "ci_low": [23.5],
            "ci_high": [24.5],
            "n": [900],
            "suppressed": [False],
        }
    )
    t = tracking_table(lf, latest)
    assert t["progress"].iloc[0] == pytest.approx(0.6) and t["status"].iloc[0] == "amber"
    assert tracking_table(lf, latest, green=0.55, amber=0.3)["status"].iloc[0] == "green"
    with pytest.raises(cm.CampaignMeError, match="amber < green"):
        tracking_table(lf, latest, green=0.5, amber=0.6)
    sup = tracking_table(
        lf, latest.assign(suppressed=True, note="suppressed: fewer than 25 unweighted cases")
    )
    assert sup["status"].iloc[0] == "grey" and "fewer than 25" in sup["note"].iloc[0]


def test_tracking_on_the_sample_endline(cb):
    lf = load_logframe(SAMPLES / "aroland" / "logframe.yaml", codebook=cb)
    data = cm.load_survey(SAMPLES / "aroland" / "survey_endline.csv", cb)
    design = cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = tracking_table(lf, design, codebook=cb)
    assert len(t) == len(lf.rows)
    assert set(t["status"]) <= set(RAG_COLOURS)
    overall = compute_indicators(design, codebook=cb, indicators=["exposed_any"])
    row = t[t["indicator"] == "exposed_any"].iloc[0]
    assert row["latest"] == pytest.approx(overall["estimate"].iloc[0])
    district = t[t["domain"] != "all"].iloc[0]
    assert district["domain"].startswith("district=") and "minimum detectable change" in district["note"]
    html = tracking_html(t, caption="Aroland <endline>")
    assert "<table" in html and "Aroland &lt;endline&gt;" in html
    for status in set(t["status"]):
        assert RAG_COLOURS[status] in html
    assert ">cannot judge</td>" in html  # the status is written in words, not only coloured
    for colour_name in ("grey", "amber", "green"):  # ... and never as a colour name
        assert f">{colour_name}<" not in html
    assert "means_of_verification" not in html and ">Note<" not in html  # statistical notes left to the methods
    assert ">Status<" in html and ">Indicator<" in html and ">ci_low<" not in html  # headers in words
    assert "Means of verification" in tracking_html(t, columns=None) and ">Note<" in tracking_html(t, columns=None)
    # a table by another column is ambiguous for overall rows: says so instead of picking one
    by_sex = compute_indicators(design, codebook=cb, by="sex", indicators=["exposed_any"])
    amb = tracking_table(load_logframe(_lf([_row(indicator="exposed_any", baseline=8, target=38)])), by_sex)
    assert amb["status"].iloc[0] == "grey" and "2 rows" in amb["note"].iloc[0]


# -- primary outcomes -------------------------------------------------------------------------------

def test_primary_outcome_is_read_and_listed():
    lf = load_logframe(_lf([_row(primary=True), _row(indicator="hotline_known", baseline=20, target=28)]))
    assert lf.primary == ("risk_aware",)
    assert [r.primary for r in lf.rows] == [True, False]
    assert load_logframe(_lf([_row()])).primary == ()  # none named: every finding exploratory
    assert lf.to_frame()["primary"].tolist() == [True, False]


@pytest.mark.parametrize("country", ["aroland", "belmora", "corvia"])
def test_sample_logframes_name_risk_awareness_as_the_primary_outcome(country):
    assert load_logframe(SAMPLES / country / "logframe.yaml").primary == ("risk_aware",)


@pytest.mark.parametrize(("row", "top", "message"), [
    ({"primary": "yes"}, {}, "primary must be true or false, got 'yes'"),
    ({"primary": 1}, {}, "primary must be true or false, got 1"),
    ({"primary": True, "domain": {"district": "AR101"}}, {}, "a primary outcome is about the whole population"),
    ({"primray": True}, {}, "unknown key 'primray' \\(did you mean 'primary'\\?\\)"),
])
def test_misplaced_primary_is_an_error(row, top, message):
    with pytest.raises(LogframeError, match=message):
        load_logframe(_lf([_row(**row)], **top))


def test_primary_on_an_output_is_an_error():
    raw = _lf([_row()], outputs=[{"id": "OP1", "narrative": "Reached", "indicators": [
        {"indicator": "exposed_any", "baseline": 8, "target": 38, "target_date": "2026-06", "primary": True}]}])
    with pytest.raises(LogframeError, match="only an outcome's indicator can be a primary outcome.*output"):
        load_logframe(raw)


# -- statuses a reader can tell apart ---------------------------------------------------------------

_CVD = {  # Machado, Oliveira & Fernandes (2009), severity 1
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
    "normal": np.eye(3).tolist(),
}


def _linear(hex_colour):
    c = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb):
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(rgb, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_status_fills_are_distinct_for_colour_blind_readers_and_words_say_the_status():
    """Every pair of status fills differs by at least 15 CIELAB units under simulated colour blindness.

    The former fills (green #a6dba0, amber #fdd49e) were 3 units apart for red-blind readers.
    """
    for kind, matrix in _CVD.items():
        lab = {k: _lab(np.array(matrix) @ _linear(v)) for k, v in RAG_COLOURS.items()}
        for a, b in itertools.combinations(RAG_COLOURS, 2):
            assert np.linalg.norm(lab[a] - lab[b]) >= 15, (kind, a, b)
    for fill in RAG_COLOURS.values():  # black text stays readable (WCAG AAA: 7:1)
        lum = float(np.array([0.2126, 0.7152, 0.0722]) @ _linear(fill))
        assert (lum + 0.05) / 0.05 >= 7
    assert STATUS_WORDS == {"green": "on track", "amber": "part of the way", "red": "off track",
                            "grey": "cannot judge"}


# -- names that meant two things; reporting settings ------------------------------------------------

def test_tracking_table_calls_the_results_level_logframe_level():
    # ``level`` is the confidence level everywhere; the logframe's goal/outcome/output is logframe_level
    lf = load_logframe(_lf([_row()]))
    t = tracking_table(lf, _latest(46.0, 45.5, 46.5), level=0.9)
    assert t["logframe_level"].tolist() == ["outcome"] and "level" not in t.columns
    assert TRACKING_COLUMNS[0] == "logframe_level"
    assert ">Level<" in tracking_html(t, columns=["logframe_level", "name"])


def test_status_words_are_defined_once():
    assert objectives.STATUS_WORDS is STATUS_WORDS and "STATUS_WORDS" in objectives.__all__


def test_tracking_table_takes_the_reporting_settings(cb):
    lf = load_logframe(SAMPLES / "corvia" / "logframe.yaml", codebook=cb)
    data = cm.load_survey(SAMPLES / "corvia" / "survey_endline.csv", cb)
    design = cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
    by_settings = tracking_table(lf, design, codebook=cb, settings=Reporting(level=0.9, min_n=30))
    by_keywords = tracking_table(lf, design, codebook=cb, level=0.9, min_n=30)
    pd.testing.assert_frame_equal(by_settings, by_keywords)
    # the interval is compute_indicators' 90% interval (the reference computation of the estimates)
    ref = compute_indicators(design, codebook=cb, indicators=["risk_aware"], level=0.9).iloc[0]
    row = by_settings[(by_settings["indicator"] == "risk_aware") & (by_settings["domain"] == "all")].iloc[0]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ref["ci_low"], ref["ci_high"]))
    # a keyword given explicitly wins over the settings
    explicit = tracking_table(lf, design, codebook=cb, settings=Reporting(level=0.9), level=0.8)
    pd.testing.assert_frame_equal(explicit, tracking_table(lf, design, codebook=cb, level=0.8))
    assert "Latest (90% CI)" in tracking_html(by_settings, settings=Reporting(level=0.9))


def test_summary_markdown_heading_level_and_its_old_name():
    sections = [("What we can say", ["Reach rose."])]
    assert narrative.summary_markdown(sections, heading_level=2).startswith("## What we can say")
    with pytest.warns(DeprecationWarning, match="heading_level"):
        assert narrative.summary_markdown(sections, level=4).startswith("#### What we can say")
    with pytest.raises(TypeError, match="'levels'"):
        narrative.summary_markdown(sections, levels=2)
