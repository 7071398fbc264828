"""co_domain: URLs on the same host (lower case, without ``www.``) in non-repost messages.

CooRnet-style link sharing at domain level; the toolkit has no such network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opwatch.links.coordination.types import NetworkType, Params, define, non_repost_list_keys

if TYPE_CHECKING:
    import duckdb

#: scheme, optional user info, then the host up to the first / : ? #
HOST_SQL = (
    "regexp_replace(lower(regexp_extract(x, "
    "'^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#]+)', 1)), '^www\\.', '')"
)


def _keys(con: duckdb.DuckDBPyConnection, params: Params) -> str:
    return non_repost_list_keys(f"list_transform(urls, lambda x: {HOST_SQL})")


TYPE = define(NetworkType("co_domain", None, "links to the same web domain", _keys, needs=frozenset(("repost_id", "urls"))))
