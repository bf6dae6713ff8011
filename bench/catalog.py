"""Catalog throughput and latency on a large event, against a real server process. Run by hand, prints
its figures.

    .venv/bin/python bench/catalog.py              # SQLite and PostgreSQL, 1,000 then 100,000 registrations
    .venv/bin/python bench/catalog.py --backend postgres --registrations 100000 --duration 10

For each backend and each --registrations count the database is emptied and migrated (PostgreSQL: its
public schema is dropped), then filled with one event of --challenges challenges from --hosts hosts (themes,
tags, audiences, agenda) and that many registrations, each challenge's kept counts matching its rows and
never above its capacity. Then --concurrency clients request each scenario for --duration seconds: the
catalog page and the catalog API, first page, a filtered page, a search for a rare word and for a common one.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from common import (
    POSTGRES_URL,
    Latencies,
    Server,
    backend_name,
    cpu_seconds,
    fresh_database,
    running_server,
    sqlite_url,
)
from sqlalchemy import Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from digieduhack.db import create_engine
from digieduhack.models import (
    Account,
    AgendaItem,
    Audience,
    Challenge,
    ChallengeFormat,
    ChallengeLabel,
    ChallengeStatus,
    Event,
    Host,
    HostKind,
    HostStatus,
    LabelKind,
    Registration,
    RegistrationStatus,
)
from digieduhack.settings import Settings

# country, time zone, language of its hosts' challenges (half of all challenges are in English)
COUNTRIES = [
    ("BE", "Europe/Brussels", "fr"),
    ("FI", "Europe/Helsinki", "fi"),
    ("PT", "Europe/Lisbon", "pt"),
    ("BR", "America/Sao_Paulo", "pt-BR"),
    ("KE", "Africa/Nairobi", "sw"),
    ("ES", "Europe/Madrid", "es"),
    ("IT", "Europe/Rome", "it"),
    ("DE", "Europe/Berlin", "de"),
    ("FR", "Europe/Paris", "fr"),
    ("NL", "Europe/Amsterdam", "nl"),
    ("GR", "Europe/Athens", "el"),
    ("PL", "Europe/Warsaw", "pl"),
    ("SK", "Europe/Bratislava", "sk"),
    ("IN", "Asia/Kolkata", "hi"),
    ("US", "America/New_York", "en"),
    ("MX", "America/Mexico_City", "es"),
    ("JP", "Asia/Tokyo", "ja"),
    ("NG", "Africa/Lagos", "en"),
    ("IE", "Europe/Dublin", "en"),
    ("SE", "Europe/Stockholm", "sv"),
]
THEMES = [
    "Future of learning",
    "Digital inclusion",
    "AI in education",
    "Green & digital",
    "Wellbeing",
    "Assessment",
    "Lifelong learning",
    "Teachers' skills",
]
TAGS = ["ai", "vr", "games", "open-source", "mobile", "accessibility", "privacy", "maker", "stem", "arts"]
# words of titles, summaries and descriptions, most frequent first (drawn with Zipf-like weights, so a
# search for a word near the end of the list finds few challenges)
VOCABULARY = """
learning students teachers school digital education classroom tools ideas design online community
skills future open data platform project course children young teaching curriculum support access
knowledge collaborative network local university library parents mentors feedback games creative
science history language reading writing mathematics coding robotics music art climate energy
health wellbeing inclusion diversity refugees rural remote village accessibility disability sign
braille dyslexia assessment exams grading portfolio badges credentials career guidance internship
apprenticeship entrepreneurship startup prototype hackathon pitch jury mentor team challenge
solution app chatbot podcast video storytelling museum heritage archive newspaper citizen
democracy debate ethics privacy security misinformation literacy media journalism photography
theatre dance sport nutrition gardening farming ocean forest biodiversity recycling transport
housing migration translation dialect poetry folklore astronomy chemistry physics biology geology
volcano glacier desert savanna archipelago lighthouse observatory planetarium aquarium orchestra
calligraphy origami pottery weaving carpentry blacksmith beekeeping cartography typography
kaleidoscope
"""
WORDS = VOCABULARY.split()
TEXT_WEIGHTS = [1 / (rank + 1) ** 1.5 for rank in range(len(WORDS))]
SEARCH_WORD = "lighthouse"  # a rare word: in a few percent of the challenges
COMMON_WORD = "learning"  # in nearly every challenge
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024).hash("bench-password")
CHUNK = 5000


@dataclass(frozen=True)
class Scenario:
    name: str
    url: str


def scenarios(country: str) -> list[Scenario]:
    searches = {
        "first page": "",
        "filtered": f"?country={country}&format=online&free=true",
        "search": f"?q={SEARCH_WORD}",
        "search common": f"?q={COMMON_WORD}",
    }
    return [
        Scenario(f"{face} {name}", f"{prefix}/challenges{query}")
        for face, prefix in (("page", ""), ("api", "/api/v1"))
        for name, query in searches.items()
    ]


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, TEXT_WEIGHTS, k=n))


def sentences(rng: random.Random, n: int) -> str:
    return " ".join(f"{words(rng, rng.randint(6, 14)).capitalize()}." for _ in range(n))


def chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


async def insert_all(conn: AsyncConnection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    target: Table = table.__table__
    for part in chunks(rows):
        await conn.execute(insert(target), part)


@dataclass(frozen=True)
class Loaded:
    challenges: int
    listed: int
    registrations: int
    full: int
    busiest_country: str


async def load(url: str, hosts: int, challenges: int, registrations: int, seed: int) -> Loaded:
    """One event, `hosts` approved hosts, `challenges` challenges with labels and agenda, `registrations`
    registrations of as many participants; the kept counts match the rows, capacities are respected."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    year = date.today().year + 1
    first_day = date(year, 11, 9)
    engine = create_engine(Settings(database_url=url))
    async with engine.begin() as conn:
        event_id = (
            await conn.execute(
                insert(Event.__table__).returning(Event.__table__.c.id),
                {
                    "slug": str(year),
                    "name": f"DigiEduHack {year}",
                    "starts_on": first_day,
                    "ends_on": first_day + timedelta(days=1),
                    "themes": THEMES,
                    "created_at": now,
                },
            )
        ).scalar_one()
        kinds = list(HostKind)
        country_weights = [1 / (i + 1) for i in range(len(COUNTRIES))]
        host_countries = rng.choices(range(len(COUNTRIES)), country_weights, k=hosts)
        await insert_all(
            conn,
            Host,
            [
                {
                    "slug": f"host-{i}",
                    "name": f"{words(rng, 2).title()} {kinds[i % len(kinds)].value.title()} {i}",
                    "kind": kinds[i % len(kinds)],
                    "country": COUNTRIES[c][0],
                    "city": f"{words(rng, 1).title()}ville",
                    "status": HostStatus.APPROVED,
                    "created_at": now,
                }
                for i, c in enumerate(host_countries)
            ],
        )
        host_ids = list((await conn.execute(select(Host.id).order_by(Host.id))).scalars())
        statuses = rng.choices(
            [
                ChallengeStatus.PUBLISHED,
                ChallengeStatus.CLOSED,
                ChallengeStatus.DRAFT,
                ChallengeStatus.CANCELLED,
            ],
            [85, 5, 5, 5],
            k=challenges,
        )
        rows: list[dict[str, Any]] = []
        for i, status in enumerate(statuses):
            h = i % hosts
            country, tz, language = COUNTRIES[host_countries[h]]
            fmt = rng.choice(list(ChallengeFormat))
            start_day = first_day + timedelta(days=rng.randint(0, 1))
            starts_at = datetime.combine(start_day, clock_time(rng.randint(8, 14)), ZoneInfo(tz)).astimezone(
                UTC
            )
            rows.append(
                {
                    "event_id": event_id,
                    "host_id": host_ids[h],
                    "slug": f"challenge-{i}",
                    "title": words(rng, rng.randint(3, 6)).capitalize()[:120],
                    "summary": sentences(rng, 2)[:280],
                    "description": sentences(rng, rng.randint(4, 12)),
                    "language": "en" if rng.random() < 0.5 else language,
                    "format": fmt,
                    "country": country,
                    "city": None if fmt == ChallengeFormat.ONLINE else f"{words(rng, 1).title()}ville",
                    "venue": None if fmt == ChallengeFormat.ONLINE else f"{words(rng, 2).title()} Hall",
                    "timezone": tz,
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(hours=rng.choice([4, 6, 8])),
                    "capacity": None if rng.random() < 0.2 else rng.randint(10, 120),
                    "status": status,
                    "confirmed_count": 0,
                    "waitlisted_count": 0,
                    "created_at": now - timedelta(minutes=challenges - i),
                    "updated_at": now,
                    "cancelled_at": now if status == ChallengeStatus.CANCELLED else None,
                    "cancellation_message": "Cancelled for the benchmark."
                    if status == ChallengeStatus.CANCELLED
                    else None,
                }
            )
        # who registers where, decided first so that the challenges are written with their counts
        open_indices = [i for i, row in enumerate(rows) if row["status"] != ChallengeStatus.DRAFT]
        popularity = [rng.paretovariate(1.2) for _ in open_indices]
        registered = [
            (i, registration(rng, rows[i], now))
            for i in rng.choices(open_indices, popularity, k=registrations)
        ]
        await insert_all(conn, Challenge, rows)
        ids = {slug: id_ for slug, id_ in await conn.execute(select(Challenge.slug, Challenge.id))}
        for row in rows:
            row["id"] = ids[row["slug"]]
        await insert_all(conn, ChallengeLabel, [label for row in rows for label in labels(rng, row["id"])])
        await insert_all(
            conn,
            AgendaItem,
            [
                {
                    "challenge_id": row["id"],
                    "starts_at": row["starts_at"] + timedelta(hours=hours),
                    "title": title,
                }
                for row in rows
                for hours, title in ((0, "Kick-off"), (2, "Mentor check-in"), (3, "Pitches"))
            ],
        )
        await insert_all(
            conn,
            Account,
            [
                {
                    "email": f"participant{i}@bench.example",
                    "display_name": f"Participant {i}",
                    "password_hash": PASSWORD_HASH,
                    "locale": "en",
                    "is_organizer": False,
                    "created_at": now,
                }
                for i in range(registrations)
            ],
        )
        account_ids = list((await conn.execute(select(Account.id).order_by(Account.id))).scalars())
        await insert_all(
            conn,
            Registration,
            [
                {**reg, "challenge_id": rows[i]["id"], "account_id": account_id}
                for account_id, (i, reg) in zip(account_ids, registered, strict=True)
            ],
        )
    if backend_name(url) == "postgresql":
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE"))
    else:
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    await engine.dispose()
    listed = [row for row in rows if row["status"] in (ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED)]
    full = sum(
        1 for row in listed if row["capacity"] is not None and row["confirmed_count"] == row["capacity"]
    )
    per_country: dict[str, int] = {}
    for row in listed:
        per_country[row["country"]] = per_country.get(row["country"], 0) + 1
    return Loaded(challenges, len(listed), registrations, full, max(per_country, key=per_country.__getitem__))


