"""Ingest: canonical and mapped input, every kind of bad row, idempotency, atomicity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from opwatch.ingest import IngestError, ingest
from opwatch.ingest.validate import MAX_TEXT_CHARS
from opwatch.store.columnar import ColumnStore


def rows(store: ColumnStore, table: str = "events") -> list[dict]:
    files = store.files(table)
    if not files:
        return []
    return duckdb.sql(f"SELECT * FROM read_parquet({files!r}) ORDER BY event_id").to_arrow_table().to_pylist() \
        if table == "events" else duckdb.sql(f"SELECT * FROM read_parquet({files!r})").to_arrow_table().to_pylist()


def write_jsonl(path: Path, items: list) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for it in items:
            fh.write((it if isinstance(it, str) else json.dumps(it)) + "\n")
    return path


GOOD = {"event_id": "e1", "source": "svc", "account_id": "a1", "timestamp": "2026-03-01T09:00:00+08:00",
        "text": "hello", "urls": ["https://example.org/x"]}


def quarantine_rows(path: str) -> list[dict]:
    return [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines()]


def test_timestamps_become_utc_and_epoch_seconds_work(tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "e.jsonl", [GOOD, {**GOOD, "event_id": "e2", "timestamp": 1772326800}])
    store = ColumnStore(tmp_path / "ws")
    s = ingest(store, [f])
    assert s.added["events"] == 2
    got = {r["event_id"]: r["timestamp"] for r in rows(store)}
    assert got["e1"].isoformat() == "2026-03-01T01:00:00+00:00"
    assert got["e2"].timestamp() == 1772326800


def test_every_kind_of_bad_row_is_quarantined_with_file_line_field_reason(tmp_path: Path) -> None:
    items = [
        GOOD,
        "{not json",
        {**GOOD, "event_id": "m", "account_id": None},
        {**GOOD, "event_id": "t", "text": ["a", "list"]},
        {**GOOD, "event_id": "ts", "timestamp": "last tuesday"},
        {**GOOD, "event_id": "naive", "timestamp": "2026-03-01T09:00:00"},
        {**GOOD, "event_id": "long", "text": "x" * (MAX_TEXT_CHARS + 1)},
        {**GOOD, "event_id": "u", "urls": "https://not-a-list.example"},
        {**GOOD, "event_id": "attr", "attributes": [1, 2]},
        {**GOOD, "event_id": "src", "source": "bad:source"},
        "[1, 2, 3]",
    ]
    f = write_jsonl(tmp_path / "bad.jsonl", items)
    with f.open("ab") as fh:
        fh.write(b'{"event_id": "nb", "source": "svc", "account_id": "a", "timestamp": 1, "text": "\xff\xfe"}\n')
    store = ColumnStore(tmp_path / "ws")
    s = ingest(store, [f])
    assert s.added["events"] == 1
    assert s.quarantined == len(items) - 1 + 1
    q = quarantine_rows(s.quarantine_file)
    by_line = {r["line"]: r for r in q}
    assert by_line[2]["reason"].startswith("invalid JSON")
    assert by_line[3]["field"] == "account_id"
    assert by_line[4]["field"] == "text"
    assert by_line[5]["field"] == "timestamp" and "unparseable" in by_line[5]["reason"]
    assert "no UTC offset" in by_line[6]["reason"]
    assert by_line[7]["field"] == "text" and "longer" in by_line[7]["reason"]
    assert by_line[8]["field"] == "urls"
    assert by_line[9]["field"] == "attributes"
    assert by_line[10]["field"] == "source"
    assert "expected a JSON object" in by_line[11]["reason"]
    assert "non-UTF-8" in by_line[12]["reason"]
    assert all(r["file"] == str(f) for r in q)
    assert all(r["raw"] for r in q), "the raw row is kept so nothing is lost"


def test_reingest_adds_nothing_and_duplicates_inside_a_file_keep_the_first(tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "e.jsonl", [GOOD, {**GOOD, "text": "second copy"}, {**GOOD, "event_id": "e2"}])
    store = ColumnStore(tmp_path / "ws")
    first = ingest(store, [f])
    assert first.added["events"] == 2 and first.duplicates["events"] == 1
    manifest = (tmp_path / "ws" / "manifest.json").read_text()
    again = ingest(store, [f])
    assert again.added["events"] == 0 and again.already_ingested and again.batch_id is None
    assert (tmp_path / "ws" / "manifest.json").read_text() == manifest
    assert {r["text"] for r in rows(store)} == {"hello"}
    # the same events under another file name are still recognised by key
    g = write_jsonl(tmp_path / "copy.jsonl", [GOOD, {**GOOD, "event_id": "e3"}])
    third = ingest(store, [g])
    assert third.added["events"] == 1


def test_csv_with_mapping_nested_defaults_and_lists(tmp_path: Path) -> None:
    csv = tmp_path / "posts.csv"
    csv.write_text(
        "id,user,when,body,links\n"
        "1,u1,2026-03-01 10:00:00,first post,https://a.example https://b.example\n"
        "2,u2,2026-03-01 11:00:00,second,\n"
        "3,u3,not a time,third,\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "events:\n  event_id: id\n  account_id: user\n  timestamp: when\n  text: body\n  urls: links\n"
        "defaults:\n  source: forum\n  kind: post\ntimezone: UTC\n",
        encoding="utf-8",
    )
    store = ColumnStore(tmp_path / "ws")
    s = ingest(store, [csv], mapping=mapping)
    assert s.added["events"] == 2 and s.quarantined == 1
    got = {r["event_id"]: r for r in rows(store)}
    assert got["1"]["urls"] == ["https://a.example", "https://b.example"]
    assert got["1"]["source"] == "forum" and got["1"]["kind"] == "post"
    assert got["2"]["urls"] is None


def test_jsonl_nested_mapping_and_parquet_input(tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "x.jsonl", [{"id": 5, "user": {"id": "n1"}, "t": 1772326800, "msg": "hi"}])
    mapping = tmp_path / "m.yaml"
    mapping.write_text("events:\n  event_id: id\n  account_id: user.id\n  timestamp: t\n  text: msg\n"
                       "defaults:\n  source: chat\n", encoding="utf-8")
    pq.write_table(pa.table({"event_id": ["p1"], "source": ["svc"], "account_id": ["a9"],
                             "timestamp": ["2026-03-01T00:00:00Z"], "hashtags": [["#x"]]}), tmp_path / "p.parquet")
    store = ColumnStore(tmp_path / "ws")
    assert ingest(store, [f], mapping=mapping).added["events"] == 1
    assert ingest(store, [tmp_path / "p.parquet"]).added["events"] == 1
    got = {r["event_id"]: r for r in rows(store)}
    assert got["5"]["account_id"] == "n1" and got["p1"]["hashtags"] == ["#x"]


def test_bad_mapping_and_missing_files_fail_before_anything_is_written(tmp_path: Path) -> None:
    store = ColumnStore(tmp_path / "ws")
    with pytest.raises(IngestError, match="no such file"):
        ingest(store, [tmp_path / "missing.jsonl"])
    f = write_jsonl(tmp_path / "e.jsonl", [GOOD])
    bad = tmp_path / "m.yaml"
    bad.write_text("events:\n  evnt_id: id\n", encoding="utf-8")
    with pytest.raises(IngestError, match="no canonical fields"):
        ingest(store, [f], mapping=bad)
    with pytest.raises(IngestError, match="unknown file type"):
        ingest(store, [bad])
    assert store.batches() == []


def test_interrupt_mid_batch_leaves_the_workspace_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ColumnStore(tmp_path / "ws")
    ingest(store, [write_jsonl(tmp_path / "a.jsonl", [GOOD])])
    before = (tmp_path / "ws" / "manifest.json").read_text()
    import opwatch.ingest as ing

    calls = {"n": 0}
    real = ing._Staged.add

    def boom(self: ing._Staged, row: dict) -> None:
        calls["n"] += 1
        if calls["n"] == 50:
            raise KeyboardInterrupt
        real(self, row)

    monkeypatch.setattr(ing._Staged, "add", boom)
    big = write_jsonl(tmp_path / "b.jsonl", [{**GOOD, "event_id": f"b{i}"} for i in range(200)])
    with pytest.raises(KeyboardInterrupt):
        ingest(store, [big], chunk_rows=10)
    assert (tmp_path / "ws" / "manifest.json").read_text() == before
    assert list((tmp_path / "ws" / ".staging").iterdir()) == []
    monkeypatch.undo()
    assert ingest(store, [big]).added["events"] == 200


def test_killed_process_leaves_the_workspace_consistent(tmp_path: Path) -> None:
    """SIGKILL an ingest of a large file mid-way: the manifest and the files it names are intact."""
    ws = tmp_path / "ws"
    store = ColumnStore(ws)
    ingest(store, [write_jsonl(tmp_path / "a.jsonl", [GOOD])])
    before = (ws / "manifest.json").read_text()
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as fh:
        for i in range(300_000):
            fh.write(json.dumps({**GOOD, "event_id": f"k{i}", "text": f"row {i} " * 5}) + "\n")
    code = (
        "import sys; from opwatch.store.columnar import ColumnStore; from opwatch.ingest import ingest;"
        f"ingest(ColumnStore({str(ws)!r}), [{str(big)!r}], chunk_rows=20000)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    staging = ws / ".staging"
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.glob("*.parquet") for p in staging.iterdir()):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (ws / "manifest.json").read_text() == before
    reopened = ColumnStore(ws)  # sweeps the leftovers
    assert list((ws / ".staging").iterdir()) == []
    assert len(rows(reopened)) == 1
    assert ingest(reopened, [big]).added["events"] == 300_000
