"""The Hugging Face token check: is it a token, whose, and may it configure this Space?"""

from __future__ import annotations

import re
import time

from server.checks import CHECK_BUDGET
from server.diagnoses import Diagnosis
from server.hub import (
    TOKENS_PAGE,
    BackgroundCall,
    HubError,
    TokenIdentity,
    endpoint_host,
    parse_space_id,
    token_hint,
    token_identity,
    token_problem,
)

# Under the runner's budget, so that this check answers "unreachable" itself rather than
# being abandoned as a timeout.
BUDGET = CHECK_BUDGET - 1.0

# What a failing access means, and its diagnosis code.
_ACCESS_CODES = {
    "read_only_token": "hub.token_read_only",
    "fine_grained_no_scope": "hub.token_fine_grained_no_scope",
    "unknown_role": "hub.token_role_unknown",
    "org_role_too_low": "hub.org_role_too_low",
    "not_owner": "hub.not_your_space",
    "space_not_found": "hub.space_not_found",
}


def check_hub_token(
    token: str | None, space_id: str | None, *, endpoint: str | None = None
) -> list[Diagnosis]:
    """Diagnose a pasted Hugging Face token against the Space it should configure.

    `space_id` None (or empty) checks the token alone, as outside a Space. Never raises, never
    takes longer than :data:`BUDGET` seconds, never shows more of the token than its start.
    """
    try:
        return _check(token, space_id, endpoint)
    except Exception as error:  # a bug here must not become the student's crash
        return [
            Diagnosis(
                "check.crashed", params={"check": "hub"}, details={"error": type(error).__name__}
            )
        ]


def _check(token: str | None, space_id: str | None, endpoint: str | None) -> list[Diagnosis]:
    problem = token_problem(token)
    if problem == "empty":
        return [Diagnosis("hub.token_empty", details={"tokens_page": TOKENS_PAGE})]
    text = (token or "").strip()
    hint = token_hint(text)
    if problem == "whitespace":
        return [Diagnosis("hub.token_whitespace", details={"token": hint})]
    if problem is not None:
        return [Diagnosis("hub.token_format", details={"token": hint, "problem": problem})]

    found: list[Diagnosis] = []
    wanted = (space_id or "").strip()
    space = parse_space_id(wanted) if wanted else None
    if wanted and (space is None or text in wanted):  # e.g. the token pasted in both fields
        space = None
        found.append(Diagnosis("hub.space_id_format", params={"value": _shown(wanted)}))

    host = endpoint_host(endpoint)
    call = BackgroundCall(lambda: token_identity(text, space, endpoint=endpoint)).start()
    if not call.wait(time.monotonic() + BUDGET):
        return [*found, _unreachable(host, f"no answer within {BUDGET:g} s")]
    if call.error is not None:
        return [*found, _from_error(call.error, host, hint)]
    assert call.result is not None
    return [*found, *_from_identity(call.result, hint)]


def _from_error(error: BaseException, host: str, hint: str) -> Diagnosis:
    if not isinstance(error, HubError):
        raise error
    if error.kind == "token_invalid":
        return Diagnosis("hub.token_invalid", details={"token": hint})
    if error.kind == "unreachable":
        return _unreachable(host, error.cause)
    return Diagnosis(
        "hub.http_error",
        status="warn",
        params={"status": error.status or "?"},
        details={"host": host, "error": error.cause},
    )


def _unreachable(host: str, cause: str) -> Diagnosis:
    return Diagnosis("hub.unreachable", params={"host": host}, details={"error": cause})


def _from_identity(identity: TokenIdentity, hint: str) -> list[Diagnosis]:
    details = {"user": identity.user, "role": identity.role, "token": hint}
    if identity.access == "no_space":
        return [
            Diagnosis(
                "hub.token_valid",
                status="ok",
                params={"user": identity.user, "role": identity.role},
                details=details,
            )
        ]
    space = identity.space_id or ""
    owner = identity.space_owner or ""
    details = {**details, "space": space}
    if identity.access == "writer":
        visibility = {True: "private", False: "public"}.get(identity.space_private, "unknown")
        found = [
            Diagnosis(
                "hub.ok",
                status="ok",
                params={"user": identity.user, "role": identity.role, "space": space},
                details={**details, "visibility": visibility},
            )
        ]
        if identity.space_private is not None:
            code = "hub.space_private" if identity.space_private else "hub.space_public"
            found.append(Diagnosis(code, status="ok", params={"space": space}))
        return found
    code = _ACCESS_CODES[identity.access]
    params: dict[str, str | int] = {"user": identity.user, "space": space, "owner": owner}
    if identity.access == "org_role_too_low":
        params["role"] = identity.org_role(owner) or "?"
    if identity.access == "unknown_role":
        params["role"] = identity.role
    return [Diagnosis(code, params=params, details=details)]


_TOKEN_LIKE = re.compile(r"hf_\S*")


def _shown(value: str, limit: int = 80) -> str:
    """A pasted value fit to show back: one line, printable, bounded, tokens cut to `hf_…`."""
    flat = "".join(c if c.isprintable() else "?" for c in _TOKEN_LIKE.sub("hf_…", value))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
