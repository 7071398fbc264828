"""The inauthenticity part of an operation's score: signs that its accounts are not
independent people, each in [0, 1], combined as a noisy-or.

Factors (docs/decisions/0003-operation-score.md):

- ``shared_identity`` — share of the operation's accounts that share a device,
  payment fingerprint or phone with another of its accounts *and* behave alike
  (the same pair is joined by a content or behaviour layer whose link is
  significant on its own): one operator, many accounts, one kind of work.
  Sharing alone is what households (one family card, one tablet), internet
  cafés, libraries and offices do, so it does not count by itself. Addresses
  never count: NATs, VPNs and campuses share them.
- ``batch_created`` — accounts created within ``batch_window_s`` of another of
  the operation's accounts, beyond what the population's sign-up rate explains.
- ``ai_artefacts`` — share of accounts whose posted text (not a model's own
  response) carries model artefacts (refusals, knowledge-cutoff phrases,
  unfilled placeholders) — from the ``aitext`` detector when present.
- ``copied_output`` — how much of its accounts' activity is text copied across
  sources (cross-source near-duplicates, or ``generated_then_posted`` links):
  per account, the texts it shares with its cross-source partners (summed over
  partners, the larger of the two layers) over its events, capped at 1, and
  averaged over the operation. Personas that exist to post generated text
  score near 1; real people who also repost an organisation's announcement,
  among their own everyday posts, score low.
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


def inauthenticity(
    engine: Engine, batch_window_s: int = 3600, corroborate_p: float = 1e-4
) -> dict[str, dict[str, float]]:
    """Per operation id: each factor and the combined ``score``. Needs ``op_members``,
    ``op_links`` (links inside operations), ``accounts``, ``events`` and ``signals``
    registered. ``corroborate_p``: a content or behaviour link corroborates shared
    identity when its own p-value is at most this (the pipeline passes the graph's
    significance cutoff, so the link would have made the edge on its own)."""
    ops = engine.sql("SELECT operation_id, count(*) AS n FROM op_members GROUP BY operation_id")
    size = _scalar_map(ops, "operation_id", "n")
    out: dict[str, dict[str, float]] = {op: dict.fromkeys(FACTORS, 0.0) for op in size}

    strong = ", ".join(f"'{k}:'" for k in STRONG_KINDS)
    t = engine.sql(f"""
        WITH ev AS (
            SELECT operation_id, source_a, account_a, source_b, account_b,
                   left(e->>'object', strpos(e->>'object', ':')) AS kind
            FROM (SELECT *, unnest(from_json(evidence, '["json"]')) AS e
                  FROM op_links WHERE layer = 'shared_indicator')
        ),
        other AS (  -- pairs also joined by a content or behaviour layer
            SELECT DISTINCT operation_id, source_a, account_a, source_b, account_b
            FROM op_links WHERE layer <> 'shared_indicator' AND pvalue <= {float(corroborate_p)!r}
        ),
        pairs AS (
            SELECT DISTINCT operation_id, source_a, account_a, source_b, account_b
            FROM ev WHERE kind IN ({strong})
        ),
        ok AS (
            SELECT p.* FROM pairs p JOIN other o
              ON o.operation_id = p.operation_id AND o.source_a = p.source_a AND o.account_a = p.account_a
             AND o.source_b = p.source_b AND o.account_b = p.account_b
        ),
        hits AS (
            SELECT operation_id, source_a AS source, account_a AS account_id FROM ok
            UNION
            SELECT operation_id, source_b, account_b FROM ok
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
            SELECT operation_id, layer, source_a AS source, account_a AS account_id, n_shared FROM op_links
            WHERE source_a <> source_b AND layer IN ('near_duplicate_text', 'generated_then_posted')
            UNION ALL
            SELECT operation_id, layer, source_b, account_b, n_shared FROM op_links
            WHERE source_a <> source_b AND layer IN ('near_duplicate_text', 'generated_then_posted')
        ),
        per_layer AS (  -- texts shared with every partner, summed (one layer: no double count)
            SELECT operation_id, layer, source, account_id, sum(n_shared) AS copied FROM x GROUP BY ALL
        ),
        per AS (
            SELECT operation_id, source, account_id, max(copied) AS copied FROM per_layer GROUP BY ALL
        ),
        n AS (
            SELECT source, account_id, count(*) AS events FROM events GROUP BY ALL
        )
        SELECT operation_id, sum(least(1.0, copied / greatest(n.events, 1))) AS d
        FROM per JOIN n USING (source, account_id) GROUP BY operation_id
    """)
    for op, d in _scalar_map(t, "operation_id", "d").items():
        out[op]["copied_output"] = min(1.0, d / size[op])

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
