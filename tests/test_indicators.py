"""campaign_me.indicators: the shipped catalogue, compute_indicators and compare_rounds."""

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import campaign_me as cm
from campaign_me import expressions
from campaign_me.conventions import Reporting
from campaign_me.errors import CampaignMeError
from campaign_me.indicators import (
    COMPARE_COLUMNS,
    INDICATOR_COLUMNS,
    STAGES,
    TYPES,
    CatalogueError,
    Indicator,
    compare_rounds,
    compute_indicators,
    load_catalogue,
)
from tests.reference.indicators_reference import R_INDICATORS

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
REQUIRED = [
    "risk_aware",
    "hotline_known",
    "intend_irregular",
    "risk_perception",
    "knowledge_score",
    "warning_signs_3plus",
    "attitude_index",
    "exposed_any",
    "aided_recall_net",
    "comprehension",
    "safe_practices",
]


@pytest.fixture(scope="module")
def cb():
    return cm.Codebook.from_yaml(SAMPLES / "codebook.yaml")


@pytest.fixture(scope="module")
def designs(cb):
    out = {}
    for rnd in ("baseline", "endline"):
        data = cm.load_survey(SAMPLES / "aroland" / f"survey_{rnd}.csv", cb)
        out[rnd] = cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
    return out


@pytest.fixture(scope="module")
def overall(designs, cb):
    return {r: compute_indicators(d, codebook=cb).set_index("indicator") for r, d in designs.items()}


def test_shipped_catalogue(cb):
    cat = load_catalogue(codebook=cb)  # validates every expression against the sample codebook
    assert len(cat) >= 18
    assert set(REQUIRED) <= set(cat.ids)
    assert "shipped" in cat.origin and cat.version
    frame = cat.to_frame()
    assert frame["stage"].isin(STAGES).all() and frame["type"].isin(TYPES).all()
    assert frame["source"].str.len().gt(10).all() and frame["definition"].str.len().gt(10).all()
    assert set(frame["stage"]) >= {"reach", "knowledge", "attitude", "intention", "behaviour"}
    assert cat["intend_irregular"].direction == "lower"
    assert cat["comprehension"].population == "aided_recall"


def test_columns_contract(overall):
    table = overall["baseline"].reset_index()
    assert list(table.columns) == list(INDICATOR_COLUMNS)
    assert table["suppressed"].dtype == bool and table["flagged"].dtype == bool


# R survey numbers from tests/reference/indicators.R (same data, scoring written out in R)
@pytest.mark.parametrize("rnd", ["baseline", "endline"])
@pytest.mark.parametrize(
    "indicator, scale",
    [
        ("knowledge_score", 1),
        ("attitude_index", 1),
        ("risk_perception", 1),
        ("aided_recall_net", 1),
        ("risk_aware", 100),
        ("safe_practices", 1),
    ],
)
def test_against_r(overall, rnd, indicator, scale):
    est, se = R_INDICATORS[f"{rnd}:{indicator}"][:2]
    row = overall[rnd].loc[indicator]
    assert row["estimate"] == pytest.approx(est * scale, rel=1e-9)
    assert row["se"] == pytest.approx(se * scale, rel=1e-7)


@pytest.mark.parametrize("rnd", ["baseline", "endline"])
def test_comprehension_logit_interval_against_r(designs, cb, overall, rnd):
    est, se, lo, hi = R_INDICATORS[f"{rnd}:comprehension"]
    # df="degf": svyciprop's degrees of freedom (PSUs minus strata); the default lowers them where
    # one stratum (here the certainty village's) carries the variance, so its interval is wider
    row = compute_indicators(designs[rnd], codebook=cb, df="degf", indicators=["comprehension"])
    row = row.set_index("indicator").loc["comprehension"]
    default = overall[rnd].loc["comprehension"]
    assert default["df"] <= row["df"] and default["ci_low"] <= row["ci_low"] and default["ci_high"] >= row["ci_high"]
    assert (row["estimate"], row["se"]) == pytest.approx((100 * est, 100 * se), rel=1e-7)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((100 * lo, 100 * hi), rel=1e-7)
    assert row["denominator"] == "respondents who recognised the poster"
    assert row["n"] == int(overall[rnd].loc["aided_recall", "n"] * 0 + row["n"])  # an int


