"""`--help` in the person's language: every command's and option's help comes from the catalog,
in the language of the environment when the CLI is imported (KONOMI_LANG, else the locale)."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import konomi
import konomi.cli
from konomi import i18n
from konomi.settings import DEFAULT_DISLIKE, DEFAULT_LIKE

JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")  # kana or kanji
KANA = re.compile("[\u3040-\u30ff]")
LANGUAGE_VARIABLES = ("KONOMI_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def fresh_app(monkeypatch: pytest.MonkeyPatch, **env: str) -> typer.Typer:
    """The click command tree of konomi with its help built the way a new process builds it: the
    CLI modules imported anew under `env` (the language variables not named in it unset). The
    modules imported before are put back when the test ends."""
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(i18n, "_chosen", None)  # no konomi.toml has spoken in a new process
    monkeypatch.setattr(konomi, "cli", konomi.cli)
    for name in [n for n in sys.modules if n == "konomi.cli" or n.startswith("konomi.cli.")]:
        monkeypatch.delitem(sys.modules, name)
    return importlib.import_module("konomi.cli.main").app


def fresh_cli(monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    """The click command tree of `fresh_app` (Typer's own click: typed loosely here)."""
    return typer.main.get_command(fresh_app(monkeypatch, **env))


def walk(command: Any, path: str = "konomi") -> Iterator[tuple[str, str | None]]:
    """(where, help) of the command, each of its parameters, and every subcommand, recursively
    (Typer's own click: a group is what has `commands`)."""
    yield path, command.help
    for param in command.params:
        yield f"{path} {param.name}", getattr(param, "help", None)
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, f"{path} {name}")


def test_every_command_and_option_has_help_in_both_languages(monkeypatch):
    english = dict(walk(fresh_cli(monkeypatch, KONOMI_LANG="en")))
    japanese = dict(walk(fresh_cli(monkeypatch, KONOMI_LANG="ja")))
    assert english.keys() == japanese.keys()
    assert len(english) > 60  # the whole tree was walked, not the top alone
    assert {"konomi train", "konomi models", "konomi models use", "konomi simulate"} <= set(english)
    for where in english:
        en, ja = english[where], japanese[where]
        assert en and en.strip(), f"{where}: no English help"
        assert ja and ja.strip(), f"{where}: no Japanese help"
        assert en != ja, f"{where}: the same text in both languages"
        assert JAPANESE.search(ja), f"{where}: not Japanese: {ja!r}"
        assert not KANA.search(en.replace("好み", "")), f"{where}: Japanese in English: {en!r}"
        for text in (en, ja):
            assert "{" not in text.replace("{like,dislike,unsure}", "").replace(
                "{path, similarity}", ""
            ), f"{where}: an unfilled field: {text!r}"
    for lang, helps in (("en", english), ("ja", japanese)):
        assert str(DEFAULT_LIKE) in helps["konomi train like_threshold"], lang
        assert str(DEFAULT_DISLIKE) in helps["konomi train dislike_threshold"], lang


def test_the_help_follows_the_locale_when_konomi_lang_is_unset(monkeypatch):
    japanese = fresh_cli(monkeypatch, LANG="ja_JP.UTF-8")
    assert japanese.help == i18n.t("cli.help.konomi", "ja")
    assert japanese.commands["train"].help == i18n.t("cli.help.train", "ja")
    english = fresh_cli(monkeypatch, LANG="en_US.UTF-8")
    assert english.help == i18n.t("cli.help.konomi", "en")
    assert english.commands["train"].help.startswith("Train the preference head")
    # KONOMI_LANG wins over the locale, as for every other message.
    assert fresh_cli(monkeypatch, LANG="ja_JP.UTF-8", KONOMI_LANG="en").help == english.help


def flat(text: str) -> str:
    """The help screen without spaces, line breaks and panel borders: a Japanese sentence reads
    the same wherever the terminal wrapped it."""
    return re.sub(r"[\s│╭╮╰╯─]", "", text)


