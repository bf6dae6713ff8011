"""Schemathesis over the whole JSON API, in process.

Every operation of /schema/openapi.json gets valid (positive) and invalid (negative) requests, sent
anonymously, as a participant and as a host member, with path parameters that often name real rows
(the current event, a published challenge the host member owns, a draft of that host, a challenge of
another host). No answer may be a 5xx, and every answer must match what the document says: status
code, content type, body schema and documented headers. Afterwards the rows the fuzzing went through
must still be consistent (each challenge's counters match its registrations).

Schemathesis drives an ASGI app from its own event-loop thread, while an async engine is bound to the
loop that first uses it; so the run gets an app instance of its own (same settings, same database),
started and shut down (engine disposed) through its ASGI lifespan in that thread. The test's own loop
only arranges the data and checks the outcome; the run itself happens in a worker thread.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.app import create_app
from digieduhack.models import (
    Account,
    ApiToken,
    Challenge,
    ChallengeStatus,
    EmailTokenPurpose,
    HostMember,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Team,
    TeamMember,
    TokenScope,
)
from digieduhack.settings import Settings
from tests import factories
from tests.conftest import Client, ClientFactory

# examples per operation, identity and generation mode: 26 operations x 3 identities x 2 modes x 12
# is about 1,400 requests, well under a minute per backend
MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# operations that end (or replace) the caller's session when they succeed: log in again afterwards
SESSION_CHANGING = {"POST /api/v1/auth/login", "POST /api/v1/auth/logout", "POST /api/v1/auth/signup"}
# with the .ics files (a challenge, an event, a catalog view), the host applications, close, cancel and
# copy, the team (invitations, leaving), editions, the e-mail outbox; e-mail verification (resend, verify),
# password reset (ask, set), the profile (read, change), the data export and deleting one's account; moving a
# registration, the host's roster with promote and remove; a challenge's questions (list, add, change,
# delete); rosters of an event, a host and a challenge in CSV, XLSX and JSON; teams (list, create, show, renew
# the code, invite, leave, join); the audit trail; API tokens (list, create, revoke); check-in and its undo;
# the dashboards of an edition and of a host, the hosts' readiness and reminding a host; announcements to a
# challenge's participants and to an edition's hosts or participants (list, preview, send)
OPERATIONS = 84


@dataclass
class Identity:
    name: str
    email: str | None
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def log_in(self, app: Any) -> None:
        """Like any API client: CSRF cookie first, then POST /auth/login sending the token as a header."""
        with asgi.get_client(app) as client:
            assert client.get("/api/v1/auth/csrf").status_code == 200
            csrf = client.cookies["csrftoken"]
            self.cookies = {"csrftoken": csrf}
            self.headers = {"x-csrftoken": csrf}
            if self.email is None:
                return
            response = client.post(
                "/api/v1/auth/login",
                json={"email": self.email, "password": factories.PASSWORD},
                headers=self.headers,
            )
            assert response.status_code == 200, response.text
            self.cookies["session"] = client.cookies["session"]


@dataclass
class Finding:
    identity: str
    operation: str
    mode: str
    titles: list[str]
    report: str

    def __str__(self) -> str:
        return f"[{self.identity}, {self.mode}] {self.operation}: {'; '.join(self.titles)}\n{self.report}"


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    # operation -> status codes answered
    statuses: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    operations: int = 0
    requests: int = 0


def send(
    app: Any, case: Any, identity: Identity, mode: str, outcome: Outcome, seen: set[tuple[str, ...]]
) -> None:
    """One request as `identity`, its answer recorded and checked against the document."""
    label = case.operation.label
    response = case.call(headers=identity.headers, cookies=identity.cookies)
    outcome.requests += 1
    outcome.statuses[label].add(response.status_code)
    try:
        case.validate_response(response, checks=CHECKS, headers=identity.headers)
    except FailureGroup as group:
        titles = sorted({failure.title for failure in group.exceptions})
        if tuple(titles) not in seen:  # one report per kind of failure is enough
            seen.add(tuple(titles))
            outcome.findings.append(Finding(identity.name, label, mode, titles, group.message))
    if label in SESSION_CHANGING and 200 <= response.status_code < 300:
        identity.log_in(app)


def fuzz(
    app: Any,
    operation: Any,
    strategy: st.SearchStrategy[Any],
    explicit: list[Any],
    identity: Identity,
    mode: str,
    outcome: Outcome,
) -> None:
    """The explicit cases (real rows with valid bodies) once each, in order, then generated ones: which of
    several strategies a generated case comes from is up to chance, so a real row's success must not be."""
    seen: set[tuple[str, ...]] = set()
    for case in explicit:
        send(app, case, identity, mode, outcome, seen)

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # failures are collected, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        send(app, case, identity, mode, outcome, seen)

    run()


