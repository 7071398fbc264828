"""Shared by the benchmark scripts: write one named section of docs/benchmarks.md.

Each script owns the text between ``<!-- BEGIN name -->`` and ``<!-- END name -->``
and replaces only that, so scripts can run in any order without clobbering
each other's results.
"""

from __future__ import annotations

import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Every section below is written by the script it names; re-run the command to refresh it.\n"
    "Numbers are from the machine named in each section.\n"
)


def machine() -> str:
    try:
        cpu = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        cpu = "?"
    return f"{platform.system()} {platform.machine()}, {cpu} cores, Python {platform.python_version()}"


def write_section(name: str, command: str, body: str) -> None:
    """Replace section ``name`` of docs/benchmarks.md with ``body`` (Markdown)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (
        f"<!-- BEGIN {name} -->\n## {name}\n\n"
        f"Command: `{command}`  \nRun: {stamp} on {machine()}\n\n{body.rstrip()}\n<!-- END {name} -->"
    )
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    pattern = re.compile(rf"<!-- BEGIN {re.escape(name)} -->.*?<!-- END {re.escape(name)} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
