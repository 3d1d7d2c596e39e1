"""Messages shared by every command: errors, interruptions, the workspace."""

MESSAGES: dict[str, dict[str, str]] = {
    "error.prefix": {"en": "error:", "ja": "エラー:"},
    "warning.prefix": {"en": "warning:", "ja": "警告:"},
    # -- progress: the stage a bar (or the review page while it retrains) is at -------------------
    "progress.starting": {"en": "starting", "ja": "準備中"},
    "progress.loading_model": {"en": "loading model", "ja": "エンコーダーを読み込み中"},
    "progress.model": {"en": "model {repo}", "ja": "エンコーダー {repo}"},
    "progress.quantizing": {
        "en": "quantizing the model to int8 (once)",
        "ja": "エンコーダーを int8 に量子化中（初回のみ）",
    },
    "progress.waiting": {
        "en": "waiting for another konomi command ({holder})",
        "ja": "別の konomi コマンド（{holder}）の終了待ち",
    },
    "progress.embedding": {"en": "embedding", "ja": "埋め込み中"},
    "progress.training": {
        "en": "training the head on {n} labels",
        "ja": "{n} 件のラベルで判定モデルを学習中",
    },
    "progress.scoring": {"en": "scoring", "ja": "スコアを計算中"},
    "progress.rescoring": {"en": "rescoring", "ja": "スコアを計算し直し中"},
    "progress.moving": {"en": "moving", "ja": "移動中"},
    "progress.sidecars": {"en": "writing sidecars", "ja": "サイドカーファイルを書き込み中"},
    "progress.thumbnails": {"en": "thumbnails", "ja": "サムネイルを作成中"},
    "progress.sheets": {"en": "contact sheets", "ja": "サムネイル一覧の画像を作成中"},
    "progress.plots": {"en": "plots", "ja": "グラフを作成中"},
    "progress.simulating": {"en": "simulating", "ja": "シミュレーション中"},
    # -- times, as the reader's language writes them (i18n.when) -----------------------------------
    "time.when": {
        "en": "{day} {month} {year}, {hour}:{minute}",
        "ja": "{year}年{month}月{day}日 {hour}:{minute}",
    },
    "time.month.1": {"en": "Jan", "ja": "1"},
    "time.month.2": {"en": "Feb", "ja": "2"},
    "time.month.3": {"en": "Mar", "ja": "3"},
    "time.month.4": {"en": "Apr", "ja": "4"},
    "time.month.5": {"en": "May", "ja": "5"},
    "time.month.6": {"en": "Jun", "ja": "6"},
    "time.month.7": {"en": "Jul", "ja": "7"},
    "time.month.8": {"en": "Aug", "ja": "8"},
    "time.month.9": {"en": "Sep", "ja": "9"},
    "time.month.10": {"en": "Oct", "ja": "10"},
    "time.month.11": {"en": "Nov", "ja": "11"},
    "time.month.12": {"en": "Dec", "ja": "12"},
}
