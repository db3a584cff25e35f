"""Public catalogue routes. Anyone may read the catalogue; answers are cacheable (ETag + Cache-Control)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import asyncpg
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter

from api.catalogue import schemas, service
from api.catalogue.service import CatalogueNotFoundError, CatalogueRuntime, ServiceFilter
from api.lib.auth import public
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import Page, PageSize, etag_response, language, ok

RegionCode = Annotated[str | None, QueryParameter(pattern=r"^[0-9]{4}$", description="BPS code of a kabupaten/kota")]
RegionPath = Annotated[str, PathParameter(pattern=r"^[0-9]{4}$", description="BPS code of a kabupaten/kota")]
AgencyCode = Annotated[str | None, QueryParameter(pattern=r"^[A-Za-z][A-Za-z0-9_]{1,39}$", description="Agency code")]
Category = Literal[
    "birth",
    "marriage",
    "moving",
    "death",
    "business",
    "vehicle",
    "health",
    "social_aid",
    "education",
    "identity",
    "property",
    "employment",
    "travel",
]
# Long enough for any real question, short enough that a pasted essay cannot cost us anything.
Query = Annotated[str | None, QueryParameter(max_length=200, description="Words to search for; typos are forgiven")]

CATALOGUE_MAX_AGE = 300


def _not_found(exc: CatalogueNotFoundError) -> ProblemError:
    return ProblemError(404, "not_found", f"No such {exc.args[0]}.")


async def _answer(
    request: Request[Any, Any, Any],
    catalogue: CatalogueRuntime,
    key: tuple[Any, ...],
    query: Callable[[asyncpg.Connection], Awaitable[Any]],
) -> Response[bytes]:
    """Answer from the catalogue cache, running ``query`` on a miss (once, however many ask at once)."""

    async def compute() -> Any:
        async with connection() as conn:
            return await query(conn)

    try:
        answer = await catalogue.answers.get_or_compute(catalogue.index.version, key, compute)
    except CatalogueNotFoundError as exc:
        raise _not_found(exc) from exc
    return etag_response(request, answer, max_age=CATALOGUE_MAX_AGE)


Catalogue = NamedDependency[CatalogueRuntime]


class CatalogueController(Controller):
    opt = public()
    path = "/api/v1"
    tags = ("catalogue",)

    @get(
        "/regions",
        operation_id="listRegions",
        responses=ok(schemas.RegionList),
        summary="The regions (kabupaten/kota) served",
    )
    async def list_regions(self, request: Request[Any, Any, Any], catalogue: Catalogue) -> Response[bytes]:
        lang = language(request)
        return await _answer(request, catalogue, ("regions", lang), lambda c: service.list_regions(c, lang))

    @get(
        "/regions/{code:str}",
        operation_id="getRegion",
        responses=ok(schemas.RegionDetail),
        summary="A region with its MPP and agencies",
    )
    async def get_region(
        self, request: Request[Any, Any, Any], catalogue: Catalogue, code: RegionPath
    ) -> Response[bytes]:
        lang = language(request)
        return await _answer(request, catalogue, ("region", lang, code), lambda c: service.get_region(c, code, lang))

    @get(
        "/agencies",
        operation_id="listAgencies",
        responses=ok(schemas.AgencyList),
        summary="Agencies, optionally of one region",
    )
    async def list_agencies(
        self, request: Request[Any, Any, Any], catalogue: Catalogue, region: RegionCode = None
    ) -> Response[bytes]:
        lang = language(request)
        return await _answer(
            request,
            catalogue,
            ("agencies", lang, region),
            lambda c: service.list_agencies(c, region=region, lang=lang),
        )

    @get(
        "/categories",
        operation_id="listCategories",
        responses=ok(schemas.CategoryList),
        summary="Life events, with their number of services",
    )
    async def list_categories(
        self, request: Request[Any, Any, Any], catalogue: Catalogue, region: RegionCode = None
    ) -> Response[bytes]:
        lang = language(request)
        return await _answer(
            request,
            catalogue,
            ("categories", lang, region),
            lambda c: service.list_categories(c, region=region, lang=lang),
        )

    @get(
        "/document-types",
        operation_id="listDocumentTypes",
        responses=ok(schemas.DocumentTypeList),
        summary="Document types services require",
    )
    async def list_document_types(self, request: Request[Any, Any, Any], catalogue: Catalogue) -> Response[bytes]:
        lang = language(request)
        return await _answer(
            request, catalogue, ("document-types", lang), lambda c: service.list_document_types(c, lang)
        )

    @get(
        "/services",
        operation_id="searchServices",
        summary="Search and filter services",
        description="Ranked by relevance when `q` is given; forgives typos and Indonesian word forms.",
        responses=ok(schemas.ServiceList),
    )
    async def search_services(
        self,
        request: Request[Any, Any, Any],
        catalogue: Catalogue,
        q: Query = None,
        region: RegionCode = None,
        agency: AgencyCode = None,
        category: FromQuery[Category | None] = None,
        channel: FromQuery[Literal["online", "counter"] | None] = None,
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> Response[bytes]:
        lang = language(request)
        filters = ServiceFilter(
            region=region, agency=agency.upper() if agency else None, category=category, channel=channel
        )
        query = " ".join((q or "").split()).lower()  # popular searches differ only in case and spacing
        index = catalogue.index
        return await _answer(
            request,
            catalogue,
            ("search", lang, query, filters, page, page_size),
            lambda c: service.search_services(
                c, index=index, query=query, filters=filters, lang=lang, page=page, page_size=page_size
            ),
        )

    @get(
        "/services/{service_id:uuid}",
        operation_id="getService",
        responses=ok(schemas.ServiceDetail),
        summary="One service, in full",
    )
    async def get_service(
        self,
        request: Request[Any, Any, Any],
        catalogue: Catalogue,
        service_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        lang = language(request)
        return await _answer(
            request, catalogue, ("service", lang, service_id), lambda c: service.get_service(c, service_id, lang)
        )
