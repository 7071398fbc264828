"""Quarantine: where bad rows go, with file, line, field and reason — never dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any


class Quarantine:
    """Append-only JSON Lines writer of rejected rows, counting reasons as it goes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.by_reason: dict[str, int] = {}
        self._fh: IO[str] | None = None

    def add(self, file: str, line: int, table: str, field: str | None, reason: str, raw: Any) -> None:
        if self._fh is None:
            self._fh = self.path.open("w", encoding="utf-8")
        rec = {"file": file, "line": line, "table": table, "field": field, "reason": reason, "raw": raw}
        self._fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
        self.count += 1
        key = f"{field or 'row'}: " + reason.split(";")[0].split(" (")[0].split(" at offset")[0][:60]
        self.by_reason[key] = self.by_reason.get(key, 0) + 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            self._fh.close()
            self._fh = None
