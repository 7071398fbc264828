"""The detector contract: parameters in ``__init__``, ``run(ctx)`` returns signals.

Detectors never write. They read the canonical tables through the context's
engine and return an Arrow table with :data:`opwatch.models.SIGNAL_SCHEMA`.
Every registered detector passes the shared contract test
(tests/test_contracts.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from opwatch.engines.base import Engine
from opwatch.models import SIGNAL_SCHEMA


@dataclass
class DetectContext:
    """What a stage may see: an engine with the canonical tables, and a progress hook.

    Tables always present: ``events``, ``accounts``, ``indicators``. After the
    signal stage: ``signals`` (all detectors' output so far). ``memo`` lets
    detectors of one run share an expensive intermediate result that depends
    only on the canonical tables (e.g. per-event AI-text scores used by both the
    event and the account detector); key it by everything the result depends on.
    """

    engine: Engine
    progress: Callable[[str, int], Callable[[int], None]] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict)

    def sql(self, query: str, params: list[object] | None = None) -> pa.Table:
        return self.engine.sql(query, params)

    def step(self, description: str, total: int) -> Callable[[int], None]:
        """Start a progress bar; returns ``advance(n)``. Silent without a UI."""
        if self.progress is None:
            return lambda n: None
        return self.progress(description, total)


class Detector(ABC):
    """One detector: a named, parameterised function from tables to signals."""

    #: unique name, also the ``detector`` column of its signals
    name: ClassVar[str]
    #: "event" or "account": what its signals are about
    subject: ClassVar[str]

    def get_params(self) -> dict[str, Any]:
        """The parameters given to ``__init__`` (recorded with every run)."""
        return {k: v for k, v in vars(self).items() if not k.endswith("_") and not k.startswith("_")}

    @abstractmethod
    def run(self, ctx: DetectContext) -> pa.Table:
        """Return signals as a table with SIGNAL_SCHEMA."""


def empty_signals() -> pa.Table:
    return SIGNAL_SCHEMA.empty_table()


def signals_table(rows: dict[str, list[Any]]) -> pa.Table:
    """Build a SIGNAL_SCHEMA table from column lists (missing columns become null)."""
    n = len(next(iter(rows.values()))) if rows else 0
    cols = [pa.array(rows.get(f.name, [None] * n), type=f.type) for f in SIGNAL_SCHEMA]
    return pa.Table.from_arrays(cols, schema=SIGNAL_SCHEMA)
