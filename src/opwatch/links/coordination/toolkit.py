"""Run the installed QUT coordination-network-toolkit on a CSV, for parity checks and benchmarks.

Only its public library functions are called (preprocess, then one compute per
network type); edges are read from its SQLite tables because its CSV export
fails in 1.5.2. Self-loops are dropped, as its graph export does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: our type -> (toolkit function name, its table)
TOOLKIT_CALLS = {
    "co_repost": ("compute_co_retweet_parallel", "co_retweet_network"),
    "co_reply": ("compute_co_reply_network", "co_reply_network"),
    "co_message": ("compute_co_tweet_network", "co_tweet_network"),
    "co_link": ("compute_co_link_network", "co_link_network"),
    "co_post": ("compute_co_post_network", "co_post_network"),
    "co_similar": ("compute_co_similar_tweet", "co_similar_tweet_network"),
}

Edges = dict[tuple[str, str], int]


def available() -> bool:
    try:
        import coordination_network_toolkit  # noqa: F401
    except ImportError:
        return False
    return True


def preprocess(csv_path: str | Path, db_path: str | Path) -> None:
    from coordination_network_toolkit.preprocess import preprocess_csv_files

    preprocess_csv_files(str(db_path), [str(csv_path)])


def run(
    db_path: str | Path,
    network_type: str,
    window: float,
    min_weight: int = 1,
    similarity: float = 0.8,
    min_doc_size: int = 1,
    n_threads: int = 2,
) -> Edges:
    """Compute one network with the toolkit on a preprocessed database; returns its edges."""
    from coordination_network_toolkit import compute_networks as cn
    from coordination_network_toolkit.similarity import get_similarity_fn_from_min_size

    func_name, table = TOOLKIT_CALLS[network_type]
    func = getattr(cn, func_name)
    kwargs: dict[str, object] = {"min_edge_weight": min_weight, "n_threads": n_threads}
    if network_type == "co_similar":
        kwargs["similarity_threshold"] = similarity
        kwargs["similarity_function"] = get_similarity_fn_from_min_size(min_doc_size)
    if network_type == "co_link":
        # the toolkit turns an empty urls field into one empty-string URL that links
        # every link-less post (docs/decisions/0011-toolkit-faults.md): left out of parity
        with sqlite3.connect(str(db_path)) as db:
            db.execute("DELETE FROM message_url WHERE url = ''")
    func(str(db_path), window, **kwargs)
    with sqlite3.connect(str(db_path)) as db:
        rows = db.execute(f"SELECT user_1, user_2, weight FROM {table} WHERE user_1 <> user_2")
        return {(str(a), str(b)): int(w) for a, b, w in rows}


def compare(ours: Edges, theirs: Edges) -> dict[str, float]:
    """Edge-set precision/recall and whether weights agree on the shared edges."""
    both = ours.keys() & theirs.keys()
    same_weight = sum(1 for e in both if ours[e] == theirs[e])
    return {
        "ours": len(ours),
        "theirs": len(theirs),
        "precision": len(both) / len(ours) if ours else 1.0,
        "recall": len(both) / len(theirs) if theirs else 1.0,
        "weights_equal": float(same_weight == len(both)),
        "identical": float(ours == theirs),
    }


def run_isolated(db_path: str | Path, network_type: str, window: float, **kw: float) -> Edges:
    """:func:`run` in a fresh Python process.

    The toolkit forks worker processes; forking a process that already runs
    DuckDB's threads can break its pool, so parity checks run it apart.
    """
    import json
    import subprocess
    import sys

    args = json.dumps({"db": str(db_path), "type": network_type, "window": window, **kw})
    proc = subprocess.run(
        [sys.executable, __file__, args],  # as a script: no opwatch package import
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the toolkit failed: {proc.stderr[-2000:]}")
    edges = json.loads(proc.stdout.splitlines()[-1])
    return {(a, b): w for a, b, w in edges}


if __name__ == "__main__":
    import contextlib
    import io
    import json
    import sys

    spec = json.loads(sys.argv[1])
    with contextlib.redirect_stdout(io.StringIO()):
        result = run(spec.pop("db"), spec.pop("type"), spec.pop("window"), **spec)
    print(json.dumps([[a, b, w] for (a, b), w in sorted(result.items())]))
