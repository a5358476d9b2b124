"""Who may use the MLflow server: basic auth on a public Space, Hugging Face on a private one.

A private Space's URL only answers requests that carry a Hugging Face token in the
`Authorization` header, and that header cannot carry MLflow's basic-auth credentials too.
"""

from __future__ import annotations

from typing import Literal

from server import settings as names
from server.diagnoses import Diagnosis
from server.settings import Settings
from server.validation import access_problems

Visibility = Literal["public", "private"]


def check_access(settings: Settings, visibility: Visibility | None) -> list[Diagnosis]:
    """`visibility` is the Space's, or None outside a Space (or when it is unknown)."""
    problems = access_problems(settings)
    if problems:
        return problems
    username = settings.get(names.MLFLOW_TRACKING_USERNAME)
    if visibility == "private":
        if username:
            return [Diagnosis("access.private_with_basic_auth", status="warn")]
        return [Diagnosis("access.private_space", status="ok")]
    if username:
        return [Diagnosis("access.basic_auth", status="ok", params={"username": username})]
    if visibility == "public":
        return [Diagnosis("access.public_without_auth", status="warn")]
    return [Diagnosis("access.no_auth", status="ok")]
