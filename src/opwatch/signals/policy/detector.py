"""The workspace detectors: ``policy`` (one signal per event) and ``policy_account``.

``policy`` classifies the ``text`` of every event with text (prompts on AI
services, posts, replies and reposts on platforms) with the shipped offline
classifier, optionally with a model judge, and returns one signal per such
event. The offline model was trained on requests to AI services; on social
posts it is outside its domain (on the benign posts of a simulated world it
flagged 1.7 % of the background population's and 7.4 % of a viral-link
crowd's, against under 1 % of benign requests), so by default events whose ``kind`` is
one of ``post_kinds`` are judged by the rules (and the judge) only —
``model_on_posts=True`` restores the model there (evidence says
``"model": false`` where it was skipped). There is one signal per classified
event (so shares over "classified events" are right): ``category`` and
``score`` are the result's (the harmful category and its score when flagged,
else ``benign`` and the benign score), and ``evidence`` holds ``flagged``,
``harm`` (the overall harm score) and ``threshold``; for events whose harm
reaches ``detail_min`` also every category's score and what fired (kept out
of the rest to keep the table small).

``model`` names other offline weights than the shipped ones (for example a
copy calibrated on the service's own harmless traffic by ``opwatch
calibrate``).

``policy_account`` turns those into one signal per account (see profile.py),
so that an account whose requests are each borderline but consistently so is
found. It reads the ``policy`` rows from ``signals`` when the signal stage has
already produced them, and otherwise runs the event detector itself (the
result of the last run on the same engine and events is reused).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from opwatch.models import dumps
from opwatch.registry import register_detector
from opwatch.signals.base import DetectContext, Detector, empty_signals, signals_table

_LAST: dict[tuple[int, int, str], pa.Table] = {}

#: event kinds that are posts on a platform rather than requests to an AI service
POST_KINDS: tuple[str, ...] = ("post", "reply", "repost", "comment", "share", "quote")


def _events_key(ctx: DetectContext) -> tuple[int, int, str]:
    t = ctx.sql("SELECT count(*) AS n, CAST(max(timestamp) AS VARCHAR) AS m FROM events")
    return (id(ctx.engine), int(t["n"][0].as_py() or 0), str(t["m"][0].as_py()))


@register_detector
class PolicyDetector(Detector):
    """Usage-policy category of each event (rules + offline model [+ judge])."""

    name = "policy"
    subject = "event"

    def __init__(
        self,
        detail_min: float = 0.2,
        judge_url: str | None = None,
        judge_model: str | None = None,
        batch_size: int = 20000,
        model_on_posts: bool = False,
        post_kinds: tuple[str, ...] = POST_KINDS,
        model: str | None = None,
    ) -> None:
        self.detail_min = detail_min
        self.judge_url = judge_url
        self.judge_model = judge_model
        self.batch_size = batch_size
        self.model_on_posts = model_on_posts
        self.post_kinds = tuple(post_kinds)
        self.model = model

    def _classifier(self) -> Any:
        from opwatch.signals.policy.classifier import Classifier

        if self.judge_url or self.model:
            return Classifier(judge_url=self.judge_url, judge_model=self.judge_model, model=self.model,
                              layers=("rules", "model", "judge") if self.judge_url else ("rules", "model"))
        return Classifier.default()

    def run(self, ctx: DetectContext) -> pa.Table:
        key = _events_key(ctx)
        cacheable = (
            not self.judge_url and not self.model and self.detail_min == 0.2 and not self.model_on_posts
            and self.post_kinds == POST_KINDS
        )
        if cacheable and key in _LAST:
            return _LAST[key]
        events = ctx.sql(
            "SELECT event_id, source, account_id, text, lang, kind FROM events "
            "WHERE text IS NOT NULL AND length(text) > 0"
        )
        if events.num_rows == 0:
            return empty_signals()
        clf = self._classifier()
        cols: dict[str, list[Any]] = {k: [] for k in ("source", "account_id", "event_id", "category", "score", "evidence")}
        advance = ctx.step("policy: classifying events", events.num_rows)
        posts = set(self.post_kinds)
        for batch in events.to_batches(self.batch_size):
            d = batch.to_pydict()
            use_model = [self.model_on_posts or k not in posts for k in d["kind"]]
            results = clf.classify(d["text"], d["lang"], use_model)
            for i, r in enumerate(results):
                harm = round(1.0 - r.scores["benign"], 4)
                ev: dict[str, Any] = {"flagged": r.flagged, "harm": harm, "threshold": clf.threshold}
                if not use_model[i]:
                    ev["model"] = False
                if harm >= self.detail_min:
                    ev.update(scores=r.scores, evidence=r.evidence)
                cols["source"].append(d["source"][i])
                cols["account_id"].append(d["account_id"][i])
                cols["event_id"].append(d["event_id"][i])
                cols["category"].append(r.category)
                cols["score"].append(r.score)
                cols["evidence"].append(dumps(ev))
            advance(batch.num_rows)
        n = len(cols["event_id"])
        table = signals_table({**cols, "detector": [self.name] * n, "subject": [self.subject] * n})
        if cacheable:
            _LAST.clear()
            _LAST[key] = table
        return table


@register_detector
class PolicyAccountDetector(Detector):
    """Per-account category profile from the account's event classifications."""

    name = "policy_account"
    subject = "account"

    def __init__(self, floor: float = 0.2, min_events: int = 3, min_share: float = 0.05, top_k: int = 5) -> None:
        self.floor = floor
        self.min_events = min_events
        self.min_share = min_share
        self.top_k = top_k

    def _event_signals(self, ctx: DetectContext) -> pa.Table:
        if ctx.engine.has("signals"):
            t = ctx.sql(
                "SELECT source, account_id, event_id, evidence FROM signals WHERE detector = 'policy'"
            )
            if t.num_rows:
                return t
        return PolicyDetector().run(ctx)

    def run(self, ctx: DetectContext) -> pa.Table:
        from opwatch.models import account_key, split_account_key
        from opwatch.signals.policy.profile import account_profile
        from opwatch.signals.policy.taxonomy import load_taxonomy

        sig = self._event_signals(ctx)
        if sig.num_rows == 0:
            return empty_signals()
        counts = ctx.sql("SELECT source, account_id, count(*) AS n FROM events GROUP BY source, account_id")
        n_events = {
            account_key(s, a): int(n)
            for s, a, n in zip(
                counts["source"].to_pylist(), counts["account_id"].to_pylist(), counts["n"].to_pylist(), strict=True
            )
        }
        d = sig.select(["source", "account_id", "event_id", "evidence"]).to_pydict()
        threshold = load_taxonomy().flag_threshold
        rows = (
            (account_key(s, a), e, json.loads(ev).get("scores") or {})
            for s, a, e, ev in zip(d["source"], d["account_id"], d["event_id"], d["evidence"], strict=True)
        )
        profiles = account_profile(
            rows, n_events, threshold=threshold, floor=self.floor, top_k=self.top_k,
            min_events=self.min_events, min_share=self.min_share,
        )
        out: dict[str, list[Any]] = {k: [] for k in ("source", "account_id", "category", "score", "evidence")}
        for key, prof in profiles.items():
            if prof.score < self.floor:
                continue
            source, account = split_account_key(key)
            top = prof.category if prof.flagged else max(prof.aggregate, key=lambda c: prof.aggregate[c])
            out["source"].append(source)
            out["account_id"].append(account)
            out["category"].append(top)
            out["score"].append(prof.score)
            out["evidence"].append(dumps({k: v for k, v in prof.to_dict().items() if k != "account"}))
        n = len(out["source"])
        return signals_table({**out, "detector": [self.name] * n, "subject": [self.subject] * n})
