"""The language detector: per-account languages and prompt-vs-output mismatch."""

from __future__ import annotations

from behaviour_support import EPOCH_MONDAY, event_rows, evidence, make_ctx

from opwatch.models import SIGNAL_SCHEMA
from opwatch.signals.language import LanguageDetector, clean_for_language, detect_languages

RU = [
    "Напиши, пожалуйста, короткий пост о ценах на электричество в нашем городе",
    "Сделай текст более эмоциональным и добавь вопрос к читателям в конце",
    "Перепиши этот комментарий так, чтобы он звучал как мнение простого жителя",
    "Придумай пять вариантов заголовка для статьи о выборах и транспорте",
]
EN = [
    "Electricity prices in our town have doubled this winter and nobody explains why.",
    "Honestly, who decided that pensioners should pay more for heating than anyone else?",
    "As a local resident I am tired of promises about the new bridge that never comes.",
    "Five headlines: Elections and buses, the city that forgot its commuters, and more.",
]


def test_detect_languages_basic_and_short() -> None:
    out = detect_languages([RU[0], EN[0], "ok", None, "https://example.com/very/long/path/only"])
    assert out[0] == "ru" and out[1] == "en"
    assert out[2] is None and out[3] is None and out[4] is None
    assert clean_for_language("see https://x.y/z and @bob #tag ```code here``` now") == "see and now"


def test_script_shortcut_and_restricted_languages() -> None:
    assert detect_languages(["안녕하세요 여러분 오늘은 날씨가 좋네요", "Καλημέρα σε όλους τους φίλους μας"]) == ["ko", "el"]
    assert detect_languages([EN[0]], languages=("en", "ru")) == ["en"]


def test_prompt_output_mismatch_scored() -> None:
    t = [EPOCH_MONDAY + 60 * i for i in range(4)]
    rows = (
        event_rows("mixer", t, text=RU, response=EN, lang="ru")
        + event_rows("plain", t, text=EN, response=EN)
        + event_rows("poster", t, source="social", kind="post", text=RU)
        + event_rows("empty", t, text=[None] * 4, response=[None, "", None, None])
    )
    out = LanguageDetector().run(make_ctx(rows))
    assert out.schema == SIGNAL_SCHEMA
    by = dict(zip(out.column("account_id").to_pylist(), zip(out.column("score").to_pylist(), evidence(out),
                                                             strict=True), strict=True))
    score, ev = by["mixer"]
    assert score == 1.0 and ev["prompt_language"] == "ru" and ev["output_language"] == "en"
    assert ev["mismatch"] == "ru->en" and ev["declared_languages"] == {"ru": 1.0}
    assert ev["n_samples"] == {"prompt": 4, "output": 4, "post": 0}
    assert by["plain"][0] == 0.0 and by["plain"][1]["main_language"] == "en" and by["plain"][1]["mismatch"] is None
    assert by["poster"][1]["post_language"] == "ru" and by["poster"][0] == 0.0
    assert "empty" not in by  # nothing to read: no signal rather than a guess


def test_sample_is_bounded_and_empty_table() -> None:
    assert LanguageDetector().run(make_ctx([])).num_rows == 0
    t = [EPOCH_MONDAY + i for i in range(20)]
    rows = event_rows("many", t, text=(EN * 5), response=(EN * 5))
    out = LanguageDetector(per_account=2).run(make_ctx(rows))
    assert evidence(out)[0]["n_samples"]["prompt"] == 2
