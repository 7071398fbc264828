"""API behaviour: evidence, CooRTweet mode, auto window, exports, bad input, link layers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from opwatch.links.coordination import Networks, compute, evidence
from opwatch.links.coordination.exports import write_edges
from opwatch.links.coordination.synth import write_qut
from opwatch.links.coordination.types import get


def _tiny(tmp_path: Path) -> Path:
    rows = {
        "message_id": ["1", "2", "3", "4", "5", "1"],
        "user_id": ["a", "b", "c", "a", "b", "z"],
        "username": ["a", "b", "c", "a", "b", "z"],
        "repost_id": ["t1", "t1", "t1", "t2", "t2", "t9"],
        "reply_id": [""] * 6,
        "message": ["rt"] * 6,
        "timestamp": ["100", "130", "400", "1000", "1060", "100"],
        "urls": [""] * 6,
    }
    return write_qut(rows, tmp_path / "tiny.csv")


def test_weights_gaps_and_duplicates(tmp_path: Path) -> None:
    net = Networks.open(_tiny(tmp_path))
    assert net.report.duplicate_id == 1  # the second "1" is left out, first copy wins
    edges = net.compute("co_repost", window=60).to_pydict()
    got = {(a, b): w for a, b, w in zip(edges["user_1"], edges["user_2"], edges["weight"], strict=True)}
    assert got == {("a", "b"): 2, ("b", "a"): 2}  # the window is inclusive: gap 60 matches
    ev = net.evidence("co_repost", "a", "b", window=60).to_pydict()
    assert ev["gap_s"] == [30.0, 60.0]
    assert ev["object"] == ["t1", "t2"]
    assert evidence("co_repost", _tiny(tmp_path), "a", "b", window=59).num_rows == 1


def test_coortweet_mode_and_auto_window(tmp_path: Path) -> None:
    path = tmp_path / "ct.csv"
    path.write_text(
        "object_id,account_id,content_id,timestamp_share\n"
        "o1,a,c1,0\no1,b,c2,10\no1,b,c3,20\no2,a,c4,100\no2,b,c5,150\no3,c,c6,5\n"
    )
    net = Networks.open(path, "coortweet")
    und = net.undirected("co_repost", window=60).to_pylist()
    assert len(und) == 1
    e = und[0]
    assert (e["account_a"], e["account_b"]) == ("a", "b")
    assert e["weight"] == 3  # c1-c2, c1-c3, c4-c5
    assert e["avg_time_delta"] == pytest.approx((10 + 20 + 50) / 3)
    assert e["n_content_a"] == 2 and e["n_content_b"] == 3
    assert e["edge_symmetry_score"] == pytest.approx(2 / 3)
    assert net.params("co_repost", "auto").window >= 1.0


def test_exports_are_valid(tmp_path: Path, stream_csv: Path) -> None:
    edges = compute("co_repost", stream_csv, window=60)
    assert edges.num_rows > 0
    for fmt in ("graphml", "gexf"):
        out = write_edges(edges, tmp_path / f"e.{fmt}")
        root = ET.parse(out).getroot()
        assert sum(1 for el in root.iter() if el.tag.endswith("edge")) == edges.num_rows
    out = write_edges(edges, tmp_path / "e.csv")
    assert len(out.read_text().splitlines()) == edges.num_rows + 1
    with pytest.raises(ValueError, match="unknown export format"):
        write_edges(edges, tmp_path / "e.xlsx")


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Networks.open(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="unknown input format"):
        Networks.open(_tiny(tmp_path), "tsv")
    with pytest.raises(KeyError, match="unknown network type"):
        get("co_everything")
    bad = tmp_path / "bad.csv"
    bad.write_text("message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n1,a,a,t,,x,soon,\n")
    net = Networks.open(bad)
    assert net.report.bad_timestamp == 1 and net.report.kept == 0
    with pytest.raises(ValueError, match="window"):
        net.compute("co_repost", window=-1)


def _events(rows: list[tuple[str, str, float, str | None, list[str]]]) -> pa.Table:
    from opwatch.models import EVENT_SCHEMA

    cols: dict[str, list[object]] = {f.name: [] for f in EVENT_SCHEMA}
    for i, (acc, kind, ts, target, urls) in enumerate(rows):
        for f in EVENT_SCHEMA:
            cols[f.name].append(None)
        cols["event_id"][-1] = f"e{i}"
        cols["source"][-1] = "x"
        cols["account_id"][-1] = acc
        cols["timestamp"][-1] = datetime.fromtimestamp(ts, UTC)
        cols["kind"][-1] = kind
        cols["repost_of"][-1] = target
        cols["urls"][-1] = urls
        cols["text"][-1] = "hello there"
    return pa.Table.from_pydict(cols, schema=EVENT_SCHEMA)


def test_link_layer_on_events_blocks_viral_objects() -> None:
    from opwatch.engines.duckdb import DuckDBEngine
    from opwatch.links.coordination.layers import CoRepost
    from opwatch.models import LINK_SCHEMA
    from opwatch.signals.base import DetectContext

    rows: list[tuple[str, str, float, str | None, list[str]]] = []
    for obj in range(3):  # a and b co-repost three targets within seconds
        rows += [("a", "repost", 1000.0 * obj, f"t{obj}", []), ("b", "repost", 1000.0 * obj + 5, f"t{obj}", [])]
    for i in range(50):  # 50 accounts repost one viral post together, twice
        rows += [(f"v{i}", "repost", 50000.0 + i, "viral", []), (f"v{i}", "repost", 60000.0 + i, "viral2", [])]
    for i in range(500):  # background: reposts of many targets spread over a week
        rows += [(f"bg{i}", "repost", float((i * 7919 + j * 104729) % 604800), f"o{(i + j * 31) % 900}", []) for j in range(5)]
    engine = DuckDBEngine()
    engine.register("events", _events(rows))
    links = CoRepost(max_key_accounts=20).run(DetectContext(engine=engine))
    assert links.schema == LINK_SCHEMA
    got = links.to_pylist()
    assert [(r["account_a"], r["account_b"]) for r in got] == [("a", "b")]
    assert got[0]["n_shared"] == 3 and got[0]["weight"] == 1.0
    assert got[0]["pvalue"] < 0.01
    ev = json.loads(got[0]["evidence"])
    assert {e["object"] for e in ev} == {"t0", "t1", "t2"}
    assert all(abs(e["gap_s"]) == 5 for e in ev)
    unblocked = CoRepost(max_key_accounts=0).run(DetectContext(engine=engine))
    assert unblocked.num_rows > 1000  # without blocking, the viral posts link the crowd


def test_every_coordination_layer_keeps_the_link_contract() -> None:
    from opwatch.engines.duckdb import DuckDBEngine
    from opwatch.links.coordination import layers
    from opwatch.models import EVENT_SCHEMA, LINK_SCHEMA
    from opwatch.signals.base import DetectContext

    rows: list[tuple[str, str, float, str | None, list[str]]] = []
    for obj in range(4):  # two accounts that repost and link the same things twice a day
        for acc, dt in (("zed", 0.0), ("amy", 3.0)):
            rows.append((acc, "repost", 40000.0 * obj + dt, f"t{obj}", []))
            rows.append((acc, "post", 40000.0 * obj + 500 + dt, None, [f"https://www.news.example/{obj}"]))
    engine = DuckDBEngine()
    engine.register("events", _events(rows))
    empty = DuckDBEngine()
    empty.register("events", EVENT_SCHEMA.empty_table())
    for cls in (layers.CoRepost, layers.CoReply, layers.CoMessage, layers.CoSimilar,
                layers.CoLink, layers.CoHashtag, layers.CoDomain):
        out = cls().run(DetectContext(engine=engine))
        assert out.schema.equals(LINK_SCHEMA)
        for r in out.to_pylist():
            assert r["layer"] == cls.name
            assert (r["source_a"], r["account_a"]) < (r["source_b"], r["account_b"])
            assert 0 <= r["weight"] <= 1 and 0 <= r["pvalue"] <= 1
            ev = json.loads(r["evidence"])
            assert ev and {"object", "event_a", "event_b", "gap_s"} <= set(ev[0])
        assert cls().run(DetectContext(engine=empty)).num_rows == 0
    got = {cls.name: cls().run(DetectContext(engine=engine)).num_rows for cls in (layers.CoRepost, layers.CoLink, layers.CoDomain, layers.CoMessage)}
    assert got == {"co_repost": 1, "co_link": 1, "co_domain": 1, "co_message": 1}
    link = layers.CoRepost().run(DetectContext(engine=engine)).to_pylist()[0]
    assert (link["account_a"], link["account_b"]) == ("amy", "zed")
    assert {e["gap_s"] for e in json.loads(link["evidence"])} == {-3.0}  # amy's event came 3 s after zed's


def test_canonical_jsonl_input(tmp_path: Path) -> None:
    lines = [
        {"event_id": "e1", "source": "s", "account_id": "a", "timestamp": "2024-05-01T10:00:00+00:00",
         "text": "Same #Vote text", "urls": ["https://www.x.example/1"], "hashtags": ["#Vote"]},
        {"event_id": "e2", "source": "s", "account_id": "b", "timestamp": "2024-05-01T10:00:30+00:00",
         "text": "same  #vote TEXT @c", "urls": ["http://x.example/2"], "hashtags": ["vote"]},
        {"event_id": "e3", "source": "s", "account_id": "c", "timestamp": "2024-05-01T12:00:00+00:00",
         "text": "same #vote text", "urls": [], "hashtags": []},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    net = Networks.open(path, "canonical")
    for ntype in ("co_message", "co_hashtag", "co_domain"):
        e = net.compute(ntype, window=60).to_pydict()
        assert sorted(zip(e["user_1"], e["user_2"], strict=True)) == [("s:a", "s:b"), ("s:b", "s:a")], ntype
    assert net.compute("co_link", window=60).num_rows == 0
