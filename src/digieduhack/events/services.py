"""Editions: which one is current, when one becomes a read-only archive, and how organizers set them up.

An edition's dates are local dates: it runs on them in every host's own time zone. So its last day is
over everywhere only when it is over in the last time zone on Earth, UTC-12: at noon UTC the day after.
From that instant on the edition is past, and past editions are archives nobody can change.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import Clock
from digieduhack.errors import Conflict, FieldErrors, Forbidden, NotFound
from digieduhack.events.schemas import EventIn
from digieduhack.models import Account, AuditEntry, Challenge, ChallengeStatus, Event
from digieduhack.timezones import format_day, local_day_end, local_day_start

MAX_DAYS = 7
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_THEMES = 20


def over_everywhere_at(last_day: date) -> datetime:
    """The instant a local date is over in every time zone: midnight at UTC-12, noon UTC the day after."""
    return datetime.combine(last_day + timedelta(days=1), time(12, 0), tzinfo=UTC)


def is_past(event: Event, now: datetime) -> bool:
    """Past (a read-only archive) once the edition's last day is over everywhere on Earth."""
    return now >= over_everywhere_at(event.ends_on)


def require_open_edition(event: Event, clock: Clock) -> None:
    """The one check every change to a challenge or a registration makes: past editions are archives."""
    if is_past(event, clock.now()):
        raise Conflict(f"{event.name} is over: its challenges are an archive and can't be changed.")


def require_editable(event: Event, clock: Clock) -> None:
    """An edition itself can change until it is past."""
    if is_past(event, clock.now()):
        raise Conflict(f"{event.name} is over: past editions are an archive and can't be changed.")


async def list_events(db: AsyncSession) -> list[Event]:
    """Every edition, newest first."""
    return list(await db.scalars(select(Event).order_by(Event.starts_on.desc(), Event.id.desc())))


def pick_current(events: list[Event], now: datetime) -> Event | None:
    """The edition under way or, if none, the next one to come (the earliest that is not past);
    when every edition is past, the latest of them."""
    open_ = [e for e in events if not is_past(e, now)]
    if open_:
        return min(open_, key=lambda e: (e.starts_on, e.id))
    return max(events, key=lambda e: (e.starts_on, e.id), default=None)


def find_event(events: list[Event], slug: str | None, now: datetime) -> Event:
    """Among `events`, the one named `slug`, or the current one when no slug is given (see pick_current)."""
    if slug is not None:
        for event in events:
            if event.slug == slug:
                return event
        raise unknown_event(slug)
    current = pick_current(events, now)
    if current is None:
        raise NotFound("No event has been set up yet.")
    return current


async def current_event(db: AsyncSession, clock: Clock) -> Event:
    """The edition shown by default (see pick_current); editions are few, one a year."""
    return find_event(await list_events(db), None, clock.now())


async def open_edition(db: AsyncSession, clock: Clock) -> Event:
    """The current edition, for new challenges: refused when it is past (no next edition set up yet)."""
    event = await current_event(db, clock)
    if is_past(event, clock.now()):
        raise Conflict(
            f"There is no open edition: {event.name} is over and the next one is not set up yet. "
            "New challenges can be created once the organizers set it up."
        )
    return event


async def get_event(db: AsyncSession, slug: str) -> Event:
    event = await db.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise unknown_event(slug)
    return event


def unknown_event(slug: str) -> NotFound:
    return NotFound(f"There is no event '{slug}'.")


# --- organizers set editions up ---------------------------------------------------------------------
def _require_organizer(actor: Account) -> None:
    if not actor.is_organizer:
        raise Forbidden("Only organizers can set up editions.")


