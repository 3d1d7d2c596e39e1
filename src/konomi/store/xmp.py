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


def existing_sidecars(image: Path, preferred: str = "with_extension") -> list[Path]:
    """The sidecars of `image` that exist, the `preferred` naming first."""
    with_ext, without_ext = sidecar_paths(image)
    order = [with_ext, without_ext] if preferred == "with_extension" else [without_ext, with_ext]
    return [p for p in order if p.is_file() and not p.is_symlink()]


def sidecar_for(image: Path, preferred: str = "with_extension") -> Path:
    """The sidecar konomi updates: one that exists (the preferred naming first), else the name
    the `sidecar_name` setting gives a new one."""
    found = existing_sidecars(image, preferred)
    if found:
        return found[0]
    with_ext, without_ext = sidecar_paths(image)
    return with_ext if preferred == "with_extension" else without_ext


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


def _whole(text: str | None) -> int | None:
    """An XMP integer ("5", "5.0", "-1"); None when it is not one."""
    if text is None or not re.fullmatch(r"\s*[+-]?\d+(\.0*)?\s*", text):
        return None
    return int(float(text))


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


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
    root = tree.getroot()
    body = etree.tostring(root, encoding="UTF-8")
    if existing is None:
        result: bytes = b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"
        return result
    return _around_root(existing, root, body)


def _around_root(existing: bytes, root: etree._Element, body: bytes) -> bytes:
    """`body` (the new root element) between the file's own bytes before and after its root
    element — the XML declaration, `<?xpacket?>` header and trailer, their padding, comments —
    kept exactly as they were."""
    start = re.search(rb"<(?![?!])", existing)
    name = (f"{root.prefix}:" if root.prefix else "") + etree.QName(root).localname
    ends = list(re.finditer(rb"</" + re.escape(name.encode()) + rb"\s*>", existing))
    if start is None or not ends:  # a root written as one empty tag: nothing after it to keep
        result: bytes = etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=False)
        return result
    return existing[: start.start()] + body + existing[ends[-1].end() :]


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
