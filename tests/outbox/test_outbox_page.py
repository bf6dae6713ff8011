"""Organizers read the outbox (page and API): newest first, filtered by status, with the last error; nobody
else can."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import OutboxMessage
from tests import factories
from tests.challenges.helpers import text_of
from tests.conftest import ClientFactory


async def three_messages(db: AsyncSession) -> list[OutboxMessage]:
    """A sent one, a pending one that failed once, a failed one (given up after 10 attempts); oldest first."""
    start = factories.now() - timedelta(hours=1)
    rows = []
    for i, (attempts, error, sent) in enumerate(
        [(1, None, start), (1, "SMTPConnectError: refused", None), (10, "SMTPRecipientsRefused: 550", None)]
    ):
        m = OutboxMessage(
            kind="host_invitation",
            to_address=f"to{i}@example.org",
            subject=f"Subject <{i}>",
            text_body=f"Hello {i},\nthe link: http://x/invitations/{i}",
            html_body="<p>html</p>",
            attachments=[],
            created_at=start + timedelta(minutes=i),
            next_attempt_at=start,
            attempts=attempts,
            last_error=error,
            sent_at=sent,
        )
        db.add(m)
        rows.append(m)
    await db.commit()
    return rows


async def test_organizer_reads_the_outbox_newest_first_and_by_status(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    sent, pending, failed = await three_messages(db)
    olga = await client_factory(world.organizer)

    r = await olga.get("/api/v1/outbox")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 20, 3, 1)
    assert [(m["to"], m["status"], m["attempts"], m["last_error"]) for m in body["items"]] == [
        ("to2@example.org", "failed", 10, "SMTPRecipientsRefused: 550"),
        ("to1@example.org", "pending", 1, "SMTPConnectError: refused"),
        ("to0@example.org", "sent", 1, None),
    ]
    assert body["items"][0]["text_body"] == "Hello 2,\nthe link: http://x/invitations/2"
    for status, message in [("sent", sent), ("pending", pending), ("failed", failed)]:
        r = await olga.get("/api/v1/outbox", params={"status": status})
        assert [m["id"] for m in r.json()["items"]] == [message.id], status
    assert (await olga.get("/api/v1/outbox", params={"page": 2})).json()["items"] == []
    assert (await olga.get("/api/v1/outbox", params={"status": "lost"})).status_code == 400
    assert (await olga.get("/api/v1/outbox", params={"page": 0})).status_code == 400

    r = await olga.get("/organizer/outbox?status=failed")
    assert r.status_code == 200, r.text
    card = text_of(r.text, f"message-{failed.id}")
    assert card is not None
    assert "Subject <2>" in card  # escaped in the HTML, read back as text
    assert "To to2@example.org · host_invitation · Failed · 10 attempts" in card
    assert "Last error: SMTPRecipientsRefused: 550" in card
    assert "Hello 2, the link: http://x/invitations/2" in card
    assert "Subject &lt;2&gt;" in r.text
    assert text_of(r.text, f"message-{sent.id}") is None
    page = await olga.get("/organizer/outbox")
    assert page.text.index(f'id="message-{failed.id}"') < page.text.index(f'id="message-{sent.id}"')
    assert "No SMTP server is configured" in page.text
    assert 'href="/organizer/outbox"' in (await olga.get("/organizer")).text


async def test_only_organizers_read_the_outbox(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await three_messages(db)
    anon = await client_factory()
    assert (await anon.get("/api/v1/outbox")).status_code == 401
    r = await anon.get("/organizer/outbox", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (302, "/login?next=/organizer/outbox")
    for account in (world.alice, world.member_a):
        client = await client_factory(account)
        r = await client.get("/api/v1/outbox")
        assert (r.status_code, r.json()["detail"]) == (403, "Only organizers can do this.")
        assert (await client.get("/organizer/outbox")).status_code == 403
