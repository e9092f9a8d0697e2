"""Running country reports: validate, execute the notebooks with papermill, render, move into place."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import sys
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import CampaignMeError
from .content import RESULT_COLUMNS
from .kernel import WarmKernel, engine_name, isolated, notebook_imports
from .notebooks import (
    REPORT_NOTEBOOKS,
    ReportError,
    check_parameters,
    find_notebook,
    notebook_dir,
    notebook_parameters,
)

__all__ = [
    "ReportExecutionError",
    "ReportResult",
    "sample_data_dir",
    "check_country",
    "check_output_dir",
    "validate_inputs",
    "run_report",
    "DEFAULT_STORE",
]

#: File name of the results store inside the output folder.
DEFAULT_STORE = "results.sqlite"
_MARKER = ".campaign_me_report"
#: ipykernel's own log at error level: its start-up notices would otherwise fill the terminal.
_QUIET_KERNEL = ["--IPKernelApp.log_level=CRITICAL"]
_COUNTRY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


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


def sample_data_dir() -> Path:
    """The bundled sample data: :func:`campaign_me.workbook.sample_data_dir` (``CAMPAIGN_ME_DATA``, a
    checkout's ``data/samples``), else generated once into a cache folder (an installed package).

    Examples
    --------
    >>> (sample_data_dir() / "codebook.yaml").is_file()
    True
    """
    from ..errors import CampaignMeError as _Error

    try:
        from ..workbook import sample_data_dir as _workbook_samples

        return _workbook_samples()
    except (ImportError, _Error):
        pass
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent / "data" / "samples"
    if (checkout / "codebook.yaml").is_file():
        return checkout
    from .. import __version__
    from ..synth import DEFAULT_SEED, generate

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "campaign_me"
    target = cache / f"samples-{__version__}-{DEFAULT_SEED}"
    if not (target / "codebook.yaml").is_file():
        tmp = cache / f".samples-{uuid.uuid4().hex}"
        generate(tmp, seed=DEFAULT_SEED)
        try:
            tmp.rename(target)
        except OSError:  # another process made it first
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def check_country(country: object) -> str:
    """A country id is a folder name: letters, digits, ``_`` and ``-`` (no path separators, no dots)."""
    if not isinstance(country, str) or not _COUNTRY.match(country):
        raise ReportError(
            f"country {country!r}: use a folder name of letters, digits, '_' or '-' (e.g. 'aroland'); "
            "paths and dots are not allowed"
        )
    return country


def _within(path: Path, other: Path) -> bool:
    return path == other or other in path.parents


def check_output_dir(out: str | os.PathLike[str], *, data_dir: Path) -> Path:
    """Resolve the output folder and refuse folders that hold sources or data.

    The output may not be (inside) the data folder, the notebooks folder or the installed package,
    and may not contain the data folder or the notebooks.
    """
    out_path = Path(out).expanduser().resolve()
    package = Path(__file__).resolve().parents[1]
    protected = {"the data folder": data_dir.resolve(), "the notebooks folder": notebook_dir().resolve(),
                 "the campaign_me package": package}
    checkout_data = package.parent / "data"
    if checkout_data.is_dir():
        protected["the data folder of the checkout"] = checkout_data.resolve()
    for what, path in protected.items():
        if _within(out_path, path) or _within(path, out_path):
            raise ReportError(
                f"output folder {str(out)!r} ({out_path}) would mix reports with {what} ({path}); "
                "write reports elsewhere, e.g. --out reports"
            )
    return out_path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: Columns a country report needs in both survey rounds (besides the indicators).
REQUIRED_COLUMNS = ("weight", "stratum", "psu", "campaign")


def validate_inputs(country: str, data_dir: Path) -> dict[str, Any]:
    """Check a country's survey files through the codebook before any kernel starts.

    Looks for ``<data_dir>/<country>/survey_baseline.csv`` and ``survey_endline.csv`` and the
    codebook ``<data_dir>/<country>/codebook.yaml`` (else ``<data_dir>/codebook.yaml``), loads
    both rounds with :func:`campaign_me.load_survey` (every problem named, as an
    :class:`~campaign_me.IntakeError`) and checks the design columns the report needs.

    Returns
    -------
    dict
        ``files`` (name -> path), ``hashes`` (name -> SHA-256) and ``rows`` (round -> n).
    """
    from .. import Codebook, load_survey
    from .content import REPORT_INDICATORS

    folder = data_dir / country
    if not folder.is_dir():
        have = sorted(p.name for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if data_dir.is_dir() else []
        raise ReportError(
            f"no data for country {country!r}: {folder} is not a folder"
            + (f" (countries in {data_dir}: {', '.join(have)})" if have else f" ({data_dir} does not exist)")
        )
    codebook = folder / "codebook.yaml"
    if not codebook.is_file():
        codebook = data_dir / "codebook.yaml"
    files = {"codebook": codebook, "baseline": folder / "survey_baseline.csv", "endline": folder / "survey_endline.csv"}
    missing = [f"{k} ({p})" for k, p in files.items() if not p.is_file()]
    if missing:
        raise ReportError(f"country {country!r}: missing input file(s): {', '.join(missing)}")
    from ..indicators import load_catalogue

    book = Codebook.from_yaml(files["codebook"])
    load_catalogue().select(REPORT_INDICATORS).validate(book)  # every indicator computable
    rows = {}
    need = list(REQUIRED_COLUMNS)
    for round_ in ("baseline", "endline"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the notebook shows intake warnings; here only errors stop the run
            data = load_survey(files[round_], book)
        absent = [c for c in need if c not in data.columns]
        if absent:
            raise ReportError(f"{files[round_]}: column(s) {', '.join(absent)} needed by the country report "
                              "are not in the file")
        rows[round_] = len(data)
    return {"files": {k: str(p) for k, p in files.items()},
            "hashes": {k: _sha256(p) for k, p in files.items()}, "rows": rows}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _replace_dir(staging: Path, target: Path) -> None:
    """Move a finished report folder into place; a previous report is replaced only now."""
    if target.exists():
        if not (target / _MARKER).is_file():
            raise ReportError(f"{target} exists and is not a campaign_me report: not replacing it; "
                              "choose another --out")
        old = target.parent / f".old-{target.name}-{uuid.uuid4().hex[:8]}"
        target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(target)


def _keep_failed(country_dir: Path, failed_nb: Path, name: str) -> Path:
    """Keep the failed notebook under ``<country>/failed/``; a previous report stays untouched."""
    failed_dir = country_dir / "failed"
    failed_dir.mkdir(parents=True, exist_ok=True)
    target = failed_dir / name
    tmp = failed_dir / f".{name}.{uuid.uuid4().hex[:8]}"
    shutil.copyfile(failed_nb, tmp)
    os.replace(tmp, target)
    return target


def _record(store, run: dict[str, Any], results: pd.DataFrame | None) -> None:
    if store is None:
        return
    store.record_run(run, results)


def _open_store(store: Any, out: Path):
    from .store import ResultsStore

    if store is False or store is None:
        return None
    if store == "default":
        return ResultsStore(out / DEFAULT_STORE)
    if isinstance(store, ResultsStore):
        return store
    return ResultsStore(store)


_WORKBOOK_PARAMETERS = ("codebook", "rounds", "level", "min_n", "seed")


def _check_values(country: str, data_dir: Path, typed: dict[str, dict[str, Any]]) -> None:
    """Check the values of the workbook's standard parameters (level, min_n, ...) before any kernel starts.

    The notebooks check them again themselves (:func:`campaign_me.workbook.check_parameters`);
    here a bad value stops the run before a kernel is started.
    """
    from ..workbook import check_parameters as _workbook_check

    merged: dict[str, Any] = {}
    for params in typed.values():
        merged.update({k: v for k, v in params.items() if k in _WORKBOOK_PARAMETERS})
    if not merged:
        return
    try:
        _workbook_check(country=country, data_dir=str(data_dir), **merged)
    except CampaignMeError as exc:
        raise ReportError("parameters: " + " ".join(str(exc).split())) from None


@isolated
def run_report(
    country: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "reports",
    parameters: dict[str, Any] | None = None,
    notebooks: list[str | os.PathLike[str]] | None = None,
    store: Any = "default",
    progress: bool = True,
    kernel_name: str = "python3",
    timeout: float = 600,
    warm: bool = True,
) -> ReportResult:
    """Produce ``<out>/<country>/``: the executed notebooks, their HTML and an ``index.html``.

    Parameters
    ----------
    country : str
        Country id: the folder of its survey files under ``data_dir``.
    data_dir : path, optional
        Folder with ``<country>/survey_baseline.csv``, ``survey_endline.csv`` and a
        ``codebook.yaml``; default the bundled sample data (:func:`sample_data_dir`).
    out : path, default "reports"
        Output folder; the report goes to ``<out>/<country>/``.
    parameters : dict, optional
        Notebook parameters (``{"level": 0.9}``); every key must be declared by a notebook.
    notebooks : list, optional
        Notebook names or paths; default :data:`REPORT_NOTEBOOKS`.
    store : "default", path, URL, ResultsStore or None
        Where to record the run and its results: by default ``<out>/results.sqlite``; ``None``
        records nothing.
    progress : bool, default True
        Show papermill's progress bar.
    kernel_name : str, default "python3"
        Jupyter kernel that executes the notebooks (a fresh kernel per notebook, never shared).
    timeout : float, default 600
        Seconds a single cell may run.
    warm : bool, default True
        Start each notebook's (fresh) kernel and import its modules ahead of time: the first while
        the inputs are validated, the next while the previous notebook runs
        (:class:`~campaign_me.report.kernel.WarmKernel`). ``False``: papermill starts each kernel.

    Returns
    -------
    ReportResult

    Raises
    ------
    ReportError, IntakeError
        Bad country id, output folder, parameter or input file: raised before any kernel starts.
    ReportExecutionError
        A notebook failed. The previous report is untouched, the failed notebook is kept under
        ``<out>/<country>/failed/`` and the run is recorded as failed.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .. import __version__
    from .render import render_html, write_index

    started_clock = time.perf_counter()
    started = _now()
    check_country(country)
    data_path = Path(data_dir).expanduser().resolve() if data_dir else sample_data_dir()
    out_path = check_output_dir(out, data_dir=data_path)
    nb_paths = [find_notebook(nb) for nb in (notebooks or REPORT_NOTEBOOKS)]
    typed = check_parameters([str(p) for p in nb_paths], dict(parameters or {}))
    _check_values(country, data_path, typed)
    warm_kernels: dict[int, WarmKernel] = {}

    def warm_up(i: int) -> None:
        if warm and i < len(nb_paths) and i not in warm_kernels:
            warm_kernels[i] = WarmKernel(kernel_name, notebook_imports(nb_paths[i]), extra_arguments=_QUIET_KERNEL)

    warm_up(0)
    try:
        inputs = validate_inputs(country, data_path)
    except BaseException:
        for k in warm_kernels.values():
            k.shutdown()
        raise
    run_id = f"{country}-{_dt.datetime.now(_dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    country_dir = out_path / country
    staging_root = out_path / ".staging"
    staging = staging_root / run_id
    staging.mkdir(parents=True)
    db = _open_store(store, out_path)
    run = {"run_id": run_id, "country": country, "started": started, "package_version": __version__,
           "parameters": dict(parameters or {}), "data_hashes": inputs["hashes"],
           "notebooks": [p.name for p in nb_paths], "report_dir": str(country_dir)}
    results_file = staging / "results.csv"
    produced: list[tuple[str, str]] = []
    try:
        for i, nb_path in enumerate(nb_paths):
            names = notebook_parameters(nb_path)
            params = {"country": country, "data_dir": str(data_path), "results_file": str(results_file)}
            params = {k: v for k, v in params.items() if k in names}
            params.update(typed[str(nb_path)])
            output = staging / nb_path.name
            km = warm_kernels[i].manager() if i in warm_kernels else None
            warm_up(i + 1)
            engine = {"engine_name": engine_name(), "km": km} if km is not None else {}
            try:
                nb = pm.execute_notebook(
                    str(nb_path), str(output), parameters=params, kernel_name=kernel_name,
                    progress_bar=progress, request_save_on_cell_execute=True,  # a timeout keeps what ran
                    extra_arguments=_QUIET_KERNEL, execution_timeout=timeout, **engine,
                )
            except PapermillExecutionError as exc:
                failed = _keep_failed(country_dir, output, nb_path.name)
                error = f"{exc.ename}: {exc.evalue}".strip().rstrip(":")
                err = ReportExecutionError(country, nb_path.name, exc.exec_count, error, failed)
                _record(db, {**run, "status": "failed", "finished": _now(), "error": str(err)}, None)
                raise err from None
            except Exception as exc:  # a cell timeout, a kernel that died: no cell error in the notebook
                failed = _keep_failed(country_dir, output, nb_path.name) if output.is_file() else output
                err = ReportExecutionError(country, nb_path.name, "?", " ".join(
                    f"{type(exc).__name__}: {exc}".split())[:300], failed)
                _record(db, {**run, "status": "failed", "finished": _now(), "error": str(err)}, None)
                raise err from None
            html_name = nb_path.stem + ".html"
            render_html(nb, staging / html_name, title=f"{country}: {nb_path.stem}")
            produced.append((f"{nb_path.stem} (report)", html_name))
            produced.append((f"{nb_path.stem} (executed notebook)", nb_path.name))
        results = None
        if results_file.is_file():
            results = pd.read_csv(results_file)
            bad = [c for c in RESULT_COLUMNS if c not in results.columns]
            if bad:
                raise ReportError(f"{results_file.name} written by the report lacks column(s) {bad}")
            produced.append(("indicator results (CSV, aggregates only)", results_file.name))
        finished = _now()
        run.update(status="ok", finished=finished)
        meta = {"country": country, "run id": run_id, "started": started, "finished": finished,
                "campaign_me": __version__, "python": sys.version.split()[0],
                "data folder": str(data_path), "parameters": dict(parameters or {}) or "defaults",
                "input files (SHA-256)": {k: f"{Path(inputs['files'][k]).name} {v[:16]}..."
                                          for k, v in inputs["hashes"].items()},
                "respondents": inputs["rows"]}
        write_index(staging, title=f"Campaign report: {country}", metadata=meta, files=produced)
        (staging / "run.json").write_text(json.dumps({**run, "rows": inputs["rows"]}, indent=1, default=str),
                                          encoding="utf-8")
        (staging / _MARKER).write_text(run_id, encoding="utf-8")
        _replace_dir(staging, country_dir)
        _record(db, run, results)
    finally:
        for k in warm_kernels.values():
            k.shutdown()
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging_root.rmdir()
        except OSError:
            pass
    files = tuple(sorted(p for p in country_dir.iterdir() if p.is_file() and not p.name.startswith(".")))
    return ReportResult(country=country, status="ok", report_dir=country_dir,
                        seconds=time.perf_counter() - started_clock, run_id=run_id, files=files, results=results)
