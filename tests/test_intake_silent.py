"""Ways a value used to change without a word, now refused or reported (file, column, line, value).

1. Missing codes that alias valid codes as intake matches them (``"1.0"``, ``"01"``, ``"+5"``, ``a``/``A``):
   the codebook check matches codes with intake's own :class:`MissingCodes`.
2. ``1.250`` in a number column that writes decimals with a comma (``1,5``).
3. Dates without a day (``2025``, ``2025-03``), which would read as the 1st of the month.
4. Excel numbers of 16 digits or more (digits lost), ids shown in scientific notation, NUL bytes and text
   after a closing quote (``"ab"cd``), by the line-by-line and the block-wise reader alike; and a large
   codebook read in a bounded time.

Each case is checked through ``load_survey`` and ``validate_survey`` (the same problems) and, for CSV
files, through both readers (``blocks.MIN_BYTES`` lowered to 0 sends small files block-wise).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from campaign_me import yamlfile
from campaign_me.cli import main
from campaign_me.codebook import Codebook, CodebookError
from campaign_me.errors import IntakeError, IntakeWarning
from campaign_me.intake import blocks, format_problems, load_survey, validate_survey
from campaign_me.textvalues import MissingCodes
from campaign_me.yamlfile import parse_yaml


def _codebook(variables: dict, **top: object) -> Codebook:
    return Codebook.from_dict({"dataset": "silent", **top, "variables": variables})


def _write(tmp_path: Path, text: str, name: str = "survey.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _both_readers(
    path: Path, cb: Codebook | None, monkeypatch: pytest.MonkeyPatch
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """load_survey through the line-by-line and the block-wise reader, and validate_survey: the same
    data and problems from all; returns the data and the problem table."""
    results = []
    for min_bytes in (2**62, 0):
        monkeypatch.setattr(blocks, "MIN_BYTES", min_bytes)
        data, problems = load_survey(path, cb, errors="report")
        checked = validate_survey(path, cb)
        pd.testing.assert_frame_equal(checked, problems, check_flags=False)
        assert (checked.attrs["rows"], checked.attrs["columns"]) == data.shape
        results.append((data, problems))
    (data_py, problems_py), (data_bw, problems_bw) = results
    pd.testing.assert_frame_equal(data_bw, data_py)
    pd.testing.assert_frame_equal(problems_bw, problems_py)
    return data_py, problems_py


def _only(problems: pd.DataFrame, check: str, column: str | None = None) -> dict:
    hits = problems[
        (problems["check"] == check) & ((problems["column"] == column) if column is not None else True)
    ]
    assert len(hits) == 1, problems
    return hits.iloc[0].to_dict()


# --------------------------------------------------------------------------------------------------
# 1. Missing codes that alias valid codes
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "top_missing", "fragment"),
    [
        ({"type": "categorical", "codes": {1: "Yes", 2: "No"}, "missing": {"1.0": "Refused"}}, None,
         "missing code '1.0' (its 'missing') matches the valid code 1 in the data as the number 1"),
        ({"type": "categorical", "codes": {1: "Yes", 2: "No"}, "missing": {"01": "Refused"}}, None,
         "missing code '01' (its 'missing') matches the valid code 1 in the data as the number 1"),
        ({"type": "categorical", "codes": {5: "Yes"}, "missing": {"+5": "Refused"}}, None,
         "missing code '+5' (its 'missing') matches the valid code 5 in the data as the number 5"),
        ({"type": "categorical", "codes": {"A": "Agree", "B": "Disagree"}, "missing": {"a": "Refused"}}, None,
         "missing code 'a' (its 'missing') matches the valid code 'A' in the data as text ignoring case"),
        ({"type": "categorical", "codes": {"01": "North", 11: "Coast"}}, {1: "Refused"},
         "missing code 1 (the codebook-level 'missing') matches the valid code '01' in the data as the number 1"),
        ({"type": "categorical", "points": 5}, {"5.0": "Refused"},  # codes generated from points
         "missing code '5.0' (the codebook-level 'missing') matches the valid code 5"),
        ({"type": "boolean", "true": [1], "false": [2]}, {"1.0": "Refused"},
         "missing code '1.0' (the codebook-level 'missing') matches the 'true' code '1'"),
        ({"type": "boolean"}, {"YES": "Refused"},
         "missing code 'YES' (the codebook-level 'missing') matches the 'true' code 'yes' in the data as text"),
        ({"type": "integer", "points": 5}, {5: "Refused"},
         "missing code 5 (the codebook-level 'missing') matches the Likert point 5 in the data:"),
        ({"type": "select_multiple", "codes": {"a": "A", "b": "B"}}, {0: "None"},
         "missing code 0 (the codebook-level 'missing') matches the value 0 of the 0/1 option columns ('q/option')"),
    ],
    ids=["1.0", "01", "+5", "case", "top-level-01", "points", "boolean-1.0", "boolean-case", "integer-points",
         "select-multiple-0"],
)  # fmt: skip
def test_missing_code_aliasing_a_valid_code_is_refused(
    variable: dict, top_missing: dict | None, fragment: str
) -> None:
    top = {"missing": top_missing} if top_missing is not None else {}
    with pytest.raises(CodebookError) as info:
        _codebook({"q": variable}, **top)
    message = str(info.value)
    assert f"variable 'q': key 'missing': {fragment}" in message, message
    assert "intake would read every such answer as missing; change or remove the missing code" in message


def test_missing_codes_that_alias_nothing_still_pass() -> None:
    cb = _codebook(
        {
            "q": {"type": "categorical", "codes": {1: "Yes", 2: "No"}},
            "t": {"type": "categorical", "codes": {"A": "a", "B": "b"}},
            "b": {"type": "boolean", "true": [1], "false": [2]},
            "m": {"type": "select_multiple", "codes": {"x": "X", "y": "Y"}},
        },
        missing={-99: "Refused", "N/A": "Not applicable", "-98.0": "Skip"},
    )
    assert cb["q"].missing == {-99: "Refused", "N/A": "Not applicable", "-98.0": "Skip"}


def test_same_code_twice_keeps_its_message() -> None:
    with pytest.raises(
        CodebookError, match=r"variable 'q': code\(s\) 98 are both valid \('codes'\) and missing"
    ):
        _codebook({"q": {"type": "categorical", "codes": {1: "a", 98: "dk"}, "missing": {98: "dk"}}})


def test_the_codebook_check_agrees_with_intake(tmp_path: Path) -> None:
    """For every pair (valid code, missing code) from a pool of look-alikes: the codebook is refused
    exactly when loading a file holding the valid code would read it as missing."""
    codes = [1, 5, 10, "01", "A", "a", "x1"]
    missing = [1, -1, 5, "1.0", "01", "+1", "+5", "5.0", "1.5", "a", "A", "X1", "10", "010", " 1 "]
    for code, miss in itertools.product(codes, missing):
        variable = {
            "type": "categorical",
            "codes": {code: "valid", "zz": "other"},
            "missing": {miss: "missing"},
        }
        try:
            cb = _codebook({"q": variable})
            refused = False
        except CodebookError:
            refused = True
            # the same codebook without the check, as it was before: build it without 'missing', then add it
            cb = _codebook({"q": {**variable, "missing": {}}})
            cb = dataclasses.replace(
                cb, variables={"q": dataclasses.replace(cb["q"], missing={miss: "missing"})}
            )
        path = _write(tmp_path, f"q\n{code}\nzz\n")
        data, _ = load_survey(path, cb, errors="report")
        assert bool(pd.isna(data["q"].iloc[0])) == refused, (code, miss)
        assert MissingCodes({miss: ""}).matches(str(code)) == refused, (code, miss)


def test_codes_from_a_form_are_checked_too(tmp_path: Path) -> None:
    form = tmp_path / "form.xlsx"
    wb = openpyxl.Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["select_one yn", "q", "Agree?"])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    choices.append(["yn", "1", "Yes"])
    choices.append(["yn", "2", "No"])
    wb.save(form)
    cb = _codebook({"q": {"type": "categorical"}}, missing={"1.0": "Refused"})
    with pytest.raises(
        CodebookError,
        match=r"variable 'q': key 'missing': missing code '1.0' \(its missing codes\) "
        r"matches the valid code 1",
    ):
        cb.with_form(form)


def test_validate_refuses_such_a_codebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "q\n1\n2\n")
    book = tmp_path / "codebook.yaml"
    book.write_text("dataset: d\nvariables:\n  q:\n    type: categorical\n    codes: {1: 'Yes', 2: 'No'}\n"
                    "    missing: {'1.0': Refused}\n", encoding="utf-8")  # fmt: skip
    assert main(["validate", str(path), "--codebook", str(book)]) == 2
    err = capsys.readouterr().err
    assert "variable 'q': key 'missing': missing code '1.0' (its 'missing') matches the valid code 1" in err


def test_many_missing_codes_are_checked_in_linear_time() -> None:
    # The literal check once rebuilt the set of valid codes for every missing code (quadratic).
    n = 20_000
    start = time.process_time()
    cb = _codebook({"q": {"type": "categorical", "codes": {i: "" for i in range(n)},
                          "missing": {-i: "" for i in range(1, n + 1)}}})  # fmt: skip
    assert len(cb["q"].missing) == n
    assert time.process_time() - start < 10  # about 0.2 s; quadratic took minutes


# --------------------------------------------------------------------------------------------------
# 2. "1.250" beside decimal commas
# --------------------------------------------------------------------------------------------------


def test_dot_thousands_beside_decimal_commas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cb = _codebook(
        {"rid": {"type": "id"}, "amount": {"type": "number"}, "price": {"type": "number"}}, id="rid"
    )
    path = _write(
        tmp_path, "rid;amount;price\n1;1,5;1.250\n2;1.250;2.5\n3;2.5;0.125\n4;12.500;3\n5;0.250;4\n"
    )
    data, problems = _both_readers(path, cb, monkeypatch)
    hit = _only(problems[problems["problem"].str.contains("thousands separator")], "wrong_type", "amount")
    assert hit["rows"] == [3, 5] and hit["values"] == ["1.250", "12.500"] and hit["severity"] == "error"
    assert hit["problem"] == (
        "a '.' followed by three digits in a column that writes decimals with ',' (such as '1,5'): a thousands separator?"
    )
    assert "1250 or 1.25, whichever is meant (the values were set to missing)" in hit["expected"]
    assert data["amount"].isna().tolist() == [True, True, False, True, False]  # 1,5 (refused), 1.250, 12.500
    assert data.loc[6, "amount"] == 0.25  # a lone 0 before the dot is no thousands group
    # A column without decimal commas reads 1.250 as the decimal it is.
    assert data["price"].tolist() == [1.25, 2.5, 0.125, 3.0, 4.0]
    text = format_problems(problems)
    assert "column 'amount': a '.' followed by three digits in a column that writes decimals with ','" in text
    assert "at rows 3, 5: '1.250', '12.500'" in text


# --------------------------------------------------------------------------------------------------
# 3. Dates without a day
# --------------------------------------------------------------------------------------------------


def test_partial_dates_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cb = _codebook(
        {
            "rid": {"type": "id"},
            "day": {"type": "date", "min": "2025-01-01", "max": "2025-12-31"},
            "month": {"type": "date", "format": "%Y-%m"},  # declared: months read as their first day
            "at": {"type": "datetime"},
        },
        id="rid",
    )
    text = (
        "rid,day,month,at\n"
        "1,2025,2025-03,2025-03-04T10:00\n"
        "2,2025-03,2025-04,2025-03\n"
        "3,2025-03-04,2025-05,2025-03-04 10:30:00\n"
        "4,20250305,2025-06,2025-03-05\n"
        "5,2025-3,2025-07,2025-03-06T10:00:00+00:00\n"
    )
    data, problems = _both_readers(_write(tmp_path, text), cb, monkeypatch)
    hit = _only(problems, "wrong_type", "day")
    assert hit["rows"] == [2, 3, 6] and hit["values"] == ["2025", "2025-03", "2025-3"]
    assert hit["problem"] == (
        "dates without a day (a year, or a year and month): they would read as the 1st of the month, a day made up"
    )
    assert hit["expected"].startswith("a full date such as '2025-03-31' (the values were set to missing)")
    assert _only(problems, "wrong_type", "at")["rows"] == [3]
    assert "month" not in set(problems["column"])
    assert data["day"].isna().tolist() == [True, True, False, False, True]
    assert data.loc[4, "day"] == pd.Timestamp("2025-03-04") and data.loc[5, "day"] == pd.Timestamp(
        "2025-03-05"
    )
    assert data.loc[2, "month"] == pd.Timestamp("2025-03-01")
    with pytest.raises(
        IntakeError, match=r"column 'day': dates without a day .* at rows 2, 3, 6: '2025', '2025-03'"
    ):
        load_survey(_write(tmp_path, text), cb)


def test_excel_dates_and_numbers_in_date_columns(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["rid", "day"])
    ws.append(["1", dt.date(2025, 3, 4)])  # a real date cell
    ws.append(["2", dt.datetime(2025, 3, 5, 0, 0)])
    ws.append(["3", 2025])  # a number: a year (or a date serial number), not a date
    ws.append(["4", 45000])
    path = tmp_path / "dates.xlsx"
    wb.save(path)
    cb = _codebook({"rid": {"type": "id"}, "day": {"type": "date"}}, id="rid")
    data, problems = load_survey(path, cb, errors="report")
    pd.testing.assert_frame_equal(validate_survey(path, cb), problems, check_flags=False)
    assert data["day"].tolist()[:2] == [pd.Timestamp("2025-03-04"), pd.Timestamp("2025-03-05")]
    assert data["day"].isna().tolist() == [False, False, True, True]
    partial = problems[problems["problem"].str.startswith("dates without a day")]
    assert partial["rows"].tolist() == [[4]] and partial["values"].tolist() == [["2025"]]
    serial = _only(problems[problems["problem"] == "not a date"], "wrong_type", "day")
    assert serial["rows"] == [5] and "Excel date serial number" in serial["expected"]


# --------------------------------------------------------------------------------------------------
# 4. Excel digits, NUL bytes, text after a closing quote
# --------------------------------------------------------------------------------------------------


def test_excel_numbers_beyond_15_digits_warn(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["rid", "n"])
    ws.append([123456789012345000, 1])  # as Excel stores an id typed as 123456789012345678
    ws.append([9.87654321098765e17, 2])
    ws.append([12345, 3])
    ws.append([999999999999999, 4])  # 15 digits: kept
    path = tmp_path / "ids.xlsx"
    wb.save(path)
    cb = _codebook({"rid": {"type": "id"}, "n": {"type": "integer"}}, id="rid")
    data, problems = load_survey(path, cb, errors="report")
    pd.testing.assert_frame_equal(validate_survey(path, cb), problems, check_flags=False)
    hit = _only(problems, "lost_digits", "rid")
    assert hit["rows"] == [2, 3] and hit["severity"] == "warning"
    assert hit["problem"] == (
        "numbers of 16 digits or more stored as numbers (column A): Excel keeps only 15 significant digits, so "
        "their last digits may be lost"
    )
    assert "format the column as Text in Excel" in hit["expected"]
    assert len(data) == 4
    with pytest.warns(IntakeWarning, match="Excel keeps only 15 significant digits"):
        load_survey(path, cb)


def test_ids_in_scientific_notation_warn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cb = _codebook({"rid": {"type": "id"}, "n": {"type": "integer"}}, id="rid")
    path = _write(tmp_path, "rid,n\n1.23457E+17,1\n1.23457E+17,2\n12,3\n1E+5,4\n")
    _, problems = _both_readers(path, cb, monkeypatch)
    hit = _only(problems, "lost_digits", "rid")
    assert (
        hit["rows"] == [2, 3, 5] and hit["values"] == ["1.23457E+17", "1E+5"] and hit["severity"] == "warning"
    )
    assert _only(problems, "duplicate_id")["rows"] == [2, 3]


@pytest.mark.parametrize("sep", [",", ";"])
def test_text_after_a_closing_quote_is_reported(
    sep: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [f"rid{sep}note{sep}n", f'1{sep}"ab"cd{sep}1', f'2{sep}"ok, fine"{sep}2', f'3{sep}"x" {sep}3',
            f'4{sep}12" screen{sep}4', f'5{sep}"say ""hi"""{sep}5', f'6{sep}"a"b{sep}"7"z']  # fmt: skip
    path = _write(tmp_path, "\n".join(rows) + "\n")
    cb = _codebook({"rid": {"type": "id"}, "note": {"type": "text"}, "n": {"type": "text"}}, id="rid")
    for book in (cb, None):
        data, problems = _both_readers(path, book, monkeypatch)
        note = _only(problems, "stray_quote", "note")
        assert note["rows"] == [2, 4, 7] and note["values"] == ['"ab"cd', '"x" ', '"a"b']
        assert note["severity"] == "error"
        assert note["problem"] == (
            "text after the closing quote of a quoted value, read without its quotes ('\"ab\"cd' read as 'abcd')"
        )
        assert _only(problems, "stray_quote", "n")["values"] == ['"7"z']
        # values as read: the quotes dropped; well-formed quoting untouched
        assert data["note"].tolist() == ["abcd", "ok, fine", "x", '12" screen', 'say "hi"', "ab"]
    text = format_problems(problems)
    assert (
        "column 'note': text after the closing quote of a quoted value" in text and "at rows 2, 4, 7" in text
    )


