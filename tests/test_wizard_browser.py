"""The setup wizard in a real browser: what a student sees, types and gets, step by step.

Each test runs `python app.py` (the wizard) against the real test services (PostgreSQL behind
PgBouncer, moto S3, the Hub stand-in) and drives it with Chromium. Screenshots of every step
land in test-artifacts/screenshots/<test>/. Diagnoses are matched against the catalogue's
own texts (server/catalogue), in the page's language.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import secrets
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
from app_process import AppProcess
from browser import (
    Captured,
    Pages,
    click,
    code_text,
    fill,
    is_visible,
    normalise,
    text,
    tick,
    value_of,
    wait_idle,
    wait_text,
    wait_visible,
)
from dotenv import dotenv_values
from playwright.sync_api import Page
from services import PgBouncer, PgDatabase, PostgresCluster, S3Bucket, fresh_database

from server.diagnoses import CATALOGUE

pytest_plugins = ["browser"]  # its fixtures: browser, pages, shots

WIZARD_START_S = 90
MLFLOW_START_S = 180
# What the wizard saves for a public Space or a laptop with a custom S3 endpoint.
SECRET_NAMES = (
    "BACKEND_STORE_URI",
    "ARTIFACT_ROOT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "MLFLOW_S3_ENDPOINT_URL",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
)
# Every field a step collects: none may show on the template Space.
INPUTS = (
    "hf-token",
    "db-uri",
    "s3-path",
    "s3-region",
    "s3-key-id",
    "s3-secret",
    "s3-endpoint",
    "auth-username",
    "auth-password",
)


# -- the catalogue's words --------------------------------------------------------------------


def said(code: str, lang: str, **known: object) -> re.Pattern[str]:
    """The catalogue message `code` in `lang` as a pattern: `known` parameters filled in,
    the others matching anything. Compared with :func:`browser.normalise`d page text."""
    template = normalise(CATALOGUE[code].message[lang])
    pieces = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(piece)
        if index % 2 == 0
        else (re.escape(normalise(str(known[piece]))) if piece in known else ".+?")
        for index, piece in enumerate(pieces)
    )
    return re.compile(regex)


def lines_of(result: str) -> list[str]:
    return [line.strip().lstrip("-•* ").strip() for line in result.splitlines() if line.strip()]


def marks(result: str) -> set[str]:
    """The ✓ / ! / ✗ marks starting the lines of a result."""
    return {line[0] for line in lines_of(result) if line[:1] in ("✓", "!", "✗")}


def space_env(space_id: str, hub_url: str) -> dict[str, str]:
    owner, name = space_id.split("/")
    return {
        "SPACE_ID": space_id,
        "SPACE_HOST": f"{owner}-{name}.hf.space".lower(),
        "HF_ENDPOINT": hub_url,
    }


def same_database(stored: str, given: str) -> bool:
    """Same server, database, user and password (the wizard may rewrite the rest)."""

    def parts(uri: str) -> tuple[object, ...]:
        url = urlsplit(uri)
        return (
            url.hostname,
            url.port,
            url.path,
            unquote(url.username or ""),
            unquote(url.password or ""),
        )

    require = parse_qs(urlsplit(stored).query).get("sslmode") == ["require"]
    return require and parts(stored) == parts(given)


def env_lines(code: str) -> dict[str, str]:
    """KEY=VALUE lines of a shown .env (comments skipped)."""
    found = {}
    for line in code.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            found[key.strip()] = value.strip().strip("'\"")
    return found


def basic_auth(username: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


# -- the student, step by step ----------------------------------------------------------------


class Student:
    """Drives the wizard page the way a student does, taking a screenshot at every step."""

    def __init__(self, pages: Pages, page: Page, lang: str) -> None:
        self.pages = pages
        self.page = page
        self.lang = lang
        self.seen: list[tuple[str, str]] = []  # (step, page HTML) for leak checks
        self.faults: list[str] = []  # problems that do not stop the walk

    def shot(self, step: str) -> None:
        self.pages.shot(self.page, step)
        self.seen.append((step, self.page.content()))

    def says(self, code: str, **known: object) -> re.Pattern[str]:
        return said(code, self.lang, **known)

    def start(self) -> None:
        wait_visible(self.page, "where-info", 60_000)
        wait_idle(self.page)
        self.shot("where-am-i")

    def next(self, button: str, shows: str, step: str) -> None:
        click(self.page, button)
        wait_visible(self.page, shows)
        wait_idle(self.page)
        self.shot(step)

    def stays(self, button: str, hidden: str, step: str, result: str, keeps: re.Pattern[str]):
        """'Next' after a failure (or an unaccepted warning) keeps the student on the step,
        and the step still shows the diagnosis `keeps` (what to fix, or what to accept)."""
        click(self.page, button)
        wait_idle(self.page)
        self.page.wait_for_timeout(800)
        self.shot(step)
        assert not is_visible(self.page, hidden), f"#{button} advanced past a problem"
        shown = normalise(text(self.page, result))
        if not keeps.search(shown):  # checked at the end: the rest of the walk still runs
            self.faults.append(f"after #{button}, #{result} lost the diagnosis; it shows {shown!r}")

    def no_faults(self) -> None:
        assert not self.faults, "\n".join(self.faults)

    def check(self, button: str, result: str, expect: re.Pattern[str], step: str) -> str:
        """Click a test button; wait for a new result holding `expect`."""
        before = normalise(text(self.page, result))
        click(self.page, button)
        shown = wait_text(
            self.page,
            result,
            lambda t: normalise(t) != before and bool(expect.search(normalise(t))),
        )
        wait_idle(self.page)
        self.shot(step)
        return shown

    def accept_warnings(self, result: str, accept: str) -> None:
        if "!" in marks(text(self.page, result)):
            tick(self.page, accept)

    # The steps.

    def token(self, value: str, expect: re.Pattern[str], step: str) -> str:
        fill(self.page, "hf-token", value)
        return self.check("token-check", "token-result", expect, step)

    def database(self, uri: str, expect: re.Pattern[str], step: str) -> str:
        fill(self.page, "db-uri", uri)
        return self.check("db-check", "db-result", expect, step)

    def artifacts(
        self,
        bucket: S3Bucket,
        path: str,
        expect: re.Pattern[str],
        step: str,
        secret: str = "",
        region: str = "",
    ) -> str:
        fill(self.page, "s3-path", path)
        fill(self.page, "s3-region", region or bucket.region)
        fill(self.page, "s3-key-id", bucket.access_key_id)
        fill(self.page, "s3-secret", secret or bucket.secret_access_key)
        fill(self.page, "s3-endpoint", bucket.endpoint_url)
        return self.check("s3-check", "s3-result", expect, step)

    def walk_to_access(self, space: str | None, token: str, db: PgDatabase, bucket: S3Bucket):
        """The happy path from step 1 to step 5 (no mistakes)."""
        self.start()
        if space is not None:
            self.next("where-next", "hf-token", "token-step")
            owner = space.split("/")[0]
            self.token(token, self.says("hub.ok", user=owner, space=space), "token-ok")
            self.next("token-next", "db-uri", "database-step")
        else:
            self.next("where-next", "db-uri", "database-step")
        self.database(db.pooled_url, self.says("postgres.ok"), "database-ok")
        self.accept_warnings("db-result", "db-accept-warn")
        self.next("db-next", "s3-path", "artifacts-step")
        ok = self.says("s3.ok", bucket=bucket.bucket, prefix=bucket.prefix)
        self.artifacts(bucket, bucket.artifact_root, ok, "artifacts-ok")
        self.accept_warnings("s3-result", "s3-accept-warn")
        self.next("s3-next", "access-next", "access-step")

    def access(self) -> tuple[str, str]:
        """Keep the defaults of step 5: authentication on, admin, the generated password."""
        assert self.page.locator("#auth-enabled input[type=checkbox]").first.is_checked()
        username = value_of(self.page, "auth-username")
        password = value_of(self.page, "auth-password")
        assert username == "admin"
        assert len(password) >= 12, "the generated password is shorter than MLflow's minimum"
        self.next("access-next", "review", "review-step")
        return username, password

    def apply(self) -> str:
        """Apply; return the client .env the page shows afterwards."""
        click(self.page, "apply")
        shown = wait_text(self.page, "client-env", "MLFLOW_TRACKING_URI=", timeout_ms=90_000)
        wait_idle(self.page, 90_000)
        self.shot("applied")
        return code_text(self.page, "client-env") or shown


def wait_for_mlflow_ui(page: Page, app: AppProcess, pages: Pages, timeout_s: float) -> None:
    """The still-open page ends on MLflow's UI by itself (it polls /health, then goes to /)."""
    deadline = time.monotonic() + timeout_s
    experiments = page.get_by_text(re.compile(r"^\s*Experiments\s*$")).first
    while time.monotonic() < deadline:
        assert app.process is not None
        if app.process.poll() is not None:
            raise AssertionError(f"app.py exited:\n{app.log()[-4000:]}")
        try:
            experiments.wait_for(state="visible", timeout=2_000)
            pages.shot(page, "mlflow-ui")
            return
        except Exception:
            pass
    pages.shot(page, "mlflow-ui-missing")
    raise AssertionError(
        f"the page never showed MLflow's UI; it is at {page.url}:\n"
        f"{page.inner_text('body')[:2000]}\n--- app log ---\n{app.log()[-4000:]}"
    )


