"""Codebook: what every column of a survey file means, declared once in YAML.

A codebook is the contract between a questionnaire and the analysis. It names every variable, says
how to read it (type, valid codes, missing-value codes, range), what it is for (role: id, design,
identifier, item, ...) and, for questionnaire items, how to score it (scale, correct answer, Likert
points and direction). :func:`campaign_me.intake.load_survey` reads survey files against it;
the scoring and indicator modules read item metadata from it.

File format
-----------
A ``codebook.yaml`` is a mapping with these codebook-level keys:

============  ========  ==================================================================
key           required  meaning
============  ========  ==================================================================
dataset       yes       short name of the dataset, e.g. ``kap_baseline_2025``
version       no        version of the codebook/questionnaire (text), e.g. ``"1.2"``
description   no        free text
id            no        name of the respondent-id variable (checked for duplicates and
                        blanks; implicitly required)
weight        no        name of the survey-weight variable (must be ``integer`` or
                        ``number``; checked > 0 and non-missing; implicitly required)
strata, psu   no        names of the stratum and primary-sampling-unit variables
                        (checked non-missing; implicitly required)
fpc           no        name of the finite-population-correction variable (population size of
                        the stratum, or sampling fraction; ``integer`` or ``number``)
missing       no        default missing-value codes ``{code: label}`` for every variable that
                        does not set ``missing`` itself; never applied to ids, to variables with
                        role ``design`` nor to the variables named by ``id``, ``weight``,
                        ``strata``, ``psu`` and ``fpc`` (a real weight of 99 is not "don't know")
form          no        path of the XLSForm (``.xlsx``), relative to the codebook file, that
                        supplies choice lists and labels (see ``choices`` below)
arm           no        the column telling campaign from comparison areas and its campaign
                        codes: ``{column: program_arm, campaign: [1]}`` (:class:`Arm`); the
                        column must be ``boolean`` or ``categorical`` with ``codes``
rounds        no        ``independent`` (default: each round a new sample), ``same_clusters``
                        (the same clusters revisited with new respondents; needs ``psu``) or
                        ``panel`` (the same people re-interviewed, linked by ``id``): how every
                        comparison of rounds computes its standard error
variables     yes       the variables, in file order: a mapping ``name: {keys}`` (preferred)
                        or a list of mappings that each carry ``name``
============  ========  ==================================================================

Each variable takes these keys (only ``type`` is required):

============  ==================================================================================
key           meaning
============  ==================================================================================
label         question text or a short description
description   longer notes (free text)
type          ``id``, ``integer``, ``number`` (alias ``float``, ``decimal``), ``categorical``
              (single choice; alias ``select_one``), ``select_multiple``, ``boolean`` (alias
              ``binary``), ``text`` (alias ``string``), ``date``, ``datetime``
role          ``id``, ``design`` (weights, strata, clusters, arm, wave), ``identifier`` (personal
              data: names, phone numbers, exact GPS; alias ``pii``; dropped on load),
              ``item`` (a questionnaire item that is scored), ``derived`` (computed later),
              ``metadata`` (interview start/end, enumerator, device), ``other`` (default;
              ``id`` for type ``id`` and ``item`` when ``scale`` is set)
required      ``true`` if the column must be in every file (default ``false``)
codes         valid answers ``{code: label}`` (categorical, select_multiple); codes are whole
              numbers or text; a list of codes is accepted when there are no labels
missing       missing-value codes ``{code: label}`` read as NA; they replace the codebook-level
              ``missing``; ``missing: {}`` switches the default off. A code cannot be both valid
              and missing: "don't know" on a knowledge item is a *valid* code (scored incorrect)
min, max      inclusive range (integer, number; ISO dates for date/datetime)
scale         the scale an item belongs to: ``knowledge``, ``attitude``, ``practice``,
              ``risk_perception``, ``exposure``, ``intention``, ... (lower-case name)
correct       the keyed answer(s): the correct code(s) of a knowledge item, the code(s) meaning
              the safe practice was done; a code or a list of codes; ``true``/``false`` for
              boolean items; required for ``knowledge`` items
points        number of Likert points k (codes must then be 1..k; generated when omitted)
reverse       ``true`` for negatively worded Likert items (scored ``k + 1 - x``); needs
              ``points``
ordered       ``true`` if the categories are ordered (implied by ``points``)
choices       XLSForm ``list_name`` that supplies the codes and labels (categorical,
              select_multiple), filled in from the form passed to ``load_survey(form=...)``
              or named by the codebook-level ``form``; by default the list named in the
              form's ``survey`` sheet for a question of the same name
format        ``strftime`` format of date/datetime values (default ISO 8601)
true, false   codes read as True/False for boolean variables (defaults: ``1``, ``yes``,
              ``y``, ``true`` / ``0``, ``no``, ``n``, ``false``; case-insensitive); the keys may be
              written unquoted (``true: [1, yes]``) or quoted (``"true": [1, yes]``)
check_pii     ``false`` to confirm a column is not personal data although it looks like it
              (e.g. a knowledge item asking for the hotline number); default ``true``
concept       the indicator-catalogue variable this question answers (``concept: risk_aware``
              on a question called ``aware_risk``), so that the shipped catalogue reads this
              column (:attr:`Codebook.concepts`); at most one variable per concept
============  ==================================================================================

YAML is read with YAML 1.2 booleans (``yes``, ``no``, ``on``, ``off`` stay text, so
``codes: {yes: Yes, no: No}`` means what it says) and YAML 1.2 integers (``010`` is not octal 8,
``1_000`` and ``1:30`` are text): a whole number written with a leading zero (``01``, ``010``) stays
the text code ``"01"``, matched exactly as written in the data file. Dates stay text, and a key given
twice is an error. Missing codes match case-insensitively (``N/A`` matches ``n/a``) and whole-number
missing codes also match numerically (``-99`` matches ``-99.0`` and ``"-99"``), whether they are
written as numbers or as text; a missing code that matches a valid code this way (``"1.0"``, ``"01"``
or ``"+1"`` beside the code ``1``, ``a`` beside ``A``) is refused. Names may not contain ``/``: a
``select_multiple`` variable ``q`` with options ``a``, ``b`` becomes the 0/1 columns ``q/a`` and ``q/b``.

Example
-------
.. code-block:: yaml

    dataset: kap_baseline
    version: "1.0"
    id: resp_id
    weight: weight
    missing: {-99: refused}
    variables:
      resp_id: {type: id, label: Respondent ID}
      weight: {type: number, role: design, min: 0}
      phone: {type: text, role: identifier, label: Respondent phone number}
      age: {type: integer, min: 15, max: 64, required: true}
      k1_fee:
        label: A licensed agency may charge any recruitment fee it likes
        type: categorical
        scale: knowledge
        codes: {1: "True", 2: "False", 98: Don't know}
        correct: 2
      a2_broker:
        label: Using an unlicensed broker is fine if it is faster
        type: categorical
        scale: attitude
        points: 5
        reverse: true
      channels:
        type: select_multiple
        scale: exposure
        codes: {radio: Radio, tv: Television, facebook: Facebook}

Errors in the codebook itself raise :class:`CodebookError` listing every problem, each naming the
variable and the key. See ``docs/codebook.md`` for the full guide.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from campaign_me.conventions import did_you_mean
from campaign_me.deferred import Deferred
from campaign_me.design import read_codebooks_with
from campaign_me.errors import CodebookError, ColumnError, DataError, describe_labels, describe_values
from campaign_me.textvalues import MissingCodes, missing_number, missing_text
from campaign_me.xlsform import XLSFORM_TYPES, XLSForm, choice_codes, identifier_reason, read_xlsform
from campaign_me.yamlfile import ProblemCollector, load_yaml, short

np = Deferred("numpy")  # deferred: reading a codebook (and `campaign-me --help`) needs no numpy or pandas
pd = Deferred("pandas")  # deferred: about 0.5 s at import; only coerce, to_frame and long code lists use it

__all__ = [
    "TYPES",
    "ROLES",
    "ROUNDS",
    "Arm",
    "Code",
    "Codebook",
    "CodebookError",
    "Variable",
    "XLSForm",
    "read_xlsform",
]

Code = int | str

#: Canonical variable types.
TYPES: tuple[str, ...] = (
    "id",
    "integer",
    "number",
    "categorical",
    "select_multiple",
    "boolean",
    "text",
    "date",
    "datetime",
)
_TYPE_ALIASES = {
    "float": "number",
    "decimal": "number",
    "select_one": "categorical",
    "binary": "boolean",
    "string": "text",
}
#: Canonical variable roles.
ROLES: tuple[str, ...] = ("id", "design", "identifier", "item", "derived", "metadata", "other")
_ROLE_ALIASES = {"pii": "identifier"}

_CODEBOOK_KEYS = (
    "dataset",
    "version",
    "description",
    "id",
    "weight",
    "strata",
    "psu",
    "fpc",
    "missing",
    "form",
    "arm",
    "rounds",
    "variables",
)
_VARIABLE_KEYS = (
    "name",
    "label",
    "description",
    "type",
    "role",
    "required",
    "codes",
    "missing",
    "min",
    "max",
    "scale",
    "correct",
    "points",
    "reverse",
    "ordered",
    "choices",
    "format",
    "true",
    "false",
    "check_pii",
    "concept",
)
# Keys that only make sense for some types.
_KEY_TYPES = {
    "codes": ("categorical", "select_multiple"),
    "choices": ("categorical", "select_multiple"),
    "ordered": ("categorical",),
    "points": ("categorical", "integer"),
    "reverse": ("categorical", "integer"),
    "min": ("integer", "number", "date", "datetime"),
    "max": ("integer", "number", "date", "datetime"),
    "format": ("date", "datetime"),
    "true": ("boolean",),
    "false": ("boolean",),
}
_NUMERIC_TYPES = ("integer", "number")
_DEFAULT_TRUE = ("1", "yes", "y", "true")
_DEFAULT_FALSE = ("0", "no", "n", "false")
_SCALE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: Largest number of Likert points (``points``) a variable may declare.
MAX_POINTS = 101
#: Codebook-level keys that name a design variable (codebook-level missing codes do not apply to them).
DESIGN_KEYS = ("id", "weight", "strata", "psu", "fpc")
#: How the survey rounds relate (codebook key ``rounds``): new samples, the same clusters with new
#: respondents, or the same people re-interviewed.
ROUNDS: tuple[str, ...] = ("independent", "same_clusters", "panel")
_ARM_KEYS = ("column", "campaign")
_CONCEPT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------------------------------
# Variables
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    """One variable of a codebook (see the module docstring for the meaning of each field).

    Do not mutate the dict fields; derive a changed copy with :func:`dataclasses.replace`.
    """

    name: str
    type: str
    label: str = ""
    description: str = ""
    role: str = "other"
    required: bool = False
    codes: dict[Code, str] = field(default_factory=dict)
    missing: dict[Code, str] = field(default_factory=dict)
    min: float | str | None = None
    max: float | str | None = None
    scale: str | None = None
    correct: tuple[Any, ...] = ()
    points: int | None = None
    reverse: bool = False
    ordered: bool = False
    choices: str | None = None
    format: str | None = None
    true: tuple[str, ...] = _DEFAULT_TRUE
    false: tuple[str, ...] = _DEFAULT_FALSE
    check_pii: bool = True
    concept: str | None = None

    @property
    def is_item(self) -> bool:
        """True for questionnaire items (role ``item``)."""
        return self.role == "item"

    @property
    def is_pii(self) -> bool:
        """True for direct identifiers (role ``identifier``), dropped on load by default."""
        return self.role == "identifier"

    @property
    def integer_codes(self) -> bool:
        """True when the variable's codes are whole numbers (read into an ``Int64`` column)."""
        return bool(self.codes) and all(isinstance(c, int) for c in self.codes)

    def columns(self, sep: str = "/") -> list[str]:
        """Names of the data columns of this variable (``q/option`` for select_multiple)."""
        if self.type == "select_multiple":
            return [f"{self.name}{sep}{code}" for code in self.codes]
        return [self.name]


