"""A room of laptops: working copies of the lessons, JupyterLab started on them, and a laptop check.

JupyterLab saves an open notebook by itself (every two minutes by default), outputs and edits
included. Run from the project's ``notebooks/`` folder, a lesson therefore carries one group's
changes (a ``level = 95`` in the Parameters cell) to the next group. :func:`prepare_workshop`
gives a laptop its own working copies instead, never overwrites a copy a participant has changed,
and with ``reset=True`` restores the originals between groups after moving the old copies to a
dated backup folder. :func:`launch_lab` then starts JupyterLab on the copies, and
:func:`laptop_check` tests, before the workshop, everything the room needs (the package, the
notebooks, the sample data, JupyterLab and its widgets, a notebook kernel, charts, the folder).
``campaign-me workshop`` is the command line for all three.

JupyterLab is not a requirement of campaign_me (report servers and Dask workers never start it):
it is the ``workshop`` extra, ``pip install -e ".[workshop]"`` from a copy of the project (or
``pip install "campaign_me[workshop]"``), and :func:`launch_lab` says so when it is missing.

A workshop folder (default ``~/campaign_me_workshop``) holds::

    notebooks/00_start_here.ipynb ... 06_evaluation.ipynb   the working copies of the lessons
    docs/glossary.md, docs/handouts/, docs/course_pack/ ...  the reference pages (when found)
    docs/**/*.html                                            the same pages, print-ready (A4)
    backups/<date>-<time>/                                    old copies, moved here by a reset
    .campaign_me_workshop.json                                what was copied, to tell edited copies apart

The lessons come from where the package keeps its notebooks (``campaign_me/notebooks``, package
data of an installed package, which in a clone of the repository is a link to ``notebooks/``;
the environment variable ``CAMPAIGN_ME_NOTEBOOKS`` overrides it). The reference pages and the
sample data are not package data: they are found beside the package when it was installed from a
clone with ``pip install -e .``, or in the current folder or one of its parents (a copy of the
project). Without them the copies still work; :func:`launch_lab` tells JupyterLab where the sample
data are (``CAMPAIGN_ME_DATA``) when it can find them, and the laptop check says what is missing.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

from .deferred import Deferred
from .errors import CampaignMeError
from .files import write_atomic

_package = Deferred("campaign_me")  # deferred: the root namespace (its __version__) imports lazily
_workbook = Deferred("campaign_me.workbook")  # deferred: pandas & co.; the sample data, handouts
_report_notebooks = Deferred("campaign_me.report.notebooks")  # deferred: where the package keeps its notebooks
_nbformat = Deferred("nbformat")  # deferred: only the laptop check reads notebooks
_mpl_figure = Deferred("matplotlib.figure")  # deferred: only the laptop check draws a chart
_mpl_agg = Deferred("matplotlib.backends.backend_agg")  # deferred: only the laptop check draws a chart
_kernelspec = Deferred("jupyter_client.kernelspec")  # deferred: only the laptop check looks for the kernel
# JupyterLab and its server are the `workshop` extra (pip install "campaign_me[workshop]"), not requirements
_jupyterlab = Deferred("jupyterlab")  # deferred: optional dependency (workshop extra)
_serverapp = Deferred("jupyter_server.serverapp")  # deferred: optional dependency (workshop extra)
_jupyter_paths = Deferred("jupyter_core.paths")  # deferred: optional dependency (workshop extra)
_lab_config = Deferred("jupyterlab_server.config")  # deferred: optional dependency (workshop extra)

__all__ = [
    "WorkshopError",
    "WorkingCopies",
    "Check",
    "LESSON_PATTERN",
    "MANIFEST",
    "default_folder",
    "lesson_notebooks",
    "docs_dir",
    "prepare_workshop",
    "write_print_pages",
    "lab_command",
    "lab_environment",
    "launch_lab",
    "running_labs",
    "laptop_check",
    "format_check",
    "format_checks",
    "CHECKS",
]

#: The lessons copied for participants: notebooks 00-06 (07 and 08 are the report notebooks).
LESSON_PATTERN = "0[0-6]_*.ipynb"
#: The file in a workshop folder that records what was copied (name: checksum of the copy).
MANIFEST = ".campaign_me_workshop.json"
#: The notebook JupyterLab opens first.
FIRST_LESSON = "00_start_here.ipynb"
_DATA_ENV = "CAMPAIGN_ME_DATA"
_MIN_FREE_BYTES = 200 * 1024**2


class WorkshopError(CampaignMeError):
    """A workshop folder cannot be prepared as asked (a file in its place, someone else's folder...)."""


# ---------------------------------------------------------------------------
# where things are
# ---------------------------------------------------------------------------


def default_folder() -> Path:
    """The default workshop folder: ``campaign_me_workshop`` in the user's home folder.

    Examples
    --------
    >>> default_folder().name
    'campaign_me_workshop'
    """
    return Path.home() / "campaign_me_workshop"


def lesson_notebooks(notebook_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """The lesson notebooks (00-06) participants work in, in order.

    Parameters
    ----------
    notebook_dir : str or path-like, optional
        The folder to take them from; by default where the package keeps its notebooks
        (:func:`campaign_me.report.notebook_dir`: package data, ``notebooks/`` of a clone, or
        the environment variable ``CAMPAIGN_ME_NOTEBOOKS``).

    Raises
    ------
    WorkshopError
        If the folder holds no lesson notebook.

    Examples
    --------
    >>> [p.name for p in lesson_notebooks()][:2]
    ['00_start_here.ipynb', '01_getting_started.ipynb']
    """
    if notebook_dir is None:
        folder = _report_notebooks.notebook_dir()
    else:
        folder = Path(notebook_dir)
    found = sorted(p for p in folder.glob(LESSON_PATTERN) if p.is_file())
    if not found:
        raise WorkshopError(
            f"no lesson notebooks ({LESSON_PATTERN}) in {str(folder)!r}: reinstall campaign_me from a copy of "
            "the project (pip install -e \".[workshop]\"), or set CAMPAIGN_ME_NOTEBOOKS to the folder that holds them"
        )
    return found


def _is_docs(path: Path) -> bool:
    return (path / "glossary.md").is_file() and (path / "facilitator_guide.md").is_file()


def docs_dir(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The project's ``docs/`` folder (glossary, handouts, course pack), or ``None`` if not found.

    Looked for beside the package (a clone installed with ``pip install -e .``), then in ``start``
    (default: the current folder) and its parents. An installed package does not carry it.

    Examples
    --------
    >>> (docs_dir() / "glossary.md").is_file()
    True
    """
    here = Path(start if start is not None else os.getcwd()).resolve()
    for root in (Path(__file__).resolve().parents[1], here, *here.parents):
        if _is_docs(root / "docs"):
            return root / "docs"
    return None


# ---------------------------------------------------------------------------
# working copies
# ---------------------------------------------------------------------------


@dataclass
class WorkingCopies:
    """What :func:`prepare_workshop` did, file by file (paths relative to ``folder``)."""

    folder: Path
    copied: list[str] = field(default_factory=list)  # there was no copy yet
    updated: list[str] = field(default_factory=list)  # an untouched copy of an older original, replaced
    unchanged: list[str] = field(default_factory=list)  # the copy equals the original
    kept: list[str] = field(default_factory=list)  # changed by a participant: left as it is
    restored: list[str] = field(default_factory=list)  # reset: the original put back, the old copy backed up
    retired: list[str] = field(default_factory=list)  # copied once, no longer shipped: left (reset: backed up)
    others: list[str] = field(default_factory=list)  # files participants made themselves: never touched
    backup: Path | None = None
    printed: list[Path] = field(default_factory=list)
    docs_found: bool = True

    @property
    def lessons(self) -> list[str]:
        every = self.copied + self.updated + self.unchanged + self.kept + self.restored
        return sorted(p for p in every if p.startswith("notebooks/"))

    def summary(self) -> str:
        """A few lines for the trainer: what was copied, kept, restored and where the backup is."""

        def names(paths: Iterable[str]) -> list[str]:
            return [Path(p).name for p in paths if p.startswith("notebooks/")]

        def count(paths: Sequence[str]) -> str:
            n_lessons = len(names(paths))
            n_pages = len(paths) - n_lessons
            parts = [f"{n_lessons} lesson{'s' * (n_lessons != 1)}"] if n_lessons else []
            parts += [f"{n_pages} reference page{'s' * (n_pages != 1)}"] if n_pages else []
            return " and ".join(parts)

        lines = [f"Workshop folder {self.folder}: {len(self.lessons)} lessons in notebooks/"]
        for label, paths in (("copied", self.copied), ("brought up to date", self.updated),
                             ("restored from the originals", self.restored)):
            if paths:
                lines.append(f"  {label}: {count(paths)}")
        if self.backup is not None:
            lines.append(f"  the old copies are in {self.backup}")
        if self.kept:
            lines.append(
                f"  kept as participants left them: {count(self.kept)} (lessons: {', '.join(names(self.kept)) or 'none'}); "
                "`campaign-me workshop --reset` restores the originals, after a backup"
            )
        if self.retired:
            what = "moved to the backup" if self.backup is not None else "left in place"
            lines.append(f"  no longer part of the workshop, {what}: {', '.join(self.retired)}")
        if self.others:
            shown = ", ".join(self.others[:5]) + (f", ... ({len(self.others)} in all)" if len(self.others) > 5 else "")
            lines.append(f"  participants' own files, left as they are: {shown}")
        if self.printed:
            lines.append(f"  print-ready handouts (A4, open in a browser and print): {self.folder / 'docs' / 'handouts'}")
        if not self.docs_found:
            lines.append(
                "  the reference pages (glossary, course pack) were not found: they come with a copy of the "
                "project (docs/), not with an installed package"
            )
        return "\n".join(lines)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sources(notebooks: str | os.PathLike[str] | None, docs: bool | str | os.PathLike[str] | None
             ) -> tuple[dict[str, Path], Path | None]:
    """{path in the workshop folder: original}, lessons first; and the docs folder used (or None)."""
    sources = {f"notebooks/{p.name}": p for p in lesson_notebooks(notebooks)}
    if docs is True:
        root = docs_dir()
    elif docs in (False, None):
        root = None
    else:
        root = Path(docs)
        if not root.is_dir():
            raise WorkshopError(f"docs={str(root)!r} is not a folder")
    if root is not None:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                sources[f"docs/{rel.as_posix()}"] = path
    return sources, root


def _read_manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _check_folder(folder: Path, sources: Mapping[str, Path]) -> None:
    if folder.exists() and not folder.is_dir():
        raise WorkshopError(
            f"{str(folder)!r} is a file, not a folder: give the folder the working copies should go to "
            f"(or leave it out for {default_folder()})"
        )
    if not folder.is_dir():
        return
    for rel, source in sources.items():
        target = folder / rel
        if target.exists() and os.path.samefile(target, source):
            raise WorkshopError(
                f"{str(folder)!r} holds the original lessons (it is the project folder): the working copies must "
                f"go to another folder, e.g. {default_folder()}"
            )
    if not (folder / MANIFEST).is_file():
        visible = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        if visible:
            shown = ", ".join(visible[:5]) + (f", ... ({len(visible)} in all)" if len(visible) > 5 else "")
            raise WorkshopError(
                f"{str(folder)!r} is not empty ({shown}) and is not a workshop folder (no {MANIFEST}): choose a new "
                f"or empty folder, e.g. {default_folder()}"
            )


def _backup_root(folder: Path, now: datetime | None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = folder / "backups" / stamp
    n = 2
    while candidate.exists():
        candidate = folder / "backups" / f"{stamp}-{n}"
        n += 1
    return candidate


def _move(path: Path, folder: Path, backup: Path) -> None:
    target = backup / path.relative_to(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)


def _checkpoint(folder: Path, rel: str) -> Path:
    """JupyterLab's checkpoint of a notebook (File > Revert Notebook to Checkpoint)."""
    path = folder / rel
    return path.parent / ".ipynb_checkpoints" / f"{path.stem}-checkpoint{path.suffix}"


def _other_files(folder: Path, known: set[str]) -> list[str]:
    """Files in the folder that campaign_me neither copied nor wrote (participants' own)."""
    found = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if not path.is_file() or rel.parts[0] == "backups" or any(p.startswith(".") for p in rel.parts):
            continue
        if rel.as_posix() not in known:
            found.append(rel.as_posix())
    return sorted(found)


def prepare_workshop(
    folder: str | os.PathLike[str] | None = None,
    *,
    reset: bool = False,
    notebooks: str | os.PathLike[str] | None = None,
    docs: bool | str | os.PathLike[str] | None = True,
    now: datetime | None = None,
) -> WorkingCopies:
    """Copy the lessons (and the reference pages) into a workshop folder, never over a participant's work.

    Each lesson notebook (00-06) goes to ``folder/notebooks/``, each page of the project's
    ``docs/`` to ``folder/docs/``, and every page and handout is also written there as
    print-ready HTML (:func:`write_print_pages`). For a file already in the folder:

    - the same as the original: left as it is;
    - an untouched copy of an older original (the project was updated): replaced by the new one;
    - changed by a participant (JupyterLab saves run notebooks by itself, so a notebook that was
      run counts as changed): **kept**, unless ``reset=True``, which moves it to
      ``folder/backups/<date>-<time>/`` and puts the original back. A reset also moves
      JupyterLab's checkpoints of the lessons there, so *Revert to Checkpoint* cannot bring the
      last group's work back. Files participants made themselves are never touched.

    Parameters
    ----------
    folder : str or path-like, optional
        The workshop folder (default :func:`default_folder`); created if missing. It must be a
        new or empty folder, or one this function prepared before.
    reset : bool
        Restore the originals (after the backup). Refused while JupyterLab runs from the
        folder: an open tab would save the old notebook over the restored one.
    notebooks : str or path-like, optional
        Where the lessons come from (default: :func:`lesson_notebooks`).
    docs : bool or str or path-like
        ``True`` (default) copies the project's ``docs/`` when :func:`docs_dir` finds it; a
        folder copies that one; ``False`` copies no reference pages.
    now : datetime, optional
        The time that names the backup folder (default: now).

    Returns
    -------
    WorkingCopies
        What happened to each file; ``summary()`` says it in a few lines.

    Raises
    ------
    WorkshopError
        If ``folder`` is a file, is someone else's non-empty folder, is the project folder
        itself, cannot be written, or (with ``reset``) JupyterLab runs from it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> room = pathlib.Path(tempfile.mkdtemp()) / "workshop"
    >>> first = prepare_workshop(room, docs=False)
    >>> first.lessons[:2]
    ['notebooks/00_start_here.ipynb', 'notebooks/01_getting_started.ipynb']
    >>> lesson = room / "notebooks" / "00_start_here.ipynb"
    >>> _ = lesson.write_text(lesson.read_text(encoding="utf-8").replace("0.95", "95"), encoding="utf-8")
    >>> prepare_workshop(room, docs=False).kept
    ['notebooks/00_start_here.ipynb']
    >>> again = prepare_workshop(room, docs=False, reset=True)
    >>> again.restored, (again.backup / "notebooks" / "00_start_here.ipynb").is_file()
    (['notebooks/00_start_here.ipynb'], True)
    """
    folder = Path(os.path.expanduser(os.fspath(folder))) if folder not in (None, "") else default_folder()
    sources, docs_root = _sources(notebooks, docs)
    _check_folder(folder, sources)
    if reset:
        running = running_labs(folder)
        if running:
            where = "; ".join(f"{s.get('root_dir')} (process {s.get('pid')})" for s in running)
            raise WorkshopError(
                f"JupyterLab is running from {where}: an open tab would save the last group's notebook over the "
                "restored one. Stop it first (File > Shut Down in JupyterLab, or Ctrl+C twice where it was started), "
                "then reset again."
            )
    manifest_before = _read_manifest(folder)
    old = manifest_before.get("files", {})
    old = old if isinstance(old, dict) else {}
    generated_before = manifest_before.get("generated", [])
    generated_before = set(generated_before) if isinstance(generated_before, list) else set()
    result = WorkingCopies(folder=folder.resolve() if folder.exists() else folder.absolute(),
                           docs_found=docs_root is not None or docs in (False, None))
    backup: Path | None = None

    def backup_dir() -> Path:
        nonlocal backup
        if backup is None:
            backup = _backup_root(folder, now)
        return backup

    files: dict[str, str] = {}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not manifest_before:  # mark the folder as a workshop folder first: a run cut short can be run again
            write_atomic(folder / MANIFEST, b'{"written_by": "campaign-me workshop", "files": {}}\n')
        for rel, source in sources.items():
            data = source.read_bytes()
            target = folder / rel
            if target.is_dir():
                raise WorkshopError(f"{str(target)!r} is a folder where the copy of {source.name} should be: "
                                    "rename or remove it")
            if not target.exists():
                write_atomic(target, data)
                result.copied.append(rel)
            else:
                current = target.read_bytes()
                if current == data:
                    result.unchanged.append(rel)
                elif old.get(rel) == _digest(current):  # untouched since copied: nothing to back up
                    write_atomic(target, data)
                    result.updated.append(rel)
                elif reset:
                    _move(target, folder, backup_dir())
                    write_atomic(target, data)
                    result.restored.append(rel)
                else:
                    result.kept.append(rel)
                    if rel in old:
                        files[rel] = old[rel]
                    continue
            files[rel] = _digest(data)
        for rel in sorted(set(old) - set(sources)):
            if (folder / rel).is_file():
                if reset:
                    _move(folder / rel, folder, backup_dir())
                else:
                    files[rel] = old[rel]
                result.retired.append(rel)
        if reset:
            for rel in sources:
                checkpoint = _checkpoint(folder, rel)
                if rel.endswith(".ipynb") and checkpoint.is_file():
                    _move(checkpoint, folder, backup_dir())
        lessons = [p for rel, p in sources.items() if rel.startswith("notebooks/")]
        result.printed = write_print_pages(folder / "docs", notebooks=lessons, docs=docs_root)
        written = {p.relative_to(folder).as_posix() for p in result.printed}
        manifest = {
            "written_by": "campaign-me workshop",
            "campaign_me": _version(),
            "files": files,
            "generated": sorted(written),
        }
        write_atomic(folder / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    except OSError as exc:
        raise WorkshopError(
            f"cannot write in {str(folder)!r}: {exc.strerror or exc}"
            f"{' (' + str(exc.filename) + ')' if getattr(exc, 'filename', None) else ''}. "
            "Choose a folder you can write to, e.g. in your home folder."
        ) from None
    result.backup = backup
    result.others = _other_files(folder, set(sources) | set(old) | written | generated_before | {MANIFEST})
    result.folder = folder.resolve()
    return result


def _version() -> str:
    return _package.__version__


def write_print_pages(
    out_dir: str | os.PathLike[str],
    *,
    notebooks: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    docs: bool | str | os.PathLike[str] | None = True,
) -> list[Path]:
    """Write print-ready HTML (A4) of the lesson handouts and of every documentation page.

    ``out_dir/handouts/<lesson>.html`` is each lesson's handout
    (:func:`campaign_me.workbook.handout`, generated from the notebook itself) and
    ``out_dir/<page>.html`` each Markdown page of ``docs/`` (the course pack's sessions and
    templates, the glossary...), through :func:`campaign_me.workbook.print_html`. Links
    between the pages keep working offline.

    Parameters
    ----------
    out_dir : str or path-like
        Where to write (``reports/print`` for ``make handouts``; a workshop folder's ``docs``).
    notebooks : folder or list of notebooks, optional
        The lessons (default: :func:`lesson_notebooks`).
    docs : bool or str or path-like
        ``True`` (default) converts the pages of :func:`docs_dir` when found; a folder converts
        that one; ``False`` only the handouts.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> pages = write_print_pages(out)
    >>> (out / "handouts" / "00_start_here.html").is_file() and (out / "glossary.html").is_file()
    True
    """
    if notebooks is None or isinstance(notebooks, (str, os.PathLike)):
        lessons = lesson_notebooks(notebooks)
    else:
        lessons = [Path(p) for p in notebooks]
    root = docs_dir() if docs is True else (None if docs in (False, None) else Path(docs))
    out = Path(out_dir)
    written: list[Path] = []
    for nb in lessons:
        target = out / "handouts" / f"{nb.stem}.html"
        write_atomic(target, _workbook.print_html(_workbook.handout(nb)).encode("utf-8"))
        written.append(target)
    done = set(written)
    if root is not None:
        for page in sorted(root.rglob("*.md")):
            rel = page.relative_to(root)
            if any(part.startswith(".") for part in rel.parts):
                continue
            target = out / rel.with_suffix(".html")
            if target in done:  # a lesson's handout: generated from the notebook above
                continue
            write_atomic(target, _workbook.print_html(page.read_text(encoding="utf-8")).encode("utf-8"))
            written.append(target)
    return written


# ---------------------------------------------------------------------------
# JupyterLab
# ---------------------------------------------------------------------------


def _running_as_root() -> bool:
    geteuid = getattr(os, "geteuid", None)
    return bool(geteuid) and geteuid() == 0


def lab_command(folder: str | os.PathLike[str], *, port: int | None = None, open_browser: bool = True) -> list[str]:
    """The command that starts JupyterLab on a workshop folder and opens the first lesson.

    It uses this Python (so the kernel has campaign_me), serves ``folder``, opens
    ``notebooks/00_start_here.ipynb`` and turns off JupyterLab's news and update checks (a
    room may have no internet). As root (a container), it adds ``--ServerApp.allow_root=True``.

    Examples
    --------
    >>> cmd = lab_command("/tmp/room", port=8890)
    >>> cmd[1:3], "--ServerApp.port=8890" in cmd, "--LabApp.news_url=None" in cmd
    (['-m', 'jupyterlab'], True, True)
    """
    folder = Path(folder).absolute()
    cmd = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={folder}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if port is not None:
        cmd.append(f"--ServerApp.port={int(port)}")
    if not open_browser:
        cmd.append("--no-browser")
    if _running_as_root():
        cmd.append("--ServerApp.allow_root=True")
    first = folder / "notebooks" / FIRST_LESSON
    if first.is_file():
        cmd.append(str(first))
    return cmd


def lab_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment JupyterLab (and so every notebook kernel) is started with.

    A copy of ``environ`` (default ``os.environ``) with ``CAMPAIGN_ME_DATA`` set to the sample
    data when they are found here (beside the package, or in the current folder) and the
    variable is not set already: the working copies live elsewhere, where the notebooks would
    not find the sample data by themselves.

    Examples
    --------
    >>> env = lab_environment({})
    >>> env["CAMPAIGN_ME_DATA"].endswith("samples")
    True
    >>> lab_environment({"CAMPAIGN_ME_DATA": "/my/data"})["CAMPAIGN_ME_DATA"]
    '/my/data'
    """
    env = dict(os.environ if environ is None else environ)
    if not env.get(_DATA_ENV):
        try:
            env[_DATA_ENV] = str(_workbook.sample_data_dir())
        except _workbook.ParameterError:
            pass
    return env


def _has_jupyterlab() -> bool:
    """Whether JupyterLab (the ``workshop`` extra) can be started from this Python."""
    return importlib.util.find_spec("jupyterlab") is not None


def _no_jupyterlab(folder: Path) -> WorkshopError:
    return WorkshopError(
        f"JupyterLab is not installed in this environment ({sys.executable}): campaign_me needs it only for the "
        "workshop, so it is the extra 'workshop', not a requirement. Install it from the project folder with "
        f"`{sys.executable} -m pip install -e \".[workshop]\"` (or `pip install \"campaign_me[workshop]\"` for an "
        f"installed package), then run `campaign-me workshop {folder}` again; the working copies are ready"
    )


def _run_foreground(cmd: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> int:
    """Run JupyterLab until it stops; Ctrl+C goes to JupyterLab (it asks, or stops on a second Ctrl+C)."""
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env))
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue


def running_labs(folder: str | os.PathLike[str]) -> list[dict]:
    """The Jupyter servers running on this computer that serve ``folder``, a folder inside it or one around it.

    Read from Jupyter's runtime files (servers that crashed are left out).
    """
    try:
        list_running_servers = _serverapp.list_running_servers
    except ImportError:  # JupyterLab (the workshop extra) is not installed: no server can run from here
        return []
    folder = Path(folder).expanduser().absolute()
    found = []
    for info in list_running_servers():
        root = Path(info.get("root_dir") or info.get("notebook_dir") or "").expanduser().absolute()
        if folder == root or folder.is_relative_to(root) or root.is_relative_to(folder):
            found.append(info)
    return found


def launch_lab(
    folder: str | os.PathLike[str] | None = None,
    *,
    port: int | None = None,
    open_browser: bool = True,
    runner: Callable[..., int] | None = None,
) -> int:
    """Start JupyterLab on a workshop folder and wait until it stops; returns its exit status.

    The command is :func:`lab_command`, run in ``folder`` with :func:`lab_environment`. If a
    JupyterLab already serves this folder, its address is printed and nothing is started.
    ``runner(cmd, cwd=..., env=...)`` runs the command (tests pass a stand-in).

    Raises
    ------
    WorkshopError
        If the folder has no working copies, or JupyterLab is not installed (it is the
        ``workshop`` extra: ``pip install -e ".[workshop]"``).
    """
    folder = Path(os.path.expanduser(os.fspath(folder))) if folder not in (None, "") else default_folder()
    if not (folder / "notebooks").is_dir():
        raise WorkshopError(f"{str(folder)!r} has no working copies: run `campaign-me workshop {folder}` first")
    for info in running_labs(folder):
        if Path(info.get("root_dir", "")).expanduser().absolute() == folder.absolute():
            url = info.get("url", "")
            token = info.get("token")
            print(f"JupyterLab already serves {folder} (process {info.get('pid')}): open "
                  f"{url}lab{'?token=' + token if token else ''}")
            return 0
    if not _has_jupyterlab():
        raise _no_jupyterlab(folder)
    cmd = lab_command(folder, port=port, open_browser=open_browser)
    env = lab_environment()
    print(f"Starting JupyterLab in {folder} (stop it with File > Shut Down, or Ctrl+C twice here).", flush=True)
    return int((runner or _run_foreground)(cmd, cwd=folder, env=env))


# ---------------------------------------------------------------------------
# the laptop check
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One line of the laptop check: what was checked, PASS or FAIL, what was seen, what to do."""

    name: str
    ok: bool
    detail: str = ""
    fix: str = ""


_INSTALL_FIX = (
    "install campaign_me with the workshop extra into this environment from the project folder: "
    "`.venv/bin/python -m pip install -e \".[workshop]\"` (Windows: `.venv\\Scripts\\python`; offline: add "
    "`--no-index --find-links wheelhouse`); see docs/installation.md"
)
#: JupyterLab is not a requirement of campaign_me (report servers and Dask workers do without it): the
#: ``workshop`` extra installs it.
_WORKSHOP_FIX = (
    "install the workshop extra into this environment: from the project folder `.venv/bin/python -m pip install -e "
    "\".[workshop]\"` (Windows: `.venv\\Scripts\\python`), or `pip install \"campaign_me[workshop]\"` for an "
    "installed package; see docs/installation.md"
)


def check_python(folder: Path) -> Check:
    """Python 3.10 or newer."""
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 10)
    return Check("Python 3.10 or newer", ok, f"Python {version} ({sys.executable})",
                 "" if ok else "install Python 3.11 and make the environment again (docs/installation.md)")


_NOTEBOOK_MODULES = ("campaign_me.workbook", "campaign_me.widgets", "campaign_me.plots", "campaign_me.evaluation",
                     "pandas", "matplotlib", "ipywidgets", "IPython.display", "nbformat", "nbclient")


def check_imports(folder: Path) -> Check:
    """campaign_me and the libraries the notebooks use import."""
    failed = []
    for name in _NOTEBOOK_MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # an import can fail with anything, not only ImportError
            failed.append(f"{name} ({type(exc).__name__}: {exc})")
    name = "campaign_me and the libraries the notebooks use import"
    if failed:
        return Check(name, False, "; ".join(failed), _INSTALL_FIX)
    versions = ", ".join(f"{d} {metadata.version(d)}" for d in ("pandas", "matplotlib", "ipywidgets", "nbclient"))
    return Check(name, True, f"campaign_me {_version()} with {versions}")


def check_notebooks(folder: Path) -> Check:
    """The lesson notebooks are there and readable."""
    name = "the lesson notebooks (00-06) are there"
    try:
        found = lesson_notebooks()
        for nb in found:
            _nbformat.read(nb, as_version=4)
    except Exception as exc:
        return Check(name, False, str(exc), _INSTALL_FIX)
    return Check(name, True, f"{len(found)} lessons in {found[0].parent}")


def check_sample_data(folder: Path) -> Check:
    """The sample data are found, and passed to JupyterLab (the working copies live elsewhere)."""
    name = "the sample data are found"
    fix = ("run `campaign-me workshop` from the project folder, or install campaign_me from a copy of the project "
           f"(`pip install -e \".[workshop]\"`), or set the environment variable {_DATA_ENV} to the project's data/samples folder")
    given = os.environ.get(_DATA_ENV)
    found = lab_environment().get(_DATA_ENV)
    if not found:
        try:
            _workbook.sample_data_dir()
        except _workbook.ParameterError as exc:
            return Check(name, False, str(exc), fix)
        return Check(name, False, "no data/samples folder found", fix)
    path = Path(found)
    if not path.is_dir():
        return Check(name, False, f"{_DATA_ENV}={found!r} is not a folder", fix)
    missing = [f"{c}/survey_{r}.csv" for c in _workbook.SAMPLE_COUNTRIES for r in ("baseline", "endline")
               if not (path / c / f"survey_{r}.csv").is_file()]
    if missing or not (path / "codebook.yaml").is_file():
        return Check(name, False, f"{path}: missing {', '.join(missing or ['codebook.yaml'])}",
                     "copy the project's data/samples folder again")
    if given:
        how = f"the environment variable {_DATA_ENV}"
    elif path == Path(__file__).resolve().parents[1] / "data" / "samples":
        how = f"beside the installed package; JupyterLab gets it as {_DATA_ENV}"
    elif Path.cwd().resolve().is_relative_to(path.parent.parent):
        how = f"in the project folder here; JupyterLab gets it as {_DATA_ENV}"
    else:
        how = f"JupyterLab gets it as {_DATA_ENV}"
    return Check(name, True, f"{path} ({how}): {', '.join(_workbook.SAMPLE_COUNTRIES)}")


def check_folder(folder: Path) -> Check:
    """The workshop folder can be written (and is not someone else's folder)."""
    folder = Path(folder)
    name = "the workshop folder can be written"
    fix = f"choose another folder: `campaign-me workshop --check FOLDER` (default {default_folder()})"
    if folder.exists() and not folder.is_dir():
        return Check(name, False, f"{folder} is a file, not a folder", fix)
    if folder.is_dir() and not (folder / MANIFEST).is_file() and any(
            not p.name.startswith(".") for p in folder.iterdir()):
        return Check(name, False, f"{folder} is not empty and is not a workshop folder (no {MANIFEST})", fix)
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    try:
        probe = Path(tempfile.mkdtemp(prefix=".campaign_me_check-", dir=existing))
        (probe / "probe.txt").write_text("ok", encoding="utf-8")
        shutil.rmtree(probe)
    except OSError as exc:
        return Check(name, False, f"cannot write in {existing}: {exc.strerror or exc}", fix)
    free = shutil.disk_usage(existing).free
    state = "exists" if folder.is_dir() else f"will be made in {existing}"
    detail = f"{folder} ({state}), {free / 1024**3:.1f} GB free"
    if free < _MIN_FREE_BYTES:
        return Check(name, False, detail, "free at least 200 MB of disk space (executed notebooks grow)")
    return Check(name, True, detail)


def check_charts(folder: Path) -> Check:
    """matplotlib draws a chart without a display or a network."""
    name = "charts are drawn (matplotlib, offline)"
    try:
        Figure, FigureCanvasAgg = _mpl_figure.Figure, _mpl_agg.FigureCanvasAgg
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            fig = Figure(figsize=(3, 2), dpi=72)
            FigureCanvasAgg(fig)
            ax = fig.subplots()
            ax.bar(["Aroland", "Belmora", "Corvia"], [48.3, 26.4, 12.0])
            ax.set_title("Exposed to the campaign (%) – a test")
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
        png = buffer.getvalue()
    except Exception as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}",
                     "reinstall matplotlib into this environment (`pip install --force-reinstall matplotlib`); if "
                     "its cache folder cannot be written, set MPLCONFIGDIR to a folder you can write to")
    if not png.startswith(b"\x89PNG") or len(png) < 500:
        return Check(name, False, "the chart came out empty", "reinstall matplotlib into this environment")
    warned = "; ".join(sorted({str(w.message)[:100] for w in seen}))
    return Check(name, True, f"a {len(png) // 1024 + 1} KB PNG" + (f" (warnings: {warned})" if warned else ""))


def check_jupyterlab(folder: Path) -> Check:
    """JupyterLab 4 is installed in this environment (the ``workshop`` extra)."""
    name = "JupyterLab 4 is installed"
    try:
        version = metadata.version("jupyterlab")
        _jupyterlab.load()
    except Exception as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}", _WORKSHOP_FIX)
    if int(version.split(".")[0]) < 4:
        return Check(name, False, f"JupyterLab {version}", _WORKSHOP_FIX)
    return Check(name, True, f"JupyterLab {version}")


