"""The combined account graph: every layer's links → one significant edge per pair.

Per pair, the layers' p-values are combined with the harmonic mean p-value
(valid under the dependence that layers of one operation certainly have), and
the Benjamini–Hochberg procedure keeps the pairs whose combined p-value passes
the false-discovery rate ``fdr``. The edge weight is the surprise
``-log10 p`` (capped), which Leiden then maximises modularity over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opwatch.models import account_key


@dataclass
class AccountGraph:
    nodes: list[str]  # account keys
    src: np.ndarray  # node indices
    dst: np.ndarray
    surprise: np.ndarray  # -log10 of the combined p-value
    qvalue: np.ndarray
    layers: list[list[str]]  # layers behind each edge
    tested_pairs: int
    n_layers: int = 1  # layers combined by the harmonic mean

    def single_layer_cutoff(self) -> float:
        """The largest p-value one layer's link may have and still make an edge on its own
        (the other layers absent, i.e. p = 1, in the harmonic mean); 0 without edges."""
        if self.surprise.size == 0:
            return 0.0
        cut = float(10 ** -self.surprise.min())  # the weakest kept combined p
        n = self.n_layers
        return 1.0 / (n / cut - (n - 1))


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH-adjusted q-values (monotone), same order as ``p``."""
    return benjamini_hochberg_m(p, p.size)


def build_graph(
    links: pa.Table, fdr: float = 0.01, tested_pairs: int | None = None, max_surprise: float = 50.0
) -> AccountGraph:
    """Significant edges of the combined graph.

    ``tested_pairs``: how many pairs the layers tested (the m of Benjamini–Hochberg);
    layers drop hopeless pairs before returning links, so the links alone undercount it.
    """
    if links.num_rows == 0:
        e = np.empty(0)
        return AccountGraph([], e.astype(int), e.astype(int), e, e, [], int(tested_pairs or 0))
    n_layers = len(set(links["layer"].to_pylist()))
    a = pc.binary_join_element_wise(links["source_a"], links["account_a"], ":")
    b = pc.binary_join_element_wise(links["source_b"], links["account_b"], ":")
    pair = pc.binary_join_element_wise(a, b, "\x1f").combine_chunks().dictionary_encode()
    inv = pair.indices.to_numpy()
    uniq = pair.dictionary.to_pylist()
    p = np.clip(links["pvalue"].to_numpy(zero_copy_only=False).astype(float), 1e-300, 1.0)
    inv_sum = np.bincount(inv, weights=1.0 / p, minlength=len(uniq))
    present = np.bincount(inv, minlength=len(uniq))
    # harmonic mean p over all layers (a layer without a link to this pair counts as p = 1)
    p_comb = np.clip(n_layers / (inv_sum + (n_layers - present)), 1e-300, 1.0)
    m = max(len(uniq), int(tested_pairs or 0))
    q = benjamini_hochberg_m(p_comb, m)
    keep = np.flatnonzero(q <= fdr)
    layer = links["layer"].to_pylist()
    layers_by_pair: dict[int, set[str]] = {}
    keep_set = set(keep.tolist())
    for i, lay in zip(inv.tolist(), layer, strict=True):
        if i in keep_set:
            layers_by_pair.setdefault(i, set()).add(lay)
    ends = [uniq[i].split("\x1f") for i in keep.tolist()]
    names = sorted({x for e in ends for x in e})
    index = {k: i for i, k in enumerate(names)}
    return AccountGraph(
        nodes=names,
        src=np.array([index[e[0]] for e in ends], dtype=int),
        dst=np.array([index[e[1]] for e in ends], dtype=int),
        surprise=np.minimum(-np.log10(p_comb[keep]), max_surprise),
        qvalue=q[keep],
        layers=[sorted(layers_by_pair[i]) for i in keep.tolist()],
        tested_pairs=m,
        n_layers=n_layers,
    )


def benjamini_hochberg_m(p: np.ndarray, m: int) -> np.ndarray:
    """BH q-values of ``p`` when ``m`` ≥ len(p) hypotheses were tested (the rest had p = 1)."""
    k = p.size
    if k == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, k + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(k)
    out[order] = np.minimum(q, 1.0)
    return out


__all__ = ["AccountGraph", "account_key", "benjamini_hochberg", "benjamini_hochberg_m", "build_graph"]
