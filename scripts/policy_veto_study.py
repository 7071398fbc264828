#!/usr/bin/env python3
"""Reproduce decision 0037's study of a model veto of decisive rule hits.

For each development quarter asked for, a model is trained without that quarter
(as ``scripts/policy_dev.py`` does). For each veto level, the log-odds shift is
recalibrated (0.8 % of the calibration half of Alpaca harmless_train, the veto
applied) and the script counts flagged rows: the quarter's harmful rows, the
looked-at Alpaca half, the read fresh sets (``benchmarks.classify.READ_FRESH``)
and, counts only, the choice sets (``CHOICE_FRESH``; with ``--shipped`` they
are scored by the shipped model instead). Two kinds of veto are compared:

- ``whole``: the model's P(harmful) of the whole text (before the shift) is
  below the level — the version found to be bought with padding;
- ``local``: and also of the words around every decisive match
  (``opwatch.signals.policy.veto``, what ``model_veto`` does).

    PYTHONPATH=src python scripts/policy_veto_study.py [--folds 0 1] [--levels 0.01 0.02 0.05]

Rows are never printed; only counts. Nothing is written.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchmarks.classify import CHOICE_FRESH, READ_FRESH, is_train_row  # noqa: E402
from policy_dev import dev_fold  # noqa: E402
from train_policy_model import calibration_texts, file_weights_of, fit, shared_rows, team_rows  # noqa: E402

from opwatch.signals.policy import Classifier  # noqa: E402
from opwatch.signals.policy.calibrate import bisect_shift  # noqa: E402
from opwatch.signals.policy.combine import decisive, harm_factors, harm_score  # noqa: E402
from opwatch.signals.policy.model import PolicyModel  # noqa: E402
from opwatch.signals.policy.rules import RuleHit, RuleSet, load_rules  # noqa: E402
from opwatch.signals.policy.taxonomy import load_taxonomy  # noqa: E402
from opwatch.signals.policy.veto import model_veto, veto_cut  # noqa: E402

TARGET_FPR = 0.008


class _Group:
    """One group of texts with what the study needs of them (model log-odds, rule factors)."""

    def __init__(self, texts: list[str], model: PolicyModel, rules: RuleSet, threshold: float) -> None:
        self.texts = texts
        self.hits: list[list[RuleHit]] = rules.match(texts)
        self.factors = harm_factors(self.hits, threshold)
        self.z = model.text_logit(texts)

    def mask(self, model: PolicyModel, kind: str, level: float, threshold: float) -> np.ndarray | None:
        cut = veto_cut(level)
        if cut is None:
            return None
        if kind == "whole":
            has_decisive = np.array([any(decisive(h, threshold) for h in hs) for hs in self.hits])
            return (self.z < cut) & has_decisive
        return model_veto(model.text_logit, self.texts, self.hits, self.z, level, threshold)

    def parts(self, mask: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """The calibration module's per-text parts, the vetoed texts' decisive hits set aside."""
        keep, hold, damp, protect = self.factors
        return self.z, keep, hold if mask is None else np.where(mask, 1.0, hold), damp, protect

    def flags(self, shift: float, mask: np.ndarray | None, threshold: float) -> np.ndarray:
        z, keep, hold, damp, protect = self.parts(mask)
        p = 1.0 / (1.0 + np.exp(-(z + shift)))
        return np.asarray(harm_score((1.0 - p) * keep, hold, damp, protect) >= threshold)


def _fresh(data: Path, names: frozenset[str]) -> tuple[list[str], list[str]]:
    benign: list[str] = []
    harmful: list[str] = []
    for name in sorted(names):
        d = yaml.safe_load((data / name).read_text(encoding="utf-8"))
        benign += d["benign"]
        harmful += [t for v in (d.get("harmful") or {}).values() for t in v]
    return benign, harmful


def _study(model: PolicyModel, groups: dict[str, list[str]], rules: RuleSet, threshold: float,
           levels: list[float]) -> dict[str, dict[str, int]]:
    built = {k: _Group(v, model, rules, threshold) for k, v in groups.items()}
    out: dict[str, dict[str, int]] = {}
    for kind, level in [("none", 0.0)] + [(k, lv) for k in ("whole", "local") for lv in levels]:
        masks = {k: g.mask(model, kind, level, threshold) for k, g in built.items()}
        shift, _ = bisect_shift(built["cal"].parts(masks["cal"]), threshold, TARGET_FPR)  # as calibration does
        out[f"{kind} {level:g}"] = {k: int(g.flags(shift, masks[k], threshold).sum())
                                    for k, g in built.items() if k != "cal"}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--folds", type=int, nargs="*", default=[0, 1])
    ap.add_argument("--levels", type=float, nargs="*", default=[0.01, 0.02, 0.05])
    ap.add_argument("--shipped", action="store_true", help="score the choice sets with the shipped model")
    args = ap.parse_args()
    misuse = args.shared / "misuse"
    if not misuse.exists():
        sys.exit(f"{misuse} not found: the study needs ../shared/data")
    data = ROOT / "data" / "policy"
    tax = load_taxonomy()
    rules = load_rules(None, tax.ids)
    cal = calibration_texts(args.shared)
    looked = [x["instruction"] for x in json.loads((misuse / "harmless_train.json").read_text())
              if is_train_row(x["instruction"])]
    read_b, read_h = _fresh(data, READ_FRESH)
    choice_b, choice_h = _fresh(data, CHOICE_FRESH)
    rows: dict[str, dict[str, int]] = {}
    if args.shipped:
        model = Classifier.default().model_
        assert model is not None
        for k, v in _study(model, {"cal": cal, "choice look-alikes": choice_b, "choice harmful": choice_h},
                           rules, tax.flag_threshold, args.levels).items():
            rows.setdefault(k, {}).update(v)
    if args.folds:
        team = team_rows(data, random.Random(0), 4, 9000)
        shared = shared_rows(args.shared)
        for fold in args.folds:
            train = team + [r for r in shared if dev_fold(r[0]) != fold]
            dev = [r[0] for r in shared if dev_fold(r[0]) == fold and r[1] != "benign"]
            model, _ = fit(train, 0, 2.0, 4.0, 0.01, cv_folds=3, category_cv=False, file_weights=file_weights_of(data))
            groups = {"cal": cal, "dev harmful": dev, "looked-at Alpaca": looked, "read look-alikes": read_b,
                      "read harmful": read_h}
            if not args.shipped:
                groups |= {"choice look-alikes": choice_b, "choice harmful": choice_h}
            for k, v in _study(model, groups, rules, tax.flag_threshold, args.levels).items():
                for g, n in v.items():
                    rows.setdefault(k, {})[g] = rows.get(k, {}).get(g, 0) + n
            print(f"quarter {fold} done", file=sys.stderr)
    cols = sorted({g for v in rows.values() for g in v})
    print("| veto | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for k, v in rows.items():
        print(f"| {k} | " + " | ".join(str(v.get(c, "")) for c in cols) + " |")


if __name__ == "__main__":
    main()
