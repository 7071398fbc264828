"""Rules as code: YAML rules with their own tests, compiled once, matched in bulk.

A rule file holds ``rules:``, each rule with an ``id``, a ``category`` from the
taxonomy, a ``weight`` in (0, 1) (how sure a hit alone makes us; a rule of the
``benign`` category lowers every harmful score by its weight instead), and
conditions:

- ``any``: patterns of which at least ``min_count`` (default 1) must match;
- ``all``: each entry must match; an entry may itself be a list (any of it);
- ``none``: no pattern may match;
- ``langs``: the event's language (given, or guessed) must be one of these.

A ``benign`` rule may say ``protective: true``: its hit (someone protecting
themselves or others, or learning how a harm is detected) lowers *all*
harmful evidence, including the rule hits that flag on their own, which an
ordinary benign-context hit leaves alone (see combine.py, decision 0026).

A list of patterns may hold another list, which is spliced in: a file can
name a list once with a YAML anchor (``&jailbreak_markers [...]``) and reuse
it in several rules (``none: [*jailbreak_markers, "more"]``).

A pattern is a keyword (case-insensitive, whole word, ``*`` at the end for any
ending, spaces match any whitespace) or ``re:`` followed by a regular
expression without capturing groups. Every rule must carry ``tests`` with at
least one ``match`` and one ``no_match`` text, and all of them must pass, or
loading fails with :class:`RuleError`.

Texts are lowercased before matching (write ``re:`` patterns in lowercase).
Matching is built for whole workspaces: every pattern is reduced to the
literal strings it must start with (its *anchors*, see anchors.py); one pass
over the batch finds the anchors each text contains, which gives each text its
candidate rules, and only those run their regular expressions, skipping every
alternative none of whose anchors is present. A pattern without a usable anchor
makes its rule a candidate everywhere (correct, only slower).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from opwatch.signals.policy.anchors import AnchorIndex, Pattern
from opwatch.signals.policy.lang import guess_lang

DEFAULT_RULES_DIR = Path(__file__).resolve().parent / "rules"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


class RuleError(ValueError):
    """A rule file is malformed, or a rule's own tests fail."""


@dataclass(frozen=True)
class RuleHit:
    """One rule that fired on one text."""

    rule: str
    category: str
    weight: float
    match: str
    protective: bool = False


def pattern_source(pattern: str) -> str:
    """Turn a keyword or ``re:`` pattern into regular-expression source."""
    if pattern.startswith("re:"):
        src = _lower_regex(pattern[3:])
    else:
        word = pattern.strip().lower()
        stem = word.endswith("*")
        word = word.rstrip("*").strip()
        if not word:
            raise RuleError(f"empty keyword pattern {pattern!r}")
        src = r"\s+".join(re.escape(part) for part in word.split())
        if stem:
            src += r"\w*"
        if re.match(r"\w", word) and not _CJK.match(word[0]):
            src = r"\b" + src
        if not stem and re.search(r"\w$", word) and not _CJK.match(word[-1]):
            src += r"\b"
    try:
        compiled = re.compile(src)
    except re.error as exc:
        raise RuleError(f"bad regular expression {pattern!r}: {exc}") from exc
    if compiled.groups:
        raise RuleError(f"pattern {pattern!r} has capturing groups; use (?:...) instead")
    return src


def _lower_regex(src: str) -> str:
    """Lowercase a regex's literal characters, leaving escapes (``\\S``, ``\\W``) intact."""
    out, i = [], 0
    while i < len(src):
        if src[i] == "\\" and i + 1 < len(src):
            out.append(src[i : i + 2])
            i += 2
        else:
            out.append(src[i].lower())
            i += 1
    return "".join(out)


def _compile(sources: Sequence[str]) -> Pattern:
    return Pattern(sources)


