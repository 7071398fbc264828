"""The offline AI-text score: no downloads, thousands of texts a second on a laptop.

Owns the features (hashed character n-grams of the normalised, lower-cased text,
plus a few dense stylometric numbers: zlib compression ratio, word and sentence
length statistics, punctuation and repetition rates), the linear model that
combines them, its weights file format, the 1% false-positive-rate thresholds
stored with the weights, and per-account aggregation.

Calibration, as stored in the weights (``meta.json`` inside the ``.npz``):
``score = sigmoid(logit)`` from a class-balanced logistic model, and
``threshold`` is the score above which 1% of *held-out* human texts fall
(frozen on a calibration split the model never trained on). Per account, the
mean logit of ``n`` texts is compared with ``account_threshold(n)``, fitted the
same way on random groups of ``n`` held-out human texts. Texts by one real
person are more alike than random texts, so the account-level false-positive
rate on real accounts is likely higher than 1%: use it as evidence, not verdict.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from opwatch.signals.aitext.normalise import normalise

DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights" / "offline.npz"

DENSE_NAMES: tuple[str, ...] = (
    "compression_ratio",
    "log_bytes",
    "word_len_mean",
    "sentence_end_rate",
    "comma_rate",
    "semicolon_colon_rate",
    "exclaim_question_rate",
    "quote_rate",
    "paren_dash_rate",
    "digit_rate",
    "upper_rate",
    "capitalised_word_rate",
)

_PRIME = np.uint32(16777619)  # FNV-1a 32-bit
_MIX = np.uint32(0x9E3779B1)  # golden-ratio multiplier (multiplicative hashing)


@dataclass
class FeatureConfig:
    """How texts become features; saved with the weights so training and scoring agree."""

    bits: int = 16  # 2**bits hashed columns
    ngrams: tuple[int, ...] = (1, 2, 3, 4, 5)
    max_bytes: int = 4000
    min_words: int = 8  # shorter texts get no score (NaN): too little to go on

    @property
    def n_features(self) -> int:
        return 1 << self.bits

    def to_dict(self) -> dict[str, Any]:
        return {"bits": self.bits, "ngrams": list(self.ngrams), "max_bytes": self.max_bytes,
                "min_words": self.min_words}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureConfig:
        return cls(int(d["bits"]), tuple(int(n) for n in d["ngrams"]), int(d["max_bytes"]), int(d["min_words"]))


@dataclass
class ByteBatch:
    """A batch of normalised texts as one UTF-8 byte array with a document id per byte."""

    raw: list[bytes]  # per text, truncated to max_bytes
    data: np.ndarray  # uint8, all texts concatenated
    doc: np.ndarray  # int64, the text each byte belongs to
    lens: np.ndarray  # int64, bytes per text

    @classmethod
    def of(cls, texts: Sequence[str], max_bytes: int) -> ByteBatch:
        raw = [t.encode("utf-8")[:max_bytes] for t in texts]
        lens = np.fromiter((len(b) for b in raw), dtype=np.int64, count=len(raw))
        data = np.frombuffer(b"".join(raw), dtype=np.uint8)
        doc = np.repeat(np.arange(len(raw), dtype=np.int64), lens)
        return cls(raw, data, doc, lens)


def ngram_hashes(batch: ByteBatch, cfg: FeatureConfig) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For each n-gram size ``n``: (n, hashed column of the n-gram starting at each byte, valid).

    A rolling FNV-1a hash over the lower-cased, concatenated bytes, extended by
    one byte per size; ``valid`` is false where the n-gram would cross into the
    next text. Columns are the top ``cfg.bits`` bits of a multiplicative mix.
    """
    low = batch.data.copy()
    low[(low >= 65) & (low <= 90)] += 32
    data = low.astype(np.uint32)
    total = len(data)
    shift = np.uint32(32 - cfg.bits)
    h = np.full(total, 2166136261, dtype=np.uint32)
    with np.errstate(over="ignore"):
        for n in range(1, max(cfg.ngrams) + 1):
            m = total - n + 1
            if m <= 0:
                return
            h = (h[:m] ^ data[n - 1 : n - 1 + m]) * _PRIME
            if n in cfg.ngrams:
                col = ((h ^ (h >> np.uint32(15))) * _MIX) >> shift
                yield n, col, batch.doc[:m] == batch.doc[n - 1 : n - 1 + m]


