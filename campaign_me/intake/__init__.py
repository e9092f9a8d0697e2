"""Safe intake of survey files: read, check against a codebook, protect respondents.

:func:`load_survey` reads a CSV, an Excel ``.xlsx`` sheet or a KoboToolbox/ODK export, every cell as
text first, then converts each column as its :class:`~campaign_me.codebook.Codebook` says, so numbers
are never silently mangled (ids keep their leading zeros, ``"n/a"`` in an age column is reported,
not turned into NaN). It collects *every* problem it finds and either raises one
:class:`~campaign_me.errors.IntakeError` listing them all (``errors="raise"``, the default) or returns
the data with a problem table (``errors="report"``). Input files are opened read-only and never
written.

The package is split by step: :mod:`~campaign_me.intake.readers` (bytes to raw records),
:mod:`~campaign_me.intake.structure` (header and row checks), :mod:`~campaign_me.intake.columns`
(column names to codebook variables), :mod:`~campaign_me.intake.convert` (typed columns),
:mod:`~campaign_me.intake.problems` (the problem table) and :mod:`~campaign_me.intake.load`
(:func:`load_survey`, and :func:`validate_survey`, which checks a file without keeping its data);
the rows are held as :mod:`~campaign_me.intake.table` columns (codes into each column's distinct
values), and large CSV files are read block-wise by :mod:`~campaign_me.intake.blocks` (pyarrow).
Personal-data tests live in :mod:`campaign_me.privacy`.

Problem table
-------------
One row per problem, with these columns:

========  =========================================================================================
column    meaning
========  =========================================================================================
file      file name (no folders)
column    the column concerned, as named in the codebook ("" for file-level problems)
rows      list of row numbers *as in the file*: line numbers of a CSV file and row numbers of an
          Excel sheet, where the header is row 1 and the first data row is row 2
values    list of distinct offending values as text (personal data is masked)
problem   what is wrong
expected  what was expected, and how to fix it
severity  ``error`` (raises with ``errors="raise"``), ``warning`` (issued as
          :class:`IntakeWarning`), ``note`` (logged: what intake did, e.g. dropped PII)
check     short name of the check: ``empty_file``, ``encoding``, ``not_excel``, ``zip_archive``,
          ``sheet``, ``header_row``, ``blank_header``, ``duplicate_column``, ``repeated_header``,
          ``second_header``, ``unterminated_quote``, ``stray_quote``, ``nul_byte``,
          ``lost_digits``, ``ragged_row``, ``no_data``, ``metadata``,
          ``group_prefix``,
          ``form_needed``, ``unknown_column``, ``missing_column``, ``ambiguous_column``,
          ``wrong_type``, ``invalid_code``, ``out_of_range``, ``select_multiple_mismatch``,
          ``all_missing``, ``duplicate_id``, ``missing_id``, ``bad_weight``, ``missing_design``,
          ``pii_dropped``, ``pii_suspected``
========  =========================================================================================

Column types after loading
--------------------------
``id`` and ``text``: ``string``; ``integer`` and categorical variables with whole-number codes:
``Int64``; categorical variables with text codes: ``string`` (or ``category`` of labels with
``labels=True``); ``number``: ``float64``; ``boolean``: ``boolean``; ``date``/``datetime``:
``datetime64``; ``select_multiple`` ``q``: one ``Int64`` 0/1 column ``q/option`` per option, NA where
the question was not answered. Missing codes become NA. The nullable columns hold ``pd.NA``: convert
with ``.to_numpy(dtype=float, na_value=np.nan)`` where NumPy arrays are needed.

Respondent protection
---------------------
Columns with role ``identifier`` are dropped unless ``keep_pii=True`` (a ``note`` says so).
:func:`find_pii` flags columns whose values look like phone numbers, e-mail addresses or GPS
coordinates, or whose names suggest personal data. Undeclared columns that look like personal data are
errors and are dropped; declared columns that look like it raise a warning (set ``check_pii: false``
in the codebook when that is intended). Problem tables and messages never show such values unmasked:
values of identifier columns, of columns that look like personal data (by name or values) and single
values that look like a phone number, an e-mail address or a GPS position are masked (``'07******78'``)
wherever they appear, including encoding errors and stray-quote reports.
"""

from __future__ import annotations

from campaign_me.errors import IntakeWarning
from campaign_me.intake.load import load_survey, validate_survey
from campaign_me.intake.problems import PROBLEM_COLUMNS, format_problems, summarize_problems
from campaign_me.privacy import find_pii

__all__ = [
    "PROBLEM_COLUMNS",
    "IntakeWarning",
    "find_pii",
    "format_problems",
    "load_survey",
    "summarize_problems",
    "validate_survey",
]
