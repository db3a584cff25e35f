"""Routes about the signed-in person: profile, devices, phone number, family, mandates, their data."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, KwargDefinition
from litestar.response import Stream

from api.accounts import data_rights, schemas, service
from api.accounts.language import language_of
from api.audit.service import events_about, record
from api.auth import service as auth
from api.auth.service import Issuer
from api.lib.auth import CITIZEN, PEOPLE, Principal, allow
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import client_ip
from api.lib.sms import SmsGateway, send_code
from api.notifications import messages
from api.registry.service import RegistryAccess
from api.wallet.service import Wallet, family_card_listing

# The export's body in OpenAPI: binary data (the archive), not a text string.
ZIP_ARCHIVE = Annotated[bytes, KwargDefinition(format="binary")]

# Changing the sign-in number needs a sign-in this recent (ASVS: re-authenticate before sensitive changes).
FRESH_SIGN_IN_SECONDS = 300


class MeController(Controller):
    path = "/api/v1/me"
    tags = ("me",)

    @get("", operation_id="getMe", opt=allow(PEOPLE, scopes=("api", "mfa")))
    async def get_me(self, principal: NamedDependency[Principal]) -> schemas.Me:
        async with connection() as conn:
            return await service.get_me(conn, principal.id)

    @patch("", operation_id="updateMe", opt=allow(PEOPLE))
    async def update_me(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], data: JSONBody[schemas.MeUpdate]
    ) -> schemas.Me:
        async with connection() as conn:
            return await service.update_me(conn, principal.id, data, ip=client_ip(request))

    @get("/sessions", operation_id="listMySessions", opt=allow(PEOPLE))
    async def list_sessions(self, principal: NamedDependency[Principal]) -> schemas.SessionList:
        """My signed-in devices."""
        async with connection() as conn:
            return await service.list_sessions(conn, principal.id, principal.session)

    @delete("/sessions/{session_id:uuid}", operation_id="revokeMySession", opt=allow(PEOPLE), status_code=204)
    async def revoke_session(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], session_id: FromPath[uuid.UUID]
    ) -> None:
        async with connection() as conn:
            if not await auth.revoke_own_session(conn, principal.id, session_id, ip=client_ip(request)):
                raise ProblemError(404, "not_found", "No such session.")

    @delete("/sessions", operation_id="revokeMySessions", opt=allow(PEOPLE), status_code=200)
    async def revoke_sessions(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        keep_current: FromQuery[bool] = True,
    ) -> dict[str, int]:
        """Sign out every other device (or every device, with keepCurrent=false)."""
        async with connection() as conn:
            count = await auth.revoke_all(
                conn,
                principal.id,
                except_session=principal.session if keep_current else None,
                reason="revoked_all_by_user",
                ip=client_ip(request),
            )
        return {"revoked": count}

    @post("/phone", operation_id="startPhoneChange", opt=allow(PEOPLE), status_code=202)
    async def start_phone_change(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.PhoneChange],
        issuer: NamedDependency[Issuer],
        sms: NamedDependency[SmsGateway],
    ) -> Response[dict[str, int]]:
        """Send a code to the new number. Needs a sign-in from the last five minutes."""
        if time.time() - principal.auth_time > FRESH_SIGN_IN_SECONDS:
            raise ProblemError(403, "reauthentication_required", "Sign in again before changing your number.")
        async with connection() as conn:
            phone, code = await auth.request_code(
                conn, issuer, phone=data.phone, ip=client_ip(request), purpose="change_phone", account=principal.id
            )
            body = messages.phone_change_code(code, await language_of(conn, principal.id))
        return Response(
            {"expiresIn": int(auth.CODE_TTL.total_seconds())},
            status_code=202,
            background=BackgroundTask(send_code, sms, phone, body, code),
        )

    @post("/phone/verify", operation_id="finishPhoneChange", opt=allow(PEOPLE), status_code=200)
    async def finish_phone_change(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.PhoneVerify],
        issuer: NamedDependency[Issuer],
        sms: NamedDependency[SmsGateway],
    ) -> Response[schemas.Me]:
        ip = client_ip(request)
        async with connection() as conn:
            phone = await auth.check_code(
                conn, issuer, phone=data.phone, code=data.code, ip=ip, purpose="change_phone", account=principal.id
            )
            old = await service.change_phone(conn, principal.id, phone, ip=ip)
            me = await service.get_me(conn, principal.id)
        # Tell the old number: if this was not its owner, they know at once.
        notice = messages.phone_changed(me.language)
        return Response(me, background=BackgroundTask(sms.send, old, notice))

    @get("/audit", operation_id="listMyAuditTrail", opt=allow(PEOPLE))
    async def audit(self, principal: NamedDependency[Principal]) -> schemas.AuditList:
        """Everything recorded about me: sign-ins, changes, who acted on my behalf."""
        async with connection() as conn:
            events = await events_about(conn, principal.id, limit=500)
        items = [
            schemas.AuditEntry(at=e["at"], action=e["action"], actor=e["actor"], detail=e["detail"]) for e in events
        ]
        return schemas.AuditList(items=items, total=len(items))

    @get(
        "/export",
        operation_id="exportMyData",
        opt=allow(PEOPLE),
        media_type="application/zip",
        # A Stream would be described as an untyped body: say what it is, the archive's bytes.
        responses={
            200: ResponseSpec(
                ZIP_ARCHIVE,
                generate_examples=False,
                media_type="application/zip",
                description="Everything held on me, as a ZIP archive (its README.txt says what each file holds)",
            )
        },
    )
    async def export(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], wallet: NamedDependency[Wallet]
    ) -> Stream:
        """Everything we hold on me, documents included, as a ZIP archive (UU PDP: the right to a copy of one's
        data). The archive is written while it is sent: the server never holds all of it."""
        async with connection() as conn:
            lang = await language_of(conn, principal.id)
            await record(conn, action="data.exported", actor=principal.id, subject=principal.id, ip=client_ip(request))

        async def archive() -> AsyncIterator[bytes]:
            # Its own connection, held while the archive is sent: documents are read one by one as it goes.
            async with connection() as conn:
                async for chunk in data_rights.export_archive(conn, wallet, principal.id, lang=lang):
                    yield chunk

        name = data_rights.archive_name(lang, data_rights.local_date())
        return Stream(
            archive(),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )

    @delete("", operation_id="requestMyDeletion", opt=allow(CITIZEN), status_code=202)
    async def request_deletion(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal]
    ) -> schemas.DeletionRequested:
        """Ask for my account to be deleted; the answer says what will be erased, what must be kept and why, and
        from when the erasure may run (until then an MPP counter can cancel it)."""
        hold = dt.timedelta(days=request.app.state.settings.erasure_hold_days)
        async with connection() as conn:
            return await data_rights.request_deletion(conn, principal.id, hold=hold, ip=client_ip(request))

    # --- family and mandates ------------------------------------------------------------------------------

    @get("/family", operation_id="listMyFamily", opt=allow(CITIZEN))
    async def list_family(self, principal: NamedDependency[Principal]) -> schemas.FamilyMemberList:
        async with connection() as conn:
            return await service.list_family(conn, principal.id)

    @post("/family", operation_id="addFamilyMember", opt=allow(CITIZEN), status_code=201)
    async def add_family_member(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.FamilyMemberCreate],
    ) -> schemas.FamilyMember:
        """Link a member of my household (same KK)."""
        async with connection() as conn:
            return await service.add_family_member(conn, principal.id, data, ip=client_ip(request))

    @delete("/family/{member_id:uuid}", operation_id="removeFamilyMember", opt=allow(CITIZEN), status_code=204)
    async def remove_family_member(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], member_id: FromPath[uuid.UUID]
    ) -> None:
        async with connection() as conn:
            await service.remove_family_member(conn, principal.id, member_id, ip=client_ip(request))

    @get("/mandates", operation_id="listMyMandates", opt=allow(CITIZEN))
    async def list_mandates(self, principal: NamedDependency[Principal]) -> schemas.MandateList:
        """Mandates I hold, and mandates others hold over me."""
        async with connection() as conn:
            return await service.list_mandates(conn, principal.id)

    @post("/mandates", operation_id="createMandate", opt=allow(CITIZEN), status_code=201)
    async def create_mandate(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.MandateCreate],
        registry: NamedDependency[RegistryAccess],
    ) -> schemas.Mandate:
        """For a minor child: active when the registry's KK, or an officer-verified KK in my wallet, lists both;
        else waiting for an officer (review). For an adult: waiting for their consent (pending)."""
        async with connection() as conn:
            return await service.create_mandate(
                conn,
                principal.id,
                data,
                ip=client_ip(request),
                registry=registry,
                family_cards=family_card_listing,
            )

    @post("/mandates/{mandate_id:uuid}/accept", operation_id="acceptMandate", opt=allow(CITIZEN), status_code=200)
    async def accept_mandate(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], mandate_id: FromPath[uuid.UUID]
    ) -> schemas.Mandate:
        async with connection() as conn:
            return await service.accept_mandate(conn, principal.id, mandate_id, ip=client_ip(request))

    @delete("/mandates/{mandate_id:uuid}", operation_id="revokeMandate", opt=allow(CITIZEN), status_code=200)
    async def revoke_mandate(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], mandate_id: FromPath[uuid.UUID]
    ) -> schemas.Mandate:
        async with connection() as conn:
            return await service.revoke_mandate(conn, principal.id, mandate_id, ip=client_ip(request))
