"""The code's shape (ARCHITECTURE.md): imports go down only, mechanisms never take the
model, and the villages' rules exist once."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parent.parent / "sim"
# the mechanisms: they take arrays and small records, never the model
MECHANISMS = (
    "behaviour", "decisions", "economy", "enforcement", "gains", "households", "landscape", "learning",
    "lifecycle", "membership", "metrics", "shocks", "state", "ties", "year", "forms",
    "domains.agriculture", "domains.services", "domains.infrastructure",
)  # fmt: skip


def _module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in SIM.rglob("*.py")}


def _runtime_imports(path: Path) -> set[str]:
    """The sim modules a module imports when it is imported (not under TYPE_CHECKING,
    not inside functions)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node) if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) else ():
            if isinstance(sub, ast.ImportFrom) and sub.module and sub.module.startswith("sim"):
                for alias in sub.names:
                    child = f"{sub.module}.{alias.name}"
                    found.add(child if child in MODULES else sub.module)
            elif isinstance(sub, ast.Import):
                found.update(a.name for a in sub.names if a.name.startswith("sim"))
    return found


def _graph() -> dict[str, set[str]]:
    return {name: {m for m in _runtime_imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def test_imports_go_down_only():
    """No import cycle among the modules of sim/ (a package's __init__ re-exporting its
    modules counts, except the top-level public API ``sim``, which nothing below imports)."""
    graph = _graph()
    graph.pop("sim")
    for edges in graph.values():
        edges.discard("sim")
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path[path.index(nxt) :], nxt]))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_agents_do_not_import_the_model():
    assert "sim.model" not in _runtime_imports(MODULES["sim.agents"])


def test_mechanisms_never_import_the_model_or_the_agents():
    for name in MECHANISMS:
        imported = _runtime_imports(MODULES[f"sim.{name}"])
        assert not imported & {"sim.model", "sim.agents"}, name


def test_no_second_engine_and_no_second_contribution_rule():
    text = "\n".join(p.read_text() for p in MODULES.values())
    assert "engine=" not in text and "will_contribute" not in text
    assert not (SIM / "kernel.py").exists()
