"""Rate limits counted atomically in Redis: an attempt takes its slot *before* the work it guards.

Flask-Limiter tests a limit before the view and counts after it, so a parallel burst passes the test together
and overshoots. Here one Lua script checks every bucket of an attempt and, only if all have room, adds the
attempt to all of them, in one step on the server: of N parallel attempts against a limit of L, exactly L get
through. An attempt that turns out not to count (a correct password) gives its slot back with `release`.

Buckets are sliding logs (a sorted set of attempt ids scored by time), so a limit of "5/15minute" means at
most 5 in any 15 minutes, not 10 across a window boundary. A "soft" bucket never refuses: it only reports
that it is over its limit, for callers that slow down instead of locking out.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import redis
from limits import parse

from app.errors import RateLimited
from app.extensions import redis_store

PREFIX = "kalendar:throttle:"
log = logging.getLogger(__name__)

# KEYS: the buckets. ARGV: member, then (limit, window_ms, soft) per key.
# Returns {allowed, retry_after_ms, soft_over_1, ...}; nothing is added unless every hard bucket has room.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local member = ARGV[1]
local wait = 0
local over = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i * 3 - 1])
  local window = tonumber(ARGV[i * 3])
  local soft = ARGV[i * 3 + 1] == '1'
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  over[i] = 0
  if n >= limit then
    if soft then
      over[i] = 1
    else
      local oldest = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
      local until_free = tonumber(oldest[2]) + window - now
      if until_free > wait then wait = until_free end
    end
  end
end
if wait > 0 then
  return {0, wait, unpack(over)}
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, tonumber(ARGV[i * 3]))
end
return {1, 0, unpack(over)}
"""


@dataclass(frozen=True)
class Bucket:
    """One counter: `name` plus the identity it counts (an address, a username...), and its limit string."""

    name: str
    identity: str
    limit: str
    soft: bool = False

    @property
    def key(self) -> str:
        return f"{PREFIX}{self.name}:{self.identity.lower()[:200]}"


@dataclass
class Reservation:
    """Slots taken in some buckets; `over` names the soft buckets that were already over their limit."""

    member: str
    buckets: list[Bucket]
    over: set[str] = field(default_factory=set)

    def release(self, *names: str) -> None:
        """Give the slot back in the named buckets (all when none are named): this attempt does not count."""
        keys = [b.key for b in self.buckets if not names or b.name in names]
        if not keys:
            return
        try:
            pipe = redis_store.client.pipeline()
            for key in keys:
                pipe.zrem(key, self.member)
            pipe.execute()
        except redis.RedisError:
            _local.release(keys, self.member)


def reserve(*buckets: Bucket, message: str = "") -> Reservation:
    """Take one slot in every bucket, or raise RateLimited (with the seconds until one frees) and take none."""
    member = uuid.uuid4().hex
    args: list[str | int] = [member]
    for bucket in buckets:
        item = parse(bucket.limit)
        args += [item.amount, item.get_expiry() * 1000, "1" if bucket.soft else "0"]
    keys = [b.key for b in buckets]
    try:
        script = redis_store.client.register_script(_RESERVE)
        allowed, wait_ms, *over = script(keys=keys, args=args)
    except redis.RedisError as exc:
        # Redis down: count in this process (per-process limits) rather than refuse every login or let
        # guesses through unlimited; the shared counts resume once Redis answers again.
        log.warning("throttle: Redis unavailable (%s), counting in this process", exc.__class__.__name__)
        allowed, wait_ms, *over = _local.reserve(keys, args)
    if not int(allowed):
        raise RateLimited(-(-int(wait_ms) // 1000), message or "Too many attempts, try again later.")
    return Reservation(member, list(buckets), {b.name for b, flag in zip(buckets, over, strict=True) if int(flag)})


class _LocalLogs:
    """The Lua script's logic over in-process sliding logs, for Redis outages only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[str, dict[str, float]] = defaultdict(dict)

    def reserve(self, keys: list[str], args: list) -> list[int]:
        member, now = args[0], time.time() * 1000
        wait, over = 0.0, []
        with self._lock:
            for i, key in enumerate(keys):
                limit, window, soft = int(args[1 + 3 * i]), int(args[2 + 3 * i]), args[3 + 3 * i] == "1"
                entries = self._logs[key]
                for old in [m for m, at in entries.items() if at <= now - window]:
                    del entries[old]
                full = len(entries) >= limit
                over.append(int(full and soft))
                if full and not soft:
                    times = sorted(entries.values())
                    wait = max(wait, times[len(times) - limit] + window - now)
            if wait > 0:
                return [0, int(wait) + 1, *over]
            for key in keys:
                self._logs[key][member] = now
        return [1, 0, *over]

    def release(self, keys: list[str], member: str) -> None:
        with self._lock:
            for key in keys:
                self._logs.get(key, {}).pop(member, None)


_local = _LocalLogs()


def add(*buckets: Bucket) -> Reservation:
    """Count one event in soft buckets only (never refuses)."""
    return reserve(*(Bucket(b.name, b.identity, b.limit, soft=True) for b in buckets))


@contextmanager
def failures_counted(*buckets: Bucket, message: str = "") -> Iterator[Reservation]:
    """Guard one attempt whose failures count: the slot is taken first, and given back when the block ends
    without an exception (the attempt succeeded); an exception leaves it taken."""
    reservation = reserve(*buckets, message=message)
    yield reservation
    reservation.release()
