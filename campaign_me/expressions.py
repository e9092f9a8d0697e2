"""The indicator expression language: formulas over codebook variables, checked before they run.

A catalogue entry's ``numerator``, ``denominator``, ``formula`` and ``population`` are written in a
small expression language. An expression is parsed with :mod:`ast` and checked against a whitelist
(:class:`Checker`); user text is never passed to ``eval``. A checked expression is evaluated over
a data frame by :class:`Evaluator`, one value per respondent.

Names are codebook variables (or columns of the data). Allowed: numbers, text in quotes, lists of
constants, ``+ - * /``, comparisons ``== != < <= > >=``, ``in`` / ``not in`` a list, ``and``,
``or``, ``not``, and these functions (:data:`FUNCTIONS`):

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

Yes/no values are 1/0; a missing input gives a missing value (NaN). Names are resolved through the
codebook's ``concept`` keys (:func:`aliases`): with ``concept: risk_aware`` on a question
``aware_risk``, every expression that says ``risk_aware`` reads ``aware_risk``.

>>> chk = Checker(None)
>>> chk.parse("age >= 18 and sex == 'female'").kind, chk.problems
('bool', [])
>>> chk = Checker(None)
>>> _ = chk.parse("__import__('os')")
>>> chk.problems
["unknown function '__import__'; allowed: knowledge, likert, practice, count, any, selected, correct, answered"]

This module is part of the Measures layer (see ``docs/indicators.md``); the catalogue
(:mod:`campaign_me.catalogue`) and the computation (:mod:`campaign_me.indicators`) build on it.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import scales as _scales
from .codebook import Codebook
from .conventions import did_you_mean
from .errors import CampaignMeError

__all__ = [
    "CatalogueError",
    "NeedsCodebook",
    "FUNCTIONS",
    "Parsed",
    "Checker",
    "Evaluator",
    "constant",
    "aliases",
]


class CatalogueError(CampaignMeError):
    """An indicator catalogue is malformed or does not fit the codebook; ``.problems`` lists all."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class NeedsCodebook(CatalogueError):
    """An expression needs scale metadata and no codebook was given."""


def aliases(codebook) -> dict[str, str]:
    """Catalogue name -> the survey's column, from the codebook's ``concept`` keys."""
    concepts = getattr(codebook, "concepts", None) if codebook is not None else None
    return dict(concepts) if concepts else {}


#: The functions an expression may call: name -> (argument kinds, result kind); a kind starting
#: with ``?`` is optional.
FUNCTIONS = {
    "knowledge": (("scale",), "number"),
    "likert": (("scale", "?number"), "number"),
    "practice": (("scale",), "number"),
    "count": (("multi",), "number"),
    "any": (("multi",), "bool"),
    "selected": (("multi", "text"), "bool"),
    "correct": (("item",), "bool"),
    "answered": (("expr",), "bool"),
}
#: Expressions are computed on the distinct combinations of the values they read when the data
#: have at least this many rows (below, computing every row is as quick) ...
_DISTINCT_FROM = 2_000
#: ... and the combinations are at most this share of the rows.
_DISTINCT_SHARE = 0.25
_CMP = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
_BIN = (ast.Add, ast.Sub, ast.Mult, ast.Div)


@dataclass(frozen=True)
class Parsed:
    """A parsed expression: its text, syntax tree, kind and the names it reads."""

    text: str
    tree: ast.expr
    kind: str  # "bool", "number", "text" or "unknown"
    names: tuple[str, ...]


def constant(node: ast.expr):
    """The value of a constant node (a number, text, a bool or a negative number); ValueError if not one."""
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


