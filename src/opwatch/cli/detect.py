"""``opwatch detect``: run the pipeline over everything ingested."""

from __future__ import annotations

import click

from opwatch.cli._ui import console, fail, progress_bars, workspace


@click.command()
@click.option("--layers", help="Comma-separated link layers (default: the standard set).")
@click.option("--detectors", help="Comma-separated detectors (default: all registered).")
@click.option("--fdr", type=float, default=0.01, show_default=True,
              help="False-discovery rate for keeping account pairs.")
@click.option("--review-threshold", type=float, default=None,
              help="Operation score at or above which an operation is flagged for review.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for community detection.")
@click.pass_context
def command(ctx: click.Context, layers: str | None, detectors: str | None, fdr: float,
            review_threshold: float | None, seed: int) -> None:
    """Compute signals, links, communities and scored operations (one recorded run)."""
    from opwatch.pipeline import DetectParams

    params = DetectParams(fdr=fdr, seed=seed)
    if layers:
        params.layers = [x.strip() for x in layers.split(",") if x.strip()]
    if detectors is not None:
        params.detectors = [x.strip() for x in detectors.split(",") if x.strip()]
    if review_threshold is not None:
        params.score.review_threshold = review_threshold
    ws = workspace(ctx)
    try:
        with progress_bars() as progress:
            run_id = ws.detect(params, progress=progress)
    except (RuntimeError, KeyError) as exc:
        fail(str(exc).strip("'\""))
    info = ws.run_info(run_id)
    c = info["counts"]
    console.print(
        f"run [bold]{run_id}[/] in {info['seconds']:.1f}s: {c['signals']:,} signals, {c['links']:,} links, "
        f"{c['significant_edges']:,} significant pairs, {c['operations']:,} operations, "
        f"[bold red]{c['flagged']}[/] flagged"
    )
    console.print("Next: `opwatch operations` to list them.")
