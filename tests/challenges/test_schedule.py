"""Follow the sun: every listed challenge of an event on one UTC timeline (an SVG drawn in percent of the
event's window, and a table that says the same), with the catalog's filters, in a constant number of
queries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import FixedClock
from digieduhack.models import Challenge, ChallengeFormat, ChallengeStatus
from tests import factories
from tests.challenges.helpers import YEAR, counting_queries, text_of
from tests.conftest import Client, ClientFactory

# 9 November begins at 10:00 UTC on the 8th in Kiritimati (UTC+14); 10 November ends at 12:00 UTC on the
# 11th on Baker Island (UTC-12): 74 hours
WINDOW_START = datetime(YEAR, 11, 8, 10, tzinfo=UTC)
HOURS = 74


def pct(moment: datetime) -> float:
    return round(100 * (moment - WINDOW_START).total_seconds() / (HOURS * 3600), 3)


def fmt(value: float) -> str:
    """A percentage as Jinja writes a float."""
    return f"{value}%"


def bars(html: str) -> list[tuple[str, str, str]]:
    """(slug, x, width) of each bar of the drawing, in order."""
    return re.findall(r'<rect id="bar-([^"]+)" class="[^"]*" x="([^"]+)" y="\d+" width="([^"]+)"', html)


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="row-([^"]+)">', html)


@pytest.fixture
async def sun(world: factories.World, db: AsyncSession) -> dict[str, Challenge]:
    """Four listed challenges at 09:00-17:00 local on 9 November, made out of order; two that never show."""
    ev, a, b = world.event, world.host_a, world.host_b
    made = {
        "los_angeles": await factories.challenge(db, ev, a, title="LA", timezone="America/Los_Angeles"),
        "brussels": await factories.challenge(
            db, ev, b, title="Brussels", fmt=ChallengeFormat.IN_PERSON, status=ChallengeStatus.CLOSED
        ),
        "kathmandu": await factories.challenge(db, ev, b, title="Kathmandu", timezone="Asia/Kathmandu"),
        "kiritimati": await factories.challenge(db, ev, a, title="Kiritimati", timezone="Pacific/Kiritimati"),
    }
    await factories.challenge(db, ev, a, title="Secret draft", status=ChallengeStatus.DRAFT)
    await factories.challenge(db, ev, a, title="Called off", status=ChallengeStatus.CANCELLED)
    return made


async def test_schedule_places_each_challenge_on_one_utc_timeline_by_start(
    sun: dict[str, Challenge], world: factories.World, app: Litestar, anon: Client
) -> None:
    order = [sun[k] for k in ("kiritimati", "kathmandu", "brussels", "los_angeles")]
    app.state.clock = FixedClock(datetime(YEAR, 11, 12, tzinfo=UTC))  # all over, after the window

    response = await anon.get(f"/events/{world.event.slug}/schedule")

    assert response.status_code == 200
    expected = [
        (c.slug, fmt(pct(c.starts_at)), fmt(round(pct(c.ends_at) - pct(c.starts_at), 3))) for c in order
    ]
    assert bars(response.text) == expected
    # e.g. Brussels: 08:00-16:00 UTC on the 9th is 22 to 30 hours into the 74
    assert expected[2][1:] == ("29.73%", "10.811%")
    assert expected[0][1:] == ("12.162%", "10.811%")  # Kiritimati: 19:00 UTC on the 8th
    assert rows(response.text) == [c.slug for c in order]
    tuesday = f"{date(YEAR, 11, 9):%a} 9 Nov {YEAR}"
    assert text_of(response.text, f"row-{sun['kathmandu'].slug}") == (
        f"Kathmandu Online {tuesday}, 09:00–17:00 (Asia/Kathmandu, UTC+05:45) "
        f"{tuesday}, 03:15–11:15 UTC Ended"
    )
    # each bar links to its challenge; the hour ticks are in UTC, labelled every six hours
    assert f'<a href="/challenges/{sun["brussels"].slug}" tabindex="-1">' in response.text
    labels = re.findall(r'<text class="tick-label" x="([^"]+)" y="16">([^<]+)</text>', response.text)
    assert labels[:5] == [
        ("2.703%", "12:00"),
        ("10.811%", "18:00"),
        ("18.919%", f"{date(YEAR, 11, 9):%a} 9 Nov"),
        ("27.027%", "06:00"),
        ("35.135%", "12:00"),
    ]
    assert len(labels) == 13  # 12:00 on the 8th to 12:00 on the 11th
    assert response.text.count('<line class="tick') == HOURS + 1
    assert text_of(response.text, "schedule-summary") == (
        "4 challenges · Choose the challenges in the catalog · Add them to your calendar (.ics)"
    )


async def test_the_current_time_is_marked_when_it_falls_in_the_window(
    sun: dict[str, Challenge], app: Litestar, anon: Client
) -> None:
    app.state.clock = FixedClock(datetime(YEAR, 11, 9, 12, 0, tzinfo=UTC))
    response = await anon.get("/schedule")
    assert '<line id="now-marker" class="now" x1="35.135%" x2="35.135%"' in response.text
    assert text_of(response.text, "now-text") == f"Now: {date(YEAR, 11, 9):%a} 9 Nov {YEAR}, 12:00 UTC."
    assert text_of(response.text, f"row-{sun['los_angeles'].slug}").endswith(
        "10 places left · Starts in 5 hours"
    )

    app.state.clock = FixedClock(datetime(YEAR, 10, 1, tzinfo=UTC))
    response = await anon.get("/schedule")
    assert "now-marker" not in response.text
    assert text_of(response.text, "now-text") is None


async def test_schedule_honours_the_catalogs_filters_and_names_bad_ones(
    sun: dict[str, Challenge], world: factories.World, anon: Client
) -> None:
    for path in ("/schedule", f"/events/{world.event.slug}/schedule"):
        response = await anon.get(f"{path}?format=in_person")
        assert rows(response.text) == [sun["brussels"].slug]
        assert text_of(response.text, "schedule-summary") == (
            "1 challenge · Filters: Format: in_person · Choose the challenges in the catalog "
            "· Add them to your calendar (.ics)"
        )
        assert f'href="/challenges?event={YEAR}&amp;format=in_person"' in response.text
        assert f'href="/challenges/calendar.ics?event={YEAR}&amp;format=in_person"' in response.text

        api = (await anon.get("/api/v1/challenges?q=kath")).json()
        response = await anon.get(f"{path}?q=kath")
        assert rows(response.text) == [i["slug"] for i in api["items"]] == [sun["kathmandu"].slug]

        response = await anon.get(f"{path}?format=teleport&free=maybe")
        assert response.status_code == 400
        assert text_of(response.text, "schedule-errors") == (
            "These filters were ignored: Format (format): 'teleport' is not one of the allowed choices.; "
            "Places (free): Enter true or false."
        )
        assert len(rows(response.text)) == 4

        response = await anon.get(f"{path}?q=nothing+like+this")
        assert rows(response.text) == []
        assert "No challenges to show" in response.text


async def test_schedule_of_another_edition_and_of_none(
    sun: dict[str, Challenge], world: factories.World, db: AsyncSession, anon: Client
) -> None:
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    old = await factories.challenge(db, past, world.host_a, timezone="UTC")
    for path in ("/schedule?event=2021", "/events/2021/schedule", "/events/2021/schedule?event=nope"):
        response = await anon.get(path)
        assert rows(response.text) == [old.slug], path
        # 09:00-17:00 UTC on 9 November 2021 is 23 to 31 hours into that edition's 74
        assert bars(response.text) == [(old.slug, "31.081%", "10.811%")]
    assert (await anon.get("/events/1999/schedule")).status_code == 404
    assert (await anon.get("/schedule?event=1999")).status_code == 404


async def test_schedule_shows_the_viewers_zone_in_the_table(
    sun: dict[str, Challenge], client_factory: ClientFactory
) -> None:
    client = await client_factory()
    client.raw.cookies.set("tz", "America/Sao_Paulo", domain="testserver.local")
    response = await client.get("/schedule")
    assert '<th scope="col">In your time zone (America/Sao_Paulo)</th>' in response.text
    row = text_of(response.text, f"row-{sun['brussels'].slug}")
    assert row is not None
    assert f"08:00–16:00 UTC {date(YEAR, 11, 9):%a} 9 Nov {YEAR}, 05:00–13:00 " in row


async def test_schedule_costs_the_same_number_of_queries_for_3_or_30_challenges(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: Any
) -> None:
    anon, logged_in = await client_factory(), await client_factory(world.alice)
    urls = ["/schedule", f"/events/{world.event.slug}/schedule?format=online&q=challenge&free=true"]
    counts: dict[int, list[int]] = {}
    made = 0
    for total in (3, 30):
        while made < total:
            await factories.challenge(db, world.event, world.host_a if made % 2 else world.host_b)
            made += 1
        counts[total] = []
        for url in urls:
            for client in (anon, logged_in):
                await client.get(url)
                with counting_queries(app) as statements:
                    response = await client.get(url)
                assert len(rows(response.text)) == total
                counts[total].append(len(statements))
    assert counts[3] == counts[30]
    # at most: the log-in session and its account's memberships, the editions (to pick the current one),
    # the challenges with their host and event, their labels
    assert max(counts[30]) <= 6, counts


async def test_schedule_refuses_more_challenges_than_one_view_holds(
    sun: dict[str, Challenge], anon: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digieduhack.challenges import services

    monkeypatch.setattr(services, "MAX_IN_ONE_VIEW", 3)
    response = await anon.get("/schedule")
    assert response.status_code == 400
    assert "More than 3 challenges match: one view holds at most 3" in response.text
    assert (await anon.get("/schedule?format=in_person")).status_code == 200
