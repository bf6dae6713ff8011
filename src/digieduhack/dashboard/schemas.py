"""Numbers at a glance (issue 6): what the dashboards and the readiness list answer, to pages and API."""

from __future__ import annotations

from datetime import date, datetime

import msgspec


class ChallengeCounts(msgspec.Struct):
    """The event's (or the host's) challenges by status."""

    total: int
    published: int
    draft: int
    closed: int
    cancelled: int


class ParticipantCounts(msgspec.Struct):
    """Registrations by status. `checked_in`: confirmed ones with a check-in time. `cancelled` ones still
    count in `per_day` (they were made that day)."""

    confirmed: int
    waitlisted: int
    checked_in: int
    cancelled: int


class Bucket(msgspec.Struct):
    """One bar of a breakdown. `participants`: active (confirmed or waitlisted) registrations; `challenges`:
    challenges that are not cancelled (None where it does not apply: the participants' countries)."""

    key: str  # the stored value: "BE", "university", "in_person", "en"; "unknown" for no country
    label: str  # readable: "Belgium", "University", "In person", "English"
    participants: int
    challenges: int | None = None


class DayCount(msgspec.Struct):
    day: date  # a UTC day
    registrations: int  # made that day (whatever became of them since)


class ChallengeRef(msgspec.Struct):
    slug: str
    title: str
    host_slug: str
    host_name: str
    status: str
    capacity: int | None
    confirmed: int
    waitlisted: int
    url: str  # the challenge's page


class DashboardOut(msgspec.Struct):
    event_slug: str
    event_name: str
    host_slug: str | None  # set on a host's dashboard: every number is then about its challenges only
    challenges: ChallengeCounts
    hosts: int  # hosts with at least one challenge in the event (not cancelled)
    participants: ParticipantCounts
    by_country: list[Bucket]
    by_host_kind: list[Bucket]
    by_format: list[Bucket]
    by_language: list[Bucket]
    per_day: list[DayCount]  # zero-filled, from the first registration (or the opening) to the event
    full: list[ChallengeRef]  # published or closed, no free place left
    empty: list[ChallengeRef]  # published or closed, nobody registered yet


class Check(msgspec.Struct):
    key: str  # challenge, published, page, agenda, capacity, contact
    label: str
    ok: bool
    missing: list[str]  # what is missing, in words (e.g. the titles of the challenges concerned)


class HostReadiness(msgspec.Struct):
    host_slug: str
    host_name: str
    host_status: str
    contact_email: str | None
    website: str | None
    member_emails: list[str]
    challenges: int  # not cancelled, in the event
    registrations: int  # active ones, in those challenges
    score: int  # percent of checks passed
    lagging: bool  # some check fails
    checks: list[Check]
    reminded_at: datetime | None  # the last reminder sent today (one a day)


class ReadinessOut(msgspec.Struct):
    event_slug: str
    event_name: str
    hosts: list[HostReadiness]  # lagging first: lowest score, then fewest registrations, then by name
    lagging_contacts: list[str]  # the addresses to write to the lagging hosts (contact, else members)


class ReminderOut(msgspec.Struct):
    host_slug: str
    event_slug: str
    recipients: list[str]
    missing: list[str]
    sent_at: datetime
