"""A newcomer in a real browser: signs up, confirms their address through the link of the e-mail a real SMTP
server received, finds a challenge in the catalog, joins it and sees it confirmed
among their registrations, without a single console error (no CSP violation, no script error)."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Account, Registration, RegistrationStatus
from tests import factories
from tests.browser.conftest import ARTIFACTS, Console, needs_chromium
from tests.live_server import Server
from tests.smtp_server import SmtpServer

pytestmark = needs_chromium

SCREENSHOT = ARTIFACTS / "browser-signup-and-join.png"
# adds an inline script to the page and answers the CSP directive that blocked it
INLINE_SCRIPT = """() => new Promise((resolve) => {
    document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective), {once: true});
    const script = document.createElement("script");
    script.textContent = "window.injected = true";
    document.head.append(script);
})"""


async def received_text(mail: SmtpServer, to: str) -> str:
    """The plain-text part of the first message the SMTP server received for `to`, waiting up to 15 s
    (aiosmtpd fills the inbox from its own thread: polled)."""
    for _ in range(150):
        if mail.inbox.to(to):
            break
        await asyncio.sleep(0.1)
    assert mail.inbox.to(to), f"no e-mail to {to} within 15 s"
    body = mail.inbox.to(to)[0].get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def test_newcomer_signs_up_joins_a_challenge_and_sees_it_confirmed(
    db: AsyncSession,
    world: factories.World,
    live_server: Server,
    mail: SmtpServer,
    browser_page: tuple[Page, Console],
) -> None:
    challenge = await factories.challenge(
        db, world.event, world.host_a, slug="teachers-bots", title="Chatbots for teachers", capacity=5
    )
    page, console = browser_page

    await page.goto("/")
    await expect(page.get_by_role("heading", level=1)).to_have_text(world.event.name)
    await page.get_by_role("link", name="Sign up").click()
    await expect(page).to_have_url(re.compile(r"/signup$"))
    await page.get_by_label("Your name").fill("Nia Newcomer")
    await page.get_by_label("Email").fill("nia@example.org")
    await page.get_by_label("Password").fill("a long enough password")
    await page.get_by_label("I accept the terms of participation and the privacy notice.").check()
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("status").first).to_have_text(
        "Welcome! Your account is ready. We sent you an e-mail: follow its link to confirm your address, "
        "then you can join challenges."
    )
    await expect(page.get_by_role("link", name="My registrations")).to_be_visible()
    # the verification e-mail, as the SMTP server received it from the app's sender
    text = await received_text(mail, "nia@example.org")
    link = re.search(r"https?://\S+(/verify-email/\S+)", text)
    assert link is not None, text
    await page.goto(link.group(1))
    await page.get_by_role("button", name="Confirm my email address").click()
    await expect(page.locator("p.flash")).to_have_text(
        "Your email address is verified: you can join challenges."
    )

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Challenges").click()
    card = page.locator("li.card").filter(has_text=challenge.title)
    await expect(card).to_contain_text("5 places left")
    await card.get_by_role("link", name=challenge.title).click()
    await expect(page).to_have_url(re.compile(rf"/challenges/{challenge.slug}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(challenge.title)
    await page.get_by_role("button", name="Join this challenge").click()
    await expect(page.locator("p.flash")).to_have_text("You are registered. See you at the hackathon!")
    await expect(page.locator("p.ok")).to_have_text("You are registered for this challenge.")
    await expect(page.locator("dl.facts")).to_contain_text("1 of 5 taken")

    await page.get_by_role("link", name="My registrations").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("My registrations")
    mine = page.locator("li.card")
    await expect(mine).to_have_count(1)
    await expect(mine.get_by_role("link", name=challenge.title, exact=True)).to_be_visible()
    await expect(mine.locator("p.status")).to_have_text("Confirmed")

    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert console.errors == []
    # and the watch is not blind: an inline script, which the CSP forbids, is reported
    directive = await page.evaluate(INLINE_SCRIPT)
    assert directive.startswith("script-src")
    for _ in range(50):
        if console.errors:
            break
        await asyncio.sleep(0.05)
    assert len(console.errors) == 1 and "Content Security Policy" in console.errors[0], console.errors

    account = await db.scalar(select(Account).where(Account.email == "nia@example.org"))
    assert account is not None
    assert account.display_name == "Nia Newcomer"
    assert account.terms_accepted_at is not None
    rows = (
        await db.execute(
            select(Registration.challenge_id, Registration.status).where(
                Registration.account_id == account.id
            )
        )
    ).all()
    assert rows == [(challenge.id, RegistrationStatus.CONFIRMED)]
