"""Command line: `python -m digieduhack.cli seed | create-organizer | check-schema | send-mail [--once]`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import signal
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack import db as dbmod
from digieduhack.accounts.services import load_account, normalize_email
from digieduhack.challenges import services as challenges
from digieduhack.challenges.schemas import AgendaItemIn, ChallengeIn
from digieduhack.clock import Clock, FixedClock
from digieduhack.events.services import is_past
from digieduhack.models import (
    Account,
    Audience,
    Challenge,
    Event,
    Host,
    HostKind,
    HostMember,
    HostStatus,
    Registration,
)
from digieduhack.outbox.sender import Sender
from digieduhack.registrations import services as registrations
from digieduhack.security import Passwords, RateLimiter
from digieduhack.settings import ROOT, Settings

SEED_FILE = ROOT / "seeds" / "demo.json"


def current_year(today: date) -> int:
    return today.year + 1


async def seed(settings: Settings, spec: dict[str, Any], today: date | None = None) -> list[dict[str, str]]:
    """Load the demo data; running it twice changes nothing. Returns the accounts to show."""
    clock = Clock()
    now = clock.now()
    year = current_year(today or now.date())
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost)
    engine = dbmod.create_engine(settings)
    maker = dbmod.create_sessionmaker(engine)
    shown: list[dict[str, str]] = []
    try:
        async with maker() as db:
            await dbmod.begin_write(db)
            events = {e["slug"].format(year=year): await _event(db, e, year, now) for e in spec["events"]}
            current = next(events[e["slug"].format(year=year)] for e in spec["events"] if e.get("current"))
            accounts: dict[str, Account] = {}
            for a in spec["accounts"]:
                accounts[a["email"]] = await _account(db, a, passwords, now)
                if a.get("show"):
                    shown.append({"role": a["show"], "email": a["email"], "password": a["password"]})
            hosts = {h["slug"]: await _host(db, h, accounts, now) for h in spec["hosts"]}
            await db.flush()
            for c in spec["challenges"]:
                event = events[c["event"]] if "event" in c else current
                await _challenge(db, c, event, hosts[c["host"]], accounts, _clock_for(event, clock))
            for r in spec["registrations"]:
                await _registration(db, r, accounts, clock, settings)
            await db.commit()
    finally:
        await engine.dispose()
    return shown


async def _event(db: AsyncSession, e: dict[str, Any], year: int, now: datetime) -> Event:
    slug = e["slug"].format(year=year)
    event = await db.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        starts = date.fromisoformat(e.get("starts_on") or f"{year}-{e['month_day_start']}")
        ends = date.fromisoformat(e.get("ends_on") or f"{year}-{e['month_day_end']}")
        event = Event(
            slug=slug,
            name=e["name"].format(year=year),
            starts_on=starts,
            ends_on=ends,
            registration_opens_at=None,
            registration_closes_at=datetime.combine(ends, time(12, 0), tzinfo=UTC),
            themes=e.get("themes", []),
            created_at=now,
        )
        db.add(event)
        await db.flush()
    elif not event.themes and e.get("themes"):
        event.themes = e["themes"]  # a demo database seeded before editions had themes
    return event


def _clock_for(event: Event, clock: Clock) -> Clock:
    """A past edition's challenges are written as they were back then: an archive takes no changes now."""
    if not is_past(event, clock.now()):
        return clock
    return FixedClock(datetime.combine(event.starts_on - timedelta(days=30), time(12), tzinfo=UTC))


async def _account(db: AsyncSession, a: dict[str, Any], passwords: Passwords, now: datetime) -> Account:
    email = normalize_email(a["email"])
    account = await db.scalar(select(Account).where(Account.email == email))
    if account is None:
        account = Account(
            email=email,
            display_name=a["display_name"],
            password_hash=await passwords.hash(a["password"]),
            is_organizer=bool(a.get("is_organizer")),
            country=a.get("country"),
            locale="en",
            email_verified_at=now,
            terms_accepted_at=now,
            created_at=now,
        )
        db.add(account)
        await db.flush()
    return account


async def _host(db: AsyncSession, h: dict[str, Any], accounts: dict[str, Account], now: datetime) -> Host:
    host = await db.scalar(select(Host).where(Host.slug == h["slug"]))
    if host is None:
        host = Host(
            slug=h["slug"],
            name=h["name"],
            kind=HostKind(h["kind"]),
            country=h["country"],
            city=h.get("city"),
            website=h.get("website"),
            status=HostStatus.APPROVED,
            created_at=now,
        )
        db.add(host)
        await db.flush()
        for email in h["members"]:
            db.add(HostMember(host_id=host.id, account_id=accounts[email].id, created_at=now))
    return host


