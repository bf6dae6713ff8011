from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec

from digieduhack.accounts.schemas import Country
from digieduhack.models import Challenge, ChallengeFormat, ChallengeStatus, HostKind

Title = Annotated[str, msgspec.Meta(min_length=3, max_length=120)]
Summary = Annotated[str, msgspec.Meta(min_length=10, max_length=280)]
Description = Annotated[str, msgspec.Meta(max_length=20_000)]
Language = Annotated[
    str,
    msgspec.Meta(
        min_length=2,
        max_length=35,
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="BCP 47 language tag",
        examples=["en", "pt-BR"],
    ),
]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["Europe/Brussels"])]
Capacity = Annotated[int, msgspec.Meta(ge=1, le=100_000)]


class ChallengeIn(msgspec.Struct, forbid_unknown_fields=True):
    """A challenge as a host writes it; times are wall-clock times in `timezone`."""

    title: Title
    summary: Summary
    language: Language
    format: ChallengeFormat
    timezone: TimeZone
    starts_at_local: Annotated[
        datetime, msgspec.Meta(description="local time in `timezone`, e.g. 2026-11-09T09:00:00")
    ]
    ends_at_local: datetime
    description: Description = ""
    country: Country | None = None
    city: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    venue: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    capacity: Capacity | None = None


class HostOut(msgspec.Struct):
    slug: str
    name: str
    kind: HostKind
    country: str
    city: str | None


class ChallengeOut(msgspec.Struct):
    slug: str
    event: str
    title: str
    summary: str
    description: str
    language: str
    format: ChallengeFormat
    country: str | None
    city: str | None
    venue: str | None
    timezone: str
    starts_at: datetime
    ends_at: datetime
    starts_at_local: str
    ends_at_local: str
    capacity: int | None
    confirmed_count: int
    waitlisted_count: int
    free_places: int | None
    status: ChallengeStatus
    host: HostOut

    @classmethod
    def from_model(cls, c: Challenge) -> ChallengeOut:
        zone = ZoneInfo(c.timezone)
        return cls(
            slug=c.slug,
            event=c.event.slug,
            title=c.title,
            summary=c.summary,
            description=c.description,
            language=c.language,
            format=c.format,
            country=c.country,
            city=c.city,
            venue=c.venue,
            timezone=c.timezone,
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            starts_at_local=c.starts_at.astimezone(zone).isoformat(),
            ends_at_local=c.ends_at.astimezone(zone).isoformat(),
            capacity=c.capacity,
            confirmed_count=c.confirmed_count,
            waitlisted_count=c.waitlisted_count,
            free_places=c.free_places,
            status=c.status,
            host=HostOut(
                slug=c.host.slug, name=c.host.name, kind=c.host.kind, country=c.host.country, city=c.host.city
            ),
        )


class ChallengePage(msgspec.Struct):
    items: list[ChallengeOut]
    page: int
    per_page: int
    total: int
    pages: int
