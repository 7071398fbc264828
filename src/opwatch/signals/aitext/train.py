"""Training and calibration of the offline AI-text model, shared by the script and the benchmark.

Owns: reading fast-detect-gpt ``*.raw_data.json`` files (aligned human
``original`` / machine ``sampled`` lists), removing the prompt prefix that each
machine text shares with its human original (from both), the deterministic
train / calibration / test split by prompt (so a human text and every machine
continuation of it land on the same side), fitting the linear model, and
freezing the 1% FPR thresholds on the calibration humans only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import xxhash

from opwatch.signals.aitext.normalise import normalise
from opwatch.signals.aitext.offline import (
    ByteBatch,
    FeatureConfig,
    OfflineScorer,
    OfflineWeights,
    dense_features,
    fit_threshold,
    ngram_matrix,
)

DOMAINS = ("xsum", "squad", "writing")
GENERATORS = ("gpt2-xl", "gpt-j-6B", "gpt-neo-2.7B", "gpt-neox-20b", "opt-2.7b")
#: fraction of prompts in each split (train, calibration, test)
SPLIT = (0.55, 0.20, 0.25)
ACCOUNT_SIZES = (2, 3, 5, 10, 20, 50, 100)

SOURCES = [
    {
        "name": "fast-detect-gpt raw_data.json (machine continuations, pairing)",
        "origin": "https://github.com/baoguangsheng/fast-detect-gpt",
        "licence": "MIT",
    },
    {
        "name": "XSum (BBC articles, human side of xsum_*)",
        "origin": "https://github.com/EdinburghNLP/XSum",
        "licence": "research use; BBC content, see the XSum repository",
    },
    {
        "name": "SQuAD 1.1/2.0 contexts (Wikipedia, human side of squad_*)",
        "origin": "https://rajpurkar.github.io/SQuAD-explorer/",
        "licence": "CC BY-SA 4.0",
    },
    {
        "name": "WritingPrompts (Reddit r/WritingPrompts, human side of writing_*)",
        "origin": "https://github.com/facebookresearch/fairseq/tree/main/examples/stories",
        "licence": "unstated (Reddit content; released by Fan et al. 2018 for research)",
    },
]


@dataclass(frozen=True)
class Sample:
    text: str  # normalised, shared prefix removed
    label: int  # 1 machine, 0 human
    domain: str
    generator: str | None  # None for human texts
    prompt: str  # the shared prefix's key: groups a human text with its continuations
    split: str  # "train", "calib" or "test"


def strip_shared_prefix(human: str, machine: str) -> tuple[str, str, int]:
    """Drop the leading words both texts share; returns both rests and the word count removed."""
    a, b = human.split(), machine.split()
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return " ".join(a[i:]), " ".join(b[i:]), i


def split_of(key: str) -> str:
    """Deterministic split of a prompt key (stable across machines and Python versions)."""
    u = xxhash.xxh64_intdigest(key.encode("utf-8")) / 2.0**64
    if u < SPLIT[0]:
        return "train"
    if u < SPLIT[0] + SPLIT[1]:
        return "calib"
    return "test"


def load_fastdetect(root: str | Path, min_words: int = 20) -> list[Sample]:
    """Read every ``{domain}_{generator}.raw_data.json`` under ``root`` into samples.

    Human originals repeat across the generator files of a domain; each is kept
    once, with the longest prefix any of its continuations shared removed.
    Texts shorter than ``min_words`` words after stripping are dropped.
    """
    root = Path(root)
    files = sorted(root.glob("*.raw_data.json"))
    if not files:
        raise FileNotFoundError(f"no *.raw_data.json files under {root}")
    machine: list[Sample] = []
    humans: dict[tuple[str, str], tuple[str, int]] = {}  # (domain, prompt) -> (longest text, cut)
    for f in files:
        domain, _, generator = f.name.removesuffix(".raw_data.json").partition("_")
        data = json.loads(f.read_text(encoding="utf-8"))
        for h, m in zip(data["original"], data["sampled"], strict=True):
            h_rest, m_rest, cut = strip_shared_prefix(h, m)
            key = " ".join(h.split()[:12])
            if len(m_rest.split()) >= min_words:
                machine.append(
                    Sample(normalise(m_rest), 1, domain, generator, key, split_of(domain + key))
                )
            old = humans.get((domain, key))
            if old is None:
                humans[(domain, key)] = (h, cut)
            else:  # the same original, truncated to another length: keep the longest
                humans[(domain, key)] = (max(old[0], h, key=len), max(old[1], cut))
    human: list[Sample] = []
    for (domain, key), (h, cut) in humans.items():
        rest = " ".join(h.split()[cut:])
        if len(rest.split()) >= min_words:
            human.append(Sample(normalise(rest), 0, domain, None, key, split_of(domain + key)))
    return human + machine


def with_crops(samples: Sequence[Sample], min_words: int = 8, seed: int = 0) -> list[Sample]:
    """Each sample plus one copy cut to a random number of leading words (>= ``min_words``).

    Posts are short; training and calibrating on crops keeps the score and its
    threshold valid for short texts instead of extrapolating from long ones.
    """
    rng = np.random.default_rng(seed)
    out = list(samples)
    for s in samples:
        words = s.text.split()
        if len(words) > min_words:
            k = int(rng.integers(min_words, len(words)))
            out.append(replace(s, text=" ".join(words[:k])))
    return out


def _features(texts: Sequence[str], cfg: FeatureConfig) -> tuple[sp.csr_matrix, np.ndarray]:
    batch = ByteBatch.of(texts, cfg.max_bytes)
    return ngram_matrix(batch, cfg), dense_features(batch)


def account_thresholds(
    human_logits: np.ndarray, sizes: Iterable[int] = ACCOUNT_SIZES, fpr: float = 0.01,
    draws: int = 4000, seed: int = 0,
) -> dict[int, float]:
    """Mean-logit thresholds at ``fpr`` for accounts of n random held-out human texts."""
    rng = np.random.default_rng(seed)
    out: dict[int, float] = {}
    for n in sizes:
        if n > len(human_logits):
            break
        idx = np.argsort(rng.random((draws, len(human_logits))), axis=1)[:, :n]
        out[n] = fit_threshold(human_logits[idx].mean(axis=1), fpr)
    return out


def fit_offline(
    train: Sequence[Sample],
    calib_humans: Sequence[Sample],
    cfg: FeatureConfig | None = None,
    c: float = 4.0,
    fpr: float = 0.01,
) -> OfflineWeights:
    """Fit the class-balanced logistic model on ``train``; freeze thresholds on ``calib_humans``.

    Both sets are augmented with a random-length crop of each text (:func:`with_crops`).
    """
    from sklearn.linear_model import LogisticRegression

    cfg = cfg or FeatureConfig()
    if any(s.label != 0 for s in calib_humans):
        raise ValueError("calibration samples must all be human")
    n_train, n_calib = len(train), len(calib_humans)
    train = with_crops(train, cfg.min_words)
    calib_humans = with_crops(calib_humans, cfg.min_words, seed=1)
    x_h, d = _features([s.text for s in train], cfg)
    mean = d.mean(axis=0)
    scale = d.std(axis=0)
    scale[scale == 0] = 1.0
    x = sp.hstack([x_h, sp.csr_matrix((d - mean) / scale)], format="csr")
    y = np.array([s.label for s in train])
    model = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", max_iter=500, random_state=0
    )
    model.fit(x, y)
    coef = model.coef_.ravel()
    w = OfflineWeights(
        config=cfg,
        coef_hashed=coef[: cfg.n_features].astype(np.float16).astype(np.float32),
        coef_dense=coef[cfg.n_features :],
        dense_mean=mean,
        dense_scale=scale,
        intercept=float(model.intercept_[0]),
        threshold_logit=math.inf,
    )
    logits = OfflineScorer(w).logits([s.text for s in calib_humans], normalised=True)
    logits = logits[np.isfinite(logits)]
    w.threshold_logit = fit_threshold(logits, fpr)
    w.account_thresholds = account_thresholds(logits, fpr=fpr)
    w.meta = {
        "fpr": fpr,
        "n_train": n_train,
        "n_train_machine": int(sum(s.label for s in train[:n_train])),
        "n_calibration_humans": n_calib,
        "crops": "each text plus one random-length crop of its leading words (>= min_words)",
        "C": c,
    }
    return w
