"""Country reports: one command from survey files to a report per country, in batch or on a Dask cluster.

The Run layer. It executes the workbook's report notebooks with papermill (a fresh kernel per
notebook), renders them to standalone HTML with the code hidden, moves the result into
``<out>/<country>/`` only when everything succeeded, and records every run and its tidy
indicator results in a results store (SQLite by default).

Main entry points: :func:`run_report`, :func:`run_batch`, :func:`run_synthesis`,
:func:`list_notebooks`, :class:`ResultsStore`. A country report and the synthesis share one life
cycle (prepare, parameterize, execute, render, write, commit, close):
:class:`campaign_me.report.lifecycle.ReportRun`.
"""

from .batch import run_batch, summary_table
from .notebooks import (
    REPORT_NOTEBOOKS,
    SYNTHESIS_NOTEBOOK,
    Parameter,
    ReportError,
    find_notebook,
    list_notebooks,
    notebook_dir,
    notebook_parameters,
    parse_parameters,
)
from .runner import (
    DEFAULT_STORE,
    ReportExecutionError,
    ReportResult,
    check_country,
    check_output_dir,
    report_indicators,
    run_report,
    sample_data_dir,
    validate_inputs,
)
from .store import ResultsStore
from .synthesis import run_synthesis

__all__ = [
    "DEFAULT_STORE",
    "REPORT_NOTEBOOKS",
    "SYNTHESIS_NOTEBOOK",
    "Parameter",
    "ReportError",
    "ReportExecutionError",
    "ReportResult",
    "ResultsStore",
    "check_country",
    "check_output_dir",
    "find_notebook",
    "list_notebooks",
    "notebook_dir",
    "notebook_parameters",
    "parse_parameters",
    "report_indicators",
    "run_batch",
    "run_report",
    "run_synthesis",
    "sample_data_dir",
    "summary_table",
    "validate_inputs",
]
