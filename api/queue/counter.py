"""Officer mode: the counter. Open and close it, call the next ticket, recall, serve, finish, no-show, transfer.

**Call next** is one statement: the first waiting ticket this counter may serve, in line order, locked with
``FOR UPDATE SKIP LOCKED`` — two counters calling at the same instant lock different rows, so no ticket is called
twice and none is passed over (a row another counter holds is skipped only because that counter is taking it) —
updated to ``called``, its call appended to ``queue_call``, and returned with the names the answer shows. The
boards are woken after the commit (``queries.announce_board``: a NOTIFY inside the transaction would serialise
every counter's commit on PostgreSQL's notification lock). An officer acts only for their agency in their region:
another agency's counter or ticket is 404. Actions on a ticket that carries a person (a booking's account, a
phone) are audited.
"""

# The SQL here is composed of constants of ours (rules.LINE_KEY, column lists); values are always parameters.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg

from api.audit.service import record
from api.feedback import surveys as feedback
from api.lib import metrics
from api.lib.errors import FieldError
from api.lib.language import Lang, pick
from api.lib.staff import Officer
from api.outbox.service import enqueue
from api.queue import queries, rules
from api.queue.errors import (
    CounterInUseError,
    IllegalTicketStateError,
    InvalidTransferError,
    NotAtCounterError,
    QueueNotFoundError,
    TicketOpenError,
    TooFewCallsError,
)
from api.queue.schemas import (
    CounterList,
    CounterState,
    OfficerBooking,
    OfficerTicket,
    OfficerTicketList,
    Ref,
    ServiceRef,
    Transfer,
)

# The tickets within HEADS_UP_PLACES of the front of the agency's line not yet told, marked told, with what the
# message needs. A ticket with neither an account nor a phone has no one to tell. Rows another transaction holds
# (a counter calling it this instant) are skipped, never waited for: two calls at once must not deadlock.
_HEADS_UP = f"""
WITH front AS (
    SELECT t.id, {rules.line_key("t", "$3::timestamptz")} AS place
    FROM queue_ticket t
    WHERE t.id = ANY(ARRAY({queries.front("$4", "t.agency = $1 AND t.day = $2 AND t.status = 'waiting'")}))
    ORDER BY place LIMIT $4),
line AS (SELECT id, row_number() OVER (ORDER BY place) - 1 AS ahead FROM front),
due AS (
    SELECT t.id, line.ahead FROM queue_ticket t JOIN line ON line.id = t.id
    WHERE line.ahead < $4 AND t.heads_up_at IS NULL AND (t.account IS NOT NULL OR t.phone IS NOT NULL)
    FOR UPDATE OF t SKIP LOCKED),
told AS (
    UPDATE queue_ticket t SET heads_up_at = $3 FROM due WHERE t.id = due.id AND t.status = 'waiting'
    RETURNING t.id, t.number, t.account, t.phone, t.follow_token, due.ahead)
SELECT told.*, a.name_id, a.name_en FROM told JOIN catalogue_agency a ON a.id = $1
"""


async def heads_up(conn: asyncpg.Connection, *, agency: uuid.UUID, day: dt.date, now: dt.datetime) -> int:
    """Tell the holders of tickets that came within ``rules.HEADS_UP_PLACES`` of the front (outbox, in the
    caller's transaction): a push to the booking's account (SMS when it has none), or an SMS to a kiosk phone."""
    rows = await conn.fetch(_HEADS_UP, agency, day, now, rules.HEADS_UP_PLACES)
    for r in rows:
        payload: dict[str, Any] = {
            "ticket": str(r["id"]),
            "number": r["number"],
            "ahead": int(r["ahead"]),
            "agencyName": {"id": r["name_id"], "en": r["name_en"]},
            "token": r["follow_token"],
        }
        if r["account"] is None:
            payload["phone"] = r["phone"]
        await enqueue(conn, topic="queue.heads_up", recipient=r["account"], subject=r["id"], payload=payload)
    return len(rows)


# --- counters ------------------------------------------------------------------------------------------------


