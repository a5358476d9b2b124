"""A local stand-in for the Hugging Face Hub API: the only fake in this project.

It serves, on 127.0.0.1, the routes huggingface_hub 2.4's ``HfApi`` calls to learn who a token
is and to configure a Space, with the Hub's JSON shapes, statuses and error headers, so that the
real ``HfApi(endpoint=standin.url)`` parses the same objects and raises the same exception
classes as against huggingface.co:

* ``GET /api/whoami-v2``
* ``GET /api/spaces/{owner}/{name}`` (``space_info``)
* ``GET|POST|DELETE /api/spaces/{id}/secrets`` and ``/variables``
* ``POST /api/spaces/{id}/restart`` (``?factory=true``) and ``GET /api/spaces/{id}/runtime``

Authorization follows the Hub:

* an unknown token → 401 ``Invalid credentials in Authorization header`` on every route
  (``HfHubHTTPError``, not ``RepositoryNotFoundError``);
* a Space the caller may not see (missing, or someone else's private one) → 404 with
  ``X-Error-Code: RepoNotFound`` (401 when no token was sent) → ``RepositoryNotFoundError``;
* a Space the caller sees but may not change (a read token, a fine-grained token without
  ``repo.write`` on it, someone else's public Space, an org where the user is only ``read`` or
  ``contributor``) → 403 → ``HfHubHTTPError``.

One difference from huggingface.co is on the client side, not here: huggingface_hub turns a
bare 401 on a repository route into ``RepositoryNotFoundError`` only for ``https://`` URLs, so
the stand-in always sends ``X-Error-Code: RepoNotFound`` with such 401s, as the Hub does.

Every request is recorded (:class:`RecordedRequest`): method, path, query, the bearer token,
the *names* of the JSON body's fields and its ``key``. Values sent in a body are never
recorded; a secret's value lives only in its Space's state (``standin.space(id).secrets``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qs, unquote, urlsplit

LOCALHOST = "127.0.0.1"

TokenRole = Literal["read", "write", "fineGrained"]
OrgRole = Literal["read", "contributor", "write", "admin"]
EntityType = Literal["user", "org", "space", "model", "dataset"]

# Fine-grained permission names, as the Hub's token page and whoami-v2 spell them.
READ_PERMISSION = "repo.content.read"
WRITE_PERMISSION = "repo.write"
# Org roles allowed to change the org's repositories (and so their Space settings).
WRITER_ROLES: frozenset[str] = frozenset({"write", "admin"})

INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
NOT_AUTHENTICATED = "Invalid username or password."
REPO_NOT_FOUND = "Repository not found"


def scope(entity_type: EntityType, name: str, *permissions: str) -> dict[str, Any]:
    """One ``fineGrained.scoped`` entry, shaped like whoami-v2's."""
    return {
        "entity": {"_id": secrets.token_hex(12), "type": entity_type, "name": name},
        "permissions": list(permissions),
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class User:
    name: str
    orgs: dict[str, str] = field(default_factory=dict)  # org name → role in it
    id: str = field(default_factory=lambda: secrets.token_hex(12))


@dataclass
class Token:
    value: str
    user: str
    role: TokenRole
    scoped: list[dict[str, Any]] = field(default_factory=list)
    global_permissions: list[str] = field(default_factory=list)
    display_name: str = "token"
    created_at: str = field(default_factory=_now)

    def permissions_on(self, space: Space) -> set[str]:
        """The fine-grained permissions this token holds on `space` (for fineGrained tokens)."""
        granted = set(self.global_permissions)
        for entry in self.scoped:
            entity = entry.get("entity", {})
            kind, name = entity.get("type"), entity.get("name")
            if (
                (kind == "user" and name == self.user and space.owner == self.user)
                or (kind == "org" and name == space.owner)
                or (kind == "space" and name == space.id)
            ):
                granted.update(entry.get("permissions", []))
        return granted


@dataclass
class StoredValue:
    """A secret's or a variable's state. A secret's value is only ever here."""

    value: str
    description: str | None = None
    updated_at: str = field(default_factory=_now)


@dataclass
class Space:
    id: str
    private: bool = False
    sdk: str = "docker"
    stage: str = "RUNNING"
    hardware: str = "cpu-basic"
    secrets: dict[str, StoredValue] = field(default_factory=dict)
    variables: dict[str, StoredValue] = field(default_factory=dict)
    restarts: int = 0  # explicit restart calls (factory reboots included)
    factory_reboots: int = 0
    settings_changes: int = 0  # secret/variable writes and deletions (each restarts a Space)
    starting_until: float = 0.0  # monotonic time until which the runtime reports a start
    starting_stage: str = "APP_STARTING"
    sha: str = field(default_factory=lambda: secrets.token_hex(20))
    object_id: str = field(default_factory=lambda: secrets.token_hex(12))
    created_at: str = field(default_factory=_now)

    @property
    def owner(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split("/", 1)[1]

    @property
    def subdomain(self) -> str:
        return f"{self.owner}-{self.name}".lower().replace(".", "-").replace("_", "-")

    def current_stage(self) -> str:
        return self.starting_stage if time.monotonic() < self.starting_until else self.stage

    def runtime(self, stage: str | None = None) -> dict[str, Any]:
        """``GET /api/spaces/{id}/runtime``'s body."""
        return {
            "stage": stage or self.current_stage(),
            "hardware": {"current": self.hardware, "requested": self.hardware},
            "storage": None,
            "gcTimeout": 172800,
            "replicas": {"current": 1, "requested": 1},
            "devMode": False,
            "domains": [{"domain": f"{self.subdomain}.hf.space", "stage": "READY"}],
            "sha": self.sha,
        }

    def info(self) -> dict[str, Any]:
        """``GET /api/spaces/{id}``'s body."""
        return {
            "_id": self.object_id,
            "id": self.id,
            "author": self.owner,
            "sha": self.sha,
            "lastModified": self.created_at,
            "createdAt": self.created_at,
            "private": self.private,
            "gated": False,
            "disabled": False,
            "host": f"https://{self.subdomain}.hf.space",
            "subdomain": self.subdomain,
            "likes": 0,
            "sdk": self.sdk,
            "tags": [self.sdk, "region:us"],
            "siblings": [{"rfilename": ".gitattributes"}, {"rfilename": "README.md"}],
            "runtime": self.runtime(),
            "models": [],
            "datasets": [],
            "usedStorage": 0,
        }


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in saw it. Never holds a value sent in a body."""

    method: str
    path: str
    query: Mapping[str, str]
    token: str | None  # the bearer token sent, if any
    body_keys: tuple[str, ...]  # names of the JSON body's fields
    key: str | None  # the body's "key" field (a secret's or variable's name)
    status: int


class HubError(Exception):
    """An error answer, as the Hub shapes it."""

    def __init__(self, status: int, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


SecretHook = Callable[[str, str], None]  # (space id, secret key) — never the value


class HubStandIn:
    """The stand-in server and its world: users, orgs, tokens, Spaces, and a request log."""

    def __init__(
        self,
        *,
        restart_duration_s: float = 0.0,
        sigterm_after_first_secret: tuple[int, float] | None = None,
    ) -> None:
        self.restart_duration_s = restart_duration_s
        self.on_secret_write: SecretHook | None = None
        self._lock = threading.RLock()
        self._users: dict[str, User] = {}
        self._tokens: dict[str, Token] = {}
        self._spaces: dict[str, Space] = {}
        self._log: list[RecordedRequest] = []
        self._timers: list[threading.Timer] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._failures: list[list[Any]] = []  # [method, path suffix, status, remaining]
        if sigterm_after_first_secret is not None:
            self.sigterm_after_first_secret(*sigterm_after_first_secret)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The endpoint to give ``HfApi(endpoint=...)``."""
        if self._server is None:
            raise RuntimeError("the Hub stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer((LOCALHOST, 0), _handler_for(self))
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end every open (keep-alive) connection, cancel pending signals."""
        server, self._server = self._server, None
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the world -------------------------------------------------------------------------

    def add_user(self, name: str, orgs: Mapping[str, OrgRole] | None = None) -> User:
        """A user, member of `orgs` (org name → role). Orgs exist as soon as named."""
        with self._lock:
            user = User(name=name, orgs=dict(orgs or {}))
            self._users[name] = user
            return user

    def set_org_role(self, user: str, org: str, role: OrgRole | None) -> None:
        """Make `user` a member of `org` with `role`, or remove them with ``None``."""
        with self._lock:
            if role is None:
                self._users[user].orgs.pop(org, None)
            else:
                self._users[user].orgs[org] = role

    def add_token(
        self,
        token: str,
        user: str,
        role: TokenRole,
        scoped: Sequence[Mapping[str, Any]] | None = None,
        *,
        global_permissions: Iterable[str] = (),
        display_name: str | None = None,
    ) -> str:
        """Register `token` for `user`. `scoped` (fine-grained only) holds entries shaped like
        whoami-v2's, e.g. ``scope("space", "alice/mlflow", "repo.content.read", "repo.write")``.
        """
        if user not in self._users:
            raise KeyError(f"unknown user {user!r}")
        if role != "fineGrained" and (scoped or global_permissions):
            raise ValueError("only fine-grained tokens have scopes")
        with self._lock:
            self._tokens[token] = Token(
                value=token,
                user=user,
                role=role,
                scoped=[json.loads(json.dumps(entry)) for entry in scoped or ()],
                global_permissions=list(global_permissions),
                display_name=display_name or f"{role}-token",
            )
        return token

    def add_space(
        self,
        space_id: str,
        *,
        private: bool = False,
        sdk: str = "docker",
        stage: str = "RUNNING",
        secrets: Mapping[str, str] | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Space:
        """A Space `owner/name`; its owner (a user or an org) is the part before the slash."""
        if space_id.count("/") != 1:
            raise ValueError("a Space id is owner/name")
        with self._lock:
            space = Space(id=space_id, private=private, sdk=sdk, stage=stage)
            space.secrets = {k: StoredValue(v) for k, v in (secrets or {}).items()}
            space.variables = {k: StoredValue(v) for k, v in (variables or {}).items()}
            self._spaces[space_id] = space
            return space

    def space(self, space_id: str) -> Space:
        """The live state of a Space (secrets' values included): for assertions."""
        with self._lock:
            return self._spaces[space_id]

    def secret_values(self, space_id: str) -> dict[str, str]:
        """The stored secrets of a Space, values included (what the container would get)."""
        with self._lock:
            return {k: v.value for k, v in self._spaces[space_id].secrets.items()}

    # -- the request log -------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request served so far, oldest first (a copy)."""
        with self._lock:
            return list(self._log)

    def requests_to(self, suffix: str, method: str | None = None) -> list[RecordedRequest]:
        """The requests whose path ends with `suffix` (e.g. ``"/restart"``), of `method`."""
        return [
            r
            for r in self.requests
            if r.path.endswith(suffix) and (method is None or r.method == method)
        ]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- hooks -----------------------------------------------------------------------------

    def sigterm_after_first_secret(self, pid: int, delay_s: float = 0.5) -> None:
        """Send SIGTERM to `pid` `delay_s` seconds after the first secret write, as a real
        Space restarts when one of its secrets changes. Later writes send nothing more."""
        fired = threading.Event()

        def hook(space_id: str, key: str) -> None:
            if fired.is_set():
                return
            fired.set()
            timer = threading.Timer(delay_s, _kill_quietly, args=(pid,))
            timer.daemon = True
            with self._lock:
                self._timers.append(timer)
            timer.start()

        self.on_secret_write = hook

    def fail_next(self, method: str, suffix: str, status: int = 503, times: int = 1) -> None:
        """Answer the next `times` `method` requests whose path ends with `suffix` with
        `status`, as a busy or briefly broken Hub does (nothing is stored)."""
        with self._lock:
            self._failures.append([method, suffix, status, times])

    # -- serving ---------------------------------------------------------------------------

    def _injected_failure(self, method: str, path: str) -> int | None:
        with self._lock:
            for failure in self._failures:
                if failure[0] == method and path.endswith(failure[1]) and failure[3] > 0:
                    failure[3] -= 1
                    return int(failure[2])
        return None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._log.append(request)

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def handle(
        self, method: str, path: str, query: Mapping[str, str], token: str | None, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        """Answer one request: (status, JSON body, extra headers). Raises :class:`HubError`."""
        injected = self._injected_failure(method, path)
        if injected is not None:
            raise HubError(injected, HTTPStatus(injected).phrase)
        caller = self._authenticate(token)
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts == ["api", "whoami-v2"] and method == "GET":
            if caller is None:
                raise HubError(401, NOT_AUTHENTICATED)
            return 200, self._whoami(caller), {}
        if len(parts) >= 4 and parts[:2] == ["api", "spaces"]:
            space_id = f"{parts[2]}/{parts[3]}"
            rest = parts[4:]
            return self._space_route(method, space_id, rest, query, caller, body)
        raise HubError(404, "Not Found")

    def _authenticate(self, token: str | None) -> Token | None:
        if token is None:
            return None
        with self._lock:
            found = self._tokens.get(token)
        if found is None:
            raise HubError(401, INVALID_CREDENTIALS)
        return found

    def _whoami(self, token: Token) -> dict[str, Any]:
        with self._lock:
            user = self._users[token.user]
            access_token: dict[str, Any] = {
                "displayName": token.display_name,
                "role": token.role,
                "createdAt": token.created_at,
            }
            if token.role == "fineGrained":
                access_token["fineGrained"] = {
                    "canReadGatedRepos": False,
                    "global": list(token.global_permissions),
                    "scoped": json.loads(json.dumps(token.scoped)),
                }
            return {
                "type": "user",
                "id": user.id,
                "name": user.name,
                "fullname": user.name.title(),
                "email": None,
                "emailVerified": True,
                "canPay": False,
                "isPro": False,
                "periodEnd": None,
                "avatarUrl": f"/avatars/{user.id}.svg",
                "orgs": [
                    {
                        "type": "org",
                        "id": secrets.token_hex(12),
                        "name": org,
                        "fullname": org.title(),
                        "email": None,
                        "canPay": False,
                        "periodEnd": None,
                        "avatarUrl": f"/avatars/{org}.svg",
                        "roleInOrg": role,
                        "isEnterprise": False,
                    }
                    for org, role in user.orgs.items()
                ],
                "auth": {"type": "access_token", "accessToken": access_token},
            }

    def _relation(self, caller: Token | None, space: Space) -> tuple[bool, bool]:
        """What the *user* behind `caller` may do to `space`: (see it, change it)."""
        if caller is None:
            return (not space.private, False)
        user = self._users[caller.user]
        if space.owner == user.name:
            return True, True
        role = user.orgs.get(space.owner)
        if role is not None:
            return True, role in WRITER_ROLES
        return (not space.private, False)

    def _token_grants(self, caller: Token, space: Space, write: bool) -> bool:
        """Whether the token itself allows reading (or writing) `space`."""
        if caller.role == "write":
            return True
        if caller.role == "read":
            return not write
        granted = caller.permissions_on(space)
        if write:
            return WRITE_PERMISSION in granted
        return not space.private or bool(granted & {READ_PERMISSION, WRITE_PERMISSION})

    def _authorize(self, caller: Token | None, space_id: str, *, write: bool) -> Space:
        """The Space if `caller` may read (or write) it, else the Hub's error."""
        with self._lock:
            space = self._spaces.get(space_id)
            sees = space is not None and self._relation(caller, space)[0]
        if space is None or not sees:
            if caller is None:
                raise HubError(401, REPO_NOT_FOUND, code="RepoNotFound")
            raise HubError(404, REPO_NOT_FOUND, code="RepoNotFound")
        if caller is None:
            if write:
                raise HubError(401, "You must be authenticated to do this", code="RepoNotFound")
            return space
        may_change = self._relation(caller, space)[1]
        if write and not may_change:
            raise HubError(403, f"You don't have the rights to change the settings of {space_id}")
        if not self._token_grants(caller, space, write):
            needed = WRITE_PERMISSION if write else READ_PERMISSION
            raise HubError(
                403,
                f"This {caller.role} token does not have the {needed} permission on {space_id}",
            )
        return space

    def _space_route(
        self,
        method: str,
        space_id: str,
        rest: list[str],
        query: Mapping[str, str],
        caller: Token | None,
        body: Any,
    ) -> tuple[int, Any, dict[str, str]]:
        if not rest and method == "GET":
            return 200, self._authorize(caller, space_id, write=False).info(), {}
        if rest == ["runtime"] and method == "GET":
            return 200, self._authorize(caller, space_id, write=False).runtime(), {}
        if rest == ["restart"] and method == "POST":
            space = self._authorize(caller, space_id, write=True)
            if space.sdk == "static":
                raise HubError(400, "Static Spaces cannot be restarted")
            factory = query.get("factory") == "true"
            with self._lock:
                space.restarts += 1
                space.factory_reboots += int(factory)
                stage = "BUILDING" if factory else "APP_STARTING"
                self._begin_start(space, stage)
                # The answer shows the start, however short `restart_duration_s` is.
                return 200, space.runtime(stage), {}
        if rest in (["secrets"], ["variables"]):
            kind = rest[0]
            if method == "GET":
                space = self._authorize(caller, space_id, write=False)
                if not self._relation(caller, space)[1]:
                    raise HubError(
                        403, f"You don't have the rights to see the {kind} of {space_id}"
                    )
                return 200, self._listing(space, kind), {}
            if method in ("POST", "DELETE"):
                space = self._authorize(caller, space_id, write=True)
                key = self._settings_write(space, kind, method, body)
                if kind == "secrets" and method == "POST" and self.on_secret_write is not None:
                    self.on_secret_write(space_id, key)
                # Secrets answer with an empty body; variables with the new listing.
                return 200, (self._listing(space, kind) if kind == "variables" else None), {}
        raise HubError(404, "Not Found")

    def _begin_start(self, space: Space, stage: str) -> None:
        space.starting_stage = stage
        space.starting_until = time.monotonic() + max(self.restart_duration_s, 0.0)

    def _listing(self, space: Space, kind: str) -> dict[str, Any]:
        with self._lock:
            if kind == "secrets":  # keys only: secret values are write-only
                return {
                    k: {"key": k, "description": v.description, "updatedAt": v.updated_at}
                    for k, v in space.secrets.items()
                }
            return {
                k: {
                    "key": k,
                    "value": v.value,
                    "description": v.description,
                    "updatedAt": v.updated_at,
                }
                for k, v in space.variables.items()
            }

    def _settings_write(self, space: Space, kind: str, method: str, body: Any) -> str:
        if not isinstance(body, dict) or not isinstance(body.get("key"), str) or not body["key"]:
            raise HubError(400, '"key" is required')
        key: str = body["key"]
        if not _is_env_name(key):
            raise HubError(400, f"Invalid key {key!r}: use letters, digits and underscores")
        store = space.secrets if kind == "secrets" else space.variables
        with self._lock:
            if method == "DELETE":
                if key not in store:
                    raise HubError(404, f"{key} not found")
                del store[key]
            else:
                value = body.get("value")
                if not isinstance(value, str):
                    raise HubError(400, '"value" must be a string')
                description = body.get("description")
                store[key] = StoredValue(
                    value, description if isinstance(description, str) else None
                )
            space.settings_changes += 1
            self._begin_start(space, "APP_STARTING")
        return key


def _is_env_name(key: str) -> bool:
    return key.isascii() and (key[0].isalpha() or key[0] == "_") and key.replace("_", "a").isalnum()


def _kill_quietly(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def _handler_for(standin: HubStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "HubStandIn"
        timeout = 30  # an idle keep-alive connection ends by itself

        def setup(self) -> None:
            super().setup()
            # Headers and body leave in two writes: without this, Nagle's algorithm and
            # delayed ACKs add 40 ms to every keep-alive request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            standin._track(self.connection, True)

        def finish(self) -> None:
            try:
                super().finish()
            finally:
                standin._track(self.connection, False)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the request log is standin.requests

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
            split = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(split.query).items()}
            authorization = self.headers.get("Authorization")
            token = None
            if authorization is not None:
                token = authorization.removeprefix("Bearer ").strip()
            body: Any = None
            headers: dict[str, str] = {}
            try:
                if raw:
                    try:
                        body = json.loads(raw)
                    except ValueError as error:
                        raise HubError(400, "Invalid JSON body") from error
                status, answer, headers = standin.handle(method, split.path, query, token, body)
            except HubError as error:
                status, answer = error.status, {"error": error.message}
                headers = {"X-Error-Message": error.message}
                if error.code is not None:
                    headers["X-Error-Code"] = error.code
            standin._record(
                RecordedRequest(
                    method=method,
                    path=split.path,
                    query=query,
                    token=token,
                    body_keys=tuple(body) if isinstance(body, dict) else (),
                    key=body.get("key") if isinstance(body, dict) else None,
                    status=status,
                )
            )
            self._reply(status, answer, headers)

        def _reply(self, status: int, answer: Any, headers: Mapping[str, str]) -> None:
            payload = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status, HTTPStatus(status).phrase)
            if answer is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Request-Id", f"Root={secrets.token_hex(8)}")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


# -- the default world of the tests' `hub` fixture ---------------------------------------------


class DefaultHub(HubStandIn):
    """The stand-in with the tests' default world.

    * ``alice`` owns ``alice/mlflow`` (public) and ``alice/private-mlflow`` (private);
    * ``bob`` owns ``bob/mlflow`` (public) and ``bob/private-mlflow`` (private);
    * org ``bootcamp`` owns ``bootcamp/mlflow``; alice is a ``write`` member;
      ``carol`` is a ``contributor`` member.

    Tokens (random suffixes): :attr:`alice_write`, :attr:`alice_read`,
    :attr:`alice_fg_noscope` (fine-grained, read-only on alice's repositories),
    :attr:`alice_fg_space` (fine-grained, ``repo.write`` on ``alice/mlflow`` only),
    :attr:`bob_write`, :attr:`carol_write`.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.add_user("alice", orgs={"bootcamp": "write"})
        self.add_user("bob")
        self.add_user("carol", orgs={"bootcamp": "contributor"})
        self.add_space("alice/mlflow")
        self.add_space("alice/private-mlflow", private=True)
        self.add_space("bob/mlflow")
        self.add_space("bob/private-mlflow", private=True)
        self.add_space("bootcamp/mlflow")
        suffix = secrets.token_hex(8)
        self.alice_write = self.add_token(f"hf_alice_write_{suffix}", "alice", "write")
        self.alice_read = self.add_token(f"hf_alice_read_{suffix}", "alice", "read")
        self.alice_fg_noscope = self.add_token(
            f"hf_alice_fg_noscope_{suffix}",
            "alice",
            "fineGrained",
            [scope("user", "alice", READ_PERMISSION)],
            global_permissions=["discussion.write"],
        )
        self.alice_fg_space = self.add_token(
            f"hf_alice_fg_space_{suffix}",
            "alice",
            "fineGrained",
            [scope("space", "alice/mlflow", READ_PERMISSION, WRITE_PERMISSION)],
        )
        self.bob_write = self.add_token(f"hf_bob_write_{suffix}", "bob", "write")
        self.carol_write = self.add_token(f"hf_carol_write_{suffix}", "carol", "write")
