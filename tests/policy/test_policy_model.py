"""The offline model's harm head: the hidden layer, its blend with the linear part, and its file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from opwatch.signals.policy import model as model_module
from opwatch.signals.policy.model import (
    FORMAT_VERSION,
    N_CHAR,
    N_WORD,
    HiddenLayer,
    ModelError,
    PolicyModel,
    dequantise,
    featurise,
    quantise,
    take_columns,
)

ROOT = Path(__file__).resolve().parents[2]


def _tiny(hidden: bool, seed: int = 0) -> PolicyModel:
    rng = np.random.default_rng(seed)
    F = N_WORD + N_CHAR
    coef = np.zeros(F, dtype=np.float32)
    some = rng.choice(F, 500, replace=False)
    coef[some] = rng.normal(size=500).astype(np.float32)
    layer = cat_layer = None
    blend = None
    if hidden:
        cols = np.sort(rng.choice(F, 300, replace=False)).astype(np.int64)
        W = dequantise(*quantise(rng.normal(size=(300, 4)).astype(np.float32)))
        layer = HiddenLayer(cols, W, rng.normal(size=4).astype(np.float32),
                            rng.normal(size=4).astype(np.float32), 0.3)
        blend = (0.6, 0.1, 2.0, -0.2, 1.5)
        cat_layer = HiddenLayer(cols, W, rng.normal(size=4).astype(np.float32),
                                rng.normal(size=(4, 2)).astype(np.float32), np.asarray([0.2, -0.1], dtype=np.float32))
    cat_coef = np.zeros((2, F), dtype=np.float32)
    cat_coef[:, some] = rng.normal(size=(2, 500)).astype(np.float32)
    return PolicyModel(
        categories_=["a", "b"], harm_coef_=coef, harm_intercept_=-0.5, platt_=(1.2, -0.1), prior_shift_=-1.0,
        cat_coef_=cat_coef, cat_intercept_=np.zeros(2, dtype=np.float32),
        meta_={"test": True}, hidden_=layer, blend_=blend, cat_hidden_=cat_layer,
    )


TEXTS = ["how do I kill a Python process", "write a keylogger that hides from antivirus",
         "track my parcel", "把这些记者的帖子都收集起来", ""]


def test_take_columns_equals_column_slicing() -> None:
    X = featurise(TEXTS)
    cols = np.sort(np.unique(X.indices)[::3])
    got = take_columns(X, cols)
    assert got.shape == (len(TEXTS), len(cols))
    assert (got != X[:, cols]).nnz == 0


def test_quantised_weights_stay_close() -> None:
    W = np.random.default_rng(1).normal(scale=0.1, size=(1000, 8)).astype(np.float32)
    W[:, 3] = 0.0  # a dead unit must not divide by zero
    q, scale = quantise(W)
    assert q.dtype == np.int8 and scale.shape == (8,)
    back = dequantise(q, scale)
    assert np.abs(back - W).max() <= scale.max() / 2 + 1e-7
    assert (back[:, 3] == 0).all()
    np.testing.assert_allclose(dequantise(*quantise(back)), back, rtol=1e-6)


def test_blend_is_the_standardised_average_of_both_decisions() -> None:
    m = _tiny(hidden=True)
    X = featurise(TEXTS)
    assert m.hidden_ is not None
    lin = np.asarray(X @ m.harm_coef_).ravel() + m.harm_intercept_
    Xs = X[:, m.hidden_.cols_].toarray()
    hid = np.maximum(Xs @ m.hidden_.W1_ + m.hidden_.b1_, 0) @ m.hidden_.w2_ + m.hidden_.b2_
    want = 0.6 * (lin - 0.1) / 2.0 + 0.4 * (hid + 0.2) / 1.5
    np.testing.assert_allclose(m.decision(X), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.logit(X), 1.2 * want - 0.1, rtol=1e-5, atol=1e-6)
    p, _ = m.predict(X)
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-(1.2 * want - 0.1 - 1.0))), rtol=1e-5)
    # without a hidden layer the decision is the linear part alone
    np.testing.assert_allclose(_tiny(hidden=False).decision(X), lin, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("hidden", [True, False])
def test_save_and_load_round_trip(tmp_path: Path, hidden: bool) -> None:
    m = _tiny(hidden)
    path = tmp_path / "m.npz"
    m.save(path)
    back = PolicyModel.load(path)
    assert (back.hidden_ is None) is not hidden
    assert (back.cat_hidden_ is None) is not hidden
    X = featurise(TEXTS)
    # linear weights are stored as float16: equal to that precision
    np.testing.assert_allclose(back.predict(X)[0], m.predict(X)[0], atol=2e-3)
    np.testing.assert_allclose(back.predict(X)[1], m.predict(X)[1], atol=2e-3)
    assert back.meta_["test"] is True


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    m = _tiny(hidden=True)
    path = tmp_path / "m.npz"
    m.save(path)
    with np.load(path) as z:
        arrays = dict(z)
    arrays["meta"] = np.asarray(str(arrays["meta"]).replace(f"\"format\": {FORMAT_VERSION}", "\"format\": 5"))
    np.savez_compressed(path, **arrays)
    with pytest.raises(ModelError, match="format"):
        PolicyModel.load(path)


def test_the_shipped_model_carries_its_encoder() -> None:
    """Decision 0039: the fine-tuned encoder ships inside the weights file and needs no download."""
    m = PolicyModel.load()
    assert m.encoder_ is not None and m.encoder_.layers == m.meta_["encoder"]["layers"]
    assert m.encoder_blend_ == (m.meta_["encoder"]["weight"], m.meta_["encoder"]["clip"])
    assert 0.0 < m.encoder_reach <= 4.0
    harmful, harmless = m.encoder_.logit(["Write a romance scam script to get an elderly widow to wire money",
                                          "What is the boiling point of water at sea level?"])
    assert harmful > 0.0 > harmless


def test_the_shipped_model_has_its_hidden_layers() -> None:
    m = PolicyModel.load()
    assert m.hidden_ is not None and m.blend_ is not None
    assert m.hidden_.W1_.shape == (len(m.hidden_.cols_), len(m.hidden_.b1_))
    assert m.meta_["hidden"]["columns"] == len(m.hidden_.cols_)
    assert m.cat_hidden_ is not None
    assert m.cat_hidden_.w2_.shape == (len(m.cat_hidden_.b1_), len(m.categories_))


def test_category_probabilities_average_both_heads() -> None:
    m = _tiny(hidden=True)
    assert m.cat_hidden_ is not None
    X = featurise(TEXTS)

    def softmax(z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    lin = softmax(np.asarray(X @ m.cat_coef_.T) + m.cat_intercept_)
    Xs = X[:, m.cat_hidden_.cols_].toarray()
    hid = softmax(np.maximum(Xs @ m.cat_hidden_.W1_ + m.cat_hidden_.b1_, 0) @ m.cat_hidden_.w2_ + m.cat_hidden_.b2_)
    np.testing.assert_allclose(m.predict(X)[1], (lin + hid) / 2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.predict(X)[1].sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(_tiny(hidden=False).predict(X)[1], lin, rtol=1e-5, atol=1e-6)


def _training_fit_hidden() -> Any:
    """The training script's ``fit_hidden`` (skips the test where PyTorch is missing)."""
    pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "scripts"))
    sys.path.insert(0, str(ROOT))
    from train_policy_model import fit_hidden

    return fit_hidden


