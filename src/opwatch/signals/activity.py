"""The "activity" detector: each account's weekly rhythm, inferred UTC offset and office hours.

Per account it reports the hour-of-week histogram (UTC), the UTC offset whose
human rhythm best fits the account's active hours (with a confidence, see
:mod:`opwatch.signals.behaviour.rhythm`), a business-hours score and the weekend
share in that zone. An account with fewer than ``min_events`` events, or whose
fit is weak, is flagged ``low_confidence`` with the reason: opwatch does not
state a time zone it cannot support. Offsets describe accounts under
investigation, never people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from opwatch.models import dumps
from opwatch.registry import register_detector
from opwatch.signals.base import DetectContext, Detector, empty_signals, signals_table
from opwatch.signals.behaviour.rhythm import (
    HOURS_PER_WEEK,
    business_hours,
    fit_offsets,
    histograms,
    hour_of_week,
)
from opwatch.signals.behaviour.timeline import Timelines, load_timelines


@dataclass(frozen=True)
class ActivityProfile:
    """Column arrays for a set of accounts (row i is ``timelines.keys[i]``)."""

    n_events: np.ndarray
    how_utc: np.ndarray  # (rows, 168) event counts by UTC hour of week
    utc_offset: np.ndarray
    confidence: np.ndarray
    rhythm_fit: np.ndarray
    n_active_hours: np.ndarray
    business_hours: np.ndarray
    lunch_dip: np.ndarray
    weekend_share: np.ndarray
    low_confidence: np.ndarray
    reasons: list[str | None]


def profile_timelines(
    tl: Timelines, min_events: int = 20, min_confidence: float = 0.5, full_confidence_hours: int = 40
) -> ActivityProfile:
    """Compute activity profiles for every account of ``tl`` (vectorised)."""
    rows = len(tl)
    owner = tl.owner()
    counts = tl.counts
    how_utc = histograms(owner, hour_of_week(tl.seconds), rows, HOURS_PER_WEEK)
    # active hours: distinct calendar hours per account, so bursts count once
    cal_hour = np.floor_divide(tl.seconds, 3600)
    first = np.ones(len(cal_hour), dtype=bool)
    first[1:] = (cal_hour[1:] != cal_hour[:-1]) | (owner[1:] != owner[:-1])
    active = histograms(owner[first], hour_of_week(cal_hour[first] * 3600), rows, HOURS_PER_WEEK)
    fit = fit_offsets(active, full_confidence_hours)
    local = hour_of_week(tl.seconds, fit.utc_offset[owner]) if rows else np.zeros(0, np.int64)
    local_hist = histograms(owner, local, rows, HOURS_PER_WEEK)
    biz, dip, weekend = business_hours(local_hist)
    reasons: list[str | None] = []
    low = np.zeros(rows, dtype=bool)
    for i in range(rows):
        if counts[i] < min_events:
            reasons.append(f"only {int(counts[i])} events (< {min_events}): too few to place a time zone")
        elif fit.rhythm_fit[i] < 0.35:
            reasons.append("activity does not follow a human day/night rhythm (flat or 24/7)")
        elif fit.confidence[i] < min_confidence:
            reasons.append("several time zones fit about equally well")
        else:
            reasons.append(None)
        low[i] = reasons[-1] is not None
    return ActivityProfile(
        counts, how_utc, fit.utc_offset, fit.confidence, fit.rhythm_fit, fit.n_active_hours,
        biz, dip, weekend, low, reasons,
    )


def _evidence(p: ActivityProfile, i: int) -> dict[str, Any]:
    return {
        "n_events": int(p.n_events[i]),
        "n_active_hours": int(p.n_active_hours[i]),
        "utc_offset": int(p.utc_offset[i]),
        "confidence": round(float(p.confidence[i]), 4),
        "low_confidence": bool(p.low_confidence[i]),
        "low_confidence_reason": p.reasons[i],
        "rhythm_fit": round(float(p.rhythm_fit[i]), 4),
        "business_hours": round(float(p.business_hours[i]), 4),
        "lunch_dip": round(float(p.lunch_dip[i]), 4),
        "weekend_share": round(float(p.weekend_share[i]), 4),
        "hour_of_week_utc": [int(x) for x in p.how_utc[i]],
    }


@register_detector
class ActivityDetector(Detector):
    """Account signal, category ``business_hours``; score = business-hours score x confidence."""

    name = "activity"
    subject = "account"

    def __init__(
        self, min_events: int = 20, min_confidence: float = 0.5, full_confidence_hours: int = 40
    ) -> None:
        self.min_events = min_events
        self.min_confidence = min_confidence
        self.full_confidence_hours = full_confidence_hours

    def run(self, ctx: DetectContext) -> pa.Table:
        tl = load_timelines(ctx)
        if len(tl) == 0:
            return empty_signals()
        p = profile_timelines(tl, self.min_events, self.min_confidence, self.full_confidence_hours)
        score = np.clip(p.business_hours * p.confidence, 0.0, 1.0)
        return signals_table(
            {
                "detector": [self.name] * len(tl),
                "subject": ["account"] * len(tl),
                "source": [k[0] for k in tl.keys],
                "account_id": [k[1] for k in tl.keys],
                "category": ["business_hours"] * len(tl),
                "score": [round(float(s), 6) for s in score],
                "evidence": [dumps(_evidence(p, i)) for i in range(len(tl))],
            }
        )
