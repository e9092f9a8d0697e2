"""Country reports under faults: the report folder and the results store always agree.

Most tests replace papermill's ``execute_notebook`` by a stand-in that copies the notebook and writes
a results file (no kernel starts), then inject a fault where the run records its results or moves its
report into place. The staging tests kill real runs (a subprocess executing a notebook that sleeps)
and check that the next run removes what they left, and never the folder of a run that is still going.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from campaign_me.conventions import Reporting
from campaign_me.report import (
    ReportError,
    ReportExecutionError,
    ResultsStore,
    lifecycle,
    render,
    run_batch,
    run_report,
    run_synthesis,
)
from campaign_me.report.content import REPORT_COLUMNS
from campaign_me.report.kernel import WarmKernel
from campaign_me.report.runner import clean_staging
from campaign_me.report.synthesis import synthesis_results


def _tiny_notebook(path: Path, body: str = "print('fine')") -> Path:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('country: str = "x"  # country\ndata_dir: str = ""  # data\n'
                                  'results_file: str = ""  # results', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def fake_papermill(monkeypatch):
    """papermill.execute_notebook without a kernel: copies the notebook and writes one result row."""
    import papermill

    calls = {"n": 0}

    def execute(input_path, output_path, parameters=None, **kwargs):
        calls["n"] += 1
        nb = nbformat.read(input_path, as_version=4)
        nbformat.write(nb, output_path)
        results_file = (parameters or {}).get("results_file")
        if results_file:
            row = [parameters["country"].capitalize(), "endline", "risk_aware", "all", "level",
                   40.0 + calls["n"], 2.0, 36.0, 44.0, 900, False, "percent"]
            pd.DataFrame([row], columns=list(REPORT_COLUMNS)).to_csv(results_file, index=False)
        return nb

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    return calls


def _run(country: str, out: Path, nb: Path, **kwargs):
    return run_report(country, out=out, notebooks=[nb], progress=False, warm=False, **kwargs)


def _folder_run_id(out: Path, country: str) -> str | None:
    run_json = out / country / "run.json"
    return json.loads(run_json.read_text())["run_id"] if run_json.is_file() else None


def _assert_agree(out: Path, country: str) -> None:
    """The report in ``<out>/<country>`` is the country's latest ok run in the store, and vice versa."""
    store = ResultsStore(out / "results.sqlite")
    runs = store.runs()
    ok = runs[(runs["country"] == country) & (runs["status"] == "ok")].sort_values(["finished", "run_id"])
    in_folder = _folder_run_id(out, country)
    latest = ok["run_id"].iloc[-1] if len(ok) else None
    assert in_folder == latest, (in_folder, runs[["run_id", "status", "error"]].to_string())
    assert "pending" not in set(runs["status"])
    res = store.results()
    res = res[res["country"] == country.capitalize()]
    assert set(res["run_id"]) == ({latest} if latest else set())
    if latest:
        on_disk = pd.read_csv(out / country / "results.csv")
        assert list(res["estimate"]) == list(on_disk["estimate"])
    assert not (out / ".staging").exists()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# -- faults while recording or moving into place -------------------------------------------------

def test_store_write_fault_keeps_previous_report(tmp_path, fake_papermill):
    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"
    first = _run("corvia", out, nb)
    before = (out / "corvia" / "index.html").read_text()

    def full_disk(self, run, results=None):
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.MonkeyPatch.context() as mp, pytest.raises(
            ReportError, match="could not record run .*disk is full.*previous report is unchanged") as info:
        mp.setattr(ResultsStore, "record_run", full_disk)
        _run("corvia", out, nb)
    assert "\n" not in str(info.value)
    assert (out / "corvia" / "index.html").read_text() == before
    assert _folder_run_id(out, "corvia") == first.run_id
    assert list(ResultsStore(out / "results.sqlite").runs()["run_id"]) == [first.run_id]
    _assert_agree(out, "corvia")


