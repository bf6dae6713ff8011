"""CSRF: every state-changing handler, found by walking app.routes, refuses a request without its token."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Challenge, ChallengeStatus, HostInvitation, HostMember, Registration
from tests import factories
from tests.conftest import Client, ClientFactory
from tests.security.support import STATE_CHANGING, count_accounts, count_sessions, endpoints, fill

CSRF_FAILED = "CSRF token verification failed"


def state_changing(app: Litestar, values: dict[str, str]) -> list[tuple[str, str]]:
    found = [(method, fill(path, values)) for method, path, _ in endpoints(app) if method in STATE_CHANGING]
    # the walk must see the routes we know of; if this fails, the walk is broken, not the app
    assert {("POST", "/api/v1/auth/logout"), ("POST", "/logout"), ("POST", "/signup")} <= set(found)
    assert any(m == "PUT" for m, _ in found) and any(m == "DELETE" for m, _ in found)
    return found


def assert_csrf_refused(response: httpx.Response, method: str, path: str, variant: str) -> None:
    where = f"{method} {path} ({variant})"
    assert response.status_code == 403, f"{where}: {response.status_code} {response.text[:200]}"
    if path.startswith("/api/"):
        assert response.headers["content-type"].startswith("application/problem+json"), where
        assert response.json()["detail"] == CSRF_FAILED, where
    else:
        assert response.headers["content-type"].startswith("text/html"), where
        assert CSRF_FAILED in response.text, where


async def arrange(db: AsyncSession, world: factories.World) -> tuple[Challenge, dict[str, str]]:
    """A draft challenge of the logged-in member's own host, so that without CSRF the requests would work."""
    draft = await factories.challenge(
        db, world.event, world.host_a, status=ChallengeStatus.DRAFT, title="Draft"
    )
    invitation, token = await factories.invitation(db, world.host_a, "alice@example.org", world.member_a)
    values = {
        "slug": draft.slug,
        "host_slug": world.host_a.slug,
        "event_slug": world.event.slug,
        "token": token,
        "invitation_id": str(invitation.id),
        "registration_id": "1",
        "question_id": "1",
        "token_id": "1",
        "team_id": "1",
        "code": "ABCDEFGH",
    }
    return draft, values


async def assert_nothing_changed(app: Litestar, member: Client, draft: Challenge, accounts: int) -> None:
    async with app.state.sessionmaker() as s:
        row = await s.get(Challenge, draft.id)
        assert row is not None
        assert (row.status, row.title) == (ChallengeStatus.DRAFT, "Draft")
        assert await s.scalar(select(func.count()).select_from(Registration)) == 0
        assert await s.scalar(select(func.count()).select_from(Challenge)) == 1
        assert await s.scalar(select(func.count()).select_from(HostInvitation)) == 1
        assert await s.scalar(select(func.count()).select_from(HostMember)) == 2
    assert await count_accounts(app) == accounts
    assert await count_sessions(app) == 1  # not logged out, no new session
    assert (await member.get("/api/v1/me")).status_code == 200


def body_for(path: str) -> dict[str, Any]:
    if path.startswith("/api/"):
        return {"json": {}}
    return {"data": {"title": "Forged", "email": "forged@example.org", "password": "x" * 12}}


async def test_every_state_changing_handler_refuses_a_request_without_csrf_token(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    draft, values = await arrange(db, world)
    accounts = await count_accounts(app)
    member = await client_factory(world.member_a)
    assert member.csrf  # the cookie is there; only the token in the request is missing
    for method, path in state_changing(app, values):
        r = await member.raw.request(method, path, **body_for(path))
        assert_csrf_refused(r, method, path, "no token")
    await assert_nothing_changed(app, member, draft, accounts)


async def test_every_state_changing_handler_refuses_a_wrong_csrf_token(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    draft, values = await arrange(db, world)
    accounts = await count_accounts(app)
    member = await client_factory(world.member_a)
    # a well-formed token, issued by this app, but to another browser
    other_token = await (await client_factory()).ensure_csrf()
    assert other_token and other_token != member.csrf
    for method, path in state_changing(app, values):
        for variant, token in (("garbage token", "wrong"), ("another browser's token", other_token)):
            r = await member.raw.request(method, path, headers={"x-csrftoken": token}, **body_for(path))
            assert_csrf_refused(r, method, path, variant)
    await assert_nothing_changed(app, member, draft, accounts)


async def test_token_without_its_cookie_is_refused(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    draft, values = await arrange(db, world)
    accounts = await count_accounts(app)
    member = await client_factory(world.member_a)
    token = member.csrf
    member.raw.cookies.delete("csrftoken")
    for method, path in state_changing(app, values):
        r = await member.raw.request(method, path, headers={"x-csrftoken": token}, **body_for(path))
        assert_csrf_refused(r, method, path, "token without cookie")
    await assert_nothing_changed(app, member, draft, accounts)


async def test_page_forms_without_or_with_wrong_csrf_field_are_refused(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    draft, values = await arrange(db, world)
    accounts = await count_accounts(app)
    member = await client_factory(world.member_a)
    forms = [(m, p) for m, p in state_changing(app, values) if not p.startswith("/api/")]
    assert ("POST", f"/challenges/{draft.slug}/publish") in forms
    for method, path in forms:
        form = {"title": "Forged", "email": "forged@example.org", "password": "x" * 12}
        r = await member.raw.request(method, path, data=form)
        assert_csrf_refused(r, method, path, "form without _csrf_token")
        r = await member.raw.request(method, path, data={**form, "_csrf_token": "wrong"})
        assert_csrf_refused(r, method, path, "form with a wrong _csrf_token")
    await assert_nothing_changed(app, member, draft, accounts)


async def test_anonymous_signup_and_login_forms_need_the_csrf_field_too(
    app: Litestar, anon: Client, world: factories.World
) -> None:
    accounts = await count_accounts(app)
    await anon.ensure_csrf()
    signup = {"email": "forged@example.org", "display_name": "F", "password": "x" * 12, "accept_terms": "on"}
    assert_csrf_refused(await anon.raw.post("/signup", data=signup), "POST", "/signup", "no field")
    login = {"email": world.alice.email, "password": factories.PASSWORD}
    assert_csrf_refused(await anon.raw.post("/login", data=login), "POST", "/login", "no field")
    assert await count_accounts(app) == accounts
    assert await count_sessions(app) == 0
    # with the field, the same forms work
    assert (await anon.submit("/login", login)).status_code in (302, 303)


async def test_the_right_token_in_header_or_form_is_accepted(
    app: Litestar, client_factory: ClientFactory, world: factories.World
) -> None:
    alice = await client_factory(world.alice)
    r = await alice.raw.post("/logout", data={"_csrf_token": alice.csrf}, follow_redirects=False)
    assert r.status_code in (302, 303)
    bob = await client_factory(world.bob)
    r = await bob.raw.post("/api/v1/auth/logout", headers={"x-csrftoken": bob.csrf})
    assert r.status_code == 204
    assert await count_sessions(app) == 0