def _ngrams_per_doc(batch: ByteBatch, cfg: FeatureConfig) -> np.ndarray:
    return sum((np.maximum(batch.lens - n + 1, 0) for n in cfg.ngrams), np.zeros(len(batch.lens)))


def ngram_matrix(batch: ByteBatch, cfg: FeatureConfig) -> sp.csr_matrix:
    """Hashed n-gram counts divided by sqrt(n-grams in the text) (for training)."""
    n_docs = len(batch.lens)
    scale = 1.0 / np.sqrt(np.maximum(_ngrams_per_doc(batch, cfg), 1.0))
    docs, cols = [], []
    for _n, col, valid in ngram_hashes(batch, cfg):
        docs.append(batch.doc[: len(col)][valid])
        cols.append(col[valid].astype(np.int64))
    if not docs:
        return sp.csr_matrix((n_docs, cfg.n_features))
    doc = np.concatenate(docs)
    mat = sp.csr_matrix(
        (scale[doc], (doc, np.concatenate(cols))), shape=(n_docs, cfg.n_features), dtype=np.float64
    )
    mat.sum_duplicates()
    return mat


def ngram_scores(batch: ByteBatch, cfg: FeatureConfig, coef: np.ndarray) -> np.ndarray:
    """``ngram_matrix(batch) @ coef`` without building the matrix (for scoring)."""
    n_docs = len(batch.lens)
    sums = np.zeros(n_docs)
    for _n, col, valid in ngram_hashes(batch, cfg):
        sums += np.bincount(batch.doc[: len(col)], weights=coef[col] * valid, minlength=n_docs)
    return sums / np.sqrt(np.maximum(_ngrams_per_doc(batch, cfg), 1.0))


def _count(batch: ByteBatch, chars: bytes) -> np.ndarray:
    mask = np.isin(batch.data, np.frombuffer(chars, dtype=np.uint8))
    return np.bincount(batch.doc[mask], minlength=len(batch.lens)).astype(np.float64)


def dense_features(batch: ByteBatch) -> np.ndarray:
    """Stylometric numbers per text, columns named by :data:`DENSE_NAMES` (vectorised)."""
    n_docs = len(batch.lens)
    if n_docs == 0:
        return np.zeros((0, len(DENSE_NAMES)))
    nbytes = np.maximum(batch.lens.astype(np.float64), 1.0)
    comp = np.array([len(zlib.compress(b, 6)) / max(len(b), 1) for b in batch.raw])
    spaces = _count(batch, b" ")
    words = spaces + 1.0
    d = batch.data
    upper = (d >= 65) & (d <= 90)
    digit = (d >= 48) & (d <= 57)
    upper_n = np.bincount(batch.doc[upper], minlength=n_docs)
    digit_n = np.bincount(batch.doc[digit], minlength=n_docs)
    cap_start = np.zeros(len(d), dtype=bool)
    if len(d):
        cap_start[1:] = upper[1:] & (d[:-1] == 32)
        starts = np.concatenate([[0], np.cumsum(batch.lens)[:-1]])
        starts = starts[batch.lens > 0]
        cap_start[starts] = upper[starts]
    cap_n = np.bincount(batch.doc[cap_start], minlength=n_docs)
    cols = [
        comp,
        np.log1p(nbytes),
        (nbytes - spaces) / words,
        _count(batch, b".!?") / words,
        _count(batch, b",") / words,
        _count(batch, b";:") / words,
        _count(batch, b"!?") / words,
        _count(batch, b"\"'") / words,
        _count(batch, b"()-") / words,
        digit_n / nbytes,
        upper_n / nbytes,
        cap_n / words,
    ]
    return np.column_stack(cols)


