"""Wallet routes: the owner's documents, officers' reviews, share links, and public verification."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from api.lib.auth import CITIZEN, OFFICER, PEOPLE, SUPERVISOR, Principal, allow, officer_of, public
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import client_ip
from api.lib.upload import read_upload, too_large
from api.wallet import attest, schemas, service
from api.wallet.sanitize import RejectedFileError
from api.wallet.service import (
    Content,
    DocumentNotFoundError,
    FileTooLargeError,
    ReviewConflictError,
    UnknownDocumentTypeError,
    Wallet,
)

T = TypeVar("T")


def wallet_from(state: State) -> Wallet:
    wallet: Wallet = state.wallet
    return wallet


async def _guarded(work: Callable[[], Awaitable[T]]) -> T:
    """Translate the wallet's domain errors into problem answers, in one place."""
    try:
        return await work()
    except DocumentNotFoundError as exc:
        raise ProblemError(404, "not_found", "No such document.") from exc
    except UnknownDocumentTypeError as exc:
        raise ProblemError(422, "unknown_document_type", f"Unknown {exc.args[0]}.") from exc
    except FileTooLargeError as exc:
        raise too_large(exc.limit) from exc
    except RejectedFileError as exc:
        raise ProblemError(exc.status, exc.code, exc.detail) from exc
    except ReviewConflictError as exc:
        raise ProblemError(409, "conflict", str(exc)) from exc


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
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], wallet: NamedDependency[Wallet]
    ) -> Response[schemas.Document]:
        """Upload a document (multipart: ``file``, ``type``; optional ``issuedOn``, ``validUntil``).

        The same content uploaded again is the same document (200 instead of 201).
        """
        form = await read_upload(request, max_file_bytes=wallet.max_upload_bytes)
        if form.file is None:
            raise ProblemError(400, "invalid_request", "Attach the file in the field 'file'.")
        type_code = form.fields.get("type", "").strip().upper()
        if not type_code:
            raise ProblemError(400, "invalid_request", "Say which document this is in the field 'type'.")
        file, media_type, file_name = form.file, form.file_media_type, form.file_name
        issued_on = _date(form.fields.get("issuedOn"), "issuedOn")
        valid_until = _date(form.fields.get("validUntil"), "validUntil")

        async def work() -> tuple[schemas.Document, bool]:
            async with connection() as conn:
                return await service.upload(
                    conn,
                    wallet,
                    owner=principal.id,
                    type_code=type_code,
                    data=file,
                    media_type=media_type,
                    file_name=file_name,
                    issued_on=issued_on,
                    valid_until=valid_until,
                )

        document, created = await _guarded(work)
        return Response(document, status_code=201 if created else 200)

    @get("", operation_id="listMyDocuments", opt=allow(CITIZEN))
    async def list_documents(
        self, principal: NamedDependency[Principal], wallet: NamedDependency[Wallet]
    ) -> schemas.DocumentList:
        async with connection() as conn:
            return await service.list_documents(conn, wallet, owner=principal.id)

    @get("/{document_id:uuid}", operation_id="getMyDocument", opt=allow(CITIZEN))
    async def get_document(
        self,
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        document_id: FromPath[uuid.UUID],
    ) -> schemas.DocumentDetail:
        async def work() -> schemas.DocumentDetail:
            async with connection() as conn:
                return await service.detail(conn, wallet, owner=principal.id, document_id=document_id)

        return await _guarded(work)

    @get("/{document_id:uuid}/content", operation_id="downloadMyDocument", opt=allow(CITIZEN))
    async def content(
        self,
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        document_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        async def work() -> Content:
            async with connection() as conn:
                return await service.owner_content(conn, wallet, owner=principal.id, document_id=document_id)

        return _file(await _guarded(work))

    @get("/{document_id:uuid}/qr.svg", operation_id="getMyDocumentQr", opt=allow(CITIZEN))
    async def qr(
        self,
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        document_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """The QR code of the document's attestation (verified or issued documents only)."""

        async def work() -> schemas.Document:
            async with connection() as conn:
                return await service.get(conn, wallet, owner=principal.id, document_id=document_id)

        document = await _guarded(work)
        if document.attestation is None:
            raise ProblemError(409, "not_attested", "Only a verified or issued document has a QR code.")
        return Response(
            attest.qr_svg(document.attestation.verification_url),
            media_type="image/svg+xml",
            headers={"Cache-Control": "no-store"},
        )

    @put(
        "/{document_id:uuid}/content",
        operation_id="replaceMyDocument",
        opt=allow(CITIZEN),
        request_max_body_size=None,  # read_upload enforces the configured limit
    )
    async def replace(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        document_id: FromPath[uuid.UUID],
    ) -> schemas.Document:
        """New content for a document; a verification of the old content no longer holds."""
        form = await read_upload(request, max_file_bytes=wallet.max_upload_bytes)
        if form.file is None:
            raise ProblemError(400, "invalid_request", "Attach the file in the field 'file'.")
        file, media_type, file_name = form.file, form.file_media_type, form.file_name

        async def work() -> schemas.Document:
            async with connection() as conn:
                return await service.replace_content(
                    conn,
                    wallet,
                    owner=principal.id,
                    document_id=document_id,
                    data=file,
                    media_type=media_type,
                    file_name=file_name,
                )

        return await _guarded(work)

    @delete("/{document_id:uuid}", operation_id="deleteMyDocument", opt=allow(CITIZEN), status_code=204)
    async def delete_document(
        self,
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        document_id: FromPath[uuid.UUID],
    ) -> None:
        async def work() -> None:
            async with connection() as conn:
                await service.delete(conn, wallet, owner=principal.id, document_id=document_id)

        await _guarded(work)

    @post("/{document_id:uuid}/consents", operation_id="shareDocumentWithAgency", opt=allow(CITIZEN), status_code=201)
    async def give_consent(
        self,
        principal: NamedDependency[Principal],
        document_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.ConsentCreate],
    ) -> dict[str, str]:
        """Let an agency use this document for a purpose (applications do this when documents are attached)."""

        async def work() -> uuid.UUID:
            async with connection() as conn:
                return await service.give_consent(
                    conn,
                    owner=principal.id,
                    document_id=document_id,
                    agency_code=data.agency,
                    region=data.region,
                    purpose=data.purpose,
                )

        return {"id": str(await _guarded(work))}

    @delete(
        "/{document_id:uuid}/consents/{consent_id:uuid}",
        operation_id="withdrawDocumentConsent",
        opt=allow(CITIZEN),
        status_code=204,
    )
    async def withdraw_consent(
        self,
        principal: NamedDependency[Principal],
        document_id: FromPath[uuid.UUID],
        consent_id: FromPath[uuid.UUID],
    ) -> None:
        """Stop an agency's future use of the document."""

        async def work() -> None:
            async with connection() as conn:
                await service.withdraw_consent(conn, owner=principal.id, document_id=document_id, consent_id=consent_id)

        await _guarded(work)

    @post("/{document_id:uuid}/links", operation_id="createShareLink", opt=allow(CITIZEN), status_code=201)
    async def create_link(
        self,
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        document_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.LinkCreate],
    ) -> schemas.LinkInfo:
        """A time-limited link for a third party; every use of it shows in my access log."""

        async def work() -> schemas.LinkInfo:
            async with connection() as conn:
                return await service.create_link(
                    conn, wallet, owner=principal.id, document_id=document_id, purpose=data.purpose, hours=data.hours
                )

        return await _guarded(work)

    @delete(
        "/{document_id:uuid}/links/{link_id:uuid}", operation_id="revokeShareLink", opt=allow(CITIZEN), status_code=204
    )
    async def revoke_link(
        self, principal: NamedDependency[Principal], document_id: FromPath[uuid.UUID], link_id: FromPath[uuid.UUID]
    ) -> None:
        async def work() -> None:
            async with connection() as conn:
                await service.revoke_link(conn, owner=principal.id, document_id=document_id, link_id=link_id)

        await _guarded(work)


