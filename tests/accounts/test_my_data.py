"""A participant's own data: the JSON export of everything held about them, and deleting the account
(registrations cancelled with the waitlist moving up, host teams left, personal data erased, counts right)."""

from __future__ import annotations

from datetime import date

from litestar import Litestar
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.models import (
    Account,
    AuditEntry,
    AuthSession,
    Challenge,
    EmailToken,
    HostInvitation,
    HostMember,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from tests import factories
from tests.accounts.helpers import account, count, iso, messages
from tests.conftest import Client, ClientFactory
from tests.security.support import assert_problem, field_error, form_error, set_cookies

CONFIRMED, WAITLISTED, CANCELLED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)
LAST_MEMBER = (
    "You are the last member of Leuven Lab: invite someone to the team first, so that the host keeps a "
    "member, then delete your account."
)


async def statuses(app: Litestar, challenge_id: int) -> tuple[list[tuple[int, RegistrationStatus]], int, int]:
    """The registrations of a challenge (account, status) in order, and its two counters."""
    async with app.state.sessionmaker() as s:
        rows = (
            await s.execute(
                select(Registration.account_id, Registration.status)
                .where(Registration.challenge_id == challenge_id)
                .order_by(Registration.id)
            )
        ).all()
        c = await s.get_one(Challenge, challenge_id)
        return [(a, st) for a, st in rows], c.confirmed_count, c.waitlisted_count


# --- export -----------------------------------------------------------------------------------------
async def test_export_holds_exactly_what_is_kept_about_the_person(
    app: Litestar, db: AsyncSession, anon: Client, client_factory: ClientFactory, world: factories.World
) -> None:
    c1 = await factories.challenge(db, world.event, world.host_b, slug="robots", title="Robots in class")
    c2 = await factories.challenge(db, world.event, world.host_b, slug="maps", title="Maps for all")
    db.add(HostMember(host_id=world.host_b.id, account_id=world.alice.id, created_at=factories.now()))
    world.event.max_challenges_per_participant = None  # she holds two challenges of the edition
    await db.commit()
    alice = await client_factory(world.alice)
    assert (await alice.post("/api/v1/challenges/robots/registration")).status_code == 201
    assert (await alice.post("/api/v1/challenges/maps/registration")).status_code == 201
    assert (await alice.delete("/api/v1/challenges/maps/registration")).status_code == 204
    assert (
        await anon.post("/api/v1/auth/password-reset", json={"email": "alice@example.org"})
    ).status_code == 202
    assert (
        await alice.put("/api/v1/me/profile", json={"display_name": "Alice", "occupation": "student"})
    ).status_code == 200
    # someone else's message and audit entry are not hers
    assert (
        await anon.post("/api/v1/auth/password-reset", json={"email": "bob@example.org"})
    ).status_code == 202
    db.add(
        AuditEntry(
            actor_id=world.bob.id,
            action="x.y",
            target="host:nairobi-circle",
            details={},
            created_at=factories.now(),
        )
    )
    db.add(
        AuditEntry(
            actor_id=None,
            action="account.note",
            target=f"account:{world.alice.id}",
            details={"n": 1},
            created_at=factories.now(),
        )
    )
    await db.commit()
    await client_factory(world.alice)  # a second session

    r = await alice.get("/api/v1/me/export")
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="digieduhack-my-data.json"'
    data = r.json()
    a = await account(app, world.alice.id)
    async with app.state.sessionmaker() as s:
        regs = list(
            await s.scalars(
                select(Registration).where(Registration.account_id == a.id).order_by(Registration.id)
            )
        )
        member = await s.scalar(select(HostMember).where(HostMember.account_id == a.id))
        messages = list(
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.to_address == a.email).order_by(OutboxMessage.id)
            )
        )
        audit = list(
            await s.scalars(
                select(AuditEntry)
                .where(or_(AuditEntry.actor_id == a.id, AuditEntry.target == f"account:{a.id}"))
                .order_by(AuditEntry.id)
            )
        )
    assert member is not None
    assert [m.kind for m in messages] == [
        "registration_confirmed",
        "registration_confirmed",
        "registration_cancelled",
        "reset_password",
    ]
    assert data == {
        "exported_at": data["exported_at"],
        "account": {
            "id": a.id,
            "email": "alice@example.org",
            "display_name": "Alice",
            "locale": "en",
            "is_organizer": False,
            "country": None,
            "occupation": "student",
            "is_coder": None,
            "timezone": None,
            "email_verified_at": iso(a.email_verified_at),
            "terms_accepted_at": iso(a.terms_accepted_at),
            "terms_version": None,
            "contact_consent_at": None,
            "contact_consent_version": None,
            "created_at": iso(a.created_at),
        },
        "registrations": [
            {
                "challenge_slug": "robots",
                "challenge_title": "Robots in class",
                "status": "confirmed",
                "created_at": iso(regs[0].created_at),
                "updated_at": iso(regs[0].updated_at),
                "cancelled_at": None,
                "checked_in_at": None,
                "answers": [],
            },
            {
                "challenge_slug": "maps",
                "challenge_title": "Maps for all",
                "status": "cancelled",
                "created_at": iso(regs[1].created_at),
                "updated_at": iso(regs[1].updated_at),
                "cancelled_at": iso(regs[1].cancelled_at),
                "checked_in_at": None,
                "answers": [],
            },
        ],
        "host_memberships": [
            {"host_slug": "nairobi-circle", "host_name": "Nairobi Circle", "since": iso(member.created_at)}
        ],
        "teams": [],  # tests/teams/test_archive_and_privacy.py fills it
        "sessions": 2,
        # her registrations' e-mails (joined, joined, withdrew) and the reset link
        "messages": [
            {
                "kind": m.kind,
                "to_address": "alice@example.org",
                "subject": m.subject,
                "text_body": m.text_body,
                "created_at": iso(m.created_at),
                "sent_at": None,
            }
            for m in messages
        ],
        "audit_entries": [
            {
                "action": "account.note",
                "target": f"account:{a.id}",
                "details": {"n": 1},
                "created_at": iso(audit[0].created_at),
            }
        ],
        "announcements": [],  # tests/announcements/test_privacy.py fills it
    }
    assert "password_hash" not in r.text and a.password_hash not in r.text
    assert c1.id != c2.id


