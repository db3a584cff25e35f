"""The dashboards' routes: the figures' definitions (public), a unit's figures (supervisors, region and national
admins, each within their reach), the ranking of regions or provinces (national admins) and an agency's per-officer
workload (its supervisor, its region's admin; audited). ``format=csv`` answers the same content as CSV.

Thin: parse the query, resolve and check the scope (``scopes.resolve``), call one function, encode.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.lib.auth import NATIONAL_ADMIN, REGION_ADMIN, SUPERVISOR, Principal, allow, public
from api.lib.db import connection, replica_connection
from api.lib.errors import DomainError, FieldError
from api.lib.http import client_ip, language, pick
from api.stats import definitions
from api.stats.csv import MEDIA_TYPE, figures_csv, officers_csv, ranking_csv
from api.stats.figures import figures
from api.stats.officers import officers
from api.stats.ranking import ranking
from api.stats.schemas import Definition, DefinitionList, FigureReport, Grain, Level, OfficerList, Ranking
from api.stats.scopes import InvalidScopeError, Viewer, resolve

NO_STORE = {"Cache-Control": "no-store"}
# The definitions change only with a release.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=3600", "Vary": "Accept-Language"}
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

ScopeText = Annotated[
    str | None,
    QueryParameter(
        name="scope",
        max_length=60,
        description="national, province:<2 digits>, region:<4 digits>, mpp:<id>, agency:<id> or service:<id>;"
        " without it, the caller's own unit (supervisor: their agency; region admin: their region; national admin:"
        " the nation)",
    ),
]
AgencyScope = Annotated[str, QueryParameter(name="scope", max_length=60, description="agency:<id>")]
FromDate = Annotated[str, QueryParameter(name="from", max_length=10, description="YYYY-MM-DD, the unit's local date")]
ToDate = Annotated[str, QueryParameter(name="to", max_length=10, description="YYYY-MM-DD, inclusive (≤ 366 days)")]
GrainParam = Annotated[Grain, QueryParameter(description="day, week (ISO, Monday first) or month")]
Format = Annotated[Literal["json", "csv"], QueryParameter(description="json (default) or csv of the same content")]
FigureKey = Annotated[str, QueryParameter(max_length=60, description="a figure's key (GET /api/v1/stats/definitions)")]
LevelParam = Annotated[Level, QueryParameter(description="region or province")]
STAFF_FIGURES = allow(SUPERVISOR, REGION_ADMIN, NATIONAL_ADMIN)


class InvalidDateError(DomainError):
    """400 ``invalid_date``: ``from`` or ``to`` is not a calendar date written YYYY-MM-DD."""

    status = 400
    code = "invalid_date"

    def __init__(self, field: str) -> None:
        message = "must be a calendar date, YYYY-MM-DD"
        super().__init__(f"{field} {message}.", errors=[FieldError(field=field, message=message)])


def _day(value: str, field: str) -> dt.date:
    if not _DATE.match(value):
        raise InvalidDateError(field)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidDateError(field) from None


def _viewer(principal: Principal) -> Viewer:
    return Viewer(id=principal.id, roles=principal.roles, region=principal.region, agency=principal.agency)


def _csv(body: str, name: str) -> Response[Any]:
    disposition = f'attachment; filename="{name}.csv"'
    return Response(body, media_type=MEDIA_TYPE, headers={**NO_STORE, "Content-Disposition": disposition})


def _file_name(*parts: str) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9]+", "-", p).strip("-") for p in parts if p)


class StatsController(Controller):
    path = "/api/v1/stats"
    tags = ("stats",)

    @get("/definitions", operation_id="listFigureDefinitions", opt=public(), sync_to_thread=False)
    def list_definitions(self, request: Request[Any, Any, Any]) -> Response[DefinitionList]:
        """What every figure means: its key, name and definition (in the request's language), unit and whether
        higher is better."""
        lang = language(request)
        items = [
            Definition(
                key=f.key,
                name=pick(lang, f.name_id, f.name_en),
                description=pick(lang, f.description_id, f.description_en),
                unit=f.unit,
                higher_is_better=f.higher_is_better,
            )
            for f in definitions.FIGURES
        ]
        return Response(DefinitionList(items=items, total=len(items)), headers=PUBLIC_CACHE)

    @get("/figures", operation_id="getFigures", opt=STAFF_FIGURES)
    async def get_figures(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        start: FromDate,
        end: ToDate,
        unit_scope: ScopeText = None,
        grain: GrainParam = "month",
        format: Format = "json",
    ) -> Response[FigureReport]:
        """A unit's figures per period, in total and per child unit (the nation by province, a province by region, a
        region or building by agency, an agency by service). Supervisors: their agency and its services; region
        admins: their region and what is in it; national admins: everything."""
        first, last = _day(start, "from"), _day(end, "to")
        lang = language(request)
        async with replica_connection() as conn:  # dashboards may lag a little
            unit = await resolve(conn, unit_scope, viewer=_viewer(principal), lang=lang)
            report = await figures(conn, scope=unit, start=first, end=last, grain=grain, language=lang)
        if format == "csv":
            return _csv(figures_csv(report), _file_name("figures", unit_scope or "", start, end, grain))
        return Response(report, headers=NO_STORE)

    @get("/ranking", operation_id="getRanking", opt=allow(NATIONAL_ADMIN))
    async def get_ranking(
        self,
        request: Request[Any, Any, Any],
        figure: FigureKey,
        start: FromDate,
        end: ToDate,
        level: LevelParam = "region",
        format: Format = "json",
    ) -> Response[Ranking]:
        """Every region (or province) with its figures, ranked by one figure, best first."""
        first, last = _day(start, "from"), _day(end, "to")
        async with replica_connection() as conn:
            found = await ranking(conn, level=level, figure=figure, start=first, end=last, language=language(request))
        if format == "csv":
            return _csv(ranking_csv(found), _file_name("ranking", level, figure, start, end))
        return Response(found, headers=NO_STORE)

    @get("/officers", operation_id="getOfficerWorkload", opt=allow(SUPERVISOR, REGION_ADMIN))
    async def get_officers(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        unit_scope: AgencyScope,
        start: FromDate,
        end: ToDate,
        format: Format = "json",
    ) -> Response[OfficerList]:
        """Per officer of an agency: decisions, corrections requested, tickets served. Each read is recorded in the
        audit trail of every officer shown."""
        if not unit_scope.startswith("agency:"):
            raise InvalidScopeError()
        first, last = _day(start, "from"), _day(end, "to")
        async with connection() as conn:
            unit = await resolve(conn, unit_scope, viewer=_viewer(principal), lang=language(request))
            found = await officers(conn, scope=unit, start=first, end=last, viewer=principal.id, ip=client_ip(request))
        if format == "csv":
            return _csv(officers_csv(found), _file_name("officers", unit_scope, start, end))
        return Response(found, headers=NO_STORE)


CONTROLLERS = (StatsController,)
