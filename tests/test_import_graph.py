"""The package's import graph, read from the source with `ast`: its parts import each other without cycles, and
in one direction only (issue #25).

Each component folder, `layers`, `training`, `annotate`, `util`, `errors`, `cli`, `__main__` and the package's own
`__init__` is one node. Every import counts, also one inside a function: it is a cycle that only shows when that
function runs.
"""

import ast
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

PACKAGE = "spacy_transfer"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
ROOT_NODE = "__init__"
# A component is a folder with a factory (component.py); the folder name is the factory name.
COMPONENTS = sorted(p.parent.name for p in ROOT.glob("*/component.py"))
# Shared code below the components: it may not reach up into any of them.
SHARED = ("layers", "training", "util", "errors")
# What sits above the components and may import them: a component never imports these.
ABOVE_COMPONENTS = ("cli", "annotate", "__main__")

Edge = Tuple[str, str]


def _node(module: str) -> Optional[str]:
    """The node of a dotted module name inside the package; None outside it."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    return parts[1] if len(parts) > 1 else ROOT_NODE


def _file_package(path: Path, root: Path) -> List[str]:
    """The package a file's relative imports start from (an __init__.py is its own package)."""
    parts = [PACKAGE, *path.relative_to(root).with_suffix("").parts]
    return parts[:-1]


def _is_module(dotted: str, root: Path) -> bool:
    """Whether a dotted name inside the package is a module or package (not an attribute)."""
    path = root.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(path: Path, root: Path = ROOT) -> List[str]:
    """The absolute names of all modules `path` imports, anywhere in the file. `from X import name` gives
    `X.name` where `name` is a module of the package, else `X`."""
    tree = ast.parse(path.read_text(encoding="utf8"), filename=str(path))
    modules = []
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.Import):
            modules.extend(alias.name for alias in stmt.names)
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level:
                package = _file_package(path, root)
                base = package[: len(package) - (stmt.level - 1)]
                module = ".".join(base + ([stmt.module] if stmt.module else []))
            else:
                module = stmt.module or ""
            for alias in stmt.names:
                sub = f"{module}.{alias.name}"
                modules.append(sub if _node(module) is not None and _is_module(sub, root) else module)
    return modules


def import_edges(root: Path = ROOT) -> Set[Edge]:
    """(importer, imported) node pairs of the package in `root`, without self-edges."""
    edges = set()
    for path in root.rglob("*.py"):
        source = _node(".".join(_file_package(path, root) + [path.stem]))
        for module in imported_modules(path, root):
            target = _node(module)
            if target is not None and target != source:
                edges.add((source, target))
    return edges


def find_cycles(edges: Set[Edge]) -> List[List[str]]:
    """The strongly connected components with more than one node (Tarjan's algorithm)."""
    graph: Dict[str, List[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def _format(edges) -> str:
    return ", ".join(f"{a} -> {b}" for a, b in sorted(edges))


def test_import_graph_reads_every_kind_of_import(tmp_path):
    """The parser itself, on a made-up package: imports inside functions count, relative imports resolve from
    modules and from __init__.py, `from .. import x` names the submodule x, and outside imports are ignored."""
    files = {
        "__init__.py": "def f():\n    from . import comp\n",
        "errors.py": "import os\n",
        "util.py": "from .errors import E\n",
        "comp/__init__.py": "from .model import build\n",
        "comp/model.py": "from spacy.tokens import Doc\nfrom .. import util\n\ndef g():\n    from ..layers.x import y\n",
        "layers/__init__.py": "",
        "layers/x.py": "import spacy_transfer.errors\n\nclass C:\n    def m(self):\n        from ..comp import model\n",
    }
    root = tmp_path / PACKAGE
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf8")
    edges = import_edges(root)
    expected = {("__init__", "comp"), ("util", "errors"), ("comp", "util"), ("comp", "layers"), ("layers", "errors")}
    assert edges == expected | {("layers", "comp")}
    assert find_cycles(edges) == [["comp", "layers"]]
    assert find_cycles(expected) == []


def test_import_graph_has_no_cycles():
    edges = import_edges()
    cycles = find_cycles(edges)
    in_cycles = [(a, b) for a, b in edges if any(a in cycle and b in cycle for cycle in cycles)]
    assert not cycles, f"import cycles between {cycles}; their edges: {_format(in_cycles)}"


def test_import_graph_layers():
    """Shared code imports no component; components import neither the CLI nor the annotate engines."""
    edges = import_edges()
    upward = [(a, b) for a, b in edges if a in SHARED and b in COMPONENTS]
    assert not upward, f"shared code imports components: {_format(upward)}"
    downward = [(a, b) for a, b in edges if a in COMPONENTS and b in ABOVE_COMPONENTS]
    assert not downward, f"components import the CLI or annotate: {_format(downward)}"
