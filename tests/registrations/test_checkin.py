"""Check-in on the event day: members of the challenge's host and organizers mark confirmed participants
present (API, the check-in page, the page a participant's QR code opens), from 00:00 UTC the day before the
challenge starts until the edition is over; twice keeps the first time; each change is audited."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import FixedClock
from digieduhack.models import AuditEntry, Challenge, Registration, RegistrationStatus
from digieduhack.registrations import codes
from digieduhack.timezones import format_local
from tests import factories
from tests.challenges.helpers import fetch_all, iso, text_of, visible_text
from tests.conftest import ClientFactory, event_day
from tests.registrations.support import messages
from tests.security.support import assert_problem

WAITLISTED = RegistrationStatus.WAITLISTED
CANCELLED = RegistrationStatus.CANCELLED
CHECKIN_LINK = re.compile(r"http://[^\s\"<]+/checkin/([\w.=-]+)")


def morning(world: factories.World) -> datetime:
    """08:30 UTC on the first day: the Brussels challenges of the factories started at 08:00 UTC."""
    return event_day(world.event.starts_on, 8, 30)


@pytest.fixture
async def day(app: Litestar, world: factories.World) -> datetime:
    """The clock on the event day, before anyone logs in (sessions start at the clock's time)."""
    app.state.clock = FixedClock(morning(world))
    return morning(world)


async def setup(db: AsyncSession, world: factories.World) -> tuple[Challenge, Registration]:
    """Leuven Lab's challenge (Brussels, 09:00 local on day 1) with Alice confirmed."""
    c = await factories.challenge(db, world.event, world.host_a, slug="lab", title="Lab day")
    reg = await factories.registration(db, c, world.alice)
    return c, reg


def api_url(c: Challenge, reg: Registration | int) -> str:
    rid = reg if isinstance(reg, int) else reg.id
    return f"/api/v1/challenges/{c.slug}/registrations/{rid}/check-in"


async def checked_in_at(app: Litestar, reg: Registration) -> datetime | None:
    rows = await fetch_all(app, select(Registration.checked_in_at).where(Registration.id == reg.id))
    value: datetime | None = rows[0][0]
    return value


async def audit(app: Litestar) -> list[tuple[str, int | None, str, dict[str, Any]]]:
    rows = await fetch_all(
        app,
        select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.target, AuditEntry.details).order_by(
            AuditEntry.id
        ),
    )
    return [(a, actor, target, dict(details)) for a, actor, target, details in rows]


def token_of(app: Litestar, reg: Registration) -> str:
    return codes.checkin_token(app.state.settings, reg)


# --- the API: who, when, what --------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["member", "organizer"])
async def test_host_member_or_organizer_checks_a_confirmed_participant_in_once_and_it_is_audited(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    day: datetime,
    who: str,
) -> None:
    c, reg = await setup(db, world)
    actor = world.member_a if who == "member" else world.organizer
    client = await client_factory(actor)

    first = await client.post(api_url(c, reg))
    app.state.clock = FixedClock(day + timedelta(minutes=5))
    again = await client.post(api_url(c, reg))

    assert first.status_code == 200, first.text
    assert first.json() == {
        "id": reg.id,
        "name": "Alice Participant",
        "email": "alice@example.org",
        "status": "confirmed",
        "waitlist_position": None,
        "created_at": first.json()["created_at"],
        "answers": [],
        "checked_in_at": iso(day),
    }
    # idempotent: the second tap keeps the first time and records nothing more
    assert (again.status_code, again.json()["checked_in_at"]) == (200, iso(day))
    assert await checked_in_at(app, reg) == day
    assert await audit(app) == [
        (
            "registration.check_in",
            actor.id,
            "challenge:lab",
            {"registration": reg.id, "account": world.alice.id},
        )
    ]


