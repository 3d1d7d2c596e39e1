"""Messages of a person's first steps: the version, `round --dry-run`, out-of-range values on
the command line, Ray's quieter start, and what `explain`'s figures mean."""

MESSAGES: dict[str, dict[str, str]] = {
    "cli.help.option.version": {
        "en": "Show konomi's version and exit.",
        "ja": "konomi のバージョンを表示して終了します。",
    },
    "cli.usage.choose": {
        "en": "'{value}' is not one of {choices}.",
        "ja": "'{value}' は使えません。{choices} のいずれかを指定してください。",
    },
    "cli.help.round.dry_run": {
        "en": "Show what the round would train and move, and do nothing: no file moves, no "
        "head is written.",
        "ja": "学習と移動の予定を表示するだけで、何も実行しません（ファイルは移動せず、判定モデル"
        "も保存しません）。",
    },
    "cli.round.dry.keep": {
        "en": "Train: the labels have not changed ({like} like, {dislike} dislike); the current "
        "head {id} would be kept.",
        "ja": "学習: ラベルは変わっていないため（好き {like} 枚、好きでない {dislike} 枚）、"
        "今の判定モデル {id} をそのまま使います。",
    },
    "cli.round.dry.retrain": {
        "en": "Train: a new head would be trained on {like} like and {dislike} dislike labels, "
        "replacing {id}. Classify would sort with it:",
        "ja": "学習: 好き {like} 枚、好きでない {dislike} 枚のラベルで判定モデルを学習し直し、"
        "{id} と置き換えます。振り分けはその判定モデルで行います:",
    },
    "cli.round.dry.first": {
        "en": "Train: the first head would be trained on {like} like and {dislike} dislike "
        "labels. Classify would sort with it:",
        "ja": "学習: 好き {like} 枚、好きでない {dislike} 枚のラベルで最初の判定モデルを"
        "学習します。振り分けはその判定モデルで行います:",
    },
    "cli.round.dry.done": {
        "en": "Dry run: nothing was moved and no head was written. Without --dry-run, {n} "
        "images would be sorted (like from {like_t:.2f}, dislike up to {dislike_t:.2f}).",
        "ja": "試し実行（--dry-run）なので、何も移動せず、判定モデルも保存していません。"
        "--dry-run なしで実行すると {n} 枚を振り分けます（{like_t:.2f} 以上は好き、"
        "{dislike_t:.2f} 以下は好きでない）。",
        "count": "n",
        "en:0": "Dry run: nothing was moved and no head was written. Without --dry-run, no "
        "image would be sorted either (like from {like_t:.2f}, dislike up to {dislike_t:.2f}).",
        "ja:0": "試し実行（--dry-run）なので、何も移動せず、判定モデルも保存していません。"
        "--dry-run なしで実行しても、振り分ける画像はありません（{like_t:.2f} 以上は好き、"
        "{dislike_t:.2f} 以下は好きでない）。",
        "en:1": "Dry run: nothing was moved and no head was written. Without --dry-run, 1 "
        "image would be sorted (like from {like_t:.2f}, dislike up to {dislike_t:.2f}).",
    },
    "cli.round.suggest.unsure": {
        "en": "Suggested this round: the {n} images the head is unsure of, among {waiting} "
        "waiting (it is right on {acc:.0%} of your labels) — [cyan]{cmd} review[/], then "
        "[cyan]{cmd} round[/] again.",
        "count": "n",
        "en:1": "Suggested this round: the 1 image the head is unsure of, among {waiting} "
        "waiting (it is right on {acc:.0%} of your labels) — [cyan]{cmd} review[/], then "
        "[cyan]{cmd} round[/] again.",
        "ja": "今回のおすすめ: 判定待ちの {waiting} 枚のうち、判定モデルが迷っている {n} 枚です"
        "（ラベルに対する正解率は {acc:.0%}）。[cyan]{cmd} review[/] で判定し、もう一度 "
        "[cyan]{cmd} round[/] を実行してください。",
    },
    "cli.round.confident": {
        "en": "No review needed this round: the head is right on {acc:.0%} of your labels and "
        "sure of all {waiting} waiting images. Spot-check a few in [cyan]{cmd} review[/] "
        "if you like, or add new photos to data/unlabeled/.",
        "count": "waiting",
        "en:1": "No review needed this round: the head is right on {acc:.0%} of your labels and "
        "sure of the 1 waiting image. Look at it in [cyan]{cmd} review[/] if you like, or add "
        "new photos to data/unlabeled/.",
        "ja:1": "今回は判定の必要はありません。判定モデルの正解率はあなたのラベルに対して "
        "{acc:.0%} で、判定待ちの 1 枚にも迷いがありません。気になる場合は "
        "[cyan]{cmd} review[/] で確かめるか、新しい写真を data/unlabeled/ に入れてください。",
        "ja": "今回は判定の必要はありません。判定モデルの正解率はあなたのラベルに対して "
        "{acc:.0%} で、判定待ちの {waiting} 枚すべてについて迷いがありません。"
        "気になる場合は [cyan]{cmd} review[/] でいくつか確かめるか、新しい写真を "
        "data/unlabeled/ に入れてください。",
    },
    "batch.ray_unreachable": {
        "en": "No Ray cluster answers at {address} (waited {seconds:.0f} s).",
        "ja": "{address} で応答する Ray クラスターがありません（{seconds:.0f} 秒待ちました）。",
    },
    "batch.ray_unreachable_hint": {
        "en": "Check the address (host:port of the head node, 6379 by default; ray://host:10001 "
        "for Ray Client) and that the cluster is running, or leave out --address to use a "
        "local Ray.",
        "ja": "アドレス（ray start --head を実行したノードの host:port。既定のポートは "
        "6379、Ray Client なら ray://host:10001）と、クラスターが動いているかを確認して"
        "ください。--address を省くとローカルの Ray を使います。",
    },
    "batch.ray_bad_address": {
        "en": "'{address}' is not a Ray address.",
        "ja": "'{address}' は Ray のアドレスとして正しくありません。",
    },
    "batch.ray_log": {
        "en": "Ray's own messages: {log} (--debug shows them here).",
        "ja": "Ray 自身のメッセージ: {log}（--debug を付けるとここに表示します）。",
    },
    "batch.ray_local_faster": {
        "en": "On one machine with {cpus:g} CPUs and no GPU, --engine local is usually faster: "
        "it starts at once (Ray took {seconds:.0f} s) and uses the same cores. Ray pays off on "
        "a cluster (--address).",
        "ja": "CPU {cpus:g} コア、GPU なしの 1 台のマシンでは、たいてい --engine local のほうが"
        "速く終わります。すぐに始まり（Ray は起動に {seconds:.0f} 秒かかりました）、同じ"
        "コアを使うためです。Ray が役立つのはクラスター（--address）で動かすときです。",
    },
    "cli.explain.similarity": {
        "en": "The numbers beside the neighbours are similarities (cosine of the embeddings, "
        "up to 1.000): 1.000 is the same picture, and the nearer to 1, the more alike the two "
        "look to the model. The score comes from the head, which weighs all your labels, not "
        "only these neighbours.",
        "ja": "似ている画像の横の数値は類似度（埋め込みのコサイン類似度、最大 1.000）です。"
        "1.000 は同じ画像で、1 に近いほどエンコーダーにとって 2 枚が似ていることを表します。"
        "スコアはこれらの画像だけでなく、すべてのラベルをもとに判定モデルが出したものです。",
    },
    "xmp.dry.kept": {
        "en": "{person}★ kept (your rating; konomi's {stars}★ goes in its own field only)",
        "ja": "★{person} のまま（あなたのレーティング。konomi の ★{stars} は専用の欄にだけ"
        "書きます）",
    },
    "cli.version": {"en": "konomi {version}", "ja": "konomi {version}"},
    "text.no_images.hint": {
        "en": "Put your photos in data/unlabeled/ (or list a library in konomi.toml): search "
        "needs no labels. {cmd} review then starts learning your taste from zero.",
        "ja": "写真を data/unlabeled/ に入れてください（または konomi.toml でライブラリを"
        "指定してください）。検索にラベルは要りません。そのあと {cmd} review で、ゼロから"
        "好みの学習を始められます。",
    },
}
