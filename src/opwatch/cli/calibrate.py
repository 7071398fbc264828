"""``opwatch calibrate``: set the offline policy model's flag rate on your own harmless traffic."""

from __future__ import annotations

from pathlib import Path

import click

from opwatch.cli._ui import console, err_console, fail, progress_bars


@click.command()
@click.argument("input_path", metavar="HARMLESS.jsonl", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the calibrated model (.npz); use it with `opwatch classify --policy-model`.")
@click.option("--target-fpr", type=float, default=0.008, show_default=True,
              help="Share of these harmless texts the default path (rules + model) may flag.")
@click.option("--policy-model", "model_path", type=click.Path(exists=True, dir_okay=False),
              help="Model to start from (default: the shipped one).")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Your own taxonomy YAML.")
@click.option("--rules", "extra_rules", multiple=True, type=click.Path(exists=True),
              help="Extra rule file or directory (repeatable), added to the shipped rules.")
def command(input_path: Path, out_path: Path, target_fpr: float, model_path: str | None, taxonomy: str | None,
            extra_rules: tuple[str, ...]) -> None:
    """Calibrate the offline policy model on texts you know are harmless.

    Each input line is a JSON object with a `text` (and optionally `lang`); use a
    sample of your own service's ordinary traffic that has been reviewed, or is
    known, to be harmless. The model's log-odds shift is set so that rules + model
    flag --target-fpr of these texts; the learned weights, rules and taxonomy are
    unchanged. A taxonomy's `model_veto` (off in the shipped one) counts here as it
    does when classifying. Prints the flag rate before and after.
    """
    import json

    from opwatch.signals.policy import Classifier, RuleError, TaxonomyError
    from opwatch.signals.policy.calibrate import CalibrationError, calibrate
    from opwatch.signals.policy.model import ModelError

    if not input_path.exists():
        fail(f"{input_path} does not exist. Give a JSON Lines file with a `text` on each line.")
    try:
        clf = Classifier(taxonomy=taxonomy, extra_rules=extra_rules, model=model_path, layers=("rules", "model"))
    except (RuleError, TaxonomyError, ModelError) as exc:
        fail(f"{exc}\nFix the file named above, or leave out the option that names it.")
    texts: list[str] = []
    langs: list[str | None] = []
    skipped = 0
    with input_path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                skipped += 1
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not obj["text"].strip():
                skipped += 1
                continue
            texts.append(obj["text"])
            langs.append(obj["lang"] if isinstance(obj.get("lang"), str) else None)
    if skipped:
        err_console.print(f"[yellow]{skipped} line(s) without a JSON object holding a non-empty `text` skipped[/]")
    assert clf.model_ is not None
    try:
        # the model reads every text here, encoder included (about 100 texts a second on 2 cores)
        with progress_bars() as progress:
            advance = progress("scoring harmless texts", len(texts)) if progress else None
            cal = calibrate(clf.model_, clf.rules_, texts, target_fpr, clf.threshold, source=str(input_path),
                            langs=langs, veto=clf.veto, progress=advance)
    except CalibrationError as exc:
        fail(str(exc))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    cal.model.save(out_path)
    console.print(
        f"{cal.rows:,} harmless texts: the default path flagged {cal.fpr_before:.2%} before, "
        f"[bold]{cal.fpr:.2%}[/] now (target {target_fpr:.2%}; log-odds shift {cal.shift_before:+.3f} → "
        f"{cal.shift:+.3f}). Wrote {out_path}; use it with `opwatch classify --policy-model {out_path}`."
    )
    if cal.rules_alone_fpr > target_fpr:
        err_console.print(
            f"[yellow]Rules that flag on their own already flag {cal.rules_alone_fpr:.2%} of these texts, above the "
            "target; the model cannot lower that. Read their evidence with `opwatch classify` and add "
            "benign-context rules (--rules) for your service's wording.[/]"
        )
