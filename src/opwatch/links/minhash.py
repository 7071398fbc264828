"""MinHash LSH over token sets, vectorised with numpy, with exact verification.

``near_duplicate_pairs(token_sets, threshold)`` returns the pairs of documents
whose word-set Jaccard similarity is at least ``threshold``: candidates come
from banded MinHash signatures (blocking), and every candidate is checked
exactly, so the result has no false positives. Buckets larger than
``max_bucket`` are verified against their first member only (a star), which
keeps a text copied thousands of times linear instead of quadratic; union-find
over the verified pairs still joins all its copies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import xxhash

_PRIME = np.uint64(4294967311)  # smallest prime above 2**32
_TOKEN = re.compile(r"\w+", re.UNICODE)
_MENTION_URL = re.compile(r"(?:https?://\S+|www\.\S+|@\w+)", re.UNICODE)
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_DIGIT = re.compile(r"\d")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def tokens(text: str) -> list[str]:
    """Normalised word tokens: NFKC, lower case, no zero-width characters, URLs or mentions,
    digits folded to 0. CJK runs (no spaces between words) become character bigrams."""
    t = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).lower()
    t = _DIGIT.sub("0", _MENTION_URL.sub(" ", t))
    out: list[str] = []
    for w in _TOKEN.findall(t):
        if len(w) > 2 and _CJK.search(w):
            out.extend(w[i : i + 2] for i in range(len(w) - 1))
        else:
            out.append(w)
    return out


def token_ids(docs: Sequence[Sequence[str]], common_df: float | None = None) -> list[np.ndarray]:
    """Each document's distinct tokens as sorted 32-bit hashes.

    With ``common_df``, tokens found in more than that share of the documents (the
    corpus's own stop words, whatever the language) are left out; only applied from
    200 documents on, where a share means something.
    """
    vocab: dict[str, int] = {}
    ids = [np.unique(np.fromiter((vocab.setdefault(w, len(vocab)) for w in doc), np.int64)) for doc in docs]
    hashes = np.fromiter((xxhash.xxh32_intdigest(w.encode("utf-8")) for w in vocab), np.uint64, len(vocab))
    keep = np.ones(len(vocab), dtype=bool)
    if common_df is not None and len(docs) >= 200 and vocab:
        flat = np.concatenate(ids) if ids else np.empty(0, np.int64)
        df = np.bincount(flat, minlength=len(vocab))
        keep = df <= common_df * len(docs)
    return [np.sort(hashes[d[keep[d]]]) for d in ids]


def signatures(sets: Sequence[np.ndarray], num_perm: int = 64, seed: int = 1) -> np.ndarray:
    """MinHash signatures, shape (len(sets), num_perm); empty sets get all-max rows."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**31 - 1, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, 2**31 - 1, size=num_perm, dtype=np.uint64)
    n = len(sets)
    sig = np.full((n, num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=n)
    nonempty = np.flatnonzero(lengths > 0)
    if nonempty.size == 0:
        return sig
    flat = np.concatenate([sets[i] for i in nonempty.tolist()])
    starts = np.concatenate([[0], np.cumsum(lengths[nonempty])[:-1]])
    for j in range(num_perm):
        vals = (a[j] * flat + b[j]) % _PRIME
        sig[nonempty, j] = np.minimum.reduceat(vals, starts)
    return sig


_triu: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def candidate_pairs(sig: np.ndarray, bands: int, rows: int, max_bucket: int = 50) -> np.ndarray:
    """Pairs (i, j), i < j, that agree on all ``rows`` rows of at least one of ``bands`` bands."""
    n = sig.shape[0]
    found: list[np.ndarray] = []
    for band in range(bands):
        block = sig[:, band * rows : (band + 1) * rows]
        h = np.zeros(n, dtype=np.uint64)
        for c in range(rows):
            h = (h * np.uint64(1099511628211)) ^ block[:, c]
        valid = block[:, 0] != np.iinfo(np.uint64).max
        idx = np.flatnonzero(valid)
        order = idx[np.argsort(h[idx], kind="stable")]
        hs = h[order]
        if order.size < 2:
            continue
        bounds = np.concatenate([[0], np.flatnonzero(np.diff(hs)) + 1, [hs.size]])
        sizes = np.diff(bounds)
        twos = bounds[:-1][sizes == 2]  # the common case, vectorised
        if twos.size:
            found.append(np.stack([order[twos], order[twos + 1]], axis=1))
        for g in np.flatnonzero(sizes > 2).tolist():
            group = order[bounds[g] : bounds[g + 1]]
            if group.size > max_bucket:  # star: everyone against the first member
                found.append(np.stack([np.full(group.size - 1, group[0]), group[1:]], axis=1))
            else:
                tri = _triu.get(group.size)
                if tri is None:
                    tri = _triu[group.size] = np.triu_indices(group.size, k=1)
                found.append(np.stack([group[tri[0]], group[tri[1]]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found).astype(np.int64)
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def exact_jaccard(sets: Sequence[np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """Exact Jaccard similarity of each pair of sets, vectorised through a sparse incidence matrix."""
    if len(pairs) == 0:
        return np.empty(0)
    from scipy.sparse import csr_matrix

    lengths = np.fromiter((len(x) for x in sets), dtype=np.int64, count=len(sets))
    flat = np.concatenate(list(sets)) if len(sets) else np.empty(0, np.uint64)
    _, cols = np.unique(flat, return_inverse=True)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    m = csr_matrix((np.ones(flat.size, dtype=np.float32), cols, indptr), shape=(len(sets), int(cols.max(initial=0)) + 1))
    out = np.empty(len(pairs))
    for lo in range(0, len(pairs), 100_000):
        c = pairs[lo : lo + 100_000]
        inter = np.asarray(m[c[:, 0]].multiply(m[c[:, 1]]).sum(axis=1)).ravel()
        union = lengths[c[:, 0]] + lengths[c[:, 1]] - inter
        out[lo : lo + 100_000] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    return out


def choose_bands(num_perm: int, threshold: float, recall: float = 0.98) -> tuple[int, int]:
    """(bands, rows): the most rows per band (fewest chance candidates) for which a pair
    at ``threshold`` still becomes a candidate with probability ≥ ``recall``."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


def near_duplicate_pairs(
    sets: Sequence[np.ndarray], threshold: float = 0.6, num_perm: int = 128, max_bucket: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Verified pairs (i, j) with Jaccard ≥ threshold, and their similarities.

    Identical sets are collapsed first (every copy is paired with the first, similarity 1);
    candidates are pre-screened by their signatures' agreement (an unbiased Jaccard
    estimate, kept down to ``threshold - 0.2``) before the exact check.
    """
    n = len(sets)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    first_of: dict[bytes, int] = {}
    rep = np.empty(n, dtype=np.int64)
    for i, st in enumerate(sets):
        rep[i] = first_of.setdefault(st.tobytes(), i)
    copies = np.flatnonzero(rep != np.arange(n))
    exact = np.stack([rep[copies], copies], axis=1)
    uniq = np.flatnonzero(rep == np.arange(n))
    sig = signatures([sets[i] for i in uniq.tolist()], num_perm)
    bands, rows = choose_bands(num_perm, threshold)
    cand = candidate_pairs(sig, bands, rows, max_bucket)
    if cand.size:
        est = np.empty(len(cand))
        for lo in range(0, len(cand), 200_000):
            c = cand[lo : lo + 200_000]
            est[lo : lo + 200_000] = (sig[c[:, 0]] == sig[c[:, 1]]).mean(axis=1)
        cand = cand[est >= threshold - 0.2]
    sims = exact_jaccard([sets[i] for i in uniq.tolist()], cand)
    keep = sims >= threshold
    found = uniq[cand[keep]] if cand.size else np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate([exact, found.reshape(-1, 2)]).astype(np.int64)
    return pairs, np.concatenate([np.ones(len(exact)), sims[keep]])


def clusters(n: int, pairs: np.ndarray) -> np.ndarray:
    """Connected components (union-find) of ``n`` items joined by ``pairs``: a label per item."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if pairs.size == 0:
        return np.arange(n)
    m = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(m, directed=False)
    return np.asarray(labels)
