"""No import cycles in facelime: among its modules, and among its subpackages and top-level modules;
and no plotting or fitting library loaded where it is not used (the Snakefile, most jobs).

Every import counts, those inside functions too (a lazy import hides a cycle; it does not
remove it), but for `if TYPE_CHECKING:` blocks, which never run. The graph is read from the source with ast, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "facelime"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement may load (a `from` import's names may be modules)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        here = module.split(".") if is_package else module.split(".")[:-1]
        base = here[: len(here) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [target] + [f"{target}.{alias.name}" for alias in node.names]


def type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes inside `if TYPE_CHECKING:` blocks (read by type checkers, never run)."""
    hidden = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            hidden.update(id(inner) for part in node.body for inner in ast.walk(part))
    return hidden


def import_graph() -> dict[str, set[str]]:
    """facelime module -> the facelime modules it imports. Importing a.b.c also runs the package a.b,
    so an import from outside a package counts as importing the package too."""
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: set() for name in paths}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(), str(path))
        hidden = type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            for target in imported(node, name, path.name == "__init__.py"):
                parts = target.split(".")
                for depth in range(2, len(parts) + 1):
                    ancestor = ".".join(parts[:depth])
                    inside = name == ancestor or name.startswith(ancestor + ".")
                    if ancestor in paths and not inside and (depth == len(parts) or paths[ancestor].name == "__init__.py"):
                        graph[name].add(ancestor)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None (depth-first search, three colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def collapsed(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph between facelime's subpackages and top-level modules (facelime.explainers, facelime.config, ...)."""
    top = lambda name: ".".join(name.split(".")[:2])  # noqa: E731
    out: dict[str, set[str]] = {}
    for name, targets in graph.items():
        out.setdefault(top(name), set()).update(top(t) for t in targets if top(t) != top(name))
    return out


def test_the_graph_sees_the_imports_that_are_there():
    graph = import_graph()
    assert "facelime.explainers.scoring" in graph["facelime.explainers.lime"]
    assert "facelime.explainers" in graph["facelime.steps.explain"]  # `from ..explainers import explain_face`
    assert "facelime.explainers" in graph["facelime.validity.faithfulness"]  # the package runs before its module
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_import_cycle_among_subpackages():
    cycle = find_cycle(collapsed(import_graph()))
    assert cycle is None, "import cycle between subpackages: " + " -> ".join(cycle)


# Libraries that take 0.3 to 0.9 s each to import, which only the jobs that draw, rank or fit use
HEAVY = ("matplotlib.pyplot", "seaborn", "pandas", "sklearn", "scipy.stats", "lime")


def loaded_after(statements: list[str]) -> set[str]:
    """The heavy libraries in sys.modules after running the import statements in a fresh Python."""
    import json
    import subprocess
    import sys

    probe = "\n".join(statements + ["import json, sys",
                                    f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"])
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=PACKAGE.parent, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_workflow_plans_without_plotting_or_fitting_libraries():
    """Every `snakemake` start imports what the .smk files import: kept to the plan and its
    light helpers (docs/code.md), it costs ~0.2 s instead of ~1.3 s before the DAG is built."""
    rules = PACKAGE.parent / "rules"
    statements = [line.strip() for smk in [PACKAGE.parent / "Snakefile", *sorted(rules.glob("*.smk"))]
                  for line in smk.read_text().splitlines()
                  if line.strip().startswith(("from facelime", "import facelime"))]
    assert any("facelime.plan.build" in s for s in statements)  # the probe sees the real imports
    assert loaded_after(statements) == set()


def test_jobs_import_only_what_their_step_uses():
    """A job's process imports its step module: a heatmap, alignment or KL job draws no seaborn
    chart and fits no surrogate, so it must not pay for those libraries at start."""
    assert loaded_after(["import facelime.steps.heatmaps", "import facelime.steps.align",
                         "import facelime.steps.compare", "import facelime.steps.explain",
                         "import facelime.steps.validity"]) == set()
    assert {"matplotlib.pyplot"} <= loaded_after(["import facelime.figures"])  # the probe sees a real import
