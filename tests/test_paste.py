"""Paste cleaning: what students paste becomes a canonical value, a list of changes, or a fix.

Table tests pin each form seen in the consoles and docs; property tests (hypothesis) check
that no text makes a cleaner raise, leak a secret, or do more than linear work.
"""

import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url

import server.paste as paste_module
from server.catalogue import paste as paste_catalogue
from server.database import sqlalchemy_uri
from server.diagnoses import AREAS, CATALOGUE, LANGUAGES
from server.paste import (
    MAX_PASTE_CHARS,
    REGIONS,
    AwsKeys,
    Cleaned,
    S3Location,
    clean_aws_keys,
    clean_backend_uri,
    clean_region,
    clean_s3_location,
    describe_backend,
)

NEON_HOST = "ep-cool-darkness-123456.eu-central-1.aws.neon.tech"
POOLED_HOST = "ep-cool-darkness-123456-pooler.eu-central-1.aws.neon.tech"
NEON = f"postgresql://neondb_owner:npg_Ab12Cd34@{NEON_HOST}/neondb?sslmode=require"
NEON_CB = NEON + "&channel_binding=require"

KEY_ID = "AKIAFAKE2OGYBAH6TQ3Z"
SECRET = "h3Jk9/Lmn0pQrsTuVwxYz+AbCdEfGhIjKlMnOpQr"

# Codes of the settings catalogue this module may emit too.
SHARED_CODES = {"backend.unparseable", "backend.scheme", "backend.no_host"}


def codes(result: Cleaned) -> list[str]:
    return sorted(d.code for d in result.changes + result.problems)


def rendered(result: Cleaned) -> str:
    """Everything a diagnosis can show or log, in both languages."""
    parts = []
    for diagnosis in result.changes + result.problems:
        for language in LANGUAGES:
            parts += [diagnosis.message(language), diagnosis.fix(language)]
            parts.append(diagnosis.line(language))
            parts.append(repr(diagnosis.as_dict(language)))
        parts.append(repr(diagnosis))
    return "\n".join(parts)


def check(result: object) -> Cleaned:
    """The invariants every cleaning result holds, whatever the input."""
    assert isinstance(result, Cleaned)
    assert (result.value is None) == bool(result.problems)
    assert result.ok == (not result.problems)
    for diagnosis in result.changes:
        assert diagnosis.status in ("ok", "warn")
    for diagnosis in result.problems:
        assert diagnosis.status == "fail"
    for diagnosis in result.changes + result.problems:
        assert diagnosis.code in CATALOGUE, diagnosis.code
        assert diagnosis.code != "paste.unexpected", "a cleaner crashed"
        for value in list(diagnosis.params.values()) + list(diagnosis.details.values()):
            assert isinstance(value, str | int)
        for language in LANGUAGES:
            assert diagnosis.message(language)
            if diagnosis.status != "ok":  # what to do must be said for warnings and problems
                assert diagnosis.fix(language)
    rendered(result)  # renders in both languages without a KeyError
    return result


# ---------------------------------------------------------------------------------------
# Backend URI
# ---------------------------------------------------------------------------------------

