"""The ceiling: a bare Flask endpoint returning a constant JSON list of 20 goal-shaped objects.

Served by the same gunicorn configuration as the API (`gunicorn --config gunicorn.conf.py bench.ceiling:app`),
it is what this machine can do at all with Flask under gunicorn: every API figure is reported as a ratio to it.
"""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)

GOALS = [
    {
        "id": i,
        "title": f"Goal number {i}",
        "description": f"A description of goal {i}",
        "category_id": 1 + i % 5,
        "board_id": 1,
        "status": "todo",
        "priority": "medium",
        "start_date": None,
        "due_date": "2026-12-31",
        "days_left": 30,
        "author_id": 2,
        "created_at": "2026-11-01T10:00:00+00:00",
        "updated_at": "2026-11-01T10:00:00+00:00",
    }
    for i in range(1, 21)
]


@app.get("/api/v1/goals")
def goals():
    return jsonify(GOALS)
