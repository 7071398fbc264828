"""Write edge tables as CSV, GraphML or GEXF (the format follows the file name unless given).

The first two string columns are the edge's endpoints (``user_1, user_2`` or
``account_a, account_b``); every other column becomes an edge attribute.
GraphML and GEXF are written with the standard library's XML escaping, one
node per account, ``directed`` as given.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from xml.sax.saxutils import quoteattr

if TYPE_CHECKING:
    import pyarrow as pa

EXPORT_FORMATS = ("csv", "graphml", "gexf")


def format_for(path: str | Path, fmt: str | None = None) -> str:
    fmt = fmt or Path(path).suffix.lstrip(".").lower() or "csv"
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def _xml_type(t: pa.DataType, graphml: bool) -> str:
    import pyarrow as pa

    if pa.types.is_integer(t):
        return "long"
    if pa.types.is_floating(t):
        return "double"
    return "string"


def _endpoints(table: pa.Table) -> tuple[str, str, list[str]]:
    names = table.column_names
    src, dst = names[0], names[1]
    return src, dst, names[2:]


def _nodes(table: pa.Table, src: str, dst: str) -> list[str]:
    return sorted(set(table.column(src).to_pylist()) | set(table.column(dst).to_pylist()))


def _write_graphml(table: pa.Table, fh: TextIO, directed: bool) -> None:
    src, dst, attrs = _endpoints(table)
    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    fh.write('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
    for i, name in enumerate(attrs):
        t = _xml_type(table.schema.field(name).type, True)
        fh.write(f'  <key id="e{i}" for="edge" attr.name={quoteattr(name)} attr.type="{t}"/>\n')
    fh.write(f'  <graph edgedefault="{"directed" if directed else "undirected"}">\n')
    for node in _nodes(table, src, dst):
        fh.write(f"    <node id={quoteattr(str(node))}/>\n")
    cols = [table.column(n).to_pylist() for n in [src, dst, *attrs]]
    for row in zip(*cols, strict=True):
        fh.write(f"    <edge source={quoteattr(str(row[0]))} target={quoteattr(str(row[1]))}>")
        for i, value in enumerate(row[2:]):
            if value is not None:
                fh.write(f'<data key="e{i}">{_text(value)}</data>')
        fh.write("</edge>\n")
    fh.write("  </graph>\n</graphml>\n")


def _text(value: object) -> str:
    from xml.sax.saxutils import escape

    return escape(str(value))


def _write_gexf(table: pa.Table, fh: TextIO, directed: bool) -> None:
    src, dst, attrs = _endpoints(table)
    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    fh.write('<gexf xmlns="http://gexf.net/1.3" version="1.3">\n')
    fh.write(f'  <graph defaultedgetype="{"directed" if directed else "undirected"}">\n')
    fh.write('    <attributes class="edge">\n')
    for i, name in enumerate(attrs):
        t = _xml_type(table.schema.field(name).type, False)
        fh.write(f'      <attribute id="{i}" title={quoteattr(name)} type="{t}"/>\n')
    fh.write("    </attributes>\n    <nodes>\n")
    for node in _nodes(table, src, dst):
        fh.write(f"      <node id={quoteattr(str(node))} label={quoteattr(str(node))}/>\n")
    fh.write("    </nodes>\n    <edges>\n")
    cols = [table.column(n).to_pylist() for n in [src, dst, *attrs]]
    weight_at = attrs.index("weight") if "weight" in attrs else None
    for e, row in enumerate(zip(*cols, strict=True)):
        w = f" weight={quoteattr(str(row[2 + weight_at]))}" if weight_at is not None else ""
        fh.write(f'      <edge id="{e}" source={quoteattr(str(row[0]))} target={quoteattr(str(row[1]))}{w}><attvalues>')
        for i, value in enumerate(row[2:]):
            if value is not None:
                fh.write(f'<attvalue for="{i}" value={quoteattr(str(value))}/>')
        fh.write("</attvalues></edge>\n")
    fh.write("    </edges>\n  </graph>\n</gexf>\n")


def _write_csv(table: pa.Table, path: Path, threads: int | None = None, slice_rows: int = 250_000) -> None:
    """CSV (pyarrow's writer): slices formatted on several threads, written in order.

    At most ``threads`` slices are in memory at once, so memory stays bounded
    however many edges there are.
    """
    import io
    import os
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    import pyarrow.csv as pacsv

    threads = threads or min(os.cpu_count() or 1, 8)
    if threads <= 1 or table.num_rows <= slice_rows:
        pacsv.write_csv(table, str(path))
        return

    def render(start: int) -> bytes:
        buf = io.BytesIO()
        opts = pacsv.WriteOptions(include_header=start == 0)
        pacsv.write_csv(table.slice(start, slice_rows), buf, write_options=opts)
        return buf.getvalue()

    pending: deque[Future[bytes]] = deque()
    with ThreadPoolExecutor(threads) as pool, path.open("wb") as fh:
        for start in range(0, table.num_rows, slice_rows):
            if len(pending) >= threads:
                fh.write(pending.popleft().result())
            pending.append(pool.submit(render, start))
        while pending:
            fh.write(pending.popleft().result())


def write_edges(table: pa.Table, path: str | Path, fmt: str | None = None, directed: bool = True) -> Path:
    """Write ``table`` to ``path`` as CSV, GraphML or GEXF; returns the path."""
    path = Path(path)
    fmt = format_for(path, fmt)
    if fmt == "csv":
        _write_csv(table, path)
        return path
    with path.open("w", encoding="utf-8") as fh:
        if fmt == "graphml":
            _write_graphml(table, fh, directed)
        else:
            _write_gexf(table, fh, directed)
    return path
