"""The Hugging Face token check and the Hub layer, through the real HfApi and the stand-in."""

import signal
import socket
import string
import subprocess
import threading
import time

import pytest
from hub_standin import LOCALHOST, DefaultHub, HubStandIn, scope
from huggingface_hub import HfApi, SpaceInfo, get_session
from huggingface_hub.errors import BadRequestError, HfHubHTTPError, RepositoryNotFoundError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.checks import CHECK_BUDGET, CONNECT_TIMEOUT, READ_TIMEOUT
from server.checks.hub import check_hub_token
from server.diagnoses import CATALOGUE, LANGUAGES
from server.hub import (
    HubError,
    make_api,
    parse_space_id,
    restart_space,
    space_stage,
    token_hint,
    token_identity,
    write_space_secrets,
    write_space_variables,
)

SECRETS = {
    "BACKEND_STORE_URI": "postgresql://u:CANARY-db-pass@ep-x.eu-central-1.aws.neon.tech/db",
    "AWS_ACCESS_KEY_ID": "AKIACANARYKEY0000000",
    "AWS_SECRET_ACCESS_KEY": "CANARY-secret-access-key-0000000000000000",
    "MLFLOW_TRACKING_PASSWORD": "CANARY-tracking-password",
}


def api(hub, token) -> HfApi:
    return make_api(token, hub.url)


def codes(diagnoses):
    return [d.code for d in diagnoses]


def rendered(diagnoses) -> str:
    """Everything a student (or a log) could see of the diagnoses."""
    parts = []
    for d in diagnoses:
        parts += [repr(d), *map(str, d.params.values()), *d.details.values()]
        for language in LANGUAGES:
            parts += [d.message(language), d.fix(language), d.line(language)]
    return "\n".join(parts)


# -- the stand-in speaks the Hub's shapes --------------------------------------------------------


def test_whoami_shapes(hub):
    me = api(hub, hub.alice_write).whoami()
    assert me["name"] == "alice"
    assert me["auth"]["accessToken"]["role"] == "write"
    assert [(o["name"], o["roleInOrg"]) for o in me["orgs"]] == [("bootcamp", "write")]
    assert api(hub, hub.alice_read).whoami()["auth"]["accessToken"]["role"] == "read"
    fine = api(hub, hub.alice_fg_space).whoami()["auth"]["accessToken"]
    assert fine["role"] == "fineGrained"
    (entry,) = fine["fineGrained"]["scoped"]
    assert entry["entity"]["type"] == "space"
    assert entry["entity"]["name"] == "alice/mlflow"
    assert set(entry["permissions"]) == {"repo.content.read", "repo.write"}


def test_space_info_and_runtime_parse(hub):
    client = api(hub, hub.alice_write)
    info = client.space_info("alice/private-mlflow")
    assert isinstance(info, SpaceInfo)
    assert (info.id, info.author, info.private, info.sdk) == (
        "alice/private-mlflow",
        "alice",
        True,
        "docker",
    )
    assert info.runtime is not None and info.runtime.stage == "RUNNING"
    assert client.space_info("alice/mlflow").private is False
    runtime = client.get_space_runtime("alice/mlflow")
    assert (runtime.stage, runtime.hardware) == ("RUNNING", "cpu-basic")


def test_secrets_are_write_only(hub):
    client = api(hub, hub.alice_write)
    client.add_space_secret("alice/mlflow", "AWS_SECRET_ACCESS_KEY", "CANARY-1", description="S3")
    listed = client.get_space_secrets("alice/mlflow")
    assert list(listed) == ["AWS_SECRET_ACCESS_KEY"]
    assert listed["AWS_SECRET_ACCESS_KEY"].description == "S3"
    assert listed["AWS_SECRET_ACCESS_KEY"].updated_at is not None
    assert not hasattr(listed["AWS_SECRET_ACCESS_KEY"], "value")
    assert hub.secret_values("alice/mlflow") == {"AWS_SECRET_ACCESS_KEY": "CANARY-1"}
    client.delete_space_secret("alice/mlflow", "AWS_SECRET_ACCESS_KEY")
    assert client.get_space_secrets("alice/mlflow") == {}
    assert "CANARY-1" not in repr(hub.requests)
    posted = hub.requests_to("/secrets", "POST")
    assert [(r.key, r.body_keys, r.token) for r in posted] == [
        ("AWS_SECRET_ACCESS_KEY", ("key", "value", "description"), hub.alice_write)
    ]


