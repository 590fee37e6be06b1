"""Jobs never wait for Telegram's limits (issue 17 item 9): one chat's backlog is re-scheduled at that chat's
rate and never delays another chat; 429/5xx re-schedule instead of sleeping; a delivery sends at most once."""

import signal
import time
from datetime import UTC, datetime

import pytest

from app.auth import services as auth_services
from app.auth.jobs import prune_ended_sessions
from app.auth.models import User
from app.common import queue
from app.extensions import db
from app.notify import delivery
from app.notify.models import TelegramLink

SCHEDULE = "rq:scheduler:scheduled_jobs"
pause = time.sleep  # the test's own waiting: `no_sleep` replaces time.sleep for everything else


@pytest.fixture
def rates(app):
    """Telegram's per-chat rate (1/s) and a small global one, restored afterwards."""
    saved = {k: app.config[k] for k in ("TELEGRAM_CHAT_RATE", "TELEGRAM_SEND_RATE", "TELEGRAM_MAX_ATTEMPTS")}

    def set_rates(chat: float = 1.0, send: float = 25.0, attempts: int = 5) -> None:
        app.config.update(TELEGRAM_CHAT_RATE=chat, TELEGRAM_SEND_RATE=send, TELEGRAM_MAX_ATTEMPTS=attempts)

    yield set_rates
    app.config.update(saved)


@pytest.fixture
def no_sleep(monkeypatch):
    """Any sleep while a delivery is being handled (the job, RQ, the client) fails the test."""

    def refuse(seconds):
        raise AssertionError(f"a delivery slept {seconds}s")

    monkeypatch.setattr("app.notify.client.time.sleep", refuse)


@pytest.fixture
def people(api):
    made = []
    for index, name in enumerate(("victim", "bystander", "third")):
        who = api.signup_and_login(name)
        db.session.add(TelegramLink(user_id=who.id, chat_id=9000 + index, language_code="ru"))
        made.append(who)
    db.session.commit()
    return made


def _send(user_id: int, text: str, key: str) -> str:
    outcome = delivery.send_to_user(user_id, text, key=key)
    db.session.commit()  # the deferral is scheduled after commit, as at the end of a job
    return outcome


def _run_due(drain_jobs, fake, count: int, timeout: float) -> None:
    """What worker.py does, in this process: move due jobs to their queues, run them, until `count` messages."""
    scheduler = queue.scheduler()
    deadline = time.monotonic() + timeout
    while len(fake.messages()) < count and time.monotonic() < deadline:
        scheduler.enqueue_jobs()
        drain_jobs()
        pause(0.05)


def _scheduled(redis_client, prefix: str = "tg-") -> dict[str, float]:
    return {m.decode(): s for m, s in redis_client.zrange(SCHEDULE, 0, -1, withscores=True) if m.startswith(b"tg-")}


def test_one_chats_backlog_is_spread_at_its_rate_and_never_delays_another_chat(
    rates, no_sleep, people, fake_telegram, drain_jobs, redis_client
):
    rates(chat=1.0, send=25.0)
    victim, bystander, _ = people
    started = time.monotonic()
    outcomes = [_send(victim.id, f"#{i}", f"burst-{i}") for i in range(300)]
    assert outcomes[0] == "sent" and set(outcomes[1:]) == {"deferred"}
    assert _send(bystander.id, "mine", "bystander-1") == "sent"  # not behind the victim's 299
    assert time.monotonic() - started < 5  # 301 messages handled without waiting for any of them
    [*_, theirs] = fake_telegram.messages()
    assert theirs["chat_id"] == 9001 and theirs["text"] == "mine"
    # the backlog holds one slot per second of the victim's chat: each message comes back once, at its slot
    scheduled = _scheduled(redis_client)
    assert len(scheduled) == 299
    slots = sorted(scheduled.values())
    assert all(later - earlier == 1 for earlier, later in zip(slots, slots[1:], strict=False))
    assert slots[-1] - slots[0] == 298
    # ...and the bot's global rate was not spent on the backlog: a third chat is not delayed either
    assert _send(people[2].id, "also mine", "third-1") == "sent"


def test_deferred_messages_go_out_at_the_chats_rate_exactly_once(
    rates, no_sleep, people, fake_telegram, drain_jobs, redis_client
):
    rates(chat=1.0, send=25.0)
    victim, bystander, _ = people
    for i in range(5):
        _send(victim.id, f"#{i}", f"burst-{i}")
    _send(bystander.id, "mine", "bystander-1")
    _run_due(drain_jobs, fake_telegram, 6, timeout=12)
    pause(1.2)
    _run_due(drain_jobs, fake_telegram, 7, timeout=0.5)  # room for a duplicate to show up
    messages = fake_telegram.messages()
    theirs = [m for m in messages if m["chat_id"] == 9000]
    assert [m["text"] for m in theirs] == [f"#{i}" for i in range(5)]
    stamps = [m["at"] for m in theirs]
    # Telegram's one message per second to a chat, to rq-scheduler's resolution of a second: a late pass may
    # bring two due slots together, never three within a second, never faster than the rate over the run
    assert stamps[-1] - stamps[0] >= 4 - 1, stamps
    assert all(stamps[i + 2] - stamps[i] >= 0.9 for i in range(len(stamps) - 2)), stamps
    assert [m["text"] for m in messages if m["chat_id"] == 9001] == ["mine"]
    assert _scheduled(redis_client) == {}


