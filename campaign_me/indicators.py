"""Indicator catalogue: standard campaign indicators, computed with design-based intervals.

A catalogue is a versioned YAML file of indicator definitions (``campaign_me/indicators.yaml``
ships with the package; researchers add or override entries in their own file). Each entry says
what is counted, among whom, on what scale and where the definition comes from; the formulas use a
small expression language over codebook variables and scales, parsed with :mod:`ast` against a
whitelist (user text is never passed to ``eval``).

Entry fields
------------
==================  ========  =====================================================================
field               required  meaning
==================  ========  =====================================================================
id                  yes       identifier (letters, digits, ``_``), unique; part of the public API
name                yes       short name for tables and charts
definition          yes       one sentence: what share/mean of whom
level               yes       results level: ``output``, ``reach``, ``knowledge``, ``attitude``,
                              ``intention``, ``behaviour``
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

Expression language
-------------------
Names are codebook variables (or columns of the data). Allowed: numbers, text in quotes, lists of
constants, ``+ - * /``, comparisons ``== != < <= > >=``, ``in`` / ``not in`` a list, ``and``,
``or``, ``not``, and these functions:

=========================  ========================================================================
``knowledge(scale)``       knowledge score 0-100 of a scale (see :mod:`campaign_me.scales`)
``likert(scale, s)``       Likert score 0-100, ``s`` = minimum share of items answered (0.8)
``practice(scale)``        practice score 0-100 over applicable practices
``count(q)``               options of select_multiple ``q`` selected, "none" never counted
``any(q)``                 1 if any option of ``q`` other than "none" was selected
``selected(q, "opt")``     1 if option ``"opt"`` of ``q`` was selected
``correct(item)``          1 if the item's answer is one of its ``correct`` codes
``answered(x)``            1 if ``x`` is not missing
=========================  ========================================================================

Yes/no values are 1/0; a missing input gives a missing value, and a respondent with a missing value
is left out of that indicator (a domain complement, so the variance stays design-correct).

A survey with its own names
---------------------------
Names are resolved through the codebook's ``concept`` keys (:attr:`Codebook.concepts`): with
``concept: risk_aware`` on a question ``aware_risk``, every expression that says ``risk_aware``
reads ``aware_risk``. :func:`applicable` splits a catalogue into the indicators whose questions a
survey has and the others (with the questions they lack). Text fields may hold placeholders
(:data:`PLACEHOLDERS`) that :meth:`Indicator.describe` fills from the codebook's items, so that
``knowledge_pass`` reads "at least 4 of the 5 knowledge items" for a five-item survey.

Rounds
------
:func:`compare_rounds` and :func:`did_indicators` take the round structure (``rounds=``, default
the codebook's): independent samples, the same clusters revisited, or a panel; see
:func:`campaign_me.evaluation.combine_rounds`.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from . import scales as _scales
from .codebook import Codebook
from .contrasts import difference
from .design import LOW_DF, LOW_DF_NOTE, low_df_note
from .errors import CampaignMeError, DataError

__all__ = [
    "Indicator",
    "Catalogue",
    "CatalogueError",
    "load_catalogue",
    "compute_indicators",
    "compare_rounds",
    "did_indicators",
    "applicable",
    "PLACEHOLDERS",
    "INDICATOR_COLUMNS",
    "DID_COLUMNS",
    "NOT_APPLICABLE_COLUMNS",
    "COMPARE_COLUMNS",
    "LEVELS",
    "TYPES",
]

LEVELS = ("output", "reach", "knowledge", "attitude", "intention", "behaviour")
TYPES = ("proportion", "mean", "score", "difference", "ratio")
DIRECTIONS = ("higher", "lower")

#: Columns of :func:`compute_indicators` (``by`` columns go after ``indicator``).
INDICATOR_COLUMNS = (
    "indicator",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "deff",
    "n",
    "suppressed",
    "flagged",
    "unit",
    "denominator",
    "df",
    "name",
    "level",
    "type",
    "direction",
    "note",
)

#: Columns of :func:`compare_rounds` (``by`` columns go after ``indicator``).
COMPARE_COLUMNS = (
    "indicator",
    "baseline",
    "endline",
    "change",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "p_value",
    "n_baseline",
    "n_endline",
    "suppressed",
    "unit",
    "change_unit",
    "name",
    "level",
    "direction",
    "note",
)

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELDS = (
    "id",
    "name",
    "definition",
    "level",
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
_REQUIRED = ("id", "name", "definition", "level", "type", "unit", "direction", "source")


class CatalogueError(CampaignMeError):
    """An indicator catalogue is malformed or does not fit the codebook; ``.problems`` lists all."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class _NeedsCodebook(CatalogueError):
    """An expression needs scale metadata and no codebook was given."""


def _suggest(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _aliases(codebook) -> dict[str, str]:
    """Catalogue name -> the survey's column, from the codebook's ``concept`` keys."""
    concepts = getattr(codebook, "concepts", None) if codebook is not None else None
    return dict(concepts) if concepts else {}


# --------------------------------------------------------------------------------------------------
# expression language
# --------------------------------------------------------------------------------------------------
_FUNCS = {
    # name: (argument kinds, result kind)
    "knowledge": (("scale",), "number"),
    "likert": (("scale", "?number"), "number"),
    "practice": (("scale",), "number"),
    "count": (("multi",), "number"),
    "any": (("multi",), "bool"),
    "selected": (("multi", "text"), "bool"),
    "correct": (("item",), "bool"),
    "answered": (("expr",), "bool"),
}
_CMP = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
_BIN = (ast.Add, ast.Sub, ast.Mult, ast.Div)


@dataclass(frozen=True)
class _Parsed:
    text: str
    tree: ast.expr
    kind: str  # "bool", "number", "text" or "unknown"
    names: tuple[str, ...]


def _constant(node: ast.expr):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    ):
        v = node.operand.value
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return -v
    raise ValueError("not a constant")


