"""The "code_lineage" layer: accounts iterating on the same code base.

Code is taken from AI-service prompts and responses
(:func:`opwatch.links.fingerprint.extract_code`) and fingerprinted
(:func:`~opwatch.links.fingerprint.code_fingerprints`: winnowed token 5-grams
plus renamed Python function/class bodies). Each account's fingerprints are
its objects; accounts sharing rare fingerprints are paired by
:func:`opwatch.links.cooccurrence.cooccurrence_links`, whose null model keeps
each account's volume and each fingerprint's popularity, so boilerplate
(``import requests``…) shared by hundreds is not expanded and a code base
handed from account to account, one small change each, is. A pair needs at
least ``min_shared`` fingerprints. Weight = the co-occurrence surprise weight, raised
to the containment of the smaller side where that is larger
(``shared / min(|A|, |B|)``), so two accounts whose code is mostly the same are
linked strongly even when each has little code (times ``min(1, -log10(p) / 2)``, so
an insignificant overlap stays weak).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opwatch.links.base import LinkLayer, empty_links
from opwatch.links.cooccurrence import cooccurrence_links
from opwatch.links.fingerprint import code_fingerprints, extract_code
from opwatch.registry import register_layer
from opwatch.signals.base import DetectContext
from opwatch.signals.behaviour.timeline import AI_EVENT_SQL


@register_layer
class CodeLineageLayer(LinkLayer):
    name = "code_lineage"

    def __init__(self, k: int = 5, window: int = 4, min_shared: int = 8, max_accounts: int = 50,
                 max_evidence: int = 5) -> None:
        self.k = k
        self.window = window
        self.min_shared = min_shared
        self.max_accounts = max_accounts
        self.max_evidence = max_evidence

    def incidences(self, ctx: DetectContext) -> pa.Table:
        """(source, account_id, kind, object, event_id, timestamp) per code fingerprint."""
        rows = ctx.sql(
            "SELECT source, account_id, event_id, timestamp, text, response FROM events "
            f"WHERE {AI_EVENT_SQL} AND account_id IS NOT NULL "
            "AND (text LIKE '%\n%' OR response LIKE '%\n%')"
        ).to_pylist()
        cache: dict[str, set[str]] = {}
        cols: dict[str, list[object]] = {c: [] for c in ("source", "account_id", "object", "event_id", "timestamp")}
        for r in rows:
            fps: set[str] = set()
            for field in ("text", "response"):
                value = r[field]
                if not value:
                    continue
                if value not in cache:
                    cache[value] = set().union(
                        *(code_fingerprints(c, self.k, self.window) for c in extract_code(value))
                    )
                fps |= cache[value]
            for fp in fps:
                cols["source"].append(r["source"])
                cols["account_id"].append(r["account_id"])
                cols["object"].append(fp)
                cols["event_id"].append(r["event_id"])
                cols["timestamp"].append(r["timestamp"])
        n = len(cols["object"])
        return pa.table({
            "source": pa.array(cols["source"], pa.string()),
            "account_id": pa.array(cols["account_id"], pa.string()),
            "kind": pa.array(["code"] * n, pa.string()),
            "object": pa.array(cols["object"], pa.string()),
            "event_id": pa.array(cols["event_id"], pa.string()),
            "timestamp": pa.array(cols["timestamp"], pa.timestamp("us", tz="UTC")),
        })

    def run(self, ctx: DetectContext) -> pa.Table:
        inc = self.incidences(ctx)
        if inc.num_rows == 0:
            return empty_links()
        name = "_code_lineage_incidences"
        ctx.engine.register(name, inc)
        links = cooccurrence_links(ctx, name, self.name, self.max_accounts, self.max_evidence)
        links = links.filter(pc.greater_equal(links["n_shared"], self.min_shared))
        if links.num_rows == 0:
            return empty_links()
        sizes = ctx.sql(
            f"SELECT source, account_id, count(DISTINCT object) AS n FROM {name} GROUP BY source, account_id"
        )
        size = {
            (s, a): n for s, a, n in zip(sizes["source"].to_pylist(), sizes["account_id"].to_pylist(),
                                         sizes["n"].to_pylist(), strict=True)
        }
        smaller = np.array([
            min(size[(sa, aa)], size[(sb, ab)]) for sa, aa, sb, ab in zip(
                links["source_a"].to_pylist(), links["account_a"].to_pylist(),
                links["source_b"].to_pylist(), links["account_b"].to_pylist(), strict=True)
        ], dtype=float)
        containment = links["n_shared"].to_numpy().astype(float) / np.maximum(smaller, 1.0)
        p = np.clip(links["pvalue"].to_numpy(), 1e-300, 1.0)
        significance = np.clip(-np.log10(p) / 2.0, 0.0, 1.0)
        weight = np.maximum(links["weight"].to_numpy(), np.clip(containment, 0.0, 1.0) * significance)
        return links.set_column(links.schema.get_field_index("weight"), "weight", pa.array(weight, pa.float64()))
