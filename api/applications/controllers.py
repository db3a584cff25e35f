"""Application routes: the citizen's side, the officer's casework, and the supervisor's view."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from api.applications import schemas, service
from api.applications.service import InboxFilter
from api.applications.statuses import OpenStatus
from api.lib.auth import CITIZEN, OFFICER, SUPERVISOR, Principal, allow, officer_of
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import Page, PageSize, client_ip, if_match_revision, tagged
from api.wallet.service import Wallet

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", description="The version you read (its ETag)")]


def _version(if_match: str | None, body_version: int | None) -> int | None:
    """The version the caller acted on: If-Match (ETag) or the body's ``version``; none: no check."""
    version = if_match_revision(if_match, missing=None)
    return body_version if version is None else version


Versioned = TypeVar("Versioned", schemas.DraftSave, schemas.Withdraw, schemas.Resubmit)


def _at_version(data: Versioned, if_match: str | None) -> Versioned:
    """The body with the version the caller acted on (If-Match wins over the body's own ``version``)."""
    return msgspec.structs.replace(data, version=_version(if_match, data.version))


def _with_etag(detail: schemas.ApplicationDetail, status: int = 200) -> Response[schemas.ApplicationDetail]:
    return tagged(detail, detail.version, status)


class ApplicationController(Controller):
    path = "/api/v1/applications"
    tags = ("applications",)

    @get("/readiness", operation_id="applicationReadiness", opt=allow(CITIZEN))
    async def readiness(
        self,
        principal: NamedDependency[Principal],
        service_id: Annotated[uuid.UUID, QueryParameter(name="serviceId")],
    ) -> schemas.Readiness:
        """Which requirements my wallet already satisfies (verified first), which are missing or expired."""
        async with connection() as conn:
            return await service.readiness(conn, owner=principal.id, service_id=service_id)

    @post("", operation_id="submitApplication", opt=allow(CITIZEN), status_code=201)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.ApplicationCreate],
        idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None,
    ) -> Response[schemas.ApplicationDetail]:
        """Submit. With the same Idempotency-Key and body again, the same application (a retry from a phone
        on a bad connection never makes a second one)."""
        if not idempotency_key or not IDEMPOTENCY_KEY.match(idempotency_key):
            raise ProblemError(
                400, "idempotency_key_required", "Send an Idempotency-Key header (8-100 letters, digits, - _ . :)."
            )
        async with connection() as conn:
            detail, _created = await service.submit(
                conn, applicant=principal.id, data=data, idempotency_key=idempotency_key, ip=client_ip(request)
            )
        return _with_etag(detail, 201)

    @get("", operation_id="listMyApplications", opt=allow(CITIZEN))
    async def list_mine(
        self, principal: NamedDependency[Principal], page: Page = 1, page_size: PageSize = 20
    ) -> schemas.ApplicationList:
        async with connection() as conn:
            return await service.list_for_citizen(conn, applicant=principal.id, page=page, page_size=page_size)

    @get("/{application_id:uuid}", operation_id="getMyApplication", opt=allow(CITIZEN))
    async def get_mine(
        self, principal: NamedDependency[Principal], application_id: FromPath[uuid.UUID]
    ) -> Response[schemas.ApplicationDetail]:
        """One application with its timeline (oldest first) and deadline."""
        async with connection() as conn:
            detail = await service.get_for_citizen(conn, applicant=principal.id, application_id=application_id)
        return _with_etag(detail)

    @post("/drafts", operation_id="createDraft", opt=allow(CITIZEN), status_code=201)
    async def create_draft(
        self, principal: NamedDependency[Principal], data: JSONBody[schemas.DraftSave]
    ) -> Response[schemas.ApplicationDetail]:
        """Keep an unfinished application on the server, to resume on another device."""
        async with connection() as conn:
            detail = await service.save_draft(conn, applicant=principal.id, draft_id=None, data=data)
        return _with_etag(detail, 201)

    @put("/drafts/{draft_id:uuid}", operation_id="saveDraft", opt=allow(CITIZEN))
    async def save_draft(
        self,
        principal: NamedDependency[Principal],
        draft_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.DraftSave],
        if_match: IfMatch = None,
    ) -> Response[schemas.ApplicationDetail]:
        """Save a draft. A copy older than the stored one (edited on another device meanwhile) answers 412."""
        body = _at_version(data, if_match)
        async with connection() as conn:
            detail = await service.save_draft(conn, applicant=principal.id, draft_id=draft_id, data=body)
        return _with_etag(detail)

    @post("/{application_id:uuid}/withdraw", operation_id="withdrawApplication", opt=allow(CITIZEN), status_code=200)
    async def withdraw(
        self,
        principal: NamedDependency[Principal],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.Withdraw],
        if_match: IfMatch = None,
    ) -> Response[schemas.ApplicationDetail]:
        """Withdraw, before a decision."""
        body = _at_version(data, if_match)
        async with connection() as conn:
            detail = await service.withdraw(conn, applicant=principal.id, application_id=application_id, data=body)
        return _with_etag(detail)

    @post("/{application_id:uuid}/resubmit", operation_id="resubmitApplication", opt=allow(CITIZEN), status_code=200)
    async def resubmit(
        self,
        principal: NamedDependency[Principal],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.Resubmit],
        if_match: IfMatch = None,
    ) -> Response[schemas.ApplicationDetail]:
        """Send back a corrected application (answers and/or documents); review resumes."""
        body = _at_version(data, if_match)
        async with connection() as conn:
            detail = await service.resubmit(conn, applicant=principal.id, application_id=application_id, data=body)
        return _with_etag(detail)


