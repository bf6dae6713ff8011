"""THE schema. Every table lives here; Alembic revisions are written from these models."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def compared_by_autogenerate(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's include_object: leaves out what only PostgreSQL has (see POSTGRESQL_ONLY)."""
    return name not in POSTGRESQL_ONLY.get(type_, ())


# Full-text search on PostgreSQL: a stored generated column `challenges.search_document`
# (to_tsvector('simple', title || ' ' || summary || ' ' || description)) with the GIN index
# ix_challenges_search, both made by migration 0005. SQLite has neither (it searches with LIKE), so the model
# does not map them and autogenerate leaves them out; tests/test_migrations.py checks them by hand.
POSTGRESQL_ONLY = {"column": {"search_document"}, "index": {"ix_challenges_search"}}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class HostKind(enum.StrEnum):
    UNIVERSITY = "university"
    SCHOOL = "school"
    LIBRARY = "library"
    NGO = "ngo"
    STARTUP = "startup"
    CITIZENS = "citizens"
    COMPANY = "company"
    OTHER = "other"


class HostStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ChallengeFormat(enum.StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"


class ChallengeStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


# a registration that holds a place or waits for one
ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


class ChallengeNoticeKind(enum.StrEnum):
    CANCELLED = "cancelled"
    TIME_CHANGED = "time_changed"
    PLACE_CHANGED = "place_changed"


class Audience(enum.StrEnum):
    """Who a challenge welcomes ("who can join")."""

    STUDENTS = "students"
    EDUCATORS = "educators"
    RESEARCHERS = "researchers"
    INNOVATORS = "innovators"
    EDUCATION_PROFESSIONALS = "education_professionals"
    ANYONE = "anyone"


class LabelKind(enum.StrEnum):
    THEME = "theme"  # one of the event's fixed themes
    TAG = "tag"  # a free tag the host chose
    AUDIENCE = "audience"  # an Audience value


class EmailTokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a password)


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"


class Occupation(enum.StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    DEVELOPER = "developer"
    DESIGNER = "designer"
    RESEARCHER = "researcher"
    OTHER = "other"


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint(
            "max_challenges_per_participant IS NULL OR max_challenges_per_participant >= 1",
            name="max_challenges_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the fixed list of themes a challenge of this edition picks from (hosts add free tags besides)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # how many challenges one participant can hold at once (None: no limit); DigiEduHack: one. The database
    # enforces it through EventParticipation.held <= max_held.
    max_challenges_per_participant: Mapped[int | None] = mapped_column(
        Integer, default=1, server_default=text("1")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # stored lower-cased: uniqueness is case-insensitive on every backend
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(12), default="en")
    is_organizer: Mapped[bool] = mapped_column(Boolean, default=False)
    country: Mapped[str | None] = mapped_column(String(2))
    occupation: Mapped[Occupation | None] = mapped_column(_enum(Occupation, "occupation"))
    is_coder: Mapped[bool | None] = mapped_column(Boolean)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the version of the terms and privacy notice accepted (accounts.privacy.NOTICE_VERSION at the time)
    terms_version: Mapped[str | None] = mapped_column(String(20))
    # the IANA zone the participant wants times shown in (None: the browser's)
    timezone: Mapped[str | None] = mapped_column(String(64))
    # consent to be contacted by the hosts of one's challenges (separate from the required terms)
    contact_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the privacy notice's version when that consent was given
    contact_consent_version: Mapped[str | None] = mapped_column(String(20))
    # set when the person deleted their account: the row stays, anonymised, so counts stay right
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    memberships: Mapped[list[HostMember]] = relationship(back_populates="account", lazy="raise")


class EmailToken(Base):
    """A single-use link sent by e-mail (verify the address, reset the password); the table keeps only
    its SHA-256."""

    __tablename__ = "email_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[EmailTokenPurpose] = mapped_column(_enum(EmailTokenPurpose, "email_token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventParticipation(Base):
    """How many challenges of an event a participant holds (confirmed or waitlisted), kept with each
    registration change under the challenge's lock; the check is the event's limit, enforced by the
    database."""

    __tablename__ = "event_participations"
    __table_args__ = (
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("max_held IS NULL OR held <= max_held", name="within_limit"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    held: Mapped[int] = mapped_column(Integer, default=0)
    max_held: Mapped[int | None] = mapped_column(Integer)


class OutboxMessage(Base):
    """An e-mail written in the same transaction as the change that causes it, delivered after commit by the
    sender (retries with back-off; the last error stays visible)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    # the recipient's account, if any: erased with it
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # [{"filename": "challenge.ics", "content_type": "text/calendar", "content": "..."}]
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # one message per state change: the same key is never enqueued twice
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TokenScope(enum.StrEnum):
    READ = "read"  # GET requests only
    WRITE = "write"  # everything its owner may do


class ApiToken(Base):
    """A personal API token (`Authorization: Bearer ...`) with its owner's rights within its scope; the table
    keeps only its SHA-256. Revoked or expired tokens stay listed for the record."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[TokenScope] = mapped_column(_enum(TokenScope, "token_scope"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the first characters of the token, to recognise it in the list (never enough to use it)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthSession(Base):
    """Server-side session: the cookie carries a random token, the table keeps only its SHA-256."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(lazy="raise")


class Host(Base):
    __tablename__ = "hosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[HostKind] = mapped_column(_enum(HostKind, "host_kind"))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[HostStatus] = mapped_column(_enum(HostStatus, "host_status"), default=HostStatus.PENDING)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # who applied on the organisation's behalf, and the organizers' decision (a reason when rejected)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    members: Mapped[list[HostMember]] = relationship(back_populates="host", lazy="raise")


class HostMember(Base):
    __tablename__ = "host_members"

    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    host: Mapped[Host] = relationship(back_populates="members", lazy="raise")
    account: Mapped[Account] = relationship(back_populates="memberships", lazy="raise")


class HostInvitation(Base):
    """A member's invitation of a colleague, by e-mail: the link carries a token, the table its SHA-256."""

    __tablename__ = "host_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id", ondelete="CASCADE"), index=True)
    # stored lower-cased, like Account.email
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))

    host: Mapped[Host] = relationship(lazy="raise")
    inviter: Mapped[Account | None] = relationship(foreign_keys=[invited_by_id], lazy="raise")


