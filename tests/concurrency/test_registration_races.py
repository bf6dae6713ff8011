"""Joining and cancelling under real concurrency: many requests released at once against a server process.

The capacity of a challenge is never exceeded, the waitlist stays a gapless queue, a double submit yields one
registration, and simultaneous cancellations promote each waiting person once, in order.
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Challenge, OutboxMessage, Registration, RegistrationStatus
from tests import factories
from tests.concurrency.conftest import Participant, Server, auth_headers, burst, participants
from tests.conftest import BACKEND

CONFIRMED, WAITLISTED, CANCELLED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)
RACERS = 200
CAPACITY = 20
TRIALS = 3
CONTROL_TRIALS = 5


def registration_url(challenge: Challenge) -> str:
    return f"/api/v1/challenges/{challenge.slug}/registration"


async def counters(db: AsyncSession, challenge: Challenge) -> tuple[int, int]:
    row = (
        await db.execute(
            select(Challenge.confirmed_count, Challenge.waitlisted_count).where(Challenge.id == challenge.id)
        )
    ).one()
    return row.confirmed_count, row.waitlisted_count


async def rows(db: AsyncSession, challenge: Challenge) -> list[Registration]:
    """The challenge's registrations as committed now, in id order."""
    result = await db.scalars(
        select(Registration)
        .where(Registration.challenge_id == challenge.id)
        .order_by(Registration.id)
        .execution_options(populate_existing=True)
    )
    return list(result)


def server_errors(responses: list[httpx.Response]) -> list[str]:
    return [f"{r.status_code} {r.text}" for r in responses if r.status_code >= 500]


async def test_simultaneous_joins_fill_capacity_exactly_and_queue_the_rest_without_gaps(
    server: Server, db: AsyncSession, world: factories.World
) -> None:
    for trial in range(TRIALS):
        # new people each trial: the edition lets each of them hold one challenge
        people = await participants(db, RACERS)
        by_account = {p.account.id: p for p in people}
        challenge = await factories.challenge(db, world.event, world.host_a, capacity=CAPACITY)
        log_from = server.log_size()

        responses = await burst(server, "POST", registration_url(challenge), people)

        assert server_errors(responses) == [], f"trial {trial}"
        assert [r.status_code for r in responses] == [201] * RACERS, f"trial {trial}: {responses[0].text}"
        bodies = [r.json() for r in responses]
        assert {b["challenge"] for b in bodies} == {challenge.slug}
        statuses = Counter(b["status"] for b in bodies)
        assert statuses == {"confirmed": CAPACITY, "waitlisted": RACERS - CAPACITY}, f"trial {trial}"
        assert all(b["waitlist_position"] is None for b in bodies if b["status"] == "confirmed")
        answered_positions = sorted(b["waitlist_position"] for b in bodies if b["status"] == "waitlisted")
        assert answered_positions == list(range(1, RACERS - CAPACITY + 1)), f"trial {trial}"

        registrations = await rows(db, challenge)
        assert len(registrations) == RACERS
        assert Counter(r.account_id for r in registrations) == Counter(list(by_account))  # one row each
        assert Counter(r.status for r in registrations) == {
            CONFIRMED: CAPACITY,
            WAITLISTED: RACERS - CAPACITY,
        }
        assert await counters(db, challenge) == (CAPACITY, RACERS - CAPACITY)
        # the answers match the rows: same id and status per person, and a waitlist position is the
        # person's rank among the waitlisted rows in id (arrival) order
        rank = {r.id: i for i, r in enumerate((r for r in registrations if r.status == WAITLISTED), start=1)}
        committed = {(r.id, r.account_id, r.status.value) for r in registrations}
        answered = {(b["id"], p.account.id, b["status"]) for b, p in zip(bodies, people, strict=True)}
        assert answered == committed
        assert {b["id"]: b["waitlist_position"] for b in bodies if b["status"] == "waitlisted"} == rank
        # one e-mail per registration, of its kind, written with it
        sent = Counter(
            await db.scalars(
                select(OutboxMessage.dedupe_key).where(
                    OutboxMessage.dedupe_key.in_(
                        [f"reg:{r.id}:registration_{r.status.value}" for r in registrations]
                    )
                )
            )
        )
        assert len(sent) == RACERS and set(sent.values()) == {1}, f"trial {trial}"
        log = server.log(log_from)
        assert "database is locked" not in log
        assert "Traceback" not in log, log


