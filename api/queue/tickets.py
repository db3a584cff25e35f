"""Tickets: issued at the kiosk (a walk-in, or a booking's check-in), followed on a phone, and the waiting estimate.

- **Numbers**: a letter per agency in the building and a sequence per agency and day. The day's sequence row
  (``queue_day_sequence``) is taken with an upsert whose row lock serialises one agency's issues for the rest of
  the transaction — so the walk-in quota is counted and taken consistently, without a lock on anything else.
- **Idempotent**: a booking has at most one ticket (a unique index), and a kiosk's retry with the same
  Idempotency-Key is the same ticket; both answer the existing ticket.
- **The estimate** shown is recorded (``queue_estimate_shown``): at issue, and to the follower whenever it changed.
"""

# The SQL here is composed of constants of ours (rules.LINE_KEY, column lists); values are always parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import json
import uuid

import asyncpg

from api.accounts.identity import normalise_phone
from api.auth.ratelimit import enforce
from api.lib.errors import DomainError, FieldError
from api.lib.language import Lang, pick
from api.queue import queries, rules
from api.queue.booking import closed_reason, qr_svg
from api.queue.errors import (
    BookingNotActiveError,
    BookingNotTodayError,
    InvalidTicketRequestError,
    QueueClosedError,
    QueueNotFoundError,
    TooEarlyError,
    WalkInFullError,
)
from api.queue.schemas import (
    AgencyWaiting,
    BoardWaiting,
    FollowedTicket,
    KioskTicket,
    Ref,
    ServiceRef,
    TicketBooking,
    TicketCreate,
    Window,
)

# A kiosk typing codes it does not know is sweeping for other people's bookings.
UNKNOWN_CODES_PER_KIOSK = 20
UNKNOWN_CODES_WINDOW = 600
LETTER_LOCK = 0x6D707071  # "mppq": giving an agency its letter (once per agency, ever)


async def letter_of(conn: asyncpg.Connection, *, agency: uuid.UUID, region: str) -> str:
    """The agency's letter in its building, given now if it has none (inside the caller's transaction)."""
    letter: str | None = await conn.fetchval("SELECT letter FROM queue_agency_letter WHERE agency = $1", agency)
    if letter:
        return letter
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", LETTER_LOCK, region)
    letter = await conn.fetchval("SELECT letter FROM queue_agency_letter WHERE agency = $1", agency)
    if letter:
        return letter
    taken = {r["letter"] for r in await conn.fetch("SELECT letter FROM queue_agency_letter WHERE region = $1", region)}
    letter = next(x for x in rules.letters() if x not in taken)
    await conn.execute(
        "INSERT INTO queue_agency_letter (id, agency, region, letter) VALUES ($1, $2, $3, $4)",
        uuid.uuid4(),
        agency,
        region,
        letter,
    )
    return letter


async def _next_seq(conn: asyncpg.Connection, agency: uuid.UUID, day: dt.date) -> int:
    seq: int = await conn.fetchval(
        """INSERT INTO queue_day_sequence (id, agency, day, seq) VALUES ($1, $2, $3, 1)
           ON CONFLICT (agency, day) DO UPDATE SET seq = queue_day_sequence.seq + 1 RETURNING seq""",
        uuid.uuid4(),
        agency,
        day,
    )
    return seq


async def waiting_ahead(
    conn: asyncpg.Connection,
    *,
    agency: uuid.UUID,
    day: dt.date,
    key: tuple[int, dt.datetime, int],
    ticket: uuid.UUID | None,
    now: dt.datetime,
) -> int:
    """How many waiting tickets of the agency come before the line position ``key`` (priority, due, seq)."""
    count: int = await conn.fetchval(
        f"""SELECT count(*) FROM queue_ticket o
            WHERE o.agency = $1 AND o.day = $2 AND o.status = 'waiting' AND o.id IS DISTINCT FROM $3
              AND {rules.line_key("o", "$4::timestamptz")} < ($5::int, $6::timestamptz, $7::int)""",
        agency,
        day,
        ticket,
        now,
        *key,
    )
    return count


