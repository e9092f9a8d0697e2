"""From the indicator catalogue to the questionnaire: an XLSForm and the codebook that matches it.

:func:`build_form` turns the indicators chosen from a catalogue into a questionnaire ready for
KoboToolbox or ODK (``campaign-me form --out FOLDER``): the questions those indicators need (their
variables, the items of their scales and their breakdowns), with the codes, labels, ranges, correct
answers and Likert keys of a source codebook (by default the shipped one, ``data/samples/codebook.yaml``,
written by :func:`campaign_me.synth.codebook`). :meth:`Questionnaire.write` writes ``form.xlsx`` (the
``survey``, ``choices`` and ``settings`` sheets of an XLSForm) and ``codebook.yaml``, the codebook
of the form's export, so that the export loads (:func:`campaign_me.load_survey`) and reports
(``campaign-me report``) without edits.

The form, in order:

1. interview start and end times (metadata);
2. **consent**: if the respondent does not agree, every question to the respondent is skipped
   and the form ends (the refusal stays in the export for the response rate, with empty answers);
3. **Interview** (filled in by the interviewer from the sampling plan, whatever the answer to
   consent, so that a refusal counts where it happened): the respondent id (generated, or typed in
   for a panel), the round, the stratum, the cluster and the campaign or comparison area;
4. one section per results level (reach, knowledge, attitude, intention, behaviour), after the
   background questions; questions that a catalogue population restricts (``population:
   migration_status in ["regular", "returnee"]``) are asked only of those respondents;
5. optionally, consent to a follow-up and the respondent's name and phone number: **personal
   data**, marked in the form (hint) and in the codebook (``role: identifier``: dropped on load).

Every questionnaire item (a variable with a ``scale``) offers "Don't know" (98) and "Refused"
(99), background questions "Refused" (99); numbers take 999 (don't know) and 998 (refused). The
codebook reads them as missing (a codebook-level ``missing`` block, numbers their own), except
where the source codebook makes "don't know" a valid answer (the knowledge items, where it is
scored as incorrect). Select-multiple questions keep their own "none" option, which excludes the
others.
"""

from __future__ import annotations

import ast
import os
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import synth
from .codebook import ROUNDS, Codebook
from .errors import CampaignMeError, DataError
from .expressions import FUNCTIONS
from .files import write_atomic
from .indicators import Catalogue, load_catalogue
from .scales import ScaleError
from .xlsform import commented_yaml, missing_kind

__all__ = [
    "FormError",
    "Questionnaire",
    "build_form",
    "indicator_questions",
    "ROUND_STRUCTURES",
    "DONT_KNOW",
    "REFUSED",
]

#: Answer codes the form adds to choice lists, and their labels.
DONT_KNOW = (98, "Don't know")
REFUSED = (99, "Refused")
#: Codes of "don't know" and "refused" for questions answered with a number.
NUMBER_DONT_KNOW = (999, "Don't know")
NUMBER_REFUSED = (998, "Refused")
#: The round structures a codebook's ``rounds`` key takes (:data:`campaign_me.codebook.ROUNDS`).
ROUND_STRUCTURES = ROUNDS
#: Sections of the form, by the results level of the first indicator that needs a question.
_SECTIONS = {
    "output": "Outputs",
    "reach": "Campaign exposure",
    "knowledge": "Knowledge",
    "attitude": "Attitudes",
    "intention": "Intentions",
    "behaviour": "Practices",
}
_IDENTIFIER_HINT = (
    "Personal data: asked only for the follow-up interview, kept apart from the answers; "
    "campaign_me drops it when the data are loaded."
)


#: Names of the questions every form has (interview, consent, follow-up).
_RESERVED = frozenset(
    {
        "start",
        "end",
        "resp_id",
        "round",
        "stratum",
        "psu",
        "campaign",
        "consent",
        "contact_ok",
        "respondent_name",
        "phone",
    }
)


class FormError(CampaignMeError):
    """A questionnaire cannot be built: an indicator needs a question the source codebook does not
    describe."""


