"""An organizer in a real browser: from the organizer page to the numbers of the edition (charts drawn as SVG,
within the CSP: no console error), then to the readiness list, where one click reminds a lagging host."""

from __future__ import annotations

from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.browser.conftest import ARTIFACTS, Console, needs_chromium
from tests.browser.test_teams import log_in
from tests.dashboard.seed import seed
from tests.live_server import Server

pytestmark = needs_chromium

SCREENSHOT = ARTIFACTS / "browser-dashboard.png"


async def test_an_organizer_reads_the_charts_and_reminds_a_lagging_host(
    db: AsyncSession,
    world: factories.World,
    live_server: Server,
    browser_page: tuple[Page, Console],
) -> None:
    await seed(db, world)
    page, console = browser_page
    await log_in(page, world.organizer.email)
    await page.goto("/organizer")
    await page.locator("#dashboard-link").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text(f"{world.event.name}: numbers at a glance")
    # the charts are images named by their titles, each with its table of numbers
    chart = page.get_by_role("img", name="Participants by country")
    await expect(chart).to_be_visible()
    await expect(page.locator("#chart-country .bar")).to_have_count(4)
    await expect(page.locator("#chart-per-day .day-bar")).to_have_count(6)
    box = await page.locator("#chart-country .bar").first.bounding_box()
    assert box is not None and box["width"] > 100  # the largest bar is drawn (CSS and percentages applied)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)

    await page.locator("#readiness-link").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{world.event.name}: readiness of the hosts"
    )
    await page.get_by_role("button", name="Remind Leuven Lab").click()
    await expect(page.locator("p.flash")).to_have_text(
        "Reminder sent: the host's members got an e-mail listing what is missing."
    )
    await expect(page.locator("#host-leuven-lab")).to_contain_text("Reminded today at")
    assert console.errors == []
