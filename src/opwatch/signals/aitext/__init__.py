"""AI-generated text evidence (evidence, never a verdict).

Public API: :func:`normalise` (against cheap evasions), :func:`artefacts`
(verbatim chatbot traces), :class:`OfflineScorer` (no-download score with a
stored 1% FPR calibration), :func:`aggregate_accounts` (per-account evidence).
The optional model path lives in :mod:`opwatch.signals.aitext.model` (needs
``pip install 'opwatch[models]'``); the detectors in
:mod:`opwatch.signals.aitext.detector`.
"""

from opwatch.signals.aitext.artefacts import RULES, artefact_score, artefacts
from opwatch.signals.aitext.normalise import normalise, normalise_report
from opwatch.signals.aitext.offline import OfflineScorer, aggregate_accounts, fit_threshold

__all__ = [
    "RULES",
    "OfflineScorer",
    "aggregate_accounts",
    "artefact_score",
    "artefacts",
    "fit_threshold",
    "normalise",
    "normalise_report",
]
