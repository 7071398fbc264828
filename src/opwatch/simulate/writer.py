"""Streaming JSON Lines output of a world: events.jsonl, accounts.jsonl, truth.jsonl.

Lines are written as they are made so memory stays bounded.  Accounts of the
planted operations and look-alike groups are held back as bundles and released
at random points among the benign accounts, so that file order says nothing
about who belongs together.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import IO, Any


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


class Bundle:
    """One held-back account: its account line, truth line and events."""

    __slots__ = ("account", "truth", "events")

    def __init__(self, account: dict[str, Any], truth: dict[str, Any]) -> None:
        self.account = account
        self.truth = truth
        self.events: list[dict[str, Any]] = []


class WorldWriter:
    """Owns the three output files and the running counts."""

    def __init__(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.paths = {
            "events": out_dir / "events.jsonl",
            "accounts": out_dir / "accounts.jsonl",
            "truth": out_dir / "truth.jsonl",
        }
        self._files: dict[str, IO[str]] = {
            k: p.open("w", encoding="utf-8", newline="\n") for k, p in self.paths.items()
        }
        self.counts: Counter[str] = Counter()
        self.by_operation: Counter[str] = Counter()
        self.by_group: Counter[str] = Counter()
        self.events_by_source: Counter[str] = Counter()
        self._held: dict[str, Bundle] = {}
        self._queue: list[str] | None = None

    # -- direct output -------------------------------------------------------------
    def account(self, account: dict[str, Any], truth: dict[str, Any]) -> None:
        self._files["accounts"].write(_line(account))
        self._files["truth"].write(_line(truth))
        self.counts["accounts"] += 1
        if truth["operation"]:
            self.by_operation[truth["operation"]] += 1
        if truth["group"]:
            self.by_group[truth["group"]] += 1

    def event(self, event: dict[str, Any]) -> None:
        held = self._held.get(event["account_id"])
        if held is not None:
            held.events.append(event)
            return
        self._files["events"].write(_line(event))
        self.counts["events"] += 1
        self.events_by_source[event["source"]] += 1

    # -- held-back bundles -------------------------------------------------------------
    def hold(self, account: dict[str, Any], truth: dict[str, Any]) -> None:
        """Keep an account (and its later events) until ``release_some`` writes it."""
        self._held[account["account_id"]] = Bundle(account, truth)

    @property
    def held(self) -> int:
        return len(self._held)

    def release_some(self, rng: random.Random, remaining_slots: int) -> None:
        """Release held bundles so that they spread evenly over ``remaining_slots`` calls."""
        if not self._held:
            return
        if self._queue is None:
            self._queue = list(self._held)
            rng.shuffle(self._queue)
        n = len(self._queue)
        if remaining_slots <= 1:
            k = n
        else:
            rate = n / remaining_slots
            k = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
        for _ in range(min(k, n)):
            self._release(self._queue.pop())

    def release_all(self) -> None:
        for key in list(self._held):
            self._release(key)

    def _release(self, key: str) -> None:
        bundle = self._held.pop(key)
        self.account(bundle.account, bundle.truth)
        for ev in bundle.events:
            self.event(ev)

    def close(self) -> None:
        self.release_all()
        for f in self._files.values():
            f.close()
