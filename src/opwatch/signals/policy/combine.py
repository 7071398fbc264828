"""Combining the layers into one score per category, and the per-event result.

Each layer gives, per harmful category, a probability-like belief:

- model: P(harmful) x P(category | harmful), calibrated (see model.py);
- rules: each hit of category c says "c, with confidence = the rule's weight";
  hits combine by noisy-OR;
- judge (optional): its category with its stated confidence.

Positive evidence combines by noisy-OR, ``s_c = 1 - (1 - m_c)(1 - r_c)(1 - j_c)``,
so one strong layer is enough and agreeing layers reinforce. The same rule
gives the overall harm score ``H`` from the model's P(harmful), every harmful
rule hit and a harmful judge verdict, whatever their categories (so a request
whose harm is split between two categories still counts in full). Benign
evidence scales them down: a judge that answers "benign" with confidence q
scales all of them by ``(1 - judge_weight * q)``; a benign-context rule scales
the *ambiguous* evidence by ``(1 - weight)``.

Ambiguous evidence is the model, a harmful judge verdict and harmful rule hits
whose weight is below the flag threshold. A harmful rule hit whose weight
reaches the flag threshold is *decisive* evidence (its author meant it to flag
on its own, and wrote its ``none:`` exclusions for the legitimate framings of
its pattern) and a benign-context rule does not damp it: one pattern does not
cancel another that is meant to flag alone. With ``d`` the product of the
benign-context factors, ``a`` the noisy-OR of the ambiguous evidence and ``D``
that of the decisive hits, ``s = 1 - (1 - d * a)(1 - D)`` (then times the
judge's benign factor); with no decisive hit this is ``d * a``, with no
benign-context hit the plain noisy-OR. So "write a story" or "signs of"
still lowers a model score that reacts to alarming words, but no longer lowers
a jailbreak ("ignore your rules", "no restrictions", DAN) or another rule that
flags alone (decision 0021).
A *protective* benign rule (``protective: true``: "how do I tell if this job
offer is a task scam", "remove my address from people-search sites") scales
everything, decisive hits included, by ``(1 - weight)`` — ``p`` below — like a
benign judge verdict: a named scheme or technique in a request to recognise or
block it is not a request to run it (decision 0026).
A decisive hit flags alone unless the offline model *vetoes* it: where the model
is nearly certain the text is harmless, and certain of the words around the
match too (veto.py), that text's decisive hits are set aside (``hold`` = 1; the
evidence marks them ``"vetoed": true``) and the model, the ambiguous hits and a
judge decide (decision 0037).
An event is flagged when ``H`` reaches the taxonomy's ``flag_threshold``; its
category is then the highest-scoring harmful category, else ``benign``.
``scores["benign"]`` is ``1 - H``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from opwatch.signals.policy.rules import RuleHit
from opwatch.signals.policy.taxonomy import BENIGN


@dataclass
class JudgeVerdict:
    """What a model judge said about one text (or why it could not)."""

    category: str | None
    confidence: float
    rationale: str = ""
    error: str | None = None


@dataclass
class Result:
    """The classification of one text."""

    category: str
    score: float
    flagged: bool
    scores: dict[str, float]
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "score": self.score,
            "flagged": self.flagged,
            "scores": self.scores,
            "evidence": self.evidence,
        }


def decisive(hit: RuleHit, threshold: float) -> bool:
    """Whether a harmful rule hit is decisive: its weight alone reaches the flag threshold.

    Benign-context rules do not damp decisive hits (see the module docstring).
    """
    return hit.category != BENIGN and hit.weight >= threshold


def harm_factors(
    hits: Sequence[Sequence[RuleHit]], threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per text, the rule part of the overall harm score ``H``.

    Returns ``(keep, hold, damp, protect)``: the products of ``1 - weight``
    over the ambiguous harmful hits, over the decisive harmful hits, over the
    benign-context hits and over the protective benign hits. With the model's
    P(harmful) ``p`` (and no judge), ``H = harm_score((1 - p) * keep, hold,
    damp, protect)``.
    """
    n = len(hits)
    keep = np.ones(n)
    hold = np.ones(n)
    damp = np.ones(n)
    protect = np.ones(n)
    for i, text_hits in enumerate(hits):
        for h in text_hits:
            if h.category == BENIGN:
                if h.protective:
                    protect[i] *= 1.0 - h.weight
                else:
                    damp[i] *= 1.0 - h.weight
            elif decisive(h, threshold):
                hold[i] *= 1.0 - h.weight
            else:
                keep[i] *= 1.0 - h.weight
    return keep, hold, damp, protect


