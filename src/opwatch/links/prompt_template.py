"""The "prompt_template" layer: accounts that fill in the same complex prompt scaffold.

1. Every AI-service prompt is masked (:func:`opwatch.links.fingerprint.mask_prompt`)
   and cut to its first ``max_tokens`` tokens. The mask is the same one peers
   use for the shared hash, so the layer and the hash agree on what a scaffold is.
2. Scaffolds with fewer than ``min_words`` unmasked words are dropped: "translate
   this: <q>" says nothing about who wrote it, however many accounts share it.
3. Near-identical scaffolds (Jaccard of word uni- and bigram sets >= ``threshold``,
   :func:`opwatch.links.setsim.families`: MinHash-LSH buckets verified as stars,
   exact Jaccard, union-find) form one *family*, named by the shareable
   :func:`~opwatch.links.fingerprint.scaffold_hash` of its most used member.
4. Accounts sharing a family are paired by :func:`opwatch.links.cooccurrence.cooccurrence_links`
   (rarity null model, p-value, evidence events). Families used by more than
   ``max_accounts`` accounts are not expanded.

Weight = (1 - prod_i(1 - complexity_i * rarity_i)) * significance, where for each
shared family ``complexity = min(1, words / full_words)``, ``rarity = 1 - ln(k) /
ln(N)`` (k accounts use it, N accounts prompt at all) and ``significance =
min(1, -log10(p) / 2)``. See docs/behaviour.md and docs/decisions/0031-scaffold-families.md.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict

import numpy as np
import pyarrow as pa
import xxhash

from opwatch.links.base import LinkLayer, empty_links
from opwatch.links.cooccurrence import cooccurrence_links
from opwatch.links.fingerprint import PLACEHOLDERS, mask_prompt, scaffold_hash, scaffold_tokens
from opwatch.links.setsim import families
from opwatch.models import INDICATOR_SCHEMA
from opwatch.registry import register_layer
from opwatch.signals.base import DetectContext
from opwatch.signals.behaviour.timeline import AI_EVENT_SQL

_IS_WORD = re.compile(r"\w", re.UNICODE)


def _feature_set(tokens: list[str], cache: dict[str, int]) -> np.ndarray:
    """Hashes of the word uni- and bigrams of a scaffold, sorted and distinct."""
    out = set()
    for f in tokens + [a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)]:
        h = cache.get(f)
        if h is None:
            h = cache[f] = xxhash.xxh32_intdigest(f.encode())
        out.add(h)
    return np.sort(np.fromiter(out, dtype=np.uint64, count=len(out)))


@register_layer
class PromptTemplateLayer(LinkLayer):
    name = "prompt_template"

    def __init__(self, min_words: int = 10, full_words: int = 30, max_tokens: int = 150,
                 threshold: float = 0.6, max_accounts: int = 200, max_evidence: int = 5) -> None:
        self.max_tokens = max_tokens
        self.min_words = min_words
        self.full_words = full_words
        self.threshold = threshold
        self.max_accounts = max_accounts
        self.max_evidence = max_evidence

    def scaffolds(self, ctx: DetectContext) -> tuple[pa.Table, dict[str, float], int]:
        """Incidence table (source, account_id, kind, object, event_id, timestamp), each
        family's complexity, and the number of accounts that prompt at all."""
        rows = ctx.sql(
            "SELECT source, account_id, event_id, timestamp, text FROM events "
            f"WHERE {AI_EVENT_SQL} AND text IS NOT NULL AND account_id IS NOT NULL"
        ).to_pylist()
        n_accounts = len({(r["source"], r["account_id"]) for r in rows})
        templates: dict[str, tuple[str, int]] = {}
        for r in rows:
            text = r["text"]
            if text in templates:
                continue
            toks = scaffold_tokens(mask_prompt(text))[: self.max_tokens]
            words = sum(1 for t in toks if t not in PLACEHOLDERS and _IS_WORD.search(t))
            templates[text] = (" ".join(toks), words)
        templates = {k: v for k, v in templates.items() if v[1] >= self.min_words}
        unique = sorted({t for t, _ in templates.values()})
        if not unique:
            return INDICATOR_SCHEMA.empty_table(), {}, n_accounts
        cache: dict[str, int] = {}
        sets = [_feature_set(u.split(" "), cache) for u in unique]
        label = families(sets, self.threshold)
        index = {u: i for i, u in enumerate(unique)}
        use: Counter[int] = Counter()
        example: dict[int, str] = {}
        holders: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for r in rows:
            if r["text"] in templates:
                i = index[templates[r["text"]][0]]
                use[i] += 1
                example.setdefault(i, r["text"])
                holders[int(label[i])].add((r["source"], r["account_id"]))
        family_name: dict[int, str] = {}
        complexity: dict[str, float] = {}
        best: dict[int, int] = {}
        for i in range(len(unique)):
            fam = int(label[i])
            if fam not in best or use[i] > use[best[fam]]:
                best[fam] = i
        for fam, i in best.items():
            # a family of one account cannot link; it still counts in the null model
            shared = len(holders[fam]) > 1
            family_name[fam] = scaffold_hash(example.get(i, unique[i])) if shared else f"solo:{fam}"
        for tmpl, words in templates.values():
            name = family_name[int(label[index[tmpl]])]
            complexity[name] = max(complexity.get(name, 0.0), min(1.0, words / self.full_words))
        inc = [
            {"source": r["source"], "account_id": r["account_id"], "kind": "prompt_template",
             "value": family_name[int(label[index[templates[r["text"]][0]]])],
             "event_id": r["event_id"], "timestamp": r["timestamp"]}
            for r in rows if r["text"] in templates
        ]
        table = pa.Table.from_pylist(inc, schema=INDICATOR_SCHEMA).rename_columns(
            ["source", "account_id", "kind", "object", "event_id", "timestamp"]
        )
        return table, complexity, n_accounts

    def run(self, ctx: DetectContext) -> pa.Table:
        inc, complexity, n_accounts = self.scaffolds(ctx)
        if inc.num_rows == 0:
            return empty_links()
        name = "_prompt_template_incidences"
        ctx.engine.register(name, inc)
        links = cooccurrence_links(ctx, name, self.name, self.max_accounts, self.max_evidence)
        if links.num_rows == 0:
            return links
        log_n = math.log(max(n_accounts, 3))
        weights = []
        for ev_json, p in zip(links["evidence"].to_pylist(), links["pvalue"].to_pylist(), strict=True):
            keep = 1.0
            for item in json.loads(ev_json):
                obj = str(item["object"]).split(":", 1)[1]
                rarity = max(0.0, 1.0 - math.log(max(int(item.get("accounts", 2)), 2)) / log_n)
                keep *= 1.0 - complexity.get(obj, 0.0) * rarity
            significance = min(1.0, -math.log10(max(float(p), 1e-300)) / 2.0)
            weights.append(round((1.0 - keep) * significance, 6))
        return links.set_column(links.schema.get_field_index("weight"), "weight", pa.array(weights, pa.float64()))

