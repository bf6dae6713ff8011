"""Roster export: time to first byte, total time, size and the server's memory growth, for CSV, XLSX and JSON,
downloaded by an organizer from a real server process. Run by hand, prints its figures.

    .venv/bin/python bench/export.py                                  # SQLite file under /tmp, 100,000 rows
    .venv/bin/python bench/export.py --rows 10000 100000              # memory stays flat: 10k vs 100k rows
    .venv/bin/python bench/export.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_export
    .venv/bin/python bench/export.py --reuse                          # keep the database seeded last time

The database is emptied, migrated and seeded first (PostgreSQL: its public schema is dropped): --rows
registrations of as many participants, spread over --challenges challenges of two hosts, two answered
questions per challenge and teams of four for a quarter of them. With --reuse, a database already holding
exactly that many registrations is kept as it is.

For each format the whole event's roster is downloaded with the default columns (name, email, team, status,
answers) once to warm the server up, then measured: time to the response's headers, time to the first byte
of the body, total time, bytes, and the growth of the server process's peak resident memory during the
download (VmHWM reset through /proc/<pid>/clear_refs, else VmRSS sampled every 5 ms) over its resident memory
before it. Targets: first byte < 200 ms, CSV of 100,000 rows < 3 s, memory growth < 50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from common import backend_name, cpu_seconds, fresh_database, running_server
from sqlalchemy import func, insert, select, text

from digieduhack.db import create_engine, create_sessionmaker
from digieduhack.models import (
    Account,
    Answer,
    AuthSession,
    Challenge,
    ChallengeFormat,
    ChallengeStatus,
    Event,
    Host,
    HostKind,
    HostStatus,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Team,
    TeamMember,
)
from digieduhack.security import token_hash
from digieduhack.settings import Settings

SQLITE_URL = "sqlite+aiosqlite:////tmp/digieduhack-bench-export.sqlite3"
CHUNK = 5000  # rows per INSERT statement
FORMATS = ("csv", "xlsx", "json")
COUNTRIES = ("PT", "KE", "BE", "DE", "FR", "IT", "ES", "NL")
ORGANIZER_TOKEN_FILE = ".organizer-token"  # beside a reused SQLite file, or in /tmp for PostgreSQL


def chunks(n: int) -> list[range]:
    return [range(i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)]


async def seeded_rows(url: str) -> int | None:
    """How many registrations the database holds; None when it is not migrated (or not there)."""
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(Registration)) or 0)
    except Exception:
        return None
    finally:
        await engine.dispose()


def token_path(url: str) -> Path:
    name = "sqlite" if "sqlite" in url else url.rsplit("/", 1)[-1]
    return Path(f"/tmp/digieduhack-bench-export-{name}{ORGANIZER_TOKEN_FILE}")


async def seed(url: str, rows: int, challenges: int) -> str:
    """A fresh database with `rows` registrations; returns the organizer's session token."""
    await fresh_database(url)
    engine = create_engine(Settings(database_url=url))
    now = datetime.now(UTC)
    year = date.today().year + 1
    token = secrets.token_urlsafe(24)
    async with create_sessionmaker(engine)() as db:
        event = Event(
            slug=str(year),
            name=f"Bench {year}",
            starts_on=date(year, 11, 9),
            ends_on=date(year, 11, 10),
            created_at=now,
        )
        hosts = [
            Host(
                slug=f"bench-{n}",
                name=f"Bench host {n}",
                kind=HostKind.OTHER,
                country="BE",
                status=HostStatus.APPROVED,
                created_at=now,
            )
            for n in (1, 2)
        ]
        organizer = Account(
            email="organizer@bench.example",
            display_name="Bench organizer",
            password_hash="x",
            locale="en",
            is_organizer=True,
            created_at=now,
        )
        db.add_all([event, *hosts, organizer])
        await db.flush()
        db.add(
            AuthSession(
                token_hash=token_hash(token),
                account_id=organizer.id,
                created_at=now,
                expires_at=now + timedelta(days=7),
            )
        )
        start = datetime(year, 11, 9, 9, tzinfo=UTC)
        await db.execute(
            insert(Challenge),
            [
                {
                    "event_id": event.id,
                    "host_id": hosts[i % 2].id,
                    "slug": f"bench-{i}",
                    "title": f"Bench challenge {i:03d}",
                    "summary": "bench challenge",
                    "description": "",
                    "language": "en",
                    "format": ChallengeFormat.ONLINE,
                    "timezone": "UTC",
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=8),
                    "capacity": None,
                    "status": ChallengeStatus.PUBLISHED,
                    "confirmed_count": 0,
                    "waitlisted_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(challenges)
            ],
        )
        challenge_ids = list(await db.scalars(select(Challenge.id).order_by(Challenge.id)))
        await db.execute(
            insert(Question),
            [
                {
                    "challenge_id": c,
                    "position": p,
                    "kind": QuestionKind.SHORT_TEXT if p == 1 else QuestionKind.YES_NO,
                    "prompt": "Your school or organisation?" if p == 1 else "Do you need a laptop?",
                    "required": False,
                    "options": [],
                    "created_at": now,
                }
                for c in challenge_ids
                for p in (1, 2)
            ],
        )
        questions = {
            (c, p): q
            for q, c, p in await db.execute(select(Question.id, Question.challenge_id, Question.position))
        }
        first_account = None
        for part in chunks(rows):
            result = await db.execute(
                insert(Account).returning(Account.id),
                [
                    {
                        "email": f"p{i}@bench.example",
                        "display_name": f"Participant {i}",
                        "password_hash": "x",
                        "locale": "en",
                        "is_organizer": False,
                        "country": COUNTRIES[i % len(COUNTRIES)],
                        "email_verified_at": now,
                        "contact_consent_at": now if i % 3 else None,
                        "created_at": now,
                    }
                    for i in part
                ],
            )
            if first_account is None:
                first_account = min(result.scalars())
        assert first_account is not None
        for part in chunks(rows):
            await db.execute(
                insert(Registration),
                [
                    {
                        "challenge_id": challenge_ids[i % challenges],
                        "account_id": first_account + i,
                        "status": RegistrationStatus.WAITLISTED
                        if i % 10 == 9
                        else RegistrationStatus.CONFIRMED,
                        "created_at": now,
                        "updated_at": now,
                        "checked_in_at": now if i % 10 == 0 else None,
                    }
                    for i in part
                ],
            )
        first_registration = int(await db.scalar(select(func.min(Registration.id))) or 0)
        for part in chunks(rows):
            values: list[dict[str, Any]] = []
            for i in part:
                c = challenge_ids[i % challenges]
                values.append(
                    {
                        "registration_id": first_registration + i,
                        "question_id": questions[c, 1],
                        "value": f"School {i % 997}",
                    }
                )
                values.append(
                    {
                        "registration_id": first_registration + i,
                        "question_id": questions[c, 2],
                        "value": i % 2 == 0,
                    }
                )
            await db.execute(insert(Answer), values)
        # teams of four in each challenge, for a quarter of the registrations: in every run of 16 * challenges
        # registrations, the first 4 * challenges (i, i + challenges, i + 2 * challenges, i + 3 * challenges)
        members: list[tuple[int, int]] = []  # (registration index, team number)
        teams = 0
        block = 4 * challenges
        for base in range(0, rows - block + 1, 4 * block):
            for c in range(challenges):
                for k in range(4):
                    members.append((base + c + k * challenges, teams))
                teams += 1
        if teams:
            await db.execute(
                insert(Team),
                [
                    {
                        "challenge_id": challenge_ids[t % challenges],
                        "name": f"Team {t}",
                        "code": f"B{t:09d}",
                        "member_count": 4,
                        "max_members": None,
                        "created_at": now,
                    }
                    for t in range(teams)
                ],
            )
            first_team = int(await db.scalar(select(func.min(Team.id))) or 0)
            for start_at in range(0, len(members), CHUNK):
                await db.execute(
                    insert(TeamMember),
                    [
                        {
                            "team_id": first_team + t,
                            "account_id": first_account + i,
                            "challenge_id": challenge_ids[i % challenges],
                            "joined_at": now,
                        }
                        for i, t in members[start_at : start_at + CHUNK]
                    ],
                )
        await db.commit()
        if "postgres" in url:
            await db.execute(text("ANALYZE"))
            await db.commit()
    await engine.dispose()
    token_path(url).write_text(token)
    return token


