"""The registered "aitext" and "aitext_account" detectors over a small events table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from opwatch.engines.duckdb import DuckDBEngine
from opwatch.models import EVENT_SCHEMA, SIGNAL_SCHEMA
from opwatch.registry import detectors
from opwatch.signals.base import DetectContext

POST = (
    "Went down to the harbour this morning with my brother, the boats were all in because of the "
    "wind and the fish market was half empty, so we had chips on the wall instead and watched the gulls."
)


def _events(rows: list[dict[str, object]]) -> pa.Table:
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    full = []
    for i, r in enumerate(rows):
        base = {f.name: None for f in EVENT_SCHEMA}
        base.update(event_id=f"e{i}", source="x", timestamp=t0 + timedelta(minutes=i), kind="post")
        base.update(r)
        full.append(base)
    return pa.Table.from_pylist(full, schema=EVENT_SCHEMA)


@pytest.fixture()
def ctx() -> DetectContext:
    rows: list[dict[str, object]] = [
        {"account_id": "bot", "text": "As an AI language model, I cannot share opinions on the vote."},
        {"account_id": "bot", "text": "Dear friends, please sign at [insert link here] today!"},
        {"account_id": "human", "text": "ok"},
        {"account_id": "human", "text": POST},
        {"account_id": "svc", "kind": "prompt", "text": "write a post", "response": "I’m sorry, but I can’t help with that."},
        {"account_id": "empty", "text": None},
        {"account_id": "empty", "text": "   "},
    ]
    rows += [{"account_id": "many", "text": POST.replace("brother", f"friend number {i}")} for i in range(6)]
    eng = DuckDBEngine(threads=1)
    eng.register("events", _events(rows))
    return DetectContext(engine=eng)


def test_both_detectors_are_registered() -> None:
    reg = detectors()
    assert reg["aitext"].subject == "event"
    assert reg["aitext_account"].subject == "account"


def test_event_signals_carry_artefacts_and_components(ctx: DetectContext) -> None:
    out = detectors()["aitext"]().run(ctx)
    assert out.schema == SIGNAL_SCHEMA
    by = {r["event_id"]: r for r in out.to_pylist()}
    assert {"e0", "e1", "e4"} <= set(by)
    assert all(r["category"] == "ai_text" and r["detector"] == "aitext" for r in by.values())
    ev0 = json.loads(by["e0"]["evidence"])
    assert ev0["artefacts"] == ["ai_self_reference"] and by["e0"]["score"] >= 0.9
    assert "compression_ratio" in ev0["components"]
    ev4 = json.loads(by["e4"]["evidence"])
    assert ev4["field"] == "response" and ev4["artefacts"] == ["refusal"]
    assert "e2" not in by  # "ok": too short for a score, no artefact
    assert "e5" not in by and "e6" not in by


def test_min_score_zero_emits_every_scored_text(ctx: DetectContext) -> None:
    out = detectors()["aitext"](min_score=0.0).run(ctx)
    ids = set(out.column("event_id").to_pylist())
    assert {"e3", "e7", "e12"} <= ids
    assert "e2" not in ids


def test_account_signals(ctx: DetectContext) -> None:
    out = detectors()["aitext_account"](min_texts=5).run(ctx)
    assert out.schema == SIGNAL_SCHEMA
    by = {r["account_id"]: r for r in out.to_pylist()}
    assert set(by) == {"bot", "svc", "many"}  # "human" has 1 scored text, no artefacts
    bot = json.loads(by["bot"]["evidence"])
    assert bot["artefacts"] == {"ai_self_reference": 1, "placeholder": 1}
    assert bot["above_threshold"] is False  # too few texts for the account-level score
    assert by["bot"]["score"] >= 0.9
    many = json.loads(by["many"]["evidence"])
    assert many["n_scored"] == 6 and len(many["examples"]) == 5
    assert 0.0 <= by["many"]["score"] <= 1.0
    assert all(r["event_id"] is None and r["subject"] == "account" for r in by.values())


def test_no_events_gives_empty_signals() -> None:
    eng = DuckDBEngine(threads=1)
    eng.register("events", EVENT_SCHEMA.empty_table())
    c = DetectContext(engine=eng)
    assert detectors()["aitext"]().run(c).num_rows == 0
    assert detectors()["aitext_account"]().run(c).num_rows == 0


def test_event_and_account_detectors_share_one_scoring_per_run(
    ctx: DetectContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opwatch.signals.aitext import detector as mod

    fresh = DetectContext(engine=ctx.engine)
    expected = detectors()["aitext_account"](min_texts=5).run(fresh).to_pylist()
    calls: list[int] = []
    real = mod._score_events

    def counting(c: DetectContext, scorer: object) -> object:
        calls.append(1)
        return real(c, scorer)  # type: ignore[arg-type]

    monkeypatch.setattr(mod, "_score_events", counting)
    detectors()["aitext"]().run(ctx)
    assert detectors()["aitext_account"](min_texts=5).run(ctx).to_pylist() == expected
    assert len(calls) == 1
    # other weights are another key: scored again
    other = mod.OfflineScorer(mod.OfflineScorer().weights_)
    mod.score_events(ctx, other)
    assert len(calls) == 2
