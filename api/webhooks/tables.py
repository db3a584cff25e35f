"""Agency endpoints that receive signed webhooks (Standard Webhooks), and one delivery row per (message, endpoint).

An endpoint's signing secrets are sealed with the master keys (``api.lib.crypto``): the worker needs them in clear to
sign (HMAC), so a hash would not do, and a database dump alone must not let anyone forge our deliveries.
"""

from __future__ import annotations

from piccolo.columns import JSONB, UUID, BigInt, Bytea, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.catalogue.tables import Agency, Region


class Endpoint(Table, tablename="webhooks_endpoint"):
    id = UUID(primary_key=True)
    # The agency whose cases it hears about (an agency row belongs to one region; region is kept for the admin's
    # scope and filters).
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict, target_column="code")
    url = Varchar(length=2000, null=False)
    # JSON {"current": "whsec_…", "previous": "whsec_…"|null, "previous_until": iso|null}, sealed (api.lib.crypto)
    # with the endpoint's id as context; ``secrets_key`` names the master key that wraps it.
    secrets_sealed = Bytea(null=False)
    secrets_key = Varchar(length=64, null=False)
    # While a rotation lasts, deliveries are signed with both secrets (until then).
    previous_until = Timestamptz(null=True, default=None)
    status = Varchar(length=10, null=False, default="active")
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    created_by = UUID(null=True, default=None)


class Delivery(Table, tablename="webhooks_delivery"):
    """One message to one endpoint. Self-contained (topic, payload and the event's time are copied), so that the
    outbox row may be cleaned up independently."""

    id = UUID(primary_key=True)
    message = BigInt(null=False)
    endpoint = ForeignKey(references=Endpoint, null=False, on_delete=OnDelete.cascade)
    topic = Varchar(length=40, null=False)
    payload = JSONB(null=False, default={})
    event_at = Timestamptz(null=False, default=TimestamptzNow())
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    # pending → delivered | dead (dead → pending again by an admin's replay)
    status = Varchar(length=10, null=False, default="pending")
    attempts = Integer(null=False, default=0)
    next_attempt_at = Timestamptz(null=False, default=TimestamptzNow())
    last_error = Varchar(length=300, null=True, default=None)
    response_status = Integer(null=True, default=None)
    # The last attempt's round trip.
    latency_ms = Integer(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    dead_at = Timestamptz(null=True, default=None)
