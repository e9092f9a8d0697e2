"""The distinct-value paths of intake give what a straightforward per-row conversion gives.

Intake converts each distinct value of a column once and spreads the result over the rows by the
column's codes (``intake/table.py`` ``_Column``). These tests compare that path with a per-row
reference on random columns that hold missing codes, invalid values, whitespace variants and blanks:

- ``_select_multiple`` against :func:`_select_multiple_per_row`, the implementation that split every
  row's answer in Python (kept here verbatim as the reference), with the distinct values of each column
  in a shuffled order (the values a problem lists must still come in the order of the file's rows);
- ``_Converter.convert`` on a column of 1,000 rows or more (distinct values) against ``_convert`` on
  the same column row by row, for every codebook type;
- ``load_survey`` on a file with every type, against the same call with the per-row paths patched in;
- the block-wise reader's pre-scan against a byte-by-byte reference, its test for values that need
  stripping against ``str.strip``, and a file read in 2-4 parts (one thread each) against the
  pure-Python reader (the corpus, planted problems, values over several lines, a part that fails).

Speed is measured in ``benchmarks/bench_intake_realistic.py``, not here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from campaign_me.codebook import Codebook, Variable
from campaign_me.intake import load as load_module
from campaign_me.intake import load_survey, validate_survey
from campaign_me.intake.convert import Converter as _Converter
from campaign_me.intake.convert import _int64
from campaign_me.intake.convert import bool_array as _bool_array
from campaign_me.intake.convert import codes_text as _codes_text
from campaign_me.intake.convert import convert_select_multiple as _select_multiple
from campaign_me.intake.problems import ProblemLog as _Problems
from campaign_me.intake.table import CodedColumn as _Column
from campaign_me.textvalues import INT_RE as _INT_RE

# --------------------------------------------------------------------------------------------------
# The reference: select_multiple row by row (the implementation before the distinct-value path)
# --------------------------------------------------------------------------------------------------


def _select_multiple_per_row(
    var: Variable,
    text: pd.Series | None,
    options: dict[str, pd.Series],
    conv: _Converter,
    file_names: dict[str, str],
) -> dict[str, pd.Series]:
    """Reference: expand one select_multiple variable to 0/1 ``Int64`` columns, row by row.

    A row is answered when the space-separated column or any 0/1 option column holds data. Where both
    hold data the 0/1 columns are used; where only one does, that one is used. Disagreements, and rows
    where one form is blank while the other has data, are reported as ``select_multiple_mismatch``.
    """
    n = len(conv.lines)
    codes = [str(c) for c in var.codes]
    text_has = np.zeros(n, dtype=bool)  # the text column holds options
    text_missing = np.zeros(n, dtype=bool)  # the text column holds a missing code
    from_text: dict[str, np.ndarray] = {}
    if text is not None:
        text_missing = conv._missing_mask(var, text)
        t = text.mask(text_missing)
        text_has = _bool_array(t.notna())
        tokens = [str(v).split() if ok else [] for v, ok in zip(t.tolist(), text_has)]
        bad_rows = np.array([any(tok not in codes for tok in toks) for toks in tokens], dtype=bool)
        if bad_rows.any():
            bad_tokens = [tok for toks in tokens for tok in toks if tok not in codes]
            conv.problems.add(
                "invalid_code",
                "options not in the codebook",
                column=var.name,
                rows=conv._rows(bad_rows),
                values=bad_tokens,
                expected=f"space-separated options from {_codes_text(var.codes)}",
            )
        from_text = {c: np.array([c in toks for toks in tokens], dtype=bool) for c in codes}
    from_cols: dict[str, np.ndarray] = {}
    col_has = np.zeros(n, dtype=bool)  # some option column holds 0 or 1
    ticked = np.zeros(n, dtype=bool)  # some option column holds 1
    for code, s in options.items():
        s = s.mask(conv._missing_mask(var, s))
        present = _bool_array(s.notna())
        values, _ = conv._numbers(var, s, present, _INT_RE)
        bad = present & ~np.isin(values, [0.0, 1.0])
        if bad.any():
            conv.problems.add(
                "wrong_type",
                "not 0 or 1",
                column=f"{var.name}/{code}",
                rows=conv._rows(bad),
                values=s[bad].tolist(),
                expected="1 (option chosen) or 0 (not chosen)",
            )
        col_has |= present & ~bad
        from_cols[code] = values == 1.0
        ticked |= from_cols[code]
    if options and text is None:
        absent = [c for c in codes if c not in options]
        if absent:
            conv.problems.add(
                "missing_column",
                f"option columns of select_multiple {var.name!r} are missing and there is no "
                f"{var.name!r} column to read them from",
                column=var.name,
                values=[f"{var.name}/{c}" for c in absent],
                expected="one 0/1 column per option, or the space-separated column",
            )
    # Unanswered: neither form has data, or the text holds a missing code and no option is ticked.
    answered = text_has | (col_has & ~(text_missing & ~ticked))
    if options and text is not None:
        name = repr(file_names.get(var.name, var.name))
        disagree = np.zeros(n, dtype=bool)
        for code, chosen in from_cols.items():
            disagree |= text_has & col_has & (chosen != from_text[code])
        if disagree.any():
            conv.problems.add(
                "select_multiple_mismatch",
                f"the 0/1 option columns disagree with the space-separated column {name}",
                column=var.name,
                rows=conv._rows(disagree),
                expected="the same options in both (the 0/1 columns were used)",
            )
        blank_text = ticked & ~text_has
        if blank_text.any():
            conv.problems.add(
                "select_multiple_mismatch",
                f"options ticked in the 0/1 option columns but the space-separated column {name} is "
                + {0: "blank", 1: "blank or a missing code", 2: "a missing code"}[
                    int((blank_text & text_missing).any()) + int(not (blank_text & ~text_missing).any())
                ],
                column=var.name,
                rows=conv._rows(blank_text),
                values=[text.iloc[i] for i in np.flatnonzero(blank_text & text_missing)],
                expected="the same options in both (the 0/1 columns were used)",
            )
        blank_cols = text_has & ~col_has
        if blank_cols.any():
            conv.problems.add(
                "select_multiple_mismatch",
                f"options in the space-separated column {name} but the 0/1 option columns are blank",
                column=var.name,
                rows=conv._rows(blank_cols),
                expected="the same options in both (the space-separated column was used)",
            )
    result: dict[str, pd.Series] = {}
    for code in codes:
        chosen = from_text.get(code, np.zeros(n, dtype=bool))
        if code in from_cols:
            chosen = np.where(col_has, from_cols[code], chosen)
        result[f"{var.name}/{code}"] = pd.Series(
            pd.array([int(c) if a else None for c, a in zip(chosen, answered)], dtype="Int64")
        )
    return result


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------

MISSING = {-99: "Refused", "N/A": "Not applicable"}


def _variable(spec: dict, missing: dict | None = None) -> Variable:
    cb = Codebook.from_dict(
        {"dataset": "t", "missing": MISSING if missing is None else missing, "variables": {"v": spec}}
    )
    return cb["v"]


def _shuffled(col: _Column, rng: np.random.Generator) -> _Column:
    """The same column with its distinct values in another order (codes remapped)."""
    k = len(col.uniques)
    order = rng.permutation(k)
    new_code = np.empty(k, dtype=np.int64)
    new_code[order] = np.arange(k)
    codes = np.where(col.codes >= 0, new_code[np.maximum(col.codes, 0)], -1)
    return _Column(codes, col.uniques[order])


def _converter(n: int, rng: np.random.Generator) -> _Converter:
    lines = 2 + np.cumsum(rng.integers(1, 3, n)) - 1  # file lines with gaps (skipped rows)
    return _Converter(_Problems("survey.csv"), lines.astype(np.int64))


def _problems(conv: _Converter) -> list[tuple]:
    return [
        (p.check, p.problem, p.column, p.rows, p.values, p.expected, p.severity) for p in conv.problems.items
    ]


def _same_columns(got: dict[str, pd.Series], want: dict[str, pd.Series]) -> None:
    assert list(got) == list(want)
    for name in want:
        pd.testing.assert_series_equal(got[name], want[name], check_names=False, obj=name)


# --------------------------------------------------------------------------------------------------
# select_multiple
# --------------------------------------------------------------------------------------------------

TEXT_CODES = {
    "radio": "Radio",
    "tv": "TV",
    "facebook": "Facebook",
    "friends": "Friends",
    "none": "None of these",
}
INT_CODES = {1: "Radio", 2: "TV", 3: "Facebook", 4: "Friends", 96: "Other", 0: "None"}
SEPARATORS = [" ", " ", " ", "  ", "\t", " \t "]


def _answers(rng: np.random.Generator, codes: list[str], n: int) -> tuple[list[str], list[set[str]]]:
    """Random space-separated answers (as in the file) and the valid options each holds."""
    invalid = ["tiktok", codes[0].upper(), "99", "1.0", "01", "n/a-ish"]
    special = ["", "   ", "-99", "-99.0", " -99 ", "n/a", "N/A", "none", "none " + codes[0]]
    pool_text: list[str] = []
    pool_sets: list[set[str]] = []
    for _ in range(60):  # a pool of distinct answers, repeated over the rows
        u = rng.random()
        if u < 0.25:
            cell = special[rng.integers(len(special))]
            tokens = cell.split()
        else:
            k = int(rng.integers(1, 5))
            words = list(rng.choice(codes + (invalid if u > 0.85 else []), k))  # duplicates too
            if rng.random() < 0.2:
                words.append(words[0])  # the same option twice in a cell
            cell = "".join(w + SEPARATORS[rng.integers(len(SEPARATORS))] for w in words).rstrip()
            if rng.random() < 0.2:
                cell = " " + cell + "  "
            tokens = words
        pool_text.append(cell)
        pool_sets.append({t for t in tokens if t in codes})
    pick = rng.integers(0, len(pool_text), n)
    return [pool_text[i] for i in pick], [pool_sets[i] for i in pick]


def _option_cells(rng: np.random.Generator, chosen: list[set[str]], code: str) -> list[str]:
    """0/1 cells of one option column: mostly agreeing with the text, sometimes not, with bad values."""
    odd = ["", "", "-99", "N/A", "2", "yes", " 1 ", "1.0", "0.0", "01", "x"]
    cells = []
    for options in chosen:
        u = rng.random()
        if u < 0.7:
            cells.append("1" if code in options else "0")
        elif u < 0.85:
            cells.append(str(int(rng.integers(0, 2))))
        else:
            cells.append(odd[rng.integers(len(odd))])
    return cells


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("kind", ["text codes", "integer codes"])
@pytest.mark.parametrize("layout", ["text", "options", "both", "text and some options"])
def test_select_multiple_matches_the_per_row_reference(seed: int, kind: str, layout: str) -> None:
    rng = np.random.default_rng([seed, len(kind), len(layout)])
    var = _variable(
        {"type": "select_multiple", "codes": TEXT_CODES if kind == "text codes" else INT_CODES},
        missing={-99: "Refused", "N/A": "Not applicable"},
    )
    codes = [str(c) for c in var.codes]
    n = int(rng.integers(1, 3000))
    texts, chosen = _answers(rng, codes, n)
    text = _Column.from_cells(texts) if layout != "options" else None
    with_options = codes if layout in ("options", "both") else ([] if layout == "text" else codes[::2])
    if layout == "options" and seed % 3 == 0:
        with_options = codes[1:]  # an option column missing and no text column: reported
    options = {c: _Column.from_cells(_option_cells(rng, chosen, c)) for c in with_options}
    names = {"v": "grp/v"}

    want_conv = _converter(n, rng)
    got_conv = _Converter(_Problems("survey.csv"), want_conv.lines)
    want = _select_multiple_per_row(
        var,
        None if text is None else text.series(),
        {c: col.series() for c, col in options.items()},
        want_conv,
        names,
    )
    got = _select_multiple(
        var,
        None if text is None else _shuffled(text, rng),
        {c: _shuffled(col, rng) for c, col in options.items()},
        got_conv,
        names,
    )
    _same_columns(got, want)
    assert _problems(got_conv) == _problems(want_conv)
    # The Series form (what a caller holding text columns passes) gives the same.
    series_conv = _Converter(_Problems("survey.csv"), want_conv.lines)
    again = _select_multiple(
        var,
        None if text is None else text.series(),
        {c: col.series() for c, col in options.items()},
        series_conv,
        names,
    )
    _same_columns(again, want)
    assert _problems(series_conv) == _problems(want_conv)


def test_select_multiple_problems_name_rows_and_values_in_file_order() -> None:
    var = _variable({"type": "select_multiple", "codes": ["radio", "tv", "none"]})
    cells = ["tv  radio", "tiktok radio", "", "-99", "radio\tradio", "none", "zoom tiktok", "NONE", "tiktok"]
    conv = _Converter(_Problems("s.csv"), np.arange(2, 2 + len(cells)))
    column = _Column.from_cells(cells)
    order = np.arange(len(column.uniques))[::-1]  # distinct values stored in reverse order
    new = np.empty_like(order)
    new[order] = np.arange(len(order))
    reversed_column = _Column(
        np.where(column.codes >= 0, new[np.maximum(column.codes, 0)], -1), column.uniques[order]
    )
    out = _select_multiple(var, reversed_column, {}, conv, {})
    (problem,) = conv.problems.items
    assert problem.rows == [3, 8, 9, 10] and problem.values == ["tiktok", "zoom", "NONE"]
    assert out["v/radio"].tolist() == [1, 1, pd.NA, pd.NA, 1, 0, 0, 0, 0]
    assert out["v/none"].tolist() == [0, 0, pd.NA, pd.NA, 0, 1, 0, 0, 0]
    assert str(out["v/tv"].dtype) == "Int64"


def test_select_multiple_columns_do_not_share_their_missing_mask() -> None:
    var = _variable({"type": "select_multiple", "codes": ["radio", "tv"]})
    conv = _Converter(_Problems("s.csv"), np.arange(2, 5))
    out = _select_multiple(var, _Column.from_cells(["radio", "", "tv"]), {}, conv, {})
    out["v/radio"].iloc[0] = pd.NA
    assert out["v/tv"].tolist() == [0, pd.NA, 1]


# --------------------------------------------------------------------------------------------------
# The other types: distinct values against row by row
# --------------------------------------------------------------------------------------------------

CELLS: dict[str, tuple[dict, list[str]]] = {
    "integer": (
        {"type": "integer", "min": 0, "max": 120},
        ["0", "7", " 7 ", "120", "121", "-5", "1.0", "2.000", "abc", "1,5", "1e3", "-99", "-99.0", "n/a", "",
         "9007199254740993", "+12", "007"],
    ),
    "number": (
        {"type": "number", "min": 0},
        ["1.5", "0.25", "1,5", "1.250", "12.500", "1e400", "-3", ".5", "abc", "-99", "", "2,000", "1.0", "3.",
         "-0.0", "N/A", "1e-3"],
    ),
    "number, dot thousands": (
        {"type": "number"},
        ["1,5", "2,25", "1.250", "12.500", "3.5", "7", "1.250", "", "-99"],
    ),
    "categorical, integer codes": (
        {"type": "categorical", "codes": {1: "a", 2: "b", 3: "c"}},
        ["1", "2", "3", "4", "1.0", "x", "-99", "", "03", "+2", "2.5"],
    ),
    "categorical, text codes": (
        {"type": "categorical", "codes": ["north", "south", "east"]},
        ["north", "south", "east", "North", "west", "-99", "n/a", "", " east "],
    ),
    "boolean": (
        {"type": "boolean"},
        ["1", "0", "yes", "No", "Y", "maybe", "1.0", "0.0", "2", "-99", "", "TRUE", "false"],
    ),
    "boolean, own codes": (
        {"type": "boolean", "true": [1], "false": [2]},
        ["1", "2", "1.0", "3", "-99", "", "yes"],
    ),
    "date": (
        {"type": "date", "min": "2025-01-01", "max": "2025-12-31"},
        ["2025-03-31", "2025-3-1", "20250331", "2025", "2025-03", "2024-12-31", "2026-01-01", "45000",
         "31/03/2025", "-99", "", "2025-03-31T10:00:00", "2025-02-30", "n/a"],
    ),
    "datetime, mixed offsets": (
        {"type": "datetime"},
        ["2025-03-31T10:00:00+03:00", "2025-03-31T10:00:00Z", "2025-04-01T08:30:00+00:00", "later", "",
         "2025-03-31"],
    ),
    "date with a format": (
        {"type": "date", "format": "%d/%m/%Y", "max": "2025-06-30"},
        ["31/03/2025", "01/07/2025", "2025-03-31", "32/01/2025", "-99", ""],
    ),
    "id": (
        {"type": "id"},
        ["00012", "1.23457E+17", "4.5E+16", "abc", "-99", "", "12"],
    ),
    "text": ({"type": "text"}, ["a, b", "-99", "N/A", "", "x"]),
}  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("name", list(CELLS))
def test_convert_by_distinct_values_matches_row_by_row(name: str, seed: int) -> None:
    rng = np.random.default_rng([seed, len(name)])
    spec, pool = CELLS[name]
    var = _variable(spec)
    n = int(rng.integers(1000, 4000))  # 1,000 rows or more: the distinct-value path
    weights = rng.random(len(pool)) ** 3
    cells = [pool[i] for i in rng.choice(len(pool), n, p=weights / weights.sum())]
    column = _Column.from_cells(cells)
    want_conv = _converter(n, rng)
    want = want_conv._convert(var, column.series())  # row by row
    got_conv = _Converter(_Problems("survey.csv"), want_conv.lines)
    got = got_conv.convert(var, _shuffled(column, rng))
    pd.testing.assert_series_equal(got, want)
    assert _problems(got_conv) == _problems(want_conv)
    assert got_conv._codes is None


def test_int64_and_boolean_arrays_match_the_per_value_build() -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(-(2**52), 2**52, 5000).astype(float)
    values[rng.random(5000) < 0.2] = np.nan
    values[:3] = [-0.0, 0.0, 2.0**53 - 1]
    want = pd.array([None if np.isnan(v) else int(v) for v in values], dtype="Int64")
    pd.testing.assert_extension_array_equal(_int64(values), want)
    is_true = rng.random(5000) < 0.4
    is_false = ~is_true & (rng.random(5000) < 0.5)
    want_bool = pd.array(
        [True if t else (False if f else None) for t, f in zip(is_true, is_false)], dtype="boolean"
    )
    pd.testing.assert_extension_array_equal(pd.arrays.BooleanArray(is_true, ~(is_true | is_false)), want_bool)


# --------------------------------------------------------------------------------------------------
# load_survey and validate_survey: the whole path against the per-row paths
# --------------------------------------------------------------------------------------------------


def _survey(tmp_path: Path, rows: int, seed: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    specs = {
        name: CELLS[name] for name in ("integer", "number", "categorical, integer codes", "boolean", "date")
    }
    names = {"integer": "age", "number": "income", "categorical, integer codes": "q1", "boolean": "phone",
             "date": "day"}  # fmt: skip
    cols: dict[str, list[str]] = {"rid": [f"{i:06d}" for i in range(1, rows + 1)]}
    for kind, (_, pool) in specs.items():
        weights = np.r_[np.full(3, 30.0), np.ones(len(pool) - 3)]
        cols[names[kind]] = [pool[i] for i in rng.choice(len(pool), rows, p=weights / weights.sum())]
    texts, chosen = _answers(rng, list(TEXT_CODES), rows)
    cols["ch"] = texts
    for code in ("radio", "tv"):
        cols[f"ch/{code}"] = _option_cells(rng, chosen, code)
    cols["comment"] = [f"said {i % 97}, then {i % 13}" if i % 3 else "" for i in range(rows)]

    def quote(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if ("," in v or "\t" in v) else v

    lines = [",".join(cols)] + [",".join(quote(c[r]) for c in cols.values()) for r in range(rows)]
    csv = tmp_path / "survey.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    variables = {
        "rid": {"type": "id"},
        "ch": {"type": "select_multiple", "codes": TEXT_CODES},
        "comment": {"type": "text"},
    }
    for kind, (spec, _) in specs.items():
        variables[names[kind]] = spec
    cb = tmp_path / "codebook.yaml"
    top = {"dataset": "t", "id": "rid", "missing": {-99: "Refused", "N/A": "NA"}, "variables": variables}
    cb.write_text(yaml.safe_dump(top, sort_keys=False), encoding="utf-8")
    return csv, cb


def _per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch intake back to converting every row (the reference paths)."""

    def convert(self: _Converter, var: Variable, s: pd.Series | _Column) -> pd.Series:
        return self._convert(var, s.series() if isinstance(s, _Column) else s)

    def select_multiple(var, text, options, conv, file_names):  # type: ignore[no-untyped-def]
        text = text.series() if isinstance(text, _Column) else text
        options = {c: s.series() if isinstance(s, _Column) else s for c, s in options.items()}
        return _select_multiple_per_row(var, text, options, conv, file_names)

    monkeypatch.setattr(_Converter, "convert", convert)
    monkeypatch.setattr(load_module, "convert_select_multiple", select_multiple)