class Checker:
    """Parse an expression and check it against the whitelist (and, if given, the codebook)."""

    def __init__(self, codebook: Codebook | None, columns: Sequence[str] = ()) -> None:
        self.cb = codebook
        self.columns = set(columns)
        self.problems: list[str] = []
        self.names: list[str] = []
        # what the expression reads: (kind, catalogue name, column or scale) with kind "variable",
        # "scale" or "option" (one option column of a select_multiple)
        self.needs: list[tuple[str, str, str]] = []
        self.alias = aliases(codebook)

    def _res(self, name: str) -> str:
        """The survey's column for a catalogue name (the codebook's ``concept``), else the name."""
        return self.alias.get(name, name)

    def _shown(self, name: str) -> str:
        col = self._res(name)
        return repr(name) if col == name else f"{name!r} (the codebook's {col!r})"

    def parse(self, text: Any) -> Parsed | None:
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
        return Parsed(text, tree, kind, tuple(dict.fromkeys(self.names)))

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
                    values = [constant(e) for e in right.elts]
                except ValueError:
                    self.problems.append("'in' needs a list of constants, e.g. x in ['a', 'b']")
                    return "bool"
            else:
                self._kind(right)
                try:
                    values = [constant(right)]
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
            self.problems.append(f"unknown variable {self._shown(name)}{did_you_mean(name, options)}")
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
                    f"{v!r} is not a code of {self._shown(name)}{did_you_mean(v, codes)} (codes: {', '.join(codes)}), "
                    "so the comparison is never true: the denominator could be empty"
                )

    def _call(self, node: ast.Call) -> str:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            fname = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            self.problems.append(
                f"unknown function {fname!r}{did_you_mean(fname, FUNCTIONS)}; allowed: {', '.join(FUNCTIONS)}"
            )
            return "unknown"
        fname = node.func.id
        spec, result = FUNCTIONS[fname]
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
                    v = constant(arg)
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
                    opt = constant(args[1])
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
                        f"unknown scale {name!r}{did_you_mean(name, known)}; scales: {', '.join(known)}"
                    )
            elif col not in self.cb:
                self.problems.append(
                    f"unknown variable {self._shown(name)}{did_you_mean(name, list(self.cb.names) + list(self.alias))}"
                )
            elif kind == "multi" and self.cb[col].type != "select_multiple":
                self.problems.append(
                    f"{fname}(): {self._shown(name)} is {self.cb[col].type}, not a select_multiple question"
                )
            elif opt is not None:
                opts = [str(c) for c in self.cb[col].codes]
                if str(opt) not in opts:
                    self.problems.append(
                        f"selected(): {opt!r} is not an option of {self._shown(name)}{did_you_mean(opt, opts)}"
                    )
            elif kind == "item" and not self.cb[col].correct:
                self.problems.append(f"correct(): {self._shown(name)} has no 'correct' code in the codebook")
            if kind != "scale":
                self.names.append(name)
        return result


