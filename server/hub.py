"""The product's small layer over huggingface_hub's `HfApi`.

* Every HTTP call is bounded: huggingface_hub 2.x sends all its calls through one shared
  `httpx2.Client` built by a replaceable factory (`set_client_factory`), whose default has no
  timeout at all; :func:`make_api` installs a factory with the checks' timeouts.
* :func:`token_identity` says who a token belongs to and whether it may change a Space's
  settings (the question both the doctor and the wizard ask).
* :func:`write_space_secrets` writes several secrets at once, and :func:`restart_space`
  restarts a Space: what the wizard does from inside the Space it configures.

Nothing here logs, returns or raises with a token or a secret's value in it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit

import httpx2
from huggingface_hub import HfApi, SpaceInfo, get_session, set_client_factory
from huggingface_hub.errors import (
    HfHubHTTPError,
    HFValidationError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import validate_repo_id

from server.checks import CONNECT_TIMEOUT, READ_TIMEOUT, concurrently

DEFAULT_ENDPOINT = "https://huggingface.co"
TOKENS_PAGE = "https://huggingface.co/settings/tokens"

# Fine-grained permission names, as whoami-v2 reports them.
WRITE_PERMISSION = "repo.write"
# Org roles that may change the org's repositories: "read" and "contributor" may not.
WRITER_ROLES: frozenset[str] = frozenset({"write", "admin"})

# Statuses worth another try: the Hub is busy or briefly down.
TRANSIENT_STATUSES: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})

# The longest one bounded call may take (connect, then a read), with a little slack. A guard
# thread stops waiting after it, for what the socket timeouts do not cover (name resolution).
CALL_BOUND = CONNECT_TIMEOUT + READ_TIMEOUT + 0.5

_TIMEOUT = httpx2.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
_SESSION_LOCK = threading.Lock()

_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9_\-]+")
_SPACE_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/spaces/([^/?#\s]+/[^/?#\s]+)/?(?:[?#].*)?$"
)
_MIN_TOKEN_LENGTH = 8


# -- bounded HfApi -------------------------------------------------------------------------


def _bounded_client() -> httpx2.Client:
    """huggingface_hub's own client (its request hook: offline mode, request ids), bounded."""
    try:
        from huggingface_hub.utils._http import default_client_factory

        client = default_client_factory()
    except ImportError:  # a later huggingface_hub: the same client, without its hook
        client = httpx2.Client(follow_redirects=True)
    client.timeout = _TIMEOUT
    return client


def ensure_bounded_session() -> None:
    """Make huggingface_hub's shared client time out like the checks (idempotent).

    The client is process-wide: installing the factory closes the current one, so this is
    done once (and again only if something else replaced the factory).
    """
    with _SESSION_LOCK:
        if get_session().timeout != _TIMEOUT:
            set_client_factory(_bounded_client)


def make_api(token: str, endpoint: str | None = None) -> HfApi:
    """An `HfApi` for `token` whose every call is bounded in time.

    `endpoint` is the Hub's base URL; None means huggingface_hub's default (`HF_ENDPOINT`, read
    when huggingface_hub is imported, else https://huggingface.co). The token is always
    explicit: a machine's saved token or `HF_TOKEN` is never used instead of an empty one.
    """
    if not token:
        raise ValueError("a Hugging Face token is required")
    ensure_bounded_session()
    return HfApi(
        endpoint=endpoint.rstrip("/") if endpoint else None,
        token=token,
        library_name="mlflow-space",
    )


def endpoint_host(endpoint: str | None) -> str:
    """The host name to show for `endpoint` (None: the default Hub)."""
    return urlsplit(endpoint or DEFAULT_ENDPOINT).hostname or (endpoint or "")


# -- input forms ---------------------------------------------------------------------------

TokenProblem = Literal["empty", "whitespace", "prefix", "characters"]


def token_problem(token: str | None) -> TokenProblem | None:
    """What is wrong with the *form* of a pasted token, if anything (outer spaces are fine)."""
    text = (token or "").strip()
    if not text:
        return "empty"
    if any(c.isspace() for c in text):
        return "whitespace"
    if not text.startswith("hf_"):
        return "prefix"
    if len(text) < _MIN_TOKEN_LENGTH or not _TOKEN_CHARACTERS.fullmatch(text):
        return "characters"
    return None


