"""The module layout of gateway.fabric: no import cycles, no private names across modules.

Read with ``ast`` rather than by importing, so every import counts: module level, inside
functions, and under ``if TYPE_CHECKING:`` (a cycle hidden there is still a cycle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import gateway.fabric

PACKAGE = gateway.fabric.__name__
PACKAGE_DIR = Path(gateway.fabric.__file__).parent
MODULES = {path.stem: path for path in sorted(PACKAGE_DIR.glob("*.py"))}
UNIT_TESTS = sorted(Path(__file__).parent.glob("*.py"))


def _imports(source: str, package: str | None) -> Iterator[tuple[ast.AST, str, list[str]]]:
    """(node, module of gateway.fabric imported, names imported from it) for each import.

    ``package`` is the dotted package of the source, for resolving relative imports (None
    outside gateway.fabric, where relative imports cannot reach it). The module is a stem
    of :data:`MODULES` ("__init__" for the package itself).
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE:
                    yield node, "__init__", []
                elif alias.name.startswith(PACKAGE + "."):
                    yield node, alias.name.removeprefix(PACKAGE + ".").split(".")[0], []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if package is None:
                    continue
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            names = [alias.name for alias in node.names]
            if target == PACKAGE:
                # "from . import ledger" imports a module; "from . import Status" the package.
                submodules = [name for name in names if name in MODULES]
                for name in submodules:
                    yield node, name, []
                if len(submodules) < len(names):
                    yield node, "__init__", [name for name in names if name not in MODULES]
            elif target.startswith(PACKAGE + "."):
                yield node, target.removeprefix(PACKAGE + ".").split(".")[0], names


def import_graph() -> dict[str, set[str]]:
    """Module -> the gateway.fabric modules it imports, anywhere in its source."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for _, target, _ in _imports(path.read_text(), PACKAGE):
            if target != name:
                graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None if the graph is acyclic."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for successor in sorted(graph.get(node, ())):
            cycle = visit(successor)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None


def test_find_cycle_sees_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imports_resolve_every_form() -> None:
    source = (
        "from . import ledger\n"
        "from . import Status\n"
        "from .errors import GatewayError\n"
        "from gateway.fabric.client import GatewayClient\n"
        "import gateway.fabric.events\n"
        "def f():\n"
        "    from .commit import Commit\n"
        "if TYPE_CHECKING:\n"
        "    from .transaction import Proposal\n"
    )
    found = {(target, tuple(names)) for _, target, names in _imports(source, PACKAGE)}
    assert found == {
        ("ledger", ()),
        ("__init__", ("Status",)),
        ("errors", ("GatewayError",)),
        ("client", ("GatewayClient",)),
        ("events", ()),
        ("commit", ("Commit",)),
        ("transaction", ("Proposal",)),
    }


def test_no_import_cycle_in_gateway_fabric() -> None:
    graph = import_graph()
    assert graph["__init__"], "the graph should see the package's own imports"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle in gateway.fabric: " + " -> ".join(cycle or [])


def test_commit_names_live_together() -> None:
    import gateway.fabric.commit as commit

    for name in ("Commit", "Status", "CommitError", "validation_code_name"):
        assert getattr(commit, name).__module__ == commit.__name__, name


def _private_imports(paths: list[Path], package: str | None) -> list[str]:
    found = []
    for path in paths:
        for node, target, names in _imports(path.read_text(), package):
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    found.append(f"{path.name}:{getattr(node, 'lineno', '?')}: {name} from {target}")
    return found


def test_no_private_name_crosses_modules_in_gateway_fabric() -> None:
    assert _private_imports(list(MODULES.values()), PACKAGE) == []


def test_unit_tests_use_public_names_of_gateway_fabric() -> None:
    assert _private_imports(UNIT_TESTS, None) == []
