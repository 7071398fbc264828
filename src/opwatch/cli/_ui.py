"""Terminal presentation shared by the commands: progress bars, consoles, errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console

err_console = Console(stderr=True)
console = Console()


@contextmanager
def progress_bars(enabled: bool | None = None) -> Iterator[Callable[[str, int], Callable[[int], None]] | None]:
    """Yield a ``progress(description, total) -> advance(n)`` factory, or None when quiet.

    Bars are drawn on stderr when it is a terminal (or when forced)."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as prog:

        def factory(description: str, total: int) -> Callable[[int], None]:
            task = prog.add_task(description, total=max(total, 1))

            def advance(n: int) -> None:
                prog.advance(task, n)

            return advance

        yield factory


def workspace(ctx: click.Context) -> Any:
    from opwatch.workspace import Workspace

    return Workspace(ctx.obj["workspace"])


def fail(message: str) -> None:
    raise click.ClickException(message)