def effective_priority(priority: int, due_at: dt.datetime, now: dt.datetime) -> int:
    """As ``rules.LINE_KEY``: a booked ticket counts as booked once its slot has started."""
    return rules.WALK_IN if priority == rules.BOOKED and due_at > now else priority


async def estimate_for(
    conn: asyncpg.Connection,
    *,
    agency: uuid.UUID,
    service: uuid.UUID | None,
    day: dt.date,
    ahead: int,
) -> rules.Estimate:
    row = await conn.fetchrow(queries.ESTIMATE_INPUTS, agency, day, service)
    return rules.estimate(
        ahead,
        [float(d) for d in row["durations"]],
        handling_minutes=row["handling_minutes"],
        counters_open=row["counters_open"],
        counters_all=row["counters_all"],
    )


async def record_shown(
    conn: asyncpg.Connection, ticket: uuid.UUID, ahead: int, window: rules.Estimate, via: str, now: dt.datetime
) -> None:
    await conn.execute(
        """INSERT INTO queue_estimate_shown (ticket, waiting_ahead, low, high, via, at)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        ticket,
        ahead,
        window.low,
        window.high,
        via,
        now,
    )


# --- the kiosk -----------------------------------------------------------------------------------------------


def _checked_request(data: TicketCreate) -> tuple[str | None, str | None]:
    """The normalised check-in code (if that is the way) and phone; field problems as a 422."""
    given = [
        n
        for n, v in (
            ("serviceId", data.service_id),
            ("bookingId", data.booking_id),
            ("checkInCode", data.check_in_code),
        )
        if v is not None
    ]
    errors = []
    if len(given) != 1:
        errors.append(FieldError(field="serviceId", message="give exactly one of serviceId, bookingId, checkInCode"))
    code = None
    if data.check_in_code is not None:
        code = rules.normalise_code(data.check_in_code)
        if code is None:
            errors.append(FieldError(field="checkInCode", message="is not a check-in code"))
    phone = None
    if data.phone is not None:
        try:
            phone = normalise_phone(data.phone)
        except (DomainError, ValueError):
            errors.append(FieldError(field="phone", message="is not an Indonesian mobile number"))
    if errors:
        raise InvalidTicketRequestError(errors)
    return code, phone


async def _existing(
    conn: asyncpg.Connection, *, kiosk: uuid.UUID, idempotency_key: str | None, booking: uuid.UUID | None
) -> uuid.UUID | None:
    if idempotency_key:
        found = await conn.fetchval(
            "SELECT id FROM queue_ticket WHERE kiosk = $1 AND idempotency_key = $2", kiosk, idempotency_key
        )
        if found:
            return found  # type: ignore[no-any-return]
    if booking is not None:
        return await conn.fetchval("SELECT id FROM queue_ticket WHERE booking = $1", booking)  # type: ignore[no-any-return]
    return None


async def _find_booking(
    conn: asyncpg.Connection, *, region: str, booking_id: uuid.UUID | None, code: str | None, kiosk: uuid.UUID
) -> asyncpg.Record:
    row = await conn.fetchrow(
        """SELECT * FROM queue_booking WHERE region = $1 AND (id = $2 OR checkin_code = $3)""",
        region,
        booking_id,
        code,
    )
    if row is None:
        if code is not None:
            await enforce(
                conn,
                [(f"queue-code:{kiosk}", UNKNOWN_CODES_PER_KIOSK, UNKNOWN_CODES_WINDOW)],
                detail="Too many unknown codes. Please ask an officer.",
            )
        raise QueueNotFoundError("booking")
    return row


def _clock(region: str, moment: dt.datetime) -> str:
    return rules.local(region, moment).strftime("%H:%M")


async def _walk_in_plan(
    conn: asyncpg.Connection, *, region: str, service_id: uuid.UUID, today: dt.date, now: dt.datetime
) -> queries.Plan:
    plan = await queries.fetch_plan(conn, service_id, today)
    if plan is None or plan.region != region:
        raise QueueNotFoundError("service")
    reason = await closed_reason(conn, plan, today, closure=plan["closed"], today=today)
    if reason == "not_queued":
        raise QueueClosedError("This service has no queue at the counters.")
    if reason is not None:
        raise QueueClosedError("The MPP is closed today.")
    ranges = rules.opening_ranges(region, plan.hours, today)
    opens, closes = ranges[0][0] - rules.WALK_IN_EARLY, ranges[-1][1]
    if not opens <= now <= closes:
        raise QueueClosedError(f"Tickets are issued from {_clock(region, opens)} until {_clock(region, closes)}.")
    return plan


_INSERT = """
INSERT INTO queue_ticket (id, region, agency, service, day, letter, seq, number, kind, booking, account, phone,
                          application, kiosk, idempotency_key, status, priority, due_at, calls, follow_token,
                          issued_at, estimate_low, estimate_high, heads_up_at, mpp)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'waiting', $16, $17, 0, $18, $19, $20, $21,
        $22, $23)
