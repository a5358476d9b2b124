"""Live checks of the settings against the real services, each bounded in time.

A check is a function returning diagnoses; it never raises to its caller and never waits
longer than its budget, whatever the network does. The checks of one run go concurrently.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from server.diagnoses import Diagnosis

# Every network step gets its own bound, well under the budget of the whole check: a
# hung endpoint must cost seconds, not libpq's infinity or botocore's minutes.
CONNECT_TIMEOUT = 4.0
READ_TIMEOUT = 5.0
CHECK_BUDGET = 10.0


K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def concurrently(calls: Mapping[K, Callable[[], T]], budget: float) -> dict[K, T]:
    """Run `calls` at once; return within `budget` seconds the results of those that finished.

    Daemon threads: a call stuck in something that ignores its own timeout (a DNS lookup, a
    library without one) is abandoned and cannot keep the process alive. A call that raises
    is left out like one that did not finish: callers that must report errors catch them.
    """
    results: dict[K, T] = {}
    lock = threading.Lock()

    def work(key: K, call: Callable[[], T]) -> None:
        try:
            value = call()
        except Exception:
            return
        with lock:
            results[key] = value

    threads = [
        threading.Thread(target=work, args=(key, call), daemon=True) for key, call in calls.items()
    ]
    deadline = time.monotonic() + budget
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    with lock:
        return dict(results)


@dataclass(frozen=True)
class Check:
    """One named check, ready to run (its inputs already bound)."""

    name: str
    label_fr: str
    label_en: str
    run: Callable[[], list[Diagnosis]]

    def label(self, language: str) -> str:
        return self.label_fr if language == "fr" else self.label_en


def run_checks(checks: Sequence[Check], budget: float = CHECK_BUDGET) -> dict[str, list[Diagnosis]]:
    """Run `checks` concurrently; whatever happens, return within `budget` seconds.

    Daemon threads: a check stuck in a call that ignores its timeout is abandoned, and
    cannot keep the process alive.
    """

    def safely(check: Check) -> Callable[[], list[Diagnosis]]:
        def run() -> list[Diagnosis]:
            try:
                return check.run()
            except Exception as error:  # a bug in a check must not become the student's crash
                return [
                    Diagnosis(
                        "check.crashed",
                        params={"check": check.name},
                        details={"error": type(error).__name__},
                    )
                ]

        return run

    results = concurrently({check.name: safely(check) for check in checks}, budget)
    return {
        check.name: results.get(check.name)
        or [Diagnosis("check.timeout", params={"check": check.name, "seconds": int(budget)})]
        for check in checks
    }