def run_schemathesis(
    settings: Settings, path_examples: dict[str, list[str]], bodies: dict[str, list[Any]]
) -> Outcome:
    # thousands of requests by three identities: their budgets of registration changes would run out
    # before every operation had its turn (tests/registrations/test_join_rate_limit.py tests the limit)
    # the same for announcements (10 per hour; tests/announcements tests the limit)
    app = create_app(replace(settings, join_attempts=100_000, announcement_attempts=100_000))
    outcome = Outcome()
    try:
        schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
        identities = [
            Identity("anonymous", None),
            Identity("participant", "alice@example.org"),
            Identity("host member", "hanne@example.org"),
        ]
        for identity in identities:
            identity.log_in(app)
        operations = [result.ok() for result in schema.get_all_operations()]
        outcome.operations = len(operations)
        for operation in operations:
            names = [p.name for p in operation.path_parameters]
            # real rows by name, one set of path parameters per example row, besides generated ones
            real = [dict(zip(names, row, strict=True)) for row in zip(*(path_examples[n] for n in names))]
            for identity in identities:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    strategies = [operation.as_strategy(generation_mode=mode)]
                    strategies += [
                        operation.as_strategy(generation_mode=mode, path_parameters=params) for params in real
                    ]
                    explicit = []
                    if mode == GenerationMode.POSITIVE:
                        explicit = [
                            operation.Case(path_parameters=params, body=body, media_type="application/json")
                            for body in bodies.get(operation.label, [])
                            for params in real or [None]
                        ]
                    fuzz(app, operation, st.one_of(strategies), explicit, identity, mode.value, outcome)
        return outcome
    finally:
        # ends the lifespan schemathesis started: the app's on_shutdown disposes of its engine
        asgi.shutdown_lifespans()


