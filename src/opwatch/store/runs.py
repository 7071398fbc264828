"""Run results: each ``opwatch detect`` writes one immutable run directory.

``runs/<run_id>/`` holds ``signals.parquet``, ``links.parquet``,
``operations.json`` and ``run.json`` (parameters, input hash, timings,
counts). The directory is built under a temporary name and renamed into place,
then ``runs/LATEST`` is replaced atomically, so readers never see half a run.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from opwatch.store.columnar import atomic_write_text


class RunStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root) / "runs"
        self.root.mkdir(parents=True, exist_ok=True)
        for leftover in self.root.glob(".tmp-*"):
            shutil.rmtree(leftover, ignore_errors=True)

    def new_run_id(self) -> str:
        return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]

    def save(
        self,
        run_id: str,
        tables: dict[str, pa.Table],
        documents: dict[str, Any],
    ) -> Path:
        tmp = self.root / f".tmp-{run_id}"
        tmp.mkdir(parents=True)
        for name, table in tables.items():
            pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
        for name, doc in documents.items():
            (tmp / f"{name}.json").write_text(
                json.dumps(doc, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
            )
        final = self.root / run_id
        os.replace(tmp, final)
        atomic_write_text(self.root / "LATEST", run_id)
        return final

    def latest(self) -> str | None:
        p = self.root / "LATEST"
        if not p.exists():
            return None
        run_id = p.read_text(encoding="utf-8").strip()
        return run_id if (self.root / run_id).is_dir() else None

    def path(self, run_id: str | None = None) -> Path:
        rid = run_id or self.latest()
        if rid is None:
            raise FileNotFoundError("no detection run yet: run `opwatch detect` first")
        p = self.root / rid
        if not p.is_dir():
            raise FileNotFoundError(f"no run {rid!r} in {self.root}")
        return p

    def read_json(self, name: str, run_id: str | None = None) -> Any:
        return json.loads((self.path(run_id) / f"{name}.json").read_text(encoding="utf-8"))

    def read_table(self, name: str, run_id: str | None = None) -> pa.Table:
        return pq.read_table(self.path(run_id) / f"{name}.parquet")

    def list(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
