"""The written world follows the canonical schema, covers every account in truth, and repeats."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from opwatch.models import ACCOUNT_SCHEMA, EVENT_SCHEMA
from opwatch.simulate import simulate

KINDS = {"ai-service": {"prompt"}, "social": {"post", "reply", "repost"}}


def _digest(out: Path) -> dict[str, str]:
    return {n: hashlib.sha256((out / n).read_bytes()).hexdigest()
            for n in ("events.jsonl", "accounts.jsonl", "truth.jsonl")}


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path, make_config: Any) -> None:
    cfg = make_config()
    a = simulate(tmp_path / "a", seed=11, accounts=150, config=cfg)
    b = simulate(tmp_path / "b", seed=11, accounts=150, config=cfg)
    c = simulate(tmp_path / "c", seed=12, accounts=150, config=cfg)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert a["events"] == b["events"]
    assert _digest(tmp_path / "a")["events.jsonl"] != _digest(tmp_path / "c")["events.jsonl"]
    assert c["events"] > 0


def test_every_event_has_the_canonical_fields(world_low: Any) -> None:
    names = set(EVENT_SCHEMA.names)
    seen: dict[str, set[str]] = {"ai-service": set(), "social": set()}
    accounts = {(a["source"], a["account_id"]) for a in world_low.accounts}
    offsets = Counter()
    for e in world_low.events:
        assert set(e) == names
        assert e["event_id"] not in seen[e["source"]], "event ids must be unique per source"
        seen[e["source"]].add(e["event_id"])
        assert (e["source"], e["account_id"]) in accounts
        assert e["kind"] in KINDS[e["source"]]
        ts = datetime.fromisoformat(e["timestamp"])
        assert ts.tzinfo is not None
        offsets[ts.utcoffset()] += 1
        for f in ("urls", "hashtags", "mentions"):
            assert isinstance(e[f], list) and all(isinstance(x, str) and x for x in e[f])
        assert isinstance(e["attributes"], dict)
        assert isinstance(e["text"], str) and e["text"]
        if e["source"] == "ai-service":
            assert e["response"] and e["conversation_id"] and e["model"]
        else:
            eng = e["attributes"]["engagement"]
            assert set(eng) == {"likes", "shares", "replies"}
            assert all(isinstance(v, int) and v >= 0 for v in eng.values())
            if e["kind"] == "reply":
                assert e["reply_to"]
            if e["kind"] == "repost":
                assert e["repost_of"]
        assert e["ip"] and e["user_agent"] and e["device_id"] and e["lang"]
    assert len(offsets) >= 5, "timestamps should be written in several UTC offsets"


def test_replies_and_reposts_point_to_earlier_posts(world_low: Any) -> None:
    when = {e["event_id"]: datetime.fromisoformat(e["timestamp"])
            for e in world_low.events if e["source"] == "social"}
    checked = 0
    for e in world_low.events:
        target = e["reply_to"] or e["repost_of"]
        if target:
            assert target in when
            assert when[target] < datetime.fromisoformat(e["timestamp"])
            checked += 1
    assert checked > 100


def test_accounts_have_the_canonical_fields(world_low: Any) -> None:
    names = set(ACCOUNT_SCHEMA.names)
    for a in world_low.accounts:
        assert set(a) == names
        assert datetime.fromisoformat(a["created_at"]).tzinfo is not None
        assert a["email_domain"] == a["email"].split("@", 1)[1]
        if a["source"] == "social":
            assert isinstance(a["followers"], int) and a["payment_fingerprint"] is None
        else:
            assert a["followers"] is None
        assert isinstance(a["attributes"], dict)


def test_truth_covers_every_account_exactly_once(world_low: Any) -> None:
    keys = [(t["source"], t["account_id"]) for t in world_low.truth]
    assert len(keys) == len(set(keys))
    assert set(keys) == {(a["source"], a["account_id"]) for a in world_low.accounts}
    for t in world_low.truth:
        assert set(t) == {"account_id", "source", "operation", "group", "utc_offset"}
        assert not (t["operation"] and t["group"])
        assert isinstance(t["utc_offset"], (int, float)) and -12 <= t["utc_offset"] <= 14


def test_requested_sizes_are_honoured(world_low: Any, make_config: Any) -> None:
    cfg = make_config()
    ops = Counter(t["operation"] for t in world_low.truth if t["operation"])
    groups = Counter(t["group"] for t in world_low.truth if t["group"])
    for name, op in cfg.operations.items():
        assert ops[name] == op.size + op.social_size, name
    for name, group in cfg.groups.items():
        assert groups[name] == group.size, name
    assert world_low.result["operations"] == dict(ops)
    benign = sum(1 for t in world_low.truth if not t["operation"] and not t["group"])
    assert 400 <= benign <= 420  # the background plus a few popular accounts


def test_sizes_follow_the_config(tmp_path: Path, make_config: Any) -> None:
    from opwatch.simulate import GroupConfig, OperationConfig

    cfg = make_config()
    cfg.operations = dict(cfg.operations)
    cfg.operations["scam"] = OperationConfig(size=5, utc_offset=7.0, tells=("shared_ip",))
    cfg.operations["propaganda"] = OperationConfig(size=0, social_size=0, enabled=False)
    cfg.groups = {**cfg.groups, "grassroots": GroupConfig(size=7), "viral-link": GroupConfig(size=0)}
    result = simulate(tmp_path, seed=1, accounts=50, config=cfg)
    assert result["operations"]["scam"] == 5
    assert result["operations"]["propaganda"] == 0
    assert result["groups"]["grassroots"] == 7
    assert result["groups"]["viral-link"] == 0


def test_events_fall_inside_the_window(world_low: Any) -> None:
    lo = datetime.fromisoformat("2026-03-02T00:00:00+00:00")
    hi = datetime.fromisoformat("2026-03-16T00:00:00+00:00")
    for e in world_low.events:
        assert lo <= datetime.fromisoformat(e["timestamp"]) < hi
