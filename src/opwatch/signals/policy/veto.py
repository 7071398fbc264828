"""The offline model's veto of rule hits that are meant to flag on their own.

A *decisive* rule hit (its weight alone reaches the flag threshold, see
combine.py) flags a text whatever the other layers say. Its exclusions were
written against the texts its authors had read, and on text nobody has read a
keyword rule fires on harmless requests more often than the model errs with
near-certainty (decision 0037). So the model may veto it, but only where it
contradicts the hit twice:

- on the whole text, the model's P(harmful) before the deployment's base-rate
  shift is below the taxonomy's ``model_veto``; and
- on the *local window* of every decisive hit — the words around the rule's
  match, at most ``WINDOW_WORDS`` either side and not past a sentence end —
  the model's P(harmful) is below it too.

The second condition keeps the veto from being bought with padding: a
harmful sentence inside a long harmless message keeps its own high score
(and the model reads only a text's first 2,000 characters anyway). Texts the
model does not score are never vetoed. The threshold is a probability
*before* the prior shift, so calibrating the shift (calibrate.py) never moves
the veto.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from opwatch.signals.policy.combine import decisive
from opwatch.signals.policy.rules import RuleHit

#: words kept on either side of a rule's match in its local window
WINDOW_WORDS = 12

_SENTENCE_END = re.compile(r"[.!?;\n\u3002\uff01\uff1f]")


def veto_cut(veto: float) -> float | None:
    """The log-odds (before the prior shift) below which the model vetoes; None when the veto is off."""
    if veto <= 0.0:
        return None
    return math.log(veto / (1.0 - veto))


def local_window(lowered: str, match: str, words: int = WINDOW_WORDS) -> str:
    """The words around the first occurrence of ``match`` in ``lowered``, within its sentence."""
    at = lowered.find(match)
    if at < 0:
        return match
    end_of_match = at + len(match)
    starts = [m.end() for m in _SENTENCE_END.finditer(lowered, 0, at)]
    start = starts[-1] if starts else 0
    nxt = _SENTENCE_END.search(lowered, end_of_match)
    end = nxt.start() if nxt else len(lowered)
    before = lowered[start:at].split()[-words:] if words else []
    after = lowered[end_of_match:end].split()[:words] if words else []
    return " ".join([*before, match, *after])


def model_veto(
    logit: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    hits: Sequence[Sequence[RuleHit]],
    z: np.ndarray,
    veto: float,
    threshold: float,
    scored: Sequence[bool] | None = None,
) -> np.ndarray | None:
    """Per text, whether the model vetoes its decisive rule hits (see the module docstring).

    ``logit`` scores texts (the model's log-odds before the prior shift), ``z`` is
    the whole texts' log-odds before the shift. Windows are cut from the lower-cased
    text, as rules and the model read it (only texts with a decisive hit the model
    doubts are lower-cased). None when the veto is off.
    """
    cut = veto_cut(veto)
    if cut is None:
        return None
    out = np.zeros(len(hits), dtype=bool)
    owners: list[int] = []
    windows: list[str] = []
    for i, text_hits in enumerate(hits):
        if (scored is not None and not scored[i]) or not z[i] < cut:
            continue
        matches = {h.match for h in text_hits if decisive(h, threshold)}
        if not matches:
            continue
        lowered = texts[i].lower()
        for m in sorted(matches):
            owners.append(i)
            windows.append(local_window(lowered, m))
        out[i] = True
    if windows:
        zw = logit(windows)
        for i, zi in zip(owners, zw, strict=True):
            if not zi < cut:
                out[i] = False
    return out
