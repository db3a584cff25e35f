"""Days off kept in the app: who may change which, what is refused, the deadlines a new day moves (and that a removal
never shortens), the append-only history, every process hearing of a change within seconds, and the seed.

The session's database is shared: the deadline tests work in Brebes (3329) and Grobogan (3315), which no other test
applies in, and every day a test adds for a near date is removed again before it ends (a removal moves nothing
back), so later submissions elsewhere in the session count on the usual calendar.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from jose import jwt
from litestar import Litestar

from api.applications.service.rules import local_today
from api.calendar.service import national_today, working_calendar
from api.calendar.working import load_holiday_file
from api.notifications.messages import render
from tests.support.applications import service_id
from tests.support.auth import account_id, bearer
from tests.support.database import create_database, drop_database
from tests.support.factories import (
    create_application,
    create_citizen,
    create_national_admin,
    create_officer,
    create_region_admin,
)
from tests.support.server import running_server

BREBES, GROBOGAN = "3329", "3315"
DAYS = "/api/v1/admin/calendar/days"
MPP = str(Path(sys.executable).parent / "mpp")


def subject(token: str) -> uuid.UUID:
    return uuid.UUID(jwt.get_unverified_claims(token)["sub"])


def body(day: dt.date, **fields: Any) -> dict[str, Any]:
    return {
        "day": day.isoformat(),
        "kind": "libur_daerah",
        "name": {"id": "Hari Jadi Kabupaten Uji", "en": "Test Regency Anniversary"},
        "source": "Keputusan Bupati Uji Nomor 003/123 Tahun 2026",
        **fields,
    }


def later_working_day(region: str, after: dt.date, *, at_least: int = 1) -> dt.date:
    return working_calendar(region).add_working_days(after, at_least)


async def apply_in(client: httpx.AsyncClient, region: str, **kwargs: Any) -> dict[str, Any]:
    """A citizen's kk-baru application (SLA: one working day) in ``region``."""
    sid = await service_id(client, "kk-baru", region)
    service = (await client.get(f"/api/v1/services/{sid}")).json()
    citizen = kwargs.pop("citizen", None) or await create_citizen(client, name="Warga Kalender")
    application = await create_application(client, citizen, service, **kwargs)
    application["_citizen"] = citizen
    return application


async def due_of(db: asyncpg.Connection, application: dict[str, Any]) -> dt.date:
    due: dt.date = await db.fetchval(
        "SELECT due_date FROM applications_application WHERE id = $1", uuid.UUID(application["id"])
    )
    return due


async def remove(client: httpx.AsyncClient, token: str, day_id: str, reason: str = "Uji selesai") -> httpx.Response:
    return await client.request(
        "DELETE", f"{DAYS}/{day_id}", json={"reason": reason}, headers={**bearer(token), "If-Match": '"1"'}
    )


# --- deadlines ------------------------------------------------------------------------------------------------------