def shown_texts(page: Page, ids: tuple[str, ...] = ("repair-info", "db-result")) -> list[str]:
    return [text(page, i) for i in ids if is_visible(page, i)]


@contextmanager
def running(app: AppProcess) -> Iterator[AppProcess]:
    """The app started and answering `/` (the wizard), stopped at the end."""
    try:
        app.start()
        app.wait_for("/", timeout=WIZARD_START_S)
        yield app
    finally:
        app.stop()


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def canary_database(
    postgres_cluster: PostgresCluster, pgbouncer: PgBouncer
) -> Iterator[PgDatabase]:
    """A database whose role's password holds CANARYdb."""
    password = f"CANARYdb{secrets.token_hex(12)}"
    with fresh_database(postgres_cluster, pgbouncer, password=password) as database:
        yield database


@pytest.fixture
def canary_bucket(s3_bucket: S3Bucket) -> S3Bucket:
    """The test bucket, its IAM user's secret key replaced (in moto) by one holding CANARYaws."""
    from moto.iam.models import iam_backends

    secret = "CANARYaws" + secrets.token_hex(16)[:31]
    changed = 0
    for account in iam_backends.values():
        for backend in account.values():
            for user in backend.users.values():
                for key in user.access_keys:
                    if key.access_key_id == s3_bucket.access_key_id:
                        key.secret_access_key = secret
                        changed += 1
    assert changed == 1
    return dataclasses.replace(s3_bucket, secret_access_key=secret)


