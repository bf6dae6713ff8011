"""Stored XSS is impossible: hostile titles, names and descriptions come out escaped, Markdown sanitised."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.conftest import ClientFactory

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def test_description_markdown_is_rendered_and_sanitised(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, slug="md")
    c.description = (
        "## Plan\n\n**Bold** and [a link](https://example.org) and [bad](javascript:alert(1))\n\n" + HOSTILE
    )
    await db.commit()
    page = await (await client_factory()).get("/challenges/md")
    assert page.status_code == 200
    assert "<h3>Plan</h3>" in page.text
    assert "<strong>Bold</strong>" in page.text
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">a link</a>' in page.text
    assert 'href="javascript:' not in page.text  # left as plain text, never a link
    assert "<script>alert" not in page.text
    assert "<img" not in page.text
    assert "&lt;script&gt;" in page.text


async def test_hostile_titles_and_names_are_escaped_on_every_page(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    # full once alice joins: the dashboard lists it
    c = await factories.challenge(db, world.event, world.host_a, slug="evil", title=HOSTILE[:100], capacity=1)
    world.host_a.name = HOSTILE[:100]
    await db.commit()
    await factories.registration(db, c, world.alice)
    for client, url in [
        (await client_factory(), "/"),
        (await client_factory(), "/challenges/evil"),
        (await client_factory(world.alice), "/me/registrations"),
        (await client_factory(world.member_a), "/host"),
        (await client_factory(world.organizer), "/organizer"),
        (await client_factory(world.organizer), f"/events/{world.event.slug}/dashboard"),
        (await client_factory(world.organizer), f"/events/{world.event.slug}/readiness"),
        (await client_factory(world.member_a), f"/hosts/{world.host_a.slug}/dashboard"),
    ]:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert" not in response.text, url
        assert "<img src=x" not in response.text, url
        assert "&lt;script&gt;" in response.text, url
