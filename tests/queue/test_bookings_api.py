"""Slots and bookings through the API: what a citizen may book, once per NIK, the QR's code, cancel and move, and
the admin's settings (scope, If-Match, field problems). The hour-dependent rules are in test_queue_clock.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from litestar import Litestar

from api.calendar.service import working_calendar
from api.queue.rules import local_today
from tests.support.applications import idempotency_key
from tests.support.auth import bearer
from tests.support.clients import client_at
from tests.support.factories import create_citizen, create_region_admin
from tests.support.identity import random_nik
from tests.support.queue import OPEN_REGION, book, free_slots, open_all_day, queued_service


@pytest_asyncio.fixture(loop_scope="session")
async def admin(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> str:
    return await open_all_day(client, db, app, OPEN_REGION)


async def test_slots_are_cut_from_the_opening_hours_and_spread_the_online_quota(
    client: httpx.AsyncClient, admin: str
) -> None:
    # Open 00:00-23:59: 47 half-hour slots (23:30-24:00 would end after closing); 94 online seats → 2 a slot.
    service = await queued_service(client, admin, agency="DLH", slotMinutes=30, onlineQuota=94, walkInQuota=10)
    tomorrow = local_today(OPEN_REGION, dt.datetime.now(dt.UTC)) + dt.timedelta(days=2)
    answer = await client.get(
        f"/api/v1/regions/{OPEN_REGION}/queue/slots",
        params={"service": service["service"]["id"], "date": tomorrow.isoformat()},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    if working_calendar(OPEN_REGION).holiday(tomorrow) is not None:
        assert body["closed"] == "day_off" and body["items"] == []
        return
    assert body["total"] == 47
    assert [s["available"] for s in body["items"]] == [2] * 47
    first = dt.datetime.fromisoformat(body["items"][0]["start"])
    assert first.utcoffset() == dt.timedelta(hours=7)  # Sragen is WIB, and the answer says so
    assert (first.hour, first.minute) == (0, 0)
    assert dt.datetime.fromisoformat(body["items"][-1]["end"]).strftime("%H:%M") == "23:30"


async def test_friday_break_splits_the_slots_and_days_off_have_none(client: httpx.AsyncClient) -> None:
    # Banyumas (3302): Friday 08:00-11:00 and 13:00-15:00 — no slot over the Friday prayer break.
    services = (await client.get("/api/v1/regions/3302/queue/services")).json()["items"]
    service = next(s for s in services if s["agency"]["code"] == "DINSOS")
    today = local_today("3302", dt.datetime.now(dt.UTC))
    calendar = working_calendar("3302")
    friday = next(
        today + dt.timedelta(days=n)
        for n in range(1, 15)
        if (today + dt.timedelta(days=n)).weekday() == 4 and calendar.holiday(today + dt.timedelta(days=n)) is None
    )
    body = (
        await client.get(
            "/api/v1/regions/3302/queue/slots", params={"service": service["id"], "date": friday.isoformat()}
        )
    ).json()
    starts = [dt.datetime.fromisoformat(s["start"]).strftime("%H:%M") for s in body["items"]]
    assert starts == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "13:00", "13:30", "14:00", "14:30"]
    sunday = next(today + dt.timedelta(days=n) for n in range(1, 8) if (today + dt.timedelta(days=n)).weekday() == 6)
    closed = (
        await client.get(
            "/api/v1/regions/3302/queue/slots", params={"service": service["id"], "date": sunday.isoformat()}
        )
    ).json()
    assert closed["items"] == [] and closed["closed"] in ("no_hours", "day_off")
    far = (
        await client.get(
            "/api/v1/regions/3302/queue/slots",
            params={"service": service["id"], "date": (today + dt.timedelta(days=40)).isoformat()},
        )
    ).json()
    assert far["closed"] == "out_of_range"


async def test_a_booking_is_made_once_per_key_shows_its_code_and_is_listed(
    client: httpx.AsyncClient, admin: str
) -> None:
    service = await queued_service(client, admin, agency="DLH", index=1, onlineQuota=470)
    sid = service["service"]["id"]
    slot = (await free_slots(client, sid, days=range(1, 15)))[0]
    citizen = await create_citizen(client, name="Sri Lestari", nik=random_nik())
    key = idempotency_key()
    first = await client.post(
        "/api/v1/queue/bookings", json={"serviceId": sid, "start": slot["start"]}, headers={**bearer(citizen), **key}
    )
    assert first.status_code == 201, first.text
    booking = first.json()
    assert booking["status"] == "booked" and booking["start"] == slot["start"]
    assert len(booking["checkInCode"]) == 10 and booking["checkInCode"] != booking["id"]
    assert booking["qrSvg"].startswith("<svg")
    again = await client.post(
        "/api/v1/queue/bookings", json={"serviceId": sid, "start": slot["start"]}, headers={**bearer(citizen), **key}
    )
    assert again.status_code == 200 and again.json()["id"] == booking["id"]
    other_body = await client.post(
        "/api/v1/queue/bookings", json={"serviceId": sid, "start": slot["end"]}, headers={**bearer(citizen), **key}
    )
    assert other_body.status_code == 422 and other_body.json()["code"] == "idempotency_key_reused"
    # The same service on the same day again, with a new key: one active booking per NIK.
    same_day = [s for s in await free_slots(client, sid, days=range(1, 15)) if s["start"][:10] == slot["start"][:10]]
    second = await book(client, citizen, sid, same_day[-1]["start"])
    assert second.status_code == 409 and second.json()["code"] == "already_booked"
    listed = (await client.get("/api/v1/queue/bookings", headers=bearer(citizen))).json()
    assert [b["id"] for b in listed["items"]] == [booking["id"]] and "suspension" not in listed
    assert (await client.get(f"/api/v1/queue/bookings/{booking['id']}", headers=bearer(citizen))).status_code == 200
    stranger = await create_citizen(client, nik=random_nik())
    for method in ("GET", "DELETE"):
        response = await client.request(method, f"/api/v1/queue/bookings/{booking['id']}", headers=bearer(stranger))
        assert response.status_code == 404


async def test_cancelling_holds_the_seat_for_thirty_minutes(
    client: httpx.AsyncClient, db: asyncpg.Connection, admin: str
) -> None:
    # One seat a slot: the cancelled seat must not be free again at once (no handing a slot over).
    service = await queued_service(client, admin, agency="DLH", index=2, onlineQuota=47)
    sid = service["service"]["id"]
    slot = (await free_slots(client, sid, days=range(2, 15)))[0]
    citizen = await create_citizen(client, nik=random_nik())
    made = await book(client, citizen, sid, slot["start"])
    assert made.status_code == 201, made.text
    buyer = await create_citizen(client, nik=random_nik())
    assert (await book(client, buyer, sid, slot["start"])).json()["code"] == "slot_full"
    cancelled = await client.delete(f"/api/v1/queue/bookings/{made.json()['id']}", headers=bearer(citizen))
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["status"] == "cancelled" and "qrSvg" not in body
    returns = dt.datetime.fromisoformat(body["seatReturnsAt"]) - dt.datetime.fromisoformat(body["cancelledAt"])
    assert returns == dt.timedelta(minutes=30)
    taken = await book(client, buyer, sid, slot["start"])
    assert taken.status_code == 409 and taken.json()["code"] == "slot_full"
    again = await client.delete(f"/api/v1/queue/bookings/{made.json()['id']}", headers=bearer(citizen))
    assert again.status_code == 409 and again.json()["code"] == "booking_not_changeable"


async def test_moving_takes_the_new_seat_and_holds_the_old_one(client: httpx.AsyncClient, admin: str) -> None:
    service = await queued_service(client, admin, agency="DISHUB", onlineQuota=47)
    sid = service["service"]["id"]
    slots = await free_slots(client, sid, days=range(2, 15))
    citizen = await create_citizen(client, nik=random_nik())
    made = (await book(client, citizen, sid, slots[0]["start"])).json()
    moved = await client.patch(
        f"/api/v1/queue/bookings/{made['id']}", json={"start": slots[3]["start"]}, headers=bearer(citizen)
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["start"] == slots[3]["start"] and moved.json()["id"] == made["id"]
    left = {s["start"]: s["available"] for s in await free_slots(client, sid, days=range(2, 15))}
    assert slots[0]["start"] not in left  # held, not yet back in the pool
    assert slots[3]["start"] not in left  # one seat: now mine
    # Moving into a full slot changes nothing.
    other = await create_citizen(client, nik=random_nik())
    theirs = (await book(client, other, sid, slots[5]["start"])).json()
    refused = await client.patch(
        f"/api/v1/queue/bookings/{made['id']}", json={"start": slots[5]["start"]}, headers=bearer(citizen)
    )
    assert refused.status_code == 409 and refused.json()["code"] == "slot_full"
    assert (await client.get(f"/api/v1/queue/bookings/{made['id']}", headers=bearer(citizen))).json()["start"] == (
        slots[3]["start"]
    )
    assert theirs["status"] == "booked"
    bad = await client.patch(
        f"/api/v1/queue/bookings/{made['id']}", json={"start": "2026-01-01T03:07:00+07:00"}, headers=bearer(citizen)
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "start"


async def test_booking_refusals_say_what_is_wrong(client: httpx.AsyncClient, admin: str) -> None:
    service = await queued_service(client, admin, agency="DISHUB", index=1)
    sid = service["service"]["id"]
    slot = (await free_slots(client, sid, days=range(1, 15)))[0]
    no_nik = await create_citizen(client)
    refused = await book(client, no_nik, sid, slot["start"])
    assert refused.status_code == 422 and refused.json()["code"] == "profile_incomplete"
    assert refused.json()["errors"] == [{"field": "profile.nik", "message": "is required"}]
    # Civil registration needs a registry-verified identity: the same problem as applying.
    services = (await client.get(f"/api/v1/regions/{OPEN_REGION}/queue/services")).json()["items"]
    civil = next(s for s in services if s["agency"]["code"] == "DISDUKCAPIL")
    civil_slot = await free_slots(client, civil["id"], days=range(1, 15))
    if civil_slot:
        low = await create_citizen(client, nik=random_nik())
        answer = await book(client, low, civil["id"], civil_slot[0]["start"])
        assert answer.status_code == 403 and answer.json()["code"] == "assurance_required"
    citizen = await create_citizen(client, nik=random_nik())
    not_a_slot = dt.datetime.fromisoformat(slot["start"]) + dt.timedelta(minutes=7)
    answer = await book(client, citizen, sid, not_a_slot.isoformat())
    assert answer.status_code == 422 and answer.json()["errors"][0] == {
        "field": "start",
        "message": "is not a time offered for this service",
    }
    naive = await book(client, citizen, sid, slot["start"][:19])
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "start"
    unknown = await book(client, citizen, str(uuid.uuid4()), slot["start"])
    assert unknown.status_code == 404
    no_key = await client.post(
        "/api/v1/queue/bookings", json={"serviceId": sid, "start": slot["start"]}, headers=bearer(citizen)
    )
    assert no_key.status_code == 400 and no_key.json()["code"] == "idempotency_key_required"
    not_mine = await book(client, citizen, sid, slot["start"], applicationId=str(uuid.uuid4()))
    assert not_mine.status_code == 422 and not_mine.json()["errors"][0]["field"] == "applicationId"


async def test_two_hundred_clients_booking_the_last_ten_seats_make_exactly_ten_bookings(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, admin: str
) -> None:
    # 470 online seats over 47 slots: 10 a slot. Two hundred people, each with their own NIK, phone and address,
    # book the same slot at once.
    service = await queued_service(client, admin, agency="DISPERINDAG", onlineQuota=470)
    sid = service["service"]["id"]
    slot = (await free_slots(client, sid, days=range(3, 15)))[0]
    assert slot["available"] == 10

    async def person(i: int) -> tuple[httpx.AsyncClient, dict[str, Any]]:
        own = client_at(app, f"10.77.{i // 250}.{i % 250 + 1}")
        return own, await create_citizen(own, nik=random_nik())

    people = []
    for start in range(0, 200, 25):
        people += await asyncio.gather(*(person(i) for i in range(start, start + 25)))
    try:
        answers = await asyncio.gather(*(book(own, citizen, sid, slot["start"]) for own, citizen in people))
    finally:
        for own, _ in people:
            await own.aclose()
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 10, [a.text for a in answers if a.status_code not in (201, 409)][:3]
    assert codes.count(409) == 190
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"slot_full"}
    stored = await db.fetchrow(
        "SELECT s.taken, s.capacity, (SELECT count(*) FROM queue_booking b WHERE b.slot = s.id) AS bookings "
        "FROM queue_slot s WHERE s.service = $1 AND s.starts_at = $2",
        uuid.UUID(sid),
        dt.datetime.fromisoformat(slot["start"]),
    )
    assert (stored["taken"], stored["capacity"], stored["bookings"]) == (10, 10, 10)


async def test_queue_settings_are_scoped_and_need_if_match(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar, admin: str
) -> None:
    listed = (await client.get("/api/v1/admin/queue/services", headers=bearer(admin))).json()
    item = next(s for s in listed["items"] if s["agency"]["code"] == "KPP")
    url = f"/api/v1/admin/queue/services/{item['service']['id']}"
    read = await client.get(url, headers=bearer(admin))
    assert read.status_code == 200 and read.headers["ETag"] == f'"{read.json()["revision"]}"'
    body = {"handlingMinutes": 12, "slotMinutes": 20, "enabled": True, "onlineQuota": 30, "walkInQuota": None}
    missing = await client.put(url, json=body, headers=bearer(admin))
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    changed = await client.put(url, json=body, headers={**bearer(admin), "If-Match": read.headers["ETag"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["handlingMinutes"] == 12 and changed.json()["custom"] is True
    assert changed.headers["ETag"] == f'"{read.json()["revision"] + 1}"'
    stale = await client.put(url, json=body, headers={**bearer(admin), "If-Match": read.headers["ETag"]})
    assert stale.status_code == 412 and stale.json()["code"] == "edit_conflict"
    wrong = {"handlingMinutes": 0, "slotMinutes": 1000, "enabled": True, "onlineQuota": -1}
    invalid = await client.put(url, json=wrong, headers={**bearer(admin), "If-Match": changed.headers["ETag"]})
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_queue_settings"
    assert {e["field"] for e in invalid.json()["errors"]} == {"handlingMinutes", "slotMinutes", "onlineQuota"}
    audited = await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'admin.queue_settings.changed' AND detail->>'service' = $1",
        item["service"]["id"],
    )
    assert audited == 1
    other = await create_region_admin(db, app, region="3510")
    for method in ("GET", "PUT"):
        response = await client.request(
            method, url, json=body if method == "PUT" else None, headers={**bearer(other), "If-Match": '"1"'}
        )
        assert response.status_code == 404, response.text
