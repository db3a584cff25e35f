"""Complaints' routes: the public categories, the citizen's complaints and actions, and the staff's inbox, detail,
attachment, answer and reassignment. Thin: who may call, the caller's scope, headers, the clock; the rules are in
``api.feedback.complaints`` and ``api.feedback.complaint_casework``."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from api.feedback import complaint_casework as casework
from api.feedback import complaints
from api.feedback.complaint_errors import ComplaintRegionRequiredError
from api.feedback.complaint_schemas import (
    CategoryList,
    ComplaintAnswer,
    ComplaintCreate,
    ComplaintCreated,
    ComplaintDetail,
    ComplaintList,
    ComplaintReassign,
    ComplaintText,
    StaffDetail,
    StaffList,
)
from api.lib.auth import (
    CITIZEN,
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
from api.lib.errors import ProblemError
from api.lib.http import client_ip, language
from api.wallet.service import Wallet, owner_content

NO_STORE = {"Cache-Control": "no-store"}
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
ComplaintId = FromPath[uuid.UUID]
RegionCode = Annotated[str | None, QueryParameter(pattern=r"^[0-9]{2,4}$", description="BPS code", required=False)]
STAFF = allow(OFFICER, SUPERVISOR, REGION_ADMIN, NATIONAL_ADMIN)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _scope(principal: Principal, region: str | None = None) -> casework.StaffScope:
    """Admins: the region (a national admin must name it); officers and supervisors: their agency in their region."""
    if principal.roles & {REGION_ADMIN, NATIONAL_ADMIN}:
        chosen = admin_region(principal, region)
        if chosen is None:
            raise ComplaintRegionRequiredError
        return casework.StaffScope(region=chosen, actor=principal.id, role="admin")
    officer = officer_of(principal)
    if region is not None and region != officer.region:
        raise ProblemError(404, "not_found", "No such region.")
    return casework.StaffScope(
        region=officer.region,
        actor=principal.id,
        role="supervisor" if officer.supervisor else "officer",
        agency_code=officer.agency_code,
    )


class ComplaintController(Controller):
    path = "/api/v1/complaints"
    tags = ("feedback",)

    @get("/categories", operation_id="listComplaintCategories", opt=public())
    async def categories(self) -> Response[CategoryList]:
        """The categories and their response deadlines in working days (as published for SP4N-LAPOR!)."""
        async with connection() as conn:
            found = await complaints.list_categories(conn)
        return Response(found, headers={"Cache-Control": "public, max-age=3600"})

    @post("", operation_id="fileComplaint", opt=allow(CITIZEN), status_code=201)
    async def file(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[ComplaintCreate],
        idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key", required=False)] = None,
    ) -> Response[ComplaintCreated]:
        """File a complaint about one application, ticket or service of mine. With the same Idempotency-Key and body
        again, the same complaint (a retry from a phone never files a second one)."""
        if not idempotency_key or not IDEMPOTENCY_KEY.match(idempotency_key):
            raise ProblemError(
                400, "idempotency_key_required", "Send an Idempotency-Key header (8-100 letters, digits, - _ . :)."
            )
        async with connection() as conn:
            created, _new = await complaints.file(
                conn, account=principal.id, data=data, idempotency_key=idempotency_key, now=_now()
            )
        return Response(created, status_code=201, headers=NO_STORE)

    @get("", operation_id="listMyComplaints", opt=allow(CITIZEN))
    async def list_mine(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal]
    ) -> Response[ComplaintList]:
        async with connection() as conn:
            found = await complaints.list_mine(conn, account=principal.id, now=_now(), lang=language(request))
        return Response(found, headers=NO_STORE)

    @get("/{complaint_id:uuid}", operation_id="getMyComplaint", opt=allow(CITIZEN))
    async def get_mine(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], complaint_id: ComplaintId
    ) -> Response[ComplaintDetail]:
        async with connection() as conn:
            found = await complaints.get_mine(
                conn, account=principal.id, complaint_id=complaint_id, now=_now(), lang=language(request)
            )
        return Response(found, headers=NO_STORE)

    @post("/{complaint_id:uuid}/confirm", operation_id="confirmComplaint", opt=allow(CITIZEN), status_code=200)
    async def confirm(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], complaint_id: ComplaintId
    ) -> Response[ComplaintDetail]:
        """The answer settles it: closed."""
        async with connection() as conn:
            found = await complaints.confirm(
                conn, account=principal.id, complaint_id=complaint_id, now=_now(), lang=language(request)
            )
        return Response(found, headers=NO_STORE)

    @post("/{complaint_id:uuid}/dispute", operation_id="disputeComplaint", opt=allow(CITIZEN), status_code=200)
    async def dispute(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        complaint_id: ComplaintId,
        data: JSONBody[ComplaintText],
    ) -> Response[ComplaintDetail]:
        """The answer does not settle it (say why): escalated to the region, with a new due date."""
        async with connection() as conn:
            found = await complaints.dispute(
                conn,
                account=principal.id,
                complaint_id=complaint_id,
                text=data.text,
                now=_now(),
                lang=language(request),
            )
        return Response(found, headers=NO_STORE)

    @post("/{complaint_id:uuid}/withdraw", operation_id="withdrawComplaint", opt=allow(CITIZEN), status_code=200)
    async def withdraw(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], complaint_id: ComplaintId
    ) -> Response[ComplaintDetail]:
        async with connection() as conn:
            found = await complaints.withdraw(
                conn, account=principal.id, complaint_id=complaint_id, now=_now(), lang=language(request)
            )
        return Response(found, headers=NO_STORE)


class StaffComplaintController(Controller):
    path = "/api/v1/staff/complaints"
    tags = ("staff", "feedback")

    @get("", operation_id="listStaffComplaints", opt=STAFF)
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        region: RegionCode = None,
        status: Annotated[
            str | None,
            QueryParameter(pattern=r"^(submitted|escalated|answered|closed)$", description="a status", required=False),
        ] = None,
        overdue: Annotated[bool | None, QueryParameter(description="true: past the due date", required=False)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100, description="How many (1-100)")] = 50,
        cursor: Annotated[
            str | None, QueryParameter(pattern=r"^[0-9]{1,9}$", description="nextCursor of the page before")
        ] = None,
    ) -> Response[StaffList]:
        """The complaints of my agency (officers, supervisors) or region (admins): escalated first, then overdue,
        then by due date."""
        scope = _scope(principal, region)
        async with connection() as conn:
            found = await casework.inbox(
                conn,
                scope=scope,
                status=status,
                overdue=overdue,
                limit=limit,
                cursor=cursor,
                now=_now(),
                lang=language(request),
            )
        return Response(found, headers=NO_STORE)

    @get("/{complaint_id:uuid}", operation_id="getStaffComplaint", opt=STAFF)
    async def detail(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        complaint_id: ComplaintId,
        region: RegionCode = None,
    ) -> Response[StaffDetail]:
        """A complaint with its history; the read is written to the complainant's access log."""
        scope = _scope(principal, region)
        async with connection() as conn:
            found = await casework.detail(
                conn, scope=scope, complaint_id=complaint_id, ip=client_ip(request), now=_now(), lang=language(request)
            )
        return Response(found, headers=NO_STORE)

    @get("/{complaint_id:uuid}/attachment", operation_id="getStaffComplaintAttachment", opt=STAFF)
    async def attachment(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        complaint_id: ComplaintId,
        region: RegionCode = None,
    ) -> Response[bytes]:
        """The document attached to the complaint; the read is written to its owner's access log."""
        scope = _scope(principal, region)
        async with connection() as conn:
            owner, document = await casework.attachment(
                conn, scope=scope, complaint_id=complaint_id, ip=client_ip(request)
            )
            content = await owner_content(conn, wallet, owner=owner, document_id=document)
        return Response(
            content.data,
            media_type=content.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{content.file_name}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @post(
        "/{complaint_id:uuid}/answer",
        operation_id="answerComplaint",
        opt=allow(OFFICER, SUPERVISOR, REGION_ADMIN),
        status_code=200,
    )
    async def answer(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        complaint_id: ComplaintId,
        data: JSONBody[ComplaintAnswer],
    ) -> Response[StaffDetail]:
        """Answer it (``version`` as read: a stale one is 409); the citizen then has ten working days to confirm or
        dispute."""
        scope = _scope(principal)
        async with connection() as conn:
            found = await casework.answer(
                conn,
                scope=scope,
                complaint_id=complaint_id,
                text=data.text,
                version=data.version,
                now=_now(),
                lang=language(request),
            )
        return Response(found, headers=NO_STORE)

    @post("/{complaint_id:uuid}/reassign", operation_id="reassignComplaint", opt=allow(REGION_ADMIN), status_code=200)
    async def reassign(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        complaint_id: ComplaintId,
        data: JSONBody[ComplaintReassign],
    ) -> Response[StaffDetail]:
        """Route it to another agency of the region (the status stays)."""
        scope = _scope(principal)
        async with connection() as conn:
            found = await casework.reassign(
                conn,
                scope=scope,
                complaint_id=complaint_id,
                agency_code=data.agency,
                version=data.version,
                now=_now(),
                lang=language(request),
            )
        return Response(found, headers=NO_STORE)


CONTROLLERS = [ComplaintController, StaffComplaintController]
