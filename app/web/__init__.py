"""Kalendar's own web client: the HTML shell on the client's routes and its static ES modules (no build step)."""
