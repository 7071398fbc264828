"""The one contract every detector and every link layer passes."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pytest

from opwatch import registry
from opwatch.engines import DuckDBEngine
from opwatch.models import LINK_SCHEMA, SIGNAL_SCHEMA
from opwatch.signals.base import DetectContext
from opwatch.store.columnar import ColumnStore
from opwatch.store.views import register_canonical

DETECTORS = sorted(registry.detectors())
LAYERS = sorted(registry.layers())


@pytest.fixture(scope="module")
def ctx_factory(detected: dict[str, Any]) -> Any:
    store: ColumnStore = detected["ws"].store
    signals = detected["ws"].signals(detected["run_id"])

    def make() -> DetectContext:
        eng = DuckDBEngine()
        register_canonical(eng, store)
        eng.register("signals", signals)
        return DetectContext(engine=eng)

    return make


@pytest.fixture(scope="module")
def empty_ctx(tmp_path_factory: pytest.TempPathFactory) -> Any:
    def make() -> DetectContext:
        eng = DuckDBEngine()
        register_canonical(eng, ColumnStore(tmp_path_factory.mktemp("empty")))
        eng.register("signals", SIGNAL_SCHEMA.empty_table())
        return DetectContext(engine=eng)

    return make


def test_builtins_are_registered() -> None:
    assert {"shared_indicator", "near_duplicate_text"} <= set(LAYERS)


@pytest.mark.parametrize("name", DETECTORS)
def test_detector_contract(name: str, ctx_factory: Any, empty_ctx: Any) -> None:
    cls = registry.detectors()[name]
    assert cls.name == name and cls.subject in {"event", "account"}
    det = cls()
    json.dumps(det.get_params(), default=str)  # parameters are recordable
    out = det.run(ctx_factory())
    assert isinstance(out, pa.Table) and out.schema.equals(SIGNAL_SCHEMA, check_metadata=False)
    if out.num_rows:
        assert set(out["detector"].to_pylist()) == {name}
        assert set(out["subject"].to_pylist()) == {cls.subject}
        scores = [s for s in out["score"].to_pylist() if s is not None]
        assert all(0.0 <= s <= 1.0 for s in scores)
        for ev in out["evidence"].to_pylist()[:50]:
            assert ev is None or isinstance(json.loads(ev), dict | list)
    again = cls().run(ctx_factory())
    assert again.num_rows == out.num_rows, "a detector is deterministic"
    empty = cls().run(empty_ctx())
    assert empty.num_rows == 0 and empty.schema.equals(SIGNAL_SCHEMA, check_metadata=False)


@pytest.mark.parametrize("name", LAYERS)
def test_link_layer_contract(name: str, ctx_factory: Any, empty_ctx: Any) -> None:
    cls = registry.layers()[name]
    assert cls.name == name
    layer = cls()
    json.dumps(layer.get_params(), default=str)
    out = layer.run(ctx_factory())
    assert isinstance(out, pa.Table) and out.schema.equals(LINK_SCHEMA, check_metadata=False)
    if out.num_rows:
        rows = out.slice(0, 500).to_pylist()
        for r in rows:
            assert r["layer"] == name
            assert (r["source_a"], r["account_a"]) < (r["source_b"], r["account_b"]), "one row per unordered pair"
            assert 0.0 <= r["weight"] <= 1.0 and 0.0 <= r["pvalue"] <= 1.0
            ev = json.loads(r["evidence"])
            assert isinstance(ev, list) and ev, "every link carries its evidence"
            assert {"object", "event_a", "event_b", "gap_s"} <= set(ev[0])
        keys = list(zip(out["source_a"].to_pylist(), out["account_a"].to_pylist(),
                        out["source_b"].to_pylist(), out["account_b"].to_pylist(), strict=True))
        assert len(keys) == len(set(keys))
    again = cls().run(ctx_factory())
    assert again.num_rows == out.num_rows, "a layer is deterministic"
    empty = cls().run(empty_ctx())
    assert empty.num_rows == 0 and empty.schema.equals(LINK_SCHEMA, check_metadata=False)
