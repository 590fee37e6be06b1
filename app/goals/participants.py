"""Who takes part in a board and with which role: add, change, remove (or leave); a board keeps an owner."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.auth.services import get_user_by_username
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.goals import access
from app.goals.models import OWNER, READER, BoardParticipant


def participants_stmt(actor: User, board_id: int):
    access.get_board(actor, board_id, READER)
    return (
        select(BoardParticipant)
        .options(joinedload(BoardParticipant.user))
        .where(BoardParticipant.board_id == board_id)
        .order_by(BoardParticipant.created_at, BoardParticipant.id)
    )


def add_participant(actor: User, board_id: int, data: dict[str, Any]) -> BoardParticipant:
    board = access.get_board(actor, board_id, OWNER)
    user = get_user_by_username(data["username"])
    if user is None or not user.is_active:
        # 422 on the field, as teams do: a 404 here would read as "no such board".
        raise ValidationFailed({"username": ["No such user."]})
    exists = db.session.scalar(
        select(BoardParticipant.id).where(BoardParticipant.board_id == board.id, BoardParticipant.user_id == user.id)
    )
    if exists is not None:
        raise Conflict("This user already takes part in the board.", {"json": {"username": ["Already a participant."]}})
    participant = BoardParticipant(board_id=board.id, user_id=user.id, role=data["role"], user=user)
    db.session.add(participant)
    db.session.flush()
    return participant


def _participant(board_id: int, user_id: int) -> BoardParticipant:
    participant = db.session.scalar(
        select(BoardParticipant)
        .options(joinedload(BoardParticipant.user))
        .where(BoardParticipant.board_id == board_id, BoardParticipant.user_id == user_id)
    )
    if participant is None:
        raise NotFound("Participant not found.")
    return participant


def _ensure_another_owner(board_id: int, leaving: BoardParticipant) -> None:
    """The last owner cannot go. Owner rows are locked so two owners cannot both step down at once."""
    if leaving.role != OWNER:
        return
    owners = db.session.scalars(
        select(BoardParticipant.id)
        .where(BoardParticipant.board_id == board_id, BoardParticipant.role == OWNER)
        .order_by(BoardParticipant.id)
        .with_for_update()
    ).all()
    if len(owners) <= 1:
        raise Conflict("A board needs at least one owner: make someone else owner first.")


def update_participant(actor: User, board_id: int, user_id: int, data: dict[str, Any]) -> BoardParticipant:
    access.get_board(actor, board_id, OWNER)
    participant = _participant(board_id, user_id)
    if data["role"] != OWNER:
        _ensure_another_owner(board_id, participant)
    participant.role = data["role"]
    db.session.flush()
    return participant


def acting_owner(board_id: int) -> User | None:
    """Whom an operator (the admin site) acts as on a board: its first owner, who may always write."""
    return db.session.scalar(
        select(User)
        .join(BoardParticipant, BoardParticipant.user_id == User.id)
        .where(BoardParticipant.board_id == board_id, BoardParticipant.role == OWNER)
        .order_by(BoardParticipant.id)
        .limit(1)
    )


def remove_participant(actor: User, board_id: int, user_id: int) -> None:
    """Owners remove anyone; everybody may remove themselves (leave)."""
    access.get_board(actor, board_id, OWNER if user_id != actor.id else READER)
    participant = _participant(board_id, user_id)
    _ensure_another_owner(board_id, participant)
    db.session.delete(participant)
    db.session.flush()
