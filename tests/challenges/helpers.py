"""Helpers shared by the challenge, registration and roster tests: read the database afresh, read pages."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from litestar import Litestar
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.sql import Select

from digieduhack.models import Challenge, Registration, RegistrationStatus
from tests import factories

if TYPE_CHECKING:
    from tests.conftest import Client

EVENT_START, EVENT_END = factories.next_edition_dates()
YEAR = EVENT_START.year
EVENT_WINDOW_TEXT = (
    f"DigiEduHack {YEAR} runs from 9 November {YEAR} to 10 November {YEAR} in the challenge's own time zone"
)


@contextlib.contextmanager
def counting_queries(app: Litestar) -> Iterator[list[str]]:
    """The SQL statements the app's engine sends while the block runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = app.state.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


async def queries_for(app: Litestar, client: Client, url: str) -> int:
    """How many SQL statements one GET of `url` sends (answered 200)."""
    await client.get(url)  # a warm connection: only the request's own queries are counted
    with counting_queries(app) as statements:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    return len(statements)


def local(day: int, hh: int, mm: int = 0) -> str:
    """A `datetime-local` value (no seconds, no zone) on `day` November of the current edition."""
    return f"{YEAR}-11-{day:02d}T{hh:02d}:{mm:02d}"


def utc(day: int, hh: int, mm: int = 0) -> str:
    """An ISO UTC timestamp as the API writes it."""
    return f"{YEAR}-11-{day:02d}T{hh:02d}:{mm:02d}:00Z"


async def fetch_all(app: Litestar, stmt: Select[Any]) -> list[Any]:
    """Rows read in a fresh session, so nothing cached by the test's own session can hide a change."""
    async with app.state.sessionmaker() as session:
        return list((await session.execute(stmt)).all())


async def fetch_one(app: Litestar, stmt: Select[Any]) -> Any:
    async with app.state.sessionmaker() as session:
        return await session.scalar(stmt)


async def count(app: Litestar, model: Any, *where: Any) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def challenge_row(app: Litestar, slug: str) -> Challenge:
    async with app.state.sessionmaker() as session:
        challenge = await session.scalar(select(Challenge).where(Challenge.slug == slug))
        assert challenge is not None, slug
        return challenge


async def registrations_of(app: Litestar, challenge_id: int) -> list[tuple[str, str]]:
    """(email, status) of every registration of a challenge, in the order they were made."""
    from digieduhack.models import Account

    rows = await fetch_all(
        app,
        select(Account.email, Registration.status)
        .join(Registration.account)
        .where(Registration.challenge_id == challenge_id)
        .order_by(Registration.id),
    )
    return [(email, status.value) for email, status in rows]


async def assert_counters_match_rows(app: Litestar, challenge_id: int) -> tuple[int, int]:
    """challenges.confirmed_count / waitlisted_count equal the real number of rows; returns them."""
    async with app.state.sessionmaker() as session:
        challenge = await session.get(Challenge, challenge_id)
        assert challenge is not None
        counted = {
            status: int(
                await session.scalar(
                    select(func.count())
                    .select_from(Registration)
                    .where(Registration.challenge_id == challenge_id, Registration.status == status)
                )
                or 0
            )
            for status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
        }
    assert (challenge.confirmed_count, challenge.waitlisted_count) == (
        counted[RegistrationStatus.CONFIRMED],
        counted[RegistrationStatus.WAITLISTED],
    )
    return challenge.confirmed_count, challenge.waitlisted_count


class _ById(HTMLParser):
    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
    )

    def __init__(self, element_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.element_id = element_id
        self.depth = 0
        self.found = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1
            self.found += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str | None:
    """The text inside the (single) element with this id, whitespace collapsed; None when there is none."""
    parser = _ById(element_id)
    parser.feed(html)
    assert parser.found <= 1, f"{parser.found} elements with id {element_id!r}"
    return " ".join("".join(parser.parts).split()) if parser.found else None


def visible_text(html: str) -> str:
    """All text of a page, tags dropped, entities decoded, whitespace collapsed."""

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def iso(value: datetime) -> str:
    """A UTC datetime the way msgspec writes it in JSON."""
    return value.isoformat().replace("+00:00", "Z")


def api_body(**changes: Any) -> dict[str, Any]:
    """A valid ChallengeIn JSON body (an online challenge on day 1 in Brussels), with changes."""
    body: dict[str, Any] = {
        "title": "Learning analytics for teachers",
        "summary": "Build a dashboard that teachers actually want to use.",
        "description": "Bring your ideas.",
        "language": "en",
        "format": "online",
        "timezone": "Europe/Brussels",
        "starts_at_local": f"{YEAR}-11-09T09:00:00",
        "ends_at_local": f"{YEAR}-11-09T17:00:00",
        "capacity": 25,
    }
    body.update(changes)
    return body


def form_data(**changes: str) -> dict[str, str]:
    """The fields of templates/challenges/form.html as a browser posts them (datetime-local, no seconds)."""
    data = {
        "title": "Learning analytics for teachers",
        "summary": "Build a dashboard that teachers actually want to use.",
        "description": "Bring your ideas.",
        "format": "online",
        "language": "en",
        "timezone": "Europe/Brussels",
        "starts_at_local": f"{YEAR}-11-09T09:00",
        "ends_at_local": f"{YEAR}-11-09T17:00",
        "country": "",
        "city": "",
        "venue": "",
        "capacity": "25",
    }
    data.update(changes)
    return data