def fit_threshold(human_scores: np.ndarray, fpr: float = 0.01) -> float:
    """The score above which at most ``fpr`` of ``human_scores`` lie (flag when ``score > t``)."""
    h = np.sort(np.asarray(human_scores, dtype=np.float64))
    if h.size == 0:
        raise ValueError("fit_threshold needs at least one human score")
    k = int(math.floor(fpr * h.size))  # how many may lie above
    return float(h[h.size - 1 - k])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


@dataclass
class OfflineWeights:
    """Everything the offline scorer needs; saved as one small ``.npz``."""

    config: FeatureConfig
    coef_hashed: np.ndarray  # (n_features,)
    coef_dense: np.ndarray  # (len(DENSE_NAMES),)
    dense_mean: np.ndarray
    dense_scale: np.ndarray
    intercept: float
    threshold_logit: float  # 1% FPR on held-out human texts
    account_thresholds: dict[int, float] = field(default_factory=dict)  # n -> mean-logit threshold
    meta: dict[str, Any] = field(default_factory=dict)

    def save(self, path: str | Path) -> None:
        meta = dict(self.meta)
        meta.update(
            config=self.config.to_dict(),
            intercept=self.intercept,
            threshold_logit=self.threshold_logit,
            account_thresholds={str(k): v for k, v in sorted(self.account_thresholds.items())},
            dense_names=list(DENSE_NAMES),
        )
        np.savez_compressed(
            path,
            coef_hashed=self.coef_hashed.astype(np.float16),
            coef_dense=self.coef_dense.astype(np.float32),
            dense_mean=self.dense_mean.astype(np.float32),
            dense_scale=self.dense_scale.astype(np.float32),
            meta=np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8),
        )

    @classmethod
    def load(cls, path: str | Path) -> OfflineWeights:
        with np.load(path) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.get("dense_names") != list(DENSE_NAMES):
                raise ValueError(f"{path}: weights were trained with other dense features; retrain")
            return cls(
                config=FeatureConfig.from_dict(meta["config"]),
                coef_hashed=z["coef_hashed"].astype(np.float32),
                coef_dense=z["coef_dense"].astype(np.float64),
                dense_mean=z["dense_mean"].astype(np.float64),
                dense_scale=z["dense_scale"].astype(np.float64),
                intercept=float(meta["intercept"]),
                threshold_logit=float(meta["threshold_logit"]),
                account_thresholds={int(k): float(v) for k, v in meta["account_thresholds"].items()},
                meta=meta,
            )


