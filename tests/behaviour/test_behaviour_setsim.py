"""Vectorised set-similarity joins used by the template and generated-then-posted layers."""

from __future__ import annotations

import numpy as np

from opwatch.links.minhash import signatures
from opwatch.links.setsim import binary_matrix, bipartite_candidates, families, jaccard_pairs


def _set(*xs: int) -> np.ndarray:
    return np.unique(np.array(xs, dtype=np.uint64))


def test_families_join_near_duplicates_only() -> None:
    base = list(range(100, 140))
    sets = [_set(*base), _set(*base[:-2], 1, 2), _set(*base[2:], 3), _set(*range(500, 540)), _set()]
    label = families(sets, 0.6)
    assert label[0] == label[1] == label[2]
    assert len({label[0], label[3], label[4]}) == 3
    assert families([], 0.6).size == 0 and families([_set(1)], 0.6).tolist() == [0]


def test_popular_family_is_joined_without_all_pairs() -> None:
    rng = np.random.default_rng(0)
    core = np.arange(1000, 1040)
    sets = [np.unique(np.concatenate([core, rng.integers(0, 10**6, 3)]).astype(np.uint64)) for _ in range(2000)]
    label = families(sets, 0.6)
    assert np.unique(label).size == 1


def test_bipartite_candidates_and_exact_jaccard() -> None:
    a = [_set(*range(50)), _set(*range(200, 250))]
    b = [_set(*range(2, 50)), _set(*range(900, 950)), _set(*range(200, 249))]
    pairs = bipartite_candidates(signatures(a, 63), signatures(b, 63), 21, 3, 100)
    found = {tuple(p) for p in pairs.tolist()}
    assert {(0, 0), (1, 2)} <= found and all(j != 1 for _i, j in found)
    vocab = np.unique(np.concatenate(a + b))
    sim, inter = jaccard_pairs(binary_matrix(a, vocab), binary_matrix(b, vocab), np.array([[0, 0], [0, 1]]))
    assert sim.tolist() == [48 / 50, 0.0] and inter.tolist() == [48, 0]
