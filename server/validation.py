"""Checks of the settings that need no network: what makes server mode impossible to start."""

from __future__ import annotations

import re
from importlib.metadata import entry_points

from server import settings as names
from server.diagnoses import Diagnosis
from server.paste import clean_aws_keys, clean_backend_uri, clean_region, clean_s3_location
from server.pooling import PLUGIN_NAME
from server.settings import MIN_PASSWORD_LENGTH, Settings

# MLflow accepts any non-empty username; spaces and control characters only ever come from
# a bad paste and break the `user:password@` form clients build.
_USERNAME = re.compile(r"[A-Za-z0-9._@+-]{1,64}")


def clean(settings: Settings) -> tuple[Settings, list[Diagnosis]]:
    """The settings as the paste cleaner reads them, and what it changed or refused.

    A Space configured by hand gets the same forgiveness as the wizard: quotes, a `psql '…'`
    snippet or an S3 console link in a secret are turned into the value MLflow needs.
    """
    values = dict(settings.by_name)
    found: list[Diagnosis] = []
    if names.BACKEND_STORE_URI in values:
        uri = clean_backend_uri(values[names.BACKEND_STORE_URI])
        found += uri.diagnoses
        if uri.value is not None:
            values[names.BACKEND_STORE_URI] = uri.value
    if names.ARTIFACT_ROOT in values:
        location = clean_s3_location(values[names.ARTIFACT_ROOT])
        found += location.diagnoses
        if location.value is not None:
            values[names.ARTIFACT_ROOT] = location.value.uri
            if location.value.region and names.AWS_DEFAULT_REGION not in values:
                values[names.AWS_DEFAULT_REGION] = location.value.region
    if names.AWS_ACCESS_KEY_ID in values and names.AWS_SECRET_ACCESS_KEY in values:
        keys = clean_aws_keys(values[names.AWS_ACCESS_KEY_ID], values[names.AWS_SECRET_ACCESS_KEY])
        found += keys.diagnoses
        if keys.value is not None:
            values[names.AWS_ACCESS_KEY_ID] = keys.value.access_key_id
            values[names.AWS_SECRET_ACCESS_KEY] = keys.value.secret_access_key
    if names.AWS_DEFAULT_REGION in values:
        region = clean_region(values[names.AWS_DEFAULT_REGION])
        found += region.diagnoses
        if region.value is not None:
            values[names.AWS_DEFAULT_REGION] = region.value
    return Settings(by_name=values, sources=settings.sources), found


def problems(settings: Settings) -> list[Diagnosis]:
    """Everything wrong with `settings` for server mode, in the order a student fixes it."""
    found: list[Diagnosis] = [
        Diagnosis(
            "settings.missing",
            params={"name": s.name, "label_fr": s.label_fr, "label_en": s.label_en},
        )
        for s in settings.missing()
    ]
    found += [d for d in clean(settings)[1] if d.status == "fail"]
    found += access_problems(settings)
    return found


def installation_problems() -> list[Diagnosis]:
    """The project's own entry point must be installed for MLflow's workers to load it."""
    if entry_points(group="sqlalchemy.plugins", name=PLUGIN_NAME):
        return []
    return [Diagnosis("setup.not_installed")]


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
