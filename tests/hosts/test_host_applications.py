"""Hosts apply on behalf of an organisation; organizers approve or reject with a reason; only approved
hosts publish; a host has a public page with its challenges across editions."""

from __future__ import annotations

from datetime import date

from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import AuditEntry, Host, HostMember, HostStatus
from tests import factories
from tests.challenges.helpers import count, fetch_all, fetch_one, local, text_of
from tests.conftest import ClientFactory

APPLICATION = {
    "name": "Biblioteca Pública de Recife",
    "kind": "library",
    "country": "br",
    "city": "Recife",
    "contact_email": "Contato@Biblioteca.example",
    "website": "https://biblioteca.example",
    "description": "A public library with a makerspace.",
}


def challenge_body() -> dict[str, object]:
    return {
        "title": "Reading clubs online",
        "summary": "Connect reading clubs of public libraries.",
        "language": "pt-BR",
        "format": "online",
        "timezone": "America/Recife",
        "starts_at_local": local(9, 9) + ":00",
        "ends_at_local": local(9, 18) + ":00",
    }


async def test_participant_applies_and_becomes_member_of_a_pending_host(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    alice = await client_factory(world.alice)
    r = await alice.post("/api/v1/hosts", json=APPLICATION)
    assert r.status_code == 201, r.text
    body = r.json()
    slug = body["slug"]
    assert slug.startswith("biblioteca-publica-de-recife-")
    assert {k: body[k] for k in ("name", "kind", "country", "city", "status", "decision_reason")} == {
        "name": "Biblioteca Pública de Recife",
        "kind": "library",
        "country": "BR",
        "city": "Recife",
        "status": "pending",
        "decision_reason": None,
    }
    host = await fetch_one(app, select(Host).where(Host.slug == slug))
    assert host.contact_email == "contato@biblioteca.example"
    assert host.applied_by_id == world.alice.id
    assert (
        await count(app, HostMember, HostMember.host_id == host.id, HostMember.account_id == world.alice.id)
        == 1
    )
    # the applicant and organizers see the pending host; nobody else does
    assert (await alice.get(f"/api/v1/hosts/{slug}")).status_code == 200
    assert (await (await client_factory(world.organizer)).get(f"/api/v1/hosts/{slug}")).status_code == 200
    assert (await (await client_factory()).get(f"/api/v1/hosts/{slug}")).status_code == 404
    assert (await (await client_factory(world.bob)).get(f"/hosts/{slug}")).status_code == 404
    assert (await (await client_factory(world.member_b)).get(f"/api/v1/hosts/{slug}")).status_code == 404


async def test_pending_host_prepares_drafts_but_publishes_only_once_approved(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    alice = await client_factory(world.alice)
    slug = (await alice.post("/api/v1/hosts", json=APPLICATION)).json()["slug"]
    draft = await alice.post(f"/api/v1/hosts/{slug}/challenges", json=challenge_body())
    assert draft.status_code == 201, draft.text
    challenge = draft.json()["slug"]
    refused = await alice.post(f"/api/v1/challenges/{challenge}/publish")
    assert refused.status_code == 409
    assert "not approved yet" in refused.json()["detail"]

    organizer = await client_factory(world.organizer)
    listed = await organizer.get("/api/v1/hosts", params={"status": "pending"})
    assert [h["slug"] for h in listed.json()] == [slug]
    approved = await organizer.post(f"/api/v1/hosts/{slug}/decision", json={"decision": "approve"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert (await organizer.get("/api/v1/hosts", params={"status": "pending"})).json() == []

    published = await alice.post(f"/api/v1/challenges/{challenge}/publish")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    audit = await fetch_all(app, select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.target))
    assert ("host.approve", world.organizer.id, f"host:{slug}") in audit


async def test_rejection_needs_a_reason_and_the_applicant_reads_it(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    alice = await client_factory(world.alice)
    slug = (await alice.post("/api/v1/hosts", json=APPLICATION)).json()["slug"]
    organizer = await client_factory(world.organizer)
    no_reason = await organizer.post(
        f"/api/v1/hosts/{slug}/decision", json={"decision": "reject", "reason": " "}
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"] == [
        {"field": "reason", "message": "Say why the application is rejected: the applicant will read it."}
    ]
    assert (await fetch_one(app, select(Host.status).where(Host.slug == slug))) == HostStatus.PENDING
    rejected = await organizer.post(
        f"/api/v1/hosts/{slug}/decision",
        json={"decision": "reject", "reason": "Please apply with a school <b>."},
    )
    assert rejected.status_code == 200
    assert rejected.json()["decision_reason"] == "Please apply with a school <b>."
    again = await organizer.post(f"/api/v1/hosts/{slug}/decision", json={"decision": "approve"})
    assert again.status_code == 409
    page = await alice.get(f"/hosts/{slug}")
    assert page.status_code == 200
    assert "did not approve" in page.text
    assert "Please apply with a school &lt;b&gt;." in page.text


async def test_only_organizers_decide_and_list_applications(
    world: factories.World, client_factory: ClientFactory
) -> None:
    alice = await client_factory(world.alice)
    slug = (await alice.post("/api/v1/hosts", json=APPLICATION)).json()["slug"]
    for who in (world.alice, world.member_a):
        client = await client_factory(who)
        assert (
            await client.post(f"/api/v1/hosts/{slug}/decision", json={"decision": "approve"})
        ).status_code == 403
        assert (await client.get("/api/v1/hosts")).status_code == 403
        page = await client.submit(f"/hosts/{slug}/decision", {"decision": "approve"})
        assert page.status_code == 403
    anon = await client_factory()
    assert (
        await anon.post(f"/api/v1/hosts/{slug}/decision", json={"decision": "approve"})
    ).status_code == 401
    assert (await anon.post("/api/v1/hosts", json=APPLICATION)).status_code == 401


async def test_invalid_application_is_refused_field_by_field_and_nothing_is_saved(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    alice = await client_factory(world.alice)
    before = await count(app, Host)
    api = await alice.post("/api/v1/hosts", json={**APPLICATION, "website": "ftp://nope"})
    assert api.status_code == 400
    assert api.json()["errors"][0]["field"] == "website"
    unknown = await alice.post("/api/v1/hosts", json={**APPLICATION, "status": "approved"})
    assert unknown.status_code == 400
    page = await alice.submit("/hosts/apply", {**APPLICATION, "country": "Brazil"})
    assert page.status_code == 422
    assert text_of(page.text, "error-country") == "Must be at most 2 characters long."
    assert 'value="Biblioteca Pública de Recife"' in page.text
    assert await count(app, Host) == before


async def test_apply_page_flow_then_organizer_approves_from_the_organizer_page(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    alice = await client_factory(world.alice)
    form = await alice.get("/hosts/apply")
    assert form.status_code == 200
    assert 'value="alice@example.org"' in form.text  # contact defaults to the applicant's email
    sent = await alice.submit("/hosts/apply", APPLICATION)
    assert sent.status_code in (302, 303)
    slug = sent.headers["location"].removeprefix("/hosts/")
    pending_page = await alice.get(sent.headers["location"])
    assert "waiting for the organizers" in pending_page.text
    organizer = await client_factory(world.organizer)
    overview = await organizer.get("/organizer")
    assert f'action="/hosts/{slug}/decision"' in overview.text
    decided = await organizer.submit(f"/hosts/{slug}/decision", {"decision": "approve"})
    assert decided.status_code in (302, 303)
    assert decided.headers["location"] == "/organizer"
    assert (await fetch_one(app, select(Host.status).where(Host.slug == slug))) == HostStatus.APPROVED
    assert f'action="/hosts/{slug}/decision"' not in (await organizer.get("/organizer")).text


async def test_host_page_lists_its_published_challenges_across_editions(
    db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    old = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    await factories.challenge(db, old, world.host_a, title="Open textbooks 2021")
    await factories.challenge(db, world.event, world.host_a, title="Feedback that teaches")
    from digieduhack.models import ChallengeStatus

    await factories.challenge(
        db, world.event, world.host_a, title="Secret draft", status=ChallengeStatus.DRAFT
    )
    await factories.challenge(db, world.event, world.host_b, title="Other host")
    anon = await client_factory()
    page = await anon.get(f"/hosts/{world.host_a.slug}")
    assert page.status_code == 200
    assert "Open textbooks 2021" in page.text and "Feedback that teaches" in page.text
    assert "Secret draft" not in page.text and "Other host" not in page.text
    api = await anon.get(f"/api/v1/hosts/{world.host_a.slug}/challenges")
    assert [c["title"] for c in api.json()] == ["Feedback that teaches", "Open textbooks 2021"]
    assert (await anon.get("/hosts/no-such-host")).status_code == 404
