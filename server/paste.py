"""Paste cleaning: turn what students actually paste into canonical values.

Students copy from the Neon console, the AWS console, CSV downloads, `.env` files and chat
messages. Every function here takes that text as it came, returns the canonical value it
means (or None), and says what was changed and why anything is unusable, as diagnoses
from the catalogue (`server/catalogue/paste.py`).

The functions are pure (no network, no environment), never raise for any `str`, and do
linear work: inputs longer than `MAX_PASTE_CHARS` are refused before any parsing. No
diagnosis ever carries a password, a secret key or a whole URI.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import parse_qsl, quote, unquote, unquote_to_bytes, urlsplit

from server import settings as names
from server.diagnoses import Diagnosis, Status

T = TypeVar("T")

# A real value is at most a few hundred characters (a Neon `.env` block about 1 KB); beyond
# this it is a wrong paste (a log, a file), refused before any parsing.
MAX_PASTE_CHARS = 8192


@dataclass(frozen=True)
class Cleaned(Generic[T]):
    """A cleaned paste: the canonical value, what was changed, and what makes it unusable.

    `value` is None exactly when `problems` is not empty.
    """

    value: T | None
    changes: tuple[Diagnosis, ...] = ()
    problems: tuple[Diagnosis, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def diagnoses(self) -> tuple[Diagnosis, ...]:
        return self.changes + self.problems


@dataclass(frozen=True)
class S3Location:
    """Where MLflow keeps artifacts: a bucket, a folder in it, and the bucket's region if known."""

    bucket: str
    prefix: str = ""
    region: str | None = None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


@dataclass(frozen=True, repr=False)
class AwsKeys:
    """An access key pair. Its repr never shows the secret, nor more than the ID's start."""

    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:
        return f"AwsKeys(access_key_id='{self.access_key_id[:4]}…', secret_access_key='••••••')"

    __str__ = __repr__


@dataclass(frozen=True)
class Region:
    """A real AWS region: its code, city names, and the console's area names (data)."""

    code: str
    city_en: str
    city_fr: str
    areas: tuple[str, ...]
    aliases: tuple[str, ...] = ()


_EUROPE = ("Europe", "EU")
_ASIA = ("Asia Pacific", "Asie-Pacifique", "Asia", "Asie", "AP")
_US_EAST = ("US East", "USA Est", "Est des USA", "US", "USA", "Etats-Unis", "United States")
_US_WEST = ("US West", "USA Ouest", "Ouest des USA", "US", "USA", "Etats-Unis", "United States")

# Real AWS region codes with the city names the console shows in English and French.
REGIONS: tuple[Region, ...] = (
    Region("us-east-1", "N. Virginia", "Virginie du Nord", _US_EAST, ("Virginia", "Virginie")),
    Region("us-east-2", "Ohio", "Ohio", _US_EAST),
    Region("us-west-1", "N. California", "Californie du Nord", _US_WEST, ("California",)),
    Region("us-west-2", "Oregon", "Oregon", _US_WEST),
    Region("ca-central-1", "Montreal", "Montréal", ("Canada",), ("Central", "Centre")),
    Region("ca-west-1", "Calgary", "Calgary", ("Canada",), ("West", "Ouest")),
    Region("mx-central-1", "Mexico", "Mexique", ("Mexico", "Mexique"), ("Central", "Centre")),
    Region("sa-east-1", "São Paulo", "São Paulo", ("South America", "Amérique du Sud")),
    Region("eu-west-1", "Ireland", "Irlande", _EUROPE, ("Dublin",)),
    Region("eu-west-2", "London", "Londres", _EUROPE),
    Region("eu-west-3", "Paris", "Paris", _EUROPE, ("France",)),
    Region("eu-central-1", "Frankfurt", "Francfort", _EUROPE, ("Allemagne", "Germany")),
    Region("eu-central-2", "Zurich", "Zurich", _EUROPE, ("Suisse", "Switzerland")),
    Region("eu-north-1", "Stockholm", "Stockholm", _EUROPE, ("Suède", "Sweden")),
    Region("eu-south-1", "Milan", "Milan", _EUROPE, ("Italie", "Italy")),
    Region("eu-south-2", "Spain", "Espagne", _EUROPE, ("Madrid", "Aragon")),
    Region("af-south-1", "Cape Town", "Le Cap", ("Africa", "Afrique")),
    Region("il-central-1", "Tel Aviv", "Tel Aviv", ("Israel", "Israël")),
    Region("me-south-1", "Bahrain", "Bahreïn", ("Middle East", "Moyen-Orient")),
    Region("me-central-1", "UAE", "Émirats arabes unis", ("Middle East", "Moyen-Orient")),
    Region("ap-south-1", "Mumbai", "Mumbai", _ASIA, ("Bombay",)),
    Region("ap-south-2", "Hyderabad", "Hyderabad", _ASIA),
    Region("ap-east-1", "Hong Kong", "Hong Kong", _ASIA),
    Region("ap-east-2", "Taipei", "Taipei", _ASIA),
    Region("ap-northeast-1", "Tokyo", "Tokyo", _ASIA),
    Region("ap-northeast-2", "Seoul", "Séoul", _ASIA),
    Region("ap-northeast-3", "Osaka", "Osaka", _ASIA),
    Region("ap-southeast-1", "Singapore", "Singapour", _ASIA),
    Region("ap-southeast-2", "Sydney", "Sydney", _ASIA),
    Region("ap-southeast-3", "Jakarta", "Jakarta", _ASIA),
    Region("ap-southeast-4", "Melbourne", "Melbourne", _ASIA),
    Region("ap-southeast-5", "Malaysia", "Malaisie", _ASIA, ("Kuala Lumpur",)),
    Region("ap-southeast-6", "New Zealand", "Nouvelle-Zélande", _ASIA, ("Auckland",)),
    Region("ap-southeast-7", "Thailand", "Thaïlande", _ASIA, ("Bangkok",)),
    Region("cn-north-1", "Beijing", "Pékin", ("China", "Chine")),
    Region("cn-northwest-1", "Ningxia", "Ningxia", ("China", "Chine")),
    Region("us-gov-west-1", "GovCloud (US-West)", "GovCloud (US-West)", ("AWS GovCloud",)),
    Region("us-gov-east-1", "GovCloud (US-East)", "GovCloud (US-East)", ("AWS GovCloud",)),
)
REGION_CODES: frozenset[str] = frozenset(r.code for r in REGIONS)

# ---------------------------------------------------------------------------------------
# Shared machinery
# ---------------------------------------------------------------------------------------

