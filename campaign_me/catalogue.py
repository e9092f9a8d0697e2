"""Indicator catalogues: loading, validating and describing the standard campaign indicators.

A catalogue is a versioned YAML file of indicator definitions (``campaign_me/indicators.yaml``
ships with the package; researchers add or override entries in their own file). Each entry says
what is counted, among whom, on what scale and where the definition comes from; the formulas are
written in the expression language of :mod:`campaign_me.expressions`. The indicators are computed
by :mod:`campaign_me.indicators`.

Entry fields
------------
==================  ========  =====================================================================
field               required  meaning
==================  ========  =====================================================================
id                  yes       identifier (letters, digits, ``_``), unique; part of the public API
name                yes       short name for tables and charts
definition          yes       one sentence: what share/mean of whom
stage               yes       stage of the results chain (:data:`STAGES`): ``output``, ``reach``,
                              ``knowledge``, ``attitude``, ``intention``, ``behaviour``. A file
                              that says ``level`` (the key's old name) is read the same way.
type                yes       ``proportion``, ``mean``, ``score``, ``difference``, ``ratio``
numerator           *         proportion: yes/no expression counted; ratio: numeric expression
denominator         *         proportion: optional yes/no expression restricting the base;
                              ratio: numeric expression (ratio of weighted totals)
formula             *         mean, score, difference: numeric expression averaged per respondent
population          no        yes/no expression: who is asked (default: every respondent)
population_label    no        words for the denominator (default: "all respondents")
unit                yes       ``%`` (proportions are reported 0-100), ``pp``, ``score 0-100``, ...
direction           yes       ``higher`` or ``lower`` is better
disaggregations     no        default ``by`` columns for reports
source              yes       where the definition comes from
==================  ========  =====================================================================

A survey with its own names
---------------------------
Names are resolved through the codebook's ``concept`` keys (:attr:`Codebook.concepts`).
:func:`applicable` splits a catalogue into the indicators whose questions a survey has and the
others (with the questions they lack). Text fields may hold placeholders
(:data:`campaign_me.placeholders.PLACEHOLDERS`) that :meth:`Indicator.describe` fills from the
codebook's items.

This module is part of the Measures layer (see ``docs/indicators.md``).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import scales as _scales
from .codebook import Codebook
from .conventions import did_you_mean
from .expressions import CatalogueError, Checker
from .placeholders import PLACEHOLDER_RE, TEXT_FIELDS, check_placeholders, fill, placeholder_values

__all__ = [
    "Indicator",
    "Catalogue",
    "CatalogueError",
    "load_catalogue",
    "applicable",
    "as_catalogue",
    "NOT_APPLICABLE_COLUMNS",
    "STAGES",
    "TYPES",
    "DIRECTIONS",
]

#: The stages of the results chain an indicator measures (YAML key ``stage``; ``level`` is read as
#: ``stage``).
STAGES = ("output", "reach", "knowledge", "attitude", "intention", "behaviour")
#: Indicator types.
TYPES = ("proportion", "mean", "score", "difference", "ratio")
#: Which way is better.
DIRECTIONS = ("higher", "lower")

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELDS = (
    "id",
    "name",
    "definition",
    "stage",
    "type",
    "numerator",
    "denominator",
    "formula",
    "population",
    "population_label",
    "unit",
    "direction",
    "disaggregations",
    "source",
)
#: The old name of ``stage`` in a catalogue file, still read (users' files are not code: no warning).
_OLD_KEYS = {"level": "stage"}
_REQUIRED = ("id", "name", "definition", "stage", "type", "unit", "direction", "source")


@dataclass(frozen=True)
class Indicator:
    """One catalogue entry (see the module docstring for the fields).

    ``stage`` was called ``level`` in version 0.1: ``Indicator(level=...)`` and ``.level`` still
    work for one release, with a DeprecationWarning.
    """

    id: str
    name: str
    definition: str
    stage: str
    type: str
    unit: str
    direction: str
    source: str
    numerator: str | None = None
    denominator: str | None = None
    formula: str | None = None
    population: str | None = None
    population_label: str = "all respondents"
    disaggregations: tuple[str, ...] = ()
    origin: str = ""
    #: ``(field, text with placeholders)`` for the text fields written with placeholders such as
    #: ``{at_least}``; :meth:`describe` fills them from a codebook's items.
    templates: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    @property
    def level(self) -> str:
        """Deprecated: the indicator's :attr:`stage` (``level`` also meant the confidence level)."""
        warnings.warn(
            "Indicator.level is deprecated and will be removed in the next release; use Indicator.stage",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.stage

    def expressions(self) -> dict[str, str]:
        """The expressions of the entry, by field name."""
        return {
            k: getattr(self, k)
            for k in ("numerator", "denominator", "formula", "population")
            if getattr(self, k) is not None
        }

    def describe(self, codebook=None) -> Indicator:
        """The entry with its placeholders filled from a codebook's items (see :data:`PLACEHOLDERS`).

        Without a codebook (or when the codebook lacks the scale), the placeholders read in general
        words ("at least 80 % of the knowledge items"); with one, in the survey's own items ("at
        least 4 of the 5 knowledge items"). Entries without placeholders are returned unchanged.

        Examples
        --------
        >>> from campaign_me import Codebook
        >>> ind = load_catalogue()["knowledge_pass"]
        >>> ind.definition
        'Share of the target population answering at least 80 % of the knowledge items correctly (score of 80 or more)'
        >>> cb = Codebook.from_dict({"dataset": "d", "variables": {
        ...     f"q{i}": {"type": "boolean", "scale": "knowledge", "correct": True} for i in range(1, 6)}})
        >>> ind.describe(cb).definition
        'Share of the target population answering at least 4 of the 5 knowledge items correctly (score of 80 or more)'
        """
        if not self.templates:
            return self
        context = placeholder_values(self, _scales._codebook(codebook) if codebook is not None else None)
        return dataclasses.replace(
            self, **{fld: fill(text, context) for fld, text in self.templates}
        )


_UNSET = object()
_dataclass_init = Indicator.__init__


@functools.wraps(_dataclass_init)
def _init(self, *args, level: Any = _UNSET, **kwargs) -> None:
    # ``level=`` is the old keyword of ``stage=``: accepted for one release, with a warning
    if level is not _UNSET:
        warnings.warn(
            "Indicator(level=...) is deprecated and will be removed in the next release; use stage=",
            DeprecationWarning,
            stacklevel=2,
        )
        if "stage" in kwargs or len(args) > 3:
            raise TypeError("Indicator: give stage= only (level= is its old name), not both")
        kwargs["stage"] = level
    _dataclass_init(self, *args, **kwargs)


Indicator.__init__ = _init  # type: ignore[method-assign]


@dataclass(frozen=True)
class Catalogue:
    """An indicator catalogue: entries by id, a version and a note of where they came from."""

    indicators: dict[str, Indicator]
    version: str = ""
    origin: str = ""
    sources: tuple[str, ...] = field(default_factory=tuple)

    def __getitem__(self, key: str) -> Indicator:
        try:
            return self.indicators[key]
        except KeyError:
            raise CatalogueError(
                f"no indicator {key!r} in the catalogue{did_you_mean(key, self.indicators)}"
            ) from None

    def __contains__(self, key: object) -> bool:
        return key in self.indicators

    def __iter__(self):
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)

    @property
    def ids(self) -> list[str]:
        """Indicator ids in catalogue order."""
        return list(self.indicators)

    def select(self, ids: Sequence[str]) -> Catalogue:
        """A catalogue with only the given ids (in that order)."""
        ids = [ids] if isinstance(ids, str) else list(ids)
        return dataclasses.replace(self, indicators={i: self[i] for i in ids})

    def describe(self, codebook=None) -> Catalogue:
        """The catalogue with every entry's placeholders filled from a codebook (:meth:`Indicator.describe`)."""
        cb = _scales._codebook(codebook) if codebook is not None else None
        return dataclasses.replace(self, indicators={k: v.describe(cb) for k, v in self.indicators.items()})

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator with every field (for reference sheets and the docs)."""
        rows = [{f.name: getattr(ind, f.name) for f in dataclasses.fields(Indicator)} for ind in self]
        out = pd.DataFrame(rows)
        out["disaggregations"] = out["disaggregations"].map(", ".join)
        return out

    def validate(self, codebook, *, columns: Sequence[str] = ()) -> None:
        """Check every expression against a codebook; raise :class:`CatalogueError` listing every problem.

        Each problem names the entry and the field: unknown variables and scales (with a "did you
        mean"), select_multiple questions used as plain variables, a comparison with a code the
        variable does not have (the denominator would be empty), a proportion whose numerator is not
        a yes/no expression, a denominator that is always zero. ``columns`` are extra data columns
        allowed as names (e.g. scores added with :func:`campaign_me.scales.score_design`).
        """
        cb = _scales._codebook(codebook)
        problems = []
        for ind in self:
            problems += _check_entry(ind, cb, columns)
        if problems:
            raise CatalogueError(_message(self.origin or "catalogue", problems), problems)


def _message(source: str, problems: list[str]) -> str:
    head = f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return head + "\n" + "\n".join(f"  - {p}" for p in problems)


def _check_entry(ind: Indicator, cb: Codebook | None, columns: Sequence[str] = ()) -> list[str]:
    problems = []
    for fld, text in ind.expressions().items():
        chk = Checker(cb, columns)
        parsed = chk.parse(text)
        problems += [f"indicator {ind.id!r}, {fld}: {p}" for p in chk.problems]
        if parsed is None:
            continue
        wants_bool = fld in ("population",) or (
            fld in ("numerator", "denominator") and ind.type == "proportion"
        )
        if wants_bool and parsed.kind in ("number", "text") and not chk.problems:
            hint = " (use type: mean for a numeric value)" if fld == "numerator" else ""
            problems.append(
                f"indicator {ind.id!r}, {fld}: {text!r} must be a yes/no expression (a comparison, a yes/no "
                f"variable, any()/selected()/correct()), it is a {parsed.kind}{hint}"
            )
        if isinstance(parsed.tree, ast.Constant) and fld in ("denominator", "population"):
            v = parsed.tree.value
            if not v:
                problems.append(
                    f"indicator {ind.id!r}, {fld}: {text!r} is always zero, so the denominator is empty"
                )
    return problems


def _parse_entry(raw: Any, where: str, problems: list[str]) -> Indicator | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: expected a mapping of fields, got {type(raw).__name__}")
        return None
    ident = raw.get("id")
    label = f"indicator {ident!r}" if ident is not None else where
    for old, new in _OLD_KEYS.items():
        if old in raw and new in raw:
            problems.append(f"{label}: give {new!r} only ({old!r} is its old name), not both")
            return None
        if old in raw:  # the old key is read as the new one, in place
            raw = {(new if k == old else k): v for k, v in raw.items()}
    unknown = [k for k in raw if k not in _FIELDS]
    for k in unknown:
        problems.append(f"{label}: unknown field {k!r}{did_you_mean(k, _FIELDS)}")
    for k in _REQUIRED:
        if raw.get(k) in (None, ""):
            problems.append(f"{label}: missing required field {k!r}")
    ok = True
    if ident is not None and (not isinstance(ident, str) or not _ID.match(ident)):
        problems.append(f"{label}: id must be letters, digits and '_' (not starting with a digit)")
        ok = False
    for k, allowed in (("stage", STAGES), ("type", TYPES), ("direction", DIRECTIONS)):
        v = raw.get(k)
        if v is not None and v not in allowed:
            problems.append(f"{label}: {k} {v!r} is not one of {', '.join(allowed)}{did_you_mean(v, allowed)}")
            ok = False
    for k in ("name", "definition", "unit", "source", "population_label"):
        v = raw.get(k)
        if v is not None and not isinstance(v, str):
            problems.append(f"{label}: {k} must be text, got {type(v).__name__}")
            ok = False
    typ = raw.get("type")
    if typ == "proportion" and raw.get("numerator") is None:
        problems.append(f"{label}: a proportion needs a numerator (yes/no expression)")
        ok = False
    if typ == "ratio" and (raw.get("numerator") is None or raw.get("denominator") is None):
        problems.append(f"{label}: a ratio needs a numerator and a denominator")
        ok = False
    if typ in ("mean", "score", "difference") and raw.get("formula") is None:
        problems.append(f"{label}: type {typ} needs a formula")
        ok = False
    if typ in ("mean", "score", "difference") and raw.get("numerator") is not None:
        problems.append(f"{label}: type {typ} takes a formula, not a numerator")
    if typ in ("proportion", "ratio") and raw.get("formula") is not None:
        problems.append(f"{label}: type {typ} takes numerator/denominator, not a formula")
    dis = raw.get("disaggregations", ())
    if isinstance(dis, str):
        dis = [dis]
    if not isinstance(dis, (list, tuple)) or not all(isinstance(d, str) for d in dis):
        problems.append(f"{label}: disaggregations must be a list of column names")
        dis = ()
        ok = False
    if not ok or any(raw.get(k) in (None, "") for k in _REQUIRED):
        return None
    exprs = {}
    for k in ("numerator", "denominator", "formula", "population"):
        v = raw.get(k)
        if v is not None:
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                problems.append(f"{label}, {k}: expected an expression (text), got {type(v).__name__}")
                return None
            exprs[k] = str(v)
    ind = Indicator(
        id=ident,
        name=raw["name"],
        definition=raw["definition"],
        stage=raw["stage"],
        type=typ,
        unit=raw["unit"],
        direction=raw["direction"],
        source=raw["source"],
        population_label=raw.get("population_label") or "all respondents",
        disaggregations=tuple(dis),
        **exprs,
    )
    problems += _check_entry(ind, None)  # syntax and whitelist; names are checked against a codebook
    templates = tuple(
        (k, raw[k]) for k in TEXT_FIELDS if isinstance(raw.get(k), str) and PLACEHOLDER_RE.search(raw[k])
    )
    if templates:
        ind = dataclasses.replace(ind, templates=templates)
        found = check_placeholders(ind)
        problems += found
        if not found:
            ind = ind.describe(None)
    return ind


def _read_catalogue(path: Path | None) -> tuple[str, list[Indicator], str]:
    if path is None:
        text = resources.files("campaign_me").joinpath("indicators.yaml").read_text(encoding="utf-8")
        source = "shipped catalogue (campaign_me/indicators.yaml)"
    else:
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"indicator catalogue {str(p)!r} does not exist")
        text = p.read_text(encoding="utf-8")
        source = str(p)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise CatalogueError(f"{source}: not valid YAML: {e}") from None
    problems: list[str] = []
    if isinstance(raw, list):
        raw = {"indicators": raw}
    if not isinstance(raw, Mapping) or "indicators" not in raw:
        raise CatalogueError(f"{source}: expected a mapping with a list under 'indicators'")
    unknown = [k for k in raw if k not in ("version", "description", "indicators")]
    for k in unknown:
        problems.append(
            f"top level: unknown key {k!r}{did_you_mean(k, ('version', 'description', 'indicators'))}"
        )
    entries = raw["indicators"]
    if not isinstance(entries, list):
        raise CatalogueError(f"{source}: 'indicators' must be a list of entries")
    out: list[Indicator] = []
    seen: dict[str, int] = {}
    for i, e in enumerate(entries, start=1):
        ind = _parse_entry(e, f"entry {i}", problems)
        ident = e.get("id") if isinstance(e, Mapping) else None
        if isinstance(ident, str):
            if ident in seen:
                problems.append(f"indicator {ident!r}: duplicate id (entries {seen[ident]} and {i})")
            seen[ident] = i
        if ind is not None:
            out.append(dataclasses.replace(ind, origin=source))
    if problems:
        raise CatalogueError(_message(source, problems), problems)
    return str(raw.get("version", "")), out, source


def load_catalogue(
    path: str | os.PathLike[str] | None = None,
    *,
    merge: bool = True,
    codebook=None,
) -> Catalogue:
    """Load the shipped indicator catalogue, or a researcher's, merged over it or alone.

    Parameters
    ----------
    path : str or path-like, optional
        None: the shipped catalogue. A path: the researcher's YAML file (same format).
    merge : bool, default True
        With a path: True puts its entries over the shipped catalogue (an entry with a shipped id
        replaces it; new ids are added at the end); False uses the file alone. The catalogue's
        ``origin`` says which happened.
    codebook : Codebook or path, optional
        Validate every expression against it (see :meth:`Catalogue.validate`), and write the
        definitions from its items (:meth:`Catalogue.describe`).

    Raises
    ------
    CatalogueError
        Listing every problem, each naming the entry and the field.

    Examples
    --------
    >>> cat = load_catalogue()
    >>> len(cat) >= 18, cat["knowledge_score"].unit
    (True, 'score 0-100')
    """
    version, shipped, src = _read_catalogue(None)
    if path is None:
        cat = Catalogue(
            {i.id: i for i in shipped}, version=version, origin=f"{src}, version {version}", sources=(src,)
        )
    else:
        uversion, user, usrc = _read_catalogue(Path(path))
        if merge:
            merged = {i.id: i for i in shipped}
            replaced = [i.id for i in user if i.id in merged]
            for i in user:
                merged[i.id] = i
            added = len(user) - len(replaced)
            origin = (
                f"{usrc} merged over the {src} version {version}: {added} added, {len(replaced)} replaced"
                + (f" ({', '.join(replaced)})" if replaced else "")
            )
            cat = Catalogue(
                merged, version=f"{version}+{uversion or 'user'}", origin=origin, sources=(src, usrc)
            )
        else:
            cat = Catalogue(
                {i.id: i for i in user},
                version=uversion,
                origin=f"{usrc} alone (shipped catalogue not used)",
                sources=(usrc,),
            )
    if codebook is not None:
        cat = cat.describe(codebook)
        cat.validate(codebook)
    return cat


#: Columns of the second table :func:`applicable` returns.
NOT_APPLICABLE_COLUMNS = ("id", "name", "missing", "reason")


def _survey_columns(columns, cb: Codebook | None) -> set[str]:
    if columns is None:
        if cb is None:
            raise CatalogueError("applicable: give the codebook, the survey's columns, or both")
        return set(cb.columns())
    frame = getattr(columns, "data", columns)  # a SurveyDesign, a DataFrame or column names
    if isinstance(frame, pd.DataFrame):
        return {str(c) for c in frame.columns}
    if isinstance(columns, str):
        return {columns}
    return {str(c) for c in columns}


def _missing_questions(ind: Indicator, cb: Codebook | None, cols: set[str]) -> list[str]:
    """The questions an entry reads that the survey does not have, in the catalogue's names."""
    missing: list[str] = []
    for text in ind.expressions().values():
        chk = Checker(cb, sorted(cols))
        chk.parse(text)
        for kind, name, target in chk.needs:
            if kind == "scale":
                items = cb.items(name) if cb is not None and name in cb.scales() else []
                absent = [i for i in items if not any(c in cols for c in cb[i].columns())]
                if not items or len(absent) == len(items):
                    missing.append(f"{name} items")
                else:
                    missing += absent
            elif kind == "option":
                question = target.rsplit("/", 1)[0]
                if target in cols:
                    continue
                has_any = question in cols or any(c.startswith(question + "/") for c in cols)
                missing.append(f"{name}/{target.rsplit('/', 1)[1]}" if has_any else name)
            else:
                if target in cols or any(c.startswith(target + "/") for c in cols):
                    continue
                missing.append(name)
    return list(dict.fromkeys(missing))


def applicable(catalogue=None, codebook=None, columns=None) -> tuple[Catalogue, pd.DataFrame]:
    """The catalogue's indicators a survey can compute, and the others with what they lack.

    Parameters
    ----------
    catalogue : Catalogue, path or None
        Default: the shipped catalogue (a path: :func:`load_catalogue` of that file).
    codebook : Codebook or path, optional
        The survey's codebook: its variables, scales and ``concept`` keys (a catalogue name answered
        by a question with another name counts as asked).
    columns : DataFrame, SurveyDesign or iterable of str, optional
        The survey's columns (after loading: ``q/option`` for select_multiple questions). Default:
        the codebook's.

    Returns
    -------
    (Catalogue, pandas.DataFrame)
        The indicators whose questions the survey has (with their definitions written from the
        codebook's items, :meth:`Catalogue.describe`), and one row per other indicator with the
        columns :data:`NOT_APPLICABLE_COLUMNS`: ``id``, ``name``, ``missing`` (the questions not in
        the survey, in the catalogue's names, comma-separated: ``"hotline_known, knowledge items"``;
        empty when the questions are there but do not fit) and ``reason`` (``"not asked in this
        survey"``, or ``"does not fit the codebook: ..."`` with the validation problems, e.g. a
        code the question does not have).

    Examples
    --------
    >>> from campaign_me import Codebook
    >>> cb = Codebook.from_dict({"dataset": "d", "variables": {
    ...     "aware_risk": {"type": "boolean", "concept": "risk_aware"}}})
    >>> ok, other = applicable(None, cb)
    >>> ok.ids
    ['risk_aware']
    >>> other.set_index("id").loc["hotline_known", ["missing", "reason"]].tolist()
    ['hotline_known', 'not asked in this survey']
    """
    cat = as_catalogue(catalogue)
    cb = _scales._codebook(codebook) if codebook is not None else None
    cols = _survey_columns(columns, cb)
    described = cat.describe(cb) if cb is not None else cat
    extra = sorted(c for c in cols if cb is None or c not in cb)
    keep: dict[str, Indicator] = {}
    rows = []
    for ind in described:
        missing = _missing_questions(ind, cb, cols)
        if missing:
            rows.append({"id": ind.id, "name": ind.name, "missing": ", ".join(missing),
                         "reason": "not asked in this survey"})
            continue
        problems = _check_entry(ind, cb, extra) if cb is not None else []
        if problems:
            rows.append({"id": ind.id, "name": ind.name, "missing": "",
                         "reason": "does not fit the codebook: " + "; ".join(problems)})
            continue
        keep[ind.id] = ind
    other = pd.DataFrame(rows, columns=list(NOT_APPLICABLE_COLUMNS))
    return dataclasses.replace(described, indicators=keep), other


def as_catalogue(catalogue) -> Catalogue:
    if catalogue is None:
        return load_catalogue()
    if isinstance(catalogue, Catalogue):
        return catalogue
    if isinstance(catalogue, (str, os.PathLike)):
        return load_catalogue(catalogue)
    if isinstance(catalogue, Indicator):
        return Catalogue({catalogue.id: catalogue}, origin="one indicator")
    raise CatalogueError(f"catalogue: expected a Catalogue, a path or None, got {type(catalogue).__name__}")
