#!/usr/bin/env python3
"""Find team-written training requests that are (near-)copies of evaluation rows.

Team members and helpers write training requests from their own heads, but a
request can still come out (almost) word for word like a row of an evaluation
set — writers remember public data sets. Such a row would make the benchmark
measure memory. This script compares every training request in data/policy/
(``sentences*.yaml``; not heldout*.yaml) with the rows the benchmark evaluates
on: the heldout*.yaml files beside them and, where ../shared/data exists, Alpaca
harmless_val, harmful_val and the held-out halves of StrongREJECT,
Do-Not-Answer and the in-the-wild jailbreaks. A training request is a
near-copy when it and an evaluation row share a word 3-gram and the Jaccard
similarity of their word sets (case and punctuation folded) reaches
``--min-jaccard`` (0.8: a shared scaffold such as "Describe the history of
the ..." with other content is not a copy; the same request reworded by a word
or two is), or when the two are equal after folding.

    python scripts/check_policy_overlap.py [--fix] [--min-jaccard 0.8]

``--fix`` deletes the near-copies from the training files (line by line, so
comments and layout stay). Exit status 1 when near-copies remain unfixed.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from benchmarks.classify import DNA_MISUSE, DNA_NOT_MISUSE, is_train_row, jailbreak_rows  # noqa: E402

_WORD = re.compile(r"\w+")


def fold(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def grams(words: list[str], n: int = 3) -> set[str]:
    if len(words) < n:
        return {" ".join(words)}
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def eval_rows(shared: Path | None, data: Path = ROOT / "data" / "policy") -> list[tuple[str, str]]:
    """(text, set name) of every row the benchmark evaluates on."""
    rows: list[tuple[str, str]] = []
    for path in sorted(data.glob("heldout*.yaml")):
        held = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, val in held.items():
            texts = val if isinstance(val, list) else [t for v in val.values() for t in v]
            rows += [(t, f"{path.name}:{key}") for t in texts]
    if shared is None or not (shared / "misuse").exists():
        return rows
    m = shared / "misuse"
    rows += [(x["instruction"], "harmless_val") for x in json.loads((m / "harmless_val.json").read_text())]
    rows += [(x["instruction"], "harmful_val") for x in json.loads((m / "harmful_val.json").read_text())]
    with (m / "strongreject_dataset.csv").open(encoding="utf-8") as f:
        rows += [(r["forbidden_prompt"], "strongreject held-out") for r in csv.DictReader(f)
                 if not is_train_row(r["forbidden_prompt"])]
    for area in DNA_MISUSE + DNA_NOT_MISUSE:
        for line in (m / "donotanswer" / f"{area}.jsonl").read_text(encoding="utf-8").splitlines():
            p = json.loads(line)["prompt"]
            if not is_train_row(p):
                rows.append((p, f"donotanswer {area} held-out"))
    rows += [(t, "jailbreaks held-out") for t in jailbreak_rows(m) if not is_train_row(t)]
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "policy")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--min-jaccard", type=float, default=0.8)
    ap.add_argument("--fix", action="store_true")
    args = ap.parse_args()
    ev = eval_rows(args.shared, args.data)
    index: dict[str, list[int]] = defaultdict(list)
    ev_words = []
    exact = {}
    for i, (t, _) in enumerate(ev):
        w = fold(t)
        exact[" ".join(w)] = i
        ev_words.append(set(w))
        for x in grams(w):
            index[x].append(i)
    found: dict[Path, set[str]] = defaultdict(set)
    for path in sorted(args.data.glob("sentences*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for texts in (t for by_lang in data.values() for t in by_lang.values()):
            for t in texts or []:
                w = fold(t)
                hit = exact.get(" ".join(w))
                share = 1.0
                if hit is None:
                    ws = set(w)
                    cands = {i for x in grams(w) for i in index.get(x, ())}
                    best = max(((len(ws & ev_words[i]) / len(ws | ev_words[i]), i) for i in cands), default=None)
                    if best is not None and best[0] >= args.min_jaccard:
                        share, hit = best
                if hit is not None:
                    found[path].add(t)
                    print(f"{path.name}: {share:.2f} | {t}\n    ~ [{ev[hit][1]}] {ev[hit][0][:160]}")
    n = sum(len(v) for v in found.values())
    print(f"{n} near-copies of evaluation rows in {len(found)} files ({len(ev)} evaluation rows compared)")
    if args.fix and n:
        for path, texts in found.items():
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            keep = []
            for line in lines:
                s = line.strip()
                if s.startswith("- "):
                    val = yaml.safe_load(s[2:])
                    if isinstance(val, str) and val in texts:
                        continue
                keep.append(line)
            path.write_text("".join(_close_emptied(keep)), encoding="utf-8")
        print("removed them from the training files")
        return 0
    return 1 if n else 0


def _close_emptied(lines: list[str]) -> list[str]:
    """Write ``key: []`` for a key whose every list item was deleted (YAML would read it as null)."""
    out = []
    for i, line in enumerate(lines):
        s = line.strip()
        if s.endswith(":") and not s.startswith(("#", "- ")):
            indent = len(line) - len(line.lstrip())
            nxt = next((x for x in lines[i + 1 :] if x.strip() and not x.strip().startswith("#")), "")
            if not nxt.strip().startswith("- ") and len(nxt) - len(nxt.lstrip()) <= indent:
                line = line.rstrip("\n") + " []\n"
        out.append(line)
    return out


if __name__ == "__main__":
    sys.exit(main())