def test_comprehension_counts_only_recognisers(designs, overall):
    data = designs["baseline"].data
    recognised = data["aided_recall"].astype("boolean").fillna(False) & data["comprehension"].notna()
    assert overall["baseline"].loc["comprehension", "n"] == int(recognised.sum())


def test_by_domains_against_r(designs, cb):
    table = compute_indicators(
        designs["baseline"], codebook=cb, by=["sex", "age_group"], indicators=["knowledge_score"]
    )
    assert len(table) == 6
    for _, row in table.iterrows():
        est, se = R_INDICATORS[f"baseline:knowledge_score:{row['sex']}:{row['age_group']}"]
        assert row["estimate"] == pytest.approx(est, rel=1e-9)
        assert row["se"] == pytest.approx(se, rel=1e-7)
    signs = compute_indicators(designs["baseline"], codebook=cb, by="sex", indicators=["warning_signs_3plus"])
    for _, row in signs.iterrows():
        est, se = R_INDICATORS[f"baseline:warning_signs_3plus:{row['sex']}"]
        assert row["estimate"] == pytest.approx(100 * est, rel=1e-9)
        assert row["se"] == pytest.approx(100 * se, rel=1e-7)


def test_suppression_and_flags(designs, cb):
    table = compute_indicators(
        designs["baseline"],
        codebook=cb,
        by=["sex", "age_group"],
        indicators=["comprehension", "safe_practices"],
    )
    comp = table[table["indicator"] == "comprehension"]
    small = comp["n"] < 25
    assert small.any()
    assert comp.loc[small, "suppressed"].all()
    assert comp.loc[small, ["estimate", "se", "ci_low", "ci_high", "deff"]].isna().all(axis=None)
    assert comp.loc[small, "note"].str.contains("fewer than 25").all()
    sp = table[table["indicator"] == "safe_practices"]
    mid = (sp["n"] >= 25) & (sp["n"] < 50)
    assert mid.any() and sp.loc[mid, "flagged"].all() and not sp.loc[mid, "suppressed"].any()
    assert sp.loc[mid, "estimate"].notna().all()
    # the thresholds are parameters
    loose = compute_indicators(
        designs["baseline"],
        codebook=cb,
        by=["sex", "age_group"],
        indicators=["comprehension"],
        min_n=5,
        flag_n=10,
    )
    assert not loose["suppressed"].any()


def test_empty_domain_gets_a_row_with_a_reason(designs, cb):
    # safe practices are asked of regular migrants and returnees only: the other statuses have an
    # empty denominator, and still get a row
    table = compute_indicators(
        designs["baseline"], codebook=cb, by="migration_status", indicators=["safe_practices", "risk_aware"]
    )
    sp = table[table["indicator"] == "safe_practices"].set_index("migration_status")
    assert set(sp.index) == set(designs["baseline"].data["migration_status"].dropna())
    assert sp.loc["none", "n"] == 0 and sp.loc["none", "suppressed"]
    assert "no respondents in the denominator" in sp.loc["none", "note"]
    assert not sp.loc["returnee", "suppressed"]
    assert not table[table["indicator"] == "risk_aware"]["suppressed"].any()