@dataclass
class Rule:
    """One compiled rule."""

    id: str
    category: str
    weight: float
    description: str
    any_: list[Pattern]
    any_all: Pattern | None
    all_: list[Pattern]
    none_: Pattern | None
    min_count: int
    langs: frozenset[str]
    anchors: frozenset[str] | None  # None: no usable anchor, candidate everywhere
    tests_match: list[tuple[str, str | None]]
    tests_no_match: list[tuple[str, str | None]]
    protective: bool = False

    def check(self, text: str, lang: str | None, present: AbstractSet[str] | None = None) -> str | None:
        """Return the matched text when the rule fires on lowercased ``text``, else None.

        ``present``, when given, holds every anchor of this rule's patterns that ``text``
        contains (:class:`AnchorIndex`); patterns then skip alternatives by set lookups.
        """
        if self.langs and (lang or guess_lang(text)) not in self.langs:
            return None
        found: str | None = None
        if self.any_all is not None:
            m = self.any_all.search(text, present)
            if m is None:
                return None
            found = m.group(0)
            if self.min_count > 1 and sum(1 for p in self.any_ if p.search(text, present)) < self.min_count:
                return None
        for p in self.all_:
            m = p.search(text, present)
            if m is None:
                return None
            found = found or m.group(0)
        if self.none_ is not None and self.none_.search(text, present):
            return None
        return found

    def patterns(self) -> list[Pattern]:
        """Every compiled pattern of the rule."""
        return [p for p in [self.any_all, *self.any_, *self.all_, self.none_] if p is not None]


def _tests(raw: Any, where: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for item in raw or []:
        if isinstance(item, str):
            out.append((item, None))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            out.append((item["text"], item.get("lang")))
        else:
            raise RuleError(f"{where}: a test is a string or {{text, lang}}, got {item!r}")
    return out


def _patterns(raw: Any, where: str) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, list):  # a nested list (a YAML alias of a shared list) is spliced in
        raw = [q for p in raw for q in (p if isinstance(p, list) else [p])]
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise RuleError(f"{where}: expected a list of patterns")
    return [pattern_source(p) for p in raw]


def _best_group_anchors(groups: Sequence[Pattern]) -> frozenset[str] | None:
    """Every ``all`` group must match, so the group with the fewest anchors will do."""
    found = [g.union for g in groups if g.union is not None]
    return min(found, key=len) if found else None


def compile_rule(raw: Any, categories: Sequence[str], where: str) -> Rule:
    """Validate one rule mapping and compile it (its tests are not run here)."""
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: a rule is a mapping")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid:
        raise RuleError(f"{where}: 'id' is required")
    where = f"{where} ({rid})"
    category = raw.get("category")
    if category not in categories:
        raise RuleError(f"{where}: category {category!r} is not in the taxonomy {list(categories)}")
    weight = raw.get("weight", 0.5)
    if not isinstance(weight, int | float) or not 0 < float(weight) < 1:
        raise RuleError(f"{where}: weight must be a number in (0, 1)")
    any_src = _patterns(raw.get("any"), f"{where}.any")
    all_raw = raw.get("all") or []
    if not isinstance(all_raw, list):
        raise RuleError(f"{where}.all: expected a list")
    all_src = [_patterns(entry, f"{where}.all") for entry in all_raw]
    if not any_src and not all_src:
        raise RuleError(f"{where}: needs 'any' or 'all' patterns")
    none_src = _patterns(raw.get("none"), f"{where}.none")
    min_count = raw.get("min_count", 1)
    if not isinstance(min_count, int) or min_count < 1 or (any_src and min_count > len(any_src)):
        raise RuleError(f"{where}: min_count must be between 1 and the number of 'any' patterns")
    langs = raw.get("langs") or []
    if not isinstance(langs, list) or not all(isinstance(x, str) for x in langs):
        raise RuleError(f"{where}.langs: expected a list of language codes")
    protective = raw.get("protective", False)
    if not isinstance(protective, bool) or (protective and category != "benign"):
        raise RuleError(f"{where}: 'protective' is true or false, and only benign rules may be protective")
    tests = raw.get("tests") or {}
    if not isinstance(tests, dict):
        raise RuleError(f"{where}.tests: expected a mapping with 'match' and 'no_match'")
    t_match = _tests(tests.get("match"), f"{where}.tests.match")
    t_no = _tests(tests.get("no_match"), f"{where}.tests.no_match")
    if not t_match or not t_no:
        raise RuleError(f"{where}: rejected, needs at least one tests.match and one tests.no_match")
    any_all = _compile(any_src) if any_src else None
    all_ = [_compile(g) for g in all_src]
    return Rule(
        id=rid,
        category=str(category),
        weight=float(weight),
        description=str(raw.get("description", "")),
        any_=any_all.alternatives() if any_all is not None else [],
        any_all=any_all,
        all_=all_,
        none_=_compile(none_src) if none_src else None,
        min_count=min_count,
        langs=frozenset(langs),
        anchors=any_all.union if any_all is not None else _best_group_anchors(all_),
        tests_match=t_match,
        tests_no_match=t_no,
        protective=protective,
    )


