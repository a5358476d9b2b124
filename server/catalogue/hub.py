"""Diagnoses about the Hugging Face token and the Space it should configure."""

from server.catalogue import entry
from server.settings import MIN_PASSWORD_LENGTH

_TOKENS = "https://huggingface.co/settings/tokens"

ENTRIES = (
    entry(
        "hub.token_empty",
        "Aucun jeton Hugging Face n'a été donné.",
        "No Hugging Face token was given.",
        f"Créez un jeton de type « Write » sur {_TOKENS} (Create new token), puis collez-le "
        "ici : il commence par hf_.",
        f"Create a “Write” token at {_TOKENS} (Create new token), then paste it here: it "
        "starts with hf_.",
    ),
    entry(
        "hub.token_whitespace",
        "Le jeton Hugging Face contient des espaces ou des retours à la ligne.",
        "The Hugging Face token contains spaces or line breaks.",
        f"Recopiez-le avec le bouton de copie de {_TOKENS} et collez-le sur une seule "
        "ligne, sans espace.",
        f"Copy it again with the copy button at {_TOKENS} and paste it on a single line, "
        "without spaces.",
    ),
    entry(
        "hub.token_format",
        "Ceci ne ressemble pas à un jeton Hugging Face : un jeton commence par hf_ suivi de "
        "lettres et de chiffres.",
        "This does not look like a Hugging Face token: a token starts with hf_ followed by "
        "letters and digits.",
        "Collez uniquement le jeton (hf_…), sans guillemets, sans « Bearer » ni nom de "
        f"variable ; au besoin, créez-en un sur {_TOKENS}.",
        "Paste the token alone (hf_…), without quotes, “Bearer” or a variable name; if need "
        f"be, create one at {_TOKENS}.",
    ),
    entry(
        "hub.space_id_format",
        "« {value} » n'est pas un identifiant de Space : il a la forme propriétaire/nom.",
        "“{value}” is not a Space id: it looks like owner/name.",
        "Écrivez par exemple alice/mlflow : c'est la fin de l'adresse du Space, "
        "https://huggingface.co/spaces/alice/mlflow.",
        "Write for example alice/mlflow: it is the end of the Space's address, "
        "https://huggingface.co/spaces/alice/mlflow.",
    ),
    entry(
        "hub.token_invalid",
        "Hugging Face refuse ce jeton : il est invalide, révoqué ou mal copié.",
        "Hugging Face rejects this token: it is invalid, revoked or badly copied.",
        f"Créez un nouveau jeton de type « Write » sur {_TOKENS}, copiez-le avec le bouton "
        "de copie et collez-le en entier.",
        f"Create a new “Write” token at {_TOKENS}, copy it with the copy button and paste "
        "all of it.",
    ),
    entry(
        "hub.unreachable",
        "Impossible de joindre Hugging Face ({host}) : pas de réponse, ou pas de connexion.",
        "Could not reach Hugging Face ({host}): no answer, or no connection.",
        "Vérifiez la connexion Internet (ou le proxy) de la machine, puis réessayez ; l'état "
        "du service est affiché sur https://status.huggingface.co.",
        "Check the machine's Internet connection (or proxy), then try again; the service's "
        "status is shown at https://status.huggingface.co.",
    ),
    entry(
        "hub.http_error",
        "Hugging Face a répondu par une erreur (HTTP {status}) : le jeton n'a pas pu être vérifié.",
        "Hugging Face answered with an error (HTTP {status}): the token could not be checked.",
        "Réessayez dans une minute ; si cela persiste, consultez https://status.huggingface.co.",
        "Try again in a minute; if it persists, see https://status.huggingface.co.",
    ),
    entry(
        "hub.token_read_only",
        "Ce jeton de {user} est en lecture seule (« Read ») : il ne peut pas modifier les "
        "secrets ni redémarrer le Space {space}.",
        "This token of {user} is read-only (“Read”): it cannot change the secrets of the "
        "Space {space} nor restart it.",
        f"Sur {_TOKENS}, créez un jeton de type « Write », ou un jeton « Fine-grained » "
        "avec « Write access to contents/settings of selected repos » pour le Space "
        "{space}, puis collez-le ici.",
        f"At {_TOKENS}, create a “Write” token, or a “Fine-grained” token with “Write "
        "access to contents/settings of selected repos” for the Space {space}, then paste "
        "it here.",
    ),
    entry(
        "hub.token_fine_grained_no_scope",
        "Ce jeton « Fine-grained » de {user} n'a pas le droit d'écrire dans le Space {space}.",
        "This “Fine-grained” token of {user} may not write to the Space {space}.",
        f"Sur {_TOKENS}, ouvrez le jeton (Edit permissions) et, sous « Repositories "
        "permissions », ajoutez le Space {space} avec « Write access to contents/settings "
        "of selected repos » ; ou créez un jeton de type « Write ».",
        f"At {_TOKENS}, open the token (Edit permissions) and, under “Repositories "
        "permissions”, add the Space {space} with “Write access to contents/settings of "
        "selected repos”; or create a “Write” token.",
    ),
    entry(
        "hub.token_role_unknown",
        "Impossible de savoir ce que ce jeton de {user} a le droit de faire sur le Space "
        "{space} (type « {role} »).",
        "Cannot tell what this token of {user} may do to the Space {space} (type “{role}”).",
        f"Utilisez un jeton de type « Write » créé sur {_TOKENS} (les jetons de connexion "
        "« Sign in with Hugging Face » ne suffisent pas).",
        f"Use a “Write” token created at {_TOKENS} (“Sign in with Hugging Face” tokens are "
        "not enough).",
    ),
    entry(
        "hub.org_role_too_low",
        "{user} est membre de l'organisation {owner} avec le rôle « {role} », qui ne permet "
        "pas de modifier le Space {space}.",
        "{user} is a member of the {owner} organization with the “{role}” role, which may "
        "not change the Space {space}.",
        "Demandez à un administrateur de {owner} de vous donner le rôle « write » "
        "(page de l'organisation → Settings → Members), ou utilisez un Space à votre nom.",
        "Ask an administrator of {owner} to give you the “write” role (the organization's "
        "page → Settings → Members), or use a Space under your own name.",
    ),
    entry(
        "hub.not_your_space",
        "Ce jeton appartient à {user}, mais le Space {space} appartient à {owner} (ou "
        "n'existe pas).",
        "This token belongs to {user}, but the Space {space} belongs to {owner} (or does "
        "not exist).",
        "Vérifiez le nom du Space : le vôtre commence par {user}/. Sinon, créez le jeton en "
        "étant connecté au compte {owner} ; pour une organisation, demandez à un "
        "administrateur de {owner} de vous ajouter avec le rôle « write ».",
        "Check the Space's name: yours starts with {user}/. Otherwise, create the token "
        "while signed in as {owner}; for an organization, ask an administrator of {owner} "
        "to add you with the “write” role.",
    ),
    entry(
        "hub.space_not_found",
        "Le Space {space} est introuvable.",
        "The Space {space} cannot be found.",
        "Vérifiez son nom exact (tirets, points, majuscules) : il figure dans l'adresse "
        "https://huggingface.co/spaces/propriétaire/nom de votre Space.",
        "Check its exact name (dashes, dots, capitals): it is in your Space's address, "
        "https://huggingface.co/spaces/owner/name.",
    ),
    entry(
        "hub.ok",
        "Jeton valide : {user} (permission {role}) peut configurer le Space {space}.",
        "Valid token: {user} ({role} permission) may configure the Space {space}.",
    ),
    entry(
        "hub.token_valid",
        "Jeton valide : il appartient à {user} (permission {role}).",
        "Valid token: it belongs to {user} ({role} permission).",
    ),
    entry(
        "hub.space_private",
        "Le Space {space} est privé : Hugging Face en garde l'accès. Vos scripts MLflow "
        "envoient un jeton HF en lecture (MLFLOW_TRACKING_TOKEN dans leur .env) ; "
        "l'identifiant et le mot de passe MLflow ne servent pas.",
        "The Space {space} is private: Hugging Face guards access to it. Your MLflow scripts "
        "send an HF token with read access (MLFLOW_TRACKING_TOKEN in their .env); an MLflow "
        "username and password are not used.",
    ),
    entry(
        "hub.space_public",
        "Le Space {space} est public : n'importe qui peut ouvrir son adresse. MLflow y est "
        "protégé par son authentification (MLFLOW_TRACKING_USERNAME et "
        f"MLFLOW_TRACKING_PASSWORD, au moins {MIN_PASSWORD_LENGTH} caractères).",
        "The Space {space} is public: anyone can open its address. MLflow is guarded there by "
        "its own authentication (MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, at "
        f"least {MIN_PASSWORD_LENGTH} characters).",
    ),
)