class OfficerDocumentController(Controller):
    path = "/api/v1/officer/documents"
    tags = ("officer",)

    @get("/{document_id:uuid}", operation_id="officerGetDocument", opt=allow(OFFICER, SUPERVISOR))
    async def get_document(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        document_id: FromPath[uuid.UUID],
    ) -> schemas.Document:
        """A document shared with my agency. The read is recorded in the citizen's access log."""

        async def work() -> schemas.Document:
            async with connection() as conn:
                return await service.officer_document(
                    conn, wallet, officer=officer_of(principal), document_id=document_id, ip=client_ip(request)
                )

        return await _guarded(work)

    @get("/{document_id:uuid}/content", operation_id="officerDownloadDocument", opt=allow(OFFICER, SUPERVISOR))
    async def content(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        document_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        async def work() -> Content:
            async with connection() as conn:
                return await service.officer_content(
                    conn, wallet, officer=officer_of(principal), document_id=document_id, ip=client_ip(request)
                )

        return _file(await _guarded(work), download=False)

    @post("/{document_id:uuid}/verify", operation_id="verifyDocument", opt=allow(OFFICER, SUPERVISOR), status_code=200)
    async def verify(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        wallet: NamedDependency[Wallet],
        document_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.Review],
    ) -> schemas.Document:
        """Mark the document verified (signing an attestation every agency accepts) or rejected with a reason."""
        if not data.valid and not (data.reason and data.reason.strip()):
            raise ProblemError(422, "reason_required", "Say why the document is rejected, so the citizen can fix it.")

        async def work() -> schemas.Document:
            async with connection() as conn:
                return await service.review(
                    conn,
                    wallet,
                    officer=officer_of(principal),
                    document_id=document_id,
                    valid=data.valid,
                    reason=data.reason,
                    ip=client_ip(request),
                )

        return await _guarded(work)


