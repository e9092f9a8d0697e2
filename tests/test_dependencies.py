"""Declare what is imported, import what is declared.

Every module of campaign_me is read (``ast``, nothing is imported) for the third-party packages
it imports: ``import x`` and ``from x import y`` anywhere in the module, and the modules bound
at the top with ``name = Deferred("x.y")`` (:mod:`campaign_me.deferred`). Each must be declared
in ``setup.cfg``:

* in ``install_requires``, unless every use of it in the module is *optional*, i.e. the module
  marks an import of it with a ``# deferred: optional`` comment or guards one with
  ``except ImportError`` (the message then says which extra to install);
* an optional dependency in ``install_requires`` or one of the extras.

The other way round, every ``install_requires`` entry is imported somewhere in the package, or
the comment above it in ``setup.cfg`` starts with ``# never imported:`` and says why it is
needed (``ipykernel``: the kernel papermill starts).

Distribution names are mapped to import names by :data:`IMPORT_NAMES` (``pyyaml`` is imported
as ``yaml``); the last test checks that mapping against the installed distributions' own
records (:func:`importlib.metadata.packages_distributions`).
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "campaign_me"
SETUP_CFG = ROOT / "setup.cfg"
ENVIRONMENT = ROOT / "environment.yml"

#: Import names of distributions whose import name is not their (normalised) distribution name.
IMPORT_NAMES: dict[str, set[str]] = {
    "pyyaml": {"yaml"},
    "ipython": {"IPython"},
    "matplotlib": {"matplotlib", "mpl_toolkits"},
    "pillow": {"PIL"},
    "scikit-learn": {"sklearn"},
}
#: Distributions a requirement's extra brings in that the package imports: dask[distributed].
EXTRA_IMPORTS: dict[tuple[str, str], set[str]] = {("dask", "distributed"): {"distributed"}}

_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_OPTIONAL_MARK = "# deferred: optional"
_NEVER_IMPORTED = "# never imported:"


def _normalise(dist: str) -> str:
    """PEP 503 normalisation: ``Jupyter_Client`` and ``jupyter-client`` are one distribution."""
    return re.sub(r"[-_.]+", "-", dist).lower()


def imports_of(requirement: str) -> set[str]:
    """The top-level import names a requirement line provides (its extras included).

    >>> sorted(imports_of("dask[distributed]>=2024.1"))
    ['dask', 'distributed']
    >>> imports_of("pyyaml>=6.0")
    {'yaml'}
    """
    match = _REQUIREMENT.match(requirement.strip())
    if not match:
        raise ValueError(f"cannot read the requirement {requirement!r}")
    dist = _normalise(match.group(1))
    names = set(IMPORT_NAMES.get(dist, {dist.replace("-", "_")}))
    for extra in (match.group(2) or "").split(","):
        names |= EXTRA_IMPORTS.get((dist, extra.strip().lower()), set())
    return names


def read_requirements(text: str) -> dict[str, list[tuple[str, str]]]:
    """``{"install_requires": [(requirement, comment above it), ...], "extra:<name>": [...]}`` from setup.cfg.

    Read line by line rather than with :mod:`configparser`, which drops the comments.
    """
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    section, key, comment = "", None, []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section, key, comment = line[1:-1], None, []
            continue
        if not line:
            continue
        if line.startswith(("#", ";")):
            comment.append(line)
            continue
        if not raw[0].isspace():  # a new key
            name, _, value = line.partition("=")
            name = name.strip()
            if section == "options" and name == "install_requires":
                key = "install_requires"
            elif section == "options.extras_require":
                key = f"extra:{name}"
            else:
                key = None
            comment = []
            if key and value.strip():
                out[key].append((value.strip(), ""))
            continue
        if key:
            out[key].append((line, " ".join(comment)))
        comment = []
    return dict(out)


def _optional_guard(node: ast.AST, parents: list[ast.AST], lines: list[str]) -> bool:
    """The import is marked optional (comment) or sits in a ``try`` that catches ImportError."""
    text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
    if _OPTIONAL_MARK in text:
        return True
    for parent in parents:
        if isinstance(parent, ast.Try) and any(node in ast.walk(stmt) for stmt in parent.body):
            for handler in parent.handlers:
                types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if any(isinstance(t, ast.Name) and t.id in ("ImportError", "ModuleNotFoundError") for t in types):
                    return True
    return False


def module_imports(path: Path) -> dict[str, bool]:
    """``{top-level import name: optional?}`` for the third-party imports of one module."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found: dict[str, bool] = {}

    def visit(node: ast.AST, parents: list[ast.AST]) -> None:
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
              and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Deferred"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            names = [node.args[0].value]
        for name in names:
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top in ("campaign_me", "__future__"):
                continue
            found[top] = found.get(top, False) or _optional_guard(node, parents, lines)
        for child in ast.iter_child_nodes(node):
            visit(child, [*parents, node])

    visit(ast.parse(source, filename=str(path)), [])
    return found


