"""Country reports: inputs validated, then the run's life cycle (:class:`~campaign_me.report.lifecycle.ReportRun`).

The inputs of a country (its survey files through the codebook, the indicators asked for, the
parameters) are checked here before any notebook runs; executing, rendering, recording and moving
the report into place are the life cycle shared with the regional synthesis
(:mod:`campaign_me.report.lifecycle`).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from .. import workbook as _workbook
from ..codebook import Codebook
from ..conventions import Reporting
from ..deferred import Deferred
from ..errors import CampaignMeError
from ..indicators import CatalogueError, applicable, load_catalogue
from ..intake import load_survey
from .content import REPORT_COLUMNS, REPORT_INDICATORS
from .kernel import isolated
from .lifecycle import (
    DEFAULT_STORE,
    FOREIGN_STAGING_AGE,
    UNOWNED_STAGING_AGE,
    ReportExecutionError,
    ReportResult,
    ReportRun,
    clean_staging,
    open_store,
    utc_now,
)
from .notebooks import (
    REPORT_NOTEBOOKS,
    ReportError,
    check_parameters,
    find_notebook,
    notebook_dir,
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
    "FOREIGN_STAGING_AGE",
    "UNOWNED_STAGING_AGE",
    "REPORT_OPTIONS",
    "indicator_ids",
    "report_indicators",
    "split_options",
    "study_parameters",
]

#: What a country report's notebook imports on first use while it runs (the package defers them:
#: campaign_me.deferred): interval quantiles, the Holm adjustment of the findings, the figures. A warm
#: kernel imports them while the runner checks the inputs, instead of the notebook after it starts.
REPORT_WARM_MODULES = ("scipy.stats", "statsmodels.stats.multitest", "matplotlib.pyplot", "seaborn")
_package = Deferred("campaign_me")  # deferred: the root namespace (its __version__) imports lazily
_COUNTRY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")



def sample_data_dir() -> Path:
    """The bundled sample data: :func:`campaign_me.workbook.sample_data_dir` with ``generate=True``.

    The same search as the notebooks' (``CAMPAIGN_ME_DATA``, a checkout's ``data/samples``, beside
    the package), and an installed package without them generates them once into a cache folder.

    Examples
    --------
    >>> (sample_data_dir() / "codebook.yaml").is_file()
    True
    """
    return _workbook.sample_data_dir(generate=True)


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


def indicator_ids(value: Any) -> list[str] | None:
    """``"risk_aware, hotline_known"`` or a list as a list of ids; None or ``""`` as None (the default).

    Examples
    --------
    >>> indicator_ids("risk_aware, hotline_known")
    ['risk_aware', 'hotline_known']
    >>> indicator_ids("") is None
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
    if catalogue not in (None, ""):
        path = Path(catalogue).expanduser()
        if not path.is_file():
            raise ReportError(f"catalogue {str(catalogue)!r}: no such file")
        cat = load_catalogue(path)
        own = load_catalogue(path, merge=False).ids
    else:
        cat, own = load_catalogue(), []
    ids = indicator_ids(indicators)
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
    usable, not_asked = applicable(cat.select(ids), book, columns)
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


_WORKBOOK_PARAMETERS = ("codebook", "rounds", "level", "min_n", "flag_n", "seed")
#: The notebook parameters that carry the reporting settings (:class:`campaign_me.conventions.Reporting`).
_REPORTING_PARAMETERS = ("level", "min_n", "flag_n")


