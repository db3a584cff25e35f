"""SP4N-LAPOR! hand-off: complaints forwarded through the outbox (channel ``lapor``), their status pulled back.

Filing a complaint calls ``enqueue_forward`` inside its own transaction, so a complaint is never stored without
its hand-off. The client (``lapor_client``, modelled on the SP4N-LAPOR! API for agencies) and the worker that
forwards and pulls (``lapor_worker``) are this module's siblings; ``client_for`` builds the configured client.
Without ``MPP_LAPOR_URL`` the hand-off is off: the forwards wait in the outbox and go out once it is configured.
"""

from __future__ import annotations

import uuid

import asyncpg

from api.config import Settings
from api.feedback.lapor_client import HttpLapor
from api.outbox.service import enqueue

CHANNEL = "lapor"


def client_for(settings: Settings) -> HttpLapor | None:
    """The configured SP4N-LAPOR! client, or None when the hand-off is off (no ``MPP_LAPOR_URL``)."""
    if not settings.lapor.enabled:
        return None
    return HttpLapor(settings.lapor.url, token=settings.lapor.token, timeout=settings.lapor.timeout_seconds)


async def enqueue_forward(conn: asyncpg.Connection, complaint: uuid.UUID, *, region: str) -> None:
    """Queue the forwarding of a complaint to SP4N-LAPOR! (in the caller's transaction). The payload names the
    complaint only: the connector reads what it sends when it sends it (an erased account sends nothing)."""
    await enqueue(
        conn,
        topic="lapor.forward",
        recipient=None,
        subject=complaint,
        payload={"complaint": str(complaint), "region": region},
        channel=CHANNEL,
    )
