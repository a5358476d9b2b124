"""The catalogue of diagnoses: complete in both languages, and its published copy in step."""

import re
import string

from app_process import ROOT

from server.diagnoses import AREAS, CATALOGUE, render_markdown

FIELDS = string.Formatter()


def placeholders(text: str) -> set[str]:
    """Placeholder names; `label_fr`/`label_en` are one value, given in each language."""
    return {re.sub(r"_(fr|en)$", "", name) for _, name, _, _ in FIELDS.parse(text) if name}


def test_docs_diagnoses_md_is_generated_from_the_catalogue():
    assert (ROOT / "docs" / "diagnoses.md").read_text() == render_markdown(), (
        "regenerate it: python -m server.diagnoses > docs/diagnoses.md"
    )


def test_every_code_speaks_both_languages_with_the_same_placeholders():
    for entry in CATALOGUE.values():
        assert entry.message["fr"].strip() and entry.message["en"].strip(), entry.code
        assert placeholders(entry.message["fr"]) == placeholders(entry.message["en"]), entry.code
        assert placeholders(entry.fix["fr"]) == placeholders(entry.fix["en"]), entry.code
        # A problem has a fix in both languages; a plain statement has none in either.
        assert bool(entry.fix["fr"].strip()) == bool(entry.fix["en"].strip()), entry.code


def test_codes_are_unique_stable_identifiers():
    codes = [entry.code for area in AREAS for entry in area.ENTRIES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z0-9]+(\.[a-z0-9_]+)+", code) for code in codes)


def test_at_least_thirty_distinct_causes_have_a_fix():
    assert len([e for e in CATALOGUE.values() if e.fix["en"]]) >= 30