def token_hint(token: str) -> str:
    """What may be shown of a token: its first 6 characters, and only for a long one."""
    text = token.strip()
    return f"{text[:6]}…" if len(text) >= 16 and text.isascii() and text.isprintable() else "…"


def parse_space_id(text: str | None) -> str | None:
    """`owner/name` from a Space id or its huggingface.co URL; None if it is neither."""
    value = (text or "").strip()
    match = _SPACE_URL.match(value)
    if match:
        value = match.group(1)
    if value.count("/") != 1:
        return None
    try:
        validate_repo_id(value)
    except HFValidationError:
        return None
    return value


# -- errors --------------------------------------------------------------------------------

HubErrorKind = Literal["token_invalid", "unreachable", "http", "bad_input"]


class HubError(Exception):
    """A call to the Hub that failed, classified. Its message never holds a token."""

    def __init__(self, kind: HubErrorKind, *, status: int | None = None, cause: str = "") -> None:
        super().__init__(f"{kind}" + (f" (HTTP {status})" if status else "") + f": {cause}")
        self.kind = kind
        self.status = status
        self.cause = cause  # an exception class name or a short reason


def classify(error: BaseException) -> HubError:
    """Turn what `HfApi` raised into a :class:`HubError`."""
    if isinstance(error, HubError):
        return error
    if isinstance(error, HfHubHTTPError):  # before OSError: it is one
        status = error.response.status_code if error.response is not None else None
        kind: HubErrorKind = "token_invalid" if status == 401 else "http"
        return HubError(kind, status=status, cause=type(error).__name__)
    if isinstance(error, httpx2.TransportError | OfflineModeIsEnabled | OSError | TimeoutError):
        return HubError("unreachable", cause=type(error).__name__)
    if isinstance(error, HFValidationError | UnicodeError | httpx2.InvalidURL):
        return HubError("bad_input", cause=type(error).__name__)
    return HubError("http", cause=type(error).__name__)


def _status(error: BaseException) -> int | None:
    if isinstance(error, HfHubHTTPError) and error.response is not None:
        return int(error.response.status_code)
    return None


T = TypeVar("T")


@dataclass
class BackgroundCall(Generic[T]):
    """One call run in a daemon thread, waited for until a deadline and abandoned after it
    (a daemon thread cannot keep the process alive). Its outcome is `result` or `error`."""

    function: Callable[[], T]
    result: T | None = None
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.result = self.function()
        except BaseException as error:  # handed to the caller, never lost
            self.error = error
        finally:
            self._done.set()

    def start(self) -> BackgroundCall[T]:
        self._thread.start()
        return self

    def wait(self, deadline: float) -> bool:
        return self._done.wait(max(0.0, deadline - time.monotonic()))


# -- who a token is ------------------------------------------------------------------------

SpaceAccess = Literal[
    "writer",  # the token may change the Space's secrets, variables and restart it
    "no_space",  # no Space was asked about
    "read_only_token",  # the user may, but the token is a read token
    "fine_grained_no_scope",  # the user may, but the fine-grained token has no repo.write on it
    "unknown_role",  # the user may, but the token's role is not one we know
    "org_role_too_low",  # the Space belongs to an org where the user is read or contributor
    "not_owner",  # the Space belongs to someone else
    "space_not_found",  # the Space is in the user's reach but does not exist
]


@dataclass(frozen=True)
class OrgMembership:
    name: str
    role: str | None  # read | contributor | write | admin


@dataclass(frozen=True)
class TokenIdentity:
    """Who a token belongs to and what it may do to one Space."""

    user: str
    role: str  # read | write | fineGrained (or what the Hub said)
    orgs: tuple[OrgMembership, ...]
    space_id: str | None  # as the Hub spells it when it could be read, else as given
    access: SpaceAccess
    space_private: bool | None  # None: the Space could not be read

    @property
    def can_write_space(self) -> bool:
        return self.access == "writer"

    @property
    def space_owner(self) -> str | None:
        return self.space_id.split("/", 1)[0] if self.space_id else None

    def org_role(self, org: str) -> str | None:
        for membership in self.orgs:
            if membership.name.casefold() == org.casefold():
                return membership.role
        return None


