"""Reminder benchmarks: `flask reminders sync` of N habits from an empty Redis, and a burst of M reminders
due in the same minute delivered by a real worker to the fake Telegram server (zero lost, zero duplicated).

    TEST_DATABASE_URL=... TEST_REDIS_URL=... python -m bench.reminders --habits 10000 --burst 1000 --rate 500

Uses the test database and Redis index given (it recreates every table there).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import time as wall
from datetime import timedelta

from sqlalchemy import insert, text, update

from app import create_app
from app.auth.models import User
from app.common.timeutil import utcnow
from app.config import TestConfig
from app.extensions import db, redis_store
from app.habits.models import Habit
from app.habits.reminders import sync_reminders
from app.notify.models import TelegramLink
from fakes.telegram import FakeTelegram
from tests.processes import PYTHON, live_environment, running


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--habits", type=int, default=10000)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=500)
    args = parser.parse_args()
    app = create_app(TestConfig)
    with app.app_context():
        db.drop_all()
        db.create_all()
        users = [{"username": f"u{i}", "timezone": "Europe/Moscow"} for i in range(args.burst)]
        db.session.execute(insert(User), users)
        db.session.execute(insert(TelegramLink), [{"user_id": i + 1, "chat_id": 10_000 + i} for i in range(args.burst)])
        today = utcnow().date()
        rows = [
            {
                "owner_id": i % args.burst + 1,
                "action": f"a{i}",
                "place": "p",
                "time": wall(7, 30),
                "periodicity_days": 1 + i % 7,
                "duration_seconds": 60,
                "anchor_date": today,
            }
            for i in range(args.habits)
        ]
        db.session.execute(insert(Habit), rows)
        db.session.commit()
        redis_store.client.flushdb()
        started = time.monotonic()
        count = sync_reminders()
        print(f"sync from empty: {count} jobs in {time.monotonic() - started:.2f}s")

        # burst: the first `burst` habits (one per user) all due in 5 s
        redis_store.client.flushdb()
        when = (utcnow() + timedelta(seconds=5)).replace(microsecond=0)
        db.session.execute(update(Habit).values(next_reminder_at=None))
        db.session.execute(text("UPDATE habits SET next_reminder_at = :w WHERE id <= :n"), {"w": when, "n": args.burst})
        db.session.commit()
        fake = FakeTelegram().start()
        env = live_environment(
            app, TELEGRAM_API_URL=fake.url, SCHEDULER_INTERVAL="0.5", TELEGRAM_SEND_RATE=str(args.rate)
        )
        with running([PYTHON, "worker.py"], env, log_name="bench-worker", ready=lambda: True):
            fake.wait_for_messages(args.burst, timeout=5 + args.burst / args.rate * 3 + 30)
            time.sleep(2)
        messages = fake.messages()
        fake.stop()
        chats = [m["chat_id"] for m in messages]
        span = messages[-1]["at"] - messages[0]["at"] if messages else 0
        print(
            f"burst: {len(messages)} messages to {len(set(chats))} chats in {span:.2f}s "
            f"({len(messages) / span if span else 0:.0f}/s at TELEGRAM_SEND_RATE={args.rate}); "
            f"lost {args.burst - len(set(chats))}, duplicated {len(chats) - len(set(chats))}"
        )
        db.drop_all()


if __name__ == "__main__":
    os.environ.setdefault("TZ", "UTC")
    main()
