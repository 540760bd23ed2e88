"""The layout holds: imports run one way (docs/ARCHITECTURE.md), no import cycles, the
dashboard reaches the detector only through pipeline, modules stay small.

Every module's imports — top-level and inside functions — are read with ``ast``, so a lazy
import that runs up the layers is caught as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("detector", "pipeline", "ui")
#: the layers, lowest first; a module imports only from its own layer or lower ones
LAYERS: tuple[tuple[str, ...], ...] = (
    ("detector",),
    ("pipeline", "pipeline.settings", "pipeline.errors"),
    ("pipeline.scoring",),
    ("pipeline.store", "pipeline.jobs", "pipeline.reports", "pipeline.compare"),
    ("pipeline.cli", "ui", "dashboard"),
)
MAX_LINES = 600
MAX_LOOSE_PIPELINE_MODULES = 6


def _modules() -> dict[str, Path]:
    out = {"dashboard": ROOT / "dashboard.py"}
    for top in PRODUCT:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules ``name`` imports (a package import counts as its ``__init__``)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for t in targets:
            while t and t not in MODULES:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(name: str) -> int:
    best = (-1, -1)  # (length of the matching prefix, layer)
    for i, layer in enumerate(LAYERS):
        for prefix in layer:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best[0]:
                best = (len(prefix), i)
    assert best[1] >= 0, f"{name} is in no layer of docs/ARCHITECTURE.md"
    return best[1]


def test_imports_never_run_up_the_layers():
    upward = [
        f"{a} (layer {_layer(a)}) imports {b} (layer {_layer(b)})"
        for a, targets in GRAPH.items()
        for b in sorted(targets)
        if _layer(b) > _layer(a)
    ]
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    # Tarjan's strongly connected components; a package's __init__ re-exporting its own
    # modules is a face, not a loop
    def edges(a: str) -> set[str]:
        return {b for b in GRAPH[a] if not a.startswith(b + ".")}

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_dashboard_imports_pipeline_only():
    front = [n for n in GRAPH if n == "dashboard" or n == "ui" or n.startswith("ui.")]
    direct = [f"{a} imports {b}" for a in front for b in GRAPH[a] if _layer(b) == 0]
    assert not direct, "\n".join(direct)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name: str):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name]} has {lines} lines (split it: at most {MAX_LINES})"


def test_pipeline_keeps_few_loose_modules():
    loose = sorted(p.name for p in (ROOT / "pipeline").glob("*.py"))
    assert len(loose) <= MAX_LOOSE_PIPELINE_MODULES, loose


def test_the_scene_renderer_is_not_installed():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'include = ["detector*", "pipeline*", "ui*"]' in text
    assert not (ROOT / "pipeline" / "synth").exists()
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            assert not any(n == "synth" or n.startswith("synth.") for n in names), name


def test_layout_checks_can_fail():
    # the checks above see what they claim to: a known lazy import, a known face
    assert "pipeline.jobs.batch" in GRAPH["pipeline.jobs"]  # the package's face
    assert "pipeline.reports.export" in GRAPH["pipeline.cli.nights"]  # imported in a function
    assert _layer("pipeline.reports.pdf") == 3 and _layer("detector.video") == 0
