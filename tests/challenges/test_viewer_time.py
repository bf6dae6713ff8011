"""Times in the viewer's own zone: the account's choice, else the browser's (cookie `tz`, set by
static/js/timezone.js), else none; shown beside the challenge's own zone and UTC on its page and in the
catalog, only when it adds something. /me/timezone lets an account choose its zone."""

from __future__ import annotations

from datetime import date

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Account, AgendaItem, Challenge
from tests import factories
from tests.challenges.helpers import YEAR, fetch_one, text_of
from tests.conftest import Client, ClientFactory


def day(d: int, year: int = YEAR) -> str:
    """'Tue 9 Nov 2027', as the pages write a date."""
    return date(year, 11, d).strftime(f"%a {d} %b {year}")


async def with_zone_cookie(client: Client, zone: str) -> Client:
    client.raw.cookies.set("tz", zone, domain="testserver.local")
    return client


async def your_time(client: Client, c: Challenge) -> tuple[str | None, str | None]:
    """The viewer's-zone sentence on the challenge's page and on its catalog card."""
    page = (await client.get(f"/challenges/{c.slug}")).text
    catalog = (await client.get("/challenges")).text
    return text_of(page, "your-time"), text_of(catalog, f"your-time-{c.slug}")


@pytest.fixture
async def brussels(world: factories.World, db: AsyncSession) -> Challenge:
    """09:00-17:00 on 9 November in Brussels (UTC+01:00): 08:00-16:00 UTC."""
    return await factories.challenge(
        db, world.event, world.host_a, title="Brussels", timezone="Europe/Brussels"
    )


async def test_browser_zone_from_the_cookie_shows_kathmandu_times_with_its_quarter_hour_offset(
    brussels: Challenge, client_factory: ClientFactory
) -> None:
    client = await with_zone_cookie(await client_factory(), "Asia/Kathmandu")

    sentence = f"That is {day(9)}, 13:45–21:45 in your time zone (Asia/Kathmandu, UTC+05:45)."
    assert await your_time(client, brussels) == (sentence, sentence)
    # beside the challenge's own zone with its offset, and UTC
    card = text_of((await client.get("/challenges")).text, f"when-{brussels.slug}")
    assert (
        card == f"{day(9)}, 09:00–17:00 (Europe/Brussels, UTC+01:00) · {day(9)}, 08:00–16:00 UTC {sentence}"
    )


async def test_kiritimati_viewer_sees_a_los_angeles_challenge_on_the_next_day(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    los_angeles = await factories.challenge(db, world.event, world.host_a, timezone="America/Los_Angeles")
    client = await with_zone_cookie(await client_factory(), "Pacific/Kiritimati")

    # 09:00-17:00 at UTC-08:00 on the 9th is 17:00 UTC on the 9th to 01:00 UTC on the 10th
    sentence = f"That is {day(10)}, 07:00–15:00 in your time zone (Pacific/Kiritimati, UTC+14:00)."
    assert await your_time(client, los_angeles) == (sentence, sentence)


async def test_times_crossing_midnight_in_the_viewers_zone_name_both_days(
    brussels: Challenge, client_factory: ClientFactory
) -> None:
    client = await with_zone_cookie(await client_factory(), "America/Los_Angeles")

    sentence = f"That is {day(9)}, 00:00–08:00 in your time zone (America/Los_Angeles, UTC-08:00)."
    assert await your_time(client, brussels) == (sentence, sentence)
    client = await with_zone_cookie(await client_factory(), "Pacific/Auckland")
    sentence = f"That is {day(9)}, 21:00 – {day(10)}, 05:00 in your time zone (Pacific/Auckland, UTC+13:00)."
    assert await your_time(client, brussels) == (sentence, sentence)


async def test_a_clock_change_during_the_challenge_shows_both_offsets_of_the_viewers_zone(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    # New York left daylight-saving time at 06:00 UTC on Sunday 7 November 2021 (UTC-04:00 -> UTC-05:00);
    # Brussels had already, on 31 October: 20:00 Saturday to 12:00 Sunday there is 19:00 to 11:00 UTC
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 6), ends_on=date(2021, 11, 7))
    c = await factories.challenge(db, past, world.host_a, timezone="Europe/Brussels", start_hour=20, hours=16)
    client = await with_zone_cookie(await client_factory(), "America/New_York")

    page = (await client.get(f"/challenges/{c.slug}")).text

    assert text_of(page, "your-time") == (
        f"That is {day(6, 2021)}, 15:00 – {day(7, 2021)}, 06:00 in your time zone "
        "(America/New_York, UTC-04:00 / UTC-05:00)."
    )


