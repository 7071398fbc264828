"""The one windowed self-join every network type runs through, and the directed edge weights.

Given a type's keys ``(msg, u, ts, key)``, two messages match when they share a
key and ``|ts_a - ts_b| <= window`` (inclusive, as ``ts_b BETWEEN ts_a - w AND
ts_a + w``). The join is an equality join on ``(key, bucket)`` where
``bucket = floor(ts / width)`` and the other side is widened to the
neighbouring buckets, so a viral key never forms all its n² pairs — only pairs
less than two windows apart are ever looked at.

Edge ``user_1 → user_2`` weight = number of distinct messages of user_1 with
at least one match by user_2 (the QUT toolkit's definition). Self-loops are not
edges. ``pairs`` is the number of matching message pairs behind the edge.

Types with at most one key per message and no ``verify`` (co_post, co_repost,
co_reply, co_message) get the same matches without the join (:class:`~opwatch.links.coordination.arrays.KeyArrays`):
keys sorted by ``(key, ts)`` give each message its range of matches by binary
search, and the pairs are generated and grouped in numpy a few source accounts at
a time (:data:`CHUNK_PAIRS`), chunks in ``user_1`` order so they can be written as
they come. The SQL join stays the reference (tests compare both) and serves the
other types, evidence and the CooRTweet summaries.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from opwatch.links.coordination.arrays import KeyArrays, ordered_map, table_exists
from opwatch.links.coordination.types import NetworkType, Params

if TYPE_CHECKING:
    import duckdb
    import numpy as np
    import pyarrow as pa



def _bucket_width(window: float) -> float:
    if math.isinf(window):
        return 1e18
    return max(float(window), 1.0)


def prepare_keys(con: duckdb.DuckDBPyConnection, ntype: NetworkType, params: Params) -> str:
    """Materialise the type's keys with their time bucket; returns the table name.

    With ``params.max_key_accounts`` set, keys used by more accounts are moved to
    ``<table>_blocked`` and never paired (a viral object would otherwise give
    millions of pairs that say nothing about coordination).
    """
    table = f"_keys_{ntype.name}"
    width = _bucket_width(params.window)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT msg, u, ts, key, CAST(floor(ts / {width!r}) AS BIGINT) AS bk,
               CASE WHEN key IS NOT NULL THEN hash(key) END AS jk
        FROM ({ntype.keys(con, params)}) WHERE ts IS NOT NULL
        """
    )
    # the join compares 64-bit hashes of the keys (``jk``), not the keys (long texts, URLs).
    # That is exact only while no two distinct keys share a hash: checked, else jk = key.
    if hash_collisions(con, table):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * EXCLUDE (jk), key AS jk FROM {table}")
    # a blocked table left by an earlier call with a cap would otherwise count in this one's W
    con.execute(f"DROP TABLE IF EXISTS {table}_blocked")
    if params.max_key_accounts > 0 and ntype.verify is None:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {table}_blocked AS
            SELECT * FROM {table} WHERE key IN (
                SELECT key FROM {table} GROUP BY key
                HAVING count(DISTINCT u) > {int(params.max_key_accounts)})
            """
        )
        con.execute(f"DELETE FROM {table} WHERE key IN (SELECT key FROM {table}_blocked)")
    return table


def hash_collisions(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Number of ``jk`` hashes in ``table`` shared by two or more distinct keys.

    Only a hash held by two or more rows can hide a collision, so only those rows'
    keys are compared (cheaper than counting distinct keys when most are unique).
    """
    (n,) = con.execute(
        f"""
        SELECT count(*) FROM (
            SELECT jk FROM {table}
            WHERE jk IN (SELECT jk FROM {table} GROUP BY jk HAVING count(*) > 1)
            GROUP BY jk HAVING min(key) <> max(key))
        """
    ).fetchall()[0]
    return int(n)


def blocked_pairs(con: duckdb.DuckDBPyConnection, keys_table: str, window: float) -> float:
    """Ordered matching pairs inside blocked keys (counted by a window sum, never listed)."""
    exists = table_exists(con, f"{keys_table}_blocked")
    if not exists or math.isinf(window):
        return 0.0
    (n,) = con.execute(
        f"""
        SELECT coalesce(sum(c - 1), 0) FROM (
            SELECT count(*) OVER (PARTITION BY key ORDER BY ts
                RANGE BETWEEN {float(window)!r} PRECEDING AND {float(window)!r} FOLLOWING) AS c
            FROM {keys_table}_blocked)
        """
    ).fetchall()[0]
    return float(n)


