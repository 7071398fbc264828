"""``opwatch classify``: usage-policy categories for a JSON Lines file of texts."""

from __future__ import annotations

from pathlib import Path

import click

from opwatch.cli._ui import console, err_console, fail, progress_bars


@click.command()
@click.argument("input_path", metavar="INPUT.jsonl", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write one JSON line per input line.")
@click.option("--judge", "judge_url", help="OpenAI-compatible endpoint of a model judge (vLLM, Ollama, ...).")
@click.option("--model", "judge_model", help="Model name the judge endpoint serves (needed with --judge).")
@click.option("--judge-min-score", type=float, default=0.0, show_default=True,
              help="Send only texts whose offline harm score reaches this to the judge.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Your own taxonomy YAML.")
@click.option("--rules", "extra_rules", multiple=True, type=click.Path(exists=True),
              help="Extra rule file or directory (repeatable), added to the shipped rules.")
@click.option("--threshold", type=float, help="Flag threshold (default: the taxonomy's).")
@click.option("--policy-model", "model_path", type=click.Path(exists=True, dir_okay=False),
              help="Offline model weights (default: the shipped ones; `opwatch calibrate` writes your own).")
@click.option("--quarantine", type=click.Path(dir_okay=False, path_type=Path),
              help="Where bad input lines go (default: OUT with .quarantine.jsonl).")
def command(input_path: Path, out_path: Path, judge_url: str | None, judge_model: str | None,
            judge_min_score: float, taxonomy: str | None, extra_rules: tuple[str, ...],
            threshold: float | None, model_path: str | None, quarantine: Path | None) -> None:
    """Classify each line's `text` into the usage-policy taxonomy.

    Each input line is a JSON object with `id` and `text` (other fields are kept).
    Each output line adds `category`, `score`, `flagged`, `scores` (every category)
    and `evidence` (which rules, model terms and judge verdict fired). Lines that
    are not JSON objects with a string `id` and `text` go to the quarantine file.
    """
    import json

    from opwatch.signals.policy import Classifier, RuleError, TaxonomyError
    from opwatch.signals.policy.model import ModelError

    if judge_url and not judge_model:
        raise click.UsageError("--judge needs --model NAME (the model the endpoint serves).")
    if not input_path.exists():
        fail(f"{input_path} does not exist. Give a JSON Lines file with `id` and `text` on each line.")
    try:
        clf = Classifier(taxonomy=taxonomy, extra_rules=extra_rules, threshold=threshold, model=model_path,
                         judge_url=judge_url, judge_model=judge_model, judge_min_score=judge_min_score,
                         layers=("rules", "model", "judge") if judge_url else ("rules", "model"))
    except (RuleError, TaxonomyError, ModelError) as exc:
        fail(f"{exc}\nFix the file named above, or run without --taxonomy/--rules to use the shipped ones.")
    qpath = quarantine or out_path.with_name(out_path.name + ".quarantine.jsonl")
    rows: list[dict] = []
    bad: list[dict] = []
    with input_path.open(encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                bad.append({"file": str(input_path), "line": lineno, "field": None, "reason": f"not JSON: {exc}"})
                continue
            if not isinstance(obj, dict):
                bad.append({"file": str(input_path), "line": lineno, "field": None, "reason": "not a JSON object"})
                continue
            problem = next((k for k in ("id", "text") if not isinstance(obj.get(k), str | int) or
                            (k == "text" and not isinstance(obj.get(k), str))), None)
            if problem:
                bad.append({"file": str(input_path), "line": lineno, "field": problem,
                            "reason": f"missing or not a string: {problem}"})
                continue
            rows.append(obj)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    n_flag = 0
    counts: dict[str, int] = {}
    with progress_bars() as progress, out_path.open("w", encoding="utf-8") as out:
        advance = progress("classifying", len(rows)) if progress else None
        step = 5000
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            langs = [r.get("lang") if isinstance(r.get("lang"), str) else None for r in chunk]
            for obj, res in zip(chunk, clf.classify([r["text"] for r in chunk], langs), strict=True):
                obj.update(res.to_dict())
                out.write(json.dumps(obj, ensure_ascii=False) + "\n")
                n_flag += res.flagged
                if res.flagged:
                    counts[res.category] = counts.get(res.category, 0) + 1
            if advance:
                advance(len(chunk))
    if bad:
        with qpath.open("w", encoding="utf-8") as q:
            for b in bad:
                q.write(json.dumps(b, ensure_ascii=False) + "\n")
        err_console.print(f"[yellow]{len(bad)} bad line(s) quarantined in {qpath}[/]")
    by_cat = ", ".join(f"{c} {n}" for c, n in sorted(counts.items(), key=lambda x: -x[1])) or "none"
    console.print(f"classified {len(rows):,} lines into {out_path}: [bold red]{n_flag:,}[/] flagged ({by_cat})")