class Challenge(Base):
    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_ordered"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        CheckConstraint("confirmed_count >= 0 AND waitlisted_count >= 0", name="counts_not_negative"),
        # the count kept with each registration change can never pass the capacity
        CheckConstraint("capacity IS NULL OR confirmed_count <= capacity", name="not_overbooked"),
        CheckConstraint(
            "registration_deadline IS NULL OR registration_deadline < ends_at", name="deadline_before_end"
        ),
        CheckConstraint(
            "(min_team_size IS NULL OR min_team_size >= 1) AND (max_team_size IS NULL OR "
            "max_team_size >= COALESCE(min_team_size, 1))",
            name="team_sizes_ordered",
        ),
        Index("ix_challenges_event_status_starts", "event_id", "status", "starts_at"),
        # the catalog's first page in start order reads its 20 rows from here instead of sorting them all
        Index("ix_challenges_event_starts", "event_id", "starts_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(90), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(280))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(35))
    format: Mapped[ChallengeFormat] = mapped_column(_enum(ChallengeFormat, "challenge_format"))
    country: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(100))
    venue: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[ChallengeStatus] = mapped_column(
        _enum(ChallengeStatus, "challenge_status"), default=ChallengeStatus.DRAFT
    )
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    waitlisted_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # set together when a host cancels: the message is shown on the page and sent to registrants
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_message: Mapped[str | None] = mapped_column(Text)
    # shown only to confirmed participants, the host's members and organizers
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    min_team_size: Mapped[int | None] = mapped_column(Integer)
    max_team_size: Mapped[int | None] = mapped_column(Integer)

    event: Mapped[Event] = relationship(lazy="raise")
    host: Mapped[Host] = relationship(lazy="raise")
    labels: Mapped[list[ChallengeLabel]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="(ChallengeLabel.kind, ChallengeLabel.value)"
    )
    agenda: Mapped[list[AgendaItem]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="(AgendaItem.starts_at, AgendaItem.id)"
    )

    def label_values(self, kind: LabelKind) -> list[str]:
        return [label.value for label in self.labels if label.kind == kind]

    @property
    def free_places(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.confirmed_count, 0)


class ChallengeLabel(Base):
    """A theme, free tag or audience of a challenge: one row each, so the catalog filters use an index."""

    __tablename__ = "challenge_labels"
    __table_args__ = (Index("ix_challenge_labels_kind_value", "kind", "value", "challenge_id"),)

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[LabelKind] = mapped_column(_enum(LabelKind, "label_kind"), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)