async def test_undo_clears_the_check_in_and_is_audited_and_undoing_again_changes_nothing(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    c, reg = await setup(db, world)
    member = await client_factory(world.member_a)
    assert (await member.post(api_url(c, reg))).status_code == 200

    undone = await member.delete(api_url(c, reg))
    again = await member.delete(api_url(c, reg))
    redo = await member.post(api_url(c, reg))

    assert (undone.status_code, undone.json()["checked_in_at"]) == (200, None)
    assert (again.status_code, again.json()["checked_in_at"]) == (200, None)
    assert (redo.status_code, redo.json()["checked_in_at"]) == (200, iso(day))
    assert [a for a, *_ in await audit(app)] == [
        "registration.check_in",
        "registration.check_in_undo",
        "registration.check_in",
    ]


@pytest.mark.parametrize("who", ["other host", "participant", "anonymous"])
async def test_check_in_is_refused_to_anyone_but_the_hosts_members_and_organizers(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    day: datetime,
    who: str,
) -> None:
    c, reg = await setup(db, world)
    account = {"other host": world.member_b, "participant": world.alice, "anonymous": None}[who]
    client = await client_factory(account)

    api_in = await client.post(api_url(c, reg))
    api_undo = await client.delete(api_url(c, reg))
    page_list = await client.get(f"/challenges/{c.slug}/checkin", follow_redirects=False)
    page_tap = await client.submit(f"/challenges/{c.slug}/checkin/{reg.id}")
    code_tap = await client.submit(f"/checkin/{token_of(app, reg)}")

    if account is None:
        for r in (api_in, api_undo):
            assert_problem(r, 401, detail="Log in to continue.")
        assert (page_list.status_code, page_list.headers["location"]) == (
            302,
            f"/login?next=/challenges/{c.slug}/checkin",
        )
        for r in (page_tap, code_tap):
            assert r.status_code == 302 and r.headers["location"].startswith("/login")
    else:
        detail = "Only organizers and members of this challenge's host can check participants in."
        for r in (api_in, api_undo):
            assert_problem(r, 403, detail=detail)
        for r in (page_list, page_tap, code_tap):
            assert r.status_code == 403, r.text
        assert "alice@example.org" not in page_list.text
    assert await checked_in_at(app, reg) is None
    assert await audit(app) == []


async def test_unknown_ids_and_registrations_of_another_challenge_are_not_found(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    c, reg = await setup(db, world)
    other = await factories.challenge(db, world.event, world.host_a, slug="other")
    bobs = await factories.registration(db, other, world.bob)
    member = await client_factory(world.member_a)

    assert_problem(
        await member.post(api_url(c, bobs)), 404, detail=f"'Lab day' has no registration {bobs.id}."
    )
    assert_problem(await member.post(api_url(c, 999_999)), 404)
    assert_problem(
        await member.post(f"/api/v1/challenges/nope/registrations/{reg.id}/check-in"),
        404,
        detail="There is no challenge 'nope'.",
    )
    assert (await member.submit(f"/challenges/{c.slug}/checkin/{bobs.id}")).status_code == 404
    assert await checked_in_at(app, bobs) is None


@pytest.mark.parametrize("status", [WAITLISTED, CANCELLED])
async def test_only_confirmed_registrations_check_in(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    day: datetime,
    status: RegistrationStatus,
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="lab", title="Lab day", capacity=1)
    await factories.registration(db, c, world.alice)
    bobs = await factories.registration(db, c, world.bob, status)
    member = await client_factory(world.member_a)

    r = await member.post(api_url(c, bobs))

    detail = (
        "Bob Participant is on the waitlist, not confirmed: give them a free place first (Participants page)."
        if status == WAITLISTED
        else "Bob Participant's registration was cancelled: only confirmed participants check in."
    )
    assert_problem(r, 409, detail=detail)
    page = await member.submit(f"/challenges/{c.slug}/checkin/{bobs.id}")
    assert page.status_code == 409 and detail.replace("'", "&#39;") in page.text
    assert await checked_in_at(app, bobs) is None
    assert await audit(app) == []


async def test_check_in_opens_at_midnight_utc_the_day_before_the_start_and_ends_with_the_edition(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c, reg = await setup(db, world)
    opens = event_day(world.event.starts_on - timedelta(days=1), 0)
    over = event_day(world.event.ends_on + timedelta(days=1), 12)  # the last day is over everywhere
    app.state.clock = FixedClock(opens - timedelta(days=1))  # log in a day early (sessions last 14 days)
    member = await client_factory(world.member_a)

    app.state.clock = FixedClock(opens - timedelta(seconds=1))
    early = await member.post(api_url(c, reg))
    early_page = await member.get(f"/challenges/{c.slug}/checkin")
    app.state.clock = FixedClock(opens)
    on_time = await member.post(api_url(c, reg))
    app.state.clock = FixedClock(over - timedelta(seconds=1))
    late_undo = await member.delete(api_url(c, reg))
    app.state.clock = FixedClock(over)
    after = await member.post(api_url(c, reg))
    after_page = await member.get(f"/challenges/{c.slug}/checkin")

    opening = f"Check-in opens on {opens:%d %B %Y} at 00:00 UTC, the day before the challenge starts."
    assert_problem(early, 409, detail=opening)
    assert early_page.status_code == 200
    assert text_of(early_page.text, "checkin-closed") == opening
    assert "Check in Alice" not in early_page.text  # no button while closed
    assert (on_time.status_code, on_time.json()["checked_in_at"]) == (200, iso(opens))
    assert (late_undo.status_code, late_undo.json()["checked_in_at"]) == (200, None)
    archive = f"{world.event.name} is over: its challenges are an archive and can't be changed."
    assert_problem(after, 409, detail=archive)
    assert text_of(after_page.text, "checkin-closed") == archive
    assert await checked_in_at(app, reg) is None


# --- the check-in page ------------------------------------------------------------------------------------
async def test_check_in_page_searches_names_and_emails_in_any_case_among_the_confirmed(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="lab", title="Lab day", capacity=3)
    for a in (world.alice, world.bob):
        await factories.registration(db, c, a)
    carla = await factories.account(db, "carla@school.example", "Carla Gómez")
    await factories.registration(db, c, carla)
    waiting = await factories.account(db, "alina@example.org", "Alina Waiting")
    await factories.registration(db, c, waiting, WAITLISTED)
    member = await client_factory(world.member_a)

    def names(html: str) -> list[str]:
        return re.findall(r'<strong class="name">([^<]*)</strong>', html)

    everyone = await member.get(f"/challenges/{c.slug}/checkin")
    by_name = await member.get(f"/challenges/{c.slug}/checkin", params={"q": "ALI"})
    by_email = await member.get(f"/challenges/{c.slug}/checkin", params={"q": "School.Ex"})
    nobody = await member.get(f"/challenges/{c.slug}/checkin", params={"q": "100%_"})
    hostile = await member.get(f"/challenges/{c.slug}/checkin", params={"q": "<script>x</script>"})
    htmx = await member.get(
        f"/challenges/{c.slug}/checkin", params={"q": "bob"}, headers={"hx-request": "true"}
    )

    assert everyone.status_code == 200
    assert names(everyone.text) == ["Alice Participant", "Bob Participant", "Carla Gómez"]
    assert text_of(everyone.text, "checkin-count") == "0 of 3 checked in"
    assert names(by_name.text) == ["Alice Participant"]  # the waiting Alina is not listed
    assert names(by_email.text) == ["Carla Gómez"]
    assert (
        names(nobody.text) == []
        and text_of(nobody.text, "checkin-none") == 'No confirmed participant matches "100%_".'
    )
    assert "<script>x" not in hostile.text and "&lt;script&gt;x&lt;/script&gt;" in hostile.text
    # htmx gets the results block only, not the page around it
    assert htmx.text.lstrip().startswith('<section id="checkin-results"') and "<html" not in htmx.text
    assert names(htmx.text) == ["Bob Participant"]


async def test_search_shows_fifty_and_asks_to_refine(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="big", capacity=None)
    for n in range(55):
        await factories.registration(
            db, c, await factories.account(db, f"p{n:02d}@example.org", f"Person {n:02d}")
        )
    member = await client_factory(world.member_a)

    page = await member.get(f"/challenges/{c.slug}/checkin")
    refined = await member.get(f"/challenges/{c.slug}/checkin", params={"q": "person 5"})

    assert page.text.count('class="checkin-row') == 50
    assert (
        text_of(page.text, "checkin-more") == "Showing 50 of 55: type more of the name to refine your search."
    )
    assert refined.text.count('class="checkin-row') == 5 and text_of(refined.text, "checkin-more") is None


async def test_tapping_check_in_on_the_page_with_htmx_swaps_the_row_and_the_count(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    c, reg = await setup(db, world)
    await factories.registration(db, c, world.bob)
    member = await client_factory(world.member_a)
    htmx = {"hx-request": "true"}

    tap = await member.submit(f"/challenges/{c.slug}/checkin/{reg.id}", {"q": "ali"}, headers=htmx)
    undo = await member.submit(f"/challenges/{c.slug}/checkin/{reg.id}/undo", {"q": "ali"}, headers=htmx)

    assert tap.status_code == 200
    assert tap.text.lstrip().startswith(f'<li id="checkin-{reg.id}" class="checkin-row present">')
    assert text_of(tap.text, "checkin-count") == "1 of 2 checked in" and 'hx-swap-oob="true"' in tap.text
    assert (
        f'action="/challenges/lab/checkin/{reg.id}/undo"' in tap.text and 'name="q" value="ali"' in tap.text
    )
    at = format_local(day, "Europe/Brussels")
    assert (
        visible_text(tap.text)
        == f"Alice Participant alice@example.org Checked in {at} Undo 1 of 2 checked in"
    )
    assert undo.status_code == 200 and text_of(undo.text, "checkin-count") == "0 of 2 checked in"
    assert await checked_in_at(app, reg) is None


async def test_tapping_check_in_without_javascript_posts_and_comes_back_to_the_search(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    c, reg = await setup(db, world)
    member = await client_factory(world.member_a)

    tap = await member.submit(f"/challenges/{c.slug}/checkin/{reg.id}", {"q": "alice p"})
    page = await member.get(tap.headers["location"])

    assert (tap.status_code, tap.headers["location"]) == (302, "/challenges/lab/checkin?q=alice+p")
    assert text_of(page.text, "checkin-count") == "1 of 1 checked in"
    assert f'<li id="checkin-{reg.id}" class="checkin-row present">' in page.text
    assert await checked_in_at(app, reg) == day


async def test_htmx_tap_refused_shows_the_reason_in_the_row(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c, reg = await setup(db, world)
    member = await client_factory(world.member_a)  # the real clock: months before the event

    tap = await member.submit(f"/challenges/{c.slug}/checkin/{reg.id}", headers={"hx-request": "true"})

    assert tap.status_code == 200
    opens = event_day(world.event.starts_on - timedelta(days=1), 0)
    assert visible_text(tap.text).startswith(
        f"Alice Participant alice@example.org Check-in opens on {opens:%d %B %Y} at 00:00 UTC"
    )
    assert await checked_in_at(app, reg) is None


async def test_roster_and_participants_page_show_who_came(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    c, reg = await setup(db, world)
    await factories.registration(db, c, world.bob)
    member = await client_factory(world.member_a)
    assert (await member.post(api_url(c, reg))).status_code == 200

    came = await member.get(f"/api/v1/challenges/{c.slug}/roster.json", params={"status": "checked_in"})
    registrations = await member.get(f"/api/v1/challenges/{c.slug}/registrations")
    participants = await member.get(f"/challenges/{c.slug}/participants")

    assert came.status_code == 200, came.text
    assert [row["email"] for row in came.json()] == ["alice@example.org"]
    assert [(p["email"], p["checked_in_at"]) for p in registrations.json()] == [
        ("alice@example.org", iso(day)),
        ("bob@example.org", None),
    ]
    assert text_of(participants.text, "checkin-link") == "Check-in (1 checked in)"
    challenge_page = await member.get(f"/challenges/{c.slug}")
    assert 'href="/challenges/lab/checkin"' in challenge_page.text


# --- the personal code -------------------------------------------------------------------------------------
async def test_participant_sees_their_code_on_the_challenge_page_my_registrations_and_the_email(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="lab", title="Lab day")
    alice = await client_factory(world.alice)
    assert (await alice.post(f"/api/v1/challenges/{c.slug}/registration")).status_code == 201
    reg_id = (await fetch_all(app, select(Registration.id)))[0][0]
    token = codes.registration_token(app.state.settings, codes.CHECKIN_PURPOSE, reg_id)
    img = f'src="/checkin/{token}/qr.svg"'

    challenge_page = await alice.get(f"/challenges/{c.slug}")
    mine = await alice.get("/me/registrations")
    own = await alice.get(f"/checkin/{token}")
    (mail,) = await messages(app, "registration_confirmed")

    assert img in challenge_page.text and img in mine.text
    assert own.status_code == 200 and img in own.text
    assert text_of(own.text, "checkin-state") == (
        "Show this code at the entrance: the host scans it and checks you in."
    )
    url = f"http://127.0.0.1:8000/checkin/{token}"
    assert CHECKIN_LINK.findall(mail.text_body) == [token]
    assert f'src="{url}/qr.svg"' in mail.html_body and f'href="{url}"' in mail.html_body
    # the check-in page links are for hosts only
    assert 'href="/challenges/lab/checkin"' not in challenge_page.text


async def test_promoted_email_carries_the_code_and_the_waitlist_email_none(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="lab", capacity=1)
    alice, bob = await client_factory(world.alice), await client_factory(world.bob)
    assert (await alice.post(f"/api/v1/challenges/{c.slug}/registration")).status_code == 201
    assert (await bob.post(f"/api/v1/challenges/{c.slug}/registration")).status_code == 201
    assert (await alice.delete(f"/api/v1/challenges/{c.slug}/registration")).status_code == 204

    (waitlisted,) = await messages(app, "registration_waitlisted")
    (promoted,) = await messages(app, "registration_promoted")
    assert CHECKIN_LINK.findall(waitlisted.text_body) == []
    (token,) = CHECKIN_LINK.findall(promoted.text_body)
    assert (
        CHECKIN_LINK.findall(promoted.html_body) == [token] * 4
    )  # around the image, the image, the plain link and its text


async def test_host_member_opens_the_scanned_code_and_checks_in_with_one_tap(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    _c, reg = await setup(db, world)
    member = await client_factory(world.member_a)
    token = token_of(app, reg)

    before = await member.get(f"/checkin/{token}")
    tap = await member.submit(f"/checkin/{token}")
    after = await member.get(f"/checkin/{token}")
    undo = await member.submit(f"/checkin/{token}", {"undo": "1"})

    assert before.status_code == 200
    assert text_of(before.text, "checkin-person") == (
        "Alice Participant alice@example.org Confirmed, not checked in yet."
    )
    assert 'id="checkin-button"' in before.text
    assert (tap.status_code, tap.headers["location"]) == (302, f"/checkin/{token}")
    assert text_of(after.text, "checkin-state") == f"Checked in {format_local(day, 'Europe/Brussels')}"
    assert 'name="undo" value="1"' in after.text
    assert undo.status_code == 302 and await checked_in_at(app, reg) is None
    assert [a for a, *_ in await audit(app)] == ["registration.check_in", "registration.check_in_undo"]


@pytest.mark.parametrize("who", ["other host", "another participant"])
async def test_a_code_is_not_found_for_anyone_else(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    day: datetime,
    who: str,
) -> None:
    _c, reg = await setup(db, world)
    client = await client_factory(world.member_b if who == "other host" else world.bob)

    page = await client.get(f"/checkin/{token_of(app, reg)}")

    assert page.status_code == 404 and "Alice" not in page.text


async def test_anonymous_opening_a_code_is_asked_to_log_in_and_comes_back(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    _c, reg = await setup(db, world)
    anon = await client_factory()
    token = token_of(app, reg)

    page = await anon.get(f"/checkin/{token}", follow_redirects=False)

    assert (page.status_code, page.headers["location"]) == (302, f"/login?next=/checkin/{token}")


async def test_qr_svg_is_public_and_encodes_the_code_link_and_tampered_tokens_are_not_found(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    _c, reg = await setup(db, world)
    anon = await client_factory()
    token = token_of(app, reg)
    rid, _, mac = token.partition(".")
    withdraw = codes.registration_token(app.state.settings, codes.WITHDRAW_PURPOSE, reg.id)

    svg = await anon.get(f"/checkin/{token}/qr.svg")

    assert svg.status_code == 200
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "<path" in svg.text
    assert svg.content == codes.qr_svg(f"http://127.0.0.1:8000/checkin/{token}")
    for bad in [
        f"{int(rid) + 1}.{mac}",  # another registration's id with this one's signature
        f"{rid}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        withdraw,  # a withdraw link's token is no check-in code
        "1",
        "nonsense",
    ]:
        assert (await anon.get(f"/checkin/{bad}/qr.svg")).status_code == 404, bad
    member = await client_factory(world.member_a)
    assert (await member.get(f"/checkin/{withdraw}")).status_code == 404
    assert (await member.submit(f"/checkin/{rid}.{mac[:-2]}")).status_code == 404
    assert await checked_in_at(app, reg) is None


async def test_participant_cannot_check_themself_in_with_their_own_code(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, day: datetime
) -> None:
    _c, reg = await setup(db, world)
    alice = await client_factory(world.alice)

    tap = await alice.submit(f"/checkin/{token_of(app, reg)}")

    assert tap.status_code == 403
    assert await checked_in_at(app, reg) is None
