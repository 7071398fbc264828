"""co_similar: word-set Jaccard similarity ≥ threshold within the window (toolkit: co_similar_tweet).

Tokens: lower-cased text without ``@mentions``, split into words (letters,
digits, ``_``, joined by inner ``'`` or ``.`` as in "don't", "12.5", "x.co") and
single punctuation marks — close to the Unicode word segmentation the toolkit
uses. Messages with fewer than ``min_doc_size`` distinct tokens (and empty
ones) never match. Reposts are left out.

Candidates: MinHash signatures (``lsh_bands`` × ``lsh_rows`` hash functions,
numpy, vectorised over all tokens) cut into bands; messages sharing a band
bucket within the window are candidates (the shared windowed join). Every
candidate is then checked with the exact Jaccard of its token sets, so there are
no false positives; a pair at similarity s is missed with probability
(1 − s^rows)^bands (0.8 → 1.4e-4 with the defaults 12 × 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opwatch.links.coordination.network_types.co_message import STRIP_MENTIONS
from opwatch.links.coordination.types import NetworkType, Params, define

if TYPE_CHECKING:
    import duckdb
    import numpy as np
    import pyarrow as pa

WORD = "[\\p{L}\\p{N}_]"
TOKEN_RE = f"{WORD}+(?:[''.]{WORD}+)*|[^\\p{{L}}\\p{{N}}_\\s\\p{{Z}}]"
_MASK32 = (1 << 32) - 1
#: lower-case text of only ASCII letters, digits, ``_`` and plain spaces: its tokens are
#: exactly the space-separated words, so the regular expressions are skipped
PLAIN = "regexp_full_match(lower(message), '[a-z0-9_ ]*')"
TOKENS = (
    f"CASE WHEN {PLAIN} THEN list_filter(string_split(lower(message), ' '), lambda x: x <> '') "
    f"ELSE regexp_extract_all({STRIP_MENTIONS}, '{TOKEN_RE}') END"
)


#: messages (input rows) tokenised and hashed at a time: bounds the memory of the MinHash step
CHUNK_ROWS = 200_000


def _tokens_sql(where: str) -> str:
    """SQL of ``(msg, h)``: the distinct token hashes of non-repost messages matching ``where``."""
    return f"""
        SELECT msg, hash(unnest(list_distinct({TOKENS}))) AS h
        FROM messages WHERE repost_id IS NULL AND {where}
    """


def _csr(
    con: duckdb.DuckDBPyConnection, where: str, params: Params, sort_tokens: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token hashes grouped by message: (msgs, starts, hashes), messages in ``msg`` order.

    Messages with fewer than ``min_doc_size`` distinct tokens are left out; with
    ``sort_tokens`` the hashes are also sorted within each message.
    """
    import numpy as np

    tab = con.sql(_tokens_sql(where)).fetchnumpy()
    msg = np.asarray(tab["msg"], dtype=np.int64)
    h = np.asarray(tab["h"]).astype(np.uint64, copy=False)
    if sort_tokens:
        order = np.lexsort((h, msg))
        msg, h = msg[order], h[order]
    elif len(msg) and not bool(np.all(msg[1:] >= msg[:-1])):
        order = np.argsort(msg, kind="stable")
        msg, h = msg[order], h[order]
    if len(msg) == 0:
        return msg, np.zeros(0, dtype=np.int64), h
    change = np.flatnonzero(np.diff(msg)) + 1
    starts = np.concatenate(([0], change)).astype(np.int64)
    min_size = max(int(params.min_doc_size), 1)
    if min_size > 1:
        lens = np.diff(np.append(starts, len(msg)))
        keep = np.repeat(lens >= min_size, lens)
        msg, h = msg[keep], h[keep]
        if len(msg) == 0:
            return msg, np.zeros(0, dtype=np.int64), h
        change = np.flatnonzero(np.diff(msg)) + 1
        starts = np.concatenate(([0], change)).astype(np.int64)
    return msg[starts], starts, h


