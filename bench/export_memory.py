"""Export throughput and memory: seeds N goals, streams the CSV/JSON export, prints rows/s and RSS growth.

    TEST_DATABASE_URL=postgresql://... python bench/export_memory.py            # 10k and 100k, csv and json
    TEST_DATABASE_URL=postgresql://... python bench/export_memory.py --rows 50000 --format csv

Each measurement runs in a fresh process so that peaks do not carry over. It rebuilds the tables of
the database it is given: point it at a test database only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(rows: int, fmt: str) -> None:
    from sqlalchemy import text

    from app import create_app
    from app.auth import services as auth
    from app.config import TestConfig
    from app.extensions import db
    from app.goals.models import Category
    from app.goals.services import create_board

    app = create_app(TestConfig)
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = auth.create_user(username="bench", password=None)
        board = create_board(user, {"title": "Bench"})
        category = Category(title="Категория", board_id=board.id, author_id=user.id)
        db.session.add(category)
        db.session.flush()
        db.session.execute(
            text("""
            INSERT INTO goals (title, title_folded, description, category_id, board_id, status, priority,
                               due_date, author_id, created_at, updated_at)
            SELECT 'Цель номер ' || i, 'цель номер ' || i, 'описание, "с кавычками"', :c, :b,
                   (ARRAY['todo','in_progress','done','overdue'])[1 + i % 4], 1 + i % 4,
                   DATE '2026-01-01' + (i % 700), :u, now(), now()
            FROM generate_series(1, :n) AS i"""),
            {"c": category.id, "b": board.id, "u": user.id, "n": rows},
        )
        tokens = auth.start_session(user)
        db.session.commit()
        db.session.execute(text("ANALYZE goals"))

    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    client.get("/api/v1/goals/export?format=json&search=nothing", headers=headers)  # warm up imports/pools
    baseline = peak = rss_kib()
    started = time.perf_counter()
    resp = client.get(f"/api/v1/goals/export?format={fmt}", headers=headers, buffered=False)
    size = 0
    for chunk in resp.response:
        size += len(chunk)
        peak = max(peak, rss_kib())
    resp.close()
    elapsed = time.perf_counter() - started
    with app.app_context():
        db.drop_all()
    print(
        f"{fmt:4} rows={rows:>7} bytes={size:>10} time={elapsed:6.2f}s rows/s={rows / elapsed:>9.0f} "
        f"rss_growth={(peak - baseline) / 1024:6.1f} MiB (baseline {baseline / 1024:.1f} MiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int)
    parser.add_argument("--format", default="csv", choices=("csv", "json"))
    args = parser.parse_args()
    if args.rows:
        measure(args.rows, args.format)
        return
    for fmt in ("csv", "json"):
        for rows in (10_000, 100_000):
            subprocess.run([sys.executable, __file__, "--rows", str(rows), "--format", fmt], check=True)


if __name__ == "__main__":
    main()
