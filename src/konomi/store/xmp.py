"""XMP sidecars: reading a person's star rating, and merging konomi's score into a sidecar.

XMP is RDF/XML. The rating other tools read and write is `xmp:Rating` (namespace
`http://ns.adobe.com/xap/1.0/`): 1–5 stars, 0 or absent = unrated, -1 = rejected. It may be an
attribute of an `rdf:Description` (`xmp:Rating="5"`, as darktable, digiKam and Lightroom write
it) or an element (`<xmp:Rating>5</xmp:Rating>`); both are read.

konomi keeps its own values in its own namespace, `KONOMI_NS`, in an `rdf:Description` of its
own (several descriptions with the same `rdf:about` are plain RDF, and Adobe's own toolkit
writes one per namespace): `konomi:Score` (0–1, the exact score), `konomi:Head` (the head that
gave it), `konomi:ProposedRating` (the stars konomi proposes; not named `Rating`, which exiftool
would show under the same tag name as the person's `xmp:Rating`). Only where the person has no
rating does konomi also write `xmp:Rating` there, and then it marks it
`konomi:WroteRating="True"`: a rating equal to `konomi:ProposedRating` under that mark is
konomi's, never taken for the person's.
Everything else in a sidecar — keywords, colour labels, develop settings, comments, processing
instructions, namespace prefixes — is kept as it is (lxml keeps the document tree whole).

Parsing never resolves entities, never loads a DTD and never touches the network.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from konomi.i18n import t

KONOMI_NS = "https://konomi.invalid/ns/1.0/"
XMP_NS = "http://ns.adobe.com/xap/1.0/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
X_NS = "adobe:ns:meta/"
SIDECAR_NAMES = ("with_extension", "without_extension")
MAX_SIDECAR_BYTES = 16 << 20  # develop settings make sidecars large, never this large

_RATING = f"{{{XMP_NS}}}Rating"
_DESC = f"{{{RDF_NS}}}Description"
_ABOUT = f"{{{RDF_NS}}}about"
_K = {name: f"{{{KONOMI_NS}}}{name}" for name in ("Score", "Head", "ProposedRating", "WroteRating")}
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_blank_text": False,
}
_EMPTY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<x:xmpmeta xmlns:x="{X_NS}" x:xmptk="konomi">\n'
    f' <rdf:RDF xmlns:rdf="{RDF_NS}">\n'
    " </rdf:RDF>\n"
    "</x:xmpmeta>\n"
).encode()


class XmpError(ValueError):
    """A sidecar that is not XMP konomi can read or merge into (it is then left alone)."""


@dataclass(frozen=True)
class XmpRating:
    """The ratings one XMP packet holds."""

    person: int | None  # the person's xmp:Rating (None: none, or the one konomi wrote)
    konomi: int | None  # konomi:ProposedRating, konomi's own proposal
    score: float | None  # konomi:Score


def sidecar_paths(image: Path) -> tuple[Path, Path]:
    """(IMG_0001.NEF.xmp, IMG_0001.xmp): the two names sidecars have in the wild."""
    return image.with_name(image.name + ".xmp"), image.with_name(image.stem + ".xmp")


def sidecar_candidates(
    image: Path,
    preferred: str = "with_extension",
    raws: tuple[Path, ...] = (),
    *,
    stem_owned: bool = True,
) -> list[Path]:
    """Every sidecar that may hold the rating of the photo `image`, in the order they are read.

    `raws` are the RAW files travelling with `image` (a RAW+JPEG pair): their own sidecars
    (`P1.DNG.xmp`, where darktable and digiKam keep the rating of the pair) come before the
    JPEG's (`P1.JPG.xmp`). `NAME.xmp` (Lightroom's name, `STEM.xmp`) comes last — first with
    `preferred = "without_extension"` — and only when `stem_owned`: `a.jpg.xmp` is the sidecar
    of `a.jpg`, never of `a.jpg.jpg`, whose stem is itself an image name.
    """
    named = [r.with_name(r.name + ".xmp") for r in raws] + [image.with_name(image.name + ".xmp")]
    stem = [image.with_name(image.stem + ".xmp")] if stem_owned else []
    return named + stem if preferred == "with_extension" else stem + named


def existing_sidecars(
    image: Path,
    preferred: str = "with_extension",
    raws: tuple[Path, ...] = (),
    *,
    stem_owned: bool = True,
) -> list[Path]:
    """The sidecars of `image` that exist (regular files, never links), in reading order."""
    found = sidecar_candidates(image, preferred, raws, stem_owned=stem_owned)
    return [p for p in found if p.is_file() and not p.is_symlink()]


def sidecar_for(
    image: Path,
    preferred: str = "with_extension",
    raws: tuple[Path, ...] = (),
    *,
    stem_owned: bool = True,
) -> Path:
    """The sidecar konomi updates: the first that exists in reading order, else the name the
    `sidecar_name` setting gives a new one (for a RAW+JPEG pair, the RAW's `P1.DNG.xmp`,
    which darktable and digiKam read)."""
    found = existing_sidecars(image, preferred, raws, stem_owned=stem_owned)
    if found:
        return found[0]
    if preferred == "without_extension" and stem_owned:
        return image.with_name(image.stem + ".xmp")
    first = raws[0] if raws else image
    return first.with_name(first.name + ".xmp")


def _parse(data: bytes) -> etree._ElementTree:
    if len(data) > MAX_SIDECAR_BYTES:
        raise XmpError(t("xmp.error.too_large", size=len(data)))
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise XmpError(t("xmp.error.not_xml", why=exc)) from None
    if root is None:
        raise XmpError(t("xmp.error.empty"))
    return root.getroottree()


def _rdf(tree: etree._ElementTree) -> etree._Element:
    root = tree.getroot()
    if root.tag == f"{{{RDF_NS}}}RDF":
        return root
    found = root.find(f".//{{{RDF_NS}}}RDF")
    if found is None:
        raise XmpError(t("xmp.error.no_rdf"))
    return found


_INTEGER = re.compile(r"\s*([+-]?)0*([0-9]{1,3})(?:\.0*)?\s*", re.ASCII)
RATINGS = range(-1, 6)  # -1 rejected, 0 unrated, 1-5 stars


def _whole(text: str | None) -> int | None:
    """An XMP rating ("5", "5.0", "-1"): ASCII digits with an optional sign, -1 to 5; None for
    anything else ("6", a 400-digit number, "٤", "2.5"), which no tool means as a rating."""
    if text is None:
        return None
    found = _INTEGER.fullmatch(text)
    if found is None:
        return None
    value = int(found.group(1) + found.group(2))
    return value if value in RATINGS else None


def _number(text: str | None) -> float | None:
    """konomi's own score (0-1); None for anything else."""
    try:
        value = float(text) if text is not None and len(text) < 64 else None
    except ValueError:
        return None
    return value if value is not None and 0.0 <= value <= 1.0 else None


