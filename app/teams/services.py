"""Rules of the team task manager. Visibility goes through membership: what you cannot see is NotFound (404)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select

from app.auth.models import TokenOwner, User
from app.common.pagination import HotPage
from app.common.schemas import schema_columns
from app.common.timeutil import utcnow
from app.errors import Forbidden, NotFound, ValidationFailed
from app.events.control import recheck_sockets_after_commit
from app.events.pubsub import publish_after_commit
from app.extensions import db
from app.teams import jobs
from app.teams.models import ADMIN, Task, TaskList, Team, TeamMember
from app.teams.schemas import TaskSchema

_task_schema = TaskSchema()


# --- visibility -------------------------------------------------------------------------------------


def get_team(user: User, team_id: int, *, lock: bool = False) -> Team:
    """The team with `my_role` set, if `user` is a member; locking serialises membership changes."""
    stmt = (
        select(Team, TeamMember.role)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(Team.id == team_id, TeamMember.user_id == user.id)
    )
    if lock:
        stmt = stmt.with_for_update(of=Team)
    row = db.session.execute(stmt).first()
    if row is None:
        raise NotFound("Team not found.")
    team, role = row
    team.my_role = role
    return team


def require_admin(team: Team) -> None:
    """Forbidden unless I am an admin of `team` (as `get_team` loaded it)."""
    if team.my_role != ADMIN:
        raise Forbidden("Only team admins may do this.")


def get_task_list(user: User, list_id: int) -> tuple[TaskList, str]:
    row = db.session.execute(
        select(TaskList, TeamMember.role)
        .join(TeamMember, TeamMember.team_id == TaskList.team_id)
        .where(TaskList.id == list_id, TeamMember.user_id == user.id)
    ).first()
    if row is None:
        raise NotFound("Task list not found.")
    return row[0], row[1]


def get_task(user: User, task_id: int) -> tuple[Task, str]:
    row = db.session.execute(
        select(Task, TeamMember.role)
        .join(TeamMember, TeamMember.team_id == Task.team_id)
        .where(Task.id == task_id, TeamMember.user_id == user.id)
    ).first()
    if row is None:
        raise NotFound("Task not found.")
    return row[0], row[1]


def is_member(user_id: int, team_id: int) -> bool:
    """Whether the user belongs to the team (the WebSocket of a team asks before relaying its events)."""
    return db.session.get(TeamMember, (team_id, user_id)) is not None


def my_teams_subquery(user: User):
    return select(TeamMember.team_id).where(TeamMember.user_id == user.id)


# --- teams --------------------------------------------------------------------------------------------


def list_teams_stmt(user: User) -> Select:
    return (
        select(Team, TeamMember.role)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == user.id)
        .order_by(Team.id)
    )


def create_team(actor: User, data: dict[str, Any]) -> Team:
    team = Team(name=data["name"], description=data.get("description", ""))
    db.session.add(team)
    db.session.flush()
    db.session.add(TeamMember(team_id=team.id, user_id=actor.id, role=ADMIN))
    db.session.flush()
    team.my_role = ADMIN
    return team


def update_team(actor: User, team_id: int, data: dict[str, Any]) -> Team:
    team = get_team(actor, team_id)
    require_admin(team)
    for key in ("name", "description"):
        if key in data:
            setattr(team, key, data[key])
    db.session.flush()
    return team


def delete_team(actor: User, team_id: int) -> None:
    team = get_team(actor, team_id, lock=True)
    require_admin(team)
    members = db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id)).all()
    db.session.delete(team)
    db.session.flush()
    for user_id in members:
        recheck_sockets_after_commit(user_id=user_id)  # their team sockets close (4403)


# --- task lists ------------------------------------------------------------------------------------


def list_lists_stmt(actor: User, team_id: int) -> Select:
    get_team(actor, team_id)
    return select(TaskList).where(TaskList.team_id == team_id).order_by(TaskList.id)


def create_list(actor: User, team_id: int, data: dict[str, Any]) -> TaskList:
    get_team(actor, team_id)
    task_list = TaskList(team_id=team_id, name=data["name"], created_by=actor.id)
    db.session.add(task_list)
    db.session.flush()
    return task_list


def _editable_list(actor: User, list_id: int) -> TaskList:
    task_list, role = get_task_list(actor, list_id)
    if role != ADMIN and task_list.created_by != actor.id:
        raise Forbidden("Only team admins or the list's creator may change it.")
    return task_list


def update_list(actor: User, list_id: int, data: dict[str, Any]) -> TaskList:
    task_list = _editable_list(actor, list_id)
    task_list.name = data["name"]
    db.session.flush()
    return task_list


def delete_list(actor: User, list_id: int) -> None:
    task_list = _editable_list(actor, list_id)
    tasks = db.session.scalars(select(Task).where(Task.list_id == list_id)).all()
    for task in tasks:
        emit_task_event("task.deleted", task)
    db.session.delete(task_list)
    db.session.flush()


# --- tasks ----------------------------------------------------------------------------------------------


def emit_task_event(kind: str, task: Task, extra_users: tuple[int | None, ...] = ()) -> None:
    """Queue a task event for the team and the assignee's user channel, published after commit."""
    event = {"type": kind, "task": _task_schema.dump(task)}
    publish_after_commit(event, team_id=task.team_id, user_ids=(task.assignee_id, *extra_users))


