"""The HTML summary of a run: ranked operations, the parts of each score as a chart,
and the evidence behind every operation. One self-contained file, no scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


def score_chart(ops: list[dict[str, Any]], width: int = 640, bar: int = 18) -> str:
    """An inline SVG: one row per operation, three bars (coordination, policy, inauthenticity)
    and a tick at the combined score."""
    colours = {"coordination": "#3b6ea5", "policy": "#c0392b", "inauthenticity": "#8e44ad"}
    label_w, chart_w = 150, width - 160
    rows = []
    for i, op in enumerate(ops):
        y = 24 + i * (bar + 10)
        rows.append(
            f'<text x="0" y="{y + bar - 5}" font-size="12">{op["operation_id"]}'
            f'{" ⚑" if op["flagged"] else ""}</text>'
        )
        third = bar / 3
        for j, (part, colour) in enumerate(colours.items()):
            w = max(0.0, min(1.0, op["parts"][part])) * chart_w
            rows.append(
                f'<rect x="{label_w}" y="{y + j * third:.1f}" width="{w:.1f}" height="{third - 1:.1f}" '
                f'fill="{colour}"><title>{part}: {op["parts"][part]:.2f}</title></rect>'
            )
        sx = label_w + op["score"] * chart_w
        rows.append(f'<line x1="{sx:.1f}" x2="{sx:.1f}" y1="{y - 2}" y2="{y + bar + 2}" stroke="#000" stroke-width="2"/>')
    legend = " ".join(
        f'<rect x="{label_w + k * 130}" y="2" width="12" height="12" fill="{c}"/>'
        f'<text x="{label_w + k * 130 + 16}" y="12" font-size="12">{p}</text>'
        for k, (p, c) in enumerate(colours.items())
    )
    height = 30 + len(ops) * (bar + 10)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="score parts per operation">{legend}{"".join(rows)}</svg>'
    )


def render(ops: list[dict[str, Any]], run: dict[str, Any], evaluation: dict[str, Any] | None = None,
           limit: int = 30) -> str:
    env = Environment(loader=PackageLoader("opwatch.reports", "templates"), autoescape=select_autoescape())
    shown = ops[:limit]
    return env.get_template("summary.html.j2").render(
        ops=shown, total=len(ops), flagged=sum(o["flagged"] for o in ops), run=run,
        chart=score_chart(shown), evaluation=evaluation,
    )


def write(path: str | Path, ops: list[dict[str, Any]], run: dict[str, Any],
          evaluation: dict[str, Any] | None = None) -> Path:
    p = Path(path)
    p.write_text(render(ops, run, evaluation), encoding="utf-8")
    return p
