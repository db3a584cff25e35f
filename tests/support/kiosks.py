"""Kiosks as the app makes them: registered by an admin (who is shown a one-time pairing code) and paired by the
tablet with that code, which answers the tablet's device secret. The admin's answer carries no secret.

    kiosk = await create_kiosk(client, db, app)              # in-process: registration + deviceSecret + session
    secret = paired_secret(api, registered)                  # e2e: a registration answer (httpx.Response) → secret
"""

from __future__ import annotations

import secrets
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from tests.support.applications import REGION
from tests.support.auth import bearer
from tests.support.clients import client_at
from tests.support.factories import create_region_admin


def tablet_address() -> str:
    """An address of the tablet's own: pairing is limited per IP address, as sign-in is."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


async def create_kiosk(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    app: Litestar,
    *,
    region: str = REGION,
    name: str = "Kios lobi",
    admin: str | None = None,
) -> dict[str, Any]:
    """A kiosk registered by a region admin of ``region`` (or by ``admin``, a token) and paired from a tablet of
    its own address: the registration answer plus ``deviceSecret``, ``admin`` (the token) and ``session`` (the
    tablet's kiosk session from the pairing)."""
    admin = admin or await create_region_admin(db, app, region=region)
    registered = await client.post("/api/v1/admin/kiosks", json={"name": name}, headers=bearer(admin))
    assert registered.status_code == 201, registered.text
    kiosk: dict[str, Any] = registered.json()
    # Another client: the pairing answer sets the device's kiosk cookie, which must not ride along on the test's.
    async with client_at(app, tablet_address()) as tablet:
        paired = await tablet.post("/api/v1/auth/kiosk/pair", json={"pairingCode": kiosk["pairingCode"]})
    assert paired.status_code == 200, paired.text
    return {**kiosk, "deviceSecret": paired.json()["deviceSecret"], "admin": admin, "session": paired.json()}


def paired_secret(api: httpx.Client, registered: httpx.Response) -> str:
    """The device secret of a kiosk just registered through the admin API, from pairing it with its code."""
    assert registered.status_code == 201, registered.text
    paired = api.post("/api/v1/auth/kiosk/pair", json={"pairingCode": registered.json()["pairingCode"]})
    assert paired.status_code == 200, paired.text
    return str(paired.json()["deviceSecret"])
