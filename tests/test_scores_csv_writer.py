"""The score report is written in blocks of text, not through `csv.writer` row by row: the
bytes must be exactly those `csv.writer` would write (quoting, line ends, BOM), for any name."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from konomi.app.cull import BurstColumns
from konomi.app.reports.scores_csv import COLUMNS, quoted, write_pieces
from konomi.app.scoring import ScoreRows

NAMES = [
    "data/train/like/a.jpg",
    "library/with, comma.jpg",
    'library/"quoted".jpg',
    "library/line\nbreak.jpg",
    "library/return\rhere.jpg",
    " leading space.jpg",
    "日本語の写真.jpg",
    "plain.png",
]


def _rows(culling: BurstColumns | None) -> ScoreRows:
    n = len(NAMES)
    scores = np.linspace(0.9, 0.1, n)
    scores[3] = scores[4]  # a tie: ordered by name
    return ScoreRows(
        list(NAMES),
        scores,
        (0.3, 0.7),
        ["train", "library", "library", "library", "library", "unlabeled", "library", "x,y"],
        ["like", "", "", "", "", "", "", ""],
        np.linspace(0.0, 1.0, n),
        'head,"1"',
        culling,
    )


def _expected(rows: ScoreRows) -> str:
    """The report as `csv.writer` writes it from each row's values."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.path,
                f"{r.score:.6f}",
                r.label,
                r.folder,
                r.train_label,
                f"{r.informativeness:.6f}",
                r.head,
                "" if r.sharpness is None else f"{r.sharpness:.3f}",
                "" if r.exposure is None else f"{r.exposure:.4f}",
                "" if r.burst is None else str(r.burst),
                "" if r.keeper is None else str(int(r.keeper)),
            ]
        )
    return "\ufeff" + out.getvalue()


def test_blocks_write_the_bytes_csv_writer_writes(tmp_path: Path) -> None:
    n = len(NAMES)
    sharp = np.linspace(1.0, 50.0, n)
    sharp[2] = np.nan  # not measured
    culling = BurstColumns(
        sharp,
        np.full(n, 0.0125),
        np.array([0, 1, 1, 0, 2, 2, 2, 0]),
        np.array([-1, 1, 0, -1, 0, 1, 0, -1], dtype=np.int8),
    )
    for columns, piece in ((culling, 3), (None, 65536)):
        rows = _rows(columns)
        out = write_pieces(rows.pieces(piece), tmp_path / "scores.csv")
        written = out.read_bytes().decode("utf-8")
        assert written == _expected(rows)
        read = list(csv.reader(io.StringIO(written.lstrip("\ufeff"), newline="")))
        assert sorted(r[0] for r in read[1:]) == sorted(NAMES)  # every name read back whole


def test_quoting_matches_csv_module() -> None:
    texts = ["a", "b,c", 'd"e', "f\ng", "h\ri", "", " j ", "k;l"]
    for text in texts:
        out = io.StringIO(newline="")
        csv.writer(out).writerow([text, "x"])
        assert quoted([text])[0] + ",x\r\n" == out.getvalue()
    assert quoted(["plain", "names"]) == ["plain", "names"]
