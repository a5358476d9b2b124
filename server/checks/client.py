"""The student's side: can this machine reach the MLflow server and log a run to it?

Plain HTTP with bounded timeouts rather than MlflowClient, whose defaults (120 s a
request, seven retries with backoff) would keep a notebook cell waiting for minutes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests
from dotenv import dotenv_values

from server import settings as names
from server.checks import CONNECT_TIMEOUT, READ_TIMEOUT, Check
from server.diagnoses import Diagnosis

TIMEOUT = (CONNECT_TIMEOUT, READ_TIMEOUT)
DOCTOR_EXPERIMENT = "mlflow-space-doctor"
_SPACE_PAGE = re.compile(r"^https?://(?:www\.)?huggingface\.co/spaces/([^/]+)/([^/?#]+)")


def client_settings(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    """The client's variables, from the environment first, then the project's `.env`."""
    layers: list[Mapping[str, str | None]] = [environ]
    if env_file is not None and env_file.is_file():
        layers.append(dotenv_values(env_file))
    found: dict[str, str] = {}
    for name in names.CLIENT_NAMES:
        for layer in layers:
            value = (layer.get(name) or "").strip()
            if value:
                found[name] = value
                break
    return found


def client_checks(environ: Mapping[str, str], env_file: Path | None) -> list[Check]:
    values = client_settings(environ, env_file)
    return [Check("client", "Serveur MLflow", "MLflow server", lambda: check_client(values))]


def space_url(page_url: str) -> str | None:
    """`https://huggingface.co/spaces/owner/name` → the app's own `https://owner-name.hf.space`."""
    match = _SPACE_PAGE.match(page_url)
    if not match:
        return None
    owner, name = (part.lower().replace("_", "-").replace(".", "-") for part in match.groups())
    return f"https://{owner}-{name}.hf.space"


def check_client(values: Mapping[str, str]) -> list[Diagnosis]:
    """Each step of a client's first run, stopping at the first that fails. Never raises."""
    try:
        return _check(values)
    except Exception as error:  # a doctor reports; it does not crash a notebook
        return [Diagnosis("client.unexpected", details={"error": type(error).__name__})]


def _check(values: Mapping[str, str]) -> list[Diagnosis]:
    uri = values.get(names.MLFLOW_TRACKING_URI, "")
    if not uri:
        return [Diagnosis("client.uri_missing")]
    if space_url(uri):
        return [Diagnosis("client.uri_space_page", params={"url": space_url(uri) or ""})]
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [Diagnosis("client.uri_scheme", params={"uri": uri[:100]})]
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    session = _session(values)
    where = {"uri": base}

    try:
        health = session.get(base + "/health", timeout=TIMEOUT)
    except requests.exceptions.ConnectTimeout:
        return [Diagnosis("client.timeout", params={"uri": base}, details=where)]
    except requests.exceptions.ReadTimeout:
        return [Diagnosis("client.timeout", params={"uri": base}, details=where)]
    except requests.exceptions.RequestException:
        return [Diagnosis("client.unreachable", params={"uri": base}, details=where)]
    found: list[Diagnosis] = []
    on_space = (parts.hostname or "").endswith(".hf.space")
    if health.status_code in (401, 404) and on_space and names.MLFLOW_TRACKING_TOKEN not in values:
        return [Diagnosis("client.private_space_token")]
    if health.status_code in (502, 503):
        return [Diagnosis("client.starting", params={"uri": base}, details=where)]
    if health.status_code != 200 or "OK" not in health.text[:100]:
        return [
            Diagnosis(
                "client.not_mlflow",
                params={"uri": base},
                details={**where, "status": str(health.status_code)},
            )
        ]
    version = session.get(base + "/version", timeout=TIMEOUT)
    details = {**where, "mlflow_version": version.text.strip()[:20] if version.ok else "?"}
    found.append(Diagnosis("client.reachable", status="ok", params={"uri": base}, details=details))
    if names.MLFLOW_TRACKING_TOKEN in values and names.MLFLOW_TRACKING_PASSWORD in values:
        found.append(Diagnosis("client.token_and_password", status="warn"))

    search = session.get(
        base + "/api/2.0/mlflow/experiments/search", params={"max_results": 1}, timeout=TIMEOUT
    )
    if search.status_code == 401:
        has_password = names.MLFLOW_TRACKING_PASSWORD in values
        code = "client.credentials_rejected" if has_password else "client.credentials_missing"
        return [*found, Diagnosis(code)]
    if search.status_code == 403:
        return [*found, Diagnosis("client.forbidden")]
    if not search.ok:
        return [*found, _http_failure("search", search)]
    found.append(Diagnosis("client.credentials_ok", status="ok"))
    found.append(_write_and_clean(session, base))
    return found


def _session(values: Mapping[str, str]) -> requests.Session:
    """Credentials as MLflow's client sends them: a token if given, else basic auth."""
    session = requests.Session()
    session.trust_env = False  # a stray proxy or .netrc must not change the verdict
    token = values.get(names.MLFLOW_TRACKING_TOKEN)
    username = values.get(names.MLFLOW_TRACKING_USERNAME)
    password = values.get(names.MLFLOW_TRACKING_PASSWORD)
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    elif username and password:
        session.auth = (username, password)
    return session


def _http_failure(step: str, response: requests.Response) -> Diagnosis:
    return Diagnosis(
        "client.http_error",
        params={"step": step, "status": response.status_code},
        details={"status": str(response.status_code)},
    )


def _write_and_clean(session: requests.Session, base: str) -> Diagnosis:
    """Log a run with a small artifact through the server, then delete both."""
    api = base + "/api/2.0/mlflow"
    found = session.get(
        api + "/experiments/get-by-name",
        params={"experiment_name": DOCTOR_EXPERIMENT},
        timeout=TIMEOUT,
    )
    if found.ok:
        experiment_id = found.json()["experiment"]["experiment_id"]
    else:
        created = session.post(
            api + "/experiments/create", json={"name": DOCTOR_EXPERIMENT}, timeout=TIMEOUT
        )
        if not created.ok:
            return _http_failure("experiments/create", created)
        experiment_id = created.json()["experiment_id"]
    run = session.post(
        api + "/runs/create",
        json={"experiment_id": experiment_id, "run_name": "doctor-" + uuid.uuid4().hex[:8]},
        timeout=TIMEOUT,
    )
    if not run.ok:
        return _http_failure("runs/create", run)
    info = run.json()["run"]["info"]
    run_id = info["run_id"]
    try:
        artifact_uri: str = info["artifact_uri"]
        if not artifact_uri.startswith("mlflow-artifacts:"):
            return Diagnosis("client.artifacts_not_proxied", details={"artifact_uri": artifact_uri})
        path = artifact_uri.split(":", 1)[1].lstrip("/") + "/doctor.txt"
        url = base + "/api/2.0/mlflow-artifacts/artifacts/" + quote(path)
        upload = session.put(url, data=b"mlflow-space doctor\n", timeout=TIMEOUT)
        if not upload.ok:
            return _http_failure("artifact upload", upload)
        session.delete(url, timeout=TIMEOUT)
        return Diagnosis("client.write_ok", status="ok", details={"experiment": DOCTOR_EXPERIMENT})
    finally:
        session.post(api + "/runs/delete", json={"run_id": run_id}, timeout=TIMEOUT)