BACKEND_CASES = [
    # (pasted, canonical value or None, codes)
    pytest.param(NEON_CB, NEON_CB, [], id="canonical"),
    pytest.param(
        f"psql '{NEON_CB}'",
        NEON_CB,
        ["paste.command_removed", "paste.quotes_removed"],
        id="neon-psql-single-quotes",
    ),
    pytest.param(
        f'psql "{NEON}"',
        NEON,
        ["paste.command_removed", "paste.quotes_removed"],
        id="psql-double-quotes",
    ),
    pytest.param(f"\n  `{NEON}`  \n", NEON, ["paste.quotes_removed"], id="backticks-spaces"),
    pytest.param(f"“{NEON}”", NEON, ["paste.quotes_removed"], id="smart-quotes"),
    pytest.param(f"DATABASE_URL={NEON}", NEON, ["paste.variable_name_removed"], id="env-line"),
    pytest.param(
        f'export BACKEND_STORE_URI="{NEON}"',
        NEON,
        ["paste.quotes_removed", "paste.variable_name_removed"],
        id="export-line",
    ),
    pytest.param(
        f"# Neon\nFOO=bar\nDATABASE_URL='{NEON}'\n",
        NEON,
        ["paste.quotes_removed", "paste.variable_name_removed"],
        id="lines-one-uri",
    ),
    pytest.param(
        f"DATABASE_URL={NEON.replace(NEON_HOST, POOLED_HOST)}\n"
        f"DATABASE_URL_UNPOOLED={NEON}\nPGHOST={NEON_HOST}\nPGUSER=neondb_owner\n",
        NEON.replace(NEON_HOST, POOLED_HOST),
        ["paste.several_values", "paste.variable_name_removed"],
        id="vercel-env-block",
    ),
    pytest.param(
        f"{NEON.replace(NEON_HOST, POOLED_HOST)}\n{NEON}\n",
        NEON.replace(NEON_HOST, POOLED_HOST),
        ["paste.several_values_first"],
        id="two-uris",
    ),
    pytest.param(
        "postgresql://me@corp.com:pw@db.example.com/mlflow",
        "postgresql://me%40corp.com:pw@db.example.com/mlflow",
        ["backend.user_encoded"],
        id="raw-user-encoded",
    ),
    pytest.param(
        f"PGHOST='{NEON_HOST}'\nPGDATABASE='neondb'\nPGUSER='neondb_owner'\n"
        "PGPASSWORD='npg_Ab12Cd34'\nPGSSLMODE='require'\nPGCHANNELBINDING='require'\n",
        NEON_CB,
        ["backend.assembled"],
        id="pghost-block-quoted",
    ),
    pytest.param(
        f"PGHOST={NEON_HOST}\nPGDATABASE=neondb\nPGUSER=neondb_owner\nPGPASSWORD=npg_Ab12Cd34\n",
        NEON,
        ["backend.assembled", "backend.sslmode_added"],
        id="pghost-block-bare",
    ),
    pytest.param(
        f"host={NEON_HOST} dbname=neondb user=neondb_owner password=npg_Ab12Cd34 sslmode=require",
        NEON,
        ["backend.assembled"],
        id="libpq-keywords",
    ),
    pytest.param(
        NEON.replace("postgresql://", "postgres://"),
        NEON,
        ["backend.scheme_rewritten"],
        id="postgres-scheme",
    ),
    pytest.param(
        NEON.replace("postgresql://", "postgresql+psycopg://"),
        NEON,
        ["backend.scheme_rewritten"],
        id="psycopg-driver",
    ),
    pytest.param(
        NEON.replace("postgresql://", "postgresql+psycopg2://"),
        NEON,
        ["backend.scheme_rewritten"],
        id="psycopg2-driver",
    ),
    pytest.param(
        f"jdbc:postgresql://{NEON_HOST}:5432/neondb?user=neondb_owner&password=npg_Ab12Cd34"
        "&ssl=true",
        f"postgresql://neondb_owner:npg_Ab12Cd34@{NEON_HOST}:5432/neondb?sslmode=require",
        ["backend.credentials_moved", "backend.jdbc_converted"],
        id="jdbc-credentials-in-query",
    ),
    pytest.param(f"jdbc:{NEON}", NEON, ["backend.jdbc_converted"], id="jdbc-userinfo"),
    pytest.param(
        f"postgresql://neondb_owner:p@ss:w/rd#1@{NEON_HOST}/neondb?sslmode=require",
        f"postgresql://neondb_owner:p%40ss%3Aw%2Frd%231@{NEON_HOST}/neondb?sslmode=require",
        ["backend.password_encoded"],
        id="raw-password-encoded",
    ),
    pytest.param(
        f"postgresql://neondb_owner:p%40ss%3Aw%2Frd%231@{NEON_HOST}/neondb?sslmode=require",
        f"postgresql://neondb_owner:p%40ss%3Aw%2Frd%231@{NEON_HOST}/neondb?sslmode=require",
        [],
        id="encoded-password-kept",
    ),
    pytest.param(
        f"postgresql://neondb_owner:a b?c%d@{NEON_HOST}/neondb?sslmode=require",
        f"postgresql://neondb_owner:a%20b%3Fc%25d@{NEON_HOST}/neondb?sslmode=require",
        ["backend.password_encoded"],
        id="raw-password-space-percent",
    ),
    pytest.param(
        f"postgresql://neondb_owner:npg_Ab12Cd34@{NEON_HOST}/neondb",
        NEON,
        ["backend.sslmode_added"],
        id="neon-sslmode-added",
    ),
    pytest.param(
        f"postgresql://neondb_owner:npg_Ab12Cd34@{NEON_HOST}/neondb?sslmode=required"
        "&pgbouncer=true&connection_limit=1",
        NEON,
        ["backend.param_removed", "backend.param_removed", "backend.sslmode_changed"],
        id="prisma-params-and-sslmode-typo",
    ),
    pytest.param(
        "postgresql://mlflow:mlflow@localhost:5432/mlflow?sslmode=maybe",
        None,
        ["backend.sslmode_invalid"],
        id="sslmode-invalid-elsewhere",
    ),
    pytest.param(
        "postgres://mlflow:password@localhost/mlflow",
        "postgresql://mlflow:password@localhost/mlflow",
        ["backend.scheme_rewritten"],
        id="local-weak-password-is-real",
    ),
    pytest.param(
        f"neondb_owner:npg_Ab12Cd34@{NEON_HOST}/neondb?sslmode=require",
        NEON,
        ["backend.scheme_added"],
        id="scheme-missing",
    ),
    pytest.param(
        NEON[:40] + "\n" + NEON[40:90] + "\n" + NEON[90:],
        NEON,
        ["paste.lines_joined"],
        id="terminal-wrapped",
    ),
    pytest.param("\u200b" + NEON + "\ufeff", NEON, ["paste.invisible_removed"], id="zero-width"),
    pytest.param(
        NEON.replace("npg_Ab12Cd34", "<password>"),
        None,
        ["backend.password_placeholder"],
        id="placeholder-angle",
    ),
    pytest.param(
        NEON.replace("npg_Ab12Cd34", "MON_MDP"),
        None,
        ["backend.password_placeholder"],
        id="placeholder-mon-mdp",
    ),
    pytest.param(
        NEON.replace("npg_Ab12Cd34", "************"),
        None,
        ["backend.password_placeholder"],
        id="placeholder-masked",
    ),
    pytest.param(
        NEON.replace("npg_Ab12Cd34", "[YOUR-PASSWORD]"),
        None,
        ["backend.password_placeholder"],
        id="placeholder-brackets",
    ),
    pytest.param(
        NEON.replace("npg_Ab12Cd34", "$PGPASSWORD"),
        None,
        ["backend.password_placeholder"],
        id="placeholder-variable",
    ),
    pytest.param(
        f"postgresql://neondb_owner@{NEON_HOST}/neondb?sslmode=require",
        None,
        ["backend.no_password"],
        id="neon-without-password",
    ),
    pytest.param(
        f"postgresql://:npg_Ab12Cd34@{NEON_HOST}/neondb?sslmode=require",
        None,
        ["backend.no_user"],
        id="neon-without-user",
    ),
    pytest.param(
        f"postgresql://neondb_owner:npg_Ab12Cd34@{NEON_HOST}?sslmode=require",
        None,
        ["backend.no_database"],
        id="neon-without-database",
    ),
    pytest.param("sqlite:///mlflow.db", None, ["backend.scheme"], id="sqlite"),
    pytest.param("mysql+pymysql://u:p@db.example.com/mlflow", None, ["backend.scheme"], id="mysql"),
    pytest.param(
        "https://console.neon.tech/app/projects/shiny-sun-123456",
        None,
        ["backend.console_url"],
        id="neon-console-url",
    ),
    pytest.param(
        "https://huggingface.co/spaces/me/mlflow", None, ["backend.scheme"], id="other-web-address"
    ),
    pytest.param("postgresql:///neondb", None, ["backend.no_host"], id="no-host"),
    pytest.param(
        "postgresql://u:p@<host>/db", None, ["backend.host_invalid"], id="host-placeholder"
    ),
    pytest.param(
        f"postgresql://u:p@{NEON_HOST}:54x32/neondb?sslmode=require",
        None,
        ["backend.port_invalid"],
        id="port-typo",
    ),
    pytest.param(
        "postgresql://u:p@db.example.com:99999/mlflow",
        None,
        ["backend.port_invalid"],
        id="port-out-of-range",
    ),
    pytest.param("npg_Ab12Cd34", None, ["backend.unparseable"], id="password-alone"),
    pytest.param("host=", None, ["backend.no_host", "backend.assembled"], id="keywords-empty-host"),
    pytest.param("   \n\t ", None, ["paste.empty"], id="blank"),
    pytest.param("postgresql://u:p@h\x00ost/db", None, ["paste.control_characters"], id="nul"),
    pytest.param(
        "postgresql://u:p%00@db.example.com/d", None, ["paste.control_characters"], id="encoded-nul"
    ),
]


