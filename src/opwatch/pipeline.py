"""The detection pipeline: signals → links → graph → communities → scored operations.

One function, :func:`detect`, runs every stage in order on an engine, records
the run's parameters, input hash and timings, and writes the results as one
immutable run (:mod:`opwatch.store.runs`). Stages only read the canonical
views and each other's tables, so the same definition runs on any engine.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from opwatch import registry
from opwatch.engines.base import Engine
from opwatch.models import LINK_SCHEMA, SIGNAL_SCHEMA, Operation, account_key, split_account_key
from opwatch.operations.communities import leiden
from opwatch.operations.graph import build_graph
from opwatch.operations.inauthenticity import inauthenticity
from opwatch.operations.scoring import ScoreParams, combine, coordination, policy
from opwatch.signals.base import DetectContext

Progress = Callable[[str, int], Callable[[int], None]]

#: layers the default pipeline combines (others are registered and can be enabled)
DEFAULT_LAYERS: tuple[str, ...] = (
    "shared_indicator",
    "near_duplicate_text",
    "prompt_template",
    "code_lineage",
    "generated_then_posted",
    "co_repost",
    "co_reply",
    "co_link",
    "co_hashtag",
)


@dataclass
class DetectParams:
    detectors: list[str] | None = None  # None: every registered detector
    layers: list[str] = field(default_factory=lambda: list(DEFAULT_LAYERS))
    detector_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    layer_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    fdr: float = 0.01
    resolution: float = 1.0
    seed: int = 0
    score: ScoreParams = field(default_factory=ScoreParams)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    tables = [t.select(schema.names).cast(schema) for t in tables if t.num_rows]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def run_stages(
    engine: Engine, params: DetectParams, progress: Progress | None = None
) -> tuple[pa.Table, pa.Table, list[Operation], dict[str, Any]]:
    """Run every stage on an engine with the canonical views registered."""
    ctx = DetectContext(engine=engine, progress=progress)
    timings: dict[str, float] = {}
    used: dict[str, Any] = {"detectors": {}, "layers": {}}

    all_detectors = registry.detectors()
    names = params.detectors if params.detectors is not None else sorted(all_detectors)
    signal_tables = []
    for name in names:
        if name not in all_detectors:
            raise KeyError(f"unknown detector {name!r}; known: {sorted(all_detectors)}")
        det = all_detectors[name](**params.detector_params.get(name, {}))
        used["detectors"][name] = det.get_params()
        t0 = time.perf_counter()
        signal_tables.append(det.run(ctx))
        timings[f"detector:{name}"] = time.perf_counter() - t0
        engine.register("signals", _concat(signal_tables, SIGNAL_SCHEMA))
    signals = _concat(signal_tables, SIGNAL_SCHEMA)
    engine.register("signals", signals)

    all_layers = registry.layers()
    link_tables = []
    for name in params.layers:
        if name not in all_layers:
            raise KeyError(f"unknown link layer {name!r}; known: {sorted(all_layers)}")
        layer = all_layers[name](**params.layer_params.get(name, {}))
        used["layers"][name] = layer.get_params()
        t0 = time.perf_counter()
        link_tables.append(layer.run(ctx))
        timings[f"layer:{name}"] = time.perf_counter() - t0
    links = _concat(link_tables, LINK_SCHEMA)
    reported = ctx.params.get("tested_pairs", {})
    tested = sum(
        int(reported.get(name, t.num_rows)) for name, t in zip(params.layers, link_tables, strict=True)
    )

    t0 = time.perf_counter()
    graph = build_graph(links, fdr=params.fdr, tested_pairs=tested)
    comms = leiden(graph, resolution=params.resolution, seed=params.seed)
    timings["communities"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    operations = _score(engine, graph, comms, links, params.score)
    timings["scoring"] = time.perf_counter() - t0
    info = {
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "components": used,
        "counts": {
            "signals": signals.num_rows,
            "links": links.num_rows,
            "tested_pairs": graph.tested_pairs,
            "significant_edges": int(graph.src.size),
            "operations": len(operations),
            "flagged": sum(o.flagged for o in operations),
        },
    }
    return signals, links, operations, info


def _score(
    engine: Engine, graph: Any, comms: list[list[int]], links: pa.Table, sp: ScoreParams
) -> list[Operation]:
    if not comms:
        return []
    op_ids: list[str] = []
    rows: dict[str, list[Any]] = {"operation_id": [], "source": [], "account_id": []}
    members_by_op: dict[str, list[str]] = {}
    for c in comms:
        keys = sorted(graph.nodes[i] for i in c)
        op_id = "op-" + hashlib.sha1("\n".join(keys).encode()).hexdigest()[:10]
        op_ids.append(op_id)
        members_by_op[op_id] = keys
        for k in keys:
            s, a = split_account_key(k)
            rows["operation_id"].append(op_id)
            rows["source"].append(s)
            rows["account_id"].append(a)
    engine.register("op_members", pa.table(rows))
    engine.register("links", links)
    engine.register(
        "op_links",
        engine.sql("""
            SELECT ma.operation_id, l.* FROM links l
            JOIN op_members ma ON ma.source = l.source_a AND ma.account_id = l.account_a
            JOIN op_members mb ON mb.source = l.source_b AND mb.account_id = l.account_b
             AND mb.operation_id = ma.operation_id
        """),
    )
    pol = policy(engine, sp)
    # a content or behaviour link that would make an edge on its own corroborates shared identity
    inauth = inauthenticity(engine, corroborate_p=graph.single_layer_cutoff())
    profiles = _profiles(engine, {op: [split_account_key(k) for k in keys] for op, keys in members_by_op.items()})
    evidence = _top_evidence(engine)
    ops = []
    for op_id, c in zip(op_ids, comms, strict=True):
        co = coordination(graph, c, sp)
        p = pol.get(op_id, {"score": 0.0, "categories": {}, "share": 0.0, "events": 0})
        ia = inauth.get(op_id, {"score": 0.0})
        score = combine(co["score"], p["score"], ia["score"])
        keys = members_by_op[op_id]
        prof = profiles.get(op_id, {})
        prof.update(
            {
                "coordination": co,
                "policy": {k: v for k, v in p.items() if k != "categories"},
                "inauthenticity": ia,
            }
        )
        ops.append(
            Operation(
                operation_id=op_id,
                score=round(score, 4),
                coordination=round(co["score"], 4),
                policy=round(p["score"], 4),
                inauthenticity=round(ia["score"], 4),
                flagged=len(keys) >= sp.min_accounts and score >= sp.review_threshold,
                accounts=keys,
                sources=sorted({split_account_key(k)[0] for k in keys}),
                categories=p["categories"],
                profile=prof,
                evidence=evidence.get(op_id, []),
            )
        )
    ops.sort(key=lambda o: (-o.score, -o.size, o.operation_id))
    return ops


def _profiles(engine: Engine, groups: dict[str, list[tuple[str, str]]]) -> dict[str, dict[str, Any]]:
    t = engine.sql("""
        SELECT o.operation_id, count(e.event_id) AS events,
               min(e.timestamp) AS first_seen, max(e.timestamp) AS last_seen,
               list(DISTINCT e.kind) FILTER (WHERE e.kind IS NOT NULL) AS kinds
        FROM op_members o LEFT JOIN events e USING (source, account_id)
        GROUP BY o.operation_id
    """)
    out: dict[str, dict[str, Any]] = {}
    for row in t.to_pylist():
        out[row["operation_id"]] = {
            "events": row["events"],
            "first_seen": str(row["first_seen"]) if row["first_seen"] else None,
            "last_seen": str(row["last_seen"]) if row["last_seen"] else None,
            "kinds": sorted(row["kinds"] or []),
        }
    try:
        from opwatch.operations.behaviour import behaviour_profiles
    except ImportError:
        return out
    for op_id, prof in behaviour_profiles(engine, groups).items():
        out.setdefault(op_id, {})["behaviour"] = prof
    return out


def _top_evidence(engine: Engine, per_op: int = 8) -> dict[str, list[dict[str, Any]]]:
    t = engine.sql(f"""
        SELECT * FROM (
            SELECT operation_id, layer, source_a, account_a, source_b, account_b, weight, pvalue,
                   n_shared, evidence,
                   row_number() OVER (PARTITION BY operation_id ORDER BY weight DESC, pvalue, n_shared DESC,
                                      account_a, account_b) AS r
            FROM op_links
        ) WHERE r <= {per_op}
        ORDER BY operation_id, r
    """)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in t.to_pylist():
        out.setdefault(row["operation_id"], []).append(
            {
                "layer": row["layer"],
                "a": account_key(row["source_a"], row["account_a"]),
                "b": account_key(row["source_b"], row["account_b"]),
                "weight": round(row["weight"], 4),
                "pvalue": row["pvalue"],
                "shared": json.loads(row["evidence"] or "[]"),
            }
        )
    return out
