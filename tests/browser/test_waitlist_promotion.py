"""Two participants in real browsers on a challenge of one place: the second joins the waitlist and sees
their position; the first cancels from the challenge's page; the second, reloading, holds the place, and
the SMTP server received the "promoted" e-mail for the one and the cancellation for the other, without a
single console error in either browser."""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage

from playwright.async_api import Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Registration, RegistrationStatus
from tests import factories
from tests.browser.conftest import ARTIFACTS, Console, needs_chromium
from tests.live_server import Server
from tests.smtp_server import SmtpServer

pytestmark = needs_chromium

WAITLISTED_SHOT = ARTIFACTS / "browser-waitlisted.png"
PROMOTED_SHOT = ARTIFACTS / "browser-promoted.png"


async def received(mail: SmtpServer, to: str, subject: str) -> EmailMessage:
    """The message to `to` with exactly this subject, waiting up to 15 s (the live server's sender polls
    its outbox every 0.2 s; aiosmtpd fills the inbox from its own thread)."""
    for _ in range(150):
        found = [m for m in mail.inbox.to(to) if m["Subject"] == subject]
        if found:
            assert len(found) == 1, [m["Subject"] for m in mail.inbox.to(to)]
            return found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(
        f"no e-mail {subject!r} to {to} within 15 s: {[m['Subject'] for m in mail.inbox.to(to)]}"
    )


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def log_in(page: Page, slug: str, email: str) -> None:
    """From the challenge's page, as a visitor would: "Log in to join", the form, and back to the page."""
    await page.goto(f"/challenges/{slug}")
    await page.get_by_role("link", name="Log in to join").click()
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(factories.PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(rf"/challenges/{slug}$"))


async def test_waitlisted_participant_gets_the_place_a_confirmed_one_cancels_and_both_are_told_by_email(
    db: AsyncSession,
    world: factories.World,
    live_server: Server,
    mail: SmtpServer,
    browser_page: tuple[Page, Console],
) -> None:
    challenge = await factories.challenge(
        db, world.event, world.host_a, slug="robot-library", title="Robots in the library", capacity=1
    )
    await factories.registration(db, challenge, world.alice)  # A holds the only place
    b_page, console = browser_page
    title = challenge.title

    # B joins the full challenge: the waitlist, in position 1
    await log_in(b_page, challenge.slug, world.bob.email)
    await expect(b_page.locator("dl.facts")).to_contain_text("1 of 1 taken")
    await b_page.get_by_role("button", name="Join the waitlist").click()
    await expect(b_page.locator("p.flash")).to_have_text(
        "The challenge is full: you are on the waitlist and will be moved up when a place frees."
    )
    await expect(b_page.locator("section.actions p.warn")).to_have_text(
        "You are on the waitlist, in position 1."
    )
    await expect(b_page.locator("dl.facts")).to_contain_text("1 of 1 taken · 1 on the waitlist")
    await b_page.get_by_role("link", name="My registrations").click()
    await expect(b_page.locator("li.card p.status")).to_have_text("On the waitlist, position 1")
    await expect(
        b_page.locator("li.card").get_by_role("link", name="Leave the waitlist: Robots in the library")
    ).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    await b_page.screenshot(path=str(WAITLISTED_SHOT), full_page=True)
    waitlisted = await received(mail, world.bob.email, f"On the waitlist for {title} (position 1)")
    assert "in position 1" in plain_text(waitlisted)

    # A, in a second browser context (own cookies), cancels from the challenge's page
    browser = b_page.context.browser
    assert browser is not None
    a_context = await browser.new_context(base_url=live_server.base_url, locale="en-GB")
    a_context.set_default_timeout(10_000)
    try:
        a_page = await a_context.new_page()
        console.watch(a_page)
        await log_in(a_page, challenge.slug, world.alice.email)
        await expect(a_page.locator("p.ok")).to_have_text("You are registered for this challenge.")
        # one confirmation step says what cancelling does
        await a_page.get_by_role("link", name="Cancel my registration").click()
        await expect(a_page.locator("#what")).to_contain_text("Withdrawing gives it to the first person")
        await a_page.get_by_role("button", name="Withdraw my registration").click()
        await expect(a_page.locator("p.flash")).to_have_text("Your registration is cancelled.")
        # the freed place went to B at once: the challenge is full again
        await expect(a_page.locator("dl.facts")).to_contain_text("1 of 1 taken")
        await expect(a_page.locator("dl.facts")).not_to_contain_text("on the waitlist")
        await expect(a_page.get_by_role("button", name="Join the waitlist")).to_be_visible()
    finally:
        await a_context.close()

    # B reloads "My registrations", then the challenge's page: confirmed
    await b_page.reload()
    mine = b_page.locator("li.card")
    await expect(mine).to_have_count(1)
    await expect(mine.get_by_role("link", name=title, exact=True)).to_be_visible()
    await expect(mine.locator("p.status")).to_have_text("Confirmed")
    await expect(mine.get_by_role("link", name=f"Cancel my registration: {title}")).to_be_visible()
    await mine.get_by_role("link", name=title, exact=True).click()
    await expect(b_page.locator("section.actions p.ok")).to_have_text(
        "You are registered for this challenge."
    )
    await expect(b_page.locator("section.actions p.warn")).to_have_count(0)
    await b_page.screenshot(path=str(PROMOTED_SHOT), full_page=True)

    promoted = await received(mail, world.bob.email, f"A place freed up: you are in {title}")
    text = plain_text(promoted)
    assert "your place is now confirmed" in text
    assert f"{title} ({world.event.name})" in text
    assert f"/challenges/{challenge.slug}" in text
    assert [p.get_filename() for p in promoted.iter_attachments()] == [f"{challenge.slug}.ics"]
    cancelled = await received(mail, world.alice.email, f"Registration cancelled: {title}")
    assert f"{title} ({world.event.name})" in plain_text(cancelled)
    assert console.errors == []

    rows = (
        await db.execute(
            select(Registration.account_id, Registration.status)
            .where(Registration.challenge_id == challenge.id)
            .order_by(Registration.id)
        )
    ).all()
    assert rows == [
        (world.alice.id, RegistrationStatus.CANCELLED),
        (world.bob.id, RegistrationStatus.CONFIRMED),
    ]