def test_domain_that_cannot_be_estimated_does_not_sink_the_table(cb):
    # a ratio whose denominator total is zero in one domain (nobody in region z was exposed):
    # that domain gets a row with the reason, the others are estimated
    n = 120
    exposed = np.array([1, 0] * (n // 2))
    exposed[-20:] = 0
    data = pd.DataFrame(
        {
            "stratum": ["a"] * 60 + ["b"] * 60,
            "psu": [f"a{i % 6}" for i in range(60)] + [f"b{i % 6}" for i in range(60)],
            "weight": 1.0,
            "region": ["x"] * 60 + ["y"] * 40 + ["z"] * 20,
            "info_seeking": pd.array([True, False, False] * 40, dtype="boolean"),
        }
    )
    for opt in ("radio", "tv", "facebook", "events"):
        data[f"exposed/{opt}"] = exposed if opt == "radio" else 0
    data["exposed/none"] = 1 - exposed
    ind = Indicator(
        id="seekers_per_exposed",
        name="Seekers per exposed",
        definition="Information seekers per person exposed",
        stage="behaviour",
        type="ratio",
        unit="ratio",
        direction="higher",
        source="test",
        numerator="info_seeking",
        denominator="any(exposed)",
    )
    design = cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = compute_indicators(design, ind, codebook=cb, by="region", min_n=0, flag_n=0)
    assert list(table["region"]) == ["x", "y", "z"]
    assert table["estimate"].iloc[:2].notna().all()
    z = table.iloc[2]
    assert np.isnan(z["estimate"]) and z["suppressed"] and z["n"] == 20
    assert ("is 0 in this domain" in z["note"] or "total is zero" in z["note"]) and "__ind" not in z["note"]
    assert "any(exposed)" in z["note"]
    # x: 20 seekers... by hand: seekers / exposed among region x rows
    x = data.iloc[:60]
    assert table["estimate"].iloc[0] == pytest.approx(
        x["info_seeking"].astype(float).sum() / exposed[:60].sum()
    )


def test_compare_rounds(overall, designs, cb):
    ch = compare_rounds(designs["baseline"], designs["endline"], codebook=cb).set_index("indicator")
    assert list(ch.reset_index().columns) == list(COMPARE_COLUMNS)
    for ind, scale in (("risk_aware", 100), ("knowledge_score", 1), ("attitude_index", 1)):
        (eb, sb), (ee, se) = R_INDICATORS[f"baseline:{ind}"][:2], R_INDICATORS[f"endline:{ind}"][:2]
        row = ch.loc[ind]
        # independent rounds: change and its SE from R's two estimates, sqrt(se_b^2 + se_e^2)
        assert row["change"] == pytest.approx(scale * (ee - eb), rel=1e-8)
        assert row["se"] == pytest.approx(scale * np.hypot(sb, se), rel=1e-7)
        assert row["ci_low"] < row["change"] < row["ci_high"]
    assert ch.loc["risk_aware", "change_unit"] == "pp"
    assert ch.loc["knowledge_score", "change_unit"] == "points"
    assert ch.loc["warning_signs_mean", "change_unit"] == "signs (of 5)"
    # the sample world plants a campaign effect on exposure and none on knowledge
    assert ch.loc["exposed_any", "p_value"] < 0.001 and ch.loc["exposed_any", "change"] > 0
    # tables can be passed instead of designs
    again = compare_rounds(overall["baseline"].reset_index(), overall["endline"].reset_index()).set_index(
        "indicator"
    )
    assert again.loc["risk_aware", "se"] == pytest.approx(ch.loc["risk_aware", "se"])


def test_compare_rounds_suppressed_in_one_round(designs, cb):
    ch = compare_rounds(
        designs["baseline"],
        designs["endline"],
        codebook=cb,
        by="sex",
        indicators=["comprehension"],
        min_n=60,
        flag_n=60,
    )
    f = ch.set_index("sex")
    assert f["suppressed"].any()
    row = f[f["suppressed"]].iloc[0]
    assert np.isnan(row["change"]) and "baseline" in row["note"]


# ------------------------------------------------------------------ user catalogues
GOOD = """
version: "u1"
indicators:
  - id: risk_aware
    name: Risk awareness (project definition)
    definition: Share aware of high risks among those planning to migrate
    stage: attitude
    type: proportion
    numerator: risk_aware
    population: migration_status != "none"
    unit: "%"
    direction: higher
    source: project M&E plan
  - id: hotline_and_signs
    name: Hotline and 2 signs
    definition: Knows the hotline and names at least 2 warning signs
    stage: knowledge
    type: proportion
    numerator: hotline_known and count(signs) >= 2
    unit: "%"
    direction: higher
    source: project M&E plan
  - id: radio_per_exposed
    name: Radio share of exposures
    definition: Radio exposures per person exposed on any channel
    stage: reach
    type: ratio
    numerator: selected(exposed, "radio")
    denominator: any(exposed)
    unit: ratio
    direction: higher
    source: project M&E plan
"""


def test_user_catalogue_merged_or_alone(tmp_path, cb, designs):
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD)
    merged = load_catalogue(path, codebook=cb)
    assert "1 replaced (risk_aware)" in merged.origin and "2 added" in merged.origin
    assert merged["risk_aware"].population == 'migration_status != "none"'
    assert "knowledge_score" in merged
    alone = load_catalogue(path, merge=False)
    assert alone.ids == ["risk_aware", "hotline_and_signs", "radio_per_exposed"] and "alone" in alone.origin
    t = compute_indicators(designs["endline"], alone, codebook=cb).set_index("indicator")
    data = designs["endline"].data
    w = data["weight"]
    both = (data["hotline_known"].astype(float) == 1) & (
        data[
            [f"signs/{s}" for s in ("no_contract", "fees_debt", "passport_kept", "too_good", "vague_job")]
        ].sum(axis=1)
        >= 2
    )
    # weighted share by hand (no missing values in these items)
    assert t.loc["hotline_and_signs", "estimate"] == pytest.approx(100 * (w * both).sum() / w.sum(), rel=1e-9)
    radio = data["exposed/radio"].astype(float)
    anyx = (
        data[["exposed/radio", "exposed/tv", "exposed/facebook", "exposed/events"]].astype(float).max(axis=1)
    )
    assert t.loc["radio_per_exposed", "estimate"] == pytest.approx(
        (w * radio).sum() / (w * anyx).sum(), rel=1e-9
    )


BAD = """
version: "bad"
indicators:
  - id: a
    name: A
    definition: unknown variable
    stage: knowledge
    type: proportion
    numerator: hotline_know
    unit: "%"
    direction: higher
    source: s
  - id: b
    name: B
    definition: unknown scale
    stage: knowledge
    type: score
    formula: knowledge(knowlege)
    unit: score
    direction: up
    source: s
  - id: a
    name: A again
    definition: duplicate
    stage: reach
    type: mean
    formula: risk_perception
    unit: x
    direction: higher
    source: s
  - id: d
    name: D
    definition: wrong type
    stage: attitude
    type: proportion
    numerator: risk_perception
    unit: "%"
    direction: higher
    source: s
  - id: e
    name: E
    definition: empty denominator
    stage: behaviour
    type: proportion
    numerator: info_seeking
    population: migration_status == "returnees"
    unit: "%"
    direction: higher
    source: s
  - id: f
    name: F
    definition: unsafe
    stage: reach
    type: mean
    formula: __import__("os").system("echo hi")
    unit: x
    direction: higher
    source: s
  - id: g
    name: G
    definition: always-zero denominator
    stage: reach
    type: proportion
    numerator: info_seeking
    denominator: "False"
    unit: "%"
    direction: higher
    source: s
"""


def test_validation_collects_every_problem(tmp_path, cb):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, merge=False)
    text = str(info.value)
    assert "duplicate id" in text and "direction 'up'" in text
    assert "Attribute is not allowed" in text or "unknown function" in text
    assert "always zero" in text
    # fix the structural problems; the rest are found against the codebook
    fixed = BAD.replace("direction: up", "direction: higher").replace(
        "  - id: a\n    name: A again", "  - id: c\n    name: A again"
    )
    fixed = fixed[: fixed.index("  - id: f")]
    path.write_text(fixed)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, merge=False, codebook=cb)
    problems = info.value.problems
    text = "\n".join(problems)
    assert "indicator 'a', numerator: unknown variable 'hotline_know' (did you mean 'hotline_known'?)" in text
    assert "indicator 'b', formula: unknown scale 'knowlege' (did you mean 'knowledge'?)" in text
    assert "indicator 'd', numerator: 'risk_perception' must be a yes/no expression" in text
    assert (
        "indicator 'e', population: 'returnees' is not a code of 'migration_status' (did you mean 'returnee'?)"
        in text
    )
    assert len(problems) == 4
    assert isinstance(info.value, CampaignMeError)