def pair_sql(keys_table: str, window: float, where: str = "") -> str:
    """SQL of all ordered matching message pairs ``(ma, ua, ta, key, mb, ub, tb)``, ma ≠ mb.

    Joins on ``jk`` (see :func:`prepare_keys`), so the table needs that column.
    """
    w = repr(float(window)) if not math.isinf(window) else "'infinity'::DOUBLE"
    extra = f"AND {where}" if where else ""
    return f"""
        SELECT a.msg AS ma, a.u AS ua, a.ts AS ta, a.key AS key, b.msg AS mb, b.u AS ub, b.ts AS tb
        FROM {keys_table} a
        JOIN (SELECT msg, u, ts, key, jk, bk + o AS bk
              FROM {keys_table}, (VALUES (-1), (0), (1)) t(o)) b
          ON a.jk = b.jk AND a.bk = b.bk
        WHERE a.msg <> b.msg AND b.ts BETWEEN a.ts - {w} AND a.ts + {w} {extra}
    """


def matched_pairs(
    con: duckdb.DuckDBPyConnection, ntype: NetworkType, params: Params, keys_table: str
) -> str:
    """SQL of the true matches ``(ma, ua, mb, ub)``: the join, then the type's check if any."""
    if ntype.verify is None:
        return f"SELECT ma, ua, mb, ub FROM ({pair_sql(keys_table, params.window)})"
    cand = con.sql(
        f"SELECT DISTINCT ma, mb FROM ({pair_sql(keys_table, params.window)}) WHERE ma < mb"
    ).to_arrow_table()
    verified = ntype.verify(con, cand, params)
    con.register(f"_verified_{ntype.name}", verified)
    return f"""
        SELECT v.ma, a.u AS ua, v.mb, b.u AS ub
        FROM (SELECT ma, mb FROM _verified_{ntype.name}
              UNION ALL SELECT mb, ma FROM _verified_{ntype.name}) v
        JOIN messages a ON a.msg = v.ma JOIN messages b ON b.msg = v.mb
    """


#: the array path groups this many matching pairs at a time (~40 bytes each while grouped)
CHUNK_PAIRS = 1_000_000

EDGE_COLUMNS = ("user_1", "user_2", "weight", "pairs", "k_1", "k_2")


def directed_edges(
    con: duckdb.DuckDBPyConnection, ntype: NetworkType, params: Params
) -> tuple[pa.Table, dict[str, float]]:
    """Directed edges ``(user_1, user_2, weight, pairs, k_1, k_2)`` and the null's totals.

    ``k_*`` are each account's number of keyed messages; the returned totals are
    ``S`` (keyed messages), ``W`` (ordered matching message pairs, same-account
    ones included) and ``A`` (accounts with a keyed message), used by
    :mod:`opwatch.links.coordination.significance`. Edges are sorted by
    ``user_1, user_2``.
    """
    chunks, totals = edge_chunks(con, ntype, params)
    return concat_chunks(list(chunks)), totals


