"""Messages of the safety checks: moves refused at the workspace's edge, tampered state, the
review server's gate."""

MESSAGES: dict[str, dict[str, str]] = {
    "safety.outside": {
        "en": "{path} is outside the workspace (konomi moves files only inside it)",
        "ja": "{path} はワークスペースの外にあります"
        "（konomi はワークスペースの中でしかファイルを移動しません）",
    },
    "safety.linked_folder": {
        "en": "{folder} is a symbolic link (konomi never moves a file through one; replace "
        "it with a real folder to include it)",
        "ja": "{folder} はシンボリックリンクです（konomi はリンクを通してファイルを移動しません。"
        "含めたい場合は実際のフォルダーに置き換えてください）",
    },
    "safety.journal_row": {
        "en": "an entry points outside the workspace or at no file in it: {entry}",
        "ja": "ワークスペースの外、またはワークスペース内のどのファイルでもない場所を指す"
        "記録があります: {entry}",
    },
    "safety.history_lost": {
        "en": "The .konomi folder was deleted or replaced while konomi worked: the undo "
        "history of these {n} move(s) is lost (`konomi undo` cannot revert them). Every file "
        "is in its new place; nothing else was lost.",
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
}
