"""Fine-tune a pretrained BERT-style sentence encoder as a harm head (decision 0039).

Training needs torch and transformers (``pip install 'opwatch[models]'``); the result is an
:class:`opwatch.signals.policy.encoder.Encoder` that classifies with numpy alone. The starting
checkpoint is a directory with ``model.safetensors``, ``vocab.txt`` and ``config.json`` (the
shipped model started from all-MiniLM-L6-v2; ``scripts/fetch_encoder.sh`` fetches and checks it).

One epoch over the training rows, mean pooling, a linear head, binary cross-entropy weighted
as the n-gram head is (class-balanced, shared rows and file weights as given), AdamW with a
linear warm-up and decay. Rows are read as at most ``TRAIN_LEN`` word pieces (head and tail).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from opwatch.signals.policy.encoder import (  # noqa: E402
    Encoder,
    EncoderError,
    WordPiece,
    count_layers,
    read_safetensors,
    strip_prefix,
)

#: Word pieces a training row is read as (inference reads up to encoder.MAX_LEN).
TRAIN_LEN = 64
BATCH = 32
LR = 5e-5
EPOCHS = 1
#: The checkpoint the shipped model started from, and its sha256 (Hugging Face revision 1110a24).
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def checkpoint_sha256(directory: Path) -> str:
    """sha256 of a checkpoint's ``model.safetensors``."""
    h = hashlib.sha256()
    with (directory / "model.safetensors").open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _batches(lengths: list[int], rng: random.Random) -> list[list[int]]:
    """Shuffled batches of rows of similar length (sorted within chunks of 50 batches: little padding)."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out: list[list[int]] = []
    for s in range(0, len(order), BATCH * 50):
        chunk = sorted(order[s : s + BATCH * 50], key=lambda i: lengths[i])
        out += [chunk[i : i + BATCH] for i in range(0, len(chunk), BATCH)]
    rng.shuffle(out)
    return out


def fine_tune(checkpoint: Path, texts: list[str], y: np.ndarray, sample_weight: np.ndarray, seed: int = 0,
              epochs: int = EPOCHS, lr: float = LR, progress: bool = True) -> Encoder:
    """Fine-tune the checkpoint's encoder and a linear head on ``texts`` (``y`` 1 = harmful)."""
    import torch
    from transformers import BertConfig, BertModel

    for name in ("model.safetensors", "vocab.txt", "config.json"):
        if not (checkpoint / name).exists():
            raise EncoderError(f"{checkpoint} lacks {name}: fetch the checkpoint with scripts/fetch_encoder.sh")
    cfg_json = json.loads((checkpoint / "config.json").read_text())
    weights = strip_prefix(read_safetensors(checkpoint / "model.safetensors"))
    layers = count_layers(weights)
    cfg = BertConfig(**{k: v for k, v in cfg_json.items() if not k.startswith("_")})
    torch.manual_seed(seed)
    rng = random.Random(seed)
    bert = BertModel(cfg, add_pooling_layer=False)
    missing, unexpected = bert.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
    if unexpected or any("position_ids" not in k for k in missing):
        raise EncoderError(f"{checkpoint}: not a BERT checkpoint (missing {missing[:3]}, unexpected {unexpected[:3]})")
    head = torch.nn.Linear(cfg.hidden_size, 1)
    tok = WordPiece.from_file(checkpoint / "vocab.txt")
    ids = [tok.encode(t, TRAIN_LEN) for t in texts]
    yt = torch.tensor(y, dtype=torch.float32)
    sw = torch.tensor(sample_weight, dtype=torch.float32)
    pos, neg = float((sw * yt).sum()), float((sw * (1 - yt)).sum())
    cw = torch.where(yt > 0, (pos + neg) / (2 * pos), (pos + neg) / (2 * neg)) * sw
    cw = cw / cw.mean()
    params = list(bert.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    plan = [b for _ in range(epochs) for b in _batches([len(x) for x in ids], rng)]
    warm = max(1, len(plan) // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (len(plan) - s) / max(1, len(plan) - warm)))
    loss_f = torch.nn.BCEWithLogitsLoss(reduction="none")
    bert.train()
    t0 = time.time()
    for step, b in enumerate(plan):
        width = max(len(ids[i]) for i in b)
        x = torch.zeros(len(b), width, dtype=torch.long)
        mask = torch.zeros(len(b), width, dtype=torch.long)
        for r, i in enumerate(b):
            x[r, : len(ids[i])] = torch.tensor(ids[i])
            mask[r, : len(ids[i])] = 1
        h = bert(input_ids=x, attention_mask=mask).last_hidden_state
        m = mask[..., None].float()
        out = head((h * m).sum(1) / m.sum(1)).squeeze(-1)
        loss = (loss_f(out, yt[b]) * cw[b]).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        if progress and step % 200 == 0:
            el = time.time() - t0
            print(f"  encoder step {step}/{len(plan)}, loss {loss.item():.3f}, {el:.0f} s, "
                  f"about {el / (step + 1) * (len(plan) - step):.0f} s left", file=sys.stderr, flush=True)
    bert.eval()
    tuned = {k: v.detach().numpy().astype(np.float32) for k, v in bert.state_dict().items()
             if "position_ids" not in k}
    return Encoder(tuned, layers, cfg.num_attention_heads, tok,
                   head.weight.detach().numpy()[0].astype(np.float32), float(head.bias.detach()[0]))
