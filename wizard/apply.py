"""Saving the checked settings: as the Space's secrets (then one restart), or to `.env`.

Writing a secret makes Hugging Face restart the Space, so the process that writes them
can be sent SIGTERM between two writes. The writes go out together, SIGTERM waits until
they and the explicit restart are done, and a write that fails is retried and reported:
the Space is never restarted on a partial configuration.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from server import settings as names
from server.hub import make_api, restart_space, write_space_secrets


class RestartGuard:
    """Defers SIGTERM while settings are being applied; exits once they are.

    Installed from the main thread (Python delivers signals there); `applying()` is used
    by the worker thread that writes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._pending = False

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, _signum: int, _frame: FrameType | None) -> None:
        with self._lock:
            if self._active:
                self._pending = True
                return
        raise SystemExit(0)

    def __enter__(self) -> RestartGuard:
        with self._lock:
            self._active += 1
        return self

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._active -= 1
            leave = self._pending and not self._active
        if leave:
            # The platform asked us to stop while we were writing: now we may.
            sys.stderr.flush()
            os._exit(0)


GUARD = RestartGuard()


@dataclass(frozen=True)
class Applied:
    ok: bool
    failed: tuple[str, ...] = ()


def apply_to_space(
    token: str, space_id: str, values: Mapping[str, str], endpoint: str | None
) -> Applied:
    """Write every value as a secret of the Space, then ask for exactly one restart."""
    with GUARD:
        api = make_api(token, endpoint)
        outcomes = write_space_secrets(api, space_id, values)
        failed = tuple(sorted(key for key, outcome in outcomes.items() if not outcome.ok))
        if failed:
            return Applied(False, failed)
        restart_space(api, space_id)
        return Applied(True)


def write_env_file(path: Path, values: Mapping[str, str]) -> None:
    """Write `.env` readable by its owner only, replacing any earlier one atomically."""
    lines = ["# Written by the MLflow setup wizard. Keep this file private."]
    lines += [f"{key}={_quoted(value)}" for key, value in values.items()]
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def _quoted(value: str) -> str:
    # python-dotenv reads single-quoted values literally: no escapes, no interpolation.
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def restart_into_server(env_file: Path, delay: float = 1.5) -> None:
    """Become `python app.py` again, in a moment (the page must get its answer first)."""
    app = Path(__file__).resolve().parent.parent / "app.py"
    argv = [sys.executable, str(app), "--env-file", str(env_file)]

    def become_server() -> None:
        time.sleep(delay)
        sys.stderr.flush()
        os.execv(sys.executable, argv)

    threading.Thread(target=become_server, daemon=True).start()


def client_env(tracking_uri: str, values: Mapping[str, str], private_space: bool) -> str:
    """The `.env` block a student pastes into their project."""
    lines = [f"{names.MLFLOW_TRACKING_URI}={tracking_uri}"]
    if private_space:
        lines.append(f"{names.MLFLOW_TRACKING_TOKEN}=hf_...  # a Hugging Face read token")
    elif names.MLFLOW_TRACKING_USERNAME in values:
        lines.append(f"{names.MLFLOW_TRACKING_USERNAME}={values[names.MLFLOW_TRACKING_USERNAME]}")
        lines.append(f"{names.MLFLOW_TRACKING_PASSWORD}={values[names.MLFLOW_TRACKING_PASSWORD]}")
    return "\n".join(lines) + "\n"


NOTEBOOK_SNIPPET = """\
# pip install mlflow python-dotenv
from dotenv import load_dotenv
import mlflow

load_dotenv()  # reads MLFLOW_TRACKING_URI and the credentials from .env
mlflow.set_experiment("my-first-experiment")
with mlflow.start_run():
    mlflow.log_param("alpha", 0.5)
    mlflow.log_metric("rmse", 0.42)
"""
