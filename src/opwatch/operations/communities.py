"""Communities of the account graph (Leiden, deterministic for a seed)."""

from __future__ import annotations

import numpy as np

from opwatch.operations.graph import AccountGraph


def leiden(graph: AccountGraph, resolution: float = 1.0, seed: int = 0) -> list[list[int]]:
    """Node-index lists, one per community of at least two accounts, largest first."""
    if not graph.nodes or graph.src.size == 0:
        return []
    import igraph as ig
    import leidenalg

    g = ig.Graph(n=len(graph.nodes), edges=np.stack([graph.src, graph.dst], axis=1).tolist())
    g.es["weight"] = graph.surprise.tolist()
    part = leidenalg.find_partition(
        g,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        seed=seed,
        n_iterations=-1,
    )
    comms = [sorted(c) for c in part if len(c) >= 2]
    comms.sort(key=lambda c: (-len(c), c[0]))
    return comms
