"""Coordination network types as link layers of the operations graph (one registered class each).

Each layer reads the workspace's canonical ``events``, runs its network type
through the shared engine, and returns :data:`opwatch.models.LINK_SCHEMA` rows,
one per unordered account pair:

- ``n_shared``: the larger of the two directed toolkit weights (messages of one
  account matched by the other within the window);
- ``weight``: ``n_shared / min(k_a, k_b)`` capped at 1 — the share of the less
  active account's keyed messages that were matched;
- ``pvalue``: the permutation null of :mod:`.significance` (``2 · min`` of the
  two directions, capped at 1);
- ``evidence``: the earliest ``max_evidence`` message pairs.

Blocking: a key used by more than ``max_key_accounts`` accounts (a viral post,
a link everyone shares) is not paired. Its pairs still count in the null's
total ``W`` — so they raise everyone's expected matches rather than vanish —
but it can't create links by itself: sharing what thousands share says
nothing about an operator. ``min_weight`` (default 2) drops one-off meetings.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar

from opwatch.links.base import LinkLayer, empty_links, links_table
from opwatch.models import split_account_key
from opwatch.registry import register_layer

if TYPE_CHECKING:
    import pyarrow as pa

    from opwatch.signals.base import DetectContext

EVENT_COLUMNS = "event_id, source, account_id, timestamp, text, reply_to, repost_of, urls, hashtags"


class CoordinationLayer(LinkLayer):
    """A network type of :mod:`opwatch.links.coordination` over the canonical events."""

    network_type: ClassVar[str]

    def __init__(
        self,
        window: float = 60.0,
        min_weight: int = 2,
        similarity: float = 0.8,
        max_key_accounts: int = 200,
        max_evidence: int = 10,
        fdr: float | None = None,
    ) -> None:
        self.window = window
        self.min_weight = min_weight
        self.similarity = similarity
        self.max_key_accounts = max_key_accounts
        self.max_evidence = max_evidence
        self.fdr = fdr

    def run(self, ctx: DetectContext) -> pa.Table:
        from opwatch.links.coordination import engine, significance
        from opwatch.links.coordination.api import Networks
        from opwatch.links.coordination.types import Params, get

        events = ctx.sql(f"SELECT {EVENT_COLUMNS} FROM events")
        if events.num_rows == 0:
            return empty_links()
        net = Networks.open(events)
        ntype = get(self.network_type)
        params = Params(
            window=float(self.window),
            min_weight=1,
            similarity=float(self.similarity),
            max_key_accounts=int(self.max_key_accounts),
        )
        edges, totals = engine.directed_edges(net.con, ntype, params)
        edges = significance.with_pvalues(edges, totals)
        if edges.num_rows == 0:
            return empty_links()
        net.con.register("_dir_edges", edges)
        pairs = net.con.sql(
            f"""
            SELECT least(user_1, user_2) AS a, greatest(user_1, user_2) AS b,
                   max(weight) AS n_shared, least(min(k_1), min(k_2)) AS k_min,
                   least(1.0, 2 * min(pvalue)) AS pvalue
            FROM _dir_edges GROUP BY a, b
            HAVING max(weight) >= {int(self.min_weight)}
            ORDER BY a, b
            """
        ).to_arrow_table()
        if self.fdr is not None:
            a = totals["A"]
            keep = significance.bh_keep(pairs.column("pvalue").to_numpy(), a * (a - 1) / 2, self.fdr)
            import pyarrow as pa

            pairs = pairs.filter(pa.array(keep))
        ev = engine.sample_pairs(net.con, ntype, params, self.max_evidence)
        net.con.register("_pairs", pairs)
        net.con.register("_ev", ev)
        rows = net.con.sql(
            "SELECT p.*, coalesce(e.evidence, '[]') AS evidence FROM _pairs p "
            "LEFT JOIN _ev e ON e.user_a = p.a AND e.user_b = p.b ORDER BY p.a, p.b"
        ).to_arrow_table().to_pydict()
        out: dict[str, list[object]] = {k: [] for k in ("source_a", "account_a", "source_b", "account_b", "evidence")}
        for a, b, evidence in zip(rows["a"], rows["b"], rows["evidence"], strict=True):
            ka, kb = split_account_key(a), split_account_key(b)
            if kb < ka:  # order by (source, account), not by the joined key string
                ka, kb = kb, ka
                evidence = _swap_sides(evidence)
            out["source_a"].append(ka[0])
            out["account_a"].append(ka[1])
            out["source_b"].append(kb[0])
            out["account_b"].append(kb[1])
            out["evidence"].append(evidence)
        n = len(rows["a"])
        return links_table(
            {
                "layer": [self.name] * n,
                **out,
                "weight": [min(1.0, s / max(k, 1)) for s, k in zip(rows["n_shared"], rows["k_min"], strict=True)],
                "pvalue": rows["pvalue"],
                "n_shared": rows["n_shared"],
            }
        )


def _swap_sides(evidence: str) -> str:
    items = json.loads(evidence)
    for item in items:
        item["event_a"], item["event_b"] = item["event_b"], item["event_a"]
        item["gap_s"] = -item["gap_s"]
    return json.dumps(items)


@register_layer
class CoRepost(CoordinationLayer):
    name = "co_repost"
    network_type = "co_repost"


@register_layer
class CoReply(CoordinationLayer):
    name = "co_reply"
    network_type = "co_reply"


@register_layer
class CoMessage(CoordinationLayer):
    name = "co_message"
    network_type = "co_message"


@register_layer
class CoSimilar(CoordinationLayer):
    name = "co_similar"
    network_type = "co_similar"


@register_layer
class CoLink(CoordinationLayer):
    name = "co_link"
    network_type = "co_link"


@register_layer
class CoHashtag(CoordinationLayer):
    name = "co_hashtag"
    network_type = "co_hashtag"


@register_layer
class CoDomain(CoordinationLayer):
    name = "co_domain"
    network_type = "co_domain"
