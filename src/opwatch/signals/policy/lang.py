"""A cheap language guess for rule conditions when an event carries no ``lang``.

It looks at scripts (Han, kana, Hangul, Cyrillic, Arabic) and, for Latin text,
at a handful of frequent function words. It is deliberately coarse: it runs on
every event of a workspace, and an event's own ``lang`` always wins.
"""

from __future__ import annotations

import re

from opwatch.signals.scripts import SINGLE_LANGUAGE_SCRIPTS

_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    *SINGLE_LANGUAGE_SCRIPTS,
    # coarse on purpose: the rules' languages are ru and ar among those written in these scripts
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
)
_LATIN_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the to and of is how what a my for with you in that this it".split()),
    "es": frozenset("el la los las de que y para cómo como una un por con es mi del".split()),
    "fr": frozenset("le la les des et pour comment une un est du avec je mon".split()),
    "de": frozenset("der die das und ist wie ein eine für mit ich nicht zu".split()),
    "pt": frozenset("o a os as de que e para como uma um com não meu".split()),
    "it": frozenset("il lo gli di che per come una un con non mio mia sono della".split()),
}
_WORD = re.compile(r"[a-záéíóúñüàâçèêëîïôûœäöß]+")


def guess_lang(text: str) -> str:
    """Return an ISO 639-1 code, or ``"und"`` when there is nothing to go on."""
    head = text[:400]
    for code, pat in _SCRIPTS:
        if pat.search(head):
            return code
    words = _WORD.findall(head.lower())
    if not words:
        return "und"
    best, best_n = "und", 0
    for code, vocab in _LATIN_WORDS.items():
        n = sum(1 for w in words if w in vocab)
        if n > best_n:
            best, best_n = code, n
    return best if best_n else "en"
