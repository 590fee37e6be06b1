# One image for every Procfile process: web (default CMD), worker, bot and release (migrations).
# No `# syntax=` line: BuildKit's built-in frontend covers everything below, so a build needs no registry
# beyond the base image's.

# The base is pinned to a Debian release, so a rebuild never moves to the next one under the same name.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a self-contained virtualenv holding exactly requirements.lock (pinned, hash-checked) ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock \
    && /opt/venv/bin/pip check

# --- runtime: the virtualenv plus the code, run as an unprivileged user ---
FROM ${PYTHON_IMAGE} AS runtime
ENV TZ=UTC \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PORT=8000
# A regular (not --system) account: uid 10001 lies outside the system range, and --no-log-init keeps the
# lastlog/faillog files of a high uid out of the layer.
RUN groupadd --gid 10001 kalendar \
    && useradd --uid 10001 --gid kalendar --no-log-init --no-create-home --home-dir /app \
       --shell /usr/sbin/nologin kalendar
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# The code stays owned by root (read-only for the app); only instance/ is writable.
COPY . /app
RUN mkdir -p /app/instance && chown kalendar:kalendar /app/instance
USER 10001:10001
EXPOSE 8000
# No HEALTHCHECK here: the compose files probe web only (worker and bot have no port; an inherited check
# would have to be disabled there, and `up --wait` refuses services whose check is disabled).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