# Quotes students wrap values in: shell, Markdown, and what French keyboards and chat
# apps turn typed quotes into.
_QUOTE_PAIRS = {
    "'": "'",
    '"': '"',
    "`": "`",
    "“": "”",
    "”": "”",
    "‘": "’",
    "’": "’",
    "«": "»",
    "„": "“",
}
_CLOSING_QUOTES = frozenset(_QUOTE_PAIRS.values())
_ASSIGNMENT = re.compile(r"(?:export\s+|set\s+|\$env:)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)", re.S)
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_SAFE_WORD = re.compile(r"[A-Za-z0-9_.+\-]{1,40}")
# Whitespace and line breaks str.split() knows, for the places where none may remain.
_WHITESPACE = re.compile(r"\s+")


def _shown(text: str) -> str:
    """A pasted word fit to echo: a short plain token, else an ellipsis."""
    return text if _SAFE_WORD.fullmatch(text) else "…"


class _Notes:
    """Collects the changes and problems of one cleaning, and the secrets to keep out of them."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.changes: list[Diagnosis] = []
        self.problems: list[Diagnosis] = []
        self.secrets: list[str] = []

    def _add(
        self,
        into: list[Diagnosis],
        code: str,
        status: Status,
        field: str | None,
        params: dict[str, str | int],
    ) -> None:
        name = field or self.field
        # `name` is what the settings catalogue's backend.* entries call the setting.
        diagnosis = Diagnosis(code, status, params={"field": name, "name": name, **params})
        if diagnosis not in into:  # one mention per cause is enough
            into.append(diagnosis)

    def change(
        self, code: str, status: Status = "ok", field: str | None = None, **params: str | int
    ) -> None:
        self._add(self.changes, code, status, field, params)

    def problem(self, code: str, field: str | None = None, **params: str | int) -> None:
        self._add(self.problems, code, "fail", field, params)

    def secret(self, *values: str | None) -> None:
        # Short strings would match everywhere and cannot leak much: only longer ones count.
        self.secrets += [v for v in values if v and len(v) >= 4]

    def result(self, value: T | None) -> Cleaned[T]:
        return Cleaned(
            value=None if self.problems else value,
            changes=tuple(self._scrub(d) for d in self.changes),
            problems=tuple(self._scrub(d) for d in self.problems),
        )

    def _scrub(self, diagnosis: Diagnosis) -> Diagnosis:
        """Last guard: a parameter that contains a secret is masked, whatever the parser did."""

        def clean(value: str | int) -> str | int:
            if isinstance(value, str) and any(s in value for s in self.secrets):
                return "…"
            return value

        # The setting's name is ours, never pasted: it stays even if a paste contains it.
        params = {k: v if k in ("field", "name") else clean(v) for k, v in diagnosis.params.items()}
        details = {k: str(clean(v)) for k, v in diagnosis.details.items()}
        return Diagnosis(diagnosis.code, diagnosis.status, params=params, details=details)


def _guarded(clean: Callable[[_Notes, str], T | None], text: object, field: str) -> Cleaned[T]:
    """Run one cleaner; a bug in it becomes a diagnosis instead of an exception."""
    notes = _Notes(field)
    try:
        if not isinstance(text, str):
            text = ""
        return notes.result(clean(notes, text))
    except Exception:  # these functions promise never to raise
        fallback = _Notes(field)
        fallback.problem("paste.unexpected")
        return fallback.result(None)


def _prepare(
    notes: _Notes, text: str, field: str | None = None, empty_ok: bool = False
) -> str | None:
    """Bound, de-invisible and strip a paste; None (with a problem) when it cannot be used."""
    if len(text) > MAX_PASTE_CHARS:
        notes.problem("paste.too_long", field, length=len(text), max=MAX_PASTE_CHARS)
        return None
    kept: list[str] = []
    removed = False
    for char in text:
        if char.isprintable() or char in "\t\n\r\v\f":
            kept.append(char)
            continue
        category = unicodedata.category(char)
        if category == "Cf":  # zero-width spaces, byte-order marks, direction marks
            removed = True
        elif category in ("Zs", "Zl", "Zp"):  # no-break and other typographic spaces
            kept.append(" " if category == "Zs" else "\n")
        elif category in ("Cc", "Cs"):
            notes.problem("paste.control_characters", field)
            return None
        else:  # unassigned or private-use: let the value's own rules judge it
            kept.append(char)
    if removed:
        notes.change("paste.invisible_removed", field=field)
    cleaned = "".join(kept).strip()
    if not cleaned and not empty_ok:
        notes.problem("paste.empty", field)
        return None
    return cleaned


def _unquote(notes: _Notes, text: str, field: str | None = None) -> str:
    """Remove quotes wrapped around a value, even unbalanced ones, and say so."""
    value = text.strip()
    changed = False
    while value:
        first, last = value[0], value[-1]
        if len(value) >= 2 and first in _QUOTE_PAIRS and last == _QUOTE_PAIRS[first]:
            value = value[1:-1].strip()
        elif first in _QUOTE_PAIRS:
            value = value[1:].strip()
        elif last in _CLOSING_QUOTES or last in _QUOTE_PAIRS:
            value = value[:-1].strip()
        else:
            break
        changed = True
    if changed:
        notes.change("paste.quotes_removed", field=field)
    return value


def _lines(text: str) -> list[str]:
    """The meaningful lines: no blanks, no comments, no Markdown fences."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", "```", "//")):
            out.append(line)
    return out


@dataclass
class _Candidate:
    """One value found in a paste: from a `KEY=value` line, or a line of its own."""

    value: str
    variable: str | None = None
    before: str = ""  # text in front of the value on its line (a command, a label)
    quoted: bool = False


def _assignment(line: str) -> tuple[str, str] | None:
    match = _ASSIGNMENT.match(line)
    if match is None:
        return None
    return match.group(1), match.group(2).strip()


def _scheme_start(line: str, marker: int) -> int:
    """Where the scheme in front of `://` at `marker` begins (walking back, linear)."""
    start = marker
    while start > 0 and (
        line[start - 1].isascii() and (line[start - 1].isalnum() or line[start - 1] in "+.-")
    ):
        start -= 1
    if line[max(0, start - 5) : start].lower() == "jdbc:":
        start -= 5
    return start


def _candidate(line: str) -> _Candidate:
    """The value a line holds: `KEY=value`, or a URL with a command or label in front."""
    found = _assignment(line)
    if found is not None:
        variable, value = found
        return _Candidate(value, variable=variable)
    marker = line.find("://")
    if marker <= 0:
        return _Candidate(line)
    start = _scheme_start(line, marker)
    before, rest = line[:start].rstrip(), line[start:]
    quoted = False
    if before and before[-1] in _QUOTE_PAIRS:
        # `psql 'postgresql://…'`: the value ends at the last matching closing quote.
        closing = _QUOTE_PAIRS[before[-1]]
        before, quoted = before[:-1].rstrip(), True
        end = rest.rfind(closing)
        if end > 0:
            rest = rest[:end]
    return _Candidate(rest, before=before, quoted=quoted)


