"""Reading XLSForms (KoboToolbox, ODK, SurveyCTO questionnaires in ``.xlsx``).

:func:`read_xlsform` reads the ``survey``, ``choices`` and ``settings`` sheets (read-only) into an
:class:`XLSForm`; :meth:`campaign_me.codebook.Codebook.from_xlsform` drafts a codebook from it and
:meth:`~campaign_me.codebook.Codebook.with_form` fills a codebook's choice lists from it.
:data:`XLSFORM_TYPES` maps each XLSForm question type to a codebook type and role.
:func:`draft_codebook` (``campaign-me codebook --form``) also marks the questions whose name or
label asks for personal data (a name, phone number, e-mail, address, GPS position) as identifiers,
and :func:`identifier_reason` says why; :func:`draft` proposes a codebook-level ``missing`` block
from the choices labelled "Don't know" or "Refused" (:func:`missing_kind`, in English, French,
Spanish and Portuguese) and the study's keys to fill in (``id``, ``weight``, ``strata``, ``psu``,
``arm``, ``rounds``), and :meth:`CodebookDraft.to_yaml` writes it all.
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from campaign_me.deferred import Deferred
from campaign_me.errors import CodebookError
from campaign_me.privacy import PII_KINDS, name_kind

openpyxl = Deferred("openpyxl")  # deferred: about 0.3 s at import; only reading a form needs it
# drafting a codebook from a form (draft) sits above reading forms, which campaign_me.codebook
# imports at its top: the codebook module is bound here and imported when a draft is made
codebook_module = Deferred("campaign_me.codebook")

__all__ = [
    "XLSFORM_TYPES",
    "XLSForm",
    "CodebookDraft",
    "choice_codes",
    "commented_yaml",
    "draft",
    "draft_codebook",
    "identifier_reason",
    "missing_kind",
    "read_xlsform",
]

#: Largest XLSForm read (bytes of the .xlsx file).
MAX_FORM_BYTES = 20_000_000


@dataclass(frozen=True)
class XLSForm:
    """The parts of an XLSForm that intake needs.

    Attributes
    ----------
    questions : dict
        ``name -> (type, list_name or None, label)`` for every named row of the ``survey`` sheet,
        with ``type`` the XLSForm type (``select_one``, ``select_multiple``, ``integer``, ...).
    choices : dict
        ``list_name -> {choice name: label}`` from the ``choices`` sheet (names as text).
    settings : dict
        The ``settings`` sheet (``form_id``, ``version``, ``default_language``, ...).
    path : Path
        Where the form was read from.
    """

    questions: dict[str, tuple[str, str | None, str]]
    choices: dict[str, dict[str, str]]
    settings: dict[str, str]
    path: Path


def _sheet_records(ws: Any) -> list[dict[str, str]]:
    if hasattr(ws, "reset_dimensions"):  # read-only: do not trust the sheet's stored dimension record
        ws.reset_dimensions()
    rows = ws.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        return []
    records = []
    for row in rows:
        rec = {h: ("" if v is None else str(v).strip()) for h, v in zip(header, row) if h}
        if any(rec.values()):
            records.append(rec)
    return records


def _label_key(records: list[dict[str, str]], language: str | None) -> str | None:
    keys = list(records[0]) if records else []
    if language and f"label::{language}" in keys:
        return f"label::{language}"
    if "label" in keys:
        return "label"
    for k in keys:
        if k.startswith("label::"):
            return k
    return None


def read_xlsform(path: str | os.PathLike[str]) -> XLSForm:
    """Read the ``survey``, ``choices`` and ``settings`` sheets of an XLSForm ``.xlsx`` (read-only).

    Parameters
    ----------
    path : str or path-like
        The XLSForm workbook (KoboToolbox / ODK / SurveyCTO).

    Returns
    -------
    XLSForm

    Raises
    ------
    CodebookError
        If the file is not an ``.xlsx`` workbook or has no ``survey`` sheet.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(
            f"XLSForm {str(p)!r} {'is a folder, not a file' if p.is_dir() else 'does not exist'}."
        )
    if p.stat().st_size > MAX_FORM_BYTES:
        raise CodebookError(
            f"form {p.name!r} is {p.stat().st_size:,} bytes; at most {MAX_FORM_BYTES:,} are read."
        )
    with p.open("rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            raise CodebookError(f"form {p.name!r} is not an .xlsx workbook (an XLSForm is needed).")
        fh.seek(0)
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several unrelated types on corrupt files
            raise CodebookError(f"form {p.name!r} cannot be read as an .xlsx workbook: {exc}") from None
        try:
            sheets = {name.lower(): wb[name] for name in wb.sheetnames}
            if "survey" not in sheets:
                raise CodebookError(
                    f"form {p.name!r} has no 'survey' sheet (sheets: {', '.join(wb.sheetnames)}); "
                    "is it an XLSForm?"
                )
            survey = _sheet_records(sheets["survey"])
            choice_rows = _sheet_records(sheets["choices"]) if "choices" in sheets else []
            settings_rows = _sheet_records(sheets["settings"]) if "settings" in sheets else []
        finally:
            wb.close()
    settings = settings_rows[0] if settings_rows else {}
    language = settings.get("default_language") or None
    questions: dict[str, tuple[str, str | None, str]] = {}
    qlabel = _label_key(survey, language)
    for rec in survey:
        name, qtype = rec.get("name", ""), rec.get("type", "")
        if not name or not qtype:
            continue
        parts = qtype.split()
        base = parts[0]
        list_name = parts[1] if base in ("select_one", "select_multiple") and len(parts) > 1 else None
        questions[name] = (base, list_name, rec.get(qlabel, "") if qlabel else "")
    choices: dict[str, dict[str, str]] = {}
    clabel = _label_key(choice_rows, language)
    for rec in choice_rows:
        list_name = rec.get("list_name") or rec.get("list name") or ""
        if list_name and rec.get("name", "") != "":
            choices.setdefault(list_name, {})[rec["name"]] = rec.get(clabel, "") if clabel else ""
    return XLSForm(questions=questions, choices=choices, settings=settings, path=p)


#: XLSForm question type -> (codebook type, role).
XLSFORM_TYPES: dict[str, tuple[str, str]] = {
    "integer": ("integer", "other"),
    "decimal": ("number", "other"),
    "range": ("number", "other"),
    "text": ("text", "other"),
    "barcode": ("text", "other"),
    "acknowledge": ("text", "other"),
    "date": ("date", "other"),
    "datetime": ("datetime", "other"),
    "time": ("text", "other"),
    "select_one": ("categorical", "other"),
    "select_multiple": ("select_multiple", "other"),
    "rank": ("text", "other"),
    "calculate": ("text", "derived"),
    "hidden": ("text", "other"),
    "start": ("datetime", "metadata"),
    "end": ("datetime", "metadata"),
    "today": ("date", "metadata"),
    # personal or device data: identifiers, dropped on load (IOM treats device data as personal data)
    "geopoint": ("text", "identifier"),
    "geotrace": ("text", "identifier"),
    "geoshape": ("text", "identifier"),
    "deviceid": ("text", "identifier"),
    "phonenumber": ("text", "identifier"),
    "simserial": ("text", "identifier"),
    "subscriberid": ("text", "identifier"),
    "username": ("text", "identifier"),
    "email": ("text", "identifier"),
    "image": ("text", "identifier"),
    "audio": ("text", "identifier"),
    "video": ("text", "identifier"),
    "file": ("text", "identifier"),
}


def choice_codes(options: Mapping[str, str], as_text: bool) -> dict[int | str, str]:
    """Codes of a choice list: whole numbers when every choice name is one (unless ``as_text``)."""
    if not as_text and options and all(re.fullmatch(r"-?\d+", k) for k in options):
        return {int(k): v for k, v in options.items()}
    return dict(options)


# --------------------------------------------------------------------------------------------------
# Personal data in a form
# --------------------------------------------------------------------------------------------------

#: What the XLSForm types drafted as identifiers hold.
_IDENTIFIER_TYPES = {
    "geopoint": "a GPS position",
    "geotrace": "GPS positions (a line)",
    "geoshape": "GPS positions (an area)",
    "phonenumber": "phone numbers",
    "email": "e-mail addresses",
    "deviceid": "device identifiers (personal data)",
    "simserial": "SIM card numbers (personal data)",
    "subscriberid": "subscriber ids (personal data)",
    "username": "user names",
    "image": "pictures, which can show people",
    "audio": "recordings, which can identify people",
    "video": "recordings, which can identify people",
    "file": "files, which can identify people",
}
#: Question types whose answer is typed in: a name, a number or an address can be typed into them.
#: Select questions (``Do you own a mobile phone?``) and the like never hold personal data verbatim.
_TYPED_IN = ("text", "integer", "decimal", "barcode", "calculate", "hidden")
_OWNER = (
    r"(?:your|the|respondent|respondent's|interviewee|interviewee's|participant|participant's"
    r"|caller|caller's)"
)
#: A question's label that asks for personal data, by kind (labels in English, French, Spanish, Portuguese).
_LABEL_HINTS = (
    (
        "name",
        re.compile(
            r"\b(?:full|first|given|last|family|middle|maiden|sur|nick)[ -]?names?\b|\bsurname\b"
            rf"|\b{_OWNER}\s+names?\b|\bnames?\s+of\s+(?:the\s+)?(?:respondent|interviewee|participant|person|caller"
            r"|head of (?:the )?household|household head)\b|\bwhat\s+is\s+your\s+name\b|\bwhat are you "
            r"called\b"
            r"|\bnom (?:et pr[ée]nom|complet)|\bpr[ée]nom\b|\bnombre (?:y apellidos?|completo)|\bapellidos?\b"
            r"|\bnome completo\b",
            re.I,
        ),
    ),
    (
        "phone",
        re.compile(
            r"\b(?:phone|telephone|mobile|cell|cellphone|whatsapp|contact)\s*(?:number|no\b|nr\b|#)"
            r"|\bmsisdn\b|\bnum[ée]ro de (?:t[ée]l[ée]phone|portable)\b|\bn[uú]mero de "
            r"(?:tel[ée]fono|celular|telefone)\b",
            re.I,
        ),
    ),
    ("email", re.compile(r"\be-?mail\b|\bcourriel\b|\bcorreo electr[oó]nico\b", re.I)),
    (
        "address",
        re.compile(
            rf"\b(?:home|street|postal|physical|residential|house|{_OWNER})\s+address\b|\baddress\s+of\b"
            r"|\bwhere do you live\b|\badresse\b|\bdirecci[oó]n\b|\bendere[çc]o\b",
            re.I,
        ),
    ),
    (
        "gps",
        re.compile(r"\bgps\b|\blatitude\b|\blongitude\b|\bgeo-?(?:location|point)\b|\bcoordinates\b", re.I),
    ),
    (
        "id_document",
        re.compile(
            r"\b(?:passport|national id|id card|identity card|identity document)\s*(?:number|no\b|nr\b|#)",
            re.I,
        ),
    ),
)


def identifier_reason(name: str, qtype: str, label: str = "") -> str | None:
    """Why a form question holds personal data (to draft it as ``role: identifier``), or None.

    By its type (``geopoint``, ``geotrace``, ``geoshape``, ``phonenumber``, ``email``, device ids,
    media), or, for questions whose answer is typed in (``text``, ``integer``, ``decimal``,
    ``barcode``, ``calculate``, ``hidden``), by its name (:func:`campaign_me.privacy.name_kind`:
    ``resp_name``, ``phone_number``, ``email``, ``gps_lat``, ``home_address``, ...) or its label
    (``"What is your name?"``, ``"Phone number for follow-up"``). Select questions are never flagged:
    ``"Do you own a mobile phone?"`` is not personal data.

    Examples
    --------
    >>> identifier_reason("resp_name", "text")
    "its name 'resp_name' suggests person names"
    >>> identifier_reason("q7", "text", "Phone number for follow-up")
    'its label suggests phone numbers'
    >>> identifier_reason("loc", "geopoint")
    'its type geopoint holds a GPS position'
    >>> identifier_reason("own_phone", "select_one", "Do you own a mobile phone?") is None
    True
    >>> identifier_reason("village", "text", "Name of the village") is None
    True
    """
    if qtype in _IDENTIFIER_TYPES:
        return f"its type {qtype} holds {_IDENTIFIER_TYPES[qtype]}"
    if qtype not in _TYPED_IN:
        return None
    kind = name_kind(name)
    if kind is not None:
        return f"its name {name!r} suggests {PII_KINDS[kind]}"
    text = " ".join(str(label).split())
    for kind, pattern in _LABEL_HINTS:
        if pattern.search(text):
            return f"its label suggests {PII_KINDS[kind]}"
    return None


# --------------------------------------------------------------------------------------------------
# "Don't know" and "Refused" choices
# --------------------------------------------------------------------------------------------------

#: Choice labels that mean "don't know" (after :func:`_normalise_label`), in English, French, Spanish
#: and Portuguese.
_DONT_KNOW = (
    "dk",
    "d/k",
    "d.k.",
    "don't know",
    "dont know",
    "do not know",
    "doesn't know",
    "does not know",
    "not known",
    "je ne sais pas",
    "ne sait pas",
    "ne sais pas",
    "nsp",
    "no sabe",
    "no se",
    "no lo se",
    "no sabe/no sabe",
    "nao sabe",
    "nao sei",
)
#: Choice labels that mean "refused to answer".
_REFUSED = (
    "refused",
    "refuse",
    "refuses",
    "refusal",
    "refused to answer",
    "refused to respond",
    "refuses to answer",
    "declined",
    "declined to answer",
    "declines to answer",
    "prefer not to say",
    "prefer not to answer",
    "prefers not to say",
    "prefers not to answer",
    "rather not say",
    "no answer",
    "no response",
    "nr",
    "refus",
    "refuse de repondre",
    "refus de repondre",
    "ne veut pas repondre",
    "prefere ne pas repondre",
    "prefere ne pas dire",
    "sans reponse",
    "no responde",
    "no contesta",
    "se niega a responder",
    "se nego a responder",
    "prefiere no responder",
    "prefiere no decir",
    "prefiero no responder",
    "prefiero no decir",
    "rehusa",
    "rehuso",
    "recusou",
    "recusa",
    "nao respondeu",
    "prefere nao responder",
    "prefere nao dizer",
)
_KIND_PATTERNS = tuple(
    (
        kind,
        re.compile(
            r"(?:"
            + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
            + r")(?:\s*[/(\-:;,|].*)?"
        ),
    )
    for kind, phrases in (("dont_know", _DONT_KNOW), ("refused", _REFUSED))
)


def _normalise_label(label: str) -> str:
    """Lower case, accents and a leading answer code removed, one kind of apostrophe, single spaces."""
    text = unicodedata.normalize("NFKD", str(label))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = " ".join(text.split())
    text = re.sub(r"^\(?-?\d+\)?\s*[.:=)\-]?\s+", "", text)  # "98. Don't know", "(99) Refused"
    return text.strip(" .!\"'*")


def missing_kind(label: str) -> str | None:
    """``"dont_know"``, ``"refused"`` or None: what a choice label says, if it is a missing-value answer.

    The whole label must say it (a qualifier after ``/``, ``(``, ``-`` or ``:`` may follow); a leading
    answer code (``98. Don't know``) is ignored, and so are case and accents.

    Examples
    --------
    >>> [missing_kind(x) for x in ("Don't know", "DK", "No sabe", "Ne sait pas", "Prefer not to say",
    ...                            "99 - Refused")]
    ['dont_know', 'dont_know', 'dont_know', 'dont_know', 'refused', 'refused']
    >>> missing_kind("Don't know / not sure"), missing_kind("I don't know where to go"), missing_kind("No")
    ('dont_know', None, None)
    """
    text = _normalise_label(label)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.fullmatch(text):
            return kind
    return None


def _proposed_missing(xf: XLSForm, cb: Any) -> tuple[dict[Any, str], dict[str, dict[Any, str]]]:
    """The codebook-level missing block and, per select_one question, its "don't know"/"refused" codes."""
    per_question: dict[str, dict[Any, tuple[str, str]]] = {}
    for name, var in cb.variables.items():
        if var.type != "categorical" or not var.choices or var.choices not in xf.choices:
            continue
        options = xf.choices[var.choices]
        codes = list(choice_codes(options, False))
        found = {
            code: (kind, label)
            for code, label in zip(codes, options.values())
            if (kind := missing_kind(label)) is not None
        }
        if found:
            per_question[name] = found
    block: dict[Any, str] = {}
    for kind in ("dont_know", "refused"):
        counts = Counter(
            code for found in per_question.values() for code, (k, _) in found.items() if k == kind
        )
        if not counts:
            continue
        code = counts.most_common(1)[0][0]
        labels = Counter(
            lab for found in per_question.values() for c, (k, lab) in found.items() if k == kind and c == code
        )
        block.setdefault(code, labels.most_common(1)[0][0])
    own = {name: {code: label for code, (_, label) in found.items()} for name, found in per_question.items()}
    return block, own


# --------------------------------------------------------------------------------------------------
# The study: guesses for the keys a researcher fills in
# --------------------------------------------------------------------------------------------------

_STUDY_GUESSES = (
    ("id", r"^(?:resp(?:ondent)?_?id|id|hh_?id|household_?id|interview_?id|person_?id|pid)$", "resp_id"),
    ("weight", r"(?:^|_)(?:weights?|wgt|wt|pweight|final_weight)(?:$|_)", "weight"),
    ("strata", r"(?:^|_)(?:strat(?:um|a)?|district|province|region)(?:$|_)", "stratum"),
    ("psu", r"(?:^|_)(?:psu|cluster|village|ea|enumeration_area|community|commune|site)(?:$|_)", "village"),
    (
        "arm",
        r"(?:^|_)(?:arm|treat(?:ment|ed)?|campaign|intervention|program(?:me)?_?arm|group)(?:$|_)",
        "program_arm",
    ),
)
_STUDY_NOTES = {
    "id": "the respondent-id column (it links a panel's interviews)",
    "weight": "the survey-weight column (often added after fieldwork)",
    "strata": "the stratum column",
    "psu": "the cluster column: primary sampling unit, e.g. the village",
    "arm": "campaign or comparison area: the column and its campaign code(s)",
    "rounds": "independent | same_clusters | panel: new samples, the same clusters, or the same people",
}


def _study_guesses(cb: Any) -> dict[str, str]:
    """YAML values for the study's keys, guessed from the question names (the researcher checks them)."""
    guesses: dict[str, str] = {}
    for key, pattern, default in _STUDY_GUESSES:
        found = [
            name
            for name, var in cb.variables.items()
            if re.search(pattern, name.lower())
            and var.role != "identifier"
            and (key != "arm" or var.type in ("categorical", "boolean"))
        ]
        name = found[0] if found else default
        if key == "arm":
            var = cb.variables.get(name)
            campaign = "1"
            if var is not None and var.codes:
                hit = [
                    c
                    for c, lab in var.codes.items()
                    if re.search(r"campaign|treat|intervention|programme|program", str(lab), re.I)
                    and not re.search(r"\bno\b|comparison|control|without", str(lab), re.I)
                ]
                campaign = str(hit[0]) if hit else str(next(iter(var.codes)))
            guesses["arm"] = f"{{column: {name}, campaign: [{campaign}]}}"
        else:
            guesses[key] = name
    guesses["rounds"] = "independent"
    return guesses


@dataclass(frozen=True)
class CodebookDraft:
    """A codebook drafted from a form (:func:`draft`), ready to be written for editing.

    Attributes
    ----------
    codebook : Codebook
        The draft as its YAML reads back.
    spec : dict
        The mapping its YAML holds (with the codebook-level ``missing`` block).
    reasons : dict
        Why each identifier was drafted as one (``{"resp_name": "its name ..."}``).
    missing : dict
        The proposed codebook-level missing codes (``{98: "Don't know", 99: "Refused"}``; empty when the
        form's choices have none).
    study : dict
        Guessed values for ``id``, ``weight``, ``strata``, ``psu``, ``arm`` and ``rounds``, written as
        commented lines to check and fill in.
    """

    codebook: Any
    spec: dict[str, Any]
    reasons: dict[str, str]
    missing: dict[Any, str]
    study: dict[str, str]

    def to_yaml(self, header: str | None = None) -> str:
        """The draft as YAML: the header as comments, the study's keys as commented lines to fill in, the
        missing block with what it does, each identifier with a comment saying why."""
        text = yaml.safe_dump(self.spec, sort_keys=False, allow_unicode=True, width=100)
        width = max(len(f"{k}: {v}") for k, v in self.study.items())
        study = ["# The study (docs/codebook.md): check each line, then remove its '#'.\n"]
        study += [f"# {f'{k}: {v}':<{width}}   # {_STUDY_NOTES[k]}\n" for k, v in self.study.items()]
        if self.missing:
            study += [
                "# Missing-value codes proposed from the form's choices labelled \"Don't know\" or "
                '"Refused":\n',
                "# read as missing in every answer (never in ids and design columns). A question's own "
                "'missing'\n",
                "# replaces them ('missing: {}' switches them off, as on the numbers, where 98 can be an "
                "answer).\n",
                '# Where "don\'t know" is an answer (a knowledge item, scored as incorrect), put its code '
                "back\n",
                "# under the item's codes and give the item its own 'missing' without it.\n",
            ]
        out, placed = [], False
        for line in text.splitlines(keepends=True):
            if not placed and (line.startswith("missing:") or line.startswith("variables:")):
                out.extend(study)
                placed = True
            out.append(line)
        body = commented_yaml("".join(out), self.reasons)
        if header:
            body = "".join(f"# {line}\n" for line in header.splitlines()) + body
        return body


def draft(form: str | os.PathLike[str] | XLSForm, *, dataset: str | None = None) -> CodebookDraft:
    """Draft a codebook from a form: identifiers, a missing-value block and the study's keys to fill in.

    :meth:`~campaign_me.codebook.Codebook.from_xlsform` (types, codes, labels; identifiers by
    question type), then:

    - every question that :func:`identifier_reason` flags by its name or label gets
      ``role: identifier`` (dropped on load, never analysed);
    - the choices labelled "Don't know" or "Refused" (and their variants: "DK", "No sabe", "Ne sait
      pas", "Prefer not to say", ...; :func:`missing_kind`) become missing-value codes: the most
      common code of each kind goes to a codebook-level ``missing`` block, and each select_one
      question loses them from its ``codes`` (a question with other codes gets its own
      ``missing``). Numbers, and select_multiple questions whose options hold such a code, get
      ``missing: {}``: a real 98 is not "don't know";
    - ``id``, ``weight``, ``strata``, ``psu``, ``arm`` and ``rounds`` are guessed from the question
      names, for :meth:`CodebookDraft.to_yaml` to write as commented lines.

    Examples
    --------
    >>> d = draft("tests/data/good/kobo_form.xlsx")
    >>> d.missing, d.codebook["k1_fee"].codes, d.codebook["age"].missing
    ({98: "Don't know"}, {1: 'True', 2: 'False'}, {})
    >>> d.study["id"], d.study["rounds"]
    ('resp_id', 'independent')
    """
    xf = form if isinstance(form, XLSForm) else read_xlsform(form)
    cb = codebook_module.Codebook.from_xlsform(xf, dataset=dataset)
    reasons: dict[str, str] = {}
    variables = {}
    for name, var in cb.variables.items():
        qtype, _, label = xf.questions.get(name, ("", None, ""))
        why = identifier_reason(name, qtype, label)
        if why is not None:
            reasons[name] = why
            if var.role != "identifier":
                var = dataclasses.replace(var, role="identifier")
        variables[name] = var
    cb = dataclasses.replace(cb, variables=variables)
    study = _study_guesses(cb)
    spec = cb.to_dict()
    block, own = _proposed_missing(xf, cb)
    if block:
        in_block = {str(c) for c in block}
        specs = spec["variables"]
        for name, var in cb.variables.items():
            entry = specs[name]
            mine = own.get(name, {})
            if mine:
                mine_text = {str(c) for c in mine}
                entry["codes"] = {c: lab for c, lab in var.codes.items() if str(c) not in mine_text}
            codes = {str(c) for c in entry.get("codes", {})}
            if var.type in ("integer", "number") or (var.type == "select_multiple" and codes & in_block):
                entry["missing"] = {}
            elif mine and (not {str(c) for c in mine} <= in_block or codes & in_block):
                entry["missing"] = dict(mine)
            elif var.type == "categorical" and codes & in_block:
                entry["missing"] = {}
        spec = {k: v for k, v in spec.items() if k != "variables"}
        spec["missing"] = dict(block)
        spec["variables"] = specs
    try:
        book = codebook_module.Codebook.from_dict(spec)
    except CodebookError:  # a form this proposal does not fit: no missing block (the codes stay as they are)
        spec, block, book = cb.to_dict(), {}, cb
    return CodebookDraft(codebook=book, spec=spec, reasons=reasons, missing=dict(block), study=study)


def draft_codebook(
    form: str | os.PathLike[str] | XLSForm, *, dataset: str | None = None
) -> tuple[Any, dict[str, str]]:
    """Draft a codebook from a form, with personal-data questions as identifiers; say why for each.

    The codebook of :func:`draft` (identifiers, "don't know" and "refused" choices read as missing)
    and, for each identifier, why. ``campaign-me codebook --form`` writes the whole draft
    (:meth:`CodebookDraft.to_yaml`), with the reasons as comments.

    Returns
    -------
    (Codebook, dict)
        The draft and, for each identifier, why
        (``{"resp_name": "its name 'resp_name' suggests person names"}``).
    """
    d = draft(form, dataset=dataset)
    return d.codebook, d.reasons


def commented_yaml(text: str, comments: Mapping[str, str]) -> str:
    r"""A codebook's YAML with a comment line above each named variable (``{name: why}``).

    Examples
    --------
    >>> text = "dataset: d\nvariables:\n  resp_name:\n    type: text\n    role: identifier\n"
    >>> print(commented_yaml(text, {"resp_name": "a person's name"}), end="")
    dataset: d
    variables:
      # identifier: a person's name (dropped on load; change the role if it is not personal data)
      resp_name:
        type: text
        role: identifier
    """
    keys = {}
    for name, why in comments.items():
        key = yaml.safe_dump({name: 0}, allow_unicode=True, width=10_000).rsplit(": 0", 1)[0]
        why = " ".join(str(why).split())
        keys[f"  {key}:"] = (
            f"  # identifier: {why} (dropped on load; change the role if it is not personal data)\n"
        )
    out, in_variables = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("variables:"):
            in_variables = True
        elif line[:1] not in (" ", "#", "\n", ""):
            in_variables = False
        if in_variables and line.rstrip("\r\n") in keys:
            out.append(keys[line.rstrip("\r\n")])
        out.append(line)
    return "".join(out)
