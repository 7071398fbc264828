"""``opwatch networks``: coordination networks of the QUT/CooRnet/CooRTweet kind from a file.

Subcommands: ``compute`` (one type), ``all`` (every type, input read once),
``evidence`` (the message pairs behind one edge) and ``types``. Heavy imports
(DuckDB, numpy, pyarrow) happen inside the commands to keep start-up fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

INPUT_FORMATS = ("qut", "canonical", "coortweet")
ALL_TYPES = ("co_post", "co_repost", "co_reply", "co_message", "co_similar", "co_link", "co_hashtag", "co_domain")


def _window(value: str) -> float | str:
    if value == "auto":
        return value
    try:
        w = float(value)
    except ValueError:
        raise click.BadParameter("give seconds (e.g. 60) or 'auto'") from None
    if w < 0:
        raise click.BadParameter("the window must be ≥ 0 seconds")
    return w


def _common(f: Any) -> Any:
    opts = [
        click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Input file."),
        click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="qut", show_default=True,
                     help="qut: the toolkit's 8-column CSV; canonical: opwatch events; coortweet: object_id, account_id, content_id, timestamp_share."),
        click.option("--window", default="60", show_default=True,
                     help="Time window in seconds (inclusive), or 'auto' for CooRnet's estimated interval."),
        click.option("--similarity", type=click.FloatRange(0, 1), default=0.8, show_default=True, help="co_similar: Jaccard threshold."),
        click.option("--min-doc-size", type=click.IntRange(0), default=1, show_default=True, help="co_similar: minimum distinct tokens."),
        click.option("--threads", type=click.IntRange(1), default=None, help="DuckDB threads (default: all cores)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _open(input_path: str, input_format: str, threads: int | None, types: list[str] | None = None) -> Any:
    from opwatch.links.coordination.api import Networks

    if types is not None:
        from opwatch.links.coordination.types import get

        try:
            types = [get(t).name for t in types]
        except KeyError as exc:
            raise click.ClickException(str(exc).strip("'\"")) from exc
    try:
        net = Networks.open(input_path, input_format, threads=threads, types=types)
    except Exception as exc:  # duckdb parse errors, missing columns
        raise click.ClickException(
            f"could not read {input_path} as {input_format}: {exc}\n"
            "Check --input-format; qut needs the 8 toolkit columns with a header row."
        ) from exc
    r = net.report
    if r.bad_timestamp or r.duplicate_id:
        _console().print(
            f"[yellow]{r.bad_timestamp} rows with an unreadable timestamp and {r.duplicate_id} "
            f"repeated message ids were left out[/] ({r.kept} of {r.rows} rows kept)"
        )
    return net


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@click.group("networks")
def command() -> None:
    """Coordination networks (co_post, co_repost, co_reply, co_message, co_similar, co_link, co_hashtag, co_domain).

    Same definitions as the QUT coordination-network-toolkit where it has the type,
    with p-values under a permutation null and FDR filtering instead of percentiles.
    """


@command.command("types")
def types_cmd() -> None:
    """List the network types."""
    from rich.console import Console
    from rich.table import Table

    from opwatch.links.coordination.types import get

    table = Table("type", "QUT toolkit name", "two messages match when")
    for name in ALL_TYPES:
        t = get(name)
        table.add_row(t.name, t.toolkit or "—", t.summary)
    Console().print(table)


def _compute_one(net: Any, ntype: str, window: float | str, min_weight: int, similarity: float,
                 min_doc_size: int, fdr: float | None, undirected: bool) -> Any:
    """The edges as one table, or — plain directed edges — as chunks to write as they come."""
    try:
        if undirected:
            return net.undirected(ntype, window, min_weight, similarity, fdr)
        if fdr is None:
            return net.compute_chunks(ntype, window, min_weight, similarity, min_doc_size)
        return net.compute(ntype, window, min_weight, similarity, min_doc_size, fdr)
    except (KeyError, ValueError) as exc:
        raise click.ClickException(str(exc).strip("'\"")) from exc


def _write(edges: Any, path: str | Path, out_format: str | None, directed: bool) -> tuple[Path, int]:
    """Write a table or chunks of one; returns the path and the number of edges."""
    import pyarrow as pa

    from opwatch.links.coordination.exports import write_edges

    if isinstance(edges, pa.Table):
        return write_edges(edges, path, out_format, directed=directed), edges.num_rows
    rows = 0

    def counted() -> Any:
        nonlocal rows
        for chunk in edges:
            rows += chunk.num_rows
            yield chunk

    return write_edges(counted(), path, out_format, directed=directed), rows


@command.command("compute")
@click.argument("network_type")
@_common
@click.option("--min-weight", type=click.IntRange(1), default=1, show_default=True, help="Drop edges lighter than this.")
@click.option("--fdr", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="Keep only edges significant at this false-discovery rate.")
@click.option("--undirected", is_flag=True, help="CooRTweet-style undirected edges (pair count, mean gap, symmetry).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output file: .csv, .graphml or .gexf.")
@click.option("--format", "out_format", type=click.Choice(["csv", "graphml", "gexf"]), default=None, help="Output format (default: from --out).")
def compute_cmd(network_type: str, input_path: str, input_format: str, window: str, similarity: float,
                min_doc_size: int, threads: int | None, min_weight: int, fdr: float | None,
                undirected: bool, out: str, out_format: str | None) -> None:
    """Compute one NETWORK_TYPE (our name or the toolkit's, e.g. co_retweet) and write its edges."""
    w = _window(window)
    net = _open(input_path, input_format, threads, [network_type])
    edges = _compute_one(net, network_type, w, min_weight, similarity, min_doc_size, fdr, undirected)
    _, n_edges = _write(edges, out, out_format, not undirected)
    shown = f"{net.last_params.window:g}" if hasattr(net, "last_params") and not undirected else str(w)
    _console().print(f"{network_type}: {n_edges} edges (window {shown} s) → {out}")


@command.command("all")
@_common
@click.option("--types", "type_list", default=",".join(ALL_TYPES), show_default=True, help="Comma-separated types.")
@click.option("--min-weight", type=click.IntRange(1), default=1, show_default=True)
@click.option("--fdr", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None)
@click.option("--out-dir", required=True, type=click.Path(file_okay=False), help="One <type>.<format> file per type.")
@click.option("--format", "out_format", type=click.Choice(["csv", "graphml", "gexf"]), default="csv", show_default=True)
def all_cmd(input_path: str, input_format: str, window: str, similarity: float, min_doc_size: int,
            threads: int | None, type_list: str, min_weight: int, fdr: float | None, out_dir: str,
            out_format: str) -> None:
    """Compute several network types from one read of the input."""
    w = _window(window)
    names = [t.strip() for t in type_list.split(",") if t.strip()]
    net = _open(input_path, input_format, threads, names)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    console = _console()
    from rich.progress import Progress

    with Progress(console=console, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("networks", total=len(names))
        for name in names:
            edges = _compute_one(net, name, w, min_weight, similarity, min_doc_size, fdr, False)
            path, n_edges = _write(edges, Path(out_dir) / f"{name}.{out_format}", out_format, True)
            console.print(f"{name}: {n_edges} edges → {path}")
            progress.advance(task)


@command.command("evidence")
@click.argument("network_type")
@_common
@click.option("--user-a", required=True, help="First account (the edge's source).")
@click.option("--user-b", required=True, help="Second account.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Also write all pairs as CSV.")
def evidence_cmd(network_type: str, input_path: str, input_format: str, window: str, similarity: float,
                 min_doc_size: int, threads: int | None, user_a: str, user_b: str, limit: int,
                 out: str | None) -> None:
    """List the message pairs (and time gaps) behind the edge USER_A → USER_B."""
    from rich.console import Console
    from rich.table import Table

    w = _window(window)
    net = _open(input_path, input_format, threads)
    try:
        pairs = net.evidence(network_type, user_a, user_b, w, similarity, min_doc_size, None if out else limit)
    except (KeyError, ValueError) as exc:
        raise click.ClickException(str(exc).strip("'\"")) from exc
    if out:
        from opwatch.links.coordination.exports import write_edges

        write_edges(pairs, out, "csv")
    if pairs.num_rows == 0:
        raise click.ClickException(
            f"no {network_type} matches between {user_a} and {user_b} within the window; "
            "check the account ids (user_id column) and --window"
        )
    table = Table("message a", "message b", "object", "gap (s)", "similarity", "text a")
    for row in pairs.slice(0, limit).to_pylist():
        sim = "" if row["similarity"] is None else f"{row['similarity']:.2f}"
        table.add_row(str(row["message_a"]), str(row["message_b"]), str(row["object"] or ""),
                      f"{row['gap_s']:g}", sim, (row["text_a"] or "")[:60])
    Console().print(table)
    Console().print(f"{pairs.num_rows} pairs; weight {user_a} → {user_b} = "
                    f"{len(set(pairs.column('message_a').to_pylist()))}")