def _report_candidate(notes: _Notes, candidate: _Candidate, field: str | None = None) -> str:
    """Say what surrounded the chosen value, and return it unquoted."""
    if candidate.variable:
        # Environment variables are upper case; anything else may be a pasted secret.
        shown = candidate.variable if _ENV_NAME.fullmatch(candidate.variable) else "…"
        notes.change("paste.variable_name_removed", field=field, variable=shown)
    if candidate.before.lstrip("$> ").lower() == "psql":  # also after a shell prompt
        notes.change("paste.command_removed", field=field, command="psql")
    elif candidate.before:
        notes.change("paste.text_removed", field=field)
    if candidate.quoted:
        notes.change("paste.quotes_removed", field=field)
    return _unquote(notes, candidate.value, field)


def _choose(
    notes: _Notes, candidates: list[_Candidate], preferred: Iterable[str]
) -> _Candidate | None:
    """The candidate to use: a preferred variable first, else the first; warn if several."""
    if not candidates:
        return None
    chosen = candidates[0]
    by_name = {c.variable.upper(): c for c in reversed(candidates) if c.variable}
    for name in preferred:
        if name in by_name:
            chosen = by_name[name]
            break
    if len({c.value for c in candidates}) > 1:
        if chosen.variable and _ENV_NAME.fullmatch(chosen.variable):
            notes.change("paste.several_values", "warn", variable=chosen.variable)
        else:
            notes.change("paste.several_values_first", "warn")
    return chosen


# ---------------------------------------------------------------------------------------
# Backend store URI (Neon PostgreSQL)
# ---------------------------------------------------------------------------------------

# libpq's keywords (psycopg 3.3's bundled libpq 18): anything else in the query string
# makes libpq refuse the URI ("invalid URI query parameter").
_LIBPQ_KEYWORDS_TEXT = """
application_name channel_binding client_encoding connect_timeout dbname
fallback_application_name gssdelegation gssencmode gsslib host hostaddr keepalives
keepalives_count keepalives_idle keepalives_interval krbsrvname load_balance_hosts
max_protocol_version min_protocol_version oauth_client_id oauth_client_secret oauth_issuer
oauth_scope options passfile password port replication require_auth requirepeer
scram_client_key scram_server_key service ssl_max_protocol_version ssl_min_protocol_version
sslcert sslcertmode sslcompression sslcrl sslcrldir sslkey sslkeylogfile sslmode
sslnegotiation sslpassword sslrootcert sslsni target_session_attrs tcp_user_timeout user
"""
LIBPQ_KEYWORDS = frozenset(_LIBPQ_KEYWORDS_TEXT.split())
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "pgsql"})
_BACKEND_VARIABLES = (
    "BACKEND_STORE_URI",
    "MLFLOW_BACKEND_STORE_URI",
    "DATABASE_URL",
    "DATABASE_URL_UNPOOLED",
    "POSTGRES_URL",
    "POSTGRES_URL_NON_POOLING",
)
# Neon's "parameters" block and libpq's environment variables, by URI part.
_PG_VARIABLES = {
    "PGHOST": "host",
    "PGPORT": "port",
    "PGDATABASE": "dbname",
    "PGUSER": "user",
    "PGPASSWORD": "password",
    "PGSSLMODE": "sslmode",
    "PGCHANNELBINDING": "channel_binding",
    "PGOPTIONS": "options",
    "PGAPPNAME": "application_name",
    "PGCONNECT_TIMEOUT": "connect_timeout",
}
_KEYWORD_DSN = re.compile(r"(?:^|\s)(?:host|dbname)\s*=")
# Characters allowed unencoded in a URI's user info / query (RFC 3986), with `%` for escapes.
_USERINFO_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=%"
)
_QUERY_CHARS = _USERINFO_CHARS | frozenset(":@/?")
_HOST_AFTER_AT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::[0-9]*)?(?=[/?]|$)")
_HOST_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
# Stand-ins from docs and tutorials, compared without case, spaces, `_` or `-`.
_PLACEHOLDER_TEXT = """
password motdepasse mdp monmdp monmotdepasse yourpassword votremotdepasse votremdp
passwd pwd changeme dbpassword pgpassword
"""
_PLACEHOLDER_WORDS = frozenset(_PLACEHOLDER_TEXT.split())


@dataclass
class _Parts:
    """A PostgreSQL URI taken apart, every component decoded (so never shown)."""

    host: str
    port: str = ""
    database: str = ""
    user: str = ""
    password: str | None = None
    query: list[tuple[str, str]] = field(default_factory=list)


def clean_backend_uri(text: str) -> Cleaned[str]:
    """The canonical `postgresql://user:password@host[:port]/db?params` a paste means."""
    return _guarded(lambda notes, t: _clean_backend(notes, t)[0], text, names.BACKEND_STORE_URI)


def describe_backend(uri: str) -> dict[str, str]:
    """Non-secret facts about a backend URI (host, port, database, user, pooled, neon)."""
    try:
        if not isinstance(uri, str):
            return {}
        value, parts = _clean_backend(_Notes(names.BACKEND_STORE_URI), uri)
    except Exception:  # a description is best effort, never an error
        return {}
    if value is None or parts is None:
        return {}
    query = dict(parts.query)
    return {
        "host": parts.host,
        "port": parts.port or "5432",
        "database": parts.database,
        "user": parts.user,
        "sslmode": query.get("sslmode", ""),
        "pooled": "yes" if parts.host.split(".", 1)[0].endswith("-pooler") else "no",
        "neon": "yes" if _is_neon(parts.host) else "no",
    }


def _is_neon(host: str) -> bool:
    return host.endswith(".neon.tech")


def _clean_backend(notes: _Notes, text: str) -> tuple[str | None, _Parts | None]:
    prepared = _prepare(notes, text)
    if prepared is None:
        return None, None
    lines = _lines(prepared) or [prepared]
    lines = _join_wrapped(notes, lines)
    candidates = [_candidate(line) for line in lines]
    uris = [c for c in candidates if "://" in c.value or c.value.lower().startswith("jdbc:")]
    variables = {c.variable.upper(): c.value for c in candidates if c.variable}
    parts: _Parts | None
    if uris:
        chosen = _choose(notes, uris, _BACKEND_VARIABLES)
        assert chosen is not None
        parts = _parse_uri(notes, _report_candidate(notes, chosen))
    elif any(name in variables for name in _PG_VARIABLES):
        parts = _from_variables(notes, variables)
    elif _KEYWORD_DSN.search(prepared):
        parts = _from_keywords(notes, prepared)
    elif any("@" in c.value for c in candidates):
        chosen = _choose(notes, [c for c in candidates if "@" in c.value], _BACKEND_VARIABLES)
        assert chosen is not None
        value = _report_candidate(notes, chosen)
        notes.change("backend.scheme_added")
        parts = _parse_uri(notes, "postgresql://" + value)
    else:
        notes.problem("backend.unparseable")
        return None, None
    if parts is None:
        return None, None
    return _finish(notes, parts), parts


