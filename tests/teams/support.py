"""Shared by the team tests: a challenge with confirmed participants, teams made through the API, and
the team rows read afresh from the database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Account, Challenge, Team, TeamMember
from tests import factories
from tests.challenges.helpers import fetch_all
from tests.conftest import Client, ClientFactory
from tests.security import support as security_support


def field_error(html: str, field: str) -> str | None:
    """The message shown next to a form field, as the reader sees it (entities decoded)."""
    message = security_support.field_error(html, field)
    return None if message is None else unescape(message)


CODE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$")


@dataclass
class Cast:
    """A published challenge of host A (teams of 2 to 3) with confirmed participants: alice, bob, carla,
    dan, and their logged-in clients."""

    challenge: Challenge
    people: dict[str, Account]
    clients: dict[str, Client]


async def cast(
    db: AsyncSession,
    world: factories.World,
    client_factory: ClientFactory,
    *,
    min_size: int | None = 2,
    max_size: int | None = 3,
    names: tuple[str, ...] = ("carla", "dan"),
    slug: str = "robots",
) -> Cast:
    c = await factories.challenge(
        db, world.event, world.host_a, slug=slug, title="Robots in class", capacity=50
    )
    c.min_team_size, c.max_team_size = min_size, max_size
    await db.commit()
    people = {"alice": world.alice, "bob": world.bob}
    for n in names:
        people[n] = await factories.account(db, f"{n}@example.org", f"{n.title()} Participant")
    for a in people.values():
        await factories.registration(db, c, a)
    clients = {n: await client_factory(a) for n, a in people.items()}
    return Cast(c, people, clients)


async def create(client: Client, slug: str, name: str) -> dict[str, Any]:
    response = await client.post(f"/api/v1/challenges/{slug}/teams", json={"name": name})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def join(client: Client, code: str) -> dict[str, Any]:
    response = await client.post("/api/v1/teams/join", json={"code": code})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def teams_of(app: Litestar, challenge_id: int) -> list[tuple[str, int, int | None, list[str]]]:
    """(name, member_count, max_members, member e-mails in the order they joined) of every team of a
    challenge, by id; member_count is checked against the member rows."""
    teams = await fetch_all(
        app,
        select(Team.id, Team.name, Team.member_count, Team.max_members)
        .where(Team.challenge_id == challenge_id)
        .order_by(Team.id),
    )
    out = []
    for team_id, name, count, max_members in teams:
        rows = await fetch_all(
            app,
            select(Account.email)
            .join(TeamMember, TeamMember.account_id == Account.id)
            .where(TeamMember.team_id == team_id)
            .order_by(TeamMember.joined_at, Account.id),
        )
        emails = [e for (e,) in rows]
        assert count == len(emails), (name, count, emails)
        out.append((name, count, max_members, emails))
    return out
