"""Helpers of the complaints' tests: filing through the API, a citizen's application and booked ticket to complain
about, and the outbox messages a complaint caused."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import httpx

from tests.support.applications import idempotency_key
from tests.support.auth import bearer

COMPLAINTS = "/api/v1/complaints"
STAFF = "/api/v1/staff/complaints"
TEXT = "Petugas meminta biaya tambahan yang tidak tercantum di standar pelayanan."


async def file(
    client: httpx.AsyncClient, citizen: dict[str, Any], *, key: dict[str, str] | None = None, **body: Any
) -> httpx.Response:
    """POST a complaint (unchecked), category ``simple`` and a valid text unless given."""
    payload = {"category": "simple", "text": TEXT, **body}
    return await client.post(COMPLAINTS, json=payload, headers={**bearer(citizen), **(key or idempotency_key())})


async def filed(client: httpx.AsyncClient, citizen: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await file(client, citizen, **body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def booked_ticket(db: asyncpg.Connection, client: httpx.AsyncClient, citizen: dict[str, Any]) -> uuid.UUID:
    """A ticket of the citizen's: a booking in Banyumas checked in at the kiosk half an hour before its time."""
    from api.queue import service as queue
    from api.queue.schemas import TicketCreate
    from tests.support.queue import any_booking

    booking = await any_booking(client, citizen)
    start = dt.datetime.fromisoformat(booking["start"])
    ticket, _ = await queue.issue(
        db,
        kiosk=uuid.uuid4(),
        region="3302",
        data=TicketCreate(booking_id=uuid.UUID(booking["id"])),
        idempotency_key=None,
        site="http://localhost:8000",
        now=start - dt.timedelta(minutes=30),
        lang="id",
    )
    return ticket.id


async def messages(db: asyncpg.Connection, complaint: str | uuid.UUID) -> list[dict[str, Any]]:
    """The complaint's notifications to its author, oldest first, as (status, recipient) pairs."""
    import json

    rows = await db.fetch(
        "SELECT recipient, payload FROM outbox_message WHERE topic = 'complaint.status_changed' AND subject = $1 "
        "ORDER BY id",
        uuid.UUID(str(complaint)),
    )
    return [{"recipient": r["recipient"], **json.loads(r["payload"])} for r in rows]
