"""The SKM survey's routes: citizens' invitations and answers, the kiosk's survey for walk-ins, the public index
and the answered comments, and the staff's index, comments and replies. Thin: who may call, the scope of the
caller, the clock; the rules are in ``api.feedback.surveys`` and ``api.feedback.replies``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.feedback import replies, skm_schemas, surveys
from api.feedback.skm_errors import InvalidSurveyError, RegionRequiredError, SurveyNotFoundError
from api.lib.auth import (
    CITIZEN,
    KIOSK,
    NATIONAL_ADMIN,
    OFFICER,
    REGION_ADMIN,
    SUPERVISOR,
    Principal,
    admin_region,
    allow,
    officer_of,
    public,
)
from api.lib.db import connection
from api.lib.errors import FieldError, ProblemError
from api.lib.http import Page, PageSize, language

NO_STORE = {"Cache-Control": "no-store"}
# The public index changes with every answer, but a few minutes' delay is harmless and spares the database.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
RegionCode = Annotated[str | None, QueryParameter(pattern=r"^[0-9]{2,4}$", description="BPS code", required=False)]
AgencyCode = Annotated[
    str | None, QueryParameter(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="an agency's code", required=False)
]
ServiceId = Annotated[uuid.UUID | None, QueryParameter(name="service", description="a service's id", required=False)]
FromDate = Annotated[str | None, QueryParameter(name="from", pattern=DATE_PATTERN, description="YYYY-MM-DD")]
ToDate = Annotated[str | None, QueryParameter(name="to", pattern=DATE_PATTERN, description="YYYY-MM-DD")]
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="How many (1-100)")]
STAFF = allow(OFFICER, SUPERVISOR, REGION_ADMIN, NATIONAL_ADMIN)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _strict(request: Request[Any, Any, Any]) -> skm_schemas.SurveyAnswer:
    """The answer decoded again without coercion: Litestar decodes bodies leniently ("3" and 3.0 would pass as
    the score 3), and a score is a JSON integer 1–4, nothing else."""
    try:
        return msgspec.json.decode(await request.body(), type=skm_schemas.SurveyAnswer, strict=True)
    except msgspec.ValidationError as exc:
        raise InvalidSurveyError([FieldError(field="scores", message=str(exc))]) from None


class SurveyController(Controller):
    path = "/api/v1"
    tags = ("feedback",)

    @get("/me/surveys", operation_id="listMySurveys", opt=allow(CITIZEN))
    async def mine(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal]
    ) -> Response[skm_schemas.OpenSurveyList]:
        """My transactions waiting for a rating (not answered, not expired), newest first."""
        async with connection() as conn:
            found = await surveys.open_surveys(conn, account=principal.id, now=_now(), lang=language(request))
        return Response(found, headers=NO_STORE)

    @post(
        "/applications/{application_id:uuid}/survey",
        operation_id="answerApplicationSurvey",
        opt=allow(CITIZEN),
        status_code=201,
    )
    async def answer_application(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[skm_schemas.SurveyAnswer],
    ) -> Response[skm_schemas.SurveyCreated]:
        """Rate my completed or rejected application (once: a second answer is 409 survey_answered)."""
        data = await _strict(request)
        async with connection() as conn:
            made = await surveys.answer_application(
                conn, application_id=application_id, account=principal.id, data=data, now=_now()
            )
        return Response(made, status_code=201, headers=NO_STORE)

    @post("/surveys/{invitation_id:uuid}", operation_id="answerSurvey", opt=allow(CITIZEN), status_code=201)
    async def answer(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        invitation_id: FromPath[uuid.UUID],
        data: JSONBody[skm_schemas.SurveyAnswer],
    ) -> Response[skm_schemas.SurveyCreated]:
        """Rate one of my transactions by its invitation (an application or a served ticket)."""
        data = await _strict(request)
        async with connection() as conn:
            made = await surveys.answer_invitation(
                conn, invitation_id=invitation_id, account=principal.id, data=data, now=_now()
            )
        return Response(made, status_code=201, headers=NO_STORE)


def _kiosk_region(principal: Principal) -> str:
    if not principal.region:
        raise ProblemError(403, "forbidden", "This device has no region.")
    return principal.region


class KioskSurveyController(Controller):
    path = "/api/v1/kiosk/queue/survey"
    tags = ("kiosk", "feedback")

    @get("/{token:str}", operation_id="kioskGetSurvey", opt=allow(KIOSK))
    async def show(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], token: FromPath[str]
    ) -> Response[skm_schemas.KioskSurvey]:
        """The walk-in's ticket served today, to rate at the kiosk: its number, agency and service."""
        async with connection() as conn:
            found = await surveys.kiosk_survey(
                conn, token=token, region=_kiosk_region(principal), now=_now(), lang=language(request)
            )
        return Response(found, headers=NO_STORE)

    @post("/{token:str}", operation_id="kioskAnswerSurvey", opt=allow(KIOSK), status_code=201)
    async def answer(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        token: FromPath[str],
        data: JSONBody[skm_schemas.SurveyAnswer],
    ) -> Response[skm_schemas.SurveyCreated]:
        """Rate the visit at the kiosk: one answer per ticket."""
        data = await _strict(request)
        async with connection() as conn:
            made = await surveys.answer_kiosk(conn, token=token, region=_kiosk_region(principal), data=data, now=_now())
        return Response(made, status_code=201, headers=NO_STORE)


