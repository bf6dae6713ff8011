"""Signed links that name a registration: the withdraw link of the e-mails and the participant's personal
check-in code (a QR code of the link `/checkin/{token}` a host member's phone camera opens).

A token is "<registration id>.<HMAC-SHA256 of purpose and id with the settings' secret key>": only the
server can make one, and one made for a purpose is good for no other (a withdraw token is no check-in code).
"""

from __future__ import annotations

import io

import segno

from digieduhack.models import Registration
from digieduhack.security import sign, unsign
from digieduhack.settings import Settings

WITHDRAW_PURPOSE = "registration-withdraw"
CHECKIN_PURPOSE = "registration-checkin"


def registration_token(settings: Settings, purpose: str, reg_id: int) -> str:
    return sign(settings.secret_key, purpose, str(reg_id))


def registration_id_of(settings: Settings, purpose: str, token: str) -> int | None:
    """The id of the registration a token made by registration_token() names; None for any other string."""
    value = unsign(settings.secret_key, purpose, token)
    return int(value) if value is not None and value.isdigit() and len(value) < 19 else None


def absolute(settings: Settings, path: str) -> str:
    return f"{settings.base_url.rstrip('/')}{path}"


# --- the personal check-in code --------------------------------------------------------------------
def withdraw_url(settings: Settings, reg_id: int) -> str:
    """The signed link of registration e-mails that withdraws the registration after one confirmation."""
    return absolute(
        settings, f"/registrations/withdraw/{registration_token(settings, WITHDRAW_PURPOSE, reg_id)}"
    )


def checkin_token(settings: Settings, reg: Registration) -> str:
    return registration_token(settings, CHECKIN_PURPOSE, reg.id)


def checkin_path(settings: Settings, reg: Registration) -> str:
    return f"/checkin/{checkin_token(settings, reg)}"


def checkin_url(settings: Settings, reg: Registration) -> str:
    """What the QR code holds: an absolute link, since a phone camera opens it."""
    return absolute(settings, checkin_path(settings, reg))


def qr_svg(url: str) -> bytes:
    """A QR code of `url` as a standalone SVG document (black on white, with the quiet zone around it)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=8, border=4, dark="#000", light="#fff", xmldecl=False, title="QR code"
    )
    return out.getvalue()
