"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

import msgspec
from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec

from api.lib.auth import public
from api.lib.db import pool


class Health(msgspec.Struct, omit_defaults=True):
    status: str
    database: str | None = None


class HealthController(Controller):
    opt = public()
    path = "/health"
    tags = ("health",)

    @get("/live", operation_id="healthLive", summary="200 while the process runs", cache_control=None)
    async def live(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="healthReady",
        summary="200 while the database answers, 503 otherwise",
        responses={503: ResponseSpec(data_container=Health, description="The database does not answer")},
    )
    async def ready(self) -> Response[Health]:
        try:
            # A short bound: a load balancer's probe must not hang on a database that has gone away.
            async with asyncio.timeout(2):
                async with pool().acquire() as conn:
                    await conn.fetchval("SELECT 1")
        except Exception:
            return Response(
                Health(status="unavailable", database="unreachable"),
                status_code=503,
                headers={"Cache-Control": "no-store", "Retry-After": "5"},
            )
        return Response(Health(status="ok", database="ok"), headers={"Cache-Control": "no-store"})
