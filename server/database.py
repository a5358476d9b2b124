"""The backend store URI, as MLflow's SQLAlchemy engines need it for Neon."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from server.pooling import PLUGIN_NAME

# Schemes students paste for PostgreSQL. MLflow rejects `postgres://`, and a bare
# `postgresql://` means psycopg2 on SQLAlchemy 2.0, which is not installed: spell the driver.
POSTGRES_DRIVERS = frozenset(
    {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2", "postgresql+psycopg3"}
)
DRIVER = "postgresql+psycopg"

# libpq waits forever to connect unless told; a suspended Neon compute wakes in well under a
# second, so ten seconds only ever cuts off a host that will not answer.
CONNECT_TIMEOUT_SECONDS = 10


class BackendURIError(ValueError):
    """The URI cannot be used; `code` names the diagnosis in the catalogue."""

    def __init__(self, code: str, scheme: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.scheme = scheme


def parse_backend_uri(uri: str) -> URL:
    """Parse a PostgreSQL URI, raising BackendURIError (never echoing the URI) when unusable."""
    try:
        url = make_url(uri.strip())
    except (ArgumentError, ValueError, TypeError):
        raise BackendURIError("backend.unparseable") from None
    if url.drivername not in POSTGRES_DRIVERS:
        raise BackendURIError("backend.scheme", scheme=url.drivername.split("+")[0]) from None
    if not url.host:
        raise BackendURIError("backend.no_host")
    return url


def sqlalchemy_uri(uri: str) -> str:
    """The URI MLflow's engines get: psycopg 3, a bounded connect, no prepared statements.

    `sslmode`, `channel_binding` and any other libpq parameter the student gave are kept.
    The plugin parameter is consumed by SQLAlchemy and never reaches libpq.
    """
    url = parse_backend_uri(uri)
    query = dict(url.query)
    query.setdefault("connect_timeout", str(CONNECT_TIMEOUT_SECONDS))
    query["plugin"] = PLUGIN_NAME
    url = url.set(drivername=DRIVER, query=query)
    return url.render_as_string(hide_password=False)
