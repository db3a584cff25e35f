"""Wallet routes: the owner's documents, officers' reviews, share links, and public verification.

Routes authorise, read the request, call one service function and shape the answer; the service's refusals
(``DomainError``) become problem+json in the one handler of ``api.lib.errors``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from api.lib.auth import CITIZEN, OFFICER, PEOPLE, SUPERVISOR, Principal, allow, officer_of, public
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import client_ip
from api.lib.upload import Upload, read_upload
from api.wallet import schemas, service
from api.wallet.service import Content, Wallet

# The parameters most routes take, named once: who calls, the wallet's runtime, the document in the path.
Caller = NamedDependency[Principal]
Runtime = NamedDependency[Wallet]
DocumentId = FromPath[uuid.UUID]


def wallet_from(state: State) -> Wallet:
    wallet: Wallet = state.wallet
    return wallet


async def _read_file(request: Request[Any, Any, Any], wallet: Wallet) -> tuple[Upload, bytes]:
    """The multipart upload (within the configured limit) and its file, which must be there."""
    form = await read_upload(request, max_file_bytes=wallet.max_upload_bytes)
    if form.file is None:
        raise ProblemError(400, "invalid_request", "Attach the file in the field 'file'.")
    return form, form.file


def _file(content: Content, *, download: bool = True) -> Response[bytes]:
    disposition = "attachment" if download else "inline"
    return Response(
        content.data,
        media_type=content.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{content.file_name}"',
            # Personal documents never sit in a shared cache or the browser's disk cache.
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            # A served PDF cannot run scripts or reach out, even if something slipped through.
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ProblemError(400, "invalid_request", f"{name} must be a date (YYYY-MM-DD).") from exc


class WalletController(Controller):
    path = "/api/v1/wallet/documents"
    tags = ("wallet",)

    @post(
        "",
        operation_id="uploadDocument",
        opt=allow(CITIZEN),
        status_code=201,
        request_max_body_size=None,  # read_upload enforces the configured limit
    )
    async def upload(
        self, request: Request[Any, Any, Any], principal: Caller, wallet: Runtime
    ) -> Response[schemas.Document]:
        """Upload a document (multipart: ``file``, ``type``; optional ``issuedOn``, ``validUntil``).

        The same content uploaded again is the same document (200 instead of 201).
        """
        form, file = await _read_file(request, wallet)
        type_code = form.fields.get("type", "").strip().upper()
        if not type_code:
            raise ProblemError(400, "invalid_request", "Say which document this is in the field 'type'.")
        issued_on = _date(form.fields.get("issuedOn"), "issuedOn")
        valid_until = _date(form.fields.get("validUntil"), "validUntil")
        async with connection() as conn:
            document, created = await service.upload(
                conn,
                wallet,
                owner=principal.id,
                type_code=type_code,
                data=file,
                media_type=form.file_media_type,
                file_name=form.file_name,
                issued_on=issued_on,
                valid_until=valid_until,
            )
        return Response(document, status_code=201 if created else 200)

    @get("", operation_id="listMyDocuments", opt=allow(CITIZEN))
    async def list_documents(self, principal: Caller, wallet: Runtime) -> schemas.DocumentList:
        async with connection() as conn:
            return await service.list_documents(conn, wallet, owner=principal.id)

    @get("/{document_id:uuid}", operation_id="getMyDocument", opt=allow(CITIZEN))
    async def get_document(self, principal: Caller, wallet: Runtime, document_id: DocumentId) -> schemas.DocumentDetail:
        async with connection() as conn:
            return await service.detail(conn, wallet, owner=principal.id, document_id=document_id)

    @get("/{document_id:uuid}/content", operation_id="downloadMyDocument", opt=allow(CITIZEN))
    async def content(self, principal: Caller, wallet: Runtime, document_id: DocumentId) -> Response[bytes]:
        async with connection() as conn:
            return _file(await service.owner_content(conn, wallet, owner=principal.id, document_id=document_id))

    @get("/{document_id:uuid}/qr.svg", operation_id="getMyDocumentQr", opt=allow(CITIZEN))
    async def qr(self, principal: Caller, wallet: Runtime, document_id: DocumentId) -> Response[bytes]:
        """The QR code of the document's attestation (verified or issued documents only)."""
        async with connection() as conn:
            svg = await service.attestation_qr(conn, wallet, owner=principal.id, document_id=document_id)
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    @put(
        "/{document_id:uuid}/content",
        operation_id="replaceMyDocument",
        opt=allow(CITIZEN),
        request_max_body_size=None,  # read_upload enforces the configured limit
    )
    async def replace(
        self, request: Request[Any, Any, Any], principal: Caller, wallet: Runtime, document_id: DocumentId
    ) -> schemas.Document:
        """New content for a document; a verification of the old content no longer holds."""
        form, file = await _read_file(request, wallet)
        async with connection() as conn:
            return await service.replace_content(
                conn,
                wallet,
                owner=principal.id,
                document_id=document_id,
                data=file,
                media_type=form.file_media_type,
                file_name=form.file_name,
            )

    @delete("/{document_id:uuid}", operation_id="deleteMyDocument", opt=allow(CITIZEN), status_code=204)
    async def delete_document(self, principal: Caller, wallet: Runtime, document_id: DocumentId) -> None:
        async with connection() as conn:
            await service.delete(conn, wallet, owner=principal.id, document_id=document_id)

    @post("/{document_id:uuid}/consents", operation_id="shareDocumentWithAgency", opt=allow(CITIZEN), status_code=201)
    async def give_consent(
        self, principal: Caller, document_id: DocumentId, data: JSONBody[schemas.ConsentCreate]
    ) -> dict[str, str]:
        """Let an agency use this document for a purpose (applications do this when documents are attached)."""
        async with connection() as conn:
            consent = await service.give_consent(
                conn,
                owner=principal.id,
                document_id=document_id,
                agency_code=data.agency,
                region=data.region,
                purpose=data.purpose,
            )
        return {"id": str(consent)}

    @delete(
        "/{document_id:uuid}/consents/{consent_id:uuid}",
        operation_id="withdrawDocumentConsent",
        opt=allow(CITIZEN),
        status_code=204,
    )
    async def withdraw_consent(
        self, principal: Caller, document_id: DocumentId, consent_id: FromPath[uuid.UUID]
    ) -> None:
        """Stop an agency's future use of the document."""
        async with connection() as conn:
            await service.withdraw_consent(conn, owner=principal.id, document_id=document_id, consent_id=consent_id)

    @post("/{document_id:uuid}/links", operation_id="createShareLink", opt=allow(CITIZEN), status_code=201)
    async def create_link(
        self, principal: Caller, wallet: Runtime, document_id: DocumentId, data: JSONBody[schemas.LinkCreate]
    ) -> schemas.LinkInfo:
        """A time-limited link for a third party; every use of it shows in my access log."""
        async with connection() as conn:
            return await service.create_link(
                conn, wallet, owner=principal.id, document_id=document_id, purpose=data.purpose, hours=data.hours
            )

    @delete(
        "/{document_id:uuid}/links/{link_id:uuid}", operation_id="revokeShareLink", opt=allow(CITIZEN), status_code=204
    )
    async def revoke_link(self, principal: Caller, document_id: DocumentId, link_id: FromPath[uuid.UUID]) -> None:
        async with connection() as conn:
            await service.revoke_link(conn, owner=principal.id, document_id=document_id, link_id=link_id)


