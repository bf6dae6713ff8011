"""A real SMTP server (aiosmtpd) on 127.0.0.1 keeping what it receives; the app's sender aimed at it."""

from __future__ import annotations

import dataclasses
import email
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar import Litestar

from digieduhack.outbox.sender import Sender


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """aiosmtpd handler: every message received, parsed, with the envelope's recipients."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """Not started: a test starts it (or leaves it down, which is the same as no server on the port)."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


def sender_for(app: Litestar, smtp: SmtpServer, **overrides: Any) -> Sender:
    """The sender the app would run, aimed at the test's SMTP server, on the app's (movable) clock."""
    settings = dataclasses.replace(app.state.settings, smtp_url=smtp.url, **overrides)
    return Sender(app.state.sessionmaker, settings, lambda: app.state.clock, app.state.sqlite_write_lock)


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a received message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, message.as_string()[:500]
    return text.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n")
