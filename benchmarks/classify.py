#!/usr/bin/env python3
"""Benchmark of misuse classification: quality per layer and combined, and throughput.

    PYTHONPATH=src python benchmarks/classify.py [--shared ../shared/data]
        [--judge URL --model NAME] [--no-write]

Evaluates on rows the model never trained on: the held-out half (by a fixed
hash of the text, :func:`is_train_row`) of StrongREJECT, Do-Not-Answer and
the in-the-wild jailbreaks, all of harmful_val, the Alpaca harmless_val set,
and the team's data/policy/heldout.yaml (look-alikes and harmful requests the
training never reads). harmless_train (Alpaca) is reported separately: half of
it calibrated the flag threshold and the other half was looked at while writing
harmless training examples; it is never trained on. Writes the "classify"
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


#: Fresh sets read during development (development sets since; decisions 0026, 0027).
READ_FRESH = frozenset({"heldout_fresh.yaml", "heldout_fresh2.yaml", "heldout_fresh3.yaml",
                        "heldout_fresh4.yaml", "heldout_fresh5.yaml", "heldout_fresh6.yaml",
                        "heldout_fresh10.yaml", "heldout_fresh11.yaml", "heldout_fresh12.yaml",
                        "heldout_fresh13.yaml", "heldout_fresh16.yaml", "heldout_fresh25.yaml",
                        "heldout_fresh26.yaml"})
#: Fresh sets never read, but scored (counts only) to choose something: decision 0037's model veto.
CHOICE_FRESH = frozenset({"heldout_fresh19.yaml", "heldout_fresh20.yaml"})


def is_train_row(text: str) -> bool:
    """The fixed split: a row trains the model when the first byte of md5(text) is even."""
    return hashlib.md5(text.strip().encode("utf-8")).digest()[0] % 2 == 0


#: Do-Not-Answer's S008 harms ("cyber": malware, code, phishing, spam) onto the taxonomy. Phishing
#: is both a cyber and a fraud technique (the taxonomy names phishing kits under malicious_cyber and
#: phishing lures under fraud_scam); the S008spam prompts are chain letters, pyramid-scheme mail,
#: bulk unsolicited messages and mass-posted reviews, which the taxonomy files under fraud_scam or
#: influence_operation as much as under malicious_cyber. Other Do-Not-Answer harms stay unmapped.
DNA_S008_MAP = {
    "S008spam": {"malicious_cyber", "fraud_scam", "influence_operation"},
    "S008phish": {"malicious_cyber", "fraud_scam"},
}


def _dna_category(intents: list[str]) -> str:
    """The training label of a Do-Not-Answer row: malicious_cyber for S008 code/malware rows, else "".

    Spam and phishing rows are ambiguous between categories (see :data:`DNA_S008_MAP`), so they
    train the harm head only.
    """
    s008 = [i for i in intents if i.startswith("S008")]
    return "malicious_cyber" if s008 and not any(i in DNA_S008_MAP for i in s008) else ""


def _dna_gold(intents: list[str]) -> set[str] | None:
    """The categories accepted as correct for a Do-Not-Answer row (None: unmapped)."""
    s008 = [i for i in intents if i.startswith("S008")]
    if not s008:
        return None
    gold: set[str] = set()
    for i in s008:
        gold |= DNA_S008_MAP.get(i, {"malicious_cyber"})
    return gold


def jailbreak_rows(misuse: Path) -> list[str]:
    """The in-the-wild jailbreak prompts (MIT); their train half (:func:`is_train_row`) trains the model."""
    f = misuse / "inthewild_jailbreak_llms.json"
    return [str(t) for t in json.loads(f.read_text(encoding="utf-8"))] if f.exists() else []


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
        path = misuse / "donotanswer" / f"{area}.jsonl"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                obj = json.loads(line)
                rows.append((obj["prompt"], _dna_category(obj.get("intents", [])), f"misuse/donotanswer/{area}.jsonl"))
    return rows


def _shingles(text: str, n: int = 3) -> set[str]:
    w = text.lower().split()
    return {" ".join(w[i : i + n]) for i in range(max(len(w) - n + 1, 1))}


def _max_overlap(text: str, others: list[str]) -> float:
    """Largest share of ``text``'s word 3-grams found in one of ``others`` (near-duplicate check)."""
    a = _shingles(text)
    cache = _max_overlap.__dict__.setdefault("cache", {})
    best = 0.0
    for o in others:
        b = cache.get(o)
        if b is None:
            b = cache[o] = _shingles(o)
        best = max(best, len(a & b) / max(len(a), 1))
    return best


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
    if "benign_multilingual" in held:
        sets.append(EvalSet("team multilingual look-alikes (heldout.yaml; zh, es, ru)", False,
                            held["benign_multilingual"]))
        hm = held["harmful_multilingual"]
        sets.append(EvalSet("team multilingual harmful (heldout.yaml; zh, es, ru)", True,
                            [t for v in hm.values() for t in v], [{c} for c, v in hm.items() for _ in v]))
    for fresh in sorted((ROOT / "data" / "policy").glob("heldout_fresh*.yaml")):
        fr = yaml.safe_load(fresh.read_text(encoding="utf-8"))
        note = "written by one who never saw the training data or the model" + (
            "; read during development since" if fresh.name in READ_FRESH
            else "; never read, scored to choose the model veto" if fresh.name in CHOICE_FRESH else "; never read")
        sets.append(EvalSet(f"team fresh harmless ({fresh.name})", False, fr["benign"], target=False, note=note))
        if fr.get("harmful"):  # sets 10 and 11 are harmless look-alikes only
            sets.append(EvalSet(f"team fresh harmful ({fresh.name})", True,
                                [t for v in fr["harmful"].values() for t in v],
                                [{c} for c, v in fr["harmful"].items() for _ in v], target=False, note=note))
    if shared is None:
        return sets
    m = shared / "misuse"
    hv = [x["instruction"] for x in json.loads((m / "harmless_val.json").read_text())]
    sets.append(EvalSet("Alpaca harmless_val", False, hv))
    ht = [x["instruction"] for x in json.loads((m / "harmless_train.json").read_text())]
    sets.append(EvalSet("Alpaca harmless_train", False, ht, target=False,
                        note="half calibrates the threshold; not trained on"))
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
        g: list[set[str] | None] = [
            _dna_gold(r.get("intents", [])) if area in DNA_MISUSE else None for r in rows
        ]
        sets.append(EvalSet(f"Do-Not-Answer {area} (held-out half)", True, [r["prompt"] for r in rows], g,
                            target=area in DNA_MISUSE,
                            note="" if area in DNA_MISUSE else "advice/support requests, not requester misuse"))
    jb = jailbreak_rows(m)
    jb_train = [t for t in jb if is_train_row(t)]
    jb_held = [t for t in jb if not is_train_row(t)]
    sets.append(EvalSet("in-the-wild jailbreaks (held-out half)", True, jb_held))
    novel = [t for t in jb_held if _max_overlap(t, jb_train) < 0.5]
    sets.append(EvalSet("in-the-wild jailbreaks (held-out half, no near-duplicate in the train half)", True,
                        novel, target=False, note="subset of the row above"))
    return sets


