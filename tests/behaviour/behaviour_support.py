"""Small synthetic worlds for the behaviour tests, built in the test (no simulator)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from opwatch.engines import DuckDBEngine
from opwatch.models import ACCOUNT_SCHEMA, EVENT_SCHEMA, INDICATOR_SCHEMA
from opwatch.signals.base import DetectContext

EPOCH_MONDAY = 1_704_067_200  # 2024-01-01 00:00 UTC, a Monday


def human_times(rng: np.random.Generator, n: int, utc_offset: int, weeks: int = 4) -> list[int]:
    """Epoch seconds of ``n`` events of someone working 09-18 local on weekdays."""
    out: list[int] = []
    while len(out) < n:
        day = int(rng.integers(0, 7 * weeks))
        if day % 7 >= 5 and rng.random() < 0.8:
            continue
        hour = float(rng.normal(13.5, 2.6))
        if hour < 0 or hour >= 24 or 12.0 <= hour < 13.0 and rng.random() < 0.5:
            continue
        local = EPOCH_MONDAY + day * 86400 + int(hour * 3600) + int(rng.integers(0, 60))
        out.append(local - utc_offset * 3600)
    return sorted(out)


def event_rows(
    account: str, times: list[int], source: str = "ai-service", kind: str = "prompt", **cols: Any
) -> list[dict[str, Any]]:
    rows = []
    for i, t in enumerate(times):
        row: dict[str, Any] = {
            "event_id": f"{account}-{i}",
            "source": source,
            "account_id": account,
            "timestamp": datetime.fromtimestamp(t, UTC),
            "kind": kind,
        }
        for key, val in cols.items():
            row[key] = val[i] if isinstance(val, list) else val
        rows.append(row)
    return rows


def make_ctx(events: list[dict[str, Any]], accounts: list[dict[str, Any]] | None = None) -> DetectContext:
    ev = pa.Table.from_pylist(
        [{f.name: r.get(f.name) for f in EVENT_SCHEMA} for r in events], schema=EVENT_SCHEMA
    )
    if accounts is None:
        seen = sorted({(r["source"], r["account_id"]) for r in events})
        accounts = [{"source": s, "account_id": a} for s, a in seen]
    ac = pa.Table.from_pylist(
        [{f.name: r.get(f.name) for f in ACCOUNT_SCHEMA} for r in accounts], schema=ACCOUNT_SCHEMA
    )
    engine = DuckDBEngine(threads=1)
    engine.register("events", ev)
    engine.register("accounts", ac)
    engine.register("indicators", INDICATOR_SCHEMA.empty_table())
    return DetectContext(engine=engine)


def evidence(table: pa.Table) -> list[dict[str, Any]]:
    return [json.loads(e) for e in table.column("evidence").to_pylist()]
