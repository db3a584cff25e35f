"""The public calendar: the days off that apply in a region (citizens' deadlines, the queue's opening days)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter

from api.calendar import service
from api.calendar.schemas import RegionCalendar
from api.lib.auth import public
from api.lib.cache import Encoded
from api.lib.db import connection
from api.lib.http import EncodedResponse, etag_response, language, ok

Year = Annotated[int | None, QueryParameter(ge=1900, le=2200, description="The year (default: this year)")]
# Short: a day added or removed reaches shared caches and the PWA within a minute (revalidation is a 304).
CALENDAR_MAX_AGE = 60


class RegionCalendarController(Controller):
    path = "/api/v1/regions"
    tags = ("calendar",)

    @get("/{code:str}/calendar", operation_id="getRegionCalendar", opt=public(), responses=ok(RegionCalendar))
    async def region_calendar(
        self, request: Request[Any, Any, Any], code: FromPath[str], year: Year = None
    ) -> EncodedResponse:
        """The days off in force in the region in a year (national and its own), names in the request's
        language. Answered from the process's calendars, which follow every change within seconds."""
        async with connection() as conn:
            found = await service.region_calendar(
                conn, region=code, year=year or service.national_today().year, lang=language(request)
            )
        return etag_response(request, Encoded.of(found), max_age=CALENDAR_MAX_AGE, stale_while_revalidate=3600)
