"""End to end on a small simulated world: detection quality, runs, evaluation, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from opwatch.cli import main
from opwatch.operations.graph import benjamini_hochberg, benjamini_hochberg_m


def test_run_records_parameters_input_hash_and_counts(detected: dict[str, Any]) -> None:
    info = detected["ws"].run_info(detected["run_id"])
    assert info["input_hash"] == detected["ws"].store.input_hash()
    assert info["params"]["fdr"] == 0.01
    assert set(info["components"]["layers"]) >= {"shared_indicator", "near_duplicate_text"}
    assert info["counts"]["operations"] >= 1


def test_planted_operations_are_flagged_and_lookalikes_are_not(detected: dict[str, Any]) -> None:
    res = detected["ws"].evaluate(detected["truth"], detected["run_id"])
    assert res["f1"] >= 0.8, res
    assert res["benign_false_positive_rate"] <= 0.01, res
    assert res["lookalike_groups_flagged"] == [], res["groups"]
    flagged_ops = [n for n, v in res["operations"].items() if v["flagged"]]
    assert len(flagged_ops) == len(res["operations"]) == 5, res["operations"]


def test_operations_keep_score_parts_and_evidence(detected: dict[str, Any]) -> None:
    ops = detected["ws"].operations(detected["run_id"])
    top = ops[0]
    assert top["flagged"] and top["size"] == len(top["accounts"]) >= 3
    assert set(top["parts"]) == {"coordination", "policy", "inauthenticity"}
    assert top["score"] == pytest.approx(
        top["parts"]["coordination"] * (1 - (1 - top["parts"]["policy"]) * (1 - top["parts"]["inauthenticity"])),
        abs=1e-3,
    )
    ev = top["evidence"][0]
    assert ev["layer"] and ev["shared"] and "gap_s" in ev["shared"][0]
    assert [o["score"] for o in ops] == sorted((o["score"] for o in ops), reverse=True)


def test_rerun_is_reproducible(detected: dict[str, Any]) -> None:
    ws = detected["ws"]
    again = ws.detect()
    a = {(o["operation_id"], o["flagged"]) for o in ws.operations(detected["run_id"])}
    b = {(o["operation_id"], o["flagged"]) for o in ws.operations(again)}
    assert a == b


def test_cli_operations_json_and_eval(detected: dict[str, Any]) -> None:
    runner = CliRunner()
    ws = str(detected["ws"].path)
    r = runner.invoke(main, ["--workspace", ws, "operations", "--json", "--run", detected["run_id"]])
    assert r.exit_code == 0, r.output
    ops = json.loads(r.output)
    assert {"operation_id", "score", "parts", "flagged", "accounts", "size", "sources", "evidence"} <= set(ops[0])
    r = runner.invoke(main, ["--workspace", ws, "eval", "--truth", str(detected["truth"]), "--json"])
    assert r.exit_code == 0, r.output
    assert "f1" in json.loads(r.output)
    r = runner.invoke(main, ["--workspace", ws, "operations"])
    assert r.exit_code == 0 and "flagged" in r.output


def test_cli_errors_say_what_to_do(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(main, ["--workspace", str(tmp_path / "new"), "detect"])
    assert r.exit_code != 0 and "opwatch ingest" in r.output
    r = runner.invoke(main, ["--workspace", str(tmp_path / "new"), "operations"])
    assert r.exit_code != 0 and "opwatch detect" in r.output
    r = runner.invoke(main, ["--workspace", str(tmp_path / "new"), "ingest", str(tmp_path / "nope.jsonl")])
    assert r.exit_code != 0 and "no such file" in r.output


def test_benjamini_hochberg() -> None:
    p = np.array([0.001, 0.04, 0.03, 0.5])
    q = benjamini_hochberg(p)
    assert q == pytest.approx([0.004, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    # untested pairs count in m even though no row stands for them
    assert benjamini_hochberg_m(np.array([0.001]), 100)[0] == pytest.approx(0.1)
