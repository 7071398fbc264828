"""The one interface over the three layers: ``Classifier.classify(texts) -> [Result]``.

Loads the taxonomy, rules and model once; classifies in vectorised batches.
Layers can be switched off (``layers=("rules",)``) for evaluation, and a model
judge added with ``judge=JudgeClient(...)`` or ``Classifier(judge_url=..., judge_model=...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from opwatch.signals.policy.combine import JudgeVerdict, Result, combine, harm_factors, harm_score
from opwatch.signals.policy.judge import JudgeClient
from opwatch.signals.policy.model import PolicyModel
from opwatch.signals.policy.rules import RuleHit, RuleSet, load_rules
from opwatch.signals.policy.taxonomy import Taxonomy, load_taxonomy
from opwatch.signals.policy.veto import model_veto

LAYERS = ("rules", "model", "judge")


class Classifier:
    """Classify texts into the taxonomy's categories.

    Parameters: ``taxonomy`` (path or None for the shipped one), ``rules`` (rule
    files/directories, None for the shipped ones; ``extra_rules`` adds to them),
    ``model`` (weights path or None for the shipped one), ``layers`` (which of
    rules/model/judge to use), ``threshold`` (overrides the taxonomy's
    flag_threshold), ``judge`` or ``judge_url``/``judge_model``, and
    ``judge_min_score`` (only texts whose offline top harmful score reaches it go
    to the judge; 0 sends all).
    """

    def __init__(
        self,
        taxonomy: str | Path | Taxonomy | None = None,
        rules: Sequence[str | Path] | None = None,
        extra_rules: Sequence[str | Path] = (),
        model: str | Path | None = None,
        layers: Sequence[str] = LAYERS,
        threshold: float | None = None,
        judge: JudgeClient | None = None,
        judge_url: str | None = None,
        judge_model: str | None = None,
        judge_min_score: float = 0.0,
        batch_size: int = 4096,
    ) -> None:
        bad = set(layers) - set(LAYERS)
        if bad:
            raise ValueError(f"unknown layers {sorted(bad)}; choose from {LAYERS}")
        self.taxonomy_ = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
        self.threshold = float(threshold) if threshold is not None else self.taxonomy_.flag_threshold
        self.veto = self.taxonomy_.model_veto
        self.harmful_ = self.taxonomy_.harmful_ids
        rule_paths = list(rules) if rules is not None else None
        if rule_paths is not None or extra_rules:
            from opwatch.signals.policy.rules import DEFAULT_RULES_DIR

            rule_paths = (rule_paths if rule_paths is not None else [DEFAULT_RULES_DIR]) + list(extra_rules)
        self.rules_: RuleSet | None = (
            load_rules(rule_paths, self.taxonomy_.ids) if "rules" in layers else None
        )
        self.model_: PolicyModel | None = PolicyModel.load(model) if "model" in layers else None
        if judge is None and judge_url:
            if not judge_model:
                raise ValueError("judge_url needs judge_model (the model name the endpoint serves)")
            judge = JudgeClient(judge_url, judge_model, self.taxonomy_)
        self.judge_ = judge if "judge" in layers else None
        self.judge_min_score = judge_min_score
        self.batch_size = batch_size
        self._cols: list[int | None] = []
        if self.model_ is not None:
            known = {c: i for i, c in enumerate(self.model_.categories_)}
            self._cols = [known.get(c) for c in self.harmful_]

    @classmethod
    def default(cls) -> Classifier:
        """The shipped offline classifier, loaded once per process."""
        return _default()

    def _model_scores(
        self, texts: Sequence[str], hits: Sequence[list[RuleHit]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any] | None]]:
        """Per-category model scores, P(harmful), the log-odds before the prior shift, evidence notes.

        With an encoder in the model, only texts whose flag it could change (:meth:`_encoder_band`)
        are encoded; the others keep the n-gram log-odds (the encoder's term there is 0)."""
        assert self.model_ is not None
        X = self.model_.features(texts)
        z, p_harm, p_cat = self.model_.predict_all(X)
        band = self._encoder_band(z, hits)
        if band.size:
            z[band] += self.model_.encoder_term([texts[i] for i in band])
            p_harm = 1.0 / (1.0 + np.exp(-(z + self.model_.prior_shift_)))
        out = np.zeros((len(texts), len(self.harmful_)))
        for j, col in enumerate(self._cols):
            if col is not None:
                out[:, j] = p_harm * p_cat[:, col]
        notes: list[dict[str, Any] | None] = [None] * len(texts)
        shown = np.flatnonzero(p_harm >= 0.2).tolist()
        encoded = set(band.tolist())
        for i, terms in zip(shown, self.model_.explain_many([texts[i] for i in shown]), strict=True):
            notes[i] = {"layer": "model", "p_harmful": round(float(p_harm[i]), 4), "top_terms": terms}
            if self.model_.encoder_ is not None:
                notes[i]["encoder"] = i in encoded  # type: ignore[index]
        return out, p_harm, z, notes

    def _encoder_band(self, z: np.ndarray, hits: Sequence[list[RuleHit]]) -> np.ndarray:
        """Indices of the texts whose flag the encoder could change: those flagged at one end of
        ``z ± reach`` and not at the other (the harm score rises with the log-odds). With the model
        veto on, also every text with a decisive hit: the veto reads its log-odds, encoder included."""
        assert self.model_ is not None
        reach = self.model_.encoder_reach
        if reach <= 0.0 or not len(z):
            return np.zeros(0, dtype=np.int64)
        keep, hold, damp, protect = harm_factors(list(hits), self.threshold)
        shift = self.model_.prior_shift_
        low, high = (harm_score(keep / (1.0 + np.exp(z + d + shift)), hold, damp, protect) >= self.threshold
                     for d in (-reach, reach))
        band = low != high
        if self.veto > 0.0:
            band |= hold < 1.0
        return np.flatnonzero(band)

    def classify(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None = None,
        use_model: Sequence[bool] | None = None,
    ) -> list[Result]:
        """Classify texts (``langs``: ISO codes per text where known, else guessed).

        ``use_model``: per text, whether the offline model layer may score it
        (default: every text); where False only the rules (and the judge) do —
        for texts outside the model's training domain.
        """
        if langs is not None and len(langs) != len(texts):
            raise ValueError("langs must have one entry per text")
        if use_model is not None and len(use_model) != len(texts):
            raise ValueError("use_model must have one entry per text")
        results: list[Result] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = [t if isinstance(t, str) else "" for t in texts[start : start + self.batch_size]]
            lchunk = langs[start : start + self.batch_size] if langs is not None else None
            mchunk = use_model[start : start + self.batch_size] if use_model is not None else None
            results += self._classify_batch(chunk, lchunk, mchunk)
        return results

    def _masked_model_scores(
        self, texts: list[str], mask: Sequence[bool] | None, hits: list[list[RuleHit]]
    ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, list[dict[str, Any] | None] | None]:
        """:meth:`_model_scores` on the texts ``mask`` lets the model score (zeros and no note elsewhere)."""
        if self.model_ is None:
            return None, None, None, None
        if mask is None or all(mask):
            return self._model_scores(texts, hits)
        keep = [i for i, m in enumerate(mask) if m]
        scores = np.zeros((len(texts), len(self.harmful_)))
        harm = np.zeros(len(texts))
        z = np.zeros(len(texts))
        notes: list[dict[str, Any] | None] = [None] * len(texts)
        if keep:
            s, h, zk, n = self._model_scores([texts[i] for i in keep], [hits[i] for i in keep])
            scores[keep] = s
            harm[keep] = h
            z[keep] = zk
            for j, i in enumerate(keep):
                notes[i] = n[j]
        return scores, harm, z, notes

    def _veto(
        self, texts: list[str], hits: list[list[RuleHit]], z: np.ndarray | None, scored: Sequence[bool] | None
    ) -> np.ndarray | None:
        """Which texts' decisive rule hits the model vetoes (veto.py); None without a model or a veto.

        ``z``: the model's log-odds of harm before the prior shift, as the veto's level is set."""
        if self.model_ is None or z is None or self.veto <= 0.0:
            return None
        return model_veto(self.model_.text_logit, texts, hits, z, self.veto, self.threshold, scored)

    def _classify_batch(
        self, texts: list[str], langs: Sequence[str | None] | None, use_model: Sequence[bool] | None = None
    ) -> list[Result]:
        hits: list[list[RuleHit]] = self.rules_.match(texts, langs) if self.rules_ else [[] for _ in texts]
        scores, harm, z, notes = self._masked_model_scores(texts, use_model, hits)
        veto = self._veto(texts, hits, z, use_model)
        verdicts: list[JudgeVerdict | None] | None = None
        if self.judge_ is not None:
            offline = combine(self.harmful_, scores, hits, None, self.threshold, model_notes=notes, model_harm=harm,
                              veto=veto)
            todo = [i for i, r in enumerate(offline) if 1.0 - r.scores["benign"] >= self.judge_min_score]
            verdicts = [None] * len(texts)
            for i, v in zip(todo, self.judge_.judge([texts[i] for i in todo]), strict=True):
                verdicts[i] = v
        return combine(
            self.harmful_, scores, hits, verdicts, self.threshold, model_notes=notes, model_harm=harm, veto=veto
        )


@lru_cache(maxsize=1)
def _default() -> Classifier:
    return Classifier(layers=("rules", "model"))
