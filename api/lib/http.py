"""Small HTTP helpers shared by controllers: language, pagination, conditional GET, If-Match and ETag."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from api.lib.cache import Encoded
from api.lib.errors import ProblemError

# Lang lives with the request-language context; re-exported here, where controllers look for it.
from api.lib.language import Lang as Lang
from api.lib.language import from_accept_language
from api.lib.language import pick as pick
from api.lib.language import pick_opt as pick_opt

JSON_TYPE = "application/json"


def language(request: Request[Any, Any, Any]) -> Lang:
    """Indonesian unless the client prefers English (Accept-Language, highest quality first)."""
    return from_accept_language(request.headers.get("accept-language", ""))


def client_ip(request: Request[Any, Any, Any]) -> str:
    """The peer's address (behind a proxy, uvicorn's --forwarded-allow-ips makes this the client's)."""
    return request.client.host if request.client else ""


Page = Annotated[int, QueryParameter(ge=1, le=10_000, description="Page number, from 1")]
PageSize = Annotated[int, QueryParameter(name="pageSize", ge=1, le=100, description="Items per page (1-100)")]


def etag_response(
    request: Request[Any, Any, Any],
    encoded: Encoded,
    *,
    max_age: int,
    stale_while_revalidate: int = 86_400,
    public: bool = True,
) -> Response[bytes]:
    """Answer an encoded body with its ETag and caching headers; 304 when the client already has it.

    The PWA keeps catalogue answers offline (stale-while-revalidate in its service worker); the ETag lets a
    revalidation on a slow mobile link cost a few hundred bytes instead of the whole list.
    """
    body, etag = encoded.body, encoded.etag
    headers = {
        "ETag": etag,
        "Cache-Control": f"{'public' if public else 'private'}, max-age={max_age}, "
        f"stale-while-revalidate={stale_while_revalidate}",
        "Vary": "Accept-Language",
    }
    if_none_match = request.headers.get("if-none-match", "")
    if if_none_match and (if_none_match.strip() == "*" or etag in {t.strip() for t in if_none_match.split(",")}):
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=body, media_type=JSON_TYPE, headers=headers)


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
