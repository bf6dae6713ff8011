"""Numbers at a glance (issue 6): an edition's dashboard for organizers, a host's for its members, and the
hosts' readiness with reminders.

Every number is an SQL aggregate (GROUP BY) over the scope's challenges and registrations: a fixed number of
queries whatever the size of the edition. Deleted accounts keep their (anonymised) rows, so their
registrations still count; their country is unknown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, cast, distinct, exists, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from digieduhack.challenges.services import LISTED, get_host, is_member
from digieduhack.clock import Clock
from digieduhack.dashboard.schemas import (
    Bucket,
    ChallengeCounts,
    ChallengeRef,
    Check,
    DashboardOut,
    DayCount,
    HostReadiness,
    ParticipantCounts,
    ReadinessOut,
    ReminderOut,
)
from digieduhack.errors import Conflict, Forbidden
from digieduhack.models import (
    ACTIVE_STATUSES,
    Account,
    AgendaItem,
    AuditEntry,
    Challenge,
    ChallengeLabel,
    ChallengeStatus,
    Event,
    Host,
    HostMember,
    HostStatus,
    LabelKind,
    Registration,
    RegistrationStatus,
)
from digieduhack.outbox.services import enqueue
from digieduhack.settings import Settings
from digieduhack.timezones import babel_locale, language_name
from digieduhack.web import FORMAT_LABELS, HOST_KIND_LABELS, N_

ACTIVE = ACTIVE_STATUSES
UNKNOWN = "unknown"
# the per-day series never grows beyond a year of days, however early the first registration
MAX_DAYS = 366
# a challenge page is complete with a description at least this long and at least one of the event's themes
DESCRIPTION_MIN = 200
REMIND_ACTION = "readiness.remind"


# --- who may see what -------------------------------------------------------------------------------
def require_organizer(actor: Account) -> None:
    if not actor.is_organizer:
        raise Forbidden("Only organizers can see the numbers of a whole edition.")


async def host_for_dashboard(db: AsyncSession, actor: Account, host_slug: str) -> Host:
    """The host, if the actor is one of its members or an organizer (a host never sees another's numbers)."""
    host = await get_host(db, host_slug)
    if not (actor.is_organizer or is_member(actor, host.id)):
        raise Forbidden(f"Only members of {host.name} and the organizers can see its numbers.")
    return host


# --- the dashboard ----------------------------------------------------------------------------------
def _utc_day(db: AsyncSession) -> ColumnElement[Any]:
    """Registration.created_at as its UTC day (PostgreSQL would use the session's zone otherwise)."""
    if db.get_bind().dialect.name == "postgresql":
        # written inline, not bound: the same expression in SELECT and GROUP BY must be the same text
        return cast(func.timezone(literal_column("'UTC'"), Registration.created_at), Date)
    return func.date(Registration.created_at)  # SQLite stores UTC without a zone: 'YYYY-MM-DD'


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def country_name(code: str) -> str:
    if code == UNKNOWN:
        return N_("Unknown")
    return str(babel_locale("en").territories.get(code.upper(), code))


def _buckets(rows: Iterable[Any], label: Any, with_challenges: bool = True) -> list[Bucket]:
    """Rows of (key, challenges, participants) as buckets, most participants first, then by label."""
    buckets = [
        Bucket(str(key), label(str(key)), int(participants), int(challenges) if with_challenges else None)
        for key, challenges, participants in rows
    ]
    return sorted(buckets, key=lambda b: (-b.participants, -(b.challenges or 0), b.label))


def days_between(counts: dict[date, int], event: Event, today: date) -> list[DayCount]:
    """Zero-filled UTC days from the first registration (or the opening of registration, if earlier) to the
    event's first day (or today, if earlier), extended to the last registration; at most MAX_DAYS."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    if event.registration_opens_at is not None:
        first = min(first, event.registration_opens_at.astimezone(UTC).date())
    last = max(last, min(today, event.starts_on))
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    span = (last - first).days + 1
    return [DayCount(d, counts.get(d, 0)) for d in (first + timedelta(days=i) for i in range(span))]


def _ref(c: Challenge) -> ChallengeRef:
    return ChallengeRef(
        c.slug,
        c.title,
        c.host.slug,
        c.host.name,
        c.status.value,
        c.capacity,
        c.confirmed_count,
        c.waitlisted_count,
        f"/challenges/{c.slug}",
    )


async def dashboard(db: AsyncSession, event: Event, clock: Clock, host: Host | None = None) -> DashboardOut:
    """The numbers of an edition, or of one host's challenges in it (authorise before calling)."""
    where: list[ColumnElement[bool]] = [Challenge.event_id == event.id]
    if host is not None:
        where.append(Challenge.host_id == host.id)
    not_cancelled = Challenge.status != ChallengeStatus.CANCELLED

    by_status = dict(
        (await db.execute(select(Challenge.status, func.count()).where(*where).group_by(Challenge.status)))
        .tuples()
        .all()
    )
    hosts = await db.scalar(select(func.count(distinct(Challenge.host_id))).where(*where, not_cancelled))
    registrations = {
        status: (count, checked_in)
        for status, count, checked_in in (
            await db.execute(
                select(Registration.status, func.count(), func.count(Registration.checked_in_at))
                .join(Challenge, Challenge.id == Registration.challenge_id)
                .where(*where)
                .group_by(Registration.status)
            )
        ).tuples()
    }
    # grouped by the stored column (a bound 'unknown' in SELECT and GROUP BY would differ on PostgreSQL)
    countries: dict[str, int] = defaultdict(int)
    for country, count in await db.execute(
        select(Account.country, func.count())
        .select_from(Registration)
        .join(Challenge, Challenge.id == Registration.challenge_id)
        .join(Account, Account.id == Registration.account_id)
        .where(*where, Registration.status.in_(ACTIVE))
        .group_by(Account.country)
    ):
        countries[country or UNKNOWN] += count

    def breakdown(column: Any, *joins: Any) -> Any:
        stmt = select(column, func.count(distinct(Challenge.id)), func.count(Registration.id)).select_from(
            Challenge
        )
        for join in joins:
            stmt = stmt.join(*join)
        return (
            stmt.outerjoin(
                Registration,
                and_(Registration.challenge_id == Challenge.id, Registration.status.in_(ACTIVE)),
            )
            .where(*where, not_cancelled)
            .group_by(column)
        )

    kinds = await db.execute(breakdown(Host.kind, (Host, Host.id == Challenge.host_id)))
    formats = await db.execute(breakdown(Challenge.format))
    languages = await db.execute(breakdown(Challenge.language))
    day = _utc_day(db)
    per_day = {
        _as_date(d): n
        for d, n in await db.execute(
            select(day, func.count())
            .select_from(Registration)
            .join(Challenge, Challenge.id == Registration.challenge_id)
            .where(*where)
            .group_by(day)
        )
    }
    spotlight = list(
        await db.scalars(
            select(Challenge)
            .options(joinedload(Challenge.host))
            .where(
                *where,
                Challenge.status.in_(LISTED),
                or_(
                    and_(Challenge.capacity.is_not(None), Challenge.confirmed_count >= Challenge.capacity),
                    Challenge.confirmed_count + Challenge.waitlisted_count == 0,
                ),
            )
            .order_by(Challenge.title, Challenge.id)
        )
    )
    counts = {s: by_status.get(s, 0) for s in ChallengeStatus}
    return DashboardOut(
        event_slug=event.slug,
        event_name=event.name,
        host_slug=host.slug if host else None,
        challenges=ChallengeCounts(
            total=sum(counts.values()),
            published=counts[ChallengeStatus.PUBLISHED],
            draft=counts[ChallengeStatus.DRAFT],
            closed=counts[ChallengeStatus.CLOSED],
            cancelled=counts[ChallengeStatus.CANCELLED],
        ),
        hosts=hosts or 0,
        participants=ParticipantCounts(
            confirmed=registrations.get(RegistrationStatus.CONFIRMED, (0, 0))[0],
            waitlisted=registrations.get(RegistrationStatus.WAITLISTED, (0, 0))[0],
            checked_in=registrations.get(RegistrationStatus.CONFIRMED, (0, 0))[1],
            cancelled=registrations.get(RegistrationStatus.CANCELLED, (0, 0))[0],
        ),
        by_country=_buckets(((k, 0, n) for k, n in countries.items()), country_name, with_challenges=False),
        by_host_kind=_buckets(
            ((k.value, c, n) for k, c, n in kinds.tuples()), lambda k: HOST_KIND_LABELS.get(k, k)
        ),
        by_format=_buckets(
            ((k.value, c, n) for k, c, n in formats.tuples()), lambda k: FORMAT_LABELS.get(k, k)
        ),
        by_language=_buckets(languages.tuples(), language_name),
        per_day=days_between(per_day, event, clock.now().date()),
        full=[_ref(c) for c in spotlight if c.capacity is not None and c.confirmed_count >= c.capacity],
        empty=[_ref(c) for c in spotlight if c.confirmed_count + c.waitlisted_count == 0],
    )


# --- readiness of the hosts -------------------------------------------------------------------------
CHECK_LABELS = {
    "challenge": N_("A challenge in this edition"),
    "published": N_("Published"),
    "page": N_("Challenge pages complete (description, themes)"),
    "agenda": N_("Time zone and agenda set"),
    "capacity": N_("Capacity set"),
    "contact": N_("Contact given (e-mail or website)"),
}


@dataclass
class _Row:
    title: str
    status: ChallengeStatus
    description_length: int
    has_theme: bool
    has_agenda: bool
    capacity: int | None
    registrations: int


def _checks(host: Host, rows: list[_Row]) -> list[Check]:
    none = ["no challenge yet"] if not rows else []

    def check(key: str, missing: list[str]) -> Check:
        return Check(key, CHECK_LABELS[key], not missing, missing)

    page = [
        f"{r.title}: {what}"
        for r in rows
        for what in (
            [f"description too short ({r.description_length} of {DESCRIPTION_MIN} characters)"]
            if r.description_length < DESCRIPTION_MIN
            else []
        )
        + ([] if r.has_theme else ["no theme"])
    ]
    published = any(r.status == ChallengeStatus.PUBLISHED for r in rows)
    return [
        check("challenge", none),
        check("published", none or ([] if published else ["every challenge is still a draft or closed"])),
        check("page", none or page),
        # a challenge always has its time zone (it cannot be saved without one): the agenda is what lacks
        check("agenda", none or [f"{r.title}: no agenda" for r in rows if not r.has_agenda]),
        check("capacity", none or [f"{r.title}: no capacity" for r in rows if r.capacity is None]),
        check("contact", [] if host.contact_email or host.website else ["no contact e-mail or website"]),
    ]


def _day_start(clock: Clock) -> datetime:
    return datetime.combine(clock.now().astimezone(UTC).date(), time(0), tzinfo=UTC)


def _target(host: Host, event: Event) -> str:
    return f"host:{host.slug}@{event.slug}"


async def readiness(
    db: AsyncSession, event: Event, clock: Clock, host: Host | None = None, only_lagging: bool = False
) -> ReadinessOut:
    """Each approved host (and any other with a challenge in the edition): its checks, score and reminder
    of today; lagging hosts first. Four queries whatever the number of hosts."""
    in_event = select(Challenge.host_id).where(Challenge.event_id == event.id)
    stmt = select(Host).where(or_(Host.status == HostStatus.APPROVED, Host.id.in_(in_event)))
    if host is not None:
        stmt = stmt.where(Host.id == host.id)
    hosts = list(await db.scalars(stmt))
    ids = [h.id for h in hosts]
    has_theme = exists().where(
        ChallengeLabel.challenge_id == Challenge.id, ChallengeLabel.kind == LabelKind.THEME
    )
    has_agenda = exists().where(AgendaItem.challenge_id == Challenge.id)
    rows: dict[int, list[_Row]] = defaultdict(list)
    for host_id, *values in await db.execute(
        select(
            Challenge.host_id,
            Challenge.title,
            Challenge.status,
            func.coalesce(func.length(Challenge.description), 0),
            has_theme,
            has_agenda,
            Challenge.capacity,
            Challenge.confirmed_count + Challenge.waitlisted_count,
        )
        .where(
            Challenge.event_id == event.id,
            Challenge.host_id.in_(ids),
            Challenge.status != ChallengeStatus.CANCELLED,
        )
        .order_by(Challenge.title, Challenge.id)
    ):
        rows[host_id].append(_Row(*values))
    members: dict[int, list[str]] = defaultdict(list)
    for host_id, email in await db.execute(
        select(HostMember.host_id, Account.email)
        .join(Account, Account.id == HostMember.account_id)
        .where(HostMember.host_id.in_(ids), Account.deleted_at.is_(None))
        .order_by(HostMember.created_at, Account.id)
    ):
        members[host_id].append(email)
    reminded = dict(
        (
            await db.execute(
                select(AuditEntry.target, func.max(AuditEntry.created_at))
                .where(
                    AuditEntry.action == REMIND_ACTION,
                    AuditEntry.target.in_([_target(h, event) for h in hosts]),
                    AuditEntry.created_at >= _day_start(clock),
                )
                .group_by(AuditEntry.target)
            )
        )
        .tuples()
        .all()
    )
    result: list[HostReadiness] = []
    for h in hosts:
        checks = _checks(h, rows[h.id])
        passed = sum(c.ok for c in checks)
        when = reminded.get(_target(h, event))
        result.append(
            HostReadiness(
                host_slug=h.slug,
                host_name=h.name,
                host_status=h.status.value,
                contact_email=h.contact_email,
                website=h.website,
                member_emails=members[h.id],
                challenges=len(rows[h.id]),
                registrations=sum(r.registrations for r in rows[h.id]),
                score=round(100 * passed / len(checks)),
                lagging=passed < len(checks),
                checks=checks,
                reminded_at=when.replace(tzinfo=UTC) if when and when.tzinfo is None else when,
            )
        )
    result.sort(key=lambda r: (r.score, r.registrations, r.host_name.lower(), r.host_slug))
    if only_lagging:
        result = [r for r in result if r.lagging]
    contacts: dict[str, None] = {}
    for r in result:
        if r.lagging:
            for address in [r.contact_email] if r.contact_email else r.member_emails:
                contacts[address] = None
    return ReadinessOut(event.slug, event.name, result, list(contacts))


def missing_items(item: HostReadiness) -> list[str]:
    return [f"{c.label}: {', '.join(c.missing)}" for c in item.checks if not c.ok]


async def remind(
    db: AsyncSession, actor: Account, event: Event, host_slug: str, clock: Clock, settings: Settings
) -> ReminderOut:
    """E-mail a lagging host's members (and its contact address) what is missing; one reminder per host and
    edition a day (the outbox's dedupe keys back it when two organizers click at once). Audited."""
    require_organizer(actor)
    host = await get_host(db, host_slug)
    found = (await readiness(db, event, clock, host)).hosts
    if not found:
        raise Conflict(f"{host.name} is not a host of {event.name}: it is not approved and has no challenge.")
    item = found[0]
    if not item.lagging:
        raise Conflict(f"{host.name} is ready for {event.name}: there is nothing to remind.")
    if item.reminded_at is not None:
        raise Conflict(
            f"{host.name} was already reminded today (at {item.reminded_at:%H:%M} UTC): one reminder a day."
        )
    recipients = {email: True for email in item.member_emails}
    if host.contact_email and host.contact_email not in recipients:
        recipients[host.contact_email] = False
    if not recipients:
        raise Conflict(f"{host.name} has no member and no contact address to write to.")
    accounts = {
        a.email: a
        for a in await db.scalars(
            select(Account).where(Account.email.in_(list(recipients)), Account.deleted_at.is_(None))
        )
    }
    now = clock.now()
    missing = missing_items(item)
    day = now.astimezone(UTC).date().isoformat()
    for address in recipients:
        account = accounts.get(address)
        await enqueue(
            db,
            settings,
            clock,
            kind="readiness_reminder",
            to=address,
            account_id=account.id if account else None,
            context={
                "name": account.display_name if account else None,
                "host_name": host.name,
                "host_slug": host.slug,
                "event_name": event.name,
                "event_slug": event.slug,
                "checks": [c for c in item.checks if not c.ok],
                "score": item.score,
            },
            dedupe_key=f"readiness:{event.id}:{host.id}:{day}:{address}",
        )
    db.add(
        AuditEntry(
            actor_id=actor.id,
            action=REMIND_ACTION,
            target=_target(host, event),
            details={"recipients": len(recipients), "missing": missing, "score": item.score},
            created_at=now,
        )
    )
    await db.flush()
    return ReminderOut(host.slug, event.slug, list(recipients), missing, now)
