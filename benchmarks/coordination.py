"""Benchmark: opwatch networks against the QUT coordination-network-toolkit, same input, one run.

For each size (generated, deterministic QUT CSV: ``opwatch.links.coordination.synth``)
and each network type: the toolkit's preprocess + compute (its library, in
subprocesses) against opwatch's whole command (``opwatch networks compute``:
start-up, read, compute, write), wall time, peak memory (max RSS of the main
process, /usr/bin/time), edge counts and parity. Also one ``opwatch networks all``
run against the toolkit's preprocess plus all its computes, and the CooRTweet
sets in ../shared/data/coordination when present (``--sizes russian``).
co_post is measured on its own input where three days would be unrealistically
dense (``synth.co_post_days``: ~5,000 messages a day, daily rhythm; rows ``…/post``),
and left out of the ``all`` run there.

    python benchmarks/coordination.py --sizes 10k,100k --types co_repost,co_reply --write
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from opwatch.links.coordination import toolkit  # noqa: E402
from opwatch.links.coordination.synth import co_post_days, social_stream, write_qut  # noqa: E402

TYPES = ("co_repost", "co_reply", "co_message", "co_link", "co_post", "co_similar")
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
SHARED = ROOT.parent / "shared" / "data" / "coordination"
CACHE = Path(os.environ.get("OPWATCH_BENCH_CACHE", tempfile.gettempdir())) / "opwatch-bench"
OPWATCH = [sys.executable, "-c", "import sys; from opwatch.cli import main; sys.argv[0] = 'opwatch'; main()"]


def measured(cmd: list[str], timeout: float | None = None) -> tuple[float, float, str]:
    """Run ``cmd``; returns wall seconds, peak RSS in MB, stdout. Raises
    ``subprocess.TimeoutExpired`` past ``timeout`` seconds (the process is killed)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    t0 = time.perf_counter()
    # its own process group, so that a timeout stops the measured program too, not only `time`
    with subprocess.Popen(["/usr/bin/time", "-v", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env, start_new_session=True) as p:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            raise
    proc = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:6])} failed: {proc.stderr[-3000:]}")
    rss = next((int(line.split()[-1]) for line in proc.stderr.splitlines() if "Maximum resident" in line), 0)
    return wall, rss / 1024, proc.stdout


def own_post_input(size: str) -> bool:
    """co_post gets its own, realistically spread input where three days would be too dense."""
    return size in SIZES and co_post_days(SIZES[size]) > 3.0


def input_for(size: str, ntype: str = "") -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    post = ntype == "co_post" and own_post_input(size)
    path = CACHE / (f"qut_{size}_post.csv" if post else f"qut_{size}.csv")
    if path.exists():
        return path
    if post:  # ~5,000 messages a day with a daily rhythm (synth.co_post_days)
        n = SIZES[size]
        return write_qut(social_stream(n, seed=1, days=co_post_days(n), diurnal=True), path)
    if size in SIZES:
        return write_qut(social_stream(SIZES[size], seed=1), path)
    if size == "russian":  # CooRTweet's retweets as toolkit CSV: object = repost target
        src = SHARED / "russian_coord_tweets.csv.gz"
        with gzip.open(src, "rt") as fh, path.open("w") as out:
            next(fh)
            out.write("message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n")
            for line in fh:
                obj, acc, content, ts = line.rstrip("\n").split(",")
                out.write(f"{content},{acc},{acc},{obj},,rt,{ts},\n")
        return path
    raise SystemExit(f"unknown size {size!r}; use 10k, 100k, 1m or russian")


def our_edges(path: Path) -> dict[tuple[str, str], int]:
    import pyarrow.csv as pacsv

    t = pacsv.read_csv(str(path), convert_options=pacsv.ConvertOptions(column_types={"user_1": "string", "user_2": "string"}))
    return dict(zip(zip(t.column("user_1").to_pylist(), t.column("user_2").to_pylist(), strict=True), t.column("weight").to_pylist(), strict=True))


