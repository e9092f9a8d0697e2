"""Placeholders: catalogue definitions written from the survey's own items.

A catalogue entry's ``name``, ``definition``, ``unit`` and ``population_label`` may hold
placeholders (:data:`PLACEHOLDERS`) such as ``{at_least}``. They describe the items read by the
first ``knowledge()``, ``likert()``, ``practice()``, ``count()`` or ``any()`` of the entry's
expressions, and :meth:`campaign_me.catalogue.Indicator.describe` fills them from a codebook, so
that ``knowledge_pass`` reads "at least 4 of the 5 knowledge items" for a five-item survey (and
"at least 80 % of the knowledge items" without a codebook).

>>> fill("answering {at_least} knowledge items", {"at_least": "at least 4 of the 5"})
'answering at least 4 of the 5 knowledge items'
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .codebook import Codebook
from .conventions import did_you_mean
from .expressions import aliases, constant

__all__ = [
    "PLACEHOLDERS",
    "PLACEHOLDER_RE",
    "TEXT_FIELDS",
    "check_placeholders",
    "placeholder_values",
    "fill",
]

#: Placeholders a catalogue entry's ``name``, ``definition``, ``unit`` and ``population_label`` may
#: hold. They describe the items read by the first ``knowledge()``, ``likert()``, ``practice()``,
#: ``count()`` or ``any()`` of the entry's expressions (numerator or formula first), and are filled
#: from the codebook by :meth:`Indicator.describe` (compute_indicators, compare_rounds and
#: :func:`applicable` do it). The second text is what they read without a codebook.
PLACEHOLDERS = {
    "n_items": ("the number of items (options of count()/any(), \"none\" options left out): '5'", "(nothing)"),
    "item_names": ("the items in parentheses: '(k1-k6)', or the options' labels", "(nothing)"),
    "at_least": (
        "the pass rule of a comparison such as knowledge(knowledge) >= 80 or count(signs) >= 3: "
        "'at least 4 of the 5'",
        "'at least 80 % of the', 'at least 3 of the'",
    ),
    "min_answered": ("the items a knowledge() or likert() score needs answered: '4 of the 5'", "'80 % of the'"),
    "reversed": ("the reverse-worded items of a likert() scale: 'a2 and a4 reversed'",
                 "'negatively worded items reversed'"),
}
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
TEXT_FIELDS = ("name", "definition", "unit", "population_label")
_SUBJECT_FUNCS = ("knowledge", "likert", "practice", "count", "any")


@dataclass(frozen=True)
class _Subject:
    func: str
    name: str
    share: float | None  # minimum share of items answered (knowledge, likert)
    rule: tuple[str, float] | None  # ("ge"|"gt", threshold) when compared with a number


def _subject(ind) -> _Subject | None:
    """The first scale or select_multiple function of an entry's expressions, with its pass rule."""
    for fld in ("numerator", "formula", "denominator", "population"):
        text = getattr(ind, fld, None)
        if text is None:
            continue
        try:
            tree = ast.parse(str(text).strip(), mode="eval").body
        except SyntaxError:
            continue
        rules: dict[int, tuple[str, float]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Call):
                op = {ast.GtE: "ge", ast.Gt: "gt"}.get(type(node.ops[0]))
                try:
                    value = constant(node.comparators[0])
                except ValueError:
                    continue
                if op is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
                    rules[id(node.left)] = (op, float(value))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in _SUBJECT_FUNCS
                and node.args
            ):
                arg = node.args[0]
                name = arg.value if isinstance(arg, ast.Constant) else getattr(arg, "id", None)
                if not isinstance(name, str):
                    continue
                share = None
                if node.func.id in ("knowledge", "likert"):
                    share = 0.8
                    if node.func.id == "likert" and len(node.args) > 1:
                        try:
                            share = float(constant(node.args[1]))
                        except ValueError:
                            pass
                rule = ("ge", 1.0) if node.func.id == "any" else rules.get(id(node))
                return _Subject(node.func.id, name, share, rule)
    return None


