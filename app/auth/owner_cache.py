"""An access token's owner held in Redis between requests, so a repeated token is checked without PostgreSQL.

Why: the owner query (user columns and session state) and the profile query were half of `/auth/me`'s cost
and the fixed cost of every authenticated request (bench/RESULTS.md). One Redis round trip is cheaper.

Layout, per user, the hash `kalendar:owner:<user_id>`:

* `epoch`: bumped whenever a row an entry was read from changes (the user, their sessions, their Telegram
  link, their calendar feed); `kalendar:owner-epoch` is bumped by bulk statements on those tables, whose
  rows' owners are not known.
* `s:<session id>`: the user's columns (not the password hash) and the session's state; `p:<session id>`: the
  profile fields other domains add. Session ids are never reused, so an entry can never describe another
  session, even after the database is restored.

Each entry carries the two epochs read before PostgreSQL was asked, and that time. Why it is never stale:

* A hit needs both epochs unchanged and an entry younger than AUTH_CACHE_MAX_AGE; is_active, the revocation
  and the absolute lifetime are still checked on it (app/auth/tokens.py).
* A store lands only if both epochs still equal those read before PostgreSQL was asked (one Lua script): a
  read that raced a change is dropped.
* A change bumps from its flush, before the commit, and again after it (for a reader that read the old row
  between the first bump and the commit).
* A user's hash expires 2 x AUTH_CACHE_MAX_AGE after its last write, so an epoch read before a bump can only
  come back once the reader's entry is already too old to count.
* Redis unreachable: PostgreSQL checks the tokens, nothing is stored, and a change is written all the same
  (refusing a logout would leave the session live for its whole lifetime). A process that failed to reach
  Redis bumps the global epoch before it trusts the cache again, so a change it could not announce is never
  answered from an older entry by it, nor by any process once one of them is back. What remains: a process
  cut off from a Redis the others still reach; its changes can be missed by them for AUTH_CACHE_MAX_AGE.
* Refresh tokens and the sockets' rechecks always ask PostgreSQL.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
import redis
from flask import current_app, g, has_app_context
from redis.commands.core import Script
from redis.exceptions import NoScriptError
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.auth.models import AuthSession, User
from app.common.after_commit import after_commit
from app.extensions import redis_store

log = logging.getLogger(__name__)

USER_PREFIX = "kalendar:owner:"
GLOBAL_EPOCH = "kalendar:owner-epoch"

# Both epochs and both entries of one session, in one round trip.
_READ = Script(
    None,
    b"""
local user = redis.call('HMGET', KEYS[1], 'epoch', ARGV[1], ARGV[2])
return {user[1], redis.call('GET', KEYS[2]), user[2], user[3]}
""",
)
# Store only if neither epoch moved since the reader asked for them.
_STORE = Script(
    None,
    b"""
