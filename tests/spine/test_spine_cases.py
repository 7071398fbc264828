"""The case store: schema through Alembic migrations, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from opwatch.store.cases import CaseStore, current_revision


def exercise(store: CaseStore) -> None:
    case = store.open_case("Fake recruiter network", [("op-abc", "run-1")], actor="alice")
    store.add_note(case, "bob", "shares a payment fingerprint")
    again = CaseStore(store.url)  # re-opening migrates nothing and sees the same data
    assert [c["operations"] for c in again.cases()] == [["op-abc"]]
    assert [a["verb"] for a in again.audit()] == ["open_case", "add_note"]
    with pytest.raises(KeyError):
        store.add_note(999, "bob", "x")
    with pytest.raises(ValueError):
        store.open_case("  ", [], actor="alice")
    assert current_revision(store.engine) == "0001"
    tables = set(inspect(store.engine).get_table_names())
    assert {"cases", "case_operations", "notes", "decisions", "actions", "audit_log", "alembic_version"} <= tables
    again.close()


def test_sqlite_case_store(tmp_path: Path) -> None:
    store = CaseStore(f"sqlite:///{tmp_path / 'cases.db'}")
    exercise(store)
    store.close()


def test_workspace_uses_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from opwatch.workspace import Workspace

    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("OPWATCH_DATABASE_URL", url)
    ws = Workspace(tmp_path / "ws")
    assert ws.cases.url == url
    assert (tmp_path / "elsewhere.db").exists()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin_url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"PostgreSQL not reachable on 127.0.0.1:5432: {exc}")
    name = f"opwatch_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_case_store(postgres_url: str) -> None:
    store = CaseStore(postgres_url)
    exercise(store)
    store.close()
