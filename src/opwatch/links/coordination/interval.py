"""CooRnet's estimated coordination interval (``--window auto``).

Exact definition used here, per object (key) with its shares ordered by time
``t_1 ≤ t_2 ≤ … ≤ t_n``:

1. keep objects shared more than once (n ≥ 2);
2. the second-share delay is ``d_2 = t_2 − t_1``; keep the objects whose
   ``d_2`` is at most the q-quantile (q = 0.1, linear interpolation) of all
   objects' ``d_2``;
3. for each kept object, the delay at which it reached share fraction p
   (p = 0.5) is ``t_k − t_1`` with ``k`` the first rank where ``k / n ≥ p``
   (k ≥ 2);
4. the interval is the median of those delays (and at least 1 second, so the
   window is never empty).

A "share" is one keyed message (a repost of the target for co_repost, a URL
in a post for co_link, …).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


def estimate_interval(
    con: duckdb.DuckDBPyConnection, keys_table: str, q: float = 0.1, p: float = 0.5
) -> float:
    """The coordination interval in seconds from a keys table ``(msg, u, ts, key)``."""
    row = con.execute(
        f"""
        WITH ranked AS (
            SELECT key, ts,
                   row_number() OVER (PARTITION BY key ORDER BY ts, msg) AS r,
                   count(*) OVER (PARTITION BY key) AS n,
                   min(ts) OVER (PARTITION BY key) AS t1
            FROM (SELECT DISTINCT msg, key, ts FROM {keys_table})
        ),
        objects AS (
            SELECT key,
                   max(CASE WHEN r = 2 THEN ts - t1 END) AS d2,
                   min(CASE WHEN r >= 2 AND r >= n * {p!r} THEN ts - t1 END) AS dp
            FROM ranked WHERE n >= 2 GROUP BY key
        ),
        cut AS (SELECT quantile_cont(d2, {q!r}) AS c FROM objects)
        SELECT median(dp) FROM objects, cut WHERE d2 <= c
        """
    ).fetchall()[0]
    value = row[0]
    if value is None:
        raise ValueError(
            "cannot estimate a coordination interval: no object was shared more than once; "
            "give --window in seconds instead"
        )
    return max(float(value), 1.0)