def _join_wrapped(notes: _Notes, lines: list[str]) -> list[str]:
    """A URI a terminal wrapped over several lines: no spaces, one `://`, on the first line."""
    if len(lines) < 2 or "://" not in lines[0] or sum(line.count("://") for line in lines) != 1:
        return lines
    for line in lines[1:]:
        if _WHITESPACE.search(line) or re.match(r"[A-Z_][A-Z0-9_]*=", line):
            return lines
    if _WHITESPACE.search(lines[0]):
        return lines
    notes.change("paste.lines_joined", "warn")
    return ["".join(lines)]


def _decode(raw: str, allowed: frozenset[str]) -> tuple[str, bool]:
    """A URI component's real text, and whether it was pasted raw (not percent-encoded).

    Already-encoded text (only allowed characters, every `%` starting an escape, valid
    UTF-8) is decoded; anything else was typed raw and is taken as it is.
    """
    if not all(char in allowed for char in raw):
        return raw, True
    index = raw.find("%")
    while index >= 0:
        escape = raw[index + 1 : index + 3]
        if len(escape) != 2 or not all(c in "0123456789abcdefABCDEF" for c in escape):
            return raw, True
        index = raw.find("%", index + 3)
    try:
        return unquote_to_bytes(raw).decode("utf-8"), False
    except UnicodeDecodeError:
        return raw, True


def _choose_at(rest: str) -> int | None:
    """The `@` that separates the credentials from the host: the last one followed by a host.

    Passwords pasted raw may hold `@`, so the separator is the last `@` after which a host
    (and port) ends the authority; a dotted host wins over a bare word.
    """
    positions = []
    index = rest.find("@")
    while index >= 0:
        positions.append(index)
        index = rest.find("@", index + 1)
    if not positions:
        return None
    fallback = None
    for position in reversed(positions):
        match = _HOST_AFTER_AT.match(rest, position + 1)
        if match is None:
            continue
        host = match.group(1)
        if "." in host or host.startswith("[") or host.lower() == "localhost":
            return position
        if fallback is None:
            fallback = position
    return fallback if fallback is not None else positions[-1]


def _parse_uri(notes: _Notes, uri: str) -> _Parts | None:
    value = uri.strip()
    if value.lower().startswith("jdbc:"):
        value = value[5:]
        notes.change("backend.jdbc_converted")
        jdbc = True
    else:
        jdbc = False
    marker = value.find("://")
    scheme, rest = value[:marker].lower(), value[marker + 3 :]
    if marker <= 0 or not re.fullmatch(r"[a-z][a-z0-9+.\-]{0,30}", scheme):
        notes.problem("backend.unparseable")
        return None
    base = scheme.split("+", 1)[0]
    if base in ("http", "https"):
        authority = rest.split("/", 1)[0].lower()
        if authority == "neon.tech" or authority.endswith(".neon.tech"):
            notes.problem("backend.console_url")
        else:
            notes.problem("backend.scheme", scheme=base)
        return None
    if base not in _POSTGRES_SCHEMES:
        notes.problem("backend.scheme", scheme=base)
        return None
    if scheme != "postgresql" and not jdbc:
        notes.change("backend.scheme_rewritten", scheme=scheme)

    at = _choose_at(rest)
    userinfo, hostpart = (None, rest) if at is None else (rest[:at], rest[at + 1 :])
    notes.secret(userinfo)
    cut = len(hostpart)
    for separator in "/?":
        found = hostpart.find(separator)
        if 0 <= found < cut:
            cut = found
    authority, tail = hostpart[:cut], hostpart[cut:]
    path, _, query_text = tail.partition("?")

    parts = _Parts(host="")
    if authority.startswith("["):
        end = authority.find("]")
        parts.host, port = (
            (authority, "") if end < 0 else (authority[: end + 1], authority[end + 1 :])
        )
        port = port.removeprefix(":")
    else:
        parts.host, _, port = authority.partition(":")
    parts.port = port

    if userinfo is not None:
        raw_user, has_password, raw_password = userinfo.partition(":")
        parts.user, user_raw = _decode(raw_user, _USERINFO_CHARS)
        if has_password and raw_password:
            parts.password, password_raw = _decode(raw_password, _USERINFO_CHARS)
            notes.secret(raw_password, parts.password)
            if password_raw and not _is_placeholder(parts.password):
                notes.change("backend.password_encoded")
        if user_raw:
            notes.change("backend.user_encoded")
    parts.database = _decode(path.removeprefix("/"), _QUERY_CHARS)[0]

    moved = False
    for piece in query_text.split("&"):
        if not piece:
            continue
        raw_key, _, raw_value = piece.partition("=")
        key = _decode(raw_key, _QUERY_CHARS)[0].strip().lower()
        item = _decode(raw_value, _QUERY_CHARS)[0]
        if key in ("user", "password"):
            notes.secret(raw_value, item)
            if key == "user" and not parts.user:
                parts.user, moved = item, True
            elif key == "password" and parts.password is None and item:
                parts.password, moved = item, True
            continue
        if jdbc and key == "ssl":
            # JDBC's ssl=true is libpq's sslmode=require.
            if item.lower() in ("true", "1", "on", "yes"):
                parts.query.append(("sslmode", "require"))
            continue
        parts.query.append((key, item))
    if moved:
        notes.change("backend.credentials_moved")
    return parts


def _from_variables(notes: _Notes, variables: dict[str, str]) -> _Parts:
    """Neon's `PGHOST=…` block (or libpq's variables), quoted or not."""
    values = {}
    for variable, keyword in _PG_VARIABLES.items():
        if variable in variables:
            values[keyword] = _unquote(_Notes(notes.field), variables[variable])
    notes.change("backend.assembled")
    return _parts_from_keywords(notes, values)