class RuleSet:
    """Compiled rules, matched in bulk with :meth:`match`."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        ids = [r.id for r in rules]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise RuleError(f"duplicate rule ids: {sorted(dup)}")
        self.rules = list(rules)
        self._by_anchor: dict[str, list[int]] = {}
        self._everywhere = [k for k, r in enumerate(self.rules) if r.anchors is None]
        for k, r in enumerate(self.rules):
            for a in r.anchors or ():
                self._by_anchor.setdefault(a, []).append(k)
        self.index = AnchorIndex(x for r in self.rules for p in r.patterns() for x in p.literals())

    def __len__(self) -> int:
        return len(self.rules)

    def self_test(self) -> list[str]:
        """Run every rule's own tests; return the failures (empty when all pass)."""
        failures = []
        for rule in self.rules:
            for text, lang in rule.tests_match:
                if rule.check(text.lower(), lang) is None:
                    failures.append(f"{rule.id}: should match but does not: {text!r}")
                elif not self._anchored(rule, text.lower()):
                    failures.append(f"{rule.id}: matches but its anchors miss: {text!r}")
            for text, lang in rule.tests_no_match:
                if rule.check(text.lower(), lang) is not None:
                    failures.append(f"{rule.id}: should not match but does: {text!r}")
        return failures

    @staticmethod
    def _anchored(rule: Rule, text: str) -> bool:
        return rule.anchors is None or any(a in text for a in rule.anchors)

    def candidates(self, present: Sequence[AbstractSet[str]]) -> list[list[int]]:
        """For each text's anchor set, the indices of the rules that may fire on it, in order."""
        out = []
        for found in present:
            ks = set(self._everywhere)
            for a in found:
                ks.update(self._by_anchor.get(a, ()))
            out.append(sorted(ks))
        return out

    def match(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[list[RuleHit]]:
        """For each text, the rules that fire on it."""
        out: list[list[RuleHit]] = [[] for _ in texts]
        if not texts or not self.rules:
            return out
        lowered = [t.lower() for t in texts]
        present = self.index.presence(lowered)
        for i, ks in enumerate(self.candidates(present)):
            lang = langs[i] if langs is not None else None
            for k in ks:
                rule = self.rules[k]
                found = rule.check(lowered[i], lang, present[i])
                if found is not None:
                    out[i].append(RuleHit(rule.id, rule.category, rule.weight, found[:80], rule.protective))
        return out


def load_rules(paths: Sequence[str | Path] | None = None, categories: Sequence[str] = ()) -> RuleSet:
    """Load rule files (a file or a directory of ``*.yaml``), compile and self-test them.

    ``paths`` defaults to the shipped rules. Raises :class:`RuleError` listing
    every problem when a rule is malformed or fails its own tests.
    """
    files: list[Path] = []
    for p in [Path(x) for x in (paths if paths is not None else [DEFAULT_RULES_DIR])]:
        if p.is_dir():
            files += sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml"))
        elif p.is_file():
            files.append(p)
        else:
            raise RuleError(f"rule path {p} does not exist")
    rules: list[Rule] = []
    for f in files:
        try:
            data = yaml.safe_load(f.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise RuleError(f"{f}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise RuleError(f"{f}: expected a mapping with a 'rules' list")
        rules += [compile_rule(r, categories, f"{f.name}: rules[{i}]") for i, r in enumerate(data["rules"])]
    ruleset = RuleSet(rules)
    failures = ruleset.self_test()
    if failures:
        raise RuleError("rule tests failed:\n  " + "\n  ".join(failures))
    return ruleset
