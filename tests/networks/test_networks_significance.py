"""Significance: FDR keeps planted coordination and drops an organic viral crowd; a percentile cut does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from opwatch.links.coordination import Networks
from opwatch.links.coordination.significance import (
    bh_keep,
    fdr_filter,
    percentile_filter,
    poisson_pvalues,
)


def _count(edges: pa.Table, group: set[str]) -> int:
    u1, u2 = edges.column("user_1").to_pylist(), edges.column("user_2").to_pylist()
    return sum(1 for a, b in zip(u1, u2, strict=True) if a in group and b in group)


def test_fdr_keeps_planted_drops_viral_crowd(planted_world: tuple[Path, set[str], set[str]]) -> None:
    path, planted, crowd = planted_world
    net = Networks.open(path)
    edges = net.compute("co_repost", window=60)
    assert _count(edges, crowd) > 1000  # the crowd really does form many edges
    kept = fdr_filter(edges, net.last_totals, 0.05)
    assert _count(kept, planted) == len(planted) * (len(planted) - 1)
    assert _count(kept, crowd) == 0
    p90 = percentile_filter(edges, 90)
    assert _count(p90, crowd) > 1000


def test_fdr_option_matches_filter(planted_world: tuple[Path, set[str], set[str]]) -> None:
    path, _, _ = planted_world
    net = Networks.open(path)
    direct = net.compute("co_repost", window=60, fdr=0.05)
    manual = fdr_filter(net.compute("co_repost", window=60), net.last_totals, 0.05)
    assert direct.num_rows == manual.num_rows > 0


def test_poisson_pvalues_shrink_with_repeats() -> None:
    p = poisson_pvalues(np.array([0, 1, 2, 5]), np.array([0.1, 0.1, 0.1, 0.1]))
    assert p[0] == 1.0
    assert np.isclose(p[1], 1 - np.exp(-0.1))
    assert p[1] > p[2] > p[3] > 0


def test_bh_counts_untested_pairs() -> None:
    p = np.array([0.001, 0.002, 0.5])
    assert bh_keep(p, 3, 0.05).tolist() == [True, True, False]
    assert bh_keep(p, 1_000_000, 0.05).tolist() == [False, False, False]
