"""The knobs of the synthetic world: sizes, mix, evasion and each operation's tells.

``WorldConfig`` holds everything ``simulate()`` needs besides the seed.  Operations
and look-alike groups are described by small dataclasses so that a YAML file
(``--config``) can override any field; evasion presets (none/low/high) fill the
evasion fields that the user did not set explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

#: Names of the evasion presets accepted by ``--evasion``.
EVASION_LEVELS = ("none", "low", "high")


@dataclass(frozen=True)
class Evasion:
    """How hard the planted operations try to hide.

    jitter_s: spread (seconds, ±) added to scheduled/burst times.
    rotate_ip: share of an operation's events sent from a fresh rotating address
        instead of its shared infrastructure.
    paraphrase: share of reused texts (generated-then-posted, templates, comments)
        rewritten by word substitution and reordering.
    paraphrase_strength: share of eligible words replaced when paraphrasing.
    scrub_refusals: share of would-be verbatim model refusals removed before posting.
    """

    jitter_s: float = 300.0
    rotate_ip: float = 0.25
    paraphrase: float = 0.3
    paraphrase_strength: float = 0.3
    scrub_refusals: float = 0.2


EVASION_PRESETS: dict[str, Evasion] = {
    "none": Evasion(jitter_s=0.0, rotate_ip=0.0, paraphrase=0.0, paraphrase_strength=0.0,
                    scrub_refusals=0.0),
    "low": Evasion(),
    "high": Evasion(jitter_s=3600.0, rotate_ip=0.8, paraphrase=0.85, paraphrase_strength=0.5,
                    scrub_refusals=0.6),
}


@dataclass(frozen=True)
class OperationConfig:
    """One planted operation.

    size: accounts on the AI service; social_size: accounts on the social platform.
    utc_offset: the operator's true UTC offset (hours).
    tells: which of the generic tells this operation shows (a realistic subset):
      business_hours, batch_created, throwaway_email, vpn, shared_ip, shared_device,
      shared_payment, lookalike_phones, one_conversation, prompt_scaffold, api_client, bursts,
      refusals, generated_then_posted, staging_artifacts.
    activity: mean events per AI-service account over the window.
    """

    size: int
    social_size: int = 0
    utc_offset: float = 8.0
    tells: tuple[str, ...] = ()
    activity: float = 12.0
    enabled: bool = True

    def has(self, tell: str) -> bool:
        return tell in self.tells


@dataclass(frozen=True)
class GroupConfig:
    """One benign look-alike group (coordinated-looking but benign)."""

    size: int
    enabled: bool = True


def _default_operations() -> dict[str, OperationConfig]:
    return {
        "surveillance-tool": OperationConfig(
            size=14, utc_offset=8.0, activity=18.0,
            tells=("business_hours", "shared_ip", "prompt_scaffold", "staging_artifacts", "vpn"),
        ),
        "propaganda": OperationConfig(
            size=10, social_size=36, utc_offset=3.0, activity=14.0,
            tells=("business_hours", "batch_created", "throwaway_email", "one_conversation",
                   "generated_then_posted", "vpn"),
        ),
        "deceptive-employment": OperationConfig(
            size=16, utc_offset=9.0, activity=16.0,
            tells=("shared_device", "shared_payment", "vpn", "prompt_scaffold", "lookalike_phones"),
        ),
        "scam": OperationConfig(
            size=12, utc_offset=7.0, activity=14.0,
            tells=("business_hours", "shared_ip", "throwaway_email", "batch_created"),
        ),
        "comment-spam": OperationConfig(
            size=3, social_size=48, utc_offset=-5.0, activity=30.0,
            tells=("bursts", "refusals", "batch_created", "api_client",
                   "generated_then_posted"),
        ),
    }


def _default_groups() -> dict[str, GroupConfig]:
    return {
        "university-class": GroupConfig(size=45),
        "carrier-nat": GroupConfig(size=300),
        "vpn-exit": GroupConfig(size=180),
        "viral-link": GroupConfig(size=700),
        "china-hours": GroupConfig(size=60),
        "grassroots": GroupConfig(size=150),
    }


@dataclass
class WorldConfig:
    """Everything that shapes a world, except the seed.

    accounts: benign background accounts across both sources.
    days / start: the observation window (start is a UTC ISO date, a Monday by default).
    ai_share: share of benign accounts on the AI service (the rest are social).
    mean_events: mean events per benign account (heavy-tailed around it).
    """

    accounts: int = 3000
    days: int = 14
    start: str = "2026-03-02"
    ai_share: float = 0.55
    mean_events: float = 10.0
    evasion_level: str = "low"
    evasion: Evasion | None = None
    operations: dict[str, OperationConfig] = field(default_factory=_default_operations)
    groups: dict[str, GroupConfig] = field(default_factory=_default_groups)

    def resolved_evasion(self) -> Evasion:
        """The explicit evasion, or the preset named by ``evasion_level``."""
        if self.evasion is not None:
            return self.evasion
        if self.evasion_level not in EVASION_PRESETS:
            raise ValueError(
                f"evasion_level must be one of {', '.join(EVASION_LEVELS)}, "
                f"not {self.evasion_level!r}"
            )
        return EVASION_PRESETS[self.evasion_level]

    def validate(self) -> None:
        """Raise ValueError with a readable message when a field is out of range."""
        if self.accounts < 0:
            raise ValueError("accounts must be >= 0")
        if not 1 <= self.days <= 366:
            raise ValueError("days must be between 1 and 366")
        if not 0.0 <= self.ai_share <= 1.0:
            raise ValueError("ai_share must be between 0 and 1")
        if self.mean_events <= 0:
            raise ValueError("mean_events must be > 0")
        self.resolved_evasion()
        known_ops = set(_default_operations())
        for name, op in self.operations.items():
            if name not in known_ops:
                raise ValueError(f"unknown operation {name!r}; known: {', '.join(sorted(known_ops))}")
            if op.size < 0 or op.social_size < 0:
                raise ValueError(f"operation {name}: sizes must be >= 0")
            if not -12 <= op.utc_offset <= 14:
                raise ValueError(f"operation {name}: utc_offset must be in -12..14")
        known_groups = set(_default_groups())
        for name, group in self.groups.items():
            if name not in known_groups:
                raise ValueError(f"unknown group {name!r}; known: {', '.join(sorted(known_groups))}")
            if group.size < 0:
                raise ValueError(f"group {name}: size must be >= 0")


def _merge(obj: Any, overrides: dict[str, Any], where: str) -> Any:
    """Return a copy of dataclass ``obj`` with ``overrides`` applied, checking names."""
    names = {f.name for f in fields(obj)}
    unknown = set(overrides) - names
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    clean = {k: (tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()}
    return replace(obj, **clean)


def config_from_dict(data: dict[str, Any], base: WorldConfig | None = None) -> WorldConfig:
    """Apply a nested mapping (as read from YAML) on top of ``base`` (default config)."""
    cfg = base if base is not None else WorldConfig()
    if not isinstance(data, dict):
        raise ValueError("the config must be a mapping of WorldConfig fields")
    top = {k: v for k, v in data.items() if k not in ("operations", "groups", "evasion")}
    cfg = _merge(cfg, top, "config")
    if "evasion" in data and data["evasion"] is not None:
        ev = data["evasion"]
        if not isinstance(ev, dict):
            raise ValueError("config: evasion must be a mapping of Evasion fields")
        cfg.evasion = _merge(cfg.resolved_evasion(), ev, "evasion")
    for section, table in (("operations", cfg.operations), ("groups", cfg.groups)):
        given = data.get(section) or {}
        if not isinstance(given, dict):
            raise ValueError(f"config: {section} must be a mapping of name -> fields")
        merged = dict(table)
        for name, over in given.items():
            if name not in merged:
                raise ValueError(f"config: unknown {section[:-1]} {name!r}")
            merged[name] = _merge(merged[name], dict(over or {}), f"{section}.{name}")
        setattr(cfg, section, merged)
    cfg.validate()
    return cfg


def load_config(path: str | Path, base: WorldConfig | None = None) -> WorldConfig:
    """Read a YAML file of overrides (see docs/simulate.md) into a WorldConfig."""
    import yaml

    text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return config_from_dict(data, base)
