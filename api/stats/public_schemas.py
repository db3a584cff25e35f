"""Wire types of the public MPP performance page (``GET /api/v1/stats/public/mpps/{mppId}``): aggregates only, no
person in them; a value withheld by suppression (primary or secondary, ``api.stats.suppression``) is null and its key
is listed in ``suppressed``."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from api.lib.wire import Struct
from api.stats.schemas import Figures


class PlaceRef(Struct, omit_defaults=False):
    code: str
    name: str


class PublicMppRef(Struct, omit_defaults=False):
    id: uuid.UUID
    name: str
    region: PlaceRef


class PublicMonth(Struct, omit_defaults=False):
    month: str  # YYYY-MM
    figures: Figures
    suppressed: list[str] = msgspec.field(default_factory=list)


class PublicServiceRef(Struct, omit_defaults=False):
    id: uuid.UUID
    code: str
    name: str


class PublicService(Struct, omit_defaults=False):
    """A service of the building over the whole period, with the published standard in force."""

    service: PublicServiceRef
    agency: PlaceRef
    sla_days: int
    standard_version: int
    standard_published_at: dt.datetime | None
    figures: Figures
    suppressed: list[str] = msgspec.field(default_factory=list)


class PublicMpp(Struct, omit_defaults=False):
    mpp: PublicMppRef
    suppress_below: int
    as_of: dt.datetime | None
    months: list[PublicMonth]
    services: list[PublicService]
