"""Issue 17 item 9: a team admin assigning hundreds of tasks to someone cannot flood their chat. Over the
recipient's NOTIFY_HOURLY_CAP, the clock hour's notifications fold into one digest sent when the hour ends."""

from __future__ import annotations

import time

import pytest

from app.common import queue
from app.extensions import db
from app.notify import delivery
from app.notify.models import TelegramLink

SCHEDULE = "rq:scheduler:scheduled_jobs"


@pytest.fixture
def cap(app):
    saved = app.config["NOTIFY_HOURLY_CAP"]

    def set_cap(value: int) -> None:
        app.config["NOTIFY_HOURLY_CAP"] = value

    yield set_cap
    app.config["NOTIFY_HOURLY_CAP"] = saved


@pytest.fixture
def same_hour():
    """The clock hour the test runs in: started at least 20 s before it ends, so every send counts in it."""
    if time.time() % delivery.HOUR > delivery.HOUR - 20:
        time.sleep(delivery.HOUR - time.time() % delivery.HOUR + 0.1)
    return int(time.time()) // delivery.HOUR


def link(user_id: int) -> None:
    db.session.add(TelegramLink(user_id=user_id, chat_id=7000 + user_id, language_code="en"))
    db.session.commit()


def run_digest(user_id: int, hour: int) -> str:
    return queue.run_job(queue.dotted(delivery.send_digest), user_id, hour)


def test_a_flood_of_assignments_sends_the_cap_then_one_digest(
    api, world, cap, same_hour, fake_telegram, drain_jobs, redis_client
):
    cap(3)
    link(world.member.id)
    for n in range(12):
        created = api.post(
            f"/api/v1/lists/{world.list_id}/tasks",
            world.admin,
            json={"title": f"Flood {n}", "assignee_id": world.member.id},
        )
        assert created.status_code == 201
    drain_jobs()
    fake_telegram.wait_for_messages(3)
    time.sleep(0.3)
    assert [m["text"].splitlines()[-1].split(" (")[0] for m in fake_telegram.messages()] == [
        "Flood 0",
        "Flood 1",
        "Flood 2",
    ]
    job_id = f"notify-digest-{world.member.id}-{same_hour}"
    assert redis_client.zscore(SCHEDULE, job_id) == (same_hour + 1) * delivery.HOUR  # at the hour's end, once

    assert run_digest(world.member.id, same_hour) == "sent"
    digest = fake_telegram.messages()[-1]["text"].splitlines()
    assert digest[0] == "9 more notifications this hour:"
    assert [line.split(" (")[0] for line in digest[1:]] == [f"• Flood {n}" for n in range(3, 12)]
    assert run_digest(world.member.id, same_hour) == "nothing"  # a second run of the job sends nothing
    assert len(fake_telegram.messages()) == 4


def test_the_cap_is_per_recipient_and_the_digest_counts_what_it_does_not_quote(
    api, world, cap, same_hour, fake_telegram, redis_client
):
    cap(1)
    link(world.member.id)
    link(world.admin.id)
    outcomes = [delivery.send_to_user(world.member.id, f"note {n}", key=f"cap-{n}", capped=True) for n in range(13)]
    db.session.commit()
    assert outcomes == ["sent"] + ["folded"] * 12
    other = delivery.send_to_user(world.admin.id, "hello", key="cap-admin", capped=True)
    assert other == "sent"  # someone else's flood does not touch this person's allowance
    assert run_digest(world.member.id, same_hour) == "sent"
    digest = fake_telegram.messages()[-1]["text"].splitlines()
    assert digest[0] == "12 more notifications this hour:"
    assert digest[1:11] == [f"• note {n}" for n in range(1, 11)]
    assert digest[11] == "…and 2 more in the app."


def test_reminders_are_never_folded(world, cap, same_hour, fake_telegram):
    cap(1)
    link(world.member.id)
    outcomes = [delivery.send_to_user(world.member.id, f"habit {n}", key=f"rem-{n}") for n in range(3)]
    db.session.commit()
    assert "folded" not in outcomes and len(fake_telegram.wait_for_messages(3)) == 3
