"""OSS routes: OSS's status pushes (public, guarded by its ``user_key``), officers' NIB inquiry, admins' differences.
Thin: who may call, the key header, the configured client; the rules are in ``api.oss.service``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from api.config import Settings
from api.lib.auth import NATIONAL_ADMIN, OFFICER, REGION_ADMIN, SUPERVISOR, Principal, admin_region, allow, public
from api.lib.db import connection
from api.lib.http import language
from api.oss import schemas, service

RegionCode = Annotated[str | None, QueryParameter(pattern=r"^[0-9]{2,4}$", description="BPS code", required=False)]


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


class OssInboundController(Controller):
    path = "/api/v1/oss"
    tags = ("oss",)

    @post("/licence-status", operation_id="receiveOssLicenceStatus", opt=public(), status_code=200)
    async def licence_status(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[schemas.LicenceStatusPush],
        user_key: Annotated[str | None, HeaderParameter(name="user_key", required=False)] = None,
    ) -> schemas.PushReceived:
        """OSS pushes a business licence's status (its IZINSTATUS shape, its ``user_key`` header)."""
        service.check_inbound_key(_settings(request), user_key)
        async with connection() as conn:
            return await service.record_push(conn, data.izinstatus)


class OfficerOssController(Controller):
    path = "/api/v1/officer/oss"
    tags = ("oss",)

    @get("/nib/{nib:str}", operation_id="inquireNib", opt=allow(OFFICER, SUPERVISOR))
    async def nib(self, request: Request[Any, Any, Any], nib: FromPath[str]) -> schemas.NibInfo:
        """What OSS says of a NIB: the business's name and the NIB's status (503 while OSS is down)."""
        oss = service.client_for(_settings(request))
        try:
            return await service.inquire_nib(oss, nib)
        finally:
            if oss is not None:
                await oss.aclose()


class OssAdminController(Controller):
    path = "/api/v1/admin/oss"
    tags = ("oss",)

    @get("/differences", operation_id="listOssDifferences", opt=allow(REGION_ADMIN, NATIONAL_ADMIN))
    async def differences(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        region: RegionCode = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500, required=False)] = 100,
    ) -> schemas.DifferenceList:
        """Where OSS and we disagreed on a licence's status, newest first (a region admin: their region)."""
        chosen = admin_region(principal, region)
        english = language(request) == "en"
        async with connection() as conn:
            return await service.list_differences(conn, region=chosen, limit=limit, english=english)


CONTROLLERS = [OssInboundController, OfficerOssController, OssAdminController]
