"""A real server process for the browser: uvicorn serving `create_app` from DIGIEDUHACK_* variables on the
test session's database, and a headless Chromium (Debian's, driven by playwright) that collects every
console error and uncaught page error, so a test can assert there were none (a CSP violation is one)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from playwright.async_api import Page, async_playwright

from digieduhack.settings import ROOT, Settings

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
STARTUP_TIMEOUT = 30.0

# every test module here starts with `pytestmark = needs_chromium`
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (apt install chromium)"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_bytes().decode(errors="replace")


@pytest.fixture
def live_server(settings: Settings, app: Litestar, tmp_path: Path) -> Iterator[LiveServer]:
    """uvicorn on a free port, on the database the `app` fixture has just emptied; stopped after the test.

    Arrange rows with the `db` fixture (committed) before the browser asks for them."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGIEDUHACK_")}
    env.update(
        DIGIEDUHACK_ENV="test",
        DIGIEDUHACK_SECRET_KEY="browser-secret-" + secrets.token_urlsafe(24),
        DIGIEDUHACK_DATABASE_URL=settings.database_url,
        PYTHONUNBUFFERED="1",
    )
    cmd = [
        sys.executable, "-m", "uvicorn", "--factory", "digieduhack.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "3",
    ]  # fmt: skip
    log_path = tmp_path / "uvicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        with httpx.Client(base_url=server.base_url, timeout=2) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited with {process.returncode}:\n{server.log()}")
                try:
                    if client.get("/api/v1/auth/csrf").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    log = server.log()
                    raise RuntimeError(f"the server did not answer within {STARTUP_TIMEOUT} s:\n{log}")
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Console:
    """What the pages complained about: console errors (CSP violations among them), uncaught errors."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"{page.url}: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: uncaught {exc}"))


@pytest.fixture
async def browser_page(live_server: LiveServer) -> AsyncIterator[tuple[Page, Console]]:
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
