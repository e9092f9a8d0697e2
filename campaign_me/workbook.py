"""Helpers shared by the workbook notebooks (``notebooks/00_start_here.ipynb`` ...).

The notebooks stay thin: each one starts with a ``parameters`` cell of literals (for papermill)
and hands them to :func:`check_parameters`, which checks them all at once and stops with one
clear message; everything after that goes through the returned :class:`Workbook` and the
library. This module also finds the sample data (:func:`sample_data_dir`, for notebooks run
from a checkout, from an installed package or with a ``data_dir`` of one's own), prints a
clearly labelled head of a data set (:func:`labelled_head`), writes tables atomically
(:meth:`Workbook.save_table`), and turns a notebook into a one-page participant handout
(:func:`handout`, :func:`write_handouts`).

Data layout expected under ``data_dir`` (the layout of ``data/samples``)::

    codebook.yaml                       # or pass codebook= explicitly
    <country>/survey_baseline.csv       # one file per round: survey_<round>.csv (.xlsx too)
    <country>/survey_endline.csv
    <country>/frame.csv, census.csv, activities.csv, digital_metrics.csv, pretest.csv (optional)

A survey of one's own has only some of these: the notebooks ask the :class:`Workbook` what is there
(:meth:`Workbook.has`, :meth:`Workbook.optional_table`, :meth:`Workbook.column`) and a section that
needs what the survey lacks says so in one line (:func:`missing_line`) and moves on. The study (the
design, the campaign areas, the round structure, the questions under the catalogue's names) comes
from the codebook (:attr:`Workbook.book`), never from the column names of the sample data.
"""

from __future__ import annotations

import html as _html
import json
import os
import re
import shutil
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .codebook import Arm, Codebook
from .conventions import FLAG_N, Reporting, check_level, check_whole, reporting
from .deferred import Deferred
from .design import SurveyDesign
from .errors import CampaignMeError
from .files import write_atomic
from .indicators import applicable, compute_indicators, load_catalogue, respondent_values
from .intake import load_survey

nbformat = Deferred("nbformat")  # deferred: 2 s at import; only handouts and refresh_pins read notebooks
mistune = Deferred("mistune")  # deferred: only print_html converts Markdown
IPython = Deferred("IPython")  # deferred: only a notebook's kernel has a shell to show errors in
synth = Deferred("campaign_me.synth")  # deferred: openpyxl and the simulator; only generating the sample data needs it

__all__ = [
    "ParameterError",
    "Workbook",
    "check_parameters",
    "sample_data_dir",
    "shipped_catalogue",
    "labelled_head",
    "handout",
    "write_handouts",
    "print_html",
    "SAMPLE_COUNTRIES",
    "sample_overview",
    "design_comparison",
    "rank_segments",
    "refresh_pins",
    "household_listing",
    "missing_line",
    "Missing",
    "Asked",
    "LESSON_OUTCOMES",
    "BREAKDOWNS",
    "SAMPLE_STUDY",
    "ARM_COLUMN",
]

#: The 0/1 column :meth:`Workbook.with_arm` adds when the codebook's arm is not already coded 0/1.
ARM_COLUMN = "campaign_area"
#: The sample countries of ``data/samples`` (keys of :data:`campaign_me.synth.COUNTRIES`).
SAMPLE_COUNTRIES = ("aroland", "belmora", "corvia")
#: Their display names (the ``name`` of each :data:`campaign_me.synth.COUNTRIES` entry), here so that
#: checking a notebook's parameters does not import the simulator.
SAMPLE_NAMES = {"aroland": "Aroland", "belmora": "Belmora", "corvia": "Corvia"}
_ROUND_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_DATA_ENV = "CAMPAIGN_ME_DATA"


#: How many survey rounds a :class:`Workbook` keeps once read (:meth:`Workbook.survey`).
_SURVEYS_KEPT = 4
_SHIPPED_CATALOGUE = Path(__file__).with_name("indicators.yaml")  # what load_catalogue() reads
_CATALOGUES: dict[tuple, Any] = {}


def _file_key(path: str | os.PathLike[str]) -> tuple:
    """What identifies a file's contents for the caches here: its resolved path, size and mtime."""
    p = Path(path).resolve()
    st = p.stat()
    return (str(p), st.st_size, st.st_mtime_ns)


def shipped_catalogue():
    """The shipped indicator catalogue (:func:`campaign_me.indicators.load_catalogue`), read once.

    Read again when ``campaign_me/indicators.yaml`` changes on disk (keyed on its path, size and
    modification time).
    """
    key = _file_key(_SHIPPED_CATALOGUE)
    if key not in _CATALOGUES:
        _CATALOGUES.clear()
        _CATALOGUES[key] = load_catalogue()
    return _CATALOGUES[key]


class ParameterError(CampaignMeError):
    """A notebook parameter is missing, of the wrong type or out of range."""


#: The catalogue's yes/no indicators the lessons estimate as survey columns (a share, a
#: before-after change, a difference-in-differences). A survey whose question has another name
#: (``concept: risk_aware`` on ``aware_risk``) gets each respondent's value of the indicator as a
#: column under the catalogue's name (:meth:`Workbook.survey`).
LESSON_OUTCOMES = ("risk_aware", "intend_irregular", "hotline_known", "exposed_any", "info_seeking")

#: The breakdowns the lessons group by, in the catalogue's names (its ``disaggregations``), with their
#: names in words. A survey answers one under another name with ``concept:`` (``concept: sex`` on a
#: question ``gender``); :meth:`Workbook.column` finds it.
BREAKDOWNS = {"sex": "sex", "age_group": "age group", "urban": "urban or rural", "education": "education",
              "migration_status": "migration plans", "district": "district", "region": "region"}

#: The study of the sample data (``data/samples``, written by :mod:`campaign_me.synth`), whose codebook
#: declares no ``arm``: campaign districts are its boolean column ``campaign``, and its villages
#: (``village``) are the clusters a simulation copies (its ``psu`` is a household in the villages taken
#: with certainty). Used only for the sample world (a country folder with ``truth.json``) and only where
#: the codebook says nothing: a codebook's ``arm`` always wins.
SAMPLE_STUDY = {"arm": "campaign", "cluster": "village"}


class Missing:
    """What a survey lacks for a section, in place of the data: falsy, shown (and printed) as its one line.

    :meth:`Workbook.optional_table` returns one for a file the country's folder does not hold; the
    lessons pass it on, the function that opens a section shows it, the others show nothing.

    Examples
    --------
    >>> gap = Missing(missing_line("message pretest", "pretest.csv"))
    >>> bool(gap), str(gap)
    (False, 'This survey has no message pretest (pretest.csv): this section needs one.')
    """

    __slots__ = ("line",)

    def __init__(self, line: str) -> None:
        self.line = line

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return self.line

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Missing) and other.line == self.line

    __hash__ = None  # type: ignore[assignment]


