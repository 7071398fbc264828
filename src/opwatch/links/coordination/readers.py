"""Readers: load QUT, canonical or CooRTweet input into one DuckDB ``messages`` table.

Every network type reads the same table, so a file is read once however many
types are computed. Columns of ``messages``:

``msg`` (BIGINT, unique, increasing in input order), ``message_id``, ``u`` (INTEGER
code of the account, see table ``users(u, user_id)``), ``user_id``,
``username``, ``repost_id``, ``reply_id``, ``message`` (text), ``ts`` (DOUBLE,
epoch seconds), ``urls`` (VARCHAR[]), ``hashtags`` (VARCHAR[]; NULL when the
input has no hashtag list — co_hashtag then reads ``#tags`` from the text).

Rules shared by all formats (see docs/decisions/0011-toolkit-faults.md):
the first row of a duplicated ``message_id`` wins; empty strings are nulls;
empty URL tokens are dropped; rows whose timestamp cannot be read are counted
in :class:`ReadReport` (never silently) and left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

FORMATS = ("qut", "canonical", "coortweet")

QUT_COLUMNS = (
    "message_id",
    "user_id",
    "username",
    "repost_id",
    "reply_id",
    "message",
    "timestamp",
    "urls",
)

#: hashtags found in text when the input has no hashtag column
HASHTAG_SQL = "list_distinct(regexp_extract_all(lower(coalesce({text}, '')), '#([\\p{{L}}\\p{{N}}_]+)', 1))"


@dataclass
class ReadReport:
    """What the reader saw: rows read, rows kept, and why others were left out."""

    rows: int
    kept: int
    bad_timestamp: int
    duplicate_id: int


def _lit(path: str | Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _final_sql(staged: str, dedupe: bool) -> str:
    """Drop unreadable timestamps, keep the first row of a repeated message_id, code accounts.

    ``msg`` is the staged table's ``rowid``: the input row number from 0, as the
    staged table keeps the input order.
    """
    rows = f"SELECT rowid AS msg, * FROM {staged} WHERE ts IS NOT NULL"
    if dedupe:
        rows += " QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY msg) = 1"
    return f"""
        SELECT s.msg, s.* EXCLUDE (msg, u), users.u AS u, s.u AS user_id
        FROM ({rows}) s JOIN users ON users.user_id = s.u
    """


#: DuckDB's CSV buffer: 16 MiB read a 120 MB toolkit file ~20% faster than the default
#: (more, smaller pieces for the parallel reader); lines up to 2 MB still fit
CSV_BUFFER = 16 << 20

#: the message columns each part of the qut row feeds; others may be left unread
OPTIONAL_COLUMNS = ("username", "repost_id", "reply_id", "message", "urls", "hashtags")


def _stage_qut(path: str, columns: frozenset[str] | None = None) -> str:
    """Typed read of the toolkit's CSV; columns not in ``columns`` are NULL and never parsed out."""
    cols = ", ".join(f"'{c}': 'VARCHAR'" for c in QUT_COLUMNS)

    def want(name: str, sql: str, null_type: str = "VARCHAR") -> str:
        if columns is None or name in columns:
            return f"{sql} AS {name}"
        return f"CAST(NULL AS {null_type}) AS {name}"

    return f"""
        SELECT message_id,
               user_id AS u,
               {want('username', 'username')},
               {want('repost_id', "nullif(repost_id, '')")},
               {want('reply_id', "nullif(reply_id, '')")},
               {want('message', "coalesce(message, '')")},
               try_cast(timestamp AS DOUBLE) AS ts,
               {want('urls', "list_filter(string_split(coalesce(urls, ''), ' '), lambda x: x <> '')", 'VARCHAR[]')},
               CAST(NULL AS VARCHAR[]) AS hashtags
        FROM read_csv({_lit(path)}, header = true, columns = {{{cols}}},
                      quote = '"', escape = '"', null_padding = true, buffer_size = {CSV_BUFFER})
    """


def _stage_coortweet(path: str) -> str:
    return f"""
        SELECT CAST(content_id AS VARCHAR) AS message_id,
               CAST(account_id AS VARCHAR) AS u,
               CAST(account_id AS VARCHAR) AS username,
               CAST(object_id AS VARCHAR) AS repost_id,
               CAST(NULL AS VARCHAR) AS reply_id,
               '' AS message,
               try_cast(COLUMNS('^timestamp(_share)?$') AS DOUBLE) AS ts,
               CAST([] AS VARCHAR[]) AS urls,
               CAST([] AS VARCHAR[]) AS hashtags
        FROM read_csv({_lit(path)}, header = true, all_varchar = true)
    """


def _reader_call(path: str) -> str:
    lower = path.lower()
    if lower.endswith(".parquet"):
        return f"read_parquet({_lit(path)})"
    if lower.endswith((".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz")):
        return f"read_json_auto({_lit(path)})"
    return f"read_csv({_lit(path)}, header = true)"


