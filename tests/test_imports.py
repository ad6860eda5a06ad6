"""The package's imports, read with ``ast``: no import cycle, no private name across modules.

Every ``import`` counts, at the top of a module or inside a function (a lazy import
only hides a cycle until the function runs), except under ``if __name__ == "__main__":``:
that code runs only as a script (``python -m micrograd_cn.ops``), never on import.
A private name is one with a leading underscore that is not a dunder (``__version__``
is public): importing one from another module (``from .render import _svg``) or
reading one off an imported module (``viz._svg(...)``) fails.
"""

import ast
from collections import deque
from pathlib import Path

import micrograd_cn

PACKAGE = Path(micrograd_cn.__file__).parent
NAME = "micrograd_cn"


def modules() -> dict[str, ast.Module]:
    """Module name (``viz``; ``__init__`` for the package) -> its syntax tree."""
    return {
        path.stem: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for path in sorted(PACKAGE.glob("*.py"))
    }


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_main_guard(node) -> bool:
    test = getattr(node, "test", None)
    return (
        isinstance(node, ast.If)
        and isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def walk_outside_main(tree: ast.Module):
    """Every node of ``tree`` except those under ``if __name__ == "__main__":``."""
    todo = deque([tree])  # breadth first, as ast.walk
    while todo:
        node = todo.popleft()
        yield node
        todo.extend(c for c in ast.iter_child_nodes(node) if not is_main_guard(c))


def imports(tree: ast.Module, known: set[str]):
    """(imported module, names taken from it, local aliases bound to sibling modules)."""
    for node in walk_outside_main(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module is None:  # from . import x, y
                for alias in node.names:
                    if alias.name in known:
                        yield alias.name, [], [alias.asname or alias.name]
                    else:  # a name defined in the package's __init__
                        yield "__init__", [alias.name], []
            elif node.level == 1 or (node.level == 0 and node.module.startswith(f"{NAME}.")):
                module = node.module if node.level == 1 else node.module.split(".", 1)[1]
                yield module.split(".")[0], [a.name for a in node.names], []
            elif node.level == 0 and node.module == NAME:
                for alias in node.names:
                    module = alias.name if alias.name in known else "__init__"
                    aliases = [alias.asname or alias.name] if alias.name in known else []
                    yield module, [] if aliases else [alias.name], aliases
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(f"{NAME}."):
                    yield alias.name.split(".")[1], [], []


def import_graph() -> tuple[dict[str, set[str]], list[str]]:
    """Edges module -> modules it imports, and every private name crossing modules."""
    trees = modules()
    known = set(trees)
    edges: dict[str, set[str]] = {name: set() for name in trees}
    crossings = []
    for name, tree in trees.items():
        sibling_aliases = {}
        for target, names, aliases in imports(tree, known):
            if target != name:
                edges[name].add(target)
            crossings += [f"{name}: from {target} import {n}" for n in names if is_private(n)]
            sibling_aliases.update(dict.fromkeys(aliases, target))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in sibling_aliases
                and is_private(node.attr)
            ):
                crossings.append(f"{name}: {node.value.id}.{node.attr}")
    return edges, crossings


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path (``[a, b, a]``), or None; iterative depth-first search."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    for start in sorted(edges):
        if state.get(start):
            continue
        path, stack = [], [(start, iter(sorted(edges[start])))]
        state[start] = 1
        path.append(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return [*path[path.index(child) :], child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(edges.get(child, ())))))
    return None


def test_the_package_has_no_import_cycle():
    edges, _ = import_graph()
    assert len(edges) >= 25 and "graph" in edges["viz"] and "graph" in edges["player"]
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges))


def test_no_private_name_crosses_a_module_boundary():
    _, crossings = import_graph()
    assert crossings == []


def test_the_checks_see_a_cycle_and_a_private_import():
    """The checks themselves: a made-up cycle and a private import are found."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    tree = ast.parse(
        "from .render import _svg, inline_svg\nfrom . import viz\nviz._names([])\n"
        "def lazy():\n    from micrograd_cn.trace import _probe\n"
    )
    found = list(imports(tree, {"render", "viz", "trace"}))
    assert found == [("render", ["_svg", "inline_svg"], []), ("viz", [], ["viz"]),
                     ("trace", ["_probe"], [])]  # fmt: skip
    assert [n for _, names, _ in found for n in names if is_private(n)] == ["_svg", "_probe"]
    script = ast.parse('if __name__ == "__main__":\n    from .ops_doc import main\n')
    assert list(imports(script, {"ops_doc"})) == []  # runs only as a script
