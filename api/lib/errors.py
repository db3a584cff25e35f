"""RFC 9457 problem details for every error the API returns.

Every error body is ``application/problem+json`` with ``type``, ``title``, ``status``, ``detail`` and a stable
machine-readable ``code`` that clients (the PWA, agency systems) switch on. Unexpected exceptions become a
generic 500 problem whose detail reveals nothing; the traceback goes to the log with a reference id that
the citizen can quote to the help desk.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

log = logging.getLogger("api.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://mpp-digital.id/problems/"

_TITLES = {
    400: "Bad request",
    401: "Unauthorised",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class FieldError(msgspec.Struct, omit_defaults=True):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    reference: str | None = None


class DomainError(Exception):
    """The one base of every error a service raises on purpose: it carries its HTTP status and stable code.

    Services never import Litestar; they raise a subclass of this (``status``/``code`` as class attributes,
    overridable per raise) and the single handler registered in ``EXCEPTION_HANDLERS`` turns it into
    problem+json. Controllers therefore need no try/except to translate errors. ``detail`` is the
    English sentence the caller sees; ``errors`` lists per-field problems; ``headers`` (e.g. ``Retry-After``)
    go onto the response.
    """

    status: int = 400
    code: str = "bad_request"
    # A subclass whose sentence never varies says it here once, so that its raise sites need no argument.
    detail: str = ""
    # RFC 9457 extension members (camelCase, JSON values) a client needs besides the sentence: e.g. the date a
    # suspension ends. They never replace the standard members.
    extensions: dict[str, Any] | None = None

    def __init__(
        self,
        detail: str = "",
        *,
        status: int | None = None,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.detail = detail or self.detail or _TITLES.get(self.status, "Error")
        super().__init__(self.detail)
        self.errors = errors
        self.headers = headers


class NotFoundError(DomainError, LookupError):
    """404 ``not_found``: "No such <what>." — the one sentence every domain's not-found answers with."""

    status = 404
    code = "not_found"

    def __init__(self, what: str) -> None:
        super().__init__(f"No such {what}.")


# How long a client should wait before trying again when the database is away: long enough not to hammer a
# database that is restarting, short enough that a phone's outbox sends the application soon after it is back.
RETRY_AFTER_SECONDS = 10


class DatabaseUnavailableError(DomainError):
    """503 ``unavailable`` with ``Retry-After``: the database cannot be reached (refused, gone mid-request, or no
    connection free in time). Nothing was done; the same request later will work, and is safe to repeat where
    the route is idempotent (a submission carries its Idempotency-Key)."""

    status = 503
    code = "unavailable"
    detail = "The service cannot reach its database just now. Nothing was saved; please try again in a moment."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


# The database's own ways of saying "I am not there": class 08 (connection exceptions, e.g. "connection was closed
# in the middle of operation"), and a server that is starting, stopping or full (57P01–57P03, 53300).
_DATABASE_AWAY = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database could not be reached, rather than a fault in our code.

    Besides asyncpg's own connection errors, a refused or reset socket and a timeout count when they were raised
    inside asyncpg (connecting, or waiting for a pooled connection): the same ``OSError`` from elsewhere (a file,
    another service) is not the database's. Looks through ``raise … from`` once, for code that wraps the error.
    """
    for error in (exc, exc.__cause__):
        if isinstance(error, _DATABASE_AWAY):
            return True
        if isinstance(error, (ConnectionError, TimeoutError)) and _raised_in_asyncpg(error):
            return True
    return False


def _raised_in_asyncpg(exc: BaseException) -> bool:
    return any("/asyncpg/" in frame.f_code.co_filename for frame, _ in traceback.walk_tb(exc.__traceback__))


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    return problem_response(
        request, exc.status, exc.code, exc.detail, errors=exc.errors, headers=exc.headers, extensions=exc.extensions
    )


class ProblemError(HTTPException):
    """An error with a stable code, raised by controllers for HTTP-only checks (headers, query syntax);
    services raise ``DomainError`` subclasses instead."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail=detail, status_code=status, headers=headers)
        self.code = code
        self.errors = errors


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    reference: str | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response[bytes]:
    body = Problem(
        type=TYPE_BASE + code,
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        instance=request.url.path,
        errors=errors,
        reference=reference,
    )
    content = msgspec.json.encode(body)
    if extensions:
        standard = msgspec.to_builtins(body)
        content = msgspec.json.encode({**extensions, **standard})
    return Response(
        content=content,
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={**(headers or {}), "Cache-Control": "no-store"},
    )


def _validation_errors(extra: Any) -> list[FieldError] | None:
    if not isinstance(extra, list):
        return None
    errors = []
    for item in extra:
        if isinstance(item, dict):
            errors.append(FieldError(field=str(item.get("key", "")), message=str(item.get("message", ""))))
    return errors or None


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if status >= 500 and not isinstance(exc, ProblemError):
        # The framework's own 5xx (e.g. a handler that could not be called): log it like any other failure.
        return handle_unexpected(request, exc)
    if isinstance(exc, ProblemError):
        return problem_response(request, status, exc.code, exc.detail, errors=exc.errors, headers=exc.headers)
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc.extra)
        detail = "The request is not valid."
        if errors:
            detail = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)
        return problem_response(request, 400, "invalid_request", detail, errors=errors)
    if isinstance(exc, NotFoundException):
        return problem_response(request, 404, "not_found", "There is nothing at this address.")
    if isinstance(exc, MethodNotAllowedException):
        return problem_response(request, 405, "method_not_allowed", exc.detail, headers=exc.headers)
    code = _CODES.get(status, "error")
    detail = exc.detail if exc.detail and exc.detail != _TITLES.get(status) else _TITLES.get(status, "Error")
    return problem_response(request, status, code, detail, headers=exc.headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if database_unreachable(exc):
        # The one place a database outage becomes 503 for every route: no route catches connection errors.
        log.warning("database unreachable on %s %s: %r", request.method, request.url.path, exc)
        return handle_domain_error(request, DatabaseUnavailableError())
    reference = uuid.uuid4().hex[:12]
    log.error("unhandled error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "Something went wrong on our side. Please try again; quote the reference if it persists.",
        reference=reference,
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
