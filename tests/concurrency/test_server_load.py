"""A popular edition opens: 500 joins and 100 cancellations hit a real server process at once.

Five challenges of capacity 50. First 150 participants join (30 per challenge, all confirmed). Then,
released together: 500 new participants join (100 per challenge), 100 of the first ones cancel (20 per
challenge), and the 50 others try to join a second challenge, which the edition (one challenge per
participant) refuses. Afterwards the rows must tell one consistent story: no challenge over capacity, counters
equal to the rows, first-come first-served waitlists with positions 1..n, one active registration per person,
`held` equal to what each person holds, every answer a 2xx or a problem-details 4xx, every join in the host's
roster, and exactly one e-mail per state change.
"""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import (
    Account,
    AuthSession,
    Challenge,
    EventParticipation,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from digieduhack.security import token_hash
from tests import factories
from tests.concurrency.conftest import Participant, auth_headers, burst, participants
from tests.conftest import BACKEND
from tests.live_server import Server

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres",
    reason="PostgreSQL only: the load the issue asks for is about row locks under concurrent "
    "transactions; SQLite serialises every writer, so 650 requests queued on its one file lock would only "
    "test its busy timeout",
)

CHALLENGES = 5
CAPACITY = 50
JOINERS = 100  # per challenge, in the burst
LEAVERS = 20  # per challenge: join first (confirmed), then cancel during the burst
STAYERS = 10  # per challenge: join first (confirmed), then try a second challenge during the burst
CONFIRMED, WAITLISTED, CANCELLED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)
ACTIVE = (CONFIRMED, WAITLISTED)


def url(challenge: Challenge) -> str:
    return f"/api/v1/challenges/{challenge.slug}/registration"


async def session_for(db: AsyncSession, who: Account) -> Participant:
    """A live session of an existing account (the host member reading the rosters)."""
    token = secrets.token_urlsafe(32)
    now = factories.now()
    db.add(
        AuthSession(
            token_hash=token_hash(token),
            account_id=who.id,
            created_at=now,
            expires_at=now + timedelta(days=1),
        )
    )
    await db.commit()
    return Participant(who, token)


def unclear(responses: Sequence[httpx.Response]) -> list[str]:
    """Answers that are neither a 2xx nor a 4xx with problem details (a 5xx, or a bare 4xx)."""
    return [
        f"{r.request.method} {r.request.url.path} -> {r.status_code} {r.text[:300]}"
        for r in responses
        if not (
            200 <= r.status_code < 300
            or (
                400 <= r.status_code < 500
                and r.headers.get("content-type", "").startswith("application/problem+json")
                and r.json().get("detail")
            )
        )
    ]


async def my_registrations(
    server: Server, people: Sequence[Participant]
) -> dict[int, list[dict[str, object]]]:
    """GET /api/v1/me/registrations of each person, a few at a time: account id -> the answer."""
    gate = asyncio.Semaphore(20)
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))  # only the cookies given per request
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60, cookies=jar) as client:

        async def one(who: Participant) -> tuple[int, list[dict[str, object]]]:
            async with gate:
                r = await client.get("/api/v1/me/registrations", headers=auth_headers(server, who))
            assert r.status_code == 200, r.text
            return who.account.id, r.json()

        return dict(await asyncio.gather(*(one(p) for p in people)))


async def roster(server: Server, host_member: Participant, challenge: Challenge) -> Counter[tuple[str, str]]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        r = await client.get(
            f"/api/v1/challenges/{challenge.slug}/roster.csv",
            params=[("status", s) for s in ("confirmed", "waitlisted", "cancelled")],  # the default: active
            headers=auth_headers(server, host_member),
        )
    assert r.status_code == 200, r.text
    return Counter((row["email"], row["status"]) for row in csv.DictReader(io.StringIO(r.text)))