LAYER_SETS: list[tuple[str, tuple[str, ...]]] = [
    ("rules", ("rules",)),
    ("model", ("model",)),
    ("combined (default)", ("rules", "model")),
]


def _evaluate(clf: object, sets: list[EvalSet]) -> dict[str, object]:
    from opwatch.signals.policy import Classifier

    assert isinstance(clf, Classifier)
    per_set = []
    pred_all: list[tuple[str, set[str] | None, bool]] = []  # predicted, gold, harmful
    harmful_hits = harmful_n = flagged_mapped = correct_flagged = 0
    for s in sets:
        res = clf.classify(s.texts)
        flagged = sum(r.flagged for r in res)
        mapped = [(r, g) for r, g in zip(res, s.gold or [None] * len(res), strict=True) if g is not None]
        correct = sum(r.category in g for r, g in mapped)
        per_set.append((s, flagged / max(len(res), 1), len(mapped), correct))
        if s.harmful and s.target:
            flagged_mapped += sum(r.flagged for r, _ in mapped)
            correct_flagged += sum(r.flagged and r.category in g for r, g in mapped)
        if s.harmful and s.target:
            harmful_hits += flagged
            harmful_n += len(res)
        for r, g in zip(res, s.gold or [None] * len(res), strict=True):
            if s.target or not s.harmful:
                pred_all.append((r.category, {"benign"} if not s.harmful else g, s.harmful))
    return {"per_set": per_set, "pred": pred_all, "harmful_rate": harmful_hits / max(harmful_n, 1),
            "harmful_n": harmful_n, "cat_flagged": (correct_flagged, flagged_mapped)}


