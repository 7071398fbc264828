"""The synthetic world with ground truth, for the demo, the tests and the benchmarks.

``simulate(out_dir, seed, accounts, config)`` writes events.jsonl,
accounts.jsonl and truth.jsonl in the canonical schema: a benign population of
an AI service and a social platform, planted operations modelled on public
threat reports, and benign look-alike crowds that naive rules would flag.
``WorldConfig`` holds sizes, mix and evasion; see docs/simulate.md.
"""

from __future__ import annotations

from opwatch.simulate.config import (
    EVASION_LEVELS,
    EVASION_PRESETS,
    Evasion,
    GroupConfig,
    OperationConfig,
    WorldConfig,
    config_from_dict,
    load_config,
)
from opwatch.simulate.generate import simulate

__all__ = [
    "EVASION_LEVELS",
    "EVASION_PRESETS",
    "Evasion",
    "GroupConfig",
    "OperationConfig",
    "WorldConfig",
    "config_from_dict",
    "load_config",
    "simulate",
]
