"""Disk footprint of an installation, measured on the installed packages themselves.

Building a fresh venv from requirements.txt needs the network; instead, this walks the
dependency closure of a list of requirements through the metadata of the environment
running it (the one the tests use, which holds the runtime *and* the dev packages) and
sums the files each distribution installed (its RECORD). Dev-only packages are not in the
closure, so they are not counted.
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def _wanted(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


def closure(requirements: list[str]) -> dict[str, set[str]]:
    """Installed distributions needed by `requirements`: name -> extras asked for."""
    found: dict[str, set[str]] = {}
    pending = [Requirement(line) for line in requirements]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        extras = set(requirement.extras)
        if name in found and extras <= found[name]:
            continue
        found.setdefault(name, set()).update(extras)
        try:
            dist = distribution(requirement.name)
        except PackageNotFoundError:
            continue  # an optional dependency not installed here (or for another platform)
        for line in dist.requires or []:
            child = Requirement(line)
            if _wanted(child, found[name]):
                pending.append(child)
    return found


def installed_bytes(names: set[str]) -> int:
    total = 0
    for name in names:
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            try:
                total += path.stat().st_size
            except OSError:
                continue
    return total


def requirement_lines(path: Path) -> list[str]:
    lines = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def directory_bytes(folder: Path) -> int:
    total = 0
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(parent, name)).st_size
            except OSError:
                continue
    return total


def footprint(requirements: list[str]) -> tuple[int, int]:
    """(number of distributions, bytes) of the installed closure of `requirements`."""
    names = {name for name in closure(requirements)}
    present = set()
    for name in names:
        try:
            distribution(name)
            present.add(name)
        except PackageNotFoundError:
            pass
    return len(present), installed_bytes(present)
