"""Where a challenge stands at a given moment, in words: one rule for the catalog, its page and the API."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from babel.dates import format_timedelta
from babel.support import NullTranslations

from digieduhack.models import Challenge, ChallengeStatus
from digieduhack.timezones import babel_locale


class Translator(Protocol):
    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class AvailabilityKind(enum.StrEnum):
    """`places_left`, `open` (no limit) and `waitlist`: one can join; the others: one cannot (now)."""

    PLACES_LEFT = "places_left"
    OPEN = "open"
    WAITLIST = "waitlist"
    OPENS_LATER = "opens_later"
    REGISTRATION_CLOSED = "registration_closed"
    HAPPENING_NOW = "happening_now"
    ENDED = "ended"
    CANCELLED = "cancelled"
    DRAFT = "draft"


@dataclass(frozen=True)
class Availability:
    kind: AvailabilityKind
    label: str  # "3 places left"
    starts_in: str | None  # "Starts in 3 hours" before the start, else None


ENGLISH: Translator = NullTranslations()


def relative(moment: datetime, now: datetime, locale: str) -> str:
    """'in 3 hours', 'in 2 days' (rounded: 2 h 40 min is 3 hours); never seconds."""
    return format_timedelta(
        moment - now, granularity="minute", add_direction=True, locale=babel_locale(locale)
    )


def availability(
    challenge: Challenge, now: datetime, t: Translator = ENGLISH, locale: str = "en"
) -> Availability:
    """The one label of a challenge at `now` (the challenge's event must be loaded)."""
    _ = t.gettext
    kind, label = _state(challenge, now, t, locale)
    starts_in = None
    if now < challenge.starts_at and kind not in (AvailabilityKind.CANCELLED, AvailabilityKind.DRAFT):
        starts_in = _("Starts %(when)s") % {"when": relative(challenge.starts_at, now, locale)}
    return Availability(kind, label, starts_in)


def _state(challenge: Challenge, now: datetime, t: Translator, locale: str) -> tuple[AvailabilityKind, str]:
    _ = t.gettext
    event = challenge.event
    if challenge.status == ChallengeStatus.CANCELLED:
        return AvailabilityKind.CANCELLED, _("Cancelled")
    if challenge.status == ChallengeStatus.DRAFT:
        return AvailabilityKind.DRAFT, _("Draft: not published yet")
    if now >= challenge.ends_at:
        return AvailabilityKind.ENDED, _("Ended")
    if now >= challenge.starts_at:
        return AvailabilityKind.HAPPENING_NOW, _("Happening now")
    deadlines = (challenge.registration_deadline, event.registration_closes_at)
    if challenge.status == ChallengeStatus.CLOSED or any(d is not None and now >= d for d in deadlines):
        return AvailabilityKind.REGISTRATION_CLOSED, _("Registration closed")
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        when = relative(event.registration_opens_at, now, locale)
        return AvailabilityKind.OPENS_LATER, _("Registration opens %(when)s") % {"when": when}
    free = challenge.free_places
    if free is None:
        return AvailabilityKind.OPEN, _("Open: no place limit")
    if free == 0:
        return AvailabilityKind.WAITLIST, _("Waitlist only")
    return AvailabilityKind.PLACES_LEFT, t.ngettext("%(num)d place left", "%(num)d places left", free) % {
        "num": free
    }
