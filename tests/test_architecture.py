"""The layers a newcomer can see, kept by a test rather than by goodwill.

- Only `app/data/` (and `app/db.py`, which connects) talks to MongoDB for records: elsewhere no
  module touches `database.db`, a raw collection, a session or GridFS, and none spells the
  tenant key `_account` outside the documents that declare it and their indexes.
- Domain documents and services are free of GraphQL: they do not import Strawberry.
- No import cycles among `app/` modules, counting the imports only a type checker reads.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
DATA_PATH = ("data/", "db.py", "embedded.py")
RAW_MODULES = ("pymongo.asynchronous.collection", "gridfs", "pymongo.asynchronous.database")
RAW_ATTRIBUTES = frozenset({"db", "start_session"})
GRAPHQL_FREE = ("documents.py", "services.py")


def modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP).as_posix()
        yield relative, path, ast.parse(path.read_text(), filename=str(path))


def imported(node: ast.AST, module: str) -> list[str]:
    """The modules an import statement names, absolute."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = module.split(".")[: -node.level]
            base = ".".join([*package, *([base] if base else [])])
        return [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return []


def raw_access(relative: str, tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Attribute) and node.attr in RAW_ATTRIBUTES:
            yield f"app/{relative}:{line} reaches the database directly (.{node.attr})"
        for name in imported(node, ""):
            if name.startswith(RAW_MODULES):
                yield f"app/{relative}:{line} imports {name}"
        declares = relative.endswith("documents.py")
        if isinstance(node, ast.Constant) and node.value == "_account" and not declares:
            yield f"app/{relative}:{line} spells the tenant key '_account'"


def test_only_the_data_path_talks_to_mongodb() -> None:
    # given every module outside the data path
    # when their syntax is read
    found = [
        problem
        for relative, _, tree in modules()
        if not relative.startswith(DATA_PATH)
        for problem in raw_access(relative, tree)
    ]
    # then none reaches a collection, a session or the tenant key by itself
    assert not found, "use a Scope (app/data/) instead:\n" + "\n".join(found)


def test_domain_documents_and_services_are_free_of_graphql() -> None:
    found = [
        f"app/{relative} imports {name}"
        for relative, _, tree in modules()
        if relative.endswith(GRAPHQL_FREE) and "/" in relative
        for node in ast.walk(tree)
        for name in imported(node, "")
        if name.split(".")[0] == "strawberry" or name.startswith("app.graphql")
    ]
    assert not found, "GraphQL belongs in types, inputs, queries and mutations:\n" + "\n".join(
        found
    )


def import_graph() -> dict[str, set[str]]:
    names = {
        ("app." + relative[:-3].replace("/", ".")).removesuffix(".__init__"): tree
        for relative, _, tree in modules()
    }
    graph: dict[str, set[str]] = {}
    for module, tree in names.items():
        package = module if module in _packages(names) else module.rpartition(".")[0]
        targets = set()
        for node in ast.walk(tree):
            for name in imported(node, package + ".x"):
                while name and name not in names:
                    name = name.rpartition(".")[0]
                if name and name != module and not module.startswith(name + "."):
                    targets.add(name)
        graph[module] = targets
    return graph


def _packages(names: dict[str, ast.Module]) -> set[str]:
    return {name.rpartition(".")[0] for name in names}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(group) for group in found)


def test_the_rules_catch_a_raw_find_in_a_domain_module() -> None:
    # given a domain module that reads a collection by itself
    tree = ast.parse("async def f(database):\n    return await database.db.patients.find_one({})\n")
    # then the data-path rule names it
    assert list(raw_access("patients/services.py", tree)) == [
        "app/patients/services.py:2 reaches the database directly (.db)"
    ]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
