"""The package's structure: layers import downward only, the public API is declared."""

import ast
import importlib
import types
from pathlib import Path

import migrasome

SRC = Path(migrasome.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """migrasome module → the migrasome modules it imports (deferred imports included)."""
    files = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        pkg = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    deps.add(full if full in files else target)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[name] = {d for d in deps if d in files and d != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
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
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_among_modules():
    graph = import_graph()
    assert len(graph) > 40  # the walk found the package
    assert cycles(graph) == []


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_public_names_are_listed_and_load():
    names = set(migrasome.__all__)
    assert {"simulate", "analyze", "solve_tube", "render_movie", "compare_results"} <= names
    assert names <= set(dir(migrasome))
    assert callable(migrasome.solve_tube)


def test_stub_declares_every_public_name():
    stub = ast.parse((SRC / "__init__.pyi").read_text())
    declared = set()
    for node in stub.body:
        if isinstance(node, ast.ImportFrom):
            declared |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            stub_all = set(ast.literal_eval(node.value))
    assert set(migrasome.__all__) <= declared
    assert stub_all == set(migrasome.__all__)
    assert (SRC / "py.typed").is_file()


def test_submodules_are_modules_not_shadowed_by_functions():
    mod = importlib.import_module("migrasome.simulation")
    assert isinstance(mod, types.ModuleType)
    assert migrasome.simulate is mod.simulate
