"""Public catalogue routes. Anyone may read the catalogue; answers are cacheable (ETag + Cache-Control)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter

from api.catalogue import schemas, service
from api.catalogue.service import CatalogueNotFoundError, CatalogueRuntime, ServiceFilter
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import Page, PageSize, cached_json, etag_response, language, ok

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


class CatalogueController(Controller):
    path = "/api/v1"
    tags = ("catalogue",)

    @get(
        "/regions",
        operation_id="listRegions",
        responses=ok(schemas.RegionList),
        summary="The regions (kabupaten/kota) served",
    )
    async def list_regions(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        async with connection() as conn:
            result = await service.list_regions(conn, language(request))
        return cached_json(request, result, max_age=CATALOGUE_MAX_AGE)

    @get(
        "/regions/{code:str}",
        operation_id="getRegion",
        responses=ok(schemas.RegionDetail),
        summary="A region with its MPP and agencies",
    )
    async def get_region(self, request: Request[Any, Any, Any], code: RegionPath) -> Response[bytes]:
        async with connection() as conn:
            try:
                result = await service.get_region(conn, code, language(request))
            except CatalogueNotFoundError as exc:
                raise _not_found(exc) from exc
        return cached_json(request, result, max_age=CATALOGUE_MAX_AGE)

    @get(
        "/agencies",
        operation_id="listAgencies",
        responses=ok(schemas.AgencyList),
        summary="Agencies, optionally of one region",
    )
    async def list_agencies(self, request: Request[Any, Any, Any], region: RegionCode = None) -> Response[bytes]:
        async with connection() as conn:
            result = await service.list_agencies(conn, region=region, lang=language(request))
        return cached_json(request, result, max_age=CATALOGUE_MAX_AGE)

    @get(
        "/categories",
        operation_id="listCategories",
        responses=ok(schemas.CategoryList),
        summary="Life events, with their number of services",
    )
    async def list_categories(self, request: Request[Any, Any, Any], region: RegionCode = None) -> Response[bytes]:
        async with connection() as conn:
            result = await service.list_categories(conn, region=region, lang=language(request))
        return cached_json(request, result, max_age=CATALOGUE_MAX_AGE)

    @get(
        "/document-types",
        operation_id="listDocumentTypes",
        responses=ok(schemas.DocumentTypeList),
        summary="Document types services require",
    )
    async def list_document_types(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        async with connection() as conn:
            result = await service.list_document_types(conn, language(request))
        return cached_json(request, result, max_age=CATALOGUE_MAX_AGE)

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
        catalogue: NamedDependency[CatalogueRuntime],
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

        async def compute() -> schemas.ServiceList:
            async with connection() as conn:
                return await service.search_services(
                    conn, index=index, query=query, filters=filters, lang=lang, page=page, page_size=page_size
                )

        key = ("search", lang, query, filters, page, page_size)
        answer = await catalogue.answers.get_or_compute(index.version, key, compute)
        return etag_response(request, answer, max_age=CATALOGUE_MAX_AGE)

    @get(
        "/services/{service_id:uuid}",
        operation_id="getService",
        responses=ok(schemas.ServiceDetail),
        summary="One service, in full",
    )
    async def get_service(
        self,
        request: Request[Any, Any, Any],
        catalogue: NamedDependency[CatalogueRuntime],
        service_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        lang = language(request)

        async def compute() -> schemas.ServiceDetail:
            async with connection() as conn:
                return await service.get_service(conn, service_id, lang)

        try:
            answer = await catalogue.answers.get_or_compute(
                catalogue.index.version, ("service", lang, service_id), compute
            )
        except CatalogueNotFoundError as exc:
            raise _not_found(exc) from exc
        return etag_response(request, answer, max_age=CATALOGUE_MAX_AGE)
