"""Every route the running server has asks for credentials, except MLflow's public ones.

The routes are listed from the app itself: MLflow's basic-auth factory is called in a
subprocess with the environment of one of the server's uvicorn workers (so the same
settings, the same plugins, the same routers), and both its FastAPI routes and the Flask
`url_map` it wraps are enumerated. Each declared method is then sent, with dummy path
parameters and no credentials, to the running server.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from app_process import AppProcess, seed_env
from services import PgDatabase, S3Bucket

USERNAME = "admin"
PASSWORD = "CANARY-routes-" + secrets.token_hex(8)
TIMEOUT = 15

# What MLflow's auth app leaves open (mlflow.server.auth: `_UNPROTECTED_PATH_PREFIXES` and
# `_PUBLIC_ROUTE_SUFFIXES`): health, the UI's static files, the favicon, server-info.
PUBLIC_PREFIXES = ("/health", "/static", "/favicon.ico")
PUBLIC_PATHS = ("/api/3.0/mlflow/server-info", "/ajax-api/3.0/mlflow/server-info")
# The routes of mlflow 3.17.2 that this rule opens, exactly. (No route serves /favicon.ico.)
EXPECTED_PUBLIC = {
    "/health",
    "/static-files/<path:path>",
    "/api/3.0/mlflow/server-info",
    "/ajax-api/3.0/mlflow/server-info",
}

# Run in the worker's environment: MLflow's own factory, then every route it serves.
LIST_ROUTES = """
import json
from fastapi.routing import _IncludedRouter
from mlflow.server import app as flask_app
from mlflow.server.auth import create_app

app = create_app()
routes = []
for route in app.routes:
    if isinstance(route, _IncludedRouter):
        for context in route.effective_route_contexts():
            methods = getattr(context.original_route, "methods", None) or ["WEBSOCKET"]
            routes.append(["fastapi", context.path, sorted(methods)])
    elif hasattr(route, "methods"):
        routes.append(["fastapi", route.path, sorted(route.methods)])
    else:
        routes.append(["mount", getattr(route, "path", ""), [type(route).__name__]])
for rule in flask_app.url_map.iter_rules():
    routes.append(["flask", rule.rule, sorted(rule.methods)])