@dataclass(frozen=True)
class Questionnaire:
    """An XLSForm (its three sheets as rows) and the codebook of its export.

    Attributes
    ----------
    survey, choices : list of dict
        Rows of the ``survey`` sheet (``type``, ``name``, ``label``, ``hint``, ``required``,
        ``relevant``, ``constraint``, ``constraint_message``, ``calculation``, ``appearance``) and of
        the ``choices`` sheet (``list_name``, ``name``, ``label``).
    settings : dict
        The ``settings`` sheet (``form_title``, ``form_id``, ``version``).
    codebook : dict
        The codebook of the form's export, as the mapping its YAML holds.
    indicators : tuple of str
        The indicators the questions serve.
    identifiers : dict
        Personal-data questions and why each is asked (``{"phone": "..."}``).
    needed_by : dict
        For each question, the indicators that need it.
    """

    survey: list[dict[str, str]]
    choices: list[dict[str, str]]
    settings: dict[str, str]
    codebook: dict[str, Any]
    indicators: tuple[str, ...]
    identifiers: dict[str, str] = field(default_factory=dict)
    needed_by: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def questions(self) -> list[str]:
        """Names of the rows that hold data (not groups), in form order."""
        return [r["name"] for r in self.survey if r["type"] not in ("begin_group", "end_group", "note")]

    def codebook_yaml(self) -> str:
        """The codebook as YAML, with comments: what to add after fieldwork and why identifiers are marked."""
        spec = dict(self.codebook)
        text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
        header = "\n".join(
            textwrap.wrap(
                f"Codebook of the KoboToolbox/ODK form form.xlsx ({self.settings['form_id']}), written by "
                "campaign-me "
                f"form for the indicators {', '.join(self.indicators)} (format: docs/codebook.md; the whole "
                "path: "
                "docs/own_survey.md). The export of the form (KoboToolbox: Downloads > CSV, 'XML values and "
                "headers') loads with it as it is: one file per round, "
                "<data_dir>/<country>/survey_baseline.csv "
                "and survey_endline.csv, with this file as <data_dir>/codebook.yaml.",
                width=96,
            )
        )
        weight = (
            "# weight: weight   # survey weights computed after fieldwork: add a column 'weight' to each "
            "round's file,\n"
            "#                  # declare it under variables (weight: {type: number, role: design, min: 0})\n"
            "#                  # and remove the '#'; until then every respondent counts the same\n"
        )
        lines = text.splitlines(keepends=True)
        out = []
        for line in lines:
            out.append(line)
            if line.startswith("id:"):
                out.append(weight)
        body = commented_yaml("".join(out), self.identifiers)
        return "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + body

    def sheets(self) -> dict[str, Any]:
        """The three sheets as pandas DataFrames (for :func:`campaign_me.synth.write_xlsx`)."""
        columns = [
            "type",
            "name",
            "label",
            "hint",
            "required",
            "relevant",
            "constraint",
            "constraint_message",
            "calculation",
            "appearance",
        ]
        used = [c for c in columns if any(r.get(c) for r in self.survey)]
        survey = pd.DataFrame([{c: r.get(c, "") for c in used} for r in self.survey], columns=used)
        choices = pd.DataFrame(self.choices, columns=["list_name", "name", "label"])
        settings = pd.DataFrame([self.settings])
        return {"survey": survey, "choices": choices, "settings": settings}

    def write(self, folder: str | os.PathLike[str], *, force: bool = False) -> tuple[Path, Path]:
        """Write ``folder/form.xlsx`` and ``folder/codebook.yaml`` (atomically); return both paths.

        Existing files are replaced only with ``force=True``.
        """
        out = Path(folder)
        if out.exists() and not out.is_dir():
            raise DataError(
                f"--out {str(out)!r} is a file, not a folder: choose a folder for the form and codebook."
            )
        form, codebook = out / "form.xlsx", out / "codebook.yaml"
        present = [p.name for p in (form, codebook) if p.exists()]
        if present and not force:
            raise DataError(
                f"{str(out)!r} already holds {' and '.join(present)}; pass --force to replace them."
            )
        out.mkdir(parents=True, exist_ok=True)
        synth.write_xlsx(self.sheets(), form)
        write_atomic(codebook, self.codebook_yaml().encode("utf-8"))
        return form, codebook


# --------------------------------------------------------------------------------------------------
# what the indicators need
# --------------------------------------------------------------------------------------------------


