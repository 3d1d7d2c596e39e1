"""The CLIP text tower: words → a vector in the same space as the image embeddings.

Models in the Immich layout carry it beside the visual tower: `textual/model.onnx`,
`textual/tokenizer.json`, `textual/tokenizer_config.json` (which names the padding token), and
`text_cfg.context_length` in `config.json`. It is loaded the way Immich loads it, so any model
Immich can search with works here: the `tokenizers` library, padding to the context length with
the pad token's id, truncation, and int32 token ids as the input "text" (multilingual M-CLIP
exports take `input_ids` and `attention_mask` instead; the session's input names decide).

The hub download of a model fetches only its visual files; the textual ones are fetched here,
the first time a text feature is used.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from konomi.encode.encoder import choose_providers, hub_snapshot, session_options
from konomi.errors import ModelError
from konomi.i18n import t
from konomi.machine import usable_cores
from konomi.progress import Progress

TEXT_PATTERNS = ["config.json", "textual/*"]
DEFAULT_CONTEXT = 77  # CLIP's context length, when config.json does not say
# NLLB-based towers expect the text prefixed with its FLORES-200 language code.
FLORES = {"ja": "jpn_Jpan", "en": "eng_Latn"}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


@dataclass(frozen=True)
class TextModelFiles:
    """A resolved text tower: its ONNX file, tokenizer files and context length."""

    value: str  # what the person asked for
    name: str  # the model's folder or repo name (decides the NLLB language prefix)
    onnx_path: Path
    tokenizer_path: Path
    pad_token: str
    context_length: int
    canonicalize: bool = False


def _no_tower(value: str, missing: str) -> ModelError:
    return ModelError(t("text.no_tower", model=value, missing=missing), t("text.no_tower.hint"))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(
            t("text.bad_file", path=path, why=type(exc).__name__), t("text.bad_file.hint")
        ) from None
    if not isinstance(data, dict):
        raise ModelError(t("text.bad_file", path=path, why=t("errors.json.not_object")))
    return data


def text_files_in(value: str, folder: Path, name: str | None = None) -> TextModelFiles:
    """The text tower of the Immich-layout model in `folder`, or a clear refusal."""
    textual = folder / "textual"
    for rel in ("textual/model.onnx", "textual/tokenizer.json"):
        if not (folder / rel).is_file():
            raise _no_tower(value, rel)
    config = _read_json(folder / "config.json") if (folder / "config.json").is_file() else {}
    found = config.get("text_cfg")
    text_cfg: dict[str, Any] = found if isinstance(found, dict) else {}
    try:
        context = int(text_cfg.get("context_length", DEFAULT_CONTEXT))
        if context <= 0:
            raise ValueError
    except (TypeError, ValueError):
        raise ModelError(
            t("text.bad_file", path=folder / "config.json", why="text_cfg.context_length"),
            t("text.bad_file.hint"),
        ) from None
    tokenizer_cfg = textual / "tokenizer_config.json"
    pad = _read_json(tokenizer_cfg).get("pad_token") if tokenizer_cfg.is_file() else None
    if isinstance(pad, dict):  # transformers writes AddedToken objects as {"content": ...}
        pad = pad.get("content")
    if not isinstance(pad, str) or not pad:
        pad = ""  # none named: the tokenizer's own padding, else a usual name (TextEncoder)
    kwargs = text_cfg.get("tokenizer_kwargs")
    canonicalize = isinstance(kwargs, dict) and kwargs.get("clean") == "canonicalize"
    return TextModelFiles(
        value,
        name or folder.name,
        textual / "model.onnx",
        textual / "tokenizer.json",
        pad,
        context,
        canonicalize,
    )


def resolve_text_model(value: str, progress: Progress | None = None) -> TextModelFiles:
    """Find the text tower of the model VALUE: a local folder (or a `.onnx` inside its
    `visual/`), or a Hugging Face repo id, whose textual files are downloaded now."""
    path = Path(value).expanduser()
    if value.lower().endswith(".onnx"):
        folder = path.parent.parent if path.parent.name == "visual" else path.parent
        return text_files_in(value, folder.resolve())
    if path.is_dir():
        return text_files_in(value, path.resolve())
    looks_like_repo = value.count("/") == 1 and not value.startswith((".", "/", "~"))
    if not looks_like_repo or path.exists():
        raise ModelError(t("errors.model.not_found", value=value), t("errors.model.not_found_hint"))
    name = value.split("/")[1]
    snapshot = hub_snapshot(value, TEXT_PATTERNS, progress)
    if not (snapshot / "textual" / "model.onnx").is_file():
        # A cached snapshot of the visual files only: ask the hub for the textual ones.
        try:
            snapshot = hub_snapshot(value, TEXT_PATTERNS, progress, cached_first=False)
        except ModelError:  # offline: no way to tell "not fetched yet" from "none at all"
            raise ModelError(
                t("text.no_tower", model=value, missing="textual/model.onnx"),
                t("text.not_fetched.hint"),
            ) from None
    return text_files_in(value, snapshot, name)


_ASCII_PUNCTUATION = str.maketrans("", "", string.punctuation)


def clean_text(text: str, *, canonicalize: bool = False) -> str:
    """Whitespace folded, and for towers trained so (SigLIP: `tokenizer_kwargs.clean ==
    "canonicalize"`) ASCII punctuation dropped and lower case, exactly as Immich does."""
    text = " ".join(text.split())
    if canonicalize:
        text = text.translate(_ASCII_PUNCTUATION).lower()
    return text


def flores_code(text: str, language: str | None) -> str:
    """The language prefix an NLLB tower wants: the given language, else Japanese when the
    text has kana or kanji, else English."""
    if language in FLORES:
        return FLORES[language]
    return FLORES["ja"] if _JAPANESE.search(text) else FLORES["en"]


def _usual_pad(tokenizer: object) -> str:
    """The pad token when tokenizer_config.json names none: the one tokenizer.json pads with,
    else a usual name the vocabulary has."""
    padding = getattr(tokenizer, "padding", None)
    if padding and padding.get("pad_token"):
        return str(padding["pad_token"])
    for name in ("<pad>", "[PAD]", "<|endoftext|>", "</s>"):
        if tokenizer.token_to_id(name) is not None:  # type: ignore[attr-defined]
            return name
    return ""


class TextEncoder:
    """An ONNX Runtime session over a CLIP text tower, giving L2-normalised vectors."""

    def __init__(self, files: TextModelFiles, *, device: str = "auto") -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.files = files
        try:
            tokenizer = Tokenizer.from_file(str(files.tokenizer_path))
        except Exception as exc:  # noqa: BLE001 - the tokenizers library raises plain Exception
            raise ModelError(
                t("text.bad_file", path=files.tokenizer_path, why=str(exc)[:200]),
                t("text.bad_file.hint"),
            ) from None
        pad_token = files.pad_token or _usual_pad(tokenizer)
        pad_id = tokenizer.token_to_id(pad_token) if pad_token else None
        if pad_id is None:
            raise ModelError(
                t("text.no_pad", token=pad_token or "pad_token"), t("text.bad_file.hint")
            )
        self.tokenizer = tokenizer
        self.pad_token, self.pad_id = pad_token, pad_id
        try:
            self.session = ort.InferenceSession(
                str(files.onnx_path),
                sess_options=session_options(usable_cores()),
                providers=choose_providers(device),
            )
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - ORT raises many types for a bad file
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            raise ModelError(
                t("text.bad_file", path=files.onnx_path, why=f"{type(exc).__name__}: {first}"),
                t("text.bad_file.hint"),
            ) from None
        inputs = {i.name: i for i in self.session.get_inputs()}
        self.dtypes = {
            name: np.int64 if "int64" in i.type else np.int32 for name, i in inputs.items()
        }
        ids_name = "text" if "text" in inputs else "input_ids" if "input_ids" in inputs else None
        if ids_name is None and len(inputs) == 1:
            ids_name = next(iter(inputs))
        if ids_name is None or set(inputs) - {ids_name, "attention_mask"}:
            raise ModelError(
                t("text.bad_file", path=files.onnx_path, why=f"inputs {sorted(inputs)}"),
                t("text.bad_file.hint"),
            )
        self.ids_name: str = ids_name
        self.nllb = files.name.lower().startswith("nllb")
        # A tower exported with a fixed sequence length wins over config.json (ORT would refuse).
        fixed = inputs[self.ids_name].shape[-1] if inputs[self.ids_name].shape else None
        n = fixed if isinstance(fixed, int) and fixed > 0 else files.context_length
        tokenizer.enable_padding(length=n, pad_token=pad_token, pad_id=pad_id)
        tokenizer.enable_truncation(max_length=n)
        self.context_length = n

    def tokenize(self, text: str, language: str | None = None) -> dict[str, np.ndarray]:
        """The session's inputs for one text, as Immich builds them."""
        text = clean_text(text, canonicalize=self.files.canonicalize)
        if self.nllb:
            text = f"{flores_code(text, language)}{text}"
        encoding = self.tokenizer.encode(text)
        feeds = {self.ids_name: np.array([encoding.ids], dtype=self.dtypes[self.ids_name])}
        if "attention_mask" in self.dtypes:
            mask = encoding.attention_mask
            feeds["attention_mask"] = np.array([mask], dtype=self.dtypes["attention_mask"])
        return feeds

    def encode(self, texts: list[str], language: str | None = None) -> np.ndarray:
        """L2-normalised float32 [len(texts), d], one text at a time (text towers are often
        exported with a batch of one, and a person types a handful of phrases)."""
        rows = []
        for text in texts:
            try:
                out = self.session.run(None, self.tokenize(text, language))[0]
            except Exception as exc:  # noqa: BLE001 - ORT raises many types for a failing model
                first = (str(exc).strip().splitlines() or [""])[0][:200]
                raise ModelError(
                    t("text.failed", text=text, why=f"{type(exc).__name__}: {first}"),
                    t("text.bad_file.hint"),
                ) from None
            rows.append(np.asarray(out, dtype=np.float32).reshape(-1))
        if not rows:
            return np.zeros((0, 0), np.float32)
        X = np.stack(rows)
        result: np.ndarray = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
        return result