async def test_api_answers_fuzzed_requests_without_server_errors_and_as_documented(
    settings: Settings, db: AsyncSession, world: factories.World
) -> None:
    own = await factories.challenge(db, world.event, world.host_a, slug="fuzz-open", capacity=3)
    draft = await factories.challenge(
        db, world.event, world.host_a, slug="fuzz-draft", status=ChallengeStatus.DRAFT
    )
    other = await factories.challenge(db, world.event, world.host_b, slug="fuzz-other", capacity=None)
    await factories.registration(db, own, world.alice)
    # a team of bob's that alice joins with its code, after she has created (and left) one of her own: the
    # team operations run in that order (list, create, show, renew, invite, leave, join); hers gets the
    # next id
    await factories.registration(db, own, world.bob)
    base_team = Team(
        challenge_id=own.id,
        name="Fuzz base",
        code="FUZZBASE",
        member_count=1,
        created_by_id=world.bob.id,
        created_at=factories.now(),
    )
    db.add(base_team)
    await db.flush()
    db.add(
        TeamMember(
            team_id=base_team.id, account_id=world.bob.id, challenge_id=own.id, joined_at=factories.now()
        )
    )
    await db.commit()
    # someone waiting although a place is free: host A's member can promote or remove them
    waiting = await factories.registration(
        db, own, await factories.account(db, "wendy@example.org"), RegistrationStatus.WAITLISTED
    )
    # the team: alice is also a member of host B, so that she can leave it (its other member stays); she
    # holds an invitation to host A; host A (the host member's) has a pending invitation to withdraw
    db.add(HostMember(host_id=world.host_b.id, account_id=world.alice.id, created_at=factories.now()))
    await db.commit()
    _, token = await factories.invitation(db, world.host_a, world.alice.email, world.member_a)
    pending, _ = await factories.invitation(db, world.host_a, "carla@example.org", world.member_a)
    # a challenge of an earlier edition, which its host can copy into the current one
    past = await factories.event(db, slug="2021", starts_on=date(2021, 11, 9), ends_on=date(2021, 11, 10))
    earlier = await factories.challenge(db, past, world.host_a, slug="fuzz-2021")
    # the host member has not verified her address yet (so she can ask for a new link; she never joins);
    # links to verify it and to reset another person's password
    world.member_a.email_verified_at = None
    db.add(world.member_a)
    await db.commit()
    verify = await factories.email_token(db, world.member_a, EmailTokenPurpose.VERIFY_EMAIL, hours=48)
    carol = await factories.account(db, "carol@example.org", "Carol")
    reset = await factories.email_token(db, carol, EmailTokenPurpose.RESET_PASSWORD)
    # two questions of the open challenge (not required, so joins pass without answers): one can be deleted,
    # the other still changed whichever runs first
    questions = [
        Question(
            challenge_id=own.id,
            position=n,
            kind=QuestionKind.SHORT_TEXT,
            prompt=f"Question {n}",
            required=False,
            options=[],
            created_at=factories.now(),
        )
        for n in (1, 2)
    ]
    db.add_all(questions)
    await db.commit()
    # an API token of the host member's, which she can revoke
    db.add(
        ApiToken(
            account_id=world.member_a.id,
            name="fuzz",
            scope=TokenScope.READ,
            token_hash="0" * 64,
            prefix="deh_000000",
            created_at=factories.now(),
        )
    )
    await db.commit()
    api_token = await db.scalar(select(ApiToken.id))
    path_examples = {
        "slug": [own.slug, draft.slug, other.slug, earlier.slug],
        "event_slug": [world.event.slug, world.event.slug, world.event.slug, past.slug],
        "host_slug": [world.host_a.slug, world.host_b.slug, world.host_a.slug, world.host_a.slug],
        # an invitation's token, a verification link's, a reset link's: each operation meets its own
        "token": [token, verify, reset, token],
        "invitation_id": [str(pending.id)] * 4,
        "registration_id": [str(waiting.id)] * 4,
        "question_id": [str(q.id) for q in questions] * 2,
        "token_id": [str(api_token)] * 4,
        "team_id": [str(base_team.id + 1)] + [str(base_team.id)] * 3,
    }

    # fuzzed credentials rarely pass, nor do fuzzed challenges often fall within the event's dates: these
    # operations also get valid bodies, so that their successful answers are checked too
    day = world.event.starts_on.isoformat()
    challenge = {
        "title": "Fuzzed challenge",
        "summary": "A challenge written by the fuzzer.",
        "language": "en",
        "format": "online",
        "timezone": "Europe/Brussels",
        "starts_at_local": f"{day}T09:00:00",
        "ends_at_local": f"{day}T17:00:00",
        "capacity": 5,
    }
    bodies = {
        "POST /api/v1/auth/signup": [
            {
                "email": "fuzz@example.org",
                "display_name": "Fuzz",
                "password": "fuzz password",
                "accept_terms": True,
            }
        ],
        "POST /api/v1/auth/login": [{"email": world.bob.email, "password": factories.PASSWORD}],
        "POST /api/v1/hosts/{host_slug}/challenges": [challenge],
        "PUT /api/v1/challenges/{slug}": [challenge],
        "POST /api/v1/hosts/{host_slug}/invitations": [{"email": "dana@example.org"}],
        "POST /api/v1/auth/password-reset/{token}": [{"password": "a new fuzz password"}],
        "PUT /api/v1/me/profile": [
            {"display_name": "Fuzzed", "country": "BE", "occupation": "other", "timezone": "Europe/Brussels"}
        ],
        "POST /api/v1/challenges/{slug}/registration/move": [{"from_challenge": own.slug}],
        "POST /api/v1/me/tokens": [{"name": "Fuzzed token", "scope": "read"}],
        "POST /api/v1/challenges/{slug}/questions": [{"prompt": "Your school?", "kind": "short_text"}],
        "PUT /api/v1/challenges/{slug}/questions/{question_id}": [
            {"prompt": "Which tools?", "kind": "multiple_choice", "options": ["Pen", "Laptop"]}
        ],
        "POST /api/v1/challenges/{slug}/teams": [{"name": "Fuzzed team"}],
        "POST /api/v1/challenges/{slug}/teams/{team_id}/invitations": [{"email": "dana@example.org"}],
        "POST /api/v1/teams/join": [{"code": base_team.code}],
        "POST /api/v1/challenges/{slug}/announcements/preview": [
            {"subject": "Bring a laptop", "body": "See you **on Monday**.", "audience": "challenge_all"}
        ],
        "POST /api/v1/challenges/{slug}/announcements": [
            {"subject": "Bring a laptop", "body": "See you **on Monday**.", "audience": "challenge_all"}
        ],
    }

    started = time.monotonic()
    outcome = await asyncio.to_thread(run_schemathesis, settings, path_examples, bodies)
    print(f"\nschemathesis: {outcome.requests} requests in {time.monotonic() - started:.1f}s")
    for label, codes in sorted(outcome.statuses.items()):
        print(f"  {label}: {sorted(codes)}")

    assert not outcome.findings, "\n\n".join(map(str, outcome.findings))
    assert outcome.operations == OPERATIONS  # the whole document was covered: no operation skipped
    assert len(outcome.statuses) == OPERATIONS
    # the requests reached real rows: every operation answered with success at least once, but those
    # for organizers only (none of the identities is one)
    without_success = {
        label for label, codes in outcome.statuses.items() if not any(200 <= c < 300 for c in codes)
    }
    assert without_success == {
        "POST /api/v1/events",
        "PUT /api/v1/events/{event_slug}",
        "GET /api/v1/events/{event_slug}/roster.csv",
        "GET /api/v1/events/{event_slug}/roster.xlsx",
        "GET /api/v1/events/{event_slug}/roster.json",
        "GET /api/v1/hosts",
        "POST /api/v1/hosts/{host_slug}/decision",
        "GET /api/v1/outbox",
        "GET /api/v1/audit",
        "GET /api/v1/events/{event_slug}/dashboard",
        "GET /api/v1/events/{event_slug}/readiness",
        "POST /api/v1/events/{event_slug}/readiness/{host_slug}/remind",
        "GET /api/v1/events/{event_slug}/announcements",
        "POST /api/v1/events/{event_slug}/announcements/preview",
        "POST /api/v1/events/{event_slug}/announcements",
        # the fuzzed passwords are wrong: deleting the identities would end the run (tests/accounts does it)
        "DELETE /api/v1/me",
        # their rows are used up by operations that run before them (alice's registration cancelled by
        # DELETE .../registration, wendy's ended when POST .../cancel cancels her challenge, which ends its
        # registrations); tests/registrations covers their successes
        "POST /api/v1/challenges/{slug}/registration/move",
        "POST /api/v1/challenges/{slug}/registrations/{registration_id}/promote",
        "DELETE /api/v1/challenges/{slug}/registrations/{registration_id}",
        # check-in opens at 00:00 UTC the day before a challenge starts, and the run's clock is months before
        # the fuzzed edition: always 409 (or 403/404); tests/registrations/test_checkin.py has the successes
        "POST /api/v1/challenges/{slug}/registrations/{registration_id}/check-in",
        "DELETE /api/v1/challenges/{slug}/registrations/{registration_id}/check-in",
    }
    # and left them consistent: each challenge's counters are those of its registrations
    counted = (
        select(
            Challenge.slug,
            Challenge.capacity,
            Challenge.confirmed_count,
            Challenge.waitlisted_count,
            func.count(Registration.id).filter(Registration.status == RegistrationStatus.CONFIRMED),
            func.count(Registration.id).filter(Registration.status == RegistrationStatus.WAITLISTED),
        )
        .outerjoin(Registration, Registration.challenge_id == Challenge.id)
        .group_by(Challenge.id)
    )
    rows = (await db.execute(counted)).all()
    assert {"fuzz-open", "fuzz-draft", "fuzz-other"} <= {row[0] for row in rows}
    for slug, capacity, confirmed_count, waitlisted_count, confirmed, waitlisted in rows:
        assert (slug, confirmed_count, waitlisted_count) == (slug, confirmed, waitlisted)
        assert capacity is None or confirmed <= capacity, slug


