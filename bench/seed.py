"""Seed the benchmark database in a few seconds: set-based INSERT ... SELECT generate_series, no ORM rows.

    DATABASE_URL=postgresql://... python -m bench.seed --out bench/.run/tokens.txt [--tokens 1000]

Rebuilds every table of the database it is given (create_all), then inserts
  10,000 users (one password hash computed once and reused) with one login session each,
  1,000 boards × 5 categories × 100 goals = 100,000 goals; user 1 ("exporter") reads every board,
  every other user takes part in 3 boards (writer on the first);
  50,000 habits (5 per user), 1,000 teams × 10 members, 2 lists and 100 tasks each = 100,000 tasks
  (about 1% of them past their deadline and not yet flagged, for the overdue sweep).
Writes one line per benchmark user to --out: `token board_id category_id team_id list_id`, the access
token signed with JWT_SECRET_KEY (valid for a day), for the wrk Lua scripts.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

USERS, BOARDS, CATEGORIES_PER_BOARD, GOALS = 10_000, 1_000, 5, 100_000
HABITS, TEAMS, MEMBERS_PER_TEAM, TASKS = 50_000, 1_000, 10, 100_000

SQL = [
    # users: one argon2 hash for all (:pw); user 1 is the exporter who reads every board
    """INSERT INTO users (id, username, email, first_name, last_name, password_hash, timezone, is_active,
                          is_superuser, date_joined)
       SELECT i, 'user' || i, 'user' || i || '@example.test', 'First' || i, 'Last' || i, :pw,
              (ARRAY['Europe/Moscow','UTC','Asia/Yekaterinburg','Europe/Berlin'])[1 + i % 4], true, false,
              now() - (i || ' minutes')::interval
       FROM generate_series(1, :users) AS i""",
    "SELECT setval(pg_get_serial_sequence('users', 'id'), :users)",
    """INSERT INTO auth_sessions (id, user_id, refresh_jti, created_at, user_agent)
       SELECT md5('session' || i)::uuid, i, md5('jti' || i), now(), 'bench'
       FROM generate_series(1, :users) AS i""",
    # boards, categories, participants
    """INSERT INTO goal_boards (id, title, is_deleted, created_at, updated_at)
       SELECT b, 'Board ' || b, false, now(), now() FROM generate_series(1, :boards) AS b""",
    "SELECT setval(pg_get_serial_sequence('goal_boards', 'id'), :boards)",
    """INSERT INTO goal_categories (id, title, board_id, author_id, is_deleted, created_at, updated_at)
       SELECT c, 'Category ' || c, 1 + (c - 1) / :cpb, NULL, false, now(), now()
       FROM generate_series(1, :boards * :cpb) AS c""",
    "SELECT setval(pg_get_serial_sequence('goal_categories', 'id'), :boards * :cpb)",
    """INSERT INTO goal_board_participants (board_id, user_id, role, created_at)
       SELECT b, 1, 'reader', now() FROM generate_series(1, :boards) AS b""",
    """INSERT INTO goal_board_participants (board_id, user_id, role, created_at)
       SELECT DISTINCT ON (board, u) board, u, role, now() FROM (
           SELECT u, 1 + (u + k * 337) % :boards AS board, CASE WHEN k = 0 THEN 'writer' ELSE 'reader' END AS role
           FROM generate_series(2, :users) AS u, generate_series(0, 2) AS k) AS p
       ORDER BY board, u, role DESC""",
    # goals: spread over every category of every board
    """INSERT INTO goals (title, title_folded, description, category_id, board_id, status, priority,
                          start_date, due_date, author_id, created_at, updated_at)
       SELECT 'Goal number ' || i, 'goal number ' || i, 'A description of goal ' || i || ', "quoted"',
              1 + (i - 1) % (:boards * :cpb), 1 + ((i - 1) % (:boards * :cpb)) / :cpb,
              (ARRAY['todo','in_progress','done','overdue','archived'])[1 + i % 5], 1 + i % 4,
              NULL, DATE '2026-01-01' + (i % 700), 2 + i % (:users - 1),
              now() - (i || ' seconds')::interval, now()
       FROM generate_series(1, :goals) AS i""",
    # habits: 5 per user, times spread over the day, none pleasant
    """INSERT INTO habits (owner_id, action, place, time, periodicity_days, duration_seconds, is_pleasant,
                           reward, is_public, next_reminder_at, anchor_date, created_at, updated_at)
       SELECT 1 + (i - 1) % :users, 'action ' || i, 'place ' || i,
              make_time((i * 7) % 24, (i * 13) % 60, 0), 1 + i % 7, 60, false,
              CASE WHEN i % 3 = 0 THEN 'reward ' || i END, i % 10 = 0, NULL, CURRENT_DATE - (i % 30), now(), now()
       FROM generate_series(1, :habits) AS i""",
    # teams: 10 members each (user u is in team 1 + (u - 1) % teams), 2 lists, 100 tasks
    """INSERT INTO teams (id, name, description, created_at)
       SELECT t, 'Team ' || t, '', now() FROM generate_series(1, :teams) AS t""",
    "SELECT setval(pg_get_serial_sequence('teams', 'id'), :teams)",
    """INSERT INTO team_members (team_id, user_id, role, joined_at)
       SELECT 1 + (u - 1) % :teams, u, CASE WHEN u <= :teams THEN 'admin' ELSE 'member' END, now()
       FROM generate_series(1, :teams * :mpt) AS u""",
    """INSERT INTO task_lists (id, team_id, name, created_by, created_at)
       SELECT l, 1 + (l - 1) / 2, 'List ' || l, NULL, now() FROM generate_series(1, :teams * 2) AS l""",
    "SELECT setval(pg_get_serial_sequence('task_lists', 'id'), :teams * 2)",
    """INSERT INTO tasks (list_id, team_id, title, description, assignee_id, assigned_at, deadline, is_done,
                          done_at, is_overdue, created_by, created_at, updated_at)
       SELECT 1 + (i - 1) % (:teams * 2), 1 + ((i - 1) % (:teams * 2)) / 2, 'Task ' || i, 'Do thing ' || i,
              CASE WHEN i % 3 = 0 THEN 1 + ((i - 1) % (:teams * 2)) / 2 END,
              CASE WHEN i % 3 = 0 THEN now() END,
              CASE WHEN i % 100 = 0 THEN now() - interval '1 hour'
                   WHEN i % 2 = 0 THEN now() + ((i % 90) || ' days')::interval END,
              i % 7 = 0 AND i % 100 <> 0, CASE WHEN i % 7 = 0 AND i % 100 <> 0 THEN now() END,
              false, 1 + ((i - 1) % (:teams * 2)) / 2, now(), now()
       FROM generate_series(1, :tasks) AS i""",
]


def seed(token_path: Path, token_count: int) -> None:
    from flask_jwt_extended import create_access_token
    from sqlalchemy import text

    from app import create_app
    from app.auth.passwords import hash_password
    from app.extensions import db

    app = create_app()
    started = time.perf_counter()
    with app.app_context():
        db.drop_all()
        db.create_all()
        params = {
            "pw": hash_password("bench-password-1"),
            "users": USERS,
            "boards": BOARDS,
            "cpb": CATEGORIES_PER_BOARD,
            "goals": GOALS,
            "habits": HABITS,
            "teams": TEAMS,
            "mpt": MEMBERS_PER_TEAM,
            "tasks": TASKS,
        }
        for sql in SQL:
            db.session.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        lines = []
        rows = db.session.execute(
            text("""
            SELECT p.user_id, s.id, p.board_id, min(c.id), 1 + (p.user_id - 1) % :teams,
                   2 * ((p.user_id - 1) % :teams) + 1
            FROM goal_board_participants p
            JOIN auth_sessions s ON s.user_id = p.user_id
            JOIN goal_categories c ON c.board_id = p.board_id
            WHERE p.role = 'writer' AND p.user_id <= :n
            GROUP BY p.user_id, s.id, p.board_id ORDER BY p.user_id"""),
            {"teams": TEAMS, "n": token_count + 1},
        ).all()
        exporter_sid = db.session.scalar(text("SELECT id FROM auth_sessions WHERE user_id = 1"))
        with app.test_request_context():

            def token(user_id, sid):
                return create_access_token(
                    identity=str(user_id), additional_claims={"sid": str(sid)}, expires_delta=timedelta(days=1)
                )

            for user_id, sid, board_id, category_id, team_id, list_id in rows:
                lines.append(f"{token(user_id, sid)} {board_id} {category_id} {team_id} {list_id}")
            exporter = token(1, exporter_sid)
    token_path.parent.mkdir(parents=True, exist_ok=True)
    token_path.write_text("\n".join(lines) + "\n")
    token_path.with_name("exporter.txt").write_text(exporter + "\n")
    print(
        f"seeded {USERS} users, {GOALS} goals, {HABITS} habits, {TEAMS} teams / {TASKS} tasks "
        f"in {time.perf_counter() - started:.1f}s; {len(lines)} tokens in {token_path}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("bench/.run/tokens.txt"))
    parser.add_argument("--tokens", type=int, default=1000)
    args = parser.parse_args()
    seed(args.out, args.tokens)
