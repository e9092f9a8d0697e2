"""Finding the workbook's notebooks and checking the parameters a run passes to them."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..deferred import Deferred
from ..errors import CampaignMeError
from .kernel import import_once

# deferred: papermill takes 1 to 4 s to import; only reading a notebook's parameters needs it
pm = Deferred("papermill")

__all__ = [
    "REPORT_NOTEBOOKS",
    "SYNTHESIS_NOTEBOOK",
    "ReportError",
    "Parameter",
    "notebook_dir",
    "find_notebook",
    "list_notebooks",
    "notebook_parameters",
    "parse_parameters",
    "check_parameters",
]

#: Notebooks executed for a country report, in order (names without ``.ipynb``).
REPORT_NOTEBOOKS: tuple[str, ...] = ("07_country_report",)
#: The notebook that reads the results store and compares countries.
SYNTHESIS_NOTEBOOK = "08_regional_synthesis"


class ReportError(CampaignMeError):
    """A report run was asked something it cannot do (unknown notebook, parameter, country or path)."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of a notebook's ``parameters`` cell."""

    name: str
    type: str  # as written in the annotation ("str", "int", "float", "bool"), or "None"
    default: str  # the literal, as written
    help: str


def notebook_dir() -> Path:
    """The folder that holds the workbook notebooks.

    An installed package carries them as package data (``campaign_me/notebooks``); a checkout
    has them at the top level (``notebooks/``). The environment variable
    ``CAMPAIGN_ME_NOTEBOOKS`` overrides both.

    Examples
    --------
    >>> (notebook_dir() / "07_country_report.ipynb").is_file()
    True
    """
    env = os.environ.get("CAMPAIGN_ME_NOTEBOOKS")
    if env:
        return Path(env).resolve()
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "notebooks", package.parent / "notebooks"):
        if candidate.is_dir() and any(candidate.glob("*.ipynb")):
            return candidate
    raise ReportError(
        f"the workbook notebooks are not in {package / 'notebooks'} nor in {package.parent / 'notebooks'}; "
        "reinstall campaign_me, or set CAMPAIGN_ME_NOTEBOOKS to the folder that holds them"
    )


def find_notebook(name: str | os.PathLike[str]) -> Path:
    """Path of a notebook given its name (``"07_country_report"``, with or without ``.ipynb``) or a path."""
    path = Path(name)
    if path.suffix == ".ipynb" and (path.is_file() or len(path.parts) > 1):
        if not path.is_file():
            raise ReportError(f"notebook {str(path)!r} does not exist")
        return path.resolve()
    folder = notebook_dir()
    stem = path.name[:-6] if path.name.endswith(".ipynb") else path.name
    candidate = folder / f"{stem}.ipynb"
    if candidate.is_file():
        return candidate
    names = sorted(p.stem for p in folder.glob("*.ipynb"))
    close = difflib.get_close_matches(stem, names, n=1, cutoff=0.4)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ReportError(f"no notebook {stem!r} in {folder} (it has {', '.join(names)}){hint}")


def notebook_parameters(name: str | os.PathLike[str]) -> dict[str, Parameter]:
    """The parameters a notebook declares in its cell tagged ``parameters`` (papermill's reading)."""
    path = find_notebook(name)
    import_once("papermill")  # not at the same time as another thread's first import of jupyter_client
    inferred = pm.inspect_notebook(str(path))
    return {
        key: Parameter(
            name=key,
            type=str(spec.get("inferred_type_name", "None")),
            default=str(spec.get("default", "")),
            help=str(spec.get("help", "")),
        )
        for key, spec in inferred.items()
    }


def list_notebooks() -> list[tuple[str, dict[str, Parameter]]]:
    """Every workbook notebook with its parameters, sorted by name.

    Examples
    --------
    >>> names = [name for name, _ in list_notebooks()]
    >>> "07_country_report" in names
    True
    """
    folder = notebook_dir()
    return [(p.stem, notebook_parameters(p)) for p in sorted(folder.glob("*.ipynb"))]


_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _convert(notebook: str, param: Parameter, raw: Any) -> Any:
    """``raw`` converted to the parameter's declared type, or a ReportError saying why not."""
    kind = param.type.replace(" ", "")
    if not isinstance(raw, str):
        value = raw
    elif kind == "bool":
        low = raw.strip().lower()
        if low not in _TRUE | _FALSE:
            raise ReportError(f"parameter {param.name!r} of {notebook}: {raw!r} is not true or false")
        return low in _TRUE
    elif kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ReportError(f"parameter {param.name!r} of {notebook}: {raw!r} is not a whole number") from None
    elif kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise ReportError(f"parameter {param.name!r} of {notebook}: {raw!r} is not a number") from None
    elif kind == "str":
        return raw
    else:  # untyped or compound: read it as YAML (lists, numbers), as papermill's -y does
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError:
            return raw
    ok = {
        "bool": lambda v: isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "str": lambda v: isinstance(v, str),
    }
    if kind in ok and not ok[kind](value):
        raise ReportError(f"parameter {param.name!r} of {notebook}: {value!r} is not a {kind}")
    return float(value) if kind == "float" else value


def parse_parameters(items: list[str] | None) -> dict[str, str]:
    """``["level=0.9", "min_n=30"]`` (the command line's ``-p key=value``) as a dict of strings.

    Examples
    --------
    >>> parse_parameters(["level=0.9", "label=North and East"])
    {'level': '0.9', 'label': 'North and East'}
    """
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ReportError(f"-p {item!r}: write parameters as key=value, e.g. -p level=0.9")
        out[key] = value
    return out


def check_parameters(notebooks: list[str | os.PathLike[str]], parameters: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Check ``parameters`` against what the notebooks declare; return the typed values per notebook.

    Every key must be a parameter of at least one of the notebooks (a typo would otherwise be
    silently ignored); each notebook receives the keys it declares, converted to the declared type.
    """
    declared = {str(nb): notebook_parameters(nb) for nb in notebooks}
    known = sorted({k for params in declared.values() for k in params})
    unknown = [k for k in parameters if k not in known]
    if unknown:
        hints = []
        for k in unknown:
            close = difflib.get_close_matches(k, known, n=1)
            if close:
                hints.append(f"for {k!r} did you mean {close[0]!r}?")
        raise ReportError(
            f"unknown parameter(s) {', '.join(repr(k) for k in unknown)}; the notebooks take "
            f"{', '.join(known)}. {' '.join(hints)}".strip()
        )
    out: dict[str, dict[str, Any]] = {}
    for nb, params in declared.items():
        name = Path(nb).stem
        out[nb] = {k: _convert(name, params[k], v) for k, v in parameters.items() if k in params}
    return out
