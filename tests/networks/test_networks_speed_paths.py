"""The fast paths give the same answers as the general ones: lean reads, chunked MinHash,
numpy Poisson tails, sliced CSV writing, the realistic co_post generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from opwatch.links.coordination import Networks
from opwatch.links.coordination.exports import _write_csv
from opwatch.links.coordination.network_types import co_similar
from opwatch.links.coordination.significance import poisson_pvalues
from opwatch.links.coordination.synth import co_post_days, social_stream, write_qut


def _edges(t: pa.Table) -> list[tuple[str, str, int, int, int, int]]:
    cols = ["user_1", "user_2", "weight", "pairs", "k_1", "k_2"]
    return list(zip(*(t.column(c).to_pylist() for c in cols), strict=True))


@pytest.mark.parametrize("ntype", ["co_repost", "co_reply", "co_message", "co_link", "co_post", "co_similar"])
def test_lean_read_matches_full_read(stream_csv: Path, ntype: str) -> None:
    full = Networks.open(stream_csv)
    lean = Networks.open(stream_csv, types=[ntype])
    assert _edges(lean.compute(ntype, window=120)) == _edges(full.compute(ntype, window=120))


def test_lean_read_refuses_other_types(stream_csv: Path) -> None:
    lean = Networks.open(stream_csv, types=["co_repost"])
    with pytest.raises(ValueError, match="not among the types"):
        lean.compute("co_message")
    with pytest.raises(ValueError, match="evidence needs"):
        lean.evidence("co_repost", "u1", "u2")


def test_edges_sorted_by_user_ids(stream_csv: Path) -> None:
    e = Networks.open(stream_csv).compute("co_post", window=60)
    pairs = list(zip(e.column("user_1").to_pylist(), e.column("user_2").to_pylist(), strict=True))
    assert pairs == sorted(pairs)


def test_chunked_minhash_matches_one_chunk(stream_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _edges(Networks.open(stream_csv).compute("co_similar", window=300))
    monkeypatch.setattr(co_similar, "CHUNK_ROWS", 97)
    chunked = _edges(Networks.open(stream_csv).compute("co_similar", window=300))
    assert chunked == whole and len(whole) > 0


def test_similar_tokens_fast_path_equals_regex(tmp_path: Path) -> None:
    texts = ["hello world  again", "Hello World again", "@x hello world again", "hello\tworld again",
             "héllo world", "don't stop 12.5", "a b c d", ""]
    rows = {
        "message_id": [str(i) for i in range(len(texts))], "user_id": [f"u{i}" for i in range(len(texts))],
        "username": ["n"] * len(texts), "repost_id": [""] * len(texts), "reply_id": [""] * len(texts),
        "message": texts, "timestamp": ["0"] * len(texts), "urls": [""] * len(texts),
    }
    net = Networks.open(write_qut(rows, tmp_path / "t.csv"))
    got = net.con.sql(
        f"SELECT message, {co_similar.TOKENS} AS fast, "
        f"regexp_extract_all({co_similar.STRIP_MENTIONS}, '{co_similar.TOKEN_RE}') AS slow FROM messages"
    ).fetchall()
    for message, fast, slow in got:
        assert fast == slow, message


def test_poisson_tail_matches_scipy() -> None:
    from scipy.special import pdtrc

    rng = np.random.default_rng(0)
    w = np.concatenate([rng.integers(0, 40, 5000), rng.integers(1, 3000, 300), [1, 2, 5, 1000]])
    lam = np.concatenate([10 ** rng.uniform(-12, 2, 5000), 10 ** rng.uniform(-3, 3.6, 300), [0.0, 1e-8, 0.1, 999.0]])
    ours = poisson_pvalues(w, lam)
    ref = np.where(w <= 0, 1.0, pdtrc(w - 1.0, np.maximum(lam, 1e-300)))
    big = ref > 1e-290
    assert np.allclose(ours[big], ref[big], rtol=1e-9, atol=0)
    assert np.all(np.abs(ours - ref) < 1e-290 + 1e-9 * ref)


def test_sliced_csv_equals_one_write(tmp_path: Path) -> None:
    n = 2345
    rng = np.random.default_rng(1)
    t = pa.table({"user_1": [f"u{i}" for i in range(n)], "user_2": [f"v{i}" for i in range(n)],
                  "weight": list(range(n)), "k_1": rng.integers(0, 5, n),
                  "expected": rng.choice([1e-300, 0.1, 1 / 3, 2.5e17, 7e-5], n), "pvalue": np.linspace(0, 1, n)})
    pacsv.write_csv(t, str(tmp_path / "a.csv"))
    _write_csv(t, tmp_path / "b.csv", threads=3, slice_rows=100)
    # the same text; strings are quoted only where needed
    assert (tmp_path / "a.csv").read_bytes().replace(b'"', b"") == (tmp_path / "b.csv").read_bytes().replace(b'"', b"")
    assert (tmp_path / "b.csv").read_bytes().startswith(b'"user_1","user_2","weight"')
    assert pacsv.read_csv(tmp_path / "a.csv").equals(pacsv.read_csv(tmp_path / "b.csv"))


def test_csv_quotes_names_that_need_it(tmp_path: Path) -> None:
    names = ["plain", 'say "hi"', "a,b", "line\nbreak", "ünï"] * 40
    t = pa.table({"user_1": names, "user_2": names[::-1], "weight": list(range(len(names))),
                  "pvalue": [None if i % 7 == 0 else i / 3 for i in range(len(names))]})
    pacsv.write_csv(t, str(tmp_path / "a.csv"))
    _write_csv(t, tmp_path / "b.csv", threads=2, slice_rows=3)
    assert pacsv.read_csv(tmp_path / "a.csv").equals(pacsv.read_csv(tmp_path / "b.csv"))
    empty = t.slice(0, 0)
    _write_csv(empty, tmp_path / "c.csv")
    assert (tmp_path / "c.csv").read_bytes() == b'"user_1","user_2","weight","pvalue"\n'


def _sql_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from opwatch.links.coordination import arrays

    monkeypatch.setattr(arrays.KeyArrays, "load", classmethod(lambda cls, *a, **k: None))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_array_path_equals_sql_join(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """co_post / co_repost / co_reply by binary search (small chunks, threads) = the SQL windowed join:
    ties, fractional times, windows 0 to infinite, min weights, blocked keys, totals."""
    import math

    from opwatch.links.coordination import engine
    from opwatch.links.coordination.types import Params, get

    rng = np.random.default_rng(seed)
    n = 600
    ts = rng.integers(0, 400, n).astype(float) + rng.choice([0.0, 0.0, 0.5, 0.25], n)
    events = pa.table({
        "event_id": [f"e{i}" for i in range(n)], "account_id": [f"a{x}" for x in rng.integers(0, 25, n)],
        "timestamp": ts, "text": ["x"] * n,
        "repost_of": [None if r == 0 else f"k{r}" for r in rng.integers(0, 12, n)],
        "reply_to": [None if r < 3 else f"r{r}" for r in rng.integers(0, 8, n)],
    })
    net = Networks.open(events, fmt="canonical")
    cases = [(w, mw, cap) for w in (0.0, 0.5, 7.0, 60.0, math.inf) for mw in (1, 2) for cap in (0, 4)]
    got = {}
    monkeypatch.setattr(engine, "CHUNK_PAIRS", 50)
    for ntype in ("co_post", "co_repost", "co_reply"):
        for w, mw, cap in cases:
            got[ntype, w, mw, cap] = engine.directed_edges(net.con, get(ntype), Params(window=w, min_weight=mw, max_key_accounts=cap))
    _sql_path(monkeypatch)
    for (ntype, w, mw, cap), (edges, totals) in got.items():
        ref, ref_totals = engine.directed_edges(net.con, get(ntype), Params(window=w, min_weight=mw, max_key_accounts=cap))
        assert totals == ref_totals, (ntype, w, mw, cap)
        assert edges.equals(ref), (ntype, w, mw, cap)
    assert got["co_post", 60.0, 1, 0][0].num_rows > 100


def test_array_path_streams_edges_in_order(stream_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI writes chunks as they come; the file equals the one-table result."""
    from click.testing import CliRunner

    from opwatch.cli.networks import command
    from opwatch.links.coordination import engine

    monkeypatch.setattr(engine, "CHUNK_PAIRS", 500)
    out = tmp_path / "e.csv"
    res = CliRunner().invoke(command, ["compute", "co_post", "--input", str(stream_csv), "--window", "300", "--out", str(out)])
    assert res.exit_code == 0, res.output
    ref = Networks.open(stream_csv).compute("co_post", window=300)
    got = pacsv.read_csv(out, convert_options=pacsv.ConvertOptions(column_types={"user_1": pa.string(), "user_2": pa.string()}))
    assert got.num_rows == ref.num_rows > 10000
    assert got.equals(ref)