def test_stray_quote_in_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path, 'rid,"no"te\n1,a\n')
    _, problems = load_survey(path, errors="report")
    hit = _only(problems, "stray_quote")
    assert hit["column"] == "" and hit["rows"] == [1] and hit["values"] == ['"no"te']


def test_nul_bytes_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "rid,note,n\n1,ab\0cd,1\n2,ok,2\n3,\0,3\n")
    cb = _codebook({"rid": {"type": "id"}, "note": {"type": "text"}, "n": {"type": "integer"}}, id="rid")
    data, problems = _both_readers(path, cb, monkeypatch)
    hit = _only(problems, "nul_byte", "note")
    assert hit["rows"] == [2, 4] and hit["values"] == ["ab\0cd", "\0"] and hit["severity"] == "error"
    assert r"column 'note': NUL bytes (\x00) in values" in format_problems(problems)
    assert r"'ab\x00cd'" in format_problems(problems)  # shown escaped
    with pytest.raises(IntakeError, match="NUL bytes"):
        load_survey(path, cb)
    assert data["n"].tolist() == [1, 2, 3]


def test_large_files_with_such_values_go_to_the_python_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of many blocks: one stray quote or NUL byte anywhere hands it to the line-by-line reader,
    which names the line; also when the closing quote ends one scan block and the text is in the next."""
    monkeypatch.setattr(blocks, "_SCAN_BLOCK", 2**12)
    monkeypatch.setattr(blocks, "_ARROW_BLOCK", 2**12)
    rows = [f'{i:06d},"note {i}",{i % 5}' for i in range(3000)]
    clean = "rid,note,n\n" + "\n".join(rows) + "\n"
    good = _write(tmp_path, clean, "good.csv")
    assert blocks.read_csv_blocks(good, 2**62) is not None
    cb = _codebook({"rid": {"type": "id"}, "note": {"type": "text"}, "n": {"type": "integer"}}, id="rid")
    # a closing quote as the last byte of a scan block, followed by a delimiter (fine) or by text
    first = clean.index(',"', 2**12 - 200) + 1  # an opening quote
    closing = clean.index('"', first + 1)
    pad = 2**12 - 1 - closing  # move the closing quote to the block's last byte
    assert pad >= 0
    shifted = clean[:first] + '"' + "x" * pad + clean[first + 1 :]
    assert shifted[2**12 - 1] == '"' and shifted[2**12] == ","
    assert blocks.read_csv_blocks(_write(tmp_path, shifted, "edge.csv"), 2**62) is not None
    stray = shifted[: 2**12] + "cd" + shifted[2**12 :]
    line = stray[: 2**12].count("\n") + 1
    for name, text, check in [
        ("stray.csv", stray, "stray_quote"),
        ("nul.csv", clean.replace("note 2500", "note\0"), "nul_byte"),
    ]:
        path = _write(tmp_path, text, name)
        assert blocks.read_csv_blocks(path, 2**62) is None
        data, problems = _both_readers(path, cb, monkeypatch)
        hit = _only(problems, check, "note")
        assert hit["rows"] == ([line] if check == "stray_quote" else [2502])
        assert len(data) == 3000


# --------------------------------------------------------------------------------------------------
# 4. A large codebook: libyaml, a bound on values before they are built
# --------------------------------------------------------------------------------------------------


def _big_codebook(n: int) -> str:
    codes = ", ".join(f"{i}: C{i}" for i in range(1, n + 1))
    return f"dataset: big\nmissing: {{-99: Refused}}\nvariables:\n  q:\n    type: categorical\n    codes: {{{codes}}}\n"


@pytest.mark.skipif(not yamlfile.FAST, reason="PyYAML without libyaml")
def test_large_codebook_is_read_by_libyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # PyYAML's pure-Python scanner (it took about 20 s of the 37 s for 200,000 codes) is not used.
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pure-Python YAML scanner was used")

    monkeypatch.setattr(yaml.scanner.Scanner, "fetch_more_tokens", refuse)
    path = tmp_path / "big.yaml"
    path.write_text(_big_codebook(50_000), encoding="utf-8")
    start = time.process_time()
    cb = Codebook.from_yaml(path)
    assert len(cb["q"].codes) == 50_000 and cb["q"].codes[50_000] == "C50000"
    assert time.process_time() - start < 20  # about 0.6 s; generous for slow machines


def test_pure_python_fallback_reads_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        _big_codebook(50)
        + "  r: {type: categorical, codes: [a, 'yes', 010, 0x1F], label: &l Lab}\n  s: {type: text, label: *l}\n"
    )
    fast = parse_yaml(text)
    monkeypatch.setattr(yamlfile, "FAST", False)
    assert parse_yaml(text) == fast
    assert fast["variables"]["r"]["codes"] == ["a", "yes", "010", 31]
    with pytest.raises(CodebookError, match="nests lists or mappings more than 64 levels"):
        parse_yaml("[" * 100)
    with pytest.raises(CodebookError, match=r"found the key 'a' twice \(first on line 1\)"):
        parse_yaml("a: 1\na: 2\n")


def test_without_libyaml_large_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(_big_codebook(120_000), encoding="utf-8")
    monkeypatch.setattr(yamlfile, "FAST", False)
    with pytest.raises(
        CodebookError, match=r"codebook 'big.yaml' is [\d,]+ bytes; without libyaml at most 1,000,000"
    ):
        Codebook.from_yaml(path)


def test_too_many_values_refused_before_they_are_built() -> None:
    with pytest.raises(
        CodebookError, match=r"codebook 'x.yaml' holds more than 1,000 values; write fewer or split"
    ):
        parse_yaml("[" + "1, " * 2000 + "1]", name="x.yaml", max_nodes=1000)
    assert len(parse_yaml("[" + "1, " * 900 + "1]", max_nodes=1000)) == 901


def test_merge_keys_and_duplicates_after_the_fast_path() -> None:
    data = parse_yaml("a: &a {x: 1, y: 2}\nb: {<<: *a, y: 3}\n")
    assert data["b"] == {"x": 1, "y": 3}
    with pytest.raises(
        CodebookError, match=r"at line 2, column 11: found the key 'x' twice \(first on line 2\)"
    ):
        parse_yaml("a: &a {x: 1}\nb: {x: 1, x: 2, <<: *a}\n")
    with pytest.raises(CodebookError, match=r"found the key 1 twice \(first on line 1\)"):
        parse_yaml("{1: a, 1: b}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a:\n\t- 1\n", "at line 2, column 1: while scanning for the next token: found character '\\t' that cannot start any token"),
        ("a: *x\n", "at line 1, column 4: found undefined alias 'x'"),
        ('a: "\\q"\n', "found unknown escape character 'q'"),
        ("a: [", "at line 1, column 5:"),
    ],
)  # fmt: skip
def test_yaml_errors_name_the_place_and_the_character(text: str, message: str) -> None:
    with pytest.raises(CodebookError) as info:
        parse_yaml(text, name="c.yaml")
    assert str(info.value).startswith("codebook 'c.yaml' is not valid YAML") and message in str(info.value)


def test_missing_codes_shared_by_intake_and_codebook() -> None:
    codes = MissingCodes({-99: "Refused", "N/A": "na", "01": "x"})
    values = pd.Series(["-99", "-99.0", "n/a", "1", "1.0", "01", "99", None], dtype="string")
    assert codes.mask(values).tolist() == [True, True, True, True, True, True, False, False]
    assert [codes.matches(v) for v in values.dropna()] == codes.mask(values).tolist()[:-1]
    assert np.array_equal(codes.mask(values[:0]), np.zeros(0, dtype=bool))