def _mix(x: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (xor-shift-multiply) applied element-wise; wraps modulo 2**64."""
    import numpy as np

    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def _band_keys(msgs: np.ndarray, starts: np.ndarray, h: np.ndarray, params: Params) -> np.ndarray:
    """The LSH band keys of each message: a ``(bands, len(msgs))`` int64 array."""
    import numpy as np

    bands, rows = int(params.lsh_bands), int(params.lsh_rows)
    rng = np.random.default_rng(params.seed)
    salts = rng.integers(1, 2**63, size=bands * rows, dtype=np.uint64)
    out = np.empty((bands, len(msgs)), dtype=np.uint64)
    # each hash function is evaluated once per distinct token, then gathered
    vocab, tok = np.unique(h, return_inverse=True)
    with np.errstate(over="ignore"):
        for band in range(bands):
            acc = np.full(len(msgs), np.uint64(band + 1), dtype=np.uint64)
            for r in range(rows):
                if len(h):
                    sig = np.minimum.reduceat(_mix(vocab ^ salts[band * rows + r])[tok], starts)
                else:
                    sig = acc
                acc = _mix(acc ^ sig)
            out[band] = acc
    return out.view(np.int64)


def _keys(con: duckdb.DuckDBPyConnection, params: Params) -> str:
    """Band keys of messages, MinHash computed :data:`CHUNK_ROWS` input rows at a time.

    Only keys shared by two or more messages are kept (a key held by one message
    pairs with nothing), so the windowed join sees a small table.
    """
    import numpy as np
    import pyarrow as pa

    lo, hi = con.execute("SELECT coalesce(min(msg), 0), coalesce(max(msg), -1) FROM messages").fetchall()[0]
    owners: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    for start in range(int(lo), int(hi) + 1, CHUNK_ROWS):
        where = f"msg >= {start} AND msg < {start + CHUNK_ROWS}"
        msgs, starts, h = _csr(con, where, params)
        if len(msgs):
            owners.append(msgs)
            keys.append(_band_keys(msgs, starts, h, params))
    key_rows: list[np.ndarray] = []
    owner_rows: list[np.ndarray] = []
    if keys:
        all_msgs = np.concatenate(owners)
        all_keys = np.concatenate(keys, axis=1)
        for band in range(all_keys.shape[0]):
            k = all_keys[band]
            order = np.argsort(k, kind="stable")
            ks = k[order]
            dup = np.zeros(len(ks), dtype=bool)
            same = ks[1:] == ks[:-1]
            dup[1:] |= same
            dup[:-1] |= same
            key_rows.append(ks[dup])
            owner_rows.append(all_msgs[order[dup]])
    key_arr = np.concatenate(key_rows) if key_rows else np.zeros(0, dtype=np.int64)
    owner_arr = np.concatenate(owner_rows) if owner_rows else np.zeros(0, dtype=np.int64)
    con.register("_sim_bands", pa.table({"msg": owner_arr, "key": key_arr}))
    return "SELECT b.msg, m.u, m.ts, b.key FROM _sim_bands b JOIN messages m USING (msg)"


def _verify(con: duckdb.DuckDBPyConnection, cand: pa.Table, params: Params) -> pa.Table:
    """Exact Jaccard of the candidates' token sets; keep pairs ≥ the threshold."""
    import numpy as np
    import pyarrow as pa

    ma = cand.column("ma").to_numpy()
    mb = cand.column("mb").to_numpy()
    # tokens of the candidates' messages only
    con.register("_sim_cand_msgs", pa.table({"msg": np.unique(np.concatenate((ma, mb)))}))
    msgs, starts, h = _csr(con, "msg IN (SELECT msg FROM _sim_cand_msgs)", params, sort_tokens=True)
    if len(ma) == 0 or len(msgs) == 0:
        return pa.table({"ma": ma, "mb": mb, "score": np.zeros(len(ma))})
    lens = np.diff(np.append(starts, len(h)))
    da = np.searchsorted(msgs, ma)
    db = np.searchsorted(msgs, mb)
    la, lb = lens[da], lens[db]
    # Jaccard can't exceed min/max of the sizes: drop hopeless pairs first
    ok = np.minimum(la, lb) >= params.similarity * np.maximum(la, lb)
    da, db, la, lb = da[ok], db[ok], la[ok], lb[ok]
    small_first = la <= lb
    ds = np.where(small_first, da, db)
    dl = np.where(small_first, db, da)
    ls = np.minimum(la, lb)
    # dense token ids; global sorted key doc * V + token answers "is token t in doc d"
    vocab, tok = np.unique(h, return_inverse=True)
    nv = np.int64(len(vocab))
    doc_of = np.repeat(np.arange(len(msgs), dtype=np.int64), lens)
    table_keys = doc_of * nv + tok  # already sorted: docs in order, hashes sorted within
    pair_idx = np.repeat(np.arange(len(ds), dtype=np.int64), ls)
    offs = np.arange(len(pair_idx), dtype=np.int64) - np.repeat(np.cumsum(ls) - ls, ls)
    q_tok = tok[np.repeat(starts[ds], ls) + offs]
    query = np.repeat(dl, ls) * nv + q_tok
    pos = np.searchsorted(table_keys, query)
    pos[pos >= len(table_keys)] = len(table_keys) - 1
    inter = np.bincount(pair_idx, weights=(table_keys[pos] == query), minlength=len(ds))
    union = la + lb - inter
    score = inter / union
    keep = score >= params.similarity
    sel_a, sel_b = ma[ok][keep], mb[ok][keep]
    return pa.table({"ma": sel_a, "mb": sel_b, "score": score[keep]})


TYPE = define(
    NetworkType(
        "co_similar",
        "co_similar_tweet",
        "word-set Jaccard similarity at least the threshold",
        _keys,
        verify=_verify,
        needs=frozenset(("repost_id", "message")),
    )
)
