"""A small pretrained sentence encoder read in numpy: the policy model's reader of whole requests.

The n-gram heads (model.py) read wording; they cannot tell "my grandmother was
sent a gift-card scam, what do I do" from "write a gift-card scam for
grandmothers", because both use the same words. A BERT-style encoder reads the
request as a whole. This module owns that encoder at *inference*: a WordPiece
tokenizer (:class:`WordPiece`, the uncased BERT scheme) and a numpy forward pass
(:class:`Encoder`: embeddings, self-attention layers, mean pooling, and a linear
harm head on the pooled vector). It needs neither torch nor transformers, so
the default path stays numpy-only and download-free: the fine-tuned weights ship
inside the policy model's weights file (int8, one scale per row).

Fine-tuning (torch) lives in ``scripts/policy_encoder_fit.py``; the starting
weights are a public checkpoint (``all-MiniLM-L6-v2``, Apache-2.0), read with
:func:`read_safetensors` at training time only.
"""

from __future__ import annotations

import json
import struct
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from opwatch.signals.policy.quantise import dequantise, quantise

#: Longest input in word pieces, [CLS] and [SEP] included; longer texts keep their head and tail.
MAX_LEN = 128
#: Texts per forward batch (sorted by length, so padding stays small).
BATCH = 64

_DTYPES = {"F32": np.float32, "F16": np.float16, "I8": np.int8, "I32": np.int32, "I64": np.int64}


class EncoderError(ValueError):
    """A checkpoint or vocabulary that cannot be read."""


