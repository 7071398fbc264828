"""Validation: one mapped row → one canonical row, or the field and reason it fails.

Rules (docs/concepts.md, "Canonical input"): required fields present; ids are
strings (integers are accepted and written as strings); timestamps are ISO-8601
with an offset or epoch seconds, stored as UTC microseconds; lists are JSON
arrays of strings (or, in CSV, white-space separated); ``attributes`` is a JSON
object; no field is absurdly long.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from opwatch.ingest.mapping import Mapping
from opwatch.models import ACCOUNT_REQUIRED, EVENT_REQUIRED, LIST_FIELDS

#: longest text-like field kept (characters); longer rows go to quarantine
MAX_TEXT_CHARS = 200_000
#: longest id-like field (characters)
MAX_ID_CHARS = 512
#: longest list (items) in urls / hashtags / mentions
MAX_LIST_ITEMS = 1_000

_SOURCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
_ID_FIELDS = {"event_id", "account_id", "conversation_id", "reply_to", "repost_of", "device_id", "payment_fingerprint"}
_TEXT_FIELDS = {"text", "response", "display_name"}
_TIME_FIELDS = {"timestamp", "created_at"}
_EPOCH_MIN, _EPOCH_MAX = 0, 4_102_444_800  # 1970 .. 2100


class RowError(ValueError):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def parse_timestamp(value: Any, field: str, assume_utc: bool) -> int:
    """Return UTC epoch microseconds."""
    if isinstance(value, bool):
        raise RowError(field, "expected a timestamp, got a boolean")
    if isinstance(value, int | float):
        secs = float(value)
    elif isinstance(value, datetime):
        dt = value
        if dt.tzinfo is None:
            if not assume_utc:
                raise RowError(field, "timestamp has no UTC offset; add one or set 'timezone: UTC' in a mapping")
            dt = dt.replace(tzinfo=UTC)
        return int(round(dt.timestamp() * 1_000_000))
    elif isinstance(value, str):
        s = value.strip()
        try:
            secs = float(s)
        except ValueError:
            try:
                dt = datetime.fromisoformat(s)
            except ValueError:
                raise RowError(field, f"unparseable timestamp {s[:60]!r}; use ISO-8601 with offset or epoch seconds") from None
            if dt.tzinfo is None:
                if not assume_utc:
                    raise RowError(field, "timestamp has no UTC offset; add one or set 'timezone: UTC' in a mapping") from None
                dt = dt.replace(tzinfo=UTC)
            return int(round(dt.timestamp() * 1_000_000))
    else:
        raise RowError(field, f"expected a timestamp, got {type(value).__name__}")
    if not math.isfinite(secs) or not _EPOCH_MIN <= secs <= _EPOCH_MAX:
        raise RowError(field, f"epoch seconds out of range: {value!r}")
    return int(round(secs * 1_000_000))


def _as_id(value: Any, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(field, f"expected a string id, got {type(value).__name__}")
    s = str(value)
    if len(s) > MAX_ID_CHARS:
        raise RowError(field, f"id longer than {MAX_ID_CHARS} characters")
    return s


def _as_text(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        else:
            raise RowError(field, f"expected text, got {type(value).__name__}")
    if len(value) > limit:
        raise RowError(field, f"field longer than {limit} characters ({len(value)})")
    if "\x00" in value:
        raise RowError(field, "contains a NUL character")
    return value


def _as_list(value: Any, field: str, sep: str | None, from_text: bool) -> list[str]:
    if isinstance(value, str) and from_text:
        s = value.strip()
        if s.startswith("["):
            try:
                value = json.loads(s)
            except json.JSONDecodeError:
                raise RowError(field, "list cell is not a valid JSON array") from None
        else:
            value = [v for v in (s.split(sep) if sep else s.split()) if v]
    if not isinstance(value, list | tuple):
        raise RowError(field, f"expected a list, got {type(value).__name__}")
    if len(value) > MAX_LIST_ITEMS:
        raise RowError(field, f"more than {MAX_LIST_ITEMS} items")
    out = []
    for item in value:
        if not isinstance(item, str):
            raise RowError(field, f"list items must be strings, got {type(item).__name__}")
        out.append(_as_text(item, field, 4096))
    return out


def _as_attributes(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise RowError("attributes", "attributes is not valid JSON") from None
    if not isinstance(value, dict):
        raise RowError("attributes", f"attributes must be a JSON object, got {type(value).__name__}")
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) > MAX_TEXT_CHARS:
        raise RowError("attributes", f"attributes longer than {MAX_TEXT_CHARS} characters")
    return text


def _as_int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise RowError(field, "expected an integer, got a boolean")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise RowError(field, f"expected an integer, got {value!r}"[:120]) from None
    if not math.isfinite(f) or f != int(f) or abs(f) > 2**62:
        raise RowError(field, f"expected an integer, got {value!r}"[:120])
    return int(f)


def validate(
    row: dict[str, Any], table: str, mapping: Mapping, lists_from_text: bool = False
) -> dict[str, Any]:
    """Check and convert one mapped row; raises :class:`RowError`.

    ``lists_from_text``: list fields may arrive as text cells (CSV) and are split.
    """
    required = EVENT_REQUIRED if table == "events" else ACCOUNT_REQUIRED
    for name in required:
        v = row.get(name)
        if v is None or (isinstance(v, str) and not v.strip()):
            raise RowError(name, "required field is missing or empty")
    assume_utc = mapping.timezone == "UTC"
    out: dict[str, Any] = {}
    for name, value in row.items():
        if value is None:
            out[name] = None
            continue
        if name == "source":
            s = _as_id(value, name)
            if not _SOURCE_RE.match(s):
                raise RowError(name, "source must be 1-64 letters, digits, '.', '_' or '-' (no ':')")
            out[name] = s
        elif name in _ID_FIELDS:
            out[name] = _as_id(value, name)
        elif name in _TIME_FIELDS:
            out[name] = parse_timestamp(value, name, assume_utc)
        elif name in LIST_FIELDS:
            out[name] = _as_list(value, name, mapping.list_separator, lists_from_text)
        elif name == "attributes":
            out[name] = _as_attributes(value)
        elif name == "followers":
            out[name] = _as_int(value, name)
        elif name in _TEXT_FIELDS:
            out[name] = _as_text(value, name, MAX_TEXT_CHARS)
        else:
            out[name] = _as_text(value, name, 4096)
    return out