# --------------------------------------------------------------------------------------------------
# Parsing and validation of a codebook mapping
# --------------------------------------------------------------------------------------------------


_Collector = ProblemCollector


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _parse_codes(
    value: Any, where: str, key: str, out: _Collector, *, as_text: bool = False, keep_types: bool = False
) -> dict[Code, str]:
    """Read a ``{code: label}`` mapping (or a list of codes) into a dict with normalised codes.

    Valid codes that mix numbers and text all become text (they are matched as text). Missing codes
    (``keep_types=True``) keep their types, so ``{-99: refused, "N/A": na}`` still matches ``-99.0``
    numerically; a code given twice (``-99`` and ``"-99"``) is an error either way.
    """
    if value is None:
        return {}
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, (list, tuple)):
        pairs = [(v, "") for v in value]
    else:
        out.add(
            where, f"key {key!r} must be a mapping {{code: label}} or a list of codes, got {short(value)}"
        )
        return {}
    codes: dict[Code, str] = {}
    seen: set[str] = set()
    for code, label in pairs:
        if isinstance(code, bool) or not (isinstance(code, (int, str))):
            hint = " (write codes as whole numbers or text)" if isinstance(code, float) else ""
            out.add(where, f"key {key!r}: code {short(code)} is not a whole number or text{hint}")
            continue
        if isinstance(code, str) and not code.strip():
            out.add(where, f"key {key!r}: empty code")
            continue
        if label is None:
            label = ""
        if isinstance(label, bool) or not isinstance(label, (str, int, float)):
            out.add(where, f"key {key!r}: label of code {short(code)} must be text, got {short(label)}")
            continue
        if str(code) in seen:
            out.add(where, f"key {key!r}: code {code!r} given twice")
            continue
        seen.add(str(code))
        codes[code] = str(label)
    if keep_types:
        return codes
    if as_text or any(isinstance(c, str) for c in codes):
        text_codes: dict[Code, str] = {}
        for c, lab in codes.items():
            if str(c) in text_codes:
                out.add(where, f"key {key!r}: code {c!r} given twice")
            text_codes[str(c)] = lab
        return text_codes
    return codes


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _parse_bound(value: Any, vtype: str, where: str, key: str, out: _Collector) -> float | str | None:
    if value is None:
        return None
    if vtype in _NUMERIC_TYPES:
        if not _is_number(value):
            out.add(where, f"key {key!r} must be a number, got {short(value)}")
            return None
        return value
    try:
        _dt.datetime.fromisoformat(str(value))
    except ValueError:
        out.add(where, f"key {key!r} must be an ISO date such as '2025-03-01', got {short(value)}")
        return None
    return str(value)


