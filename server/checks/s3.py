"""Live check of the S3 artifact store and of the AWS keys that reach it.

Steps, stopping at the first failure that makes the next ones meaningless:

1. who the keys belong to (STS GetCallerIdentity, which needs no permission);
2. the bucket: does it exist, and in which region;
3. listing under the prefix (s3:ListBucket);
4. a probe object written, read back and deleted under the prefix (s3:PutObject,
   s3:GetObject, s3:DeleteObject): what MLflow's server does with artifacts.

Every permission failure carries the minimal IAM policy to paste (`details["policy"]`).

Nothing ambient is read: no AWS profile, config or credentials file, no `AWS_*` variable
(proxy variables still apply, as they do to the server itself). Each call has short
timeouts and a single attempt, and the whole check runs in a worker thread that is
abandoned when the budget runs out. Neither the secret key nor more than the first four
characters of the access key id ever reach a diagnosis.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    InvalidRegionError,
    ParamValidationError,
    ReadTimeoutError,
    SSLError,
)
from botocore.exceptions import (
    ConnectionError as BotocoreConnectionError,
)
from botocore.parsers import ResponseParserError

from server.checks import CHECK_BUDGET, CONNECT_TIMEOUT, READ_TIMEOUT
from server.diagnoses import Diagnosis, Status

# The check hands its result back a little before the runner's budget, so that the
# runner shows what was found rather than its own generic timeout.
BUDGET = CHECK_BUDGET - 0.5
CHECK_NAME = "S3"

PROBE_NAME = ".mlflow-space-probe-"
PROBE_BODY = b"Written by the MLflow Space doctor to test access; safe to delete.\n"

# What botocore assumes without a region; AWS's global endpoints live there.
DEFAULT_REGION = "us-east-1"
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
KEY_SHOWN = 4  # characters of an access key id that may be shown (AKIA, ASIA)

# Session variables through which the machine's own AWS setup could leak into the check:
# each is pinned to a fixed value and read from neither the environment nor a file.
# (logical name: config file name, environment variable, value, converter)
_ISOLATED: dict[str, tuple[None, None, Any, None]] = {
    name: (None, None, value, None)
    for name, value in {
        "profile": None,
        "region": None,
        "config_file": os.devnull,
        "credentials_file": os.devnull,
        "data_path": None,
        "ca_bundle": None,
        "use_dualstack_endpoint": None,
        "use_fips_endpoint": None,
        "ignore_configured_endpoint_urls": True,
        "sts_regional_endpoints": "regional",
        "defaults_mode": "legacy",
        "retry_mode": "standard",
        "max_attempts": None,
        "endpoint_discovery_enabled": "auto",
    }.items()
}

_ACCESS_DENIED = frozenset({"AccessDenied", "AllAccessDisabled"})
_KEY_UNKNOWN = frozenset({"InvalidAccessKeyId", "InvalidClientTokenId"})
_SECRET_WRONG = frozenset({"SignatureDoesNotMatch"})
_CLOCK_SKEW = frozenset({"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"})
_TOKEN_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"})


def minimal_policy(bucket: str, prefix: str) -> dict[str, Any]:
    """The IAM policy MLflow's server needs on `s3://bucket/prefix`, and nothing more.

    Listing is granted on the bucket (MLflow lists under the prefix; a prefix condition
    would add little and is easy to get wrong); objects are readable, writable and
    deletable only under the prefix. AbortMultipartUpload lets large uploads that fail
    clean up their parts.
    """
    bucket_arn = f"arn:aws:s3:::{bucket}"
    folder = prefix.strip("/")
    objects = f"{bucket_arn}/{folder}/*" if folder else f"{bucket_arn}/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "MlflowListBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                "Resource": bucket_arn,
            },
            {
                "Sid": "MlflowArtifacts",
                "Effect": "Allow",
                "Action": [
                    "s3:GetObject",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                ],
                "Resource": objects,
            },
        ],
    }


def policy_json(bucket: str, prefix: str) -> str:
    """`minimal_policy` as the console's JSON editor wants it."""
    return json.dumps(minimal_policy(bucket, prefix), indent=2)


