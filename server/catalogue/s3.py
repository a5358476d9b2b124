"""Diagnoses about the live S3 check: the AWS keys, the bucket, its region, the permissions.

`aws.*` is about the keys (who they belong to, whether AWS accepts them); `s3.*` about the
bucket and the network path to it. Permission fixes come with a ready-to-paste IAM policy
in the diagnosis' details (`policy`): the texts point at it.
"""

from server.catalogue import entry

# Where a student pastes an inline policy, in the console's two languages.
_POLICY_STEPS_FR = (
    "Console AWS → IAM → Utilisateurs (Users) → votre utilisateur → Ajouter des "
    "autorisations (Add permissions) → Créer une politique en ligne (Create inline policy) → "
    "onglet JSON : remplacez tout par la politique JSON affichée ci-dessous (« policy »), "
    "puis Suivant, donnez-lui un nom (mlflow-artifacts) et Créer. Relancez la vérification."
)
_POLICY_STEPS_EN = (
    "AWS console → IAM → Users → your user → Add permissions → Create inline policy → JSON "
    "tab: replace everything with the JSON policy shown below (“policy”), then Next, name it "
    "(mlflow-artifacts) and Create policy. Run the check again."
)
_NEW_KEY_FR = (
    "Console AWS → IAM → Utilisateurs (Users) → votre utilisateur → Identifiants de sécurité "
    "(Security credentials) → Créer une clé d'accès (Create access key), cas d'usage "
    "« Application exécutée en dehors d'AWS ». Copiez les deux valeurs dans "
    "AWS_ACCESS_KEY_ID et AWS_SECRET_ACCESS_KEY, puis désactivez l'ancienne clé."
)
_NEW_KEY_EN = (
    "AWS console → IAM → Users → your user → Security credentials → Create access key, use "
    "case “Application running outside AWS”. Copy both values into AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, then deactivate the old key."
)

