"""Messages about image formats: what can be read, why a file cannot, what is left out."""

MESSAGES: dict[str, dict[str, str]] = {
    "formats.raw_corrupt": {
        "en": "a camera RAW file LibRaw cannot read ({why})",
        "ja": "LibRaw で読み込めないカメラ RAW ファイルです（{why}）",
    },
    "formats.raw_unknown": {
        "en": "not a camera RAW file LibRaw knows, nor an image Pillow can read",
        "ja": "LibRaw が扱えるカメラ RAW ファイルでも、Pillow で読める画像でもありません",
    },
    "formats.heif_missing": {
        "en": "a HEIC/HEIF/AVIF file, and pillow-heif cannot be loaded (reinstall: uv sync)",
        "ja": (
            "HEIC/HEIF/AVIF ファイルですが、pillow-heif を読み込めません"
            "（uv sync で入れ直してください）"
        ),
    },
    "formats.raw_name": {
        "en": "camera RAW (DNG)",
        "ja": "カメラ RAW（DNG）",
    },
    "formats.check": {
        "en": "reads {format}",
        "ja": "{format} の読み込み",
    },
    "formats.check_yes": {
        "en": "yes ({how})",
        "ja": "できます（{how}）",
    },
    "formats.check_no": {
        "en": "no: a sample could not be decoded ({why})",
        "ja": "できません。見本を読み込めませんでした（{why}）",
    },
    "formats.check_fix_heif": {
        "en": "Reinstall konomi's dependencies (uv sync): pillow-heif should come with it.",
        "ja": (
            "konomi の依存パッケージを入れ直してください（uv sync）。pillow-heif も一緒に入ります。"
        ),
    },
    "formats.check_fix_raw": {
        "en": "Reinstall konomi's dependencies (uv sync): rawpy (LibRaw) should come with it.",
        "ja": (
            "konomi の依存パッケージを入れ直してください（uv sync）。"
            "rawpy（LibRaw）も一緒に入ります。"
        ),
    },
    "formats.check_fix_pillow": {
        "en": "Reinstall Pillow (uv sync); this format is built into it.",
        "ja": "Pillow を入れ直してください（uv sync）。この形式は Pillow に組み込まれています。",
    },
    "ignore.unreadable": {
        "en": "Cannot read the ignore file {path} ({why}).",
        "ja": "除外ファイル {path} を読み込めません（{why}）。",
    },
    "ignore.unreadable_hint": {
        "en": "Make it a readable UTF-8 text file, or remove it.",
        "ja": "UTF-8 のテキストファイルとして読めるようにするか、削除してください。",
    },
    "ignore.bad_pattern": {
        "en": "The ignore file {path} has a pattern that is not valid gitignore syntax ({why}).",
        "ja": (
            "除外ファイル {path} に、gitignore の書式として正しくないパターンがあります（{why}）。"
        ),
    },
    "ignore.bad_hint": {
        "en": "Fix or remove that line; the syntax is that of .gitignore.",
        "ja": "その行を直すか削除してください。書式は .gitignore と同じです。",
    },
}
