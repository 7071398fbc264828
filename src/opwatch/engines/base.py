"""The engine contract every stage is written against."""

from __future__ import annotations

from abc import ABC, abstractmethod

import pyarrow as pa


class Engine(ABC):
    """Runs SQL over named tables and hands results back as Arrow.

    Stages use only: ``register`` (an Arrow table under a name), ``sql`` (a
    query in the portable SQL subset: CTEs, joins, window and aggregate
    functions, no engine-only functions), and ``has`` (is a table there).
    """

    @abstractmethod
    def register(self, name: str, table: pa.Table) -> None: ...

    @abstractmethod
    def register_parquet(self, name: str, paths: list[str], schema: pa.Schema) -> None: ...

    @abstractmethod
    def sql(self, query: str, params: list[object] | None = None) -> pa.Table: ...

    @abstractmethod
    def has(self, name: str) -> bool: ...

    def close(self) -> None:  # pragma: no cover - default no-op
        return None
