"""Signals: per-event and per-account findings. One detector per module.

Importing this package registers the built-in detectors (see opwatch.registry).
"""

from opwatch.signals.base import DetectContext, Detector

__all__ = ["DetectContext", "Detector"]

# Built-in detectors register themselves on import; one line per module.
import opwatch.signals.activity  # noqa: E402,F401
import opwatch.signals.aitext.detector  # noqa: E402,F401
import opwatch.signals.automation  # noqa: E402,F401
import opwatch.signals.language  # noqa: E402,F401
import opwatch.signals.policy.detector  # noqa: E402,F401
