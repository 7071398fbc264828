"""Per-account category profiles, so that harm visible only in aggregate is found.

An account's profile counts its flagged events per category, their shares, the
strongest events, and an *aggregate* score per harmful category: when at least
``min_events`` of its events (and ``min_share`` of all of them) score at least
``floor`` in a category, the top ``top_k`` of those scores combine by noisy-OR,
``1 - prod(1 - s)``. Five requests at 0.3 each - each harmless-looking on its
own - give 0.83; a single 0.3 stays 0.3, and a rare borderline event in a large
benign account cannot accumulate. The account is flagged in its best category
when that aggregate reaches the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from opwatch.signals.policy.taxonomy import BENIGN


@dataclass
class AccountProfile:
    """The category profile of one account."""

    account: str
    n_events: int
    category: str
    score: float
    flagged: bool
    flagged_by: str | None  # "event", "aggregate" or None
    counts: dict[str, int] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=dict)
    max_scores: dict[str, float] = field(default_factory=dict)
    aggregate: dict[str, float] = field(default_factory=dict)
    strongest: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def account_profile(
    rows: Iterable[tuple[str, str | None, Mapping[str, float]]],
    n_events: Mapping[str, int] | None = None,
    threshold: float = 0.5,
    floor: float = 0.2,
    top_k: int = 5,
    min_events: int = 3,
    min_share: float = 0.05,
) -> dict[str, AccountProfile]:
    """Profile accounts from ``(account, event_id, scores)`` rows.

    ``scores`` are a :class:`Result`'s ``scores`` (the ``benign`` key is
    ignored). ``n_events`` gives each account's total number of events when
    ``rows`` hold only some of them (e.g. only events above a floor).
    """
    per: dict[str, dict[str, list[tuple[float, str | None]]]] = {}
    seen: dict[str, int] = {}
    for account, event_id, scores in rows:
        seen[account] = seen.get(account, 0) + 1
        cats = per.setdefault(account, {})
        for cat, s in scores.items():
            if cat != BENIGN and s > 0:
                cats.setdefault(cat, []).append((float(s), event_id))
    out: dict[str, AccountProfile] = {}
    for account, cats in per.items():
        total = max(seen[account], (n_events or {}).get(account, 0))
        prof = AccountProfile(account, total, BENIGN, 0.0, False, None)
        best_cat, best, by = BENIGN, 0.0, None
        for cat, items in cats.items():
            items.sort(key=lambda x: -x[0])
            top = items[0][0]
            n_flag = sum(1 for s, _ in items if s >= threshold)
            above = [s for s, _ in items if s >= floor]
            agg = top
            if len(above) >= min_events and len(above) / total >= min_share:
                keep = 1.0
                for s in above[:top_k]:
                    keep *= 1.0 - s
                agg = max(top, 1.0 - keep)
            prof.counts[cat] = n_flag
            prof.shares[cat] = round(n_flag / total, 4)
            prof.max_scores[cat] = round(top, 4)
            prof.aggregate[cat] = round(agg, 4)
            prof.strongest[cat] = [{"event_id": e, "score": round(s, 4)} for s, e in items[:3]]
            if agg > best:
                best_cat, best = cat, agg
                by = "event" if top >= threshold else "aggregate"
        prof.flagged = best >= threshold
        prof.category = best_cat if prof.flagged else BENIGN
        prof.score = round(best, 4)
        prof.flagged_by = by if prof.flagged else None
        out[account] = prof
    return out
