"""The S3 check against a real moto server with IAM auth on (loopback only, never AWS)."""

from __future__ import annotations

import http.server
import json
import secrets
import socket
import string
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from services import MotoS3, S3Bucket, free_port

import server.checks.s3 as s3_check
from server.checks import CHECK_BUDGET, READ_TIMEOUT
from server.checks.s3 import check_s3, minimal_policy
from server.diagnoses import CATALOGUE, LANGUAGES

PREFIX = "mlflow-artifacts"


def codes(found) -> list[str]:
    return [d.code for d in found]


def by_code(found, code: str):
    matches = [d for d in found if d.code == code]
    assert matches, f"{code} not in {codes(found)}"
    return matches[0]


def rendered(found) -> str:
    """Everything a diagnosis can show: texts in every language, params, details."""
    parts = []
    for diagnosis in found:
        for language in LANGUAGES:
            parts.append(diagnosis.line(language))
            parts.append(json.dumps(diagnosis.as_dict(language), ensure_ascii=False))
        parts.append(repr(dict(diagnosis.params)))
    return "\n".join(parts)


def run(fixture: S3Bucket, **overrides):
    """check_s3 on the fixture's bucket and keys, with some arguments changed."""
    arguments = {
        "bucket": fixture.bucket,
        "prefix": fixture.prefix,
        "access_key_id": fixture.access_key_id,
        "secret_access_key": fixture.secret_access_key,
        "region": fixture.region,
        "endpoint_url": fixture.endpoint_url,
    }
    arguments.update(overrides)
    return check_s3(**arguments)


def user_with(moto_s3: MotoS3, bucket: str, actions: list[str]) -> tuple[str, str]:
    name = f"u-{secrets.token_hex(6)}"
    return moto_s3.create_user(name, moto_s3.s3_policy(bucket, f"{PREFIX}/", actions=actions))


