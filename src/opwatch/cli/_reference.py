"""Generates docs/cli.md from the CLI's own help, so the reference cannot drift.

``python -m opwatch.cli._reference > docs/cli.md``; tests/test_cli_docs.py checks it.
"""

from __future__ import annotations

import click


def _walk(cmd: click.Command, path: list[str], out: list[str], parent: click.Context | None = None) -> None:
    settings = {**cmd.context_settings, "terminal_width": 100, "max_content_width": 100}
    ctx = click.Context(cmd, info_name=path[-1], parent=parent, **settings)
    level = "#" * min(len(path) + 1, 4)
    out.append(f"{level} `{' '.join(path)}`\n")
    out.append("```text\n" + cmd.get_help(ctx).rstrip() + "\n```\n")
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                _walk(sub, [*path, name], out, ctx)


def reference() -> str:
    from opwatch.cli import main

    out = [
        "# CLI reference\n",
        "Generated from the CLI's own `--help` by `python -m opwatch.cli._reference > docs/cli.md`;",
        "a test fails when this file and the CLI disagree.\n",
    ]
    _walk(main, ["opwatch"], out)
    return "\n".join(out)


if __name__ == "__main__":
    print(reference(), end="")
