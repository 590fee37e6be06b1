"""The embedded PostgreSQL and Valkey (app/embedded.py): start once, attach after, recover, stop clean.

Each test works in a data directory of its own, never the suite's servers (those are stopped by the run).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from app import embedded
from app.common import pids
from tests.processes import PYTHON, ROOT, wait_until

ATTACH = (
    "from pathlib import Path; from app import embedded; "
    "u = embedded.ensure(Path({root!r})); print(u.database, u.redis)"
)


def _state(root: Path) -> dict:
    return json.loads((root / embedded.STATE_FILE).read_text())


def _pids(root: Path) -> tuple[int, int]:
    state = _state(root)
    return state["postgres"]["pid"], state["valkey"]["pid"]


def _alive(pid: int) -> bool:
    return pids.alive(pid)


def _answers(urls: embedded.Urls) -> bool:
    socket_dir = urls.database.rpartition("host=")[2]
    conn = psycopg.connect(host=socket_dir, user="postgres", dbname="kalendar")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            ok = cur.fetchone() == (1,)
    finally:
        conn.close()
    return ok and redis.Redis.from_url(urls.redis).ping()


@pytest.fixture(scope="module")
def root() -> Iterator[Path]:
    """One data directory for the tests that share servers (see the `server_dir` fixture for why not tmp_path)."""
    path = Path(tempfile.mkdtemp(prefix="kalendar-servers-"))
    yield path
    embedded.stop(path)
    shutil.rmtree(path, ignore_errors=True)


def test_first_process_starts_the_servers_and_the_next_attaches(root):
    started = time.monotonic()
    urls = embedded.ensure(root)
    first_start = time.monotonic() - started
    assert _answers(urls)
    pids = _pids(root)
    assert urls.database.startswith("postgresql+psycopg://postgres@/kalendar?host=")
    assert urls.redis.startswith("unix://") and urls.redis.endswith("?db=0")

    other = subprocess.run(
        [PYTHON, "-c", ATTACH.format(root=str(root))], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.split() == [urls.database, urls.redis]
    assert _pids(root) == pids  # attached: no second server
    print(f"first start {first_start:.2f}s")


def test_servers_listen_on_unix_sockets_only(root):
    urls = embedded.ensure(root)
    pg_pid, valkey_pid = _pids(root)
    listening = set()
    for pid in (pg_pid, valkey_pid):
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        listening |= {i for i in inodes if i.startswith("socket:")}
    tcp = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                tcp.add(f"socket:[{fields[9]}]")
    assert listening, "the servers hold sockets"
    assert not listening & tcp, "an embedded server listens on TCP"
    assert _answers(urls)


def test_concurrent_starters_share_one_server(server_dir):
    procs = [
        subprocess.Popen(
            [PYTHON, "-c", ATTACH.format(root=str(server_dir))], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=120)[0] for p in procs]
        assert all(p.returncode == 0 for p in procs)
        assert outputs[0] == outputs[1]
        postmasters = [
            pid
            for pid in map(int, filter(str.isdigit, os.listdir("/proc")))
            if pids.is_program(pid, "postgres") and str(server_dir) in _cmdline(pid) and " -D " in _cmdline(pid)
        ]
        assert postmasters == [_pids(server_dir)[0]]
    finally:
        embedded.stop(server_dir)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_stale_state_and_pid_files_are_replaced(root):
    embedded.ensure(root)
    embedded.stop(root)
    dead = _dead_pid()
    (root / embedded.STATE_FILE).write_text(
        json.dumps({"postgres": {"pid": dead, "socket_dir": "/nonexistent"}, "valkey": {"pid": dead, "socket": "/x"}})
    )
    # A crash leaves pid files behind; here they even name a live process that is not the server (this one).
    pidfile = root / "postgres" / "postmaster.pid"
    pidfile.write_text(f"{os.getpid()}\n{root / 'postgres'}\n0\n5432\n{root / 'postgres'}\n\n  0 0\nready\n")
    (root / "valkey" / "valkey.pid").write_text(f"{os.getpid()}\n")

    urls = embedded.ensure(root)
    assert _answers(urls)
    pg_pid, valkey_pid = _pids(root)
    assert os.getpid() not in (pg_pid, valkey_pid) and dead not in (pg_pid, valkey_pid)


def test_a_crashed_server_is_restarted_with_its_data(root):
    urls = embedded.ensure(root)
    client = redis.Redis.from_url(urls.redis)
    client.set("kalendar:test:crash", "kept")
    socket_dir = urls.database.rpartition("host=")[2]
    conn = psycopg.connect(host=socket_dir, user="postgres", dbname="kalendar")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS crash_probe; CREATE TABLE crash_probe (v text)")
        cur.execute("INSERT INTO crash_probe VALUES ('kept')")
    conn.close()
    time.sleep(1.2)  # Valkey's append-only file is fsynced every second
    old = _pids(root)
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not any(_alive(p) for p in old), 10)

    urls = embedded.ensure(root)
    assert set(_pids(root)).isdisjoint(old)
    assert redis.Redis.from_url(urls.redis).get("kalendar:test:crash") == b"kept"
    conn = psycopg.connect(host=socket_dir, user="postgres", dbname="kalendar")
    with conn.cursor() as cur:
        cur.execute("SELECT v FROM crash_probe")
        assert cur.fetchall() == [("kept",)]
    conn.close()


def test_a_server_that_cannot_start_is_reported_with_its_log(server_dir):
    pgdata = server_dir / "postgres"
    pgdata.mkdir()
    (pgdata / "PG_VERSION").write_text("9\n")  # a data directory of another major: the server refuses it
    with pytest.raises(embedded.EmbeddedError, match="embedded PostgreSQL did not start"):
        embedded.ensure(server_dir, redis=False)


def test_stop_leaves_no_server_and_keeps_the_data(root):
    urls = embedded.ensure(root)
    redis.Redis.from_url(urls.redis).set("kalendar:test:stop", "kept")
    pids = _pids(root)
    assert embedded.stop(root) == ["valkey", "postgres"]
    assert not any(_alive(p) for p in pids)
    assert not (root / embedded.STATE_FILE).exists()
    urls = embedded.ensure(root)
    assert redis.Redis.from_url(urls.redis).get("kalendar:test:stop") == b"kept"


def test_instance_secrets_are_random_once_then_kept(tmp_path):
    first = embedded.instance_secrets(tmp_path)
    assert len(first["SECRET_KEY"]) >= 48 and first["SECRET_KEY"] != first["JWT_SECRET_KEY"]
    assert embedded.instance_secrets(tmp_path) == first
    assert (tmp_path / embedded.SECRETS_FILE).stat().st_mode & 0o777 == 0o600


def test_a_fresh_checkout_with_no_configuration_runs_on_the_embedded_servers(server_dir):
    """No environment at all: `flask db upgrade` starts the servers under instance/, the app attaches to them,
    signs up and logs in a user, and /readyz reports both servers ok."""
    checkout = server_dir / "kalendar"
    shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(".venv", ".git", "instance", "__pycache__", "*.pyc"))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(server_dir), "TZ": "UTC"}
    try:
        subprocess.run(
            [PYTHON, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
            cwd=checkout,
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
        pids = _pids(checkout / "instance")
        script = """
from app import create_app
app = create_app()
client = app.test_client()
pw = "embedded-default-passphrase"
r = client.post("/api/v1/auth/signup", json={"username": "solo", "password": pw, "password_repeat": pw})
assert r.status_code == 201, r.json
r = client.post("/api/v1/auth/login", json={"username": "solo", "password": pw})
assert r.status_code == 200, r.json
me = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer " + r.json["access_token"]})
assert me.json["username"] == "solo"
ready = client.get("/readyz")
assert ready.status_code == 200 and ready.json["checks"] == {"database": "ok", "redis": "ok"}, ready.json
print(app.config["SQLALCHEMY_DATABASE_URI"])
"""
        result = subprocess.run(
            [PYTHON, "-c", script], cwd=checkout, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.strip() == f"postgresql+psycopg://postgres@/kalendar?host={checkout}/instance/postgres"
        assert _pids(checkout / "instance") == pids  # the second process attached
    finally:
        embedded.stop(checkout / "instance")
