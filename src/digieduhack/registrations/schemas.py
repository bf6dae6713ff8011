from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import msgspec

from digieduhack.models import Question, Registration, RegistrationStatus
from digieduhack.questions.schemas import AnswerOut, Answers


class JoinIn(msgspec.Struct, forbid_unknown_fields=True):
    """Joining: the answers to the challenge's questions (none needed when it asks none)."""

    answers: Answers = msgspec.field(default_factory=dict)


class MoveIn(msgspec.Struct, forbid_unknown_fields=True):
    """Leave one challenge and join another of the same edition, in one step."""

    from_challenge: Annotated[
        str, msgspec.Meta(min_length=1, max_length=90, description="slug of the challenge you leave")
    ]
    answers: Answers = msgspec.field(default_factory=dict)


class RegistrationOut(msgspec.Struct):
    id: int
    challenge: str
    challenge_title: str
    status: RegistrationStatus
    waitlist_position: int | None
    created_at: datetime
    cancelled_at: datetime | None

    @classmethod
    def from_model(cls, r: Registration, position: int | None = None) -> RegistrationOut:
        return cls(
            id=r.id,
            challenge=r.challenge.slug,
            challenge_title=r.challenge.title,
            status=r.status,
            waitlist_position=position,
            created_at=r.created_at,
            cancelled_at=r.cancelled_at,
        )


class ParticipantOut(msgspec.Struct):
    """A row of a challenge's roster, for its host: the confirmed, then the waitlist in order."""

    id: int
    name: str
    email: str
    status: RegistrationStatus
    waitlist_position: int | None
    created_at: datetime
    # the answers to the challenge's questions, in the questions' order (unanswered ones left out)
    answers: list[AnswerOut] = msgspec.field(default_factory=list)
    # when they were checked in on the event day (null: not checked in)
    checked_in_at: datetime | None = None

    @classmethod
    def from_model(
        cls,
        r: Registration,
        position: int | None,
        questions: Sequence[Question] = (),
        answers: dict[int, Any] | None = None,
    ) -> ParticipantOut:
        given = answers or {}
        return cls(
            id=r.id,
            name=r.account.display_name,
            email=r.account.email,
            status=r.status,
            waitlist_position=position,
            created_at=r.created_at,
            answers=[AnswerOut(q.id, q.prompt, given[q.id]) for q in questions if q.id in given],
            checked_in_at=r.checked_in_at,
        )