# --- what earlier runs found: the answers that used to be 500s ------------------------------------
async def test_challenge_times_at_the_edges_of_the_calendar_are_refused_as_outside_the_event(
    world: factories.World, db: AsyncSession, client_factory: ClientFactory
) -> None:
    """Year 1 east of UTC and year 9999 west of it have no UTC instant (datetime overflows): a 422, no 500."""
    member = await client_factory(world.member_a)
    start, end = world.event.starts_on, world.event.ends_on
    for zone, starts, ends in [
        ("Europe/Brussels", "0001-01-01T00:30:00", "0001-01-01T00:45:00"),
        ("America/New_York", "9999-12-31T23:00:00", "9999-12-31T23:30:00"),
    ]:
        body = {
            "title": "Edge of time",
            "summary": "Times no calendar can hold.",
            "language": "en",
            "format": "online",
            "timezone": zone,
            "starts_at_local": starts,
            "ends_at_local": ends,
        }
        response = await member.post(f"/api/v1/hosts/{world.host_a.slug}/challenges", json=body)
        window = (
            f"{world.event.name} runs from {start.day} November {start.year} to "
            f"{end.day} November {end.year} in the challenge's own time zone ({zone})."
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"] == [
            {
                "field": "starts_at_local",
                "message": f"The start must fall within the event's dates. {window}",
            },
            {"field": "ends_at_local", "message": f"The end must fall within the event's dates. {window}"},
        ]
    assert await db.scalar(select(func.count()).select_from(Challenge)) == 0


async def test_signup_refuses_an_email_that_lowercasing_makes_longer_than_the_column(
    db: AsyncSession, anon: Client
) -> None:
    """'İ'.lower() is two characters: 240 of them pass the 254-character limit, but not once lowercased."""
    email = "İ" * 240 + "@example.org"
    body = {"email": email, "display_name": "Long Mail", "password": factories.PASSWORD, "accept_terms": True}
    response = await anon.post("/api/v1/auth/signup", json=body)
    assert response.status_code == 422, response.text
    assert response.json() == {
        "type": "about:blank",
        "title": "Invalid input",
        "status": 422,
        "detail": "email: Must be at most 254 characters long.",
        "errors": [{"field": "email", "message": "Must be at most 254 characters long."}],
    }
    assert await db.scalar(select(func.count()).select_from(Account)) == 0
