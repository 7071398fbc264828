"""The "automation" detector: scheduled, bursty, sleepless or batch-created accounts.

Two kinds of account signal:

- ``automation`` (every account with events): inter-event regularity (the
  coefficient of variation of gaps; a cron job is near 0, people are above 1),
  burstiness ``(sd - mean) / (sd + mean)``, the share of gaps under
  ``fast_gap_s`` (faster than a person reads a reply), the share of events on a
  whole minute (round-number schedules), the most events in any minute, and
  the longest quiet stretch of the UTC day (people sleep; 24/7 scripts do not).
  The score is a noisy-or of the component scores, all in the evidence.
- ``batch_created`` (only where significant): the account was created within
  ``batch_window_s`` of unusually many accounts of its source, or of unusually
  many sharing its display-name shape (``user_48213`` -> ``a_9{5}``). "Unusual"
  is a Poisson tail against the source's own creation rate (overall and on the
  surrounding day, for all accounts and for that shape), so a common name shape
  or a busy sign-up day is not enough.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.stats import poisson

from opwatch.models import dumps
from opwatch.registry import register_detector
from opwatch.signals.base import DetectContext, Detector, empty_signals, signals_table
from opwatch.signals.behaviour.rhythm import histograms
from opwatch.signals.behaviour.timeline import Timelines, load_timelines

_CLASS = re.compile(r"[A-Z]+|[a-z]+|[0-9]+|\s+|[^A-Za-z0-9\s]")


def name_shape(name: str | None) -> str | None:
    """Shape of a display name: letter runs become ``A``/``a``, digit runs ``9{n}``."""
    if not name:
        return None
    parts = []
    for run in _CLASS.findall(name.strip()):
        if run[0].isdigit():
            parts.append(f"9{{{len(run)}}}")
        elif run[0].isupper():
            parts.append("A")
        elif run[0].islower():
            parts.append("a")
        elif run[0].isspace():
            parts.append(" ")
        else:
            parts.append(run)
    return "".join(parts)


def _longest_quiet_run(hour_hist: np.ndarray, quiet_fraction: float) -> np.ndarray:
    """Longest circular run of UTC hours of the day with under ``quiet_fraction`` of the mean."""
    mean = hour_hist.sum(axis=1, keepdims=True) / 24.0
    quiet = hour_hist < quiet_fraction * mean
    doubled = np.concatenate([quiet, quiet], axis=1)
    run = np.zeros(len(hour_hist))
    best = np.zeros(len(hour_hist))
    for j in range(doubled.shape[1]):
        run = (run + 1) * doubled[:, j]
        best = np.maximum(best, run)
    return np.minimum(best, 24)


def timing_features(tl: Timelines, fast_gap_s: float = 3.0, min_events: int = 10) -> dict[str, np.ndarray]:
    """Per-account timing features and component scores (each 0..1)."""
    rows = len(tl)
    owner = tl.owner()
    sec = tl.seconds
    n = tl.counts.astype(np.float64)
    same = owner[1:] == owner[:-1]
    gaps = np.diff(sec).astype(np.float64)[same]
    g_owner = owner[1:][same]
    n_gaps = np.bincount(g_owner, minlength=rows).astype(np.float64)
    mean = np.bincount(g_owner, gaps, minlength=rows) / np.maximum(n_gaps, 1)
    sq = np.bincount(g_owner, gaps**2, minlength=rows) / np.maximum(n_gaps, 1)
    sd = np.sqrt(np.maximum(sq - mean**2, 0.0))
    enough = n_gaps >= max(min_events - 1, 1)
    cv = np.where(mean > 0, sd / np.maximum(mean, 1e-9), 0.0)
    burstiness = np.where(sd + mean > 0, (sd - mean) / np.maximum(sd + mean, 1e-9), 0.0)
    fast = np.bincount(g_owner, (gaps < fast_gap_s).astype(np.float64), minlength=rows)
    fast_share = fast / np.maximum(n_gaps, 1)
    round_share = np.bincount(owner, (sec % 60 == 0).astype(np.float64), minlength=rows) / np.maximum(n, 1)
    # most events inside any 60-second window
    key = owner.astype(np.int64) * (1 << 34) + (sec - (sec.min() if len(sec) else 0))
    in_minute = np.searchsorted(key, key + 59, side="right") - np.arange(len(key))
    max_per_minute = np.zeros(rows, dtype=np.int64)
    np.maximum.at(max_per_minute, owner, in_minute)
    hours = histograms(owner, (sec // 3600) % 24, rows, 24).astype(np.float64)
    quiet_h = _longest_quiet_run(hours, 0.25)
    sleep_known = n >= 48
    regular = np.where(enough & (mean >= 1.0), np.clip(1.0 - cv, 0.0, 1.0), 0.0)
    rounds = np.where(n >= min_events, np.clip((round_share - 1 / 60) / (0.5 - 1 / 60), 0.0, 1.0), 0.0)
    burst = np.where(enough, np.clip(fast_share / 0.3, 0.0, 1.0), 0.0)
    no_sleep = np.where(sleep_known, np.clip((4.0 - quiet_h) / 4.0, 0.0, 1.0), 0.0)
    score = 1.0 - (1 - regular) * (1 - rounds) * (1 - burst) * (1 - no_sleep)
    return {
        "n_events": n, "n_gaps": n_gaps, "gap_mean_s": mean, "gap_cv": cv,
        "burstiness": burstiness, "fast_gap_share": fast_share, "round_minute_share": round_share,
        "max_events_per_minute": max_per_minute.astype(np.float64),
        "longest_quiet_hours_utc": np.where(sleep_known, quiet_h, np.nan),
        "regularity": regular, "round_schedule": rounds, "burst": burst, "no_sleep": no_sleep,
        "score": score,
    }


def _window_counts(t: np.ndarray, half: int) -> np.ndarray:
    """For sorted ``t``: how many other values lie within ``half`` seconds of each."""
    return np.searchsorted(t, t + half, "right") - np.searchsorted(t, t - half, "left") - 1


def batch_creation(accounts: pa.Table, window_s: int = 600, context_s: int = 86400,
                   max_p: float = 1e-3) -> list[dict[str, Any]]:
    """Accounts created in significant batches: one dict per flagged account (see module doc).

    The expected count in ``±window_s`` is the larger of the source's overall
    rate and the rate in the surrounding ``±context_s`` (which includes the batch
    itself, so a busy day is not a batch). Times exactly at 00:00:00 are skipped:
    date-only values cannot show a batch on a scale of minutes.
    """
    src = accounts.column("source").to_pylist()
    acc = accounts.column("account_id").to_pylist()
    micros = accounts.column("created_at").cast(pa.int64()).to_pylist()
    names = accounts.column("display_name").to_pylist()
    by_source: dict[str, list[int]] = {}
    for i, (s, t) in enumerate(zip(src, micros, strict=True)):
        if s is not None and t is not None and acc[i] is not None and t % 86_400_000_000:
            by_source.setdefault(s, []).append(i)
    out: list[dict[str, Any]] = []
    scale = 2 * window_s / (2 * context_s + 1)
    for idx_list in by_source.values():
        idx = np.array(idx_list)
        t = np.array([micros[i] for i in idx_list], dtype=np.int64) // 1_000_000
        order = np.argsort(t, kind="stable")
        idx, t = idx[order], t[order]
        span = max(float(t[-1] - t[0]), float(window_s))
        overall = (len(t) - 1) * min(1.0, 2 * window_s / span)
        shapes = np.array([name_shape(names[i]) or "" for i in idx], dtype=object)
        k_all = _window_counts(t, window_s)
        lam_all = np.maximum(overall, _window_counts(t, context_s) * scale)
        p_all = poisson.sf(k_all - 1, lam_all)
        k_shape = np.zeros(len(t), dtype=np.int64)
        lam_shape = np.zeros(len(t))
        for shape in set(shapes.tolist()) - {""}:
            pos = np.nonzero(shapes == shape)[0]
            ts = t[pos]
            k_shape[pos] = _window_counts(ts, window_s)
            lam_shape[pos] = np.maximum((len(pos) - 1) * min(1.0, 2 * window_s / span),
                                        _window_counts(ts, context_s) * scale)
        p_shape = np.where(k_shape > 0, poisson.sf(k_shape - 1, lam_shape), 1.0)
        for j in np.nonzero(np.minimum(p_all, p_shape) < max_p)[0]:
            i = int(idx[j])
            p = float(min(p_all[j], p_shape[j]))
            out.append({
                "source": src[i], "account_id": acc[i],
                "score": float(min(1.0, -np.log10(max(p, 1e-300)) / 12.0)),
                "evidence": {
                    "window_s": window_s, "created_in_window": int(k_all[j]),
                    "expected_in_window": round(float(lam_all[j]), 3), "p_time": float(p_all[j]),
                    "name_shape": shapes[j] or None, "same_shape_in_window": int(k_shape[j]),
                    "expected_same_shape": round(float(lam_shape[j]), 3), "p_shape": float(p_shape[j]),
                },
            })
    return out


@register_detector
class AutomationDetector(Detector):
    """Account signals of categories ``automation`` and ``batch_created`` (see module doc)."""

    name = "automation"
    subject = "account"

    def __init__(self, fast_gap_s: float = 3.0, min_events: int = 10, batch_window_s: int = 600,
                 batch_context_s: int = 86400, batch_max_p: float = 1e-3) -> None:
        self.batch_context_s = batch_context_s
        self.fast_gap_s = fast_gap_s
        self.min_events = min_events
        self.batch_window_s = batch_window_s
        self.batch_max_p = batch_max_p

    def run(self, ctx: DetectContext) -> pa.Table:
        cols: dict[str, list[Any]] = {k: [] for k in ("source", "account_id", "category", "score", "evidence")}
        tl = load_timelines(ctx)
        if len(tl):
            feats = timing_features(tl, self.fast_gap_s, self.min_events)
            names = [k for k in feats if k != "score"]
            for i, (s, a) in enumerate(tl.keys):
                ev = {k: (None if np.isnan(feats[k][i]) else round(float(feats[k][i]), 4)) for k in names}
                cols["source"].append(s)
                cols["account_id"].append(a)
                cols["category"].append("automation")
                cols["score"].append(round(float(feats["score"][i]), 6))
                cols["evidence"].append(dumps(ev))
        accounts = ctx.sql(
            "SELECT source, account_id, created_at, display_name FROM accounts WHERE created_at IS NOT NULL"
        )
        for row in batch_creation(accounts, self.batch_window_s, self.batch_context_s, self.batch_max_p):
            cols["source"].append(row["source"])
            cols["account_id"].append(row["account_id"])
            cols["category"].append("batch_created")
            cols["score"].append(round(row["score"], 6))
            cols["evidence"].append(dumps(row["evidence"]))
        n = len(cols["source"])
        if n == 0:
            return empty_signals()
        return signals_table({"detector": [self.name] * n, "subject": ["account"] * n, **cols})

