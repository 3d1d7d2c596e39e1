"""Messages of odd input refused before it can hang, crash or destroy: ignore files that are
not plain files, patterns konomi cannot match safely, paths with NUL bytes, outputs that would
replace an input, library and model values that name nothing."""

MESSAGES: dict[str, dict[str, str]] = {
    "ignore.posix_class": {
        "en": "The ignore file {path} uses a POSIX character class, which konomi does not "
        "read: {line}",
        "ja": "無視リスト {path} に、konomi が読めない POSIX 文字クラスがあります: {line}",
    },
    "ignore.too_many_globstars": {
        "en": "The ignore file {path} has a line with more than {most} '**': {line}",
        "ja": "無視リスト {path} に、'**' が {most} 個より多い行があります: {line}",
    },
    "ignore.too_complex": {
        "en": "The ignore file {path} has a line konomi cannot match quickly (too many '*' "
        "around character classes): {line}",
        "ja": "無視リスト {path} に、konomi がすばやく照合できない行があります"
        "（文字クラスの前後に '*' が多すぎます）: {line}",
    },
    "ignore.why_link": {
        "en": "it is a symbolic link; konomi reads only a real file there",
        "ja": "シンボリックリンクです。konomi はそこでは実際のファイルしか読みません",
    },
    "ignore.why_not_file": {
        "en": "it is not a regular file: a pipe, a device or a folder",
        "ja": "通常のファイルではなく、パイプ・デバイス・フォルダーのいずれかです",
    },
    "ignore.why_too_large": {
        "en": "larger than {limit} MB",
        "ja": "{limit} MB を超えています",
    },
    "library.bad_value": {
        "en": "The library {path} in konomi.toml names no folder konomi can look for.",
        "ja": "konomi.toml のライブラリ {path} は、konomi が探せるフォルダーを指していません。",
    },
    "library.bad_value_hint": {
        "en": "Write the folder's full path in libraries = [...] (~ stands for your home folder).",
        "ja": "libraries = [...] にフォルダーの絶対パスを書いてください"
        "（~ はホームフォルダーを表します）。",
    },
    "library.not_folder": {
        "en": "The library {path} is a file, not a folder; it is left out.",
        "ja": "ライブラリ {path} はフォルダーではなくファイルです。対象外にします。",
    },
    "cli.skipped.not_written": {
        "en": "{n} sidecar files were not written and are as they were:",
        "ja": "{n} 個のサイドカーファイルは書き込まず、元のままです:",
        "count": "n",
        "en:1": "1 sidecar file was not written and is as it was:",
    },
    "cli.skipped.not_undone": {
        "en": "{n} files were not put back and are left as they are:",
        "ja": "{n} 個のファイルは元に戻さず、そのままにしました:",
        "count": "n",
        "en:1": "1 file was not put back and is left as it is:",
    },
    "text.query_not_text": {
        "en": "The search text {text} holds bytes that are not UTF-8 text.",
        "ja": "検索する文字列 {text} に、UTF-8 の文字ではないバイトが含まれています。",
    },
    "text.query_not_text_hint": {
        "en": "Type the words again in a UTF-8 terminal.",
        "ja": "UTF-8 の端末で文字列を入力し直してください。",
    },
    "xmp.error.doctype": {
        "en": "it has a DOCTYPE, which XMP never has; konomi does not write into it",
        "ja": "XMP にはない DOCTYPE があるため、konomi は書き込みません",
    },
    "batch.input_empty": {
        "en": "--input names no file or folder (it is empty or holds a NUL byte).",
        "ja": "--input がファイルもフォルダーも指していません（空か、NUL バイトを含んでいます）。",
    },
    "batch.input_not_file": {
        "en": "The input {path} is neither a folder nor a regular file (a pipe or a device?).",
        "ja": "入力 {path} はフォルダーでも通常のファイルでもありません"
        "（パイプやデバイスではありませんか？）。",
    },
    "batch.nul_in_path": {
        "en": "the path holds a NUL byte, so it names no file",
        "ja": "パスに NUL バイトが含まれているため、どのファイルも指していません",
    },
    "batch.path_column_type": {
        "en": "The 'path' column of {path} holds {kind}, not text.",
        "ja": "{path} の 'path' 列は文字列ではなく {kind} です。",
    },
    "batch.out_is_input_hint": {
        "en": "Choose another --out; konomi never writes over what it reads.",
        "ja": "別の --out を指定してください。konomi は読み込むファイルを上書きしません。",
    },
    "batch.out_not_ours": {
        "en": "{path} exists and is not a Parquet file of konomi's scores; konomi does not "
        "replace it.",
        "ja": "{path} はすでにあり、konomi の採点結果の Parquet ファイルではないため、"
        "置き換えません。",
    },
    "batch.out_not_ours_hint": {
        "en": "Choose a new file name for --out, or move that file away first.",
        "ja": "--out に新しいファイル名を指定するか、先にそのファイルを移動してください。",
    },
}