def _expression_needs(text: str, book: Any) -> tuple[list[str], list[str]]:
    """``(variables, scales)`` an indicator expression reads (names as written in the catalogue)."""
    variables: list[str] = []
    scales: list[str] = []

    def walk(node: ast.AST) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
            spec = FUNCTIONS[node.func.id][0]
            for kind, arg in zip(spec, node.args):
                kind = kind.lstrip("?")
                if kind in ("scale", "multi", "item"):
                    name = arg.value if isinstance(arg, ast.Constant) else getattr(arg, "id", None)
                    if isinstance(name, str):
                        (scales if kind == "scale" else variables).append(name)
                elif kind == "expr":
                    walk(arg)
            return
        if isinstance(node, ast.Name):
            variables.append(node.id)
            return
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(ast.parse(text.strip(), mode="eval").body)
    return variables, scales


def _resolve(name: str, book: Any) -> str | None:
    """The codebook variable that answers a catalogue name: itself, or the variable whose ``concept``
    it is."""
    if name in book:
        return name
    concepts = getattr(book, "concepts", None) or {}
    return concepts.get(name)


def _needs(catalogue: Any, book: Any) -> dict[str, dict[str, set[str]]]:
    """``{indicator: {variable: fields}}``: what each indicator reads, the variables of its
    population first (a question that decides who is asked comes before the questions it gates)."""
    out: dict[str, dict[str, set[str]]] = {}
    problems: list[str] = []
    for ind in catalogue:
        found: dict[str, set[str]] = {}
        exprs = ind.expressions()
        for fld in sorted(exprs, key=lambda f: f != "population"):
            variables, scales = _expression_needs(exprs[fld], book)
            for name in variables:
                var = _resolve(name, book)
                if var is None:
                    problems.append(f"indicator {ind.id!r}, {fld}: variable {name!r}")
                else:
                    found.setdefault(var, set()).add(fld)
            for scale in scales:
                items = book.items(scale) if scale in book.scales() else []
                if not items:
                    problems.append(
                        f"indicator {ind.id!r}, {fld}: scale {scale!r} (no variable has scale: {scale})"
                    )
                for item in items:
                    found.setdefault(item, set()).add(fld)
        for name in ind.disaggregations:
            var = _resolve(name, book)
            if var is not None:
                found.setdefault(var, set()).add("disaggregations")
        out[ind.id] = found
    if problems:
        source = f" {book.source}" if getattr(book, "source", None) else ""
        raise FormError(
            f"the source codebook{source} does not describe what {len(problems)} indicator field(s) need: "
            + "; ".join(problems)
            + ". Pass a codebook that declares these questions (campaign-me form --codebook FILE), or choose "
            "other indicators (--indicators)"
        )
    return out


def indicator_questions(catalogue: Any, book: Any) -> dict[str, tuple[str, ...]]:
    """The codebook variables each indicator reads, in catalogue order: ``{variable: (indicator ids)}``.

    Variables of its expressions (population first, then numerator, denominator, formula), the
    items of its scales (``knowledge(knowledge)``: every variable with ``scale: knowledge``) and
    its disaggregations found in the codebook. A name the codebook does not describe (nor any
    variable's ``concept``) raises :class:`FormError` listing every such name.

    Examples
    --------
    >>> from campaign_me import Codebook
    >>> from campaign_me.indicators import load_catalogue
    >>> from campaign_me.synth import codebook
    >>> needs = indicator_questions(load_catalogue().select(["knowledge_pass"]),
    ...                             Codebook.from_dict(codebook()))
    >>> list(needs)
    ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'sex', 'age_group', 'district']
    """
    needs: dict[str, list[str]] = {}
    for ind, found in _needs(catalogue, book).items():
        for var in found:
            needs.setdefault(var, []).append(ind)
    return {k: tuple(v) for k, v in needs.items()}


# --------------------------------------------------------------------------------------------------
# skip logic from the catalogue's populations
# --------------------------------------------------------------------------------------------------


def _const(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    ):
        return -node.operand.value
    raise ValueError