# -- 1. a new student on a public Space ----------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_new_student_fixes_each_mistake_and_lands_on_mlflow(
    lang, pages, hub, pg_database, s3_bucket, postgres_cluster, tmp_path: Path
):
    space = "alice/mlflow"
    env = space_env(space, hub.url)
    wizard = AppProcess(env, ["wizard"], cwd=tmp_path, log_path=tmp_path / "wizard.log")
    with running(wizard):
        page = pages.open(wizard.url, lang=lang)
        student = Student(pages, page, lang)
        student.start()
        student.next("where-next", "hf-token", "token-step")

        # A token that is not one (a typo): the Hub's refusal, in the page's language.
        wrong_token = "hf_wrong" + secrets.token_hex(12)
        student.token(wrong_token, student.says("hub.token_invalid"), "token-invalid")
        assert "✗" in marks(text(page, "token-result"))
        student.stays(
            "token-next",
            "db-uri",
            "token-invalid-next",
            "token-result",
            student.says("hub.token_invalid"),
        )
        student.token(hub.alice_write, student.says("hub.ok", user="alice", space=space), "token")
        student.next("token-next", "db-uri", "database-step")

        # A wrong password, then Neon's psql snippet pasted as it is.
        wrong = postgres_cluster.url(
            pg_database.user, "not-the-password", pg_database.dbname, sslmode="require"
        )
        failed = student.says("postgres.auth_failed", user=pg_database.user)
        student.database(wrong, failed, "database-wrong")
        student.stays("db-next", "s3-path", "database-wrong-next", "db-result", failed)
        pasted = f"psql '{pg_database.pooled_url}'"
        student.database(pasted, student.says("postgres.ok"), "database-ok")
        assert "✗" not in marks(text(page, "db-result"))
        warned = [line for line in lines_of(text(page, "db-result")) if line.startswith("!")]
        if warned:
            kept = re.compile(re.escape(normalise(warned[0])))
            student.stays("db-next", "s3-path", "database-warning-not-accepted", "db-result", kept)
            tick(page, "db-accept-warn")
        student.next("db-next", "s3-path", "artifacts-step")

        # An upper-case bucket name breaks AWS's naming rules; then the right folder.
        upper = s3_bucket.bucket.replace("mlflow", "MLflow")
        bucket_rule = re.compile(
            f"{said('s3path.bucket_uppercase', lang, bucket=upper).pattern}"
            f"|{said('s3.bucket_invalid', lang, bucket=upper).pattern}"
        )
        path = f"s3://{upper}/{s3_bucket.prefix}"
        shown = student.artifacts(s3_bucket, path, bucket_rule, "artifacts-uppercase")
        assert "✗" in marks(shown)
        student.stays("s3-next", "access-next", "artifacts-wrong-next", "s3-result", bucket_rule)
        ok = student.says("s3.ok", bucket=s3_bucket.bucket, prefix=s3_bucket.prefix)
        if lang == "fr":
            # A wrong region is only a warning: "next" waits until the student accepts it.
            warned = student.says(
                "s3.region_mismatch",
                given="us-east-1",
                bucket=s3_bucket.bucket,
                actual=s3_bucket.region,
            )
            root = s3_bucket.artifact_root
            shown = student.artifacts(
                s3_bucket, root, warned, "artifacts-wrong-region", region="us-east-1"
            )
            assert "!" in marks(shown) and "✗" not in marks(shown)
            assert ok.search(normalise(shown))
            student.stays(
                "s3-next", "access-next", "artifacts-warning-not-accepted", "s3-result", warned
            )
            tick(page, "s3-accept-warn")
        else:
            student.artifacts(s3_bucket, s3_bucket.artifact_root, ok, "artifacts-ok")
            student.accept_warnings("s3-result", "s3-accept-warn")
        student.next("s3-next", "access-next", "access-step")

        # Step 5: the defaults (authentication on, admin, a generated password).
        username, password = student.access()
        review = text(page, "review")
        for secret in (pg_database.password, s3_bucket.secret_access_key, hub.alice_write):
            assert secret not in review
        if lang == "en":
            # As on Hugging Face: the first secret written restarts the Space (SIGTERM). The
            # wizard must still write every secret, then ask for the one restart.
            assert wizard.process is not None
            hub.sigterm_after_first_secret(wizard.process.pid, 0.2)
        shown_env = env_lines(student.apply())
        assert shown_env.get("MLFLOW_TRACKING_URI") == f"https://{env['SPACE_HOST']}"
        assert shown_env.get("MLFLOW_TRACKING_USERNAME") == username
        assert shown_env.get("MLFLOW_TRACKING_PASSWORD") == password
        assert "mlflow" in code_text(page, "notebook-snippet")
        assert is_visible(page, "client-env-download")

        # The Hub got every setting, then exactly one restart after the last write.
        stored = hub.secret_values(space)
        expected = {
            "ARTIFACT_ROOT": s3_bucket.artifact_root,
            "AWS_ACCESS_KEY_ID": s3_bucket.access_key_id,
            "AWS_SECRET_ACCESS_KEY": s3_bucket.secret_access_key,
            "AWS_DEFAULT_REGION": s3_bucket.region,
            "MLFLOW_S3_ENDPOINT_URL": s3_bucket.endpoint_url,
            "MLFLOW_TRACKING_USERNAME": username,
            "MLFLOW_TRACKING_PASSWORD": password,
        }
        assert set(SECRET_NAMES) <= set(stored)
        assert {k: stored.get(k) for k in expected} == expected
        assert same_database(stored["BACKEND_STORE_URI"], pg_database.pooled_url)
        log = hub.requests
        writes = [
            i
            for i, r in enumerate(log)
            if r.method == "POST" and r.path == f"/api/spaces/{space}/secrets" and r.status == 200
        ]
        restarts = [i for i, r in enumerate(log) if r.path.endswith("/restart")]
        assert len(restarts) == 1, [(r.method, r.path) for r in log]
        assert writes and restarts[0] > max(writes)
        assert hub.space(space).restarts == 1
        if lang == "en":  # the SIGTERM ended the wizard once its work was done
            assert wizard.wait_exit(30) == 0

    # The Space restarts with its new secrets on the same port; the open page follows.
    page.context.set_extra_http_headers(basic_auth(username, password))
    server_env = {**stored, **env, "MLFLOW_S3_ENDPOINT_URL": s3_bucket.endpoint_url}
    with AppProcess(
        server_env, cwd=tmp_path, log_path=tmp_path / "server.log", port=wizard.port
    ) as server:
        wait_for_mlflow_ui(page, server, pages, MLFLOW_START_S)
        assert page.url.rstrip("/").startswith(server.url)
    student.no_faults()