def _parse_bool(spec: Mapping[str, Any], key: str, default: bool, where: str, out: _Collector) -> bool:
    value = spec.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        out.add(where, f"key {key!r} must be true or false, got {short(value)}")
        return default
    return value


def _check_missing_against_valid(
    vtype: str,
    name: str,
    codes: dict[Code, str],
    missing: dict[Code, str],
    missing_from: str,
    true_codes: tuple[str, ...],
    false_codes: tuple[str, ...],
    points: Any,
    where: str,
    out: _Collector,
) -> None:
    """A missing code may not match a valid value, as intake matches them in the data.

    Intake reads missing codes first, as text ignoring case and whole numbers as numbers
    (:class:`campaign_me.textvalues.MissingCodes`, used here so that there is one definition): the
    missing code ``"1.0"``, ``"01"`` or ``"+1"`` would turn every valid ``1`` into missing, ``"a"`` every
    ``A``. The valid values are the codes (including those generated from ``points``), the
    ``true``/``false`` codes of a boolean, the Likert points of an integer item, and the 0/1 values of
    the option columns of a select_multiple.
    """
    if not missing:
        return
    text_codes = {str(k) for k in codes}
    both = [c for c in missing if c in codes or str(c) in text_codes]
    if both:
        out.add(
            where,
            f"code(s) {', '.join(repr(c) for c in both)} are both valid ('codes') and missing "
            f'({missing_from}); a code that is a valid answer (e.g. "don\'t know" on a knowledge item) '
            "must not be a missing code",
        )
    matcher = MissingCodes(missing)
    valid: list[tuple[Any, str]] = []  # (valid value, how it is named in the message)
    if vtype in ("categorical", "select_multiple"):
        valid += [(c, f"the valid code {c!r}") for c in codes]
    if vtype == "boolean":
        valid += [(c, f"the 'true' code {c!r}") for c in true_codes]
        valid += [(c, f"the 'false' code {c!r}") for c in false_codes]
    if (
        vtype == "integer"
        and isinstance(points, int)
        and not isinstance(points, bool)
        and points <= MAX_POINTS
    ):
        valid += [(i, f"the Likert point {i}") for i in range(1, points + 1)]
    if vtype == "select_multiple":
        valid += [(v, f"the value {v} of the 0/1 option columns ('{name}/option')") for v in (0, 1)]
    # The valid values as they are written in a data file, tested by intake's own test (vectorised, as
    # the conversion runs it, for long code lists).
    texts = [str(value).strip() for value, _ in valid]
    if len(texts) > 1000:
        candidates = np.flatnonzero(matcher.mask(pd.Series(texts, dtype="string"))).tolist()
    else:
        candidates = range(len(texts))
    hits: dict[Any, list[tuple[Any, str]]] = {}
    for i in candidates:
        value, named = valid[i]
        code = matcher.code_of(texts[i])
        if code is not None and not (value in codes and str(code) == str(value)):  # (that one is above)
            hits.setdefault(code, []).append((value, named))
    for code, values in hits.items():
        shown = ", ".join(named for _, named in values[:5])
        more = f" and {len(values) - 5} more" if len(values) > 5 else ""
        if str(code) == str(values[0][0]):
            how = ""
        elif missing_number(code) is not None and missing_text(code) != missing_text(values[0][0]):
            how = f" as the number {missing_number(code):g} (whole-number missing codes match numerically)"
        else:
            how = " as text ignoring case"
        out.add(
            where,
            f"key 'missing': missing code {code!r} ({missing_from}) matches {shown}{more} in the data{how}: "
            "intake would read every such answer as missing; change or remove the missing code"
            + (
                " (give the variable its own 'missing'; missing: {} switches the default off)"
                if missing_from.startswith("the codebook-level")
                else ""
            ),
        )


