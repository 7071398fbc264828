"""Inauthenticity factors that must not fire on households, shared computers or real people
who repost an announcement (operations/inauthenticity.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from opwatch.engines import DuckDBEngine
from opwatch.models import ACCOUNT_SCHEMA, EVENT_SCHEMA, LINK_SCHEMA, SIGNAL_SCHEMA
from opwatch.operations.inauthenticity import inauthenticity


def _link(layer: str, a: str, b: str, objects: list[str], p: float, src_a: str = "svc", src_b: str = "svc") -> dict:
    ev = [{"object": o, "event_a": f"{a}-e0", "event_b": f"{b}-e0", "gap_s": 60.0} for o in objects]
    return {"layer": layer, "source_a": src_a, "account_a": a, "source_b": src_b, "account_b": b,
            "weight": 1.0, "pvalue": p, "n_shared": len(objects), "evidence": json.dumps(ev)}


def _engine(members: dict[str, list[tuple[str, str]]], links: list[dict], events: dict[tuple[str, str], int]) -> DuckDBEngine:
    eng = DuckDBEngine(threads=1)
    rows = [{"operation_id": op, "source": s, "account_id": a} for op, ms in members.items() for s, a in ms]
    eng.register("op_members", pa.Table.from_pylist(rows))
    lt = pa.Table.from_pylist(links, schema=LINK_SCHEMA)
    eng.register("links", lt)
    op_of = {(s, a): op for op, ms in members.items() for s, a in ms}
    eng.register("op_links", pa.Table.from_pylist(
        [{"operation_id": op_of[(r["source_a"], r["account_a"])], **r} for r in links]))
    t0 = datetime(2026, 3, 2, tzinfo=UTC)
    ev = [{"event_id": f"{a}-e{i}", "source": s, "account_id": a, "timestamp": t0 + timedelta(minutes=i),
           "kind": "post"} for (s, a), n in events.items() for i in range(n)]
    eng.register("events", pa.Table.from_pylist(ev, schema=EVENT_SCHEMA))
    eng.register("accounts", ACCOUNT_SCHEMA.empty_table())
    eng.register("signals", SIGNAL_SCHEMA.empty_table())
    return eng


def test_shared_identity_needs_behaviour_alike() -> None:
    cafe = [("svc", f"c{i}") for i in range(3)]
    operator = [("svc", f"o{i}") for i in range(3)]
    wallet = [("svc", f"w{i}") for i in range(3)]
    links = [
        _link("shared_indicator", "c0", "c1", ["device:pc1", "ip:1.2.3.4"], 1e-6),
        _link("shared_indicator", "c1", "c2", ["device:pc1"], 1e-6),
        _link("near_duplicate_text", "c0", "c1", ["text:c1:how do I"], 1e-3),  # weak: common text
        _link("shared_indicator", "o0", "o1", ["device:laptop"], 1e-6),
        _link("shared_indicator", "o1", "o2", ["device:laptop"], 1e-6),
        _link("prompt_template", "o0", "o1", ["prompt_template:sc1:ab"], 1e-9),
        _link("prompt_template", "o1", "o2", ["prompt_template:sc1:ab"], 1e-9),
        _link("shared_indicator", "w0", "w1", ["payment:card9", "device:tablet"], 1e-6),  # a household
        _link("shared_indicator", "w1", "w2", ["payment:card9"], 1e-6),
        _link("shared_indicator", "w0", "w2", ["payment:card9"], 1e-6),
        _link("code_lineage", "w0", "w2", ["code:f00d"], 1e-8),  # two of them write the same code
    ]
    ev = {m: 5 for m in cafe + operator + wallet}
    out = inauthenticity(_engine({"cafe": cafe, "op": operator, "wallet": wallet}, links, ev), corroborate_p=1e-5)
    assert out["cafe"]["shared_identity"] == 0.0
    assert out["op"]["shared_identity"] == 1.0
    assert out["wallet"]["shared_identity"] == 2 / 3
    # with a looser cut-off the weak text link corroborates c0-c1
    loose = inauthenticity(_engine({"cafe": cafe}, links[:3], {m: 5 for m in cafe}), corroborate_p=1e-2)
    assert loose["cafe"]["shared_identity"] == 2 / 3


def test_copied_output_is_weighted_by_how_much_of_each_account_is_copied() -> None:
    personas = [("ai", "writer")] + [("social", f"p{i}") for i in range(3)]
    staff = [("ai", "comms")] + [("social", f"s{i}") for i in range(3)]
    links = [_link("generated_then_posted", "writer", f"p{i}", [f"generated:{j}" for j in range(4)], 1e-20,
                   "ai", "social") for i in range(3)]
    links += [_link("near_duplicate_text", "writer", f"p{i}", [f"text:{j}" for j in range(4)], 1e-12,
                    "ai", "social") for i in range(3)]  # the same texts again: not counted twice
    links += [_link("generated_then_posted", "comms", f"s{i}", ["generated:release"], 1e-20, "ai", "social")
              for i in range(3)]
    ev = {("ai", "writer"): 8, ("ai", "comms"): 1}
    ev.update({("social", f"p{i}"): 5 for i in range(3)})  # 4 of 5 posts copied
    ev.update({("social", f"s{i}"): 20 for i in range(3)})  # 1 of 20 posts copied
    out = inauthenticity(_engine({"io": personas, "pr": staff}, links, ev))
    assert abs(out["io"]["copied_output"] - (1.0 + 3 * 0.8) / 4) < 1e-9
    assert abs(out["pr"]["copied_output"] - (1.0 + 3 * 0.05) / 4) < 1e-9
