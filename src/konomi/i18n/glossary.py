"""The Japanese glossary: one term per concept, and the variants it rules out.

konomi's Japanese follows the conventions of Japanese photo software (Lightroom Classic,
Capture One, darktable) where they exist, and the Microsoft/JIS Z 8301 style of long vowels
(エンコーダー, ブラウザー, フォルダー; ライブラリ and other -ry words without ー, as Microsoft
writes them). docs/glossary.ja.md explains each choice; tests/test_glossary.py fails on any
ruled-out variant in the catalog's Japanese, README.ja.md and docs/*.ja.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One concept: its English word, the one Japanese term, and the variants ruled out
    (regular expressions, so that エンコーダ is caught but not エンコーダー)."""

    concept: str
    term: str
    ruled_out: tuple[str, ...] = ()
    note: str = ""


TERMS: tuple[Term, ...] = (
    Term(
        "head (the small model trained on your labels)",
        "判定モデル",
        (r"ヘッド(?!レス)",),
        "The encoder and the head are both models; モデル alone means neither.",
    ),
    Term("encoder (the image model that makes embeddings)", "エンコーダー", (r"エンコーダ(?!ー)",)),
    Term("embedding", "埋め込み"),
    Term("like", "好き"),
    Term("dislike", "好きでない", ("好きではない", "苦手", "嫌い")),
    Term("unsure", "保留", ("判断保留",)),
    Term("label (like or dislike given by you)", "ラベル"),
    Term("score (0 to 1, how much you would like it)", "スコア"),
    Term("proposal (what konomi suggests for an image)", "提案"),
    Term(
        "review (judging proposals one by one; the review page)",
        "判定（判定ページ）",
        (r"(?<!プ)レビュー", "確認ページ"),
    ),
    Term("undo", "取り消す（取り消し）"),
    Term("threshold", "しきい値", ("閾値", "スレッショルド")),
    Term("library (your photo folders konomi only reads)", "ライブラリ", ("ライブラリー",)),
    Term("sidecar", "サイドカーファイル（XMP サイドカーファイル）"),
    Term("rating (stars in Lightroom and others)", "レーティング", ("星の評価", "星の数")),
    Term("reject (Lightroom's flag)", "除外", ("却下",)),
    Term(
        "suspects (labels that may be wrong)",
        "疑わしいラベル",
        ("怪しい", "要確認"),
    ),
    Term("dry run", "試し実行", ("ドライラン",)),
    Term("workspace", "作業フォルダー", ("ワークスペース",)),
    Term("folder", "フォルダー", (r"フォルダ(?!ー)",)),
    Term("browser", "ブラウザー", (r"ブラウザ(?!ー)",)),
    Term("server", "サーバー", (r"サーバ(?!ー)",)),
    Term("user", "ユーザー", (r"ユーザ(?!ー)",)),
    Term("filter", "フィルター", (r"フィルタ(?!ー)",)),
    Term("computer", "コンピューター", (r"コンピュータ(?!ー)",)),
    Term("ignore file (.konomiignore)", "無視リスト", ("除外ファイル", "除外リスト")),
)

# Words out of register (shop-counter keigo, the informal) and half-width marks after Japanese.
REGISTER: tuple[tuple[str, str], ...] = (
    ("当てずっぽう", "informal: say 偶然 or あてにならない"),
    ("お断り", "shop-counter register: say 受け付けません or できません"),
    ("させていただ", "shop-counter register"),
    ("[\u3040-\u30ff\u4e00-\u9fff]\\?", "half-width ? after Japanese: use ？"),
    ("[\u3040-\u30ff\u4e00-\u9fff]!", "half-width ! after Japanese: use ！"),
    ("取り消しました[:：].*取り消しました", "取り消しました said twice"),
)


def ruled_out() -> list[tuple[re.Pattern[str], str]]:
    """(pattern, why) for every variant the glossary rules out."""
    found = [
        (re.compile(variant), f"{term.concept}: write {term.term}")
        for term in TERMS
        for variant in term.ruled_out
    ]
    found += [(re.compile(pattern), why) for pattern, why in REGISTER]
    return found


def violations(text: str) -> list[tuple[str, str]]:
    """(the variant found, why it is ruled out) for each one in `text`."""
    return [(hit.group(0), why) for pattern, why in ruled_out() for hit in pattern.finditer(text)]
