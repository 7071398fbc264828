"""The behaviour part of an operation's profile: rhythm, languages, automation and reach.

:func:`behaviour_profiles` summarises many operations at once (one pass over the
tables); :func:`behaviour_profile` is the one-operation form. Both read
``events`` and ``accounts`` through an engine (a :class:`DetectContext`, an
:class:`~opwatch.engines.Engine`, or a dict of Arrow tables) and return plain
dicts (JSON-ready) with the keys documented in docs/behaviour.md:

- ``rhythm``: the offset most confident accounts agree on, the share agreeing,
  a pooled fit over all accounts' active hours, business-hours score, weekend
  share; computed on the AI-service events when they cover ``min_ai_hours``
  active hours (the operator's own day; posts can be scheduled for the
  audience), else on all events (``basis`` says which). ``posting_rhythm`` is the
  pooled fit of the non-AI events alone;
- ``languages``: prompt, output and post languages as shares of (up to
  ``language_accounts``) accounts, and the share of AI-service accounts whose
  prompts and outputs are in different languages;
- ``automation``: share of accounts scoring as automated, median gap CV, share
  created in batches;
- ``reach`` and ``breakout_inputs``: platforms posted on, posts, engagement
  recorded in ``attributes`` (likes, shares, replies, … at the top level or
  under ``engagement``), replies/reposts by
  accounts *outside* the operation, and the most followers. These are the
  inputs to a Breakout Scale assessment, not a category: only a person with the
  other stakeholders' data can say whether content broke out.

Each profile also carries ``utc_offset`` (the rhythm's, or None) and ``summary``
(:func:`behaviour_summary`, one line for the console).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from opwatch.engines import DuckDBEngine, Engine
from opwatch.signals.activity import profile_timelines
from opwatch.signals.automation import batch_creation, timing_features
from opwatch.signals.base import DetectContext
from opwatch.signals.behaviour.rhythm import (
    HOURS_PER_WEEK,
    business_hours,
    fit_offsets,
    histograms,
    hour_of_week,
)
from opwatch.signals.behaviour.timeline import AI_EVENT_SQL, Timelines, timelines_from_table
from opwatch.signals.language import ROLES, account_languages

#: numeric keys of ``attributes`` that count as engagement on a post
ENGAGEMENT_KEYS = ("likes", "shares", "reposts", "retweets", "replies", "quotes", "comments", "reactions")
Account = tuple[str, str]


def _engine(tables: DetectContext | Engine | Mapping[str, pa.Table]) -> Engine:
    if isinstance(tables, DetectContext):
        return tables.engine
    if isinstance(tables, Engine):
        return tables
    eng = DuckDBEngine(threads=2)
    for name, table in tables.items():
        eng.register(name, table)
    return eng


def _shares(counter: Counter[str]) -> dict[str, float]:
    total = sum(counter.values())
    return {k: round(v / total, 3) for k, v in counter.most_common(8)} if total else {}


def rhythm_summary(tl: Timelines) -> dict[str, Any]:
    """The shared rhythm of a set of accounts (the ``rhythm`` part of a profile)."""
    if len(tl) == 0:
        return {"n_accounts": 0, "n_confident_accounts": 0, "pooled_offset": None, "pooled_confidence": 0.0,
                "pooled_rhythm_fit": 0.0, "utc_offset": None, "low_confidence": True, "reason": "no timed events",
                "account_offsets": {}, "agreeing_share": None, "business_hours": None, "lunch_dip": None,
                "weekend_share": None}
    prof = profile_timelines(tl)
    confident = ~prof.low_confidence
    owner = tl.owner()
    cal = np.unique(owner.astype(np.int64) * (1 << 34) + np.floor_divide(tl.seconds, 3600))
    pooled = histograms(np.zeros(len(cal), np.int64), hour_of_week((cal % (1 << 34)) * 3600), 1, HOURS_PER_WEEK)
    fit = fit_offsets(pooled)
    out: dict[str, Any] = {
        "n_accounts": len(tl), "n_confident_accounts": int(confident.sum()),
        "pooled_offset": int(fit.utc_offset[0]), "pooled_confidence": round(float(fit.confidence[0]), 3),
        "pooled_rhythm_fit": round(float(fit.rhythm_fit[0]), 3),
    }
    votes = Counter(int(o) for o in prof.utc_offset[confident])
    if fit.confidence[0] >= 0.5:
        best = int(fit.utc_offset[0])
        out.update(utc_offset=best, low_confidence=False, reason=None)
    else:
        best = None
        out.update(utc_offset=None, low_confidence=True,
                   reason="the accounts' pooled activity does not fit one human day/night rhythm well")
    out["account_offsets"] = dict(votes.most_common(5))
    out["agreeing_share"] = (round(sum(votes[best + d] for d in (-1, 0, 1)) / int(confident.sum()), 3)
                             if best is not None and confident.any() else None)
    if best is None:  # office hours in an unknown zone mean nothing
        out.update(business_hours=None, lunch_dip=None, weekend_share=None)
        return out
    local = histograms(np.zeros(len(tl.seconds), np.int64), hour_of_week(tl.seconds, best), 1, HOURS_PER_WEEK)
    biz, dip, weekend = business_hours(local)
    out.update(business_hours=round(float(biz[0]), 3), lunch_dip=round(float(dip[0]), 3),
               weekend_share=round(float(weekend[0]), 3))
    return out


def _languages(rows: list[dict[str, Any]], max_accounts: int) -> dict[str, Any]:
    """Languages per role, as shares of the (first ``max_accounts``) accounts."""
    keep: set[tuple[str, str]] = set()
    for r in rows:
        if len(keep) >= max_accounts:
            break
        keep.add((r["source"], r["account_id"]))
    found = account_languages([r for r in rows if (r["source"], r["account_id"]) in keep]) if keep else {}
    pairs = [(a["prompt"], a["output"]) for a in found.values() if a["prompt"] and a["output"]]
    mismatch = Counter(f"{p}->{o}" for p, o in pairs if p != o)
    return {
        role: _shares(Counter(a[role] for a in found.values() if a[role])) for role in ROLES
    } | {
        "n_accounts_sampled": len(found),
        "mismatch_share": round(sum(mismatch.values()) / len(pairs), 3) if pairs else None,
        "mismatch_pairs": dict(mismatch.most_common(5)),
    }


def _automation(tl: Timelines, batch: set[Account]) -> dict[str, Any]:
    if len(tl) == 0:
        return {"automated_share": 0.0, "batch_created_share": 0.0}
    f = timing_features(tl)
    enough = f["n_gaps"] >= 9
    return {
        "automated_share": round(float(np.mean(f["score"] >= 0.5)), 3),
        "median_gap_cv": round(float(np.median(f["gap_cv"][enough])), 3) if enough.any() else None,
        "round_minute_share": round(float(np.sum(f["round_minute_share"] * f["n_events"]) / max(f["n_events"].sum(), 1)), 3),
        "max_events_per_minute": int(f["max_events_per_minute"].max()),
        "batch_created_share": round(sum(k in batch for k in tl.keys) / len(tl), 3),
    }


def _engagement(attributes: str | None) -> dict[str, float]:
    if not attributes:
        return {}
    try:
        data = json.loads(attributes)
    except (TypeError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    if isinstance(data.get("engagement"), dict):  # {"engagement": {"likes": …}} or flat
        data = data["engagement"]
    return {k: float(v) for k, v in data.items()
            if k in ENGAGEMENT_KEYS and isinstance(v, int | float) and not isinstance(v, bool)}


_TIME_SCHEMA = pa.schema([("source", pa.string()), ("account_id", pa.string()),
                          ("timestamp", pa.timestamp("us", tz="UTC"))])


def _timelines(rows: list[dict[str, Any]]) -> Timelines:
    return timelines_from_table(pa.Table.from_pylist(
        [{"source": r["source"], "account_id": r["account_id"], "timestamp": r["timestamp"]} for r in rows],
        schema=_TIME_SCHEMA,
    ))


def behaviour_profiles(
    tables: DetectContext | Engine | Mapping[str, pa.Table],
    groups: Mapping[str, Sequence[Account]],
    language_accounts: int = 40,
    min_ai_hours: int = 30,
) -> dict[str, dict[str, Any]]:
    """Profile every group ``{operation_id: [(source, account_id), …]}`` (see module doc)."""
    eng = _engine(tables)
    members = [(g, s, a) for g, accs in groups.items() for s, a in accs]
    eng.register("_behaviour_members", pa.table({
        "grp": pa.array([m[0] for m in members], pa.string()),
        "source": pa.array([m[1] for m in members], pa.string()),
        "account_id": pa.array([m[2] for m in members], pa.string()),
    }))
    ev = eng.sql(f"""
        SELECT m.grp, e.source, e.account_id, e.event_id, e.timestamp, e.text, e.response,
               e.attributes, CASE WHEN {AI_EVENT_SQL} THEN 1 ELSE 0 END AS is_ai,
               CASE WHEN e.repost_of IS NOT NULL OR lower(coalesce(e.kind, '')) = 'repost'
                    THEN 1 ELSE 0 END AS is_repost
        FROM events e JOIN _behaviour_members m ON e.source = m.source AND e.account_id = m.account_id
        ORDER BY m.grp, e.timestamp, e.event_id
    """)
    external = eng.sql("""
        WITH posts AS (
            SELECT m.grp, e.source, e.event_id FROM events e
            JOIN _behaviour_members m ON e.source = m.source AND e.account_id = m.account_id
        ),
        touches AS (
            SELECT p.grp, r.source, r.account_id FROM posts p
            JOIN events r ON r.source = p.source AND r.reply_to = p.event_id
            UNION ALL
            SELECT p.grp, r.source, r.account_id FROM posts p
            JOIN events r ON r.source = p.source AND r.repost_of = p.event_id
        )
        SELECT t.grp, t.source, t.account_id FROM touches t
        LEFT JOIN _behaviour_members m
          ON m.grp = t.grp AND m.source = t.source AND m.account_id = t.account_id
        WHERE m.account_id IS NULL
    """).to_pylist()
    accounts = eng.sql("SELECT source, account_id, created_at, display_name, followers FROM accounts")
    batch = {(r["source"], r["account_id"])
             for r in batch_creation(accounts.filter(accounts["created_at"].is_valid()))}
    followers = {(s, a): f for s, a, f in zip(accounts["source"].to_pylist(), accounts["account_id"].to_pylist(),
                                             accounts["followers"].to_pylist(), strict=True)}
    ext: dict[str, list[Account]] = defaultdict(list)
    for r in external:
        ext[r["grp"]].append((r["source"], r["account_id"]))
    rows_by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in ev.to_pylist():
        rows_by_group[r["grp"]].append(r)
    out: dict[str, dict[str, Any]] = {}
    for grp, accs in groups.items():
        rows = rows_by_group.get(grp, [])
        timed = [r for r in rows if r["timestamp"] is not None]
        tl = _timelines(timed)
        tl_ai = _timelines([r for r in timed if r["is_ai"]])
        tl_post = _timelines([r for r in timed if not r["is_ai"]])
        # The operator's own working day shows in its AI-service use; posts may be
        # scheduled for the audience's hours. Prefer the former when there is enough.
        ai_hours = len({(r["source"], r["account_id"], r["timestamp"].replace(minute=0, second=0, microsecond=0))
                        for r in timed if r["is_ai"]})
        rhythm = rhythm_summary(tl_ai if ai_hours >= min_ai_hours else tl)
        rhythm["basis"] = "ai-service events" if ai_hours >= min_ai_hours else "all events"
        posting = rhythm_summary(tl_post)
        posts = [r for r in rows if not r["is_ai"] and not r["is_repost"]]
        per_post = [sum(_engagement(r["attributes"]).values()) for r in posts]
        totals: Counter[str] = Counter()
        for r in posts:
            totals.update(_engagement(r["attributes"]))
        platforms = sorted({r["source"] for r in posts})
        fol = [followers.get((s, a)) for s, a in accs]
        ext_accounts = set(ext.get(grp, []))
        out[grp] = {
            "n_accounts": len(accs),
            "n_events": len(rows),
            "rhythm": rhythm,
            "posting_rhythm": {k: posting.get(k) for k in ("pooled_offset", "pooled_confidence", "business_hours", "weekend_share")},
            "languages": _languages(rows, language_accounts),
            "automation": _automation(tl, batch),
            "reach": {
                "sources": sorted({r["source"] for r in rows}),
                "platforms": platforms,
                "n_posts": len(posts),
                "engagement": {k: int(v) for k, v in totals.items()},
                "total_engagement": int(sum(per_post)),
                "median_engagement_per_post": float(statistics.median(per_post)) if per_post else 0.0,
                "max_followers": max((f for f in fol if f is not None), default=None),
            },
            "breakout_inputs": {
                "platforms": len(platforms),
                "external_interactions": len(ext.get(grp, [])),
                "external_accounts": len(ext_accounts),
                "posts_with_engagement_share": round(sum(1 for x in per_post if x > 0) / len(posts), 3) if posts else 0.0,
                "note": "inputs to a Breakout Scale assessment, not a category",
            },
        }
        out[grp]["utc_offset"] = rhythm["utc_offset"]
        out[grp]["summary"] = behaviour_summary(out[grp])
    return out


def behaviour_summary(profile: Mapping[str, Any]) -> str:
    """One line for a console table: time zone, languages, automation and reach."""
    parts: list[str] = []
    rh = profile.get("rhythm") or {}
    if rh.get("utc_offset") is not None:
        agree = rh.get("agreeing_share")
        extra = f", {agree:.0%} of confident accounts agree" if agree is not None else ""
        parts.append(f"UTC{rh['utc_offset']:+d} (office hours {rh.get('business_hours') or 0:.2f}{extra})")
    else:
        parts.append("time zone: low confidence")
    lang = profile.get("languages") or {}
    prompt, output, post = (next(iter(lang.get(r) or {}), None) for r in ("prompt", "output", "post"))
    if prompt or output:
        parts.append(f"prompts {prompt or '?'}→output {output or '?'}")
    if post:
        parts.append(f"posts {post}")
    auto = profile.get("automation") or {}
    if auto.get("automated_share") or auto.get("batch_created_share"):
        parts.append(f"automated {auto.get('automated_share', 0):.0%}, batch-created {auto.get('batch_created_share', 0):.0%}")
    reach = profile.get("reach") or {}
    bo = profile.get("breakout_inputs") or {}
    if reach.get("n_posts"):
        parts.append(f"{bo.get('platforms', 0)} platform(s), {reach['n_posts']} posts, "
                     f"engagement {reach.get('total_engagement', 0)}, {bo.get('external_accounts', 0)} outside accounts")
    return " · ".join(parts)


def behaviour_profile(
    tables: DetectContext | Engine | Mapping[str, pa.Table], accounts: Sequence[Account], language_accounts: int = 40
) -> dict[str, Any]:
    """Profile one operation given its ``(source, account_id)`` accounts."""
    return behaviour_profiles(tables, {"operation": list(accounts)}, language_accounts)["operation"]
