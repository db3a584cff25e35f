"""Staff in admin mode: list, invite, change role or agency, suspend and reinstate, sign out everywhere, lost
passkeys, enrolment codes (``api.auth.staff_admin`` holds the rules).

Region admins manage the officers and supervisors of their own region, national admins everyone. Reads of one
member of staff and every change answer with the account's ``ETag``; changes need it back in ``If-Match``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from api.auth import enrolment, schemas, staff_admin
from api.auth.service import Issuer
from api.auth.staff_admin import Admin, StatusFilter
from api.lib.auth import NATIONAL_ADMIN, REGION_ADMIN, Principal, admin_region, allow
from api.lib.db import connection
from api.lib.http import INT8_MAX, Page, PageSize, client_ip, required_revision, tagged

ADMINS_ONLY = allow(REGION_ADMIN, NATIONAL_ADMIN)
IfMatch = Annotated[
    str | None, HeaderParameter(name="If-Match", description="The member of staff's ETag, as last read")
]
AccountId = FromPath[uuid.UUID]


def admin_of(request: Request[Any, Any, Any], principal: Principal) -> Admin:
    """The caller as the admin acting: a region admin's region, or None for a national admin."""
    return Admin(id=principal.id, region=admin_region(principal), ip=client_ip(request))


def revision_of(if_match: str | None) -> int:
    """The revision the admin read, from If-Match; 428 without one. A tag that is not ours cannot match: 412 (its
    tests pin that answer; the revision is the account's ``updated_at`` in microseconds, hence a bigint)."""
    return required_revision(
        if_match,
        missing="Send If-Match with the ETag of the member of staff you read.",
        malformed_is_stale=True,
        largest=INT8_MAX,
    )


def with_etag(item: schemas.StaffItem) -> Response[schemas.StaffItem]:
    return tagged(item, item.revision)


def code_fields(issued: enrolment.IssuedCode, request: Request[Any, Any, Any]) -> dict[str, Any]:
    """An enrolment code as the answer shows it: the code, its link and the link's QR code."""
    link = issued.link(request.app.state.settings.browser_url)
    return {
        "account_id": issued.account,
        "enrolment_code": issued.code,
        "link": link,
        "expires_at": issued.expires_at,
        "qr_svg": enrolment.qr_svg(link),
    }


def code_ttl(request: Request[Any, Any, Any]) -> dt.timedelta:
    return dt.timedelta(hours=request.app.state.settings.auth.enrolment_code_hours)


