"""``opwatch demo``: the whole loop on the default synthetic world, in under a minute."""

from __future__ import annotations

import time
from pathlib import Path

import click

from opwatch.cli._ui import console, progress_bars


@click.command()
@click.option("--out", default="opwatch-demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the synthetic world and the demo's own workspace.")
@click.option("--report", default="demo-report.html", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the HTML summary.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the synthetic world.")
@click.option("--accounts", type=int, default=3000, show_default=True, help="Benign accounts in the world.")
def command(out: str, report: str, seed: int, accounts: int) -> None:
    """Simulate a world, ingest it, detect operations, print them, and write an HTML report.

    Uses its own workspace under --out, never the one named by --workspace.
    """
    from opwatch.cli.eval import render_eval
    from opwatch.cli.operations import render_table
    from opwatch.reports import html
    from opwatch.simulate import simulate
    from opwatch.workspace import Workspace

    t0 = time.perf_counter()
    root = Path(out)
    world = root / "world"
    with progress_bars() as progress:
        console.print(f"[bold]1/4 simulate[/] seed {seed}, {accounts:,} benign accounts → {world}")
        simulate(world, seed=seed, accounts=accounts)
        ws = Workspace(root / "workspace")
        console.print("[bold]2/4 ingest[/]")
        s = ws.ingest([world / "events.jsonl"], [world / "accounts.jsonl"], progress=progress)
        console.print(f"   events added {s.added.get('events', 0):,}, accounts added {s.added.get('accounts', 0):,}, "
                      f"quarantined {s.quarantined}")
        console.print("[bold]3/4 detect[/]")
        run_id = ws.detect(progress=progress)
    ops = ws.operations(run_id)
    console.print("[bold]4/4 results[/]")
    render_table(ops, limit=15)
    evaluation = ws.evaluate(world / "truth.jsonl", run_id)
    render_eval(evaluation)
    path = html.write(report, ops, ws.run_info(run_id), evaluation)
    console.print(f"HTML summary: [bold]{path}[/]  ({time.perf_counter() - t0:.1f}s in all)")
