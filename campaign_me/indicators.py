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
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
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
    "INDICATOR_COLUMNS",
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
        if self.cb is not None and name in self.cb:
            var = self.cb[name]
            if var.type == "select_multiple":
                self.problems.append(
                    f"{name!r} is a select_multiple question; use any({name}), count({name}) or "
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
        if name in self.columns:
            return "unknown"
        if self.cb is not None:
            options = list(self.cb.names) + sorted(self.columns)
            self.problems.append(f"unknown variable {name!r}{_suggest(name, options)}")
        return "unknown"

    def _check_codes(self, name: str, values: list) -> None:
        if self.cb is None or name not in self.cb:
            return
        var = self.cb[name]
        if var.type != "categorical" or not var.codes:
            return
        codes = [str(c) for c in var.codes]
        for v in values:
            if str(v) not in codes:
                self.problems.append(
                    f"{v!r} is not a code of {name!r}{_suggest(v, codes)} (codes: {', '.join(codes)}), "
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
            if self.cb is None:
                continue
            if kind == "scale":
                known = self.cb.scales()
                if name not in known:
                    self.problems.append(
                        f"unknown scale {name!r}{_suggest(name, known)}; scales: {', '.join(known)}"
                    )
            elif name not in self.cb:
                self.problems.append(f"unknown variable {name!r}{_suggest(name, self.cb.names)}")
            elif kind == "multi" and self.cb[name].type != "select_multiple":
                self.problems.append(
                    f"{fname}(): {name!r} is {self.cb[name].type}, not a select_multiple question"
                )
            elif kind == "multi" and fname == "selected" and len(args) == 2:
                try:
                    opt = _constant(args[1])
                except ValueError:
                    opt = None
                opts = [str(c) for c in self.cb[name].codes]
                if opt is not None and str(opt) not in opts:
                    self.problems.append(
                        f"selected(): {opt!r} is not an option of {name!r}{_suggest(opt, opts)}"
                    )
            elif kind == "item" and not self.cb[name].correct:
                self.problems.append(f"correct(): {name!r} has no 'correct' code in the codebook")
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
        if name not in self.data.columns:
            raise CatalogueError(
                f"variable {name!r} is not a column of the data{_suggest(name, self.data.columns)}"
            )
        col = self.data[name]
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
            col = f"{name(0)}/{_constant(args[1])}"
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
                    out = _scales.count_selected(self.data, cb, name(0)).to_numpy()
                elif fname == "any":
                    out = _scales.at_least(self.data, cb, name(0), 1).to_numpy()
                elif fname == "correct":
                    var = cb[name(0)]
                    self.column(name(0))  # a clear error if the column is missing
                    out = _scales._matches(self.data[name(0)], var.correct)
                else:  # pragma: no cover - the checker allows only the functions above
                    raise CatalogueError(f"unknown function {fname!r}")
        out = np.asarray(out, dtype=float)
        self.cache[key] = out
        return out


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

    def expressions(self) -> dict[str, str]:
        """The expressions of the entry, by field name."""
        return {
            k: getattr(self, k)
            for k in ("numerator", "denominator", "formula", "population")
            if getattr(self, k) is not None
        }


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
        Validate every expression against it (see :meth:`Catalogue.validate`).

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
        cat.validate(codebook)
    return cat


# --------------------------------------------------------------------------------------------------
# computation
# --------------------------------------------------------------------------------------------------
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
        cat.validate(cb, columns=[c for c in data.columns if c not in cb])
    ev = _Evaluator(data, cb)
    derived: dict[str, np.ndarray] = {}
    plans = []
    for i, ind in enumerate(cat):
        prefix = f"__ind{i}"
        try:
            exprs = {k: _Checker(cb, data.columns).parse(v) for k, v in ind.expressions().items()}
            vals = {k: ev.eval(p.tree) for k, p in exprs.items() if p is not None}
            vals = {
                k: np.broadcast_to(np.asarray(ev._num(v), dtype=float), (len(data),)) for k, v in vals.items()
            }
        except _NeedsCodebook as err:
            raise _NeedsCodebook(f"indicator {ind.id!r}: {err}") from None
        except CampaignMeError as err:
            plans.append((ind, None, None, None, f"cannot evaluate: {err}"))
            continue
        mask = np.ones(len(data), dtype=bool)
        if "population" in vals:
            mask &= vals["population"] == 1
        ratio_den = None
        if ind.type == "proportion":
            y = vals["numerator"]
            if "denominator" in vals:
                mask &= vals["denominator"] == 1
            kind = "proportion"
            bad = ~np.isnan(y) & ~np.isin(y, [0.0, 1.0])
            if bad.any():
                plans.append((ind, None, None, None, "numerator is not yes/no (values other than 0/1)"))
                continue
        elif ind.type == "ratio":
            y = vals["numerator"]
            derived[f"{prefix}d"] = vals["denominator"]
            ratio_den = f"{prefix}d"
            kind = "ratio"
        else:
            y = vals["formula"]
            kind = "mean"
        derived[prefix] = y
        mask &= ~np.isnan(y)
        if ratio_den is not None:
            mask &= ~np.isnan(derived[ratio_den])
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
) -> pd.DataFrame:
    """Change of each indicator between two independent survey rounds, with SE, interval and p-value.

    Parameters
    ----------
    baseline, endline : SurveyDesign or DataFrame
        The two rounds as designs, or tables already returned by :func:`compute_indicators` (with
        the same ``by``).
    catalogue, codebook, by, indicators, level, min_n, flag_n, df
        As :func:`compute_indicators` (``df`` is each round's).
    df_method : {"satterthwaite", "min", "normal"}, default "satterthwaite"
        Degrees of freedom of the change's interval (see :func:`campaign_me.contrasts.difference`).

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
    The rounds are independent samples, so ``se = sqrt(se_b^2 + se_e^2)``. This is a pre-post
    comparison without a comparison group (Maryland SMS level 1): it cannot separate the campaign
    from anything else that changed; use a difference-in-differences for attribution.
    """
    by_cols = _by_list(by)

    def table(x):
        if isinstance(x, pd.DataFrame):
            return x
        return compute_indicators(
            x,
            catalogue,
            codebook=codebook,
            by=by_cols or None,
            indicators=indicators,
            level=level,
            min_n=min_n,
            flag_n=flag_n,
            df=df,
        )

    tb, te = table(baseline), table(endline)
    keys = ["indicator", *by_cols]
    diff = difference(te, tb, on=keys, level=level, df_method=df_method)
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
    for b, e, nb, ne in zip(sb, se_, out["nb"].fillna(""), out["ne"].fillna("")):
        parts = []
        if b:
            parts.append(f"baseline: {nb or 'not estimated'}")
        if e:
            parts.append(f"endline: {ne or 'not estimated'}")
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