def _clean_themes(themes: list[str]) -> tuple[list[str], str | None]:
    """The themes trimmed, or the reason they are refused."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in themes:
        theme = " ".join(raw.split())
        if any(unicodedata.category(ch) == "Cc" for ch in raw if ch not in "\t\n\r"):
            return cleaned, "A theme contains characters that are not allowed."
        if not 2 <= len(theme) <= 40:
            return cleaned, f"Each theme has 2 to 40 characters: '{theme[:40]}' does not fit."
        if theme.casefold() in seen:
            return cleaned, f"'{theme}' is listed twice."
        seen.add(theme.casefold())
        cleaned.append(theme)
    if len(cleaned) > MAX_THEMES:
        return cleaned, f"At most {MAX_THEMES} themes (got {len(cleaned)})."
    return cleaned, None


def check(data: EventIn, now: datetime) -> dict[str, Any]:
    """The rules an edition meets, from a form or the API; returns the column values or raises FieldErrors."""
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if len(name) < 3:
        errors["name"] = "Must be at least 3 characters long."
    for field, day in (("starts_on", data.starts_on), ("ends_on", data.ends_on)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            errors[field] = f"Give a date between {FIRST_YEAR} and {LAST_YEAR}."
    if not errors.keys() & {"starts_on", "ends_on"}:
        days = (data.ends_on - data.starts_on).days + 1
        if days < 1:
            errors["ends_on"] = "The last day cannot be before the first day."
        elif days > MAX_DAYS:
            errors["ends_on"] = f"An edition lasts at most {MAX_DAYS} days (these dates span {days})."
        elif now >= over_everywhere_at(data.ends_on):
            errors["ends_on"] = "This day is already over everywhere: an edition's dates are still to come."
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if "ends_on" not in errors:
        bound = over_everywhere_at(data.ends_on)
        by = f"{bound:%d %B %Y, %H:%M} UTC, when the last day is over everywhere"
        if opens is not None and opens >= bound:
            errors["registration_opens_at"] = f"Registration must open before {by}."
        if closes is not None and closes > bound:
            errors["registration_closes_at"] = f"Registration must close by {by}."
    if opens is not None and closes is not None and closes <= opens:
        errors.setdefault("registration_closes_at", "Registration must close after it opens.")
    themes, problem = _clean_themes(data.themes)
    if problem:
        errors["themes"] = problem
    if errors:
        raise FieldErrors(errors)
    return {
        "slug": data.slug,
        "name": name,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "registration_opens_at": opens.astimezone(UTC) if opens else None,
        "registration_closes_at": closes.astimezone(UTC) if closes else None,
        "themes": themes,
    }


async def _require_free_slug(db: AsyncSession, slug: str, event_id: int | None = None) -> None:
    stmt = select(Event.id).where(Event.slug == slug)
    if event_id is not None:
        stmt = stmt.where(Event.id != event_id)
    if await db.scalar(stmt) is not None:
        raise FieldErrors({"slug": f"There is already an edition '{slug}': choose another slug."})


def _challenges(n: int) -> str:
    return "1 challenge" if n == 1 else f"{n} challenges"


async def _require_challenges_inside(db: AsyncSession, event: Event, starts_on: date, ends_on: date) -> None:
    """New dates keep every challenge of the edition (but cancelled ones) within them, in its own zone."""
    rows = await db.execute(
        select(Challenge.timezone, Challenge.starts_at, Challenge.ends_at).where(
            Challenge.event_id == event.id, Challenge.status != ChallengeStatus.CANCELLED
        )
    )
    early = late = 0
    for tz_name, starts_at, ends_at in rows:
        tz = ZoneInfo(tz_name)
        early += starts_at < local_day_start(starts_on, tz)
        late += ends_at > local_day_end(ends_on, tz)
    errors: dict[str, str] = {}
    if early:
        errors["starts_on"] = (
            f"{_challenges(early)} of this edition would start before {format_day(starts_on)} in "
            "their own time zone: move or cancel them first."
        )
    if late:
        errors["ends_on"] = (
            f"{_challenges(late)} of this edition would end after {format_day(ends_on)} in "
            "their own time zone: move or cancel them first."
        )
    if errors:
        raise FieldErrors(errors)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _audit(actor: Account, action: str, event: Event, details: dict[str, Any], now: datetime) -> AuditEntry:
    return AuditEntry(
        actor_id=actor.id, action=action, target=f"event:{event.slug}", details=details, created_at=now
    )


async def create_event(db: AsyncSession, actor: Account, data: EventIn, clock: Clock) -> Event:
    _require_organizer(actor)
    now = clock.now()
    values = check(data, now)
    await _require_free_slug(db, data.slug)
    event = Event(**values, created_at=now)
    db.add(event)
    await db.flush()
    db.add(_audit(actor, "event.create", event, {k: _jsonable(v) for k, v in values.items()}, now))
    await db.flush()
    return event


async def update_event(db: AsyncSession, actor: Account, event: Event, data: EventIn, clock: Clock) -> Event:
    """Change an edition that is not over yet; its challenges must stay within its new dates."""
    _require_organizer(actor)
    require_editable(event, clock)
    now = clock.now()
    values = check(data, now)
    await _require_free_slug(db, data.slug, event.id)
    await _require_challenges_inside(db, event, data.starts_on, data.ends_on)
    changes = {
        k: [_jsonable(getattr(event, k)), _jsonable(v)] for k, v in values.items() if getattr(event, k) != v
    }
    for key, value in values.items():
        setattr(event, key, value)
    db.add(_audit(actor, "event.update", event, {"changes": changes}, now))
    await db.flush()
    return event
