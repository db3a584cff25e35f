"""Complaints and time: deadlines in the region's working days (across national holidays, and a day off added to
the calendar), the worker's escalation and timeout with a controlled clock (two ticks at once act once), and the
person's data: the export and the erasure."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import uuid
import zipfile
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from api.accounts.erasure import erase_due
from api.calendar.service import working_calendar
from api.calendar.working import load_holiday_file
from api.catalogue.timezones import local_today, time_zone
from api.feedback import complaint_rules as rules
from api.feedback import jobs
from api.feedback.complaint_schemas import ComplaintCreate
from api.feedback.complaints import file as file_complaint
from tests.feedback.complaint_support import COMPLAINTS, STAFF, TEXT, filed, messages
from tests.support.applications import kk_service, service_id
from tests.support.auth import account_id, bearer
from tests.support.factories import create_application, create_citizen, create_officer, create_region_admin

# No other test changes this region's calendar (Kota Surabaya's); the day added is removed again.
CALENDAR_REGION = "3576"
DAYS = "/api/v1/admin/calendar/days"


def weekday_count(start: dt.date, days: int) -> dt.date:
    """The due date if only weekends were days off."""
    day = start
    while days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


async def test_a_deadline_skips_a_national_holiday(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    # The last weekday before the first weekday national holiday of next year, at 10:00 in Banyumas.
    year = local_today("3302").year + 1
    holidays = sorted(
        h.date
        for y in load_holiday_file().years
        if y.year == year
        for h in y.holidays
        if h.date.weekday() < 5 and h.date.month > 1
    )
    holiday = holidays[0]
    filed_on = holiday - dt.timedelta(days=1)
    while not working_calendar("3302").is_working_day(filed_on):
        filed_on -= dt.timedelta(days=1)
    now = dt.datetime.combine(filed_on, dt.time(10), time_zone("3302"))
    citizen = await create_citizen(client)
    service = await kk_service(client)
    created, new = await file_complaint(
        db,
        account=account_id(citizen),
        data=ComplaintCreate(category="urgent", text=TEXT, service_id=uuid.UUID(service["id"])),
        idempotency_key=f"clock-{uuid.uuid4()}",
        now=now,
    )
    assert new and created.number.startswith(f"ADU-3302-{year}-")
    assert created.due_date == working_calendar("3302").add_working_days(filed_on, 2)
    assert created.due_date > weekday_count(filed_on, 2)  # the holiday is not a working day


async def test_a_day_off_added_to_the_calendar_moves_a_new_complaints_deadline(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app, region=CALENDAR_REGION)
    citizen = await create_citizen(client)
    service = await service_id(client, "kk-baru", CALENDAR_REGION)
    today = local_today(CALENDAR_REGION)
    before = await filed(client, citizen, serviceId=service, category="urgent")
    assert before["dueDate"] == working_calendar(CALENDAR_REGION).add_working_days(today, 2).isoformat()
    day = working_calendar(CALENDAR_REGION).add_working_days(today, 1)  # day 1 of the deadline
    added = await client.post(
        DAYS,
        json={
            "day": day.isoformat(),
            "kind": "libur_daerah",
            "name": {"id": "Hari Jadi Kota Uji", "en": "Test City Anniversary"},
            "source": "Keputusan Wali Kota Uji Nomor 1 Tahun 2026",
        },
        headers=bearer(admin),
    )
    assert added.status_code == 201, added.text
    try:
        for _ in range(100):  # every process hears of the day within seconds (api.calendar.runtime)
            if not working_calendar(CALENDAR_REGION).is_working_day(day):
                break
            await asyncio.sleep(0.1)
        after = await filed(client, citizen, serviceId=service, category="urgent")
        assert dt.date.fromisoformat(after["dueDate"]) == working_calendar(CALENDAR_REGION).add_working_days(
            dt.date.fromisoformat(before["dueDate"]), 1
        )
    finally:
        removed = await client.request(
            "DELETE",
            f"{DAYS}/{added.json()['id']}",
            json={"reason": "Uji selesai"},
            headers={**bearer(admin), "If-Match": '"1"'},
        )
        assert removed.status_code == 200, removed.text


def local_midnight(region: str, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), time_zone(region))


async def test_the_worker_escalates_an_overdue_complaint_once_even_from_two_processes(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, database_url: str
) -> None:
    citizen = await create_citizen(client)
    created = await filed(client, citizen, serviceId=(await kk_service(client))["id"], category="urgent")
    due = dt.date.fromisoformat(created["dueDate"])
    complaint = uuid.UUID(created["id"])
    # The last minute of the due date (Banyumas's clock) is still on time.
    await jobs.tick(db, now=local_midnight("3302", due + dt.timedelta(days=1)) - dt.timedelta(minutes=1))
    assert await db.fetchval("SELECT status FROM feedback_complaint WHERE id = $1", complaint) == "submitted"
    # The next day, two workers at once: it is escalated once, with one event and one notification.
    later = local_midnight("3302", due + dt.timedelta(days=1)) + dt.timedelta(hours=1)
    first, second = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        await asyncio.gather(jobs.tick(first, now=later), jobs.tick(second, now=later))
    finally:
        await first.close()
        await second.close()
    row = await db.fetchrow("SELECT status, escalated_at FROM feedback_complaint WHERE id = $1", complaint)
    assert row["status"] == "escalated" and row["escalated_at"] == later
    events = await db.fetch(
        "SELECT actor, actor_role FROM feedback_complaint_event WHERE complaint = $1 AND action = 'escalated'",
        complaint,
    )
    assert [(e["actor"], e["actor_role"]) for e in events] == [(None, "system")]
    assert [m["status"] for m in await messages(db, complaint)] == ["submitted", "escalated"]
    # The citizen sees it escalated; the region admin's inbox shows the escalated ones first.
    mine = (await client.get(f"{COMPLAINTS}/{complaint}", headers=bearer(citizen))).json()
    assert mine["status"] == "escalated"
    admin = await create_region_admin(db, app, region="3302")
    listed = (await client.get(STAFF, params={"limit": 100}, headers=bearer(admin))).json()["items"]
    statuses = [c["status"] for c in listed]
    assert statuses == sorted(statuses, key=lambda s: s != "escalated")  # escalated ones first
    assert created["id"] in {c["id"] for c in listed if c["status"] == "escalated"}


async def test_an_unconfirmed_answer_closes_after_ten_working_days(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    clerk = await create_officer(db, app)
    citizen = await create_citizen(client)
    created = await filed(client, citizen, serviceId=(await kk_service(client))["id"])
    answered = await client.post(
        f"{STAFF}/{created['id']}/answer",
        json={"text": "Sudah kami tindak lanjuti.", "version": 1},
        headers=bearer(clerk),
    )
    assert answered.status_code == 200, answered.text
    confirm_by = dt.datetime.fromisoformat(answered.json()["confirmBy"])
    last_day = working_calendar("3302").add_working_days(local_today("3302"), rules.CONFIRM_WORKING_DAYS)
    assert confirm_by == local_midnight("3302", last_day + dt.timedelta(days=1))
    complaint = uuid.UUID(created["id"])
    await jobs.tick(db, now=confirm_by - dt.timedelta(seconds=1))
    assert await db.fetchval("SELECT status FROM feedback_complaint WHERE id = $1", complaint) == "answered"
    counts = await jobs.tick(db, now=confirm_by)
    assert counts["complaints_timed_out"] >= 1
    row = await db.fetchrow("SELECT status, close_reason, closed_at FROM feedback_complaint WHERE id = $1", complaint)
    assert (row["status"], row["close_reason"], row["closed_at"]) == ("closed", "timeout", confirm_by)
    assert [m["status"] for m in await messages(db, complaint)] == ["submitted", "answered", "closed"]
    late = await client.post(f"{COMPLAINTS}/{complaint}/confirm", headers=bearer(citizen))
    assert late.status_code == 409


SCORES = dict.fromkeys(
    ("requirements", "procedure", "time", "cost", "product", "competence", "behaviour", "complaints", "facilities"), 3
)


async def invited(db: asyncpg.Connection, citizen: dict[str, Any], application: dict[str, Any]) -> uuid.UUID:
    """A survey invitation for the citizen's application, as its completion makes one (``surveys.invite``)."""
    from api.feedback.surveys import invite

    row = await db.fetchrow(
        "SELECT agency, region, service FROM applications_application WHERE id = $1", uuid.UUID(application["id"])
    )
    now = dt.datetime.now(dt.UTC)
    made = await invite(
        db,
        kind="application",
        ref=uuid.UUID(application["id"]),
        account=account_id(citizen),
        region=row["region"],
        agency=row["agency"],
        service=row["service"],
        officer=None,
        day=local_today(row["region"]),
        now=now,
    )
    assert made is not None
    return made


