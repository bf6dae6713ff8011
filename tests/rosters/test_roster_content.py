"""What a roster CSV holds, row by row, and that no cell can run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import Account, Registration, RegistrationStatus
from tests import factories
from tests.challenges.helpers import YEAR, fetch_all
from tests.conftest import ClientFactory

HEADER = ["name", "email", "challenge", "host", "country", "status", "registered_at"]
PREFIXES = ["/api/v1", ""]
# the columns and statuses of this file's checks, chosen explicitly (the default is name, email, team, status,
# answers of the confirmed and the waitlisted)
EVERYTHING = "?" + "&".join(
    [f"columns={c}" for c in HEADER] + [f"status={s}" for s in ("confirmed", "waitlisted", "cancelled")]
)


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


async def registered_at(app: Litestar) -> dict[tuple[str, int], str]:
    """(email, challenge id) -> registered_at as the CSV must write it (ISO 8601, UTC)."""
    rows = await fetch_all(
        app,
        select(Account.email, Registration.challenge_id, Registration.created_at).join(Registration.account),
    )
    return {(email, challenge_id): created_at.isoformat() for email, challenge_id, created_at in rows}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_rosters_hold_exactly_the_registrations_of_the_event_or_challenge(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory, prefix: str
) -> None:
    carol = await factories.account(db, "carol@example.org", "Carol Participant")  # no country
    world.event.max_challenges_per_participant = None  # Bob holds two challenges
    # created Zeta first: the roster is ordered by challenge title, then by registration
    zeta = await factories.challenge(db, world.event, world.host_b, title="Zeta robots", capacity=1)
    alpha = await factories.challenge(db, world.event, world.host_a, title='Alpha, "quoted" data', capacity=5)
    await factories.challenge(db, world.event, world.host_a, title="Nobody came")
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    old = await factories.challenge(db, past, world.host_a, title="Back in 2021")
    await factories.registration(db, zeta, world.alice)
    await factories.registration(db, zeta, world.bob, RegistrationStatus.WAITLISTED)
    await factories.registration(db, alpha, world.bob)
    await factories.registration(db, alpha, carol, RegistrationStatus.CANCELLED)
    await factories.registration(db, old, world.alice)
    at = await registered_at(app)
    organizer = await client_factory(world.organizer)
    member_b = await client_factory(world.member_b)

    event = await organizer.get(f"{prefix}/events/{YEAR}/roster.csv{EVERYTHING}")
    one = await member_b.get(f"{prefix}/challenges/{zeta.slug}/roster.csv{EVERYTHING}")
    older = await organizer.get(f"{prefix}/events/2021/roster.csv{EVERYTHING}")

    alpha_title = 'Alpha, "quoted" data'
    zeta_rows = [
        ["Alice Participant", "alice@example.org", "Zeta robots", "Nairobi Circle", "PT", "confirmed",
         at["alice@example.org", zeta.id]],
        ["Bob Participant", "bob@example.org", "Zeta robots", "Nairobi Circle", "KE", "waitlisted",
         at["bob@example.org", zeta.id]],
    ]  # fmt: skip
    assert parse(event.text) == [
        HEADER,
        ["Bob Participant", "bob@example.org", alpha_title, "Leuven Lab", "KE", "confirmed",
         at["bob@example.org", alpha.id]],
        ["Carol Participant", "carol@example.org", alpha_title, "Leuven Lab", "", "cancelled",
         at["carol@example.org", alpha.id]],
        *zeta_rows,
    ]  # fmt: skip
    assert parse(one.text) == [HEADER, *zeta_rows]
    assert parse(older.text) == [
        HEADER,
        ["Alice Participant", "alice@example.org", "Back in 2021", "Leuven Lab", "PT", "confirmed",
         at["alice@example.org", old.id]],
    ]  # fmt: skip
    # CRLF line ends, as RFC 4180 and spreadsheets expect
    assert event.content.count(b"\r\n") == 5


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_roster_neutralises_spreadsheet_formulas(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory, prefix: str
) -> None:
    hostile_host = await factories.host(db, world.member_a, slug="hostile", name="=cmd|' /C calc'!A0")
    c = await factories.challenge(db, world.event, hostile_host, title="+Plus challenge", capacity=None)
    names = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\tx", "\rx", "Ana-Maria = ok"]
    for n, name in enumerate(names):
        await factories.registration(db, c, await factories.account(db, f"p{n}@example.org", name))
    organizer = await client_factory(world.organizer)

    for url in (
        f"{prefix}/events/{YEAR}/roster.csv{EVERYTHING}",
        f"{prefix}/challenges/{c.slug}/roster.csv{EVERYTHING}",
    ):
        response = await organizer.get(url)
        assert response.status_code == 200
        rows = parse(response.text)[1:]
        assert [row[0] for row in rows] == [
            '\'=HYPERLINK("http://x","y")',
            "'+1",
            "'-1",
            "'@SUM(A1)",
            "'\tx",
            "'\rx",
            "Ana-Maria = ok",
        ]
        assert {(row[2], row[3]) for row in rows} == {("'+Plus challenge", "'=cmd|' /C calc'!A0")}