def _per_category(pred: list[tuple[str, set[str] | None, bool]], cats: list[str]) -> list[str]:
    lines = ["| category | precision | recall | support (rows whose gold is only this) |", "|---|---|---|---|"]
    for c in cats:
        judged = [(p, g) for p, g, _ in pred if g is not None]
        predicted = [(p, g) for p, g in judged if p == c]
        tp = sum(c in g for _, g in predicted)
        support = [(p, g) for p, g in judged if g == {c}]
        rec = sum(p == c for p, _ in support)
        prec_s = f"{tp / len(predicted):.3f} ({tp}/{len(predicted)})" if predicted else "–"
        rec_s = f"{rec / len(support):.3f}" if support else "–"
        lines.append(f"| {c} | {prec_s} | {rec_s} | {len(support)} |")
    return lines


def _throughput(texts: list[str], repeat_to: int = 20000) -> tuple[float, int]:
    from opwatch.signals.policy import Classifier

    clf = Classifier(layers=("rules", "model"))
    batch = (texts * (repeat_to // max(len(texts), 1) + 1))[:repeat_to]
    clf.classify(batch[:500])  # warm up
    best = float("inf")
    for _ in range(3):  # best of three: the machine is shared, the minimum is the least disturbed
        t0 = time.perf_counter()
        clf.classify(batch)
        best = min(best, time.perf_counter() - t0)
    return repeat_to / best, repeat_to


def main() -> None:
    import os

    from opwatch.signals.policy import Classifier, JudgeClient, load_taxonomy

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--judge", help="OpenAI-compatible endpoint to evaluate the judge layer too")
    ap.add_argument("--model", help="model name served by --judge")
    ap.add_argument("--no-write", action="store_true", help="print only; do not update docs/benchmarks.md")
    args = ap.parse_args()
    shared = args.shared if (args.shared / "misuse").exists() else None
    sets = eval_sets(shared)
    tax = load_taxonomy()
    layer_sets = list(LAYER_SETS)
    if args.judge:
        layer_sets += [("judge", ("judge",)), ("combined + judge", ("rules", "model", "judge"))]
    out: list[str] = []
    if shared is None:
        out.append("**../shared/data is absent: only the team's held-out set was evaluated.**\n")
    out.append(
        "Rows evaluated are never trained on: held-out halves (fixed hash split) of StrongREJECT, "
        "Do-Not-Answer and the in-the-wild jailbreaks, all of harmful_val, Alpaca harmless_val, and the "
        "team's data/policy/heldout.yaml. Alpaca harmless_train is never trained on: one half (by the "
        "same hash) calibrates the model's log-odds shift so that the default path flags 0.8 % of it, the "
        "other half was looked at while writing harmless training examples. Caveat: during development "
        "a few model settings (regularisation, the harm lexicon, the number of generic harmless rows) "
        "were compared on these held-out harmful sets, and after a first run team-written examples were "
        "added for parts of the other_harmful definition the training under-covered (privacy of private "
        "people, hate, sexual content, illegal goods); in the recall round of 2026-11-27 the held-out "
        "harmful numbers were looked at four times (before, midway, after the multilingual work, final), "
        "rules for private-person details, company secrets and demeaning questions were written after "
        "reading the Do-Not-Answer train halves (whose held-out halves share their phrasing), and the "
        "false positives of "
        "the team look-alikes were read and answered with general benign-context rules (idioms, test "
        "environments, removing trackers) - so these numbers are mildly optimistic. "
        "Second recall round (2026-11-27, later): the jailbreaks, until then all evaluated and never "
        "trained on, are now split by the same hash (their train half trains the model; MIT), so their "
        "row has half the rows and the harmful total changed from 1,244 to 912 rows; many in-the-wild "
        "jailbreaks are variants of one another, so a second row shows the held-out ones that share less "
        "than half of their word 3-grams with any train-half prompt. Do-Not-Answer's S008 spam and "
        "phishing rows now also accept fraud_scam / influence_operation (DNA_S008_MAP). In that round the "
        "held-out numbers were looked at twice (the old model on the new split, and the final run); model "
        "settings and new training data were compared on a development split of the train halves (a "
        "quarter by a second hash byte, false positives on the looked-at half of Alpaca harmless_train), "
        "and harmless training instructions were written after reading false positives of that looked-at "
        "half (the kinds of words, not the rows). "
        "Third round (2026-11-27, jailbreaks): benign-context rules no longer damp harmful rule hits whose "
        "weight reaches the flag threshold (decision 0021); the change was compared on the development split "
        "(out-of-fold over four hash folds of the train halves; false positives on the looked-at Alpaca half "
        "and the team look-alikes) and the held-out numbers were then looked at once more, for this change only. "
        "Fourth look (2026-11-27, evening): after the rules of decision 0005 (written from missed simulated "
        "operations, checked against no held-out row: zero matches on Alpaca harmless_train and harmless_val), "
        "one run to confirm they change no held-out number - they did not. "
        "Fifth round (2026-11-27, night; decision 0025): about 21,000 harmless and 3,000 harmful requests "
        "written by the team (sentences_written_*.yaml; writers never read ../shared/data; "
        "scripts/check_policy_overlap.py removed 7 near-copies of evaluation rows), English function words "
        "kept as features, C=2. Every choice was compared on the development split (scripts/policy_dev.py: "
        "a quarter of the train halves by a second hash byte, recall at a fixed false-positive rate on "
        "Alpaca harmless_train); the instruction-style harmless files were commissioned after reading "
        "false positives of the looked-at Alpaca half (the kinds of scaffolding, not the rows). The "
        "held-out numbers were looked at twice in this round: after the main change, then once more after "
        "a file of harmless voting and neighbourly requests (the first look showed one team look-alike about "
        "encouraging neighbours to vote flagged, and the looked-at Alpaca half showed get-out-the-vote "
        "tweets flagged) and a Spanish/Russian/Chinese protective-context rule (for a failing unit test); "
        "the second look is the one reported. A third run, after two benign-context rules for victims seeking "
        "remedies and for questions about the assistant itself (written from flagged Do-Not-Answer advice rows "
        "of the development split), changed no held-out number. "
        "Sixth round (2026-11-27, late; decision 0026): three fresh sets (heldout_fresh*.yaml), each written by "
        "a writer who never saw the training data, the model or the other sets. heldout_fresh.yaml was measured "
        "once (5.0 % of its harmless half flagged), read, and answered with protective rules; heldout_fresh2.yaml "
        "was measured once (9.1 %), read, and answered with more protective and fiction rules, rule stand-downs "
        "and professional look-alike training files; both are development sets since. The weight of those "
        "files (0.15) was chosen on the first two fresh sets. heldout_fresh3.yaml was measured once with the "
        "files at full weight (3.3 % flagged, 84.6 % of its harmful half flagged) and once with the shipped "
        "weight (the rows below); it was never read. The held-out public sets were looked at again for this "
        "round. "
        "Seventh round (2026-11-27, second night; decision 0027): heldout_fresh3.yaml was read (a development "
        "set since) and, with the first two fresh sets and the professional look-alike training files, answered "
        "with rule-precision work: harmful rules no longer fire on words a request merely contains (the name "
        "Dan, 'cook method', 'get into birdwatching', 'pill organiser'), shared protective frames and "
        "stand-downs for victims, defenders, compliance teams and learners, and new rules for requests the "
        "development split and fresh set 3 missed (named explosives, drug recipes, sock puppets, invented "
        "authors, platform-detection evasion, finding a private person, proxy interviews, fake fundraisers, "
        "credit in another's name, invented ballot rules). The professional files' weight (0.25) was chosen "
        "on the three read fresh sets and the development split. Two new sets were commissioned before any of "
        "this was measured: heldout_fresh4.yaml (the brief of the third) and heldout_fresh5.yaml "
        "(exaggerated-safety contrasts: homonyms, idioms, safe targets and contexts, definitions, history, "
        "public and fictional privacy, each kind with harmful contrasts); 18 training requests that were "
        "near-copies of their rows were removed first (scripts/check_policy_overlap.py --fix, run without "
        "reading the rows). Measured once, unread, they flagged 5.7 % and 8.8 % of their harmless halves "
        "(90.0 % and 85.5 % of their harmful halves); the public sets then read 87.8 % flagged, 80.6 % "
        "category-correct. Eighth round (decision 0027, continued): fresh sets 4 and 5 were read (development "
        "sets since) and answered with benign context for safe targets, games, definitions, public records "
        "and fiction franchises, more protective frames, violence-against-people, trafficking-recruitment, "
        "intimate-image, fee/refund-fraud, tracker, insider-sabotage and German/French rules, and two "
        "exaggerated-safety training files written by writers who never saw any evaluation set. "
        "heldout_fresh6.yaml was commissioned before fresh sets 4 and 5 were read and measured once, unread, "
        "after all of that: 6.3 % of its harmless half flagged (4 rows by rules, the rest by the model), 92.7 % "
        "of its harmful half; public sets 87.9 % flagged, 80.6 % category-correct, Alpaca harmless_val 0.81 %. "
        "It was then read: its four rule-driven false flags ('what's a money mule', 'explain what doxxing is', "
        "the Tokyo sarin attack as history, fail2ban blocking brute-force attempts) and victim frames ('who do I "
        "contact', 'can she get the money back', 'how can I cope') were answered with stand-downs and protective "
        "patterns, and the model recalibrated; its rows below are therefore optimistic. heldout_fresh7.yaml "
        "(the brief of the sixth) was commissioned after all of that and measured once, in the final run below "
        "(near-copies of its rows were first removed from the training files, unread); it was never read. The "
        "held-out public sets were looked at five times across these rounds: midway in the seventh (weight 0.4, "
        "not reported), at its end, with fresh set 6's first measurement, after fresh set 6 was answered, and "
        "the final run below. "
        "Ninth round (2026-11-28; decision 0028): two new sets, heldout_fresh8.yaml (an exaggerated-safety "
        "brief) and heldout_fresh9.yaml (ordinary customers of an AI API touching sensitive words), were "
        "commissioned first and measured once on the eighth round's shipped model (not read); the harm head "
        "then gained a hidden layer blended with the linear part, chosen on the development split and the "
        "six read fresh sets only, and the final run below measures sets 7-9 a second time, still unread. "
        "heldout_fresh10.yaml and heldout_fresh11.yaml (harmless look-alikes only, 400 each) were "
        "commissioned after the hidden layer was trained, measured once (12.2 % and 3.7 % flagged, 39 of the 64 "
        "false flags carried by rules), read, and answered with a protective frame for work about a harm "
        "(benign.about_the_harm) and stand-downs; they are development sets since and their rows below are "
        "optimistic. The held-out public sets were looked at twice in this round: once when rules and "
        "model were final, and once more after the new rules were rewritten to match faster (literal anchors; "
        "every row identical); a third run timed a faster anchor lookup (every row identical again), and a fourth (not written) "
        "checked narrower stand-downs for the new frame (every row identical). "
        "Tenth round (2026-11-28; decision 0029): four new sets were commissioned before any change and "
        "measured once on the ninth round's shipped state, unread (near-copies of their rows first removed "
        "from the training files, unread): heldout_fresh12.yaml (people at work) 2.7 % of its harmless half "
        "flagged, 85.9 % of its harmful half; heldout_fresh13.yaml (home and hobbies) 3.3 / 85.0 %; "
        "heldout_fresh14.yaml (builders using an API) 4.3 / 90.9 %; heldout_fresh15.yaml (terse and messy, "
        "a fifth in other languages) 5.7 / 81.4 %. Sets 12 and 13 were then read and answered with rules "
        "(deceptive-employment credentials and location, astroturf appearance, named fraud lures, "
        "security-tool evasion, fake election notices, protective frames); they are development sets since "
        "and their rows below are optimistic. Model variants (seed averaging, more units, more epochs, "
        "non-linear blends) were compared on two development quarters only and none was shipped; 2,280 "
        "German, French, Italian and Portuguese training requests were added after the same comparison. "
        "Sets 7-9, 14 and 15 were never read. The held-out public sets were looked at three times in this "
        "round: a first final run; a second after review narrowed some of the new rules (no public row "
        "changed; three harmful rows of fresh sets 7, 13 and 15 did); and the run below, after the category "
        "head gained a hidden layer chosen on development data only (no flag changed; category accuracy "
        "79.6 -> 82.1 %). "
        "Eleventh round (2026-11-28; decision 0036): three new sets were commissioned before any change "
        "and measured once on the tenth round's shipped state, unread (two near-copies of their rows first "
        "removed from the training files, unread): heldout_fresh16.yaml (long chatty messages with "
        "backstory) 13.7 % of its harmless half flagged, 93.3 % of its harmful half; heldout_fresh17.yaml "
        "(marketing, politics, HR, journalism) 7.3 / 83.9 %; heldout_fresh18.yaml (technical everyday "
        "life, 15 % other languages) 3.7 / 87.9 %. Set 16 was then read and answered with long training "
        "requests (the training data had almost no long harmless rows) and general rule fixes; it is a "
        "development set since and its rows below are optimistic. Sets 7-9, 14, 15, 17 and 18 were never "
        "read (the first lines of set 14's harmless half and one harmless and one harmful row of set 18 "
        "were seen by accident in a terminal: ordinary programming questions; a civic question and a "
        "covert-monitoring request). "
        "The held-out public sets and the unread fresh sets were scored three times in this round: twice by a "
        "row-difference check after the two rule edits (counts only: no held-out row changed either time) and "
        "once in the final run below, after the model was retrained. "
        "Twelfth round (2026-11-28; decision 0037): four new sets were commissioned before any change and "
        "measured once on the eleventh round's shipped state, unread (seven training requests that were exact "
        "copies of set 22's harmless rows first removed from the training files, unread): heldout_fresh19.yaml "
        "(regulated and safety-critical jobs) 5.3 % of its harmless half flagged, 84.8 % of its harmful half; "
        "heldout_fresh20.yaml (creative and media people) 4.3 / 86.6 %; heldout_fresh21.yaml (small "
        "organisations) 6.0 / 85.7 %; heldout_fresh22.yaml (the curious general public) 5.7 / 86.2 %. Sets 19 "
        "and 20 were then scored, counts only, to choose a model veto of decisive rules (left off) and to "
        "compare two training changes (not shipped); their rows were never read. Sets 21 and 22 were never read "
        "and used for no choice. The model was retrained without the seven copies (same recipe). The held-out "
        "public sets were scored once in this round, in the final run below. "
        "Fourteenth round (2026-11-28; decision 0039): a pretrained sentence encoder (all-MiniLM-L6-v2) "
        "fine-tuned on the training rows joins the harm head, and the calibration target on the Alpaca "
        "calibration half moves from 0.8 to 0.2 %; both were chosen on development quarter 0 and the read "
        "fresh sets only. Two new sets were commissioned before the shipped model was retrained and measured "
        "once on the thirteenth round's shipped state, unread (7 of their rows that were near-copies of "
        "training requests removed first, unread): heldout_fresh23.yaml (people who work with online harms) "
        "9.4 % of its harmless half flagged, 85.7 % of its harmful half; heldout_fresh24.yaml (private lives "
        "of everyday users) 8.8 / 85.2 %. Neither was read or used for a choice. The first three harmless rows "
        "of set 22 were seen in a terminal while checking the files' layout (ordinary questions from "
        "people whose accounts were taken over). The held-out public sets were scored once in this round, in "
        "the final run below. "
        "Fifteenth round (2026-11-28; decision 0041): four new sets were commissioned before any change and "
        "measured once on the fourteenth round's shipped state (one near-copy of a training request removed "
        "from each of sets 25 and 26 first, unread); before that measurement sets 25 and 26 were chosen to be "
        "read and 27 and 28 to stay unread: heldout_fresh25.yaml (students, teachers, researchers) 3.0 % of "
        "its harmless half flagged, 92.4 % of its harmful half; heldout_fresh26.yaml (health, care, family "
        "safety) 3.7 / 92.4 %; heldout_fresh27.yaml (online sellers, gig workers, personal finance) 6.3 / "
        "94.2 %; heldout_fresh28.yaml (IT admins, hobby programmers, gamers) 7.0 / 93.3 %. Sets 25 and 26 "
        "were then read (development sets since); the rules were also read against the team's own harmless "
        "training rows and against four new look-alike training files, and answered with a graded "
        "victim-or-defender frame and general rule fixes; the model was retrained with the new files "
        "(chosen on development quarter 0). Sets 27 and 28 were never read and used for no choice. The first "
        "twelve harmless rows of set 24 were seen in a terminal while checking the files' layout (hunting, "
        "fishing and children's chemistry-set questions). The held-out public sets and the unread fresh sets "
        "were scored twice in this round: once after the retrained model was recalibrated, and once more, the "
        "run below, after two rules written for two failing unit tests (working under a relative's identity; "
        "a Chinese request about one's own company's account); the second run changed harmful rows only (one "
        "more flagged by the rules in sets 15, 17, 19, 20, 21, 22, 24, 25, 28 and 4, one more by the combined "
        "path in set 21) and no harmless row. "
        "Sixteenth round (2026-11-28; decision 0042): two new sets were commissioned before any change, chosen "
        "to stay unread before they were measured, and measured once on the fifteenth round's shipped state: "
        "heldout_fresh29.yaml (students, teachers and researchers across disciplines) 2.7 % of its harmless "
        "half flagged, 92.9 % of its harmful half; heldout_fresh30.yaml (travel, transport, trades and outdoor "
        "work) 2.7 / 87.5 %. Three training rows that were near-copies of evaluation rows were removed from the "
        "new look-alike training files first, unread. The rules were then read against four new look-alike "
        "training files (not against any evaluation set) and the model retrained with them (chosen on "
        "development quarter 0). Sets 29 and 30 were never read and used for no choice. The held-out public "
        "sets and the unread fresh sets were scored twice in this round: once after retraining, and once more, "
        "the run below, after the graded frame's new patterns were rewritten to start with rarer words (the "
        "first run measured 2,063 events/s) and the shift recalibrated (-0.2800 to -0.2797); the rules alone "
        "flag the same training and read rows before and after the rewrite, and the second run moved one "
        "harmless row each in sets 15, 21, 23 and 24 (two up, two down) and no public harmful row. "
        "Do-Not-Answer human_chatbox / misinformation_harms are advice requests, benign under our "
        "taxonomy (their train halves train the harmless side): their flag rate is shown but they are "
        "not counted as harmful. 'Category correct' counts a row right when the predicted category is "
        "in the set its data set's label maps to (benchmarks/classify.py: *_MAP); unflagged rows count "
        "as wrong in the 'all mapped rows' column.\n"
    )
    summary = ["| layer | FP on Alpaca harmless_val | FP on team look-alikes | flagged, all harmful (target sets) "
               "| category correct (all mapped rows) | category correct (flagged mapped rows) |",
               "|---|---|---|---|---|---|"]
    detail = ["| set | rows | " + " | ".join(n for n, _ in layer_sets) + " |",
              "|---|---|" + "---|" * len(layer_sets)]
    per_layer = {}
    for name, layers in layer_sets:
        judge = JudgeClient(args.judge, args.model, tax) if "judge" in layers and args.judge else None
        clf = Classifier(layers=layers, judge=judge)
        t0 = time.perf_counter()
        per_layer[name] = _evaluate(clf, sets)
        print(f"{name}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    for name, _ in layer_sets:
        ev = per_layer[name]
        rates = {s.name: (rate, n_map, corr) for s, rate, n_map, corr in ev["per_set"]}  # type: ignore[attr-defined]
        fp_val = rates.get("Alpaca harmless_val", (float("nan"), 0, 0))[0]
        fp_look = rates["team look-alikes (heldout.yaml)"][0]
        n_map = sum(m for s, _, m, _ in ev["per_set"] if s.harmful and s.target)  # type: ignore[attr-defined]
        corr = sum(c for s, _, _, c in ev["per_set"] if s.harmful and s.target)  # type: ignore[attr-defined]
        cat_flagged: tuple[int, int] = ev["cat_flagged"]  # type: ignore[assignment]
        cf, nf = cat_flagged
        summary.append(f"| {name} | {fp_val:.4f} | {fp_look:.3f} | {ev['harmful_rate']:.3f} of {ev['harmful_n']} "
                       f"| {corr / max(n_map, 1):.3f} of {n_map} | {cf / max(nf, 1):.3f} of {nf} |")
    for i, s in enumerate(sets):
        cells = []
        for name, _ in layer_sets:
            _, rate, n_map, corr = per_layer[name]["per_set"][i]  # type: ignore[index]
            cat = f", cat {corr / n_map:.2f}" if n_map else ""
            cells.append(f"{'FP ' if not s.harmful else ''}{rate:.3f}{cat}")
        label = s.name + (f" ({s.note})" if s.note else "")
        detail.append(f"| {label} | {len(s.texts)} | " + " | ".join(cells) + " |")
    out += ["### Summary", "", *summary, "", "### Flag rate per set (FP = harmless set), category accuracy on "
            "mapped rows", "", *detail, ""]
    out += ["### Per category, combined default path", "",
            *_per_category(per_layer["combined (default)"]["pred"], tax.ids), ""]  # type: ignore[arg-type]
    base = next(s for s in sets if not s.harmful and s.name.startswith("Alpaca harmless_val")) if shared else sets[0]
    eps, n = _throughput(base.texts)
    load = os.getloadavg()[0]
    out += [f"### Throughput\n\nDefault offline path (rules + model), one process, best of 3: **{eps:,.0f} events/s** "
            f"on {n:,} events ({base.name}); load average {load:.1f} on {os.cpu_count()} cores while measuring "
            "(the machine is shared; an idle machine is faster)."]
    text = "\n".join(out)
    print(text)
    if not args.no_write:
        from benchmarks._report import write_section

        write_section("classify", "PYTHONPATH=src python benchmarks/classify.py", text)


if __name__ == "__main__":
    main()
