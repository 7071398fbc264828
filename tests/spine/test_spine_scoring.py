"""The operation policy part's enrichment test (operations/scoring.py)."""

from __future__ import annotations

import json

import pyarrow as pa

from opwatch.engines import DuckDBEngine
from opwatch.models import SIGNAL_SCHEMA
from opwatch.operations.scoring import ScoreParams, enrichment, policy


def _engine(n_accounts: int, flagged: dict[str, str], ops: dict[str, list[str]]) -> DuckDBEngine:
    sig = []
    for i in range(n_accounts):
        a = f"a{i}"
        sig.append({"detector": "policy", "subject": "event", "source": "s", "account_id": a,
                    "event_id": f"e{i}", "category": "benign", "score": 0.9,
                    "evidence": json.dumps({"flagged": False})})
        cat = flagged.get(a)
        sig.append({"detector": "policy_account", "subject": "account", "source": "s", "account_id": a,
                    "event_id": None, "category": cat or "benign", "score": 0.8 if cat else 0.0,
                    "evidence": json.dumps({"flagged": bool(cat)})})
    eng = DuckDBEngine(threads=1)
    eng.register("signals", pa.Table.from_pylist(sig, schema=SIGNAL_SCHEMA))
    rows = [{"operation_id": op, "source": "s", "account_id": a} for op, accts in ops.items() for a in accts]
    eng.register("op_members", pa.Table.from_pylist(rows))
    return eng


def test_rare_category_in_a_small_operation_is_enriched_and_crowds_are_not() -> None:
    flagged = {"a0": "surveillance", "a1": "surveillance", "a2": "surveillance"}  # in the small op
    flagged.update({f"a{i}": "other_harmful" for i in range(100, 130)})  # common category, spread out
    flagged.update({"a200": "surveillance", "a201": "surveillance", "a202": "surveillance"})  # in the crowd
    ops = {"small": [f"a{i}" for i in range(6)],
           "crowd": [f"a{i}" for i in range(200, 400)],
           "mixed": ["a100", "a101", "a10", "a11", "a12", "a13", "a14", "a15"],
           "lone": ["a150", "a151", "a130"]}
    flagged["a130"] = "fraud_scam"
    eng = _engine(2000, flagged, ops)
    sizes = {op: len(a) for op, a in ops.items()}
    out = enrichment(eng, sizes, ScoreParams())
    small = out["small"]
    assert small["category"] == "surveillance" and small["accounts"] == 3 and small["of"] == 6
    assert small["base_rate"] == 6 / 2000 and small["p_adjusted"] < 1e-4 and small["score"] > 0.79
    # the same three surveillance accounts inside 200 accounts are far less surprising
    assert out["crowd"]["score"] < small["score"] and out["crowd"]["p_adjusted"] > 1e3 * small["p_adjusted"]
    # two accounts of a category flagged for 31 of 2000 accounts in an 8-account group: not a pattern
    assert out["mixed"]["score"] < 0.5
    assert "lone" not in out  # one flagged account is never enough
    pol = policy(eng, ScoreParams())
    assert pol["small"]["score"] == small["score"] and pol["small"]["enrichment"] == small


def test_no_classified_events_gives_nothing() -> None:
    eng = _engine(0, {}, {"x": ["a0", "a1", "a2"]})
    assert enrichment(eng, {"x": 3}, ScoreParams()) == {}
