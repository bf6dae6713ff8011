"""A seeded edition whose numbers are known by heart (see the docstring of `seed`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import (
    Account,
    Challenge,
    ChallengeFormat,
    ChallengeStatus,
    HostKind,
    Registration,
    RegistrationStatus,
)
from tests import factories


def days_ago(n: int, hour: int = 10) -> datetime:
    return datetime.combine(datetime.now(UTC).date() - timedelta(days=n), time(hour), tzinfo=UTC)


def day(n: int) -> str:
    """The ISO date of `n` UTC days ago."""
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


@dataclass
class Seeded:
    world: factories.World
    alpha: Challenge
    beta: Challenge
    gamma: Challenge
    delta: Challenge
    epsilon: Challenge
    zeta: Challenge
    dave: Account


async def register(
    db: AsyncSession,
    c: Challenge,
    a: Account,
    at: datetime,
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
) -> Registration:
    r = await factories.registration(db, c, a, status)
    await db.execute(update(Registration).where(Registration.id == r.id).values(created_at=at))
    await db.commit()
    return r


async def seed(db: AsyncSession, world: factories.World) -> Seeded:
    """The world's edition with six challenges:

    - Leuven Lab (university, BE): Alpha (published, online, en, capacity 2: alice checked in and bob
      confirmed 3 days ago, carol (BE) waitlisted yesterday: full), Beta (published, in person, nl, capacity
      10: dave confirmed 5 days ago, then his account deleted (anonymised); frank's registration of 5 days
      ago cancelled), Epsilon (cancelled);
    - Nairobi Circle (NGO, KE): Gamma (published, hybrid, en, no capacity: nobody yet), Delta (draft,
      online, en), Zeta (closed, in person, en, capacity 1: erin, no country, confirmed yesterday: full);
    - and bob's registration of 2 days ago in a 2021 challenge, which counts in no number of this edition.
    """
    ev, a, b = world.event, world.host_a, world.host_b
    world.host_b.kind = HostKind.NGO
    db.add(world.host_b)
    await db.commit()
    alpha = await factories.challenge(db, ev, a, slug="alpha", title="Alpha", capacity=2)
    beta = await factories.challenge(
        db, ev, a, slug="beta", title="Beta", capacity=10, fmt=ChallengeFormat.IN_PERSON
    )
    beta.language = "nl"
    epsilon = await factories.challenge(
        db, ev, a, slug="epsilon", title="Epsilon", status=ChallengeStatus.CANCELLED
    )
    gamma = await factories.challenge(
        db, ev, b, slug="gamma", title="Gamma", capacity=None, fmt=ChallengeFormat.HYBRID
    )
    delta = await factories.challenge(db, ev, b, slug="delta", title="Delta", status=ChallengeStatus.DRAFT)
    zeta = await factories.challenge(
        db,
        ev,
        b,
        slug="zeta",
        title="Zeta",
        capacity=1,
        status=ChallengeStatus.CLOSED,
        fmt=ChallengeFormat.IN_PERSON,
    )
    db.add(beta)
    await db.commit()
    carol = await factories.account(db, "carol@example.org", "Carol", country="BE")
    dave = await factories.account(db, "dave@example.org", "Dave", country="FR")
    erin = await factories.account(db, "erin@example.org", "Erin")
    frank = await factories.account(db, "frank@example.org", "Frank", country="DE")
    checked = await register(db, alpha, world.alice, days_ago(3))
    checked.checked_in_at = days_ago(0)
    db.add(checked)
    await register(db, alpha, world.bob, days_ago(3, 23))
    await register(db, alpha, carol, days_ago(1), RegistrationStatus.WAITLISTED)
    await register(db, beta, dave, days_ago(5))
    await register(db, beta, frank, days_ago(5, 0), RegistrationStatus.CANCELLED)
    await register(db, zeta, erin, days_ago(1, 1))
    # dave deleted his account: the row stays, anonymised (as for the registrations of a past edition)
    dave.email, dave.display_name, dave.country, dave.deleted_at = (
        "deleted-x@invalid",
        "Deleted",
        None,
        days_ago(0),
    )
    db.add(dave)
    await db.commit()
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    archived = await factories.challenge(db, past, a, slug="archived", title="Archived")
    await register(db, archived, world.bob, days_ago(2))
    return Seeded(world, alpha, beta, gamma, delta, epsilon, zeta, dave)


class _Rows(HTMLParser):
    """The cells of the table with this id, row by row, whitespace collapsed."""

    def __init__(self, table_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.table_id, self.inside, self.cell = table_id, False, False
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table_id) in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag in ("td", "th"):
            self.cell = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.cell:
            self.rows[-1][-1] += data


def table_rows(html: str, table_id: str) -> list[list[str]]:
    parser = _Rows(table_id)
    parser.feed(html)
    return [[" ".join(cell.split()) for cell in row] for row in parser.rows]
