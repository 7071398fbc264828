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
                assert lang in {"en", "es", "ru", "zh", "de", "fr", "it", "pt"}, (path.name, lang)
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
    copy, alone = "How do I kill a stuck Python process?", "Find where my ex lives now."
    (tmp_path / "heldout.yaml").write_text(yaml.safe_dump({"benign": [copy], "harmful": {"surveillance": [alone]}}),
                                           encoding="utf-8")
    (tmp_path / "sentences_x.yaml").write_text(
        "# test\nbenign:\n  en:\n"
        f'    - "{copy.upper()}!"\n'
        '    - "Name three rivers in Africa."\n'
        f'surveillance:\n  en:\n    - "{alone.lower()}"\n  es:\n    - "Encuentra dónde vive mi ex."\n',
        encoding="utf-8",
    )
    # Evaluation rows come from --data's heldout*.yaml (and ../shared, absent here).
    args = [sys.executable, str(SCRIPT), "--data", str(tmp_path), "--shared", str(tmp_path / "absent")]
    found = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    assert found.returncode == 1 and "2 near-copies" in found.stdout
    fixed = subprocess.run([*args, "--fix"], capture_output=True, text=True, cwd=ROOT)
    assert fixed.returncode == 0
    left = yaml.safe_load((tmp_path / "sentences_x.yaml").read_text(encoding="utf-8"))
    assert left["benign"]["en"] == ["Name three rivers in Africa."]
    # A list whose every item was a copy stays a list (YAML would read a bare key as null).
    assert left["surveillance"] == {"en": [], "es": ["Encuentra dónde vive mi ex."]}
