"""The outbox message of a status change, written in the transaction of the change (api/outbox delivers it)."""

from __future__ import annotations

import asyncpg

from api.applications.service.rules import Row
from api.outbox.service import enqueue

TOPIC = "application.status_changed"


async def announce(conn: asyncpg.Connection, row: Row, to_status: str, service: Row | None = None) -> None:
    """What the notifications need to word the message, no personal data beyond it. Submission passes the
    service it already read; the other changes read its names here."""
    if service is None:
        # Cross-domain read (catalogue), kept: the catalogue has no function for a service's names alone (its
        # find_service reads the whole service in two statements), and each decision would pay for them.
        service = await conn.fetchrow(
            "SELECT name_id, name_en, region FROM catalogue_service WHERE id = $1", row["service"]
        )
        assert service is not None, "applications_application.service is a foreign key"
    await enqueue(
        conn,
        topic=TOPIC,
        recipient=row["applicant"],
        subject=row["id"],
        payload={
            "application": str(row["id"]),
            "number": row["number"],
            "service": str(row["service"]),
            "serviceName": {"id": service["name_id"], "en": service["name_en"]},
            "region": service["region"],
            "status": to_status,
        },
    )
