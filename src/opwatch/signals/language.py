"""The "language" detector: languages an account writes in, and prompts vs. outputs.

Detection is offline (lingua, low-accuracy mode: n-gram models only, no
download) and bounded: for each account it joins the first ``per_account``
prompts, the first ``per_account`` model outputs and the first ``per_account``
other texts (posts, replies) into one sample per *role*, each cut to
``max_chars`` after URLs, mentions, hashtags and fenced code are removed, and
guesses one language per role. Scripts that name a language on their own
(Hangul, kana, Greek, Hebrew, Thai, …) skip the model. The candidate set is
``languages`` (ISO 639-1; a broad default), which keeps lingua fast: about a
millisecond a sample. Measured in docs/behaviour.md.

The account signal (category ``language_mismatch``, score 1.0 or 0.0) says
whether the prompts are written in one language and the outputs come back in
another ("prompts in one language producing output in another"). The
evidence holds each role's language and the declared ``lang`` values.
:func:`detect_languages` is the per-text function; :func:`account_languages`
the per-account one the operation profile reuses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import pyarrow as pa

from opwatch.models import dumps
from opwatch.registry import register_detector
from opwatch.signals.base import DetectContext, Detector, empty_signals, signals_table
from opwatch.signals.behaviour.timeline import AI_EVENT_SQL
from opwatch.signals.scripts import SINGLE_LANGUAGE_SCRIPTS

#: default candidate languages (ISO 639-1)
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en", "ru", "uk", "zh", "ja", "ko", "es", "pt", "fr", "de", "it", "nl", "pl", "ro", "tr", "ar", "fa",
    "ur", "hi", "bn", "id", "ms", "vi", "th", "he", "el", "sv", "cs", "hu", "sr", "bg", "ka", "hy", "tl",
)
ROLES = ("prompt", "output", "post")

_NOISE = re.compile(r"```.*?(```|$)|https?://\S+|www\.\S+|[@#][\w.]+|\S+@\S+\.\w+", re.S)


@lru_cache(maxsize=4)
def _detector(languages: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in languages]
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


def clean_for_language(text: str | None, max_chars: int = 300) -> str:
    """The part of ``text`` worth guessing a language from (noise removed, cut)."""
    if not text:
        return ""
    return " ".join(_NOISE.sub(" ", text[: max_chars * 3]).split())[:max_chars]


def _by_script(text: str) -> str | None:
    letters = sum(ch.isalpha() for ch in text) or 1
    for code, pattern in SINGLE_LANGUAGE_SCRIPTS:
        if len(pattern.findall(text)) >= 0.3 * letters:
            return code
    return None


def detect_languages(
    texts: Sequence[str | None], max_chars: int = 300, min_chars: int = 12,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
) -> list[str | None]:
    """ISO 639-1 code (lower case) per text, or None when too short or undecided."""
    cleaned = [clean_for_language(t, max_chars) for t in texts]
    found: dict[str, str | None] = {}
    pending = []
    for text in set(cleaned):
        if len(text) < min_chars:
            continue
        code = _by_script(text)
        if code is not None:
            found[text] = code
        else:
            pending.append(text)
    if pending:
        det = _detector(tuple(languages))
        # lingua spreads a batch over the machine's cores; results equal the serial call
        guesses = det.detect_languages_in_parallel_of(pending) if len(pending) > 1000 else [
            det.detect_language_of(text) for text in pending
        ]
        for text, lang in zip(pending, guesses, strict=True):
            found[text] = lang.iso_code_639_1.name.lower() if lang is not None else None
    return [found.get(c) for c in cleaned]


def account_languages(
    rows: Sequence[dict[str, Any]], per_account: int = 5, max_chars: int = 300, min_chars: int = 12,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per account: the language of its prompts, outputs and posts, and declared ``lang`` shares.

    ``rows`` need ``source, account_id, is_ai, text, response`` (``lang`` optional).
    """
    parts: dict[tuple[str, str], dict[str, list[str]]] = {}
    declared: dict[tuple[str, str], Counter[str]] = {}
    for r in rows:
        key = (r["source"], r["account_id"])
        acc = parts.setdefault(key, {role: [] for role in ROLES})
        declared.setdefault(key, Counter())
        if r.get("lang"):
            declared[key][str(r["lang"]).lower()] += 1
        pairs = [("prompt", r.get("text")), ("output", r.get("response"))] if r["is_ai"] else [("post", r.get("text"))]
        for role, value in pairs:
            text = clean_for_language(value, max_chars)
            if text and len(acc[role]) < per_account:
                acc[role].append(text)
    keys = list(parts)
    samples = [" ".join(parts[k][role])[:max_chars] for k in keys for role in ROLES]
    langs = detect_languages(samples, max_chars, min_chars, languages)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for i, key in enumerate(keys):
        found = dict(zip(ROLES, langs[i * len(ROLES): (i + 1) * len(ROLES)], strict=True))
        total = sum(declared[key].values())
        out[key] = {
            **found,
            "n_samples": {role: len(parts[key][role]) for role in ROLES},
            "declared": {k: round(v / total, 3) for k, v in declared[key].most_common(5)} if total else {},
        }
    return out


@register_detector
class LanguageDetector(Detector):
    """Account signal ``language_mismatch``; evidence holds languages per role."""

    name = "language"
    subject = "account"

    def __init__(self, per_account: int = 5, max_chars: int = 120, min_chars: int = 12,
                 languages: Sequence[str] = DEFAULT_LANGUAGES) -> None:
        self.per_account = per_account
        self.max_chars = max_chars
        self.min_chars = min_chars
        self.languages = list(languages)

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
        found = account_languages(rows, self.per_account, self.max_chars, self.min_chars, tuple(self.languages))
        cols: dict[str, list[Any]] = {k: [] for k in ("source", "account_id", "score", "evidence")}
        for (source, account), acc in found.items():
            if not any(acc[role] for role in ROLES) and not acc["declared"]:
                continue  # nothing readable: no signal rather than a guess
            mismatch = bool(acc["prompt"] and acc["output"] and acc["prompt"] != acc["output"])
            weight: Counter[str] = Counter()
            for r in ROLES:
                if acc[r]:
                    weight[acc[r]] += acc["n_samples"][r]
            main = weight.most_common(1)
            evidence = {
                "main_language": main[0][0] if main else None,
                "prompt_language": acc["prompt"], "output_language": acc["output"], "post_language": acc["post"],
                "n_samples": acc["n_samples"], "declared_languages": acc["declared"],
                "mismatch": f"{acc['prompt']}->{acc['output']}" if mismatch else None,
            }
            cols["source"].append(source)
            cols["account_id"].append(account)
            cols["score"].append(1.0 if mismatch else 0.0)
            cols["evidence"].append(dumps(evidence))
        n = len(cols["source"])
        if n == 0:
            return empty_signals()
        return signals_table({
            "detector": [self.name] * n, "subject": ["account"] * n,
            "category": ["language_mismatch"] * n, **cols,
        })
