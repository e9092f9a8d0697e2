"""The regional synthesis: the results store read back, countries side by side."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

from .. import workbook as _workbook
from ..codebook import Codebook
from ..conventions import Reporting, reporting
from ..design import SurveyDesign
from ..indicators import applicable
from ..intake import load_survey
from .batch import available_countries
from .content import country_results
from .kernel import isolated
from .lifecycle import DEFAULT_STORE, ReportResult, ReportRun, utc_now
from .notebooks import SYNTHESIS_NOTEBOOK, ReportError, check_parameters, find_notebook
from .runner import indicator_ids, report_indicators, split_options
from .store import ResultsStore

__all__ = ["run_synthesis", "synthesis_results"]

_PACKAGE = Path(__file__).resolve().parents[1]


@isolated
def run_synthesis(
    *,
    out: str | os.PathLike[str] = "reports",
    store: str | os.PathLike[str] | None = None,
    parameters: dict[str, Any] | None = None,
    progress: bool = True,
    kernel_name: str = "python3",
    timeout: float = 600,
    data_dir: str | os.PathLike[str] | None = None,
    catalogue: str | os.PathLike[str] | None = None,
    indicators: str | list[str] | None = None,
) -> ReportResult:
    """Render the regional synthesis (notebook ``08_regional_synthesis``) into ``<out>/synthesis/``.

    Parameters
    ----------
    out : path, default "reports"
        Output folder of the country reports.
    store : path or URL, optional
        Results store to read; default ``<out>/results.sqlite``.
    parameters, progress, kernel_name, timeout
        As in :func:`run_report`.
    data_dir, catalogue, indicators : optional
        The countries' data folder, an indicator catalogue of one's own and the indicator ids to
        compare (as in :func:`run_report`; also ``parameters={"data_dir": ...}``). The notebook
        receives each of them, as ``data_dir``, ``catalogue`` and ``indicators``, if it declares it.

    The run goes through the same life cycle as a country report
    (:class:`~campaign_me.report.lifecycle.ReportRun`): made in a staging folder, moved into place
    only when complete (a failed run leaves the previous synthesis as it was, and keeps the failed
    notebook under ``<out>/synthesis/failed/``).
    """
    t0 = time.perf_counter()
    out_path = Path(out).expanduser().resolve()
    location = str(store) if store else str(out_path / DEFAULT_STORE)
    if "://" not in location and not Path(location).is_file():
        raise ReportError(f"no results store at {location}: run country reports first (campaign-me batch)")
    if not len(ResultsStore(location).results()):
        raise ReportError(f"the results store {location} holds no successful country report yet")
    nb_path = find_notebook(SYNTHESIS_NOTEBOOK)
    options, rest = split_options(parameters, ("data_dir", "catalogue", "indicators"), data_dir=data_dir,
                                  catalogue=catalogue, indicators=indicators)
    typed = check_parameters([str(nb_path)], rest)[str(nb_path)]
    report_indicators(options["catalogue"], options["indicators"])  # a bad catalogue or id stops here
    values = {"store": location,
              "data_dir": str(Path(options["data_dir"]).expanduser().resolve()) if options["data_dir"] else "",
              "catalogue": str(Path(options["catalogue"]).expanduser().resolve()) if options["catalogue"] else "",
              "indicators": indicator_ids(options["indicators"]) or []}
    with ReportRun("synthesis", out=out_path, notebooks=[nb_path], kernel_name=kernel_name, progress=progress,
                   timeout=timeout) as run:
        run.prepare()
        nb = run.execute(0, run.parameterize(nb_path, values, typed))
        run.render(nb, nb_path, title="Regional synthesis", labels=("Regional synthesis (report)", "Executed notebook"))
        run.write(title="Regional synthesis", metadata={"results store": location, "finished": utc_now()})
        run.commit()
    return ReportResult(country="synthesis", status="ok", report_dir=run.target, seconds=time.perf_counter() - t0,
                        run_id=run.run_id, files=run.report_files())


def synthesis_results(store: str | os.PathLike[str] = "", *, reports: str | os.PathLike[str] = "",
                      level: float | None = None, min_n: int | None = None, data_dir: str | os.PathLike[str] = "",
                      catalogue: str | os.PathLike[str] = "", indicators: str | list[str] | None = None,
                      settings: Reporting | None = None) -> tuple[pd.DataFrame, str]:
    """The countries' results for the regional synthesis, and a sentence saying where they come from.

    The source is what the arguments say, never what happens to lie near the current folder:

    - ``store`` (a SQLite file or a SQLAlchemy URL): its results;
    - ``reports`` (the output folder of a batch of country reports): the results of its store,
      ``<reports>/results.sqlite``;
    - ``data_dir``: the results of its countries, computed here, with each country's design and arm
      from its codebook and the indicators of ``catalogue`` and ``indicators`` (as in
      :func:`run_report`);
    - none of these: the sample countries' results, computed here (the notebook then works before
      any batch has run).

    ``level`` and ``min_n`` (of results computed here) default to ``settings``' (a
    :class:`campaign_me.conventions.Reporting`; 0.95 and 25).

    Returns
    -------
    (pandas.DataFrame, str)
        Tidy results (:data:`~campaign_me.report.content.REPORT_COLUMNS`) and their source.
    """
    given = [name for name, value in (("store", store), ("reports", reports)) if value not in (None, "")]
    if len(given) > 1:
        raise ReportError(f"synthesis_results: give store={str(store)!r} or reports={str(reports)!r}, not both")
    if reports not in (None, ""):
        folder = Path(reports).expanduser()
        if not folder.is_dir():
            raise ReportError(f"reports={str(reports)!r}: no such folder")
        store = str(folder / DEFAULT_STORE)
    if store not in (None, ""):
        store = str(store)
        if "://" not in store and not Path(store).is_file():
            raise ReportError(f"no results store at {store}: run country reports first (campaign-me batch)")
        return ResultsStore(store).results(), f"the results store {store}"
    s = reporting(settings)
    level = s.level if level is None else level
    min_n = s.min_n if min_n is None else min_n
    # the sample data are searched from the package, not from the current folder
    data = _workbook.sample_data_dir(str(data_dir) if data_dir else "", start=_PACKAGE, generate=not data_dir)
    cat, ids = report_indicators(catalogue or None, indicators)
    frames = []
    for c in available_countries(data):
        own = data / c / "codebook.yaml"
        book = Codebook.from_yaml(own if own.is_file() else data / "codebook.yaml")
        rounds = [load_survey(data / c / f"survey_{r}.csv", book) for r in ("baseline", "endline")]
        treated = {}
        if book.arm is not None:  # campaign areas as 1, comparison areas as 0, whatever the arm's codes
            rounds = [r.assign(campaign_area=book.arm.mask(r).astype("int64")) for r in rounds]
            treated = {"treated": "campaign_area"}
        b, e = (SurveyDesign.from_codebook(r, book) for r in rounds)
        name = str(e.data["country"].iloc[0]) if "country" in e.data else c
        columns = list(dict.fromkeys([*rounds[0].columns, *rounds[1].columns]))
        usable, _ = applicable(cat.select(ids), book, columns)  # the questions this country asked
        frames.append(country_results(b, e, country=name, codebook=book, catalogue=cat, indicators=tuple(usable.ids),
                                      level=level, min_n=min_n, flag_n=s.flag_n, **treated))
    where = f"the countries of {data}" if data_dir else "the sample countries"
    return (pd.concat(frames, ignore_index=True),
            f"{where}, computed here (no results store yet: run campaign-me batch to fill one)")
