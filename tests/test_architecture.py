"""The package's import graph: layers, no cycles, imports at the top, no private names shared.

Every module of campaign_me is parsed with :mod:`ast` (nothing is imported), so the test sees the
imports as written. Four rules (issue 19):

(a) no import cycles between package modules (module-level imports; importing ``a.b.c`` also runs
    the package ``a.b``'s ``__init__``, so that counts as an import of ``a.b`` too);
(b) no upward arrows: a module imports only modules of its own layer or of lower layers, and the
    sibling layers Measures and Effects never import each other (every import counts here: at the
    top, inside a function, or bound with ``Deferred("campaign_me....")``);
(c) no imports inside functions, except on lines commented ``# deferred`` (an optional dependency);
    heavy modules are bound at the top with :class:`campaign_me.deferred.Deferred` instead;
(d) no underscore names imported from another module of the package: what another module needs is
    public (in a private module, such as a package's internal helpers, if it is not for users).

A module that is not in :data:`LAYERS` fails :func:`test_every_module_has_a_layer`: read it, decide
its layer from what it does, and add it there (with the reason, if it is not obvious).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

import campaign_me

PACKAGE = Path(__file__).resolve().parents[1] / "campaign_me"

CORE, DATA, MEASURES, EFFECTS, SHOW, RUN = "Core", "Data", "Measures", "Effects", "Show", "Run"
# Height of each layer: an import may go to the same height or lower. Measures and Effects are
# siblings at the same height, but must not import each other (SIBLINGS).
HEIGHT = {CORE: 0, DATA: 1, MEASURES: 2, EFFECTS: 2, SHOW: 3, RUN: 4}
SIBLINGS = {(MEASURES, EFFECTS), (EFFECTS, MEASURES)}

# Each module's layer, decided from what it does. A package's entry covers its submodules unless a
# submodule has its own entry.
LAYERS = {
    # The root namespace re-exports names lazily (PEP 562): it is above everything it names, but
    # imports nothing at load, and no module may import from it (tested below).
    "campaign_me": RUN,
    # Core: survey statistics and the shared floor. Nothing here knows about files, codebooks,
    # indicators or reports.
    "campaign_me.errors": CORE,
    "campaign_me.conventions": CORE,
    "campaign_me.deferred": CORE,
    "campaign_me.design": CORE,
    "campaign_me.weighting": CORE,
    "campaign_me.sampling": CORE,
    "campaign_me.power": CORE,
    # the difference of two independent estimate tables with its SE: a design-based estimator like
    # SurveyDesign.mean, used by indicators, monitoring and evaluation alike, so Core (not Effects)
    "campaign_me.contrasts": CORE,
    # survey rounds stacked into one design (R: rbind + svydesign with the round structure deciding
    # the PSUs): a design operation that indicators and evaluation both use
    "campaign_me.rounds": CORE,
    # Data: reading, checking, describing and generating survey data.
    "campaign_me.files": DATA,  # atomic file writes, used by the data writers and the notebooks
    "campaign_me.datasets": DATA,
    "campaign_me.yamlfile": DATA,
    "campaign_me.textvalues": DATA,  # number/date text patterns and missing codes (codebook, intake)
    "campaign_me.privacy": DATA,
    "campaign_me.xlsform": DATA,
    "campaign_me.codebook": DATA,
    "campaign_me.intake": DATA,
    "campaign_me.synth": DATA,
    "campaign_me.trial": DATA,
    # Measures: what the data say, as indicators, scores and the tracking of results.
    "campaign_me.scales": MEASURES,
    "campaign_me.indicators": MEASURES,
    "campaign_me.logframe": MEASURES,
    "campaign_me.monitoring": MEASURES,
    # the indicator catalogue, split from indicators: the expression language, the catalogue loader
    # and the placeholders of its definitions
    "campaign_me.expressions": MEASURES,
    "campaign_me.catalogue": MEASURES,
    "campaign_me.placeholders": MEASURES,
    # drafts the questionnaire (XLSForm and codebook) from the indicator catalogue and the scales'
    # items, so it sits on the catalogue it reads
    "campaign_me.questionnaire": MEASURES,
    # Effects: what the campaign changed (evaluation designs, regression, diagnostics).
    "campaign_me.regression": EFFECTS,
    "campaign_me.evaluation": EFFECTS,
    "campaign_me.diagnose": EFFECTS,
    # split from evaluation: message pretests (unweighted experiments) and grading the evidence
    "campaign_me.pretest": EFFECTS,
    "campaign_me.evidence": EFFECTS,
    # Show: what people read and click in the notebooks.
    "campaign_me.plots": SHOW,
    "campaign_me.widgets": SHOW,
    "campaign_me.narrative": SHOW,
    # the notebooks' facade (parameters, sample data, handouts); the lessons build on it
    "campaign_me.workbook": SHOW,
    "campaign_me.lessons": SHOW,
    # Run: what runs notebooks and commands.
    "campaign_me.report": RUN,
    "campaign_me.cli": RUN,
    "campaign_me.workshop": RUN,
}


# ------------------------------------------------------------------------------------------------
# Reading the package
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    line: int
    target: str  # the campaign_me module imported (or the third-party module)
    name: str | None  # the name taken from it (``from target import name``), if any
    where: str  # "top", "function", "typing" (under `if TYPE_CHECKING`) or "deferred" (bound with Deferred)
    commented: bool  # the import's lines carry a "# deferred" comment


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _owner(target: str) -> str | None:
    """The package module a dotted name belongs to (``campaign_me.intake.load.x`` -> its module)."""
    while target not in MODULES:
        if "." not in target:
            return None
        target = target.rsplit(".", 1)[0]
    return target


def _imports(module: str, path: Path) -> list[Import]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    is_package = path.name == "__init__.py"
    here = module.split(".") if is_package else module.split(".")[:-1]
    found: list[Import] = []

    def commented(node: ast.stmt) -> bool:
        return any("# deferred" in line for line in lines[node.lineno - 1 : node.end_lineno])

    def typing_only(node: ast.AST) -> bool:
        test = node.test if isinstance(node, ast.If) else None
        return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )

    def visit(node: ast.AST, in_function: bool, in_typing: bool = False) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            where = "function" if in_function else "typing" if in_typing else "top"
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(Import(module, child.lineno, alias.name, None, where, commented(child)))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = ".".join(
                        here[: len(here) - child.level + 1] + ([child.module] if child.module else [])
                    )
                else:
                    base = child.module or ""
                for alias in child.names:
                    # ``from campaign_me.intake import load`` imports the module campaign_me.intake.load
                    full = f"{base}.{alias.name}"
                    target = full if full in MODULES else base
                    name = None if full in MODULES else alias.name
                    found.append(Import(module, child.lineno, target, name, where, commented(child)))
            elif (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id == "Deferred"
                and child.args
                and isinstance(child.args[0], ast.Constant)
                and isinstance(child.args[0].value, str)
            ):
                found.append(Import(module, child.lineno, child.args[0].value, None, "deferred", True))
            visit(child, inner, in_typing or typing_only(child))

    visit(ast.parse(source, filename=str(path)), False)
    return found


IMPORTS = [imp for module, path in MODULES.items() for imp in _imports(module, path)]


def _layer(module: str) -> str | None:
    """The module's layer: its own entry or its package's (the root's entry covers only itself)."""
    while module not in LAYERS:
        module = module.rsplit(".", 1)[0]
        if "." not in module:
            return None
    return LAYERS[module]


def _package_edges(target: str) -> list[str]:
    """The modules that run when ``target`` is imported: it and its parent packages (not the root,
    whose namespace is lazy)."""
    parts = target.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts) + 1) if ".".join(parts[:i]) in MODULES]


