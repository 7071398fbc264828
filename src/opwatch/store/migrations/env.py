"""Alembic environment: runs on the connection opwatch hands it (see opwatch.store.cases.migrate)."""

from alembic import context

from opwatch.store.cases import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - opwatch always passes a connection
    raise RuntimeError("run migrations through opwatch.store.cases.migrate()")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