def test_variables(hub):
    client = api(hub, hub.alice_write)
    after = client.add_space_variable("alice/mlflow", "ARTIFACT_ROOT", "s3://b/p")
    assert after["ARTIFACT_ROOT"].value == "s3://b/p"
    assert client.get_space_variables("alice/mlflow")["ARTIFACT_ROOT"].value == "s3://b/p"
    assert client.delete_space_variable("alice/mlflow", "ARTIFACT_ROOT") == {}


def test_restart(hub):
    client = api(hub, hub.alice_write)
    assert client.restart_space("alice/mlflow").stage == "APP_STARTING"
    assert client.restart_space("alice/mlflow", factory_reboot=True).stage == "BUILDING"
    assert client.get_space_runtime("alice/mlflow").stage == "RUNNING"
    assert hub.space("alice/mlflow").restarts == 2
    assert hub.space("alice/mlflow").factory_reboots == 1
    assert [r.query for r in hub.requests_to("/restart")] == [{}, {"factory": "true"}]


def test_restart_takes_the_time_it_is_given():
    with DefaultHub(restart_duration_s=0.3) as hub:
        client = api(hub, hub.alice_write)
        client.restart_space("alice/mlflow")
        assert client.get_space_runtime("alice/mlflow").stage == "APP_STARTING"
        time.sleep(0.35)
        assert client.get_space_runtime("alice/mlflow").stage == "RUNNING"


# -- the stand-in refuses like the Hub -----------------------------------------------------------


def http_error(call) -> HfHubHTTPError:
    with pytest.raises(HfHubHTTPError) as caught:
        call()
    return caught.value


def test_an_unknown_token_is_a_plain_401(hub):
    for call in (
        lambda: api(hub, "hf_unknown_token_0000").whoami(),
        lambda: api(hub, "hf_unknown_token_0000").space_info("alice/mlflow"),
    ):
        error = http_error(call)
        assert error.response.status_code == 401
        assert not isinstance(error, RepositoryNotFoundError)


def test_what_a_caller_may_not_see_is_not_found(hub):
    client = api(hub, hub.alice_write)
    for call in (
        lambda: client.space_info("bob/private-mlflow"),
        lambda: client.space_info("alice/does-not-exist"),
        lambda: client.add_space_secret("bob/private-mlflow", "K", "v"),
        lambda: client.restart_space("bob/private-mlflow"),
    ):
        error = http_error(call)
        assert isinstance(error, RepositoryNotFoundError)
        assert error.response.status_code == 404
    anonymous = HfApi(endpoint=hub.url, token=False)
    error = http_error(lambda: anonymous.space_info("alice/private-mlflow"))
    assert isinstance(error, RepositoryNotFoundError)
    assert error.response.status_code == 401
    assert anonymous.space_info("alice/mlflow").private is False


@pytest.mark.parametrize(
    ("token", "space"),
    [
        ("alice_read", "alice/mlflow"),  # a read token
        ("alice_write", "bob/mlflow"),  # someone else's public Space
        ("alice_fg_noscope", "alice/mlflow"),  # fine-grained without repo.write there
        ("alice_fg_space", "alice/private-mlflow"),  # fine-grained, scoped to another Space
        ("carol_write", "bootcamp/mlflow"),  # an org contributor
    ],
)
def test_missing_permissions_are_403(hub, token, space):
    client = api(hub, getattr(hub, token))
    for call in (
        lambda: client.add_space_secret(space, "K", "CANARY-v"),
        lambda: client.delete_space_secret(space, "K"),
        lambda: client.add_space_variable(space, "K", "v"),
        lambda: client.restart_space(space),
    ):
        error = http_error(call)
        assert error.response.status_code == 403
        assert not isinstance(error, RepositoryNotFoundError)
    assert hub.space(space).secrets == {}
    assert hub.space(space).restarts == 0


def test_granted_writes(hub):
    for token, space in [
        (hub.alice_fg_space, "alice/mlflow"),
        (hub.alice_write, "bootcamp/mlflow"),
        (hub.bob_write, "bob/private-mlflow"),
    ]:
        client = api(hub, token)
        client.add_space_secret(space, "K", "v")
        client.restart_space(space)
        assert hub.space(space).restarts == 1


