"""Checks of the settings that need no network: what makes server mode impossible to start."""

from __future__ import annotations

import re
from importlib.metadata import entry_points

from server import settings as names
from server.database import BackendURIError, parse_backend_uri
from server.diagnoses import Diagnosis
from server.pooling import PLUGIN_NAME
from server.settings import MIN_PASSWORD_LENGTH, Settings

# MLflow accepts any non-empty username; spaces and control characters only ever come from
# a bad paste and break the `user:password@` form clients build.
_USERNAME = re.compile(r"[A-Za-z0-9._@+-]{1,64}")


def problems(settings: Settings) -> list[Diagnosis]:
    """Everything wrong with `settings` for server mode, in the order a student fixes it."""
    found: list[Diagnosis] = [
        Diagnosis(
            "settings.missing",
            params={"name": s.name, "label_fr": s.label_fr, "label_en": s.label_en},
        )
        for s in settings.missing()
    ]
    if names.BACKEND_STORE_URI in settings:
        found += _backend(settings[names.BACKEND_STORE_URI])
    if names.ARTIFACT_ROOT in settings:
        found += _artifacts(settings[names.ARTIFACT_ROOT])
    found += access_problems(settings)
    return found


def installation_problems() -> list[Diagnosis]:
    """The project's own entry point must be installed for MLflow's workers to load it."""
    if entry_points(group="sqlalchemy.plugins", name=PLUGIN_NAME):
        return []
    return [Diagnosis("setup.not_installed")]


def _backend(uri: str) -> list[Diagnosis]:
    try:
        parse_backend_uri(uri)
    except BackendURIError as error:
        return [
            Diagnosis(error.code, params={"name": names.BACKEND_STORE_URI, "scheme": error.scheme})
        ]
    return []


def _artifacts(root: str) -> list[Diagnosis]:
    bucket = root.removeprefix("s3://").split("/", 1)[0]
    if root.startswith("s3://") and bucket:
        return []
    # The artifact root is not secret, but bound what is echoed back.
    return [Diagnosis("artifacts.scheme", params={"name": names.ARTIFACT_ROOT, "value": root[:80]})]


def access_problems(settings: Settings) -> list[Diagnosis]:
    """What makes the MLflow credentials unusable (MLflow's own rules)."""
    username = settings.get(names.MLFLOW_TRACKING_USERNAME)
    password = settings.get(names.MLFLOW_TRACKING_PASSWORD)
    if not username and not password:
        return []
    if not password:
        return [Diagnosis("access.password_missing", params={"min_length": MIN_PASSWORD_LENGTH})]
    if not username:
        return [Diagnosis("access.username_missing")]
    found = []
    if not _USERNAME.fullmatch(username):
        found.append(Diagnosis("access.username_invalid"))
    if len(password) < MIN_PASSWORD_LENGTH:
        found.append(
            Diagnosis(
                "access.password_short",
                params={"length": len(password), "min_length": MIN_PASSWORD_LENGTH},
            )
        )
    return found
