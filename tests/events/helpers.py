"""Shared by the edition tests: a clock the tests set, and a valid EventIn body."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Litestar

from digieduhack.clock import FixedClock
from tests.challenges.helpers import YEAR

NEXT = YEAR + 1  # the world's edition is YEAR (9-10 November); organizers set up NEXT in the tests


def set_clock(app: Litestar, at: datetime) -> None:
    """Move the app's clock; log clients in after this, so their sessions are valid at that time."""
    app.state.clock = FixedClock(at)


def utc(year: int, month: int, day: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(year, month, day, hh, mm, ss, tzinfo=UTC)


def event_body(**changes: Any) -> dict[str, Any]:
    """A valid EventIn JSON body for the NEXT edition, with changes."""
    body: dict[str, Any] = {
        "slug": str(NEXT),
        "name": f"DigiEduHack {NEXT}",
        "starts_on": f"{NEXT}-11-09",
        "ends_on": f"{NEXT}-11-10",
        "registration_opens_at": f"{NEXT}-09-01T08:00:00Z",
        "registration_closes_at": f"{NEXT}-11-11T12:00:00Z",
        "themes": ["Inclusion", "AI in the classroom"],
    }
    body.update(changes)
    return body


def event_form(**changes: str) -> dict[str, str]:
    """The fields of templates/events/form.html as a browser posts them (date, datetime-local in UTC)."""
    data = {
        "slug": str(NEXT),
        "name": f"DigiEduHack {NEXT}",
        "starts_on": f"{NEXT}-11-09",
        "ends_on": f"{NEXT}-11-10",
        "registration_opens_at": f"{NEXT}-09-01T08:00",
        "registration_closes_at": f"{NEXT}-11-11T12:00",
        "themes": "Inclusion\r\n  AI in the classroom  \r\n\r\n",
    }
    data.update(changes)
    return data
