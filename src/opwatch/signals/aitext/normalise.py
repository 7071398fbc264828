"""Text normalisation against cheap evasions, run before any AI-text rule or score.

Owns: NFKC folding, removal of invisible format characters (zero-width, bidi
controls, Unicode tag characters, variation selectors), mapping Cyrillic/Greek
look-alike letters to Latin inside Latin-script text, and whitespace collapsing.
``normalise_report`` also counts what it removed or mapped, because deliberate
evasion is itself evidence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: invisible characters used to split words or hide text; removed outright
_EVASIVE = (
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # arabic letter mark
    "\u115f\u1160\u3164\uffa0"  # hangul fillers (render blank)
    "\u180e"  # mongolian vowel separator
    "\u200b\u200c"  # zero-width space / non-joiner
    "\u200e\u200f"  # left-to-right / right-to-left marks
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064"  # word joiner, invisible operators
    "\u2066-\u2069"  # bidi isolates
    "\u206a-\u206f"  # deprecated format controls
    "\ufeff"  # byte-order mark / zero-width no-break space
    "\U000e0000-\U000e007f"  # tag characters ("ASCII smuggling")
)
#: invisible characters with benign uses (emoji sequences); removed, not counted
_BENIGN_INVISIBLE = "\u200d\ufe00-\ufe0f\U000e0100-\U000e01ef"

_EVASIVE_RE = re.compile(f"[{_EVASIVE}]")
_BENIGN_RE = re.compile(f"[{_BENIGN_INVISIBLE}]")
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")

#: look-alike letter -> Latin letter (Cyrillic, Greek, a few others)
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic lower case
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ү": "y", "ɡ": "g", "ѵ": "v",
    # Cyrillic upper case
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J", "Ԁ": "D",
    "Ԛ": "Q", "Ԝ": "W", "Һ": "H", "Ӏ": "I", "Ү": "Y",
    # Greek
    "α": "a", "ο": "o", "ρ": "p", "ι": "i", "κ": "k", "ν": "v", "υ": "u", "τ": "t",
    "ϲ": "c", "ϳ": "j", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I",
    "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "Ϲ": "C",
    # Armenian and Latin extensions that pass NFKC unchanged
    "օ": "o", "ս": "u", "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i", "ℓ": "l",
}  # fmt: skip
_HOMO_TABLE = str.maketrans(HOMOGLYPHS)
_HOMO_RE = re.compile("[" + "".join(sorted(HOMOGLYPHS)) + "]")


@dataclass(frozen=True)
class NormaliseReport:
    """What normalisation found: the text, and counts of evasive characters."""

    text: str
    invisible: int  # zero-width, bidi and tag characters removed
    homoglyphs: int  # look-alike letters mapped to Latin
    nfkc_changed: bool  # NFKC changed the text (full-width, math letters, ligatures…)


def _is_ascii_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _map_homoglyphs(text: str) -> tuple[str, int]:
    """Map look-alikes inside words that read as Latin; leave real Cyrillic/Greek words alone.

    A word is mapped when every non-ASCII letter in it has a Latin look-alike and
    either the word already holds an ASCII letter or the text is mostly ASCII
    letters. A word with a letter that has no look-alike (``д``, ``λ``) is genuine
    Cyrillic/Greek and is kept.
    """
    if not _HOMO_RE.search(text):
        return text, 0
    letters = [c for c in text if c.isalpha()]
    ascii_n = sum(1 for c in letters if _is_ascii_letter(c))
    latin_text = ascii_n * 2 > len(letters)
    mapped = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal mapped
        word = m.group(0)
        if not _HOMO_RE.search(word):
            return word
        has_ascii = False
        for c in word:
            if _is_ascii_letter(c):
                has_ascii = True
            elif c.isalpha() and c not in HOMOGLYPHS:
                return word  # a letter with no Latin look-alike: genuine script
        if not (has_ascii or latin_text):
            return word
        mapped += sum(1 for c in word if c in HOMOGLYPHS)
        return word.translate(_HOMO_TABLE)

    return _WORD_RE.sub(fix, text), mapped


def normalise_report(text: str) -> NormaliseReport:
    """Normalise ``text`` and report how many evasive characters were removed or mapped."""
    if text.isascii():  # fast path: nothing to fold, strip or map
        return NormaliseReport(_SPACE_RE.sub(" ", text).strip(), 0, 0, False)
    folded = unicodedata.normalize("NFKC", text)
    nfkc_changed = folded != text
    stripped, invisible = _EVASIVE_RE.subn("", folded)
    stripped = _BENIGN_RE.sub("", stripped)
    mapped, homoglyphs = _map_homoglyphs(stripped)
    while homoglyphs:  # mapping can tip a text to mostly-Latin: repeat to a fixed point
        mapped, more = _map_homoglyphs(mapped)
        if not more:
            break
        homoglyphs += more
    collapsed = _SPACE_RE.sub(" ", mapped).strip()
    return NormaliseReport(collapsed, invisible, homoglyphs, nfkc_changed)


def normalise(text: str) -> str:
    """NFKC, drop invisible characters, map look-alike letters to Latin, collapse whitespace.

    Idempotent: ``normalise(normalise(t)) == normalise(t)``.
    """
    return normalise_report(text).text
