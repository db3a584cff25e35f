"""Queue (antrian) tables: counter services' settings, bookable slots and bookings, tickets and their calls.

What Piccolo cannot express is in the hand-written migration (``migrations/queue/``): the CHECKs on statuses and
counts, the partial unique indexes (one active booking per NIK, service and day; one open session per counter and
per officer; one ticket per booking; a kiosk's retry is one ticket), the ordering index of the waiting line, and
the triggers that keep the history tables (calls, ticket events, shown estimates) append-only.

Times are ``timestamptz`` (UTC in the database); ``day`` columns are the building's local date.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    UUID,
    BigSerial,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from api.accounts.tables import Account
from api.catalogue.tables import Agency, Counter, Mpp, Region, Service


class ServiceSetting(Table, tablename="queue_service_setting"):
    """The admin's settings of one counter service; a service without a row uses the defaults
    (``api.queue.rules``): 10 minutes a citizen, 30-minute slots, quotas split from the day's capacity."""

    id = UUID(primary_key=True)
    service = ForeignKey(references=Service, null=False, unique=True, on_delete=OnDelete.cascade)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict, index=True)
    handling_minutes = SmallInt(null=False, default=10)
    slot_minutes = SmallInt(null=False, default=30)
    # Per day; null: derived from the day's capacity (api.queue.rules.day_plan).
    online_quota = Integer(null=True, default=None)
    walk_in_quota = Integer(null=True, default=None)
    enabled = Boolean(null=False, default=True)
    # The ETag an edit's If-Match must name.
    revision = Integer(null=False, default=1)
    updated_at = Timestamptz(null=False)
    updated_by = UUID(null=True, default=None)


class AgencyLetter(Table, tablename="queue_agency_letter"):
    """The letter of an agency's ticket numbers in its building (A-012), given on its first ticket, kept after."""

    id = UUID(primary_key=True)
    agency = ForeignKey(references=Agency, null=False, unique=True, on_delete=OnDelete.cascade)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    letter = Varchar(length=2, null=False)


class DaySequence(Table, tablename="queue_day_sequence"):
    """The last ticket number of an agency on a day. Its row lock also serialises an agency's ticket issues, so
    the walk-in quota is counted and taken in one consistent step."""

    id = UUID(primary_key=True)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.cascade)
    day = Date(null=False)
    seq = Integer(null=False, default=0)


class Slot(Table, tablename="queue_slot"):
    """A bookable time of one service on one day: ``capacity`` online seats, ``taken`` of them booked.

    Made on first use for a day (from the opening hours, the counters and the settings); a booking takes a seat
    with ``UPDATE … SET taken = taken + 1 WHERE taken < capacity`` — one row lock per slot, never a global one.
    """

    id = UUID(primary_key=True)
    service = ForeignKey(references=Service, null=False, on_delete=OnDelete.restrict)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict, index=True)
    day = Date(null=False)
    starts_at = Timestamptz(null=False)
    ends_at = Timestamptz(null=False)
    capacity = Integer(null=False)
    taken = Integer(null=False, default=0)


class Booking(Table, tablename="queue_booking"):
    """A citizen's booked slot. One active booking per NIK, service and day (a partial unique index).

    status: booked → checked_in (a ticket was issued) | cancelled | no_show (not checked in by the end of the
    slot and its grace, or called N times without coming). ``checkin_code`` is what the QR encodes (random,
    never the id).
    """

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.restrict, index=True)
    nik = Varchar(length=16, null=False)
    service = ForeignKey(references=Service, null=False, on_delete=OnDelete.restrict)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    slot = ForeignKey(references=Slot, null=False, on_delete=OnDelete.restrict, index=True)
    day = Date(null=False)
    starts_at = Timestamptz(null=False)
    ends_at = Timestamptz(null=False)
    status = Varchar(length=12, null=False, default="booked")
    checkin_code = Varchar(length=10, null=False)
    # The citizen's own application this visit is for (documents to hand in), if any.
    application = UUID(null=True, default=None)
    idempotency_key = Varchar(length=100, null=False)
    request_hash = Varchar(length=64, null=False)
    created_at = Timestamptz(null=False)
    moved_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    checked_in_at = Timestamptz(null=True, default=None)
    no_show_at = Timestamptz(null=True, default=None)
    # The morning heads-up ("your booking is today") went out.
    reminded_at = Timestamptz(null=True, default=None)
    # Why it was cancelled: "citizen" (its holder), "closure" (the building closed that day after it was booked,
    # with the closure's reason as it was then).
    cancel_reason = Varchar(length=12, null=True, default=None)
    cancel_note_id = Text(null=True, default=None)
    cancel_note_en = Text(null=True, default=None)


class SeatHold(Table, tablename="queue_seat_hold"):
    """A seat given up by a cancellation or a move, returned to its slot only at ``release_at`` (so that a slot
    cannot be handed from one person to another by cancelling while the other books)."""

    id = UUID(primary_key=True)
    slot = ForeignKey(references=Slot, null=False, on_delete=OnDelete.cascade)
    booking = ForeignKey(references=Booking, null=False, on_delete=OnDelete.cascade)
    release_at = Timestamptz(null=False)
    released_at = Timestamptz(null=True, default=None)


