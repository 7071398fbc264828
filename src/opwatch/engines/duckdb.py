"""The embedded DuckDB engine: Parquet files as views, Arrow tables in and out."""

from __future__ import annotations

import os

import duckdb
import pyarrow as pa

from opwatch.engines.base import Engine


class DuckDBEngine(Engine):
    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET threads={threads or os.cpu_count() or 2}")
        self.con.execute("SET enable_progress_bar = false")
        if memory_limit:
            self.con.execute(f"SET memory_limit='{memory_limit}'")
        self._names: set[str] = set()
        self._arrow: dict[str, pa.Table] = {}

    def register(self, name: str, table: pa.Table) -> None:
        self._arrow[name] = table  # keep a reference: DuckDB scans it lazily
        self.con.register(name, table)
        self._names.add(name)

    def register_parquet(self, name: str, paths: list[str], schema: pa.Schema) -> None:
        if not paths:
            self.register(name, schema.empty_table())
            return
        files = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
        self.con.execute(
            f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet([{files}], union_by_name=true)'
        )
        self._names.add(name)

    def sql(self, query: str, params: list[object] | None = None) -> pa.Table:
        if params:
            return self.con.execute(query, params).to_arrow_table()
        rel = self.con.sql(query)
        if rel is None:  # a statement without a result (CREATE, SET, ...)
            return pa.table({})
        return rel.to_arrow_table()

    def has(self, name: str) -> bool:
        return name in self._names

    def close(self) -> None:
        self.con.close()