@pytest.fixture(scope="module")
def requirements():
    return read_requirements(SETUP_CFG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def imported():
    """``{import name: {module path: optional?}}`` over the whole package."""
    out: dict[str, dict[str, bool]] = defaultdict(dict)
    for path in sorted(PACKAGE.rglob("*.py")):
        for name, optional in module_imports(path).items():
            out[name][path.relative_to(ROOT).as_posix()] = optional
    return dict(out)


def _provided(entries) -> set[str]:
    return {name for requirement, _ in entries for name in imports_of(requirement)}


def test_the_reader_finds_imports_deferred_modules_and_guards(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import os\nimport numpy as np\nfrom campaign_me.deferred import Deferred\nfrom . import errors\n"
        "stats = Deferred('scipy.stats')  # deferred: 0.7 s\n"
        "db = Deferred('sqlalchemy')  # deferred: optional dependency (db extra)\n"
        "def f():\n    try:\n        import distributed\n    except ImportError:\n        raise\n"
        "    import psutil  # deferred: optional dependency\n    import yaml\n",
        encoding="utf-8",
    )
    assert module_imports(module) == {"numpy": False, "scipy": False, "sqlalchemy": True, "distributed": True,
                                      "psutil": True, "yaml": False}


def test_the_reader_keeps_the_comments_above_each_requirement():
    text = ("[options]\ninstall_requires =\n    numpy>=1.26\n    # never imported: the kernel\n    ipykernel\n"
            "[options.extras_require]\ndb =\n    SQLAlchemy>=2.0\n")
    assert read_requirements(text) == {
        "install_requires": [("numpy>=1.26", ""), ("ipykernel", "# never imported: the kernel")],
        "extra:db": [("SQLAlchemy>=2.0", "")],
    }


def test_every_import_is_declared(requirements, imported):
    required = _provided(requirements["install_requires"])
    extras = set()
    for key, entries in requirements.items():
        if key.startswith("extra:"):
            extras |= _provided(entries)
    missing = []
    for name, where in sorted(imported.items()):
        hard = sorted(module for module, optional in where.items() if not optional)
        if hard and name not in required:
            missing.append(f"{name} (imported by {', '.join(hard)}): add it to install_requires in setup.cfg, or "
                           f"mark the import '{_OPTIONAL_MARK} dependency' and declare it in an extra")
        elif not hard and name not in required | extras:
            missing.append(f"{name} (optional in {', '.join(sorted(where))}): declare it in an extra in setup.cfg")
    assert not missing, "\n".join(missing)


def test_every_requirement_is_imported_or_says_why_not(requirements, imported):
    unused = [requirement for requirement, comment in requirements["install_requires"]
              if not imports_of(requirement) & set(imported) and not comment.startswith(_NEVER_IMPORTED)]
    assert not unused, (f"install_requires entries that campaign_me never imports: {unused}; remove them, or say "
                        f"why they are needed in a comment above them starting '{_NEVER_IMPORTED}'")


def test_jupyterlab_is_the_workshop_extra_not_a_requirement(requirements):
    """Dask workers and report servers do not need JupyterLab; workshop laptops install the extra."""
    hard = {_normalise(_REQUIREMENT.match(r).group(1)) for r, _ in requirements["install_requires"]}
    assert "jupyterlab" not in hard
    assert "jupyterlab" in {_normalise(_REQUIREMENT.match(r).group(1)) for r, _ in requirements["extra:workshop"]}
    assert "jupyterlab" in {_normalise(_REQUIREMENT.match(r).group(1)) for r, _ in requirements["extra:test"]}


def test_the_workshop_environment_has_every_requirement(requirements):
    """environment.yml (the workshop room's conda environment) has install_requires and the workshop extra."""
    listed = set()
    for line in ENVIRONMENT.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*-\s+([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match:
            listed.add(_normalise(match.group(1)))
    wanted = [r for r, _ in requirements["install_requires"] + requirements["extra:workshop"]]
    missing = [r for r in wanted if _normalise(_REQUIREMENT.match(r).group(1)) not in listed]
    assert not missing, f"environment.yml lacks {missing}"


def test_import_names_match_the_installed_distributions(requirements):
    """The mapping above against each installed distribution's own record of what it installs."""
    owners = importlib.metadata.packages_distributions()
    checked = 0
    for entries in requirements.values():
        for requirement, _ in entries:
            dist = _normalise(_REQUIREMENT.match(requirement).group(1))
            try:
                importlib.metadata.distribution(dist)
            except importlib.metadata.PackageNotFoundError:
                continue  # not installed here: nothing to check against
            own = IMPORT_NAMES.get(dist, {dist.replace("-", "_")})
            for name in imports_of(requirement):
                assert name in owners, f"{requirement}: nothing installed provides the import name {name!r}"
                if name in own:
                    assert dist in {_normalise(d) for d in owners[name]}, (requirement, name, owners[name])
                checked += 1
    assert checked >= 20
