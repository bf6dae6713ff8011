"""When joining is refused: drafts, closed or cancelled challenges, after the deadline, anonymous visitors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import FixedClock
from digieduhack.models import ChallengeStatus, Registration
from tests import factories
from tests.challenges.helpers import YEAR, count, registrations_of, visible_text
from tests.conftest import Client, ClientFactory


def problem(status: int, title: str, detail: str) -> dict[str, object]:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}


async def test_cannot_join_a_draft(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    draft = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    alice = await client_factory(world.alice)

    api = await alice.post(f"/api/v1/challenges/{draft.slug}/registration")
    page = await alice.submit(f"/challenges/{draft.slug}/join")

    assert (api.status_code, api.json()) == (
        404,
        problem(404, "Not found", f"There is no challenge '{draft.slug}'."),
    )
    assert page.status_code == 404
    assert await count(app, Registration) == 0


async def test_cannot_join_an_unknown_challenge(
    world: factories.World, client_factory: ClientFactory
) -> None:
    alice = await client_factory(world.alice)

    api = await alice.post("/api/v1/challenges/no-such-thing/registration")
    page = await alice.submit("/challenges/no-such-thing/join")

    assert (api.status_code, api.json()["detail"]) == (404, "There is no challenge 'no-such-thing'.")
    assert page.status_code == 404


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        (ChallengeStatus.CLOSED, "Registration for this challenge is closed."),
        (ChallengeStatus.CANCELLED, "This challenge was cancelled."),
    ],
)
async def test_cannot_join_a_closed_or_cancelled_challenge(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    status: ChallengeStatus,
    detail: str,
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, status=status)
    alice = await client_factory(world.alice)

    api = await alice.post(f"/api/v1/challenges/{c.slug}/registration")
    page = await alice.submit(f"/challenges/{c.slug}/join")

    assert (api.status_code, api.json()) == (409, problem(409, "Conflict", detail))
    assert page.status_code == 409
    assert detail in visible_text(page.text)
    assert await count(app, Registration) == 0


async def test_can_join_only_within_the_event_registration_window(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    # any fixed window works: the clock is set below (log-in sessions only need it before their expiry)
    opens_at = datetime(YEAR - 2, 12, 1, 8, 30, tzinfo=UTC)
    closes_at = datetime(YEAR - 2, 12, 20, 18, 0, tzinfo=UTC)
    world.event.registration_opens_at = opens_at
    world.event.registration_closes_at = closes_at
    await db.commit()
    alice = await client_factory(world.alice)
    bob = await client_factory(world.bob)

    app.state.clock = FixedClock(opens_at - timedelta(seconds=1))
    too_early = await alice.post(f"/api/v1/challenges/{c.slug}/registration")
    app.state.clock = FixedClock(closes_at - timedelta(seconds=1))
    in_time = await alice.post(f"/api/v1/challenges/{c.slug}/registration")
    app.state.clock = FixedClock(closes_at)
    too_late = await bob.post(f"/api/v1/challenges/{c.slug}/registration")
    too_late_page = await bob.submit(f"/challenges/{c.slug}/join")

    assert (too_early.status_code, too_early.json()) == (
        409,
        problem(409, "Conflict", f"Registration opens on 01 December {YEAR - 2} at 08:30 UTC."),
    )
    assert in_time.status_code == 201
    assert (too_late.status_code, too_late.json()) == (
        409,
        problem(409, "Conflict", "Registration for this event has closed."),
    )
    assert too_late_page.status_code == 409
    assert "Registration for this event has closed." in visible_text(too_late_page.text)
    assert await registrations_of(app, c.id) == [("alice@example.org", "confirmed")]


async def test_anonymous_visitor_must_log_in_to_join_or_cancel(
    world: factories.World, db: AsyncSession, app: Litestar, anon: Client
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    page_before = visible_text((await anon.get(f"/challenges/{c.slug}")).text)
    assert "Log in to join" in page_before

    api_join = await anon.post(f"/api/v1/challenges/{c.slug}/registration")
    api_cancel = await anon.delete(f"/api/v1/challenges/{c.slug}/registration")
    page_join = await anon.submit(f"/challenges/{c.slug}/join")
    page_cancel = await anon.submit(f"/challenges/{c.slug}/cancel")
    mine_api = await anon.get("/api/v1/me/registrations")
    mine_page = await anon.get("/me/registrations")

    unauthenticated = problem(401, "Not authenticated", "Log in to continue.")
    assert (api_join.status_code, api_join.json()) == (401, unauthenticated)
    assert (api_cancel.status_code, api_cancel.json()) == (401, unauthenticated)
    assert (mine_api.status_code, mine_api.json()) == (401, unauthenticated)
    for response in (page_join, page_cancel):
        assert response.status_code == 302
        assert response.headers["location"].startswith("/login?next=")
    assert (mine_page.status_code, mine_page.headers["location"]) == (302, "/login?next=/me/registrations")
    assert await count(app, Registration) == 0