WIDGETS_EXTENSION = "@jupyter-widgets/jupyterlab-manager"


def check_widgets(folder: Path) -> Check:
    """ipywidgets 8 and JupyterLab's widgets extension (the calculators' sliders) are installed and enabled."""
    name = "the widgets (sliders) extension is installed"
    fix = ("install them into this environment: `pip install 'ipywidgets>=8.1' 'jupyterlab_widgets>=3'`; without them "
           "the calculators show a table and a figure but no sliders")
    try:
        widgets_version = metadata.version("ipywidgets")
        paths = _jupyter_paths.jupyter_path("labextensions")
        extensions = _lab_config.get_federated_extensions(paths)
        disabled = _lab_config.get_page_config(paths).get("disabledExtensions") or []
    except Exception as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}", fix)
    if int(widgets_version.split(".")[0]) < 8:
        return Check(name, False, f"ipywidgets {widgets_version}", fix)
    if WIDGETS_EXTENSION not in extensions:
        return Check(name, False, f"ipywidgets {widgets_version}, but no {WIDGETS_EXTENSION} in {', '.join(paths)}", fix)
    off = disabled.get(WIDGETS_EXTENSION) if isinstance(disabled, dict) else WIDGETS_EXTENSION in disabled
    if off:
        return Check(name, False, f"{WIDGETS_EXTENSION} is disabled",
                     f"enable it: `jupyter labextension enable {WIDGETS_EXTENSION}`")
    ext = extensions[WIDGETS_EXTENSION]
    return Check(name, True, f"ipywidgets {widgets_version}, {WIDGETS_EXTENSION} {ext['version']} ({ext['ext_dir']})")


