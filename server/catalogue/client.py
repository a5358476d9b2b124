"""Diagnoses about a student's client: its .env and its way to the server."""

from server.catalogue import entry

ENTRIES = (
    entry(
        "client.uri_missing",
        "MLFLOW_TRACKING_URI n'est pas défini.",
        "MLFLOW_TRACKING_URI is not set.",
        "Ajoutez MLFLOW_TRACKING_URI=https://VOTRE_NOM-NOM_DU_SPACE.hf.space dans le .env "
        "de votre projet.",
        "Add MLFLOW_TRACKING_URI=https://YOUR_NAME-SPACE_NAME.hf.space to your project's .env.",
    ),
    entry(
        "client.uri_space_page",
        "MLFLOW_TRACKING_URI pointe vers la page du Space sur huggingface.co, pas vers "
        "l'application.",
        "MLFLOW_TRACKING_URI points to the Space's page on huggingface.co, not to the app.",
        "Utilisez l'adresse de l'application : MLFLOW_TRACKING_URI={url}",
        "Use the app's address: MLFLOW_TRACKING_URI={url}",
    ),
    entry(
        "client.uri_scheme",
        "MLFLOW_TRACKING_URI n'est pas une adresse web : « {uri} ».",
        "MLFLOW_TRACKING_URI is not a web address: “{uri}”.",
        "Elle doit commencer par https:// (par exemple https://VOTRE_NOM-NOM_DU_SPACE.hf.space).",
        "It must start with https:// (for example https://YOUR_NAME-SPACE_NAME.hf.space).",
    ),
    entry(
        "client.unreachable",
        "Impossible de joindre {uri}.",
        "Cannot reach {uri}.",
        "Vérifiez l'adresse (une faute de frappe ?) et votre connexion internet.",
        "Check the address (a typo?) and your internet connection.",
    ),
    entry(
        "client.timeout",
        "{uri} ne répond pas.",
        "{uri} does not answer.",
        "Le Space dort peut-être ou redémarre : ouvrez-le dans le navigateur, attendez qu'il "
        "affiche MLflow, puis réessayez.",
        "The Space may be asleep or restarting: open it in the browser, wait until it shows "
        "MLflow, then try again.",
    ),
    entry(
        "client.starting",
        "{uri} répond mais MLflow n'est pas encore prêt.",
        "{uri} answers but MLflow is not ready yet.",
        "Le Space démarre ou dort : ouvrez-le dans le navigateur et réessayez dans une minute.",
        "The Space is starting or asleep: open it in the browser and try again in a minute.",
    ),
    entry(
        "client.not_mlflow",
        "{uri} répond, mais ce n'est pas un serveur MLflow prêt.",
        "{uri} answers, but it is not a ready MLflow server.",
        "Ouvrez l'adresse dans le navigateur : si la page de configuration s'affiche, "
        "terminez-la ; sinon vérifiez que l'adresse est celle de votre Space.",
        "Open the address in a browser: if the setup page shows, finish it; otherwise check "
        "that the address is your Space's.",
    ),
    entry(
        "client.private_space_token",
        "Le Space est privé et aucun jeton Hugging Face n'est donné.",
        "The Space is private and no Hugging Face token is given.",
        "Créez un jeton en lecture sur https://huggingface.co/settings/tokens et ajoutez "
        "MLFLOW_TRACKING_TOKEN=hf_… dans votre .env.",
        "Create a read token at https://huggingface.co/settings/tokens and add "
        "MLFLOW_TRACKING_TOKEN=hf_… to your .env.",
    ),
    entry(
        "client.reachable",
        "Serveur MLflow joignable à {uri}.",
        "MLflow server reachable at {uri}.",
    ),
    entry(
        "client.token_and_password",
        "MLFLOW_TRACKING_TOKEN et MLFLOW_TRACKING_PASSWORD sont tous deux définis : MLflow "
        "n'enverra que le jeton.",
        "Both MLFLOW_TRACKING_TOKEN and MLFLOW_TRACKING_PASSWORD are set: MLflow sends only "
        "the token.",
        "Gardez le jeton pour un Space privé, ou l'identifiant et le mot de passe pour un "
        "Space public, pas les deux.",
        "Keep the token for a private Space, or the username and password for a public one, "
        "not both.",
    ),
    entry(
        "client.credentials_missing",
        "Le serveur demande un identifiant et un mot de passe.",
        "The server asks for a username and a password.",
        "Ajoutez MLFLOW_TRACKING_USERNAME et MLFLOW_TRACKING_PASSWORD dans votre .env (ceux "
        "des secrets du Space).",
        "Add MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD to your .env (the ones in "
        "the Space's secrets).",
    ),
    entry(
        "client.credentials_rejected",
        "Identifiant ou mot de passe MLflow refusé.",
        "MLflow username or password rejected.",
        "Recopiez MLFLOW_TRACKING_USERNAME et MLFLOW_TRACKING_PASSWORD depuis les secrets du "
        "Space ; si vous avez changé le secret, le Space doit avoir redémarré.",
        "Copy MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD again from the Space's "
        "secrets; if you changed the secret, the Space must have restarted.",
    ),
    entry(
        "client.forbidden",
        "Ce compte MLflow n'a pas le droit de lire les expériences.",
        "This MLflow account may not read experiments.",
        "Demandez à l'administrateur du serveur de vous donner les droits, ou utilisez le "
        "compte administrateur.",
        "Ask the server's administrator for permissions, or use the administrator account.",
    ),
    entry(
        "client.credentials_ok",
        "Identifiants acceptés.",
        "Credentials accepted.",
    ),
    entry(
        "client.http_error",
        "Le serveur a répondu {status} à l'étape « {step} ».",
        "The server answered {status} at step “{step}”.",
        "Lancez « python app.py doctor » côté serveur (ou regardez les logs du Space) pour "
        "trouver la cause.",
        "Run “python app.py doctor” on the server side (or read the Space's logs) to find "
        "the cause.",
    ),
    entry(
        "client.artifacts_not_proxied",
        "Les artefacts de cette expérience ne passent pas par le serveur : il vous faudrait "
        "des clés AWS.",
        "This experiment's artifacts do not go through the server: you would need AWS keys.",
        "L'expérience a été créée par un ancien serveur. Créez une nouvelle expérience.",
        "The experiment was created by an older server. Create a new experiment.",
    ),
    entry(
        "client.write_ok",
        "Un run avec un fichier a été écrit puis supprimé.",
        "A run with a file was written, then deleted.",
    ),
    entry(
        "client.unexpected",
        "La vérification du client a échoué de façon inattendue.",
        "The client check failed unexpectedly.",
        "Relancez-la ; si cela persiste, signalez le code ci-dessus à votre formateur.",
        "Run it again; if it persists, report the code above to your teacher.",
    ),
)