@pytest.fixture
def hung_endpoint() -> Iterator[str]:
    """A loopback port that accepts TCP connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.fixture
def closed_endpoint() -> str:
    return f"http://127.0.0.1:{free_port()}"


# --- the happy path -------------------------------------------------------------------------


def test_healthy_bucket(s3_bucket: S3Bucket, moto_s3: MotoS3):
    started = time.monotonic()
    found = run(s3_bucket)
    elapsed = time.monotonic() - started
    assert codes(found) == ["aws.identity", "s3.ok"], rendered(found)
    assert {d.status for d in found} == {"ok"}
    ok = by_code(found, "s3.ok")
    assert ok.details["bucket"] == s3_bucket.bucket
    assert ok.details["prefix"] == PREFIX
    assert ok.details["region"] == s3_bucket.region
    assert ok.details["identity"].endswith(":user/" + ok.details["identity"].split("/")[-1])
    assert ok.details["probe"] == "written, read back and deleted"
    assert by_code(found, "aws.identity").details["arn"] == ok.details["identity"]
    assert moto_s3.list_keys(s3_bucket.bucket) == []  # the probe is gone
    assert elapsed < 3, elapsed
    assert s3_bucket.secret_access_key not in rendered(found)
    assert s3_bucket.access_key_id not in rendered(found)


def test_prefix_slashes_and_empty_prefix(s3_bucket: S3Bucket, moto_s3: MotoS3):
    assert codes(run(s3_bucket, prefix=f"/{PREFIX}/")) == ["aws.identity", "s3.ok"]
    # The fixture's user may only write under the prefix: the bucket root is refused.
    found = run(s3_bucket, prefix="")
    assert "s3.put_denied" in codes(found)
    assert json.loads(by_code(found, "s3.put_denied").details["policy"]) == minimal_policy(
        s3_bucket.bucket, ""
    )


# --- the keys -------------------------------------------------------------------------------


def test_unknown_access_key(s3_bucket: S3Bucket):
    found = run(s3_bucket, access_key_id="AKIA" + "Z" * 16)
    assert codes(found) == ["aws.key_unknown"]
    assert found[0].params["key_start"] == "AKIA"
    assert "Z" * 5 not in rendered(found)


def test_unknown_temporary_key(s3_bucket: S3Bucket):
    assert codes(run(s3_bucket, access_key_id="ASIA" + "Z" * 16)) == ["aws.key_temporary"]


def test_wrong_secret(s3_bucket: S3Bucket):
    wrong = "CANARY" + "x" * 34
    found = run(s3_bucket, secret_access_key=wrong)
    assert codes(found) == ["aws.secret_wrong"]
    assert wrong not in rendered(found)


@pytest.mark.parametrize(
    ("key", "secret", "name"),
    [
        ("", "x" * 40, "AWS_ACCESS_KEY_ID"),
        ("AKIA ABC", "x" * 40, "AWS_ACCESS_KEY_ID"),
        ("AKIAÉ", "x" * 40, "AWS_ACCESS_KEY_ID"),
        ("AKIA" + "Z" * 16, "", "AWS_SECRET_ACCESS_KEY"),
    ],
)
def test_unusable_keys_are_named_without_a_request(key, secret, name, closed_endpoint):
    found = check_s3("bucket", PREFIX, key, secret, "eu-west-3", closed_endpoint)
    assert codes(found) == ["aws.key_unusable"]
    assert found[0].params["name"] == name


# --- permissions ----------------------------------------------------------------------------


def test_user_without_put_object(s3_bucket: S3Bucket, moto_s3: MotoS3):
    key, secret = user_with(
        moto_s3, s3_bucket.bucket, ["s3:ListBucket", "s3:GetObject", "s3:HeadBucket"]
    )
    found = run(s3_bucket, access_key_id=key, secret_access_key=secret)
    assert codes(found) == ["aws.identity", "s3.put_denied"], rendered(found)
    denied = by_code(found, "s3.put_denied")
    assert denied.status == "fail"
    policy = json.loads(denied.details["policy"])
    assert policy == minimal_policy(s3_bucket.bucket, PREFIX)
    text = denied.details["policy"]
    assert f'"arn:aws:s3:::{s3_bucket.bucket}"' in text
    assert f'"arn:aws:s3:::{s3_bucket.bucket}/{PREFIX}/*"' in text
    assert "s3:PutObject" in text
    assert "JSON" in denied.fix("fr") and "Create inline policy" in denied.fix("en")
    assert moto_s3.list_keys(s3_bucket.bucket) == []


def test_user_without_list_bucket(s3_bucket: S3Bucket, moto_s3: MotoS3):
    key, secret = user_with(
        moto_s3,
        s3_bucket.bucket,
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:HeadBucket"],
    )
    found = run(s3_bucket, access_key_id=key, secret_access_key=secret)
    assert codes(found) == ["aws.identity", "s3.list_denied"], rendered(found)
    policy = json.loads(by_code(found, "s3.list_denied").details["policy"])
    assert {"s3:ListBucket", "s3:GetBucketLocation"} <= set(policy["Statement"][0]["Action"])
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:::{s3_bucket.bucket}"
    assert moto_s3.list_keys(s3_bucket.bucket) == []  # writing was still tested, and cleaned


def test_user_without_get_object(s3_bucket: S3Bucket, moto_s3: MotoS3):
    key, secret = user_with(
        moto_s3,
        s3_bucket.bucket,
        ["s3:ListBucket", "s3:PutObject", "s3:DeleteObject", "s3:HeadBucket"],
    )
    found = run(s3_bucket, access_key_id=key, secret_access_key=secret)
    assert codes(found) == ["aws.identity", "s3.get_denied"], rendered(found)
    assert moto_s3.list_keys(s3_bucket.bucket) == []


def test_user_without_delete_object_is_a_warning(s3_bucket: S3Bucket, moto_s3: MotoS3):
    key, secret = user_with(
        moto_s3,
        s3_bucket.bucket,
        ["s3:ListBucket", "s3:PutObject", "s3:GetObject", "s3:HeadBucket"],
    )
    found = run(s3_bucket, access_key_id=key, secret_access_key=secret)
    assert codes(found) == ["aws.identity", "s3.delete_denied", "s3.ok"], rendered(found)
    denied = by_code(found, "s3.delete_denied")
    assert denied.status == "warn"
    left = moto_s3.list_keys(s3_bucket.bucket)
    assert left == [denied.details["probe"]]
    assert left[0].startswith(f"{PREFIX}/.mlflow-space-probe-")
    assert left[0] in denied.message("fr")


def test_keys_of_a_user_allowed_nothing(s3_bucket: S3Bucket, moto_s3: MotoS3):
    unrelated = {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}
    key, secret = moto_s3.create_user(
        f"u-{secrets.token_hex(6)}", {"Version": "2012-10-17", "Statement": [unrelated]}
    )
    found = run(s3_bucket, access_key_id=key, secret_access_key=secret)
    assert codes(found) == ["aws.identity", "s3.list_denied", "s3.put_denied"]


# --- the bucket and its region --------------------------------------------------------------


def test_missing_bucket(s3_bucket: S3Bucket, moto_s3: MotoS3):
    missing = f"mlflow-missing-{secrets.token_hex(6)}"
    # moto answers 403 for a bucket the policy does not name, even a missing one (AWS
    # answers 404 to everyone): the student's policy names the bucket they forgot to create.
    key, secret = moto_s3.create_user(
        f"u-{secrets.token_hex(6)}", moto_s3.s3_policy(missing, f"{PREFIX}/")
    )
    found = run(s3_bucket, bucket=missing, access_key_id=key, secret_access_key=secret)
    assert codes(found) == ["aws.identity", "s3.bucket_missing"]
    assert found[-1].params["bucket"] == missing


@pytest.mark.parametrize(
    "actions",
    [
        pytest.param(None, id="region-from-head-bucket"),
        pytest.param(
            [
                "s3:GetBucketLocation",
                "s3:ListBucket",
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
            ],
            id="region-from-get-bucket-location",
        ),
    ],
)
def test_bucket_in_another_region(moto_s3: MotoS3, actions):
    bucket = f"mlflow-test-{secrets.token_hex(6)}"
    moto_s3.create_bucket(bucket, region="us-west-2")
    policy = moto_s3.s3_policy(bucket, f"{PREFIX}/", **({"actions": actions} if actions else {}))
    key, secret = moto_s3.create_user(f"u-{secrets.token_hex(6)}", policy)
    found = check_s3(bucket, PREFIX, key, secret, "eu-west-3", moto_s3.endpoint_url)
    assert codes(found) == ["aws.identity", "s3.region_mismatch", "s3.ok"], rendered(found)
    mismatch = by_code(found, "s3.region_mismatch")
    assert mismatch.status == "warn"
    assert mismatch.params == {"bucket": bucket, "given": "eu-west-3", "actual": "us-west-2"}
    assert "us-west-2" in mismatch.fix("fr") and "us-west-2" in mismatch.fix("en")
    assert by_code(found, "s3.ok").details["region"] == "us-west-2"


def test_a_custom_store_takes_any_well_formed_region(s3_bucket: S3Bucket):
    # MinIO or R2 name regions as they like: a difference is a warning, never a failure.
    found = run(s3_bucket, region="eu-paris-1")
    assert codes(found) == ["aws.identity", "s3.region_mismatch", "s3.ok"]
    assert by_code(found, "s3.region_mismatch").status == "warn"


def test_malformed_region_for_a_custom_endpoint(s3_bucket: S3Bucket):
    found = run(s3_bucket, region="eu west 3")
    assert codes(found) == ["s3.region_invalid"]


@pytest.mark.parametrize("bucket", ["", "my bucket", "s3://x/y"])
def test_bucket_names_the_sdk_rejects(s3_bucket: S3Bucket, bucket: str):
    found = run(s3_bucket, bucket=bucket)
    assert codes(found)[-1] == "s3.bucket_invalid", rendered(found)


# --- the network path -----------------------------------------------------------------------


def test_hung_endpoint_answers_within_the_budget(s3_bucket: S3Bucket, hung_endpoint: str):
    started = time.monotonic()
    found = run(s3_bucket, endpoint_url=hung_endpoint)
    elapsed = time.monotonic() - started
    assert elapsed < CHECK_BUDGET + 1, elapsed
    assert codes(found) == ["s3.timeout"]
    assert found[0].params["host"] == "127.0.0.1"


def test_hung_tls_endpoint(s3_bucket: S3Bucket, hung_endpoint: str):
    started = time.monotonic()
    found = run(s3_bucket, endpoint_url=hung_endpoint.replace("http:", "https:"))
    assert time.monotonic() - started < CHECK_BUDGET + 1
    assert codes(found) == ["s3.timeout"]


def test_closed_port(s3_bucket: S3Bucket, closed_endpoint: str):
    found = run(s3_bucket, endpoint_url=closed_endpoint)
    assert codes(found) == ["s3.refused"]
    assert found[0].params["port"] == int(closed_endpoint.rsplit(":", 1)[1])


def test_unknown_host(s3_bucket: S3Bucket):
    found = run(s3_bucket, endpoint_url="http://s3.invalid")
    assert codes(found) == ["s3.dns"]
    assert found[0].params["host"] == "s3.invalid"


def test_tls_to_a_plain_http_store(s3_bucket: S3Bucket):
    found = run(s3_bucket, endpoint_url=s3_bucket.endpoint_url.replace("http:", "https:"))
    assert codes(found) == ["s3.tls"]


@contextmanager
def web_server(delay: float = 0.0) -> Iterator[str]:
    """A plain web server on loopback that answers every request with a 404 page."""

    class NotFound(http.server.BaseHTTPRequestHandler):
        def answer(self):
            time.sleep(delay)
            self.send_error(404)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = answer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_endpoint_that_is_not_s3(s3_bucket: S3Bucket):
    with web_server() as endpoint:
        found = run(s3_bucket, endpoint_url=endpoint)
    assert codes(found) == ["aws.identity_skipped", "s3.bad_response"], rendered(found)
    assert found[-1].status == "fail"


def test_an_endpoint_slow_at_every_step_is_abandoned_within_the_budget(s3_bucket: S3Bucket):
    # Each answer comes under the read timeout, but four of them do not fit in the budget.
    with web_server(delay=READ_TIMEOUT / 2) as endpoint:
        started = time.monotonic()
        found = run(s3_bucket, endpoint_url=endpoint)
        elapsed = time.monotonic() - started
    assert elapsed < CHECK_BUDGET + 1, elapsed
    assert codes(found)[-1] == "check.timeout", rendered(found)


@pytest.mark.parametrize("endpoint", ["not a url", "ftp//x y"])
def test_unusable_endpoint_url(s3_bucket: S3Bucket, endpoint: str):
    assert codes(run(s3_bucket, endpoint_url=endpoint)) == ["s3.endpoint_invalid"]


# --- isolation from the machine's AWS setup -------------------------------------------------


def test_ambient_aws_settings_do_not_change_the_result(
    s3_bucket: S3Bucket, monkeypatch, tmp_path, closed_endpoint: str
):
    before = run(s3_bucket)
    config = tmp_path / "config"
    config.write_text("[default]\nregion = ap-south-1\nendpoint_url = http://127.0.0.1:9\n")
    for name, value in {
        "AWS_PROFILE": "nonexistent",
        "AWS_DEFAULT_PROFILE": "nonexistent",
        "AWS_ACCESS_KEY_ID": "AKIAFAKEOTHEROTHER00",
        "AWS_SECRET_ACCESS_KEY": "other" * 8,
        "AWS_SESSION_TOKEN": "other-token",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "missing"),
        "AWS_DEFAULT_REGION": "ap-south-1",
        "AWS_ENDPOINT_URL": closed_endpoint,
        "AWS_ENDPOINT_URL_S3": closed_endpoint,
        "AWS_ENDPOINT_URL_STS": closed_endpoint,
        "AWS_MAX_ATTEMPTS": "10",
        "AWS_USE_FIPS_ENDPOINT": "true",
    }.items():
        monkeypatch.setenv(name, value)
    after = run(s3_bucket)
    assert codes(after) == codes(before) == ["aws.identity", "s3.ok"]
    assert [d.params for d in after] == [d.params for d in before]


# --- AWS itself (endpoint_url=None): STS stubbed, S3 served by moto -------------------------


@pytest.fixture
def aws_path(moto_s3: MotoS3, monkeypatch):
    """Route the AWS-path clients offline: STS answers what a test stubs, S3 is moto."""
    stubs: list = []
    real_new_client = s3_check._new_client

    def new_client(service, *, region, endpoint_url, access_key_id, secret_access_key):
        assert endpoint_url is None  # the check believes it talks to AWS
        client = real_new_client(
            service,
            region=region,
            endpoint_url=moto_s3.endpoint_url,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
        )
        if service == "sts":
            stubber = Stubber(client)
            for stub in stubs:
                stub(stubber)
            stubber.activate()
        return client

    monkeypatch.setattr(s3_check, "_new_client", new_client)
    return stubs


def identity(arn: str):
    def stub(stubber):
        stubber.add_response(
            "get_caller_identity",
            {"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": arn},
        )

    return stub


def sts_error(code: str, message: str = "", headers=None):
    def stub(stubber):
        stubber.add_client_error(
            "get_caller_identity",
            service_error_code=code,
            service_message=message,
            http_status_code=403,
            response_meta={"HTTPHeaders": headers or {}},
        )

    return stub


def test_aws_root_keys_are_a_warning_with_a_policy(s3_bucket: S3Bucket, aws_path):
    aws_path.append(identity("arn:aws:iam::123456789012:root"))
    found = run(s3_bucket, endpoint_url=None)
    assert codes(found) == ["aws.identity", "aws.root_keys", "s3.ok"], rendered(found)
    root = by_code(found, "aws.root_keys")
    assert root.status == "warn"
    assert json.loads(root.details["policy"]) == minimal_policy(s3_bucket.bucket, PREFIX)


@pytest.mark.parametrize(
    ("key", "error", "code"),
    [
        ("AKIA" + "Q" * 16, sts_error("InvalidClientTokenId"), "aws.key_unknown"),
        ("ASIA" + "Q" * 16, sts_error("InvalidClientTokenId"), "aws.key_temporary"),
        ("ASIA" + "Q" * 16, sts_error("ExpiredToken"), "aws.key_temporary"),
        ("AKIA" + "Q" * 16, sts_error("SignatureDoesNotMatch"), "aws.secret_wrong"),
        (
            "AKIA" + "Q" * 16,
            sts_error(
                "SignatureDoesNotMatch",
                "Signature expired: 20260101T000000Z is now earlier than 20260102T000000Z",
                {"date": "Fri, 02 Jan 2026 00:00:00 GMT"},
            ),
            "aws.clock_skew",
        ),
    ],
)
def test_aws_identity_failures(s3_bucket: S3Bucket, aws_path, key, error, code):
    aws_path.append(error)
    found = run(s3_bucket, endpoint_url=None, access_key_id=key)
    assert codes(found) == [code], rendered(found)
    assert "Q" * 5 not in rendered(found)
    if code == "aws.clock_skew":
        assert found[0].details["aws_utc"] == "2026-01-02T00:00:00Z"


def test_aws_path_region_unset_and_unknown(s3_bucket: S3Bucket, aws_path):
    aws_path.extend([identity("arn:aws:iam::123456789012:user/student")] * 2)
    unset = run(s3_bucket, endpoint_url=None, region=None)
    assert codes(unset) == ["aws.identity", "s3.region_unset", "s3.ok"]
    assert by_code(unset, "s3.region_unset").params["actual"] == s3_bucket.region
    # A region AWS does not have: the server could not reach S3 at all.
    unknown = run(s3_bucket, endpoint_url=None, region="eu-paris-1")
    mismatch = by_code(unknown, "s3.region_mismatch")
    assert mismatch.status == "fail"
    assert mismatch.params["actual"] == s3_bucket.region


def test_custom_store_without_sts_skips_identity(s3_bucket: S3Bucket, moto_s3, monkeypatch):
    real_new_client = s3_check._new_client

    def new_client(service, **kwargs):
        client = real_new_client(service, **kwargs)
        if service == "sts":
            stubber = Stubber(client)
            stubber.add_client_error("get_caller_identity", "NotImplemented", http_status_code=501)
            stubber.activate()
        return client

    monkeypatch.setattr(s3_check, "_new_client", new_client)
    found = run(s3_bucket)
    assert codes(found) == ["aws.identity_skipped", "s3.ok"]
    assert by_code(found, "s3.ok").details["identity"] == "not checked"


# --- the policy -----------------------------------------------------------------------------


def test_minimal_policy_scopes_objects_to_the_prefix():
    policy = minimal_policy("my-bucket", "/runs/mlflow/")
    bucket, objects = policy["Statement"]
    assert bucket["Resource"] == "arn:aws:s3:::my-bucket"
    assert set(bucket["Action"]) == {"s3:ListBucket", "s3:GetBucketLocation"}
    assert objects["Resource"] == "arn:aws:s3:::my-bucket/runs/mlflow/*"
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} <= set(objects["Action"])
    assert minimal_policy("b", "")["Statement"][1]["Resource"] == "arn:aws:s3:::b/*"


# --- whatever is pasted ---------------------------------------------------------------------

text = st.text(max_size=30)
key_like = st.text(string.ascii_letters + string.digits + "-./_+=", max_size=30)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_never_raises_never_leaks(data, s3_bucket: S3Bucket, closed_endpoint: str):
    if data.draw(st.booleans(), label="real keys"):
        access_key_id, secret = s3_bucket.access_key_id, s3_bucket.secret_access_key
        hidden = [secret, access_key_id]
    else:
        access_key_id = data.draw(st.one_of(text, key_like)) + "KEYCANARY" + data.draw(key_like)
        secret = "CANARY" + data.draw(text, label="secret")
        hidden = [secret, "KEYCANARY"]
    bucket = data.draw(st.one_of(st.just(s3_bucket.bucket), text, key_like), label="bucket")
    prefix = data.draw(st.one_of(st.just(PREFIX), text, key_like), label="prefix")
    region = data.draw(
        st.one_of(st.none(), st.sampled_from(["eu-west-3", "us-west-2", "us-east-1"]), text),
        label="region",
    )
    endpoint = data.draw(st.sampled_from([s3_bucket.endpoint_url, closed_endpoint]))
    found = check_s3(bucket, prefix, access_key_id, secret, region, endpoint)
    assert found
    for diagnosis in found:
        assert diagnosis.code in CATALOGUE
        assert diagnosis.code.startswith(("s3.", "aws.", "check."))
        assert diagnosis.status in {"ok", "warn", "fail"}
        assert all(isinstance(value, str) for value in diagnosis.details.values())
    shown = rendered(found)  # renders every code in both languages, or raises
    for value in hidden:
        assert value not in shown
