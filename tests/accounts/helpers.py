"""Reading what the app wrote (e-mails in the outbox, link tokens, accounts), always from a fresh session."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Litestar
from sqlalchemy import func, select

from digieduhack.models import Account, EmailToken, OutboxMessage
from digieduhack.security import token_hash

_LINK = re.compile(r"http://127\.0\.0\.1:8000(/(?:verify-email|password-reset)/[\w-]+)")


async def messages(app: Litestar, **where: Any) -> list[OutboxMessage]:
    """Outbox rows matching `where` (column=value), oldest first."""
    async with app.state.sessionmaker() as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, column) == value)
        return list(await s.scalars(stmt))


async def link_path(app: Litestar, to: str, kind: str) -> str:
    """The path of the link in the newest `kind` message to `to`, read from its plain-text body; the HTML
    part carries the same link."""
    message = (await messages(app, to_address=to, kind=kind))[-1]
    found = _LINK.findall(message.text_body)
    assert len(found) == 1, message.text_body
    assert f'href="http://127.0.0.1:8000{found[0]}"' in message.html_body
    return str(found[0])


def token_of(path: str) -> str:
    return path.rsplit("/", 1)[1]


async def token_row(app: Litestar, token: str) -> EmailToken:
    async with app.state.sessionmaker() as s:
        row: EmailToken = (
            await s.scalars(select(EmailToken).where(EmailToken.token_hash == token_hash(token)))
        ).one()
        return row


async def account(app: Litestar, account_id: int) -> Account:
    async with app.state.sessionmaker() as s:
        return await s.get_one(Account, account_id)


async def count(app: Litestar, model: Any, *where: Any) -> int:
    async with app.state.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def iso(value: Any) -> str:
    """A datetime as the API writes it."""
    return str(msgspec.json.decode(msgspec.json.encode(value)))