class SkmPublicController(Controller):
    path = "/api/v1/skm"
    tags = ("feedback",)

    @get("", operation_id="getSkmIndex", opt=public())
    async def index(
        self,
        region: RegionCode = None,
        agency: AgencyCode = None,
        service: ServiceId = None,
        start: FromDate = None,
        end: ToDate = None,
    ) -> Response[skm_schemas.SkmIndex]:
        """The SKM index (PermenPANRB 14/2017) of a unit over a period (default: this year up to today): NRR per
        element, the published score and grade, and the sample the period needs (Krejcie–Morgan)."""
        when = surveys.period(start, end, region=region, now=_now())
        async with connection() as conn:
            await surveys.check_unit(conn, region=region, agency=agency, service=service)
            found = await surveys.skm_index(
                conn, region=region, agency=agency, service=service, start=when.start, end=when.end
            )
        return Response(found, headers=PUBLIC_CACHE)

    @get("/comments", operation_id="listSkmComments", opt=public())
    async def comments(
        self,
        request: Request[Any, Any, Any],
        region: RegionCode = None,
        agency: AgencyCode = None,
        service: ServiceId = None,
        limit: Limit = 20,
    ) -> Response[skm_schemas.PublicCommentList]:
        """Comments the agency answered publicly, with the answer (nothing that identifies anyone)."""
        async with connection() as conn:
            await surveys.check_unit(conn, region=region, agency=agency, service=service)
            found = await replies.public_comments(
                conn, region=region, agency=agency, service=service, limit=limit, lang=language(request)
            )
        return Response(found, headers=PUBLIC_CACHE)


async def _scope(principal: Principal, region: str | None, agency: str | None) -> surveys.StaffScope:
    """Whose figures the caller reads: an officer or supervisor their agency in their region (naming another is
    404), a region admin their region (an agency of it if named), a national admin the region they name."""
    roles = principal.roles
    if NATIONAL_ADMIN in roles or REGION_ADMIN in roles:
        chosen = admin_region(principal, region)
        if chosen is None:
            raise RegionRequiredError()
        async with connection() as conn:
            await surveys.check_unit(conn, region=chosen, agency=None, service=None)
            agency_id = await surveys.agency_id(conn, code=agency, region=chosen) if agency else None
        return surveys.StaffScope(region=chosen, agency=agency_id, officers=True)
    officer = officer_of(principal)
    if (region is not None and region != officer.region) or (agency is not None and agency != officer.agency_code):
        raise SurveyNotFoundError("unit")
    async with connection() as conn:
        agency_id = await surveys.agency_id(conn, code=officer.agency_code, region=officer.region)
    return surveys.StaffScope(region=officer.region, agency=agency_id, officers=officer.supervisor)


class StaffSkmController(Controller):
    path = "/api/v1/staff/skm"
    tags = ("staff", "feedback")

    @get("", operation_id="getStaffSkm", opt=STAFF)
    async def index(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        region: RegionCode = None,
        agency: AgencyCode = None,
        service: ServiceId = None,
        start: FromDate = None,
        end: ToDate = None,
    ) -> Response[skm_schemas.StaffSkm]:
        """My unit's index over a period, per service, and (supervisors, admins) per officer with at least five
        answers."""
        scope = await _scope(principal, region, agency)
        when = surveys.period(start, end, region=scope.region, now=_now())
        async with connection() as conn:
            if service is not None:
                await surveys.check_unit(conn, region=scope.region, agency=None, service=service)
            found = await surveys.staff_index(conn, scope=scope, service=service, when=when, lang=language(request))
        return Response(found, headers=NO_STORE)

    @get("/comments", operation_id="listStaffSkmComments", opt=STAFF)
    async def comments(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        region: RegionCode = None,
        agency: AgencyCode = None,
        start: FromDate = None,
        end: ToDate = None,
        replied: Annotated[
            bool | None, QueryParameter(description="true: answered publicly; false: not (yet)", required=False)
        ] = None,
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> Response[skm_schemas.StaffCommentList]:
        """My unit's survey comments with their day, service, scores and reply — never who wrote them."""
        scope = await _scope(principal, region, agency)
        when = surveys.period(start, end, region=scope.region, now=_now())
        async with connection() as conn:
            found = await replies.staff_comments(
                conn,
                scope=scope,
                when=when,
                replied=replied,
                page=page,
                page_size=page_size,
                lang=language(request),
            )
        return Response(found, headers=NO_STORE)

    @put("/comments/{survey_id:uuid}/reply", operation_id="replyToSkmComment", opt=allow(SUPERVISOR, REGION_ADMIN))
    async def reply(
        self,
        principal: NamedDependency[Principal],
        survey_id: FromPath[uuid.UUID],
        data: JSONBody[skm_schemas.ReplyText],
    ) -> Response[skm_schemas.StaffReply]:
        """Answer a comment publicly (again: the new answer replaces the old one on the public list)."""
        scope = await _scope(principal, None, None)
        async with connection() as conn:
            found = await replies.put_reply(
                conn, survey_id=survey_id, scope=scope, author=principal.id, text=data.text, now=_now()
            )
        return Response(found, headers=NO_STORE)

    @delete(
        "/comments/{survey_id:uuid}/reply",
        operation_id="withdrawSkmReply",
        opt=allow(SUPERVISOR, REGION_ADMIN),
        status_code=200,
    )
    async def withdraw(
        self, principal: NamedDependency[Principal], survey_id: FromPath[uuid.UUID]
    ) -> Response[skm_schemas.StaffReply]:
        """Take the answered comment off the public list."""
        scope = await _scope(principal, None, None)
        async with connection() as conn:
            found = await replies.withdraw_reply(
                conn, survey_id=survey_id, scope=scope, author=principal.id, now=_now()
            )
        return Response(found, headers=NO_STORE)


CONTROLLERS = (SurveyController, KioskSurveyController, SkmPublicController, StaffSkmController)
