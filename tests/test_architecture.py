"""The layers of src/konomi point one way, and no module imports itself round in a circle.

Every import statement counts — at the top, inside functions, under `if TYPE_CHECKING:` — and a
package that loads its children by name (`import_module`) depends on each of them. The layers
(ARCHITECTURE.md):

    cli  →  app  →  encode  →  store  →  learn  →  base

A module may import its own subpackage and any layer below its own, never one above. (`store`
sits above `learn` because it saves and loads learn's heads; `learn` knows no file.)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "konomi"

BASE = 0
RANK = {"learn": 1, "store": 2, "encode": 3, "app": 4, "cli": 5}
TOP = 6  # konomi.__main__


def modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def imports_of(name: str, path: Path, is_package: bool, known: set[str]) -> set[str]:
    """Every konomi module `name` imports, resolved to the modules that exist."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    targets: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets += [module] + [f"{module}.{alias.name}" for alias in node.names]
    found = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target.startswith("konomi") and target != name:
            found.add(target)
    if is_package and "import_module" in path.read_text(encoding="utf-8"):
        found |= {m for m in known if m.rpartition(".")[0] == name}
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    edges = {}
    for name, (path, is_package) in mods.items():
        deps = imports_of(name, path, is_package, known)
        # a package re-exporting its children, or a child naming its own package, is no edge
        edges[name] = {
            d
            for d in deps
            if not (is_package and d.startswith(name + "."))
            and not (name.startswith(d + ".") and mods[d][1])
        }
    return edges


def layer(module: str) -> tuple[int, str]:
    """(rank, subpackage) of a module: base modules are rank 0."""
    parts = module.split(".")
    if module == "konomi.__main__":
        return TOP, "__main__"
    if len(parts) > 2 and parts[1] in RANK:
        return RANK[parts[1]], parts[1]
    if len(parts) == 2 and parts[1] in RANK:  # the subpackage's own __init__
        return RANK[parts[1]], parts[1]
    if len(parts) >= 2 and parts[1] == "i18n":
        return BASE, "i18n"
    return BASE, "base"


def test_every_module_sits_in_a_known_layer():
    strays = [m for m in graph() if m.count(".") == 1 and m.split(".")[1] not in RANK]
    base = {"konomi", "konomi.__main__", "konomi.errors", "konomi.progress"}
    base |= {"konomi.settings", "konomi.workspace", "konomi.i18n"}
    base |= {"konomi.atomic", "konomi.faults", "konomi.machine"}
    assert sorted(set(strays) - base) == [], "modules at the top level must be base modules"


def upward(edges: dict[str, set[str]]) -> list[str]:
    """Imports that point to the same layer's other subpackage, or up."""
    wrong = []
    for module, deps in edges.items():
        rank, sub = layer(module)
        for dep in deps:
            dep_rank, dep_sub = layer(dep)
            if dep_sub == sub or (rank == BASE and dep_rank == BASE):
                continue  # inside one subpackage, or among base modules
            if dep_rank >= rank:
                wrong.append(f"{module} ({sub}) imports {dep} ({dep_sub})")
    return wrong


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import circles (strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_no_import_points_up_or_across():
    assert upward(graph()) == []


def test_there_is_no_import_circle():
    assert circles(graph()) == []


def test_the_checker_sees_a_circle_and_an_upward_import(tmp_path, monkeypatch):
    """The checks above can fail: a planted lazy circle and upward import are both found."""
    package = tmp_path / "konomi"
    (package / "learn").mkdir(parents=True)
    (package / "app").mkdir()
    for init in (package, package / "learn", package / "app"):
        (init / "__init__.py").write_text("")
    (package / "learn" / "a.py").write_text("def f():\n    from konomi.app import b\n")
    (package / "app" / "b.py").write_text("from konomi.learn import a\n")
    this = sys.modules[__name__]
    monkeypatch.setattr(this, "SRC", tmp_path)
    monkeypatch.setattr(this, "PACKAGE", package)
    edges = graph()
    assert circles(edges) == [["konomi.app.b", "konomi.learn.a"]]
    assert "konomi.learn.a (learn) imports konomi.app.b (app)" in upward(edges)


def test_importing_konomi_sets_nothing_up_until_asked():
    """Global set-up (Pillow's limits, warning filters, the HEIF opener) happens in an explicit
    call at start, not as a side effect of importing a module."""
    import subprocess

    script = (
        "import warnings, PIL.Image as I\n"
        "def ours():  # konomi's filters: about Pillow (libraries it imports add their own)\n"
        "    return [f for f in warnings.filters if 'PIL' in str(f) or 'Bomb' in str(f)]\n"
        "before = (I.MAX_IMAGE_PIXELS, ours(), sorted(I.registered_extensions()))\n"
        "import konomi.cli.main, konomi.app.loop, konomi.encode.images as images\n"
        "after = (I.MAX_IMAGE_PIXELS, ours(), sorted(I.registered_extensions()))\n"
        "assert before == after, (before, after)\n"
        "images.configure()\n"
        "assert I.MAX_IMAGE_PIXELS == 100_000_000 and '.heic' in I.registered_extensions()\n"
        "assert len(ours()) == 2\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
