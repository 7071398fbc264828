"""Fit a human working/sleeping rhythm to hour-of-week counts to infer a UTC offset.

The model is one generic weekly template (sleep at night, a working day with a
lunch dip, quieter evenings and weekends), not tuned on any data set. For each
candidate whole-hour offset from UTC-12 to UTC+14 the template is shifted and
the log-likelihood of the account's *active hours* (distinct calendar hours with
at least one event, so a burst of 200 prompts counts once) is computed; the
offset posterior comes from a flat prior. Confidence multiplies three things,
each in 0..1: the posterior mass within one hour of the best offset, how much
better the template explains the hours than a flat day (``rhythm_fit``: a
24/7 bot has none), and how much evidence there is (``n_active_hours`` against
``full_confidence_hours``). See docs/behaviour.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOURS_PER_WEEK = 168
#: candidate offsets from UTC, in hours (UTC-12 is uninhabited; it would only ever be
#: the same clock as UTC+12 a day earlier)
OFFSETS = np.arange(-11, 15, dtype=np.int64)

# Relative activity by local hour of day (0..23) on a working day and a weekend day.
_WEEKDAY = np.array(
    [0.22, 0.10, 0.05, 0.04, 0.04, 0.05, 0.10, 0.28, 0.65, 0.95, 1.00, 1.00,
     0.72, 0.85, 1.00, 1.00, 0.95, 0.85, 0.65, 0.55, 0.55, 0.50, 0.45, 0.35]
)
_WEEKEND = np.array(
    [0.20, 0.10, 0.05, 0.04, 0.04, 0.04, 0.06, 0.10, 0.20, 0.30, 0.38, 0.42,
     0.42, 0.42, 0.42, 0.42, 0.42, 0.42, 0.40, 0.40, 0.40, 0.38, 0.34, 0.28]
)
_FLOOR = 0.02  # nothing is impossible: night owls and bots must not send likelihood to -inf


def weekly_template() -> np.ndarray:
    """Probability of each local hour of the week (Monday 00:00 = index 0)."""
    week = np.concatenate([_WEEKDAY] * 5 + [_WEEKEND] * 2) + _FLOOR
    return week / week.sum()


_LOG_T = np.log(weekly_template())
#: _SHIFT[h, j]: log-probability of UTC hour-of-week h under offset OFFSETS[j]
_SHIFT = np.stack([np.roll(_LOG_T, -int(o)) for o in OFFSETS], axis=1)
_KL_UNIFORM = float(np.sum(np.exp(_LOG_T) * (_LOG_T + np.log(HOURS_PER_WEEK))))


def hour_of_week(seconds: np.ndarray, offset_hours: int | np.ndarray = 0) -> np.ndarray:
    """Hour of the week (Monday 00:00 = 0) of epoch seconds, shifted by ``offset_hours``."""
    local = seconds + np.asarray(offset_hours, dtype=np.int64) * 3600
    hours = np.floor_divide(local, 3600)
    days = np.floor_divide(hours, 24)
    return (((days + 3) % 7) * 24 + hours % 24).astype(np.int64)  # 1970-01-01 was a Thursday


def histograms(owner: np.ndarray, values: np.ndarray, n_rows: int, width: int) -> np.ndarray:
    """Count matrix ``(n_rows, width)`` of ``values`` per ``owner`` row."""
    flat = np.bincount(owner * width + values, minlength=n_rows * width)
    return flat.reshape(n_rows, width)


@dataclass(frozen=True)
class RhythmFit:
    """Per-row results of :func:`fit_offsets` (arrays of equal length)."""

    utc_offset: np.ndarray  # int hours
    confidence: np.ndarray  # 0..1
    posterior_near: np.ndarray  # posterior mass within one hour of the best offset
    rhythm_fit: np.ndarray  # 0..1: gain over a flat week, relative to the template's own
    n_active_hours: np.ndarray


def fit_offsets(active: np.ndarray, full_confidence_hours: int = 40, max_effective_hours: int = 60) -> RhythmFit:
    """Infer offsets from ``active`` (rows x 168) counts of active UTC hours of the week.

    The posterior is tempered to at most ``max_effective_hours`` observations:
    real schedules differ from the template by an hour or two (offices open at
    8 or at 10), and that doubt does not shrink with more data.
    """
    active = np.asarray(active, dtype=np.float64).reshape(-1, HOURS_PER_WEEK)
    n = active.sum(axis=1)
    raw = active @ _SHIFT  # (rows, offsets)
    ll = raw * np.minimum(1.0, max_effective_hours / np.maximum(n, 1.0))[:, None]
    best = np.argmax(ll, axis=1)
    post = np.exp(ll - ll[np.arange(len(ll)), best][:, None])
    post /= post.sum(axis=1, keepdims=True)
    near = np.zeros(len(ll))
    for delta in (-1, 0, 1):
        idx = best + delta
        ok = (idx >= 0) & (idx < len(OFFSETS))
        near[ok] += post[np.nonzero(ok)[0], idx[ok]]
    gain = (raw[np.arange(len(raw)), best] + n * np.log(HOURS_PER_WEEK)) / np.maximum(n, 1)
    fit = np.clip(gain / _KL_UNIFORM, 0.0, 1.0)
    evidence = np.clip(n / float(full_confidence_hours), 0.0, 1.0)
    conf = np.where(n > 0, near * fit * evidence, 0.0)
    return RhythmFit(OFFSETS[best], conf, near, fit, n.astype(np.int64))


def business_hours(local_how: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of local hour-of-week counts: (business score, lunch dip, weekend share).

    The score rises from 0 at the share of weekday 09:00-17:59 a flat week would
    give (45/168) to 1 at 75%, and gives 15% of its weight to a lunch dip
    (12:00-13:59 quieter than 10:00-11:59 and 14:00-15:59).
    """
    counts = np.asarray(local_how, dtype=np.float64).reshape(-1, HOURS_PER_WEEK)
    total = np.maximum(counts.sum(axis=1), 1.0)
    days = counts.reshape(-1, 7, 24)
    weekdays = days[:, :5, :].sum(axis=1)  # (rows, 24)
    office = weekdays[:, 9:18].sum(axis=1) / total
    base = 45.0 / HOURS_PER_WEEK
    office_score = np.clip((office - base) / (0.75 - base), 0.0, 1.0)
    lunch = weekdays[:, 12:14].sum(axis=1) / 2.0
    around = (weekdays[:, 10:12].sum(axis=1) + weekdays[:, 14:16].sum(axis=1)) / 4.0
    dip = np.where(around >= 3.0, np.clip(1.0 - lunch / np.maximum(around, 1e-9), 0.0, 1.0), 0.0)
    weekend = days[:, 5:, :].sum(axis=(1, 2)) / total
    return 0.85 * office_score + 0.15 * dip * (office_score > 0), dip, weekend
