"""One Redis command on a connection of the client's settings, without redis-py's layers around it.

Why: the owner read (app/auth/owner_cache.py) runs on every authenticated request. Through redis-py a command
costs a pool lock, an EOF check on checkout (a `poll` that gevent emulates with watchers), timeouts set and
reset around each read, observability hooks and response callbacks: ~100 µs of CPU a request more than the
round trip itself (bench/RESULTS.md). Here a command is packed and parsed in C (hiredis) and sent straight on
the socket redis-py's own `connect()` opened, so AUTH, SELECT, TLS and Unix sockets work as configured.

What is kept of the client: an idle connection the server dropped (restart, `CLIENT KILL`, idle timeout) is
found on use and the command sent once more on a new one (as redis-py retries: for commands that may run
twice, as the owner cache's scripts may); a connection that failed mid-command is closed,
never reused with a reply unread; a process forked with idle connections never shares them with its parent.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

import hiredis
import redis
from redis.exceptions import NoScriptError

# Connections kept open between commands; a burst beyond it closes what it opened once done.
MAX_IDLE = 32

_instances: weakref.WeakSet[DirectConnections] = weakref.WeakSet()


class DirectConnections:
    """Connections made with `client`'s connection settings, each with its own reply reader."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._idle: list[tuple[Any, hiredis.Reader]] = []
        _instances.add(self)

    def _open(self) -> tuple[Any, hiredis.Reader]:
        pool = self.client.connection_pool
        connection = pool.connection_class(**pool.connection_kwargs)
        connection.connect()  # raises redis.ConnectionError / TimeoutError
        return connection, hiredis.Reader()

    def execute(self, *args: Any) -> Any:
        """The reply of one command (bytes, int, None or a list of them); a server error raises as redis-py
        would raise it (NoScriptError for NOSCRIPT), a failed connection as redis.ConnectionError/TimeoutError."""
        packed = hiredis.pack_command(args)
        reused = bool(self._idle)
        held = self._idle.pop() if reused else self._open()
        try:
            reply = _round_trip(held, packed)
        except redis.ConnectionError:
            held[0].disconnect()
            if not reused:
                raise
            held = self._open()  # an idle connection the server dropped: once more, on a new one
            try:
                reply = _round_trip(held, packed)
            except BaseException:
                held[0].disconnect()
                raise
        except BaseException:  # a timeout, or a greenlet killed mid-command: the reply may still come
            held[0].disconnect()
            raise
        if len(self._idle) < MAX_IDLE:
            self._idle.append(held)
        else:
            held[0].disconnect()
        if isinstance(reply, hiredis.ReplyError):
            message = str(reply)
            raise NoScriptError(message) if message.startswith("NOSCRIPT") else redis.ResponseError(message)
        return reply

    def _forget(self) -> None:
        self._idle = []  # the parent's sockets: left to it, never closed or used here


def _round_trip(held: tuple[Any, hiredis.Reader], packed: bytes) -> Any:
    connection, reader = held
    sock = connection._sock  # redis-py's connected socket; no public accessor
    if sock is None:
        raise redis.ConnectionError("the connection is closed")
    try:
        # One send: a command fits the socket's buffer. gevent's sendall asks the kernel for the buffer's size
        # (a getsockopt) before every send.
        sent = sock.send(packed)
        if sent < len(packed):
            sock.sendall(packed[sent:])
        reply = reader.gets()
        while reply is False:
            chunk = sock.recv(65536)
            if not chunk:
                raise redis.ConnectionError("Redis closed the connection")
            reader.feed(chunk)
            reply = reader.gets()
    except TimeoutError as error:
        raise redis.TimeoutError(str(error)) from error
    except hiredis.ProtocolError as error:
        raise redis.ConnectionError(f"unreadable reply: {error}") from error
    except OSError as error:
        raise redis.ConnectionError(str(error)) from error
    return reply


def _after_fork() -> None:
    for instance in list(_instances):
        instance._forget()


os.register_at_fork(after_in_child=_after_fork)
