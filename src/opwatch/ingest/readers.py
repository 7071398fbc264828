"""Readers: stream raw rows out of JSON Lines, CSV and Parquet files.

Each reader yields :class:`RawRow` — the 1-based line (or row) number, the
parsed row or the reason it could not be parsed, and the raw text for the
quarantine. Readers hold one row (or one Parquet record batch) at a time, so
files of any size stream in bounded memory. ``position`` reports bytes (or rows)
consumed so a progress bar can follow.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: a raw line longer than this is quarantined before it is parsed
MAX_LINE_BYTES = 4 * 1024 * 1024


@dataclass
class RawRow:
    line: int
    row: dict[str, Any] | None
    error: str | None = None
    field: str | None = None
    raw: str | None = None
    position: int = 0  # bytes (text formats) or rows (Parquet) consumed so far


def detect_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".gz", ".bz2", ".xz"):
        if name.endswith(suffix):
            raise ValueError(
                f"{path}: compressed input is not read directly; decompress it first (e.g. gunzip)"
            )
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise ValueError(f"{path}: unknown file type; use .jsonl, .csv or .parquet")


def total_size(path: Path, fmt: str) -> int:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    return path.stat().st_size


def _decode(raw: bytes) -> tuple[str | None, str]:
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError as exc:
        return None, f"non-UTF-8 bytes at offset {exc.start}"


def read_jsonl(path: Path) -> Iterator[RawRow]:
    pos = 0
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            pos += len(raw)
            if not raw.strip():
                continue
            if len(raw) > MAX_LINE_BYTES:
                yield RawRow(n, None, f"line longer than {MAX_LINE_BYTES} bytes", None,
                             raw[:2000].decode("utf-8", "backslashreplace") + "…", pos)
                continue
            text, err = _decode(raw.rstrip(b"\r\n"))
            if text is None:
                yield RawRow(n, None, err, None, raw.decode("utf-8", "backslashreplace"), pos)
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield RawRow(n, None, f"invalid JSON: {exc.msg} (column {exc.colno})", None, text, pos)
                continue
            if not isinstance(obj, dict):
                yield RawRow(n, None, f"expected a JSON object, got {type(obj).__name__}", None, text, pos)
                continue
            yield RawRow(n, obj, raw=text, position=pos)


class _CountingReader(io.RawIOBase):
    """Wraps a binary file to count bytes read (for the progress bar)."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.fh.read(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        return n


def read_csv(path: Path) -> Iterator[RawRow]:
    delimiter = "\t" if path.name.lower().endswith(".tsv") else ","
    with path.open("rb") as fh:
        counter = _CountingReader(fh)
        # surrogateescape keeps undecodable bytes so they can be reported per row
        text = io.TextIOWrapper(io.BufferedReader(counter), encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            return
        header = [h.strip().lstrip("\ufeff") for h in header]
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield RawRow(reader.line_num, None, f"malformed CSV: {exc}", None, None, counter.count)
                continue
            line = reader.line_num
            if not cells or all(c == "" for c in cells):
                continue
            raw = delimiter.join(cells)
            try:
                raw.encode("utf-8")
            except UnicodeEncodeError as exc:
                yield RawRow(line, None, f"non-UTF-8 bytes at offset {exc.start}", None,
                             raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"),
                             counter.count)
                continue
            if len(cells) != len(header):
                yield RawRow(line, None, f"expected {len(header)} columns, found {len(cells)}", None,
                             raw, counter.count)
                continue
            row = {h: (c if c != "" else None) for h, c in zip(header, cells, strict=True)}
            yield RawRow(line, row, raw=raw, position=counter.count)


def read_parquet(path: Path) -> Iterator[RawRow]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    n = 0
    for batch in pf.iter_batches(batch_size=50_000):
        for row in batch.to_pylist():
            n += 1
            yield RawRow(n, row, raw=None, position=n)


def read_rows(path: Path) -> Iterator[RawRow]:
    fmt = detect_format(path)
    if fmt == "jsonl":
        return read_jsonl(path)
    if fmt == "csv":
        return read_csv(path)
    return read_parquet(path)