class Asked(list):
    """Indicator ids a survey asked (a list), with the ones it did not (:meth:`Workbook.asked`).

    Attributes
    ----------
    not_asked : DataFrame
        ``id, name, missing, reason`` of the others (:func:`campaign_me.indicators.applicable`).
    """

    def __init__(self, ids: Sequence[str] = (), not_asked: pd.DataFrame | None = None) -> None:
        super().__init__(ids)
        self.not_asked = not_asked if not_asked is not None else pd.DataFrame(columns=["id", "name", "missing", "reason"])

    @property
    def line(self) -> str:
        """One line naming the indicators the survey did not ask, or ``""``.

        Examples
        --------
        >>> gaps = pd.DataFrame({"id": ["info_seeking"], "name": ["Sought official information"],
        ...                      "missing": ["info_seeking"], "reason": ["not asked in this survey"]})
        >>> Asked(["risk_aware"], gaps).line
        'Not in this survey (not asked): Sought official information (info_seeking).'
        """
        if not len(self.not_asked):
            return ""
        parts = [f"{r['name']} ({r['id']})" for r in self.not_asked.to_dict("records")]
        reasons = set(self.not_asked["reason"])
        why = "not asked" if reasons == {"not asked in this survey"} else "not asked, or not as the catalogue defines it"
        return f"Not in this survey ({why}): {', '.join(parts)}."


def missing_line(what: str, source: str, needs: str = "this section needs one") -> str:
    """The one line a section prints when the survey lacks what it needs.

    Examples
    --------
    >>> missing_line("message pretest", "pretest.csv")
    'This survey has no message pretest (pretest.csv): this section needs one.'
    >>> missing_line("question on perceived risk", "risk_perception", "the 999 trap needs a number with a \'don\'t know\' code")
    "This survey has no question on perceived risk (risk_perception): the 999 trap needs a number with a 'don't know' code."
    """
    return f"This survey has no {what} ({source}): {needs}."


# ---------------------------------------------------------------------------
# locating data
# ---------------------------------------------------------------------------


def _is_sample_dir(path: Path) -> bool:
    return (path / "codebook.yaml").is_file() and any((path / c).is_dir() for c in SAMPLE_COUNTRIES)


