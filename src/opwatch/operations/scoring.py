"""Operation scores: coordination, policy concern and inauthenticity kept apart.

``score = coordination × (1 − (1 − policy)(1 − inauthenticity))`` — an
operation needs both: accounts that act together *and* either a policy
violation or signs of inauthentic identity. A class doing homework together
from one campus address is coordinated but neither, and is not flagged.
``flagged`` means "above the review threshold", a proposal for a person to
review, never an action. See docs/decisions/0003-operation-score.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from opwatch.engines.base import Engine
from opwatch.links.cooccurrence import SURPRISE_FULL
from opwatch.operations.graph import AccountGraph


@dataclass
class ScoreParams:
    review_threshold: float = 0.35
    min_accounts: int = 3
    #: policy saturates when this share of the operation's classified events is harmful
    policy_share_full: float = 0.25
    #: surprise (−log10 p) of an internal edge that counts as full coordination
    surprise_full: float = SURPRISE_FULL


def coordination(graph: AccountGraph, members: list[int], params: ScoreParams) -> dict[str, float]:
    """Strength of the operation's internal edges: mean capped surprise, and density."""
    mset = set(members)
    inside = np.fromiter(
        ((s in mset and d in mset) for s, d in zip(graph.src.tolist(), graph.dst.tolist(), strict=True)),
        dtype=bool,
        count=graph.src.size,
    )
    n = len(members)
    surprise = graph.surprise[inside]
    if surprise.size == 0:
        return {"score": 0.0, "density": 0.0, "edges": 0}
    strength = float(np.mean(np.minimum(surprise / params.surprise_full, 1.0)))
    density = surprise.size / (n * (n - 1) / 2)
    # a loose chain is weaker evidence than a dense clique: damp by density, gently
    score = strength * (0.6 + 0.4 * min(1.0, density * 2))
    return {"score": score, "density": density, "edges": int(surprise.size)}


def policy(engine: Engine, params: ScoreParams) -> dict[str, dict[str, Any]]:
    """Per operation: share of its classified events in a harmful category, the part, and
    the categories seen. Reads the ``policy`` detector's event signals and the
    ``policy_account`` profiles (share of accounts flagged in aggregate × their score);
    the part is the larger of the two."""
    t = engine.sql("""
        SELECT o.operation_id, s.category, s.score,
               coalesce(TRY_CAST(s.evidence->>'flagged' AS BOOLEAN),
                        s.category <> 'benign' AND s.score >= 0.5) AS harmful
        FROM signals s JOIN op_members o USING (source, account_id)
        WHERE s.detector = 'policy' AND s.subject = 'event'
    """)
    out: dict[str, dict[str, Any]] = {}
    for op, cat, score, harmful in zip(
        t["operation_id"].to_pylist(), t["category"].to_pylist(), t["score"].to_pylist(),
        t["harmful"].to_pylist(), strict=True,
    ):
        d = out.setdefault(op, {"events": 0, "harmful": 0, "categories": {}, "scores": []})
        d["events"] += 1
        if harmful and cat and cat != "benign":
            d["harmful"] += 1
            d["categories"][cat] = d["categories"].get(cat, 0) + 1
            d["scores"].append(float(score or 0.0))
    # harm that shows only in aggregate: accounts the per-account profile flags
    acc = engine.sql("""
        SELECT o.operation_id, count(*) AS n,
               sum(CASE WHEN TRY_CAST(s.evidence->>'flagged' AS BOOLEAN) THEN s.score ELSE 0 END) AS flagged_score,
               list(s.category) FILTER (WHERE TRY_CAST(s.evidence->>'flagged' AS BOOLEAN)) AS cats
        FROM signals s JOIN op_members o USING (source, account_id)
        WHERE s.detector = 'policy_account' AND s.subject = 'account'
        GROUP BY o.operation_id
    """)
    sizes = {r["operation_id"]: r["n"] for r in engine.sql(
        "SELECT operation_id, count(*) AS n FROM op_members GROUP BY operation_id").to_pylist()}
    account_part: dict[str, float] = {}
    for row in acc.to_pylist():
        account_part[row["operation_id"]] = float(row["flagged_score"] or 0.0) / max(1, sizes.get(row["operation_id"], 1))
        d = out.setdefault(row["operation_id"], {"events": 0, "harmful": 0, "categories": {}, "scores": []})
        for cat in row["cats"] or []:
            if cat and cat != "benign" and cat not in d["categories"]:
                d["categories"][cat] = 0
    for op_id, d in out.items():
        share = d["harmful"] / d["events"] if d["events"] else 0.0
        mean_score = float(np.mean(d["scores"])) if d["scores"] else 0.0
        d["share"] = share
        d["account_score"] = account_part.get(op_id, 0.0)
        d["score"] = max(min(1.0, share / params.policy_share_full) * mean_score, d["account_score"])
        total = sum(d["categories"].values()) or 1
        d["categories"] = {k: round(v / total, 3) for k, v in sorted(d["categories"].items(), key=lambda kv: -kv[1])}
        del d["scores"]
    return out


def combine(coord: float, pol: float, inauth: float) -> float:
    return coord * (1.0 - (1.0 - pol) * (1.0 - inauth))