def _ts_sql(col_type: str) -> str:
    if col_type.startswith("TIMESTAMP"):
        return "epoch(timestamp)"
    if col_type in ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "DECIMAL", "HUGEINT"):
        return "CAST(timestamp AS DOUBLE)"
    return (
        "coalesce(try_cast(timestamp AS DOUBLE), "
        "epoch(try_cast(CAST(timestamp AS VARCHAR) AS TIMESTAMPTZ)))"
    )


def canonical_stage_sql(relation: str, columns: dict[str, str]) -> str:
    """Map a relation with canonical event columns to the staged ``messages`` shape."""
    for need in ("event_id", "account_id", "timestamp"):
        if need not in columns:
            raise ValueError(f"canonical events need a '{need}' column; found {sorted(columns)}")

    def opt(name: str, default: str = "CAST(NULL AS VARCHAR)") -> str:
        return f"CAST(nullif(CAST({name} AS VARCHAR), '') AS VARCHAR)" if name in columns else default

    def as_list(name: str) -> str:
        if name not in columns:
            return "CAST(NULL AS VARCHAR[])"
        if columns[name].endswith("[]"):
            return f"list_filter(CAST({name} AS VARCHAR[]), lambda x: x IS NOT NULL AND x <> '')"
        return f"list_filter(string_split(coalesce(CAST({name} AS VARCHAR), ''), ' '), lambda x: x <> '')"

    user = "CAST(account_id AS VARCHAR)"
    if "source" in columns:
        user = "CAST(source AS VARCHAR) || ':' || CAST(account_id AS VARCHAR)"
    text = "coalesce(CAST(text AS VARCHAR), '')" if "text" in columns else "''"
    hashtags = (
        f"list_transform({as_list('hashtags')}, lambda x: lower(ltrim(x, '#')))"
        if "hashtags" in columns
        else "CAST(NULL AS VARCHAR[])"
    )
    return f"""
        SELECT CAST(event_id AS VARCHAR) AS message_id,
               {user} AS u,
               CAST(account_id AS VARCHAR) AS username,
               {opt('repost_of')} AS repost_id,
               {opt('reply_to')} AS reply_id,
               {text} AS message,
               {_ts_sql(columns['timestamp'])} AS ts,
               coalesce({as_list('urls')}, []) AS urls,
               {hashtags} AS hashtags
        FROM {relation}
    """


def load(
    con: duckdb.DuckDBPyConnection,
    path: str | Path | None = None,
    fmt: str = "qut",
    table: pa.Table | None = None,
    columns: frozenset[str] | None = None,
) -> ReadReport:
    """Create the ``messages`` table on ``con`` from a file (or, for canonical, an Arrow table).

    ``columns``: the optional columns (:data:`OPTIONAL_COLUMNS`) to keep; the others
    are NULL (qut only — a network type that needs none of the text is read
    without it). ``None`` keeps all.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown input format {fmt!r}; use one of {', '.join(FORMATS)}")
    if path is not None and not Path(path).exists():
        raise FileNotFoundError(f"input file not found: {path}")
    if fmt == "qut":
        if path is None:
            raise ValueError("the qut format is read from a file")
        staged = _stage_qut(str(path), columns)
    elif fmt == "coortweet":
        if path is None:
            raise ValueError("the coortweet format is read from a file")
        staged = _stage_coortweet(str(path))
    else:
        if table is not None:
            con.register("_events_in", table)
            relation = "_events_in"
        else:
            relation = _reader_call(str(path))
        cols = {r[0]: str(r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
        staged = canonical_stage_sql(relation, cols)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _staged AS {staged}")
    # accounts coded in sorted order, so ordering by code orders by user_id
    con.execute(
        "CREATE OR REPLACE TEMP TABLE users AS SELECT CAST(row_number() OVER (ORDER BY user_id) - 1 AS INTEGER) AS u, "
        "user_id FROM (SELECT DISTINCT u AS user_id FROM _staged WHERE ts IS NOT NULL)"
    )
    # distinct hashes can only undercount distinct ids: equal counts prove there are no repeats
    rows, bad, distinct_hash = con.execute(
        "SELECT count(*), count(*) - count(ts), count(DISTINCT CASE WHEN ts IS NOT NULL THEN hash(message_id) END) "
        "FROM _staged"
    ).fetchall()[0]
    dedupe = distinct_hash < rows - bad
    con.execute(f"CREATE OR REPLACE TEMP TABLE messages AS {_final_sql('_staged', dedupe)}")
    con.execute("DROP TABLE _staged")
    (kept,) = con.execute("SELECT count(*) FROM messages").fetchall()[0]
    return ReadReport(rows=rows, kept=kept, bad_timestamp=bad, duplicate_id=rows - bad - kept)
