"""Replaying the loop on a labelled pool: how many judgements does a person need?

The protocol (docs/simulation.md has the why):

1. A stratified part of the pool is held out and never trained on; every round's head is
   measured on it (AUC, accuracy at 0.5, Brier).
2. The person starts with a small balanced labelled set (200 like + 200 dislike, scaled down for
   small pools); they looked at each of those images, so they count as reviews.
3. The rest of the pool arrives in batches, one per round. Each round the strategy decides what
   the person looks at and what goes into training (`strategies`); the head is then
   retrained with `head.train_head` — the very code `konomi train` runs — and measured.

Every (strategy, seed) run is independent and deterministic (`run_one`), so a caller may run
them in any order, in worker processes (`app/simulate/runner.py` does), and sort the rows back
with `in_order`: the same seed gives the same rows. Arrays in, rows out: no file is read or
written here.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.learn.active import suggested_reviews
from konomi.learn.head import evaluate, resolve_kind, train_head
from konomi.learn.simulate.prompts import prompt_prior
from konomi.learn.simulate.session import SESSION_DEFAULT, SESSION_STRATEGIES, run_session, steps
from konomi.learn.simulate.strategies import BUDGETED, STRATEGIES, Situation

DEFAULT_STRATEGIES = ("seed", "confirm", "random", "uncertainty", "diverse")
PROTOCOLS = ("auto", "session", "arrivals")
SESSION_BELOW = 100  # "auto": starts smaller than this are a first session, not a stream


@dataclass(frozen=True)
class Plan:
    """The settings of one simulation."""

    strategies: tuple[str, ...] = ()  # empty: the protocol's own list
    protocol: str = "auto"  # session (the whole pool at once) | arrivals (batches) | auto
    retrain_every: int = 20  # session: judgements between two trainings of the head
    judgements: int = 1000  # session: judgements in all, the start's included
    prompt_cosine: float = 0.0  # session: > 0 gives a synthetic like/dislike prompt this near
    prompts: int = 1  # session: like prompts (and dislike prompts), one theme each
    prior_strength: float = 20.0  # the prompt prior counts as this many labels
    rounds: int = 12
    batch: int = 0  # new images per round; 0: the stream split evenly over the rounds
    budget: int = 0  # images labelled per round; 0: `active.suggested_reviews`, as the product
    seeds: int = 3
    seed: int = 0
    head: str = "auto"
    start: int = 400  # the starting labelled set, half like and half dislike
    test_fraction: float = 0.25
    dislike_threshold: float = 0.3
    like_threshold: float = 0.7
    workers: int = 0  # 0: one per core, at most one per run

    @property
    def session(self) -> bool:
        """Is this the first-session protocol (else batches of arrivals)?"""
        if self.protocol == "auto":
            return self.start < SESSION_BELOW
        return self.protocol == "session"

    def resolved(self) -> Plan:
        """The same plan with its protocol and strategies spelt out."""
        chosen = self.strategies or (SESSION_DEFAULT if self.session else DEFAULT_STRATEGIES)
        return replace(self, protocol="session" if self.session else "arrivals", strategies=chosen)


@dataclass(frozen=True)
class RoundRow:
    """One line of rounds.csv: a strategy's state after one round, measured on held-out rows."""

    strategy: str
    head: str
    seed: int
    round: int
    n_arrived: int  # images that have arrived so far (start set included)
    n_labeled: int  # images in data/train/ (start + n_corrections)
    n_like: int
    n_reviewed: int  # images the person had to look at (start set included)
    n_corrections: int  # files the person moved into data/train/
    auc: float
    accuracy: float
    brier: float
    oof_auc: float  # what `konomi train` would report: the head's own cross-validated AUC


COLUMNS = tuple(f.name for f in fields(RoundRow))


@dataclass(frozen=True)
class Split:
    """One seed's division of the pool: held-out rows, the starting labels, the stream."""

    test: np.ndarray
    start: np.ndarray
    stream: np.ndarray  # arrival order of everything else