@pytest.mark.parametrize(("text", "expected", "expected_codes"), BACKEND_CASES)
def test_backend_uri_table(text, expected, expected_codes):
    result = check(clean_backend_uri(text))
    assert result.value == expected
    assert codes(result) == sorted(expected_codes)


def test_backend_scheme_problem_names_the_scheme():
    result = clean_backend_uri("sqlite:///mlflow.db")
    assert result.problems[0].params["scheme"] == "sqlite"
    assert "sqlite://" in result.problems[0].message("en")
    assert "BACKEND_STORE_URI" in result.problems[0].message("fr")


TRICKY_PASSWORDS = ["p@ss:w/rd#1", "a b", "%", "50%off", "x?y=z&w", "é@ü/ß", "a@b.c@d", "::@@//"]


@pytest.mark.parametrize("password", TRICKY_PASSWORDS)
def test_raw_password_round_trips_through_libpq_and_sqlalchemy(password):
    pasted = f"postgresql://neondb_owner:{password}@{NEON_HOST}/neondb?sslmode=require"
    result = check(clean_backend_uri(pasted))
    assert result.value is not None
    assert conninfo_to_dict(result.value)["password"] == password
    assert conninfo_to_dict(result.value)["host"] == NEON_HOST
    assert make_url(result.value).password == password
    assert make_url(sqlalchemy_uri(result.value)).password == password
    if len(password) >= 4:  # shorter ones appear in any text
        assert password not in rendered(result)


def test_libpq_parameters_are_kept():
    pasted = (
        f"postgresql://neondb_owner:npg_Ab12Cd34@{NEON_HOST}/neondb?sslmode=require"
        "&channel_binding=require&options=endpoint%3Dep-cool-darkness-123456&connect_timeout=5"
    )
    result = check(clean_backend_uri(pasted))
    assert result.value == pasted
    parsed = conninfo_to_dict(result.value)
    assert parsed["options"] == "endpoint=ep-cool-darkness-123456"
    assert parsed["channel_binding"] == "require"
    assert parsed["connect_timeout"] == "5"


def test_raw_equals_sign_in_options_is_encoded():
    pasted = f"{NEON}&options=endpoint=ep-cool-darkness-123456"
    result = check(clean_backend_uri(pasted))
    assert conninfo_to_dict(result.value)["options"] == "endpoint=ep-cool-darkness-123456"


def test_describe_backend_gives_only_public_facts():
    uri = NEON.replace(NEON_HOST, POOLED_HOST)
    assert describe_backend(uri) == {
        "host": POOLED_HOST,
        "port": "5432",
        "database": "neondb",
        "user": "neondb_owner",
        "sslmode": "require",
        "pooled": "yes",
        "neon": "yes",
    }
    local = describe_backend("postgres://mlflow:secretpw@localhost:6432/mlflow")
    assert local["pooled"] == "no"
    assert local["neon"] == "no"
    assert local["port"] == "6432"
    assert "secretpw" not in repr(local)
    assert describe_backend("not a uri") == {}
    assert describe_backend("x" * 2_000_000) == {}


# ---------------------------------------------------------------------------------------
# S3 location
# ---------------------------------------------------------------------------------------

