"""Strict, bounded reading of the project's YAML definition files, and their problem collector.

Codebooks, indicator catalogues and logframes are YAML files written by hand. They are read the same
way:

* YAML 1.2 booleans: only ``true``/``false`` (any case) are booleans; ``yes``, ``no``, ``on``, ``off``
  stay text, so ``codes: {yes: Yes, no: No}`` means what it says;
* YAML 1.2 integers: ``010`` is the text ``"010"`` (not octal 8), ``1_000`` and ``1:30`` are text;
* dates stay text (``2025-03-01`` is ``"2025-03-01"``);
* a key given twice is an error naming both lines;
* bounded: the file size (``max_bytes``), the nesting depth (``max_depth``) and the number of values,
  as written and once anchors and aliases are expanded (``max_nodes``), are capped, so that a small
  hostile file cannot exhaust memory or the stack; the nesting and the values written are counted
  on libyaml's parser events before any value is built;
* fast: libyaml (PyYAML's C extension, in its wheels) scans and parses; a codebook of 200,000 codes
  (3 MB) reads in about 2 s. Without libyaml, files over :data:`MAX_BYTES_WITHOUT_LIBYAML` are refused.

:func:`load_yaml` reads a file, :func:`parse_yaml` reads text. :class:`ProblemCollector` gathers every
problem found while checking the parsed content and raises one error listing them all, each value
shortened by :func:`short` (messages stay readable whatever the file holds).

Examples
--------
>>> parse_yaml("codes: {yes: Yes, no: No}\\nn: 010\\non: 2025-03-01", name="demo.yaml")
{'codes': {'yes': 'Yes', 'no': 'No'}, 'n': '010', 'on': '2025-03-01'}
>>> out = ProblemCollector("'demo.yaml'", what="indicator catalogue")
>>> out.add("indicator 'k1'", f"key 'points' must be a whole number, got {short('x' * 500, limit=10)}")
>>> out.raise_if_any()
Traceback (most recent call last):
...
campaign_me.errors.CodebookError: indicator catalogue 'demo.yaml' has 1 problem:
  - indicator 'k1': key 'points' must be a whole number, got 'xxxxxxxxx... (502 characters)
"""

from __future__ import annotations

import gc
import os
import re
from pathlib import Path
from typing import Any

import yaml

from campaign_me.conventions import did_you_mean
from campaign_me.errors import CampaignMeError, CodebookError

__all__ = [
    "FAST",
    "MAX_BYTES",
    "MAX_BYTES_WITHOUT_LIBYAML",
    "MAX_DEPTH",
    "MAX_NODES",
    "ProblemCollector",
    "load_yaml",
    "parse_yaml",
    "short",
    "suggest",
]

#: Largest YAML file read (bytes). A codebook of 2,000 variables is about 300 kB.
MAX_BYTES = 5_000_000
#: Deepest nesting of mappings and lists.
MAX_DEPTH = 64
#: Most values (scalars, mappings, lists) once anchors and aliases are expanded.
MAX_NODES = 1_000_000
#: Largest YAML file read when PyYAML lacks libyaml (its pure-Python reader takes about 10 s a megabyte).
MAX_BYTES_WITHOUT_LIBYAML = 1_000_000


_MERGE = "tag:yaml.org,2002:merge"


class _StrictMapping:
    """Mixin for the loaders: a mapping key given twice is an error naming both lines."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not any(key_node.tag == _MERGE for key_node, _ in node.value):
            mapping = super().construct_mapping(node, deep=deep)  # type: ignore[misc]
            if len(mapping) == len(node.value):  # no key twice: the usual case, checked at no cost
                return mapping
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            try:
                first = seen.get(key)
            except TypeError:  # unhashable key: let PyYAML report it
                continue
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {short(key)} twice (first on line {first})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _Loader(_StrictMapping, yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and integers, dates kept as text and duplicate keys rejected."""


#: Whether PyYAML was built with libyaml: its C scanner and parser read a codebook about 20 times
#: faster than the pure-Python ones (a 3 MB codebook of 200,000 codes in about 2 s instead of 60 s).
FAST = bool(getattr(yaml, "__with_libyaml__", False))