@pytest.mark.parametrize("blockwise", [False, True], ids=["line reader", "block reader"])
def test_load_survey_matches_the_per_row_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blockwise: bool
) -> None:
    from campaign_me.intake import blocks

    csv, cb = _survey(tmp_path, 2500, seed=11)
    monkeypatch.setattr(blocks, "MIN_BYTES", 0 if blockwise else 2**62)
    data, problems = load_survey(csv, cb, errors="report")
    checked = validate_survey(csv, cb)
    assert set(problems["check"]) >= {
        "wrong_type",
        "invalid_code",
        "out_of_range",
        "select_multiple_mismatch",
    }
    with monkeypatch.context() as m:
        _per_row(m)
        want_data, want_problems = load_survey(csv, cb, errors="report")
    pd.testing.assert_frame_equal(data, want_data)
    pd.testing.assert_frame_equal(problems, want_problems)
    pd.testing.assert_frame_equal(checked, want_problems, check_like=False)
    assert data.filter(like="ch/").dtypes.astype(str).unique().tolist() == ["Int64"]


# --------------------------------------------------------------------------------------------------
# The readers' building blocks
# --------------------------------------------------------------------------------------------------


def _scan_per_byte(data: bytes, start: int) -> tuple[int, bool, list[int], list[int]]:
    """Reference: line feeds, whether the file ends with one, and the ordinals and positions of the line
    feeds inside quoted values, byte by byte."""
    inside, positions, quotes, newlines = [], [], 0, 0
    for pos in range(start, len(data)):
        if data[pos] == 34:
            quotes += 1
        elif data[pos] == 10:
            if quotes % 2:
                inside.append(newlines)
            positions.append(pos)
            newlines += 1
    return newlines, data.endswith(b"\n"), inside, positions if inside else []


