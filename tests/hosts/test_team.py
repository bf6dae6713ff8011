"""A host's team: members invite colleagues by e-mail; the invited person joins with the link (logged in, or
after logging in or signing up); invitations expire, are withdrawn or used once; members leave, but the last
member cannot, even when the last two leave at the same moment."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import FixedClock
from digieduhack.models import Account, AuditEntry, HostInvitation, HostMember, HostStatus
from digieduhack.security import token_hash
from tests import factories
from tests.challenges.helpers import count, fetch_all, fetch_one
from tests.conftest import Client, ClientFactory
from tests.security.support import assert_problem, field_error

LINK = re.compile(r'id="invitation-link" type="text" readonly value="([^"]+)"')


def token_of(link: str) -> str:
    prefix = "http://127.0.0.1:8000/invitations/"  # Settings.base_url in tests
    assert link.startswith(prefix), link
    return link.removeprefix(prefix)


async def members_of(app: Litestar, host_id: int) -> list[str]:
    rows = await fetch_all(
        app,
        select(Account.email)
        .join(HostMember, HostMember.account_id == Account.id)
        .where(HostMember.host_id == host_id)
        .order_by(Account.email),
    )
    return [row[0] for row in rows]


async def audit_actions(app: Litestar) -> list[tuple[str, str]]:
    rows = await fetch_all(app, select(AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id))
    return [(action, target) for action, target in rows]


async def invite(member: Client, host_slug: str, email: str) -> str:
    r = await member.post(f"/api/v1/hosts/{host_slug}/invitations", json={"email": email})
    assert r.status_code == 201, r.text
    return token_of(r.json()["link"])


# --- inviting --------------------------------------------------------------------------------------
async def test_member_invites_through_the_api_gets_the_link_once_and_only_its_hash_is_stored(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    hanne = await client_factory(world.member_a)
    r = await hanne.post(
        f"/api/v1/hosts/{world.host_a.slug}/invitations", json={"email": "Carla@Example.ORG"}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    invitation = await fetch_one(app, select(HostInvitation))
    assert body == {
        "id": invitation.id,
        "host_slug": "leuven-lab",
        "email": "carla@example.org",
        "invited_by": "Hanne Host",
        "created_at": invitation.created_at.isoformat().replace("+00:00", "Z"),
        "expires_at": invitation.expires_at.isoformat().replace("+00:00", "Z"),
        "link": body["link"],
    }
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    token = token_of(body["link"])
    assert len(token) >= 40
    assert invitation.token_hash == token_hash(token) != token
    assert (invitation.invited_by_id, invitation.accepted_at) == (world.member_a.id, None)
    assert await audit_actions(app) == [("host.invite", "host:leuven-lab")]
    entry = await fetch_one(app, select(AuditEntry))
    assert (entry.actor_id, entry.details) == (
        world.member_a.id,
        {"email": "carla@example.org", "replaced": 0},
    )
    # listed as pending, without the link
    listed = await hanne.get(f"/api/v1/hosts/{world.host_a.slug}/invitations")
    assert listed.status_code == 200
    assert listed.json() == [{**body, "link": None}]


async def test_member_invites_from_the_team_page_and_it_is_e_mailed_with_the_link_shown_once(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    hanne = await client_factory(world.member_a)
    page = await hanne.get(f"/hosts/{world.host_a.slug}/team")
    assert page.status_code == 200
    assert "Team of Leuven Lab" in page.text
    assert "Hanne Host (you)" in page.text and "hanne@example.org" in page.text
    assert "No pending invitations." in page.text
    r = await hanne.submit(f"/hosts/{world.host_a.slug}/invitations", {"email": "Carla@example.org"})
    assert r.status_code == 200, r.text
    text = html.unescape(r.text)
    assert "Invitation sent to carla@example.org" in text
    assert "We have e-mailed this link to carla@example.org. If it does not arrive, copy it" in text
    link = LINK.search(r.text)
    assert link is not None
    invitation = await fetch_one(app, select(HostInvitation))
    assert invitation.token_hash == token_hash(token_of(html.unescape(link.group(1))))
    assert await audit_actions(app) == [("host.invite", "host:leuven-lab")]
    # the team page lists the invitation from now on, but never the link again
    again = await hanne.get(f"/hosts/{world.host_a.slug}/team")
    assert "carla@example.org" in again.text and "Withdraw the invitation of carla@example.org" in again.text
    assert LINK.search(again.text) is None


async def test_the_host_page_and_the_dashboard_link_to_the_team_page_for_members_only(
    world: factories.World, client_factory: ClientFactory
) -> None:
    team = f'href="/hosts/{world.host_a.slug}/team"'
    hanne = await client_factory(world.member_a)
    assert team in (await hanne.get(f"/hosts/{world.host_a.slug}")).text
    assert team in (await hanne.get("/host")).text
    assert team in (await (await client_factory(world.organizer)).get(f"/hosts/{world.host_a.slug}")).text
    assert team not in (await (await client_factory(world.alice)).get(f"/hosts/{world.host_a.slug}")).text
    assert team not in (await (await client_factory()).get(f"/hosts/{world.host_a.slug}")).text


async def test_team_page_is_for_members_and_organizers_only(
    world: factories.World, client_factory: ClientFactory
) -> None:
    path = f"/hosts/{world.host_a.slug}/team"
    organizer = await (await client_factory(world.organizer)).get(path)
    assert organizer.status_code == 200
    assert "Hanne Host" in organizer.text and 'action="/hosts/leuven-lab/invitations"' not in organizer.text
    outsider = await (await client_factory(world.member_b)).get(path)
    assert outsider.status_code == 403
    assert "Only members of Leuven Lab and the organizers can see its team." in outsider.text
    anonymous = await (await client_factory()).get(path)
    assert (anonymous.status_code, anonymous.headers["location"]) == (302, f"/login?next={quote(path)}")
    api = await (await client_factory(world.alice)).get(f"/api/v1/hosts/{world.host_a.slug}/invitations")
    assert_problem(api, 403, detail="Only members of Leuven Lab and the organizers can see its team.")


async def test_invitations_are_refused_to_non_members_anonymous_and_bad_emails(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    api = f"/api/v1/hosts/{world.host_a.slug}/invitations"
    page = f"/hosts/{world.host_a.slug}/invitations"
    wanjiru = await client_factory(world.member_b)
    assert_problem(
        await wanjiru.post(api, json={"email": "x@example.org"}),
        403,
        detail="Only members of Leuven Lab can do this.",
    )
    assert (await wanjiru.submit(page, {"email": "x@example.org"})).status_code == 403
    assert_problem(
        await (await client_factory(world.organizer)).post(api, json={"email": "x@example.org"}),
        403,
        detail="Only members of Leuven Lab can do this.",
    )
    anon = await client_factory()
    assert_problem(await anon.post(api, json={"email": "x@example.org"}), 401, detail="Log in to continue.")
    assert (await anon.submit(page, {"email": "x@example.org"})).status_code == 302
    hanne = await client_factory(world.member_a)
    # like every schema check of the API, a malformed body is a 400 naming the field; the form says 422
    bad = await hanne.post(api, json={"email": "not an email"})
    assert_problem(
        bad, 400, errors=[{"field": "email", "message": "Enter an email address, like ada@example.org."}]
    )
    form = await hanne.submit(page, {"email": "not an email"})
    assert form.status_code == 422
    assert field_error(form.text, "email") == "Enter an email address, like ada@example.org."
    assert 'value="not an email"' in form.text
    assert await count(app, HostInvitation) == 0
    assert await audit_actions(app) == []


async def test_inviting_an_existing_member_is_a_conflict_named_next_to_the_field(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    hanne = await client_factory(world.member_a)
    r = await hanne.post(
        f"/api/v1/hosts/{world.host_a.slug}/invitations", json={"email": "HANNE@example.org"}
    )
    assert_problem(r, 409, detail="hanne@example.org is already a member of Leuven Lab.")
    form = await hanne.submit(f"/hosts/{world.host_a.slug}/invitations", {"email": "hanne@example.org"})
    assert form.status_code == 409
    assert field_error(form.text, "email") == "hanne@example.org is already a member of Leuven Lab."
    assert await count(app, HostInvitation) == 0


async def test_inviting_the_same_email_again_replaces_the_pending_invitation(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    hanne = await client_factory(world.member_a)
    first = await invite(hanne, world.host_a.slug, "alice@example.org")
    second = await invite(hanne, world.host_a.slug, "Alice@example.org")
    assert await count(app, HostInvitation) == 1
    alice = await client_factory(world.alice)
    assert_problem(await alice.post(f"/api/v1/invitations/{first}/accept"), 404)
    assert (await alice.post(f"/api/v1/invitations/{second}/accept")).status_code == 200
    entries = await fetch_all(app, select(AuditEntry.details).order_by(AuditEntry.id))
    assert [d for (d,) in entries][:2] == [
        {"email": "alice@example.org", "replaced": 0},
        {"email": "alice@example.org", "replaced": 1},
    ]


async def test_a_pending_host_invites_too(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    pending = await factories.host(db, world.alice, slug="pending-host", status=HostStatus.PENDING)
    alice = await client_factory(world.alice)
    token = await invite(alice, pending.slug, "bob@example.org")
    bob = await client_factory(world.bob)
    assert (await bob.get(f"/invitations/{token}")).status_code == 200
    assert (await bob.post(f"/api/v1/invitations/{token}/accept")).json()["status"] == "pending"


# --- accepting -------------------------------------------------------------------------------------
async def test_anonymous_sees_who_invites_to_which_host_and_is_asked_to_log_in_or_sign_up(
    db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    _, token = await factories.invitation(db, world.host_a, "carla@example.org", world.member_a)
    r = await (await client_factory()).get(f"/invitations/{token}")
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert "Join Leuven Lab" in text
    assert "Hanne Host invites you to join the team of Leuven Lab" in text
    assert "This invitation is for carla@example.org" in text
    assert f'href="/login?next=/invitations/{token}"' in r.text
    assert f'href="/signup?next=/invitations/{token}"' in r.text
    assert 'method="post"' not in r.text.split("<main", 1)[1]


async def test_logged_in_invitee_joins_with_one_click_and_the_link_is_used_up(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    invitation, token = await factories.invitation(db, world.host_a, "alice@example.org", world.member_a)
    alice = await client_factory(world.alice)
    page = await alice.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert f'<form method="post" action="/invitations/{token}">' in page.text
    r = await alice.submit(f"/invitations/{token}")
    assert (r.status_code, r.headers["location"]) == (302, "/hosts/leuven-lab/team")
    assert await members_of(app, world.host_a.id) == ["alice@example.org", "hanne@example.org"]
    row = await fetch_one(app, select(HostInvitation).where(HostInvitation.id == invitation.id))
    assert row.accepted_by_id == world.alice.id and row.accepted_at is not None
    assert await audit_actions(app) == [("host.invite_accept", "host:leuven-lab")]
    team = await alice.get("/hosts/leuven-lab/team")
    assert "Welcome to the team! You are now a member of this host." in html.unescape(team.text)
    assert "Alice Participant (you)" in team.text
    # single use: the page, the form and the API all say it is gone
    again = await alice.get(f"/invitations/{token}")
    assert again.status_code == 410
    assert "This invitation was already used." in again.text
    assert (await alice.submit(f"/invitations/{token}")).status_code == 410
    assert_problem(
        await alice.post(f"/api/v1/invitations/{token}/accept"),
        410,
        title="Gone",
        detail="This invitation was already used. Ask a member of the host for a new one if you need it.",
    )
    assert await count(app, HostMember, HostMember.host_id == world.host_a.id) == 2


async def test_invitee_accepts_through_the_api(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    token = await invite(await client_factory(world.member_a), world.host_a.slug, "bob@example.org")
    r = await (await client_factory(world.bob)).post(f"/api/v1/invitations/{token}/accept")
    assert r.status_code == 200, r.text
    assert (r.json()["slug"], r.json()["name"]) == ("leuven-lab", "Leuven Lab")
    assert await members_of(app, world.host_a.id) == ["bob@example.org", "hanne@example.org"]
    assert_problem(await (await client_factory()).post(f"/api/v1/invitations/{token}/accept"), 401)


async def test_invitee_logs_in_through_the_link_and_comes_back_to_accept(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    _, token = await factories.invitation(db, world.host_a, "alice@example.org", world.member_a)
    browser = await client_factory()
    login_page = await browser.get(f"/login?next=/invitations/{token}")
    assert f'name="next" value="/invitations/{token}"' in login_page.text
    r = await browser.submit(
        "/login",
        {"email": "alice@example.org", "password": factories.PASSWORD, "next": f"/invitations/{token}"},
    )
    assert (r.status_code, r.headers["location"]) == (302, f"/invitations/{token}")
    assert f'action="/invitations/{token}"' in (await browser.get(f"/invitations/{token}")).text
    assert (await browser.submit(f"/invitations/{token}")).status_code == 302
    assert await members_of(app, world.host_a.id) == ["alice@example.org", "hanne@example.org"]


async def test_invitee_signs_up_through_the_link_and_comes_back_to_accept(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    _, token = await factories.invitation(db, world.host_a, "carla@example.org", world.member_a)
    browser = await client_factory()
    signup_page = await browser.get(f"/signup?next=/invitations/{token}")
    assert f'name="next" value="/invitations/{token}"' in signup_page.text
    form = {
        "display_name": "Carla Colleague",
        "email": "Carla@example.org",
        "password": "a long enough password",
        "accept_terms": "on",
        "next": f"/invitations/{token}",
    }
    r = await browser.submit("/signup", form)
    assert (r.status_code, r.headers["location"]) == (302, f"/invitations/{token}")
    assert (await browser.submit(f"/invitations/{token}")).headers["location"] == "/hosts/leuven-lab/team"
    assert await members_of(app, world.host_a.id) == ["carla@example.org", "hanne@example.org"]


async def test_an_invitation_is_accepted_only_by_the_account_with_its_email(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    """A forwarded or leaked link must not make whoever opens it a member."""
    invitation, token = await factories.invitation(db, world.host_a, "carla@example.org", world.member_a)
    bob = await client_factory(world.bob)
    reason = (
        "This invitation is for carla@example.org, but you are logged in as bob@example.org. "
        "Log out, then log in or sign up with carla@example.org to accept it."
    )
    page = await bob.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert reason in html.unescape(page.text) and f'action="/invitations/{token}"' not in page.text
    form = await bob.submit(f"/invitations/{token}")
    assert form.status_code == 403 and reason in html.unescape(form.text)
    assert_problem(await bob.post(f"/api/v1/invitations/{token}/accept"), 403, detail=reason)
    assert await members_of(app, world.host_a.id) == ["hanne@example.org"]
    row = await fetch_one(app, select(HostInvitation).where(HostInvitation.id == invitation.id))
    assert row.accepted_at is None


async def test_an_expired_invitation_is_gone(
    app: Litestar, world: factories.World, client_factory: ClientFactory
) -> None:
    token = await invite(await client_factory(world.member_a), world.host_a.slug, "alice@example.org")
    invitation = await fetch_one(app, select(HostInvitation))
    # fifteen days later (a fresh log-in, since the clock moved past the first session)
    app.state.clock = FixedClock(invitation.created_at + timedelta(days=15))
    alice = await client_factory(world.alice)
    expired = (
        f"This invitation expired on {invitation.expires_at:%d %B %Y}. "
        "Ask a member of the host to invite you again."
    )
    page = await alice.get(f"/invitations/{token}")
    assert page.status_code == 410 and expired in page.text
    assert (await alice.submit(f"/invitations/{token}")).status_code == 410
    assert_problem(await alice.post(f"/api/v1/invitations/{token}/accept"), 410, detail=expired)
    assert await members_of(app, world.host_a.id) == ["hanne@example.org"]
    # and it is no longer listed as pending
    hanne = await client_factory(world.member_a)
    assert (await hanne.get(f"/api/v1/hosts/{world.host_a.slug}/invitations")).json() == []
    # one minute before the end, it still worked
    app.state.clock = FixedClock(invitation.expires_at - timedelta(minutes=1))
    assert (await alice.post(f"/api/v1/invitations/{token}/accept")).status_code == 200


async def test_a_withdrawn_invitation_link_no_longer_works(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    first, first_token = await factories.invitation(db, world.host_a, "alice@example.org", world.member_a)
    second, second_token = await factories.invitation(db, world.host_a, "bob@example.org", world.member_a)
    hanne = await client_factory(world.member_a)
    api = f"/api/v1/hosts/{world.host_a.slug}/invitations"
    # another host's member cannot withdraw it, nor can anyone withdraw it through another host
    wanjiru = await client_factory(world.member_b)
    assert_problem(await wanjiru.delete(f"{api}/{first.id}"), 403)
    assert_problem(await wanjiru.delete(f"/api/v1/hosts/{world.host_b.slug}/invitations/{first.id}"), 404)
    assert (await hanne.delete(f"{api}/{first.id}")).status_code == 204
    assert_problem(
        await hanne.delete(f"{api}/{first.id}"),
        404,
        detail=f"Leuven Lab has no pending invitation {first.id}.",
    )
    r = await hanne.submit(f"/hosts/{world.host_a.slug}/invitations/{second.id}/withdraw")
    assert (r.status_code, r.headers["location"]) == (302, "/hosts/leuven-lab/team")
    assert "Invitation withdrawn" in (await hanne.get("/hosts/leuven-lab/team")).text
    for token, who in ((first_token, world.alice), (second_token, world.bob)):
        client = await client_factory(who)
        page = await client.get(f"/invitations/{token}")
        assert page.status_code == 404 and "This invitation link is not valid" in page.text
        assert_problem(await client.post(f"/api/v1/invitations/{token}/accept"), 404)
    assert await count(app, HostInvitation) == 0
    assert await audit_actions(app) == [("host.invite_revoke", "host:leuven-lab")] * 2
    assert_problem(await hanne.delete(f"{api}/{2**31}"), 400)


async def test_unknown_invitation_links_are_not_found(
    client_factory: ClientFactory, world: factories.World
) -> None:
    anon = await client_factory()
    assert (await anon.get("/invitations/nonsense")).status_code == 404
    assert (await anon.get("/invitations/" + "x" * 101)).status_code == 400
    alice = await client_factory(world.alice)
    assert_problem(await alice.post("/api/v1/invitations/nonsense/accept"), 404)


# --- leaving ---------------------------------------------------------------------------------------
async def test_a_member_leaves_and_the_last_member_cannot(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    carla = await factories.account(db, "carla@example.org", "Carla Colleague")
    dirk = await factories.account(db, "dirk@example.org", "Dirk Colleague")
    for account in (carla, dirk):
        db.add(HostMember(host_id=world.host_a.id, account_id=account.id, created_at=factories.now()))
    await db.commit()
    hanne, carla_c, dirk_c = [await client_factory(a) for a in (world.member_a, carla, dirk)]
    assert (await hanne.delete(f"/api/v1/hosts/{world.host_a.slug}/members/me")).status_code == 204
    team = await carla_c.get(f"/hosts/{world.host_a.slug}/team")
    assert "Yes, leave Leuven Lab" in team.text
    r = await carla_c.submit(f"/hosts/{world.host_a.slug}/leave")
    assert (r.status_code, r.headers["location"]) == (302, "/host")
    assert await members_of(app, world.host_a.id) == ["dirk@example.org"]
    last = (
        "You are the last member of Leuven Lab: invite someone first, so that the host keeps a member, "
        "then leave."
    )
    assert_problem(await dirk_c.delete(f"/api/v1/hosts/{world.host_a.slug}/members/me"), 409, detail=last)
    page = await dirk_c.submit(f"/hosts/{world.host_a.slug}/leave")
    assert page.status_code == 409 and last in page.text
    team = await dirk_c.get(f"/hosts/{world.host_a.slug}/team")
    assert "Yes, leave" not in team.text and "You are the last member" in team.text
    assert await members_of(app, world.host_a.id) == ["dirk@example.org"]
    assert await audit_actions(app) == [("host.leave", "host:leuven-lab")] * 2
    # who left is no longer a member: not of the team, nor can they leave again
    assert_problem(await hanne.delete(f"/api/v1/hosts/{world.host_a.slug}/members/me"), 403)


@pytest.mark.parametrize("trial", range(5))
async def test_the_last_two_members_leaving_at_once_leave_one_behind(
    trial: int, app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    """Both count two members unless the host row is locked before counting: exactly one may go."""
    carla = await factories.account(db, f"carla{trial}@example.org", "Carla Colleague")
    db.add(HostMember(host_id=world.host_a.id, account_id=carla.id, created_at=factories.now()))
    await db.commit()
    clients = [await client_factory(a) for a in (world.member_a, carla)]
    path = f"/api/v1/hosts/{world.host_a.slug}/members/me"
    responses = await asyncio.gather(*(c.delete(path) for c in clients))
    assert sorted(r.status_code for r in responses) == [204, 409]
    assert await count(app, HostMember, HostMember.host_id == world.host_a.id) == 1


# --- the `next` parameter of log-in and sign-up ----------------------------------------------------
@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/phish",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
async def test_log_in_and_sign_up_never_redirect_to_another_site(
    target: str, world: factories.World, client_factory: ClientFactory
) -> None:
    browser = await client_factory()
    for page in ("/login", "/signup"):
        form = await browser.get(page, params={"next": target})
        assert 'name="next" value="/"' in form.text, page
    r = await browser.submit(
        "/login", {"email": world.alice.email, "password": factories.PASSWORD, "next": target}
    )
    assert (r.status_code, r.headers["location"]) == (302, "/")
    signup = {
        "display_name": "Eve",
        "email": "eve@example.org",
        "password": "a long enough password",
        "accept_terms": "on",
        "next": target,
    }
    r = await (await client_factory()).submit("/signup", signup)
    assert (r.status_code, r.headers["location"]) == (302, "/")
