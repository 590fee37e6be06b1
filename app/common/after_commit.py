"""The one after-commit hook: a side effect runs only once the transaction that caused it has committed.

Who registers: the service that causes the side effect (schedule or cancel a reminder, publish a task event,
enqueue a notification or a link confirmation) calls `after_commit(action, "what")` next to the change.
Routes, the bot, the admin, jobs and the CLI only call services and commit; they never remember a side
effect by hand.

The error policy, the same for every side effect:

* Rollback (of the transaction, or of the savepoint the action was registered in): the action is dropped.
* Commit: the actions run in the order they were registered. One that raises is logged with its label and
  skipped; the others still run and the commit stands, so the caller answers its success — never a 500
  after the commit (a client retrying such a 500 would create a duplicate).
* What a failed action loses is rebuilt where it matters: reminder jobs are a cache of PostgreSQL, rebuilt
  by `flask reminders sync` and at every worker start. A lost realtime event or toast is not replayed
  (clients reload on reconnect); a lost notification or link confirmation is only logged.
* Actions talk to Redis or Telegram; they do not use the session that just committed.

A runner that owns a unit of work may hold the actions of its commits until the unit ends (`held()`): the
RQ job runner (a job may reschedule its own id only after RQ has recorded the job's end) and the bot (replies
leave once the update's work is committed, and what sending writes is committed after them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db

log = logging.getLogger(__name__)

_PENDING = "kalendar_after_commit"


@dataclass(frozen=True)
class Action:
    run: Callable[[], object]
    label: str
    transaction: SessionTransaction  # where it was registered: its rollback drops the action


_held: ContextVar[tuple[list[Action], ...]] = ContextVar("after_commit_held", default=())


def after_commit(action: Callable[[], object], label: str, session: Session | None = None) -> None:
    """Run `action` once the current transaction of `session` (the app's session by default) commits."""
    session = session or db.session()
    if not session.in_transaction():
        session.connection()  # begin, so the commit the caller is about to make is the one we wait for
    innermost = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append(Action(action, label, innermost))


def run_actions(actions: Iterable[Action]) -> None:
    """Run committed actions under the policy above: a failure is logged and skipped, never raised."""
    for action in actions:
        try:
            action.run()
        except Exception:  # noqa: BLE001  (the data is committed; see the policy in the module docstring)
            log.exception("after commit: %s failed (the commit stands)", action.label)


@contextmanager
def held() -> Iterator[list[Action]]:
    """Collect the actions of every commit inside the block instead of running them; the caller runs them
    (`run_actions`) when its unit of work is over."""
    collected: list[Action] = []
    token = _held.set((*_held.get(), collected))
    try:
        yield collected
    finally:
        _held.reset(token)


def holding() -> bool:
    """True inside `held()`: commits now hand their actions to the runner instead of running them."""
    return bool(_held.get())


def _on_commit(session: Session) -> None:
    actions = session.info.pop(_PENDING, [])
    frames = _held.get()
    if frames:
        frames[-1].extend(actions)
    else:
        run_actions(actions)


def _on_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit (close, rollback)
        session.info.pop(_PENDING, None)


def _on_rollback(session: Session, rolled_back: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    session.info[_PENDING] = [a for a in pending if not _inside(a.transaction, rolled_back)]


def _inside(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def install_after_commit_hook() -> None:
    """Listen to every Session's commits and rollbacks (idempotent; `create_app` calls it)."""
    if not event.contains(Session, "after_commit", _on_commit):
        event.listen(Session, "after_commit", _on_commit)
        event.listen(Session, "after_soft_rollback", _on_rollback)
        event.listen(Session, "after_transaction_end", _on_end)