@pytest.mark.parametrize(
    "expr, text",
    [
        ("open('x').read()", "unknown function"),
        ("open('x')", "unknown function 'open'"),
        ("eval('1')", "unknown function 'eval'"),
        ("risk_aware.__class__", "Attribute is not allowed"),
        ("[x for x in risk_aware]", "ListComp is not allowed"),
        ("lambda: 1", "Lambda is not allowed"),
        ("risk_aware ** 2", "operator Pow is not allowed"),
        ("1 < risk_perception < 5", "chained"),
        ("exposed", "select_multiple question; use any(exposed)"),
        ("selected(exposed, 'cinema')", "'cinema' is not an option of 'exposed'"),
        ("count(k1)", "not a select_multiple"),
        ("risk_aware +", "cannot parse"),
    ],
)
def test_expression_whitelist(tmp_path, cb, expr, text):
    entry = {
        "id": "x",
        "name": "X",
        "definition": "d",
        "stage": "reach",
        "type": "mean",
        "formula": expr,
        "unit": "u",
        "direction": "higher",
        "source": "s",
    }
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump({"indicators": [entry]}))
    with pytest.raises(CatalogueError, match=re.escape(text)):
        load_catalogue(path, merge=False, codebook=cb)


def test_arguments(designs, cb):
    with pytest.raises(CatalogueError, match="did you mean 'risk_aware'"):
        compute_indicators(designs["baseline"], codebook=cb, indicators=["risk_awar"])
    with pytest.raises(CampaignMeError, match="by"):
        compute_indicators(designs["baseline"], codebook=cb, by="gender")
    with pytest.raises(CampaignMeError, match="flag_n"):
        compute_indicators(designs["baseline"], codebook=cb, min_n=50, flag_n=25)
    with pytest.raises(CatalogueError, match="codebook="):
        compute_indicators(designs["baseline"], indicators=["knowledge_score"])