def _from_keywords(notes: _Notes, text: str) -> _Parts | None:
    """libpq's `host=… dbname=… user=… password=…` form, with its single-quote escapes."""
    if text[:5].lower() == "psql ":  # `psql 'host=… dbname=…'`
        notes.change("paste.command_removed", command="psql")
        text = _unquote(notes, text[5:])
    values: dict[str, str] = {}
    index, length = 0, len(text)
    while index < length:
        while index < length and text[index].isspace():
            index += 1
        if index >= length:
            break
        start = index
        while index < length and text[index] != "=" and not text[index].isspace():
            index += 1
        key = text[start:index].lower()
        while index < length and text[index].isspace():
            index += 1
        if index >= length or text[index] != "=" or not key:
            notes.problem("backend.unparseable")
            return None
        index += 1
        while index < length and text[index].isspace():
            index += 1
        chars: list[str] = []
        if index < length and text[index] == "'":
            index += 1
            while index < length and text[index] != "'":
                if text[index] == "\\" and index + 1 < length:
                    index += 1
                chars.append(text[index])
                index += 1
            index += 1
        else:
            while index < length and not text[index].isspace():
                chars.append(text[index])
                index += 1
        values[key] = "".join(chars)
    notes.change("backend.assembled")
    return _parts_from_keywords(notes, values)


def _parts_from_keywords(notes: _Notes, values: dict[str, str]) -> _Parts:
    password = values.pop("password", "") or None
    notes.secret(password)
    parts = _Parts(
        host=values.pop("host", "") or values.pop("hostaddr", ""),
        port=values.pop("port", ""),
        database=values.pop("dbname", ""),
        user=values.pop("user", ""),
        password=password,
    )
    parts.query = [(k, v) for k, v in values.items() if k != "hostaddr"]
    return parts


def _is_placeholder(password: str, neon: bool = True) -> bool:
    """Docs' and consoles' stand-ins: `<password>`, `[YOUR-PASSWORD]`, `****`, `MON_MDP`…"""
    text = password.strip()
    if not text:
        return False
    if (text[0], text[-1]) in (("<", ">"), ("[", "]"), ("{", "}")):
        return True
    if all(c in "*•·.…xX_-" for c in text):
        return True  # the Neon console's masked password, or xxxx
    if re.fullmatch(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", text):
        return True  # an environment variable that was never expanded
    # Words like "password" are real (if weak) passwords on a laptop's database: only
    # the caller's Neon check treats them as stand-ins.
    return neon and re.sub(r"[\s_\-]", "", text.lower()) in _PLACEHOLDER_WORDS


def _valid_host(host: str) -> bool:
    if host.startswith("["):
        return bool(re.fullmatch(r"\[[0-9a-f:.]{2,45}\]", host))
    if not host or len(host) > 253:
        return False
    labels = host.removesuffix(".").split(".")
    return all(_HOST_LABEL.fullmatch(label) for label in labels)


def _finish(notes: _Notes, parts: _Parts) -> str | None:
    """Check the parts and write the canonical URI (every component percent-encoded)."""
    parts.host = parts.host.strip().lower()
    neon = _is_neon(parts.host)
    if not parts.host:
        notes.problem("backend.no_host")
    elif not _valid_host(parts.host):
        notes.problem("backend.host_invalid")
    port = parts.port
    if port and not (
        len(port) <= 5 and port.isascii() and port.isdigit() and 0 < int(port) < 65536
    ):
        notes.problem("backend.port_invalid")
    if parts.password is not None and _is_placeholder(parts.password, neon):
        notes.problem("backend.password_placeholder")
    elif parts.password is None and neon:
        notes.problem("backend.no_password")
    if neon and not parts.user:
        notes.problem("backend.no_user")
    if neon and not parts.database:
        notes.problem("backend.no_database")

    texts = [parts.user, parts.password or "", parts.database, *(v for _, v in parts.query)]
    if any("\x00" in text for text in texts):  # from a `%00`: libpq cannot pass it on
        notes.problem("paste.control_characters")

    query: list[tuple[str, str]] = []
    for key, item in parts.query:
        if key not in LIBPQ_KEYWORDS:
            notes.change("backend.param_removed", "warn", param=_shown(key))
        elif key == "sslmode":
            query.append((key, _sslmode(notes, item, neon)))
        else:
            query.append((key, item))
    if neon and not any(key == "sslmode" for key, _ in query):
        query.append(("sslmode", "require"))
        notes.change("backend.sslmode_added")
    parts.query = query
    if notes.problems:
        return None

    userinfo = ""
    if parts.user or parts.password is not None:
        userinfo = quote(parts.user, safe="")
        if parts.password is not None:
            userinfo += ":" + quote(parts.password, safe="")
        userinfo += "@"
    uri = f"postgresql://{userinfo}{parts.host}"
    if parts.port:
        uri += f":{int(parts.port)}"
    uri += "/" + quote(parts.database, safe="")
    if query:
        uri += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query)
    return uri


def _sslmode(notes: _Notes, value: str, neon: bool) -> str:
    mode = value.strip().lower()
    if mode in SSLMODES and not (neon and mode == "disable"):
        return mode
    if neon:  # Neon only accepts encrypted connections: require is what its console gives
        notes.change("backend.sslmode_changed", "warn", value=_shown(value))
        return "require"
    notes.problem("backend.sslmode_invalid", value=_shown(value))
    return value


# ---------------------------------------------------------------------------------------
# Artifact location (S3)
# ---------------------------------------------------------------------------------------

_ARTIFACT_VARIABLES = (
    "ARTIFACT_ROOT",
    "ARTIFACT_STORE_URI",
    "MLFLOW_ARTIFACTS_DESTINATION",
    "MLFLOW_DEFAULT_ARTIFACT_ROOT",
    "DEFAULT_ARTIFACT_ROOT",
)
_S3_SCHEME = re.compile(r"(s3[an]?):/*", re.I)
_OTHER_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]{0,30}):/")
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_REGION_CODE = re.compile(
    r"([a-z]{2})-(?:(gov|iso[a-z]?)-)?"
    r"(northeast|northwest|southeast|southwest|north|south|east|west|central)-(\d{1,2})"
)
_REGION_PREFIXES = frozenset(r.code.split("-", 1)[0] for r in REGIONS)
_CONSOLE_SUFFIXES = (".console.aws.amazon.com", ".console.amazonaws.cn")
_S3_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")


def clean_s3_location(text: str) -> Cleaned[S3Location]:
    """The bucket, folder and (when the paste shows it) region of an artifact location."""
    return _guarded(_clean_s3, text, names.ARTIFACT_ROOT)


def _is_region(code: str) -> bool:
    match = _REGION_CODE.fullmatch(code)
    return bool(match) and match.group(1) in _REGION_PREFIXES


