"""The catalogue of diagnoses, as data: one module per area, one entry per cause.

Each entry has a stable code, a one-line message and a fix, in French and English.
Placeholders (`{name}`) are filled from a diagnosis' parameters, which never hold a
secret. `server.diagnoses` assembles the areas; `docs/diagnoses.md` is rendered from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")


@dataclass(frozen=True)
class Entry:
    """One cause: what is wrong (or right) and how to fix it, in each language."""

    code: str
    message: Mapping[Language, str]
    fix: Mapping[Language, str]


def entry(code: str, message_fr: str, message_en: str, fix_fr: str = "", fix_en: str = "") -> Entry:
    """An entry; `ok` results have no fix."""
    return Entry(code, {"fr": message_fr, "en": message_en}, {"fr": fix_fr, "en": fix_en})
