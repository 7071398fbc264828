"""Deterministic generated input in the QUT toolkit's 8-column CSV, for tests and benchmarks.

``social_stream(n)``: ``n`` messages over ``days`` days from ``n / 20`` accounts
with heavy-tailed activity: originals (some with URLs, hashtags, mentions),
replies and reposts of popular targets, plus small planted groups that repost,
post the same or nearly the same text, reply to and link the same thing within
seconds. ``planted_vs_viral()``: the significance demonstration — a planted
group that co-reposts many obscure targets, an organic crowd that reposts one
viral target in a burst, and background activity. Nothing here is real data.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from opwatch.links.coordination.readers import QUT_COLUMNS

if TYPE_CHECKING:
    import numpy as np

Rows = dict[str, list[str]]

_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vi", "so", "pe", "di", "ga", "zu", "ho", "be"]
_PUNCT = ["!", ",", "?", "don't", "12.5", "#news", "#vote"]


def _vocab(rng: np.random.Generator, size: int = 4000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        n = int(rng.integers(2, 5))
        words.add("".join(_SYLLABLES[int(i)] for i in rng.integers(0, len(_SYLLABLES), n)))
    return sorted(words)


def _zipf_choice(rng: np.random.Generator, pool: int, size: int, a: float = 1.1) -> np.ndarray:
    import numpy as np

    weights = 1.0 / np.arange(1, pool + 1) ** a
    return rng.choice(pool, size=size, p=weights / weights.sum())


def _text(rng: np.random.Generator, vocab: list[str], n_words: int) -> list[str]:
    words = [vocab[int(i)] for i in rng.integers(0, len(vocab), n_words)]
    if rng.random() < 0.3:
        words.insert(int(rng.integers(0, len(words))), _PUNCT[int(rng.integers(0, len(_PUNCT)))])
    if rng.random() < 0.2:
        words.insert(0, f"@user{int(rng.integers(0, 999))}")
    return words


def _diurnal_times(rng: np.random.Generator, size: int, span: float, depth: float = 0.8) -> np.ndarray:
    """``size`` times in ``[0, span)`` with a daily rhythm: rate ∝ 1 + depth·sin(2πt / day)."""
    import numpy as np

    out = np.empty(0)
    while len(out) < size:
        t = rng.uniform(0, span, 2 * size)
        keep = rng.uniform(0, 1 + depth, len(t)) < 1 + depth * np.sin(2 * np.pi * t / 86400.0)
        out = np.concatenate((out, t[keep]))
    return out[:size]


def co_post_days(n: int) -> float:
    """Days a realistic ``n``-message collection spans for co_post: about 5,000 messages a day.

    A three-day spread puts ~460 other messages within ±60 s of each message at
    1M, far denser than collected data (the issue's 1M reference input gives
    6.8M co_post edges); at 5,000 a day a message has ~7 (more at the daily peak).
    """
    return max(3.0, n / 5000.0)


def social_stream(
    n: int, seed: int = 1, days: float = 3.0, group_share: float = 0.05, diurnal: bool = False
) -> Rows:
    """``n`` messages in the QUT columns (see module docstring); deterministic for a seed.

    ``diurnal``: organic messages follow a daily rhythm instead of a uniform spread.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    vocab = _vocab(rng)
    n_acc = max(n // 20, 10)
    span = days * 86400.0
    activity = rng.pareto(1.5, n_acc) + 1.0
    rows: Rows = {c: [] for c in QUT_COLUMNS}

    def add(user: int, kind: str, target: str, words: list[str], ts: float, urls: list[str]) -> None:
        i = len(rows["message_id"])
        rows["message_id"].append(f"m{i}")
        rows["user_id"].append(f"u{user}")
        rows["username"].append(f"name{user}")
        rows["repost_id"].append(target if kind == "repost" else "")
        rows["reply_id"].append(target if kind == "reply" else "")
        rows["message"].append(" ".join(words))
        rows["timestamp"].append(str(int(ts)))
        rows["urls"].append(" ".join(urls))

    n_group = int(n * group_share)
    n_organic = n - n_group
    users = rng.choice(n_acc, size=n_organic, p=activity / activity.sum())
    times = _diurnal_times(rng, n_organic, span) if diurnal else rng.uniform(0, span, n_organic)
    kinds = rng.choice(3, size=n_organic, p=[0.5, 0.35, 0.15])
    repost_t = _zipf_choice(rng, max(n // 10, 10), n_organic)
    reply_t = _zipf_choice(rng, max(n // 10, 10), n_organic)
    url_pick = _zipf_choice(rng, max(n // 20, 10), n_organic)
    lengths = rng.integers(6, 18, n_organic)
    for i in range(n_organic):
        k = int(kinds[i])
        words = _text(rng, vocab, int(lengths[i]))
        urls = [f"https://site{int(url_pick[i]) % 97}.example/p/{int(url_pick[i])}"] if k == 0 and rng.random() < 0.3 else []
        if k == 1:
            add(int(users[i]), "repost", f"t{int(repost_t[i])}", ["rt"] + words[:5], times[i], [])
        else:
            add(int(users[i]), "reply" if k == 2 else "post", f"r{int(reply_t[i])}", words, times[i], urls)
    # planted groups: 10 accounts acting within seconds of each other
    made = 0
    g = 0
    while made < n_group:
        members = rng.choice(n_acc, size=10, replace=False)
        t0 = float(rng.uniform(0, span - 60))
        mode = g % 4
        base = _text(rng, vocab, 15)
        for j, member in enumerate(members):
            ts = t0 + float(rng.integers(0, 30))
            if mode == 0:
                add(int(member), "repost", f"gt{g}", ["rt"] + base[:5], ts, [])
            elif mode == 1:
                add(int(member), "post", "", base, ts, [f"https://campaign.example/{g}"])
            elif mode == 2:
                words = list(base)
                words[j % len(words)] = vocab[int(rng.integers(0, len(vocab)))]
                add(int(member), "post", "", words, ts, [])
            else:
                add(int(member), "reply", f"gr{g}", _text(rng, vocab, 8), ts, [])
            made += 1
            if made >= n_group:
                break
        g += 1
    return rows


def planted_vs_viral(seed: int = 3) -> tuple[Rows, set[str], set[str]]:
    """Repost stream with a planted group and a viral crowd; returns rows, planted, crowd accounts."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows: Rows = {c: [] for c in QUT_COLUMNS}
    span = 3 * 86400.0

    def add(user: str, target: str, ts: float) -> None:
        rows["message_id"].append(f"m{len(rows['message_id'])}")
        rows["user_id"].append(user)
        rows["username"].append(user)
        rows["repost_id"].append(target)
        rows["reply_id"].append("")
        rows["message"].append("rt")
        rows["timestamp"].append(f"{ts:.0f}")
        rows["urls"].append("")

    background = [f"b{i}" for i in range(3000)]
    for user in background:
        for t in _zipf_choice(rng, 2000, int(rng.integers(3, 15))):
            add(user, f"t{int(t)}", float(rng.uniform(0, span)))
    crowd = [f"c{i}" for i in range(600)]
    burst = 40000.0
    for user in crowd:  # one viral post, reposted by the crowd within half an hour
        add(user, "viral", burst + float(rng.exponential(600)))
        for t in _zipf_choice(rng, 2000, int(rng.integers(1, 6))):
            add(user, f"t{int(t)}", float(rng.uniform(0, span)))
    planted = [f"p{i}" for i in range(12)]
    for obj in range(10):  # ten obscure targets, each amplified within 20 s
        t0 = float(rng.uniform(0, span - 60))
        for user in planted:
            if rng.random() < 0.8:
                add(user, f"op{obj}", t0 + float(rng.integers(0, 20)))
    return rows, set(planted), set(crowd)


def write_qut(rows: Rows, path: str | Path) -> Path:
    """Write rows as the toolkit's CSV (header, then the 8 columns in order)."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(QUT_COLUMNS)
        out.writerows(zip(*(rows[c] for c in QUT_COLUMNS), strict=True))
    return path
