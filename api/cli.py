"""The ``mpp`` command."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import click
import uvicorn

from api.config import SettingsError, get_settings, reload_settings
from api.lib.logs import configure as configure_logging
from api.lib.metrics_server import serve_metrics
from api.oidc.commands import oidc as oidc_commands
from api.oidc.commands import service_accounts as service_account_commands
from api.oss.worker import run_configured as run_oss
from api.webhooks.commands import webhooks, webhooks_worker

T = TypeVar("T")
log = logging.getLogger("mpp")


def _setup_logging() -> None:
    # Read as Settings reads it, without refusing to start here on another setting's mistake (the command does).
    chosen = os.environ.get("MPP_LOG_FORMAT", "").strip().lower() or os.environ.get("MPP_ENV", "").strip()
    configure_logging("json" if chosen in ("json", "prod") else "text")


def _settings_or_exit() -> Any:
    try:
        return get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


async def _with_database(work: Callable[[str], Awaitable[T]], *, prepare: bool = True) -> T:
    """Run ``work(dsn)`` with the database up (the embedded one started and stopped around it)."""
    from api.bootstrap import prepare_database
    from api.lib.db import Database

    settings = _settings_or_exit()
    database = Database(settings)
    try:
        dsn = await database.connect()
        if prepare:
            await prepare_database(dsn, seed_demo_if_empty=False)
        return await work(dsn)
    finally:
        await database.stop()


@click.group()
def main() -> None:
    """MPP Digital: the public service mall in your pocket."""
    _setup_logging()


class _Server(uvicorn.Server):
    """uvicorn's server that says "ready" only once its socket listens (after the lifespan has started)."""

    def __init__(self, config: uvicorn.Config, ready_line: str) -> None:
        super().__init__(config)
        self.ready_line = ready_line

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:  # uvicorn exits the process itself when the lifespan or the bind fails
            print(self.ready_line, flush=True)


def _bind_error(host: str, port: int) -> OSError | None:
    """Why uvicorn could not listen on host:port, tried the way it will (SO_REUSEADDR, each address of the host).

    Checked before anything starts: uvicorn binds only after the lifespan, so a taken port would otherwise be
    found after the embedded database had started and "ready" had been promised.
    """
    try:
        addresses = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return OSError(errno.EADDRNOTAVAIL, f"{host} is not an address of this machine ({exc})")
    for family, kind, proto, _name, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)  # as asyncio's create_server does
            try:
                probe.bind(address)
            except OSError as exc:
                return exc
    return None


def _free_port(host: str, start: int) -> int | None:
    """The first port after ``start`` that is free on ``host``, to suggest one."""
    for candidate in range(start + 1, min(start + 50, 65535) + 1):
        if _bind_error(host, candidate) is None:
            return candidate
    return None


