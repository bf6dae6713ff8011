"""Joins, moves and withdrawals share one budget per account (settings.join_attempts per window):
over it, 429 with Retry-After, on the API and the pages, and nothing changes. Not per client: a
classroom joins from one address."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import RegistrationStatus
from tests import factories
from tests.challenges.helpers import registrations_of
from tests.security.support import AppFactory, assert_problem


async def test_an_account_over_its_budget_of_registration_changes_is_refused_and_nothing_changes(
    apps: AppFactory, world: factories.World, db: AsyncSession
) -> None:
    app = apps.app(join_attempts=3)
    c = await factories.challenge(db, world.event, world.host_a)
    alice, bob = apps.client(app), apps.client(app)  # the same client address
    assert (await alice.login(world.alice.email)).status_code == 200
    assert (await bob.login(world.bob.email)).status_code == 200
    path = f"/api/v1/challenges/{c.slug}/registration"
    assert (await alice.post(path)).status_code == 201
    assert (await alice.delete(path)).status_code == 204
    assert (await alice.post(path)).status_code == 201

    refused = await alice.delete(path)

    body = assert_problem(refused, 429, title="Too many requests")
    assert body["detail"] == f"Too many attempts. Try again in {refused.headers['retry-after']} seconds."
    assert 1 <= int(refused.headers["retry-after"]) <= app.state.settings.rate_limit_window
    page = await alice.submit(f"/challenges/{c.slug}/cancel")
    assert (page.status_code, "retry-after" in page.headers) == (429, True)
    statuses = [s for email, s in await registrations_of(app, c.id) if email == world.alice.email]
    assert statuses == [RegistrationStatus.CANCELLED, RegistrationStatus.CONFIRMED]
    # another account from the same address has its own budget
    assert (await bob.post(path)).status_code == 201