async def _challenge(
    db: AsyncSession, c: dict[str, Any], event: Event, host: Host, accounts: dict[str, Account], clock: Clock
) -> None:
    if await db.scalar(select(Challenge.id).where(Challenge.slug == c["slug"])) is not None:
        return
    member = await db.scalar(select(HostMember.account_id).where(HostMember.host_id == host.id).limit(1))
    assert member is not None
    actor = await load_account(db, member)

    def local(day: int, hhmm: str) -> datetime:
        return datetime.combine(event.starts_on + timedelta(days=day - 1), time.fromisoformat(hhmm))

    deadline = c.get("deadline")

    data = ChallengeIn(
        title=c["title"],
        summary=c["summary"],
        description=c.get("description", ""),
        language=c["language"],
        format=c["format"],
        timezone=c["timezone"],
        starts_at_local=local(c["day"], c["start"]),
        ends_at_local=local(c["end_day"], c["end"]),
        country=c.get("country"),
        city=c.get("city"),
        venue=c.get("venue"),
        capacity=c.get("capacity"),
        themes=c.get("themes", []),
        tags=c.get("tags", []),
        audiences=[Audience(a) for a in c.get("audiences", [])],
        meeting_url=c.get("meeting_url"),
        registration_deadline_local=local(deadline["day"], deadline["at"]) if deadline else None,
        min_team_size=c.get("min_team_size"),
        max_team_size=c.get("max_team_size"),
        agenda=[AgendaItemIn(local(i["day"], i["at"]), i["title"]) for i in c.get("agenda", [])],
    )
    challenge = await challenges.create_challenge(db, actor, host, event, data, clock)
    challenge.slug = c["slug"]
    challenge.host = host
    await challenges.publish_challenge(db, actor, challenge, clock)


async def _registration(
    db: AsyncSession, r: dict[str, Any], accounts: dict[str, Account], clock: Clock, settings: Settings
) -> None:
    account = accounts[r["email"]]
    challenge_id = await db.scalar(select(Challenge.id).where(Challenge.slug == r["challenge"]))
    existing = await db.scalar(
        select(Registration.id).where(
            Registration.challenge_id == challenge_id, Registration.account_id == account.id
        )
    )
    if existing is None:
        await registrations.join(
            db, account, r["challenge"], clock=clock, settings=settings, limiter=RateLimiter()
        )


async def send_mail(settings: Settings, once: bool) -> str:
    """Deliver the outbox: what is due now (--once), or until interrupted like the app's own sender."""
    engine = dbmod.create_engine(settings)
    try:
        sender = Sender(dbmod.create_sessionmaker(engine), settings, Clock)
        if once:
            done = await sender.deliver_due()
            return f"{done.sent} sent, {done.failed} failed (to be tried again later)."
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        await sender.run(stop)
        return "Stopped."
    finally:
        await engine.dispose()


async def create_organizer(settings: Settings, email: str, name: str, password: str) -> None:
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost)
    engine = dbmod.create_engine(settings)
    try:
        async with dbmod.create_sessionmaker(engine)() as db:
            await dbmod.begin_write(db)
            account = await db.scalar(select(Account).where(Account.email == normalize_email(email)))
            now = Clock().now()
            if account is None:
                account = Account(
                    email=normalize_email(email),
                    display_name=name,
                    locale="en",
                    created_at=now,
                    terms_accepted_at=now,
                    email_verified_at=now,  # created by whoever runs the server: trusted
                    password_hash=await passwords.hash(password),
                )
                db.add(account)
            account.is_organizer = True
            await db.commit()
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="digieduhack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed", help="load the demo data (idempotent)")
    org = sub.add_parser("create-organizer", help="create an organizer account, or make an account organizer")
    org.add_argument("--email", required=True)
    org.add_argument("--name", default="Organizer")
    sub.add_parser("check-schema", help="exit 1 if the database needs `alembic upgrade head`")
    mail = sub.add_parser("send-mail", help="deliver the e-mail outbox over DIGIEDUHACK_SMTP_URL")
    mail.add_argument("--once", action="store_true", help="send what is due now, then exit")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.command == "seed":
        shown = asyncio.run(seed(settings, json.loads(SEED_FILE.read_text())))
        print("Demo data loaded. Log in at", settings.base_url + "/login", "with:")
        for s in shown:
            print(f"  {s['role']:<38} {s['email']:<40} password: {s['password']}")
    elif args.command == "create-organizer":
        password = getpass.getpass("Password (10 characters or more): ")
        if len(password) < 10:
            raise SystemExit("The password must have at least 10 characters.")
        asyncio.run(create_organizer(settings, args.email, args.name, password))
        print(f"{args.email} is an organizer.")
    elif args.command == "check-schema":
        engine = dbmod.create_engine(settings)
        try:
            asyncio.run(dbmod.check_schema(engine))
        except dbmod.OutdatedSchema as exc:
            raise SystemExit(str(exc)) from exc
        print("The database schema is up to date.")
    elif args.command == "send-mail":
        if not settings.smtp_url:
            raise SystemExit("Set DIGIEDUHACK_SMTP_URL (smtp://user:password@host:587) to send e-mail.")
        print(asyncio.run(send_mail(settings, args.once)))


if __name__ == "__main__":
    main()
