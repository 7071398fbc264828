"""Spine quality and speed: simulate → ingest → detect → eval on several worlds.

    python benchmarks/spine.py                      # seeds 0-3 at the default size, and seed 0 at 10×
    python benchmarks/spine.py --seeds 0 --no-large # quick
    python benchmarks/spine.py --config benchmarks/worlds/sparse.yaml --seeds 11,12 --no-large
    python benchmarks/spine.py --evasion high --no-large --compare-layers shared_indicator,near_duplicate_text \
        --compare-detectors policy,policy_account      # what the behaviour signals (#5) add

Prints one line per world and writes the "spine" section of docs/benchmarks.md
(or "spine-<evasion>" for other evasion levels). ``--compare-layers`` also runs
detection with only the named layers on the same ingested data, to show what
the other layers add.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._report import write_section  # noqa: E402
from opwatch.pipeline import DEFAULT_LAYERS, DetectParams  # noqa: E402
from opwatch.simulate import simulate  # noqa: E402
from opwatch.simulate.config import WorldConfig, load_config  # noqa: E402
from opwatch.workspace import Workspace  # noqa: E402


def one(seed: int, accounts: int | None, evasion: str, layers: list[str] | None, root: Path,
        detectors: list[str] | None = None, config: Path | None = None) -> list[dict]:
    world = root / f"world-{seed}-{accounts}-{evasion}"
    cfg: WorldConfig | None = None
    if config is not None:
        cfg = load_config(config)
        if evasion != "low":
            cfg = dataclasses.replace(cfg, evasion_level=evasion)
    elif evasion != "low":
        cfg = WorldConfig(evasion_level=evasion)
    n_benign = accounts if accounts is not None else (cfg.accounts if cfg is not None else 3000)
    t0 = time.perf_counter()
    info = simulate(world, seed=seed, accounts=n_benign, config=cfg)
    t_sim = time.perf_counter() - t0
    ws = Workspace(root / f"ws-{seed}-{accounts}-{evasion}")
    t0 = time.perf_counter()
    ws.ingest([world / "events.jsonl"], [world / "accounts.jsonl"])
    t_ing = time.perf_counter() - t0
    rows = []
    compare = "only " + ",".join(layers or []) + (f"; detectors {','.join(detectors)}" if detectors else "")
    for label, lay in (("all layers", None), (compare, layers)):
        if label != "all layers" and not layers:
            continue
        params = DetectParams() if lay is None else DetectParams(layers=list(lay), detectors=detectors)
        t0 = time.perf_counter()
        run = ws.detect(params)
        t_det = time.perf_counter() - t0
        res = ws.evaluate(world / "truth.jsonl", run)
        rows.append({
            "seed": seed, "accounts": info["accounts"], "events": info["events"], "evasion": evasion,
            "layers": label, "simulate_s": t_sim, "ingest_s": t_ing, "detect_s": t_det,
            "f1": res["f1"], "precision": res["precision"], "recall": res["recall"],
            "fpr": res["benign_false_positive_rate"],
            "ops_flagged": sum(v["flagged"] for v in res["operations"].values()),
            "ops_total": len(res["operations"]),
            "split": max((v["split_across"] for v in res["operations"].values()), default=0),
            "lookalikes": ",".join(res["lookalike_groups_flagged"]) or "none",
            "timings": ws.run_info(run)["timings_s"],
        })
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0,1,2,3")
    ap.add_argument("--accounts", type=int, default=None,
                    help="benign background accounts (default 3000, or the --config world's)")
    ap.add_argument("--config", type=Path, default=None,
                    help="world config YAML (e.g. benchmarks/worlds/sparse.yaml); section spine-<name>")
    ap.add_argument("--no-large", action="store_true", help="skip the 10x world")
    ap.add_argument("--evasion", default="low", choices=["none", "low", "high"])
    ap.add_argument("--compare-detectors", default=None,
                    help="comma-separated detectors for the comparison run (default: all)")
    ap.add_argument("--compare-layers", default=None,
                    help=f"comma-separated layers to compare against all layers (e.g. {','.join(DEFAULT_LAYERS)})")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    layers = args.compare_layers.split(",") if args.compare_layers else None
    dets = args.compare_detectors.split(",") if args.compare_detectors else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            rows += one(seed, args.accounts, args.evasion, layers, Path(tmp), dets, args.config)
        if not args.no_large:
            base = args.accounts or (load_config(args.config).accounts if args.config else 3000)
            rows += one(seeds[0], base * 10, args.evasion, layers, Path(tmp), dets, args.config)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        "| seed | accounts | events | layers | F1 | precision | recall | benign FPR | ops flagged | max split | look-alikes flagged | simulate s | ingest s | detect s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['seed']} | {r['accounts']:,} | {r['events']:,} | {r['layers']} | {r['f1']:.3f} | {r['precision']:.3f} | "
            f"{r['recall']:.3f} | {r['fpr']:.4%} | {r['ops_flagged']}/{r['ops_total']} | {r['split']} | {r['lookalikes']} | "
            f"{r['simulate_s']:.1f} | {r['ingest_s']:.1f} | {r['detect_s']:.1f} |"
        )
    lines.append("")
    if args.config:
        lines.append(f"World config: `{args.config}` (operations and look-alike crowds as written there).")
    lines.append(f"Evasion level: `{args.evasion}`. Peak resident memory of the whole script: {peak:,.0f} MiB.")
    lines.append("Detect time by stage (seconds), last world: `" + str(rows[-1]["timings"]) + "`")
    name = "spine" if args.evasion == "low" else f"spine-{args.evasion}"
    if args.config:
        name += f"-{args.config.stem}"
    cmd = "python benchmarks/spine.py " + " ".join(sys.argv[1:])
    write_section(name, cmd.strip(), "\n".join(lines))


if __name__ == "__main__":
    main()
