"""Regression tests of issue 7: intake that changes no value silently and lets no personal data out.

Each broken file is in tests/data/bad (written by ``field_failures()`` in tests/data/make_fixtures.py);
the clean version of every file is tests/data/good/survey.csv, whose first data row (id "001") is
line 2. Messages are asserted exactly as users read them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from campaign_me.codebook import Codebook
from campaign_me.errors import IntakeError
from campaign_me.intake import format_problems, load_survey
from campaign_me.privacy import find_pii, mask, mask_text, printable, scan_text

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"


@pytest.fixture(scope="module")
def cb() -> Codebook:
    return Codebook.from_yaml(GOOD / "codebook.yaml")


@pytest.fixture(scope="module")
def reference(cb: Codebook) -> pd.DataFrame:
    return load_survey(GOOD / "survey.csv", cb)


def _report(path: Path, cb: Codebook | None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    data, problems = load_survey(path, cb, errors="report")
    return data, problems, format_problems(problems)


class TestValuesNeverChangedSilently:
    def test_formula_cells_reported_and_blank(self, cb: Codebook) -> None:
        data, problems, text = _report(BAD / "formula_cells.xlsx", cb)
        assert (
            "  - column 'age': formula; stored value missing or not trusted (column H) at row 3: '=20+3'; "
            "expected values, not formulas: in Excel copy the cells and paste them as values (the cells "
            "were read as blank)"
        ) in text
        assert "column 'comments': formula; stored value missing or not trusted (column T) at row 5: '=no answer'" in text
        assert pd.isna(data["age"].iloc[1]) and pd.isna(data["comments"].iloc[3])
        with pytest.raises(IntakeError, match="formula; stored value missing"):
            load_survey(BAD / "formula_cells.xlsx", cb)

    def test_cached_formula_result_not_trusted(self, cb: Codebook, tmp_path: Path) -> None:
        # As xlsxwriter writes them: the formula with a stored result of 0.
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["resp_id", "age"])
        ws.append(["001", "=A2*2"])
        wb.save(tmp_path / "f.xlsx")
        small = Codebook.from_dict({"dataset": "d", "variables": {"resp_id": {"type": "id"}, "age": {"type": "integer"}}})
        _, problems, _ = _report(tmp_path / "f.xlsx", small)
        assert problems["check"].tolist() == ["formula"]

    def test_stray_quote_closing_on_next_line_does_not_merge_respondents(
        self, cb: Codebook, reference: pd.DataFrame
    ) -> None:
        data, problems, text = _report(BAD / "stray_quote_next_line.csv", cb)
        assert (
            "  - column 'age': unterminated quote at line 2: lines 2-3 read as one field at row 2: "
            "'\"19,2,2,4,2,60,1,1,0,1,0,yes,'"
        ) in text
        assert "column 'age': not a whole number at row 3: '23\"'" in text
        # 001 is skipped, 002 keeps its own answers (not 001's), nothing else moves.
        assert data["resp_id"].tolist() == reference["resp_id"].tolist()[1:]
        assert data["k1_fee"].tolist() == reference["k1_fee"].tolist()[1:]
        assert data.index.tolist() == list(range(3, 10))

    def test_thousands_in_whole_numbers_refused(self, cb: Codebook) -> None:
        data, _, text = _report(BAD / "thousands_in_codes.csv", cb)
        assert (
            "  - column 'risk_detained': not a whole number at rows 2, 3: '2.000', '12.000'; expected a whole "
            "number from 0 to 100, or a missing code: -99 = Refused (a '.' followed by three digits reads as "
            "a thousands separator: write 2000, not 2.000)"
        ) in text
        assert data["risk_detained"].iloc[:2].isna().all()

    def test_one_trailing_point_zero_accepted(self, cb: Codebook, reference: pd.DataFrame) -> None:
        # pandas' to_csv writes whole numbers as "2.0" and booleans as "1.0"/"0.0".
        data, problems, _ = _report(BAD / "to_csv_roundtrip.csv", cb)
        assert set(problems["check"]) == {"pii_dropped"}  # no refusals, no false "all blank" warnings
        for col in ("sex", "age", "k1_fee", "risk_detained", "checked_licence"):
            pd.testing.assert_series_equal(data[col], reference[col], check_names=False)

    def test_out_of_range_values_set_to_missing(self, cb: Codebook) -> None:
        data, problems, text = _report(BAD / "out_of_range.csv", cb)
        assert (
            "  - column 'age': values out of range at rows 2, 4: '99', '71*****78'; expected values from 15 to "
            "64, or a missing code: -99 = Refused (set to missing)"
        ) in text
        assert "  - column 'weight': values out of range at row 5: '-1'; expected values >= 0 (set to missing)" in text
        assert data["age"].isna().tolist()[:4] == [True, False, True, False]
        assert pd.isna(data["weight"].iloc[3])
        assert "712345678" not in problems.to_string()  # the phone number is masked

    def test_excel_custom_number_formats(self, cb: Codebook) -> None:
        data, problems, _ = _report(BAD / "excel_number_formats.xlsx", cb)
        # What Excel shows: "AR-"0000 and 000-000 (odd rows use the first format).
        assert data["resp_id"].tolist()[:4] == ["000-001", "AR-0002", "000-003", "AR-0004"]
        assert set(problems["check"]) == {"pii_dropped"}

    def test_excel_date_cells_with_a_format(self, cb: Codebook, reference: pd.DataFrame) -> None:
        dated = dataclasses.replace(
            cb, variables={**cb.variables, "interview_date": dataclasses.replace(cb["interview_date"], format="%d/%m/%Y")}
        )
        data, problems, _ = _report(BAD / "excel_number_formats.xlsx", dated)
        assert set(problems["check"]) == {"pii_dropped"}
        assert data["interview_date"].tolist() == reference["interview_date"].tolist()


class TestPersonalDataStaysIn:
    def test_identifier_recognised_by_label_is_dropped(self, cb: Codebook) -> None:
        labelled = dataclasses.replace(
            cb,
            variables={
                **cb.variables,
                "respondent_name": dataclasses.replace(cb["respondent_name"], label="What are you called?"),
            },
        )
        data, problems, text = _report(BAD / "label_headers.csv", labelled)
        assert "What are you called?" not in data.columns and "Respondent phone number" not in data.columns
        assert (
            "  - column 'What are you called?': column not in the codebook; expected the variable names as "
            "headers: this is the label of 'respondent_name' (for Kobo exports choose 'XML values and "
            "headers'); it is personal data: the column was dropped"
        ) in text
        assert "Test" not in problems.to_string()

    def test_header_that_holds_data_is_refused_and_masked(self, cb: Codebook) -> None:
        for codebook in (cb, None):
            data, problems, text = _report(BAD / "no_header.csv", codebook)
            assert data.empty
            assert (
                "  - the header (line 1) holds personal data, not column names: the file has no header row? at "
                "row 1: '***', 'Am******st', '+2*********01', 'am******************rg', '-1***********19', ... "
                "(1 more); expected the column names on line 1 (insert a header row with the codebook's "
                "variable names, in file order)"
            ) in text
            dump = problems.to_string() + text
            for raw in ("+254700000001", "amina.test@example.org", "-1.2921 36.8219", "Amina"):
                assert raw not in dump

    def test_numbers_as_header_refused(self, tmp_path: Path) -> None:
        (tmp_path / "n.csv").write_text("17,2025-03-01,3\n18,2025-03-02,4\n")
        _, problems, text = _report(tmp_path / "n.csv", None)
        assert "the header (line 1) holds numbers and dates, not column names" in text

    def test_escape_codes_in_names_never_printed(self, cb: Codebook) -> None:
        _, problems, text = _report(BAD / "escape_codes.csv", cb)
        assert "\x1b" not in text and "\x07" not in text
        assert "column 'comments\\x1b]0;owned\\x07\\x1b[2J': column not in the codebook" in text
        with pytest.raises(IntakeError) as info:
            load_survey(BAD / "escape_codes.csv", cb)
        assert "\x1b" not in str(info.value)
        assert "\x1b" not in format_problems(problems, table=True)


class TestPrivacyModule:
    def test_scan_text_finds_and_masks(self) -> None:
        html = (
            "<td>+254 712 345 678</td><td>x@y.org</td><td>-1.29210 36.82190</td>"
            "<td>45.2</td><td>0.137</td><td>2025-03-01</td><td>n = 1200</td>"
        )
        assert [(f.kind, f.masked) for f in scan_text(html)] == [
            ("phone", "+2************78"), ("email", "x@***rg"), ("gps", "-1*************90"),
        ]  # fmt: skip
        assert "712" not in mask_text(html) and "45.2" in mask_text(html)
        assert scan_text("") == []

    def test_scan_text_lines(self) -> None:
        findings = scan_text("ok\nstill ok\ncall 0712345678")
        assert [(f.line, f.start, f.end) for f in findings] == [(3, 17, 27)]

    def test_mask_and_printable(self) -> None:
        assert mask("0712345678") == "07******78" and mask("abc") == "***"
        assert printable("a\x1b[2Jb\x9bc") == "a\\x1b[2Jb\\x9bc"
        assert printable("naïve\ttab") == "naïve\ttab"

    def test_find_pii_by_values(self) -> None:
        df = pd.DataFrame({"x": ["0712345678", "0722222222"], "y": ["1", "2"]})
        assert find_pii(df)["column"].tolist() == ["x"]


class TestLineIndex:
    def test_index_is_the_file_line(self, reference: pd.DataFrame, cb: Codebook) -> None:
        assert reference.index.name == "line"
        assert reference.index.tolist() == list(range(2, 10))  # header = line 1
        xlsx = load_survey(GOOD / "survey.xlsx", cb)
        assert xlsx.index.name == "line" and xlsx.index.tolist() == list(range(2, 10))
        text_only = load_survey(GOOD / "survey.csv", errors="report")[0]
        assert text_only.index.name == "line" and text_only.index[0] == 2


class TestWorkbookCaps:
    """Caps on workbook parts, cell length and empty-row runs (the limits are lowered to keep the files small)."""

    @staticmethod
    def _book(path: Path, extra: object = None) -> None:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["resp_id", "note"])
        ws.append(["001", "fine"])
        if callable(extra):
            extra(ws)
        wb.save(path)

    def test_cell_longer_than_excel_allows(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import campaign_me.intake.readers as readers

        monkeypatch.setattr(readers, "MAX_CELL_CHARS", 100)
        self._book(tmp_path / "b.xlsx", lambda ws: ws.append(["002", "x" * 500]))
        data, problems, text = _report(tmp_path / "b.xlsx", None)
        assert (
            "  - column 'note': cell B3 holds 500 characters (Excel's limit is 100) at row 3; expected cells of at "
            "most 100 characters (the cell was read as blank)"
        ) in text
        assert pd.isna(data["note"].iloc[1])

    def test_part_too_large(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import campaign_me.intake.readers as readers

        monkeypatch.setattr(readers, "MAX_XLSX_PART_BYTES", 1000)
        self._book(tmp_path / "b.xlsx", lambda ws: ws.append(["002", "y" * 5000]))
        data, problems, text = _report(tmp_path / "b.xlsx", None)
        assert data.empty and problems["check"].tolist() == ["too_large"]
        assert "expands to" in text and "bytes (at most 1,000 are read); expected a smaller workbook" in text

    def test_run_of_empty_rows_stops_reading(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from openpyxl.styles import Font

        import campaign_me.intake.readers as readers

        monkeypatch.setattr(readers, "MAX_EMPTY_ROWS", 5)

        def formatted_gap(ws: object) -> None:
            for r in range(3, 20):  # formatted but empty rows, then data again
                ws.cell(row=r, column=1).font = Font(bold=True)  # type: ignore[attr-defined]
            ws.cell(row=20, column=1, value="003")  # type: ignore[attr-defined]

        self._book(tmp_path / "b.xlsx", formatted_gap)
        data, problems, text = _report(tmp_path / "b.xlsx", None)
        assert (
            "  - [warning] reading stopped at row 7 after 5 empty rows in a row (formatted but empty rows?) at "
            "row 7; expected no data below long runs of empty rows"
        ) in text
        assert data["resp_id"].tolist() == ["001"]
