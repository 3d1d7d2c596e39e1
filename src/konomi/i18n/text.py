"""Messages of the text tower: search, taste in words, the cold start and the model-quality line
of the review page (keys `text.*`, and `page.text.*` for the page's own new strings)."""

MESSAGES: dict[str, dict[str, str]] = {
    # -- the text tower --------------------------------------------------------------------
    "text.no_tower": {
        "en": "The model {model} has no text tower ({missing} is missing), so it cannot read "
        "words.",
        "ja": "モデル {model} にはテキストエンコーダーがない（{missing} が見つからない）ため、"
        "言葉を読めません。",
    },
    "text.no_tower.hint": {
        "en": "Search and like_text / dislike_text need a CLIP model with its text encoder, "
        "e.g. immich-app/ViT-B-32__openai; for Japanese, a multilingual one such as "
        "immich-app/XLM-Roberta-Large-Vit-B-16Plus (see docs/text.md).",
        "ja": "検索と like_text / dislike_text には、テキストエンコーダー付きの CLIP "
        "モデル（例: immich-app/ViT-B-32__openai）が必要です。日本語で書くなら "
        "immich-app/XLM-Roberta-Large-Vit-B-16Plus "
        "などの多言語モデルを使ってください（docs/text.md、英語）。",
    },
    "text.not_fetched.hint": {
        "en": "If the model has one, it is not downloaded yet: connect to the internet once and "
        "run again (unset HF_HUB_OFFLINE if set). Otherwise use a CLIP model with its text "
        "encoder (see docs/text.md).",
        "ja": "モデルにテキストエンコーダーがあるなら、まだダウンロードされていません。"
        "一度インターネットに接続してもう一度実行してください（HF_HUB_OFFLINE "
        "が設定されていれば外してください）。ないなら、テキストエンコーダー付きの CLIP "
        "モデルを使ってください（docs/text.md、英語）。",
    },
    "text.bad_file": {
        "en": "The text tower's file {path} is unusable ({why}).",
        "ja": "テキストエンコーダーのファイル {path} が使えません（{why}）。",
    },
    "text.bad_file.hint": {
        "en": "Re-download the model, or pass another --model.",
        "ja": "モデルをもう一度ダウンロードするか、別の --model を指定してください。",
    },
    "text.no_pad": {
        "en": "The tokenizer has no token {token}, which tokenizer_config.json names as its "
        "padding token.",
        "ja": "tokenizer_config.json がパディングに指定しているトークン {token} が、"
        "トークナイザーにありません。",
    },
    "text.failed": {
        "en": "The text tower failed on {text!r} ({why}).",
        "ja": "テキストエンコーダーが「{text}」の処理に失敗しました（{why}）。",
    },
    "text.dim_mismatch": {
        "en": "The text tower gives {text_dim}-d vectors but the image tower {image_dim}-d: "
        "they are not one model.",
        "ja": "テキストエンコーダーの出力は {text_dim} 次元、画像エンコーダーは {image_dim} "
        "次元で、同じモデルの組ではありません。",
    },
    "text.dim_mismatch.hint": {
        "en": "Use the textual/ and visual/ folders of the same CLIP model.",
        "ja": "同じ CLIP モデルの textual/ と visual/ を使ってください。",
    },
    "text.empty_query": {
        "en": "Nothing to search for: the text is empty.",
        "ja": "検索する言葉が空です。",
    },
    "text.empty_query.hint": {
        "en": 'Give a few words, e.g. konomi search "red flowers".',
        "ja": '言葉をいくつか指定してください。例: konomi search "赤い花"',
    },
    "text.no_images": {
        "en": "No images to search in data/ (or the libraries).",
        "ja": "data/（とライブラリ）に検索できる画像がありません。",
    },
    # -- konomi search ---------------------------------------------------------------------
    "text.search.header": {
        "en": "{n} images closest to {text!r} (of {total}):",
        "ja": "「{text}」に近い画像 {n} 枚（全 {total} 枚中）:",
        "count": "n",
        "en:1": "The image closest to {text!r} (of {total}):",
    },
    "text.search.header_cached": {
        "en": "{n} images closest to {text!r} (of the {total} in the cache; images added since "
        "the last {cmd} embed are not among them):",
        "ja": "「{text}」に近い画像 {n} 枚（キャッシュにある {total} 枚中。最後の {cmd} embed "
        "の後に追加された画像は含まれません）:",
        "count": "n",
        "en:1": "The image closest to {text!r} (of the {total} in the cache; images added since "
        "the last {cmd} embed are not among them):",
    },
    # -- the review page: quality of the model so far ---------------------------------------
    "text.quality.none": {
        "en": "No model yet: judge a few images of each kind and it trains itself.",
        "ja": "まだ判定モデルがありません。好き・好きでないを数枚ずつ判定すると自動で学習します。",
    },
    "text.quality.line": {
        "en": "Model so far: AUC {auc:.2f} (95% interval {lo:.2f}–{hi:.2f}), from {n_like} liked "
        "and {n_dislike} disliked, cross-validated.",
        "ja": "現在の判定モデル: AUC {auc:.2f}（95% 区間 {lo:.2f}〜{hi:.2f}）、好き {n_like} "
        "枚・好きでない {n_dislike} 枚から交差検証で測定。",
    },
    "text.quality.trusted": {
        "en": "Trustworthy now: even the low end of the interval is at least {bar:.2f}.",
        "ja": "信頼できる段階です。区間の下限でも {bar:.2f} 以上あります。",
    },
    "text.quality.not_yet": {
        "en": "Not trustworthy yet: it is once the interval's low end reaches {bar:.2f} with at "
        "least {per_class} of each kind.",
        "ja": "まだ信頼できません。各 {per_class} 枚以上で区間の下限が {bar:.2f} に届けば"
        "信頼できます。",
    },
    "text.retrain.auto": {
        "en": "Retrained in the background on {n_like} liked / {n_dislike} disliked; the order "
        "follows the new model.",
        "ja": "好き {n_like} 枚・好きでない {n_dislike} 枚で、"
        "バックグラウンドで再学習しました。並び順は新しい判定モデルに従います。",
    },
    "text.cold.note": {
        "en": "No labels yet: these are typical images of each group in the folder. Judge them; "
        "the model trains itself every {every} decisions.",
        "ja": "まだラベルがありません。フォルダーの各グループを代表する画像から表示しています。"
        "{every} 枚判定するごとに、判定モデルが自動で学習します。",
    },
    "text.search.filtered": {
        "en": "{n} images match {text!r}; the queue shows them best first.",
        "ja": "「{text}」に合う画像が {n} 枚あり、近い順に表示しています。",
        "count": "n",
        "en:1": "1 image matches {text!r}; the queue shows it first.",
    },
    "text.search.cleared": {
        "en": "Search cleared: the queue is back in its own order.",
        "ja": "検索を解除しました。元の順番に戻ります。",
    },
    "text.taste.set": {
        "en": "Taste in words set for this session: like phrases {n_like}, dislike phrases "
        "{n_dislike}.",
        "ja": "このセッションの好みの言葉を設定しました: "
        "好き {n_like} 個、好きでない {n_dislike} 個。",
    },
    # -- page strings ----------------------------------------------------------------------
    "page.text.search_placeholder": {
        "en": "Search images by words…",
        "ja": "言葉で画像を検索…",
    },
    "page.text.like_placeholder": {
        "en": "I like… (comma-separated)",
        "ja": "好きなもの…（カンマ区切り）",
    },
    "page.text.apply_placeholder": {
        "en": "Use these words",
        "ja": "この言葉を使う",
    },
    "page.text.dislike_placeholder": {
        "en": "I don't like… (comma-separated)",
        "ja": "好きでないもの…（カンマ区切り）",
    },
    "text.search.skipped": {
        "en": "skipped {path}: {reason}",
        "ja": "読めないためスキップしました: {path}（{reason}）",
    },
}
