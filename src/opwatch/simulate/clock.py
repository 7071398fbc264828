"""Time in the synthetic world: time zones, human daily rhythms and work schedules.

All instants are kept as float seconds since the epoch (UTC); ``iso()`` writes
them with a chosen UTC offset, so the text differs by offset but the instant is
the same.  Benign people follow local waking hours (morning and evening peaks,
quiet nights, later and lighter weekends); operators follow business hours of
their country (with a lunch dip) or machine schedules.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

DAY = 86400.0
HOUR = 3600.0

#: relative activity by local hour on weekdays and weekends (human rhythm)
_WEEKDAY = (0.25, 0.12, 0.07, 0.05, 0.05, 0.1, 0.35, 0.8, 1.3, 1.5, 1.4, 1.3,
            1.2, 1.25, 1.2, 1.1, 1.1, 1.2, 1.4, 1.6, 1.7, 1.5, 1.0, 0.55)
_WEEKEND = (0.45, 0.3, 0.15, 0.08, 0.05, 0.05, 0.1, 0.25, 0.5, 0.9, 1.2, 1.3,
            1.3, 1.3, 1.25, 1.2, 1.2, 1.3, 1.4, 1.5, 1.5, 1.4, 1.1, 0.75)
#: business hours 9-18 with a lunch dip (operators, office workers)
_OFFICE = (0, 0, 0, 0, 0, 0, 0, 0.05, 0.3, 1.0, 1.0, 1.0, 0.3, 0.6, 1.0, 1.0, 1.0, 0.9,
           0.25, 0.05, 0, 0, 0, 0)


@dataclass(frozen=True)
class Zone:
    """A place people live: UTC offset (hours), country code, languages, weight."""

    offset: float
    country: str
    langs: tuple[str, ...]
    weight: float


#: a realistic mix over the Americas, Europe, Africa, Asia and Oceania
ZONES: tuple[Zone, ...] = (
    Zone(-8, "US", ("en", "es"), 6), Zone(-7, "US", ("en",), 2), Zone(-6, "MX", ("es", "en"), 4),
    Zone(-5, "US", ("en", "es"), 9), Zone(-5, "CO", ("es",), 2), Zone(-4, "CA", ("en", "fr"), 2),
    Zone(-3, "BR", ("pt",), 6), Zone(-3, "AR", ("es",), 3), Zone(0, "GB", ("en",), 5),
    Zone(0, "PT", ("pt",), 1), Zone(1, "DE", ("de", "en"), 5), Zone(1, "FR", ("fr",), 4),
    Zone(1, "ES", ("es",), 3), Zone(1, "NG", ("en",), 3), Zone(1, "MA", ("ar", "fr"), 2),
    Zone(2, "EG", ("ar", "en"), 3), Zone(2, "ZA", ("en",), 2), Zone(3, "RU", ("ru",), 4),
    Zone(3, "SA", ("ar",), 2), Zone(3, "KE", ("en",), 2), Zone(5.5, "IN", ("en",), 7),
    Zone(7, "ID", ("en",), 3), Zone(7, "VN", ("en",), 1), Zone(8, "CN", ("zh",), 5),
    Zone(8, "SG", ("en", "zh"), 1), Zone(8, "TW", ("zh",), 1), Zone(9, "JP", ("en",), 3),
    Zone(9, "KR", ("en",), 2), Zone(10, "AU", ("en",), 3), Zone(12, "NZ", ("en",), 1),
)
_ZONE_WEIGHTS = [z.weight for z in ZONES]


def pick_zone(rng: random.Random) -> Zone:
    return rng.choices(ZONES, weights=_ZONE_WEIGHTS, k=1)[0]


def parse_start(start: str) -> float:
    """Epoch seconds of the window start (a UTC date or ISO timestamp)."""
    dt = datetime.fromisoformat(start)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def iso(t: float, offset_h: float) -> str:
    """ISO-8601 text of instant ``t`` written in UTC offset ``offset_h`` (seconds precision)."""
    tz = timezone(timedelta(minutes=round(offset_h * 60)))
    return datetime.fromtimestamp(round(t), tz).isoformat()


def _local_day_start(start: float, day: int, offset_h: float) -> float:
    """UTC instant of local midnight of window day ``day`` for a given offset."""
    return start + day * DAY - offset_h * HOUR


def _is_weekend(start: float, day: int) -> bool:
    return datetime.fromtimestamp(start + day * DAY + 12 * HOUR, UTC).weekday() >= 5


class Clock:
    """Samples instants in the window [start, start + days) following a schedule."""

    def __init__(self, start: float, days: int) -> None:
        self.start = start
        self.days = days
        self.end = start + days * DAY
        self._weekend = [_is_weekend(start, d) for d in range(days)]

    def clamp(self, t: float) -> float:
        return min(max(t, self.start), self.end - 1.0)

    def human(self, rng: random.Random, offset_h: float, weekend_factor: float = 0.8,
              days: tuple[int, int] | None = None) -> float:
        """A moment a person in ``offset_h`` is likely awake and active."""
        lo, hi = days if days is not None else (0, self.days)
        while True:
            day = rng.randrange(lo, hi)
            weekend = self._weekend[day]
            if weekend and rng.random() > weekend_factor:
                continue
            table = _WEEKEND if weekend else _WEEKDAY
            hour = rng.choices(range(24), weights=table, k=1)[0]
            t = _local_day_start(self.start, day, offset_h) + hour * HOUR + rng.random() * HOUR
            if self.start <= t < self.end:
                return t

    def office(self, rng: random.Random, offset_h: float, weekends: bool = False) -> float:
        """A moment in the business hours (9-18, lunch dip) of ``offset_h``."""
        while True:
            day = rng.randrange(self.days)
            if self._weekend[day] and not weekends:
                continue
            hour = rng.choices(range(24), weights=_OFFICE, k=1)[0]
            t = _local_day_start(self.start, day, offset_h) + hour * HOUR + rng.random() * HOUR
            if self.start <= t < self.end:
                return t

    def office_days(self, offset_h: float) -> list[float]:
        """UTC instants of 09:00 local on each working day of the window."""
        out = []
        for day in range(self.days):
            if not self._weekend[day]:
                t = _local_day_start(self.start, day, offset_h) + 9 * HOUR
                if self.start <= t < self.end:
                    out.append(t)
        return out

    def bursts(self, rng: random.Random, every_h: float, jitter_s: float) -> list[float]:
        """Machine schedule: burst start times every ``every_h`` hours, jittered."""
        out = []
        t = self.start + rng.random() * every_h * HOUR
        while t < self.end:
            out.append(self.clamp(t + rng.uniform(-jitter_s, jitter_s)))
            t += every_h * HOUR
        return out
