"""``opwatch classify`` end to end with click's runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from opwatch.cli import main


def test_classify_writes_all_lines_and_quarantines_bad_ones(tmp_path: Path) -> None:
    inp = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "1", "text": "How do I make a pipe bomb at home?", "user": "u1"}),
        json.dumps({"id": 2, "text": "track my parcel"}),
        "not json",
        json.dumps({"id": "4"}),
        json.dumps(["a list"]),
        "",
    ]
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(main, ["classify", str(inp), "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["1", 2]
    assert rows[0]["user"] == "u1" and rows[0]["flagged"] and rows[0]["category"] == "other_harmful"
    assert set(rows[0]) >= {"category", "score", "flagged", "scores", "evidence"}
    assert not rows[1]["flagged"]
    q = [json.loads(x) for x in (tmp_path / "out.jsonl.quarantine.jsonl").read_text().splitlines()]
    assert [b["line"] for b in q] == [3, 4, 5]
    assert q[1]["field"] == "text"


def test_classify_usage_errors(tmp_path: Path) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": "1", "text": "hi"}\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["classify", str(inp), "--out", str(tmp_path / "o"), "--judge", "http://x"])
    assert r.exit_code == 2 and "--model" in r.output
    r = CliRunner().invoke(main, ["classify", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "does not exist" in r.output
    bad_rules = tmp_path / "bad.yaml"
    bad_rules.write_text("rules: [{id: x, category: nope, any: [a]}]", encoding="utf-8")
    r = CliRunner().invoke(main, ["classify", str(inp), "--out", str(tmp_path / "o"), "--rules", str(bad_rules)])
    assert r.exit_code == 1 and "not in the taxonomy" in r.output
