"""CooRTweet-style undirected edges: pair counts, mean time gap and the symmetry score.

For every unordered pair of accounts (``account_a < account_b``), over the
matching message pairs between them (each unordered message pair once):

- ``weight``: number of matching message pairs (CooRTweet's ``weight``);
- ``avg_time_delta``: mean absolute gap in seconds;
- ``n_content_a`` / ``n_content_b``: distinct messages of each side in them;
- ``edge_symmetry_score``: ``min(n_content_a, n_content_b) / max(...)``;
- ``pvalue``: the permutation null of :mod:`~opwatch.links.coordination.significance`
  tested on ``min(n_content_a, n_content_b)``, with BH over all unordered pairs
  when ``fdr`` is given.

Edges with ``weight < min_weight`` are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opwatch.links.coordination import engine, significance
from opwatch.links.coordination.types import NetworkType, Params

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


def undirected_edges(
    con: duckdb.DuckDBPyConnection, ntype: NetworkType, params: Params, fdr: float | None = None
) -> pa.Table:
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = engine.prepare_keys(con, ntype, params)
    pairs = engine.matched_pairs(con, ntype, params, keys)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _uk AS SELECT users.user_id, count(DISTINCT msg) AS k "
        f"FROM {keys} JOIN users USING (u) GROUP BY users.user_id"
    )
    con.sql(
        f"""
        CREATE OR REPLACE TEMP TABLE _up AS
        SELECT DISTINCT ma, ua, mb, ub FROM ({pairs}) WHERE ma < mb
        """
    )
    s, a = con.execute("SELECT coalesce(sum(k), 0), count(*) FROM _uk").fetchall()[0]
    (w,) = con.execute("SELECT 2 * count(*) FROM _up").fetchall()[0]
    edges = con.sql(
        f"""
        WITH p AS (
            SELECT least(x.user_id, y.user_id) AS account_a, greatest(x.user_id, y.user_id) AS account_b,
                   CASE WHEN x.user_id < y.user_id THEN ma ELSE mb END AS m_a,
                   CASE WHEN x.user_id < y.user_id THEN mb ELSE ma END AS m_b,
                   abs(x.ts - y.ts) AS gap
            FROM _up JOIN messages x ON x.msg = _up.ma JOIN messages y ON y.msg = _up.mb
            WHERE ua <> ub
        )
        SELECT account_a, account_b, count(*) AS weight, avg(gap) AS avg_time_delta,
               count(DISTINCT m_a) AS n_content_a, count(DISTINCT m_b) AS n_content_b,
               least(count(DISTINCT m_a), count(DISTINCT m_b))
                 / greatest(count(DISTINCT m_a), count(DISTINCT m_b)) AS edge_symmetry_score,
               ka.k AS k_a, kb.k AS k_b
        FROM p JOIN _uk ka ON ka.user_id = account_a JOIN _uk kb ON kb.user_id = account_b
        GROUP BY account_a, account_b, ka.k, kb.k
        HAVING count(*) >= {int(params.min_weight)}
        ORDER BY account_a, account_b
        """
    ).to_arrow_table()
    totals = {"S": float(s), "W": float(w), "A": float(a)}
    tested = pc.min_element_wise(edges.column("n_content_a"), edges.column("n_content_b"))
    lam = significance.expected_pairs(edges.column("k_a").to_numpy(), edges.column("k_b").to_numpy(), totals)
    pv = significance.poisson_pvalues(tested.to_numpy(), lam)
    edges = edges.append_column("pvalue", pa.array(pv))
    if fdr is not None:
        keep = significance.bh_keep(pv, a * (a - 1) / 2, fdr)
        edges = edges.filter(pa.array(keep))
    return edges