def token_identity(
    token: str, space_id: str | None, *, endpoint: str | None = None
) -> TokenIdentity:
    """Ask the Hub who `token` is and whether it may change `space_id`'s settings.

    whoami-v2 and the Space's info are asked concurrently; each call is bounded. Raises
    :class:`HubError`: `token_invalid` (401), `unreachable`, `http` (another status),
    `bad_input` (a token or Space id that cannot be sent).
    """
    token = token.strip()
    if token_problem(token) is not None:
        raise HubError("bad_input", cause="token form")
    parsed = parse_space_id(space_id) if space_id is not None else None
    if space_id is not None and parsed is None:
        raise HubError("bad_input", cause="Space id form")
    api = make_api(token, endpoint)
    deadline = time.monotonic() + CALL_BOUND
    whoami = BackgroundCall(lambda: api.whoami(token=token)).start()
    info: BackgroundCall[SpaceInfo] | None = None
    if parsed is not None:
        space = parsed
        info = BackgroundCall(lambda: api.space_info(space, token=token)).start()
    if not whoami.wait(deadline):
        raise HubError("unreachable", cause="no answer in time")
    if whoami.error is not None:
        raise classify(whoami.error) from None
    user, role, orgs, token_info = _parse_whoami(whoami.result)
    if parsed is None or info is None:
        return TokenIdentity(user, role, orgs, None, "no_space", None)

    found: bool | None = None  # None: unknown (no answer, or not allowed to read it)
    private: bool | None = None
    canonical = parsed
    if info.wait(deadline):
        if info.error is None and info.result is not None:
            found, private = True, info.result.private
            canonical = info.result.id or parsed
        elif isinstance(info.error, RepositoryNotFoundError):
            found = False
    access = _access(user, role, orgs, token_info, canonical, found)
    return TokenIdentity(user, role, orgs, canonical, access, private)