class _Checker:
    """Parse an expression and check it against the whitelist (and, if given, the codebook)."""

    def __init__(self, codebook: Codebook | None, columns: Sequence[str] = ()) -> None:
        self.cb = codebook
        self.columns = set(columns)
        self.problems: list[str] = []
        self.names: list[str] = []
        # what the expression reads: (kind, catalogue name, column or scale) with kind "variable",
        # "scale" or "option" (one option column of a select_multiple)
        self.needs: list[tuple[str, str, str]] = []
        self.alias = _aliases(codebook)

    def _res(self, name: str) -> str:
        """The survey's column for a catalogue name (the codebook's ``concept``), else the name."""
        return self.alias.get(name, name)

    def _shown(self, name: str) -> str:
        col = self._res(name)
        return repr(name) if col == name else f"{name!r} (the codebook's {col!r})"

    def parse(self, text: Any) -> _Parsed | None:
        if isinstance(text, bool) or not isinstance(text, (str, int, float)):
            self.problems.append(f"expected an expression (text), got {type(text).__name__} {text!r}")
            return None
        text = str(text)
        try:
            tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as e:
            self.problems.append(f"cannot parse {text!r}: {e.msg} at character {e.offset}")
            return None
        kind = self._kind(tree)
        return _Parsed(text, tree, kind, tuple(dict.fromkeys(self.names)))

    # each _kind returns the kind of the node, recording problems
    def _kind(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                return "bool"
            if isinstance(v, (int, float)):
                return "number"
            if isinstance(v, str):
                return "text"
            self.problems.append(f"constant {v!r} is not allowed")
            return "unknown"
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.UnaryOp):
            self._kind(node.operand)
            if isinstance(node.op, ast.Not):
                return "bool"
            if isinstance(node.op, (ast.USub, ast.UAdd)):
                return "number"
            self.problems.append(f"operator {type(node.op).__name__} is not allowed")
            return "unknown"
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BIN):
                self.problems.append(f"operator {type(node.op).__name__} is not allowed (use + - * /)")
            for side in (node.left, node.right):
                if self._kind(side) == "text":
                    self.problems.append("arithmetic on text is not allowed")
            return "number"
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                self._kind(v)
            return "bool"
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                self.problems.append("chained comparisons (a < b < c) are not allowed; use 'and'")
            op = node.ops[0]
            if not isinstance(op, _CMP):
                self.problems.append(f"comparison {type(op).__name__} is not allowed")
            left_kind = self._kind(node.left)
            right = node.comparators[0]
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, (ast.List, ast.Tuple)):
                    self.problems.append("'in' needs a list of constants, e.g. x in ['a', 'b']")
                    return "bool"
                try:
                    values = [_constant(e) for e in right.elts]
                except ValueError:
                    self.problems.append("'in' needs a list of constants, e.g. x in ['a', 'b']")
                    return "bool"
            else:
                self._kind(right)
                try:
                    values = [_constant(right)]
                except ValueError:
                    values = []
            if isinstance(node.left, ast.Name) and values:
                self._check_codes(node.left.id, values)
            del left_kind
            return "bool"
        if isinstance(node, ast.Call):
            return self._call(node)
        self.problems.append(f"{type(node).__name__} is not allowed in an indicator expression")
        return "unknown"

    def _name(self, name: str) -> str:
        self.names.append(name)
        self.needs.append(("variable", name, self._res(name)))
        col = self._res(name)
        if self.cb is not None and col in self.cb:
            var = self.cb[col]
            if var.type == "select_multiple":
                self.problems.append(
                    f"{self._shown(name)} is a select_multiple question; use any({name}), count({name}) or "
                    f"selected({name}, 'option')"
                )
                return "unknown"
            if var.type == "boolean":
                return "bool"
            if var.type in ("integer", "number") or (var.type == "categorical" and var.integer_codes):
                return "number"
            if var.type in ("categorical", "text"):
                return "text"
            return "unknown"
        if col in self.columns:
            return "unknown"
        if self.cb is not None:
            options = list(self.cb.names) + list(self.alias) + sorted(self.columns)
            self.problems.append(f"unknown variable {self._shown(name)}{_suggest(name, options)}")
        return "unknown"

    def _check_codes(self, name: str, values: list) -> None:
        col = self._res(name)
        if self.cb is None or col not in self.cb:
            return
        var = self.cb[col]
        if var.type != "categorical" or not var.codes:
            return
        codes = [str(c) for c in var.codes]
        for v in values:
            if str(v) not in codes:
                self.problems.append(
                    f"{v!r} is not a code of {self._shown(name)}{_suggest(v, codes)} (codes: {', '.join(codes)}), "
                    "so the comparison is never true: the denominator could be empty"
                )

    def _call(self, node: ast.Call) -> str:
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS:
            fname = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            self.problems.append(
                f"unknown function {fname!r}{_suggest(fname, _FUNCS)}; allowed: {', '.join(_FUNCS)}"
            )
            return "unknown"
        fname = node.func.id
        spec, result = _FUNCS[fname]
        if node.keywords:
            self.problems.append(f"{fname}() takes no keyword arguments")
        args = node.args
        required = [s for s in spec if not s.startswith("?")]
        if not len(required) <= len(args) <= len(spec):
            self.problems.append(
                f"{fname}() takes {len(required)}"
                + (f"-{len(spec)}" if len(spec) > len(required) else "")
                + f" argument(s), got {len(args)}"
            )
            return result
        for kind, arg in zip(spec, args):
            kind = kind.lstrip("?")
            if kind == "expr":
                self._kind(arg)
                continue
            if kind in ("number", "text"):
                try:
                    v = _constant(arg)
                except ValueError:
                    self.problems.append(
                        f"{fname}(): argument {ast.unparse(arg)!r} must be a constant {kind}"
                    )
                    continue
                if kind == "number" and (isinstance(v, (bool, str)) or not 0 < v <= 1):
                    self.problems.append(
                        f"{fname}(): the minimum share of items answered must be in (0, 1], got {v!r}"
                    )
                continue
            # scale / multi / item: a bare name
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                name = arg.value
            elif isinstance(arg, ast.Name):
                name = arg.id
            else:
                self.problems.append(f"{fname}(): argument {ast.unparse(arg)!r} must be a {kind} name")
                continue
            col = name if kind == "scale" else self._res(name)
            opt = None
            if kind == "multi" and fname == "selected" and len(args) == 2:
                try:
                    opt = _constant(args[1])
                except ValueError:
                    opt = None
            if kind == "scale":
                self.needs.append(("scale", name, name))
            elif opt is not None:
                self.needs.append(("option", name, f"{col}/{opt}"))
            else:
                self.needs.append(("variable", name, col))
            if self.cb is None:
                continue
            if kind == "scale":
                known = self.cb.scales()
                if name not in known:
                    self.problems.append(
                        f"unknown scale {name!r}{_suggest(name, known)}; scales: {', '.join(known)}"
                    )
            elif col not in self.cb:
                self.problems.append(
                    f"unknown variable {self._shown(name)}{_suggest(name, list(self.cb.names) + list(self.alias))}"
                )
            elif kind == "multi" and self.cb[col].type != "select_multiple":
                self.problems.append(
                    f"{fname}(): {self._shown(name)} is {self.cb[col].type}, not a select_multiple question"
                )
            elif opt is not None:
                opts = [str(c) for c in self.cb[col].codes]
                if str(opt) not in opts:
                    self.problems.append(
                        f"selected(): {opt!r} is not an option of {self._shown(name)}{_suggest(opt, opts)}"
                    )
            elif kind == "item" and not self.cb[col].correct:
                self.problems.append(f"correct(): {self._shown(name)} has no 'correct' code in the codebook")
            if kind != "scale":
                self.names.append(name)
        return result


