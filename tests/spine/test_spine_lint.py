"""The code base stays ruff- and mypy-clean (configuration in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("tool", [["ruff", "check", "."], [sys.executable, "-m", "mypy"]])
def test_clean(tool: list[str]) -> None:
    if tool[0] == "ruff" and shutil.which("ruff") is None:
        pytest.skip("ruff is not installed")
    if tool[0] == sys.executable:
        pytest.importorskip("mypy")
    out = subprocess.run(tool, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
