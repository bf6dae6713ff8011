"""The link in every e-mail about a registration withdraws it without logging in, after one confirmation
click; a link that was tampered with finds nothing, a used one says it is already done."""

from __future__ import annotations

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Challenge
from digieduhack.security import sign
from tests import factories
from tests.challenges.helpers import assert_counters_match_rows, registrations_of, visible_text
from tests.conftest import Client, ClientFactory
from tests.registrations.support import held, messages, outbox, withdraw_token


async def full_challenge(
    db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> Challenge:
    """Capacity 1: Alice confirmed, Bob waiting (both joined, so both got an e-mail with a link)."""
    c = await factories.challenge(db, world.event, world.host_a, title="Robots", capacity=1)
    for who in (world.alice, world.bob):
        await (await client_factory(who)).post(f"/api/v1/challenges/{c.slug}/registration")
    return c


async def link_of(app: Litestar, kind: str) -> str:
    return f"/registrations/withdraw/{withdraw_token((await messages(app, kind))[0])}"


async def withdraw(anon: Client, link: str) -> tuple[int, str]:
    """Open the link like a browser (the page sets the CSRF cookie) and click the button."""
    page = await anon.raw.get(link)
    assert page.status_code == 200
    r = await anon.raw.post(link, data={"_csrf_token": anon.csrf}, follow_redirects=False)
    return r.status_code, visible_text(r.text)


async def test_the_link_shows_what_will_happen_then_one_click_withdraws_and_promotes_the_waitlist(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, anon: Client
) -> None:
    c = await full_challenge(db, world, client_factory)
    link = await link_of(app, "registration_confirmed")

    page = await anon.get(link)
    assert page.status_code == 200
    assert "Free your place?" in visible_text(page.text)
    assert "Your place in Robots is confirmed. Withdrawing gives it to the first person on the waitlist." in (
        visible_text(page.text)
    )
    assert f'action="{link}"' in page.text and 'name="_csrf_token"' in page.text
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "waitlisted"),
    ]

    status, text = await withdraw(anon, link)

    assert status == 200
    assert "Withdrawn You are no longer registered for Robots." in text
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "cancelled"),
        ("bob@example.org", "confirmed"),
    ]
    assert await assert_counters_match_rows(app, c.id) == (1, 0)
    assert await held(app, world.alice, world.event.id) == (0, 1)
    assert (await outbox(app))[2:] == [
        ("registration_promoted", "bob@example.org"),
        ("registration_cancelled", "alice@example.org"),
    ]


async def test_the_link_of_a_waitlist_message_leaves_the_waitlist(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, anon: Client
) -> None:
    c = await full_challenge(db, world, client_factory)
    link = await link_of(app, "registration_waitlisted")

    page = visible_text((await anon.get(link)).text)
    status, _ = await withdraw(anon, link)

    assert "You are on the waitlist of Robots, in position 1." in page
    assert status == 200
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "cancelled"),
    ]
    assert await assert_counters_match_rows(app, c.id) == (1, 0)


async def test_a_used_link_or_one_for_a_registration_cancelled_otherwise_says_already_withdrawn(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, anon: Client
) -> None:
    c = await full_challenge(db, world, client_factory)
    alices, bobs = await link_of(app, "registration_confirmed"), await link_of(app, "registration_waitlisted")
    await withdraw(anon, alices)
    await (await client_factory(world.bob)).delete(f"/api/v1/challenges/{c.slug}/registration")
    sent = await outbox(app)

    reused = await anon.raw.post(alices, data={"_csrf_token": anon.csrf})
    for r in (reused, await anon.get(alices), await anon.get(bobs)):
        assert r.status_code == 200
        assert "Already withdrawn" in visible_text(r.text)
        assert "was already withdrawn: there is nothing left to do." in visible_text(r.text)
        assert 'action="/registrations/withdraw/' not in r.text  # no button left to press
    assert await outbox(app) == sent
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "cancelled"),
        ("bob@example.org", "cancelled"),
    ]


@pytest.mark.parametrize("tamper", ["last_char", "other_id", "other_purpose", "no_signature", "garbage"])
async def test_a_tampered_link_finds_nothing(
    world: factories.World,
    db: AsyncSession,
    app: Litestar,
    client_factory: ClientFactory,
    anon: Client,
    tamper: str,
) -> None:
    c = await full_challenge(db, world, client_factory)
    token = withdraw_token((await messages(app, "registration_confirmed"))[0])
    reg_id, _, mac = token.partition(".")
    secret = app.state.settings.secret_key
    bad = {
        "last_char": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "other_id": f"{int(reg_id) + 1}.{mac}",  # Bob's registration, with Alice's signature
        "other_purpose": sign(secret, "verify-email", reg_id),
        "no_signature": reg_id,
        "garbage": "x" * 80,
    }[tamper]
    await anon.get("/login")  # a CSRF cookie, so the POST is refused for the token, not for CSRF

    page = await anon.get(f"/registrations/withdraw/{bad}")
    post = await anon.raw.post(f"/registrations/withdraw/{bad}", data={"_csrf_token": anon.csrf})

    assert page.status_code == 404
    assert post.status_code == 404
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "waitlisted"),
    ]


async def test_withdrawing_needs_the_csrf_token_of_the_page(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, anon: Client
) -> None:
    c = await full_challenge(db, world, client_factory)
    link = await link_of(app, "registration_confirmed")

    r = await anon.raw.post(link, data={})

    assert r.status_code == 403
    assert await registrations_of(app, c.id) == [
        ("alice@example.org", "confirmed"),
        ("bob@example.org", "waitlisted"),
    ]
