"""The glossary nouns as table schemas and small dataclasses.

Every stage passes Arrow tables whose columns are fixed here, so that a stage
written once runs on any engine (DuckDB locally, Spark at scale). Names come
from docs/concepts.md; no synonyms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

#: Canonical event columns (the input contract, see docs/concepts.md).
EVENT_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("source", pa.string()),
        ("account_id", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("kind", pa.string()),
        ("text", pa.string()),
        ("response", pa.string()),
        ("conversation_id", pa.string()),
        ("reply_to", pa.string()),
        ("repost_of", pa.string()),
        ("urls", pa.list_(pa.string())),
        ("hashtags", pa.list_(pa.string())),
        ("mentions", pa.list_(pa.string())),
        ("ip", pa.string()),
        ("user_agent", pa.string()),
        ("device_id", pa.string()),
        ("model", pa.string()),
        ("lang", pa.string()),
        ("attributes", pa.string()),  # JSON object as text
    ]
)

#: Canonical account columns.
ACCOUNT_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("source", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("email", pa.string()),
        ("email_domain", pa.string()),
        ("phone", pa.string()),
        ("payment_fingerprint", pa.string()),
        ("signup_ip", pa.string()),
        ("country", pa.string()),
        ("display_name", pa.string()),
        ("followers", pa.int64()),
        ("attributes", pa.string()),
    ]
)

#: One observable attached to an account (and, where known, an event).
INDICATOR_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("account_id", pa.string()),
        ("kind", pa.string()),
        ("value", pa.string()),
        ("event_id", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
    ]
)

#: A detector's finding about one event or one account.
SIGNAL_SCHEMA = pa.schema(
    [
        ("detector", pa.string()),
        ("subject", pa.string()),  # "event" or "account"
        ("source", pa.string()),
        ("account_id", pa.string()),
        ("event_id", pa.string()),  # null for account signals
        ("category", pa.string()),
        ("score", pa.float64()),
        ("evidence", pa.string()),  # JSON
    ]
)

#: Evidence that two accounts are coordinated, of one layer.
LINK_SCHEMA = pa.schema(
    [
        ("layer", pa.string()),
        ("source_a", pa.string()),
        ("account_a", pa.string()),
        ("source_b", pa.string()),
        ("account_b", pa.string()),
        ("weight", pa.float64()),  # 0..1, strength of the link
        ("pvalue", pa.float64()),  # under the layer's null model (1.0 when not tested)
        ("n_shared", pa.int64()),  # shared objects behind the link
        ("evidence", pa.string()),  # JSON list of {object, event_a, event_b, gap_s}
    ]
)

EVENT_REQUIRED = ("event_id", "source", "account_id", "timestamp")
ACCOUNT_REQUIRED = ("account_id", "source")
LIST_FIELDS = ("urls", "hashtags", "mentions")


def account_key(source: str, account_id: str) -> str:
    """The one string that names an account across sources (``source:account_id``)."""
    return f"{source}:{account_id}"


def split_account_key(key: str) -> tuple[str, str]:
    source, _, account_id = key.partition(":")
    return source, account_id


@dataclass
class Operation:
    """A cluster of linked accounts judged likely to share an operator."""

    operation_id: str
    score: float
    coordination: float
    policy: float
    inauthenticity: float
    flagged: bool
    accounts: list[str]
    sources: list[str]
    categories: dict[str, float] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.accounts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation_id": self.operation_id,
            "score": self.score,
            "parts": {
                "coordination": self.coordination,
                "policy": self.policy,
                "inauthenticity": self.inauthenticity,
            },
            "flagged": self.flagged,
            "size": self.size,
            "accounts": self.accounts,
            "sources": self.sources,
            "categories": self.categories,
            "profile": self.profile,
            "evidence": self.evidence,
        }


def dumps(obj: Any) -> str:
    """Compact, stable JSON used for evidence columns."""
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str)