async def test_500_joins_and_100_cancellations_at_once_keep_every_invariant(
    server: Server, db: AsyncSession, world: factories.World
) -> None:
    challenges = [
        await factories.challenge(db, world.event, world.host_a, capacity=CAPACITY) for _ in range(CHALLENGES)
    ]
    nexts = {c.id: challenges[(i + 1) % CHALLENGES] for i, c in enumerate(challenges)}
    leavers = {c.id: await participants(db, LEAVERS) for c in challenges}
    stayers = {c.id: await participants(db, STAYERS) for c in challenges}
    joiners = {c.id: await participants(db, JOINERS) for c in challenges}
    host_member = await session_for(db, world.member_a)
    everyone = [p for group in (leavers, stayers, joiners) for ps in group.values() for p in ps]
    email_of = {p.account.id: p.account.email for p in everyone}
    log_from = server.log_size()

    # before the rush: the first 150 join, all confirmed
    started = time.monotonic()
    early = await asyncio.gather(
        *(burst(server, "POST", url(c), leavers[c.id] + stayers[c.id]) for c in challenges)
    )
    early_seconds = time.monotonic() - started
    assert unclear([r for rs in early for r in rs]) == []
    for rs in early:
        assert Counter((r.status_code, r.json()["status"]) for r in rs) == {
            (201, "confirmed"): LEAVERS + STAYERS
        }

    # the rush: 500 joins, 100 cancellations and 50 joins beyond the edition's limit, all released together
    groups = [
        *(("join", c, burst(server, "POST", url(c), joiners[c.id])) for c in challenges),
        *(("cancel", c, burst(server, "DELETE", url(c), leavers[c.id])) for c in challenges),
        *(("second", c, burst(server, "POST", url(nexts[c.id]), stayers[c.id])) for c in challenges),
    ]
    started = time.monotonic()
    answers = await asyncio.gather(*(request for _, _, request in groups))
    seconds = time.monotonic() - started
    by_kind: dict[tuple[str, int], list[httpx.Response]] = {
        (kind, c.id): rs for (kind, c, _), rs in zip(groups, answers, strict=True)
    }
    flat = [r for rs in answers for r in rs]
    statuses = Counter(
        f"{kind} {r.status_code}" for (kind, _, _), rs in zip(groups, answers, strict=True) for r in rs
    )
    print(
        f"\nwarm-up: {LEAVERS * CHALLENGES + STAYERS * CHALLENGES} joins in {early_seconds:.2f} s; "
        f"rush: {len(flat)} requests in {seconds:.2f} s ({len(flat) / seconds:.0f}/s): "
        f"{dict(sorted(statuses.items()))}"
    )

    # every request answered: a 2xx or a clear 4xx, and here exactly the expected ones
    assert unclear(flat) == []
    assert statuses == {
        "join 201": JOINERS * CHALLENGES,
        "cancel 204": LEAVERS * CHALLENGES,
        "second 409": STAYERS * CHALLENGES,
    }
    for c in challenges:
        for r in by_kind["second", c.id]:
            assert r.json()["detail"].startswith(
                f"{world.event.name} lets each participant hold one challenge"
            )

    # the rows, as committed
    rows = list(
        await db.scalars(
            select(Registration)
            .where(Registration.challenge_id.in_([c.id for c in challenges]))
            .order_by(Registration.id)
            .execution_options(populate_existing=True)
        )
    )
    kept = {
        row.id: (row.confirmed_count, row.waitlisted_count)
        for row in await db.execute(
            select(Challenge.id, Challenge.confirmed_count, Challenge.waitlisted_count).where(
                Challenge.id.in_([c.id for c in challenges])
            )
        )
    }
    answered = {  # registration id -> (account, challenge, status answered) of every 2xx join
        body["id"]: (who.account.id, c.id, body["status"])
        for c in challenges
        for rs, people in (
            (by_kind["join", c.id], joiners[c.id]),
            (early[challenges.index(c)], leavers[c.id] + stayers[c.id]),
        )
        for body, who in zip((r.json() for r in rs), people, strict=True)
    }
    assert {r.id: (r.account_id, r.challenge_id) for r in rows} == {k: v[:2] for k, v in answered.items()}

    for c in challenges:
        mine = [r for r in rows if r.challenge_id == c.id]
        confirmed = [r for r in mine if r.status == CONFIRMED]
        waiting = [r for r in mine if r.status == WAITLISTED]
        # capacity never exceeded, and with 110 people still in, exactly full with 60 waiting
        assert (len(confirmed), len(waiting)) == (CAPACITY, STAYERS + JOINERS - CAPACITY)
        assert kept[c.id] == (len(confirmed), len(waiting))
        # first come, first served: everyone confirmed registered before everyone still waiting
        assert max(r.id for r in confirmed) < min(r.id for r in waiting)
        # the leavers' registrations are cancelled, nobody else's
        assert {r.account_id for r in mine if r.status == CANCELLED} == {p.account.id for p in leavers[c.id]}
        # every 2xx join is in the host's roster, with its status now
        assert await roster(server, host_member, c) == Counter(
            (email_of[r.account_id], r.status.value) for r in mine
        )

    # one active registration per person (the edition's limit: one per person at all), and `held` says so
    active = Counter(r.account_id for r in rows if r.status in ACTIVE)
    assert set(active.values()) == {1}
    held: dict[int, int] = dict(
        (
            await db.execute(
                select(EventParticipation.account_id, EventParticipation.held)
                .where(EventParticipation.event_id == world.event.id)
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    assert held == {p.account.id: active[p.account.id] for p in everyone}

    # waitlist positions as each waiting person sees them: 1..n in registration order, no gaps
    waiting_people = [
        p for p in everyone if any(r.account_id == p.account.id and r.status == WAITLISTED for r in rows)
    ]
    seen = await my_registrations(server, waiting_people)
    for c in challenges:
        queue = [r for r in rows if r.challenge_id == c.id and r.status == WAITLISTED]
        positions = [
            next(m["waitlist_position"] for m in seen[r.account_id] if m["id"] == r.id) for r in queue
        ]
        assert positions == list(range(1, len(queue) + 1))

    # one e-mail per state change: the join's answer, each cancellation, each promotion; nothing twice
    promoted = [r for r in rows if r.status == CONFIRMED and answered[r.id][2] == "waitlisted"]
    expected = Counter(
        [f"reg:{reg_id}:registration_{status}" for reg_id, (_, _, status) in answered.items()]
        + [f"reg:{r.id}:registration_cancelled" for r in rows if r.status == CANCELLED]
        + [f"reg:{r.id}:registration_promoted" for r in promoted]
    )
    sent = Counter(
        await db.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind.like("registration_%")))
    )
    assert sent == expected
    confirmed_at_join = sum(status == "confirmed" for _, _, status in answered.values())
    assert len(promoted) == CAPACITY * CHALLENGES - (confirmed_at_join - LEAVERS * CHALLENGES)
    assert await db.scalar(select(func.count()).select_from(OutboxMessage)) == sum(expected.values())
    print(f"promoted during the rush: {len(promoted)}; e-mails written: {sum(expected.values())}")

    log = server.log(log_from)
    assert "Traceback" not in log, log
