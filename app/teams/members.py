"""Team membership: who is in a team and with which role; the last admin stays, a leaver's open tasks are
unassigned in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, update

from app.auth.models import User
from app.auth.services import get_user_by_username
from app.common.timeutil import utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.events.control import recheck_sockets_after_commit
from app.extensions import db
from app.teams.models import ADMIN, Task, TeamMember
from app.teams.services import emit_task_event, get_team, require_admin


def _role(user: User, team_id: int) -> str | None:
    return db.session.scalar(
        select(TeamMember.role).where(TeamMember.team_id == team_id, TeamMember.user_id == user.id)
    )


def list_members_stmt(actor: User, team_id: int) -> Select:
    get_team(actor, team_id)
    return (
        select(TeamMember.user_id, User.username, TeamMember.role, TeamMember.joined_at)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id == team_id)
        .order_by(TeamMember.joined_at, TeamMember.user_id)
    )


def _member_row(team_id: int, user_id: int) -> dict[str, Any]:
    row = db.session.execute(
        select(TeamMember.user_id, User.username, TeamMember.role, TeamMember.joined_at)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id == team_id, TeamMember.user_id == user_id)
    ).one()
    return row._asdict()


def add_member(actor: User, team_id: int, data: dict[str, Any]) -> dict[str, Any]:
    team = get_team(actor, team_id, lock=True)
    require_admin(team)
    user = get_user_by_username(data["username"])
    if user is None or not user.is_active:
        raise ValidationFailed({"username": ["No such user."]})
    if _role(user, team_id) is not None:
        raise Conflict("This user is already a member of the team.")
    db.session.add(TeamMember(team_id=team_id, user_id=user.id, role=data["role"]))
    db.session.flush()
    return _member_row(team_id, user.id)


def _admin_count(team_id: int) -> int:
    return db.session.scalar(select(func.count()).where(TeamMember.team_id == team_id, TeamMember.role == ADMIN))


def _get_member(team_id: int, user_id: int) -> TeamMember:
    member = db.session.get(TeamMember, (team_id, user_id))
    if member is None:
        raise NotFound("Member not found.")
    return member


def update_member(actor: User, team_id: int, user_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Change a member's role (admins only); the last admin cannot be demoted."""
    team = get_team(actor, team_id, lock=True)
    require_admin(team)
    member = _get_member(team_id, user_id)
    if member.role == ADMIN and data["role"] != ADMIN and _admin_count(team_id) <= 1:
        raise Conflict("The last admin of a team cannot be demoted.")
    member.role = data["role"]
    db.session.flush()
    return _member_row(team_id, user_id)


def remove_member(actor: User, team_id: int, user_id: int) -> None:
    """Admins remove anyone, a member may leave; their open tasks become unassigned in the same transaction."""
    team = get_team(actor, team_id, lock=True)
    if user_id != actor.id:
        require_admin(team)
    member = _get_member(team_id, user_id)
    if member.role == ADMIN and _admin_count(team_id) <= 1:
        raise Conflict("The last admin cannot leave or be removed; make someone else admin first.")
    db.session.delete(member)
    unassigned = db.session.scalars(
        update(Task)
        .where(Task.team_id == team_id, Task.assignee_id == user_id, Task.is_done.is_(False))
        .values(assignee_id=None, assigned_at=None, updated_at=utcnow())
        .returning(Task),
        execution_options={"synchronize_session": False},
    ).all()
    db.session.flush()
    for task in unassigned:
        emit_task_event("task.updated", task, extra_users=(user_id,))
    recheck_sockets_after_commit(user_id=user_id)  # their sockets on this team close (4403), on any process
