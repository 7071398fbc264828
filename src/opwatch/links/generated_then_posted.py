"""The "generated_then_posted" layer: model output that reappears as a social-media post.

Units: each AI-service response, and each of its lines / list items (a request
for "ten tweets" yields ten units), with at least ``min_tokens`` tokens. Posts:
every non-AI event with text that is not a repost. Both are tokenised with
:func:`opwatch.links.minhash.tokens`; tokens in more than ``max_df_share`` of all
texts are dropped (they make every pair look alike). Candidates come from a
bipartite MinHash-LSH join (``bands`` x ``rows``, only unit-post pairs), and each
is verified exactly: word-set Jaccard >= ``threshold`` (verbatim copies score 1,
close paraphrases about 0.5-0.8).

A match counts when the post came ``-clock_skew_s .. max_gap_s`` seconds after the
generation. One link per (AI account, posting account) pair, with:

- ``evidence``: up to ``max_evidence`` matches, most similar first, each
  ``{object: "generated:<hash of the unit>", event_a, event_b, gap_s (posting time
  minus generation time, signed), generated_by: "a"|"b", similarity}``;
- ``pvalue``: per match ``C(|P|, |S|) * prod_{t in S} q_t`` (``P`` the post's tokens,
  ``S`` the shared ones, ``q_t`` the share of units containing ``t``), times the
  number of AI accounts whose output the post matches, multiplied over the
  pair's distinct posts. A post matching the output of more than
  ``max_generators`` AI accounts is generic model text (a refusal, a stock
  phrase) and links nobody;
- ``weight``: ``(1 - prod(1 - similarity)) * min(1, -log10(p) / 2)``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import numpy as np
import pyarrow as pa
import xxhash
from scipy.special import gammaln

from opwatch.links.base import LinkLayer, empty_links, links_table
from opwatch.links.minhash import signatures, token_ids, tokens
from opwatch.links.setsim import binary_matrix, bipartite_candidates, jaccard_pairs
from opwatch.models import dumps
from opwatch.registry import register_layer
from opwatch.signals.base import DetectContext
from opwatch.signals.behaviour.timeline import AI_EVENT_SQL

_LIST_MARK = re.compile(r"^\s*(?:\d+[.)]|[-*•]|(?:tweet|post|comment|option)\s*\d*\s*[:.)-])\s*", re.I)


def response_units(response: str | None) -> list[str]:
    """The whole response and each non-empty line, list markers and wrapping quotes removed."""
    if not response:
        return []
    units = [response.strip()]
    for line in response.splitlines():
        line = _LIST_MARK.sub("", line).strip().strip('"“”«»').strip()
        if line and line != units[0]:
            units.append(line)
    return units


@register_layer
class GeneratedThenPostedLayer(LinkLayer):
    name = "generated_then_posted"

    def __init__(self, threshold: float = 0.5, min_tokens: int = 6, max_df_share: float = 0.02,
                 max_gap_s: int = 14 * 86400, clock_skew_s: int = 300, bands: int = 21, rows: int = 3,
                 max_bucket: int = 100, max_evidence: int = 5, max_generators: int = 5) -> None:
        self.max_generators = max_generators
        self.threshold = threshold
        self.min_tokens = min_tokens
        self.max_df_share = max_df_share
        self.max_gap_s = max_gap_s
        self.clock_skew_s = clock_skew_s
        self.bands = bands
        self.rows = rows
        self.max_bucket = max_bucket
        self.max_evidence = max_evidence

    def _texts(self, ctx: DetectContext) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, list[tuple[Any, ...]]]]:
        gen = ctx.sql(
            "SELECT source, account_id, event_id, timestamp, response FROM events "
            f"WHERE {AI_EVENT_SQL} AND response IS NOT NULL AND account_id IS NOT NULL"
        ).to_pylist()
        posts = ctx.sql(
            "SELECT source, account_id, event_id, timestamp, text FROM events "
            f"WHERE NOT {AI_EVENT_SQL} AND text IS NOT NULL AND account_id IS NOT NULL "
            "AND repost_of IS NULL AND lower(coalesce(kind, '')) <> 'repost'"
        ).to_pylist()
        units: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for r in gen:
            for u in response_units(r["response"]):
                units[u].append((r["source"], r["account_id"], r["event_id"], r["timestamp"]))
        post_text: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for r in posts:
            post_text[r["text"]].append((r["source"], r["account_id"], r["event_id"], r["timestamp"]))
        return units, post_text

    def run(self, ctx: DetectContext) -> pa.Table:
        units, posts = self._texts(ctx)
        if not units or not posts:
            return empty_links()
        u_text, p_text = list(units), list(posts)
        sets = token_ids([tokens(t) for t in u_text + p_text])
        flat = np.concatenate(sets) if sets else np.zeros(0, np.uint64)
        vocab, df = np.unique(flat, return_counts=True)
        common = vocab[df > max(2, self.max_df_share * len(sets))]
        sets = [np.setdiff1d(s, common, assume_unique=True) for s in sets]
        u_sets, p_sets = sets[: len(u_text)], sets[len(u_text):]
        u_ok = np.flatnonzero([len(s) >= self.min_tokens for s in u_sets])
        p_ok = np.flatnonzero([len(s) >= self.min_tokens for s in p_sets])
        if u_ok.size == 0 or p_ok.size == 0:
            return empty_links()
        num_perm = self.bands * self.rows
        cand = bipartite_candidates(
            signatures([u_sets[i] for i in u_ok], num_perm), signatures([p_sets[i] for i in p_ok], num_perm),
            self.bands, self.rows, self.max_bucket,
        )
        if cand.size == 0:
            return empty_links()
        xu = binary_matrix([u_sets[i] for i in u_ok], vocab)
        xp = binary_matrix([p_sets[i] for i in p_ok], vocab)
        sim, inter = jaccard_pairs(xu, xp, cand)
        keep = sim >= self.threshold
        if not keep.any():
            return empty_links()
        q = np.asarray(xu.sum(axis=0)).ravel() / max(len(u_ok), 1)
        log_q = np.log(np.clip(q, 1e-12, 1.0))
        shared = xu[cand[:, 0]].multiply(xp[cand[:, 1]]).tocsr()
        size_p = np.asarray(xp.sum(axis=1)).ravel()[cand[:, 1]]
        log_p = gammaln(size_p + 1) - gammaln(inter + 1) - gammaln(size_p - inter + 1) + shared @ log_q
        return self._links(cand[keep], sim[keep], np.minimum(log_p[keep], 0.0),
                           [u_text[i] for i in u_ok], [p_text[i] for i in p_ok], units, posts)

    def _links(self, pairs: np.ndarray, sim: np.ndarray, log_p: np.ndarray, u_text: list[str],
               p_text: list[str], units: dict[str, list[tuple[Any, ...]]],
               posts: dict[str, list[tuple[Any, ...]]]) -> pa.Table:
        # a post text matching outputs of many different AI accounts is generic model
        # text (a refusal, a stock phrase), not evidence of who generated it
        generators: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for u, p in pairs.tolist():
            generators[p].update((g[0], g[1]) for g in units[u_text[u]])
        best: dict[tuple[Any, ...], dict[str, dict[str, Any]]] = defaultdict(dict)
        for (u, p), s, lp in zip(pairs.tolist(), sim.tolist(), log_p.tolist(), strict=True):
            n_gen = len(generators[p])
            if n_gen > self.max_generators:
                continue
            obj = f"generated:{xxhash.xxh64_hexdigest(u_text[u].encode())}"
            for g_src, g_acc, g_ev, g_ts in units[u_text[u]]:
                for p_src, p_acc, p_ev, p_ts in posts[p_text[p]]:
                    if (g_src, g_acc) == (p_src, p_acc):
                        continue
                    gap = (p_ts - g_ts).total_seconds()
                    if gap < -self.clock_skew_s or gap > self.max_gap_s:
                        continue
                    a_is_gen = (g_src, g_acc) < (p_src, p_acc)
                    key = (g_src, g_acc, p_src, p_acc) if a_is_gen else (p_src, p_acc, g_src, g_acc)
                    item = {"object": obj, "event_a": g_ev if a_is_gen else p_ev,
                            "event_b": p_ev if a_is_gen else g_ev, "gap_s": gap,
                            "generated_by": "a" if a_is_gen else "b", "similarity": round(s, 4),
                            "_log_p": lp + float(np.log(n_gen))}
                    old = best[key].get(p_ev)
                    if old is None or (s, -abs(gap)) > (old["similarity"], -abs(old["gap_s"])):
                        best[key][p_ev] = item
        cols: dict[str, list[Any]] = defaultdict(list)
        for key, by_post in best.items():
            items = sorted(by_post.values(), key=lambda d: (-d["similarity"], abs(d["gap_s"])))
            log_p_pair = sum(d.pop("_log_p") for d in items)
            p = float(np.exp(max(log_p_pair, -690.0)))
            strength = 1.0 - float(np.prod([1.0 - d["similarity"] for d in items]))
            significance = min(1.0, -np.log10(max(p, 1e-300)) / 2.0)
            for name, val in zip(("source_a", "account_a", "source_b", "account_b"), key, strict=True):
                cols[name].append(val)
            cols["weight"].append(round(strength * significance, 6))
            cols["pvalue"].append(p)
            cols["n_shared"].append(len(items))
            cols["evidence"].append(dumps(items[: self.max_evidence]))
        if not cols:
            return empty_links()
        cols["layer"] = [self.name] * len(cols["weight"])
        return links_table(dict(cols))
