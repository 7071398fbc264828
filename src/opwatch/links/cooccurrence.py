"""Shared-object co-occurrence: candidate pairs, rarity, significance and evidence.

Several layers reduce to the same question: two accounts both showed an
object (an address, a device, a URL, a near-duplicate text cluster, …); how
surprising is that, given how popular each object is and how active each
account is? This module answers it once for any *incidence* table with
columns ``source, account_id, kind, object, event_id, timestamp``.

Null model (docs/decisions/0002-link-significance.md): account *b* holds
``d_b,K`` objects of kind *K*; there are ``m_K`` account–object incidences of
that kind; an object held by ``n_o`` accounts is then held by *b* with
probability ``π_o ≈ min(1, d_b,K · n_o / m_K)``. For the ``k`` objects *a* and
*b* share, out of the ``D_a`` objects *a* holds, the chance of a match at
least this rare is bounded by ``C(D_a, k) · Π π_o``. The p-value is the larger
of the two directions (a→b, b→a). This keeps each account's activity volume
(``d``, ``D``) and each object's popularity (``n_o``): an address shared by
5,000 phones is weak, a payment fingerprint shared by 12 accounts is strong.

Pairs whose p-value is above ``keep_pvalue`` are counted (the number of tested
pairs goes to ``ctx.params["tested_pairs"]`` for the false-discovery rate) but
not returned: no FDR at or below ``keep_pvalue`` could keep them.

``implied_by`` maps a coarse kind to the fine kind that implies it (a /24 subnet
by an address in it, a domain by a URL on it): a pair that shares the fine
object is not credited again for the coarse one, so one shared address is one
piece of evidence, not two.

Objects held by more than ``max_object_accounts`` accounts are not expanded
into pairs (blocking): their π is so large that they cannot make a pair
significant, and a viral object would otherwise yield millions of pairs. They
still count in each account's volume.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from opwatch.links.base import empty_links
from opwatch.models import LINK_SCHEMA
from opwatch.signals.base import DetectContext

#: the weight of a link is its surprise -log10(p), scaled so that p = 10^-SURPRISE_FULL gives 1
SURPRISE_FULL = 12.0


def weight_from_pvalue(p: np.ndarray) -> np.ndarray:
    s = -np.log10(np.clip(p, 1e-300, 1.0))
    return np.clip(s / SURPRISE_FULL, 0.0, 1.0)


def cooccurrence_links(
    ctx: DetectContext,
    incidences: str,
    layer: str,
    max_object_accounts: int = 200,
    max_evidence: int = 5,
    keep_pvalue: float = 0.05,
    implied_by: dict[str, str] | None = None,
) -> pa.Table:
    """Links between accounts that share objects of the ``incidences`` table/view."""
    eng = ctx.engine
    eng.sql(f"""
        CREATE OR REPLACE TEMP TABLE _inc AS
        SELECT source, account_id, kind, object,
               arg_min(event_id, timestamp) AS event_id, min(timestamp) AS ts
        FROM {incidences}
        WHERE object IS NOT NULL
        GROUP BY source, account_id, kind, object
    """)
    eng.sql("""
        CREATE OR REPLACE TEMP TABLE _obj AS
        SELECT kind, object, count(*) AS n FROM _inc GROUP BY kind, object
    """)
    eng.sql("""
        CREATE OR REPLACE TEMP TABLE _acct AS
        SELECT i.source, i.account_id, i.kind, count(*) AS d, m.m
        FROM _inc i JOIN (SELECT kind, sum(n) AS m FROM _obj GROUP BY kind) m USING (kind)
        GROUP BY i.source, i.account_id, i.kind, m.m
    """)
    eng.sql(f"""
        CREATE OR REPLACE TEMP TABLE _shared AS
        SELECT a.source AS source_a, a.account_id AS account_a,
               b.source AS source_b, b.account_id AS account_b,
               a.kind, a.object, o.n,
               a.event_id AS event_a, b.event_id AS event_b,
               abs(epoch(a.ts) - epoch(b.ts)) AS gap_s
        FROM _inc a
        JOIN _inc b ON a.kind = b.kind AND a.object = b.object
         AND (a.source < b.source OR (a.source = b.source AND a.account_id < b.account_id))
        JOIN _obj o ON o.kind = a.kind AND o.object = a.object
        WHERE o.n BETWEEN 2 AND {int(max_object_accounts)}
    """)
    for coarse, fine in (implied_by or {}).items():
        # a shared /24 says nothing more once the pair shares an address in it: count it once
        eng.sql(f"""
            DELETE FROM _shared WHERE kind = '{coarse}' AND EXISTS (
                SELECT 1 FROM _shared f WHERE f.kind = '{fine}'
                  AND f.source_a = _shared.source_a AND f.account_a = _shared.account_a
                  AND f.source_b = _shared.source_b AND f.account_b = _shared.account_b)
        """)
    eng.sql("""
        CREATE OR REPLACE TEMP TABLE _pairs AS
        WITH tot AS (SELECT source, account_id, sum(d) AS dd FROM _acct GROUP BY source, account_id),
        agg AS (
            SELECT s.source_a, s.account_a, s.source_b, s.account_b, count(*) AS k,
                   sum(ln(least(1.0, db.d * s.n / db.m))) AS log_ab,
                   sum(ln(least(1.0, da.d * s.n / da.m))) AS log_ba
            FROM _shared s
            JOIN _acct da ON da.source = s.source_a AND da.account_id = s.account_a AND da.kind = s.kind
            JOIN _acct db ON db.source = s.source_b AND db.account_id = s.account_b AND db.kind = s.kind
            GROUP BY s.source_a, s.account_a, s.source_b, s.account_b
        )
        SELECT agg.*, least(0.0, greatest(
                   lgamma(greatest(ta.dd, k) + 1) - lgamma(k + 1) - lgamma(greatest(ta.dd, k) - k + 1) + log_ab,
                   lgamma(greatest(tb.dd, k) + 1) - lgamma(k + 1) - lgamma(greatest(tb.dd, k) - k + 1) + log_ba
               )) AS log_p
        FROM agg
        JOIN tot ta ON ta.source = agg.source_a AND ta.account_id = agg.account_a
        JOIN tot tb ON tb.source = agg.source_b AND tb.account_id = agg.account_b
    """)
    tested = int(eng.sql("SELECT count(*) AS n FROM _pairs")["n"][0].as_py())
    ctx.params.setdefault("tested_pairs", {})[layer] = tested
    # a pair with p above the largest FDR anyone asks for can never be kept: drop it here
    pairs = eng.sql(f"""
        WITH kept AS (SELECT * FROM _pairs WHERE log_p <= {math.log(keep_pvalue)}),
        ranked AS (
            SELECT s.*, row_number() OVER (
                PARTITION BY s.source_a, s.account_a, s.source_b, s.account_b ORDER BY s.n, s.gap_s) AS r
            FROM _shared s
            SEMI JOIN kept k ON k.source_a = s.source_a AND k.account_a = s.account_a
             AND k.source_b = s.source_b AND k.account_b = s.account_b
        ),
        ev AS (
            SELECT source_a, account_a, source_b, account_b,
                   list(struct_pack(object := kind || ':' || object, accounts := n,
                                    event_a := event_a, event_b := event_b, gap_s := gap_s)
                        ORDER BY r) AS evidence
            FROM ranked WHERE r <= {int(max_evidence)}
            GROUP BY source_a, account_a, source_b, account_b
        )
        SELECT k.source_a, k.account_a, k.source_b, k.account_b, k.k, exp(k.log_p) AS p,
               to_json(ev.evidence) AS evidence
        FROM kept k JOIN ev USING (source_a, account_a, source_b, account_b)
        ORDER BY k.source_a, k.account_a, k.source_b, k.account_b
    """)
    if pairs.num_rows == 0:
        return empty_links()
    p = pairs["p"].to_numpy()
    n = pairs.num_rows
    return pa.Table.from_arrays(
        [
            pa.array([layer] * n, pa.string()),
            pairs["source_a"], pairs["account_a"], pairs["source_b"], pairs["account_b"],
            pa.array(weight_from_pvalue(p), pa.float64()),
            pa.array(p, pa.float64()),
            pairs["k"].cast(pa.int64()),
            pairs["evidence"].cast(pa.string()),
        ],
        schema=LINK_SCHEMA,
    )


__all__ = ["SURPRISE_FULL", "cooccurrence_links", "weight_from_pvalue"]
