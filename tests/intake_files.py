"""The intake test files and helpers shared by tests/test_intake_load.py, tests/test_codebook.py,
tests/test_privacy.py and tests/test_cli_validate.py.

Fixtures live in tests/data/good and tests/data/bad and are written by tests/data/make_fixtures.py.
Row numbers in messages are file rows: line numbers of CSV files, sheet rows of Excel files
(header = row 1), so the first data row of tests/data/good/survey.csv (id "001") is row 2.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from campaign_me.cli import main
from campaign_me.codebook import Codebook
from campaign_me.errors import IntakeError
from campaign_me.intake import load_survey

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"
CODEBOOK = GOOD / "codebook.yaml"
KOBO_CODEBOOK = GOOD / "kobo_codebook.yaml"
FORM = GOOD / "kobo_form.xlsx"


def validate_command(argv: list[str]) -> int:
    """``campaign-me validate ARGV`` in-process; its exit status (argparse exits on --help/usage)."""
    try:
        return main(["validate", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)


def message(path: Path, codebook: Codebook | Path | None = CODEBOOK, **kwargs: object) -> str:
    """The message of the IntakeError that loading ``path`` raises."""
    with pytest.raises(IntakeError) as info:
        load_survey(path, codebook, **kwargs)
    return str(info.value)


def checks(problems: pd.DataFrame, severity: str | None = None) -> list[str]:
    """The ``check`` column of a problem table (of one severity)."""
    if severity is not None:
        problems = problems[problems["severity"] == severity]
    return problems["check"].tolist()


def small_codebook(**variables: dict[str, object]) -> dict[str, object]:
    """A codebook with an id column ``rid`` and ``variables``."""
    return {"dataset": "d", "id": "rid", "variables": {"rid": {"type": "id"}, **variables}}


def stale_dimension(src: Path, dst: Path, sheet_xml: str, ref: str) -> None:
    """Copy a workbook with the stored dimension record of one sheet set to ``ref``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == sheet_xml:
                data, n = re.subn(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{ref}"/>'.encode(), data)
                assert n == 1
            zout.writestr(item, data)
