"""What the API and the pages exchange about teams: the same structs for JSON and forms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from digieduhack.accounts.schemas import Email

TeamName = Annotated[str, msgspec.Meta(max_length=100, description="1 to 80 characters, spaces trimmed")]
# what people type: the code (8 characters) with spaces or dashes, in any case
TeamCode = Annotated[
    str,
    msgspec.Meta(max_length=32, description="The team's invitation code", examples=["K7M2QX9P"]),
]


class TeamIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new team in a challenge; its creator is its first member."""

    name: TeamName


class TeamJoinIn(msgspec.Struct, forbid_unknown_fields=True):
    code: TeamCode


class TeamInviteIn(msgspec.Struct, forbid_unknown_fields=True):
    """Send the team's invitation link to this address."""

    email: Email


class TeamMemberOut(msgspec.Struct):
    name: str
    joined_at: datetime
    # only for the challenge's host members and the organizers
    email: str | None = None


class TeamOut(msgspec.Struct):
    id: int
    challenge: str
    challenge_title: str
    name: str
    member_count: int
    min_members: int | None
    max_members: int | None
    places_left: int | None
    members_needed: int
    members: list[TeamMemberOut]
    created_at: datetime
    # for the team's members only: the code and the link that carries it
    code: str | None = None
    invitation_url: str | None = None


class TeamInvitationOut(msgspec.Struct):
    """The invitation went to the outbox; the answer is the same whether the address has an account."""

    sent_to: str
    team: int