# What the kernel check runs in a notebook kernel: which Python it is, then what the lessons need.
_KERNEL_CELLS = (
    "import json, sys\nprint(json.dumps({'prefix': sys.prefix, 'python': sys.executable}))",
    "import json, campaign_me, campaign_me.widgets, ipywidgets\n"
    "import matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots(figsize=(2, 1))\n"
    "ax.plot([0, 1], [0, 1])\n"
    "plt.show()\n"
    "print(json.dumps({'campaign_me': campaign_me.__version__, 'ipywidgets': ipywidgets.__version__}))",
)

_KERNEL_SCRIPT = r"""
import json, sys, tempfile
import nbformat
from nbclient import NotebookClient
kernel, timeout, cells = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
result = {"kernel": kernel}
try:
    with tempfile.TemporaryDirectory() as cwd:
        NotebookClient(nb, kernel_name=kernel, timeout=timeout, startup_timeout=timeout, allow_errors=True,
                       resources={"metadata": {"path": cwd}}).execute()
    result["outputs"] = [cell.outputs for cell in nb.cells]
except Exception as exc:
    result["error"] = f"{type(exc).__name__}: {exc}"
print("CAMPAIGN_ME_KERNEL_CHECK " + json.dumps(result, default=str))
"""


def _lesson_kernel() -> str:
    """The kernel the lessons ask for (their kernelspec name), normally ``python3``."""
    try:
        first = lesson_notebooks()[0]
        meta = json.loads(first.read_text(encoding="utf-8")).get("metadata", {})
        return str(meta.get("kernelspec", {}).get("name") or "python3")
    except Exception:
        return "python3"