@pytest.mark.skipif(
    BACKEND != "postgres",
    reason="PostgreSQL only: SQLite serialises writers with BEGIN IMMEDIATE, which the lock switch does not "
    "touch, so there is no unlocked control to run there",
)
async def test_without_the_challenge_lock_the_same_race_overbooks(
    unlocked_server: Server, db: AsyncSession, world: factories.World
) -> None:
    """The control: proves the race above is real, i.e. the first test would catch a missing lock."""
    confirmed_per_trial = []
    for _ in range(CONTROL_TRIALS):
        people = await participants(db, RACERS)  # new people each trial (one challenge each per edition)
        challenge = await factories.challenge(db, world.event, world.host_a, capacity=CAPACITY)
        await burst(unlocked_server, "POST", registration_url(challenge), people)
        registrations = await rows(db, challenge)
        confirmed_per_trial.append(sum(r.status == CONFIRMED for r in registrations))
        if confirmed_per_trial[-1] > CAPACITY:
            break
    assert max(confirmed_per_trial) > CAPACITY, f"confirmed rows per trial: {confirmed_per_trial}"


async def test_double_submitted_join_creates_one_registration_and_answers_conflict_to_the_rest(
    server: Server, db: AsyncSession, world: factories.World
) -> None:
    people = await participants(db, 3)
    for who in people:
        challenge = await factories.challenge(db, world.event, world.host_a, capacity=CAPACITY)

        responses = await burst(server, "POST", registration_url(challenge), [who] * 10)

        assert sorted(r.status_code for r in responses) == [201] + [409] * 9, server_errors(responses)
        created = next(r for r in responses if r.status_code == 201).json()
        assert created["status"] == "confirmed"
        for r in responses:
            if r.status_code == 409:
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json() == {
                    "type": "about:blank",
                    "title": "Conflict",
                    "status": 409,
                    "detail": "You are already registered for this challenge.",
                }
        registrations = await rows(db, challenge)
        assert [(r.id, r.account_id, r.status) for r in registrations] == [
            (created["id"], who.account.id, CONFIRMED)
        ]
        assert await counters(db, challenge) == (1, 0)


async def test_simultaneous_cancellations_promote_the_first_waitlisted_in_order_once_each(
    server: Server, db: AsyncSession, world: factories.World
) -> None:
    for trial in range(TRIALS):
        people = await participants(db, 15)
        challenge = await factories.challenge(db, world.event, world.host_a, capacity=5)
        regs = []
        for i, who in enumerate(people):
            regs.append(
                await factories.registration(db, challenge, who.account, CONFIRMED if i < 5 else WAITLISTED)
            )
        leaving, first_five, last_five = people[:5], regs[5:10], regs[10:]

        responses = await burst(server, "DELETE", registration_url(challenge), leaving)

        assert [r.status_code for r in responses] == [204] * 5, f"trial {trial}: {server_errors(responses)}"
        after = {r.id: r for r in await rows(db, challenge)}
        assert len(after) == 15  # nothing inserted, nothing deleted
        assert [after[r.id].status for r in regs[:5]] == [CANCELLED] * 5
        assert all(after[r.id].cancelled_at is not None for r in regs[:5])
        assert [after[r.id].status for r in first_five] == [CONFIRMED] * 5, f"trial {trial}"
        assert [after[r.id].status for r in last_five] == [WAITLISTED] * 5, f"trial {trial}"
        assert Counter(r.status for r in after.values()) == {CANCELLED: 5, CONFIRMED: 5, WAITLISTED: 5}
        assert await counters(db, challenge) == (5, 5)
        # those still waiting moved up to positions 1..5, in their original order
        still_waiting: list[Participant] = people[10:]
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            for position, who in enumerate(still_waiting, start=1):
                mine = await client.get("/api/v1/me/registrations", headers=auth_headers(server, who))
                assert mine.status_code == 200, mine.text
                assert [(m["challenge"], m["status"], m["waitlist_position"]) for m in mine.json()] == [
                    (challenge.slug, "waitlisted", position)
                ]


async def test_sessions_written_by_the_test_authenticate_on_the_server_process(
    server: Server, db: AsyncSession
) -> None:
    """The harness itself: the server reads the database the test commits to, so the session rows made
    in place of 200 log-ins are honoured, and a token without a row is not."""
    people = await participants(db, 1)
    stranger = Participant(people[0].account, token="not-a-session-token")
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        me = await client.get("/api/v1/me", headers=auth_headers(server, people[0]))
        nobody = await client.get("/api/v1/me", headers=auth_headers(server, stranger))
    assert me.status_code == 200, me.text
    assert (me.json()["id"], me.json()["email"]) == (people[0].account.id, people[0].account.email)
    assert nobody.status_code == 401
