"""psycopg's wait in a gevent worker (app/common/green_wait.py), run in a process gevent has patched: queries
of different greenlets overlap, big sends and results arrive whole, errors and a greenlet's timeout are psycopg's
as before; without gevent nothing is installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from psycopg import waiting

from app.common import green_wait

SCRIPT = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import sys
    import time

    import gevent
    import psycopg
    from psycopg import waiting

    from app.common import green_wait

    url = sys.argv[1]
    assert green_wait.install() and waiting.wait is green_wait.wait


    def sleeper():
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute("SELECT pg_sleep(0.4), 1").fetchone()[1]


    started = time.monotonic()
    jobs = [gevent.spawn(sleeper) for _ in range(4)]
    gevent.joinall(jobs, raise_error=True)
    assert [job.value for job in jobs] == [1, 1, 1, 1]
    assert time.monotonic() - started < 1.2, "the four queries did not overlap"

    conn = psycopg.connect(url, autocommit=True)
    big = "x" * 8_000_000  # more than a socket buffer each way: waits to write, then to read
    assert conn.execute("SELECT length(%s), %s", (big, big)).fetchone() == (8_000_000, big)
    rows = conn.execute("SELECT generate_series(1, 200000)").fetchall()
    assert len(rows) == 200000 and rows[-1] == (200000,)
    try:
        conn.execute("SELECT 1/0")
    except psycopg.errors.DivisionByZero:
        pass
    else:
        raise AssertionError("no error")
    assert conn.execute("SELECT 2").fetchone() == (2,)
    started = time.monotonic()
    try:
        with gevent.Timeout(0.2):  # the greenlet is not stuck in the wait (the connection is spent, as before)
            conn.execute("SELECT pg_sleep(5)")
    except gevent.Timeout:
        assert time.monotonic() - started < 2
    else:
        raise AssertionError("no timeout")
    conn.cancel_safe(timeout=2)  # psycopg's own wait, with a deadline
    conn.close()
    print("ok")
    """
)


def test_under_gevent_queries_overlap_and_answer_whole(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, url], capture_output=True, text=True, timeout=60, cwd=app.root_path + "/.."
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_without_gevent_psycopg_keeps_its_own_wait():
    assert not green_wait.install()
    assert waiting.wait is not green_wait.wait
