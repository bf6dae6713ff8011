"""The messages themselves: delivered over a real SMTP server with a plain-text and an HTML part; they say
who sent them and why the recipient gets them; participants get the signed withdraw link of their
registration; Markdown is rendered and sanitised in the HTML part, hostile text escaped."""

from __future__ import annotations

import re

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from digieduhack.clock import FixedClock
from tests import factories
from tests.announcements.support import cast, note, outbox
from tests.challenges.helpers import visible_text
from tests.conftest import ClientFactory
from tests.outbox.conftest import SmtpServer, parts, sender_for
from tests.registrations.support import WITHDRAW_LINK

BODY = (
    "Dear all,\n\nPlease bring **a laptop** and see [the agenda](https://example.org/agenda).\n\n"
    "<script>alert(1)</script> <img src=x onerror=alert(2)> [bad](javascript:alert(3))"
)


async def test_participants_receive_text_and_html_over_smtp_saying_who_sent_it_and_why(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory, smtp: SmtpServer
) -> None:
    app.state.clock = FixedClock(factories.now())
    await cast(db, world)
    hanne = await client_factory(world.member_a)
    r = await hanne.post(
        "/api/v1/challenges/robots/announcements", json=note(subject="Bring a laptop", body=BODY)
    )
    assert r.status_code == 201, r.text
    smtp.start()

    done = await sender_for(app, smtp).deliver_due()

    assert (done.sent, done.failed) == (3, 0)
    received = {m["To"]: m for m in smtp.inbox.messages}
    assert sorted(received) == ["carla@example.org", "dan@example.org", "erin@example.org"]
    carla = received["carla@example.org"]
    assert carla["Subject"] == "Bring a laptop (Robots in class)"
    text, html = parts(carla)
    assert text.startswith("Hello Carla,\n\n" + BODY + "\n")
    assert (
        "Hanne Host (Leuven Lab) sent this announcement to the participants of the challenge "
        '"Robots in class".' in text
    )
    assert "You receive it because you are registered for this challenge." in text
    assert "http://127.0.0.1:8000/challenges/robots" in text
    # Markdown rendered and sanitised in the HTML part; the hostile parts inert
    assert "<strong>a laptop</strong>" in html
    assert '<a href="https://example.org/agenda" rel="noopener noreferrer nofollow">the agenda</a>' in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, as written
    assert (
        'Hanne Host (Leuven Lab) sent this announcement to the participants of the challenge "Robots in '
        'class". You receive it because you are registered for this challenge.'
    ) in html.replace("&#34;", '"')
    assert "Hello Carla," in html and "Leuven Lab" in html
    # a confirmed participant can free their place, erin can leave the waitlist, with their own signed link
    assert "Can't make it after all? Free your place for someone else" in text
    [token] = WITHDRAW_LINK.findall(text)
    assert WITHDRAW_LINK.findall(html) == [token]
    erin_text, _ = parts(received["erin@example.org"])
    assert "Would you rather not wait? Leave the waitlist" in erin_text
    assert WITHDRAW_LINK.findall(erin_text) != [token]
    page = await (await client_factory()).get(f"/registrations/withdraw/{token}")
    assert page.status_code == 200 and "Robots in class" in visible_text(page.text)
    assert all(m.sent_at is not None for m in await outbox(app))


async def test_the_event_wide_message_names_the_organizer_and_a_person_in_two_challenges_gets_no_link(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    olga = await client_factory(world.organizer)
    r = await olga.post(
        f"/api/v1/events/{world.event.slug}/announcements",
        json=note(subject="Kick-off stream", body="Starts at 9:00.", audience="event_participants"),
    )
    assert r.status_code == 201, r.text
    by_address = {m.to_address: m for m in await outbox(app)}
    gina = by_address["gina@example.org"]
    assert gina.subject == f"Kick-off stream ({world.event.name})"
    assert (
        f"Olga Organizer ({world.event.name} organizers) sent this announcement about {world.event.name}."
        in gina.text_body
    )
    assert (
        f"You receive it because you are registered for a challenge of {world.event.name}." in gina.text_body
    )
    assert len(WITHDRAW_LINK.findall(gina.text_body)) == 1
    # erin waits in two challenges: which one a link would leave is unclear, so there is none
    assert WITHDRAW_LINK.findall(by_address["erin@example.org"].text_body) == []


async def test_the_preview_shows_the_message_as_sent_with_placeholders(
    app: Litestar, db: AsyncSession, world: factories.World, client_factory: ClientFactory
) -> None:
    await cast(db, world)
    olga = await client_factory(world.organizer)  # an organizer writing to a challenge's people
    r = await olga.post(
        "/api/v1/challenges/robots/announcements/preview",
        json=note(subject="Bring a laptop", body=BODY, audience="challenge_confirmed"),
    )
    assert r.status_code == 200, r.text
    preview = r.json()
    assert preview["recipient_count"] == 2
    assert preview["subject"] == "Bring a laptop (Robots in class)"
    assert preview["text"].startswith("Hello [name],\n\n" + BODY)
    assert f"Olga Organizer ({world.event.name} organizers) sent this announcement" in preview["text"]
    assert "You receive it because you have a confirmed place in this challenge." in preview["text"]
    assert "<strong>a laptop</strong>" in preview["html"] and "<script" not in preview["html"]
    assert "http://127.0.0.1:8000/registrations/withdraw/..." in preview["text"]
    # the message sent is the preview, with the person's name and link
    sent = await olga.post(
        "/api/v1/challenges/robots/announcements",
        json=note(subject="Bring a laptop", body=BODY, audience="challenge_confirmed"),
    )
    assert sent.status_code == 201
    carla = next(m for m in await outbox(app) if m.to_address == "carla@example.org")
    [token] = WITHDRAW_LINK.findall(carla.text_body)
    assert carla.subject == preview["subject"]
    assert carla.text_body == preview["text"].replace("[name]", "Carla").replace(
        "/registrations/withdraw/...", f"/registrations/withdraw/{token}"
    )
    assert re.sub(r"\s+", " ", carla.html_body).count("<strong>a laptop</strong>") == 1
