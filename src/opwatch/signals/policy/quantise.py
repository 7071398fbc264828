"""int8 storage of weight matrices: one float32 scale per column or per row.

The policy weights file keeps its hidden layers (model.py) and its sentence encoder
(encoder.py) this way: a quarter of float32, and a decision moves by well under 0.01
in log-odds.
"""

from __future__ import annotations

import numpy as np


def quantise(W: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``W`` as int8 and its float32 scales: one per column (``axis=0``, a hidden layer's units)
    or one per row (``axis=1``, an encoder matrix's output units or a vocabulary's pieces)."""
    scale = (np.abs(W).max(axis=axis) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    return np.round(W / np.expand_dims(scale, axis)).astype(np.int8), scale


def dequantise(q: np.ndarray, scale: np.ndarray, axis: int = 0) -> np.ndarray:
    """The float32 weights :func:`quantise` stands for."""
    return q.astype(np.float32) * np.expand_dims(scale, axis)
