"""Reading what the registration changes left behind: the participant's count of challenges held in an
event, and the outbox messages written for each change."""

from __future__ import annotations

import re

from litestar import Litestar
from sqlalchemy import select

from digieduhack.models import Account, EventParticipation, OutboxMessage
from tests.challenges.helpers import fetch_all, fetch_one

WITHDRAW_LINK = re.compile(r"http://[^\s]+/registrations/withdraw/([\w.=-]+)")


async def held(app: Litestar, account: Account, event_id: int) -> tuple[int, int | None] | None:
    """(held, max_held) of the account's EventParticipation row in the event, None without a row."""
    row = await fetch_one(
        app,
        select(EventParticipation).where(
            EventParticipation.account_id == account.id, EventParticipation.event_id == event_id
        ),
    )
    return None if row is None else (row.held, row.max_held)


async def outbox(app: Litestar) -> list[tuple[str, str]]:
    """(kind, recipient) of every message in the outbox, in the order written."""
    rows = await fetch_all(
        app, select(OutboxMessage.kind, OutboxMessage.to_address).order_by(OutboxMessage.id)
    )
    return [(kind, to) for kind, to in rows]


async def messages(app: Litestar, kind: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    async with app.state.sessionmaker() as session:
        return list(await session.scalars(stmt))


def withdraw_token(message: OutboxMessage) -> str:
    """The token of the withdraw link in a message: the same in its plain-text and HTML parts."""
    plain = WITHDRAW_LINK.findall(message.text_body)
    html = WITHDRAW_LINK.findall(message.html_body)
    assert len(plain) == 1 and html == plain, (plain, html)
    return str(plain[0])
