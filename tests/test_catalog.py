"""The message catalog: every message in both languages, with the same fields in each, and each
renders."""

from __future__ import annotations

import ast
import errno
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import konomi
from konomi import i18n
from konomi.errors import KonomiError, from_os_error
from konomi.learn import thresholds
from konomi.learn.head import train_head
from konomi.learn.simulate.replay import Plan, check_plan
from konomi.settings import Settings
from konomi.store.journal import Journal, PlannedMove
from konomi.store.labels import LabelStore
from konomi.workspace import Workspace

SOURCE = Path(konomi.__file__).parent
KANA = re.compile("[\u3040-\u30ff]")  # hiragana or katakana: a Japanese sentence


def test_every_message_exists_in_both_languages():
    assert i18n.missing() == []


@pytest.mark.parametrize("key", sorted(i18n.CATALOG))
def test_both_languages_use_the_same_fields_and_render(key):
    texts = i18n.CATALOG[key]
    en, ja = i18n.fields_of(texts["en"]), i18n.fields_of(texts["ja"])
    assert en == ja, f"{key}: English fields {en}, Japanese fields {ja}"
    values = {name: 1 for name in en}  # a number suits every format spec ({n:,} {x:.2f})
    for lang in i18n.LANGUAGES:
        assert i18n.t(key, lang, **values)


def test_the_language_comes_from_the_setting_then_the_environment(monkeypatch):
    monkeypatch.delenv("KONOMI_LANG", raising=False)
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.from_environment() == "ja"
    monkeypatch.setenv("KONOMI_LANG", "en")
    assert i18n.from_environment() == "en"
    i18n.set_language("ja")
    try:
        assert i18n.language() == "ja" and i18n.t("error.prefix") == "エラー:"
    finally:
        i18n.set_language(None)
    assert i18n.language() == "en"


def test_hints_name_the_command_one_way(monkeypatch):
    monkeypatch.delenv("KONOMI_COMMAND", raising=False)
    assert i18n.command() == "uv run konomi"
    monkeypatch.setenv("KONOMI_COMMAND", "konomi")
    assert i18n.command() == "konomi"
    literal = [
        k for k, texts in i18n.CATALOG.items() for v in texts.values() if "uv run konomi" in v
    ]
    assert literal == [], "write {cmd} where a hint names a konomi command"


# -- no message written in the code ----------------------------------------------------------------


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """KonomiError and every class of src/konomi that derives from it, however indirectly."""
    names = {"KonomiError"}
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {
                        b.id if isinstance(b, ast.Name) else getattr(b, "attr", None)
                        for b in node.bases
                    }
                    if bases & names:
                        names.add(node.name)
                        grew = True
    return names


def _written_in_code(node: ast.expr) -> bool:
    """A text spelt out in the code ("…", f"…", "…" + x, "…".format(…)) instead of t(...)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _written_in_code(node.left) or _written_in_code(node.right)
    if isinstance(node, ast.IfExp):
        return _written_in_code(node.body) or _written_in_code(node.orelse)
    func = node.func if isinstance(node, ast.Call) else None
    return (
        isinstance(func, ast.Attribute) and func.attr == "format" and _written_in_code(func.value)
    )


def literal_error_messages(root: Path) -> list[str]:
    """`file:line` of every KonomiError (or subclass) raised with a message or hint that does not
    come from the catalog."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.py"))}
    errors = _error_classes(trees)
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in errors:
                continue
            said = [
                *node.args[:2],
                *(k.value for k in node.keywords if k.arg in ("message", "hint")),
            ]
            if any(_written_in_code(arg) for arg in said):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_no_error_message_is_written_in_the_code():
    assert literal_error_messages(SOURCE) == [], "raise KonomiError(t(key, ...), t(key, ...))"


@pytest.mark.parametrize(
    "call",
    [
        'KonomiError("Cannot open it.")',
        "KonomiError(t('a.b'), f'Run {cmd} again.')",
        "NoHeadError(message=t('a.b'), hint='Retrain.')",
        "Refused(t('a.b') + ' Nothing was moved.')",
    ],
)
def test_the_check_finds_a_message_written_in_the_code(tmp_path, call):
    (tmp_path / "errors.py").write_text(
        "class KonomiError(Exception): ...\nclass NoHeadError(KonomiError): ...\n"
    )
    (tmp_path / "more.py").write_text(
        "from errors import NoHeadError\nclass Refused(NoHeadError): ...\n"
        f"def f():\n    raise {call}\n"
    )
    assert literal_error_messages(tmp_path) == ["more.py:4"]
    (tmp_path / "more.py").write_text("def f():\n    raise KonomiError(t('a.b'), t('a.c'))\n")
    assert literal_error_messages(tmp_path) == []


# -- errors raised below the CLI speak the language in force ---------------------------------------


@pytest.fixture
def japanese(monkeypatch):
    monkeypatch.setenv("KONOMI_LANG", "ja")
    i18n.set_language(None)
    return None


def _in_japanese(exc: KonomiError) -> None:
    assert KANA.search(exc.message), exc.message
    assert exc.hint and KANA.search(exc.hint), exc.hint


def test_a_broken_label_store_is_reported_in_japanese(japanese, tmp_path):
    path = tmp_path / ".konomi" / "labels.sqlite"
    path.parent.mkdir()
    path.write_bytes(b"not a database at all " * 100)
    with pytest.raises(KonomiError) as caught:
        LabelStore(path)
    _in_japanese(caught.value)
    assert str(path) in caught.value.message