"""


async def issue(
    conn: asyncpg.Connection,
    *,
    kiosk: uuid.UUID,
    region: str,
    data: TicketCreate,
    idempotency_key: str | None,
    site: str,
    now: dt.datetime,
    lang: Lang,
) -> tuple[KioskTicket, bool]:
    """A ticket for a walk-in or a booking's check-in (True), or the one a retry or a second check-in already
    made (False)."""
    # Long on purpose: a booking's check-in and a walk-in share one idempotent path (the existing ticket first, then
    # the booking's checks, then the store and its race with a retry); kept together so the replay rules read at once.
    code, phone = _checked_request(data)
    today = rules.local_today(region, now)
    booking = None
    if data.booking_id is not None or code is not None:
        booking = await _find_booking(conn, region=region, booking_id=data.booking_id, code=code, kiosk=kiosk)
    existing = await _existing(
        conn, kiosk=kiosk, idempotency_key=idempotency_key, booking=booking["id"] if booking else None
    )
    if existing is not None:
        return await kiosk_ticket(conn, existing, site=site, now=now, lang=lang), False
    on_time: bool | None = None
    if booking is not None:
        today, on_time = _check_in_day(booking, region=region, today=today, now=now, lang=lang)
        plan = await queries.fetch_plan(conn, booking["service"], today)
        if plan is None:
            raise QueueNotFoundError("service")
    else:
        assert data.service_id is not None
        plan = await _walk_in_plan(conn, region=region, service_id=data.service_id, today=today, now=now)
    ticket_id = uuid.uuid4()
    try:
        async with conn.transaction():
            await _store(
                conn,
                ticket_id=ticket_id,
                plan=plan,
                booking=booking,
                on_time=on_time,
                phone=phone,
                kiosk=kiosk,
                idempotency_key=idempotency_key,
                today=today,
                now=now,
            )
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name not in ("queue_ticket_booking_key", "queue_ticket_retry_key"):
            raise
        # The same check-in or retry at the same moment from another request: the first one won.
        existing = await _existing(
            conn, kiosk=kiosk, idempotency_key=idempotency_key, booking=booking["id"] if booking else None
        )
        if existing is None:
            raise
        return await kiosk_ticket(conn, existing, site=site, now=now, lang=lang), False
    return await kiosk_ticket(conn, ticket_id, site=site, now=now, lang=lang), True


def _check_in_day(
    booking: asyncpg.Record, *, region: str, today: dt.date, now: dt.datetime, lang: Lang
) -> tuple[dt.date, bool]:
    """The queue day a booking checks in to (its own) and whether it is on time, or why it cannot check in now.
    A booking of tomorrow's first slot (00:00, where an MPP opens round the clock) is within its hour before the
    start late tonight, like any other: it joins its own day's queue."""
    if booking["status"] != "booked":
        raise BookingNotActiveError()
    opens = rules.local(region, booking["starts_at"] - rules.CHECK_IN_EARLY)
    if booking["day"] != today and opens.date() != today:
        raise BookingNotTodayError()
    on_time = rules.is_on_time(booking["starts_at"], booking["ends_at"], now)
    if on_time is None:
        raise TooEarlyError(opens, lang)
    return booking["day"], on_time


