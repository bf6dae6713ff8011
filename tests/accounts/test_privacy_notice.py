"""The terms of participation and privacy notice: public, versioned, and each consent records the version it
was given to."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.accounts.services import NOTICE_VERSION
from digieduhack.models import Account
from tests import factories
from tests.accounts.helpers import account
from tests.challenges.helpers import fetch_one, text_of
from tests.conftest import Client, ClientFactory


async def test_the_notice_is_public_and_names_its_version(anon: Client) -> None:
    r = await anon.get("/privacy")
    assert r.status_code == 200
    assert (text_of(r.text, "version") or "").startswith(f"Version {NOTICE_VERSION}.")
    signup = await anon.get("/signup")
    assert 'href="/privacy"' in signup.text


async def test_sign_up_records_the_version_of_the_terms_accepted(app: Litestar, anon: Client) -> None:
    body = {
        "email": "nia@example.org",
        "display_name": "Nia",
        "password": "a long password",
        "accept_terms": True,
    }
    r = await anon.post("/api/v1/auth/signup", json=body)
    assert r.status_code == 201, r.text
    row = await fetch_one(app, select(Account).where(Account.email == "nia@example.org"))
    assert (row.terms_version, row.terms_accepted_at is not None) == (NOTICE_VERSION, True)
    assert (row.contact_consent_version, row.contact_consent_at) == (None, None)


async def test_contact_consent_records_its_version_and_withdrawing_clears_both(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    alice = await client_factory(world.alice)
    profile = {"display_name": "Alice", "contact_consent": True}
    assert (await alice.put("/api/v1/me/profile", json=profile)).status_code == 200
    row = await account(app, world.alice.id)
    assert (row.contact_consent_version, row.contact_consent_at is not None) == (NOTICE_VERSION, True)
    export = (await alice.get("/api/v1/me/export")).json()["account"]
    assert export["contact_consent_version"] == NOTICE_VERSION

    assert (
        await alice.put("/api/v1/me/profile", json={**profile, "contact_consent": False})
    ).status_code == 200
    row = await account(app, world.alice.id)
    assert (row.contact_consent_version, row.contact_consent_at) == (None, None)
