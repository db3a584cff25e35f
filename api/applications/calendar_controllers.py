"""Admin routes of the calendar screen: the year's days off, adding one (which moves the deadlines it falls inside)
and removing one. Thin: who may act where (``admin_region``), If-Match and ETag; the rules are in the calendar
domain and in ``service.deadlines``, which owns the deadlines."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from api.applications.service import deadlines
from api.calendar.service import AdminCalendar, DayAdded, DayOffCreate, DayOffRemove, DayRemoved
from api.lib.auth import NATIONAL_ADMIN, REGION_ADMIN, Principal, admin_region, allow
from api.lib.db import connection
from api.lib.http import client_ip, required_revision, tagged

ADMINS = allow(REGION_ADMIN, NATIONAL_ADMIN)
IfMatch = Annotated[
    str | None,
    HeaderParameter(name="If-Match", description='The day\'s revision as listed, as an ETag: "1"', required=False),
]
Region = Annotated[
    str | None, QueryParameter(pattern=r"^[0-9]{4}$", description="BPS code (national admins; region admins: own)")
]
Year = Annotated[int | None, QueryParameter(ge=1900, le=2200, description="The year (default: this year)")]


class CalendarAdminController(Controller):
    path = "/api/v1/admin/calendar"
    tags = ("admin",)

    @get("", operation_id="getAdminCalendar", opt=ADMINS)
    async def get_calendar(
        self, principal: NamedDependency[Principal], region: Region = None, year: Year = None
    ) -> Response[AdminCalendar]:
        """A year's days off: the national ones and, for a region, its own — with their source, who added them
        and, for removed ones, who removed them and why. Region admins: their own region."""
        target = admin_region(principal, region)
        async with connection() as conn:
            found, version = await deadlines.admin_calendar(
                conn, scope=admin_region(principal), region=target, year=year or deadlines.today_in(target).year
            )
        return tagged(found, version)

    @post("/days", operation_id="addDayOff", opt=ADMINS, status_code=201)
    async def add_day(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], data: JSONBody[DayOffCreate]
    ) -> DayAdded:
        """Add a day off: national (region omitted; national admins only) or the region's own. Open applications
        whose deadline it falls inside get one more working day, each with a timeline entry; the answer says how
        many (``deadlinesMoved``). 409 when the date is already off there."""
        # A region admin's day is always their region's (None only for a national admin naming no region).
        region = admin_region(principal, data.region)
        async with connection() as conn:
            return await deadlines.add_day_off(
                conn, actor=principal.id, region=region, data=data, ip=client_ip(request)
            )

    @delete("/days/{day_id:uuid}", operation_id="removeDayOff", opt=ADMINS, status_code=200)
    async def remove_day(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        day_id: FromPath[uuid.UUID],
        data: JSONBody[DayOffRemove],
        if_match: IfMatch = None,
    ) -> DayRemoved:
        """Remove a day off (kept in the history, with the reason). Deadlines already given are kept — removing a
        day never shortens one (``deadlinesKept``). National days: national admins only."""
        revision = required_revision(if_match, missing='Send If-Match with the day\'s revision (e.g. "1").')
        async with connection() as conn:
            return await deadlines.remove_day_off(
                conn,
                actor=principal.id,
                scope=admin_region(principal),
                day_id=day_id,
                data=data,
                revision=revision,
                ip=client_ip(request),
            )
