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


class Shut(enum.StrEnum):
    """Why nobody can join a challenge now."""

    CANCELLED = "cancelled"
    CLOSED = "closed"  # the host closed registration
    NOT_YET_OPEN = "not_yet_open"  # the edition's registration window has not begun
    EVENT_CLOSED = "event_closed"  # the edition's registration window is over
    OVER = "over"
    DEADLINE = "deadline"  # the challenge's own registration deadline passed


def registration_shut(challenge: Challenge, now: datetime) -> tuple[Shut, str] | None:
    """Why registration is shut at `now`, with the message a refused join gives; None while one can join
    (a draft is not looked at: nobody sees it to join). The one rule for joining and for the labels; the
    challenge's event must be loaded."""
    event = challenge.event
    if challenge.status == ChallengeStatus.CANCELLED:
        return Shut.CANCELLED, "This challenge was cancelled."
    if challenge.status == ChallengeStatus.CLOSED:
        return Shut.CLOSED, "Registration for this challenge is closed."
    if event.registration_opens_at and now < event.registration_opens_at:
        return (
            Shut.NOT_YET_OPEN,
            f"Registration opens on {event.registration_opens_at:%d %B %Y at %H:%M} UTC.",
        )
    if event.registration_closes_at and now >= event.registration_closes_at:
        return Shut.EVENT_CLOSED, "Registration for this event has closed."
    if now >= challenge.ends_at:
        return Shut.OVER, "This challenge is over."
    if challenge.registration_deadline and now >= challenge.registration_deadline:
        return Shut.DEADLINE, "The registration deadline of this challenge has passed."
    return None


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
    """What the time says first (cancelled, ended, under way), then whether one can join (registration_shut)
    and how."""
    _ = t.gettext
    if challenge.status == ChallengeStatus.CANCELLED:
        return AvailabilityKind.CANCELLED, _("Cancelled")
    if challenge.status == ChallengeStatus.DRAFT:
        return AvailabilityKind.DRAFT, _("Draft: not published yet")
    if now >= challenge.ends_at:
        return AvailabilityKind.ENDED, _("Ended")
    if now >= challenge.starts_at:
        return AvailabilityKind.HAPPENING_NOW, _("Happening now")
    shut = registration_shut(challenge, now)
    if shut is not None and shut[0] == Shut.NOT_YET_OPEN and challenge.event.registration_opens_at:
        when = relative(challenge.event.registration_opens_at, now, locale)
        return AvailabilityKind.OPENS_LATER, _("Registration opens %(when)s") % {"when": when}
    if shut is not None:
        return AvailabilityKind.REGISTRATION_CLOSED, _("Registration closed")
    free = challenge.free_places
    if free is None:
        return AvailabilityKind.OPEN, _("Open: no place limit")
    if free == 0:
        return AvailabilityKind.WAITLIST, _("Waitlist only")
    return AvailabilityKind.PLACES_LEFT, t.ngettext("%(num)d place left", "%(num)d places left", free) % {
        "num": free
    }
