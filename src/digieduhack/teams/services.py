"""Teams within a challenge: a confirmed participant creates one and others join it with its code; the
challenge's size limit holds; one team per participant and challenge (the database backs both).

Locks, always in this order, so that two requests never wait for each other crosswise:
1. the challenge row: FOR SHARE to join, leave or renew (team changes of one challenge run side by
   side, but not while a registration of it changes: those lock it FOR UPDATE), FOR UPDATE to create a
   team (so that two teams never get names differing only in case);
2. the actor's registration row, FOR UPDATE: it stays confirmed until the change commits, and the same
   person's changes run one after the other;
3. the team row, FOR UPDATE: member_count is read and written by one change at a time.
On SQLite the request's transaction began with BEGIN IMMEDIATE, which serialises writers.

This module imports no other service module: registrations.services calls drop_member() when a
registration ends.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from digieduhack.accounts.services import normalize_email
from digieduhack.challenges.calendar import challenge_url
from digieduhack.clock import Clock
from digieduhack.errors import Conflict, Forbidden, NotFound, field_error
from digieduhack.events.services import require_open_edition
from digieduhack.models import (
    ACTIVE_STATUSES,
    Account,
    Challenge,
    ChallengeStatus,
    Registration,
    RegistrationStatus,
    Team,
    TeamMember,
)
from digieduhack.outbox.services import enqueue
from digieduhack.security import RateLimiter
from digieduhack.settings import Settings
from digieduhack.teams.schemas import TeamIn, TeamInviteIn, TeamJoinIn

# no 0/O, 1/I/L: a code read aloud or copied by hand comes out right
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
INVITES_PER_WINDOW = 20  # invitation e-mails per account and hour: they go to any address
INVITE_WINDOW = 3600


class NameTaken(Conflict):
    pass


# --- reading ----------------------------------------------------------------------------------------
def host_side(viewer: Account | None, challenge: Challenge) -> bool:
    """Organizers and the members of the challenge's host see every team, with e-mail addresses."""
    return viewer is not None and (
        viewer.is_organizer or any(m.host_id == challenge.host_id for m in viewer.memberships)
    )


def _members_loaded() -> _AbstractLoad:
    return selectinload(Team.members).joinedload(TeamMember.account)


async def get_challenge(db: AsyncSession, slug: str, viewer: Account | None) -> Challenge:
    """The challenge with its event and host; drafts only for their host's members and organizers."""
    challenge = await db.scalar(
        select(Challenge)
        .where(Challenge.slug == slug)
        .options(joinedload(Challenge.event), joinedload(Challenge.host))
    )
    if challenge is None or (challenge.status == ChallengeStatus.DRAFT and not host_side(viewer, challenge)):
        raise NotFound(f"There is no challenge '{slug}'.")
    return challenge


@dataclass
class TeamView:
    team: Team  # with its members and their accounts, in the order they joined
    challenge: Challenge  # with its event and host
    is_member: bool  # sees the code, invites, renews, leaves
    sees_emails: bool  # the host's members and organizers

    @property
    def places_left(self) -> int | None:
        limit = self.challenge.max_team_size
        return None if limit is None else max(0, limit - self.team.member_count)

    @property
    def members_needed(self) -> int:
        """How many more people the team needs to reach the challenge's minimum size."""
        return max(0, (self.challenge.min_team_size or 0) - self.team.member_count)


def invitation_url(settings: Settings, code: str) -> str:
    return f"{settings.base_url.rstrip('/')}/teams/join/{code}"


def _not_found(challenge: Challenge, team_id: int) -> NotFound:
    return NotFound(f"'{challenge.title}' has no team {team_id} that you can see.")


async def view_team(db: AsyncSession, viewer: Account, slug: str, team_id: int) -> TeamView:
    """A team and its members, for its members, the challenge's host members and organizers; 404 for
    anyone else, as for a team that does not exist."""
    challenge = await get_challenge(db, slug, viewer)
    team = await db.scalar(
        select(Team).where(Team.id == team_id, Team.challenge_id == challenge.id).options(_members_loaded())
    )
    if team is None:
        raise _not_found(challenge, team_id)
    member = any(m.account_id == viewer.id for m in team.members)
    sees_emails = host_side(viewer, challenge)
    if not (member or sees_emails):
        raise _not_found(challenge, team_id)
    return TeamView(team, challenge, member, sees_emails)