def _values(tree: etree._ElementTree, tag: str) -> list[tuple[etree._Element, str]]:
    """(description, text) of every occurrence of property `tag`, attribute or element form."""
    found = []
    for desc in tree.iter(_DESC):
        if tag in desc.attrib:
            found.append((desc, desc.attrib[tag]))
        for child in desc.findall(tag):
            found.append((desc, (child.text or "").strip()))
    return found


def _rating_of(tree: etree._ElementTree) -> XmpRating:
    konomi_rating = _whole(next((v for _, v in _values(tree, _K["ProposedRating"])), None))
    score = _number(next((v for _, v in _values(tree, _K["Score"])), None))
    person = None
    for desc, text in _values(tree, _RATING):
        value = _whole(text)
        if value is None:
            continue
        ours = desc.get(_K["WroteRating"]) == "True" and value == konomi_rating
        if not ours:
            person = value
            break
    return XmpRating(person, konomi_rating, score)


def read_rating(data: bytes) -> XmpRating:
    """The ratings of an XMP packet (a sidecar's bytes, or the packet embedded in an image)."""
    return _rating_of(_parse(data))


def read_sidecar_rating(path: Path) -> XmpRating | None:
    """The ratings of a sidecar file; None when it cannot be read as XMP."""
    try:
        data = path.read_bytes()
        return read_rating(data)
    except (OSError, XmpError):
        return None