ENTRIES = (
    # --- the keys ---------------------------------------------------------------------------
    entry(
        "aws.identity",
        "Clés AWS acceptées : elles appartiennent à {arn}.",
        "AWS keys accepted: they belong to {arn}.",
    ),
    entry(
        "aws.identity_skipped",
        "Identité des clés non vérifiée : le stockage {host} ne propose pas le service STS "
        "d'AWS. Les étapes suivantes vérifient les clés directement sur le bucket.",
        "Key identity not checked: the store at {host} does not offer AWS's STS service. "
        "The next steps check the keys on the bucket itself.",
    ),
    entry(
        "aws.key_unusable",
        "{name} est vide ou contient des caractères qu'une clé AWS n'a jamais "
        "(espaces, accents, retours à la ligne…).",
        "{name} is empty or contains characters an AWS key never has (spaces, accents, "
        "line breaks…).",
        "Recopiez la valeur depuis le fichier .csv téléchargé à la création de la clé, sans "
        "guillemets ni espace. Si vous ne l'avez plus : " + _NEW_KEY_FR,
        "Copy the value again from the .csv file downloaded when the key was created, "
        "without quotes or spaces. If you no longer have it: " + _NEW_KEY_EN,
    ),
    entry(
        "aws.key_unknown",
        "AWS ne connaît pas la clé d'accès {key_start}… : elle est mal recopiée, a été "
        "supprimée ou désactivée, ou appartient à un autre compte.",
        "AWS does not know the access key {key_start}…: it is mistyped, was deleted or "
        "deactivated, or belongs to another account.",
        "Vérifiez dans IAM → Utilisateurs → votre utilisateur → Identifiants de sécurité "
        "que la clé existe et est « Active ». Sinon, créez-en une nouvelle : " + _NEW_KEY_FR,
        "Check under IAM → Users → your user → Security credentials that the key exists "
        "and is “Active”. Otherwise create a new one: " + _NEW_KEY_EN,
    ),
    entry(
        "aws.key_temporary",
        "La clé {key_start}… est une clé temporaire (ASIA…) : elle ne marche qu'avec un "
        "jeton de session et expire au bout de quelques heures.",
        "The key {key_start}… is a temporary key (ASIA…): it only works with a session "
        "token and expires after a few hours.",
        "Ce serveur a besoin d'une clé permanente (AKIA…) d'un utilisateur IAM, pas de "
        "celles d'une session (AWS Academy, SSO, CloudShell). " + _NEW_KEY_FR,
        "This server needs a long-lived key (AKIA…) of an IAM user, not a session's keys "
        "(AWS Academy, SSO, CloudShell). " + _NEW_KEY_EN,
    ),
    entry(
        "aws.secret_wrong",
        "La clé d'accès {key_start}… existe, mais la clé secrète ne lui correspond pas.",
        "The access key {key_start}… exists, but the secret key does not match it.",
        "Recopiez AWS_SECRET_ACCESS_KEY (40 caractères) depuis le fichier .csv téléchargé "
        "à la création de la clé. AWS ne la montre qu'une seule fois : si vous l'avez "
        "perdue, " + _NEW_KEY_FR[0].lower() + _NEW_KEY_FR[1:],
        "Copy AWS_SECRET_ACCESS_KEY (40 characters) again from the .csv file downloaded "
        "when the key was created. AWS shows it only once: if it is lost, "
        + _NEW_KEY_EN[0].lower()
        + _NEW_KEY_EN[1:],
    ),
    entry(
        "aws.clock_skew",
        "AWS refuse les requêtes : l'horloge de cette machine est décalée de plus de 15 minutes.",
        "AWS refuses the requests: this machine's clock is more than 15 minutes off.",
        "Remettez l'ordinateur à l'heure (réglage automatique de la date et de l'heure), "
        "puis relancez. Sur un Space Hugging Face, redémarrez-le.",
        "Set the computer's clock right (automatic date and time), then try again. On a "
        "Hugging Face Space, restart it.",
    ),
    entry(
        "aws.root_keys",
        "Ces clés sont celles du compte racine AWS (root) : elles peuvent tout faire sur le "
        "compte, y compris le supprimer ou y dépenser sans limite.",
        "These are the AWS account's root keys: they can do anything to the account, "
        "including closing it or spending without limit.",
        "Créez un utilisateur dédié : IAM → Utilisateurs → Créer un utilisateur (sans accès "
        "à la console) → Ajouter des autorisations → Créer une politique en ligne → JSON, "
        "collez la politique affichée ci-dessous (« policy »), puis créez-lui une clé "
        "d'accès et mettez-la dans les secrets. Supprimez ensuite la clé root (menu du "
        "compte → Identifiants de sécurité).",
        "Create a dedicated user: IAM → Users → Create user (no console access) → Add "
        "permissions → Create inline policy → JSON, paste the policy shown below "
        "(“policy”), then create an access key for it and put it in the secrets. Then delete "
        "the root key (account menu → Security credentials).",
    ),
    entry(
        "aws.identity_error",
        "AWS n'a pas pu dire à qui appartiennent ces clés (erreur {error_code}).",
        "AWS could not tell who these keys belong to (error {error_code}).",
        "La suite de la vérification teste les clés sur le bucket. Si elle échoue aussi, "
        "créez une nouvelle clé : " + _NEW_KEY_FR,
        "The rest of the check tries the keys on the bucket. If it fails too, create a new "
        "key: " + _NEW_KEY_EN,
    ),
    # --- the bucket and its region ----------------------------------------------------------
    entry(
        "s3.ok",
        "MLflow peut ranger ses artefacts dans s3://{bucket}/{prefix} : un fichier de test "
        "y a été écrit puis relu.",
        "MLflow can keep its artifacts in s3://{bucket}/{prefix}: a test file was written "
        "there and read back.",
    ),
    entry(
        "s3.bucket_invalid",
        "« {bucket} » n'est pas un nom de bucket valable.",
        "“{bucket}” is not a valid bucket name.",
        "Recopiez le nom exact depuis la console AWS → S3 → Buckets (3 à 63 caractères : "
        "minuscules, chiffres, tirets et points), sans s3:// ni espace.",
        "Copy the exact name from the AWS console → S3 → Buckets (3 to 63 characters: "
        "lower-case letters, digits, dashes and dots), without s3:// or spaces.",
    ),
    entry(
        "s3.bucket_missing",
        "Le bucket « {bucket} » n'existe pas.",
        "The bucket “{bucket}” does not exist.",
        "Vérifiez l'orthographe dans la console AWS → S3 → Buckets. S'il n'y est pas, "
        "créez-le : S3 → Créer un compartiment (Create bucket), même nom, dans votre région "
        "(par exemple eu-west-3, Paris), laissez « Bloquer tout accès public » coché.",
        "Check the spelling in the AWS console → S3 → Buckets. If it is not there, create "
        "it: S3 → Create bucket, same name, in your region (for example eu-west-3, Paris), "
        "keep “Block all public access” ticked.",
    ),
    entry(
        "s3.region_mismatch",
        "AWS_DEFAULT_REGION vaut « {given} » mais le bucket {bucket} est dans la région {actual}.",
        "AWS_DEFAULT_REGION is “{given}” but the bucket {bucket} is in region {actual}.",
        "Mettez AWS_DEFAULT_REGION à {actual} dans les réglages (secrets et variables du "
        "Space, ou .env), puis redémarrez.",
        "Set AWS_DEFAULT_REGION to {actual} in the settings (the Space's variables and "
        "secrets, or .env), then restart.",
    ),
    entry(
        "s3.region_unset",
        "AWS_DEFAULT_REGION n'est pas défini ; le bucket {bucket} est dans la région {actual}.",
        "AWS_DEFAULT_REGION is not set; the bucket {bucket} is in region {actual}.",
        "Ajoutez AWS_DEFAULT_REGION = {actual} dans les réglages (variables du Space, ou "
        ".env) : sans elle, chaque envoi fait un détour et les gros envois directs "
        "peuvent échouer.",
        "Add AWS_DEFAULT_REGION = {actual} to the settings (the Space's variables, or "
        ".env): without it every upload takes a detour and large direct uploads can fail.",
    ),
    entry(
        "s3.region_unknown",
        "« {given} » n'est pas une région AWS, et la région du bucket {bucket} n'a pas pu "
        "être lue.",
        "“{given}” is not an AWS region, and the region of the bucket {bucket} could not be read.",
        "Dans la console AWS → S3 → Buckets, la colonne « Région AWS » donne la région du "
        "bucket, par exemple eu-west-3 pour Paris : mettez ce code (pas le nom de la ville) "
        "dans AWS_DEFAULT_REGION.",
        "In the AWS console → S3 → Buckets, the “AWS Region” column gives the bucket's "
        "region, for example eu-west-3 for Paris: put that code (not the city's name) in "
        "AWS_DEFAULT_REGION.",
    ),
    entry(
        "s3.region_invalid",
        "« {region} » n'a pas la forme d'une région AWS.",
        "“{region}” does not look like an AWS region.",
        "Mettez dans AWS_DEFAULT_REGION le code de la région du bucket, tel que la console "
        "S3 l'affiche, par exemple eu-west-3.",
        "Put the code of the bucket's region in AWS_DEFAULT_REGION, as the S3 console shows "
        "it, for example eu-west-3.",
    ),
    # --- permissions (each comes with details["policy"]) -----------------------------------
    entry(
        "s3.list_denied",
        "Ces clés n'ont pas le droit de lister le bucket {bucket} (permission "
        "s3:ListBucket), ou ce bucket appartient à un autre compte AWS.",
        "These keys may not list the bucket {bucket} (permission s3:ListBucket), or the "
        "bucket belongs to another AWS account.",
        "Si le bucket est bien le vôtre (console S3 → Buckets), donnez les droits à votre "
        "utilisateur. " + _POLICY_STEPS_FR,
        "If the bucket is yours (S3 console → Buckets), give your user the permissions. "
        + _POLICY_STEPS_EN,
    ),
    entry(
        "s3.put_denied",
        "Ces clés n'ont pas le droit d'écrire dans s3://{bucket}/{prefix} (permission "
        "s3:PutObject) : MLflow ne pourra enregistrer aucun artefact.",
        "These keys may not write to s3://{bucket}/{prefix} (permission s3:PutObject): "
        "MLflow will not be able to save any artifact.",
        _POLICY_STEPS_FR,
        _POLICY_STEPS_EN,
    ),
    entry(
        "s3.get_denied",
        "Ces clés peuvent écrire mais pas relire dans s3://{bucket}/{prefix} (permission "
        "s3:GetObject) : MLflow ne pourra ni afficher ni télécharger les artefacts.",
        "These keys can write but not read back from s3://{bucket}/{prefix} (permission "
        "s3:GetObject): MLflow will not be able to show or download artifacts.",
        _POLICY_STEPS_FR,
        _POLICY_STEPS_EN,
    ),
    entry(
        "s3.delete_denied",
        "Ces clés ne peuvent pas supprimer dans s3://{bucket}/{prefix} (permission "
        "s3:DeleteObject). L'enregistrement marche, mais les artefacts des runs supprimés "
        "ne pourront pas être effacés (mlflow gc), et le fichier de test {probe} est resté.",
        "These keys may not delete in s3://{bucket}/{prefix} (permission s3:DeleteObject). "
        "Logging works, but the artifacts of deleted runs cannot be erased (mlflow gc), and "
        "the test file {probe} was left behind.",
        "Ajoutez la permission, puis supprimez le fichier de test dans la console S3. "
        + _POLICY_STEPS_FR,
        "Add the permission, then delete the test file in the S3 console. " + _POLICY_STEPS_EN,
    ),
    # --- the network path -----------------------------------------------------------------
    entry(
        "s3.endpoint_invalid",
        "MLFLOW_S3_ENDPOINT_URL (« {endpoint} ») n'est pas une adresse utilisable.",
        "MLFLOW_S3_ENDPOINT_URL (“{endpoint}”) is not a usable address.",
        "Pour AWS S3, laissez ce réglage vide. Pour un autre stockage (MinIO, R2…), "
        "mettez son adresse complète, par exemple https://<compte>.r2.cloudflarestorage.com.",
        "For AWS S3, leave this setting empty. For another store (MinIO, R2…), put its full "
        "address, for example https://<account>.r2.cloudflarestorage.com.",
    ),
    entry(
        "s3.dns",
        "Le nom {host} est introuvable (DNS).",
        "The name {host} cannot be found (DNS).",
        "Si c'est l'adresse de MLFLOW_S3_ENDPOINT_URL, vérifiez-la (ou videz ce réglage "
        "pour AWS S3). Si c'est une adresse amazonaws.com, vérifiez AWS_DEFAULT_REGION et "
        "que cette machine a accès à internet.",
        "If it is the MLFLOW_S3_ENDPOINT_URL address, check it (or empty that setting for "
        "AWS S3). If it is an amazonaws.com address, check AWS_DEFAULT_REGION and that this "
        "machine can reach the internet.",
    ),
    entry(
        "s3.refused",
        "{host} refuse la connexion sur le port {port}.",
        "{host} refuses the connection on port {port}.",
        "Aucun service n'écoute là : vérifiez le port dans MLFLOW_S3_ENDPOINT_URL et que le "
        "stockage (MinIO…) est démarré. Pour AWS S3, videz ce réglage.",
        "Nothing listens there: check the port in MLFLOW_S3_ENDPOINT_URL and that the store "
        "(MinIO…) is running. For AWS S3, empty that setting.",
    ),
    entry(
        "s3.timeout",
        "{host} ne répond pas (rien en {seconds} s).",
        "{host} does not answer (nothing within {seconds} s).",
        "Si c'est l'adresse de MLFLOW_S3_ENDPOINT_URL, vérifiez-la (http ou https, port) "
        "et que le stockage est joignable depuis internet. Pour AWS S3, réessayez dans "
        "quelques minutes : le réseau de cette machine est peut-être coupé.",
        "If it is the MLFLOW_S3_ENDPOINT_URL address, check it (http or https, port) and "
        "that the store can be reached from the internet. For AWS S3, try again in a few "
        "minutes: this machine's network may be down.",
    ),
    entry(
        "s3.tls",
        "La connexion chiffrée (TLS) avec {host} a échoué.",
        "The encrypted (TLS) connection to {host} failed.",
        "Vérifiez http:// ou https:// dans MLFLOW_S3_ENDPOINT_URL : un stockage sans "
        "certificat valable se joint en http://. Pour AWS S3, videz ce réglage.",
        "Check http:// versus https:// in MLFLOW_S3_ENDPOINT_URL: a store without a valid "
        "certificate is reached with http://. For AWS S3, empty that setting.",
    ),
    entry(
        "s3.connection",
        "La connexion avec {host} a été coupée.",
        "The connection to {host} was cut.",
        "Réessayez. Si cela persiste, vérifiez MLFLOW_S3_ENDPOINT_URL (ou videz-le pour AWS S3).",
        "Try again. If it persists, check MLFLOW_S3_ENDPOINT_URL (or empty it for AWS S3).",
    ),
    entry(
        "s3.bad_response",
        "{host} répond, mais pas comme un service S3.",
        "{host} answers, but not like an S3 service.",
        "MLFLOW_S3_ENDPOINT_URL doit être l'adresse de l'API S3 du stockage (pour MinIO, "
        "souvent le port 9000, pas celui de la console web). Pour AWS S3, videz ce réglage.",
        "MLFLOW_S3_ENDPOINT_URL must be the address of the store's S3 API (for MinIO, often "
        "port 9000, not the web console's). For AWS S3, empty that setting.",
    ),
    entry(
        "s3.error",
        "S3 a refusé l'opération {operation} (erreur {error_code}).",
        "S3 refused the {operation} operation (error {error_code}).",
        "Vérifiez le bucket et les clés dans la console AWS ; si l'erreur persiste, "
        "montrez ce code à votre formateur.",
        "Check the bucket and the keys in the AWS console; if the error persists, show this "
        "code to your teacher.",
    ),
    entry(
        "s3.unexpected",
        "La vérification S3 s'est arrêtée sur une erreur inattendue ({error}).",
        "The S3 check stopped on an unexpected error ({error}).",
        "Vérifiez les quatre réglages S3 (chemin, clé d'accès, clé secrète, région). Si "
        "tout semble juste, signalez ce code à votre formateur.",
        "Check the four S3 settings (path, access key, secret key, region). If everything "
        "looks right, report this code to your teacher.",
    ),
)

__all__ = ["ENTRIES", "entry"]
