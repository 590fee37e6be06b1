"""gunicorn settings shared by the Procfile, the Dockerfile and the benchmarks.

Worker model: gevent. The web process serves REST and WebSockets on one port, and a WebSocket stays
open for hours. Under gthread every open socket pins one OS thread, so 16 threads = 16 sockets and the
17th client (socket or REST call) waits. gevent runs each connection in a greenlet: hundreds of idle
sockets cost a few KiB each, and REST keeps its latency (bench/websockets.py measures both).
What makes that safe:
- gevent's monkey patching (done by the worker before the app is imported) makes sockets, `threading`,
  `queue` and redis-py cooperative; the realtime hub's pub/sub listener is one greenlet per process;
- psycopg 3 sees gevent's patched `select` when it is first imported (after the worker patched it, before
  the app loads) and waits for PostgreSQL through it, so a query yields to other greenlets too
  (tests/test_pool.py checks it on a real gevent worker);
- `worker_connections` caps concurrent connections per worker; the SQLAlchemy pool (not a thread count)
  bounds concurrent database work, and WebSocket handlers return their connection right after the checks.
GUNICORN_WORKER_CLASS=gthread still works (e.g. for debugging), with the limits above.
"""

import gc
import importlib.util
import os
from pathlib import Path

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "2000"))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))  # used by gthread only
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# The path without its query string: WebSocket and calendar feed URLs carry their credential in `?token=`,
# which must never reach a log. The Referer is left out for the same reason.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(L)s'
# gunicorn 27 defaults every instance to one control-socket path; several instances on one machine collide.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", f"/tmp/gunicorn-{os.environ.get('PORT', '8000')}.ctl")


def on_starting(server):
    """Refuse a DATABASE_URL / REDIS_URL of another kind once, in the master, before any worker forks.

    Left to the workers, every one of them fails at once, and gunicorn's halt then trips over itself (a traceback
    instead of the one-line message). app/config.py is loaded on its own: importing the app in the master would
    come before gevent's monkey patching in the workers.
    """
    spec = importlib.util.spec_from_file_location("kalendar_config", Path(__file__).with_name("app") / "config.py")
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    with config.refuse_to_start(exit_code=4):
        config.check_service_urls(config.Config.SQLALCHEMY_DATABASE_URI, config.Config.REDIS_URL)


def post_request(worker, req, environ, resp):
    """Let the other connections run after every response (gevent), through the event loop's poll.

    A keep-alive connection whose next request is already buffered never blocks, so its greenlet would serve
    request after request while the others wait: under wrk -c32, /healthz had p50 0.6 ms but p99 510 ms, single
    connections ranging from ~700 req/s down to 1-2 req/s. One yield per response serves them in turn.

    The yield waits on a zero-delay timer, which fires in the loop's next iteration, after its poll for socket
    readiness, so every ready connection gets one turn per round. `gevent.sleep(0)` queues a callback instead,
    and gevent runs queued callbacks until 50 of them and 5 ms have gone by before it polls again: the greenlets
    whose next request was already buffered went round and round while a connection whose request came a moment
    later, and every new connection (accept), waited for that poll. Measured with wrk -t2 -c32 on /healthz
    (2 workers, this 2-core machine under outside load, interleaved runs): the loop polled 4-6 times a second,
    the 32 connections took 4.5 s to be accepted, p99 240-3,900 ms; with the timer p99 78-300 ms, the same for
    bench/ceiling.py (890-2,450 ms before).
    """
    if worker_class == "gevent":
        import gevent  # here, not at the top: this file is read before the worker patches the standard library

        hub = gevent.get_hub()
        with hub.loop.timer(0) as turn:
            hub.wait(turn)


def post_worker_init(worker):
    """Freeze what the app built at start-up out of the garbage collector's reach.

    Those objects live as long as the worker anyway; frozen, neither the periodic collections nor the
    interpreter's teardown traverse them. Without it a worker needed 10-15 s of CPU to exit on a loaded
    2-core machine (1-2 s with it), so `docker compose stop` ended web with SIGKILL.
    """
    gc.freeze()
