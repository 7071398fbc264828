"""``simulate()``: build one synthetic world and write it to a directory.

Order of work: popular accounts first (their posts are what others reply to),
then the planted operations and the look-alike groups (held back), then the
benign population streamed to disk with the held-back accounts released at
random points among it.  Every builder draws from its own generator seeded
from the world seed, so a given seed and config always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from opwatch.simulate.benign import make_anchors, make_population
from opwatch.simulate.clock import Clock, parse_start
from opwatch.simulate.config import WorldConfig
from opwatch.simulate.lookalikes import GROUP_BUILDERS
from opwatch.simulate.operations import OPERATION_BUILDERS
from opwatch.simulate.world import World
from opwatch.simulate.writer import WorldWriter

Progress = Callable[[int, int], None]


def simulate(
    out_dir: str | Path,
    seed: int = 0,
    accounts: int = 3000,
    config: WorldConfig | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write events.jsonl, accounts.jsonl and truth.jsonl of a synthetic world to ``out_dir``.

    ``accounts`` is the number of benign background accounts (it overrides
    ``config.accounts``); planted operations and look-alike groups come on top,
    sized by ``config``.  ``progress(done, total)`` is called now and then with
    benign accounts done out of the total.  Returns the paths and the counts.
    """
    cfg = replace(config if config is not None else WorldConfig(), accounts=accounts)
    cfg.validate()
    out = Path(out_dir)
    writer = WorldWriter(out)
    done = 0
    total = cfg.accounts

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    try:
        clock = Clock(parse_start(cfg.start), cfg.days)
        world = World(cfg, seed, clock, writer)
        n_social = cfg.accounts * (1.0 - cfg.ai_share)
        make_anchors(world, max(8, int(n_social * 0.012)))
        for name, op in cfg.operations.items():
            if op.enabled and (op.size or op.social_size):
                OPERATION_BUILDERS[name](world, name, op)
        for name, group in cfg.groups.items():
            if group.enabled and group.size:
                GROUP_BUILDERS[name](world, world.sub_rng(f"group:{name}"), group.size)
        make_population(world, cfg.accounts, tick)
    finally:
        writer.close()
    return {
        "out_dir": str(out),
        "paths": {k: str(p) for k, p in writer.paths.items()},
        "seed": seed,
        "evasion": cfg.evasion_level if cfg.evasion is None else "custom",
        "events": writer.counts["events"],
        "accounts": writer.counts["accounts"],
        "events_by_source": dict(sorted(writer.events_by_source.items())),
        "operations": {name: writer.by_operation.get(name, 0) for name in cfg.operations},
        "groups": {name: writer.by_group.get(name, 0) for name in cfg.groups},
        "benign_accounts": writer.counts["accounts"] - sum(writer.by_operation.values())
        - sum(writer.by_group.values()),
    }
