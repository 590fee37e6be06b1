"""One Redis command straight on a socket (app/common/redis_direct.py): the replies and errors redis-py would
give, dropped connections survived, and a connection in doubt never reused."""

from __future__ import annotations

import os
import threading

import pytest
import redis
from redis.exceptions import NoScriptError

from app.common import redis_direct
from app.common.redis_direct import DirectConnections
from app.extensions import redis_store


@pytest.fixture
def direct(app, redis_client):
    connections = DirectConnections(redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=0.5))
    yield connections
    for connection, _reader in connections._idle:
        connection.disconnect()


def test_replies_are_what_redis_py_returns(direct, redis_client):
    assert direct.execute("SET", "k", "v") == b"OK"
    assert direct.execute("GET", "k") == redis_client.get("k") == b"v"
    assert direct.execute("GET", "missing") is None
    redis_client.rpush("l", 1, "two")
    assert direct.execute("LRANGE", "l", 0, -1) == [b"1", b"two"]
    assert direct.execute("INCR", "n") == 1
    assert len(direct._idle) == 1  # one connection, reused for every command


def test_a_command_larger_than_the_send_buffer_arrives_whole(direct, redis_client):
    value = os.urandom(16 * 1024 * 1024)  # one send() takes what the socket's buffer holds, far less than this
    assert direct.execute("SET", "big", value) == b"OK"
    assert redis_client.get("big") == value
    assert direct.execute("STRLEN", "big") == len(value)


def test_server_errors_raise_as_redis_py_raises_them(direct, redis_client):
    redis_client.set("k", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        direct.execute("LPUSH", "k", 1)
    with pytest.raises(NoScriptError):
        direct.execute("EVALSHA", "0" * 40, 0)
    assert direct.execute("PING") == b"PONG"  # an error reply leaves the connection in step


def test_a_connection_the_server_dropped_is_replaced_within_the_command(direct, redis_client):
    assert direct.execute("PING") == b"PONG"
    (old, _reader) = direct._idle[0]
    assert redis_client.client_kill_filter(_type="normal", skipme=True) >= 1
    assert direct.execute("SET", "k", "after") == b"OK"
    assert redis_client.get("k") == b"after"
    assert [connection for connection, _ in direct._idle] != [old]


def test_an_unreachable_server_raises_connection_error():
    dead = DirectConnections(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))
    with pytest.raises(redis.ConnectionError):
        dead.execute("PING")
    assert dead._idle == []


def test_a_timed_out_command_closes_its_connection(direct, redis_client):
    """Its reply may still come: on a reused connection it would answer the next command."""
    with pytest.raises(redis.TimeoutError) as raised:
        direct.execute("BLPOP", "queue", 2)  # longer than the client's socket_timeout of 0.5 s
    assert direct._idle == []
    # closed at once, not when the last reference goes (the traceback in `raised` holds it here)
    assert len(redis_client.client_list(_type="normal")) == 1 and raised.traceback
    redis_client.rpush("queue", "late")
    assert direct.execute("GET", "k") is None
    assert redis_client.lrange("queue", 0, -1) == [b"late"]  # the abandoned BLPOP took nothing


def test_idle_connections_are_capped(direct, redis_client, monkeypatch):
    monkeypatch.setattr(redis_direct, "MAX_IDLE", 1)
    replies = []
    threads = [threading.Thread(target=lambda: replies.append(direct.execute("BLPOP", "queue", 0.3))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert replies == [None, None, None]
    assert len(direct._idle) == 1
    assert len(redis_client.client_list(_type="normal")) == 2  # the test's client and the one kept


def test_a_forked_process_never_uses_its_parents_connections(direct):
    assert direct.execute("PING") == b"PONG"
    parent = direct._idle[0][0]
    pid = os.fork()
    if pid == 0:  # the child: no idle connection inherited, a new one of its own
        ok = direct._idle == [] and direct.execute("PING") == b"PONG" and direct._idle[0][0] is not parent
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert direct._idle[0][0] is parent and direct.execute("PING") == b"PONG"


def test_the_store_follows_a_replaced_client(app, monkeypatch):
    first = redis_store.direct
    assert redis_store.direct is first
    monkeypatch.setattr(redis_store, "_client", redis.Redis.from_url(app.config["REDIS_URL"]))
    assert redis_store.direct is not first and redis_store.direct.client is redis_store._client
