"""Join throughput and latency against a real server process. Run by hand, prints its figures.

    .venv/bin/python bench/join.py                                   # SQLite file under /tmp
    .venv/bin/python bench/join.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The database is emptied and migrated first (PostgreSQL: its public schema is dropped). Each of
--participants accounts joins one of --challenges challenges (capacity --capacity), --concurrency at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy import insert, text

from digieduhack.db import alembic_config, create_engine, create_sessionmaker
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
from digieduhack.settings import ROOT, Settings


async def prepare(url: str, participants: int, challenges: int, capacity: int) -> tuple[list[str], list[str]]:
    settings = Settings(database_url=url)
    engine = create_engine(settings)
    if not settings.is_sqlite:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logging"] = False
    await asyncio.to_thread(command.upgrade, cfg, "head")
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    tokens, slugs = await prepare(url, args.participants, args.challenges, args.capacity)
    port = free_port()
    env = {
        **os.environ,
        "DIGIEDUHACK_ENV": "test",
        "DIGIEDUHACK_SECRET_KEY": "bench-" + "k" * 40,
        "DIGIEDUHACK_DATABASE_URL": url,
    }
    server = subprocess.Popen(  # noqa: ASYNC220
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "digieduhack.app:create_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-keep-alive",  # the client pool reuses connections; no close-while-reused race
            "60",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(
            base_url=base, limits=httpx.Limits(max_connections=args.concurrency), timeout=60
        ) as client:
            for _ in range(100):
                try:
                    csrf = (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            queue: asyncio.Queue[int] = asyncio.Queue()
            for i in range(len(tokens)):
                queue.put_nowait(i)
            latencies: list[float] = []
            statuses: dict[int, int] = {}

            async def worker() -> None:
                while not queue.empty():
                    i = queue.get_nowait()
                    t0 = time.perf_counter()
                    r = await client.post(
                        f"/api/v1/challenges/{slugs[i % len(slugs)]}/registration",
                        headers={"x-csrftoken": csrf},
                        cookies={"session": tokens[i], "csrftoken": csrf},
                    )
                    latencies.append(time.perf_counter() - t0)
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

            t0 = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            elapsed = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(10)
    settings = Settings(database_url=url)
    engine = create_engine(settings)
    async with create_sessionmaker(engine)() as db:
        over = await db.scalar(text("SELECT count(*) FROM challenges WHERE confirmed_count > capacity"))
        rows = await db.scalar(text(f"SELECT count(*) FROM {Registration.__tablename__}"))
    await engine.dispose()
    latencies.sort()
    print(f"backend       {'postgresql' if 'postgres' in url else 'sqlite'}")
    print(
        f"joins         {len(latencies)} by {args.concurrency} concurrent clients on {len(slugs)} challenges"
    )
    print(f"statuses      {statuses}")
    print(f"throughput    {len(latencies) / elapsed:.0f} joins/s ({elapsed:.2f} s)")
    print(
        f"latency       median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
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
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
