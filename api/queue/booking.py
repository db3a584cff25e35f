"""Slots and bookings: what a citizen may book, and the booking's life (booked → checked in | cancelled | no-show).

- **Slots** are planned from the building's opening hours, the counters serving the service and its settings
  (``rules.plan_day``); a day's rows (``queue_slot``) are written on its first booking, so listing never writes.
- **A seat** is taken by one statement that also inserts the booking: ``UPDATE queue_slot SET taken = taken + 1
  WHERE … AND taken < capacity`` feeding the INSERT. The slot's row lock is the only one taken, held for that one
  statement; the partial unique index ``queue_booking_active_key`` is what keeps one booking per NIK, service and
  day under any concurrency (its violation rolls the seat back with the statement).
- **A seat given up** (cancel, move) is held for ``rules.SEAT_RETURN`` and only then returned (``release_due``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid

import asyncpg
import msgspec
import segno

from api.accounts.assurance import AssuranceRequiredError, meets
from api.applications import service as applications
from api.calendar.service import ensure_loaded, working_calendar
from api.lib.errors import FieldError
from api.lib.language import Lang, pick
from api.queue import queries, rules
from api.queue.errors import (
    AlreadyBookedError,
    BookingNotChangeableError,
    BookingSuspendedError,
    IdempotencyKeyReusedError,
    InvalidBookingError,
    NikRequiredError,
    QueueNotFoundError,
    SlotFullError,
)
from api.queue.schemas import (
    Booking,
    BookingCreate,
    BookingList,
    BookingMove,
    BookingTicket,
    ClosedReason,
    QueueService,
    QueueServiceList,
    Ref,
    ServiceRef,
    Slot,
    SlotList,
    Suspension,
)

NOT_A_SLOT = "is not a time offered for this service"
STARTED = "has already started"
OUT_OF_RANGE = f"must be within the next {rules.BOOK_AHEAD_DAYS} days"
CLOSED = "is on a day the MPP is closed"
NO_ZONE = "must carry a time zone offset"
NOT_YOURS = "is not an application of yours for this service"


def qr_svg(text: str) -> str:
    """A QR code of text this module made (a check-in code, a follow link), as SVG with a viewBox."""
    buffer = io.BytesIO()
    # One fixed mask pattern: any mask is valid QR and every reader decodes it; trying all eight to pick the one
    # with the lowest penalty costs 1.3 ms of CPU per code, most of a booking's answer in a rush (bench/RESULTS.md).
    segno.make(text, error="m", micro=False, mask=0).save(
        buffer, kind="svg", border=4, light="#fff", xmldecl=False, svgns=True, omitsize=True
    )
    return buffer.getvalue().decode()


# --- open days and slots ------------------------------------------------------------------------------------


async def _is_open(conn: asyncpg.Connection, region: str, day: dt.date) -> bool:
    """Not a day off in the region (national or its own). The one place to ask: the calendar is in memory."""
    await ensure_loaded(conn)
    return working_calendar(region).holiday(day) is None


async def closed_reason(
    conn: asyncpg.Connection, plan: queries.Plan, day: dt.date, *, closure: bool, today: dt.date
) -> ClosedReason | None:
    """Why ``day`` has no slots for the service, or None when it has."""
    if not plan.bookable:
        return "not_queued"
    if day < today or day > today + dt.timedelta(days=rules.BOOK_AHEAD_DAYS):
        return "out_of_range"
    if not await _is_open(conn, plan.region, day):
        return "day_off"
    if closure:
        return "closure"
    if not rules.opening_ranges(plan.region, plan.hours, day):
        return "no_hours"
    return None


async def _stored_slots(
    conn: asyncpg.Connection, service: uuid.UUID, day: dt.date, now: dt.datetime
) -> dict[dt.datetime, int]:
    """The day's written slots and their free seats now (seats whose hold has run out count as free)."""
    rows = await conn.fetch(
        """SELECT s.starts_at, s.capacity - s.taken
                  + (SELECT count(*) FROM queue_seat_hold h
                     WHERE h.slot = s.id AND h.released_at IS NULL AND h.release_at <= $3) AS free
           FROM queue_slot s WHERE s.service = $1 AND s.day = $2""",
        service,
        day,
        now,
    )
    return {r["starts_at"]: max(0, int(r["free"])) for r in rows}


