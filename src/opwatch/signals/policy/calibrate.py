"""Threshold calibration: set how often the default path flags a given harmless set.

The offline model's P(harmful) carries a log-odds *shift* (``prior_shift_``).
The shipped shift is set so that rules + model flag 0.3 % of a public harmless
set (the calibration half of Alpaca harmless_train, see the model card); a
service's own traffic is different (a pest-control shop's customers ask how to
kill things all day). :func:`calibrate` finds the shift at which the
default path (rules + model, the same combination as :mod:`combine`) flags a
target share of texts the user vouches are harmless, and returns a copy of the
model with that shift and a record of the calibration in its metadata. The
rules, the taxonomy and the learned weights are untouched.

Rule hits are computed once; the flag rate is monotone in the shift, so a
bisection finds it. Rules that flag on their own (decisive hits) are not
moved by the shift: when they alone exceed the target, the result says so.
The model's veto of decisive hits (``model_veto``, see veto.py) reads the
model's P(harmful) *before* the shift, so calibration never moves it either.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from opwatch.signals.policy.combine import harm_factors, harm_score
from opwatch.signals.policy.model import PolicyModel
from opwatch.signals.policy.rules import RuleSet
from opwatch.signals.policy.veto import model_veto

#: texts the model scores at a time while calibrating (the progress callback advances by these)
CHUNK = 1024
#: expected false positives the calibration set must hold at the target rate
MIN_EXPECTED_FLAGS = 10
#: Log-odds the shift keeps below the text that would be flagged next. The encoder's log-odds carry
#: float noise of a few 1e-6 (matrix products differ slightly with batch size), which must not flip it.
MARGIN = 1e-3


_Parts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class CalibrationError(ValueError):
    """The harmless set cannot calibrate the requested rate (too small, or empty)."""


@dataclass
class Calibration:
    """What a calibration did: the new shift and the flag rates before and after."""

    model: PolicyModel
    rows: int
    target_fpr: float
    fpr_before: float
    fpr: float
    shift_before: float
    shift: float
    rules_alone_fpr: float

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "model"}


def _flag_rate(z: np.ndarray, keep: np.ndarray, hold: np.ndarray, damp: np.ndarray, protect: np.ndarray,
               threshold: float, shift: float) -> float:
    """Share of texts whose harm score ``H`` reaches ``threshold`` at log-odds ``shift``."""
    p = 1.0 / (1.0 + np.exp(-(z + shift)))
    return float((harm_score((1.0 - p) * keep, hold, damp, protect) >= threshold).mean())


def _parts(
    model: PolicyModel, rules: RuleSet | None, texts: list[str], threshold: float,
    langs: Sequence[str | None] | None, veto: float = 0.0,
    progress: Callable[[int], None] | None = None,
) -> tuple[_Parts, float]:
    """The model's calibrated log-odds before the shift and the rule factors per text (decisive hits
    the model vetoes set aside), and the share of texts the rules alone flag (no model, no veto).

    ``progress(n)`` is called after each chunk of ``n`` texts is scored."""
    hits = rules.match(texts, langs) if rules is not None else [[] for _ in texts]
    keep, hold, damp, protect = harm_factors(hits, threshold)
    chunks = []
    for start in range(0, len(texts), CHUNK):
        chunks.append(model.text_logit(texts[start:start + CHUNK]))
        if progress is not None:
            progress(len(chunks[-1]))
    z = np.concatenate(chunks) if chunks else np.zeros(0)
    alone = float((harm_score(keep, hold, damp, protect) >= threshold).mean())
    set_aside = model_veto(model.text_logit, texts, hits, z, veto, threshold)
    if set_aside is not None:
        hold = np.where(set_aside, 1.0, hold)
    return (z, keep, hold, damp, protect), alone


def bisect_shift(parts: _Parts, threshold: float, target_fpr: float) -> tuple[float, float]:
    """The largest log-odds shift at which the texts behind ``parts`` (the model's log-odds and the rule
    factors ``keep, hold, damp, protect``) flag at most ``target_fpr``, less :data:`MARGIN`, and the flag
    rate there."""
    lo, hi = -30.0, 10.0  # flag rate at -30 is the unvetoed rules' alone; it grows with the shift
    for _ in range(60):
        mid = (lo + hi) / 2
        if _flag_rate(*parts, threshold, mid) <= target_fpr:
            lo = mid
        else:
            hi = mid
    return lo - MARGIN, _flag_rate(*parts, threshold, lo - MARGIN)


def calibrate_shift(
    model: PolicyModel, rules: RuleSet | None, texts: Sequence[str], target_fpr: float, threshold: float,
    langs: Sequence[str | None] | None = None, veto: float = 0.0,
) -> tuple[float, float]:
    """The largest log-odds shift at which rules + model flag at most ``target_fpr`` of ``texts``.

    ``veto`` is the taxonomy's ``model_veto``. Returns ``(shift, flag rate at that shift)``.
    """
    return bisect_shift(_parts(model, rules, list(texts), threshold, langs, veto)[0], threshold, target_fpr)


def calibrate(
    model: PolicyModel, rules: RuleSet | None, texts: Sequence[str], target_fpr: float, threshold: float,
    source: str = "user-supplied harmless texts", langs: Sequence[str | None] | None = None,
    veto: float = 0.0, progress: Callable[[int], None] | None = None,
) -> Calibration:
    """A copy of ``model`` whose default path flags ``target_fpr`` of ``texts`` (held to be harmless).

    ``progress(n)`` is called as each chunk of ``n`` texts has been scored (for a progress bar).

    Raises :class:`CalibrationError` when ``texts`` is too small to measure the
    rate (fewer than ``MIN_EXPECTED_FLAGS / target_fpr`` texts) or the target is
    not in (0, 0.5).
    """
    if not 0.0 < target_fpr < 0.5:
        raise CalibrationError(f"target false-positive rate must be between 0 and 0.5, got {target_fpr}")
    texts = [t if isinstance(t, str) else "" for t in texts]
    need = int(np.ceil(MIN_EXPECTED_FLAGS / target_fpr))
    if len(texts) < need:
        raise CalibrationError(
            f"calibrating a {target_fpr:.2%} flag rate needs at least {need:,} harmless texts "
            f"({MIN_EXPECTED_FLAGS} expected flags); got {len(texts):,}. Give more texts or a higher "
            "--target-fpr."
        )
    parts, alone = _parts(model, rules, texts, threshold, langs, veto, progress)
    before = _flag_rate(*parts, threshold, model.prior_shift_)
    shift, fpr = bisect_shift(parts, threshold, target_fpr)
    new = copy.deepcopy(model)
    new.prior_shift_ = shift
    new.meta_ = dict(model.meta_)
    new.meta_["calibration"] = {
        "split": source, "rows": len(texts), "target_fpr": target_fpr, "fpr": round(fpr, 5),
        "shift": round(shift, 4), "shift_before": round(model.prior_shift_, 4),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "previous": model.meta_.get("calibration"),
    }
    return Calibration(new, len(texts), target_fpr, before, fpr, model.prior_shift_, shift, alone)