def harm_score(keep: np.ndarray, hold: np.ndarray, damp: np.ndarray, protect: np.ndarray) -> np.ndarray:
    """``s = (1 - (1 - d * (1 - keep)) * hold) * protect``, elementwise.

    ``keep`` is the product of ``1 - x`` over the ambiguous evidence (the
    model's P(harmful) included), ``hold`` that over the decisive hits, ``damp``
    and ``protect`` the benign-context and protective factors (see the module
    docstring). The one place the layers' fusion formula is written:
    :func:`combine` applies it per category and overall, threshold calibration
    (calibrate.py) inverts it.
    """
    return (1.0 - (1.0 - (1.0 - keep) * damp) * hold) * protect


def combine(
    harmful: Sequence[str],
    model_scores: np.ndarray | None,
    hits: Sequence[Sequence[RuleHit]],
    verdicts: Sequence[JudgeVerdict | None] | None,
    threshold: float,
    judge_weight: float = 0.8,
    model_notes: Sequence[dict[str, Any] | None] | None = None,
    model_harm: np.ndarray | None = None,
    veto: np.ndarray | None = None,
) -> list[Result]:
    """Fuse the layers for ``len(hits)`` texts.

    ``model_scores`` is (n, len(harmful)) or None when the model layer is off;
    ``model_harm`` is the model's P(harmful) per text; ``veto`` marks the texts
    whose decisive rule hits the model vetoes (:func:`opwatch.signals.policy.veto.model_veto`).
    """
    n = len(hits)
    k = len(harmful)
    col = {c: i for i, c in enumerate(harmful)}
    # keep*: products of (1 - p) over ambiguous evidence; hold*: over decisive rule hits.
    # Text-level factors (all categories together) come from harm_factors; only the
    # per-category split of the harmful hits is done here.
    keep_r, hold_h, damp, damp_judge = harm_factors(hits, threshold)
    set_aside = np.zeros(n, dtype=bool) if veto is None else np.asarray(veto, dtype=bool)
    if veto is not None:
        hold_h = np.where(set_aside, 1.0, hold_h)
    keep_h = keep_r if model_harm is None else keep_r * (1.0 - np.asarray(model_harm, dtype=float))
    keep = np.ones((n, k)) if model_scores is None else 1.0 - np.asarray(model_scores, dtype=float)
    hold = np.ones((n, k))
    for i, text_hits in enumerate(hits):
        for h in text_hits:
            if h.category in col:
                if decisive(h, threshold):
                    if not set_aside[i]:
                        hold[i, col[h.category]] *= 1.0 - h.weight
                else:
                    keep[i, col[h.category]] *= 1.0 - h.weight
    if verdicts is not None:
        for i, v in enumerate(verdicts):
            if v is None or v.error is not None or v.category is None:
                continue
            if v.category == BENIGN:
                damp_judge[i] *= 1.0 - judge_weight * v.confidence
            elif v.category in col:
                keep[i, col[v.category]] *= 1.0 - v.confidence
                keep_h[i] *= 1.0 - v.confidence
    scores = harm_score(keep, hold, damp[:, None], damp_judge[:, None])
    harm_all = harm_score(keep_h, hold_h, damp, damp_judge)
    harm = np.maximum(harm_all, scores.max(axis=1) if k else 0.0)
    results: list[Result] = []
    for i in range(n):
        row = scores[i]
        best = int(np.argmax(row)) if k else 0
        top = float(harm[i])
        flagged = top >= threshold and k > 0
        sc = {c: round(float(row[j]), 4) for j, c in enumerate(harmful)}
        sc[BENIGN] = round(1.0 - top, 4)
        evidence: list[dict[str, Any]] = []
        if model_notes is not None and model_notes[i]:
            evidence.append(dict(model_notes[i] or {}))
        evidence += [
            {"layer": "rules", "rule": h.rule, "category": h.category, "weight": h.weight, "match": h.match,
             **({"vetoed": True} if set_aside[i] and decisive(h, threshold) else {})}
            for h in hits[i]
        ]
        if verdicts is not None and verdicts[i] is not None:
            v = verdicts[i]
            assert v is not None
            evidence.append(
                {"layer": "judge", "category": v.category, "confidence": v.confidence,
                 "rationale": v.rationale[:300], **({"error": v.error} if v.error else {})}
            )
        category = harmful[best] if flagged else BENIGN
        score = round(top if flagged else 1.0 - top, 4)
        results.append(Result(category, score, flagged, sc, evidence))
    return results
