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
import re
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


# -- rooms small enough to hold in your head ----------------------------------------------------
LONGEST = 600  # lines of a module outside i18n/ (the catalog's modules are lists of messages)


def product_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_outside_the_catalog_is_over_600_lines():
    long = {
        str(path.relative_to(SRC)): lines
        for path in product_files()
        if "i18n" not in path.relative_to(PACKAGE).parts
        and (lines := path.read_bytes().count(b"\n")) > LONGEST
    }
    assert long == {}


def test_mypy_is_strict():
    import tomllib

    config = tomllib.loads((SRC.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["mypy"]["strict"] is True


def test_one_module_replaces_files():
    """Every writer goes through `konomi.atomic` (temp file, fsync, replace, fsync the folder)."""
    replacing = [p.name for p in product_files() if "os.replace(" in p.read_text(encoding="utf-8")]
    assert replacing == ["atomic.py"]


def environment_reads(tree: ast.AST) -> set[str]:
    """The names of the environment variables a module reads (`os.environ[...]`, `.get(...)`,
    `os.getenv(...)`), constants resolved where the module names them at its top."""
    constants = {
        target.id: node.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }

    def name(node: ast.expr) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id, node.id)
        return ast.dump(node)

    def is_environ(node: ast.expr) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ"

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and is_environ(node.value):
            found.add(name(node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            owner, method = node.func.value, node.func.attr
            if (is_environ(owner) and method in ("get", "setdefault", "pop")) or method == "getenv":
                found.add(name(node.args[0]))
    return found


TEST_SWITCH = re.compile(r"KONOMI_TEST_|KONOMI_RAY_FAULT_FILE|KONOMI_RAY_CONNECT_TIMEOUT")


def test_test_switches_are_read_in_one_module():
    """Product code asks `konomi.faults`; only it reads the switches tests set."""
    readers = {
        str(path.relative_to(SRC))
        for path in product_files()
        if any(TEST_SWITCH.match(v) for v in environment_reads(ast.parse(path.read_bytes())))
    }
    assert readers == {"konomi/faults.py"}


def test_the_switch_reader_sees_every_way_of_reading():
    code = (
        'import os\nA = "KONOMI_TEST_X"\nos.environ.get(A)\nos.environ["KONOMI_TEST_Y"]\n'
        'os.getenv("KONOMI_TEST_Z")\n'
    )
    assert environment_reads(ast.parse(code)) == {"KONOMI_TEST_X", "KONOMI_TEST_Y", "KONOMI_TEST_Z"}


HTML_TAG = re.compile(r"<\s*/?[A-Za-z!]")


def tags_built_by_hand(tree: ast.AST) -> list[int]:
    """Lines where an f-string, a %-string or str.format starts an HTML tag."""
    lines = []
    for node in ast.walk(tree):
        text = ""
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            text = "".join(part for part in parts if isinstance(part, str))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                text = node.left.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if node.func.attr == "format" and isinstance(owner, ast.Constant):
                text = str(owner.value)
        if HTML_TAG.search(text):
            lines.append(node.lineno)
    return lines


def test_the_report_builds_no_html_tag_by_hand():
    """The report's HTML comes from its template, which escapes every value (autoescape)."""
    found = {
        f"{path.name}:{line}"
        for path in sorted((PACKAGE / "app" / "reports").rglob("*.py"))
        for line in tags_built_by_hand(ast.parse(path.read_bytes()))
    }
    assert found == set()
    planted = 'x = f"<td>{a}</td>"\ny = "<b>%s</b>" % a\nz = "<i>{}</i>".format(a)\n'
    planted += 'w = f"{a} < 3"\n'  # a comparison in words is no tag
    assert sorted(tags_built_by_hand(ast.parse(planted))) == [1, 2, 3]


LEARN_MAY_NOT = re.compile(
    r"\b(open|read_text|read_bytes|write_text|write_bytes|np\.load|np\.save|np\.savez\w*"
    r"|ProcessPoolExecutor|Pool)\s*\("
)
FORBIDDEN = {  # modules learn/ may not import
    "csv", "matplotlib", "multiprocessing", "concurrent", "pathlib", "shutil", "tempfile",
    "sqlite3", "pandas", "pyarrow",
}  # fmt: skip


def test_learn_is_arrays_in_arrays_out():
    """learn/ touches no file, writes no CSV or picture and starts no process."""
    wrong = []
    for path in sorted((PACKAGE / "learn").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            wrong += [f"{path.name} imports {n}" for n in names if n.partition(".")[0] in FORBIDDEN]
        code = "\n".join(line.split("#")[0] for line in text.splitlines())
        wrong += [f"{path.name} calls {m.group(1)}" for m in LEARN_MAY_NOT.finditer(code)]
    assert wrong == []


def test_the_architecture_page_names_every_module_in_its_layer():
    """ARCHITECTURE.md's layer listing names every module, on the lines of its own layer."""
    page = (SRC.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    listing = page.split("## Layers", 1)[1].split("```")[1]
    rows: dict[str, str] = {}
    current = "base"
    for line in listing.splitlines():
        notes = line[66:69] == "   " and line[69:70].strip()  # notes on the right at column 69
        names = line[:69] if notes else line
        if line.startswith("  ") and not line.startswith("   "):  # a layer's first line
            head = names.split()[0].rstrip("/")
            current = head if head in RANK or head in ("i18n", "templates", "static") else "base"
            if current == "i18n" or head == "i18n/":
                current = "i18n"
        rows[current] = rows.get(current, "") + " " + names
    missing = []
    for path in product_files():
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] in ("__init__", "__main__"):
            continue
        where = parts[0] if len(parts) > 1 else "base"
        if not re.search(rf"\b{re.escape(parts[-1])}\b", rows.get(where, "")):
            missing.append("/".join(parts))
    assert missing == []
