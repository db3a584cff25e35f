"""Kiosk devices: shared tablets in MPP buildings, registered by a region admin. No HTTP here."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Annotated, Any

import asyncpg
import msgspec

from api.audit.service import record
from api.auth.service import end_sessions, token_hash
from api.lib.errors import DomainError
from api.lib.wire import from_row


class KioskNotFoundError(DomainError, LookupError):
    """No such kiosk (or MPP building) in the admin's region: 404, "No such <what> in your region."."""

    status = 404
    code = "not_found"

    def __init__(self, what: str) -> None:
        super().__init__(f"No such {what} in your region.")


class KioskCreate(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    # The MPP building; defaults to the admin's region's MPP.
    mpp_id: uuid.UUID | None = None


class KioskInfo(msgspec.Struct, rename="camel", omit_defaults=True):
    id: uuid.UUID
    name: str
    mpp_id: uuid.UUID
    region: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    # Shown once, at registration: typed or scanned into the tablet, never retrievable again.
    device_secret: str | None = None


def _info(row: Any, secret: str | None = None) -> KioskInfo:
    return from_row(KioskInfo, row, mpp_id=row["mpp"], device_secret=secret)


async def register(
    conn: asyncpg.Connection, *, admin: uuid.UUID | None, region: str | None, data: KioskCreate, ip: str
) -> KioskInfo:
    """Register a tablet in the region's MPP building; its device secret is in the answer, and only there.

    ``admin`` is the region admin registering it, or None for the command line (`mpp kiosks register`).
    """
    mpp = await conn.fetchrow(
        "SELECT id, region FROM catalogue_mpp WHERE region = $1 AND ($2::uuid IS NULL OR id = $2) "
        "ORDER BY name LIMIT 1",
        region,
        data.mpp_id,
    )
    if mpp is None:
        raise KioskNotFoundError("MPP building")
    secret = secrets.token_urlsafe(32)
    async with conn.transaction():
        row = await conn.fetchrow(
            """INSERT INTO auth_kiosk (id, mpp, region, name, secret_hash, created_by, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING *""",
            uuid.uuid4(),
            mpp["id"],
            mpp["region"],
            data.name.strip(),
            token_hash(secret),
            admin,
        )
        await record(
            conn,
            action="kiosk.registered",
            actor=admin,
            subject=None,
            detail={"kiosk": str(row["id"]), "mpp": str(mpp["id"])},
            ip=ip,
        )
    return _info(row, secret)


async def list_kiosks(conn: asyncpg.Connection, *, region: str | None) -> list[KioskInfo]:
    """Kiosks of one region, or of every region (national admins)."""
    rows = await conn.fetch(
        "SELECT * FROM auth_kiosk WHERE ($1::text IS NULL OR region = $1) ORDER BY created_at", region
    )
    return [_info(r) for r in rows]


async def revoke(conn: asyncpg.Connection, *, admin: uuid.UUID, region: str | None, kiosk: uuid.UUID, ip: str) -> None:
    """Retire a kiosk (lost, stolen, replaced): its sessions end at once."""
    async with conn.transaction():
        done = await conn.fetchval(
            "UPDATE auth_kiosk SET revoked_at = now() "
            "WHERE id = $1 AND region = $2 AND revoked_at IS NULL RETURNING id",
            kiosk,
            region,
        )
        if done is None:
            raise KioskNotFoundError("kiosk")
        await end_sessions(conn, kiosk=kiosk, reason="kiosk_revoked")
        await record(conn, action="kiosk.revoked", actor=admin, subject=None, detail={"kiosk": str(kiosk)}, ip=ip)


async def device(conn: asyncpg.Connection, secret: str) -> uuid.UUID | None:
    """The registered, unretired kiosk holding ``secret``."""
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM auth_kiosk WHERE secret_hash = $1 AND revoked_at IS NULL", token_hash(secret)
    )
    return found
