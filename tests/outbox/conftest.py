"""The outbox tests' SMTP server (tests/smtp_server.py) and the app's sender aimed at it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from litestar import Litestar

from digieduhack.outbox.sender import Sender
from tests.smtp_server import Inbox, SmtpServer, free_port

__all__ = ["Inbox", "SmtpServer", "free_port", "parts", "sender_for", "smtp"]


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
