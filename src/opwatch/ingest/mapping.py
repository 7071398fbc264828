"""Mapping files: how another schema's columns become the canonical ones.

A mapping is YAML::

    events:                 # canonical name: column name in the input
      event_id: id
      account_id: user.id   # dotted paths reach into nested JSON objects
      timestamp: created_at
      text: body
    accounts:
      account_id: uid
    defaults:               # constant values for canonical fields the input lacks
      source: forum
      kind: post
    timezone: UTC           # how to read timestamps that carry no offset (default: reject them)
    list_separator: " "     # how CSV cells split into lists (default: JSON array or white space)

Unknown canonical names are an error (caught when the mapping is loaded, not
row by row), so a typo cannot silently drop a column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opwatch.models import ACCOUNT_SCHEMA, EVENT_SCHEMA


class MappingError(ValueError):
    """The mapping file is unreadable or names fields that do not exist."""


@dataclass(frozen=True)
class Mapping:
    events: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    timezone: str | None = None
    list_separator: str | None = None

    def columns(self, table: str) -> dict[str, str]:
        return self.events if table == "events" else self.accounts

    @staticmethod
    def load(path: str | Path | None) -> Mapping:
        if path is None:
            return Mapping()
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise MappingError(f"cannot read mapping file {path}: {exc}") from exc
        if not isinstance(raw, dict):
            raise MappingError(f"mapping file {path} must be a YAML mapping at the top level")
        allowed = {"events", "accounts", "defaults", "timezone", "list_separator"}
        unknown = set(raw) - allowed
        if unknown:
            raise MappingError(
                f"mapping file {path}: unknown sections {sorted(unknown)}; allowed: {sorted(allowed)}"
            )
        for table, schema in (("events", EVENT_SCHEMA), ("accounts", ACCOUNT_SCHEMA)):
            cols = raw.get(table) or {}
            if not isinstance(cols, dict):
                raise MappingError(f"mapping file {path}: '{table}' must map canonical names to columns")
            bad = set(cols) - set(schema.names)
            if bad:
                raise MappingError(
                    f"mapping file {path}: {table} has no canonical fields {sorted(bad)}; "
                    f"canonical fields are {schema.names}"
                )
        defaults = raw.get("defaults") or {}
        bad = set(defaults) - set(EVENT_SCHEMA.names) - set(ACCOUNT_SCHEMA.names)
        if bad:
            raise MappingError(f"mapping file {path}: defaults for unknown fields {sorted(bad)}")
        tz = raw.get("timezone")
        if tz is not None and str(tz).upper() != "UTC":
            raise MappingError(
                f"mapping file {path}: timezone may only be 'UTC' (offset-less timestamps read as UTC)"
            )
        return Mapping(
            events={str(k): str(v) for k, v in (raw.get("events") or {}).items()},
            accounts={str(k): str(v) for k, v in (raw.get("accounts") or {}).items()},
            defaults=dict(defaults),
            timezone="UTC" if tz else None,
            list_separator=raw.get("list_separator"),
        )


def lookup(row: dict[str, Any], column: str) -> Any:
    """Read ``column`` from a row; dotted names reach into nested objects."""
    if column in row:
        return row[column]
    if "." in column:
        cur: Any = row
        for part in column.split("."):
            if not isinstance(cur, dict) or part not in cur:
                return None
            cur = cur[part]
        return cur
    return None


def apply(row: dict[str, Any], table: str, mapping: Mapping, names: list[str]) -> dict[str, Any]:
    """Rename a raw row's columns to the canonical ``names`` of ``table``."""
    cols = mapping.columns(table)
    out: dict[str, Any] = {}
    for name in names:
        value = lookup(row, cols[name]) if name in cols else row.get(name)
        if value is None and name in mapping.defaults:
            value = mapping.defaults[name]
        out[name] = value
    return out
