"""Vectorised set-similarity joins over MinHash signatures, with exact Jaccard checks.

Built on :mod:`opwatch.links.minhash` (signatures, union-find) for the layers
that compare many token sets at once:

- :func:`families`: near-duplicate *families* within one collection. Each LSH
  bucket is checked as a star around its first member (no all-pairs loop), so a
  popular scaffold with thousands of variants costs linear time; clear cases are
  decided by the MinHash estimate, the uncertain ones exactly; union-find over
  the accepted edges joins the family.
- :func:`bipartite_candidates`: pairs between two collections (responses vs.
  posts) that agree on at least one band, never pairs within one side.
- :func:`jaccard_pairs`: exact Jaccard (and intersection) of many pairs at once
  through sparse matrix products.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix

from opwatch.links.minhash import choose_bands, clusters, signatures

_FNV = np.uint64(1099511628211)


def _band_keys(sig: np.ndarray, band: int, rows: int) -> np.ndarray:
    h = np.zeros(len(sig), dtype=np.uint64)
    for c in range(band * rows, (band + 1) * rows):
        h = (h * _FNV) ^ sig[:, c]
    return h


def binary_matrix(sets: Sequence[np.ndarray], vocab: np.ndarray) -> csr_matrix:
    """Rows = sets, columns = positions in sorted ``vocab`` (which must hold every element)."""
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    flat = np.concatenate(list(sets)) if lengths.sum() else np.zeros(0, np.uint64)
    cols = np.searchsorted(vocab, flat)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    return csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(sets), len(vocab)))


def jaccard_pairs(x: csr_matrix, y: csr_matrix, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Jaccard, intersection size) of rows ``x[i]`` and ``y[j]`` for each pair ``(i, j)``."""
    if len(pairs) == 0:
        return np.zeros(0), np.zeros(0)
    inter = np.asarray(x[pairs[:, 0]].multiply(y[pairs[:, 1]]).sum(axis=1)).ravel()
    size_x = np.asarray(x.sum(axis=1)).ravel()[pairs[:, 0]]
    size_y = np.asarray(y.sum(axis=1)).ravel()[pairs[:, 1]]
    return inter / np.maximum(size_x + size_y - inter, 1), inter


def families(sets: Sequence[np.ndarray], threshold: float, num_perm: int = 64, margin: float = 0.2) -> np.ndarray:
    """A family label per set: connected components of Jaccard >= ``threshold`` edges.

    A candidate whose MinHash estimate is ``margin`` (3 standard deviations at 64
    permutations) or more above the threshold is accepted, one as far below is
    rejected, and the rest are checked exactly.
    """
    n = len(sets)
    if n < 2:
        return np.arange(n)
    sig = signatures(sets, num_perm)
    bands, rows = choose_bands(num_perm, threshold)
    found = []
    for band in range(bands):
        keys = _band_keys(sig, band, rows)
        order = np.argsort(keys, kind="stable")
        ks = keys[order]
        first = np.ones(n, dtype=bool)
        first[1:] = ks[1:] != ks[:-1]
        leader = order[np.maximum.accumulate(np.where(first, np.arange(n), 0))]
        member = ~first
        found.append(np.stack([leader[member], order[member]], axis=1))
    pairs = np.unique(np.sort(np.concatenate(found), axis=1), axis=0)
    nonempty = np.fromiter((len(s) > 0 for s in sets), dtype=bool, count=n)
    pairs = pairs[nonempty[pairs[:, 0]] & nonempty[pairs[:, 1]]]
    # the signatures' agreement estimates Jaccard (sd <= 0.0625 at 64 permutations):
    # clear cases are decided by it, only the uncertain middle is checked exactly
    estimate = (sig[pairs[:, 0]] == sig[pairs[:, 1]]).mean(axis=1)
    sure = pairs[estimate >= threshold + margin]
    unsure = pairs[(estimate >= threshold - margin) & (estimate < threshold + margin)]
    vocab = np.unique(np.concatenate(list(sets))) if nonempty.any() else np.zeros(0, np.uint64)
    x = binary_matrix(sets, vocab)
    sim, _ = jaccard_pairs(x, x, unsure)
    return np.asarray(clusters(n, np.concatenate([sure, unsure[sim >= threshold]])))


def bipartite_candidates(sig_a: np.ndarray, sig_b: np.ndarray, bands: int, rows: int, max_bucket: int) -> np.ndarray:
    """Pairs ``(i, j)`` of a row of ``sig_a`` and a row of ``sig_b`` agreeing on a whole band.

    At most ``max_bucket`` rows of ``sig_a`` are paired per bucket.
    """
    found = []
    for band in range(bands):
        ha = _band_keys(sig_a, band, rows)
        hb = _band_keys(sig_b, band, rows)
        order = np.argsort(ha, kind="stable")
        hs = ha[order]
        left = np.searchsorted(hs, hb, "left")
        count = np.minimum(np.searchsorted(hs, hb, "right") - left, max_bucket)
        b_idx = np.repeat(np.arange(len(hb)), count)
        if b_idx.size == 0:
            continue
        within = np.arange(b_idx.size) - np.repeat(np.cumsum(count) - count, count)
        found.append(np.stack([order[left[b_idx] + within], b_idx], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(found).astype(np.int64), axis=0)
