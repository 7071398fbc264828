"""The Workspace façade: the one object the CLI and the web console call.

A workspace is a directory: the columnar store (events, accounts, quarantine,
runs) and the case store. Everything a user can do goes through a method
here; nothing else opens the stores.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from opwatch.ingest import IngestSummary, ingest
from opwatch.ingest.mapping import Mapping
from opwatch.store.columnar import ColumnStore
from opwatch.store.runs import RunStore

Progress = Callable[[str, int], Callable[[int], None]]

DEFAULT_WORKSPACE = "opwatch-workspace"


class Workspace:
    """Open (creating if needed) the workspace at ``path``."""

    def __init__(self, path: str | Path | None = None, database_url: str | None = None) -> None:
        self.path = Path(path or os.environ.get("OPWATCH_WORKSPACE", DEFAULT_WORKSPACE))
        self.store = ColumnStore(self.path)
        self.runs = RunStore(self.path)
        self._database_url = database_url
        self._cases: Any = None

    # -- cases ------------------------------------------------------------
    @property
    def cases(self) -> Any:
        """The case store (SQLite in the workspace, or ``OPWATCH_DATABASE_URL``), migrated on first use."""
        if self._cases is None:
            from opwatch.store.cases import CaseStore, database_url

            self._cases = CaseStore(self._database_url or database_url(self.path))
        return self._cases

    # -- ingest -----------------------------------------------------------
    def ingest(
        self,
        files: Iterable[str | Path],
        accounts: Iterable[str | Path] = (),
        mapping: str | Path | Mapping | None = None,
        source: str | None = None,
        progress: Progress | None = None,
    ) -> IngestSummary:
        return ingest(self.store, files, accounts, mapping=mapping, source=source, progress=progress)

    def counts(self) -> dict[str, int]:
        import duckdb

        out = {}
        for table in ("events", "accounts"):
            files = self.store.files(table)
            if not files:
                out[table] = 0
                continue
            row = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet({files!r})").fetchone()
            out[table] = int(row[0]) if row else 0
        return out

    # -- detect -----------------------------------------------------------
    def detect(self, params: Any = None, progress: Progress | None = None) -> str:
        """Run the pipeline on everything ingested; returns the new run id."""
        import time
        from datetime import UTC, datetime

        from opwatch.engines import DuckDBEngine
        from opwatch.pipeline import DetectParams, run_stages
        from opwatch.store.views import register_canonical

        if not self.store.files("events"):
            raise RuntimeError("the workspace has no events: run `opwatch ingest FILE` first")
        params = params or DetectParams()
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        engine = DuckDBEngine()
        try:
            register_canonical(engine, self.store)
            signals, links, operations, info = run_stages(engine, params, progress)
        finally:
            engine.close()
        run_id = self.runs.new_run_id()
        run = {
            "run_id": run_id,
            "started": started.isoformat(),
            "seconds": round(time.perf_counter() - t0, 3),
            "input_hash": self.store.input_hash(),
            "batches": [b["id"] for b in self.store.batches()],
            "params": params.to_dict(),
            **info,
        }
        self.runs.save(
            run_id,
            {"signals": signals, "links": links},
            {"operations": [o.to_dict() for o in operations], "run": run},
        )
        return run_id

    # -- results ----------------------------------------------------------
    def run_info(self, run_id: str | None = None) -> dict[str, Any]:
        info: dict[str, Any] = self.runs.read_json("run", run_id)
        return info

    def operations(self, run_id: str | None = None, flagged_only: bool = False) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = self.runs.read_json("operations", run_id)
        return [o for o in ops if o["flagged"]] if flagged_only else ops

    def links(self, run_id: str | None = None) -> Any:
        return self.runs.read_table("links", run_id)

    def signals(self, run_id: str | None = None) -> Any:
        return self.runs.read_table("signals", run_id)

    def evaluate(self, truth: str | Path, run_id: str | None = None) -> dict[str, Any]:
        from opwatch.evaluate import evaluate, read_truth

        return evaluate(self.operations(run_id), read_truth(truth))