def _kernel_spec(kernel: str) -> tuple[str, str] | None:
    """(folder of the kernel's definition, the Python it runs) as Jupyter finds them, or None."""
    try:
        spec = _kernelspec.KernelSpecManager().get_kernel_spec(kernel)
    except Exception:
        return None
    program = spec.argv[0] if spec.argv else ""
    if program in {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}:
        program = sys.executable  # what Jupyter runs for these names
    return spec.resource_dir, program


def check_kernel(folder: Path, *, timeout: float = 180.0, run: Callable[..., subprocess.CompletedProcess] | None = None
                 ) -> Check:
    """A notebook kernel runs a cell: the lessons' kernel is this environment's, imports campaign_me, draws a chart."""
    kernel = _lesson_kernel()
    name = f"a notebook kernel ('{kernel}') runs a cell"
    register = (f"make this environment's Python the notebooks' kernel: `{sys.executable} -m ipykernel install --user "
                f"--name {kernel}`, or choose it in JupyterLab (Kernel > Change Kernel)")
    cmd = [sys.executable, "-c", _KERNEL_SCRIPT, kernel, str(timeout), json.dumps(list(_KERNEL_CELLS))]
    env = lab_environment()
    try:
        done = (run or subprocess.run)(cmd, capture_output=True, text=True, timeout=timeout + 60, env=env)
    except subprocess.TimeoutExpired:
        return Check(name, False, f"no answer within {timeout + 60:.0f} s",
                     "run the check again (the first start of a kernel is slow); if it fails again, restart the laptop")
    line = next((x for x in reversed(done.stdout.splitlines()) if x.startswith("CAMPAIGN_ME_KERNEL_CHECK ")), None)
    if line is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return Check(name, False, "the kernel check did not run: " + " | ".join(tail), _INSTALL_FIX)
    result = json.loads(line.split(" ", 1)[1])
    if "error" in result:
        detail = result["error"][:300]
        spec = _kernel_spec(kernel)
        elsewhere = spec is not None and not _same_python(spec[1])
        if spec is not None:
            detail += f" (the kernel '{kernel}' is defined in {spec[0]} and runs {spec[1]})"
        no_kernel = spec is None or "NoSuchKernel" in result["error"] or "No such kernel" in result["error"]
        if elsewhere:
            register += f" (or delete the folder {spec[0]})"
        return Check(name, False, detail, register if no_kernel or elsewhere else
                     "restart the laptop and run the check again; if it fails again, reinstall (docs/installation.md)")
    outputs = result["outputs"]
    who = next((json.loads(o["text"]) for o in outputs[0] if o.get("name") == "stdout"), {})
    errors = [o for cell in outputs for o in cell if o.get("output_type") == "error"]
    other_python = who.get("prefix") not in (None, sys.prefix)
    if errors:
        error = errors[0]
        detail = f"{error.get('ename')}: {error.get('evalue')}"
        if other_python:
            detail += f" (the kernel runs {who.get('python')}, not this environment's {sys.executable})"
        return Check(name, False, detail, register if other_python or error.get("ename") == "ModuleNotFoundError"
                     else _INSTALL_FIX)
    versions = next((json.loads(o["text"].strip().splitlines()[-1]) for o in outputs[1] if o.get("name") == "stdout"), {})
    chart = any("image/png" in o.get("data", {}) for o in outputs[1])
    if not chart:
        return Check(name, False, "the cell ran but showed no chart (matplotlib's inline backend)",
                     "reinstall into this environment: `pip install --force-reinstall matplotlib-inline ipykernel`")
    where = f"Python {who.get('python')}" + (" (another environment)" if other_python else "")
    return Check(name, True, f"{where}: campaign_me {versions.get('campaign_me')}, ipywidgets "
                             f"{versions.get('ipywidgets')}, a chart drawn")