def test_store_write_fault_on_a_first_report_writes_nothing(tmp_path, fake_papermill):
    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"

    def full_disk(self, run, results=None):
        raise OSError(28, "No space left on device")

    with pytest.MonkeyPatch.context() as mp, pytest.raises(ReportError, match="no report was written"):
        mp.setattr(ResultsStore, "record_run", full_disk)
        _run("corvia", out, nb)
    assert not (out / "corvia").exists()
    _assert_agree(out, "corvia")


@pytest.mark.parametrize("which", ["move_aside", "move_in"])
def test_swap_fault_keeps_previous_report_and_records_a_failure(tmp_path, fake_papermill, which):
    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"
    first = _run("corvia", out, nb)
    target = out / "corvia"
    real_rename = Path.rename

    def rename(self, dest):
        moving_aside = Path(self) == target
        moving_in = Path(dest) == target and Path(self).name == "report"
        if (which == "move_aside" and moving_aside) or (which == "move_in" and moving_in):
            raise OSError(28, "No space left on device")
        return real_rename(self, dest)

    with pytest.MonkeyPatch.context() as mp, pytest.raises(
            ReportError, match="could not be moved into .*corvia.*previous report is unchanged"):
        mp.setattr(Path, "rename", rename)
        _run("corvia", out, nb)
    assert _folder_run_id(out, "corvia") == first.run_id
    runs = ResultsStore(out / "results.sqlite").runs()
    assert list(runs["status"]) == ["ok", "failed"]
    assert "could not be moved" in runs["error"].iloc[1]
    _assert_agree(out, "corvia")
    again = _run("corvia", out, nb)  # and the next run goes through
    assert _folder_run_id(out, "corvia") == again.run_id
    _assert_agree(out, "corvia")


def test_status_fault_after_the_move_undoes_it(tmp_path, fake_papermill):
    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"
    first = _run("corvia", out, nb)
    real = ResultsStore.set_status

    def set_status(self, run_id, status, **kwargs):
        if status == "ok":
            raise sqlite3.OperationalError("database is locked")
        return real(self, run_id, status, **kwargs)

    with pytest.MonkeyPatch.context() as mp, pytest.raises(ReportError, match="could not set the run to ok.*locked"):
        mp.setattr(ResultsStore, "set_status", set_status)
        _run("corvia", out, nb)
    assert _folder_run_id(out, "corvia") == first.run_id
    assert list(ResultsStore(out / "results.sqlite").runs()["status"]) == ["ok", "failed"]
    _assert_agree(out, "corvia")


