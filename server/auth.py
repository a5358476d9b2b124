"""MLflow's basic-auth app, configured for a Space: users in Postgres, a stable key, a cache."""

from __future__ import annotations

import configparser
import hashlib
import hmac
import os
import tempfile
from pathlib import Path

from server import settings as names
from server.settings import Settings

# Successful credential checks are cached this long in each worker. Without the cache every
# API call re-derives the password hash two to four times (about 0.75 s a call on 2 cores).
# The cost: a password changed through the API on one worker is still accepted by the
# others for at most this long.
AUTH_CACHE_TTL_SECONDS = 60

# Users other than the admin get this on experiments they did not create.
DEFAULT_PERMISSION = "READ"

_KEY_CONTEXT = b"mlflow-space/flask-secret-key/v1"


def flask_secret_key(settings: Settings) -> str:
    """A key that is the same in every worker and across restarts, without a new secret.

    It is derived from secrets the student already keeps (the tracking password and the
    database URI, which holds the database password), so it changes only when they do,
    and nobody who lacks them can compute it. An explicit MLFLOW_FLASK_SERVER_SECRET_KEY wins.
    """
    explicit = settings.get(names.FLASK_SECRET_KEY)
    if explicit:
        return explicit
    material = "\0".join(
        settings.get(name, "") for name in (names.MLFLOW_TRACKING_PASSWORD, names.BACKEND_STORE_URI)
    )
    return hmac.new(material.encode(), _KEY_CONTEXT, hashlib.sha256).hexdigest()


def write_config(database_uri: str, directory: Path | None = None) -> Path:
    """Write the INI file MLflow's auth app reads in each worker; only the owner can read it.

    It names the database (the users then survive restarts of an ephemeral Space disk); the
    admin's credentials are not written here but passed as environment variables.
    """
    folder = directory or Path(tempfile.mkdtemp(prefix="mlflow-auth-"))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    config = configparser.ConfigParser(interpolation=None)
    config["mlflow"] = {
        "default_permission": DEFAULT_PERMISSION,
        "database_uri": database_uri,
        "authorization_function": "mlflow.server.auth:authenticate_request_basic_auth",
        "auth_cache_ttl_seconds": str(AUTH_CACHE_TTL_SECONDS),
    }
    path = folder / "basic_auth.ini"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        config.write(handle)
    return path


def sync_admin(database_uri: str, username: str, password: str) -> str:
    """Make the admin's stored password the one in the secrets; return what was done.

    MLflow creates its admin only when absent, so a changed secret would otherwise be
    ignored and the old password would keep working. This runs once, before the workers
    start, with MLflow's own auth store (and its migrations).
    """
    from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore()
    store.init_db(database_uri)
    try:
        if not store.has_user(username, use_primary=True):
            store.create_user(username, password, is_admin=True)
            return "created"
        if store.authenticate_user(username, password, use_primary=True):
            store.update_user(username, is_admin=True)
            return "unchanged"
        store.update_user(username, password=password, is_admin=True)
        return "updated"
    finally:
        store.engine.dispose()