def _any_free_port(host: str) -> int:
    """A port the kernel says is free now (for --port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1" if host in ("", "localhost") else host, 0))
        port: int = probe.getsockname()[1]
        return port


def _port_problem(host: str, port: int) -> str | None:
    """A message for the person when mpp serve cannot listen on host:port, saying how to choose another."""
    error = _bind_error(host, port)
    if error is None:
        return None
    if error.errno == errno.EADDRINUSE:
        other = _free_port(host, port) or port + 1
        return (
            f"port {port} is already in use on {host or 'this machine'} (is MPP Digital already running?). "
            f"Choose another port: ./scripts/run.sh --port {other}, mpp serve --port {other}, "
            f"or set MPP_PORT={other}."
        )
    if error.errno == errno.EACCES:
        return f"not allowed to listen on port {port}: choose a port above 1023 with --port or MPP_PORT."
    return f"cannot listen on {host}:{port}: {error.strerror or error}. Choose another with --host/--port."


def _announce_when_answering(probe_url: str, ready_line: str) -> None:
    """With several workers the parent listens before the workers have started: say "ready" once one answers."""

    def watch() -> None:
        while True:
            # Our own http URL; until a worker answers, connections fail or wait (OSError covers both).
            with contextlib.suppress(OSError), urllib.request.urlopen(probe_url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    print(ready_line, flush=True)
                    return
            time.sleep(0.2)

    threading.Thread(target=watch, name="announce-ready", daemon=True).start()


@main.command()
@click.option("--host", default=None, help="Address to listen on (default MPP_HOST or 127.0.0.1)")
@click.option("--port", default=None, type=int, help="Port to listen on (default MPP_PORT or 8000)")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="API processes")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the API and the PWA (starting the embedded PostgreSQL when DATABASE_URL is not set)."""
    if host:
        os.environ["MPP_HOST"] = host
    if port is not None:
        os.environ["MPP_PORT"] = str(port)
    try:
        settings = reload_settings()
        if settings.server.port == 0:
            # "Any free port": choose it now, so that the passkey origin and the printed URL name the real one.
            os.environ["MPP_PORT"] = str(_any_free_port(settings.server.host))
            settings = reload_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    listen_host, listen_port = settings.server.host, settings.server.port
    problem = _port_problem(listen_host, listen_port)
    if problem:
        raise click.ClickException(problem)
    # Production refused to start on these already (Settings.validate); development says so loudly.
    for warning in settings.passkey_problems():
        click.secho(f"Warning: staff cannot sign in with passkeys: {warning}", fg="yellow", err=True)
    if workers > 1 and settings.db.embedded:
        log.info("several workers share one embedded PostgreSQL")
    ready_line = f"MPP Digital is ready at {settings.browser_url}"
    if settings.public_url:
        ready_line += f" (listening on {listen_host}:{listen_port})"
    options: dict[str, Any] = {
        "factory": True,
        "host": listen_host,
        "port": listen_port,
        "workers": workers,
        "proxy_headers": True,
        "server_header": False,
        "log_level": "info",
        "timeout_graceful_shutdown": 10,
        "access_log": False,  # ours (api.lib.observe); uvicorn logs through api.lib.logs' root handler
        "log_config": None,
    }
    if workers > 1:
        probe_host = "127.0.0.1" if listen_host in ("", "0.0.0.0", "::") else listen_host  # noqa: S104
        probe_host = f"[{probe_host}]" if ":" in probe_host else probe_host
        _announce_when_answering(f"http://{probe_host}:{listen_port}/health/ready", ready_line)
        uvicorn.run("api.app:create_app", **options)
        return
    server = _Server(uvicorn.Config("api.app:create_app", **options), ready_line)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE


@main.command()
def migrate() -> None:
    """Apply pending database migrations."""

    async def work(_dsn: str) -> None:
        click.echo("migrations applied")

    asyncio.run(_with_database(work))


