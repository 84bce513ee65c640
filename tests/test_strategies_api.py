"""The strategies' public face: every strategy lives in strategies/ and is exported by
`sesconf_strategies.__all__`; no suite module writes a strategy of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import sesconf_strategies

REPO = Path(__file__).resolve().parent.parent


def _strategies_in(path: Path) -> set[str]:
    """Public top-level functions that build a strategy: composites, or functions whose
    return annotation is a SearchStrategy."""
    found = set()
    for node in ast.parse(path.read_text("utf-8")).body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        returns = ast.unparse(node.returns) if node.returns else ""
        decorators = [ast.unparse(d) for d in node.decorator_list]
        if "SearchStrategy" in returns or any("composite" in d for d in decorators):
            found.add(node.name)
    return found


def test_every_strategy_is_exported() -> None:
    written = set().union(*(_strategies_in(p) for p in (REPO / "strategies").glob("*.py")))
    assert set() == written - set(sesconf_strategies.__all__)
    assert len(written) >= 25


def test_every_exported_name_resolves() -> None:
    for name in sesconf_strategies.__all__:
        assert getattr(sesconf_strategies, name, None) is not None, name
    assert len(set(sesconf_strategies.__all__)) == len(sesconf_strategies.__all__)


def test_no_suite_module_writes_a_strategy() -> None:
    suite = REPO / "conformance" / "suite"
    offenders = {
        f"{path.name}: {name}" for path in suite.glob("*.py") for name in _strategies_in(path)
    }
    composites = {
        path.name
        for path in suite.glob("*.py")
        if "@st.composite" in path.read_text("utf-8") or "st.composite(" in path.read_text("utf-8")
    }
    assert (set(), set()) == (offenders, composites)