S3_CASES = [
    # (pasted, (bucket, prefix, region) or None, codes)
    pytest.param(
        "s3://my-bucket/mlflow-artifacts",
        ("my-bucket", "mlflow-artifacts", None),
        [],
        id="canonical",
    ),
    pytest.param(
        "s3://my-bucket/mlflow-artifacts/",
        ("my-bucket", "mlflow-artifacts", None),
        [],
        id="trailing-slash",
    ),
    pytest.param(
        "my-bucket/mlflow", ("my-bucket", "mlflow", None), ["s3path.scheme_added"], id="no-scheme"
    ),
    pytest.param(
        "s3a://my-bucket/x", ("my-bucket", "x", None), ["s3path.scheme_rewritten"], id="s3a"
    ),
    pytest.param(
        "s3n://my-bucket/x", ("my-bucket", "x", None), ["s3path.scheme_rewritten"], id="s3n"
    ),
    pytest.param(
        "S3://my-bucket/x", ("my-bucket", "x", None), ["s3path.scheme_rewritten"], id="upper-scheme"
    ),
    pytest.param(
        "s3:/my-bucket/x", ("my-bucket", "x", None), ["s3path.scheme_rewritten"], id="one-slash"
    ),
    pytest.param(
        " 's3://my-bucket/x' ", ("my-bucket", "x", None), ["paste.quotes_removed"], id="quotes"
    ),
    pytest.param(
        "ARTIFACT_ROOT=s3://my-bucket/x",
        ("my-bucket", "x", None),
        ["paste.variable_name_removed"],
        id="env-line",
    ),
    pytest.param(
        "--artifacts-destination s3://my-bucket/x",
        ("my-bucket", "x", None),
        ["paste.text_removed"],
        id="command-flag",
    ),
    pytest.param(
        "https://my-bucket.s3.eu-west-3.amazonaws.com/mlflow/runs",
        ("my-bucket", "mlflow/runs", "eu-west-3"),
        ["s3path.from_url", "s3path.region_found"],
        id="virtual-hosted-region",
    ),
    pytest.param(
        "https://my-bucket.s3.amazonaws.com/mlflow",
        ("my-bucket", "mlflow", None),
        ["s3path.from_url"],
        id="virtual-hosted-global",
    ),
    pytest.param(
        "https://s3.eu-west-3.amazonaws.com/my-bucket/mlflow",
        ("my-bucket", "mlflow", "eu-west-3"),
        ["s3path.from_url", "s3path.region_found"],
        id="path-style-region",
    ),
    pytest.param(
        "https://s3-eu-west-1.amazonaws.com/my-bucket/mlflow",
        ("my-bucket", "mlflow", "eu-west-1"),
        ["s3path.from_url", "s3path.region_found"],
        id="path-style-dash-region",
    ),
    pytest.param(
        "https://eu-west-3.console.aws.amazon.com/s3/buckets/my-bucket?region=eu-west-3"
        "&bucketType=general&prefix=mlflow%2Fartifacts%2F&showversions=false",
        ("my-bucket", "mlflow/artifacts", "eu-west-3"),
        ["s3path.from_console", "s3path.region_found"],
        id="console-url-encoded-prefix",
    ),
    pytest.param(
        "https://s3.console.aws.amazon.com/s3/buckets/my-bucket?region=eu-central-1&prefix=exp/"
        "&tab=objects",
        ("my-bucket", "exp", "eu-central-1"),
        ["s3path.from_console", "s3path.region_found"],
        id="console-global-host",
    ),
    pytest.param(
        "https://eu-west-3.console.aws.amazon.com/s3/object/my-bucket?region=eu-west-3"
        "&prefix=mlflow/model.pkl",
        ("my-bucket", "mlflow", "eu-west-3"),
        ["s3path.from_console", "s3path.object_folder", "s3path.region_found"],
        id="console-object-page",
    ),
    pytest.param(
        "https://eu-west-3.console.aws.amazon.com/s3/home?region=eu-west-3",
        None,
        ["s3path.console_no_bucket"],
        id="console-home",
    ),
    pytest.param(
        "arn:aws:s3:::my-bucket/mlflow",
        ("my-bucket", "mlflow", None),
        ["s3path.from_arn"],
        id="arn",
    ),
    pytest.param(
        "arn:aws:s3:eu-west-3:123456789012:accesspoint/ap",
        None,
        ["s3path.arn_unsupported"],
        id="access-point-arn",
    ),
    pytest.param(
        "s3://my-bucket//mlflow///runs",
        ("my-bucket", "mlflow/runs", None),
        ["s3path.prefix_normalised"],
        id="double-slashes",
    ),
    pytest.param("s3://my-bucket", ("my-bucket", "", None), ["s3path.no_prefix"], id="no-prefix"),
    pytest.param(
        "s3://AKIA2OGY:sekret@my-bucket/x",
        ("my-bucket", "x", None),
        ["s3path.credentials_removed"],
        id="credentials-in-uri",
    ),
    pytest.param("s3://", None, ["s3path.no_bucket"], id="no-bucket"),
    pytest.param("s3://ab/x", None, ["s3path.bucket_length"], id="bucket-too-short"),
    pytest.param("s3://" + "a" * 64 + "/x", None, ["s3path.bucket_length"], id="bucket-too-long"),
    pytest.param("s3://My-Bucket/x", None, ["s3path.bucket_uppercase"], id="bucket-uppercase"),
    pytest.param("s3://my_bucket/x", None, ["s3path.bucket_underscore"], id="bucket-underscore"),
    pytest.param("s3://my bucket/x", None, ["s3path.bucket_characters"], id="bucket-space"),
    pytest.param("s3://-my-bucket/x", None, ["s3path.bucket_edges"], id="bucket-edge"),
    pytest.param("s3://my..bucket/x", None, ["s3path.bucket_double_dot"], id="bucket-dots"),
    pytest.param("s3://192.168.5.4/x", None, ["s3path.bucket_ip"], id="bucket-ip"),
    pytest.param("s3://xn--bucket/x", None, ["s3path.bucket_reserved_prefix"], id="bucket-xn"),
    pytest.param(
        "s3://sthree-bucket/x", None, ["s3path.bucket_reserved_prefix"], id="bucket-sthree"
    ),
    pytest.param(
        "s3://bucket-s3alias/x", None, ["s3path.bucket_reserved_suffix"], id="bucket-s3alias"
    ),
    pytest.param(
        "s3://bucket--ol-s3/x", None, ["s3path.bucket_reserved_suffix"], id="bucket-ol-s3"
    ),
    pytest.param("gs://my-bucket/x", None, ["s3path.scheme"], id="gcs"),
    pytest.param("./mlruns", None, ["s3path.local_path"], id="local-relative"),
    pytest.param("C:\\Users\\me\\mlruns", None, ["s3path.local_path"], id="local-windows"),
    pytest.param("https://example.com/my-bucket", None, ["s3path.not_s3_url"], id="other-url"),
    pytest.param("https://[::1/x", None, ["s3path.unparseable"], id="broken-url"),
    pytest.param(
        "https://eu-west-3.console.aws.amazon.com/s3/buckets/my-bucket?prefix=a%0Ab",
        None,
        ["s3path.from_console", "s3path.prefix_invalid", "s3path.region_found"],
        id="console-prefix-control-character",
    ),
]