class _Evaluator:
    """Evaluate a checked expression over a data frame (numpy float arrays, NaN = missing)."""

    def __init__(self, data: pd.DataFrame, codebook: Codebook | None) -> None:
        self.data = data
        self.cb = codebook
        self.cache: dict[str, Any] = {}
        self.n = len(data)
        self.alias = _aliases(codebook)

    def _res(self, name: str) -> str:
        return self.alias.get(name, name)

    def _need_cb(self, what: str) -> Codebook:
        if self.cb is None:
            raise _NeedsCodebook(
                f"{what} needs the codebook: pass codebook= (a Codebook or the path of codebook.yaml)"
            )
        return self.cb

    def column(self, name: str):
        key = f"col:{name}"
        if key in self.cache:
            return self.cache[key]
        column = self._res(name)
        if column not in self.data.columns:
            shown = repr(name) if column == name else f"{name!r} (the codebook's {column!r})"
            raise CatalogueError(
                f"variable {shown} is not a column of the data{_suggest(column, self.data.columns)}"
            )
        col = self.data[column]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            out = col.astype("float64").to_numpy(na_value=np.nan)
        else:
            out = col.astype("object").where(col.notna(), None).to_numpy()
        self.cache[key] = out
        return out

    def eval(self, node: ast.expr):
        if isinstance(node, ast.Constant):
            v = node.value
            return float(v) if isinstance(v, (bool, int, float)) else v
        if isinstance(node, ast.Name):
            return self.column(node.id)
        if isinstance(node, ast.UnaryOp):
            x = self._num(self.eval(node.operand))
            if isinstance(node.op, ast.Not):
                return np.where(np.isnan(x), np.nan, (x == 0).astype(float))
            return -x if isinstance(node.op, ast.USub) else x
        if isinstance(node, ast.BinOp):
            a, b = self._num(self.eval(node.left)), self._num(self.eval(node.right))
            with np.errstate(divide="ignore", invalid="ignore"):
                if isinstance(node.op, ast.Add):
                    r = a + b
                elif isinstance(node.op, ast.Sub):
                    r = a - b
                elif isinstance(node.op, ast.Mult):
                    r = a * b
                else:
                    r = np.where(b == 0, np.nan, a / np.where(b == 0, 1, b))
            return np.asarray(r, dtype=float) if np.ndim(r) else np.full(self.n, float(r))
        if isinstance(node, ast.BoolOp):
            vals = [self._truth(self.eval(v)) for v in node.values]
            stacked = np.vstack([np.broadcast_to(v, (self.n,)) for v in vals])
            if isinstance(node.op, ast.And):
                out = np.where(
                    (stacked == 0).any(axis=0), 0.0, np.where(np.isnan(stacked).any(axis=0), np.nan, 1.0)
                )
            else:
                out = np.where(
                    (stacked == 1).any(axis=0), 1.0, np.where(np.isnan(stacked).any(axis=0), np.nan, 0.0)
                )
            return out
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise CatalogueError(f"{type(node).__name__} is not allowed")  # the checker stops this earlier

    def _num(self, x) -> np.ndarray | float:
        if isinstance(x, float):
            return x
        if isinstance(x, str):
            raise CatalogueError(f"text {x!r} cannot be used as a number")
        if x.dtype == object:
            conv = pd.to_numeric(pd.Series(x), errors="coerce").to_numpy(dtype=float)
            if (np.isnan(conv) & pd.notna(pd.Series(x)).to_numpy()).any():
                raise CatalogueError("a text variable was used as a number")
            return conv
        return x

    def _truth(self, x) -> np.ndarray:
        x = self._num(x)
        x = np.broadcast_to(np.asarray(x, dtype=float), (self.n,))
        return np.where(np.isnan(x), np.nan, (x != 0).astype(float))

    def _compare(self, node: ast.Compare):
        left = self.eval(node.left)
        op = node.ops[0]
        if isinstance(op, (ast.In, ast.NotIn)):
            values = [_constant(e) for e in node.comparators[0].elts]
            right = None
        else:
            right = self.eval(node.comparators[0])
            values = None
        if (
            isinstance(left, np.ndarray)
            and left.dtype == object
            or isinstance(right, str)
            or (values is not None and any(isinstance(v, str) for v in values))
        ):
            lser = pd.Series(left if isinstance(left, np.ndarray) else np.full(self.n, left, dtype=object))
            miss = lser.isna().to_numpy()
            if values is not None:
                res = lser.isin([str(v) for v in values]).to_numpy(dtype=bool)
                if not res.any() and len(lser):
                    res = (
                        lser.astype("string")
                        .isin([str(v) for v in values])
                        .fillna(False)
                        .to_numpy(dtype=bool)
                    )
                if isinstance(op, ast.NotIn):
                    res = ~res
            else:
                ls = lser.astype("string")
                rs = str(right) if not isinstance(right, np.ndarray) else pd.Series(right).astype("string")
                if isinstance(op, ast.Eq):
                    res = (ls == rs).fillna(False).to_numpy(dtype=bool)
                elif isinstance(op, ast.NotEq):
                    res = (ls != rs).fillna(False).to_numpy(dtype=bool)
                else:
                    raise CatalogueError(f"order comparison of text in {ast.unparse(node)!r}")
            out = res.astype(float)
            out[miss] = np.nan
            return out
        a = np.broadcast_to(np.asarray(self._num(left), dtype=float), (self.n,))
        miss = np.isnan(a)
        if values is not None:
            res = np.isin(a, np.array(values, dtype=float))
            if isinstance(op, ast.NotIn):
                res = ~res
        else:
            b = np.broadcast_to(np.asarray(self._num(right), dtype=float), (self.n,))
            miss = miss | np.isnan(b)
            with np.errstate(invalid="ignore"):
                res = {
                    ast.Eq: np.equal,
                    ast.NotEq: np.not_equal,
                    ast.Lt: np.less,
                    ast.LtE: np.less_equal,
                    ast.Gt: np.greater,
                    ast.GtE: np.greater_equal,
                }[type(op)](a, b)
        out = res.astype(float)
        out[miss] = np.nan
        return out

    def _call(self, node: ast.Call):
        fname = node.func.id
        args = node.args

        def name(i):
            a = args[i]
            return a.value if isinstance(a, ast.Constant) else a.id

        key = f"{fname}:{ast.unparse(node)}"
        if key in self.cache:
            return self.cache[key]
        if fname == "answered":
            x = self.eval(args[0])
            out = (~pd.isna(x)).astype(float) if isinstance(x, np.ndarray) else np.ones(self.n)
        elif fname == "selected":
            col = f"{self._res(name(0))}/{_constant(args[1])}"
            out = self.column(col)
        else:
            cb = self._need_cb(f"{fname}()")
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                if fname == "knowledge":
                    out = _scales.knowledge_score(self.data, cb, name(0)).to_numpy()
                elif fname == "likert":
                    share = _constant(args[1]) if len(args) > 1 else 0.8
                    out = _scales.likert_score(self.data, cb, name(0), min_share=share).to_numpy()
                elif fname == "practice":
                    out = _scales.practice_score(self.data, cb, name(0)).to_numpy()
                elif fname == "count":
                    out = _scales.count_selected(self.data, cb, self._res(name(0))).to_numpy()
                elif fname == "any":
                    out = _scales.at_least(self.data, cb, self._res(name(0)), 1).to_numpy()
                elif fname == "correct":
                    var = cb[self._res(name(0))]
                    self.column(name(0))  # a clear error if the column is missing
                    out = _scales._matches(self.data[self._res(name(0))], var.correct)
                else:  # pragma: no cover - the checker allows only the functions above
                    raise CatalogueError(f"unknown function {fname!r}")
        out = np.asarray(out, dtype=float)
        self.cache[key] = out
        return out


# --------------------------------------------------------------------------------------------------
# placeholders: definitions written from the survey's own items
# --------------------------------------------------------------------------------------------------
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
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TEXT_FIELDS = ("name", "definition", "unit", "population_label")
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
                    value = _constant(node.comparators[0])
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
                            share = float(_constant(node.args[1]))
                        except ValueError:
                            pass
                rule = ("ge", 1.0) if node.func.id == "any" else rules.get(id(node))
                return _Subject(node.func.id, name, share, rule)
    return None


