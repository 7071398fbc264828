"""The automation detector: schedules, bursts, sleeplessness, batch-created accounts."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from behaviour_support import EPOCH_MONDAY, event_rows, evidence, human_times, make_ctx

from opwatch.models import SIGNAL_SCHEMA
from opwatch.signals.automation import AutomationDetector, name_shape


def _by(out, category):  # type: ignore[no-untyped-def]
    rows = out.to_pylist()
    return {r["account_id"]: r for r in rows if r["category"] == category}


def test_cron_account_scores_high_and_human_low() -> None:
    rng = np.random.default_rng(1)
    cron = [EPOCH_MONDAY + 600 * i for i in range(300)]  # every ten minutes, on the minute
    rows = event_rows("cron", cron) + event_rows("person", human_times(rng, 120, 2))
    out = AutomationDetector().run(make_ctx(rows))
    assert out.schema == SIGNAL_SCHEMA
    auto = _by(out, "automation")
    import json

    cron_ev = json.loads(auto["cron"]["evidence"])
    assert cron_ev["gap_cv"] < 0.05 and cron_ev["round_minute_share"] == 1.0
    assert cron_ev["longest_quiet_hours_utc"] == 0
    assert auto["cron"]["score"] > 0.9
    assert auto["person"]["score"] < 0.5


def test_burst_account() -> None:
    times = []
    for k in range(30):
        start = EPOCH_MONDAY + 86400 * (k % 20) + 3600 * 10 + 17 * k
        times += [start + j for j in range(5)]  # five events a second apart
    out = AutomationDetector().run(make_ctx(event_rows("burst", sorted(times))))
    ev = evidence(out)[0]
    assert ev["max_events_per_minute"] >= 5 and ev["fast_gap_share"] > 0.5
    assert out.column("score")[0].as_py() > 0.9


def test_batch_created_accounts_flagged_by_time_and_name_shape() -> None:
    rng = np.random.default_rng(5)
    accounts = []
    span = 180 * 86400
    for i in range(300):  # organic sign-ups spread over half a year
        t = EPOCH_MONDAY + int(rng.integers(0, span))
        accounts.append({"source": "ai", "account_id": f"org{i}", "display_name": f"Person {i}",
                         "created_at": datetime.fromtimestamp(t, UTC)})
    for i in range(12):  # twelve created within four minutes, one name shape
        t = EPOCH_MONDAY + 90 * 86400 + 3600 + 20 * i
        accounts.append({"source": "ai", "account_id": f"bat{i}", "display_name": f"user_{48213 + i * 7}",
                         "created_at": datetime.fromtimestamp(t, UTC)})
    out = AutomationDetector().run(make_ctx([], accounts))
    flagged = _by(out, "batch_created")
    assert {f"bat{i}" for i in range(12)} <= set(flagged)
    assert len([a for a in flagged if a.startswith("org")]) <= 3
    import json

    ev = json.loads(flagged["bat0"]["evidence"])
    assert ev["name_shape"] == "a_9{5}" and ev["p_shape"] < 1e-6


def test_date_only_creation_times_are_not_a_batch() -> None:
    midnight = datetime.fromtimestamp(EPOCH_MONDAY, UTC)
    accounts = [{"source": "ai", "account_id": f"old{i}", "display_name": f"user_{10000 + i}",
                 "created_at": midnight} for i in range(50)]
    out = AutomationDetector().run(make_ctx([], accounts))
    assert out.num_rows == 0


def test_name_shape() -> None:
    assert name_shape("JohnSmith1987") == "AaAa9{4}"
    assert name_shape("user_48213") == "a_9{5}"
    assert name_shape(None) is None and name_shape("") is None


def test_empty_and_one_event() -> None:
    assert AutomationDetector().run(make_ctx([])).num_rows == 0
    out = AutomationDetector().run(make_ctx(event_rows("one", [EPOCH_MONDAY])))
    assert out.num_rows == 1 and out.column("score")[0].as_py() == 0.0
