"""The Litestar application: routes, error handling, the PWA, and the database's lifecycle."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar, Request, Response, get, route
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import FromPath
from litestar.static_files import create_static_files_router

from api.accounts.controllers import MeController
from api.accounts.erasure import run_forever as run_erasure
from api.admin.standards_controllers import StandardsAdminController
from api.admin.transfer_controllers import TransferController
from api.applications.calendar_controllers import CalendarAdminController
from api.applications.controllers import ApplicationController, CaseworkController, SupervisorController
from api.applications.service.deadlines import catch_up as catch_up_deadlines
from api.auth import service as auth_service
from api.auth.controllers import AuthController, JwksController
from api.auth.housekeeping import run_forever as run_housekeeping
from api.auth.kiosk_controllers import KioskAdminController, KioskPairingController
from api.auth.passkey_controllers import PasskeyController
from api.auth.service import Issuer
from api.auth.staff_controllers import StaffAdminController
from api.bootstrap import prepare_database
from api.calendar.controllers import RegionCalendarController
from api.calendar.runtime import CalendarRuntime
from api.catalogue.building_controllers import BuildingController
from api.catalogue.controllers import CatalogueController
from api.catalogue.service import CatalogueRuntime
from api.config import Settings, get_settings
from api.federation.controllers import NationalSignInController
from api.feedback.complaint_controllers import CONTROLLERS as COMPLAINT_CONTROLLERS
from api.feedback.jobs import run_forever as run_complaint_jobs
from api.feedback.lapor_worker import run_configured as run_lapor
from api.feedback.skm_controllers import CONTROLLERS as SKM_CONTROLLERS
from api.health.controllers import HealthController, MetricsController
from api.identity.controllers import CounterCheckController, IdentityController, MandateReviewController
from api.kiosk.controllers import KioskController
from api.lib import logs
from api.lib.api_docs import LocalSwaggerRenderPlugin
from api.lib.auth import SERVICE_AMR, SessionRevocations, access_guard, current_principal, public
from api.lib.blobs import blob_store_for, close_blob_store
from api.lib.compression import gzipped
from api.lib.crypto import load_master_keys
from api.lib.db import Database, connection
from api.lib.errors import EXCEPTION_HANDLERS, problem_response
from api.lib.input_guard import GuardedRequest
from api.lib.keys import KeyRing, dev_secret
from api.lib.listener import ChannelListener
from api.lib.observe import ObserveMiddleware
from api.lib.periodic import finish_or_cancel
from api.lib.pwa import service_worker_route
from api.lib.sms import SmsGateway, gateway_for
from api.notifications.controllers import DeadLetterController, InboxController, PushController
from api.notifications.vapid import load_vapid
from api.notifications.worker import run_worker
from api.oidc.admin_controllers import OidcClientAdminController, ServiceAccountAdminController
from api.oidc.controllers import CONTROLLERS as OIDC_CONTROLLERS
from api.oidc.logout import run_worker as run_oidc_logout
from api.oidc.service import Provider as OidcProvider
from api.oidc.service_accounts import SessionStarter
from api.oss.controllers import CONTROLLERS as OSS_CONTROLLERS
from api.oss.worker import run_configured as run_oss
from api.queue.board_controllers import BoardController, board_lifespan
from api.queue.controllers import (
    BookingController,
    KioskQueueController,
    OfficerQueueController,
    QueueAdminController,
    QueuePublicController,
)
from api.queue.jobs import run_forever as run_queue_jobs
from api.registry.controllers import dev_registry_routes
from api.registry.service import RegistryAccess, registry_for
from api.stats.controllers import CONTROLLERS as STATS_CONTROLLERS
from api.stats.jobs import run_forever as run_stats
from api.stats.open_data_controllers import OpenDataController, PublicStatsController
from api.stats.open_data_jobs import run_forever as run_open_data
from api.wallet.controllers import (
    AccessLogController,
    OfficerDocumentController,
    PublicDocumentController,
    WalletController,
    wallet_from,
)
from api.wallet.service import Wallet
from api.webhooks.controllers import WebhookAdminController
from api.webhooks.worker import run_worker as run_webhooks

log = logging.getLogger(__name__)

API_VERSION = "0.1.0"


@route(
    "/api/{rest:path}",
    http_method=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    include_in_schema=False,
    opt=public(),
)
async def api_not_found(request: Request[Any, Any, Any], rest: FromPath[str]) -> Response[bytes]:
    """Unknown API paths answer a JSON 404, never the PWA's HTML."""
    return problem_response(request, 404, "not_found", "There is no such API endpoint.")