def _graph() -> dict[str, set[str]]:
    """Module-level import graph between package modules (what runs at import time)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in IMPORTS:
        owner = _owner(imp.target) if imp.where == "top" else None
        if owner is None or not owner.startswith("campaign_me"):
            continue
        for target in _package_edges(owner):
            if target != imp.module and not imp.module.startswith(target + "."):
                graph[imp.module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return sorted(components)


def _where(imp: Import) -> str:
    return f"{MODULES[imp.module].relative_to(PACKAGE.parent)}:{imp.line}"


def _upward() -> list[str]:
    offenders: list[str] = []
    for imp in IMPORTS:
        owner = _owner(imp.target)
        if owner is None or owner == imp.module or owner == "campaign_me":
            continue
        src, dst = _layer(imp.module), _layer(owner)
        if src is None or dst is None:
            continue  # test_every_module_has_a_layer names it
        line = f"{_where(imp)} {imp.module} ({src}) imports {owner} ({dst})"
        if (HEIGHT[dst] > HEIGHT[src] or (src, dst) in SIBLINGS) and line not in offenders:
            offenders.append(line)
    return offenders


def _in_functions() -> list[str]:
    found = [
        f"{_where(imp)} {imp.target}" for imp in IMPORTS if imp.where == "function" and not imp.commented
    ]
    return list(dict.fromkeys(found))


def _private_names() -> list[str]:
    return [
        f"{_where(imp)} {imp.name} from {imp.target}"
        for imp in IMPORTS
        if imp.name
        and imp.name.startswith("_")
        and not imp.name.startswith("__")
        and _owner(imp.target) not in (None, imp.module)
    ]


# ------------------------------------------------------------------------------------------------
# The rules
# ------------------------------------------------------------------------------------------------

# What the owners of these files still have to fix (issue 19), by rule. A rule fails for any other
# offender; while offenders remain in these files it is marked xfail, its reason listing them. Remove
# a file from its rule once it is clean (an entry for a clean file changes nothing).
STILL_TO_FIX: dict[str, set[str]] = {
    # empty: every rule holds. While a refactor is under way, list here the files still to fix
    # per rule ("upward", "in functions", "private names"); their offences then xfail with a list.
}


def _check(rule: str, offenders: list[str], message: str) -> None:
    pending = [o for o in offenders if o.split(":")[0] in STILL_TO_FIX.get(rule, set())]
    new = [o for o in offenders if o not in pending]
    assert not new, message + "\n" + "\n".join(new)
    if pending:
        pytest.xfail(f"{rule}: still to fix by the owners of these files: " + "; ".join(pending))


def test_the_reader_sees_the_package() -> None:
    # a sanity check of the parser itself on edges known to exist
    graph = _graph()
    assert len(MODULES) > 40
    assert "campaign_me.design" in graph["campaign_me.weighting"]
    assert "campaign_me.intake" in graph["campaign_me.workbook"] or any(
        imp.target.startswith("campaign_me.intake") for imp in IMPORTS if imp.module == "campaign_me.workbook"
    )
    # a cycle is found (planted), and the parent package of a submodule counts as imported
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _package_edges("campaign_me.intake.load") == ["campaign_me.intake", "campaign_me.intake.load"]


def test_every_module_has_a_layer() -> None:
    unknown = [m for m in MODULES if _layer(m) is None]
    assert not unknown, (
        f"module(s) without a layer: {', '.join(unknown)}; add it to LAYERS in tests/test_architecture.py "
        "(Core, Data, Measures, Effects, Show or Run: decide from what it does and what it imports)"
    )
    stale = [m for m in LAYERS if m not in MODULES]
    assert not stale, f"LAYERS names module(s) that no longer exist: {', '.join(stale)}; remove them"


def test_no_import_cycles() -> None:
    cycles = _cycles(_graph())
    assert not cycles, "import cycles (module level): " + "; ".join(" <-> ".join(c) for c in cycles)


def test_nothing_imports_the_root_namespace() -> None:
    # campaign_me/__init__.py is a lazy facade over the modules: importing a name from it inside the
    # package hides the real arrow (only __version__, defined there, may be imported from it)
    offenders = [
        f"{_where(imp)} imports {imp.name or 'campaign_me'} from the root namespace"
        for imp in IMPORTS
        if imp.target == "campaign_me"
        and imp.module != "campaign_me"
        and imp.where != "deferred"
        and not (imp.name or "").startswith("__")
    ]
    _check("root namespace", offenders, "import these from the module that defines them:")


def test_the_root_namespace_imports_nothing_at_load() -> None:
    # everything in campaign_me/__init__.py is under `if TYPE_CHECKING` or in __getattr__
    eager = [
        imp
        for imp in IMPORTS
        if imp.module == "campaign_me" and imp.where == "top" and imp.target.startswith("campaign_me")
    ]
    assert not eager, [f"{_where(imp)} {imp.target}" for imp in eager]


def test_no_upward_imports() -> None:
    _check(
        "upward", _upward(), "imports against the layers (Core <- Data <- Measures | Effects <- Show <- Run):"
    )


def test_no_imports_inside_functions() -> None:
    _check(
        "in functions",
        _in_functions(),
        "imports inside functions (move them to the top of the module; bind a heavy module with "
        "campaign_me.deferred.Deferred; an optional dependency may stay with a '# deferred: optional "
        "dependency' comment):",
    )


def test_no_private_names_across_modules() -> None:
    _check("private names", _private_names(), "underscore names imported from another module:")


# ------------------------------------------------------------------------------------------------
# Start-up: what `import campaign_me` and the command line load
# ------------------------------------------------------------------------------------------------

HEAVY = ("pandas", "scipy", "statsmodels", "matplotlib", "pyarrow", "openpyxl", "nbformat", "papermill")


def _loaded_after(code: str) -> set[str]:
    """The heavy top-level packages a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split()) & set(HEAVY)