def _check_assignee(team_id: int, assignee_id: int | None) -> None:
    if assignee_id is None:
        return
    exists = db.session.scalar(
        select(TeamMember.user_id).where(TeamMember.team_id == team_id, TeamMember.user_id == assignee_id)
    )
    if exists is None:
        raise ValidationFailed({"assignee_id": ["The assignee must be a member of the team."]})


def _notify_assigned(actor: User, task: Task) -> None:
    """Once the transaction commits, queue the assignee's notification (not when I assigned myself)."""
    if task.assignee_id is None or task.assignee_id == actor.id:
        return
    jobs.notify_assigned_after_commit(task.id, task.assignee_id)


#: The task list's columns (what TaskSchema shows): a hot list, loaded as rows rather than ORM objects.
TASK_LIST_COLUMNS = schema_columns(Task, TaskSchema)


def _list_tasks_page() -> HotPage:
    """A visible list's tasks: the page joins through my membership, so a list I cannot see yields no rows; only
    then (or past the end) does the count run, in the same statement: no row for a list I cannot see (404)."""
    list_id, user_id = bindparam("list_id", type_=Integer), bindparam("user_id", type_=Integer)
    stmt = (
        select(*TASK_LIST_COLUMNS)
        .join(TeamMember, (TeamMember.team_id == Task.team_id) & (TeamMember.user_id == user_id))
        .where(Task.list_id == list_id)
        .order_by(Task.id)
    )
    visible = (
        select(TaskList.id)
        .join(TeamMember, TeamMember.team_id == TaskList.team_id)
        .where(TaskList.id == list_id, TeamMember.user_id == user_id)
    )
    count = select(select(func.count()).select_from(stmt.order_by(None).subquery()).scalar_subquery())
    return HotPage(stmt, count=count.where(visible.exists()))


_LIST_TASKS = _list_tasks_page()


def list_tasks(actor: User | TokenOwner, list_id: int, pagination_parameters: Any) -> list[dict[str, Any]]:
    """One page of a visible list's tasks, as rows: one statement, a page past the end and a 404 included."""
    rows = _LIST_TASKS({"list_id": list_id, "user_id": actor.id}, pagination_parameters)
    if rows is None:
        raise NotFound("Task list not found.")
    return rows


def search_tasks_stmt(actor: User, filters: dict[str, Any]) -> Select:
    """Tasks of every team I belong to, filtered; one statement whatever the page size."""
    stmt = select(Task).where(Task.team_id.in_(my_teams_subquery(actor)))
    assignee = filters.get("assignee")
    if assignee is not None:
        stmt = stmt.where(Task.assignee_id == (actor.id if assignee == "me" else int(assignee)))
    if "done" in filters:
        stmt = stmt.where(Task.is_done.is_(filters["done"]))
    if "overdue" in filters:
        stmt = stmt.where(Task.is_overdue.is_(filters["overdue"]))
    if "team" in filters:
        stmt = stmt.where(Task.team_id == filters["team"])
    return stmt.order_by(Task.id)


