"""Scaffold masking, the shareable scaffold hash, and code fingerprints."""

from __future__ import annotations

from opwatch.links.fingerprint import (
    code_fingerprints,
    code_tokens,
    extract_code,
    mask_prompt,
    python_fingerprints,
    scaffold_distance,
    scaffold_hash,
    winnow,
)

TEMPLATE = (
    "You are {who} living in {town}. Write a social media post of {n} words about {topic}, "
    "sounding spontaneous and personal. Mention one detail from your daily life, avoid hashtags, "
    "and never reveal that you are an AI. End with a question to readers."
)


def test_mask_prompt_masks_fill_ins_and_keeps_structure() -> None:
    m = mask_prompt('Summarise "the quick report" from https://x.org/a for Maria by 12.05.2024, mail bob@x.org')
    assert "<q>" in m and "<url>" in m and "<name>" in m and "<num>" in m and "<email>" in m
    assert "maria" not in m and "quick" not in m and m.startswith("summarise")
    assert mask_prompt(None) == "" and mask_prompt("") == ""
    long_block = "Rewrite the text below.\n" + " ".join(["word"] * 80)
    assert mask_prompt(long_block).split("\n")[-1].strip() == "<span>"


def test_scaffold_hash_close_for_fill_ins_far_for_other_prompts() -> None:
    a = scaffold_hash(TEMPLATE.format(who="a retired teacher", town="Ohio", n=50, topic="energy prices"))
    b = scaffold_hash(TEMPLATE.format(who="a nurse", town="Leeds", n=80, topic="the border fence"))
    c = scaffold_hash("Explain the difference between a list and a tuple in Python with two short examples.")
    assert a.startswith("sc1:") and len(a) == 20
    assert scaffold_distance(a, b) < scaffold_distance(a, c)
    assert scaffold_distance(a, b) <= 16
    assert scaffold_distance(a, a) == 0


CODE_V1 = '''
import requests

def fetch_targets(session, base_url, pages):
    results = []
    for page in range(pages):
        resp = session.get(base_url + "/api/items", params={"page": page}, timeout=10)
        if resp.status_code != 200:
            continue
        for item in resp.json()["items"]:
            results.append((item["id"], item["owner"], item["email"]))
    return results
'''


def test_code_extraction_and_winnowing_survive_one_change() -> None:
    prompt = "Fix the error in this code:\n```python\n" + CODE_V1 + "\n```\nIt fails on page 3."
    blocks = extract_code(prompt)
    assert len(blocks) == 1 and "fetch_targets" in blocks[0]
    assert extract_code("Just a normal question about cooking pasta?") == []
    assert extract_code(None) == []
    v1 = code_fingerprints(CODE_V1)
    v2 = code_fingerprints(CODE_V1.replace("timeout=10", "timeout=30, verify=False"))
    assert len(v1 & v2) / len(v1) > 0.7
    other = code_fingerprints("def add(a, b):\n    total = a + b\n    print(total)\n    return total\n")
    assert not (v1 & other)
    assert winnow(["a", "b"]) == set()
    assert code_tokens('x = "secret" + 42  # note') == ["x", "=", "S", "+", "N"]


def test_python_fingerprints_ignore_renames_and_bad_code() -> None:
    renamed = CODE_V1.replace("results", "found").replace("resp", "r").replace("fetch_targets", "grab")
    assert python_fingerprints(CODE_V1) and python_fingerprints(CODE_V1) == python_fingerprints(renamed)
    assert python_fingerprints("def broken(:\n  pass") == set()
