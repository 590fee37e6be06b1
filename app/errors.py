"""Domain errors and the one error envelope: `{code, status, message, errors}` for every failure."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain was broken. Services raise these; HTTP mapping happens once, below."""

    code = 400

    def __init__(self, message: str = "", errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message or self.__class__.__doc__ or ""
        self.errors = errors


class NotFound(DomainError):
    """Not found."""

    code = 404


class Forbidden(DomainError):
    """You are not allowed to do this."""

    code = 403


class Conflict(DomainError):
    """The request conflicts with the current state."""

    code = 409


class ValidationFailed(DomainError):
    """The data is invalid."""

    code = 422

    def __init__(self, errors: dict[str, Any] | str, message: str = "") -> None:
        if isinstance(errors, str):
            errors = {"_schema": [errors]}
        super().__init__(message or "Validation failed.", {"json": errors})


class RateLimited(DomainError):
    """Too many attempts, try again later."""

    code = 429

    def __init__(self, retry_after: int, message: str = "") -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class Unauthorized(DomainError):
    """Authentication required."""

    code = 401


class UpstreamError(DomainError):
    """An upstream service failed."""

    code = 502


def field_errors(error: DomainError) -> dict[str, list[str]]:
    """The error's messages by field (the admin puts them on its form fields)."""
    return {field: [str(m) for m in msgs] for field, msgs in ((error.errors or {}).get("json") or {}).items()}


def field_messages(error: DomainError) -> str:
    """Every field's errors in one run of sentences, without the field names (the bot's chat replies)."""
    return " ".join(message for messages in field_errors(error).values() for message in messages)


def describe(error: DomainError) -> str:
    """A DomainError as one line (CLI messages, admin flashes): the message, then each field's errors."""
    details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in field_errors(error).items())
    return f"{error.message} {details}".strip()


def error_response(code: int, message: str = "", errors: Any = None, headers: dict | None = None):
    """Build the envelope; `status` is the HTTP reason phrase (as flask-smorest writes it)."""
    status = HTTP_STATUS_CODES.get(code, "Unknown")
    payload: dict[str, Any] = {"code": code, "status": status}
    if message:
        payload["message"] = message
    if errors:
        payload["errors"] = errors
    response = jsonify(payload)
    response.status_code = code
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def envelope_for_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    errors = data.get("errors") or data.get("messages")
    message = data.get("message") or error.description or ""
    if isinstance(error, InternalServerError):
        message = "Internal server error."  # never internals
    return error_response(error.code or 500, message, errors, headers)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else None
        return error_response(error.code, error.message, error.errors, headers)

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(error: IntegrityError):
        app.extensions["sqlalchemy"].session.rollback()
        log.info("integrity error: %s", error.orig.__class__.__name__)
        return error_response(409, "The request conflicts with existing data.")

    @app.errorhandler(DataError)
    def handle_data_error(error: DataError):
        # A value the database cannot take (a malformed UUID in an admin URL, a number out of range) is bad
        # input, not a crash; the driver's message (SQL, values) stays in the log.
        app.extensions["sqlalchemy"].session.rollback()
        log.info("data error: %s", error.orig.__class__.__name__)
        return error_response(400, "A value is malformed or out of range.")

    @app.errorhandler(OperationalError)
    def handle_operational_error(error: OperationalError):
        app.extensions["sqlalchemy"].session.rollback()
        log.error("database unavailable: %s", error.orig.__class__.__name__)
        return error_response(503, "The database is unavailable, try again shortly.", headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return envelope_for_http_exception(error)
        if isinstance(error, RecursionError):
            # Only hostile input recurses this deep: JSON bodies nested thousands of levels.
            return error_response(400, "The request body is nested too deeply.")
        log.exception("unhandled error")
        return error_response(500, "Internal server error.")