if FAST:

    class _CLoader(_StrictMapping, yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        """The same rules as :class:`_Loader`, on libyaml's scanner and parser (the resolvers and
        constructors below are Python and shared)."""

    _LOADERS: tuple[type, ...] = (_Loader, _CLoader)
else:  # pragma: no cover - PyYAML's wheels and conda packages include libyaml
    _CLoader = _Loader  # type: ignore[misc,assignment]
    _LOADERS = (_Loader,)

# YAML 1.2 integers: decimal, 0o octal and 0x hex. PyYAML's YAML 1.1 rules would read 010 as octal 8,
# 1_000 as 1000 and 1:30 as 90. A decimal with a leading zero (01, 010, -07) stays text, so data codes
# such as "01" are kept exactly as written and match the file.
_YAML12_INT = re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$")


def _construct_yaml12_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).strip()
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if len(digits) > 40:  # no codebook needs more; int() of huge text is slow
        raise yaml.constructor.ConstructorError(
            None, None, f"the number {short(text)} is too long", node.start_mark
        )
    if digits.lower().startswith("0o"):
        return sign * int(digits[2:], 8)
    if digits.lower().startswith("0x"):
        return sign * int(digits[2:], 16)
    try:
        return sign * int(digits, 10)
    except ValueError:  # an explicit !!int tag on text that is not a number
        raise yaml.constructor.ConstructorError(
            None, None, f"{short(text)} is not a whole number", node.start_mark
        ) from None


