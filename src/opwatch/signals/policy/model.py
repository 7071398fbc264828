"""The offline model: hashed word and character n-grams into two heads.

Features need no vocabulary and no download: word 1-2-grams (function words
kept: "how can I", "my neighbour's", "without getting caught" carry the intent
of a request), character 3-5-grams (within words), Chinese character 1- and
2-grams as extra word tokens (Chinese has no spaces), and one pseudo-token per word found in the harm lexicon
(``lexicon.yaml``: groups such as weapons, crime, drugs, deception), all hashed
into a fixed space. The lexicon lets a small training set generalise: a request
that names a crime the training never saw still lights the "crime" feature.
Two heads share the features:

- a *harm* head (harmful vs harmless) with Platt calibration and a prior shift
  to the deployment base rate, so that unfamiliar text leans harmless. It is a
  blend of a linear model and, when the weights carry one, a small one-hidden-layer
  network (:class:`HiddenLayer`) over the same features: the linear part reads
  each n-gram alone; the hidden units can learn that "stalkerware" next to "check
  my phone for" is a victim's question, which a linear model cannot (decision
  0028). The two decisions are standardised and averaged before Platt scaling;
- a *category* head over the harmful categories, read as P(category | harmful):
  the mean of a linear softmax and, when the weights carry one, a hidden layer's
  softmax (decision 0029).

When the weights carry a fine-tuned sentence encoder (encoder.py, decision 0039),
the harm head's log-odds gain ``weight * clip(encoder log-odds, ±clip)``: a reader
of the whole request next to the n-grams. :meth:`PolicyModel.text_logit` adds it
on every text; the classifier adds it only where it could change the flag
(classifier.py), which gives the same flags at a fraction of the cost.

The weights live in ``model/policy-model.npz`` (linear heads sparse in float16, the
hidden layers' W1 and the encoder's matrices in int8 with one scale per unit or row), written by
``scripts/train_policy_model.py`` together with ``MODEL_CARD.md`` and
``sources.json`` that record every training source and its licence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import yaml
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32

from opwatch.signals.policy.encoder import Encoder
from opwatch.signals.policy.neighbours import Neighbours
from opwatch.signals.policy.quantise import dequantise, quantise

MODEL_DIR = Path(__file__).resolve().parent / "model"
DEFAULT_MODEL = MODEL_DIR / "policy-model.npz"
FORMAT_VERSION = 8  # 3: Chinese character 1-2-gram tokens; 4: English stop words kept; 5: hidden layer;
# 6: a hidden layer in the category head too; 7: may carry a map of unseen words to their neighbours;
# 8: may carry a fine-tuned sentence encoder blended into the harm head (decision 0039)
#: Formats this code reads (a format-6 file is a format-8 one without a neighbour map or an encoder).
READS_FORMATS = (6, 7, 8)
N_WORD = 2**18
N_CHAR = 2**18
_WORD_SPLIT = re.compile(r"(\w+)")
#: Most distinct words :meth:`PolicyModel.explain` deletes one by one.
EXPLAIN_WORDS = 80
#: About how many texts (originals and variants) explanations score at a time.
EXPLAIN_BATCH = 4000
_CJK = re.compile(r"[\u3400-\u9fff]")


class ModelError(ValueError):
    """The weights file is missing, corrupt, or of another format version."""


LEXICON = Path(__file__).resolve().parent / "lexicon.yaml"


def _load_lexicon(path: Path = LEXICON) -> tuple[dict[str, str], dict[str, str], list[int]]:
    """Exact words and prefix stems -> group, and the stem lengths to try."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    exact: dict[str, str] = {}
    stems: dict[str, str] = {}
    for group, words in data.items():
        for w in words:
            w = str(w).lower()
            if w.endswith("*"):
                stems[w[:-1]] = group
            else:
                exact[w] = group
    return exact, stems, sorted({len(s) for s in stems})


_EXACT, _STEMS, _STEM_LENS = _load_lexicon()
_CJK_WORDS = [(w, g) for w, g in _EXACT.items() if re.match(r"[\u3400-\u9fff]", w)]
_LEX_TOKEN = re.compile(r"\w+")


