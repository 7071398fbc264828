"""The operation-level behaviour profile: rhythm, languages, automation, reach."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
from behaviour_support import EPOCH_MONDAY, event_rows, human_times, make_ctx

from opwatch.models import EVENT_SCHEMA
from opwatch.operations.behaviour import behaviour_profile, behaviour_profiles


def _world() -> tuple[list[dict], list[dict]]:
    rng = np.random.default_rng(11)
    rows: list[dict] = []
    for i in range(4):  # operators at UTC+3, prompting in Russian for English output
        times = human_times(rng, 60, 3)
        rows += event_rows(f"op{i}", times, text="Напиши короткий пост о ценах на энергию для американских читателей",
                           response="Energy prices keep rising and nobody in Washington seems to care about it.")
    for i in range(2):  # their social accounts; one post gets replies from outside
        rows += event_rows(f"sock{i}", [EPOCH_MONDAY + 86400 * (k + 1) for k in range(3)], source="social",
                           kind="post", text="Energy prices keep rising and nobody in Washington cares.",
                           attributes=json.dumps({"engagement": {"likes": 10, "shares": 2, "replies": 1}}))
    rows += event_rows("sock0b", [EPOCH_MONDAY + 90000], source="social", kind="repost", repost_of="sock0-0")
    rows += event_rows("outsider", [EPOCH_MONDAY + 90500, EPOCH_MONDAY + 91000], source="social", kind="reply",
                       text="Totally agree with this", reply_to="sock0-0")
    accounts = [{"source": r["source"], "account_id": r["account_id"], "followers": 100 * (i + 1)}
                for i, r in enumerate({(e["source"], e["account_id"]): e for e in rows}.values())]
    return rows, accounts


def test_profile_of_an_operation() -> None:
    rows, accounts = _world()
    ctx = make_ctx(rows, accounts)
    members = [("ai-service", f"op{i}") for i in range(4)] + [("social", "sock0"), ("social", "sock1"),
                                                               ("social", "sock0b")]
    prof = behaviour_profile(ctx, members)
    rh = prof["rhythm"]
    assert rh["basis"] == "ai-service events" and abs(rh["utc_offset"] - 3) <= 1
    assert rh["low_confidence"] is False and rh["agreeing_share"] >= 0.75
    assert rh["business_hours"] > 0.5
    lang = prof["languages"]
    assert lang["prompt"] == {"ru": 1.0} and lang["output"] == {"en": 1.0} and lang["mismatch_share"] == 1.0
    assert lang["post"].get("en") == 1.0
    reach = prof["reach"]
    assert reach["platforms"] == ["social"] and reach["n_posts"] == 6
    assert reach["engagement"] == {"likes": 60, "shares": 12, "replies": 6} and reach["total_engagement"] == 78
    bo = prof["breakout_inputs"]
    assert bo["platforms"] == 1 and bo["external_accounts"] == 1 and bo["external_interactions"] == 2
    assert "automated_share" in prof["automation"]
    assert prof["utc_offset"] == rh["utc_offset"]
    assert prof["summary"].startswith(f"UTC{rh['utc_offset']:+d}") and "prompts ru→output en" in prof["summary"]
    json.dumps(prof)  # JSON-ready


def test_profiles_batch_dict_tables_and_edge_cases() -> None:
    rows, accounts = _world()
    ev = pa.Table.from_pylist([{f.name: r.get(f.name) for f in EVENT_SCHEMA} for r in rows], schema=EVENT_SCHEMA)
    ctx = make_ctx(rows, accounts)
    tables = {"events": ev, "accounts": ctx.sql("SELECT * FROM accounts")}
    out = behaviour_profiles(tables, {"a": [("ai-service", "op0")], "ghost": [("ai-service", "nobody")], "empty": []})
    assert set(out) == {"a", "ghost", "empty"}
    assert out["ghost"]["n_events"] == 0 and out["ghost"]["rhythm"]["utc_offset"] is None
    assert out["ghost"]["rhythm"]["low_confidence"] and out["ghost"]["reach"]["n_posts"] == 0
    assert out["ghost"]["summary"] == "time zone: low confidence"
    assert out["a"]["n_events"] == 60 and out["a"]["reach"]["max_followers"] == 100
