"""The backend URI as MLflow's engines get it."""

from urllib.parse import parse_qs, urlsplit

import pytest

from server.database import BackendURIError, sqlalchemy_uri
from server.pooling import PLUGIN_NAME

NEON = (
    "postgresql://neondb_owner:p%40ss@ep-cool-1234-pooler.eu-central-1.aws.neon.tech/neondb"
    "?sslmode=require&channel_binding=require"
)


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg2"])
def test_driver_is_psycopg3(scheme):
    uri = sqlalchemy_uri(NEON.replace("postgresql", scheme, 1))
    assert uri.startswith("postgresql+psycopg://")


def test_libpq_parameters_kept_and_connect_bounded():
    parts = urlsplit(sqlalchemy_uri(NEON))
    query = parse_qs(parts.query)
    assert query["sslmode"] == ["require"]
    assert query["channel_binding"] == ["require"]
    assert query["connect_timeout"] == ["10"]
    assert query["plugin"] == [PLUGIN_NAME]
    assert parts.password == "p%40ss"  # still URL-encoded: the password survives the trip
    assert parts.hostname == "ep-cool-1234-pooler.eu-central-1.aws.neon.tech"


def test_student_connect_timeout_is_kept():
    assert "connect_timeout=3" in sqlalchemy_uri("postgresql://u:p@h/d?connect_timeout=3")


def test_plugin_parameter_is_consumed_by_sqlalchemy():
    from sqlalchemy import create_engine

    engine = create_engine(sqlalchemy_uri("postgresql://u:p@127.0.0.1:1/d"))
    assert "plugin" not in engine.url.query
    assert engine.url.query["connect_timeout"] == "10"


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("mysql://u:p@h/d", "backend.scheme"),
        ("sqlite:///mlflow.db", "backend.scheme"),
        ("not a uri", "backend.unparseable"),
        ("", "backend.unparseable"),
        ("postgresql:///dbname", "backend.no_host"),
    ],
)
def test_unusable_uris_name_their_problem_without_echoing(uri, code):
    with pytest.raises(BackendURIError) as caught:
        sqlalchemy_uri(uri)
    assert caught.value.code == code
    assert "p@h" not in str(caught.value)
