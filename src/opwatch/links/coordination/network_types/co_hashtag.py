"""co_hashtag: the same hashtag (lower case, without '#') in non-repost messages within the window.

Hashtags come from the input's hashtag list, or from ``#word`` in the text.
The toolkit has no such network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opwatch.links.coordination.readers import HASHTAG_SQL
from opwatch.links.coordination.types import NetworkType, Params, define, non_repost_list_keys

if TYPE_CHECKING:
    import duckdb


def _keys(con: duckdb.DuckDBPyConnection, params: Params) -> str:
    from_text = HASHTAG_SQL.format(text="message")
    return non_repost_list_keys(f"coalesce(hashtags, {from_text})")


TYPE = define(NetworkType("co_hashtag", None, "the same hashtag", _keys, needs=frozenset(("repost_id", "message", "hashtags"))))
