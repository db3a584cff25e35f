"""The webhooks' wire types (admin mode). An endpoint's secret appears only in the answer that made it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from api.lib.wire import Input, Struct

Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, description="An absolute https:// URL")]
AgencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="The agency's code")]
RegionCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2,10}$", description="A region's BPS code")]


class DeliveryStats(Struct):
    """The endpoint's deliveries created in the last 24 hours."""

    delivered: int
    # Waiting for a retry after at least one failed attempt.
    failed: int
    dead: int
    pending: int
    p50_ms: float | None = None
    p99_ms: float | None = None


class WebhookEndpoint(Struct):
    id: uuid.UUID
    agency: str
    region: str
    url: str
    status: str
    created_at: dt.datetime
    # Set while a rotation lasts: deliveries carry a signature with the previous secret too until then.
    previous_secret_until: dt.datetime | None = None
    stats: DeliveryStats | None = None


class WebhookEndpointList(Struct):
    items: list[WebhookEndpoint]


class WebhookEndpointCreated(WebhookEndpoint):
    """A new endpoint with its signing secret (``whsec_…``): shown this once."""

    secret: str = ""


class WebhookEndpointCreate(Input):
    agency: AgencyCode
    url: Url
    # A region admin's own region by default; a national admin names one.
    region: RegionCode | None = None


class WebhookSecret(Struct):
    """A new signing secret, shown this once; the previous one still signs until ``previous_secret_until``."""

    secret: str
    previous_secret_until: dt.datetime


class WebhookDelivery(Struct):
    id: uuid.UUID
    endpoint: uuid.UUID
    message: int
    topic: str
    status: str
    attempts: int
    created_at: dt.datetime
    last_error: str | None = None
    response_status: int | None = None
    dead_at: dt.datetime | None = None


class WebhookDeliveryList(Struct):
    items: list[WebhookDelivery]
