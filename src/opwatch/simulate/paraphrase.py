"""Evasion by rewording: word substitution, clause reordering and filler edits.

Operations that reuse text (the same comment on many accounts, an article
generated on the AI service and then posted) may reword it before use.  The
rewrite keeps the meaning roughly and breaks exact matching; at high strength
it also pushes word-set similarity down, as real paraphrasing tools do.
"""

from __future__ import annotations

import random
import re

_SYNONYMS: dict[str, tuple[str, ...]] = {
    # English
    "great": ("excellent", "amazing", "fantastic"), "good": ("solid", "fine", "decent"),
    "people": ("citizens", "folks", "everyone"), "important": ("crucial", "key", "vital"),
    "truth": ("facts", "reality"), "really": ("truly", "honestly"), "very": ("so", "extremely"),
    "government": ("authorities", "leadership", "administration"), "country": ("nation",),
    "must": ("should", "need to"), "support": ("back", "stand with"), "think": ("believe", "feel"),
    "new": ("fresh", "latest"), "big": ("huge", "major"), "bad": ("awful", "terrible"),
    "agree": ("concur", "second this"), "thanks": ("thank you", "cheers"),
    "amazing": ("incredible", "wonderful"), "shows": ("proves", "demonstrates"),
    "finally": ("at last",), "everyone": ("all of us", "everybody"),
    "help": ("assist", "support"), "write": ("draft", "compose"), "short": ("brief", "concise"),
    "message": ("note", "text"), "friendly": ("warm", "kind"),
    # Spanish
    "gobierno": ("ejecutivo", "las autoridades"), "pueblo": ("la gente", "los ciudadanos"),
    "importante": ("clave", "fundamental"), "verdad": ("realidad",), "país": ("nación",),
    "muy": ("bastante", "realmente"), "grave": ("serio", "preocupante"),
    "nuevo": ("reciente",), "apoyo": ("respaldo",), "crisis": ("emergencia",),
    "demuestra": ("prueba", "confirma"), "mientras": ("en tanto",),
}
_FILLERS = {"en": ("honestly", "really", "just", "literally", "clearly"),
            "es": ("realmente", "claramente", "sin duda")}
_SENT = re.compile(r"(?<=[.!?。！？])\s*")
_WORD = re.compile(r"^(\W*)(\w+)(\W*)$")


def _swap_word(tok: str, rng: random.Random, strength: float) -> str:
    m = _WORD.match(tok)
    if not m:
        return tok
    pre, word, post = m.groups()
    alts = _SYNONYMS.get(word.lower())
    if not alts or rng.random() >= strength:
        return tok
    new = rng.choice(alts)
    if word[0].isupper():
        new = new[0].upper() + new[1:]
    return f"{pre}{new}{post}"


def paraphrase(text: str, rng: random.Random, strength: float, lang: str = "en") -> str:
    """Reword ``text``; ``strength`` in 0..1 sets how much changes (0 returns it unchanged)."""
    if strength <= 0 or not text:
        return text
    if lang == "zh":
        clauses = [c for c in re.split(r"(?<=[，。！？])", text) if c]
        if len(clauses) > 2 and rng.random() < strength:
            i = rng.randrange(len(clauses) - 1)
            clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
        return "".join(clauses)
    sentences = [s for s in _SENT.split(text) if s]
    if len(sentences) > 1 and rng.random() < strength:
        i = rng.randrange(len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    out = []
    fillers = _FILLERS.get(lang, ())
    for sentence in sentences:
        words = [_swap_word(w, rng, strength) for w in sentence.split()]
        if len(words) > 4 and rng.random() < strength / 2:
            # move a trailing phrase to the front (clause reorder)
            cut = rng.randrange(2, len(words) - 1)
            head, tail = words[:cut], words[cut:]
            tail[-1] = tail[-1].rstrip(".!?")
            words = tail + [w.lower() if i == 0 else w for i, w in enumerate(head)]
            words[0] = words[0][:1].upper() + words[0][1:]
            words[-1] = words[-1].rstrip(",") + "."
        if fillers and len(words) > 3 and rng.random() < strength / 2:
            words.insert(rng.randrange(1, len(words)), rng.choice(fillers))
        if len(words) > 6 and rng.random() < strength / 3:
            del words[rng.randrange(1, len(words) - 1)]
        out.append(" ".join(words))
    return " ".join(out)
