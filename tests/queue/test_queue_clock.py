"""The hour-dependent rules of the queue, through the service functions with a controlled clock (``now``): the
walk-in quota and hours, on-time and late check-ins and the line's order, the seat held after a cancellation,
no-shows and the suspension they bring, the heads-up messages and the morning job. Nothing sleeps.

Each test uses its own services (agencies) and days at least three weeks ahead of the real date, so that the API
tests (which book the next two weeks) and these never share a slot.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from api.calendar.service import working_calendar
from api.lib.staff import Officer
from api.queue import jobs, personal_data, rules
from api.queue import service as queue
from api.queue.errors import (
    AlreadyBookedError,
    BookingNotTodayError,
    BookingSuspendedError,
    QueueClosedError,
    SlotFullError,
    TooEarlyError,
    WalkInFullError,
)
from api.queue.schemas import BookingCreate, TicketCreate
from tests.support.auth import account_id, bearer, staff
from tests.support.factories import create_citizen
from tests.support.identity import random_nik
from tests.support.queue import OPEN_REGION, open_all_day, queued_service

KIOSK = uuid.UUID(int=7)


@pytest_asyncio.fixture(loop_scope="session")
async def admin(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> str:
    return await open_all_day(client, db, app, OPEN_REGION)


def open_day(day: dt.date, region: str = OPEN_REGION) -> dt.date:
    """``day``, or the first weekday after it that is not a day off."""
    while working_calendar(region).holiday(day) is not None or day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def working_day(offset: int, region: str = OPEN_REGION) -> dt.date:
    """The first open weekday from ``offset`` days after the building's today."""
    return open_day(rules.local_today(region, dt.datetime.now(dt.UTC)) + dt.timedelta(days=offset), region)


def at(day: dt.date, clock: str, region: str = OPEN_REGION) -> dt.datetime:
    hour, minute = (int(x) for x in clock.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), rules.time_zone(region))


async def person(client: httpx.AsyncClient) -> uuid.UUID:
    return account_id(await create_citizen(client, nik=random_nik()))


async def officer(db: asyncpg.Connection, agency: str, region: str = OPEN_REGION) -> Officer:
    phone = await staff(db, "officer", agency=agency, region=region)
    account = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", phone)
    return Officer(id=account, agency_code=agency, region=region)


async def booking(
    db: asyncpg.Connection, account: uuid.UUID, service: str, start: dt.datetime, now: dt.datetime
) -> Any:
    made, created = await queue.book(
        db,
        account=account,
        data=BookingCreate(service_id=uuid.UUID(service), start=start),
        idempotency_key=f"clock-{uuid.uuid4()}",
        now=now,
        lang="id",
    )
    assert created
    return made


async def ticket(db: asyncpg.Connection, now: dt.datetime, region: str = OPEN_REGION, **request: Any) -> Any:
    made, _ = await queue.issue(
        db,
        kiosk=KIOSK,
        region=region,
        data=TicketCreate(**request),
        idempotency_key=None,
        site="http://localhost:8000",
        now=now,
        lang="id",
    )
    return made


