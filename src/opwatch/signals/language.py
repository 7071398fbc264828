"""The "language" detector: languages an account writes in, and prompts vs. outputs.

Detection is offline (lingua, low-accuracy mode: n-gram models only, no
download) on a bounded sample per account: the first ``per_account`` AI-service
events (prompt *and* response) and the first ``per_account`` other events, each
cut to ``max_chars`` after URLs, mentions, hashtags and fenced code are removed.
Texts shorter than ``min_chars`` are not guessed. The account signal
(category ``language_mismatch``) scores how often the prompt's language differs
from the language of the output it got back ("prompts in one language producing
output in another"); the evidence lists each language's share per role.
:func:`detect_languages` is the per-event function other stages may call.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

import pyarrow as pa

from opwatch.models import dumps
from opwatch.registry import register_detector
from opwatch.signals.base import DetectContext, Detector, empty_signals, signals_table
from opwatch.signals.behaviour.timeline import AI_EVENT_SQL

_NOISE = re.compile(r"```.*?(```|$)|https?://\S+|www\.\S+|[@#][\w.]+|\S+@\S+\.\w+", re.S)


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def clean_for_language(text: str | None, max_chars: int = 300) -> str:
    """The part of ``text`` worth guessing a language from (noise removed, cut)."""
    if not text:
        return ""
    return " ".join(_NOISE.sub(" ", text[: max_chars * 3]).split())[:max_chars]


def detect_languages(texts: list[str | None], max_chars: int = 300, min_chars: int = 12) -> list[str | None]:
    """ISO 639-1 code (lower case) per text, or None when too short or undecided."""
    cleaned = [clean_for_language(t, max_chars) for t in texts]
    unique = sorted({c for c in cleaned if len(c) >= min_chars})
    found: dict[str, str | None] = {}
    if unique:
        det = _detector()
        for text, lang in zip(unique, det.detect_languages_in_parallel_of(unique), strict=True):
            found[text] = lang.iso_code_639_1.name.lower() if lang is not None else None
    return [found.get(c) for c in cleaned]


def _shares(counter: Counter[str]) -> dict[str, float]:
    total = sum(counter.values())
    return {k: round(v / total, 4) for k, v in counter.most_common()} if total else {}


@register_detector
class LanguageDetector(Detector):
    """Account signal ``language_mismatch``; evidence holds languages per role."""

    name = "language"
    subject = "account"

    def __init__(self, per_account: int = 6, max_chars: int = 300, min_chars: int = 12,
                 min_pairs: int = 3) -> None:
        self.per_account = per_account
        self.max_chars = max_chars
        self.min_chars = min_chars
        self.min_pairs = min_pairs

    def sample(self, ctx: DetectContext) -> pa.Table:
        """Up to ``per_account`` AI-service and ``per_account`` other events per account."""
        cut = int(self.max_chars) * 3
        return ctx.sql(
            f"""
            SELECT source, account_id, is_ai, lang,
                   substr(text, 1, {cut}) AS text, substr(response, 1, {cut}) AS response
            FROM (
                SELECT source, account_id, lang, text, response,
                       CASE WHEN {AI_EVENT_SQL} THEN 1 ELSE 0 END AS is_ai,
                       ROW_NUMBER() OVER (
                           PARTITION BY source, account_id, CASE WHEN {AI_EVENT_SQL} THEN 1 ELSE 0 END
                           ORDER BY timestamp, event_id) AS rn
                FROM events
                WHERE account_id IS NOT NULL AND (text IS NOT NULL OR response IS NOT NULL)
            ) s
            WHERE rn <= {int(self.per_account)}
            ORDER BY source, account_id
            """
        )

    def run(self, ctx: DetectContext) -> pa.Table:
        rows = self.sample(ctx).to_pylist()
        if not rows:
            return empty_signals()
        text_lang = detect_languages([r["text"] for r in rows], self.max_chars, self.min_chars)
        resp_lang = detect_languages([r["response"] for r in rows], self.max_chars, self.min_chars)
        per: dict[tuple[str, str], dict[str, Any]] = {}
        for r, tl, rl in zip(rows, text_lang, resp_lang, strict=True):
            acc = per.setdefault((r["source"], r["account_id"]), {
                "prompt": Counter(), "output": Counter(), "post": Counter(), "declared": Counter(),
                "pairs": Counter(), "n_pairs": 0, "n_mismatch": 0,
            })
            if r["lang"]:
                acc["declared"][str(r["lang"]).lower()] += 1
            if r["is_ai"]:
                if tl:
                    acc["prompt"][tl] += 1
                if rl:
                    acc["output"][rl] += 1
                if tl and rl:
                    acc["n_pairs"] += 1
                    if tl != rl:
                        acc["n_mismatch"] += 1
                        acc["pairs"][f"{tl}->{rl}"] += 1
            elif tl:
                acc["post"][tl] += 1
        cols: dict[str, list[Any]] = {k: [] for k in ("source", "account_id", "score", "evidence")}
        for (source, account), acc in per.items():
            every = acc["prompt"] + acc["output"] + acc["post"]
            if not every and not acc["declared"]:
                continue  # nothing readable: no signal rather than a guess
            n_pairs = acc["n_pairs"]
            share = acc["n_mismatch"] / n_pairs if n_pairs else 0.0
            score = share * min(1.0, n_pairs / self.min_pairs)
            evidence = {
                "main_language": every.most_common(1)[0][0] if every else None,
                "prompt_languages": _shares(acc["prompt"]),
                "output_languages": _shares(acc["output"]),
                "post_languages": _shares(acc["post"]),
                "declared_languages": _shares(acc["declared"]),
                "n_prompt_output_pairs": n_pairs,
                "mismatch_share": round(share, 4),
                "mismatch_pairs": dict(acc["pairs"].most_common()),
                "n_detected": sum(every.values()),
            }
            cols["source"].append(source)
            cols["account_id"].append(account)
            cols["score"].append(round(score, 6))
            cols["evidence"].append(dumps(evidence))
        n = len(cols["source"])
        if n == 0:
            return empty_signals()
        return signals_table({
            "detector": [self.name] * n, "subject": ["account"] * n,
            "category": ["language_mismatch"] * n, **cols,
        })