async def list_slots(
    conn: asyncpg.Connection, *, region: str, service_id: uuid.UUID, day: dt.date, now: dt.datetime
) -> SlotList:
    """The service's slots on ``day`` with the seats left (0 for one that has started)."""
    plan = await queries.fetch_plan(conn, service_id, day)
    if plan is None or plan.region != region:
        raise QueueNotFoundError("service")
    today = rules.local_today(region, now)
    reason = await closed_reason(conn, plan, day, closure=plan["closed"], today=today)
    if reason is not None:
        return SlotList(items=[], total=0, date=day, service=service_id, closed=reason)
    planned, _ = plan.day(day)
    stored = await _stored_slots(conn, service_id, day, now)
    items = [
        Slot(
            start=rules.local(region, s.start),
            end=rules.local(region, s.end),
            available=0 if s.start <= now else stored.get(s.start, s.capacity),
        )
        for s in planned
    ]
    return SlotList(items=items, total=len(items), date=day, service=service_id)


async def list_services(
    conn: asyncpg.Connection, *, region: str, day: dt.date | None, now: dt.datetime, lang: Lang
) -> QueueServiceList:
    """The region's services with a queue, whether the building is open on ``day`` (default today), the walk-in
    tickets left today and how many wait now."""
    today = rules.local_today(region, now)
    day = day or today
    plans = [p for p in await queries.fetch_region_plans(conn, region) if p.bookable]
    if not plans:
        return QueueServiceList(items=[], total=0)
    closure = await queries.closed_on(conn, region, day)
    counts = {
        r["service"]: (r["waiting"], r["walk_ins"])
        for r in await conn.fetch(
            """SELECT service, count(*) FILTER (WHERE status = 'waiting') AS waiting,
                      count(*) FILTER (WHERE kind = 'walk_in' AND booking IS NULL) AS walk_ins
               FROM queue_ticket WHERE region = $1 AND day = $2 AND service IS NOT NULL GROUP BY service""",
            region,
            today,
        )
    }
    items = []
    for plan in plans:
        reason = await closed_reason(conn, plan, day, closure=closure, today=today)
        waiting, walk_ins = counts.get(plan.id, (0, 0))
        left = None
        if day == today and reason is None:
            _, day_quotas = plan.day(day)
            left = max(0, day_quotas.walk_in - walk_ins)
        items.append(
            QueueService(
                id=plan.id,
                name=pick(lang, plan["name_id"], plan["name_en"]),
                agency=Ref(code=plan["agency_code"], name=pick(lang, plan["agency_name_id"], plan["agency_name_en"])),
                letter=plan["letter"],
                slot_minutes=plan["slot_minutes"],
                open=reason is None,
                waiting=waiting,
                walk_in_left=left,
            )
        )
    return QueueServiceList(items=items, total=len(items))


# --- seats --------------------------------------------------------------------------------------------------


async def materialise(conn: asyncpg.Connection, plan: queries.Plan, day: dt.date) -> None:
    """Write the day's planned slots (first booking of the day; a concurrent first booking writes the same rows)."""
    planned, _ = plan.day(day)
    if not planned:
        return
    await conn.executemany(
        """INSERT INTO queue_slot (id, service, region, day, starts_at, ends_at, capacity, taken)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 0) ON CONFLICT (service, starts_at) DO NOTHING""",
        [(uuid.uuid4(), plan.id, plan.region, day, s.start, s.end, s.capacity) for s in planned],
    )


async def release_due(conn: asyncpg.Connection, *, now: dt.datetime, slot: uuid.UUID | None = None) -> int:
    """Return to their slots the seats whose hold has run out (one slot's, or all); how many were returned."""
    returned: int | None = await conn.fetchval(
        """WITH due AS (
               UPDATE queue_seat_hold SET released_at = $1
               WHERE released_at IS NULL AND release_at <= $1 AND ($2::uuid IS NULL OR slot = $2) RETURNING slot),
           counted AS (SELECT slot, count(*) AS n FROM due GROUP BY slot),
           returned AS (UPDATE queue_slot s SET taken = greatest(0, s.taken - c.n) FROM counted c
                        WHERE s.id = c.slot RETURNING c.n)
           SELECT coalesce(sum(n), 0) FROM returned""",
        now,
        slot,
    )
    return int(returned or 0)


async def _slot_exists(conn: asyncpg.Connection, service: uuid.UUID, start: dt.datetime) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM queue_slot WHERE service = $1 AND starts_at = $2", service, start
    )
    return found


