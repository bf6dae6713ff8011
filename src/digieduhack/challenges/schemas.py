from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import msgspec

from digieduhack.accounts.schemas import Country
from digieduhack.challenges.status import AvailabilityKind, availability
from digieduhack.errors import humanize
from digieduhack.models import Audience, Challenge, ChallengeFormat, ChallengeStatus, HostKind, LabelKind

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
LocalTime = Annotated[
    datetime, msgspec.Meta(description="local time in `timezone`, e.g. 2026-11-09T09:00:00")
]
MAX_TAGS = 10
MAX_AGENDA = 30
Theme = Annotated[str, msgspec.Meta(max_length=40)]
Tag = Annotated[str, msgspec.Meta(max_length=40)]
TeamSize = Annotated[int, msgspec.Meta(ge=1, le=50)]
# a page form sends the tags as one text field, the values separated by commas (web.parse_form)
COMMA_SEPARATED = {"form": "comma_separated"}


class AgendaItemIn(msgspec.Struct, forbid_unknown_fields=True):
    """A timed moment of the challenge (kick-off, mentor check-in, pitches)."""

    at_local: LocalTime
    title: Annotated[str, msgspec.Meta(max_length=120, description="1 to 120 characters")]


class ChallengeIn(msgspec.Struct, forbid_unknown_fields=True):
    """A challenge as a host writes it; times are wall-clock times in `timezone`."""

    title: Title
    summary: Summary
    language: Language
    format: ChallengeFormat
    timezone: TimeZone
    starts_at_local: LocalTime
    ends_at_local: LocalTime
    description: Description = ""
    country: Country | None = None
    city: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    venue: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    capacity: Capacity | None = None
    themes: Annotated[
        list[Theme], msgspec.Meta(max_length=20, description="themes from the event's list (EventOut.themes)")
    ] = []
    tags: Annotated[
        list[Tag],
        msgspec.Meta(
            max_length=MAX_TAGS,
            description="free tags, 2 to 40 characters each; stored trimmed, lower-cased, without repeats",
            extra=COMMA_SEPARATED,
        ),
    ] = []
    audiences: Annotated[
        list[Audience], msgspec.Meta(max_length=len(Audience), description="who can join; none: anyone")
    ] = []
    meeting_url: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=500,
                description="http(s) link of the online meeting; shown only to confirmed participants, "
                "the host's members and organizers",
            ),
        ]
        | None
    ) = None
    registration_deadline_local: (
        Annotated[
            datetime,
            msgspec.Meta(description="local time in `timezone` from which nobody can join; before the end"),
        ]
        | None
    ) = None
    min_team_size: TeamSize | None = None
    max_team_size: TeamSize | None = None
    agenda: Annotated[
        list[AgendaItemIn], msgspec.Meta(max_length=MAX_AGENDA, description="between the start and the end")
    ] = []


CancellationMessage = Annotated[
    str,
    msgspec.Meta(
        min_length=10, max_length=2000, description="why the challenge is cancelled: sent to its registrants"
    ),
]


class ChallengeCancelIn(msgspec.Struct, forbid_unknown_fields=True):
    message: CancellationMessage


class HostOut(msgspec.Struct):
    slug: str
    name: str
    kind: HostKind
    country: str
    city: str | None


def audiences_of(c: Challenge) -> list[Audience]:
    """A challenge's audiences in the order of the Audience enum."""
    chosen = set(c.label_values(LabelKind.AUDIENCE))
    return [a for a in Audience if a.value in chosen]


class AgendaItemOut(msgspec.Struct):
    starts_at: datetime
    starts_at_local: str
    title: str