def labels(rng: random.Random, challenge_id: int) -> list[dict[str, Any]]:
    chosen = (
        [(LabelKind.THEME, t) for t in rng.sample(THEMES, rng.randint(1, 2))]
        + [(LabelKind.TAG, t) for t in rng.sample(TAGS, rng.randint(0, 3))]
        + [(LabelKind.AUDIENCE, a.value) for a in rng.sample(list(Audience), rng.randint(1, 2))]
    )
    return [{"challenge_id": challenge_id, "kind": kind, "value": value} for kind, value in chosen]


def registration(rng: random.Random, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A registration in `row`'s challenge, counted in the row: confirmed while places are left, then
    waitlisted; one in twenty cancelled."""
    if rng.random() < 0.05:
        status = RegistrationStatus.CANCELLED
    elif row["capacity"] is None or row["confirmed_count"] < row["capacity"]:
        status = RegistrationStatus.CONFIRMED
        row["confirmed_count"] += 1
    else:
        status = RegistrationStatus.WAITLISTED
        row["waitlisted_count"] += 1
    return {
        "status": status,
        "created_at": now,
        "updated_at": now,
        "cancelled_at": now if status == RegistrationStatus.CANCELLED else None,
    }


async def run_sql(url: str, statements: list[str]) -> None:
    if not statements:
        return
    engine = create_engine(Settings(database_url=url))
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
            print(f"ran: {statement}")
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


async def consistency(url: str) -> tuple[int, int]:
    """(challenges whose kept counts differ from their rows, challenges over capacity): both must be 0."""
    engine = create_engine(Settings(database_url=url))
    async with engine.connect() as conn:
        differ = await conn.scalar(
            text(
                "SELECT count(*) FROM challenges c"
                " WHERE confirmed_count <> (SELECT count(*) FROM registrations r"
                "                           WHERE r.challenge_id = c.id AND r.status = 'confirmed')"
                " OR waitlisted_count <> (SELECT count(*) FROM registrations r"
                "                         WHERE r.challenge_id = c.id AND r.status = 'waitlisted')"
            )
        )
        over = await conn.scalar(text("SELECT count(*) FROM challenges WHERE confirmed_count > capacity"))
    await engine.dispose()
    return int(differ or 0), int(over or 0)


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    matches: int
    requests: int
    seconds: float
    latencies: Latencies
    failures: int
    server_cpu_seconds: float
    database_cpu_seconds: float | None  # None on SQLite (inside the server's figure)


class DatabaseCpu:
    """CPU time of the PostgreSQL backends serving the benchmark's database (this machine's processes)."""

    def __init__(self, conn: AsyncConnection | None) -> None:
        self.conn = conn  # None on SQLite: the database works inside the server process

    async def per_backend(self) -> dict[int, float]:
        if self.conn is None:
            return {}
        pids = await self.conn.scalars(
            text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        return {pid: cpu_seconds(pid) for pid in pids}


async def measure(
    server: Server, database: DatabaseCpu, scenario: Scenario, concurrency: int, duration: float
) -> Result:
    """`concurrency` clients request the scenario back to back for `duration` seconds, after a warm-up."""
    client = server.client
    api_url = scenario.url if scenario.url.startswith("/api/") else f"/api/v1{scenario.url}"
    matches = int((await client.get(api_url)).json()["total"])
    for _ in range(3):
        await asyncio.gather(*(client.get(scenario.url) for _ in range(concurrency)))
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            response = await client.get(scenario.url)
            latencies.append(time.perf_counter() - t0)
            failures += response.status_code != 200

    t0, cpu0, db0 = time.perf_counter(), server.cpu_seconds(), await database.per_backend()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds, cpu = time.perf_counter() - t0, server.cpu_seconds() - cpu0
    db_cpu = sum(used - db0.get(pid, 0.0) for pid, used in (await database.per_backend()).items())
    return Result(
        scenario,
        matches,
        len(latencies),
        seconds,
        Latencies(latencies),
        failures,
        cpu,
        db_cpu if db0 else None,
    )


async def bench(url: str, registrations: int, args: argparse.Namespace) -> list[Result]:
    t0 = time.perf_counter()
    await fresh_database(url)
    loaded = await load(url, args.hosts, args.challenges, registrations, args.seed)
    await run_sql(url, args.sql)
    differ, over = await consistency(url)
    print(
        f"{backend_name(url)}: {loaded.challenges:,} challenges ({loaded.listed:,} listed, "
        f"{loaded.full:,} full) from {args.hosts:,} hosts, {loaded.registrations:,} registrations, loaded in "
        f"{time.perf_counter() - t0:.0f} s; counts differing from rows: {differ}, over capacity: {over}",
        flush=True,
    )
    engine = create_engine(Settings(database_url=url))
    async with running_server(url, args.concurrency, args.workers) as server, engine.connect() as conn:
        database = DatabaseCpu(None if backend_name(url) == "sqlite" else conn)
        results = [
            await measure(server, database, scenario, args.concurrency, args.duration)
            for scenario in scenarios(loaded.busiest_country)
        ]
    await engine.dispose()
    return results


def print_table(rows: list[tuple[str, int, Result]]) -> None:
    print(
        f"\n{'backend':<11} {'registrations':>13}  {'scenario':<18} {'matches':>7} {'req/s':>6} "
        f"{'median ms':>9} {'p99 ms':>7} {'app CPU ms':>10} {'db CPU ms':>9}  url"
    )
    for backend, registrations, r in rows:
        failed = f"  ({r.failures} failed)" if r.failures else ""
        db_cpu = (
            "-" if r.database_cpu_seconds is None else f"{r.database_cpu_seconds * 1000 / r.requests:.1f}"
        )
        print(
            f"{backend:<11} {registrations:>13,}  {r.scenario.name:<18} {r.matches:>7,} "
            f"{r.requests / r.seconds:>6.0f} {r.latencies.median_ms:>9.1f} {r.latencies.p99_ms:>7.1f} "
            f"{r.server_cpu_seconds * 1000 / r.requests:>10.1f} {db_cpu:>9}  "
            f"{r.scenario.url}{failed}"
        )


async def run(args: argparse.Namespace) -> None:
    urls = {"sqlite": [sqlite_url()], "postgres": [args.postgres_url]}
    urls["both"] = urls["sqlite"] + urls["postgres"]
    rows: list[tuple[str, int, Result]] = []
    for url in urls[args.backend]:
        for registrations in args.registrations:
            results = await bench(url, registrations, args)
            rows += [(backend_name(url), registrations, r) for r in results]
    print(
        f"\n{args.concurrency} concurrent clients, {args.duration:g} s per scenario, "
        f"{args.workers} server process{'es' if args.workers > 1 else ''}.\n"
        "CPU ms per request: app = the server's processes (SQLite included), db = the PostgreSQL backends"
    )
    print_table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="emptied first! (default: %(default)s)")
    parser.add_argument("--registrations", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--challenges", type=int, default=2_000)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="server processes (default: 1, as deployed)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per scenario")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--sql",
        action="append",
        default=[],
        help="a statement run after loading, e.g. CREATE INDEX ... to try",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