print(json.dumps({"sgi": type(app).__name__, "routes": routes}))
"""


@dataclass(frozen=True)
class Route:
    source: str  # "fastapi" (native) or "flask" (behind the FastAPI mount)
    rule: str
    method: str

    @property
    def public(self) -> bool:
        return self.rule.startswith(PUBLIC_PREFIXES) or self.rule in PUBLIC_PATHS

    @property
    def path(self) -> str:
        """The rule with dummy values for its parameters (Flask `<…>`, Starlette `{…}`)."""
        path = re.sub(r"<path:\w+>|\{\w+:path\}", "dummy/part", self.rule)
        return re.sub(r"<(?:\w+:)?\w+>|\{\w+\}", "dummy", path)


@pytest.fixture(scope="module")
def space(
    module_database: PgDatabase, module_bucket: S3Bucket, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppProcess]:
    folder = tmp_path_factory.mktemp("routes")
    env = seed_env(module_database.direct_url, module_bucket, username=USERNAME, password=PASSWORD)
    with AppProcess(env, cwd=folder, log_path=folder / "app.log") as app:
        app.wait_for("/health")
        yield app


def worker_environment(app: AppProcess) -> dict[str, str]:
    """The environment of a uvicorn worker of `app` (what `mlflow server` hands its workers)."""
    assert app.process is not None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            pgid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2])
            if pgid != app.process.pid:
                continue
            raw = (entry / "environ").read_bytes()
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        env = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
        if b"spawn_main" in command and env.get("_MLFLOW_SGI_NAME") == "uvicorn":
            return env
    raise AssertionError("no uvicorn worker found in the server's process group")


@pytest.fixture(scope="module")
def routes(space: AppProcess, tmp_path_factory: pytest.TempPathFactory) -> list[Route]:
    listed = subprocess.run(
        [sys.executable, "-c", LIST_ROUTES],
        env=worker_environment(space),
        cwd=tmp_path_factory.mktemp("list-routes"),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr[-4000:]
    found = json.loads(listed.stdout.strip().splitlines()[-1])
    assert found["sgi"] == "FastAPI"  # uvicorn serves MLflow's FastAPI app around Flask
    mounts = [r for r in found["routes"] if r[0] == "mount"]
    assert mounts == [["mount", "", ["Mount"]]], mounts  # only the Flask app, at /
    return sorted(
        {
            Route(source, rule, method)
            for source, rule, methods in found["routes"]
            if source != "mount"
            for method in methods
            if method not in ("HEAD", "OPTIONS")  # added by Flask for every GET / every rule
        },
        key=lambda r: (r.rule, r.method, r.source),
    )


def anonymous(url: str, route: Route) -> requests.Response:
    body = {} if route.method in ("POST", "PUT", "PATCH", "DELETE") else None
    return requests.request(route.method, url + route.path, json=body, timeout=TIMEOUT)


def test_every_route_but_the_public_ones_needs_credentials(space: AppProcess, routes: list[Route]):
    # The enumeration found MLflow's whole API, native FastAPI routes and Flask's alike.
    assert len({r for r in routes if r.source == "flask"}) > 300
    assert len({r for r in routes if r.source == "fastapi"}) > 50
    assert not [r for r in routes if r.method == "WEBSOCKET"]
    for needed in (
        Route("flask", "/api/2.0/mlflow/runs/log-batch", "POST"),
        Route("flask", "/api/2.0/mlflow/users/create", "POST"),
        Route("flask", "/graphql", "POST"),
        Route("fastapi", "/api/2.0/mlflow-artifacts/artifacts/{artifact_path:path}", "PUT"),
        Route("fastapi", "/gateway/{endpoint_name}/mlflow/invocations", "POST"),
        Route("fastapi", "/v1/traces", "POST"),
    ):
        assert needed in routes

    with ThreadPoolExecutor(4) as pool:
        answers = dict(
            zip(routes, pool.map(lambda r: anonymous(space.url, r), routes), strict=True)
        )

    open_routes = {r for r, answer in answers.items() if answer.status_code != 401}
    assert open_routes == {r for r in routes if r.public}, sorted(
        (r.method, r.rule, answers[r].status_code)
        for r in open_routes ^ {r for r in routes if r.public}
    )
    assert {r.rule for r in open_routes} == EXPECTED_PUBLIC
    assert {r.method for r in open_routes} == {"GET"}
    # The MLflow client (and a browser) learn from the header how to authenticate.
    refusals = [answer for r, answer in answers.items() if r not in open_routes]
    assert all(a.headers.get("WWW-Authenticate", "").startswith("Basic") for a in refusals)
    assert all("authenticate" in a.text for a in refusals)


def public_answers(url: str) -> dict[str, tuple[int, bytes]]:
    paths = [
        "/health",
        "/api/3.0/mlflow/server-info",
        "/ajax-api/3.0/mlflow/server-info",
        "/static-files/index.html",
        "/static-files/dummy/part",
        "/favicon.ico",
    ]
    answers = {}
    for path in paths:
        answer = requests.get(url + path, timeout=TIMEOUT)
        answers[path] = (answer.status_code, answer.content)
    return answers


def test_public_routes_hold_no_data(
    space: AppProcess, module_database: PgDatabase, module_bucket: S3Bucket
):
    """What answers without credentials is the same whatever the server stores, and names
    none of its secrets."""
    before = public_answers(space.url)
    assert before["/health"][0] == 200
    assert before["/api/3.0/mlflow/server-info"][0] == 200
    assert before["/static-files/index.html"][0] == 200

    auth = (USERNAME, PASSWORD)
    experiment = "CANARY-experiment-" + secrets.token_hex(4)
    created = requests.post(
        space.url + "/api/2.0/mlflow/experiments/create",
        json={"name": experiment},
        auth=auth,
        timeout=TIMEOUT,
    )
    assert created.status_code == 200, created.text
    run = requests.post(
        space.url + "/api/2.0/mlflow/runs/create",
        json={"experiment_id": created.json()["experiment_id"]},
        auth=auth,
        timeout=TIMEOUT,
    ).json()["run"]["info"]["run_id"]
    user = "canary-student-" + secrets.token_hex(4)
    assert requests.post(
        space.url + "/api/2.0/mlflow/users/create",
        json={"username": user, "password": "canary-student-password"},
        auth=auth,
        timeout=TIMEOUT,
    ).ok

    after = public_answers(space.url)
    assert after == before
    secrets_and_data = [
        PASSWORD,
        USERNAME + ":",
        module_database.password,
        module_database.user,
        module_database.dbname,
        module_bucket.bucket,
        module_bucket.access_key_id,
        module_bucket.secret_access_key,
        experiment,
        run,
        user,
    ]
    for path, (_status, body) in after.items():
        text = body.decode(errors="replace")
        assert not [s for s in secrets_and_data if s in text], path
