"""Ratings as labels: reading every sidecar on every command against the remembered ratings.

A library of `--images` small JPEGs (default 20,000): three in four with a sidecar holding the
person's rating (`IMG.jpg.xmp` and `IMG.xmp` alternating), one in four with none (its rating is
looked for inside the file). Timed in one process, the files in the page cache:

- **read every time**: what each command did before ratings were remembered — the RAW twins,
  then `person_rating` of every image (the baseline);
- **first run**: `library.ratings_of` with an empty `.konomi/ratings.sqlite` (reads, stamps,
  writes);
- **next run**: the same with nothing changed (a folder listing, a stat per present file, one
  lookup);
- finding the RAW twins, which each of them does (what no cache saves).

CLI: ``uv run python -m benchmarks.bench_ratings [--images N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from benchmarks.common import cpu_model
from konomi.app.context import Context
from konomi.app.library import person_rating, ratings_of, raw_twins
from konomi.store.ratings import ratings_path

SIDECAR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    '  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
    ' xmp:Rating="{rating}"/>\n </rdf:RDF>\n</x:xmpmeta>\n'
)


def build(root: Path, n: int) -> list[Path]:
    """The library and the workspace listing it; the images in name order."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 90, 60)).save(buf, "JPEG")
    jpeg = buf.getvalue()
    lib = root / "lib"
    images = []
    for i in range(n):
        folder = lib / f"{i // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        image = folder / f"IMG_{i:06d}.jpg"
        image.write_bytes(jpeg)
        if i % 4:
            name = image.name + ".xmp" if i % 2 else image.stem + ".xmp"
            (folder / name).write_text(SIDECAR.format(rating=5 if i % 3 else -1), "utf-8")
        images.append(image)
    ws = root / "ws"
    ws.mkdir()
    (ws / "konomi.toml").write_text(
        f'libraries = ["{lib.as_posix()}"]\nratings_as_labels = true\n', encoding="utf-8"
    )
    return images


def best(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("--images", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_ratings_") as tmp:
        images = build(Path(tmp), args.images)
        ctx = Context.open(Path(tmp) / "ws")
        store = ratings_path(ctx.ws.state)
        try:

            def every_time() -> dict[Path, int | None]:
                twins = raw_twins(images)
                pref = ctx.settings.sidecar_name
                return {i: person_rating(i, pref, twins.get(i, ())) for i in images}

            def first() -> dict[Path, int | None]:
                store.unlink(missing_ok=True)
                return ratings_of(ctx, images)

            expected = every_time()
            baseline = best(every_time, args.repeats)
            twins = best(lambda: raw_twins(images), args.repeats)
            cold = best(first, args.repeats)
            assert ratings_of(ctx, images) == expected
            warm = best(lambda: ratings_of(ctx, images), args.repeats)
        finally:
            ctx.close()
    print(f"CPU: {cpu_model()}; {args.images:,} library images, best of {args.repeats}")
    print("| ratings of every library image | seconds | vs read every time |")
    print("| --- | --- | --- |")
    rows = (
        ("read every time", baseline),
        ("first run", cold),
        ("next run", warm),
        ("(finding RAW twins, part of each)", twins),
    )
    for name, t in rows:
        print(f"| {name} | {t:.2f} | {t / baseline:.2f}× |")


if __name__ == "__main__":
    main()
