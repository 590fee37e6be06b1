"""Comments on goals: anyone who may write to the goal comments, only the author changes a comment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.errors import Forbidden
from app.extensions import db
from app.goals import access
from app.goals.models import READER, WRITER, Comment


def comments_stmt(actor: User, goal_id: int):
    access.get_goal(actor, goal_id, READER)
    return (
        select(Comment)
        .options(joinedload(Comment.author))
        .where(Comment.goal_id == goal_id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )


def create_comment(actor: User, goal_id: int, data: dict[str, Any]) -> Comment:
    goal, _ = access.get_goal(actor, goal_id, WRITER)
    comment = Comment(goal_id=goal.id, author_id=actor.id, author=actor, text=data["text"])
    db.session.add(comment)
    db.session.flush()
    return comment


def _own_comment(actor: User, comment_id: int) -> Comment:
    comment = access.get_comment(actor, comment_id)
    if comment.author_id != actor.id:
        raise Forbidden("Only the author may change a comment.")
    return comment


def update_comment(actor: User, comment_id: int, data: dict[str, Any]) -> Comment:
    comment = _own_comment(actor, comment_id)
    comment.text = data["text"]
    db.session.flush()
    return comment


def delete_comment(actor: User, comment_id: int) -> None:
    db.session.delete(_own_comment(actor, comment_id))
    db.session.flush()
