"""The case store: cases, their operations, notes, decisions, actions and the audit log.

SQLAlchemy 2 on SQLite inside the workspace by default (``cases.db``), or any
database named by ``OPWATCH_DATABASE_URL`` (PostgreSQL for a team). The schema
is created and upgraded only through Alembic migrations
(``opwatch/store/migrations``), never by ``create_all``, so a team database
and a laptop have the same history. This issue uses it lightly: opening cases
from operations, notes and an audit trail; review, enforcement and reports
build on it later.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

MIGRATIONS = Path(__file__).parent / "migrations"


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(32), default="open")
    assignee: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class CaseOperation(Base):
    __tablename__ = "case_operations"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    operation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64))


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Decision(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Action(Base):
    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(16))  # ban, suspend, warn, unban
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor: Mapped[str] = mapped_column(String(120))
    verb: Mapped[str] = mapped_column(String(64))
    object: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def database_url(workspace: str | Path) -> str:
    return os.environ.get("OPWATCH_DATABASE_URL") or f"sqlite:///{Path(workspace) / 'cases.db'}"


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
        return str(rev) if rev is not None else None


class CaseStore:
    """Transactional store of cases; every change writes an audit entry in the same transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url, future=True)
        migrate(self.engine)

    def open_case(self, title: str, operations: list[tuple[str, str]], actor: str) -> int:
        """Open a case over ``(operation_id, run_id)`` pairs; returns its id."""
        if not title.strip():
            raise ValueError("a case needs a title")
        with Session(self.engine) as s, s.begin():
            case = Case(title=title.strip())
            s.add(case)
            s.flush()
            for op_id, run_id in operations:
                s.add(CaseOperation(case_id=case.id, operation_id=op_id, run_id=run_id))
            s.add(AuditEntry(actor=actor, verb="open_case", object=f"case:{case.id}",
                             detail={"title": title, "operations": [o for o, _ in operations]}))
            return int(case.id)

    def add_note(self, case_id: int, author: str, body: str) -> None:
        with Session(self.engine) as s, s.begin():
            if s.get(Case, case_id) is None:
                raise KeyError(f"no case {case_id}")
            s.add(Note(case_id=case_id, author=author, body=body))
            s.add(AuditEntry(actor=author, verb="add_note", object=f"case:{case_id}", detail={}))

    def cases(self) -> list[dict[str, Any]]:
        with Session(self.engine) as s:
            rows = s.scalars(select(Case).order_by(Case.id)).all()
            out = []
            for c in rows:
                ops = s.scalars(select(CaseOperation.operation_id).where(CaseOperation.case_id == c.id)).all()
                out.append({"id": c.id, "title": c.title, "status": c.status, "assignee": c.assignee,
                            "operations": list(ops), "created_at": c.created_at.isoformat()})
            return out

    def audit(self) -> list[dict[str, Any]]:
        with Session(self.engine) as s:
            rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            return [{"at": r.at.isoformat(), "actor": r.actor, "verb": r.verb, "object": r.object,
                     "detail": json.loads(json.dumps(r.detail))} for r in rows]

    def close(self) -> None:
        self.engine.dispose()
