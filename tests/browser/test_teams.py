"""Two participants in two real browsers: Alice creates a team on the page and copies its invitation link;
Bob, confirmed in the same challenge, opens the link and joins; the team page lists both. No console
errors (no CSP violation, no script error) in either browser."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Account, Team, TeamMember
from tests import factories
from tests.browser.conftest import ARTIFACTS, Console, needs_chromium
from tests.live_server import Server

pytestmark = needs_chromium

SCREENSHOT = ARTIFACTS / "browser-teams.png"


async def log_in(page: Page, email: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(factories.PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("p.flash")).to_have_text("You are logged in.")


async def test_a_participant_creates_a_team_and_another_joins_it_through_the_copied_link(
    db: AsyncSession,
    world: factories.World,
    live_server: Server,
    browser_page: tuple[Page, Console],
) -> None:
    challenge = await factories.challenge(
        db, world.event, world.host_a, slug="teachers-bots", title="Chatbots for teachers", capacity=5
    )
    challenge.min_team_size, challenge.max_team_size = 2, 4
    await db.commit()
    for person in (world.alice, world.bob):
        await factories.registration(db, challenge, person)
    alice, console = browser_page
    assert alice.context.browser is not None
    await alice.context.grant_permissions(["clipboard-read", "clipboard-write"])

    # Alice: from the challenge page to her new team, and the link copied with the Copy button
    await log_in(alice, world.alice.email)
    await alice.goto(f"/challenges/{challenge.slug}")
    await alice.get_by_role("link", name="Create a team / join with a code").click()
    await expect(alice.get_by_role("heading", level=1)).to_have_text("Create a team or join one")
    await alice.get_by_label("Team name").fill("Team Rocket")
    await alice.get_by_role("button", name="Create the team").click()
    await expect(alice.locator("p.flash")).to_have_text(
        "Your team is created. Invite others with its link or code."
    )
    await expect(alice.get_by_role("heading", level=1)).to_have_text("Team Team Rocket")
    await expect(alice.locator("#team-size")).to_have_text(
        re.compile(r"1 member ·\s+3 places left ·\s+needs 1 more member")
    )
    await alice.get_by_role("button", name="Copy the link").click()
    await expect(alice.locator("#copy-status")).to_have_text("Copied.")
    link = await alice.evaluate("() => navigator.clipboard.readText()")
    assert link == await alice.get_by_label("Invitation link").input_value()
    assert re.fullmatch(r"https?://[^/]+/teams/join/[A-Z2-9]{8}", link), link

    # Bob, in a browser context of his own, opens the link (its path: the live server's port is not the
    # configured base URL's) and joins
    bob_context: BrowserContext = await alice.context.browser.new_context(
        base_url=live_server.base_url, locale="en-GB"
    )
    try:
        bob = await bob_context.new_page()
        console.watch(bob)
        await log_in(bob, world.bob.email)
        await bob.goto(urlsplit(link).path)
        await expect(bob.get_by_role("heading", level=1)).to_have_text("Join team Team Rocket")
        await expect(bob.locator("#members")).to_have_text("Alice Participant")
        await bob.get_by_role("button", name="Join the team").click()
        await expect(bob.locator("p.flash")).to_have_text("Welcome to the team!")
        rows = bob.locator("#members tbody tr td:first-child")
        await expect(rows).to_have_text(["Alice Participant", "Bob Participant (you)"])
        await expect(bob.locator("#team-size")).to_have_text(re.compile(r"2 members ·\s+2 places left"))
    finally:
        await bob_context.close()

    await alice.reload()
    await expect(alice.locator("#members tbody tr td:first-child")).to_have_text(
        ["Alice Participant (you)", "Bob Participant"]
    )
    ARTIFACTS.mkdir(exist_ok=True)
    await alice.screenshot(path=str(SCREENSHOT), full_page=True)
    await alice.goto(f"/challenges/{challenge.slug}")
    await expect(alice.locator("#my-team")).to_have_text(re.compile(r"Your team:\s+Team Rocket"))
    assert console.errors == []

    rows = (
        await db.execute(
            select(Team.name, Team.member_count, Account.email)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .join(Account, Account.id == TeamMember.account_id)
            .order_by(TeamMember.joined_at)
        )
    ).all()
    assert rows == [("Team Rocket", 2, "alice@example.org"), ("Team Rocket", 2, "bob@example.org")]
