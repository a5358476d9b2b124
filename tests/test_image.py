"""The Docker image, short of building it (no Docker engine here): lint, layout, and its CMD
running in an environment made from requirements.txt alone, as the Dockerfile makes it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from app_process import ROOT, AppProcess, seed_env
from services import PgDatabase, S3Bucket

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(keyword: str) -> list[str]:
    """The arguments of every `keyword` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [
        line.split(None, 1)[1].strip()
        for line in joined.splitlines()
        if line.strip().upper().startswith(keyword + " ")
    ]


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    done = subprocess.run(
        [hadolint, "--failure-threshold", "info", "-"],
        input=DOCKERFILE,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_follows_the_docker_spaces_layout():
    assert instructions("FROM")[0].endswith("-slim")
    assert any("--uid 1000" in run for run in instructions("RUN"))
    assert instructions("USER") == ["1000"]
    assert any("HOME=/home/user" in env for env in instructions("ENV"))
    assert instructions("WORKDIR") == ["$HOME/app"]
    assert all("--chown=user" in copy for copy in instructions("COPY"))
    assert instructions("EXPOSE") == ["7860"]
    assert "/health" in instructions("HEALTHCHECK")[0]
    assert json.loads(instructions("CMD")[0]) == ["python", "app.py"]


def test_readme_front_matter_makes_a_docker_space():
    readme = (ROOT / "README.md").read_text()
    front = readme.split("---", 2)[1]
    for line in ("sdk: docker", "app_port: 7860", "title:", "emoji:", "short_description:"):
        assert line in front


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A virtual environment built with the Dockerfile's own install steps, nothing else."""
    pip_steps = [run for run in instructions("RUN") if run.startswith("pip install")]
    assert pip_steps == [
        "pip install --user --no-cache-dir -r requirements.txt",
        "pip install --user --no-cache-dir --no-deps .",
    ]
    venv = tmp_path_factory.mktemp("image") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    source = tmp_path_factory.mktemp("app")
    for path in ("app.py", "server", "wizard", "pyproject.toml", "requirements.txt"):
        copy = shutil.copytree if (ROOT / path).is_dir() else shutil.copy2
        copy(ROOT / path, source / path)
    for step in pip_steps:  # --user is for the image's user; a venv installs into itself
        args = step.split()[2:]
        args.remove("--user")
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", *args],
            cwd=source,
            check=True,
            timeout=900,
        )
    return python, source


def test_image_cmd_serves_mlflow_from_requirements_alone(
    image: tuple[str, Path], tmp_path: Path, pg_database: PgDatabase, s3_bucket: S3Bucket
):
    python, source = image
    env = seed_env(
        pg_database.pooled_url, s3_bucket, username="admin", password="CANARY-image-password"
    )
    app = AppProcess(
        env, cwd=tmp_path, log_path=tmp_path / "app.log", python=python, app_dir=source
    )
    with app:
        app.wait_for("/health", timeout=180)
        search = requests.get(
            app.url + "/api/2.0/mlflow/experiments/search?max_results=1",
            auth=("admin", "CANARY-image-password"),
            timeout=10,
        )
        assert search.status_code == 200, search.text