def test_no_warnings_on_samples(cb):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for country in ("belmora", "corvia"):
            data = cm.load_survey(SAMPLES / country / "survey_endline.csv", cb)
            d = cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
            t = compute_indicators(d, codebook=cb, by=["sex", "age_group"])
            assert t["indicator"].nunique() == len(load_catalogue())
            assert (t["n"] > 0).all()


def test_docs_list_every_shipped_indicator():
    text = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    missing = [i for i in load_catalogue().ids if f"`{i}`" not in text]
    assert not missing, f"docs/indicators.md does not list {missing}"


def test_entry_that_does_not_fit_the_data_gets_a_row_with_a_reason(designs, cb):
    data = designs["baseline"].data.drop(columns=["hotline_known"])
    data = data.assign(a3=data["a3"].where(data.index != 5, 9))  # a Likert answer outside 1..5
    design = cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
    t = compute_indicators(design, codebook=cb, indicators=["hotline_known", "attitude_index", "risk_aware"])
    t = t.set_index("indicator")
    assert (
        t.loc["hotline_known", "suppressed"]
        and "'hotline_known' is not a column" in t.loc["hotline_known", "note"]
    )
    assert t.loc["attitude_index", "suppressed"]
    assert (
        "outside its 5 points" in t.loc["attitude_index", "note"]
        and "line 5: 9" in t.loc["attitude_index", "note"]
    )
    assert not t.loc["risk_aware", "suppressed"]