def check_s3(
    bucket: str,
    prefix: str,
    access_key_id: str,
    secret_access_key: str,
    region: str | None,
    endpoint_url: str | None = None,
) -> list[Diagnosis]:
    """Check that these keys let MLflow keep artifacts in `s3://bucket/prefix`.

    `region` is AWS_DEFAULT_REGION (None when unset), `endpoint_url` the S3-compatible
    store's address (None for AWS). Never raises; returns within `BUDGET` seconds.
    """
    report = _Report()
    probe = _Probe(
        bucket=bucket,
        prefix=prefix.strip("/"),
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        region=region or None,
        endpoint_url=endpoint_url or None,
        report=report,
    )
    worker = threading.Thread(target=probe.run_safely, name="check-s3", daemon=True)
    worker.start()
    worker.join(BUDGET)
    return report.close(timed_out=worker.is_alive())


class _Stop(Exception):
    """A step found a failure that makes the next steps meaningless."""


class _Report:
    """Diagnoses shared between the worker and the caller, who may stop waiting."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: list[Diagnosis] = []
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def add(self, diagnosis: Diagnosis) -> None:
        with self._lock:
            if not self._closed:
                self._found.append(diagnosis)

    def has_failure(self) -> bool:
        with self._lock:
            return any(d.status == "fail" for d in self._found)

    def close(self, *, timed_out: bool) -> list[Diagnosis]:
        with self._lock:
            self._closed = True
            found = list(self._found)
        if timed_out:
            found.append(
                Diagnosis("check.timeout", params={"check": CHECK_NAME, "seconds": int(BUDGET)})
            )
        return found


@dataclass
class _Probe:
    bucket: str
    prefix: str
    access_key_id: str
    secret_access_key: str
    region: str | None
    endpoint_url: str | None
    report: _Report
    arn: str = ""
    bucket_region: str | None = None
    sdk_region: str = DEFAULT_REGION
    clients: dict[str, Any] = field(default_factory=dict)

    # --- running --------------------------------------------------------------------------
    def run_safely(self) -> None:
        try:
            self.run()
        except _Stop:
            pass
        except Exception as error:  # the promise is "never raises": name it instead
            self.report.add(Diagnosis("s3.unexpected", params={"error": type(error).__name__}))

    def run(self) -> None:
        self.check_inputs()
        self.check_identity()
        head_status = self.check_bucket()
        self.check_listing(head_status)
        self.check_region()
        written = self.check_write()
        if written:
            self.check_read(written)
            self.check_delete(written)
        if not self.report.has_failure():
            self.add(
                "s3.ok",
                "ok",
                {"bucket": self.bucket, "prefix": self.prefix},
                {
                    "bucket": self.bucket,
                    "prefix": self.prefix,
                    "region": self.bucket_region or self.region or "?",
                    "identity": self.arn or "not checked",
                    "key": self.key_start + "…",
                    "probe": "written, read back and deleted" if written else "not written",
                },
            )

    def add(
        self,
        code: str,
        status: Status = "fail",
        params: dict[str, str | int] | None = None,
        details: dict[str, str] | None = None,
    ) -> None:
        self.report.add(Diagnosis(code, status, params or {}, details or {}))

    def stop(
        self,
        code: str,
        params: dict[str, str | int] | None = None,
        details: dict[str, str] | None = None,
    ) -> _Stop:
        """Record a failure; the caller raises what this returns."""
        self.add(code, "fail", params, details)
        return _Stop()

    @property
    def key_start(self) -> str:
        return self.access_key_id[:KEY_SHOWN]

    @property
    def custom_endpoint(self) -> bool:
        return self.endpoint_url is not None

    def policy_details(self) -> dict[str, str]:
        return {"policy": policy_json(self.bucket, self.prefix)}

    # --- clients --------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        if service not in self.clients:
            region = self.sdk_region
            if service == "sts" and not self.custom_endpoint:
                region = _sts_region(self.region)
            self.clients[service] = _new_client(
                service,
                region=region,
                endpoint_url=self.endpoint_url,
                access_key_id=self.access_key_id,
                secret_access_key=self.secret_access_key,
            )
        return self.clients[service]

    def call(
        self, service: str, operation: str, *, final: bool = True, **kwargs: Any
    ) -> dict[str, Any]:
        """One call; connection problems stop the check here, and so do unusable keys and
        answers that are not S3's unless `final` is false (then they are the caller's)."""
        if self.report.closed:  # the caller stopped waiting: do nothing more
            raise _Stop()
        try:
            return getattr(self.client(service), operation)(**kwargs)
        except ClientError as error:
            if final:
                self.stop_on_key_error(error)
            raise
        except ResponseParserError as error:
            if not final:
                raise
            raise self.stop_on_network_error(error) from None
        except ParamValidationError as error:
            if "bucket" in str(error).lower():
                raise self.stop("s3.bucket_invalid", {"bucket": self.bucket}) from None
            raise
        except (HTTPClientError, BotocoreConnectionError) as error:
            raise self.stop_on_network_error(error) from None

    def stop_on_key_error(self, error: ClientError) -> None:
        code = _error_code(error)
        params: dict[str, str | int] = {"key_start": self.key_start}
        if code in _TOKEN_EXPIRED or (
            code in _KEY_UNKNOWN and self.access_key_id.upper().startswith("ASIA")
        ):
            raise self.stop("aws.key_temporary", params) from None
        if code in _KEY_UNKNOWN:
            raise self.stop("aws.key_unknown", params) from None
        if _is_clock_skew(error):
            raise self.stop("aws.clock_skew", details=_clock_details(error)) from None
        if code in _SECRET_WRONG:
            raise self.stop("aws.secret_wrong", params) from None

    def stop_on_network_error(self, error: Exception) -> _Stop:
        url = str(getattr(error, "kwargs", {}).get("endpoint_url") or self.endpoint_url or "")
        host, port = _host_and_port(url)
        params: dict[str, str | int] = {"host": host}
        if isinstance(error, ResponseParserError):
            return self.stop("s3.bad_response", params)
        if isinstance(error, ConnectTimeoutError):
            return self.stop("s3.timeout", {**params, "seconds": int(CONNECT_TIMEOUT)})
        if isinstance(error, ReadTimeoutError):
            return self.stop("s3.timeout", {**params, "seconds": int(READ_TIMEOUT)})
        if isinstance(error, SSLError):
            return self.stop("s3.tls", params)
        if isinstance(error, EndpointConnectionError):
            causes = _causes(error)
            if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
                return self.stop("s3.refused", {**params, "port": port})
            if any(type(cause).__name__ in {"gaierror", "NameResolutionError"} for cause in causes):
                return self.stop("s3.dns", params)
        if isinstance(error, ConnectionClosedError):
            return self.stop("s3.connection", params)
        return self.stop("s3.connection", params, {"error": type(error).__name__})

    def stop_on_other_error(self, error: ClientError, operation: str) -> _Stop:
        code = _error_code(error)
        if code == "InvalidBucketName":
            return self.stop("s3.bucket_invalid", {"bucket": self.bucket})
        if code.isdigit() and self.custom_endpoint:
            # S3 explains every refusal of these operations in an XML body; a bare status
            # comes from something else answering at that address.
            return self.stop("s3.bad_response", {"host": _host_and_port(self.endpoint_url)[0]})
        return self.stop(
            "s3.error",
            {"operation": operation, "error_code": code},
            {"http_status": str(_http_status(error))},
        )

    # --- steps ----------------------------------------------------------------------------
    def check_inputs(self) -> None:
        if not _header_safe(self.access_key_id):
            raise self.stop("aws.key_unusable", {"name": "AWS_ACCESS_KEY_ID"})
        if not self.secret_access_key:
            raise self.stop("aws.key_unusable", {"name": "AWS_SECRET_ACCESS_KEY"})
        if not self.bucket:
            raise self.stop("s3.bucket_invalid", {"bucket": self.bucket})
        if self.custom_endpoint:
            self.sdk_region = self.region or DEFAULT_REGION
        elif self.region in _known_regions():
            self.sdk_region = self.region
        # else: a region AWS does not have (or none): botocore follows S3's redirect from
        # us-east-1 to the bucket's region, and the region step names the right one.
        try:
            self.client("s3")
        except InvalidRegionError:
            raise self.stop("s3.region_invalid", {"region": self.sdk_region}) from None
        except ValueError:  # botocore: "Invalid endpoint: …"
            raise self.stop("s3.endpoint_invalid", {"endpoint": self.endpoint_url or ""}) from None

    def check_identity(self) -> None:
        try:
            identity = self.call("sts", "get_caller_identity", final=not self.custom_endpoint)
        except ResponseParserError:  # only from a custom endpoint, which has no STS
            self.identity_skipped()
            return
        except ClientError as error:
            if self.custom_endpoint:
                # S3-compatible stores have no STS (or a partial one): the S3 steps check
                # the keys. Auth errors are left to them too, so nothing is claimed twice.
                if _error_code(error) not in _KEY_UNKNOWN | _SECRET_WRONG:
                    self.identity_skipped()
                return
            self.add(
                "aws.identity_error",
                "warn",
                {"error_code": _error_code(error)},
                {"http_status": str(_http_status(error))},
            )
            return
        self.arn = str(identity.get("Arn", ""))
        account = str(identity.get("Account", ""))
        details = {"arn": self.arn, "account": account, "key": self.key_start + "…"}
        self.add("aws.identity", "ok", {"arn": self.arn}, details)
        if self.arn.endswith(":root"):
            self.add("aws.root_keys", "warn", {}, {**details, **self.policy_details()})

    def identity_skipped(self) -> None:
        host, _ = _host_and_port(self.endpoint_url or "")
        self.add("aws.identity_skipped", "ok", {"host": host})

    def check_bucket(self) -> str:
        """HEAD the bucket for its region; returns the status ('200', '403', '404'…).

        HEAD answers have no body, so no error name: 403 is "forbidden" on AWS but also
        "missing" on moto, and a 404 may come from any web server at a custom endpoint.
        The listing, which names its errors, decides.
        """
        try:
            answer = self.call("s3", "head_bucket", Bucket=self.bucket)
        except ClientError as error:
            self.bucket_region = _region_header(error.response) or self.bucket_region
            return _error_code(error)
        self.bucket_region = str(answer.get("BucketRegion") or "") or _region_header(answer) or None
        return "200"

    def check_listing(self, head_status: str) -> None:
        if self.bucket_region is None:
            self.bucket_region = self.read_location()
        try:
            self.call(
                "s3",
                "list_objects_v2",
                Bucket=self.bucket,
                Prefix=f"{self.prefix}/" if self.prefix else "",
                MaxKeys=1,
            )
        except ClientError as error:
            code = _error_code(error)
            self.bucket_region = self.bucket_region or _region_header(error.response)
            if code == "NoSuchBucket":
                raise self.stop("s3.bucket_missing", {"bucket": self.bucket}) from None
            if code in _ACCESS_DENIED:
                # Not a stop: writing is tested all the same, and the policy covers both.
                self.add(
                    "s3.list_denied",
                    "fail",
                    {"bucket": self.bucket},
                    {**self.policy_details(), "head_bucket": head_status},
                )
                return
            raise self.stop_on_other_error(error, "ListObjectsV2") from None

    def read_location(self) -> str | None:
        """The bucket's region by GetBucketLocation, when these keys may ask."""
        try:
            answer = self.call("s3", "get_bucket_location", Bucket=self.bucket)
        except ClientError as error:
            return _region_header(error.response)
        except _Stop:
            raise
        except Exception:  # botocore parses this answer by hand: a non-S3 body raises raw
            return None
        constraint = answer.get("LocationConstraint")
        if not constraint:
            return DEFAULT_REGION  # AWS's historical spelling of us-east-1
        return "eu-west-1" if constraint == "EU" else str(constraint)

    def check_region(self) -> None:
        actual = self.bucket_region
        given = self.region
        params: dict[str, str | int] = {"bucket": self.bucket}
        known = self.custom_endpoint or given in _known_regions()
        if actual is None:
            if given is not None and not known:
                self.add("s3.region_unknown", "fail", {**params, "given": given})
            return
        if given is None:
            if not self.custom_endpoint and actual != DEFAULT_REGION:
                self.add("s3.region_unset", "warn", {**params, "actual": actual})
            return
        if given != actual:
            # A real region that is not the bucket's costs a redirect; one AWS does not have
            # cannot even be reached by the server.
            status = "warn" if known else "fail"
            self.add("s3.region_mismatch", status, {**params, "given": given, "actual": actual})

    def check_write(self) -> str | None:
        """Put the probe; returns its key once written."""
        folder = f"{self.prefix}/" if self.prefix else ""
        key = f"{folder}{PROBE_NAME}{secrets.token_hex(6)}"
        try:
            self.call("s3", "put_object", Bucket=self.bucket, Key=key, Body=PROBE_BODY)
        except ClientError as error:
            code = _error_code(error)
            if code in _ACCESS_DENIED:
                self.add("s3.put_denied", "fail", self.prefix_params(), self.policy_details())
                return None
            if code == "NoSuchBucket":
                raise self.stop("s3.bucket_missing", {"bucket": self.bucket}) from None
            raise self.stop_on_other_error(error, "PutObject") from None
        return key

    def check_read(self, key: str) -> None:
        try:
            answer = self.call("s3", "get_object", Bucket=self.bucket, Key=key)
            try:
                answer["Body"].read()
            except (HTTPClientError, BotocoreConnectionError) as error:
                raise self.stop_on_network_error(error) from None
        except ClientError as error:
            if _error_code(error) in _ACCESS_DENIED:
                self.add("s3.get_denied", "fail", self.prefix_params(), self.policy_details())
                return
            raise self.stop_on_other_error(error, "GetObject") from None

    def check_delete(self, key: str) -> None:
        try:
            self.call("s3", "delete_object", Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in _ACCESS_DENIED:
                # A warning: MLflow logs and serves artifacts without deleting any; only
                # cleaning up deleted runs (mlflow gc) needs it.
                self.add(
                    "s3.delete_denied",
                    "warn",
                    {**self.prefix_params(), "probe": key},
                    {**self.policy_details(), "probe": key},
                )
                return
            raise self.stop_on_other_error(error, "DeleteObject") from None

    def prefix_params(self) -> dict[str, str | int]:
        return {"bucket": self.bucket, "prefix": self.prefix}


# --- helpers ------------------------------------------------------------------------------

_loader_lock = threading.Lock()
_loader: botocore.loaders.Loader | None = None
_regions: frozenset[str] | None = None


def _shared_loader() -> botocore.loaders.Loader:
    """botocore's data loader, shared: loading service models costs ~0.1 s per session."""
    global _loader
    with _loader_lock:
        if _loader is None:
            _loader = botocore.loaders.create_loader()
        return _loader


def _isolated_session() -> botocore.session.Session:
    session = botocore.session.Session(session_vars=_ISOLATED)
    session.register_component("data_loader", _shared_loader())
    return session


def _known_regions() -> frozenset[str]:
    """Every region botocore knows S3 in, all partitions (offline: from its own data)."""
    global _regions
    if _regions is None:
        session = _isolated_session()
        _regions = frozenset(
            region
            for partition in session.get_available_partitions()
            for region in session.get_available_regions("s3", partition)
        )
    return _regions


def _sts_region(region: str | None) -> str:
    """Where to ask STS: us-east-1 takes every commercial key; China and GovCloud keys need
    their own partition."""
    known = region is not None and region in _known_regions()
    if known and _isolated_session().get_partition_for_region(region) != "aws":
        return region
    return DEFAULT_REGION


def _new_client(
    service: str,
    *,
    region: str,
    endpoint_url: str | None,
    access_key_id: str,
    secret_access_key: str,
) -> Any:
    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"total_max_attempts": 1, "mode": "standard"},
        signature_version="s3v4" if service == "s3" else None,
        ignore_configured_endpoint_urls=True,
    )
    return _isolated_session().create_client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=None,
        config=config,
    )


