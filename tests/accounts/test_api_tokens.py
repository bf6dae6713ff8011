"""Personal API tokens: created by organizers and host members from a session, shown once, stored hashed;
`Authorization: Bearer` works on /api/v1 with the owner's rights within the token's scope, without CSRF;
revoked or expired tokens stop at once."""

from __future__ import annotations

from datetime import timedelta

import httpx
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import ApiToken
from digieduhack.security import token_hash
from tests import factories
from tests.challenges.helpers import fetch_all, text_of
from tests.conftest import Client, ClientFactory


async def new_token(client: Client, scope: str = "read", **extra: object) -> tuple[str, dict[str, object]]:
    r = await client.post("/api/v1/me/tokens", json={"name": f"{scope} script", "scope": scope, **extra})
    assert r.status_code == 201, r.text
    body = r.json()
    return body["token"], body["details"]


def bearer(app: Litestar, token: str) -> httpx.AsyncClient:
    """A client with no cookie at all: only the token speaks."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver.local",
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_a_host_member_creates_a_token_shown_once_and_stored_hashed(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    member = await client_factory(world.member_a)
    token, details = await new_token(member, "write", expires_in_days=30)
    assert token.startswith("deh_") and len(token) > 40
    assert (details["name"], details["scope"], details["prefix"], details["active"]) == (
        "write script",
        "write",
        token[:10],
        True,
    )
    ((row,),) = await fetch_all(app, select(ApiToken))
    assert row.token_hash == token_hash(token) and token not in (row.prefix, row.name)
    assert row.expires_at is not None and row.expires_at - row.created_at == timedelta(days=30)
    listed = (await member.get("/api/v1/me/tokens")).json()
    assert [t["prefix"] for t in listed] == [token[:10]] and "token" not in listed[0]


async def test_participants_cannot_create_tokens(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    alice = await client_factory(world.alice)
    r = await alice.post("/api/v1/me/tokens", json={"name": "mine"})
    assert (r.status_code, r.json()["detail"]) == (
        403,
        "API tokens are for organizers and members of a host.",
    )
    assert await fetch_all(app, select(ApiToken)) == []


async def test_a_token_acts_with_its_owners_rights_without_cookies_or_csrf(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    own = await factories.challenge(db, world.event, world.host_a, slug="own")
    other = await factories.challenge(db, world.event, world.host_b, slug="other")
    token, _ = await new_token(await client_factory(world.member_a), "write")
    async with bearer(app, token) as api:
        assert (await api.get("/api/v1/me")).json()["email"] == "hanne@example.org"
        assert (await api.get(f"/api/v1/challenges/{own.slug}/registrations")).status_code == 200
        assert (await api.get(f"/api/v1/challenges/{other.slug}/registrations")).status_code == 403
        assert (await api.get("/api/v1/audit")).status_code == 403  # not an organizer
        # a write with no CSRF token at all
        r = await api.post(
            f"/api/v1/challenges/{own.slug}/questions", json={"prompt": "Your school?", "kind": "short_text"}
        )
        assert r.status_code == 201, r.text
        # tokens are for the API, not the pages
        page = await api.get("/me/registrations")
        assert (page.status_code, page.headers["location"]) == (302, "/login?next=/me/registrations")


async def test_a_read_token_reads_but_cannot_write(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    own = await factories.challenge(db, world.event, world.host_a, slug="own")
    token, _ = await new_token(await client_factory(world.member_a), "read")
    async with bearer(app, token) as api:
        assert (await api.get(f"/api/v1/challenges/{own.slug}/roster.json")).status_code == 200
        r = await api.post(
            f"/api/v1/challenges/{own.slug}/questions", json={"prompt": "Sneaky?", "kind": "yes_no"}
        )
        assert (r.status_code, r.json()["detail"]) == (
            403,
            "This API token is read-only: use a read-write token to change data.",
        )


async def test_revoked_expired_and_unknown_tokens_are_refused(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    member = await client_factory(world.member_a)
    revoked, details = await new_token(member)
    expired, expired_details = await new_token(member, expires_in_days=1)
    assert (await member.delete(f"/api/v1/me/tokens/{details['id']}")).status_code == 204
    row = await db.get_one(ApiToken, expired_details["id"])
    row.expires_at = factories.now() - timedelta(seconds=1)
    await db.commit()
    for token in (revoked, expired, "deh_unknown"):
        async with bearer(app, token) as api:
            r = await api.get("/api/v1/me")
            assert (r.status_code, r.json()["detail"]) == (
                401,
                "This API token is unknown, revoked or expired.",
            )
    # an Authorization header that is not one of our tokens is not ours to judge: the request is anonymous
    async with bearer(app, "not-ours") as api:
        r = await api.get("/api/v1/me")
        assert (r.status_code, r.json()["detail"]) == (401, "Log in to continue.")
    listed = {t["id"]: t["active"] for t in (await member.get("/api/v1/me/tokens")).json()}
    assert listed == {details["id"]: False, expired_details["id"]: False}


async def test_tokens_are_managed_only_from_a_session_and_only_ones_own(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    member = await client_factory(world.member_a)
    token, details = await new_token(member, "write")
    async with bearer(app, token) as api:
        r = await api.post("/api/v1/me/tokens", json={"name": "another"})
        assert (r.status_code, r.json()["detail"]) == (
            403,
            "API tokens are managed from a logged-in session, not with a token.",
        )
        assert (await api.delete(f"/api/v1/me/tokens/{details['id']}")).status_code == 403
    other = await client_factory(world.member_b)
    r = await other.delete(f"/api/v1/me/tokens/{details['id']}")
    assert (r.status_code, r.json()["detail"]) == (404, f"You have no API token {details['id']}.")


async def test_last_use_is_recorded(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    member = await client_factory(world.member_a)
    token, details = await new_token(member)
    assert details["last_used_at"] is None
    async with bearer(app, token) as api:
        assert (await api.get("/api/v1/me")).status_code == 200
    ((used,),) = await fetch_all(app, select(ApiToken.last_used_at))
    assert used is not None


async def test_the_tokens_page_shows_a_new_token_once_and_revokes(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    member = await client_factory(world.member_a)
    created = await member.submit(
        "/me/tokens", {"name": "Nightly export", "scope": "read", "expires_in_days": ""}
    )
    assert created.status_code == 201
    token = created.text.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert token.startswith("deh_")
    again = await member.get("/me/tokens")
    assert token not in again.text and "Nightly export" in again.text
    ((row,),) = await fetch_all(app, select(ApiToken))
    bad = await member.submit("/me/tokens", {"name": "", "scope": "read"})
    assert bad.status_code == 422
    assert text_of(bad.text, "error-name") is not None
    revoked = await member.submit(f"/me/tokens/{row.id}/revoke")
    assert revoked.status_code == 302
    assert "Revoked" in (text_of((await member.get("/me/tokens")).text, f"token-{row.id}") or "")
