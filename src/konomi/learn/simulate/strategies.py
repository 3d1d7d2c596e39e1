"""What the person does in one round of the loop: one small function per review strategy.

Each strategy sees the situation at the start of a round (the current head's scores, the images
that have arrived and are not labelled yet, the batch that just arrived) and returns which images
the person looked at and which of them went into `data/train/` with which label. The simulator
(`replay`) counts every look as a review and every file moved into training as a
correction, and answers for the person from the pool's true labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from konomi.learn.active import informativeness, uncertainty

Person = Callable[[np.ndarray], np.ndarray]


@dataclass
class Situation:
    """What a strategy sees at the start of a round (indices are rows of the pool)."""

    X: np.ndarray  # every embedding of the pool
    p: np.ndarray  # the current head's probability of "like" for every row of the pool
    candidates: np.ndarray  # arrived, never labelled, never looked at: what a queue can offer
    new: np.ndarray  # the batch that arrived this round: what `classify` just sorted
    budget: int  # how many images a person labels per round (budgeted strategies)
    thresholds: tuple[float, float]  # (dislike, like)
    rng: np.random.Generator
    person: Person  # the person's judgement: 1 = like, 0 = dislike


@dataclass
class Judgements:
    """What the person did this round."""

    looked: np.ndarray  # every image they had to look at
    labelled: np.ndarray  # the images they moved into data/train/
    labels: np.ndarray  # the label each of those got (1 = like)


def _label_all(s: Situation, picked: np.ndarray) -> Judgements:
    picked = np.asarray(picked, dtype=np.int64)
    return Judgements(picked, picked, s.person(picked))


def _proposals(s: Situation) -> tuple[np.ndarray, np.ndarray]:
    """This round's like / dislike proposals (unsure ones excluded) and what they propose."""
    dislike, like = s.thresholds
    p = s.p[s.new]
    sure = (p >= like) | (p <= dislike)
    return s.new[sure], (p[sure] >= like).astype(np.int64)


def seed(s: Situation) -> Judgements:
    """the README's protocol: the person looks through every like and every dislike proposal of
    the new batch and moves only the mistakes into data/train/; unsure images are left alone."""
    looked, proposed = _proposals(s)
    answers = s.person(looked)
    wrong = answers != proposed
    return Judgements(looked, looked[wrong], answers[wrong])


def confirm(s: Situation) -> Judgements:
    """the README's protocol, but every judgement counts: the person looks through every like and
    dislike proposal, and each one goes into data/train/ — confirmed ones under the label the
    model proposed, mistakes under the other."""
    looked, _ = _proposals(s)
    return _label_all(s, looked)


def random(s: Situation) -> Judgements:
    """The person labels `budget` images picked at random among those not yet labelled."""
    n = min(s.budget, len(s.candidates))
    return _label_all(s, np.sort(s.rng.choice(s.candidates, n, replace=False)))


def uncertainty_sampling(s: Situation) -> Judgements:
    """The person labels the `budget` images whose score is nearest the decision boundary."""
    order = np.argsort(-uncertainty(s.p[s.candidates]), kind="stable")
    return _label_all(s, s.candidates[order[: s.budget]])


def diverse(s: Situation) -> Judgements:
    """The person labels the first `budget` images of the product's review queue
    (`active.informativeness`): uncertain ones, spread over the embedding space — the most
    uncertain image of each of `budget` groups of look-alikes among the 5 × `budget` most
    uncertain."""
    info = informativeness(s.p[s.candidates], s.X[s.candidates], limit=s.budget)
    order = np.argsort(-info, kind="stable")
    return _label_all(s, s.candidates[order[: s.budget]])


STRATEGIES: dict[str, Callable[[Situation], Judgements]] = {
    "seed": seed,
    "confirm": confirm,
    "random": random,
    "uncertainty": uncertainty_sampling,
    "diverse": diverse,
}
BUDGETED = frozenset({"random", "uncertainty", "diverse"})
