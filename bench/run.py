"""`make bench`: seed, start the stack as the Procfile does, load it with wrk, print one table, write RESULTS.md.

    DATABASE_URL=postgresql://... REDIS_URL=redis://.../7 python -m bench.run      # ~6 minutes
    BENCH_QUICK=1 python -m bench.run                                              # smoke run, ~1.5 minutes
    BENCH_ONLY=me,goals BENCH_SEEDED=1 python -m bench.run                         # some rows, data kept

DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/kalendar_bench) is rebuilt from scratch and
REDIS_URL's index (default 7) is flushed: point them at benchmark-only places.

HTTP endpoints are measured against the ceiling (bench/ceiling.py under the same gunicorn configuration):
for every endpoint, `rounds` times, wrk on the ceiling then wrk on the endpoint; each figure is the median
of its rounds and the ratio is median(endpoint req/s) / median(ceiling req/s of the same pairs).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUN = ROOT / "bench" / ".run"
PYTHON = sys.executable
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
ROUNDS = 1 if QUICK else int(os.environ.get("BENCH_ROUNDS", "3"))
DURATION = 2 if QUICK else int(os.environ.get("BENCH_DURATION", "6"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
SOCKETS = 100 if QUICK else 500
BURST = 200 if QUICK else 1000
SEND_RATE = float(os.environ.get("TELEGRAM_SEND_RATE", "25"))  # the configured default: Telegram's ~30/s

ENV = {
    **os.environ,
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/kalendar_bench"),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"),
    "SECRET_KEY": "bench-secret-key-0123456789abcdef",
    "JWT_SECRET_KEY": "bench-jwt-secret-key-0123456789abcdef",
    "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000"),
    "TZ": "UTC",
    "FLASK_DEBUG": "",
    "PYTHONPATH": str(ROOT),
}
os.environ.update(ENV)

# (name, wrk script, target ratio of the ceiling, p99 target ms); BENCH_ONLY takes the scripts' stems
ENDPOINTS = [
    ("GET /healthz", "healthz.lua", 0.0, 20),
    ("GET /auth/me", "me.lua", 0.40, None),
    ("GET /goals (20, filter+order)", "goals.lua", 0.25, 50),
    ("GET /habits (5)", "habits.lua", 0.25, 50),
    ("GET /lists/<id>/tasks (20)", "tasks.lua", 0.25, 50),
    ("POST /goals", "goal_create.lua", 0.15, 80),
]
#: While working on one endpoint: `BENCH_ONLY=me,goals` measures those rows only (and nothing after the HTTP
#: table), `BENCH_SEEDED=1` keeps the database and tokens of the previous run. `make bench` sets neither.
ONLY = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
SEEDED = os.environ.get("BENCH_SEEDED", "") not in ("", "0")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn --config gunicorn.conf.py <app>` with PORT, exactly the Procfile's web line."""

    def __init__(self, target: str, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**ENV, "PORT": str(self.port), "GUNICORN_CONTROL_SOCKET": f"/tmp/kalendar-bench-{self.port}.ctl"}
        self.log = open(RUN / f"{name}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", target],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/nothing-here", timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"{name} did not start, see {self.log.name}")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def wrk(url: str, script: str, duration: int = DURATION) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "10s", "-s", f"bench/lua/{script}", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**ENV, "BENCH_TOKENS": str(RUN / "tokens.txt")},
        check=True,
    ).stdout
    data = json.loads(out.split("BENCH_JSON", 1)[1].strip().splitlines()[0])
    data["rps"] = data["requests"] / data["seconds"]
    return data


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def postgres_pids() -> list[int]:
    """The benchmark server's backends (children of its postmaster): their CPU is part of a request's cost."""
    import psycopg

    try:
        with psycopg.connect(libpq_url(ENV["DATABASE_URL"])) as conn:
            data_dir = conn.execute("SHOW data_directory").fetchone()[0]
        postmaster = Path(data_dir, "postmaster.pid").read_text().split()[0]
    except (OSError, psycopg.Error):
        return []
    out = subprocess.run(["pgrep", "-P", postmaster], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def received_per_connection(port: int) -> dict[str, int]:
    """Bytes each of wrk's connections to `port` has received so far (`ss -ti`), by its local address."""
    try:
        out = subprocess.run(
            ["ss", "-tinH", "state", "established", f"( dport = :{port} )"], capture_output=True, text=True
        ).stdout
    except OSError:
        return {}
    received, local = {}, None
    for line in out.splitlines():
        if not line[:1].isspace():
            fields = line.split()
            local = fields[-2] if len(fields) >= 2 else None
        found = re.search(r"bytes_received:(\d+)", line)
        if found and local:
            received[local] = int(found.group(1))
    return received


def connection_shares(port: int, duration: int, result: dict) -> None:
    """Fairness: each connection's bytes received from 1 s into the run to 1 s before its end, over the mean.

    For a constant-size response (/healthz, the ceiling) that is its share of the requests; 1.0 everywhere
    means every connection was served alike. Run in a thread beside wrk; leaves conn_min/conn_max in `result`.
    """
    if duration < 3:
        return
    time.sleep(1)
    first = received_per_connection(port)
    time.sleep(duration - 2)
    last = received_per_connection(port)
    deltas = [last[key] - first[key] for key in last if key in first]
    if len(deltas) < 2 or not statistics.mean(deltas):
        return
    mean = statistics.mean(deltas)
    result["conn_min"], result["conn_max"] = min(deltas) / mean, max(deltas) / mean


def measured(server: Gunicorn, script: str) -> dict:
    """wrk on `server`, plus the CPU its workers and PostgreSQL spent per request (ms) and fairness."""
    workers, backends = server.worker_pids(), postgres_pids()
    before = cpu_seconds(workers), cpu_seconds(backends)
    shares: dict = {}
    sampler = threading.Thread(target=connection_shares, args=(server.port, DURATION, shares), daemon=True)
    sampler.start()
    data = wrk(server.url, script)
    sampler.join()
    data["cpu_ms"] = (cpu_seconds(workers) - before[0]) * 1000 / max(data["requests"], 1)
    data["pg_ms"] = (cpu_seconds(backends) - before[1]) * 1000 / max(data["requests"], 1)
    data["conn_min"], data["conn_max"] = shares.get("conn_min"), shares.get("conn_max")
    return data


def bench_http(ceiling: Gunicorn, api: Gunicorn) -> tuple[list[dict], float]:
    for script in ("ceiling.lua", "goals.lua", "habits.lua", "tasks.lua"):  # warm up pools and caches
        wrk((ceiling if script == "ceiling.lua" else api).url, script, 1)
    results = []
    for name, script, target, p99_target in ENDPOINTS:
        if ONLY and Path(script).stem not in ONLY:
            continue
        pairs = []
        for _ in range(ROUNDS):
            pairs.append((measured(ceiling, "ceiling.lua"), measured(api, script)))
        med = {key: statistics.median(p[1][key] for p in pairs) for key in ("rps", "p50", "p99", "cpu_ms", "pg_ms")}
        fair = {
            key: statistics.median(values) if values else None
            for key in ("conn_min", "conn_max")
            for values in [[p[1][key] for p in pairs if p[1][key] is not None]]
        }
        ceil_rps = statistics.median(p[0]["rps"] for p in pairs)
        ceil_p50 = statistics.median(p[0]["p50"] for p in pairs)
        ceil_p99 = statistics.median(p[0]["p99"] for p in pairs)
        ceil_cpu = statistics.median(p[0]["cpu_ms"] for p in pairs)
        ratio = med["rps"] / ceil_rps
        errors = sum(p[1]["errors"] for p in pairs)
        results.append(
            {
                "name": name,
                **med,
                **fair,
                "errors": errors,
                "ceiling_rps": ceil_rps,
                "ceiling_p50": ceil_p50,
                "ceiling_p99": ceil_p99,
                "ratio": ratio,
                "ceiling_cpu_ms": ceil_cpu,
                "cpu_ratio": ceil_cpu / max(med["cpu_ms"] + med["pg_ms"], 1e-9),
                "rounds": [round(p[1]["rps"]) for p in pairs],
                "ok": ratio >= target and (p99_target is None or med["p99"] <= p99_target) and errors == 0,
                "target": ", ".join(
                    ([f">= {target:.0%} of ceiling"] if target else [])
                    + ([f"p99 <= {p99_target} ms"] if p99_target is not None else [])
                ),
            }
        )
        print(
            f"  {name:32} {med['rps']:8.0f} req/s  p50 {med['p50']:6.1f}  p99 {med['p99']:6.1f} ms  "
            f"errors {errors}  ceiling {ceil_rps:.0f} (p99 {ceil_p99:.1f} ms)  ratio {ratio:.1%}  {fairness(fair)}  "
            f"CPU/req web {med['cpu_ms']:.2f} + pg {med['pg_ms']:.2f} ms (ceiling {ceil_cpu:.2f}: "
            f"{ceil_cpu / max(med['cpu_ms'] + med['pg_ms'], 1e-9):.1%})",
            flush=True,
        )
    ceil_all = [r["ceiling_rps"] for r in results]
    return results, statistics.median(ceil_all)


def fairness(row: dict) -> str:
    if row.get("conn_min") is None:
        return "per-connection share ?"
    return f"per-connection share {row['conn_min']:.2f}-{row['conn_max']:.2f}"


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def bench_export(api: Gunicorn) -> dict:
    """CSV export of every goal (all statuses: 100,000 rows) by a user who reads every board."""
    token = (RUN / "exporter.txt").read_text().strip()
    pids = api.worker_pids()
    url = (
        api.url
        + "/api/v1/goals/export?format=csv"
        + "".join(f"&status={s}" for s in ("todo", "in_progress", "done", "overdue", "archived"))
    )
    headers = {"Authorization": f"Bearer {token}"}
    requests.get(api.url + "/api/v1/goals/export?format=csv&search=nothing", headers=headers, timeout=30)
    baseline = {pid: rss_kib(pid) for pid in pids}
    peak = dict(baseline)
    started = time.perf_counter()
    lines = size = 0
    with requests.get(url, headers=headers, stream=True, timeout=120) as resp:
        resp.raise_for_status()
        for chunk in resp.iter_content(65536):
            size += len(chunk)
            lines += chunk.count(b"\n")
            for pid in pids:
                peak[pid] = max(peak[pid], rss_kib(pid))
    elapsed = time.perf_counter() - started
    rows = lines - 1  # header
    growth = max(peak[pid] - baseline[pid] for pid in pids) / 1024
    rate = rows / elapsed
    print(
        f"  export: {rows} rows, {size / 1e6:.1f} MB in {elapsed:.2f}s = {rate:.0f} rows/s, "
        f"RSS growth {growth:.1f} MiB",
        flush=True,
    )
    return {"rows": rows, "seconds": elapsed, "rate": rate, "rss_mib": growth, "ok": rate >= 50_000 and growth < 30}


def flushdb() -> None:
    import redis

    redis.Redis.from_url(ENV["REDIS_URL"]).flushdb()


def bench_sync() -> dict:
    flushdb()
    started = time.perf_counter()
    out = subprocess.run(
        [PYTHON, "-m", "flask", "--app", "wsgi", "reminders", "sync"],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    elapsed = time.perf_counter() - started
    count = int(re.search(r"Rebuilt (\d+)", out).group(1))
    print(f"  flask reminders sync: {count} jobs in {elapsed:.2f}s (whole command)", flush=True)
    return {"jobs": count, "seconds": elapsed, "ok": elapsed <= 30}


def bench_overdue() -> dict:
    """The overdue sweep over 100,000 tasks (~1% newly past their deadline): statements and time."""
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db
    from app.teams.jobs import mark_overdue_tasks

    app = create_app()
    with app.app_context():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        db.session.execute(db.text("SELECT 1"))
        statements.clear()
        started = time.perf_counter()
        flagged = mark_overdue_tasks()
        statement_time = time.perf_counter() - started
        db.session.commit()  # publishes the events and enqueues the notification jobs
        elapsed = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", listener)
    flushdb()
    count = len(statements)
    print(
        f"  overdue sweep: {flagged} tasks flagged by {count} statement(s) in {statement_time * 1000:.0f} ms "
        f"({elapsed * 1000:.0f} ms with the after-commit events and jobs)",
        flush=True,
    )
    return {
        "flagged": flagged,
        "statements": count,
        "seconds": statement_time,
        "total": elapsed,
        "ok": count == 1 and statement_time <= 1,
    }


def bench_websockets() -> dict:
    out = subprocess.run(
        [PYTHON, "bench/websockets.py", "--sockets", str(SOCKETS)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    text = out.stdout
    if out.returncode:
        print(out.stdout, out.stderr[-3000:])
        raise RuntimeError("bench/websockets.py failed")
    idle = float(re.search(r"REST idle:.*?p99 ([\d.]+)", text).group(1))
    busy = float(re.search(r"REST with \d+ sockets:.*?p99 ([\d.]+)", text).group(1))
    reached = re.search(r"reached (\d+)/(\d+) sockets in (\d+) ms", text)
    fanout = int(reached.group(3))
    print("  " + text.strip().replace("\n", "\n  "), flush=True)
    return {
        "idle_p99": idle,
        "busy_p99": busy,
        "ratio": busy / idle,
        "fanout_ms": fanout,
        "reached": f"{reached.group(1)}/{reached.group(2)}",
        "ok": busy <= 2 * idle and fanout <= 1000 and reached.group(1) == reached.group(2),
    }


def bench_burst() -> dict:
    """BURST reminders due in the same minute, one per linked user, through a real worker (last: it edits data)."""
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from fakes.telegram import FakeTelegram

    app = create_app()
    with app.app_context():
        # habits 2..BURST+1 belong to users 2..BURST+1; the others go, so that nothing else can fire
        db.session.execute(text("DELETE FROM habits WHERE id NOT BETWEEN 2 AND :n"), {"n": BURST + 1})
        db.session.execute(
            text(
                "INSERT INTO telegram_links (user_id, chat_id, created_at) "
                "SELECT i, 100000 + i, now() FROM generate_series(2, :n) AS i"
            ),
            {"n": BURST + 1},
        )
        # Due in 8 s; their wall time (in UTC, their owners' zone now) 12 hours away, so that no habit's next
        # occurrence falls inside the burst and reads as a doubled message.
        db.session.execute(text("UPDATE users SET timezone = 'UTC' WHERE id BETWEEN 2 AND :n"), {"n": BURST + 1})
        # Nor task-overdue notifications to the same chats (the worker's first sweep would send them): the tasks
        # whose deadline passes before the burst ends count as already notified.
        db.session.execute(
            text(
                "UPDATE tasks SET is_overdue = true "
                "WHERE NOT is_done AND NOT is_overdue AND deadline < now() + interval '10 minutes'"
            )
        )
        db.session.execute(
            text(
                "UPDATE habits SET next_reminder_at = date_trunc('second', now()) + interval '8 seconds', "
                "time = date_trunc('minute', (now() AT TIME ZONE 'UTC') + interval '12 hours')::time"
            )
        )
        db.session.commit()
    flushdb()
    fake = FakeTelegram().start()
    env = {**ENV, "TELEGRAM_API_URL": fake.url, "TELEGRAM_BOT_TOKEN": "123:bench", "TELEGRAM_SEND_RATE": str(SEND_RATE)}
    log = open(RUN / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [PYTHON, "worker.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        fake.wait_for_messages(BURST, timeout=10 + BURST / SEND_RATE * 3 + 30)
        time.sleep(2)  # anything doubled would arrive now
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
        log.close()
    messages = fake.messages()
    fake.stop()
    flushdb()
    chats = [m["chat_id"] for m in messages]
    span = messages[-1]["at"] - messages[0]["at"] if len(messages) > 1 else 0
    rate = (len(messages) - 1) / span if span else 0
    lost, doubled = BURST - len(set(chats)), len(chats) - len(set(chats))
    print(
        f"  burst: {len(messages)} messages to {len(set(chats))} chats in {span:.2f}s = {rate:.1f}/s "
        f"(TELEGRAM_SEND_RATE={SEND_RATE:g}); lost {lost}, doubled {doubled}",
        flush=True,
    )
    return {
        "messages": len(messages),
        "span": span,
        "rate": rate,
        "lost": lost,
        "doubled": doubled,
        "ok": lost == 0 and doubled == 0 and rate >= 0.95 * SEND_RATE,
    }


PROFILED = ("me.lua", "goals.lua", "goal_create.lua")
#: The same table for the code before the design of issue 20 (bench/profile.py --markdown, run on that commit).
PROFILE_BEFORE = ROOT / "bench" / "profile-before.md"


def bench_profiles() -> str:
    """Where a request's time goes (py-spy on one worker, bench/profile.py), then the recorded profile before."""
    if not shutil.which("py-spy") and not Path(PYTHON).with_name("py-spy").exists():
        return "\n(py-spy not installed: no profile.)\n"
    os.environ["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{os.environ['PATH']}"
    from bench.profile import profile, profile_table

    results = {script: profile(script, 3 if QUICK else 8) for script in PROFILED}
    print("  profile: " + ", ".join(f"{s} {results[s][0]} samples" for s in PROFILED), flush=True)
    lines = [
        "",
        "## Profile",
        "",
        "py-spy samples of one gevent web worker under wrk (16 connections), share of samples whose stack "
        "contains the component (nested components overlap). Regenerate one with "
        "`python -m bench.profile goals.lua`.",
        "",
        profile_table(results),
    ]
    if PROFILE_BEFORE.exists():
        lines += ["", PROFILE_BEFORE.read_text().strip()]
    return "\n".join(lines) + "\n"


def machine() -> dict:
    def cmd(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    from importlib.metadata import version

    import psycopg

    with psycopg.connect(libpq_url(ENV["DATABASE_URL"])) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    import redis

    return {
        "nproc": os.cpu_count(),
        "memory": mem,
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg,
        "redis": redis.Redis.from_url(ENV["REDIS_URL"]).info()["redis_version"],
        "wrk": cmd("wrk", "-v").splitlines()[0] if shutil.which("wrk") else "?",
        "packages": ", ".join(
            f"{p} {version(p)}"
            for p in ("Flask", "SQLAlchemy", "gunicorn", "gevent", "psycopg", "marshmallow", "orjson")
        ),
        "web": f"WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', 'default')}, gevent workers",
        "commit": cmd("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
    }


def report(http, ceiling_rps, export, sync, overdue, sockets, burst, info, started) -> str:
    mark = {True: "met", False: "**not met**"}
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `make bench` ({'BENCH_QUICK smoke run' if QUICK else 'full run'}) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {time.monotonic() - started:.0f} s. Do not edit by hand.",
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']} RAM, Linux {info['kernel']}; "
        f"Python {info['python']}, PostgreSQL {info['postgresql']}, Redis {info['redis']}, {info['wrk']}; "
        f"{info['packages']}; {info['web']}; commit {info['commit']}. PostgreSQL, Redis, wrk and the web "
        "workers share the cores, and other work on the machine adds noise: the ratios to the ceiling "
        "measured in the same run are the figures to compare.",
        "",
        f"wrk: 2 threads, {CONNECTIONS} connections, {DURATION} s per run, {ROUNDS} alternating round(s) of "
        f"ceiling/endpoint per row, medians. Data: 10,000 users, 100,000 goals on 1,000 shared boards, "
        "50,000 habits, 1,000 teams with 100,000 tasks. Every request picks one of 1,000 users at random.",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | errors | ceiling req/s | ratio to ceiling | target | | "
        "CPU ms/req web + PostgreSQL | CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|",
        f"| ceiling (bench/ceiling.py) | {ceiling_rps:.0f} | {statistics.median(r['ceiling_p50'] for r in http):.1f} | "
        f"{statistics.median(r['ceiling_p99'] for r in http):.1f} | | | 100% | | | "
        f"{statistics.median(r['ceiling_cpu_ms'] for r in http):.2f} + 0 | 100% |",
    ]
    for r in http:
        lines.append(
            f"| {r['name']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | "
            f"{r['ceiling_rps']:.0f} | {r['ratio']:.1%} | {r['target']} | {mark[r['ok']]} | "
            f"{r['cpu_ms']:.2f} + {r['pg_ms']:.2f} | {r['cpu_ratio']:.1%} |"
        )
    lines += [
        "",
        "| what | figure | target | |",
        "|---|---|---|---|",
        f"| CSV export of {export['rows']:,} goals | {export['rate']:,.0f} rows/s ({export['seconds']:.2f} s), "
        f"web worker RSS +{export['rss_mib']:.1f} MiB | >= 50,000 rows/s, RSS growth < 30 MB | {mark[export['ok']]} |",
        f"| `flask reminders sync` of {sync['jobs']:,} habits from an empty Redis | {sync['seconds']:.2f} s "
        f"(whole command, app start included) | <= 30 s | {mark[sync['ok']]} |",
        f"| {BURST:,} reminders due in the same minute | {burst['messages']} delivered in {burst['span']:.2f} s = "
        f"{burst['rate']:.1f}/s at TELEGRAM_SEND_RATE={SEND_RATE:g}; lost {burst['lost']}, doubled "
        f"{burst['doubled']} | >= 95% of the rate, 0 lost, 0 doubled | {mark[burst['ok']]} |",
        f"| overdue sweep over 100,000 tasks | {overdue['statements']} statement, {overdue['seconds'] * 1000:.0f} ms "
        f"({overdue['flagged']} flagged; {overdue['total'] * 1000:.0f} ms with after-commit events/jobs) | "
        f"one statement, <= 1 s | {mark[overdue['ok']]} |",
        f"| {SOCKETS} open WebSockets (1 web worker) | REST p99 {sockets['idle_p99']:.1f} ms idle → "
        f"{sockets['busy_p99']:.1f} ms ({sockets['ratio']:.2f}x); one event to {sockets['reached']} sockets in "
        f"{sockets['fanout_ms']} ms | p99 <= 2x idle; fan-out <= 1 s | {mark[sockets['ok']]} |",
        "",
        "CPU ms/req: user + system time of the web workers and of the PostgreSQL backends during the endpoint's "
        "wrk runs, per request; CPU ratio: the ceiling's CPU per request over the endpoint's. It depends much less "
        "on what else runs on the machine than req/s does.",
        "",
        "Per-round req/s of each endpoint: " + "; ".join(f"{r['name']}: {r['rounds']}" for r in http) + ".",
        "",
        "Fairness, bytes each of the connections received from 1 s into a run to 1 s before its end, lowest and "
        "highest over the mean (for /healthz, a constant-size response, each connection's share of the requests; "
        "1.00-1.00 is perfectly even service): "
        + "; ".join(f"{r['name']}: {fairness(r).removeprefix('per-connection share ')}" for r in http)
        + ".",
        "",
    ]
    return "\n".join(lines)


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL without its driver name (postgresql+psycopg://...), as libpq takes it."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


def ensure_database() -> None:
    """Create the benchmark database if it is missing (a fresh machine)."""
    import psycopg
    from psycopg import sql

    url = libpq_url(ENV["DATABASE_URL"])
    base, name = url.rsplit("/", 1)
    try:
        psycopg.connect(url).close()
    except psycopg.OperationalError:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name.split("?")[0])))


def main() -> None:
    started = time.monotonic()
    ensure_database()
    RUN.mkdir(parents=True, exist_ok=True)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk (make bench does it)")
    info = machine()
    if SEEDED and (RUN / "tokens.txt").exists():
        print("BENCH_SEEDED: the data of the previous run", flush=True)
    else:
        print("seeding ...", flush=True)
        subprocess.run([PYTHON, "-m", "bench.seed", "--out", str(RUN / "tokens.txt")], cwd=ROOT, env=ENV, check=True)
    flushdb()
    print(f"HTTP ({ROUNDS} round(s) of {DURATION} s per pair, {CONNECTIONS} connections):", flush=True)
    ceiling = Gunicorn("bench.ceiling:app", "ceiling")
    api = Gunicorn("wsgi:app", "web")
    try:
        http, ceiling_rps = bench_http(ceiling, api)
        if ONLY or os.environ.get("BENCH_HTTP_ONLY"):
            return
        export = bench_export(api)
    finally:
        api.stop()
        ceiling.stop()
    print("background work:", flush=True)
    sync = bench_sync()
    overdue = bench_overdue()
    sockets = bench_websockets()
    burst = bench_burst()
    profiles = bench_profiles()
    text = report(http, ceiling_rps, export, sync, overdue, sockets, burst, info, started) + profiles
    (ROOT / "bench" / "RESULTS.md").write_text(text)
    print()
    print(text)


if __name__ == "__main__":
    main()
