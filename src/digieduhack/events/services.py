from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.errors import NotFound
from digieduhack.models import Event


async def current_event(db: AsyncSession) -> Event:
    """The edition shown by default: the one with the latest dates."""
    event = await db.scalar(select(Event).order_by(Event.starts_on.desc(), Event.id.desc()).limit(1))
    if event is None:
        raise NotFound("No event has been set up yet.")
    return event


async def get_event(db: AsyncSession, slug: str) -> Event:
    event = await db.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise NotFound(f"There is no event '{slug}'.")
    return event


async def list_events(db: AsyncSession) -> list[Event]:
    return list(await db.scalars(select(Event).order_by(Event.starts_on.desc())))