local epoch = redis.call('HGET', KEYS[1], 'epoch') or '0'
local global = redis.call('GET', KEYS[2]) or '0'
if epoch ~= ARGV[1] or global ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
""",
)

_LOOKUP = "owner_lookup"

_warned = 0.0
_suspect = False  # this process failed to reach Redis since it last bumped the global epoch


def _unreachable(message: str) -> None:
    """Remember to distrust the cache; say so once a minute at most (in an outage every request would)."""
    global _suspect, _warned
    _suspect = True
    if time.monotonic() - _warned >= 60:
        _warned = time.monotonic()
        log.warning("owner cache: Redis did not answer, %s", message)


@dataclass(slots=True)
class Lookup:
    """What one request read from Redis for its token; `epochs` is None when nothing may be stored."""

    user_id: int
    session_id: str
    epochs: tuple[str, str] | None
    started: float
    owner: Any = None
    profile: Any = None


def _max_age() -> int:
    return current_app.config["AUTH_CACHE_MAX_AGE"]


def _key(user_id: int) -> str:
    return f"{USER_PREFIX}{user_id}"


def _entry(raw: bytes | None, epochs: tuple[str, str], now: float, max_age: int) -> Any:
    if raw is None:
        return None
    epoch, global_epoch, stored, value = orjson.loads(raw)
    if (epoch, global_epoch) != epochs or not 0 <= now - stored < max_age:
        return None
    return value


def lookup(user_id: int, session_id: uuid.UUID) -> Lookup:
    """The cached owner and profile of this session, when still valid; remembered for the request."""
    sid = session_id.hex
    started = time.time()
    held = Lookup(user_id, sid, None, started)
    max_age = _max_age()
    if max_age > 0:
        try:
            if _suspect:
                _trust_again()
            epoch, global_epoch, owner, profile = _evalsha(
                _READ, (_key(user_id), GLOBAL_EPOCH), (f"s:{sid}", f"p:{sid}")
            )
        except redis.RedisError:
            _unreachable("PostgreSQL checks the tokens")
        else:
            held.epochs = ((epoch or b"0").decode(), (global_epoch or b"0").decode())
            held.owner = _entry(owner, held.epochs, started, max_age)
            held.profile = _entry(profile, held.epochs, started, max_age)
    g.setdefault(_LOOKUP, {})[user_id] = held
    return held


def _evalsha(script: Script, keys: tuple[str, ...], args: tuple[Any, ...]) -> Any:
    """`script(keys, args)` straight on a socket (app/common/redis_direct.py): the read runs on every
    authenticated request (the store on every miss: each token's first request and once an entry is too old),
    and redis-py's layers around a command cost more than the rest of the lookup. A server that does not know
    the script (restarted, flushed) is sent it."""
    direct = redis_store.direct
    try:
        return direct.execute("EVALSHA", script.sha, len(keys), *keys, *args)
    except NoScriptError:
        script.sha = direct.client.script_load(script.script)
        return direct.execute("EVALSHA", script.sha, len(keys), *keys, *args)


def _store(held: Lookup | None, field: str, value: Any) -> None:
    if held is None or held.epochs is None:
        return
    max_age = _max_age()
    entry = orjson.dumps([*held.epochs, held.started, value])
    try:
        _evalsha(
            _STORE, (_key(held.user_id), GLOBAL_EPOCH), (*held.epochs, f"{field}:{held.session_id}", entry, 2 * max_age)
        )
    except redis.RedisError:
        _unreachable("entries are not stored")


def _trust_again() -> None:
    """After an outage: end every entry, as this process may have written changes it could not announce."""
    global _suspect
    redis_store.client.incr(GLOBAL_EPOCH)
    _suspect = False


def store_owner(held: Lookup, value: Any) -> None:
    """Keep the owner PostgreSQL just returned (a JSON value), if nothing changed since `held` was read."""
    _store(held, "s", value)


def _held(user_id: int) -> Lookup | None:
    return g.get(_LOOKUP, {}).get(user_id) if has_app_context() else None


def cached_profile(user_id: int) -> Any:
    """The profile fields of the request's token owner, if the cache held them; else None."""
    held = _held(user_id)
    return held.profile if held is not None else None


def store_profile(user_id: int, value: Any) -> None:
    """Keep the profile fields PostgreSQL just returned for the request's token owner."""
    _store(_held(user_id), "p", value)


# --- invalidation -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Watched:
    """How a table's changes reach the cache: `owner` names the attribute that holds a row's user. New rows
    matter only if `new_rows` (a new session has no entry yet; a new Telegram link changes a profile)."""

    owner: str
    new_rows: bool = True


_WATCHED: dict[str, Watched] = {}  # by table name


def watch(model: type, watched: Watched) -> None:
    """Entries depend on `model`'s rows."""
    _WATCHED[model.__table__.name] = watched


def _bump(user_ids: set[int], everyone: bool) -> None:
    ttl = 2 * _max_age()
    try:
        pipe = redis_store.client.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.hincrby(_key(user_id), "epoch", 1)
            pipe.expire(_key(user_id), ttl)
        if everyone:
            pipe.incr(GLOBAL_EPOCH)
        pipe.execute()
    except redis.RedisError:
        _unreachable("a change is written unannounced")


def _changed(session: Session, user_ids: set[int], everyone: bool) -> None:
    """Bump now and again after the commit; forget what this request read about the rows before the change."""
    _bump(user_ids, everyone)
    if has_app_context():
        for held in g.get(_LOOKUP, {}).values():
            if everyone or held.user_id in user_ids:
                held.epochs = held.owner = held.profile = None
    after_commit(lambda: _bump(user_ids, everyone), "owner cache: bump after commit", session)


def _concerns(row: Any, watched: Watched) -> set[int]:
    """The users a flushed row concerns: the one it names, and the one it named before the flush."""
    history = inspect(row).attrs[watched.owner].history
    return {user_id for user_id in history.sum() if user_id is not None}


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    if _max_age() <= 0:
        return
    user_ids: set[int] = set()
    for new, rows in ((True, session.new), (False, session.dirty), (False, session.deleted)):
        for row in rows:
            watched = _WATCHED.get(getattr(type(row), "__tablename__", ""))
            if watched is not None and (watched.new_rows or not new):
                user_ids |= _concerns(row, watched)
    if user_ids:
        _changed(session, user_ids, everyone=False)


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert) or _max_age() <= 0:
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _WATCHED and not state.execution_options.get("owner_cache_unaffected"):
        _changed(state.session, set(), everyone=True)


def install() -> None:
    """Listen to every Session's flushes and bulk statements, and watch the auth tables (idempotent; `create_app`
    calls it; app/wiring.py watches the tables of other domains)."""
    watch(User, Watched("id", new_rows=False))
    watch(AuthSession, Watched("user_id", new_rows=False))
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