def check_placeholders(ind) -> list[str]:
    """Problems with the placeholders of an entry's text fields (unknown, or nothing to describe)."""
    problems = []
    subject = _subject(ind)
    for fld, text in ind.templates:
        for name in dict.fromkeys(PLACEHOLDER_RE.findall(text)):
            where = f"indicator {ind.id!r}, {fld}"
            if name not in PLACEHOLDERS:
                problems.append(
                    f"{where}: unknown placeholder {{{name}}}{did_you_mean(name, PLACEHOLDERS)}; "
                    f"placeholders: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
                )
            elif subject is None:
                problems.append(
                    f"{where}: {{{name}}} describes the items of knowledge(), likert(), practice(), count() or "
                    "any(), and the entry's expressions use none of them"
                )
            elif name == "at_least" and (subject.func == "likert" or subject.rule is None):
                problems.append(
                    f"{where}: {{at_least}} needs knowledge(), practice() or count() compared with a number "
                    f"(e.g. knowledge(knowledge) >= 80), not {subject.func}()"
                    + ("" if subject.func == "likert" else " alone")
                )
            elif name == "min_answered" and subject.share is None:
                problems.append(f"{where}: {{min_answered}} needs knowledge() or likert(), not {subject.func}()")
            elif name == "reversed" and subject.func != "likert":
                problems.append(f"{where}: {{reversed}} needs likert(), not {subject.func}()")
    return problems


def _compress(names: Sequence[str]) -> str:
    """``k1-k6`` for consecutive numbered names, else the names (the first and last of a long list)."""
    parts = [re.fullmatch(r"(.*?)(\d+)", n) for n in names]
    if len(names) > 2 and all(parts):
        prefixes = {p.group(1) for p in parts}
        numbers = [int(p.group(2)) for p in parts]
        if len(prefixes) == 1 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{names[0]}-{names[-1]}"
    if len(names) > 8:
        return f"{', '.join(names[:3])}, ..., {names[-1]}"
    return ", ".join(names)


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def placeholder_values(ind, cb: Codebook | None) -> dict[str, str]:
    """What each placeholder reads for an entry, from the codebook's items (general words without)."""
    subject = _subject(ind)
    if subject is None:
        return {}
    items: list[str] | None = None
    shown: list[str] = []
    reversed_items: list[str] = []
    if cb is not None:
        if subject.func in ("knowledge", "likert", "practice"):
            if subject.name in cb.scales():
                items = cb.items(subject.name)
                shown = items
                reversed_items = [i for i in items if cb[i].reverse]
        else:
            column = aliases(cb).get(subject.name, subject.name)
            if column in cb and cb[column].type == "select_multiple":
                var = cb[column]
                options = [c for c in var.codes if str(c).lower() != "none"]
                items = [str(c) for c in options]
                labels = [var.codes[c] for c in options]
                shown = labels if all(labels) and all(len(x) <= 30 for x in labels) else items
    out: dict[str, str] = {}
    share = subject.share
    if items:
        n = len(items)
        out["n_items"] = str(n)
        out["item_names"] = f"({_compress(shown)})"
        if subject.rule is not None:
            op, t = subject.rule
            if subject.func in ("count", "any"):
                k = int(math.floor(t + 1e-9)) + (1 if op == "gt" or not float(t).is_integer() else 0)
            else:
                k = (math.floor(t * n / 100 + 1e-9) + 1) if op == "gt" else math.ceil(t * n / 100 - 1e-9)
            k = max(k, 0)
            out["at_least"] = f"all {n}" if k >= n else f"at least {k} of the {n}"
        if share is not None:
            m = math.ceil(share * n - 1e-9)
            out["min_answered"] = f"{m} of the {n}"
        out["reversed"] = f"{_and(reversed_items)} reversed" if reversed_items else "no item reversed"
    else:
        out["n_items"] = ""
        out["item_names"] = ""
        if subject.rule is not None:
            op, t = subject.rule
            word = "at least" if op == "ge" else "more than"
            if subject.func in ("count", "any"):
                out["at_least"] = f"{word} {t:g} of the"
            else:
                out["at_least"] = f"{word} {t:g} % of the"
        if share is not None:
            out["min_answered"] = f"{100 * share:g} % of the"
        out["reversed"] = "negatively worded items reversed"
    return out


def fill(text: str, values: Mapping[str, str]) -> str:
    out = PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    out = re.sub(r"\s*\(\s*(?:of\s*)?\)", "", out)  # "(of )" or "()" left by an empty placeholder
    out = re.sub(r"[ \t]{2,}", " ", out)
    out = re.sub(r" +([,;.])", r"\1", out)
    return out.strip()
