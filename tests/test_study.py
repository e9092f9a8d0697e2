"""The study in the codebook: arm, rounds and concepts; catalogues of one's own; definitions from the items.

The survey of tests/data/rounds/ (a researcher's own names, the same villages in both rounds) is the
example throughout; its reference numbers come from R (tests/reference/rounds.R, survey 4.1-1, stored
in tests/reference/rounds_reference.py). Rules of the codebook and of the placeholders are checked
against closed forms written out in the comments.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from campaign_me import Codebook, SurveyDesign, load_survey
from campaign_me.codebook import ROUNDS, Arm
from campaign_me.errors import CodebookError, ColumnError, DataError
from campaign_me.indicators import (
    CatalogueError,
    applicable,
    compare_rounds,
    compute_indicators,
    did_indicators,
    load_catalogue,
)
from campaign_me.yamlfile import parse_yaml
from tests.reference.rounds_reference import R_ROUNDS

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "tests" / "data" / "rounds"
CODEBOOK = HERE / "codebook.yaml"


def _base() -> dict:
    return {
        "dataset": "d", "id": "rid", "weight": "w", "strata": "district", "psu": "village",
        "missing": {98: "Don't know", 99: "Refused"},
        "variables": {
            "rid": {"type": "id"}, "w": {"type": "number"}, "district": {"type": "text"},
            "village": {"type": "integer"},
            "program_arm": {"type": "categorical", "codes": {0: "Comparison", 1: "Campaign"}},
            "zone": {"type": "categorical", "codes": {"A": "North", "B": "South", "C": "Coast"}},
            "campaign": {"type": "boolean", "true": [1, "yes"], "false": [2, "no"]},
            "aware_risk": {"type": "boolean", "concept": "risk_aware"},
            "age": {"type": "integer"},
        },
    }


def _problems(spec: dict, tmp_path: Path) -> str:
    path = tmp_path / "codebook.yaml"
    import yaml

    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        Codebook.from_yaml(path)
    return str(err.value)


# ---------------------------------------------------------------- the keys
def test_arm_rounds_and_concepts_are_read_and_written_back():
    cb = Codebook.from_dict({**_base(), "arm": {"column": "program_arm", "campaign": 1}, "rounds": "same_clusters"})
    assert cb.arm == Arm("program_arm", campaign=(1,), codes=(0, 1))
    assert cb.arm.comparison == (0,) and cb.rounds == "same_clusters" and ROUNDS == (
        "independent", "same_clusters", "panel")
    assert cb.concepts == {"risk_aware": "aware_risk"}
    # the arm column is a design column: required, and the codebook-level missing codes do not apply to it
    assert cb["program_arm"].required and cb["program_arm"].missing == {}
    assert cb["age"].missing == {98: "Don't know", 99: "Refused"}
    again = Codebook.from_dict(parse_yaml(cb.to_yaml()))
    assert again == cb and again.arm == cb.arm and again.rounds == "same_clusters"
    assert "concept: risk_aware" in cb.to_yaml() and "rounds: same_clusters" in cb.to_yaml()
    # defaults
    plain = Codebook.from_dict(_base())
    assert plain.arm is None and plain.rounds == "independent" and "rounds" not in plain.to_dict()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"rounds": "panels"}, "key 'rounds': 'panels' is not one of independent, same_clusters, panel (did you "
                               "mean 'panel'?)"),
        ({"rounds": "same_clusters", "psu": None}, "key 'rounds': same_clusters needs 'psu'"),
        ({"rounds": "panel", "id": None}, "key 'rounds': panel needs 'id'"),
        ({"arm": {"column": "program_armm", "campaign": [1]}},
         "key 'arm': column 'program_armm' is not a declared variable (did you mean 'program_arm'?)"),
        ({"arm": {"column": "program_arm", "campaign": [3]}},
         "key 'arm': campaign code 3 is not a code of 'program_arm' (0, 1)"),
        ({"arm": {"column": "program_arm", "campaign": [0, 1]}},
         "key 'arm': every code of 'program_arm' is a campaign code"),
        ({"arm": {"column": "program_arm"}}, "key 'arm': 'campaign' must list the code(s)"),
        ({"arm": {"column": "program_arm", "campaign": [1], "comparison": [0]}},
         "key 'arm': unknown key 'comparison'"),
        ({"arm": {"column": "age", "campaign": [1]}},
         "variable 'age': the arm column must be boolean, or categorical with its codes"),
        ({"arm": {"column": "campaign", "campaign": ["maybe"]}},
         "key 'arm': campaign code 'maybe' is not a yes/no value of the boolean 'campaign'"),
        ({"arm": "program_arm"}, "key 'arm' must be a mapping {column: <variable>, campaign: [codes]}"),
    ],
)
def test_study_keys_are_refused_naming_file_key_and_value(change, message, tmp_path):
    spec = {**_base(), **change}
    spec = {k: v for k, v in spec.items() if v is not None}
    text = _problems(spec, tmp_path)
    assert "'codebook.yaml'" in text and message in text


def test_concepts_are_refused_when_ambiguous(tmp_path):
    spec = _base()
    spec["variables"]["aware2"] = {"type": "boolean", "concept": "risk_aware"}
    spec["variables"]["age2"] = {"type": "integer", "concept": "age"}
    spec["variables"]["q"] = {"type": "integer", "concept": "risk aware"}
    text = _problems(spec, tmp_path)
    assert "variable 'aware2': key 'concept': 'risk_aware' is already the concept of variable 'aware_risk'" in text
    assert "variable 'age2': key 'concept': 'age' is also the name of another variable" in text
    assert "variable 'q': key 'concept' must be the name of a catalogue variable" in text


# ---------------------------------------------------------------- Arm.mask
def test_arm_mask_reads_codes_as_intake_does():
    cb = Codebook.from_dict({**_base(), "arm": {"column": "program_arm", "campaign": [1]}})
    lines = pd.Index([2, 3, 4, 5], name="line")
    loaded = pd.DataFrame({"program_arm": pd.array([1, 0, 1, 0], dtype="Int64")}, index=lines)
    assert cb.arm.mask(loaded).tolist() == [True, False, True, False]
    raw = pd.DataFrame({"program_arm": ["1", "0", "1.0", "0"]}, index=lines)  # as text, before intake
    assert cb.arm.mask(raw).tolist() == [True, False, True, False]
    bad = pd.DataFrame({"program_arm": pd.array([1, 5, None, 7], dtype="Int64")}, index=lines)
    with pytest.raises(DataError, match=r"arm column 'program_arm': no value at line 4; undeclared code\(s\) 5, 7 "
                                        r"at lines 3, 5; expected one of its declared codes \(0, 1; campaign: 1\)"):
        cb.arm.mask(bad)
    with pytest.raises(ColumnError, match="arm column 'program_arm' is not in the data"):
        cb.arm.mask(pd.DataFrame({"x": [1]}))
    # text codes and a boolean arm (campaign given as the file's code 1 or as true)
    zone = Codebook.from_dict({**_base(), "arm": {"column": "zone", "campaign": ["A", "C"]}}).arm
    assert zone.mask(pd.DataFrame({"zone": ["A", "B", "C"]})).tolist() == [True, False, True]
    for campaign in ([1], [True], ["yes"]):
        arm = Codebook.from_dict({**_base(), "arm": {"column": "campaign", "campaign": campaign}}).arm
        assert arm.campaign == (True,)
        assert arm.mask(pd.DataFrame({"campaign": pd.array([True, False], dtype="boolean")})).tolist() == [True, False]
        assert arm.mask(pd.DataFrame({"campaign": ["yes", "2"]})).tolist() == [True, False]


def test_arm_of_the_survey_and_its_design():
    cb = Codebook.from_yaml(CODEBOOK)
    data = load_survey(HERE / "baseline.csv", cb)
    design = SurveyDesign.from_codebook(data, cb)
    m = cb.arm.mask(design)
    # 3 of the 5 villages of each district are campaign villages, 15 respondents each (rounds_data.py)
    assert m.index.equals(data.index) and int(m.sum()) == 4 * 3 * 15


# ---------------------------------------------------------------- drafts from a form
def test_from_xlsform_marks_identifiers_as_the_draft_command_does(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    for row in (["text", "resp_name", "What is your name?"], ["text", "q7", "Phone number for follow-up"],
                ["select_one yn", "own_phone", "Do you own a mobile phone?"],
                ["text", "village", "Name of the village"], ["geopoint", "loc", "Location"]):
        ws.append(row)
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", "label"])
    ch.append(["yn", "1", "Yes"])
    ch.append(["yn", "0", "No"])
    path = tmp_path / "form.xlsx"
    wb.save(path)
    from campaign_me.xlsform import draft_codebook

    cb = Codebook.from_xlsform(path)
    roles = {name: v.role for name, v in cb.variables.items()}
    assert roles == {"resp_name": "identifier", "q7": "identifier", "own_phone": "other", "village": "other",
                     "loc": "identifier"}
    assert draft_codebook(path)[0].variables == cb.variables


# ---------------------------------------------------------------- one's own catalogue (docs/indicators.md)
def _docs_example() -> str:
    text = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# my_catalogue\.yaml\n.*?)```", text, flags=re.S)
    assert block, "the complete catalogue example of docs/indicators.md"
    return block.group(1)


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """The docs example on the rounds survey, with a migration_plan question added to its codebook."""
    folder = tmp_path_factory.mktemp("own")
    (folder / "my_catalogue.yaml").write_text(_docs_example(), encoding="utf-8")
    spec = Codebook.from_yaml(CODEBOOK).to_dict()
    spec["variables"]["migration_plan"] = {"type": "categorical", "codes": {0: "No", 1: "Regular", 2: "Irregular"}}
    cb = Codebook.from_dict(spec, source=CODEBOOK)
    designs = {}
    for r in ("baseline", "endline"):
        data = load_survey(HERE / f"{r}.csv", Codebook.from_yaml(CODEBOOK))
        plan = np.arange(len(data)) % 3  # deterministic: every third respondent has no plan
        designs[r] = SurveyDesign.from_codebook(data.assign(migration_plan=pd.array(plan, dtype="Int64")), cb)
    return folder / "my_catalogue.yaml", cb, designs


def test_the_documented_catalogue_loads_alone_and_merged(own):
    path, cb, designs = own
    mine = load_catalogue(path, merge=False, codebook=cb)
    assert mine.ids == ["hotline_known", "knowledge_high", "channels_planners"] and mine.version == "2025.1"
    merged = load_catalogue(path)
    assert len(merged) == 26 + 2 and merged["hotline_known"].numerator == "correct(knows_hotline)"
    described = load_catalogue(path, merge=False).describe(cb)
    # 75 % of 5 knowledge items: ceil(3.75) = 4 correct
    assert described["knowledge_high"].definition == (
        "Share of respondents answering at least 4 of the 5 knowledge items correctly")
    assert described["channels_planners"].unit == "channels (of 3)"  # radio, tv, facebook ("none" left out)
    assert mine["channels_planners"].unit == "channels (of 3)"  # load_catalogue(codebook=) describes too
    assert load_catalogue(path, merge=False)["channels_planners"].unit == "channels"  # without a codebook


def test_the_documented_catalogue_computes_by_path(own):
    path, cb, designs = own
    t = compute_indicators(designs["baseline"], path, codebook=cb, indicators=["hotline_known", "knowledge_high",
                                                                               "channels_planners"])
    t = t.set_index("indicator")
    # R: svymean(~hotline, subset(svydesign(id=~village, strata=~district, weights=~weight), !is.na(hotline)))
    est, se = R_ROUNDS["independent:baseline:hotline"]
    assert t.loc["hotline_known", "estimate"] == pytest.approx(100 * est, abs=1e-6, rel=1e-9)
    assert t.loc["hotline_known", "se"] == pytest.approx(100 * se, abs=1e-6, rel=1e-9)
    # the planners' mean is the weighted mean of the channel count over migration_plan in 1, 2 (closed form)
    d = designs["baseline"].data
    plan = d["migration_plan"].isin([1, 2]).to_numpy()
    count = d[["channels_seen/radio", "channels_seen/tv", "channels_seen/facebook"]].sum(axis=1).to_numpy(float)
    expect = np.average(count[plan], weights=d["weight"].to_numpy()[plan])
    assert t.loc["channels_planners", "estimate"] == pytest.approx(expect, rel=1e-12)
    assert t.loc["channels_planners", "name"] == "Channels seen by those planning to migrate"
    # the same path is taken by compare_rounds, did_indicators and applicable
    ch = compare_rounds(designs["baseline"], designs["endline"], path, codebook=cb, indicators=["hotline_known"])
    ref = R_ROUNDS["same_clusters:change:hotline"]  # R: svyglm(hotline ~ round, stacked, village PSUs)
    assert ch["change"].iloc[0] == pytest.approx(100 * ref[0], abs=1e-6)
    assert ch["se"].iloc[0] == pytest.approx(100 * ref[1], abs=1e-6)
    dd = did_indicators(designs["baseline"], designs["endline"], path, codebook=cb, indicators=["hotline_known"])
    ref = R_ROUNDS["same_clusters:did:hotline"]  # R: svyglm(hotline ~ arm * round, stacked, village PSUs)
    assert dd["estimate"].iloc[0] == pytest.approx(100 * ref[0], abs=1e-6)
    assert dd["se"].iloc[0] == pytest.approx(100 * ref[1], abs=1e-6)
    ok, other = applicable(path, cb, designs["baseline"])
    assert {"hotline_known", "knowledge_high", "channels_planners"} <= set(ok.ids)


# ---------------------------------------------------------------- placeholders
def _catalogue(tmp_path, entry: dict) -> Path:
    import yaml

    base = {"id": "x", "name": "X", "definition": "d", "level": "knowledge", "type": "proportion",
            "unit": "%", "direction": "higher", "source": "s"}
    path = tmp_path / "cat.yaml"
    path.write_text(yaml.safe_dump({"indicators": [{**base, **entry}]}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"numerator": "knowledge(knowledge) >= 80", "definition": "{at_leats} items"},
         "unknown placeholder {at_leats} (did you mean 'at_least'?)"),
        ({"numerator": "risk_aware", "definition": "{n_items} items"},
         "{n_items} describes the items of knowledge(), likert(), practice(), count() or any()"),
        ({"type": "score", "formula": "knowledge(knowledge)", "definition": "{at_least} items"},
         "{at_least} needs knowledge(), practice() or count() compared with a number"),
        ({"numerator": "knowledge(knowledge) >= 80", "definition": "{reversed}"}, "{reversed} needs likert()"),
    ],
)
def test_placeholders_that_cannot_be_filled_are_refused(entry, message, tmp_path):
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_catalogue(tmp_path, entry), merge=False)
    assert "indicator 'x', definition: " + message in str(err.value)


@pytest.mark.parametrize(
    "numerator, expected",
    [
        # k = ceil(T n / 100) items for score >= T, floor(T n / 100) + 1 for score > T; all when k >= n
        ("knowledge(knowledge) >= 80", "at least 4 of the 5"),
        ("knowledge(knowledge) >= 60", "at least 3 of the 5"),
        ("knowledge(knowledge) > 60", "at least 4 of the 5"),
        ("knowledge(knowledge) >= 100", "all 5"),
        # counts: k = T for >= T, T + 1 for > T, over the options without "none"
        ("count(exposed) >= 2", "at least 2 of the 3"),
        ("count(exposed) > 2", "all 3"),
        ("any(exposed)", "at least 1 of the 3"),
    ],
)
def test_at_least_follows_the_rule_and_the_items(numerator, expected, tmp_path):
    cat = load_catalogue(_catalogue(tmp_path, {"numerator": numerator, "definition": "{at_least} items"}),
                         merge=False)
    cb = Codebook.from_yaml(CODEBOOK)  # 5 knowledge items; channels_seen (concept exposed): 3 options and none
    assert cat["x"].describe(cb).definition == f"{expected} items"


def test_the_shipped_scale_labels_follow_the_codebook():
    cat = load_catalogue()
    sample = Codebook.from_yaml(ROOT / "data" / "samples" / "codebook.yaml")
    mine = Codebook.from_yaml(CODEBOOK)
    # the sample surveys: 6 knowledge items k1-k6, 5 warning signs, attitude a1-a5 with a2 and a4 reversed
    assert "at least 5 of the 6 knowledge items" in cat["knowledge_pass"].describe(sample).definition
    assert "the 6 knowledge items (k1-k6)" in cat["knowledge_score"].describe(sample).definition
    assert cat["warning_signs_mean"].describe(sample).unit == "signs (of 5)"
    assert "(a1-a5), a2 and a4 reversed" in cat["attitude_index"].describe(sample).definition
    assert "at least 4 of the 5 knowledge items" in cat["knowledge_pass"].describe(mine).definition
    # without a codebook: general words, never a count of items the survey may not have
    assert cat["knowledge_pass"].definition == (
        "Share of the target population answering at least 80 % of the knowledge items correctly "
        "(score of 80 or more)")
    assert not re.search(r"[{}]", " ".join(i.definition + i.unit for i in cat))
    # compute_indicators names and units rows as described for the survey
    t = compute_indicators(SurveyDesign.from_codebook(load_survey(HERE / "baseline.csv", mine), mine), codebook=mine,
                           indicators=["knowledge_pass"])
    assert t["unit"].iloc[0] == "%" and t["name"].iloc[0] == "Passed the knowledge test"