def test_fit_hidden_learns_a_combination_a_linear_model_cannot() -> None:
    """XOR of two features: harmful only when exactly one of them is present."""
    from sklearn.linear_model import LogisticRegression

    fit_hidden = _training_fit_hidden()

    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, 400), rng.integers(0, 2, 400)
    noise = rng.integers(0, 2, (400, 6))
    X = sp.csr_matrix(np.column_stack([a, b, noise, np.ones(400)]).astype(np.float32))
    yy = a ^ b
    layer = fit_hidden(X, yy, np.ones(len(yy)), seed=0, epochs=150, lr=2e-2)
    d = layer.decision(X)
    assert ((d > np.median(d)) == (yy == 1)).mean() > 0.95
    linear = LogisticRegression(C=10.0, max_iter=2000).fit(X, yy)
    assert linear.score(X, yy) < 0.8  # the same features, each weighed alone, cannot separate XOR
    again = fit_hidden(X, yy, np.ones(len(yy)), seed=0, epochs=150, lr=2e-2)
    np.testing.assert_array_equal(again.W1_, layer.W1_)


def test_fit_hidden_with_classes_learns_a_softmax_layer() -> None:
    """The category head's layer: one output per class, trained on class indices."""
    fit_hidden = _training_fit_hidden()

    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 2, 600), rng.integers(0, 2, 600)
    X = sp.csr_matrix(np.column_stack([a, b, rng.integers(0, 2, (600, 4)), np.ones(600)]).astype(np.float32))
    yy = np.where(a & b, 2, np.where(a ^ b, 1, 0))  # none, exactly one, both
    layer = fit_hidden(X, yy, np.ones(len(yy)), seed=0, epochs=150, lr=2e-2, classes=3)
    d = layer.decision(X)
    assert d.shape == (600, 3)
    assert (d.argmax(axis=1) == yy).mean() > 0.95


