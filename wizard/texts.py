"""The wizard's own words (labels, titles, explanations), in French and English.

Diagnoses come from the catalogue (server/catalogue); this table holds only what the
pages say around them. Static labels reach the browser through `gr.I18n` (translated by
the page for the browser's language); text built on the server uses `text()`.
"""

from __future__ import annotations

import gradio as gr

from server.catalogue import Language

TEXTS: dict[str, dict[Language, str]] = {
    "title": {"fr": "Votre serveur MLflow", "en": "Your MLflow server"},
    "step_where": {"fr": "Où suis-je ?", "en": "Where am I?"},
    "step_token": {"fr": "Votre Space", "en": "Your Space"},
    "step_database": {"fr": "Base de données", "en": "Database"},
    "step_artifacts": {"fr": "Artefacts S3", "en": "S3 artifacts"},
    "step_access": {"fr": "Accès MLflow", "en": "MLflow access"},
    "step_apply": {"fr": "Vérifier et appliquer", "en": "Review and apply"},
    "start": {"fr": "Commencer", "en": "Start"},
    "next": {"fr": "Suivant", "en": "Next"},
    "check": {"fr": "Tester", "en": "Test"},
    "apply": {"fr": "Appliquer et redémarrer", "en": "Apply and restart"},
    "accept_warn": {
        "fr": "J'ai lu l'avertissement et je continue quand même",
        "en": "I have read the warning and want to go on anyway",
    },
    "hf_token": {"fr": "Jeton Hugging Face (write)", "en": "Hugging Face token (write)"},
    "setup_code": {"fr": "Code de configuration", "en": "Setup code"},
    "db_uri": {"fr": "URI de la base Neon", "en": "Neon database URI"},
    "s3_path": {"fr": "Dossier S3 (s3://bucket/dossier)", "en": "S3 folder (s3://bucket/folder)"},
    "s3_region": {"fr": "Région AWS (facultatif)", "en": "AWS region (optional)"},
    "s3_key_id": {"fr": "Clé d'accès AWS (AKIA…)", "en": "AWS access key ID (AKIA…)"},
    "s3_secret": {"fr": "Clé secrète AWS", "en": "AWS secret access key"},
    "s3_endpoint": {
        "fr": "Point d'accès compatible S3 (facultatif, hors AWS)",
        "en": "S3-compatible endpoint (optional, outside AWS)",
    },
    "auth_enabled": {
        "fr": "Protéger MLflow par un identifiant et un mot de passe",
        "en": "Protect MLflow with a username and a password",
    },
    "auth_username": {"fr": "Identifiant", "en": "Username"},
    "auth_password": {
        "fr": "Mot de passe (12 caractères au moins ; généré pour vous, modifiable)",
        "en": "Password (12 characters at least; generated for you, you may change it)",
    },
    "client_env": {"fr": "Le .env de votre projet", "en": "Your project's .env"},
    "notebook": {"fr": "Dans un notebook", "en": "In a notebook"},
    "download": {"fr": "Télécharger ce .env", "en": "Download this .env"},
    "set_keep": {
        "fr": "déjà défini — laissez vide pour le garder",
        "en": "already set — leave empty to keep it",
    },
    # Text built on the server.
    "where_space": {
        "fr": "Vous êtes dans le Space **{space_id}**. Cet assistant teste vos accès un par "
        "un, puis les enregistre comme secrets de ce Space et le redémarre en serveur "
        "MLflow. Il vous faut : l'URI de votre base Neon, un bucket S3 avec une clé d'accès "
        "AWS, et un jeton Hugging Face qui peut modifier ce Space.",
        "en": "You are in the Space **{space_id}**. This wizard tests your access one by one, "
        "then saves it as this Space's secrets and restarts it as an MLflow server. You "
        "need: your Neon database URI, an S3 bucket with an AWS access key, and a Hugging "
        "Face token that can change this Space.",
    },
    "where_local": {
        "fr": "Vous êtes sur votre machine (pas dans un Space). Cet assistant teste vos accès "
        "un par un, les enregistre dans le fichier **{env_file}** puis redémarre en serveur "
        "MLflow à la même adresse.",
        "en": "You are on your own machine (not in a Space). This wizard tests your access one "
        "by one, saves it to the file **{env_file}**, then restarts as an MLflow server at the "
        "same address.",
    },
    "template": {
        "fr": "Ceci est le **modèle** de Space : il ne se configure pas lui-même. "
        "[Dupliquez-le]({duplicate}) (menu ⋮ → *Duplicate this Space*) : votre copie vous "
        "accueillera avec cet assistant.\n\nDepuis juillet 2026, créer un Space Docker "
        "demande un abonnement payant (PRO). Sans abonnement, lancez la même image ailleurs : "
        "`docker run --env-file .env -p 7860:7860 …` sur n'importe quel hébergeur de "
        "conteneurs, ou `python app.py` sur votre machine (voir le README).",
        "en": "This is the Space **template**: it does not configure itself. "
        "[Duplicate it]({duplicate}) (⋮ menu → *Duplicate this Space*): your copy will greet "
        "you with this wizard.\n\nSince July 2026, creating a Docker Space needs a paid (PRO) "
        "plan. Without one, run the same image elsewhere: `docker run --env-file .env -p "
        "7860:7860 …` on any container host, or `python app.py` on your machine (see the "
        "README).",
    },
    "token_help": {
        "fr": "Prouvez que ce Space est le vôtre : créez un jeton **write** (ou un jeton "
        "fine-grained avec le droit d'écriture sur ce Space) sur "
        "[huggingface.co/settings/tokens]({tokens}) et collez-le ici. Il ne sert qu'à écrire "
        "les secrets et redémarrer le Space ; il n'est pas enregistré.",
        "en": "Prove this Space is yours: create a **write** token (or a fine-grained token "
        "with write access to this Space) at [huggingface.co/settings/tokens]({tokens}) and "
        "paste it here. It is only used to write the secrets and restart the Space; it is "
        "not saved.",
    },
    "code_help": {
        "fr": "Vous ouvrez cet assistant depuis une autre machine : tapez le code de "
        "configuration affiché dans le journal du serveur (ligne « Setup code »).",
        "en": "You are opening this wizard from another machine: type the setup code shown "
        "in the server's log (the “Setup code” line).",
    },
    "setting": {"fr": "Réglage", "en": "Setting"},
    "value": {"fr": "Valeur", "en": "Value"},
    "kept_value": {"fr": "Valeur retenue : `{value}`", "en": "Value used: `{value}`"},
    "saved_run_server": {
        "fr": "✓ Réglages enregistrés. Lancez maintenant `python app.py` dans ce dossier : "
        "MLflow démarrera avec eux.",
        "en": "✓ Settings saved. Now run `python app.py` in this folder: MLflow starts with them.",
    },
    "repair": {
        "fr": "Le serveur n'a pas pu démarrer avec la configuration actuelle :",
        "en": "The server could not start with the current configuration:",
    },
    "missing": {
        "fr": "MLflow démarrera quand ces réglages seront faits :",
        "en": "MLflow starts once these settings are made:",
    },
    "private_access": {
        "fr": "Ce Space est **privé** : Hugging Face n'ouvre son adresse qu'aux requêtes qui "
        "portent un jeton Hugging Face. Pas besoin de mot de passe MLflow : vos clients "
        "mettront `MLFLOW_TRACKING_TOKEN=hf_…` (un jeton en lecture) dans leur `.env`.",
        "en": "This Space is **private**: Hugging Face only opens its address to requests "
        "carrying a Hugging Face token. No MLflow password needed: your clients put "
        "`MLFLOW_TRACKING_TOKEN=hf_…` (a read token) in their `.env`.",
    },
    "review_intro": {
        "fr": "Voici ce qui sera enregistré ({where}). Les secrets sont masqués.",
        "en": "This is what will be saved ({where}). Secrets are masked.",
    },
    "where_secrets": {"fr": "secrets du Space {space_id}", "en": "secrets of Space {space_id}"},
    "keep_this": {
        "fr": "**Gardez ceci avant le redémarrage** : l'adresse de votre serveur est "
        "{url}. Copiez le bloc `.env` dans votre projet (ou téléchargez-le).",
        "en": "**Keep this before the restart**: your server's address is {url}. Copy the "
        "`.env` block into your project (or download it).",
    },
    "writing": {
        "fr": "⏳ Enregistrement des réglages… Sur un Space, la connexion va se couper pendant "
        "le redémarrage : c'est normal, cette page s'ouvrira sur MLflow toute seule.",
        "en": "⏳ Saving the settings… On a Space, the connection drops during the restart: "
        "that is expected, this page opens MLflow by itself.",
    },
    "restarting": {
        "fr": "✓ Réglages enregistrés. Redémarrage en serveur MLflow : cette page s'ouvrira "
        "sur MLflow dès qu'il répondra (une à trois minutes sur un Space).",
        "en": "✓ Settings saved. Restarting as an MLflow server: this page opens MLflow as "
        "soon as it answers (one to three minutes on a Space).",
    },
}


def text(key: str, language: Language, **params: str) -> str:
    return TEXTS[key][language].format(**params)


def i18n() -> gr.I18n:
    """The table for the browser: Gradio picks the language from the browser's settings."""
    return gr.I18n(
        fr={key: value["fr"] for key, value in TEXTS.items()},
        en={key: value["en"] for key, value in TEXTS.items()},
    )
