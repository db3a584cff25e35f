"""Figures equal to the values worked out by hand (issue 18): a building's day of queue tickets — walk-ins and a
booked check-in, served, one a no-show, one still waiting — gives exactly the tickets issued, served and missed, the
median and 90th percentile of the waits and the share called within the estimate the kiosk showed; and ``overdueNow``
counts an open application past its due date in its service, agency and region, but not one that was decided, sent
back for correction (its clock is paused) or completed.

The queue's day is driven through the service functions with a controlled clock (``now``), on a day far enough ahead
that no other test issues a ticket in the region then (the queue's own tests use days 1–60 ahead, 120 for closures).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from litestar import Litestar

from api.catalogue.timezones import local_today
from api.queue import service as queue
from api.queue.schemas import BookingCreate
from tests.support.auth import account_id, bearer
from tests.support.factories import (
    create_application,
    create_citizen,
    create_officer,
    create_region_admin,
    create_supervisor,
)
from tests.support.feedback import decide
from tests.support.identity import random_nik
from tests.support.open_data import new_service
from tests.support.queue import OPEN_REGION, open_all_day, queued_service
from tests.support.queue_day import Desk, at, open_day_ahead, ticket
from tests.support.stats import caught_up

AGENCY = "SAMSAT"
DAYS_AHEAD = 77  # see the module's docstring


async def figures(client: httpx.AsyncClient, token: str, scope: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/stats/figures",
        params={"scope": scope, "from": start.isoformat(), "to": end.isoformat()},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    total: dict[str, Any] = response.json()["total"]
    return total


@pytest_asyncio.fixture(loop_scope="session")
async def admin(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> str:
    return await open_all_day(client, db, app, OPEN_REGION)


async def test_a_buildings_queue_figures_for_a_day_are_the_ones_worked_out_by_hand(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    service = (await queued_service(client, admin, agency=AGENCY, onlineQuota=470, walkInQuota=500))["service"]
    sid = uuid.UUID(service["id"])
    day = open_day_ahead(DAYS_AHEAD)
    # Nothing counted in the region that day before this test (the day is this test's own).
    assert (await figures(client, admin, f"region:{OPEN_REGION}", day, day))["ticketsIssued"] == 0
    citizen = account_id(await create_citizen(client, nik=random_nik()))
    booking, created = await queue.book(
        db,
        account=citizen,
        data=BookingCreate(service_id=sid, start=at(day, "10:00")),
        idempotency_key=f"exact-{uuid.uuid4()}",
        now=at(day - dt.timedelta(days=1), "12:00"),
        lang="id",
    )
    assert created
    desk = await Desk.open(db, AGENCY, day, "08:55")
    a = await ticket(db, at(day, "09:00"), service_id=sid)
    b = await ticket(db, at(day, "09:02"), service_id=sid)
    assert (await desk.call("09:10")).id == a.id  # A waited 10 minutes
    await desk.done(a.id, "09:20")
    assert (await desk.call("09:21")).id == b.id  # B never comes: three calls, then a no-show
    for clock in ("09:23", "09:25"):
        await desk.recall(b.id, clock)
    await desk.no_show(b.id, "09:27")
    c = await ticket(db, at(day, "09:50"), check_in_code=booking.check_in_code)  # booked for 10:00, on time
    assert c.kind == "booked"
    assert (await desk.call("10:05")).id == c.id  # C's wait starts at its booked time: 5 minutes
    await desk.done(c.id, "10:15")
    e = await ticket(db, at(day, "10:20"), service_id=sid)
    await ticket(db, at(day, "10:25"), service_id=sid)  # D: still waiting at the end of the day
    assert (await desk.call("10:50")).id == e.id  # E waited 30 minutes
    await desk.done(e.id, "10:55")
    await caught_up(db)

    waits = {a.id: 10, c.id: 5, e.id: 30}
    within = sum(t.estimate.low <= waits[t.id] <= t.estimate.high for t in (a, c, e))
    expected = {
        "ticketsIssued": 5,
        "ticketsServed": 3,
        "noShows": 1,
        "waitMinutesMedian": 10,  # of 5, 10, 30: the smallest wait reached by half of them
        "waitMinutesP90": 30,  # … and by nine in ten (three of three)
        "estimateAccuracy": within / 3,
        "applicationsReceived": 0,
        "digitalTakeUp": 0.0,  # three counter transactions without an application, no online one
    }
    mpp = await db.fetchval("SELECT id::text FROM catalogue_mpp WHERE region = $1", OPEN_REGION)
    agency = await db.fetchval("SELECT agency::text FROM catalogue_service WHERE id = $1", sid)
    for scope in (f"region:{OPEN_REGION}", f"mpp:{mpp}", f"agency:{agency}", f"service:{sid}"):
        total = await figures(client, admin, scope, day, day)
        assert {k: total[k] for k in expected} == expected, scope
    # The day before and the day after have none of it.
    for other in (day - dt.timedelta(days=1), day + dt.timedelta(days=1)):
        assert (await figures(client, admin, f"region:{OPEN_REGION}", other, other))["ticketsIssued"] == 0


# --- overdueNow ----------------------------------------------------------------------------------------------------


async def _act(client: httpx.AsyncClient, officer: str, application: dict[str, Any], action: str) -> None:
    body: dict[str, Any] = {"action": action}
    if action == "request_correction":
        body["reason"] = "Foto dokumen kurang jelas"
    response = await client.post(
        f"/api/v1/officer/applications/{application['id']}/decision", json=body, headers=bearer(officer)
    )
    assert response.status_code == 200, response.text


async def test_overdue_now_counts_an_open_application_past_its_due_date_in_its_service_agency_and_region(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    region = "3302"
    service = await new_service(client, db, app)  # a service of Banyumas's DISDUKCAPIL no other test knows
    agency = await db.fetchval("SELECT agency::text FROM catalogue_service WHERE id = $1::uuid", service["id"])
    officer = await create_officer(db, app)
    supervisor = await create_supervisor(db, app, agency="DISDUKCAPIL", region=region)
    region_admin = await create_region_admin(db, app, region=region)
    today = local_today(region)
    scopes = {
        "service": (supervisor, f"service:{service['id']}"),
        "agency": (supervisor, f"agency:{agency}"),
        "region": (region_admin, f"region:{region}"),
    }

    async def overdue() -> dict[str, int]:
        found = {}
        for name, (token, scope) in scopes.items():
            found[name] = (await figures(client, token, scope, today, today))["overdueNow"]
        return found

    made = [await create_application(client, await create_citizen(client, nik=random_nik()), service) for _ in range(4)]
    before = await overdue()
    assert before["service"] == 0  # due in the service standard's working days, not yet
    # Every one of them due yesterday (in the region's own day): all four are overdue, in each unit.
    await db.execute(
        "UPDATE applications_application SET due_date = $2 WHERE id = ANY($1::uuid[])",
        [m["id"] for m in made],
        today - dt.timedelta(days=1),
    )
    moved = await overdue()
    assert moved == {k: v + 4 for k, v in before.items()}
    # One stays open; one is rejected, one sent back for correction (its clock is paused), one completed.
    _open, rejected, corrected, completed = made
    for application, actions in (
        (rejected, ("start_review", "reject")),
        (corrected, ("start_review", "request_correction")),
        (completed, ("start_review", "approve")),
    ):
        for action in actions:
            if action == "reject":
                await decide(client, officer, application, "reject")
            else:
                await _act(client, officer, application, action)
    await decide(client, officer, completed, "complete")
    assert await overdue() == {k: v + 1 for k, v in before.items()}
    # The agency's breakdown names the service with its one; a figure of the present, it has no past periods.
    response = await client.get(
        "/api/v1/stats/figures",
        params={
            "scope": f"agency:{agency}",
            "from": (today - dt.timedelta(days=2)).isoformat(),
            "to": today.isoformat(),
        },
        headers=bearer(supervisor),
    )
    body = response.json()
    mine = next(b for b in body["breakdown"] if b["unit"]["code"] == service["id"])
    assert mine["figures"]["overdueNow"] == 1
    assert all(p["figures"]["overdueNow"] is None for p in body["periods"])
    await caught_up(db)  # the decisions, judged against the due date in force when they were made (verify agrees)