def _sample_cache() -> Path:
    """Where an installed package keeps the sample data it generated (one folder per version and seed)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "campaign_me"
    return cache / f"samples-{__version__}-{synth.DEFAULT_SEED}"


def _generate_samples(target: Path) -> Path:
    """Generate the sample data into ``target`` once (a temporary folder renamed into place)."""
    tmp = target.parent / f".{target.name}-{uuid.uuid4().hex}"
    try:
        synth.generate(tmp, seed=synth.DEFAULT_SEED)
        tmp.rename(target)
    except OSError:
        if not _is_sample_dir(target):  # not another process that made it first
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def sample_data_dir(data_dir: str | os.PathLike[str] | None = None, *, start: str | os.PathLike[str] | None = None,
                    generate: bool = False) -> Path:
    """Find the directory holding the sample data (``data/samples``): the one function that does.

    The notebooks (:func:`check_parameters`), the country reports
    (:func:`campaign_me.report.sample_data_dir`, the same search with ``generate=True``), the
    ``campaign-me`` commands and the workshop all find the sample data through it, in one order.

    Parameters
    ----------
    data_dir : str or path-like, optional
        An explicit directory; returned (resolved) if it exists. ``None`` or ``""`` searches.
    start : str or path-like, optional
        Where the search starts (default: the current directory, which is ``notebooks/`` when
        a notebook runs).
    generate : bool, default False
        When no sample data are found, generate them once (``campaign_me.synth``, a few seconds)
        into a cache folder (``$XDG_CACHE_HOME/campaign_me`` or ``~/.cache/campaign_me``) and
        return that: what an installed package without a checkout needs.

    Returns
    -------
    pathlib.Path
        In this order: ``data_dir``; the directory in the environment variable
        ``CAMPAIGN_ME_DATA``; ``data/samples`` in ``start`` or one of its parents (a checkout);
        ``data/samples`` beside the installed package (an editable install); the cache folder,
        if sample data were generated there before (or ``generate=True``).

    Raises
    ------
    ParameterError
        If ``data_dir`` does not exist, or no sample data are found (and ``generate`` is False);
        the message says how to generate them (``campaign-me synth --out DIR``).

    Examples
    --------
    >>> sample_data_dir().name
    'samples'
    >>> sorted(p.parent.name for p in sample_data_dir().glob("*/survey_baseline.csv"))
    ['aroland', 'belmora', 'corvia']
    """
    if data_dir not in (None, ""):
        path = Path(os.fspath(data_dir)).expanduser()
        if not path.is_dir():
            raise ParameterError(f"data_dir: folder {str(path)!r} does not exist (current folder: {os.getcwd()})")
        return path.resolve()
    env = os.environ.get(_DATA_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise ParameterError(f"environment variable {_DATA_ENV}={env!r} is not a folder")
        return path.resolve()
    here = Path(start if start is not None else os.getcwd()).resolve()
    for root in (here, *here.parents, Path(__file__).resolve().parents[1]):
        candidate = root / "data" / "samples"
        if _is_sample_dir(candidate):
            return candidate
    cache = _sample_cache()
    if _is_sample_dir(cache):
        return cache
    if generate:
        cache.parent.mkdir(parents=True, exist_ok=True)
        return _generate_samples(cache)
    raise ParameterError(
        "sample data not found: no data/samples folder in the current folder or its parents. "
        "Generate it with `campaign-me synth --out data/samples` and set data_dir to that folder "
        f"(or the environment variable {_DATA_ENV})."
    )


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Workbook:
    """Checked notebook parameters and the data they point to (made by :func:`check_parameters`).

    Attributes
    ----------
    country : str
        Country key (the data folder's name).
    country_name : str
        Display name ("Aroland").
    data_dir : pathlib.Path
        The data folder (holds the codebook and one folder per country).
    codebook : pathlib.Path
        The codebook file.
    rounds : tuple of str
        Survey rounds, e.g. ``("baseline", "endline")``.
    level : float
        Confidence level of every interval.
    min_n : int
        Suppression threshold: estimates resting on fewer respondents are not shown.
    seed : int
        Seed for anything random (sample draws, simulations).
    output_dir : pathlib.Path or None
        Where tables are written (created on first write); None writes nothing.
    flag_n : int
        Estimates resting on fewer respondents than this (but at least ``min_n``) are flagged
        "interpret with caution".
    df : None, "degf", "design" or number
        Degrees of freedom of the intervals (:class:`campaign_me.conventions.Reporting`).
    settings : campaign_me.conventions.Reporting
        ``level``, ``min_n``, ``flag_n`` and ``df`` as one value: pass ``settings=wb.settings`` to
        the library's functions instead of each setting by hand.
    """

    country: str
    country_name: str
    data_dir: Path
    codebook: Path
    rounds: tuple[str, ...]
    level: float
    min_n: int
    seed: int
    output_dir: Path | None
    flag_n: int = FLAG_N
    df: Any = None

    @property
    def settings(self) -> Reporting:
        """The reporting settings (:class:`campaign_me.conventions.Reporting`): level, min_n, flag_n, df."""
        return Reporting(level=self.level, min_n=self.min_n, flag_n=self.flag_n, df=self.df)

    @property
    def country_dir(self) -> Path:
        """The country's data folder."""
        return self.data_dir / self.country

    def describe(self) -> str:
        """One line saying what the notebook will run on."""
        return (f"{self.country_name}: rounds {', '.join(self.rounds)}; {self.level:.0%} confidence intervals; "
                f"estimates on fewer than {self.min_n} respondents suppressed; seed {self.seed}")

    def path(self, name: str) -> Path:
        """Path of a file in the country's folder (``"frame.csv"``); an error names it if missing."""
        path = self.country_dir / name
        if not path.exists():
            present = sorted(p.name for p in self.country_dir.iterdir()) if self.country_dir.is_dir() else []
            raise ParameterError(
                f"{self.country}: file {str(path)!r} not found (the folder holds: {', '.join(present) or 'nothing'})"
            )
        return path

    def survey_file(self, round_: str) -> Path:
        """The survey file of a round: ``survey_<round>.csv`` (or ``.xlsx``)."""
        for ext in (".csv", ".xlsx"):
            candidate = self.country_dir / f"survey_{round_}{ext}"
            if candidate.is_file():
                return candidate
        return self.path(f"survey_{round_}.csv")

    def survey(self, round_: str | None = None) -> pd.DataFrame:
        """Load one survey round through the codebook (:func:`campaign_me.load_survey`).

        A survey whose questions answer the catalogue's under other names (``concept:``) also gets,
        for each of :data:`LESSON_OUTCOMES` it can compute and has no column of that name for, each
        respondent's value of the indicator as a yes/no column under the catalogue's name
        (``risk_aware`` from ``aware_risk``, ``exposed_any`` from a select_multiple exposure
        question): the lessons' before-after changes and differences-in-differences read it. The
        sample data have all these columns and are returned as loaded.
        """
        round_ = self.rounds[0] if round_ is None else round_
        if round_ not in self.rounds:
            raise ParameterError(f"round {round_!r} is not among rounds={list(self.rounds)}")
        # Rounds already read by this workbook, keyed on the path, size and modification time of the
        # survey file, the codebook and the shipped catalogue: a lesson that reads the same round
        # again (another cell) does not parse it again, a file changed on disk is read afresh, and
        # a new Workbook (the Parameters cell run again) starts empty.
        surveys = self.__dict__.setdefault("_surveys", OrderedDict())
        path = self.survey_file(round_)
        key = (_file_key(path), _file_key(self.codebook), _file_key(_SHIPPED_CATALOGUE))
        data = surveys.get(key)
        if data is None:
            data = self._with_outcomes(load_survey(path, self.book))
            surveys[key] = data
            while len(surveys) > _SURVEYS_KEPT:
                surveys.popitem(last=False)
        else:
            surveys.move_to_end(key)
        return data.copy()  # a fresh table each time: changing it changes no later call's

    def _with_outcomes(self, data: pd.DataFrame) -> pd.DataFrame:
        wanted = [i for i in LESSON_OUTCOMES if i not in data.columns]
        if not wanted:
            return data
        # the catalogue's own evaluation of an indicator (indicators.respondent_values)
        usable, _ = applicable(None, self.book, data)
        ids = [i for i in wanted if i in usable.ids and usable[i].type == "proportion"]
        if not ids:
            return data
        added = {}
        for ind, y, _kind, mask, _den, _problem in respondent_values(data, usable.select(ids), self.book):
            if y is None:
                continue
            value = pd.array(y == 1, dtype="boolean")
            value[~mask] = pd.NA
            added[ind.id] = value
        return data.assign(**added) if added else data

    # -- the study, from the codebook -------------------------------------------------------------

    @cached_property
    def book(self):
        """The codebook (:class:`campaign_me.Codebook`), read once."""
        return Codebook.from_yaml(self.codebook)

    @property
    def sample_world(self) -> bool:
        """True for a country of the simulated sample world (its folder holds ``truth.json``)."""
        return (self.country_dir / "truth.json").is_file()

    def column(self, name: str) -> str | None:
        """The survey column that answers ``name``: a catalogue name or a codebook variable.

        A variable with ``concept: name`` (``gender`` for ``"sex"``), else the variable ``name``
        itself; ``"weight"``, ``"strata"``, ``"psu"`` and ``"id"`` give the design columns the
        codebook declares. None when the survey has no such question.

        Examples
        --------
        >>> wb = check_parameters(country="corvia", rounds=["baseline"])
        >>> wb.column("sex"), wb.column("weight"), wb.column("psu"), wb.column("pulse_rate")
        ('sex', 'weight', 'psu', None)
        """
        book = self.book
        if name in ("weight", "strata", "psu", "id", "fpc") and getattr(book, name, None):
            return getattr(book, name)
        concepts = book.concepts
        if name in concepts:
            return concepts[name]
        if name in book:
            return name
        return None

    def columns(self, names: Sequence[str]) -> dict[str, str]:
        """``{name: column}`` for the names the survey answers (:meth:`column`), in the order given."""
        found = {n: self.column(n) for n in names}
        return {n: c for n, c in found.items() if c is not None}

    def asked(self, indicators: Sequence[str]) -> Asked:
        """The catalogue indicators among ``indicators`` whose questions this survey asked, in order.

        Returns an :class:`Asked` (a list of ids) that also holds the others
        (:func:`campaign_me.indicators.applicable`) and the one line naming them.

        Examples
        --------
        >>> wb = check_parameters(country="corvia", rounds=["baseline"])
        >>> wb.asked(["risk_aware", "hotline_known"]), wb.asked(["risk_aware"]).line
        (['risk_aware', 'hotline_known'], '')
        """
        ids = list(indicators)
        usable, other = applicable(shipped_catalogue().select(ids), self.book)
        return Asked([i for i in ids if i in usable.ids], other)

    def weights(self, data: pd.DataFrame) -> pd.Series | Missing:
        """The survey weights the codebook declares (its ``weight`` column), or a :class:`Missing`."""
        if not self.book.weight or self.book.weight not in data.columns:
            return Missing(missing_line("survey weights", "weight: in the codebook", "every interview counts the same"))
        return data[self.book.weight]

    def has(self, name: str) -> bool:
        """Whether the country's data hold ``name``.

        A name with a file extension (``"pretest.csv"``, ``"logframe.yaml"``, ``"truth.json"``) is a
        file of the country's folder; any other name a question (:meth:`column`).
        """
        if Path(name).suffix:
            return (self.country_dir / name).is_file()
        return self.column(name) is not None

    def optional_table(self, name: str, what: str, needs: str = "this section needs one") -> pd.DataFrame | Missing:
        """A table of the country's folder (:meth:`table`), or a :class:`Missing` saying it is not there.

        Examples
        --------
        >>> wb = check_parameters(country="corvia", rounds=["baseline"])
        >>> wb.optional_table("pretest", "message pretest").shape[0] > 0
        True
        >>> wb.optional_table("prices", "price survey")
        This survey has no price survey (prices.csv): this section needs one.
        """
        file = name if name.endswith(".csv") else name + ".csv"
        if not self.has(file):
            return Missing(missing_line(what, file, needs))
        return self.table(file)

    @cached_property
    def arm(self):
        """The campaign areas (:class:`campaign_me.codebook.Arm`): the codebook's ``arm``.

        None when the codebook declares none (the sample world's codebook predates the key: its
        campaign districts are the column of :data:`SAMPLE_STUDY`).
        """
        book = self.book
        if book.arm is not None:
            return book.arm
        legacy = SAMPLE_STUDY["arm"]
        if self.sample_world and legacy in book and book[legacy].type == "boolean":
            return Arm(legacy, campaign=(True,), codes=(True, False), true=book[legacy].true,
                       false=book[legacy].false)
        return None

    @property
    def arm_column(self) -> str | None:
        """A column that is 1 (True) in campaign areas and 0 (False) in comparison areas, or None.

        The arm column itself when it is boolean, or coded 0/1 with 1 the campaign code; otherwise
        :data:`ARM_COLUMN`, which :meth:`with_arm` adds.
        """
        arm = self.arm
        if arm is None:
            return None
        keys = {str(c).lower() for c in arm.codes}
        if keys <= {"true", "false"} and tuple(arm.campaign) == (True,):
            return arm.column
        if keys == {"0", "1"} and [str(c) for c in arm.campaign] == ["1"]:
            return arm.column
        return ARM_COLUMN

    def with_arm(self, data: pd.DataFrame) -> pd.DataFrame:
        """``data`` with the 0/1 column :attr:`arm_column` (added only when the arm's codes are not 0/1)."""
        column = self.arm_column
        if column is None or column in data.columns:
            return data
        return data.assign(**{column: self.arm.mask(data).astype("int64").to_numpy()})

    def in_campaign(self, data: pd.DataFrame) -> pd.Series:
        """True on the rows in campaign areas (the codebook's ``arm``); an error names what is missing."""
        if self.arm is None:
            raise ParameterError(missing_line("campaign areas", "arm: in the codebook", "name the column that "
                                              "tells campaign from comparison areas"))
        return self.arm.mask(data).astype(bool)

    @property
    def cluster(self) -> str | None:
        """The clusters (villages) the rounds share: the codebook's ``psu`` (the sample world's villages)."""
        if self.sample_world and SAMPLE_STUDY["cluster"] in self.book:
            return SAMPLE_STUDY["cluster"]
        return self.book.psu

    def raw(self, round_: str | None = None) -> pd.DataFrame:
        """A survey round read *without* the codebook (plain :func:`pandas.read_csv`): for teaching only."""
        round_ = self.rounds[0] if round_ is None else round_
        return pd.read_csv(self.survey_file(round_))

    def design(self, data: pd.DataFrame, *, lonely_psu: str = "fail", **overrides):
        """The survey design the codebook declares (:meth:`SurveyDesign.from_codebook`).

        The weight, strata, clusters (and fpc) are the columns the codebook names at its top level
        (``weight: weight``, ``strata: stratum``, ``psu: psu`` for the sample data). Pass
        ``weights=``, ``strata=``, ``psu=`` or ``fpc=`` to override one: ``weights=None`` for an
        unweighted design, ``weights="design_weight"`` for the weights before raking.
        """
        return SurveyDesign.from_codebook(data, self.book, lonely_psu=lonely_psu, **overrides)

    def table(self, name: str) -> pd.DataFrame:
        """Read a CSV table of the country's folder (``"frame"``, ``"activities"``, ...)."""
        return pd.read_csv(self.path(name if name.endswith(".csv") else name + ".csv"))

    def truth(self) -> dict:
        """The planted effects of the simulated world (``truth.json``); sample data only."""
        return json.loads(self.path("truth.json").read_text(encoding="utf-8"))

    def save_table(self, table: pd.DataFrame, name: str) -> Path | None:
        """Write a table as CSV into ``output_dir`` atomically (temporary file, then rename).

        Returns the file written, or None when ``output_dir`` is ``""`` (nothing is written).
        Refuses to write into the data folder, so raw data are never overwritten.
        """
        if self.output_dir is None:
            return None
        out = self.output_dir
        data_root = self.data_dir.resolve()
        target = (out / (name if name.endswith(".csv") else name + ".csv")).resolve()
        if data_root == target.parent or data_root in target.parents:
            raise ParameterError(f"output_dir {str(out)!r} is inside the data folder; choose another folder")
        write_atomic(target, table.to_csv(index=False).encode("utf-8"))
        return target


def show_errors_plainly() -> bool:
    """In a notebook, show expected errors as one plain message instead of a traceback.

    A participant who mistypes a column name or a parameter should read what went wrong, not 31
    lines of pandas internals. In an IPython kernel this registers a handler (IPython's
    ``set_custom_exc``) for campaign_me's own errors (:class:`~campaign_me.errors.CampaignMeError`)
    and for ``KeyError`` (a name that is not in a table): the cell still fails (Run All stops there,
    papermill reports it), but its output is the error's one line. Anything else keeps its full
    traceback, which a bug report needs. :func:`check_parameters` calls it; outside IPython it does
    nothing and returns False.
    """
    try:
        shell = IPython.get_ipython()
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    if shell is None:
        return False

    def plain(shell, etype, evalue, tb, tb_offset=None):
        if issubclass(etype, KeyError) and not issubclass(etype, CampaignMeError):
            evalue = KeyError(f"{evalue} was not found: check the spelling (names are case-sensitive)")
        shell.showtraceback((etype, evalue, tb), tb_offset=tb_offset, exception_only=True)

    shell.set_custom_exc((CampaignMeError, KeyError), plain)
    return True


def check_parameters(
    *,
    country: str,
    data_dir: str = "",
    codebook: str = "",
    rounds: Sequence[str] = ("baseline", "endline"),
    level: float | None = None,
    min_n: int | None = None,
    seed: int = 2018,
    output_dir: str = "",
    country_name: str = "",
    flag_n: int | None = None,
    settings: Reporting | None = None,
) -> Workbook:
    """Check a notebook's parameters all at once and return them with the data paths resolved.

    Parameters
    ----------
    country : str
        A sample country (``"aroland"``, ``"belmora"``, ``"corvia"``) or the name of a folder
        of one's own under ``data_dir``.
    data_dir : str, default ""
        Folder holding the codebook and one folder per country; ``""`` finds the sample data
        (:func:`sample_data_dir`).
    codebook : str, default ""
        Codebook file; ``""`` means ``<data_dir>/codebook.yaml``.
    rounds : sequence of str, default ("baseline", "endline")
        Survey rounds; each needs ``<data_dir>/<country>/survey_<round>.csv`` (or ``.xlsx``).
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.
    min_n : int, default 25
        Smallest number of respondents behind an estimate that is shown (>= 1).
    flag_n : int, default 50
        Estimates resting on fewer respondents than this (but at least ``min_n``) are flagged
        "interpret with caution"; at least ``min_n`` (default: 50, or ``min_n`` if that is larger).
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (level, min_n, flag_n, df) as one value; ``level=``, ``min_n=`` and
        ``flag_n=`` given explicitly win. Without either, the defaults of
        :mod:`campaign_me.conventions`.
    seed : int, default 2018
        Seed for random draws (>= 0).
    output_dir : str, default ""
        Where tables are written; must not be an existing file. ``""`` writes nothing.
    country_name : str, default ""
        Display name; defaults to the sample country's name or the folder name capitalised.

    Returns
    -------
    Workbook
        Its :attr:`Workbook.settings` is what the lessons and notebooks pass on (``settings=wb.settings``).

    Raises
    ------
    ParameterError
        One error listing every bad parameter, with the value given and what is expected.

    Examples
    --------
    >>> wb = check_parameters(country="corvia", rounds=["baseline"], level=0.9)
    >>> wb.country_name, wb.rounds, wb.level
    ('Corvia', ('baseline',), 0.9)
    >>> wb.settings
    Reporting(level=0.9, min_n=25, flag_n=50, df=None)
    >>> check_parameters(country="narnia", level=95)
    Traceback (most recent call last):
    ...
    campaign_me.workbook.ParameterError: 2 bad notebook parameters:
      - country='narnia': no folder ...narnia; the sample countries are 'aroland', 'belmora', 'corvia'
      - level=95: must be a number strictly between 0 and 1 (did you mean 0.95?)
    """
    show_errors_plainly()
    problems: list[str] = []

    def bad(name: str, value: object, message: str) -> None:
        problems.append(f"{name}={value!r}: {message}")

    def checked(check, value: object, name: str, **limits):
        """``check(value)`` (a campaign_me.conventions check), or None with its message kept as a problem."""
        try:
            return check(value, argument=name, error=ParameterError, **limits)
        except ParameterError as exc:
            text, prefix = str(exc), f"{name}={value!r} "
            bad(name, value, text[len(prefix):] if text.startswith(prefix) else text)
            return None

    # data folder first: other checks depend on it
    root: Path | None = None
    if not isinstance(data_dir, (str, os.PathLike)):
        bad("data_dir", data_dir, "must be a folder path (text); \"\" uses the sample data")
    else:
        try:
            root = sample_data_dir(data_dir)
        except ParameterError as exc:
            problems.append(f"data_dir={data_dir!r}: {exc}")

    if not isinstance(country, str) or not country.strip():
        bad("country", country, f"must be a country folder name, e.g. {', '.join(map(repr, SAMPLE_COUNTRIES))}")
        country = ""
    elif root is not None and not (root / country).is_dir():
        known = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
                       and (any(p.glob("survey_*.csv")) or any(p.glob("survey_*.xlsx"))))
        bad("country", country, f"no folder {str(root / country)}; the sample countries are "
            + ", ".join(map(repr, known or SAMPLE_COUNTRIES)))
        country = ""

    if isinstance(rounds, str):
        rounds = (rounds,)
    if not isinstance(rounds, Sequence) or not rounds or not all(isinstance(r, str) and _ROUND_RE.match(r) for r in rounds):
        bad("rounds", rounds, "must be a non-empty list of round names such as [\"baseline\", \"endline\"]")
        rounds = ()
    elif len(set(rounds)) != len(rounds):
        bad("rounds", list(rounds), "lists a round twice")
        rounds = ()
    rounds = tuple(rounds)
    if root is not None and country:
        for r in rounds:
            files = [root / country / f"survey_{r}{ext}" for ext in (".csv", ".xlsx")]
            if not any(f.is_file() for f in files):
                bad("rounds", list(rounds), f"no survey file {str(files[0])} for round {r!r}")

    cb_path: Path | None = None
    if not isinstance(codebook, (str, os.PathLike)):
        bad("codebook", codebook, "must be a file path (text); \"\" uses <data_dir>/codebook.yaml")
    elif root is not None:
        cb_path = Path(codebook).expanduser() if codebook not in ("", None) else root / "codebook.yaml"
        if not cb_path.is_file():
            bad("codebook", str(codebook), f"file {str(cb_path)} not found")

    base = Reporting()
    if settings is not None and not isinstance(settings, Reporting):
        bad("settings", settings, "must be a campaign_me.conventions.Reporting, e.g. Reporting(level=0.9)")
    elif settings is not None:
        base = settings
    level = checked(check_level, base.level if level is None else level, "level")
    min_n = checked(check_whole, base.min_n if min_n is None else min_n, "min_n", minimum=1)
    if flag_n is None:  # the settings' caution flag, raised to min_n when min_n is set above it
        flag_n = max(base.flag_n, min_n) if min_n is not None else base.flag_n
    flag_n = checked(check_whole, flag_n, "flag_n", minimum=1)
    if min_n is not None and flag_n is not None and flag_n < min_n:
        bad("flag_n", flag_n, f"must be at least min_n={min_n} (estimates below min_n are suppressed, "
            "those below flag_n flagged)")
    seed = checked(check_whole, seed, "seed", minimum=0)
    if not isinstance(output_dir, (str, os.PathLike)):
        bad("output_dir", output_dir, "must be a folder path (text); \"\" writes nothing")
    elif str(output_dir).strip() and Path(output_dir).exists() and not Path(output_dir).is_dir():
        bad("output_dir", output_dir, "is an existing file, not a folder")
    if not isinstance(country_name, str):
        bad("country_name", country_name, "must be text")

    if problems:
        head = "1 bad notebook parameter" if len(problems) == 1 else f"{len(problems)} bad notebook parameters"
        raise ParameterError(head + ":\n" + "\n".join(f"  - {p}" for p in problems))

    if not country_name:
        country_name = SAMPLE_NAMES.get(country) or country.replace("_", " ").title()
    assert root is not None and cb_path is not None  # guaranteed when there is no problem
    return Workbook(
        country=country,
        country_name=country_name,
        data_dir=root,
        codebook=cb_path.resolve(),
        rounds=rounds,
        level=level,
        min_n=min_n,
        seed=seed,
        output_dir=Path(output_dir).expanduser() if str(output_dir).strip() else None,
        flag_n=flag_n,
        df=base.df,
    )


