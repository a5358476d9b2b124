"""The doctor: every check of the server's settings (or a client's), one line each.

    python app.py doctor            # the server's settings (environment, then .env)
    python app.py doctor --client   # a student's side: MLFLOW_TRACKING_URI and credentials
    python app.py doctor --json     # the same as JSON, for CI

From a notebook: `from server.doctor import doctor; doctor()` prints the report and
returns it (`report.ok`, `report.results`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from server import settings as names
from server.checks import Check, run_checks
from server.diagnoses import Diagnosis, Language
from server.settings import DEFAULT_ENV_FILE, Settings
from server.validation import clean, problems

SYMBOLS = {"ok": "✓", "warn": "!", "fail": "✗"}
_RANK = {"ok": 0, "warn": 1, "fail": 2}

_TITLES: dict[str, dict[Language, str]] = {
    "server": {"fr": "Diagnostic du serveur MLflow", "en": "MLflow server diagnosis"},
    "client": {"fr": "Diagnostic du client MLflow", "en": "MLflow client diagnosis"},
}
_SUMMARY: dict[Language, dict[str, str]] = {
    "fr": {
        "ok": "Tout est prêt.",
        "warn": "Prêt, avec {n} avertissement(s).",
        "fail": "{n} problème(s) à corriger.",
    },
    "en": {
        "ok": "Everything is ready.",
        "warn": "Ready, with {n} warning(s).",
        "fail": "{n} problem(s) to fix.",
    },
}


def worst(found: Sequence[Diagnosis]) -> str:
    return max((d.status for d in found), key=_RANK.__getitem__, default="ok")


@dataclass(frozen=True)
class Report:
    """The checks in order, each with its diagnoses."""

    kind: str
    results: list[tuple[Check, list[Diagnosis]]]

    @property
    def ok(self) -> bool:
        return all(worst(found) != "fail" for _, found in self.results)

    def diagnoses(self) -> list[Diagnosis]:
        return [d for _, found in self.results for d in found]

    def first_failure(self) -> tuple[Check, Diagnosis] | None:
        for check, found in self.results:
            for diagnosis in found:
                if diagnosis.status == "fail":
                    return check, diagnosis
        return None

    def text(self, language: Language = "fr") -> str:
        lines = [_TITLES[self.kind][language], ""]
        for check, found in self.results:
            status = worst(found)
            headline = next((d for d in found if d.status == status), None)
            summary = f" — {headline.message(language)}" if status == "ok" and headline else ""
            lines.append(f"[{SYMBOLS[status]}] {check.label(language)}{summary}")
            for diagnosis in found:
                if diagnosis.status == "ok":
                    continue
                lines.append(f"    {SYMBOLS[diagnosis.status]} {diagnosis.message(language)}")
                if diagnosis.fix(language):
                    lines.append(f"      → {diagnosis.fix(language)}")
                policy = diagnosis.details.get("policy")
                if policy:
                    lines += ["      " + line for line in policy.splitlines()]
        problems = [d for d in self.diagnoses() if d.status != "ok"]
        status = worst(problems)
        lines += ["", "• " + _SUMMARY[language][status].format(n=len(problems))]
        return "\n".join(lines)

    def json(self, language: Language = "en") -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "ok": self.ok,
                "checks": [
                    {
                        "name": check.name,
                        "status": worst(found),
                        "results": [d.as_dict(language) for d in found],
                    }
                    for check, found in self.results
                ],
            },
            ensure_ascii=False,
            indent=2,
        )


def server_checks(settings: Settings, environ: Mapping[str, str]) -> list[Check]:
    """The checks of server mode's settings: the static one, then the live ones."""
    cleaned, notes = clean(settings)

    def check_settings() -> list[Diagnosis]:
        found = [*notes, *(d for d in problems(settings) if d not in notes)]
        return found or [Diagnosis("settings.ok", status="ok", params={"count": len(settings)})]

    settings_check = Check("settings", "Réglages", "Settings", check_settings)
    return [settings_check, *live_checks(cleaned, environ)]


def live_checks(settings: Settings, environ: Mapping[str, str]) -> list[Check]:
    """The checks that talk to the services (server start-up runs these)."""
    from server.checks.access import check_access
    from server.checks.postgres import check_postgres
    from server.hub import space_visibility

    def check_database() -> list[Diagnosis]:
        if names.BACKEND_STORE_URI not in settings:
            return [Diagnosis("check.skipped", status="warn", params={"check": "postgres"})]
        return check_postgres(settings[names.BACKEND_STORE_URI], environ)

    def check_mlflow_access() -> list[Diagnosis]:
        visibility = space_visibility(
            environ.get(names.SPACE_ID), endpoint=environ.get(names.HF_ENDPOINT)
        )
        return check_access(settings, visibility)

    return [
        Check("postgres", "Base de données (Neon)", "Database (Neon)", check_database),
        Check("s3", "Stockage S3", "S3 storage", lambda: check_artifact_store(settings)),
        Check("access", "Accès à MLflow", "Access to MLflow", check_mlflow_access),
    ]


def check_artifact_store(settings: Settings) -> list[Diagnosis]:
    """The live S3 check on the settings, once they are all there."""
    from server.checks.s3 import check_s3

    required = (names.ARTIFACT_ROOT, names.AWS_ACCESS_KEY_ID, names.AWS_SECRET_ACCESS_KEY)
    root = settings.get(names.ARTIFACT_ROOT, "")
    if any(name not in settings for name in required) or not root.startswith("s3://"):
        return [Diagnosis("check.skipped", status="warn", params={"check": "s3"})]
    bucket, _, prefix = root.removeprefix("s3://").partition("/")
    return check_s3(
        bucket,
        prefix.strip("/"),
        settings[names.AWS_ACCESS_KEY_ID],
        settings[names.AWS_SECRET_ACCESS_KEY],
        settings.get(names.AWS_DEFAULT_REGION),
        settings.get(names.S3_ENDPOINT_URL),
    )


def run(checks: Sequence[Check], kind: str) -> Report:
    found = run_checks(checks)
    return Report(kind, [(check, found[check.name]) for check in checks])


def default_language(environ: Mapping[str, str]) -> Language:
    """French unless the environment asks for another language."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = environ.get(variable, "")
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return "fr" if value.lower().startswith("fr") else "en"
    return "fr"


def doctor(
    env_file: str | Path = DEFAULT_ENV_FILE,
    *,
    client: bool = False,
    language: Language | None = None,
    show: bool = True,
) -> Report:
    """Run the doctor from Python (a notebook cell): print the report and return it."""
    from server.checks.client import client_checks

    environ = os.environ
    settings = Settings.load(environ, Path(env_file))
    if client:
        report = run(client_checks(environ, Path(env_file)), "client")
    else:
        report = run(server_checks(settings, environ), "server")
    if show:
        print(report.text(language or default_language(environ)))
    return report