# -- 2. the template Space -----------------------------------------------------------------


def test_the_template_space_only_offers_to_duplicate_it(pages, hub, tmp_path: Path):
    env = {**space_env("bootcamp/mlflow", hub.url), "TEMPLATE_SPACE_ID": "bootcamp/mlflow"}
    with running(AppProcess(env, ["wizard"], cwd=tmp_path, log_path=tmp_path / "app.log")) as app:
        page = pages.open(app.url, lang="fr")
        wait_visible(page, "template-info", 60_000)
        wait_idle(page)
        pages.shot(page, "template")
        link = page.locator(
            '#template-info a[href="https://huggingface.co/spaces/bootcamp/mlflow?duplicate=true"]'
        )
        assert link.count() >= 1
        for field in INPUTS:
            assert not is_visible(page, field), f"#{field} shows on the template Space"
        if is_visible(page, "where-next"):
            click(page, "where-next")
            wait_idle(page)
            page.wait_for_timeout(500)
            pages.shot(page, "template-next")
            for field in INPUTS:
                assert not is_visible(page, field), f"#{field} shows on the template Space"
    assert not hub.requests_to("/secrets", "POST")


# -- 3. a token that may not configure this Space ------------------------------------------


@pytest.mark.parametrize(
    ("lang", "space", "who", "code", "params"),
    [
        ("fr", "alice/mlflow", "alice_read", "hub.token_read_only", {"user": "alice"}),
        (
            "en",
            "bob/mlflow",
            "alice_write",
            "hub.not_your_space",
            {"user": "alice", "owner": "bob"},
        ),
    ],
    ids=["read-only-token", "someone-elses-space"],
)
def test_a_token_that_cannot_configure_the_space_stops_at_step_2(
    lang, space, who, code, params, pages, hub, tmp_path: Path
):
    env = space_env(space, hub.url)
    with running(AppProcess(env, ["wizard"], cwd=tmp_path, log_path=tmp_path / "app.log")) as app:
        page = pages.open(app.url, lang=lang)
        student = Student(pages, page, lang)
        student.start()
        student.next("where-next", "hf-token", "token-step")
        refused = student.says(code, space=space, **params)
        shown = student.token(getattr(hub, who), refused, "token-refused")
        assert "✗" in marks(shown)
        assert "→" in shown, "the refusal says what to do"
        student.stays("token-next", "db-uri", "token-refused-next", "token-result", refused)
        student.no_faults()
    assert not hub.requests_to("/secrets", "POST")
    assert not hub.requests_to("/restart")