def test_a_read_token_may_list_its_own_settings_but_not_change_them(hub):
    assert api(hub, hub.alice_read).get_space_variables("alice/mlflow") == {}
    error = http_error(lambda: api(hub, hub.alice_write).get_space_secrets("bob/mlflow"))
    assert error.response.status_code == 403


def test_bad_requests(hub):
    client = api(hub, hub.alice_write)
    with pytest.raises(BadRequestError):
        client.add_space_secret("alice/mlflow", "NOT A NAME", "v")
    hub.add_space("alice/static", sdk="static")
    with pytest.raises(BadRequestError):
        client.restart_space("alice/static")


def test_org_roles_and_fine_grained_org_scopes():
    with HubStandIn() as hub:
        hub.add_user("dan", orgs={"school": "admin"})
        hub.add_space("school/mlflow", private=True)
        token = hub.add_token(
            "hf_dan_fg_org_123456", "dan", "fineGrained", [scope("org", "school", "repo.write")]
        )
        api(hub, token).add_space_secret("school/mlflow", "K", "v")
        hub.set_org_role("dan", "school", "read")
        error = http_error(lambda: api(hub, token).add_space_secret("school/mlflow", "K", "v"))
        assert error.response.status_code == 403


def test_state_does_not_leak_between_tests_part_1(hub):
    api(hub, hub.alice_write).add_space_secret("alice/mlflow", "LEAK", "v")


def test_state_does_not_leak_between_tests_part_2(hub):
    assert hub.space("alice/mlflow").secrets == {}
    assert hub.requests == []


def test_sigterm_after_first_secret(hub):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        hub.sigterm_after_first_secret(sleeper.pid, delay_s=0.2)
        client = api(hub, hub.alice_write)
        client.add_space_secret("alice/mlflow", "A", "1")
        client.add_space_secret("alice/mlflow", "B", "2")
        assert sleeper.poll() is None  # not yet: the Space takes a moment to restart
        assert sleeper.wait(timeout=5) == -signal.SIGTERM
    finally:
        sleeper.kill()
        sleeper.wait()


def test_on_secret_write_hook_gets_keys_not_values(hub):
    seen = []
    hub.on_secret_write = lambda space, key: seen.append((space, key))
    api(hub, hub.alice_write).add_space_secret("alice/mlflow", "A", "CANARY")
    assert seen == [("alice/mlflow", "A")]


# -- the token check -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "space", "expected"),
    [
        ("alice_write", "alice/mlflow", ["hub.ok", "hub.space_public"]),
        ("alice_write", "alice/private-mlflow", ["hub.ok", "hub.space_private"]),
        ("alice_fg_space", "alice/mlflow", ["hub.ok", "hub.space_public"]),
        ("alice_write", "bootcamp/mlflow", ["hub.ok", "hub.space_public"]),
        (
            "alice_write",
            "https://huggingface.co/spaces/alice/mlflow",
            ["hub.ok", "hub.space_public"],
        ),
        ("alice_read", "alice/mlflow", ["hub.token_read_only"]),
        ("alice_write", "bob/mlflow", ["hub.not_your_space"]),
        ("alice_write", "bob/private-mlflow", ["hub.not_your_space"]),
        ("alice_write", "nobody/mlflow", ["hub.not_your_space"]),
        ("alice_write", "alice/typo", ["hub.space_not_found"]),
        ("alice_read", "alice/typo", ["hub.space_not_found"]),
        ("alice_fg_noscope", "alice/mlflow", ["hub.token_fine_grained_no_scope"]),
        ("alice_fg_space", "alice/private-mlflow", ["hub.token_fine_grained_no_scope"]),
        ("carol_write", "bootcamp/mlflow", ["hub.org_role_too_low"]),
        ("alice_write", None, ["hub.token_valid"]),
        ("alice_write", "", ["hub.token_valid"]),
        ("alice_write", "not a space id", ["hub.space_id_format", "hub.token_valid"]),
    ],
)
def test_check(hub, token, space, expected):
    secret = getattr(hub, token)
    found = check_hub_token(secret, space, endpoint=hub.url)
    assert codes(found) == expected
    assert all(d.status == ("ok" if d.code in OK_CODES else "fail") for d in found)
    assert secret not in rendered(found)
    for d in found:
        d.line("fr"), d.line("en")  # every placeholder is filled