# ---------------------------------------------------------------------------
# showing data
# ---------------------------------------------------------------------------


def labelled_head(data: pd.DataFrame, n: int = 5, *, columns: Sequence[str] | None = None,
                  label: str = "sample data") -> pd.io.formats.style.Styler:
    """The first ``n`` rows of a data set, captioned with what they are and how many rows there are.

    The only respondent-level rows a notebook shows; identifiers (``resp_id``) are left out. A
    :class:`Missing` in place of the data is returned as it is (shown as its one line).

    Examples
    --------
    >>> df = pd.DataFrame({"resp_id": ["a", "b", "c"], "age": [20, 31, 44]})
    >>> labelled_head(df, 2).caption
    'First 2 of 3 rows (sample data; resp_id hidden)'
    """
    if isinstance(data, Missing):
        return data
    cols = list(columns) if columns is not None else list(data.columns)
    hidden = [c for c in ("resp_id",) if c in cols]
    shown = data.loc[:, [c for c in cols if c not in hidden]].head(n)
    caption = f"First {len(shown)} of {len(data)} rows ({label}" + (f"; {', '.join(hidden)} hidden)" if hidden else ")")
    return shown.style.set_caption(caption).format(precision=2)


# ---------------------------------------------------------------------------
# handouts
# ---------------------------------------------------------------------------

