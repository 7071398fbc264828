"""The network-type contract: a name, the toolkit's name, and a match key in SQL.

A network type says only *what* makes two messages match: ``keys(con, params)``
returns SQL over the ``messages`` table with columns ``(msg, u, ts, key)``, one
row per message and key (a message with two URLs has two rows). Two messages
match when they share a key and their timestamps are within the window.
The windowed self-join, weights, significance and evidence are shared code
(:mod:`opwatch.links.coordination.engine`).

A type whose keys are only *candidates* (co_similar's LSH bands) also gives
``verify``: it receives candidate message pairs and keeps the true matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


@dataclass(frozen=True)
class Params:
    """Parameters shared by all network types (``window`` in seconds, inclusive)."""

    window: float = 60.0
    min_weight: int = 1
    similarity: float = 0.8
    min_doc_size: int = 1
    lsh_bands: int = 12
    lsh_rows: int = 3
    seed: int = 7
    #: blocking: keys used by more accounts than this are not paired (0 = no cap)
    max_key_accounts: int = 0


#: verify(con, candidates with columns ma, mb, params) -> the same columns plus ``score``
Verifier = Callable[["duckdb.DuckDBPyConnection", "pa.Table", Params], "pa.Table"]


@dataclass(frozen=True)
class NetworkType:
    name: str
    #: the QUT toolkit's command for the same definition, if any
    toolkit: str | None
    summary: str
    #: keys(con, params) -> SQL of (msg, u, ts, key); may register helper tables on con
    keys: Callable[[duckdb.DuckDBPyConnection, Params], str]
    verify: Verifier | None = None
    #: the optional ``messages`` columns the keys read (readers.OPTIONAL_COLUMNS); a
    #: single-type read leaves the rest unparsed
    needs: frozenset[str] = frozenset(("username", "repost_id", "reply_id", "message", "urls", "hashtags"))


NETWORK_TYPES: dict[str, NetworkType] = {}

#: the toolkit's names for our types
TOOLKIT_ALIASES = {
    "co_retweet": "co_repost",
    "co_tweet": "co_message",
    "co_similar_tweet": "co_similar",
}


def define(ntype: NetworkType) -> NetworkType:
    """Register a network type (each type's module calls this once)."""
    NETWORK_TYPES[ntype.name] = ntype
    return ntype


def get(name: str) -> NetworkType:
    """Look a type up by our name or the toolkit's name."""
    from opwatch.links.coordination import network_types  # noqa: F401  (registers)

    key = TOOLKIT_ALIASES.get(name, name)
    if key not in NETWORK_TYPES:
        known = ", ".join(sorted(NETWORK_TYPES))
        raise KeyError(f"unknown network type {name!r}; known: {known}")
    return NETWORK_TYPES[key]


def non_repost_list_keys(column: str) -> str:
    """Keys from a list column of non-repost messages (URLs, hashtags, domains)."""
    return f"""
        SELECT DISTINCT msg, u, ts, k AS key
        FROM (SELECT msg, u, ts, unnest({column}) AS k FROM messages WHERE repost_id IS NULL)
        WHERE k IS NOT NULL AND k <> ''
    """
