"""Public catalogue routes. Anyone may read the catalogue; answers are cacheable (ETag + Cache-Control)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter

from api.catalogue import schemas, service, standards
from api.catalogue.life_events import LifeEvent
from api.catalogue.service import ALL_REGIONS, DOCUMENT_TYPES, CatalogueRuntime, ServiceFilter
from api.lib.auth import public
from api.lib.db import replica_connection
from api.lib.http import EncodedResponse, Page, PageSize, etag_response, language, ok

RegionCode = Annotated[str | None, QueryParameter(pattern=r"^[0-9]{4}$", description="BPS code of a kabupaten/kota")]
RegionPath = Annotated[str, PathParameter(pattern=r"^[0-9]{4}$", description="BPS code of a kabupaten/kota")]
AgencyCode = Annotated[str | None, QueryParameter(pattern=r"^[A-Za-z][A-Za-z0-9_]{1,39}$", description="Agency code")]
ServiceCodes = Annotated[
    list[Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]] | None,
    QueryParameter(max_items=30, description="Service codes: one service in every region (a group's `codes`)"),
]
# Long enough for any real question, short enough that a pasted essay cannot cost us anything.
Query = Annotated[str | None, QueryParameter(max_length=200, description="Words to search for; typos are forgiven")]

CATALOGUE_MAX_AGE = 300

Scopes = Callable[[Any], frozenset[str]]
EVERY_REGION = frozenset({ALL_REGIONS})


def region_scopes(region: str | None) -> frozenset[str]:
    """An answer about one region depends on it; one about every region on what all regions' lists show."""
    return frozenset({region}) if region else EVERY_REGION


def region_scope(region: str | None) -> Scopes:
    scopes = region_scopes(region)
    return lambda _answer: scopes


def _service_scope(answer: schemas.ServiceDetail) -> frozenset[str]:
    # A service in full names its region's data and the document types it requires.
    return frozenset({answer.region.code, DOCUMENT_TYPES})


def _runtime(request: Request[Any, Any, Any]) -> CatalogueRuntime:
    # Read from the application's state rather than injected: these are the busiest routes there are, and
    # resolving a dependency cost a cold search ~4 % of its time (py-spy under wrk), more than the lookup.
    runtime: CatalogueRuntime = request.app.state.catalogue
    return runtime


async def _answer(
    request: Request[Any, Any, Any],
    name: str,
    query: Callable[..., Awaitable[Any]],
    scopes: Scopes,
    /,
    **args: Any,
) -> EncodedResponse:
    """Answer ``query(conn, lang=<the caller's>, **args)`` from the catalogue cache, keyed by ``name``, the
    language and ``args`` and emptied when one of ``scopes(answer)`` changes; on a miss the query runs once,
    however many ask at the same time."""
    lang = language(request)
    catalogue = _runtime(request)

    async def compute() -> Any:
        # The public catalogue may lag a little: the replica's (the listener waits for it before a new version).
        async with replica_connection() as conn:
            return await query(conn, lang=lang, **args)

    key = (name, lang, *args.items())
    answer = await catalogue.answers.get_or_compute(key, compute, scopes)
    return etag_response(request, answer, max_age=CATALOGUE_MAX_AGE)


