"""Wire types of admin mode's building screen: the region, its MPP building, agencies, counters and closure days.

Inputs are loose on purpose where a person types (texts are only bounded in length here): the service checks them
and answers every problem with its field (``openingHours.fri[1]``), which the screen shows next to that field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from api.lib.wire import Input, Struct

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RegionCode = Annotated[str, msgspec.Meta(max_length=4, description="BPS code of a kabupaten/kota")]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=500)]
# "08:00-15:00"; checked by the service (format, start before end, ranges in order without overlap).
HourRange = Annotated[str, msgspec.Meta(max_length=11)]
OpeningHours = Annotated[
    dict[Weekday, Annotated[list[HourRange], msgspec.Meta(max_length=6)]],
    msgspec.Meta(description='Per weekday, its opening ranges in order: {"fri": ["08:00-11:00", "13:00-15:00"]}'),
]


class Text(Struct):
    """A text in Indonesian and English (both are kept: the screen edits both)."""

    id: str
    en: str


class TextIn(Input):
    id: ShortText
    en: ShortText


# --- reads ----------------------------------------------------------------------------------------------


class RegionRef(Struct):
    code: str
    name: str


class MppAdmin(Struct):
    id: uuid.UUID
    name: str
    address: str
    opening_hours: dict[str, list[str]]
    revision: int
    # Null when not known (sent as null, not left out: the screen edits them).
    phone: str | None
    latitude: float | None
    longitude: float | None


class AgencyAdmin(Struct):
    id: uuid.UUID
    code: str
    name: Text
    short_name: str
    kind: str
    retired: bool
    revision: int
    services: int  # active services of the agency in the region
    counters: int  # live counters
    staff: int  # active staff accounts (officers, supervisors) of the agency


class AgencyRef(Struct):
    id: uuid.UUID
    code: str
    name: str


class ServiceRef(Struct):
    id: uuid.UUID
    name: str


class CounterAdmin(Struct):
    id: uuid.UUID
    number: str
    agency: AgencyRef
    # The services this counter serves; empty: every service of its agency.
    services: list[ServiceRef]
    retired: bool
    revision: int


class ClosureAdmin(Struct):
    id: uuid.UUID
    day: dt.date
    reason: Text


class Building(Struct):
    """Everything the building screen shows for one region."""

    region: RegionRef
    mpp: MppAdmin
    agencies: list[AgencyAdmin]
    counters: list[CounterAdmin]
    closures: list[ClosureAdmin]


class AgencyKind(Struct):
    """A national agency kind (agencies.yaml), its names filled in for the region."""

    code: str
    name: Text
    short_name: str
    kind: str
    # Already in the building (live), or there once and retired (adding it again reinstates it).
    present: bool
    retired: bool


class AgencyKindList(Struct):
    items: list[AgencyKind]
    total: int


# --- changes --------------------------------------------------------------------------------------------


class MppUpdate(Input):
    name: ShortText
    address: LongText
    opening_hours: OpeningHours
    phone: Annotated[str, msgspec.Meta(max_length=30)] | None = None
    latitude: float | None = None
    longitude: float | None = None


class MppNew(Input):
    name: ShortText
    address: LongText
    opening_hours: OpeningHours
    phone: Annotated[str, msgspec.Meta(max_length=30)] | None = None


class RegionCreate(Input):
    code: RegionCode
    name: Annotated[str, msgspec.Meta(max_length=100)]
    name_en: Annotated[str, msgspec.Meta(max_length=100)]
    place: Annotated[str, msgspec.Meta(max_length=60)]
    kind: Literal["kabupaten", "kota"]
    province_code: Annotated[str, msgspec.Meta(max_length=2)]
    province_name: Annotated[str, msgspec.Meta(max_length=60)]
    mpp: MppNew


class AgencyCreate(Input):
    """A national kind by its ``code`` (names filled from the kind unless given), or the region's own agency
    (``name``, ``shortName`` and ``kind`` required)."""

    code: Annotated[str, msgspec.Meta(max_length=40)]
    region: RegionCode | None = None
    name: TextIn | None = None
    short_name: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    kind: Literal["daerah", "vertikal", "bumn", "bumd", "lembaga"] | None = None


class AgencyUpdate(Input):
    name: TextIn | None = None
    short_name: Annotated[str, msgspec.Meta(max_length=40)] | None = None


ServiceIds = Annotated[list[uuid.UUID], msgspec.Meta(max_length=200)]


class CounterCreate(Input):
    number: Annotated[str, msgspec.Meta(max_length=10)]
    agency_id: uuid.UUID
    region: RegionCode | None = None
    # The services it serves; empty or absent: every service of its agency.
    service_ids: ServiceIds = msgspec.field(default_factory=list)


class CounterUpdate(Input):
    number: Annotated[str, msgspec.Meta(max_length=10)]
    agency_id: uuid.UUID
    service_ids: ServiceIds


class ClosureCreate(Input):
    day: dt.date
    reason: TextIn
    region: RegionCode | None = None