def _clean_s3(notes: _Notes, text: str) -> S3Location | None:
    prepared = _prepare(notes, text)
    if prepared is None:
        return None
    candidates = [_candidate(line) for line in _lines(prepared) or [prepared]]
    s3ish = [
        c
        for c in candidates
        if (c.variable or "").upper() in _ARTIFACT_VARIABLES
        or any(m in c.value.lower() for m in ("s3://", "s3a://", "s3n://", "amazonaws", "arn:aws"))
    ]
    chosen = _choose(notes, s3ish or candidates, _ARTIFACT_VARIABLES)
    assert chosen is not None
    value = _report_candidate(notes, chosen)
    if not value:
        notes.problem("paste.empty")
        return None

    found = _split_location(notes, value)
    if found is None:
        return None
    bucket, prefix, region = found
    bucket = bucket.strip()
    prefix = _normalise_prefix(notes, prefix)
    if any(unicodedata.category(c) in ("Cc", "Cs") or c == "\\" for c in prefix):
        # Only a decoded console address can bring these; S3 keys with them are a trap.
        notes.problem("s3path.prefix_invalid")
    _check_bucket(notes, bucket)
    if region is not None and not _is_region(region):
        region = None
    if region is not None:
        notes.change("s3path.region_found", region=region)
    if notes.problems:
        return None
    if not prefix:
        notes.change("s3path.no_prefix", "warn", bucket=bucket)
    return S3Location(bucket, prefix, region)


def _split_location(notes: _Notes, value: str) -> tuple[str, str, str | None] | None:
    """Bucket, prefix and region from any of the forms the consoles and docs show."""
    lowered = value.lower()
    if lowered.startswith("arn:"):
        pieces = value.split(":", 5)
        if len(pieces) == 6 and pieces[2] == "s3" and pieces[3] == pieces[4] == "":
            notes.change("s3path.from_arn")
            bucket, _, prefix = pieces[5].partition("/")
            return bucket, prefix, None
        notes.problem("s3path.arn_unsupported")
        return None
    s3 = _S3_SCHEME.match(value)
    if s3 is not None:
        written = s3.group(0)
        rest = value[s3.end() :]
        if written != "s3://":
            notes.change("s3path.scheme_rewritten", scheme=written[:12])
        authority, _, prefix = rest.partition("/")
        if "@" in authority:
            # s3://KEY:SECRET@bucket: keys belong in the AWS_* settings, never in the path.
            notes.secret(authority.rpartition("@")[0])
            authority = authority.rpartition("@")[2]
            notes.change("s3path.credentials_removed", "warn")
        return authority, prefix, None
    if lowered.startswith(("http://", "https://")):
        return _from_web_url(notes, value)
    other = _OTHER_SCHEME.match(value)
    if other is not None and not re.match(r"[A-Za-z]:[\\/]", value):
        notes.problem("s3path.scheme", scheme=_shown(other.group(1).lower()))
        return None
    if value.startswith(("/", ".", "~", "\\")) or re.match(r"[A-Za-z]:[\\/]", value):
        notes.problem("s3path.local_path")
        return None
    notes.change("s3path.scheme_added")
    bucket, _, prefix = value.partition("/")
    return bucket, prefix, None


def _from_web_url(notes: _Notes, value: str) -> tuple[str, str, str | None] | None:
    try:
        url = urlsplit(value)
        host = (url.hostname or "").lower()
    except ValueError:
        notes.problem("s3path.unparseable")
        return None
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    if "@" in url.netloc:
        notes.secret(url.netloc.rpartition("@")[0])
    notes.secret(*(v for k, v in query.items() if "signature" in k.lower() or "token" in k.lower()))
    for suffix in _CONSOLE_SUFFIXES:
        if host == suffix[1:] or host.endswith(suffix):
            return _from_console(notes, url.path, query, url.fragment, host[: -len(suffix)])
    for suffix in _S3_HOST_SUFFIXES:
        if host.endswith(suffix):
            found = _from_s3_host(host[: -len(suffix)], unquote(url.path))
            if found is not None:
                notes.change("s3path.from_url")
                return found
    notes.problem("s3path.not_s3_url")
    return None


def _from_console(
    notes: _Notes, path: str, query: dict[str, str], fragment: str, host_region: str
) -> tuple[str, str, str | None] | None:
    """`…console.aws.amazon.com/s3/buckets/<bucket>?region=…&prefix=…` (also `/s3/object/`)."""
    segments = [unquote(s) for s in path.split("/") if s]
    if not query.get("bucket") and fragment:  # the older console kept its state after `#`
        query = {**dict(parse_qsl(fragment.lstrip("&"), keep_blank_values=True)), **query}
    bucket, is_object = "", False
    if (
        len(segments) >= 3
        and segments[0] == "s3"
        and segments[1] in ("buckets", "bucket", "object")
    ):
        bucket, is_object = segments[2], segments[1] == "object"
    elif query.get("bucket"):
        bucket = query["bucket"]
    if not bucket:
        notes.problem("s3path.console_no_bucket")
        return None
    notes.change("s3path.from_console")
    prefix = query.get("prefix", "")
    if is_object and prefix and not prefix.endswith("/"):
        # An object's page: its key names a file; MLflow needs the folder around it.
        prefix = prefix.rpartition("/")[0]
        notes.change("s3path.object_folder", "warn")
    # The `region` parameter is the bucket's; the host's is only the console's own.
    region = next((r for r in (query.get("region", ""), host_region) if _is_region(r)), None)
    return bucket, prefix, region


def _from_s3_host(stem: str, path: str) -> tuple[str, str, str | None] | None:
    """Virtual-hosted (`b.s3.<region>.amazonaws.com/p`) and path-style (`s3.<region>…/b/p`)."""
    labels = stem.split(".")
    index = None
    for position in range(len(labels) - 1, -1, -1):
        label = labels[position]
        if label in ("s3", "s3-website") or label.startswith(("s3-", "s3-website-")):
            index = position
            break
    if index is None:
        return None
    region = None
    label = labels[index]
    for start in ("s3-website-", "s3-"):
        if label.startswith(start) and label != "s3-website":
            region = label[len(start) :]
            break
    for following in labels[index + 1 :]:
        if following not in ("dualstack", "s3-accesspoint") and region is None:
            region = following
    if region == "external-1":
        region = "us-east-1"
    bucket = ".".join(labels[:index])
    path = path.lstrip("/")
    if not bucket:
        bucket, _, path = path.partition("/")
    return bucket, path, region


def _normalise_prefix(notes: _Notes, prefix: str) -> str:
    """No empty, doubled or space-padded folder names: `s3://b//x /` is `s3://b/x`."""
    clean = "/".join(part.strip() for part in prefix.split("/") if part.strip())
    if clean != prefix.rstrip("/"):
        notes.change("s3path.prefix_normalised", prefix=clean[:200])
    return clean


