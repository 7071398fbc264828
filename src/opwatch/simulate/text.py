"""Benign text: slot-template filling and composed prompts, answers and posts.

``fill`` expands ``{slot}`` placeholders from a language's slot vocabulary
(``{n}``, ``{n2}``, ``{n3}`` are numbers; a capitalised slot name capitalises the
value).  ``benign_prompt`` and ``benign_post`` compose an opener, a topic
template, an optional context and a closer, in one of eight languages.
"""

from __future__ import annotations

import random
import re
from typing import Any

from opwatch.simulate.lexicon_en import EN
from opwatch.simulate.lexicon_intl import DE, ES, FR, PT
from opwatch.simulate.lexicon_more import AR, RU, ZH

LEXICONS: dict[str, dict[str, Any]] = {
    "en": EN, "es": ES, "pt": PT, "fr": FR, "de": DE, "zh": ZH, "ru": RU, "ar": AR,
}
LANGS = tuple(LEXICONS)
_SLOT = re.compile(r"\{(\w+)\}")
_NUMERIC = {"n": (2, 60), "n2": (1, 40), "n3": (10, 400), "yrs": (1, 25), "days": (2, 14),
            "age": (5, 12), "goals": (1, 4)}

def fill(template: str, lang: str, rng: random.Random, extra: dict[str, Any] | None = None) -> str:
    """Expand the ``{slot}`` placeholders of ``template`` with words of ``lang``."""
    slots = LEXICONS[lang]["slots"]

    def pick(m: re.Match[str]) -> str:
        key = m.group(1)
        low = key[0].lower() + key[1:]
        if low in _NUMERIC:
            lo, hi = _NUMERIC[low]
            return str(rng.randint(lo, hi))
        pool = None
        if extra and low in extra:
            pool = extra[low]
        elif low in slots:
            pool = slots[low]
        if pool is None:
            raise KeyError(f"slot {low!r} missing for language {lang!r}")
        value = rng.choice(pool) if isinstance(pool, (list, tuple)) else str(pool)
        return value[0].upper() + value[1:] if key[0].isupper() and value else value

    return _SLOT.sub(pick, template)


def _join(parts: list[str], lang: str) -> str:
    sep = "" if lang == "zh" else " "
    return sep.join(p for p in parts if p).strip()


def prompt_topics(lang: str) -> tuple[str, ...]:
    return tuple(LEXICONS[lang]["ask"])


def benign_prompt(rng: random.Random, lang: str, topic: str | None = None) -> tuple[str, str, str]:
    """A benign prompt, the model's answer and the topic, in ``lang``."""
    lex = LEXICONS[lang]
    if topic is None or topic not in lex["ask"]:
        topic = rng.choice(tuple(lex["ask"]))
    core = fill(rng.choice(lex["ask"][topic]), lang, rng)
    parts = [rng.choice(lex["open"]), core]
    if rng.random() < 0.6:
        parts.append(fill(rng.choice(lex["ctx"]), lang, rng))
    parts.append(rng.choice(lex["close"]))
    text = _join(parts, lang)
    if rng.random() < 0.25 and lang != "zh":
        text = text[0].lower() + text[1:]
    return text, fill(rng.choice(lex["reply"]), lang, rng), topic


def post_topics(lang: str) -> tuple[str, ...]:
    return tuple(LEXICONS[lang]["post"])


def benign_post(rng: random.Random, lang: str, topic: str | None = None) -> tuple[str, tuple[str, ...]]:
    """A benign social post in ``lang`` and its hashtags."""
    lex = LEXICONS[lang]
    topic = topic if topic in lex["post"] else rng.choice(tuple(lex["post"]))
    text = fill(rng.choice(lex["post"][topic]), lang, rng)
    if rng.random() < 0.5:
        text = rng.choice(lex["pre"]) + ("" if lang == "zh" else " ") + text
    if rng.random() < 0.8:
        sep = "" if lang == "zh" else (" " if text[-1:] in ".!?" else ". ")
        text = text + sep + fill(rng.choice(lex["tail"]), lang, rng)
    tags: tuple[str, ...] = ()
    if rng.random() < 0.3:
        tags = (rng.choice(lex["tags"].get(topic, ("life",))),)
    if rng.random() < 0.3:
        text += rng.choice((" :)", " lol", "!!", " 🙂", " 😅", "...", " 🔥", ""))
    return text, tags
