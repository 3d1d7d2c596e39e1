"""Messages of the safety checks: moves refused at the workspace's edge, tampered state, the
review server's gate."""

MESSAGES: dict[str, dict[str, str]] = {
    "safety.outside": {
        "en": "{path} is outside the workspace (konomi moves files only inside it)",
        "ja": "{path} は作業フォルダーの外にあります"
        "（konomi は作業フォルダーの中でしかファイルを移動しません）",
    },
    "safety.linked_folder": {
        "en": "{folder} is a symbolic link (konomi never moves a file through one; replace "
        "it with a real folder to include it)",
        "ja": "{folder} はシンボリックリンクです（konomi はリンクを通してファイルを移動しません。"
        "含めたい場合は実際のフォルダーに置き換えてください）",
    },
    "safety.journal_row": {
        "en": "an entry points outside the workspace or at no file in it: {entry}",
        "ja": "作業フォルダーの外、または作業フォルダー内のどのファイルでもない場所を指す"
        "記録があります: {entry}",
    },
    "safety.history_lost": {
        "en": "The .konomi folder was deleted or replaced while konomi worked: the undo "
        "history of these moves ({n}) is lost (`konomi undo` cannot revert them). Every "
        "file is in its new place; nothing else was lost.",
        "ja": "konomi の処理中に .konomi フォルダーが削除または置き換えられました。"
        "この {n} 件の移動の取り消し履歴は失われました（konomi undo では元に戻せません）。"
        "ファイルはすべて移動先にあり、それ以外に失われたものはありません。",
    },
    "safety.name_locale": {
        "en": "the name cannot be read as text under this locale (run konomi with a UTF-8 "
        "locale, e.g. LC_ALL=C.UTF-8, or PYTHONUTF8=1)",
        "ja": "このロケールではファイル名を文字として読めません（LC_ALL=C.UTF-8 など UTF-8 の"
        "ロケール、または PYTHONUTF8=1 で konomi を実行してください）",
    },
    "safety.vector_damaged": {
        "en": "its cached embedding was damaged (run the command again)",
        "ja": "キャッシュされた埋め込みが壊れていました（もう一度コマンドを実行してください）",
    },
    "safety.vector_size": {
        "en": "The embedding cache holds vectors of {cached} numbers, but this model makes "
        "{model}.",
        "ja": "埋め込みキャッシュのベクトルは {cached} 次元ですが、このモデルは {model} 次元です。",
    },
    "safety.vector_size_hint": {
        "en": "Run the command again (the cache now knows the model's size), or delete "
        ".konomi/cache.sqlite: it is rebuilt.",
        "ja": "もう一度コマンドを実行するか（キャッシュはモデルの次元を記録しました）、"
        ".konomi/cache.sqlite を削除してください（作り直されます）。",
    },
    # -- why one move was not made (listed beside the file's name) -------------------------------
    "safety.move.gone": {
        "en": "the file is gone (moved or deleted since it was scored)",
        "ja": "ファイルがありません（スコアを付けた後に移動または削除されました）",
    },
    "safety.move.not_regular": {
        "en": "not a regular file (a link, folder or device)",
        "ja": "通常のファイルではありません（リンク、フォルダー、デバイスのいずれか）",
    },
    "safety.move.cannot_reach": {
        "en": "cannot reach the file ({why})",
        "ja": "ファイルにアクセスできません（{why}）",
    },
    "safety.move.changed": {
        "en": "the file changed since it was scored (score it again)",
        "ja": "スコアを付けた後にファイルが変わりました（もう一度スコアを付けてください）",
    },
    "safety.move.replaced": {
        "en": "the file was replaced since it was scored (score it again)",
        "ja": "スコアを付けた後にファイルが置き換えられました（もう一度スコアを付けてください）",
    },
    "safety.move.bad_name": {
        "en": "the name is not valid UTF-8 (rename it)",
        "ja": "ファイル名が正しい UTF-8 ではありません（名前を変えてください）",
    },
    "safety.move.failed": {
        "en": "could not move ({why})",
        "ja": "移動できませんでした（{why}）",
    },
    "safety.move.failed_copy_left": {
        "en": "could not move ({why}); it is also at {copy} until the next konomi command "
        "tidies up",
        "ja": "移動できませんでした（{why}）。次の konomi コマンドが片付けるまで、{copy} にも"
        "同じファイルがあります",
    },
    "safety.move.copy_mismatch": {
        "en": "the copy did not match the original",
        "ja": "コピーが元のファイルと一致しませんでした",
    },
    "safety.move.stays": {
        "en": "stays with its photo ({why})",
        "ja": "元の写真と一緒に残します（{why}）",
    },
    "safety.move.cannot_create": {
        "en": "cannot create the folder {folder} ({why})",
        "ja": "フォルダー {folder} を作れません（{why}）",
    },
    "safety.move.file_in_the_way": {
        "en": "{path} is a file, not a folder: move it away and run again",
        "ja": "{path} はフォルダーではなくファイルです。別の場所へ移してから、もう一度実行して"
        "ください",
    },
    "safety.move.cannot_reach_folder": {
        "en": "cannot reach {folder} ({why})",
        "ja": "{folder} にアクセスできません（{why}）",
    },
}
