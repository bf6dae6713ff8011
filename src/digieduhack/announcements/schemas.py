"""What the API and the pages exchange about announcements: the same structs for JSON and forms.

Lengths are checked here (an over-long field is a 400 naming it, like every size limit of the API); a blank
subject or message is the service's 422, so that it reads the same on the API and the page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from digieduhack.web import N_

MAX_SUBJECT = 150
MAX_BODY = 10_000

Subject = Annotated[
    str,
    msgspec.Meta(max_length=MAX_SUBJECT, description="One line, 1 to 150 characters"),
]
Body = Annotated[
    str,
    msgspec.Meta(
        max_length=MAX_BODY,
        description="Plain text or Markdown (sanitised in the HTML part), 1 to 10,000 characters",
    ),
]
ChallengeAudience = Literal[
    "challenge_all", "challenge_confirmed", "challenge_waitlisted", "challenge_checked_in"
]
EventAudience = Literal[
    "event_hosts", "event_participants", "event_confirmed", "event_waitlisted", "event_checked_in"
]

AUDIENCE_LABELS = {
    "challenge_all": N_("Everyone registered (confirmed and waitlisted)"),
    "challenge_confirmed": N_("Confirmed participants"),
    "challenge_waitlisted": N_("People on the waitlist"),
    "challenge_checked_in": N_("Checked-in participants"),
    "event_hosts": N_("Members of every approved host with a challenge in this edition"),
    "event_participants": N_("Every participant of the edition (confirmed and waitlisted)"),
    "event_confirmed": N_("Every confirmed participant of the edition"),
    "event_waitlisted": N_("Everyone on a waitlist in the edition"),
    "event_checked_in": N_("Every checked-in participant of the edition"),
}


class ChallengeAnnouncementIn(msgspec.Struct, forbid_unknown_fields=True):
    """A message to the people registered for a challenge, by status."""

    subject: Subject
    body: Body
    audience: ChallengeAudience = "challenge_all"


class EventAnnouncementIn(msgspec.Struct, forbid_unknown_fields=True):
    """A message to the hosts of an edition, or to its participants (by status)."""

    subject: Subject
    body: Body
    audience: EventAudience = "event_participants"


class AnnouncementPreviewOut(msgspec.Struct):
    """The message as a recipient would get it (with placeholders for the personal parts), and to how many
    people it would go now. Nothing is stored or sent."""

    recipient_count: int
    subject: str
    text: str
    html: str


class AnnouncementOut(msgspec.Struct):
    id: int
    event: str
    challenge: str | None
    audience: str
    subject: str
    body: str
    recipient_count: int
    author_name: str | None
    created_at: datetime
