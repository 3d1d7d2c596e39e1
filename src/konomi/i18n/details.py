"""The libraries' own words inside konomi's messages, said in the reader's language.

Some messages carry a detail only a library can word: why Pillow could not decode an image, why
the TOML parser stopped, why the Hugging Face hub could not be reached. Those details are kept in
the library's English (the cache keeps them so, and a verdict reached in one language must read
right in the other); when a message is shown in another language, `t` looks here and says the
common ones in the catalog's words (`detail.*`). The original stays readable for a bug report:
with `--debug` or KONOMI_DEBUG=1 it follows in parentheses. A detail not known here is shown
as the library wrote it.
"""

from __future__ import annotations

import os
import re

# The field of each message that holds a library's words, and whose words they are.
FIELDS: dict[str, tuple[str, str]] = {
    "unreadable.truncated": ("why", "pillow"),
    "unreadable.corrupt": ("why", "pillow"),
    "errors.model.offline": ("why", "hub"),
    "errors.settings.toml": ("problem", "toml"),
    "errors.settings.toml_line": ("problem", "toml"),
    "errors.settings.toml_line_key": ("problem", "toml"),
    # The operating system's words (strerror) for a failed file operation.
    "errors.os.failed": ("problem", "os"),
    "errors.os.failed_at": ("problem", "os"),
    "errors.os.failed_between": ("problem", "os"),
    "errors.settings.cannot_read": ("reason", "os"),
    "errors.workspace.cannot_create_state": ("reason", "os"),
    "errors.workspace.cannot_lock": ("reason", "os"),
    "init.cannot_create": ("why", "os"),
    "unreadable.cannot_read": ("why", "os"),
    "unreadable.cannot_read_folder": ("why", "os"),
    "safety.move.failed": ("why", "os"),
    "safety.move.failed_copy_left": ("why", "os"),
    "safety.move.cannot_reach": ("why", "os"),
    "safety.move.cannot_create": ("why", "os"),
    "safety.move.cannot_reach_folder": ("why", "os"),
    "edits.not_written": ("why", "os"),
    "edits.not_restored": ("why", "os"),
    "ignore.unreadable": ("why", "os"),
}

_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "pillow": (
        (
            r"image file is truncated \((?P<n>\d+) bytes not processed\)",
            "detail.pillow.truncated_n",
        ),
        (r"image file is truncated|Truncated File Read|.*end of file.*", "detail.pillow.truncated"),
        (r"cannot identify image file.*", "detail.pillow.unidentified"),
        (r"broken data stream.*|.*Corrupt.*|.*corrupt.*", "detail.pillow.broken"),
        (
            r"(?:unrecognized|unknown|unsupported) .*(?:mode|format|compression).*",
            "detail.pillow.unsupported",
        ),
    ),
    "hub": (
        (r"LocalEntryNotFoundError|OfflineModeIsEnabled", "detail.hub.offline"),
        (
            r"RepositoryNotFoundError|EntryNotFoundError|RevisionNotFoundError",
            "detail.hub.not_found",
        ),
        (r"GatedRepoError", "detail.hub.gated"),
        (r"HfHubHTTPError|HTTPError", "detail.hub.http"),
        (r"(?:Connect|Timeout|ReadTimeout|ConnectTimeout|ConnectionError).*", "detail.hub.network"),
        (r"OSError|PermissionError|FileNotFoundError", "detail.hub.disk"),
    ),
    "os": tuple(
        (rf"(?:\[Errno \d+\] )?{words}(?::? .*)?", f"detail.os.{name}")
        for words, name in (
            ("Permission denied", "access"),
            ("Operation not permitted", "not_permitted"),
            ("No space left on device", "nospace"),
            ("Disk quota exceeded", "quota"),
            ("Read-only file system", "readonly"),
            ("No such file or directory", "missing"),
            ("Not a directory", "not_dir"),
            ("Is a directory", "is_dir"),
            ("File exists", "exists"),
            ("File too large", "too_big"),
            ("Directory not empty", "not_empty"),
            ("Too many open files", "too_many"),
            ("Input/output error", "io"),
            ("Invalid cross-device link", "cross_device"),
            ("Too many levels of symbolic links", "loop"),
            ("File name too long", "name_too_long"),
        )
    ),
    "toml": (
        (r"Expected '=' after a key in a key/value pair", "detail.toml.expected_equals"),
        (r"Invalid value", "detail.toml.invalid_value"),
        (r"Invalid statement", "detail.toml.invalid_statement"),
        (r"Unterminated string|Unclosed string", "detail.toml.unterminated_string"),
        (r"Unclosed array", "detail.toml.unclosed_array"),
        (r"Unclosed inline table", "detail.toml.unclosed_table"),
        (r"Expected newline or end of document after a statement", "detail.toml.one_per_line"),
        (r"Cannot overwrite a value|Cannot declare .* twice", "detail.toml.twice"),
        (r"Invalid initial character for a key part", "detail.toml.bad_key"),
        (r"(?:Illegal|Found invalid) character .*", "detail.toml.bad_character"),
        (r"Expected '\]'.*|Expected '\]\]'.*", "detail.toml.unclosed_header"),
    ),
}
_COMPILED = {
    kind: tuple((re.compile(pattern, re.IGNORECASE), key) for pattern, key in rules)
    for kind, rules in _RULES.items()
}
_debugging = False


def show_originals(on: bool) -> None:
    """Keep the library's own words beside the catalog's (the CLI's --debug)."""
    global _debugging
    _debugging = on


def showing_originals() -> bool:
    return _debugging or os.environ.get("KONOMI_DEBUG", "") not in ("", "0")


