"""Where a challenge stands, relative to the app's clock: one label, the same on the catalog card, the
challenge's page and in the API (`availability`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import FixedClock
from digieduhack.models import Account, Challenge, ChallengeStatus
from tests import factories
from tests.challenges.helpers import YEAR, text_of
from tests.conftest import Client

START = datetime(YEAR, 11, 9, 8, 0, tzinfo=UTC)  # 09:00 in Brussels; the challenge ends at 16:00 UTC
END = START + timedelta(hours=8)


def at(app: Litestar, moment: datetime) -> None:
    app.state.clock = FixedClock(moment)


async def shown(anon: Client, c: Challenge) -> dict[str, Any]:
    """The availability of `c` in the API, on its page and on its catalog card (the same label twice)."""
    api = (await anon.get(f"/api/v1/challenges/{c.slug}")).json()["availability"]
    listed = {i["slug"]: i["availability"] for i in (await anon.get("/api/v1/challenges")).json()["items"]}
    assert listed.get(c.slug, api) == api
    page = text_of((await anon.get(f"/challenges/{c.slug}")).text, "availability")
    card = text_of((await anon.get("/challenges")).text, f"availability-{c.slug}")
    assert card in (page, None)  # cancelled challenges are not in the catalog
    return {**api, "page": page}


def label(kind: str, text: str, starts_in: str | None = None) -> dict[str, Any]:
    page = f"{text} · {starts_in}" if starts_in else text
    return {"kind": kind, "label": text, "starts_in": starts_in, "page": page}


@pytest.fixture
async def brussels(world: factories.World, db: AsyncSession) -> Challenge:
    c = await factories.challenge(db, world.event, world.host_a, capacity=10)
    assert (c.starts_at, c.ends_at) == (START, END)
    return c


async def confirm(db: AsyncSession, c: Challenge, n: int) -> None:
    for _ in range(n):
        person: Account = await factories.account(db)
        await factories.registration(db, c, person)


async def test_places_left_and_when_it_starts_rounded(
    brussels: Challenge, db: AsyncSession, app: Litestar, anon: Client
) -> None:
    await confirm(db, brussels, 3)

    at(app, START - timedelta(hours=2, minutes=40))
    assert await shown(anon, brussels) == label("places_left", "7 places left", "Starts in 3 hours")
    at(app, START - timedelta(days=1, hours=20))
    assert await shown(anon, brussels) == label("places_left", "7 places left", "Starts in 2 days")
    at(app, START - timedelta(minutes=50))
    assert await shown(anon, brussels) == label("places_left", "7 places left", "Starts in 50 minutes")
    at(app, START - timedelta(seconds=20))
    assert await shown(anon, brussels) == label("places_left", "7 places left", "Starts in 1 minute")
    await confirm(db, brussels, 6)
    assert await shown(anon, brussels) == label("places_left", "1 place left", "Starts in 1 minute")


async def test_full_challenge_is_waitlist_only_and_unlimited_one_is_open(
    brussels: Challenge, world: factories.World, db: AsyncSession, app: Litestar, anon: Client
) -> None:
    at(app, START - timedelta(days=3))
    await confirm(db, brussels, 10)
    assert await shown(anon, brussels) == label("waitlist", "Waitlist only", "Starts in 3 days")

    unlimited = await factories.challenge(db, world.event, world.host_b, capacity=None)
    assert await shown(anon, unlimited) == label("open", "Open: no place limit", "Starts in 3 days")


async def test_registration_closed_by_the_host_by_the_challenges_deadline_or_by_the_event(
    brussels: Challenge, world: factories.World, db: AsyncSession, app: Litestar, anon: Client
) -> None:
    at(app, START - timedelta(hours=5))
    closed = await factories.challenge(db, world.event, world.host_b, status=ChallengeStatus.CLOSED)
    assert await shown(anon, closed) == label(
        "registration_closed", "Registration closed", "Starts in 5 hours"
    )

    brussels.registration_deadline = START - timedelta(hours=6)
    await db.commit()
    assert await shown(anon, brussels) == label(
        "registration_closed", "Registration closed", "Starts in 5 hours"
    )
    brussels.registration_deadline = START - timedelta(hours=4)
    await db.commit()
    assert await shown(anon, brussels) == label("places_left", "10 places left", "Starts in 5 hours")

    world.event.registration_closes_at = START - timedelta(hours=5)  # closes at this very moment
    await db.commit()
    assert await shown(anon, brussels) == label(
        "registration_closed", "Registration closed", "Starts in 5 hours"
    )


async def test_registration_that_opens_later_says_when(
    brussels: Challenge, world: factories.World, db: AsyncSession, app: Litestar, anon: Client
) -> None:
    world.event.registration_opens_at = START - timedelta(days=30)
    await db.commit()
    at(app, START - timedelta(days=35))

    assert await shown(anon, brussels) == label(
        "opens_later", "Registration opens in 5 days", "Starts in 1 month"
    )


async def test_happening_now_between_start_and_end_then_ended(
    brussels: Challenge, db: AsyncSession, app: Litestar, anon: Client
) -> None:
    await confirm(db, brussels, 10)  # full, but what matters now is that it is on
    for moment in (START, START + timedelta(hours=4), END - timedelta(seconds=1)):
        at(app, moment)
        assert await shown(anon, brussels) == label("happening_now", "Happening now")
    for moment in (END, END + timedelta(days=400)):
        at(app, moment)
        assert await shown(anon, brussels) == label("ended", "Ended")


async def test_cancelled_and_draft_challenges_say_so_whatever_the_time(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: Any
) -> None:
    at(app, START - timedelta(hours=1))
    cancelled = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.CANCELLED)
    assert await shown(await client_factory(), cancelled) == label("cancelled", "Cancelled")

    draft = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    member = await client_factory(world.member_a)
    assert (await member.get(f"/api/v1/challenges/{draft.slug}")).json()["availability"] == {
        "kind": "draft",
        "label": "Draft: not published yet",
        "starts_in": None,
    }
    page = (await member.get(f"/challenges/{draft.slug}")).text
    assert text_of(page, "availability") == "Draft: not published yet"


async def test_a_hosts_lists_carry_the_same_availability(
    brussels: Challenge, world: factories.World, app: Litestar, client_factory: Any
) -> None:
    at(app, START + timedelta(hours=1))
    expected = {"kind": "happening_now", "label": "Happening now", "starts_in": None}
    anon = await client_factory()
    [public] = (await anon.get(f"/api/v1/hosts/{world.host_a.slug}/challenges")).json()
    assert public["availability"] == expected
    member = await client_factory(world.member_a)
    [mine] = (await member.get("/api/v1/me/hosted-challenges")).json()
    assert mine["availability"] == expected
