"""The browser tells its time zone (static/js/timezone.js sets the cookie `tz`, allowed by the CSP), and the
next page shows a challenge's times in it too."""

from __future__ import annotations

from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.browser.conftest import Console, needs_chromium
from tests.live_server import Server

pytestmark = needs_chromium


async def test_browser_zone_is_sent_by_the_script_and_used_on_the_next_page(
    db: AsyncSession, world: factories.World, live_server: Server, browser_page: tuple[Page, Console]
) -> None:
    page, console = browser_page
    await page.goto("/")
    zone = await page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone")
    # a challenge in a zone other than the browser's, so that its page has something to add
    other = "Pacific/Kiritimati" if zone != "Pacific/Kiritimati" else "Asia/Kathmandu"
    challenge = await factories.challenge(db, world.event, world.host_a, timezone=other)
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    assert cookies["tz"] == zone

    await page.goto(f"/challenges/{challenge.slug}")

    await expect(page.locator("#your-time")).to_contain_text(f"in your time zone ({zone},")
    assert console.errors == []
