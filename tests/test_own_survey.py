"""Notebooks 00-06 on a survey of one's own (issue 18): tests/data/own_survey, built by its make.py, not by synth.

An NGO's KoboToolbox KAP survey with its own column names (``hh_weight``, ``district_code``,
``village_id``, ``program_arm``, ``aware_risk`` answering the catalogue's ``risk_aware``, ...), the
same 20 villages at baseline and endline, only some of the catalogue's questions, and none of the
sample world's other files (truth, frame, census, pretest, monitoring logs, logframe). The survey
validates; the workbook reads the study (design, arm, rounds, concepts) from its codebook; every
lesson notebook runs on it with papermill, says in one line what each skipped section needs, and
shows no name or phone number of a respondent.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from campaign_me import Codebook, SurveyDesign, load_survey
from campaign_me.cli import main
from campaign_me.errors import CodebookError, DataError, DesignError
from campaign_me.scales import ScaleError
from campaign_me.workbook import Missing, check_parameters

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "tests" / "data" / "own_survey"
COUNTRY = "ngo_country"
ROUNDS = [HERE / COUNTRY / f"survey_{r}.csv" for r in ("baseline", "endline")]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[0-6]_*.ipynb"))

#: What each notebook must say about what this survey lacks (one line each, exactly as printed).
EXPECTED = {
    "00_start_here": ["There is no country 'corvia' in this data folder; it holds 'ngo_country'"],
    "01_getting_started": [
        "Not in this survey: risk_perception.",
        "This survey has no question on perceived risk (risk_perception): the 999 trap needs a number question",
        "Not in this survey (not asked): Perceived risk of irregular routes (risk_perception), Names at least 3 "
        "warning signs (warning_signs_3plus), Sought official information (info_seeking).",
        "Not in this survey: urban or rural (urban).",
        "This survey has no question on the channels people can use (access): this section needs one.",
        "This survey has no question on migration plans (migration_status): this exercise needs one.",
    ],
    "02_objectives_and_logframe": [
        "This survey has no logframe (logframe.yaml): this section needs one.",
        "No country in this data folder has a logframe (logframe.yaml): this section needs one.",
        "Ngo Country: no logframe (logframe.yaml), so no targets to rate at endline",
    ],
    "03_audience_and_sampling": [
        "This survey cannot segment by sex and urban or rural: segmented by sex and age group instead.",
        "This survey has no sampling frame (frame.csv): this section needs one.",
        "This survey has no census table (census.csv): the raking example needs one.",
    ],
    "04_messages": ["This survey has no message pretest (pretest.csv): this section needs one."],
    "05_dissemination": [
        "This survey has no activity log (activities.csv): this section needs one.",
        "This survey has no platform metrics (digital_metrics.csv): this section needs one.",
        "This survey has no sampling frame (frame.csv): this section needs one.",
        "(aided_recall, comprehension): the funnel needs every step.",
    ],
    "06_evaluation": ["This survey has no randomised study (trial/trial_survey.csv in the data folder): this "
                      "section needs one."],
}
#: How many times each notebook shows a line about what is missing (one per section that needs it).
LINES = {"00_start_here": 1, "01_getting_started": 6, "02_objectives_and_logframe": 7, "03_audience_and_sampling": 3,
         "04_messages": 4, "05_dissemination": 6, "06_evaluation": 1}
MISSING_LINE = re.compile(r"^(This survey (has no|cannot)|Not in this survey|No country in this data folder|"
                          r"There is no country|.*: no logframe)", re.M)


def _make():
    spec = importlib.util.spec_from_file_location("own_survey_make", HERE / "make.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _identifiers() -> set[str]:
    """Every name and phone number of the generated respondents (raw files, read without the codebook)."""
    found: set[str] = set()
    for path in ROUNDS:
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                found.update((row["respondent/resp_name"], row["respondent/resp_phone"]))
    return found


# ---------------------------------------------------------------------------------------------- the data
def test_the_generator_rewrites_the_committed_files_byte_for_byte(tmp_path):
    _make().write(tmp_path)
    for path in [HERE / "codebook.yaml", *ROUNDS]:
        assert (tmp_path / path.relative_to(HERE)).read_bytes() == path.read_bytes(), path.name


def test_validate_passes_on_both_rounds(capsys):
    assert main(["validate", *map(str, ROUNDS), "--codebook", str(HERE / "codebook.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.count(": OK (400 rows") == 2, out
    assert "warning" not in out and "error" not in out


def test_the_survey_is_an_own_survey_not_the_sample_world():
    cb = Codebook.from_yaml(HERE / "codebook.yaml")
    assert (cb.weight, cb.strata, cb.psu, cb.id) == ("hh_weight", "district_code", "village_id", "interview_id")
    assert cb.arm.column == "program_arm" and cb.arm.campaign == (1,) and cb.rounds == "same_clusters"
    assert cb.concepts["risk_aware"] == "aware_risk" and cb.concepts["sex"] == "gender"
    assert cb.items("knowledge") == ["kq1", "kq2", "kq3", "kq4", "kq5"] and len(cb.items("attitude")) == 4
    assert cb["exposure"].type == "select_multiple" and cb.pii_columns() == ["resp_name", "resp_phone"]
    for sample_name in ("weight", "stratum", "psu", "campaign", "district", "sex", "age_group", "k1"):
        assert sample_name not in cb, sample_name
    data = [load_survey(p, cb) for p in ROUNDS]
    assert [len(d) for d in data] == [400, 400]
    assert set(data[0]["village_id"]) == set(data[1]["village_id"]) and data[0]["village_id"].nunique() == 20
    assert data[0]["district_code"].nunique() == 4
    assert not {"resp_name", "resp_phone"} & set(data[0].columns)  # identifiers dropped on load
    assert not any((HERE / COUNTRY / f).exists() for f in ("truth.json", "frame.csv", "pretest.csv", "logframe.yaml"))


# ---------------------------------------------------------------------------------------------- the workbook
@pytest.fixture(scope="module")
def wb():
    return check_parameters(country=COUNTRY, data_dir=str(HERE))


def test_the_workbook_reads_the_study_from_the_codebook(wb):
    assert not wb.sample_world and wb.arm.column == "program_arm" and wb.arm_column == "program_arm"
    assert wb.cluster == "village_id" and wb.column("weight") == "hh_weight"
    assert wb.columns(["sex", "age_group", "urban", "education"]) == {"sex": "gender", "age_group": "age_band",
                                                                       "education": "edu_level"}
    assert wb.has("kq1") and wb.has("risk_aware") and not wb.has("risk_perception") and not wb.has("truth.json")
    gap = wb.optional_table("pretest", "message pretest")
    assert isinstance(gap, Missing) and not gap
    assert str(gap) == "This survey has no message pretest (pretest.csv): this section needs one."
    asked = wb.asked(["risk_aware", "info_seeking", "knowledge_score"])
    assert asked == ["risk_aware", "knowledge_score"] and "(info_seeking)" in asked.line
    design = wb.design(wb.survey("baseline"))
    assert (design.weights_column, design.psu) == ("hh_weight", "village_id")


def test_the_lessons_outcomes_are_the_catalogue_indicators_per_respondent(wb):
    data = wb.survey("endline")
    same = data["aware_risk"].astype("boolean")
    assert data["risk_aware"].astype("boolean").equals(same)  # concept: risk_aware on aware_risk
    assert data["intend_irregular"].astype("boolean").equals(data["plan_irregular"].astype("boolean"))
    options = data[[c for c in data.columns if c.startswith("exposure/") and c != "exposure/none"]]
    assert (data["exposed_any"].astype(bool) == options.fillna(0).astype(int).sum(axis=1).gt(0)).all()
    assert "info_seeking" not in data.columns  # not asked: no column made up
    assert wb.in_campaign(data).sum() == (data["program_arm"] == 1).sum() == 240


def test_an_arm_not_coded_0_1_gets_a_0_1_column(tmp_path):
    """Campaign villages coded 1 and comparison villages 2: the lessons read a 0/1 column made from the arm."""
    (tmp_path / COUNTRY).mkdir()
    text = (HERE / "codebook.yaml").read_text(encoding="utf-8")
    assert "codes: {0: Comparison, 1: Campaign}" in text
    (tmp_path / "codebook.yaml").write_text(text.replace("codes: {0: Comparison, 1: Campaign}",
                                                         "codes: {1: Campaign, 2: Comparison}"), encoding="utf-8")
    for path in ROUNDS:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        raw["program_arm"] = raw["program_arm"].replace({"0": "2"})
        raw.to_csv(tmp_path / COUNTRY / path.name, index=False)
    mine = check_parameters(country=COUNTRY, data_dir=str(tmp_path))
    assert mine.arm.campaign == (1,) and mine.arm_column == "campaign_area"
    data = mine.with_arm(mine.survey("baseline"))
    assert (data["campaign_area"] == (data["program_arm"] == 1).astype(int)).all() and data["campaign_area"].sum() == 240


def test_the_sample_world_keeps_its_study():
    s = check_parameters(country="corvia", rounds=["baseline"])
    assert s.sample_world and s.arm_column == "campaign" and s.cluster == "village"
    data = s.survey("baseline")
    assert list(data.columns) == list(load_survey(s.survey_file("baseline"), s.codebook).columns)


# ---------------------------------------------------------------------------------------------- one coercion
def test_one_function_turns_a_codebook_or_its_path_into_a_codebook():
    path = HERE / "codebook.yaml"
    cb = Codebook.coerce(path)
    assert cb.dataset == "ngo_kap_2025" and Codebook.coerce(cb) is cb and Codebook.coerce(str(path)) == cb
    assert Codebook.coerce(None, optional=True) is None
    with pytest.raises(CodebookError, match="codebook must be a Codebook or the path of its YAML file, got int"):
        Codebook.coerce(3)
    # every former copy goes through it, each keeping its kind of error
    from campaign_me.evaluation import _as_codebook
    from campaign_me.intake.load import _resolve_codebook
    from campaign_me.scales import _codebook

    assert _resolve_codebook(path) == cb and _resolve_codebook(None) is None and _as_codebook(None) is None
    assert _codebook(cb) is cb and _as_codebook(str(path)) == cb
    with pytest.raises(ScaleError):
        _codebook({"dataset": "x"})
    with pytest.raises(DataError):
        _as_codebook(1.5)
    with pytest.raises(DesignError, match="from_codebook: codebook must be a Codebook"):
        SurveyDesign.from_codebook(pd.DataFrame({"w": [1.0]}), 42)
    with pytest.raises(CodebookError):
        _resolve_codebook(["not", "a", "path"])


# ---------------------------------------------------------------------------------------------- the notebooks
def _papermill(source: Path, target: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "papermill", str(source), str(target), "--kernel", "python3", "--no-progress-bar",
           "--execution-timeout", "300", "-p", "data_dir", str(HERE), "-p", "country", COUNTRY]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Each lesson notebook once on the survey (papermill in a child process each, three at a time)."""
    out = tmp_path_factory.mktemp("own")

    def run(path):
        done = _papermill(path, out / path.name)
        return path.stem, None if done.returncode == 0 else done.stderr[-3000:]

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(pool.map(run, NOTEBOOKS))
    return out, results