def _header_safe(value: str) -> bool:
    """Whether `value` can travel in an HTTP header as an access key id."""
    return bool(value) and value.isascii() and value.isprintable() and " " not in value


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code") or _http_status(error) or "?")


def _http_status(error: ClientError) -> int | str:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "?"


def _region_header(response: dict[str, Any]) -> str | None:
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    region = headers.get("x-amz-bucket-region")
    return str(region) if region else None


def _is_clock_skew(error: ClientError) -> bool:
    code = _error_code(error)
    if code in _CLOCK_SKEW:
        return True
    # STS says SignatureDoesNotMatch with "Signature expired" / "not yet current".
    message = str(error.response.get("Error", {}).get("Message", "")).lower()
    return code in _SECRET_WRONG and (
        "signature expired" in message or "not yet current" in message
    )


def _clock_details(error: ClientError) -> dict[str, str]:
    details = {"local_utc": time.strftime(_UTC_FORMAT, time.gmtime())}
    headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    with contextlib.suppress(KeyError, TypeError, ValueError):
        details["aws_utc"] = parsedate_to_datetime(headers["date"]).strftime(_UTC_FORMAT)
    return details


def _causes(error: BaseException) -> list[BaseException]:
    """The exception and what it wraps (botocore keeps urllib3's in kwargs['error'])."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(seen) < 16:
        current = pending.pop()
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        inner = getattr(current, "kwargs", {}).get("error")
        pending += [current.__cause__, current.__context__]
        if isinstance(inner, BaseException):
            pending.append(inner)
        pending += [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
    return seen


def _host_and_port(url: str) -> tuple[str, int | str]:
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port: int | str = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "?", "?"
    return host, port