_HANDOUT_SECTIONS = ("objectives", "timing", "prerequisites", "key points")


def _cell_text(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else str(src)


def handout(notebook: str | os.PathLike[str]) -> str:
    """A one-page participant handout (Markdown) generated from a workbook notebook.

    It keeps the title cell (title and introduction), the sections headed *Objectives*, *Timing*, *Prerequisites* and
    *Key points*, and the *Your turn* exercises without their solutions (the part of a cell
    inside ``<details>`` is dropped), so the handout and the notebook never disagree. Relative
    links are rewritten for the handout's place, ``docs/handouts/`` beside the notebooks' folder
    (as in the repository and in a ``campaign-me workshop`` folder): a notebook's
    ``../docs/glossary.md`` becomes ``../glossary.md``.

    Examples
    --------
    >>> import nbformat, tempfile, os
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("# Step 1 - Getting started"),
    ...     nbformat.v4.new_markdown_cell("## Objectives\\n- read a codebook"),
    ...     nbformat.v4.new_code_cell("x = 1"),
    ...     nbformat.v4.new_markdown_cell("### Your turn: change the country\\n<details>x = 2</details>"),
    ...     nbformat.v4.new_markdown_cell("## Key points\\n- 999 is not a number")])
    >>> path = os.path.join(tempfile.mkdtemp(), "01_demo.ipynb")
    >>> nbformat.write(nb, path)
    >>> print(handout(path))
    # Step 1 - Getting started
    <BLANKLINE>
    *Participant handout for `01_demo.ipynb`, generated from the notebook.*
    <BLANKLINE>
    ## Objectives
    - read a codebook
    <BLANKLINE>
    ## Your turn: change the country
    <BLANKLINE>
    ## Key points
    - 999 is not a number
    <BLANKLINE>
    """
    nb = nbformat.read(os.fspath(notebook), as_version=4)
    out: list[str] = []
    title = ""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        text = _cell_text(cell).strip()
        if not title and text.startswith("# "):
            title = text.splitlines()[0]
            out.append(_rebase_links(text, Path(notebook)))
            out.append(f"*Participant handout for `{Path(notebook).name}`, generated from the notebook.*")
            continue
        heading = text.splitlines()[0] if text else ""
        key = heading.lstrip("#").strip().lower()
        if heading.startswith("#") and (key in _HANDOUT_SECTIONS or key.startswith("your turn")):
            body = re.sub(r"<details>.*?</details>", "", text, flags=re.S).strip()
            if key.startswith("your turn"):
                body = "##" + body.lstrip("#") if not body.startswith("## ") else body
            out.append(_rebase_links(body, Path(notebook)))
    if not title:
        raise CampaignMeError(f"{notebook}: no title (a first Markdown cell starting with '# ')")
    return "\n\n".join(out).rstrip() + "\n"


def _rebase_links(markdown: str, notebook: Path) -> str:
    """Relative Markdown links of a notebook, rewritten to work from ``docs/handouts/`` beside its folder."""
    folder = Path(os.path.abspath(notebook)).parent
    home = folder.parent / "docs" / "handouts"

    def rebase(m: re.Match) -> str:
        target = m.group(2)
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", target, flags=re.I):
            return m.group(0)
        path, hash_, anchor = target.partition("#")
        moved = os.path.relpath(os.path.normpath(folder / path), home).replace(os.sep, "/")
        return f"{m.group(1)}({moved}{hash_}{anchor})"

    return re.sub(r"(\[[^\]]*\])\(([^)\s]+)\)", rebase, markdown)


def write_handouts(notebook_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str],
                   pattern: str = "0[0-6]_*.ipynb", *, html: bool = False) -> list[Path]:
    """Write :func:`handout` of every matching notebook to ``out_dir/<notebook>.md`` (atomically).

    With ``html=True`` each handout is also written as print-ready HTML (:func:`print_html`, A4)
    to ``out_dir/<notebook>.html``. Returns the files written, in name order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for nb in sorted(Path(notebook_dir).glob(pattern)):
        text = handout(nb)
        target = out / (nb.stem + ".md")
        write_atomic(target, text.encode("utf-8"))
        written.append(target)
        if html:
            page = out / (nb.stem + ".html")
            write_atomic(page, print_html(text).encode("utf-8"))
            written.append(page)
    return written


# Print-ready pages: A4 with margins, readable type (11 pt, tables 9.5 pt), nothing cut at the right
# edge (tables fit the page width, long code wraps), headings kept with what follows, table headers
# repeated on every page, blank table cells tall enough to write in (the course pack's templates),
# and no external resource: the page opens and prints offline.
_PRINT_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
html { font-family: "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
       font-size: 11pt; line-height: 1.45; color: #111; background: #fff; }
body { margin: 0 auto; max-width: 46em; padding: 1.5em 1em; }
@media print { body { max-width: none; padding: 0; } a { color: inherit; text-decoration: none; } }
h1 { font-size: 18pt; line-height: 1.2; margin: 0 0 0.6em; }
h2 { font-size: 13.5pt; margin: 1.3em 0 0.4em; padding-bottom: 0.15em; border-bottom: 1px solid #888; }
h3 { font-size: 11.5pt; margin: 1.1em 0 0.3em; }
h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
p, li { orphans: 3; widows: 3; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0 1em; font-size: 9.5pt; }
th, td { border: 1px solid #777; padding: 3pt 5pt; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
th { background: #eee; }
td:empty { height: 2.4em; }
td:only-child:empty { height: 3.6em; }
tr > td:first-child:nth-last-child(2) + td:empty { width: 65%; }
thead:not(:has(th:not(:empty))) { display: none; }
thead { display: table-header-group; }
.nowrap { white-space: nowrap; }
tr, pre, blockquote, img { break-inside: avoid; page-break-inside: avoid; }
code, pre { font-family: "DejaVu Sans Mono", Consolas, "Liberation Mono", monospace; font-size: 9.5pt; }
td code, li code, p code { overflow-wrap: break-word; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f4f4f4; padding: 0.5em; }
blockquote { margin: 0.6em 0; padding: 0.2em 0.8em; border-left: 3pt solid #999; }
li.task-list-item { list-style: none; }
li.task-list-item input { margin: 0 0.4em 0 -1.3em; }
img { max-width: 100%; }
"""


