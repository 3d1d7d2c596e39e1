"""Explanations: an image's score and the nearest liked / disliked training images that exist."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from messages import said

from konomi.app import loop as workflow
from konomi.app.explain import nearest


def train_in_process(root: Path, model: Path) -> workflow.TrainOutcome:
    ctx = workflow.Context.open(root, model=str(model))
    try:
        return workflow.train(ctx)
    finally:
        ctx.close()


def test_nearest_excludes_itself_and_pads_when_short():
    X = np.array([[1, 0], [0.9, 0.1], [0, 1]], np.float32)
    idx, sims = nearest(X, X, 2, exclude=np.array([0, -1, 2]))
    assert idx[0].tolist() == [1, 2]  # itself (row 0) excluded
    assert idx[1].tolist() == [1, 0]  # nothing excluded: itself first
    assert sims[1, 0] > 0.999 and sims[0, 0] > sims[0, 1]
    idx, sims = nearest(X[:1], X[:1], 3, exclude=np.array([0]))
    assert idx.tolist() == [[-1, -1, -1]] and np.isnan(sims).all()


def test_cli_explains_with_existing_training_files(workspace, konomi, tiny_model):
    ws = workspace(n_like=15, n_dislike=15, n_unlabeled=6)
    train_in_process(ws.root, tiny_model)
    # A training file deleted after training must never be named.
    gone = ws.root / "data/train/like/like_0000.jpg"
    gone.unlink()

    warm = next(p for p, t in ws.truth.items() if t == 1)
    cool = next(p for p, t in ws.truth.items() if t == 0)
    result = konomi(
        "explain", warm.relative_to(ws.root), cool, "--k", "2", "--json", root=ws.root, check=True
    )
    rows = json.loads(result.out)
    assert [r["path"] for r in rows] == [
        warm.relative_to(ws.root).as_posix(),
        cool.relative_to(ws.root).as_posix(),
    ]
    for r in rows:
        assert len(r["liked"]) == 2 and len(r["disliked"]) == 2
        for n in r["liked"] + r["disliked"]:
            assert (ws.root / n["path"]).is_file(), n
            assert n["path"].startswith(f"data/train/{n['label']}/")
            assert -1.0 <= n["similarity"] <= 1.0
        assert "data/train/like/like_0000.jpg" not in json.dumps(r)
        assert r["liked"][0]["similarity"] >= r["liked"][1]["similarity"]
    warm_row, cool_row = rows
    # A warm image sits closer to the liked ones, and scores higher.
    assert warm_row["liked"][0]["similarity"] > warm_row["disliked"][0]["similarity"]
    assert cool_row["disliked"][0]["similarity"] > cool_row["liked"][0]["similarity"]
    assert warm_row["score"] > 0.5 > cool_row["score"]
    assert warm_row["head_id"] == json.loads((ws.root / "models/current.json").read_text())["id"]

    # A training image is explained by the others, never by itself.
    own = "data/train/dislike/dislike_0004.jpg"
    text = konomi("explain", own, root=ws.root, check=True).out
    assert said(text, "cli.explain.labelled", label="dislike") and said(text, "cli.explain.liked")
    assert text.count(own) == 1
