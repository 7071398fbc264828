"""Normalisation against cheap evasions: NFKC, invisible characters, homoglyphs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from opwatch.signals.aitext.normalise import HOMOGLYPHS, normalise, normalise_report


def test_zero_width_and_bidi_and_tag_characters_are_removed_and_counted() -> None:
    attacked = "as\u200b an\u200c A\u2060I\u202e lan\ufeffguage\u2066 model\U000e0041"
    rep = normalise_report(attacked)
    assert rep.text == "as an AI language model"
    assert rep.invisible == 7


def test_emoji_joiner_and_variation_selector_are_not_counted_as_evasion() -> None:
    rep = normalise_report("family \U0001f468\u200d\U0001f469 love \u2764\ufe0f")
    assert rep.invisible == 0
    assert "\u200d" not in rep.text and "\ufe0f" not in rep.text


def test_nfkc_folds_fullwidth_and_mathematical_letters() -> None:
    assert normalise("ＡＳ ＡＮ ＡＩ") == "AS AN AI"
    assert normalise("\U0001d41a\U0001d42c \U0001d41a\U0001d427") == "as an"  # bold math letters
    assert normalise("ﬁne") == "fine"  # ligature


def test_cyrillic_and_greek_lookalikes_inside_latin_words_are_mapped() -> None:
    # Cyrillic а, е, о, р and Greek ο, ν mixed into English words
    rep = normalise_report("Vоtе fоr thе реорlе, nοt thе elite. Gοvernment")
    assert rep.text == "Vote for the people, not the elite. Government"
    assert rep.homoglyphs == 12


def test_whole_lookalike_words_are_mapped_in_latin_text() -> None:
    # "as" written entirely in Cyrillic inside an English sentence
    assert normalise("I write \u0430\u0455 a human would") == "I write as a human would"


def test_genuine_russian_and_greek_text_is_left_alone() -> None:
    ru = "Это хорошая новость для всех, а не только для нас"
    el = "Η κυβέρνηση ανακοίνωσε νέα μέτρα"
    assert normalise(ru) == ru
    assert normalise(el) == el
    assert normalise_report(ru).homoglyphs == 0


def test_whitespace_is_collapsed() -> None:
    assert normalise("  one\n\ntwo\t three\u00a0four ") == "one two three four"


def test_empty_and_ascii_fast_path() -> None:
    assert normalise("") == ""
    rep = normalise_report("plain ascii  text")
    assert rep == type(rep)("plain ascii text", 0, 0, False)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")) | st.text(alphabet="aeoрсхАЕ\u200b ι\u202e\n"))
def test_normalise_is_idempotent_and_leaves_no_invisible(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert not any(c in once for c in "\u200b\u200c\u202e\u2066\ufeff")


def test_every_homoglyph_maps_to_ascii() -> None:
    assert all(v.isascii() and v.isalpha() for v in HOMOGLYPHS.values())