def test_import_campaign_me_loads_no_heavy_dependency() -> None:
    # the namespace is lazy (PEP 562): names are imported on first use
    assert _loaded_after("import campaign_me") == set()
    assert "pandas" in _loaded_after("import campaign_me; campaign_me.SurveyDesign")


def test_the_namespace_names_what_it_did() -> None:
    for name in campaign_me.__all__:
        assert getattr(campaign_me, name) is not None, name
    assert set(campaign_me.__all__) <= set(dir(campaign_me))
    assert campaign_me.SurveyDesign is campaign_me.design.SurveyDesign  # the same object, once imported
    with pytest.raises(AttributeError, match="has no attribute 'SurveyDesgin'"):
        campaign_me.SurveyDesgin  # noqa: B018


def test_light_commands_load_no_heavy_dependency() -> None:
    # `campaign-me validate --help` describes its options without pandas or the notebook machinery
    assert _loaded_after("from campaign_me.cli import build_parser; build_parser('validate')") == set()


def test_the_lazy_namespace_offers_modules_and_names_only() -> None:
    # every public name resolves; a data folder of the package (notebooks/, no __init__) is not a module
    for name in campaign_me.__all__:
        assert getattr(campaign_me, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'notebooks'"):
        campaign_me.notebooks  # noqa: B018
