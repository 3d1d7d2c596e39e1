"""Suspect labels: planted mistakes in data/train must come out on top, through the real CLI."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import numpy as np
from factories.images import make_image
from messages import said

from konomi.learn import suspects
from konomi.learn.head import train_head

WARM = (225, 95, 35)  # a colour the generated taste likes
COOL = (40, 125, 205)  # a colour it dislikes


def plant_mistakes(root: Path, n: int = 2) -> list[str]:
    """Warm images put in dislike and cool ones in like: n of each, paths relative to root."""
    planted = []
    for i in range(n):
        warm = root / "data/train/dislike" / f"zz_planted_warm_{i}.jpg"
        cool = root / "data/train/like" / f"zz_planted_cool_{i}.png"
        make_image(warm, color=WARM, seed=100 + i)
        make_image(cool, color=COOL, seed=200 + i)
        planted += [warm.relative_to(root).as_posix(), cool.relative_to(root).as_posix()]
    return planted


def noisy_pool(seed: int, n: int = 400, d: int = 32, flips: int = 20):
    """Clustered unit vectors with a hidden taste; `flips` labels flipped. Returns X, y, flipped."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    centers = rng.normal(size=(6, d))
    theme = rng.integers(0, 3, n) + 3 * y
    X = centers[theme] * 0.6 + rng.normal(size=(n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    flipped = rng.choice(n, flips, replace=False)
    y_noisy = y.copy()
    y_noisy[flipped] = 1 - y_noisy[flipped]
    return X.astype(np.float32), y_noisy, set(flipped.tolist())


def test_planted_flips_rank_first_on_embeddings():
    X, y, flipped = noisy_pool(seed=3)
    trained = train_head(X, y)
    found = suspects.find([str(i) for i in range(len(y))], y, trained.oof, top=len(flipped))
    hits = sum(int(s.path) in flipped for s in found)
    assert hits / len(flipped) >= 0.8, f"only {hits} of {len(flipped)} flips in the top-k"
    assert [s.rank for s in found] == list(range(1, len(found) + 1))
    conf = [s.confidence for s in found]
    assert conf == sorted(conf, reverse=True)
    # Every flagged image is a strong disagreement, and most flags are real flips.
    flagged = suspects.flags(y, trained.oof)
    assert flagged.sum() >= 0.5 * len(flipped)
    assert sum(i in flipped for i in np.flatnonzero(flagged)) >= 0.8 * flagged.sum()


def test_flags_use_each_class_bar():
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    oof = np.array([0.95, 0.9, 0.85, 0.05, 0.1, 0.05, 0.2, 0.4])
    # The like at 0.05 disagrees with its class; the dislike at 0.4 is only a close call.
    assert suspects.flags(labels, oof).tolist() == [False] * 3 + [True] + [False] * 4
    order = suspects.rank(labels, oof)
    assert order[0] == 3 and order[1] == 7


def test_cli_finds_planted_mistakes(workspace, konomi):
    ws = workspace(n_like=30, n_dislike=30, n_unlabeled=0)
    planted = plant_mistakes(ws.root)
    (ws.root / "data/train/like/broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")

    trained = konomi("train", root=ws.root, check=True)
    assert said(trained.out, "cli.train.suspects")

    result = konomi("suspects", "--top", "8", "--json", root=ws.root, check=True)
    rows = json.loads(result.out)  # stdout holds the JSON and nothing else
    assert isinstance(rows, list) and len(rows) == 8
    top = [r["path"] for r in rows[: len(planted) + 2]]
    assert set(planted) <= set(top), f"planted {planted} not in the top suspects {top}"
    for r in rows:
        assert {"path", "label", "score", "confidence"} <= set(r)
        assert "\\" not in r["path"] and (ws.root / r["path"]).is_file()
        assert r["path"].startswith(f"data/train/{r['label']}/")
        assert 0.0 <= r["score"] <= 1.0
    for r in rows[: len(planted)]:
        assert r["flagged"] and r["confidence"] > 0.5

    text = konomi("suspects", "--top", "3", root=ws.root, check=True).out
    assert planted[0] in text or planted[1] in text
    assert said(text, "cli.suspects.head") or said(text, "cli.suspects.fresh")
    head = json.loads((ws.root / "models/current.json").read_text())["id"]
    assert said(text, "cli.suspects.head", id=head)  # an unreadable file changes nothing
    assert "broken.jpg" not in result.out

    # The person fixes one: its file moves to the right folder. The list follows the folders
    # now (the head is older than the move) and never names a path that is gone.
    fixed = ws.root / planted[0]
    shutil.move(fixed, ws.root / "data/train/like" / fixed.name)
    rows = json.loads(konomi("suspects", "--json", root=ws.root, check=True).out)
    paths = [r["path"] for r in rows]
    assert planted[0] not in paths
    assert all((ws.root / p).is_file() for p in paths)
    assert set(planted[1:]) <= set(paths[:5])


def test_one_count_of_suspects_in_the_summary_the_json_and_the_report(workspace, konomi):
    """ "N look mislabelled" is the number of rows marked ●, in the table, its --json and the
    report, however short a --top asks for; the bar of the marks is said beside them."""
    import re

    from konomi.app.reports.html import page_data

    ws = workspace(n_like=24, n_dislike=24, n_unlabeled=4)
    plant_mistakes(ws.root, n=2)
    konomi("train", root=ws.root, check=True)

    text = konomi("suspects", "--top", "1", root=ws.root, check=True).out
    found = re.search(r"(\d+) look mislabelled", text)
    assert found is not None, text
    n = int(found.group(1))
    assert n >= 2, "four planted mistakes, at least two marked"
    rows_shown = [line.strip() for line in text.splitlines() if "data/train/" in line]
    assert sum(line.startswith("●") for line in rows_shown) == n, text
    assert said(text, "suspects.rule"), "the bar of the marks is explained"

    rows = json.loads(konomi("suspects", "--top", "1", "--json", root=ws.root, check=True).out)
    assert sum(r["flagged"] for r in rows) == n

    konomi("report", root=ws.root, check=True)
    page = (ws.root / "reports/index.html").read_text(encoding="utf-8")
    data = page_data(page)
    assert sum(x[2] == 1 for x in data["x"].values()) == n
    page = html.unescape(page)
    assert any(
        said(page, key, n=n) for key in ("report.suspects.note", "report.suspects.note_fresh")
    )
    assert said(page, "suspects.rule")
