"""A SQLAlchemy plugin that turns psycopg's automatic prepared statements off.

Neon's `-pooler` endpoints (and any PgBouncer in transaction mode) hand each transaction
to whichever server connection is free. psycopg 3 prepares a statement after it has run
five times on a connection; the next transaction may land on a server connection that
never saw it (`InvalidSqlStatementName`) or already has one of that name
(`DuplicatePreparedStatement "_pg3_0"`). PgBouncer only copes with this from 1.21 with
`max_prepared_statements` set, so the server cannot rely on it.

MLflow builds its engines from a URL alone, inside every uvicorn worker, and passes no
`connect_args` for PostgreSQL (a URL parameter would reach libpq as a string). A
`?plugin=` name resolved through the `sqlalchemy.plugins` entry point (pyproject.toml) is
SQLAlchemy's supported hook that works there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, CreateEnginePlugin, Engine

PLUGIN_NAME = "mlflow_space_no_prepare"


class NoPreparedStatements(CreateEnginePlugin):
    """Set `prepare_threshold = None` on every psycopg connection the engine opens."""

    def update_url(self, url: URL) -> URL:
        # The plugin takes no URL parameters of its own; SQLAlchemy already removed `plugin`.
        return url

    def engine_created(self, engine: Engine) -> None:
        if engine.dialect.driver != "psycopg":
            return

        @event.listens_for(engine, "connect")
        def _no_prepare(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.prepare_threshold = None
