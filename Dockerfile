# syntax=docker/dockerfile:1
# One image for every Procfile process: web (default CMD), worker, bot and release (migrations).

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: a self-contained virtualenv with the pinned runtime dependencies ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

# --- runtime: the virtualenv plus the code, run as an unprivileged user ---
FROM ${PYTHON_IMAGE} AS runtime
ENV TZ=UTC \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PORT=8000
RUN groupadd --system --gid 10001 kalendar \
    && useradd --system --uid 10001 --gid kalendar --home-dir /app --no-create-home --shell /usr/sbin/nologin kalendar
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# The code stays owned by root (read-only for the app); only instance/ (SQLite fallback) is writable.
COPY . /app
RUN mkdir -p /app/instance && chown kalendar:kalendar /app/instance
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
