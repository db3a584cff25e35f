"""Small HTTP helpers shared by controllers: language, pagination, conditional GET."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from api.lib.cache import Encoded

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
