"""The Python API: read an input once, then compute networks, evidence and CooRTweet summaries.

>>> net = Networks.open("tweets.csv", fmt="qut")          # doctest: +SKIP
>>> edges = net.compute("co_repost", window=60, min_weight=2, fdr=0.05)
>>> net.evidence("co_repost", "user_a", "user_b")

``compute`` / ``evidence`` are one-call shortcuts. Edges are Arrow tables with
``user_1, user_2, weight, pairs, k_1, k_2, expected, pvalue`` (directed, the
QUT toolkit's weight); ``undirected`` gives CooRTweet's columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opwatch.links.coordination import engine, significance
from opwatch.links.coordination.readers import ReadReport, load
from opwatch.links.coordination.types import Params, get

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

Window = float | str


class Networks:
    """One input loaded into an in-memory DuckDB; every network type reads it from there."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, report: ReadReport, columns: frozenset[str] | None = None
    ) -> None:
        self.con = con
        self.report = report
        #: the optional message columns that were read (None: all)
        self.columns = columns

    @classmethod
    def open(
        cls,
        source: str | Path | pa.Table,
        fmt: str = "qut",
        threads: int | None = None,
        memory_limit: str | None = None,
        types: Iterable[str] | None = None,
    ) -> Networks:
        """Read ``source`` (a file path, or an Arrow table of canonical events).

        ``types``: only these network types will be computed, so a qut file is read
        without the columns none of them uses (evidence text included); default all.
        """
        import duckdb
        import pyarrow as pa

        con = duckdb.connect()
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")
        columns = None
        if types is not None:
            columns = frozenset().union(*(get(t).needs for t in types))
        if isinstance(source, pa.Table):
            report = load(con, None, "canonical", table=source)
        else:
            report = load(con, source, fmt, columns=columns)
        return cls(con, report, columns)

    def _check_columns(self, network_type: str) -> None:
        if self.columns is not None and not get(network_type).needs <= self.columns:
            raise ValueError(f"{network_type} was not among the types this input was opened for")

    def params(self, network_type: str, window: Window = 60.0, **kw: Any) -> Params:
        """Resolve parameters; ``window='auto'`` estimates CooRnet's coordination interval."""
        if isinstance(window, str):
            if window != "auto":
                window = float(window)
            else:
                from opwatch.links.coordination.interval import estimate_interval

                keys = engine.prepare_keys(self.con, get(network_type), Params(window=math.inf))
                window = estimate_interval(self.con, keys)
        if float(window) < 0:
            raise ValueError("the window must be ≥ 0 seconds (or 'auto')")
        return replace(Params(window=float(window)), **{k: v for k, v in kw.items() if v is not None})

    def compute(
        self,
        network_type: str,
        window: Window = 60.0,
        min_weight: int = 1,
        similarity: float | None = None,
        min_doc_size: int | None = None,
        fdr: float | None = None,
    ) -> pa.Table:
        """Directed edges of one network type, with expected matches and p-values."""
        edges = engine.concat_chunks(list(self.compute_chunks(network_type, window, min_weight, similarity, min_doc_size)))
        if fdr is not None:
            edges = significance.fdr_filter(edges, self.last_totals, fdr)
        return edges

    def compute_chunks(
        self,
        network_type: str,
        window: Window = 60.0,
        min_weight: int = 1,
        similarity: float | None = None,
        min_doc_size: int | None = None,
    ) -> Iterator[pa.Table]:
        """:meth:`compute` without ``fdr``, as tables in ``user_1, user_2`` order (at least one).

        Chunks are computed ahead on worker threads while the caller consumes
        them (writes them, say), so the edges never need to be in memory at once.
        """
        ntype = get(network_type)
        self._check_columns(network_type)
        params = self.params(
            network_type, window, min_weight=min_weight, similarity=similarity, min_doc_size=min_doc_size
        )
        chunks, totals = engine.edge_chunks(self.con, ntype, params, finish=significance.with_pvalues)
        self.last_totals = totals
        self.last_params = params
        return chunks

    def evidence(
        self,
        network_type: str,
        user_a: str,
        user_b: str,
        window: Window = 60.0,
        similarity: float | None = None,
        min_doc_size: int | None = None,
        limit: int | None = None,
    ) -> pa.Table:
        """The message pairs behind the edge ``user_a → user_b``, with gaps in seconds."""
        ntype = get(network_type)
        if self.columns is not None:
            raise ValueError("evidence needs the message text: open the input without types=")
        params = self.params(network_type, window, similarity=similarity, min_doc_size=min_doc_size)
        return engine.pair_evidence(self.con, ntype, params, user_a, user_b, limit)

    def undirected(
        self,
        network_type: str = "co_repost",
        window: Window = 60.0,
        min_weight: int = 1,
        similarity: float | None = None,
        fdr: float | None = None,
    ) -> pa.Table:
        """CooRTweet-style undirected edges (see :mod:`opwatch.links.coordination.coortweet`)."""
        from opwatch.links.coordination.coortweet import undirected_edges

        ntype = get(network_type)
        self._check_columns(network_type)
        params = self.params(network_type, window, min_weight=min_weight, similarity=similarity)
        return undirected_edges(self.con, ntype, params, fdr)


def compute(
    network_type: str,
    source: str | Path | pa.Table,
    fmt: str = "qut",
    window: Window = 60.0,
    min_weight: int = 1,
    similarity: float | None = None,
    min_doc_size: int | None = None,
    fdr: float | None = None,
) -> pa.Table:
    """Read ``source`` and return one network's directed edges."""
    net = Networks.open(source, fmt, types=[network_type])
    return net.compute(network_type, window, min_weight, similarity, min_doc_size, fdr)


def evidence(
    network_type: str,
    source: str | Path | pa.Table,
    user_a: str,
    user_b: str,
    fmt: str = "qut",
    window: Window = 60.0,
    similarity: float | None = None,
    limit: int | None = None,
) -> pa.Table:
    """Read ``source`` and return the message pairs behind ``user_a → user_b``."""
    net = Networks.open(source, fmt)
    return net.evidence(network_type, user_a, user_b, window, similarity, None, limit)