def test_unsettled_run_is_settled_by_the_next_one(tmp_path, fake_papermill):
    """The store cannot confirm and the move cannot be undone: the staging folder is kept, and once its
    process is gone the next run sets the pending run to ok (its report is the one in place)."""
    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"
    _run("corvia", out, nb)

    def refuse(self, run_id, status, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    def stuck(ws, target):
        raise OSError("the folder is open in another program")

    with pytest.MonkeyPatch.context() as mp, pytest.raises(ReportError, match="the next run in .* settles it"):
        mp.setattr(ResultsStore, "set_status", refuse)
        mp.setattr(lifecycle, "_swap_out", stuck)
        _run("corvia", out, nb)
    (ws,) = (out / ".staging").iterdir()
    owner = json.loads((ws / "owner.json").read_text())
    assert ResultsStore(out / "results.sqlite").status(owner["run_id"]) == "pending"
    assert _folder_run_id(out, "corvia") == owner["run_id"]
    assert clean_staging(out, store=ResultsStore(out / "results.sqlite")) == []  # its process (this one) runs
    owner["pid"] = _dead_pid()
    (ws / "owner.json").write_text(json.dumps(owner))
    assert clean_staging(out, store=ResultsStore(out / "results.sqlite")) == [ws.name]
    assert ResultsStore(out / "results.sqlite").status(owner["run_id"]) == "ok"
    _assert_agree(out, "corvia")


def test_interrupted_after_the_store_write_leaves_no_pending_run(tmp_path, fake_papermill):
    """Ctrl-C right after the store committed the pending run: the run is settled as failed on the way out."""
    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"
    first = _run("corvia", out, nb)
    real = ResultsStore.record_run

    def record_then_interrupt(self, run, results=None):
        real(self, run, results)
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as mp, pytest.raises(KeyboardInterrupt):
        mp.setattr(ResultsStore, "record_run", record_then_interrupt)
        _run("corvia", out, nb)
    runs = ResultsStore(out / "results.sqlite").runs()
    assert list(runs["status"]) == ["ok", "failed"] and "interrupted" in runs["error"].iloc[1]
    assert _folder_run_id(out, "corvia") == first.run_id
    _assert_agree(out, "corvia")


def test_previous_report_is_never_lost_when_putting_it_back_fails_once(tmp_path, fake_papermill):
    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"
    first = _run("corvia", out, nb)
    target = out / "corvia"
    real_rename = Path.rename
    failures = {"put_back": 0}

    def rename(self, dest):
        if Path(dest) == target and Path(self).name == "report":
            raise OSError(28, "No space left on device")
        if Path(dest) == target and Path(self).name == "previous" and not failures["put_back"]:
            failures["put_back"] += 1
            raise OSError(5, "Input/output error")
        return real_rename(self, dest)

    with pytest.MonkeyPatch.context() as mp, pytest.raises(ReportError, match="could not be moved"):
        mp.setattr(Path, "rename", rename)
        _run("corvia", out, nb)
    assert failures["put_back"] == 1
    assert _folder_run_id(out, "corvia") == first.run_id  # put back on the second try, on the way out
    _assert_agree(out, "corvia")


def test_killed_between_the_two_moves_is_put_back(tmp_path, fake_papermill):
    """A run killed after moving the previous report aside: the next run puts it back."""
    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"
    first = _run("corvia", out, nb)
    store = ResultsStore(out / "results.sqlite")
    ws = out / ".staging" / "corvia-killed"
    (ws / "report").mkdir(parents=True)
    (ws / "owner.json").write_text(json.dumps({"run_id": "corvia-killed", "target": "corvia", "pid": _dead_pid(),
                                               "host": lifecycle._hostname(), "created": time.time()}))
    store.record_run({"run_id": "corvia-killed", "country": "corvia", "status": "pending"})
    (out / "corvia").rename(ws / "previous")
    second = _run("corvia", out, nb)  # cleans up first, then runs
    assert store.status("corvia-killed") == "failed"
    assert "interrupted" in store.runs().set_index("run_id").loc["corvia-killed", "error"]
    assert _folder_run_id(out, "corvia") == second.run_id != first.run_id
    _assert_agree(out, "corvia")


def test_batch_summary_store_and_folders_agree(tmp_path, fake_papermill):
    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"
    real = ResultsStore.record_run

    def record_run(self, run, results=None):
        if run["country"] == "aroland":
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, run, results)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ResultsStore, "record_run", record_run)
        summary = run_batch(["aroland", "corvia"], workers=2, out=out, notebooks=[str(nb)], warm=False, echo=None)
    status = summary.set_index("country")["status"].to_dict()
    assert status == {"aroland": "failed", "corvia": "ok"}
    assert "disk is full" in summary.set_index("country").loc["aroland", "error"]
    assert not (out / "aroland").exists() and (out / "corvia" / "index.html").is_file()
    for c in ("aroland", "corvia"):
        _assert_agree(out, c)


def test_failed_store_write_of_a_failure_still_says_why_the_notebook_failed(tmp_path, monkeypatch):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    def execute(input_path, output_path, **kwargs):
        nbformat.write(nbformat.read(input_path, as_version=4), output_path)
        raise PapermillExecutionError(1, 2, "1 / 0", "ZeroDivisionError", "division by zero", [])

    def full_disk(self, run, results=None):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    monkeypatch.setattr(ResultsStore, "record_run", full_disk)
    with pytest.raises(ReportExecutionError, match="ZeroDivisionError.*could not record the failure.*disk is full"):
        _run("corvia", tmp_path / "out", _tiny_notebook(tmp_path / "ok.ipynb"))