async def _retry_seat(
    conn: asyncpg.Connection, plan: queries.Plan, day: dt.date, start: dt.datetime, now: dt.datetime
) -> bool:
    """After a failed take: whether trying again can succeed (the day's slots were just written, or seats whose
    hold ran out were returned). Raises SlotFullError when it cannot."""
    slot = await _slot_exists(conn, plan.id, start)
    if slot is None:
        await materialise(conn, plan, day)
        if await _slot_exists(conn, plan.id, start) is None:
            raise InvalidBookingError([FieldError(field="start", message=NOT_A_SLOT)])
        return True
    if await release_due(conn, now=now, slot=slot):
        return True
    raise SlotFullError()


# --- booking ------------------------------------------------------------------------------------------------


def _hash(data: BookingCreate) -> str:
    return hashlib.sha256(msgspec.json.encode(data)).hexdigest()


def _check_start(plan: queries.Plan, start: dt.datetime, now: dt.datetime) -> dt.date:
    """The start's local day, if the start is a future slot of the service within the booking window."""
    if start.tzinfo is None:
        raise InvalidBookingError([FieldError(field="start", message=NO_ZONE)])
    today = rules.local_today(plan.region, now)
    if start < now - dt.timedelta(days=1) or start > now + dt.timedelta(days=rules.BOOK_AHEAD_DAYS + 1):
        raise InvalidBookingError([FieldError(field="start", message=OUT_OF_RANGE)])
    day = rules.local_today(plan.region, start)
    if day < today or day > today + dt.timedelta(days=rules.BOOK_AHEAD_DAYS):
        raise InvalidBookingError([FieldError(field="start", message=OUT_OF_RANGE)])
    if start <= now:
        raise InvalidBookingError([FieldError(field="start", message=STARTED)])
    planned, _ = plan.day(day)
    if not any(s.start == start for s in planned):
        raise InvalidBookingError([FieldError(field="start", message=NOT_A_SLOT)])
    return day


async def _check_open(conn: asyncpg.Connection, plan: queries.Plan, day: dt.date) -> None:
    if plan["closed"] or not await _is_open(conn, plan.region, day):
        raise InvalidBookingError([FieldError(field="start", message=CLOSED)])


async def _check_application(
    conn: asyncpg.Connection, account: uuid.UUID, application: uuid.UUID | None, service: uuid.UUID
) -> None:
    if application is None:
        return
    try:
        found = await applications.get_for_citizen(conn, applicant=account, application_id=application)
    except LookupError:
        found = None
    if found is None or found.service_id != service:
        raise InvalidBookingError([FieldError(field="applicationId", message=NOT_YOURS)])


_BOOK = """
WITH seat AS (
    UPDATE queue_slot SET taken = taken + 1
    WHERE service = $2 AND starts_at = $3 AND taken < capacity
    RETURNING id, region, day, starts_at, ends_at)
INSERT INTO queue_booking (id, account, nik, service, region, slot, day, starts_at, ends_at, status, checkin_code,
                           application, idempotency_key, request_hash, created_at)
SELECT $1, $4, $5, $2, seat.region, seat.id, seat.day, seat.starts_at, seat.ends_at, 'booked', $6, $7, $8, $9, $10
FROM seat RETURNING id
"""


async def book(
    conn: asyncpg.Connection,
    *,
    account: uuid.UUID,
    data: BookingCreate,
    idempotency_key: str,
    now: dt.datetime,
    lang: Lang,
) -> tuple[Booking, bool]:
    """Book a slot (True) — or, for the same Idempotency-Key and body again, the booking it made (False)."""
    # Long on purpose: the checks run in the order their answers must come (idempotent replay first, then the service,
    # NIK, level, suspension, the start, the closure, the application) before the one seat-taking statement and its
    # retries; split, that order would be spread over helpers.
    if data.start.tzinfo is None:
        raise InvalidBookingError([FieldError(field="start", message=NO_ZONE)])
    context = await queries.fetch_booking_context(
        conn,
        service_id=data.service_id,
        start=data.start,
        account=account,
        now=now,
        idempotency_key=idempotency_key,
    )
    if context is None:
        raise QueueNotFoundError("service")
    digest = _hash(data)
    if context["existing_id"] is not None:
        if context["existing_hash"] != digest:
            raise IdempotencyKeyReusedError()
        return await get_booking(conn, account=account, booking_id=context["existing_id"], lang=lang), False
    plan = queries.Plan(context)
    if not plan.bookable:
        raise QueueNotFoundError("service")
    if not context["my_nik"]:
        raise NikRequiredError()
    if not meets(context["my_assurance"], context["assurance"]):
        raise AssuranceRequiredError(context["assurance"], context["my_assurance"])
    until = rules.suspended_until(context["no_shows"], now)
    if until is not None:
        raise BookingSuspendedError(rules.local_today(plan.region, until), lang)
    day = _check_start(plan, data.start, now)
    await _check_open(conn, plan, day)
    await _check_application(conn, account, data.application_id, plan.id)
    booking_id = uuid.uuid4()
    for _attempt in range(4):
        try:
            made = await conn.fetchval(
                _BOOK,
                booking_id,
                plan.id,
                data.start,
                account,
                context["my_nik"],
                rules.new_checkin_code(),
                data.application_id,
                idempotency_key,
                digest,
                now,
            )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "queue_booking_active_key":
                raise AlreadyBookedError() from None
            if exc.constraint_name == "queue_booking_idempotency_key":
                # The same key at the same moment from a retry: the first one won.
                return await book(conn, account=account, data=data, idempotency_key=idempotency_key, now=now, lang=lang)
            continue  # a check-in code drawn twice (50 bits): draw again
        if made is not None:
            return await get_booking(conn, account=account, booking_id=booking_id, lang=lang), True
        if not await _retry_seat(conn, plan, day, data.start, now):
            break
    raise SlotFullError()