def test_a_due_delivery_runs_before_the_domain_jobs_queued_ahead_of_it(
    rates, no_sleep, people, fake_telegram, redis_client
):
    """A deferred message holds a send slot: behind a burst of reminder jobs it would miss it (the slots of a
    1,000-reminder burst then went out in a lump ~25 s late), so the worker takes deliveries first."""
    rates(chat=1.0, send=25.0)
    victim = people[0]
    assert [_send(victim.id, f"#{i}", f"slot-{i}") for i in range(2)] == ["sent", "deferred"]
    for _ in range(3):  # a burst of domain jobs, queued before the delivery's slot comes
        queue.enqueue(prune_ended_sessions, queue_name=queue.REMINDERS)
    [due] = _scheduled(redis_client).values()  # its slot, a second later, to rq-scheduler's whole seconds
    pause(max(0.0, due - time.time()) + 0.05)
    queue.scheduler().enqueue_jobs()  # the slot is due: the delivery joins its queue behind the burst
    conn = queue.connection()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        queue.JobWorker(queue.rq_queues(conn), connection=conn).work(burst=True, max_jobs=1, logging_level="WARNING")
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert [m["text"] for m in fake_telegram.messages()] == ["#0", "#1"]
    assert queue.rq_queue(conn, queue.REMINDERS).count == 3


def test_the_global_rate_is_reserved_not_waited_for(rates, no_sleep, api, fake_telegram, drain_jobs, redis_client):
    rates(chat=1.0, send=5.0)
    users = []
    for i in range(12):
        who = api.signup_and_login(f"many{i}")
        db.session.add(TelegramLink(user_id=who.id, chat_id=7000 + i))
        users.append(who)
    db.session.commit()
    outcomes = [_send(who.id, f"to {i}", f"many-{i}") for i, who in enumerate(users)]
    # a burst of one second's worth, then slots at 5/s (what is reserved while these sends take time)
    assert outcomes[:5] == ["sent"] * 5 and outcomes.count("deferred") >= 4
    _run_due(drain_jobs, fake_telegram, 12, timeout=10)
    stamps = sorted(m["at"] for m in fake_telegram.messages())
    assert len(stamps) == 12 and len({m["chat_id"] for m in fake_telegram.messages()}) == 12
    assert stamps[-1] - stamps[0] >= (12 - 5) / 5 - 0.2  # never faster than the rate allows
    for i in range(len(stamps) - 5):  # at most one second's worth in any second, plus a second's burst
        assert len([s for s in stamps if stamps[i] <= s < stamps[i] + 1]) <= 10


def test_429_reschedules_after_retry_after_without_sleeping(
    rates, no_sleep, people, fake_telegram, drain_jobs, redis_client
):
    rates(chat=0)
    fake_telegram.fail("sendMessage", 429, retry_after=2)
    started = time.time()
    assert _send(people[0].id, "x", "limited-1") == "deferred"
    assert time.time() - started < 1
    [(job_id, at)] = _scheduled(redis_client).items()
    assert job_id == "tg-limited-1" and started + 1.9 <= at <= started + 3.1
    _run_due(drain_jobs, fake_telegram, 1, timeout=6)
    assert [c["status"] for c in fake_telegram.calls()] == [429, 200]
    assert time.time() - started >= 1.9  # not before Telegram said


def test_5xx_and_timeouts_retry_later_and_are_bounded(app, rates, no_sleep, people, fake_telegram, redis_client):
    rates(chat=0, attempts=3)
    fake_telegram.fail("sendMessage", 502, count=50)
    assert _send(people[0].id, "x", "flaky-1") == "deferred"
    for expected in ("deferred", "failed"):
        job = queue.fetch("tg-flaky-1")
        redis_client.zrem(SCHEDULE, "tg-flaky-1")
        assert queue.run_job(*job.args) == expected
    assert len(fake_telegram.calls()) == 3 and fake_telegram.messages() == []
    assert _scheduled(redis_client) == {}


def test_a_delivery_run_twice_sends_once(rates, no_sleep, people, fake_telegram, redis_client):
    rates(chat=1.0)
    _send(people[0].id, "first", "twice-0")
    assert _send(people[0].id, "second", "twice-1") == "deferred"
    job = queue.fetch("tg-twice-1")
    pause(1.05)  # its slot
    results = [queue.run_job(*job.args) for _ in range(2)]  # RQ's at-least-once: the same job twice
    assert results == ["sent", "duplicate"]
    assert [m["text"] for m in fake_telegram.messages()] == ["first", "second"]


def test_a_deferred_message_to_a_deactivated_or_blocked_account_is_dropped(
    rates, no_sleep, people, fake_telegram, redis_client
):
    rates(chat=1.0)
    victim, other, _ = people
    for who, name in ((victim, "deactivated"), (other, "blocked")):
        _send(who.id, "first", f"{name}-0")
        assert _send(who.id, "second", f"{name}-1") == "deferred"
    auth_services.set_active(db.session.get(User, victim.id), False)
    db.session.query(TelegramLink).filter_by(user_id=other.id).update({"blocked_at": datetime.now(UTC)})
    db.session.commit()
    pause(1.05)
    for name in ("deactivated", "blocked"):
        assert queue.run_job(*queue.fetch(f"tg-{name}-1").args) == "not sent"
    assert [m["text"] for m in fake_telegram.messages()] == ["first", "first"]


def test_403_marks_the_link_blocked(rates, people, fake_telegram):
    rates(chat=0)
    fake_telegram.fail("sendMessage", 403)
    assert _send(people[0].id, "x", "gone-1") == "blocked"
    link = db.session.scalar(db.select(TelegramLink).filter_by(user_id=people[0].id))
    assert link.blocked_at is not None
    assert _send(people[0].id, "x", "gone-2") == "not sent"
    assert len(fake_telegram.calls()) == 1