@pytest.mark.parametrize("seed", range(6))
def test_scan_finds_the_line_feeds_inside_quoted_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    from campaign_me.intake import blocks

    rng = np.random.default_rng(seed)
    fields = ["a", "12", "", '"x, y"', '"two\nlines"', '"say ""hi"""', '"a\r\nb"', '"\n"', '""', "é"]
    rows = [
        ",".join(fields[i] for i in rng.integers(0, len(fields), 4)) for _ in range(int(rng.integers(1, 80)))
    ]
    data = (
        ("\ufeff" if seed % 2 else "") + "h1,h2,h3,h4\r\n" + "\r\n".join(rows) + ("\r\n" if seed % 3 else "")
    )
    path = tmp_path / "s.csv"
    path.write_bytes(data.encode("utf-8"))
    start = 3 if seed % 2 else 0
    want = _scan_per_byte(path.read_bytes(), start)
    for block in (1, 2, 3, 7, 64, 2**20):
        monkeypatch.setattr(blocks, "_SCAN_BLOCK", block)
        scan = blocks._scan(path, ",", start)
        got = (scan.newlines, scan.ends_with_newline, scan.inside.tolist(), scan.positions.tolist())
        assert got == want, block


@pytest.mark.parametrize(
    "text",
    [
        'h,i\n1,5"x\n',
        'h,i\n"ab"cd,1\n',
        'h,i\n"open,1\n',
        "h,i\n1,2\rx\n",
        'h,i\n1,"a"\n2,"b"x\n',
        "h,i\n\0,1\n",
    ],
)
def test_scan_leaves_odd_files_to_the_python_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    from campaign_me.intake import blocks

    path = tmp_path / "s.csv"
    path.write_bytes(text.encode("utf-8"))
    for block in (1, 2, 5, 2**20):
        monkeypatch.setattr(blocks, "_SCAN_BLOCK", block)
        with pytest.raises(blocks._NotEligible):
            blocks._scan(path, ",", 0)