async def list_teams(db: AsyncSession, viewer: Account, slug: str) -> tuple[Challenge, list[TeamView]]:
    """Every team of a challenge, by name, for its host's members and the organizers."""
    challenge = await get_challenge(db, slug, viewer)
    if not host_side(viewer, challenge):
        raise Forbidden("Only organizers and members of this challenge's host can see all its teams.")
    teams = await db.scalars(
        select(Team).where(Team.challenge_id == challenge.id).options(_members_loaded()).order_by(Team.id)
    )
    views = [TeamView(t, challenge, any(m.account_id == viewer.id for m in t.members), True) for t in teams]
    return challenge, sorted(views, key=lambda v: (v.team.name.casefold(), v.team.id))


async def team_of(db: AsyncSession, challenge_id: int, account_id: int) -> Team | None:
    """The team the account is in within the challenge, if any."""
    team: Team | None = await db.scalar(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.challenge_id == challenge_id, TeamMember.account_id == account_id)
    )
    return team


def normalize_code(raw: str) -> str:
    """What people type or paste: any case, with spaces or dashes."""
    return "".join(c for c in raw.upper() if c not in " -\t")


async def _team_by_code(db: AsyncSession, raw: str) -> Team:
    code = normalize_code(raw)
    team = None
    if len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code):
        team = await db.scalar(select(Team).where(Team.code == code))
    if team is None:
        raise NotFound(
            f"No team has the code '{raw.strip()[:32]}'. Check it, or ask the team for its current link: "
            "a renewed code replaces the old one."
        )
    return team


@dataclass
class Invitation:
    """What the invitation link shows: the team, and whether and why the viewer can or cannot join."""

    view: TeamView
    reason: str | None  # why the viewer cannot join; None when they can
    registered: bool  # False: the viewer must join the challenge first (the page links to it)
    own_team: Team | None  # the viewer's team in this challenge


async def invitation(db: AsyncSession, viewer: Account, code: str, clock: Clock) -> Invitation:
    found = await _team_by_code(db, code)
    challenge = await _challenge_by_id(db, found.challenge_id)
    team = await db.scalar(select(Team).where(Team.id == found.id).options(_members_loaded()))
    assert team is not None
    view = TeamView(team, challenge, any(m.account_id == viewer.id for m in team.members), False)
    own = await team_of(db, challenge.id, viewer.id)
    reason: str | None = None
    registered = True
    try:
        require_open_edition(challenge.event, clock)
        await _require_confirmed(db, challenge, viewer, lock=False)
        _require_not_in_team(own, team)
        _require_room(team, challenge)
    except (Conflict, Forbidden) as exc:
        reason = exc.detail
        registered = not isinstance(exc, Forbidden)
    return Invitation(view, reason, registered, own)


async def start(
    db: AsyncSession, viewer: Account, slug: str, clock: Clock
) -> tuple[Challenge, Team | None, str | None]:
    """For the page that creates or joins a team: the challenge, the viewer's team in it, and why the viewer
    can have none (None when they can)."""
    challenge = await get_challenge(db, slug, viewer)
    own = await team_of(db, challenge.id, viewer.id)
    try:
        require_open_edition(challenge.event, clock)
        await _require_confirmed(db, challenge, viewer, lock=False)
    except (Conflict, Forbidden) as exc:
        return challenge, own, exc.detail
    return challenge, own, None


async def _challenge_by_id(db: AsyncSession, challenge_id: int) -> Challenge:
    challenge = await db.scalar(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .options(joinedload(Challenge.event), joinedload(Challenge.host))
    )
    assert challenge is not None  # a team's challenge (foreign key)
    return challenge


# --- the rules --------------------------------------------------------------------------------------
async def _lock_challenge(db: AsyncSession, challenge_id: int, *, share: bool) -> Challenge:
    challenge = await db.scalar(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .options(joinedload(Challenge.event), joinedload(Challenge.host))
        .with_for_update(read=share, of=Challenge)
        .execution_options(populate_existing=True)
    )
    assert challenge is not None  # looked up just before; challenges are never deleted while in use
    return challenge


