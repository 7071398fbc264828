"""``opwatch operations``: the ranked operations of the latest (or a given) run."""

from __future__ import annotations

import json
from typing import Any

import click

from opwatch.cli._ui import console, fail, workspace


def _evidence_line(ev: dict[str, Any]) -> str:
    shared = ev.get("shared") or []
    objs = ", ".join(str(s.get("object", ""))[:48] for s in shared[:2])
    gap = shared[0].get("gap_s") if shared else None
    gap_s = f", gap {gap:.0f}s" if isinstance(gap, int | float) else ""
    return f"{ev['layer']}: {objs}{gap_s}"


def _behaviour(op: dict[str, Any]) -> str:
    b = op.get("profile", {}).get("behaviour") or {}
    return str(b.get("summary") or "") if isinstance(b, dict) else ""


def render_table(ops: list[dict[str, Any]], limit: int) -> None:
    from rich.table import Table

    table = Table(title="Operations (flagged = above the review threshold)", show_lines=False)
    for col in ("id", "score", "coord", "policy", "inauth", "flag", "size", "sources", "category", "profile", "top evidence"):
        table.add_column(col, overflow="fold")
    for op in ops[:limit]:
        parts = op["parts"]
        cats = op.get("categories") or {}
        table.add_row(
            op["operation_id"],
            f"{op['score']:.2f}",
            f"{parts['coordination']:.2f}",
            f"{parts['policy']:.2f}",
            f"{parts['inauthenticity']:.2f}",
            "[bold red]yes[/]" if op["flagged"] else "no",
            str(op["size"]),
            ",".join(op["sources"]),
            next(iter(cats), "-"),
            _behaviour(op),
            _evidence_line(op["evidence"][0]) if op.get("evidence") else "-",
        )
    console.print(table)


@click.command()
@click.option("--run", "run_id", help="Run id (default: the latest).")
@click.option("--flagged", is_flag=True, help="Only operations above the review threshold.")
@click.option("--limit", type=int, default=25, show_default=True, help="Rows in the table.")
@click.option("--json", "as_json", is_flag=True, help="Print all fields as JSON.")
@click.pass_context
def command(ctx: click.Context, run_id: str | None, flagged: bool, limit: int, as_json: bool) -> None:
    """List operations ranked by score, with the parts of the score and top evidence."""
    ws = workspace(ctx)
    try:
        ops = ws.operations(run_id, flagged_only=flagged)
    except FileNotFoundError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(ops, indent=1, ensure_ascii=False))
        return
    if not ops:
        console.print("No operations found in this run.")
        return
    render_table(ops, limit)
    console.print(f"{sum(o['flagged'] for o in ops)} flagged of {len(ops)} operations.")
