"""Tests of campaign_me.intake's load_survey (campaign_me/intake/load.py and the steps it calls):
good files in every container, the corpus of broken files, report mode, and regressions.

Fixtures live in tests/data/good and tests/data/bad and are written by tests/data/make_fixtures.py.
Row numbers in messages are file rows: line numbers of CSV files, sheet rows of Excel files
(header = row 1), so the first data row of tests/data/good/survey.csv (id "001") is row 2.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_me.codebook import Codebook, CodebookError
from campaign_me.errors import CampaignMeError, IntakeError, IntakeWarning
from campaign_me.intake import PROBLEM_COLUMNS, format_problems, load_survey

from .intake_files import BAD, CODEBOOK, FORM, GOOD, KOBO_CODEBOOK, checks, message, small_codebook


@pytest.fixture(scope="module")
def cb() -> Codebook:
    return Codebook.from_yaml(CODEBOOK)


@pytest.fixture(scope="module")
def reference(cb: Codebook) -> pd.DataFrame:
    return load_survey(GOOD / "survey.csv", cb)


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
        assert data["resp_id"].tolist()[-1] == "008" and checks(problems, "error") == []
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
        assert checks(problems, "error") == [] and checks(problems, "warning") == []
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
        msg = message(tmp_path / "kobo.csv", KOBO_CODEBOOK, form=FORM)
        assert (
            "column 'channels': the 0/1 option columns disagree with the space-separated column "
            "'exposure/channels' at row 2; expected the same options in both" in msg
        )

    def test_undeclared_option(self, tmp_path: Path) -> None:
        text = (GOOD / "kobo_export_text.csv").read_text().replace("radio facebook", "radio tiktok")
        (tmp_path / "kobo.csv").write_text(text)
        msg = message(tmp_path / "kobo.csv", KOBO_CODEBOOK, form=FORM)
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
        msg = message(BAD / "header_only.csv")
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
        msg = message(BAD / "non_utf8.csv")
        assert (
            "column 'comments': text is not valid UTF-8 (first bad byte 0xE9 at byte position 503: line 4, "
            "column 99) at rows 4, 7: 'Asked about the Dépôt office', 'From São Paulo'" in msg
        )
        assert "pass encoding='cp1252'" in msg

    def test_second_header_row(self) -> None:
        msg = message(BAD / "two_header_rows.csv")
        assert (
            "second header row (labels or merged header cells) under the column names at row 2: "
            "'Respondent ID', 'District (stratum)'" in msg
        )
        assert msg.count("\n  - ") == 1 + 2  # the labels row is reported once, not as type errors

    def test_merged_group_header_in_excel(self) -> None:
        msg = message(BAD / "merged_header.xlsx")
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
        msg = message(BAD / "text_in_numeric.csv")
        assert msg.startswith(
            f"cannot load 'text_in_numeric.csv' with codebook 'codebook.yaml': 2 errors; {HEAD_CSV}"
        )
        assert (
            "column 'age': not a whole number at rows 3, 7: 'twenty', 'n/a'; expected a whole number from 15 "
            "to 64, or a missing code: -99 = Refused" in msg
        )
        assert (
            "column 'risk_detained': not a whole number at row 5: '50%'; expected a whole number from 0 to "
            "100" in msg
        )

    def test_codes_out_of_range(self) -> None:
        msg = message(BAD / "codes_out_of_range.csv")
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
        msg = message(BAD / "several_sheets.xlsx", sheet="wave 2")
        assert (
            "there is no sheet 'wave 2' (did you mean 'wave2'?); the sheets are: 'wave1', 'wave2', 'readme'"
            in msg
        )

    def test_kobo_export_without_form(self) -> None:
        msg = message(BAD / "kobo_no_form.csv", KOBO_CODEBOOK)
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
        msg = message(BAD / "bad_weights.csv")
        assert "column 'weight': non-positive weights at row 3: '0'; expected weights > 0" in msg
        assert "column 'weight': values out of range at row 5: '-1.5'; expected values >= 0" in msg
        assert "column 'weight': missing weights at row 7; expected a weight > 0 on every row" in msg

    def test_undeclared_phone_numbers(self) -> None:
        msg = message(BAD / "phone_column.csv")
        assert (
            "column 'contact': undeclared column that looks like personal data (7 of 7 values look like "
            "phone numbers; masked examples): '07********01', '+2*********02', '07********03'" in msg
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
                "'resp_id,district,weight,interview_date,respondent_name,phone'); expected an .xlsx "
                "workbook; "
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
        msg = message(path)
        assert "column 'resp_id': respondent id is blank at row 3" in msg
        assert "column 'interview_date': not a date at row 4: '04/03/2025'; expected an ISO date" in msg

    def test_dates_out_of_range_and_boolean(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"2025-03-06,Gita": "2024-12-31,Gita", "no,Knows": "maybe,Knows"})
        msg = message(path)
        assert "column 'interview_date': dates out of range at row 8: '2024-12-31'" in msg
        assert "column 'checked_licence': not a yes/no value at row 3: 'maybe'" in msg

    def test_decimal_comma_hint(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"001,D01,1.25": '001,D01,"1,25"'})
        # The weight (a design column) takes no codebook-level missing code, so none is offered.
        assert "not a number at row 2: '1,25'; expected a number >= 0 (use '.' as the decimal mark" in (
            message(path)
        )

    def test_labels_export_hint(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"age,": "Age in years,"})
        msg = message(path)
        assert (
            "column 'Age in years': column not in the codebook; expected the variable names as headers" in msg
        )

    def test_group_prefix_collision(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"comments": "a/age"})
        msg = message(path)
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
        assert "pii_suspected" not in checks(problems)

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
            message(path)
        )

    def test_integer_weights(self, tmp_path: Path) -> None:
        text = CODEBOOK.read_text().replace("weight: {type: number,", "weight: {type: integer,")
        (tmp_path / "cb.yaml").write_text(text)
        path = self._csv(tmp_path, {"001,D01,1.25": "001,D01,0", "002,D01,1.25": "002,D01,"})
        for old, new in {f",{w},": ",2," for w in ("1.25", "0.80", "1.10", "0.95")}.items():
            path.write_text(path.read_text().replace(old, new))
        msg = message(path, tmp_path / "cb.yaml")
        assert "column 'weight': non-positive weights at row 2: '0'" in msg
        assert "column 'weight': missing weights at row 3" in msg

    def test_ragged_rows(self, tmp_path: Path) -> None:
        path = self._csv(tmp_path, {"Knows the hotline": "Knows, the hotline"})
        assert "lines with more fields than the header (20) at row 3: '21'" in message(path)


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
        assert data.empty and checks(problems) == ["empty_file"]

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
# Regressions: defects found in review (each test fails on the code before its fix)
# ------------------------------------------------------------------------------------------------


class TestSecondHeaderAndMissingCodes:
    CB = small_codebook(age={"type": "integer"}, score={"type": "number"}, k={"type": "integer"})
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
        assert (
            problems.empty and len(data) == 4 and pd.isna(data["age"].iloc[0])
        )  # matched case-insensitively

    def test_undeclared_na_tokens_are_reported_as_values_not_as_a_header(self, tmp_path: Path) -> None:
        (tmp_path / "r.csv").write_text(self.TEXT)
        msg = message(tmp_path / "r.csv", Codebook.from_dict(self.CB))
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
        msg = message(BAD / "unterminated_quote.csv")
        assert (
            "  - column 'comments': unterminated quote at line 3: lines 3-9 read as one field at row 3: "
            "'\"Knows the hotline'; expected a closing quote for the quote opened on line 3, or no quote at "
            "the start of that value (line 3 was skipped; reading resumed at line 4)\n" in msg
        )
        assert msg.startswith("cannot load 'unterminated_quote.csv' with codebook 'codebook.yaml': 1 error;")

    def test_unterminated_quote_report_mode_keeps_the_other_rows(self, reference: pd.DataFrame) -> None:
        data, problems = load_survey(BAD / "unterminated_quote.csv", CODEBOOK, errors="report")
        assert checks(problems, "error") == ["unterminated_quote"]
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
        cb = Codebook.from_dict(small_codebook(note={"type": "text"}, age={"type": "integer"}))
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
        cb = Codebook.from_dict(small_codebook(note={"type": "text"}, age={"type": "integer"}))
        data, problems = load_survey(tmp_path / "m.csv", cb, errors="report")
        assert problems.empty and data["note"].tolist() == ["two, then\nlines, really", "x\ny\nz", pd.NA]
        assert data["rid"].tolist() == ["1", "2", "3"] and data["age"].tolist() == [30, 31, 32]


class TestMissingCodeTypes:
    def test_number_and_text_missing_codes(self, tmp_path: Path) -> None:
        cb = Codebook.from_dict(
            {
                **small_codebook(age={"type": "integer"}, score={"type": "number"}),
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


class TestSelectMultipleBothForms:
    CB = small_codebook(ch={"type": "select_multiple", "codes": ["radio", "tv"]})

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

    def test_chart_sheet(self, reference: pd.DataFrame) -> None:
        pd.testing.assert_frame_equal(load_survey(BAD / "chart_sheet.xlsx", CODEBOOK), reference)
        pd.testing.assert_frame_equal(load_survey(BAD / "chart_sheet.xlsx", CODEBOOK, sheet=0), reference)
        msg = message(BAD / "chart_sheet.xlsx", sheet="age chart")
        assert (
            "  - sheet 'age chart' is a chart sheet, which holds no data; the worksheets are: 'data'" in msg
        )
        msg = message(BAD / "chart_sheet.xlsx", sheet=1)
        assert (
            "sheet=1 is out of range: the workbook has 1 worksheet(s) (chart sheets skipped: 'age chart'): "
            "'data'" in msg
        )

    def test_zip_of_csv_files(self) -> None:
        msg = message(BAD / "odk_central_export.zip")
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
            in message(tmp_path / "survey.zip")
        )


class TestGroupSeparator:
    def test_dot_separated_export(self) -> None:
        expected = load_survey(GOOD / "kobo_export.csv", KOBO_CODEBOOK, form=FORM)
        data = load_survey(GOOD / "kobo_export_dots.csv", KOBO_CODEBOOK, form=FORM, group_sep=".")
        pd.testing.assert_frame_equal(data, expected)  # option columns are q/option whatever the separator
        assert "channels/radio" in data and "channels.radio" not in data

    def test_hint_instead_of_unknown_columns(self) -> None:
        data, problems = load_survey(GOOD / "kobo_export_dots.csv", KOBO_CODEBOOK, form=FORM, errors="report")
        assert checks(problems, "error") == ["group_prefix"]  # no wall of unknown/missing columns
        msg = message(GOOD / "kobo_export_dots.csv", KOBO_CODEBOOK, form=FORM)
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
        assert "pass group_sep='-'" in message(tmp_path / "odk.csv", KOBO_CODEBOOK, form=FORM)


class TestNumbersAndPhones:
    def test_number_beyond_float_range(self, tmp_path: Path) -> None:
        (tmp_path / "n.csv").write_text("rid,score\n1,2.5\n2,1e400\n3,-1E999\n")
        cb = Codebook.from_dict(small_codebook(score={"type": "number", "max": 10}))
        msg = message(tmp_path / "n.csv", cb)
        assert (
            "column 'score': number too large to represent (not finite; it would read as infinity) at rows "
            "3, 4: '1e400', '-1E999'; expected a finite number <= 10" in msg
        )
        data, _ = load_survey(tmp_path / "n.csv", cb, errors="report")
        assert data["score"].isna().tolist() == [False, True, True]
