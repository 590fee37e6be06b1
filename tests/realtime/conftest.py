"""A real gunicorn (the project's gunicorn.conf.py, gevent worker) shared by the module's live tests."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator

import pytest
import websocket

from tests.processes import PYTHON, free_port, http_ok, live_environment, running

ORIGIN = "https://app.example.test"


class Server:
    def __init__(self, port: int) -> None:
        self.port = port
        self.http = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"

    def connect(self, path: str, token: str | None, **kwargs) -> websocket.WebSocket:
        kwargs.setdefault("origin", ORIGIN)
        url = f"{self.ws}{path}" + (f"?token={token}" if token is not None else "")
        return websocket.create_connection(url, timeout=15, **kwargs)

    def subscribe(self, path: str, token: str) -> websocket.WebSocket:
        """Connect and wait for the server's "ready" frame (subscribed: no later event can be missed)."""
        ws = self.connect(path, token)
        assert json.loads(ws.recv()) == {"type": "ready"}
        return ws


def close_code(ws: websocket.WebSocket) -> int:
    try:
        opcode, data = ws.recv_data(control_frame=True)
    finally:
        ws.shutdown()
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    return struct.unpack("!H", data[:2])[0]


def next_event(ws: websocket.WebSocket, skip_types: tuple[str, ...] = ()) -> dict:
    while True:
        event = json.loads(ws.recv())
        if event["type"] not in skip_types:
            return event


@pytest.fixture(scope="module")
def server(app) -> Iterator[Server]:
    port = free_port()
    env = live_environment(
        app,
        PORT=str(port),
        WEB_CONCURRENCY="2",
        PRESENCE_TTL="1",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_CONTROL_SOCKET=f"/tmp/kalendar-teams-{port}.ctl",
    )
    with running(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        env,
        ready=lambda: http_ok(f"http://127.0.0.1:{port}/healthz"),
        timeout=60,
        log_name="web-ws",
    ):
        yield Server(port)
