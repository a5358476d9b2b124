"""The wizard's handlers and its apply step, without a browser (tests/test_wizard_browser.py
drives the page itself)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from app_process import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from services import PgDatabase, S3Bucket

from server.settings import Settings
from wizard import apply
from wizard.app import STEPS, Context, Handlers, Session

CANARY_SECRET = "CANARYsecretCANARYsecretCANARYsecret0000"


class Request:
    """What Gradio passes as `gr.Request` for the parts the handlers read."""

    def __init__(self, language: str = "fr-FR", client: str = "127.0.0.1") -> None:
        self.headers = {"accept-language": language}
        self.client = SimpleNamespace(host=client)


def handlers(environ: dict[str, str] | None = None, tmp_path: Path | None = None) -> Handlers:
    environ = environ or {}
    context = Context(
        environ=environ,
        settings=Settings.load(environ, None),
        problems=[],
        env_file=(tmp_path or Path("/nonexistent")) / ".env",
        port=7860,
    )
    return Handlers(context)


def loaded(handler: Handlers, language: str = "fr-FR") -> Session:
    return handler.load(Session(), Request(language))[0]


def space_env(hub, space_id: str = "alice/mlflow") -> dict[str, str]:
    return {"SPACE_ID": space_id, "SPACE_HOST": "alice-mlflow.hf.space", "HF_ENDPOINT": hub.url}


def test_nothing_is_tested_before_ownership_is_proved(hub):
    handler = handlers(space_env(hub))
    session = loaded(handler)
    assert not session.proved
    result = handler.check_database("postgresql://u:p@127.0.0.1:1/db", session)[1]
    assert "Prouvez d'abord" in result
    result = handler.check_artifacts("s3://b/p", "", "AKIA", "x", "", session)[1]
    assert "Prouvez d'abord" in result
    walkthrough, message = handler.next_after("database", "artifacts", accept=True)(session, True)
    assert walkthrough.selected == STEPS["token"]
    assert "Prouvez" in message


def test_write_token_proves_ownership_read_token_does_not(hub):
    handler = handlers(space_env(hub))
    session = loaded(handler, "en-US")
    session, result, *_ = handler.check_token(hub.alice_read, session)
    assert not session.proved and not session.token and "✗" in result
    session, result, *_ = handler.check_token(hub.alice_write, session)
    assert session.proved and "✓" in result
    assert hub.alice_write not in result


def test_someone_elses_space_is_refused(hub):
    handler = handlers(space_env(hub, "bob/mlflow"))
    session, result, *_ = handler.check_token(hub.alice_write, loaded(handler))
    assert not session.proved
    assert "bob/mlflow" in result


def test_outside_a_space_other_machines_need_the_setup_code(tmp_path: Path):
    handler = handlers(tmp_path=tmp_path)
    assert loaded(handler).proved  # from this machine
    session = handler.load(Session(), Request("en-US", client="192.0.2.7"))[0]
    assert not session.proved
    session, answer, *_ = handler.check_token("wrong", session)
    assert not session.proved and "✗" in answer
    session, answer, *_ = handler.check_token(handler.context.setup_code, session)
    assert session.proved


def test_live_tests_are_rate_limited(tmp_path: Path):
    handler = handlers(tmp_path=tmp_path)
    session = loaded(handler)
    results = [handler.check_database("not a uri", session)[1] for _ in range(20)]
    assert any("Trop de tests" in result for result in results)


def test_database_step_cleans_the_paste_and_never_echoes_the_password(pg_database: PgDatabase):
    handler = handlers()
    session = loaded(handler, "en-US")
    pasted = f"psql '{pg_database.direct_url}'"
    session, result, *_ = handler.check_database(pasted, session)
    assert session.status["database"] == "ok", result
    assert pg_database.password not in result
    assert session.accepted["BACKEND_STORE_URI"].startswith("postgresql://")
    walkthrough, _ = handler.next_after("database", "artifacts", accept=True)(session, False)
    assert walkthrough.selected == STEPS["artifacts"]


def test_artifacts_step_detects_the_region(s3_bucket: S3Bucket):
    handler = handlers()
    session = loaded(handler, "en-US")
    session, result, region, _ = handler.check_artifacts(
        s3_bucket.artifact_root,
        "",
        s3_bucket.access_key_id,
        s3_bucket.secret_access_key,
        s3_bucket.endpoint_url,
        session,
    )
    assert session.status["artifacts"] != "fail", result
    assert region["value"] == s3_bucket.region
    assert s3_bucket.secret_access_key not in result


def test_short_password_keeps_the_access_step(tmp_path: Path):
    handler = handlers(tmp_path=tmp_path)
    session = loaded(handler, "en-US")
    session, result, walkthrough, _ = handler.check_mlflow_access(True, "admin", "short", session)
    assert "at least 12" in result
    session, result, walkthrough, review = handler.check_mlflow_access(
        True, "admin", "long-enough-password", session
    )
    assert walkthrough.selected == STEPS["apply"]
    assert "long-enough-password" not in review  # secrets are masked in the summary


TEXT = st.text(max_size=2000) | st.text(alphabet=st.characters(), max_size=50)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(uri=TEXT, path=TEXT, region=TEXT, key_id=TEXT, secret=TEXT, endpoint=st.just(""))
def test_hostile_input_in_every_field_gets_an_answer(uri, path, region, key_id, secret, endpoint):
    handler = handlers()
    session = loaded(handler)
    session.tests.clear()
    # Hostile text must not reach the network: a resolvable host would be contacted.
    uri = uri.replace("@", "@x.invalid/")
    session, result, *_ = handler.check_database(uri, session)
    assert isinstance(result, str) and result
    session.tests.clear()
    session, result, *_ = handler.check_artifacts(
        path, region, key_id, secret + CANARY_SECRET, "http://127.0.0.1:9", session
    )
    assert isinstance(result, str) and result
    assert CANARY_SECRET not in result


def test_env_file_is_private_and_read_back(tmp_path: Path):
    values = {"BACKEND_STORE_URI": "postgresql://u:p'q\"r@h/d", "ARTIFACT_ROOT": "s3://b/p"}
    path = tmp_path / ".env"
    apply.write_env_file(path, values)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dict(Settings.load({}, path)) == values


def test_client_env_block():
    values = {"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": "pw-123456789012"}
    block = apply.client_env("https://a-b.hf.space", values, private_space=False)
    assert "MLFLOW_TRACKING_URI=https://a-b.hf.space" in block
    assert "MLFLOW_TRACKING_PASSWORD=pw-123456789012" in block
    private = apply.client_env("https://a-b.hf.space", values, private_space=True)
    assert "MLFLOW_TRACKING_TOKEN=" in private and "PASSWORD" not in private


RACE = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from wizard import apply
    apply.GUARD.install()
    values = {{f"KEY_{{i}}": f"value-{{i}}" for i in range(8)}}
    print("ready", flush=True)
    sys.stdin.readline()
    result = apply.apply_to_space({token!r}, "alice/mlflow", values, {endpoint!r})
    print("applied", result.ok, flush=True)
    time.sleep(30)  # the deferred SIGTERM must end the process before this
    """
)


