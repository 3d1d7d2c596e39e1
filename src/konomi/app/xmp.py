"""`konomi xmp`: the current head's scores of library images, written out as XMP star ratings.

The mapping from a score to stars (`stars`), with the thresholds in force (dislike d, like l):

    score ≥ l  →  4 stars, 5 when the score is also ≥ 0.9   (a "like" proposal: ≥ 4)
    d < score < l  →  3 stars                                  (unsure)
    score ≤ d  →  2 stars, 1 when the score is also ≤ 0.1    (a "dislike" proposal: ≤ 2)

Every sidecar gets the exact score, the head and the proposed stars in konomi's own namespace;
`xmp:Rating` only where the person has no rating of their own. One sidecar per image: the one
that exists (`IMG_0001.NEF.xmp` or `IMG_0001.xmp`; the `sidecar_name` setting says which comes
first; for a RAW+JPEG pair the RAW's `P1.DNG.xmp` before the JPEG's `P1.JPG.xmp`), else a new
one named by `sidecar_name` — for a pair, the RAW's name, which darktable and digiKam read.
The default, `with_extension` (`IMG_0001.NEF.xmp`), is what darktable and digiKam write, and
it cannot be shared by the RAW and the JPEG of a pair; Lightroom users set `without_extension`.

With `cull` (`konomi xmp --cull`), the frames `konomi cull` sets aside — all of each burst but
its keeper — get -1 (rejected) instead of stars, under the same rule: never over the person's
own rating.

All writes are one journaled operation: `konomi undo` puts every sidecar back byte for byte
and removes the ones konomi created. Images themselves are never touched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from konomi.app.context import Context, moving
from konomi.app.library import library_images, person_rating, raw_twins
from konomi.app.scoring import score_paths
from konomi.encode.formats import is_image_name
from konomi.encode.images import Skipped
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.store.edits import EditReport, FileWrite, read_bytes
from konomi.store.xmp import XmpError, merge, sidecar_for

TOP = 0.9  # a like this sure gets 5 stars
BOTTOM = 0.1  # a dislike this sure gets 1 star
REJECTED = -1  # xmp:Rating of a rejected image (`--cull`: a burst's frames but its keeper)


def stars(score: float, dislike: float, like: float) -> int:
    """The stars konomi proposes for a score (the mapping in the module docstring)."""
    if score >= like:
        return 5 if score >= max(TOP, like) else 4
    if score <= dislike:
        return 1 if score <= min(BOTTOM, dislike) else 2
    return 3


@dataclass
class SidecarPlan:
    """One sidecar to write for one library image."""

    image: Path
    sidecar: Path
    score: float
    stars: int
    before: bytes | None
    after: bytes
    person: int | None  # the person's own rating, kept


@dataclass
class XmpOutcome:
    head_id: str
    images: int
    plans: list[SidecarPlan]
    unchanged: int
    skipped: list[Skipped] = field(default_factory=list)  # images that could not be read
    report: EditReport | None = None
    not_written: list[Skipped] = field(default_factory=list)  # sidecars left as they were

    @property
    def created(self) -> int:
        return sum(p.before is None for p in self.plans)

    @property
    def updated(self) -> int:
        return len(self.plans) - self.created

    def star_counts(self) -> dict[int, int]:
        return dict(sorted(Counter(p.stars for p in self.plans if p.stars > 0).items()))

    @property
    def culled(self) -> int:
        """Frames of bursts written as rejected (-1) where the person had no rating."""
        return sum(p.stars == REJECTED and p.person is None for p in self.plans)

    @property
    def kept(self) -> int:
        return sum(p.person is not None for p in self.plans)


def write_sidecars(ctx: Context, *, dry_run: bool = False, cull: bool = False) -> XmpOutcome:
    """Score the library images and write (or, with `dry_run`, only plan) their sidecars;
    with `cull`, the frames of each burst but its keeper as rejected."""
    if not ctx.settings.libraries:
        raise KonomiError(t("xmp.no_libraries"), t("xmp.no_libraries_hint"))
    with moving(ctx, "xmp") as (journal, _):
        skipped: list[Skipped] = []
        images = library_images(ctx, skipped)
        scored = score_paths(ctx, images, vectors=False)
        dislike, like = ctx.thresholds(scored.record)
        head = scored.record.id
        rejects: set[Path] = set()
        if cull:
            from konomi.app.cull import burst_table

            table = burst_table(ctx, scored.embedded, scored.scores, set(images))
            rejects = {p for p, info in table.items() if info.keeper is False}
        plans: list[SidecarPlan] = []
        unchanged = 0
        taken: set[Path] = set()
        naming = ctx.settings.sidecar_name
        twins = raw_twins(scored.embedded.paths)
        not_written: list[Skipped] = []
        for image, score in zip(scored.embedded.paths, scored.scores.tolist()):
            raws = twins.get(image, ())
            owned = not is_image_name(image.stem)  # a.jpg.xmp is a.jpg's, not a.jpg.jpg's
            sidecar = sidecar_for(image, naming, raws, stem_owned=owned)
            if sidecar in taken:  # IMG_0001.xmp shared by IMG_0001.JPG and IMG_0001.PNG
                not_written.append(Skipped(image, t("xmp.shared", name=sidecar.name)))
                continue
            taken.add(sidecar)
            try:
                before = read_bytes(sidecar)
                n = REJECTED if image in rejects else stars(score, dislike, like)
                person = person_rating(image, naming, raws)
                after = merge(
                    before, score=score, head=head, rating=n, rated_elsewhere=person is not None
                )
            except OSError as exc:
                skipped.append(Skipped(image, str(exc)))
                continue
            except XmpError as exc:
                not_written.append(Skipped(sidecar, t("xmp.not_xmp", why=exc)))
                continue
            if after == before:
                unchanged += 1
                continue
            plans.append(SidecarPlan(image, sidecar, score, n, before, after, person))
        outcome = XmpOutcome(
            head,
            len(scored.embedded.paths),
            plans,
            unchanged,
            skipped + scored.embedded.unreadable,
            not_written=not_written,
        )
        if not dry_run and plans:
            outcome.report = journal.write_files(
                "xmp",
                [FileWrite(p.sidecar, p.after, p.before) for p in plans],
                note=f"head {head}",
                progress=ctx.progress,
            )
            outcome.not_written += [Skipped(path, why) for path, why in outcome.report.skipped]
    return outcome