# --- reading ------------------------------------------------------------------------------------------------

_SELECT = """
SELECT b.*, s.name_id, s.name_en, a.code AS agency_code, a.name_id AS agency_name_id, a.name_en AS agency_name_en,
       r.name AS region_name, r.name_en AS region_name_en,
       h.release_at AS seat_returns_at, t.number AS ticket_number, t.follow_token, t.status AS ticket_status
FROM queue_booking b
JOIN catalogue_service s ON s.id = b.service
JOIN catalogue_agency a ON a.id = s.agency
JOIN catalogue_region r ON r.code = b.region
LEFT JOIN LATERAL (SELECT release_at FROM queue_seat_hold WHERE booking = b.id ORDER BY release_at DESC LIMIT 1) h
       ON b.status = 'cancelled'
LEFT JOIN queue_ticket t ON t.booking = b.id
"""


def _booking(row: asyncpg.Record, lang: Lang) -> Booking:
    region = row["region"]
    status = row["status"]
    return Booking(
        id=row["id"],
        status=status,
        service=ServiceRef(id=row["service"], name=pick(lang, row["name_id"], row["name_en"])),
        agency=Ref(code=row["agency_code"], name=pick(lang, row["agency_name_id"], row["agency_name_en"])),
        region=Ref(code=region, name=pick(lang, row["region_name"], row["region_name_en"])),
        start=rules.local(region, row["starts_at"]),
        end=rules.local(region, row["ends_at"]),
        date=row["day"],
        check_in_code=row["checkin_code"],
        check_in_from=rules.local(region, row["starts_at"] - rules.CHECK_IN_EARLY),
        created_at=rules.local(region, row["created_at"]),
        qr_svg=qr_svg(row["checkin_code"]) if status == "booked" else None,
        application_id=row["application"],
        cancelled_at=rules.local(region, row["cancelled_at"]) if row["cancelled_at"] else None,
        seat_returns_at=rules.local(region, row["seat_returns_at"]) if row["seat_returns_at"] else None,
        ticket=BookingTicket(number=row["ticket_number"], follow_token=row["follow_token"], status=row["ticket_status"])
        if row["ticket_number"]
        else None,
        cancel_reason=row["cancel_reason"] if status == "cancelled" else None,
        cancel_note=pick(lang, row["cancel_note_id"], row["cancel_note_en"]) if row["cancel_note_id"] else None,
    )


async def get_booking(conn: asyncpg.Connection, *, account: uuid.UUID, booking_id: uuid.UUID, lang: Lang) -> Booking:
    row = await conn.fetchrow(_SELECT + " WHERE b.id = $1 AND b.account = $2", booking_id, account)
    if row is None:
        raise QueueNotFoundError("booking")
    return _booking(row, lang)


async def suspension(conn: asyncpg.Connection, *, account: uuid.UUID, now: dt.datetime) -> Suspension | None:
    """The account's suspension from online booking now, with the rule, or None."""
    # Dates are the building's: the region of the latest booking (Jakarta's for someone who never booked).
    region = await conn.fetchval(
        "SELECT region FROM queue_booking WHERE account = $1 ORDER BY starts_at DESC LIMIT 1", account
    )
    today = rules.local_today(region or "31", now)
    no_shows = await queries.no_shows_of(conn, account, now, today)
    until = rules.suspended_until(no_shows, now)
    if until is None:
        return None
    recent = sum(1 for t in no_shows if t > now - rules.SUSPEND_WINDOW)
    return Suspension(until=rules.local_today(region or "31", until), no_shows=recent, rule=rules.SUSPENSION_RULE)


