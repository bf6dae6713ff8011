"""Check-in on a phone (390x844, touch, mobile viewport) against a real server: a host member logs in, opens
the check-in page of their challenge, searches a name, taps Check in and sees the row and the count change
in place (htmx, no page load); then opens a participant's personal code (the link of the QR code Alice shows
on her phone) and checks her in with one tap. No console error (a CSP violation would be one)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Console, needs_chromium
from tests.live_server import Server

pytestmark = needs_chromium

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36",
}
LIST_SHOT = ARTIFACTS / "browser-checkin-list.png"
CODE_SHOT = ARTIFACTS / "browser-checkin-code.png"


@pytest.fixture
async def phones(live_server: Server) -> AsyncIterator[tuple[BrowserContext, BrowserContext, Console]]:
    """Two phones (the host member's and Alice's), sharing one console record."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            console = Console()
            contexts = []
            for _ in range(2):
                context = await browser.new_context(base_url=live_server.base_url, locale="en-GB", **PHONE)
                context.set_default_timeout(10_000)
                contexts.append(context)
            yield contexts[0], contexts[1], console
            for context in contexts:
                await context.close()
        finally:
            await browser.close()


async def log_in(page: Page, target: str, email: str) -> None:
    await page.goto(f"/login?next={target}")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(factories.PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(rf"{re.escape(target)}$"))


async def test_host_member_checks_participants_in_on_a_phone_in_place_and_from_a_scanned_code(
    db: AsyncSession, world: factories.World, phones: tuple[BrowserContext, BrowserContext, Console]
) -> None:
    # an edition under way today (the live server runs on the real clock): check-in is open
    today = date.today()
    event = await factories.event(db, slug="today", starts_on=today, ends_on=today + timedelta(days=1))
    c = await factories.challenge(db, event, world.host_a, slug="maker-day", title="Maker day", capacity=None)
    alices = await factories.registration(db, c, world.alice)
    bobs = await factories.registration(db, c, world.bob)
    carla = await factories.account(db, "carla@example.org", "Carla Gómez")
    await factories.registration(db, c, carla)
    host_phone, alice_phone, console = phones
    host = await host_phone.new_page()
    console.watch(host)

    # the challenge page's host tools lead to the check-in page
    await log_in(host, f"/challenges/{c.slug}", world.member_a.email)
    await host.get_by_role("link", name="Check-in", exact=True).click()
    await expect(host).to_have_url(re.compile(rf"/challenges/{c.slug}/checkin$"))
    await expect(host.locator("#checkin-count")).to_have_text("0 of 3 checked in")
    await expect(host.locator("li.checkin-row")).to_have_count(3)

    # typing a name narrows the list in place
    await host.evaluate("window.stillTheSamePage = true")
    await host.get_by_label("Name or e-mail").fill("bob")
    await expect(host.locator("li.checkin-row")).to_have_count(1)
    row = host.locator(f"#checkin-{bobs.id}")
    await expect(row.locator(".name")).to_have_text("Bob Participant")

    # one big tap target, then the row and the count change without a page load
    button = row.get_by_role("button", name="Check in Bob Participant")
    box = await button.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 300, box  # full width on a phone
    await button.tap()
    await expect(row).to_have_class(re.compile(r"\bpresent\b"))
    await expect(row.locator(".checked-in")).to_contain_text("Checked in ")
    await expect(row.get_by_role("button", name="Undo the check-in of Bob Participant")).to_be_visible()
    await expect(host.locator("#checkin-count")).to_have_text("1 of 3 checked in")
    assert await host.evaluate("window.stillTheSamePage") is True  # htmx swapped it: no navigation
    await expect(host).to_have_url(re.compile(r"/checkin\?q=bob$"))
    ARTIFACTS.mkdir(exist_ok=True)
    await host.screenshot(path=str(LIST_SHOT), full_page=True)

    # Alice shows her code (My registrations); the host's camera opens its link on the host's phone
    alice = await alice_phone.new_page()
    console.watch(alice)
    await log_in(alice, "/me/registrations", world.alice.email)
    await alice.get_by_text("Your check-in code").click()
    qr = alice.get_by_role("img", name=f"Your check-in QR code for {c.title}")
    await expect(qr).to_be_visible()
    # the SVG loaded (CSP allows it): its own size, 8 px a module
    loaded = (
        "img => img.complete ? img.naturalWidth"
        " : new Promise(ok => { img.onload = () => ok(img.naturalWidth); })"
    )
    assert await qr.evaluate(loaded) > 0
    code_link = await alice.locator(f'#checkin-code-{alices.id} a[href^="/checkin/"]').get_attribute("href")
    assert code_link is not None

    await host.goto(code_link)
    await expect(host.locator("#checkin-person .name")).to_have_text("Alice Participant")
    await expect(host.locator("#checkin-state")).to_have_text("Confirmed, not checked in yet.")
    await host.get_by_role("button", name="Check in", exact=True).tap()
    await expect(host.locator("#checkin-state")).to_contain_text("Checked in ")
    await host.screenshot(path=str(CODE_SHOT), full_page=True)
    await host.get_by_role("link", name="All participants of this challenge").click()
    await expect(host.locator("#checkin-count")).to_have_text("2 of 3 checked in")

    # Alice, reloading her code, sees she is in
    await alice.goto(code_link)
    await expect(alice.locator("#checkin-state")).to_contain_text("You are checked in")
    assert console.errors == []
