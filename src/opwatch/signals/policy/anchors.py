"""Literal anchors of rule patterns, and which texts of a batch contain them.

A regular expression that can only match text starting with one of a few
literal strings (its *anchors*: ``(?:hack|break)\\s+into`` -> ``hack``,
``break``) need not run on a text containing none of them. This module owns
that reduction (:func:`anchors`), the :class:`Pattern` that skips its
alternatives by their anchors, and the :class:`AnchorIndex` that finds, for a
whole batch at once, every anchor each text contains:

- an anchor made only of word characters can occur only inside one of the
  batch's distinct words, so it is searched in those words (a string far
  shorter than the batch) and the texts come from each word's posting list;
- any other anchor is searched once in all texts joined together (C-speed
  substring search), its positions mapped back to texts.

With that set in hand a pattern tests its anchors by set intersection instead
of a substring search per anchor and text, which is what makes rule matching
cheap on a workspace's worth of events.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

import numpy as np

_SEP = "\x00"
_WORD_RUN = re.compile(r"\w+")


def _frozen(found: set[str] | None) -> frozenset[str] | None:
    return frozenset(found) if found is not None else None


_META = set(".^$*+?{}[]()|\\")


def _group_end(src: str, start: int) -> int:
    """Index of the parenthesis closing the group opened at ``start``."""
    depth, i = 0, start
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = src.index("]", i + 1)
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced group")


def _split_top(src: str) -> list[str]:
    parts, depth, cur, i = [], 0, [], 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            cur.append(src[i : i + 2])
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def anchors(src: str) -> set[str] | None:
    """Literal strings one of which every match of ``src`` starts with; None if unknown."""
    try:
        alts = _split_top(src)
        if len(alts) > 1:
            either = rule_anchors(alts)
            return set(either) if either is not None else None
        while src.startswith(("\\b", "^")):
            src = src[2:] if src.startswith("\\b") else src[1:]
        if src.startswith("(?:"):
            end = _group_end(src, 0)
            if end + 1 < len(src) and src[end + 1] in "?*{":
                return None
            return anchors(src[3:end])
        lit: list[str] = []
        i = 0
        while i < len(src):
            c = src[i]
            if c == "\\" and i + 1 < len(src) and not src[i + 1].isalnum():
                lit.append(src[i + 1])
                i += 2
                continue
            if c in _META:
                if c in "?*{" and lit:
                    lit.pop()
                break
            lit.append(c)
            i += 1
        word = "".join(lit)
        return {word} if len(word.strip()) >= 2 else None
    except ValueError:
        return None


def rule_anchors(sources: Sequence[str]) -> frozenset[str] | None:
    """Anchors of a list of alternatives: all of theirs, or None when one has none."""
    found: set[str] = set()
    for src in sources:
        sub = anchors(src)
        if sub is None:
            return None
        found |= sub
    return frozenset(found)


def literal_first(src: str) -> str:
    """Rewrite a leading ``\\bc`` as ``c(?<!\\w.)`` so the regex engine can jump to the literal."""
    if len(src) > 3 and src.startswith("\\b") and (src[2].isalnum() or src[2] == "_") and src[3] not in "?*+{":
        return src[2] + r"(?<!\w.)" + src[3:]
    return src


class Pattern:
    """Alternatives searched one by one, each skipped unless one of its anchors occurs.

    Python's regex engine scans an alternation position by position; a single
    pattern that starts with a literal is found with a fast substring search.
    Given the anchors a text contains, only the alternatives owning one of them
    (and those without anchors) run, in their written order.
    """

    __slots__ = ("parts", "union", "_literals", "_by_anchor", "_free")

    def __init__(self, sources: Sequence[str]) -> None:
        self._index([(_frozen(anchors(src)), re.compile(literal_first(src))) for src in sources])

    def _index(self, parts: list[tuple[frozenset[str] | None, re.Pattern[str]]]) -> None:
        self.parts = parts
        self._by_anchor: dict[str, list[int]] = {}
        for i, (a, _) in enumerate(self.parts):
            for x in a or ():
                self._by_anchor.setdefault(x, []).append(i)
        self._literals = frozenset(self._by_anchor)
        self._free = [i for i, (a, _) in enumerate(self.parts) if a is None]
        #: The anchors of all alternatives; None when one of them has none.
        self.union: frozenset[str] | None = None if self._free else self._literals

    def alternatives(self) -> list[Pattern]:
        """One pattern per alternative, sharing this one's compiled regexes."""
        out = []
        for part in self.parts:
            one = Pattern.__new__(Pattern)
            one._index([part])
            out.append(one)
        return out

    def literals(self) -> set[str]:
        """Every anchor of every alternative (those an :class:`AnchorIndex` must know)."""
        return set(self._literals)

    def search(self, text: str, present: AbstractSet[str] | None = None) -> re.Match[str] | None:
        """First match in ``text``; ``present`` (when given) must hold every anchor ``text`` contains."""
        if present is None:
            for a, rx in self.parts:
                if a is not None and not any(x in text for x in a):
                    continue
                m = rx.search(text)
                if m is not None:
                    return m
            return None
        if len(self.parts) == 1:
            a, rx = self.parts[0]
            return rx.search(text) if a is None or not a.isdisjoint(present) else None
        hit = self._literals.intersection(present)
        if not hit and not self._free:
            return None
        order = set(self._free)
        for x in hit:
            order.update(self._by_anchor[x])
        for i in sorted(order):
            m = self.parts[i][1].search(text)
            if m is not None:
                return m
        return None


class AnchorIndex:
    """Finds which of a fixed set of anchors each text of a batch contains."""

    def __init__(self, anchors: Iterable[str]) -> None:
        found = sorted(set(anchors))
        self.wordlike = [a for a in found if _WORD_RUN.fullmatch(a)]
        self.other = [a for a in found if not _WORD_RUN.fullmatch(a)]

    def presence(self, lowered: Sequence[str]) -> list[set[str]]:
        """For each (lowercased) text, the set of known anchors it contains."""
        present: list[set[str]] = [set() for _ in lowered]
        if not lowered:
            return present
        postings: dict[str, list[int]] = {}
        for i, text in enumerate(lowered):
            for w in set(_WORD_RUN.findall(text)):
                postings.setdefault(w, []).append(i)
        vocab = list(postings)
        words = "\n".join(vocab)
        word_starts = np.cumsum([0] + [len(w) + 1 for w in vocab[:-1]])
        for anchor in self.wordlike:
            hits = _positions(words, anchor)
            if not hits:
                continue
            for wi in set(np.searchsorted(word_starts, np.asarray(hits), side="right").tolist()):
                for d in postings[vocab[wi - 1]]:
                    present[d].add(anchor)
        joined = _SEP.join(lowered)
        starts = np.cumsum([0] + [len(t) + 1 for t in lowered[:-1]])
        n = len(lowered)
        for anchor in self.other:
            count = joined.count(anchor)
            if count == 0:
                continue
            if count > n // 4 + 8:  # frequent: test each text rather than map each occurrence
                docs: Iterable[int] = [i for i, t in enumerate(lowered) if anchor in t]
            else:
                pos = np.searchsorted(starts, np.asarray(_positions(joined, anchor)), side="right")
                docs = set((pos - 1).tolist())
            for d in docs:
                present[d].add(anchor)
        return present


def _positions(haystack: str, needle: str) -> list[int]:
    """Start of every (possibly overlapping) occurrence of ``needle``."""
    out: list[int] = []
    i = haystack.find(needle)
    while i != -1:
        out.append(i)
        i = haystack.find(needle, i + 1)
    return out
