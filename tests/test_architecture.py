"""The layers of docs/architecture.md, held against every module's imports.

The layer table is read from the doc itself (its `layers` block), so the doc and this test
cannot drift apart. An import may point down a layer, or sideways inside the same group; it
may never point up, never close a cycle (top level, inside a function, or under
`TYPE_CHECKING`), and only the imports named in `INNER_IMPORTS` may sit inside a function.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = {"conformance": "conformance", "sesconf_strategies": "strategies"}
"""Import name -> folder in the repository (setuptools' package-dir maps the second)."""

INNER_IMPORTS: Mapping[tuple[str, str], str] = {}
"""(module, imported module) -> why this import may sit inside a function: only optional or
heavy dependencies that most runs never need. At most five."""

TYPE_ONLY_CYCLES: frozenset[frozenset[str]] = frozenset()
"""Cycles allowed because one of their imports is under `TYPE_CHECKING` (none today)."""


@dataclass(frozen=True, slots=True)
class Import:
    source: str
    target: str
    line: int
    inner: bool
    type_only: bool


def layers(doc: str) -> list[list[list[str]]]:
    """The doc's `layers` block, top layer first: each layer a list of sibling groups (split
    by `|`), each group a list of module prefixes."""
    block = re.search(r"```layers\n(.*?)```", doc, re.S)
    assert block is not None, "docs/architecture.md has no ```layers block"
    table = []
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        _, _, modules = line.partition(":")
        table.append([group.split() for group in modules.split("|")])
    return table


def modules(root: Path) -> dict[str, Path]:
    found = {}
    for name, folder in PACKAGES.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = path.relative_to(root / folder).with_suffix("").parts
            dotted = ".".join((name, *parts)).removesuffix(".__init__")
            found[dotted] = path
    return found


def _resolve(name: str, known: Mapping[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, known: Mapping[str, Path]) -> Iterator[Import]:
    tree = ast.parse(path.read_text("utf-8"))
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in known
                else node.module
                for alias in node.names
            ]
        else:
            continue
        inner = type_only = False
        up: ast.AST = node
        while up in parents:
            up = parents[up]
            if isinstance(up, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = True
            if isinstance(up, ast.If) and "TYPE_CHECKING" in ast.unparse(up.test):
                type_only = True
        for name in names:
            top = name.split(".", 1)[0]
            if top not in PACKAGES and not inner:
                continue
            target = _resolve(name, known) if top in PACKAGES else name
            if target is not None and target != module:
                yield Import(module, target, node.lineno, inner, type_only)


def reexport_imports(root: Path) -> list[str]:
    """`from PACKAGE import name` inside the packages, where PACKAGE's `__init__` only
    re-exports `name`: import it from the module that defines it."""
    known = modules(root)
    imported_by_init = {
        name: {
            alias.asname or alias.name
            for node in ast.parse(path.read_text("utf-8")).body
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        for name, path in known.items()
        if path.name == "__init__.py"
    }
    found = []
    for module, path in known.items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module not in imported_by_init:
                continue
            for alias in node.names:
                if alias.name in imported_by_init[node.module] and (
                    f"{node.module}.{alias.name}" not in known
                ):
                    found.append(f"{module}:{node.lineno}: {alias.name} from {node.module}")
    return found


def _place(module: str, table: list[list[list[str]]]) -> tuple[int, int] | None:
    """(layer from the bottom, group) of the longest prefix naming the module."""
    best: tuple[int, tuple[int, int]] | None = None
    for depth, layer in enumerate(reversed(table)):
        for group, prefixes in enumerate(layer):
            for prefix in prefixes:
                if (module == prefix or module.startswith(prefix + ".")) and (
                    best is None or len(prefix) > best[0]
                ):
                    best = (len(prefix), (depth, group))
    return best[1] if best else None


def _cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def problems(root: Path) -> list[str]:
    """Every import that breaks the doc's rules, one line each."""
    table = layers((root / "docs" / "architecture.md").read_text("utf-8"))
    known = modules(root)
    found: list[str] = []
    edges: dict[str, set[str]] = {}
    runtime: dict[str, set[str]] = {}
    inner_count = 0
    for module, path in known.items():
        where = _place(module, table)
        if where is None:
            found.append(f"{module}: in no layer of docs/architecture.md")
            continue
        for imp in imports_of(module, path, known):
            if imp.inner:
                if (module, imp.target) not in INNER_IMPORTS:
                    found.append(f"{module}:{imp.line}: import of {imp.target} inside a function")
                    continue
                inner_count += 1
            if imp.target not in known:
                continue
            edges.setdefault(module, set()).add(imp.target)
            if not imp.type_only:
                runtime.setdefault(module, set()).add(imp.target)
            there = _place(imp.target, table)
            if there is None:
                continue
            if there[0] > where[0]:
                found.append(f"{module}:{imp.line}: imports {imp.target}, a higher layer")
            elif there[0] == where[0] and there[1] != where[1]:
                found.append(f"{module}:{imp.line}: imports {imp.target}, a sibling group")
    for cycle in _cycles(edges):
        typed_only = frozenset(cycle) in TYPE_ONLY_CYCLES and not any(
            len(c) > 1 for c in _cycles({m: runtime.get(m, set()) & set(cycle) for m in cycle})
        )
        if not typed_only:
            found.append(f"cycle: {' <-> '.join(cycle)}")
    assert len(INNER_IMPORTS) <= 5 and inner_count <= 5, "at most 5 imports inside functions"
    return found


def test_imports_follow_the_layers() -> None:
    assert [] == problems(REPO)


def test_nothing_imports_a_re_export() -> None:
    assert [] == reexport_imports(REPO)


def test_every_inner_import_is_named_with_a_reason() -> None:
    assert all(reason.strip() for reason in INNER_IMPORTS.values())
    assert len(INNER_IMPORTS) <= 5


OUTSIDE_PACKAGES = ("tests", "tools", "bench", ".ci")
"""The repository's other Python: held to the same rule, every import at the top."""


def inner_imports_outside(root: Path) -> list[str]:
    """Imports inside a function in the tests, tools, benchmarks and CI scripts (code in
    a string, such as a child process's script, is not an import and is not found)."""
    found = []
    for folder in OUTSIDE_PACKAGES:
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"))
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        where = path.relative_to(root)
                        found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_tests_and_tools_import_at_the_top_too(tmp_path: Path) -> None:
    assert [] == inner_imports_outside(REPO)
    planted = tmp_path / "tests" / "test_planted.py"
    planted.parent.mkdir()
    planted.write_text("def test_x() -> None:\n    import json\n")
    assert ["tests/test_planted.py:2: import json"] == inner_imports_outside(tmp_path)


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "copy"
    for folder in (*PACKAGES.values(), "docs"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("*.pyc"))
    return root


def test_a_planted_cycle_is_found(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    model = root / "conformance" / "model.py"
    model.write_text(model.read_text("utf-8") + "\nfrom conformance.oracle import expect\n")
    found = problems(root)
    assert any(p.startswith("cycle:") and "conformance.model" in p for p in found), found
    assert any("conformance.model" in p and "a higher layer" in p for p in found), found


@pytest.mark.parametrize(
    ("module", "line", "expected"),
    [
        ("conformance/model.py", "    from conformance.rules import RULES\n", "inside a function"),
        ("conformance/server/engine.py", "from conformance.protocols import base\n", "sibling"),
    ],
)
def test_planted_breaches_are_found(tmp_path: Path, module: str, line: str, expected: str) -> None:
    root = _copy(tmp_path)
    path = root / module
    text = path.read_text("utf-8")
    if line.startswith(" "):
        text += f"\n\ndef _planted() -> None:\n{line}"
    else:
        text += f"\n{line}"
    path.write_text(text)
    assert any(expected in p for p in problems(root)), problems(root)


def test_a_planted_re_export_import_is_found(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    html = root / "conformance" / "report" / "html.py"
    html.write_text(html.read_text("utf-8") + "\nfrom conformance.checks import REGISTRY\n")
    assert [p for p in reexport_imports(root) if "REGISTRY from conformance.checks" in p]


_IMPORT_EACH_FIRST = """
import importlib, sys
ours = ("conformance", "sesconf_strategies")
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] in ours]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        print(f"{name}: {type(exc).__name__}: {exc}")
"""


def _module_names() -> list[str]:
    """Both packages and every strategy module. A `conformance.X` imported first runs the
    face first, as `import conformance` does, so the face stands for all of them."""
    names = list(PACKAGES)
    for path in sorted((REPO / PACKAGES["sesconf_strategies"]).glob("*.py")):
        if path.stem != "__init__":
            names.append(f"sesconf_strategies.{path.stem}")
    return names


def test_every_module_imports_first() -> None:
    """Import order is a user's: `import sesconf_strategies` (or any module) before
    anything else must work. Each module is imported from a fresh start (the packages
    dropped from sys.modules)."""
    names = _module_names()
    assert {"conformance", "sesconf_strategies", "sesconf_strategies.raw"} <= set(names)
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH_FIRST, *names],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert "" == done.stderr
    assert "" == done.stdout
