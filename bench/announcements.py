"""How long sending one announcement takes as its audience grows: one row, one outbox message per recipient
(two templates rendered each), one transaction. Run by hand, prints its figures.

    .venv/bin/python bench/announcements.py                       # SQLite, 100, 1,000 and 5,000 recipients
    .venv/bin/python bench/announcements.py --backend postgres --recipients 1000 --postgres-url ...

For each count the database is emptied and migrated, then filled with one event, one host and challenge and
that many confirmed registrations; the preview and the send run in process, through the same service
functions as the API, each timed (wall and CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, date, datetime, timedelta

from common import POSTGRES_URL, backend_name, fresh_database, sqlite_url
from sqlalchemy import insert
from sqlalchemy.orm import selectinload

from digieduhack.announcements import services
from digieduhack.announcements.schemas import ChallengeAnnouncementIn
from digieduhack.clock import Clock
from digieduhack.db import create_engine, create_sessionmaker
from digieduhack.models import (
    Account,
    Challenge,
    ChallengeFormat,
    ChallengeStatus,
    Event,
    Host,
    HostKind,
    HostMember,
    HostStatus,
    Registration,
    RegistrationStatus,
)
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings

BODY = "Dear all,\n\nPlease bring **a laptop** and see [the agenda](https://example.org/agenda).\n" * 5


async def fill(settings: Settings, recipients: int) -> None:
    engine = create_engine(settings)
    now = datetime.now(UTC)
    year = now.year + 1
    async with engine.begin() as conn:
        await conn.execute(
            insert(Event).values(
                id=1,
                slug=str(year),
                name=f"DigiEduHack {year}",
                starts_on=date(year, 11, 9),
                ends_on=date(year, 11, 10),
                themes=[],
                max_challenges_per_participant=None,
                created_at=now,
            )
        )
        accounts = [
            {
                "id": n,
                "email": f"p{n}@example.org",
                "display_name": f"Person {n}",
                "password_hash": "!",
                "locale": "en",
                "is_organizer": False,
                "created_at": now,
            }
            for n in range(1, recipients + 2)
        ]
        await conn.execute(insert(Account), accounts)
        await conn.execute(
            insert(Host).values(
                id=1,
                slug="host",
                name="Host",
                kind=HostKind.UNIVERSITY,
                country="BE",
                status=HostStatus.APPROVED,
                created_at=now,
            )
        )
        await conn.execute(insert(HostMember).values(host_id=1, account_id=recipients + 1, created_at=now))
        starts = datetime(year, 11, 9, 8, tzinfo=UTC)
        await conn.execute(
            insert(Challenge).values(
                id=1,
                event_id=1,
                host_id=1,
                slug="bench",
                title="Bench",
                summary="A bench.",
                description="",
                language="en",
                format=ChallengeFormat.ONLINE,
                timezone="Europe/Brussels",
                starts_at=starts,
                ends_at=starts + timedelta(hours=8),
                capacity=None,
                status=ChallengeStatus.PUBLISHED,
                confirmed_count=recipients,
                waitlisted_count=0,
                created_at=now,
                updated_at=now,
            )
        )
        await conn.execute(
            insert(Registration),
            [
                {
                    "challenge_id": 1,
                    "account_id": n,
                    "status": RegistrationStatus.CONFIRMED,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(1, recipients + 1)
            ],
        )
    await engine.dispose()


async def measure(settings: Settings, recipients: int) -> None:
    await fill(settings, recipients)
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    data = ChallengeAnnouncementIn(subject="Bring a laptop", body=BODY)
    async with sessionmaker() as db:
        actor = await db.get_one(Account, recipients + 1, options=[selectinload(Account.memberships)])
        scope = await services.challenge_scope(db, actor, "bench")
        for step in ("preview", "send"):
            wall, cpu = time.perf_counter(), time.process_time()
            if step == "preview":
                shown = await services.preview(db, actor, scope, data, clock=Clock(), settings=settings)
                count = shown.recipient_count
            else:
                sent = await services.send(
                    db, actor, scope, data, clock=Clock(), settings=settings, limiter=RateLimiter()
                )
                await db.commit()
                count = sent.announcement.recipient_count
            print(
                f"  {step:8} {count:6} recipients: {time.perf_counter() - wall:6.2f} s wall, "
                f"{time.process_time() - cpu:6.2f} s CPU (this process)"
            )
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--recipients", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args()
    for n in args.recipients:
        url = args.postgres_url if args.backend == "postgres" else sqlite_url()
        settings = Settings(environment="test", database_url=url)
        asyncio.run(fresh_database(url))
        print(f"{backend_name(url)}, {n} recipients")
        asyncio.run(measure(settings, n))


if __name__ == "__main__":
    main()