def edge_chunks(
    con: duckdb.DuckDBPyConnection,
    ntype: NetworkType,
    params: Params,
    finish: Callable[[pa.Table, dict[str, float]], pa.Table] | None = None,
    threads: int = 1,
) -> tuple[Iterator[pa.Table], dict[str, float]]:
    """:func:`directed_edges` as an iterator of tables, each sorted, together in ``user_1, user_2`` order.

    The totals are complete before the first chunk. Chunks are computed as they are
    asked for, ``finish(chunk, totals)`` (p-values, say) included, or ahead on ``threads``
    threads (on two shared cores that cost more than it gained: the CSV writer's own
    threads already overlap with the computing). Types with at most one key per message and no
    ``verify`` take the array path (:class:`~opwatch.links.coordination.arrays.KeyArrays`): the windowed matches are found by
    binary search over the keys sorted by ``(key, ts)`` and grouped a few source accounts at
    a time, so memory stays bounded by :data:`CHUNK_PAIRS`; the others take the SQL join.
    """
    keys = prepare_keys(con, ntype, params)
    blocked = blocked_pairs(con, keys, params.window)
    arrays = KeyArrays.load(con, keys, params.window) if ntype.verify is None else None
    if arrays is not None:
        found = arrays
        names = _names(con)
        totals = {"S": float(found.k.sum()), "W": float(found.w) + blocked, "A": float((found.k > 0).sum())}
        parts = found.partition(CHUNK_PAIRS)

        def work(part: tuple[int, int]) -> pa.Table:
            table = _edge_table(names, found.k, *found.edges(part[0], part[1], params.min_weight))
            return finish(table, totals) if finish else table

        if not parts:
            empty = _empty_edges(con)
            return iter([finish(empty, totals) if finish else empty]), totals
        return ordered_map(work, parts, threads), totals
    counted = keys
    if params.max_key_accounts > 0 and ntype.verify is None:
        counted = f"(SELECT * FROM {keys} UNION ALL SELECT * FROM {keys}_blocked)"
    k_table = f"_k_{ntype.name}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {k_table} AS "
        f"SELECT u, count(DISTINCT msg) AS k FROM {counted} GROUP BY u"
    )
    s, a = con.execute(f"SELECT coalesce(sum(k), 0), count(*) FROM {k_table}").fetchall()[0]
    edges, w = _sql_edges(con, ntype, params, keys, k_table)
    totals = {"S": float(s), "W": float(w) + blocked, "A": float(a)}
    return iter([finish(edges, totals) if finish else edges]), totals


def _sql_edges(
    con: duckdb.DuckDBPyConnection, ntype: NetworkType, params: Params, keys: str, k_table: str
) -> tuple[pa.Table, float]:
    """The general path: the windowed self-join in DuckDB, grouped twice; returns edges and ``W``."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _mu_{ntype.name} AS
        SELECT ma, ua, ub, count(*) AS c FROM ({matched_pairs(con, ntype, params, keys)})
        GROUP BY ma, ua, ub
        """
    )
    (w,) = con.execute(f"SELECT coalesce(sum(c), 0) FROM _mu_{ntype.name}").fetchall()[0]
    # account codes follow user_id order (readers.load), so ordering by codes orders by user_1, user_2
    agg = con.sql(
        f"""
        SELECT ua, ub, count(*) AS weight, CAST(sum(c) AS BIGINT) AS pairs
        FROM _mu_{ntype.name} WHERE ua <> ub GROUP BY ua, ub
        HAVING count(*) >= {int(params.min_weight)} ORDER BY ua, ub
        """
    ).fetchnumpy()
    con.execute(f"DROP TABLE _mu_{ntype.name}")
    names, k = _names_and_k(con, k_table)
    return _edge_table(names, k, agg["ua"], agg["ub"], agg["weight"], agg["pairs"]), float(w)


def _names(con: duckdb.DuckDBPyConnection) -> pa.Array:
    """Account names by code, as one Arrow array."""
    return con.sql("SELECT user_id FROM users ORDER BY u").to_arrow_table().column(0).combine_chunks()


def _names_and_k(con: duckdb.DuckDBPyConnection, k_table: str) -> tuple[pa.Array, np.ndarray]:
    """Account names by code (an Arrow array) and each account's keyed messages ``k`` by code."""
    import numpy as np

    names = _names(con)
    k = np.zeros(len(names), dtype=np.int64)
    kt = con.sql(f"SELECT u, k FROM {k_table}").fetchnumpy()
    k[kt["u"]] = kt["k"]
    return names, k


def _edge_table(
    names: pa.Array, k: np.ndarray, ua: np.ndarray, ub: np.ndarray, weight: np.ndarray, pairs: np.ndarray
) -> pa.Table:
    """Codes and counts → ``(user_1, user_2, weight, pairs, k_1, k_2)`` by array lookups."""
    import numpy as np
    import pyarrow as pa

    ua = np.asarray(ua)
    ub = np.asarray(ub)
    return pa.table(
        {
            "user_1": names.take(pa.array(ua)),
            "user_2": names.take(pa.array(ub)),
            "weight": pa.array(np.asarray(weight, dtype=np.int64)),
            "pairs": pa.array(np.asarray(pairs, dtype=np.int64)),
            "k_1": pa.array(k[ua]),
            "k_2": pa.array(k[ub]),
        }
    )


def concat_chunks(chunks: list[pa.Table]) -> pa.Table:
    """The chunks of :func:`edge_chunks` as one table (there is always at least one chunk)."""
    import pyarrow as pa

    return chunks[0] if len(chunks) == 1 else pa.concat_tables(chunks)


