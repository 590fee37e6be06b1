"""Calendar feed render time: 1,000 goals, 1,000 tasks and 100 habits for one user, fetched through the app.

    TEST_DATABASE_URL=postgresql://... TEST_REDIS_URL=redis://.../N python bench/calendar_feed.py [--runs 20]

Prints the median and best wall time of a full GET (token lookup, three queries, icalendar build,
ETag) with the body cache emptied before each run (cold) and kept (warm: unchanged data), of a 304
revalidation, and the number of SQL statements per request. It rebuilds the tables of
the database it is given: point it at a test database only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seed(goals: int, tasks: int, habits: int) -> str:
    from sqlalchemy import text

    from app.auth import services as auth
    from app.calendar.services import rotate_feed_token
    from app.extensions import db
    from app.goals.models import Category
    from app.goals.services import create_board

    user = auth.create_user(username="bench", password=None)
    user.timezone = "Europe/Berlin"
    board = create_board(user, {"title": "Bench"})
    category = Category(title="Категория", board_id=board.id, author_id=user.id)
    db.session.add(category)
    db.session.flush()
    params = {"c": category.id, "b": board.id, "u": user.id}
    db.session.execute(
        text("""
        INSERT INTO goals (title, title_folded, description, category_id, board_id, status, priority,
                           due_date, author_id, created_at, updated_at)
        SELECT 'Цель номер ' || i, 'цель номер ' || i, 'Описание цели, с запятыми; и точками с запятой', :c, :b,
               (ARRAY['todo','in_progress','done','overdue'])[1 + i % 4], 1 + i % 4,
               DATE '2026-01-01' + (i % 700), :u, now(), now()
        FROM generate_series(1, :n) AS i"""),
        {**params, "n": goals},
    )
    team_id = db.session.execute(
        text("INSERT INTO teams (name, description, created_at) VALUES ('Bench', '', now()) RETURNING id")
    ).scalar_one()
    db.session.execute(
        text("INSERT INTO team_members (team_id, user_id, role, joined_at) VALUES (:t, :u, 'admin', now())"),
        {"t": team_id, "u": user.id},
    )
    list_id = db.session.execute(
        text("INSERT INTO task_lists (team_id, name, created_by, created_at) VALUES (:t, 'L', :u, now()) RETURNING id"),
        {"t": team_id, "u": user.id},
    ).scalar_one()
    db.session.execute(
        text("""
        INSERT INTO tasks (list_id, team_id, title, description, assignee_id, deadline, is_done, is_overdue,
                           created_by, created_at, updated_at)
        SELECT :l, :t, 'Задача ' || i, 'Позвонить клиенту и обсудить договор', :u,
               TIMESTAMPTZ '2026-01-01 09:00+00' + i * INTERVAL '5 hours', false, false, :u, now(), now()
        FROM generate_series(1, :n) AS i"""),
        {"l": list_id, "t": team_id, "u": user.id, "n": tasks},
    )
    db.session.execute(
        text("""
        INSERT INTO habits (owner_id, action, place, time, periodicity_days, duration_seconds, is_pleasant,
                            reward, is_public, anchor_date, created_at, updated_at)
        SELECT :u, 'сделать зарядку ' || i, 'дома', TIME '07:30', 1 + i % 7, 90, false, 'кофе', false,
               DATE '2026-01-01' + (i % 30), now(), now()
        FROM generate_series(1, :n) AS i"""),
        {"u": user.id, "n": habits},
    )
    url = rotate_feed_token(user, "http://bench")
    db.session.commit()
    for table in ("goals", "tasks", "habits"):
        db.session.execute(text(f"ANALYZE {table}"))
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def timed(client, url: str, runs: int, cold: bool = False, **headers: str) -> tuple[list[float], object]:
    from app.extensions import redis_store

    times, resp = [], None
    for _ in range(runs):
        if cold:  # drop the cached body: the request serializes every event with icalendar again
            for key in redis_store.client.scan_iter("calendar:feed-body:*"):
                redis_store.client.delete(key)
        started = time.perf_counter()
        resp = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    return times, resp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--goals", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--habits", type=int, default=100)
    args = parser.parse_args()

    from sqlalchemy import event

    from app import create_app
    from app.config import TestConfig
    from app.extensions import db

    class BenchConfig(TestConfig):
        RATELIMIT_FEED = "100000/minute"

    app = create_app(BenchConfig)
    with app.app_context():
        db.drop_all()
        db.create_all()
        url = seed(args.goals, args.tasks, args.habits)
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client = app.test_client()
        client.get(url)  # warm up imports, pools and the zoneinfo cache
        statements.clear()
        cold, resp = timed(client, url, args.runs, cold=True)
        per_request = len(statements) / args.runs
        full, resp = timed(client, url, args.runs)
        etag = resp.headers["ETag"]
        revalidate, not_modified = timed(client, url, args.runs, **{"If-None-Match": etag})
        assert resp.status_code == 200 and not_modified.status_code == 304
        events = resp.data.count(b"BEGIN:VEVENT")
        db.session.remove()
        db.drop_all()
    print(f"feed: {events} events, {len(resp.data) / 1024:.0f} KiB, {per_request:.0f} SQL statements per request")
    print(
        f"200 cold render (no cached body): median {statistics.median(cold):.0f} ms, best {min(cold):.0f} ms "
        f"({args.runs} runs)"
    )
    print(f"200 warm (cached body): median {statistics.median(full):.0f} ms, best {min(full):.0f} ms")
    print(f"304 revalidation: median {statistics.median(revalidate):.0f} ms, best {min(revalidate):.0f} ms")


if __name__ == "__main__":
    main()