def _check_placeholders(ind) -> list[str]:
    """Problems with the placeholders of an entry's text fields (unknown, or nothing to describe)."""
    problems = []
    subject = _subject(ind)
    for fld, text in ind.templates:
        for name in dict.fromkeys(_PLACEHOLDER_RE.findall(text)):
            where = f"indicator {ind.id!r}, {fld}"
            if name not in PLACEHOLDERS:
                problems.append(
                    f"{where}: unknown placeholder {{{name}}}{_suggest(name, PLACEHOLDERS)}; "
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


def _placeholder_values(ind, cb: Codebook | None) -> dict[str, str]:
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
            column = _aliases(cb).get(subject.name, subject.name)
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


def _fill(text: str, values: Mapping[str, str]) -> str:
    out = _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    out = re.sub(r"\s*\(\s*(?:of\s*)?\)", "", out)  # "(of )" or "()" left by an empty placeholder
    out = re.sub(r"[ \t]{2,}", " ", out)
    out = re.sub(r" +([,;.])", r"\1", out)
    return out.strip()


# --------------------------------------------------------------------------------------------------
# catalogue
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    """One catalogue entry (see the module docstring for the fields)."""

    id: str
    name: str
    definition: str
    level: str
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
        context = _placeholder_values(self, _scales._codebook(codebook) if codebook is not None else None)
        return dataclasses.replace(
            self, **{fld: _fill(text, context) for fld, text in self.templates}
        )


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
                f"no indicator {key!r} in the catalogue{_suggest(key, self.indicators)}"
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
        chk = _Checker(cb, columns)
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
    unknown = [k for k in raw if k not in _FIELDS]
    for k in unknown:
        problems.append(f"{label}: unknown field {k!r}{_suggest(k, _FIELDS)}")
    for k in _REQUIRED:
        if raw.get(k) in (None, ""):
            problems.append(f"{label}: missing required field {k!r}")
    ok = True
    if ident is not None and (not isinstance(ident, str) or not _ID.match(ident)):
        problems.append(f"{label}: id must be letters, digits and '_' (not starting with a digit)")
        ok = False
    for k, allowed in (("level", LEVELS), ("type", TYPES), ("direction", DIRECTIONS)):
        v = raw.get(k)
        if v is not None and v not in allowed:
            problems.append(f"{label}: {k} {v!r} is not one of {', '.join(allowed)}{_suggest(v, allowed)}")
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
        level=raw["level"],
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
        (k, raw[k]) for k in _TEXT_FIELDS if isinstance(raw.get(k), str) and _PLACEHOLDER_RE.search(raw[k])
    )
    if templates:
        ind = dataclasses.replace(ind, templates=templates)
        found = _check_placeholders(ind)
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
            f"top level: unknown key {k!r}{_suggest(k, ('version', 'description', 'indicators'))}"
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


# --------------------------------------------------------------------------------------------------
# computation
# --------------------------------------------------------------------------------------------------
def _evaluate(data: pd.DataFrame, cat: Catalogue, cb: Codebook | None) -> list[tuple]:
    """Each indicator's value per respondent: ``(indicator, y, kind, mask, den, problem)``.

    ``y`` is the per-respondent value (1/0 for proportions; the numerator of a ratio), ``kind``
    ``"proportion"``, ``"mean"`` or ``"ratio"``, ``mask`` the rows in its denominator with a value,
    ``den`` a ratio's denominator. An indicator that cannot be evaluated has ``y`` None and the
    reason in ``problem``.
    """
    ev = _Evaluator(data, cb)
    out: list[tuple] = []
    for ind in cat:
        try:
            exprs = {k: _Checker(cb, data.columns).parse(v) for k, v in ind.expressions().items()}
            vals = {k: ev.eval(p.tree) for k, p in exprs.items() if p is not None}
            vals = {
                k: np.broadcast_to(np.asarray(ev._num(v), dtype=float), (len(data),)) for k, v in vals.items()
            }
        except _NeedsCodebook as err:
            raise _NeedsCodebook(f"indicator {ind.id!r}: {err}") from None
        except CampaignMeError as err:
            out.append((ind, None, None, None, None, f"cannot evaluate: {err}"))
            continue
        mask = np.ones(len(data), dtype=bool)
        if "population" in vals:
            mask &= vals["population"] == 1
        den = None
        if ind.type == "proportion":
            y = vals["numerator"]
            if "denominator" in vals:
                mask &= vals["denominator"] == 1
            kind = "proportion"
            bad = ~np.isnan(y) & ~np.isin(y, [0.0, 1.0])
            if bad.any():
                out.append((ind, None, None, None, None, "numerator is not yes/no (values other than 0/1)"))
                continue
        elif ind.type == "ratio":
            y = vals["numerator"]
            den = vals["denominator"]
            kind = "ratio"
        else:
            y = vals["formula"]
            kind = "mean"
        mask &= ~np.isnan(y)
        if den is not None:
            mask &= ~np.isnan(den)
        out.append((ind, y, kind, mask, den, ""))
    return out


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
        chk = _Checker(cb, sorted(cols))
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
    cat = _as_catalogue(catalogue)
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


def _as_catalogue(catalogue) -> Catalogue:
    if catalogue is None:
        return load_catalogue()
    if isinstance(catalogue, Catalogue):
        return catalogue
    if isinstance(catalogue, (str, os.PathLike)):
        return load_catalogue(catalogue)
    if isinstance(catalogue, Indicator):
        return Catalogue({catalogue.id: catalogue}, origin="one indicator")
    raise CatalogueError(f"catalogue: expected a Catalogue, a path or None, got {type(catalogue).__name__}")


