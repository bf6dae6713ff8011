"""iCalendar files (.ics) of one challenge and of a whole event: times in each challenge's own zone (TZID
plus a VTIMEZONE), the same file from the API and the pages, drafts hidden, hostile text escaped."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar, Event, Timezone
from litestar import Litestar
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import FixedClock
from digieduhack.models import Challenge, ChallengeFormat, ChallengeStatus
from digieduhack.settings import Settings
from tests import factories
from tests.challenges.helpers import YEAR, text_of, visible_text
from tests.conftest import Client, ClientFactory

NOW = datetime(YEAR - 1, 6, 1, 12, 30, 15, tzinfo=UTC)
# the properties of every VEVENT, each once
PROPERTIES = {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "URL", "LOCATION", "STATUS"}


@pytest.fixture(autouse=True)
def fixed_clock(app: Litestar) -> None:
    """DTSTAMP is the moment the file is made: the app's clock, fixed here so that it can be asserted."""
    app.state.clock = FixedClock(NOW)


def both(slug: str) -> list[str]:
    return [f"/api/v1/challenges/{slug}/calendar.ics", f"/challenges/{slug}/calendar.ics"]


def both_events(slug: str) -> list[str]:
    return [f"/api/v1/events/{slug}/calendar.ics", f"/events/{slug}/calendar.ics"]


def parse(response: httpx.Response, filename: str) -> Calendar:
    """The response is an attachment named `filename` of type text/calendar; its content, parsed back."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert response.content.endswith(b"END:VCALENDAR\r\n")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//DigiEduHack//DigiEduHack manager//EN"
    assert calendar["CALSCALE"] == "GREGORIAN"
    return calendar


def zones(calendar: Calendar) -> dict[str, list[tuple[timedelta, timedelta]]]:
    """Each VTIMEZONE by TZID: its observances as (TZOFFSETFROM, TZOFFSETTO)."""
    found: dict[str, list[tuple[timedelta, timedelta]]] = {}
    for component in calendar.walk("VTIMEZONE"):
        assert isinstance(component, Timezone)
        tzid = str(component["TZID"])
        assert tzid not in found, f"two VTIMEZONE for {tzid}"
        found[tzid] = [(sub["TZOFFSETFROM"].td, sub["TZOFFSETTO"].td) for sub in component.subcomponents]
    return found


def unescape(text: str) -> str:
    """A TEXT value as RFC 5545 (3.3.11) escapes it, unescaped: for X- properties icalendar leaves as is."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)


def tzid_of(event: Event, name: str) -> str:
    return str(event[name].params["TZID"])


def url_of(settings: Settings, slug: str) -> str:
    return f"{settings.base_url}/challenges/{slug}"


async def test_challenge_calendar_gives_kathmandu_wall_time_with_its_zone_and_vtimezone(
    world: factories.World, db: AsyncSession, anon: Client, settings: Settings
) -> None:
    c = await factories.challenge(
        db, world.event, world.host_a, title="Himalayan hack", timezone="Asia/Kathmandu", start_hour=10
    )
    kathmandu = ZoneInfo("Asia/Kathmandu")
    for path in both(c.slug):
        response = await anon.get(path)
        calendar = parse(response, f"{c.slug}.ics")
        assert calendar["X-WR-CALNAME"] == "Himalayan hack"
        assert zones(calendar) == {"Asia/Kathmandu": [(timedelta(hours=5, minutes=45),) * 2]}
        [event] = calendar.events
        assert event["UID"] == f"{c.slug}@digieduhack"
        assert event.DTSTAMP == NOW
        # 10:00 on the wall in Kathmandu (+05:45) is 04:15 UTC
        assert tzid_of(event, "DTSTART") == "Asia/Kathmandu"
        assert tzid_of(event, "DTEND") == "Asia/Kathmandu"
        assert f"DTSTART;TZID=Asia/Kathmandu:{YEAR}1109T100000\r\n".encode() in response.content
        assert f"DTEND;TZID=Asia/Kathmandu:{YEAR}1109T180000\r\n".encode() in response.content
        assert event.start == datetime(YEAR, 11, 9, 10, 0, tzinfo=kathmandu)
        assert event.start.astimezone(UTC) == datetime(YEAR, 11, 9, 4, 15, tzinfo=UTC)
        assert event.end.astimezone(UTC) == datetime(YEAR, 11, 9, 12, 15, tzinfo=UTC)
        assert event["SUMMARY"] == "Himalayan hack"
        assert event["DESCRIPTION"] == f"A challenge about digital education.\n\n{url_of(settings, c.slug)}"
        assert event["URL"] == url_of(settings, c.slug)
        assert event["LOCATION"] == "Online"
        assert event["STATUS"] == "CONFIRMED"


