"""Parity with the installed QUT coordination-network-toolkit on generated input (skipped without it)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from opwatch.links.coordination import Networks, toolkit

pytestmark = pytest.mark.skipif(not toolkit.available(), reason="coordination-network-toolkit not installed")

@pytest.fixture(scope="module")
def toolkit_db(stream_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("qut") / "t.db"
    with contextlib.redirect_stdout(io.StringIO()):
        toolkit.preprocess(stream_csv, db)
    return db


def _ours(net: Networks, ntype: str, **kw: float) -> dict[tuple[str, str], int]:
    e = net.compute(ntype, **kw)  # type: ignore[arg-type]
    return {
        (a, b): int(w)
        for a, b, w in zip(e.column("user_1").to_pylist(), e.column("user_2").to_pylist(), e.column("weight").to_pylist(), strict=True)
    }


def _theirs(db: Path, ntype: str, **kw: float) -> dict[tuple[str, str], int]:
    with contextlib.redirect_stdout(io.StringIO()):
        return toolkit.run_isolated(db, ntype, n_threads=1, **kw)


@pytest.mark.parametrize(
    ("ntype", "window", "min_weight"),
    [("co_repost", 60, 1), ("co_repost", 300, 2), ("co_reply", 120, 1), ("co_message", 60, 1),
     ("co_link", 120, 1), ("co_post", 60, 2)],
)
def test_exact_types_equal_the_toolkit(stream_csv: Path, toolkit_db: Path, ntype: str, window: int, min_weight: int) -> None:
    net = Networks.open(stream_csv)
    ours = _ours(net, ntype, window=window, min_weight=min_weight)
    theirs = _theirs(toolkit_db, ntype, window=window, min_weight=min_weight)
    assert theirs, "the generated input must produce edges for the comparison to mean anything"
    assert ours == theirs


def test_co_similar_recall_and_precision(stream_csv: Path, toolkit_db: Path) -> None:
    net = Networks.open(stream_csv)
    ours = _ours(net, "co_similar", window=120, similarity=0.8)
    theirs = _theirs(toolkit_db, "co_similar", window=120, similarity=0.8)
    result = toolkit.compare(ours, theirs)
    assert theirs
    assert result["recall"] >= 0.99
    assert result["precision"] >= 0.99


def test_toolkit_names_are_accepted(stream_csv: Path) -> None:
    net = Networks.open(stream_csv)
    assert _ours(net, "co_retweet") == _ours(net, "co_repost")


@pytest.mark.parametrize(
    "text",
    ["Hello  World", " lead", "trail ", "a\tb", "x\u00a0y", "Hi @bob there", "plain text",
     "e@mail.com ok", "A\u2003B", "@only", "multi\n\nline", "MiXeD @a @b  end",
     "a \u00a0b", "a\u3000 \tb", " \u2028x\u2029 ", "a\x1cb\x85c", "one two  three   four",
     "@a\u00a0b c", "tab\t@x\u2003y  z", "\u200bzero width", "x \u202f y\u205f"],
)
def test_text_normalisation_equals_the_toolkit(text: str) -> None:
    import duckdb
    from coordination_network_toolkit.similarity import message_preprocessor

    from opwatch.links.coordination.network_types.co_message import NORMALISED

    got = duckdb.connect().execute(f"SELECT {NORMALISED} FROM (SELECT ? AS message)", [text]).fetchall()[0][0]
    assert got == message_preprocessor(text)
