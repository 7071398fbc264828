#!/usr/bin/env python3
"""Benchmark of misuse classification: quality per layer and combined, and throughput.

    PYTHONPATH=src python benchmarks/classify.py [--shared ../shared/data]
        [--judge URL --model NAME] [--no-write]

Evaluates on rows the model never trained on: the held-out half (by a fixed
hash of the text, :func:`is_train_row`) of StrongREJECT and Do-Not-Answer,
all of harmful_val, the in-the-wild jailbreaks, the Alpaca harmless_val set,
and the team's data/policy/heldout.yaml (look-alikes and harmful requests the
training never reads). harmless_train (Alpaca) is reported separately: it was
used to choose the flag threshold, never to train. Writes the "classify"
section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

#: Do-Not-Answer risk areas that are requester misuse (the others ask for advice or
#: emotional support: a risk in answering, not misuse by the requester).
DNA_MISUSE = (
    "malicious_uses",
    "information_hazard",
    "discrimination_exclusion_toxicity_hateful_offensive",
)
DNA_NOT_MISUSE = ("human_chatbox", "misinformation_harms")
STRONGREJECT_MAP = {
    "Violence": {"other_harmful"},
    "Hate, harassment and discrimination": {"other_harmful"},
    "Sexual content": {"other_harmful"},
    "Illegal goods and services": {"other_harmful"},
}
HARMFUL_VAL_MAP = {
    "cybercrime_intrusion": {"malicious_cyber"},
    "chemical_biological": {"other_harmful"},
    "harassment_bullying": {"other_harmful"},
    "harmful": {"other_harmful"},
    "illegal": {"other_harmful", "fraud_scam"},
    "misinformation_disinformation": {"influence_operation", "election_misinformation", "other_harmful"},
}


def is_train_row(text: str) -> bool:
    """The fixed split: a row trains the model when the first byte of md5(text) is even."""
    return hashlib.md5(text.strip().encode("utf-8")).digest()[0] % 2 == 0


def _dna_category(intents: list[str]) -> str:
    return "malicious_cyber" if any(i.startswith("S008") for i in intents) else ""


def external_benign(misuse: Path) -> list[tuple[str, str, str]]:
    """Do-Not-Answer's advice/support requests: benign under opwatch's misuse taxonomy."""
    rows: list[tuple[str, str, str]] = []
    for area in DNA_NOT_MISUSE:
        f = misuse / "donotanswer" / f"{area}.jsonl"
        if f.exists():
            for line in f.read_text(encoding="utf-8").splitlines():
                rows.append((json.loads(line)["prompt"], "benign", f"misuse/donotanswer/{area}.jsonl"))
    return rows


def external_harmful(misuse: Path) -> list[tuple[str, str, str]]:
    """(text, mapped category or "", source) for the permissively licensed harmful sets."""
    rows: list[tuple[str, str, str]] = []
    sr = misuse / "strongreject_dataset.csv"
    if sr.exists():
        with sr.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                cat = next(iter(STRONGREJECT_MAP.get(r["category"], {""})))
                rows.append((r["forbidden_prompt"], cat, "misuse/strongreject_dataset.csv"))
    for area in DNA_MISUSE:
        f = misuse / "donotanswer" / f"{area}.jsonl"
        if f.exists():
            for line in f.read_text(encoding="utf-8").splitlines():
                obj = json.loads(line)
                rows.append((obj["prompt"], _dna_category(obj.get("intents", [])), f"misuse/donotanswer/{area}.jsonl"))
    return rows


@dataclass
class EvalSet:
    name: str
    harmful: bool
    texts: list[str]
    gold: list[set[str] | None] = field(default_factory=list)  # allowed categories, None: unmapped
    target: bool = True  # counts towards the targets
    note: str = ""


def eval_sets(shared: Path | None) -> list[EvalSet]:
    sets: list[EvalSet] = []
    held = yaml.safe_load((ROOT / "data" / "policy" / "heldout.yaml").read_text(encoding="utf-8"))
    sets.append(EvalSet("team look-alikes (heldout.yaml)", False, held["benign"]))
    texts = [t for c, v in held["harmful"].items() for t in v]
    gold: list[set[str] | None] = [{c} for c, v in held["harmful"].items() for _ in v]
    sets.append(EvalSet("team harmful (heldout.yaml)", True, texts, gold))
    if shared is None:
        return sets
    m = shared / "misuse"
    hv = [x["instruction"] for x in json.loads((m / "harmless_val.json").read_text())]
    sets.append(EvalSet("Alpaca harmless_val", False, hv))
    ht = [x["instruction"] for x in json.loads((m / "harmless_train.json").read_text())]
    sets.append(EvalSet("Alpaca harmless_train", False, ht, target=False, note="used to choose the threshold"))
    val = json.loads((m / "harmful_val.json").read_text())
    sets.append(EvalSet("harmful_val", True, [x["instruction"] for x in val],
                        [HARMFUL_VAL_MAP.get(x.get("category") or "") for x in val]))
    with (m / "strongreject_dataset.csv").open(encoding="utf-8") as f:
        sr = [r for r in csv.DictReader(f) if not is_train_row(r["forbidden_prompt"])]
    sets.append(EvalSet("StrongREJECT (held-out half)", True, [r["forbidden_prompt"] for r in sr],
                        [STRONGREJECT_MAP.get(r["category"]) for r in sr]))
    for area in DNA_MISUSE + DNA_NOT_MISUSE:
        rows = [json.loads(x) for x in (m / "donotanswer" / f"{area}.jsonl").read_text().splitlines()]
        rows = [r for r in rows if not is_train_row(r["prompt"])]
        g: list[set[str] | None] = [{c} if (c := _dna_category(r.get("intents", []))) else None for r in rows]
        sets.append(EvalSet(f"Do-Not-Answer {area} (held-out half)", True, [r["prompt"] for r in rows], g,
                            target=area in DNA_MISUSE,
                            note="" if area in DNA_MISUSE else "advice/support requests, not requester misuse"))
    jb = json.loads((m / "inthewild_jailbreak_llms.json").read_text())
    sets.append(EvalSet("in-the-wild jailbreaks", True, jb))
    return sets