@pytest.mark.parametrize(("text", "expected", "expected_codes"), S3_CASES)
def test_s3_location_table(text, expected, expected_codes):
    result = check(clean_s3_location(text))
    assert codes(result) == sorted(expected_codes)
    if expected is None:
        assert result.value is None
    else:
        assert result.value == S3Location(*expected)
        uri = f"s3://{expected[0]}/{expected[1]}" if expected[1] else f"s3://{expected[0]}"
        assert result.value.uri == uri


def test_bucket_fixes_suggest_a_name():
    upper = clean_s3_location("s3://My_Bucket/x")
    assert codes(upper) == ["s3path.bucket_underscore", "s3path.bucket_uppercase"]
    assert all("my-bucket" in d.fix("en") for d in upper.problems)
    assert "mlflow-artifacts" in clean_s3_location("s3://my-bucket").changes[0].fix("fr")


def test_region_found_in_the_location_is_a_known_code():
    result = clean_s3_location("https://eu-west-3.console.aws.amazon.com/s3/buckets/b-1?region=x")
    assert result.value == S3Location("b-1", "", "eu-west-3")


# ---------------------------------------------------------------------------------------
# Region
# ---------------------------------------------------------------------------------------

REGION_CASES = [
    pytest.param("eu-west-3", "eu-west-3", [], id="code"),
    pytest.param("  eu-west-3\n", "eu-west-3", [], id="spaces"),
    pytest.param("EU-WEST-3", "eu-west-3", ["region.normalised"], id="upper"),
    pytest.param("eu_west_3", "eu-west-3", ["region.normalised"], id="underscores"),
    pytest.param("eu west 3", "eu-west-3", ["region.normalised"], id="spaces-inside"),
    pytest.param('"eu-west-3"', "eu-west-3", ["paste.quotes_removed"], id="quoted"),
    pytest.param(
        "AWS_DEFAULT_REGION=eu-west-1", "eu-west-1", ["paste.variable_name_removed"], id="env-line"
    ),
    pytest.param("eu-west-3a", "eu-west-3", ["region.zone_trimmed"], id="zone"),
    pytest.param("us-gov-west-1", "us-gov-west-1", [], id="govcloud"),
    pytest.param(
        "Europe (Paris) eu-west-3", "eu-west-3", ["region.from_label"], id="console-label-with-code"
    ),
    pytest.param("Europe (Paris)", "eu-west-3", ["region.from_label"], id="console-label"),
    pytest.param("EU (Paris)", "eu-west-3", ["region.from_label"], id="old-label"),
    pytest.param("Paris", "eu-west-3", ["region.from_label"], id="city"),
    pytest.param("Francfort", "eu-central-1", ["region.from_label"], id="french-city"),
    pytest.param("Europe (Irlande)", "eu-west-1", ["region.from_label"], id="french-label"),
    pytest.param("US East (N. Virginia)", "us-east-1", ["region.from_label"], id="virginia"),
    pytest.param("USA Est (Virginie du Nord)", "us-east-1", ["region.from_label"], id="virginie"),
    pytest.param("Canada (Central)", "ca-central-1", ["region.from_label"], id="canada"),
    pytest.param("South America (São Paulo)", "sa-east-1", ["region.from_label"], id="accents"),
    pytest.param("Europe", None, ["region.ambiguous"], id="area-only"),
    pytest.param("US East", None, ["region.ambiguous"], id="us-east-area"),
    pytest.param("Central", None, ["region.ambiguous"], id="central"),
    pytest.param("eu-west-3 or eu-west-1", None, ["region.ambiguous"], id="two-codes"),
    pytest.param("eu-west-9", "eu-west-9", ["region.unknown"], id="unknown-code"),
    pytest.param("xx-west-1", None, ["region.invalid"], id="unknown-area"),
    pytest.param("Mars", None, ["region.invalid"], id="nonsense"),
    pytest.param("", None, ["paste.empty"], id="empty"),
]


@pytest.mark.parametrize(("text", "expected", "expected_codes"), REGION_CASES)
def test_region_table(text, expected, expected_codes):
    result = check(clean_region(text))
    assert result.value == expected
    assert codes(result) == sorted(expected_codes)


def test_invalid_region_fix_lists_real_regions():
    fix = clean_region("Mars").problems[0].fix("en")
    for code in ("eu-west-1", "eu-west-3", "eu-central-1", "us-east-1"):
        assert code in fix


def test_region_table_is_consistent():
    assert len({r.code for r in REGIONS}) == len(REGIONS)
    for region in REGIONS:
        assert clean_region(region.code).value == region.code
        assert clean_region(region.code.upper()).value == region.code


# ---------------------------------------------------------------------------------------
# AWS keys
# ---------------------------------------------------------------------------------------

