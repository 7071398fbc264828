"""Train the offline AI-text model shipped in src/opwatch/signals/aitext/weights/.

Reads the fast-detect-gpt files under ../shared/data/aitext/fast-detect-gpt (or
--data) at training time; the data itself is never copied into the repository.
Fits on the train split, freezes the 1% FPR thresholds on the calibration
split's human texts, and writes ``offline.npz`` plus ``MODEL_CARD.json``
(sources and licences, split, data fingerprint, settings).

    python scripts/train_aitext.py [--data DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from opwatch.signals.aitext.train import (  # noqa: E402
    SOURCES,
    SPLIT,
    fit_offline,
    load_fastdetect,
)

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "aitext" / "fast-detect-gpt"
DEFAULT_OUT = ROOT / "src" / "opwatch" / "signals" / "aitext" / "weights"


def fingerprint(data_dir: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(data_dir.glob("*.raw_data.json")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of *.raw_data.json files")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the weights")
    ap.add_argument("--c", type=float, default=4.0, help="inverse L2 strength of the logistic model")
    args = ap.parse_args()
    if not args.data.is_dir():
        print(f"no data at {args.data}: pass --data DIR (fast-detect-gpt raw_data.json files)")
        return 2
    t0 = time.time()
    samples = load_fastdetect(args.data)
    train = [s for s in samples if s.split == "train"]
    calib = [s for s in samples if s.split == "calib" and s.label == 0]
    weights = fit_offline(train, calib, c=args.c)
    weights.meta.update(
        trained_on="fast-detect-gpt raw_data.json, train split (prompt-hash split "
        f"train/calib/test = {SPLIT}); shared prompt prefix removed from both sides",
        data_sha256=fingerprint(args.data),
    )
    args.out.mkdir(parents=True, exist_ok=True)
    weights.save(args.out / "offline.npz")
    card = {
        "model": "opwatch offline AI-text score (hashed byte 1-5-grams + stylometry, logistic)",
        "files": ["offline.npz"],
        "trained_by": "scripts/train_aitext.py",
        "sources": SOURCES,
        "training": {k: v for k, v in weights.meta.items()},
        "thresholds": {
            "text_logit_at_1pct_fpr": weights.threshold_logit,
            "account_mean_logit_at_1pct_fpr": {str(k): v for k, v in weights.account_thresholds.items()},
        },
        "limits": [
            "machine side is GPT-2-era sampling (gpt2-xl, gpt-j-6B, gpt-neo-2.7B, gpt-neox-20b, opt-2.7b); "
            "chat-tuned models' text differs and is not in the training data",
            "English news, Wikipedia and fiction only; other domains and languages shift the false-positive rate",
            "evidence, never a verdict: see docs/aitext.md",
        ],
    }
    (args.out / "MODEL_CARD.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    size = (args.out / "offline.npz").stat().st_size
    print(f"wrote {args.out / 'offline.npz'} ({size / 1024:.0f} KiB) in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
