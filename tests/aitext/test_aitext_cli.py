"""``opwatch aitext INPUT.jsonl --out OUT.jsonl``: output fields, bad lines, errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from opwatch.cli import main

LONG = (
    "We walked along the canal after lunch and counted eleven herons, which my daughter insists "
    "is a record for this stretch, though I suspect she lost count somewhere near the lock gates."
)


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_scores_good_lines_and_reports_bad_ones(tmp_path: Path) -> None:
    inp = _write(
        tmp_path / "in.jsonl",
        [
            json.dumps({"id": "a", "text": LONG, "account": "u1"}),
            "{not json",
            json.dumps({"id": 7, "text": "As an AI language model, I can't vote. [Your Name]", "account": "u1"}),
            json.dumps({"text": "no id here"}),
            json.dumps({"id": "c"}),
            json.dumps(["a", "list"]),
            "",
            json.dumps({"id": "d", "text": "short one"}),
        ],
    )
    out = tmp_path / "out.jsonl"
    acc = tmp_path / "acc.jsonl"
    res = CliRunner().invoke(main, ["aitext", str(inp), "--out", str(out), "--accounts-out", str(acc)])
    assert res.exit_code == 0, res.output
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["id"] for r in recs] == ["a", 7, "d"]
    assert set(recs[0]) >= {"id", "ai_score", "artefacts", "above_threshold"}
    assert 0.0 <= recs[0]["ai_score"] <= 1.0
    assert recs[1]["artefacts"][:2] == ["ai_self_reference", "placeholder"]
    assert recs[2]["ai_score"] is None and recs[2]["above_threshold"] is None  # too short
    rejects = [json.loads(x) for x in (tmp_path / "out.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [2, 4, 5, 6]
    assert "invalid JSON" in rejects[0]["reason"] and "missing text" in rejects[2]["reason"]
    assert "line 2" in res.output and "4 bad line" in res.output
    accounts = [json.loads(x) for x in acc.read_text().splitlines()]
    assert accounts[0]["account"] == "u1" and accounts[0]["n_texts"] == 2


def test_model_options_without_a_model_are_refused(tmp_path: Path) -> None:
    inp = _write(tmp_path / "in.jsonl", [json.dumps({"id": "a", "text": LONG})])
    res = CliRunner().invoke(main, ["aitext", str(inp), "--out", str(tmp_path / "o.jsonl"), "--method", "binoculars"])
    assert res.exit_code != 0
    assert "--model-path" in res.output


def test_missing_input_file_is_a_clear_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["aitext", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o.jsonl")])
    assert res.exit_code != 0
    assert "does not exist" in res.output
