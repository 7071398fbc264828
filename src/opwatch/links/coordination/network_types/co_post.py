"""co_post: any two messages of different accounts within the window (toolkit: co_post).

Every message, reposts included, carries the same key, so the match is purely
temporal. It is the toolkit's "null" network: the most two accounts could be
linked by timing alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opwatch.links.coordination.types import NetworkType, Params, define

if TYPE_CHECKING:
    import duckdb


def _keys(con: duckdb.DuckDBPyConnection, params: Params) -> str:
    return "SELECT msg, u, ts, '' AS key FROM messages"


TYPE = define(NetworkType("co_post", "co_post", "any two messages within the window", _keys, needs=frozenset(())))
