"""Spine fixtures: a small simulated world, ingested and detected once per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opwatch.workspace import Workspace


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opwatch.simulate import simulate

    out = tmp_path_factory.mktemp("world")
    simulate(out, seed=7, accounts=800)
    return out


@pytest.fixture(scope="session")
def detected(world: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    ws = Workspace(tmp_path_factory.mktemp("ws"))
    ws.ingest([world / "events.jsonl"], [world / "accounts.jsonl"])
    run_id = ws.detect()
    return {"ws": ws, "run_id": run_id, "truth": world / "truth.jsonl"}
