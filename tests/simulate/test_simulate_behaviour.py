"""The world behaves as designed: rhythms, operations' tells, look-alikes, evasion, diversity."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from statistics import median
from typing import Any

REFUSAL = "as an ai language model"


def _local(e: dict[str, Any], offset: float) -> datetime:
    """The event's wall-clock time at UTC offset ``offset`` (hours)."""
    return datetime.fromisoformat(e["timestamp"]).astimezone(timezone(timedelta(hours=offset)))


def _offset(world: Any, e: dict[str, Any]) -> float:
    return float(world.label[(e["source"], e["account_id"])]["utc_offset"])


def test_benign_people_sleep_at_night(world_low: Any) -> None:
    hours = Counter(_local(e, _offset(world_low, e)).hour for e in world_low.of("benign"))
    night = sum(hours[h] for h in (2, 3, 4, 5))
    evening = sum(hours[h] for h in (18, 19, 20, 21))
    assert evening > 5 * night


def test_surveillance_tool_works_business_hours_in_chinese(world_low: Any) -> None:
    events = world_low.of("surveillance-tool")
    assert events and all(e["lang"] == "zh" for e in events)
    local = [_local(e, 8.0) for e in events]
    inside = sum(1 for t in local if 8 <= t.hour < 19 and t.weekday() < 5)
    assert inside / len(local) > 0.95
    ips = Counter(e["ip"] for e in events)
    assert ips.most_common(1)[0][1] > 1, "the crew shares its addresses"


def test_propaganda_posts_what_it_generated_the_same_day(world_none: Any) -> None:
    events = world_none.of("propaganda")
    generated: dict[str, list[datetime]] = defaultdict(list)
    for e in events:
        if e["source"] == "ai-service":
            for piece in [e["response"], *re.findall(r"^\d+\. (.*)$", e["response"], re.M)]:
                generated[piece].append(datetime.fromisoformat(e["timestamp"]))
    posts = [e for e in events if e["source"] == "social" and e["text"] in generated]
    assert len(posts) > 20
    langs = Counter(e["lang"] for e in posts)
    assert langs["es"] and langs["en"], "Spanish articles and English comments"
    for p in posts:
        t = datetime.fromisoformat(p["timestamp"])
        assert any(m < t < m + timedelta(hours=24) for m in generated[p["text"]])


def test_comment_spam_posts_refusals_in_bursts(world_none: Any) -> None:
    posts = [e for e in world_none.of("comment-spam") if e["source"] == "social"]
    refusals = [e for e in posts if REFUSAL in e["text"].lower()]
    assert refusals
    benign_refusals = [e for e in world_none.events
                       if REFUSAL in e["text"].lower() and e not in posts]
    assert not benign_refusals
    times = sorted(datetime.fromisoformat(e["timestamp"]) for e in posts)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert median(gaps) < 60, "bursts: most posts come seconds after another"


def test_employment_accounts_share_devices_and_payment(world_low: Any) -> None:
    ids = {t["account_id"] for t in world_low.truth if t["operation"] == "deceptive-employment"}
    pays = Counter(a["payment_fingerprint"] for a in world_low.accounts if a["account_id"] in ids)
    assert len(pays) <= 2 and None not in pays
    devices = defaultdict(set)
    for e in world_low.of("deceptive-employment"):
        devices[e["device_id"]].add(e["account_id"])
    assert max(len(v) for v in devices.values()) >= 3


def test_lookalike_groups_show_their_trait(world_low: Any) -> None:
    uni = world_low.of("university-class")
    assignment = [e for e in uni if "Assignment" in e["text"]]
    assert len({e["account_id"] for e in assignment}) >= 15
    assert len(Counter(e["ip"] for e in assignment)) == 1
    nat = world_low.of("carrier-nat")
    assert len({e["ip"] for e in nat}) <= 9 < len({e["account_id"] for e in nat})
    grass = world_low.of("grassroots")
    petition = [e for e in grass if any("petition" in u for u in e["urls"])]
    assert len({e["account_id"] for e in petition}) >= 20
    assert len({e["text"] for e in petition}) > len(petition) * 0.5, "in their own words"
    viral = [e for e in world_low.of("viral-link") if e["urls"] and "vid." in e["urls"][0]]
    assert len({e["account_id"] for e in viral}) == 60
    ids = {t["account_id"] for t in world_low.truth if t["group"] == "grassroots"}
    created = [datetime.fromisoformat(a["created_at"]) for a in world_low.accounts
               if a["account_id"] in ids]
    assert median((datetime.fromisoformat("2026-03-02T00:00:00+00:00") - c).days
                  for c in created) > 30, "grassroots accounts are long-lived"


