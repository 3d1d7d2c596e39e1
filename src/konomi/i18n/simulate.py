"""Messages of `konomi simulate`."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "simulate.pool": {
        "en": "Pool {name}: {n} × {d}, {like} like / {dislike} dislike; head {head}; "
        "{strategies} strategies × {seeds} seed(s); {shape}",
        "ja": "データ {name}: {n} × {d}（好き {like}・好きでない {dislike}）、判定モデル {head}、"
        "戦略 {strategies} 種 × シード {seeds} 個。{shape}",
    },
    "simulate.session": {
        "en": "first session: {judgements} judgements from a start of {start}, the head "
        "retrained every {every}.",
        "ja": "最初のセッション：{start} 枚の出発点から {judgements} 回まで判定し、"
        "{every} 回ごとにヘッドを学習し直します。",
    },
    "simulate.arrivals": {
        "en": "arrivals: {rounds} rounds of new images from a start of {start}.",
        "ja": "到着方式：{start} 枚の出発点から、新しい画像が {rounds} 回に分けて届きます。",
    },
}
