"""Follow the sun: every listed challenge of an event on one UTC timeline (the catalog's filters apply)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

from babel.dates import format_datetime
from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.auth import PUBLIC
from digieduhack.challenges import services
from digieduhack.challenges.api import catalog_event
from digieduhack.challenges.pages import FILTER_LABELS
from digieduhack.challenges.schemas import CatalogQuery
from digieduhack.clock import Clock
from digieduhack.events.services import get_event
from digieduhack.models import Challenge, Event
from digieduhack.timezones import babel_locale
from digieduhack.web import render

# a date begins first at UTC+14 (Kiritimati) and ends last at UTC-12: the event's dates somewhere on Earth
EARLIEST, LATEST = timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))
HOUR = timedelta(hours=1)
LABEL_EVERY = 6  # hours between two labelled ticks


@dataclass(frozen=True)
class Bar:
    challenge: Challenge
    left: float  # percent of the timeline's width
    width: float


@dataclass(frozen=True)
class Tick:
    at: datetime
    left: float
    label: str | None  # every LABEL_EVERY hours: "Tue 10 Nov" at midnight UTC, "06:00" else


@dataclass(frozen=True)
class Timeline:
    starts_at: datetime
    ends_at: datetime
    bars: list[Bar]
    ticks: list[Tick]
    now: float | None  # where the current time falls, if it does


def event_window(event: Event) -> tuple[datetime, datetime]:
    """From the moment the event's first day begins anywhere to the moment its last day ends everywhere."""
    first = datetime.combine(event.starts_on, time(0), tzinfo=EARLIEST)
    last = datetime.combine(event.ends_on + timedelta(days=1), time(0), tzinfo=LATEST)
    return first.astimezone(UTC), last.astimezone(UTC)


def _floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _ceil(moment: datetime) -> datetime:
    return moment if _floor(moment) == moment else _floor(moment) + HOUR


def _tick_label(moment: datetime, locale: str = "en") -> str | None:
    if moment.hour % LABEL_EVERY:
        return None
    return format_datetime(
        moment, "EEE d MMM" if moment.hour == 0 else "HH:mm", tzinfo=UTC, locale=babel_locale(locale)
    )


def timeline(event: Event, challenges: list[Challenge], now: datetime) -> Timeline:
    """Bars by start time (one row each, in this order) on the event's window, widened to whole hours
    if a challenge falls outside it."""
    start, end = event_window(event)
    if challenges:
        start = min(start, _floor(min(c.starts_at for c in challenges)))
        end = max(end, _ceil(max(c.ends_at for c in challenges)))
    span = (end - start).total_seconds()

    def at(moment: datetime) -> float:
        return round(100 * (moment - start).total_seconds() / span, 3)

    ordered = sorted(challenges, key=lambda c: (c.starts_at, c.ends_at, c.id))
    bars = [Bar(c, at(c.starts_at), round(at(c.ends_at) - at(c.starts_at), 3)) for c in ordered]
    hours = int(span // 3600)
    ticks = [Tick(t, at(t), _tick_label(t)) for t in (start + i * HOUR for i in range(hours + 1))]
    return Timeline(start, end, bars, ticks, at(now) if start <= now <= end else None)


async def _schedule(
    request: Request[Any, Any, Any],
    db: AsyncSession,
    event: Event,
    clock: Clock,
    viewer_zone: str | None,
    parsed: tuple[CatalogQuery, dict[str, str]],
) -> Response[Any]:
    query, errors = parsed
    challenges = await services.catalog_all(db, event, query)
    now = clock.now()
    context = {
        "event": event,
        "query": query,
        "errors": errors,
        "labels": FILTER_LABELS,
        "timeline": timeline(event, challenges, now),
        "now": now,
        "viewer_zone": viewer_zone,
    }
    return render(request, "challenges/schedule.html", context, status_code=400 if errors else 200)


@get("/schedule", opt=PUBLIC, include_in_schema=False)
async def schedule_page(
    request: Request[Any, Any, Any], db: AsyncSession, clock: Clock, viewer_zone: str | None
) -> Response[Any]:
    """The current event's schedule (or the one named by ?event=), with the catalog's filters."""
    parsed = CatalogQuery.parse(request.query_params)  # the catalog's parameters (/challenges)
    return await _schedule(request, db, await catalog_event(db, parsed[0], clock), clock, viewer_zone, parsed)


@get("/events/{event_slug:str}/schedule", opt=PUBLIC, include_in_schema=False)
async def event_schedule_page(
    request: Request[Any, Any, Any], db: AsyncSession, event_slug: str, clock: Clock, viewer_zone: str | None
) -> Response[Any]:
    """An event's schedule; the path names the event (an `event` parameter is ignored)."""
    event = await get_event(db, event_slug)
    return await _schedule(request, db, event, clock, viewer_zone, CatalogQuery.parse(request.query_params))


handlers = [schedule_page, event_schedule_page]