class AvailabilityOut(msgspec.Struct):
    """Where the challenge stands now (challenges/status.py): e.g. places_left, "3 places left",
    "Starts in 2 days"."""

    kind: AvailabilityKind
    label: str
    starts_in: str | None

    @classmethod
    def at(cls, c: Challenge, now: datetime | None) -> AvailabilityOut | None:
        return None if now is None else cls(**dataclasses.asdict(availability(c, now)))


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
    cancellation_message: str | None
    themes: list[str]
    tags: list[str]
    audiences: list[Audience]
    registration_deadline: datetime | None
    registration_deadline_local: str | None
    min_team_size: int | None
    max_team_size: int | None
    agenda: list[AgendaItemOut]
    # null unless the viewer is a confirmed participant, a member of the host or an organizer
    meeting_url: str | None

    availability: AvailabilityOut | None  # at the time of the reply (null if not computed)

    @classmethod
    def from_model(
        cls, c: Challenge, now: datetime | None = None, show_meeting: bool = False
    ) -> ChallengeOut:
        """`now`: when availability is computed; `show_meeting`: the viewer may see the meeting link
        (services.may_see_meeting)."""
        zone = ZoneInfo(c.timezone)
        deadline = c.registration_deadline

        def local(at: datetime) -> str:
            return at.astimezone(zone).isoformat()

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
            starts_at_local=local(c.starts_at),
            ends_at_local=local(c.ends_at),
            capacity=c.capacity,
            confirmed_count=c.confirmed_count,
            waitlisted_count=c.waitlisted_count,
            free_places=c.free_places,
            status=c.status,
            host=HostOut(
                slug=c.host.slug, name=c.host.name, kind=c.host.kind, country=c.host.country, city=c.host.city
            ),
            cancellation_message=c.cancellation_message,
            themes=sorted(c.label_values(LabelKind.THEME)),
            tags=sorted(c.label_values(LabelKind.TAG)),
            audiences=audiences_of(c),
            registration_deadline=deadline,
            registration_deadline_local=local(deadline) if deadline else None,
            min_team_size=c.min_team_size,
            max_team_size=c.max_team_size,
            agenda=[AgendaItemOut(i.starts_at, local(i.starts_at), i.title) for i in c.agenda],
            meeting_url=c.meeting_url if show_meeting else None,
            availability=AvailabilityOut.at(c, now),
        )


class ChallengePage(msgspec.Struct):
    items: list[ChallengeOut]
    page: int
    per_page: int
    total: int
    pages: int


# --- the catalog's filters: one definition for the page and the API -------------------------------
EventSlug = Annotated[str, msgspec.Meta(max_length=40, description="event slug; the current event if absent")]
SearchText = Annotated[
    str,
    msgspec.Meta(
        max_length=200, description="words to find in the title, summary or description (all of them)"
    ),
]
PageNo = Annotated[int, msgspec.Meta(ge=1, le=100_000, description="page number, from 1")]
PerPage = Annotated[int, msgspec.Meta(ge=1, le=100, description="items per page")]


class CatalogSort(enum.StrEnum):
    """`start`: by start time; `title`: alphabetically; `newest`: the last created first."""

    START = "start"
    TITLE = "title"
    NEWEST = "newest"


class CatalogQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a catalog view shows: the same query parameters on the page (/challenges) and the API."""

    event: EventSlug | None = None
    q: SearchText | None = None
    country: Country | None = None
    language: Language | None = None
    format: ChallengeFormat | None = None
    host_kind: HostKind | None = None
    theme: Theme | None = None
    audience: Audience | None = None
    free: bool = False
    sort: CatalogSort = CatalogSort.START
    page: PageNo = 1
    per_page: PerPage | None = None  # None: the default of the page or the API

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> tuple[CatalogQuery, dict[str, str]]:
        """The query from URL parameters (text, or values already typed), and a message per bad one.

        Blank values count as absent (a GET form sends its empty fields); each bad value is left out
        of the query and named in the errors, so the page can still show the rest; unknown names are
        ignored.
        """
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name in cls.__struct_fields__:
            raw = params.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            value = raw.strip() if isinstance(raw, str) else raw
            try:
                msgspec.convert({name: value}, cls, strict=False)
            except msgspec.ValidationError as exc:
                errors[name] = humanize(str(exc))[1]
                continue
            values[name] = value
        return msgspec.convert(values, cls, strict=False), errors

    @property
    def filters(self) -> dict[str, str | bool]:
        """The filters in use (not event, sort or paging), by parameter name."""
        names = ("q", "country", "language", "format", "host_kind", "theme", "audience", "free")
        return {n: v for n in names if (v := getattr(self, n)) not in (None, False)}

    def url(self, event: str, **changes: Any) -> str:
        """/challenges?... for this query in `event`, with `changes` (e.g. page=2); defaults left out."""
        query = msgspec.structs.replace(self, **changes) if changes else self
        params = query.filter_params(event)
        if query.sort != CatalogSort.START:
            params.append(("sort", query.sort.value))
        if query.per_page is not None:
            params.append(("per_page", str(query.per_page)))
        if "page" in changes or query.page != 1:
            params.append(("page", str(query.page)))
        return f"/challenges?{urlencode(params)}"

    def filter_params(self, event: str | None) -> list[tuple[str, str]]:
        """The event (unless None) and the filters as URL parameters: the same view in another form (the
        schedule, a calendar file)."""
        params = [("event", event)] if event else []
        return params + [(k, "true" if v is True else str(v)) for k, v in self.filters.items()]

    def view_url(self, path: str, event: str | None = None) -> str:
        return f"{path}?{urlencode(params)}" if (params := self.filter_params(event)) else path
