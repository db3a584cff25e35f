"""Kiosk devices' routes: admins register, name, re-pair and retire tablets; a tablet pairs with its code."""

from __future__ import annotations

import io
import uuid
from typing import Annotated, Any

import segno
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from api.auth import kiosks, schemas
from api.auth.controllers import KIOSK_COOKIE_MAX_AGE, kiosk_cookie
from api.auth.kiosks import KioskCreate, KioskInfo, KioskList, KioskUpdate
from api.auth.service import Issuer
from api.lib.auth import NATIONAL_ADMIN, REGION_ADMIN, Principal, admin_region, allow, public
from api.lib.db import connection
from api.lib.http import Page, PageSize, client_ip, if_match_revision, tagged

IfMatch = Annotated[
    str | None, HeaderParameter(name="If-Match", description='The kiosk\'s ETag as read: "<revision>"', required=False)
]
RegionQuery = Annotated[
    str | None, QueryParameter(description="a region's BPS code (national admins)", pattern=r"^[0-9]{2,10}$")
]


def revision_of(if_match: str | None) -> int | None:
    """The revision the admin acted on. Missing: 428 (an edit must say what it edits); ``*``: any (None); a tag
    that cannot be ours never matches (412, as its tests pin)."""
    return if_match_revision(
        if_match,
        missing="Send If-Match with the kiosk's ETag (read it first).",
        star_means_any=True,
        malformed_is_stale=True,
    )


def with_etag(info: KioskInfo, status: int = 200) -> Response[KioskInfo]:
    # no-store: an answer may carry a pairing code, and a kiosk's state is worth re-reading anyway.
    return tagged(info, info.revision, status)


