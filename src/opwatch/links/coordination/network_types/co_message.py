"""co_message: identical text after the toolkit's normalisation (toolkit: co_tweet).

Normalisation: lower case, every ``@mention`` (``@`` up to the next white space)
removed, runs of white space collapsed to one space, ends trimmed. Reposts are
left out. Text that is empty after normalisation matches nothing (the toolkit
matches all such messages to each other: docs/decisions/0011-toolkit-faults.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opwatch.links.coordination.types import NetworkType, Params, define

if TYPE_CHECKING:
    import duckdb

#: what Python's str.split() treats as white space, in RE2 syntax
WHITESPACE = "\\t\\n\\x0b\\f\\r\\x1c-\\x1f\\x85\\p{Z}"
STRIP_MENTIONS = f"regexp_replace(lower(message), '@[^{WHITESPACE}]*', '', 'g')"
#: white space other than the plain space
ODD_SPACE = "\\t\\n\\x0b\\f\\r\\x1c-\\x1f\\x85\\xa0\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
#: a run of white space becomes one space; a single plain space is already one, so only
#: runs of two or more and single odd spaces are replaced (far fewer replacements)
FULL = f"trim(regexp_replace({STRIP_MENTIONS}, '[{WHITESPACE}]{{2,}}|[{ODD_SPACE}]', ' ', 'g'))"
#: only text with a mention or irregular white space needs the regular expressions
NEEDS_WORK = f"regexp_matches(message, '@|[{ODD_SPACE}]|  |^ | $')"
NORMALISED = f"CASE WHEN {NEEDS_WORK} THEN {FULL} ELSE lower(message) END"


def _keys(con: duckdb.DuckDBPyConnection, params: Params) -> str:
    # MATERIALIZED: otherwise the filter is pushed below the projection and the
    # normalisation runs twice per message (once for the filter, once for the key)
    return f"""
        WITH n AS MATERIALIZED (
            SELECT msg, u, ts, {NORMALISED} AS key FROM messages WHERE repost_id IS NULL
        )
        SELECT msg, u, ts, key FROM n WHERE key <> ''
    """


TYPE = define(NetworkType("co_message", "co_tweet", "identical normalised text", _keys, needs=frozenset(("repost_id", "message"))))