async def _search(
    request: Request[Any, Any, Any],
    name: str,
    search: Callable[..., Any],
    q: str | None,
    filters: ServiceFilter,
    page: int,
    page_size: int,
) -> EncodedResponse:
    """A cached search answer (``search`` is ``service.search_services`` or ``service.search_service_groups``).
    The search reads the process's own copy of the catalogue: no connection, nothing to wait for."""
    query = " ".join((q or "").split()).lower()  # popular searches differ only in case and spacing
    lang = language(request)
    catalogue = _runtime(request)
    # The index is not part of the key: answers made from an older catalogue go when it is reloaded.
    index = catalogue.index
    args = {"query": query, "filters": filters, "page": page, "page_size": page_size}

    key = (name, lang, *args.items())
    answer = catalogue.answers.get_or_make(key, lambda: search(index, lang=lang, **args), region_scopes(filters.region))
    return etag_response(request, answer, max_age=CATALOGUE_MAX_AGE)


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
    async def list_regions(self, request: Request[Any, Any, Any]) -> EncodedResponse:
        return await _answer(request, "regions", service.list_regions, region_scope(None))

    @get(
        "/regions/{code:str}",
        operation_id="getRegion",
        responses=ok(schemas.RegionDetail),
        summary="A region with its MPP and agencies",
    )
    async def get_region(self, request: Request[Any, Any, Any], code: RegionPath) -> EncodedResponse:
        return await _answer(request, "region", service.get_region, region_scope(code), code=code)

    @get(
        "/agencies",
        operation_id="listAgencies",
        responses=ok(schemas.AgencyList),
        summary="Agencies, optionally of one region",
    )
    async def list_agencies(self, request: Request[Any, Any, Any], region: RegionCode = None) -> EncodedResponse:
        return await _answer(request, "agencies", service.list_agencies, region_scope(region), region=region)

    @get(
        "/categories",
        operation_id="listCategories",
        responses=ok(schemas.CategoryList),
        summary="Life events, with their number of services",
    )
    async def list_categories(self, request: Request[Any, Any, Any], region: RegionCode = None) -> EncodedResponse:
        return await _answer(request, "categories", service.list_categories, region_scope(region), region=region)

    @get(
        "/document-types",
        operation_id="listDocumentTypes",
        responses=ok(schemas.DocumentTypeList),
        summary="Document types services require",
    )
    async def list_document_types(self, request: Request[Any, Any, Any]) -> EncodedResponse:
        return await _answer(
            request, "document-types", service.list_document_types, lambda _a: frozenset({DOCUMENT_TYPES})
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
        q: Query = None,
        region: RegionCode = None,
        agency: AgencyCode = None,
        category: FromQuery[LifeEvent | None] = None,
        channel: FromQuery[Literal["online", "counter"] | None] = None,
        code: ServiceCodes = None,
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> EncodedResponse:
        filters = ServiceFilter(
            region=region,
            agency=agency.upper() if agency else None,
            category=category,
            channel=channel,
            codes=tuple(sorted(set(code))) if code else None,
        )
        return await _search(request, "search", service.search_services, q, filters, page, page_size)

    @get(
        "/service-groups",
        operation_id="searchServiceGroups",
        summary="Search services, one row per service across regions",
        description="As `GET /services`, but a service that many regions offer (same code) is one item with the "
        "number of regions; `GET /services?code=…` lists them. Pages count groups.",
        responses=ok(schemas.ServiceGroupList),
    )
    async def search_service_groups(
        self,
        request: Request[Any, Any, Any],
        q: Query = None,
        region: RegionCode = None,
        agency: AgencyCode = None,
        category: FromQuery[LifeEvent | None] = None,
        channel: FromQuery[Literal["online", "counter"] | None] = None,
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> EncodedResponse:
        filters = ServiceFilter(
            region=region, agency=agency.upper() if agency else None, category=category, channel=channel
        )
        return await _search(request, "service-groups", service.search_service_groups, q, filters, page, page_size)

    @get(
        "/services/{service_id:uuid}",
        operation_id="getService",
        responses=ok(schemas.ServiceDetail),
        summary="One service, in full",
    )
    async def get_service(
        self,
        request: Request[Any, Any, Any],
        service_id: FromPath[uuid.UUID],
    ) -> EncodedResponse:
        return await _answer(request, "service", service.get_service, _service_scope, service_id=service_id)

    @get(
        "/services/{service_id:uuid}/versions/{version:int}",
        operation_id="getServiceVersion",
        responses=ok(schemas.ServiceDetail),
        summary="One service as a published version of its standard showed it",
        description="What an application made under that version was made against (`serviceVersion`), even after "
        "the service changed, was hidden or retired.",
    )
    async def get_service_version(
        self,
        request: Request[Any, Any, Any],
        service_id: FromPath[uuid.UUID],
        version: Annotated[int, PathParameter(ge=1, le=1_000_000)],
    ) -> EncodedResponse:
        # A published version never changes, but the names around it (agency, region, MPP) may: emptied with its
        # region's answers like every other answer about a service.
        return await _answer(
            request,
            "service-version",
            standards.published_version,
            _service_scope,
            service=service_id,
            version=version,
        )
