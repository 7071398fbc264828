"""The columnar store: events and accounts as Parquet batches under one manifest.

Layout of a workspace::

    manifest.json            committed batches (the only source of truth)
    events/<batch>.parquet   one file per committed batch
    accounts/<batch>.parquet
    quarantine/<batch>.jsonl bad rows with file, line, field and reason
    runs/<run>/...           detection results (see opwatch.store.runs)
    .staging/<batch>/        work in progress; never read, removed on open

A batch becomes visible only when ``manifest.json`` is atomically replaced
(write to a temporary file, fsync, rename). A crash or Ctrl-C at any earlier
point leaves the manifest — and so the workspace — as it was; the leftovers in
``.staging`` and any unlisted Parquet file are swept on the next open.
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

from opwatch.models import ACCOUNT_SCHEMA, EVENT_SCHEMA

TABLES: dict[str, pa.Schema] = {"events": EVENT_SCHEMA, "accounts": ACCOUNT_SCHEMA}
KEYS: dict[str, tuple[str, str]] = {"events": ("source", "event_id"), "accounts": ("source", "account_id")}


def atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:  # pragma: no cover - platforms without directory fsync
        pass


class ColumnStore:
    """Committed Parquet batches of events and accounts in one directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.manifest_path = self.root / "manifest.json"
        self.root.mkdir(parents=True, exist_ok=True)
        for name in (*TABLES, "quarantine", "runs", ".staging"):
            (self.root / name).mkdir(exist_ok=True)
        self.sweep()

    # -- manifest ---------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            return {"version": 1, "batches": []}
        try:
            data: dict[str, Any] = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RuntimeError(
                f"{self.manifest_path} is corrupt ({exc}); restore it from a backup"
            ) from exc
        return data

    def files(self, table: str) -> list[str]:
        out: list[str] = []
        for batch in self.manifest()["batches"]:
            out.extend(str(self.root / f) for f in batch["files"].get(table, []))
        return out

    def batches(self) -> list[dict[str, Any]]:
        return list(self.manifest()["batches"])

    def input_hash(self) -> str:
        """A digest of everything committed (changes whenever a batch is added)."""
        import hashlib

        h = hashlib.sha256()
        for b in self.batches():
            h.update(b["id"].encode())
        return h.hexdigest()[:16]

    # -- batches ----------------------------------------------------------
    def new_batch(self) -> tuple[str, Path]:
        batch_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        staging = self.root / ".staging" / batch_id
        staging.mkdir(parents=True)
        return batch_id, staging

    def commit(self, batch_id: str, staged: dict[str, Path | None], info: dict[str, Any]) -> None:
        """Move staged files into place and publish them in one manifest write."""
        files: dict[str, list[str]] = {}
        for table, path in staged.items():
            if path is None:
                continue
            rel = f"{table}/{batch_id}.parquet"
            os.replace(path, self.root / rel)
            files[table] = [rel]
        manifest = self.manifest()
        manifest["batches"].append({"id": batch_id, "files": files, **info})
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=1, sort_keys=True))
        shutil.rmtree(self.root / ".staging" / batch_id, ignore_errors=True)

    def abort(self, batch_id: str) -> None:
        shutil.rmtree(self.root / ".staging" / batch_id, ignore_errors=True)

    def sweep(self) -> None:
        """Remove staging leftovers and Parquet files no manifest entry names."""
        staging = self.root / ".staging"
        for child in staging.iterdir():
            shutil.rmtree(child, ignore_errors=True)
        listed = set()
        for b in self.manifest()["batches"]:
            for fs in b["files"].values():
                listed.update(fs)
        for table in TABLES:
            for f in (self.root / table).glob("*.parquet"):
                if f"{table}/{f.name}" not in listed:
                    f.unlink()
        ids = {b["id"] for b in self.manifest()["batches"]}
        for f in (self.root / "quarantine").glob("*.jsonl"):
            if f.stem not in ids:
                f.unlink()
        for f in self.root.glob(".manifest.json.*.tmp"):
            f.unlink()