# -- 4. a private Space --------------------------------------------------------------------


def test_a_private_space_uses_hugging_face_tokens_not_a_password(
    pages, hub, pg_database, s3_bucket, tmp_path: Path
):
    space = "alice/private-mlflow"
    env = space_env(space, hub.url)
    with running(AppProcess(env, ["wizard"], cwd=tmp_path, log_path=tmp_path / "app.log")) as app:
        page = pages.open(app.url, lang="en")
        student = Student(pages, page, "en")
        student.walk_to_access(space, hub.alice_write, pg_database, s3_bucket)
        wait_visible(page, "access-info")
        info = text(page, "access-info")
        assert "MLFLOW_TRACKING_TOKEN" in info
        # Asserted last, so that the rest of the walk is checked too.
        password_fields = [f for f in ("auth-username", "auth-password") if is_visible(page, f)]
        student.next("access-next", "review", "review-step")
        shown = env_lines(student.apply())
    assert shown.get("MLFLOW_TRACKING_URI") == f"https://{env['SPACE_HOST']}"
    assert "MLFLOW_TRACKING_TOKEN" in shown
    assert "MLFLOW_TRACKING_PASSWORD" not in shown
    stored = hub.secret_values(space)
    assert "BACKEND_STORE_URI" in stored
    assert "MLFLOW_TRACKING_PASSWORD" not in stored
    assert not password_fields, f"a private Space's step 5 still asks for {password_fields}"


