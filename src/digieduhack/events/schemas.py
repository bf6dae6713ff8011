from __future__ import annotations

from datetime import date, datetime

import msgspec

from digieduhack.models import Event


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