class OfficerDocumentController(Controller):
    path = "/api/v1/officer/documents"
    tags = ("officer",)

    @get("/{document_id:uuid}", operation_id="officerGetDocument", opt=allow(OFFICER, SUPERVISOR))
    async def get_document(
        self, request: Request[Any, Any, Any], principal: Caller, wallet: Runtime, document_id: DocumentId
    ) -> schemas.Document:
        """A document shared with my agency. The read is recorded in the citizen's access log."""
        officer, ip = officer_of(principal), client_ip(request)
        async with connection() as conn:
            return await service.officer_document(conn, wallet, officer=officer, document_id=document_id, ip=ip)

    @get("/{document_id:uuid}/content", operation_id="officerDownloadDocument", opt=allow(OFFICER, SUPERVISOR))
    async def content(
        self, request: Request[Any, Any, Any], principal: Caller, wallet: Runtime, document_id: DocumentId
    ) -> Response[bytes]:
        officer, ip = officer_of(principal), client_ip(request)
        async with connection() as conn:
            content = await service.officer_content(conn, wallet, officer=officer, document_id=document_id, ip=ip)
        return _file(content, download=False)

    @post("/{document_id:uuid}/verify", operation_id="verifyDocument", opt=allow(OFFICER, SUPERVISOR), status_code=200)
    async def verify(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        wallet: Runtime,
        document_id: DocumentId,
        data: JSONBody[schemas.Review],
    ) -> schemas.Document:
        """Mark the document verified (signing an attestation every agency accepts) or rejected with a reason."""
        async with connection() as conn:
            return await service.review(
                conn,
                wallet,
                officer=officer_of(principal),
                document_id=document_id,
                valid=data.valid,
                reason=data.reason,
                ip=client_ip(request),
                listed_niks=data.listed_niks,
            )


class PublicDocumentController(Controller):
    path = "/api/v1"
    tags = ("verification",)
    opt = public()

    @get("/verify", operation_id="verifyAttestation", cache_control=None)
    async def verify(self, wallet: Runtime, token: FromQuery[str]) -> Response[schemas.Verification]:
        """Check an attestation (the token in a document's QR code): valid, expired, revoked or invalid."""
        if len(token) > 4000:
            return Response(schemas.Verification(status="invalid"), headers={"Cache-Control": "no-store"})
        async with connection() as conn:
            result = await service.verify_token(conn, wallet, token)
        return Response(result, headers={"Cache-Control": "no-store"})

    @get("/shared/{token:str}", operation_id="openShareLink")
    async def shared(
        self, request: Request[Any, Any, Any], wallet: Runtime, token: FromPath[str]
    ) -> Response[schemas.SharedDocument]:
        async with connection() as conn:
            document = await service.shared_document(conn, wallet, token=token, ip=client_ip(request))
        return Response(document, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    @get("/shared/{token:str}/content", operation_id="downloadShareLink")
    async def shared_content(
        self, request: Request[Any, Any, Any], wallet: Runtime, token: FromPath[str]
    ) -> Response[bytes]:
        async with connection() as conn:
            return _file(await service.shared_content(conn, wallet, token=token, ip=client_ip(request)))


class AccessLogController(Controller):
    path = "/api/v1/me/access-log"
    tags = ("me",)

    @get("", operation_id="myAccessLog", opt=allow(PEOPLE))
    async def access_log(self, principal: Caller) -> schemas.AccessLog:
        """Who (officer and agency, or a share link) saw which of my documents, and when."""
        async with connection() as conn:
            return await service.access_log(conn, owner=principal.id)