KEY_CASES = [
    # (id field, secret field, (key id, secret) or None, codes)
    pytest.param(KEY_ID, SECRET, (KEY_ID, SECRET), [], id="clean"),
    pytest.param(
        f' "{KEY_ID}"\n',
        f"\t{SECRET} ",
        (KEY_ID, SECRET),
        ["paste.quotes_removed"],
        id="quotes-spaces-around",
    ),
    pytest.param(
        KEY_ID,
        f"{SECRET[:20]}\n{SECRET[20:]}",
        (KEY_ID, SECRET),
        ["awskey.whitespace_removed"],
        id="secret-wrapped",
    ),
    pytest.param(
        KEY_ID.lower(), SECRET, (KEY_ID, SECRET), ["awskey.id_uppercased"], id="lowercased-id"
    ),
    pytest.param(SECRET, KEY_ID, (KEY_ID, SECRET), ["awskey.swapped"], id="swapped"),
    pytest.param(
        f"Access key ID,Secret access key\n{KEY_ID},{SECRET}\n",
        "",
        (KEY_ID, SECRET),
        ["awskey.from_csv"],
        id="csv-in-id-field",
    ),
    pytest.param(
        "",
        f"\ufeffUser name,Password,Access key ID,Secret access key,Console login link\n"
        f"bob,P,a,ss,{KEY_ID},{SECRET},https://123.signin.aws.amazon.com/console\n",
        (KEY_ID, SECRET),
        ["awskey.from_csv", "paste.invisible_removed"],
        id="credentials-csv-with-comma-in-password",
    ),
    pytest.param(
        f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n",
        "",
        (KEY_ID, SECRET),
        ["awskey.from_variables"],
        id="env-lines",
    ),
    pytest.param(
        f"export AWS_ACCESS_KEY_ID={KEY_ID}",
        f"AWS_SECRET_ACCESS_KEY='{SECRET}'",
        (KEY_ID, SECRET),
        ["awskey.from_variables", "awskey.from_variables"],
        id="one-line-each",
    ),
    pytest.param(
        "",
        f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}",
        (KEY_ID, SECRET),
        ["awskey.from_variables"],
        id="credentials-file",
    ),
    pytest.param(
        f'{{"AccessKey": {{"UserName": "bob", "AccessKeyId": "{KEY_ID}", "Status": "Active", '
        f'"SecretAccessKey": "{SECRET}"}}}}',
        "",
        (KEY_ID, SECRET),
        ["awskey.from_variables"],
        id="cli-json",
    ),
    pytest.param(
        f"{KEY_ID} {SECRET}",
        "",
        (KEY_ID, SECRET),
        ["awskey.both_in_one_field"],
        id="pair-in-one-field",
    ),
    pytest.param(
        "",
        f"{KEY_ID}\t{SECRET}",
        (KEY_ID, SECRET),
        ["awskey.both_in_one_field"],
        id="console-row-tab-separated",
    ),
    pytest.param(
        f"Access key ID: {KEY_ID}\nSecret access key: {SECRET}",
        "",
        (KEY_ID, SECRET),
        ["awskey.from_variables"],
        id="console-labels",
    ),
    pytest.param(
        f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY=",
        SECRET,
        (KEY_ID, SECRET),
        ["awskey.from_variables"],
        id="empty-value-in-block-falls-back",
    ),
    pytest.param(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        None,
        ["awskey.example"],
        id="aws-docs-example",
    ),
    pytest.param(
        KEY_ID,
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        None,
        ["awskey.example"],
        id="aws-docs-example-secret",
    ),
    pytest.param(
        "ASIAFAKE2OGYBAH6TQ3Z",
        SECRET,
        ("ASIAFAKE2OGYBAH6TQ3Z", SECRET),
        ["awskey.temporary"],
        id="temporary",
    ),
    pytest.param(
        "AWS_ACCESS_KEY_ID=ASIAFAKE2OGYBAH6TQ3Z\nAWS_SESSION_TOKEN=IQoJb3JpZ2lu",
        SECRET,
        ("ASIAFAKE2OGYBAH6TQ3Z", SECRET),
        ["awskey.from_variables", "awskey.temporary"],
        id="session-token-pasted",
    ),
    pytest.param("AIDA2OGYBAH6TQ3ZJ5XK", SECRET, None, ["awskey.user_id"], id="iam-user-id"),
    pytest.param("XKIA2OGYBAH6TQ3ZJ5XK", SECRET, None, ["awskey.id_prefix"], id="wrong-prefix"),
    pytest.param("AKIA2OGYBAH6", SECRET, None, ["awskey.id_length"], id="id-too-short"),
    pytest.param(
        "AKIA2OGYBAH6TQ3ZJ5X-", SECRET, None, ["awskey.id_characters"], id="id-characters"
    ),
    pytest.param(KEY_ID, SECRET[:30], None, ["awskey.secret_length"], id="secret-short"),
    pytest.param(KEY_ID, "*" * 40, None, ["awskey.secret_characters"], id="secret-masked"),
    pytest.param(KEY_ID, SECRET[:39] + "é", None, ["awskey.secret_characters"], id="secret-accent"),
    pytest.param(SECRET, SECRET.swapcase(), None, ["awskey.id_is_secret"], id="two-secrets"),
    pytest.param(KEY_ID, "AKIAFAKE2OGYBAH6TQ3A", None, ["awskey.secret_is_id"], id="two-ids"),
    pytest.param(KEY_ID, KEY_ID, None, ["awskey.same_value"], id="same-value"),
    pytest.param("", SECRET, None, ["paste.empty"], id="empty-id"),
    pytest.param("", "", None, ["paste.empty", "paste.empty"], id="both-empty"),
]


@pytest.mark.parametrize(("key_id", "secret", "expected", "expected_codes"), KEY_CASES)
def test_aws_keys_table(key_id, secret, expected, expected_codes):
    result = check(clean_aws_keys(key_id, secret))
    assert codes(result) == sorted(expected_codes)
    if expected is None:
        assert result.value is None
    else:
        assert result.value == AwsKeys(*expected)
    assert SECRET not in rendered(result)
    assert SECRET[:20] not in rendered(result)


def test_empty_problems_name_their_field():
    result = clean_aws_keys("", "")
    assert [d.params["field"] for d in result.problems] == [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ]


def test_aws_keys_repr_masks_the_secret():
    keys = AwsKeys(KEY_ID, SECRET)
    for text in (repr(keys), str(keys), repr(Cleaned(keys)), f"{keys}"):
        assert SECRET not in text
        assert KEY_ID not in text
        assert "AKIA" in text


def test_example_keys_say_so_in_both_languages():
    result = clean_aws_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    assert "documentation AWS" in result.problems[0].message("fr")
    assert "AWS documentation" in result.problems[0].message("en")


# ---------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------

PREFIXES = ("paste.", "backend.", "s3path.", "region.", "awskey.")
SOURCE = Path(paste_module.__file__).read_text()


def test_every_code_in_the_source_is_catalogued_and_every_entry_used():
    used = set(re.findall(r'"((?:paste|backend|s3path|region|awskey)\.[a-z0-9_]+)"', SOURCE))
    ours = {e.code for e in paste_catalogue.ENTRIES}
    assert used - ours <= SHARED_CODES
    assert ours - used == set()
    assert all(code in CATALOGUE for code in used)


