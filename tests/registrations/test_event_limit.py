"""An edition limits how many challenges one participant holds (DigiEduHack: one), in code and in the
database; a second join explains it and offers to move, which leaves and joins in one transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Challenge, ChallengeStatus, EventParticipation, OutboxMessage
from digieduhack.registrations import services
from tests import factories
from tests.challenges.helpers import YEAR, assert_counters_match_rows, count, registrations_of, visible_text
from tests.conftest import ClientFactory
from tests.registrations.support import held, outbox

LIMIT_ONE = (
    f"DigiEduHack {YEAR} lets each participant hold one challenge: you hold 'Open textbooks'. You can move "
    "here from it in one step: your place there goes to the next person on its waitlist."
)


async def two_challenges(
    db: AsyncSession, world: factories.World, capacity: int = 5
) -> tuple[Challenge, Challenge]:
    textbooks = await factories.challenge(
        db, world.event, world.host_a, slug="open-textbooks", title="Open textbooks", capacity=capacity
    )
    robots = await factories.challenge(db, world.event, world.host_b, slug="robots", title="Robots")
    return textbooks, robots


async def test_second_join_in_the_same_edition_is_refused_with_the_reason_and_changes_nothing(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    textbooks, robots = await two_challenges(db, world)
    alice = await client_factory(world.alice)
    assert (await alice.post(f"/api/v1/challenges/{textbooks.slug}/registration")).status_code == 201

    api = await alice.post(f"/api/v1/challenges/{robots.slug}/registration")
    page = await alice.submit(f"/challenges/{robots.slug}/join")

    assert (api.status_code, api.json()) == (
        409,
        {"type": "about:blank", "title": "Conflict", "status": 409, "detail": LIMIT_ONE},
    )
    assert page.status_code == 409
    assert LIMIT_ONE in visible_text(page.text)
    # the page offers to move here from the challenge held: a form posting to the move, with its CSRF token
    assert f'action="/challenges/{robots.slug}/move"' in page.text
    assert f'name="from_challenge" value="{textbooks.slug}"' in page.text
    assert 'name="_csrf_token"' in page.text
    assert "Move here from Open textbooks" in visible_text(page.text)
    assert await registrations_of(app, robots.id) == []
    assert await held(app, world.alice, world.event.id) == (1, 1)
    assert await outbox(app) == [("registration_confirmed", "alice@example.org")]


async def test_the_message_names_every_challenge_held_under_a_higher_limit(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    world.event.max_challenges_per_participant = 2
    await db.commit()
    textbooks, robots = await two_challenges(db, world)
    third = await factories.challenge(db, world.event, world.host_a, title="Third")
    alice = await client_factory(world.alice)
    for c in (textbooks, robots):
        assert (await alice.post(f"/api/v1/challenges/{c.slug}/registration")).status_code == 201

    r = await alice.post(f"/api/v1/challenges/{third.slug}/registration")

    assert (r.status_code, r.json()["detail"]) == (
        409,
        f"DigiEduHack {YEAR} lets each participant hold 2 challenges: you hold 'Open textbooks' and "
        "'Robots'. You can move here from one of them in one step: your place there goes to the next "
        "person on its waitlist.",
    )


async def test_an_edition_without_a_limit_lets_one_person_hold_several(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    world.event.max_challenges_per_participant = None
    await db.commit()
    textbooks, robots = await two_challenges(db, world)
    alice = await client_factory(world.alice)

    statuses = [
        (await alice.post(f"/api/v1/challenges/{c.slug}/registration")).status_code
        for c in (textbooks, robots)
    ]

    assert statuses == [201, 201]
    assert await held(app, world.alice, world.event.id) == (2, None)


async def test_a_cancelled_registration_no_longer_counts(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    textbooks, robots = await two_challenges(db, world)
    alice = await client_factory(world.alice)
    await alice.post(f"/api/v1/challenges/{textbooks.slug}/registration")
    assert (await alice.delete(f"/api/v1/challenges/{textbooks.slug}/registration")).status_code == 204
    assert await held(app, world.alice, world.event.id) == (0, 1)

    r = await alice.post(f"/api/v1/challenges/{robots.slug}/registration")

    assert r.status_code == 201
    assert await held(app, world.alice, world.event.id) == (1, 1)


@pytest.mark.parametrize("face", ["api", "page"])
async def test_moving_leaves_the_old_challenge_for_its_waitlist_and_joins_the_new_one(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, face: str
) -> None:
    textbooks, robots = await two_challenges(db, world, capacity=1)
    alice, bob = await client_factory(world.alice), await client_factory(world.bob)
    await alice.post(f"/api/v1/challenges/{textbooks.slug}/registration")
    await bob.post(f"/api/v1/challenges/{textbooks.slug}/registration")  # waitlisted

    if face == "api":
        r = await alice.post(
            f"/api/v1/challenges/{robots.slug}/registration/move", json={"from_challenge": textbooks.slug}
        )
        assert r.status_code == 201
        assert {k: r.json()[k] for k in ("challenge", "status", "waitlist_position")} == {
            "challenge": robots.slug,
            "status": "confirmed",
            "waitlist_position": None,
        }
    else:
        r = await alice.submit(f"/challenges/{robots.slug}/move", {"from_challenge": textbooks.slug})
        assert (r.status_code, r.headers["location"]) == (302, f"/challenges/{robots.slug}")

    assert await registrations_of(app, textbooks.id) == [
        ("alice@example.org", "cancelled"),
        ("bob@example.org", "confirmed"),
    ]
    assert await registrations_of(app, robots.id) == [("alice@example.org", "confirmed")]
    assert await assert_counters_match_rows(app, textbooks.id) == (1, 0)
    assert await assert_counters_match_rows(app, robots.id) == (1, 0)
    assert await held(app, world.alice, world.event.id) == (1, 1)
    assert await outbox(app) == [
        ("registration_confirmed", "alice@example.org"),
        ("registration_waitlisted", "bob@example.org"),
        ("registration_promoted", "bob@example.org"),
        ("registration_cancelled", "alice@example.org"),
        ("registration_confirmed", "alice@example.org"),
    ]


async def snapshot(app: Litestar, *challenges: Challenge) -> Any:
    return (
        [await registrations_of(app, c.id) for c in challenges],
        [await assert_counters_match_rows(app, c.id) for c in challenges],
        await count(app, EventParticipation),
        await count(app, OutboxMessage),
    )


REFUSALS = {
    "closed": (409, "Registration for this challenge is closed."),
    "cancelled": (409, "This challenge was cancelled."),
    "deadline": (409, "The registration deadline of this challenge has passed."),
    "already": (409, "You are already registered for this challenge."),
    "same": (422, "from_challenge: Choose another challenge than the one you move to."),
    "not_held": (409, "You hold no registration for 'Third' to move from."),
    "unknown": (404, "There is no challenge 'no-such-challenge'."),
}


@pytest.mark.parametrize("case", list(REFUSALS))
async def test_a_refused_move_changes_nothing(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, case: str
) -> None:
    textbooks, robots = await two_challenges(db, world, capacity=1)
    third = await factories.challenge(db, world.event, world.host_a, slug="third", title="Third")
    alice, bob = await client_factory(world.alice), await client_factory(world.bob)
    await alice.post(f"/api/v1/challenges/{textbooks.slug}/registration")
    await bob.post(f"/api/v1/challenges/{textbooks.slug}/registration")  # waiting for alice's place
    origin, target = textbooks.slug, robots.slug
    if case in ("closed", "cancelled"):
        robots.status = ChallengeStatus(case)
    elif case == "deadline":
        robots.registration_deadline = factories.now() - timedelta(minutes=1)
    elif case == "already":
        world.event.max_challenges_per_participant = 2
        await db.commit()
        await alice.post(f"/api/v1/challenges/{robots.slug}/registration")
    elif case == "same":
        target = origin
    elif case == "not_held":
        origin = third.slug
    elif case == "unknown":
        origin = "no-such-challenge"
    await db.commit()
    before = await snapshot(app, textbooks, robots, third)

    api = await alice.post(f"/api/v1/challenges/{target}/registration/move", json={"from_challenge": origin})
    page = await alice.submit(f"/challenges/{target}/move", {"from_challenge": origin})

    status, detail = REFUSALS[case]
    assert (api.status_code, api.json()["detail"]) == (status, detail)
    assert page.status_code == status
    assert detail.removeprefix("from_challenge: ") in visible_text(page.text)
    assert await snapshot(app, textbooks, robots, third) == before


async def test_the_database_refuses_a_count_beyond_the_limit(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    textbooks, _ = await two_challenges(db, world)
    await (await client_factory(world.alice)).post(f"/api/v1/challenges/{textbooks.slug}/registration")

    async with app.state.sessionmaker() as session:
        with pytest.raises(IntegrityError, match="within_limit"):
            await session.execute(
                text("UPDATE event_participations SET held = held + 1 WHERE account_id = :a"),
                {"a": world.alice.id},
            )
            await session.commit()

    assert await held(app, world.alice, world.event.id) == (1, 1)


async def test_with_the_code_check_bypassed_the_database_still_refuses_and_the_app_answers_409(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    textbooks, robots = await two_challenges(db, world)
    alice = await client_factory(world.alice)
    await alice.post(f"/api/v1/challenges/{textbooks.slug}/registration")

    async def no_check(*args: object) -> None:
        return None

    monkeypatch.setattr(services, "require_within_limit", no_check)
    api = await alice.post(f"/api/v1/challenges/{robots.slug}/registration")
    page = await alice.submit(f"/challenges/{robots.slug}/join")

    assert (api.status_code, api.json()["detail"]) == (
        409,
        "The change conflicts with the current state; reload and try again.",
    )
    assert page.status_code == 409
    assert await registrations_of(app, robots.id) == []
    assert await assert_counters_match_rows(app, robots.id) == (0, 0)
    assert await held(app, world.alice, world.event.id) == (1, 1)
    assert await outbox(app) == [("registration_confirmed", "alice@example.org")]


async def test_an_unverified_account_cannot_move_either(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    textbooks, robots = await two_challenges(db, world, capacity=1)
    await factories.registration(db, textbooks, world.alice)
    world.alice.email_verified_at = None  # e.g. she changed her address since
    await db.commit()
    alice = await client_factory(world.alice)

    r = await alice.post(
        f"/api/v1/challenges/{robots.slug}/registration/move", json={"from_challenge": textbooks.slug}
    )

    assert (r.status_code, r.json()["title"]) == (403, "Email not verified")
    assert [s for _, s in await registrations_of(app, textbooks.id)] == ["confirmed"]
    assert await registrations_of(app, robots.id) == []
