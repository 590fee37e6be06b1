"""gunicorn settings shared by the Procfile, the Dockerfile and the benchmarks."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# gunicorn 27 defaults every instance to one control-socket path; several instances on one machine collide.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", f"/tmp/gunicorn-{os.environ.get('PORT', '8000')}.ctl")