async def test_the_accounts_zone_comes_before_the_browsers(
    brussels: Challenge, world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    world.alice.timezone = "America/Sao_Paulo"
    await db.commit()
    client = await with_zone_cookie(await client_factory(world.alice), "Asia/Kathmandu")

    sentence = f"That is {day(9)}, 05:00–13:00 in your time zone (America/Sao_Paulo, UTC-03:00). Change"
    assert await your_time(client, brussels) == (sentence, sentence)


async def test_without_a_zone_or_with_a_bad_cookie_no_viewer_time_is_shown(
    brussels: Challenge, client_factory: ClientFactory
) -> None:
    assert await your_time(await client_factory(), brussels) == (None, None)
    for bad in ("Mars/Olympus_Mons", "../../etc/passwd", "UTC" * 30, "asia/kathmandu", "<script>"):
        client = await with_zone_cookie(await client_factory(), bad)
        response = await client.get(f"/challenges/{brussels.slug}")
        assert response.status_code == 200
        assert await your_time(client, brussels) == (None, None), bad


async def test_the_same_zone_is_not_repeated_and_the_same_clock_is_said_in_one_sentence(
    brussels: Challenge, client_factory: ClientFactory
) -> None:
    same = await with_zone_cookie(await client_factory(), "Europe/Brussels")
    assert await your_time(same, brussels) == (None, None)

    paris = await with_zone_cookie(await client_factory(), "Europe/Paris")
    sentence = "That is the same time in your time zone (Europe/Paris)."
    assert await your_time(paris, brussels) == (sentence, sentence)


# --- /me/timezone -------------------------------------------------------------------------------------
async def stored_zone(app: Litestar, account: Account) -> str | None:
    zone: str | None = await fetch_one(app, select(Account.timezone).where(Account.id == account.id))
    return zone


async def test_participant_chooses_a_zone_and_pages_use_it(
    brussels: Challenge, world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    client = await with_zone_cookie(await client_factory(world.alice), "Asia/Kathmandu")
    form = await client.get("/me/timezone")
    assert form.status_code == 200
    assert text_of(form.text, "browser-zone") == "Your browser says your time zone is Asia/Kathmandu."
    assert '<option value="" selected>Use my browser\'s time zone (Asia/Kathmandu)</option>' in form.text

    response = await client.submit("/me/timezone", {"timezone": "Pacific/Kiritimati"})

    assert response.status_code == 302
    assert response.headers["location"] == "/me/timezone"
    assert await stored_zone(app, world.alice) == "Pacific/Kiritimati"
    again = await client.get("/me/timezone")
    assert '<option value="Pacific/Kiritimati" selected>Pacific/Kiritimati</option>' in again.text
    assert "Time zone saved: times are shown in it too." in again.text
    page, _ = await your_time(client, brussels)
    assert page == (
        f"That is {day(9)}, 22:00 – {day(10)}, 06:00 in your time zone (Pacific/Kiritimati, UTC+14:00). "
        "Change"
    )

    # back to the browser's zone
    response = await client.submit("/me/timezone", {"timezone": ""})
    assert response.status_code == 302
    assert await stored_zone(app, world.alice) is None
    page, _ = await your_time(client, brussels)
    assert page == f"That is {day(9)}, 13:45–21:45 in your time zone (Asia/Kathmandu, UTC+05:45). Change"


async def test_an_unknown_zone_is_refused_next_to_the_field_and_nothing_is_saved(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    world.alice.timezone = "Europe/Lisbon"
    await db.commit()
    client = await client_factory(world.alice)

    for bad, message in [
        ("Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not a known IANA time zone, e.g. Europe/Brussels."),
        ("x" * 65, "Must be at most 64 characters long."),
    ]:
        response = await client.submit("/me/timezone", {"timezone": bad})
        assert response.status_code == 422
        assert text_of(response.text, "error-timezone") == message
        assert await stored_zone(app, world.alice) == "Europe/Lisbon"


async def test_choosing_a_zone_needs_a_login_and_the_csrf_token(
    world: factories.World, app: Litestar, client_factory: ClientFactory
) -> None:
    anon = await client_factory()
    response = await anon.get("/me/timezone", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (302, "/login?next=/me/timezone")

    client = await client_factory(world.alice)
    forged = await client.raw.post("/me/timezone", data={"timezone": "Asia/Tokyo"}, follow_redirects=False)
    assert forged.status_code == 403
    assert await stored_zone(app, world.alice) is None


async def test_agenda_items_are_shown_in_the_viewers_zone_too_when_it_differs(
    brussels: Challenge, db: AsyncSession, client_factory: ClientFactory
) -> None:
    kick_off = brussels.starts_at  # 09:00 in Brussels, 08:00 UTC
    db.add(AgendaItem(challenge_id=brussels.id, starts_at=kick_off, title="Kick-off"))
    await db.commit()
    anonymous = await client_factory()
    in_kathmandu = await with_zone_cookie(await client_factory(), "Asia/Kathmandu")
    in_brussels = await with_zone_cookie(await client_factory(), "Europe/Brussels")

    assert text_of((await in_kathmandu.get(f"/challenges/{brussels.slug}")).text, "agenda") == (
        "Agenda Local time (Europe/Brussels) UTC Your time (Asia/Kathmandu) What "
        f"{day(9)}, 09:00 {day(9)}, 08:00 {day(9)}, 13:45 Kick-off"
    )
    # no third column when the viewer's zone is the challenge's, or unknown
    for client in (in_brussels, anonymous):
        assert text_of((await client.get(f"/challenges/{brussels.slug}")).text, "agenda") == (
            f"Agenda Local time (Europe/Brussels) UTC What {day(9)}, 09:00 {day(9)}, 08:00 Kick-off"
        )