def _shown(nb) -> list[tuple[int, object, str]]:
    """(cell, output, its text): streams, plain text, Markdown and HTML of every output."""
    rows = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = o.get("data", {})
            text = o.get("text", "") + "".join(str(v) for k, v in data.items() if k != "image/png")
            rows.append((i, o, text))
    return rows


@pytest.mark.kernel
@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_own_survey_and_says_what_it_lacks(executed, name):
    out, results = executed
    assert results[name] is None, results[name]
    nb = nbformat.read(out / f"{name}.ipynb", as_version=4)
    shown = _shown(nb)
    for i, o, text in shown:
        assert o.output_type != "error", f"cell {i}: {o.get('ename')}: {o.get('evalue')}"
        assert not (o.output_type == "stream" and o.name == "stderr"), f"cell {i} wrote to stderr: {o.text[:500]}"
        assert "Warning" not in text and "Traceback" not in text, f"cell {i}: {text[:300]}"
        assert "KeyError" not in text, f"cell {i}: {text[:300]}"
        data = o.get("data", {})
        assert not (set(data) == {"text/plain"} and data["text/plain"] in ("None", "''", "<IPython.core.display.Markdown "
                                                                            "object>")), f"cell {i}: an empty display"
        if "image/png" in o.get("data", {}):
            assert re.search(r'<img [^>]*alt="[^"]{10,}"', o["data"].get("text/html", "")), f"cell {i}: no alt text"
    everything = "\n".join(t for _, _, t in shown)
    for line in EXPECTED[name]:
        assert line in everything, f"{name} does not say: {line}"
    said = [line for _, o, _ in shown
            for line in (o.get("text", "") or str(o.get("data", {}).get("text/markdown", "")
                                                   or o.get("data", {}).get("text/plain", ""))).splitlines()
            if MISSING_LINE.match(line)]
    assert len(said) == LINES[name], (name, said)  # one line per section that lacks something, no more
    # the planted truth of the sample world never appears: this survey has none
    assert "planted" not in everything and "truth.json" not in everything


@pytest.mark.kernel
def test_no_identifier_reaches_any_output(executed):
    out, results = executed
    identifiers = _identifiers()
    assert len(identifiers) > 700  # names and phones of 800 respondents (a few names repeat)
    for path in sorted(out.glob("*.ipynb")):
        text = "\n".join(t for _, _, t in _shown(nbformat.read(path, as_version=4)))
        leaked = sorted(x for x in identifiers if x in text)
        assert not leaked, f"{path.name} shows {leaked[:3]}"
        assert "-test" not in text and "+254 799" not in text, path.name
