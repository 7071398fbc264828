"""Operation scores: coordination, policy concern and inauthenticity kept apart.

``score = coordination × (1 − (1 − policy)(1 − inauthenticity))`` — an
operation needs both: accounts that act together *and* either a policy
violation or signs of inauthentic identity. A class doing homework together
from one campus address is coordinated but neither, and is not flagged.
``flagged`` means "above the review threshold", a proposal for a person to
review, never an action. See docs/decisions/0003-operation-score.md.
"""

from __future__ import annotations

import math
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
    #: −log10 of the family-wise adjusted p at which policy enrichment counts in full (1 %)
    enrichment_full: float = 2.0


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
    ``policy_account`` profiles (share of accounts flagged in aggregate × their score),
    and tests whether its flagged accounts of one category exceed chance
    (:func:`enrichment`); the part is the largest of the three."""
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
    enriched = enrichment(engine, sizes, params)
    for op_id, d in out.items():
        share = d["harmful"] / d["events"] if d["events"] else 0.0
        mean_score = float(np.mean(d["scores"])) if d["scores"] else 0.0
        d["share"] = share
        d["account_score"] = account_part.get(op_id, 0.0)
        enr = enriched.get(op_id)
        d["enrichment"] = enr
        d["score"] = max(
            min(1.0, share / params.policy_share_full) * mean_score,
            d["account_score"],
            enr["score"] if enr else 0.0,
        )
        total = sum(d["categories"].values()) or 1
        d["categories"] = {k: round(v / total, 3) for k, v in sorted(d["categories"].items(), key=lambda kv: -kv[1])}
        del d["scores"]
    return out


def enrichment(engine: Engine, sizes: dict[str, int], params: ScoreParams) -> dict[str, dict[str, Any]]:
    """Per operation: are its flagged accounts of one harmful category more than chance?

    The base rate ``q_c`` is the share of all classified accounts of the
    workspace that the ``policy_account`` profile flags in category ``c``. For
    an operation of ``n`` accounts, ``k`` of them flagged in ``c``, the chance of
    at least ``k`` under independent draws at ``q_c`` is the binomial tail; it is
    Bonferroni-adjusted over every (operation of at least ``min_accounts``,
    category) pair tested. The part is the mean profile score of those ``k``
    accounts × ``min(1, −log10 p_adj / enrichment_full)`` (full at a 1 %
    family-wise level), for ``k ≥ 2`` (one account is not a pattern). Harm
    spread over a few accounts of a small, tight operation — each of whose
    other requests look like ordinary work — counts, while the same number of
    flagged accounts in a large crowd, or in a category that is common in the
    workspace, does not.
    """
    from scipy.stats import binom

    base = engine.sql("""
        SELECT count(DISTINCT (source, account_id)) AS n FROM signals WHERE detector = 'policy'
    """)["n"][0].as_py() or 0
    if base == 0:
        return {}
    rows = engine.sql("""
        SELECT o.operation_id, s.category, count(*) AS k, avg(s.score) AS mean_score
        FROM signals s JOIN op_members o USING (source, account_id)
        WHERE s.detector = 'policy_account' AND TRY_CAST(s.evidence->>'flagged' AS BOOLEAN)
          AND s.category <> 'benign'
        GROUP BY o.operation_id, s.category
    """).to_pylist()
    rates = {r["category"]: r["n"] / base for r in engine.sql("""
        SELECT category, count(*) AS n FROM signals
        WHERE detector = 'policy_account' AND TRY_CAST(evidence->>'flagged' AS BOOLEAN)
          AND category <> 'benign'
        GROUP BY category
    """).to_pylist()}
    tested = sum(1 for n in sizes.values() if n >= params.min_accounts) * max(1, len(rates))
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        n = sizes.get(r["operation_id"], 0)
        k = int(r["k"])
        if n < params.min_accounts or k < 2:
            continue
        q = min(1.0, rates.get(r["category"], 0.0))
        p = float(binom.sf(k - 1, n, q))
        p_adj = min(1.0, p * tested)
        surprise = -math.log10(max(p_adj, 1e-300))
        score = min(1.0, surprise / params.enrichment_full) * float(r["mean_score"] or 0.0)
        best = out.get(r["operation_id"])
        if best is None or score > best["score"]:
            out[r["operation_id"]] = {
                "category": r["category"], "accounts": k, "of": n, "base_rate": round(q, 6),
                "p": p, "p_adjusted": p_adj, "tested": tested, "score": round(score, 4),
            }
    return out


def combine(coord: float, pol: float, inauth: float) -> float:
    return coord * (1.0 - (1.0 - pol) * (1.0 - inauth))