def _parse_variable(
    name: Any,
    spec: Any,
    default_missing: dict[Code, str],
    out: _Collector,
    design_names: frozenset[str] = frozenset(),
) -> Variable | None:
    where = f"variable {short(name)}"
    if not isinstance(name, str) or not name.strip():
        out.add(where, "the variable name must be non-empty text")
        return None
    if "/" in name or name != name.strip():
        out.add(where, "names may not contain '/' or surrounding spaces (select_multiple uses 'name/option')")
        return None
    if not isinstance(spec, Mapping):
        out.add(where, f"expected a mapping of keys (type, label, ...), got {short(spec)}")
        return None
    if any(isinstance(k, bool) for k in spec):
        # YAML reads the unquoted keys true: and false: as booleans: accept them as the keys "true"/"false".
        fixed: dict[Any, Any] = {}
        for k, v in spec.items():
            key = ("true" if k else "false") if isinstance(k, bool) else k
            if key in fixed:
                out.add(where, f"key {key!r} given twice (quoted and unquoted)")
            fixed[key] = v
        spec = fixed
    for key in spec:
        if key not in _VARIABLE_KEYS:
            out.add(where, f"unknown key {short(key)}{did_you_mean(key, _VARIABLE_KEYS)}")
    raw_type = spec.get("type")
    if raw_type is None:
        out.add(where, f"key 'type' is missing; use one of {', '.join(TYPES)}")
        return None
    vtype = _TYPE_ALIASES.get(str(raw_type), str(raw_type))
    if vtype not in TYPES:
        out.add(where, f"key 'type': {raw_type!r} is not a type; use one of {', '.join(TYPES)}")
        return None
    for key, types in _KEY_TYPES.items():
        if spec.get(key) is not None and vtype not in types:
            out.add(where, f"key {key!r} is not allowed for type {vtype!r} (only for {', '.join(types)})")

    label = spec.get("label") or ""
    description = spec.get("description") or ""
    for key, val in (("label", label), ("description", description)):
        if not isinstance(val, (str, int, float)) or isinstance(val, bool):
            out.add(where, f"key {key!r} must be text, got {short(val)}")
    scale = spec.get("scale")
    if scale is not None and (not isinstance(scale, str) or not _SCALE_RE.match(scale)):
        out.add(where, f"key 'scale' must be a lower-case name such as 'knowledge', got {short(scale)}")
        scale = None
    raw_role = spec.get("role")
    if raw_role is None:
        role = "id" if vtype == "id" else ("item" if scale else "other")
    else:
        role = _ROLE_ALIASES.get(str(raw_role), str(raw_role))
        if role not in ROLES:
            out.add(where, f"key 'role': {raw_role!r} is not a role; use one of {', '.join(ROLES)}")
            role = "other"
    if scale is not None and role not in ("item", "derived"):
        out.add(where, f"key 'scale' is only for role 'item' or 'derived', not {role!r}")

    required = _parse_bool(spec, "required", False, where, out)
    reverse = _parse_bool(spec, "reverse", False, where, out)
    ordered = _parse_bool(spec, "ordered", False, where, out)
    check_pii = _parse_bool(spec, "check_pii", True, where, out)

    codes = _parse_codes(spec.get("codes"), where, "codes", out, as_text=vtype == "select_multiple")
    if "missing" in spec:
        missing = _parse_codes(spec.get("missing"), where, "missing", out, keep_types=True)
        missing_from = "its 'missing'"
    else:
        # Codebook-level missing codes are for answers: never for ids and design columns (a real weight
        # of 99.0 is not "don't know"); such a variable that has missing codes sets its own 'missing'.
        design = vtype == "id" or role in ("id", "design") or name in design_names
        missing = {} if design else dict(default_missing)
        missing_from = "the codebook-level 'missing'"
    points = spec.get("points")
    if points is not None:
        if isinstance(points, bool) or not isinstance(points, int) or not 2 <= points <= MAX_POINTS:
            out.add(where, f"key 'points' must be a whole number from 2 to {MAX_POINTS}, got {short(points)}")
            points = None
        elif vtype == "categorical":
            expected = set(range(1, points + 1))
            if not codes:
                codes = {i: "" for i in range(1, points + 1)}
            elif set(codes) != expected:
                out.add(
                    where,
                    f"key 'points': {points} points need codes 1..{points}, but 'codes' has "
                    f"{', '.join(repr(c) for c in codes)}",
                )
            ordered = True
    if reverse and points is None:
        out.add(where, "key 'reverse': reverse-scored items need 'points' (the number of Likert points)")

    concept = spec.get("concept")
    if concept is not None and (not isinstance(concept, str) or not _CONCEPT_RE.match(concept)):
        out.add(
            where,
            f"key 'concept' must be the name of a catalogue variable (letters, digits and '_', such as "
            f"'risk_aware'), got {short(concept)}",
        )
        concept = None
    choices = spec.get("choices")
    if choices is not None and not isinstance(choices, str):
        out.add(where, f"key 'choices' must be the name of an XLSForm choice list, got {short(choices)}")
        choices = None
    fmt = spec.get("format")
    if fmt is not None and not isinstance(fmt, str):
        out.add(where, f"key 'format' must be a strftime format such as '%d/%m/%Y', got {short(fmt)}")
        fmt = None
    vmin = _parse_bound(spec.get("min"), vtype, where, "min", out)
    vmax = _parse_bound(spec.get("max"), vtype, where, "max", out)
    if vmin is not None and vmax is not None:
        lo = vmin if _is_number(vmin) else _dt.datetime.fromisoformat(str(vmin))
        hi = vmax if _is_number(vmax) else _dt.datetime.fromisoformat(str(vmax))
        if lo > hi:  # type: ignore[operator]
            out.add(where, f"key 'min' ({vmin!r}) is greater than 'max' ({vmax!r})")

    true_codes, false_codes = _DEFAULT_TRUE, _DEFAULT_FALSE
    if vtype == "boolean":
        if spec.get("true") is not None:
            true_codes = tuple(str(v).strip().lower() for v in _as_tuple(spec["true"]))
        if spec.get("false") is not None:
            false_codes = tuple(str(v).strip().lower() for v in _as_tuple(spec["false"]))
        overlap = set(true_codes) & set(false_codes)
        if overlap:
            out.add(where, f"keys 'true'/'false': {', '.join(sorted(overlap))} listed as both true and false")

    _check_missing_against_valid(
        vtype, name, codes, missing, missing_from, true_codes, false_codes, points, where, out
    )

    correct = _as_tuple(spec.get("correct"))
    if correct:
        if role != "item":
            out.add(where, f"key 'correct' is only for items (role 'item'), not role {role!r}")
        if vtype == "id":
            out.add(where, "key 'correct' is not allowed for type 'id'")
        elif vtype == "boolean":
            bad = [c for c in correct if not isinstance(c, bool)]
            if bad:
                out.add(where, f"key 'correct' must be true or false for a boolean item, got {short(bad[0])}")
        elif vtype in ("categorical", "select_multiple") and codes:
            lookup = {str(c): c for c in codes}
            fixed = []
            for c in correct:
                if isinstance(c, bool) or str(c) not in lookup:
                    out.add(
                        where,
                        f"key 'correct': {c!r} is not one of its codes ({', '.join(repr(k) for k in codes)})",
                    )
                else:
                    fixed.append(lookup[str(c)])
            correct = tuple(fixed)
    elif scale == "knowledge" and role == "item":
        out.add(where, "key 'correct' is missing: knowledge items need the correct answer(s)")

    return Variable(
        name=name,
        type=vtype,
        label=str(label),
        description=str(description),
        role=role,
        required=required,
        codes=codes,
        missing=missing,
        min=vmin,
        max=vmax,
        scale=scale,
        correct=correct,
        points=points,
        reverse=reverse,
        ordered=ordered,
        choices=choices,
        format=fmt,
        true=true_codes,
        false=false_codes,
        check_pii=check_pii,
        concept=concept,
    )


# --------------------------------------------------------------------------------------------------
# The study: arms and rounds
# --------------------------------------------------------------------------------------------------


def _arm_key(value: Any) -> str | None:
    """A code as text, the same whichever way it was read (``1``, ``1.0``, ``"1"``, ``"1.0"``; ``True``)."""
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    whole = re.fullmatch(r"(-?(?:0|[1-9][0-9]*))\.0", text)  # "1.0", as intake reads whole numbers
    return whole.group(1) if whole else text


