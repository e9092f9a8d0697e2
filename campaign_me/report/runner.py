"""Running country reports: validate, execute the notebooks with papermill, render, move into place."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import socket
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
    "clean_staging",
    "DEFAULT_STORE",
    "REPORT_OPTIONS",
    "report_indicators",
    "split_options",
    "study_parameters",
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
    """The bundled sample data: :func:`campaign_me.workbook.sample_data_dir` with ``generate=True``.

    The same search as the notebooks' (``CAMPAIGN_ME_DATA``, a checkout's ``data/samples``, beside
    the package), and an installed package without them generates them once into a cache folder.

    Examples
    --------
    >>> (sample_data_dir() / "codebook.yaml").is_file()
    True
    """
    from ..workbook import sample_data_dir as _find

    return _find(generate=True)


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


#: Options of a report run that the runner itself reads (``--catalogue``, ``--indicators``; in
#: :func:`run_synthesis` also ``--data-dir``). Given as ``parameters`` (``-p catalogue=FILE``) they are
#: taken out before the notebooks' own parameters are checked, and passed on to the notebooks that
#: declare them.
REPORT_OPTIONS = ("catalogue", "indicators")


def split_options(parameters: dict[str, Any] | None, names: tuple[str, ...] = REPORT_OPTIONS,
                  **given: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(options, notebook parameters)``: the runner's options taken out of ``parameters``.

    ``given`` holds the same options passed as arguments (``catalogue=...``); an option given both
    ways with two different values is refused.

    Examples
    --------
    >>> split_options({"level": "0.9", "indicators": "risk_aware"}, catalogue=None, indicators=None)
    ({'catalogue': None, 'indicators': 'risk_aware'}, {'level': '0.9'})
    """
    rest = dict(parameters or {})
    options = dict(given)
    for name in names:
        if name in rest:
            value = rest.pop(name)
            if options.get(name) not in (None, "", (), []) and options[name] != value:
                raise ReportError(f"{name} is given twice ({options[name]!r} and -p {name}={value!r}); give it once")
            options[name] = value
    return options, rest


def _indicator_ids(value: Any) -> list[str] | None:
    """``"risk_aware, hotline_known"`` or a list as a list of ids; None or ``""`` as None (the default).

    Examples
    --------
    >>> _indicator_ids("risk_aware, hotline_known")
    ['risk_aware', 'hotline_known']
    >>> _indicator_ids("") is None
    True
    """
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    ids = [str(i).strip() for i in items if str(i).strip()]
    if not ids:
        return None
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ReportError(f"indicators: {', '.join(twice)} listed twice")
    return ids


def report_indicators(catalogue: str | os.PathLike[str] | None = None, indicators: Any = None):
    """The catalogue of a report and the indicator ids it is asked for.

    ``catalogue`` is a researcher's file, merged over the shipped catalogue
    (:func:`campaign_me.indicators.load_catalogue`); ``indicators`` the ids to report. Without
    ``indicators``: the standard report indicators
    (:data:`campaign_me.report.content.REPORT_INDICATORS`) and every indicator the file adds or
    replaces. Unknown ids are refused (with a suggestion).

    Returns
    -------
    (Catalogue, list of str)
        The whole catalogue and the ids asked for, in order.
    """
    from ..indicators import CatalogueError, load_catalogue
    from .content import REPORT_INDICATORS

    if catalogue not in (None, ""):
        path = Path(catalogue).expanduser()
        if not path.is_file():
            raise ReportError(f"catalogue {str(catalogue)!r}: no such file")
        cat = load_catalogue(path)
        own = load_catalogue(path, merge=False).ids
    else:
        cat, own = load_catalogue(), []
    ids = _indicator_ids(indicators)
    if ids is None:
        ids = list(dict.fromkeys([*REPORT_INDICATORS, *own]))
    unknown = [i for i in ids if i not in cat]
    if unknown:
        hints = []
        for i in unknown:
            try:
                cat[i]
            except CatalogueError as exc:
                hints.append(str(exc))
        raise ReportError(f"indicators: {'; '.join(hints)} ({cat.origin})")
    return cat, ids


def _design_summary(book: Any) -> str:
    """The sampling design a codebook declares, in words ("weights weight; strata stratum; clusters psu")."""
    parts = [f"{what} {col}" for what, col in (("weights", book.weight), ("strata", book.strata),
                                                ("clusters", book.psu), ("fpc", getattr(book, "fpc", None)))
             if col]
    return "; ".join(parts) if parts else "none declared"


