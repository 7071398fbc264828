"""The inauthenticity part of an operation's score: signs that its accounts are not
independent people, each in [0, 1], combined as a noisy-or.

Factors (docs/decisions/0003-operation-score.md):

- ``shared_identity`` — share of the operation's accounts that share a device,
  payment fingerprint or phone with another of its accounts (one person, one
  wallet, many accounts). Addresses do not count: NATs, VPNs and campuses share them.
- ``batch_created`` — accounts created within ``batch_window_s`` of another of
  the operation's accounts, beyond what the population's sign-up rate explains.
- ``ai_artefacts`` — share of accounts whose posted text (not a model's own
  response) carries model artefacts (refusals, knowledge-cutoff phrases,
  unfilled placeholders) — from the ``aitext`` detector when present.
- ``copied_output`` — share of accounts on one source that post text generated
  on another (cross-source near-duplicates, or ``generated_then_posted`` links).
- ``automation`` — mean automation score of its accounts (``automation`` detector).
"""

from __future__ import annotations

from typing import Any

from opwatch.engines.base import Engine

STRONG_KINDS = ("device", "payment", "phone")
FACTORS = ("shared_identity", "batch_created", "ai_artefacts", "copied_output", "automation")


def _scalar_map(table: Any, key: str, value: str) -> dict[str, float]:
    return {
        k: float(v or 0.0)
        for k, v in zip(table[key].to_pylist(), table[value].to_pylist(), strict=True)
    }


def inauthenticity(engine: Engine, batch_window_s: int = 3600) -> dict[str, dict[str, float]]:
    """Per operation id: each factor and the combined ``score``. Needs ``op_members``,
    ``op_links`` (links inside operations), ``accounts`` and ``signals`` registered."""
    ops = engine.sql("SELECT operation_id, count(*) AS n FROM op_members GROUP BY operation_id")
    size = _scalar_map(ops, "operation_id", "n")
    out: dict[str, dict[str, float]] = {op: dict.fromkeys(FACTORS, 0.0) for op in size}

    strong = ", ".join(f"'{k}:'" for k in STRONG_KINDS)
    t = engine.sql(f"""
        WITH ev AS (
            SELECT operation_id, source_a, account_a, source_b, account_b,
                   unnest(from_json(evidence, '["json"]')) AS e
            FROM op_links WHERE layer = 'shared_indicator'
        ),
        hits AS (
            SELECT operation_id, source_a AS source, account_a AS account_id FROM ev
            WHERE left(e->>'object', strpos(e->>'object', ':')) IN ({strong})
            UNION
            SELECT operation_id, source_b, account_b FROM ev
            WHERE left(e->>'object', strpos(e->>'object', ':')) IN ({strong})
        )
        SELECT operation_id, count(*) AS n FROM hits GROUP BY operation_id
    """)
    for op, n in _scalar_map(t, "operation_id", "n").items():
        out[op]["shared_identity"] = n / size[op]

    # batch creation against the population's own sign-up rate
    t = engine.sql(f"""
        WITH pop AS (
            SELECT count(*) AS n, epoch(max(created_at)) - epoch(min(created_at)) AS span
            FROM accounts WHERE created_at IS NOT NULL
        ),
        m AS (
            SELECT o.operation_id, a.created_at FROM op_members o
            JOIN accounts a USING (source, account_id) WHERE a.created_at IS NOT NULL
        ),
        close AS (
            SELECT x.operation_id, x.created_at,
                   bool_or(y.created_at IS NOT NULL) AS has_close
            FROM m x LEFT JOIN m y ON y.operation_id = x.operation_id
              AND y.created_at <> x.created_at
              AND abs(epoch(y.created_at) - epoch(x.created_at)) <= {int(batch_window_s)}
            GROUP BY x.operation_id, x.created_at
        )
        SELECT c.operation_id, avg(CASE WHEN has_close THEN 1.0 ELSE 0.0 END) AS frac,
               count(*) AS k, any_value(pop.span) AS span
        FROM close c, pop GROUP BY c.operation_id
    """)
    for op, frac, k, span in zip(
        t["operation_id"].to_pylist(), t["frac"].to_pylist(), t["k"].to_pylist(), t["span"].to_pylist(),
        strict=True,
    ):
        span = max(float(span or 0.0), 1.0)
        expected = min(1.0, (k - 1) * 2 * batch_window_s / span)
        out[op]["batch_created"] = max(0.0, (frac - expected) / max(1e-9, 1 - expected)) if k >= 3 else 0.0

    if _has_detector(engine, "aitext"):
        t = engine.sql("""
            SELECT o.operation_id, count(DISTINCT s.source || ':' || s.account_id) AS n
            FROM signals s JOIN op_members o USING (source, account_id)
            WHERE s.detector = 'aitext' AND coalesce(s.evidence->>'field', 'text') = 'text'
              AND len(list_filter(from_json(coalesce(s.evidence->'artefacts', '[]'), '["VARCHAR"]'),
                                  lambda x: NOT starts_with(x, 'evasion_'))) > 0
            GROUP BY o.operation_id
        """)
        for op, n in _scalar_map(t, "operation_id", "n").items():
            out[op]["ai_artefacts"] = min(1.0, 2.0 * n / size[op])

    t = engine.sql("""
        WITH x AS (
            SELECT operation_id, source_a AS source, account_a AS account_id FROM op_links
            WHERE source_a <> source_b AND layer IN ('near_duplicate_text', 'generated_then_posted')
            UNION
            SELECT operation_id, source_b, account_b FROM op_links
            WHERE source_a <> source_b AND layer IN ('near_duplicate_text', 'generated_then_posted')
        )
        SELECT operation_id, count(*) AS n FROM x GROUP BY operation_id
    """)
    for op, n in _scalar_map(t, "operation_id", "n").items():
        out[op]["copied_output"] = n / size[op]

    if _has_detector(engine, "automation"):
        t = engine.sql("""
            SELECT o.operation_id, avg(s.score) AS a FROM signals s
            JOIN op_members o USING (source, account_id)
            WHERE s.detector = 'automation' AND s.subject = 'account' AND s.category = 'automation'
            GROUP BY o.operation_id
        """)
        for op, a in _scalar_map(t, "operation_id", "a").items():
            out[op]["automation"] = max(0.0, min(1.0, a))

    for f in out.values():
        keep = 1.0
        for name in FACTORS:
            keep *= 1.0 - max(0.0, min(1.0, f[name]))
        f["score"] = 1.0 - keep
    return out


def _has_detector(engine: Engine, name: str) -> bool:
    t = engine.sql(f"SELECT count(*) AS n FROM signals WHERE detector = '{name}'")
    return bool(t["n"][0].as_py())
