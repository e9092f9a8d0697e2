"""Tests of campaign_me.codebook and campaign_me.intake (codebook, safe intake, PII guard, CLI).

Fixtures live in tests/data/good and tests/data/bad and are written by tests/data/make_fixtures.py.
Row numbers in messages are file rows: line numbers of CSV files, sheet rows of Excel files
(header = row 1), so the first data row of tests/data/good/survey.csv (id "001") is row 2.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_me.cli import main
from campaign_me.codebook import Codebook, CodebookError, read_xlsform
from campaign_me.errors import CampaignMeError, IntakeError, IntakeWarning
from campaign_me.intake import PROBLEM_COLUMNS, format_problems, load_survey
from campaign_me.privacy import find_pii


def validate_command(argv: list[str]) -> int:
    """``campaign-me validate ARGV`` in-process; its exit status (argparse exits on --help/usage)."""
    try:
        return main(["validate", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"
CODEBOOK = GOOD / "codebook.yaml"
KOBO_CODEBOOK = GOOD / "kobo_codebook.yaml"
FORM = GOOD / "kobo_form.xlsx"


@pytest.fixture(scope="module")
def cb() -> Codebook:
    return Codebook.from_yaml(CODEBOOK)


@pytest.fixture(scope="module")
def reference(cb: Codebook) -> pd.DataFrame:
    return load_survey(GOOD / "survey.csv", cb)


def _message(path: Path, codebook: Codebook | Path | None = CODEBOOK, **kwargs: object) -> str:
    with pytest.raises(IntakeError) as info:
        load_survey(path, codebook, **kwargs)
    return str(info.value)


def _checks(problems: pd.DataFrame, severity: str | None = None) -> list[str]:
    if severity is not None:
        problems = problems[problems["severity"] == severity]
    return problems["check"].tolist()


# ------------------------------------------------------------------------------------------------
# Codebook
# ------------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------------
# Good files
# ------------------------------------------------------------------------------------------------


class TestGoodFiles:
    def test_types_and_values(self, reference: pd.DataFrame) -> None:
        df = reference
        assert df.shape == (8, 18)
        assert df["resp_id"].tolist()[:3] == ["001", "002", "003"]  # leading zeros kept
        assert str(df["resp_id"].dtype) == "string"
        assert str(df["age"].dtype) == "Int64" and str(df["k1_fee"].dtype) == "Int64"
        assert df["weight"].dtype == np.float64
        assert pd.api.types.is_datetime64_any_dtype(df["interview_date"])
        assert str(df["checked_licence"].dtype) == "boolean"
        # -99 is a missing code (NA); 98 "don't know" is a valid knowledge answer
        assert pd.isna(df["age"].iloc[4]) and pd.isna(df["risk_detained"].iloc[2])
        assert df["k1_fee"].tolist() == [2, 98, 1, 2, 2, 1, 98, 2]
        assert pd.isna(df["checked_licence"].iloc[5])
        # select_multiple: 0/1 per option, NA where the question was not answered
        assert df.iloc[0][["channels/radio", "channels/facebook"]].tolist() == [1, 1]
        assert df.iloc[5][["channels/radio", "channels/tv"]].isna().all()

    def test_pii_dropped_with_note(self) -> None:
        df, problems = load_survey(GOOD / "survey.csv", CODEBOOK, errors="report")
        assert "respondent_name" not in df and "phone" not in df
        notes = problems[problems["check"] == "pii_dropped"]
        assert notes["column"].tolist() == ["respondent_name", "phone"]
        assert set(notes["severity"]) == {"note"}

    def test_keep_pii(self) -> None:
        df = load_survey(GOOD / "survey.csv", CODEBOOK, keep_pii=True)
        assert df["respondent_name"].iloc[0] == "Amina Test"
        assert list(df.columns[4:6]) == ["respondent_name", "phone"]

    def test_notes_are_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.INFO, logger="campaign_me.intake"):
            load_survey(GOOD / "survey.csv", CODEBOOK)
        assert "column 'phone': dropped: declared as an identifier" in caplog.text

    @pytest.mark.parametrize(
        "name", ["survey_semicolon.csv", "survey_bom.csv", "survey_utf16.txt", "survey.xlsx"]
    )
    def test_same_data_from_every_container(self, name: str, reference: pd.DataFrame) -> None:
        """Semicolons are sniffed, the UTF-8 BOM and UTF-16 are handled, Excel cells are read as text."""
        df = load_survey(GOOD / name, CODEBOOK)
        pd.testing.assert_frame_equal(df, reference)

    def test_excel_number_shown_with_leading_zeros(self) -> None:
        # resp_id of row 9 is the number 8 formatted "000" in the workbook
        assert load_survey(GOOD / "survey.xlsx", CODEBOOK)["resp_id"].iloc[-1] == "008"

    def test_bom_does_not_leak_into_first_column_name(self) -> None:
        assert (GOOD / "survey_bom.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
        df = load_survey(GOOD / "survey_bom.csv", CODEBOOK)
        assert df.columns[0] == "resp_id"

    def test_labels(self) -> None:
        df = load_survey(GOOD / "survey.csv", CODEBOOK, labels=True)
        assert df["sex"].tolist()[:2] == ["Female", "Male"]
        assert df["a2_broker"].cat.ordered and list(df["a2_broker"].cat.categories)[0] == "Strongly disagree"
        assert df["k1_fee"].iloc[1] == "Don't know"
        assert not df["intention"].cat.ordered

    def test_input_files_never_modified(self, tmp_path: Path, reference: pd.DataFrame) -> None:
        # Read-only (0444) copies of every kind of input: they load, and nothing is written.
        names = ["survey.csv", "survey.xlsx", "kobo_export.csv", "kobo_form.xlsx", "codebook.yaml"]
        names += ["kobo_codebook.yaml"]
        for name in names:
            shutil.copy(GOOD / name, tmp_path / name)
            (tmp_path / name).chmod(0o444)
        files = sorted(tmp_path.iterdir())
        before = {f: (f.stat().st_mtime_ns, f.stat().st_mode, f.read_bytes()) for f in files}
        pd.testing.assert_frame_equal(
            load_survey(tmp_path / "survey.csv", tmp_path / "codebook.yaml"), reference
        )
        data, problems = load_survey(tmp_path / "survey.xlsx", tmp_path / "codebook.yaml", errors="report")
        assert data["resp_id"].tolist()[-1] == "008" and _checks(problems, "error") == []
        kobo = load_survey(
            tmp_path / "kobo_export.csv", tmp_path / "kobo_codebook.yaml", form=tmp_path / "kobo_form.xlsx"
        )
        assert kobo["resp_id"].tolist() == ["K001", "K002", "K003", "K004"]
        load_survey(BAD / "text_in_numeric.csv", tmp_path / "codebook.yaml", errors="report")
        assert {f: (f.stat().st_mtime_ns, f.stat().st_mode, f.read_bytes()) for f in files} == before
        assert sorted(tmp_path.iterdir()) == files  # no new (temporary or lock) files either

    def test_explicit_encoding(self) -> None:
        df = load_survey(BAD / "non_utf8.csv", CODEBOOK, encoding="cp1252")
        assert df["comments"].iloc[2] == "Asked about the Dépôt office"

    def test_sheet_by_name_and_position(self, reference: pd.DataFrame) -> None:
        wave2 = load_survey(BAD / "several_sheets.xlsx", CODEBOOK, sheet="wave2")
        assert wave2["resp_id"].tolist() == ["005", "006", "007", "008"]
        wave1 = load_survey(BAD / "several_sheets.xlsx", CODEBOOK, sheet=0)
        assert wave1["resp_id"].tolist() == ["001", "002", "003", "004"]

    def test_without_codebook_everything_is_text(self) -> None:
        df, problems = load_survey(GOOD / "survey.csv", errors="report")
        assert df["resp_id"].iloc[0] == "001" and df["age"].iloc[0] == "19"
        assert "phone" not in df  # values look like phone numbers: dropped
        assert "respondent_name" not in df  # values look like person names: dropped too
        flagged = problems[problems["check"] == "pii_suspected"]
        assert flagged["column"].tolist() == ["respondent_name", "phone"] and set(flagged["severity"]) == {
            "warning"
        }
        assert "8 of 8 values look like person names" in flagged["problem"].iloc[0]
        assert "Amina" not in flagged["values"].iloc[0][0]  # the names are never shown

    def test_codebook_form_key_is_used(self, tmp_path: Path) -> None:
        shutil.copy(FORM, tmp_path / "form.xlsx")
        (tmp_path / "cb.yaml").write_text(KOBO_CODEBOOK.read_text() + "form: form.xlsx\n")
        df = load_survey(GOOD / "kobo_export.csv", tmp_path / "cb.yaml")
        assert df["channels/radio"].tolist()[:1] == [1]


class TestKobo:
    def test_export_with_form(self) -> None:
        df, problems = load_survey(GOOD / "kobo_export.csv", KOBO_CODEBOOK, form=FORM, errors="report")
        assert list(df.columns) == [
            "resp_id",
            "age",
            "k1_fee",
            "channels/radio",
            "channels/tv",
            "channels/facebook",
            "channels/event",
            "consent",
        ]
        assert not any(c.startswith("_") for c in df.columns)  # metadata set aside
        assert df["k1_fee"].tolist() == [2, 98, 1, 2]
        assert df["channels/facebook"].tolist()[:1] == [1] and pd.isna(df["channels/radio"].iloc[1])
        assert _checks(problems, "error") == [] and _checks(problems, "warning") == []
        meta = problems[problems["check"] == "metadata"].iloc[0]
        assert (
            "_uuid" in meta["values"] and "_submission_time" in meta["values"] and "start" in meta["values"]
        )
        assert problems.loc[problems["check"] == "pii_dropped", "column"].tolist() == ["gps"]

    @pytest.mark.parametrize("name", ["kobo_export_split.csv", "kobo_export_text.csv"])
    def test_select_multiple_layouts_agree(self, name: str) -> None:
        both = load_survey(GOOD / "kobo_export.csv", KOBO_CODEBOOK, form=FORM)
        pd.testing.assert_frame_equal(load_survey(GOOD / name, KOBO_CODEBOOK, form=FORM), both)

    def test_form_without_codebook(self) -> None:
        df = load_survey(GOOD / "kobo_export.csv", form=FORM)
        assert df["channels/event"].tolist() == [0, pd.NA, 0, 1]
        assert df["k1_fee"].tolist() == [2, 98, 1, 2] and df["consent"].tolist() == [
            "yes",
            "yes",
            "no",
            "yes",
        ]
        assert "gps" not in df and "start" in df  # start/end are metadata questions of the form

    def test_metadata_declared_in_codebook_is_kept(self, tmp_path: Path) -> None:
        (tmp_path / "cb.yaml").write_text(
            KOBO_CODEBOOK.read_text() + "  _submission_time: {type: datetime, role: metadata}\n"
        )
        df = load_survey(GOOD / "kobo_export.csv", tmp_path / "cb.yaml", form=FORM)
        assert df["_submission_time"].iloc[0] == pd.Timestamp("2025-03-03 07:30:00")

    def test_inconsistent_select_multiple(self, tmp_path: Path) -> None:
        text = (GOOD / "kobo_export.csv").read_text().replace('"radio facebook"', '"radio"')
        (tmp_path / "kobo.csv").write_text(text)
        msg = _message(tmp_path / "kobo.csv", KOBO_CODEBOOK, form=FORM)
        assert (
            "column 'channels': the 0/1 option columns disagree with the space-separated column "
            "'exposure/channels' at row 2; expected the same options in both" in msg
        )

    def test_undeclared_option(self, tmp_path: Path) -> None:
        text = (GOOD / "kobo_export_text.csv").read_text().replace("radio facebook", "radio tiktok")
        (tmp_path / "kobo.csv").write_text(text)
        msg = _message(tmp_path / "kobo.csv", KOBO_CODEBOOK, form=FORM)
        assert (
            "column 'channels': options not in the codebook at row 2: 'tiktok'; expected space-separated"
            in msg
        )


# ------------------------------------------------------------------------------------------------
# The corpus of broken files: one test per kind, asserting file, column, rows and values
# ------------------------------------------------------------------------------------------------

HEAD_CSV = "rows are line numbers in the file (the header is line 1)"


class TestBadFiles:
    def test_empty_file(self) -> None:
        with pytest.raises(
            IntakeError, match=r"cannot load 'empty.csv' .*\n  - the file is empty \(0 bytes\)"
        ):
            load_survey(BAD / "empty.csv", CODEBOOK)

    def test_header_only(self) -> None:
        msg = _message(BAD / "header_only.csv")
        assert "cannot load 'header_only.csv'" in msg
        assert "  - header but no data lines; expected data lines under the header (line 1)" in msg

    def test_mixed_delimiters(self) -> None:
        with pytest.raises(
            IntakeError,
            match=re.escape(
                "lines delimited by ';' while the header uses ',' (mixed delimiters) at rows 4, 6; "
                "expected one delimiter throughout, 20 fields per line like the header"
            ),
        ):
            load_survey(BAD / "mixed_delimiters.csv", CODEBOOK)

    def test_non_utf8(self) -> None:
        msg = _message(BAD / "non_utf8.csv")
        assert (
            "column 'comments': text is not valid UTF-8 (first bad byte 0xE9 at byte position 503: line 4, "
            "column 99) at rows 4, 7: 'Asked about the Dépôt office', 'From São Paulo'" in msg
        )
        assert "pass encoding='cp1252'" in msg

    def test_second_header_row(self) -> None:
        msg = _message(BAD / "two_header_rows.csv")
        assert (
            "second header row (labels or merged header cells) under the column names at row 2: "
            "'Respondent ID', 'District (stratum)'" in msg
        )
        assert msg.count("\n  - ") == 1 + 2  # the labels row is reported once, not as type errors

    def test_merged_group_header_in_excel(self) -> None:
        msg = _message(BAD / "merged_header.xlsx")
        assert "rows are row numbers in sheet 'data' (the header is row 2)" in msg
        assert (
            "group headings instead of column names (merged header cells?) at row 1: "
            "'Identification', 'Demographics', 'Knowledge'; expected the column names on row 1: delete it"
            in msg
        )

    def test_repeated_header(self) -> None:
        with pytest.raises(
            IntakeError,
            match=re.escape("header row repeated inside the data (files pasted together?) at row 6"),
        ):
            load_survey(BAD / "repeated_header.csv", CODEBOOK)

    def test_duplicate_ids(self) -> None:
        with pytest.raises(
            IntakeError,
            match=re.escape(
                "column 'resp_id': duplicate respondent ids at rows 4, 6: '003'; expected each id once"
            ),
        ):
            load_survey(BAD / "duplicate_ids.csv", CODEBOOK)

    def test_text_in_numeric_columns(self) -> None:
        msg = _message(BAD / "text_in_numeric.csv")
        assert msg.startswith(
            f"cannot load 'text_in_numeric.csv' with codebook 'codebook.yaml': 2 errors; {HEAD_CSV}"
        )
        assert (
            "column 'age': not a whole number at rows 3, 7: 'twenty', 'n/a'; expected a whole number from 15 "
            "to 64, or a missing code: -99 = Refused" in msg
        )
        assert (
            "column 'risk_detained': not a whole number at row 5: '50%'; expected a whole number from 0 to 100"
            in msg
        )

    def test_codes_out_of_range(self) -> None:
        msg = _message(BAD / "codes_out_of_range.csv")
        assert (
            "column 'k1_fee': codes not in the codebook at row 4: '5'; expected one of 1 = True, 2 = False, "
            "98 = Don't know, or a missing code: -99 = Refused" in msg
        )
        assert (
            "column 'a2_broker': codes not in the codebook at row 6: '7'; expected one of 1 = Strongly" in msg
        )
        assert "column 'age': values out of range at row 8: '70'; expected values from 15 to 64" in msg

    def test_several_sheets(self) -> None:
        with pytest.raises(
            IntakeError,
            match=re.escape(
                "the workbook has data on 3 sheets and sheet= was not given; sheets with data: "
                "'wave1', 'wave2', 'readme'; expected sheet= naming the sheet to read"
            ),
        ):
            load_survey(BAD / "several_sheets.xlsx", CODEBOOK)

    def test_unknown_sheet(self) -> None:
        msg = _message(BAD / "several_sheets.xlsx", sheet="wave 2")
        assert (
            "there is no sheet 'wave 2' (did you mean 'wave2'?); the sheets are: 'wave1', 'wave2', 'readme'"
            in msg
        )

    def test_kobo_export_without_form(self) -> None:
        msg = _message(BAD / "kobo_no_form.csv", KOBO_CODEBOOK)
        assert (
            "column 'k1_fee': categorical question without codes: its options are not known; "
            "expected form= the XLSForm with choice list 'tf'" in msg
        )
        assert "column 'channels': select_multiple question without codes" in msg

    def test_kobo_export_without_form_or_codebook(self) -> None:
        with pytest.raises(
            IntakeError,
            match=re.escape(
                "Kobo/ODK export has select_multiple questions ('exposure/channels') but no form or codebook "
                "to read them: 'exposure/channels/radio', 'exposure/channels/tv'"
            ),
        ):
            load_survey(BAD / "kobo_no_form.csv")

    def test_unknown_column(self) -> None:
        with pytest.raises(
            IntakeError,
            match=re.escape(
                "column 'q99_extra': column not in the codebook; expected only codebook variables: "
                "declare it in the codebook or remove it"
            ),
        ):
            load_survey(BAD / "unknown_column.csv", CODEBOOK)

    def test_missing_required_column(self) -> None:
        with pytest.raises(
            IntakeError,
            match=re.escape(
                "column 'age': required column not in the file; expected a column 'age' (Age in years)"
            ),
        ):
            load_survey(BAD / "missing_required.csv", CODEBOOK)

    def test_all_missing_required_column(self) -> None:
        with pytest.raises(
            IntakeError,
            match=re.escape(
                "column 'sex': all values are blank or missing codes; expected at least one answer "
                "(required variable)"
            ),
        ):
            load_survey(BAD / "all_missing.csv", CODEBOOK)

    def test_bad_weights(self) -> None:
        msg = _message(BAD / "bad_weights.csv")
        assert "column 'weight': non-positive weights at row 3: '0'; expected weights > 0" in msg
        assert "column 'weight': values out of range at row 5: '-1.5'; expected values >= 0" in msg
        assert "column 'weight': missing weights at row 7; expected a weight > 0 on every row" in msg

    def test_undeclared_phone_numbers(self) -> None:
        msg = _message(BAD / "phone_column.csv")
        assert (
            "column 'contact': undeclared column that looks like personal data (7 of 7 values look like phone "
            "numbers; masked examples): '07********01', '+2*********02', '07********03'" in msg
        )
        assert "role: identifier" in msg
        assert "0712" not in msg and "345" not in msg  # never echoed unmasked

    def test_undeclared_gps(self) -> None:
        _, problems = load_survey(BAD / "gps_column.csv", CODEBOOK, errors="report")
        row = problems[problems["check"] == "pii_suspected"].iloc[0]
        assert row["column"] == "location" and row["severity"] == "error"
        assert "8 of 8 values look like GPS coordinates" in row["problem"]

    def test_csv_renamed_to_xlsx(self) -> None:
        with pytest.raises(
            IntakeError,
            match=re.escape(
                "the file has an .xlsx name but is not an Excel workbook: it is plain text (first line "
                "'resp_id,district,weight,interview_date,respondent_name,phone'); expected an .xlsx workbook; "
                "rename it to .csv if it is CSV"
            ),
        ):
            load_survey(BAD / "csv_renamed.xlsx", CODEBOOK)

    def test_legacy_xls(self) -> None:
        with pytest.raises(IntakeError, match=r"legacy Excel 97-2003 \(\.xls\) workbooks are not read"):
            load_survey(BAD / "legacy.xls", CODEBOOK)

    def test_duplicate_column_names(self) -> None:
        with pytest.raises(
            IntakeError,
            match=re.escape("column 'age': column name used twice (field 8 and field 21); expected unique"),
        ):
            load_survey(BAD / "duplicate_columns.csv", CODEBOOK)


class TestMoreProblems:
    def _csv(self, tmp_path: Path, edit: dict[str, str], name: str = "survey.csv") -> Path:
        text = (GOOD / "survey.csv").read_text()
        for old, new in edit.items():
            assert old in text
            text = text.replace(old, new)
        (tmp_path / name).write_text(text)
        return tmp_path / name

    def test_blank_ids_and_bad_dates(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"002,D01": ",D01", "2025-03-04,Chen": "04/03/2025,Chen"})
        msg = _message(path)
        assert "column 'resp_id': respondent id is blank at row 3" in msg
        assert "column 'interview_date': not a date at row 4: '04/03/2025'; expected an ISO date" in msg

    def test_dates_out_of_range_and_boolean(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"2025-03-06,Gita": "2024-12-31,Gita", "no,Knows": "maybe,Knows"})
        msg = _message(path)
        assert "column 'interview_date': dates out of range at row 8: '2024-12-31'" in msg
        assert "column 'checked_licence': not a yes/no value at row 3: 'maybe'" in msg

    def test_decimal_comma_hint(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"001,D01,1.25": '001,D01,"1,25"'})
        # The weight (a design column) takes no codebook-level missing code, so none is offered.
        assert "not a number at row 2: '1,25'; expected a number >= 0 (use '.' as the decimal mark" in (
            _message(path)
        )

    def test_labels_export_hint(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"age,": "Age in years,"})
        msg = _message(path)
        assert (
            "column 'Age in years': column not in the codebook; expected the variable names as headers" in msg
        )

    def test_group_prefix_collision(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"comments": "a/age"})
        msg = _message(path)
        assert "column 'age': two file columns map to it ('age' and 'a/age')" in msg

    def test_declared_column_with_phone_numbers_warns(self, tmp_path: Path) -> None:
        path = self._csv(
            tmp_path, {"Knows the hotline": "0712 345 678", "Refused the exposure module": "0712345679"}
        )
        with pytest.warns(
            IntakeWarning, match=r"column 'comments': declared with role 'other' but looks like"
        ):
            df = load_survey(path, CODEBOOK)
        assert "comments" in df  # declared: kept, only a warning

    def test_check_pii_false_silences(self, tmp_path: Path) -> None:
        path = self._csv(
            tmp_path, {"Knows the hotline": "0712 345 678", "Refused the exposure module": "0712345679"}
        )
        text = CODEBOOK.read_text().replace(
            "comments: {type: text, label: Interviewer comments}",
            "comments: {type: text, label: Interviewer comments, check_pii: false}",
        )
        (tmp_path / "cb.yaml").write_text(text)
        _, problems = load_survey(path, tmp_path / "cb.yaml", errors="report")
        assert "pii_suspected" not in _checks(problems)

    def test_huge_integer_is_reported_not_crashing(self, tmp_path: Path) -> None:
        path = self._csv(
            tmp_path,
            {
                "001,D01,1.25,2025-03-03,Amina Test,+254 700 000 001,2,19,": (
                    "001,D01,1.25,2025-03-03,Amina Test,+254 700 000 001,2,254700000001999999,"
                )
            },
        )
        assert "column 'age': number too large for an integer column at row 2: '254700000001999999'" in (
            _message(path)
        )

    def test_integer_weights(self, tmp_path: Path) -> None:
        text = CODEBOOK.read_text().replace("weight: {type: number,", "weight: {type: integer,")
        (tmp_path / "cb.yaml").write_text(text)
        path = self._csv(tmp_path, {"001,D01,1.25": "001,D01,0", "002,D01,1.25": "002,D01,"})
        for old, new in {f",{w},": ",2," for w in ("1.25", "0.80", "1.10", "0.95")}.items():
            path.write_text(path.read_text().replace(old, new))
        msg = _message(path, tmp_path / "cb.yaml")
        assert "column 'weight': non-positive weights at row 2: '0'" in msg
        assert "column 'weight': missing weights at row 3" in msg

    def test_ragged_rows(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"Knows the hotline": "Knows, the hotline"})
        assert "lines with more fields than the header (20) at row 3: '21'" in _message(path)


class TestReportMode:
    def test_problem_table(self) -> None:
        data, problems = load_survey(BAD / "text_in_numeric.csv", CODEBOOK, errors="report")
        assert tuple(problems.columns) == PROBLEM_COLUMNS
        assert len(data) == 8 and pd.isna(data["age"].iloc[1])  # bad values become NA in report mode
        err = problems[problems["severity"] == "error"]
        assert err["column"].tolist() == ["age", "risk_detained"]
        assert err["rows"].tolist() == [[3, 7], [5]]
        assert err["values"].tolist() == [["twenty", "n/a"], ["50%"]]
        assert set(problems["file"]) == {"text_in_numeric.csv"}

    def test_error_carries_problem_table(self) -> None:
        with pytest.raises(IntakeError) as info:
            load_survey(BAD / "duplicate_ids.csv", CODEBOOK)
        problems = info.value.problems  # type: ignore[attr-defined]
        assert problems.loc[problems["check"] == "duplicate_id", "rows"].iloc[0] == [4, 6]

    def test_unreadable_file_gives_empty_data(self) -> None:
        data, problems = load_survey(BAD / "empty.csv", CODEBOOK, errors="report")
        assert data.empty and _checks(problems) == ["empty_file"]

    def test_format_problems_table(self) -> None:
        _, problems = load_survey(BAD / "duplicate_ids.csv", CODEBOOK, errors="report")
        text = format_problems(problems, table=True)
        assert text.splitlines()[0].split() == ["severity", "check", "column", "rows", "problem"]
        assert re.search(r"error +duplicate_id +resp_id +4, 6 +duplicate respondent ids: '003'", text)

    def test_bad_arguments(self, tmp_path: Path) -> None:
        with pytest.raises(CampaignMeError, match=r"errors: must be 'raise' or 'report', got 'ignore'"):
            load_survey(GOOD / "survey.csv", CODEBOOK, errors="ignore")  # type: ignore[arg-type]
        with pytest.raises(FileNotFoundError, match="nope.csv"):
            load_survey(tmp_path / "nope.csv", CODEBOOK)


# ------------------------------------------------------------------------------------------------
# find_pii
# ------------------------------------------------------------------------------------------------


class TestFindPii:
    def test_kinds(self) -> None:
        df = pd.DataFrame(
            {
                "resp_id": ["001", "002", "003"],
                "age": ["23", "31", "45"],
                "weight": ["1.2345", "0.9876", "1.1111"],
                "date": ["2025-03-01", "2025-03-02", "2025-03-03"],
                "contact": ["+254 712 345 678", "0712345678", None],
                "mail": ["a.b@example.org", "c@example.com", "x"],
                "loc": ["-1.2921 36.8219 1650 5", "-1.29 36.82", "13.7563, 100.5018"],
                "lat": ["-1.292066", "-1.292100", "-1.292200"],
                "first_name": ["A", "B", "C"],
            }
        )
        found = find_pii(df).set_index("column")
        assert found["kind"].to_dict() == {
            "contact": "phone",
            "mail": "email",
            "loc": "gps",
            "lat": "gps",
            "first_name": "name",
        }
        assert found.loc["contact", "n_matching"] == 2 and found.loc["first_name", "reason"] == "column name"
        assert found.loc["contact", "examples"] == ["+2************78", "07******78"]
        assert find_pii(df, use_names=False)["column"].tolist() == ["contact", "mail", "loc"]

    def test_nothing_flagged(self) -> None:
        df = pd.DataFrame(
            {
                "k2_passport": [1, 2, 98],
                "district_name": ["North", "South", "East"],
                "resp_id": ["0012345"] * 3,
            }
        )
        assert find_pii(df).empty
        assert find_pii(pd.DataFrame({"passport_no": ["X1"]}))["kind"].tolist() == ["id_document"]


# ------------------------------------------------------------------------------------------------
# Regressions: defects found in review (each test fails on the code before its fix)
# ------------------------------------------------------------------------------------------------


def _small_codebook(**variables: dict[str, object]) -> dict[str, object]:
    return {"dataset": "d", "id": "rid", "variables": {"rid": {"type": "id"}, **variables}}


def _stale_dimension(src: Path, dst: Path, sheet_xml: str, ref: str) -> None:
    """Copy a workbook with the stored dimension record of one sheet set to ``ref``."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == sheet_xml:
                data, n = re.subn(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{ref}"/>'.encode(), data)
                assert n == 1
            zout.writestr(item, data)


class TestSecondHeaderAndMissingCodes:
    CB = _small_codebook(age={"type": "integer"}, score={"type": "number"}, k={"type": "integer"})
    TEXT = '"rid","age","score","k"\n"r1",NA,NA,1\n"r2",30,2.5,2\n"r3",31,3.5,1\n"r4",32,1.5,2\n'

    def test_first_row_of_missing_codes_is_data(self, tmp_path: Path) -> None:
        (tmp_path / "r.csv").write_text(self.TEXT)
        cb = Codebook.from_dict({**self.CB, "missing": {"NA": "missing"}})
        data, problems = load_survey(tmp_path / "r.csv", cb, errors="report")
        assert problems.empty
        assert data["rid"].tolist() == ["r1", "r2", "r3", "r4"]
        assert pd.isna(data["age"].iloc[0]) and np.isnan(data["score"].iloc[0]) and data["k"].iloc[0] == 1
        assert len(load_survey(tmp_path / "r.csv", cb)) == 4  # errors="raise" does not raise

    def test_variable_level_missing_codes(self, tmp_path: Path) -> None:
        (tmp_path / "r.csv").write_text(self.TEXT.replace("NA", "dk"))
        spec = dict(self.CB)
        spec["variables"] = {
            **self.CB["variables"],  # type: ignore[dict-item]
            "age": {"type": "integer", "missing": {"DK": "don't know"}},
            "score": {"type": "number", "missing": {"DK": "don't know"}},
        }
        data, problems = load_survey(tmp_path / "r.csv", Codebook.from_dict(spec), errors="report")
        assert problems.empty and len(data) == 4 and pd.isna(data["age"].iloc[0])  # matched case-insensitively

    def test_undeclared_na_tokens_are_reported_as_values_not_as_a_header(self, tmp_path: Path) -> None:
        (tmp_path / "r.csv").write_text(self.TEXT)
        msg = _message(tmp_path / "r.csv", Codebook.from_dict(self.CB))
        assert "second header" not in msg
        assert "column 'age': not a whole number at row 2: 'NA'; expected a whole number" in msg
        assert "column 'score': not a number at row 2: 'NA'; expected a number" in msg

    def test_second_header_without_codebook_labels_still_detected(self, tmp_path: Path) -> None:
        (tmp_path / "h.csv").write_text(self.TEXT.replace('"r1",NA,NA,1', "Respondent,Edad,Puntaje,Clave"))
        cb = Codebook.from_dict({**self.CB, "missing": {"NA": "missing"}})
        data, problems = load_survey(tmp_path / "h.csv", cb, errors="report")
        assert problems[["check", "rows", "values"]].to_dict("records") == [
            {"check": "second_header", "rows": [2], "values": ["Respondent", "Edad", "Puntaje", "Clave"]}
        ]
        assert data["rid"].tolist() == ["r2", "r3", "r4"]


class TestStrayQuotes:
    def test_unterminated_quote(self) -> None:
        msg = _message(BAD / "unterminated_quote.csv")
        assert (
            "  - column 'comments': unterminated quote at line 3: lines 3-9 read as one field at row 3: "
            "'\"Knows the hotline'; expected a closing quote for the quote opened on line 3, or no quote at "
            "the start of that value (line 3 was skipped; reading resumed at line 4)\n" in msg
        )
        assert msg.startswith("cannot load 'unterminated_quote.csv' with codebook 'codebook.yaml': 1 error;")

    def test_unterminated_quote_report_mode_keeps_the_other_rows(self, reference: pd.DataFrame) -> None:
        data, problems = load_survey(BAD / "unterminated_quote.csv", CODEBOOK, errors="report")
        assert _checks(problems, "error") == ["unterminated_quote"]
        assert problems["rows"].iloc[0] == [3]
        assert data["resp_id"].tolist() == ["001", "003", "004", "005", "006", "007", "008"]
        pd.testing.assert_frame_equal(data, reference.drop(index=3))  # the index is the file line

    @pytest.mark.parametrize(
        ("text", "last", "ids"),
        [
            # the record has the wrong number of fields
            ('2,"oops,31\n3,b,32\n4,c,33"\n5,d,34\n', 5, ["1", "3", "4", "5"]),
            # the right number of fields, but it swallowed complete records
            ('2,"oops,31\n3,b,32\n4,c,33\n5,e",34\n6,d,35\n', 6, ["1", "3", "4", "5", "6"]),
        ],
        ids=["wrong_field_count", "swallowed_records"],
    )
    def test_stray_quote_closed_by_a_later_one(
        self, tmp_path: Path, text: str, last: int, ids: list[str]
    ) -> None:
        (tmp_path / "q.csv").write_text("rid,note,age\n1,a,30\n" + text)
        cb = Codebook.from_dict(_small_codebook(note={"type": "text"}, age={"type": "integer"}))
        data, problems = load_survey(tmp_path / "q.csv", cb, errors="report")
        assert problems[["column", "check", "rows", "problem"]].to_dict("records")[0] == {
            "column": "note",
            "check": "unterminated_quote",
            "rows": [3],
            "problem": f"unterminated quote at line 3: lines 3-{last} read as one field",
        }
        assert data["rid"].tolist() == ids

    def test_quoted_value_on_several_lines_is_fine(self, tmp_path: Path) -> None:
        (tmp_path / "m.csv").write_text(
            'rid,note,age\n1,"two, then\nlines, really",30\n2,"x\ny\nz",31\n3,"",32\n'
        )
        cb = Codebook.from_dict(_small_codebook(note={"type": "text"}, age={"type": "integer"}))
        data, problems = load_survey(tmp_path / "m.csv", cb, errors="report")
        assert problems.empty and data["note"].tolist() == ["two, then\nlines, really", "x\ny\nz", pd.NA]
        assert data["rid"].tolist() == ["1", "2", "3"] and data["age"].tolist() == [30, 31, 32]


class TestMissingCodeTypes:
    def test_number_and_text_missing_codes(self, tmp_path: Path) -> None:
        cb = Codebook.from_dict(
            {
                **_small_codebook(age={"type": "integer"}, score={"type": "number"}),
                "missing": {-99: "refused", "N/A": "na"},
            }
        )
        assert cb["age"].missing == {-99: "refused", "N/A": "na"}  # the code types are kept
        (tmp_path / "m.csv").write_text('rid,age,score\n1,-99.0,N/A\n2,30,n/a\n3,"-99",-99\n4,31,2.5\n')
        data, problems = load_survey(tmp_path / "m.csv", cb, errors="report")
        assert problems.empty
        assert data["age"].tolist() == [pd.NA, 30, pd.NA, 31]
        assert data["score"].isna().tolist() == [True, True, True, False]

    def test_whole_number_written_as_text_matches_numerically(self, tmp_path: Path) -> None:
        (tmp_path / "cb.yaml").write_text(
            "dataset: d\nmissing: {'-99': refused}\nvariables:\n  age: {type: integer}\n"
        )
        (tmp_path / "m.csv").write_text("age\n-99.0\n30\n")
        assert load_survey(tmp_path / "m.csv", tmp_path / "cb.yaml")["age"].tolist() == [pd.NA, 30]

    def test_same_code_as_number_and_text(self) -> None:
        with pytest.raises(CodebookError, match=r"top level: key 'missing': code '-99' given twice"):
            Codebook.from_dict(
                {"dataset": "d", "missing": {-99: "a", "-99": "b"}, "variables": {"x": {"type": "integer"}}}
            )


class TestMasking:
    def test_encoding_error_masks_identifiers(self, tmp_path: Path) -> None:
        cb = Codebook.from_dict(
            _small_codebook(respondent_name={"type": "text", "role": "identifier"}, age={"type": "integer"})
        )
        (tmp_path / "enc.csv").write_bytes(
            "rid,respondent_name,age\n1,José Pérez,30\n2,Zoë Müller,31\n".encode("cp1252")
        )
        msg = _message(tmp_path / "enc.csv", cb)
        assert (
            "column 'respondent_name': text is not valid UTF-8 (first bad byte 0xE9 at byte position 29: "
            "line 2, column 6) at rows 2, 3: 'Jo******ez', 'Zo******er'; expected UTF-8" in msg
        )
        assert "Jos" not in msg and "Müller" not in msg
        _, problems = load_survey(tmp_path / "enc.csv", cb, errors="report")
        assert problems["values"].iloc[0] == ["Jo******ez", "Zo******er"]

    def test_encoding_error_masks_columns_named_like_personal_data(self, tmp_path: Path) -> None:
        (tmp_path / "enc.csv").write_bytes("rid,first_name,town\n1,José,Bogotá\n".encode("cp1252"))
        _, problems = load_survey(tmp_path / "enc.csv", errors="report")  # no codebook
        assert problems["column"].iloc[0] == "first_name, town"
        assert problems["values"].iloc[0] == ["****", "Bogotá"]

    def test_values_that_look_like_personal_data_are_masked(self, tmp_path: Path) -> None:
        cb = Codebook.from_dict(
            _small_codebook(
                sex={"type": "categorical", "codes": {1: "m", 2: "f"}},
                phone={"type": "integer", "role": "identifier"},
            )
        )
        (tmp_path / "p.csv").write_text("rid,sex,phone\n1,0712345678,call me\n2,1,712345678\n")
        msg = _message(tmp_path / "p.csv", cb, keep_pii=True)
        assert (
            "column 'sex': codes not in the codebook at row 2: '07******78'; expected one of 1 = m, 2 = f"
            in msg
        )
        assert "column 'phone': not a whole number at row 2: 'ca***me'" in msg
        assert "0712345678" not in msg and "call me" not in msg


class TestSelectMultipleBothForms:
    CB = _small_codebook(ch={"type": "select_multiple", "codes": ["radio", "tv"]})

    def test_blank_text_with_ticked_options(self, tmp_path: Path) -> None:
        (tmp_path / "sm.csv").write_text(
            "rid,ch,ch/radio,ch/tv\n1,,1,0\n2,radio,1,0\n3,tv radio,1,1\n4,,,\n5,,0,0\n"
        )
        data, problems = load_survey(tmp_path / "sm.csv", Codebook.from_dict(self.CB), errors="report")
        assert data["ch/radio"].tolist() == [1, 1, 1, pd.NA, 0]
        assert data["ch/tv"].tolist() == [0, 0, 1, pd.NA, 0]
        msg = format_problems(problems)
        assert msg == (
            "  - column 'ch': options ticked in the 0/1 option columns but the space-separated column 'ch' "
            "is blank at row 2; expected the same options in both (the 0/1 columns were used)"
        )

    def test_text_with_blank_option_columns(self, tmp_path: Path) -> None:
        (tmp_path / "sm.csv").write_text("rid,ch,ch/radio,ch/tv\n1,tv,,\n2,radio,1,0\n")
        data, problems = load_survey(tmp_path / "sm.csv", Codebook.from_dict(self.CB), errors="report")
        assert data["ch/tv"].tolist() == [1, 0] and data["ch/radio"].tolist() == [0, 1]
        assert problems["problem"].tolist() == [
            "options in the space-separated column 'ch' but the 0/1 option columns are blank"
        ]
        assert problems["rows"].tolist() == [[2]]


class TestExcelQuirks:
    def test_stale_dimension_record(self, reference: pd.DataFrame) -> None:
        data = load_survey(BAD / "stale_dimension.xlsx", CODEBOOK)  # the record says A1:T5
        pd.testing.assert_frame_equal(data, reference)
        assert load_survey(BAD / "stale_dimension.xlsx", CODEBOOK, sheet="data").shape == (8, 18)

    def test_stale_dimension_record_in_xlsform(self, tmp_path: Path) -> None:
        _stale_dimension(FORM, tmp_path / "form.xlsx", "xl/worksheets/sheet2.xml", "A1:C3")  # choices
        form = read_xlsform(tmp_path / "form.xlsx")
        assert list(form.choices["channel_list"]) == ["radio", "tv", "facebook", "event"]

    def test_chart_sheet(self, reference: pd.DataFrame) -> None:
        pd.testing.assert_frame_equal(load_survey(BAD / "chart_sheet.xlsx", CODEBOOK), reference)
        pd.testing.assert_frame_equal(load_survey(BAD / "chart_sheet.xlsx", CODEBOOK, sheet=0), reference)
        msg = _message(BAD / "chart_sheet.xlsx", sheet="age chart")
        assert (
            "  - sheet 'age chart' is a chart sheet, which holds no data; the worksheets are: 'data'" in msg
        )
        msg = _message(BAD / "chart_sheet.xlsx", sheet=1)
        assert (
            "sheet=1 is out of range: the workbook has 1 worksheet(s) (chart sheets skipped: 'age chart'): "
            "'data'" in msg
        )

    def test_zip_of_csv_files(self) -> None:
        msg = _message(BAD / "odk_central_export.zip")
        assert (
            "  - the file is a zip archive of 2 CSV file(s) (an ODK Central export?), not one survey file: "
            "'kap_fixture.csv', 'kap_fixture-members.csv'; expected a CSV file: unzip the archive first and "
            "load the form's main CSV file" in msg
        )
        assert "rename" not in msg

    def test_workbook_with_zip_extension(self, tmp_path: Path) -> None:
        shutil.copy(GOOD / "survey.xlsx", tmp_path / "survey.zip")
        assert (
            "the file is an Excel workbook (zip) with a .zip extension; expected rename it to .xlsx"
            in _message(tmp_path / "survey.zip")
        )


class TestGroupSeparator:
    def test_dot_separated_export(self) -> None:
        expected = load_survey(GOOD / "kobo_export.csv", KOBO_CODEBOOK, form=FORM)
        data = load_survey(GOOD / "kobo_export_dots.csv", KOBO_CODEBOOK, form=FORM, group_sep=".")
        pd.testing.assert_frame_equal(data, expected)  # option columns are q/option whatever the separator
        assert "channels/radio" in data and "channels.radio" not in data

    def test_hint_instead_of_unknown_columns(self) -> None:
        data, problems = load_survey(GOOD / "kobo_export_dots.csv", KOBO_CODEBOOK, form=FORM, errors="report")
        assert _checks(problems, "error") == ["group_prefix"]  # no wall of unknown/missing columns
        msg = _message(GOOD / "kobo_export_dots.csv", KOBO_CODEBOOK, form=FORM)
        assert (
            "  - 8 column name(s) use '.' between group and question names, but group_sep is '/'; pass "
            "group_sep='.' to read them: 'demographics.resp_id', 'demographics.age', 'knowledge.k1_fee', "
            "'exposure.channels', 'exposure.channels.radio', ... (3 more); expected group_sep='.' in "
            "load_survey (--group-sep . in campaign-me validate)" in msg
        )

    def test_odk_central_dashes_and_slashes(self, tmp_path: Path) -> None:
        lines = (GOOD / "kobo_export.csv").read_text().split("\n", 1)
        header = re.sub(r'"(demographics|knowledge|exposure)/', r'"\1-', lines[0])
        assert '"exposure-channels/radio"' in header
        (tmp_path / "odk.csv").write_text(header + "\n" + lines[1])
        expected = load_survey(GOOD / "kobo_export.csv", KOBO_CODEBOOK, form=FORM)
        data = load_survey(tmp_path / "odk.csv", KOBO_CODEBOOK, form=FORM, group_sep="-")
        pd.testing.assert_frame_equal(data, expected)
        assert "pass group_sep='-'" in _message(tmp_path / "odk.csv", KOBO_CODEBOOK, form=FORM)

    def test_cli_group_sep(self, capsys: pytest.CaptureFixture[str]) -> None:
        argv = [str(GOOD / "kobo_export_dots.csv"), "-c", str(KOBO_CODEBOOK), "--form", str(FORM)]
        assert validate_command(argv) == 1
        assert validate_command([*argv, "--group-sep", "."]) == 0
        assert "kobo_export_dots.csv: OK (4 rows, 8 columns)" in capsys.readouterr().out


class TestNumbersAndPhones:
    def test_number_beyond_float_range(self, tmp_path: Path) -> None:
        (tmp_path / "n.csv").write_text("rid,score\n1,2.5\n2,1e400\n3,-1E999\n")
        cb = Codebook.from_dict(_small_codebook(score={"type": "number", "max": 10}))
        msg = _message(tmp_path / "n.csv", cb)
        assert (
            "column 'score': number too large to represent (not finite; it would read as infinity) at rows "
            "3, 4: '1e400', '-1E999'; expected a finite number <= 10" in msg
        )
        data, _ = load_survey(tmp_path / "n.csv", cb, errors="report")
        assert data["score"].isna().tolist() == [False, True, True]

    def test_phone_numbers_without_plus_or_leading_zero(self) -> None:
        df = pd.DataFrame(
            {
                "contact": ["254712345678", "254722000111", "254733123456"],
                "mob": ["712345678", "722000111", "733123456"],
                "ng": ["8031234567", "9012345678", None],
                "ids": ["123456789", "100234", "20250303001"],
                "dated_ids": ["202503030001", "202503030002", "202503040001"],
                "small": ["12", "7", "345"],
                "p": ["0.1368744758", "0.04316546763", "0.5"],
                "day": ["2025-03-01", "2025-03-02", "2025-03-03"],
            }
        )
        found = find_pii(df)
        assert found["column"].tolist() == ["contact", "mob", "ng"] and set(found["kind"]) == {"phone"}
        assert found["examples"].iloc[0] == ["25********78", "25********11", "25********56"]
        assert found["examples"].iloc[1] == ["71*****78", "72*****11", "73*****56"]


# ------------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------------


class TestValidateCommand:
    def test_clean_file(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert validate_command([str(GOOD / "survey.csv"), "--codebook", str(CODEBOOK)]) == 0
        out = capsys.readouterr().out
        assert out.startswith("survey.csv: OK (8 rows, 18 columns); 2 notes")

    def test_problems(self, capsys: pytest.CaptureFixture[str]) -> None:
        code = validate_command([str(BAD / "text_in_numeric.csv"), "-c", str(CODEBOOK)])
        out = capsys.readouterr().out
        assert code == 1
        assert out.startswith(
            "text_in_numeric.csv: 2 errors, 2 notes (8 rows, 18 columns read); rows are line"
        )
        assert re.search(r"error +wrong_type +age +3, 7 +not a whole number: 'twenty', 'n/a'", out)

    def test_sheet_and_form(self, capsys: pytest.CaptureFixture[str]) -> None:
        argv = [str(BAD / "several_sheets.xlsx"), "-c", str(CODEBOOK), "--sheet", "wave1"]
        assert validate_command(argv) == 0
        argv = [str(GOOD / "kobo_export.csv"), "-c", str(KOBO_CODEBOOK), "--form", str(FORM)]
        assert validate_command(argv) == 0
        assert validate_command([str(BAD / "kobo_no_form.csv"), "-c", str(KOBO_CODEBOOK)]) == 1

    def test_cannot_run(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        assert validate_command([str(GOOD / "survey.csv"), "-c", str(BAD / "codebook_errors.yaml")]) == 2
        assert "codebook 'codebook_errors.yaml' has 9 problems" in capsys.readouterr().err
        assert validate_command([str(tmp_path / "missing.csv"), str(GOOD / "survey.csv")]) == 2
        assert "survey.csv: 2 warnings" in capsys.readouterr().out  # the other files are still checked
        assert validate_command([]) == 2
        assert validate_command(["--help"]) == 0


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


def test_decimals_are_not_phone_numbers():
    # regression: inclusion probabilities such as 0.1368744758 were flagged as phone numbers
    df = pd.DataFrame(
        {"p": ["0.1368744758", "0.04316546763", "0.5"], "tel": ["0771234567", "0772345678", "0773456789"]}
    )
    found = find_pii(df)
    assert found["column"].tolist() == ["tel"]
