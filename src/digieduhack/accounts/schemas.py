from __future__ import annotations

from typing import Annotated

import msgspec

from digieduhack.models import Account

Email = Annotated[
    str,
    msgspec.Meta(
        min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", examples=["ada@example.org"]
    ),
]
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=200)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Country = Annotated[
    str, msgspec.Meta(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")
]


class SignupIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    display_name: DisplayName
    password: Password
    accept_terms: bool = False
    country: Country | None = None


class TimezoneIn(msgspec.Struct, forbid_unknown_fields=True):
    timezone: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=64,
                description="IANA time zone; null: the browser's",
                examples=["America/Sao_Paulo"],
            ),
        ]
        | None
    ) = None


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=200)]


class HostRef(msgspec.Struct):
    slug: str
    name: str


class AccountOut(msgspec.Struct):
    id: int
    email: str
    display_name: str
    is_organizer: bool
    hosts: list[HostRef]

    @classmethod
    def from_model(cls, a: Account) -> AccountOut:
        return cls(
            id=a.id,
            email=a.email,
            display_name=a.display_name,
            is_organizer=a.is_organizer,
            hosts=[HostRef(slug=m.host.slug, name=m.host.name) for m in a.memberships],
        )


class CsrfOut(msgspec.Struct):
    csrf_token: str