def _same_python(program: str) -> bool:
    """Whether ``program`` is this environment's Python (same folder of programs, links resolved or not)."""
    found = shutil.which(program) or program
    return Path(found).parent.resolve() == Path(sys.executable).parent.resolve()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_server(folder: Path, *, timeout: float = 90.0, popen: Callable[..., subprocess.Popen] | None = None,
                 fetch: Callable[[str], str] | None = None) -> Check:
    """JupyterLab's server starts and serves its page (on a free port, in a scratch folder, then stopped)."""
    name = "JupyterLab starts and serves its page"
    token = secrets.token_hex(16)
    port = _free_port()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # localhost: never through a proxy

    def _fetch(url: str) -> str:
        with opener.open(url, timeout=3) as response:
            return response.read().decode("utf-8", errors="replace")

    fetch = fetch or _fetch
    with tempfile.TemporaryDirectory(prefix="campaign_me_lab_check-", ignore_cleanup_errors=True) as scratch:
        runtime = Path(scratch) / "runtime"
        runtime.mkdir()
        cmd = lab_command(scratch, open_browser=False) + [
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
        ]
        env = dict(lab_environment(), JUPYTER_RUNTIME_DIR=str(runtime))
        log = Path(scratch) / "lab.log"
        started = time.monotonic()
        with open(log, "wb") as out:
            try:
                proc = (popen or subprocess.Popen)(cmd, cwd=scratch, env=env, stdout=out, stderr=subprocess.STDOUT)
            except OSError as exc:
                return Check(name, False, f"could not start {cmd[0]}: {exc}", _INSTALL_FIX)
            page, exited = None, None
            try:
                while time.monotonic() - started < timeout:
                    exited = proc.poll()
                    if exited is not None:
                        break
                    try:
                        page = fetch(f"http://127.0.0.1:{port}/lab?token={token}")
                        break
                    except Exception:
                        time.sleep(0.25)
            finally:
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(timeout=10)
        seconds = time.monotonic() - started
        lines = [x for x in log.read_text(encoding="utf-8", errors="replace").splitlines() if x.strip()]
    if page is None:
        problem = next((x for x in lines if "[C " in x or "[E " in x or "Error" in x), lines[-1] if lines else "")
        why = f"it stopped (exit status {exited})" if exited is not None else f"no page within {timeout:.0f} s"
        return Check(name, False, f"{why}: {problem.strip()[:300]}",
                     "read the message; a security program may block local connections (allow Python), or "
                     "reinstall JupyterLab (docs/installation.md)")
    widgets = " with the widgets extension" if WIDGETS_EXTENSION in page else " (without the widgets extension)"
    return Check(name, True, f"started in {seconds:.1f} s and served its page{widgets}")


