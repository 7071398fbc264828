"""Ingest: files in the canonical schema (or mapped onto it) → one committed batch.

One call of :func:`ingest` is one batch: every file is streamed row by row,
each row is mapped, validated and either buffered (flushed to staging Parquet
every ``chunk_rows`` rows, so memory stays bounded) or written to the
quarantine with its reason. At the end, duplicates of already-committed
``(source, event_id)`` keys — and repeats inside the batch — are removed in
the engine, and the batch is committed atomically (see
:mod:`opwatch.store.columnar`). Re-ingesting the same file adds nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from opwatch.ingest.mapping import Mapping, MappingError, apply
from opwatch.ingest.quarantine import Quarantine
from opwatch.ingest.readers import detect_format, read_rows, total_size
from opwatch.ingest.validate import RowError, validate
from opwatch.store.columnar import KEYS, TABLES, ColumnStore

__all__ = ["IngestError", "IngestSummary", "MappingError", "ingest"]

Progress = Callable[[str, int], Callable[[int], None]]

#: memory DuckDB may use while removing duplicates; beyond it, it spills to disk
DEDUP_MEMORY = "256MB"


class IngestError(RuntimeError):
    """The ingest cannot start (missing file, unknown format, bad mapping)."""


@dataclass
class IngestSummary:
    batch_id: str | None
    read: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    quarantine_file: str | None = None
    already_ingested: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Staged:
    """Column buffers of one table, flushed to numbered Parquet parts."""

    def __init__(self, table: str, staging: Path, chunk_rows: int) -> None:
        self.table = table
        self.schema = TABLES[table]
        self.staging = staging
        self.chunk_rows = chunk_rows
        self.cols: dict[str, list[Any]] = {n: [] for n in self.schema.names}
        self.seq: list[int] = []
        self.parts: list[Path] = []
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        for n, col in self.cols.items():
            col.append(row.get(n))
        self.seq.append(self.rows)
        self.rows += 1
        if len(self.seq) >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        if not self.seq:
            return
        arrays = []
        for f in self.schema:
            values = self.cols[f.name]
            if pa.types.is_timestamp(f.type):
                arrays.append(pa.array(values, type=pa.int64()).cast(f.type))
            else:
                arrays.append(pa.array(values, type=f.type))
        arrays.append(pa.array(self.seq, type=pa.int64()))
        schema = self.schema.append(pa.field("_seq", pa.int64()))
        path = self.staging / f"{self.table}-part-{len(self.parts):05d}.parquet"
        pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path, compression="zstd")
        self.parts.append(path)
        for col in self.cols.values():
            col.clear()
        self.seq = []


def _dedup(store: ColumnStore, staged: _Staged) -> tuple[Path | None, int]:
    """Write the new rows of a staged table (first copy of each key, not yet committed)."""
    import duckdb

    if not staged.parts:
        return None, 0
    k1, k2 = KEYS[staged.table]
    parts = ", ".join(f"'{p}'" for p in staged.parts)
    existing = store.files(staged.table)
    con = duckdb.connect()
    # bounded memory whatever the batch size: DuckDB spills to the staging folder beyond this
    con.execute(f"SET memory_limit = '{DEDUP_MEMORY}'")
    con.execute(f"SET temp_directory = '{staged.staging / 'spill'}'")
    con.execute("SET preserve_insertion_order = false")
    try:
        exists_clause = ""
        if existing:
            files = ", ".join(f"'{p}'" for p in existing)
            con.execute(
                f"CREATE TEMP TABLE old_keys AS SELECT DISTINCT {k1}, {k2} FROM read_parquet([{files}])"
            )
            exists_clause = f"AND NOT EXISTS (SELECT 1 FROM old_keys o WHERE o.{k1} = s.{k1} AND o.{k2} = s.{k2})"
        order = "source, account_id, timestamp" if staged.table == "events" else "source, account_id"
        out = staged.staging / f"{staged.table}.parquet"
        cols = ", ".join(f'"{n}"' for n in staged.schema.names)
        con.execute(
            f"""COPY (
                SELECT {cols} FROM (
                    SELECT *, row_number() OVER (PARTITION BY {k1}, {k2} ORDER BY _seq) AS _rn
                    FROM read_parquet([{parts}])
                ) s WHERE _rn = 1 {exists_clause}
                ORDER BY {order}
            ) TO '{out}' (FORMAT parquet, COMPRESSION zstd)"""
        )
        n = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()
        added = int(n[0]) if n else 0
    finally:
        con.close()
    if added == 0:
        out.unlink()
        return None, 0
    return out, added


def _read_file(
    path: Path,
    table: str,
    mapping: Mapping,
    source: str | None,
    staged: _Staged,
    quarantine: Quarantine,
    progress: Progress | None,
) -> int:
    names = TABLES[table].names
    fmt = detect_format(path)
    advance = progress(f"reading {path.name}", total_size(path, fmt)) if progress else None
    last = 0
    read = 0
    for raw in read_rows(path):
        read += 1
        if advance is not None and raw.position - last >= 65536:
            advance(raw.position - last)
            last = raw.position
        if raw.row is None:
            quarantine.add(str(path), raw.line, table, raw.field, raw.error or "unreadable", raw.raw)
            continue
        row = apply(raw.row, table, mapping, names)
        if source is not None and row.get("source") is None:
            row["source"] = source
        try:
            staged.add(validate(row, table, mapping, lists_from_text=fmt == "csv"))
        except RowError as exc:
            quarantine.add(str(path), raw.line, table, exc.field, exc.reason, raw.raw if raw.raw is not None else raw.row)
    if advance is not None:
        advance(max(0, total_size(path, fmt) - last))
    return read


def ingest(
    store: ColumnStore,
    files: Iterable[str | Path],
    accounts: Iterable[str | Path] = (),
    mapping: str | Path | Mapping | None = None,
    source: str | None = None,
    progress: Progress | None = None,
    chunk_rows: int = 100_000,
) -> IngestSummary:
    """Ingest event ``files`` and ``accounts`` files as one atomic batch."""
    event_paths = [Path(f) for f in files]
    account_paths = [Path(f) for f in accounts]
    for p in (*event_paths, *account_paths):
        if not p.is_file():
            raise IngestError(f"{p}: no such file")
        try:
            detect_format(p)
        except ValueError as exc:
            raise IngestError(str(exc)) from None
    try:
        mp = mapping if isinstance(mapping, Mapping) else Mapping.load(mapping)
    except MappingError as exc:
        raise IngestError(str(exc)) from None
    digests = {str(p): file_digest(p) for p in (*event_paths, *account_paths)}
    seen = {i["sha256"] for b in store.batches() for i in b.get("inputs", [])}

    batch_id, staging = store.new_batch()
    summary = IngestSummary(batch_id=batch_id)
    quarantine = Quarantine(staging / "quarantine.jsonl")
    try:
        staged = {t: _Staged(t, staging, chunk_rows) for t in TABLES}
        for table, paths in (("events", event_paths), ("accounts", account_paths)):
            summary.read[table] = 0
            for p in paths:
                summary.read[table] += _read_file(p, table, mp, source, staged[table], quarantine, progress)
            staged[table].flush()
        quarantine.close()
        outputs: dict[str, Path | None] = {}
        for table in TABLES:
            out, added = _dedup(store, staged[table])
            outputs[table] = out
            summary.added[table] = added
            summary.duplicates[table] = staged[table].rows - added
        summary.quarantined = quarantine.count
        summary.quarantine_reasons = dict(quarantine.by_reason)
        nothing_new = not any(summary.added.values())
        if nothing_new and (quarantine.count == 0 or set(digests.values()) <= seen):
            summary.already_ingested = bool(digests) and set(digests.values()) <= seen
            summary.batch_id = None
            store.abort(batch_id)
            return summary
        if quarantine.count:
            qpath = store.root / "quarantine" / f"{batch_id}.jsonl"
            (staging / "quarantine.jsonl").replace(qpath)
            summary.quarantine_file = str(qpath)
        store.commit(
            batch_id,
            outputs,
            {
                "inputs": [{"path": p, "sha256": d} for p, d in digests.items()],
                "source": source,
                "added": summary.added,
                "quarantined": quarantine.count,
            },
        )
        return summary
    except BaseException:
        quarantine.close()
        store.abort(batch_id)
        raise
