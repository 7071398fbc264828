"""The co-occurrence null model: rare shared objects are significant, popular ones are not."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from opwatch.engines import DuckDBEngine
from opwatch.links.cooccurrence import cooccurrence_links
from opwatch.signals.base import DetectContext


def incidences(rows: list[tuple[str, str, str]]) -> pa.Table:
    ts = datetime(2026, 3, 1, tzinfo=UTC)
    return pa.table({
        "source": ["s"] * len(rows),
        "account_id": [r[0] for r in rows],
        "kind": [r[1] for r in rows],
        "object": [r[2] for r in rows],
        "event_id": [f"e{i}" for i in range(len(rows))],
        "timestamp": pa.array([ts] * len(rows), pa.timestamp("us", tz="UTC")),
    })


def run(rows: list[tuple[str, str, str]], **kw: object) -> dict[tuple[str, str], float]:
    eng = DuckDBEngine()
    eng.register("inc", incidences(rows))
    ctx = DetectContext(engine=eng)
    out = cooccurrence_links(ctx, "inc", "test", keep_pvalue=1.0, **kw)  # type: ignore[arg-type]
    return {(r["account_a"], r["account_b"]): r["pvalue"] for r in out.to_pylist()}


def population(n: int = 400) -> list[tuple[str, str, str]]:
    rows = []
    for i in range(n):
        rows.append((f"u{i}", "device", f"d{i}"))
        rows.append((f"u{i}", "payment", f"p{i}"))
        rows.append((f"u{i}", "url", "https://viral.example"))  # everybody shares the viral link
        rows.append((f"u{i}", "ip", f"10.0.{i % 4}.1"))  # a carrier NAT: 100 per address
    return rows


def test_rare_infrastructure_beats_popular_objects() -> None:
    rows = population()
    # an operator's three accounts share a device and a payment fingerprint
    rows += [("op1", "device", "D"), ("op2", "device", "D"), ("op3", "device", "D"),
             ("op1", "payment", "P"), ("op2", "payment", "P"), ("op3", "payment", "P")]
    p = run(rows, max_object_accounts=1000)
    assert p[("op1", "op2")] < 1e-4
    # two ordinary users behind the same NAT who shared the same viral link
    assert p[("u0", "u4")] > 0.05


def test_more_shared_rare_objects_means_smaller_p() -> None:
    base = population(200)
    one = base + [("x1", "device", "D"), ("x2", "device", "D")]
    two = one + [("x1", "payment", "P"), ("x2", "payment", "P")]
    assert run(two)[("x1", "x2")] < run(one)[("x1", "x2")]


def test_objects_above_the_cap_make_no_pairs_and_p_above_keep_is_dropped() -> None:
    rows = population(300)
    assert run(rows, max_object_accounts=50) == {}
    eng = DuckDBEngine()
    eng.register("inc", incidences(rows + [("a", "device", "D"), ("b", "device", "D")]))
    ctx = DetectContext(engine=eng)
    out = cooccurrence_links(ctx, "inc", "t", max_object_accounts=1000, keep_pvalue=1e-9)
    assert out.num_rows == 0
    assert ctx.params["tested_pairs"]["t"] > 0


def test_single_layer_cutoff_is_where_one_layer_alone_makes_an_edge() -> None:
    from opwatch.models import LINK_SCHEMA
    from opwatch.operations.graph import build_graph

    def link(layer: str, a: str, b: str, p: float) -> dict[str, object]:
        return {"layer": layer, "source_a": "s", "account_a": a, "source_b": "s", "account_b": b,
                "weight": 1.0, "pvalue": p, "n_shared": 1, "evidence": "[]"}

    rows = [link("x", "a", "b", 1e-9), link("y", "a", "b", 1e-3), link("x", "c", "d", 1e-6),
            link("y", "e", "f", 1e-7), link("x", "g", "h", 0.04)]
    graph = build_graph(pa.Table.from_pylist(rows, schema=LINK_SCHEMA), fdr=0.01, tested_pairs=100)
    assert graph.n_layers == 2 and graph.src.size == 3  # g-h is not significant
    cut = graph.single_layer_cutoff()
    # a lone link at the cut-off has exactly the weakest kept combined p-value
    assert abs(2 / (1 / cut + 1) - 10 ** -graph.surprise.min()) < 1e-15
    assert 1e-6 <= cut < 0.04
    empty = build_graph(pa.Table.from_pylist([rows[-1]], schema=LINK_SCHEMA), fdr=0.01, tested_pairs=100)
    assert empty.single_layer_cutoff() == 0.0
