"""WorldConfig, YAML overrides, the CLI command and the paraphraser, including bad input."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from opwatch.cli.simulate import command
from opwatch.simulate import (
    EVASION_PRESETS,
    WorldConfig,
    config_from_dict,
    load_config,
    simulate,
)
from opwatch.simulate.paraphrase import paraphrase
from opwatch.simulate.text import LEXICONS, benign_post, benign_prompt, fill

SMALL = """
accounts: 40
groups:
  university-class: {size: 5}
  carrier-nat: {size: 5}
  vpn-exit: {size: 5}
  viral-link: {size: 5}
  china-hours: {size: 5}
  grassroots: {size: 5}
"""


def test_yaml_overrides_fields(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(SMALL + "evasion_level: high\noperations:\n  scam: {size: 3, tells: [vpn]}\n",
                    encoding="utf-8")
    cfg = load_config(path)
    assert cfg.accounts == 40
    assert cfg.resolved_evasion() == EVASION_PRESETS["high"]
    assert cfg.operations["scam"].size == 3 and cfg.operations["scam"].tells == ("vpn",)
    assert cfg.operations["propaganda"] == WorldConfig().operations["propaganda"]
    assert cfg.groups["grassroots"].size == 5


def test_explicit_evasion_fields_override_the_preset() -> None:
    cfg = config_from_dict({"evasion_level": "none", "evasion": {"rotate_ip": 0.5}})
    ev = cfg.resolved_evasion()
    assert ev.rotate_ip == 0.5 and ev.paraphrase == 0.0


@pytest.mark.parametrize("data, message", [
    ({"acounts": 5}, "unknown field"),
    ({"evasion_level": "extreme"}, "evasion_level"),
    ({"operations": {"phishing": {"size": 3}}}, "unknown operation"),
    ({"operations": {"scam": {"sise": 3}}}, "unknown field"),
    ({"groups": {"carrier-nat": {"size": -1}}}, "size"),
    ({"days": 0}, "days"),
    ({"ai_share": 2}, "ai_share"),
    ([1, 2], "mapping"),
])
def test_bad_config_is_refused_with_a_reason(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config_from_dict(data)  # type: ignore[arg-type]


def test_simulate_refuses_negative_accounts(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="accounts"):
        simulate(tmp_path, accounts=-1)


def test_cli_writes_a_world_and_prints_a_summary(tmp_path: Path) -> None:
    cfg = tmp_path / "w.yaml"
    cfg.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "world"
    result = CliRunner().invoke(command, ["--out", str(out), "--seed", "4", "--config", str(cfg),
                                          "--accounts", "30", "--evasion", "none"])
    assert result.exit_code == 0, result.output
    assert "surveillance-tool" in result.output and "events" in result.output
    truth = [json.loads(x) for x in (out / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(1 for t in truth if t["group"] == "grassroots") == 5
    assert "evasion none" in result.output.replace("\n", " ")


def test_cli_rejects_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("operations:\n  nosuch: {size: 1}\n", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(command, ["--out", str(tmp_path / "o"), "--config", str(bad)])
    assert r.exit_code == 2 and "unknown operation" in r.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("accounts: [1,\n", encoding="utf-8")
    r = runner.invoke(command, ["--out", str(tmp_path / "o"), "--config", str(broken)])
    assert r.exit_code == 2 and "config" in r.output
    r = runner.invoke(command, ["--out", str(tmp_path / "o"), "--accounts", "-3"])
    assert r.exit_code == 2
    r = runner.invoke(command, ["--out", str(tmp_path / "o"), "--evasion", "max"])
    assert r.exit_code == 2
    r = runner.invoke(command, [])
    assert r.exit_code == 2 and "--out" in r.output


def test_cli_reports_an_unwritable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    r = CliRunner().invoke(command, ["--out", str(blocker / "sub"), "--accounts", "5"])
    assert r.exit_code == 1 and "--out" in r.output


def test_paraphrase_changes_text_and_is_repeatable() -> None:
    text = ("This is exactly what people have been saying for months. The government must "
            "answer for it. Really important, thanks for the great article.")
    assert paraphrase(text, random.Random(1), 0.0) == text
    a = paraphrase(text, random.Random(1), 0.8)
    assert a == paraphrase(text, random.Random(1), 0.8)
    assert a != text
    words = lambda s: set(re.findall(r"\w+", s.lower()))  # noqa: E731
    changed = [paraphrase(text, random.Random(s), 0.8) for s in range(20)]
    assert sum(len(words(c) ^ words(text)) >= 3 for c in changed) >= 15


@pytest.mark.parametrize("lang", sorted(LEXICONS))
def test_every_template_fills_in_its_own_language(lang: str) -> None:
    lex = LEXICONS[lang]
    rng = random.Random(0)
    templates = [*lex["ctx"], *lex["tail"], *lex["reply"]]
    templates += [t for ts in lex["ask"].values() for t in ts]
    templates += [t for ts in lex["post"].values() for t in ts]
    for template in templates:
        out = fill(template, lang, rng)
        assert "{" not in out and out.strip()
    for _ in range(30):
        text, reply, topic = benign_prompt(rng, lang)
        assert text and reply and topic in lex["ask"]
        post, tags = benign_post(rng, lang)
        assert post and isinstance(tags, tuple)


def test_fill_refuses_an_unknown_slot() -> None:
    with pytest.raises(KeyError, match="nosuchslot"):
        fill("a {nosuchslot}", "en", random.Random(0))


def _only(op: str, **fields: object) -> WorldConfig:
    from dataclasses import replace

    cfg = WorldConfig(evasion_level="none")
    cfg.operations = {name: (replace(o, **fields) if name == op else replace(o, enabled=False))
                      for name, o in cfg.operations.items()}
    cfg.groups = {name: replace(g, enabled=False) for name, g in cfg.groups.items()}
    return cfg


def _op_lines(out: Path, op: str) -> tuple[list[dict], list[dict]]:
    truth = [json.loads(x) for x in (out / "truth.jsonl").open(encoding="utf-8")]
    ids = {t["account_id"] for t in truth if t["operation"] == op}
    events = [json.loads(x) for x in (out / "events.jsonl").open(encoding="utf-8")]
    accounts = [json.loads(x) for x in (out / "accounts.jsonl").open(encoding="utf-8")]
    return ([e for e in events if e["account_id"] in ids],
            [a for a in accounts if a["account_id"] in ids])


def test_tells_can_be_switched_off(tmp_path: Path) -> None:
    base = WorldConfig().operations["deceptive-employment"].tells
    simulate(tmp_path / "on", seed=2, accounts=20, config=_only("deceptive-employment"))
    simulate(tmp_path / "off", seed=2, accounts=20,
             config=_only("deceptive-employment",
                          tells=tuple(t for t in base if t not in ("shared_device", "shared_payment"))))
    on_events, on_accounts = _op_lines(tmp_path / "on", "deceptive-employment")
    off_events, off_accounts = _op_lines(tmp_path / "off", "deceptive-employment")
    assert len({e["device_id"] for e in on_events}) <= 3
    assert len({e["device_id"] for e in off_events}) >= len(off_accounts)
    assert len({a["payment_fingerprint"] for a in on_accounts}) <= 2
    assert len({a["payment_fingerprint"] for a in off_accounts}) > 2

    staging = WorldConfig().operations["surveillance-tool"].tells
    simulate(tmp_path / "s", seed=2, accounts=20,
             config=_only("surveillance-tool", tells=tuple(t for t in staging
                                                            if t != "staging_artifacts")))
    simulate(tmp_path / "s2", seed=2, accounts=20, config=_only("surveillance-tool"))
    plain, _ = _op_lines(tmp_path / "s", "surveillance-tool")
    leaky, _ = _op_lines(tmp_path / "s2", "surveillance-tool")
    assert not any("staging-" in e["text"] or ":8080" in e["text"] for e in plain)
    assert any("staging-" in e["text"] or ":8080" in e["text"] for e in leaky)
