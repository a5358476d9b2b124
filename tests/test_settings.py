"""Settings: seed names, aliases, .env files, and secrets that never show."""

from pathlib import Path

import pytest

from server import settings as names
from server.settings import SETTINGS, Settings

SEED = {
    "BACKEND_STORE_URI": "postgresql://u:CANARY-db-pass@ep-x.eu-central-1.aws.neon.tech/db",
    "ARTIFACT_ROOT": "s3://bucket/mlflow-artifacts",
    "AWS_ACCESS_KEY_ID": "AKIACANARYKEY0000000",
    "AWS_SECRET_ACCESS_KEY": "CANARY-secret-access-key-0000000000000000",
    "AWS_DEFAULT_REGION": "eu-west-3",
    "MLFLOW_TRACKING_USERNAME": "admin",
    "MLFLOW_TRACKING_PASSWORD": "CANARY-tracking-password",
}


def test_seed_names_are_read_from_the_environment():
    settings = Settings.load(SEED, env_file=None)
    assert dict(settings) == SEED
    assert settings.missing() == []
    assert settings.auth_enabled


def test_older_aliases_are_accepted():
    environ = {
        "MLFLOW_BACKEND_STORE_URI": SEED["BACKEND_STORE_URI"],
        "ARTIFACT_STORE_URI": SEED["ARTIFACT_ROOT"],
        "AWS_ACCESS_KEY_ID": SEED["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": SEED["AWS_SECRET_ACCESS_KEY"],
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "PORT": "8080",
    }
    settings = Settings.load(environ, env_file=None)
    assert settings[names.BACKEND_STORE_URI] == SEED["BACKEND_STORE_URI"]
    assert settings[names.ARTIFACT_ROOT] == SEED["ARTIFACT_ROOT"]
    assert settings[names.S3_ENDPOINT_URL] == "http://127.0.0.1:9000"
    assert settings.port == "8080"
    assert settings.sources[names.ARTIFACT_ROOT] == "ARTIFACT_STORE_URI"
    assert (
        Settings.load({"MLFLOW_ARTIFACTS_DESTINATION": "s3://b/p"}, None)[names.ARTIFACT_ROOT]
        == "s3://b/p"
    )


def test_canonical_name_wins_over_alias():
    settings = Settings.load({"ARTIFACT_ROOT": "s3://a/x", "ARTIFACT_STORE_URI": "s3://b/y"}, None)
    assert settings[names.ARTIFACT_ROOT] == "s3://a/x"


def test_env_file_fills_what_the_environment_lacks(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# written by the wizard\n"
        "BACKEND_STORE_URI='postgresql://u:p@h/d?sslmode=require'\n"
        "ARTIFACT_ROOT=s3://from-file/x\n"
    )
    settings = Settings.load({"ARTIFACT_ROOT": "s3://from-env/y"}, env_file)
    assert settings[names.BACKEND_STORE_URI] == "postgresql://u:p@h/d?sslmode=require"
    assert settings[names.ARTIFACT_ROOT] == "s3://from-env/y"
    assert settings.sources[names.BACKEND_STORE_URI] == f"{env_file}:BACKEND_STORE_URI"


def test_missing_env_file_is_fine(tmp_path: Path):
    assert len(Settings.load({}, tmp_path / "absent.env")) == 0


def test_empty_values_count_as_unset():
    settings = Settings.load({"BACKEND_STORE_URI": "   ", "ARTIFACT_ROOT": ""}, None)
    assert {s.name for s in settings.missing()} == {
        "BACKEND_STORE_URI",
        "ARTIFACT_ROOT",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    }


def test_pasted_whitespace_is_trimmed():
    settings = Settings.load({"AWS_DEFAULT_REGION": "  eu-west-3\n"}, None)
    assert settings[names.AWS_DEFAULT_REGION] == "eu-west-3"


@pytest.mark.parametrize("render", [repr, str, lambda s: str(s.public())])
def test_string_forms_never_show_a_secret(render):
    shown = render(Settings.load(SEED, env_file=None))
    assert "CANARY" not in shown
    assert "AKIACANARYKEY" not in shown
    assert "s3://bucket/mlflow-artifacts" in shown  # non-secret values stay readable
    assert "BACKEND_STORE_URI" in shown


def test_every_setting_is_described_in_both_languages():
    for setting in SETTINGS:
        assert setting.label_fr and setting.label_en and setting.help_fr and setting.help_en
    secret = {s.name for s in SETTINGS if s.secret}
    assert {"BACKEND_STORE_URI", "AWS_SECRET_ACCESS_KEY", "MLFLOW_TRACKING_PASSWORD"} <= secret


def test_min_password_length_is_mlflows():
    from mlflow.exceptions import MlflowException
    from mlflow.utils.validation import _validate_password

    _validate_password("x" * names.MIN_PASSWORD_LENGTH)
    with pytest.raises(MlflowException):
        _validate_password("x" * (names.MIN_PASSWORD_LENGTH - 1))