async def test_challenge_calendar_gives_kiritimati_wall_time_a_day_ahead_of_utc(
    world: factories.World, db: AsyncSession, anon: Client
) -> None:
    c = await factories.challenge(
        db,
        world.event,
        world.host_b,
        title="Line Islands lab",
        timezone="Pacific/Kiritimati",
        fmt=ChallengeFormat.IN_PERSON,
        start_hour=9,
        hours=6,
    )
    await db.execute(
        update(Challenge)
        .where(Challenge.id == c.id)
        .values(venue="Island school", city="Tabwakea", country="KI")
    )
    await db.commit()
    for path in both(c.slug):
        response = await anon.get(path)
        calendar = parse(response, f"{c.slug}.ics")
        assert zones(calendar) == {"Pacific/Kiritimati": [(timedelta(hours=14),) * 2]}
        [event] = calendar.events
        assert f"DTSTART;TZID=Pacific/Kiritimati:{YEAR}1109T090000\r\n".encode() in response.content
        assert f"DTEND;TZID=Pacific/Kiritimati:{YEAR}1109T150000\r\n".encode() in response.content
        # 09:00 on 9 November at +14 is 19:00 UTC on 8 November
        assert event.start.astimezone(UTC) == datetime(YEAR, 11, 8, 19, 0, tzinfo=UTC)
        assert event.end.astimezone(UTC) == datetime(YEAR, 11, 9, 1, 0, tzinfo=UTC)
        assert event["LOCATION"] == "Island school, Tabwakea, Kiribati"


async def test_event_calendar_lists_published_and_closed_challenges_of_that_event_by_start(
    world: factories.World, db: AsyncSession, anon: Client
) -> None:
    ev, a, b = world.event, world.host_a, world.host_b
    # created out of order; all at 09:00 local on 9 November: the UTC start decides
    los_angeles = await factories.challenge(db, ev, a, title="Los Angeles", timezone="America/Los_Angeles")
    brussels = await factories.challenge(
        db, ev, b, title="Brussels closed", timezone="Europe/Brussels", status=ChallengeStatus.CLOSED
    )
    kathmandu = await factories.challenge(db, ev, b, title="Kathmandu", timezone="Asia/Kathmandu")
    kiritimati = await factories.challenge(db, ev, a, title="Kiritimati", timezone="Pacific/Kiritimati")
    # never in the file: a draft, a cancelled challenge, the challenges of another edition
    await factories.challenge(
        db, ev, a, title="Secret draft", status=ChallengeStatus.DRAFT, timezone="Asia/Tokyo"
    )
    await factories.challenge(db, ev, a, title="Called off", status=ChallengeStatus.CANCELLED)
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    old = await factories.challenge(db, past, a, title="Back in 2021", timezone="America/Sao_Paulo")
    await factories.challenge(db, past, a, title="Old draft", status=ChallengeStatus.DRAFT)

    for path in both_events(ev.slug):
        calendar = parse(await anon.get(path), f"digieduhack-{ev.slug}.ics")
        assert calendar["X-WR-CALNAME"] == f"DigiEduHack {YEAR}"
        expected = [kiritimati, kathmandu, brussels, los_angeles]
        assert [(str(e["UID"]), str(e["SUMMARY"])) for e in calendar.events] == [
            (f"{c.slug}@digieduhack", c.title) for c in expected
        ]
        assert [str(e["STATUS"]) for e in calendar.events] == ["CONFIRMED"] * 4
        assert [e.start.astimezone(UTC) for e in calendar.events] == [c.starts_at for c in expected]
        assert [tzid_of(e, "DTSTART") for e in calendar.events] == [c.timezone for c in expected]
        # one VTIMEZONE per zone used, and no other
        assert set(zones(calendar)) == {
            "Pacific/Kiritimati",
            "Asia/Kathmandu",
            "Europe/Brussels",
            "America/Los_Angeles",
        }
        # Brussels and Los Angeles change their clocks in the year: both rules are in the file
        assert (timedelta(hours=1), timedelta(hours=2)) in zones(calendar)["Europe/Brussels"]
        assert (timedelta(hours=2), timedelta(hours=1)) in zones(calendar)["Europe/Brussels"]
        assert (timedelta(hours=-7), timedelta(hours=-8)) in zones(calendar)["America/Los_Angeles"]

    for path in both_events("2021"):
        calendar = parse(await anon.get(path), "digieduhack-2021.ics")
        assert calendar["X-WR-CALNAME"] == "DigiEduHack 2021"
        assert [str(e["UID"]) for e in calendar.events] == [f"{old.slug}@digieduhack"]
        assert list(zones(calendar)) == ["America/Sao_Paulo"]


async def test_event_without_listed_challenges_gives_an_empty_calendar(
    world: factories.World, db: AsyncSession, anon: Client
) -> None:
    await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    for path in both_events(world.event.slug):
        calendar = parse(await anon.get(path), f"digieduhack-{world.event.slug}.ics")
        assert calendar.events == []
        assert zones(calendar) == {}


async def test_unknown_event_calendar_is_404(world: factories.World, anon: Client) -> None:
    api = await anon.get("/api/v1/events/1999/calendar.ics")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["detail"] == "There is no event '1999'."
    page = await anon.get("/events/1999/calendar.ics")
    assert page.status_code == 404
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "There is no event '1999'." in visible_text(page.text)