def test_stripped_codes_match_python_strip() -> None:
    from campaign_me.intake.table import _stripped_codes

    rng = np.random.default_rng(3)
    pieces = ["a", "Z", "1", "é", "Ⅻ", "٣", " ", "\t", "\u00a0", "\u3000", "\x1f", "-", "x y", "", "²"]
    raw = list(dict.fromkeys("".join(rng.choice(pieces, int(rng.integers(0, 4)))) for _ in range(3000)))
    plain = [v for v in raw if v and v[0] in "aZ1é" and v[-1] in "aZ1éy"]  # nothing to strip
    for values in (raw, [v for v in raw if v and v == v.strip()], plain):
        lut, uniques = _stripped_codes(values)
        stripped = [v.strip() for v in values]
        distinct = list(dict.fromkeys(v for v in stripped if v))  # first-seen order, blanks out
        assert uniques.tolist() == distinct
        lut = np.arange(len(values)) if lut is None else lut
        assert [distinct[c] if c >= 0 else "" for c in lut] == stripped
    assert _stripped_codes(plain)[0] is None  # (each value keeps its code)


# --------------------------------------------------------------------------------------------------
# A large file read in parts, one thread each: the same as the pure-Python reader
# --------------------------------------------------------------------------------------------------


def _in_parts(monkeypatch: pytest.MonkeyPatch, n_parts: int) -> list[tuple[int, int]]:
    """Read every file block-wise in up to ``n_parts`` parts; returns the list of (start, end) read."""
    from campaign_me.intake import blocks

    read: list[tuple[int, int]] = []

    class Slice(blocks._Slice):
        def __init__(self, path: Path, start: int, end: int) -> None:
            read.append((start, end))
            super().__init__(path, start, end)

    monkeypatch.setattr(blocks, "_Slice", Slice)
    monkeypatch.setattr(blocks, "_threads", lambda: n_parts)
    monkeypatch.setattr(blocks, "PART_BYTES", 1)
    return read