OK_CODES = {"hub.ok", "hub.token_valid", "hub.space_public", "hub.space_private"}


def test_check_details(hub):
    ok, visibility = check_hub_token(hub.alice_write, "alice/private-mlflow", endpoint=hub.url)
    assert dict(ok.details) == {
        "user": "alice",
        "role": "write",
        "token": hub.alice_write[:6] + "…",
        "space": "alice/private-mlflow",
        "visibility": "private",
    }
    assert "MLFLOW_TRACKING_TOKEN" in visibility.message("fr")
    (public,) = check_hub_token(hub.alice_write, "alice/mlflow", endpoint=hub.url)[1:]
    assert "MLFLOW_TRACKING_PASSWORD" in public.message("en")
    (wrong,) = check_hub_token(hub.alice_write, "bob/mlflow", endpoint=hub.url)
    assert "alice" in wrong.message("fr") and "bob" in wrong.message("fr")


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (None, "hub.token_empty"),
        ("", "hub.token_empty"),
        ("  \n", "hub.token_empty"),
        ("hf_abc def1234567890", "hub.token_whitespace"),
        ("hf_abc\ndef1234567890", "hub.token_whitespace"),
        ("Bearer hf_abcdef1234567890", "hub.token_whitespace"),
        ('"hf_abcdef1234567890"', "hub.token_format"),
        ("HF_TOKEN=hf_abcdef1234567890", "hub.token_format"),
        ("api_abcdef1234567890", "hub.token_format"),
        ("hf_", "hub.token_format"),
        ("hf_abcdéf1234567890", "hub.token_format"),
    ],
)
def test_token_forms_are_diagnosed_without_a_call(hub, token, expected):
    (found,) = check_hub_token(token, "alice/mlflow", endpoint=hub.url)
    assert found.code == expected and found.status == "fail"
    assert hub.requests == []
    if token and len(token.strip()) >= 8:
        assert token.strip() not in rendered([found])


def test_outer_spaces_are_forgiven(hub):
    found = check_hub_token(f"  {hub.alice_write}\n", "alice/mlflow", endpoint=hub.url)
    assert codes(found) == ["hub.ok", "hub.space_public"]


def test_a_wrong_token(hub):
    wrong = "hf_" + "x" * 34
    (found,) = check_hub_token(wrong, "alice/mlflow", endpoint=hub.url)
    assert found.code == "hub.token_invalid" and found.status == "fail"
    assert wrong not in rendered([found])
    assert found.details["token"] == "hf_xxx…"


def test_a_busy_hub_is_a_warning(hub):
    hub.fail_next("GET", "/whoami-v2", status=503)
    (found,) = check_hub_token(hub.alice_write, "alice/mlflow", endpoint=hub.url)
    assert (found.code, found.status, found.params["status"]) == ("hub.http_error", "warn", 503)


def test_the_token_in_the_space_field_is_not_echoed(hub):
    found = check_hub_token(hub.alice_write, hub.alice_write, endpoint=hub.url)
    assert codes(found) == ["hub.space_id_format", "hub.token_valid"]
    assert hub.alice_write not in rendered(found)


def test_token_identity(hub):
    identity = token_identity(hub.alice_write, "alice/private-mlflow", endpoint=hub.url)
    assert (identity.user, identity.role, identity.space_id) == (
        "alice",
        "write",
        "alice/private-mlflow",
    )
    assert identity.can_write_space and identity.space_private is True
    assert identity.org_role("bootcamp") == "write"
    assert token_identity(hub.alice_read, "alice/mlflow", endpoint=hub.url).access == (
        "read_only_token"
    )
    alone = token_identity(hub.alice_write, None, endpoint=hub.url)
    assert (alone.access, alone.space_id, alone.space_private) == ("no_space", None, None)
    with pytest.raises(HubError) as caught:
        token_identity("hf_" + "y" * 34, "alice/mlflow", endpoint=hub.url)
    assert caught.value.kind == "token_invalid" and caught.value.status == 401
    assert "y" * 34 not in str(caught.value)


