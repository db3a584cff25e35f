"""``mpp webhooks …``: registering agency endpoints that receive signed webhooks (CONTRACT.md), and the worker's
entry point for ``mpp worker`` (so that api/cli.py needs one line for it)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from api.config import Settings


@click.group("webhooks")
def webhooks() -> None:
    """Signed webhooks (Standard Webhooks) to agencies' own systems."""


@webhooks.command("add")
@click.option("--agency", required=True, help="Agency code, e.g. DPMPTSP")
@click.option("--region", required=True, help="Region BPS code, e.g. 3302")
@click.option("--url", required=True, help="The endpoint: https:// (http only on MPP_WEBHOOK_TEST_HOSTS)")
def webhooks_add(agency: str, region: str, url: str) -> None:
    """Register an endpoint; prints its id and secret (whsec_…) as JSON (last line). The secret is shown once."""
    from api.config import get_settings
    from api.lib.crypto import load_master_keys
    from api.webhooks import service

    settings = get_settings()

    async def work(conn: Any) -> dict[str, Any]:
        endpoint, secret = await service.create(
            conn,
            load_master_keys(settings),
            service.Actor(id=None, scope=None, ip="cli"),
            agency=agency,
            region=region,
            url=url,
            test_hosts=settings.notify.webhook_test_hosts,
        )
        return {"id": str(endpoint.id), "agency": endpoint.agency, "region": endpoint.region, "secret": secret}

    result = _run(work)
    click.echo(f"Webhook endpoint {url} registered. Its secret is shown only now.")
    click.echo(json.dumps(result))


@webhooks.command("rotate")
@click.option("--id", "endpoint", required=True, type=click.UUID, help="The endpoint's id")
def webhooks_rotate(endpoint: uuid.UUID) -> None:
    """A new secret (printed as JSON, last line); the previous one keeps signing for 24 hours."""
    from api.config import get_settings
    from api.lib.crypto import load_master_keys
    from api.webhooks import service

    settings = get_settings()

    async def work(conn: Any) -> dict[str, Any]:
        actor = service.Actor(id=None, scope=None, ip="cli")
        secret, until = await service.rotate(conn, load_master_keys(settings), actor, endpoint)
        return {"id": str(endpoint), "secret": secret, "previousSecretUntil": until.isoformat()}

    result = _run(work)
    click.echo("New secret; the previous one keeps signing for 24 hours.")
    click.echo(json.dumps(result))


def _run(work: Any) -> dict[str, Any]:
    import asyncpg

    from api.lib.errors import DomainError

    async def connected(dsn: str) -> dict[str, Any]:
        conn = await asyncpg.connect(dsn)
        try:
            result: dict[str, Any] = await work(conn)
            return result
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
        finally:
            await conn.close()

    from api.cli import _with_database  # the command's module is loaded by api.cli itself

    return asyncio.run(_with_database(connected))


async def webhooks_worker(dsn: str, stop: asyncio.Event, settings: Settings) -> None:
    """``mpp worker``'s webhook deliveries (api/webhooks/worker.py)."""
    from api.webhooks.worker import run_worker

    await run_worker(dsn, stop, settings)
