"""Tests of ``campaign-me validate`` (campaign_me.cli), run in-process on the intake test files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .intake_files import BAD, CODEBOOK, FORM, GOOD, KOBO_CODEBOOK, validate_command


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

    def test_group_sep(self, capsys: pytest.CaptureFixture[str]) -> None:
        argv = [str(GOOD / "kobo_export_dots.csv"), "-c", str(KOBO_CODEBOOK), "--form", str(FORM)]
        assert validate_command(argv) == 1
        assert validate_command([*argv, "--group-sep", "."]) == 0
        assert "kobo_export_dots.csv: OK (4 rows, 8 columns)" in capsys.readouterr().out
