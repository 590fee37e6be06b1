"""Who is online: a Redis key per user, kept alive by WebSocket heartbeats.

`presence:<user_id>` (TTL = PRESENCE_TTL) says "online". A user may hold several sockets, so each socket
is also a member of the sorted set `presence:<user_id>:sockets` scored by its expiry; closing one socket
removes only the user's key when no other live socket remains (atomically, in a Lua script).
"""

from __future__ import annotations

import time

from flask import current_app

from app.extensions import redis_store

_TOUCH = """
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[3])
return 1
"""

_LEAVE = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 0
end
return 1
"""


def _keys(user_id: int) -> list[str]:
    return [f"presence:{int(user_id)}", f"presence:{int(user_id)}:sockets"]


def _ttl_ms() -> int:
    return max(1, int(float(current_app.config["PRESENCE_TTL"]) * 1000))


def touch(user_id: int, socket_id: str) -> None:
    """A heartbeat (or a new socket) of `user_id`: online for another PRESENCE_TTL."""
    client = redis_store.client
    ttl = _ttl_ms()
    expires = int(time.time() * 1000) + ttl
    client.eval(_TOUCH, 2, *_keys(user_id), socket_id, expires, ttl)


def leave(user_id: int, socket_id: str) -> None:
    """A socket closed: the user stays online only if another of their sockets is still alive."""
    redis_store.client.eval(_LEAVE, 2, *_keys(user_id), socket_id, int(time.time() * 1000))


def is_online(user_id: int) -> bool:
    """True if the user sent a heartbeat (or opened a socket) within the last PRESENCE_TTL seconds."""
    return bool(redis_store.client.exists(_keys(user_id)[0]))
