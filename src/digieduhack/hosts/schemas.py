from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from digieduhack.accounts.schemas import Country, Email
from digieduhack.models import Host, HostInvitation, HostKind, HostStatus

Website = Annotated[
    str, msgspec.Meta(max_length=300, pattern=r"^https?://[^\s]+$", examples=["https://example.org"])
]


class HostApplicationIn(msgspec.Struct, forbid_unknown_fields=True):
    """An application to host challenges, on behalf of an organisation."""

    name: Annotated[str, msgspec.Meta(min_length=2, max_length=120)]
    kind: HostKind
    country: Country
    city: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    contact_email: Email
    website: Website | None = None
    description: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class HostDecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["approve", "reject"]
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class HostOut(msgspec.Struct):
    slug: str
    name: str
    kind: HostKind
    country: str
    city: str | None
    website: str | None
    description: str | None
    status: HostStatus
    decided_at: datetime | None
    decision_reason: str | None

    @classmethod
    def from_model(cls, h: Host) -> HostOut:
        return cls(
            slug=h.slug,
            name=h.name,
            kind=h.kind,
            country=h.country,
            city=h.city,
            website=h.website,
            description=h.description,
            status=h.status,
            decided_at=h.decided_at,
            decision_reason=h.decision_reason,
        )


class InvitationIn(msgspec.Struct, forbid_unknown_fields=True):
    """Invite a colleague, by e-mail, to become a member of the host."""

    email: Email


class InvitationOut(msgspec.Struct):
    id: int
    host_slug: str
    email: str
    invited_by: str | None
    created_at: datetime
    expires_at: datetime
    # the one-time link, only in the answer to the invitation's creation (the database keeps its hash)
    link: str | None = None

    @classmethod
    def from_model(cls, i: HostInvitation, host_slug: str, link: str | None = None) -> InvitationOut:
        return cls(
            id=i.id,
            host_slug=host_slug,
            email=i.email,
            invited_by=i.inviter.display_name if i.inviter else None,
            created_at=i.created_at,
            expires_at=i.expires_at,
            link=link,
        )
