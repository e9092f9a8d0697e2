"""One report run's life cycle, shared by the country reports and the regional synthesis.

Whatever a run makes (a country's report, the regional synthesis), it goes through the same named
steps, those of papermill's own ``execute_notebook`` (parameterize, prepare, execute, raise, write)
around a staging folder and a results store:

1. :meth:`ReportRun.prepare`: the staging folders of runs that are gone are removed, and what they
   left half-done settled (:func:`clean_staging`); the run's own staging folder
   ``<out>/.staging/<run_id>/`` is made.
2. :meth:`ReportRun.parameterize`: the values the runner passes, in the types each notebook
   declares, then the parameters given by the user (which win).
3. :meth:`ReportRun.execute`: the notebook executed by papermill in a fresh kernel, started and
   warmed up ahead of time (:class:`~campaign_me.report.kernel.WarmKernel`), while the HTML renderer
   is prepared in the background (:func:`~campaign_me.report.render.prepare_renderer`). A notebook
   that fails is kept under ``<target>/failed/``, the failed run recorded, and
   :class:`ReportExecutionError` raised.
4. :meth:`ReportRun.render`: the executed notebook as standalone HTML, in the staging folder.
5. :meth:`ReportRun.write`: ``index.html``, ``run.json`` and the marker that makes the folder a report.
6. :meth:`ReportRun.commit`: the run recorded as ``pending`` (with its results), the report moved
   into place, the run set to ``ok``; a fault at any step leaves the previous report in place and
   no ``ok`` run in the store.
7. :meth:`ReportRun.close` (the end of a ``with`` block): kernels stopped, the staging folder
   removed (kept only when the store and the folder could not be brought back into agreement: the
   next run settles it).

Nothing in ``<out>`` outside the staging folder changes before step 6, so a failed run never
destroys the previous good report.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..deferred import Deferred
from ..errors import CampaignMeError
from .kernel import WarmKernel, engine_name, import_once, notebook_imports
from .notebooks import ReportError, notebook_parameters
from .render import prepare_renderer, render_html, write_index
from .store import ResultsStore

# deferred: papermill takes 1 to 4 s to import (nbclient, nbformat, jsonschema) and is needed only
# once the inputs are checked; the tests replace papermill.execute_notebook, looked up at each call
pm = Deferred("papermill")
pm_exceptions = Deferred("papermill.exceptions")  # deferred: part of papermill (above)

__all__ = [
    "DEFAULT_STORE",
    "FOREIGN_STAGING_AGE",
    "UNOWNED_STAGING_AGE",
    "ReportExecutionError",
    "ReportResult",
    "ReportRun",
    "clean_staging",
    "new_run_id",
    "open_store",
    "utc_now",
]

#: File name of the results store inside the output folder.
DEFAULT_STORE = "results.sqlite"
_MARKER = ".campaign_me_report"
#: ipykernel's own log at error level: its start-up notices would otherwise fill the terminal.
_QUIET_KERNEL = ["--IPKernelApp.log_level=CRITICAL"]


class ReportExecutionError(CampaignMeError):
    """A report notebook raised an error while executing; the failed notebook was kept.

    Attributes ``country``, ``notebook``, ``cell`` (execution count, as Jupyter shows ``In [n]``),
    ``error`` (``"ZeroDivisionError: division by zero"``) and ``failed_path``.
    """

    def __init__(self, country: str, notebook: str, cell: Any, error: str, failed_path: Path):
        self.country, self.notebook, self.cell, self.error, self.failed_path = (
            country, notebook, cell, error, failed_path)
        super().__init__(
            f"{country}: {notebook} failed at cell In [{cell}]: {error} "
            f"(executed notebook kept in {failed_path})"
        )


@dataclass(frozen=True)
class ReportResult:
    """What one report run produced."""

    country: str
    status: str  # "ok" or "failed"
    report_dir: Path
    seconds: float
    run_id: str
    files: tuple[Path, ...] = ()
    error: str = ""
    results: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"country": self.country, "status": self.status, "seconds": round(self.seconds, 1),
                "report": str(self.report_dir / "index.html") if self.status == "ok" else "",
                "error": self.error, "run_id": self.run_id}


def _as_declared(value: Any, declared: Any) -> Any:
    """A runner-made parameter value in the type a notebook declares it: a list as ``"a,b"`` for ``str``."""
    kind = getattr(declared, "type", "").replace(" ", "")
    if kind == "str" and isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if kind in ("list", "tuple") and isinstance(value, str):
        return [v for v in value.split(",") if v] if value else []
    return value


def utc_now() -> str:
    """The time now, UTC, in ISO format to the microsecond (the results store orders runs by it)."""
    # microseconds: the store orders a country's runs by these stamps, and two runs (a retry, a
    # batch) can start and finish within one second
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")



# -- staging folders ---------------------------------------------------------------------------
#
# A run works in ``<out>/.staging/<run_id>/``: ``owner.json`` (process id, host, start time, run id,
# target folder), ``report/`` (the report being made) and, while the report is moved into place,
# ``previous/`` (the report it replaces). Nothing else in ``<out>`` changes until the report is
# complete. A run that was killed leaves its folder behind; the next run removes it once its owner
# is known to be gone (:func:`clean_staging`), and settles what the killed run left half-done.

_OWNER = "owner.json"
#: Seconds after which the staging folder of a run on another machine (a Dask worker writing to the
#: same shared folder, whose process cannot be checked from here) is taken as abandoned.
FOREIGN_STAGING_AGE = 7 * 24 * 3600.0
#: Seconds after which a staging folder without an owner file (an older campaign_me's) is removed.
UNOWNED_STAGING_AGE = 24 * 3600.0


def _hostname() -> str:
    """This machine, as far as process ids go: the host name, and on Linux the process-id namespace
    (containers that share a host name but not their processes are different machines here)."""
    name = socket.gethostname() or "localhost"
    try:
        return f"{name}/pidns:{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return name


def _process_alive(pid: int, since: float) -> bool:
    """Whether process ``pid`` of this machine runs and was started by ``since`` (not a reused id)."""
    try:
        import psutil  # deferred: optional dependency
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        psutil = None
    if psutil is not None:
        try:
            proc = psutil.Process(pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                return False
            # A process started after the folder was made reuses the id of the one that made it. (The
            # margin errs towards "alive": a clock set forward must not make a live run look gone.)
            return proc.create_time() <= since + 600.0
        except psutil.NoSuchProcess:
            return False
        except psutil.Error:  # access denied: it exists
            return True
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would end the process on Windows
        return True
    try:  # pragma: no cover
        os.kill(pid, 0)
    except ProcessLookupError:  # pragma: no cover
        return False
    except OSError:  # pragma: no cover - it exists, owned by someone else
        return True
    return True  # pragma: no cover


def _new_workspace(out_path: Path, run_id: str, target: Path) -> Path:
    """Create ``<out>/.staging/<run_id>/`` with its owner file and an empty ``report/`` folder."""
    root = out_path / ".staging"
    ws = root / run_id
    for attempt in range(5):
        try:
            root.mkdir(parents=True, exist_ok=True)
            ws.mkdir()
            break
        except FileNotFoundError:  # another run removed the empty .staging folder in between
            if attempt == 4:
                raise
    owner = {"run_id": run_id, "target": target.name, "pid": os.getpid(), "host": _hostname(),
             "created": time.time()}
    try:
        (ws / _OWNER).write_text(json.dumps(owner), encoding="utf-8")
        (ws / "report").mkdir()
    except BaseException:
        shutil.rmtree(ws, ignore_errors=True)
        raise
    return ws


def _remove_workspace(ws: Path) -> None:
    """Remove a staging folder, its owner file last (a half-removed folder still names its owner)."""
    for part in ("report", "previous"):
        shutil.rmtree(ws / part, ignore_errors=True)
    shutil.rmtree(ws, ignore_errors=True)


def _read_owner(ws: Path) -> dict[str, Any] | None:
    try:
        owner = json.loads((ws / _OWNER).read_text(encoding="utf-8"))
        int(owner["pid"]), float(owner["created"]), str(owner["host"]), str(owner["run_id"])
        return owner
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _last_change(path: Path) -> float:
    times = [path.stat().st_mtime]
    for p in path.iterdir():
        try:
            times.append(p.stat().st_mtime)
        except OSError:
            pass
    return max(times)


def _abandoned(ws: Path, owner: dict[str, Any] | None, now: float) -> bool:
    """Whether no live run owns the staging folder ``ws``."""
    if owner is None:  # an older version's folder, or one being created right now
        try:
            return now - _last_change(ws) > UNOWNED_STAGING_AGE
        except OSError:
            return False
    if owner["host"] == _hostname():
        return not _process_alive(int(owner["pid"]), float(owner["created"]))
    return now - float(owner["created"]) > FOREIGN_STAGING_AGE


def _settle(ws: Path, owner: dict[str, Any], out_path: Path, db: Any) -> None:
    """Finish what a killed run left: its report is in place (the store's pending run becomes ok) or
    not (a previous report moved aside is put back, a pending run becomes failed)."""
    run_id, name = str(owner["run_id"]), str(owner.get("target", ""))
    if not name or name != Path(name).name or name.startswith("."):
        return
    target = out_path / name
    try:
        in_place = (target / _MARKER).read_text(encoding="utf-8").strip() == run_id
    except OSError:
        in_place = False
    previous = ws / "previous"
    if not in_place and previous.is_dir() and not target.exists():
        previous.rename(target)  # killed between moving the old report aside and the new one in
    if db is not None:
        if in_place:
            db.set_status(run_id, "ok", only_if="pending")
        else:
            db.set_status(run_id, "failed", only_if="pending",
                          error="interrupted: the run stopped before its report was in place")


def clean_staging(out: str | os.PathLike[str], *, store: Any = None, now: float | None = None) -> list[str]:
    """Remove the staging folders of runs that are gone from ``<out>/.staging``; return their names.

    A folder is removed when its owner process (recorded in ``owner.json``) no longer runs on this
    machine; a folder of another machine (Dask workers sharing ``out``) after
    :data:`FOREIGN_STAGING_AGE`, one without an owner file after :data:`UNOWNED_STAGING_AGE`. The
    folders of live runs, in this process or another, are never touched. What a killed run left
    half-done is settled first: a report moved aside is put back, and in ``store`` (a
    :class:`~campaign_me.report.ResultsStore`) a run left ``pending`` becomes ``ok`` if its report
    is in place and ``failed`` otherwise. :func:`run_report` and :func:`run_synthesis` call it
    before they start.

    Examples
    --------
    >>> import tempfile
    >>> clean_staging(tempfile.mkdtemp())
    []
    """
    out_path = Path(out)
    root = out_path / ".staging"
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    removed = []
    for ws in sorted(root.iterdir()):
        if not ws.is_dir():
            continue
        owner = _read_owner(ws)
        if not _abandoned(ws, owner, now):
            continue
        if owner is not None:
            try:
                _settle(ws, owner, out_path, store)
            except Exception:  # the store or the folder cannot be settled now: keep it for the next run
                continue
        _remove_workspace(ws)
        if not ws.exists():
            removed.append(ws.name)
    try:
        root.rmdir()
    except OSError:
        pass
    return removed


def _check_replaceable(target: Path) -> None:
    """A folder may be replaced only if it is a report (or holds nothing but a failed run's notebooks)."""
    if target.exists() and not (target / _MARKER).is_file():
        if not (target.is_dir() and {p.name for p in target.iterdir()} <= {"failed"}):
            raise ReportError(f"{target} exists and is not a campaign_me report: not replacing it; "
                              "choose another --out")


def _swap_in(ws: Path, target: Path) -> None:
    """Move ``ws/report`` to ``target``; a previous report goes to ``ws/previous`` (put back on failure)."""
    _check_replaceable(target)
    previous = ws / "previous"
    had = target.exists()
    if had:
        target.rename(previous)
    try:
        (ws / "report").rename(target)
    except BaseException:
        if had:
            previous.rename(target)
        raise


def _swap_out(ws: Path, target: Path) -> None:
    """Undo :func:`_swap_in`: the new report back to ``ws/report``, the previous one back in place."""
    target.rename(ws / "report")
    if (ws / "previous").exists():
        (ws / "previous").rename(target)


class _Unsettled(ReportError):
    """The store and the folder could not be brought back into agreement: keep the staging folder."""


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def _quietly(fn: Any, *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:
        pass


def _commit(ws: Path, target: Path, db: Any, run: dict[str, Any], results: pd.DataFrame | None) -> None:
    """Record the run and move its report into place so that the store and the folder agree.

    The run is recorded as ``pending`` (with its results) first; then the report is moved into
    place; then the run is set to ``ok``. If the store cannot record the run, nothing is moved. If
    the report cannot be moved, the previous one stays and the run is set to ``failed``. If the run
    cannot be set to ``ok``, the move is undone. A ``pending`` run is never a result
    (:meth:`ResultsStore.results` reads ``ok`` runs only).
    """
    run_id, country = run["run_id"], run["country"]
    kept = "the previous report is unchanged" if target.exists() else "no report was written"
    if db is None:
        try:
            _swap_in(ws, target)
        except OSError as exc:
            raise ReportError(f"{country}: the report could not be moved into {target} ({_one_line(exc)}); "
                              f"{kept}") from None
        return
    try:
        db.record_run({**run, "status": "pending"}, results)
    except Exception as exc:
        raise ReportError(f"{country}: the results store {db.location} could not record run {run_id} "
                          f"({_one_line(exc)}); the report was not put in place and {kept}") from None
    try:
        _swap_in(ws, target)
    except BaseException as exc:
        error = f"the report could not be moved into {target} ({_one_line(exc)}); {kept}"
        _quietly(db.set_status, run_id, "failed", error=error, finished=utc_now(), only_if="pending")
        if not isinstance(exc, Exception):
            raise
        raise ReportError(f"{country}: {error}") from None
    try:
        if not db.set_status(run_id, "ok", only_if="pending"):
            raise ReportError(f"run {run_id} is no longer pending in the results store")
    except BaseException as exc:
        try:
            _swap_out(ws, target)
        except BaseException as undo:
            raise _Unsettled(
                f"{country}: run {run_id} could not be set to ok in the results store {db.location} "
                f"({_one_line(exc)}) and the report could not be taken back ({_one_line(undo)}); "
                f"the next run in {target.parent} settles it") from None
        error = f"the results store could not set the run to ok ({_one_line(exc)}); {kept}"
        # (whatever the store holds now, perhaps ok if only its answer was lost: the report is not in place)
        _quietly(db.set_status, run_id, "failed", error=error, finished=utc_now())
        if not isinstance(exc, Exception):
            raise
        raise ReportError(f"{country}: {error}") from None


def _keep_failed(country_dir: Path, failed_nb: Path, name: str) -> Path:
    """Keep the failed notebook under ``<country>/failed/``; a previous report stays untouched."""
    failed_dir = country_dir / "failed"
    failed_dir.mkdir(parents=True, exist_ok=True)
    target = failed_dir / name
    tmp = failed_dir / f".{name}.{uuid.uuid4().hex[:8]}"
    shutil.copyfile(failed_nb, tmp)
    os.replace(tmp, target)
    return target


def _record_failure(store, run: dict[str, Any], err: ReportExecutionError) -> None:
    """Record a failed run; a store that cannot record it is named in the error, which still says why."""
    if store is None:
        return
    try:
        store.record_run(run, None)
    except Exception as exc:
        err.args = (f"{err.args[0]} (the results store could not record the failure: {_one_line(exc)})",)


def open_store(store: Any, out: Path) -> ResultsStore | None:
    """The results store a run records into: ``"default"`` is ``<out>/results.sqlite``; None or False none."""
    if store is False or store is None:
        return None
    if store == "default":
        return ResultsStore(out / DEFAULT_STORE)
    if isinstance(store, ResultsStore):
        return store
    return ResultsStore(store)


def new_run_id(name: str) -> str:
    """A run id: the report's name, the UTC start time and a random suffix (``aroland-20261207T215600-1a2b3c``)."""
    return f"{name}-{_dt.datetime.now(_dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


class ReportRun:
    """One run of report notebooks, from a staging folder to the report in place (see the module docstring).

    Use it as a context manager: leaving the ``with`` block, whether the run succeeded or not, is
    :meth:`close`. The steps are called in order; a country report calls :meth:`execute` and
    :meth:`render` once per notebook.

    Parameters
    ----------
    name : str
        The report's folder under ``out`` (a country id, ``"synthesis"``); also the name errors give.
    out : Path
        The output folder (resolved).
    notebooks : sequence of Path
        The notebooks the run executes, in order.
    run_id : str, optional
        Default :func:`new_run_id`.
    kernel_name, progress, timeout
        As in :func:`~campaign_me.report.run_report`.
    warm : bool, default False
        Start each notebook's fresh kernel ahead of time (:meth:`warm_up`).
    warm_modules : sequence of str
        Modules a warm kernel imports besides the notebook's own imports: the heavy dependencies that
        the package imports on first use (:class:`campaign_me.deferred.Deferred`), which the notebook
        would otherwise import while it runs.

    Attributes
    ----------
    record : dict or None
        The run as the results store records it (set by the caller once the inputs are known);
        ``None`` with no store.
    files : list of (label, file name)
        What the report holds, for the index page, in order.
    """

    def __init__(self, name: str, *, out: Path, notebooks: Sequence[Path], run_id: str | None = None,
                 kernel_name: str = "python3", progress: bool = True, timeout: float = 600, warm: bool = False,
                 warm_modules: Sequence[str] = ()):
        self.name = name
        self.out = out
        self.target = out / name
        self.notebooks = list(notebooks)
        self.run_id = run_id or new_run_id(name)
        self.started = utc_now()
        self.kernel_name, self.progress, self.timeout, self.warm = kernel_name, progress, timeout, warm
        self.warm_modules = tuple(warm_modules)
        self.store: ResultsStore | None = None
        self.record: dict[str, Any] | None = None
        self.files: list[tuple[str, str]] = []
        self.workspace: Path | None = None
        self._kernels: dict[int, WarmKernel] = {}
        self._committing = False
        self._keep_workspace = False

    # -- the steps ------------------------------------------------------------------------------

    def warm_up(self, i: int) -> None:
        """Start notebook ``i``'s own kernel and import its modules (and :attr:`warm_modules`) in the background
        (if ``warm``)."""
        if self.warm and i < len(self.notebooks) and i not in self._kernels:
            modules = list(dict.fromkeys([*notebook_imports(self.notebooks[i]), *self.warm_modules]))
            self._kernels[i] = WarmKernel(self.kernel_name, modules, extra_arguments=_QUIET_KERNEL)

    def prepare(self, store: ResultsStore | None = None) -> Path:
        """Settle and remove what runs that are gone left; make this run's staging folder; return it.

        ``store`` (an open :class:`~campaign_me.report.ResultsStore`, or None) is where the run is
        recorded and where the pending runs of killed runs are settled.
        """
        self.store = store
        clean_staging(self.out, store=store)
        self.workspace = _new_workspace(self.out, self.run_id, self.target)
        return self.workspace

    @property
    def staging(self) -> Path:
        """The folder the report is made in: ``<out>/.staging/<run_id>/report``."""
        if self.workspace is None:
            raise ReportError(f"{self.name}: the run has no staging folder yet (call prepare first)")
        return self.workspace / "report"

    def parameterize(self, notebook: Path, values: dict[str, Any], given: dict[str, Any] | None = None) -> dict[str, Any]:
        """The papermill parameters of ``notebook``: ``values`` (the runner's) that it declares, in the types it
        declares them (a list as ``"a,b"`` for a ``str``), then ``given`` (checked and typed; they win)."""
        names = notebook_parameters(notebook)
        params = {k: _as_declared(v, names[k]) for k, v in values.items() if k in names}
        params.update(given or {})
        return params

    def execute(self, i: int, parameters: dict[str, Any]) -> Any:
        """Execute notebook ``i`` into the staging folder and return it (a ``nbformat`` node).

        The next notebook's kernel is warmed up meanwhile, and the HTML renderer prepared. If the
        notebook fails (an error in a cell, a cell timeout, a kernel that died), the executed notebook is
        kept under ``<target>/failed/``, the failed run recorded, and :class:`ReportExecutionError`
        raised (papermill's "raise" step, with the cell and error named).
        """
        notebook = self.notebooks[i]
        output = self.staging / notebook.name
        km = self._kernels[i].manager() if i in self._kernels else None
        self.warm_up(i + 1)
        prepare_renderer()  # nbconvert imported while the kernel works, not after it
        import_once("papermill")  # (imported already when the parameters were read)
        engine = {"engine_name": engine_name(), "km": km} if km is not None else {}
        try:
            return pm.execute_notebook(
                str(notebook), str(output), parameters=parameters, kernel_name=self.kernel_name,
                progress_bar=self.progress, request_save_on_cell_execute=True,  # a timeout keeps what ran
                extra_arguments=_QUIET_KERNEL, execution_timeout=self.timeout, **engine,
            )
        except pm_exceptions.PapermillExecutionError as exc:
            failed = _keep_failed(self.target, output, notebook.name)
            error = f"{exc.ename}: {exc.evalue}".strip().rstrip(":")
            raise self._failed(notebook.name, exc.exec_count, error, failed) from None
        except Exception as exc:  # a cell timeout, a kernel that died: no cell error in the notebook
            failed = _keep_failed(self.target, output, notebook.name) if output.is_file() else output
            raise self._failed(notebook.name, "?", _one_line(exc), failed) from None

    def render(self, nb: Any, notebook: Path, *, title: str, labels: tuple[str, str] | None = None) -> Path:
        """The executed notebook as HTML beside it; both are listed in :attr:`files` (``labels``: their lines
        on the index page, default ``"<stem> (report)"`` and ``"<stem> (executed notebook)"``)."""
        html_name = notebook.stem + ".html"
        path = render_html(nb, self.staging / html_name, title=title)
        report, executed = labels or (f"{notebook.stem} (report)", f"{notebook.stem} (executed notebook)")
        self.files += [(report, html_name), (executed, notebook.name)]
        return path

    def write(self, *, title: str, metadata: dict[str, Any], run_json: dict[str, Any] | None = None) -> None:
        """Write ``index.html`` (the :attr:`files` and ``metadata``), ``run.json`` (if given) and the marker."""
        write_index(self.staging, title=title, metadata=metadata, files=self.files)
        if run_json is not None:
            (self.staging / "run.json").write_text(json.dumps(run_json, indent=1, default=str), encoding="utf-8")
        (self.staging / _MARKER).write_text(self.run_id, encoding="utf-8")

    def commit(self, results: pd.DataFrame | None = None) -> None:
        """Record the run (with ``results``) and move the report into place, so that store and folder agree.

        With a store, the run is recorded as ``pending`` (with its results), the report moved into place,
        then the run set to ``ok``; any fault leaves the previous report in place and no ``ok`` run.
        Without one (the synthesis, ``store=None``), the report is moved into place.
        """
        if self.workspace is None:
            raise ReportError(f"{self.name}: nothing to commit (call prepare first)")
        _check_replaceable(self.target)  # before anything is recorded
        record = self.record if self.record is not None else {"run_id": self.run_id, "country": self.name}
        self._committing = True
        try:
            _commit(self.workspace, self.target, self.store if self.record is not None else None, record, results)
        except _Unsettled:
            self._keep_workspace = True  # the next run settles the store and the folder
            raise
        self._committing = False

    def report_files(self) -> tuple[Path, ...]:
        """The files of the report in place (hidden ones left out), sorted."""
        return tuple(sorted(p for p in self.target.iterdir() if p.is_file() and not p.name.startswith(".")))

    def close(self) -> None:
        """Stop the kernels; remove the staging folder (settling first a run stopped while committing)."""
        for k in self._kernels.values():
            k.cancel()  # a warm-up still under way (the run failed before it) stops now
        for k in self._kernels.values():
            k.shutdown()
        ws = self.workspace
        if ws is None:
            return
        if self._committing and not self._keep_workspace:  # stopped while committing: settle now, or next run
            try:
                _settle(ws, {"run_id": self.run_id, "target": self.target.name}, self.out,
                        self.store if self.record is not None else None)
            except Exception:
                self._keep_workspace = True
        if not self._keep_workspace:
            _remove_workspace(ws)
            try:
                ws.parent.rmdir()
            except OSError:
                pass

    def __enter__(self) -> ReportRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _failed(self, notebook: str, cell: Any, error: str, failed: Path) -> ReportExecutionError:
        """The error of a failed notebook, the failed run recorded first (if the run has a record)."""
        err = ReportExecutionError(self.name, notebook, cell, error, failed)
        if self.record is not None:
            _record_failure(self.store, {**self.record, "status": "failed", "finished": utc_now(), "error": str(err)},
                            err)
        return err