def test_restart_race_all_secrets_land_and_one_restart(hub):
    """SIGTERM arrives after the first secret write, as a real Space restarts."""
    script = RACE.format(root=str(ROOT), token=hub.alice_write, endpoint=hub.url)
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None and process.stdin is not None
    assert process.stdout.readline().strip() == "ready"
    hub.sigterm_after_first_secret(process.pid, 0.05)
    process.stdin.write("go\n")
    process.stdin.flush()
    assert process.wait(timeout=30) == 0
    assert len(hub.secret_values("alice/mlflow")) == 8
    assert hub.space("alice/mlflow").restarts == 1
    order = [r.path.rsplit("/", 1)[-1] for r in hub.requests if r.method == "POST"]
    assert order[-1] == "restart" and order.count("secrets") == 8


@pytest.mark.parametrize("language", ["fr-FR", "en-US", "de-DE", ""])
def test_language_follows_the_browser(language: str):
    session = loaded(handlers(), language)
    assert session.language == ("en" if language.startswith("en") else "fr")


def test_runs_inline_in_a_notebook(tmp_path: Path):
    import requests
    from services import free_port

    from wizard.app import notebook

    port = free_port()
    page = notebook(tmp_path / ".env", port=port)
    try:
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        page.close()


@pytest.mark.parametrize("junk", ["x" * 1_000_000, "\x00\x1b[31m\u202e" * 1000, "é" * 300_000])
def test_oversized_and_control_input_is_refused_with_a_diagnosis(junk: str, tmp_path: Path):
    handler = handlers(tmp_path=tmp_path)
    session = loaded(handler)
    session, result, *_ = handler.check_database(junk, session)
    assert "✗" in result
    session, result, *_ = handler.check_artifacts(junk, junk, junk, junk, "", session)
    assert "✗" in result
    session, result, *_ = handler.check_mlflow_access(True, junk, junk, session)
    assert "✗" in result
    session, result, *_ = handler.check_token(junk, session)
    assert "✗" in result