@lru_cache(maxsize=1 << 16)
def _lexicon_group(tok: str) -> str | None:
    """The lexicon group of one lowercased word (exact entry first, then the shortest matching stem)."""
    group = _EXACT.get(tok)
    if group is None:
        for n in _STEM_LENS:
            if n > len(tok):
                break
            group = _STEMS.get(tok[:n])
            if group is not None:
                break
    return group


def lexicon_tokens(text: str) -> str:
    """Pseudo-tokens (``zzlex<group>``) for every lexicon word in lowercased ``text``."""
    out = []
    for tok in _LEX_TOKEN.findall(text):
        group = _lexicon_group(tok)
        if group is not None:
            out.append("zzlex" + group)
    if _CJK.search(text):  # no spaces between Chinese words: look for the entries as substrings
        out += ["zzlex" + g for w, g in _CJK_WORDS if w in text]
    return " ".join(out)


_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


def cjk_tokens(text: str) -> str:
    """Character unigrams and bigrams of every Chinese run, as space-separated tokens.

    Chinese is written without spaces, so the word analyser sees a whole clause as
    one token; single characters and pairs (most Chinese words are two characters)
    let the model learn from words such as 监控 (monitor) or 简历 (résumé).
    """
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out += list(run)
        out += [run[i : i + 2] for i in range(len(run) - 1)]
    return " ".join(out)


def _vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    """The word 1-2-gram vectoriser and the (unnormalised) per-word character 3-5-gram one."""
    word = HashingVectorizer(
        n_features=N_WORD,
        analyzer="word",
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b\w+\b",
        alternate_sign=False,
        norm="l2",
        dtype=np.float32,
    )
    char = HashingVectorizer(
        n_features=N_CHAR,
        analyzer="char_wb",
        ngram_range=(3, 5),
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    return word, char


_WORD, _CHAR = _vectorizers()


def char_features(texts: Sequence[str]) -> sp.csr_matrix:
    """L2-normalised counts of the hashed character 3-5-grams within each word of each text.

    The same matrix as scikit-learn's ``char_wb`` analyser over the whole texts,
    computed faster: ``char_wb`` pads and splits every whitespace-separated word
    on its own, so a text's counts are the sum of its words' counts. Each
    distinct word of the batch is analysed once and a (texts x words) count
    matrix multiplies them out (decision 0036).
    """
    vocab: dict[str, int] = {}
    indptr = [0]
    cols: list[int] = []
    for t in texts:
        cols += [vocab.setdefault(w, len(vocab)) for w in t.split()]
        indptr.append(len(cols))
    if not vocab:
        return sp.csr_matrix((len(texts), N_CHAR), dtype=np.float32)
    counts = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), np.asarray(cols, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
        shape=(len(texts), len(vocab)),
    )
    return normalize((counts @ _CHAR.transform(list(vocab))).tocsr().sorted_indices(), copy=False)


def featurise(texts: list[str], neighbours: Neighbours | None = None) -> sp.csr_matrix:
    """Texts to the hashed feature matrix (rows are texts).

    ``neighbours``: the model's map of unseen words to their nearest training words
    (neighbours.py); each mapped word adds its neighbour as a word token.
    """
    clipped = [t[:2000].lower() for t in texts]
    words = [
        t + " " + lexicon_tokens(t) + (" " + cjk_tokens(t) if _CJK.search(t) else "")
        + (" " + neighbours.tokens(t) if neighbours is not None else "")
        for t in clipped
    ]
    return sp.hstack([_WORD.transform(words), char_features(clipped)], format="csr")


def _layer_arrays(layer: HiddenLayer, prefix: str) -> dict[str, np.ndarray]:
    """A hidden layer's arrays for the weights file (W1 quantised; a scalar b2 is kept in the metadata)."""
    q, scale = quantise(layer.W1_)
    out = {
        f"{prefix}_cols": layer.cols_.astype(np.int32),
        f"{prefix}_W1": q,
        f"{prefix}_W1_scale": scale,
        f"{prefix}_b1": layer.b1_.astype(np.float32),
        f"{prefix}_w2": np.asarray(layer.w2_, dtype=np.float32),
    }
    if np.ndim(layer.b2_):
        out[f"{prefix}_b2"] = np.asarray(layer.b2_, dtype=np.float32)
    return out


