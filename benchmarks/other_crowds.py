"""Benign crowds written outside the simulator, added to a simulated world.

    python benchmarks/other_crowds.py                 # seeds 0,1
    python benchmarks/other_crowds.py --seeds 0 --keep /tmp/oc

The spine is judged on worlds written by other hands, with benign crowds the
simulator does not have. This script writes two such crowds itself (not with
the simulator's look-alike code) and appends them to a simulated world:

- **internet-cafe** — 40 people on three shared PCs behind one address, each
  asking their own everyday questions (texts borrowed from the benign accounts
  of *another* simulated world, so they share nothing but the machines);
- **pr-team** — a company's communications account drafts three announcements
  with the AI service, and eight long-lived staff accounts post each one within
  three hours from the office address, among their own everyday posts;
- **families** — twelve households of three or four accounts on one family
  payment card and one home address, sometimes on the family tablet, each
  person asking their own everyday questions.

Both are coordinated-looking (shared device / identical AI-generated text
posted by many accounts) and benign. The section reports F1 on the planted
operations and whether either crowd is flagged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import write_section  # noqa: E402

from opwatch.simulate import simulate  # noqa: E402
from opwatch.workspace import Workspace  # noqa: E402

RELEASES = (
    "Acme Robotics opens its new warehouse automation centre in Leeds today, creating 120 local jobs "
    "and partnering with Leeds College on a robotics apprenticeship programme.",
    "We are proud to announce that Acme Robotics has been named Manufacturer of the Year at the Northern "
    "Industry Awards, recognising our work on energy-efficient assembly lines.",
    "Acme Robotics is recalling a small batch of its R2 charging docks as a precaution; customers can check "
    "their serial number on our support page and get a free replacement.",
)


def _benign_texts(world: Path) -> tuple[list[tuple[str, str | None]], list[str]]:
    truth = {}
    for line in (world / "truth.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        truth[(r["source"], r["account_id"])] = r
    ai, social = [], []
    for line in (world / "events.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        t = truth.get((r["source"], r["account_id"]))
        if t and not t["operation"] and not t["group"] and r.get("text"):
            if r["kind"] == "prompt":
                ai.append((r["text"], r.get("response")))
            else:
                social.append(r["text"])
    return ai, social


def crowds(donor: Path, out: Path, seed: int, start: str = "2026-03-02") -> dict[str, int]:
    """Write events/accounts/truth JSONL of the two crowds to ``out``; texts come from ``donor``."""
    rng = random.Random(seed)
    ai, social = _benign_texts(donor)
    rng.shuffle(ai)
    rng.shuffle(social)
    t0 = datetime.fromisoformat(start).replace(tzinfo=UTC)
    ev: list[dict[str, Any]] = []
    acc: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []

    def eid(*parts: object) -> str:
        return "oc-" + hashlib.sha1(repr((seed, *parts)).encode()).hexdigest()[:12]

    k = 0
    cafe_ip, pcs = f"81.20.{rng.randint(1, 250)}.7", [f"dev-cafe-{seed}-{i}" for i in range(3)]
    for i in range(40):
        a = f"cafe{seed}_{i:02d}"
        acc.append({"account_id": a, "source": "ai-service", "country": "DE",
                    "created_at": (t0 - timedelta(days=rng.uniform(30, 600))).isoformat(),
                    "email": f"{a}@mail.example", "email_domain": "mail.example"})
        truth.append({"account_id": a, "source": "ai-service", "operation": None, "group": "internet-cafe",
                      "utc_offset": 1})
        for s in range(rng.randint(1, 4)):
            begin = t0 + timedelta(days=rng.randint(0, 13), hours=rng.uniform(8, 20))
            pc = rng.choice(pcs)
            for j in range(rng.randint(2, 6)):
                text, resp = ai[k % len(ai)]
                k += 1
                ev.append({"event_id": eid("c", a, s, j), "source": "ai-service", "account_id": a,
                           "timestamp": (begin + timedelta(minutes=4 * j + rng.uniform(0, 3))).isoformat(),
                           "kind": "prompt", "text": text, "response": resp, "ip": cafe_ip, "device_id": pc})
    office = f"62.1.{rng.randint(1, 250)}.19"
    writer = f"comms{seed}"
    acc.append({"account_id": writer, "source": "ai-service", "country": "GB",
                "created_at": (t0 - timedelta(days=400)).isoformat(),
                "email": "comms@acme-robotics.example", "email_domain": "acme-robotics.example"})
    truth.append({"account_id": writer, "source": "ai-service", "operation": None, "group": "pr-team", "utc_offset": 0})
    staff = [f"acme{seed}_{i}" for i in range(8)]
    for a in staff:
        acc.append({"account_id": a, "source": "social", "country": "GB", "followers": rng.randint(100, 5000),
                    "created_at": (t0 - timedelta(days=rng.uniform(200, 2000))).isoformat(),
                    "email": f"{a}@acme-robotics.example", "email_domain": "acme-robotics.example"})
        truth.append({"account_id": a, "source": "social", "operation": None, "group": "pr-team", "utc_offset": 0})
        for j in range(rng.randint(10, 30)):
            ev.append({"event_id": eid("s", a, j), "source": "social", "account_id": a, "kind": "post",
                       "timestamp": (t0 + timedelta(days=rng.uniform(0, 14))).isoformat(),
                       "text": social[k % len(social)], "device_id": f"dev-{a}",
                       "ip": rng.choice([office, f"86.{rng.randint(1, 200)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"])})
            k += 1
    for r, body in enumerate(RELEASES):
        day = t0 + timedelta(days=2 + 4 * r, hours=9)
        ev.append({"event_id": eid("pr", r), "source": "ai-service", "account_id": writer, "kind": "prompt",
                   "timestamp": day.isoformat(), "ip": office, "device_id": "dev-acme-comms",
                   "text": f"Draft a short, upbeat social media announcement for our company about this news: {body[:60]}...",
                   "response": body})
        for a in staff:
            if rng.random() < 0.85:
                ev.append({"event_id": eid("post", r, a), "source": "social", "account_id": a, "kind": "post",
                           "timestamp": (day + timedelta(minutes=rng.uniform(20, 180))).isoformat(),
                           "text": body, "ip": office, "device_id": f"dev-{a}", "hashtags": ["AcmeRobotics"]})
    for h in range(12):
        home, card, tablet = (f"92.{rng.randint(1, 250)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                              f"card-{seed}-{h}", f"dev-tablet-{seed}-{h}")
        for m in range(rng.randint(3, 4)):
            a = f"fam{seed}_{h}_{m}"
            acc.append({"account_id": a, "source": "ai-service", "country": "FR", "payment_fingerprint": card,
                        "created_at": (t0 - timedelta(days=rng.uniform(30, 900))).isoformat(),
                        "email": f"{a}@mail.example", "email_domain": "mail.example"})
            truth.append({"account_id": a, "source": "ai-service", "operation": None, "group": "families",
                          "utc_offset": 1})
            own = f"dev-{a}"
            for j in range(rng.randint(3, 15)):
                text, resp = ai[k % len(ai)]
                k += 1
                when = t0 + timedelta(days=rng.uniform(0, 14))
                ev.append({"event_id": eid("f", a, j), "source": "ai-service", "account_id": a, "kind": "prompt",
                           "timestamp": when.isoformat(), "text": text, "response": resp,
                           "ip": home if rng.random() < 0.7 else f"37.{rng.randint(1, 250)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                           "device_id": tablet if rng.random() < 0.3 else own})
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("events", ev), ("accounts", acc), ("truth", truth)):
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
    return {"events": len(ev), "accounts": len(acc)}


def one(seed: int, root: Path) -> dict[str, Any]:
    world, donor, extra = root / f"world-{seed}", root / f"donor-{seed}", root / f"crowds-{seed}"
    simulate(world, seed=seed)
    simulate(donor, seed=seed + 1000)
    crowds(donor, extra, seed)
    truth = root / f"truth-{seed}.jsonl"
    truth.write_text((world / "truth.jsonl").read_text() + (extra / "truth.jsonl").read_text())
    ws = Workspace(root / f"ws-{seed}")
    ws.ingest([world / "events.jsonl", extra / "events.jsonl"], [world / "accounts.jsonl", extra / "accounts.jsonl"])
    run = ws.detect()
    res = ws.evaluate(truth, run)
    groups = res["groups"]
    row = {
        "seed": seed, "f1": res["f1"], "fpr": res["benign_false_positive_rate"],
        "ops": f"{sum(v['flagged'] for v in res['operations'].values())}/{len(res['operations'])}",
        "lookalikes": ",".join(res["lookalike_groups_flagged"]) or "none",
        "cafe": groups.get("internet-cafe", {}), "pr": groups.get("pr-team", {}),
        "fam": groups.get("families", {}),
    }
    print(row, flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--keep", type=Path, default=None, help="keep worlds and workspaces here")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        rows = [one(s, root) for s in seeds]

    def flagged(g: dict[str, Any]) -> str:
        return f"{g.get('flagged_accounts', '?')}/{g.get('accounts', '?')}, {'yes' if g.get('flagged_as_operation') else 'no'}"

    lines = ["| seed | F1 (planted) | benign FPR | ops flagged | internet-cafe: accounts flagged, as an operation | "
             "pr-team: accounts flagged, as an operation | families: accounts flagged, as an operation | "
             "look-alike groups flagged |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['seed']} | {r['f1']:.3f} | {r['fpr']:.4%} | {r['ops']} | {flagged(r['cafe'])} | "
                     f"{flagged(r['pr'])} | {flagged(r['fam'])} | {r['lookalikes']} |")
    lines += ["", "Crowds written by `benchmarks/other_crowds.py` itself, not by the simulator; see its docstring."]
    write_section("other-crowds", ("python benchmarks/other_crowds.py " + " ".join(sys.argv[1:])).strip(), "\n".join(lines))


if __name__ == "__main__":
    main()