def _empty_edges(con: duckdb.DuckDBPyConnection) -> pa.Table:
    import numpy as np

    empty = np.zeros(0, dtype=np.int64)
    names = con.sql("SELECT user_id FROM users LIMIT 0").to_arrow_table().column(0).combine_chunks()
    return _edge_table(names, empty, empty, empty, empty, empty)


def sample_pairs(
    con: duckdb.DuckDBPyConnection, ntype: NetworkType, params: Params, per_edge: int
) -> pa.Table:
    """Up to ``per_edge`` earliest matching pairs per unordered account pair, as evidence JSON.

    Columns: ``user_a, user_b`` (account names, ``user_a < user_b``) and
    ``evidence`` (JSON list of ``{object, event_a, event_b, gap_s}``). Uses the keys
    table left by :func:`directed_edges`.
    """
    keys = f"_keys_{ntype.name}"
    if ntype.verify is None:
        pairs = f"SELECT ma, mb, CAST(key AS VARCHAR) AS key FROM ({pair_sql(keys, params.window)}) WHERE ua <> ub"
    else:
        pairs = f"SELECT ma, mb, 'similar text' AS key FROM ({matched_pairs(con, ntype, params, keys)}) WHERE ua <> ub"
    return con.sql(
        f"""
        WITH p AS (
            SELECT least(a.user_id, b.user_id) AS user_a, greatest(a.user_id, b.user_id) AS user_b,
                   p.key, a.message_id AS ea, b.message_id AS eb, b.ts - a.ts AS gap, a.ts AS ta
            FROM ({pairs}) p JOIN messages a ON a.msg = p.ma JOIN messages b ON b.msg = p.mb
            WHERE a.user_id < b.user_id
        ), r AS (
            SELECT *, row_number() OVER (PARTITION BY user_a, user_b ORDER BY ta, ea, eb) AS i FROM p
        )
        SELECT user_a, user_b,
               CAST(to_json(list({{'object': key, 'event_a': ea, 'event_b': eb, 'gap_s': gap}}
                                 ORDER BY i)) AS VARCHAR) AS evidence
        FROM r WHERE i <= {int(per_edge)} GROUP BY user_a, user_b
        """
    ).to_arrow_table()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pair_evidence(
    con: duckdb.DuckDBPyConnection,
    ntype: NetworkType,
    params: Params,
    user_a: str,
    user_b: str,
    limit: int | None = None,
) -> pa.Table:
    """The matching message pairs behind ``user_a → user_b``, with their gaps, earliest first."""
    keys = prepare_keys(con, ntype, params)
    codes = dict(
        con.execute(
            f"SELECT user_id, u FROM users WHERE user_id IN ({_literal(user_a)}, {_literal(user_b)})"
        ).fetchall()
    )
    a_lit, b_lit = str(codes.get(user_a, -1)), str(codes.get(user_b, -1))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _ev_keys AS SELECT * FROM {keys} WHERE u IN ({a_lit}, {b_lit})"
    )
    cand = con.sql(
        "SELECT ma, mb, CAST(min(key) AS VARCHAR) AS key FROM "
        f"({pair_sql('_ev_keys', params.window, f'a.u = {a_lit} AND b.u = {b_lit}')}) GROUP BY ma, mb"
    ).to_arrow_table()
    if ntype.verify is None:
        con.register("_ev_pairs", con.sql("SELECT ma, mb, key, NULL::DOUBLE AS score FROM cand").to_arrow_table())
    else:
        con.register("_ev_verified", ntype.verify(con, cand, params))
        con.register("_ev_pairs", con.sql("SELECT ma, mb, NULL::VARCHAR AS key, score FROM _ev_verified").to_arrow_table())
    lim = f"LIMIT {int(limit)}" if limit else ""
    return con.sql(
        f"""
        SELECT a.message_id AS message_a, b.message_id AS message_b, p.key AS object,
               a.ts AS ts_a, b.ts AS ts_b, b.ts - a.ts AS gap_s, p.score AS similarity,
               a.message AS text_a, b.message AS text_b
        FROM _ev_pairs p JOIN messages a ON a.msg = p.ma JOIN messages b ON b.msg = p.mb
        ORDER BY a.ts, b.ts, a.message_id, b.message_id {lim}
        """
    ).to_arrow_table()
