"""The ``opwatch networks`` commands, run through click."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from opwatch.cli.networks import command


def test_compute_all_and_evidence(stream_csv: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "e.csv"
    res = runner.invoke(command, ["compute", "co_retweet", "--input", str(stream_csv), "--window", "60", "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith('"user_1","user_2","weight"') and len(lines) > 1
    a, b = (x.strip('"') for x in lines[1].split(",")[:2])
    res = runner.invoke(command, ["evidence", "co_repost", "--input", str(stream_csv), "--user-a", a, "--user-b", b])
    assert res.exit_code == 0, res.output
    assert "pairs; weight" in res.output
    res = runner.invoke(command, ["all", "--input", str(stream_csv), "--types", "co_repost,co_link", "--out-dir", str(tmp_path / "all"), "--format", "gexf"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == ["co_link.gexf", "co_repost.gexf"]


def test_cli_errors_are_clear(stream_csv: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(command, ["compute", "co_bogus", "--input", str(stream_csv), "--out", str(tmp_path / "x.csv")])
    assert res.exit_code != 0 and "unknown network type" in res.output
    res = runner.invoke(command, ["compute", "co_post", "--input", str(stream_csv), "--window", "soon", "--out", str(tmp_path / "x.csv")])
    assert res.exit_code != 0 and "seconds" in res.output
    res = runner.invoke(command, ["evidence", "co_repost", "--input", str(stream_csv), "--user-a", "nobody", "--user-b", "none"])
    assert res.exit_code != 0 and "no co_repost matches" in res.output