def test_space_ids():
    assert parse_space_id("alice/mlflow") == "alice/mlflow"
    assert parse_space_id(" https://huggingface.co/spaces/alice/mlflow/ ") == "alice/mlflow"
    assert parse_space_id("huggingface.co/spaces/alice/mlflow?logs=container") == "alice/mlflow"
    for bad in [
        "",
        "mlflow",
        "a/b/c",
        "alice/ml flow",
        "alice/-x",
        "alice/x--y",
        "https://x.hf.space",
    ]:
        assert parse_space_id(bad) is None
    assert token_hint("hf_abcdefghijklmnop") == "hf_abc…"
    assert token_hint("hf_short") == "…"


# -- hostile input -------------------------------------------------------------------------------

TOKENISH = st.one_of(
    st.text(),
    st.text(string.printable),
    st.from_regex(r"hf_[A-Za-z0-9_\-]{0,40}", fullmatch=True),
    st.builds(lambda s: "hf_" + s, st.text()),
    st.sampled_from(["hf_alice", "Bearer hf_x", "hf_{user}", "hf_%s%n", "hf_\x00\x00\x00\x00\x00"]),
)
SPACEISH = st.one_of(
    st.none(),
    st.text(),
    st.from_regex(r"[A-Za-z0-9_.\-]{1,12}/[A-Za-z0-9_.\-]{1,12}", fullmatch=True),
    st.sampled_from(["alice/mlflow", "bob/private-mlflow", "{space}/{user}", "../../etc/passwd"]),
    st.builds(lambda s: "https://huggingface.co/spaces/" + s, st.text()),
)


