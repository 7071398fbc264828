"""``opwatch eval``: quality of the latest run against a truth file."""

from __future__ import annotations

import json
from typing import Any

import click

from opwatch.cli._ui import console, fail, workspace


def render_eval(res: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(
        f"precision [bold]{res['precision']:.3f}[/]  recall [bold]{res['recall']:.3f}[/]  "
        f"F1 [bold]{res['f1']:.3f}[/]  benign FPR [bold]{res['benign_false_positive_rate']:.4%}[/] "
        f"({res['benign_flagged']} benign accounts flagged)"
    )
    t = Table(title="True operations")
    for col in ("operation", "accounts", "flagged", "recall", "split across"):
        t.add_column(col)
    for name, v in res["operations"].items():
        t.add_row(name, str(v["accounts"]), str(v["flagged_accounts"]), f"{v['recall']:.2f}", str(v["split_across"]))
    console.print(t)
    if res["groups"]:
        g = Table(title="Benign look-alike groups")
        for col in ("group", "accounts", "flagged accounts", "flagged as an operation"):
            g.add_column(col)
        for name, v in res["groups"].items():
            g.add_row(name, str(v["accounts"]), str(v["flagged_accounts"]),
                      "[bold red]yes[/]" if v["flagged_as_operation"] else "no")
        console.print(g)


@click.command("eval")
@click.option("--truth", required=True, type=click.Path(dir_okay=False), help="Truth JSON Lines file.")
@click.option("--run", "run_id", help="Run id (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def command(ctx: click.Context, truth: str, run_id: str | None, as_json: bool) -> None:
    """Account-level precision, recall, F1 and benign false-positive rate of flagged operations."""
    from opwatch.evaluate import TruthError

    ws = workspace(ctx)
    try:
        res = ws.evaluate(truth, run_id)
    except (FileNotFoundError, TruthError) as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(res, indent=1))
    else:
        render_eval(res)
