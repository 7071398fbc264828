"""``opwatch simulate``: write a synthetic world (events, accounts, truth) to a directory."""

from __future__ import annotations

from typing import Any

import click


@click.command("simulate")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to write events.jsonl, accounts.jsonl and truth.jsonl to.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed; the same seed and options give the same files.")
@click.option("--accounts", type=click.IntRange(min=0), default=None,
              help="Benign background accounts across both sources (default 3000, or the "
                   "config's value).")
@click.option("--evasion", type=click.Choice(["none", "low", "high"]), default=None,
              help="How hard the planted operations hide (default low, or the config's value).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              default=None, help="YAML file overriding WorldConfig fields (see docs/simulate.md).")
def command(out_dir: str, seed: int, accounts: int | None, evasion: str | None,
            config_path: str | None) -> None:
    """Write a synthetic AI-service + social-platform world with ground truth.

    The world holds a benign population, planted operations and benign look-alike
    crowds; truth.jsonl names each account's operation or group.
    """
    from rich.table import Table

    from opwatch.cli._ui import console
    from opwatch.simulate import WorldConfig, load_config

    try:
        cfg = load_config(config_path) if config_path else WorldConfig()
        if evasion is not None:
            cfg.evasion_level = evasion
            cfg.evasion = None
        cfg.validate()
    except (ValueError, OSError) as exc:
        raise click.UsageError(f"bad config: {exc}. Fix the file or the option and retry.") from exc
    except Exception as exc:  # YAML syntax errors and the like
        raise click.UsageError(f"cannot read config {config_path}: {exc}") from exc
    n_accounts = cfg.accounts if accounts is None else accounts

    try:
        result = _run(out_dir, seed, n_accounts, cfg)
    except OSError as exc:
        raise click.ClickException(
            f"cannot write to {out_dir}: {exc.strerror or exc}. Choose another --out directory."
        ) from exc

    table = Table(title=f"synthetic world in {result['out_dir']} (seed {seed}, "
                        f"evasion {result['evasion']})")
    table.add_column("kind")
    table.add_column("name")
    table.add_column("accounts", justify="right")
    table.add_row("benign", "background", str(result["benign_accounts"]))
    for name, n in result["operations"].items():
        table.add_row("operation", name, str(n))
    for name, n in result["groups"].items():
        table.add_row("look-alike", name, str(n))
    console.print(table)
    by_source = ", ".join(f"{k} {v:,}" for k, v in result["events_by_source"].items())
    console.print(f"{result['events']:,} events ({by_source}), {result['accounts']:,} accounts")


def _run(out_dir: str, seed: int, accounts: int, cfg: Any) -> dict[str, Any]:
    from opwatch.cli._ui import progress_bars
    from opwatch.simulate import simulate

    with progress_bars() as bars:
        if bars is None:
            return simulate(out_dir, seed=seed, accounts=accounts, config=cfg)
        advance = bars("simulating benign accounts", accounts)
        seen = 0

        def progress(done: int, total: int) -> None:
            nonlocal seen
            advance(done - seen)
            seen = done

        return simulate(out_dir, seed=seed, accounts=accounts, config=cfg, progress=progress)