def _layer_from(z: Any, prefix: str, b2: float | None = None) -> HiddenLayer | None:
    """The hidden layer stored under ``prefix`` in an open weights file, or None when it has none."""
    if f"{prefix}_W1" not in z.files:
        return None
    return HiddenLayer(
        cols_=z[f"{prefix}_cols"].astype(np.int64),
        W1_=dequantise(z[f"{prefix}_W1"], z[f"{prefix}_W1_scale"]),
        b1_=z[f"{prefix}_b1"].astype(np.float32),
        w2_=z[f"{prefix}_w2"].astype(np.float32),
        b2_=b2 if b2 is not None else z[f"{prefix}_b2"].astype(np.float32),
    )


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of class scores."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _word_column(gram: str) -> int:
    """The hashed word-feature column of a word n-gram (as the word vectoriser computes it)."""
    return abs(murmurhash3_32(gram, seed=0)) % N_WORD


def take_columns(X: sp.csr_matrix, cols: np.ndarray) -> sp.csr_matrix:
    """``X[:, cols]`` for sorted ``cols``, by remapping indices (faster than CSR column slicing)."""
    colmap = np.full(X.shape[1], -1, dtype=np.int64)
    colmap[cols] = np.arange(len(cols))
    m = colmap[X.indices]
    keep = m >= 0
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    return sp.csr_matrix((X.data[keep], (rows[keep], m[keep])), shape=(X.shape[0], len(cols)))


@dataclass
class HiddenLayer:
    """One hidden ReLU layer on a subset of the hashed feature columns.

    ``cols_`` are the feature columns it reads (those seen in training), sorted;
    ``decision(X) = relu(X[:, cols] @ W1 + b1) @ w2 + b2``: one score per text when
    ``w2`` is a vector (the harm head), one per class when it is a matrix (the
    category head).
    """

    cols_: np.ndarray  # (m,) int32, sorted
    W1_: np.ndarray  # (m, h)
    b1_: np.ndarray  # (h,)
    w2_: np.ndarray  # (h,) or (h, K)
    b2_: float | np.ndarray  # scalar or (K,)

    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        h = np.asarray(take_columns(X, self.cols_) @ self.W1_) + self.b1_
        np.maximum(h, 0.0, out=h)
        out = np.asarray(h @ self.w2_) + self.b2_
        return out if out.ndim == 2 else out.ravel()


