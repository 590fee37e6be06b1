"""WSGI entry point: `gunicorn wsgi:app` (and `flask --app wsgi`)."""

from app import create_app
from app.config import refuse_to_start

# 4 is gunicorn's "App failed to load": its master stops instead of respawning a worker that cannot start.
with refuse_to_start(exit_code=4):
    app = create_app()
