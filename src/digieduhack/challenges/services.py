"""Challenges: the rules hosts meet when they create, edit and publish, and the public catalog."""

from __future__ import annotations

import math
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql import CompoundSelect, Select

from digieduhack.challenges.schemas import (
    AgendaItemIn,
    CatalogQuery,
    CatalogSort,
    ChallengeCancelIn,
    ChallengeIn,
    audiences_of,
)
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, DomainError, FieldErrors, Forbidden, NotFound
from digieduhack.events.services import require_open_edition
from digieduhack.models import (
    Account,
    AgendaItem,
    Audience,
    AuditEntry,
    Challenge,
    ChallengeFormat,
    ChallengeLabel,
    ChallengeNotice,
    ChallengeNoticeKind,
    ChallengeStatus,
    Event,
    Host,
    HostStatus,
    LabelKind,
    Registration,
    RegistrationStatus,
)
from digieduhack.outbox import messages
from digieduhack.registrations.services import end_all, fill_from_waitlist
from digieduhack.settings import Settings
from digieduhack.timezones import format_day, format_local, local_day_end, local_day_start, to_utc, zone
from digieduhack.web import FORMAT_LABELS


def slugify(text: str, max_length: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "challenge"


def is_member(actor: Account | None, host_id: int) -> bool:
    return actor is not None and any(m.host_id == host_id for m in actor.memberships)


def require_member(actor: Account, host_id: int) -> None:
    if not is_member(actor, host_id):
        raise Forbidden("Only members of this challenge's host can do this.")


def in_language(code: str) -> ColumnElement[bool]:
    """Challenges in this language (BCP 47, any case); a primary language also finds its variants."""
    code = code.lower()
    language = func.lower(Challenge.language)
    return or_(language == code, language.startswith(f"{code}-", autoescape=True))


def with_related(stmt: Select[Challenge], agenda: bool = True) -> Select[Challenge]:
    """Load what pages and the API show of a challenge: its host and event (joined), its labels and
    agenda (one more query each, whatever the number of challenges)."""
    stmt = stmt.options(
        joinedload(Challenge.host), joinedload(Challenge.event), selectinload(Challenge.labels)
    )
    return stmt.options(selectinload(Challenge.agenda)) if agenda else stmt


def may_see_meeting(viewer: Account | None, challenge: Challenge, confirmed: bool) -> bool:
    """The meeting link is for confirmed participants (`confirmed`), the host's members and organizers."""
    return viewer is not None and (confirmed or viewer.is_organizer or is_member(viewer, challenge.host_id))


async def meeting_visible(db: AsyncSession, viewer: Account | None, challenges: list[Challenge]) -> set[int]:
    """Ids of the challenges whose meeting link the viewer may see: at most one query for any number."""
    if viewer is None:
        return set()
    asking = [c.id for c in challenges if c.meeting_url and not may_see_meeting(viewer, c, False)]
    confirmed = set()
    if asking:
        confirmed = set(
            await db.scalars(
                select(Registration.challenge_id).where(
                    Registration.account_id == viewer.id,
                    Registration.status == RegistrationStatus.CONFIRMED,
                    Registration.challenge_id.in_(asking),
                )
            )
        )
    return {c.id for c in challenges if may_see_meeting(viewer, c, c.id in confirmed)}


async def get_host(db: AsyncSession, slug: str) -> Host:
    host = await db.scalar(select(Host).where(Host.slug == slug))
    if host is None:
        raise NotFound(f"There is no host '{slug}'.")
    return host


async def get_challenge(db: AsyncSession, slug: str, viewer: Account | None = None) -> Challenge:
    """A challenge by slug; drafts exist only for their host's members and organizers."""
    challenge = await db.scalar(with_related(select(Challenge).where(Challenge.slug == slug)))
    if challenge is None or (
        challenge.status == ChallengeStatus.DRAFT
        and not is_member(viewer, challenge.host_id)
        and not (viewer and viewer.is_organizer)
    ):
        raise NotFound(f"There is no challenge '{slug}'.")
    return challenge


async def get_own_challenge(db: AsyncSession, actor: Account, slug: str) -> Challenge:
    """A challenge the actor's host owns: 404 if it does not exist, 403 if it belongs to another host."""
    challenge = await db.scalar(with_related(select(Challenge).where(Challenge.slug == slug)))
    if challenge is None:
        raise NotFound(f"There is no challenge '{slug}'.")
    require_member(actor, challenge.host_id)
    return challenge


DST_GAP = "This time does not exist in the time zone (the clocks change)."


def _utc(name: str, local: datetime | None, tz: ZoneInfo, errors: dict[str, str]) -> datetime | None:
    """A wall-clock time in tz as UTC; a time the clocks skip is an error on field `name`."""
    if local is None:
        return None
    value = to_utc(local, tz)
    if value is None:
        errors[name] = DST_GAP
    return value


def check(data: ChallengeIn, event: Event) -> dict[str, object]:
    """Apply the rules a form or API body must meet; returns the column values (with the labels and
    agenda rows) or raises FieldErrors naming every bad field."""
    errors: dict[str, str] = {}
    title = data.title.strip()
    if len(title) < 3:
        errors["title"] = "Must be at least 3 characters long."
    tz = zone(data.timezone)
    starts_at = ends_at = deadline = None
    agenda: list[AgendaItem] = []
    if tz is None:
        errors["timezone"] = f"'{data.timezone}' is not a known IANA time zone, e.g. Europe/Brussels."
    else:
        starts_at = _utc("starts_at_local", data.starts_at_local, tz, errors)
        ends_at = _utc("ends_at_local", data.ends_at_local, tz, errors)
        first = local_day_start(event.starts_on, tz)
        last = local_day_end(event.ends_on, tz)
        window = (
            f"{event.name} runs from {format_day(event.starts_on)} to {format_day(event.ends_on)} "
            f"in the challenge's own time zone ({data.timezone})."
        )
        if starts_at is not None and not first <= starts_at < last:
            errors["starts_at_local"] = f"The start must fall within the event's dates. {window}"
        if ends_at is not None and not first < ends_at <= last:
            errors["ends_at_local"] = f"The end must fall within the event's dates. {window}"
        if (
            starts_at is not None
            and ends_at is not None
            and ends_at <= starts_at
            and "ends_at_local" not in errors
        ):
            errors["ends_at_local"] = "The end must be after the start."
        deadline = _utc("registration_deadline_local", data.registration_deadline_local, tz, errors)
        if deadline is not None and ends_at is not None and deadline >= ends_at:
            errors["registration_deadline_local"] = "The registration deadline must be before the end."
        agenda = _agenda(data, tz, starts_at, ends_at, errors)
    if data.format != ChallengeFormat.ONLINE:
        if not (data.city or "").strip():
            errors["city"] = "Give the city of the venue (needed unless the challenge is online)."
        if not (data.country or "").strip():
            errors["country"] = "Give the country of the venue (needed unless the challenge is online)."
    meeting_url = _meeting_url(data.meeting_url, errors)
    if data.min_team_size and data.max_team_size and data.max_team_size < data.min_team_size:
        errors["max_team_size"] = (
            f"The largest team size must be at least the smallest ({data.min_team_size})."
        )
    labels = _labels(data, event, errors)
    if errors:
        raise FieldErrors(errors)
    return {
        "title": title,
        "summary": data.summary.strip(),
        "description": data.description,
        "language": data.language,
        "format": data.format,
        "timezone": data.timezone,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "country": data.country.upper() if data.country else None,
        "city": (data.city or "").strip() or None,
        "venue": (data.venue or "").strip() or None,
        "capacity": data.capacity,
        "meeting_url": meeting_url,
        "registration_deadline": deadline,
        "min_team_size": data.min_team_size,
        "max_team_size": data.max_team_size,
        "labels": labels,
        "agenda": agenda,
    }


def _meeting_url(url: str | None, errors: dict[str, str]) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or re.search(r"\s", url):
        errors["meeting_url"] = "Enter a web link starting with https:// (or http://)."
    return url


def _labels(data: ChallengeIn, event: Event, errors: dict[str, str]) -> list[ChallengeLabel]:
    """The themes (spelt as in the event's list), tags (trimmed, lower-cased) and audiences (anyone
    when none is given), each once."""
    known = {t.casefold(): t for t in event.themes}
    themes: dict[str, None] = {}
    for theme in data.themes:
        if (found := known.get(theme.strip().casefold())) is None:
            allowed = "; ".join(event.themes) if event.themes else "none (this edition has no themes)"
            errors["themes"] = f"'{theme}' is not a theme of {event.name}. The themes are: {allowed}."
            break
        themes[found] = None
    tags: dict[str, None] = {}
    for tag in data.tags:
        value = " ".join(tag.split()).lower()
        if len(value) < 2 or "," in value:
            errors["tags"] = (
                f"'{tag.strip()}' is too short: a tag has 2 to 40 characters."
                if len(value) < 2
                else f"'{tag.strip()}' contains a comma: give each tag separately."
            )
            break
        tags[value] = None
    audiences = dict.fromkeys(data.audiences or [Audience.ANYONE])
    return [
        *(ChallengeLabel(kind=LabelKind.THEME, value=t) for t in themes),
        *(ChallengeLabel(kind=LabelKind.TAG, value=t) for t in tags),
        *(ChallengeLabel(kind=LabelKind.AUDIENCE, value=a.value) for a in audiences),
    ]


def _agenda(
    data: ChallengeIn,
    tz: ZoneInfo,
    starts_at: datetime | None,
    ends_at: datetime | None,
    errors: dict[str, str],
) -> list[AgendaItem]:
    """Agenda rows in UTC, by time; each must fall between the challenge's start and end."""
    items: list[AgendaItem] = []
    for n, item in enumerate(data.agenda):
        at = _utc(f"agenda[{n}].at_local", item.at_local, tz, errors)
        if at is not None and starts_at and ends_at and not starts_at <= at <= ends_at:
            errors[f"agenda[{n}].at_local"] = "The time must fall between the challenge's start and end."
        title = item.title.strip()
        if not title:
            errors[f"agenda[{n}].title"] = "Give this moment a title."
        if at is not None:
            items.append(AgendaItem(starts_at=at, title=title))
    return sorted(items, key=lambda i: i.starts_at)


async def create_challenge(
    db: AsyncSession, actor: Account, host: Host, event: Event, data: ChallengeIn, clock: Clock
) -> Challenge:
    require_member(actor, host.id)
    require_open_edition(event, clock)
    values = check(data, event)
    now = clock.now()
    challenge = Challenge(
        event=event,
        host=host,
        slug=f"{slugify(data.title)}-{secrets.token_hex(3)}",
        status=ChallengeStatus.DRAFT,
        confirmed_count=0,
        waitlisted_count=0,
        created_at=now,
        updated_at=now,
        **values,
    )
    db.add(challenge)
    await db.flush()
    return challenge


def as_input(c: Challenge, days: int = 0) -> ChallengeIn:
    """The ChallengeIn that describes challenge `c` (what its edit form shows), its wall-clock times
    moved by `days` (a copy in another edition)."""
    tz = ZoneInfo(c.timezone)
    shift = timedelta(days=days)

    def local(at: datetime) -> datetime:
        return at.astimezone(tz).replace(tzinfo=None) + shift

    return ChallengeIn(
        title=c.title,
        summary=c.summary,
        description=c.description,
        language=c.language,
        format=c.format,
        timezone=c.timezone,
        starts_at_local=local(c.starts_at),
        ends_at_local=local(c.ends_at),
        country=c.country,
        city=c.city,
        venue=c.venue,
        capacity=c.capacity,
        themes=c.label_values(LabelKind.THEME),
        tags=c.label_values(LabelKind.TAG),
        audiences=audiences_of(c),
        meeting_url=c.meeting_url,
        registration_deadline_local=local(c.registration_deadline) if c.registration_deadline else None,
        min_team_size=c.min_team_size,
        max_team_size=c.max_team_size,
        agenda=[AgendaItemIn(at_local=local(i.starts_at), title=i.title) for i in c.agenda],
    )


def copy_input(actor: Account, source: Challenge, host: Host, event: Event) -> ChallengeIn:
    """A new challenge of `host` in `event`, from one of the host's challenges of an earlier edition:
    the same wall-clock times, moved by the days between the two editions' starts; only the themes the
    new edition still has."""
    require_member(actor, source.host_id)
    if source.host_id != host.id:
        raise Forbidden(f"“{source.title}” belongs to another host: copy it from that host's dashboard.")
    if source.event_id == event.id:
        raise Conflict(f"“{source.title}” is already part of {event.name}: edit it instead of copying it.")
    if source.event.starts_on >= event.starts_on:
        raise Conflict(f"Only challenges of an edition before {event.name} can be copied into it.")
    data = as_input(source, (event.starts_on - source.event.starts_on).days)
    known = {t.casefold() for t in event.themes}
    return msgspec.structs.replace(data, themes=[t for t in data.themes if t.casefold() in known])


async def copy_challenge(
    db: AsyncSession, actor: Account, source: Challenge, event: Event, clock: Clock
) -> Challenge:
    """A draft in `event` copied from `source` (copy_input), checked like any new challenge."""
    data = copy_input(actor, source, source.host, event)
    return await create_challenge(db, actor, source.host, event, data, clock)


async def update_challenge(
    db: AsyncSession,
    actor: Account,
    challenge: Challenge,
    data: ChallengeIn,
    clock: Clock,
    settings: Settings,
) -> Challenge:
    require_member(actor, challenge.host_id)
    require_open_edition(challenge.event, clock)
    if challenge.status in (ChallengeStatus.CANCELLED,):
        raise Conflict("A cancelled challenge cannot be edited.")
    values = check(data, challenge.event)
    # the counts below must not move under us: lock the row as joining and cancelling do
    await db.refresh(challenge, ["capacity", "confirmed_count", "waitlisted_count"], with_for_update=True)
    capacity = values["capacity"]
    if isinstance(capacity, int) and capacity < challenge.confirmed_count:
        raise FieldErrors(
            {
                "capacity": f"{challenge.confirmed_count} participants are already confirmed: "
                f"the capacity cannot be lower than that."
            }
        )
    before = _time_and_place(challenge)
    for key, value in values.items():
        setattr(challenge, key, value)
    challenge.updated_at = clock.now()
    if challenge.status in (ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED):
        # registrants hear of a new time or place by e-mail
        notices = [
            ChallengeNotice(
                challenge_id=challenge.id,
                kind=kind,
                message=message,
                created_at=challenge.updated_at,
                created_by_id=actor.id,
            )
            for kind, message in _changes(before, _time_and_place(challenge))
        ]
        db.add_all(notices)
        await db.flush()
        await messages.challenge_notices(db, settings, clock, challenge, notices)
    # a raised capacity goes to the waitlist first: a newcomer must not jump ahead of it
    await fill_from_waitlist(db, challenge, clock, settings)
    await db.flush()
    return challenge


async def publish_challenge(
    db: AsyncSession, actor: Account, challenge: Challenge, clock: Clock
) -> Challenge:
    require_member(actor, challenge.host_id)
    require_open_edition(challenge.event, clock)
    if challenge.host.status != HostStatus.APPROVED:
        raise Conflict(
            "Your host is not approved yet: challenges can be published once an organizer approves it."
        )
    if challenge.status == ChallengeStatus.PUBLISHED:
        raise Conflict("This challenge is already published.")
    if challenge.status != ChallengeStatus.DRAFT:
        raise Conflict(f"A {challenge.status.value} challenge cannot be published.")
    challenge.status = ChallengeStatus.PUBLISHED
    challenge.updated_at = clock.now()
    await db.flush()
    return challenge


@dataclass(frozen=True)
class _TimeAndPlace:
    timezone: str
    starts_at: datetime
    ends_at: datetime
    format: ChallengeFormat
    venue: str | None
    city: str | None
    country: str | None

    def times(self) -> str:
        start = format_local(self.starts_at, self.timezone)
        end = format_local(self.ends_at, self.timezone)
        return f"{start} – {end} ({self.timezone})"

    def place(self) -> str:
        where = ", ".join(p for p in (self.venue, self.city, self.country) if p)
        label = FORMAT_LABELS[self.format]
        return f"{label}, {where}" if where else label


def _time_and_place(c: Challenge) -> _TimeAndPlace:
    return _TimeAndPlace(c.timezone, c.starts_at, c.ends_at, c.format, c.venue, c.city, c.country)


def _changes(old: _TimeAndPlace, new: _TimeAndPlace) -> list[tuple[ChallengeNoticeKind, str]]:
    """The notices an edit calls for: the old and new times (each in its zone), the old and new place."""
    notices: list[tuple[ChallengeNoticeKind, str]] = []
    if (old.starts_at, old.ends_at) != (new.starts_at, new.ends_at):
        notices.append(
            (ChallengeNoticeKind.TIME_CHANGED, f"The time changed: was {old.times()}; now {new.times()}.")
        )
    if (old.format, old.venue, old.city, old.country) != (new.format, new.venue, new.city, new.country):
        notices.append(
            (ChallengeNoticeKind.PLACE_CHANGED, f"The place changed: was {old.place()}; now {new.place()}.")
        )
    return notices


async def _lock_status(db: AsyncSession, challenge: Challenge) -> None:
    """Read the status (and the kept counts) again under a row lock: a concurrent close or cancel must not
    be overwritten, nor a join that committed since the row was read."""
    await db.refresh(challenge, ["status", "confirmed_count", "waitlisted_count"], with_for_update=True)


def _audit(actor: Account, action: str, challenge: Challenge, details: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        actor_id=actor.id,
        action=action,
        target=f"challenge:{challenge.slug}",
        details=details,
        created_at=challenge.updated_at,
    )


async def close_challenge(db: AsyncSession, actor: Account, challenge: Challenge, clock: Clock) -> Challenge:
    """Close registration of a published challenge: it stays in the catalog, nobody can join it."""
    require_member(actor, challenge.host_id)
    require_open_edition(challenge.event, clock)
    await _lock_status(db, challenge)
    if challenge.status == ChallengeStatus.CLOSED:
        raise Conflict("Registration for this challenge is already closed.")
    if challenge.status == ChallengeStatus.DRAFT:
        raise Conflict("A draft cannot be closed: publish it first, or cancel it.")
    if challenge.status == ChallengeStatus.CANCELLED:
        raise Conflict("A cancelled challenge cannot be closed.")
    challenge.status = ChallengeStatus.CLOSED
    challenge.updated_at = clock.now()
    db.add(_audit(actor, "challenge.close", challenge, {}))
    await db.flush()
    return challenge


async def cancel_challenge(
    db: AsyncSession,
    actor: Account,
    challenge: Challenge,
    data: ChallengeCancelIn,
    clock: Clock,
    settings: Settings,
) -> Challenge:
    """Cancel a challenge (draft, published or closed) with a message to its registrants."""
    require_member(actor, challenge.host_id)
    require_open_edition(challenge.event, clock)
    message = data.message.strip()
    if len(message) < 10:
        raise FieldErrors({"message": "Tell the registrants why, in at least 10 characters."})
    await _lock_status(db, challenge)
    if challenge.status == ChallengeStatus.CANCELLED:
        raise Conflict("This challenge is already cancelled.")
    previous = challenge.status
    challenge.status = ChallengeStatus.CANCELLED
    challenge.updated_at = challenge.cancelled_at = clock.now()
    challenge.cancellation_message = message
    notice = ChallengeNotice(
        challenge_id=challenge.id,
        kind=ChallengeNoticeKind.CANCELLED,
        message=message,
        created_at=challenge.cancelled_at,
        created_by_id=actor.id,
    )
    db.add(notice)
    await db.flush()
    # tell every registrant, then end their registrations: they are free to join another challenge
    await messages.challenge_notices(db, settings, clock, challenge, [notice])
    ended = await end_all(db, challenge, clock)
    details = {"from": previous.value, "message": message, "registrations_ended": ended}
    db.add(_audit(actor, "challenge.cancel", challenge, details))
    await db.flush()
    return challenge


@dataclass(frozen=True)
class Page:
    items: list[Challenge]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


LISTED = (ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED)
_WORD = re.compile(r"[^\W_]+")


def search_words(q: str | None) -> list[str]:
    """The words of a search, lower-cased: letters and digits only, so nothing in them is syntax."""
    return _WORD.findall(q.lower()) if q else []


def text_search(dialect: str, words: list[str]) -> ColumnElement[bool]:
    """Every word is found in the title, summary or description (a word matches as a prefix on
    PostgreSQL, where full-text search uses the 'simple' configuration: challenges come in many
    languages; on SQLite, anywhere in the text, case-insensitively for ASCII)."""
    if dialect == "postgresql":
        # the stored tsvector column of migration 0005 (models.POSTGRESQL_ONLY), with its GIN index
        document: ColumnElement[Any] = literal_column("challenges.search_document")
        tsquery = " & ".join(f"'{w}':*" for w in words)
        return document.bool_op("@@")(func.to_tsquery(literal_column("'simple'"), tsquery))
    return and_(
        *(
            or_(
                *(
                    column.icontains(w, autoescape=True)
                    for column in (Challenge.title, Challenge.summary, Challenge.description)
                )
            )
            for w in words
        )
    )


def has_label(kind: LabelKind, *values: str) -> ColumnElement[bool]:
    """EXISTS a label row of this kind with one of these values (index ix_challenge_labels_kind_value)."""
    return (
        select(ChallengeLabel.challenge_id)
        .where(ChallengeLabel.kind == kind, ChallengeLabel.value.in_(values))
        .where(ChallengeLabel.challenge_id == Challenge.id)
        .exists()
    )


def catalog_filters(dialect: str, event: Event, query: CatalogQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Challenge.event_id == event.id, Challenge.status.in_(LISTED)]
    if words := search_words(query.q):
        where.append(text_search(dialect, words))
    if query.country:
        where.append(Challenge.country == query.country.upper())
    if query.language:
        # 'pt' finds 'pt' and 'pt-BR'; 'pt-BR' finds 'pt-BR' only
        where.append(in_language(query.language))
    if query.format:
        where.append(Challenge.format == query.format)
    if query.host_kind:
        where.append(Challenge.host.has(Host.kind == query.host_kind))
    if query.theme:
        # the event's spelling of the theme, whatever the case asked for
        theme = next((t for t in event.themes if t.casefold() == query.theme.casefold()), query.theme)
        where.append(has_label(LabelKind.THEME, theme))
    if query.audience:
        # a challenge open to anyone welcomes students too
        where.append(has_label(LabelKind.AUDIENCE, query.audience.value, Audience.ANYONE.value))
    if query.free:
        # places one can still take: registration open (not closed) and the capacity not reached
        where.append(Challenge.status == ChallengeStatus.PUBLISHED)
        where.append(or_(Challenge.capacity.is_(None), Challenge.confirmed_count < Challenge.capacity))
    return where


_ORDER = {
    CatalogSort.START: (Challenge.starts_at, Challenge.id),
    CatalogSort.TITLE: (func.lower(Challenge.title), Challenge.starts_at, Challenge.id),
    CatalogSort.NEWEST: (Challenge.created_at.desc(), Challenge.id.desc()),
}


async def catalog(
    db: AsyncSession, event: Event, query: CatalogQuery, default_per_page: int = 20, agenda: bool = True
) -> Page:
    """One page of the event's listed challenges that pass the query's filters: four queries (three
    without the agenda: the count, the page, its labels)."""
    per_page = query.per_page or default_per_page
    where = catalog_filters(db.get_bind().dialect.name, event, query)
    total = await db.scalar(select(func.count()).select_from(Challenge).where(*where)) or 0
    rows = await db.scalars(
        with_related(select(Challenge).where(*where), agenda)
        .order_by(*_ORDER[query.sort])
        .limit(per_page)
        .offset((query.page - 1) * per_page)
    )
    return Page(items=list(rows), page=query.page, per_page=per_page, total=total)


# a calendar file or a schedule holds at most this many challenges: calendar apps give up on more
MAX_IN_ONE_VIEW = 2000


class TooMany(DomainError):
    status_code = 400
    title = "Too many challenges"


async def catalog_all(db: AsyncSession, event: Event, query: CatalogQuery) -> list[Challenge]:
    """Every challenge that passes the query's filters (not a page), by start time, in one query; more than
    MAX_IN_ONE_VIEW raises TooMany."""
    where = catalog_filters(db.get_bind().dialect.name, event, query)
    rows = list(
        await db.scalars(
            with_related(select(Challenge).where(*where), agenda=False)
            .order_by(Challenge.starts_at, Challenge.id)
            .limit(MAX_IN_ONE_VIEW + 1)
        )
    )
    if len(rows) > MAX_IN_ONE_VIEW:
        raise TooMany(
            f"More than {MAX_IN_ONE_VIEW:,} challenges match: one view holds at most {MAX_IN_ONE_VIEW:,} "
            "(calendar apps give up on more). Narrow the filters, e.g. by country or format."
        )
    return rows


@dataclass(frozen=True)
class Facets:
    """The values the catalog's filters can take in an event: those its listed challenges have."""

    countries: list[str]
    languages: list[str]


async def catalog_facets(db: AsyncSession, event: Event) -> Facets:
    """Countries and languages of the event's listed challenges, in one query."""
    listed = (Challenge.event_id == event.id, Challenge.status.in_(LISTED))
    both: CompoundSelect[Any] = union(
        select(literal_column("'country'").label("kind"), Challenge.country.label("value")).where(
            *listed, Challenge.country.is_not(None)
        ),
        select(literal_column("'language'"), Challenge.language).where(*listed),
    )
    rows: list[tuple[str, str]] = [(str(kind), str(value)) for kind, value in await db.execute(both)]
    countries: set[str] = set()
    languages: dict[str, str] = {}  # one spelling per tag: 'pt-br' and 'pt-BR' are the same language
    for kind, value in rows:
        if kind == "country":
            countries.add(value.upper())
        else:
            languages.setdefault(value.lower(), value)
    return Facets(countries=sorted(countries), languages=sorted(languages.values()))


async def listed_challenges(db: AsyncSession, event: Event) -> list[Challenge]:
    """Every listed (published or closed) challenge of an event, by start time, unpaginated (.ics files)."""
    rows = await db.scalars(
        with_related(
            select(Challenge).where(Challenge.event_id == event.id, Challenge.status.in_(LISTED))
        ).order_by(Challenge.starts_at, Challenge.id)
    )
    return list(rows)


async def host_challenges(db: AsyncSession, actor: Account) -> list[Challenge]:
    host_ids = [m.host_id for m in actor.memberships]
    if not host_ids:
        return []
    rows = await db.scalars(
        with_related(select(Challenge).where(Challenge.host_id.in_(host_ids))).order_by(
            Challenge.host_id, Challenge.starts_at
        )
    )
    return list(rows)