def _check_bucket(notes: _Notes, bucket: str) -> None:
    """AWS's naming rules for general purpose buckets, one diagnosis per broken rule."""
    if not bucket:
        notes.problem("s3path.no_bucket")
        return
    # A `:` means credentials ended up where the bucket goes: never echo those.
    shown = bucket[:80] if ":" not in bucket else "…"
    if not 3 <= len(bucket) <= 63:
        notes.problem("s3path.bucket_length", bucket=shown, length=len(bucket))
    suggestion = shown.lower().replace("_", "-")
    if bucket != bucket.lower():
        notes.problem("s3path.bucket_uppercase", bucket=shown, suggestion=suggestion)
    if "_" in bucket:
        notes.problem("s3path.bucket_underscore", bucket=shown, suggestion=suggestion)
    if any(not (c.isascii() and (c.isalnum() or c in ".-_")) for c in bucket):
        notes.problem("s3path.bucket_characters", bucket=shown)
    if not (_alnum(bucket[0]) and _alnum(bucket[-1])):
        notes.problem("s3path.bucket_edges", bucket=shown)
    if ".." in bucket:
        notes.problem("s3path.bucket_double_dot", bucket=shown)
    if re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", bucket):
        notes.problem("s3path.bucket_ip", bucket=shown)
    for start in _BUCKET_RESERVED_PREFIXES:
        if bucket.lower().startswith(start):
            notes.problem("s3path.bucket_reserved_prefix", bucket=shown, prefix=start)
    for end in _BUCKET_RESERVED_SUFFIXES:
        if bucket.lower().endswith(end):
            notes.problem("s3path.bucket_reserved_suffix", bucket=shown, suffix=end)


def _alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


# ---------------------------------------------------------------------------------------
# Region
# ---------------------------------------------------------------------------------------

_REGION_VARIABLES = ("AWS_DEFAULT_REGION", "AWS_REGION", "REGION")
_REGION_EXAMPLES = "eu-west-1, eu-west-3, eu-central-1, us-east-1"
_LOOSE_REGION = re.compile(
    r"([a-z]{2})[\s_-]*(?:(gov)[\s_-]*)?"
    r"(northeast|northwest|southeast|southwest|north|south|east|west|central)[\s_-]*(\d{1,2})([a-z]?)"
)


def clean_region(text: str) -> Cleaned[str]:
    """The AWS region code a paste means: a code, a zone, or one of the console's labels."""
    return _guarded(_clean_region, text, names.AWS_DEFAULT_REGION)


