"""Liveness and readiness probes (`/healthz`, `/readyz`): an interface that reads the database, Redis and the bot."""