@main.command()
@click.option("--demo", is_flag=True, required=True, help="Load the demo catalogue (21 pilot regions)")
def seed(demo: bool) -> None:
    """Load the demo data (idempotent: running it again updates rather than duplicates)."""
    import asyncpg

    from api.catalogue.datafiles import DataFileError
    from api.catalogue.seed import seed_catalogue

    async def work(dsn: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            report = await seed_catalogue(conn)
        finally:
            await conn.close()
        click.echo(
            f"demo catalogue loaded: {report.regions} regions, {report.agencies} agencies, "
            f"{report.services} services, {report.requirements} requirements"
        )

    try:
        asyncio.run(_with_database(work))
    except DataFileError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
def worker() -> None:
    """Run background jobs: notification delivery from the outbox, housekeeping, the erasure of accounts
    whose deletion hold has passed, the queue's minute jobs (held seats, missed bookings, the morning
    reminder), and the SP4N-LAPOR! hand-off of complaints (when MPP_LAPOR_URL is set).

    Any number of workers (on any number of machines) may run: they share the outbox and the erasures without
    overlap.
    """
    from api.accounts.erasure import run_forever as run_erasure
    from api.auth.housekeeping import run_forever
    from api.feedback.jobs import run_forever as run_complaint_jobs
    from api.feedback.lapor_worker import run_configured as run_lapor
    from api.lib.blobs import blob_store_for, close_blob_store
    from api.lib.keys import KeyRing
    from api.lib.periodic import run_until_stopped
    from api.lib.sms import gateway_for
    from api.notifications.vapid import load_vapid
    from api.notifications.worker import run_worker
    from api.oidc.logout import run_worker as run_oidc_logout
    from api.oidc.service import Provider as OidcProvider
    from api.queue.jobs import run_forever as run_queue_jobs
    from api.stats.jobs import run_forever as run_stats

    settings = _settings_or_exit()
    provider = OidcProvider.configured(settings, KeyRing(settings))

    async def work(dsn: str) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log.info("worker started")
        blobs = blob_store_for(settings)
        delivery = {"public_url": settings.public_url, "lease_seconds": settings.notify.outbox_lease_seconds}
        jobs = {
            "housekeeping": run_forever(dsn, stop),
            "erasure": run_erasure(dsn, stop, blobs=blobs, hold=dt.timedelta(days=settings.erasure_hold_days)),
            # Safe beside the jobs of every `mpp serve` process: each step claims its rows (api/queue/jobs.py).
            "queue-jobs": run_queue_jobs(dsn, stop),
            "delivery": run_worker(dsn, stop, vapid=load_vapid(settings), sms=gateway_for(settings), **delivery),
            "lapor": run_lapor(dsn, stop, settings),
            "oss": run_oss(dsn, stop, settings),
            # Back-channel logout to the agency systems a session signed into (api/oidc/logout.py).
            "oidc-logout": run_oidc_logout(dsn, stop, provider),
            "webhooks": webhooks_worker(dsn, stop, settings),  # signed webhooks (api/webhooks/worker.py)
            # Complaints' deadlines: escalation and timeout, safe beside every `mpp serve` (api/feedback/jobs.py).
            "complaint-jobs": run_complaint_jobs(dsn, stop),
            # The figures' consumer: one process at a time per source (api/stats/consumer.py).
            "stats": run_stats(dsn, stop, every_seconds=settings.stats_every_seconds),
            "metrics": serve_metrics(settings, stop),  # this worker's own /metrics, when MPP_METRICS_PORT is set
        }
        try:
            await run_until_stopped(jobs, stop)
        finally:
            await close_blob_store(blobs)
        log.info("worker stopped")

    asyncio.run(_with_database(work))


@main.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["citizen", "officer", "supervisor", "admin", "region_admin", "national_admin"]),
    help="admin means region_admin with --region, national_admin without",
)
@click.option("--phone", required=True, help="Mobile number, 08… or +628…")
@click.option("--nik", default=None, help="16-digit NIK")
@click.option("--name", default="", help="Full name")
@click.option("--agency", default=None, help="Agency code (officers, supervisors)")
@click.option("--region", default=None, help="Region BPS code (staff)")
def users_create(role: str, phone: str, nik: str | None, name: str, agency: str | None, region: str | None) -> None:
    """Create an account and print it as JSON (last line).

    Staff also get a one-time enrolment code (in the JSON as enrolmentCode, and as a sign-in link above it):
    their first passkey needs it besides the SMS code. Hand it to the person, never by SMS.
    """
    import asyncpg

    from api.accounts.identity import InvalidIdentifierError
    from api.accounts.service import AccountError, Role, create_account
    from api.auth import enrolment
    from api.lib.auth import STAFF

    if role == "admin":
        role = "region_admin" if region else "national_admin"
    settings = _settings_or_exit()

    async def work(dsn: str) -> dict[str, Any]:
        conn = await asyncpg.connect(dsn)
        try:
            created = await create_account(
                conn,
                role=cast(Role, role),
                phone=phone,
                nik=nik,
                name=name,
                agency=agency,
                region=region,
            )
            result: dict[str, Any] = {
                "id": str(created.id),
                "phone": created.phone,
                "roles": created.roles,
                "name": created.name,
                "nik": created.nik,
                "agency": created.agency,
                "region": created.region,
            }
            if set(created.roles) & STAFF:
                result |= _enrolment_fields(await _issue_enrolment(conn, settings, created.id), settings)
        finally:
            await conn.close()
        return result

    try:
        result = asyncio.run(_with_database(work))
    except (AccountError, InvalidIdentifierError, enrolment.StaffNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    _echo_enrolment(result)
    click.echo(json.dumps(result))


async def _issue_enrolment(conn: Any, settings: Any, account: Any) -> Any:
    """A new enrolment code for a staff account, issued from the command line (no admin account)."""
    import datetime as dt

    from api.auth import enrolment

    return await enrolment.issue(
        conn,
        enrolment.code_secret(settings),
        account=account,
        ttl=dt.timedelta(hours=settings.auth.enrolment_code_hours),
        issued_by=None,
        ip="",
    )


def _enrolment_fields(issued: Any, settings: Any) -> dict[str, Any]:
    return {
        "enrolmentCode": issued.code,
        "enrolmentLink": issued.link(settings.browser_url),
        "enrolmentExpiresAt": issued.expires_at.isoformat(),
    }


def _echo_enrolment(result: dict[str, Any]) -> None:
    """The human lines before the JSON: what to hand over, and for how long it works."""
    if "enrolmentCode" in result:
        click.echo(
            f"Enrolment code {result['enrolmentCode']} (one use, until {result['enrolmentExpiresAt']}). "
            f"Hand this link to the staff member to create their first passkey: {result['enrolmentLink']}"
        )


@users.command("enrolment")
@click.option("--phone", required=True, help="The staff member's mobile number")
def users_enrolment(phone: str) -> None:
    """Issue a new enrolment code for a staff member's first passkey (the previous one stops working).

    Prints the link to hand over, then JSON (last line) with the account's id and the enrolmentCode.
    """
    import asyncpg

    from api.auth import enrolment

    settings = _settings_or_exit()

    async def work(dsn: str) -> dict[str, Any]:
        conn = await asyncpg.connect(dsn)
        try:
            account = await enrolment.staff_account(conn, phone=phone)
            issued = await _issue_enrolment(conn, settings, account)
        finally:
            await conn.close()
        return {"id": str(account), **_enrolment_fields(issued, settings)}

    try:
        result = asyncio.run(_with_database(work))
    except enrolment.StaffNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    _echo_enrolment(result)
    click.echo(json.dumps(result))


@users.command("cancel-deletion")
@click.option("--phone", required=True, help="The citizen's mobile number")
def users_cancel_deletion(phone: str) -> None:
    """Cancel a citizen's deletion request within its hold (at an MPP counter, the KTP-el checked): the account
    is active again and they sign in anew. Fails once the erasure has run."""
    import asyncpg

    from api.accounts.data_rights import DeletionNotCancellableError, cancel_deletion
    from api.accounts.identity import InvalidIdentifierError, normalise_phone

    _settings_or_exit()

    async def work(dsn: str) -> str:
        conn = await asyncpg.connect(dsn)
        try:
            account = await conn.fetchval("SELECT id FROM accounts_account WHERE phone = $1", normalise_phone(phone))
            if account is None:
                raise DeletionNotCancellableError("no account has this number")
            await cancel_deletion(conn, account, actor=None, ip="cli")
        finally:
            await conn.close()
        return str(account)

    try:
        account = asyncio.run(_with_database(work))
    except (DeletionNotCancellableError, InvalidIdentifierError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps({"id": account, "status": "active"}))


@main.group()
def kiosks() -> None:
    """Manage kiosk tablets."""


@kiosks.command("register")
@click.option("--region", required=True, help="Region BPS code (GET /api/v1/regions), e.g. 3302")
@click.option("--name", required=True, help="A name to tell the tablet apart, e.g. 'Lobby 1'")
def kiosks_register(region: str, name: str) -> None:
    """Register a kiosk tablet in the region's MPP building; prints its id and device secret as JSON (last line).

    The secret is shown once: type or paste it into the tablet's set-up screen (#/kiosk), which trades it
    for a kiosk session (POST /api/v1/auth/kiosk).
    """
    import asyncpg
    import msgspec

    from api.auth import kiosks as kiosk_devices
    from api.catalogue.service import region_exists

    try:
        data = msgspec.convert({"name": name.strip()}, kiosk_devices.KioskCreate)
    except msgspec.ValidationError as exc:
        raise click.ClickException(f"--name must be 1 to 60 characters ({exc})") from exc

    async def work(dsn: str) -> dict[str, Any]:
        conn = await asyncpg.connect(dsn)
        try:
            if not await region_exists(conn, region):
                raise click.ClickException(
                    f"unknown region {region!r}: use a BPS code from GET /api/v1/regions (e.g. 3302)"
                )
            info = await kiosk_devices.register(conn, admin=None, region=region, data=data, ip="")
        except kiosk_devices.KioskNotFoundError as exc:
            raise click.ClickException(f"region {region} has no MPP building to put a kiosk in") from exc
        finally:
            await conn.close()
        return {
            "id": str(info.id),
            "secret": info.device_secret,
            "name": info.name,
            "region": info.region,
            "mppId": str(info.mpp_id),
        }

    result = asyncio.run(_with_database(work))
    click.echo(f"Kiosk {result['name']!r} registered. Its secret is shown only now: enter it on the tablet.")
    click.echo(json.dumps(result))


main.add_command(oidc_commands)
main.add_command(service_account_commands)
main.add_command(webhooks)


@main.group()
def stats() -> None:
    """The figures (dashboards, open data): check them against the record, or catch them up now."""


@stats.command("verify")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First local day (YYYY-MM-DD)")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last local day (YYYY-MM-DD)")
def stats_verify(start: dt.datetime | None, end: dt.datetime | None) -> None:
    """Recompute the figures of a period (default: every day with an event) from the record and print each
    difference (source, table, grain, day, unit, column, stored, recomputed); exit 0 only when they agree."""
    import asyncpg

    from api.stats.verify import verify

    if (start is None) != (end is None) or (start and end and end < start):
        raise click.UsageError("give both --from and --to, --to not before --from")

    async def work(dsn: str) -> list[Any]:
        conn = await asyncpg.connect(dsn)
        try:
            return await verify(conn, start=start.date() if start else None, end=end.date() if end else None)
        finally:
            await conn.close()

    differences = asyncio.run(_with_database(work))
    for difference in differences:
        click.echo(str(difference))
    if differences:
        raise click.ClickException(f"{len(differences)} difference(s) between the figures and the record")
    click.echo("figures agree with the record")


@stats.command("refresh")
def stats_refresh() -> None:
    """Catch the figures up with the record now (the periodic job does it every MPP_STATS_EVERY_SECONDS)."""
    import asyncpg

    from api.stats.consumer import catch_up

    async def work(dsn: str) -> dict[str, int]:
        conn = await asyncpg.connect(dsn)
        try:
            return await catch_up(conn)
        finally:
            await conn.close()

    click.echo(json.dumps(asyncio.run(_with_database(work))))


@main.group()
def keys() -> None:
    """Manage the keys that sign tokens and attestations."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Start signing with a new key; older keys stay published until what they signed has expired.

    Development: rewrites the keyset in the data folder (running servers pick it up within seconds).
    Production (MPP_SIGNING_KEYS set): prints the new keyset to store as MPP_SIGNING_KEYS, then restart.
    """
    from api.lib.keys import rotate

    settings = _settings_or_exit()
    kid, where = rotate(settings)
    if settings.auth.signing_keys_json:
        click.echo(where)  # the new keyset: for the secret store, never for a log
        click.echo(f"new signing key {kid}: store the keyset above as MPP_SIGNING_KEYS and restart", err=True)
    else:
        click.echo(f"new signing key {kid} written to {where}")


if __name__ == "__main__":
    main()
