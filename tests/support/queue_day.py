"""A day of the queue driven through its service functions with a controlled clock (``now``), in ``OPEN_REGION``
(open around the clock, ``tests.support.queue``): the building's wall-clock times of a day, walk-in tickets and
check-ins as a kiosk issues them, and an officer of an agency at a counter. For the figures' tests, which need a
day of tickets no other test touches (a day far enough ahead) and waits worked out by hand."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from api.calendar.service import working_calendar
from api.lib.staff import Officer
from api.queue import rules
from api.queue import service as queue
from api.queue.schemas import TicketCreate
from tests.support.auth import staff
from tests.support.queue import OPEN_REGION

KIOSK = uuid.UUID(int=1818)


def open_day_ahead(days: int) -> dt.date:
    """The first weekday, ``days`` or more after the building's today, that is not a day off in the region."""
    day = rules.local_today(OPEN_REGION, dt.datetime.now(dt.UTC)) + dt.timedelta(days=days)
    while working_calendar(OPEN_REGION).holiday(day) is not None or day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, clock: str) -> dt.datetime:
    """``clock`` (HH:MM) on ``day`` on the building's wall clocks."""
    hour, minute = (int(x) for x in clock.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), rules.time_zone(OPEN_REGION))


async def ticket(db: asyncpg.Connection, now: dt.datetime, **request: Any) -> Any:
    """A ticket issued at the kiosk at ``now``: ``service_id=`` (a walk-in) or ``check_in_code=`` (a booking)."""
    made, _ = await queue.issue(
        db,
        kiosk=KIOSK,
        region=OPEN_REGION,
        data=TicketCreate(**request),
        idempotency_key=None,
        site="http://localhost:8000",
        now=now,
        lang="id",
    )
    return made


class Desk:
    """An officer of ``agency`` sitting at the agency's first counter, calling and finishing tickets on ``day``."""

    def __init__(self, db: asyncpg.Connection, officer: Officer, counter: str, day: dt.date) -> None:
        self.db, self.officer, self.counter, self.day = db, officer, counter, day

    @classmethod
    async def open(cls, db: asyncpg.Connection, agency: str, day: dt.date, clock: str) -> Desk:
        phone = await staff(db, "officer", agency=agency, region=OPEN_REGION)
        account = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", phone)
        officer = Officer(id=account, agency_code=agency, region=OPEN_REGION)
        counters = await queue.list_counters(db, officer=officer, now=at(day, clock), lang="id")
        number = counters.items[0].number
        await queue.open_counter(db, officer=officer, number=number, now=at(day, clock), lang="id")
        return cls(db, officer, number, day)

    async def call(self, clock: str) -> Any:
        called = await queue.call_next(
            self.db, officer=self.officer, number=self.counter, now=at(self.day, clock), lang="id"
        )
        assert called is not None, f"nobody to call at {clock}"
        return called

    async def recall(self, ticket_id: uuid.UUID, clock: str) -> None:
        await queue.recall(self.db, officer=self.officer, ticket_id=ticket_id, now=at(self.day, clock), lang="id")

    async def done(self, ticket_id: uuid.UUID, clock: str) -> None:
        await queue.done(self.db, officer=self.officer, ticket_id=ticket_id, now=at(self.day, clock), lang="id")

    async def no_show(self, ticket_id: uuid.UUID, clock: str) -> None:
        await queue.no_show(self.db, officer=self.officer, ticket_id=ticket_id, now=at(self.day, clock), lang="id")
