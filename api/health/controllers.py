"""Liveness, readiness and metrics, for load balancers, orchestrators and Prometheus."""

from __future__ import annotations

import asyncio
import logging

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

from api.health import checks
from api.lib import metrics
from api.lib.auth import public
from api.lib.db import connection
from api.lib.errors import DomainError

log = logging.getLogger(__name__)


class Health(msgspec.Struct, omit_defaults=True):
    status: str
    database: str | None = None
    # Each dependency's check by name ("ok", "unreachable", "2 pending"); only the database decides the status.
    checks: dict[str, str] | None = None
    # The checks that did not answer "ok", for a quick read.
    failed: list[str] | None = None


class MetricsUnauthorisedError(DomainError):
    """/metrics without the right bearer token (MPP_METRICS_TOKEN)."""

    status = 401
    code = "unauthorised"
    detail = "The metrics need the metrics token."

    def __init__(self) -> None:
        super().__init__(headers={"WWW-Authenticate": 'Bearer realm="mpp-metrics"'})


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
        summary="200 while the database answers, 503 otherwise; the body names each dependency's state",
        responses={503: ResponseSpec(data_container=Health, description="The database does not answer")},
    )
    async def ready(self, state: State) -> Response[Health]:
        found = await checks.run(blobs=state.wallet.blobs, replica_configured=bool(state.settings.db.replica_url))
        failed = [name for name, outcome in found.items() if outcome not in (checks.OK, "not_checked")] or None
        if found["database"] != checks.OK:
            return Response(
                Health(status="unavailable", database="unreachable", checks=found, failed=failed),
                status_code=503,
                headers={"Cache-Control": "no-store", "Retry-After": "5"},
            )
        body = Health(status="ok", database="ok", checks=found, failed=failed)
        return Response(body, headers={"Cache-Control": "no-store"})


class MetricsController(Controller):
    # Public to the access guard (no person signs in to scrape): the metrics token is checked here instead.
    opt = public()
    tags = ("health",)

    @get(
        "/metrics",
        operation_id="getMetrics",
        summary="Prometheus text format; only with Authorization: Bearer <MPP_METRICS_TOKEN>",
        media_type=metrics.CONTENT_TYPE,
        cache_control=None,
        # Not in the OpenAPI document: it is for Prometheus, under a token of its own, not the API's bearer JWTs
        # that the document declares for every operation (as /schema itself is not listed).
        include_in_schema=False,
    )
    async def scrape(self, request: Request[object, object, State], state: State) -> Response[bytes]:
        if not metrics.token_matches(request.headers.get("authorization"), state.metrics_token):
            raise MetricsUnauthorisedError()
        try:
            async with asyncio.timeout(checks.TIMEOUT_SECONDS), connection() as conn:
                await metrics.refresh_outbox(conn)
        except Exception as exc:  # the rest of the figures are worth having while the database is away
            log.warning("metrics: outbox depth not read: %r", exc)
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})
