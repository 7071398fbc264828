"""``opwatch ingest``: files in the canonical schema (or mapped) into the workspace."""

from __future__ import annotations

import json

import click

from opwatch.cli._ui import console, fail, progress_bars, workspace


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--accounts", "accounts", multiple=True, type=click.Path(dir_okay=False),
              help="Accounts file (repeatable).")
@click.option("--mapping", type=click.Path(dir_okay=False), help="YAML mapping from another schema.")
@click.option("--source", help="Source name for rows that carry none.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def command(ctx: click.Context, files: tuple[str, ...], accounts: tuple[str, ...], mapping: str | None,
            source: str | None, as_json: bool) -> None:
    """Ingest event FILES (JSON Lines, CSV or Parquet) as one atomic batch.

    Re-ingesting the same rows adds nothing (keys: source + event_id). Bad rows go
    to the workspace's quarantine/ folder with file, line, field and reason.
    """
    from opwatch.ingest import IngestError

    ws = workspace(ctx)
    try:
        with progress_bars() as progress:
            summary = ws.ingest(files, accounts, mapping=mapping, source=source, progress=progress)
    except IngestError as exc:
        fail(f"{exc}")
    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=1))
        return
    if summary.already_ingested:
        console.print("[yellow]Nothing new[/]: these files were ingested before.")
    for table in ("events", "accounts"):
        console.print(
            f"{table}: read {summary.read.get(table, 0):,}, added {summary.added.get(table, 0):,}, "
            f"duplicates {summary.duplicates.get(table, 0):,}"
        )
    if summary.quarantined:
        console.print(f"[red]quarantined {summary.quarantined:,} rows[/] → {summary.quarantine_file}")
        for reason, n in sorted(summary.quarantine_reasons.items(), key=lambda kv: -kv[1])[:10]:
            console.print(f"  {n:>7,}  {reason}")
