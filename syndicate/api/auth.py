"""Roles and bearer credentials. Every route states the roles it accepts, or that it is public.

Newsroom, editor, translator and admin tokens come from settings; partner
keys live hashed in the database and are checked by ``syndicate.partners``.
A route says what it needs with a dependency: ``require(Role.x, ...)`` or
``PUBLIC``. Framework routes outside our routers (the OpenAPI document and
its viewers) are public through ``PUBLIC_PATHS``, the one allow-list.
:func:`access_of` reads either back, so a test can hold every route to it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from syndicate.errors import Forbidden, Unauthorized
from syndicate.settings import Settings, get_settings

bearer = HTTPBearer(auto_error=False)


class Role(StrEnum):
    newsroom = "newsroom"
    editor = "editor"
    translator = "translator"
    admin = "admin"
    partner = "partner"


@dataclass(frozen=True)
class Principal:
    role: Role
    name: str
    partner_id: int | None = None


def _settings_tokens(settings: Settings) -> dict[Role, list[str]]:
    return {
        Role.newsroom: [t.get_secret_value() for t in settings.newsroom_tokens],
        Role.editor: [t.get_secret_value() for t in settings.editor_tokens],
        Role.translator: [t.get_secret_value() for t in settings.translator_tokens],
        Role.admin: [t.get_secret_value() for t in settings.admin_tokens],
    }


def staff_principal(token: str, settings: Settings) -> Principal | None:
    """The staff role of a token, compared in constant time against every known token."""
    found: Principal | None = None
    for role, tokens in _settings_tokens(settings).items():
        for index, known in enumerate(tokens):
            # Compare against all of them: timing must not reveal which role matched.
            if known and hmac.compare_digest(known.encode(), token.encode()) and found is None:
                found = Principal(role, f"{role}-{index}")
    return found


PartnerResolver = Callable[[Request, str], Principal | None]


def require(*roles: Role) -> Callable[..., Principal]:
    """Dependency: the caller must hold one of ``roles`` (401 unknown, 403 wrong role)."""

    def dependency(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
        if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
            raise Unauthorized("a bearer token is required")
        token = creds.credentials
        principal = staff_principal(token, get_settings())
        if principal is None:
            resolver: PartnerResolver | None = getattr(request.app.state, "partner_resolver", None)
            principal = resolver(request, token) if resolver else None
        if principal is None:
            raise Unauthorized("unknown or expired credentials")
        if principal.role not in roles:
            raise Forbidden(f"this route needs the {' or '.join(roles)} role")
        request.state.principal = principal
        return principal

    dependency.roles = roles  # type: ignore[attr-defined]  # read by the route-role test
    return dependency


async def public() -> None:
    """Marker dependency: this route is public on purpose (async: no thread hop on hot routes)."""


public.public = True  # type: ignore[attr-defined]
PUBLIC = Depends(public)

# Routes the framework adds (not in our routers) that anyone may read: the API's own description.
PUBLIC_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


def _declared(dependant: Dependant) -> tuple[set[Role], bool]:
    roles: set[Role] = set()
    is_public = False
    for sub in dependant.dependencies:
        call: Any = sub.call
        roles |= set(getattr(call, "roles", ()))
        is_public = is_public or bool(getattr(call, "public", False))
        deeper, deeper_public = _declared(sub)
        roles |= deeper
        is_public = is_public or deeper_public
    return roles, is_public


def access_of(route: Any) -> frozenset[Role] | str | None:
    """What a route declares: its roles, ``"public"``, or None when it declares nothing (a defect)."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return "public" if getattr(route, "path", None) in PUBLIC_PATHS else None
    roles, is_public = _declared(dependant)
    if roles and is_public:
        return None  # contradictory: treat as undeclared so the test names it
    if roles:
        return frozenset(roles)
    return "public" if is_public else None
