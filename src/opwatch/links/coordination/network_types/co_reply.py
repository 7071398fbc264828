"""co_reply: replies (not reposts) to the same message within the window (toolkit: co_reply)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opwatch.links.coordination.types import NetworkType, Params, define

if TYPE_CHECKING:
    import duckdb


def _keys(con: duckdb.DuckDBPyConnection, params: Params) -> str:
    return (
        "SELECT msg, u, ts, reply_id AS key FROM messages "
        "WHERE reply_id IS NOT NULL AND repost_id IS NULL"
    )


TYPE = define(NetworkType("co_reply", "co_reply", "replies to the same message", _keys, needs=frozenset(("repost_id", "reply_id"))))
