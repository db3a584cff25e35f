"""Admin routes of the building screen: regions (national admins), the MPP building, agencies, counters and
closure days. Thin: who may act where (``admin_region``), If-Match and ETag; the rules are in ``building*``."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from api.catalogue import building, building_agencies, building_counters, regions_admin
from api.catalogue.building_schemas import (
    AgencyAdmin,
    AgencyCreate,
    AgencyKindList,
    AgencyUpdate,
    Building,
    ClosureAdmin,
    ClosureCreate,
    CounterAdmin,
    CounterCreate,
    CounterUpdate,
    MppAdmin,
    MppUpdate,
    RegionCreate,
)
from api.lib.auth import NATIONAL_ADMIN, REGION_ADMIN, Principal, admin_region, allow
from api.lib.db import connection
from api.lib.http import client_ip, language, required_revision, tagged

ADMINS = allow(REGION_ADMIN, NATIONAL_ADMIN)
IfMatch = Annotated[
    str | None, HeaderParameter(name="If-Match", description='The revision you read, as its ETag: "3"', required=False)
]
Region = Annotated[
    str | None, QueryParameter(pattern=r"^[0-9]{4}$", description="BPS code (national admins; region admins: own)")
]
T = TypeVar("T", AgencyAdmin, CounterAdmin, MppAdmin)


def _revision(if_match: str | None) -> int:
    return required_revision(if_match, missing='Send If-Match with the revision you read (its ETag, e.g. "3").')


def _tagged(item: T, status: int = 200) -> Response[T]:
    return tagged(item, item.revision, status)


async def _edit(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    if_match: str | None,
    change: Callable[..., Awaitable[T]],
    **target: Any,
) -> Response[T]:
    """A change by id: the revision read (If-Match), where the admin may act, who and from where; the new ETag."""
    revision = _revision(if_match)
    async with connection() as conn:
        changed = await change(
            conn, scope=_scope(principal), revision=revision, actor=principal.id, ip=client_ip(request), **target
        )
    return _tagged(changed)


def _scope(principal: Principal) -> str | None:
    """Where a change by id may land: a region admin's own region; anywhere for a national admin."""
    return admin_region(principal)


