"""Every state change of a registration writes exactly one e-mail to the outbox, in its transaction: to the
right person, of the right kind, with the challenge's times in its zone and in UTC, the calendar file and
meeting link once confirmed, and the link that withdraws it."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import ChallengeFormat, OutboxMessage
from tests import factories
from tests.challenges.helpers import YEAR, fetch_all, form_data
from tests.conftest import ClientFactory
from tests.registrations.support import messages, outbox, withdraw_token

MEETING = "https://meet.example.org/open-textbooks"


async def test_joining_sends_one_confirmation_with_times_calendar_file_meeting_link_and_withdraw_link(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(
        db, world.event, world.host_a, slug="open-textbooks", title="Open <textbooks>"
    )
    c.meeting_url = MEETING
    await db.commit()
    alice = await client_factory(world.alice)

    await alice.post(f"/api/v1/challenges/{c.slug}/registration")
    await alice.post(f"/api/v1/challenges/{c.slug}/registration")  # refused: no second message
    await alice.submit(f"/challenges/{c.slug}/join")

    [m] = await messages(app)
    assert (m.kind, m.to_address, m.account_id) == (
        "registration_confirmed",
        "alice@example.org",
        world.alice.id,
    )
    assert m.subject == "You are in: Open <textbooks>"
    for body in (m.text_body, m.html_body):
        assert "Hello Alice Participant," in body
        assert "09:00–17:00 (Europe/Brussels, UTC+01:00)" in body  # the challenge's zone, with its offset
        assert f"9 Nov {YEAR}, 08:00–16:00" in body  # and UTC
        assert MEETING in body
    assert "Open &lt;textbooks&gt;" in m.html_body and "<textbooks>" not in m.html_body
    assert "DigiEduHack: free and open to anyone" in m.html_body  # the HTML part extends the layout
    withdraw_token(m)  # one withdraw link, the same in both parts
    [ics] = m.attachments
    assert (ics["filename"], ics["content_type"]) == ("open-textbooks.ics", "text/calendar; method=PUBLISH")
    assert "BEGIN:VEVENT" in ics["content"] and "SUMMARY:Open <textbooks>" in ics["content"]
    assert "DTSTART;TZID=Europe/Brussels" in ics["content"]


async def test_no_meeting_link_for_an_in_person_challenge(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, fmt=ChallengeFormat.IN_PERSON)
    c.meeting_url = MEETING
    await db.commit()

    await (await client_factory(world.alice)).post(f"/api/v1/challenges/{c.slug}/registration")

    [m] = await messages(app)
    assert MEETING not in m.text_body and MEETING not in m.html_body
    assert "Where: Leuven, Belgium" in m.text_body


async def test_waitlist_cancellation_promotion_and_rejoining_each_send_one_message_to_the_right_person(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, title="Robots", capacity=1)
    alice, bob = await client_factory(world.alice), await client_factory(world.bob)
    url = f"/api/v1/challenges/{c.slug}/registration"

    await alice.post(url)  # confirmed
    await bob.post(url)  # waitlisted, position 1
    await alice.delete(url)  # cancelled; bob promoted
    await alice.post(url)  # waitlisted again: a new registration, a new message
    await alice.delete(url)  # cancelled again

    assert await outbox(app) == [
        ("registration_confirmed", "alice@example.org"),
        ("registration_waitlisted", "bob@example.org"),
        ("registration_promoted", "bob@example.org"),
        ("registration_cancelled", "alice@example.org"),
        ("registration_waitlisted", "alice@example.org"),
        ("registration_cancelled", "alice@example.org"),
    ]
    keys = [k for (k,) in await fetch_all(app, select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id))]
    assert len(set(keys)) == 6
    waitlisted, promoted, cancelled = [
        (await messages(app, kind))[0]
        for kind in ("registration_waitlisted", "registration_promoted", "registration_cancelled")
    ]
    assert waitlisted.subject == "On the waitlist for Robots (position 1)"
    assert "in position 1" in waitlisted.text_body
    assert [a["filename"] for a in waitlisted.attachments] == []
    assert promoted.subject == "A place freed up: you are in Robots"
    assert [a["filename"] for a in promoted.attachments] == [f"{c.slug}.ics"]
    withdraw_token(promoted)
    assert "/registrations/withdraw/" not in cancelled.text_body  # nothing left to withdraw


async def test_raising_the_capacity_tells_each_person_promoted(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=1)
    await factories.registration(db, c, world.alice)
    await (await client_factory(world.bob)).post(f"/api/v1/challenges/{c.slug}/registration")
    member = await client_factory(world.member_a)
    edit = await member.get(f"/challenges/{c.slug}/edit")
    assert edit.status_code == 200

    r = await member.submit(f"/challenges/{c.slug}/edit", {**form_data(), "capacity": "2"})

    assert r.status_code == 302, r.text
    assert await outbox(app) == [
        ("registration_waitlisted", "bob@example.org"),
        ("registration_promoted", "bob@example.org"),
    ]
