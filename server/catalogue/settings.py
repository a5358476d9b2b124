"""Diagnoses about the settings themselves: missing, unreadable, against a rule."""

from server.catalogue import entry

ENTRIES = (
    entry(
        "settings.ok",
        "{count} réglages trouvés, aucun problème de forme.",
        "{count} settings found, none malformed.",
    ),
    entry(
        "settings.missing",
        "Réglage manquant : {name} ({label_fr}).",
        "Missing setting: {name} ({label_en}).",
        "Ajoutez {name} dans Settings → Variables and secrets du Space (ou dans le "
        "fichier .env), puis redémarrez ; ou ouvrez le Space : son assistant le fait pour "
        "vous.",
        "Add {name} under the Space's Settings → Variables and secrets (or to the .env "
        "file), then restart; or open the Space: its wizard does it for you.",
    ),
    entry(
        "backend.unparseable",
        "{name} n'est pas une URI PostgreSQL lisible.",
        "{name} is not a readable PostgreSQL URI.",
        "Recopiez la chaîne de connexion depuis la console Neon (Connect) : elle commence "
        "par postgresql:// et contient @ puis le nom d'hôte.",
        "Copy the connection string again from the Neon console (Connect): it starts with "
        "postgresql:// and has an @ followed by the host name.",
    ),
    entry(
        "backend.scheme",
        "{name} utilise « {scheme}:// » : seul PostgreSQL est pris en charge ici.",
        "{name} uses “{scheme}://”: only PostgreSQL is supported here.",
        "Utilisez l'URI de votre base Neon, qui commence par postgresql://.",
        "Use your Neon database URI, which starts with postgresql://.",
    ),
    entry(
        "backend.no_host",
        "{name} ne contient pas de nom d'hôte.",
        "{name} has no host name.",
        "L'URI doit avoir la forme postgresql://utilisateur:motdepasse@hôte/base ; "
        "recopiez-la depuis la console Neon.",
        "The URI must look like postgresql://user:password@host/database; copy it again "
        "from the Neon console.",
    ),
    entry(
        "access.password_missing",
        "MLFLOW_TRACKING_USERNAME est défini mais pas MLFLOW_TRACKING_PASSWORD.",
        "MLFLOW_TRACKING_USERNAME is set but MLFLOW_TRACKING_PASSWORD is not.",
        "Ajoutez le secret MLFLOW_TRACKING_PASSWORD (au moins {min_length} caractères), "
        "ou supprimez MLFLOW_TRACKING_USERNAME pour un serveur sans mot de passe.",
        "Add the MLFLOW_TRACKING_PASSWORD secret (at least {min_length} characters), or "
        "remove MLFLOW_TRACKING_USERNAME for a server without a password.",
    ),
    entry(
        "access.username_missing",
        "MLFLOW_TRACKING_PASSWORD est défini mais pas MLFLOW_TRACKING_USERNAME.",
        "MLFLOW_TRACKING_PASSWORD is set but MLFLOW_TRACKING_USERNAME is not.",
        "Ajoutez MLFLOW_TRACKING_USERNAME (par exemple admin).",
        "Add MLFLOW_TRACKING_USERNAME (for example admin).",
    ),
    entry(
        "access.password_short",
        "Le mot de passe MLflow fait {length} caractères : MLflow en exige au moins {min_length}.",
        "The MLflow password is {length} characters long: MLflow requires at least {min_length}.",
        "Choisissez un mot de passe d'au moins {min_length} caractères pour "
        "MLFLOW_TRACKING_PASSWORD, puis redémarrez le Space.",
        "Choose a password of at least {min_length} characters for "
        "MLFLOW_TRACKING_PASSWORD, then restart the Space.",
    ),
    entry(
        "access.username_invalid",
        "L'identifiant MLflow contient des caractères non acceptés.",
        "The MLflow username contains characters that are not accepted.",
        "Utilisez des lettres, chiffres, points, tirets ou soulignés, sans espace.",
        "Use letters, digits, dots, dashes or underscores, without spaces.",
    ),
    entry(
        "setup.not_installed",
        "Le projet n'est pas installé dans cet environnement Python (le greffon "
        "SQLAlchemy qui désactive les requêtes préparées est introuvable).",
        "The project is not installed in this Python environment (the SQLAlchemy plugin "
        "that turns prepared statements off cannot be found).",
        "Lancez « pip install --no-deps . » dans le dossier du projet (le Dockerfile et "
        "« make run » le font).",
        "Run “pip install --no-deps .” in the project folder (the Dockerfile and "
        "“make run” do it).",
    ),
)