class Evaluator:
    """Evaluate a checked expression over a data frame (numpy float arrays, NaN = missing)."""

    def __init__(self, data: pd.DataFrame, codebook: Codebook | None) -> None:
        self.data = data
        self.cb = codebook
        self.cache: dict[str, Any] = {}
        self.n = len(data)
        self.alias = aliases(codebook)

    def _res(self, name: str) -> str:
        return self.alias.get(name, name)

    def _need_cb(self, what: str) -> Codebook:
        if self.cb is None:
            raise NeedsCodebook(
                f"{what} needs the codebook: pass codebook= (a Codebook or the path of codebook.yaml)"
            )
        return self.cb

    def evaluate(self, tree: ast.expr) -> np.ndarray:
        """The value of a checked expression for every row, as a float array (NaN = missing).

        The expression is computed once per distinct combination of the values it reads (a
        survey has few: yes/no answers, codes, items of a scale) and taken back to the rows by
        that combination, so the work and the memory are those of the distinct rows, not of the
        data. Where the combinations are nearly as many as the rows, or anything goes wrong (a
        missing column, a bad value: the error must name the data's rows), the expression is
        computed on every row as :meth:`eval` does.
        """
        values, inverse = self.evaluate_distinct(tree)
        # the distinct values are kept, the rows' values made on each call: 8 bytes a row are not
        # held for every expression
        return values[inverse] if inverse is not None else values

    def evaluate_distinct(self, tree: ast.expr) -> tuple[np.ndarray, np.ndarray | None]:
        """``(values, inverse)``: the expression's value on each distinct combination of the values
        it reads, and each row's combination, so that ``values[inverse]`` is :meth:`evaluate`;
        ``inverse`` is None when ``values`` has one value per row already."""
        key = f"expr:{ast.unparse(tree)}"
        if key not in self.cache:
            self.cache[key] = self._distinct(tree)
        return self.cache[key]

    def _distinct(self, tree: ast.expr) -> tuple[np.ndarray, np.ndarray | None]:
        """The expression's values on the distinct combinations and each row's combination, or
        ``(values of every row, None)``."""
        columns = self._reads(tree)
        if columns is not None and self.n >= _DISTINCT_FROM:
            groups = self._groups(tuple(sorted(columns)))
            if groups is not None:
                inverse, first = groups
                small = Evaluator(self.data[sorted(columns)].iloc[first], self.cb)
                try:
                    values = np.broadcast_to(
                        np.asarray(small._num(small.eval(tree)), dtype=float), (len(first),)
                    )
                except Exception:  # computed again on every row below, which raises it there
                    values = None
                if values is not None:
                    return np.ascontiguousarray(values), inverse
        return np.broadcast_to(np.asarray(self._num(self.eval(tree)), dtype=float), (self.n,)), None

    def _reads(self, tree: ast.expr) -> set[str] | None:
        """The data columns an expression reads, or None if that cannot be told (then every row is
        computed)."""
        cols: set[str] = set()
        todo = [tree]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Name):
                cols.add(self._res(node.id))
            elif isinstance(node, ast.Call):
                if not isinstance(node.func, ast.Name) or not node.args:
                    return None
                fname, args = node.func.id, node.args
                if fname == "answered":
                    todo.extend(args)
                    continue
                if self.cb is None and fname != "selected":
                    return None
                arg = args[0]
                name = arg.value if isinstance(arg, ast.Constant) else getattr(arg, "id", None)
                if not isinstance(name, str):
                    return None
                if fname in ("knowledge", "likert", "practice"):
                    if name not in self.cb.scales():
                        return None
                    for item in self.cb.items(name):
                        cols.update(self.cb[item].columns())
                elif fname == "selected":
                    try:
                        cols.add(f"{self._res(name)}/{constant(args[1])}")
                    except (ValueError, IndexError):
                        return None
                else:  # count, any, correct
                    column = self._res(name)
                    if column not in self.cb:
                        return None
                    cols.update(self.cb[column].columns())
            else:
                todo.extend(ast.iter_child_nodes(node))
        if not cols or not cols <= set(self.data.columns):
            return None
        return cols

    def _codes(self, column: str) -> tuple[np.ndarray, int]:
        """A code per row for the column's value (equal values, equal codes; missing its own code),
        and the number of codes ``k`` (codes are ``0..k-1``, not all of them need be used)."""
        key = f"codes:{column}"
        if key not in self.cache:
            col = self.data[column]
            values = col.array
            codes = None
            if isinstance(values, pd.arrays.BooleanArray):
                missing = values.isna()
                codes = values.to_numpy(dtype=np.uint8, na_value=0)
                codes[missing] = 2
                k = 3
            elif isinstance(values, pd.arrays.IntegerArray) and len(values):
                mask = values.isna()
                data = values.to_numpy(dtype=np.int64, na_value=0)
                present = data[~mask] if mask.any() else data
                if len(present):
                    low, high = int(present.min()), int(present.max())
                    if high - low < 2**16:  # a small range: the values themselves are the codes
                        codes = (data - (low - 1)).astype(np.min_scalar_type(high - low + 1))
                        codes[mask] = 0
                        k = high - low + 2
            if codes is None:
                codes, uniques = pd.factorize(col, use_na_sentinel=False)
                k = max(len(uniques), 1)
                codes = codes.astype(np.min_scalar_type(k))
            self.cache[key] = (codes, k)
        return self.cache[key]

    def _groups(self, columns: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
        """Per row the number of its combination of the columns' values, and one row of each combination.

        None when the combinations are too many to be worth it.
        """
        key = f"groups:{'|'.join(columns)}"
        if key in self.cache:
            return self.cache[key]
        combined = None
        size = 1
        for column in columns:
            codes, k = self._codes(column)
            if combined is None:
                combined, size = codes, k  # one column: its codes (no copy)
                continue
            if size * k >= 2**62:
                combined, uniques = pd.factorize(combined)
                size = len(uniques)
            size *= k
            wider = combined.astype(np.int32 if size < 2**31 else np.int64)
            wider *= k
            wider += codes
            combined = wider
        if "rows" not in self.cache:
            self.cache["rows"] = np.arange(self.n)
        if size <= 4 * self.n:  # combinations found by their number, without hashing or sorting
            first = np.full(size, -1, dtype=np.int64)
            first[combined] = self.cache["rows"]  # any row of a combination stands for all of them
            seen = first >= 0
            ngroups = int(np.count_nonzero(seen))
            if ngroups == size:
                inverse = combined
            else:
                rank = np.cumsum(seen) - 1
                inverse = rank.astype(np.min_scalar_type(ngroups))[combined]
                first = first[seen]
        else:
            inverse, uniques = pd.factorize(combined)
            ngroups = len(uniques)
            first = np.empty(ngroups, dtype=np.int64)
            first[inverse] = self.cache["rows"]
        del combined
        if ngroups > self.n * _DISTINCT_SHARE:
            out = None
        else:
            out = (inverse.astype(np.min_scalar_type(ngroups), copy=False), first)
        self.cache[key] = out
        return out

    def column(self, name: str):
        key = f"col:{name}"
        if key in self.cache:
            return self.cache[key]
        column = self._res(name)
        if column not in self.data.columns:
            shown = repr(name) if column == name else f"{name!r} (the codebook's {column!r})"
            raise CatalogueError(
                f"variable {shown} is not a column of the data{did_you_mean(column, self.data.columns)}"
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
            values = [constant(e) for e in node.comparators[0].elts]
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
            col = f"{self._res(name(0))}/{constant(args[1])}"
            out = self.column(col)
        else:
            cb = self._need_cb(f"{fname}()")
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                if fname == "knowledge":
                    out = _scales.knowledge_score(self.data, cb, name(0)).to_numpy()
                elif fname == "likert":
                    share = constant(args[1]) if len(args) > 1 else 0.8
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