# --- deletion ---------------------------------------------------------------------------------------
async def test_api_delete_cancels_registrations_moves_the_waitlist_and_erases_personal_data(
    app: Litestar, db: AsyncSession, anon: Client, client_factory: ClientFactory, world: factories.World
) -> None:
    world.event.max_challenges_per_participant = None  # Alice and Carol hold two challenges each
    await db.commit()
    full = await factories.challenge(db, world.event, world.host_a, capacity=1)
    other = await factories.challenge(db, world.event, world.host_a, capacity=1)
    carol = await factories.account(db, "carol@example.org", "Carol")
    await factories.registration(db, full, world.alice, CONFIRMED)
    await factories.registration(db, full, world.bob, WAITLISTED)
    await factories.registration(db, full, carol, WAITLISTED)
    await factories.registration(db, other, carol, CONFIRMED)
    await factories.registration(db, other, world.alice, WAITLISTED)
    # a past edition's registration stays as it was: the archive keeps its counts
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    archived = await factories.challenge(db, past, world.host_a)
    await factories.registration(db, archived, world.alice, CONFIRMED)
    alice = await client_factory(world.alice)
    second = await client_factory(world.alice)
    await anon.post("/api/v1/auth/password-reset", json={"email": "alice@example.org"})
    assert await count(app, EmailToken, EmailToken.account_id == world.alice.id) == 1

    wrong = await alice.delete("/api/v1/me", json={"password": "not my password"})
    assert_problem(wrong, 422, errors=[{"field": "password", "message": "The password is not correct."}])
    assert (await account(app, world.alice.id)).deleted_at is None

    r = await alice.delete("/api/v1/me", json={"password": factories.PASSWORD})
    assert r.status_code == 204, r.text
    assert "Max-Age=0" in set_cookies(r)["session"]
    # places freed went to the first on the waitlist; counters match the rows
    alice_id, bob_id, carol_id = world.alice.id, world.bob.id, carol.id
    assert await statuses(app, full.id) == (
        [(alice_id, CANCELLED), (bob_id, CONFIRMED), (carol_id, WAITLISTED)],
        1,
        1,
    )
    assert await statuses(app, other.id) == ([(carol_id, CONFIRMED), (alice_id, CANCELLED)], 1, 0)
    assert await statuses(app, archived.id) == ([(alice_id, CONFIRMED)], 1, 0)
    # the row stays, anonymised
    gone = await account(app, alice_id)
    assert (gone.email, gone.display_name, gone.password_hash) == (
        f"deleted-{alice_id}@invalid",
        "Deleted participant",
        "!",
    )
    assert (
        gone.country,
        gone.occupation,
        gone.is_coder,
        gone.timezone,
        gone.contact_consent_at,
        gone.email_verified_at,
    ) == (None,) * 6
    assert gone.deleted_at is not None
    assert await count(app, AuthSession, AuthSession.account_id == alice_id) == 0
    assert await count(app, EmailToken, EmailToken.account_id == alice_id) == 0
    assert await messages(app, to_address="alice@example.org") == []
    assert await count(app, OutboxMessage, OutboxMessage.account_id == alice_id) == 0
    assert await count(app, Account, Account.email == "alice@example.org") == 0
    async with app.state.sessionmaker() as s:
        [entry] = await s.scalars(select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert (entry.actor_id, entry.target, entry.details) == (alice_id, f"account:{alice_id}", {})
    # every session ended; logging in fails like a wrong password, by the old address or the new one
    assert (await second.get("/api/v1/me")).status_code == 401
    for email in ("alice@example.org", f"deleted-{alice_id}@invalid"):
        login = await anon.post("/api/v1/auth/login", json={"email": email, "password": factories.PASSWORD})
        assert_problem(login, 401, title="Log-in failed", detail="Email or password is incorrect.")
    # and a reset link is not sent to it (the same answer as for any address)
    assert (
        await anon.post("/api/v1/auth/password-reset", json={"email": "alice@example.org"})
    ).status_code == 202
    assert await messages(app, to_address="alice@example.org") == []


async def test_last_member_of_a_host_cannot_delete_the_account(
    app: Litestar, db: AsyncSession, client_factory: ClientFactory, world: factories.World
) -> None:
    c = await factories.challenge(db, world.event, world.host_b)
    await factories.registration(db, c, world.member_a, CONFIRMED)
    hanne = await client_factory(world.member_a)
    assert_problem(
        await hanne.delete("/api/v1/me", json={"password": factories.PASSWORD}), 409, detail=LAST_MEMBER
    )
    page = await hanne.submit("/me/delete", {"password": factories.PASSWORD})
    assert page.status_code == 409
    assert form_error(page.text) == LAST_MEMBER
    stored = await account(app, world.member_a.id)
    assert (stored.email, stored.deleted_at) == ("hanne@example.org", None)
    assert await statuses(app, c.id) == ([(world.member_a.id, CONFIRMED)], 1, 0)
    assert (await hanne.get("/api/v1/me")).status_code == 200


async def test_a_member_with_colleagues_leaves_the_host_when_deleting(
    app: Litestar, db: AsyncSession, client_factory: ClientFactory, world: factories.World
) -> None:
    colleague = await factories.account(db, "colleague@example.org")
    db.add(HostMember(host_id=world.host_a.id, account_id=colleague.id, created_at=factories.now()))
    await db.commit()
    hanne = await client_factory(world.member_a)
    assert (await hanne.delete("/api/v1/me", json={"password": factories.PASSWORD})).status_code == 204
    async with app.state.sessionmaker() as s:
        members = list(
            await s.scalars(select(HostMember.account_id).where(HostMember.host_id == world.host_a.id))
        )
    assert members == [colleague.id]


async def test_delete_page_explains_asks_for_the_password_and_deletes(
    app: Litestar, db: AsyncSession, client_factory: ClientFactory, world: factories.World
) -> None:
    c = await factories.challenge(db, world.event, world.host_a, capacity=1)
    await factories.registration(db, c, world.bob, CONFIRMED)
    await factories.registration(db, c, world.alice, WAITLISTED)
    bob = await client_factory(world.bob)
    page = await bob.get("/me/delete")
    assert page.status_code == 200
    assert "your places go to the people on their waitlists" in page.text
    assert '<form method="post" action="/me/delete"' in page.text
    wrong = await bob.submit("/me/delete", {"password": "wrong password"})
    assert wrong.status_code == 422
    assert field_error(wrong.text, "password") == "The password is not correct."
    assert (await account(app, world.bob.id)).deleted_at is None

    r = await bob.submit("/me/delete", {"password": factories.PASSWORD})
    assert r.status_code == 302 and r.headers["location"] == "/"
    assert "Max-Age=0" in set_cookies(r)["session"]
    home = await bob.get("/")
    assert "Your account is deleted" in home.text
    assert (await bob.get("/api/v1/me")).status_code == 401
    assert (await account(app, world.bob.id)).display_name == "Deleted participant"
    assert await statuses(app, c.id) == ([(world.bob.id, CANCELLED), (world.alice.id, CONFIRMED)], 1, 0)


async def test_deleting_the_account_takes_the_address_out_of_invitations_and_audit_entries(
    app: Litestar, db: AsyncSession, client_factory: ClientFactory, world: factories.World
) -> None:
    hanne = await client_factory(world.member_a)
    # an accepted invitation to host B and a pending one to host A, both to alice's address
    accepted, _ = await factories.invitation(db, world.host_b, world.alice.email, world.member_b)
    accepted.accepted_at = factories.now()
    db.add(accepted)
    await db.commit()
    r = await hanne.post(f"/api/v1/hosts/{world.host_a.slug}/invitations", json={"email": world.alice.email})
    assert r.status_code == 201, r.text

    alice = await client_factory(world.alice)
    assert (await alice.delete("/api/v1/me", json={"password": factories.PASSWORD})).status_code == 204

    placeholder = f"deleted-{world.alice.id}@invalid"
    async with app.state.sessionmaker() as s:
        invitations = list(await s.scalars(select(HostInvitation).order_by(HostInvitation.id)))
        audit = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "host.invite")))
    assert [(i.host_id, i.email) for i in invitations] == [(world.host_b.id, placeholder)]
    assert [e.details["email"] for e in audit] == [placeholder]
