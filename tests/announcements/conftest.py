"""The outbox tests' SMTP server fixture, for delivering announcements over real SMTP."""

from tests.outbox.conftest import smtp

__all__ = ["smtp"]