class KioskAdminController(Controller):
    path = "/api/v1/admin/kiosks"
    tags = ("admin",)

    @post("", operation_id="registerKiosk", opt=allow(REGION_ADMIN, NATIONAL_ADMIN), status_code=201)
    async def register(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        issuer: NamedDependency[Issuer],
        data: JSONBody[KioskCreate],
    ) -> Response[KioskInfo]:
        """Register a kiosk tablet by name (a region admin: in their region; a national admin: in the region they
        name). The answer carries a one-time pairing code and its link, valid 15 minutes, shown only now."""
        region = admin_region(principal, data.region)
        async with connection() as conn:
            info = await kiosks.register_for_pairing(
                conn,
                issuer.secret,
                admin=principal.id,
                region=region,
                data=data,
                base_url=request.app.state.settings.browser_url,
                ip=client_ip(request),
            )
        return with_etag(info, 201)

    @get("", operation_id="listKiosks", opt=allow(REGION_ADMIN, NATIONAL_ADMIN))
    async def list_kiosks(
        self,
        principal: NamedDependency[Principal],
        region: RegionQuery = None,
        page: Page = 1,
        page_size: PageSize = 100,
    ) -> KioskList:
        """The kiosks of my region (a national admin: every region's, or the one named), waiting and active first."""
        async with connection() as conn:
            return await kiosks.list_kiosks(
                conn, region=admin_region(principal, region), page=page, page_size=page_size
            )

    @get("/{kiosk_id:uuid}", operation_id="getKiosk", opt=allow(REGION_ADMIN, NATIONAL_ADMIN), cache_control=None)
    async def get_kiosk(
        self, principal: NamedDependency[Principal], kiosk_id: FromPath[uuid.UUID]
    ) -> Response[KioskInfo]:
        """One kiosk, with its ETag (the revision that renaming, re-pairing and retiring name in If-Match)."""
        async with connection() as conn:
            return with_etag(await kiosks.get(conn, region=admin_region(principal), kiosk=kiosk_id))

    @patch("/{kiosk_id:uuid}", operation_id="renameKiosk", opt=allow(REGION_ADMIN, NATIONAL_ADMIN))
    async def rename(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        kiosk_id: FromPath[uuid.UUID],
        data: JSONBody[KioskUpdate],
        if_match: IfMatch = None,
    ) -> Response[KioskInfo]:
        """Rename a kiosk. If-Match: its ETag (428 without, 412 when another admin changed it since)."""
        revision = revision_of(if_match)
        async with connection() as conn:
            info = await kiosks.rename(
                conn,
                admin=principal.id,
                region=admin_region(principal),
                kiosk=kiosk_id,
                revision=revision,
                data=data,
                ip=client_ip(request),
            )
        return with_etag(info)

    @post(
        "/{kiosk_id:uuid}/pairing-code",
        operation_id="issueKioskPairingCode",
        opt=allow(REGION_ADMIN, NATIONAL_ADMIN),
        status_code=201,
    )
    async def new_pairing_code(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        issuer: NamedDependency[Issuer],
        kiosk_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Response[KioskInfo]:
        """A new pairing code for a wiped or replaced tablet: the device that was this kiosk stops being it now (its
        secret stops working and its sessions end). If-Match: the kiosk's ETag."""
        revision = revision_of(if_match)
        async with connection() as conn:
            info = await kiosks.new_pairing_code(
                conn,
                issuer.secret,
                admin=principal.id,
                region=admin_region(principal),
                kiosk=kiosk_id,
                revision=revision,
                base_url=request.app.state.settings.browser_url,
                ip=client_ip(request),
            )
        return with_etag(info, 201)

    @get(
        "/{kiosk_id:uuid}/pairing-qr.svg",
        operation_id="kioskPairingQr",
        opt=allow(REGION_ADMIN, NATIONAL_ADMIN),
        cache_control=None,
        media_type="image/svg+xml",
    )
    async def pairing_qr(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        issuer: NamedDependency[Issuer],
        kiosk_id: FromPath[uuid.UUID],
        code: Annotated[str, QueryParameter(description="the kiosk's live pairing code", max_length=20)],
    ) -> Response[bytes]:
        """A QR code of the kiosk's pairing link, for the tablet's camera.

        It encodes only our own pairing link, and only for the kiosk's live code: never a string of the caller's,
        so it cannot be used to make QR codes that lead elsewhere.
        """
        async with connection() as conn:
            raw, name = await kiosks.check_pairing_code(
                conn, issuer.secret, region=admin_region(principal), kiosk=kiosk_id, code=code
            )
        buffer = io.BytesIO()
        # Error correction M and a 4-module quiet zone: a tablet's camera reads it from an admin's phone screen.
        segno.make(kiosks.pairing_link(request.app.state.settings.browser_url, raw), error="m", micro=False).save(
            buffer, kind="svg", scale=6, border=4, xmldecl=False, svgns=True, title=name
        )
        # A live pairing code is a secret: never kept by any cache.
        return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    @delete("/{kiosk_id:uuid}", operation_id="revokeKiosk", opt=allow(REGION_ADMIN, NATIONAL_ADMIN), status_code=204)
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        kiosk_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> None:
        """Retire a kiosk (lost, stolen, replaced): its sessions end at once. If-Match: the kiosk's ETag."""
        revision = revision_of(if_match)
        async with connection() as conn:
            await kiosks.revoke(
                conn,
                admin=principal.id,
                region=admin_region(principal),
                kiosk=kiosk_id,
                revision=revision,
                ip=client_ip(request),
            )


class KioskPairingController(Controller):
    path = "/api/v1/auth/kiosk"
    tags = ("auth",)

    @post("/pair", operation_id="pairKiosk", status_code=200, opt=public())
    async def pair(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.KioskPair], issuer: NamedDependency[Issuer]
    ) -> Response[schemas.KioskPaired]:
        """A tablet trades the pairing code an admin was shown for its device secret and a kiosk session.

        The code works once. The secret also goes into the device's kiosk cookie (HttpOnly, as the kiosk sign-in
        sets it), which is how the tablet signs in again by itself from then on.
        """
        async with connection() as conn:
            paired = await kiosks.pair(
                conn,
                issuer,
                code=data.pairing_code,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent", ""),
            )
        pair = paired.tokens
        body = schemas.KioskPaired(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            token_type="Bearer",  # noqa: S106  (the scheme's name, not a secret)
            scope=pair.scope,
            device_secret=paired.secret,
        )
        return Response(
            body,
            headers={
                "Set-Cookie": kiosk_cookie(request, paired.secret, max_age=KIOSK_COOKIE_MAX_AGE),
                "Cache-Control": "no-store",
            },
        )
