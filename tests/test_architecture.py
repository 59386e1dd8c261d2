"""The package's shape, checked by parsing its imports (nothing is imported or run).

- no import circle between modules (imports inside functions count: a late
  import hides a circle, it does not remove it), but those listed with the reason;
- layers import only downwards: files, i18n → data → assess → settings, studies,
  scale → views → serve, cli; in particular the core never imports views, serve or cli;
- no module over 800 lines, unless listed below with the reason;
- ``scale/`` (and the rest of the core, and the CLI) imports no private name of another package.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "workbench"
MAX_LINES = 800

#: Modules allowed over MAX_LINES, with why. A module that shrinks below the limit must leave the list.
LONG_MODULES: dict[str, str] = {}

#: Import circles known and owned elsewhere, with why. A new circle fails; a fixed one must leave the list.
KNOWN_CIRCLES: dict[tuple[str, str], str] = {}

#: Layer of each top-level part of the package; a module may import its own layer and the ones below.
LAYERS = {
    "_version": 0, "files": 0, "i18n": 0,
    "data": 1,
    "assess": 2,
    "settings": 3, "studies": 3, "scale": 3, "meeting": 3,
    "views": 4,
    "serve": 5, "cli": 5,
}
CORE = ("data", "assess", "settings", "studies", "scale", "meeting", "files", "i18n", "_version")

#: Imports against the layer order, with why. Each must still exist (a fixed one leaves the list).
UPWARD = {
    ("workbench.assess.context", "workbench.settings.rules"):
        "the setting-compliance indicator counts rule violations (check_rules, imported late)",
}


@dataclass(frozen=True)
class Import:
    source: str      # importing module
    target: str      # imported module (a package means its __init__)
    names: tuple     # names taken from it (from ... import a, b)
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _statements(tree: ast.AST):
    """Every import statement, at any depth, except under ``if TYPE_CHECKING:`` (not run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            stack.append(child)


def imports_of(name: str) -> list[Import]:
    path = MODULES[name]
    is_package = path.name == "__init__.py"
    out = []
    for node in _statements(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [Import(name, a.name, (), node.lineno) for a in node.names
                    if a.name == "workbench" or a.name.startswith("workbench.")]
            continue
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[:len(base) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if not (target == "workbench" or target.startswith("workbench.")):
            continue
        names = tuple(a.name for a in node.names)
        # "from package import module" imports the module; other names come from the package itself
        modules = [n for n in names if f"{target}.{n}" in MODULES]
        out += [Import(name, f"{target}.{n}", (), node.lineno) for n in modules]
        rest = tuple(n for n in names if n not in modules)
        if rest or not modules:
            out.append(Import(name, target, rest, node.lineno))
    return out


GRAPH = {name: imports_of(name) for name in MODULES}


def part_of(module: str) -> str:
    """The top-level part of the package a module belongs to ("" for the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer(module: str) -> int | None:
    return LAYERS.get(part_of(module))


def test_every_import_resolves_to_a_module_of_the_package():
    unknown = [f"{i.source}:{i.line} imports {i.target}" for edges in GRAPH.values() for i in edges
               if i.target not in MODULES]
    assert not unknown, unknown


def test_no_import_circle():
    # Tarjan's strongly connected components; a component of two or more modules is a circle
    index, low, on_stack, stack, circles, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for edge in GRAPH[v]:
            w = edge.target
            if w not in MODULES:
                continue
            if w not in index:
                visit(w)
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
            if len(component) > 1 or any(e.target == v for e in GRAPH[v]):
                circles.append(sorted(component))

    for v in MODULES:
        if v not in index:
            visit(v)
    found = {tuple(c) for c in circles}
    new = found - set(KNOWN_CIRCLES)
    assert not new, "import circles: " + "; ".join(" <-> ".join(c) for c in sorted(new))
    assert not set(KNOWN_CIRCLES) - found, f"no longer a circle, remove from KNOWN_CIRCLES: {set(KNOWN_CIRCLES) - found}"


def test_the_root_package_is_imported_by_no_module():
    # importing ``workbench`` from inside it imports everything (and makes a circle)
    inside = [f"{i.source}:{i.line}" for edges in GRAPH.values() for i in edges if i.target == "workbench"]
    assert not inside, inside


def test_layers_import_only_downwards():
    upward = {}
    for edges in GRAPH.values():
        for i in edges:
            a, b = layer(i.source), layer(i.target)
            if a is not None and b is not None and b > a:
                upward.setdefault((i.source, i.target), []).append(i.line)
    unexplained = {k: v for k, v in upward.items() if k not in UPWARD}
    assert not unexplained, f"imports against the layer order: {unexplained}"
    assert not set(UPWARD) - set(upward), f"listed but gone (remove from UPWARD): {set(UPWARD) - set(upward)}"


def test_the_core_never_imports_views_serve_or_cli():
    leaks = [f"{i.source}:{i.line} imports {i.target}" for edges in GRAPH.values() for i in edges
             if part_of(i.source) in CORE and part_of(i.target) in ("views", "serve", "cli")]
    assert not leaks, leaks


def test_no_module_over_800_lines_without_a_reason():
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    long = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert not set(long) - set(LONG_MODULES), {k: long[k] for k in set(long) - set(LONG_MODULES)}
    fixed = [name for name in LONG_MODULES if lengths.get(name, 0) <= MAX_LINES]
    assert not fixed, f"now within {MAX_LINES} lines, remove from LONG_MODULES: {fixed}"


def _package(module: str) -> str:
    path = MODULES[module]
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@pytest.mark.parametrize("parts", [("scale",), CORE + ("cli",)], ids=["scale", "core and cli"])
def test_no_private_name_crosses_a_package(parts):
    """scale/ first (it runs the pandas engine's functions at national scale), then the core and the CLI."""
    crossings = []
    for edges in GRAPH.values():
        for i in edges:
            if part_of(i.source) not in parts:
                continue
            if i.target not in MODULES or _package(i.source) == _package(i.target):
                continue
            private = [n for n in i.names if _private(n)]
            private += [p for p in i.target.split(".") if _private(p) and p != "_version"]
            if private:
                crossings.append(f"{i.source}:{i.line} takes {private} from {i.target}")
    assert not crossings, crossings
