"""Write edge tables as CSV, GraphML or GEXF (the format follows the file name unless given).

The first two string columns are the edge's endpoints (``user_1, user_2`` or
``account_a, account_b``); every other column becomes an edge attribute.
GraphML and GEXF are written with the standard library's XML escaping, one
node per account, ``directed`` as given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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


#: bytes that make a CSV value need quotes
_STRUCTURAL = b',"\r\n'


def _needs_quotes(col: pa.ChunkedArray | pa.Array) -> bool:
    """Whether any value of a string column holds a delimiter, quote or line break."""
    import numpy as np
    import pyarrow as pa

    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True  # string views and the like: let the writer decide
        offsets = chunk.buffers()[1]
        data = chunk.buffers()[2]
        if data is None or len(chunk) == 0:
            continue
        dtype = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        off = np.frombuffer(offsets, dtype=dtype, count=len(chunk) + 1, offset=chunk.offset * np.dtype(dtype).itemsize)
        text = np.frombuffer(data, dtype=np.uint8)[off[0] : off[-1]]
        if text.size and text.min() <= max(_STRUCTURAL):  # all four are below every letter and digit
            hit = np.zeros(text.shape, dtype=bool)
            for byte in _STRUCTURAL:
                hit |= text == byte
            if hit.any():
                return True
    return False


def _as_text(col: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """A number column as the CSV writer would print it, each distinct value formatted once.

    Formatting a double is what costs most in writing edges, and edge tables repeat
    few values (weights, volumes, p-values that depend only on them).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_integer(col.type) and len(col) > 0 and col.null_count == 0:
        low, high = pc.min_max(col).values()
        if 0 <= low.as_py() and high.as_py() < 1 << 16:  # small counts: a table of their texts
            import numpy as np

            table = pc.cast(pa.array(np.arange(high.as_py() + 1, dtype=np.int64)), pa.string())
            return pc.take(table, col)
    coded = pc.dictionary_encode(col)
    if len(coded.dictionary) * 4 > len(col):
        return pc.cast(col, pa.string())
    return pc.take(pc.cast(coded.dictionary, pa.string()), coded.indices)


def _csv_text(table: pa.Table) -> tuple[pa.Table, bool]:
    """``table`` ready for pyarrow's CSV writer: numbers pre-formatted, and whether to quote strings.

    Returns ``(text, False)`` — number columns as their text, strings as they are, to be
    written without quotes — when every column is a string or a number and no string
    needs quotes; otherwise ``(table, True)``: the plain writer, which quotes every string.
    Either way the file holds the same values as ``pyarrow.csv.write_csv`` (tested).
    """
    import pyarrow as pa

    strings = [pa.types.is_string(t) or pa.types.is_large_string(t) for t in table.schema.types]
    plain = not all(
        is_str or pa.types.is_integer(t) or pa.types.is_floating(t) for is_str, t in zip(strings, table.schema.types, strict=True)
    ) or any(_needs_quotes(table.column(i)) for i, is_str in enumerate(strings) if is_str)
    if plain:
        return table, True
    cols = [table.column(i) if is_str else _as_text(table.column(i)) for i, is_str in enumerate(strings)]
    return pa.table(cols, names=table.column_names), False


def write_csv(
    tables: Iterable[pa.Table], path: Path, threads: int | None = None, slice_rows: int = 250_000
) -> int:
    """Write ``tables`` (same schema, in order) as one CSV file; returns the rows written.

    Slices of at most ``slice_rows`` rows are prepared (:func:`_csv_text`) on ``threads``
    threads and written in order straight into the file, at most ``threads + 1`` of them
    in memory at once, so memory stays bounded however many edges there are; ``tables``
    may be a generator. The header comes from the first table (there must be one, empty
    or not) and is quoted as pyarrow quotes it.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from opwatch.links.coordination.arrays import ordered_map

    def slices() -> Iterator[tuple[bool, pa.Table]]:
        first = True
        for table in tables:
            for start in range(0, max(table.num_rows, 1), slice_rows):
                yield first, table.slice(start, slice_rows)
                first = False

    def prepare(item: tuple[bool, pa.Table]) -> tuple[bool, pa.Table, pa.Table, bool]:
        text, quoted = _csv_text(item[1])
        return item[0], item[1], text, quoted

    plain = pacsv.WriteOptions(include_header=False)
    unquoted = pacsv.WriteOptions(include_header=False, quoting_style="none")
    rows = 0
    with pa.OSFile(str(path), "wb") as sink:
        for first, table, text, quoted in ordered_map(prepare, slices(), threads):
            if first:
                pacsv.write_csv(table.slice(0, 0), sink)
            if text.num_rows:
                pacsv.write_csv(text, sink, write_options=plain if quoted else unquoted)
            rows += table.num_rows
    return rows


def _write_csv(table: pa.Table, path: Path, threads: int | None = None, slice_rows: int = 250_000) -> None:
    """One table as CSV (see :func:`write_csv`)."""
    write_csv([table], path, threads, slice_rows)


def write_edges(
    table: pa.Table | Iterable[pa.Table], path: str | Path, fmt: str | None = None, directed: bool = True
) -> Path:
    """Write ``table`` to ``path`` as CSV, GraphML or GEXF; returns the path.

    ``table`` may also be an iterable of tables in order (:func:`opwatch.links.coordination.api.Networks.compute_chunks`):
    CSV is then written as they come, the XML formats after joining them.
    """
    import pyarrow as pa

    path = Path(path)
    fmt = format_for(path, fmt)
    tables = [table] if isinstance(table, pa.Table) else table
    if fmt == "csv":
        write_csv(tables, path)
        return path
    if not isinstance(table, pa.Table):
        table = pa.concat_tables(list(tables))
    with path.open("w", encoding="utf-8") as fh:
        if fmt == "graphml":
            _write_graphml(table, fh, directed)
        else:
            _write_gexf(table, fh, directed)
    return path
