"""The seed's loop end to end, through the real CLI, on a real (tiny) ONNX encoder."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from factories.images import assert_conserved, file_hashes, make_image
from factories.models import build_hub_cache, offline_hub_env
from messages import said

from konomi.i18n import t
from konomi.workspace import Workspace, workspace_lock

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def read_report(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the CSV must start with a UTF-8 BOM"
    return list(csv.DictReader(raw[3:].decode("utf-8").splitlines()))


def test_four_seed_commands_sort_a_separable_set(workspace, konomi, cli_env):
    ws = workspace(n_like=30, n_dislike=30, n_unlabeled=40, n_ambiguous=4)
    before = file_hashes(ws.root / "data")

    def run(name: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, str(SCRIPTS / f"{name}.py")],
            cwd=ws.root,
            capture_output=True,
            text=True,
            timeout=180,
            env=cli_env,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        return proc

    env_check = run("check_env")
    assert said(env_check.stdout, "check.model_loads") and "16-d" in env_check.stdout
    trained = run("train")
    assert "AUC" in trained.stdout and said(trained.stdout, "cli.train.done", like=30, dislike=30)
    run("classify")
    scored = run("score")
    assert "reports/scores.csv" in scored.stdout

    # Every unlabeled image was decided or left unsure; proposals are right.
    decided = right = 0
    for path, truth in ws.truth.items():
        rel = path.relative_to(ws.root / "data" / "unlabeled")
        homes = [
            p
            for p in ("like", "dislike", "unsure")
            if (ws.root / "data" / "classified" / p / rel).exists()
        ]
        assert len(homes) == 1, f"{rel} should be in exactly one proposal folder: {homes}"
        assert not path.exists()
        if truth is None or homes[0] == "unsure":
            continue
        decided += 1
        right += homes[0] == ("like" if truth == 1 else "dislike")
    assert decided >= 0.7 * sum(t is not None for t in ws.truth.values())
    assert right / decided >= 0.9

    # The report contract.
    rows = read_report(ws.root / "reports" / "scores.csv")
    assert list(rows[0])[:4] == ["path", "score", "label", "folder"]
    assert len(rows) == 60 + 44
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    for r in rows:
        assert "\\" not in r["path"] and (ws.root / r["path"]).is_file()
        assert r["label"] in ("like", "dislike", "unsure")
        assert r["path"].startswith(r["folder"] + "/")
        assert 0.0 <= float(r["score"]) <= 1.0

    # A versioned head, no pickle.
    current = json.loads((ws.root / "models" / "current.json").read_text())
    assert (ws.root / "models" / f"{current['id']}.npz").is_file()
    info = json.loads((ws.root / "models" / f"{current['id']}.json").read_text())
    assert info["counts"] == {"like": 30, "dislike": 30}

    assert_conserved(before, file_hashes(ws.root / "data"))

    # Undo puts every classified image back where it was.
    undone = subprocess.run(
        [sys.executable, "-m", "konomi", "undo"],
        cwd=ws.root,
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=60,
    )
    assert undone.returncode == 0, undone.stderr
    for path in ws.truth:
        assert path.is_file(), f"{path.name} not restored"
    assert not any((ws.root / "data" / "classified").rglob("*.*"))
    assert_conserved(before, file_hashes(ws.root / "data"))


def test_round_and_unreadable_files_are_left_alone(workspace, konomi):
    ws = workspace(n_like=20, n_dislike=20, n_unlabeled=10)
    broken = ws.root / "data" / "unlabeled" / "broken.jpg"
    broken.write_bytes(b"<html>not a jpeg</html>")
    empty = ws.root / "data" / "unlabeled" / "empty.png"
    empty.write_bytes(b"")
    result = konomi("round", root=ws.root, check=True)
    assert "broken.jpg" in result.out and "empty.png" in result.out
    assert broken.exists() and empty.exists(), "unreadable files must never be moved"
    assert said(result.out, "cli.round.done")
    # 40 labels the head gets all right: only what it is unsure of is suggested, if anything
    assert said(result.out, "cli.round.confident") or said(result.out, "cli.round.suggest.unsure")


def test_collisions_get_a_new_name_never_a_replace(workspace, konomi):
    ws = workspace(n_like=20, n_dislike=20, n_unlabeled=6)
    konomi("train", root=ws.root, check=True)
    dry = konomi("classify", "--dry-run", root=ws.root, check=True)
    assert said(dry.out, "cli.classify.dry")
    # Put a different file under every name the classify run will want.
    for path in ws.truth:
        for proposal in ("like", "dislike", "unsure"):
            make_image(ws.root / "data" / "classified" / proposal / path.name, color=(1, 2, 3))
    before = file_hashes(ws.root / "data")
    konomi("classify", root=ws.root, check=True)
    assert_conserved(before, file_hashes(ws.root / "data"))
    renamed = list((ws.root / "data" / "classified").rglob("* (1).*"))
    assert len(renamed) == len(ws.truth)


def test_a_second_command_is_refused_while_the_workspace_is_locked(workspace, konomi):
    ws = workspace(n_like=10, n_dislike=10, n_unlabeled=4)
    konomi("train", root=ws.root, check=True)
    with workspace_lock(Workspace.resolve(ws.root), purpose="test"):
        result = konomi("classify", root=ws.root, env={"KONOMI_LOCK_WAIT": "0.5"})
    assert result.code == 4
    assert said(result.err, "errors.workspace.busy") and "Traceback" not in result.text
    assert all(p.exists() for p in ws.truth)


def test_crash_mid_batch_is_repaired_by_the_next_run(workspace, konomi):
    ws = workspace(n_like=15, n_dislike=15, n_unlabeled=12)
    konomi("train", root=ws.root, check=True)
    before = file_hashes(ws.root / "data")
    crashed = konomi("classify", root=ws.root, env={"KONOMI_TEST_CRASH_AT": "after_link:5"})
    assert crashed.code == -9
    # Right after the crash one file has two names (the same inode); the next run repairs it.
    result = konomi("classify", root=ws.root, check=True)
    assert said(result.out, "cli.repaired")
    assert_conserved(before, file_hashes(ws.root / "data"))
    assert not any(p.exists() for p in ws.truth)
    for _ in range(3):
        konomi("undo", root=ws.root, check=True)
    assert all(p.exists() for p in ws.truth)
    assert_conserved(before, file_hashes(ws.root / "data"))


def test_cache_skips_unchanged_and_renamed_files(workspace, konomi):
    ws = workspace(n_like=10, n_dislike=10, n_unlabeled=6)
    first = konomi("embed", root=ws.root, check=True)
    assert said(first.out, "cli.embed.done", new=26, cached=0)
    some = next(iter(ws.truth))
    some.rename(some.with_name("renamed-" + some.name))
    second = konomi("embed", root=ws.root, check=True)
    assert said(second.out, "cli.embed.done", new=0, cached=26)


def test_clear_errors_without_tracebacks(tmp_path, konomi):
    root = tmp_path / "empty"
    root.mkdir()
    missing = konomi("train", root=root)
    assert missing.code == 1 and "data/train/like" in missing.err
    make_image(root / "loose.jpg")  # photos next to data/, not in it: say where they belong
    nothing = konomi("embed", root=root)
    assert nothing.code == 0 and said(nothing.err, "cli.embed.nothing", data="data")
    (root / "data" / "train" / "like").mkdir(parents=True)
    (root / "data" / "train" / "dislike").mkdir(parents=True)
    make_image(root / "data" / "train" / "like" / "a.jpg")
    one_class = konomi("train", root=root)
    assert one_class.code == 1 and "dislike" in one_class.err
    no_head = konomi("classify", root=root)
    assert no_head.code == 1 and said(no_head.err, "errors.heads.none_yet_hint")
    nowhere = konomi("score", root=tmp_path / "nope")
    assert nowhere.code == 1 and said(nowhere.err, "errors.workspace.not_found")
    for r in (missing, nothing, one_class, no_head, nowhere):
        assert "Traceback" not in r.text


def test_hub_model_from_the_offline_cache(tmp_path, workspace, konomi):
    cache = tmp_path / "hub"
    build_hub_cache(cache)
    ws = workspace(n_like=8, n_dislike=8, n_unlabeled=0)
    env = {**offline_hub_env(cache), "KONOMI_MODEL": "", "COLUMNS": "400"}  # path on one line
    ok = konomi("check-env", "--model", "immich-app/ViT-B-32__openai", root=ws.root, env=env)
    assert ok.code == 0, ok.text
    assert "models--immich-app--ViT-B-32__openai" in ok.out
    trained = konomi("train", "--model", "immich-app/ViT-B-32__openai", root=ws.root, env=env)
    assert trained.code == 0, trained.text

    empty = {**offline_hub_env(tmp_path / "empty-hub"), "KONOMI_MODEL": ""}
    missing = konomi("train", root=ws.root, env=empty)
    assert missing.code == 3
    assert "immich-app/ViT-B-32__openai" in missing.err
    assert said(missing.err, "errors.model.offline_hint")
    assert "Traceback" not in missing.text


def test_help_has_an_example_for_every_command(konomi):
    for command in ("check-env", "train", "classify", "score", "embed", "undo", "round"):
        result = konomi(command, "--help", check=True)
        assert "Example" in result.out and "--root" in result.out and "--model" in result.out


def test_a_warm_score_reuses_the_cached_scores_of_its_head(workspace, tiny_model, monkeypatch):
    """100,000 images re-scored by the same head must not run the head again: only new images
    are predicted, and a new head predicts everything, once, when it is trained."""
    from konomi.app import loop as workflow
    from konomi.learn.head import Head

    ws = workspace(n_like=8, n_dislike=8, n_unlabeled=12)
    predicted: list[int] = []
    real_predict = Head.predict

    def counted(self, X):
        predicted.append(len(X))
        return real_predict(self, X)

    monkeypatch.setattr(Head, "predict", counted)
    ctx = workflow.Context.open(ws.root, model=str(tiny_model))
    try:
        workflow.train(ctx, folds=2)  # the new head scores every cached vector at once
        assert predicted == [16]  # (only the labelled images are embedded yet)
        first = {r.path: r.score for r in workflow.score(ctx).rows}
        assert predicted == [16, 12]  # the others: new to the cache
        again = {r.path: r.score for r in workflow.score(ctx).rows}
        assert predicted == [16, 12] and again == first  # nothing predicted, the same scores
        make_image(ws.root / "data" / "unlabeled" / "new.png", seed=123)
        third = workflow.score(ctx).rows
        assert predicted == [16, 12, 1] and len(third) == 29
        predicted.clear()
        workflow.train(ctx, folds=2)  # a new head scores everything afresh
        assert predicted == [29]
        workflow.score(ctx)
        assert predicted == [29]
    finally:
        ctx.close()


def test_training_and_scoring_say_what_the_wait_is(workspace, tiny_model, monkeypatch):
    """Long steps report progress: the head's fit as a stage of its own, and scoring chunk by
    chunk up to the number of images (seconds with thousands of labels on 100k images)."""
    from konomi.app import loop as workflow
    from konomi.app import scoring

    ws = workspace(n_like=8, n_dislike=8, n_unlabeled=12)
    seen: list[tuple[str, int, int | None]] = []
    monkeypatch.setattr(scoring, "PREDICT_CHUNK", 10)
    ctx = workflow.Context.open(ws.root, model=str(tiny_model))
    ctx.reporter.on_progress = lambda stage, done, total: seen.append((stage, done, total))
    try:
        workflow.train(ctx, folds=2)
        scoring = t("progress.scoring")
        assert (t("progress.training", n=16), 0, None) in seen
        assert (scoring, 16, 16) in seen  # every cached vector scored by the new head
        seen.clear()
        ctx.cache.db.execute("DELETE FROM head_scores")  # as if none were kept
        scores = workflow.score(ctx).rows
        assert [s for s in seen if s[0] == scoring] == [
            (scoring, 10, 28),
            (scoring, 20, 28),
            (scoring, 28, 28),
        ]
        assert len(scores) == 28
    finally:
        ctx.close()


def test_the_round_suggestions_are_images_waiting_for_review(workspace, tiny_model):
    """`informativeness > 0.5` in scores.csv means "suggested for this round": never an image
    already in data/train/ (it has its label), and as many as `konomi round` says to look at."""
    from konomi.app import loop as workflow
    from konomi.learn.active import suggested_reviews

    ws = workspace(n_like=8, n_dislike=8, n_unlabeled=12)
    ctx = workflow.Context.open(ws.root, model=str(tiny_model))
    try:
        workflow.train(ctx, folds=2)
        rows = workflow.score(ctx).rows
    finally:
        ctx.close()
    suggested = [r for r in rows if r.informativeness > 0.5]
    assert suggested and not [r.path for r in suggested if r.train_label]
    assert len(suggested) == suggested_reviews(12, 16) == 12