# -- 5. on a laptop (no Space) -------------------------------------------------------------


def test_a_local_run_writes_dotenv_and_becomes_mlflow_on_the_same_port(
    pages, pg_database, s3_bucket, tmp_path: Path
):
    with running(AppProcess({}, [], cwd=tmp_path, log_path=tmp_path / "app.log")) as app:
        page = pages.open(app.url, lang="fr")
        student = Student(pages, page, "fr")
        student.walk_to_access(None, "", pg_database, s3_bucket)
        assert not is_visible(page, "hf-token")
        username, password = student.access()
        page.context.set_extra_http_headers(basic_auth(username, password))
        shown = env_lines(student.apply())
        assert shown.get("MLFLOW_TRACKING_URI") == app.url
        assert shown.get("MLFLOW_TRACKING_PASSWORD") == password

        env_file = tmp_path / ".env"
        assert env_file.is_file()
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        saved = dotenv_values(env_file)
        assert set(SECRET_NAMES) <= set(saved)
        assert saved.get("ARTIFACT_ROOT") == s3_bucket.artifact_root
        assert saved.get("AWS_ACCESS_KEY_ID") == s3_bucket.access_key_id
        assert saved.get("AWS_SECRET_ACCESS_KEY") == s3_bucket.secret_access_key
        assert saved.get("AWS_DEFAULT_REGION") == s3_bucket.region
        assert saved.get("MLFLOW_S3_ENDPOINT_URL") == s3_bucket.endpoint_url
        assert saved.get("MLFLOW_TRACKING_USERNAME") == username
        assert saved.get("MLFLOW_TRACKING_PASSWORD") == password
        assert same_database(saved.get("BACKEND_STORE_URI") or "", pg_database.pooled_url)

        pid = app.process.pid
        wait_for_mlflow_ui(page, app, pages, MLFLOW_START_S)
        assert app.process.pid == pid and app.process.poll() is None
        assert page.url.rstrip("/").startswith(app.url)
        assert requests.get(app.url + "/health", timeout=10).text.strip() == "OK"


# -- 6. repairing a server that stopped starting -------------------------------------------


def test_a_broken_password_reopens_the_wizard_at_the_database_step(
    pages, pg_database, s3_bucket, postgres_cluster, tmp_path: Path
):
    wrong_password = "CANARY" + secrets.token_hex(8)
    wrong = postgres_cluster.url(
        pg_database.user, wrong_password, pg_database.dbname, sslmode="require"
    )
    env = {
        "BACKEND_STORE_URI": wrong,
        "ARTIFACT_ROOT": s3_bucket.artifact_root,
        "AWS_ACCESS_KEY_ID": s3_bucket.access_key_id,
        "AWS_SECRET_ACCESS_KEY": s3_bucket.secret_access_key,
        "AWS_DEFAULT_REGION": s3_bucket.region,
        "MLFLOW_S3_ENDPOINT_URL": s3_bucket.endpoint_url,
    }
    with running(AppProcess(env, [], cwd=tmp_path, log_path=tmp_path / "app.log")) as app:
        page = pages.open(app.url, lang="en")
        student = Student(pages, page, "en")
        wait_visible(page, "db-uri", 60_000)  # no click: it opens where the problem is
        wait_idle(page)
        student.shot("opens-at-database")
        # The diagnosis shows above the steps (#repair-info) or in the step's result.
        failed = student.says("postgres.auth_failed", user=pg_database.user)
        deadline = time.monotonic() + 30
        while not (shown := [t for t in shown_texts(page) if failed.search(normalise(t))]):
            assert time.monotonic() < deadline, f"no {failed.pattern!r} in {shown_texts(page)}"
            page.wait_for_timeout(300)
        assert "✗" in marks(shown[0])
        assert not is_visible(page, "hf-token")

        # The student pastes the right URI; the S3 step keeps what already works.
        student.database(pg_database.pooled_url, student.says("postgres.ok"), "database-fixed")
        student.accept_warnings("db-result", "db-accept-warn")
        student.next("db-next", "s3-path", "artifacts-prefilled")
        assert value_of(page, "s3-path") == s3_bucket.artifact_root
        secret_box = page.locator("#s3-secret input, #s3-secret textarea").first
        assert secret_box.input_value() == ""
        placeholder = secret_box.get_attribute("placeholder") or ""
        assert re.search("keep|garder", placeholder), f"the AWS secret's placeholder: {placeholder}"
        # Kept means kept: the test passes with the secret field left empty.
        ok = student.says("s3.ok", bucket=s3_bucket.bucket, prefix=s3_bucket.prefix)
        student.check("s3-check", "s3-result", ok, "artifacts-kept-secret")
        assert "✗" not in marks(text(page, "s3-result"))
        for step, html in [*student.seen, ("now", page.content())]:
            assert s3_bucket.secret_access_key not in html, step
            assert wrong_password not in html, step
        config = requests.get(app.url + "/config", timeout=10).text
    assert s3_bucket.secret_access_key not in config
    assert wrong_password not in config