class Site(msgspec.Struct, rename="camel"):
    """Where this deployment is meant to be opened, so that the PWA can tell someone who reached it at another
    address (http://127.0.0.1:8000/ for http://localhost:8000/) where passkeys work, instead of failing."""

    url: str
    passkey_origins: list[str]
    rp_id: str


@get("/api/v1/site", operation_id="getSite", tags=["site"], opt=public(), sync_to_thread=False)
def site(state: State) -> Site:
    """The site's address and its passkey origins (public: the sign-in screen needs them before sign-in)."""
    settings: Settings = state.settings
    return Site(url=settings.browser_url, passkey_origins=list(settings.auth.origins), rp_id=settings.auth.rp_id)


def _issuer(state: State) -> Issuer:
    issuer: Issuer = state.issuer
    return issuer


def _registry(state: State) -> RegistryAccess:
    registry: RegistryAccess = state.registry
    return registry


def _sms(state: State) -> SmsGateway:
    sms: SmsGateway = state.sms
    return sms


def _service_sessions(issuer: Issuer) -> SessionStarter:
    """Single sign-on's service accounts get auth's ordinary sessions (kind ``service``, one hour)."""

    async def start(conn: asyncpg.Connection, account: uuid.UUID, client_id: str, ip: str) -> tuple[str, int]:
        pair = await auth_service.start_session(
            conn,
            issuer,
            account=account,
            kind="service",
            amr=[SERVICE_AMR],  # authenticated as an OAuth client (amr values are at most 10 characters)
            scope="api",
            user_agent=f"service:{client_id}",
            ip=ip,
        )
        return pair.access_token, pair.expires_in

    return start


def _state_for(settings: Settings) -> dict[str, Any]:
    """Process-wide objects: settings, signing keys, the token issuer, the SMS gateway."""
    key_ring = KeyRing(settings)
    secret = settings.auth.secret_key or dev_secret(settings, "secret-key")
    issuer = Issuer(
        keys=key_ring,
        issuer=settings.auth.issuer,
        audience=settings.auth.audience,
        access_seconds=settings.auth.access_token_seconds,
        secret=secret.encode(),
    )
    return {
        "settings": settings,
        # GET /metrics answers only to this bearer token (generated into the data folder in dev and test).
        "metrics_token": settings.ops.metrics_token or dev_secret(settings, "metrics-token"),
        "key_ring": key_ring,
        "issuer": issuer,
        "sms": gateway_for(settings),
        "vapid": load_vapid(settings),
        # Single sign-on: the provider's issuer is the address people open (discovery lives under it).
        "oidc": OidcProvider.configured(settings, key_ring, service_sessions=_service_sessions(issuer)),
        # Loaded now: a malformed MPP_MASTER_KEYS stops the process at boot, not at the first upload.
        "wallet": Wallet(
            master_keys=load_master_keys(settings),
            blobs=blob_store_for(settings),
            key_ring=key_ring,
            issuer=settings.auth.issuer,
            public_base=settings.browser_url.rstrip("/"),
            max_upload_bytes=settings.storage.max_upload_bytes,
        ),
    }


# Every domain's routes, in the order the OpenAPI document lists them.
CONTROLLERS: tuple[Any, ...] = (
    HealthController,
    MetricsController,
    CatalogueController,
    StandardsAdminController,
    BuildingController,
    TransferController,
    AuthController,
    NationalSignInController,
    PasskeyController,
    JwksController,
    KioskAdminController,
    KioskPairingController,
    StaffAdminController,
    OidcClientAdminController,
    ServiceAccountAdminController,
    *OIDC_CONTROLLERS,
    WebhookAdminController,
    KioskController,
    MeController,
    IdentityController,
    CounterCheckController,
    MandateReviewController,
    WalletController,
    OfficerDocumentController,
    PublicDocumentController,
    AccessLogController,
    ApplicationController,
    PushController,
    InboxController,
    DeadLetterController,
    CaseworkController,
    SupervisorController,
    RegionCalendarController,
    CalendarAdminController,
    QueuePublicController,
    BookingController,
    KioskQueueController,
    OfficerQueueController,
    QueueAdminController,
    BoardController,
    *SKM_CONTROLLERS,
    *COMPLAINT_CONTROLLERS,
    *STATS_CONTROLLERS,
    *OSS_CONTROLLERS,
    PublicStatsController,
    OpenDataController,
)