@dataclass(frozen=True)
class Arm:
    """The column that tells campaign from comparison areas (codebook key ``arm``).

    Attributes
    ----------
    column : str
        The arm variable (``boolean``, or ``categorical`` with codes).
    campaign : tuple
        Its codes in campaign areas, as intake reads them (``True`` for a boolean column; the
        codebook's codes, whole numbers or text, for a categorical one).
    codes : tuple
        Every declared code of the column (campaign and comparison), as intake reads them.
    true, false : tuple of str
        For a boolean column, its ``true``/``false`` codes as they are written in the file, so that
        data not yet converted by intake reads the same.

    Examples
    --------
    >>> import pandas as pd
    >>> arm = Arm("program_arm", campaign=(1,), codes=(0, 1))
    >>> arm.mask(pd.DataFrame({"program_arm": [1, 0, 1]})).tolist()
    [True, False, True]
    >>> arm.comparison
    (0,)
    """

    column: str
    campaign: tuple[Any, ...]
    codes: tuple[Any, ...] = ()
    true: tuple[str, ...] = ()
    false: tuple[str, ...] = ()

    @property
    def comparison(self) -> tuple[Any, ...]:
        """The declared codes that are not campaign codes (comparison areas)."""
        return tuple(c for c in self.codes if c not in self.campaign)

    def _lookup(self) -> dict[str, bool]:
        is_bool = any(isinstance(c, bool) for c in self.codes)
        table = {_arm_key(c): c in self.campaign for c in self.codes}
        if is_bool:
            table.update({str(c).lower(): True in self.campaign for c in self.true})
            table.update({str(c).lower(): False in self.campaign for c in self.false})
        return table

    def mask(self, data: Any) -> Any:
        """True on the rows in campaign areas, False in comparison areas.

        Parameters
        ----------
        data : pandas.DataFrame or SurveyDesign
            The survey (its ``data`` for a design), with the arm column.

        Returns
        -------
        pandas.Series of bool
            Aligned on the data's index, named after the column.

        Raises
        ------
        campaign_me.errors.DataError
            If the column is missing, or holds a blank or a code that is neither a campaign code nor
            another declared code; the message names the rows (line numbers after
            :func:`campaign_me.load_survey`) and the values.
        """
        frame = getattr(data, "data", data)
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"arm: expected a DataFrame or a SurveyDesign, got {type(data).__name__}")
        if self.column not in frame.columns:
            raise ColumnError(
                f"arm: the codebook's arm column {self.column!r} is not in the "
                f"data{did_you_mean(self.column, frame.columns)}"
            )
        col = frame[self.column]
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        lookup = self._lookup()
        lower = any(isinstance(c, bool) for c in self.codes)
        flags = np.zeros(len(uniques), dtype=np.int8)  # 1 campaign, 0 comparison, -1 undeclared
        for i, value in enumerate(uniques):
            key = _arm_key(value)
            if key is not None and lower:
                key = key.lower()
            flags[i] = -1 if key not in lookup else int(lookup[key])
        blank = codes < 0
        undeclared = np.zeros(len(codes), dtype=bool)
        undeclared[~blank] = flags[codes[~blank]] < 0
        problems = []
        if blank.any():
            problems.append(f"no value at {describe_labels(frame.index, np.flatnonzero(blank))}")
        if undeclared.any():
            where = np.flatnonzero(undeclared)
            problems.append(
                f"undeclared code(s) {describe_values(col.iloc[where].tolist())} at "
                f"{describe_labels(frame.index, where)}"
            )
        if problems:
            shown = ", ".join(repr(c) for c in self.codes)
            raise DataError(
                f"arm column {self.column!r}: "
                + "; ".join(problems)
                + f"; expected one of its declared codes "
                f"({shown}; campaign: {', '.join(repr(c) for c in self.campaign)})"
            )
        out = np.zeros(len(codes), dtype=bool)
        out[~blank] = flags[codes[~blank]] == 1
        return pd.Series(out, index=frame.index, name=self.column)


def _parse_arm(raw: Any, variables: dict[str, Variable], names: list[str], out: _Collector) -> Arm | None:
    where = "top level"
    if not isinstance(raw, Mapping):
        out.add(
            where, f"key 'arm' must be a mapping {{column: <variable>, campaign: [codes]}}, got {short(raw)}"
        )
        return None
    for key in raw:
        if key not in _ARM_KEYS:
            out.add(where, f"key 'arm': unknown key {short(key)}{did_you_mean(str(key), _ARM_KEYS)}")
    column = raw.get("column")
    if not isinstance(column, str) or column not in names:
        out.add(
            where,
            f"key 'arm': column {short(column)} is not a declared "
            f"variable{did_you_mean(str(column), names)}; "
            "name the variable that tells campaign from comparison areas",
        )
        return None
    if column not in variables:  # refused above with its own message
        return None
    campaign = raw.get("campaign")
    if campaign is None or (isinstance(campaign, (list, tuple)) and not campaign):
        out.add(
            where,
            f"key 'arm': 'campaign' must list the code(s) of {column!r} in campaign areas, e.g. campaign: "
            "[1]",
        )
        return None
    var = variables[column]
    given = _as_tuple(campaign)
    chosen: list[Any] = []
    if var.type == "boolean":
        codes: tuple[Any, ...] = (True, False)
        for c in given:
            if isinstance(c, bool):
                chosen.append(c)
            elif str(c).strip().lower() in var.true:
                chosen.append(True)
            elif str(c).strip().lower() in var.false:
                chosen.append(False)
            else:
                out.add(
                    where,
                    f"key 'arm': campaign code {short(c)} is not a yes/no value of the boolean {column!r} "
                    f"(true: {', '.join(var.true)}; false: {', '.join(var.false)})",
                )
    elif var.type == "categorical" and var.codes:
        codes = tuple(var.codes)
        lookup = {str(k): k for k in var.codes}
        for c in given:
            if isinstance(c, bool) or _arm_key(c) not in lookup:
                out.add(
                    where,
                    f"key 'arm': campaign code {short(c)} is not a code of {column!r} "
                    f"({', '.join(repr(k) for k in var.codes)})",
                )
            else:
                chosen.append(lookup[_arm_key(c)])
    else:
        out.add(
            f"variable {column!r}",
            f"the arm column must be boolean, or categorical with its codes (e.g. codes: {{0: Comparison, "
            f"1: Campaign}}), so that every value is known; it is {var.type!r}"
            + (" without codes" if var.type == "categorical" else ""),
        )
        return None
    if len(chosen) != len(given):
        return None
    campaign_codes = tuple(dict.fromkeys(chosen))
    if set(campaign_codes) >= set(codes):
        out.add(
            where,
            f"key 'arm': every code of {column!r} is a campaign code; the comparison areas need at least one",
        )
        return None
    return Arm(
        column=column,
        campaign=campaign_codes,
        codes=codes,
        true=var.true if var.type == "boolean" else (),
        false=var.false if var.type == "boolean" else (),
    )


