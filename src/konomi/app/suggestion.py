"""The number of images `konomi round` suggests reviewing, remembered for the review page.

`round` ends with "look at 100 of 315"; `konomi review`, started next (often in another terminal),
shows the same number ("100 suggested this round") so both speak of one round. The suggestion is
kept in `.konomi/round.json` with the head it was made for: a newer head makes it stale.

When the head is already right on nearly all the labels (its cross-validated accuracy is at
least `NEARLY_ALL` even at the low end of its 95 % interval, so 16 lucky labels do not count),
looking at a hundred images it is sure of would teach it little: only the waiting images it is
unsure of are suggested, and none when it is sure of them all.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from konomi.atomic import write_text
from konomi.errors import KonomiError
from konomi.learn.active import suggested_reviews
from konomi.learn.uncertainty import wilson
from konomi.workspace import Workspace

FILE = "round.json"
NEARLY_ALL = 0.9  # accuracy (low end of its interval) from which only the unsure are suggested


@dataclass(frozen=True)
class Suggestion:
    """`n` of the `waiting` images to look at, most informative first, for head `head_id`."""

    head_id: str
    n: int
    waiting: int
    confident: bool = False  # right on nearly all labels: only the unsure ones are suggested


def suggest(
    ws: Workspace,
    head_id: str,
    waiting: int,
    labelled: int,
    *,
    accuracy: float | None = None,
    unsure: int | None = None,
) -> Suggestion:
    """Work out this round's suggestion and remember it for the review page. `accuracy`: the
    head's cross-validated accuracy (None when too few labels measure it); `unsure`: how many
    waiting images it is unsure of."""
    n = suggested_reviews(waiting, labelled)
    confident = (
        accuracy is not None
        and unsure is not None
        and wilson(round(accuracy * labelled), labelled)[0] >= NEARLY_ALL
    )
    if confident:
        n = min(n, unsure or 0)
    found = Suggestion(head_id, n, waiting, confident)
    try:
        ws.ensure_state()
        write_text(ws.state / FILE, json.dumps(asdict(found)))
    except (OSError, KonomiError):  # only a note for the page: it never stops the round
        pass
    return found


def remembered(ws: Workspace, head_id: str | None) -> Suggestion | None:
    """The suggestion `round` made for `head_id`, if that is the last one it made."""
    if head_id is None:
        return None
    try:
        data = json.loads((ws.state / FILE).read_text(encoding="utf-8"))
        found = Suggestion(str(data["head_id"]), int(data["n"]), int(data["waiting"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if found.head_id == head_id else None