for _cls in _LOADERS:
    _cls.yaml_implicit_resolvers = {
        first: [
            r
            for r in resolvers
            if r[0] not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _cls.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    _cls.add_implicit_resolver("tag:yaml.org,2002:int", _YAML12_INT, list("-+0123456789"))
    _cls.add_constructor("tag:yaml.org,2002:int", _construct_yaml12_int)


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` shortened to about ``limit`` characters, with non-printable characters escaped.

    Examples
    --------
    >>> short("abc")
    "'abc'"
    >>> short(list(range(100)), limit=20)
    '[0, 1, 2, 3, 4, 5, 6... (390 characters)'
    """
    if isinstance(value, (list, tuple, dict, set)) and len(value) > 1000:
        text = f"<{type(value).__name__} of {len(value)} items>"
    else:
        text = repr(value)
    if len(text) <= limit + 3:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


#: `` (did you mean 'x'?)`` for the closest of the options, or ``""``: the one helper,
#: :func:`campaign_me.conventions.did_you_mean`, under the name the definition-file readers use.
suggest = did_you_mean


class ProblemCollector:
    """Collect the problems of a definition file; raise them all at once.

    Parameters
    ----------
    source : str
        How the file is named in the message, e.g. ``"'codebook.yaml'"``.
    what : str, default "codebook"
        What the file is: ``"codebook"``, ``"indicator catalogue"``, ``"logframe"``...
    error : type, default CodebookError
        The :class:`~campaign_me.errors.CampaignMeError` subclass raised.
    limit : int, default 50
        At most this many problems are listed (the count says how many there are).
    max_length : int, default 400
        Each problem is cut to this many characters.
    """

    def __init__(
        self,
        source: str,
        *,
        what: str = "codebook",
        error: type[CampaignMeError] = CodebookError,
        limit: int = 50,
        max_length: int = 400,
    ) -> None:
        self.source = source
        self.what = what
        self.error = error
        self.limit = limit
        self.max_length = max_length
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        """Record one problem: ``where`` (e.g. ``"variable 'age'"``) and what is wrong."""
        text = f"{where}: {message}"
        if len(text) > self.max_length:
            text = text[: self.max_length] + f"... ({len(text)} characters)"
        self.messages.append(text)

    def __len__(self) -> int:
        return len(self.messages)

    def raise_if_any(self) -> None:
        """Raise ``error`` listing every problem, if there is any."""
        if self.messages:
            n = len(self.messages)
            shown = self.messages[: self.limit]
            lines = "\n".join(f"  - {m}" for m in shown)
            if n > len(shown):
                lines += f"\n  ... and {n - len(shown)} more"
            raise self.error(f"{self.what} {self.source} has {n} problem{'s' * (n != 1)}:\n{lines}")


def _check_depth(text: str, name: str, what: str, max_depth: int, error: type[CampaignMeError]) -> None:
    """Refuse nesting deeper than ``max_depth`` before PyYAML's recursive (pure-Python) composer sees it."""
    depth = 0
    starts = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken, yaml.BlockMappingStartToken,
              yaml.BlockSequenceStartToken)  # fmt: skip
    ends = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, starts):
                depth += 1
                if depth > max_depth:
                    line = token.start_mark.line + 1
                    raise error(
                        f"{what} {name!r} nests lists or mappings more than {max_depth} levels deep "
                        f"(at line {line}); a {what} needs a few levels"
                    )
            elif isinstance(token, ends):
                depth -= 1
    except yaml.YAMLError:
        return  # reported with its position by the parser


def _count_nodes(obj: Any, max_nodes: int) -> int:
    """Number of values in ``obj`` with aliases expanded (shared objects counted each time they appear)."""
    sizes: dict[int, int] = {}

    def size(o: Any) -> int:
        if isinstance(o, dict):
            key = id(o)
            if key not in sizes:
                sizes[key] = 0  # a cycle counts once
                sizes[key] = 1 + sum(size(k) + size(v) for k, v in o.items())
            return sizes[key]
        if isinstance(o, list):
            key = id(o)
            if key not in sizes:
                sizes[key] = 0
                sizes[key] = 1 + sum(size(v) for v in o)
            return sizes[key]
        return 1

    try:
        return size(obj)
    except RecursionError:
        return max_nodes + 1


def _load(
    text: str, name: str, what: str, error: type[CampaignMeError], max_depth: int, max_nodes: int
) -> Any:
    """The YAML document in ``text``, its nesting and size checked before any of it is built.

    With libyaml, a first pass over libyaml's parser events (one event at a time, in constant memory)
    checks the nesting and counts the values, so that a file of millions of tiny values is refused
    before the nodes are built (each costs about half a kilobyte); then libyaml composes the nodes and
    the Python constructors build the values. Without libyaml, the tokens are scanned for the nesting
    first, as PyYAML's pure-Python composer is recursive.
    """
    if FAST:
        _check_events(text, name, what, error, max_depth, max_nodes)
    else:
        _check_depth(text, name, what, max_depth, error)
    # The garbage collector would walk the growing node graph again and again while it is built (it
    # doubled the time); the graph holds no reference cycles to collect, and its size is bounded above.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return yaml.load(text, Loader=_CLoader if FAST else _Loader)  # both derive from SafeLoader
    finally:
        if enabled:
            gc.enable()


def _check_events(
    text: str, name: str, what: str, error: type[CampaignMeError], max_depth: int, max_nodes: int
) -> None:
    """Refuse nesting deeper than ``max_depth`` and more than ``max_nodes`` values (aliases counted
    once here; :func:`_count_nodes` counts them expanded once the values are built)."""
    starts = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    depth = 0
    count = 0
    try:
        for event in yaml.parse(text, Loader=_CLoader):
            if isinstance(event, starts):
                depth += 1
                if depth > max_depth:
                    raise error(
                        f"{what} {name!r} nests lists or mappings more than {max_depth} levels deep "
                        f"(at line {event.start_mark.line + 1}); a {what} needs a few levels"
                    )
            elif isinstance(event, ends):
                depth -= 1
                continue
            count += 1
            if count > max_nodes:
                raise error(
                    f"{what} {name!r} holds more than {max_nodes:,} values; write fewer or split the file"
                )
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None and "maximum nesting depth" in str(getattr(exc, "problem", "")):  # libyaml: 1,000
            raise error(
                f"{what} {name!r} nests lists or mappings more than {max_depth} levels deep "
                f"(at line {mark.line + 1}); a {what} needs a few levels"
            ) from None
        raise


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    """`` at line L, column C: what is wrong`` from a PyYAML or libyaml error, with the offending
    character named where libyaml does not name it, and the position of the end of the text (which
    libyaml puts on the line after it) on the text's last line."""
    mark = getattr(exc, "problem_mark", None)
    where = ""
    problem = str(getattr(exc, "problem", None) or exc)
    if mark is not None:
        line, column = mark.line, mark.column
        lines = text.split("\n")
        if line >= len(lines):  # the end of a text without a final line break
            line, column = len(lines) - 1, len(lines[-1])
        elif problem in ("found character that cannot start any token", "found unknown escape character"):
            if problem.endswith("escape character") and lines[line][column : column + 1] == "\\":
                column += 1  # libyaml points at the backslash, PyYAML at the character after it
            if column < len(lines[line]):
                ch = lines[line][column]
                problem = problem.replace("character", f"character {ch!r}", 1)
        elif problem == "found undefined alias":
            m = re.match(r"\*([^\s,\[\]{}]+)", lines[line][column:]) if line < len(lines) else None
            if m:
                problem += f" {m.group(1)!r}"
        where = f" at line {line + 1}, column {column + 1}"
    context = getattr(exc, "context", None)
    problem = f"{context}: {problem}" if context and "twice" not in problem else problem
    if len(problem) > 300:
        problem = problem[:300] + "..."
    return f"{where}: {problem}"


def parse_yaml(
    text: str,
    *,
    name: str = "(text)",
    what: str = "codebook",
    error: type[CampaignMeError] = CodebookError,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Any:
    """Parse YAML text strictly (see the module docstring).

    Parameters
    ----------
    text : str
        The YAML text.
    name : str
        The file name used in messages.
    what : str, default "codebook"
        What the file is, for messages.
    error : type, default CodebookError
        The error raised on invalid or oversized YAML.
    max_depth, max_nodes : int
        Bounds on the nesting depth and on the number of values with aliases expanded.

    Returns
    -------
    object
        The parsed content (usually a dict).
    """
    try:
        data = _load(text, name, what, error, max_depth, max_nodes)
    except RecursionError:
        raise error(f"{what} {name!r} nests lists or mappings too deeply to read.") from None
    except yaml.YAMLError as exc:
        raise error(f"{what} {name!r} is not valid YAML{_yaml_problem(exc, text)}.") from None
    n = _count_nodes(data, max_nodes)
    if n > max_nodes:
        raise error(
            f"{what} {name!r} expands to more than {max_nodes:,} values (anchors and aliases "
            "repeated many times?); write the values out or split the file"
        )
    return data


def load_yaml(
    path: str | os.PathLike[str],
    *,
    what: str = "codebook",
    error: type[CampaignMeError] = CodebookError,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Any:
    """Read a YAML file strictly (UTF-8, with or without BOM); see :func:`parse_yaml`.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    CodebookError (or ``error``)
        If the file is larger than ``max_bytes``, is not UTF-8, is not valid YAML or exceeds a bound.
    """
    p = Path(path)
    if not p.is_file():
        kind = "is a folder, not a file" if p.is_dir() else "does not exist"
        raise FileNotFoundError(f"{what} {str(p)!r} {kind}.")
    size = p.stat().st_size
    if size > max_bytes:
        raise error(f"{what} {p.name!r} is {size:,} bytes; at most {max_bytes:,} are read.")
    if not FAST and size > min(max_bytes, MAX_BYTES_WITHOUT_LIBYAML):
        raise error(
            f"{what} {p.name!r} is {size:,} bytes; without libyaml at most {MAX_BYTES_WITHOUT_LIBYAML:,} are "
            "read (PyYAML's pure-Python reader takes about 10 s a megabyte): install PyYAML from a wheel "
            "(pip install --force-reinstall pyyaml), which includes libyaml"
        )
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{what} {p.name!r} is not UTF-8 text (byte {exc.start}).") from None
    return parse_yaml(text, name=p.name, what=what, error=error, max_depth=max_depth, max_nodes=max_nodes)
