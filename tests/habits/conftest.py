"""Habit fixtures: a valid body and a habit factory through the API."""

from __future__ import annotations

from typing import Any

import pytest

BASE = "/api/v1/habits"


def body(**overrides: Any) -> dict[str, Any]:
    data = {
        "action": "сделать 10 приседаний",
        "place": "дома",
        "time": "07:30",
        "periodicity_days": 1,
        "duration_seconds": 60,
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_habit(api):
    def make(who, **overrides):
        response = api.post(BASE, who, json=body(**overrides))
        assert response.status_code == 201, response.json
        return response.json

    return make