def _both_readers(path: Path, codebook: Path | None, monkeypatch: pytest.MonkeyPatch, **kw: object) -> None:
    from campaign_me.intake import blocks

    monkeypatch.setattr(blocks, "MIN_BYTES", 2**62)
    want = load_survey(path, codebook, errors="report", **kw)
    monkeypatch.setattr(blocks, "MIN_BYTES", 0)
    got = load_survey(path, codebook, errors="report", **kw)
    pd.testing.assert_frame_equal(got[0], want[0])
    pd.testing.assert_frame_equal(got[1], want[1])


@pytest.mark.parametrize("n_parts", [2, 3])
def test_corpus_read_in_parts(monkeypatch: pytest.MonkeyPatch, n_parts: int) -> None:
    from tests.test_intake_blocks import CSV_FILES, SAMPLES, _codebook_for

    read = _in_parts(monkeypatch, n_parts)
    for path in CSV_FILES:
        form = (
            SAMPLES / "aroland" / "kobo" / "kap_form.xlsx" if path.name == "survey_endline_kobo.csv" else None
        )
        _both_readers(path, _codebook_for(path), monkeypatch, form=form)
    assert max(len({s for s, _ in read[i : i + n_parts]}) for i in range(len(read))) == n_parts


@pytest.mark.parametrize("n_parts", [2, 4])
def test_planted_problems_read_in_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n_parts: int
) -> None:
    from campaign_me.intake import blocks
    from tests.test_intake_blocks import _big_file

    csv, cb, planted = _big_file(tmp_path, 30_000)
    read = _in_parts(monkeypatch, n_parts)
    monkeypatch.setattr(blocks, "_ARROW_BLOCK", 2**15)
    _both_readers(csv, cb, monkeypatch)
    parts = read[-n_parts:]
    assert len(parts) == n_parts and all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    data, problems = load_survey(csv, cb, errors="report")
    rows = {c: sorted(int(r) for rs in g["rows"] for r in rs) for c, g in problems.groupby("check")}
    assert rows["ragged_row"] == planted["too_few"] and rows["duplicate_id"] == planted["duplicate"]
    assert rows["invalid_code"] == planted["bad_code"] and rows["repeated_header"] == planted["repeated"]


