"""Where a request's time goes: py-spy on one gevent web worker under wrk, summed by component.

    DATABASE_URL=... REDIS_URL=... python -m bench.profile goals.lua [me.lua ...] [--seconds 12] [--markdown F]

Needs the data and tokens of a previous `make bench` (bench/.run/tokens.txt). Prints the share of samples
whose stack contains each component (shares overlap: a query inside the auth check counts for both), and
leaves the raw stacks in bench/.run/<script>.raw (flamegraph.pl input).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from collections import Counter
from pathlib import Path

from bench.run import ENV, RUN, Gunicorn, wrk

COMPONENTS = {
    "gunicorn + gevent request handling": "AsyncWorker.handle ",
    "Flask.wsgi_app (everything of the app)": "Flask.wsgi_app",
    "auth: verify_jwt_in_request": "verify_jwt_in_request",
    "  JWT parsing and signature check (PyJWT)": "jwt/api_j",
    "  session+user query (load_token_owner)": "load_token_owner",
    "    owner read from Redis (app/common/redis_direct.py)": "DirectConnections.execute",
    "    the cached user into the Session (loaded)": "loaded (app",
    "view body (app/*/routes.py)": "routes.py",
    "  paginate()": "paginate (app",
    "  HotPage (a hot list's page and total)": "HotPage.__call__",
    "marshmallow dump": "Schema.dump",
    "request arguments (webargs)": "Parser.parse",
    "marshmallow Schema() construction": "Schema.__init__",
    "JSON response (orjson)": "OrjsonProvider.response",
    "SQLAlchemy Session.execute (all queries)": "Session.execute",
    "  waiting for / reading PostgreSQL (do_execute)": "do_execute",
    "  pool checkout + pre-ping": "_ConnectionFairy._checkout",
    "hot statements (HotStatement, app/common/hot.py)": "HotStatement._run",
    "psycopg Cursor.execute (every query: send, wait, read)": "Cursor.execute ",
    "teardown (session close, ROLLBACK)": "do_teardown_appcontext",
    "commit": "Session.commit",
    "access log": "glogging",
}
IDLE_THREAD = "_WorkerGreenlet.run (gevent/threadpool.py"
IDLE_WAIT = "(gevent/_threading.py:36)"


def profile(script: str, seconds: int) -> tuple[int, list[tuple[str, float]]]:
    """Run wrk on one gevent worker while py-spy samples it; (samples, [(component, share %)])."""
    env = {**ENV, "WEB_CONCURRENCY": "1"}
    saved = dict(ENV)
    ENV.update(env)
    try:
        api = Gunicorn("wsgi:app", "profile-web")
    finally:
        ENV.clear()
        ENV.update(saved)
    raw = RUN / f"{Path(script).stem}.raw"
    try:
        wrk(api.url, script, 2)
        load = subprocess.Popen(
            ["wrk", "-t1", "-c16", f"-d{seconds + 3}s", "-s", f"bench/lua/{script}", api.url],
            cwd=RUN.parent.parent,
            env={**ENV, "BENCH_TOKENS": str(RUN / "tokens.txt")},
            stdout=subprocess.DEVNULL,
        )
        time.sleep(1)
        subprocess.run(
            [
                "py-spy",
                "record",
                "-p",
                str(api.worker_pids()[0]),
                "-d",
                str(seconds),
                "-r",
                "250",
                "-f",
                "raw",
                "-o",
                str(raw),
            ],
            check=True,
            capture_output=True,
        )
        load.wait()
    finally:
        api.stop()
    shares, total = Counter(), 0
    for line in raw.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        if stack.startswith(IDLE_THREAD) and stack.endswith(IDLE_WAIT):
            continue  # gevent's thread pool waiting for work: py-spy samples it as running
        total += int(count)
        for label, needle in COMPONENTS.items():
            if needle in stack:
                shares[label] += int(count)
    return total, [(label, 100 * shares[label] / max(total, 1)) for label in COMPONENTS]


def profile_table(results: dict[str, tuple[int, list[tuple[str, float]]]]) -> str:
    """One markdown table: a row per component, a column per script."""
    scripts = list(results)
    lines = [
        "| component | " + " | ".join(f"{s} ({results[s][0]} samples)" for s in scripts) + " |",
        "|---|" + "---:|" * len(scripts),
    ]
    for index, (label, _share) in enumerate(results[scripts[0]][1]):
        cells = " | ".join(f"{results[s][1][index][1]:.1f}%" for s in scripts)
        lines.append(f"| {label.replace('  ', '&nbsp;&nbsp;')} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scripts", nargs="*", default=["goals.lua"])
    parser.add_argument("--seconds", type=int, default=12)
    parser.add_argument("--markdown", help="write the table to this file (bench/profile-before.md) with a title")
    args = parser.parse_args()
    results = {script: profile(script, args.seconds) for script in args.scripts}
    for script, (total, shares) in results.items():
        print(f"{script}: {total} samples of one worker")
        for label, share in shares:
            print(f"{share:5.1f}%  {label}")
    if args.markdown:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
        title = os.environ.get("PROFILE_TITLE") or f"Profile of commit {commit.strip() or '?'}"
        Path(args.markdown).write_text(f"### {title}\n\n{profile_table(results)}\n")


if __name__ == "__main__":
    main()
