"""A country report on a survey that is not the sample world, end to end.

The survey is tests/data/rounds/ (written by tests/reference/rounds_data.py, not by campaign_me.synth):
its own column names (mapped to the catalogue by ``concept``), its arm column ``program_arm``, the
same 20 villages visited at baseline and endline with new respondents (``rounds: same_clusters``),
names and phone numbers marked as identifiers. The report must read all of that from the codebook:
its campaign effects equal R's svyglm on the stacked rounds (tests/reference/rounds_reference.py),
the indicators the survey did not ask are listed once, the methods text states the round structure,
and no name or phone number reaches the output.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from campaign_me.cli import main
from campaign_me.report import run_report
from tests.reference.rounds_reference import R_ROUNDS

ROUNDS = Path(__file__).parent / "data" / "rounds"
COUNTRY = "riverland"
# catalogue indicator -> (outcome of tests/reference/rounds.R, scale campaign_me reports in)
CHECKED = {"risk_aware": ("risk_aware", 100), "hotline_known": ("hotline", 100), "knowledge_score": ("K", 1),
           "attitude_index": ("A", 1)}
NOT_ASKED = ("aided_recall_net", "warning_signs_3plus", "intend_irregular", "info_seeking", "safe_practices")

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("own_report")
    data = root / "data"
    (data / COUNTRY).mkdir(parents=True)
    shutil.copy(ROUNDS / "codebook.yaml", data / "codebook.yaml")
    for r in ("baseline", "endline"):
        shutil.copy(ROUNDS / f"{r}.csv", data / COUNTRY / f"survey_{r}.csv")
    files = [str(data / COUNTRY / f"survey_{r}.csv") for r in ("baseline", "endline")]
    assert main(["validate", *files, "--codebook", str(data / "codebook.yaml")]) == 0
    result = run_report(COUNTRY, data_dir=data, out=root / "out", warm=False)
    return result


def _visible(result) -> str:
    page = (result.report_dir / "07_country_report.html").read_text(encoding="utf-8")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = re.sub(r'src="data:[^"]*"', "", text)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def test_campaign_effects_equal_r_svyglm_on_the_stacked_rounds(report):
    r = report.results
    did = r[r["measure"].eq("did")].set_index("indicator")
    assert set(CHECKED) <= set(did.index)
    for ind, (y, scale) in CHECKED.items():
        est, se, _df = R_ROUNDS[f"same_clusters:did:{y}"]
        # R: svyglm(y ~ arm * round, subset(stacked design, same villages as one PSU, !is.na(y))): arm:round
        assert did.loc[ind, "estimate"] == pytest.approx(scale * est, abs=1e-6), ind
        assert did.loc[ind, "se"] == pytest.approx(scale * se, abs=1e-6), ind
    change = r[r["measure"].eq("change")]
    assert set(change["domain"]) == {"campaign areas", "comparison areas"}  # the codebook's arm, no 'campaign' column


def test_unasked_indicators_listed_once_never_as_rows(report):
    r = report.results
    assert not set(NOT_ASKED) & set(r["indicator"])  # no suppressed rows with n = 0
    assert not (r["n"].eq(0) & r["suppressed"]).any()
    text = _visible(report)
    assert text.count("Not asked in this survey") == 1
    for name in ("Intends to migrate irregularly", "Sought official information", "Safe migration practices"):
        assert text.count(name) == 1, name


def test_methods_state_the_design_and_round_structure(report):
    text = " ".join(_visible(report).split())
    assert "The same 20 villages were visited at baseline and endline, with new respondents" in text
    assert "Two independent cross-sectional surveys" not in text
    assert "strata: 4 in each round" in text and "villages: 20 at baseline, 20 at endline" in text
    assert "weights: column weight" in text
    assert "column program_arm" in text
    # definitions of scale indicators written from the codebook's items
    assert "Not asked in this survey (not reported):" in text
    assert "Mean share (0-100) of the 5 knowledge items (kn1-kn5) answered correctly" in text


def test_no_identifier_reaches_the_output(report):
    ids = set()
    for r in ("baseline", "endline"):
        raw = pd.read_csv(ROUNDS / f"{r}.csv", dtype=str)
        ids |= set(raw["resp_name"].dropna()) | set(raw["phone"].dropna()) | set(raw["resp_id"].dropna())
    ids = {x for x in ids if len(x) >= 5}
    assert ids
    out = report.report_dir.parent  # the report, the results store and anything else the run wrote
    for path in out.rglob("*"):
        if path.is_file():
            body = path.read_bytes().decode("utf-8", errors="ignore")
            body = re.sub(r"[A-Za-z0-9+/=]{200,}", "", body)  # embedded images: a short id could occur by chance
            leaked = sorted(x for x in ids if x in body)
            assert not leaked, (path.name, leaked[:5])


@pytest.mark.parametrize("rounds,endline,design", [
    ("panel", "panel_endline", "The same respondents were interviewed at baseline and endline (a panel), in 20 villages."),
    ("independent", "endline", "Two independent cross-sectional surveys (baseline and endline): a new sample at each "
                               "round (20 villages at baseline, 20 at endline)."),
])
def test_other_round_structures_give_their_effects_and_methods(tmp_path, rounds, endline, design):
    """The same survey declared as a panel (the baseline respondents re-interviewed) or as independent rounds."""
    data = tmp_path / "data"
    (data / COUNTRY).mkdir(parents=True)
    book = (ROUNDS / "codebook.yaml").read_text(encoding="utf-8")
    assert "rounds: same_clusters" in book
    (data / "codebook.yaml").write_text(book.replace("rounds: same_clusters", f"rounds: {rounds}"), encoding="utf-8")
    shutil.copy(ROUNDS / "baseline.csv", data / COUNTRY / "survey_baseline.csv")
    shutil.copy(ROUNDS / f"{endline}.csv", data / COUNTRY / "survey_endline.csv")
    result = run_report(COUNTRY, data_dir=data, out=tmp_path / "out", warm=False)
    did = result.results[result.results["measure"].eq("did")].set_index("indicator")
    for ind, (y, scale) in CHECKED.items():
        # R: svyglm(y ~ arm * round) on the stacked rounds of that structure (tests/reference/rounds.R)
        est, se = R_ROUNDS[f"{rounds}:did:{y}"][:2]
        assert did.loc[ind, "estimate"] == pytest.approx(scale * est, abs=1e-6), ind
        assert did.loc[ind, "se"] == pytest.approx(scale * se, abs=1e-6), ind
    assert design in " ".join(_visible(result).split())
