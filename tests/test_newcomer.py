"""Issue 12 end to end: a newcomer's own 20-respondent survey, from file to estimate without a guess.

tests/data/newcomer holds the survey (id, weight, stratum, cluster, sex, a yes/no question, two Likert
items one of them reverse-worded, "don't know" coded 99) and its codebook written from
docs/codebook.md; it is the worked example of that page. Reference numbers come from R's survey
package on the same file (tests/reference/newcomer.R, survey 4.1-1).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_me import Codebook, SurveyDesign
from campaign_me.errors import IntakeError
from campaign_me.intake import load_survey

HERE = Path(__file__).parent / "data" / "newcomer"
SURVEY = HERE / "survey.csv"
CODEBOOK = HERE / "codebook.yaml"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return load_survey(SURVEY, CODEBOOK)  # no error, and no warning (warnings fail the suite)


def test_codebook_as_the_docs_write_it() -> None:
    cb = Codebook.from_yaml(CODEBOOK)
    assert (cb.id, cb.weight, cb.strata, cb.psu) == ("resp_id", "weight", "stratum", "cluster")
    # `true: 1` / `false: 2` unquoted, as docs/codebook.md shows them
    assert cb["knows_hotline"].true == ("1",) and cb["knows_hotline"].false == ("2",)
    # the codebook-level "don't know" applies to answers, not to the id and design columns
    assert cb["knows_hotline"].missing == {99: "Don't know"} and cb["broker_ok"].missing == {99: "Don't know"}
    for name in ("resp_id", "weight", "stratum", "cluster"):
        assert cb[name].missing == {}


def test_real_weights_and_clusters_of_99_are_kept(data: pd.DataFrame) -> None:
    assert data["weight"].tolist()[-4:] == [99.0] * 4
    assert data["cluster"].tolist()[-4:] == [99] * 4
    assert data["knows_hotline"].isna().sum() == 1  # respondent 005 answered "don't know"
    assert pd.isna(data.loc[6, "knows_hotline"])  # ... on line 6 of the file
    assert data["broker_ok"].isna().sum() == 2


def test_index_is_the_file_line(data: pd.DataFrame) -> None:
    assert data.index.name == "line" and data.index.tolist() == list(range(2, 22))
    assert data.loc[21, "resp_id"] == "020"


def test_by_sex_proportion_equals_r_survey(data: pd.DataFrame) -> None:
    design = SurveyDesign.from_codebook(data, CODEBOOK)
    est = design.mean("knows_hotline", by="sex", na_rm=True, df=np.inf).set_index("sex")
    # R: svyby(~knows, ~sex, svydesign(ids=~cluster, strata=~stratum, weights=~weight), svymean, na.rm=TRUE)
    np.testing.assert_allclose(est["estimate"].to_numpy(), [0.4759078212, 0.5269741986], rtol=1e-9)
    np.testing.assert_allclose(est["se"].to_numpy(), [0.06180723591, 0.11306018417], rtol=1e-8)
    # confint(by_sex, df = degf(des)) with degf = 4 (6 clusters - 2 strata)
    t = design.mean("knows_hotline", by="sex", na_rm=True, df="design").set_index("sex")
    np.testing.assert_allclose(t["ci_low"].to_numpy(), [0.3043034236, 0.2130688037], rtol=1e-8)
    np.testing.assert_allclose(t["ci_high"].to_numpy(), [0.6475122188, 0.8408795935], rtol=1e-8)


def test_a_missing_code_on_the_weight_is_named_with_its_rule(tmp_path: Path) -> None:
    cb = Codebook.from_yaml(CODEBOOK)
    strict = dataclasses.replace(
        cb, variables={**cb.variables, "weight": dataclasses.replace(cb["weight"], missing={99: "Don't know"})}
    )
    with pytest.raises(IntakeError) as info:
        load_survey(SURVEY, strict)
    assert (
        "column 'weight': weights read as missing: they are missing codes of the variable (99 = Don't know) at "
        "rows 18, 19, 20, 21: '99.0'; expected a weight > 0 on every row: remove the missing codes from the "
        "weight variable (missing: {} on it) if these are real weights"
    ) in str(info.value)


def test_errors_name_file_lines(tmp_path: Path) -> None:
    lines = SURVEY.read_text().splitlines()
    lines[4] = lines[4].replace("52.0", "", 1)  # respondent 004, line 5 of the file
    assert lines[9] == "009,61.25,urban,13,1,2,99,5"
    lines[9] = "009,61.25,urban,13,1,maybe,99,5"  # line 10: not 1, 2 or 99
    (tmp_path / "survey.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(IntakeError) as info:
        load_survey(tmp_path / "survey.csv", CODEBOOK)
    msg = str(info.value)
    assert "rows are line numbers in the file (the header is line 1)" in msg
    assert "column 'weight': missing weights at row 5; expected a weight > 0 on every row" in msg
    assert "column 'knows_hotline': not a yes/no value at row 10: 'maybe'; expected one of 1 (true) or 2 (false)" in msg