def known(kind: str, text: str) -> tuple[str, dict[str, str]] | None:
    """(catalog key, fields) for a library's `text`, or None when it is not one known here."""
    for pattern, key in _COMPILED.get(kind, ()):
        found = pattern.fullmatch(text.strip())
        if found:
            return key, {k: v for k, v in found.groupdict().items() if v is not None}
    return None


MESSAGES: dict[str, dict[str, str]] = {
    "detail.original": {"en": "{said} ({original})", "ja": "{said}（原文: {original}）"},
    # Pillow: why an image does not decode.
    "detail.pillow.truncated_n": {
        "en": "the file ends early: {n} bytes not processed",
        "ja": "ファイルが途中で終わっています。{n} バイトを処理できませんでした",
    },
    "detail.pillow.truncated": {
        "en": "the file ends early",
        "ja": "ファイルが途中で終わっています",
    },
    "detail.pillow.unidentified": {
        "en": "not an image format Pillow knows",
        "ja": "Pillow が知らない画像形式です",
    },
    "detail.pillow.broken": {
        "en": "the image data is damaged",
        "ja": "画像のデータが壊れています",
    },
    "detail.pillow.unsupported": {
        "en": "a variant of the format Pillow cannot decode",
        "ja": "Pillow が読み込めない種類の形式です",
    },
    # The Hugging Face hub: why a model cannot be downloaded.
    "detail.hub.offline": {
        "en": "offline, and not in the local cache",
        "ja": "オフラインで、手元のキャッシュにもありません",
    },
    "detail.hub.not_found": {
        "en": "not found on Hugging Face",
        "ja": "Hugging Face に見つかりません",
    },
    "detail.hub.gated": {
        "en": "the model needs an accepted licence on Hugging Face",
        "ja": "Hugging Face でライセンスへの同意が必要なモデルです",
    },
    "detail.hub.http": {
        "en": "Hugging Face answered with an error",
        "ja": "Hugging Face のサーバーがエラーを返しました",
    },
    "detail.hub.network": {
        "en": "the network cannot be reached",
        "ja": "ネットワークにつながりません",
    },
    "detail.hub.disk": {
        "en": "the download could not be saved",
        "ja": "ダウンロードしたファイルを保存できません",
    },
    # The operating system: why a file operation failed.
    "detail.os.access": {"en": "permission denied", "ja": "アクセスが拒否されました"},
    "detail.os.not_permitted": {"en": "not permitted", "ja": "許可されていない操作です"},
    "detail.os.nospace": {"en": "no space left", "ja": "ディスクに空きがありません"},
    "detail.os.quota": {"en": "disk quota exceeded", "ja": "ディスクの割り当て容量を超えました"},
    "detail.os.readonly": {
        "en": "read-only file system",
        "ja": "読み取り専用のファイルシステムです",
    },
    "detail.os.missing": {
        "en": "no such file or folder",
        "ja": "ファイルまたはフォルダーがありません",
    },
    "detail.os.not_dir": {"en": "not a folder", "ja": "フォルダーではありません"},
    "detail.os.is_dir": {"en": "a folder", "ja": "フォルダーです"},
    "detail.os.exists": {"en": "already exists", "ja": "すでにあります"},
    "detail.os.too_big": {"en": "file too large", "ja": "ファイルが大きすぎます"},
    "detail.os.not_empty": {"en": "folder not empty", "ja": "フォルダーが空ではありません"},
    "detail.os.too_many": {
        "en": "too many open files",
        "ja": "開いているファイルが多すぎます",
    },
    "detail.os.io": {"en": "input/output error", "ja": "ディスクの読み書きでエラーが起きました"},
    "detail.os.cross_device": {
        "en": "cannot link across devices",
        "ja": "デバイスをまたいでリンクできません",
    },
    "detail.os.loop": {"en": "a loop of links", "ja": "リンクが循環しています"},
    "detail.os.name_too_long": {"en": "name too long", "ja": "名前が長すぎます"},
    # The TOML parser: why konomi.toml does not read.
    "detail.toml.expected_equals": {
        "en": "'=' is missing after the key",
        "ja": "キーのあとに「=」がありません",
    },
    "detail.toml.invalid_value": {
        "en": "the value is not written right (text needs quotes)",
        "ja": "値の書き方が正しくありません（文字列は引用符で囲みます）",
    },
    "detail.toml.invalid_statement": {
        "en": "this line is not a setting",
        "ja": "設定の行として読めません",
    },
    "detail.toml.unterminated_string": {
        "en": "a quote is not closed",
        "ja": "引用符が閉じていません",
    },
    "detail.toml.unclosed_array": {
        "en": "a list is not closed with ]",
        "ja": "リストが「]」で閉じていません",
    },
    "detail.toml.unclosed_table": {
        "en": "an inline table is not closed with }}",
        "ja": "インラインテーブルが「}}」で閉じていません",
    },
    "detail.toml.one_per_line": {
        "en": "one setting per line",
        "ja": "1 行に書ける設定は 1 つだけです",
    },
    "detail.toml.twice": {
        "en": "the same key is set twice",
        "ja": "同じキーが 2 回設定されています",
    },
    "detail.toml.bad_key": {
        "en": "the key begins with a character keys cannot have",
        "ja": "キーの先頭に使えない文字があります",
    },
    "detail.toml.bad_character": {
        "en": "a character TOML does not allow here",
        "ja": "ここでは使えない文字があります",
    },
    "detail.toml.unclosed_header": {
        "en": "a [section] header is not closed with ]",
        "ja": "[セクション] の見出しが「]」で閉じていません",
    },
}
