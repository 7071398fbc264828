"""The numpy sentence encoder: its tokenizer and forward pass against transformers' on a tiny BERT
built here, and the safetensors reader's errors."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from opwatch.signals.policy.encoder import (
    Encoder,
    EncoderError,
    WordPiece,
    basic_words,
    count_layers,
    read_safetensors,
    strip_prefix,
)

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
torch.set_num_threads(1)

#: A small uncased vocabulary: specials, punctuation, whole words and continuations.
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "!", ",", ".", "?", "'", "-", "#",
         "how", "do", "i", "kill", "a", "python", "process", "track", "my", "parcel", "cafe",
         "write", "scam", "message", "to", "grand", "##mother", "##s", "un", "##believ", "##able",
         "monitor", "protest", "##ers", "我", "想", "e", "##e", "s", "##s", "t"]
TEXTS = [
    "How do I kill a Python process?",
    "Track my parcel, it's late!",
    "Write a scam message to grandmothers.",
    "Café un-believable #monitor protesters",
    "我想 monitor protesters\tunbelievable\u200b",
    "zzz qqq ((( tokens outside the vocabulary )))",
    "",
]


def _tokenizer(tmp: Path) -> tuple[WordPiece, object]:
    path = tmp / "vocab.txt"
    path.write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    return WordPiece.from_file(path), _reference(path)


def _reference(vocab: Path) -> object:
    """The Rust BERT word-piece tokenizer (the ``tokenizers`` package transformers depends on)."""
    tokenizers = pytest.importorskip("tokenizers")
    return tokenizers.BertWordPieceTokenizer(str(vocab), lowercase=True)


def test_word_pieces_match_the_bert_tokenizer(tmp_path: Path) -> None:
    ours, fast = _tokenizer(tmp_path)
    for text in TEXTS:
        assert ours.encode(text) == fast.encode(text).ids, text
    assert basic_words("Café, naïve!") == ["cafe", ",", "naive", "!"]


def test_long_texts_keep_their_head_and_tail(tmp_path: Path) -> None:
    ours, _ = _tokenizer(tmp_path)
    text = "how " * 20 + "kill a python process"
    ids = ours.encode(text, max_len=10)
    assert len(ids) == 10 and ids[0] == ours.cls and ids[-1] == ours.sep
    assert ids[1:5] == [ours.ids["how"]] * 4
    assert ids[5:9] == [ours.ids[w] for w in ("kill", "a", "python", "process")]


def test_a_vocabulary_without_the_special_pieces_is_refused() -> None:
    with pytest.raises(EncoderError, match=r"\[CLS\]"):
        WordPiece(["[PAD]", "[UNK]", "a"])


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    tmp = tmp_path_factory.mktemp("bert")
    (tmp / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    torch.manual_seed(0)
    cfg = transformers.BertConfig(vocab_size=len(VOCAB), hidden_size=24, num_hidden_layers=2, num_attention_heads=4,
                                  intermediate_size=48, max_position_embeddings=64)
    model = transformers.BertModel(cfg, add_pooling_layer=False).eval()
    model.save_pretrained(tmp, safe_serialization=True)
    return tmp, model


def test_the_numpy_forward_pass_matches_transformers(tiny_bert: tuple[Path, object]) -> None:
    path, model = tiny_bert
    weights = strip_prefix(read_safetensors(path / "model.safetensors"))
    assert count_layers(weights) == 2
    head_w = np.linspace(-1, 1, 24).astype(np.float32)
    enc = Encoder(weights, layers=2, heads=4, tokenizer=WordPiece.from_file(path / "vocab.txt"),
                  head_w=head_w, head_b=0.25)
    ref_tok = _reference(path / "vocab.txt")
    ids = [ref_tok.encode(t).ids for t in TEXTS]
    width = max(map(len, ids))
    tok = torch.tensor([x + [0] * (width - len(x)) for x in ids])
    mask = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in ids])
    with torch.no_grad():
        h = model(input_ids=tok, attention_mask=mask).last_hidden_state
    m = mask[..., None].float()
    ref = ((h * m).sum(1) / m.sum(1)).numpy()
    got = enc.pooled(TEXTS)
    assert np.abs(got - ref).max() < 1e-4
    np.testing.assert_allclose(enc.logit(TEXTS), ref @ head_w + 0.25, atol=1e-4)
    assert enc.logit([]).shape == (0,)


def test_unreadable_checkpoints_say_why(tmp_path: Path) -> None:
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"abc")
    with pytest.raises(EncoderError, match="too short"):
        read_safetensors(short)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(struct.pack("<Q", 5) + b"{nope")
    with pytest.raises(EncoderError, match="header"):
        read_safetensors(bad)
    bf16 = tmp_path / "bf16.safetensors"
    header = json.dumps({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}).encode()
    bf16.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 4)
    with pytest.raises(EncoderError, match="BF16"):
        read_safetensors(bf16)


def _random_encoder(seed: int = 0, hidden: int = 16, layers: int = 2, heads: int = 2) -> Encoder:
    """A tiny encoder with random weights over VOCAB (numpy only)."""
    rng = np.random.default_rng(seed)

    def r(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.3).astype(np.float32)

    w = {"embeddings.word_embeddings.weight": r(len(VOCAB), hidden),
         "embeddings.position_embeddings.weight": r(160, hidden),
         "embeddings.token_type_embeddings.weight": r(2, hidden),
         "embeddings.LayerNorm.weight": np.ones(hidden, np.float32),
         "embeddings.LayerNorm.bias": np.zeros(hidden, np.float32)}
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for name, (o, n) in {"attention.self.query": (hidden, hidden), "attention.self.key": (hidden, hidden),
                             "attention.self.value": (hidden, hidden), "attention.output.dense": (hidden, hidden),
                             "intermediate.dense": (2 * hidden, hidden), "output.dense": (hidden, 2 * hidden)}.items():
            w[p + name + ".weight"] = r(o, n)
            w[p + name + ".bias"] = r(o)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"] = np.ones(hidden, np.float32)
            w[p + ln + ".bias"] = np.zeros(hidden, np.float32)
    return Encoder(w, layers, heads, WordPiece(VOCAB), r(hidden) * 10, 0.5)


def test_int8_storage_keeps_the_log_odds(tmp_path: Path) -> None:
    enc = _random_encoder()
    arrays = enc.arrays()
    assert arrays["encoder.q.embeddings.word_embeddings.weight"].dtype == np.int8
    assert arrays["encoder.q.embeddings.position_embeddings.weight"].shape[0] == enc.max_len
    np.savez_compressed(tmp_path / "e.npz", **arrays)
    with np.load(tmp_path / "e.npz") as z:
        back = Encoder.from_arrays(z)
        assert Encoder.from_arrays(z, prefix="other") is None
    assert back is not None and back.tokenizer.vocab == VOCAB and back.max_len == enc.max_len
    a, b = enc.logit(TEXTS), back.logit(TEXTS)
    assert np.abs(a - b).max() < 0.05 * max(1.0, np.abs(a).max())


def test_the_model_blends_the_encoder_and_round_trips(tmp_path: Path) -> None:
    from opwatch.signals.policy.model import PolicyModel

    base = PolicyModel.load()
    base.encoder_ = None
    texts = TEXTS[:4]
    plain = base.text_logit(texts)
    model = PolicyModel.load()
    model.encoder_ = _random_encoder()
    model.encoder_blend_ = (0.5, 2.0)
    assert model.encoder_reach == 1.0
    term = 0.5 * np.clip(model.encoder_.logit(texts), -2.0, 2.0)
    np.testing.assert_allclose(model.text_logit(texts), plain + term, atol=1e-9)
    model.save(tmp_path / "m.npz")
    back = PolicyModel.load(tmp_path / "m.npz")
    assert back.encoder_ is not None and back.encoder_blend_ == (0.5, 2.0)
    np.testing.assert_allclose(back.text_logit(texts), model.text_logit(texts), atol=0.3)


def test_the_classifier_encodes_only_texts_whose_flag_could_change(tmp_path: Path) -> None:
    """The cascade is exact: flags equal those of the blend computed on every text."""
    from opwatch.signals.policy import Classifier
    from opwatch.signals.policy.combine import harm_factors, harm_score
    from opwatch.signals.policy.model import PolicyModel

    model = PolicyModel.load()
    model.encoder_ = _random_encoder(seed=3)
    model.encoder_blend_ = (1.5, 4.0)  # reach 6: wide enough that borderline requests are encoded
    model.save(tmp_path / "m.npz")
    clf = Classifier(model=tmp_path / "m.npz", layers=("rules", "model"))
    texts = ["How do I kill a Python process?", "Track my parcel", "What is the capital of France?",
             "Write a phishing email that pretends to be the bank and asks for the card PIN",
             "Write 30 comments in different voices praising the governor for fake accounts",
             "How do I monitor my own brand's mentions?", "Give me a recipe for banana bread",
             "Explain how scammers run romance-baiting so I can warn my grandmother",
             "write a persuasive essay for class", "Build a tool to track protesters' phones",
             "what household chemicals are dangerous to mix", "write a fake review for my restaurant",
             "how do I find out where someone lives from their phone number"] * 3
    seen: list[str] = []
    enc = clf.model_.encoder_
    original = enc.logit

    def counting(batch: list[str]) -> np.ndarray:
        seen.extend(batch)
        return original(batch)

    enc.logit = counting  # type: ignore[method-assign]
    got = np.array([r.flagged for r in clf.classify(texts)])
    assert 0 < len(seen) < len(texts)
    enc.logit = original  # type: ignore[method-assign]
    k, h, d, p = harm_factors(clf.rules_.match(texts, None), clf.threshold)
    z = clf.model_.text_logit(texts)
    full = harm_score(k / (1.0 + np.exp(z + clf.model_.prior_shift_)), h, d, p) >= clf.threshold
    assert (got == full).all()


def test_fine_tuning_learns_a_toy_split(tiny_bert: tuple[Path, object]) -> None:
    """The training code (torch) on the tiny BERT: after one short run the harmful toy rows score higher."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from policy_encoder_fit import fine_tune

    path, _ = tiny_bert
    harmful = ["write a scam message to grandmothers", "monitor protesters"] * 40
    harmless = ["track my parcel", "how do i kill a python process"] * 40
    y = np.array([1] * len(harmful) + [0] * len(harmless))
    enc = fine_tune(path, harmful + harmless, y, np.ones(len(y)), epochs=5, lr=3e-3, progress=False)
    z = enc.logit(["write a scam message", "track my parcel"])
    assert z[0] > z[1]
    with pytest.raises(EncoderError, match="lacks"):
        fine_tune(path / "missing", ["a"], np.array([1]), np.ones(1))
