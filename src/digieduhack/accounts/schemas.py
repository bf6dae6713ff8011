from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from digieduhack.models import Account, Occupation
from digieduhack.questions.schemas import AnswerOut

Email = Annotated[
    str,
    msgspec.Meta(
        min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", examples=["ada@example.org"]
    ),
]
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=200)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Country = Annotated[
    str, msgspec.Meta(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")
]


class SignupIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    display_name: DisplayName
    password: Password
    accept_terms: bool = False
    country: Country | None = None


TimezoneName = Annotated[
    str,
    msgspec.Meta(
        max_length=64, description="IANA time zone; null: the browser's", examples=["America/Sao_Paulo"]
    ),
]


class TimezoneIn(msgspec.Struct, forbid_unknown_fields=True):
    timezone: TimezoneName | None = None


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=200)]


class PasswordResetRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class PasswordResetIn(msgspec.Struct, forbid_unknown_fields=True):
    password: Password  # the same rules as at sign-up


class PasswordConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    """Deleting one's account: the password again, so a forgotten open session can't do it."""

    password: Annotated[str, msgspec.Meta(max_length=200)]


class ProfileIn(msgspec.Struct, forbid_unknown_fields=True):
    display_name: DisplayName
    country: Country | None = None
    occupation: Occupation | None = None
    is_coder: bool | None = None
    # the only language offered for now; the field is there for the translations to come
    locale: Literal["en"] = "en"
    timezone: TimezoneName | None = None
    # consent to be contacted by the hosts of one's challenges (separate from the terms)
    contact_consent: bool = False


class ProfileOut(msgspec.Struct):
    email: str
    email_verified: bool
    display_name: str
    country: str | None
    occupation: Occupation | None
    is_coder: bool | None
    locale: str
    timezone: str | None
    contact_consent: bool
    contact_consent_at: datetime | None

    @classmethod
    def from_model(cls, a: Account) -> ProfileOut:
        return cls(
            email=a.email,
            email_verified=a.email_verified_at is not None,
            display_name=a.display_name,
            country=a.country,
            occupation=a.occupation,
            is_coder=a.is_coder,
            locale=a.locale,
            timezone=a.timezone,
            contact_consent=a.contact_consent_at is not None,
            contact_consent_at=a.contact_consent_at,
        )


class MessageOut(msgspec.Struct):
    detail: str


class ExportAccount(msgspec.Struct):
    id: int
    email: str
    display_name: str
    locale: str
    is_organizer: bool
    country: str | None
    occupation: str | None
    is_coder: bool | None
    timezone: str | None
    email_verified_at: datetime | None
    terms_accepted_at: datetime | None
    terms_version: str | None
    contact_consent_at: datetime | None
    contact_consent_version: str | None
    created_at: datetime


class ExportRegistration(msgspec.Struct):
    challenge_slug: str
    challenge_title: str
    status: str
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    checked_in_at: datetime | None
    # what was answered to the challenge's questions when joining
    answers: list[AnswerOut] = msgspec.field(default_factory=list)


class ExportMembership(msgspec.Struct):
    host_slug: str
    host_name: str
    since: datetime


class ExportTeam(msgspec.Struct):
    challenge_slug: str
    challenge_title: str
    team_name: str
    joined_at: datetime


class ExportMessage(msgspec.Struct):
    kind: str
    to_address: str
    subject: str
    text_body: str
    created_at: datetime
    sent_at: datetime | None


class ExportAuditEntry(msgspec.Struct):
    action: str
    target: str
    details: dict[str, Any]
    created_at: datetime


class ExportAnnouncement(msgspec.Struct):
    """An announcement the person wrote (to a challenge's people, or as an organizer to an edition's)."""

    event_slug: str
    challenge_slug: str | None
    audience: str
    subject: str
    body: str
    recipient_count: int
    created_at: datetime


class ExportOut(msgspec.Struct):
    """Everything the app holds about one person (GDPR access), as a JSON download."""

    exported_at: datetime
    account: ExportAccount
    registrations: list[ExportRegistration]
    host_memberships: list[ExportMembership]
    teams: list[ExportTeam]
    sessions: int
    messages: list[ExportMessage]
    audit_entries: list[ExportAuditEntry]
    # the announcements they wrote (the messages they received are in `messages`)
    announcements: list[ExportAnnouncement] = msgspec.field(default_factory=list)


class HostRef(msgspec.Struct):
    slug: str
    name: str


class AccountOut(msgspec.Struct):
    id: int
    email: str
    display_name: str
    is_organizer: bool
    hosts: list[HostRef]

    @classmethod
    def from_model(cls, a: Account) -> AccountOut:
        return cls(
            id=a.id,
            email=a.email,
            display_name=a.display_name,
            is_organizer=a.is_organizer,
            hosts=[HostRef(slug=m.host.slug, name=m.host.name) for m in a.memberships],
        )


class CsrfOut(msgspec.Struct):
    csrf_token: str