def test_catalogue_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.yaml"):
        load_catalogue(tmp_path / "nowhere.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators: [\n")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(bad)
    bad.write_text("indicatorz: []\n")
    with pytest.raises(CatalogueError, match="'indicators'"):
        load_catalogue(bad)


@pytest.mark.parametrize("country", ["aroland", "belmora", "corvia"])
def test_no_district_row_has_a_zero_se_inside_0_and_100(cb, country):
    """Issue 16: one district where nobody had a trait set se = 0 for every district of that
    indicator (hundreds of rows in the sample world, e.g. Belmora BE101). A proportion strictly
    between 0 and 100 always has sampling variance; R svyby gives each district its own SE."""
    for rnd in ("baseline", "endline"):
        data = cm.load_survey(SAMPLES / country / f"survey_{rnd}.csv", cb)
        design = cm.SurveyDesign.from_codebook(data, cb)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cm.EstimationWarning)
            t = compute_indicators(design, codebook=cb, by="district")
        shown = t[~t["suppressed"]]
        inner = shown[(shown["estimate"] > 0) & (shown["estimate"] < 100) & (shown["unit"] == "%")]
        assert len(inner) > 20
        assert (inner["se"] > 0).all(), inner.loc[inner["se"] <= 0, ["indicator", "district", "estimate", "se"]]


# ------------------------------------------------------------------ distinct values (issue 20)
@pytest.fixture(scope="module")
def tripled(designs):
    """The Aroland baseline three times (2,763 rows, each copy with its own PSUs): above the size
    from which expressions are computed on the distinct combinations of the values they read."""
    base = designs["baseline"].data
    parts = [base.assign(psu=base["psu"].astype(str) + f"-{i}") for i in range(3)]
    data = pd.concat(parts, ignore_index=True)
    return cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu")


def test_distinct_values_give_the_every_row_numbers(tripled, cb, monkeypatch):
    """Computing each expression once per distinct combination of its inputs is exact: the table
    equals the one computed row by row (the row-by-row path is the one checked against R above)."""
    assert len(tripled.data) >= expressions._DISTINCT_FROM
    fast = compute_indicators(tripled, codebook=cb, by=["district", "sex"])
    monkeypatch.setattr(expressions, "_DISTINCT_FROM", 10**12)
    slow = compute_indicators(tripled, codebook=cb, by=["district", "sex"])
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)


def test_distinct_values_evaluator_agrees_with_every_row(tripled, cb):
    ev = expressions.Evaluator(tripled.data, cb)
    for ind in load_catalogue(codebook=cb):
        for text in ind.expressions().values():
            tree = expressions.Checker(cb).parse(text).tree
            values, inverse = ev.evaluate_distinct(tree)
            assert inverse is not None and len(values) < len(tripled.data) / 4, text
            every_row = np.asarray(ev._num(ev.eval(tree)), dtype=float)
            np.testing.assert_array_equal(ev.evaluate(tree), np.broadcast_to(every_row, (len(tripled.data),)))


def test_distinct_values_errors_name_the_data_rows(tripled, cb):
    """A bad value found on the distinct combinations is reported as the row-by-row path reports it
    (naming the data's own lines), because the expression is then computed on every row."""
    data = tripled.data.assign(a3=tripled.data["a3"].where(tripled.data.index != 2000, 9))
    design = cm.SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
    t = compute_indicators(design, codebook=cb, indicators=["attitude_index"]).set_index("indicator")
    note = t.loc["attitude_index", "note"]
    assert t.loc["attitude_index", "suppressed"] and "row 2000: 9" in note, note