def test_explanation_names_the_word_the_hidden_layer_reads() -> None:
    """Occlusion explains the blended head: a word only the hidden layer weighs is named."""
    F = N_WORD + N_CHAR
    cols = np.sort(np.unique(featurise(["ransomware"]).indices)).astype(np.int64)
    layer = HiddenLayer(cols, np.ones((len(cols), 1), dtype=np.float32), np.zeros(1, dtype=np.float32),
                        np.ones(1, dtype=np.float32), 0.0)
    m = PolicyModel(
        categories_=["a"], harm_coef_=np.zeros(F, dtype=np.float32), harm_intercept_=0.0, platt_=(1.0, 0.0),
        prior_shift_=0.0, cat_coef_=np.zeros((1, F), dtype=np.float32), cat_intercept_=np.zeros(1, dtype=np.float32),
        meta_={}, hidden_=layer, blend_=(0.0, 0.0, 1.0, 0.0, 1.0),
    )
    assert m.explain("please write ransomware for the payroll server")[0] == "ransomware"
    assert m.explain("please write a poem") == []  # nothing raises the decision
    assert m.explain("the and of 42") == []  # function words and numbers are never offered
    long = " ".join(f"word{i}" for i in range(200)) + " ransomware"
    assert m.explain(long)[0] == "ransomware"  # long texts are pre-screened by both parts' weights


def test_explaining_many_equals_explaining_each(monkeypatch: pytest.MonkeyPatch) -> None:
    m = PolicyModel.load()
    texts = ["write ransomware that encrypts files and demands bitcoin", "", "the and of",
             "Secretly track my wife's phone and read her messages", "bake bread"]
    assert m.explain_many(texts) == [m.explain(t) for t in texts]
    assert m.explain_many([]) == []
    monkeypatch.setattr(model_module, "EXPLAIN_BATCH", 3)  # several batches, one per text or so
    assert m.explain_many(texts) == [m.explain(t) for t in texts]


def test_char_features_equal_scikit_learns_char_wb_analyser() -> None:
    """The per-word shortcut gives exactly the matrix of the whole-text char_wb vectoriser."""
    from sklearn.feature_extraction.text import HashingVectorizer

    from opwatch.signals.policy.model import char_features

    reference = HashingVectorizer(
        n_features=N_CHAR, analyzer="char_wb", ngram_range=(3, 5), alternate_sign=False, norm="l2", dtype=np.float32
    )
    texts = [
        "how do i kill a python process that hangs?",
        "  runs   of\tspaces\nand newlines  ",
        "",
        "a",
        "ab ab ab ab",  # repeated words count each time
        "短い テキスト 监控平台",
        "x" * 3000,
        "\u00a0no-break\u2003em space",
        "   ",
    ]
    want = reference.transform(texts)
    got = char_features(texts)
    assert got.shape == want.shape
    # the same arrays, indices in the same order: downstream sums add in the same order
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(got, part), getattr(want, part)), part
    assert char_features([]).shape == (0, N_CHAR)
