"""Diagnoses about who may use the MLflow server."""

from server.catalogue import entry

ENTRIES = (
    entry(
        "access.basic_auth",
        "Authentification MLflow activée ; administrateur : {username}.",
        "MLflow authentication on; administrator: {username}.",
    ),
    entry(
        "access.private_space",
        "Space privé : Hugging Face contrôle l'accès (jeton dans MLFLOW_TRACKING_TOKEN).",
        "Private Space: Hugging Face guards access (token in MLFLOW_TRACKING_TOKEN).",
    ),
    entry(
        "access.no_auth",
        "Pas d'authentification MLflow.",
        "No MLflow authentication.",
    ),
    entry(
        "access.public_without_auth",
        "Space public sans authentification : n'importe qui peut lire et effacer vos runs.",
        "Public Space without authentication: anyone can read and delete your runs.",
        "Ajoutez les secrets MLFLOW_TRACKING_USERNAME et MLFLOW_TRACKING_PASSWORD (12 "
        "caractères au moins), ou rendez le Space privé (Settings → Change visibility).",
        "Add the MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD secrets (at least "
        "12 characters), or make the Space private (Settings → Change visibility).",
    ),
    entry(
        "access.private_with_basic_auth",
        "Space privé avec authentification MLflow : un client ne peut pas envoyer à la fois "
        "le jeton Hugging Face et le mot de passe MLflow.",
        "Private Space with MLflow authentication: a client cannot send both the Hugging "
        "Face token and the MLflow password.",
        "Supprimez les secrets MLFLOW_TRACKING_USERNAME et MLFLOW_TRACKING_PASSWORD : sur un "
        "Space privé, les clients s'identifient avec MLFLOW_TRACKING_TOKEN=<jeton hf_…>.",
        "Remove the MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD secrets: on a "
        "private Space, clients identify with MLFLOW_TRACKING_TOKEN=<hf_… token>.",
    ),
)