async def _agency(conn: asyncpg.Connection, officer: Officer) -> asyncpg.Record:
    row = await queries.fetch_agency(conn, region=officer.region, code=officer.agency_code)
    if row is None:
        raise QueueNotFoundError("agency")
    return row


async def _counter(conn: asyncpg.Connection, officer: Officer, number: str) -> asyncpg.Record:
    rows = await queries.fetch_counters(conn, region=officer.region, agency_code=officer.agency_code, number=number)
    if not rows:
        raise QueueNotFoundError("counter")
    return rows[0]


async def _take_counter(
    conn: asyncpg.Connection, officer: Officer, counter: asyncpg.Record, *, take_over: bool, now: dt.datetime
) -> None:
    """Make ``counter`` the officer's open one (closing their session elsewhere); another officer's session there
    is closed when taking over, else 409."""
    held = await conn.fetchrow(
        "SELECT id, officer FROM queue_counter_session WHERE counter = $1 AND closed_at IS NULL FOR UPDATE",
        counter["id"],
    )
    if held is not None and held["officer"] == officer.id:
        return
    if held is not None and not take_over:
        raise CounterInUseError()
    await conn.execute(
        "UPDATE queue_counter_session SET closed_at = $3 WHERE closed_at IS NULL AND (counter = $1 OR officer = $2)",
        counter["id"],
        officer.id,
        now,
    )
    try:
        async with conn.transaction():
            await conn.execute(
                """INSERT INTO queue_counter_session (id, counter, officer, region, opened_at)
                   VALUES ($1, $2, $3, $4, $5)""",
                uuid.uuid4(),
                counter["id"],
                officer.id,
                officer.region,
                now,
            )
    except asyncpg.UniqueViolationError:
        raise CounterInUseError() from None  # another officer opened it at the same instant


def serves(counter: asyncpg.Record, ticket_service: uuid.UUID | None, target: uuid.UUID | None) -> bool:
    if target is not None and target != counter["id"]:
        return False
    return ticket_service is None or counter["services"] is None or ticket_service in counter["services"]


async def list_counters(conn: asyncpg.Connection, *, officer: Officer, now: dt.datetime, lang: Lang) -> CounterList:
    """The agency's live counters: open or not (and whether by me), the ticket at each, how many each may call."""
    counters = await queries.fetch_counters(conn, region=officer.region, agency_code=officer.agency_code)
    return CounterList(
        items=[await _counter_state(conn, officer, c, counters_waiting=None, now=now, lang=lang) for c in counters],
        total=len(counters),
    )


async def _counter_state(
    conn: asyncpg.Connection,
    officer: Officer,
    counter: asyncpg.Record,
    *,
    counters_waiting: list[asyncpg.Record] | None,
    now: dt.datetime,
    lang: Lang,
) -> CounterState:
    today = rules.local_today(officer.region, now)
    session = await conn.fetchrow(
        "SELECT officer, opened_at FROM queue_counter_session WHERE counter = $1 AND closed_at IS NULL", counter["id"]
    )
    waiting = counters_waiting
    if waiting is None:
        waiting = await conn.fetch(
            "SELECT service, target_counter FROM queue_ticket WHERE agency = $1 AND day = $2 AND status = 'waiting'",
            counter["agency"],
            today,
        )
    current = await conn.fetchrow(
        queries.TICKET_SELECT + " WHERE t.counter = $1 AND t.day = $2 AND t.status IN ('called', 'serving')"
        " ORDER BY t.called_at DESC LIMIT 1",
        counter["id"],
        today,
    )
    return CounterState(
        number=counter["number"],
        open=session is not None,
        mine=session is not None and session["officer"] == officer.id,
        waiting=sum(1 for w in waiting if serves(counter, w["service"], w["target_counter"])),
        opened_at=rules.local(officer.region, session["opened_at"]) if session else None,
        current=officer_ticket(current, now, lang) if current else None,
    )


async def open_counter(
    conn: asyncpg.Connection, *, officer: Officer, number: str, now: dt.datetime, lang: Lang
) -> CounterState:
    async with conn.transaction():
        counter = await _counter(conn, officer, number)
        await _take_counter(conn, officer, counter, take_over=True, now=now)
    return await _counter_state(conn, officer, counter, counters_waiting=None, now=now, lang=lang)