def test_catalogue_entries_are_ours_alone_and_complete():
    ours = [e.code for e in paste_catalogue.ENTRIES]
    assert len(ours) == len(set(ours))
    others = {e.code for area in AREAS if area is not paste_catalogue for e in area.ENTRIES}
    assert not set(ours) & others, "a paste code is defined twice"
    for item in paste_catalogue.ENTRIES:
        assert item.code.startswith(PREFIXES)
        for language in LANGUAGES:
            assert item.message[language].strip()
        assert bool(item.fix["fr"]) == bool(item.fix["en"])


def test_table_cases_cover_every_catalogue_entry():
    seen: set[str] = set()
    for case in BACKEND_CASES:
        seen.update(codes(clean_backend_uri(case.values[0])))
    for case in S3_CASES:
        seen.update(codes(clean_s3_location(case.values[0])))
    for case in REGION_CASES:
        seen.update(codes(clean_region(case.values[0])))
    for case in KEY_CASES:
        seen.update(codes(clean_aws_keys(case.values[0], case.values[1])))
    seen.update(codes(clean_region("x" * (MAX_PASTE_CHARS + 1))))
    missing = {e.code for e in paste_catalogue.ENTRIES} - seen - {"paste.unexpected"}
    assert not missing


def test_a_crashing_cleaner_becomes_a_diagnosis(monkeypatch):
    def boom(notes, text):
        raise RuntimeError("bug")

    monkeypatch.setattr(paste_module, "_clean_region", boom)
    result = clean_region("eu-west-3")
    assert result.value is None
    assert codes(result) == ["paste.unexpected"]
    rendered(result)


# ---------------------------------------------------------------------------------------
# Size and time
# ---------------------------------------------------------------------------------------

ONE_MB = "x" * 1_000_000


@pytest.mark.parametrize(
    "call",
    [
        lambda text: clean_backend_uri(text),
        lambda text: clean_s3_location(text),
        lambda text: clean_region(text),
        lambda text: clean_aws_keys(text, SECRET),
        lambda text: clean_aws_keys(KEY_ID, text),
    ],
    ids=["backend", "s3", "region", "key-id", "secret"],
)
@pytest.mark.parametrize("text", [ONE_MB, "postgresql://" + "@" * 1_000_000, "\x00" * 1_000_000])
def test_a_megabyte_is_refused_quickly(call, text):
    started = time.perf_counter()
    result = check(call(text))
    assert time.perf_counter() - started < 1.0
    assert "paste.too_long" in codes(result)