def _background_tasks(app: Litestar, settings: Settings, dsn: str, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """The process's periodic work, each step claiming its rows (so any number of processes may run it). The
    single-machine default has no separate worker: the API keeps its tables tidy itself, and delivers notifications
    itself (unless MPP_WORKER_IN_SERVE=false because `mpp worker` runs)."""
    tasks = [
        asyncio.create_task(run_housekeeping(dsn, stop), name="housekeeping"),
        asyncio.create_task(
            run_erasure(dsn, stop, blobs=app.state.wallet.blobs, hold=dt.timedelta(days=settings.erasure_hold_days)),
            name="erasure",
        ),
        # The queue's minute rhythm: held seats back, missed bookings, the morning heads-up.
        asyncio.create_task(run_queue_jobs(dsn, stop), name="queue-jobs"),
        # Complaints past their due date escalate, unconfirmed answers close.
        asyncio.create_task(run_complaint_jobs(dsn, stop), name="complaint-jobs"),
        # The figures follow the record (one process at a time per source: api/stats/consumer.py).
        asyncio.create_task(run_stats(dsn, stop, every_seconds=settings.stats_every_seconds), name="stats"),
        # The daily open-data release (and the first one at once on a new installation: api/stats/open_data_jobs.py).
        asyncio.create_task(run_open_data(dsn, stop, settings.open_data), name="open-data"),
    ]
    if settings.notify.worker_in_serve:
        delivery = run_worker(
            dsn,
            stop,
            vapid=app.state.vapid,
            sms=app.state.sms,
            public_url=settings.public_url,
            lease_seconds=settings.notify.outbox_lease_seconds,
        )
        tasks.append(asyncio.create_task(delivery, name="delivery"))
        # The SP4N-LAPOR! hand-off (off without MPP_LAPOR_URL: the forwards wait in the outbox).
        tasks.append(asyncio.create_task(run_lapor(dsn, stop, settings), name="lapor"))
        # The OSS connector: licence decisions to OSS and the daily reconciliation (off without MPP_OSS_URL).
        tasks.append(asyncio.create_task(run_oss(dsn, stop, settings), name="oss"))
        # Back-channel logout to the agency systems a session signed into.
        logouts = run_oidc_logout(dsn, stop, app.state.oidc)
        tasks.append(asyncio.create_task(logouts, name="oidc-logout"))
        # Signed webhooks to the agencies' own systems (api/webhooks/worker.py).
        tasks.append(asyncio.create_task(run_webhooks(dsn, stop, settings), name="webhooks"))
    return tasks


def _pwa_routes(settings: Settings) -> list[Any]:
    """The PWA's static files, its icons and its service worker (after every API route: the PWA answers the rest).

    The PWA's file names carry no version (no build step), so a max-age could let a browser pair a new module
    with an old one after a release: everything is revalidated instead, and the service worker's versioned
    precache is what makes repeat visits instant and offline. Icons never change in place: kept for a week.
    """
    pwa = create_static_files_router(
        path="/",
        directories=[settings.server.pwa_dir],
        html_mode=True,
        name="pwa",
        include_in_schema=False,
        opt=public(),
        cache_control=CacheControlHeader(no_cache=True),
    )
    pwa_icons = create_static_files_router(
        path="/icons",
        directories=[settings.server.pwa_dir / "icons"],
        name="pwa_icons",
        include_in_schema=False,
        opt=public(),
        cache_control=CacheControlHeader(public=True, max_age=7 * 24 * 3600),
    )
    return [service_worker_route(settings.server.pwa_dir), pwa_icons, pwa]


def _dependencies() -> dict[str, Provide]:
    """What a route may ask for by name: the process's runtimes and clients, the caller, the wallet."""
    return {
        "issuer": Provide(_issuer, sync_to_thread=False),
        "sms": Provide(_sms, sync_to_thread=False),
        "registry": Provide(_registry, sync_to_thread=False),
        "principal": Provide(current_principal, sync_to_thread=False),
        "wallet": Provide(wallet_from, sync_to_thread=False),
    }


def _openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="MPP Digital API",
        version=API_VERSION,
        description="One account, one document wallet and one application flow for every agency "
        "of Indonesia's public service malls (Mal Pelayanan Publik).",
        path="/schema",
        render_plugins=[LocalSwaggerRenderPlugin()],
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
        ),
        security=[{"bearer": []}],
    )


