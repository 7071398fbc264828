"""co_repost: reposts of the same target within the window (toolkit: co_retweet)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opwatch.links.coordination.types import NetworkType, Params, define

if TYPE_CHECKING:
    import duckdb


def _keys(con: duckdb.DuckDBPyConnection, params: Params) -> str:
    return "SELECT msg, u, ts, repost_id AS key FROM messages WHERE repost_id IS NOT NULL"


TYPE = define(NetworkType("co_repost", "co_retweet", "reposts of the same message", _keys, needs=frozenset(("repost_id",))))
