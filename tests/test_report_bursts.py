"""The report's bursts of a shoot: each `konomi cull` burst a strip of its frames in capture
order, the keeper marked with the reason, in the report's language — and a keeper the person
chose (the review page's `k`) is the one the report marks."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from test_review_bursts import rel, shoot_workspace

from konomi.app import cull
from konomi.app import loop as workflow
from konomi.app.reports import html as html_report
from konomi.app.reports.data import page_data


class Strips(HTMLParser):
    """The strips of section#cull: per burst, its heading and [(page row, marked keeper)]."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.heading: str | None = None
        self.bursts: list[tuple[str, list[tuple[int, bool]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self.inside = a.get("id") == "cull"
        elif self.inside and tag == "h3":
            self.heading = ""
            self.bursts.append(("", []))
        elif self.inside and tag == "figure":
            classes = (a.get("class") or "").split()
            self.bursts[-1][1].append((int(a["data-open"] or -1), "keeper" in classes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3" and self.heading is not None:
            self.bursts[-1] = (self.heading, self.bursts[-1][1])
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self.heading is not None:
            self.heading += data


def report(root: Path, model: Path) -> tuple[str, list[str], Strips]:
    ctx = workflow.Context.open(root, model=str(model))
    try:
        out = html_report.build(ctx).out
    finally:
        ctx.close()
    page = out.read_text(encoding="utf-8")
    strips = Strips()
    strips.feed(page)
    return page, page_data(page)["p"], strips


def test_the_report_shows_each_burst_with_its_keeper_and_follows_a_chosen_one(tmp_path, tiny_model):
    ws = tmp_path / "ws"
    shoot = shoot_workspace(ws, tiny_model, bursts=3, frames=4)
    page, paths, strips = report(ws, tiny_model)

    assert len(strips.bursts) == 3
    for (heading, frames), burst, sharp in zip(strips.bursts, shoot.bursts, shoot.sharp):
        assert [paths[i] for i, _ in frames] == [rel(ws, p) for p in burst]  # capture order
        assert [paths[i] for i, marked in frames if marked] == [rel(ws, sharp)]
        assert f"keep {sharp.name} (sharpest)" in " ".join(heading.split())
    assert "Bursts (frames taken within 2 s of each other): 3." in page
    assert page.count(">keeper</figcaption>") == 3 and page.count(">reject</figcaption>") == 9
    for single in shoot.singles:  # a single shot is in no strip
        assert rel(ws, single) not in [paths[i] for _, f in strips.bursts for i, _ in f]

    other = next(p for p in shoot.bursts[1] if p != shoot.sharp[1])
    ctx = workflow.Context.open(ws, model=str(tiny_model))
    try:
        digest = ctx.embed([other], vectors=False).digests[0]
        cull.keep(ctx, other, digest)
    finally:
        ctx.close()
    (ws / "konomi.toml").write_text('burst_similarity = 0\nlanguage = "ja"\n', encoding="utf-8")
    page, paths, strips = report(ws, tiny_model)
    heading, frames = strips.bursts[1]
    assert [paths[i] for i, marked in frames if marked] == [rel(ws, other)]
    assert f"残す 1 枚: {other.name}（あなたが選んだもの）" in heading
    assert re.search(r"<h2>撮影のバースト</h2>", page)
    assert page.count(">残す 1 枚</figcaption>") == 3 and ">除外</figcaption>" in page
