"""The review page from zero labels, taste in words and the search box, over real HTTP: the
first picks cover the folder, the page retrains itself every few labels without holding a
decision back, says how good the model is so far, and words order or filter the queue."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
from factories.images import assert_conserved, file_hashes, make_image, make_unlabeled_set
from factories.models import COLOUR_WORDS, build_joint_model_dir
from messages import said
from test_review_server import post, serving, session, where

from konomi.app.review.taste import AUTO_EVERY
from konomi.learn.firstpicks import first_order, typical_picks
from konomi.learn.prior import blend, prior_weight, telling_order, text_prior
from konomi.learn.uncertainty import auc_interval


@pytest.fixture(scope="module")
def joint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_joint_model_dir(tmp_path_factory.mktemp("joint") / "tiny-joint")


def colour_folder(root: Path, kinds=("red", "green", "blue"), n: int = 8) -> dict[str, str]:
    """`n` images per colour in data/unlabeled, neutral names; returns name → colour."""
    kind_of = {}
    for k in range(n * len(kinds)):
        kind = kinds[k % len(kinds)]
        name = f"img_{k:03d}.jpg"
        make_image(root / "data" / "unlabeled" / name, color=COLOUR_WORDS[kind], seed=k)
        kind_of[name] = kind
    return kind_of


def wait_retrained(client, deadline_s: float = 60) -> dict:
    deadline = time.monotonic() + deadline_s
    state = client.get("/api/state").json()
    while state["retrain"]["running"]:
        assert time.monotonic() < deadline, "the background retrain did not finish"
        time.sleep(0.1)
        state = client.get("/api/state").json()
    return state


# -- the page from zero ------------------------------------------------------------------------
def test_from_zero_labels_the_page_trains_itself_and_says_how_good_it_is(tmp_path, tiny_model):
    root = tmp_path / "fresh"
    truth = make_unlabeled_set(root / "data" / "unlabeled", 20, 20, 5)
    label_of = {p.name: ("like" if y == 1 else "dislike") for p, y in truth.items()}
    before = file_hashes(root / "data")
    with serving(root, tiny_model) as server, session(server) as client:
        port = server.port
        state = client.get("/api/state").json()
        assert state["head"] is None and state["cold"] is True
        assert state["quality"]["known"] is False and said(state["note"], "text.cold.note")
        # The first picks cover the folder: both kinds among the first ten.
        firsts = [it["name"] for it in state["items"][:6]]
        assert {label_of[n] for n in firsts} == {"like", "dislike"}, firsts

        started = False
        for k in range(2 * AUTO_EVERY):
            current = state["items"][0]
            answer = post(
                client,
                "/api/decide",
                {"id": current["id"], "decision": label_of[current["name"]]},
                port,
            ).json()
            assert answer["ok"], answer
            state = answer["state"]
            r = state["retrain"]
            started = started or r["running"] or bool(r["message"])
            if k == AUTO_EVERY - 1:
                # The decision that crossed the mark came back with the retrain under way (or
                # done): it did not wait for it.
                assert started, state["retrain"]
                state = wait_retrained(client)
                assert state["head"] is not None and not state["retrain"]["error"]
                assert state["cold"] is False and state["done"] == AUTO_EVERY  # the round goes on
        state = wait_retrained(client)
        q = state["quality"]
        assert q["known"] and q["n_like"] + q["n_dislike"] == 2 * AUTO_EVERY
        assert 0.0 <= q["lo"] <= q["auc"] <= q["hi"] <= 1.0
        # A plain line for the first screen; the figures in its detail (tooltip, help).
        assert "AUC" not in q["text"] and q["trusted"] is False
        assert any(
            said(q["text"], f"page.server.quality.{k}") for k in ("fair", "fair_more", "good")
        )
        assert "AUC" in q["detail"] and said(q["detail"], "text.quality.not_yet")
        train = list((root / "data" / "train").rglob("*.*"))
        assert len(train) == 2 * AUTO_EVERY
        assert all(p.parent.name == label_of[p.name] for p in train)
        # Still undoable, one decision at a time.
        undone = post(client, "/api/undo", {}, port).json()
        assert undone["ok"] and said(undone["message"], "page.server.undone")
        assert len(list((root / "data" / "train").rglob("*.*"))) == 2 * AUTO_EVERY - 1
    assert_conserved(before, file_hashes(root / "data"))


def test_like_text_orders_the_first_picks(tmp_path, joint):
    root = tmp_path / "words"
    kind_of = colour_folder(root)
    (root / "konomi.toml").write_text('like_text = ["red"]\ndislike_text = ["blue"]\n')
    with serving(root, joint) as server, session(server) as client:
        state = client.get("/api/state").json()
        assert state["cold"] and state["taste"] == {"like": ["red"], "dislike": ["blue"]}
        first, second = (kind_of[it["name"]] for it in state["items"][:2])
        assert (first, second) == ("red", "blue")  # most liked-looking, then most disliked
        # The page's box replaces the words for this session.
        changed = post(client, "/api/taste", {"like": "green", "dislike": ""}, server.port).json()
        assert changed["ok"] and changed["state"]["taste"]["like"] == ["green"]
        assert kind_of[changed["state"]["items"][0]["name"]] == "green"


def test_the_search_box_filters_and_orders_the_queue(tmp_path, joint):
    root = tmp_path / "search"
    kind_of = colour_folder(root, n=30)  # 90 images: a search keeps the best 20
    with serving(root, joint) as server, session(server) as client:
        full = client.get("/api/state").json()["left"]
        found = client.get("/api/search", params={"q": "green"}).json()
        assert found["ok"] and found["state"]["search"] == "green"
        assert found["state"]["left"] == 20 < full
        assert {kind_of[it["name"]] for it in found["state"]["items"]} == {"green"}
        cleared = client.get("/api/search", params={"q": ""}).json()
        assert cleared["state"]["left"] == full and cleared["state"]["search"] == ""


def test_words_with_a_model_without_text_tower_are_refused_not_fatal(tmp_path, tiny_model):
    root = tmp_path / "no-text"
    colour_folder(root, n=3)
    (root / "konomi.toml").write_text('like_text = ["red"]\n')
    before = file_hashes(root / "data")
    with serving(root, tiny_model) as server, session(server) as client:
        state = client.get("/api/state").json()
        assert said(state["note"], "text.no_tower") and state["left"] == 9  # ordered without words
        refused = client.get("/api/search", params={"q": "red"})
        assert refused.status_code == 409 and said(refused.json()["error"], "text.no_tower")
        item = state["items"][0]
        liked = post(client, "/api/decide", {"id": item["id"], "decision": "like"}, server.port)
        assert liked.json()["ok"] and where(root, item["name"]) == [
            f"data/train/like/{item['name']}"
        ]
        assert post(client, "/api/undo", {}, server.port).json()["ok"]
    assert_conserved(before, file_hashes(root / "data"))


# -- the pure parts ----------------------------------------------------------------------------
def test_the_prior_fades_as_labels_grow():
    assert prior_weight(0) == 1.0 and prior_weight(20) == 0.5 and prior_weight(3000) < 0.01
    prior, head = np.array([0.9, 0.1]), np.array([0.2, 0.8])
    np.testing.assert_allclose(blend(prior, None, 0), prior)
    mixed = blend(prior, head, 30)  # words and head disagree: the mix lies between them
    assert 0.2 < mixed[0] < 0.9 and 0.1 < mixed[1] < 0.8
    assert blend(prior, head, 3000)[0] < 0.21


def test_prior_scores_follow_the_phrases():
    X = np.eye(3, dtype=np.float32)
    like, dislike = np.eye(3, dtype=np.float32)[:1], np.eye(3, dtype=np.float32)[2:]
    p = text_prior(X, like, dislike)
    assert p[0] > 0.5 > p[2] and p[0] > p[1] > p[2]
    assert telling_order(p).tolist() == [0, 2, 1]


def test_typical_picks_cover_every_cluster_and_take_a_central_image():
    rng = np.random.default_rng(0)
    centres = np.eye(4, dtype=np.float32) * 5
    X = np.concatenate([c + rng.normal(0, 0.3, (30, 4)) for c in centres]).astype(np.float32)
    picks = typical_picks(X, k=4)
    assert sorted(int(i) // 30 for i in picks) == [0, 1, 2, 3]
    for i in picks:
        members = X[(int(i) // 30) * 30 : (int(i) // 30 + 1) * 30]
        dist = np.linalg.norm(members - members.mean(0), axis=1)
        assert np.linalg.norm(X[i] - members.mean(0)) <= np.quantile(dist, 0.25)
    info, every = first_order(X), typical_picks(X)  # 40 groups by default
    assert np.argsort(-info)[: len(every)].tolist() == every.tolist()


def test_the_auc_interval_holds_the_auc_and_narrows_with_more_labels():
    rng = np.random.default_rng(1)

    def sample(n):
        y = np.r_[np.ones(n), np.zeros(n)]
        return y, y * 0.8 + rng.normal(0, 1.0, 2 * n)

    small, big = auc_interval(*sample(15)), auc_interval(*sample(300))
    for q in (small, big):
        assert q.lo <= q.auc <= q.hi
    assert big.hi - big.lo < (small.hi - small.lo) / 2
    assert not small.trusted
    y = np.r_[np.ones(40), np.zeros(40)]
    assert auc_interval(y, y + rng.normal(0, 0.01, 80)).trusted


# -- the browser's language ------------------------------------------------------------------------
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_state_answers_in_the_browsers_language_when_nothing_else_says(
    tmp_path, tiny_model, monkeypatch
):
    """No language in konomi.toml nor in KONOMI_LANG: /api/state speaks the language each
    request asks for (Accept-Language), its banner, quality line and placeholders included,
    whatever the terminal's locale was when the server started."""
    from konomi import i18n

    for name in ("KONOMI_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.set_language(None)
    root = tmp_path / "fresh"
    truth = make_unlabeled_set(root / "data" / "unlabeled", 12, 12, 3)
    label_of = {p.name: ("like" if y == 1 else "dislike") for p, y in truth.items()}
    with serving(root, tiny_model) as server, session(server) as client:
        ja = client.get("/api/state", headers={"Accept-Language": "ja-JP,ja;q=0.9"}).json()
        en = client.get("/api/state", headers={"Accept-Language": "en-US"}).json()
        for state, japanese in ((ja, True), (en, False)):
            texts = [state["note"], state["quality"]["text"], *state["text_ui"].values()]
            assert all(texts), texts
            assert all(bool(JAPANESE.search(text)) == japanese for text in texts), texts

        # With a model: the quality line and its figures follow the browser too.
        for _ in range(AUTO_EVERY):
            current = en["items"][0]
            answer = post(
                client,
                "/api/decide",
                {"id": current["id"], "decision": label_of[current["name"]]},
                server.port,
            ).json()
            en = answer["state"]
        wait_retrained(client)
        ja = client.get("/api/state", headers={"Accept-Language": "ja"}).json()
        assert ja["quality"]["known"], ja["quality"]
        assert JAPANESE.search(ja["quality"]["text"]) and JAPANESE.search(ja["quality"]["detail"])
        assert ja["retrain"]["message"] and JAPANESE.search(ja["retrain"]["message"])
