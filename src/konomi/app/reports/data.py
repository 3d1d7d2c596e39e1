"""The report's data: one array per field for every image, packed as gzipped JSON.

The page's script unpacks it with the browser's own DecompressionStream (`pack`), and tools and
tests read a written page back with `page_data`, as the script does.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from typing import Any, cast


def script_json(value: object) -> str:
    """JSON safe inside a <script> element (no "</" can close it)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def pack(value: object) -> str:
    """The page's data as base64 of gzipped JSON, which the page unpacks with the browser's own
    DecompressionStream: at 100,000 images 4 MB instead of 12 (file names, scores and neighbours
    repeat a lot), so the file is smaller and the browser has less to read before it paints."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def page_data(page: str) -> dict[str, Any]:
    """The data of a written report page (`columns` and its sheets) read back, as its script
    reads it: for tools that look into a report, and the tests."""
    found = re.search(r'<script type="application/gzip" id="data">([^<]*)</script>', page)
    if found is None:
        raise ValueError("not a konomi report page: it carries no data")
    return cast(dict[str, Any], json.loads(gzip.decompress(base64.b64decode(found.group(1)))))


_LABEL_CODES = {"like": "L", "dislike": "D", "unsure": "U", "": "-"}


def columns(items: list[dict[str, object]], groups: list[list[int]]) -> dict[str, object]:
    """The page's data, one array per field rather than one object per image.

    At 100,000 images an object per image costs twice the bytes and three times the browser's
    parsing time: names repeated in every object, floats spelled out. Here scores are whole
    numbers of 1/10,000, similarities of 1/100, proposals one letter each, folders indices into
    a short list, neighbours k slots per image holding an index into `train` (the page
    positions of the training images that are someone's neighbour: a few digits instead of
    six; -1: none). `rows()` in the tests and the page's script read it back.
    """
    folders = sorted({str(it["f"]) for it in items})
    folder_of = {f: i for i, f in enumerate(folders)}
    out: dict[str, object] = {
        "n": len(items),
        "p": [it["p"] for it in items],
        "s": [round(float(it["s"]) * 10_000) for it in items],  # type: ignore[arg-type]
        "l": "".join(_LABEL_CODES[str(it["l"])] for it in items),
        "t": "".join(_LABEL_CODES[str(it["t"])] for it in items),
        "folders": folders,
        "f": [folder_of[str(it["f"])] for it in items],
        "x": {
            str(i): [x["rank"], round(x["c"] * 1000), int(x["flag"]), round(x["oof"] * 1000)]
            for i, it in enumerate(items)
            if (x := cast(dict[str, Any], it["x"]))
        },
        "groups": groups,
    }
    neighbours = [cast(list[list[float]], it[key]) for key in ("nl", "nd") for it in items]
    train = sorted({int(j) for pairs in neighbours for j, _ in pairs})
    slot_of = {j: n for n, j in enumerate(train)}
    out["train"] = train
    for key in ("nl", "nd"):
        k = max((len(it[key]) for it in items), default=0)  # type: ignore[arg-type]
        index: list[int] = []
        similarity: list[int] = []
        for it in items:
            pairs = cast(list[list[float]], it[key])
            for slot in range(k):
                if slot < len(pairs):
                    j, sim = pairs[slot]
                    index.append(slot_of[int(j)])
                    similarity.append(round(float(sim) * 100))
                else:
                    index.append(-1)
                    similarity.append(0)
        out[key], out[key + "s"], out[key + "k"] = index, similarity, k
    return out