class Ticket(Table, tablename="queue_ticket"):
    """A place in an agency's line in the building, for a day.

    status: waiting → called → serving → done; called → no_show (after N calls); a transfer puts a waiting or
    called ticket back to waiting, in another agency's or counter's line. The line's order is ``priority``
    (0 transferred, 1 booked and due, 2 walk-in — a booked ticket before its slot starts counts as a walk-in
    arriving at its start), then ``due_at``, then ``seq``.
    """

    id = UUID(primary_key=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    # The building it was issued in (the region's, as the queue's plan named it then): the figures count a ticket
    # where it was, whatever buildings the region adds later. (The migration filled in the tickets issued before it.)
    mpp = ForeignKey(references=Mpp, null=False, on_delete=OnDelete.restrict)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict)
    # Null after a transfer to an agency without naming a service: any counter of that agency serves it.
    service = ForeignKey(references=Service, null=True, default=None, on_delete=OnDelete.restrict)
    day = Date(null=False)
    letter = Varchar(length=2, null=False)
    seq = Integer(null=False)
    number = Varchar(length=8, null=False)
    kind = Varchar(length=8, null=False)  # booked | walk_in
    booking = ForeignKey(references=Booking, null=True, default=None, on_delete=OnDelete.restrict)
    # Who is told by push that their turn nears (the booking's account); or a phone given at the kiosk (SMS).
    account = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.restrict)
    phone = Varchar(length=16, null=True, default=None)
    application = UUID(null=True, default=None)
    kiosk = UUID(null=True, default=None)
    idempotency_key = Varchar(length=100, null=True, default=None)
    status = Varchar(length=10, null=False, default="waiting")
    priority = SmallInt(null=False)
    due_at = Timestamptz(null=False)
    # Set by a transfer to one counter: only that counter calls it.
    target_counter = ForeignKey(references=Counter, null=True, default=None, on_delete=OnDelete.restrict)
    # The counter it was last called to.
    counter = ForeignKey(references=Counter, null=True, default=None, on_delete=OnDelete.restrict)
    officer = UUID(null=True, default=None)
    calls = SmallInt(null=False, default=0)
    # The public token of "follow my ticket" (its QR); random.
    follow_token = Varchar(length=43, null=False, unique=True)
    issued_at = Timestamptz(null=False)
    first_called_at = Timestamptz(null=True, default=None)
    called_at = Timestamptz(null=True, default=None)
    serving_at = Timestamptz(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)
    # The window shown when the ticket was issued, in minutes from issued_at (the accuracy is measured on it).
    estimate_low = SmallInt(null=False)
    estimate_high = SmallInt(null=False)
    heads_up_at = Timestamptz(null=True, default=None)


class Call(Table, tablename="queue_call"):
    """A call of a ticket to a counter (the board's feed): append-only."""

    id = BigSerial(primary_key=True)
    ticket = ForeignKey(references=Ticket, null=False, on_delete=OnDelete.restrict, index=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    counter = ForeignKey(references=Counter, null=False, on_delete=OnDelete.restrict)
    counter_number = Varchar(length=10, null=False)
    number = Varchar(length=8, null=False)
    officer = UUID(null=True, default=None)
    kind = Varchar(length=8, null=False)  # call | recall
    at = Timestamptz(null=False)


class TicketEvent(Table, tablename="queue_ticket_event"):
    """What happened to a ticket besides calls (issued, checked in, serving, done, no-show, transferred), by
    whom: append-only."""

    id = BigSerial(primary_key=True)
    ticket = ForeignKey(references=Ticket, null=False, on_delete=OnDelete.restrict, index=True)
    action = Varchar(length=12, null=False)
    actor = UUID(null=True, default=None)
    counter = UUID(null=True, default=None)
    detail = JSONB(null=False, default={})
    at = Timestamptz(null=False)


class EstimateShown(Table, tablename="queue_estimate_shown"):
    """A waiting estimate as shown (at issue, and to the follower whenever it changed): append-only."""

    id = BigSerial(primary_key=True)
    ticket = ForeignKey(references=Ticket, null=False, on_delete=OnDelete.restrict, index=True)
    waiting_ahead = Integer(null=False)
    low = SmallInt(null=False)
    high = SmallInt(null=False)
    via = Varchar(length=8, null=False)  # issue | follow
    at = Timestamptz(null=False)


class CounterSession(Table, tablename="queue_counter_session"):
    """An officer at a counter, from opening to closing: which counters are open feeds the estimate."""

    id = UUID(primary_key=True)
    counter = ForeignKey(references=Counter, null=False, on_delete=OnDelete.restrict, index=True)
    officer = ForeignKey(references=Account, null=False, on_delete=OnDelete.restrict)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    opened_at = Timestamptz(null=False)
    closed_at = Timestamptz(null=True, default=None)