async def list_bookings(
    conn: asyncpg.Connection, *, account: uuid.UUID, page: int, page_size: int, now: dt.datetime, lang: Lang
) -> BookingList:
    """My bookings, the latest start first, and my suspension if there is one."""
    rows = await conn.fetch(
        _SELECT + " WHERE b.account = $1 ORDER BY b.starts_at DESC LIMIT $2 OFFSET $3",
        account,
        page_size,
        (page - 1) * page_size,
    )
    total = await conn.fetchval("SELECT count(*) FROM queue_booking WHERE account = $1", account)
    found = await suspension(conn, account=account, now=now)
    if found is not None:
        found = Suspension(
            until=found.until,
            no_shows=found.no_shows,
            rule=rules.SUSPENSION_RULE if lang == "en" else rules.SUSPENSION_RULE_ID,
        )
    return BookingList(items=[_booking(r, lang) for r in rows], total=int(total), suspension=found)


# --- changing -----------------------------------------------------------------------------------------------


async def _lock_changeable(
    conn: asyncpg.Connection, account: uuid.UUID, booking_id: uuid.UUID, now: dt.datetime
) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT * FROM queue_booking WHERE id = $1 AND account = $2 FOR UPDATE", booking_id, account
    )
    if row is None:
        raise QueueNotFoundError("booking")
    if row["status"] != "booked" or row["starts_at"] <= now:
        raise BookingNotChangeableError()
    return row


async def _hold(conn: asyncpg.Connection, row: asyncpg.Record, now: dt.datetime) -> None:
    await conn.execute(
        "INSERT INTO queue_seat_hold (id, slot, booking, release_at) VALUES ($1, $2, $3, $4)",
        uuid.uuid4(),
        row["slot"],
        row["id"],
        now + rules.SEAT_RETURN,
    )


async def cancel(
    conn: asyncpg.Connection, *, account: uuid.UUID, booking_id: uuid.UUID, now: dt.datetime, lang: Lang
) -> Booking:
    """Cancel a booking before its slot starts; its seat returns to the pool after ``rules.SEAT_RETURN``."""
    async with conn.transaction():
        row = await _lock_changeable(conn, account, booking_id, now)
        await conn.execute(
            "UPDATE queue_booking SET status = 'cancelled', cancelled_at = $2, cancel_reason = 'citizen' WHERE id = $1",
            booking_id,
            now,
        )
        await _hold(conn, row, now)
    return await get_booking(conn, account=account, booking_id=booking_id, lang=lang)


_MOVE = """
WITH seat AS (
    UPDATE queue_slot SET taken = taken + 1
    WHERE service = $2 AND starts_at = $3 AND taken < capacity
    RETURNING id, day, starts_at, ends_at)
UPDATE queue_booking b SET slot = seat.id, day = seat.day, starts_at = seat.starts_at, ends_at = seat.ends_at,
                           moved_at = $4, reminded_at = NULL
FROM seat WHERE b.id = $1 RETURNING b.id
"""


async def move(
    conn: asyncpg.Connection,
    *,
    account: uuid.UUID,
    booking_id: uuid.UUID,
    data: BookingMove,
    now: dt.datetime,
    lang: Lang,
) -> Booking:
    """Move a booking to another slot of its service, atomically: the new seat is taken and the old one held, or
    nothing changes."""
    if data.start.tzinfo is None:
        raise InvalidBookingError([FieldError(field="start", message=NO_ZONE)])
    for _attempt in range(3):
        async with conn.transaction():
            row = await _lock_changeable(conn, account, booking_id, now)
            if row["starts_at"] == data.start:
                break
            plan = await queries.fetch_plan(conn, row["service"], rules.local_today(row["region"], data.start))
            if plan is None or not plan.bookable:
                raise BookingNotChangeableError()
            day = _check_start(plan, data.start, now)
            await _check_open(conn, plan, day)
            try:
                async with conn.transaction():  # a savepoint: a refused move leaves the booking as it was
                    moved = await conn.fetchval(_MOVE, booking_id, plan.id, data.start, now)
            except asyncpg.UniqueViolationError:
                raise AlreadyBookedError() from None
            if moved is not None:
                await _hold(conn, row, now)
                break
        # Outside the booking's transaction: write the day's slots, or return seats whose hold ran out.
        if not await _retry_seat(conn, plan, day, data.start, now):
            raise SlotFullError()
    else:
        raise SlotFullError()
    return await get_booking(conn, account=account, booking_id=booking_id, lang=lang)
