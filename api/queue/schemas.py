"""The queue's wire types (camelCase). Times go out with the region's UTC offset (``rules.local``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from api.lib.wire import Input, Struct

BookingStatus = Literal["booked", "checked_in", "cancelled", "no_show"]
TicketStatus = Literal["waiting", "called", "serving", "done", "no_show"]
TicketKind = Literal["booked", "walk_in"]
CounterNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=10, pattern=r"^[A-Za-z0-9-]+$")]
AgencyCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[A-Z0-9_]+$")]
Phone = Annotated[str, msgspec.Meta(min_length=8, max_length=16, pattern=r"^\+?[0-9]+$")]
CheckInCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class Ref(Struct):
    code: str
    name: str


class ServiceRef(Struct):
    id: uuid.UUID
    name: str


class Window(Struct):
    """Minutes from now: called not before ``low`` and, four times out of five, by ``high``."""

    low: int
    high: int


# --- public ---------------------------------------------------------------------------------------------------


class QueueService(Struct):
    id: uuid.UUID
    name: str
    agency: Ref
    slot_minutes: int
    open: bool
    waiting: int
    letter: str | None = None
    walk_in_left: int | None = None


class QueueServiceList(Struct):
    items: list[QueueService]
    total: int


class Slot(Struct):
    start: dt.datetime
    end: dt.datetime
    available: int


ClosedReason = Literal["day_off", "closure", "no_hours", "out_of_range", "not_queued"]


class SlotList(Struct):
    items: list[Slot]
    total: int
    date: dt.date
    service: uuid.UUID
    closed: ClosedReason | None = None


class FollowedTicket(Struct):
    number: str
    status: TicketStatus
    kind: TicketKind
    agency: Ref
    region: str
    calls: int
    issued_at: dt.datetime
    service: ServiceRef | None = None
    waiting_ahead: int | None = None
    estimate: Window | None = None
    counter: str | None = None
    called_at: dt.datetime | None = None


# --- bookings -------------------------------------------------------------------------------------------------


class BookingCreate(Input):
    service_id: uuid.UUID
    start: dt.datetime
    application_id: uuid.UUID | None = None


class BookingMove(Input):
    start: dt.datetime


class BookingTicket(Struct):
    number: str
    follow_token: str
    status: TicketStatus


class Booking(Struct):
    id: uuid.UUID
    status: BookingStatus
    service: ServiceRef
    agency: Ref
    region: Ref
    start: dt.datetime
    end: dt.datetime
    date: dt.date
    check_in_code: str
    check_in_from: dt.datetime
    created_at: dt.datetime
    qr_svg: str | None = None
    application_id: uuid.UUID | None = None
    cancelled_at: dt.datetime | None = None
    seat_returns_at: dt.datetime | None = None
    ticket: BookingTicket | None = None
    # Why a cancelled booking was cancelled: "citizen", or "closure" (the MPP closed that day after it was booked;
    # ``cancelNote`` is the closure's reason in the reader's language).
    cancel_reason: Literal["citizen", "closure"] | None = None
    cancel_note: str | None = None


class Suspension(Struct):
    until: dt.date
    no_shows: int
    rule: str


class BookingList(Struct):
    items: list[Booking]
    total: int
    suspension: Suspension | None = None


# --- kiosk tickets --------------------------------------------------------------------------------------------


class TicketCreate(Input):
    service_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    check_in_code: CheckInCode | None = None
    phone: Phone | None = None


class TicketBooking(Struct):
    id: uuid.UUID
    start: dt.datetime
    end: dt.datetime
    on_time: bool


class KioskTicket(Struct):
    id: uuid.UUID
    number: str
    kind: TicketKind
    status: TicketStatus
    agency: Ref
    waiting_ahead: int
    estimate: Window
    follow_token: str
    follow_url: str
    qr_svg: str
    issued_at: dt.datetime
    service: ServiceRef | None = None
    booking: TicketBooking | None = None


# --- officers -------------------------------------------------------------------------------------------------


class NextCall(Input):
    counter: CounterNumber


class Transfer(Input):
    counter: CounterNumber | None = None
    agency: AgencyCode | None = None
    service: uuid.UUID | None = None


class OfficerBooking(Struct):
    id: uuid.UUID
    start: dt.datetime


class OfficerTicket(Struct):
    id: uuid.UUID
    number: str
    status: TicketStatus
    kind: TicketKind
    agency: Ref
    calls: int
    no_show_allowed: bool
    transferred: bool
    issued_at: dt.datetime
    service: ServiceRef | None = None
    counter: str | None = None
    called_at: dt.datetime | None = None
    serving_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    waited_minutes: int | None = None
    application_id: uuid.UUID | None = None
    booking: OfficerBooking | None = None


class OfficerTicketList(Struct):
    items: list[OfficerTicket]
    total: int


class CounterState(Struct):
    number: str
    open: bool
    mine: bool
    waiting: int
    opened_at: dt.datetime | None = None
    current: OfficerTicket | None = None


class CounterList(Struct):
    items: list[CounterState]
    total: int


class CounterStats(Struct):
    number: str
    open: bool
    served: int
    no_shows: int
    waiting: int
    avg_wait_minutes: float | None = None
    avg_handling_minutes: float | None = None


class EstimateAccuracy(Struct):
    tickets: int
    inside: int
    accuracy: float | None = None


class QueueStats(Struct):
    date: dt.date
    agency: Ref
    waiting: int
    served: int
    no_shows: int
    counters: list[CounterStats]
    estimate: EstimateAccuracy
    avg_wait_minutes: float | None = None
    avg_handling_minutes: float | None = None


# --- admin ----------------------------------------------------------------------------------------------------


class SettingService(Struct):
    id: uuid.UUID
    code: str
    name: str


class DerivedQuotas(Struct):
    capacity: int
    online_quota: int
    walk_in_quota: int


class QueueSetting(Struct):
    service: SettingService
    agency: Ref
    handling_minutes: int
    slot_minutes: int
    enabled: bool
    custom: bool
    derived: DerivedQuotas
    revision: int
    letter: str | None = None
    online_quota: int | None = None
    walk_in_quota: int | None = None


class QueueSettingList(Struct):
    items: list[QueueSetting]
    total: int


class QueueSettingUpdate(Input):
    handling_minutes: int
    slot_minutes: int
    enabled: bool
    online_quota: int | None = None
    walk_in_quota: int | None = None


# --- the board's waiting counts (for the board engineer) ---------------------------------------------------------


class AgencyWaiting(Struct):
    code: str
    name: str
    waiting: int
    letter: str | None = None


class BoardWaiting(Struct):
    total: int
    agencies: list[AgencyWaiting]
