"""Rosters: who may export what, one streaming row source, CSV safe for spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digieduhack.challenges.services import is_member
from digieduhack.clock import Clock
from digieduhack.errors import Forbidden, NotFound
from digieduhack.models import Account, AuditEntry, Challenge, Event, Host, Registration, RegistrationStatus

RosterSelect = Select[str, str, str, str, str | None, RegistrationStatus, datetime]
COLUMNS = ("name", "email", "challenge", "host", "country", "status", "registered_at")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ TAB or CR is prefixed with '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def authorize_event_roster(actor: Account) -> None:
    if not actor.is_organizer:
        raise Forbidden("Only organizers can export the roster of a whole event.")


async def authorize_challenge_roster(db: AsyncSession, actor: Account, slug: str) -> Challenge:
    challenge = await db.scalar(select(Challenge).where(Challenge.slug == slug))
    if challenge is None:
        raise NotFound(f"There is no challenge '{slug}'.")
    if not (actor.is_organizer or is_member(actor, challenge.host_id)):
        raise Forbidden("Only organizers and members of this challenge's host can export its roster.")
    return challenge


def roster_query(*, event_id: int | None = None, challenge_id: int | None = None) -> RosterSelect:
    stmt = (
        select(
            Account.display_name,
            Account.email,
            Challenge.title,
            Host.name,
            Account.country,
            Registration.status,
            Registration.created_at,
        )
        .join(Registration.account)
        .join(Registration.challenge)
        .join(Challenge.host)
        .order_by(Challenge.title, Challenge.id, Registration.id)
    )
    if event_id is not None:
        stmt = stmt.where(Challenge.event_id == event_id)
    if challenge_id is not None:
        stmt = stmt.where(Registration.challenge_id == challenge_id)
    return stmt


async def roster_rows(
    maker: async_sessionmaker[AsyncSession], stmt: RosterSelect
) -> AsyncIterator[tuple[Any, ...]]:
    """Rows straight from a server-side cursor, in their own session: constant memory for any size."""
    async with maker() as db:
        result = await db.stream(stmt.execution_options(yield_per=500))
        async for row in result:
            name, email, challenge, host, country, status, created_at = row
            yield (name, email, challenge, host, country or "", status.value, created_at.isoformat())


async def csv_stream(rows: AsyncIterator[tuple[Any, ...]]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    async for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        count += 1
        if count % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def record_export(db: AsyncSession, actor: Account, target: str, clock: Clock, **details: Any) -> None:
    db.add(
        AuditEntry(
            actor_id=actor.id, action="roster.export", target=target, details=details, created_at=clock.now()
        )
    )
    await db.flush()


async def event_export(db: AsyncSession, actor: Account, event: Event, clock: Clock) -> RosterSelect:
    authorize_event_roster(actor)
    await record_export(db, actor, f"event:{event.slug}", clock, format="csv")
    return roster_query(event_id=event.id)


async def challenge_export(
    db: AsyncSession, actor: Account, slug: str, clock: Clock
) -> tuple[Challenge, RosterSelect]:
    challenge = await authorize_challenge_roster(db, actor, slug)
    await record_export(db, actor, f"challenge:{challenge.slug}", clock, format="csv")
    return challenge, roster_query(challenge_id=challenge.id)