def _words(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: labels compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _clean_region(notes: _Notes, text: str) -> str | None:
    prepared = _prepare(notes, text)
    if prepared is None:
        return None
    candidates = [_candidate(line) for line in _lines(prepared) or [prepared]]
    chosen = _choose(notes, candidates, _REGION_VARIABLES)
    assert chosen is not None
    value = _report_candidate(notes, chosen)
    lowered = value.lower()
    if len(lowered) > 200:
        notes.problem("region.invalid", examples=_REGION_EXAMPLES)
        return None

    loose = _LOOSE_REGION.fullmatch(lowered)
    if loose is not None:
        area, gov, direction, number, zone = loose.groups()
        code = f"{area}-{gov + '-' if gov else ''}{direction}-{number}"
        if zone:
            notes.change("region.zone_trimmed", zone=lowered[:20], region=code)
        elif code != value:
            notes.change("region.normalised", region=code)
        return _known_region(notes, code)

    codes = {m.group(0) for m in _REGION_CODE.finditer(lowered)}
    if len(codes) == 1:
        code = codes.pop()
        notes.change("region.from_label", region=code)
        return _known_region(notes, code)
    if len(codes) > 1:
        notes.problem("region.ambiguous", choices=", ".join(sorted(codes)[:6]))
        return None

    matches = _regions_named(value)
    if len(matches) == 1:
        notes.change("region.from_label", region=matches[0])
        return matches[0]
    if matches:
        notes.problem("region.ambiguous", choices=", ".join(matches[:6]))
        return None
    notes.problem("region.invalid", examples=_REGION_EXAMPLES)
    return None


def _known_region(notes: _Notes, code: str) -> str | None:
    if code in REGION_CODES:
        return code
    if code.split("-", 1)[0] in _REGION_PREFIXES:
        notes.change("region.unknown", "warn", region=code)
        return code
    notes.problem("region.invalid", examples=_REGION_EXAMPLES)
    return None


def _regions_named(label: str) -> list[str]:
    """Regions whose console label (`Europe (Paris)`, `EU (Paris)`, `Paris`) is `label`."""
    whole = _words(label)
    inside, outside = "", whole
    opening, closing = label.rfind("("), label.rfind(")")
    if 0 <= opening < closing:
        inside = _words(label[opening + 1 : closing])
        outside = _words(label[:opening] + " " + label[closing + 1 :])
    named, in_area = [], []
    for region in REGIONS:
        cities = {_words(n) for n in (region.city_en, region.city_fr, *region.aliases)}
        areas = {_words(a) for a in region.areas}
        labels = {f"{a} {c}" for a in areas for c in cities}
        if (
            whole in cities
            or whole in labels
            or (inside in cities and (not outside or outside in areas))
        ):
            named.append(region.code)
        elif whole in areas:
            in_area.append(region.code)
    return named or in_area


# ---------------------------------------------------------------------------------------
# AWS access keys
# ---------------------------------------------------------------------------------------

_KEY_ID = re.compile(r"(AKIA|ASIA)[A-Z0-9]{16}")
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")
# The example pairs printed throughout the AWS documentation.
EXAMPLE_KEY_IDS = frozenset({"AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"})
EXAMPLE_SECRETS = frozenset(
    {"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"}
)
# `AWS_ACCESS_KEY_ID=…` lines, `aws_access_key_id = …` in ~/.aws/credentials, the JSON
# `aws iam create-access-key` prints ("AccessKeyId": "…"), and the console's labels
# ("Access key ID: …"), on one line or several.
_KEY_FIELD = re.compile(
    r"""["']?((?:aws[ _]?)?(?:secret[ _]?access[ _]?key|access[ _]?key(?:[ _]?id)?"""
    r"""|session[ _]?token))["']?[ \t]*[:=]\s*["'“‘]?([^\s"'“”‘’,;{}]+)""",
    re.IGNORECASE,
)
_ALL_QUOTES = frozenset(_QUOTE_PAIRS) | _CLOSING_QUOTES


def clean_aws_keys(access_key_id: str, secret_access_key: str) -> Cleaned[AwsKeys]:
    """The access key pair two pasted fields mean (either may hold a whole CSV or .env)."""
    return _guarded(
        lambda notes, _: _clean_keys(notes, access_key_id, secret_access_key),
        "",
        names.AWS_ACCESS_KEY_ID,
    )


@dataclass
class _KeyBlock:
    key_id: str | None = None
    secret: str | None = None
    token: bool = False
    kind: str = ""


def _id_like(value: str) -> bool:
    return bool(_KEY_ID.fullmatch(value.upper())) and value.isascii()


def _secret_like(value: str) -> bool:
    return len(value) == 40 and all(c in _SECRET_CHARS for c in value)


def _key_block(text: str) -> _KeyBlock | None:
    """Keys inside a pasted block: AWS's CSV, `KEY=value` / credentials-file lines, JSON, a pair."""
    lines = [line.strip().strip(",{}").strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith(("#", "["))]
    for index, line in enumerate(lines[:-1]):
        header = [cell.strip().strip('"').lower() for cell in line.split(",")]
        if "access key id" in header and "secret access key" in header:
            cells = [cell.strip().strip('"') for cell in lines[index + 1].split(",")]
            block = _KeyBlock(kind="csv")
            if len(cells) == len(header):
                block.key_id = cells[header.index("access key id")]
                block.secret = cells[header.index("secret access key")]
            else:  # a console password with a comma shifts the cells: go by shape
                block.key_id = next((c for c in cells if _id_like(c)), None)
                block.secret = next((c for c in cells if _secret_like(c)), None)
            return block
    block = _KeyBlock(kind="variables")
    for match in _KEY_FIELD.finditer(text):
        name = re.sub(r"[ _]", "", match.group(1)).lower().removeprefix("aws")
        if name in ("accesskeyid", "accesskey"):
            block.key_id = match.group(2)
        elif name == "secretaccesskey":
            block.secret = match.group(2)
        else:
            block.token = True
    if block.key_id is not None or block.secret is not None:
        return block
    tokens = [t.strip("".join(_ALL_QUOTES)) for t in re.split(r"[\s,;:|]+", text) if t]
    tokens = [t for t in tokens if t]
    if len(tokens) == 2:
        ids = [t for t in tokens if _id_like(t)]
        secrets = [t for t in tokens if _secret_like(t)]
        if len(ids) == 1 and len(secrets) == 1:
            return _KeyBlock(key_id=ids[0], secret=secrets[0], kind="pair")
    return None


def _tidy_key(notes: _Notes, value: str, field: str) -> str:
    """No quotes and no whitespace anywhere: neither ever belongs in a key."""
    without_quotes = "".join(c for c in value if c not in _ALL_QUOTES)
    if without_quotes != value:
        notes.change("paste.quotes_removed", field=field)
    compact = _WHITESPACE.sub("", without_quotes)
    if compact != without_quotes:
        notes.change("awskey.whitespace_removed", field=field)
    return compact


def _clean_keys(notes: _Notes, raw_id: object, raw_secret: object) -> AwsKeys | None:
    id_field, secret_field = names.AWS_ACCESS_KEY_ID, names.AWS_SECRET_ACCESS_KEY
    texts = []
    for raw, field_name in ((raw_id, id_field), (raw_secret, secret_field)):
        text = raw if isinstance(raw, str) else ""
        notes.secret(text.strip())
        texts.append(_prepare(notes, text, field_name, empty_ok=True))
    id_text, secret_text = texts
    if id_text is None or secret_text is None:
        return None

    blocks = [_key_block(t) if t else None for t in (id_text, secret_text)]
    key_id = next((b.key_id for b in blocks if b and b.key_id), None)
    secret = next((b.secret for b in blocks if b and b.secret), None)
    for block, field_name in zip(blocks, (id_field, secret_field), strict=True):
        if block is None:
            continue
        notes.secret(block.secret)
        code = {"csv": "awskey.from_csv", "pair": "awskey.both_in_one_field"}.get(
            block.kind, "awskey.from_variables"
        )
        notes.change(code, field=field_name)
        if block.token:  # a session token pasted along: these are temporary keys
            notes.change("awskey.temporary", "warn", field=id_field)
    if key_id is None:
        key_id = id_text if blocks[0] is None else ""
    if secret is None:
        secret = secret_text if blocks[1] is None else ""
    key_id = _tidy_key(notes, key_id, id_field)
    secret = _tidy_key(notes, secret, secret_field)
    notes.secret(secret)

    if _secret_like(key_id) and _id_like(secret):
        key_id, secret = secret, key_id
        notes.change("awskey.swapped", "warn")
    lowered = key_id != key_id.upper() and key_id.isascii() and key_id.isalnum()
    if lowered and (_id_like(key_id) or len(key_id) == 20):
        key_id = key_id.upper()
        notes.change("awskey.id_uppercased", field=id_field)

    if not key_id:
        notes.problem("paste.empty", id_field)
    if not secret:
        notes.problem("paste.empty", secret_field)
    if key_id in EXAMPLE_KEY_IDS or secret in EXAMPLE_SECRETS:
        notes.problem("awskey.example")
    elif key_id and secret and key_id == secret:
        notes.problem("awskey.same_value")
    else:
        if key_id:
            _check_key_id(notes, key_id, id_field)
        if secret:
            _check_secret(notes, secret, secret_field)
    return AwsKeys(key_id, secret)


def _check_key_id(notes: _Notes, key_id: str, field: str) -> None:
    if _secret_like(key_id):
        notes.problem("awskey.id_is_secret", field)
        return
    start = key_id[:4]
    if not all(c.isascii() and (c.isupper() or c.isdigit()) for c in key_id):
        notes.problem("awskey.id_characters", field)
    elif start == "AIDA":
        notes.problem("awskey.user_id", field)
    elif start == "ASIA":
        notes.change("awskey.temporary", "warn", field=field)
    elif start != "AKIA":
        notes.problem("awskey.id_prefix", field, start=start if len(start) == 4 else "…")
    if len(key_id) != 20:
        notes.problem("awskey.id_length", field, length=len(key_id))


def _check_secret(notes: _Notes, secret: str, field: str) -> None:
    if _id_like(secret):
        notes.problem("awskey.secret_is_id", field)
        return
    if not all(c in _SECRET_CHARS for c in secret):
        notes.problem("awskey.secret_characters", field)
    if len(secret) != 40:
        notes.problem("awskey.secret_length", field, length=len(secret))


__all__ = [
    "MAX_PASTE_CHARS",
    "REGIONS",
    "AwsKeys",
    "Cleaned",
    "Region",
    "S3Location",
    "clean_aws_keys",
    "clean_backend_uri",
    "clean_region",
    "clean_s3_location",
    "describe_backend",
]
