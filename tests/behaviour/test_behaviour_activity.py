"""The activity detector: time zone inference, confidence, business hours."""

from __future__ import annotations

import numpy as np
from behaviour_support import EPOCH_MONDAY, event_rows, evidence, human_times, make_ctx

from opwatch.models import SIGNAL_SCHEMA
from opwatch.signals.activity import ActivityDetector
from opwatch.signals.behaviour.rhythm import hour_of_week


def test_hour_of_week_starts_monday() -> None:
    assert hour_of_week(np.array([EPOCH_MONDAY]))[0] == 0
    assert hour_of_week(np.array([EPOCH_MONDAY + 86400 * 6 + 3600 * 23]))[0] == 167
    assert hour_of_week(np.array([EPOCH_MONDAY]), 3)[0] == 3
    assert hour_of_week(np.array([EPOCH_MONDAY]), -1)[0] == 167


def test_offsets_recovered_for_active_accounts_and_few_events_flagged() -> None:
    rng = np.random.default_rng(7)
    rows, truth = [], {}
    for i in range(40):
        offset = int(rng.integers(-11, 14))
        n = 80 if i % 2 == 0 else 6
        truth[f"acct{i}"] = (offset, n)
        rows += event_rows(f"acct{i}", human_times(rng, n, offset))
    out = ActivityDetector().run(make_ctx(rows))
    assert out.schema == SIGNAL_SCHEMA
    by_acct = dict(zip(out.column("account_id").to_pylist(), evidence(out), strict=True))
    assert set(by_acct) == set(truth)
    hits = [abs(by_acct[a]["utc_offset"] - o) <= 1 for a, (o, n) in truth.items() if n >= 50]
    assert np.mean(hits) >= 0.9
    for a, (_o, n) in truth.items():
        ev = by_acct[a]
        assert ev["n_events"] == n
        assert len(ev["hour_of_week_utc"]) == 168 and sum(ev["hour_of_week_utc"]) == n
        if n < 10:
            assert ev["low_confidence"] and "too few" in ev["low_confidence_reason"]
            assert ev["confidence"] < 0.5
        else:
            assert ev["business_hours"] > 0.5 and ev["weekend_share"] < 0.2


def test_round_the_clock_account_gets_no_confident_zone() -> None:
    rng = np.random.default_rng(3)
    times = sorted(int(t) for t in rng.integers(EPOCH_MONDAY, EPOCH_MONDAY + 28 * 86400, 500))
    out = ActivityDetector().run(make_ctx(event_rows("bot", times)))
    ev = evidence(out)[0]
    assert ev["low_confidence"] and ev["rhythm_fit"] < 0.35
    assert out.column("score")[0].as_py() < 0.2


def test_empty_and_single_event_and_null_timestamp() -> None:
    assert ActivityDetector().run(make_ctx([])).num_rows == 0
    rows = event_rows("one", [EPOCH_MONDAY + 3600 * 10]) + event_rows("ghost", [EPOCH_MONDAY])
    rows[-1]["timestamp"] = None
    out = ActivityDetector().run(make_ctx(rows))
    assert out.column("account_id").to_pylist() == ["one"]
    ev = evidence(out)[0]
    assert ev["n_events"] == 1 and ev["low_confidence"]
    assert 0.0 <= out.column("score")[0].as_py() <= 1.0
