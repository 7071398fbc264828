"""Per-account event times as sorted numpy arrays, read once through the engine.

A :class:`Timelines` holds every account's timestamps (seconds since the epoch,
UTC) concatenated and sorted by account then time, with ``starts`` giving each
account's slice. Detectors vectorise over this layout instead of looping per event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opwatch.signals.base import DetectContext

#: SQL predicate for "an event on an AI service" (never a hard-coded source name)
AI_EVENT_SQL = "(response IS NOT NULL OR lower(kind) IN ('prompt', 'completion'))"


@dataclass(frozen=True)
class Timelines:
    """Accounts ``keys[i] = (source, account_id)`` own ``seconds[starts[i]:starts[i+1]]``."""

    keys: list[tuple[str, str]]
    starts: np.ndarray  # int64, len(keys) + 1
    seconds: np.ndarray  # int64 epoch seconds, sorted within each account

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.starts)

    def owner(self) -> np.ndarray:
        """Index into ``keys`` of each entry of ``seconds``."""
        return np.repeat(np.arange(len(self.keys)), self.counts)

    def __len__(self) -> int:
        return len(self.keys)


def timelines_from_table(table: pa.Table) -> Timelines:
    """Build from a table with ``source``, ``account_id``, ``timestamp`` (any row order)."""
    if table.num_rows == 0:
        return Timelines([], np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64))
    micros = pc.cast(table.column("timestamp"), pa.timestamp("us", tz="UTC")).cast(pa.int64())
    sec = np.floor_divide(micros.to_numpy(zero_copy_only=False), 1_000_000).astype(np.int64)
    src = np.asarray(table.column("source").to_pylist(), dtype=object)
    acc = np.asarray(table.column("account_id").to_pylist(), dtype=object)
    key = np.char.add(np.char.add(src.astype(str), "\x1f"), acc.astype(str))
    uniq, inv = np.unique(key, return_inverse=True)
    order = np.lexsort((sec, inv))
    inv_sorted = inv[order]
    counts = np.bincount(inv_sorted, minlength=len(uniq))
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    keys = [tuple(k.split("\x1f", 1)) for k in uniq.tolist()]
    return Timelines(keys, starts, sec[order])  # type: ignore[arg-type]


def load_timelines(ctx: DetectContext, where: str = "TRUE") -> Timelines:
    """Timelines of every account in ``events`` (rows with a timestamp), filtered by ``where``."""
    table = ctx.sql(
        "SELECT source, account_id, timestamp FROM events "
        f"WHERE timestamp IS NOT NULL AND account_id IS NOT NULL AND source IS NOT NULL AND ({where})"
    )
    return timelines_from_table(table)
