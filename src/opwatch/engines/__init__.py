"""Engines: where a stage's SQL runs. DuckDB is the embedded default.

A stage is written once, as SQL over the canonical tables (``events``,
``accounts``, ``indicators``, ``signals``) plus Arrow tables it registers, and
reads its results back as Arrow. See docs/decisions/0001-engine-sql.md.
"""

from opwatch.engines.base import Engine
from opwatch.engines.duckdb import DuckDBEngine

__all__ = ["DuckDBEngine", "Engine"]
