"""Team rules other interfaces call instead of re-implementing them (the bot's /done)."""

from __future__ import annotations

import pytest

from app.auth.models import User
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.teams import services


def test_complete_my_task_only_for_the_assignee(api, world):
    admin, member, stranger = (db.session.get(User, s.id) for s in (world.admin, world.member, world.stranger))
    with pytest.raises(Forbidden):  # unassigned: a team member sees it but it is not theirs
        services.complete_my_task(member, world.task_id)
    resp = api.patch(f"/api/v1/tasks/{world.task_id}", world.admin, json={"assignee_id": world.member.id})
    assert resp.status_code == 200, resp.json
    with pytest.raises(Forbidden):  # the admin may complete it in the app, but it is not assigned to them
        services.complete_my_task(admin, world.task_id)
    with pytest.raises(NotFound):
        services.complete_my_task(stranger, world.task_id)
    assert db.session.get(services.Task, world.task_id).is_done is False

    task = services.complete_my_task(member, world.task_id)
    assert task.is_done and task.done_at is not None