async def test_a_regions_day_moves_only_that_regions_open_deadlines_with_a_timeline_entry(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app, region=BREBES)
    here = await apply_in(client, BREBES)
    there = await apply_in(client, GROBOGAN)
    due_here, due_there = await due_of(db, here), await due_of(db, there)
    day = due_here  # kk-baru's SLA is one working day: its deadline is the first working day after submission
    assert local_today(BREBES) < day and working_calendar(BREBES).is_working_day(day)

    added = await client.post(DAYS, json=body(day), headers=bearer(admin))
    assert added.status_code == 201, added.text
    answer = added.json()
    assert answer["deadlinesMoved"] >= 1
    assert answer["region"] == BREBES and answer["national"] is False and answer["editable"] is True
    assert answer["source"].startswith("Keputusan Bupati") and answer["addedBy"]["id"] == str(subject(admin))

    moved_to = working_calendar(BREBES).add_working_days(due_here, 1)
    assert not working_calendar(BREBES).is_working_day(day)
    assert await due_of(db, here) == moved_to > due_here
    assert await due_of(db, there) == due_there  # another region's deadline is not touched
    assert working_calendar(GROBOGAN).is_working_day(day)

    # The citizen sees why, in their own language; the officer's timeline has the same entry.
    detail = (await client.get(f"/api/v1/applications/{here['id']}", headers=bearer(here["_citizen"]))).json()
    assert detail["deadline"]["dueDate"] == moved_to.isoformat()
    entry = detail["timeline"][-1]
    assert entry["action"] == "deadline_changed"
    assert entry["reason"] == "Libur daerah: Hari Jadi Kabupaten Uji"
    assert entry["fromStatus"] == entry["toStatus"] == "submitted"
    event = await db.fetchrow(
        "SELECT actor, actor_role, detail FROM applications_event "
        "WHERE application = $1 AND action = 'deadline_changed'",
        uuid.UUID(here["id"]),
    )
    assert event["actor"] == subject(admin) and event["actor_role"] == "admin"

    assert json.loads(event["detail"]) == {
        "from": due_here.isoformat(),
        "to": moved_to.isoformat(),
        "day": day.isoformat(),
        "source": "Keputusan Bupati Uji Nomor 003/123 Tahun 2026",
    }
    # The citizen is told (the notifications worker words it).
    message = await db.fetchrow(
        "SELECT recipient, payload FROM outbox_message WHERE subject = $1 AND topic = 'application.deadline_changed'",
        uuid.UUID(here["id"]),
    )
    assert message["recipient"] == account_id(here["_citizen"])
    text = render("application.deadline_changed", json.loads(message["payload"]), "id")
    assert f"Tenggat diundur ke {moved_to:%d-%m-%Y}: Hari Jadi Kabupaten Uji." == text.body

    # Submitted now, a deadline counts on the new calendar at once (this process heard of the day).
    fresh = await apply_in(client, BREBES)
    assert await due_of(db, fresh) == working_calendar(BREBES).add_working_days(local_today(BREBES), 1) > day

    # Removing the day never shortens a deadline already given.
    removed = await remove(client, admin, answer["id"], "Keputusan dicabut")
    assert removed.status_code == 200, removed.text
    assert removed.json()["deadlinesKept"] is True
    assert removed.json()["removed"]["reason"] == "Keputusan dicabut"
    assert await due_of(db, here) == moved_to
    assert working_calendar(BREBES).is_working_day(day)


