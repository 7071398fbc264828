"""The model path on a tiny GPT-2 built here (word-level tokenizer, 2 layers), on CPU, offline."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers reads it: no network
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")
torch.set_num_threads(1)  # tiny model: threads only add contention

from opwatch.signals.aitext.model import (  # noqa: E402
    BinocularsScorer,
    FastDetectScorer,
    make_scorer,
)

SENTENCES = [
    "the cat sat on the mat and the dog sat on the rug",
    "a man walked into the town and bought some bread",
    "the weather was cold and the river froze over night",
    "she wrote a letter to her friend about the long trip",
    "the market opened early and the traders shouted prices",
]


def _build(tmp: Path, name: str, seed: int, train_steps: int = 0) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(SENTENCES, trainers.WordLevelTrainer(special_tokens=["[UNK]", "[EOS]"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", eos_token="[EOS]", pad_token="[EOS]")
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=len(fast), n_positions=64, n_embd=32, n_layer=2, n_head=2,
                     bos_token_id=1, eos_token_id=1)
    model = GPT2LMHeadModel(cfg)
    if train_steps:  # teach it the sentences so their text becomes "its own"
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        batch = fast(SENTENCES, return_tensors="pt", padding=True)
        labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
        for _ in range(train_steps):
            loss = model(**batch, labels=labels).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
    out = tmp / name
    model.save_pretrained(out)
    fast.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("tinylm")
    return _build(tmp, "observer", 0, train_steps=40), _build(tmp, "performer", 1, train_steps=40)


def test_fastdetect_prefers_text_the_model_knows(tiny: tuple[Path, Path]) -> None:
    scorer = FastDetectScorer(tiny[0], device="cpu", batch_size=2)
    own = scorer.score(SENTENCES)
    shuffled = [" ".join(reversed(s.split())) for s in SENTENCES]
    other = scorer.score(shuffled)
    assert np.all(np.isfinite(own)) and np.all(np.isfinite(other))
    assert own.mean() > other.mean()  # its own (memorised) text is "machine-like"


def test_binoculars_scores_and_batches_consistently(tiny: tuple[Path, Path]) -> None:
    texts = SENTENCES + ["rug mat cat the", "bread", ""]
    one = BinocularsScorer(tiny[0], tiny[1], device="cpu", batch_size=1).score(texts)
    many = BinocularsScorer(tiny[0], tiny[1], device="cpu", batch_size=8).score(texts)
    assert np.isnan(one[-1]) and np.isnan(one[-2])  # under two tokens: no score
    np.testing.assert_allclose(one[:-2], many[:-2], rtol=1e-4, atol=1e-5)  # padding must not leak
    own = one[: len(SENTENCES)]
    shuffled = BinocularsScorer(tiny[0], tiny[1]).score([" ".join(reversed(s.split())) for s in SENTENCES])
    assert own.mean() > shuffled.mean()


def test_calibration_sets_a_threshold_at_the_fpr(tiny: tuple[Path, Path]) -> None:
    scorer = FastDetectScorer(tiny[0])
    humans = [" ".join(reversed(s.split())) for s in SENTENCES] * 4
    thr = scorer.calibrate(humans, fpr=0.25)
    flags = scorer.above_threshold(scorer.score(humans))
    assert flags.mean() <= 0.25
    assert thr == scorer.threshold_


def test_make_scorer_errors_say_what_to_pass(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--performer"):
        make_scorer("binoculars", observer=str(tiny[0]))
    with pytest.raises(ValueError, match="--model-path"):
        make_scorer("fastdetect")
    with pytest.raises(ValueError, match="unknown method"):
        make_scorer("detectgpt", model_path=str(tiny[0]))
    with pytest.raises(ValueError, match="device"):
        FastDetectScorer(tiny[0], device="tpu")
    assert isinstance(make_scorer("fastdetect", model_path=str(tiny[0])), FastDetectScorer)


def test_binoculars_refuses_mismatched_tokenizers(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    for f in tiny[1].iterdir():
        (other / f.name).write_bytes(f.read_bytes())
    tok = json.loads((other / "tokenizer.json").read_text())
    vocab = tok["model"]["vocab"]
    a, b = "cat", "dog"
    vocab[a], vocab[b] = vocab[b], vocab[a]
    (other / "tokenizer.json").write_text(json.dumps(tok))
    with pytest.raises(ValueError, match="share one tokenizer"):
        BinocularsScorer(tiny[0], other)


def test_cli_model_path_with_calibration(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from opwatch.cli import main

    inp = tmp_path / "in.jsonl"
    inp.write_text("\n".join(json.dumps({"id": i, "text": s}) for i, s in enumerate(SENTENCES)) + "\n{bad\n")
    humans = tmp_path / "h.jsonl"
    humans.write_text("\n".join(json.dumps({"id": i, "text": " ".join(reversed(s.split()))})
                                for i, s in enumerate(SENTENCES)) + "\n")
    out = tmp_path / "out.jsonl"
    args = ["aitext", str(inp), "--out", str(out), "--observer", str(tiny[0]), "--performer", str(tiny[1]),
            "--calibrate", str(humans), "--device", "cpu", "--batch-size", "2"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(recs) == len(SENTENCES) and all(r["method"] == "binoculars" for r in recs)
    assert all(isinstance(r["above_threshold"], bool) for r in recs)
    assert "1 bad line" in res.output
    bad = CliRunner().invoke(main, ["aitext", str(inp), "--out", str(out), "--model-path", str(tmp_path / "none")])
    assert bad.exit_code != 0 and "could not load the model" in bad.output
