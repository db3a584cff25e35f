"""Complaints through the API: the categories, filing about each kind of subject (and refusing others' objects),
the Idempotency-Key under 20 retries at once, and the citizen's confirm / dispute / withdraw with their 409s."""

from __future__ import annotations

import asyncio
import re
import uuid

import asyncpg
import httpx
from litestar import Litestar

from api.calendar.service import working_calendar
from api.catalogue.timezones import local_today
from tests.feedback.complaint_support import COMPLAINTS, STAFF, TEXT, booked_ticket, file, filed, messages
from tests.support.applications import kk_service, service_id
from tests.support.auth import account_id, bearer
from tests.support.factories import create_application, create_citizen, create_document, create_officer
from tests.support.identity import random_nik


async def test_the_categories_are_public_with_their_working_days(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{COMPLAINTS}/categories")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(c["code"], c["responseDays"]) for c in items] == [
        ("urgent", 2),
        ("simple", 5),
        ("substantive", 14),
        ("complex", 60),
    ]
    assert items[0]["name"]["id"].startswith("Mendesak") and items[0]["name"]["en"].startswith("Urgent")


async def test_a_complaint_about_my_application_goes_to_its_agency_with_a_number_and_a_working_day_deadline(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    clerk = await create_officer(db, app)
    citizen = await create_citizen(client, name="Wati Aduan")
    application = await create_application(client, citizen, status="in_review", officer=clerk)
    created = await filed(client, citizen, applicationId=application["id"], aboutOfficer=True, category="substantive")
    today = local_today("3302")
    assert re.fullmatch(rf"ADU-3302-{today.year}-\d{{6}}", created["number"]), created
    assert created["status"] == "submitted"
    # 14 working days of Banyumas from the day it was received (day 1 is the next working day).
    assert created["dueDate"] == working_calendar("3302").add_working_days(today, 14).isoformat()
    stored = await db.fetchrow("SELECT * FROM feedback_complaint WHERE id = $1", uuid.UUID(created["id"]))
    assert stored["region"] == "3302" and stored["application"] == uuid.UUID(application["id"])
    assert stored["officer"] is not None  # the officer who took the case on
    assert await db.fetchval("SELECT code FROM catalogue_agency WHERE id = $1", stored["agency"]) == "DISDUKCAPIL"
    # The history, the citizen's notification and the SP4N-LAPOR! hand-off, all written with it.
    assert (
        await db.fetchval("SELECT action FROM feedback_complaint_event WHERE complaint = $1", stored["id"]) == "filed"
    )
    sent = await messages(db, created["id"])
    assert [(m["status"], m["recipient"]) for m in sent] == [("submitted", account_id(citizen))]
    assert (
        await db.fetchval("SELECT count(*) FROM outbox_message WHERE channel = 'lapor' AND subject = $1", stored["id"])
        == 1
    )

    mine = (await client.get(COMPLAINTS, headers=bearer(citizen))).json()["items"]
    assert [c["number"] for c in mine] == [created["number"]]
    assert mine[0]["agencyName"] and mine[0]["overdue"] is False and mine[0]["category"] == "substantive"
    detail = (await client.get(f"{COMPLAINTS}/{created['id']}", headers=bearer(citizen))).json()
    assert detail["text"] == TEXT and detail["aboutOfficer"] is True
    assert [e["action"] for e in detail["events"]] == ["filed"]


async def test_a_complaint_about_a_service_and_a_national_service_in_another_region(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client)
    service = await kk_service(client)
    here = await filed(client, citizen, serviceId=service["id"])
    assert here["number"].startswith("ADU-3302-")
    # kk-baru is a national standard: with region=3329 the complaint goes to Brebes's own Disdukcapil.
    there = await filed(client, citizen, serviceId=service["id"], region="3329")
    assert there["number"].startswith("ADU-3329-")
    row = await db.fetchrow(
        "SELECT c.service, a.code, a.region FROM feedback_complaint c JOIN catalogue_agency a ON a.id = c.agency "
        "WHERE c.id = $1",
        uuid.UUID(there["id"]),
    )
    assert (row["code"], row["region"]) == ("DISDUKCAPIL", "3329")
    assert row["service"] == uuid.UUID(await service_id(client, "kk-baru", "3329"))
    # About an officer needs the application or ticket they handled.
    refused = await file(client, citizen, serviceId=service["id"], aboutOfficer=True)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "aboutOfficer"


async def test_a_complaint_about_my_ticket(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    citizen = await create_citizen(client, name="Budi Antre", nik=random_nik())
    ticket = await booked_ticket(db, client, citizen)
    created = await filed(client, citizen, ticketId=str(ticket), category="urgent")
    row = await db.fetchrow("SELECT ticket, region FROM feedback_complaint WHERE id = $1", uuid.UUID(created["id"]))
    assert row["ticket"] == ticket and row["region"] == "3302"
    # Nobody has called it yet: there is no officer to complain about.
    refused = await file(client, citizen, ticketId=str(ticket), aboutOfficer=True)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "aboutOfficer"
    # Someone else's ticket is 404.
    stranger = await create_citizen(client)
    assert (await file(client, stranger, ticketId=str(ticket))).status_code == 404


async def test_others_objects_are_404_and_a_subject_is_required(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    owner = await create_citizen(client)
    application = await create_application(client, owner)
    document = await create_document(client, owner)
    stranger = await create_citizen(client)
    assert (await file(client, stranger, applicationId=application["id"])).status_code == 404
    assert (await file(client, stranger, serviceId=str(uuid.uuid4()))).status_code == 404
    service = await kk_service(client)
    theirs = await file(client, stranger, serviceId=service["id"], attachmentId=document["id"])
    assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    # My own document attaches.
    mine = await filed(client, owner, applicationId=application["id"], attachmentId=document["id"])
    detail = (await client.get(f"{COMPLAINTS}/{mine['id']}", headers=bearer(owner))).json()
    assert detail["attachment"]["id"] == document["id"]

    missing = await file(client, owner)
    assert missing.status_code == 422 and missing.json()["code"] == "complaint_subject_missing"
    both = await file(client, owner, serviceId=service["id"], applicationId=application["id"])
    assert both.json()["code"] == "complaint_subject_missing"
    for text in ("pendek", " " * 40, "x" * 4001):
        bad = await file(client, owner, serviceId=service["id"], text=text)
        assert bad.status_code in (400, 422) and bad.headers["content-type"].startswith("application/problem+json")
    unknown = await file(client, owner, serviceId=service["id"], category="nope")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "category"
    hostile = await file(client, owner, serviceId=service["id"], text="Biaya tambahan \u202e diminta petugas")
    assert hostile.status_code == 422 and hostile.json()["code"] == "invalid_text"
    no_key = await client.post(COMPLAINTS, json={"category": "simple", "text": TEXT}, headers=bearer(owner))
    assert no_key.status_code == 400 and no_key.json()["code"] == "idempotency_key_required"
    assert await db.fetchval("SELECT count(*) FROM feedback_complaint WHERE account = $1", account_id(stranger)) == 0


async def test_the_same_idempotency_key_twenty_times_at_once_files_one_complaint(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client)
    service = await kk_service(client)
    key = {"Idempotency-Key": f"adu-{uuid.uuid4()}"}
    answers = await asyncio.gather(*(file(client, citizen, key=key, serviceId=service["id"]) for _ in range(20)))
    assert {r.status_code for r in answers} == {201}, {r.text for r in answers}
    assert len({r.json()["number"] for r in answers}) == 1
    assert await db.fetchval("SELECT count(*) FROM feedback_complaint WHERE account = $1", account_id(citizen)) == 1
    # The same key with another body is refused, as everywhere in the API.
    other = await file(client, citizen, key=key, serviceId=service["id"], text=TEXT + " Lagi.")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


async def test_confirm_dispute_withdraw_and_what_is_out_of_order(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    clerk = await create_officer(db, app)
    citizen = await create_citizen(client)
    service = await kk_service(client)
    created = await filed(client, citizen, serviceId=service["id"])
    url = f"{COMPLAINTS}/{created['id']}"
    # Nothing to confirm or dispute before an answer.
    for action, body in (("confirm", None), ("dispute", {"text": "Belum ada jawaban sama sekali."})):
        early = await client.post(f"{url}/{action}", json=body, headers=bearer(citizen))
        assert early.status_code == 409 and early.json()["code"] == "complaint_wrong_status"
    # Someone else cannot touch it.
    stranger = await create_citizen(client)
    assert (await client.post(f"{url}/withdraw", headers=bearer(stranger))).status_code == 404

    async def answer() -> None:
        staff = (await client.get(f"{STAFF}/{created['id']}", headers=bearer(clerk))).json()
        answered = await client.post(
            f"{STAFF}/{created['id']}/answer",
            json={"text": "Biaya itu tidak resmi; petugas sudah ditegur.", "version": staff["version"]},
            headers=bearer(clerk),
        )
        assert answered.status_code == 200, answered.text

    await answer()
    disputed = await client.post(
        f"{url}/dispute", json={"text": "Uang saya belum dikembalikan oleh petugas."}, headers=bearer(citizen)
    )
    assert disputed.status_code == 200 and disputed.json()["status"] == "escalated"
    simple_days = working_calendar("3302").add_working_days(local_today("3302"), 5)
    assert disputed.json()["dueDate"] == simple_days.isoformat()
    await answer()  # the region (or the agency) answers again
    confirmed = await client.post(f"{url}/confirm", headers=bearer(citizen))
    assert confirmed.status_code == 200
    assert (confirmed.json()["status"], confirmed.json()["closeReason"]) == ("closed", "confirmed")
    again = await client.post(f"{url}/withdraw", headers=bearer(citizen))
    assert again.status_code == 409 and again.json()["code"] == "complaint_wrong_status"
    events = [e["action"] for e in confirmed.json()["events"]]
    assert events == ["filed", "answered", "disputed", "answered", "confirmed"]
    # One notification per change of status, each with the number and the status only.
    sent = await messages(db, created["id"])
    assert [m["status"] for m in sent] == ["submitted", "answered", "escalated", "answered", "closed"]
    assert all(set(m) == {"recipient", "complaint", "number", "status"} for m in sent)

    second = await filed(client, citizen, serviceId=service["id"])
    withdrawn = await client.post(f"{COMPLAINTS}/{second['id']}/withdraw", headers=bearer(citizen))
    assert (withdrawn.json()["status"], withdrawn.json()["closeReason"]) == ("closed", "withdrawn")


async def test_the_lock_screen_text_names_the_number_and_status_only() -> None:
    from api.notifications.messages import render

    payload = {"complaint": str(uuid.uuid4()), "number": "ADU-3302-2026-000001", "status": "answered"}
    text = render("complaint.status_changed", payload, "id")
    assert text.title == "Pengaduan ADU-3302-2026-000001" and "dijawab" in text.body
    assert text.url == f"/#/complaints/{payload['complaint']}"
    assert render("complaint.status_changed", payload, "en").body.startswith("answered")