def _xpath(text: str, book: Any) -> str | None:
    """An XLSForm ``relevant`` expression for a catalogue population, or None when it has no simple form.

    Handles yes/no variables, ``==``/``!=``/``in``/``not in`` on choice codes, ``selected()``,
    ``any()``, ``correct()``, ``and``, ``or`` and ``not``; anything else (numbers, scores) gives None,
    and the question is then asked of everyone (the indicator still counts only its population).
    """

    def lit(value: Any) -> str:
        if isinstance(value, bool):
            return "'1'" if value else "'0'"
        return "'" + str(value).replace("'", "") + "'"

    def var(name: str) -> Any:
        resolved = _resolve(name, book)
        if resolved is None:
            raise ValueError
        return book[resolved]

    def conv(node: ast.AST) -> str:
        if isinstance(node, ast.BoolOp):
            joiner = " and " if isinstance(node.op, ast.And) else " or "
            return "(" + joiner.join(conv(v) for v in node.values) + ")"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return f"not({conv(node.operand)})"
        if isinstance(node, ast.Name):
            v = var(node.id)
            if v.type != "boolean":
                raise ValueError
            return f"${{{v.name}}} = '1'"
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Name):
            v = var(node.left.id)
            if v.type not in ("categorical", "boolean"):
                raise ValueError
            op, right = node.ops[0], node.comparators[0]
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.List, ast.Tuple)):
                values = [_const(e) for e in right.elts]
                inner = " or ".join(f"${{{v.name}}} = {lit(x)}" for x in values)
                return f"({inner})" if isinstance(op, ast.In) else f"not({inner})"
            if isinstance(op, (ast.Eq, ast.NotEq)):
                sign = "=" if isinstance(op, ast.Eq) else "!="
                return f"${{{v.name}}} {sign} {lit(_const(right))}"
            raise ValueError
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            first = node.args[0]
            name = first.value if isinstance(first, ast.Constant) else getattr(first, "id", None)
            if not isinstance(name, str):
                raise ValueError
            v = var(name)
            if node.func.id == "selected" and len(node.args) == 2:
                return f"selected(${{{v.name}}}, {lit(_const(node.args[1]))})"
            if node.func.id == "any":
                return f"(count-selected(${{{v.name}}}) > 0 and not(selected(${{{v.name}}}, 'none')))"
            if node.func.id == "correct" and v.correct:
                return "(" + " or ".join(f"${{{v.name}}} = {lit(c)}" for c in v.correct) + ")"
        raise ValueError

    try:
        out = conv(ast.parse(text.strip(), mode="eval").body)
    except (ValueError, SyntaxError, KeyError, TypeError):
        return None
    return out[1:-1] if out.startswith("(") and out.endswith(")") and out.count("(") == 1 else out


# --------------------------------------------------------------------------------------------------
# building the form
# --------------------------------------------------------------------------------------------------


def _source_codebook(codebook: Any) -> Any:
    """The codebook the questions come from: the one given (or its path), else the shipped one."""
    if codebook is None:
        return Codebook.from_dict(synth.codebook(), source="data/samples/codebook.yaml")
    return Codebook.coerce(codebook, error=ScaleError)  # a Codebook or the path of its YAML file


def _catalogue(catalogue: Any, indicators: Sequence[str] | None) -> Any:
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    if indicators is not None:
        ids = [indicators] if isinstance(indicators, str) else list(indicators)
        cat = cat.select(ids)
    if not len(cat):
        raise FormError("no indicators chosen: name at least one (--indicators ID,...)")
    return cat


def _codes_text(codes: Mapping[Any, str]) -> str:
    return ", ".join(f"{c} = {lab}" for c, lab in codes.items())