async def test_draft_calendar_is_404_except_for_its_host_and_organizers(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    draft = await factories.challenge(
        db, world.event, world.host_a, title="Not yet", status=ChallengeStatus.DRAFT
    )
    detail = f"There is no challenge '{draft.slug}'."
    for who in (None, world.alice, world.member_b):
        client = await client_factory(who)
        api, page = [await client.get(path) for path in both(draft.slug)]
        assert api.status_code == 404, who
        assert api.headers["content-type"] == "application/problem+json"
        assert api.json()["detail"] == detail
        assert page.status_code == 404, who
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert detail in visible_text(page.text)
        assert b"BEGIN:VCALENDAR" not in api.content + page.content
    for who in (world.member_a, world.organizer):
        client = await client_factory(who)
        for path in both(draft.slug):
            [event] = parse(await client.get(path), f"{draft.slug}.ics").events
            assert event["UID"] == f"{draft.slug}@digieduhack"
            assert event["SUMMARY"] == "Not yet"
    # nor does the event's calendar show it to anyone
    member = await client_factory(world.member_a)
    calendar = parse(await member.get(f"/events/{world.event.slug}/calendar.ics"), f"digieduhack-{YEAR}.ics")
    assert calendar.events == []


async def test_cancelled_challenge_calendar_says_cancelled(
    world: factories.World, db: AsyncSession, anon: Client
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.CANCELLED)
    for path in both(c.slug):
        [event] = parse(await anon.get(path), f"{c.slug}.ics").events
        assert event["STATUS"] == "CANCELLED"


async def test_hostile_text_survives_the_round_trip_exactly(
    world: factories.World, db: AsyncSession, anon: Client, settings: Settings
) -> None:
    title = 'Hack, learn; repeat\nDTSTART:19700101T000000Z\\n "quoted": END:VEVENT'
    summary = "Commas, semicolons; colons: backslashes \\ and\nnew lines\n\nBEGIN:VALARM " + "é" * 60
    c = await factories.challenge(
        db, world.event, world.host_a, title=title, fmt=ChallengeFormat.HYBRID, start_hour=11
    )
    await db.execute(
        update(Challenge)
        .where(Challenge.id == c.id)
        .values(summary=summary, venue="Room 1; floor 2, wing\nB", city="Leuven, Heverlee")
    )
    await db.commit()
    for path in both(c.slug):
        response = await anon.get(path)
        calendar = parse(response, f"{c.slug}.ics")
        # the calendar's name is one line, escaped as text
        name = 'Hack, learn; repeat DTSTART:19700101T000000Z\\n "quoted": END:VEVENT'
        assert unescape(str(calendar["X-WR-CALNAME"])) == name
        assert (
            b'X-WR-CALNAME:Hack\\, learn\\; repeat DTSTART:19700101T000000Z\\\\n "quoted": END:VEVENT\r\n'
            in response.content.replace(b"\r\n ", b"")  # unfolded
        )
        [event] = calendar.events
        assert event["SUMMARY"] == title
        assert event["DESCRIPTION"] == f"{summary}\n\n{url_of(settings, c.slug)}"
        assert event["LOCATION"] == "Room 1; floor 2, wing\nB, Leuven, Heverlee, Belgium"
        # nothing the text says became a property or component of its own
        assert event.start == datetime(YEAR, 11, 9, 11, 0, tzinfo=ZoneInfo("Europe/Brussels"))
        assert [part.name for part in calendar.walk()] == [
            "VCALENDAR",
            "VTIMEZONE",
            "STANDARD",
            "DAYLIGHT",
            "STANDARD",
            "VEVENT",
        ]
        assert len(event.property_items(recursive=False)) == len(PROPERTIES) + 2  # BEGIN and END
        assert {name for name, _ in event.property_items(recursive=False)} == PROPERTIES | {"BEGIN", "END"}
        # lines are folded at 75 octets, as RFC 5545 asks
        assert max(len(line) for line in response.content.split(b"\r\n")) <= 75


async def test_challenge_page_links_to_its_calendar_file_and_the_events(
    world: factories.World, db: AsyncSession, anon: Client
) -> None:
    c = await factories.challenge(db, world.event, world.host_a)
    page = await anon.get(f"/challenges/{c.slug}")
    assert page.status_code == 200
    assert text_of(page.text, "challenge-calendar") == "Add to calendar (.ics)"
    assert text_of(page.text, "event-calendar") == "Whole event in your calendar (.ics)"
    assert f'id="challenge-calendar" href="/challenges/{c.slug}/calendar.ics"' in page.text
    assert f'id="event-calendar" href="/events/{world.event.slug}/calendar.ics"' in page.text
    # the links lead to the files
    parse(await anon.get(f"/challenges/{c.slug}/calendar.ics"), f"{c.slug}.ics")
    parse(await anon.get(f"/events/{world.event.slug}/calendar.ics"), f"digieduhack-{world.event.slug}.ics")