@pytest.mark.parametrize("n_parts", [2, 3])
def test_values_over_several_lines_read_in_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n_parts: int
) -> None:
    from campaign_me.intake import blocks

    rng = np.random.default_rng(n_parts)
    notes = ['"first line\nsecond, line"', '"a\r\nb\n\nc"', "ok", "", '"x, ""y"""', "padded "]
    text = ["resp_id,sex,q01,note"]
    for i in range(6000):
        row = f"{i:06d},{1 + i % 2},{rng.integers(1, 8)},{notes[rng.integers(len(notes))]}"
        text.append(f"{i:06d},1" if i % 1999 == 17 else ("" if i % 2999 == 5 else row))
    path = tmp_path / "notes.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8", newline="")
    cb = tmp_path / "cb.yaml"
    cb.write_text(
        "dataset: notes\nid: resp_id\nvariables:\n  resp_id: {type: id}\n"
        "  sex: {type: categorical, codes: {1: Male, 2: Female}}\n  q01: {type: categorical, points: 5}\n"
        "  note: {type: text}\n",
        encoding="utf-8",
    )
    read = _in_parts(monkeypatch, n_parts)
    monkeypatch.setattr(blocks, "_ARROW_BLOCK", 2**14)
    monkeypatch.setattr(blocks, "_SCAN_BLOCK", 2**12)
    assert blocks.read_csv_blocks(path, 2**62) is not None  # read block-wise, in parts
    assert len(read) == n_parts
    _both_readers(path, cb, monkeypatch)


def test_a_part_that_fails_hands_the_file_to_the_python_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from campaign_me.intake import blocks

    lines = ["a,b,c"] + [f"{i},{i % 7},x" for i in range(5000)]
    lines[4000] = "1,2,@"
    path = tmp_path / "bad.csv"
    path.write_bytes(
        "\n".join(lines).encode().replace(b"@", b"\xff") + b"\n"
    )  # not UTF-8, in the second part
    _in_parts(monkeypatch, 2)
    assert blocks.read_csv_blocks(path, 2**62) is None