class AgendaItem(Base):
    """A timed moment of a challenge (kick-off, mentor check-in, pitches), stored in UTC."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(120))


class ChallengeNotice(Base):
    """A change registrants must hear about (cancellation, new time or place); sent by e-mail later."""

    __tablename__ = "challenge_notices"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChallengeNoticeKind] = mapped_column(_enum(ChallengeNoticeKind, "challenge_notice_kind"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        # at most one active (not cancelled) registration per account and challenge
        Index(
            "uq_registrations_active",
            "challenge_id",
            "account_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
            sqlite_where=text("status <> 'cancelled'"),
        ),
        Index("ix_registrations_challenge_status", "challenge_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(_enum(RegistrationStatus, "registration_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    challenge: Mapped[Challenge] = relationship(lazy="raise")
    account: Mapped[Account] = relationship(lazy="raise")


class Question(Base):
    """A question the host asks everyone who joins a challenge; answered in the join form."""

    __tablename__ = "questions"
    __table_args__ = (CheckConstraint("position >= 1", name="position_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    # the order in the form: 1, 2, ...
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind, "question_kind"))
    prompt: Mapped[str] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # the choices of a single or multiple choice question, in order; empty for the other kinds
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Answer(Base):
    """One participant's answer to one question, given when joining: a string (texts, single choice), a list
    of strings (multiple choice) or a boolean (yes/no)."""

    __tablename__ = "answers"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[Any] = mapped_column(JSON)


class Team(Base):
    """A team within a challenge, joined with its code. member_count is kept with each change under the
    team's row lock; max_members follows the challenge's max_team_size, so the database refuses a team
    larger than the challenge allows."""

    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("challenge_id", "name"),
        # lets team_members name (team, challenge) together: a member's challenge is the team's
        UniqueConstraint("id", "challenge_id"),
        CheckConstraint("member_count >= 0", name="member_count_not_negative"),
        CheckConstraint("max_members IS NULL OR member_count <= max_members", name="within_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    # the invitation code (also in the invitation link); a new one can replace it
    code: Mapped[str] = mapped_column(String(16), unique=True)
    member_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    max_members: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    challenge: Mapped[Challenge] = relationship(lazy="raise")
    members: Mapped[list[TeamMember]] = relationship(
        lazy="raise", order_by="TeamMember.joined_at", viewonly=True
    )


class TeamMember(Base):
    """A participant in a team; one team per participant and challenge, enforced by the database."""

    __tablename__ = "team_members"
    __table_args__ = (
        UniqueConstraint("challenge_id", "account_id"),
        ForeignKeyConstraint(
            ["team_id", "challenge_id"],
            ["teams.id", "teams.challenge_id"],
            name="fk_team_members_team_challenge",
            ondelete="CASCADE",
        ),
    )

    team_id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    challenge_id: Mapped[int] = mapped_column(Integer)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(lazy="raise")


class AnnouncementAudience(enum.StrEnum):
    """Who an announcement goes to: people of one challenge (by status), or of a whole edition."""

    CHALLENGE_ALL = "challenge_all"  # confirmed and waitlisted
    CHALLENGE_CONFIRMED = "challenge_confirmed"
    CHALLENGE_WAITLISTED = "challenge_waitlisted"
    CHALLENGE_CHECKED_IN = "challenge_checked_in"  # confirmed and checked in
    EVENT_HOSTS = "event_hosts"  # members of the approved hosts with a challenge in the edition
    EVENT_PARTICIPANTS = "event_participants"  # confirmed and waitlisted, in any challenge of the edition
    EVENT_CONFIRMED = "event_confirmed"
    EVENT_WAITLISTED = "event_waitlisted"
    EVENT_CHECKED_IN = "event_checked_in"


EVENT_AUDIENCES = (
    AnnouncementAudience.EVENT_HOSTS,
    AnnouncementAudience.EVENT_PARTICIPANTS,
    AnnouncementAudience.EVENT_CONFIRMED,
    AnnouncementAudience.EVENT_WAITLISTED,
    AnnouncementAudience.EVENT_CHECKED_IN,
)


class Announcement(Base):
    """A message a challenge's host (or an organizer) wrote to its participants, or an organizer to the hosts
    or participants of an edition; sent as one outbox message per recipient in the same transaction."""

    __tablename__ = "announcements"
    __table_args__ = (
        CheckConstraint("recipient_count >= 1", name="recipients_positive"),
        # an announcement to a challenge's people names the challenge; one to a whole edition does not
        CheckConstraint(
            "(challenge_id IS NULL) = (audience IN ("
            + ", ".join(f"'{a.value}'" for a in EVENT_AUDIENCES)
            + "))",
            name="scope_matches_audience",
        ),
        Index("ix_announcements_event_created", "event_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    audience: Mapped[AnnouncementAudience] = mapped_column(
        _enum(AnnouncementAudience, "announcement_audience")
    )
    subject: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    recipient_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    author: Mapped[Account | None] = relationship(lazy="raise")


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


__all__ = [
    "EVENT_AUDIENCES",
    "Account",
    "AgendaItem",
    "Announcement",
    "AnnouncementAudience",
    "Answer",
    "ApiToken",
    "Audience",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Challenge",
    "ChallengeFormat",
    "ChallengeLabel",
    "ChallengeNotice",
    "ChallengeNoticeKind",
    "ChallengeStatus",
    "EmailToken",
    "EmailTokenPurpose",
    "Event",
    "EventParticipation",
    "Host",
    "HostInvitation",
    "HostKind",
    "HostMember",
    "HostStatus",
    "LabelKind",
    "Occupation",
    "OutboxMessage",
    "Question",
    "QuestionKind",
    "Registration",
    "RegistrationStatus",
    "Team",
    "TeamMember",
    "TokenScope",
]