@dataclass
class PolicyModel:
    """Learned state of both heads (trailing underscores: learned)."""

    categories_: list[str]
    harm_coef_: np.ndarray  # (F,)
    harm_intercept_: float
    platt_: tuple[float, float]  # a, b: p = sigmoid(a * decision + b)
    prior_shift_: float  # log-odds added for the deployment base rate
    cat_coef_: np.ndarray  # (K, F)
    cat_intercept_: np.ndarray  # (K,)
    meta_: dict[str, Any]
    hidden_: HiddenLayer | None = None
    #: (weight of the linear part, its mean, its sd, the hidden layer's mean, its sd)
    blend_: tuple[float, float, float, float, float] | None = None
    #: Hidden layer of the category head; P(category) is the mean of its softmax and the linear one's.
    cat_hidden_: HiddenLayer | None = None
    #: Unseen words -> nearest training words (decision 0038); None: features without them.
    neighbours_: Neighbours | None = None
    #: Fine-tuned sentence encoder whose harm log-odds join the head's (decision 0039); None: n-grams only.
    encoder_: Encoder | None = None
    #: (weight, clip): the encoder adds ``weight * clip(its log-odds, -clip, clip)`` to the log-odds.
    encoder_blend_: tuple[float, float] = (0.0, 0.0)

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The feature matrix this model reads (:func:`featurise` with the model's neighbour map)."""
        return featurise(list(texts), self.neighbours_)

    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        """The harm head's raw decision: the linear part, or its blend with the hidden layer."""
        d = np.asarray(X @ self.harm_coef_).ravel() + self.harm_intercept_
        if self.hidden_ is None or self.blend_ is None:
            return d
        w, mu_l, sd_l, mu_h, sd_h = self.blend_
        return w * (d - mu_l) / sd_l + (1.0 - w) * (self.hidden_.decision(X) - mu_h) / sd_h

    def logit(self, X: sp.csr_matrix) -> np.ndarray:
        """Calibrated log-odds of harm before the prior shift (Platt scaling of :meth:`decision`)."""
        a, b = self.platt_
        return a * self.decision(X) + b

    def text_logit(self, texts: Sequence[str]) -> np.ndarray:
        """Log-odds of harm of texts before the prior shift, the encoder's term included on every
        text (what calibration and the model veto read)."""
        return self.logit(self.features(texts)) + self.encoder_term(texts)

    @property
    def encoder_reach(self) -> float:
        """The most the encoder can move a text's log-odds either way (0 without an encoder)."""
        return self.encoder_blend_[0] * self.encoder_blend_[1] if self.encoder_ is not None else 0.0

    def encoder_term(self, texts: Sequence[str]) -> np.ndarray:
        """What the encoder adds to the n-gram log-odds of each text (zeros without an encoder)."""
        if self.encoder_ is None or not len(texts):
            return np.zeros(len(texts))
        weight, clip = self.encoder_blend_
        return weight * np.clip(self.encoder_.logit(texts), -clip, clip)

    def predict(self, X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """Return P(harmful) of shape (n,) and P(category | harmful) of shape (n, K)."""
        _, p_harm, p_cat = self.predict_all(X)
        return p_harm, p_cat

    def predict_all(self, X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`predict` with the log-odds of harm before the prior shift in front (what the
        model veto reads, veto.py): ``(logit, P(harmful), P(category | harmful))``."""
        z = self.logit(X)
        p_harm = 1.0 / (1.0 + np.exp(-(z + self.prior_shift_)))
        p_cat = softmax(np.asarray(X @ self.cat_coef_.T) + self.cat_intercept_)
        if self.cat_hidden_ is not None:
            p_cat = (p_cat + softmax(self.cat_hidden_.decision(X))) / 2.0
        return z, p_harm, p_cat

    def explain(self, text: str, k: int = 3) -> list[str]:
        """The words of ``text`` whose removal lowers the harm decision most (at most ``k``).

        Occlusion on the whole harm head, the hidden layer included: each distinct word
        is deleted in turn (all its occurrences) and the text scored again. English
        function words, single characters and numbers are not offered as evidence
        (the model weighs them, but they explain nothing to a reader). Long texts
        are cut to 2,000 characters and their words pre-screened to the
        ``EXPLAIN_WORDS`` that push hardest on their own (:meth:`_push`).
        """
        return self.explain_many([text], k)[0]

    def explain_many(self, texts: Sequence[str], k: int = 3) -> list[list[str]]:
        """:meth:`explain` for many texts, their variants scored in batches of about
        ``EXPLAIN_BATCH`` texts (long prompts have up to ``EXPLAIN_WORDS`` variants each)."""
        out: list[list[str]] = []
        variants: list[str] = []
        spans: list[list[str]] = []  # candidate words of each text in the pending batch

        def flush() -> None:
            d = self.decision(self.features(variants)) if variants else np.zeros(0)
            at = 0
            for words in spans:
                if not words:
                    out.append([])
                    continue
                drop = d[at] - d[at + 1 : at + 1 + len(words)]
                order = np.argsort(-drop, kind="stable")[:k]
                out.append([words[i] for i in order if drop[i] > 0])
                at += 1 + len(words)
            variants.clear()
            spans.clear()

        for text in texts:
            low = text[:2000].lower()
            parts = _WORD_SPLIT.split(low)  # separators at even, words at odd positions
            words = sorted({p for p in parts[1::2] if len(p) > 1 and p not in ENGLISH_STOP_WORDS and not p.isdigit()})
            if len(words) > EXPLAIN_WORDS:
                weight = [self._push(w) for w in words]
                words = [words[i] for i in np.argsort(weight, kind="stable")[::-1][:EXPLAIN_WORDS]]
            spans.append(words)
            if words:
                variants.append(low)
                variants += ["".join(" " if i % 2 and p == w else p for i, p in enumerate(parts)) for w in words]
            if len(variants) >= EXPLAIN_BATCH:
                flush()
        flush()
        return out

    def _push(self, word: str) -> float:
        """How hard a word's own features push towards harmful: its word and lexicon columns'
        linear weights, plus what its word column feeds the hidden layer's harmful side."""
        cols = [_word_column(word)] + [_word_column(t) for t in lexicon_tokens(word).split()]
        push = max(0.0, *(float(self.harm_coef_[c]) for c in cols))
        if self.hidden_ is not None:
            at = int(np.searchsorted(self.hidden_.cols_, cols[0]))
            if at < len(self.hidden_.cols_) and self.hidden_.cols_[at] == cols[0]:
                push += float(np.maximum(self.hidden_.W1_[at] * self.hidden_.w2_, 0.0).sum())
        return push

    def save(self, path: Path) -> None:
        W = sp.csr_matrix(np.vstack([self.harm_coef_[None, :], self.cat_coef_]).astype(np.float32))
        meta = dict(self.meta_)
        meta.update(
            format=FORMAT_VERSION,
            categories=self.categories_,
            harm_intercept=float(self.harm_intercept_),
            platt=list(self.platt_),
            prior_shift=float(self.prior_shift_),
            cat_intercept=[float(x) for x in self.cat_intercept_],
        )
        arrays: dict[str, Any] = dict(
            data=W.data.astype(np.float16),
            indices=W.indices.astype(np.int32),
            indptr=W.indptr.astype(np.int64),
            shape=np.asarray(W.shape),
        )
        if self.hidden_ is not None and self.blend_ is not None:
            meta.update(hidden_b2=float(self.hidden_.b2_), blend=[float(x) for x in self.blend_])
            arrays.update(_layer_arrays(self.hidden_, "hidden"))
        if self.cat_hidden_ is not None:
            arrays.update(_layer_arrays(self.cat_hidden_, "cat_hidden"))
        if self.neighbours_ is not None:
            arrays["neighbours"] = np.asarray(self.neighbours_.dumps())
        if self.encoder_ is not None:
            meta.update(encoder_blend=list(self.encoder_blend_))
            arrays.update(self.encoder_.arrays())
        np.savez_compressed(path, meta=np.asarray(json.dumps(meta)), **arrays)

    @classmethod
    def load(cls, path: str | Path | None = None) -> PolicyModel:
        p = Path(path) if path is not None else DEFAULT_MODEL
        try:
            with np.load(p, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                W = sp.csr_matrix(
                    (z["data"].astype(np.float32), z["indices"], z["indptr"]), shape=tuple(z["shape"])
                )
                hidden = _layer_from(z, "hidden", float(meta["hidden_b2"]) if "hidden_W1" in z.files else None)
                cat_hidden = _layer_from(z, "cat_hidden")
                neighbours = Neighbours.loads(str(z["neighbours"])) if "neighbours" in z.files else None
                encoder = Encoder.from_arrays(z)
        except (OSError, KeyError, ValueError) as exc:  # EncoderError is a ValueError
            raise ModelError(
                f"cannot load policy model {p}: {exc}. Re-create it with "
                "`python scripts/train_policy_model.py`."
            ) from exc
        if meta.get("format") not in READS_FORMATS or W.shape[1] != N_WORD + N_CHAR:
            raise ModelError(
                f"{p}: model format {meta.get('format')} is not one this code reads {READS_FORMATS}; re-create it "
                "with `python scripts/train_policy_model.py`"
            )
        dense = W.toarray()
        return cls(
            categories_=list(meta["categories"]),
            harm_coef_=dense[0],
            harm_intercept_=float(meta["harm_intercept"]),
            platt_=(float(meta["platt"][0]), float(meta["platt"][1])),
            prior_shift_=float(meta["prior_shift"]),
            cat_coef_=dense[1:],
            cat_intercept_=np.asarray(meta["cat_intercept"], dtype=np.float32),
            meta_=meta,
            hidden_=hidden,
            blend_=tuple(float(x) for x in meta["blend"]) if hidden is not None else None,  # type: ignore[arg-type]
            cat_hidden_=cat_hidden,
            neighbours_=neighbours,
            encoder_=encoder,
            encoder_blend_=tuple(float(x) for x in meta.get("encoder_blend", (0.0, 0.0))),  # type: ignore[arg-type]
        )
