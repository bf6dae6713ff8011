"""Join throughput and latency against a real server process. Run by hand, prints its figures.

    .venv/bin/python bench/join.py                                   # SQLite file under /tmp
    .venv/bin/python bench/join.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The database is emptied and migrated first (PostgreSQL: its public schema is dropped). Each of
--participants accounts joins one of --challenges challenges (capacity --capacity).

Two ways to load the server:
- closed loop (default): --concurrency clients, each sending its next join once the last is answered.
  The server is always saturated, so by Little's law the latency is about concurrency / throughput.
- open loop (--rate R): joins arrive at R per second on average (Poisson arrivals, fixed seed), spread over
  --concurrency clients; a join's latency counts from its scheduled arrival, so waiting for a free client
  counts too. This is how people arrive when registration opens; it tells which rate the server sustains
  with a given p99.

--workers N starts the server with N uvicorn worker processes (default 1).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import time
from datetime import UTC, date, datetime, timedelta

from common import Latencies, backend_name, fresh_database, running_server, sqlite_url
from sqlalchemy import insert, text

from digieduhack.db import create_engine, create_sessionmaker
from digieduhack.models import (
    Account,
    AuthSession,
    Challenge,
    ChallengeFormat,
    ChallengeStatus,
    Event,
    Host,
    HostKind,
    HostStatus,
    Registration,
)
from digieduhack.security import token_hash
from digieduhack.settings import Settings


async def prepare(url: str, participants: int, challenges: int, capacity: int) -> tuple[list[str], list[str]]:
    await fresh_database(url)
    settings = Settings(database_url=url)
    engine = create_engine(settings)
    now = datetime.now(UTC)
    year = date.today().year + 1
    tokens = [secrets.token_urlsafe(24) for _ in range(participants)]
    async with create_sessionmaker(engine)() as db:
        event = Event(
            slug=str(year),
            name=f"Bench {year}",
            starts_on=date(year, 11, 9),
            ends_on=date(year, 11, 10),
            created_at=now,
        )
        host = Host(
            slug="bench",
            name="Bench host",
            kind=HostKind.OTHER,
            country="BE",
            status=HostStatus.APPROVED,
            created_at=now,
        )
        db.add_all([event, host])
        await db.flush()
        slugs = [f"bench-{i}" for i in range(challenges)]
        start = datetime(year, 11, 9, 9, tzinfo=UTC)
        await db.execute(
            insert(Challenge),
            [
                {
                    "event_id": event.id,
                    "host_id": host.id,
                    "slug": s,
                    "title": s,
                    "summary": "bench challenge",
                    "description": "",
                    "language": "en",
                    "format": ChallengeFormat.ONLINE,
                    "timezone": "UTC",
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=8),
                    "capacity": capacity,
                    "status": ChallengeStatus.PUBLISHED,
                    "confirmed_count": 0,
                    "waitlisted_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for s in slugs
            ],
        )
        await db.execute(
            insert(Account),
            [
                {
                    "email": f"p{i}@bench.example",
                    "display_name": f"P {i}",
                    "password_hash": "x",
                    "locale": "en",
                    "is_organizer": False,
                    "email_verified_at": now,  # joining needs a verified address
                    "created_at": now,
                }
                for i in range(participants)
            ],
        )
        ids = list(await db.scalars(text("SELECT id FROM accounts ORDER BY id")))
        await db.execute(
            insert(AuthSession),
            [
                {
                    "token_hash": token_hash(t),
                    "account_id": a,
                    "created_at": now,
                    "expires_at": now + timedelta(days=1),
                }
                for t, a in zip(tokens, ids, strict=True)
            ],
        )
        await db.commit()
    await engine.dispose()
    return tokens, slugs


async def run(args: argparse.Namespace) -> None:
    url = args.database_url or sqlite_url()
    tokens, slugs = await prepare(url, args.participants, args.challenges, args.capacity)
    async with running_server(url, args.concurrency, args.workers) as server:
        client = server.client
        csrf = (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]
        latencies: list[float] = []
        statuses: dict[int, int] = {}

        async def join(i: int, since: float) -> None:
            r = await client.post(
                f"/api/v1/challenges/{slugs[i % len(slugs)]}/registration",
                headers={"x-csrftoken": csrf},
                cookies={"session": tokens[i], "csrftoken": csrf},
            )
            latencies.append(time.perf_counter() - since)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        t0 = time.perf_counter()
        if args.rate is None:
            queue: asyncio.Queue[int] = asyncio.Queue()
            for i in range(len(tokens)):
                queue.put_nowait(i)

            async def worker() -> None:
                while not queue.empty():
                    await join(queue.get_nowait(), time.perf_counter())

            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        else:
            clients = asyncio.Semaphore(args.concurrency)
            arrivals = random.Random(2021)
            tasks = []

            async def arrive(i: int, at: float) -> None:
                await asyncio.sleep(max(at - time.perf_counter(), 0))
                async with clients:
                    await join(i, at)

            at = t0
            for i in range(len(tokens)):
                at += arrivals.expovariate(args.rate)
                tasks.append(asyncio.create_task(arrive(i, at)))
            await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    settings = Settings(database_url=url)
    engine = create_engine(settings)
    async with create_sessionmaker(engine)() as db:
        over = await db.scalar(text("SELECT count(*) FROM challenges WHERE confirmed_count > capacity"))
        rows = await db.scalar(text(f"SELECT count(*) FROM {Registration.__tablename__}"))
    await engine.dispose()
    figures = Latencies(latencies)
    print(f"backend       {backend_name(url)}")
    load = "closed loop" if args.rate is None else f"open loop, {args.rate:g} arrivals/s"
    print(
        f"joins         {len(latencies)} by {args.concurrency} concurrent clients on {len(slugs)} challenges"
        f" ({load})"
    )
    print(f"server        uvicorn, {args.workers} worker process(es)")
    print(f"statuses      {statuses}")
    print(f"throughput    {len(latencies) / elapsed:.0f} joins/s ({elapsed:.2f} s)")
    print(
        f"latency       median {figures.median_ms:.1f} ms, "
        f"p99 {figures.p99_ms:.1f} ms, max {figures.max_ms:.1f} ms"
    )
    print(f"rows          {rows} registrations; challenges over capacity: {over}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url")
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--challenges", type=int, default=20)
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument(
        "--rate", type=float, help="open loop: joins arriving per second (default: closed loop)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn worker processes of the server (each with its own connection pool)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
