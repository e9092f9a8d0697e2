"""Tests of campaign_me.yamlfile (strict bounded YAML) and the codebook rules built on it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from campaign_me.codebook import Codebook
from campaign_me.errors import CodebookError, DataError, IntakeError
from campaign_me.yamlfile import ProblemCollector, load_yaml, parse_yaml, short


class TestParse:
    def test_yaml12_scalars(self) -> None:
        assert parse_yaml("a: yes\nb: on\nc: 010\nd: 1_000\ne: 2025-03-01\nf: True\ng: 0x10") == {
            "a": "yes", "b": "on", "c": "010", "d": "1_000", "e": "2025-03-01", "f": True, "g": 16,
        }  # fmt: skip

    def test_duplicate_key(self) -> None:
        with pytest.raises(CodebookError, match=r"at line 3, column 1: found the key 'a' twice \(first on line 1\)"):
            parse_yaml("a: 1\nb: 2\na: 3\n", name="x.yaml")

    def test_deep_nesting_refused_without_recursion_error(self) -> None:
        with pytest.raises(CodebookError, match=r"codebook 'deep.yaml' nests lists or mappings more than 64 levels"):
            parse_yaml("[" * 100_000, name="deep.yaml")

    def test_alias_bomb_refused(self) -> None:
        # "billion laughs": 9 levels of 10 aliases expand to 10**9 values from a few hundred bytes.
        lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
        for i in range(1, 10):
            refs = ",".join([f"*a{i - 1}"] * 10)
            lines.append(f"a{i}: &a{i} [{refs}]")
        start = time.perf_counter()
        with pytest.raises(CodebookError, match=r"expands to more than 1,000,000 values \(anchors and aliases"):
            parse_yaml("\n".join(lines), name="bomb.yaml")
        assert time.perf_counter() - start < 10  # generous: refused without expanding

    def test_file_size_bound(self, tmp_path: Path) -> None:
        path = tmp_path / "big.yaml"
        path.write_text("a: " + "x" * 2000)
        with pytest.raises(CodebookError, match=r"codebook 'big.yaml' is 2,003 bytes; at most 1,000 are read"):
            load_yaml(path, max_bytes=1000)

    def test_folder_and_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match=r"is a folder, not a file"):
            load_yaml(tmp_path)
        with pytest.raises(FileNotFoundError, match=r"does not exist"):
            load_yaml(tmp_path / "nope.yaml")

    def test_other_error_class_and_what(self) -> None:
        with pytest.raises(DataError, match=r"^logframe 'lf.yaml' is not valid YAML at line 1"):
            parse_yaml("a: [", name="lf.yaml", what="logframe", error=DataError)


class TestCollector:
    def test_lists_every_problem_and_caps_length(self) -> None:
        out = ProblemCollector("'cat.yaml'", what="indicator catalogue", limit=2, max_length=50)
        out.add("indicator 'a'", "x" * 200)
        out.add("indicator 'b'", "missing key 'formula'")
        out.add("indicator 'c'", "missing key 'formula'")
        with pytest.raises(CodebookError) as info:
            out.raise_if_any()
        msg = str(info.value)
        assert msg.startswith("indicator catalogue 'cat.yaml' has 3 problems:\n")
        assert "  - indicator 'a': xxx" in msg and "... (215 characters)" in msg
        assert msg.endswith("  ... and 1 more")
        assert issubclass(CodebookError, IntakeError)

    def test_short(self) -> None:
        assert short("ab") == "'ab'"
        assert short("a" * 100, limit=10) == "'aaaaaaaaa... (102 characters)"


def _codebook(text: str, tmp_path: Path) -> Codebook:
    path = tmp_path / "codebook.yaml"
    path.write_text(text)
    return Codebook.from_yaml(path)


class TestCodebookRules:
    def test_unquoted_true_false_keys(self, tmp_path: Path) -> None:
        cb = _codebook(
            "dataset: d\nvariables:\n  q: {type: boolean, true: [1, Oui], false: [2, Non]}\n", tmp_path
        )
        assert cb["q"].true == ("1", "oui") and cb["q"].false == ("2", "non")
        cb = _codebook('dataset: d\nvariables:\n  q: {type: boolean, "true": 1, "false": 2}\n', tmp_path)
        assert cb["q"].true == ("1",)

    def test_true_key_twice(self, tmp_path: Path) -> None:
        with pytest.raises(CodebookError, match=r"variable 'q': key 'true' given twice \(quoted and unquoted\)"):
            _codebook('dataset: d\nvariables:\n  q: {type: boolean, true: 1, "true": 2}\n', tmp_path)

    def test_codebook_missing_not_applied_to_design_columns(self, tmp_path: Path) -> None:
        cb = _codebook(
            "dataset: d\nid: rid\nweight: w\nstrata: s\npsu: c\nfpc: N\nmissing: {99: Don't know}\n"
            "variables:\n  rid: {type: integer}\n  w: {type: number}\n  s: {type: integer}\n"
            "  c: {type: integer}\n  N: {type: integer}\n  arm: {type: integer, role: design}\n"
            "  q: {type: integer}\n  c2: {type: integer, missing: {99: dk}}\n",
            tmp_path,
        )
        assert {v.name: dict(v.missing) for v in cb} == {
            "rid": {}, "w": {}, "s": {}, "c": {}, "N": {}, "arm": {}, "q": {99: "Don't know"}, "c2": {99: "dk"},
        }  # fmt: skip
        assert cb.fpc == "N" and cb["N"].required

    def test_points_bounded(self, tmp_path: Path) -> None:
        with pytest.raises(CodebookError, match=r"key 'points' must be a whole number from 2 to 101, got 1000000000"):
            _codebook("dataset: d\nvariables:\n  q: {type: categorical, points: 1000000000}\n", tmp_path)

    def test_huge_wrong_value_shortened(self, tmp_path: Path) -> None:
        text = "dataset: d\nvariables:\n  q: {type: integer, min: [" + ", ".join(["1"] * 5000) + "]}\n"
        with pytest.raises(CodebookError) as info:
            _codebook(text, tmp_path)
        assert len(str(info.value)) < 600
        assert "key 'min' must be a number, got <list of 5000 items>" in str(info.value)


class TestToYaml:
    @pytest.mark.parametrize(
        "path", ["tests/data/good/codebook.yaml", "tests/data/good/kobo_codebook.yaml", "data/samples/codebook.yaml"]
    )
    def test_round_trip(self, path: str, tmp_path: Path) -> None:
        cb = Codebook.from_yaml(path)
        out = tmp_path / "codebook.yaml"
        text = cb.to_yaml(out, header="written by a test")
        assert text.startswith("# written by a test\ndataset: ")
        again = Codebook.from_yaml(out)
        assert again.variables == cb.variables
        assert (again.id, again.weight, again.strata, again.psu, again.fpc) == (cb.id, cb.weight, cb.strata, cb.psu, cb.fpc)

    def test_draft_from_form_round_trips(self, tmp_path: Path) -> None:
        form = Path("tests/data/good/kobo_form.xlsx").resolve()
        cb = Codebook.from_xlsform(form)
        out = tmp_path / "codebook.yaml"
        cb.to_yaml(out)
        again = Codebook.from_yaml(out)
        assert again.variables == cb.variables and again.form == form
        assert [p.name for p in tmp_path.iterdir()] == ["codebook.yaml"]  # no temporary file left