class CaseworkController(Controller):
    path = "/api/v1/officer/applications"
    tags = ("officer",)

    @get("", operation_id="officerInbox", opt=allow(OFFICER, SUPERVISOR))
    async def inbox(
        self,
        principal: NamedDependency[Principal],
        status: FromQuery[OpenStatus | None] = None,
        overdue: FromQuery[bool] = False,
        due_within_days: Annotated[int | None, QueryParameter(name="dueWithinDays", ge=0, le=60)] = None,
        service_code: Annotated[
            str | None, QueryParameter(name="service", pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)
        ] = None,
        mine: FromQuery[bool] = False,
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> schemas.ApplicationList:
        """My agency's applications in my region, soonest deadline first."""
        filters = InboxFilter(
            status=status, overdue=overdue, due_within_days=due_within_days, service=service_code, mine=mine
        )
        async with connection() as conn:
            return await service.inbox(
                conn, officer=officer_of(principal), filters=filters, page=page, page_size=page_size
            )

    @get("/{application_id:uuid}", operation_id="officerGetApplication", opt=allow(OFFICER, SUPERVISOR))
    async def view(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        application_id: FromPath[uuid.UUID],
    ) -> Response[schemas.ApplicationDetail]:
        """Answers and documents; the read is recorded in the citizen's access log."""
        async with connection() as conn:
            detail = await service.officer_view(
                conn, officer=officer_of(principal), application_id=application_id, ip=client_ip(request)
            )
        return _with_etag(detail)

    @post(
        "/{application_id:uuid}/decision",
        operation_id="decideApplication",
        opt=allow(OFFICER, SUPERVISOR),
        status_code=200,
    )
    async def decide(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.Decision],
        if_match: IfMatch = None,
    ) -> Response[schemas.ApplicationDetail]:
        """start_review, request_correction (reason), approve, reject (reason), complete (issues the result)."""
        async with connection() as conn:
            detail = await service.decide(
                conn,
                wallet,
                officer=officer_of(principal),
                application_id=application_id,
                action=data.action,
                reason=data.reason,
                version=_version(if_match, data.version),
                ip=client_ip(request),
            )
        return _with_etag(detail)

    @post(
        "/{application_id:uuid}/assign",
        operation_id="assignApplication",
        opt=allow(OFFICER, SUPERVISOR),
        status_code=200,
    )
    async def assign(
        self,
        principal: NamedDependency[Principal],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.Assign],
        if_match: IfMatch = None,
    ) -> Response[schemas.ApplicationDetail]:
        """Claim (no officerId) or hand to a colleague of my agency."""
        async with connection() as conn:
            detail = await service.assign(
                conn,
                officer=officer_of(principal),
                application_id=application_id,
                to=data.officer_id,
                version=_version(if_match, data.version),
            )
        return _with_etag(detail)

    @post("/bulk/start-review", operation_id="bulkStartReview", opt=allow(OFFICER, SUPERVISOR), status_code=200)
    async def bulk_start(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], data: JSONBody[schemas.BulkStart]
    ) -> schemas.BulkResult:
        async with connection() as conn:
            return await service.bulk_start(conn, officer=officer_of(principal), ids=data.ids, ip=client_ip(request))


class SupervisorController(Controller):
    path = "/api/v1/supervisor"
    tags = ("officer",)

    @get("/workload", operation_id="supervisorWorkload", opt=allow(SUPERVISOR))
    async def workload(self, principal: NamedDependency[Principal]) -> schemas.Workload:
        """Open, overdue and due-soon applications per officer of my agency."""
        async with connection() as conn:
            return await service.workload(conn, officer=officer_of(principal))

    @get("/broker-flags", operation_id="supervisorBrokerFlags", opt=allow(SUPERVISOR))
    async def flags(self, principal: NamedDependency[Principal]) -> schemas.FlagList:
        """Accounts that apply for many different people without mandates (possible brokers, *calo*)."""
        async with connection() as conn:
            return await service.broker_flags(conn, officer=officer_of(principal))
