"""The workbook notebooks (notebooks/00-06): structure, committed sources, and headless runs.

Every notebook is executed with papermill for every sample country (threads, each run its own
kernel) and its outputs are checked: no error, nothing on stderr (warnings included), every
image carries alt text; with the default parameters, the pinned cells print the headline
numbers recorded in ``tests/data/notebook_pins.json``. ``pytest --nbval-lax`` over ``notebooks/``
(configured in setup.cfg) also runs every notebook top to bottom.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from campaign_me.workbook import SAMPLE_COUNTRIES, handout, is_pinned

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[0-6]_*.ipynb"))
NAMES = [p.stem for p in NOTEBOOKS]
# What each pinned cell (tagged ``pinned``) prints with the default parameters: the lessons' headline
# numbers, recorded with campaign_me.workbook.refresh_pins.
PINS = json.loads((ROOT / "tests" / "data" / "notebook_pins.json").read_text(encoding="utf-8"))
DEFAULT_COUNTRY = "aroland"  # the country parameter's default in every lesson
PARAMETERS = {"country", "data_dir", "codebook", "rounds", "level", "min_n", "seed", "output_dir"}


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_workbook_is_there():
    assert NAMES[:2] == ["00_start_here", "01_getting_started"]
    assert len(NAMES) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_sources_committed_without_outputs(path):
    """No code cell keeps an output; each pinned cell has its reference text in PINS."""
    nb = _read(path)
    nbformat.validate(nb)
    assert "widgets" not in nb.metadata, "widget state saved in the notebook metadata"
    for i, cell in enumerate(_code_cells(nb)):
        assert cell.outputs == [] and cell.execution_count is None, f"{path.name} code cell {i} has outputs"
    pinned = sum(is_pinned(c) for c in _code_cells(nb))
    assert len(PINS[path.stem]) == pinned, f"{path.name}: {pinned} pinned cells, {len(PINS[path.stem])} references"
    assert all(text.strip() for text in PINS[path.stem])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_lesson_structure(path):
    nb = _read(path)
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source]
    assert headings[0].startswith("# ")
    for section in ("## Objectives", "## Timing", "## Prerequisites", "## Key points"):
        assert section in headings, f"{path.name}: no {section!r} section"
    assert headings[-1] == "## Key points"
    assert any(h.startswith("### Your turn") for h in headings), f"{path.name}: no exercise"
    assert sum(is_pinned(c) for c in _code_cells(nb)) >= 1, f"{path.name}: no pinned headline number"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_parameters_cell_holds_typed_commented_literals(path):
    import papermill as pm

    nb = _read(path)
    first, second = _code_cells(nb)[:2]
    assert first.metadata.get("tags") == ["parameters"]
    names = set()
    for node in ast.parse(first.source).body:
        assert isinstance(node, ast.AnnAssign), f"{path.name}: parameter without a type: {ast.unparse(node)}"
        ast.literal_eval(node.value)  # literals only
        names.add(node.target.id)
    assert names == PARAMETERS
    for line in first.source.splitlines()[1:]:
        assert re.search(r"  # \S", line), f"{path.name}: parameter without a comment: {line}"
    inspected = pm.inspect_notebook(str(path))
    assert set(inspected) == PARAMETERS and all(p["help"] for p in inspected.values())
    assert "check_parameters(" in second.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_exercises_need_no_code_and_run_all_reveals_no_answer(path):
    """Issue 17: every exercise is answered in words in a fold; no cell computes an answer on Run All,
    no empty "write your code here" cell asks participants to program, no maintainer text is shown."""
    nb = _read(path)
    n = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("### Your turn"):
            assert re.search(r"<details><summary>[^<]*</summary>", cell.source), f"{path.name}: exercise without an answer fold"
            n += 1
        if cell.cell_type == "code":
            assert "solution" not in cell.metadata.get("tags", []), f"{path.name}: a solution cell runs on Run All"
            assert "write your code here" not in cell.source.lower(), f"{path.name}: an exercise asks for free-form code"
            assert "PINNED" not in cell.source and "the tests check" not in cell.source, f"{path.name}: maintainer text"
    assert n >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_handout_is_generated_and_up_to_date(path):
    text = handout(path)
    assert "<details>" not in text and "## Key points" in text
    committed = ROOT / "docs" / "handouts" / f"{path.stem}.md"
    assert committed.is_file(), "run campaign_me.workbook.write_handouts('notebooks', 'docs/handouts')"
    assert committed.read_text(encoding="utf-8") == text, "docs/handouts is stale: regenerate with write_handouts"


# ---------------------------------------------------------------------------
# headless runs
# ---------------------------------------------------------------------------

RUNS = [(name, country) for name in NAMES for country in SAMPLE_COUNTRIES]


def _papermill(source: Path, target: Path, params: dict) -> subprocess.CompletedProcess:
    """Run papermill in a child process: kernels, sockets and event loops never live in pytest's process."""
    cmd = [sys.executable, "-m", "papermill", str(source), str(target), "--kernel", "python3",
           "--no-progress-bar", "--execution-timeout", "300"]
    for key, value in params.items():
        cmd += ["-p", key, str(value)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Every notebook for every sample country, two at a time (one papermill process each)."""
    out = tmp_path_factory.mktemp("executed")

    def run(job):
        name, country = job
        params = {"country": country}
        if country == "belmora":
            params["output_dir"] = str(out / "tables")  # one country exercises the writes
        done = _papermill(ROOT / "notebooks" / f"{name}.ipynb", out / f"{name}_{country}.ipynb", params)
        return job, None if done.returncode == 0 else done.stderr[-3000:]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(pool.map(run, RUNS))
    return out, results


def _outputs(nb):
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for o in cell.get("outputs", []):
                yield i, o


@pytest.mark.parametrize("job", RUNS, ids=[f"{n}-{c}" for n, c in RUNS])
def test_notebook_runs_headless_without_warnings(executed, job):
    out, results = executed
    assert results[job] is None, results[job]
    nb = _read(out / f"{job[0]}_{job[1]}.ipynb")
    for i, o in _outputs(nb):
        assert o.output_type != "error", f"cell {i}: {o.get('ename')}: {o.get('evalue')}"
        assert not (o.output_type == "stream" and o.name == "stderr"), f"cell {i} wrote to stderr: {o.text[:500]}"
        text = o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        assert "Warning" not in text, f"cell {i} shows a warning: {text[:500]}"
        data = o.get("data", {})
        if "image/png" in data:
            assert re.search(r'<img [^>]*alt="[^"]{10,}"', data.get("text/html", "")), f"cell {i}: figure without alt text"
        assert "application/vnd.jupyter.widget-view+json" not in data, f"cell {i}: live widget in a headless run"


@pytest.mark.parametrize("name", NAMES)
def test_pinned_headline_numbers(executed, name):
    """The pinned cells print their recorded headline numbers (default parameters)."""
    out, results = executed
    assert f'country: str = "{DEFAULT_COUNTRY}"' in _code_cells(_read(ROOT / "notebooks" / f"{name}.ipynb"))[0].source
    assert results[(name, DEFAULT_COUNTRY)] is None
    nb = _read(out / f"{name}_{DEFAULT_COUNTRY}.ipynb")
    printed = [
        "".join(o.text for o in c.outputs if o.output_type == "stream" and o.name == "stdout")
        for c in _code_cells(nb)
        if is_pinned(c)
    ]
    assert printed == PINS[name]


def test_one_country_wrote_its_tables(executed):
    out, results = executed
    tables = sorted(p.name for p in (out / "tables").glob("*.csv")) if (out / "tables").is_dir() else []
    assert "belmora_villages_drawn.csv" in tables


def test_bad_parameter_stops_at_the_validation_cell(tmp_path):
    done = _papermill(NOTEBOOKS[0], tmp_path / "bad.ipynb", {"country": "narnia", "level": 95})
    assert done.returncode != 0
    nb = _read(tmp_path / "bad.ipynb")
    errors = [(i, o) for i, o in _outputs(nb) if o.output_type == "error"]
    assert len(errors) == 1
    i, error = errors[0]
    assert "check_parameters(" in nb.cells[i].source  # stopped at the validation cell
    assert error.ename == "ParameterError"
    assert "country='narnia'" in error.evalue and "level=95" in error.evalue
    # one plain message, no traceback through the library (campaign_me.workbook.show_errors_plainly)
    shown = "\n".join(error.traceback)
    assert "Traceback" not in shown and "site-packages" not in shown and "check_parameters(" not in shown
