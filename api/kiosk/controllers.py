"""Kiosk routes: the tablet's own details, "continue on your phone" QR codes, the status look-up, the wipe."""

from __future__ import annotations

import io
import uuid
from typing import Annotated, Any

import segno
from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from api.auth.service import Issuer
from api.catalogue import service as catalogue
from api.kiosk import schemas, service
from api.lib.auth import KIOSK, Principal, allow, public
from api.lib.db import connection
from api.lib.errors import ProblemError
from api.lib.http import client_ip, language
from api.lib.sms import SmsGateway, send_code
from api.notifications import messages


def site_origin(request: Request[Any, Any, Any]) -> str:
    """This site's own origin: the configured public URL; in development, the address the kiosk used."""
    configured: str = request.app.state.settings.public_url
    if configured:
        return configured.rstrip("/")
    return str(request.base_url).rstrip("/")


class KioskController(Controller):
    path = "/api/v1/kiosk"
    tags = ("kiosk",)

    @get("/device", operation_id="kioskDevice", opt=allow(KIOSK), cache_control=None)
    async def device(self, request: Request[Any, Any, Any], principal: NamedDependency[Principal]) -> Response[Any]:
        """Which tablet this is (its MPP building and region), and its idle timeout."""
        settings = request.app.state.settings
        async with connection() as conn:
            found = await service.device(
                conn,
                principal.id,
                lang=language(request),
                idle_seconds=settings.kiosk_idle_seconds,
                warning_seconds=settings.kiosk_warning_seconds,
            )
        return Response(found, headers={"Cache-Control": "no-store"})

    @get("/qr.svg", operation_id="kioskServiceQr", opt=public(), cache_control=None, media_type="image/svg+xml")
    async def qr(
        self,
        request: Request[Any, Any, Any],
        service_id: Annotated[uuid.UUID, QueryParameter(name="service", description="a service's id")],
    ) -> Response[bytes]:
        """A QR code of a service's page on this site, for "continue on your phone".

        It encodes only this site's own service addresses, for services that exist: never a string given by
        the caller, so it cannot be used to make QR codes that lead elsewhere.
        """
        async with connection() as conn:
            found = await catalogue.find_service(conn, service_id, "id")
        if found is None:
            # The kiosk's own sentence, without the id the catalogue's 404 would echo back.
            raise ProblemError(404, "not_found", "There is no such service.")
        url = f"{site_origin(request)}/#/services/{found.id}"
        buffer = io.BytesIO()
        # Error correction M and a 4-module quiet zone: reads at arm's length from a glossy tablet screen.
        segno.make(url, error="m", micro=False).save(
            buffer, kind="svg", scale=8, border=4, xmldecl=False, svgns=True, title=found.name
        )
        return Response(
            buffer.getvalue(),
            media_type="image/svg+xml",
            # The same service always has the same address: a day in any cache is safe.
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @post("/status/code", operation_id="kioskRequestStatusCode", opt=allow(KIOSK), status_code=202)
    async def request_status_code(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.StatusCodeRequest],
        issuer: NamedDependency[Issuer],
        sms: NamedDependency[SmsGateway],
    ) -> Response[schemas.StatusCodeSent]:
        """Send a code to the application's owner. The answer is the same whether or not the number exists."""
        async with connection() as conn:
            to_send = await service.request_code(conn, secret=issuer.secret, kiosk=principal.id, number=data.number)
        background = None
        if to_send is not None:
            number, phone, code, lang = to_send
            # After the answer: the gateway's speed reveals nothing, and a slow gateway does not slow the kiosk.
            background = BackgroundTask(send_code, sms, phone, messages.kiosk_status_code(number, code, lang), code)
        return Response(
            schemas.StatusCodeSent(expires_in=int(service.CODE_TTL.total_seconds())),
            status_code=202,
            background=background,
            headers={"Cache-Control": "no-store"},
        )

    @post("/status", operation_id="kioskLookUpStatus", opt=allow(KIOSK), status_code=200)
    async def look_up_status(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.StatusLookup],
        issuer: NamedDependency[Issuer],
    ) -> Response[schemas.StatusSummary]:
        """The application's minimal status, once its owner gave the code: no name, NIK, answers or documents."""
        async with connection() as conn:
            summary = await service.check_code(
                conn,
                secret=issuer.secret,
                kiosk=principal.id,
                number=data.number,
                code=data.code,
                lang=language(request),
                ip=client_ip(request),
            )
        # Personal (if minimal): never kept by a browser or proxy cache.
        return Response(summary, headers={"Cache-Control": "no-store"})

    @post("/reset", operation_id="kioskReset", opt=allow(KIOSK), status_code=204)
    async def reset(self, request: Request[Any, Any, Any], principal: NamedDependency[Principal]) -> Response[None]:
        """The idle wipe: end this kiosk session and clear what the browser keeps for the site.

        Clear-Site-Data names "cache" and "storage" but not "cookies": the device's HttpOnly kiosk cookie
        (path /api/v1/auth/kiosk, see the kiosk sign-in) survives, so the tablet signs in again by itself,
        while nothing a citizen left behind does. Only a kiosk may call it: a cross-site form cannot wipe a
        citizen's phone (its outbox of unsent applications) through this route.
        """
        async with connection() as conn:
            await service.end_session(conn, principal.session, kiosk=principal.id, ip=client_ip(request))
        return Response(
            None,
            status_code=204,
            headers={"Clear-Site-Data": '"cache", "storage"', "Cache-Control": "no-store"},
        )
