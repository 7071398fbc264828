"""The "aitext" (per event) and "aitext_account" (per account) detectors.

Both read the workspace's ``events`` table: the ``response`` of AI-service
events where present, else the ``text`` of a post. Per event: the offline
score, the artefact rules that fired, and the score's components. Per account:
the mean log-odds of its texts against the 1% FPR bar for that many texts,
plus artefact counts — far stronger than any single post. Category
``ai_text``. Evidence, never a verdict.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from opwatch.models import dumps
from opwatch.registry import register_detector
from opwatch.signals.aitext.artefacts import artefact_score, report_artefacts
from opwatch.signals.aitext.normalise import normalise_report
from opwatch.signals.aitext.offline import DENSE_NAMES, OfflineScorer
from opwatch.signals.base import DetectContext, Detector, empty_signals, signals_table

CATEGORY = "ai_text"

_QUERY = """
SELECT event_id, source, account_id,
       CASE WHEN response IS NOT NULL AND LENGTH(TRIM(response)) > 0 THEN response ELSE text END AS body,
       CASE WHEN response IS NOT NULL AND LENGTH(TRIM(response)) > 0 THEN 'response' ELSE 'text' END AS field
FROM events
WHERE (response IS NOT NULL AND LENGTH(TRIM(response)) > 0)
   OR (text IS NOT NULL AND LENGTH(TRIM(text)) > 0)
