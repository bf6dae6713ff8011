"""Readiness of the hosts: checks per host, a score, lagging hosts first, a filter, the lagging hosts'
addresses, and a reminder by e-mail (outbox), audited, one a day per host."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import AgendaItem, AuditEntry, ChallengeLabel, Host, HostStatus, LabelKind
from tests import factories
from tests.accounts.helpers import messages
from tests.challenges.helpers import fetch_all, text_of
from tests.conftest import ClientFactory
from tests.dashboard.seed import seed, table_rows

MISSING_A = [
    "Alpha: description too short (0 of 200 characters)",
    "Alpha: no theme",
    "Beta: description too short (0 of 200 characters)",
    "Beta: no theme",
]


async def seed_hosts(db: AsyncSession, world: factories.World) -> tuple[Host, Host]:
    """Besides the seeded edition: Civic Hall (approved, a member and a contact address, no challenge yet),
    Ready Room (everything done), and a pending host with nothing (not listed)."""
    await seed(db, world)
    carla = await factories.account(db, "carla@example.org", "Carla")
    civic = await factories.host(db, carla, slug="civic-hall", name="Civic Hall")
    civic.contact_email = "hello@civic.example"
    ready = await factories.host(
        db, await factories.account(db, "rita@example.org"), slug="ready-room", name="Ready Room"
    )
    ready.website = "https://ready.example"
    db.add_all([civic, ready])
    await factories.host(db, slug="pending-one", status=HostStatus.PENDING)
    c = await factories.challenge(db, world.event, ready, slug="complete", title="Complete")
    c.description = "x" * 200
    db.add_all(
        [
            c,
            ChallengeLabel(challenge_id=c.id, kind=LabelKind.THEME, value="Inclusion"),
            AgendaItem(challenge_id=c.id, starts_at=c.starts_at + timedelta(hours=1), title="Kick-off"),
        ]
    )
    await db.commit()
    return civic, ready


def summary(hosts: list[dict[str, Any]]) -> list[tuple[str, int, bool, int, int]]:
    return [(h["host_slug"], h["score"], h["lagging"], h["challenges"], h["registrations"]) for h in hosts]


async def test_hosts_are_checked_and_the_laggards_come_first(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    await seed_hosts(db, world)
    olga = await client_factory(world.organizer)
    r = await olga.get(f"/api/v1/events/{world.event.slug}/readiness")
    assert r.status_code == 200, r.text
    body = r.json()
    assert summary(body["hosts"]) == [
        ("civic-hall", 17, True, 0, 0),
        ("nairobi-circle", 33, True, 3, 1),
        ("leuven-lab", 50, True, 2, 4),
        ("ready-room", 100, False, 1, 0),
    ]
    leuven = body["hosts"][2]
    assert (leuven["host_name"], leuven["member_emails"], leuven["reminded_at"]) == (
        "Leuven Lab",
        ["hanne@example.org"],
        None,
    )
    assert [(c["key"], c["ok"], c["missing"]) for c in leuven["checks"]] == [
        ("challenge", True, []),
        ("published", True, []),
        ("page", False, MISSING_A),
        ("agenda", False, ["Alpha: no agenda", "Beta: no agenda"]),
        ("capacity", True, []),
        ("contact", False, ["no contact e-mail or website"]),
    ]
    nairobi = body["hosts"][1]
    assert [c["missing"] for c in nairobi["checks"] if c["key"] in ("capacity", "published")] == [
        [],
        ["Gamma: no capacity"],
    ]
    civic = body["hosts"][0]
    assert [(c["key"], c["ok"]) for c in civic["checks"]] == [
        ("challenge", False),
        ("published", False),
        ("page", False),
        ("agenda", False),
        ("capacity", False),
        ("contact", True),
    ]
    # the addresses to write to: a host's contact address, else its members'
    assert body["lagging_contacts"] == ["hello@civic.example", "wanjiru@example.org", "hanne@example.org"]
    only = (await olga.get(f"/api/v1/events/{world.event.slug}/readiness?only_lagging=true")).json()
    assert [h["host_slug"] for h in only["hosts"]] == ["civic-hall", "nairobi-circle", "leuven-lab"]


async def test_the_readiness_page_lists_the_hosts_with_what_is_missing_and_a_mailto_of_the_laggards(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    await seed_hosts(db, world)
    olga = await client_factory(world.organizer)
    r = await olga.get(f"/events/{world.event.slug}/readiness")
    assert r.status_code == 200
    rows = table_rows(r.text, "readiness-table")
    assert [row[:4] for row in rows[1:]] == [
        ["Civic Hall Its numbers", "17% 17%", "0", "0"],
        ["Nairobi Circle Its numbers", "33% 33%", "3", "1"],
        ["Leuven Lab Its numbers", "50% 50%", "2", "4"],
        ["Ready Room Its numbers", "100% 100%", "1", "0"],
    ]
    assert rows[4][4:] == ["Ready", ""]  # nothing missing, nothing to remind
    assert "Remind Leuven Lab" in rows[3][5]
    assert rows[3][4] == (
        "Challenge pages complete (description, themes): " + "; ".join(MISSING_A) + " "
        "Time zone and agenda set: Alpha: no agenda; Beta: no agenda "
        "Contact given (e-mail or website): no contact e-mail or website"
    )
    mailto = re.search(r'id="mailto-lagging" href="([^"]+)"', r.text)
    assert mailto is not None
    assert mailto.group(1) == (
        "mailto:?bcc=hello%40civic.example%2Cwanjiru%40example.org%2Channe%40example.org"
        f"&amp;subject=DigiEduHack%20{world.event.slug}%3A%20getting%20ready"
    )
    assert text_of(r.text, "contacts-list") == "hello@civic.example, wanjiru@example.org, hanne@example.org"
    lagging = await olga.get(f"/events/{world.event.slug}/readiness?only_lagging=true")
    assert 'id="host-ready-room"' not in lagging.text and 'id="host-civic-hall"' in lagging.text
    assert 'id="only_lagging" name="only_lagging" value="true" checked' in lagging.text


async def test_remind_emails_the_members_and_contact_what_is_missing_once_a_day(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    await seed_hosts(db, world)
    olga = await client_factory(world.organizer)
    url = f"/api/v1/events/{world.event.slug}/readiness/leuven-lab/remind"
    r = await olga.post(url)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["host_slug"], body["event_slug"], body["recipients"]) == (
        "leuven-lab",
        world.event.slug,
        ["hanne@example.org"],
    )
    assert body["missing"] == [
        "Challenge pages complete (description, themes): " + ", ".join(MISSING_A),
        "Time zone and agenda set: Alpha: no agenda, Beta: no agenda",
        "Contact given (e-mail or website): no contact e-mail or website",
    ]
    (mail,) = await messages(app, kind="readiness_reminder")
    assert (mail.to_address, mail.account_id, mail.subject) == (
        "hanne@example.org",
        world.member_a.id,
        f"Leuven Lab: a few things to finish before {world.event.name}",
    )
    assert "Hello Hanne Host," in mail.text_body
    assert "Leuven Lab is 50% ready" in mail.text_body
    assert "- Time zone and agenda set: Alpha: no agenda; Beta: no agenda" in mail.text_body
    assert f"/hosts/leuven-lab/dashboard?event={world.event.slug}" in mail.text_body
    assert (
        "<strong>Contact given (e-mail or website)</strong>: no contact e-mail or website" in mail.html_body
    )
    ((entry,),) = await fetch_all(app, select(AuditEntry).where(AuditEntry.action == "readiness.remind"))
    assert (entry.actor_id, entry.target, entry.details["recipients"], entry.details["score"]) == (
        world.organizer.id,
        f"host:leuven-lab@{world.event.slug}",
        1,
        50,
    )
    # once a day: the second is refused, nothing more is sent
    again = await olga.post(url)
    assert again.status_code == 409
    at = body["sent_at"][11:16]
    assert (
        again.json()["detail"] == f"Leuven Lab was already reminded today (at {at} UTC): one reminder a day."
    )
    assert len(await messages(app, kind="readiness_reminder")) == 1
    listed = (await olga.get(f"/api/v1/events/{world.event.slug}/readiness")).json()["hosts"]
    assert [h["reminded_at"] is not None for h in listed] == [False, False, True, False]
    # a host with a contact address besides its member: both get it
    civic = await olga.post(f"/api/v1/events/{world.event.slug}/readiness/civic-hall/remind")
    assert civic.json()["recipients"] == ["carla@example.org", "hello@civic.example"]
    assert [(m.to_address, m.account_id is None) for m in await messages(app, kind="readiness_reminder")][
        1:
    ] == [
        ("carla@example.org", False),
        ("hello@civic.example", True),
    ]
    # a ready host has nothing to be reminded of
    ready = await olga.post(f"/api/v1/events/{world.event.slug}/readiness/ready-room/remind")
    assert (ready.status_code, ready.json()["detail"]) == (
        409,
        f"Ready Room is ready for {world.event.name}: there is nothing to remind.",
    )


async def test_remind_from_the_page_then_the_row_says_so(
    world: factories.World, db: AsyncSession, app: Litestar, client_factory: ClientFactory
) -> None:
    await seed_hosts(db, world)
    olga = await client_factory(world.organizer)
    path = f"/events/{world.event.slug}/readiness/nairobi-circle/remind"
    r = await olga.submit(path)
    assert (r.status_code, r.headers["location"]) == (
        302,
        f"/events/{world.event.slug}/readiness#host-nairobi-circle",
    )
    page = await olga.get(f"/events/{world.event.slug}/readiness")
    assert "Reminder sent: the host's members got an e-mail listing what is missing." in page.text
    row = next(r for r in table_rows(page.text, "readiness-table") if r[0].startswith("Nairobi Circle"))
    assert re.fullmatch(r"Reminded today at \d\d:\d\d UTC", row[5])
    (mail,) = await messages(app, kind="readiness_reminder")
    assert mail.to_address == "wanjiru@example.org"
    # twice: the page again, with the reason, and nothing sent
    again = await olga.submit(path)
    assert again.status_code == 409
    assert (text_of(again.text, "remind-error") or "").startswith("Nairobi Circle was already reminded today")
    assert len(await messages(app, kind="readiness_reminder")) == 1
