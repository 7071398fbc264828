"""Where detectors and link layers are registered: built-ins use the same hook as plugins.

``@register_detector`` / ``@register_layer`` add a class; ``detectors()`` and
``layers()`` import the built-in modules and return everything registered.
Third-party packages register through the ``opwatch.plugins`` entry point,
whose module is imported and may use the same decorators.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from opwatch.links.base import LinkLayer
    from opwatch.signals.base import Detector

_DETECTORS: dict[str, type[Detector]] = {}
_LAYERS: dict[str, type[LinkLayer]] = {}
_loaded = False

D = TypeVar("D", bound="type[Detector]")
L = TypeVar("L", bound="type[LinkLayer]")

#: built-in modules that register on import (one detector / layer per module)
BUILTIN_MODULES: tuple[str, ...] = (
    "opwatch.signals.activity",
    "opwatch.signals.aitext.detector",
    "opwatch.signals.automation",
    "opwatch.signals.language",
    "opwatch.signals.policy.detector",
    "opwatch.links.code_lineage",
    "opwatch.links.coordination.layers",
    "opwatch.links.generated_then_posted",
    "opwatch.links.near_duplicate_text",
    "opwatch.links.prompt_template",
    "opwatch.links.shared_indicator",
)


def register_detector(cls: D) -> D:
    _DETECTORS[cls.name] = cls
    return cls


def register_layer(cls: L) -> L:
    _LAYERS[cls.name] = cls
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in BUILTIN_MODULES:
        importlib.import_module(mod)
    for ep in entry_points(group="opwatch.plugins"):
        ep.load()


def detectors() -> dict[str, type[Detector]]:
    _load()
    return dict(_DETECTORS)


def layers() -> dict[str, type[LinkLayer]]:
    _load()
    return dict(_LAYERS)
