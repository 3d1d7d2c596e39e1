"""The report's page: the Jinja2 template `konomi/templates/report.html` filled in.

The template environment escapes every value by default (autoescape), so a file name, a head id
or a message is text on the page whatever characters it holds; catalog messages are escaped and
their fields filled by `msg` (a field that is already markup, like a bold head id built in the
template, stays markup). No HTML is written in Python.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from konomi import i18n
from konomi.app.reports.data import columns, pack
from konomi.app.reports.sheets import COLS, PER_SHEET, Sheets
from konomi.app.reports.words import Words, when
from konomi.learn.suspects import Suspect
from konomi.store.thumbs import THUMB_PX

BURSTS_LISTED = 200  # bursts listed by name; the "bursts" filter of the grid shows them all
STRIP = 10  # thumbnails in each strip of the first screen: one row at 1280 px
_SEPARATORS = re.compile(r"(?<=[/_\-.])")


def msg(key: str, /, **fields: Any) -> Markup:
    """A catalog message, escaped, with its fields escaped (unless already markup) and filled."""
    return Markup(escape(i18n.template(key))).format(**fields)


def wrap_points(path: str) -> list[str]:
    """`path` cut after each / _ - . : the page puts a line-break opportunity (<wbr>) there, so
    a long file name wraps at its separators, never in the middle of a word."""
    return [part for part in _SEPARATORS.split(path) if part]


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("konomi", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["msg"] = msg
    env.filters["wrap_points"] = wrap_points
    return env


def page_messages(lang: str | None = None) -> dict[str, str]:
    """The texts the report's script shows (`report.js.*`), in one language."""
    prefix = "report.js."
    return {k[len(prefix) :]: i18n.template(k, lang) for k in i18n.CATALOG if k.startswith(prefix)}


def _counts(items: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "all": len(items),
        "like": sum(it["l"] == "like" for it in items),
        "dislike": sum(it["l"] == "dislike" for it in items),
        "unsure": sum(it["l"] == "unsure" for it in items),
        "suspects": sum(bool(it["x"] and it["x"]["flag"]) for it in items),
        "bursts": sum(it["g"] >= 0 for it in items),
    }


def first_screen(
    items: list[dict[str, Any]], suspects: list[Suspect], position: dict[str, int]
) -> dict[str, list[int]]:
    """The three strips of photos the report opens on, as page rows: the top of the person's
    taste (highest scores), the proposals most worth a look (not yet labelled, closest to the
    middle: one judgement there teaches the model most) and the labels that look wrong."""
    top = list(range(min(STRIP, len(items))))
    waiting = [i for i, it in enumerate(items) if not it["t"]]
    look = sorted(waiting, key=lambda i: (abs(float(items[i]["s"]) - 0.5), i))[:STRIP]
    marked = [position[s.path] for s in suspects if s.flagged][:STRIP]
    return {"top": top, "look": look, "suspects": marked}


def render(
    *,
    items: list[dict[str, Any]],
    groups: list[list[int]],
    suspects: list[Suspect],
    position: dict[str, int],
    plots: dict[str, str],
    words: Words,
    duplicate_threshold: float,
    sheets: Sheets,
    generated: str | None = None,
    culled: list[dict[str, Any]] | None = None,
    burst_gap: float = 2.0,
) -> str:
    """The page: the template with the strips, the words, the plots and the data filled in.

    The grid itself is drawn by the page's script from the data, a few hundred tiles at a time
    as the reader scrolls, each tile painted from its contact sheet in `thumbs/` only when it
    comes near the screen: a report of 100,000 images opens as fast as one of a hundred.

    `culled`: the bursts of `konomi cull` (`html.cull_strips`), each drawn as a strip of its
    frames with the keeper marked.
    """
    template = _environment().get_template("report.html")
    return template.render(
        lang=i18n.language(),
        items=items,
        strips=first_screen(items, suspects, position),
        suspects=suspects,
        position=position,
        groups=groups[:BURSTS_LISTED],
        more_groups=max(0, len(groups) - BURSTS_LISTED),
        n_groups=len(groups),
        culled=(culled or [])[:BURSTS_LISTED],
        n_culled=len(culled or []),
        more_culled=max(0, len(culled or []) - BURSTS_LISTED),
        burst_gap=f"{burst_gap:g}",
        counts=_counts(items),
        plots=plots,
        words=words,
        generated=generated or when(),
        folder=f"{sheets.folder}/",
        threshold=f"{duplicate_threshold:g}",
        messages=page_messages(),
        data=pack(
            {
                **columns(items, groups),
                "sheets": {
                    "folder": sheets.folder,
                    "names": sheets.names,
                    "missing": sheets.missing,
                    "cols": COLS,
                    "per": PER_SHEET,
                    "px": THUMB_PX,
                },
            }
        ),
    )
