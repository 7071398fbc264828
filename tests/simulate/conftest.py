"""Shared fixtures for the simulator tests: small worlds written once per session."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from opwatch.simulate import GroupConfig, WorldConfig, simulate

SMALL_GROUPS = {"university-class": 25, "carrier-nat": 30, "vpn-exit": 30, "viral-link": 60,
                "china-hours": 20, "grassroots": 40}


def small_config(**kw: Any) -> WorldConfig:
    cfg = WorldConfig()
    cfg.groups = {k: GroupConfig(size=v) for k, v in SMALL_GROUPS.items()}
    return replace(cfg, **kw)


class World:
    """A written world loaded back for assertions."""

    def __init__(self, out: Path, result: dict[str, Any]) -> None:
        self.out = out
        self.result = result
        self.events = [json.loads(x) for x in (out / "events.jsonl").open(encoding="utf-8")]
        self.accounts = [json.loads(x) for x in (out / "accounts.jsonl").open(encoding="utf-8")]
        self.truth = [json.loads(x) for x in (out / "truth.jsonl").open(encoding="utf-8")]
        self.label = {(t["source"], t["account_id"]): t for t in self.truth}

    def of(self, name: str) -> list[dict[str, Any]]:
        """Events of the accounts in operation or group ``name`` ("benign" for neither)."""
        out = []
        for e in self.events:
            t = self.label[(e["source"], e["account_id"])]
            who = t["operation"] or t["group"] or "benign"
            if who == name:
                out.append(e)
        return out


@pytest.fixture(scope="session")
def world_low(tmp_path_factory: pytest.TempPathFactory) -> World:
    out = tmp_path_factory.mktemp("world_low")
    return World(out, simulate(out, seed=7, accounts=400, config=small_config()))


@pytest.fixture(scope="session")
def world_none(tmp_path_factory: pytest.TempPathFactory) -> World:
    out = tmp_path_factory.mktemp("world_none")
    cfg = small_config(evasion_level="none")
    return World(out, simulate(out, seed=7, accounts=200, config=cfg))


@pytest.fixture(scope="session")
def world_high(tmp_path_factory: pytest.TempPathFactory) -> World:
    out = tmp_path_factory.mktemp("world_high")
    cfg = small_config(evasion_level="high")
    return World(out, simulate(out, seed=7, accounts=200, config=cfg))


@pytest.fixture(scope="session")
def make_config() -> Any:
    """The small-world config factory (keyword overrides of WorldConfig fields)."""
    return small_config