#: The laptop check, in the order it runs: fast checks first, then a kernel and a JupyterLab server.
CHECKS: tuple[Callable[[Path], Check], ...] = (
    check_python,
    check_imports,
    check_notebooks,
    check_sample_data,
    check_folder,
    check_charts,
    check_jupyterlab,
    check_widgets,
    check_kernel,
    check_server,
)


def laptop_check(folder: str | os.PathLike[str] | None = None,
                 checks: Sequence[Callable[[Path], Check]] | None = None,
                 *, progress: Callable[[Check], None] | None = None) -> list[Check]:
    """Check that this laptop has everything the workshop room needs; one :class:`Check` per item.

    By default (:data:`CHECKS`): Python; campaign_me and the libraries the notebooks use
    import; the lesson notebooks are there; the sample data are found from the workshop folder;
    the workshop folder can be written; matplotlib draws offline; JupyterLab 4 is installed;
    the widgets extension is installed and enabled; a notebook kernel (the lessons' own) runs a
    cell that imports campaign_me and draws a chart; JupyterLab's server starts and serves its
    page. Nothing is copied; the last two take some seconds each. A check that breaks
    unexpectedly is a FAIL, not a crash. ``progress`` is called with each result as it comes.

    Examples
    --------
    >>> import tempfile
    >>> [c.ok for c in laptop_check(tempfile.mkdtemp(), checks=[check_python, check_charts])]
    [True, True]
    """
    folder = Path(os.path.expanduser(os.fspath(folder))) if folder not in (None, "") else default_folder()
    results = []
    for check in CHECKS if checks is None else checks:
        try:
            result = check(folder)
        except Exception as exc:
            what = (check.__doc__ or getattr(check, "__name__", "check")).strip().splitlines()[0].rstrip(".")
            result = Check(what, False, f"the check itself failed: {type(exc).__name__}: {exc}",
                           "report it to the trainer with the output of `pip list`")
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def format_check(check: Check) -> str:
    """One check as printed: ``PASS  name: detail``, and for a failure a ``what to do`` line.

    Examples
    --------
    >>> print(format_check(Check("charts are drawn", False, "no PNG", "reinstall matplotlib")))
    FAIL  charts are drawn: no PNG
          what to do: reinstall matplotlib
    """
    line = f"{'PASS' if check.ok else 'FAIL'}  {check.name}" + (f": {check.detail}" if check.detail else "")
    if not check.ok and check.fix:
        line += f"\n      what to do: {check.fix}"
    return line


def format_checks(results: Sequence[Check]) -> str:
    """The closing line of the laptop check: all passed, or how many failed and what next.

    Examples
    --------
    >>> format_checks([Check("a", True), Check("b", False)])
    '1 of 2 checks failed: do what the FAIL lines say, then run `campaign-me workshop --check` again.'
    """
    failed = sum(not c.ok for c in results)
    if not failed:
        return f"All {len(results)} checks passed: this laptop is ready for the workshop."
    return (f"{failed} of {len(results)} checks failed: do what the FAIL lines say, then run "
            "`campaign-me workshop --check` again.")
