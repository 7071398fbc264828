"""co_link: the same URL in non-repost messages within the window (toolkit: co_link).

URLs are compared as written (no resolution). An empty urls field gives no URL
(the toolkit makes it one empty-string URL: docs/decisions/0011-toolkit-faults.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opwatch.links.coordination.types import NetworkType, Params, define, non_repost_list_keys

if TYPE_CHECKING:
    import duckdb


def _keys(con: duckdb.DuckDBPyConnection, params: Params) -> str:
    return non_repost_list_keys("urls")


TYPE = define(NetworkType("co_link", "co_link", "the same URL", _keys, needs=frozenset(("repost_id", "urls"))))
