"""iCalendar (.ics) files for challenges: times in each challenge's own IANA zone, with its VTIMEZONE."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import date, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vText

from digieduhack.models import Challenge, ChallengeFormat, ChallengeStatus
from digieduhack.timezones import babel_locale

PRODID = "-//DigiEduHack//DigiEduHack manager//EN"
UID_DOMAIN = "digieduhack"


def challenge_url(base_url: str, challenge: Challenge) -> str:
    return f"{base_url.rstrip('/')}/challenges/{quote(challenge.slug)}"


def location(challenge: Challenge) -> str:
    """'Venue, City, Country' (the parts there are); 'Online' for an online challenge."""
    if challenge.format == ChallengeFormat.ONLINE:
        return "Online"
    country = challenge.country
    if country:
        country = babel_locale("en").territories.get(country.upper(), country)
    return ", ".join(part for part in (challenge.venue, challenge.city, country) if part)


def vevent(challenge: Challenge, base_url: str, stamp: datetime) -> Event:
    tz = ZoneInfo(challenge.timezone)
    url = challenge_url(base_url, challenge)
    event = Event()
    event.add("uid", f"{challenge.slug}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    # local wall times with TZID=<the challenge's zone> (UTC ones end in Z), described by a VTIMEZONE
    event.add("dtstart", challenge.starts_at.astimezone(tz))
    event.add("dtend", challenge.ends_at.astimezone(tz))
    event.add("summary", challenge.title)
    event.add("description", f"{challenge.summary}\n\n{url}" if challenge.summary else url)
    event.add("url", url)
    event.add("location", location(challenge))
    event.add("status", "CANCELLED" if challenge.status == ChallengeStatus.CANCELLED else "CONFIRMED")
    return event


def ical(challenges: Sequence[Challenge], name: str, *, base_url: str, stamp: datetime) -> bytes:
    """A VCALENDAR named `name` with one VEVENT per challenge, in the order given."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # icalendar does not know X-WR-CALNAME as text and would write it unescaped (a newline would even
    # make it fail): escape it as text, on one line
    calendar.add("x-wr-calname", vText(" ".join(name.split())))
    for challenge in challenges:
        calendar.add_component(vevent(challenge, base_url, stamp))
    if challenges:
        # the zones' rules over the (local) years the challenges span, not 1970-2038: a small file
        first = min(c.starts_at.astimezone(ZoneInfo(c.timezone)).year for c in challenges)
        last = max(c.ends_at.astimezone(ZoneInfo(c.timezone)).year for c in challenges)
        calendar.add_missing_timezones(
            first_date=date(first, 1, 1),
            last_date=date(last + 1, 1, 1) if last < date.max.year else date.max,
        )
    content: bytes = calendar.to_ical()
    return content


# the .ics attached to confirmation e-mails, per version of a challenge (see challenge_ics)
_ATTACHMENTS: OrderedDict[tuple[object, ...], str] = OrderedDict()
ATTACHMENTS_KEPT = 256


def challenge_ics(challenge: Challenge, *, base_url: str, stamp: datetime) -> str:
    """The .ics of one challenge, as the confirmation e-mails attach it, built once per version of the
    challenge rather than once per join (building it, time zone rules included, costs more CPU than the
    rest of a join). The key is everything the file shows, so any edit (title, times, zone, place, format,
    cancellation) builds a new file; its DTSTAMP is when that version was first built."""
    key = (
        challenge.id,
        challenge.slug,
        challenge.title,
        challenge.summary,
        challenge.timezone,
        challenge.starts_at,
        challenge.ends_at,
        challenge.format,
        challenge.venue,
        challenge.city,
        challenge.country,
        challenge.status == ChallengeStatus.CANCELLED,
        base_url,
    )
    content = _ATTACHMENTS.get(key)
    if content is None:
        content = ical([challenge], challenge.title, base_url=base_url, stamp=stamp).decode()
        _ATTACHMENTS[key] = content
        if len(_ATTACHMENTS) > ATTACHMENTS_KEPT:
            _ATTACHMENTS.popitem(last=False)
    else:
        _ATTACHMENTS.move_to_end(key)
    return content
