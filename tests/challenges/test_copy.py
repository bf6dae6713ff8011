"""A host starts a challenge of the current edition as a copy of one of its challenges of an earlier
edition: the same wall-clock times moved to the new dates, only the themes the new edition still has.
Through the API (POST /api/v1/challenges/{slug}/copy: a draft) and the pages (a Copy link on the host
dashboard opens the new-challenge form prefilled; nothing is saved until it is submitted)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import (
    AgendaItem,
    Audience,
    Challenge,
    ChallengeLabel,
    ChallengeStatus,
    LabelKind,
)
from tests import factories
from tests.challenges.helpers import YEAR, challenge_row, count, local, text_of, utc

BRUSSELS = ZoneInfo("Europe/Brussels")


def brussels(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=BRUSSELS).astimezone(UTC)


@pytest.fixture
async def old(world: factories.World, db: AsyncSession) -> Challenge:
    """Leuven Lab's challenge of a summer 2021 edition (Brussels on UTC+2 then; UTC+1 in November):
    9 June 09:00 to 10 June 17:00 local, with labels, agenda, deadline, teams and a meeting link."""
    world.event.themes = ["Future of learning", "Digital inclusion"]
    past = await factories.event(
        db,
        slug="2021",
        starts_on=date(2021, 6, 9),
        ends_on=date(2021, 6, 10),
        themes=["Future of learning", "Remote teaching"],
    )
    c = await factories.challenge(
        db, past, world.host_a, slug="textbooks-2021", title="Open textbooks", hours=32
    )
    c.registration_deadline = brussels(date(2021, 6, 9), 8)
    c.min_team_size, c.max_team_size = 2, 5
    c.meeting_url = "https://meet.example.org/textbooks"
    c.status = ChallengeStatus.CLOSED
    db.add_all(
        [
            ChallengeLabel(challenge_id=c.id, kind=LabelKind.THEME, value="Future of learning"),
            ChallengeLabel(challenge_id=c.id, kind=LabelKind.THEME, value="Remote teaching"),
            ChallengeLabel(challenge_id=c.id, kind=LabelKind.TAG, value="oer"),
            ChallengeLabel(challenge_id=c.id, kind=LabelKind.AUDIENCE, value=Audience.EDUCATORS.value),
            AgendaItem(challenge_id=c.id, starts_at=brussels(date(2021, 6, 9), 10), title="Kick-off"),
            AgendaItem(challenge_id=c.id, starts_at=brussels(date(2021, 6, 10), 16, 30), title="Pitches"),
        ]
    )
    await db.commit()
    return c


EXPECTED_COPY = {
    "event": str(YEAR),
    "status": "draft",
    "title": "Open textbooks",
    "timezone": "Europe/Brussels",
    # the same wall-clock times, five months later: 09:00 local is 08:00 UTC in November
    "starts_at_local": f"{YEAR}-11-09T09:00:00+01:00",
    "starts_at": utc(9, 8),
    "ends_at_local": f"{YEAR}-11-10T17:00:00+01:00",
    "registration_deadline_local": f"{YEAR}-11-09T08:00:00+01:00",
    "agenda": [
        {"starts_at": utc(9, 9), "starts_at_local": f"{YEAR}-11-09T10:00:00+01:00", "title": "Kick-off"},
        {"starts_at": utc(10, 15, 30), "starts_at_local": f"{YEAR}-11-10T16:30:00+01:00", "title": "Pitches"},
    ],
    "themes": ["Future of learning"],  # "Remote teaching" is not a theme of the new edition
    "tags": ["oer"],
    "audiences": ["educators"],
    "min_team_size": 2,
    "max_team_size": 5,
    "meeting_url": "https://meet.example.org/textbooks",
    "confirmed_count": 0,
}


async def test_api_copies_an_earlier_challenge_as_a_draft_of_the_current_edition(
    world: factories.World, old: Challenge, app: Litestar, client_factory: Any
) -> None:
    member = await client_factory(world.member_a)

    response = await member.post(f"/api/v1/challenges/{old.slug}/copy")

    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in EXPECTED_COPY} == EXPECTED_COPY
    assert body["slug"].startswith("open-textbooks-") and body["slug"] != old.slug
    assert await count(app, Challenge) == 2
    source = await challenge_row(app, old.slug)  # the original is untouched
    assert (source.status, source.starts_at) == (ChallengeStatus.CLOSED, brussels(date(2021, 6, 9), 9))


class FormReader(HTMLParser):
    """The fields of the form posting to `action` as a browser submits them (checked boxes, selected
    options)."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.fields: list[tuple[str, str]] = []
        self.in_form = self.done = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action") == self.action and not self.done:
            self.in_form = True
        if not self.in_form:
            return
        if (tag == "input" and a.get("type") != "checkbox") or (tag == "input" and "checked" in a):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a["value"]))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self.textarea:
            name, text = self.fields.pop()
            self.fields.append((name, text + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_fields(page_html: str, action: str) -> dict[str, Any]:
    reader = FormReader(action)
    reader.feed(page_html)
    fields: dict[str, Any] = {}
    for name, value in reader.fields:
        if name in fields:  # repeated (ticked boxes): all the values
            previous = fields[name]
            fields[name] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            fields[name] = value
    return fields


async def test_host_dashboard_copy_link_opens_the_form_prefilled_and_saving_it_creates_the_draft(
    world: factories.World, old: Challenge, db: AsyncSession, app: Litestar, client_factory: Any
) -> None:
    current = await factories.challenge(db, world.event, world.host_a, title="Already this year")
    member = await client_factory(world.member_a)

    dashboard = (await member.get("/host")).text
    link = f"/hosts/leuven-lab/challenges/new?copy_from={old.slug}"
    assert text_of(dashboard, "copy-leuven-lab") == (
        f"Start from a challenge of an earlier edition, copied into DigiEduHack {YEAR} "
        "Open textbooks (DigiEduHack 2021) · Copy"
    )
    assert f'href="{link}"' in dashboard
    assert f"copy_from={current.slug}" not in dashboard

    form_page = await member.get(link)
    assert form_page.status_code == 200
    assert text_of(form_page.text, "copied-from") == (
        "A copy of “Open textbooks” (DigiEduHack 2021): the times are moved to this edition's dates. "
        "Check everything, then save it as a draft."
    )
    fields = form_fields(form_page.text, "/hosts/leuven-lab/challenges/new")
    assert {
        k: fields.get(k)
        for k in (
            "title",
            "timezone",
            "starts_at_local",
            "ends_at_local",
            "registration_deadline_local",
            "themes",
            "audiences",
            "tags",
            "min_team_size",
            "max_team_size",
            "meeting_url",
            "agenda[0].at_local",
            "agenda[0].title",
            "agenda[1].at_local",
            "agenda[1].title",
            "agenda[2].title",
        )
    } == {
        "title": "Open textbooks",
        "timezone": "Europe/Brussels",
        "starts_at_local": local(9, 9),
        "ends_at_local": local(10, 17),
        "registration_deadline_local": local(9, 8),
        "themes": "Future of learning",
        "audiences": "educators",
        "tags": "oer",
        "min_team_size": "2",
        "max_team_size": "5",
        "meeting_url": "https://meet.example.org/textbooks",
        "agenda[0].at_local": local(9, 10),
        "agenda[0].title": "Kick-off",
        "agenda[1].at_local": local(10, 16, 30),
        "agenda[1].title": "Pitches",
        "agenda[2].title": "",
    }
    assert await count(app, Challenge) == 2  # opening the form saved nothing

    saved = await member.submit("/hosts/leuven-lab/challenges/new", fields)

    assert saved.status_code in (302, 303), saved.text
    slug = saved.headers["location"].removeprefix("/challenges/")
    body = (await member.get(f"/api/v1/challenges/{slug}")).json()
    assert {k: body[k] for k in EXPECTED_COPY} == EXPECTED_COPY


async def test_copying_another_hosts_challenge_is_forbidden(
    world: factories.World, old: Challenge, app: Litestar, client_factory: Any
) -> None:
    other = await client_factory(world.member_b)

    api = await other.post(f"/api/v1/challenges/{old.slug}/copy")
    own_host_page = await other.get(f"/hosts/nairobi-circle/challenges/new?copy_from={old.slug}")
    their_host_page = await other.get(f"/hosts/leuven-lab/challenges/new?copy_from={old.slug}")

    assert (api.status_code, api.json()["detail"]) == (
        403,
        "Only members of this challenge's host can do this.",
    )
    assert own_host_page.status_code == 403
    assert their_host_page.status_code == 403
    assert await count(app, Challenge) == 1


async def test_a_member_of_two_hosts_copies_into_the_challenges_own_host_only(
    world: factories.World, old: Challenge, db: AsyncSession, client_factory: Any
) -> None:
    await factories.host(db, world.member_a, slug="second-host")
    member = await client_factory(world.member_a)

    page = await member.get(f"/hosts/second-host/challenges/new?copy_from={old.slug}")

    assert page.status_code == 403
    assert "belongs to another host: copy it from that host" in page.text


async def test_copying_a_challenge_of_the_current_edition_is_refused(
    world: factories.World, old: Challenge, db: AsyncSession, app: Litestar, client_factory: Any
) -> None:
    current = await factories.challenge(db, world.event, world.host_a, title="This year")
    member = await client_factory(world.member_a)

    api = await member.post(f"/api/v1/challenges/{current.slug}/copy")
    page = await member.get(f"/hosts/leuven-lab/challenges/new?copy_from={current.slug}")

    message = f"“This year” is already part of DigiEduHack {YEAR}: edit it instead of copying it."
    assert (api.status_code, api.json()["detail"]) == (409, message)
    assert page.status_code == 409 and message in page.text
    assert await count(app, Challenge) == 2


async def test_copying_an_unknown_challenge_or_anonymously(
    world: factories.World, old: Challenge, client_factory: Any
) -> None:
    member = await client_factory(world.member_a)
    anon = await client_factory()

    missing = await member.post("/api/v1/challenges/nothing-here/copy")
    assert (missing.status_code, missing.json()["detail"]) == (404, "There is no challenge 'nothing-here'.")
    assert (await member.get("/hosts/leuven-lab/challenges/new?copy_from=nothing-here")).status_code == 404
    assert (await anon.post(f"/api/v1/challenges/{old.slug}/copy")).status_code == 401


async def test_a_copy_that_breaks_the_new_editions_rules_is_refused_naming_the_field(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: Any
) -> None:
    # a three-day edition: a challenge ending on its third day has no place in a two-day one
    long_ago = await factories.event(db, slug="2020", starts_on=date(2020, 11, 9), ends_on=date(2020, 11, 11))
    c = await factories.challenge(db, long_ago, world.host_a, hours=56)
    member = await client_factory(world.member_a)

    response = await member.post(f"/api/v1/challenges/{c.slug}/copy")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["ends_at_local"]
    assert await count(app, Challenge) == 1