async def test_finished_applications_and_deadlines_before_the_day_are_untouched(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    admin = await create_region_admin(db, app, region=BREBES)
    clerk = await create_officer(db, app, region=BREBES)
    early = await apply_in(client, BREBES)
    finished = await apply_in(client, BREBES, status="approved", officer=clerk)
    done = await client.post(
        f"/api/v1/officer/applications/{finished['id']}/decision", json={"action": "complete"}, headers=bearer(clerk)
    )
    assert done.status_code == 200, done.text
    due_early, due_finished = await due_of(db, early), await due_of(db, finished)
    day = later_working_day(BREBES, due_early)  # after the early one's deadline
    spanning = await db.fetchval(
        "SELECT count(*) FROM applications_application WHERE region = $1 AND due_date >= $2 "
        "AND status IN ('submitted', 'in_review', 'needs_correction', 'approved')",
        BREBES,
        day,
    )

    added = await client.post(DAYS, json=body(day), headers=bearer(admin))
    assert added.status_code == 201, added.text
    assert added.json()["deadlinesMoved"] == spanning  # none of this test's: neither is open and spanning the day
    assert await due_of(db, early) == due_early
    assert await due_of(db, finished) == due_finished
    for application in (early, finished):
        actions = await db.fetch(
            "SELECT action FROM applications_event WHERE application = $1", uuid.UUID(application["id"])
        )
        assert "deadline_changed" not in {r["action"] for r in actions}
    assert (await remove(client, admin, added.json()["id"])).status_code == 200


async def test_an_application_paused_for_correction_keeps_its_count(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    """Its stored deadline moves too, so that resuming later counts the days left on the new calendar."""
    admin = await create_region_admin(db, app, region=BREBES)
    clerk = await create_officer(db, app, region=BREBES)
    paused = await apply_in(client, BREBES, status="in_review", officer=clerk)
    asked = await client.post(
        f"/api/v1/officer/applications/{paused['id']}/decision",
        json={"action": "request_correction", "reason": "Foto KTP buram"},
        headers=bearer(clerk),
    )
    assert asked.status_code == 200, asked.text
    due = await due_of(db, paused)
    added = await client.post(DAYS, json=body(due), headers=bearer(admin))
    assert added.status_code == 201, added.text
    assert await due_of(db, paused) == working_calendar(BREBES).add_working_days(due, 1)
    assert (await remove(client, admin, added.json()["id"])).status_code == 200


async def test_a_deadline_counted_before_the_process_heard_of_a_day_is_caught_up(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    """A day committed where this process could not move the deadlines with it (written straight into the table
    here, as a process whose submission raced the day's commit would see it): the NOTIFY reaches this process,
    which reloads its calendars and moves the deadline counted without the day, with its timeline entry."""
    admin = subject(await create_region_admin(db, app, region=BREBES))
    late = await apply_in(client, BREBES)
    due = await due_of(db, late)
    day_id = await db.fetchval(
        """INSERT INTO calendar_day (id, region, day, kind, name_id, name_en, source, added_by, added_at)
           VALUES (gen_random_uuid(), $1, $2, 'libur_daerah', 'Hari Uji', 'Test Day', 'Keputusan Bupati Uji', $3,
                   now()) RETURNING id""",
        BREBES,
        due,
        admin,
    )
    try:
        for _ in range(100):  # the other process's reload: within seconds
            if await due_of(db, late) != due:
                break
            await asyncio.sleep(0.1)
        assert await due_of(db, late) == working_calendar(BREBES).add_working_days(due, 1) > due
        event = await db.fetchrow(
            "SELECT actor, reason FROM applications_event WHERE application = $1 AND action = 'deadline_changed'",
            uuid.UUID(late["id"]),
        )
        assert (event["actor"], event["reason"]) == (admin, "Libur daerah: Hari Uji")
    finally:
        await db.execute("UPDATE calendar_day SET removed_at = now(), removed_reason = 'uji' WHERE id = $1", day_id)


# --- who may change what --------------------------------------------------------------------------------------------


async def national_day(db: asyncpg.Connection, day: dt.date) -> uuid.UUID:
    found: uuid.UUID = await db.fetchval(
        "SELECT id FROM calendar_day WHERE region IS NULL AND day = $1 AND removed_at IS NULL", day
    )
    return found


async def test_scope_rules(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    brebes = await create_region_admin(db, app, region=BREBES)
    grobogan = await create_region_admin(db, app, region=GROBOGAN)
    nation = await create_national_admin(db, app)
    far = dt.date(2027, 10, 13)  # a Wednesday without a holiday, beyond every deadline of the session
    assert working_calendar(BREBES).is_working_day(far)

    # A region admin's day is their region's: naming another region is 404, a national kind is refused.
    assert (await client.post(DAYS, json=body(far, region=GROBOGAN), headers=bearer(brebes))).status_code == 404
    refused = await client.post(DAYS, json=body(far, kind="libur_nasional"), headers=bearer(brebes))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "kind"
    own = await client.post(DAYS, json=body(far, kind="cuti_bersama"), headers=bearer(brebes))
    assert own.status_code == 201, own.text
    assert own.json()["region"] == BREBES and own.json()["deadlinesMoved"] == 0

    # Another region's admin neither sees nor removes it.
    listing = await client.get("/api/v1/admin/calendar", params={"year": 2027}, headers=bearer(grobogan))
    assert listing.status_code == 200 and listing.headers["etag"]
    assert own.json()["id"] not in {d["id"] for d in listing.json()["items"]}
    assert (
        await client.get("/api/v1/admin/calendar", params={"region": BREBES}, headers=bearer(grobogan))
    ).status_code == 404
    assert (await remove(client, grobogan, own.json()["id"])).status_code == 404
    # The public calendar is the admin's list without the removed days.
    public = (await client.get(f"/api/v1/regions/{GROBOGAN}/calendar", params={"year": 2027})).json()
    assert {d["day"] for d in public["items"]} == {d["day"] for d in listing.json()["items"] if "removed" not in d}

    # National days: listed for region admins, read-only; national admins add and remove them.
    new_year = await national_day(db, dt.date(2027, 1, 1))
    mine = await client.get("/api/v1/admin/calendar", params={"year": 2027}, headers=bearer(brebes))
    rows = {d["id"]: d for d in mine.json()["items"]}
    assert rows[str(new_year)]["national"] is True and rows[str(new_year)]["editable"] is False
    assert rows[own.json()["id"]]["editable"] is True
    assert (await remove(client, brebes, str(new_year))).json()["code"] == "national_day"
    national = await client.post(
        DAYS,
        json=body(far + dt.timedelta(days=1), kind="libur_nasional", source="SKB 3 Menteri Uji"),
        headers=bearer(nation),
    )
    assert national.status_code == 201, national.text
    assert national.json()["national"] is True and national.json()["region"] is None
    english = await client.get(
        f"/api/v1/regions/{GROBOGAN}/calendar", params={"year": 2027}, headers={"Accept-Language": "en"}
    )
    names = {d["day"]: d for d in english.json()["items"]}
    assert names[(far + dt.timedelta(days=1)).isoformat()]["name"] == "Test Regency Anniversary"
    assert names[(far + dt.timedelta(days=1)).isoformat()]["national"] is True
    assert far.isoformat() not in names  # Brebes's own day is not Grobogan's
    assert (await remove(client, brebes, national.json()["id"])).status_code == 403
    assert (await remove(client, nation, national.json()["id"])).status_code == 200
    assert (await remove(client, brebes, own.json()["id"])).status_code == 200
    # A national admin may look at any region, and keep its days too.
    assert (
        await client.get("/api/v1/admin/calendar", params={"region": BREBES}, headers=bearer(nation))
    ).status_code == 200


async def test_what_is_refused(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    admin = await create_region_admin(db, app, region=GROBOGAN)
    nation = await create_national_admin(db, app)
    far = dt.date(2027, 10, 20)
    assert working_calendar(GROBOGAN).is_working_day(far)

    def fields(response: httpx.Response) -> set[str]:
        assert response.status_code == 422, response.text
        return {e["field"] for e in response.json()["errors"]}

    yesterday = local_today(GROBOGAN) - dt.timedelta(days=1)
    assert fields(await client.post(DAYS, json=body(yesterday), headers=bearer(admin))) == {"day"}
    assert fields(await client.post(DAYS, json=body(dt.date(2031, 1, 6)), headers=bearer(admin))) == {"day"}
    assert fields(await client.post(DAYS, json=body(far, source="   "), headers=bearer(admin))) == {"source"}
    missing = {"day": far.isoformat(), "kind": "libur_daerah"}
    assert fields(await client.post(DAYS, json=missing, headers=bearer(admin))) == {"name.id", "name.en", "source"}
    assert fields(await client.post(DAYS, json=body(far, name={"id": "", "en": "x"}), headers=bearer(admin))) == {
        "name.id"
    }
    assert fields(await client.post(DAYS, json={}, headers=bearer(admin))) >= {"day", "kind", "source"}
    # Hostile text never reaches the table.
    for bad in ("SK\u202eBupati", "SK\x00Bupati", "S" * 10_000):
        response = await client.post(DAYS, json=body(far, source=bad), headers=bearer(admin))
        assert 400 <= response.status_code < 500, response.text
    assert await db.fetchval("SELECT count(*) FROM calendar_day WHERE day = $1", far) == 0

    # The same date twice in one scope, or a region's day on a national one: 409.
    first = await client.post(DAYS, json=body(far), headers=bearer(admin))
    assert first.status_code == 201, first.text
    again = await client.post(DAYS, json=body(far, kind="cuti_bersama"), headers=bearer(admin))
    assert again.status_code == 409 and again.json()["code"] == "day_off_exists"
    independence = await client.post(DAYS, json=body(dt.date(2027, 8, 17)), headers=bearer(admin))
    assert independence.status_code == 409

    # Removing: If-Match is required and must be current; a reason is required; the past stays.
    url = f"{DAYS}/{first.json()['id']}"
    no_tag = await client.request("DELETE", url, json={"reason": "x"}, headers=bearer(admin))
    assert no_tag.status_code == 428
    assert fields(
        await client.request("DELETE", url, json={"reason": " "}, headers={**bearer(admin), "If-Match": '"1"'})
    ) == {"reason"}
    stale = await client.request("DELETE", url, json={"reason": "x"}, headers={**bearer(admin), "If-Match": '"2"'})
    assert stale.status_code == 412 and stale.json()["code"] == "edit_conflict"
    assert (await remove(client, admin, first.json()["id"])).status_code == 200
    twice = await remove(client, admin, first.json()["id"])
    assert twice.status_code == 412
    past = await national_day(db, dt.date(2025, 1, 1))
    assert fields(await remove(client, nation, str(past))) == {"day"}
    assert (await remove(client, admin, str(uuid.uuid4()))).status_code == 404


async def test_the_history_is_append_only(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> None:
    admin = await create_region_admin(db, app, region=GROBOGAN)
    added = await client.post(DAYS, json=body(dt.date(2027, 10, 27)), headers=bearer(admin))
    assert added.status_code == 201, added.text
    day_id = uuid.UUID(added.json()["id"])
    refused = (asyncpg.InsufficientPrivilegeError,)
    with pytest.raises(refused):
        await db.execute("DELETE FROM calendar_day WHERE id = $1", day_id)
    with pytest.raises(refused):
        await db.execute("UPDATE calendar_day SET name_id = 'lain' WHERE id = $1", day_id)
    with pytest.raises(refused):
        await db.execute("TRUNCATE calendar_day")
    assert (await remove(client, admin, str(day_id))).status_code == 200
    with pytest.raises(refused):  # a removal is recorded once
        await db.execute("UPDATE calendar_day SET removed_reason = 'lain' WHERE id = $1", day_id)
    row = await db.fetchrow("SELECT removed_at, removed_by, removed_reason FROM calendar_day WHERE id = $1", day_id)
    assert row["removed_by"] == subject(admin) and row["removed_reason"] == "Uji selesai"
    audit = await db.fetch("SELECT action, actor FROM audit_event WHERE detail->>'id' = $1 ORDER BY id", str(day_id))
    assert [(a["action"], a["actor"]) for a in audit] == [
        ("calendar.day_added", subject(admin)),
        ("calendar.day_removed", subject(admin)),
    ]


# --- every process, within seconds ----------------------------------------------------------------------------------


async def test_another_process_hears_of_a_new_day_within_seconds(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, database_url: str, tmp_path: Path
) -> None:
    """A real ``mpp serve`` on the same database answers the public calendar from its own memory: the day shows
    there only because its LISTEN loop heard of the change and reloaded."""
    admin = await create_region_admin(db, app, region=GROBOGAN)
    day = dt.date(2027, 11, 3)

    def days_there(server: Any) -> set[str]:
        answer = server.get(f"/api/v1/regions/{GROBOGAN}/calendar", params={"year": 2027})
        assert answer.status_code == 200, answer.text
        return {d["day"] for d in answer.json()["items"]}

    async def within(seconds: float, server: Any, present: bool) -> float:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if (day.isoformat() in await asyncio.to_thread(days_there, server)) == present:
                return time.monotonic() - started
            await asyncio.sleep(0.1)
        raise AssertionError(f"{day} {'not shown' if present else 'still shown'} after {seconds}s")

    with running_server(tmp_path / "data", database_url=database_url) as server:
        assert day.isoformat() not in days_there(server)
        added = await client.post(DAYS, json=body(day), headers=bearer(admin))
        assert added.status_code == 201, added.text
        assert await within(5, server, present=True) < 5
        assert (await remove(client, admin, added.json()["id"])).status_code == 200
        assert await within(5, server, present=False) < 5


# --- the seed -------------------------------------------------------------------------------------------------------


def migrate(url: str, data_dir: Path) -> None:
    env = {**os.environ, "DATABASE_URL": url, "MPP_DATA_DIR": str(data_dir)}
    done = subprocess.run([MPP, "migrate"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


async def test_start_up_loads_the_national_days_once_and_backfills_a_database_without_them(
    server_url: str, tmp_path: Path
) -> None:
    shipped = load_holiday_file()
    expected = sum(len(y.holidays) for y in shipped.years)
    url = await create_database(server_url, prefix="mpp_cal")
    try:
        await asyncio.to_thread(migrate, url, tmp_path)
        conn = await asyncpg.connect(url)
        try:
            count = "SELECT count(*) FROM calendar_day WHERE region IS NULL AND removed_at IS NULL"
            assert await conn.fetchval(count) == expected
            assert [r["year"] for r in await conn.fetch("SELECT year FROM calendar_year ORDER BY year")] == [
                y.year for y in shipped.years
            ]
            # A day removed later is not brought back by the next start.
            await conn.execute(
                "UPDATE calendar_day SET removed_at = now(), removed_reason = 'uji' WHERE day = '2027-01-01'"
            )
            await asyncio.to_thread(migrate, url, tmp_path)
            assert await conn.fetchval(count) == expected - 1
            # A database from before the days lived in it (emptied here behind the trigger's back) gets them.
            await conn.execute("ALTER TABLE calendar_day DISABLE TRIGGER USER")
            await conn.execute("DELETE FROM calendar_day")
            await conn.execute("DELETE FROM calendar_year")
            await conn.execute("ALTER TABLE calendar_day ENABLE TRIGGER USER")
            await asyncio.to_thread(migrate, url, tmp_path)
            assert await conn.fetchval(count) == expected
        finally:
            await conn.close()
    finally:
        await drop_database(server_url, url)


def test_national_today_is_the_first_zone_to_turn() -> None:
    # 15:30 UTC is 00:30 the next day in Jayapura (UTC+9) and 22:30 in Jakarta.
    now = dt.datetime(2026, 12, 31, 15, 30, tzinfo=dt.UTC)
    assert national_today(now) == dt.date(2027, 1, 1)
    assert local_today("3302", now) == dt.date(2026, 12, 31)
