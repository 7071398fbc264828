"""Shared fixtures for the coordination-network tests: small generated QUT inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from opwatch.links.coordination.synth import planted_vs_viral, social_stream, write_qut


@pytest.fixture(scope="session")
def stream_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_qut(social_stream(3000, seed=5), tmp_path_factory.mktemp("nw") / "stream.csv")


@pytest.fixture(scope="session")
def planted_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str], set[str]]:
    rows, planted, crowd = planted_vs_viral()
    return write_qut(rows, tmp_path_factory.mktemp("nw") / "pv.csv"), planted, crowd
