"""sitegen's shape (issue 16): no module over 500 lines, at most five functions over 60 lines,
no import cycle between its modules, and each module saying what it owns.

What is over a limit today is listed with its length: an allowance that may shrink, never
grow, and that is struck off once its module or function is within the limit."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sitegen"
MOST_LINES = 500  # a module's
MOST_FUNCTION_LINES = 60  # a function's, from its `def` to its last line
MOST_LONG_FUNCTIONS = 5  # functions over MOST_FUNCTION_LINES in all of sitegen

# Modules over MOST_LINES now, being split: each may shrink, never grow past its length here.
LONG_MODULES: dict[str, int] = {}
# Functions over MOST_FUNCTION_LINES now (module:qualified name): the same.
LONG_FUNCTIONS = {
    "engine/standby.py:publish": 84,
    "engine/standby.py:_update_spare": 76,
}


def modules() -> dict[str, Path]:
    """Every module of sitegen by its dotted name (a package by its own: sitegen.policy)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def module_lengths() -> dict[str, int]:
    return {_name(path): len(path.read_text().splitlines()) for path in modules().values()}


def function_lengths() -> dict[str, int]:
    """Every function and method (nested ones too, and counted within theirs) by
    module:qualified name, with its lines from `def` to its last (decorators left out)."""
    lengths: dict[str, int] = {}

    def walk(node: ast.AST, prefix: str, module: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                key = f"{module}:{prefix}{child.name}"
                size = (child.end_lineno or child.lineno) - child.lineno + 1
                lengths[key] = max(size, lengths.get(key, 0))  # (a property's setter: the longer)
                walk(child, f"{prefix}{child.name}.", module)
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.", module)
            else:
                walk(child, prefix, module)

    for path in modules().values():
        walk(ast.parse(path.read_text(), str(path)), "", _name(path))
    return lengths


def _over(lengths: dict[str, int], limit: int, allowed: dict[str, int]) -> list[str]:
    """What is longer than `limit` or, when listed, than its allowance."""
    return [
        f"{name}: {size} lines" + (f" ({allowed[name]} allowed)" if name in allowed else "")
        for name, size in sorted(lengths.items())
        if size > max(limit, allowed.get(name, 0))
    ]


def _needless(lengths: dict[str, int], limit: int, allowed: dict[str, int]) -> list[str]:
    """Allowances for what is now within `limit`, or gone."""
    return [
        f"{name}: {f'{lengths[name]} lines' if name in lengths else 'gone'}"
        for name in sorted(allowed)
        if lengths.get(name, 0) <= limit
    ]


def test_no_module_grows_past_500_lines() -> None:
    over = _over(module_lengths(), MOST_LINES, LONG_MODULES)
    assert not over, f"split these modules (a listed one: back to its length): {over}"


def test_no_function_grows_past_60_lines() -> None:
    over = _over(function_lengths(), MOST_FUNCTION_LINES, LONG_FUNCTIONS)
    assert not over, f"split these functions (a listed one: back to its length): {over}"


def test_every_allowance_is_still_needed() -> None:
    """Once a module or function is within its limit it comes off its list: the lists only
    shrink."""
    needless = _needless(module_lengths(), MOST_LINES, LONG_MODULES)
    assert not needless, f"strike these off LONG_MODULES: {needless}"
    needless = _needless(function_lengths(), MOST_FUNCTION_LINES, LONG_FUNCTIONS)
    assert not needless, f"strike these off LONG_FUNCTIONS: {needless}"


def test_no_module_over_500_lines() -> None:
    assert [name for name, size in module_lengths().items() if size > MOST_LINES] == []


def test_at_most_five_functions_over_60_lines() -> None:
    long = [name for name, size in function_lengths().items() if size > MOST_FUNCTION_LINES]
    assert len(long) <= MOST_LONG_FUNCTIONS, long


def test_every_module_says_what_it_owns() -> None:
    silent = [
        n for n, path in modules().items() if not ast.get_docstring(ast.parse(path.read_text()))
    ]
    assert not silent, f"give these modules a docstring saying what they own: {silent}"


# The import graph -------------------------------------------------------------------------
#
# Only imports that run when a module is imported count: those at its top level (within an
# `if`, a `try` or a class body too). An import inside a function runs when the function is
# called, after every module has finished loading, so it can never meet a module half made;
# sitegen puts some there on purpose, to keep each command's start fast (rich only on a
# terminal, Pillow only when a photo is opened, the preview server and the SAR modules only for
# their commands). Imports under `if TYPE_CHECKING:` never run at all (annotations only).


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(nodes: Iterable[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        elif isinstance(node, ast.If) and _is_type_checking(node):
            yield from _top_level_imports(node.orelse)
        else:
            yield from _top_level_imports(ast.iter_child_nodes(node))


def _named(node: ast.Import | ast.ImportFrom, package: str, known: dict[str, Path]) -> set[str]:
    """The modules an import statement names: `from p import m` names the module p.m when
    there is one, else p (for the names it takes from p)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:  # relative: from . import x, from ..y import z
        above = package.split(".")[: package.count(".") + 2 - node.level]
        base = ".".join([*above, *([node.module] if node.module else [])])
    return {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names}


def _packages(module: str) -> set[str]:
    """The packages a module is in: sitegen.policy.names is in sitegen and sitegen.policy."""
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def import_graph() -> dict[str, set[str]]:
    """Each sitegen module and the sitegen modules its top-level imports run: the ones it
    names, and the packages those are in (importing sitegen.policy.names runs sitegen.policy
    first) but for the module's own packages, which are loaded before it is."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        named: set[str] = set()
        for node in _top_level_imports(ast.parse(path.read_text(), str(path)).body):
            named |= _named(node, package, known)
        above = set().union(*(_packages(target) for target in named)) - _packages(name)
        graph[name] = {module for module in named | above if module in known} - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each group of modules that import each other (Tarjan's strongly
    connected components), as a path that ends where it starts."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_path_round(group, graph) for group in groups]


def _path_round(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """The shortest path from the group's first module back to it, within the group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for other in sorted(graph[node] & group):
            if other == start:
                return [*paths[node], start]
            if other not in paths:
                paths[other] = [*paths[node], other]
                queue.append(other)
    raise AssertionError(f"no way round {group}")  # (never: the group is strongly connected)


FAKE = {  # a package of every kind of import the graph must read, and a cycle
    "__init__.py": "",
    "a.py": "import sitegen.b\n\n\ndef f():\n    from sitegen import c\n\n    def g():\n        pass\n",
    "b.py": "from sitegen.sub.d import x\n",  # sitegen.sub runs first
    "c.py": "try:\n    import sitegen.a\nexcept ImportError:\n    pass\n",
    "sub/__init__.py": "from sitegen.sub.d import x\n",
    "sub/d.py": "from . import e\nfrom sitegen.sub import y\n",  # y: sitegen.sub half made
    "sub/e.py": "if TYPE_CHECKING:\n    from sitegen import a\nelse:\n    import os\n",
}


def test_the_import_graph_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The graph holds what the files say (one read wrong would have no cycle either)."""
    for name, text in FAKE.items():
        (tmp_path / "sitegen" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "sitegen" / name).write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "sitegen")
    graph = import_graph()
    assert graph == {
        "sitegen": set(),
        "sitegen.a": {"sitegen.b"},  # not c: imported in a function
        "sitegen.b": {"sitegen.sub", "sitegen.sub.d"},
        "sitegen.c": {"sitegen.a"},
        "sitegen.sub": {"sitegen.sub.d"},
        "sitegen.sub.d": {"sitegen.sub", "sitegen.sub.e"},  # e: in its own package
        "sitegen.sub.e": set(),  # a: for type checking only
    }
    assert cycles(graph) == [["sitegen.sub", "sitegen.sub.d", "sitegen.sub"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"a"}}) == [["a", "a"]]
    assert function_lengths() == {"a.py:f": 5, "a.py:f.g": 2}


def test_no_import_cycle() -> None:
    assert [" -> ".join(cycle) for cycle in cycles(import_graph())] == []
