"""Every route of the app states who may call it, and refuses everyone else.

The routes are enumerated from the app itself (a new route cannot slip past):
each one declares roles through ``require(...)`` or is public through the
``PUBLIC`` marker or the ``PUBLIC_PATHS`` allow-list. A protected route
answers 401 without credentials and with unknown ones, and 403 to every
other role's valid credentials, before it looks at anything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from syndicate.api.app import create_app
from syndicate.api.auth import PUBLIC_PATHS, Role, access_of
from syndicate.settings import Settings
from tests.partners.support import add_partner, issue_key

STAFF = {
    Role.newsroom: "newsroom-secret",
    Role.editor: "editor-secret",
    Role.translator: "translator-secret",
    Role.admin: "admin-secret",
}
PARAM = re.compile(r"\{([^}:]+)(?::([^}]+))?\}")


def concrete(path: str) -> str:
    """A path with a plausible value for each parameter (``{x:int}`` -> 1, ``{p:path}`` -> a feed)."""

    def value(match: re.Match[str]) -> str:
        kind = match.group(2)
        if kind == "path":
            return "en/rss.xml"
        return "1" if kind == "int" or match.group(1).endswith("id") else "x"

    return PARAM.sub(value, path)


def routes() -> Iterator[tuple[str, str, object]]:
    app = create_app()
    for route in iter_route_contexts(app.routes):
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield method, route.path, access_of(route)


def test_every_route_declares_its_roles_or_that_it_is_public() -> None:
    undeclared = [f"{method} {path}" for method, path, access in routes() if access is None]
    assert not undeclared, f"routes without require(...) or PUBLIC: {undeclared}"
    declared = {path for _, path, _ in routes()}
    assert declared >= PUBLIC_PATHS, "the allow-list names a route the app does not have"


def test_the_expected_routes_are_public_and_no_others() -> None:
    public = sorted({path for _, path, access in routes() if access == "public"})
    allowed = re.compile(r"^(/healthz|/readyz|/metrics|/v1/schema/article|/feeds/.*|/(en|ckb|kmr|ar)/\{section\}.*)$")
    leaked = [p for p in public if p not in PUBLIC_PATHS and not allowed.match(p)]
    assert not leaked, f"public routes that should need a role: {leaked}"


@pytest.fixture
def credentials(settings: Settings, db: object) -> dict[Role, dict[str, str]]:
    add_partner(db, settings, "roles-partner")  # type: ignore[arg-type]
    key = issue_key(db, "roles-partner")  # type: ignore[arg-type]
    tokens = {**STAFF, Role.partner: key}
    return {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}


def test_each_protected_route_refuses_anonymous_unknown_and_other_roles(
    settings: Settings, credentials: dict[Role, dict[str, str]]
) -> None:
    client = TestClient(create_app(settings))
    checked = 0
    for method, path, access in routes():
        if access == "public":
            continue
        assert isinstance(access, frozenset)
        url = concrete(path)
        anonymous = client.request(method, url)
        assert anonymous.status_code == 401, f"{method} {path} without credentials: {anonymous.status_code}"
        assert anonymous.headers.get("www-authenticate") == "Bearer"
        for bad in ("Bearer nope", "Basic bmV3c3Jvb20tc2VjcmV0", "Bearer cnp_000000000000_forged"):
            answer = client.request(method, url, headers={"Authorization": bad})
            assert answer.status_code == 401, f"{method} {path} with {bad!r}: {answer.status_code}"
        for role, headers in credentials.items():
            answer = client.request(method, url, headers=headers)
            role_refusal = answer.status_code == 403 and "route needs the" in answer.text
            if role in access:
                # Past the role check (a partner may still get 403 for an item outside its entitlement).
                assert answer.status_code != 401 and not role_refusal, f"{method} {path} refused its own role {role}"
            else:
                assert role_refusal, f"{method} {path} as {role}: {answer.status_code} {answer.text}"
        checked += 1
    assert checked >= 25  # the protected surface: ingest, desk, partner pull, admin


def test_public_routes_need_no_credentials(settings: Settings) -> None:
    client = TestClient(create_app(settings))
    for method, path, access in routes():
        if access == "public":
            answer = client.request(method, concrete(path))
            assert answer.status_code not in (401, 403), f"{method} {path}: {answer.status_code}"


def test_a_token_serves_one_role_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("SYNDICATE_ADMIN_TOKENS", "newsroom-secret")
    with pytest.raises(ValidationError, match="more than one role"):
        Settings()