async def close_counter(
    conn: asyncpg.Connection, *, officer: Officer, number: str, now: dt.datetime, lang: Lang
) -> CounterState:
    """Close the counter (anyone's session there: the officer leaving, or a colleague closing for them)."""
    async with conn.transaction():
        counter = await _counter(conn, officer, number)
        busy = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM queue_ticket WHERE counter = $1 AND day = $2 AND status IN ('called', "
            "'serving'))",
            counter["id"],
            rules.local_today(officer.region, now),
        )
        if busy:
            raise TicketOpenError()
        await conn.execute(
            "UPDATE queue_counter_session SET closed_at = $2 WHERE counter = $1 AND closed_at IS NULL",
            counter["id"],
            now,
        )
    return await _counter_state(conn, officer, counter, counters_waiting=None, now=now, lang=lang)


# --- tickets as officers see them ------------------------------------------------------------------------------


def officer_ticket(row: asyncpg.Record, now: dt.datetime, lang: Lang) -> OfficerTicket:
    region = row["region"]

    def at(name: str) -> dt.datetime | None:
        return rules.local(region, row[name]) if row[name] else None

    waited_until = row["first_called_at"] or (now if row["status"] == "waiting" else None)
    return OfficerTicket(
        id=row["id"],
        number=row["number"],
        status=row["status"],
        kind=row["kind"],
        agency=Ref(code=row["agency_code"], name=pick(lang, row["agency_name_id"], row["agency_name_en"])),
        calls=row["calls"],
        no_show_allowed=row["status"] == "called" and row["calls"] >= rules.NO_SHOW_AFTER_CALLS,
        transferred=row["priority"] == rules.TRANSFERRED,
        issued_at=rules.local(region, row["issued_at"]),
        service=ServiceRef(id=row["service"], name=pick(lang, row["service_name_id"], row["service_name_en"]))
        if row["service"]
        else None,
        counter=row["counter_number"],
        called_at=at("called_at"),
        serving_at=at("serving_at"),
        done_at=at("done_at"),
        waited_minutes=int((waited_until - row["issued_at"]).total_seconds() // 60) if waited_until else None,
        application_id=row["application"],
        booking=OfficerBooking(id=row["booking"], start=rules.local(region, row["booking_start"]))
        if row["booking"]
        else None,
    )


async def _ticket(conn: asyncpg.Connection, officer: Officer, ticket_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        queries.TICKET_SELECT + " WHERE t.id = $1 AND a.code = $2 AND t.region = $3",
        ticket_id,
        officer.agency_code,
        officer.region,
    )
    if row is None:
        raise QueueNotFoundError("ticket")
    return row


async def get_ticket(
    conn: asyncpg.Connection, *, officer: Officer, ticket_id: uuid.UUID, now: dt.datetime, lang: Lang
) -> OfficerTicket:
    return officer_ticket(await _ticket(conn, officer, ticket_id), now, lang)


async def list_tickets(
    conn: asyncpg.Connection, *, officer: Officer, status: str | None, now: dt.datetime, lang: Lang
) -> OfficerTicketList:
    """Today's tickets of my agency: the waiting ones in line order, the others newest first."""
    agency = await _agency(conn, officer)
    today = rules.local_today(officer.region, now)
    order = rules.line_key("t", "$4::timestamptz") if status == "waiting" else "t.issued_at DESC"
    rows = await conn.fetch(
        queries.TICKET_SELECT + f" WHERE t.agency = $1 AND t.day = $2 AND ($3::text IS NULL OR t.status = $3)"
        f" AND $4::timestamptz IS NOT NULL ORDER BY {order} LIMIT 500",
        agency["id"],
        today,
        status,
        now,
    )
    return OfficerTicketList(items=[officer_ticket(r, now, lang) for r in rows], total=len(rows))


# --- acting on tickets ---------------------------------------------------------------------------------------------


async def _event(
    conn: asyncpg.Connection,
    ticket: asyncpg.Record,
    action: str,
    officer: Officer,
    *,
    counter: uuid.UUID | None,
    now: dt.datetime,
    detail: dict[str, Any] | None = None,
    ip: str = "",
) -> None:
    """The ticket's history row, and an audit event when the ticket carries a person."""
    if action == "done":
        # Whether it served an application, as it was then: the figures count counter transactions from the record
        # (api/stats), and erasing the citizen later unlinks the ticket's application.
        detail = {**(detail or {}), "withApplication": ticket["application"] is not None}
    elif action == "transferred":
        # The unit it leaves, where the figures count its issue (api/stats): the ticket row keeps only the new one.
        left = {"fromAgency": str(ticket["agency"]), "fromService": ticket["service"] and str(ticket["service"])}
        detail = {**(detail or {}), **left}
    await conn.execute(
        """INSERT INTO queue_ticket_event (ticket, action, actor, counter, detail, at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6)""",
        ticket["id"],
        action,
        officer.id,
        counter,
        json.dumps(detail or {}),
        now,
    )
    if ticket["account"] is not None or ticket["phone"] is not None:
        await record(
            conn,
            action=f"queue.ticket.{action}",
            actor=officer.id,
            subject=ticket["account"],
            detail={"ticket": str(ticket["id"]), "number": ticket["number"], **(detail or {})},
            ip=ip,
        )


async def call_next(
    conn: asyncpg.Connection, *, officer: Officer, number: str, now: dt.datetime, lang: Lang, ip: str = ""
) -> OfficerTicket | None:
    """Call the next ticket to the counter (None: nobody waits for it)."""
    today = rules.local_today(officer.region, now)
    async with conn.transaction():
        counter = await queries.fetch_my_open_counter(
            conn, officer=officer.id, region=officer.region, agency_code=officer.agency_code, number=number
        )
        if counter is None:  # not open by this officer yet: open it (409 when a colleague has it)
            counter = await _counter(conn, officer, number)
            await _take_counter(conn, officer, counter, take_over=False, now=now)
        current = await conn.fetch(
            "SELECT * FROM queue_ticket WHERE counter = $1 AND day = $2 AND status IN ('called', 'serving') FOR UPDATE",
            counter["id"],
            today,
        )
        finished = []
        for ticket in current:
            if ticket["status"] == "called":
                raise TicketOpenError()
            await conn.execute("UPDATE queue_ticket SET status = 'done', done_at = $2 WHERE id = $1", ticket["id"], now)
            await _event(conn, ticket, "done", officer, counter=counter["id"], now=now, ip=ip)
            finished.append(ticket)
        args = (counter["agency"], today, counter["id"], counter["services"], now, officer.id, counter["number"])
        called = await conn.fetchrow(queries.CALL_NEXT, *args, queries.CALL_CANDIDATES)
        if called is None:
            called = await conn.fetchrow(queries.CALL_NEXT_ALL, *args, queries.CALL_CANDIDATES)
        if called is not None:
            if called["account"] is not None or called["phone"] is not None:
                await record(
                    conn,
                    action="queue.ticket.called",
                    actor=officer.id,
                    subject=called["account"],
                    detail={"ticket": str(called["id"]), "number": called["number"], "counter": counter["number"]},
                    ip=ip,
                )
            await heads_up(conn, agency=counter["agency"], day=today, now=now)
        # Last before the commit: the invitation adds the ticket to its unit's running sums, a row that every
        # counter of the agency updates, so its lock is held from here to the commit only (bench/RESULTS.md).
        for ticket in finished:
            await feedback.invite_for_ticket(conn, ticket, officer=officer.id, now=now)
    if called is None:
        return None
    await queries.announce_board(conn, called["region"])
    metrics.QUEUE_WAIT.observe((now - called["issued_at"]).total_seconds())
    return officer_ticket(called, now, lang)


async def _at_my_counter(conn: asyncpg.Connection, officer: Officer, ticket: asyncpg.Record) -> None:
    mine = await conn.fetchval(
        "SELECT counter FROM queue_counter_session WHERE officer = $1 AND closed_at IS NULL", officer.id
    )
    if mine is None or mine != ticket["counter"]:
        raise NotAtCounterError()


async def _locked(conn: asyncpg.Connection, officer: Officer, ticket_id: uuid.UUID) -> asyncpg.Record:
    scoped = await _ticket(conn, officer, ticket_id)
    row: asyncpg.Record = await conn.fetchrow("SELECT * FROM queue_ticket WHERE id = $1 FOR UPDATE", scoped["id"])
    return row


async def recall(
    conn: asyncpg.Connection, *, officer: Officer, ticket_id: uuid.UUID, now: dt.datetime, lang: Lang, ip: str = ""
) -> OfficerTicket:
    """Call a called ticket again (a new call on the board)."""
    async with conn.transaction():
        ticket = await _locked(conn, officer, ticket_id)
        if ticket["status"] != "called":
            raise IllegalTicketStateError(f"Only a called ticket can be recalled; this one is {ticket['status']}.")
        await _at_my_counter(conn, officer, ticket)
        number = await conn.fetchval("SELECT number FROM catalogue_counter WHERE id = $1", ticket["counter"])
        await conn.execute(
            "UPDATE queue_ticket SET calls = calls + 1, called_at = $2, officer = $3 WHERE id = $1",
            ticket_id,
            now,
            officer.id,
        )
        await conn.execute(
            """INSERT INTO queue_call (ticket, region, counter, counter_number, number, officer, kind, at)
               VALUES ($1, $2, $3, $4, $5, $6, 'recall', $7)""",
            ticket_id,
            ticket["region"],
            ticket["counter"],
            number,
            ticket["number"],
            officer.id,
            now,
        )
        if ticket["account"] is not None or ticket["phone"] is not None:
            await record(
                conn,
                action="queue.ticket.recalled",
                actor=officer.id,
                subject=ticket["account"],
                detail={"ticket": str(ticket_id), "number": ticket["number"], "calls": ticket["calls"] + 1},
                ip=ip,
            )
    await queries.announce_board(conn, ticket["region"])
    return await get_ticket(conn, officer=officer, ticket_id=ticket_id, now=now, lang=lang)


async def serve(
    conn: asyncpg.Connection, *, officer: Officer, ticket_id: uuid.UUID, now: dt.datetime, lang: Lang, ip: str = ""
) -> OfficerTicket:
    """The citizen came to the counter."""
    async with conn.transaction():
        ticket = await _locked(conn, officer, ticket_id)
        if ticket["status"] != "called":
            raise IllegalTicketStateError(f"Only a called ticket can be served; this one is {ticket['status']}.")
        await _at_my_counter(conn, officer, ticket)
        await conn.execute("UPDATE queue_ticket SET status = 'serving', serving_at = $2 WHERE id = $1", ticket_id, now)
        await _event(conn, ticket, "serving", officer, counter=ticket["counter"], now=now, ip=ip)
    return await get_ticket(conn, officer=officer, ticket_id=ticket_id, now=now, lang=lang)


async def done(
    conn: asyncpg.Connection, *, officer: Officer, ticket_id: uuid.UUID, now: dt.datetime, lang: Lang, ip: str = ""
) -> OfficerTicket:
    """The citizen was served."""
    async with conn.transaction():
        ticket = await _locked(conn, officer, ticket_id)
        if ticket["status"] not in ("called", "serving"):
            raise IllegalTicketStateError(
                f"Only a called or served ticket can be finished; this one is {ticket['status']}."
            )
        await _at_my_counter(conn, officer, ticket)
        await conn.execute("UPDATE queue_ticket SET status = 'done', done_at = $2 WHERE id = $1", ticket_id, now)
        await _event(conn, ticket, "done", officer, counter=ticket["counter"], now=now, ip=ip)
        await feedback.invite_for_ticket(conn, ticket, officer=officer.id, now=now)
    return await get_ticket(conn, officer=officer, ticket_id=ticket_id, now=now, lang=lang)


async def no_show(
    conn: asyncpg.Connection, *, officer: Officer, ticket_id: uuid.UUID, now: dt.datetime, lang: Lang, ip: str = ""
) -> OfficerTicket:
    """The citizen did not come after ``rules.NO_SHOW_AFTER_CALLS`` calls; a booking's no-show counts toward its
    NIK's suspension."""
    async with conn.transaction():
        ticket = await _locked(conn, officer, ticket_id)
        if ticket["status"] != "called":
            raise IllegalTicketStateError(f"Only a called ticket can be a no-show; this one is {ticket['status']}.")
        await _at_my_counter(conn, officer, ticket)
        if ticket["calls"] < rules.NO_SHOW_AFTER_CALLS:
            raise TooFewCallsError(
                f"Call the ticket {rules.NO_SHOW_AFTER_CALLS} times before marking a no-show "
                f"(called {ticket['calls']} so far)."
            )
        await conn.execute("UPDATE queue_ticket SET status = 'no_show', done_at = $2 WHERE id = $1", ticket_id, now)
        if ticket["booking"] is not None:
            await conn.execute(
                "UPDATE queue_booking SET status = 'no_show', no_show_at = $2 WHERE id = $1", ticket["booking"], now
            )
        await _event(conn, ticket, "no_show", officer, counter=ticket["counter"], now=now, ip=ip)
    return await get_ticket(conn, officer=officer, ticket_id=ticket_id, now=now, lang=lang)


async def transfer(
    conn: asyncpg.Connection,
    *,
    officer: Officer,
    ticket_id: uuid.UUID,
    data: Transfer,
    now: dt.datetime,
    lang: Lang,
    ip: str = "",
) -> OfficerTicket:
    """Send a ticket to another counter or agency: back to waiting, at the front of the target's line (in transfer
    order), keeping its number. A counter target: only that counter calls it."""
    if (data.counter is None) == (data.agency is None):
        raise InvalidTransferError([FieldError(field="counter", message="give a counter or an agency")])
    async with conn.transaction():
        ticket = await _locked(conn, officer, ticket_id)
        if ticket["status"] not in ("waiting", "called", "serving"):
            raise IllegalTicketStateError(f"A {ticket['status']} ticket cannot be transferred.")
        if ticket["status"] != "waiting":
            await _at_my_counter(conn, officer, ticket)
        target_counter = None
        if data.counter is not None:
            found = await queries.fetch_counters(conn, region=officer.region, number=data.counter)
            if not found:
                raise InvalidTransferError([FieldError(field="counter", message="is not a counter of this MPP")])
            target_counter = found[0]["id"]
            agency = await queries.fetch_agency_by_id(conn, found[0]["agency"])
        else:
            assert data.agency is not None
            agency = await queries.fetch_agency(conn, region=officer.region, code=data.agency)
            if agency is None:
                raise InvalidTransferError([FieldError(field="agency", message="is not an agency of this MPP")])
        service = ticket["service"] if agency["id"] == ticket["agency"] else None
        if data.service is not None:
            if await queries.fetch_service_agency(conn, data.service) != agency["id"]:
                raise InvalidTransferError([FieldError(field="service", message="is not a service of that agency")])
            service = data.service
        await conn.execute(
            """UPDATE queue_ticket SET status = 'waiting', priority = $2, due_at = $3, agency = $4, service = $5,
                                       target_counter = $6, calls = 0, heads_up_at = $3
               WHERE id = $1""",
            ticket_id,
            rules.TRANSFERRED,
            now,
            agency["id"],
            service,
            target_counter,
        )
        detail = {
            "from": officer.agency_code,
            "to": agency["code"],
            **({"counter": data.counter} if data.counter else {}),
        }
        await _event(conn, ticket, "transferred", officer, counter=ticket["counter"], now=now, detail=detail, ip=ip)
        today = rules.local_today(officer.region, now)
        await heads_up(conn, agency=ticket["agency"], day=today, now=now)
    await queries.announce_board(conn, ticket["region"])
    row = await conn.fetchrow(queries.TICKET_SELECT + " WHERE t.id = $1", ticket_id)
    return officer_ticket(row, now, lang)
