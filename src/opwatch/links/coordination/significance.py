"""Edge significance under an account-label permutation null, and false-discovery-rate filtering.

Null model: the messages, their keys and timestamps stay exactly as observed
(so every object keeps its popularity and its timing, a viral burst stays a
burst), and the accounts' labels are shuffled over the messages, each account
keeping its number of messages ``k``. Under it, each ordered pair of distinct
keyed messages is a match with overall rate ``W / (S (S - 1))`` (``S`` keyed
messages, ``W`` ordered matching pairs), so the expected number of matching
pairs between accounts ``a`` and ``b`` is

    λ_ab = k_a · k_b · W / (S (S - 1)).

An edge's weight counts distinct messages with a match, never more than the
matching pairs, so ``p = P(Poisson(λ_ab) ≥ weight)`` is a conservative
(upper-tail) p-value. A pair of crowd accounts that met once on a viral object
has weight 1 and ``p ≈ λ``; accounts that meet again and again have p-values
that shrink geometrically with every repeat.

FDR: Benjamini–Hochberg over *all* ordered account pairs that could have had
an edge (``m = A (A − 1)``; pairs with no edge have p = 1), not only the edges
that were observed — testing only observed edges would inflate discoveries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


def expected_pairs(k_1: np.ndarray, k_2: np.ndarray, totals: dict[str, float]) -> np.ndarray:
    """λ for each edge under the permutation null (see module docstring)."""
    import numpy as np

    s, w = totals["S"], totals["W"]
    rate = w / (s * (s - 1)) if s > 1 else 0.0
    return np.asarray(k_1, dtype=np.float64) * np.asarray(k_2, dtype=np.float64) * rate


def _lgamma(x: np.ndarray) -> np.ndarray:
    """log Γ(x) for positive whole numbers, from a table when they are small (weights are)."""
    import math

    import numpy as np

    if len(x) == 0:
        return np.zeros(0, dtype=np.float64)
    top = int(x.max())
    if top <= 1_000_000:
        table = np.array([0.0] + [math.lgamma(v) for v in range(1, top + 1)], dtype=np.float64)
        return table[x.astype(np.int64)]
    values, inverse = np.unique(x, return_inverse=True)
    return np.array([math.lgamma(float(v)) for v in values], dtype=np.float64)[inverse].reshape(x.shape)


def poisson_pvalues(weight: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """P(Poisson(λ) ≥ weight), element-wise; 1.0 for weight ≤ 0.

    Plain numpy (no scipy import on the command's path). For λ < weight, the
    upper tail's own series ``pmf(w) · Σ λⁿ / ((w+1)…(w+n))`` (no cancellation
    for tiny p); otherwise ``1 − Σ_{j<w} pmf(j)`` summed downwards from ``j = w − 1``.
    """
    import numpy as np

    weight = np.floor(np.asarray(weight, dtype=np.float64))
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 1e-300)
    # most edges have weight 1: P(X ≥ 1) = 1 − e^(−λ) for all first, the others overwritten
    out = -np.expm1(-lam)
    out[weight <= 0] = 1.0
    pos = np.flatnonzero(weight > 1)
    w, la = weight[pos], lam[pos]
    res = np.empty(w.shape, dtype=np.float64)
    upper = la < w
    if upper.any():  # series for the upper tail, starting at pmf(w)
        wu, lu = w[upper], la[upper]
        term = np.exp(wu * np.log(lu) - lu - _lgamma(wu + 1.0))
        total = term.copy()
        active = np.arange(len(wu))
        n = 1
        while len(active):
            term[active] *= lu[active] / (wu[active] + n)
            total[active] += term[active]
            active = active[term[active] > 1e-17 * total[active]]
            n += 1
        res[upper] = total
    lower = ~upper
    if lower.any():  # 1 − lower tail, pmf(w − 1) down to pmf(0): each term no bigger than the last
        wl, ll = w[lower], la[lower]
        j = wl - 1.0
        term = np.exp(j * np.log(ll) - ll - _lgamma(j + 1.0))
        total = term.copy()
        active = np.flatnonzero(j > 0)
        while len(active):
            term[active] *= j[active] / ll[active]
            j[active] -= 1.0
            total[active] += term[active]
            active = active[(j[active] > 0) & (term[active] > 1e-17 * total[active])]
        res[lower] = 1.0 - total
    out[pos] = res
    return np.clip(out, 0.0, 1.0, out=out)


def bh_keep(pvalues: np.ndarray, m: float, q: float) -> np.ndarray:
    """Benjamini–Hochberg at level ``q`` with ``m`` tests in all; True for discoveries."""
    import numpy as np

    p = np.asarray(pvalues, dtype=np.float64)
    if len(p) == 0:
        return np.zeros(0, dtype=bool)
    if not 0 < q < 1:
        raise ValueError(f"FDR level must be between 0 and 1, got {q}")
    m = max(float(m), float(len(p)))
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    ok = ranked <= q * np.arange(1, len(p) + 1) / m
    keep = np.zeros(len(p), dtype=bool)
    if ok.any():
        last = int(np.flatnonzero(ok)[-1])
        keep[order[: last + 1]] = True
    return keep


def with_pvalues(edges: pa.Table, totals: dict[str, float]) -> pa.Table:
    """Add ``expected`` (λ) and ``pvalue`` columns to edges with ``weight, k_1, k_2``."""
    import pyarrow as pa

    lam = expected_pairs(edges.column("k_1").to_numpy(), edges.column("k_2").to_numpy(), totals)
    p = poisson_pvalues(edges.column("weight").to_numpy(), lam)
    return edges.append_column("expected", pa.array(lam)).append_column("pvalue", pa.array(p))


def fdr_filter(edges: pa.Table, totals: dict[str, float], q: float) -> pa.Table:
    """Keep edges that are discoveries at false-discovery rate ``q``."""
    import pyarrow as pa

    a = totals["A"]
    keep = bh_keep(edges.column("pvalue").to_numpy(), a * (a - 1), q)
    return edges.filter(pa.array(keep))


def percentile_filter(edges: pa.Table, percentile: float) -> pa.Table:
    """CooRnet's rule, for comparison: keep edges with weight ≥ the given percentile of weights."""
    import numpy as np
    import pyarrow as pa

    if edges.num_rows == 0:
        return edges
    w = edges.column("weight").to_numpy()
    cut = float(np.quantile(w, percentile / 100.0))
    return edges.filter(pa.array(w >= cut))
