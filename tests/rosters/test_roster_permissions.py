"""Who may export which roster, route by route: every download (event, host, challenge × CSV, XLSX,
JSON) under the API and the pages, and every export form, for an organizer, a member of the host, a member of
another host, a participant and the anonymous; with session cookies and with API tokens (read-only and
read-write); guessed slugs of other hosts' challenges. Exact status codes and problem details; a refusal
writes no audit entry."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Account, AuditEntry, Challenge, ChallengeStatus
from tests import factories
from tests.challenges.helpers import YEAR, count, fetch_all, visible_text
from tests.conftest import Client, ClientFactory

FILE_TYPES = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
ONLY_ORGANIZERS = "Only organizers can export the roster of a whole event."
HOST_NOT_YOURS = "Only organizers and members of this host can export its roster."
CHALLENGE_NOT_YOURS = "Only organizers and members of this challenge's host can export its roster."


@dataclass
class Routes:
    """The three scopes of host A's world: the whole event, host A, host A's challenge."""

    challenge: Challenge

    def bases(self) -> dict[str, str]:
        return {
            "event": f"/events/{YEAR}/roster",
            "host": "/hosts/leuven-lab/roster",
            "challenge": f"/challenges/{self.challenge.slug}/roster",
        }


def forbidden(detail: str) -> dict[str, object]:
    return {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": detail}


def not_found(detail: str) -> dict[str, object]:
    return {"type": "about:blank", "title": "Not found", "status": 404, "detail": detail}


# who sees what: None = allowed, else the refusal's message
EXPECTED: dict[str, dict[str, str | None]] = {
    "organizer": {"event": None, "host": None, "challenge": None},
    "member_a": {"event": ONLY_ORGANIZERS, "host": None, "challenge": None},
    "member_b": {"event": ONLY_ORGANIZERS, "host": HOST_NOT_YOURS, "challenge": CHALLENGE_NOT_YOURS},
    "alice": {"event": ONLY_ORGANIZERS, "host": HOST_NOT_YOURS, "challenge": CHALLENGE_NOT_YOURS},
}


async def audit_targets(app: Litestar) -> list[tuple[int | None, str, str]]:
    rows = await fetch_all(
        app, select(AuditEntry.actor_id, AuditEntry.target, AuditEntry.details).order_by(AuditEntry.id)
    )
    return [(actor, target, details["format"]) for actor, target, details in rows]


async def setup(db: AsyncSession, world: factories.World) -> Routes:
    c = await factories.challenge(db, world.event, world.host_a, slug="robots", title="Robots in class")
    await factories.registration(db, c, world.alice)
    return Routes(c)


def assert_download(response: httpx.Response, file_type: str, filename: str) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CONTENT_TYPES[file_type]
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}.{file_type}"'
    assert response.headers["cache-control"] == "no-store"


FILENAMES = {"event": f"roster-{YEAR}", "host": f"roster-leuven-lab-{YEAR}", "challenge": "roster-robots"}


@pytest.mark.parametrize("who", list(EXPECTED))
async def test_each_download_route_answers_each_role_exactly_on_api_and_pages(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, who: str
) -> None:
    routes = await setup(db, world)
    actor: Account = getattr(world, who)
    client = await client_factory(actor)
    expected_audit = []

    for scope, base in routes.bases().items():
        refusal = EXPECTED[who][scope]
        for file_type in FILE_TYPES:
            for prefix in ("/api/v1", ""):
                response = await client.get(f"{prefix}{base}.{file_type}")
                if refusal is None:
                    assert_download(response, file_type, FILENAMES[scope])
                    target = {"event": f"event:{YEAR}", "host": f"host:leuven-lab@{YEAR}"}.get(
                        scope, "challenge:robots"
                    )
                    expected_audit.append((actor.id, target, file_type))
                    assert "alice@example.org" in response.text or file_type == "xlsx"
                elif prefix:
                    assert (response.status_code, response.json()) == (403, forbidden(refusal))
                    assert response.headers["content-type"] == "application/problem+json"
                else:
                    assert response.status_code == 403
                    assert response.headers["content-type"] == "text/html; charset=utf-8"
                    assert f"Forbidden {refusal}" in visible_text(response.text)
                    assert "alice@example.org" not in response.text

    assert await audit_targets(app) == expected_audit


@pytest.mark.parametrize("who", list(EXPECTED))
async def test_each_export_form_answers_each_role_exactly(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, who: str
) -> None:
    routes = await setup(db, world)
    client = await client_factory(getattr(world, who))

    for scope, base in routes.bases().items():
        page = await client.get(base)
        refusal = EXPECTED[who][scope]
        if refusal is None:
            assert page.status_code == 200, page.text
            for file_type in FILE_TYPES:
                assert f'formaction="{base}.{file_type}"' in page.text
        else:
            assert page.status_code == 403
            assert f"Forbidden {refusal}" in visible_text(page.text)
            assert "formaction" not in page.text
    assert await count(app, AuditEntry) == 0  # a form is not an export


async def test_the_anonymous_get_401_from_the_api_and_the_login_page_from_every_page_route(
    world: factories.World, db: AsyncSession, app: Litestar, anon: Client
) -> None:
    routes = await setup(db, world)

    for base in routes.bases().values():
        form = await anon.get(base)
        assert (form.status_code, form.headers["location"]) == (302, f"/login?next={base}")
        for file_type in FILE_TYPES:
            api = await anon.get(f"/api/v1{base}.{file_type}")
            assert (api.status_code, api.json()) == (
                401,
                {
                    "type": "about:blank",
                    "title": "Not authenticated",
                    "status": 401,
                    "detail": "Log in to continue.",
                },
            )
            page = await anon.get(f"{base}.{file_type}")
            assert (page.status_code, page.headers["location"]) == (302, f"/login?next={base}.{file_type}")
    assert await count(app, AuditEntry) == 0


async def new_token(client: Client, scope: str) -> str:
    r = await client.post("/api/v1/me/tokens", json={"name": f"{scope} roster script", "scope": scope})
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    return token


def bearer(app: Litestar, token: str) -> httpx.AsyncClient:
    """No cookie at all: only the token speaks."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver.local",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize("token_scope", ["read", "write"])
