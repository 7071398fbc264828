"""``opwatch aitext``: AI-generated-text evidence for a JSON Lines file of texts.

Input lines carry ``id`` and ``text`` (and optionally ``account``); output lines
carry ``id``, ``ai_score``, ``artefacts`` and ``above_threshold``. Bad lines
(invalid JSON, missing or non-string fields) are listed with their line numbers
and written to ``OUT.rejects.jsonl``; they never stop the run.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from opwatch.cli._ui import console, err_console, fail


def read_texts(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parse ``id``/``text`` lines: (good rows with their line number, bad lines with reasons)."""
    good: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                bad.append({"line": lineno, "reason": f"invalid JSON: {exc.msg}"})
                continue
            if not isinstance(obj, dict):
                bad.append({"line": lineno, "reason": "not a JSON object"})
                continue
            rid = obj.get("id")
            if rid is None or isinstance(rid, bool) or not isinstance(rid, str | int) or rid == "":
                bad.append({"line": lineno, "reason": "missing id (a non-empty string or integer)"})
                continue
            text = obj.get("text")
            if not isinstance(text, str):
                bad.append({"line": lineno, "id": rid, "reason": "missing text (a string)"})
                continue
            account = obj.get("account")
            good.append(
                {"line": lineno, "id": rid, "text": text, "account": None if account is None else str(account)}
            )
    return good, bad


def _report_bad(bad: list[dict[str, Any]], rejects: Path) -> None:
    if not bad:
        return
    with rejects.open("w", encoding="utf-8") as fh:
        for b in bad:
            fh.write(json.dumps(b, ensure_ascii=False) + "\n")
    err_console.print(f"[yellow]{len(bad)} bad line(s) skipped[/] (all listed in {rejects}):")
    for b in bad[:20]:
        err_console.print(f"  line {b['line']}: {b['reason']}")
    if len(bad) > 20:
        err_console.print(f"  … and {len(bad) - 20} more")


@click.command("aitext")
@click.argument("input_path", metavar="INPUT.jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output JSON Lines: id, ai_score, artefacts, above_threshold.")
@click.option("--weights", type=click.Path(exists=True, dir_okay=False), help="Offline weights (.npz).")
@click.option("--model-path", help="One causal LM (folder or hub name): Fast-DetectGPT-style score.")
@click.option("--observer", help="Observer LM for the Binoculars-style score.")
@click.option("--performer", help="Performer LM for the Binoculars-style score (same tokenizer).")
@click.option("--method", type=click.Choice(["binoculars", "fastdetect"]),
              help="Model method (default: binoculars with --observer/--performer, else fastdetect).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=8, show_default=True)
@click.option("--max-tokens", type=click.IntRange(2), default=512, show_default=True)
@click.option("--calibrate", "human_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Model path: JSON Lines of human texts (id, text) to fit the 1% FPR threshold on.")
@click.option("--accounts-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Offline path: per-account aggregate of lines that carry an 'account' field.")
def command(
    input_path: Path, out_path: Path, weights: str | None, model_path: str | None,
    observer: str | None, performer: str | None, method: str | None, device: str,
    batch_size: int, max_tokens: int, human_path: Path | None, accounts_out: Path | None,
) -> None:
    """Score texts for AI-generated-text evidence (evidence, never a verdict).

    Without model options the offline score is used: 0..1, above_threshold at
    1% FPR on held-out human text, null for texts under 8 words. With
    --model-path or --observer/--performer the score is the model's raw score
    (higher = more machine-like); pass --calibrate HUMAN.jsonl to get
    above_threshold.
    """
    import numpy as np

    from opwatch.signals.aitext.artefacts import artefacts

    rows, bad = read_texts(input_path)
    _report_bad(bad, out_path.with_name(out_path.name + ".rejects.jsonl"))
    texts = [r["text"] for r in rows]
    use_model = bool(model_path or observer or performer)
    above: list[bool | None]
    if use_model:
        from opwatch.signals.aitext.model import INSTALL_HINT, make_scorer

        chosen = method or ("binoculars" if observer and performer else "fastdetect")
        try:
            scorer = make_scorer(chosen, model_path, observer, performer, device, batch_size, max_tokens)
        except ImportError:
            fail(INSTALL_HINT)
        except (ValueError, RuntimeError, OSError) as exc:
            fail(f"could not load the model: {exc}")
        if human_path is not None:
            humans, bad_h = read_texts(human_path)
            if not humans:
                fail(f"{human_path}: no usable human texts to calibrate on")
            _report_bad(bad_h, out_path.with_name(out_path.name + ".calibration-rejects.jsonl"))
            thr = scorer.calibrate([h["text"] for h in humans])
            console.print(f"threshold at 1% FPR on {len(humans)} human texts: {thr:.4f}")
        scores = scorer.score(texts)
        above = [None if scorer.threshold_ is None or not math.isfinite(s) else bool(s > scorer.threshold_)
                 for s in scores]
        label = chosen
    else:
        if method or human_path:
            fail("--method and --calibrate need a model: pass --model-path or --observer/--performer")
        from opwatch.signals.aitext.offline import OfflineScorer

        try:
            off = OfflineScorer(weights)
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc))
        scores = off.score(texts)
        above = [bool(s > off.threshold) if math.isfinite(s) else None for s in scores]
        label = "offline"
    found = [artefacts(t) for t in texts]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as fh:
        for r, s, a, f in zip(rows, scores, above, found, strict=True):
            rec = {"id": r["id"], "ai_score": round(float(s), 6) if math.isfinite(s) else None,
                   "artefacts": f, "above_threshold": a, "method": label}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    n_above = sum(1 for a in above if a)
    n_art = sum(1 for f in found if f)
    console.print(f"scored {len(rows)} text(s) with the {label} path → {out_path}: "
                  f"{n_above} above the 1% FPR threshold, {n_art} with artefacts, {len(bad)} bad line(s)")
    if accounts_out is not None:
        if use_model:
            fail("--accounts-out uses the offline score; drop the model options")
        from opwatch.signals.aitext.offline import aggregate_accounts

        keyed = [(r["account"], s) for r, s in zip(rows, scores, strict=True) if r["account"] is not None]
        if not keyed:
            fail("--accounts-out: no input line has an 'account' field")
        tab = aggregate_accounts([k for k, _ in keyed], np.array([s for _, s in keyed]), off)
        with accounts_out.open("w", encoding="utf-8") as fh:
            for rec in tab.to_pylist():
                fh.write(json.dumps(rec) + "\n")
        console.print(f"{tab.num_rows} account(s) → {accounts_out}")
