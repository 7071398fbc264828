"""Signals: per-event and per-account findings. One detector per module.

The built-in detectors are listed in :data:`opwatch.registry.BUILTIN_MODULES` and
imported when the registry is first asked, so importing one detector stays cheap.
"""

from opwatch.signals.base import DetectContext, Detector

__all__ = ["DetectContext", "Detector"]