# -- 7. nothing secret leaks -----------------------------------------------------------------


def test_no_secret_reaches_the_browser_or_the_log(
    pages, hub, canary_database, canary_bucket, postgres_cluster, tmp_path: Path
):
    space = "alice/mlflow"
    token = hub.add_token(f"hf_CANARY{secrets.token_hex(12)}", "alice", "write")
    wrong_token = f"hf_CANARYwrong{secrets.token_hex(8)}"
    wrong_db_password = f"CANARYdbWRONG{secrets.token_hex(6)}"
    wrong_aws_secret = "CANARYawsWRONG" + secrets.token_hex(13)
    canaries = [
        token,
        wrong_token,
        canary_database.password,
        wrong_db_password,
        canary_bucket.secret_access_key,
        wrong_aws_secret,
    ]
    captured = Captured()
    env = space_env(space, hub.url)
    with running(AppProcess(env, ["wizard"], cwd=tmp_path, log_path=tmp_path / "app.log")) as app:
        page = pages.open(app.url, lang="fr", capture=captured)
        student = Student(pages, page, "fr")
        student.start()
        student.next("where-next", "hf-token", "token-step")
        student.token(wrong_token, student.says("hub.token_invalid"), "token-invalid")
        student.token(token, student.says("hub.ok", user="alice", space=space), "token-ok")
        student.next("token-next", "db-uri", "database-step")
        wrong = postgres_cluster.url(
            canary_database.user, wrong_db_password, canary_database.dbname, sslmode="require"
        )
        failed = student.says("postgres.auth_failed", user=canary_database.user)
        student.database(wrong, failed, "database-wrong")
        student.database(canary_database.pooled_url, student.says("postgres.ok"), "database-ok")
        student.accept_warnings("db-result", "db-accept-warn")
        student.next("db-next", "s3-path", "artifacts-step")
        student.artifacts(
            canary_bucket,
            canary_bucket.artifact_root,
            student.says("aws.secret_wrong"),
            "artifacts-wrong-secret",
            secret=wrong_aws_secret,
        )
        ok = student.says("s3.ok", bucket=canary_bucket.bucket, prefix=canary_bucket.prefix)
        student.artifacts(canary_bucket, canary_bucket.artifact_root, ok, "artifacts-ok")
        student.accept_warnings("s3-result", "s3-accept-warn")
        student.next("s3-next", "access-next", "access-step")
        student.access()
        student.apply()
        assert hub.secret_values(space)["AWS_SECRET_ACCESS_KEY"] == canary_bucket.secret_access_key

        bodies = captured.read()
        routes = ["/", "/config", "/gradio_api/info", "/gradio_api/openapi.json"]
        served = {route: requests.get(app.url + route, timeout=10).text for route in routes}
        log = app.log()

    # The capture works: Gradio's event stream was read, with a result in it.
    streamed = "".join(body for url, body in bodies if "/queue/data" in url)
    assert canary_bucket.bucket in streamed, "the browser's event stream was not captured"
    assert not captured.unreadable, captured.unreadable
    for canary in canaries:
        for step, html in student.seen:
            assert canary not in html, f"{canary[:12]}… in the page at step {step}"
        for url, body in bodies:
            assert canary not in body, f"{canary[:12]}… in the response of {url}"
        for route, body in served.items():
            assert canary not in body, f"{canary[:12]}… in GET {route}"
        assert canary not in log, f"{canary[:12]}… in the app's log"
    assert "CANARY" not in log
