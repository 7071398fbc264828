"""Layer ``near_duplicate_text``: accounts that wrote (or received) near-identical text.

Documents are prompts, model responses and posts with at least ``min_tokens``
distinct content tokens. Tokens that occur in more than ``common_df`` of all
documents (the corpus's own stop words, in any language) are dropped, so that
shared function words do not make unrelated texts look alike. Near-duplicate
pairs come from MinHash LSH and are verified with exact word-set Jaccard
(:mod:`opwatch.links.minhash`); their connected components are text clusters,
which are then objects for the co-occurrence null model
(:mod:`opwatch.links.cooccurrence`): a text copied by thousands is weak
evidence, the same paragraph in twelve accounts is strong.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from opwatch.links.base import LinkLayer
from opwatch.links.cooccurrence import cooccurrence_links
from opwatch.links.minhash import clusters, near_duplicate_pairs, token_ids, tokens
from opwatch.registry import register_layer
from opwatch.signals.base import DetectContext

DOCS_SQL = """
SELECT source, account_id, event_id, timestamp, text AS body FROM events
WHERE text IS NOT NULL AND length(text) >= {min_chars}
UNION ALL
SELECT source, account_id, event_id, timestamp, response AS body FROM events
WHERE response IS NOT NULL AND length(response) >= {min_chars}
"""


@register_layer
class NearDuplicateText(LinkLayer):
    name = "near_duplicate_text"

    def __init__(
        self,
        threshold: float = 0.6,
        min_tokens: int = 8,
        num_perm: int = 128,
        common_df: float = 0.02,
        max_object_accounts: int = 200,
    ) -> None:
        self.threshold = threshold
        self.min_tokens = min_tokens
        self.num_perm = num_perm
        self.common_df = common_df
        self.max_object_accounts = max_object_accounts

    def run(self, ctx: DetectContext) -> pa.Table:
        docs = ctx.sql(DOCS_SQL.format(min_chars=self.min_tokens * 2))
        bodies = docs["body"].to_pylist()
        advance = ctx.step("near-duplicate text: shingling", len(bodies))
        toks = []
        for i, b in enumerate(bodies):
            toks.append(tokens(b))
            if i % 5000 == 4999:
                advance(5000)
        advance(len(bodies) % 5000)
        sets = token_ids(toks, self.common_df)
        keep = np.flatnonzero(np.fromiter((s.size >= self.min_tokens for s in sets), bool, len(sets)))
        kept_sets = [sets[i] for i in keep]
        pairs, _ = near_duplicate_pairs(kept_sets, self.threshold, self.num_perm)
        labels = clusters(len(kept_sets), pairs)
        # the representative of a cluster names it in the evidence: its first document's opening
        first: dict[int, int] = {}
        for pos, lab in enumerate(labels.tolist()):
            first.setdefault(lab, pos)
        names = [
            f"c{lab}:" + " ".join(bodies[keep[first[lab]]].split())[:80] for lab in labels.tolist()
        ]
        inc = pa.table(
            {
                "source": docs["source"].take(pa.array(keep)),
                "account_id": docs["account_id"].take(pa.array(keep)),
                "kind": pa.array(["text"] * len(keep), pa.string()),
                "object": pa.array(names, pa.string()),
                "event_id": docs["event_id"].take(pa.array(keep)),
                "timestamp": docs["timestamp"].take(pa.array(keep)),
            }
        )
        ctx.engine.register("_near_dup_inc", inc)
        return cooccurrence_links(ctx, "_near_dup_inc", self.name, self.max_object_accounts)