def _heading_slug(html_text: str) -> str:
    """GitHub's anchor for a heading (tags and punctuation dropped, spaces to hyphens)."""
    text = _html.unescape(re.sub(r"<[^>]+>", "", html_text)).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def print_html(markdown: str, *, title: str | None = None) -> str:
    """A print-ready HTML page (A4) of a Markdown text: a handout, a session plan, a template.

    The page has its style inside (``@page`` A4, margins, 11 pt text, tables that fit the page
    width with their header repeated on each page, blank cells tall enough to write in) and
    loads nothing from the network, so it opens and prints offline: open it in a browser and
    print, or save as PDF. Headings get GitHub's anchors, and relative links to ``.md`` pages
    point to their ``.html`` versions, so links between pages converted together keep working.

    Parameters
    ----------
    markdown : str
        The text (CommonMark with tables and ``- [ ]`` check boxes).
    title : str, optional
        The page title; by default the text of the first ``# `` heading.

    Examples
    --------
    >>> page = print_html("# Action plan\\n\\n| What | Who |\\n|---|---|\\n| | |\\n\\nSee [the glossary](../glossary.md#kap).")
    >>> "size: A4" in page and "<title>Action plan</title>" in page
    True
    >>> '<h1 id="action-plan">' in page and '<td></td>' in page
    True
    >>> 'href="../glossary.html#kap"' in page and "http" not in page
    True
    """
    body = mistune.create_markdown(escape=False, plugins=["table", "strikethrough", "task_lists"])(markdown)
    body = re.sub(r'href="([^":#?]+)\.md(#[^"]*)?"', lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)
    # times of day (09:00-09:30) stay on one line; long names in running text
    # (02_objectives_and_logframe) break after _ and /, not mid-word
    body = re.sub(r"(?<![\d:])(\d{1,2}:\d\d-\d{1,2}:\d\d)(?![\d:])", r'<span class="nowrap">\1</span>', body)
    body = re.sub(r"(?<!<pre>)<code>([^<]*)</code>",
                  lambda m: "<code>" + re.sub(r"([_/])", r"\1<wbr>", m.group(1)) + "</code>", body)
    body = re.sub(r"<h([1-6])>(.*?)</h\1>",
                  lambda m: f'<h{m.group(1)} id="{_heading_slug(m.group(2))}">{m.group(2)}</h{m.group(1)}>',
                  body, flags=re.S)
    if title is None:
        first = re.search(r"^#\s+(.+?)\s*#*\s*$", markdown, flags=re.M)
        title = re.sub(r"[`*_]", "", first.group(1)) if first else "campaign_me"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_html.escape(title)}</title>\n<style>{_PRINT_CSS}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------