def test_no_single_tell_marks_every_operation(world_low: Any, make_config: Any) -> None:
    cfg = make_config()
    tells = [set(op.tells) for op in cfg.operations.values()]
    assert not set.intersection(*tells)
    throwaway = {a["account_id"] for a in world_low.accounts
                 if a["email_domain"].endswith((".one", ".click", ".top", ".xyz", ".site", ".cc"))}
    ops_with = {world_low.label[(a["source"], a["account_id"])]["operation"]
                for a in world_low.accounts if a["account_id"] in throwaway}
    assert None not in ops_with
    assert 0 < len(ops_with) < len(cfg.operations)


def _share_verbatim(world: Any) -> float:
    events = world.of("propaganda")
    generated = set()
    for e in events:
        if e["source"] == "ai-service":
            generated.add(e["response"])
            generated.update(re.findall(r"^\d+\. (.*)$", e["response"], re.M))
    posts = [e for e in events if e["source"] == "social" and e["kind"] in ("post", "reply")
             and len(e["text"]) > 40]
    return sum(e["text"] in generated for e in posts) / len(posts)


def test_evasion_paraphrases_reused_text(world_none: Any, world_high: Any) -> None:
    assert _share_verbatim(world_none) == 1.0
    assert _share_verbatim(world_high) < 0.4


def test_evasion_rotates_addresses(world_none: Any, world_high: Any) -> None:
    def ips_per_account(world: Any) -> float:
        ev = world.of("scam")
        return len({e["ip"] for e in ev}) / len({e["account_id"] for e in ev})

    assert ips_per_account(world_none) <= 0.5  # one shared range of six addresses
    assert ips_per_account(world_high) > 4 * ips_per_account(world_none)


def test_evasion_jitters_bursts_and_scrubs_refusals(world_none: Any, world_high: Any) -> None:
    def burst_gap(world: Any) -> float:
        times = sorted(datetime.fromisoformat(e["timestamp"])
                       for e in world.of("comment-spam") if e["source"] == "social")
        return median((b - a).total_seconds() for a, b in itertools.pairwise(times))

    def refusal_share(world: Any) -> float:
        posts = [e for e in world.of("comment-spam") if e["source"] == "social"]
        return sum(REFUSAL in e["text"].lower() for e in posts) / len(posts)

    assert burst_gap(world_high) > 3 * burst_gap(world_none)
    assert refusal_share(world_high) < refusal_share(world_none)


def _jaccard_pairs(texts: list[tuple[str, frozenset[str]]], limit: float) -> tuple[int, int]:
    hits = pairs = 0
    for (ia, a), (ib, b) in itertools.combinations(texts, 2):
        if ia == ib:
            continue
        pairs += 1
        inter = len(a & b)
        if inter / (len(a) + len(b) - inter) >= limit:
            hits += 1
    return hits, pairs


def _word_sets(events: list[dict[str, Any]], k: int) -> list[tuple[str, frozenset[str]]]:
    rows = [(e["account_id"], frozenset(re.findall(r"\w+", e["text"].lower())))
            for e in events if e["kind"] != "repost" and len(e["text"].split()) >= 8]
    random.Random(0).shuffle(rows)
    return rows[:k]


def test_benign_text_rarely_near_duplicates(world_low: Any) -> None:
    benign = world_low.of("benign")
    for source in ("ai-service", "social"):
        rows = _word_sets([e for e in benign if e["source"] == source], 700)
        hits, pairs = _jaccard_pairs(rows, 0.8)
        assert pairs > 50_000
        assert hits / pairs < 5e-4, (source, hits, pairs)
    # the measure does see a crowd doing the same homework
    uni = [e for e in world_low.of("university-class") if "Assignment" in e["text"]]
    hits, pairs = _jaccard_pairs(_word_sets(uni, 100), 0.8)
    assert hits / pairs > 0.3
