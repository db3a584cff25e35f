"""A region's own say on a service row: hide an inherited national service, note something for citizens, retire
and reinstate its own services. Each change bumps the row's revision and is audited with the actor and reason."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec

from api.catalogue import schemas
from api.catalogue.standards.access import Admin
from api.catalogue.standards.errors import (
    EditConflictError,
    InvalidStandardError,
    LocalServiceError,
    NationalServiceError,
    StandardNotFoundError,
)
from api.lib.errors import FieldError


async def _lock(conn: asyncpg.Connection, admin: Admin, service: uuid.UUID, revision: int | None) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM catalogue_service WHERE id = $1 FOR UPDATE", service)
    if row is None or not admin.sees_region(row["region"]):
        raise StandardNotFoundError("service")
    if revision is not None and row["revision"] != revision:
        raise EditConflictError()
    return row


async def _audit(conn: asyncpg.Connection, admin: Admin, action: str, row: asyncpg.Record, **detail: Any) -> None:
    await admin.audit(conn, action, scope=row["region"], code=row["code"], service=str(row["id"]), **detail)


def _reason(reason: str | None) -> str | None:
    cleaned = " ".join((reason or "").split())
    return cleaned or None


async def update_overlay(
    conn: asyncpg.Connection,
    admin: Admin,
    service: uuid.UUID,
    *,
    revision: int | None,
    data: schemas.OverlayUpdate,
) -> tuple[str, str]:
    """Hide or show an inherited national service in its region, and set or remove the region's note on any of its
    services. Returns the standard's (scope, code)."""
    hidden, note = data.hidden, data.local_note
    if hidden is msgspec.UNSET and note is msgspec.UNSET:
        raise InvalidStandardError([FieldError(field="hidden", message="say what to change: hidden or localNote")])
    reason = _reason(data.reason)
    async with conn.transaction():
        row = await _lock(conn, admin, service, revision)
        if hidden is not msgspec.UNSET and hidden != row["hidden"]:
            if not row["national"]:
                raise LocalServiceError()
            await conn.execute(
                # ``active`` is what search and applying filter on: kept equal to retired_at IS NULL AND NOT hidden.
                "UPDATE catalogue_service SET hidden = $2, active = (retired_at IS NULL AND NOT $2) WHERE id = $1",
                service,
                hidden,
            )
            await _audit(conn, admin, "standard.hidden" if hidden else "standard.shown", row, reason=reason)
        if note is not msgspec.UNSET:
            texts = (None, None) if note is None else (" ".join(note.id.split()), " ".join(note.en.split()))
            if note is not None and not all(texts):
                raise InvalidStandardError([FieldError(field="localNote", message="needs both id and en")])
            await conn.execute(
                "UPDATE catalogue_service SET local_note_id = $2, local_note_en = $3 WHERE id = $1", service, *texts
            )
            await _audit(
                conn, admin, "standard.note_removed" if note is None else "standard.note_set", row, reason=reason
            )
        await conn.execute(
            "UPDATE catalogue_service SET revision = revision + 1, updated_at = now() WHERE id = $1", service
        )
    return row["region"], row["code"]


async def set_retired(
    conn: asyncpg.Connection, admin: Admin, service: uuid.UUID, *, revision: int | None, retired: bool, reason: str
) -> tuple[str, str]:
    """Retire a region's own service (it leaves search and cannot be applied to; applications made carry on), or
    reinstate it. An inherited national service is hidden instead (409 ``national_service``)."""
    cleaned = _reason(reason)
    if cleaned is None:
        raise InvalidStandardError([FieldError(field="reason", message="say why (1-500 characters)")])
    async with conn.transaction():
        row = await _lock(conn, admin, service, revision)
        if row["national"]:
            raise NationalServiceError()
        if (row["retired_at"] is not None) == retired:
            return row["region"], row["code"]  # already so: nothing to record
        if not retired:
            present = await conn.fetchval(
                "SELECT retired_at IS NULL FROM catalogue_agency WHERE id = $1", row["agency"]
            )
            if not present:
                raise InvalidStandardError(
                    [FieldError(field="agency", message="the service's agency has left this MPP")]
                )
        await conn.execute(
            "UPDATE catalogue_service SET retired_at = CASE WHEN $2 THEN now() END, "
            "active = (NOT $2 AND NOT hidden), revision = revision + 1, updated_at = now() WHERE id = $1",
            service,
            retired,
        )
        await _audit(conn, admin, "standard.retired" if retired else "standard.reinstated", row, reason=cleaned)
    return row["region"], row["code"]
