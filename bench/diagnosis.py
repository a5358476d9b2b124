"""How long it takes to learn that a service is wrong: our doctor against library defaults.

A *hung* endpoint is a loopback socket that accepts connections and never answers: the
worst case for a client, since the TCP connect succeeds and only a read timeout can help.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import psycopg
import requests
from common import ROOT, S3Bucket, clean_environ, free_port, log

CAP = 60.0  # seconds: what never ends is reported as "> CAP"


class HungEndpoint:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self._listener.settimeout(0.5)
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(connection)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)
        for connection in [*self._held, self._listener]:
            connection.close()

    def __enter__(self) -> HungEndpoint:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def capped(work: Callable[[], Any], cap: float = CAP) -> tuple[float | None, str]:
    """Seconds `work` took to return or raise, or None when it was still waiting at `cap`."""
    outcome: list[str] = []

    def run() -> None:
        try:
            work()
            outcome.append("returned")
        except Exception as error:
            outcome.append(type(error).__name__)

    began = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)  # abandoned if it never returns
    thread.start()
    thread.join(cap)
    if thread.is_alive():
        return None, f"still waiting after {cap:.0f} s"
    return time.monotonic() - began, outcome[0]


def psycopg_default_connect(port: int) -> Callable[[], Any]:
    """psycopg 3's connect as MLflow's engine makes it from a plain URI: no connect_timeout."""
    url = f"postgresql://someone:secret@127.0.0.1:{port}/neondb?sslmode=require"
    return lambda: psycopg.connect(url).close()


def botocore_default_call(endpoint_url: str, bucket: S3Bucket) -> Callable[[], Any]:
    """boto3's defaults (60 s connect, 60 s read, retries), as MLflow's S3 client has them."""

    def call() -> None:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=bucket.region,
            aws_access_key_id=bucket.access_key_id,
            aws_secret_access_key=bucket.secret_access_key,
        )
        client.list_objects_v2(Bucket=bucket.bucket, Prefix=bucket.prefix, MaxKeys=1)

    return call


def doctor(env: dict[str, str], folder: Path) -> tuple[float, dict[str, str]]:
    """Wall time of `python app.py doctor --json` and the status of each check."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "doctor", "--json"],
        cwd=folder,  # no .env there: the settings come from `env` only
        env=clean_environ(env),
        capture_output=True,
        text=True,
        timeout=CAP * 2,
        check=False,
    )
    elapsed = time.monotonic() - began
    try:
        report = json.loads(done.stdout)
        statuses = {check["name"]: check["status"] for check in report["checks"]}
    except (json.JSONDecodeError, KeyError):
        log(f"doctor output not understood: {done.stdout[-500:]} {done.stderr[-500:]}")
        statuses = {}
    return elapsed, statuses


def first_answer(
    argv: list[str], env: dict[str, str], folder: Path, path: str, name: str
) -> float | None:
    """Seconds from process start to `path` answering 200 on its port, or None at CAP."""
    port = int(env["PORT"]) if "PORT" in env else free_port()
    argv = [part.replace("{port}", str(port)) for part in argv]
    env = {**env, "PORT": str(port)}
    with (folder / f"{name}.log").open("ab") as output:
        began = time.monotonic()
        process = subprocess.Popen(
            argv, cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        while time.monotonic() - began < CAP:
            if process.poll() is not None:
                log(f"{name} exited with {process.returncode}")
                return None
            try:
                if requests.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code == 200:
                    return time.monotonic() - began
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
