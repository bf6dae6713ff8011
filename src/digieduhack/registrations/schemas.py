from __future__ import annotations

from datetime import datetime

import msgspec

from digieduhack.models import Registration, RegistrationStatus


class RegistrationOut(msgspec.Struct):
    id: int
    challenge: str
    challenge_title: str
    status: RegistrationStatus
    waitlist_position: int | None
    created_at: datetime
    cancelled_at: datetime | None

    @classmethod
    def from_model(cls, r: Registration, position: int | None = None) -> RegistrationOut:
        return cls(
            id=r.id,
            challenge=r.challenge.slug,
            challenge_title=r.challenge.title,
            status=r.status,
            waitlist_position=position,
            created_at=r.created_at,
            cancelled_at=r.cancelled_at,
        )
