"""E-mail through an outbox: each message is a row written in the same transaction as the change that
causes it (rolled back with it), delivered after commit by the sender with retries.

A message kind is three templates under templates/emails/: `<kind>.subject.txt`, `<kind>.txt` and
`<kind>.html` (the HTML one extends `_layout.html`), rendered in the recipient's language through gettext.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import Clock
from digieduhack.db import dialect_insert
from digieduhack.models import OutboxMessage
from digieduhack.settings import Settings
from digieduhack.timezones import format_local, format_range, utc_offset


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=PUBLISH"
    content: str


@lru_cache(maxsize=4)
def _environment(templates_dir: Path, locales_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir / "emails"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,  # a missing value is a bug, not an empty line in someone's mail
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        Translations.load(str(locales_dir), ["en"]), newstyle=True
    )
    env.filters["local"] = format_local
    env.filters["local_range"] = format_range
    env.filters["utc_offset"] = utc_offset
    return env


def render(settings: Settings, kind: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a message kind; `base_url` is always in the context."""
    env = _environment(settings.templates_dir, settings.locales_dir)
    values = {"base_url": settings.base_url.rstrip("/"), **context}
    subject = " ".join(env.get_template(f"{kind}.subject.txt").render(values).split())
    return (
        subject,
        env.get_template(f"{kind}.txt").render(values),
        env.get_template(f"{kind}.html").render(values),
    )


async def enqueue(
    db: AsyncSession,
    settings: Settings,
    clock: Clock,
    *,
    kind: str,
    to: str,
    context: Mapping[str, Any],
    account_id: int | None = None,
    attachments: Sequence[Attachment] = (),
    dedupe_key: str | None = None,
    batch: bool = False,
) -> OutboxMessage:
    """Write one message to the outbox in the caller's transaction. With a `dedupe_key` already used
    (one message per state change), the earlier message is returned and nothing is added: the INSERT
    skips it (ON CONFLICT DO NOTHING on the key's unique index), so a new message costs one statement and
    two concurrent writers of the same key still leave one message.

    `batch=True` is for a caller enqueueing many messages with keys it just made (one announcement's): no
    flush per message; the caller flushes once, and the unique index still refuses a repeated key then."""
    subject, text, html = render(settings, kind, context)
    now = clock.now()
    fields: dict[str, Any] = {
        "kind": kind,
        "to_address": to,
        "account_id": account_id,
        "subject": subject,
        "text_body": text,
        "html_body": html,
        "attachments": [asdict(a) for a in attachments],
        "dedupe_key": dedupe_key,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
    }
    if dedupe_key is None or batch:
        message = OutboxMessage(**fields)
        db.add(message)
        if not batch:
            await db.flush()
        return message
    await db.flush()  # rows the message refers to (its account) go first, as a flush would order them
    stmt = (
        dialect_insert(db)(OutboxMessage)
        .values(**fields)
        .on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
        .returning(OutboxMessage)
    )
    added: OutboxMessage | None = await db.scalar(select(OutboxMessage).from_statement(stmt))
    if added is not None:
        return added
    earlier = await db.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    assert earlier is not None  # the conflict was with it
    return earlier


# --- what the organizers see: the outbox, newest first ----------------------------------------------
class OutboxStatus(enum.StrEnum):
    """`pending`: not sent yet, still being tried; `sent`; `failed`: given up after the last attempt."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


def due(now: datetime, max_attempts: int) -> list[ColumnElement[bool]]:
    """Messages the sender should try now."""
    return [
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.attempts < max_attempts,
        OutboxMessage.next_attempt_at <= now,
    ]


def status_of(message: OutboxMessage, max_attempts: int) -> OutboxStatus:
    if message.sent_at is not None:
        return OutboxStatus.SENT
    return OutboxStatus.FAILED if message.attempts >= max_attempts else OutboxStatus.PENDING


def _having(status: OutboxStatus, max_attempts: int) -> list[ColumnElement[bool]]:
    if status == OutboxStatus.SENT:
        return [OutboxMessage.sent_at.is_not(None)]
    tried_out = OutboxMessage.attempts >= max_attempts
    return [OutboxMessage.sent_at.is_(None), tried_out if status == OutboxStatus.FAILED else ~tried_out]


@dataclass(frozen=True)
class OutboxPage:
    items: list[OutboxMessage]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


async def listing(
    db: AsyncSession, settings: Settings, status: OutboxStatus | None, page: int, per_page: int
) -> OutboxPage:
    """One page of the outbox, newest first, optionally only the messages in one status."""
    where = _having(status, settings.mail_max_attempts) if status else []
    total = await db.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0
    rows = await db.scalars(
        select(OutboxMessage)
        .where(*where)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return OutboxPage(list(rows), page, per_page, total)
