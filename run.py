"""`make run`: the whole product on one machine, under one supervisor.

Starts (or attaches to) the embedded PostgreSQL and Valkey when DATABASE_URL / REDIS_URL are unset,
applies migrations (the Procfile's `release`), seeds the demo data with DEMO=1, then runs the Procfile's
web, worker and — with TELEGRAM_BOT_TOKEN — bot through honcho: one log stream with process names. Ctrl-C
or SIGTERM stops every process (honcho kills what is still running after 5 s), then the embedded servers.
Data stays under KALENDAR_DATA_DIR (default `instance/`), with this installation's generated secrets.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from dotenv import load_dotenv
from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Printer

from app import embedded
from app.config import check_service_urls, refuse_to_start

gc.freeze()  # the app's modules stay for good: a loaded machine would spend seconds collecting them at exit
ROOT = Path(__file__).resolve().parent
STOP_GRACE = 5.0  # seconds from Ctrl-C/SIGTERM to SIGKILL; the embedded servers then stop in about one more


def environment(root: Path, servers: list[str]) -> dict[str, str]:
    """The processes' environment: .env, the embedded servers' URLs and this data dir's secrets."""
    env = dict(os.environ)
    port = env.setdefault("PORT", "5000")
    if servers:
        started = time.monotonic()
        urls = embedded.ensure(root, postgres="postgres" in servers, redis="valkey" in servers)
        print(
            f"embedded {' and '.join(servers)} ready in {time.monotonic() - started:.1f}s (data in {root})", flush=True
        )
        env["DATABASE_URL"] = env.get("DATABASE_URL") or urls.database or ""
        env["REDIS_URL"] = env.get("REDIS_URL") or urls.redis or ""
    for key, value in embedded.instance_secrets(root).items():
        env[key] = env.get(key) or value
    env["PUBLIC_URL"] = env.get("PUBLIC_URL") or f"http://127.0.0.1:{port}"
    env["GUNICORN_CMD_ARGS"] = env.get("GUNICORN_CMD_ARGS") or f"--bind 127.0.0.1:{port}"
    env["TZ"] = "UTC"
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # the Procfile's gunicorn, python
    return env


def announce_when_ready(url: str, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=30) as resp:
                if resp.status == 200:
                    print(f"\n    Kalendar is ready: open {url}/  (API docs at {url}/docs; Ctrl-C stops)\n", flush=True)
                    return
        except OSError:
            continue


class Supervisor(Manager):
    """honcho's Manager with a deadline: it only escalates to SIGKILL 5 s after the *first* process exits, so
    one slow process (gunicorn's master waits for its workers) could hold up Ctrl-C for its whole grace time."""

    def terminate(self) -> None:
        super().terminate()
        timer = threading.Timer(STOP_GRACE, self.kill)
        timer.daemon = True
        timer.start()


class _Output:
    """stdout that never raises: a closed pipe (`make run | tee` and tee stopped) must not stop the shutdown."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> None:
        try:
            self._stream.write(text)
        except (OSError, ValueError):
            pass

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            pass

    def isatty(self) -> bool:
        return False


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM before honcho takes over: still stop the embedded servers


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    load_dotenv(ROOT / ".env", override=False)
    with refuse_to_start(exit_code=2):  # before any server starts: a wrong URL is the whole message
        check_service_urls(os.environ.get("DATABASE_URL", "").strip(), os.environ.get("REDIS_URL", "").strip())
    root = embedded.data_dir()
    servers = [name for name, var in (("postgres", "DATABASE_URL"), ("valkey", "REDIS_URL")) if not os.environ.get(var)]
    procfile = parse_procfile((ROOT / "Procfile").read_text()).processes
    stop = threading.Event()
    try:
        env = environment(root, servers)
        url = f"http://127.0.0.1:{env['PORT']}"
        subprocess.run(procfile["release"], shell=True, cwd=ROOT, env=env, check=True)
        if env.get("DEMO", "").strip() in {"1", "true", "yes"}:  # safe to rerun: it seeds only once
            subprocess.run("flask --app wsgi seed-demo", shell=True, cwd=ROOT, env=env, check=True)
        names = ["web", "worker"] + (["bot"] if env.get("TELEGRAM_BOT_TOKEN") else [])
        manager = Supervisor(Printer(_Output(sys.stdout), colour=sys.stdout.isatty()))
        for name in names:
            manager.add_process(name, procfile[name], env=env, cwd=str(ROOT))
        print(f"starting {', '.join(names)} on {url}", flush=True)
        threading.Thread(target=announce_when_ready, args=(url, stop), daemon=True).start()
        try:
            manager.loop()  # returns once every process has stopped (Ctrl-C, SIGTERM or one of them exiting)
        finally:
            manager.kill()  # a no-op after a clean stop; otherwise nothing outlives the supervisor
        return manager.returncode or 0
    except subprocess.CalledProcessError as exc:
        print(f"{exc.cmd!r} failed with exit code {exc.returncode}", file=sys.stderr)
        return exc.returncode
    except KeyboardInterrupt:
        return 130
    finally:
        stop.set()
        if servers:
            stopped = embedded.stop(root, servers)
            print(f"stopped the embedded {' and '.join(stopped) or 'servers'}; data kept in {root}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
