"""Delivery: nothing lost while SMTP is down, each message delivered exactly once when it is back, back-off
on the app's clock, no message for a change that was rolled back, the CLI and the app's own sender."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from email.message import EmailMessage

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import FixedClock
from digieduhack.errors import Conflict
from digieduhack.models import OutboxMessage, RegistrationStatus
from digieduhack.outbox.sender import LEASE, backoff
from digieduhack.outbox.services import Attachment, enqueue
from digieduhack.settings import ROOT, Settings
from tests import factories
from tests.challenges.helpers import YEAR, api_body, count, fetch_all
from tests.conftest import ClientFactory
from tests.outbox.conftest import SmtpServer, parts, sender_for

INVITATIONS = "/api/v1/hosts/{}/invitations"
CLI = [sys.executable, "-m", "digieduhack.cli", "send-mail", "--once"]
NEW_TIME = {"starts_at_local": f"{YEAR}-11-09T13:00:00", "ends_at_local": f"{YEAR}-11-09T18:00:00"}


async def outbox(app: Litestar) -> list[OutboxMessage]:
    return [row[0] for row in await fetch_all(app, select(OutboxMessage).order_by(OutboxMessage.id))]


async def challenge_with_registrants(db: AsyncSession, world: factories.World, n: int) -> str:
    c = await factories.challenge(db, world.event, world.host_a, capacity=n)
    for i in range(n):
        await factories.registration(db, c, await factories.account(db, f"p{i}@example.org"))
    await factories.registration(db, c, world.bob, RegistrationStatus.WAITLISTED)
    return c.slug


def message_ids(messages: list[EmailMessage]) -> list[str]:
    return [str(m["Message-ID"]) for m in messages]


async def test_smtp_down_loses_nothing_and_every_message_arrives_once_when_it_is_back(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory, smtp: SmtpServer
) -> None:
    start = factories.now()
    app.state.clock = FixedClock(start)
    hanne = await client_factory(world.member_a)
    slug = await challenge_with_registrants(db, world, 24)  # more than a batch (20)
    sender = sender_for(app, smtp)  # the server is not started: nothing listens on its port

    # changes keep happening while SMTP is down
    assert (
        await hanne.put(f"/api/v1/challenges/{slug}", json=api_body(**NEW_TIME, capacity=24))
    ).status_code == 200
    done = await sender.deliver_due()
    assert (done.sent, done.failed) == (0, 25)
    r = await hanne.post(f"/api/v1/challenges/{slug}/cancel", json={"message": "Our building is closed."})
    assert r.status_code == 200, r.text

    rows = await outbox(app)
    assert len(rows) == 50  # 25 registrants (24 confirmed, 1 waitlisted) x (changed, cancelled)
    changed, cancelled = rows[:25], rows[25:]
    for m in changed:
        assert (m.kind, m.sent_at, m.attempts) == ("challenge_changed", None, 1)
        assert m.last_error is not None and "Connect" in m.last_error, m.last_error
        assert m.next_attempt_at == start + backoff(1) == start + timedelta(seconds=30)
    assert {(m.kind, m.attempts, m.last_error) for m in cancelled} == {("challenge_cancelled", 0, None)}

    # still down 30 s later: the second attempt waits twice as long
    app.state.clock = FixedClock(start + timedelta(seconds=30))
    assert (await sender.deliver_due()).failed == 50
    for m in await outbox(app):
        tried = 2 if m.kind == "challenge_changed" else 1  # 30 s + 60 s, or 30 s + 30 s
        expected = (tried, start + timedelta(seconds=90 if tried == 2 else 60))
        assert (m.attempts, m.next_attempt_at) == expected
    assert (await sender.deliver_due()).failed == 0  # nothing is due before its time

    # SMTP is back; once the waits are over, everything goes out, once
    smtp.start()
    app.state.clock = FixedClock(start + timedelta(seconds=90))
    assert (await sender.deliver_due()).sent == 50
    assert (await sender.deliver_due()).sent == 0
    received = smtp.inbox.messages
    assert len(received) == 50
    assert len(set(message_ids(received))) == 50
    expected_to = sorted([f"p{i}@example.org" for i in range(24)] + ["bob@example.org"]) * 2
    assert sorted(m["To"] for m in received) == sorted(expected_to)
    assert all(m.sent_at == start + timedelta(seconds=90) for m in await outbox(app))


async def test_a_message_is_given_up_after_the_last_attempt_and_shows_as_failed(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory, smtp: SmtpServer
) -> None:
    start = factories.now()
    app.state.clock = FixedClock(start)
    hanne = await client_factory(world.member_a)
    r = await hanne.post(INVITATIONS.format(world.host_a.slug), json={"email": "carla@example.org"})
    assert r.status_code == 201, r.text
    sender = sender_for(app, smtp, mail_max_attempts=3)

    for wait in (0, 30, 60):
        app.state.clock = FixedClock(app.state.clock.now() + timedelta(seconds=wait))
        assert (await sender.deliver_due()).failed == 1
    app.state.clock = FixedClock(start + timedelta(days=1))
    smtp.start()
    assert (await sender.deliver_due()).failed == 0  # given up: not tried again
    assert smtp.inbox.messages == []
    (message,) = await outbox(app)
    assert (message.attempts, message.sent_at) == (3, None)


async def test_a_crashed_sender_s_claim_comes_back_after_its_lease_with_the_same_message_id(
    app: Litestar, db: AsyncSession, world: factories.World, smtp: SmtpServer
) -> None:
    start = factories.now()
    app.state.clock = FixedClock(start)
    await enqueue(
        db,
        app.state.settings,
        app.state.clock,
        kind="host_invitation",
        to="carla@example.org",
        context=invitation_context(),
        dedupe_key="test:1",
    )
    await db.commit()
    smtp.start()
    sender = sender_for(app, smtp)

    claimed = await sender.claim()  # ... and the process dies before sending
    assert len(claimed) == 1
    assert (await sender.deliver_due()).sent == 0  # leased: another sender leaves it alone
    app.state.clock = FixedClock(start + LEASE)
    assert (await sender.deliver_due()).sent == 1
    (received,) = smtp.inbox.messages
    assert received["Message-ID"] == f"<{start:%Y%m%d%H%M%S}.outbox-{claimed[0].id}@localhost>"
    (row,) = await outbox(app)
    assert row.attempts == 2


def invitation_context() -> dict[str, object]:
    return {
        "host_name": "Leuven Lab",
        "inviter": "Hanne Host",
        "link": "http://127.0.0.1:8000/invitations/abc",
        "expires_at": factories.now(),
    }


async def test_an_attachment_arrives_beside_the_text_and_html_parts(
    app: Litestar, db: AsyncSession, world: factories.World, smtp: SmtpServer
) -> None:
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
    await enqueue(
        db,
        app.state.settings,
        app.state.clock,
        kind="host_invitation",
        to="carla@example.org",
        context=invitation_context(),
        attachments=[Attachment("challenge.ics", "text/calendar; method=PUBLISH", ics)],
    )
    await db.commit()
    smtp.start()
    await sender_for(app, smtp).deliver_due()

    (message,) = smtp.inbox.messages
    assert message.get_content_type() == "multipart/mixed"
    text, html = parts(message)
    assert "http://127.0.0.1:8000/invitations/abc" in text and "<a href=" in html
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH"
    assert attachment.get_filename() == "challenge.ics"
    assert attachment.get_content().replace("\r\n", "\n") == ics.replace("\r\n", "\n")


async def test_a_refused_or_failed_change_leaves_no_message(
    app: Litestar,
    db: AsyncSession,
    world: factories.World,
    client_factory: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slug = await challenge_with_registrants(db, world, 3)
    hanne = await client_factory(world.member_a)

    # refused: the capacity below the confirmed count
    r = await hanne.put(f"/api/v1/challenges/{slug}", json=api_body(capacity=2, **NEW_TIME))
    assert r.status_code == 422, r.text

    # failed after the messages were written, in the same transaction (the waitlist step fails)
    async def fail(*args: object, **kw: object) -> None:
        raise Conflict("Something went wrong after the notices were written.")

    monkeypatch.setattr("digieduhack.challenges.services.fill_from_waitlist", fail)
    r = await hanne.put(f"/api/v1/challenges/{slug}", json=api_body(capacity=3, **NEW_TIME))
    assert r.status_code == 409, r.text
    r = await hanne.submit(f"/challenges/{slug}/edit", {**page_form(), "capacity": "3"})
    assert r.status_code == 409, r.text

    assert await count(app, OutboxMessage) == 0


def page_form() -> dict[str, str]:
    from tests.challenges.helpers import form_data

    return form_data(starts_at_local=f"{YEAR}-11-09T13:00", ends_at_local=f"{YEAR}-11-09T18:00")


async def test_cli_send_mail_once_delivers_what_is_due(
    app: Litestar, settings: Settings, world: factories.World, client_factory: ClientFactory, smtp: SmtpServer
) -> None:
    hanne = await client_factory(world.member_a)
    r = await hanne.post(INVITATIONS.format(world.host_a.slug), json={"email": "carla@example.org"})
    assert r.status_code == 201, r.text
    smtp.start()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DIGIEDUHACK_ENV": "test",
        "DIGIEDUHACK_SECRET_KEY": settings.secret_key,
        "DIGIEDUHACK_DATABASE_URL": settings.database_url,
        "DIGIEDUHACK_SMTP_URL": smtp.url,
        "DIGIEDUHACK_MAIL_FROM": "Hackathon <hello@digieduhack.example>",
    }
    process = await asyncio.create_subprocess_exec(
        *CLI,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == "1 sent, 0 failed (to be tried again later)."
    (message,) = smtp.inbox.messages
    assert message["From"] == "Hackathon <hello@digieduhack.example>"
    assert str(message["Message-ID"]).endswith("@digieduhack.example>")
    assert message["To"] == "carla@example.org"


async def test_cli_send_mail_without_smtp_says_what_to_set(settings: Settings) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "DIGIEDUHACK_ENV": "test"}
    env.pop("DIGIEDUHACK_SMTP_URL", None)
    env["DIGIEDUHACK_SECRET_KEY"] = settings.secret_key
    process = await asyncio.create_subprocess_exec(*CLI, env=env, stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate()
    assert process.returncode == 1
    assert "Set DIGIEDUHACK_SMTP_URL" in err.decode()


async def test_the_app_sends_by_itself_when_smtp_is_configured_and_stops_on_shutdown(
    apps: object, world: factories.World, smtp: SmtpServer
) -> None:
    smtp.start()
    app = apps.app(smtp_url=smtp.url, mail_poll_seconds=0.05)  # type: ignore[attr-defined]
    async with AsyncTestClient(app) as client:
        csrf = (await client.get("/api/v1/auth/csrf")).cookies["csrftoken"]
        headers = {"x-csrftoken": csrf}
        login = {"email": world.member_a.email, "password": factories.PASSWORD}
        assert (await client.post("/api/v1/auth/login", json=login, headers=headers)).status_code == 200
        r = await client.post(
            INVITATIONS.format(world.host_a.slug), json={"email": "carla@example.org"}, headers=headers
        )
        assert r.status_code == 201, r.text
        for _ in range(100):
            if smtp.inbox.messages:
                break
            await asyncio.sleep(0.05)
        running = app.state.mail_sender
    assert [m["To"] for m in smtp.inbox.messages] == ["carla@example.org"]
    assert running.task is not None and running.task.done()  # stopped with the app