class PublicDocumentController(Controller):
    path = "/api/v1"
    tags = ("verification",)
    opt = public()

    @get("/verify", operation_id="verifyAttestation", cache_control=None)
    async def verify(self, wallet: NamedDependency[Wallet], token: FromQuery[str]) -> Response[schemas.Verification]:
        """Check an attestation (the token in a document's QR code): valid, expired, revoked or invalid."""
        if len(token) > 4000:
            return Response(schemas.Verification(status="invalid"), headers={"Cache-Control": "no-store"})
        async with connection() as conn:
            result = await service.verify_token(conn, wallet, token)
        return Response(result, headers={"Cache-Control": "no-store"})

    @get("/shared/{token:str}", operation_id="openShareLink")
    async def shared(
        self, request: Request[Any, Any, Any], wallet: NamedDependency[Wallet], token: FromPath[str]
    ) -> Response[schemas.SharedDocument]:
        async def work() -> schemas.SharedDocument:
            async with connection() as conn:
                return await service.shared_document(conn, wallet, token=token, ip=client_ip(request))

        return Response(await _guarded(work), headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    @get("/shared/{token:str}/content", operation_id="downloadShareLink")
    async def shared_content(
        self, request: Request[Any, Any, Any], wallet: NamedDependency[Wallet], token: FromPath[str]
    ) -> Response[bytes]:
        async def work() -> Content:
            async with connection() as conn:
                return await service.shared_content(conn, wallet, token=token, ip=client_ip(request))

        return _file(await _guarded(work))


class AccessLogController(Controller):
    path = "/api/v1/me/access-log"
    tags = ("me",)

    @get("", operation_id="myAccessLog", opt=allow(PEOPLE))
    async def access_log(self, principal: NamedDependency[Principal]) -> schemas.AccessLog:
        """Who (officer and agency, or a share link) saw which of my documents, and when."""
        async with connection() as conn:
            return await service.access_log(conn, owner=principal.id)
