"""Country reports in parallel: local threads by default, or an existing Dask distributed cluster."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pandas as pd

from ..conventions import Reporting
from ..errors import CampaignMeError
from .notebooks import REPORT_NOTEBOOKS, ReportError, check_parameters, find_notebook
from .runner import (
    DEFAULT_STORE,
    check_country,
    check_output_dir,
    report_indicators,
    run_report,
    sample_data_dir,
    split_options,
)

__all__ = ["run_batch", "summary_table", "available_countries"]

SUMMARY_COLUMNS = ("country", "status", "seconds", "report", "error")


def available_countries(data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Country ids with survey files under ``data_dir`` (default: the sample data), sorted.

    Examples
    --------
    >>> available_countries()
    ['aroland', 'belmora', 'corvia']
    """
    root = Path(data_dir) if data_dir else sample_data_dir()
    if not root.is_dir():
        raise ReportError(f"data folder {str(root)!r} does not exist")
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and (p / "survey_baseline.csv").is_file() and not p.name.startswith("."))


def _run_one(country: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """One country's report; never raises (a failure is a row of the summary)."""
    t0 = time.perf_counter()
    try:
        return run_report(country, **kwargs).to_dict()
    except CampaignMeError as exc:  # bad input or a failed notebook: the message names it
        error = str(exc)
    except Exception as exc:  # a kernel that died, a full disk...: still one line, never a stop
        error = f"{type(exc).__name__}: {exc}"
    return {"country": country, "status": "failed", "seconds": round(time.perf_counter() - t0, 1),
            "report": "", "error": " ".join(error.split())}


def summary_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The batch summary: one row per country (country, status, seconds, report, error)."""
    df = pd.DataFrame(records, columns=[*SUMMARY_COLUMNS, "run_id"])
    return df[list(SUMMARY_COLUMNS)].sort_values("country").reset_index(drop=True)


def run_batch(
    countries: str | list[str] = "all",
    *,
    workers: int = 2,
    scheduler: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "reports",
    parameters: dict[str, Any] | None = None,
    notebooks: list[str | os.PathLike[str]] | None = None,
    store: str | os.PathLike[str] | None = "default",
    kernel_name: str = "python3",
    timeout: float = 600,
    warm: bool = True,
    echo: Callable[[str], None] | None = print,
    catalogue: str | os.PathLike[str] | None = None,
    indicators: str | list[str] | None = None,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """Run several countries' reports in parallel; one failure does not stop the others.

    Parameters
    ----------
    countries : "all", str or list of str
        ``"all"`` (every country folder under ``data_dir``), ``"aroland,corvia"`` or a list.
    workers : int, default 2
        Countries run at the same time on this machine (threads, each driving its own kernel
        processes: kernels are never shared, and no process pool races on kernel start).
    scheduler : str, optional
        Address of an existing Dask distributed scheduler (``"tcp://host:8786"``): the countries
        run as tasks on its workers, which must have campaign_me installed and see ``data_dir``
        and ``out`` at the same paths. ``workers`` is then ignored.
    data_dir, out, parameters, notebooks, kernel_name, timeout, warm, catalogue, indicators, settings
        As in :func:`run_report`: the design, arm and rounds of each country come from its codebook.
    store : "default", path, URL or None
        Results store (default ``<out>/results.sqlite``); a path or URL, not an object, so that it
        travels to Dask workers.
    echo : callable or None, default print
        Called with one line per finished country.

    Returns
    -------
    pandas.DataFrame
        The summary (:func:`summary_table`); ``status`` is ``"ok"`` or ``"failed"``.
    """
    data_path = Path(data_dir).expanduser().resolve() if data_dir else sample_data_dir()
    if countries == "all" or countries is None:
        ids = available_countries(data_path)
        if not ids:
            raise ReportError(f"no country folders with survey files in {data_path}")
    else:
        ids = [c.strip() for c in countries.split(",")] if isinstance(countries, str) else list(countries)
        ids = [c for c in ids if c]
    for c in ids:
        check_country(c)
    if len(set(ids)) != len(ids):
        raise ReportError(f"countries {ids}: a country is listed twice")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ReportError(f"workers={workers!r}: give a whole number of at least 1")
    out_path = check_output_dir(out, data_dir=data_path)
    nbs = [str(find_notebook(nb)) for nb in (notebooks or REPORT_NOTEBOOKS)]
    options, nb_parameters = split_options(parameters, catalogue=catalogue, indicators=indicators)
    check_parameters(nbs, nb_parameters)  # a typo stops the batch before any kernel starts
    report_indicators(**options)  # so does an unknown indicator or a broken catalogue
    if options["catalogue"] not in (None, ""):  # the same file for every worker
        options["catalogue"] = str(Path(options["catalogue"]).expanduser().resolve())
    if store == "default":
        store = str(out_path / DEFAULT_STORE)
    elif store is not None:
        store = str(store)
    kwargs = {"data_dir": str(data_path), "out": str(out_path), "parameters": nb_parameters,
              "notebooks": nbs, "store": store, "progress": False, "kernel_name": kernel_name,
              "timeout": timeout, "warm": warm, "settings": settings, **options}
    records: list[dict[str, Any]] = []

    def done(rec: dict[str, Any]) -> None:
        records.append(rec)
        if echo is not None:
            tail = rec["report"] if rec["status"] == "ok" else rec["error"]
            echo(f"[{len(records)}/{len(ids)}] {rec['country']}: {rec['status']} in {rec['seconds']:.1f} s  {tail}")

    if scheduler:
        try:
            from distributed import Client  # deferred: optional dependency
            from distributed import as_completed as dask_completed  # deferred: optional dependency
        except ImportError:
            raise ReportError("--scheduler needs Dask: pip install 'campaign_me[dask]'") from None
        try:
            client = Client(scheduler, timeout=30)
        except OSError as exc:
            raise ReportError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
        token = uuid.uuid4().hex[:8]
        try:
            futures = {client.submit(_run_one, c, kwargs, key=f"campaign-me-report-{c}-{token}", pure=False): c
                       for c in ids}
            for fut in dask_completed(list(futures)):
                try:
                    rec = fut.result()
                except Exception as exc:  # the worker died
                    rec = {"country": futures[fut], "status": "failed", "seconds": float("nan"), "report": "",
                           "error": f"the Dask task failed: {type(exc).__name__}: {exc}"}
                done(rec)
        finally:
            client.close()
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(ids)), thread_name_prefix="campaign-me") as pool:
            futures = {pool.submit(_run_one, c, kwargs): c for c in ids}
            for fut in as_completed(futures):
                done(fut.result())
    return summary_table(records)
