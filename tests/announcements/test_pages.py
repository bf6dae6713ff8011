"""The pages: compose, "Preview" (the message rendered and "This will be sent to N people"), then "Send" (the
same fields and a confirmation; the recipients counted again); the list of past announcements; the links
from the challenge's host tools, its participants page and the organizer page."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import RegistrationStatus
from tests import factories
from tests.announcements.support import announcements, cast, outbox, recipients
from tests.challenges.helpers import visible_text
from tests.conftest import ClientFactory


async def test_a_host_member_previews_then_sends_and_the_list_shows_it(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    c = await cast(db, world)
    hanne = await client_factory(world.member_a)
    page = await hanne.get("/challenges/robots/announcements")
    assert page.status_code == 200
    assert 'action="/challenges/robots/announcements/preview"' in page.text
    assert "No announcements yet." in visible_text(page.text)
    form = {"audience": "challenge_confirmed", "subject": "Room 4.12", "body": "We meet in **room 4.12**."}

    preview = await hanne.submit("/challenges/robots/announcements/preview", form)

    assert preview.status_code == 200, preview.text
    text = visible_text(preview.text)
    assert "This will be sent to 2 people." in text
    assert "Room 4.12 (Robots in class)" in text  # the subject as sent
    assert "<strong>room 4.12</strong>" in preview.text  # the HTML part
    assert "Hello [name]," in text
    assert 'id="send-form"' in preview.text and 'name="confirm" value="yes"' in preview.text
    assert await outbox(app) == []

    # meanwhile someone else is confirmed: the count is made again when sending
    await factories.registration(db, c.robots, world.bob, RegistrationStatus.CONFIRMED)
    sent = await hanne.submit("/challenges/robots/announcements", {**form, "confirm": "yes"})

    assert (sent.status_code, sent.headers["location"]) == (302, "/challenges/robots/announcements")
    assert await recipients(app) == ["bob@example.org", "carla@example.org", "dan@example.org"]
    [stored] = await announcements(app)
    assert (stored.recipient_count, stored.subject, stored.body) == (
        3,
        "Room 4.12",
        "We meet in **room 4.12**.",
    )
    listed = await hanne.get("/challenges/robots/announcements")
    shown = visible_text(listed.text)
    assert "Announcement sent: one e-mail per recipient is on its way through the outbox." in shown
    assert "Room 4.12" in shown and "Hanne Host" in shown and "3 recipients" in shown
    assert "Confirmed participants" in shown


async def test_an_organizer_writes_to_the_hosts_of_an_edition_from_the_organizer_page(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    olga = await client_factory(world.organizer)
    organizer_page = await olga.get("/organizer")
    path = f"/events/{world.event.slug}/announcements"
    assert f'href="{path}"' in organizer_page.text
    page = await olga.get(path)
    assert page.status_code == 200
    assert "Members of every approved host with a challenge in this edition" in visible_text(page.text)
    form = {"audience": "event_hosts", "subject": "Jury briefing", "body": "Tuesday at 18:00 CET."}

    preview = await olga.submit(f"{path}/preview", form)
    assert "This will be sent to 2 people." in visible_text(preview.text)
    sent = await olga.submit(path, {**form, "confirm": "yes"})

    assert (sent.status_code, sent.headers["location"]) == (302, path)
    assert await recipients(app) == ["hanne@example.org", "wanjiru@example.org"]


async def test_hostile_subject_and_body_render_escaped_on_the_pages(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    hanne = await client_factory(world.member_a)
    form = {
        "audience": "challenge_all",
        "subject": "<script>alert(1)</script>",
        "body": "<img src=x onerror=alert(2)> [x](javascript:alert(3))",
    }
    preview = await hanne.submit("/challenges/robots/announcements/preview", form)
    assert (
        await hanne.submit("/challenges/robots/announcements", {**form, "confirm": "yes"})
    ).status_code == 302
    listed = await hanne.get("/challenges/robots/announcements")
    for html in (preview.text, listed.text):
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert 'href="javascript' not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_the_host_tools_and_participants_page_link_to_the_announcements(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    for account in (world.member_a, world.organizer):
        client = await client_factory(account)
        for page in ("/challenges/robots", "/challenges/robots/participants"):
            r = await client.get(page)
            assert r.status_code == 200
            assert 'href="/challenges/robots/announcements"' in r.text, (account.email, page)
    alice = await client_factory(world.alice)
    assert 'href="/challenges/robots/announcements"' not in (await alice.get("/challenges/robots")).text