def _by_list(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _all_domains(data: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    keys = data[by].dropna().drop_duplicates()
    try:
        keys = keys.sort_values(by)
    except TypeError:
        pass
    return keys.reset_index(drop=True)


def _estimate_one(design, columns: list[str], kind: str, by: list[str], level: float, ratio_den: str | None,
                  df=None):
    """Estimate derived columns on a (subset) design; returns the design's tidy table."""
    if kind == "ratio":
        return design.ratio(columns[0], ratio_den, by=by or None, level=level, na_rm=True, df=df)
    return design.mean(columns, by=by or None, level=level, na_rm=True, df=df)


_STATS = ["estimate", "se", "ci_low", "ci_high", "deff", "n", "df"]


def _safe_table(design, mask, columns, kind, by, level, ratio_den, domains, df=None):
    """Estimates of ``columns`` on the rows ``mask``, overall or by domain, as one table with a
    ``variable`` column; a domain that cannot be estimated gets a row with its reason (``note``)."""
    try:
        sub = design.subset(mask)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = _estimate_one(sub, columns, kind, by, level, ratio_den, df)
        table = table.copy()
        if "note" not in table.columns:
            table["note"] = ""
        table["note"] = table["note"].fillna("").astype(object)
        notes = [str(w.message) for w in caught]
        if notes and not by:
            table["note"] = "; ".join(notes)
        if kind == "ratio":
            table["variable"] = columns[0]
        return table
    except CampaignMeError as err:
        rows = []
        for col in columns:
            if not by:
                rows.append(
                    {
                        "variable": col,
                        **dict.fromkeys(_STATS, np.nan),
                        "n": int(np.count_nonzero(mask)),
                        "note": str(err),
                    }
                )
                continue
            for dom in domains[by].itertuples(index=False, name=None):
                m = mask.copy()
                for c, v in zip(by, dom):
                    m &= design.data[c].eq(v).fillna(False).to_numpy(dtype=bool)
                labels = {"variable": col, **dict(zip(by, dom))}
                if not m.any():
                    rows.append({**labels, **dict.fromkeys(_STATS, np.nan), "n": 0, "note": ""})
                    continue
                try:
                    t = _estimate_one(design.subset(m), [col], kind, [], level, ratio_den, df)
                    rows.append({**labels, **t.iloc[0][_STATS].to_dict(), "note": ""})
                except CampaignMeError as e:
                    rows.append(
                        {**labels, **dict.fromkeys(_STATS, np.nan), "n": int(m.sum()), "note": str(e)}
                    )
        return pd.DataFrame(rows)


def _logit_ci(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """Logit interval of a proportion estimated as a mean of 0/1 (R's ``svyciprop(method="logit")``).

    Estimates of exactly 0 or 1 (or without variance) get the Clopper-Pearson interval on the
    unweighted n, as :meth:`SurveyDesign.proportion` does.
    """
    p = table["estimate"].to_numpy(dtype=float)
    se = table["se"].to_numpy(dtype=float)
    df = table["df"].to_numpy(dtype=float)
    n = table["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(np.isfinite(df), stats.t.ppf(0.5 + level / 2, df), stats.norm.ppf(0.5 + level / 2))
        interior = (p > 0) & (p < 1) & (se > 0)
        half = q * se / (p * (1 - p))
        lp = np.log(p / (1 - p))
        lo = 1 / (1 + np.exp(-(lp - half)))
        hi = 1 / (1 + np.exp(-(lp + half)))
        alpha = 1 - level
        x = np.round(p * n)
        cp_lo = np.where(x == 0, 0.0, stats.beta.ppf(alpha / 2, x, n - x + 1))
        cp_hi = np.where(x == n, 1.0, stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    out = table.copy()
    out["ci_low"] = np.where(interior, lo, np.where(np.isnan(p), np.nan, cp_lo))
    out["ci_high"] = np.where(interior, hi, np.where(np.isnan(p), np.nan, cp_hi))
    return out


def compute_indicators(
    design,
    catalogue=None,
    *,
    codebook=None,
    by: str | Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    level: float = 0.95,
    min_n: int = 25,
    flag_n: int = 50,
    df: float | str | None = None,
) -> pd.DataFrame:
    """Compute catalogue indicators on a survey design: one row per indicator and domain.

    Parameters
    ----------
    design : SurveyDesign
        The survey (e.g. ``SurveyDesign(data, weights="weight", strata="stratum", psu="psu")``).
    catalogue : Catalogue, path or None
        Default: the shipped catalogue.
    codebook : Codebook or path, optional
        Supplies scale items and codes; needed by ``knowledge()``, ``likert()``, ``practice()``,
        ``count()``, ``any()`` and ``correct()``, and used to validate the catalogue first.
    by : str or list of str, optional
        Domain columns (e.g. ``["sex", "age_group"]``): every observed combination gets a row for
        every indicator, even when the indicator's population is empty there.
    indicators : list of str, optional
        Compute only these ids.
    level : float, default 0.95
        Confidence level of the intervals.
    min_n : int, default 25
        Cells with fewer unweighted cases have estimate, se, interval and deff blanked and
        ``suppressed`` True (the DHS rule: estimates on fewer than 25 cases are not shown).
    flag_n : int, default 50
        Cells with ``min_n <= n < flag_n`` are ``flagged`` (DHS shows them in parentheses).
    df : None, "degf", "design" or float, default None
        Degrees of freedom of the intervals, as :meth:`SurveyDesign.mean`: by default the domain's
        PSUs minus strata, lowered to the Satterthwaite degrees of freedom where one stratum carries
        most of the variance; ``"degf"`` R's ``degf`` of the domain; ``"design"`` the whole design's.

    Returns
    -------
    pandas.DataFrame
        ``indicator, [by...], estimate, se, ci_low, ci_high, deff, n, suppressed, flagged, unit,
        denominator, df, name, level, type, direction, note``. Proportions are in percent (0-100);
        ``n`` is the unweighted number of respondents in the indicator's denominator with a
        non-missing value; ``df`` the design degrees of freedom of the interval; ``note`` the reason
        a row is blank or a warning raised while estimating it.

    Notes
    -----
    Every indicator is a design-based estimate on the full design restricted to its population (a
    domain, so variances use every PSU): proportions with logit intervals
    (:meth:`SurveyDesign.proportion`), means, scores and within-respondent differences with t
    intervals on the linearised scores (:meth:`SurveyDesign.mean`), ratios of totals with
    :meth:`SurveyDesign.ratio`.
    """
    cat = _as_catalogue(catalogue)
    if indicators is not None:
        cat = cat.select(indicators)
    if isinstance(min_n, bool) or not isinstance(min_n, (int, np.integer)) or min_n < 0:
        raise DataError(f"min_n={min_n!r}: give a whole number >= 0")
    if isinstance(flag_n, bool) or not isinstance(flag_n, (int, np.integer)) or flag_n < min_n:
        raise DataError(f"flag_n={flag_n!r}: give a whole number >= min_n ({min_n})")
    cb = _scales._codebook(codebook) if codebook is not None else None
    data = design.data
    by_cols = _by_list(by)
    missing_by = [c for c in by_cols if c not in data.columns]
    if missing_by:
        raise DataError(f"by: column(s) {missing_by} not in the data{_suggest(missing_by[0], data.columns)}")
    if cb is not None:
        cat = cat.describe(cb)
        cat.validate(cb, columns=[c for c in data.columns if c not in cb])
    derived: dict[str, np.ndarray] = {}
    plans = []
    for i, (ind, y, kind, mask, den, problem) in enumerate(_evaluate(data, cat, cb)):
        if y is None:
            plans.append((ind, None, None, None, problem))
            continue
        prefix = f"__ind{i}"
        ratio_den = None
        if den is not None:
            ratio_den = f"{prefix}d"
            derived[ratio_den] = den
        derived[prefix] = y
        plans.append((ind, prefix, kind, (mask, ratio_den), ""))
    domains = None
    dom_by: list[str] = []
    if by_cols:
        # one integer code per domain, so the design factorises a number column, not the labels
        codes = data[by_cols].groupby(by_cols, sort=True, dropna=True, observed=True).ngroup()
        codes = codes.astype("float64").to_numpy(na_value=np.nan, copy=True)
        codes[codes < 0] = np.nan
        dom_mask = design._domain_mask() if hasattr(design, "_domain_mask") else np.ones(len(data), bool)
        frame = data[by_cols].assign(__dom=codes)[dom_mask]
        domains = (
            frame.dropna(subset=["__dom"])
            .drop_duplicates("__dom")
            .sort_values("__dom")
            .reset_index(drop=True)
        )
        derived["__dom"] = codes
        dom_by = ["__dom"]
    work = (
        design.with_columns(**derived)
        if hasattr(design, "with_columns")
        else _scales.with_columns(design, derived)
    )
    # one design call per group of indicators estimated on the same rows
    groups: dict[tuple, list[str]] = {}
    masks: dict[tuple, np.ndarray] = {}
    for _ind, column, kind, extra, _problem in plans:
        if column is None or kind == "ratio" or not extra[0].any():
            continue
        key = (extra[0].tobytes(),)
        groups.setdefault(key, []).append(column)
        masks[key] = extra[0]
    batched: dict[str, pd.DataFrame] = {}
    for key, cols in groups.items():
        t = _safe_table(work, masks[key], cols, "mean", dom_by, level, None, domains, df)
        for col, part in t.groupby("variable", sort=False):
            batched[col] = part.drop(columns="variable")
    pieces = []
    for ind, column, kind, extra, problem in plans:
        if column is None:
            base = domains.copy() if by_cols else pd.DataFrame(index=[0])
            base["n"] = 0
            base["note"] = problem
            table = base
        else:
            mask, ratio_den = extra
            if not mask.any():
                table = domains.copy() if by_cols else pd.DataFrame(index=[0])
                table["n"] = 0
                table["note"] = "no respondents in the denominator"
            else:
                if kind == "ratio":
                    table = _safe_table(work, mask, [column], kind, dom_by, level, ratio_den, domains, df)
                    table = table.drop(columns="variable")
                else:
                    table = batched[column]
                if kind == "proportion":
                    table = _logit_ci(table, level)
                if dom_by:
                    table = (
                        table.set_index("__dom").reindex(domains["__dom"].to_numpy()).reset_index(drop=True)
                    )
                    table = pd.concat([domains.drop(columns="__dom"), table], axis=1)
                table = table.reset_index(drop=True)
        table = table.drop(columns=["__dom"], errors="ignore")
        for c in ("estimate", "se", "ci_low", "ci_high", "deff", "df"):
            if c not in table.columns:
                table[c] = np.nan
        table["n"] = table["n"].fillna(0).astype("int64")
        table["note"] = table.get("note", pd.Series("", index=table.index)).fillna("").astype(object)
        empty = (table["n"] == 0) & (table["note"] == "")
        table.loc[empty, "note"] = (
            f"no respondents in the denominator ({ind.population_label}) in this domain"
        )
        if ind.type == "proportion":
            for c in ("estimate", "se", "ci_low", "ci_high"):
                table[c] = table[c] * 100.0
        if column is not None:  # name internal columns by what they hold
            names = {
                f"{column}/{column}d": f"{ind.numerator} / {ind.denominator}",
                f"{column}d": str(ind.denominator),
            }
            names[column] = str(ind.numerator if ind.type in ("proportion", "ratio") else ind.formula)

            def readable(text, names=names):
                for k, v in names.items():
                    text = text.replace(k, v)
                return text

            table["note"] = table["note"].map(readable)
        table.insert(0, "indicator", ind.id)
        table["unit"] = ind.unit
        table["denominator"] = ind.population_label
        table["name"] = ind.name
        table["level"] = ind.level
        table["type"] = ind.type
        table["direction"] = ind.direction
        pieces.append(table)
    out = pd.concat(pieces, ignore_index=True)
    small = out["n"] < min_n
    out["suppressed"] = small | out["estimate"].isna()
    out.loc[small, ["estimate", "se", "ci_low", "ci_high", "deff"]] = np.nan
    smalltxt = f"suppressed: fewer than {min_n} unweighted cases"
    quiet = (out["note"] == "") | out["note"].astype(str).str.startswith(LOW_DF_NOTE)
    out.loc[small & (out["n"] > 0) & quiet, "note"] = smalltxt
    out["flagged"] = (out["n"] >= min_n) & (out["n"] < flag_n) & ~out["suppressed"]
    cols = ["indicator", *by_cols, *INDICATOR_COLUMNS[1:]]
    out = out[cols]
    out["suppressed"] = out["suppressed"].astype(bool)
    out["flagged"] = out["flagged"].astype(bool)
    return out


def _change_unit(unit: str) -> str:
    """Unit of a change: percentage points for percentages, points for 0-100 scales."""
    if unit == "%":
        return "pp"
    if isinstance(unit, str) and (unit.startswith("score") or unit == "per 100"):
        return "points"
    return unit


def _rounds_arg(rounds, cb: Codebook | None) -> str:
    from .evaluation import _check_rounds

    if rounds is None:
        return cb.rounds if cb is not None else "independent"
    return _check_rounds(rounds)


def _df_arg(df, stacked) -> float | None:
    """``df`` of compare_rounds/did_indicators as the regression's: None/"degf" -> its residual df."""
    if df is None or (isinstance(df, str) and df == "degf"):
        return None
    if isinstance(df, str) and df == "design":
        return float(stacked.degf - 1)
    return df


def _stack_values(baseline, endline, cat: Catalogue, cb: Codebook | None, rounds: str, post: str):
    """Both rounds' designs stacked with the round structure, and each indicator's values on the rows.

    Returns the stacked design (with columns ``__y{i}`` and, for ratios, ``__d{i}``) and, per
    indicator, ``(indicator, column, kind, rows, den column, problem)`` with ``rows`` the stacked
    rows in its denominator with a value (and in the designs' domains).
    """
    from .evaluation import combine_rounds

    for name, x in (("baseline", baseline), ("endline", endline)):
        if not hasattr(x, "subset") or isinstance(x, pd.DataFrame):
            raise DataError(
                f"{name}: rounds={rounds!r} needs the rounds' designs (the covariance between the rounds is not "
                "in a table of estimates); pass SurveyDesigns, or rounds='independent'"
            )
    stacked = combine_rounds(baseline, endline, rounds=rounds, codebook=cb, post=post)
    plans_b = _evaluate(baseline.data, cat, cb)
    plans_e = _evaluate(endline.data, cat, cb)
    dom = np.concatenate([baseline.in_domain.to_numpy(), endline.in_domain.to_numpy()])
    columns: dict[str, np.ndarray] = {}
    out = []
    for i, (pb, pe) in enumerate(zip(plans_b, plans_e)):
        ind = pb[0]
        if pb[1] is None or pe[1] is None:
            out.append((ind, None, None, None, None, pb[5] or pe[5]))
            continue
        columns[f"__y{i}"] = np.concatenate([pb[1], pe[1]])
        den = None
        if pb[4] is not None:
            den = f"__d{i}"
            columns[den] = np.concatenate([pb[4], pe[4]])
        rows = np.concatenate([pb[3], pe[3]]) & dom
        out.append((ind, f"__y{i}", pb[2], rows, den, ""))
    return stacked.with_columns(**columns), out


def _ratio_change(stacked, y: str, den: str, rows: np.ndarray, post: str, level: float, df) -> dict:
    """Change of a ratio of weighted totals between the rounds of a stacked design (linearised)."""
    from .regression import residual_df, total_covariance

    p = stacked.data[post].to_numpy()
    w = stacked.weights.to_numpy()
    num = stacked.data[y].to_numpy(dtype=float)
    d = stacked.data[den].to_numpy(dtype=float)
    ratio, total = {}, {}
    for r in (0, 1):
        sel = rows & (p == r)
        if not sel.any():
            raise DataError(f"no respondent in the {'endline' if r else 'baseline'} round")
        total[r] = float(np.sum(w[sel] * d[sel]))
        ratio[r] = float(np.sum(w[sel] * num[sel])) / total[r]
    score = np.where(p == 1, (num - ratio[1] * d) / total[1], -(num - ratio[0] * d) / total[0])
    pos = np.flatnonzero(rows)
    var = float(total_covariance(stacked, score[pos][:, None], pos)[0, 0])
    ddf = residual_df(stacked, rows, 2, df, what="change of a ratio")
    return _row(ratio[1] - ratio[0], np.sqrt(max(var, 0.0)), ddf, level)


def _row(est: float, se: float, ddf: float, level: float) -> dict:
    q = float(stats.t.ppf(0.5 + level / 2, ddf)) if ddf > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        p = float(2 * stats.t.sf(abs(est / se), ddf)) if se > 0 else np.nan
    return {"estimate": est, "se": se, "ci_low": est - q * se, "ci_high": est + q * se, "df": ddf, "p_value": p}


def _stacked_changes(baseline, endline, cat, cb, by_cols, rounds, level, df) -> pd.DataFrame:
    """Each indicator's change (endline - baseline) with its SE from the stacked rounds.

    The SE is that of the coefficient of the round in ``y ~ round`` fitted on the stacked rounds
    declared with the round structure (:func:`campaign_me.evaluation.pre_post`, equal to R's
    ``svyglm``), on the indicator's denominator (a domain, so every PSU stays in the variance).
    """
    from .evaluation import pre_post

    post = "__round_post"
    stacked, plans = _stack_values(baseline, endline, cat, cb, rounds, post)
    data = stacked.data
    if by_cols:
        missing = [c for c in by_cols if c not in data.columns]
        if missing:
            raise DataError(f"by: column(s) {missing} not in both rounds' data")
        codes = data[by_cols].groupby(by_cols, sort=True, dropna=True, observed=True).ngroup().to_numpy()
        keys = data[by_cols].assign(__dom=codes)
        keys = keys[codes >= 0].drop_duplicates("__dom").sort_values("__dom")
        domains = [(r["__dom"], {c: r[c] for c in by_cols}) for r in keys.to_dict("records")]
    else:
        codes = np.zeros(len(data), dtype=np.int64)
        domains = [(0, {})]
    ddf = _df_arg(df, stacked)
    rows_out = []
    for ind, column, kind, rows, den, problem in plans:
        scale = 100.0 if ind.type == "proportion" else 1.0
        for code, labels in domains:
            rec = {"indicator": ind.id, **labels}
            if column is None:
                rows_out.append({**rec, "stacked_note": problem})
                continue
            sel = rows & (codes == code)
            try:
                if not sel.any():
                    raise DataError("no respondents in the denominator")
                if kind == "ratio":
                    res = _ratio_change(stacked, column, den, sel, post, level, ddf)
                else:
                    r = pre_post(stacked.subset(sel), column, post=post, level=level, df=ddf)
                    res = {"estimate": r.effect, "se": r.se, "ci_low": r.ci_low, "ci_high": r.ci_high,
                           "df": r.df, "p_value": r.p_value}
            except CampaignMeError as err:
                rows_out.append({**rec, "stacked_note": f"no standard error across the rounds: {err}"})
                continue
            for k in ("estimate", "se", "ci_low", "ci_high"):
                res[k] = res[k] * scale
            rows_out.append({**rec, **res, "stacked_note": ""})
    out = pd.DataFrame(rows_out)
    for c in ("estimate", "se", "ci_low", "ci_high", "df", "p_value"):
        if c not in out.columns:
            out[c] = np.nan
    return out


def compare_rounds(
    baseline,
    endline,
    catalogue=None,
    *,
    codebook=None,
    by: str | Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    level: float = 0.95,
    min_n: int = 25,
    flag_n: int = 50,
    df_method: str = "satterthwaite",
    df: float | str | None = None,
    rounds: str | None = None,
) -> pd.DataFrame:
    """Change of each indicator between two survey rounds, with SE, interval and p-value.

    Parameters
    ----------
    baseline, endline : SurveyDesign or DataFrame
        The two rounds as designs, or tables already returned by :func:`compute_indicators` (with
        the same ``by``; independent rounds only).
    catalogue, codebook, by, indicators, level, min_n, flag_n, df
        As :func:`compute_indicators` (``df`` is each round's; with rounds that share clusters, the
        change's: None or ``"degf"`` the regression's residual degrees of freedom, ``"design"`` the
        stacked design's PSUs minus strata minus 1, or a number).
    df_method : {"satterthwaite", "min", "normal"}, default "satterthwaite"
        Degrees of freedom of the change's interval for independent rounds (see
        :func:`campaign_me.contrasts.difference`).
    rounds : {"independent", "same_clusters", "panel"}, optional
        How the rounds relate; default: the codebook's ``rounds`` when a codebook is given, else
        ``"independent"``.

    Returns
    -------
    pandas.DataFrame
        ``indicator, [by...], baseline, endline, change, se, ci_low, ci_high, df, p_value,
        n_baseline, n_endline, suppressed, unit, change_unit, name, level, direction, note``.
        ``change = endline - baseline`` in the indicator's unit; for proportions (unit ``%``) in
        percentage points (``change_unit`` "pp"), for 0-100 scores in "points", otherwise in the
        indicator's unit. A cell suppressed in either round is suppressed.

    Notes
    -----
    Independent rounds are independent samples, so ``se = sqrt(se_b^2 + se_e^2)``. Rounds that
    revisit the same clusters (``"same_clusters"``) or re-interview the same people (``"panel"``)
    are correlated: the rounds are stacked in one design in which a cluster's two rounds form one
    PSU (each person's, for a panel without clusters), and the SE is that of the round's
    coefficient in ``y ~ round`` on the indicator's denominator, as R's
    ``svyglm(y ~ round, svydesign(id = ~cluster, strata = ~stratum, weights = ~w, data = stacked))``
    (:func:`campaign_me.evaluation.combine_rounds`, :func:`campaign_me.evaluation.pre_post`). For a
    panel this links the respondents through their cluster, as R does with the stacked panel: it
    is not the within-person difference, which would drop the people interviewed only once.
    This is a pre-post comparison without a comparison group (Maryland SMS level 1): it cannot
    separate the campaign from anything else that changed; use a difference-in-differences
    (:func:`did_indicators`) for attribution.
    """
    by_cols = _by_list(by)
    cb = _scales._codebook(codebook) if codebook is not None else None
    structure = _rounds_arg(rounds, cb)
    cat = _as_catalogue(catalogue)
    if indicators is not None:
        cat = cat.select(indicators)

    def table(x):
        if isinstance(x, pd.DataFrame):
            return x
        return compute_indicators(
            x,
            cat,
            codebook=cb,
            by=by_cols or None,
            level=level,
            min_n=min_n,
            flag_n=flag_n,
            df=df,
        )

    if structure != "independent":
        for name, x in (("baseline", baseline), ("endline", endline)):
            if isinstance(x, pd.DataFrame):
                raise DataError(
                    f"{name}: rounds={structure!r} needs the rounds' designs, not tables of estimates: the "
                    "covariance between rounds that share clusters or people is not in the tables"
                )
    tb, te = table(baseline), table(endline)
    keys = ["indicator", *by_cols]
    diff = difference(te, tb, on=keys, level=level, df_method=df_method)
    if structure != "independent":
        if cb is not None:
            cat = cat.describe(cb)
        stacked = _stacked_changes(baseline, endline, cat, cb, by_cols, structure, level, df)
        cols = ["se", "ci_low", "ci_high", "df", "p_value"]
        merged = diff[keys].merge(stacked[keys + cols + ["stacked_note"]], on=keys, how="left")
        for c in cols:
            diff[c] = merged[c].to_numpy()
        stacked_note = merged["stacked_note"].fillna("").to_numpy()
    else:
        stacked_note = np.full(len(diff), "", dtype=object)
    meta = pd.concat([te, tb], ignore_index=True).drop_duplicates(keys)[
        keys + ["unit", "name", "level", "direction"]
    ]
    out = diff.merge(meta, on=keys, how="left")
    n_b = tb[keys + ["n", "suppressed", "note"]].rename(
        columns={"n": "n_baseline", "suppressed": "sb", "note": "nb"}
    )
    n_e = te[keys + ["n", "suppressed", "note"]].rename(
        columns={"n": "n_endline", "suppressed": "se_", "note": "ne"}
    )
    out = out.merge(n_b, on=keys, how="left").merge(n_e, on=keys, how="left")
    out = out.rename(columns={"estimate_a": "endline", "estimate_b": "baseline", "estimate": "change"})
    sb = out["sb"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    se_ = out["se_"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    out["suppressed"] = sb | se_
    notes = []
    for b, e, nb, ne, sn in zip(sb, se_, out["nb"].fillna(""), out["ne"].fillna(""), stacked_note):
        parts = []
        if b:
            parts.append(f"baseline: {nb or 'not estimated'}")
        if e:
            parts.append(f"endline: {ne or 'not estimated'}")
        if sn and not (b or e):
            parts.append(sn)
        notes.append("; ".join(parts))
    out["note"] = notes
    out.loc[out["suppressed"], ["change", "se", "ci_low", "ci_high", "df", "p_value"]] = np.nan
    few = ~out["suppressed"] & (out["df"] > 0) & (out["df"] < LOW_DF) & (out["note"] == "")
    out.loc[few, "note"] = [low_df_note(x) for x in out.loc[few, "df"]]
    for c in ("n_baseline", "n_endline"):
        out[c] = out[c].fillna(0).astype("int64")
    out["change_unit"] = out["unit"].map(_change_unit)
    # keep the catalogue order
    order = {k: i for i, k in enumerate(dict.fromkeys(te["indicator"].tolist() + tb["indicator"].tolist()))}
    out = out.sort_values("indicator", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return out[["indicator", *by_cols, *COMPARE_COLUMNS[1:]]]


#: Columns of :func:`did_indicators`.
DID_COLUMNS = (
    "indicator",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "p_value",
    "n",
    "suppressed",
    "unit",
    "name",
    "level",
    "direction",
    "note",
)


def did_indicators(
    baseline,
    endline,
    catalogue=None,
    *,
    codebook=None,
    arm=None,
    rounds: str | None = None,
    indicators: Sequence[str] | None = None,
    level: float = 0.95,
    min_n: int = 25,
    df: float | str | None = None,
) -> pd.DataFrame:
    """The campaign effect on each indicator: a difference-in-differences of the stacked rounds.

    Parameters
    ----------
    baseline, endline : SurveyDesign
        The two rounds (e.g. ``SurveyDesign.from_codebook(data, codebook)``).
    catalogue, codebook, indicators, level
        As :func:`compute_indicators`.
    arm : str or Arm, optional
        The campaign areas: a 0/1 (or yes/no) column, or a :class:`campaign_me.codebook.Arm`.
        Default: the codebook's ``arm``.
    rounds : {"independent", "same_clusters", "panel"}, optional
        How the rounds relate; default: the codebook's ``rounds``, else ``"independent"``.
    min_n : int, default 25
        An effect is blanked and ``suppressed`` when one of the four round x arm cells has fewer
        unweighted cases in the indicator's denominator.
    df : None, "degf", "design" or float
        Degrees of freedom: by default the regression's residual degrees of freedom (as ``svyglm``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DID_COLUMNS`: ``estimate`` is (change in campaign areas) - (change in
        comparison areas) in the change's unit (percentage points for a share), ``n`` the smallest
        of the four cells, ``note`` why a row is blank.

    Notes
    -----
    Each indicator's values are stacked with :func:`campaign_me.evaluation.combine_rounds` (the
    round structure decides the PSUs, as there) and the effect is the ``arm:round`` coefficient of
    :func:`campaign_me.evaluation.did` on the indicator's denominator: R's
    ``svyglm(y ~ arm * round, design = subset(stacked, denominator))``. Ratio indicators are left
    out (note). The effect is attributable to the campaign only under parallel trends.
    """
    from .codebook import Arm
    from .evaluation import did

    cb = _scales._codebook(codebook) if codebook is not None else None
    structure = _rounds_arg(rounds, cb)
    cat = _as_catalogue(catalogue)
    if indicators is not None:
        cat = cat.select(indicators)
    if isinstance(min_n, bool) or not isinstance(min_n, (int, np.integer)) or min_n < 0:
        raise DataError(f"min_n={min_n!r}: give a whole number >= 0")
    if arm is None:
        if cb is None or cb.arm is None:
            raise DataError("arm: name the column of campaign areas, or pass a codebook= that declares arm:")
        arm = cb.arm
    if cb is not None:
        cat = cat.describe(cb)
        for x in (baseline, endline):
            cat.validate(cb, columns=[c for c in x.data.columns if c not in cb])
    post = "__round_post"
    stacked, plans = _stack_values(baseline, endline, cat, cb, structure, post)
    if isinstance(arm, Arm):
        t = arm.mask(stacked.data).to_numpy(dtype=float)
    else:
        from .evaluation import _indicator

        t = _indicator(stacked, arm, "arm")
    stacked = stacked.with_columns(__campaign=t)
    p = stacked.data[post].to_numpy()
    ddf = _df_arg(df, stacked)
    rows = []
    for ind, column, kind, sel, _den, problem in plans:
        rec = {"indicator": ind.id, "unit": _change_unit(ind.unit), "name": ind.name, "level": ind.level,
               "direction": ind.direction}
        if column is None:
            rows.append({**rec, "n": 0, "note": problem})
            continue
        if kind == "ratio":
            rows.append({**rec, "n": int(sel.sum()), "note": "a difference-in-differences of a ratio is not computed"})
            continue
        cells = [int(np.count_nonzero(sel & (t == a) & (p == r))) for a in (0, 1) for r in (0, 1)]
        n = min(cells)
        if n < min_n:
            rows.append({**rec, "n": n, "note": f"suppressed: fewer than {min_n} unweighted cases in a round x arm cell"
                         if n > 0 else "no respondents in a round x arm cell"})
            continue
        try:
            r = did(stacked.subset(sel), column, treated="__campaign", post=post, level=level, df=ddf)
        except CampaignMeError as err:
            rows.append({**rec, "n": n, "note": f"not estimated: {err}"})
            continue
        scale = 100.0 if ind.type == "proportion" else 1.0
        rows.append({**rec, "estimate": scale * r.effect, "se": scale * r.se, "ci_low": scale * r.ci_low,
                     "ci_high": scale * r.ci_high, "df": r.df, "p_value": r.p_value, "n": n,
                     "note": low_df_note(r.df) if 0 < r.df < LOW_DF else ""})
    out = pd.DataFrame(rows)
    for c in DID_COLUMNS:
        if c not in out.columns:
            out[c] = np.nan
    out["suppressed"] = out["estimate"].isna()
    out["n"] = out["n"].fillna(0).astype("int64")
    out["note"] = out["note"].fillna("").astype(object)
    return out[list(DID_COLUMNS)]