def test_derived_columns_are_compact(tripled, cb):
    """Yes/no values and counts are handed to the design as 1-byte columns (issue 20: the float64
    columns were 8 bytes per respondent and indicator), scores as float64."""
    seen = {}
    real = cm.SurveyDesign.with_columns

    def spy(self, **columns):
        seen.update({k: np.asarray(v).dtype for k, v in columns.items()})
        return real(self, **columns)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cm.SurveyDesign, "with_columns", spy)
        ids = ["risk_aware", "warning_signs_mean", "knowledge_score"]
        compute_indicators(tripled, codebook=cb, indicators=ids)
    assert [seen[f"__ind{i}"] for i in range(3)] == [np.int8, np.int8, np.float64]


# ------------------------------------------------------------------ stage (was level) and settings
def test_stage_is_the_results_chain_and_level_its_old_name(tmp_path, cb, designs):
    cat = load_catalogue()
    assert cat["exposed_any"].stage == "reach"
    with pytest.warns(DeprecationWarning, match="Indicator.stage"):
        assert cat["exposed_any"].level == "reach"
    with pytest.warns(DeprecationWarning, match="STAGES"):
        from campaign_me.indicators import LEVELS
    assert LEVELS == STAGES
    fields = dict(id="x", name="X", definition="d", type="proportion", unit="%", direction="higher",
                  source="s", numerator="risk_aware")
    with pytest.warns(DeprecationWarning, match="stage="):
        old = Indicator(level="knowledge", **fields)
    assert old == Indicator(stage="knowledge", **fields)
    with pytest.raises(TypeError, match="not both"), pytest.warns(DeprecationWarning):
        Indicator(level="knowledge", stage="knowledge", **fields)
    # a user's file that still says level: is read as stage, without a warning
    path = tmp_path / "old.yaml"
    path.write_text(GOOD)
    assert "stage: attitude" in GOOD
    path.write_text(GOOD.replace("stage:", "level:"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        user = load_catalogue(path, merge=False, codebook=cb)
    assert user["risk_aware"].stage == "attitude"
    path.write_text(GOOD.replace("stage: attitude", "stage: attitude\n    level: attitude"))
    with pytest.raises(CatalogueError, match="give 'stage' only"):
        load_catalogue(path, merge=False)
    path.write_text(GOOD.replace("stage: attitude", "stage: atitude"))
    with pytest.raises(CatalogueError, match="stage 'atitude' is not one of .*did you mean 'attitude'"):
        load_catalogue(path, merge=False)
    t = compute_indicators(designs["baseline"], codebook=cb, indicators=["exposed_any"])
    assert t["stage"].tolist() == ["reach"] and "level" not in t.columns


def test_settings_value(designs, cb):
    d = designs["baseline"]
    ids = ["risk_aware", "comprehension"]
    by_keywords = compute_indicators(d, codebook=cb, indicators=ids, level=0.9, min_n=40, flag_n=1000)
    settings = Reporting(level=0.9, min_n=40, flag_n=1000)
    by_settings = compute_indicators(d, codebook=cb, indicators=ids, settings=settings)
    pd.testing.assert_frame_equal(by_keywords, by_settings)
    assert by_settings["flagged"].all()
    # a keyword given explicitly wins over settings
    mixed = compute_indicators(d, codebook=cb, indicators=ids, settings=settings.replace(level=0.5), level=0.9)
    pd.testing.assert_frame_equal(by_keywords, mixed)
    with pytest.raises(CampaignMeError, match=r"level=95 must be .* between 0 and 1 \(did you mean 0.95\?\)"):
        compute_indicators(d, codebook=cb, indicators=ids, level=95)
    with pytest.raises(CampaignMeError, match="min_n=2.5 must be a whole number"):
        compute_indicators(d, codebook=cb, indicators=ids, min_n=2.5)
    with pytest.raises(CampaignMeError, match="settings="):
        compute_indicators(d, codebook=cb, indicators=ids, settings={"level": 0.9})
    change = compare_rounds(designs["baseline"], designs["endline"], codebook=cb, indicators=ids,
                            settings=Reporting(min_n=10**6, flag_n=10**6))
    assert change["suppressed"].all()
