"""gunicorn.conf.py on a real gevent worker: connections are served in turn, not one until it runs dry."""

from __future__ import annotations

import select
import socket

import pytest

from tests.processes import PYTHON, free_port, http_ok, live_environment, running

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