async def _store(
    conn: asyncpg.Connection,
    *,
    ticket_id: uuid.UUID,
    plan: queries.Plan,
    booking: asyncpg.Record | None,
    on_time: bool | None,
    phone: str | None,
    kiosk: uuid.UUID,
    idempotency_key: str | None,
    today: dt.date,
    now: dt.datetime,
) -> None:
    # Long on purpose: one transaction under the agency's day-sequence lock (quota, number, place, estimate, ticket,
    # its event, the booking's check-in, the board's NOTIFY), in the order the lock requires.
    agency: uuid.UUID = plan["agency"]
    letter = await letter_of(conn, agency=agency, region=plan.region)
    seq = await _next_seq(conn, agency, today)  # from here on, this agency's issues wait for this transaction
    if booking is None:
        _, day_quotas = plan.day(today)
        issued = await conn.fetchval(
            """SELECT count(*) FROM queue_ticket
               WHERE agency = $1 AND day = $2 AND service = $3 AND kind = 'walk_in' AND booking IS NULL""",
            agency,
            today,
            plan.id,
        )
        if issued >= day_quotas.walk_in:
            raise WalkInFullError()
    if booking is not None and on_time:
        kind, priority, due = "booked", rules.BOOKED, booking["starts_at"]
    else:
        kind, priority, due = "walk_in", rules.WALK_IN, now
    key = (effective_priority(priority, due, now), due, seq)
    ahead = await waiting_ahead(conn, agency=agency, day=today, key=key, ticket=None, now=now)
    window = await estimate_for(conn, agency=agency, service=plan.id, day=today, ahead=ahead)
    await conn.execute(
        _INSERT,
        ticket_id,
        plan.region,
        agency,
        plan.id,
        today,
        letter,
        seq,
        rules.ticket_number(letter, seq),
        kind,
        booking["id"] if booking else None,
        booking["account"] if booking else None,
        phone,
        booking["application"] if booking else None,
        kiosk,
        idempotency_key,
        priority,
        due,
        rules.new_follow_token(),
        now,
        window.low,
        window.high,
        # Already near the front: no "your turn is near" message to someone standing at the kiosk.
        now if ahead < rules.HEADS_UP_PLACES else None,
        plan["mpp"],
    )
    await conn.execute(
        "INSERT INTO queue_ticket_event (ticket, action, actor, detail, at) VALUES ($1, $2, NULL, $3::jsonb, $4)",
        ticket_id,
        "checked_in" if booking else "issued",
        json.dumps({"kiosk": str(kiosk), "onTime": on_time} if booking else {"kiosk": str(kiosk)}),
        now,
    )
    await record_shown(conn, ticket_id, ahead, window, "issue", now)
    if booking is not None:
        await conn.execute(
            "UPDATE queue_booking SET status = 'checked_in', checked_in_at = $2 WHERE id = $1", booking["id"], now
        )
    await conn.execute("SELECT pg_notify('queue_board', $1)", plan.region)


def _follow_url(site: str, token: str) -> str:
    return f"{site.rstrip('/')}/#/q/{token}"


async def _ticket_row(conn: asyncpg.Connection, where: str, value: object) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(queries.TICKET_SELECT + f" WHERE {where}", value)
    return row


async def _position(conn: asyncpg.Connection, row: asyncpg.Record, now: dt.datetime) -> tuple[int, rules.Estimate]:
    key = (effective_priority(row["priority"], row["due_at"], now), row["due_at"], row["seq"])
    ahead = await waiting_ahead(conn, agency=row["agency"], day=row["day"], key=key, ticket=row["id"], now=now)
    window = await estimate_for(conn, agency=row["agency"], service=row["service"], day=row["day"], ahead=ahead)
    return ahead, window