def _observed(app: Litestar, settings: Settings) -> Litestar:
    """Request id, language, security headers, metrics, the access log, the hostile-input checks of the address
    and headers, and gzip for the clients that ask (one wrapper: api.lib.observe) around the whole app, routing
    included: a Litestar middleware runs only once a route is found, so a 404 or 405 from the router would go out
    without the security headers, the id and its log line. The access log is ours, not uvicorn's (api.lib.logs).
    Litestar's ``__call__`` hands every HTTP request to ``asgi_handler`` (its exception layer around the router)
    once it has put itself in the scope."""
    access_log = logs.AccessLog(settings.ops.log_format) if settings.server.access_log else None
    inner = app.asgi_handler
    app.asgi_handler = ObserveMiddleware(inner, compressed=gzipped(inner), access_log=access_log)
    return app


def _skip_guard_where_public(app: Litestar) -> Litestar:
    """Public routes answer without calling the access guard at all.

    Litestar calls each guard with a copy of the route handler (``copy(self)``, some sixty attributes): the
    largest single cost of /health/live in our code (cProfile). The guard returns at once for a public rule,
    so dropping it from those routes' resolved guards changes no answer; routes without a rule keep it (and
    are refused by it), as do all others. ``tests/ops/test_logs_and_health.py`` checks both sides.
    """
    for app_route in app.routes:
        for handler in getattr(app_route, "route_handlers", ()):
            rule = handler.opt.get("access")
            if rule is not None and rule.roles is None:
                handler._resolved_guards = [g for g in handler.resolve_guards() if g is not access_guard]
    return app


async def _start_listeners(dsn: str, catalogue: CatalogueRuntime, listeners: list[ChannelListener]) -> None:
    """The process's copies kept current by LISTEN: the catalogue, and the days off every process counts deadlines
    on (read now, reloaded on each change); and the sessions revoked anywhere, forgotten here (until that listener
    connects, every request asks the database). Each is added to ``listeners`` as it starts, to be stopped."""
    for listener in (catalogue, CalendarRuntime(dsn, on_change=catch_up_deadlines)):
        async with connection() as conn:
            await listener.reload(conn)
        listener.start()
        listeners.append(listener)
    revocations = SessionRevocations(dsn)
    revocations.start()
    listeners.append(revocations)


def _route_handlers(settings: Settings) -> list[Any]:
    return [*CONTROLLERS, site, *dev_registry_routes(settings), api_not_found, *_pwa_routes(settings)]


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    logs.configure(settings.ops.log_format)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        database = Database(settings)
        listeners: list[ChannelListener] = []
        stop_background = asyncio.Event()
        background: list[asyncio.Task[None]] = []
        registry: RegistryAccess | None = None
        try:
            # One registry client per process (its connection pool and token shared by every request).
            registry = RegistryAccess(registry_for(settings), secret=app.state.issuer.secret)
            app.state.registry = registry
            dsn = await database.connect()
            await prepare_database(dsn, seed_demo_if_empty=settings.db.seed_demo_on_first_start)
            await database.start_pool()
            catalogue = CatalogueRuntime(dsn, cache_entries=settings.server.catalogue_cache_entries)
            await _start_listeners(dsn, catalogue, listeners)
            background = _background_tasks(app, settings, dsn, stop_background)
            app.state.database = database
            app.state.catalogue = catalogue
            gc.freeze()  # start-up's objects live as long as the process: keep the cyclic GC's passes off them
            # "ready" is printed by `mpp serve` once the socket listens too (api.cli), not here: uvicorn
            # binds only after the lifespan has started.
            yield
        finally:
            stop_background.set()
            await finish_or_cancel(background)
            for started in listeners:
                await started.stop()
            if registry is not None:
                await registry.registry.aclose()
            await close_blob_store(app.state.wallet.blobs)
            await database.stop()

    app = Litestar(
        route_handlers=_route_handlers(settings),
        dependencies=_dependencies(),
        guards=[access_guard],
        state=State(_state_for(settings)),
        exception_handlers=EXCEPTION_HANDLERS,
        # The board's fan-out (one LISTEN connection per process) starts once the database is ready.
        lifespan=[lifespan, board_lifespan],
        # No middleware after routing: api.lib.observe is in front (_observed), bodies are checked where routes
        # read them (api.lib.input_guard).
        request_class=GuardedRequest,
        request_max_body_size=settings.server.max_body_bytes,
        openapi_config=_openapi_config(),
        logging_config=None,  # api.lib.logs configures it (JSON or text, with the request id)
        debug=False,
    )
    return _skip_guard_where_public(_observed(app, settings))
