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
        "en": "a HEIC/HEIF/AVIF file, and pillow-heif cannot be loaded (reinstall: {reinstall})",
        "ja": (
            "HEIC/HEIF/AVIF ファイルですが、pillow-heif を読み込めません"
            "（{reinstall} で入れ直してください）"
        ),
    },
    # -- why one file cannot be read (listed beside its name) -----------------------------------
    "unreadable.folder": {"en": "a folder, not a file", "ja": "ファイルではなくフォルダーです"},
    "unreadable.gone": {"en": "the file disappeared", "ja": "ファイルがなくなりました"},
    "unreadable.gone_after_scoring": {
        "en": "the file disappeared after it was scored",
        "ja": "スコアを付けた後にファイルがなくなりました",
    },
    "unreadable.cannot_read_folder": {
        "en": "cannot read the folder ({why})",
        "ja": "フォルダーを読めません（{why}）",
    },
    "unreadable.folder_named_like_image": {
        "en": "a folder with an image name",
        "ja": "画像の名前が付いたフォルダーです",
    },
    "unreadable.bad_name": {
        "en": "the name is not valid UTF-8 (rename it to use it)",
        "ja": "ファイル名が正しい UTF-8 ではありません（使うには名前を変えてください）",
    },
    "formats.wrong_size": {
        "en": "decoded as {got} px, not {size}",
        "ja": "{size} ではなく {got} px として読み込まれました",
    },
    "formats.no_sample": {
        "en": "no sample could be made: {why}",
        "ja": "試験用の画像を作れませんでした: {why}",
    },
    "unreadable.symlink": {
        "en": "symbolic link (not followed)",
        "ja": "シンボリックリンクです（リンク先は読みません）",
    },
    "unreadable.cannot_read": {
        "en": "cannot read the file ({why})",
        "ja": "ファイルを読めません（{why}）",
    },
    "unreadable.special": {
        "en": "not a regular file (a pipe, socket or device)",
        "ja": "通常のファイルではありません（パイプ、ソケット、デバイスのいずれか）",
    },
    "unreadable.not_regular": {
        "en": "not a regular file",
        "ja": "通常のファイルではありません",
    },
    "unreadable.replaced": {
        "en": "the file was replaced since it was listed",
        "ja": "一覧に載せた後にファイルが置き換えられました",
    },
    "unreadable.file_too_large": {
        "en": "too large for an image ({gib:.1f} GiB; limit {limit} GiB)",
        "ja": "画像としては大きすぎます（{gib:.1f} GiB。上限は {limit} GiB）",
    },
    "unreadable.empty": {"en": "empty file (0 bytes)", "ja": "空のファイルです（0 バイト）"},
    "unreadable.not_image": {
        "en": "not an image (or a format Pillow cannot read)",
        "ja": "画像ではありません（または Pillow が読めない形式です）",
    },
    "unreadable.too_many_pixels": {
        "en": "too large to decode safely ({width}x{height} px; limit {limit:,} px)",
        "ja": "大きすぎて安全に読み込めません（{width}x{height} px。上限は {limit:,} px）",
    },
    "unreadable.too_thin": {
        "en": "too long and thin to score ({width}x{height} px; sides may differ "
        "{aspect}-fold at most)",
        "ja": "細長すぎてスコアを付けられません（{width}x{height} px。縦横の比は {aspect} 倍まで"
        "です）",
    },
    "unreadable.bomb": {
        "en": "decompression bomb refused ({declared})",
        "ja": "展開すると巨大になる画像（解凍爆弾）なので読みません（{declared}）",
    },
    "unreadable.memory": {
        "en": "not enough memory to decode it",
        "ja": "読み込むためのメモリーが足りません",
    },
    "unreadable.truncated": {
        "en": "truncated or corrupt image ({why})",
        "ja": "途中で切れているか、壊れた画像です（{why}）",
    },
    "unreadable.corrupt": {
        "en": "corrupt image ({why})",
        "ja": "壊れた画像です（{why}）",
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
        "en": "Reinstall konomi's dependencies ({reinstall}): pillow-heif should come with it.",
        "ja": (
            "konomi の依存パッケージを入れ直してください（{reinstall}）。"
            "pillow-heif も一緒に入ります。"
        ),
    },
    "formats.check_fix_raw": {
        "en": "Reinstall konomi's dependencies ({reinstall}): rawpy (LibRaw) should come with it.",
        "ja": (
            "konomi の依存パッケージを入れ直してください（{reinstall}）。"
            "rawpy（LibRaw）も一緒に入ります。"
        ),
    },
    "formats.check_fix_pillow": {
        "en": "Reinstall Pillow ({reinstall}); this format is built into it.",
        "ja": "Pillow を入れ直してください（{reinstall}）。"
        "この形式は Pillow に組み込まれています。",
    },
    "ignore.unreadable": {
        "en": "Cannot read the ignore file {path} ({why}).",
        "ja": "無視リスト {path} を読み込めません（{why}）。",
    },
    "ignore.unreadable_hint": {
        "en": "Make it a readable UTF-8 text file, or remove it.",
        "ja": "UTF-8 のテキストファイルとして読めるようにするか、削除してください。",
    },
    "ignore.bad_pattern": {
        "en": "The ignore file {path} has a pattern that is not valid gitignore syntax ({why}).",
        "ja": (
            "無視リスト {path} に、gitignore の書式として正しくないパターンがあります（{why}）。"
        ),
    },
    "ignore.bad_hint": {
        "en": "Fix or remove that line; the syntax is that of .gitignore.",
        "ja": "その行を直すか削除してください。書式は .gitignore と同じです。",
    },
}