def split_pool(y: np.ndarray, plan: Plan, seed: int) -> Split:
    """Stratified held-out rows, a balanced starting set (empty with start 0), and a random
    arrival order."""
    rng = np.random.default_rng([plan.seed, seed, 0])
    test, rest = [], []
    for label in (0, 1):
        rows = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(len(rows) * plan.test_fraction))
        test.append(rows[:n_test])
        rest.append(rows[n_test:])
    each = min(plan.start // 2, len(rest[0]) // 4, len(rest[1]) // 4)
    if min(len(rest[0]), len(rest[1])) < 8 or (plan.start >= 4 and each < 2):
        raise KonomiError(
            t("simulate.error.too_few", like=int(y.sum()), dislike=int(len(y) - y.sum())),
            t("simulate.error.too_few_hint"),
        )
    start = np.concatenate([rest[0][:each], rest[1][:each]])
    stream = rng.permutation(np.concatenate([rest[0][each:], rest[1][each:]]))
    return Split(np.sort(np.concatenate(test)), np.sort(start), stream)


def run_strategy(
    X: np.ndarray,
    y: np.ndarray,
    plan: Plan,
    strategy: str,
    seed: int,
    report: Callable[[int], object] | None = None,
    on_train: Callable[[np.ndarray], object] | None = None,
) -> list[RoundRow]:
    """One strategy, one seed: every round's row. `report(1)` is called after each round, and
    `on_train(rows)` with the pool rows each head is trained on (for checks)."""
    split = split_pool(y, plan, seed)
    rng = np.random.default_rng([plan.seed, seed, zlib.crc32(strategy.encode())])
    kind = resolve_kind(plan.head)
    choose = STRATEGIES[strategy]
    batch = plan.batch or max(1, math.ceil(len(split.stream) / plan.rounds))

    labelled = list(split.start)
    labels = list(y[split.start])
    seen = np.zeros(len(y), bool)  # looked at or labelled: never offered again
    seen[split.start] = True
    arrived = len(split.start)
    reviewed, corrections = len(split.start), 0
    rows: list[RoundRow] = []
    person = y.__getitem__  # the person's judgement is the pool's label
    p = np.zeros(len(y))  # the current head's scores, set after each training
    for rnd in range(plan.rounds + 1):
        if rnd > 0:
            new = split.stream[(rnd - 1) * batch : rnd * batch]
            arrived += len(new)
            candidates = split.stream[: rnd * batch]
            candidates = candidates[~seen[candidates]]
            situation = Situation(
                X,
                p,
                candidates,
                new,
                plan.budget or suggested_reviews(len(candidates), len(labelled)),
                (plan.dislike_threshold, plan.like_threshold),
                rng,
                person,
            )
            done = choose(situation)
            assert not np.isin(done.labelled, split.test).any(), "held-out row trained on"
            seen[done.looked] = True
            if strategy not in BUDGETED:
                seen[new] = True  # sorted into data/classified/ once; never offered again
            reviewed += len(done.looked)
            corrections += len(done.labelled)
            labelled += [int(i) for i in done.labelled]
            labels += [int(v) for v in done.labels]
        idx = np.asarray(labelled)
        if on_train is not None:
            on_train(idx)
        trained = train_head(X[idx], np.asarray(labels), kind=kind, seed=seed)
        p = trained.head.predict(X)
        m = evaluate(y[split.test], p[split.test])
        rows.append(
            RoundRow(
                strategy,
                kind,
                seed,
                rnd,
                arrived,
                len(labelled),
                int(np.sum(labels)),
                reviewed,
                corrections,
                round(m.auc, 6),
                round(m.accuracy, 6),
                round(m.brier, 6),
                round(trained.metrics.auc, 6),
            )
        )
        if report is not None:
            report(1)
        stream_done = rnd > 0 and arrived >= len(split.start) + len(split.stream)
        if stream_done and (strategy not in BUDGETED or len(candidates) <= situation.budget):
            break  # nothing left that this strategy would ever look at
    if report is not None and len(rows) < plan.rounds + 1:
        report(plan.rounds + 1 - len(rows))
    return rows


def run_first_session(
    X: np.ndarray,
    y: np.ndarray,
    plan: Plan,
    strategy: str,
    seed: int,
    report: Callable[[int], object] | None = None,
    on_train: Callable[[np.ndarray], object] | None = None,
    theme: np.ndarray | None = None,
) -> list[RoundRow]:
    """One strategy, one seed of the session protocol (`session.run_session`): a row per
    training of the head, `round` counting the trainings and `n_reviewed` every judgement."""
    split = split_pool(y, plan, seed)
    prior = None
    if plan.prompt_cosine > 0:
        rng = np.random.default_rng([plan.seed, seed, 1])
        prior = prompt_prior(
            X, y, split.test, plan.prompt_cosine, rng, theme=theme, count=plan.prompts
        )
    rows = run_session(
        X,
        y,
        test=split.test,
        start=split.start,
        strategy=strategy,
        seed=seed,
        plan_seed=plan.seed,
        head=plan.head,
        judgements=plan.judgements,
        retrain_every=plan.retrain_every,
        prior=prior,
        prior_strength=plan.prior_strength,
        on_train=on_train,
        report=report,
    )
    expected = steps(plan.judgements, plan.start, plan.retrain_every)
    if report is not None and len(rows) < expected:
        report(expected - len(rows))  # the pool ran out first: the progress bar still ends
    return [
        RoundRow(
            strategy,
            r["kind"],
            seed,
            r["round"],
            r["n_arrived"],
            r["n_labeled"],
            r["n_like"],
            r["n_reviewed"],
            r["n_corrections"],
            round(r["auc"], 6),
            round(r["accuracy"], 6),
            round(r["brier"], 6),
            round(r["oof_auc"], 6),
        )
        for r in rows
    ]


def run_one(
    X: np.ndarray,
    y: np.ndarray,
    plan: Plan,
    strategy: str,
    seed: int,
    report: Callable[[int], object] | None,
    theme: np.ndarray | None,
) -> list[RoundRow]:
    if plan.session:
        return run_first_session(X, y, plan, strategy, seed, report, theme=theme)
    return run_strategy(X, y, plan, strategy, seed, report)


def jobs(plan: Plan) -> list[tuple[str, int]]:
    """Every (strategy, seed) run of a checked plan, longest first (confirm labels everything it
    shows, seed almost nothing), so that no worker sits idle at the end."""
    cost = {"confirm": 0, "seed": 2}
    return sorted(
        ((s, seed) for seed in range(plan.seeds) for s in plan.strategies),
        key=lambda job: (cost.get(job[0], 1), job[1]),
    )


def steps_per_run(plan: Plan) -> int:
    """Rows (progress steps) one run of a checked plan reports."""
    if plan.session:
        return steps(plan.judgements, plan.start, plan.retrain_every)
    return plan.rounds + 1


def in_order(plan: Plan, parts: Iterable[list[RoundRow]]) -> list[RoundRow]:
    """The rows of every run, sorted by the plan's strategy order, seed, round."""
    order = {s: i for i, s in enumerate(plan.strategies)}
    rows = [row for part in parts for row in part]
    return sorted(rows, key=lambda r: (order[r.strategy], r.seed, r.round))


def check_plan(plan: Plan) -> Plan:
    """The plan with protocol and strategies spelt out, or a KonomiError saying what is wrong."""
    if plan.protocol not in PROTOCOLS:
        raise KonomiError(
            t("simulate.error.protocol", protocol=repr(plan.protocol)),
            t("errors.app.choose_one", choices=", ".join(PROTOCOLS)),
        )
    plan = plan.resolved()
    known = SESSION_STRATEGIES if plan.session else STRATEGIES
    unknown = [s for s in plan.strategies if s not in known]
    if unknown:
        key = "simulate.error.strategy" if len(unknown) == 1 else "simulate.error.strategies"
        raise KonomiError(
            t(key, protocol=plan.protocol, names=", ".join(unknown)),
            t("errors.app.choose_one", choices=", ".join(known)),
        )
    if plan.rounds < 1 or plan.seeds < 1 or plan.budget < 0 or plan.start < 0:
        raise KonomiError(t("simulate.error.counts"))
    if not plan.session and plan.start < 4:
        raise KonomiError(t("simulate.error.start"), t("simulate.error.start_hint"))
    if plan.session and (plan.retrain_every < 1 or plan.judgements <= plan.start):
        raise KonomiError(t("simulate.error.session"))
    if plan.prompt_cosine > 0 and not plan.session:
        raise KonomiError(t("simulate.error.prompts_session"), t("simulate.error.prompts_hint"))
    if not 0.0 <= plan.prompt_cosine <= 1.0 or plan.prompts < 1:
        raise KonomiError(t("simulate.error.prompts_range"))
    if not 0.05 <= plan.test_fraction <= 0.9:
        raise KonomiError(t("simulate.error.test_fraction"))
    return plan


@dataclass(frozen=True)
class Curve:
    """A strategy's rounds averaged over seeds."""

    strategy: str
    n_reviewed: np.ndarray
    auc: np.ndarray
    auc_low: np.ndarray
    auc_high: np.ndarray
    brier: np.ndarray
    brier_low: np.ndarray
    brier_high: np.ndarray
    n_labeled: np.ndarray


def curves(rows: Sequence[RoundRow]) -> list[Curve]:
    """Mean over seeds, round by round (with the range over seeds as the band)."""
    out = []
    for strategy in dict.fromkeys(r.strategy for r in rows):
        mine = [r for r in rows if r.strategy == strategy]
        rounds = sorted({r.round for r in mine})
        # Only rounds that every seed reached, so a mean is a mean of the same thing.
        seeds = {r.seed for r in mine}
        rounds = [k for k in rounds if len({r.seed for r in mine if r.round == k}) == len(seeds)]

        def stat(field: str, rounds: list[int] = rounds, mine: list[RoundRow] = mine) -> np.ndarray:
            return np.array(
                [[getattr(r, field) for r in mine if r.round == k] for k in rounds], float
            )

        auc, brier = stat("auc"), stat("brier")
        out.append(
            Curve(
                strategy,
                stat("n_reviewed").mean(1),
                auc.mean(1),
                auc.min(1),
                auc.max(1),
                brier.mean(1),
                brier.min(1),
                brier.max(1),
                stat("n_labeled").mean(1),
            )
        )
    return out


@dataclass(frozen=True)
class Summary:
    """One strategy in a sentence: reviews to reach the target, AUC at the common point, end."""

    strategy: str
    reviews_to_target: float  # nan: never reached
    auc_at_common: float
    final_auc: float
    final_auc_sd: float
    final_reviewed: float
    final_labeled: float


def summarise(
    rows: Sequence[RoundRow], target: float, common: float | None = None
) -> list[Summary]:
    """Per strategy: the first mean n_reviewed where the mean AUC reaches `target`, the AUC at
    `common` reviews (interpolated; default: the fewest reviews any strategy ended with), and
    the AUC of the last round, mean and standard deviation over seeds."""
    cs = curves(rows)
    if common is None:
        common = min(float(c.n_reviewed[-1]) for c in cs)
    out = []
    for c in cs:
        hit = np.flatnonzero(c.auc >= target)
        last = [r.auc for r in rows if r.strategy == c.strategy and r.round == _last_round(rows, c)]
        out.append(
            Summary(
                c.strategy,
                float(c.n_reviewed[hit[0]]) if len(hit) else float("nan"),
                float(np.interp(common, c.n_reviewed, c.auc)),
                float(c.auc[-1]),
                float(np.std(last)),
                float(c.n_reviewed[-1]),
                float(c.n_labeled[-1]),
            )
        )
    return out


def _last_round(rows: Sequence[RoundRow], c: Curve) -> int:
    mine = [r for r in rows if r.strategy == c.strategy]
    seeds = {r.seed for r in mine}
    return max(
        k
        for k in {r.round for r in mine}
        if len({r.seed for r in mine if r.round == k}) == len(seeds)
    )