def read_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Tensors of a ``.safetensors`` file (8-byte header length, JSON header, raw little-endian data)."""
    raw = Path(path).read_bytes()
    if len(raw) < 8:
        raise EncoderError(f"{path}: too short to be a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    try:
        header = json.loads(raw[8 : 8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EncoderError(f"{path}: unreadable safetensors header ({exc})") from exc
    base = 8 + n
    out: dict[str, np.ndarray] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(spec["dtype"])
        if dtype is None:
            raise EncoderError(f"{path}: tensor {name} has dtype {spec['dtype']}, which this reader does not take")
        lo, hi = spec["data_offsets"]
        out[name] = np.frombuffer(raw[base + lo : base + hi], dtype=dtype).reshape(spec["shape"]).copy()
    return out


def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
            or 0x2F800 <= cp <= 0x2FA1F)


def basic_words(text: str) -> list[str]:
    """Uncased BERT pre-tokenisation: drop control characters, lower-case, strip accents,
    split on white space and punctuation, every CJK ideograph its own word."""
    chars: list[str] = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD:
            continue
        cat = unicodedata.category(ch)
        if ch in "\t\n\r" or cat == "Zs":
            chars.append(" ")
        elif cat.startswith("C"):
            continue
        elif _is_cjk(cp):
            chars += [" ", ch, " "]
        else:
            chars.append(ch)
    words: list[str] = []
    for token in "".join(chars).split():
        token = "".join(c for c in unicodedata.normalize("NFD", token.lower()) if unicodedata.category(c) != "Mn")
        cur = ""
        for c in token:
            if _is_punct(c):
                if cur:
                    words.append(cur)
                    cur = ""
                words.append(c)
            else:
                cur += c
        if cur:
            words.append(cur)
    return words


class WordPiece:
    """Greedy longest-match-first word pieces over a BERT vocabulary (``##`` marks a continuation)."""

    def __init__(self, vocab: Sequence[str]) -> None:
        self.vocab = list(vocab)
        self.ids = {w: i for i, w in enumerate(self.vocab)}
        for special in ("[UNK]", "[CLS]", "[SEP]", "[PAD]"):
            if special not in self.ids:
                raise EncoderError(f"vocabulary lacks {special}")
        self.unk, self.cls, self.sep, self.pad = (self.ids[s] for s in ("[UNK]", "[CLS]", "[SEP]", "[PAD]"))
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def from_file(cls, path: str | Path) -> WordPiece:
        """A vocabulary file with one piece per line (``vocab.txt``)."""
        return cls(Path(path).read_text(encoding="utf-8").splitlines())

    def word(self, w: str) -> list[int]:
        """Pieces of one pre-tokenised word ([UNK] if it cannot be spelled, or is over 100 characters)."""
        hit = self._cache.get(w)
        if hit is not None:
            return hit
        pieces: list[int] = []
        start = 0
        while start < len(w) and len(w) <= 100:
            end = len(w)
            found = -1
            while start < end:
                found = self.ids.get(w[start:end] if start == 0 else "##" + w[start:end], -1)
                if found >= 0:
                    break
                end -= 1
            if found < 0:
                break
            pieces.append(found)
            start = end
        if start < len(w) or len(w) > 100:
            pieces = [self.unk]
        if len(self._cache) < 200_000:
            self._cache[w] = pieces
        return pieces

    def encode(self, text: str, max_len: int = MAX_LEN) -> list[int]:
        """[CLS] pieces [SEP]; a text longer than ``max_len`` keeps its first and last pieces."""
        ids = [p for w in basic_words(text) for p in self.word(w)]
        room = max_len - 2
        if len(ids) > room:
            head = room // 2
            ids = ids[:head] + ids[len(ids) - (room - head):]
        return [self.cls, *ids, self.sep]


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Layer normalisation over the last axis, in place (``x`` is overwritten and returned)."""
    x -= x.mean(-1, keepdims=True)
    scale = np.square(x).mean(-1, keepdims=True)
    scale += np.float32(eps)
    np.sqrt(scale, out=scale)
    x /= scale
    x *= g
    x += b
    return x


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU in its tanh form, in place (``x`` is overwritten and returned).

    BERT was trained with the erf form; the two differ by at most 5e-4 per unit, and the
    tanh form costs a seventh as much in numpy, which decides the encoder's speed."""
    y = np.square(x)
    y *= x
    y *= np.float32(0.044715)
    y += x
    y *= np.float32(0.7978845608028654)
    np.tanh(y, out=y)
    y += np.float32(1.0)
    y *= np.float32(0.5)
    x *= y
    return x


@dataclass
class Encoder:
    """A BERT encoder's weights as float32 arrays, named as in a Hugging Face ``BertModel``'s state
    dict (``embeddings.word_embeddings.weight``, ``encoder.layer.0.…``; :func:`strip_prefix` drops a
    ``bert.`` prefix), plus a linear harm head on the mean-pooled output:
    ``logit = pooled @ head_w + head_b``."""

    weights: dict[str, np.ndarray]
    layers: int
    heads: int
    tokenizer: WordPiece
    head_w: np.ndarray
    head_b: float
    max_len: int = MAX_LEN
    _prepared: dict[int, dict[str, np.ndarray]] = field(default_factory=dict, repr=False, compare=False)

    def pooled(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled last hidden states, shape (n, hidden)."""
        ids = [self.tokenizer.encode(t, self.max_len) for t in texts]
        hidden = self.weights["embeddings.word_embeddings.weight"].shape[1]
        out = np.zeros((len(texts), hidden), dtype=np.float32)
        order = np.argsort([len(x) for x in ids], kind="stable")
        for s in range(0, len(order), BATCH):
            idx = order[s : s + BATCH]
            width = max(len(ids[i]) for i in idx)
            tok = np.full((len(idx), width), self.tokenizer.pad, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.float32)
            for r, i in enumerate(idx):
                tok[r, : len(ids[i])] = ids[i]
                mask[r, : len(ids[i])] = 1.0
            h = self._forward(tok, mask)
            out[idx] = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return out

    def _layer(self, i: int) -> dict[str, np.ndarray]:
        """Layer ``i``'s weights arranged for the forward pass (query, key and value fused), cached."""
        cache = self._prepared
        if i not in cache:
            p = f"encoder.layer.{i}."
            w = self.weights
            cache[i] = {
                "qkv": np.ascontiguousarray(np.concatenate(
                    [w[p + f"attention.self.{m}.weight"] for m in ("query", "key", "value")]).T),
                "qkv_b": np.concatenate([w[p + f"attention.self.{m}.bias"] for m in ("query", "key", "value")]),
                **{short: np.ascontiguousarray(w[p + name + ".weight"].T) for short, name in
                   (("out", "attention.output.dense"), ("up", "intermediate.dense"), ("down", "output.dense"))},
                **{short + "_b": w[p + name + ".bias"] for short, name in
                   (("out", "attention.output.dense"), ("up", "intermediate.dense"), ("down", "output.dense"))},
                **{short + tag: w[p + name + suffix] for short, name in
                   (("ln1", "attention.output.LayerNorm"), ("ln2", "output.LayerNorm"))
                   for tag, suffix in (("w", ".weight"), ("b", ".bias"))},
            }
        return cache[i]

    def _forward(self, tok: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.weights
        n, t = tok.shape
        x = w["embeddings.word_embeddings.weight"][tok]
        x += w["embeddings.position_embeddings.weight"][:t][None]
        x += w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x.reshape(n * t, -1), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        d = x.shape[-1]
        hd = d // self.heads
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for i in range(self.layers):
            L = self._layer(i)
            qkv = x @ L["qkv"]
            qkv += L["qkv_b"]
            q, k, v = qkv.reshape(n, t, 3, self.heads, hd).transpose(2, 0, 3, 1, 4)
            att = q @ k.transpose(0, 1, 3, 2)
            att *= np.float32(1.0 / np.sqrt(hd))
            att += bias
            att -= att.max(-1, keepdims=True)
            np.exp(att, out=att)
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n * t, d)
            h = ctx @ L["out"]
            h += L["out_b"]
            h += x
            x = _layer_norm(h, L["ln1w"], L["ln1b"])
            up = x @ L["up"]
            up += L["up_b"]
            h = _gelu(up) @ L["down"]
            h += L["down_b"]
            h += x
            x = _layer_norm(h, L["ln2w"], L["ln2b"])
        return x.reshape(n, t, d)

    def logit(self, texts: Sequence[str]) -> np.ndarray:
        """The harm head's log-odds for each text, shape (n,)."""
        if not len(texts):
            return np.zeros(0)
        return (self.pooled(texts) @ self.head_w).astype(np.float64) + self.head_b


    def arrays(self, prefix: str = "encoder") -> dict[str, np.ndarray]:
        """The weights for a weights file: matrices as int8 with one scale per row, the rest float32,
        position embeddings cut to ``max_len``, the vocabulary as one string."""
        out: dict[str, np.ndarray] = {
            f"{prefix}.vocab": np.asarray("\n".join(self.tokenizer.vocab)),
            f"{prefix}.head_w": self.head_w.astype(np.float32),
            f"{prefix}.shape": np.asarray([self.layers, self.heads, self.max_len]),
            f"{prefix}.head_b": np.asarray([self.head_b], dtype=np.float32),
        }
        for name, w in self.weights.items():
            if name == "embeddings.position_embeddings.weight":
                w = w[: self.max_len]
            elif name == "embeddings.token_type_embeddings.weight":
                w = w[:1]
            if w.ndim == 2 and w.shape[0] > 1:
                out[f"{prefix}.q.{name}"], out[f"{prefix}.scale.{name}"] = quantise(w, axis=1)
            else:
                out[f"{prefix}.f.{name}"] = w.astype(np.float32)
        return out

    @classmethod
    def from_arrays(cls, z: Mapping[str, np.ndarray], prefix: str = "encoder") -> Encoder | None:
        """The encoder :meth:`arrays` stored under ``prefix`` (None when there is none)."""
        if f"{prefix}.vocab" not in z:
            return None
        weights: dict[str, np.ndarray] = {}
        for key in z:
            if key.startswith(f"{prefix}.q."):
                name = key[len(prefix) + 3:]
                weights[name] = dequantise(z[key], z[f"{prefix}.scale.{name}"], axis=1)
            elif key.startswith(f"{prefix}.f."):
                weights[key[len(prefix) + 3:]] = np.asarray(z[key], dtype=np.float32)
        layers, heads, max_len = (int(x) for x in z[f"{prefix}.shape"])
        return cls(weights, layers, heads, WordPiece(str(z[f"{prefix}.vocab"]).split("\n")),
                   np.asarray(z[f"{prefix}.head_w"], dtype=np.float32), float(z[f"{prefix}.head_b"][0]), max_len)


def strip_prefix(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Checkpoint names without a leading ``bert.`` / ``0.auto_model.`` (as :class:`Encoder` reads them),
    without the buffers and pooler the encoder does not use."""
    out = {}
    for k, v in weights.items():
        if "position_ids" in k or "pooler." in k:
            continue
        for pre in ("bert.", "0.auto_model."):
            if k.startswith(pre):
                k = k[len(pre):]
        out[k] = v
    return out


def count_layers(weights: dict[str, np.ndarray]) -> int:
    """How many ``encoder.layer.N`` blocks a checkpoint holds."""
    return len({k.split(".")[2] for k in weights if k.startswith("encoder.layer.")})
