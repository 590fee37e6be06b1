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
GUNICORN_WORKER_CLASS=gthread still works (e.g. for debugging), with the limits above. For REST alone it
is no faster (wrk -t2 -c32, 2 workers, interleaved runs on this loaded 2-core machine: /healthz gevent
1,591-1,792 req/s p99 39-44 ms, gthread 1,409-1,805 req/s p99 44-104 ms; /auth/me gevent 894 req/s p99 87 ms,
gthread 985 req/s p99 88 ms), and less fair: its workers took the connections unevenly (2/30, 5/27, 1/31
of the 32; one connection got up to 6x the mean's requests, gevent 1.06x at most).
"""

import gc
import importlib.util
import logging
import os
import traceback
from pathlib import Path

from gunicorn import glogging

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "2000"))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))  # used by gthread only
timeout = 60
graceful_timeout = 20
keepalive = 5
# reuse_port stays off. With it gunicorn gives each worker its own socket and the kernel spreads connections by
# a hash, at random; on the shared socket a worker takes a new connection once per round of its own, and the
# one with fewer connections has shorter rounds. Of wrk's 32 connections, the busier worker held 18.4 on
# average over 10 runs with reuse_port (up to 23), 17.4 without (up to 19).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# The path without its query string: WebSocket and calendar feed URLs carry their credential in `?token=`,
# which must never reach a log. The Referer is left out for the same reason.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(L)s'


class AccessLog(glogging.Logger):
    """gunicorn's logger, with the line of the access log above built from the atoms it names.

    gunicorn builds, for every request, a dict of every atom (each request and response header, the whole
    WSGI environ), escapes each value, and logs the line through `logging` (a LogRecord with a caller lookup,
    the pid, the thread and process names). When the format is this file's and the line goes to gunicorn's own
    handler (stdout or a file), this builds the same line from the atoms the format names and writes it to that
    handler's stream, under its lock; any other set-up (another format, a log configuration, syslog, a filter)
    takes gunicorn's path. The line is the same, byte for byte (tests/test_gunicorn_conf.py compares them).
    py-spy on a gevent worker under wrk on /healthz: the access log 10.9% of the samples with gunicorn's path,
    5.0% with this one (most of it the write, the flush and the lock).
    """

    def setup(self, cfg):
        super().setup(cfg)
        handlers = self.access_log.handlers
        own = (
            cfg.access_log_format == access_log_format
            and cfg.accesslog is not None
            and not (cfg.syslog or cfg.logconfig or cfg.logconfig_dict or cfg.logconfig_json)
            and len(handlers) == 1
            and getattr(handlers[0], "_gunicorn", False)
            and type(handlers[0]) in (logging.StreamHandler, logging.FileHandler)
            and not handlers[0].filters
            and not self.access_log.filters
            and getattr(handlers[0].formatter, "_fmt", None) == self.access_fmt
        )
        self._line_handler = handlers[0] if own else None

    def access(self, resp, req, environ, request_time):
        handler = self._line_handler
        if handler is None or handler.stream is None or not self.access_log.isEnabledFor(logging.INFO):
            return super().access(resp, req, environ, request_time)
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        atoms = {
            "h": environ.get("REMOTE_ADDR", "-"),
            "l": "-",
            "u": self._get_user(environ) or "-",
            "t": self.now(),
            "m": environ.get("REQUEST_METHOD"),
            "U": environ.get("PATH_INFO"),
            "H": environ.get("SERVER_PROTOCOL"),
            "s": status,
            "b": sent is not None and str(sent) or "-",
            "a": environ.get("HTTP_USER_AGENT", "-"),
            "L": f"{request_time.seconds}.{request_time.microseconds:06d}",
        }
        for key, value in atoms.items():
            if isinstance(value, str) and '"' in value:
                atoms[key] = value.replace('"', '\\"')  # as gunicorn's SafeAtoms
        try:
            line = access_log_format % atoms + handler.terminator
            handler.acquire()
            try:
                handler.stream.write(line)
                handler.flush()
            finally:
                handler.release()
        except Exception:
            self.error(traceback.format_exc())


logger_class = AccessLog
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

    The collector's thresholds stay the default: under wrk -c32 on /healthz a worker ran ~90 young
    collections in 12 s, 24-39 ms in all (0.3% of the time), none longer than 3 ms.
    """
    gc.freeze()
