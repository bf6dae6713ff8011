"""A real server process for the browser: uvicorn serving `create_app` from DIGIEDUHACK_* variables on the
test session's database, and a headless Chromium (Debian's, driven by playwright) that collects every
console error and uncaught page error, so a test can assert there were none (a CSP violation is one)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from litestar import Litestar
from playwright.async_api import Page, async_playwright

from digieduhack.settings import ROOT, Settings
from tests.live_server import Server, start_server, stop_server
from tests.smtp_server import SmtpServer, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"

# every test module here starts with `pytestmark = needs_chromium`
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (apt install chromium)"
)


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    """A real SMTP server the live server delivers its e-mail to (its sender polls every 0.2 s)."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server(settings: Settings, app: Litestar, tmp_path: Path, mail: SmtpServer) -> Iterator[Server]:
    """uvicorn on a free port, on the database the `app` fixture has just emptied; stopped after the test.

    Arrange rows with the `db` fixture (committed) before the browser asks for them."""
    server = start_server(
        settings, tmp_path / "uvicorn.log", DIGIEDUHACK_SMTP_URL=mail.url, DIGIEDUHACK_MAIL_POLL_SECONDS="0.2"
    )
    yield server
    stop_server(server)


@dataclass
class Console:
    """What the pages complained about: console errors (CSP violations among them), uncaught errors."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"{page.url}: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: uncaught {exc}"))


@pytest.fixture
async def browser_page(live_server: Server) -> AsyncIterator[tuple[Page, Console]]:
    """A fresh headless Chromium page (English, default timeouts of 10 s) and its console record."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(base_url=live_server.base_url, locale="en-GB")
            context.set_default_timeout(10_000)
            page = await context.new_page()
            console = Console()
            console.watch(page)
            yield page, console
            await context.close()
        finally:
            await browser.close()
