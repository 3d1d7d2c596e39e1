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
}
