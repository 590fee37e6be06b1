"""`flask seed-demo`: a small, believable data set built through the same services and schemas as the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.auth import services as auth
from app.auth.models import User
from app.common.timeutil import local_today, utcnow
from app.goals import participants as goal_participants
from app.goals import schemas as goal_schemas
from app.goals import services as goals
from app.habits import schemas as habit_schemas
from app.habits import services as habits
from app.teams import members as team_members
from app.teams import schemas as team_schemas
from app.teams import services as teams

DEMO_USERS = (("demo", "Дарья", "Смирнова"), ("alice", "Alice", "Liddell"), ("bob", "Борис", "Петров"))


def _load(schema_class: type, data: dict[str, Any]) -> dict[str, Any]:
    return schema_class().load(data)


def seed_demo(password: str) -> dict[str, int] | None:
    """Create the demo data set, or return None when it exists already (the command is safe to rerun)."""
    if auth.get_user_by_username("demo") is not None:
        return None
    users: dict[str, User] = {}
    for username, first, last in DEMO_USERS:
        users[username] = auth.create_user(
            username=username,
            password=password,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.kalendar.test",
        )
    demo, alice, bob = users["demo"], users["alice"], users["bob"]
    today = local_today(demo.timezone)

    board = goals.create_board(demo, _load(goal_schemas.BoardWriteSchema, {"title": "Семья и дом"}))
    goal_participants.add_participant(
        demo, board.id, _load(goal_schemas.ParticipantCreateSchema, {"username": "alice", "role": "writer"})
    )
    goal_participants.add_participant(
        demo, board.id, _load(goal_schemas.ParticipantCreateSchema, {"username": "bob", "role": "reader"})
    )
    counts = {"users": len(users), "boards": 1, "goals": 0, "habits": 0, "tasks": 0}
    plan = {
        "Здоровье": [("Пробежать полумарафон", "high", 60), ("Записаться к стоматологу", "medium", 5)],
        "Учёба": [("Закончить курс по PostgreSQL", "critical", 14), ("Прочитать «Атомные привычки»", "low", 30)],
        "Дом": [("Починить кран на кухне", "medium", -2), ("Разобрать балкон", "low", None)],
    }
    for title, items in plan.items():
        category = goals.create_category(
            demo, _load(goal_schemas.CategoryCreateSchema, {"title": title, "board_id": board.id})
        )
        for goal_title, priority, due_in in items:
            data = {"title": goal_title, "category_id": category.id, "priority": priority}
            if due_in is not None:
                data["due_date"] = (today + timedelta(days=due_in)).isoformat()
            goals.create_goal(demo, _load(goal_schemas.GoalCreateSchema, data))
            counts["goals"] += 1

    tea = habits.create_habit(
        demo,
        _load(
            habit_schemas.HabitWriteSchema,
            {
                "action": "выпить чашку чая",
                "place": "на кухне",
                "time": "07:45",
                "periodicity_days": 1,
                "duration_seconds": 60,
                "is_pleasant": True,
            },
        ),
    )
    for data in (
        {
            "action": "сделать зарядку",
            "place": "дома",
            "time": "07:30",
            "periodicity_days": 1,
            "duration_seconds": 120,
            "related_habit_id": tea.id,
            "is_public": True,
        },
        {
            "action": "прочитать 10 страниц",
            "place": "в метро",
            "time": "08:40",
            "periodicity_days": 1,
            "duration_seconds": 90,
            "reward": "серия любимого сериала",
        },
        {
            "action": "полить цветы",
            "place": "на балконе",
            "time": "19:00",
            "periodicity_days": 3,
            "duration_seconds": 60,
        },
    ):
        habits.create_habit(demo, _load(habit_schemas.HabitWriteSchema, data))
    counts["habits"] = 4

    team = teams.create_team(
        demo, _load(team_schemas.TeamCreateSchema, {"name": "Kalendar core", "description": "Демо-команда"})
    )
    for username in ("alice", "bob"):
        team_members.add_member(
            demo, team.id, _load(team_schemas.MemberCreateSchema, {"username": username, "role": "member"})
        )
    sprint = teams.create_list(demo, team.id, _load(team_schemas.TaskListWriteSchema, {"name": "Спринт 1"}))
    now = utcnow()
    for title, assignee, hours in (
        ("Настроить CI", alice, 26),
        ("Написать README", bob, 50),
        ("Проверить миграции", demo, 4),
        ("Разобрать старые задачи", None, None),
    ):
        data: dict[str, Any] = {"title": title}
        if assignee is not None:
            data["assignee_id"] = assignee.id
        if hours is not None:
            data["deadline"] = (now + timedelta(hours=hours)).isoformat()
        teams.create_task(demo, sprint.id, _load(team_schemas.TaskCreateSchema, data))
        counts["tasks"] += 1
    return counts
