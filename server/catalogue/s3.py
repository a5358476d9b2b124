"""Diagnoses about s3."""

from server.catalogue import entry

ENTRIES: tuple = ()

__all__ = ["ENTRIES", "entry"]
