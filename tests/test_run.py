"""`make run` (run.py): the whole product under honcho on the embedded servers, stopped by one Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import requests

from app import embedded
from app.common import pids
from tests.habits.conftest import body
from tests.processes import PYTHON, ROOT, free_port, wait_until

PASSWORD = "Make-Run-Passphrase-4d2e"
STOP_LIMIT = 10.0


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _ready(base: str) -> bool:
    try:
        resp = requests.get(f"{base}/readyz", timeout=5)
    except requests.RequestException:
        return False
    return resp.status_code == 200


def _run_once(env: dict[str, str], base: str, log: Path, action) -> None:
    """Start run.py as a terminal would (its own process group), do `action`, then Ctrl-C it."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [PYTHON, "run.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        assert wait_until(lambda: proc.poll() is None and _ready(base), 180, 0.5), log.read_text()[-4000:]
        action()
        state = json.loads((Path(env["KALENDAR_DATA_DIR"]) / embedded.STATE_FILE).read_text())
        processes = _descendants(proc.pid) | {state["postgres"]["pid"], state["valkey"]["pid"]}
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        proc.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            embedded.stop(Path(env["KALENDAR_DATA_DIR"]))
    text = log.read_text()
    assert took < STOP_LIMIT, f"stopping took {took:.1f}s\n{text[-3000:]}"
    assert wait_until(lambda: not [p for p in processes if pids.alive(p)], 2), text[-3000:]
    assert "stopped the embedded valkey and postgres" in text
    assert " web " in text or "web    |" in text  # one stream, named per process


def test_make_run_serves_everything_stops_on_ctrl_c_and_keeps_the_data(tmp_path, server_dir):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    keep = ("PATH", "HOME", "LANG")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "KALENDAR_DATA_DIR": str(server_dir),
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",
            "GUNICORN_CONTROL_SOCKET": str(tmp_path / "gunicorn.ctl"),
            "PASSWORD_HASH_MEMORY_KIB": "1024",
            "PASSWORD_HASH_TIME_COST": "1",
        }
    )
    log = tmp_path / "run.log"

    def sign_up_and_use():
        account = {"username": "runner", "password": PASSWORD, "password_repeat": PASSWORD}
        assert requests.post(f"{base}/api/v1/auth/signup", json=account, timeout=10).status_code == 201
        ready = requests.get(f"{base}/readyz", timeout=10).json()
        assert ready["checks"] == {"database": "ok", "redis": "ok"}
        token = _login(base)
        headers = {"Authorization": f"Bearer {token}"}
        created = requests.post(f"{base}/api/v1/habits", json=body(), headers=headers, timeout=10)
        assert created.status_code == 201, created.text
        done = requests.post(
            f"{base}/api/v1/habits/{created.json()['id']}/completions", json={}, headers=headers, timeout=10
        )
        assert done.status_code == 201, done.text
        listed = requests.get(f"{base}/api/v1/habits", headers=headers, timeout=10)  # streaks: PostgreSQL SQL
        assert listed.status_code == 200, listed.text
        assert listed.json()[0]["id"] == created.json()["id"]

    _run_once(env, base, log, sign_up_and_use)
    _run_once(env, base, log, lambda: _login(base))  # the second run finds the same user


def _login(base: str) -> str:
    resp = requests.post(f"{base}/api/v1/auth/login", json={"username": "runner", "password": PASSWORD}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]
