"""Diagnoses about the PostgreSQL (Neon) database that holds MLflow's metadata."""

from server.catalogue import entry

_COPY_AGAIN_FR = (
    "Dans la console Neon, ouvrez votre projet → Connect, puis recopiez la chaîne de "
    "connexion complète (avec le mot de passe)."
)
_COPY_AGAIN_EN = (
    "In the Neon console, open your project → Connect, then copy the full connection "
    "string again (password included)."
)

ENTRIES = (
    entry(
        "postgres.ok",
        "Connecté à PostgreSQL sur {host}.",
        "Connected to PostgreSQL on {host}.",
    ),
    entry(
        "postgres.dns",
        "Le nom d'hôte {host} est introuvable.",
        "The host name {host} cannot be found.",
        "Le nom est mal recopié, ou le projet Neon a été supprimé. " + _COPY_AGAIN_FR,
        "The name is mistyped, or the Neon project was deleted. " + _COPY_AGAIN_EN,
    ),
    entry(
        "postgres.refused",
        "{host} refuse les connexions sur le port {port}.",
        "{host} refuses connections on port {port}.",
        "Le port est sans doute faux : Neon écoute sur 5432 (port par défaut, à ne pas "
        "préciser). " + _COPY_AGAIN_FR,
        "The port is probably wrong: Neon listens on 5432 (the default, no need to give "
        "it). " + _COPY_AGAIN_EN,
    ),
    entry(
        "postgres.connect_timeout",
        "{host} ne répond pas sur le port {port}.",
        "{host} does not answer on port {port}.",
        "Vérifiez le nom d'hôte et le port ; un pare-feu (réseau d'entreprise ou d'école) "
        "peut bloquer le port {port} : essayez depuis un autre réseau.",
        "Check the host name and port; a firewall (company or school network) may block "
        "port {port}: try from another network.",
    ),
    entry(
        "postgres.connect_timeout_space",
        "{host} ne répond pas sur le port {port} depuis ce Space.",
        "{host} does not answer on port {port} from this Space.",
        "Hugging Face indique que les Spaces ne peuvent joindre que les ports 80, 443 et "
        "8080. Si la même URI fonctionne depuis votre ordinateur (python app.py doctor), "
        "lancez cette image ailleurs (voir le README, « Sans Hugging Face »).",
        "Hugging Face documents that Spaces may only reach ports 80, 443 and 8080. If the "
        "same URI works from your computer (python app.py doctor), run this image "
        "elsewhere (see the README, “Without Hugging Face”).",
    ),
    entry(
        "postgres.login_timeout",
        "{host} a accepté la connexion mais ne répond plus.",
        "{host} accepted the connection but stopped answering.",
        "Le service est peut-être surchargé ou en panne : réessayez dans une minute. "
        "S'il s'agit de Neon, regardez status.neon.tech.",
        "The service may be overloaded or down: try again in a minute. If it is Neon, "
        "look at status.neon.tech.",
    ),
    entry(
        "postgres.auth_failed",
        "Mot de passe refusé pour l'utilisateur {user}.",
        "Password rejected for user {user}.",
        "Le mot de passe de l'URI est faux ou a été changé. Dans Neon → Roles, vous "
        "pouvez le réinitialiser (Reset password) ; puis recopiez la nouvelle URI.",
        "The password in the URI is wrong or was changed. In Neon → Roles you can reset "
        "it (Reset password); then copy the new URI.",
    ),
    entry(
        "postgres.role_missing",
        "L'utilisateur {user} n'existe pas sur ce serveur.",
        "User {user} does not exist on this server.",
        "Utilisez l'utilisateur proposé par Neon (souvent neondb_owner). " + _COPY_AGAIN_FR,
        "Use the user Neon offers (often neondb_owner). " + _COPY_AGAIN_EN,
    ),
    entry(
        "postgres.database_missing",
        "La base {database} n'existe pas.",
        "Database {database} does not exist.",
        "Créez-la dans Neon (Databases → New database) ou utilisez la base existante "
        "(souvent neondb) à la fin de l'URI.",
        "Create it in Neon (Databases → New database) or use the existing one (often "
        "neondb) at the end of the URI.",
    ),
    entry(
        "postgres.ssl_required",
        "Le serveur exige une connexion chiffrée (TLS).",
        "The server requires an encrypted (TLS) connection.",
        "Ajoutez ?sslmode=require à la fin de l'URI (ou remplacez sslmode=disable).",
        "Add ?sslmode=require at the end of the URI (or replace sslmode=disable).",
    ),
    entry(
        "postgres.ssl_unsupported",
        "Le serveur {host} ne propose pas de connexion chiffrée.",
        "Server {host} does not offer an encrypted connection.",
        "Neon chiffre toujours : cette URI ne mène sans doute pas à Neon. " + _COPY_AGAIN_FR,
        "Neon always encrypts: this URI probably does not lead to Neon. " + _COPY_AGAIN_EN,
    ),
    entry(
        "postgres.neon_endpoint_id",
        "Neon ne sait pas à quel point d'accès vous vous adressez (« Endpoint ID »).",
        "Neon cannot tell which endpoint you mean (“Endpoint ID”).",
        "Votre client PostgreSQL est trop ancien (libpq < 14, sans SNI). Mettez-le à jour, "
        "ou ajoutez &options=endpoint%3D<id> à l'URI, où <id> est le début du nom d'hôte "
        "(ep-…).",
        "Your PostgreSQL client is too old (libpq < 14, no SNI). Update it, or add "
        "&options=endpoint%3D<id> to the URI, where <id> is the start of the host name "
        "(ep-…).",
    ),
    entry(
        "postgres.channel_binding",
        "La liaison de canal (channel_binding) a échoué.",
        "Channel binding failed.",
        "Gardez channel_binding=require seulement avec sslmode=require ; sinon retirez "
        "&channel_binding=require de l'URI.",
        "Keep channel_binding=require only with sslmode=require; otherwise remove "
        "&channel_binding=require from the URI.",
    ),
    entry(
        "postgres.too_many_connections",
        "Le serveur {host} n'accepte plus de connexions (limite atteinte).",
        "Server {host} accepts no more connections (limit reached).",
        "Un autre programme garde trop de connexions ouvertes. Utilisez l'URI « pooled » de "
        "Neon (hôte en -pooler), ou fermez les autres clients.",
        "Another program holds too many connections. Use Neon's pooled URI (host ending in "
        "-pooler), or close the other clients.",
    ),
    entry(
        "postgres.neon_quota",
        "Le projet Neon a épuisé son quota gratuit.",
        "The Neon project has used up its free quota.",
        "Attendez le mois suivant ou passez à une offre supérieure (Neon → Billing). Ce "
        "serveur n'interroge pas la base quand personne ne s'en sert, pour l'économiser.",
        "Wait for next month or upgrade (Neon → Billing). This server does not query the "
        "database while nobody uses it, to save it.",
    ),
    entry(
        "postgres.neon_disabled",
        "Le point d'accès Neon est désactivé.",
        "The Neon endpoint is disabled.",
        "Dans Neon → Branches → votre branche → Computes, réactivez le compute.",
        "In Neon → Branches → your branch → Computes, enable the compute again.",
    ),
    entry(
        "postgres.connect_failed",
        "La connexion à {host} a échoué.",
        "The connection to {host} failed.",
        "Lisez le détail ci-dessous ; " + _COPY_AGAIN_FR,
        "Read the detail below; " + _COPY_AGAIN_EN,
    ),
    entry(
        "postgres.no_tls",
        "La connexion à {host} n'est pas chiffrée.",
        "The connection to {host} is not encrypted.",
        "Ajoutez ?sslmode=require à l'URI : sinon le mot de passe circule en clair.",
        "Add ?sslmode=require to the URI: otherwise the password travels in clear.",
    ),
    entry(
        "postgres.no_create",
        "L'utilisateur {user} ne peut pas créer de tables : MLflow ne pourra pas démarrer.",
        "User {user} cannot create tables: MLflow will not be able to start.",
        "Utilisez le propriétaire de la base (neondb_owner chez Neon), ou exécutez en tant "
        "que propriétaire : GRANT CREATE ON SCHEMA public TO {user};",
        "Use the database owner (neondb_owner on Neon), or run as the owner: GRANT CREATE "
        "ON SCHEMA public TO {user};",
    ),
    entry(
        "postgres.schema_empty",
        "Base vide : MLflow y créera ses tables au premier démarrage.",
        "Empty database: MLflow creates its tables at first start.",
    ),
    entry(
        "postgres.schema_current",
        "La base contient déjà les tables de MLflow, à jour.",
        "The database already holds MLflow's tables, up to date.",
    ),
    entry(
        "postgres.schema_older",
        "La base contient les tables d'une version plus ancienne de MLflow : elles seront "
        "mises à jour au démarrage.",
        "The database holds an older MLflow version's tables: they are upgraded at start.",
    ),
    entry(
        "postgres.schema_foreign",
        "La base contient déjà les tables d'un autre outil (alembic_version inconnue de "
        "MLflow) : deux projets partagent la même base.",
        "The database already holds another tool's tables (an alembic_version MLflow does "
        "not know): two projects share one database.",
        "Donnez une base à MLflow : dans Neon → Databases → New database (par exemple "
        "mlflow), puis utilisez l'URI qui se termine par /mlflow.",
        "Give MLflow a database of its own: in Neon → Databases → New database (for "
        "example mlflow), then use the URI ending in /mlflow.",
    ),
    entry(
        "postgres.pooler_no_prepare",
        "Un pooler de connexions sans requêtes préparées est devant la base : le serveur "
        "les désactive, rien à faire.",
        "A connection pooler without prepared statements sits in front of the database: "
        "the server turns them off, nothing to do.",
    ),
    entry(
        "postgres.pooled",
        "Connexion par le pooler de Neon (hôte -pooler).",
        "Connection through Neon's pooler (-pooler host).",
    ),
    entry(
        "postgres.direct",
        "Connexion directe à la base.",
        "Direct connection to the database.",
    ),
    entry(
        "postgres.unexpected",
        "La vérification de la base a échoué de façon inattendue.",
        "The database check failed unexpectedly.",
        "Relancez la vérification ; si cela persiste, signalez le code ci-dessus à votre "
        "formateur.",
        "Run the check again; if it persists, report the code above to your teacher.",
    ),
)
