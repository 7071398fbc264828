"""The planted operations: a registry of builders, one module per operation.

A builder ``build(world, name, cfg)`` makes the operation's held-back accounts
and all their events.  ``OPERATION_BUILDERS`` maps the operation names used in
``WorldConfig.operations`` and in truth.jsonl to their builders.
"""

from __future__ import annotations

from collections.abc import Callable

from opwatch.simulate.config import OperationConfig
from opwatch.simulate.operations import commentspam, employment, propaganda, scam, surveillance
from opwatch.simulate.world import World

Builder = Callable[[World, str, OperationConfig], None]

OPERATION_BUILDERS: dict[str, Builder] = {
    "surveillance-tool": surveillance.build,
    "propaganda": propaganda.build,
    "deceptive-employment": employment.build,
    "scam": scam.build,
    "comment-spam": commentspam.build,
}

__all__ = ["OPERATION_BUILDERS", "Builder"]