def build_form(
    catalogue: Any = None,
    indicators: Sequence[str] | None = None,
    *,
    codebook: Any = None,
    rounds: str = "independent",
    contact: bool = True,
    title: str = "KAP survey of the information campaign",
    form_id: str = "campaign_me_kap",
    version: str = "1",
) -> Questionnaire:
    """The questionnaire (XLSForm) that the chosen indicators need, and the codebook of its export.

    Parameters
    ----------
    catalogue : Catalogue, path or None
        The indicator catalogue (None: the shipped one; a path: a researcher's file merged over it).
    indicators : sequence of str, optional
        Indicator ids; default every indicator of ``catalogue``.
    codebook : Codebook, path or None
        Where the questions come from (codes, labels, ranges, scales, correct answers); default
        the shipped codebook of the sample surveys (``data/samples/codebook.yaml``). A variable
        whose ``concept`` names a catalogue variable answers for it.
    rounds : {"independent", "same_clusters", "panel"}, default "independent"
        The round structure written in the codebook. With ``"panel"`` the respondent id is typed
        in (the same person keeps the id at endline); otherwise the form generates it.
    contact : bool, default True
        Ask for consent to a follow-up and, if given, the respondent's name and phone number
        (personal data: ``role: identifier`` in the codebook, dropped on load). ``False`` leaves them
        out.
    title, form_id, version : str
        The form's ``settings`` sheet (``form_id`` also names the codebook's dataset).

    Returns
    -------
    Questionnaire
        ``.write(folder)`` writes ``form.xlsx`` and ``codebook.yaml``.

    Raises
    ------
    FormError
        If an indicator needs a variable or scale the source codebook does not describe, or no
        indicator is chosen.

    Examples
    --------
    >>> q = build_form(indicators=["hotline_known", "knowledge_score"], contact=False)
    >>> q.questions[:9]
    ['start', 'end', 'consent', 'resp_id', 'round', 'stratum', 'psu', 'campaign', 'sex']
    >>> [c["name"] for c in q.choices if c["list_name"] == "k1"]
    ['1', '2', '8', '99']
    >>> q.codebook["missing"], q.codebook["arm"]
    ({98: "Don't know", 99: 'Refused'}, {'column': 'campaign', 'campaign': [1]})
    """
    if rounds not in ROUND_STRUCTURES:
        raise FormError(f"rounds={rounds!r}: choose one of {', '.join(ROUND_STRUCTURES)}")
    book = _source_codebook(codebook)
    cat = _catalogue(catalogue, indicators)
    needed_by = indicator_questions(cat, book)
    level_of = {i.id: i.stage for i in cat}
    # who is asked a question: the population of the indicators that count its answers (everyone as
    # soon as one of them has none, or the question serves only populations and breakdowns)
    populations: dict[str, set[str | None]] = {}
    for ind_id, found in _needs(cat, book).items():
        ind = cat[ind_id]
        for var, fields in found.items():
            counted = fields & {"numerator", "denominator", "formula"}
            populations.setdefault(var, set()).add(ind.population if counted else None)

    survey: list[dict[str, str]] = []
    choices: list[dict[str, str]] = []
    lists: dict[str, list[tuple[str, str]]] = {}
    variables: dict[str, Any] = {}
    identifiers: dict[str, str] = {}
    consented = "${consent} = '1'"

    def choice_list(name: str, options: list[tuple[Any, str]]) -> str:
        opts = [(str(c), str(lab)) for c, lab in options]
        for existing, have in lists.items():
            if have == opts:
                return existing
        lists[name] = opts
        choices.extend({"list_name": name, "name": c, "label": lab} for c, lab in opts)
        return name

    def row(type_: str, name: str, label: str = "", **extra: str) -> None:
        survey.append({"type": type_, "name": name, "label": label, **{k: v for k, v in extra.items() if v}})

    row("start", "start")
    row("end", "end")

    # -- consent ------------------------------------------------------------------------------------
    yes_no = choice_list("yes_no", [(1, "Yes"), (0, "No")])
    row(
        f"select_one {yes_no}",
        "consent",
        "Read the consent statement. Does the respondent agree to take part?",
        required="yes",
        hint="If No, fill in the interview details from the sampling plan and save the form: the "
        "questions are skipped (the refusal counts in the response rate).",
    )
    variables["consent"] = {
        "type": "boolean",
        "label": "Agreed to take part (the other answers are empty if not)",
        "role": "metadata",
        "missing": {},
    }

    # -- interview: from the sampling plan, whatever the answer to consent ------------------------
    row("begin_group", "interview", "Interview (from the sampling plan)")
    if rounds == "panel":
        row(
            "text",
            "resp_id",
            "Respondent ID",
            required="yes",
            hint="The respondent's ID from the list of panel respondents: the same person keeps the same ID "
            "in every round.",
        )
    else:
        row("calculate", "resp_id", "Respondent ID", calculation="once(uuid())")
    variables["resp_id"] = {"type": "id", "label": "Respondent ID"}
    round_codes = (
        book["round"].codes
        if "round" in book and book["round"].codes
        else {"baseline": "Baseline", "endline": "Endline"}
    )
    row(
        f"select_one {choice_list('round', list(round_codes.items()))}",
        "round",
        "Survey round",
        required="yes",
    )
    variables["round"] = {
        "type": "categorical",
        "label": "Survey round",
        "role": "design",
        "codes": dict(round_codes),
    }
    row("text", "stratum", "Stratum", required="yes", hint="As in the sampling plan, e.g. the district.")
    variables["stratum"] = {"type": "text", "label": "Sampling stratum", "role": "design"}
    row(
        "text",
        "psu",
        "Cluster (village or enumeration area) code",
        required="yes",
        hint="As in the sampling plan: the primary sampling unit.",
    )
    variables["psu"] = {"type": "text", "label": "Cluster (primary sampling unit)", "role": "design"}
    area = choice_list("area", [(1, "Campaign area"), (0, "Comparison area")])
    row(
        f"select_one {area}",
        "campaign",
        "Campaign or comparison area",
        required="yes",
        hint="As in the sampling plan: was the campaign run in this cluster?",
    )
    variables["campaign"] = {
        "type": "boolean",
        "label": "Campaign area (1) or comparison area (0)",
        "role": "design",
    }
    row("end_group", "interview")

    # -- the questions the indicators need, background first --------------------------------------
    def section(var: Any) -> str:
        if not var.scale:
            return "respondent"
        return level_of[needed_by[var.name][0]]

    # (a breakdown by a column the interview section asks already, such as the stratum, is not asked twice)
    order = [name for name in needed_by if name not in _RESERVED]
    groups: dict[str, list[str]] = {"respondent": []}
    for lvl in _SECTIONS:
        groups[lvl] = []
    for name in order:
        groups.setdefault(section(book[name]), []).append(name)
    position = {name: i for i, name in enumerate(n for names in groups.values() for n in names)}

    for group, names in groups.items():
        if not names:
            continue
        row(
            "begin_group",
            group,
            "Respondent" if group == "respondent" else _SECTIONS.get(group, group.title()),
            relevant=consented,
        )
        for name in names:
            var = book[name]
            item = bool(var.scale)
            spec: dict[str, Any] = {"type": var.type}
            if var.label:
                spec["label"] = var.label
            if var.role not in ("other", "item"):
                spec["role"] = var.role
            hint = ("For: " + ", ".join(needed_by[name]) + ".") if item else "To break the indicators down."
            pops = populations.get(name, {None})
            relevant = _xpath(next(iter(pops)), book) if len(pops) == 1 and None not in pops else None
            if relevant and any(
                position.get(ref, -1 if ref in _RESERVED else len(position)) >= position[name]
                for ref in re.findall(r"\$\{(\w+)\}", relevant)
            ):
                relevant = None  # it would depend on a later question: asked of everyone
            if relevant:
                ind = next(i for i in cat if i.id == needed_by[name][0])
                hint += f" Asked of {ind.population_label}."
            missing: list[tuple[Any, str]] = []
            if var.type in ("categorical", "boolean"):
                if var.type == "boolean":
                    options: list[tuple[Any, str]] = [(1, "Yes"), (0, "No")]
                else:
                    options = list(var.codes.items())
                    spec["codes"] = dict(var.codes)
                have = {str(c) for c, _ in options}
                if (
                    var.missing
                ):  # the source codebook's own missing codes: offered as answers, read as missing
                    missing = list(var.missing.items())
                    spec["missing"] = dict(var.missing)
                else:
                    # "don't know" for the items (unless it is already an answer, as on the knowledge items)
                    if (
                        item
                        and str(DONT_KNOW[0]) not in have
                        and not any(missing_kind(str(lab)) == "dont_know" for _, lab in options)
                    ):
                        missing.append(DONT_KNOW)
                    if str(REFUSED[0]) not in have:
                        missing.append(REFUSED)
                    if have & {str(DONT_KNOW[0]), str(REFUSED[0])}:  # 98 or 99 is an answer here
                        spec["missing"] = dict(missing)
                list_name = choice_list(
                    name if var.type == "categorical" else ("yes_no_dk" if item else "yes_no_refused"),
                    options + missing,
                )
                row(
                    f"select_one {list_name}",
                    name,
                    var.label or name,
                    required="yes",
                    hint=hint,
                    relevant=relevant or "",
                )
            elif var.type == "select_multiple":
                list_name = choice_list(name, list(var.codes.items()))
                none = [c for c in var.codes if str(c) == "none"]
                row(
                    f"select_multiple {list_name}",
                    name,
                    var.label or name,
                    required="yes",
                    hint=hint,
                    relevant=relevant or "",
                    constraint="not(selected(., 'none') and count-selected(.) > 1)" if none else "",
                    constraint_message="'None' cannot be chosen with another answer." if none else "",
                )
                spec["codes"] = {str(c): lab for c, lab in var.codes.items()}
                if set(spec["codes"]) & {str(DONT_KNOW[0]), str(REFUSED[0])}:
                    spec["missing"] = {}  # an option named 98 or 99 is an answer, not a missing code
            elif var.type in ("integer", "number"):
                qtype = "integer" if var.type == "integer" else "decimal"
                bounds = []
                if var.min is not None:
                    bounds.append(f". >= {var.min:g}")
                if var.max is not None:
                    bounds.append(f". <= {var.max:g}")
                codes = [NUMBER_DONT_KNOW, NUMBER_REFUSED] if item else [NUMBER_REFUSED]
                usable = var.max is not None and var.max < min(c for c, _ in codes)
                own = dict(var.missing) if var.missing else {}
                number_missing = {**own, **{c: lab for c, lab in codes if c not in own}} if usable else own
                constraint = " and ".join(bounds)
                if number_missing and constraint:
                    constraint = f"({constraint}) or " + " or ".join(f". = {c}" for c in number_missing)
                message = ""
                if bounds:
                    rng = (
                        f"{var.min:g} to {var.max:g}"
                        if var.min is not None and var.max is not None
                        else (f"at least {var.min:g}" if var.min is not None else f"at most {var.max:g}")
                    )
                    message = (
                        f"A number from {rng}"
                        + (f", or {_codes_text(number_missing)}" if number_missing else "")
                        + "."
                    )
                row(
                    qtype,
                    name,
                    var.label or name,
                    required="yes",
                    hint=hint + (f" {_codes_text(number_missing)}." if number_missing else ""),
                    relevant=relevant or "",
                    constraint=constraint,
                    constraint_message=message,
                )
                for key in ("min", "max"):
                    if getattr(var, key) is not None:
                        spec[key] = getattr(var, key)
                spec["missing"] = number_missing
            elif var.type in ("date", "datetime"):
                row(var.type, name, var.label or name, required="yes", hint=hint, relevant=relevant or "")
            else:
                row("text", name, var.label or name, required="yes", hint=hint, relevant=relevant or "")
            for key in ("scale", "points"):
                if getattr(var, key) is not None:
                    spec[key] = getattr(var, key)
            if var.correct:
                spec["correct"] = var.correct[0] if len(var.correct) == 1 else list(var.correct)
            if var.reverse:
                spec["reverse"] = True
            if var.ordered and var.points is None:
                spec["ordered"] = True
            if getattr(var, "concept", None):
                spec["concept"] = var.concept
            variables[name] = spec
        row("end_group", group)

    # -- follow-up contact: personal data ---------------------------------------------------------
    if contact:
        row("begin_group", "contact", "Follow-up", relevant=consented)
        row(
            f"select_one {yes_no}",
            "contact_ok",
            "May we contact you again for a short follow-up interview?",
            required="yes",
        )
        variables["contact_ok"] = {
            "type": "boolean",
            "label": "Agreed to be contacted for a follow-up",
            "missing": {},
        }
        for name, qtype, label, why in (
            (
                "respondent_name",
                "text",
                "Respondent's name (for the follow-up only)",
                "the respondent's name",
            ),
            ("phone", "text", "Phone number for the follow-up", "a phone number"),
        ):
            row(
                qtype,
                name,
                label,
                hint=_IDENTIFIER_HINT,
                relevant="${contact_ok} = '1'",
                appearance="numbers" if name == "phone" else "",
            )
            variables[name] = {"type": "text", "label": label, "role": "identifier"}
            identifiers[name] = f"asks for {why} (personal data, for the follow-up only)"
        row("end_group", "contact")

    spec_book: dict[str, Any] = {
        "dataset": form_id,
        "version": str(version),
        "description": f"{title}: the export of form.xlsx (campaign-me form).",
        "id": "resp_id",
        "strata": "stratum",
        "psu": "psu",
        "arm": {"column": "campaign", "campaign": [1]},
        "rounds": rounds,
        "missing": {DONT_KNOW[0]: DONT_KNOW[1], REFUSED[0]: REFUSED[1]},
        "variables": variables,
    }
    return Questionnaire(
        survey=survey,
        choices=choices,
        settings={"form_title": title, "form_id": form_id, "version": str(version)},
        codebook=spec_book,
        indicators=tuple(cat.ids),
        identifiers=identifiers,
        needed_by=needed_by,
    )