ORDER BY source, account_id, event_id
"""


@dataclass
class ScoredEvents:
    """Column arrays for every event with text, in account order."""

    event_id: list[str]
    source: list[str]
    account_id: list[str]
    field: list[str]
    logit: np.ndarray
    score: np.ndarray
    components: dict[str, np.ndarray]
    artefacts: list[list[str]]

    def __len__(self) -> int:
        return len(self.event_id)


def text_artefacts(texts: list[str]) -> tuple[list[str], list[list[str]]]:
    """Normalise every text and run the artefact rules: (normalised texts, names per text)."""
    norm: list[str] = []
    found: list[list[str]] = []
    for t in texts:
        rep = normalise_report(t)
        norm.append(rep.text)
        found.append(report_artefacts(rep))
    return norm, found


def score_events(ctx: DetectContext, scorer: OfflineScorer) -> ScoredEvents:
    """Score the text of every event of the workspace (offline path).

    The result is memoised on the context per weights file, so the event and the
    account detector of one run score each text once."""
    key = ("aitext.score_events", scorer.source_)
    cached = ctx.memo.get(key)
    if isinstance(cached, ScoredEvents):
        return cached
    scored = _score_events(ctx, scorer)
    ctx.memo[key] = scored
    return scored


def _score_events(ctx: DetectContext, scorer: OfflineScorer) -> ScoredEvents:
    tab = ctx.sql(_QUERY)
    bodies = tab.column("body").to_pylist()
    advance = ctx.step("AI-text evidence", len(bodies))
    norm, found = text_artefacts(bodies)
    comps = scorer.components(norm, normalised=True)
    advance(len(bodies))
    logit = comps["logit"]
    return ScoredEvents(
        tab.column("event_id").to_pylist(),
        tab.column("source").to_pylist(),
        tab.column("account_id").to_pylist(),
        tab.column("field").to_pylist(),
        logit,
        1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50))),
        comps,
        found,
    )


def _r(x: float) -> float:
    return round(float(x), 5)


@register_detector
class AITextDetector(Detector):
    """Event signal ``ai_text``: offline score, or the strongest artefact if higher.

    Emits events at or above ``min_score`` (default: the weights' 1% FPR
    threshold) and every event where an artefact rule fired.
    """

    name = "aitext"
    subject = "event"

    def __init__(self, weights: str | None = None, min_score: float | None = None) -> None:
        self.weights = weights
        self.min_score = min_score

    def run(self, ctx: DetectContext) -> pa.Table:
        scorer = OfflineScorer(self.weights)
        ev = score_events(ctx, scorer)
        if len(ev) == 0:
            return empty_signals()
        bar = scorer.threshold if self.min_score is None else self.min_score
        rows: dict[str, list[Any]] = {k: [] for k in ("source", "account_id", "event_id", "score", "evidence")}
        for i in range(len(ev)):
            names = ev.artefacts[i]
            offline = float(ev.score[i]) if np.isfinite(ev.score[i]) else None
            if (offline is None or offline < bar) and not names:
                continue
            evidence = {
                "field": ev.field[i],
                "artefacts": names,
                "offline_score": None if offline is None else _r(offline),
                "too_short": offline is None,
                "threshold": _r(scorer.threshold),
                "above_threshold": bool(ev.logit[i] > scorer.weights_.threshold_logit),
                "components": {
                    k: _r(v) if np.isfinite(v := ev.components[k][i]) else None
                    for k in ("ngram", "style", "logit", "n_words", *DENSE_NAMES)
                },
            }
            rows["source"].append(ev.source[i])
            rows["account_id"].append(ev.account_id[i])
            rows["event_id"].append(ev.event_id[i])
            rows["score"].append(_r(max(offline or 0.0, artefact_score(names))))
            rows["evidence"].append(dumps(evidence))
        n = len(rows["score"])
        if n == 0:
            return empty_signals()
        rows.update(detector=[self.name] * n, subject=["event"] * n, category=[CATEGORY] * n)
        return signals_table(rows)


@register_detector
class AITextAccountDetector(Detector):
    """Account signal ``ai_text``: mean log-odds of the account's texts against the bar for n.

    ``score = sigmoid(mean_logit - threshold(n))`` (0.5 at the 1% FPR bar), raised
    to the strongest artefact seen. Accounts with fewer than ``min_texts`` texts
    and no artefact are left out.
    """

    name = "aitext_account"
    subject = "account"

    def __init__(self, weights: str | None = None, min_texts: int = 5, max_examples: int = 5) -> None:
        self.weights = weights
        self.min_texts = min_texts
        self.max_examples = max_examples

    def run(self, ctx: DetectContext) -> pa.Table:
        scorer = OfflineScorer(self.weights)
        ev = score_events(ctx, scorer)
        if len(ev) == 0:
            return empty_signals()
        keys = list(zip(ev.source, ev.account_id, strict=True))
        bounds = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]] + [len(keys)]
        rows: dict[str, list[Any]] = {k: [] for k in ("source", "account_id", "score", "evidence")}
        text_bar = scorer.weights_.threshold_logit
        for a, b in zip(bounds, bounds[1:], strict=False):
            lg = ev.logit[a:b]
            ok = np.isfinite(lg)
            n = int(ok.sum())
            counts = Counter(name for names in ev.artefacts[a:b] for name in names)
            if n < self.min_texts and not counts:
                continue
            mean = float(lg[ok].mean()) if n else float("nan")
            thr = scorer.account_threshold(n)
            enough = n >= self.min_texts
            calibrated = 1.0 / (1.0 + np.exp(-np.clip(mean - thr, -50, 50))) if enough else 0.0
            order = np.argsort(-np.where(ok, lg, -np.inf))
            with_art = [ev.event_id[a + j] for j in range(b - a) if ev.artefacts[a + j]]
            examples = list(dict.fromkeys(with_art + [ev.event_id[a + int(j)] for j in order]))
            evidence = {
                "n_texts": b - a,
                "n_scored": n,
                "mean_logit": _r(mean) if n else None,
                "threshold_logit": _r(thr),
                "above_threshold": bool(enough and mean > thr),
                "share_above_text_threshold": _r(float((lg[ok] > text_bar).mean())) if n else None,
                "artefacts": dict(sorted(counts.items())),
                "examples": examples[: self.max_examples],
            }
            score = max(float(calibrated), artefact_score(list(counts)))
            rows["source"].append(keys[a][0])
            rows["account_id"].append(keys[a][1])
            rows["score"].append(_r(score))
            rows["evidence"].append(dumps(evidence))
        m = len(rows["score"])
        if m == 0:
            return empty_signals()
        rows.update(detector=[self.name] * m, subject=["account"] * m, category=[CATEGORY] * m)
        return signals_table(rows)
