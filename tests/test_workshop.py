"""campaign_me.workshop and `campaign-me workshop`: working copies, reset with backup, JupyterLab, the laptop check.

JupyterLab is never started here except by the one test marked ``kernel`` that checks the real
server check; launching goes through a stand-in runner.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from campaign_me import workshop
from campaign_me.cli import main
from campaign_me.workshop import (
    MANIFEST,
    Check,
    WorkshopError,
    check_charts,
    check_folder,
    check_imports,
    check_jupyterlab,
    check_kernel,
    check_notebooks,
    check_python,
    check_sample_data,
    check_server,
    check_widgets,
    format_check,
    format_checks,
    lab_command,
    lab_environment,
    laptop_check,
    lesson_notebooks,
    prepare_workshop,
    write_print_pages,
)

ROOT = Path(__file__).resolve().parents[1]
NOON = datetime(2026, 12, 8, 12, 0, 0)


def _lesson(path: Path, title: str) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# {title}\n\nWhy it matters."),
        nbformat.v4.new_markdown_cell("## Objectives\n\n- one"),
        nbformat.v4.new_code_cell('level: float = 0.95'),
        nbformat.v4.new_markdown_cell("## Key points\n\n- two"),
    ])
    nbformat.write(nb, path)


@pytest.fixture
def project(tmp_path):
    """A small project: lessons 00 and 01 (and a report notebook 07, not a lesson), docs with a pack."""
    nbs = tmp_path / "project" / "notebooks"
    nbs.mkdir(parents=True)
    _lesson(nbs / "00_start_here.ipynb", "Start here")
    _lesson(nbs / "01_getting_started.ipynb", "Step 1")
    _lesson(nbs / "07_country_report.ipynb", "Report")
    docs = tmp_path / "project" / "docs"
    (docs / "course_pack").mkdir(parents=True)
    (docs / "glossary.md").write_text("# Glossary\n\n## KAP\n\nKnowledge.\n", encoding="utf-8")
    (docs / "facilitator_guide.md").write_text("# Guide\n\nSee [the pack](course_pack/README.md).\n", encoding="utf-8")
    (docs / "course_pack" / "README.md").write_text(
        "# Pack\n\n[KAP](../glossary.md#kap), [plan](action_plan.md)\n", encoding="utf-8")
    (docs / "course_pack" / "action_plan.md").write_text("# Plan\n\n| What | Who |\n|---|---|\n| | |\n",
                                                          encoding="utf-8")
    return {"notebooks": nbs, "docs": docs, "room": tmp_path / "room"}


def _prepare(project, **kwargs):
    return prepare_workshop(project["room"], notebooks=project["notebooks"], docs=project["docs"], **kwargs)


# ---------------------------------------------------------------------------- copies


def test_copies_lessons_pages_and_print_versions(project):
    room = project["room"]
    result = _prepare(project)
    assert result.lessons == ["notebooks/00_start_here.ipynb", "notebooks/01_getting_started.ipynb"]
    assert not (room / "notebooks" / "07_country_report.ipynb").exists()  # a report notebook, not a lesson
    for name in ("00_start_here.ipynb", "01_getting_started.ipynb"):
        assert (room / "notebooks" / name).read_bytes() == (project["notebooks"] / name).read_bytes()
    assert (room / "docs" / "course_pack" / "action_plan.md").is_file()
    assert sorted(p.relative_to(room).as_posix() for p in result.printed) == [
        "docs/course_pack/README.html", "docs/course_pack/action_plan.html", "docs/facilitator_guide.html",
        "docs/glossary.html", "docs/handouts/00_start_here.html", "docs/handouts/01_getting_started.html"]
    assert "size: A4" in (room / "docs" / "handouts" / "00_start_here.html").read_text(encoding="utf-8")
    manifest = json.loads((room / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["files"]) == set(result.copied) and len(result.copied) == 6
    summary = result.summary()
    assert "2 lessons in notebooks/" in summary and "copied: 2 lessons and 4 reference pages" in summary
    assert result.others == [] and result.backup is None
    again = _prepare(project)  # a second run changes nothing
    assert again.copied == [] and len(again.unchanged) == 6 and again.kept == [] and again.others == []


def test_an_edited_copy_is_never_overwritten(project):
    room = project["room"]
    _prepare(project)
    lesson = room / "notebooks" / "00_start_here.ipynb"
    edited = lesson.read_text(encoding="utf-8").replace("0.95", "95")
    lesson.write_text(edited, encoding="utf-8")
    (room / "notebooks" / "my_notes.ipynb").write_text("{}", encoding="utf-8")
    result = _prepare(project)
    assert result.kept == ["notebooks/00_start_here.ipynb"]
    assert lesson.read_text(encoding="utf-8") == edited
    assert result.others == ["notebooks/my_notes.ipynb"]
    summary = result.summary()
    assert "kept as participants left them: 1 lesson (lessons: 00_start_here.ipynb)" in summary
    assert "--reset" in summary and "notebooks/my_notes.ipynb" in summary
    # the original changes (a new version of the project): the edited copy is still kept
    _lesson(project["notebooks"] / "00_start_here.ipynb", "Start here, version 2")
    assert _prepare(project).kept == ["notebooks/00_start_here.ipynb"]
    assert lesson.read_text(encoding="utf-8") == edited


def test_an_untouched_copy_follows_a_new_original(project):
    room = project["room"]
    _prepare(project)
    _lesson(project["notebooks"] / "01_getting_started.ipynb", "Step 1, revised")
    result = _prepare(project)
    assert result.updated == ["notebooks/01_getting_started.ipynb"] and result.kept == []
    assert "Step 1, revised" in (room / "notebooks" / "01_getting_started.ipynb").read_text(encoding="utf-8")
    assert "brought up to date: 1 lesson" in result.summary()


def test_reset_restores_the_originals_and_keeps_a_dated_backup(project, monkeypatch):
    monkeypatch.setattr(workshop, "running_labs", lambda folder: [])
    room = project["room"]
    _prepare(project)
    lesson = room / "notebooks" / "00_start_here.ipynb"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("0.95", "95"), encoding="utf-8")
    checkpoints = room / "notebooks" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    (checkpoints / "01_getting_started-checkpoint.ipynb").write_text("old group", encoding="utf-8")
    (room / "notebooks" / "my_table.csv").write_text("a\n1\n", encoding="utf-8")
    result = _prepare(project, reset=True, now=NOON)
    assert result.restored == ["notebooks/00_start_here.ipynb"]
    assert lesson.read_bytes() == (project["notebooks"] / "00_start_here.ipynb").read_bytes()
    backup = room / "backups" / "20261208-120000"
    assert result.backup == backup
    assert "95" in (backup / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8")
    # the checkpoint goes too: Revert to Checkpoint cannot bring the last group's work back
    assert (backup / "notebooks" / ".ipynb_checkpoints" / "01_getting_started-checkpoint.ipynb").is_file()
    assert not (checkpoints / "01_getting_started-checkpoint.ipynb").exists()
    assert (room / "notebooks" / "my_table.csv").is_file() and result.others == ["notebooks/my_table.csv"]
    assert not (backup / "notebooks" / "01_getting_started.ipynb").exists()  # untouched: no backup needed
    summary = result.summary()
    assert "restored from the originals: 1 lesson" in summary and str(backup) in summary
    # nothing changed since: a second reset has nothing to back up
    assert _prepare(project, reset=True, now=NOON).backup is None
    # changed again within the same second: a second backup folder, never mixed with the first
    lesson.write_text("{}", encoding="utf-8")
    assert _prepare(project, reset=True, now=NOON).backup == room / "backups" / "20261208-120000-2"
    # a new original with an untouched copy: brought up to date, nothing backed up
    _lesson(project["notebooks"] / "01_getting_started.ipynb", "Step 1, revised")
    again = _prepare(project, reset=True, now=NOON)
    assert again.updated == ["notebooks/01_getting_started.ipynb"] and again.backup is None


def test_reset_is_refused_while_jupyterlab_runs_there(project, monkeypatch):
    _prepare(project)
    lesson = project["room"] / "notebooks" / "00_start_here.ipynb"
    lesson.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(workshop, "running_labs",
                        lambda folder: [{"root_dir": str(project["room"]), "pid": 4242, "url": "http://localhost:8888/"}])
    with pytest.raises(WorkshopError, match=r"JupyterLab is running from .*process 4242.*Stop it first"):
        _prepare(project, reset=True)
    assert lesson.read_text(encoding="utf-8") == "{}" and not (project["room"] / "backups").exists()


def test_running_labs_reads_jupyters_runtime_files(tmp_path, monkeypatch):
    import jupyter_server.serverapp as serverapp

    servers = [{"root_dir": str(tmp_path), "pid": 1}, {"root_dir": str(tmp_path / "room" / "notebooks"), "pid": 2},
               {"root_dir": str(tmp_path / "elsewhere"), "pid": 3}]
    monkeypatch.setattr(serverapp, "list_running_servers", lambda *a, **k: iter(servers))
    assert [s["pid"] for s in workshop.running_labs(tmp_path / "room")] == [1, 2]


def test_a_lesson_no_longer_shipped_is_left_then_backed_up(project, monkeypatch):
    monkeypatch.setattr(workshop, "running_labs", lambda folder: [])
    room = project["room"]
    _prepare(project)
    (project["notebooks"] / "01_getting_started.ipynb").rename(project["notebooks"] / "01_renamed.ipynb")
    result = _prepare(project)
    assert result.retired == ["notebooks/01_getting_started.ipynb"] and result.others == []
    assert "no longer part of the workshop, left in place" in result.summary()
    result = _prepare(project, reset=True, now=NOON)
    assert not (room / "notebooks" / "01_getting_started.ipynb").exists()
    assert (result.backup / "notebooks" / "01_getting_started.ipynb").is_file()


def test_clear_errors_for_folders_that_cannot_be_used(project, tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(WorkshopError, match=r"is a file, not a folder"):
        prepare_workshop(a_file, notebooks=project["notebooks"], docs=False)
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("x", encoding="utf-8")
    with pytest.raises(WorkshopError, match=r"is not empty \(thesis.docx\) and is not a workshop folder"):
        prepare_workshop(foreign, notebooks=project["notebooks"], docs=False)
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.docx"]
    with pytest.raises(WorkshopError, match=r"holds the original lessons \(it is the project folder\)"):
        prepare_workshop(project["notebooks"].parent, notebooks=project["notebooks"], docs=False)
    room = tmp_path / "room2"
    (room / "notebooks" / "00_start_here.ipynb").mkdir(parents=True)
    (room / MANIFEST).write_text("{}", encoding="utf-8")
    with pytest.raises(WorkshopError, match=r"is a folder where the copy of 00_start_here.ipynb should be"):
        prepare_workshop(room, notebooks=project["notebooks"], docs=False)
    with pytest.raises(WorkshopError, match=r"no lesson notebooks"):
        prepare_workshop(tmp_path / "room3", notebooks=tmp_path / "documents", docs=False)
    hidden_only = tmp_path / "fresh"
    hidden_only.mkdir()
    (hidden_only / ".DS_Store").write_text("", encoding="utf-8")
    assert prepare_workshop(hidden_only, notebooks=project["notebooks"], docs=False).copied  # hidden files only


def test_a_run_cut_short_can_be_run_again(project, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workshop, "write_print_pages", full_disk)
    with pytest.raises(WorkshopError, match=r"cannot write in .*No space left on device"):
        _prepare(project)
    assert (project["room"] / MANIFEST).is_file()  # the folder is known as a workshop folder already
    monkeypatch.undo()
    result = _prepare(project)
    assert len(result.unchanged) == 6 and result.kept == [] and result.printed


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_a_folder_that_cannot_be_written(project, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(WorkshopError, match=r"cannot write in .*Choose a folder you can write to"):
            prepare_workshop(locked / "room", notebooks=project["notebooks"], docs=False)
        assert not check_folder(locked / "room").ok
    finally:
        locked.chmod(0o700)


def test_the_real_lessons_and_pages(tmp_path):
    """From this clone: lessons 00-06 where the package keeps them, and docs/ with the course pack."""
    names = [p.name for p in lesson_notebooks()]
    assert names == sorted(p.name for p in (ROOT / "notebooks").glob("0[0-6]_*.ipynb"))
    result = prepare_workshop(tmp_path / "room")
    assert len(result.lessons) == len(names) and result.docs_found
    docs = tmp_path / "room" / "docs"
    assert (docs / "glossary.md").is_file() and (docs / "course_pack" / "group_work.html").is_file()
    assert "<details>" not in (docs / "handouts" / "00_start_here.html").read_text(encoding="utf-8")
    # the lessons' links to the documentation (../docs/glossary.md#...) work in the copies too
    for lesson in sorted((tmp_path / "room" / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(lesson, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"\]\((\.\./docs/[^)#\s]+)", cell.source):
                assert (lesson.parent / target).is_file(), f"{lesson.name}: {target}"


def test_print_pages_link_to_each_other_offline(tmp_path):
    out = tmp_path / "print"
    written = write_print_pages(out)
    assert out / "handouts" / "06_evaluation.html" in written
    pack = sorted((out / "course_pack").glob("*.html"))
    assert {p.stem for p in pack} >= {"README", "agenda", "action_plan", "group_work"}
    for page in pack:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "<link" not in text
        for href in re.findall(r'href="([^"]+)"', text):
            if "://" in href:
                continue
            path, _, anchor = href.partition("#")
            target = (page.parent / path).resolve()
            assert target.is_file(), f"{page.name}: {href}"
            if anchor:
                assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), f"{page.name}: {href}"


# ---------------------------------------------------------------------------- JupyterLab


def test_lab_command_and_environment(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "00_start_here.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(workshop, "_running_as_root", lambda: False)
    cmd = lab_command(tmp_path, port=8890)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path}" in cmd and "--ServerApp.port=8890" in cmd
    assert "--LabApp.news_url=None" in cmd and "--ServerApp.allow_root=True" not in cmd
    assert cmd[-1] == str(tmp_path / "notebooks" / "00_start_here.ipynb")
    monkeypatch.setattr(workshop, "_running_as_root", lambda: True)
    assert "--ServerApp.allow_root=True" in lab_command(tmp_path)
    assert "--no-browser" in lab_command(tmp_path, open_browser=False)
    monkeypatch.delenv("CAMPAIGN_ME_DATA", raising=False)
    assert lab_environment({"PATH": "/bin"}) == {"PATH": "/bin", "CAMPAIGN_ME_DATA": str(ROOT / "data" / "samples")}
    assert lab_environment({"CAMPAIGN_ME_DATA": "/mine"})["CAMPAIGN_ME_DATA"] == "/mine"


def test_cli_copies_then_starts_jupyterlab(tmp_path, monkeypatch, capsys):
    started = []
    monkeypatch.setattr(workshop, "running_labs", lambda folder: [])
    monkeypatch.setattr(workshop, "_run_foreground", lambda cmd, cwd, env: started.append((cmd, cwd, env)) or 0)
    room = tmp_path / "room"
    assert main(["workshop", str(room), "--port", "8890"]) == 0
    out = capsys.readouterr().out
    assert f"Workshop folder {room}" in out and "copied: 7 lessons" in out and "Starting JupyterLab" in out
    (cmd, cwd, env), = started
    assert cwd == room and "--ServerApp.port=8890" in cmd and cmd[-1].endswith("00_start_here.ipynb")
    assert Path(env["CAMPAIGN_ME_DATA"]) == ROOT / "data" / "samples"
    assert main(["workshop", str(room), "--no-lab"]) == 0 and len(started) == 1
    assert "Start JupyterLab on the copies with: campaign-me workshop" in capsys.readouterr().out


def test_cli_does_not_start_a_second_jupyterlab(tmp_path, monkeypatch, capsys):
    room = tmp_path / "room"
    monkeypatch.setattr(workshop, "running_labs", lambda folder: [])
    prepare_workshop(room, docs=False)
    monkeypatch.setattr(workshop, "running_labs", lambda folder: [
        {"root_dir": str(room), "pid": 7, "url": "http://localhost:8888/", "token": "abc"}])
    monkeypatch.setattr(workshop, "_run_foreground", lambda *a, **k: pytest.fail("started a second JupyterLab"))
    assert main(["workshop", str(room)]) == 0
    assert "JupyterLab already serves" in capsys.readouterr().out


def test_cli_says_how_to_install_jupyterlab_when_it_is_missing(tmp_path, monkeypatch, capsys):
    """JupyterLab is the workshop extra, not a requirement: without it the copies are made, then the fix is said."""
    monkeypatch.setattr(workshop, "running_labs", lambda folder: [])
    monkeypatch.setattr(workshop, "_has_jupyterlab", lambda: False)
    monkeypatch.setattr(workshop, "_run_foreground", lambda *a, **k: pytest.fail("started JupyterLab"))
    room = tmp_path / "room"
    assert main(["workshop", str(room)]) == 2
    captured = capsys.readouterr()
    assert "copied: 7 lessons" in captured.out
    assert "JupyterLab is not installed" in captured.err
    assert f'{sys.executable} -m pip install -e ".[workshop]"' in captured.err
    assert 'pip install "campaign_me[workshop]"' in captured.err
    assert (room / "notebooks" / "00_start_here.ipynb").is_file()
    with pytest.raises(workshop.WorkshopError, match="extra 'workshop'"):
        workshop.launch_lab(room, runner=lambda *a, **k: pytest.fail("started JupyterLab"))


def test_jupyterlab_check_names_the_workshop_extra(tmp_path, monkeypatch):
    def missing(dist):
        raise workshop.metadata.PackageNotFoundError(dist)

    monkeypatch.setattr(workshop.metadata, "version", missing)
    result = check_jupyterlab(tmp_path)
    assert not result.ok and 'pip install -e ".[workshop]"' in result.fix and "campaign_me[workshop]" in result.fix


def test_cli_errors(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    assert main(["workshop", str(a_file), "--no-lab"]) == 2
    assert "campaign-me workshop: error:" in capsys.readouterr().err
    assert main(["workshop", "--check", "--reset"]) == 2
    assert "--check copies nothing" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["workshop", "--port", "99999"])
    assert "not a port number" in capsys.readouterr().err


# ---------------------------------------------------------------------------- the laptop check


def test_fast_checks_pass_on_this_machine(tmp_path):
    """The real checks that need no kernel and no server."""
    for check in (check_python, check_imports, check_notebooks, check_sample_data, check_folder, check_charts,
                  check_jupyterlab, check_widgets):
        result = check(tmp_path / "room")
        assert result.ok, format_check(result)
    assert not (tmp_path / "room").exists()  # the check creates nothing


def test_folder_check_fails_clearly(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    result = check_folder(a_file)
    assert not result.ok and "is a file" in result.detail and "choose another folder" in result.fix
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert "not a workshop folder" in check_folder(tmp_path).detail


def test_sample_data_check_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("CAMPAIGN_ME_DATA", str(tmp_path / "nowhere"))
    result = check_sample_data(tmp_path)
    assert not result.ok and "is not a folder" in result.detail and 'pip install -e ".[workshop]"' in result.fix


def test_widgets_check_fails_without_the_extension(monkeypatch, tmp_path):
    import jupyter_core.paths

    monkeypatch.setattr(jupyter_core.paths, "jupyter_path", lambda *parts: [str(tmp_path)])
    result = check_widgets(tmp_path)
    assert not result.ok and "no @jupyter-widgets/jupyterlab-manager" in result.detail
    assert "pip install" in result.fix and "sliders" in result.fix


def _kernel_answer(outputs=None, error=None):
    result = {"kernel": "python3", **({"error": error} if error else {"outputs": outputs})}
    return lambda cmd, **kw: subprocess.CompletedProcess(cmd, 0, "noise\nCAMPAIGN_ME_KERNEL_CHECK " + json.dumps(result), "")


def _stdout(obj):
    return {"output_type": "stream", "name": "stdout", "text": json.dumps(obj) + "\n"}


def test_kernel_check_reads_what_the_kernel_did(tmp_path):
    me = _stdout({"prefix": sys.prefix, "python": sys.executable})
    chart = {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}}
    ok = check_kernel(tmp_path, run=_kernel_answer([[me], [chart, _stdout({"campaign_me": "0.1.0", "ipywidgets": "8.1"})]]))
    assert ok.ok and "campaign_me 0.1.0" in ok.detail and "a chart drawn" in ok.detail
    # the lessons' kernel runs another Python, without campaign_me
    other = _stdout({"prefix": "/usr", "python": "/usr/bin/python3"})
    missing = {"output_type": "error", "ename": "ModuleNotFoundError", "evalue": "No module named 'campaign_me'"}
    bad = check_kernel(tmp_path, run=_kernel_answer([[other], [missing]]))
    assert not bad.ok and "the kernel runs /usr/bin/python3" in bad.detail
    assert f"{sys.executable} -m ipykernel install --user --name python3" in bad.fix
    # no chart
    no_chart = check_kernel(tmp_path, run=_kernel_answer([[me], [_stdout({"campaign_me": "0.1.0"})]]))
    assert not no_chart.ok and "no chart" in no_chart.detail
    # no such kernel
    gone = check_kernel(tmp_path, run=_kernel_answer(error="NoSuchKernel: No such kernel named python3"))
    assert not gone.ok and "ipykernel install" in gone.fix


def test_kernel_check_when_nothing_comes_back(tmp_path):
    def hang(cmd, **kw):
        raise subprocess.TimeoutExpired(cmd, kw["timeout"])

    slow = check_kernel(tmp_path, timeout=5, run=hang)
    assert not slow.ok and "no answer within 65 s" in slow.detail
    broken = check_kernel(tmp_path, run=lambda cmd, **kw: subprocess.CompletedProcess(
        cmd, 1, "", "Traceback\nModuleNotFoundError: No module named 'nbclient'\n"))
    assert not broken.ok and "nbclient" in broken.detail and 'pip install -e ".[workshop]"' in broken.fix


class _FakeLab:
    """Stands in for the JupyterLab process: writes its log, then runs until stopped or exits."""

    def __init__(self, cmd, *, stdout, exit_with=None, log="", **kw):
        self.cmd, self.code, self.stopped = cmd, exit_with, False
        stdout.write(log.encode("utf-8"))
        stdout.flush()

    def poll(self):
        return self.code if self.code is not None else (0 if self.stopped else None)

    def terminate(self):
        self.stopped = True

    def wait(self, timeout=None):
        return 0

    kill = terminate


def test_server_check_with_a_stand_in(tmp_path):
    seen = []

    def popen(cmd, **kw):
        seen.append(cmd)
        return _FakeLab(cmd, **kw)

    ok = check_server(tmp_path, popen=popen, fetch=lambda url: "<html>@jupyter-widgets/jupyterlab-manager</html>")
    assert ok.ok and "with the widgets extension" in ok.detail
    assert "--ServerApp.port_retries=0" in seen[0] and "--no-browser" in seen[0]
    log = "[I ServerApp] starting\n[C 2026-12-08 ServerApp] Running as root is not recommended.\n"
    crashed = check_server(tmp_path, popen=lambda cmd, **kw: _FakeLab(cmd, exit_with=1, log=log, **kw),
                           fetch=lambda url: pytest.fail("fetched from a stopped server"))
    assert not crashed.ok and "exit status 1" in crashed.detail and "Running as root" in crashed.detail

    def refused(url):
        raise ConnectionRefusedError(url)

    silent = check_server(tmp_path, timeout=1.0, popen=lambda cmd, **kw: _FakeLab(cmd, **kw), fetch=refused)
    assert not silent.ok and "no page within 1 s" in silent.detail


def test_laptop_check_lists_every_result_and_survives_a_broken_check(tmp_path):
    def broken(folder):
        """JupyterLab starts."""
        raise RuntimeError("boom")

    seen = []
    results = laptop_check(tmp_path, checks=[check_python, broken], progress=seen.append)
    assert seen == results and [r.ok for r in results] == [True, False]
    assert results[1].name == "JupyterLab starts" and "boom" in results[1].detail
    assert format_checks(results).startswith("1 of 2 checks failed")
    assert format_checks(results[:1]) == "All 1 checks passed: this laptop is ready for the workshop."


def test_cli_check_prints_pass_fail_and_exits_1_on_a_failure(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(workshop, "CHECKS", (
        lambda folder: Check("Python", True, "3.11"),
        lambda folder: Check("JupyterLab starts", False, "port blocked", "allow Python in the firewall"),
    ))
    assert main(["workshop", "--check", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Laptop check for the campaign_me workshop (workshop folder: {tmp_path})"
    assert out[1:] == ["PASS  Python: 3.11", "FAIL  JupyterLab starts: port blocked",
                       "      what to do: allow Python in the firewall",
                       "1 of 2 checks failed: do what the FAIL lines say, then run `campaign-me workshop --check` again."]
    monkeypatch.setattr(workshop, "CHECKS", (lambda folder: Check("Python", True),))
    assert main(["workshop", "--check", str(tmp_path)]) == 0


@pytest.mark.kernel
def test_real_kernel_and_server_checks(tmp_path):
    """The two slow checks, for real: a kernel runs a cell, and JupyterLab serves its page."""
    for check in (check_kernel, check_server):
        result = check(tmp_path)
        assert result.ok, format_check(result)


# ---------------------------------------------------------------------------- the course pack


def _agenda_rows(text: str) -> dict[str, list[tuple[str, str]]]:
    days, day = {}, None
    for line in text.splitlines():
        if line.startswith("### Day") or line.startswith("## Day"):
            day = line.lstrip("#").split(":")[0].strip()
            days[day] = []
        m = re.match(r"^\| (\d\d:\d\d)-(\d\d:\d\d) \| ([^|]+?) \|", line)
        if m and day:
            days[day].append((f"{m.group(1)}-{m.group(2)}", m.group(3)))
    return days


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def test_the_participants_agenda_is_the_guides():
    guide = _agenda_rows((ROOT / "docs" / "facilitator_guide.md").read_text(encoding="utf-8"))
    pack = _agenda_rows((ROOT / "docs" / "course_pack" / "agenda.md").read_text(encoding="utf-8"))
    assert list(guide) == ["Day 1", "Day 2"] and guide == pack
    for rows in guide.values():  # slots follow each other without a gap
        ends = [_minutes(t.split("-")[1]) for t, _ in rows]
        starts = [_minutes(t.split("-")[0]) for t, _ in rows]
        assert starts[1:] == ends[:-1]
    assert guide["Day 1"][0] == ("08:30-09:00", "Setup: laptop check and working copies")


SESSIONS = sorted((ROOT / "docs" / "course_pack").glob("session_*.md"))


@pytest.mark.parametrize("page", SESSIONS, ids=[p.stem for p in SESSIONS])
def test_each_session_is_complete_and_fits_its_slot(page):
    text = page.read_text(encoding="utf-8")
    for heading in ("## Objectives", "## Timing", "## Materials", "## Steps", "## Facilitator notes", "## Sources"):
        assert f"\n{heading}\n" in text, f"{page.name}: no {heading}"
    stated = int(re.search(r"· (\d+) minutes ·", text).group(1))
    slots = re.findall(r"^\| (\d+)-(\d+) \|", text.split("## Timing", 1)[1].split("\n## ", 1)[0], flags=re.M)
    assert slots and int(slots[0][0]) == 0 and int(slots[-1][1]) == stated
    assert all(int(a) == int(b) for (_, b), (a, _) in zip(slots, slots[1:])), "the timing has gaps"
    start, end = re.search(r"day \d, (\d\d:\d\d)-(\d\d:\d\d)", text).groups()
    assert _minutes(end) - _minutes(start) == stated
    agenda = (ROOT / "docs" / "course_pack" / "agenda.md").read_text(encoding="utf-8")
    row = next(line for line in agenda.splitlines() if f"]({page.name})" in line)
    assert row.startswith(f"| {start}-{end} |"), f"{page.name} is not at {start}-{end} in the agenda"
    assert "glossary.md#" in text  # every session links the glossary


def test_the_guide_and_the_pack_link_the_glossary_and_each_other():
    guide = (ROOT / "docs" / "facilitator_guide.md").read_text(encoding="utf-8")
    readme = (ROOT / "docs" / "course_pack" / "README.md").read_text(encoding="utf-8")
    assert "(glossary.md)" in guide and "(../glossary.md)" in readme
    for page in sorted((ROOT / "docs" / "course_pack").glob("*.md")):
        if page.name != "README.md":
            assert f"({page.name})" in readme, f"the pack's README does not list {page.name}"
            assert f"(course_pack/{page.name})" in guide, f"the facilitator guide does not link {page.name}"
    assert "campaign-me workshop --reset" in guide and "campaign-me workshop --check" in guide
    assert "pytest tests/test_workbook.py" not in guide  # the old laptop check
