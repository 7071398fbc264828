"""Artefact rules: verbatim traces a chat model leaves in text that was posted unedited.

Owns the rule list (refusals and AI self-references in several languages,
knowledge-cutoff phrases, unfilled placeholders, chat preambles and leaked
instructions) and ``artefacts(text)``, which normalises first (so zero-width
characters and look-alike letters cannot hide a phrase) and returns the names
of the rules that fired. Evasion itself is reported too (``evasion_invisible``,
``evasion_homoglyph``). Artefacts are strong evidence, never a verdict: a human
may quote a chatbot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opwatch.signals.aitext.normalise import NormaliseReport, normalise_report


@dataclass(frozen=True)
class Rule:
    name: str
    strength: float  # how strongly a hit suggests machine text, 0..1
    pattern: re.Pattern[str]
    description: str
    #: lower-case substrings, one of which every match contains: a cheap gate before the regex
    anchors: tuple[str, ...]


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


_AP = "['’]"  # straight or curly apostrophe

RULES: tuple[Rule, ...] = (
    Rule(
        "ai_self_reference",
        0.97,
        _rx(
            r"\bas an? (?:ai|artificial intelligence)(?: language)? (?:model|assistant|chatbot)\b",
            r"\bas an ai,? i\b",
            r"\bas an? (?:large )?language model\b",
            r"\bi(?: am|" + _AP + r"m) (?:just |only )?an? (?:ai (?:language )?model|ai assistant|ai chatbot|large language model|language model)\b",
            r"\bcomo (?:un )?modelo de lenguaje\b",
            r"\bcomo (?:una )?(?:ia|inteligencia artificial),? (?:no )?(?:tengo|puedo)\b",
            r"\bcomo um modelo de linguagem\b",
            r"\ben tant qu" + _AP + r"(?:ia|intelligence artificielle)\b",
            r"\ben tant que mod[eè]le de langage\b",
            r"\bals (?:ein )?(?:ki-sprachmodell|sprachmodell|ki-assistent)\b",
            r"\bals ki (?:habe|kann) ich\b",
            r"\bкак языковая модель\b",
            r"\bкак (?:ии|искусственный интеллект),? я\b",
            r"作为(?:一个)?(?:人工智能)?语言模型",
            r"作为一个(?:人工智能|ai)助手",
        ),
        "the text calls itself an AI or language model",
        ("an ai ", "an ai,", "a ai ", "as an artificial", "as a artificial", "language model", "modelo de l", "como una ia", "como ia", "como una inteligencia", "como inteligencia", "qu'ia", "qu’ia", "qu'intelligence", "qu’intelligence", "de langage", "sprachmodell", "ki-assistent", "als ki ", "языковая модель", "как ии", "как искусственный", "语言模型", "助手"),
    ),
    Rule(
        "refusal",
        0.9,
        _rx(
            r"\bi cannot (?:fulfil+|comply with|assist with|help with) (?:this|that|your)\b",
            r"\bi(?:" + _AP + r"m| am) sorry,? but i (?:can(?:" + _AP + r"t|not)|am unable to|won" + _AP + r"t) (?:assist|help|fulfil+|comply|provide|create|generate|write|engage)\b",
            r"\bi(?:" + _AP + r"m| am) (?:not able|unable) to (?:assist with|comply with|fulfil+) (?:this|that|your)\b",
            r"\bi can(?:" + _AP + r"t|not) (?:assist|help) with (?:that|this) request\b",
            r"\blo siento,? pero no puedo (?:ayudar|cumplir|proporcionar|generar|crear)\b",
            r"\bdesculpe,? mas n[ãa]o (?:posso|consigo) (?:ajudar|atender|fornecer|gerar|criar)\b",
            r"\bje suis d[ée]sol[ée],? mais je ne (?:peux|suis pas en mesure d)" + _AP + r"?\s?(?:pas )?(?:aider|r[ée]pondre|fournir|g[ée]n[ée]rer|cr[ée]er)",
            r"\bes tut mir leid,? aber ich kann (?:dabei )?nicht (?:helfen|behilflich)",
            r"\b(?:извините|простите|к сожалению),? (?:но )?я не могу (?:помочь|выполнить|предоставить|создать)",
            r"(?:抱歉|对不起)[，,]?\s*(?:我)?(?:无法|不能)(?:帮助|提供|满足|完成|生成)",
        ),
        "a chat model's refusal formula",
        ("i cannot ", "sorry", "unable to", "not able to", "can't assist", "can't help", "cannot assist", "cannot help", "can’t assist", "can’t help", "lo siento", "desculpe", "mais je ne", "es tut mir leid", "я не могу", "抱歉", "对不起"),
    ),
    Rule(
        "knowledge_cutoff",
        0.97,
        _rx(
            r"\bas of my (?:last|latest) (?:knowledge |training )?(?:update|cut-?off)\b",
            r"\bmy (?:knowledge|training(?: data)?) (?:cut-?off|is current up to|only goes up to)\b",
            r"\bup to my (?:last )?(?:knowledge )?(?:update|cut-?off)\b",
            r"\bi (?:do not|don" + _AP + r"t) have (?:access to )?real-time (?:information|data)\b",
            r"\bas of my training data\b",
            r"\bhasta mi (?:[úu]ltima actualizaci[óo]n|fecha de corte)\b",
            r"\b(?:lors de|depuis) ma derni[èe]re mise [àa] jour\b",
            r"\bstand meines (?:wissens|trainings)\b",
            r"\bна момент (?:моего )?последнего обновления\b",
        ),
        "a reference to the model's knowledge cut-off",
        ("as of my", "my knowledge", "my training", "up to my", "real-time", "hasta mi", "ma derni", "stand meines", "последнего обновления"),
    ),
    Rule(
        "placeholder",
        0.9,
        _rx(
            r"\[(?:your|insert|enter|add|recipient|company|product|name|date|city|country|link|url|topic|brand|location|title|number|phone|email)\b[^\]\n]{0,40}\]",
            r"\{(?:your|insert|recipient|company|name|date|link)\b[^}\n]{0,40}\}",
            r"<(?:your|insert)\b[^>\n]{0,40}>",
            r"\[(?:tu|su|votre|ihr|ihre|seu|sua) (?:nombre|nom|name|nome)\]",
        ),
        "an unfilled template placeholder such as [Your Name]",
        ("[", "{", "<"),
    ),
    Rule(
        "chat_preamble",
        0.85,
        _rx(
            r"^(?:sure|certainly|of course|absolutely)[!,.]? here(?:" + _AP + r"s| is| are)\b",
            r"\bhere (?:is|are) (?:a|an|some|the|\d+|your) (?:[\w-]+ ){0,4}(?:tweets?|posts?|comments?|replies|reply|reviews?|captions?|headlines?|messages?|versions?|articles?)(?: \w+){0,6}:",
            r"\bfeel free to (?:adjust|modify|customi[sz]e|tweak)\b",
            r"\bclaro[!,.]? aqu[íi] (?:tienes|est[áa])\b",
            r"\bbien s[ûu]r[!,.]? voici\b",
            r"\bnat[üu]rlich[!,.]? hier (?:ist|sind)\b",
        ),
        "a chat assistant's preamble or sign-off posted with the text",
        ("here", "feel free", "aquí", "aqui", "voici", "hier "),
    ),
    Rule(
        "leaked_instruction",
        0.95,
        _rx(
            r"\byou are a helpful assistant\b",
            r"\bsystem prompt\s*:",
            r"\b(?:write|generate|compose) (?:a|an|\d+) (?:[\w-]+ ){0,4}(?:tweets?|posts?|comments?|replies|reviews?)\b[^.\n]{0,80}\b(?:in the style of|that sounds?|pretending|as if you were)\b",
            r"\bregenerate response\b",
            r"\b(?:user|assistant)\s*:\s*(?:write|generate|sure|certainly)\b",
        ),
        "prompt or system text leaked into the output",
        ("helpful assistant", "system prompt", "in the style of", "that sound", "pretending", "as if you were", "regenerate response", "user", "assistant"),
    ),
)

RULE_STRENGTH: dict[str, float] = {r.name: r.strength for r in RULES}
RULE_STRENGTH["evasion_invisible"] = 0.6
RULE_STRENGTH["evasion_homoglyph"] = 0.6


def content_artefacts(normalised: str) -> list[str]:
    """Names of the content rules that fire on already-normalised text, in rule order."""
    low = normalised.lower()
    return [r.name for r in RULES if any(a in low for a in r.anchors) and r.pattern.search(normalised)]


def report_artefacts(rep: NormaliseReport) -> list[str]:
    """Rule names for a text already normalised with :func:`normalise_report`."""
    found = content_artefacts(rep.text)
    if rep.invisible:
        found.append("evasion_invisible")
    if rep.homoglyphs:
        found.append("evasion_homoglyph")
    return found


def artefacts(text: str) -> list[str]:
    """Normalise ``text`` and return the names of the artefact rules that fire.

    Besides the content rules (:data:`RULES`), ``evasion_invisible`` fires when
    zero-width/bidi/tag characters were removed and ``evasion_homoglyph`` when
    look-alike letters were mapped to Latin.
    """
    return report_artefacts(normalise_report(text))


def artefact_score(names: list[str]) -> float:
    """The strongest rule among ``names`` (0 when none fired)."""
    return max((RULE_STRENGTH.get(n, 0.0) for n in names), default=0.0)
