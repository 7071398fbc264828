"""The team-written training data: well-formed, and no copies of the benchmark's rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from opwatch.signals.policy import load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "policy"
SCRIPT = ROOT / "scripts" / "check_policy_overlap.py"


def test_sentence_files_use_taxonomy_categories_and_hold_strings() -> None:
    ids = set(load_taxonomy().ids)
    total = 0
    for path in sorted(DATA.glob("sentences*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(data) <= ids, (path.name, set(data) - ids)
        for by_lang in data.values():
            for lang, texts in by_lang.items():
                assert lang in {"en", "es", "ru", "zh", "de", "fr"}, (path.name, lang)
                assert all(isinstance(t, str) and t.strip() for t in texts), path.name
                total += len(texts)
    assert total > 10_000


def test_no_training_request_copies_a_held_out_row(tmp_path: Path) -> None:
    # Without ../shared the script compares with data/policy/heldout*.yaml only.
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--shared", str(tmp_path / "absent")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 near-copies" in out.stdout


def test_overlap_check_finds_and_removes_a_near_copy(tmp_path: Path) -> None:
    held = yaml.safe_load((DATA / "heldout.yaml").read_text(encoding="utf-8"))
    copy = held["benign"][0]
    (tmp_path / "sentences_x.yaml").write_text(
        "# test\nbenign:\n  en:\n"
        f'    - "{copy.upper()}!"\n'
        '    - "Name three rivers in Africa."\n',
        encoding="utf-8",
    )
    # heldout.yaml is read from the repository; the training files from --data.
    args = [sys.executable, str(SCRIPT), "--data", str(tmp_path), "--shared", str(tmp_path / "absent")]
    found = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    assert found.returncode == 1 and "1 near-copies" in found.stdout
    fixed = subprocess.run([*args, "--fix"], capture_output=True, text=True, cwd=ROOT)
    assert fixed.returncode == 0
    left = yaml.safe_load((tmp_path / "sentences_x.yaml").read_text(encoding="utf-8"))
    assert left["benign"]["en"] == ["Name three rivers in Africa."]
