"""Messages of `konomi simulate`."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "simulate.pool": {
        "en": "Pool {name}: {n} × {d}, {like} like / {dislike} dislike; head {head}; "
        "strategies {strategies} × seeds {seeds}; {shape}",
        "ja": "データ {name}: {n} × {d}（好き {like}・好きでない {dislike}）、判定モデル {head}、"
        "戦略 {strategies} 種 × シード {seeds} 個。{shape}",
    },
    "simulate.session": {
        "en": "first session: {judgements} judgements from a start of {start}, the head "
        "retrained every {every}.",
        "ja": "最初のセッション: {start} 枚の出発点から {judgements} 回まで判定し、{every} "
        "回ごとに判定モデルを学習し直します。",
    },
    "simulate.arrivals": {
        "en": "arrivals: {rounds} rounds of new images from a start of {start}.",
        "ja": "到着方式: {start} 枚の出発点から、新しい画像が {rounds} 回に分けて届きます。",
    },
    # -- a pool or a plan that cannot be simulated ------------------------------------------------
    "simulate.error.no_arrays": {
        "en": "{path} has no arrays named X and y (it has: {names}).",
        "ja": "{path} には X と y という名前の配列がありません（あるのは: {names}）。",
    },
    "simulate.error.no_arrays_hint": {
        "en": "Save the pool with numpy.savez(path, X=embeddings, y=labels).",
        "ja": "データは numpy.savez(path, X=embeddings, y=labels) で保存してください。",
    },
    "simulate.error.no_file": {
        "en": "No such file: {path}",
        "ja": "そのファイルはありません: {path}",
    },
    "simulate.error.not_npz": {
        "en": "Cannot read {path} as .npz: {why}",
        "ja": "{path} を .npz として読めません: {why}",
    },
    "simulate.error.not_npz_hint": {
        "en": "Save it with numpy.savez(path, X=..., y=...).",
        "ja": "numpy.savez(path, X=..., y=...) で保存してください。",
    },
    "simulate.error.shapes": {
        "en": "X must be n × d and y of length n (got X {x}, y {y}).",
        "ja": "X は n × d、y は長さ n の配列にしてください（X は {x}、y は {y} でした）。",
    },
    "simulate.error.shapes_hint": {
        "en": "One row of X per image, one 0/1 label in y per row.",
        "ja": "X は画像 1 枚につき 1 行、y はその行ごとに 0 か 1 のラベルを 1 つです。",
    },
    "simulate.error.not_finite": {
        "en": "X contains NaN or infinite values.",
        "ja": "X に NaN か無限大の値が含まれています。",
    },
    "simulate.error.labels": {
        "en": "y must hold only 0 (dislike) and 1 (like).",
        "ja": "y には 0（好きでない）と 1（好き）だけを入れてください。",
    },
    "simulate.error.too_few": {
        "en": "Too few images of one class to simulate (like: {like}, dislike: {dislike}).",
        "ja": "片方のクラスの画像が少なすぎて、シミュレーションできません"
        "（好き: {like}、好きでない: {dislike}）。",
    },
    "simulate.error.too_few_hint": {
        "en": "The pool needs at least about 20 of each.",
        "ja": "それぞれ少なくとも 20 枚ほど必要です。",
    },
    "simulate.error.protocol": {
        "en": "Unknown protocol {protocol}.",
        "ja": "{protocol} という方式はありません。",
    },
    "simulate.error.strategy": {
        "en": "Unknown strategy for --protocol {protocol}: {names}.",
        "ja": "--protocol {protocol} では使えない戦略です: {names}",
    },
    "simulate.error.strategies": {
        "en": "Unknown strategies for --protocol {protocol}: {names}.",
        "ja": "--protocol {protocol} では使えない戦略があります: {names}",
    },
    "simulate.error.counts": {
        "en": "rounds and seeds must be at least 1, budget and start 0 or more.",
        "ja": "rounds と seeds は 1 以上、budget と start は 0 以上にしてください。",
    },
    "simulate.error.start": {
        "en": "The arrivals protocol needs a start of 4 or more labelled images.",
        "ja": "到着方式では、出発点としてラベル付きの画像が 4 枚以上必要です。",
    },
    "simulate.error.start_hint": {
        "en": "Use --protocol session to start from nothing.",
        "ja": "何もない状態から始めるには --protocol session を使ってください。",
    },
    "simulate.error.session": {
        "en": "The session needs --retrain-every 1 or more and more judgements than the start.",
        "ja": "セッション方式では、--retrain-every を 1 以上にし、判定の回数を出発点の枚数より"
        "多くしてください。",
    },
    "simulate.error.prompts_session": {
        "en": "Prompts are simulated in the first session only.",
        "ja": "言葉による指定（プロンプト）は、最初のセッションでしかシミュレーションできません。",
    },
    "simulate.error.prompts_hint": {
        "en": "Add --protocol session.",
        "ja": "--protocol session を付けてください。",
    },
    "simulate.error.prompts_range": {
        "en": "The prompts' cosine to the truth must be between 0 and 1, and --prompts 1 or more.",
        "ja": "プロンプトと正解とのコサインは 0 から 1 の間、--prompts は 1 以上にしてください。",
    },
    "simulate.error.test_fraction": {
        "en": "The held-out fraction must be between 0.05 and 0.9.",
        "ja": "評価用に取り分ける割合は 0.05 から 0.9 の間にしてください。",
    },
}
