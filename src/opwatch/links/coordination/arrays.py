"""The array path of the windowed join: match ranges by binary search, grouped in numpy.

For network types with at most one key per message and no ``verify`` step
(co_post, co_repost, co_reply, co_message), :class:`KeyArrays` finds the same
matches as the SQL join of :mod:`opwatch.links.coordination.engine` without
forming a pair table: keys sorted by ``(key, ts)`` give each message its range
of matches by binary search, and pairs are generated and grouped a few source
accounts at a time. :func:`ordered_map` runs such chunked work on a thread pool
with results in order (the CSV writer uses it too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import duckdb
    import numpy as np

T = TypeVar("T")
R = TypeVar("R")


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether DuckDB has a table of that name."""
    return bool(con.execute(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{table}'").fetchall()[0][0])



def ordered_map(fn: Callable[[T], R], items: Iterable[T], threads: int | None = None) -> Iterator[R]:
    """``map(fn, items)`` on a thread pool, results in order, at most ``threads + 1`` pending."""
    import os
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    threads = threads or min(os.cpu_count() or 1, 8)
    if threads <= 1 or (isinstance(items, list | tuple) and len(items) <= 1):
        yield from map(fn, items)
        return
    pending: deque[Future[R]] = deque()
    with ThreadPoolExecutor(threads) as pool:
        try:
            for item in items:
                if len(pending) > threads:
                    yield pending.popleft().result()
                pending.append(pool.submit(fn, item))
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()


class KeyArrays:
    """The keys of a one-key-per-message type as arrays sorted by ``(key, ts)``, with match ranges.

    Row ``i`` matches rows ``lo[i] .. hi[i] - 1`` (itself included): same key and
    ``ts[i] - w <= ts <= ts[i] + w``, the SQL join's ``BETWEEN`` with the same float
    arithmetic. ``prev[i]`` is the row before ``i`` of the same account and key (-1 if none),
    so row ``j`` is the first of its account in ``i``'s range exactly when
    ``prev[j] < lo[i]`` — which counts each (message, other account) once, the toolkit's weight.
    """

    def __init__(
        self, u: np.ndarray, group: np.ndarray, lo: np.ndarray, hi: np.ndarray, k: np.ndarray, n_users: int
    ) -> None:
        import numpy as np

        # row numbers and account codes in 32 bits when they fit: half the memory traffic
        idx = np.int32 if len(u) < 2**31 - 1 else np.int64
        self.u = u.astype(np.int32 if n_users < 2**31 else np.int64)
        self.lo: Any = lo.astype(idx)
        self.hi: Any = hi.astype(idx)
        self.k, self.n_users = k, n_users
        self.cnt = self.hi - self.lo
        #: ordered pairs of distinct matching messages, same account included
        self.w = int(self.cnt.sum(dtype=np.int64)) - len(u)
        #: rows ordered by account, then by key and time (a stable sort; radix for 16-bit codes)
        small = u.astype(np.uint16) if n_users <= 1 << 16 else u
        self.by_user = np.argsort(small, kind="stable").astype(idx)
        # the previous row of the same account and key: its predecessor in that order, if the same
        ub, gb = u[self.by_user], group[self.by_user]
        same = (ub[1:] == ub[:-1]) & (gb[1:] == gb[:-1])
        self.prev = np.full(len(u), -1, dtype=idx)
        self.prev[self.by_user[1:][same]] = self.by_user[:-1][same]

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, keys: str, window: float) -> KeyArrays | None:
        """Fetch and index the keys; None when a message has two keys or a timestamp is not
        finite (the SQL path handles those)."""
        import numpy as np

        # keyed messages that never pair (blocked keys, null keys) still count in k and S
        blocked = f"SELECT u, msg FROM {keys}_blocked UNION ALL " if table_exists(con, f"{keys}_blocked") else ""
        rest = con.sql(f"{blocked}SELECT u, msg FROM {keys} WHERE jk IS NULL").fetchnumpy()
        msg = np.concatenate([
            np.asarray(con.sql(f"SELECT msg FROM {keys} WHERE jk IS NOT NULL").fetchnumpy()["msg"], dtype=np.int64),
            np.asarray(rest["msg"], dtype=np.int64),
        ])
        if len(msg) and 0 <= msg.min() and msg.max() <= 4 * len(msg) + 1024:
            if np.bincount(msg).max() > 1:
                return None
        elif len(np.unique(msg)) < len(msg):
            return None
        d = con.sql(f"SELECT u, ts, jk FROM {keys} WHERE jk IS NOT NULL ORDER BY jk, ts").fetchnumpy()
        (n_users,) = con.execute("SELECT count(*) FROM users").fetchall()[0]
        u = np.asarray(d["u"], dtype=np.int64)
        ts = np.asarray(d["ts"], dtype=np.float64)
        jk = np.asarray(d["jk"])
        if not np.isfinite(ts).all():
            return None
        k = np.bincount(u, minlength=int(n_users)) + np.bincount(
            np.asarray(rest["u"], dtype=np.int64), minlength=int(n_users)
        )
        n = len(u)
        new = np.ones(n, dtype=bool)
        if n > 1:
            new[1:] = jk[1:] != jk[:-1]
        group = np.cumsum(new) - 1
        w = float(window)
        if n == 0 or group[-1] == 0:  # one key (co_post): ts is sorted
            lo = np.searchsorted(ts, ts - w, "left")
            hi = np.searchsorted(ts, ts + w, "right")
        else:  # (key, rank of ts) as one sortable integer, so each bound is one binary search
            uts = np.unique(ts)
            base = group * (len(uts) + 1)
            pos = base + np.searchsorted(uts, ts)
            lo = np.searchsorted(pos, base + np.searchsorted(uts, ts - w, "left"), "left")
            hi = np.searchsorted(pos, base + np.searchsorted(uts, ts + w, "right"), "left")
        return cls(u, group, lo, hi, k.astype(np.int64), int(n_users))

    def partition(self, max_pairs: int) -> list[tuple[int, int]]:
        """Ranges of :attr:`by_user` of whole accounts, each with at most ``max_pairs`` candidate
        pairs (or one account's, when it alone has more)."""
        import numpy as np

        n = len(self.u)
        if n == 0:
            return []
        uu = self.u[self.by_user]
        ends = np.append(np.flatnonzero(uu[1:] != uu[:-1]) + 1, n)  # end of each account's rows
        cum = np.cumsum(self.cnt[self.by_user])[ends - 1]  # candidate pairs up to each account's end
        parts: list[tuple[int, int]] = []
        start = done = acc = 0
        while acc < len(ends):
            last = max(int(np.searchsorted(cum, done + max_pairs, "right")) - 1, acc)
            end = int(ends[last])
            parts.append((start, end))
            start, done, acc = end, int(cum[last]), last + 1
        return parts

    def edges(self, start: int, end: int, min_weight: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Edges of the accounts whose rows are ``by_user[start:end]``, sorted by codes:
        ``(user_1 codes, user_2 codes, weight, pairs)``."""
        import numpy as np

        rows = self.by_user[start:end]
        if len(rows) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty
        nn = self.cnt[rows]
        lo_rows = self.lo[rows]
        # every candidate (source row, row in its range), itself included
        dst = np.arange(int(nn.sum()), dtype=self.lo.dtype)
        dst += np.repeat((lo_rows - (np.cumsum(nn) - nn)).astype(self.lo.dtype), nn)
        ua = np.repeat(self.u[rows], nn)
        ub = self.u[dst]
        first = self.prev[dst] < np.repeat(lo_rows, nn)
        # one sort key: (code, not first), the code counted from the chunk's first account — 32 bits
        # when that fits (a faster sort); equal codes together, first-of-account ones leading.
        # Same-account pairs (a message with itself included) get the largest key and are cut off.
        base = int(self.u[rows[0]])
        span = (int(self.u[rows[-1]]) - base + 1) * self.n_users * 2
        kd: Any = np.uint32 if span < 2**32 else np.uint64
        same = ua == ub
        key: Any = (ua - base).astype(kd)
        key *= kd(self.n_users)
        key += ub.astype(kd)
        key <<= kd(1)
        key += ~first
        key[same] = np.iinfo(kd).max
        key.sort(kind="stable")  # accounts already in order: faster than the default sort
        key = key[: len(key) - int(np.count_nonzero(same))]
        code = key >> kd(1)
        if len(code) == 0:
            starts = np.zeros(0, dtype=np.int64)
        else:
            starts = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
        pairs = np.diff(np.append(starts, len(code)))
        weight = np.add.reduceat((key & kd(1)) ^ kd(1), starts) if len(starts) else np.zeros(0, dtype=np.int64)
        keep = weight >= min_weight
        code = code[starts[keep]].astype(np.int64)
        return code // self.n_users + base, code % self.n_users, weight[keep], pairs[keep]