def _reporting(country: str, data_dir: Path, typed: dict[str, dict[str, Any]],
               settings: Reporting | None) -> Reporting | None:
    """Check the workbook's standard parameters (level, min_n, ...) before any kernel starts; the reporting
    settings the run passes to its notebooks.

    ``settings`` with the notebooks' ``level``, ``min_n`` and ``flag_n`` parameters given explicitly
    winning, checked as the notebooks check them (:func:`campaign_me.workbook.check_parameters`, whose
    :attr:`~campaign_me.workbook.Workbook.settings` is the one value returned). None when neither
    settings nor any of these parameters is given: the notebooks' own defaults hold.
    """
    merged: dict[str, Any] = {}
    for params in typed.values():
        merged.update({k: v for k, v in params.items() if k in _WORKBOOK_PARAMETERS})
    if not merged and settings is None:
        return None
    try:
        wb = _workbook.check_parameters(country=country, data_dir=str(data_dir), settings=settings, **merged)
    except CampaignMeError as exc:
        raise ReportError("parameters: " + " ".join(str(exc).split())) from None
    if settings is None and not any(k in merged for k in _REPORTING_PARAMETERS):
        return None
    return wb.settings



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
    settings: Reporting | None = None,
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
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (confidence level, suppression and caution thresholds) as one value,
        passed to the notebooks that declare ``level``, ``min_n`` or ``flag_n``; those given in
        ``parameters`` win. Without either, the notebooks' own defaults hold.

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
        Bad country id, output folder, parameter or input file: raised before any notebook executes
        (a kernel started ahead of time is stopped at once).
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
    started_clock = time.perf_counter()
    check_country(country)
    data_path = Path(data_dir).expanduser().resolve() if data_dir else sample_data_dir()
    out_path = check_output_dir(out, data_dir=data_path)
    nb_paths = [find_notebook(nb) for nb in (notebooks or REPORT_NOTEBOOKS)]
    explicit = settings
    with ReportRun(country, out=out_path, notebooks=nb_paths, kernel_name=kernel_name, progress=progress,
                   timeout=timeout, warm=warm, warm_modules=REPORT_WARM_MODULES) as run:
        run.warm_up(0)  # the first kernel starts while the parameters and inputs are checked
        options, nb_parameters = split_options(parameters, catalogue=catalogue, indicators=indicators)
        typed = check_parameters([str(p) for p in nb_paths], nb_parameters)
        settings = _reporting(country, data_path, typed, settings)
        inputs = validate_inputs(country, data_path, **options)
        run.prepare(open_store(store, out_path))
        given = dict(nb_parameters)  # as given: -p values, and the settings if given as such
        if explicit is not None:
            given = {**{k: v for k, v in settings.as_kwargs().items() if k in _REPORTING_PARAMETERS}, **given}
        run.record = {"run_id": run.run_id, "country": country, "started": run.started,
                      "package_version": _package.__version__,
                      "parameters": {**given, **{k: v for k, v in options.items() if v not in (None, "")}},
                      "data_hashes": inputs["hashes"], "notebooks": [p.name for p in nb_paths],
                      "report_dir": str(run.target)}
        results_file = run.staging / "results.csv"
        values = {"country": country, "data_dir": str(data_path), "results_file": str(results_file),
                  **study_parameters(inputs["study"], options["catalogue"]),
                  **({k: v for k, v in settings.as_kwargs().items() if k in _REPORTING_PARAMETERS}
                     if settings is not None else {})}
        for i, nb_path in enumerate(nb_paths):
            nb = run.execute(i, run.parameterize(nb_path, values, typed[str(nb_path)]))
            run.render(nb, nb_path, title=f"{country}: {nb_path.stem}")
        results = _read_results(results_file)
        if results is not None:
            run.files.append(("indicator results (CSV, aggregates only)", results_file.name))
        finished = utc_now()
        run.record.update(status="ok", finished=finished)
        run.write(title=f"Campaign report: {country}", metadata=_index_metadata(run, inputs, data_path, finished),
                  run_json={**run.record, "rows": inputs["rows"]})
        run.commit(results)
    return ReportResult(country=country, status="ok", report_dir=run.target,
                        seconds=time.perf_counter() - started_clock, run_id=run.run_id, files=run.report_files(),
                        results=results)


def _read_results(results_file: Path) -> pd.DataFrame | None:
    """The tidy results a report notebook wrote (None if it wrote none), checked for the report's columns."""
    if not results_file.is_file():
        return None
    results = pd.read_csv(results_file)
    bad = [c for c in REPORT_COLUMNS if c not in results.columns]
    if bad:
        raise ReportError(f"{results_file.name} written by the report lacks column(s) {bad}")
    return results


def _index_metadata(run: ReportRun, inputs: dict[str, Any], data_path: Path, finished: str) -> dict[str, Any]:
    """The run's metadata on a country report's index page."""
    study = inputs["study"]
    return {"country": run.name, "run id": run.run_id, "started": run.started[:19] + "Z",
            "finished": finished[:19] + "Z", "campaign_me": _package.__version__, "python": sys.version.split()[0],
            "data folder": str(data_path), "parameters": run.record["parameters"] or "defaults",
            "design (from the codebook)": study["design"],
            "campaign areas": f"{study['arm']} in {study['campaign']}" if study["arm"] else "no arm declared",
            "rounds": study["rounds"],
            "indicators": ", ".join(study["applicable"]),
            "not asked in this survey": ", ".join(study["not_asked"]) or "none",
            **({"cannot be computed": "; ".join(f"{k}: {v}" for k, v in study["not_computed"].items())}
               if study["not_computed"] else {}),
            "input files (SHA-256)": {k: f"{Path(inputs['files'][k]).name} {v[:16]}..."
                                      for k, v in inputs["hashes"].items()},
            "respondents": inputs["rows"]}
