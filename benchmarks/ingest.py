"""Ingest throughput and memory: a generated JSON Lines file of N canonical events.

    python benchmarks/ingest.py --rows 1000000

Writes the file, then ingests it in a fresh process (so the peak resident memory measured is
the ingest's own), re-ingests it (idempotency: nothing added), and writes the "ingest" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._report import write_section  # noqa: E402

CHILD = """
import json, resource, sys, time
from opwatch.workspace import Workspace
ws = Workspace(sys.argv[1])
t0 = time.perf_counter()
s = ws.ingest([sys.argv[2]])
print(json.dumps({"seconds": time.perf_counter() - t0, "added": s.added["events"],
                  "quarantined": s.quarantined,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def generate(path: Path, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(5000)]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(rows):
            ev = {
                "event_id": f"e{i}", "source": "svc", "account_id": f"a{rng.randrange(rows // 20 + 1)}",
                "timestamp": 1772323200 + rng.randrange(14 * 86400), "kind": "prompt",
                "text": " ".join(rng.choices(words, k=rng.randint(5, 40))),
                "ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
                "urls": [f"https://example.org/{rng.randrange(1000)}"] if rng.random() < 0.2 else [],
            }
            if i % 10000 == 0:
                fh.write("{broken json\n")
            fh.write(json.dumps(ev) + "\n")


def run(ws: Path, data: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(ws), str(data)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    args = ap.parse_args()
    lines = ["| rows | file MiB | ingest s | rows/s | peak RSS MiB | quarantined | re-ingest added |",
             "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            data = Path(tmp) / f"events-{n}.jsonl"
            generate(data, n)
            ws = Path(tmp) / f"ws-{n}"
            first = run(ws, data)
            again = run(ws, data)
            mib = data.stat().st_size / 2**20
            row = (f"| {n:,} | {mib:,.0f} | {first['seconds']:.1f} | {n / first['seconds']:,.0f} | "
                   f"{first['peak_mib']:,.0f} | {first['quarantined']:,} | {again['added']:,} |")
            print(row, flush=True)
            lines.append(row)
            data.unlink()
    lines.append("")
    lines.append("One malformed line every 10,000 rows goes to the quarantine; the re-ingest adds nothing.")
    write_section("ingest", "python benchmarks/ingest.py " + " ".join(sys.argv[1:]), "\n".join(lines))


if __name__ == "__main__":
    main()