# (arguments, Japanese phrases that must be there, an English phrase that must not)
SCREENS = [
    (
        ["--help"],
        ["画像をどれくらい好きかを学習します", "学習のループを1周します"],
        "learns how much you like an image",
    ),
    (
        ["train", "--help"],
        [
            "好みの判定モデルを学習します",
            "交差検証の分割数",
            "例:konomitrain--target-precision0.95",
        ],
        "Train the preference head",
    ),
    (
        ["report", "--help"],
        ["HTMLレポートを書き出します", "2枚の画像を同じ連写とみなすコサイン類似度"],
        "self-contained HTML report",
    ),
    (
        ["models", "--help"],
        ["保存された判定モデルを古い順に一覧にします", "保存された判定モデルを使用中にします"],
        "Saved heads, oldest first",
    ),
]
JAPANESE_ENVIRONMENTS = {
    "KONOMI_LANG": {"KONOMI_LANG": "ja"},
    "LANG": {"KONOMI_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"},
}


def assert_japanese(args: list[str], shown: str, phrases: list[str], english: str) -> None:
    for phrase in phrases:
        assert phrase in flat(shown), f"konomi {' '.join(args)}: no {phrase!r} in\n{shown}"
    assert english not in shown, f"konomi {' '.join(args)}: English {english!r} in\n{shown}"


def test_help_screens_follow_the_locale_of_a_new_process(konomi):
    """The real order at start-up: the CLI is imported (and its help built) in a process whose
    locale is Japanese and KONOMI_LANG unset."""
    env = {"KONOMI_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"}
    for args, phrases, english in SCREENS:
        shown = konomi(*args, env={**env, "PYTHONIOENCODING": "utf-8"}, check=True).out
        assert_japanese(args, shown, phrases, english)


def test_typers_own_words_follow_the_language_too(konomi):
    """Panel titles, "[default: …]" and the usage error's panel and hint are Typer's constants,
    set from the catalog at start-up (`cli.main.typer_words`); English stays Typer's own."""
    env = {"KONOMI_LANG": "ja", "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    shown = konomi("train", "--help", env=env, check=True).out
    assert "╭─ オプション" in shown and "[既定値: 5]" in shown and "─ Options" not in shown
    wrong = konomi("train", "--no-such-flag", env=env)
    assert wrong.code == 2 and "╭─ エラー" in wrong.err and "でヘルプを表示できます" in wrong.err
    # The usage errors a person meets most, in the catalog's words; exit code 2 as before.
    for args, said in (
        (["train", "--forlds", "3"], "--forlds というオプションはありません（近いもの: --folds）"),
        (
            ["train", "--folds", "50"],
            "'--folds' の値が正しくありません。20 以下で指定してください。",
        ),
        (["explain"], "'paths' を指定してください。"),
        (["trian"], "'trian' というコマンドはありません。'train' のことですか？"),
        (["train", "extra"], "余分な引数があります（extra）。"),
    ):
        result = konomi(*args, env=env)
        assert result.code == 2 and flat(said) in flat(result.err), (args, result.err)
    english = konomi("train", "--help", env={"COLUMNS": "200"}, check=True).out
    assert "╭─ Options" in english and "[default: 5]" in english


def test_help_screens_are_english_in_a_new_process_by_default(konomi):
    env = {"KONOMI_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
    shown = konomi("--help", env=env, check=True).out
    assert SCREENS[0][2] in shown and SCREENS[0][1][0] not in flat(shown)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_help_screens_follow_konomi_lang(monkeypatch, lang):
    app = fresh_app(monkeypatch, KONOMI_LANG=lang)
    runner = CliRunner()
    for args, phrases, english in SCREENS:
        result = runner.invoke(app, args, prog_name="konomi", env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        if lang == "ja":
            assert_japanese(args, result.output, phrases, english)
        else:
            assert english in result.output and phrases[0] not in flat(result.output)


def test_a_narrow_terminal_folds_the_japanese_help_instead_of_cutting_it(konomi):
    """rich breaks lines only at spaces and Typer's tables cut a longer word with "…": without
    `cli.main.fold_long_words`, most Japanese sentences were cut at 80 columns."""
    env = {"KONOMI_LANG": "ja", "COLUMNS": "80", "PYTHONIOENCODING": "utf-8"}
    for args, phrase in (
        (["--help"], "示す好みと最も食い違うものを、疑わしい順に一覧にします"),
        (["train", "--help"], "ラベル付きの画像をfp32と同じように採点できる場合にだけ使われます"),
    ):
        shown = konomi(*args, env=env, check=True).out
        assert "…" not in shown, shown
        assert phrase in flat(shown), shown
