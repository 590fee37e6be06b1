"""Background jobs of the team task manager: overdue scan and notifications (assigned, overdue).

Every notification is recorded once per person per event in `task_notifications` (unique dedupe_key,
inserted with ON CONFLICT DO NOTHING): a retried, duplicated or concurrent job finds the row taken and
sends nothing. The overdue scan flags tasks in one UPDATE ... RETURNING, so two concurrent scans never
return the same task (the second one's WHERE no longer matches once the first has committed).
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.common import queue
from app.common.after_commit import after_commit
from app.common.timeutil import utcnow
from app.events.presence import is_online
from app.events.pubsub import publish_after_commit, publish_user_event
from app.extensions import db
from app.notify.delivery import send_to_user
from app.notify.linking import language_of
from app.notify.texts import t
from app.teams.models import Notification, Task, Team
from app.teams.schemas import TaskSchema

log = logging.getLogger(__name__)
_task_schema = TaskSchema()


def notify_assigned_after_commit(task_id: int, assignee_id: int) -> None:
    """Once the assigning transaction commits, queue the assignee's notification."""
    after_commit(
        lambda: queue.enqueue(
            notify_task_assigned,
            task_id,
            assignee_id,
            job_id=f"task-assigned-{task_id}-{assignee_id}",
            queue_name=queue.NOTIFICATIONS,
        ),
        f"queue the assignment notification of task {task_id}",
    )


# --- jobs ------------------------------------------------------------------------------------------------


def _claim(user_id: int, kind: str, task_id: int, dedupe_key: str) -> int | None:
    """Record the notification: its row id, or None if somebody already did (then nothing must be sent)."""
    inserted = db.session.scalar(
        pg_insert(Notification)
        .values(user_id=user_id, kind=kind, task_id=task_id, dedupe_key=dedupe_key, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    )
    return inserted


def _deliver(user_id: int, kind: str, level: str, notification_id: int, **values: object) -> str:
    """Online → toast on the user's socket (after commit); offline → Telegram if linked. Either way the text
    `task_<kind>_title` / `_body` is in the person's language (their chat's)."""

    def text(lang: str) -> tuple[str, str]:
        return t(lang, f"task_{kind}_title"), t(lang, f"task_{kind}_body", **values)

    if is_online(user_id):
        title, body = text(language_of(user_id))
        toast = {"type": "toast", "title": title, "body": body, "level": level}
        after_commit(lambda: publish_user_event(user_id, toast), f"toast to user {user_id}")
        return "toast"
    outcome = send_to_user(
        user_id,
        lambda lang: "\n".join(text(lang)),
        key=f"task-{notification_id}",
        capped=True,
    )
    return "telegram" if outcome in ("sent", "deferred", "folded") else "none"  # none: not linked, blocked, failed


def notify_task_assigned(task_id: int, assignee_id: int) -> None:
    """Tell the assignee about a task given to them (skipped if it was reassigned or closed meanwhile)."""
    row = db.session.execute(
        select(Task, Team.name).join(Team, Team.id == Task.team_id).where(Task.id == task_id)
    ).first()
    if row is None:
        return
    task, team_name = row
    if task.assignee_id != assignee_id or task.is_done or task.assigned_at is None:
        return
    key = f"assigned:{task_id}:{assignee_id}:{task.assigned_at.isoformat()}"
    notification_id = _claim(assignee_id, "assigned", task_id, key)
    if notification_id is None:
        return
    channel = _deliver(assignee_id, "assigned", "info", notification_id, title=task.title, team=team_name, id=task.id)
    _mark_channel(key, channel)


def notify_task_overdue(task_id: int) -> None:
    """Tell the assignee (or the creator of an unassigned task) once per deadline that it passed."""
    row = db.session.execute(
        select(Task, Team.name).join(Team, Team.id == Task.team_id).where(Task.id == task_id)
    ).first()
    if row is None:
        return
    task, team_name = row
    recipient = task.assignee_id or task.created_by
    if recipient is None or task.is_done or not task.is_overdue or task.deadline is None:
        return
    key = f"overdue:{task_id}:{recipient}:{task.deadline.isoformat()}"
    notification_id = _claim(recipient, "overdue", task_id, key)
    if notification_id is None:
        return
    deadline = f"{task.deadline:%Y-%m-%d %H:%M}"
    values = {"title": task.title, "team": team_name, "id": task.id, "deadline": deadline}
    channel = _deliver(recipient, "overdue", "warning", notification_id, **values)
    _mark_channel(key, channel)


def _mark_channel(key: str, channel: str) -> None:
    db.session.execute(update(Notification).where(Notification.dedupe_key == key).values(channel=channel))


def mark_overdue_tasks() -> int:
    """Every minute: flag open tasks past their deadline in one statement, one notification job per task."""
    now = utcnow()
    rows = (
        db.session.execute(
            update(Task)
            .where(
                Task.is_done.is_(False), Task.is_overdue.is_(False), Task.deadline.is_not(None), Task.deadline <= now
            )
            .values(is_overdue=True, updated_at=now)
            .returning(Task),
            execution_options={"synchronize_session": False},
        )
        .scalars()
        .all()
    )
    for task in rows:
        event = {"type": "task.updated", "task": _task_schema.dump(task)}
        publish_after_commit(event, team_id=task.team_id, user_ids=(task.assignee_id,))
        job_id = f"task-overdue-{task.id}-{int(task.deadline.timestamp())}"
        after_commit(
            lambda t=task.id, j=job_id: queue.enqueue(notify_task_overdue, t, job_id=j, queue_name=queue.NOTIFICATIONS),
            f"queue the overdue notification of task {task.id}",
        )
    return len(rows)
