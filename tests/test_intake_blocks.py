"""Large CSV files are read block-wise (pyarrow) with the same result as the pure-Python reader.

The block-wise reader is used for files of at least ``blocks.MIN_BYTES``; these tests lower that
threshold so every corpus file goes through it, and compare data and problem tables with the
pure-Python reader cell for cell. A file of several blocks with problems planted on known lines checks
that line numbers survive block boundaries, and ``validate_survey`` is checked against ``load_survey``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_me.intake import blocks, load_survey, validate_survey

HERE = Path(__file__).parent
GOOD = HERE / "data" / "good"
BAD = HERE / "data" / "bad"
SAMPLES = HERE.parent / "data" / "samples"

CSV_FILES = sorted(BAD.glob("*.csv")) + sorted(GOOD.glob("*.csv")) + [HERE / "data" / "newcomer" / "survey.csv"]
CSV_FILES += [SAMPLES / "aroland" / "survey_endline.csv", SAMPLES / "aroland" / "kobo" / "survey_endline_kobo.csv"]

#: Files the block-wise reader must hand to the pure-Python reader (which reports them in detail).
NOT_BLOCKWISE = {"empty.csv", "header_only.csv", "non_utf8.csv", "stray_quote_next_line.csv", "unterminated_quote.csv"}


def _codebook_for(path: Path) -> Path:
    if path.parent.name == "newcomer":
        return path.parent / "codebook.yaml"
    if path.parent.name in ("aroland", "kobo"):
        return SAMPLES / "codebook.yaml"
    return GOOD / ("kobo_codebook.yaml" if "kobo" in path.name else "codebook.yaml")


def _load(path: Path, codebook: Path | None, monkeypatch: pytest.MonkeyPatch, min_bytes: int, **kw: object):
    monkeypatch.setattr(blocks, "MIN_BYTES", min_bytes)
    form = SAMPLES / "aroland" / "kobo" / "kap_form.xlsx" if path.name == "survey_endline_kobo.csv" else None
    return load_survey(path, codebook, errors="report", form=form, **kw)


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("with_codebook", [True, False], ids=["codebook", "no-codebook"])
def test_same_result_as_the_python_reader(path: Path, with_codebook: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    codebook = _codebook_for(path) if with_codebook else None
    data_py, problems_py = _load(path, codebook, monkeypatch, 2**62)
    data_bw, problems_bw = _load(path, codebook, monkeypatch, 0)
    pd.testing.assert_frame_equal(data_bw, data_py)
    pd.testing.assert_frame_equal(problems_bw, problems_py)
    assert problems_bw.attrs == problems_py.attrs


def test_files_that_need_the_python_reader_are_left_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "MIN_BYTES", 0)
    for path in CSV_FILES:
        assert (blocks.read_csv_blocks(path, path.stat().st_size) is None) == (path.name in NOT_BLOCKWISE), path.name


def _big_file(folder: Path, rows: int) -> tuple[Path, Path, dict[str, list[int]]]:
    """A survey of ``rows`` rows spanning many reader blocks, with problems planted on known lines."""
    rng = np.random.default_rng(7)
    ids = np.char.zfill(np.arange(1, rows + 1).astype(str), 7).astype(object)
    sex = rng.integers(1, 3, rows).astype(str).astype(object)
    age = rng.integers(15, 65, rows).astype(str).astype(object)
    item = rng.integers(1, 6, rows).astype(str).astype(object)
    note = rng.choice(np.array(['"a, b"', "c", "", " padded "], dtype=object), rows)
    lines = [f"{i},{s},{a},{q},{n}" for i, s, a, q, n in zip(ids, sex, age, item, note)]
    planted = {"too_few": [], "bad_code": [], "blank": [], "age_text": [], "repeated": [], "duplicate": []}
    # data line k (0-based) is file line k + 2; plant problems far apart, across block boundaries
    for k in (5, rows // 3, rows - 2):
        lines[k] = "1,2,3"
        planted["too_few"].append(k + 2)
    for k in (7, rows // 2 + 1, rows - 1):
        lines[k] = lines[k].split(",", 3)
        lines[k][3] = "7," + lines[k][3].split(",", 1)[1]
        lines[k] = ",".join(lines[k])
        planted["bad_code"].append(k + 2)
    for k in (11, rows // 4):
        lines[k] = ""
        planted["blank"].append(k + 2)
    for k in (13, rows // 5 * 4):
        lines[k] = lines[k].split(",", 3)
        lines[k][2] = "n/a"
        lines[k] = ",".join(lines[k])
        planted["age_text"].append(k + 2)
    k = rows // 2 + 5
    lines[k] = "resp_id,sex,age,q01,note"
    planted["repeated"].append(k + 2)
    lines[rows - 5] = lines[17].replace('"a, b"', "c")  # the id of line 19 again
    planted["duplicate"] += [19, rows - 5 + 2]
    csv = folder / "big.csv"
    csv.write_text("resp_id,sex,age,q01,note\n" + "\n".join(lines) + "\n", encoding="utf-8")
    cb = folder / "codebook.yaml"
    cb.write_text(
        "dataset: big\nid: resp_id\nvariables:\n  resp_id: {type: id}\n"
        "  sex: {type: categorical, codes: {1: Male, 2: Female}}\n  age: {type: integer, min: 15, max: 64}\n"
        "  q01: {type: categorical, points: 5}\n  note: {type: text}\n",
        encoding="utf-8",
    )
    return csv, cb, planted


def test_line_numbers_survive_block_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = 60_000  # about 1.3 MB: with 64 KiB blocks, about 20 blocks
    csv, cb, planted = _big_file(tmp_path, rows)
    monkeypatch.setattr(blocks, "_ARROW_BLOCK", 2**16)
    assert blocks.read_csv_blocks(csv, 2**62) is not None  # the file is read block-wise
    data_py, problems_py = _load(csv, cb, monkeypatch, 2**62)
    data_bw, problems_bw = _load(csv, cb, monkeypatch, 0)
    pd.testing.assert_frame_equal(data_bw, data_py)
    pd.testing.assert_frame_equal(problems_bw, problems_py)
    by_check = {c: sorted(int(r) for rows_ in g["rows"] for r in rows_) for c, g in problems_bw.groupby("check")}
    # the planted lines, and nothing else, are reported
    assert by_check["ragged_row"] == planted["too_few"]
    assert by_check["invalid_code"] == planted["bad_code"]
    assert by_check["wrong_type"] == planted["age_text"]
    assert by_check["repeated_header"] == planted["repeated"]
    assert by_check["duplicate_id"] == planted["duplicate"]
    skipped = set(planted["too_few"] + planted["blank"] + planted["repeated"])
    expected_lines = [line for line in range(2, rows + 2) if line not in skipped]
    assert data_bw.index.tolist() == expected_lines
    assert data_bw.loc[planted["bad_code"], "q01"].isna().all()
    assert data_bw["note"].isin(["a, b", "c", "padded"]).sum() == data_bw["note"].notna().sum()


def test_validate_survey_reports_what_load_survey_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv, cb, _ = _big_file(tmp_path, 5_000)
    for min_bytes in (0, 2**62):
        monkeypatch.setattr(blocks, "MIN_BYTES", min_bytes)
        data, problems = load_survey(csv, cb, errors="report")
        checked = validate_survey(csv, cb)
        pd.testing.assert_frame_equal(checked, problems, check_flags=False)
        assert (checked.attrs["rows"], checked.attrs["columns"]) == data.shape


def test_validate_survey_without_codebook(monkeypatch: pytest.MonkeyPatch) -> None:
    data, problems = load_survey(BAD / "phone_column.csv", errors="report")
    checked = validate_survey(BAD / "phone_column.csv")
    pd.testing.assert_frame_equal(checked, problems, check_flags=False)
    assert (checked.attrs["rows"], checked.attrs["columns"]) == data.shape


def test_random_quoting_reads_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded random files with quotes, padding, empty and ragged rows, CRLF, non-ASCII text: the
    block-wise reader reads each as the pure-Python reader does, or leaves it to that reader."""
    rng = np.random.default_rng(2026)
    pieces = ['1', '22', ' 3 ', '"4"', '"a,b"', '""', '"x""y"', 'é', ' ', '', '"q"r', 's"t', '" u "', "\u00a0v"]
    pieces += ['"m\nn"', '"p\r\nq"', '"\n"', '"w\n\nz"', '"a""\n"']  # quoted values over several lines
    pieces += ['5"', '"""']  # a quote inside an unquoted value (text to the csv module), an open quote
    blockwise = 0
    multiline = 0
    for case in range(300):
        n = int(rng.integers(2, 5))
        sep = str(rng.choice([",", ";"]))
        eol = "\r\n" if rng.random() < 0.3 else "\n"
        lines = [sep.join(f"c{j}" for j in range(n))]
        for _ in range(int(rng.integers(1, 12))):
            width = n if rng.random() < 0.85 else int(rng.integers(1, n + 2))
            lines.append(sep.join(str(rng.choice(pieces)) for _ in range(width)))
        path = tmp_path / f"case{case}.csv"
        path.write_bytes((eol.join(lines) + (eol if rng.random() < 0.8 else "")).encode("utf-8"))
        monkeypatch.setattr(blocks, "MIN_BYTES", 0)
        read = blocks.read_csv_blocks(path, 1) is not None
        blockwise += read
        multiline += read and any("\n" in line for line in lines)  # a value with a line feed
        data_bw, problems_bw = load_survey(path, errors="report")
        monkeypatch.setattr(blocks, "MIN_BYTES", 2**62)
        data_py, problems_py = load_survey(path, errors="report")
        pd.testing.assert_frame_equal(data_bw, data_py, obj=f"case {case}: {lines}")
        pd.testing.assert_frame_equal(problems_bw, problems_py, obj=f"case {case}: {lines}")
    # many cases really went through the block-wise reader (odd quotes, a quote inside an unquoted value
    # and text after a closing quote do not)
    assert blockwise >= 30
    assert multiline >= 20  # among them files with quoted values over several lines


