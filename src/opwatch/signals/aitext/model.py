"""Optional model path: zero-shot AI-text scores from causal language models.

Owns two scorers (``pip install opwatch[models]``: torch + transformers):

- :class:`BinocularsScorer` — two causal LMs sharing one tokenizer, an
  *observer* and a *performer*. Per text: the log-perplexity of the text under
  the performer, divided by the cross-entropy between the observer's and the
  performer's next-token distributions (how surprising the text is, relative to
  how surprising one model finds the other). Machine text scores low.
- :class:`FastDetectScorer` — one causal LM. Per text: the analytic sampling
  discrepancy — how far the text's log-likelihood lies above the log-likelihood
  the model would expect from its own samples, in standard deviations
  (computed from the full next-token distributions, no sampling). Machine text
  scores high.

Both return "higher = more machine-like" from ``score`` and fit their 1% FPR
threshold with ``calibrate(human_texts)``: published thresholds hold only for
the model pair they were fitted on. Models load through AutoModelForCausalLM /
AutoTokenizer from a local folder or a hub name, on ``cpu`` or ``cuda``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from opwatch.signals.aitext.normalise import normalise
from opwatch.signals.aitext.offline import fit_threshold

INSTALL_HINT = "the model path needs torch and transformers: pip install 'opwatch[models]'"


def _torch() -> Any:
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(INSTALL_HINT) from exc
    return torch


def _device(device: str) -> str:
    torch = _torch()
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {device!r} asked for, but torch sees no CUDA GPU; use --device cpu")
    if device != "cpu" and not device.startswith("cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda[:N]', not {device!r}")
    return device


def load_causal_lm(name_or_path: str | Path, device: str = "cpu", dtype: str | None = None) -> tuple[Any, Any]:
    """Load (model, tokenizer) from a local folder or a hub name; eval mode on ``device``.

    ``dtype``: "float32", "bfloat16" or "float16"; default float32 on CPU and
    bfloat16 on CUDA. A local folder is read with ``local_files_only``.
    """
    torch = _torch()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = _device(device)
    local = Path(name_or_path).exists()
    name = str(name_or_path)
    tok = AutoTokenizer.from_pretrained(name, local_files_only=local)
    if tok.pad_token is None:
        if tok.eos_token is None:
            raise ValueError(f"tokenizer of {name} has neither a pad nor an eos token")
        tok.pad_token = tok.eos_token
    tok.padding_side = "right"
    torch_dtype = getattr(torch, dtype or ("bfloat16" if device.startswith("cuda") else "float32"))
    import transformers

    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    key = "dtype" if (major, minor) >= (4, 56) else "torch_dtype"  # renamed in 4.56
    model = AutoModelForCausalLM.from_pretrained(name, local_files_only=local, **{key: torch_dtype})
    model = model.to(device)  # type: ignore[arg-type]
    model.eval()
    return model, tok


class _LMScorer:
    """Shared batching, truncation and calibration of the model scorers."""

    threshold_: float | None = None

    def __init__(self, tokenizer: Any, device: str, batch_size: int, max_tokens: int) -> None:
        if batch_size < 1 or max_tokens < 2:
            raise ValueError("batch_size must be >= 1 and max_tokens >= 2")
        self.tokenizer = tokenizer
        self.device = device
        self.batch_size = batch_size
        self.max_tokens = max_tokens

    def _batches(self, texts: Sequence[str]) -> Iterator[tuple[list[int], Any, Any]]:
        """Yield (positions in ``texts``, input_ids, attention_mask) for texts of >= 2 tokens."""
        norm = [normalise(t) for t in texts]
        for start in range(0, len(norm), self.batch_size):
            chunk = norm[start : start + self.batch_size]
            enc = self.tokenizer(
                chunk, return_tensors="pt", padding=True, truncation=True,
                max_length=self.max_tokens, add_special_tokens=True,
            )
            keep = [i for i in range(len(chunk)) if int(enc["attention_mask"][i].sum()) >= 2]
            if not keep:
                continue
            ids = enc["input_ids"][keep].to(self.device)
            mask = enc["attention_mask"][keep].to(self.device)
            yield [start + i for i in keep], ids, mask

    def _per_text(self, ids: Any, mask: Any) -> Any:
        raise NotImplementedError

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """Per-text score, higher = more machine-like; NaN for texts under two tokens."""
        torch = _torch()
        out = np.full(len(texts), np.nan)
        with torch.inference_mode():
            for pos, ids, mask in self._batches(texts):
                out[pos] = self._per_text(ids, mask).float().cpu().numpy()
        return out

    def calibrate(self, human_texts: Sequence[str], fpr: float = 0.01) -> float:
        """Fit and keep the threshold above which ``fpr`` of these human texts score."""
        s = self.score(human_texts)
        s = s[np.isfinite(s)]
        if s.size == 0:
            raise ValueError("no scorable human text to calibrate on")
        self.threshold_ = fit_threshold(s, fpr)
        return self.threshold_

    def above_threshold(self, scores: np.ndarray) -> np.ndarray:
        if self.threshold_ is None:
            raise RuntimeError("call calibrate(human_texts) first")
        return np.asarray(scores) > self.threshold_


def _token_terms(logits: Any, ids: Any, mask: Any) -> tuple[Any, Any, Any]:
    """Shift for next-token prediction: (log-probs at positions, next ids, their mask)."""
    torch = _torch()
    logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)
    return logp, ids[:, 1:], mask[:, 1:].float()


class BinocularsScorer(_LMScorer):
    """Binoculars-style score from an observer and a performer LM (same tokenizer)."""

    def __init__(
        self,
        observer: str | Path,
        performer: str | Path,
        device: str = "cpu",
        batch_size: int = 8,
        max_tokens: int = 512,
        dtype: str | None = None,
    ) -> None:
        self.observer_, tok = load_causal_lm(observer, device, dtype)
        self.performer_, tok2 = load_causal_lm(performer, device, dtype)
        if tok.get_vocab() != tok2.get_vocab():
            raise ValueError("observer and performer must share one tokenizer (e.g. a base and its instruct model)")
        super().__init__(tok, device, batch_size, max_tokens)

    def binoculars(self, texts: Sequence[str]) -> np.ndarray:
        """The raw ratio (lower = more machine-like); NaN for texts under two tokens."""
        return -self.score(texts)

    def _per_text(self, ids: Any, mask: Any) -> Any:
        torch = _torch()
        obs = self.observer_(input_ids=ids, attention_mask=mask).logits
        perf = self.performer_(input_ids=ids, attention_mask=mask).logits
        v = min(obs.shape[-1], perf.shape[-1])
        obs_logp, nxt, m = _token_terms(obs[..., :v], ids, mask)
        perf_logp, _, _ = _token_terms(perf[..., :v], ids, mask)
        n = m.sum(dim=1)
        nll = -perf_logp.gather(-1, nxt.unsqueeze(-1)).squeeze(-1)
        log_ppl = (nll * m).sum(dim=1) / n
        x_ent = -(obs_logp.exp() * perf_logp).sum(dim=-1)
        log_xppl = (x_ent * m).sum(dim=1) / n
        return -(log_ppl / torch.clamp(log_xppl, min=1e-6))


class FastDetectScorer(_LMScorer):
    """Fast-DetectGPT-style analytic sampling discrepancy with one LM."""

    def __init__(
        self,
        model: str | Path,
        device: str = "cpu",
        batch_size: int = 8,
        max_tokens: int = 512,
        dtype: str | None = None,
    ) -> None:
        self.model_, tok = load_causal_lm(model, device, dtype)
        super().__init__(tok, device, batch_size, max_tokens)

    def _per_text(self, ids: Any, mask: Any) -> Any:
        torch = _torch()
        logits = self.model_(input_ids=ids, attention_mask=mask).logits
        logp, nxt, m = _token_terms(logits, ids, mask)
        ll = (logp.gather(-1, nxt.unsqueeze(-1)).squeeze(-1) * m).sum(dim=1)
        p = logp.exp()
        mean_t = (p * logp).sum(dim=-1)
        var_t = (p * logp.square()).sum(dim=-1) - mean_t.square()
        mean = (mean_t * m).sum(dim=1)
        var = (var_t * m).sum(dim=1)
        return (ll - mean) / torch.sqrt(torch.clamp(var, min=1e-12))


def make_scorer(
    method: str,
    model_path: str | None = None,
    observer: str | None = None,
    performer: str | None = None,
    device: str = "cpu",
    batch_size: int = 8,
    max_tokens: int = 512,
) -> BinocularsScorer | FastDetectScorer:
    """Build the scorer the CLI options ask for, with errors that say what to pass."""
    if method == "binoculars":
        obs = observer or model_path
        if not (obs and performer):
            raise ValueError("binoculars needs --observer and --performer (two LMs sharing a tokenizer)")
        return BinocularsScorer(obs, performer, device, batch_size, max_tokens)
    if method == "fastdetect":
        name = model_path or observer
        if not name:
            raise ValueError("fastdetect needs --model-path (a local folder or hub name)")
        return FastDetectScorer(name, device, batch_size, max_tokens)
    raise ValueError(f"unknown method {method!r}: use binoculars or fastdetect")


__all__ = [
    "BinocularsScorer",
    "FastDetectScorer",
    "INSTALL_HINT",
    "load_causal_lm",
    "make_scorer",
]
