"""The link-layer contract: parameters in ``__init__``, ``run(ctx)`` returns links.

A layer finds candidate account pairs (blocking), weighs them, tests them
against a null model where it can (``pvalue``), and keeps the evidence: the
shared object, the events on both sides and the time gap. Output columns are
:data:`opwatch.models.LINK_SCHEMA`, one row per unordered account pair
(``(source_a, account_a) < (source_b, account_b)``). Every registered layer
passes the shared contract test (tests/test_contracts.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import pyarrow as pa

from opwatch.models import LINK_SCHEMA
from opwatch.signals.base import DetectContext


class LinkLayer(ABC):
    name: ClassVar[str]

    def get_params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.endswith("_") and not k.startswith("_")}

    @abstractmethod
    def run(self, ctx: DetectContext) -> pa.Table:
        """Return links as a table with LINK_SCHEMA."""


def empty_links() -> pa.Table:
    return LINK_SCHEMA.empty_table()


def links_table(rows: dict[str, list[Any]]) -> pa.Table:
    n = len(next(iter(rows.values()))) if rows else 0
    cols = [pa.array(rows.get(f.name, [None] * n), type=f.type) for f in LINK_SCHEMA]
    return pa.Table.from_arrays(cols, schema=LINK_SCHEMA)