def create_task(actor: User, list_id: int, data: dict[str, Any]) -> Task:
    task_list, _role_ = get_task_list(actor, list_id)
    _check_assignee(task_list.team_id, data.get("assignee_id"))
    now = utcnow()
    task = Task(
        list_id=task_list.id,
        team_id=task_list.team_id,
        title=data["title"],
        description=data.get("description", ""),
        assignee_id=data.get("assignee_id"),
        assigned_at=now if data.get("assignee_id") else None,
        deadline=data.get("deadline"),
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(task)
    db.session.flush()
    emit_task_event("task.created", task)
    _notify_assigned(actor, task)
    return task


def update_task(actor: User, task_id: int, data: dict[str, Any]) -> Task:
    task, _role_ = get_task(actor, task_id)
    previous_assignee = task.assignee_id
    if "list_id" in data and data["list_id"] != task.list_id:
        target = db.session.scalar(select(TaskList).where(TaskList.id == data["list_id"]))
        if target is None or target.team_id != task.team_id:
            raise ValidationFailed({"list_id": ["Tasks can move only between lists of the same team."]})
        task.list_id = target.id
    if "assignee_id" in data and data["assignee_id"] != task.assignee_id:
        _check_assignee(task.team_id, data["assignee_id"])
        task.assignee_id = data["assignee_id"]
        task.assigned_at = utcnow() if data["assignee_id"] else None
    if "deadline" in data:
        new, old = data["deadline"], task.deadline
        if new is None or (old is not None and new > old) or (old is None):
            task.is_overdue = False  # a later deadline re-arms the overdue alert
        task.deadline = new
    for key in ("title", "description"):
        if key in data:
            setattr(task, key, data[key])
    task.updated_at = utcnow()
    db.session.flush()
    emit_task_event("task.updated", task, extra_users=(previous_assignee,))
    if task.assignee_id != previous_assignee:
        _notify_assigned(actor, task)
    return task


def delete_task(actor: User, task_id: int) -> None:
    task, role = get_task(actor, task_id)
    if role != ADMIN and task.created_by != actor.id:
        raise Forbidden("Only team admins or the task's creator may delete it.")
    emit_task_event("task.deleted", task)
    db.session.delete(task)
    db.session.flush()


def my_tasks_with_deadlines(actor: User) -> list:
    """Tasks assigned to `actor` that have a deadline, in teams I belong to (done ones too), as rows; one
    statement. The calendar feed renders these."""
    stmt = (
        search_tasks_stmt(actor, {"assignee": "me"})
        .with_only_columns(
            Task.id,
            Task.title,
            Task.description,
            Task.deadline,
            Task.is_done,
            Task.is_overdue,
            Task.created_at,
            Task.updated_at,
        )
        .where(Task.deadline.is_not(None))
    )
    return db.session.execute(stmt).all()


def complete_task(actor: User, task_id: int) -> Task:
    """Mark done (idempotent); any member of the team may. Events go out when the caller commits."""
    task, _role_ = get_task(actor, task_id)
    return _complete(task)


def complete_my_task(actor: User, task_id: int) -> Task:
    """Mark done a task assigned to `actor` (the bot's /done: a chat completes only my own tasks, even in my
    teams). Another's task in my team is Forbidden, a task I cannot see NotFound."""
    task, _role_ = get_task(actor, task_id)
    if task.assignee_id != actor.id:
        raise Forbidden("Only the assignee may complete this task here.")
    return _complete(task)


def _complete(task: Task) -> Task:
    if not task.is_done:
        task.is_done = True
        task.done_at = task.updated_at = utcnow()
        db.session.flush()
        emit_task_event("task.done", task)
    return task


def reopen_task(actor: User, task_id: int) -> Task:
    """Undo done (idempotent)."""
    task, _role_ = get_task(actor, task_id)
    if task.is_done:
        task.is_done = False
        task.done_at = None
        task.updated_at = utcnow()
        db.session.flush()
        emit_task_event("task.updated", task)
    return task
