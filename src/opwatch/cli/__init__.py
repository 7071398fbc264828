"""The ``opwatch`` command: a thin layer that parses, calls Workspace, and prints.

Each command lives in its own module under ``opwatch.cli`` and exposes a click
command (or group) named ``command``; ``COMMANDS`` lists them in help order.
"""

from __future__ import annotations

import importlib
import os

import click

#: modules of opwatch.cli, each exporting ``command``
COMMANDS: tuple[str, ...] = (
    "demo",
    "simulate",
    "ingest",
    "detect",
    "operations",
    "eval",
    "networks",
    "classify",
    "calibrate",
    "aitext",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False),
    default=lambda: os.environ.get("OPWATCH_WORKSPACE", "opwatch-workspace"),
    show_default="./opwatch-workspace, or $OPWATCH_WORKSPACE",
    help="Workspace directory holding the stores.",
)
@click.version_option(package_name="opwatch")
@click.pass_context
def main(ctx: click.Context, workspace: str) -> None:
    """opwatch finds coordinated misuse operations in AI-service logs and social posts.

    Typical flow: ingest → detect → operations → eval. `opwatch demo` runs it all
    on a synthetic world.
    """
    ctx.obj = {"workspace": workspace}


HELP_OPTIONS = ["-h", "--help"]


def _help_everywhere(cmd: click.Command) -> None:
    """Give every command -h as well as --help, even when invoked on its own (as tests do)."""
    cmd.context_settings.setdefault("help_option_names", HELP_OPTIONS)
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            _help_everywhere(sub)


for _name in COMMANDS:
    try:
        _mod = importlib.import_module(f"opwatch.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command whose module is not written yet
        if exc.name != f"opwatch.cli.{_name}":
            raise
        continue
    _help_everywhere(_mod.command)
    main.add_command(_mod.command, name=_name)