def test_repeated_header_with_padded_names_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Regression: the repeated-header check once compared unstripped cells, so " resp_id " was missed.
    lines = (BAD / "repeated_header.csv").read_text(encoding="utf-8").splitlines()
    lines[5] = ",".join(f" {name} " for name in lines[5].split(","))
    path = tmp_path / "padded.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for min_bytes in (0, 2**62):
        monkeypatch.setattr(blocks, "MIN_BYTES", min_bytes)
        data, problems = load_survey(path, GOOD / "codebook.yaml", errors="report")
        hit = problems[problems["check"] == "repeated_header"]
        assert hit["rows"].tolist() == [[6]]
        assert 6 not in data.index


@pytest.mark.parametrize("variant", ["every row", "one row without", "a value after"])
def test_trailing_empty_fields(variant: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some tools end every data row with empty fields the header does not have: read block-wise."""
    rows = [f"{i:05d},{1 + i % 2},{20 + i % 40},,," for i in range(2000)]
    if variant == "one row without":
        rows[700] = rows[700].rstrip(",")
    if variant == "a value after":
        rows[900] = rows[900] + "x"
    path = tmp_path / "trailing.csv"
    path.write_text("resp_id,sex,age\n" + "\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(blocks, "MIN_BYTES", 0)
    assert (blocks.read_csv_blocks(path, 1) is not None) == (variant == "every row")
    data_bw, problems_bw = load_survey(path, errors="report")
    monkeypatch.setattr(blocks, "MIN_BYTES", 2**62)
    data_py, problems_py = load_survey(path, errors="report")
    pd.testing.assert_frame_equal(data_bw, data_py)
    pd.testing.assert_frame_equal(problems_bw, problems_py)
    assert len(data_bw) == (1999 if variant == "a value after" else 2000)


@pytest.mark.parametrize("id_type", ["id", "integer"])
def test_duplicate_ids_as_the_id_type_compares_them(id_type: str, tmp_path: Path) -> None:
    # Text ids "01" and "1" differ; integer ids 01 and 1 are the same respondent.
    path = tmp_path / "ids.csv"
    path.write_text("resp_id,age\n01,20\n1,30\n 2 ,40\n2,50\n", encoding="utf-8")
    cb = tmp_path / "cb.yaml"
    cb.write_text(f"dataset: ids\nid: resp_id\nvariables:\n  resp_id: {{type: {id_type}}}\n  age: {{type: integer}}\n", encoding="utf-8")
    _, problems = load_survey(path, cb, errors="report")
    dup = problems[problems["check"] == "duplicate_id"]
    assert dup["rows"].tolist() == ([[4, 5]] if id_type == "id" else [[2, 3, 4, 5]])


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n\ufeffx,1\n2,3\n",  # a byte-order mark at the start of the first data line (pyarrow drops it)
        "a,b\n\ufeff\n2,3\n",
        "a,b\n1," + "x" * 200_000 + "\n2,3\n",  # a field beyond the csv module's limit
        "a,b,c\n1,2,3\n4," + "x" * 200_000 + "\n",
        "a;b;c,d\n" + "1;2;3,4\n" * 5 + "x,y" + ";" * 70000 + (",z" + ";" * 10) * 90000 + "\n" + "5;6;7,8\n" * 5,
        "a,b\n" + "1,2,3\n" * 12_000,  # more ragged rows than MAX_BAD_ROWS
        "a,b\n1,2\n" + "3,4,\n" * 3000,  # empty fields after the last column, but not on the first row
    ],
    ids=["bom-data", "bom-blank", "long-field", "long-ragged", "sniff-sample", "many-ragged", "late-trailing"],
)
def test_review_cases_read_alike(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inputs found in review where the two readers differed or the block-wise one crashed."""
    path = tmp_path / "case.csv"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(blocks, "MIN_BYTES", 0)
    data_bw, problems_bw = load_survey(path, errors="report")
    monkeypatch.setattr(blocks, "MIN_BYTES", 2**62)
    data_py, problems_py = load_survey(path, errors="report")
    pd.testing.assert_frame_equal(data_bw, data_py)
    pd.testing.assert_frame_equal(problems_bw, problems_py)


def test_quoted_values_over_several_lines_keep_line_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Comments with line breaks (common in KoboToolbox text answers) across many blocks."""
    rng = np.random.default_rng(11)
    text = ["resp_id,sex,q01,note"]
    expected: dict[str, list[int]] = {"invalid_code": [], "ragged_row": [], "data": []}
    line = 2
    for i in range(30_000):
        note = '"first line\nsecond, line"' if i % 997 == 3 else ('"a\r\nb\n\nc"' if i % 1999 == 5 else "ok")
        q01 = "7" if i % 2503 == 11 else str(rng.integers(1, 6))
        row = f"{i:06d},{1 + i % 2},{q01},{note}"
        if i % 4001 == 17:
            row = f"{i:06d},1"  # too few fields
            expected["ragged_row"].append(line)
        else:
            expected["data"].append(line)
            if q01 == "7":
                expected["invalid_code"].append(line)
        text.append(row)
        line += 1 + row.count("\n")
    path = tmp_path / "comments.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8", newline="")
    cb = tmp_path / "cb.yaml"
    cb.write_text(
        "dataset: comments\nid: resp_id\nvariables:\n  resp_id: {type: id}\n"
        "  sex: {type: categorical, codes: {1: Male, 2: Female}}\n  q01: {type: categorical, points: 5}\n"
        "  note: {type: text}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(blocks, "_ARROW_BLOCK", 2**15)
    monkeypatch.setattr(blocks, "_SCAN_BLOCK", 2**14)
    assert blocks.read_csv_blocks(path, 2**62) is not None  # read block-wise
    data_py, problems_py = _load(path, cb, monkeypatch, 2**62)
    data_bw, problems_bw = _load(path, cb, monkeypatch, 0)
    pd.testing.assert_frame_equal(data_bw, data_py)
    pd.testing.assert_frame_equal(problems_bw, problems_py)
    assert data_bw.index.tolist() == expected["data"]
    rows = {c: sorted(r for rs in g["rows"] for r in rs) for c, g in problems_bw.groupby("check")}
    assert rows == {"invalid_code": expected["invalid_code"], "ragged_row": expected["ragged_row"]}
    assert data_bw.loc[expected["data"][3], "note"] == "first line\nsecond, line"
