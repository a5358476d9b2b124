"""Diagnoses about hub."""

from server.catalogue import entry

ENTRIES: tuple = ()

__all__ = ["ENTRIES", "entry"]
