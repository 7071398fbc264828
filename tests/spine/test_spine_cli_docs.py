"""docs/cli.md is generated from the CLI's own help and must match it."""

from __future__ import annotations

from pathlib import Path

from opwatch.cli._reference import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is stale: run `python -m opwatch.cli._reference > docs/cli.md`"
    )
