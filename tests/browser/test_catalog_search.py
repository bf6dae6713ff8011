"""Searching and filtering the catalog in a real browser: without JavaScript (plain GET form and links)
and with htmx (results replaced in place, the URL pushed, Back and Forward restore results and form)."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import Console, needs_chromium
from tests.challenges.test_catalog_filters import Shelf, shelf  # noqa: F401 (the arranged catalog)
from tests.live_server import Server

pytestmark = needs_chromium


async def test_catalog_filters_and_search_work_without_javascript(
    shelf: Shelf,  # noqa: F811
    live_server: Server,
    browser_page: tuple[Page, Console],
) -> None:
    page, _console = browser_page  # the blocked script is reported there, by design of this test
    await page.context.route(re.compile(r".*htmx.*\.js"), lambda route: route.abort())
    await page.goto(f"{live_server.base_url}/challenges")
    await page.get_by_label("Format").select_option("in_person")
    await page.get_by_label("Sort by").select_option("title")
    await page.get_by_role("button", name="Search").click()
    await page.wait_for_url(re.compile("format=in_person"))
    await expect(page.locator("#catalog-results h2")).to_have_text(["Archive of ideas", "Leitura digital"])
    await page.get_by_label("Search").fill("robots")
    await page.get_by_label("Search").press("Enter")
    await page.wait_for_url(re.compile("q=robots"))
    await expect(page.locator("#catalog-results h2")).to_have_text(["Leitura digital"])
    await page.get_by_role("link", name="Clear filters").first.click()
    await expect(page.locator("#catalog-results h2")).to_have_count(5)


async def test_catalog_updates_in_place_with_htmx_and_back_restores_results_and_form(
    shelf: Shelf,  # noqa: F811
    live_server: Server,
    browser_page: tuple[Page, Console],
) -> None:
    page, console = browser_page
    await page.goto(f"{live_server.base_url}/challenges")
    await page.get_by_label("Language").select_option("pt")
    await expect(page.locator("#catalog-results h2")).to_have_count(2)
    await page.wait_for_url(re.compile("language=pt"))
    await page.get_by_label("Host").select_option("library")
    await expect(page.locator("#catalog-results h2")).to_have_count(1)
    await page.go_back()
    await expect(page.locator("#catalog-results h2")).to_have_count(2)
    await page.go_back()
    await expect(page.locator("#catalog-results h2")).to_have_count(5)
    assert await page.get_by_label("Language").input_value() == ""
    await page.go_forward()
    await expect(page.locator("#catalog-results h2")).to_have_count(2)
    assert await page.get_by_label("Language").input_value() == "pt"
    await expect(page.locator("h1")).to_have_count(1)  # the whole page, never a fragment in a fragment
    assert console.errors == []
