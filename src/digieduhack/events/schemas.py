from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from digieduhack.models import Event

EventSlugIn = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=40,
        pattern=r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
        description="lowercase letters, digits and hyphens (not at either end), 3 to 40 characters",
        examples=["2027"],
    ),
]
UTCInstant = Annotated[
    datetime,
    msgspec.Meta(tz=True, description="an ISO 8601 date and time with its offset, e.g. 2027-11-10T12:00:00Z"),
]
ThemeName = Annotated[str, msgspec.Meta(min_length=2, max_length=40)]


class EventIn(msgspec.Struct, forbid_unknown_fields=True):
    """An edition as an organizer sets it up. Its dates are local dates: the edition runs on them in
    every host's own time zone."""

    slug: EventSlugIn
    name: Annotated[str, msgspec.Meta(min_length=3, max_length=120)]
    starts_on: date
    ends_on: date
    registration_opens_at: UTCInstant | None = None
    registration_closes_at: UTCInstant | None = None
    # the fixed themes challenges of this edition pick from
    themes: Annotated[list[ThemeName], msgspec.Meta(max_length=20)] = []


class EventOut(msgspec.Struct):
    slug: str
    name: str
    starts_on: date
    ends_on: date
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    # the fixed list a challenge of this edition picks its themes from
    themes: list[str]

    @classmethod
    def from_model(cls, e: Event) -> EventOut:
        return cls(
            slug=e.slug,
            name=e.name,
            starts_on=e.starts_on,
            ends_on=e.ends_on,
            registration_opens_at=e.registration_opens_at,
            registration_closes_at=e.registration_closes_at,
            themes=list(e.themes or []),
        )
