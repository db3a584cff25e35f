"""Small HTTP helpers shared by controllers: language, pagination, conditional GET, If-Match and ETag."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response.base import ASGIResponse
from litestar.types import HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from api.lib.cache import Encoded
from api.lib.errors import ProblemError

# Lang lives with the request-language context; re-exported here, where controllers look for it.
from api.lib.language import Lang as Lang
from api.lib.language import current_language
from api.lib.language import pick as pick
from api.lib.language import pick_opt as pick_opt

JSON_TYPE = "application/json"
JSON_BYTES = JSON_TYPE.encode()


def language(request: Request[Any, Any, Any]) -> Lang:
    """Indonesian unless the client prefers English (Accept-Language, highest quality first).

    Read from what the request's one wrapper (``api.lib.observe``) kept of the header while it read the headers
    anyway, not from Litestar's header mapping, which would be built for this one look."""
    return current_language()


def client_ip(request: Request[Any, Any, Any]) -> str:
    """The peer's address (behind a proxy, uvicorn's --forwarded-allow-ips makes this the client's)."""
    return request.client.host if request.client else ""


Page = Annotated[int, QueryParameter(ge=1, le=10_000, description="Page number, from 1")]
PageSize = Annotated[int, QueryParameter(name="pageSize", ge=1, le=100, description="Items per page (1-100)")]


class EncodedResponse(ASGIResponse):
    """An answer already encoded (``etag_response``), sent as it is.

    Litestar's ``Response`` merges the route's and the application's headers and cookies and encodes each header
    again on every request; an encoded body with four fixed headers needs none of that (a sixth of a catalogue
    search's time in its route, profiled in process). A subclass of ``ASGIResponse`` so that Litestar hands it to
    the server untouched and OpenAPI takes the route's ``responses=ok(…)`` for its 200.
    """

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
        # ASGIResponse.__init__ is not called on purpose: it is the header work this class exists to skip.
        self._status = status
        self._raw_headers = headers
        self._body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A new list each time: the request's one wrapper (api.lib.observe) appends its headers to it in place.
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": self._status,
            "headers": self._raw_headers,
        }
        await send(start)
        body: HTTPResponseBodyEvent = {
            "type": "http.response.body",
            "body": b"" if scope.get("method") == "HEAD" else self._body,
            "more_body": False,
        }
        await send(body)


@functools.lru_cache(maxsize=32)
def _caching_headers(public: bool, max_age: int, stale_while_revalidate: int) -> tuple[tuple[bytes, bytes], ...]:
    scope = "public" if public else "private"
    cache_control = f"{scope}, max-age={max_age}, stale-while-revalidate={stale_while_revalidate}"
    return (b"cache-control", cache_control.encode()), (b"vary", b"Accept-Language")


def _if_none_match(request: Request[Any, Any, Any]) -> bytes:
    # Read from the raw headers: Litestar's header mapping is built for this one look otherwise.
    for name, value in request.scope["headers"]:
        if name == b"if-none-match":
            return value
    return b""


def etag_response(
    request: Request[Any, Any, Any],
    encoded: Encoded,
    *,
    max_age: int,
    stale_while_revalidate: int = 86_400,
    public: bool = True,
) -> EncodedResponse:
    """Answer an encoded body with its ETag and caching headers; 304 when the client already has it.

    The PWA keeps catalogue answers offline (stale-while-revalidate in its service worker); the ETag lets a
    revalidation on a slow mobile link cost a few hundred bytes instead of the whole list.
    """
    body, etag = encoded.body, encoded.etag.encode()
    headers = [(b"etag", etag), *_caching_headers(public, max_age, stale_while_revalidate)]
    if_none_match = _if_none_match(request)
    if if_none_match and (if_none_match.strip() == b"*" or etag in {t.strip() for t in if_none_match.split(b",")}):
        return EncodedResponse(304, headers)
    headers += ((b"content-type", JSON_BYTES), (b"content-length", str(len(body)).encode()))
    return EncodedResponse(200, headers, body)


def ok(schema: type[Any], description: str = "OK") -> dict[int, ResponseSpec]:
    """OpenAPI description of a 200 answer for routes that return pre-encoded bytes (etag_response)."""
    return {200: ResponseSpec(data_container=schema, description=description)}


# A revision column's largest value: an If-Match tag beyond it was never ours (and would overflow the parameter).
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
# The revision no row ever has: a service comparing it with the current one answers its own 412.
NEVER_MATCHES = -1


def etag_value(if_match: str | None) -> str:
    """The tag inside an If-Match header (``W/`` and quotes taken off); empty when there is none."""
    return (if_match or "").strip().removeprefix("W/").strip('"')


def if_match_revision(
    if_match: str | None,
    *,
    missing: str | None,
    star_means_any: bool = False,
    malformed_is_stale: bool = False,
    largest: int = INT4_MAX,
) -> int | None:
    """The revision an edit is based on, from If-Match — the one rule for every route with revisions.

    Absent: 428 ``precondition_required`` with ``missing`` as its detail (``missing=None``: If-Match is optional and
    the answer is None). ``*`` is any revision (None) where ``star_means_any``, otherwise malformed. A malformed tag
    (not ASCII digits, or beyond the column's ``largest``) is 400 ``invalid_request``; routes whose tests pin the older
    answer — a tag that is not ours cannot match, so 412 (kiosks, staff) — pass ``malformed_is_stale`` and get
    ``NEVER_MATCHES``, which their service's revision check turns into its 412. A stale tag is the service's 412.
    """
    raw = (if_match or "").strip()
    if not raw:
        if missing is None:
            return None
        raise ProblemError(428, "precondition_required", missing)
    if raw == "*" and star_means_any:
        return None
    tag = etag_value(raw)
    if tag.isascii() and tag.isdigit() and len(tag) <= len(str(largest)) and int(tag) <= largest:
        return int(tag)
    if malformed_is_stale:
        return NEVER_MATCHES
    raise ProblemError(400, "invalid_request", "If-Match must be the ETag you read.")


def required_revision(
    if_match: str | None, *, missing: str, malformed_is_stale: bool = False, largest: int = INT4_MAX
) -> int:
    """``if_match_revision`` for routes where If-Match is required and ``*`` is not accepted: always a number."""
    revision = if_match_revision(if_match, missing=missing, malformed_is_stale=malformed_is_stale, largest=largest)
    assert revision is not None  # missing is required and * is not "any" here
    return revision


def tagged(body: Any, revision: int, status: int = 200) -> Response[Any]:
    """An editable object's answer: its revision as the ETag the next If-Match names; never cached."""
    return Response(body, status_code=status, headers={"ETag": f'"{revision}"', "Cache-Control": "no-store"})