class OfflineScorer:
    """Scores texts 0..1 (higher = more machine-like) with the shipped or given weights."""

    def __init__(self, weights: str | Path | OfflineWeights | None = None) -> None:
        if isinstance(weights, OfflineWeights):
            self.weights_ = weights
            #: where the weights came from (memo key for results computed with them)
            self.source_ = f"object:{id(weights)}"
        else:
            path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
            self.source_ = str(path.resolve())
            if not path.exists():
                raise FileNotFoundError(
                    f"no AI-text weights at {path}; run `python scripts/train_aitext.py` to build them"
                )
            self.weights_ = OfflineWeights.load(path)

    @property
    def threshold(self) -> float:
        """Score above which 1% of held-out human texts fall."""
        return float(_sigmoid(np.array(self.weights_.threshold_logit)))

    def components(
        self, texts: Sequence[str], normalised: bool = False, chunk: int = 8192
    ) -> dict[str, np.ndarray]:
        """Per-text parts of the logit: ``ngram``, ``style`` (dense), ``logit``, ``n_words``, dense values.

        ``logit`` is NaN for texts under ``min_words`` words. Texts are processed
        ``chunk`` at a time, so memory stays bounded.
        """
        w = self.weights_
        parts: list[dict[str, np.ndarray]] = []
        for start in range(0, max(len(texts), 1), chunk):
            part = texts[start : start + chunk]
            norm = list(part) if normalised else [normalise(t) for t in part]
            batch = ByteBatch.of(norm, w.config.max_bytes)
            d = dense_features(batch)
            ngram = ngram_scores(batch, w.config, w.coef_hashed)
            style = ((d - w.dense_mean) / w.dense_scale) @ w.coef_dense
            logit = ngram + style + w.intercept
            words = np.fromiter((len(t.split()) for t in norm), dtype=np.int64, count=len(norm))
            logit[words < w.config.min_words] = np.nan
            out = {"ngram": ngram, "style": style, "logit": logit, "n_words": words.astype(np.float64)}
            out.update({name: d[:, i] for i, name in enumerate(DENSE_NAMES)})
            parts.append(out)
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def logits(self, texts: Sequence[str], normalised: bool = False) -> np.ndarray:
        return self.components(texts, normalised)["logit"]

    def score(self, texts: Sequence[str], normalised: bool = False) -> np.ndarray:
        """Probability-like machine score in 0..1 per text; NaN under ``min_words`` words.

        See the module doc for the calibration (``self.threshold``).
        """
        return _sigmoid(self.logits(texts, normalised))

    def account_threshold(self, n: int) -> float:
        """Mean-logit threshold for an account of ``n`` texts at 1% FPR (interpolated in log n)."""
        table = self.weights_.account_thresholds
        if not table or n <= 1:
            return self.weights_.threshold_logit
        ks = sorted(table)
        if n >= ks[-1]:
            return table[ks[-1]]  # conservative: larger accounts would allow a lower bar
        xs = np.log([1.0, *[float(k) for k in ks]])
        ys = [self.weights_.threshold_logit, *[table[k] for k in ks]]
        return float(np.interp(math.log(n), xs, ys))


def aggregate_accounts(
    accounts: Sequence[str],
    scores: np.ndarray,
    scorer: OfflineScorer | None = None,
    min_texts: int = 1,
) -> pa.Table:
    """Aggregate per-text scores (0..1) per account: mean log-odds against a 1% FPR bar for n.

    Returns a table with ``account``, ``n_texts``, ``mean_logit``, ``score``
    (sigmoid of the mean logit), ``threshold_logit`` (for that n; null without a
    scorer) and ``above_threshold``. NaN scores (too-short texts) are ignored;
    accounts with fewer than ``min_texts`` scored texts are left out.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if len(accounts) != len(scores):
        raise ValueError(f"{len(accounts)} accounts but {len(scores)} scores")
    ok = np.isfinite(scores)
    p = np.clip(scores[ok], 1e-6, 1 - 1e-6)
    logit = np.log(p) - np.log1p(-p)
    names = np.asarray(accounts, dtype=object).astype(str)[ok]
    keys, inverse = np.unique(names, return_inverse=True)
    counts = np.bincount(inverse, minlength=len(keys))
    sums = np.bincount(inverse, weights=logit, minlength=len(keys))
    keep = counts >= min_texts
    mean = sums[keep] / counts[keep]
    n = counts[keep]
    if scorer is not None:
        thr = np.array([scorer.account_threshold(int(k)) for k in n])
        above = pa.array(mean > thr)
        thr_col = pa.array(thr)
    else:
        above = pa.nulls(int(keep.sum()), pa.bool_())
        thr_col = pa.nulls(int(keep.sum()), pa.float64())
    return pa.table(
        {
            "account": pa.array(keys[keep].tolist(), pa.string()),
            "n_texts": pa.array(n, pa.int64()),
            "mean_logit": pa.array(mean),
            "score": pa.array(_sigmoid(mean)),
            "threshold_logit": thr_col,
            "above_threshold": above,
        }
    )