# teaching tables
# ---------------------------------------------------------------------------


def sample_overview(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per sample country: regions, districts, villages, population and respondents per round.

    Examples
    --------
    >>> sample_overview()[["country", "regions", "districts", "villages"]]
       country  regions  districts  villages
    0  Aroland        4         24       720
    1  Belmora        3         12       300
    2   Corvia        2          6       120
    """
    root = sample_data_dir(data_dir)
    rows = []
    for key in SAMPLE_COUNTRIES:
        folder = root / key
        if not folder.is_dir():
            continue
        frame = pd.read_csv(folder / "frame.csv")
        row = {
            "country": SAMPLE_NAMES.get(key, key),
            "regions": int(frame["region"].nunique()),
            "districts": int(frame["district"].nunique()),
            "campaign_districts": int(frame.loc[frame["campaign"] == 1, "district"].nunique()),
            "villages": len(frame),
            "population_15_45": int(frame["population"].sum()),
        }
        for round_ in ("baseline", "endline"):
            path = folder / f"survey_{round_}.csv"
            if path.is_file():
                with path.open(encoding="utf-8") as fh:
                    row[f"respondents_{round_}"] = sum(1 for _ in fh) - 1
        rows.append(row)
    return pd.DataFrame(rows)


def design_comparison(
    data: pd.DataFrame,
    variable: str,
    *,
    weights: str = "weight",
    strata: str | None = "stratum",
    psu: str | None = "psu",
    level: float | None = None,
    scale: float = 1.0,
    codebook=None,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """The same mean estimated three ways: as if a simple random sample, weighted only, design-based.

    Parameters
    ----------
    data : DataFrame
    variable : str
        Column whose mean (or proportion, for a 0/1 column) is estimated; missing values are left out.
    weights, strata, psu : str
        The design columns of the survey (the sample data's by default).
    codebook : Codebook or path, optional
        Take the design columns from the codebook instead (its ``weight``, ``strata`` and ``psu``).
    level : float, default 0.95
        Confidence level; default ``settings.level``.
    scale : float, default 1
        Multiply estimates and interval bounds (100 for percentages).
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (``wb.settings``); ``level=`` given explicitly wins.

    Returns
    -------
    DataFrame
        Rows ``unweighted (as if SRS)``, ``weighted, clusters ignored``, ``design-based`` with
        ``estimate, ci_low, ci_high, se, deff, n``; all three computed by
        :class:`~campaign_me.SurveyDesign` (the first with equal weights and no strata or
        clusters, the second with the weights only). For a 0/1 variable the intervals are
        logit intervals (:meth:`~campaign_me.SurveyDesign.proportion`), as the indicator
        catalogue's; otherwise t intervals of the mean.

    Examples
    --------
    >>> from campaign_me.workbook import check_parameters
    >>> wb = check_parameters(country="corvia", rounds=["baseline"])
    >>> t = design_comparison(wb.survey(), "intend_irregular", scale=100)
    >>> list(t.index)
    ['unweighted (as if SRS)', 'weighted, clusters ignored', 'design-based']
    >>> bool(t.loc["design-based", "ci_high"] - t.loc["design-based", "ci_low"]
    ...      > t.loc["weighted, clusters ignored", "ci_high"] - t.loc["weighted, clusters ignored", "ci_low"])
    True
    """
    level = check_level(reporting(settings).level if level is None else level, error=ParameterError)
    if codebook is not None:
        cb = Codebook.coerce(codebook, error=ParameterError)
        weights, strata, psu = cb.weight, cb.strata, cb.psu
    equal = data.assign(_equal_weight=1.0)
    specs = {
        "unweighted (as if SRS)": SurveyDesign(equal, weights="_equal_weight"),
        "weighted, clusters ignored": SurveyDesign(data, weights=weights),
        "design-based": SurveyDesign(data, weights=weights, strata=strata, psu=psu),
    }
    values = data[variable].dropna()
    binary = values.isin([0, 1]).all() if len(values) else False
    rows = []
    for name, design in specs.items():
        if binary:  # logit interval, as compute_indicators gives for proportions
            est = design.proportion(variable, level=level, na_rm=True, method="logit").iloc[-1]
        else:
            est = design.mean(variable, level=level, na_rm=True).iloc[0]
        rows.append({"design": name, "estimate": est["estimate"] * scale, "ci_low": est["ci_low"] * scale,
                     "ci_high": est["ci_high"] * scale, "se": est["se"] * scale, "deff": est["deff"],
                     "n": int(est["n"])})
    return pd.DataFrame(rows).set_index("design")


def rank_segments(
    design,
    *,
    by: Sequence[str],
    indicator: str = "knowledge_score",
    codebook=None,
    target: float = 100.0,
    level: float | None = None,
    min_n: int | None = None,
    flag_n: int | None = None,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """Audience segments ranked by need: the gap to a target times the segment's population.

    Parameters
    ----------
    design : SurveyDesign
    by : sequence of str
        Segmenting columns, e.g. ``["sex", "age_group", "urban", "migration_status"]``.
    indicator : str, default "knowledge_score"
        Catalogue indicator whose gap is measured (estimated by
        :func:`campaign_me.indicators.compute_indicators`, with its suppression rules).
    target : float, default 100
        The value the gap is measured to (100 = everyone answers every item correctly).
    level, min_n, flag_n
        As in :func:`~campaign_me.indicators.compute_indicators`; default: the ``settings``'
        (0.95, 25, 50).
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (``wb.settings``); ``level=``, ``min_n=``, ``flag_n=`` given explicitly win.

    Returns
    -------
    DataFrame
        One row per segment: the ``by`` columns, ``population`` (sum of weights: the estimated
        number of people), ``estimate, ci_low, ci_high, n``, ``gap = target - estimate``,
        ``priority = gap x population / 1000`` (people-points, thousands) and ``small``
        (True when the estimate is suppressed or flagged: fewer than ``flag_n`` interviews).
        Sorted by priority; suppressed segments last, unranked.

    Examples
    --------
    >>> wb = check_parameters(country="corvia", rounds=["baseline"])
    >>> seg = rank_segments(wb.design(wb.survey()), by=["sex", "urban"], codebook=wb.codebook)
    >>> list(seg.columns[:3]), len(seg)
    (['sex', 'urban', 'population'], 4)
    """
    s = reporting(settings)
    level = s.level if level is None else level
    min_n = s.min_n if min_n is None else min_n
    flag_n = s.flag_n if flag_n is None else flag_n
    by = list(by)
    est = compute_indicators(design, shipped_catalogue(), codebook=codebook, indicators=[indicator], by=by,
                             level=level, min_n=min_n, flag_n=flag_n)
    pop = design.data.assign(_w=design.weights.to_numpy()).groupby(by, dropna=False, observed=True)["_w"].sum()
    pop = pop.rename("population").reset_index()
    key = [c for c in by]
    est = est.astype({c: object for c in key})
    pop = pop.astype({c: object for c in key})
    table = pop.merge(est[key + ["estimate", "ci_low", "ci_high", "n", "suppressed", "flagged"]], on=key, how="left")
    table["gap"] = target - table["estimate"]
    table["priority"] = table["gap"] * table["population"] / 1000
    table["small"] = table["suppressed"].fillna(True).astype(bool) | table["flagged"].fillna(False).astype(bool)
    table = table.drop(columns=["suppressed", "flagged"])
    table = table.sort_values(["priority"], ascending=False, na_position="last", kind="stable")
    return table.reset_index(drop=True)


# ---------------------------------------------------------------------------
# maintaining the notebooks
# ---------------------------------------------------------------------------

#: Cell tag of a pinned cell: its printed output is a lesson's headline number, which the tests compare
#: with ``tests/data/notebook_pins.json``. A tag (cell metadata), so participants never see it.
PIN_TAG = "pinned"


def is_pinned(cell) -> bool:
    """True for a code cell tagged :data:`PIN_TAG` (a lesson's pinned headline number)."""
    return cell.get("cell_type") == "code" and PIN_TAG in cell.get("metadata", {}).get("tags", [])


def refresh_pins(
    source: str | os.PathLike[str], executed: str | os.PathLike[str], pins: str | os.PathLike[str]
) -> int:
    """Record what the pinned cells of an executed notebook print, and clear the source's outputs.

    The workbook's notebooks are committed without outputs. Cells tagged ``pinned`` (:data:`PIN_TAG`)
    print a lesson's headline number; ``pins`` (a JSON file, ``tests/data/notebook_pins.json`` in the
    repository) keeps that text for each notebook, and the tests compare every new run with it.
    After a deliberate change of a headline number (new sample data, a corrected estimator), run the
    notebook with its default parameters (papermill) and call this to update the reference.
    Returns the number of pinned cells recorded.
    """
    src = nbformat.read(os.fspath(source), as_version=4)
    run = nbformat.read(os.fspath(executed), as_version=4)
    outputs = {c.source: c.get("outputs", []) for c in run.cells if c.cell_type == "code"}
    texts = []
    for cell in src.cells:
        if cell.cell_type != "code":
            continue
        if is_pinned(cell):
            if cell.source not in outputs:
                raise CampaignMeError(f"{executed}: no executed cell with the source of pinned cell {cell.source[:60]!r}")
            kept = [o for o in outputs[cell.source] if o.get("output_type") == "stream" and o.get("name") == "stdout"]
            texts.append("".join(o["text"] for o in kept))
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    pins_path = Path(pins)
    table = json.loads(pins_path.read_text(encoding="utf-8")) if pins_path.is_file() else {}
    table[Path(source).stem] = texts
    write_atomic(pins_path, (json.dumps(table, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    write_atomic(Path(source), (nbformat.writes(src) + "\n").encode("utf-8"))
    return len(texts)


def household_listing(frame: pd.DataFrame, *, persons_per_household: float = 2.2, size: str = "population",
                      keep: Sequence[str] = ("village", "stratum")) -> pd.DataFrame:
    """A household listing built from a village frame, for teaching two-stage sampling.

    In the field, listing teams walk each *selected* village and list its households; for a
    classroom draw this builds a listing of every village from its population, one row per
    household (``round(population / persons_per_household)``, at least 1), numbered within the
    village.

    Parameters
    ----------
    frame : DataFrame
        One row per village.
    persons_per_household : float, default 2.2
        Eligible persons per household assumed (the sample world's value).
    size : str, default "population"
        Column with the village population.
    keep : sequence of str
        Frame columns copied to every household row.

    Examples
    --------
    >>> villages = pd.DataFrame({"village": ["A", "B"], "stratum": ["s", "s"], "population": [11, 2]})
    >>> household_listing(villages)
      village stratum  household
    0       A       s          1
    1       A       s          2
    2       A       s          3
    3       A       s          4
    4       A       s          5
    5       B       s          1
    """
    if not persons_per_household > 0:
        raise ParameterError(f"persons_per_household={persons_per_household!r}: must be > 0")
    households = np.maximum(1, np.round(frame[size].to_numpy(dtype=float) / persons_per_household)).astype(int)
    listing = frame.loc[frame.index.repeat(households), list(keep)].reset_index(drop=True)
    listing["household"] = listing.groupby(list(keep)[0], sort=False).cumcount() + 1
    return listing