def toolkit_child(args: list[str]) -> None:
    """Child mode: one toolkit compute; prints its seconds, dumps edges as JSON to a file."""
    db, ntype, window, min_weight, similarity, dump = args
    import contextlib
    import io

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        edges = toolkit.run(db, ntype, float(window), int(min_weight), float(similarity), n_threads=2)
    print(time.perf_counter() - t0)
    Path(dump).write_text(json.dumps([[a, b, w] for (a, b), w in edges.items()]))


def bench_size(size: str, types: list[str], opts: argparse.Namespace, work: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    tk = toolkit.available() and not opts.no_toolkit
    preprocessed: dict[Path, tuple[Path, float, float]] = {}

    def prepare(src: Path) -> tuple[Path, float, float]:
        if src not in preprocessed:
            db = work / f"{src.stem}.db"
            pre_s = pre_mb = 0.0
            if tk:
                pre_s, pre_mb, _ = measured([sys.executable, "-c", f"import contextlib,io,sys; sys.path.insert(0, {str(ROOT / 'src')!r}); from opwatch.links.coordination import toolkit\nwith contextlib.redirect_stdout(io.StringIO()): toolkit.preprocess({str(src)!r}, {str(db)!r})"])
            preprocessed[src] = (db, pre_s, pre_mb)
        return preprocessed[src]

    main_src = input_for(size)
    tk_total = prepare(main_src)[1] if tk else 0.0
    any_stopped = False
    all_types = [t for t in types if not (t == "co_post" and own_post_input(size))]
    for ntype in types:
        src = input_for(size, ntype)
        db, pre_s, pre_mb = prepare(src) if tk else (work / "none.db", 0.0, 0.0)
        common = ["--input", str(src), "--window", str(opts.window), "--min-weight", str(opts.min_weight), "--similarity", str(opts.similarity)]
        out = work / f"{size}_{ntype}.csv"
        ow_s, ow_mb, _ = measured([*OPWATCH, "networks", "compute", ntype, *common, "--out", str(out)])
        ours = our_edges(out)
        row: dict[str, object] = {"size": size + ("/post" if src != main_src else ""), "type": ntype, "opwatch_s": ow_s, "opwatch_mb": ow_mb, "opwatch_edges": len(ours)}
        if tk and ntype not in opts.skip_toolkit.get(size, ()):
            dump = work / f"{size}_{ntype}.json"
            try:
                wall, tk_mb, stdout = measured([sys.executable, __file__, "--_toolkit-child", str(db), ntype, str(opts.window), str(opts.min_weight), str(opts.similarity), str(dump)],
                                               timeout=opts.toolkit_timeout)
            except subprocess.TimeoutExpired:
                # stopped: its time is a lower bound, and so is the speed-up
                if src == main_src:
                    tk_total += float(opts.toolkit_timeout)
                    any_stopped = True
                row.update({"toolkit_s": pre_s + float(opts.toolkit_timeout), "toolkit_stopped": True,
                            "toolkit_compute_s": float(opts.toolkit_timeout), "parity": "toolkit stopped"})
                rows.append(row)
                print(json.dumps(row), flush=True)
                continue
            compute_s = float(stdout.strip().splitlines()[-1])
            theirs = {(a, b): w for a, b, w in json.loads(dump.read_text())}
            cmp = toolkit.compare(ours, theirs)
            if src == main_src:
                tk_total += compute_s
            row.update({"toolkit_s": pre_s + compute_s, "toolkit_compute_s": compute_s, "toolkit_mb": max(tk_mb, pre_mb),
                        "toolkit_edges": len(theirs), "parity": _parity(ntype, cmp)})
        rows.append(row)
        print(json.dumps(row), flush=True)
    if opts.all_run:
        out_dir = work / f"{size}_all"
        common = ["--input", str(main_src), "--window", str(opts.window), "--min-weight", str(opts.min_weight), "--similarity", str(opts.similarity)]
        all_s, all_mb, _ = measured([*OPWATCH, "networks", "all", *common, "--types", ",".join(all_types), "--out-dir", str(out_dir)])
        row = {"size": size, "type": f"all {len(all_types)} (one read)", "opwatch_s": all_s, "opwatch_mb": all_mb}
        if tk and not opts.skip_toolkit.get(size):
            row["toolkit_s"] = tk_total
            row["toolkit_stopped"] = any_stopped
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def _parity(ntype: str, cmp: dict[str, float]) -> str:
    if ntype == "co_similar":
        return f"recall {cmp['recall']:.4f}, precision {cmp['precision']:.4f}"
    return "identical" if cmp["identical"] else f"DIFFERENT (recall {cmp['recall']:.4f}, precision {cmp['precision']:.4f})"


def _num(value: object) -> float:
    return float(str(value))


def table(rows: list[dict[str, object]]) -> str:
    head = "| input | type | toolkit s (preprocess + compute) | opwatch s (whole command) | speed-up | toolkit MB | opwatch MB | edges toolkit / opwatch | parity |\n|---|---|---|---|---|---|---|---|---|\n"
    lines = []
    for r in rows:
        tk = r.get("toolkit_s")
        ow = _num(r["opwatch_s"])
        stopped = bool(r.get("toolkit_stopped"))
        speed = (("≥ " if stopped else "") + f"{_num(tk) / ow:.1f}×") if tk else "—"
        tk_mb = r.get("toolkit_mb")
        tk_text = ("> " if stopped else "") + f"{_num(tk):.1f}" + (" (stopped)" if stopped else "") if tk else "not run"
        lines.append(
            f"| {r['size']} | {r['type']} | {tk_text} | {ow:.2f} | {speed} | "
            f"{f'{_num(tk_mb):.0f}' if tk_mb else '—'} | {_num(r['opwatch_mb']):.0f} | "
            f"{r.get('toolkit_edges', '—')} / {r.get('opwatch_edges', '—')} | {r.get('parity', '—')} |"
        )
    return head + "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--_toolkit-child":
        toolkit_child(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10k,100k")
    ap.add_argument("--types", default=",".join(TYPES))
    ap.add_argument("--window", type=float, default=60.0)
    ap.add_argument("--min-weight", type=int, default=1)
    ap.add_argument("--similarity", type=float, default=0.8)
    ap.add_argument("--skip-toolkit", default="", help="size:type+type,… toolkit runs to leave out (e.g. 1m:co_post+co_similar)")
    ap.add_argument("--no-toolkit", action="store_true")
    ap.add_argument("--toolkit-timeout", type=float, default=None,
                    help="stop a toolkit compute after this many seconds; its time and the speed-up become bounds")
    ap.add_argument("--all-run", action="store_true", help="also time one 'networks all' run per size")
    ap.add_argument("--write", action="store_true", help="write the table to docs/benchmarks.md")
    ap.add_argument("--results", default=None, help="append JSON rows to this file as well")
    ap.add_argument("--render", default=None, help="only render (and --write) the rows stored in this JSON-lines file")
    ap.add_argument("--note", default="", help="text written under the table (what ran, machine load)")
    ap.add_argument("--command", default="", help="with --render: the commands that produced the rows")
    opts = ap.parse_args()
    if opts.render:
        stored = [json.loads(line) for line in Path(opts.render).read_text().splitlines() if line.strip()]
        print(table(stored))
        if opts.write:
            from benchmarks._report import write_section

            write_section("coordination", opts.command or f"rendered from {opts.render}", table(stored) + "\n" + opts.note)
        return
    opts.skip_toolkit = {k: tuple(v.split("+")) for k, v in (s.split(":") for s in opts.skip_toolkit.split(",") if s)}
    types = [t for t in opts.types.split(",") if t]
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in opts.sizes.split(","):
            if size == "russian" and not (SHARED / "russian_coord_tweets.csv.gz").exists():
                print("../shared/data/coordination is absent: skipping the real set")
                continue
            rows += bench_size(size, types if size in SIZES else ["co_repost", "co_post"], opts, Path(tmp))
    if opts.results:
        with open(opts.results, "a") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    print(table(rows))
    if opts.write:
        from benchmarks._report import write_section

        write_section("coordination", "python benchmarks/coordination.py " + " ".join(sys.argv[1:]), table(rows) + "\n" + opts.note)


if __name__ == "__main__":
    main()
