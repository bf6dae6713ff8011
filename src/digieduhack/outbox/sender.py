"""Delivery of the outbox over SMTP, after commit: only committed rows are ever seen here.

A round claims a batch of due messages in a short write transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`,
so several app processes never claim the same row; SQLite: `BEGIN IMMEDIATE` serialises the claims). The
claim counts the attempt and leases the rows (`next_attempt_at` moved `LEASE` ahead), then commits; each
message is sent outside any transaction and its outcome committed on its own: sent, or the error with the
next attempt after an exponential back-off. A sender that dies mid-batch leaves its rows to come back when
the lease ends; the Message-ID is derived from the outbox row, so such a resend is recognisable.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage, Message
from email.utils import format_datetime, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digieduhack.clock import Clock
from digieduhack.db import begin_write
from digieduhack.models import OutboxMessage
from digieduhack.outbox.services import due
from digieduhack.settings import Settings

log = logging.getLogger("digieduhack.outbox")

BATCH = 20
LEASE = timedelta(minutes=5)  # longer than a batch takes; a crashed sender's rows come back after it
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
SMTP_TIMEOUT = 30.0
# the bytes sent: headers up to RFC 5322's hard limit of 998 (Python folds a long non-ASCII subject with a
# doubled space); bodies are quoted-printable, so their lines stay short and 7-bit whatever the server
POLICY = email.policy.SMTP.clone(max_line_length=998)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 30 s, 1 min, 2 min, ... at most an hour."""
    wait: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20)
    return min(wait, LONGEST_WAIT)


@dataclass(frozen=True)
class SmtpConfig:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps://: TLS from the first byte
    start_tls: bool  # smtp://...?starttls=1: upgrade the plain connection

    @classmethod
    def parse(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("The SMTP URL must look like smtp://user:password@host:587 or smtps://...")
        use_tls = parts.scheme == "smtps"
        start_tls = parse_qs(parts.query).get("starttls", ["0"])[-1].lower() in ("1", "true", "yes")
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if use_tls else 587 if start_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
            start_tls=start_tls and not use_tls,
        )

    def client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,
            start_tls=self.start_tls,
            timeout=SMTP_TIMEOUT,
        )


def _address(mail_from: str) -> str:
    return parseaddr(mail_from)[1] or "no-reply@localhost"


def message_id(message: OutboxMessage, settings: Settings) -> str:
    """The same for every attempt at one outbox row, and unique across databases (created time in it)."""
    domain = _address(settings.mail_from).rpartition("@")[2] or "localhost"
    return f"<{message.created_at:%Y%m%d%H%M%S}.outbox-{message.id}@{domain}>"


def build(message: OutboxMessage, settings: Settings) -> EmailMessage:
    """multipart/alternative (plain text, HTML), inside multipart/mixed when there are attachments."""
    mail = EmailMessage(policy=POLICY)
    mail["Subject"] = message.subject
    mail["From"] = settings.mail_from
    mail["To"] = message.to_address
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = message_id(message, settings)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text_body, cte="quoted-printable")
    mail.add_alternative(message.html_body, subtype="html", cte="quoted-printable")
    for attachment in message.attachments:
        kind = Message()
        kind["Content-Type"] = attachment["content_type"]
        params = dict((kind.get_params(header="content-type") or [])[1:])
        content, filename = attachment["content"], attachment["filename"]
        if kind.get_content_maintype() == "text":
            mail.add_attachment(
                content, subtype=kind.get_content_subtype(), filename=filename, params=params, cte="base64"
            )
        else:
            mail.add_attachment(
                content.encode(), kind.get_content_maintype(), kind.get_content_subtype(), filename=filename
            )
    return mail


@dataclass
class Round:
    sent: int = 0
    failed: int = 0


class Sender:
    """Delivers due messages; `deliver_due()` is one pass (the CLI's --once), `run()` the app's loop."""

    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Callable[[], Clock],
        write_lock: asyncio.Lock | None = None,
    ) -> None:
        if not settings.smtp_url:
            raise ValueError("No SMTP server configured (DIGIEDUHACK_SMTP_URL).")
        self.maker = maker
        self.settings = settings
        self.smtp = SmtpConfig.parse(settings.smtp_url)
        self.clock = clock  # read on every use: tests move the app's clock
        self.write_lock = write_lock  # SQLite: the app's own writers queue on it

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        async with self.write_lock or contextlib.nullcontext(), self.maker() as db:
            await begin_write(db)
            yield db
            await db.commit()

    async def claim(self) -> list[OutboxMessage]:
        now = self.clock().now()
        async with self._writing() as db:
            rows = list(
                await db.scalars(
                    select(OutboxMessage)
                    .where(*due(now, self.settings.mail_max_attempts))
                    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for message in rows:
                message.attempts += 1
                message.next_attempt_at = now + LEASE
        return rows

    async def _record(self, message: OutboxMessage, error: BaseException | None) -> None:
        now = self.clock().now()
        if error is None:
            values: dict[str, object] = {"sent_at": now}
        else:
            attempts = message.attempts
            if _permanent(error):  # the server refuses the address itself: retrying cannot help
                attempts = max(attempts, self.settings.mail_max_attempts)
            values = {
                "attempts": attempts,
                "last_error": f"{type(error).__name__}: {error}"[:1000],
                "next_attempt_at": now + backoff(message.attempts),
            }
        async with self._writing() as db:
            await db.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values))
        if error is not None:
            log.warning("e-mail %s to %s not sent: %s", message.id, message.to_address, values["last_error"])

    async def _send(self, messages: list[OutboxMessage], tally: Round) -> None:
        smtp = self.smtp.client()
        sender = _address(self.settings.mail_from)
        try:
            for message in messages:
                try:
                    if not smtp.is_connected:
                        await smtp.connect()
                    raw = build(message, self.settings).as_bytes(policy=POLICY)
                    await smtp.sendmail(sender, [message.to_address], raw)
                except (aiosmtplib.SMTPException, OSError) as exc:
                    await self._record(message, exc)
                    tally.failed += 1
                    smtp.close()  # a fresh connection for the next one
                else:
                    await self._record(message, None)
                    tally.sent += 1
        finally:
            if smtp.is_connected:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    await smtp.quit()

    async def deliver_due(self) -> Round:
        """Send every message due now (batch after batch); the failed ones wait for their next attempt."""
        tally = Round()
        while batch := await self.claim():
            await self._send(batch, tally)
            if len(batch) < BATCH:
                break
        return tally

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: deliver, then wait the poll interval. Errors are logged, never fatal."""
        while not stop.is_set():
            try:
                await self.deliver_due()
            except Exception:
                log.exception("outbox sender failed; next try in %s s", self.settings.mail_poll_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.mail_poll_seconds)


def _permanent(error: BaseException) -> bool:
    return isinstance(error, aiosmtplib.SMTPRecipientsRefused) and all(
        r.code >= 500 for r in error.recipients
    )


class Running:
    """The sender as a background task of the app: started on startup, stopped on shutdown."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self.sender.run(self.stop), name="outbox-sender")

    async def close(self, grace: float = 10.0) -> None:
        self.stop.set()
        if self.task is None:
            return
        try:
            await asyncio.wait_for(self.task, grace)
        except TimeoutError:  # mid-send: its claimed rows come back when their lease ends
            log.warning("the outbox sender did not stop within %s s; cancelled", grace)