def test_a_label_store_whose_upgrade_fails_is_reported_in_japanese(japanese, tmp_path):
    path = tmp_path / "labels.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE labels (x)")  # schema step 1 cannot index a table of this shape
    db.close()
    with pytest.raises(KonomiError) as caught:
        LabelStore(path)
    _in_japanese(caught.value)
    assert "no such column" in caught.value.message  # sqlite's own words, in the parentheses
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone() == (0,)  # the step was rolled back
    db.close()


def test_a_journal_from_a_newer_konomi_is_refused_in_japanese(japanese, tmp_path):
    ws = Workspace(tmp_path)
    ws.state.mkdir()
    db = sqlite3.connect(ws.journal_path)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(KonomiError) as caught:
        Journal(ws)
    _in_japanese(caught.value)
    assert "99" in caught.value.message


def test_simulate_refuses_an_unknown_strategy_in_japanese(japanese):
    with pytest.raises(KonomiError) as caught:
        check_plan(Plan(strategies=("guesswork",), protocol="session", start=0))
    _in_japanese(caught.value)
    assert "guesswork" in caught.value.message


def test_bad_thresholds_are_refused_in_japanese(japanese):
    y = np.array([1, 0] * 20)
    oof = np.linspace(0.9, 0.1, 40)
    with pytest.raises(KonomiError) as caught:
        thresholds.settle(y, oof, Settings(), 1.5, [])
    _in_japanese(caught.value)
    warnings: list[str] = []
    settings = Settings().with_overrides(like_threshold=0.8)
    thresholds.settle(y, oof, settings, 0.9, warnings)
    assert len(warnings) == 1 and KANA.search(warnings[0]), warnings


def test_training_without_dislikes_is_refused_in_japanese(japanese):
    X = np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32)
    with pytest.raises(KonomiError) as caught:
        train_head(X, np.ones(10, dtype=np.int64))
    _in_japanese(caught.value)


def test_a_file_system_failure_is_reported_in_japanese(japanese):
    exc = OSError(errno.ENOSPC, "No space left on device", "/data/a.jpg")
    known = from_os_error(exc)
    _in_japanese(known)
    assert "/data/a.jpg" in known.message and "ディスクに空きがありません" in known.message
    assert "No space left on device" not in known.message  # the OS's words said in Japanese


def test_konomi_toml_language_reaches_errors_below_the_cli(monkeypatch):
    """language = "ja" in konomi.toml (set_language, as the CLI does once it has read it)."""
    monkeypatch.setenv("KONOMI_LANG", "en")
    i18n.set_language("ja")
    try:
        with pytest.raises(KonomiError) as caught:
            check_plan(Plan(protocol="weekly"))
    finally:
        i18n.set_language(None)
    assert KANA.search(caught.value.message), caught.value.message
    with pytest.raises(KonomiError) as caught:
        check_plan(Plan(protocol="weekly"))
    assert not KANA.search(caught.value.message)


def test_the_review_guard_refuses_in_the_browsers_language_unless_one_is_set():
    from starlette.responses import PlainTextResponse
    from starlette.testclient import TestClient

    from konomi.app.review.guard import Guard

    page = PlainTextResponse("the page")
    for setting, asked, japanese in ((None, "ja,en;q=0.8", True), ("en", "ja", False)):
        client = TestClient(Guard(page, "token", 8765, setting))  # no lifespan: the guard has none
        refused = client.get("/", headers={"Accept-Language": asked})  # Host: testserver
        assert refused.status_code == 400
        assert bool(KANA.search(refused.text)) is japanese, refused.text


def test_undo_forgets_a_deleted_file_whatever_the_language(japanese, tmp_path):
    """Undo stops offering a move whose file is gone: known by the reason's type, not by its
    English words, so it holds in Japanese too."""
    ws = Workspace(tmp_path)
    unlabeled, like = ws.unlabeled, ws.classified_dir("like")
    unlabeled.mkdir(parents=True)
    for i in range(2):
        (unlabeled / f"{i}.jpg").write_bytes(b"image %d" % i)
    with Journal(ws) as journal:
        report = journal.run("classify", [PlannedMove(p, like) for p in unlabeled.iterdir()])
    report.moved[0][1].unlink()  # the person deleted one
    with Journal(ws) as journal:
        back = journal.undo(journal.last_undoable() or 0)
        assert len(back.moved) == 1 and KANA.search(back.skipped[0][1]), back.skipped
        assert journal.last_undoable() is None


def test_a_reason_kept_in_the_cache_reads_in_the_language_of_each_run(workspace, konomi):
    """The cache remembers why a file is unreadable (so it is not decoded again) as a message
    key and its fields, never as words of the language of the run that found it."""
    ws = workspace(n_like=6, n_dislike=6, n_unlabeled=1)
    (ws.root / "data/unlabeled/broken.jpg").write_bytes(b"these bytes are no image")
    konomi("train", root=ws.root, env={"KONOMI_LANG": "ja"}, check=True)
    found = konomi("classify", "--dry-run", root=ws.root, env={"KONOMI_LANG": "ja"}, check=True)
    assert "画像ではありません" in found.out
    db = sqlite3.connect(ws.root / ".konomi" / "cache.sqlite")
    (kept,) = db.execute("SELECT reason FROM failures").fetchone()
    db.close()
    assert not KANA.search(kept), kept
    assert i18n.shown(kept) == i18n.t("unreadable.not_image")

    later = konomi("classify", "--dry-run", root=ws.root, env={"KONOMI_LANG": "en"}, check=True)
    assert "broken.jpg: not an image" in later.out and not KANA.search(later.out)
    # Words written by an older konomi are shown as they are.
    assert i18n.shown("not an image (old words)") == "not an image (old words)"
