"""Diagnoses about pasted values: what cleaning changed, and why a paste cannot be used.

Changes (`ok`, or `warn` when the student should look) say what was done to the paste;
problems (`fail`) say what to paste instead. `{field}` is the setting's name. Parameters
never hold a password, a secret key or a whole URI.
"""

from server.catalogue import entry

_REAL_REGIONS = "eu-west-1 (Irlande), eu-west-3 (Paris), eu-central-1 (Francfort), us-east-1"
_REAL_REGIONS_EN = "eu-west-1 (Ireland), eu-west-3 (Paris), eu-central-1 (Frankfurt), us-east-1"
_NEW_KEY_FR = (
    "Si vous n'avez plus la clé secrète, AWS ne la remontre jamais : console AWS → IAM → "
    "Utilisateurs → votre utilisateur → Informations d'identification de sécurité → Créer une "
    "clé d'accès, puis collez les deux valeurs."
)
_NEW_KEY_EN = (
    "If you no longer have the secret key, AWS never shows it again: AWS console → IAM → "
    "Users → your user → Security credentials → Create access key, then paste both values."
)

ENTRIES = (
    # --- any pasted value -------------------------------------------------------------
    entry(
        "paste.too_long",
        "{field} : le texte collé fait {length} caractères, bien plus qu'un réglage "
        "(au plus {max}).",
        "{field}: the pasted text is {length} characters long, far more than a setting "
        "(at most {max}).",
        "Collez seulement la valeur de {field} (une ligne), pas un fichier ni un journal.",
        "Paste only the value of {field} (one line), not a file or a log.",
    ),
    entry(
        "paste.empty",
        "{field} est vide.",
        "{field} is empty.",
        "Collez la valeur de {field} dans le champ, sans rien d'autre.",
        "Paste the value of {field} into the field, with nothing else.",
    ),
    entry(
        "paste.control_characters",
        "{field} contient des caractères invisibles de contrôle (par exemple un octet nul) : "
        "ce n'est pas une valeur copiée depuis une console.",
        "{field} contains invisible control characters (a null byte, for example): this is "
        "not a value copied from a console.",
        "Recopiez la valeur directement depuis la console (Neon ou AWS) et collez-la sans "
        "passer par un traitement de texte.",
        "Copy the value again straight from the console (Neon or AWS) and paste it without "
        "going through a word processor.",
    ),
    entry(
        "paste.invisible_removed",
        "{field} : des caractères invisibles (espaces sans largeur, marque d'ordre des "
        "octets) ont été retirés.",
        "{field}: invisible characters (zero-width spaces, byte-order mark) were removed.",
    ),
    entry(
        "paste.quotes_removed",
        "{field} : les guillemets autour de la valeur ont été retirés.",
        "{field}: the quotes around the value were removed.",
    ),
    entry(
        "paste.variable_name_removed",
        "{field} : « {variable}= » devant la valeur a été retiré ; seule la valeur est gardée.",
        "{field}: “{variable}=” in front of the value was removed; only the value is kept.",
    ),
    entry(
        "paste.command_removed",
        "{field} : la commande « {command} » devant la valeur a été retirée.",
        "{field}: the “{command}” command in front of the value was removed.",
    ),
    entry(
        "paste.text_removed",
        "{field} : le texte devant l'adresse a été retiré.",
        "{field}: the text in front of the address was removed.",
    ),
    entry(
        "paste.lines_joined",
        "{field} : la valeur était coupée sur plusieurs lignes ; les lignes ont été recollées.",
        "{field}: the value was split over several lines; the lines were joined.",
        "Vérifiez que le résultat est bien votre valeur complète ; la prochaine fois, "
        "utilisez le bouton « copier » de la console plutôt qu'une sélection dans le terminal.",
        "Check that the result is your whole value; next time, use the console's copy "
        "button rather than a selection in the terminal.",
    ),
    entry(
        "paste.several_values",
        "{field} : plusieurs valeurs ont été collées ; celle de {variable} a été gardée.",
        "{field}: several values were pasted; the one of {variable} was kept.",
        "Si ce n'est pas la bonne, collez seulement la ligne voulue.",
        "If it is not the right one, paste only the line you want.",
    ),
    entry(
        "paste.several_values_first",
        "{field} : plusieurs valeurs ont été collées ; la première a été gardée.",
        "{field}: several values were pasted; the first one was kept.",
        "Si ce n'est pas la bonne, collez seulement la ligne voulue.",
        "If it is not the right one, paste only the line you want.",
    ),
    entry(
        "paste.unexpected",
        "{field} n'a pas pu être lu (erreur inattendue de l'outil).",
        "{field} could not be read (unexpected error in the tool).",
        "Ce n'est pas de votre faute : signalez-le à votre formateur avec le code ci-dessus, "
        "et en attendant collez la valeur seule, sur une ligne.",
        "This is not your fault: report it to your teacher with the code above, and "
        "meanwhile paste the value alone, on one line.",
    ),
    # --- database URI -----------------------------------------------------------------
    entry(
        "backend.console_url",
        "{name} est l'adresse d'une page de la console Neon, pas la chaîne de connexion "
        "de la base.",
        "{name} is the address of a Neon console page, not the database's connection string.",
        "Dans la console Neon, ouvrez votre projet → bouton « Connect » → copiez la chaîne "
        "qui commence par postgresql:// (cliquez sur l'œil pour afficher le mot de passe).",
        "In the Neon console, open your project → “Connect” button → copy the string that "
        "starts with postgresql:// (click the eye icon to show the password).",
    ),
    entry(
        "backend.scheme_rewritten",
        "{name} : « {scheme}:// » a été remplacé par « postgresql:// » (le serveur choisit "
        "lui-même le pilote).",
        "{name}: “{scheme}://” was replaced with “postgresql://” (the server picks the "
        "driver itself).",
    ),
    entry(
        "backend.scheme_added",
        "{name} : « postgresql:// » manquait au début et a été ajouté.",
        "{name}: “postgresql://” was missing at the start and was added.",
    ),
    entry(
        "backend.jdbc_converted",
        "{name} : l'adresse JDBC (Java) a été convertie en URI PostgreSQL.",
        "{name}: the JDBC (Java) address was converted to a PostgreSQL URI.",
    ),
    entry(
        "backend.assembled",
        "{name} : l'URI a été construite à partir des valeurs séparées collées (hôte, base, "
        "utilisateur, mot de passe).",
        "{name}: the URI was built from the separate values pasted (host, database, user, "
        "password).",
    ),
    entry(
        "backend.password_encoded",
        "{name} : le mot de passe contient des caractères spéciaux (@ : / # ? % espace…) ; "
        "ils ont été encodés pour l'URI (%40 pour @, etc.). Le mot de passe reste le même.",
        "{name}: the password contains special characters (@ : / # ? % space…); they were "
        "encoded for the URI (%40 for @, etc.). The password itself is unchanged.",
    ),
    entry(
        "backend.user_encoded",
        "{name} : le nom d'utilisateur contient des caractères spéciaux ; ils ont été encodés "
        "pour l'URI.",
        "{name}: the user name contains special characters; they were encoded for the URI.",
    ),
    entry(
        "backend.credentials_moved",
        "{name} : l'utilisateur et le mot de passe donnés après le « ? » ont été placés avant "
        "le @, à leur place habituelle.",
        "{name}: the user and password given after the “?” were moved before the @, where "
        "they usually go.",
    ),
    entry(
        "backend.param_removed",
        "{name} : le paramètre « {param} » a été retiré ; PostgreSQL refuse la connexion "
        "avec ce paramètre (il vient d'un autre outil, comme Prisma).",
        "{name}: the “{param}” parameter was removed; PostgreSQL refuses to connect with it "
        "(it comes from another tool, such as Prisma).",
        "Rien à faire si vous l'aviez copié sans le vouloir ; gardez la valeur nettoyée.",
        "Nothing to do if you copied it by accident; keep the cleaned value.",
    ),
    entry(
        "backend.sslmode_added",
        "{name} : « sslmode=require » a été ajouté ; Neon n'accepte que les connexions chiffrées.",
        "{name}: “sslmode=require” was added; Neon only accepts encrypted connections.",
    ),
    entry(
        "backend.sslmode_changed",
        "{name} : « sslmode={value} » a été remplacé par « sslmode=require » ; Neon n'accepte "
        "que les connexions chiffrées.",
        "{name}: “sslmode={value}” was replaced with “sslmode=require”; Neon only accepts "
        "encrypted connections.",
        "Rien à faire : gardez la valeur nettoyée.",
        "Nothing to do: keep the cleaned value.",
    ),
    entry(
        "backend.sslmode_invalid",
        "{name} : « sslmode={value} » n'est pas une valeur connue de PostgreSQL.",
        "{name}: “sslmode={value}” is not a value PostgreSQL knows.",
        "Écrivez sslmode=require (ou disable, allow, prefer, verify-ca, verify-full).",
        "Write sslmode=require (or disable, allow, prefer, verify-ca, verify-full).",
    ),
    entry(
        "backend.password_placeholder",
        "{name} contient un mot de passe d'exemple ou masqué (comme <password>, ****, "
        "[YOUR-PASSWORD] ou MON_MDP) au lieu du vrai mot de passe.",
        "{name} holds an example or masked password (like <password>, ****, "
        "[YOUR-PASSWORD] or MY_PASSWORD) instead of the real one.",
        "Console Neon → Connect → cliquez sur l'œil (« Show password ») puis copiez la chaîne "
        "complète ; le vrai mot de passe commence souvent par npg_.",
        "Neon console → Connect → click the eye icon (“Show password”) then copy the whole "
        "string; the real password often starts with npg_.",
    ),
    entry(
        "backend.no_password",
        "{name} n'a pas de mot de passe : Neon en exige un.",
        "{name} has no password: Neon requires one.",
        "Console Neon → Connect → cliquez sur l'œil (« Show password ») puis copiez la chaîne "
        "complète, de la forme postgresql://utilisateur:motdepasse@hôte/base.",
        "Neon console → Connect → click the eye icon (“Show password”) then copy the whole "
        "string, shaped like postgresql://user:password@host/database.",
    ),
    entry(
        "backend.no_user",
        "{name} n'a pas de nom d'utilisateur : Neon en exige un.",
        "{name} has no user name: Neon requires one.",
        "Recopiez la chaîne depuis la console Neon (Connect) : l'utilisateur vient juste "
        "après postgresql://, par exemple neondb_owner.",
        "Copy the string again from the Neon console (Connect): the user comes right after "
        "postgresql://, for example neondb_owner.",
    ),
    entry(
        "backend.no_database",
        "{name} ne nomme pas de base de données (le /nom après l'hôte manque).",
        "{name} names no database (the /name after the host is missing).",
        "Ajoutez /neondb après le nom d'hôte (ou le nom de votre base dans la console Neon), "
        "avant le « ? ».",
        "Add /neondb after the host name (or your database's name from the Neon console), "
        "before the “?”.",
    ),
    entry(
        "backend.host_invalid",
        "{name} : le nom d'hôte après le @ n'est pas valide.",
        "{name}: the host name after the @ is not valid.",
        "Recopiez la chaîne depuis la console Neon (Connect) : après le @ vient un nom comme "
        "ep-xxx-123456.eu-central-1.aws.neon.tech, sans espace ni < >.",
        "Copy the string again from the Neon console (Connect): after the @ comes a name "
        "like ep-xxx-123456.eu-central-1.aws.neon.tech, without spaces or < >.",
    ),
    entry(
        "backend.port_invalid",
        "{name} : le port après le nom d'hôte n'est pas un nombre entre 1 et 65535.",
        "{name}: the port after the host name is not a number between 1 and 65535.",
        "Retirez le « :… » après le nom d'hôte (Neon utilise le port par défaut, 5432), ou "
        "recopiez la chaîne depuis la console Neon.",
        "Remove the “:…” after the host name (Neon uses the default port, 5432), or copy "
        "the string again from the Neon console.",
    ),
    # --- artifact location ------------------------------------------------------------
    entry(
        "s3path.unparseable",
        "{field} n'est pas une adresse lisible.",
        "{field} is not a readable address.",
        "Écrivez s3:// suivi du nom du bucket et d'un dossier, par exemple "
        "s3://mon-bucket/mlflow-artifacts.",
        "Write s3:// followed by the bucket name and a folder, for example "
        "s3://my-bucket/mlflow-artifacts.",
    ),
    entry(
        "s3path.scheme",
        "{field} utilise « {scheme} » : seul Amazon S3 (s3://) est pris en charge ici.",
        "{field} uses “{scheme}”: only Amazon S3 (s3://) is supported here.",
        "Écrivez s3:// suivi du nom du bucket et d'un dossier, par exemple "
        "s3://mon-bucket/mlflow-artifacts.",
        "Write s3:// followed by the bucket name and a folder, for example "
        "s3://my-bucket/mlflow-artifacts.",
    ),
    entry(
        "s3path.scheme_rewritten",
        "{field} : « {scheme} » a été remplacé par « s3:// ».",
        "{field}: “{scheme}” was replaced with “s3://”.",
    ),
    entry(
        "s3path.scheme_added",
        "{field} : « s3:// » a été ajouté devant le nom du bucket.",
        "{field}: “s3://” was added in front of the bucket name.",
    ),
    entry(
        "s3path.local_path",
        "{field} est un dossier local : le disque d'un Space est effacé à chaque redémarrage, "
        "les artefacts seraient perdus.",
        "{field} is a local folder: a Space's disk is wiped at every restart, so artifacts "
        "would be lost.",
        "Utilisez un bucket S3 : s3://mon-bucket/mlflow-artifacts.",
        "Use an S3 bucket: s3://my-bucket/mlflow-artifacts.",
    ),
    entry(
        "s3path.credentials_removed",
        "{field} : des identifiants placés avant le @ ont été retirés de l'adresse.",
        "{field}: credentials placed before the @ were removed from the address.",
        "Mettez les clés AWS dans AWS_ACCESS_KEY_ID et AWS_SECRET_ACCESS_KEY, jamais dans "
        "l'adresse du bucket.",
        "Put the AWS keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never in the "
        "bucket address.",
    ),
    entry(
        "s3path.from_url",
        "{field} : l'adresse web S3 a été convertie en s3://bucket/dossier.",
        "{field}: the S3 web address was converted to s3://bucket/folder.",
    ),
    entry(
        "s3path.from_console",
        "{field} : l'adresse de la console AWS a été convertie en s3://bucket/dossier.",
        "{field}: the AWS console address was converted to s3://bucket/folder.",
    ),
    entry(
        "s3path.from_arn",
        "{field} : l'ARN du bucket a été converti en s3://bucket/dossier.",
        "{field}: the bucket's ARN was converted to s3://bucket/folder.",
    ),
    entry(
        "s3path.arn_unsupported",
        "{field} est un ARN qui ne désigne pas un bucket (point d'accès, objet Lambda, "
        "utilisateur…).",
        "{field} is an ARN that does not name a bucket (access point, Lambda object, user…).",
        "Écrivez l'adresse du bucket : s3://nom-du-bucket/mlflow-artifacts (le nom est "
        "dans la console S3, liste « Compartiments »).",
        "Write the bucket's address: s3://bucket-name/mlflow-artifacts (the name is in the "
        "S3 console, “Buckets” list).",
    ),
    entry(
        "s3path.not_s3_url",
        "{field} est une adresse web qui n'est pas celle d'un bucket S3 d'AWS.",
        "{field} is a web address that is not an AWS S3 bucket's.",
        "Écrivez s3://nom-du-bucket/mlflow-artifacts. Pour un stockage compatible S3 hors "
        "AWS (MinIO, R2…), mettez son adresse dans MLFLOW_S3_ENDPOINT_URL et gardez s3:// ici.",
        "Write s3://bucket-name/mlflow-artifacts. For an S3-compatible store outside AWS "
        "(MinIO, R2…), put its address in MLFLOW_S3_ENDPOINT_URL and keep s3:// here.",
    ),
    entry(
        "s3path.console_no_bucket",
        "{field} est une page de la console AWS qui ne montre pas un bucket.",
        "{field} is an AWS console page that does not show a bucket.",
        "Console S3 → cliquez sur le nom de votre bucket (puis sur le dossier) et copiez "
        "l'adresse de cette page, ou écrivez s3://nom-du-bucket/mlflow-artifacts.",
        "S3 console → click your bucket's name (then the folder) and copy that page's "
        "address, or write s3://bucket-name/mlflow-artifacts.",
    ),
    entry(
        "s3path.object_folder",
        "{field} : c'était la page d'un fichier ; le dossier qui le contient a été gardé.",
        "{field}: this was a file's page; the folder containing it was kept.",
        "Vérifiez que ce dossier est bien celui que MLflow doit utiliser.",
        "Check that this folder is the one MLflow should use.",
    ),
    entry(
        "s3path.region_found",
        "{field} : le bucket est dans la région {region}.",
        "{field}: the bucket is in region {region}.",
    ),
    entry(
        "s3path.prefix_normalised",
        "{field} : les « / » en trop dans le dossier ont été retirés ; le dossier est "
        "« {prefix} ».",
        "{field}: extra “/” in the folder were removed; the folder is “{prefix}”.",
    ),
    entry(
        "s3path.prefix_invalid",
        "{field} : le nom du dossier contient des caractères de contrôle ou des « \\ ».",
        "{field}: the folder name contains control characters or “\\”.",
        "Choisissez un dossier fait de lettres, chiffres, tirets et « / », par exemple "
        "s3://mon-bucket/mlflow-artifacts.",
        "Pick a folder made of letters, digits, hyphens and “/”, for example "
        "s3://my-bucket/mlflow-artifacts.",
    ),
    entry(
        "s3path.no_prefix",
        "{field} désigne la racine du bucket {bucket}, sans dossier.",
        "{field} points at the root of bucket {bucket}, without a folder.",
        "Ajoutez un dossier pour ranger MLflow à part, par exemple s3://{bucket}/mlflow-artifacts.",
        "Add a folder to keep MLflow apart, for example s3://{bucket}/mlflow-artifacts.",
    ),
    entry(
        "s3path.no_bucket",
        "{field} ne contient pas de nom de bucket.",
        "{field} contains no bucket name.",
        "Écrivez s3:// suivi du nom du bucket et d'un dossier, par exemple "
        "s3://mon-bucket/mlflow-artifacts.",
        "Write s3:// followed by the bucket name and a folder, for example "
        "s3://my-bucket/mlflow-artifacts.",
    ),
    entry(
        "s3path.bucket_length",
        "Le nom de bucket « {bucket} » fait {length} caractères : AWS exige de 3 à 63.",
        "The bucket name “{bucket}” is {length} characters long: AWS requires 3 to 63.",
        "Copiez le nom exact depuis la console S3 (liste « Compartiments ») ; un bucket "
        "existant respecte toujours cette règle.",
        "Copy the exact name from the S3 console (“Buckets” list); an existing bucket "
        "always follows this rule.",
    ),
    entry(
        "s3path.bucket_uppercase",
        "Le nom de bucket « {bucket} » contient des majuscules : AWS ne les accepte pas.",
        "The bucket name “{bucket}” contains upper-case letters: AWS does not accept them.",
        "Écrivez-le en minuscules : {suggestion}.",
        "Write it in lower case: {suggestion}.",
    ),
    entry(
        "s3path.bucket_underscore",
        "Le nom de bucket « {bucket} » contient « _ » : AWS ne l'accepte pas.",
        "The bucket name “{bucket}” contains “_”: AWS does not accept it.",
        "Les noms de bucket utilisent des tirets : {suggestion} (vérifiez le nom exact dans "
        "la console S3).",
        "Bucket names use hyphens: {suggestion} (check the exact name in the S3 console).",
    ),
    entry(
        "s3path.bucket_characters",
        "Le nom de bucket « {bucket} » contient des caractères interdits (espaces, accents, "
        "symboles).",
        "The bucket name “{bucket}” contains forbidden characters (spaces, accents, symbols).",
        "Un nom de bucket n'a que des minuscules, des chiffres, des points et des tirets : "
        "copiez-le depuis la console S3.",
        "A bucket name has only lower-case letters, digits, dots and hyphens: copy it from "
        "the S3 console.",
    ),
    entry(
        "s3path.bucket_edges",
        "Le nom de bucket « {bucket} » commence ou finit par un point ou un tiret : AWS "
        "exige une lettre ou un chiffre.",
        "The bucket name “{bucket}” starts or ends with a dot or a hyphen: AWS requires a "
        "letter or a digit.",
        "Retirez le point ou le tiret au début ou à la fin du nom.",
        "Remove the dot or hyphen at the start or end of the name.",
    ),
    entry(
        "s3path.bucket_double_dot",
        "Le nom de bucket « {bucket} » contient « .. » : AWS ne l'accepte pas.",
        "The bucket name “{bucket}” contains “..”: AWS does not accept it.",
        "Gardez un seul point entre deux parties du nom (copiez-le depuis la console S3).",
        "Keep a single dot between two parts of the name (copy it from the S3 console).",
    ),
    entry(
        "s3path.bucket_ip",
        "Le nom de bucket « {bucket} » a la forme d'une adresse IP : AWS ne l'accepte pas.",
        "The bucket name “{bucket}” looks like an IP address: AWS does not accept it.",
        "Écrivez le nom du bucket (console S3, liste « Compartiments »), pas une adresse IP.",
        "Write the bucket's name (S3 console, “Buckets” list), not an IP address.",
    ),
    entry(
        "s3path.bucket_reserved_prefix",
        "Le nom de bucket « {bucket} » commence par « {prefix} », réservé par AWS.",
        "The bucket name “{bucket}” starts with “{prefix}”, which AWS reserves.",
        "Utilisez le nom exact de votre bucket ; pour en créer un, choisissez un nom qui ne "
        "commence pas par {prefix}.",
        "Use your bucket's exact name; to create one, pick a name that does not start with "
        "{prefix}.",
    ),
    entry(
        "s3path.bucket_reserved_suffix",
        "Le nom de bucket « {bucket} » finit par « {suffix} », réservé par AWS (alias de "
        "point d'accès).",
        "The bucket name “{bucket}” ends with “{suffix}”, which AWS reserves (access point "
        "aliases).",
        "Utilisez le nom du bucket lui-même (console S3, liste « Compartiments »), pas "
        "celui d'un point d'accès.",
        "Use the bucket's own name (S3 console, “Buckets” list), not an access point's.",
    ),
    # --- region -----------------------------------------------------------------------
    entry(
        "region.normalised",
        "{field} : la région a été réécrite « {region} ».",
        "{field}: the region was rewritten as “{region}”.",
    ),
    entry(
        "region.zone_trimmed",
        "{field} : « {zone} » est une zone de disponibilité ; sa région, {region}, a été gardée.",
        "{field}: “{zone}” is an availability zone; its region, {region}, was kept.",
    ),
    entry(
        "region.from_label",
        "{field} : la région {region} a été reconnue dans le libellé collé.",
        "{field}: region {region} was recognised in the pasted label.",
    ),
    entry(
        "region.unknown",
        "{field} : « {region} » a la forme d'une région AWS mais n'est pas dans notre liste.",
        "{field}: “{region}” looks like an AWS region but is not in our list.",
        "Vérifiez l'orthographe : la région du bucket s'affiche dans la console S3, colonne "
        "« Région AWS » (par exemple eu-west-3 pour Paris).",
        "Check the spelling: the bucket's region shows in the S3 console, “AWS Region” "
        "column (for example eu-west-3 for Paris).",
    ),
    entry(
        "region.ambiguous",
        "{field} peut désigner plusieurs régions : {choices}.",
        "{field} may mean several regions: {choices}.",
        "Écrivez le code exact de la région du bucket (console S3, colonne « Région AWS »), "
        "par exemple eu-west-3.",
        "Write the exact code of the bucket's region (S3 console, “AWS Region” column), for "
        "example eu-west-3.",
    ),
    entry(
        "region.invalid",
        "{field} n'est pas une région AWS reconnue.",
        "{field} is not a recognised AWS region.",
        "Écrivez le code de la région du bucket, tel qu'affiché dans la console S3 (colonne "
        f"« Région AWS »), par exemple {_REAL_REGIONS}.",
        "Write the code of the bucket's region, as the S3 console shows it (“AWS Region” "
        f"column), for example {_REAL_REGIONS_EN}.",
    ),
    # --- AWS access keys --------------------------------------------------------------
    entry(
        "awskey.from_csv",
        "{field} : les clés ont été lues dans le fichier CSV téléchargé depuis AWS.",
        "{field}: the keys were read from the CSV file downloaded from AWS.",
    ),
    entry(
        "awskey.from_variables",
        "{field} : les clés ont été lues dans les lignes collées (AWS_ACCESS_KEY_ID=…, "
        "fichier credentials ou JSON).",
        "{field}: the keys were read from the pasted lines (AWS_ACCESS_KEY_ID=…, credentials "
        "file or JSON).",
    ),
    entry(
        "awskey.both_in_one_field",
        "{field} : l'identifiant et la clé secrète étaient collés ensemble ; ils ont été séparés.",
        "{field}: the key ID and the secret key were pasted together; they were separated.",
    ),
    entry(
        "awskey.whitespace_removed",
        "{field} : des espaces ou retours à la ligne dans la clé ont été retirés.",
        "{field}: spaces or line breaks inside the key were removed.",
    ),
    entry(
        "awskey.id_uppercased",
        "{field} : l'identifiant de clé était en minuscules ; il a été remis en majuscules.",
        "{field}: the access key ID was in lower case; it was put back in upper case.",
    ),
    entry(
        "awskey.swapped",
        "L'identifiant de clé et la clé secrète étaient inversés ; ils ont été remis à leur place.",
        "The access key ID and the secret key were swapped; they were put back in place.",
        "Rien à faire : gardez les valeurs nettoyées (AKIA… va dans AWS_ACCESS_KEY_ID).",
        "Nothing to do: keep the cleaned values (AKIA… goes in AWS_ACCESS_KEY_ID).",
    ),
    entry(
        "awskey.example",
        "Ces clés sont l'exemple de la documentation AWS (…EXAMPLE), pas de vraies clés.",
        "These keys are the example from the AWS documentation (…EXAMPLE), not real keys.",
        "Console AWS → IAM → Utilisateurs → votre utilisateur → Informations d'identification "
        "de sécurité → Créer une clé d'accès, puis collez vos deux valeurs.",
        "AWS console → IAM → Users → your user → Security credentials → Create access key, "
        "then paste your two values.",
    ),
    entry(
        "awskey.same_value",
        "AWS_ACCESS_KEY_ID et AWS_SECRET_ACCESS_KEY contiennent la même valeur.",
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY hold the same value.",
        "Mettez l'identifiant (AKIA…, 20 caractères) dans AWS_ACCESS_KEY_ID et la clé "
        "secrète (40 caractères) dans AWS_SECRET_ACCESS_KEY.",
        "Put the key ID (AKIA…, 20 characters) in AWS_ACCESS_KEY_ID and the secret key "
        "(40 characters) in AWS_SECRET_ACCESS_KEY.",
    ),
    entry(
        "awskey.id_is_secret",
        "{field} contient une clé secrète (40 caractères), pas un identifiant de clé.",
        "{field} holds a secret key (40 characters), not an access key ID.",
        "Mettez la clé secrète dans AWS_SECRET_ACCESS_KEY et, dans {field}, l'identifiant "
        "qui commence par AKIA (20 caractères).",
        "Put the secret key in AWS_SECRET_ACCESS_KEY and, in {field}, the ID that starts "
        "with AKIA (20 characters).",
    ),
    entry(
        "awskey.secret_is_id",
        "{field} contient un identifiant de clé (AKIA…), pas la clé secrète.",
        "{field} holds an access key ID (AKIA…), not the secret key.",
        "Mettez dans {field} la clé secrète de 40 caractères affichée à côté de "
        "l'identifiant quand la clé a été créée. " + _NEW_KEY_FR,
        "Put in {field} the 40-character secret key shown next to the ID when the key was "
        "created. " + _NEW_KEY_EN,
    ),
    entry(
        "awskey.id_prefix",
        "{field} commence par « {start} » : un identifiant de clé d'accès commence par AKIA.",
        "{field} starts with “{start}”: an access key ID starts with AKIA.",
        "Copiez l'« ID de clé d'accès » (AKIA suivi de 16 majuscules et chiffres) depuis "
        "IAM → Utilisateurs → votre utilisateur → Informations d'identification de sécurité.",
        "Copy the “Access key ID” (AKIA then 16 capital letters and digits) from IAM → "
        "Users → your user → Security credentials.",
    ),
    entry(
        "awskey.user_id",
        "{field} est l'identifiant de l'utilisateur IAM (AIDA…), pas celui d'une clé d'accès.",
        "{field} is the IAM user's ID (AIDA…), not an access key's.",
        "IAM → Utilisateurs → votre utilisateur → Informations d'identification de sécurité "
        "→ Clés d'accès : copiez l'ID qui commence par AKIA (créez une clé s'il n'y en a pas).",
        "IAM → Users → your user → Security credentials → Access keys: copy the ID that "
        "starts with AKIA (create a key if there is none).",
    ),
    entry(
        "awskey.temporary",
        "{field} : ce sont des clés temporaires (ASIA…) : elles exigent un jeton de session "
        "et expirent après quelques heures, le serveur cesserait alors de fonctionner.",
        "{field}: these are temporary keys (ASIA…): they need a session token and expire "
        "after a few hours, after which the server would stop working.",
        "Créez une clé d'accès durable pour un utilisateur IAM : IAM → Utilisateurs → votre "
        "utilisateur → Informations d'identification de sécurité → Créer une clé d'accès "
        "(elle commence par AKIA).",
        "Create a long-lived access key for an IAM user: IAM → Users → your user → Security "
        "credentials → Create access key (it starts with AKIA).",
    ),
    entry(
        "awskey.id_length",
        "{field} fait {length} caractères : un identifiant de clé d'accès en fait 20.",
        "{field} is {length} characters long: an access key ID has 20.",
        "Recopiez l'identifiant en entier (AKIA suivi de 16 majuscules et chiffres), avec le "
        "bouton de copie de la console.",
        "Copy the whole ID again (AKIA then 16 capital letters and digits), with the "
        "console's copy button.",
    ),
    entry(
        "awskey.id_characters",
        "{field} contient des caractères qui n'existent pas dans un identifiant de clé "
        "(seulement des majuscules et des chiffres).",
        "{field} contains characters that never appear in an access key ID (only capital "
        "letters and digits).",
        "Recopiez l'identifiant (AKIA…, 20 caractères) avec le bouton de copie de la console "
        "IAM, sans rien autour.",
        "Copy the ID (AKIA…, 20 characters) again with the IAM console's copy button, with "
        "nothing around it.",
    ),
    entry(
        "awskey.secret_length",
        "{field} fait {length} caractères : une clé secrète AWS en fait 40.",
        "{field} is {length} characters long: an AWS secret key has 40.",
        "Recopiez la clé secrète en entier. " + _NEW_KEY_FR,
        "Copy the whole secret key again. " + _NEW_KEY_EN,
    ),
    entry(
        "awskey.secret_characters",
        "{field} contient des caractères qui n'existent pas dans une clé secrète AWS "
        "(seulement lettres, chiffres, / et +).",
        "{field} contains characters that never appear in an AWS secret key (only letters, "
        "digits, / and +).",
        "Recopiez la clé secrète seule, sans texte autour ni étoiles de masquage. " + _NEW_KEY_FR,
        "Copy the secret key alone, without text around it or masking stars. " + _NEW_KEY_EN,
    ),
)

__all__ = ["ENTRIES", "entry"]