async def test_export_and_erasure(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    citizen = await create_citizen(client, name="Data Aduan")
    me = account_id(citizen)
    application = await create_application(client, citizen)
    open_one = await filed(client, citizen, applicationId=application["id"])
    closed_one = await filed(client, citizen, serviceId=(await kk_service(client))["id"])
    assert (await client.post(f"{COMPLAINTS}/{closed_one['id']}/withdraw", headers=bearer(citizen))).status_code == 200
    invitation = await invited(db, citizen, application)
    answered = await client.post(
        f"/api/v1/surveys/{invitation}", json={"scores": SCORES, "comment": "Cepat."}, headers=bearer(citizen)
    )
    assert answered.status_code == 201, answered.text

    exported = await client.get("/api/v1/me/export", headers=bearer(citizen))
    assert exported.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(exported.content)).read("feedback.json"))
    by_number = {c["number"]: c for c in data["complaints"]}
    assert set(by_number) == {open_one["number"], closed_one["number"]}
    assert by_number[open_one["number"]]["text"] == TEXT
    assert [e["action"] for e in by_number[closed_one["number"]]["events"]] == ["filed", "withdrawn"]
    [survey] = data["surveyInvitations"]
    assert survey["id"] == str(invitation) and survey["answer"]["scores"] == SCORES
    assert survey["answer"]["comment"] == "Cepat."

    assert (await client.delete("/api/v1/me", headers=bearer(citizen))).status_code == 202
    assert me in await erase_due(db, app.state.wallet.blobs, hold=dt.timedelta(0))
    rows = await db.fetch(
        "SELECT id, account, idempotency_key, status, close_reason, text FROM feedback_complaint WHERE id = ANY($1)",
        [uuid.UUID(open_one["id"]), uuid.UUID(closed_one["id"])],
    )
    # The agency keeps its record, without the person; the open one is withdrawn by the system.
    assert len(rows) == 2 and all(r["account"] is None and r["idempotency_key"] is None for r in rows)
    assert {(r["status"], r["close_reason"]) for r in rows} == {("closed", "withdrawn")}
    last = await db.fetchrow(
        "SELECT action, actor_role FROM feedback_complaint_event WHERE complaint = $1 ORDER BY id DESC LIMIT 1",
        uuid.UUID(open_one["id"]),
    )
    assert (last["action"], last["actor_role"]) == ("withdrawn", "system")
    assert await db.fetchval("SELECT account FROM feedback_invitation WHERE id = $1", invitation) is None
    assert await db.fetchval("SELECT count(*) FROM feedback_survey WHERE invitation = $1", invitation) == 1
    record = json.loads(await db.fetchval("SELECT erased FROM accounts_erasure WHERE account = $1", me))
    assert record["feedback"] == {"complaintsWithdrawn": 1, "complaintsUnlinked": 2, "invitationsUnlinked": 1}
