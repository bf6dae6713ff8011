from __future__ import annotations

from datetime import datetime

import msgspec

from digieduhack.models import OutboxMessage
from digieduhack.outbox.services import OutboxPage, OutboxStatus, status_of


class OutboxMessageOut(msgspec.Struct):
    id: int
    kind: str
    to: str
    subject: str
    status: OutboxStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    text_body: str

    @classmethod
    def from_model(cls, m: OutboxMessage, max_attempts: int) -> OutboxMessageOut:
        return cls(
            id=m.id,
            kind=m.kind,
            to=m.to_address,
            subject=m.subject,
            status=status_of(m, max_attempts),
            attempts=m.attempts,
            last_error=m.last_error,
            created_at=m.created_at,
            next_attempt_at=m.next_attempt_at,
            sent_at=m.sent_at,
            text_body=m.text_body,
        )


class OutboxPageOut(msgspec.Struct):
    items: list[OutboxMessageOut]
    page: int
    per_page: int
    total: int
    pages: int

    @classmethod
    def from_page(cls, p: OutboxPage, max_attempts: int) -> OutboxPageOut:
        items = [OutboxMessageOut.from_model(m, max_attempts) for m in p.items]
        return cls(items=items, page=p.page, per_page=p.per_page, total=p.total, pages=p.pages)
