"""Only members of a challenge's own host create, edit and publish it, on the pages and in the API."""

from __future__ import annotations

import json

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Challenge, ChallengeStatus
from tests import factories
from tests.challenges.helpers import api_body, challenge_row, count, form_data, visible_text
from tests.conftest import Client, ClientFactory

NOT_MEMBER = "Only members of this challenge's host can do this."
FORBIDDEN = {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": NOT_MEMBER}
NOT_AUTHENTICATED = {
    "type": "about:blank",
    "title": "Not authenticated",
    "status": 401,
    "detail": "Log in to continue.",
}


async def attempt_everything(client: Client, slug: str) -> dict[str, tuple[int, str]]:
    """Every way to change host A's challenge `slug`: (status, body) of each."""
    responses = {
        "api-create": await client.post("/api/v1/hosts/leuven-lab/challenges", json=api_body()),
        "api-edit": await client.put(f"/api/v1/challenges/{slug}", json=api_body(title="Hijacked")),
        "api-publish": await client.post(f"/api/v1/challenges/{slug}/publish"),
        "page-new-form": await client.get("/hosts/leuven-lab/challenges/new"),
        "page-create": await client.submit("/hosts/leuven-lab/challenges/new", form_data()),
        "page-edit-form": await client.get(f"/challenges/{slug}/edit"),
        "page-edit": await client.submit(f"/challenges/{slug}/edit", form_data(title="Hijacked")),
        "page-publish": await client.submit(f"/challenges/{slug}/publish"),
    }
    return {name: (r.status_code, r.text) for name, r in responses.items()}


@pytest.mark.parametrize("status", [ChallengeStatus.DRAFT, ChallengeStatus.PUBLISHED])
@pytest.mark.parametrize("intruder", ["member_b", "alice"])
async def test_other_host_member_and_participant_get_403_on_host_a_challenge(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    intruder: str,
    status: ChallengeStatus,
) -> None:
    # for a draft, the intruder guessed its slug
    c = await factories.challenge(db, world.event, world.host_a, status=status, title="Original title")
    client = await client_factory(getattr(world, intruder))

    results = await attempt_everything(client, c.slug)

    assert {name: code for name, (code, _) in results.items()} == dict.fromkeys(results, 403)
    for name in ("api-create", "api-edit", "api-publish"):
        assert json.loads(results[name][1]) == FORBIDDEN
    assert NOT_MEMBER in visible_text(results["page-edit"][1])
    assert "Only members of this host can create its challenges." in visible_text(results["page-new-form"][1])
    row = await challenge_row(app, c.slug)
    assert (row.title, row.status) == ("Original title", status)
    assert await count(app, Challenge) == 1


async def test_anonymous_gets_401_from_api_and_login_redirect_from_pages(
    world: factories.World, db: AsyncSession, app: Litestar, anon: Client
) -> None:
    c = await factories.challenge(
        db, world.event, world.host_a, status=ChallengeStatus.DRAFT, title="Original title"
    )

    results = await anon.post("/api/v1/hosts/leuven-lab/challenges", json=api_body())
    assert (results.status_code, results.json()) == (401, NOT_AUTHENTICATED)
    for method, url in (
        ("PUT", f"/api/v1/challenges/{c.slug}"),
        ("POST", f"/api/v1/challenges/{c.slug}/publish"),
    ):
        response = await anon.request(method, url, json=api_body() if method == "PUT" else None)
        assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)

    for url in ("/hosts/leuven-lab/challenges/new", f"/challenges/{c.slug}/edit"):
        response = await anon.get(url)
        assert (response.status_code, response.headers["location"]) == (302, f"/login?next={url}")
    for url in (
        "/hosts/leuven-lab/challenges/new",
        f"/challenges/{c.slug}/edit",
        f"/challenges/{c.slug}/publish",
    ):
        response = await anon.submit(url, form_data())
        assert response.status_code == 302
        assert response.headers["location"].startswith("/login?next=")

    row = await challenge_row(app, c.slug)
    assert (row.title, row.status) == ("Original title", ChallengeStatus.DRAFT)
    assert await count(app, Challenge) == 1


async def test_unknown_challenge_or_host_is_404_for_a_host_member(
    world: factories.World, client_factory: ClientFactory
) -> None:
    member = await client_factory(world.member_a)

    assert (await member.put("/api/v1/challenges/no-such-thing", json=api_body())).json() == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "There is no challenge 'no-such-thing'.",
    }
    assert (await member.post("/api/v1/challenges/no-such-thing/publish")).status_code == 404
    assert (await member.post("/api/v1/hosts/no-such-host/challenges", json=api_body())).json()["detail"] == (
        "There is no host 'no-such-host'."
    )
    assert (await member.get("/challenges/no-such-thing/edit")).status_code == 404
    assert (await member.get("/hosts/no-such-host/challenges/new")).status_code == 404
