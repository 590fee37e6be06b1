"""gunicorn.conf.py on a real gevent worker: connections are served in turn, not one until it runs dry."""

from __future__ import annotations

import importlib.util
import select
import socket

import pytest

from tests.processes import PYTHON, ROOT, free_port, http_ok, live_environment, running

PIPELINED = 1000


def _responses_so_far(sock: socket.socket, received: bytearray) -> int:
    while select.select([sock], [], [], 0)[0]:
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        received += chunk
    return received.count(b"HTTP/1.1 200")


def _one_response(sock: socket.socket) -> bytes:
    received = b""
    while not received.endswith(b'{"status":"ok"}'):
        chunk = sock.recv(1 << 16)
        assert chunk, "the server closed the connection"
        received += chunk
    return received


@pytest.mark.live
def test_a_connection_with_buffered_requests_does_not_starve_another(app):
    port = free_port()
    env = live_environment(
        app,
        PORT=str(port),
        WEB_CONCURRENCY="1",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_CONTROL_SOCKET=f"/tmp/kalendar-fair-{port}.ctl",
    )
    with running(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        env,
        ready=lambda: http_ok(f"http://127.0.0.1:{port}/healthz"),
        timeout=60,
        log_name="web-fair",
    ):
        busy = socket.create_connection(("127.0.0.1", port), timeout=20)
        other = socket.create_connection(("127.0.0.1", port), timeout=20)
        try:
            other.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")  # accepted and waiting to be read
            assert _one_response(other).startswith(b"HTTP/1.1 200")
            request = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
            busy.sendall(request * PIPELINED)  # all buffered: this greenlet never has to wait for input
            received = bytearray(_one_response(busy))  # it is serving them now
            other.sendall(request)
            assert _one_response(other).startswith(b"HTTP/1.1 200")
            served_before = _responses_so_far(busy, received)
        finally:
            busy.close()
            other.close()
    # Unfair, the single request waits for every one of them (all 1000 go first).
    assert served_before < PIPELINED * 0.8, f"{served_before} of {PIPELINED} pipelined requests went first"


def _config(monkeypatch, **env):
    """gunicorn.conf.py loaded as gunicorn loads it, under the given environment."""
    for name in ("GUNICORN_WORKER_CLASS", "GUNICORN_ACCESS_LOG", "WEB_CONCURRENCY", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_the_yield_after_a_response_lets_the_loop_poll(monkeypatch):
    """A connection whose input arrived is served within a round, not after every callback queued before it."""
    import gevent
    from gevent import socket as gsocket

    conf = _config(monkeypatch)
    assert conf.worker_class == "gevent"
    waiting, writer = gsocket.socketpair()
    responses = []
    woke_after = []

    def waiting_connection():
        waiting.recv(1)  # nothing buffered: this greenlet waits for the loop to poll its socket
        woke_after.append(len(responses))

    def busy_connection():  # every next request already buffered: it never waits for input
        writer.send(b"x")
        for _ in range(200):
            responses.append(1)
            conf.post_request(None, None, {}, None)

    first = gevent.spawn(waiting_connection)
    gevent.sleep(0)  # it is waiting now
    try:
        gevent.joinall([first, gevent.spawn(busy_connection)], timeout=10)
    finally:
        waiting.close()
        writer.close()
    # With gevent.sleep(0) the loop ran the busy greenlet's callbacks for 5 ms (all 200 of them) before polling.
    assert woke_after and woke_after[0] <= 2, woke_after