async def _require_confirmed(db: AsyncSession, challenge: Challenge, actor: Account, *, lock: bool) -> None:
    stmt = select(Registration).where(
        Registration.challenge_id == challenge.id,
        Registration.account_id == actor.id,
        Registration.status.in_(ACTIVE_STATUSES),
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    reg = await db.scalar(stmt)
    if reg is None:
        raise Forbidden(
            f"Teams of '{challenge.title}' are for its confirmed participants: join the challenge first."
        )
    if reg.status == RegistrationStatus.WAITLISTED:
        raise Conflict(
            f"You are on the waitlist of '{challenge.title}': you can be in a team once you have a place."
        )


def _require_not_in_team(own: Team | None, team: Team | None = None) -> None:
    if own is None:
        return
    if team is not None and own.id == team.id:
        raise Conflict(f"You are already in team {own.name}.")
    raise Conflict(
        f"You are already in team {own.name} of this challenge: one team per participant. Leave it first."
    )


def _require_room(team: Team, challenge: Challenge) -> None:
    limit = challenge.max_team_size
    if limit is not None and team.member_count >= limit:
        raise Conflict(f"Team {team.name} is full ({team.member_count} of {limit}).")


async def _lock_team(db: AsyncSession, team_id: int) -> Team | None:
    team: Team | None = await db.scalar(
        select(Team).where(Team.id == team_id).with_for_update().execution_options(populate_existing=True)
    )
    return team


async def _new_code(db: AsyncSession) -> str:
    for _ in range(10):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if await db.scalar(select(Team.id).where(Team.code == code)) is None:
            return code
    raise Conflict("Could not find a free team code; please try again.")  # 31^8 codes: never in practice


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise field_error("name", "Give the team a name.")
    if len(name) > 80:
        raise field_error("name", "Must be at most 80 characters long.")
    return name


async def create_team(db: AsyncSession, actor: Account, slug: str, data: TeamIn, clock: Clock) -> Team:
    """A new team in the challenge, with the actor as its first member."""
    name = clean_name(data.name)
    challenge = await _lock_challenge(db, (await get_challenge(db, slug, actor)).id, share=False)
    require_open_edition(challenge.event, clock)
    await _require_confirmed(db, challenge, actor, lock=True)
    _require_not_in_team(await team_of(db, challenge.id, actor.id))
    names = await db.scalars(select(Team.name).where(Team.challenge_id == challenge.id))
    clash = next((n for n in names if n.casefold() == name.casefold()), None)
    if clash is not None:
        raise NameTaken(f"There is already a team called {clash} in this challenge: choose another name.")
    now = clock.now()
    team = Team(
        challenge_id=challenge.id,
        name=name,
        code=await _new_code(db),
        member_count=1,
        max_members=challenge.max_team_size,
        created_by_id=actor.id,
        created_at=now,
    )
    db.add(team)
    await db.flush()
    db.add(TeamMember(team_id=team.id, account_id=actor.id, challenge_id=challenge.id, joined_at=now))
    await db.flush()
    return team


async def join_team(
    db: AsyncSession, actor: Account, data: TeamJoinIn, clock: Clock
) -> tuple[Team, Challenge]:
    """Join the team of this code; the challenge's team size is never exceeded, even by joiners racing
    for the last place (the team row is locked while it is counted and changed)."""
    if not normalize_code(data.code):
        raise field_error("code", "Enter the team's code: 8 letters and digits.")
    found = await _team_by_code(db, data.code)
    challenge = await _lock_challenge(db, found.challenge_id, share=True)
    require_open_edition(challenge.event, clock)
    await _require_confirmed(db, challenge, actor, lock=True)
    team = await _lock_team(db, found.id)
    if team is None or team.code != found.code:  # deleted, or a new code, meanwhile
        raise NotFound("This team's code has just changed or the team no longer exists.")
    _require_not_in_team(await team_of(db, challenge.id, actor.id), team)
    _require_room(team, challenge)
    # the database checks member_count <= max_members, which follows the challenge's limit
    team.max_members = challenge.max_team_size
    team.member_count = team.member_count + 1
    db.add(TeamMember(team_id=team.id, account_id=actor.id, challenge_id=challenge.id, joined_at=clock.now()))
    await db.flush()
    return team, challenge


async def _own_team(
    db: AsyncSession, actor: Account, slug: str, team_id: int, clock: Clock
) -> tuple[Challenge, Team]:
    """The team, locked, for a change by one of its members: 404 when the actor cannot see it, 403 when
    they see it without being a member (the host's members, organizers)."""
    challenge = await _lock_challenge(db, (await get_challenge(db, slug, actor)).id, share=True)
    team = await _lock_team(db, team_id)
    if team is None or team.challenge_id != challenge.id:
        raise _not_found(challenge, team_id)
    member = await db.scalar(
        select(TeamMember.account_id).where(TeamMember.team_id == team.id, TeamMember.account_id == actor.id)
    )
    if member is None:
        if host_side(actor, challenge):
            raise Forbidden(f"Only the members of team {team.name} can do this.")
        raise _not_found(challenge, team_id)
    require_open_edition(challenge.event, clock)
    return challenge, team


async def renew_code(db: AsyncSession, actor: Account, slug: str, team_id: int, clock: Clock) -> Team:
    """A new invitation code: the old one (and its link) stops working."""
    _, team = await _own_team(db, actor, slug, team_id, clock)
    team.code = await _new_code(db)
    await db.flush()
    return team


async def leave_team(db: AsyncSession, actor: Account, slug: str, team_id: int, clock: Clock) -> bool:
    """The actor leaves the team; the last one to leave deletes it. True when the team is gone."""
    _, team = await _own_team(db, actor, slug, team_id, clock)
    return await _drop(db, team, actor.id)


async def _drop(db: AsyncSession, team: Team, account_id: int) -> bool:
    """Remove a member from a locked team; delete the team when nobody is left (True)."""
    await db.execute(
        delete(TeamMember)
        .where(TeamMember.team_id == team.id, TeamMember.account_id == account_id)
        .execution_options(synchronize_session=False)
    )
    team.member_count = team.member_count - 1
    if team.member_count == 0:
        await db.execute(delete(Team).where(Team.id == team.id).execution_options(synchronize_session=False))
        db.expunge(team)
        return True
    await db.flush()
    return False


async def drop_member(db: AsyncSession, challenge_id: int, account_id: int) -> None:
    """The person's registration for the challenge ends: they leave their team of it (deleted when they
    were its last member). Call with the challenge row locked, as every registration change does."""
    team_id = await db.scalar(
        select(TeamMember.team_id).where(
            TeamMember.challenge_id == challenge_id, TeamMember.account_id == account_id
        )
    )
    if team_id is None:
        return
    team = await _lock_team(db, team_id)
    assert team is not None  # its member row was just read under the challenge lock
    await _drop(db, team, account_id)


async def invite(
    db: AsyncSession,
    actor: Account,
    slug: str,
    team_id: int,
    data: TeamInviteIn,
    *,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
) -> tuple[Team, str]:
    """E-mail the team's invitation link to an address. The answer is the same whether or not the address
    has an account; a budget per account keeps it from being used to send mail to anyone at will."""
    limiter.hit(f"team-invite:account:{actor.id}", INVITES_PER_WINDOW, INVITE_WINDOW)
    email = normalize_email(data.email)
    if len(email) > 254:  # lower() can lengthen text
        raise field_error("email", "Must be at most 254 characters long.")
    challenge, team = await _own_team(db, actor, slug, team_id, clock)
    # tied to the account, if there is one, so that deleting that account deletes the message too
    account_id = await db.scalar(
        select(Account.id).where(Account.email == email, Account.deleted_at.is_(None))
    )
    await enqueue(
        db,
        settings,
        clock,
        kind="team_invitation",
        to=email,
        account_id=account_id,
        context={
            "inviter": actor.display_name,
            "team_name": team.name,
            "challenge_title": challenge.title,
            "event_name": challenge.event.name,
            "host_name": challenge.host.name,
            "challenge_url": challenge_url(settings.base_url, challenge),
            "link": invitation_url(settings, team.code),
            "code": team.code,
        },
    )
    return team, email
