"""Each message kind of hosts and challenges, written with the change and received by a real SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import ChallengeStatus, OutboxMessage, RegistrationStatus
from tests import factories
from tests.challenges.helpers import YEAR, api_body, count
from tests.conftest import ClientFactory
from tests.outbox.conftest import SmtpServer, parts, sender_for

APPLICATION = {
    "name": "Biblioteca Pública de Recife",
    "kind": "library",
    "country": "BR",
    "city": "Recife",
    "contact_email": "contato@biblioteca.example",
}


async def test_approval_is_mailed_to_the_applicant_and_the_contact_address(
    app: Litestar, world: factories.World, client_factory: ClientFactory, smtp: SmtpServer
) -> None:
    alice = await client_factory(world.alice)
    slug = (await alice.post("/api/v1/hosts", json=APPLICATION)).json()["slug"]
    olga = await client_factory(world.organizer)

    r = await olga.post(f"/api/v1/hosts/{slug}/decision", json={"decision": "approve"})
    assert r.status_code == 200, r.text

    smtp.start()
    done = await sender_for(app, smtp).deliver_due()
    assert (done.sent, done.failed) == (2, 0)
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["alice@example.org", "contato@biblioteca.example"]
    assert sorted(r for rs in smtp.inbox.recipients for r in rs) == [
        "alice@example.org",
        "contato@biblioteca.example",
    ]
    for message in smtp.inbox.messages:
        assert message["Subject"] == "Biblioteca Pública de Recife is approved to host DigiEduHack challenges"
        assert message["From"] == "DigiEduHack <no-reply@localhost>"
        assert message.get_content_type() == "multipart/alternative"
        text, html = parts(message)
        assert "the organizers approved Biblioteca Pública de Recife as a DigiEduHack host" in text
        assert f"http://127.0.0.1:8000/hosts/{slug}" in text
        assert "<strong>Biblioteca Pública de Recife</strong>" in html
        assert f'href="http://127.0.0.1:8000/hosts/{slug}"' in html
    (to_alice,) = smtp.inbox.to("alice@example.org")
    assert parts(to_alice)[0].startswith("Hello Alice Participant,\n")
    (to_contact,) = smtp.inbox.to("contato@biblioteca.example")
    assert parts(to_contact)[0].startswith("Hello,\n")


async def test_rejection_from_the_organizer_page_carries_the_reason_once_when_contact_is_the_applicant(
    app: Litestar, world: factories.World, client_factory: ClientFactory, smtp: SmtpServer
) -> None:
    alice = await client_factory(world.alice)
    application = {**APPLICATION, "contact_email": world.alice.email}
    slug = (await alice.post("/api/v1/hosts", json=application)).json()["slug"]
    olga = await client_factory(world.organizer)

    r = await olga.submit(
        f"/hosts/{slug}/decision", {"decision": "reject", "reason": "We could not find the <library>."}
    )
    assert r.status_code in (302, 303), r.text

    smtp.start()
    await sender_for(app, smtp).deliver_due()
    (message,) = smtp.inbox.messages
    assert message["To"] == "alice@example.org"
    assert message["Subject"] == (
        "Your application to host DigiEduHack challenges (Biblioteca Pública de Recife)"
    )
    text, html = parts(message)
    assert "Their reason:\nWe could not find the <library>.\n" in text
    assert "We could not find the &lt;library&gt;." in html  # escaped in HTML, plain in text


async def test_invitation_mail_carries_the_link_the_page_shows_once(
    app: Litestar, world: factories.World, client_factory: ClientFactory, smtp: SmtpServer
) -> None:
    hanne = await client_factory(world.member_a)
    r = await hanne.submit(f"/hosts/{world.host_a.slug}/invitations", {"email": "Carla@Example.org"})
    assert r.status_code == 200, r.text
    shown = re.search(r"http://127\.0\.0\.1:8000/invitations/[\w-]+", r.text)
    assert shown is not None

    smtp.start()
    await sender_for(app, smtp).deliver_due()
    (message,) = smtp.inbox.messages
    assert message["To"] == "carla@example.org"
    assert message["Subject"] == "Hanne Host invites you to the Leuven Lab team on DigiEduHack"
    text, html = parts(message)
    assert f"\n{shown.group(0)}\n" in text
    assert f'<a href="{shown.group(0)}">Accept the invitation</a>' in html
    assert "The link works once and until " in text


async def registered(db: AsyncSession, world: factories.World) -> str:
    """A published in-person challenge of host A with alice confirmed, bob waitlisted, and a cancelled one."""
    c = await factories.challenge(db, world.event, world.host_a, slug="maker-day", title="Maker day")
    await factories.registration(db, c, world.alice)
    await factories.registration(db, c, world.bob, RegistrationStatus.WAITLISTED)
    gone = await factories.account(db, "gone@example.org", "Gone")
    await factories.registration(db, c, gone, RegistrationStatus.CANCELLED)
    return c.slug


async def test_a_new_time_and_place_reach_every_registrant_once_with_times_in_zone_and_utc(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory, smtp: SmtpServer
) -> None:
    slug = await registered(db, world)
    hanne = await client_factory(world.member_a)
    body = api_body(
        title="Maker day",
        format="in_person",
        country="BE",
        city="Leuven",
        venue="Town hall",
        capacity=1,
        starts_at_local=f"{YEAR}-11-09T13:00:00",
        ends_at_local=f"{YEAR}-11-09T18:30:00",
    )

    r = await hanne.put(f"/api/v1/challenges/{slug}", json=body)
    assert r.status_code == 200, r.text
    r = await hanne.put(f"/api/v1/challenges/{slug}", json=body)  # the same again: nothing changed
    assert r.status_code == 200, r.text

    smtp.start()
    await sender_for(app, smtp).deliver_due()
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["alice@example.org", "bob@example.org"]
    for message in smtp.inbox.messages:
        assert message["Subject"] == "New time for Maker day"
        text, html = parts(message)
        day = datetime(YEAR, 11, 9, tzinfo=UTC).strftime("%a")
        assert f"{day} 9 Nov {YEAR}, 13:00–18:30 (Europe/Brussels, UTC+01:00)\n" in text
        assert f"In UTC: {day} 9 Nov {YEAR}, 12:00–17:30\n" in text
        assert "Where: In person, Town hall, Leuven, BE\n" in text
        assert "- The time changed: was " in text
        assert "- The place changed: was Online; now In person, Town hall, Leuven, BE." in text
        assert f"http://127.0.0.1:8000/challenges/{slug}" in text
        assert "(Europe/Brussels, UTC+01:00)" in html
        assert "<li>The place changed: was Online; now In person, Town hall, Leuven, BE.</li>" in html


async def test_cancellation_reaches_confirmed_and_waitlisted_registrants(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory, smtp: SmtpServer
) -> None:
    slug = await registered(db, world)
    hanne = await client_factory(world.member_a)

    r = await hanne.submit(
        f"/challenges/{slug}/cancel-challenge", {"message": "The venue flooded & we cannot move it."}
    )
    assert r.status_code in (302, 303), r.text

    smtp.start()
    await sender_for(app, smtp).deliver_due()
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["alice@example.org", "bob@example.org"]
    (to_bob,) = smtp.inbox.to("bob@example.org")
    assert to_bob["Subject"] == "Cancelled: Maker day"
    text, html = parts(to_bob)
    assert text.startswith("Hello Bob Participant,\n")
    assert "Leuven Lab cancelled Maker day, which you registered for." in text
    assert "Their message:\nThe venue flooded & we cannot move it.\n" in text
    assert "The venue flooded &amp; we cannot move it." in html
    assert "(Europe/Brussels, UTC+01:00)" in text and "In UTC: " in text


async def test_editing_a_draft_writes_no_message(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    draft = await factories.challenge(db, world.event, world.host_a, status=ChallengeStatus.DRAFT)
    hanne = await client_factory(world.member_a)
    r = await hanne.put(
        f"/api/v1/challenges/{draft.slug}", json=api_body(starts_at_local=f"{YEAR}-11-09T10:00:00")
    )
    assert r.status_code == 200, r.text
    assert await count(app, OutboxMessage) == 0
