"""Who sees which numbers: organizers any edition and any host, a host's members their own host only;
other hosts' members, participants and the anonymous never (pages send the anonymous to log in). The same
with API tokens."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.accounts.test_api_tokens import bearer, new_token
from tests.conftest import Client, ClientFactory
from tests.dashboard.seed import seed

ORGANIZER, MEMBER, OTHER_MEMBER, PARTICIPANT, ANONYMOUS = (
    "organizer",
    "member of this host",
    "member of another host",
    "participant",
    "anonymous",
)
EVENT_ROUTES = ["/events/{event}/dashboard", "/events/{event}/readiness"]
HOST_ROUTE = "/hosts/{host}/dashboard"
# who gets what: organizers everything, the host's members their host's dashboard
ALLOWED = {
    "/events/{event}/dashboard": {ORGANIZER},
    "/events/{event}/readiness": {ORGANIZER},
    HOST_ROUTE: {ORGANIZER, MEMBER},
}


async def clients(world: factories.World, client_factory: ClientFactory) -> dict[str, Client]:
    return {
        ORGANIZER: await client_factory(world.organizer),
        MEMBER: await client_factory(world.member_a),
        OTHER_MEMBER: await client_factory(world.member_b),
        PARTICIPANT: await client_factory(world.alice),
        ANONYMOUS: await client_factory(),
    }


@pytest.mark.parametrize("route", [*EVENT_ROUTES, HOST_ROUTE])
async def test_api_routes_answer_each_identity_as_allowed(
    route: str, world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    await seed(db, world)
    path = "/api/v1" + route.format(event=world.event.slug, host=world.host_a.slug)
    for who, client in (await clients(world, client_factory)).items():
        r = await client.get(path)
        if who in ALLOWED[route]:
            assert r.status_code == 200, (who, r.text)
        elif who == ANONYMOUS:
            assert (r.status_code, r.json()["detail"]) == (401, "Log in to continue."), who
        else:
            assert r.status_code == 403, (who, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            expected = (
                "Only members of Leuven Lab and the organizers can see its numbers."
                if route == HOST_ROUTE
                else "Only organizers can do this."
            )
            assert r.json()["detail"] == expected, who


@pytest.mark.parametrize("route", [*EVENT_ROUTES, HOST_ROUTE])
async def test_pages_answer_each_identity_as_allowed(
    route: str, world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    await seed(db, world)
    path = route.format(event=world.event.slug, host=world.host_a.slug)
    for who, client in (await clients(world, client_factory)).items():
        r = await client.get(path, follow_redirects=False)
        if who in ALLOWED[route]:
            assert r.status_code == 200, (who, r.text[:300])
        elif who == ANONYMOUS:
            assert (r.status_code, r.headers["location"]) == (302, f"/login?next={quote(path)}"), who
        else:
            assert r.status_code == 403, (who, r.status_code)
            assert "Leuven Lab" not in r.text or route == HOST_ROUTE


async def test_remind_is_for_organizers_only_on_pages_and_api(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    await seed(db, world)
    path = f"/events/{world.event.slug}/readiness/{world.host_a.slug}/remind"
    for who, client in (await clients(world, client_factory)).items():
        if who == ORGANIZER:
            continue
        api = await client.post("/api/v1" + path)
        page = await client.submit(path)
        if who == ANONYMOUS:
            assert api.status_code == 401 and page.status_code == 302, who
        else:
            assert (api.status_code, api.json()["detail"]) == (403, "Only organizers can do this."), who
            assert page.status_code == 403, who
    from tests.accounts.helpers import messages

    assert await messages(app, kind="readiness_reminder") == []


async def test_api_tokens_carry_their_owners_rights(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    await seed(db, world)
    tokens = {
        ORGANIZER: (await new_token(await client_factory(world.organizer), "write"))[0],
        MEMBER: (await new_token(await client_factory(world.member_a), "read"))[0],
        OTHER_MEMBER: (await new_token(await client_factory(world.member_b), "read"))[0],
    }
    paths = {
        route: "/api/v1" + route.format(event=world.event.slug, host=world.host_a.slug)
        for route in [*EVENT_ROUTES, HOST_ROUTE]
    }
    for who, token in tokens.items():
        async with bearer(app, token) as api:
            for route, path in paths.items():
                expected = 200 if who in ALLOWED[route] else 403
                assert (await api.get(path)).status_code == expected, (who, route)
            remind = await api.post(f"/api/v1/events/{world.event.slug}/readiness/{world.host_a.slug}/remind")
            assert remind.status_code == (201 if who == ORGANIZER else 403), (who, remind.text)
    async with bearer(app, "deh_" + "x" * 40) as api:
        r = await api.get(paths[HOST_ROUTE])
        assert (r.status_code, r.json()["detail"]) == (401, "This API token is unknown, revoked or expired.")


async def test_unknown_event_or_host_is_404(world: factories.World, client_factory: ClientFactory) -> None:
    olga = await client_factory(world.organizer)
    for path, detail in [
        ("/api/v1/events/1999/dashboard", "There is no event '1999'."),
        ("/api/v1/events/1999/readiness", "There is no event '1999'."),
        ("/api/v1/hosts/nobody/dashboard", "There is no host 'nobody'."),
    ]:
        r = await olga.get(path)
        assert (r.status_code, r.json()["detail"]) == (404, detail), path


async def test_organizer_and_host_pages_link_to_the_dashboards(
    world: factories.World, client_factory: ClientFactory
) -> None:
    olga = await client_factory(world.organizer)
    organizer = (await olga.get("/organizer")).text
    assert f'href="/events/{world.event.slug}/dashboard" id="dashboard-link"' in organizer
    assert f'href="/events/{world.event.slug}/readiness" id="readiness-link"' in organizer
    editions = f'id="dashboard-{world.event.slug}" href="/events/{world.event.slug}/dashboard"'
    assert editions in (await olga.get("/events")).text
    assert editions not in (await (await client_factory(world.member_a)).get("/events")).text
    hanne = await client_factory(world.member_a)
    assert 'id="dashboard-leuven-lab" href="/hosts/leuven-lab/dashboard"' in (await hanne.get("/host")).text
    link = 'id="host-dashboard-link" href="/hosts/leuven-lab/dashboard"'
    assert link in (await hanne.get("/hosts/leuven-lab")).text
    assert link in (await olga.get("/hosts/leuven-lab")).text
    assert link not in (await (await client_factory(world.member_b)).get("/hosts/leuven-lab")).text
    assert link not in (await (await client_factory()).get("/hosts/leuven-lab")).text