def _check_design(book: Any, where: str) -> None:
    """Refuse a codebook that says nothing of how the sample was drawn (no weight, strata or psu)."""
    if not (book.weight or book.strata or book.psu):
        raise ReportError(
            f"{where}: the codebook declares no sampling design (no weight, strata or psu at its top level), "
            "so a report could not give honest confidence intervals; name the design columns in the codebook, "
            "e.g. 'weight: weight', 'strata: district', 'psu: village' (docs/codebook.md; for a simple random "
            "sample without weights, 'psu: <the respondent id column>')"
        )


def _named_columns(book: Any) -> dict[str, str]:
    """The columns the codebook names at its top level: ``{"strata": "district", "arm": "program_arm", ...}``."""
    named = {"id": book.id, "weight": book.weight, "strata": book.strata, "psu": book.psu,
             "fpc": getattr(book, "fpc", None)}
    if book.arm is not None:
        named["arm"] = book.arm.column
    return {k: v for k, v in named.items() if isinstance(v, str) and v}


def _linked(book: Any, data: dict[str, pd.DataFrame], where: str) -> None:
    """Rounds that revisit clusters or people must share some: a codebook that says so wrongly is refused."""
    rounds, (first, second) = book.rounds, data.values()
    column = {"same_clusters": book.psu, "panel": book.id}.get(rounds)
    if not column:
        return
    shared = set(first[column].dropna().astype(str)) & set(second[column].dropna().astype(str))
    if not shared:
        what = "cluster (psu)" if rounds == "same_clusters" else "respondent id"
        raise ReportError(f"{where}: the codebook says rounds: {rounds}, but no {what} in column {column!r} is in "
                          "both rounds; check the rounds key (independent, same_clusters or panel)")