# Inputs just under the cap, shaped to hit every loop and regular expression's worst case.
ADVERSARIAL = [
    "@" * MAX_PASTE_CHARS,
    "postgresql://" + "a@" * ((MAX_PASTE_CHARS - 13) // 2),
    "postgresql://u:" + "@a" * ((MAX_PASTE_CHARS - 15) // 2),
    "postgresql://" + "a" * (MAX_PASTE_CHARS - 14) + "@",
    "postgresql://h/d?" + "a=b&" * ((MAX_PASTE_CHARS - 17) // 4),
    "://" * (MAX_PASTE_CHARS // 3),
    "a" * (MAX_PASTE_CHARS - 4) + "://x",
    "A=" * (MAX_PASTE_CHARS // 2),
    "host=" + " " * (MAX_PASTE_CHARS - 5),
    "host='" + "\\'" * ((MAX_PASTE_CHARS - 6) // 2),
    "\n".join(["PGHOST=h"] * (MAX_PASTE_CHARS // 9)),
    "s3://" + "/" * (MAX_PASTE_CHARS - 5),
    "s3://" + "a." * ((MAX_PASTE_CHARS - 5) // 2),
    "https://" + "s3." * ((MAX_PASTE_CHARS - 30) // 3) + "amazonaws.com/",
    "aa-" + "a" * (MAX_PASTE_CHARS - 3),
    "eu-" * (MAX_PASTE_CHARS // 3),
    "(" * (MAX_PASTE_CHARS // 2) + ")" * (MAX_PASTE_CHARS // 2),
    "accesskeyid" + " " * (MAX_PASTE_CHARS - 11),
    "aws_access_key_id=" * (MAX_PASTE_CHARS // 18),
    "Access key ID,Secret access key\n" + "," * (MAX_PASTE_CHARS - 40),
    "\u200b" * MAX_PASTE_CHARS,
    "é" * MAX_PASTE_CHARS,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_worst_cases_under_the_cap_stay_fast(text):
    assert len(text) <= MAX_PASTE_CHARS
    started = time.perf_counter()
    check(clean_backend_uri(text))
    check(clean_s3_location(text))
    check(clean_region(text))
    check(clean_aws_keys(text, text))
    check(clean_aws_keys(KEY_ID, text))
    assert time.perf_counter() - started < 1.0


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------

ALL_CATEGORIES = [
    "Cc", "Cf", "Cs", "Co", "Cn", "Ll", "Lu", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl",
    "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp",
]  # fmt: skip
ANY_CHAR = st.characters(categories=ALL_CATEGORIES)
# Characters that matter to the parsers, over-represented so splices hit them often.
SYNTAX = st.sampled_from(list("@:/?#%&=;,'\"`“”«» \t\n\r\x00\u200b\ufeff\\[]<>*$.-_+AKIAasia"))
ANY_TEXT = st.text(st.one_of(ANY_CHAR, SYNTAX), max_size=60)
# No example database: the suite must not write into the working tree.
PROPERTY = settings(
    max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@st.composite
def spliced(draw, bases):
    """A valid paste with random text inserted (and sometimes a slice cut out)."""
    text = draw(st.sampled_from(bases))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(text)))
        text = text[:position] + draw(ANY_TEXT) + text[position:]
    if draw(st.booleans()):
        start = draw(st.integers(0, len(text)))
        text = text[:start] + text[start + draw(st.integers(0, 8)) :]
    return text


CANARY_PASSWORD = "CANARYpw123"
CANARY_SECRET = "CANARYsecret/KEY+0123456789abcdefghijkl"
assert len(CANARY_SECRET) == 39
CANARY_SECRET += "m"

BACKEND_BASES = [
    NEON_CB,
    f"postgresql://neondb_owner:{CANARY_PASSWORD}@{NEON_HOST}/neondb?sslmode=require",
    f"psql 'postgresql://neondb_owner:{CANARY_PASSWORD}@{POOLED_HOST}/neondb?sslmode=require'",
    f"postgres://u:{CANARY_PASSWORD}@localhost:5432/mlflow",
    f"postgresql+psycopg://u:p@ss:{CANARY_PASSWORD}#1@{NEON_HOST}/neondb",
    f"jdbc:postgresql://{NEON_HOST}/neondb?user=u&password={CANARY_PASSWORD}&ssl=true",
    f"DATABASE_URL=postgresql://u:{CANARY_PASSWORD}@{NEON_HOST}/neondb\nPGHOST={NEON_HOST}",
    f"PGHOST='{NEON_HOST}'\nPGDATABASE='neondb'\nPGUSER='u'\nPGPASSWORD='{CANARY_PASSWORD}'",
    f"host={NEON_HOST} dbname=neondb user=u password='{CANARY_PASSWORD}' sslmode=require",
    f"u:{CANARY_PASSWORD}@{NEON_HOST}/neondb",
]
S3_BASES = [
    "s3://my-bucket/mlflow-artifacts",
    "my-bucket/a/b",
    "https://my-bucket.s3.eu-west-3.amazonaws.com/mlflow",
    "https://s3-eu-west-1.amazonaws.com/my-bucket/p",
    "https://eu-west-3.console.aws.amazon.com/s3/buckets/my-bucket?region=eu-west-3&prefix=a%2F",
    "https://s3.console.aws.amazon.com/s3/object/my-bucket?region=eu-west-3&prefix=a/b.txt",
    "arn:aws:s3:::my-bucket/p",
    "s3://AKIAFAKE2OGYBAH6TQ3Z:secret@my-bucket/p",
]
# Keys written into the address: whatever follows them, they are never shown. (Text spliced
# *into* them makes them the bucket or folder the student typed, which is shown.)
S3_WITH_KEYS = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from([f"s3://AKIAFAKE2OGYBAH6TQ3Z:{CANARY_SECRET}@", f"s3://{CANARY_SECRET}@"]),
    spliced(["my-bucket/p", "b", "", "My_Bucket//x"]),
)
REGION_BASES = ["eu-west-3", "Europe (Paris) eu-west-3", "EU (Paris)", "eu-west-3a", "Paris"]
KEY_BASES = [
    KEY_ID,
    CANARY_SECRET,
    f"Access key ID,Secret access key\n{KEY_ID},{CANARY_SECRET}\n",
    f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={CANARY_SECRET}",
    f"{KEY_ID} {CANARY_SECRET}",
]


@PROPERTY
@given(st.one_of(st.text(ANY_CHAR), ANY_TEXT, spliced(BACKEND_BASES)))
def test_backend_never_raises_nor_leaks(text):
    result = check(clean_backend_uri(text))
    assert CANARY_PASSWORD not in rendered(result)
    assert CANARY_PASSWORD not in repr(describe_backend(text).get("host", ""))
    if result.value is not None:
        # What comes out is what libpq, SQLAlchemy and the server take, and is a fixed point.
        conninfo_to_dict(result.value)
        sqlalchemy_uri(result.value)
        again = check(clean_backend_uri(result.value))
        assert again.value == result.value
        assert again.changes == ()


@PROPERTY
@given(st.one_of(st.text(ANY_CHAR), ANY_TEXT, spliced(S3_BASES), S3_WITH_KEYS))
def test_s3_never_raises_nor_leaks(text):
    result = check(clean_s3_location(text))
    assert CANARY_SECRET not in rendered(result)
    if result.value is not None:
        again = check(clean_s3_location(result.value.uri))
        assert again.value is not None
        assert (again.value.bucket, again.value.prefix) == (
            result.value.bucket,
            result.value.prefix,
        )


@PROPERTY
@given(st.one_of(st.text(ANY_CHAR), ANY_TEXT, spliced(REGION_BASES)))
def test_region_never_raises(text):
    result = check(clean_region(text))
    if result.value is not None:
        assert clean_region(result.value).value == result.value


@PROPERTY
@given(
    st.one_of(st.text(ANY_CHAR), ANY_TEXT, spliced(KEY_BASES)),
    st.one_of(st.text(ANY_CHAR), ANY_TEXT, spliced(KEY_BASES)),
)
def test_aws_keys_never_raise_nor_leak(key_id, secret):
    result = check(clean_aws_keys(key_id, secret))
    assert "CANARY" not in rendered(result)
    assert "CANARY" not in repr(result)
    if result.value is not None:
        again = check(clean_aws_keys(result.value.access_key_id, result.value.secret_access_key))
        assert again.value == result.value


PASSWORD_CHARS = st.one_of(
    st.characters(exclude_categories=["Cc", "Cs", "Cf", "Zs", "Zl", "Zp"]),
    st.sampled_from(list(" @:/?#%&=+'\"`[]<>*$")),
)


@PROPERTY
@given(st.text(PASSWORD_CHARS, min_size=1, max_size=40))
def test_any_raw_password_survives(password):
    password = "Q1" + password + "9"  # never a placeholder
    # A raw password that happens to read as percent-escapes is taken as already encoded.
    looks_encoded = all(c in paste_module._USERINFO_CHARS for c in password) and re.search(
        r"%[0-9A-Fa-f]{2}", password
    )
    pasted = f"postgresql://neondb_owner:{password}@{NEON_HOST}/neondb?sslmode=require"
    result = check(clean_backend_uri(pasted))
    if not looks_encoded:
        assert conninfo_to_dict(result.value)["password"] == password
        assert make_url(result.value).password == password
