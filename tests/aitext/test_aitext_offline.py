"""The offline score: shipped weights, batch invariance, evasion resistance, training, aggregation."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from opwatch.signals.aitext import OfflineScorer, aggregate_accounts, fit_threshold
from opwatch.signals.aitext.offline import DEFAULT_WEIGHTS, FeatureConfig, OfflineWeights
from opwatch.signals.aitext.train import Sample, fit_offline, split_of, strip_shared_prefix

NEWS = (
    "The council voted on Tuesday to close the old library on Mill Street, citing repair costs of "
    "nearly two million pounds. Residents said they had not been consulted and promised to fight "
    "the decision at the next public meeting, which is due to take place in March."
)


@pytest.fixture(scope="module")
def scorer() -> OfflineScorer:
    return OfflineScorer()


def test_shipped_weights_are_small_and_documented() -> None:
    assert DEFAULT_WEIGHTS.stat().st_size < 1_000_000
    card = json.loads((DEFAULT_WEIGHTS.parent / "MODEL_CARD.json").read_text())
    licences = {s["name"]: s["licence"] for s in card["sources"]}
    assert len(licences) >= 4 and all(licences.values())
    assert any("MIT" in v for v in licences.values())
    assert card["thresholds"]["text_logit_at_1pct_fpr"] == OfflineScorer().weights_.threshold_logit


def test_scores_are_in_unit_interval_and_short_texts_get_none(scorer: OfflineScorer) -> None:
    s = scorer.score([NEWS, "too short to judge", "", NEWS.upper()])
    assert 0.0 <= s[0] <= 1.0 and 0.0 <= s[3] <= 1.0
    assert np.isnan(s[1]) and np.isnan(s[2])
    assert 0.0 < scorer.threshold < 1.0


def test_score_of_a_text_does_not_depend_on_its_batch_or_chunking(scorer: OfflineScorer) -> None:
    rng = random.Random(3)
    words = NEWS.split()
    texts = [" ".join(rng.sample(words, rng.randint(8, len(words)))) for _ in range(40)]
    alone = np.array([scorer.score([t])[0] for t in texts])
    together = scorer.score(texts)
    chunked = scorer.components(texts, chunk=7)["logit"]
    np.testing.assert_allclose(alone, together, rtol=1e-9)
    np.testing.assert_allclose(np.log(together / (1 - together)), chunked, rtol=1e-6, atol=1e-6)


def test_evasions_do_not_change_the_score(scorer: OfflineScorer) -> None:
    attacked = (
        NEWS.replace("o", "\u043e", 5).replace("e", "\u0435", 5).replace(" ", " \u200b", 6)
    )
    assert attacked != NEWS
    a, b = scorer.score([NEWS, attacked])
    assert a == pytest.approx(b)


def test_fit_threshold_keeps_at_most_the_fpr_above() -> None:
    h = np.arange(1000, dtype=float)
    t = fit_threshold(h, 0.01)
    assert (h > t).mean() <= 0.01
    assert (h >= t).mean() > 0.01 - 1e-9
    assert fit_threshold(np.array([5.0]), 0.01) == 5.0
    with pytest.raises(ValueError):
        fit_threshold(np.array([]), 0.01)


def test_account_threshold_falls_with_more_texts(scorer: OfflineScorer) -> None:
    ts = [scorer.account_threshold(n) for n in (1, 2, 5, 20, 100, 1000)]
    assert ts[0] == scorer.weights_.threshold_logit
    assert all(a >= b - 1e-9 for a, b in zip(ts, ts[1:], strict=False))


def test_aggregate_accounts(scorer: OfflineScorer) -> None:
    acc = ["a", "a", "a", "b", "c", "c"]
    scores = np.array([0.9, 0.8, np.nan, 0.1, 0.5, 0.5])
    tab = aggregate_accounts(acc, scores, scorer).to_pylist()
    by = {r["account"]: r for r in tab}
    assert by["a"]["n_texts"] == 2  # the NaN (too short) text is ignored
    assert by["a"]["mean_logit"] == pytest.approx((np.log(9) + np.log(4)) / 2)
    assert by["c"]["score"] == pytest.approx(0.5)
    assert by["b"]["threshold_logit"] == pytest.approx(scorer.account_threshold(1))
    assert set(aggregate_accounts(acc, scores, min_texts=2).column("account").to_pylist()) == {"a", "c"}
    with pytest.raises(ValueError):
        aggregate_accounts(["a"], np.array([0.1, 0.2]))


def _synthetic(n: int, label: int, seed: int) -> list[Sample]:
    rng = random.Random(seed)
    human = "the a of and to in we they said it was on for with old town river".split()
    machine = "furthermore moreover additionally crucial landscape delve robust pivotal".split()
    pool = human + machine if label else human
    return [
        Sample(" ".join(rng.choice(pool) for _ in range(rng.randint(20, 60))) + ".", label, "toy", None, str(i), "train")
        for i in range(n)
    ]


def test_training_and_calibration_end_to_end(tmp_path: Path) -> None:
    train = _synthetic(150, 0, 1) + _synthetic(150, 1, 2)
    calib = _synthetic(200, 0, 3)
    w = fit_offline(train, calib, FeatureConfig(bits=12), c=1.0)
    path = tmp_path / "w.npz"
    w.save(path)
    loaded = OfflineWeights.load(path)
    assert loaded.config == FeatureConfig(bits=12)
    sc = OfflineScorer(path)
    human = sc.logits([s.text for s in _synthetic(200, 0, 4)])
    machine = sc.logits([s.text for s in _synthetic(200, 1, 5)])
    assert (machine > loaded.threshold_logit).mean() > 0.9
    assert (human > loaded.threshold_logit).mean() < 0.05  # fresh humans: near the 1% target
    with pytest.raises(ValueError, match="human"):
        fit_offline(train, train)


def test_missing_weights_say_how_to_build_them(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="train_aitext"):
        OfflineScorer(tmp_path / "nope.npz")


def test_shared_prefix_is_stripped_from_both_and_split_is_stable() -> None:
    h, m, cut = strip_shared_prefix("a b c d e f", "a  b\nc x y")
    assert (h, m, cut) == ("d e f", "x y", 3)
    assert split_of("xsum prompt") == split_of("xsum prompt")
    assert {split_of(str(i)) for i in range(200)} == {"train", "calib", "test"}