def test_a_failed_first_run_does_not_block_the_next(tmp_path, monkeypatch, fake_papermill):
    """A first run that failed leaves only <country>/failed/: the next run may still put its report there."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"
    working = papermill.execute_notebook

    def failing(input_path, output_path, **kwargs):
        nbformat.write(nbformat.read(input_path, as_version=4), output_path)
        raise PapermillExecutionError(1, 2, "1 / 0", "ZeroDivisionError", "division by zero", [])

    monkeypatch.setattr(papermill, "execute_notebook", failing)
    with pytest.raises(ReportExecutionError):
        _run("corvia", out, nb)
    assert [p.name for p in (out / "corvia").iterdir()] == ["failed"]
    monkeypatch.setattr(papermill, "execute_notebook", working)
    ok = _run("corvia", out, nb)
    assert _folder_run_id(out, "corvia") == ok.run_id
    _assert_agree(out, "corvia")


def test_a_folder_that_is_not_a_report_is_refused_before_anything_is_recorded(tmp_path, fake_papermill):
    nb, out = _tiny_notebook(tmp_path / "ok.ipynb"), tmp_path / "out"
    (out / "corvia").mkdir(parents=True)
    (out / "corvia" / "notes.txt").write_text("mine")
    with pytest.raises(ReportError, match="not a campaign_me report"):
        _run("corvia", out, nb)
    assert (out / "corvia" / "notes.txt").read_text() == "mine"
    assert len(ResultsStore(out / "results.sqlite").runs()) == 0


# -- one life cycle for the country reports and the synthesis ------------------------------------

def _reporting_notebook(path: Path) -> Path:
    """A tiny notebook that declares the workbook's reporting parameters, as 07_country_report does."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('country: str = "x"  # country\ndata_dir: str = ""  # data\n'
                                  'results_file: str = ""  # results\nlevel: float = 0.95  # level\n'
                                  'min_n: int = 25  # min_n\nflag_n: int = 50  # flag_n',
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print('fine')"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_one_reporting_value_reaches_the_notebooks(tmp_path, monkeypatch, fake_papermill):
    """settings= is passed as the notebooks' level/min_n/flag_n; -p values win; neither: nothing passed."""
    import papermill

    seen = []
    execute = papermill.execute_notebook

    def spy(input_path, output_path, parameters=None, **kwargs):
        seen.append(dict(parameters or {}))
        return execute(input_path, output_path, parameters=parameters, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", spy)
    nb, out = _reporting_notebook(tmp_path / "rep.ipynb"), tmp_path / "out"
    _run("corvia", out, nb)
    assert not {"level", "min_n", "flag_n"} & set(seen[-1])  # the notebook's own defaults hold
    _run("corvia", out, nb, settings=Reporting(level=0.9, min_n=30, flag_n=60))
    assert {k: seen[-1][k] for k in ("level", "min_n", "flag_n")} == {"level": 0.9, "min_n": 30, "flag_n": 60}
    _run("corvia", out, nb, settings=Reporting(level=0.9), parameters={"min_n": "40"})
    assert {k: seen[-1][k] for k in ("level", "min_n", "flag_n")} == {"level": 0.9, "min_n": 40, "flag_n": 50}
    # min_n set above the default caution flag: the flag is raised to it (campaign_me.workbook.check_parameters)
    _run("corvia", out, nb, parameters={"min_n": "60"})
    assert {k: seen[-1][k] for k in ("level", "min_n", "flag_n")} == {"level": 0.95, "min_n": 60, "flag_n": 60}
    runs = ResultsStore(out / "results.sqlite").runs()
    assert json.loads(runs["parameters"].iloc[0]) == {}
    assert json.loads(runs["parameters"].iloc[1]) == {"level": 0.9, "min_n": 30, "flag_n": 60}
    with pytest.raises(ReportError, match="settings"):
        _run("corvia", out, nb, settings={"level": 0.9})


def _fake_store(out: Path) -> None:
    store = ResultsStore(out / "results.sqlite")
    row = ["Corvia", "endline-baseline", "risk_aware", "campaign vs comparison areas", "did", 5.0, 2.0, 1.0, 9.0,
           900, False, "pp"]
    store.record_run({"run_id": "corvia-1", "country": "corvia", "status": "ok", "finished": "2026-01-01T00:00:00"},
                     pd.DataFrame([row], columns=list(REPORT_COLUMNS)))


def test_synthesis_shares_the_life_cycle(tmp_path, monkeypatch):
    """The synthesis is made in a staging folder like a country report: a failed run keeps the previous
    synthesis and the failed notebook, and leaves no staging folder."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out = tmp_path / "out"
    _fake_store(out)

    def copy(input_path, output_path, **kwargs):
        nb = nbformat.read(input_path, as_version=4)
        nbformat.write(nb, output_path)
        return nb

    def failing(input_path, output_path, **kwargs):
        copy(input_path, output_path)
        raise PapermillExecutionError(1, 2, "1 / 0", "ZeroDivisionError", "division by zero", [])

    monkeypatch.setattr(papermill, "execute_notebook", copy)
    first = run_synthesis(out=out, progress=False)
    assert first.report_dir == out / "synthesis" and (first.report_dir / "index.html").is_file()
    assert [f.name for f in first.files] == ["08_regional_synthesis.html", "08_regional_synthesis.ipynb", "index.html"]
    before = (out / "synthesis" / "index.html").read_text()
    monkeypatch.setattr(papermill, "execute_notebook", failing)
    with pytest.raises(ReportExecutionError, match=r"synthesis: 08_regional_synthesis.ipynb failed at cell In \[2\]: "
                                                   "ZeroDivisionError: division by zero") as info:
        run_synthesis(out=out, progress=False)
    assert info.value.failed_path == out / "synthesis" / "failed" / "08_regional_synthesis.ipynb"
    assert info.value.failed_path.is_file()
    assert (out / "synthesis" / "index.html").read_text() == before
    assert not (out / ".staging").exists()
    assert list(ResultsStore(out / "results.sqlite").runs()["run_id"]) == ["corvia-1"]  # nothing recorded


def test_synthesis_results_take_their_source_explicitly(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _fake_store(out)
    by_store, where = synthesis_results(str(out / "results.sqlite"))
    by_folder, where_folder = synthesis_results(reports=out)
    pd.testing.assert_frame_equal(by_store, by_folder)
    assert list(by_folder["country"]) == ["Corvia"] and where == where_folder
    with pytest.raises(ReportError, match="not both"):
        synthesis_results(str(out / "results.sqlite"), reports=out)
    with pytest.raises(ReportError, match="no such folder"):
        synthesis_results(reports=tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path)  # a reports/ folder beside the current folder is never read by itself
    (tmp_path / "reports").mkdir()
    (out / "results.sqlite").rename(tmp_path / "reports" / "results.sqlite")
    with pytest.raises(ReportError, match="no results store"):
        synthesis_results(reports=out)


def test_the_renderer_is_prepared_once_in_the_background(tmp_path):
    render.prepare_renderer()
    render.prepare_renderer()  # a second call does nothing
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hello")])
    page = render.render_html(nb, tmp_path / "x.html", title="t").read_text()
    assert "Hello" in page and render.external_references(page) == []
    assert render._exporter() is render._exporter()


def test_a_cancelled_warm_up_stops_its_kernel():
    kernel = WarmKernel("python3", ["campaign_me"])
    kernel.cancel()
    km = kernel.km
    kernel.shutdown()
    assert kernel.km is None
    assert km is None or not km.has_kernel


def test_result_columns_is_the_old_name_of_report_columns():
    from campaign_me.report import content

    with pytest.warns(DeprecationWarning, match="REPORT_COLUMNS"):
        assert content.RESULT_COLUMNS == REPORT_COLUMNS


# -- staging folders of killed runs --------------------------------------------------------------

def _owner(ws: Path, **fields) -> Path:
    (ws / "report").mkdir(parents=True)
    owner = {"run_id": ws.name, "target": "corvia", "pid": os.getpid(), "host": lifecycle._hostname(),
             "created": time.time(), **fields}
    (ws / "owner.json").write_text(json.dumps(owner))
    return ws


def test_clean_staging_removes_only_folders_of_runs_that_are_gone(tmp_path):
    root = tmp_path / ".staging"
    live = _owner(root / "live")                                      # this process: running
    dead = _owner(root / "dead", pid=_dead_pid())                    # its process has ended
    reused = _owner(root / "reused", created=time.time() - 10 * 365 * 86400)  # pid reused since
    other_recent = _owner(root / "other-recent", host="worker-7", pid=1)  # another machine: cannot check
    other_old = _owner(root / "other-old", host="worker-7", pid=1, created=time.time() - 8 * 86400)
    unowned_new = root / "corvia-20260101T000000-abcdef"  # an older version's folder, recent
    unowned_new.mkdir()
    unowned_old = root / "aroland-20250101T000000-abcdef"
    unowned_old.mkdir()
    (unowned_old / "x.ipynb").write_text("{}")
    past = time.time() - 2 * 86400
    for p in (unowned_old / "x.ipynb", unowned_old):
        os.utime(p, (past, past))
    removed = clean_staging(tmp_path)
    assert sorted(removed) == sorted(p.name for p in (dead, reused, other_old, unowned_old))
    assert sorted(p.name for p in root.iterdir()) == sorted(p.name for p in (live, other_recent, unowned_new))
    assert not (tmp_path / "corvia").exists()  # nothing to put back: no previous report was moved aside


_KILLABLE = textwrap.dedent("""
    import sys
    from campaign_me.report import run_report
    run_report(sys.argv[1], out=sys.argv[2], notebooks=[sys.argv[3]], progress=False, warm=False, timeout=120)
""")


def _start_run(country: str, out: Path, nb: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _KILLABLE, country, str(out), str(nb)],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_staging(out: Path, proc: subprocess.Popen, n: int = 1) -> list[Path]:
    deadline = time.time() + 120
    while time.time() < deadline:
        found = [p for p in (out / ".staging").glob("*/owner.json")] if (out / ".staging").is_dir() else []
        found = [p.parent for p in found if json.loads(p.read_text())["pid"] == proc.pid]
        executed = [w for w in found if any((w / "report").glob("*.ipynb"))]
        if executed:
            return executed
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.2)
    raise AssertionError("the run did not start")


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and the kernel it started (its own session)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
    proc.stderr.close()


@pytest.mark.skipif(sys.platform == "win32", reason="kills a process group")
@pytest.mark.kernel
def test_staging_of_killed_runs_is_removed_but_not_of_a_live_concurrent_run(tmp_path):
    """Kill runs in the middle, then run again in the same output folder while another run is still
    going in a second process: the killed runs' staging folders go, the live one's stays and finishes."""
    out = tmp_path / "out"
    slow = _tiny_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    proc = _start_run("corvia", out, slow)
    (first,) = _wait_for_staging(out, proc)
    _kill(proc)
    assert (first / "owner.json").is_file()  # what a killed run leaves behind
    proc = _start_run("corvia", out, slow)
    killed = _wait_for_staging(out, proc)
    assert not first.exists()  # the next run removed it before it started
    _kill(proc)
    assert all(w.is_dir() for w in killed)
    paced = _tiny_notebook(tmp_path / "paced.ipynb", "import time\ntime.sleep(8)")
    live = _start_run("aroland", out, paced)
    try:
        (live_ws,) = _wait_for_staging(out, live)
        ok = run_report("corvia", out=out, notebooks=[_tiny_notebook(tmp_path / "ok.ipynb")], progress=False,
                        warm=False)
        assert not any(w.exists() for w in killed)
        assert live_ws.is_dir()  # the concurrent run's folder was left alone
        assert live.wait(timeout=120) == 0, live.stderr.read().decode()
    finally:
        if live.poll() is None:
            _kill(live)
        else:
            live.stderr.close()
    assert (out / "aroland" / "index.html").is_file() and (out / "corvia" / "index.html").is_file()
    assert _folder_run_id(out, "corvia") == ok.run_id
    assert not (out / ".staging").exists()
    runs = ResultsStore(out / "results.sqlite").runs()
    assert sorted(runs["status"]) == ["ok", "ok"]
