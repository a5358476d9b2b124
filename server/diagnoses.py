"""Diagnoses: findings about a setting or a service, rendered through the catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from server.catalogue import (
    LANGUAGES,
    Entry,
    Language,
    access,
    checks,
    client,
    hub,
    paste,
    postgres,
    s3,
    settings,
    wizard,
)

Status = Literal["ok", "warn", "fail"]

AREAS = (settings, paste, postgres, s3, hub, access, client, wizard, checks)

CATALOGUE: dict[str, Entry] = {item.code: item for area in AREAS for item in area.ENTRIES}


@dataclass(frozen=True)
class Diagnosis:
    """One finding. `params` fill the catalogue's text; `details` are shown as they are.

    Neither may hold a secret value: they are logged, rendered and returned as JSON.
    """

    code: str
    status: Status = "fail"
    params: Mapping[str, str | int] = field(default_factory=dict)
    details: Mapping[str, str] = field(default_factory=dict)

    def message(self, language: Language = "fr") -> str:
        return CATALOGUE[self.code].message[language].format(**self.params)

    def fix(self, language: Language = "fr") -> str:
        return CATALOGUE[self.code].fix[language].format(**self.params)

    def line(self, language: Language = "fr") -> str:
        """One log line: the code, the message and, for a problem, the fix."""
        fix = self.fix(language)
        return f"[{self.code}] {self.message(language)}" + (f" → {fix}" if fix else "")

    def as_dict(self, language: Language = "en") -> dict[str, object]:
        return {
            "code": self.code,
            "status": self.status,
            "message": self.message(language),
            "fix": self.fix(language),
            "details": dict(self.details),
        }


__all__ = ["CATALOGUE", "LANGUAGES", "Diagnosis", "Language", "Status"]


def render_markdown() -> str:
    """The catalogue as docs/diagnoses.md (regenerate with `python -m server.diagnoses`)."""
    lines = [
        "# Diagnoses / Diagnostics",
        "",
        "Every finding the doctor, the setup page and server start-up can report, by code. "
        "Generated from `server/catalogue/` by `python -m server.diagnoses > docs/diagnoses.md`;"
        " a test keeps the two in step.",
        "",
        "Chaque constat que le docteur, la page de configuration et le démarrage du serveur "
        "peuvent rapporter, par code.",
    ]
    for area in AREAS:
        title = (area.__doc__ or area.__name__).strip().splitlines()[0]
        lines += ["", f"## {area.__name__.rsplit('.', 1)[-1]}", "", title, ""]
        lines += ["| Code | Français | English |", "|---|---|---|"]
        for item in area.ENTRIES:
            cells = [_cell(item.message[language], item.fix[language]) for language in LANGUAGES]
            lines.append(f"| `{item.code}` | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def _cell(message: str, fix: str) -> str:
    text = message + (f"<br>→ {fix}" if fix else "")
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    print(render_markdown(), end="")
