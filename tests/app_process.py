"""Run `python app.py …` as the Space would, and wait for it to answer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import requests
from services import S3Bucket, free_port

ROOT = Path(__file__).resolve().parent.parent

# Variables of the machine running the tests that would change what the app does.
_SCRUBBED_PREFIXES = ("MLFLOW_", "AWS_", "SPACE_", "HF_", "BACKEND_STORE_URI", "ARTIFACT_")


def group_pids(pgid: int) -> set[int]:
    """The live processes of process group `pgid` (an app and its uvicorn workers)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # pgid is the 5th field; the command name (2nd) may hold spaces: split after ')'.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.add(int(entry.name))
    return pids


def clean_environ(extra: Mapping[str, str] = {}) -> dict[str, str]:
    """The test runner's environment without any setting that the app would read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env.pop("PORT", None)
    env["PYTHONUNBUFFERED"] = "1"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


class AppProcess:
    """`python app.py` in a subprocess, its output in a log file."""

    def __init__(
        self,
        env: Mapping[str, str],
        args: Sequence[str] = (),
        *,
        cwd: Path,
        log_path: Path,
        python: str = sys.executable,
        app_dir: Path = ROOT,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = clean_environ({**env, "PORT": str(self.port)})
        self.args = list(args)
        self.cwd = cwd
        self.log_path = log_path
        self.python = python
        self.app_dir = app_dir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> AppProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [self.python, str(self.app_dir / "app.py"), *self.args],
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def wait_for(self, path: str = "/health", timeout: float = 120) -> requests.Response:
        """Wait until `path` answers 200; fail with the log if the process dies first."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"app.py exited with {self.process.returncode}:\n{self.log()[-4000:]}"
                )
            try:
                response = requests.get(self.url + path, timeout=2)
                if response.status_code == 200:
                    return response
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError(
            f"{self.url}{path} did not answer in {timeout}s:\n{self.log()[-4000:]}"
        )

    def wait_exit(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        """Stop the whole process group (uvicorn's workers too), as a Space restart does."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> AppProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def seed_env(
    backend_store_uri: str,
    bucket: S3Bucket,
    *,
    username: str | None = None,
    password: str | None = None,
    space_host: str | None = None,
) -> dict[str, str]:
    """The Space secrets a student sets by hand today (the seed README's names)."""
    env = {
        "BACKEND_STORE_URI": backend_store_uri,
        "ARTIFACT_ROOT": bucket.artifact_root,
        "AWS_ACCESS_KEY_ID": bucket.access_key_id,
        "AWS_SECRET_ACCESS_KEY": bucket.secret_access_key,
        "AWS_DEFAULT_REGION": bucket.region,
        # moto stands in for AWS: the S3-compatible endpoint setting points there.
        "MLFLOW_S3_ENDPOINT_URL": bucket.endpoint_url,
    }
    if username is not None:
        env["MLFLOW_TRACKING_USERNAME"] = username
    if password is not None:
        env["MLFLOW_TRACKING_PASSWORD"] = password
    if space_host is not None:
        env["SPACE_HOST"] = space_host
        env["SPACE_ID"] = space_host.removesuffix(".hf.space").replace("-", "/", 1)
    return env


def run_tracking_client(
    url: str, experiment: str, *, username: str | None = None, password: str | None = None
) -> dict[str, object]:
    """A student's client, in its own process, with no AWS keys in its environment."""
    env = clean_environ(
        {
            "MLFLOW_TRACKING_URI": url,
            "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
            # With S3 behind the proxy, MLflow 3.17 clients download through presigned URLs
            # straight from the bucket. moto checks only header-signed requests once its auth
            # is on (a query-string signature gets a 500), so downloads go through the server.
            "MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD": "false",
        }
    )
    if username and password:
        env |= {"MLFLOW_TRACKING_USERNAME": username, "MLFLOW_TRACKING_PASSWORD": password}
    assert not any(key.startswith("AWS_") for key in env)
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "tracking_client.py"), experiment],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
