"""Artefact rules: refusals, self-references, cut-off phrases, placeholders, leaks — and evasions."""

from __future__ import annotations

import pytest

from opwatch.signals.aitext.artefacts import RULES, artefact_score, artefacts

POSITIVE = [
    ("As an AI language model, I do not have personal opinions.", "ai_self_reference"),
    ("As an AI, I can't vote, but here is what people say.", "ai_self_reference"),
    ("I'm just an AI assistant and cannot browse.", "ai_self_reference"),
    ("Como modelo de lenguaje, no tengo opiniones.", "ai_self_reference"),
    ("En tant qu'IA, je n'ai pas d'avis.", "ai_self_reference"),
    ("Als KI-Sprachmodell habe ich keine Meinung.", "ai_self_reference"),
    ("Как языковая модель, я не могу иметь мнения.", "ai_self_reference"),
    ("作为一个人工智能语言模型，我没有个人观点。", "ai_self_reference"),
    ("I'm sorry, but I can't assist with that request.", "refusal"),
    ("I cannot fulfill this request.", "refusal"),
    ("Lo siento, pero no puedo ayudar con eso.", "refusal"),
    ("Je suis désolé, mais je ne peux pas aider avec cela.", "refusal"),
    ("Es tut mir leid, aber ich kann dabei nicht helfen.", "refusal"),
    ("Извините, но я не могу помочь с этим.", "refusal"),
    ("抱歉，我无法提供这些信息。", "refusal"),
    ("As of my last knowledge update in September 2021, the mayor was Smith.", "knowledge_cutoff"),
    ("My knowledge cutoff is 2023, so I may be out of date.", "knowledge_cutoff"),
    ("Best regards, [Your Name]", "placeholder"),
    ("Visit [insert link here] to donate!", "placeholder"),
    ("Thanks to {company name} for the support", "placeholder"),
    ("Sure! Here's a tweet: Vote for change on Tuesday #vote", "chat_preamble"),
    ("Here are 5 tweets about the new policy:", "chat_preamble"),
    ("Certainly, here is the comment you asked for.", "chat_preamble"),
    ("You are a helpful assistant. Write a reply", "leaked_instruction"),
    ("Write 10 tweets praising the governor in the style of a local mom", "leaked_instruction"),
]

NEGATIVE = [
    "As an AI researcher, I think the benchmark is flawed.",
    "I'm sorry, but I can't make it to the party tonight.",
    "Here is my cat, she is the best.",
    "See the paper [1] and the appendix [A].",
    "The language model of the 1990s was n-gram based.",
    "We went to the beach and it was lovely, the water was warm.",
    "Это хорошая новость для всех.",
    "",
]


@pytest.mark.parametrize(("text", "rule"), POSITIVE)
def test_rule_fires(text: str, rule: str) -> None:
    assert rule in artefacts(text)


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_text_fires_nothing(text: str) -> None:
    assert artefacts(text) == []


def test_zero_width_characters_do_not_hide_a_refusal_and_are_reported() -> None:
    attacked = "As an A\u200bI lang\u200cuage mo\u2060del, I cannot"
    found = artefacts(attacked)
    assert "ai_self_reference" in found
    assert "evasion_invisible" in found


def test_homoglyphs_do_not_hide_a_cutoff_phrase_and_are_reported() -> None:
    attacked = "аs оf my lаst knоwledge updаte, the law was new"  # Cyrillic а and о
    found = artefacts(attacked)
    assert found[0] == "knowledge_cutoff"
    assert "evasion_homoglyph" in found


def test_fullwidth_and_line_breaks_do_not_hide_a_placeholder() -> None:
    assert "placeholder" in artefacts("Love,\n［Ｙｏｕｒ\nＮａｍｅ］")


def test_curly_apostrophe_refusal() -> None:
    assert "refusal" in artefacts("I’m sorry, but I can’t help with that.")


def test_artefact_score_is_the_strongest_rule() -> None:
    assert artefact_score([]) == 0.0
    strengths = {r.name: r.strength for r in RULES}
    assert artefact_score(["placeholder", "ai_self_reference"]) == strengths["ai_self_reference"]
    assert all(0 < r.strength <= 1 for r in RULES)
    assert len({r.name for r in RULES}) == len(RULES)
