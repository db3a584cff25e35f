"""One gate for hostile text, in front of every route: request bodies, query strings, paths and the headers we read.

Routes declare their own shapes (msgspec structs); what no route should ever have to think about is refused here,
once, before Litestar decodes anything, so a new route is covered the day it is added. The address and the headers
are checked for every request before it is routed (``check_request_line``, called by ``api.lib.observe``); a body
the first time a route reads it (``GuardedRequest``, the app's request class), under the route's own size limit:

- a JSON body that is not UTF-8 (``invalid_encoding``) or nests deeper than ``MAX_DEPTH`` (``too_deep``);
- text holding characters that no form field means: NUL and the other C0/C1 controls (tab, newline and carriage
  return excepted: free text has lines), bidi embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069: they make
  an officer's screen show text in another order than it is stored — "Trojan Source"), non-characters
  (``invalid_text``);
- in names (``name``, ``…Name``) also line breaks, tabs, the invisible direction marks U+200E/U+200F/U+061C and
  zero-width characters that make two names look alike (``invalid_text``);
- in NIKs and phone numbers (``nik``, ``…Nik``, ``phone``, ``…Phone``) digits that are not ASCII: Python's
  ``int()`` and ``str.isdigit()`` take fullwidth and Arabic-Indic digits, and a number spelt with them would be a
  different string for the same number (``invalid_digits``);
- a date (a string that is an ISO date or date-time) outside a sane range of years: a year-9999 date overflows date
  arithmetic later (``invalid_date``);
- ``If-Match`` and ``Idempotency-Key`` longer than ``MAX_HEADER_CHARS`` or not printable ASCII
  (``invalid_header``): a 5,000-digit If-Match would exceed ``int()``'s digit limit deep in a controller.

Everything refused answers a problem+json (400 for malformed requests and addresses, 422 for unacceptable text in
a body), and nothing is stored: the route's handler never has the input. Multipart uploads are parsed by
``api.lib.upload``, which puts its text fields through ``field_text`` below.

Cost: every request pays for the first half. A request without a body costs a scan of its query string and path
(a single regex over bytes when they are plain printable ASCII) and a look at a few headers. A JSON body that is
plain ASCII without escapes and with few brackets is checked by byte searches alone; only other bodies are decoded
(by msgspec, in C) and walked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import unquote_to_bytes

import msgspec
from litestar import Request
from litestar.types import Empty, Scope, Send

from api.lib.errors import PROBLEM_JSON, TYPE_BASE, DomainError, Problem

MAX_DEPTH: Final = 32
MAX_HEADER_CHARS: Final = 200
# Birth dates of the oldest citizens and colonial-era land titles on one side, a document's validity on the other.
MIN_YEAR: Final = 1800
MAX_YEAR: Final = 2199

# Refused in any text: C0 controls but tab/newline/CR, DEL and C1 controls, bidi embeddings, overrides and
# isolates, surrogates (a lone one cannot be stored as UTF-8), and the non-characters U+FFFE/U+FFFF.
_FORBIDDEN: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
# Refused in names on top of those: line breaks and tabs, direction marks (LRM, RLM, ALM), zero-width space,
# word joiner and BOM, line/paragraph separators. (ZWJ/ZWNJ stay: some scripts need them to spell a name.)
_FORBIDDEN_IN_NAMES: Final = re.compile("[\t\n\r\u061c\u200b\u200e\u200f\u2028\u2029\u2060\ufeff]")
# A string that is a date or a date-time, e.g. 2024-05-01 or 2024-05-01T10:00:00+07:00; group 1 is the year.
_DATE: Final = re.compile(r"^([0-9]{4})-[0-9]{2}-[0-9]{2}(?:[T ][0-9:.]+(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$")
_DATE_BYTES: Final = re.compile(rb'"([0-9]{4})-[0-9]{2}-[0-9]{2}[T 0-9:.Z+-]*"')
# Bytes that make the fast path impossible: anything but printable ASCII, and the backslash that starts an escape.
_NOT_PLAIN: Final = re.compile(rb"[^\x20-\x5b\x5d-\x7e\t\n\r]")
_NOT_PRINTABLE_ASCII: Final = re.compile(rb"[^\x20-\x7e]")
# A percent escape, and the escapes of printable ASCII but the hyphen (0x20-0x7e without 0x2d).
_ESCAPE: Final = re.compile(rb"%([0-9A-Fa-f]{2})")
_PLAIN_ESCAPE: Final = re.compile(rb"(?!2[dD]|7[fF])[2-7][0-9A-Fa-f]")
# A JSON string (with its escapes) or a bracket: the tokens of the depth scan, found by the C regex engine.
_DEPTH_TOKEN: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_CHECKED_HEADERS: Final = (b"if-match", b"if-none-match", b"idempotency-key")


class HostileInputError(DomainError):
    """Input no route should see: ``code`` says which rule it broke (see the module's docstring)."""

    status = 422
    code = "invalid_text"


def _encoding_error(where: str) -> HostileInputError:
    return HostileInputError(f"{where} is not valid UTF-8.", status=400, code="invalid_encoding")


def _is_name(key: str) -> bool:
    return key == "name" or key.endswith("Name")


def _is_identifier(key: str) -> bool:
    return key in ("nik", "phone") or key.endswith(("Nik", "NIK", "Phone"))


def check_text(value: str, field: str, *, name: bool = False, identifier: bool = False) -> None:
    """Refuse characters that no text field means (and, in names and identifiers, a few more)."""
    if _FORBIDDEN.search(value) or (name and _FORBIDDEN_IN_NAMES.search(value)):
        raise HostileInputError(f"{field or 'The text'} contains control or direction characters that are not allowed.")
    if identifier and not value.isascii() and any(c.isdigit() for c in value):
        raise HostileInputError(f"{field}: write the number with the digits 0-9.", code="invalid_digits")
    check_date_text(value, field)


def check_date_text(value: str, field: str) -> None:
    """Refuse a date (or date-time) whose year is outside MIN_YEAR..MAX_YEAR; other strings pass."""
    if len(value) < 10 or not value[:4].isascii():
        return
    match = _DATE.match(value)
    if match and not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise HostileInputError(
            f"{field or 'The date'} must be a date between {MIN_YEAR} and {MAX_YEAR}.", code="invalid_date"
        )


def check_json(body: bytes) -> None:
    """Check a JSON request body; a body that is not JSON at all is left for the route to refuse."""
    if not _NOT_PLAIN.search(body):
        # Plain printable ASCII without escapes: no forbidden character can be in it. Depth and dates remain.
        if body.count(b"[") + body.count(b"{") > MAX_DEPTH:
            _check_depth(body)
        for match in _DATE_BYTES.finditer(body):
            if not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
                break
        else:
            return
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise _encoding_error("The request body") from None
    _check_depth(body)
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return  # not JSON (or a lone surrogate escape, which msgspec refuses): the route answers its own 400
    _walk(document, "", 0)


def _check_depth(body: bytes) -> None:
    depth = 0
    for token in _DEPTH_TOKEN.finditer(body):
        char = token.group()
        if char in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise HostileInputError(
                    f"The request body nests deeper than {MAX_DEPTH} levels.", status=400, code="too_deep"
                )
        elif char in (b"]", b"}"):
            depth -= 1


def _walk(value: Any, key: str, depth: int) -> None:
    if isinstance(value, str):
        check_text(value, key, name=_is_name(key), identifier=_is_identifier(key))
    elif isinstance(value, dict):
        for child_key, child in value.items():
            check_text(child_key, "A field name")
            _walk(child, child_key, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _walk(item, key, depth + 1)


def field_text(raw: bytes, field: str) -> str:
    """A multipart form's text field (``type``, ``issuedOn``, …), decoded and held to the same rules as JSON text."""
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _encoding_error(f"The field {field!r}") from None
    check_text(value, field, name=_is_name(field), identifier=_is_identifier(field))
    return value


def _plain_query(query: bytes) -> bool:
    """Whether ``query`` is printable ASCII once percent-decoded, with no hyphen (so no date): nothing to check.
    A search's spaces arrive escaped ("ktp%20hilang"), and decoding every pair cost a search a tenth of its route's
    time (cProfile of the search rotation in process)."""
    if b"-" in query or _NOT_PRINTABLE_ASCII.search(query):
        return False
    if b"%" not in query:
        return True
    escapes = _ESCAPE.findall(query)
    return len(escapes) == query.count(b"%") and all(_PLAIN_ESCAPE.fullmatch(e) for e in escapes)


def check_query(query: bytes) -> None:
    """Query strings: UTF-8 once percent-decoded, no forbidden characters, no out-of-range dates."""
    if not query or _plain_query(query):
        return  # printable ASCII (escaped or not) and no date: nothing to decode
    check_query_pairs(query)


def check_query_pairs(query: bytes) -> None:
    """``check_query`` without its fast path: each parameter decoded and checked."""
    for pair in query.split(b"&"):
        name, _, raw = pair.partition(b"=")
        try:
            key = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
            value = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise _encoding_error("The query string") from None
        try:
            check_text(key, "A query parameter")
            check_text(value, key, name=_is_name(key), identifier=_is_identifier(key))
        except HostileInputError as exc:
            raise _malformed(exc) from None


def check_path(path: str) -> None:
    if not path.isascii() or _NOT_PRINTABLE_ASCII.search(path.encode("ascii")):
        try:
            check_text(path, "The path")
        except HostileInputError as exc:
            raise _malformed(exc) from None


def _malformed(exc: HostileInputError) -> HostileInputError:
    """The same refusal as 400: an address (path, query) with such characters is a malformed request, not a
    form's content to correct."""
    exc.status = 400
    return exc


def check_headers(headers: Iterable[tuple[bytes, bytes]]) -> None:
    for name, value in headers:
        if name in _CHECKED_HEADERS and (len(value) > MAX_HEADER_CHARS or _NOT_PRINTABLE_ASCII.search(value)):
            raise HostileInputError(
                f"The {name.decode()} header must be at most {MAX_HEADER_CHARS} printable ASCII characters.",
                status=400,
                code="invalid_header",
            )


def _is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether the body is to be read as JSON: any body but multipart (which ``read_upload`` checks itself).

    Not only ``application/json``: Litestar decodes a JSON body whatever its declared type, so a check keyed on
    the content type would be skipped by a client that declares ``text/plain``.
    """
    for name, value in headers:
        if name == b"content-type":
            return not value.lstrip().lower().startswith(b"multipart/")
    return True


def check_request_line(scope: Scope) -> None:
    """The path, the query string and the headers we read: checked for every request before it is routed."""
    check_path(scope["path"])
    check_query(scope["query_string"])
    check_headers(scope["headers"])


class GuardedRequest(Request[Any, Any, Any]):
    """Litestar's request whose body is checked the first time a route reads it (``request_class``).

    Every way a route takes a body goes through ``body()``: a ``data`` parameter (msgspec or JSON), a form,
    ``request.json()`` and the routes that read the raw body. Checked here rather than in a middleware, the body is
    read under the route's own size limit (Litestar answers 413 past it), only by routes that take one, after
    the route's guards have let the caller in, and a request without a body costs nothing. Multipart uploads are
    streamed by ``api.lib.upload``, which checks their text fields itself.
    """

    async def body(self) -> bytes:
        if self._body is Empty and self._connection_state.body is Empty:
            raw = await super().body()
            if raw and _is_json(self.scope["headers"]):
                check_json(raw)
            return raw
        return await super().body()


async def refuse(scope: Scope, send: Send, exc: HostileInputError) -> None:
    problem = Problem(
        type=TYPE_BASE + exc.code,
        title="Bad request" if exc.status == 400 else "Unprocessable content",
        status=exc.status,
        detail=exc.detail,
        code=exc.code,
        instance=scope.get("path"),
    )
    content = msgspec.json.encode(problem)
    await send(
        {
            "type": "http.response.start",
            "status": exc.status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(content)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content, "more_body": False})
