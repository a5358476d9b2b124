"""Every setting the product reads: its name, aliases, meaning, secrecy and source.

This is the only module that knows setting names. The canonical names are the ones
students already paste into their Space (the seed README); older templates used the
aliases, which keep working. Values come from the process environment first (Space
secrets and variables arrive there), then from a `.env` file when one exists (what the
wizard writes when it runs outside a Space).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

BACKEND_STORE_URI = "BACKEND_STORE_URI"
ARTIFACT_ROOT = "ARTIFACT_ROOT"
AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
AWS_DEFAULT_REGION = "AWS_DEFAULT_REGION"
MLFLOW_TRACKING_USERNAME = "MLFLOW_TRACKING_USERNAME"
MLFLOW_TRACKING_PASSWORD = "MLFLOW_TRACKING_PASSWORD"
S3_ENDPOINT_URL = "MLFLOW_S3_ENDPOINT_URL"
PORT = "PORT"
FLASK_SECRET_KEY = "MLFLOW_FLASK_SERVER_SECRET_KEY"

# What a student's client reads (MLflow's own variables), checked by `doctor --client`.
MLFLOW_TRACKING_URI = "MLFLOW_TRACKING_URI"
MLFLOW_TRACKING_TOKEN = "MLFLOW_TRACKING_TOKEN"
CLIENT_NAMES = (
    MLFLOW_TRACKING_URI,
    MLFLOW_TRACKING_USERNAME,
    MLFLOW_TRACKING_PASSWORD,
    MLFLOW_TRACKING_TOKEN,
)

# Injected by Hugging Face into every Space; absent everywhere else.
SPACE_ID = "SPACE_ID"
SPACE_HOST = "SPACE_HOST"
# A Space variable naming the original template Space: there the wizard collects nothing.
TEMPLATE_SPACE_ID = "TEMPLATE_SPACE_ID"
# huggingface_hub's own variable for another Hub (the tests' stand-in); unset on a Space.
HF_ENDPOINT = "HF_ENDPOINT"

DEFAULT_PORT = 7860
DEFAULT_ENV_FILE = Path(".env")

# MLflow's basic-auth app refuses shorter passwords (mlflow.utils.validation).
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class Setting:
    """One setting a student (or an operator) can give."""

    name: str
    secret: bool
    required: bool
    label_fr: str
    label_en: str
    help_fr: str
    help_en: str
    example: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name first, then the aliases, in the order they are looked up."""
        return (self.name, *self.aliases)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        name=BACKEND_STORE_URI,
        aliases=("MLFLOW_BACKEND_STORE_URI",),
        secret=True,  # it carries the database password
        required=True,
        label_fr="Base de données (URI Neon)",
        label_en="Database (Neon URI)",
        help_fr="L'URI PostgreSQL de votre base Neon, où MLflow range les runs, paramètres "
        "et métriques. Console Neon → Connect → copiez la chaîne de connexion.",
        help_en="The PostgreSQL URI of your Neon database, where MLflow keeps runs, params "
        "and metrics. Neon console → Connect → copy the connection string.",
        example="postgresql://neondb_owner:…@ep-xxx.eu-central-1.aws.neon.tech/neondb"
        "?sslmode=require",
    ),
    Setting(
        name=ARTIFACT_ROOT,
        aliases=("ARTIFACT_STORE_URI", "MLFLOW_ARTIFACTS_DESTINATION"),
        secret=False,
        required=True,
        label_fr="Dossier S3 des artefacts",
        label_en="S3 folder for artifacts",
        help_fr="Le bucket S3 (et un dossier) où MLflow range les modèles et fichiers.",
        help_en="The S3 bucket (and a folder) where MLflow keeps models and files.",
        example="s3://mon-bucket/mlflow-artifacts",
    ),
    Setting(
        name=AWS_ACCESS_KEY_ID,
        secret=True,
        required=True,
        label_fr="Clé d'accès AWS",
        label_en="AWS access key ID",
        help_fr="L'identifiant de la clé d'accès d'un utilisateur IAM qui peut écrire dans "
        "le bucket (20 caractères, commence par AKIA).",
        help_en="The access key ID of an IAM user allowed to write to the bucket "
        "(20 characters, starts with AKIA).",
        example="AKIA…",
    ),
    Setting(
        name=AWS_SECRET_ACCESS_KEY,
        secret=True,
        required=True,
        label_fr="Clé secrète AWS",
        label_en="AWS secret access key",
        help_fr="La clé secrète associée (40 caractères), affichée une seule fois par AWS.",
        help_en="The matching secret key (40 characters), shown only once by AWS.",
        example="…",
    ),
    Setting(
        name=AWS_DEFAULT_REGION,
        secret=False,
        required=False,
        label_fr="Région AWS du bucket",
        label_en="AWS region of the bucket",
        help_fr="La région du bucket, par exemple eu-west-3 (Paris).",
        help_en="The bucket's region, for example eu-west-3 (Paris).",
        example="eu-west-3",
    ),
    Setting(
        name=MLFLOW_TRACKING_USERNAME,
        secret=False,
        required=False,
        label_fr="Identifiant MLflow",
        label_en="MLflow username",
        help_fr="Active l'authentification MLflow : ce compte devient l'administrateur.",
        help_en="Turns MLflow authentication on: this account becomes the administrator.",
        example="admin",
    ),
    Setting(
        name=MLFLOW_TRACKING_PASSWORD,
        secret=True,
        required=False,
        label_fr="Mot de passe MLflow",
        label_en="MLflow password",
        help_fr=f"Le mot de passe de l'administrateur MLflow (au moins {MIN_PASSWORD_LENGTH} "
        "caractères).",
        help_en=f"The MLflow administrator's password (at least {MIN_PASSWORD_LENGTH} characters).",
        example="…",
    ),
    Setting(
        name=S3_ENDPOINT_URL,
        aliases=("AWS_ENDPOINT_URL",),
        secret=False,
        required=False,
        label_fr="Point d'accès S3 (optionnel)",
        label_en="S3 endpoint (optional)",
        help_fr="Seulement pour un stockage compatible S3 autre qu'AWS (MinIO, R2…).",
        help_en="Only for an S3-compatible store other than AWS (MinIO, R2…).",
        example="https://<account>.r2.cloudflarestorage.com",
    ),
    Setting(
        name=PORT,
        secret=False,
        required=False,
        label_fr="Port d'écoute",
        label_en="Listening port",
        help_fr=f"Le port du serveur ({DEFAULT_PORT} sur un Space).",
        help_en=f"The server's port ({DEFAULT_PORT} on a Space).",
        example=str(DEFAULT_PORT),
    ),
    Setting(
        name=FLASK_SECRET_KEY,
        secret=True,
        required=False,
        label_fr="Clé de session MLflow (optionnelle)",
        label_en="MLflow session key (optional)",
        help_fr="Inutile d'en créer une : elle est dérivée de vos secrets si absente.",
        help_en="No need to make one up: it is derived from your secrets when absent.",
        example="…",
    ),
)

BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
SECRET_NAMES: frozenset[str] = frozenset(s.name for s in SETTINGS if s.secret)


def mask(value: str) -> str:
    """What may be shown of a secret: that it is set, never any of its characters."""
    return "••••••" if value else ""


@dataclass(frozen=True)
class Settings(Mapping[str, str]):
    """The settings found, by canonical name, with where each came from.

    Only non-empty values are kept: an empty Space secret means "not set".
    """

    by_name: Mapping[str, str]
    sources: Mapping[str, str]

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str],
        env_file: Path | None = DEFAULT_ENV_FILE,
    ) -> Settings:
        """Read every setting from `environ`, then from `env_file` for what is still unset."""
        layers: list[tuple[str, Mapping[str, str | None]]] = [("environment", environ)]
        if env_file is not None and env_file.is_file():
            layers.append((str(env_file), dotenv_values(env_file)))
        values: dict[str, str] = {}
        sources: dict[str, str] = {}
        for setting in SETTINGS:
            found = _lookup(setting, layers)
            if found is not None:
                value, variable, layer = found
                values[setting.name] = value
                sources[setting.name] = (
                    variable if layer == "environment" else f"{layer}:{variable}"
                )
        return cls(by_name=values, sources=sources)

    def __getitem__(self, name: str) -> str:
        return self.by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_name)

    def __len__(self) -> int:
        return len(self.by_name)

    def missing(self) -> list[Setting]:
        """The required settings that have no value."""
        return [s for s in SETTINGS if s.required and s.name not in self.by_name]

    @property
    def auth_enabled(self) -> bool:
        """MLflow basic auth is on when either credential is given (both are then needed)."""
        return bool(
            self.by_name.get(MLFLOW_TRACKING_USERNAME) or self.by_name.get(MLFLOW_TRACKING_PASSWORD)
        )

    @property
    def port(self) -> str:
        return self.by_name.get(PORT, str(DEFAULT_PORT))

    def public(self) -> dict[str, str]:
        """The values with every secret masked: safe to log, print or render."""
        return {
            name: mask(value) if name in SECRET_NAMES else value
            for name, value in self.by_name.items()
        }

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.public().items())
        return f"Settings({shown})"

    __str__ = __repr__


def _lookup(
    setting: Setting, layers: list[tuple[str, Mapping[str, str | None]]]
) -> tuple[str, str, str] | None:
    for layer, mapping in layers:
        for variable in setting.names:
            raw = mapping.get(variable)
            if raw is not None and raw.strip():
                return raw.strip(), variable, layer
    return None


def space_host(environ: Mapping[str, str]) -> str | None:
    """The public host name of the Space this runs in (`owner-name.hf.space`), if any."""
    host = environ.get(SPACE_HOST, "").strip().lower()
    return host or None