# --------------------------------------------------------------------------------------------------
# Codebook
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codebook:
    """A validated codebook: every variable of a survey file and what it means.

    Build it with :meth:`from_yaml` (or :meth:`from_dict`, :meth:`from_xlsform`); the file format is
    described in the module docstring and in ``docs/codebook.md``.

    Attributes
    ----------
    dataset, version, description : str
        Codebook-level metadata.
    variables : dict of str to Variable
        The variables in file order. Do not mutate; use :func:`dataclasses.replace`.
    id, weight, strata, psu, fpc : str or None
        Names of the respondent-id, weight, stratum, PSU and finite-population-correction variables.
    arm : Arm or None
        The column telling campaign from comparison areas and its campaign codes (key ``arm``).
    rounds : str
        ``"independent"`` (default), ``"same_clusters"`` or ``"panel"`` (key ``rounds``): how the
        survey rounds relate, used by every comparison of rounds.
    form : Path or None
        The XLSForm named by the codebook (resolved against the codebook's folder).
    source : Path or None
        The YAML file the codebook was read from.

    Examples
    --------
    >>> cb = Codebook.from_dict({"dataset": "demo", "id": "rid", "variables": {
    ...     "rid": {"type": "id"},
    ...     "k1": {"type": "categorical", "scale": "knowledge", "codes": {1: "True", 2: "False"},
    ...            "correct": 2}}})
    >>> cb.items("knowledge")
    ['k1']
    >>> cb.labels("k1")
    {1: 'True', 2: 'False'}
    """

    dataset: str
    variables: dict[str, Variable]
    version: str = ""
    description: str = ""
    id: str | None = None
    weight: str | None = None
    strata: str | None = None
    psu: str | None = None
    form: Path | None = None
    source: Path | None = None
    fpc: str | None = None
    arm: Arm | None = None
    rounds: str = "independent"

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> Codebook:
        """Read and validate a ``codebook.yaml``.

        Parameters
        ----------
        path : str or path-like
            The YAML file (UTF-8).

        Returns
        -------
        Codebook

        Raises
        ------
        FileNotFoundError
            If the file does not exist.
        CodebookError
            If the YAML is invalid or the codebook breaks a rule; the message lists every problem,
            each naming the variable and the key.
        """
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"codebook {str(p)!r} does not exist.")
        return cls.from_dict(load_yaml(p, what="codebook"), source=p)

    @classmethod
    def from_dict(cls, data: Any, *, source: str | os.PathLike[str] | None = None) -> Codebook:
        """Validate a codebook given as a mapping (the parsed YAML).

        Parameters
        ----------
        data : mapping
            Codebook-level keys and ``variables`` as in the YAML format.
        source : str or path-like, optional
            The file it came from (used in messages and to resolve ``form``).

        Returns
        -------
        Codebook
        """
        src = Path(source) if source is not None else None
        out = _Collector(repr(src.name) if src is not None else "(from a mapping)")
        if not isinstance(data, Mapping):
            kind = "empty" if data is None else f"a {type(data).__name__}"
            out.add("top level", f"expected a mapping with 'dataset' and 'variables', got {kind}")
            out.raise_if_any()
        for key in data:
            if key not in _CODEBOOK_KEYS:
                out.add("top level", f"unknown key {short(key)}{did_you_mean(str(key), _CODEBOOK_KEYS)}")
        dataset = data.get("dataset")
        if not dataset or not isinstance(dataset, str):
            out.add("top level", f"key 'dataset' must be the dataset's name (text), got {short(dataset)}")
        version = data.get("version")
        if version is not None and not isinstance(version, (str, int, float)):
            out.add("top level", f"key 'version' must be text such as \"1.0\", got {short(version)}")
        default_missing = _parse_codes(data.get("missing"), "top level", "missing", out, keep_types=True)

        raw_vars = data.get("variables")
        pairs: list[tuple[Any, Any]] = []
        if isinstance(raw_vars, Mapping):
            pairs = list(raw_vars.items())
        elif isinstance(raw_vars, list):
            seen: set[str] = set()
            for i, spec in enumerate(raw_vars, start=1):
                if not isinstance(spec, Mapping) or "name" not in spec:
                    out.add(
                        f"variables entry {i}", f"expected a mapping with a 'name' key, got {short(spec)}"
                    )
                    continue
                if spec["name"] in seen:
                    out.add(f"variable {spec['name']!r}", f"declared twice (again as entry {i})")
                    continue
                seen.add(spec["name"])
                pairs.append((spec["name"], spec))
        else:
            out.add("top level", f"key 'variables' must be a mapping name -> keys, got {short(raw_vars)}")
        if isinstance(raw_vars, (Mapping, list)) and not raw_vars:
            out.add("top level", "key 'variables' is empty")

        design_names = frozenset(str(data[k]) for k in DESIGN_KEYS if isinstance(data.get(k), str))
        raw_arm = data.get("arm")
        if isinstance(raw_arm, Mapping) and isinstance(raw_arm.get("column"), str):
            design_names |= {raw_arm["column"]}  # a design column: codebook-level missing codes do not apply
        variables: dict[str, Variable] = {}
        for name, spec in pairs:
            if isinstance(spec, Mapping) and "name" in spec and spec["name"] != name:
                out.add(f"variable {name!r}", f"key 'name' ({spec['name']!r}) differs from its key")
            var = _parse_variable(name, spec, default_missing, out, design_names)
            if var is not None:
                variables[var.name] = var
        names = [str(n) for n, _ in pairs]
        sm_columns = {
            c: v.name for v in variables.values() if v.type == "select_multiple" for c in v.columns()
        }
        for name in names:
            if name in sm_columns:
                out.add(
                    f"variable {name!r}",
                    f"clashes with option column of select_multiple {sm_columns[name]!r}",
                )

        refs: dict[str, str | None] = {}
        for key, allowed in (
            ("id", ("id", "integer", "text")),
            ("weight", ("integer", "number")),
            ("strata", None),
            ("psu", None),
            ("fpc", ("integer", "number")),
        ):
            ref = data.get(key)
            refs[key] = ref
            if ref is None:
                continue
            if not isinstance(ref, str) or ref not in names:
                out.add(
                    "top level",
                    f"key {key!r}: {short(ref)} is not a declared variable{did_you_mean(str(ref), names)}",
                )
                refs[key] = None
            elif ref in variables and allowed and variables[ref].type not in allowed:
                out.add(
                    f"variable {ref!r}",
                    f"key 'type' must be one of {', '.join(allowed)} for the {key} variable, "
                    f"got {variables[ref].type!r}",
                )

        concepts: dict[str, str] = {}
        for var in variables.values():
            if var.concept is None:
                continue
            if var.concept in concepts:
                out.add(
                    f"variable {var.name!r}",
                    f"key 'concept': {var.concept!r} is already the concept of variable "
                    f"{concepts[var.concept]!r}; "
                    "a catalogue variable can be answered by one question only",
                )
            elif var.concept != var.name and var.concept in names:
                out.add(
                    f"variable {var.name!r}",
                    f"key 'concept': {var.concept!r} is also the name of another variable, so the "
                    "catalogue's "
                    f"{var.concept!r} would be ambiguous; remove the concept or rename that variable",
                )
            else:
                concepts[var.concept] = var.name
        arm = _parse_arm(raw_arm, variables, names, out) if raw_arm is not None else None
        rounds = data.get("rounds")
        if rounds is None:
            rounds = "independent"
        elif not isinstance(rounds, str) or rounds not in ROUNDS:
            out.add(
                "top level",
                f"key 'rounds': {short(rounds)} is not one of "
                f"{', '.join(ROUNDS)}{did_you_mean(str(rounds), ROUNDS)} "
                "(independent: each round a new sample; same_clusters: the same clusters revisited with new "
                "respondents; panel: the same people re-interviewed)",
            )
            rounds = "independent"
        elif rounds == "same_clusters" and refs["psu"] is None:
            out.add(
                "top level",
                "key 'rounds': same_clusters needs 'psu', the cluster (e.g. village) variable the rounds "
                "share",
            )
        elif rounds == "panel" and refs["id"] is None:
            out.add(
                "top level",
                "key 'rounds': panel needs 'id', the respondent-id variable that links each person's "
                "interviews",
            )

        form = data.get("form")
        form_path = None
        if form is not None:
            if not isinstance(form, str):
                out.add("top level", f"key 'form' must be the path of an XLSForm, got {short(form)}")
            else:
                form_path = Path(form)
                if not form_path.is_absolute() and src is not None:
                    form_path = src.parent / form_path
        out.raise_if_any()
        # Variables named at codebook level are required in every file.
        for key in DESIGN_KEYS:
            ref = refs[key]
            if ref is not None and not variables[ref].required:
                variables[ref] = dataclasses.replace(variables[ref], required=True)
        if arm is not None and not variables[arm.column].required:
            variables[arm.column] = dataclasses.replace(variables[arm.column], required=True)
        return cls(
            dataset=str(dataset),
            variables=variables,
            version="" if version is None else str(version),
            description=str(data.get("description") or ""),
            id=refs["id"],
            weight=refs["weight"],
            strata=refs["strata"],
            psu=refs["psu"],
            fpc=refs["fpc"],
            form=form_path,
            source=src,
            arm=arm,
            rounds=rounds,
        )

    @classmethod
    def from_xlsform(cls, form: str | os.PathLike[str] | XLSForm, *, dataset: str | None = None) -> Codebook:
        """Draft a codebook from an XLSForm (types, choice codes, labels).

        Roles other than ``identifier`` (geopoints, media, device and phone fields, and the typed-in
        questions whose name or label asks for personal data:
        :func:`campaign_me.xlsform.identifier_reason`), ``metadata`` (start/end/today) and
        ``derived`` (calculate) are left as ``other``: add ``id``, ``weight``, scales and correct
        answers in YAML for analysis.

        Parameters
        ----------
        form : str, path-like or XLSForm
            The XLSForm workbook.
        dataset : str, optional
            Dataset name; defaults to the form's ``form_id`` or the file name.

        Returns
        -------
        Codebook
        """
        xf = form if isinstance(form, XLSForm) else read_xlsform(form)
        variables: dict[str, Variable] = {}
        for name, (qtype, list_name, label) in xf.questions.items():
            if qtype not in XLSFORM_TYPES or "/" in name:
                continue
            vtype, role = XLSFORM_TYPES[qtype]
            if identifier_reason(name, qtype, label) is not None:
                role = "identifier"
            codes: dict[Code, str] = {}
            if list_name is not None and list_name in xf.choices:
                codes = choice_codes(xf.choices[list_name], vtype == "select_multiple")
            variables[name] = Variable(
                name=name, type=vtype, label=label, role=role, codes=codes, choices=list_name
            )
        if not variables:
            raise CodebookError(f"form {xf.path.name!r} has no questions that hold data.")
        name = dataset or xf.settings.get("form_id") or xf.path.stem
        return cls(
            dataset=name,
            variables=variables,
            version=xf.settings.get("version", ""),
            description=xf.settings.get("form_title", ""),
            form=xf.path,
        )

    def with_form(self, form: str | os.PathLike[str] | XLSForm) -> Codebook:
        """Fill codes and labels from an XLSForm; return a new codebook.

        For ``categorical`` and ``select_multiple`` variables the choice list is the one named by
        ``choices`` or, failing that, the list of the form question of the same name. Codes come from
        the form only when the codebook lists none; labels fill only empty labels. Variable labels
        are taken from the form where the codebook has none.

        Raises
        ------
        CodebookError
            If a named choice list is not in the form, or the form's question type contradicts the
            codebook (select_one vs select_multiple).
        """
        xf = form if isinstance(form, XLSForm) else read_xlsform(form)
        out = _Collector(f"{self._src()} with form {xf.path.name!r}")
        new: dict[str, Variable] = {}
        for name, var in self.variables.items():
            q = xf.questions.get(name)
            changes: dict[str, Any] = {}
            if not var.label and q is not None and q[2]:
                changes["label"] = q[2]
            if var.type in ("categorical", "select_multiple"):
                list_name = var.choices
                if q is not None and q[0] in ("select_one", "select_multiple"):
                    form_type = "categorical" if q[0] == "select_one" else "select_multiple"
                    if form_type != var.type:
                        out.add(f"variable {name!r}", f"key 'type' is {var.type!r} but the form has {q[0]}")
                    list_name = list_name or q[1]
                if list_name is not None:
                    if list_name not in xf.choices:
                        out.add(
                            f"variable {name!r}",
                            f"key 'choices': list {list_name!r} is not in the form's choices sheet"
                            f"{did_you_mean(list_name, xf.choices)}",
                        )
                    else:
                        options = choice_codes(xf.choices[list_name], var.type == "select_multiple")
                        if not var.codes:
                            changes["codes"] = options
                        else:
                            by_text = {str(k): v for k, v in options.items()}
                            changes["codes"] = {
                                c: lab or by_text.get(str(c), "") for c, lab in var.codes.items()
                            }
                        changes["choices"] = list_name
            if changes:
                var = dataclasses.replace(var, **changes)
                if "codes" in changes:  # codes from the form: checked against the missing codes too
                    _check_missing_against_valid(
                        var.type, name, var.codes, var.missing, "its missing codes", var.true, var.false,
                        var.points, f"variable {name!r}", out,
                    )  # fmt: skip
            new[name] = var
        out.raise_if_any()
        return dataclasses.replace(self, variables=new, form=xf.path)

    @classmethod
    def coerce(
        cls,
        codebook: Codebook | str | os.PathLike[str] | None,
        *,
        optional: bool = False,
        error: type[Exception] = CodebookError,
        what: str = "codebook",
    ) -> Codebook | None:
        """A :class:`Codebook` from "a codebook or the path of its YAML file": the one place that does it.

        Every function that takes ``codebook=`` (intake, the design, scores, indicators,
        evaluation) turns its argument into a codebook here.

        Parameters
        ----------
        codebook : Codebook, str, path-like or None
            A codebook (returned as it is) or the path of its YAML file (read with :meth:`from_yaml`).
        optional : bool, default False
            Whether None is allowed (then None is returned).
        error : exception class, default CodebookError
            Raised for anything else (a number, a dict, None when not ``optional``), with the message
            "``what`` must be a Codebook or the path of its YAML file, got ...", so that each caller
            keeps its own kind of error.
        what : str, default "codebook"
            How the message names the argument, e.g. ``"from_codebook: codebook"``.

        Returns
        -------
        Codebook or None

        Examples
        --------
        >>> cb = Codebook.from_dict({"dataset": "demo", "variables": {"age": {"type": "integer"}}})
        >>> Codebook.coerce(cb) is cb
        True
        >>> Codebook.coerce("data/samples/codebook.yaml").dataset
        'campaign_me_kap'
        >>> Codebook.coerce(None, optional=True) is None
        True
        >>> Codebook.coerce(42, what="from_codebook: codebook")
        Traceback (most recent call last):
        ...
        campaign_me.errors.CodebookError: from_codebook: codebook must be a Codebook or the path ... got int
        """
        if isinstance(codebook, Codebook):
            return codebook
        if codebook is None and optional:
            return None
        if isinstance(codebook, (str, bytes)) or hasattr(codebook, "__fspath__"):
            return cls.from_yaml(os.fsdecode(codebook))
        raise error(f"{what} must be a Codebook or the path of its YAML file, got {type(codebook).__name__}")

    # -- queries ------------------------------------------------------------------------------

    def _src(self) -> str:
        return repr(self.source.name) if self.source is not None else repr(self.dataset)

    def __getitem__(self, name: str) -> Variable:
        try:
            return self.variables[name]
        except KeyError:
            raise CodebookError(
                f"codebook {self._src()} has no variable {name!r}{did_you_mean(name, self.variables)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self.variables

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables.values())

    def __len__(self) -> int:
        return len(self.variables)

    @property
    def names(self) -> list[str]:
        """Variable names in codebook order."""
        return list(self.variables)

    def columns(self, sep: str = "/") -> list[str]:
        """Data column names after loading (select_multiple expanded to ``q/option``)."""
        return [c for v in self.variables.values() for c in v.columns(sep)]

    def scales(self) -> list[str]:
        """Names of the scales items belong to, in order of first appearance."""
        return list(dict.fromkeys(v.scale for v in self.variables.values() if v.is_item and v.scale))

    def items(self, scale: str | Iterable[str] | None = None) -> list[str]:
        """Names of the items (role ``item``), optionally of one or more scales.

        Parameters
        ----------
        scale : str or iterable of str, optional
            E.g. ``"knowledge"`` or ``["attitude", "practice"]``.

        Raises
        ------
        CodebookError
            If a requested scale has no items (a typo would otherwise give an empty list).
        """
        items = [v for v in self.variables.values() if v.is_item]
        if scale is None:
            return [v.name for v in items]
        wanted = [scale] if isinstance(scale, str) else list(scale)
        known = self.scales()
        unknown = [s for s in wanted if s not in known]
        if unknown:
            raise CodebookError(
                f"codebook {self._src()} has no items with scale {unknown[0]!r}"
                f"{did_you_mean(unknown[0], known)}; its scales are {', '.join(known) or '(none)'}"
            )
        return [v.name for v in items if v.scale in wanted]

    def labels(self, var: str, *, missing: bool = False) -> dict[Code, str]:
        """``{code: label}`` of a variable's valid codes (and its missing codes if ``missing``).

        Empty for variables without codes. For select_multiple the keys are the option names.
        """
        v = self[var]
        out = dict(v.codes)
        if missing:
            out.update(v.missing)
        return out

    @property
    def concepts(self) -> dict[str, str]:
        """``{concept: variable name}`` for the variables that name the catalogue variable they answer.

        Examples
        --------
        >>> cb = Codebook.from_dict({"dataset": "demo", "variables": {
        ...     "aware_risk": {"type": "boolean", "concept": "risk_aware"}, "age": {"type": "integer"}}})
        >>> cb.concepts
        {'risk_aware': 'aware_risk'}
        """
        return {v.concept: v.name for v in self.variables.values() if v.concept is not None}

    def pii_columns(self) -> list[str]:
        """Names of the variables with role ``identifier`` (dropped on load unless ``keep_pii``)."""
        return [v.name for v in self.variables.values() if v.is_pii]

    def to_dict(self) -> dict[str, Any]:
        """The codebook as the mapping its YAML holds (only keys that differ from the defaults).

        ``Codebook.from_dict(cb.to_dict())`` gives back an equal codebook. Missing codes are written on
        each variable (there is no codebook-level ``missing``); ``form`` is written as a path relative
        to the codebook's folder when there is one, else as given.
        """
        out: dict[str, Any] = {"dataset": self.dataset}
        if self.version:
            out["version"] = self.version
        if self.description:
            out["description"] = self.description
        for key in DESIGN_KEYS:
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.form is not None:
            form = self.form
            if self.source is not None:
                try:
                    form = Path(os.path.relpath(self.form, self.source.parent))
                except ValueError:  # another drive on Windows
                    pass
            out["form"] = form.as_posix()
        if self.arm is not None:
            out["arm"] = {"column": self.arm.column, "campaign": list(self.arm.campaign)}
        if self.rounds != "independent":
            out["rounds"] = self.rounds
        design = {getattr(self, k) for k in DESIGN_KEYS} - {None}
        if self.arm is not None:
            design.add(self.arm.column)
        variables: dict[str, Any] = {}
        for v in self.variables.values():
            spec: dict[str, Any] = {"type": v.type}
            if v.label:
                spec["label"] = v.label
            if v.description:
                spec["description"] = v.description
            default_role = "id" if v.type == "id" else ("item" if v.scale else "other")
            if v.role != default_role:
                spec["role"] = v.role
            if v.required and v.name not in design:
                spec["required"] = True
            if v.scale:
                spec["scale"] = v.scale
            if v.points is not None:
                spec["points"] = v.points
            generated = v.points is not None and v.codes == {i: "" for i in range(1, v.points + 1)}
            if v.codes and not generated:
                spec["codes"] = dict(v.codes)
            if v.missing:
                spec["missing"] = dict(v.missing)
            if v.correct:
                spec["correct"] = v.correct[0] if len(v.correct) == 1 else list(v.correct)
            if v.reverse:
                spec["reverse"] = True
            if v.ordered and v.points is None:
                spec["ordered"] = True
            for key in ("min", "max", "choices", "format"):
                if getattr(v, key) is not None:
                    spec[key] = getattr(v, key)
            if v.type == "boolean":
                if v.true != _DEFAULT_TRUE:
                    spec["true"] = list(v.true)
                if v.false != _DEFAULT_FALSE:
                    spec["false"] = list(v.false)
            if not v.check_pii:
                spec["check_pii"] = False
            if v.concept is not None:
                spec["concept"] = v.concept
            variables[v.name] = spec
        out["variables"] = variables
        return out

    def to_yaml(self, path: str | os.PathLike[str] | None = None, *, header: str | None = None) -> str:
        """Write the codebook as YAML that :meth:`from_yaml` reads back to the same codebook.

        Use it to start a codebook from a Kobo/ODK form: ``Codebook.from_xlsform(form).to_yaml(path)``
        (or ``campaign-me codebook --form FORM.xlsx > codebook.yaml``), then edit the file.

        Parameters
        ----------
        path : str or path-like, optional
            Where to write it (atomically: a temporary file renamed into place). By default only the
            text is returned.
        header : str, optional
            A comment written at the top (each line prefixed with ``#``).

        Returns
        -------
        str
            The YAML text.

        Examples
        --------
        >>> cb = Codebook.from_dict({"dataset": "demo", "id": "rid", "variables": {
        ...     "rid": {"type": "id"},
        ...     "ok": {"type": "boolean", "label": "Knows the hotline",
        ...            "true": [1, "yes"], "false": [2, "no"]},
        ...     "q": {"type": "categorical", "codes": {1: "Yes", 2: "No"}, "missing": {99: "Don't know"}}}})
        >>> print(cb.to_yaml())
        dataset: demo
        id: rid
        variables:
          rid:
            type: id
          ok:
            type: boolean
            label: Knows the hotline
            'true':
            - '1'
            - 'yes'
            'false':
            - '2'
            - 'no'
          q:
            type: categorical
            codes:
              1: 'Yes'
              2: 'No'
            missing:
              99: Don't know
        <BLANKLINE>
        >>> from campaign_me.yamlfile import parse_yaml
        >>> Codebook.from_dict(parse_yaml(cb.to_yaml())) == cb
        True
        """
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)
        if header:
            text = "".join(f"# {line}\n" for line in header.splitlines()) + text
        if path is not None:
            target = Path(path)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(text)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return text

    def to_frame(self) -> Any:
        """One row per variable: ``name, label, type, role, required, scale, codes, missing, min, max,
        correct, points, reverse`` (a readable overview for notebooks)."""
        rows = [
            {
                "name": v.name,
                "label": v.label,
                "type": v.type,
                "role": v.role,
                "required": v.required,
                "scale": v.scale,
                "codes": "; ".join(f"{c}={lab}" if lab else str(c) for c, lab in v.codes.items()),
                "missing": "; ".join(f"{c}={lab}" if lab else str(c) for c, lab in v.missing.items()),
                "min": v.min,
                "max": v.max,
                "correct": ", ".join(str(c) for c in v.correct),
                "points": v.points,
                "reverse": v.reverse,
            }
            for v in self.variables.values()
        ]
        return pd.DataFrame(rows)


# SurveyDesign.from_codebook(data, path): the design (Core) reads no codebook files; this layer does
read_codebooks_with(Codebook.coerce)