@pytest.mark.parametrize("who", ["organizer", "member_a", "member_b"])
async def test_api_tokens_download_with_their_owners_rights_and_never_through_the_pages(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    who: str,
    token_scope: str,
) -> None:
    """A download is a GET: a read-only token is enough; the audit entry names the token's owner."""
    routes = await setup(db, world)
    actor: Account = getattr(world, who)
    token = await new_token(await client_factory(actor), token_scope)
    expected_audit = []

    async with bearer(app, token) as api:
        for scope, base in routes.bases().items():
            refusal = EXPECTED[who][scope]
            for file_type in FILE_TYPES:
                response = await api.get(f"/api/v1{base}.{file_type}")
                if refusal is None:
                    assert_download(response, file_type, FILENAMES[scope])
                    expected_audit.append(file_type)
                else:
                    assert (response.status_code, response.json()) == (403, forbidden(refusal))
                # the pages ignore tokens: the log-in page, no roster
                page = await api.get(f"{base}.{file_type}")
                assert (page.status_code, page.headers["location"]) == (
                    302,
                    f"/login?next={base}.{file_type}",
                )
            form = await api.get(base)
            assert (form.status_code, form.headers["location"]) == (302, f"/login?next={base}")

    rows = await fetch_all(app, select(AuditEntry.actor_id, AuditEntry.details))
    assert [(actor_id, details["format"]) for actor_id, details in rows] == [
        (actor.id, f) for f in expected_audit
    ]


