"""The outbox message of a status change, written in the transaction of the change (api/outbox delivers it)."""

from __future__ import annotations

import asyncpg

from api.applications.service.rules import Row
from api.catalogue.service import service_names
from api.oss.service import forward_if_licence
from api.outbox.service import enqueue

TOPIC = "application.status_changed"


async def announce(conn: asyncpg.Connection, row: Row, to_status: str, service: Row | None = None) -> None:
    """What the notifications need to word the message, no personal data beyond it. Submission passes the
    service it already read; the other changes read its names here."""
    if service is None:
        names = await service_names(conn, row["service"])
        assert names is not None, "applications_application.service is a foreign key"
        service = {"name_id": names.name_id, "name_en": names.name_en, "region": names.region}
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
    # A business licence's decision also goes to OSS, in this same transaction (api/oss).
    await forward_if_licence(conn, row, to_status)