async def kiosk_ticket(
    conn: asyncpg.Connection, ticket_id: uuid.UUID, *, site: str, now: dt.datetime, lang: Lang
) -> KioskTicket:
    row = await _ticket_row(conn, "t.id = $1", ticket_id)
    assert row is not None
    region = row["region"]
    if row["status"] == "waiting" and row["issued_at"] != now:
        ahead, window = await _position(conn, row, now)
    else:
        ahead, window = 0, rules.Estimate(row["estimate_low"], row["estimate_high"])
        if row["status"] == "waiting":
            shown = await conn.fetchrow(
                "SELECT waiting_ahead FROM queue_estimate_shown WHERE ticket = $1 ORDER BY id LIMIT 1", ticket_id
            )
            ahead = shown["waiting_ahead"] if shown else 0
    url = _follow_url(site, row["follow_token"])
    return KioskTicket(
        id=row["id"],
        number=row["number"],
        kind=row["kind"],
        status=row["status"],
        agency=Ref(code=row["agency_code"], name=pick(lang, row["agency_name_id"], row["agency_name_en"])),
        service=ServiceRef(id=row["service"], name=pick(lang, row["service_name_id"], row["service_name_en"]))
        if row["service"]
        else None,
        waiting_ahead=ahead,
        estimate=Window(low=window.low, high=window.high),
        follow_token=row["follow_token"],
        follow_url=url,
        qr_svg=qr_svg(url),
        issued_at=rules.local(region, row["issued_at"]),
        booking=TicketBooking(
            id=row["booking"],
            start=rules.local(region, row["booking_start"]),
            end=rules.local(region, row["booking_end"]),
            on_time=row["kind"] == "booked",
        )
        if row["booking"]
        else None,
    )


# --- following on a phone ------------------------------------------------------------------------------------


async def follow(conn: asyncpg.Connection, *, token: str, now: dt.datetime, lang: Lang) -> FollowedTicket:
    """A ticket as its holder follows it; the estimate shown is recorded when it changed."""
    if not rules.FOLLOW_TOKEN.match(token):
        raise QueueNotFoundError("ticket")
    row = await _ticket_row(conn, "t.follow_token = $1", token)
    if row is None:
        raise QueueNotFoundError("ticket")
    region = row["region"]
    ahead: int | None = None
    window: Window | None = None
    if row["status"] == "waiting":
        ahead, shown = await _position(conn, row, now)
        window = Window(low=shown.low, high=shown.high)
        last = await conn.fetchrow(
            "SELECT waiting_ahead, low, high FROM queue_estimate_shown WHERE ticket = $1 ORDER BY id DESC LIMIT 1",
            row["id"],
        )
        if last is None or (last["low"], last["high"], last["waiting_ahead"]) != (shown.low, shown.high, ahead):
            await record_shown(conn, row["id"], ahead, shown, "follow", now)
    return FollowedTicket(
        number=row["number"],
        status=row["status"],
        kind=row["kind"],
        agency=Ref(code=row["agency_code"], name=pick(lang, row["agency_name_id"], row["agency_name_en"])),
        region=region,
        calls=row["calls"],
        issued_at=rules.local(region, row["issued_at"]),
        service=ServiceRef(id=row["service"], name=pick(lang, row["service_name_id"], row["service_name_en"]))
        if row["service"]
        else None,
        waiting_ahead=ahead,
        estimate=window,
        counter=row["counter_number"] if row["status"] in ("called", "serving") else None,
        called_at=rules.local(region, row["called_at"]) if row["called_at"] else None,
    )


# --- the board's waiting counts --------------------------------------------------------------------------------


async def board_waiting(conn: asyncpg.Connection, *, region: str, day: dt.date, lang: Lang) -> BoardWaiting:
    """Tickets waiting now in the region's building, per agency (with its letter) and in total."""
    rows = await conn.fetch(
        """SELECT a.code, a.name_id, a.name_en, l.letter, count(*) AS waiting
           FROM queue_ticket t JOIN catalogue_agency a ON a.id = t.agency
           LEFT JOIN queue_agency_letter l ON l.agency = t.agency
           WHERE t.region = $1 AND t.day = $2 AND t.status = 'waiting'
           GROUP BY a.code, a.name_id, a.name_en, l.letter ORDER BY l.letter NULLS LAST, a.code""",
        region,
        day,
    )
    agencies = [
        AgencyWaiting(
            code=r["code"], name=pick(lang, r["name_id"], r["name_en"]), waiting=r["waiting"], letter=r["letter"]
        )
        for r in rows
    ]
    return BoardWaiting(total=sum(a.waiting for a in agencies), agencies=agencies)
