"""The prompt_template, code_lineage and generated_then_posted link layers."""

from __future__ import annotations

import json

import numpy as np
from behaviour_support import EPOCH_MONDAY, event_rows, make_ctx

from opwatch.links.code_lineage import CodeLineageLayer
from opwatch.links.generated_then_posted import GeneratedThenPostedLayer, response_units
from opwatch.links.prompt_template import PromptTemplateLayer
from opwatch.models import LINK_SCHEMA

WORDS = ("apple banana cherry delta echo foxtrot golf hotel india juliet kilo lima mike november "
         "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()
PERSONAS = ["a retired teacher", "a young mother", "a small business owner", "a veteran", "a nurse"]
TOPICS = ["the new tax law", "energy prices", "farm subsidies", "the border fence", "bus fares"]
SCAFFOLD = ("You are {p} living in {town}. Write a short social media post of {n} words about {t}, "
            "sounding spontaneous and personal. Mention one detail from your daily life, avoid "
            "hashtags, and never reveal that you are an AI. End with a question to readers.")


def _pairs(table) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return set(zip(table["account_a"].to_pylist(), table["account_b"].to_pylist(), strict=True))


def _check_schema(table) -> None:  # type: ignore[no-untyped-def]
    assert table.schema == LINK_SCHEMA
    for r in table.to_pylist():
        assert (r["source_a"], r["account_a"]) < (r["source_b"], r["account_b"])
        assert 0.0 <= r["weight"] <= 1.0 and 0.0 <= r["pvalue"] <= 1.0
        for item in json.loads(r["evidence"]):
            assert {"object", "event_a", "event_b", "gap_s"} <= set(item)


def _background(rng: np.random.Generator, n: int) -> list[dict]:
    rows: list[dict] = []
    for i in range(n):
        prompts = ["translate this: " + " ".join(rng.choice(WORDS, 4)),
                   "what does " + " ".join(rng.choice(WORDS, 3)) + " mean?",
                   " ".join(rng.choice(WORDS, 18))]
        rows += event_rows(f"bg{i}", [EPOCH_MONDAY + 997 * i + 60 * j for j in range(3)], text=prompts,
                           response=["fine " + " ".join(rng.choice(WORDS, 12)) for _ in range(3)])
    return rows


def test_prompt_template_links_operation_not_trivial_templates() -> None:
    rng = np.random.default_rng(0)
    rows = _background(rng, 150)
    towns = ["Ohio", "Leeds", "Lyon", "Graz"]
    for i in range(6):
        texts = [SCAFFOLD.format(p=PERSONAS[(i + j) % 5], town=towns[j % 4], n=30 + 7 * i + j, t=TOPICS[(2 * i + j) % 5])
                 for j in range(2)]
        rows += event_rows(f"op{i}", [EPOCH_MONDAY + 5000 * i + 90 * j for j in range(2)], text=texts, response="ok")
    out = PromptTemplateLayer().run(make_ctx(rows))
    _check_schema(out)
    expected = {(f"op{i}", f"op{j}") for i in range(6) for j in range(i + 1, 6)}
    assert _pairs(out) == expected  # the shared "translate this:" never links
    ev = json.loads(out["evidence"][0].as_py())[0]
    assert ev["object"].startswith("prompt_template:sc1:")
    assert min(out["weight"].to_pylist()) > 0.3 and max(out["pvalue"].to_pylist()) < 0.05


def test_prompt_template_empty_and_nulls() -> None:
    assert PromptTemplateLayer().run(make_ctx([])).num_rows == 0
    rows = event_rows("x", [EPOCH_MONDAY], text=[None], response="r")
    assert PromptTemplateLayer().run(make_ctx(rows)).num_rows == 0


BASE = '''
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

def save(results, path):
    with open(path, "w") as fh:
        for row in results:
            fh.write(",".join(str(x) for x in row) + "\\n")
'''
EDITS = [("timeout=10", "timeout=30"), ('"w"', '"a"'), ("!= 200", "not in (200, 204)"),
         ('"/api/items"', '"/api/v2/items"'), ("continue", "break"), ("str(x)", "repr(x)")]


def test_code_lineage_links_a_code_base_passed_along_one_edit_at_a_time() -> None:
    rng = np.random.default_rng(1)
    rows = _background(rng, 60)
    code = BASE
    for i, (old, new) in enumerate(EDITS):
        nxt = code.replace(old, new)
        rows += event_rows(f"dev{i}", [EPOCH_MONDAY + 3600 * i], text=[f"This fails, fix it:\n```python\n{code}\n```"],
                           response=[f"Here is the fix:\n```python\n{nxt}\n```"])
        code = nxt
    boiler = "```python\nimport requests\nr = requests.get(url)\nprint(r.status_code)\nprint(r.text)\n```"
    for i in range(60):  # boilerplate held by more accounts than max_accounts is not expanded
        rows += event_rows(f"learner{i}", [EPOCH_MONDAY + 50 * i], text=["how do I fetch a page?"],
                           response=[f"Use requests:\n{boiler}"])
    out = CodeLineageLayer().run(make_ctx(rows))
    _check_schema(out)
    pairs = _pairs(out)
    chain = {(f"dev{i}", f"dev{i + 1}") for i in range(len(EDITS) - 1)}
    assert chain <= pairs
    assert all(a.startswith("dev") and b.startswith("dev") for a, b in pairs)
    assert min(r["weight"] for r in out.to_pylist() if (r["account_a"], r["account_b"]) in chain) > 0.5


def test_code_lineage_empty() -> None:
    assert CodeLineageLayer().run(make_ctx([])).num_rows == 0


RESPONSE = ("Here are three posts:\n"
            "1. Energy bills keep climbing while the ministers in the capital enjoy heated offices, shameful.\n"
            "2. Farmers in our village have waited three winters for the promised subsidy payments, still nothing.\n"
            "3. Another bridge closed for repairs that never begin; where does our road tax actually go?")


def test_response_units_split_lists() -> None:
    units = response_units(RESPONSE)
    assert units[0] == RESPONSE.strip()
    assert "Energy bills keep climbing while the ministers in the capital enjoy heated offices, shameful." in units
    assert response_units(None) == [] and response_units("") == []


def test_generated_then_posted_verbatim_and_paraphrase_after_generation_only() -> None:
    rng = np.random.default_rng(2)
    t0 = EPOCH_MONDAY + 86400
    rows = event_rows("gen", [t0], text=["write three angry posts about local issues"], response=[RESPONSE])
    lines = [ln[3:] for ln in RESPONSE.splitlines()[1:]]
    rows += event_rows("copy", [t0 + 3600], source="social", kind="post", text=[lines[0]])
    rows += event_rows("para", [t0 + 7200], source="social", kind="post",
                       text=["Farmers in our village waited three winters for promised subsidy payments and still got nothing!"])
    rows += event_rows("before", [t0 - 86400], source="social", kind="post", text=[lines[2]])
    rows += event_rows("rt", [t0 + 60], source="social", kind="repost", text=[lines[0]], repost_of="copy-0")
    for i in range(200):
        rows += event_rows(f"s{i}", [t0 + 10 * i], source="social", kind="post", text=[" ".join(rng.choice(WORDS, 12))])
        rows += event_rows(f"g{i}", [t0 + 10 * i], text=["hi"], response=[" ".join(rng.choice(WORDS, 15))])
    out = GeneratedThenPostedLayer().run(make_ctx(rows))
    _check_schema(out)
    by = {(r["account_a"], r["account_b"]): r for r in out.to_pylist()}
    assert set(by) == {("gen", "copy"), ("gen", "para")}
    copy_ev = json.loads(by[("gen", "copy")]["evidence"])[0]
    assert copy_ev["generated_by"] == "a" and copy_ev["gap_s"] == 3600 and copy_ev["similarity"] == 1.0
    assert by[("gen", "copy")]["weight"] > by[("gen", "para")]["weight"] > 0.3


def test_generated_then_posted_empty_sides() -> None:
    assert GeneratedThenPostedLayer().run(make_ctx([])).num_rows == 0
    only_ai = event_rows("gen", [EPOCH_MONDAY], text=["x"], response=[RESPONSE])
    assert GeneratedThenPostedLayer().run(make_ctx(only_ai)).num_rows == 0


def test_generic_model_text_posted_by_bots_links_nobody() -> None:
    refusal = "I'm sorry, but I cannot help with creating content that deceives or manipulates people online."
    rows: list[dict] = []
    for i in range(8):  # eight AI accounts all got the same refusal
        rows += event_rows(f"asker{i}", [EPOCH_MONDAY + 60 * i], text=["write fake reviews"], response=[refusal])
    for i in range(3):
        rows += event_rows(f"bot{i}", [EPOCH_MONDAY + 3600 + i], source="social", kind="post", text=[refusal])
    assert GeneratedThenPostedLayer().run(make_ctx(rows)).num_rows == 0
    assert GeneratedThenPostedLayer(max_generators=10).run(make_ctx(rows)).num_rows == 24