def test_hostile_input_never_raises_nor_echoes_the_token():
    with DefaultHub() as hub:

        @settings(
            max_examples=300,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(token=TOKENISH, space=SPACEISH)
        def check(token, space):
            found = check_hub_token(token, space, endpoint=hub.url)
            assert found
            assert all(d.code in CATALOGUE for d in found)
            assert all(d.status in ("ok", "warn", "fail") for d in found)
            text = rendered(found)  # every placeholder filled, in both languages
            secret = token.strip()
            if len(secret) >= 8 and secret not in (space or "") and secret not in CATALOGUE_TEXT:
                assert secret not in text

        check()
        # The valid-form tokens did reach the stand-in.
        assert hub.requests_to("/whoami-v2")


CATALOGUE_TEXT = "\n".join(
    text
    for entry in CATALOGUE.values()
    for texts in (entry.message, entry.fix)
    for text in texts.values()
)


# -- unreachable Hubs ----------------------------------------------------------------------------


@pytest.fixture
def silent_endpoint():
    """A loopback port that accepts connections and never answers."""
    server = socket.socket()
    server.bind((LOCALHOST, 0))
    server.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://{LOCALHOST}:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_an_endpoint_that_never_answers(silent_endpoint):
    started = time.monotonic()
    (found,) = check_hub_token("hf_" + "z" * 34, "alice/mlflow", endpoint=silent_endpoint)
    elapsed = time.monotonic() - started
    assert found.code == "hub.unreachable" and found.status == "fail"
    assert elapsed < CHECK_BUDGET
    assert elapsed >= READ_TIMEOUT - 0.5  # it did wait for the read, not fail early


def test_a_name_that_does_not_resolve():
    started = time.monotonic()
    (found,) = check_hub_token("hf_" + "z" * 34, "alice/mlflow", endpoint="http://hub.invalid")
    assert found.code == "hub.unreachable"
    assert found.params["host"] == "hub.invalid"
    assert time.monotonic() - started < CHECK_BUDGET


def test_a_closed_port():
    with socket.socket() as probe:
        probe.bind((LOCALHOST, 0))
        port = probe.getsockname()[1]
    (found,) = check_hub_token("hf_" + "z" * 34, None, endpoint=f"http://{LOCALHOST}:{port}")
    assert found.code == "hub.unreachable"


def test_every_call_is_bounded(hub):
    make_api(hub.alice_write, hub.url)
    timeout = get_session().timeout
    assert (timeout.connect, timeout.read) == (CONNECT_TIMEOUT, READ_TIMEOUT)


# -- what the wizard writes ----------------------------------------------------------------------


def test_write_space_secrets(hub):
    client = api(hub, hub.alice_write)
    outcomes = write_space_secrets(client, "alice/mlflow", SECRETS)
    assert {k: (o.ok, o.attempts) for k, o in outcomes.items()} == {k: (True, 1) for k in SECRETS}
    assert hub.secret_values("alice/mlflow") == SECRETS
    log = repr(hub.requests)
    assert sorted(r.key for r in hub.requests_to("/secrets", "POST")) == sorted(SECRETS)
    for value in SECRETS.values():
        assert value not in log
        assert value not in repr(outcomes)
    assert restart_space(client, "alice/mlflow") == "APP_STARTING"
    assert len(hub.requests_to("/restart", "POST")) == 1
    # The restart came after every secret.
    paths = [r.path for r in hub.requests]
    assert paths[-1].endswith("/restart") and paths.count("/api/spaces/alice/mlflow/secrets") == 4
    assert space_stage(client, "alice/mlflow") == "RUNNING"
    found = check_hub_token(hub.alice_write, "alice/mlflow", endpoint=hub.url)
    assert not any(value in rendered(found) for value in SECRETS.values())


def test_secret_writes_are_retried_when_the_hub_is_busy(hub):
    hub.fail_next("POST", "/secrets", status=503, times=2)
    outcomes = write_space_secrets(
        api(hub, hub.alice_write), "alice/mlflow", SECRETS, retry_wait_s=0.01
    )
    assert all(o.ok for o in outcomes.values())
    assert sum(o.attempts for o in outcomes.values()) == len(SECRETS) + 2
    assert hub.secret_values("alice/mlflow") == SECRETS


def test_refused_secret_writes_are_not_retried(hub):
    outcomes = write_space_secrets(api(hub, hub.alice_read), "alice/mlflow", SECRETS)
    assert {(o.ok, o.attempts, o.error, o.status) for o in outcomes.values()} == {
        (False, 1, "http", 403)
    }
    assert hub.space("alice/mlflow").secrets == {}
    outcomes = write_space_secrets(api(hub, hub.alice_write), "bob/private-mlflow", {"K": "v"})
    assert (outcomes["K"].ok, outcomes["K"].status) == (False, 404)


def test_secret_writes_to_a_silent_hub_end(silent_endpoint):
    started = time.monotonic()
    outcomes = write_space_secrets(
        make_api("hf_" + "z" * 34, silent_endpoint),
        "alice/mlflow",
        {"A": "1", "B": "2"},
        attempts=1,
    )
    assert {o.error for o in outcomes.values()} == {"unreachable"}
    assert time.monotonic() - started < CONNECT_TIMEOUT + READ_TIMEOUT + 2


def test_write_space_variables(hub):
    outcomes = write_space_variables(
        api(hub, hub.alice_write), "alice/mlflow", {"ARTIFACT_ROOT": "s3://b/p"}
    )
    assert outcomes["ARTIFACT_ROOT"].ok
    assert hub.space("alice/mlflow").variables["ARTIFACT_ROOT"].value == "s3://b/p"


def test_restart_errors_are_classified(hub):
    with pytest.raises(HubError) as caught:
        restart_space(api(hub, hub.alice_read), "alice/mlflow")
    assert (caught.value.kind, caught.value.status) == ("http", 403)


def test_space_visibility_is_known_without_a_token(hub):
    from server.hub import space_visibility

    assert space_visibility("alice/mlflow", endpoint=hub.url) == "public"
    assert space_visibility("alice/private-mlflow", endpoint=hub.url) == "private"
    assert space_visibility(None, endpoint=hub.url) is None
    assert space_visibility("alice/mlflow", endpoint="http://hub.invalid") is None


def test_access_mode_follows_the_space_visibility(hub):
    from server.checks.access import check_access
    from server.hub import space_visibility
    from server.settings import Settings

    with_auth = Settings.load(
        {"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": "x" * 12}, None
    )
    without = Settings.load({}, None)
    private = space_visibility("alice/private-mlflow", endpoint=hub.url)
    public = space_visibility("alice/mlflow", endpoint=hub.url)
    assert [d.code for d in check_access(with_auth, private)] == ["access.private_with_basic_auth"]
    assert [d.code for d in check_access(without, private)] == ["access.private_space"]
    assert [d.code for d in check_access(without, public)] == ["access.public_without_auth"]
    assert [d.code for d in check_access(with_auth, public)] == ["access.basic_auth"]
