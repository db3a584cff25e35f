"""Admin routes of agency webhooks: endpoints with their delivery statistics, register, rotate the secret, disable
and enable, dead deliveries and their replay. Thin: who may act where (``admin_region``); the rules are in
``api.webhooks.service``."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.lib.auth import NATIONAL_ADMIN, REGION_ADMIN, Principal, admin_region, allow
from api.lib.crypto import load_master_keys
from api.lib.db import connection
from api.lib.http import client_ip
from api.webhooks import service
from api.webhooks.schemas import (
    WebhookDelivery,
    WebhookDeliveryList,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointList,
    WebhookSecret,
)

ADMINS = allow(REGION_ADMIN, NATIONAL_ADMIN)
NO_STORE = {"Cache-Control": "no-store"}


def _actor(request: Request[Any, Any, Any], principal: Principal) -> service.Actor:
    return service.Actor(id=principal.id, scope=admin_region(principal), ip=client_ip(request))


class WebhookAdminController(Controller):
    path = "/api/v1/admin/webhooks"
    tags = ("admin",)

    @get("", operation_id="listWebhookEndpoints", opt=ADMINS)
    async def list_endpoints(self, principal: NamedDependency[Principal]) -> WebhookEndpointList:
        """The webhook endpoints of my region (a national admin: every one), each with its last 24 hours of
        deliveries: delivered, failing (awaiting a retry), dead, pending, and p50/p99 latency."""
        async with connection() as conn:
            return await service.list_endpoints(conn, scope=admin_region(principal))

    @post("", operation_id="createWebhookEndpoint", opt=ADMINS, status_code=201)
    async def create(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[WebhookEndpointCreate],
    ) -> Response[WebhookEndpointCreated]:
        """Register an agency's endpoint (https only). The answer carries its signing `secret` (`whsec_…`), shown
        only now."""
        region = admin_region(principal, data.region)
        settings = request.app.state.settings
        async with connection() as conn:
            endpoint, secret = await service.create(
                conn,
                load_master_keys(settings),
                _actor(request, principal),
                agency=data.agency,
                region=region,
                url=data.url,
                test_hosts=settings.notify.webhook_test_hosts,
            )
        created = WebhookEndpointCreated(**{f: getattr(endpoint, f) for f in endpoint.__struct_fields__}, secret=secret)
        return Response(created, status_code=201, headers=NO_STORE)

    @post("/{endpoint_id:uuid}/secret", operation_id="rotateWebhookSecret", opt=ADMINS, status_code=200)
    async def rotate_secret(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], endpoint_id: FromPath[uuid.UUID]
    ) -> Response[WebhookSecret]:
        """A new signing secret, shown only now; the previous one keeps signing for 24 hours."""
        async with connection() as conn:
            keys = load_master_keys(request.app.state.settings)
            secret, until = await service.rotate(conn, keys, _actor(request, principal), endpoint_id)
        return Response(WebhookSecret(secret=secret, previous_secret_until=until), headers=NO_STORE)

    @post("/{endpoint_id:uuid}/disable", operation_id="disableWebhookEndpoint", opt=ADMINS, status_code=200)
    async def disable(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], endpoint_id: FromPath[uuid.UUID]
    ) -> WebhookEndpoint:
        """Stop delivering to an endpoint; its pending deliveries wait until it is enabled again."""
        async with connection() as conn:
            return await service.set_status(conn, _actor(request, principal), endpoint_id, "disabled")

    @post("/{endpoint_id:uuid}/enable", operation_id="enableWebhookEndpoint", opt=ADMINS, status_code=200)
    async def enable(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], endpoint_id: FromPath[uuid.UUID]
    ) -> WebhookEndpoint:
        """Deliver to an endpoint again."""
        async with connection() as conn:
            return await service.set_status(conn, _actor(request, principal), endpoint_id, "active")

    @get("/dead", operation_id="listDeadWebhookDeliveries", opt=ADMINS)
    async def dead(self, principal: NamedDependency[Principal]) -> WebhookDeliveryList:
        """Deliveries given up on (a refusal, or 12 hours of failures), most recent first."""
        async with connection() as conn:
            return await service.dead_deliveries(conn, scope=admin_region(principal))

    @post("/deliveries/{delivery_id:uuid}/replay", operation_id="replayWebhookDelivery", opt=ADMINS, status_code=200)
    async def replay(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], delivery_id: FromPath[uuid.UUID]
    ) -> WebhookDelivery:
        """Send a dead delivery again, now (same `webhook-id`)."""
        async with connection() as conn:
            return await service.replay(conn, _actor(request, principal), delivery_id)