def _parse_whoami(
    data: Any,
) -> tuple[str, str, tuple[OrgMembership, ...], Mapping[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise HubError("http", status=200, cause="unexpected whoami answer")
    orgs = tuple(
        OrgMembership(str(org["name"]), org.get("roleInOrg"))
        for org in data.get("orgs") or []
        if isinstance(org, dict) and isinstance(org.get("name"), str)
    )
    auth = data.get("auth") if isinstance(data.get("auth"), dict) else {}
    token_info = auth.get("accessToken") if isinstance(auth.get("accessToken"), dict) else {}
    role = token_info.get("role")
    return data["name"], role if isinstance(role, str) else "unknown", orgs, token_info


def _fine_grained_writes(token_info: Mapping[str, Any], user: str, space_id: str) -> bool:
    """Whether a fine-grained token holds `repo.write` on `space_id` (through its owner, its
    org or the Space itself)."""
    owner = space_id.split("/", 1)[0].casefold()
    fine = token_info.get("fineGrained") if isinstance(token_info.get("fineGrained"), dict) else {}
    if WRITE_PERMISSION in (fine.get("global") or []):
        return True
    for entry in fine.get("scoped") or []:
        if not isinstance(entry, dict) or WRITE_PERMISSION not in (entry.get("permissions") or []):
            continue
        entity = entry.get("entity") if isinstance(entry.get("entity"), dict) else {}
        kind, name = entity.get("type"), str(entity.get("name", "")).casefold()
        if (
            (kind == "user" and name == owner == user.casefold())
            or (kind == "org" and name == owner)
            or (kind == "space" and name == space_id.casefold())
        ):
            return True
    return False


def _access(
    user: str,
    role: str,
    orgs: tuple[OrgMembership, ...],
    token_info: Mapping[str, Any],
    space_id: str,
    found: bool | None,
) -> SpaceAccess:
    owner = space_id.split("/", 1)[0]
    if owner.casefold() != user.casefold():
        org_role = next((o.role for o in orgs if o.name.casefold() == owner.casefold()), None)
        if not any(o.name.casefold() == owner.casefold() for o in orgs):
            return "not_owner"
        if org_role not in WRITER_ROLES:
            return "org_role_too_low"
    token_writes = role == "write" or (
        role == "fineGrained" and _fine_grained_writes(token_info, user, space_id)
    )
    if token_writes:
        return "space_not_found" if found is False else "writer"
    if found is False and role != "fineGrained":
        # A read or write token sees every Space of its user: the Space does not exist.
        return "space_not_found"
    if role == "read":
        return "read_only_token"
    if role == "fineGrained":
        return "fine_grained_no_scope"
    return "unknown_role"


# -- what the wizard writes ----------------------------------------------------------------


@dataclass(frozen=True)
class WriteOutcome:
    """How writing one secret (or variable) went. Never holds its value."""

    key: str
    ok: bool
    attempts: int
    error: HubErrorKind | Literal["timeout"] | None = None
    status: int | None = None


def write_space_secrets(
    api: HfApi,
    space_id: str,
    secrets: Mapping[str, str],
    *,
    attempts: int = 3,
    retry_wait_s: float = 0.5,
) -> dict[str, WriteOutcome]:
    """Write every secret of `secrets` to `space_id` at once, one thread per secret.

    A Space restarts when one of its secrets changes, so from inside it the writes must all
    be on their way before the first lands. A write that fails for a transient reason (network,
    429, 5xx) is tried again, `attempts` times at most; a refusal (401, 403, 404, 400) is not.
    Returns each key's outcome; bounded by `attempts` bounded calls and the waits between.
    """
    return _write_all(
        lambda key, value: api.add_space_secret(space_id, key, value),
        secrets,
        attempts=attempts,
        retry_wait_s=retry_wait_s,
    )


def write_space_variables(
    api: HfApi,
    space_id: str,
    variables: Mapping[str, str],
    *,
    attempts: int = 3,
    retry_wait_s: float = 0.5,
) -> dict[str, WriteOutcome]:
    """Like :func:`write_space_secrets`, for the Space's (public) variables."""
    return _write_all(
        lambda key, value: api.add_space_variable(space_id, key, value),
        variables,
        attempts=attempts,
        retry_wait_s=retry_wait_s,
    )


def _write_all(
    write: Callable[[str, str], object],
    items: Mapping[str, str],
    *,
    attempts: int,
    retry_wait_s: float,
) -> dict[str, WriteOutcome]:
    attempts = max(1, attempts)
    items = dict(items)
    if not items:
        return {}
    start = threading.Barrier(len(items))

    def work(key: str, value: str) -> WriteOutcome:
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=CALL_BOUND)  # all first attempts leave together
        outcome = WriteOutcome(key, ok=False, attempts=0, error="timeout")
        for attempt in range(1, attempts + 1):
            try:
                write(key, value)
                return WriteOutcome(key, ok=True, attempts=attempt)
            except Exception as error:
                problem = classify(error)
                status = _status(error)
                outcome = WriteOutcome(key, False, attempt, problem.kind, status)
                transient = problem.kind == "unreachable" or status in TRANSIENT_STATUSES
                if not transient or attempt == attempts:
                    break
                time.sleep(retry_wait_s * attempt)
        return outcome

    bound = attempts * CALL_BOUND + retry_wait_s * attempts * (attempts - 1) / 2 + CALL_BOUND
    outcomes = concurrently(
        {key: functools.partial(work, key, value) for key, value in items.items()}, bound
    )
    return {
        key: outcomes.get(key, WriteOutcome(key, ok=False, attempts=attempts, error="timeout"))
        for key in items
    }


def restart_space(api: HfApi, space_id: str, *, factory_reboot: bool = False) -> str:
    """Restart `space_id`; returns the stage the Hub reports (e.g. APP_STARTING).

    Raises :class:`HubError`.
    """
    try:
        return str(api.restart_space(space_id, factory_reboot=factory_reboot).stage)
    except Exception as error:
        raise classify(error) from None


def space_stage(api: HfApi, space_id: str) -> str:
    """The Space's current stage (RUNNING, APP_STARTING, BUILDING, RUNTIME_ERROR…).

    Raises :class:`HubError`.
    """
    try:
        return str(api.get_space_runtime(space_id).stage)
    except Exception as error:
        raise classify(error) from None


def space_visibility(
    space_id: str | None, *, endpoint: str | None = None, budget: float = READ_TIMEOUT
) -> Literal["public", "private"] | None:
    """Whether a Space is public, asked anonymously: a private one is invisible without a token.

    Server mode has no Hugging Face token, yet must know which access mode applies
    (basic auth on a public Space, Hugging Face tokens on a private one). None: unknown.
    """
    if not space_id:
        return None
    ensure_bounded_session()
    api = HfApi(endpoint=endpoint.rstrip("/") if endpoint else None, token=False)
    call = BackgroundCall(lambda: api.space_info(space_id)).start()
    if not call.wait(time.monotonic() + budget):
        return None
    if call.result is not None:
        return "private" if getattr(call.result, "private", False) else "public"
    if isinstance(call.error, RepositoryNotFoundError):
        return "private"
    return None