async def test_a_revoked_token_downloads_nothing(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    await setup(db, world)
    organizer = await client_factory(world.organizer)
    r = await organizer.post("/api/v1/me/tokens", json={"name": "old", "scope": "read"})
    token, token_id = r.json()["token"], r.json()["details"]["id"]
    assert (await organizer.delete(f"/api/v1/me/tokens/{token_id}")).status_code == 204

    async with bearer(app, token) as api:
        response = await api.get(f"/api/v1/events/{YEAR}/roster.csv")
    assert (response.status_code, response.json()["detail"]) == (
        401,
        "This API token is unknown, revoked or expired.",
    )
    assert await count(app, AuditEntry) == 0


@pytest.mark.parametrize("prefix", ["/api/v1", ""])
async def test_guessing_another_hosts_slugs_gives_no_roster(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, prefix: str
) -> None:
    """Host A's member tries host B's published, closed, cancelled and draft challenges, host B itself, and
    slugs that do not exist: 403 for what host B shows the world, 404 for its draft (which does not exist for
    anyone outside host B, as on its page) and for the unknown; never a row of host B."""
    await setup(db, world)
    world.event.max_challenges_per_participant = None  # the secret participant holds three challenges
    secret = await factories.account(db, "secret@example.org", "Secret Participant")
    b_challenges = {}
    for status in (ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED, ChallengeStatus.CANCELLED):
        b_challenges[status] = await factories.challenge(
            db, world.event, world.host_b, slug=f"b-{status.value}"
        )
        await factories.registration(db, b_challenges[status], secret)
    draft = await factories.challenge(
        db, world.event, world.host_b, slug="b-draft", status=ChallengeStatus.DRAFT
    )
    member_a = await client_factory(world.member_a)

    responses: list[tuple[str, httpx.Response]] = []
    for file_type in FILE_TYPES:
        for c in b_challenges.values():
            responses.append(
                (CHALLENGE_NOT_YOURS, await member_a.get(f"{prefix}/challenges/{c.slug}/roster.{file_type}"))
            )
        responses.append(
            (HOST_NOT_YOURS, await member_a.get(f"{prefix}/hosts/nairobi-circle/roster.{file_type}"))
        )
        responses.append(
            (
                HOST_NOT_YOURS,
                await member_a.get(f"{prefix}/hosts/nairobi-circle/roster.{file_type}?event={YEAR}"),
            )
        )
        for slug in (draft.slug, "b-guess", "1", "robots-2"):
            responses.append(
                (
                    f"There is no challenge '{slug}'.",
                    await member_a.get(f"{prefix}/challenges/{slug}/roster.{file_type}"),
                )
            )
        responses.append(
            (
                "There is no host 'no-such-host'.",
                await member_a.get(f"{prefix}/hosts/no-such-host/roster.{file_type}"),
            )
        )
    # the export forms too
    for c in b_challenges.values():
        responses.append((CHALLENGE_NOT_YOURS, await member_a.get(f"/challenges/{c.slug}/roster")))
    responses.append((HOST_NOT_YOURS, await member_a.get("/hosts/nairobi-circle/roster")))
    responses.append(
        (f"There is no challenge '{draft.slug}'.", await member_a.get(f"/challenges/{draft.slug}/roster"))
    )

    for detail, response in responses:
        assert "secret@example.org" not in response.text
        status = 404 if detail.startswith("There is no") else 403
        assert response.status_code == status, (response.request.url, response.text)
        if response.request.url.path.startswith("/api/v1"):
            assert response.json() == (not_found(detail) if status == 404 else forbidden(detail))
        else:
            assert detail.replace("'", "&#39;") in response.text or detail in visible_text(response.text)
    assert await count(app, AuditEntry) == 0


async def test_an_organizer_sees_a_draft_roster_and_host_b_its_own_draft(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    draft = await factories.challenge(
        db, world.event, world.host_b, slug="b-draft", status=ChallengeStatus.DRAFT
    )
    for who in ("organizer", "member_b"):
        client = await client_factory(getattr(world, who))
        assert (await client.get(f"/api/v1/challenges/{draft.slug}/roster.csv")).status_code == 200
        assert (await client.get(f"/challenges/{draft.slug}/roster")).status_code == 200
    assert await count(app, AuditEntry) == 2