class BuildingController(Controller):
    path = "/api/v1/admin"
    tags = ("admin",)

    @post("/regions", operation_id="createRegion", opt=allow(NATIONAL_ADMIN), status_code=201)
    async def create_region(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], data: JSONBody[RegionCreate]
    ) -> Response[Building]:
        """A new region (kabupaten/kota) with its empty MPP building; its admin sets up the rest in the app."""
        async with connection() as conn:
            code = await regions_admin.create_region(conn, data=data, actor=principal.id, ip=client_ip(request))
            found = await building.read_building(conn, region=code, lang=language(request))
        return tagged(found, found.mpp.revision, 201)

    @get("/building", operation_id="getBuilding", opt=ADMINS)
    async def get_building(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        region: Region = None,
        past: Annotated[bool, QueryParameter(description="Closure days that have passed too")] = False,
    ) -> Response[Building]:
        """The region's MPP building, agencies (with what depends on them), counters and closure days. ETag: the
        building's revision (send it as If-Match to change the building)."""
        where = building.require_region(admin_region(principal, region))
        async with connection() as conn:
            found = await building.read_building(conn, region=where, lang=language(request), past=past)
        return tagged(found, found.mpp.revision)

    @put("/mpp/{mpp_id:uuid}", operation_id="updateMpp", opt=ADMINS)
    async def update_mpp(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        mpp_id: FromPath[uuid.UUID],
        data: JSONBody[MppUpdate],
        if_match: IfMatch = None,
    ) -> Response[MppAdmin]:
        """Change the building: name, address, phone, position and opening hours per weekday."""
        return await _edit(request, principal, if_match, building.update_mpp, mpp_id=mpp_id, data=data)

    @get("/agency-kinds", operation_id="listAgencyKinds", opt=ADMINS)
    async def agency_kinds(self, principal: NamedDependency[Principal], region: Region = None) -> AgencyKindList:
        """The national agency kinds with their names for the region, and whether its building has each."""
        where = building.require_region(admin_region(principal, region))
        async with connection() as conn:
            return await building_agencies.agency_kinds(conn, region=where)

    @post("/agencies", operation_id="addAgency", opt=ADMINS, status_code=201)
    async def add_agency(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], data: JSONBody[AgencyCreate]
    ) -> Response[AgencyAdmin]:
        """Add an agency to the building: a national kind by its code (it brings its national services), or the
        region's own. Adding a retired one reinstates it (200)."""
        where = building.require_region(admin_region(principal, data.region))
        async with connection() as conn:
            added, new = await building_agencies.add_agency(
                conn, region=where, data=data, actor=principal.id, ip=client_ip(request)
            )
        return _tagged(added, 201 if new else 200)

    @patch("/agencies/{agency_id:uuid}", operation_id="updateAgency", opt=ADMINS)
    async def update_agency(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        agency_id: FromPath[uuid.UUID],
        data: JSONBody[AgencyUpdate],
        if_match: IfMatch = None,
    ) -> Response[AgencyAdmin]:
        """Rename an agency."""
        return await _edit(
            request, principal, if_match, building_agencies.update_agency, agency_id=agency_id, data=data
        )

    @post("/agencies/{agency_id:uuid}/retire", operation_id="retireAgency", opt=ADMINS, status_code=200)
    async def retire_agency(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        agency_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Response[AgencyAdmin]:
        """The agency leaves the building; 409 ``in_use`` (with what still uses it) while anything active does."""
        return await _edit(request, principal, if_match, building_agencies.retire_agency, agency_id=agency_id)

    @post("/agencies/{agency_id:uuid}/reinstate", operation_id="reinstateAgency", opt=ADMINS, status_code=200)
    async def reinstate_agency(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        agency_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Response[AgencyAdmin]:
        """A retired agency returns to the building."""
        return await _edit(request, principal, if_match, building_agencies.reinstate_agency, agency_id=agency_id)

    @post("/counters", operation_id="addCounter", opt=ADMINS, status_code=201)
    async def add_counter(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], data: JSONBody[CounterCreate]
    ) -> Response[CounterAdmin]:
        """Open a counter (loket): its number, agency, and the services it serves (none: all of its agency's)."""
        where = building.require_region(admin_region(principal, data.region))
        async with connection() as conn:
            added = await building_counters.add_counter(
                conn, region=where, data=data, lang=language(request), actor=principal.id, ip=client_ip(request)
            )
        return _tagged(added, 201)

    @put("/counters/{counter_id:uuid}", operation_id="updateCounter", opt=ADMINS)
    async def update_counter(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        counter_id: FromPath[uuid.UUID],
        data: JSONBody[CounterUpdate],
        if_match: IfMatch = None,
    ) -> Response[CounterAdmin]:
        """Change a counter's number, agency and services."""
        return await _edit(
            request,
            principal,
            if_match,
            building_counters.update_counter,
            counter_id=counter_id,
            data=data,
            lang=language(request),
        )

    @post("/counters/{counter_id:uuid}/retire", operation_id="retireCounter", opt=ADMINS, status_code=200)
    async def retire_counter(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        counter_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Response[CounterAdmin]:
        """Close a counter for good (kept on the record: queue tickets refer to it)."""
        return await _edit(
            request,
            principal,
            if_match,
            building_counters.retire_counter,
            counter_id=counter_id,
            lang=language(request),
        )

    @post("/closures", operation_id="addClosure", opt=ADMINS, status_code=201)
    async def add_closure(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], data: JSONBody[ClosureCreate]
    ) -> ClosureAdmin:
        """Close the building on a day (today or later), with the reason in Indonesian and English."""
        where = building.require_region(admin_region(principal, data.region))
        async with connection() as conn:
            return await building.add_closure(conn, region=where, data=data, actor=principal.id, ip=client_ip(request))

    @delete("/closures/{closure_id:uuid}", operation_id="removeClosure", opt=ADMINS, status_code=204)
    async def remove_closure(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], closure_id: FromPath[uuid.UUID]
    ) -> None:
        """Open the building again on a closure day (today's or a future one)."""
        async with connection() as conn:
            await building.remove_closure(
                conn, closure_id=closure_id, scope=_scope(principal), actor=principal.id, ip=client_ip(request)
            )