class StaffAdminController(Controller):
    path = "/api/v1/admin/staff"
    tags = ("admin",)

    @get("", operation_id="listStaff", opt=ADMINS_ONLY)
    async def list_staff(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        region: Annotated[
            str | None, QueryParameter(description="a region's code (national admins)", pattern="^[0-9]{4}$")
        ] = None,
        agency: Annotated[str | None, QueryParameter(description="an agency's code", max_length=40)] = None,
        q: Annotated[str | None, QueryParameter(description="part of a name or number", max_length=100)] = None,
        status: FromQuery[StatusFilter] = "active",
        phone: Annotated[str | None, QueryParameter(description="a mobile number (exact)", max_length=32)] = None,
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> schemas.StaffList:
        """The staff an admin manages, by name: a region admin their region's officers and supervisors, a national
        admin everyone (``region`` narrows it). ``phone`` finds one number exactly."""
        scope = admin_region(principal, region)
        async with connection() as conn:
            return await staff_admin.list_staff(
                conn,
                admin_of(request, principal),
                region=scope,
                agency=agency,
                q=q,
                status=status,
                phone=phone,
                page=page,
                page_size=page_size,
            )

    @post("", operation_id="inviteStaff", opt=ADMINS_ONLY, status_code=201)
    async def invite(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        issuer: NamedDependency[Issuer],
        data: JSONBody[schemas.StaffInvite],
    ) -> schemas.StaffInvitation:
        """Invite an officer or supervisor (national admins: also a region admin) by phone number. A citizen's
        number keeps its account, which gains the role (``existingAccount``). Answers the enrolment code for
        their first passkey, its link and the link's QR code, shown once."""
        admin = admin_of(request, principal)
        async with connection() as conn:
            invited = await staff_admin.invite(
                conn,
                issuer.secret,
                admin,
                phone=data.phone,
                name=data.name,
                role=data.role,
                agency=data.agency,
                region=admin_region(principal, data.region),
                ttl=code_ttl(request),
            )
        return schemas.StaffInvitation(**code_fields(invited.code, request), existing_account=invited.existing_account)

    @get("/{account_id:uuid}", operation_id="getStaffMember", opt=ADMINS_ONLY)
    async def get_member(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], account_id: AccountId
    ) -> Response[schemas.StaffItem]:
        """One member of staff, with the ETag that changes name in If-Match."""
        async with connection() as conn:
            return with_etag(await staff_admin.get_staff(conn, admin_of(request, principal), account_id))

    @patch("/{account_id:uuid}", operation_id="updateStaffMember", opt=ADMINS_ONLY)
    async def update(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        account_id: AccountId,
        data: JSONBody[schemas.StaffUpdate],
        if_match: IfMatch = None,
    ) -> Response[schemas.StaffItem]:
        """A new role or agency (national admins: also region). The person's sessions end: their next sign-in
        carries the new scope."""
        revision = revision_of(if_match)
        region = admin_region(principal, data.region) if data.region else None
        async with connection() as conn:
            item = await staff_admin.change(
                conn,
                admin_of(request, principal),
                account_id,
                revision=revision,
                role=data.role,
                agency=data.agency,
                region=region,
            )
        return with_etag(item)

    @post("/{account_id:uuid}/suspend", operation_id="suspendStaffMember", opt=ADMINS_ONLY, status_code=200)
    async def suspend(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        account_id: AccountId,
        data: JSONBody[schemas.StaffSuspend],
        if_match: IfMatch = None,
    ) -> Response[schemas.StaffItem]:
        """Suspend: every session ends and sign-in is refused (``account_suspended``) until reinstated."""
        revision = revision_of(if_match)
        async with connection() as conn:
            item = await staff_admin.suspend(
                conn, admin_of(request, principal), account_id, revision=revision, reason=data.reason
            )
        return with_etag(item)

    @post("/{account_id:uuid}/reinstate", operation_id="reinstateStaffMember", opt=ADMINS_ONLY, status_code=200)
    async def reinstate(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        account_id: AccountId,
        if_match: IfMatch = None,
    ) -> Response[schemas.StaffItem]:
        """Let a suspended member of staff sign in again."""
        revision = revision_of(if_match)
        async with connection() as conn:
            item = await staff_admin.reinstate(conn, admin_of(request, principal), account_id, revision=revision)
        return with_etag(item)

    @post("/{account_id:uuid}/sessions/end", operation_id="endStaffSessions", opt=ADMINS_ONLY, status_code=200)
    async def end_sessions(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], account_id: AccountId
    ) -> schemas.SessionsEnded:
        """Sign out everywhere (a lost phone): every session of the person ends."""
        async with connection() as conn:
            ended = await staff_admin.end_all_sessions(conn, admin_of(request, principal), account_id)
        return schemas.SessionsEnded(ended=ended)

    @delete("/{account_id:uuid}/passkeys", operation_id="replaceStaffPasskeys", opt=ADMINS_ONLY, status_code=200)
    async def replace_passkeys(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        issuer: NamedDependency[Issuer],
        account_id: AccountId,
        if_match: IfMatch = None,
    ) -> schemas.PasskeysReplaced:
        """A lost security key or phone: removes the person's passkeys, ends their sessions and answers a new
        enrolment code (with its link and QR code) for the passkey that replaces them."""
        revision = revision_of(if_match)
        async with connection() as conn:
            removed, issued = await staff_admin.replace_passkeys(
                conn,
                issuer.secret,
                admin_of(request, principal),
                account_id,
                revision=revision,
                ttl=code_ttl(request),
            )
        return schemas.PasskeysReplaced(**code_fields(issued, request), removed=removed)

    @post("/{account_id:uuid}/enrolment-code", operation_id="issueEnrolmentCode", opt=ADMINS_ONLY, status_code=201)
    async def issue_enrolment_code(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        issuer: NamedDependency[Issuer],
        account_id: AccountId,
    ) -> schemas.EnrolmentCode:
        """A new one-time code for a staff member's first passkey, and the sign-in link that carries it (show it
        as a link or a QR code: ``qrSvg``). The previous code stops working. Region admins: staff of their own
        region."""
        admin = admin_of(request, principal)
        async with connection() as conn:
            if not admin.national:
                # Only the staff they manage: not another region's, and no admin (404 as if not there).
                await staff_admin.get_staff(conn, admin, account_id)
            issued = await enrolment.issue(
                conn,
                issuer.secret,
                account=account_id,
                ttl=code_ttl(request),
                issued_by=principal.id,
                region=admin.region,
                ip=admin.ip,
            )
        return schemas.EnrolmentCode(**code_fields(issued, request))