async def test_the_walk_in_quota_is_per_service_and_day(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = uuid.UUID((await queued_service(client, admin, agency="DINKES", walkInQuota=2))["service"]["id"])
    day = working_day(21)
    for minute in ("09:00", "09:01"):
        await ticket(db, at(day, minute), service_id=service)
    with pytest.raises(WalkInFullError):
        await ticket(db, at(day, "09:02"), service_id=service)
    next_day = open_day(day + dt.timedelta(days=1))
    assert (await ticket(db, at(next_day, "09:00"), service_id=service)).number.endswith("-001")


async def test_tomorrows_first_slot_checks_in_late_tonight_into_its_own_days_queue(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    """Where an MPP opens round the clock, a booking for 00:00 is within its hour before the start at 23:30 the
    day before: the kiosk checks it in to that booking's own day, not "another day"."""
    service = (await queued_service(client, admin, agency="DISDIK", onlineQuota=470, walkInQuota=500))["service"]
    day = working_day(45)
    while open_day(day + dt.timedelta(days=1)) != day + dt.timedelta(days=1):
        day = open_day(day + dt.timedelta(days=1))
    tomorrow = day + dt.timedelta(days=1)
    midnight = await booking(db, await person(client), service["id"], at(tomorrow, "00:00"), at(day, "20:00"))
    later = await booking(db, await person(client), service["id"], at(tomorrow, "09:00"), at(day, "20:00"))
    with pytest.raises(TooEarlyError):
        await ticket(db, at(day, "22:59"), check_in_code=midnight.check_in_code)
    with pytest.raises(BookingNotTodayError):
        await ticket(db, at(day, "23:30"), check_in_code=later.check_in_code)
    checked_in = await ticket(db, at(day, "23:30"), check_in_code=midnight.check_in_code)
    assert checked_in.kind == "booked" and checked_in.booking.on_time is True
    stored = await db.fetchrow("SELECT day, status FROM queue_ticket WHERE booking = $1", midnight.id)
    assert stored["day"] == tomorrow and stored["status"] == "waiting"


async def test_walk_in_tickets_are_issued_from_an_hour_before_opening_until_closing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    # Banyumas keeps its real hours: Monday to Thursday 08:00-15:00.
    services = (await client.get("/api/v1/regions/3302/queue/services")).json()["items"]
    service = uuid.UUID(next(s for s in services if s["agency"]["code"] == "DINKOPUKM")["id"])
    day = working_day(22, "3302")
    while day.weekday() == 4:
        day += dt.timedelta(days=1)
    with pytest.raises(QueueClosedError) as early:
        await ticket(db, at(day, "06:59", "3302"), "3302", service_id=service)
    assert "07:00" in early.value.detail and "15:00" in early.value.detail
    assert (await ticket(db, at(day, "07:00", "3302"), "3302", service_id=service)).status == "waiting"
    with pytest.raises(QueueClosedError):
        await ticket(db, at(day, "15:01", "3302"), "3302", service_id=service)
    sunday = day + dt.timedelta(days=6 - day.weekday())
    with pytest.raises(QueueClosedError):
        await ticket(db, at(sunday, "09:00", "3302"), "3302", service_id=service)


async def test_a_booked_check_in_goes_ahead_of_walk_ins_once_its_slot_starts_and_a_late_one_walks_in(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = (await queued_service(client, admin, agency="DINSOS", onlineQuota=470, walkInQuota=500))["service"]
    sid = service["id"]
    day = working_day(23)
    on_time = await booking(db, await person(client), sid, at(day, "10:00"), at(day, "07:00"))
    late = await booking(db, await person(client), sid, at(day, "10:30"), at(day, "07:00"))
    early = await booking(db, await person(client), sid, at(day, "14:00"), at(day, "07:00"))
    walker = await ticket(db, at(day, "09:40"), service_id=uuid.UUID(sid))
    checked_in = await ticket(db, at(day, "09:50"), check_in_code=on_time.check_in_code)
    assert checked_in.kind == "booked" and checked_in.booking.on_time
    with pytest.raises(TooEarlyError) as too_early:
        await ticket(db, at(day, "12:59"), check_in_code=early.check_in_code)
    # The kiosk is told when check-in opens, as a value of its own (the building's clock) and in Indonesian words.
    assert too_early.value.extensions == {"opensAt": at(day, "13:00").isoformat()}
    assert "pukul 13.00" in too_early.value.detail
    came_late = await ticket(db, at(day, "11:05"), booking_id=late.id)
    assert came_late.kind == "walk_in" and came_late.booking.on_time is False
    clerk = await officer(db, "DINSOS")
    counter = (await queue.list_counters(db, officer=clerk, now=at(day, "09:55"), lang="id")).items[0].number
    # 09:55: the booking's slot has not started — it waits as a walk-in arriving at 10:00, after the 09:40 walker.
    first = await queue.call_next(db, officer=clerk, number=counter, now=at(day, "09:55"), lang="id")
    assert first is not None and first.number == walker.number
    await queue.done(db, officer=clerk, ticket_id=first.id, now=at(day, "09:59"), lang="id")
    # 11:06: the booked ticket's slot has started: it comes before the late arrival (a walk-in from 11:05).
    second = await queue.call_next(db, officer=clerk, number=counter, now=at(day, "11:06"), lang="id")
    assert second is not None and second.number == checked_in.number
    await queue.done(db, officer=clerk, ticket_id=second.id, now=at(day, "11:10"), lang="id")
    third = await queue.call_next(db, officer=clerk, number=counter, now=at(day, "11:11"), lang="id")
    assert third is not None and third.number == came_late.number
    # Late arrivals are not counted in the walk-in quota, and are not no-shows.
    stored = await db.fetchrow("SELECT status FROM queue_booking WHERE id = $1", late.id)
    assert stored["status"] == "checked_in"


async def test_a_cancelled_seat_returns_to_the_pool_only_after_thirty_minutes(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = (await queued_service(client, admin, agency="DISDIK", onlineQuota=47))["service"]
    day = working_day(24)
    start, now = at(day, "11:00"), at(day - dt.timedelta(days=2), "12:00")
    first, second = await person(client), await person(client)
    made = await booking(db, first, service["id"], start, now)
    await queue.cancel(db, account=first, booking_id=made.id, now=now, lang="id")
    with pytest.raises(SlotFullError):
        await booking(db, second, service["id"], start, now + dt.timedelta(minutes=29))
    taken = await booking(db, second, service["id"], start, now + dt.timedelta(minutes=31))
    assert taken.status == "booked"


async def test_one_active_booking_per_nik_even_across_accounts(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = (await queued_service(client, admin, agency="DISNAKER", onlineQuota=470))["service"]
    day = working_day(25)
    now = at(day - dt.timedelta(days=1), "12:00")
    nik = random_nik()
    first = await create_citizen(client, nik=nik)
    await booking(db, account_id(first), service["id"], at(day, "09:00"), now)
    # The NIK moves to another account (the first one changes its own): the booking still counts for the NIK.
    moved = await client.patch("/api/v1/me", json={"nik": random_nik()}, headers=bearer(first))
    assert moved.status_code == 200, moved.text
    second = await create_citizen(client, nik=nik)
    with pytest.raises(AlreadyBookedError):
        await booking(db, account_id(second), service["id"], at(day, "13:00"), now)


async def test_three_no_shows_in_ninety_days_suspend_online_booking_for_thirty_days(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = (await queued_service(client, admin, agency="DPUPR", onlineQuota=470, walkInQuota=500))["service"]
    sid = service["id"]
    account = await person(client)
    days = [working_day(30), working_day(40), working_day(50)]
    # Two bookings missed altogether (the job marks them the next day)...
    for day in days[:2]:
        await booking(db, account, sid, at(day, "09:00"), at(day - dt.timedelta(days=1), "12:00"))
        assert (await jobs.tick(db, now=at(day + dt.timedelta(days=1), "00:30")))["no_shows"] >= 1
    # ...and a third checked in but not there when called three times: the officer's no-show counts too.
    third = await booking(db, account, sid, at(days[2], "09:00"), at(days[2] - dt.timedelta(days=1), "12:00"))
    issued = await ticket(db, at(days[2], "08:55"), check_in_code=third.check_in_code)
    clerk = await officer(db, "DPUPR")
    counter = (await queue.list_counters(db, officer=clerk, now=at(days[2], "09:00"), lang="id")).items[0].number
    called = await queue.call_next(db, officer=clerk, number=counter, now=at(days[2], "09:01"), lang="id")
    assert called is not None and called.number == issued.number
    for minute in ("09:03", "09:05"):
        await queue.recall(db, officer=clerk, ticket_id=called.id, now=at(days[2], minute), lang="id")
    missed = await queue.no_show(db, officer=clerk, ticket_id=called.id, now=at(days[2], "09:07"), lang="id")
    assert missed.status == "no_show"
    later = at(days[2] + dt.timedelta(days=1), "12:00")
    with pytest.raises(BookingSuspendedError) as suspended:
        await booking(db, account, sid, at(open_day(days[2] + dt.timedelta(days=3)), "09:00"), later)
    until = (at(days[2], "09:07") + rules.SUSPEND_FOR).date()
    assert suspended.value.detail.startswith(
        f"Pemesanan online ditangguhkan sampai {rules.date_id(until)} karena 3 kali tidak hadir dalam 90 hari."
    )
    assert suspended.value.extensions is not None and suspended.value.extensions["until"] == until.isoformat()
    assert suspended.value.extensions["rule"]["noShows"] == 3
    shown = await queue.suspension(db, account=account, now=later)
    assert shown is not None and shown.until == until and shown.no_shows == 3
    # Thirty days on, booking is open again.
    after = at(days[2] + dt.timedelta(days=31), "12:00")
    await booking(db, account, sid, at(open_day(days[2] + dt.timedelta(days=33)), "09:00"), after)


async def test_the_holders_of_tickets_three_places_from_the_front_are_told_once(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = uuid.UUID((await queued_service(client, admin, agency="BPN", walkInQuota=500))["service"]["id"])
    day = working_day(26)
    phones = [f"+62812{uuid.uuid4().int % 10**7:07d}" for _ in range(6)]
    issued = [await ticket(db, at(day, f"09:0{i}"), service_id=service, phone=phones[i]) for i in range(6)]
    clerk = await officer(db, "BPN")
    counter = (await queue.list_counters(db, officer=clerk, now=at(day, "09:10"), lang="id")).items[0].number

    async def told() -> list[dict[str, Any]]:
        rows = await db.fetch(
            "SELECT payload FROM outbox_message WHERE topic = 'queue.heads_up' AND subject = ANY($1::uuid[])",
            [t.id for t in issued],
        )
        return [json.loads(r["payload"]) for r in rows]

    # The first three were within three places when they took their ticket: nobody to warn.
    assert await told() == []
    first = await queue.call_next(db, officer=clerk, number=counter, now=at(day, "09:10"), lang="id")
    assert first is not None
    messages = await told()
    assert [(m["number"], m["ahead"], m["phone"]) for m in messages] == [(issued[3].number, 2, phones[3])]
    await queue.done(db, officer=clerk, ticket_id=first.id, now=at(day, "09:15"), lang="id")
    await queue.call_next(db, officer=clerk, number=counter, now=at(day, "09:16"), lang="id")
    assert sorted(m["number"] for m in await told()) == [issued[3].number, issued[4].number]


async def test_the_morning_job_reminds_once_and_marks_missed_bookings(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = (await queued_service(client, admin, agency="DLH", index=3, onlineQuota=470))["service"]
    day = working_day(27)
    account = await person(client)
    made = await booking(db, account, service["id"], at(day, "10:00"), at(day - dt.timedelta(days=3), "12:00"))

    async def reminders() -> int:
        count: int = await db.fetchval(
            "SELECT count(*) FROM outbox_message WHERE topic = 'queue.booking_today' AND subject = $1", made.id
        )
        return count

    await jobs.tick(db, now=at(day, "05:59"))
    assert await reminders() == 0
    await jobs.tick(db, now=at(day, "06:01"))
    await jobs.tick(db, now=at(day, "06:02"))
    assert await reminders() == 1
    await jobs.tick(db, now=at(day + dt.timedelta(days=1), "00:01"))
    stored = await db.fetchrow("SELECT status, no_show_at FROM queue_booking WHERE id = $1", made.id)
    assert stored["status"] == "no_show" and stored["no_show_at"] == at(day, "10:30")


async def test_the_stats_measure_how_often_the_estimate_was_right(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = uuid.UUID(
        (await queued_service(client, admin, agency="BPJS_KESEHATAN", walkInQuota=500, handlingMinutes=10))["service"][
            "id"
        ]
    )
    day = working_day(28)
    clerk = await officer(db, "BPJS_KESEHATAN")
    counter = (await queue.list_counters(db, officer=clerk, now=at(day, "08:00"), lang="id")).items[0].number
    await queue.open_counter(db, officer=clerk, number=counter, now=at(day, "08:00"), lang="id")
    issued = [await ticket(db, at(day, "08:00"), service_id=service) for _ in range(3)]
    # One counter open, 10 minutes each: the third ticket is told about 20 minutes (two ahead).
    assert issued[2].waiting_ahead == 2 and issued[2].estimate.low <= 20 <= issued[2].estimate.high
    minutes = ["08:01", "08:09", "09:30"]  # the third is called far later than its window said
    for clock in minutes:
        called = await queue.call_next(db, officer=clerk, number=counter, now=at(day, clock), lang="id")
        assert called is not None
        await queue.done(
            db, officer=clerk, ticket_id=called.id, now=at(day, clock) + dt.timedelta(minutes=1), lang="id"
        )
    stats = await queue.day_stats(
        db, officer=Officer(clerk.id, "BPJS_KESEHATAN", OPEN_REGION, True), day=day, lang="id"
    )
    assert stats.estimate.tickets == 3 and stats.estimate.inside == 2
    assert stats.estimate.accuracy == pytest.approx(2 / 3, abs=0.001)
    row = next(c for c in stats.counters if c.number == counter)
    assert row.served == 3 and row.avg_handling_minutes == 1.0


async def test_a_kiosk_phone_is_forgotten_after_its_day_and_erasure_leaves_no_nik(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = (await queued_service(client, admin, agency="DINKOPUKM", onlineQuota=47, walkInQuota=50))["service"]
    day = working_day(29)
    walker = await ticket(db, at(day, "09:00"), service_id=uuid.UUID(service["id"]), phone="081234567890")
    assert await db.fetchval("SELECT phone FROM queue_ticket WHERE id = $1", walker.id) == "+6281234567890"
    await jobs.tick(db, now=at(day + dt.timedelta(days=1), "00:05"))
    assert await db.fetchval("SELECT phone FROM queue_ticket WHERE id = $1", walker.id) is None
    account = await person(client)
    now = at(day - dt.timedelta(days=1), "12:00")
    made = await booking(db, account, service["id"], at(day, "11:00"), now)
    async with db.transaction():
        erased = await personal_data.erase(db, account=account, now=now)
    assert erased == {"bookingsCancelled": 1, "bookingsAnonymised": 1, "ticketsUnlinked": 0}
    stored = await db.fetchrow(
        "SELECT b.status, b.nik, s.taken FROM queue_booking b JOIN queue_slot s ON s.id = b.slot WHERE b.id = $1",
        made.id,
    )
    assert (stored["status"], stored["nik"], stored["taken"]) == ("cancelled", "0" * 16, 0)
