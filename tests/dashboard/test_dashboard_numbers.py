"""Numbers at a glance: the exact numbers of a seeded edition, for organizers (the whole edition) and a host
(its challenges only), through the API and the page; charts drawn as SVG with a table of the same numbers."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import RegistrationStatus
from tests import factories
from tests.challenges.helpers import counting_queries, text_of
from tests.conftest import ClientFactory
from tests.dashboard.seed import day, days_ago, register, seed, table_rows


def bucket(key: str, label: str, participants: int, challenges: int | None = None) -> dict[str, Any]:
    return {"key": key, "label": label, "participants": participants, "challenges": challenges}


def ref(
    slug: str, title: str, host: tuple[str, str], status: str, capacity: int | None, c: int, w: int
) -> Any:
    return {
        "slug": slug,
        "title": title,
        "host_slug": host[0],
        "host_name": host[1],
        "status": status,
        "capacity": capacity,
        "confirmed": c,
        "waitlisted": w,
        "url": f"/challenges/{slug}",
    }


LEUVEN = ("leuven-lab", "Leuven Lab")
NAIROBI = ("nairobi-circle", "Nairobi Circle")


async def test_the_organizers_dashboard_counts_the_whole_edition_exactly(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    await seed(db, world)
    olga = await client_factory(world.organizer)
    r = await olga.get(f"/api/v1/events/{world.event.slug}/dashboard")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "event_slug": world.event.slug,
        "event_name": world.event.name,
        "host_slug": None,
        "challenges": {"total": 6, "published": 3, "draft": 1, "closed": 1, "cancelled": 1},
        "hosts": 2,
        "participants": {"confirmed": 4, "waitlisted": 1, "checked_in": 1, "cancelled": 1},
        # dave's anonymised account and erin's (no country given) are the unknown ones
        "by_country": [
            bucket("unknown", "Unknown", 2),
            bucket("BE", "Belgium", 1),
            bucket("KE", "Kenya", 1),
            bucket("PT", "Portugal", 1),
        ],
        "by_host_kind": [bucket("university", "University", 4, 2), bucket("ngo", "NGO", 1, 3)],
        "by_format": [
            bucket("online", "Online", 3, 2),
            bucket("in_person", "In person", 2, 2),
            bucket("hybrid", "Hybrid", 0, 1),
        ],
        "by_language": [bucket("en", "English", 4, 4), bucket("nl", "Dutch", 1, 1)],
        # UTC days from the first registration to today (the event is later), zero-filled; frank's
        # cancelled registration was made 5 days ago too; bob's of 2021 is not this edition's
        "per_day": [
            {"day": day(5), "registrations": 2},
            {"day": day(4), "registrations": 0},
            {"day": day(3), "registrations": 2},
            {"day": day(2), "registrations": 0},
            {"day": day(1), "registrations": 2},
            {"day": day(0), "registrations": 0},
        ],
        "full": [
            ref("alpha", "Alpha", LEUVEN, "published", 2, 2, 1),
            ref("zeta", "Zeta", NAIROBI, "closed", 1, 1, 0),
        ],
        "empty": [ref("gamma", "Gamma", NAIROBI, "published", None, 0, 0)],
    }


async def test_a_hosts_dashboard_counts_only_its_own_challenges(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    await seed(db, world)
    hanne = await client_factory(world.member_a)
    r = await hanne.get(f"/api/v1/hosts/{world.host_a.slug}/dashboard")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["event_slug"], body["host_slug"]) == (world.event.slug, "leuven-lab")
    assert body["challenges"] == {"total": 3, "published": 2, "draft": 0, "closed": 0, "cancelled": 1}
    assert body["hosts"] == 1
    assert body["participants"] == {"confirmed": 3, "waitlisted": 1, "checked_in": 1, "cancelled": 1}
    assert [(b["key"], b["participants"]) for b in body["by_country"]] == [
        ("BE", 1),
        ("KE", 1),
        ("PT", 1),
        ("unknown", 1),
    ]
    assert body["by_host_kind"] == [bucket("university", "University", 4, 2)]
    assert body["by_format"] == [bucket("online", "Online", 3, 1), bucket("in_person", "In person", 1, 1)]
    assert [(d["day"], d["registrations"]) for d in body["per_day"]] == [
        (day(5), 2),
        (day(4), 0),
        (day(3), 2),
        (day(2), 0),
        (day(1), 1),
        (day(0), 0),
    ]
    assert [c["slug"] for c in body["full"]] == ["alpha"] and body["empty"] == []
    # the other host's, seen by the organizer
    olga = await client_factory(world.organizer)
    other = (await olga.get(f"/api/v1/hosts/{world.host_b.slug}/dashboard")).json()
    assert other["participants"] == {"confirmed": 1, "waitlisted": 0, "checked_in": 0, "cancelled": 0}
    assert other["per_day"] == [{"day": day(1), "registrations": 1}, {"day": day(0), "registrations": 0}]
    assert [c["slug"] for c in other["full"]] == ["zeta"]
    assert [c["slug"] for c in other["empty"]] == ["gamma"]


async def test_a_hosts_dashboard_of_another_edition_is_chosen_with_the_event_parameter(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    await seed(db, world)
    hanne = await client_factory(world.member_a)
    r = await hanne.get(f"/api/v1/hosts/{world.host_a.slug}/dashboard", params={"event": "2021"})
    body = r.json()
    assert (body["event_slug"], body["challenges"]["total"], body["participants"]["confirmed"]) == (
        "2021",
        1,
        1,
    )
    # the per-day series of a past edition stops at the last registration (after its first day)
    assert body["per_day"] == [{"day": day(2), "registrations": 1}]
    assert body["empty"] == [] and [c["slug"] for c in body["full"]] == []
    missing = await hanne.get(f"/api/v1/hosts/{world.host_a.slug}/dashboard", params={"event": "1999"})
    assert (missing.status_code, missing.json()["detail"]) == (404, "There is no event '1999'.")
    page = await hanne.get(f"/hosts/{world.host_a.slug}/dashboard?event=2021")
    assert page.status_code == 200
    assert text_of(page.text, "total-confirmed") == "1 confirmed"


async def test_an_empty_edition_has_zeros_and_no_days(
    world: factories.World, client_factory: ClientFactory
) -> None:
    olga = await client_factory(world.organizer)
    body = (await olga.get(f"/api/v1/events/{world.event.slug}/dashboard")).json()
    assert body["challenges"] == {"total": 0, "published": 0, "draft": 0, "closed": 0, "cancelled": 0}
    assert body["participants"] == {"confirmed": 0, "waitlisted": 0, "checked_in": 0, "cancelled": 0}
    assert (body["hosts"], body["by_country"], body["per_day"], body["full"], body["empty"]) == (
        0,
        [],
        [],
        [],
        [],
    )
    page = await olga.get(f"/events/{world.event.slug}/dashboard")
    assert page.status_code == 200
    assert text_of(page.text, "chart-per-day") == (
        "Registrations made per day (UTC), cancelled ones included No registrations yet."
    )


async def test_days_are_zero_filled_from_the_opening_of_registration(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    world.event.registration_opens_at = days_ago(4, 8)
    db.add(world.event)
    await db.commit()
    c = await factories.challenge(db, world.event, world.host_a, slug="one")
    await register(db, c, world.alice, days_ago(2, 23))
    olga = await client_factory(world.organizer)
    body = (await olga.get(f"/api/v1/events/{world.event.slug}/dashboard")).json()
    assert [(d["day"], d["registrations"]) for d in body["per_day"]] == [
        (day(4), 0),
        (day(3), 0),
        (day(2), 1),
        (day(1), 0),
        (day(0), 0),
    ]


async def test_the_dashboard_page_draws_each_chart_as_an_svg_image_followed_by_its_table(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    await seed(db, world)
    olga = await client_factory(world.organizer)
    r = await olga.get(f"/events/{world.event.slug}/dashboard")
    assert r.status_code == 200
    html = r.text
    assert text_of(html, "total-challenges") == ("6 challenges 3 published, 1 draft, 1 closed, 1 cancelled")
    assert text_of(html, "total-hosts") == "2 hosts"
    assert text_of(html, "total-confirmed") == "4 confirmed"
    assert text_of(html, "total-waitlisted") == "1 on waitlists"
    assert text_of(html, "total-checked-in") == "1 checked in"
    # each chart: an image named by its <title> and described by its <desc>, then a table of the same numbers
    for chart in ["chart-country", "chart-host-kind", "chart-format", "chart-language", "chart-per-day"]:
        assert re.search(
            rf'<svg class="\w+" [^>]*role="img" aria-labelledby="{chart}-title {chart}-desc"', html
        ), chart
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html, chart
        assert f'id="{chart}-table"' in html, chart
    assert text_of(html, "chart-country-desc") == "Unknown: 2; Belgium: 1; Kenya: 1; Portugal: 1."
    assert table_rows(html, "chart-country-table") == [
        ["Country", "Participants"],
        ["Unknown (unknown)", "2"],
        ["Belgium (BE)", "1"],
        ["Kenya (KE)", "1"],
        ["Portugal (PT)", "1"],
    ]
    assert table_rows(html, "chart-format-table") == [
        ["Format", "Participants", "Challenges"],
        ["Online (online)", "3", "2"],
        ["In person (in_person)", "2", "2"],
        ["Hybrid (hybrid)", "0", "1"],
    ]
    assert text_of(html, "chart-per-day-desc") == (
        f"From {day(5)} to {day(0)} (UTC days): 6 registrations, at most 2 in a day."
    )
    assert table_rows(html, "chart-per-day-table") == [
        ["Day (UTC)", "Registrations made"],
        *([day(n), str(count)] for n, count in [(5, 2), (4, 0), (3, 2), (2, 0), (1, 2), (0, 0)]),
    ]
    # one bar per day, the highest days the tallest (110 px), empty days flat
    heights = re.findall(
        r'<rect class="day-bar" x="[\d.]+%" y="[\d.]+" width="[\d.]+%" height="([\d.]+)"', html
    )
    assert heights == ["110.0", "0.0", "110.0", "0.0", "110.0", "0.0"]
    # the challenges to look at, with links
    assert text_of(html, "full-challenges") == (
        "Alpha · Leuven Lab · 2 of 2 places, 1 waiting Zeta · Nairobi Circle · 1 of 1 places, 0 waiting"
    )
    assert '<a href="/challenges/gamma">Gamma</a>' in html
    # no inline script or style: the CSP forbids them
    assert "<script>" not in html and "style=" not in html


async def test_the_dashboard_costs_the_same_number_of_queries_whatever_the_size(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    seeded = await seed(db, world)
    olga = await client_factory(world.organizer)
    urls = [
        f"/api/v1/events/{world.event.slug}/dashboard",
        f"/api/v1/hosts/{world.host_a.slug}/dashboard",
        f"/api/v1/events/{world.event.slug}/readiness",
    ]

    async def queries() -> list[int]:
        counts = []
        for url in urls:
            await olga.get(url)
            with counting_queries(app) as statements:
                assert (await olga.get(url)).status_code == 200
            counts.append(len(statements))
        return counts

    before = await queries()
    for n in range(12):
        h = await factories.host(db, await factories.account(db), slug=f"more-{n}")
        c = await factories.challenge(db, world.event, h if n % 2 else world.host_a, slug=f"more-{n}")
        await register(db, c, await factories.account(db, country="IT"), days_ago(n % 4))
    await register(
        db, seeded.gamma, await factories.account(db, country="NL"), days_ago(0), RegistrationStatus.CONFIRMED
    )
    assert await queries() == before


async def test_a_deleted_account_still_counts_in_a_past_edition_with_an_unknown_country(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    archived = await factories.challenge(db, past, world.host_a, slug="archived", capacity=1)
    await register(db, archived, world.bob, days_ago(2))
    bob = await client_factory(world.bob)
    gone = await bob.delete("/api/v1/me", json={"password": factories.PASSWORD})
    assert gone.status_code == 204, gone.text
    olga = await client_factory(world.organizer)
    body = (await olga.get("/api/v1/events/2021/dashboard")).json()
    assert body["participants"] == {"confirmed": 1, "waitlisted": 0, "checked_in": 0, "cancelled": 0}
    assert body["by_country"] == [bucket("unknown", "Unknown", 1)]
    assert [c["slug"] for c in body["full"]] == ["archived"]


async def test_a_hosts_dashboard_page_shows_its_numbers_and_its_readiness(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    await seed(db, world)
    hanne = await client_factory(world.member_a)
    r = await hanne.get(f"/hosts/{world.host_a.slug}/dashboard")
    assert r.status_code == 200
    assert text_of(r.text, "total-challenges") == "3 challenges 2 published, 0 draft, 0 closed, 1 cancelled"
    assert text_of(r.text, "total-hosts") is None  # one host: itself
    assert text_of(r.text, "chart-host-kind") is None
    assert table_rows(r.text, "chart-language-table") == [
        ["Language", "Participants", "Challenges"],
        ["English (en)", "3", "1"],
        ["Dutch (nl)", "1", "1"],
    ]
    assert text_of(r.text, "readiness-title") == "Ready for the event: 50%"
    assert (
        text_of(r.text, "check-contact")
        == "✗ Contact given (e-mail or website): no contact e-mail or website"
    )
    assert text_of(r.text, "check-capacity") == "✓ Capacity set"
    assert "Nairobi" not in r.text and "Gamma" not in r.text
