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


def _token_table(con: duckdb.DuckDBPyConnection, params: Params) -> None:
    """``_sim_tokens(msg, h)``: distinct token hashes of each eligible message, sorted."""
    min_size = max(int(params.min_doc_size), 1)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _sim_tokens AS
        SELECT msg, hash(t) AS h FROM (
            SELECT msg, unnest(toks) AS t FROM (
                SELECT msg, list_distinct(regexp_extract_all({STRIP_MENTIONS}, '{TOKEN_RE}')) AS toks
                FROM messages WHERE repost_id IS NULL
            ) WHERE len(toks) >= {min_size}
        ) ORDER BY msg, h
        """
    )


def _csr(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token hashes grouped by message: (msgs, starts, hashes), hashes sorted within a message."""
    import numpy as np

    tab = con.sql("SELECT msg, h FROM _sim_tokens ORDER BY msg, h").to_arrow_table()
    msg = tab.column("msg").to_numpy()
    h = tab.column("h").to_numpy().astype(np.uint64, copy=False)
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


def _keys(con: duckdb.DuckDBPyConnection, params: Params) -> str:
    import numpy as np
    import pyarrow as pa

    _token_table(con, params)
    msgs, starts, h = _csr(con)
    bands, rows = int(params.lsh_bands), int(params.lsh_rows)
    rng = np.random.default_rng(params.seed)
    salts = rng.integers(1, 2**63, size=bands * rows, dtype=np.uint64)
    band_keys = []
    with np.errstate(over="ignore"):
        for band in range(bands):
            acc = np.full(len(msgs), np.uint64(band + 1), dtype=np.uint64)
            for r in range(rows):
                sig = np.minimum.reduceat(_mix(h ^ salts[band * rows + r]), starts) if len(h) else acc
                acc = _mix(acc ^ sig)
            band_keys.append(acc)
    if band_keys and len(msgs):
        keys = np.concatenate(band_keys).view(np.int64)
        owners = np.tile(msgs, bands)
    else:
        keys = np.zeros(0, dtype=np.int64)
        owners = np.zeros(0, dtype=np.int64)
    con.register("_sim_bands", pa.table({"msg": owners, "key": keys}))
    return "SELECT b.msg, m.u, m.ts, b.key FROM _sim_bands b JOIN messages m USING (msg)"


def _verify(con: duckdb.DuckDBPyConnection, cand: pa.Table, params: Params) -> pa.Table:
    """Exact Jaccard of the candidates' token sets; keep pairs ≥ the threshold."""
    import numpy as np
    import pyarrow as pa

    msgs, starts, h = _csr(con)
    ma = cand.column("ma").to_numpy()
    mb = cand.column("mb").to_numpy()
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
