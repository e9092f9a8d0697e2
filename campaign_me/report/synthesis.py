"""The regional synthesis: the results store read back, countries side by side."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

from .kernel import isolated
from .notebooks import SYNTHESIS_NOTEBOOK, ReportError, check_parameters, find_notebook, notebook_parameters
from .runner import (
    _MARKER,
    _QUIET_KERNEL,
    DEFAULT_STORE,
    ReportExecutionError,
    ReportResult,
    _as_declared,
    _indicator_ids,
    _keep_failed,
    _new_workspace,
    _now,
    _remove_workspace,
    _swap_in,
    clean_staging,
    report_indicators,
    split_options,
)

__all__ = ["run_synthesis", "synthesis_results"]


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
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .render import render_html, write_index
    from .store import ResultsStore

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
    names = notebook_parameters(nb_path)
    study = {"store": location,
             "data_dir": str(Path(options["data_dir"]).expanduser().resolve()) if options["data_dir"] else "",
             "catalogue": str(Path(options["catalogue"]).expanduser().resolve()) if options["catalogue"] else "",
             "indicators": _indicator_ids(options["indicators"]) or []}
    params = {k: _as_declared(v, names[k]) for k, v in study.items() if k in names}
    params.update(typed)
    run_id = f"synthesis-{uuid.uuid4().hex[:8]}"
    target = out_path / "synthesis"
    clean_staging(out_path)
    ws = _new_workspace(out_path, run_id, target)
    staging = ws / "report"
    try:
        output = staging / nb_path.name
        try:
            nb = pm.execute_notebook(str(nb_path), str(output), parameters=params, kernel_name=kernel_name,
                                     progress_bar=progress, request_save_on_cell_execute=False,
                                     extra_arguments=_QUIET_KERNEL, execution_timeout=timeout)
        except PapermillExecutionError as exc:
            failed = _keep_failed(target, output, nb_path.name)
            raise ReportExecutionError("synthesis", nb_path.name, exc.exec_count,
                                       f"{exc.ename}: {exc.evalue}", failed) from None
        render_html(nb, staging / f"{nb_path.stem}.html", title="Regional synthesis")
        write_index(staging, title="Regional synthesis", metadata={"results store": location, "finished": _now()},
                    files=[("Regional synthesis (report)", f"{nb_path.stem}.html"),
                           ("Executed notebook", nb_path.name)])
        (staging / _MARKER).write_text(run_id, encoding="utf-8")
        _swap_in(ws, target)
    finally:
        _remove_workspace(ws)
        try:
            ws.parent.rmdir()
        except OSError:
            pass
    files = tuple(sorted(p for p in target.iterdir() if p.is_file() and not p.name.startswith(".")))
    return ReportResult(country="synthesis", status="ok", report_dir=target, seconds=time.perf_counter() - t0,
                        run_id=run_id, files=files)


def synthesis_results(store: str = "", *, level: float = 0.95, min_n: int = 25, data_dir: str = "",
                      catalogue: str = "", indicators: str | list[str] | None = None):
    """The countries' results for the regional synthesis, and a sentence saying where they come from.

    The source is what the arguments say, never what happens to lie near the current folder:

    - ``store`` (a SQLite file or a SQLAlchemy URL): its results;
    - ``data_dir``: the results of its countries, computed here, with each country's design and arm
      from its codebook and the indicators of ``catalogue`` and ``indicators`` (as in
      :func:`run_report`);
    - neither: the sample countries' results, computed here (the notebook then works before any
      batch has run). Pass the batch's store (``reports/results.sqlite``) to read a batch's results.

    Returns
    -------
    (pandas.DataFrame, str)
        Tidy results (:data:`~campaign_me.report.content.RESULT_COLUMNS`) and their source.
    """
    import pandas as pd

    from .store import ResultsStore

    if store:
        if "://" not in store and not Path(store).is_file():
            raise ReportError(f"no results store at {store}: run country reports first (campaign-me batch)")
        return ResultsStore(store).results(), f"the results store {store}"
    from .. import Codebook, SurveyDesign, load_survey
    from ..indicators import applicable
    from ..workbook import sample_data_dir
    from .batch import available_countries
    from .content import country_results

    data = sample_data_dir(data_dir, generate=not data_dir)
    cat, ids = report_indicators(catalogue, indicators)
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
                                      level=level, min_n=min_n, **treated))
    where = f"the countries of {data}" if data_dir else "the sample countries"
    return (pd.concat(frames, ignore_index=True),
            f"{where}, computed here (no results store yet: run campaign-me batch to fill one)")