# --- memory of the server process ------------------------------------------------------------------------
def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current RSS (Linux 4.0+, our own process)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Sampler:
    """VmRSS of a process every 5 ms in a thread; its maximum."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                self.peak = max(self.peak, status_kb(self.pid, "VmRSS"))
            time.sleep(0.005)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Figures:
    file_type: str
    headers_ms: float
    first_byte_ms: float
    total_s: float
    size: int
    lines: int
    rss_before_mb: float
    growth_mb: float
    cpu_s: float  # CPU time the server spent on the download (the machine may be shared: wall time is not)


async def download(server_pid: int, client: Any, url: str, file_type: str) -> Figures:
    rss_before = status_kb(server_pid, "VmRSS")
    hwm_reset = reset_peak(server_pid)
    size = lines = 0
    first_byte = 0.0
    cpu0 = cpu_seconds(server_pid)
    with Sampler(server_pid) as sampler:
        t0 = time.perf_counter()
        async with client.stream("GET", url) as response:
            headers = time.perf_counter() - t0
            assert response.status_code == 200, (response.status_code, await response.aread())
            async for chunk in response.aiter_raw():
                if not size:
                    first_byte = time.perf_counter() - t0
                size += len(chunk)
                lines += chunk.count(b"\n")
        total = time.perf_counter() - t0
    cpu = cpu_seconds(server_pid) - cpu0
    peak = max(sampler.peak, status_kb(server_pid, "VmHWM") if hwm_reset else 0)
    return Figures(
        file_type,
        headers * 1000,
        first_byte * 1000,
        total,
        size,
        lines,
        rss_before / 1024,
        (peak - rss_before) / 1024,
        cpu,
    )


async def until_ready(client: Any) -> None:
    """running_server waits 10 s for the server; on a busy machine it can take longer to start."""
    for _ in range(600):
        try:
            await client.get("/api/v1/auth/csrf")
            return
        except Exception:
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start within a minute")


async def run_one(url: str, rows: int, args: argparse.Namespace) -> list[Figures]:
    held = await seeded_rows(url) if args.reuse else None
    if held == rows and token_path(url).exists():
        token = token_path(url).read_text()
        print(f"reusing the database with {rows} registrations")
    else:
        t0 = time.perf_counter()
        token = await seed(url, rows, args.challenges)
        print(f"seeded {rows} registrations in {time.perf_counter() - t0:.1f} s")
    year = date.today().year + 1
    figures = []
    async with running_server(url, 4) as server:
        await until_ready(server.client)
        server.client.cookies.set("session", token)
        server.client.timeout = 600
        for file_type in FORMATS:
            path = f"/api/v1/events/{year}/roster.{file_type}"
            await download(server.pid, server.client, path, file_type)  # warm-up
            figures.append(await download(server.pid, server.client, path, file_type))
    return figures


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def run(args: argparse.Namespace) -> None:
    url = args.database_url or SQLITE_URL
    print(f"backend       {backend_name(url)}  ({url})")
    for rows in args.rows:
        figures = await run_one(url, rows, args)
        print(f"rows          {rows} registrations in {args.challenges} challenges, the whole event's roster")
        print(
            f"{'format':8}{'headers':>10}{'1st byte':>11}{'total':>10}{'cpu':>9}{'size':>10}{'lines':>9}"
            f"{'RSS':>8}{'growth':>9}"
        )
        for f in figures:
            print(
                f"{f.file_type:8}{f.headers_ms:8.0f}ms{f.first_byte_ms:9.0f}ms{f.total_s:9.2f}s{f.cpu_s:8.2f}s"
                f"{f.size / 1e6:8.1f}MB{f.lines:9d}{f.rss_before_mb:6.0f}MB{f.growth_mb:7.1f}MB"
            )
        print(f"load          {load_average()} (1, 5, 15 min: the machine may be shared)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help=f"default: {SQLITE_URL}")
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[100_000], help="registrations (several: a run each)"
    )
    parser.add_argument("--challenges", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="keep a database already seeded with --rows")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