def test_diurnal_stream_is_deterministic_and_leaves_default_alone() -> None:
    assert social_stream(500, seed=2) == social_stream(500, seed=2, diurnal=False)
    a = social_stream(500, seed=2, days=co_post_days(500), diurnal=True)
    assert a == social_stream(500, seed=2, days=co_post_days(500), diurnal=True)
    assert co_post_days(1_000_000) == 200.0
    hours = (np.array(a["timestamp"], dtype=float) % 86400) // 3600
    assert np.bincount(hours.astype(int), minlength=24)[3:9].sum() > np.bincount(hours.astype(int), minlength=24)[15:21].sum()


def test_hash_collision_check_finds_shared_hashes() -> None:
    import duckdb

    from opwatch.links.coordination.engine import hash_collisions

    con = duckdb.connect()
    con.execute("CREATE TABLE k AS SELECT * FROM (VALUES ('a', 1), ('a', 1), ('b', 2), ('c', 3)) t(key, jk)")
    assert hash_collisions(con, "k") == 0
    con.execute("INSERT INTO k VALUES ('d', 3), (NULL, NULL), (NULL, NULL)")
    assert hash_collisions(con, "k") == 1


@pytest.mark.parametrize("ntype", ["co_repost", "co_message", "co_link"])
def test_join_on_keys_after_collision_matches_hashes(
    stream_csv: Path, ntype: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opwatch.links.coordination import engine

    net = Networks.open(stream_csv, types=[ntype])
    hashed = _edges(net.compute(ntype, window=120))
    monkeypatch.setattr(engine, "hash_collisions", lambda con, table: 1)
    assert _edges(net.compute(ntype, window=120)) == hashed