def validate_inputs(country: str, data_dir: Path, *, catalogue: str | os.PathLike[str] | None = None,
                    indicators: Any = None) -> dict[str, Any]:
    """Check a country's survey files through the codebook before any kernel starts.

    Looks for ``<data_dir>/<country>/survey_baseline.csv`` and ``survey_endline.csv`` and the
    codebook ``<data_dir>/<country>/codebook.yaml`` (else ``<data_dir>/codebook.yaml``), loads
    both rounds with :func:`campaign_me.load_survey` (every problem named, as an
    :class:`~campaign_me.IntakeError`) and checks what the report needs, by the names the codebook
    gives: a sampling design (``weight``, ``strata``, ``psu``), the columns the codebook names at
    its top level (the design, ``id`` and the ``arm`` column) in both rounds, a round structure
    (``rounds``) the data can carry, and at least one of the indicators asked for
    (:func:`report_indicators`) that the survey's questions allow
    (:func:`campaign_me.indicators.applicable`; the others are "not asked in this survey").

    Returns
    -------
    dict
        ``files`` (name -> path), ``hashes`` (name -> SHA-256), ``rows`` (round -> n) and
        ``study``: ``design`` (in words), ``arm`` (column, or ``""``), ``campaign`` (the arm's
        campaign codes), ``rounds``, ``indicators`` (asked for), ``applicable`` (ids),
        ``not_asked`` (ids of those whose questions the survey lacks) and ``not_computed``
        (``{id: reason}``: the questions are there but do not fit the indicator).
    """
    from .. import Codebook, load_survey
    from ..indicators import applicable as _applicable

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
    book = Codebook.from_yaml(files["codebook"])
    _check_design(book, str(files["codebook"]))
    cat, ids = report_indicators(catalogue, indicators)
    if catalogue not in (None, ""):
        files["catalogue"] = Path(catalogue).expanduser().resolve()
    named = _named_columns(book)
    rows, data = {}, {}
    for round_ in ("baseline", "endline"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the notebook shows intake warnings; here only errors stop the run
            frame = load_survey(files[round_], book)
        absent = [f"{col!r} (the codebook's {key})" for key, col in named.items() if col not in frame.columns]
        if absent:
            raise ReportError(f"{files[round_]}: column(s) {', '.join(absent)} named by the codebook "
                              f"{files['codebook'].name} are not in the file")
        rows[round_], data[round_] = len(frame), frame
    _linked(book, data, f"country {country!r}")
    columns = list(dict.fromkeys([*data["baseline"].columns, *data["endline"].columns]))
    usable, not_asked = _applicable(cat.select(ids), book, columns)
    if not len(usable):
        raise ReportError(
            f"country {country!r}: none of the {len(ids)} indicator(s) asked for can be computed from this survey "
            f"({_not_asked_text(not_asked)}); choose others with --indicators, or write a catalogue for the survey's "
            "questions (--catalogue FILE, docs/own_survey.md)"
        )
    arm = book.arm
    reasons = dict(zip(not_asked["id"].astype(str), not_asked["reason"].astype(str)))
    study = {"design": _design_summary(book), "arm": arm.column if arm is not None else "",
             "campaign": list(arm.campaign) if arm is not None else [], "rounds": book.rounds,
             "indicators": ids, "applicable": usable.ids,
             "not_asked": [i for i, r in reasons.items() if r == "not asked in this survey"],
             "not_computed": {i: r for i, r in reasons.items() if r != "not asked in this survey"}}
    return {"files": {k: str(p) for k, p in files.items()},
            "hashes": {k: _sha256(p) for k, p in files.items()}, "rows": rows, "study": study}


def _not_asked_text(not_asked: pd.DataFrame) -> str:
    if not len(not_asked):
        return "no indicator asked for"
    return "; ".join(f"{i}: {r}" + (f" ({m})" if m else "")
                     for i, r, m in zip(not_asked["id"], not_asked["reason"], not_asked["missing"]))


def study_parameters(study: dict[str, Any], catalogue: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The papermill parameters a report passes about the study, to the notebooks that declare them.

    ``catalogue`` (the catalogue file, ``""`` for the shipped one), ``indicators`` (the ids asked
    for), ``arm`` (the arm column, ``""`` without one), ``arm_campaign`` (its campaign codes) and
    ``round_structure`` (``independent``, ``same_clusters`` or ``panel``; not ``rounds``, which the
    workbook's notebooks use for the list of round names).
    """
    return {"catalogue": str(Path(catalogue).expanduser().resolve()) if catalogue not in (None, "") else "",
            "indicators": list(study["indicators"]), "arm": study["arm"], "arm_campaign": list(study["campaign"]),
            "round_structure": study["rounds"]}


def _as_declared(value: Any, declared: Any) -> Any:
    """A runner-made parameter value in the type a notebook declares it: a list as ``"a,b"`` for ``str``."""
    kind = getattr(declared, "type", "").replace(" ", "")
    if kind == "str" and isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if kind in ("list", "tuple") and isinstance(value, str):
        return [v for v in value.split(",") if v] if value else []
    return value


def _now() -> str:
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
        import psutil
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
        _quietly(db.set_status, run_id, "failed", error=error, finished=_now(), only_if="pending")
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
        _quietly(db.set_status, run_id, "failed", error=error, finished=_now())
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
    catalogue: str | os.PathLike[str] | None = None,
    indicators: str | list[str] | None = None,
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
    catalogue : path, optional
        An indicator catalogue of one's own, merged over the shipped one
        (:func:`campaign_me.indicators.load_catalogue`); also ``parameters={"catalogue": ...}``.
    indicators : str or list of str, optional
        Indicator ids to report (``"risk_aware,hotline_known"``); default the standard report
        indicators and those ``catalogue`` adds or replaces (:func:`report_indicators`). Those the
        survey did not ask are listed once as not asked.

    The design, the arm (campaign and comparison areas) and the round structure come from the
    codebook (``weight``, ``strata``, ``psu``, ``arm``, ``rounds``; ``docs/codebook.md``). The
    notebooks that declare them receive ``country``, ``data_dir``, ``results_file`` and the study
    (:func:`study_parameters`: ``catalogue``, ``indicators``, ``arm``, ``arm_campaign``,
    ``round_structure``) as papermill parameters; ``parameters`` given explicitly win.

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
    ReportError
        The results store could not record the run, or the report could not be moved into place:
        the previous report stays, and the store holds no ``ok`` run for this one.

    Notes
    -----
    The report folder and the results store always agree: the run is recorded as ``pending``,
    the report moved into place, then the run set to ``ok``; a fault at any step leaves the previous
    report in place and no ``ok`` run in the store. The work happens in ``<out>/.staging/<run_id>/``;
    staging folders of killed runs are removed, and what they left half-done settled, at the start
    of the next run (:func:`clean_staging`).
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
    options, nb_parameters = split_options(parameters, catalogue=catalogue, indicators=indicators)
    typed = check_parameters([str(p) for p in nb_paths], nb_parameters)
    _check_values(country, data_path, typed)
    warm_kernels: dict[int, WarmKernel] = {}

    def warm_up(i: int) -> None:
        if warm and i < len(nb_paths) and i not in warm_kernels:
            warm_kernels[i] = WarmKernel(kernel_name, notebook_imports(nb_paths[i]), extra_arguments=_QUIET_KERNEL)

    warm_up(0)
    try:
        inputs = validate_inputs(country, data_path, **options)
    except BaseException:
        for k in warm_kernels.values():
            k.shutdown()
        raise
    run_id = f"{country}-{_dt.datetime.now(_dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    country_dir = out_path / country
    try:
        db = _open_store(store, out_path)
        clean_staging(out_path, store=db)
        ws = _new_workspace(out_path, run_id, country_dir)
    except BaseException:
        for k in warm_kernels.values():
            k.shutdown()
        raise
    staging = ws / "report"
    run = {"run_id": run_id, "country": country, "started": started, "package_version": __version__,
           "parameters": {**nb_parameters, **{k: v for k, v in options.items() if v not in (None, "")}},
           "data_hashes": inputs["hashes"],
           "notebooks": [p.name for p in nb_paths], "report_dir": str(country_dir)}
    results_file = staging / "results.csv"
    produced: list[tuple[str, str]] = []
    keep_workspace = committing = False
    try:
        for i, nb_path in enumerate(nb_paths):
            names = notebook_parameters(nb_path)
            params = {"country": country, "data_dir": str(data_path), "results_file": str(results_file),
                      **study_parameters(inputs["study"], options["catalogue"])}
            params = {k: _as_declared(v, names[k]) for k, v in params.items() if k in names}
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
                _record_failure(db, {**run, "status": "failed", "finished": _now(), "error": str(err)}, err)
                raise err from None
            except Exception as exc:  # a cell timeout, a kernel that died: no cell error in the notebook
                failed = _keep_failed(country_dir, output, nb_path.name) if output.is_file() else output
                err = ReportExecutionError(country, nb_path.name, "?", " ".join(
                    f"{type(exc).__name__}: {exc}".split())[:300], failed)
                _record_failure(db, {**run, "status": "failed", "finished": _now(), "error": str(err)}, err)
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
        meta = {"country": country, "run id": run_id, "started": started[:19] + "Z", "finished": finished[:19] + "Z",
                "campaign_me": __version__, "python": sys.version.split()[0],
                "data folder": str(data_path), "parameters": run["parameters"] or "defaults",
                "design (from the codebook)": inputs["study"]["design"],
                "campaign areas": (f"{inputs['study']['arm']} in {inputs['study']['campaign']}"
                                   if inputs["study"]["arm"] else "no arm declared"),
                "rounds": inputs["study"]["rounds"],
                "indicators": ", ".join(inputs["study"]["applicable"]),
                "not asked in this survey": ", ".join(inputs["study"]["not_asked"]) or "none",
                **({"cannot be computed": "; ".join(f"{k}: {v}" for k, v in inputs["study"]["not_computed"].items())}
                   if inputs["study"]["not_computed"] else {}),
                "input files (SHA-256)": {k: f"{Path(inputs['files'][k]).name} {v[:16]}..."
                                          for k, v in inputs["hashes"].items()},
                "respondents": inputs["rows"]}
        write_index(staging, title=f"Campaign report: {country}", metadata=meta, files=produced)
        (staging / "run.json").write_text(json.dumps({**run, "rows": inputs["rows"]}, indent=1, default=str),
                                          encoding="utf-8")
        (staging / _MARKER).write_text(run_id, encoding="utf-8")
        _check_replaceable(country_dir)  # before anything is recorded
        committing = True
        try:
            _commit(ws, country_dir, db, run, results)
        except _Unsettled:
            keep_workspace = True  # the next run settles the store and the folder
            raise
        committing = False
    finally:
        for k in warm_kernels.values():
            k.shutdown()
        if committing and not keep_workspace:  # stopped while committing: settle now, or leave it to the next run
            try:
                _settle(ws, {"run_id": run_id, "target": country_dir.name}, out_path, db)
            except Exception:
                keep_workspace = True
        if not keep_workspace:
            _remove_workspace(ws)
            try:
                ws.parent.rmdir()
            except OSError:
                pass
    files = tuple(sorted(p for p in country_dir.iterdir() if p.is_file() and not p.name.startswith(".")))
    return ReportResult(country=country, status="ok", report_dir=country_dir,
                        seconds=time.perf_counter() - started_clock, run_id=run_id, files=files, results=results)
