"""Tests of campaign_me.codebook: reading, checking and describing a codebook (and the XLSForm it
may name).

The codebooks live in tests/data/good and tests/data/bad (written by tests/data/make_fixtures.py);
the example codebook of docs/codebook.md is checked too.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from campaign_me.codebook import Codebook, CodebookError, read_xlsform
from campaign_me.errors import IntakeError
from campaign_me.intake import load_survey

from .intake_files import BAD, CODEBOOK, FORM, KOBO_CODEBOOK, stale_dimension


@pytest.fixture(scope="module")
def cb() -> Codebook:
    return Codebook.from_yaml(CODEBOOK)


class TestCodebook:
    def test_metadata_and_variables(self, cb: Codebook) -> None:
        assert (cb.dataset, cb.version, cb.id, cb.weight, cb.strata, cb.psu) == (
            "kap_fixture",
            "1.0",
            "resp_id",
            "weight",
            "district",
            None,
        )
        assert cb.names[:3] == ["resp_id", "district", "weight"]
        assert isinstance(cb.variables["age"].min, int)
        # id, weight and strata are required because the codebook names them
        assert cb["weight"].required and cb["district"].required and cb["resp_id"].required
        assert not cb["comments"].required

    def test_items_by_scale(self, cb: Codebook) -> None:
        assert cb.items("knowledge") == ["k1_fee", "k2_passport"]
        assert cb.items(["attitude", "practice"]) == ["a1_regular", "a2_broker", "checked_licence"]
        assert cb.scales() == [
            "knowledge",
            "attitude",
            "risk_perception",
            "intention",
            "exposure",
            "practice",
        ]
        assert len(cb.items()) == 8
        with pytest.raises(
            CodebookError, match=r"no items with scale 'knowlege' \(did you mean 'knowledge'\?\)"
        ):
            cb.items("knowlege")

    def test_item_metadata(self, cb: Codebook) -> None:
        k1, a2 = cb["k1_fee"], cb["a2_broker"]
        assert k1.role == "item" and k1.correct == (2,) and 98 in k1.codes and 98 not in k1.missing
        assert (a2.points, a2.reverse, a2.ordered) == (5, True, True)
        assert cb["checked_licence"].correct == (True,)
        assert cb["risk_detained"].missing == {-99: "Refused"}  # codebook-level default
        assert cb["resp_id"].missing == {}  # never for ids

    def test_labels_and_pii(self, cb: Codebook) -> None:
        assert cb.labels("k1_fee") == {1: "True", 2: "False", 98: "Don't know"}
        assert cb.labels("age", missing=True) == {-99: "Refused"}
        assert cb.labels("channels")["facebook"] == "Facebook"
        assert cb.pii_columns() == ["respondent_name", "phone"]
        assert cb.columns()[14:18] == ["channels/radio", "channels/tv", "channels/facebook", "channels/event"]
        with pytest.raises(CodebookError, match=r"no variable 'agee' \(did you mean 'age'\?\)"):
            cb["agee"]

    def test_frozen_and_frame(self, cb: Codebook) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            cb.dataset = "x"  # type: ignore[misc]
        frame = cb.to_frame()
        assert list(frame.columns[:4]) == ["name", "label", "type", "role"]
        assert frame.set_index("name").loc["k1_fee", "codes"] == "1=True; 2=False; 98=Don't know"

    def test_yaml_12_booleans_and_aliases(self, tmp_path: Path) -> None:
        path = tmp_path / "cb.yaml"
        path.write_text(
            "dataset: d\n"
            "variables:\n"
            "  - {name: q, type: select_one, codes: &yn {yes: Yes, no: No, on: On, off: Off}}\n"
            "  - {name: q2, type: categorical, codes: *yn}\n"
            "  - {name: w, type: float}\n"
            "  - {name: who, type: string, role: pii}\n"
            "  - {name: ok, type: boolean, required: true}\n"
        )
        cb = Codebook.from_yaml(path)
        assert (cb["q"].type, cb["w"].type, cb["who"].role) == ("categorical", "number", "identifier")
        assert cb.labels("q") == cb.labels("q2") == {"yes": "Yes", "no": "No", "on": "On", "off": "Off"}
        assert cb["ok"].required is True  # YAML 1.2 true is still a boolean

    def test_yaml_12_integers(self, tmp_path: Path) -> None:
        """010 is not octal 8: leading-zero codes stay text and match the data as written."""
        path = tmp_path / "cb.yaml"
        path.write_text(
            "dataset: d\n"
            "id: rid\n"
            "variables:\n"
            "  rid: {type: id}\n"
            "  region: {type: categorical, codes: {010: A, 020: B, 030: C}}\n"
            "  district: {type: categorical, codes: {01: North, 08: East, 11: Coast}}\n"
            "  n: {type: categorical, codes: {10: ten, 0x1F: hex, 0o17: octal, -3: minus}}\n"
            "  t: {type: text, label: 1_000, description: 1:30}\n"
        )
        cb = Codebook.from_yaml(path)
        assert cb.labels("region") == {"010": "A", "020": "B", "030": "C"}
        assert cb.labels("district") == {"01": "North", "08": "East", "11": "Coast"}
        assert cb.labels("n") == {10: "ten", 31: "hex", 15: "octal", -3: "minus"}
        assert (cb["t"].label, cb["t"].description) == ("1_000", "1:30")
        (tmp_path / "d.csv").write_text("rid,region,district,n\n1,010,01,10\n2,020,08,31\n3,10,1,15\n")
        data, problems = load_survey(tmp_path / "d.csv", cb, errors="report")
        assert data["region"].tolist()[:2] == ["010", "020"] and data["district"].tolist()[:2] == ["01", "08"]
        assert data["n"].tolist() == [10, 31, 15]
        assert problems[["column", "rows", "values"]].to_dict("records") == [
            {"column": "region", "rows": [4], "values": ["10"]},
            {"column": "district", "rows": [4], "values": ["1"]},
        ]

    def test_yes_no_stay_text_in_yaml(self, tmp_path: Path) -> None:
        path = tmp_path / "cb.yaml"
        path.write_text("dataset: d\nvariables:\n  consent: {type: categorical, codes: {yes: Yes, no: No}}\n")
        assert Codebook.from_yaml(path).labels("consent") == {"yes": "Yes", "no": "No"}

    def test_likert_codes_generated_from_points(self) -> None:
        cb = Codebook.from_dict({"dataset": "d", "variables": {"a": {"type": "categorical", "points": 4}}})
        assert list(cb["a"].codes) == [1, 2, 3, 4] and cb["a"].ordered

    def test_invalid_yaml_names_line(self) -> None:
        with pytest.raises(
            CodebookError, match=r"'codebook_not_yaml.yaml' is not valid YAML at line 4, column 1"
        ):
            Codebook.from_yaml(BAD / "codebook_not_yaml.yaml")

    def test_duplicate_key_is_an_error(self) -> None:
        with pytest.raises(
            CodebookError, match=r"at line 5, column 3: found the key 'age' twice \(first on line 3\)"
        ):
            Codebook.from_yaml(BAD / "codebook_duplicate.yaml")

    def test_every_problem_listed_with_variable_and_key(self) -> None:
        with pytest.raises(CodebookError, match=r"codebook 'codebook_errors.yaml' has 9 problems") as info:
            Codebook.from_yaml(BAD / "codebook_errors.yaml")
        msg = str(info.value)
        for fragment in [
            "variable 'age': key 'type': 'integr' is not a type; use one of id, integer, number,",
            "variable 'k1': key 'correct': 3 is not one of its codes (1, 2, 98)",
            "variable 'k2': code(s) 98 are both valid ('codes') and missing (its 'missing')",
            "variable 'k2': key 'correct' is missing: knowledge items need the correct answer(s)",
            "variable 'a1': key 'reverse': reverse-scored items need 'points'",
            "variable 'risk': unknown key 'lable' (did you mean 'label'?)",
            "variable 'risk': key 'min' (100) is greater than 'max' (0)",
            "variable 'channels': key 'points' is not allowed for type 'select_multiple'",
            "top level: key 'id': 'respid' is not a declared variable (did you mean 'resp_id'?)",
        ]:
            assert fragment in msg

    def test_codebook_level_missing_conflicts_with_valid_code(self) -> None:
        with pytest.raises(
            CodebookError, match=r"variable 'k': code\(s\) 98 are both valid .*codebook-level"
        ):
            Codebook.from_dict(
                {
                    "dataset": "d",
                    "missing": {98: "dk"},
                    "variables": {"k": {"type": "categorical", "codes": {1: "a", 98: "dk"}}},
                }
            )

    def test_not_a_mapping_and_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(
            CodebookError, match=r"top level: expected a mapping with 'dataset' and 'variables'"
        ):
            Codebook.from_dict(["a"])
        with pytest.raises(FileNotFoundError, match="codebook"):
            Codebook.from_yaml(tmp_path / "nope.yaml")

    def test_codebook_error_is_an_intake_and_value_error(self) -> None:
        assert issubclass(CodebookError, IntakeError) and issubclass(CodebookError, ValueError)

    def test_from_xlsform(self) -> None:
        form = read_xlsform(FORM)
        assert form.choices["tf"] == {"1": "True", "2": "False", "98": "Don't know"}
        assert form.questions["channels"][:2] == ("select_multiple", "channel_list")
        cb = Codebook.from_xlsform(FORM)
        assert cb.dataset == "kobo_fixture" and cb.version == "2025.1"
        assert cb.labels("k1_fee") == {1: "True", 2: "False", 98: "Don't know"}
        assert cb["gps"].role == "identifier" and cb["start"].role == "metadata"
        assert cb["age"].label == "How old are you?"

    def test_with_form_fills_codes_and_labels(self) -> None:
        cb = Codebook.from_yaml(KOBO_CODEBOOK).with_form(FORM)
        assert cb.labels("channels") == {
            "radio": "Radio",
            "tv": "Television",
            "facebook": "Facebook",
            "event": "Community event",
        }
        assert cb["k1_fee"].correct == (2,) and cb["age"].label == "How old are you?"

    def test_with_form_unknown_choice_list(self) -> None:
        cb = Codebook.from_dict(
            {"dataset": "d", "variables": {"q": {"type": "categorical", "choices": "channel_lst"}}}
        )
        with pytest.raises(CodebookError, match=r"list 'channel_lst' is not in the form's choices sheet"):
            cb.with_form(FORM)


def test_stale_dimension_record_in_xlsform(tmp_path: Path) -> None:
    stale_dimension(FORM, tmp_path / "form.xlsx", "xl/worksheets/sheet2.xml", "A1:C3")  # choices
    form = read_xlsform(tmp_path / "form.xlsx")
    assert list(form.choices["channel_list"]) == ["radio", "tv", "facebook", "event"]


def test_documented_example_codebook_is_valid(tmp_path: Path) -> None:
    """The full example in docs/codebook.md must stay a valid codebook."""
    doc = (Path(__file__).parents[1] / "docs" / "codebook.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# codebook\.yaml.*?)```", doc, re.S)
    assert block is not None
    (tmp_path / "codebook.yaml").write_text(block.group(1), encoding="utf-8")
    cb = Codebook.from_yaml(tmp_path / "codebook.yaml")
    assert cb.form == tmp_path / "kap_form.xlsx"
    assert cb.items("knowledge") == ["k1_fee", "k2_passport", "k3_signs"]
    assert cb["a2_broker"].reverse and cb["checked_licence"].missing == {-98: "Not applicable"}
    assert cb.pii_columns() == ["respondent_name", "phone", "gps"]
    assert cb["channels"].choices == "channel_list" and cb.psu == "cluster"