def merge(
    existing: bytes | None, *, score: float, head: str, rating: int, rated_elsewhere: bool = False
) -> bytes:
    """A sidecar holding `existing` (None: a new one) plus konomi's score and proposed rating.

    `xmp:Rating` is written only where the person has no rating (or where it is konomi's own from
    an earlier run) — not in this sidecar, nor elsewhere (`rated_elsewhere`: the other sidecar
    name, or the XMP inside the image); a rating the person set is never changed.
    """
    tree = _parse(existing if existing is not None else _EMPTY)
    if tree.docinfo.doctype:  # XMP has no DTD; its entities could not be written back intact
        raise XmpError(t("xmp.error.doctype"))
    rdf = _rdf(tree)
    person = _rating_of(tree).person
    ours = [d for d in rdf.findall(_DESC) if any(k in d.attrib for k in _K.values())]
    for desc in ours[1:]:  # konomi keeps one description; a second is an old leftover
        rdf.remove(desc)
    about = next((d.get(_ABOUT) for d in rdf.findall(_DESC) if d.get(_ABOUT) is not None), "")
    if ours:
        desc = ours[0]
        ours_then = desc.get(_K["WroteRating"]) == "True"
        if ours_then and person is None and _RATING in desc.attrib:
            del desc.attrib[_RATING]  # konomi's own rating of an earlier run: replaced below
    else:
        desc = etree.SubElement(rdf, _DESC, nsmap={"xmp": XMP_NS, "konomi": KONOMI_NS})
        desc.set(_ABOUT, about or "")
        _indent_new(rdf, desc)
    if desc.get(_K["WroteRating"]) is not None:
        del desc.attrib[_K["WroteRating"]]
    desc.set(_K["Score"], f"{score:.6f}")
    desc.set(_K["Head"], head)
    desc.set(_K["ProposedRating"], str(rating))
    if person is None and not rated_elsewhere:
        desc.set(_RATING, str(rating))
        desc.set(_K["WroteRating"], "True")
    return serialise(tree, existing)


def serialise(tree: etree._ElementTree, existing: bytes | None) -> bytes:
    """The whole document written by lxml: an XML declaration, the comments and processing
    instructions before the root (`<?xpacket begin?>`), the root, those after it
    (`<?xpacket end?>`), each on its own line, in the document's own encoding (UTF-8 when it
    had none, or when konomi's values cannot be written in it).

    Nothing is cut out of the old bytes around the root: a comment holding `<MyTool>` before it
    or `</x:xmpmeta>` after it stays a comment, and the result is always well-formed.
    """
    root = tree.getroot()
    before = list(reversed(list(root.itersiblings(preceding=True))))
    after = list(root.itersiblings())
    nodes = [*before, root, *after]
    text = "\n".join(etree.tostring(n, encoding="unicode", with_tail=False) for n in nodes)
    encoding = (tree.docinfo.encoding or "UTF-8") if existing is not None else "UTF-8"
    if encoding.upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        try:
            declared = f'<?xml version="1.0" encoding="{encoding}"?>\n'
            return (declared + text + "\n").encode(encoding)
        except (LookupError, UnicodeError):
            pass  # an encoding Python does not know, or that cannot hold konomi's values
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode("utf-8")


def _indent_new(rdf: etree._Element, desc: etree._Element) -> None:
    """Lay a new description out like its siblings (whitespace only; meaning unchanged)."""
    siblings = list(rdf)
    closing = rdf.text or "\n "
    if len(siblings) > 1:
        previous = siblings[-2]
        desc.tail, previous.tail = previous.tail, closing
    else:
        desc.tail, rdf.text = closing, closing + " "


def embedded_xmp(data: bytes) -> bytes | None:
    """The XMP packet inside an image file's bytes (JPEG APP1, PNG iTXt, WebP, TIFF …): the
    bytes between `<x:xmpmeta` and `</x:xmpmeta>`, found by the packet's own markers, which
    every writer uses (XMP spec part 3); None when there is none."""
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        return None
    end = data.find(b"</x:xmpmeta>", start)
    if end < 0:
        return None
    return data[start : end + len(b"</x:xmpmeta>")]


_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
HEAD_BYTES = 256 << 10  # where other formats keep their XMP, as far as konomi looks


def xmp_in_file(f: BinaryIO) -> bytes | None:
    """The XMP packet inside an open image file, reading as little of it as possible: a JPEG's
    segment headers up to the image data (a few kilobytes), else the first `HEAD_BYTES`."""
    start = f.read(2)
    if start != b"\xff\xd8":
        return embedded_xmp(start + f.read(HEAD_BYTES - 2))
    while True:
        header = f.read(4)
        if len(header) < 4 or header[0] != 0xFF:
            return None
        marker, length = header[1], struct.unpack(">H", header[2:])[0]
        if marker in (0xDA, 0xD9) or length < 2:  # image data (or the end): no XMP after it
            return None
        if marker == 0xE1:
            payload = f.read(length - 2)
            if payload.startswith(_JPEG_XMP):
                return embedded_xmp(payload[len(_JPEG_XMP) :])
        else:
            f.seek(length - 2, 1)
