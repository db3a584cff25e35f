"""Erasing a citizen (UU 27/2022: ``DELETE /me``, then the erasure job) leaves every figure as it was, and ``mpp stats
verify`` still finds no difference on the days the citizen's records were counted.

The citizen leaves what the figures count in every source: applications (one rejected, one completed and rated in
the SKM survey, one left open), a complaint still open (the erasure withdraws it), and a queue ticket served at a
counter for one of their applications — the case erasure could move: it unlinks the ticket's application, and
"a counter transaction without an application" (``digitalTakeUp``) must still count it as served with one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from api.accounts.erasure import erase_due
from api.catalogue.timezones import local_today
from api.queue import service as queue
from api.queue.schemas import BookingCreate
from api.stats.verify import verify
from tests.support.applications import idempotency_key
from tests.support.auth import account_id, bearer
from tests.support.factories import create_application, create_citizen, create_officer
from tests.support.feedback import decide, scores
from tests.support.identity import random_nik
from tests.support.queue import OPEN_REGION, open_all_day, queued_service
from tests.support.queue_day import Desk, at, open_day_ahead, ticket
from tests.support.stats import caught_up

DAYS_AHEAD = 84  # a day of this module's own in the region's queue (tests/stats/test_figures_exact.py uses 77)


async def _queued_online_service(client: httpx.AsyncClient, admin: str) -> tuple[str, int, dict[str, Any]]:
    """A counter service of the region that citizens may also apply for online with JPEG documents, one that a
    booking can name an application of: (its agency's code, its index among the agency's, its detail)."""
    listed = await client.get("/api/v1/admin/queue/services", headers=bearer(admin))
    assert listed.status_code == 200, listed.text
    seen: dict[str, int] = {}
    for item in listed.json()["items"]:
        code = item["agency"]["code"]
        index = seen[code] = seen.get(code, -1) + 1
        detail = (await client.get(f"/api/v1/services/{item['service']['id']}")).json()
        if detail.get("channels") != "both":
            continue
        if any("jpeg" not in r["formats"] for r in detail["requirements"] if not r.get("optional")):
            continue
        return code, index, dict(detail)
    raise AssertionError(f"no counter service in {OPEN_REGION} that can be applied for online")


async def _figures(client: httpx.AsyncClient, token: str, scope: str, day: dt.date) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/stats/figures",
        params={"scope": scope, "from": day.isoformat(), "to": day.isoformat(), "grain": "day"},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    # overdueNow is a count of the present (not recomputed from events); the rest is the read model.
    return {"total": body["total"], "breakdown": body["breakdown"]}


async def test_erasing_a_citizen_changes_no_figure_and_verify_finds_no_difference(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await open_all_day(client, db, app, OPEN_REGION)
    agency_code, index, detail = await _queued_online_service(client, admin)
    service = (await queued_service(client, admin, agency=agency_code, index=index, onlineQuota=470, walkInQuota=500))[
        "service"
    ]
    assert service["id"] == detail["id"]
    officer = await create_officer(db, app, agency=agency_code, region=OPEN_REGION)
    citizen = await create_citizen(client, nik=random_nik())
    me = account_id(citizen)

    # Applications: one rejected, one completed and rated, one left open — and booked at the counter.
    rejected = await create_application(client, citizen, detail, status="in_review", officer=officer)
    await decide(client, officer, rejected, "reject")
    completed = await create_application(client, citizen, detail, status="approved", officer=officer)
    await decide(client, officer, completed, "complete")
    rated = await client.post(
        f"/api/v1/applications/{completed['id']}/survey", json={"scores": scores()}, headers=bearer(citizen)
    )
    assert rated.status_code == 201, rated.text
    waiting = await create_application(client, citizen, detail)
    complaint = await client.post(
        "/api/v1/complaints",
        json={"category": "simple", "text": "Loket tidak buka tepat waktu.", "serviceId": detail["id"]},
        headers={**bearer(citizen), **idempotency_key()},
    )
    assert complaint.status_code == 201, complaint.text

    # The queue: the open application's booking, checked in and served at a counter.
    day = open_day_ahead(DAYS_AHEAD)
    booking, created = await queue.book(
        db,
        account=me,
        data=BookingCreate(service_id=uuid.UUID(detail["id"]), start=at(day, "10:00"), application_id=waiting["id"]),
        idempotency_key=f"erasure-{uuid.uuid4()}",
        now=at(day - dt.timedelta(days=1), "12:00"),
        lang="id",
    )
    assert created
    desk = await Desk.open(db, agency_code, day, "09:00")
    served = await ticket(db, at(day, "09:55"), check_in_code=booking.check_in_code)
    assert (await desk.call("10:02")).id == served.id
    await desk.done(served.id, "10:12")
    assert await db.fetchval("SELECT application FROM queue_ticket WHERE id = $1", served.id) == uuid.UUID(
        waiting["id"]
    )
    await caught_up(db)

    today = local_today(OPEN_REGION)
    agency = await db.fetchval("SELECT agency::text FROM catalogue_service WHERE id = $1::uuid", detail["id"])
    shown = [
        (scope, on)
        for scope in (f"service:{detail['id']}", f"agency:{agency}", f"region:{OPEN_REGION}")
        for on in (today, day)
    ]
    before = {key: await _figures(client, admin, *key) for key in shown}
    assert before[(f"service:{detail['id']}", today)]["total"]["applicationsReceived"] >= 3
    served_there = before[(f"service:{detail['id']}", day)]["total"]
    assert (served_there["ticketsServed"], served_there["digitalTakeUp"]) == (1, None)  # served for an application
    for on in (today, day):
        assert await verify(db, start=on, end=on) == []

    requested = await client.delete("/api/v1/me", headers=bearer(citizen))
    assert requested.status_code == 202, requested.text
    assert me in await erase_due(db, app.state.wallet.blobs, hold=dt.timedelta(0))
    # The erasure did what could move a figure: the ticket no longer names the application, the open complaint is
    # withdrawn, the applications no longer carry the person's answers.
    assert await db.fetchval("SELECT application FROM queue_ticket WHERE id = $1", served.id) is None
    assert await db.fetchval("SELECT close_reason FROM feedback_complaint WHERE id = $1::uuid", complaint.json()["id"])
    assert await db.fetchval("SELECT answers FROM applications_application WHERE id = $1::uuid", waiting["id"]) == "{}"
    await caught_up(db)

    after = {key: await _figures(client, admin, *key) for key in shown}
    for key in shown:
        assert after[key] == before[key], key
    for on in (today, day):
        assert await verify(db, start=on, end=on) == [], on
